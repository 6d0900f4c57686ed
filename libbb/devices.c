/* /dev inside a container's rootfs: runtime-spec's default devices (config-linux.md "Default
 * Devices"), its symlinks, then linux.devices. Every directory is reached through path.h, so a
 * symlink planted in the rootfs resolves inside it; the last component is never followed: we
 * mknod it, or find that something is already there and look at it with O_PATH|O_NOFOLLOW.
 * In a user namespace mknod is not allowed, so the host's node is bind-mounted onto an empty
 * file instead, as runc does. Device paths need not be under /dev: runc accepts any path below
 * the root (it refuses only the root itself), and so do we. */
#include "devices.h"
#include "path.h"
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

struct dev_node {
	const char *path; /* in the container, absolute */
	mode_t type;      /* S_IFCHR, S_IFBLK, S_IFIFO */
	unsigned major, minor;
	mode_t mode; /* permission bits */
	uid_t uid;
	gid_t gid;
};

static const struct dev_node default_nodes[] = {
    {"/dev/null", S_IFCHR, 1, 3, 0666, 0, 0},    {"/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0},
    {"/dev/full", S_IFCHR, 1, 7, 0666, 0, 0},    {"/dev/random", S_IFCHR, 1, 8, 0666, 0, 0},
    {"/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0}, {"/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0},
};

static const struct {
	const char *name, *target;
} default_links[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
};

static const struct {
	const char *name;
	mode_t type;
} dev_types[] = {
    {"c", S_IFCHR},
    {"u", S_IFCHR}, /* unbuffered character device: the same node to the kernel */
    {"b", S_IFBLK},
    {"p", S_IFIFO},
};

static int get_uint(const struct json *obj, const char *key, const char *where, uint64_t max,
                    uint64_t *out, struct error **err)
{
	struct json *v = json_get(obj, key);

	if (!v)
		return 0;
	if (!json_u64(v, out) || *out > max)
		return err_set(err, EINVAL, "%s.%s: expected an integer in 0..%llu", where, key,
		               (unsigned long long)max);
	return 1;
}

static int parse_node(const struct json *d, size_t i, struct dev_node *n, struct error **err)
{
	const char *type = json_get_str(d, "type");
	char where[40];
	uint64_t v = 0;
	int r;

	snprintf(where, sizeof(where), "linux.devices[%zu]", i);
	if (d->type != JSON_OBJECT)
		return err_set(err, EINVAL, "%s: expected an object", where);
	n->path = json_get_str(d, "path");
	if (!n->path || n->path[0] != '/')
		return err_set(err, EINVAL, "%s.path: must be an absolute path", where);
	if (!n->path[strspn(n->path, "/")])
		return err_set(err, EINVAL, "%s.path: cannot be the root", where);
	n->type = 0;
	for (size_t k = 0; type && k < ARRAY_SIZE(dev_types); k++)
		if (STREQ(type, dev_types[k].name))
			n->type = dev_types[k].type;
	if (!n->type)
		return err_set(err, EINVAL, "%s.type: '%s' is not one of c, u, b, p", where,
		               type ? type : "");
	n->major = n->minor = 0;
	if ((r = get_uint(d, "major", where, 0xfff, &v, err)) < 0)
		return r;
	if (!r && n->type != S_IFIFO)
		return err_set(err, EINVAL, "%s.major: required for type %s", where, type);
	n->major = r ? v : 0;
	if ((r = get_uint(d, "minor", where, 0xfffff, &v, err)) < 0)
		return r;
	if (!r && n->type != S_IFIFO)
		return err_set(err, EINVAL, "%s.minor: required for type %s", where, type);
	n->minor = r ? v : 0;
	if (n->type == S_IFIFO)
		n->major = n->minor = 0;
	/* some callers include the S_IFMT bits (0020666); runc strips them, so do we */
	if ((r = get_uint(d, "fileMode", where, 0177777, &v, err)) < 0)
		return r;
	n->mode = r ? v & 07777 : 0666;
	if ((r = get_uint(d, "uid", where, UINT32_MAX - 1, &v, err)) < 0)
		return r;
	n->uid = r ? v : 0;
	if ((r = get_uint(d, "gid", where, UINT32_MAX - 1, &v, err)) < 0)
		return r;
	n->gid = r ? v : 0;
	return 0;
}

/* "/dev//null" and "/dev/null" are one node. */
static bool same_path(const char *a, const char *b)
{
	for (;;) {
		while (*a == '/' && a[1] == '/')
			a++;
		while (*b == '/' && b[1] == '/')
			b++;
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++, b++;
	}
}

static int set_owner_mode(int fd, const struct dev_node *n, struct error **err)
{
	char proc[32];

	/* chmod through the O_PATH fd: fchmod refuses one, and the name may not be followed */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fchownat(fd, "", n->uid, n->gid, AT_EMPTY_PATH) < 0)
		return err_errno(err, "%s: chown %u:%u", n->path, (unsigned)n->uid,
		                 (unsigned)n->gid);
	if (chmod(proc, n->mode) < 0)
		return err_errno(err, "%s: chmod %04o", n->path, (unsigned)n->mode);
	return 0;
}

/* Something already at the name is fine only if it is the very node asked for. */
static int check_existing(int fd, const struct dev_node *n, struct error **err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return err_errno(err, "%s", n->path);
	if ((st.st_mode & S_IFMT) != n->type ||
	    (n->type != S_IFIFO && st.st_rdev != makedev(n->major, n->minor)))
		return err_set(err, EEXIST, "%s: something else is already there", n->path);
	return 0;
}

/* The host's node NAME bind-mounted onto an empty file at N's path. */
static int bind_node(int dirfd, const char *last, const char *host, const struct dev_node *n,
                     struct error **err)
{
	cleanup_close int fd = -1;
	char proc[32];
	struct stat st;

	fd = openat(dirfd, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST)
		return err_errno(err, "%s: create bind target", n->path);
	if (fd >= 0)
		close(fd);
	fd = openat(dirfd, last, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_errno(err, "%s", n->path);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return check_existing(fd, n, err); /* bound before */
	if (!S_ISREG(st.st_mode))
		return err_set(err, EEXIST, "%s: something else is already there", n->path);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (mount(host, proc, NULL, MS_BIND, NULL) < 0)
		return err_errno(err, "%s: bind mount %s", n->path, host);
	return 0;
}

static int make_node(int rootfd, const struct dev_node *n, const char *host, bool in_userns,
                     struct error **err)
{
	cleanup_close int dirfd = -1, fd = -1;
	const char *last;
	int r;

	dirfd = path_open_parent_in_root(rootfd, n->path, PATH_MKDIRS, &last, err);
	if (dirfd < 0)
		return err_wrap(err, "%s", n->path);
	/* a fifo is no device: mkfifo works in a user namespace too */
	if (in_userns && n->type != S_IFIFO)
		return bind_node(dirfd, last, host, n, err);
	if (mknodat(dirfd, last, n->type | (n->mode & 0777), makedev(n->major, n->minor)) < 0) {
		if (errno == EPERM && n->type != S_IFIFO) /* no CAP_MKNOD: do what a userns does */
			return bind_node(dirfd, last, host, n, err);
		if (errno != EEXIST)
			return err_errno(err, "%s: mknod", n->path);
	}
	fd = openat(dirfd, last, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno(err, "%s", n->path);
	if ((r = check_existing(fd, n, err)) < 0)
		return r;
	return set_owner_mode(fd, n, err);
}

static int make_links(int rootfd, struct error **err)
{
	cleanup_close int devfd = path_open_dir_in_root(rootfd, "/dev", PATH_MKDIRS, err);

	if (devfd < 0)
		return devfd;
	for (size_t i = 0; i < ARRAY_SIZE(default_links); i++)
		if (symlinkat(default_links[i].target, devfd, default_links[i].name) < 0 &&
		    errno != EEXIST)
			return err_errno(err, "/dev/%s: symlink", default_links[i].name);
	/* CONFIG_PROC_KCORE may be off */
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 &&
	    errno != EEXIST)
		return err_errno(err, "/dev/core: symlink");
	/* the devpts instance mounted on dev/pts brings its own ptmx; a node the image ships
	 * would reach the host's pty instance instead */
	if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
		return err_errno(err, "/dev/ptmx: remove");
	if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
		return err_errno(err, "/dev/ptmx: symlink");
	return 0;
}

int devices_setup(int rootfd, const struct json *devices, bool in_userns, struct error **err)
{
	cleanup_free struct dev_node *nodes = NULL;
	size_t n = 0;
	int r;

	if (devices && devices->type != JSON_ARRAY && devices->type != JSON_NULL)
		return err_set(err, EINVAL, "linux.devices: expected an array");
	n = json_len(devices);
	/* all of them checked before the first mknod, so a bad entry leaves nothing behind */
	nodes = xreallocarray(NULL, n ? n : 1, sizeof(*nodes));
	for (size_t i = 0; i < n; i++)
		if ((r = parse_node(json_at(devices, i), i, &nodes[i], err)) < 0)
			return r;
	for (size_t i = 0; i < ARRAY_SIZE(default_nodes); i++) {
		bool overridden = false;
		for (size_t j = 0; j < n; j++)
			overridden |= same_path(nodes[j].path, default_nodes[i].path);
		if (!overridden && (r = make_node(rootfd, &default_nodes[i], default_nodes[i].path,
		                                  in_userns, err)) < 0)
			return r;
	}
	if ((r = make_links(rootfd, err)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if ((r = make_node(rootfd, &nodes[i], nodes[i].path, in_userns, err)) < 0)
			return r;
	return 0;
}
