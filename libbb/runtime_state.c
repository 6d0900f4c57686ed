/* Container state on disk, runc's layout: ROOT/ID/ holds state.json (written atomically), the
 * config.json the container was made from, and exec.fifo while it waits for `start`. The status
 * is never stored: it is worked out from the init's pid and start time, the fifo and the
 * freezer, so a crash or reboot can never leave a stale "running" behind. */
#include "runtime.h"
#include "cgroup.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

static const char *const status_names[] = {
    [STATUS_CREATING] = "creating", [STATUS_CREATED] = "created", [STATUS_RUNNING] = "running",
    [STATUS_PAUSED] = "paused",     [STATUS_STOPPED] = "stopped",
};

const char *container_status_name(enum container_status s)
{
	return status_names[s];
}

int runtime_check_id(const char *id, struct error **err)
{
	size_t n = strlen(id);

	if (!n || n > 1024 || STREQ(id, ".") || STREQ(id, ".."))
		return err_set(err, EINVAL, "invalid container id '%s'", id);
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_+-.", *p)))
			return err_set(err, EINVAL, "invalid container id '%s'", id);
	return 0;
}

int runtime_root_open(struct runtime *rt, bool create, struct error **err)
{
	if (rt->rootfd >= 0)
		return rt->rootfd;
	if (create) {
		/* parents 0755 as /run has them, our own directory 0700 */
		cleanup_free char *p = xstrdup(rt->root);
		for (char *s = p + 1; (s = strchr(s, '/')); s++) {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return err_errno(err, "mkdir %s", p);
			*s = '/';
		}
		if (mkdir(rt->root, 0700) < 0 && errno != EEXIST)
			return err_errno(err, "mkdir %s", rt->root);
	}
	rt->rootfd = open(rt->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rt->rootfd < 0)
		return err_errno(err, "open %s", rt->root);
	return rt->rootfd;
}

unsigned long long proc_start_time(pid_t pid)
{
	char path[40], buf[1024], *p;
	cleanup_close int fd = -1;
	ssize_t n;
	unsigned long long t = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X') /* a zombie has exited */
		return 0;
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		t = strtoull(p, NULL, 10);
	return t ? t : 1;
}

bool proc_alive(pid_t pid, unsigned long long start_time)
{
	return pid > 0 && proc_start_time(pid) == start_time;
}

enum container_status container_refresh(struct container *c)
{
	struct cgroup *cg;

	if (c->pid <= 0)
		c->status = STATUS_CREATING;
	else if (!proc_alive(c->pid, c->start_time))
		c->status = STATUS_STOPPED;
	else if (faccessat(c->dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		c->status = STATUS_CREATED;
	else {
		c->status = STATUS_RUNNING;
		cg = cgroup_new(c->spec.cgroups_path, c->id, NULL);
		if (cg && cgroup_is_frozen(cg) == 1)
			c->status = STATUS_PAUSED;
		cgroup_free(cg);
	}
	return c->status;
}

static int parse_state(struct container *c, const char *buf, size_t len, struct error **err)
{
	cleanup_free struct json *j = NULL;
	int64_t pid = 0, owner = 0;
	uint64_t st = 0;
	const char *s;

	j = json_parse(buf, len, NULL, err);
	if (!j)
		return err_wrap(err, "state.json");
	json_get_i64(j, "pid", &pid);
	json_get_u64(j, "init_start_time", &st);
	json_get_i64(j, "owner_uid", &owner);
	c->pid = pid;
	c->start_time = st;
	c->owner = owner;
	if ((s = json_get_str(j, "bundle")))
		c->bundle = xstrdup(s);
	if ((s = json_get_str(j, "rootfs")))
		c->rootfs = xstrdup(s);
	if ((s = json_get_str(j, "created")))
		c->created = xstrdup(s);
	json_free(steal_ptr(&j));
	return 0;
}

static int load(struct runtime *rt, const char *id, bool lock, struct container *c,
		struct error **err)
{
	cleanup_free char *buf = NULL, *dir = NULL;
	size_t len;

	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
	if (runtime_check_id(id, err) < 0)
		return -1;
	c->id = xstrdup(id);
	if (runtime_root_open(rt, false, NULL) < 0 ||
	    (c->dirfd = openat(rt->rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
		0) {
		if (errno == ENOENT)
			return err_set(err, 0, "container \"%s\" does not exist", id);
		return err_errno(err, "container %s", id);
	}
	if (lock && flock(c->dirfd, LOCK_EX) < 0)
		return err_errno(err, "lock container %s", id);
	dir = xasprintf("%s/%s", rt->root, id);
	if (oci_spec_load(dir, &c->spec, err) < 0) {
		if (errno == ENOENT || (*err && (*err)->errnum == ENOENT))
			return err_set(err, 0, "container \"%s\" does not exist", id);
		return -1;
	}
	buf = read_file_at(c->dirfd, "state.json", 1 << 20, &len);
	if (buf && parse_state(c, buf, len, err) < 0)
		return -1;
	if (!buf && errno != ENOENT)
		return err_errno(err, "%s/state.json", dir);
	container_refresh(c);
	return 0;
}

int container_load(struct runtime *rt, const char *id, bool lock, struct container *c,
		   struct error **err)
{
	int r = load(rt, id, lock, c, err);

	if (r < 0)
		container_free(c); /* the caller may free again: it is then empty */
	return r;
}

void container_free(struct container *c)
{
	free(c->id);
	free(c->bundle);
	free(c->rootfs);
	free(c->created);
	oci_spec_free(&c->spec);
	if (c->dirfd >= 0)
		close(c->dirfd); /* drops the lock */
	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
}

/* Runtime state is volatile (/run): rename makes each write atomic for readers; fsync would only
 * buy durability across a reboot that ends every container anyway, at milliseconds per call. */
int runtime_write_file(int dirfd, const char *name, const char *buf, size_t len,
		       struct error **err)
{
	char tmp[256];
	cleanup_close int fd = -1;

	snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, buf, len) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		int r = err_errno(err, "write %s", name);
		unlinkat(dirfd, tmp, 0);
		return r;
	}
	return 0;
}

int container_save(struct container *c, struct error **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	int r;

	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "id");
	jw_string(&w, c->id);
	jw_key(&w, "pid");
	jw_int(&w, c->pid);
	jw_key(&w, "init_start_time");
	jw_uint(&w, c->start_time);
	jw_key(&w, "bundle");
	jw_string(&w, c->bundle);
	jw_key(&w, "rootfs");
	jw_string(&w, c->rootfs);
	jw_key(&w, "created");
	jw_string(&w, c->created);
	jw_key(&w, "owner_uid");
	jw_int(&w, c->owner);
	jw_object_end(&w);
	sb_addc(&sb, '\n');
	r = runtime_write_file(c->dirfd, "state.json", sb.buf, sb.len, err);
	sb_release(&sb);
	return r;
}

void container_state_json(const struct container *c, struct json_writer *w)
{
	jw_object_begin(w);
	jw_key(w, "ociVersion");
	jw_string(w, OCI_VERSION);
	jw_key(w, "id");
	jw_string(w, c->id);
	jw_key(w, "pid");
	jw_int(w, c->status == STATUS_STOPPED ? 0 : c->pid);
	jw_key(w, "status");
	jw_string(w, container_status_name(c->status));
	jw_key(w, "bundle");
	jw_string(w, c->bundle ? c->bundle : "");
	jw_key(w, "rootfs");
	jw_string(w, c->rootfs ? c->rootfs : "");
	jw_key(w, "created");
	jw_string(w, c->created ? c->created : "");
	jw_key(w, "owner");
	jw_string(w, "");
	if (c->spec.annotations && json_len(c->spec.annotations)) {
		jw_key(w, "annotations");
		json_write_tree(w, c->spec.annotations);
	}
	jw_object_end(w);
}

char *container_state_string(const struct container *c)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 0);
	container_state_json(c, &w);
	return sb_steal(&sb);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **runtime_list_ids(struct runtime *rt, struct error **err)
{
	char **ids = xzalloc(sizeof(char *));
	size_t n = 0;
	DIR *d;
	struct dirent *de;
	int fd;

	if (runtime_root_open(rt, false, NULL) < 0)
		return ids; /* no root yet: no containers */
	fd = openat(rt->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		err_errno(err, "open %s", rt->root);
		free(ids);
		return NULL;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || runtime_check_id(de->d_name, NULL) < 0)
			continue;
		ids = xreallocarray(ids, n + 2, sizeof(char *));
		ids[n++] = xstrdup(de->d_name);
		ids[n] = NULL;
	}
	closedir(d);
	qsort(ids, n, sizeof(char *), cmp_str);
	return ids;
}
