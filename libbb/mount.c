/* A container's root filesystem, inside its new mount namespace: propagation, the rootfs bound
 * onto itself, every config.json mount in order with its target resolved inside the rootfs (a
 * symlink pointing at a host path lands inside), /dev, then pivot_root or, for initramfs, chroot.
 * Targets are opened first and mounted on by fd, so nothing is re-resolved between check and use. */
#include "runtime.h"
#include "cgroup.h"
#include "devices.h"
#include "path.h"
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#define OPEN_TREE_CLONE_ 1
#define AT_RECURSIVE_ 0x8000
#define MOVE_MOUNT_F_EMPTY_PATH_ 0x4
#define MOVE_MOUNT_T_EMPTY_PATH_ 0x40
#define MAX_LINKS 40

struct mount_attr_ {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

const char *fd_path(char buf[32], int fd)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

/* Opens PATH under ROOTFD (O_PATH), following symlinks as if ROOTFD were "/". CREATE 'd' makes
 * a missing directory (and parents), 'f' a missing empty file; 0 makes nothing. */
int mount_resolve_in_root(int rootfd, const char *path, int create, struct error **err)
{
	cleanup_free char *cur = xstrdup(path);

	for (int links = 0; links < MAX_LINKS; links++) {
		cleanup_close int dir = -1;
		const char *last;
		char target[4096];
		struct stat st;
		ssize_t n;
		int fd;

		while (strlen(cur) > 1 && cur[strlen(cur) - 1] == '/')
			cur[strlen(cur) - 1] = '\0';
		if (create == 'd' || STREQ(cur, "/"))
			return path_open_dir_in_root(rootfd, cur, create ? PATH_MKDIRS : 0, err);
		dir = path_open_parent_in_root(rootfd, cur, create ? PATH_MKDIRS : 0, &last, err);
		if (dir < 0)
			return dir;
		fd = openat(dir, last, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create == 'f') {
			fd = openat(dir, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				    0644);
			if (fd >= 0) {
				close(fd);
				fd = openat(dir, last, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			}
		}
		if (fd < 0)
			return err_errno(err, "%s", path);
		if (fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode))
			return fd;
		n = readlinkat(fd, "", target, sizeof(target) - 1);
		close(fd);
		if (n < 0)
			return err_errno(err, "%s: readlink", path);
		target[n] = '\0';
		if (target[0] == '/') {
			free(cur);
			cur = xstrdup(target);
		} else {
			char *next = xasprintf("%.*s/%s", (int)(last - cur), cur, target);
			free(cur);
			cur = next;
		}
	}
	return err_set(err, ELOOP, "%s", path);
}

/* Binds what SRCFD names onto TFD. open_tree + move_mount never goes through a path; kernels
 * before 5.2 get mount(2) through /proc/self/fd. */
int mount_bind_fd(int srcfd, int tfd, bool rec, int *mntfd, struct error **err)
{
	char a[32], b[32];
	int fd = syscall(SYS_open_tree, srcfd, "",
			 OPEN_TREE_CLONE_ | O_CLOEXEC | AT_EMPTY_PATH | (rec ? AT_RECURSIVE_ : 0));

	if (mntfd)
		*mntfd = -1;
	if (fd >= 0) {
		if (syscall(SYS_move_mount, fd, "", tfd, "",
			    MOVE_MOUNT_F_EMPTY_PATH_ | MOVE_MOUNT_T_EMPTY_PATH_) < 0) {
			int r = err_errno(err, "move_mount");
			close(fd);
			return r;
		}
		if (mntfd)
			*mntfd = fd; /* still names the mount, now attached */
		else
			close(fd);
		return 0;
	}
	if (errno != ENOSYS)
		return err_errno(err, "open_tree");
	if (mount(fd_path(a, srcfd), fd_path(b, tfd), NULL, MS_BIND | (rec ? MS_REC : 0), NULL) <
	    0)
		return err_errno(err, "bind mount");
	return 0;
}

/* Mount attributes on the mount FD names, recursively with REC: mount_setattr (5.12), else a
 * bind remount of the top mount with its locked flags kept. */
int mount_setattr_fd(int fd, unsigned set, unsigned clr, unsigned long propagation, bool rec,
		     struct error **err)
{
	struct mount_attr_ attr = {set, clr | (set & OCI_ATTR_ATIME ? OCI_ATTR_ATIME : 0),
				   propagation & ~MS_REC, 0};
	static const struct {
		unsigned attr;
		unsigned long ms, st;
	} map[] = {
	    {OCI_ATTR_RDONLY, MS_RDONLY, ST_RDONLY},   {OCI_ATTR_NOSUID, MS_NOSUID, ST_NOSUID},
	    {OCI_ATTR_NODEV, MS_NODEV, ST_NODEV},      {OCI_ATTR_NOEXEC, MS_NOEXEC, ST_NOEXEC},
	    {OCI_ATTR_NOATIME, MS_NOATIME, ST_NOATIME}, {OCI_ATTR_NODIRATIME, MS_NODIRATIME, ST_NODIRATIME},
	};
	struct statvfs sv;
	unsigned long flags = MS_REMOUNT | MS_BIND;
	char p[32];

	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE_ : 0), &attr,
		    sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return err_errno(err, "mount_setattr");
	if (fstatvfs(fd, &sv) < 0)
		return err_errno(err, "statvfs");
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (((sv.f_flag & map[i].st) && !(clr & map[i].attr)) || (set & map[i].attr))
			flags |= map[i].ms;
	if ((set | clr) && mount(NULL, fd_path(p, fd), NULL, flags, NULL) < 0)
		return err_errno(err, "remount");
	if (propagation && mount(NULL, fd_path(p, fd), NULL, propagation, NULL) < 0)
		return err_errno(err, "propagation");
	return 0;
}

/* MS_* flags of a mount(2) call as mount attributes, for the bind path. */
static unsigned ms_to_attr(unsigned long ms, unsigned *atime)
{
	unsigned a = 0;

	if (ms & MS_RDONLY)
		a |= OCI_ATTR_RDONLY;
	if (ms & MS_NOSUID)
		a |= OCI_ATTR_NOSUID;
	if (ms & MS_NODEV)
		a |= OCI_ATTR_NODEV;
	if (ms & MS_NOEXEC)
		a |= OCI_ATTR_NOEXEC;
	if (ms & MS_NODIRATIME)
		a |= OCI_ATTR_NODIRATIME;
	*atime = ms & MS_NOATIME ? OCI_ATTR_NOATIME : ms & MS_STRICTATIME ? OCI_ATTR_STRICTATIME
			: ms & MS_RELATIME ? OCI_ATTR_RELATIME : 0xff;
	return a;
}

static int mount_bind(struct rootfs_ctx *ctx, const struct oci_mount *m, int tfd,
		      struct error **err)
{
	cleanup_free char *src = m->source[0] == '/' ? xstrdup(m->source)
						      : xasprintf("%s/%s", ctx->bundle, m->source);
	cleanup_close int sfd = open(src, O_PATH | O_CLOEXEC);
	cleanup_close int mfd = -1;
	unsigned atime, set = ms_to_attr(m->flags, &atime), clr = ms_to_attr(m->clear, &atime);

	(void)clr;
	if (sfd < 0)
		return err_errno(err, "source %s", src);
	if (mount_bind_fd(sfd, tfd, m->kind & OCI_MNT_REC, &mfd, err) < 0)
		return -1;
	if (mfd < 0) {
		/* mount(2) path: reach the new mount through the target's name */
		mfd = mount_resolve_in_root(ctx->rootfd, m->destination, 0, err);
		if (mfd < 0)
			return -1;
	}
	set = ms_to_attr(m->flags, &atime);
	if (atime != 0xff)
		set |= atime;
	clr = ms_to_attr(m->clear, &atime);
	if ((set || clr) && mount_setattr_fd(mfd, set, clr, 0, false, err) < 0)
		return -1;
	if ((m->attr_set || m->attr_clr) &&
	    mount_setattr_fd(mfd, m->attr_set, m->attr_clr, 0, true, err) < 0)
		return -1;
	if (m->propagation &&
	    mount_setattr_fd(mfd, 0, 0, m->propagation, m->propagation & MS_REC, err) < 0)
		return -1;
	return 0;
}

static int mount_fs(struct rootfs_ctx *ctx, const struct oci_mount *m, int tfd,
		    struct error **err)
{
	char p[32];
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC);

	fd_path(p, tfd);
	if (STREQ(m->type, "cgroup") || STREQ(m->type, "cgroup2")) {
		/* cgroup_mount builds a tree below its target by name, which a magic link would
		 * not reach once mounted over: give it the real path, checked to be ours (no
		 * process of the container exists yet to swap it) */
		char real[4096];
		ssize_t n = readlink(p, real, sizeof(real) - 1);
		size_t rl = strlen(ctx->rootfs);

		if (!ctx->cg)
			return err_set(err, ENOSYS, "cgroups are not available");
		if (n < 0)
			return err_errno(err, "readlink %s", p);
		real[n] = '\0';
		if (strncmp(real, ctx->rootfs, rl) || (real[rl] && real[rl] != '/'))
			return err_set(err, EXDEV, "%s is outside the rootfs", real);
		return cgroup_mount(ctx->cg, real, flags, err);
	}
	if (mount(m->source, p, m->type, flags, m->data) < 0) {
		/* sysfs belongs to the network namespace: one we do not own (a user namespace
		 * without its own netns) must make do with the host's, bound read-only */
		if (STREQ(m->type, "sysfs") && (errno == EPERM || errno == EACCES)) {
			struct oci_mount b = *m;
			b.source = "/sys";
			b.kind = OCI_MNT_BIND | OCI_MNT_REC;
			b.flags |= MS_RDONLY;
			return mount_bind(ctx, &b, tfd, err);
		}
		return err_errno(err, "mount %s", m->type);
	}
	if (m->propagation) {
		cleanup_close int mfd = mount_resolve_in_root(ctx->rootfd, m->destination, 0, err);
		if (mfd < 0 || mount_setattr_fd(mfd, 0, 0, m->propagation, m->propagation & MS_REC,
						err) < 0)
			return -1;
	}
	if (m->attr_set || m->attr_clr) {
		cleanup_close int mfd = mount_resolve_in_root(ctx->rootfd, m->destination, 0, err);
		if (mfd < 0 || mount_setattr_fd(mfd, m->attr_set, m->attr_clr, 0, true, err) < 0)
			return -1;
	}
	return 0;
}

static bool source_is_dir(struct rootfs_ctx *ctx, const struct oci_mount *m)
{
	cleanup_free char *src = m->source[0] == '/' ? xstrdup(m->source)
						      : xasprintf("%s/%s", ctx->bundle, m->source);
	struct stat st;

	return stat(src, &st) < 0 || S_ISDIR(st.st_mode);
}

/* proc and sysfs must land exactly where the config says: a symlink there is refused rather than
 * followed, since /proc is what the runtime itself trusts afterwards. */
static int check_not_symlink(struct rootfs_ctx *ctx, const char *dest, struct error **err)
{
	const char *last;
	cleanup_close int dir = path_open_parent_in_root(ctx->rootfd, dest, PATH_MKDIRS, &last,
							 err);
	struct stat st;

	if (dir < 0)
		return -1;
	if (fstatat(dir, last, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
		return err_set(err, ENOTDIR, "%s is %s", dest,
			       S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
	return 0;
}

static int mount_one(struct rootfs_ctx *ctx, const struct oci_mount *m, struct error **err)
{
	bool bind = m->kind & OCI_MNT_BIND;
	cleanup_close int tfd = -1;

	if (m->kind & OCI_MNT_IDMAP)
		return err_set(err, ENOTSUP, "idmap mounts are not supported yet");
	if ((STREQ(m->type, "proc") || STREQ(m->type, "sysfs")) &&
	    check_not_symlink(ctx, m->destination, err) < 0)
		return -1;
	tfd = mount_resolve_in_root(ctx->rootfd, m->destination,
				    bind && !source_is_dir(ctx, m) ? 'f' : 'd', err);
	if (tfd < 0)
		return -1;
	if (m->kind & OCI_MNT_REMOUNT) {
		unsigned atime;
		return mount_setattr_fd(tfd, ms_to_attr(m->flags, &atime),
					ms_to_attr(m->clear, &atime), m->propagation, false, err);
	}
	return bind ? mount_bind(ctx, m, tfd, err) : mount_fs(ctx, m, tfd, err);
}

/* runc's rule: /dev is ours to fill unless the config binds something over it. */
static bool wants_dev_setup(const struct oci_spec *spec)
{
	bool has = false;

	for (size_t i = 0; i < spec->n_mounts; i++)
		if (STREQ(spec->mounts[i].destination, "/dev"))
			has = !(spec->mounts[i].kind & OCI_MNT_BIND);
	return has;
}

int rootfs_prepare(struct rootfs_ctx *ctx, struct error **err)
{
	const struct oci_spec *spec = ctx->spec;
	unsigned long prop = spec->rootfs_propagation ? spec->rootfs_propagation : MS_SLAVE | MS_REC;

	/* Nothing we mount may reach the host: slave (or what the config asks) from "/" down. */
	if (mount(NULL, "/", NULL, (prop & MS_SHARED ? MS_SLAVE : prop) | MS_REC, NULL) < 0)
		return err_errno(err, "make / %s", prop & MS_PRIVATE ? "rprivate" : "rslave");
	if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_errno(err, "bind rootfs %s", ctx->rootfs);
	if (prop & MS_SHARED) {
		/* pivot_root refuses a new root whose parent mount is shared: the first bind
		 * stays private and parents a second one, which may then be shared */
		if (mount(NULL, ctx->rootfs, NULL, MS_PRIVATE, NULL) < 0 ||
		    mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, ctx->rootfs, NULL, prop, NULL) < 0)
			return err_errno(err, "rootfsPropagation");
	}
	ctx->rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->rootfd < 0)
		return err_errno(err, "open rootfs %s", ctx->rootfs);
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (mount_one(ctx, &spec->mounts[i], err) < 0)
			return err_wrap(err, "mounts[%zu] %s", i, spec->mounts[i].destination);
	if (wants_dev_setup(spec) && devices_setup(ctx->rootfd, spec->devices, ctx->in_userns, err) < 0)
		return err_wrap(err, "/dev");
	return 0;
}

int rootfs_pivot(struct rootfs_ctx *ctx, struct error **err)
{
	cleanup_close int oldroot = -1;

	if (fchdir(ctx->rootfd) < 0)
		return err_errno(err, "chdir rootfs");
	if (ctx->no_pivot) {
		/* initramfs: pivot_root cannot leave rootfs, so move the rootfs over "/" */
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
			return err_errno(err, "chroot %s", ctx->rootfs);
		return chdir("/") < 0 ? err_errno(err, "chdir /") : 0;
	}
	oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* pivot_root(".", "."): the old root ends up stacked under the new one, where it is
	 * detached without needing a directory for it in the rootfs (runc's trick). */
	if (oldroot < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return err_errno(err, "pivot_root %s", ctx->rootfs);
	if (fchdir(oldroot) < 0)
		return err_errno(err, "chdir old root");
	/* the detach must not propagate to the host's mounts */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0)
		return err_errno(err, "detach old root");
	if (chdir("/") < 0)
		return err_errno(err, "chdir /");
	close(ctx->rootfd);
	ctx->rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return ctx->rootfd < 0 ? err_errno(err, "open /") : 0;
}
