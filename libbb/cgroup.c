/* cgroups: the layout (from /proc/self/mountinfo, never from guessed paths), cgroupsPath into one
 * directory per hierarchy, and the lifecycle: create with rollback, apply, enter, freeze, list,
 * kill, destroy. The per-version writers are in cgroup1.c and cgroup2.c. */
#include "cgroup_internal.h"
#include "kernel_probe.h"
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

/* ---- layout ---- */

/* Mount options of a v1 cgroup mount that name no controller. */
static bool v1_option(const char *opt, size_t len)
{
	static const char *const opts[] = {
	    "rw",          "ro", "none", "noprefix", "xattr", "clone_children", "cpuset_v2_mode",
	    "favordynmods"};

	if (memchr(opt, '=', len))
		return !(len > 5 && memcmp(opt, "name=", 5) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (strlen(opts[i]) == len && memcmp(opts[i], opt, len) == 0)
			return true;
	return false;
}

/* Same set of comma-separated words, in any order. */
static bool same_list(const char *a, const char *b)
{
	size_t na = 0, nb = 0;

	for (const char *p = a; *p; p += strcspn(p, ","), p += *p == ',') {
		size_t n = strcspn(p, ",");
		bool found = false;

		na++;
		for (const char *q = b; *q && !found; q += strcspn(q, ","), q += *q == ',')
			found = strcspn(q, ",") == n && memcmp(p, q, n) == 0;
		if (!found)
			return false;
	}
	for (const char *q = b; *q; q += strcspn(q, ","), q += *q == ',')
		nb++;
	return na == nb;
}

static bool list_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p; p += strcspn(p, ","), p += *p == ',')
		if (strcspn(p, ",") == n && memcmp(p, word, n) == 0)
			return true;
	return false;
}

static void free_hiers(struct cg_hier *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].mnt);
		free(h[i].ctrls);
		free(h[i].dir);
		free(h[i].made);
	}
	free(h);
}

/* Every cgroup hierarchy mounted, once each (the first mount of it), with each mount's root in
 * *roots (the part of the hierarchy it shows, "/" unless bind-mounted from inside). */
static size_t find_hierarchies(struct cg_hier **out, char ***roots, enum cgroup_layout *layout)
{
	cleanup_free char *mi = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 22, NULL);
	cleanup_free struct kp_mount *m = NULL;
	struct cg_hier *h = NULL;
	size_t n = 0;
	bool v1 = false, v2 = false;
	int nm = mi ? kp_parse_mountinfo(mi, &m) : 0;

	*roots = NULL;
	for (int i = 0; i < nm; i++) {
		bool is2 = STREQ(m[i].fstype, "cgroup2");
		struct strbuf ctrls = STRBUF_INIT;
		bool dup = false, real = false;

		if (!is2 && !STREQ(m[i].fstype, "cgroup"))
			continue;
		sb_adds(&ctrls, "");
		for (const char *p = is2 ? "" : m[i].superopts; *p;) {
			size_t len = strcspn(p, ",");

			if (len && !v1_option(p, len)) {
				if (ctrls.len)
					sb_addc(&ctrls, ',');
				sb_add(&ctrls, p, len);
				real |= !(len > 5 && memcmp(p, "name=", 5) == 0);
			}
			p += len + (p[len] == ',');
		}
		for (size_t j = 0; j < n && !dup; j++)
			dup = h[j].v2 == is2 && same_list(h[j].ctrls, ctrls.buf);
		if (dup || (!is2 && !ctrls.len)) {
			sb_release(&ctrls);
			continue;
		}
		h = xreallocarray(h, n + 1, sizeof(*h));
		*roots = xreallocarray(*roots, n + 1, sizeof(**roots));
		h[n] = (struct cg_hier){
		    .mnt = xstrdup(m[i].point), .ctrls = sb_steal(&ctrls), .v2 = is2};
		(*roots)[n++] = xstrdup(m[i].root);
		v1 |= real;
		v2 |= is2;
	}
	if (v1)
		*layout = v2 ? CGROUP_HYBRID : CGROUP_V1;
	else
		*layout = v2 ? CGROUP_V2 : CGROUP_NONE;
	*out = h;
	return n;
}

static void free_roots(char **roots, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(roots[i]);
	free(roots);
}

enum cgroup_layout cgroup_layout(void)
{
	static int cached = -1;

	if (cached < 0) {
		enum cgroup_layout l;
		struct cg_hier *h;
		char **roots;
		size_t n = find_hierarchies(&h, &roots, &l);

		free_hiers(h, n);
		free_roots(roots, n);
		cached = l;
	}
	return cached;
}

const char *cgroup_layout_name(enum cgroup_layout l)
{
	static const char *const names[] = {[CGROUP_NONE] = "none",
	                                    [CGROUP_V1] = "v1",
	                                    [CGROUP_HYBRID] = "hybrid",
	                                    [CGROUP_V2] = "v2"};

	return l < ARRAY_SIZE(names) ? names[l] : "none";
}

/* ---- cgroupsPath ---- */

/* Appends PATH's components to SB, each behind a '/', dropping "" and "."; ".." is refused so
 * that no cgroupsPath reaches outside the hierarchy or into a neighbour's cgroup. */
static int add_components(struct strbuf *sb, const char *path, struct error **err)
{
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return err_set(err, EINVAL, "cgroupsPath \"%s\": \"..\" is not allowed",
			               path);
		if (n && !(n == 1 && p[0] == '.')) {
			sb_addc(sb, '/');
			sb_add(sb, p, n);
		}
		p += n + (p[n] == '/');
	}
	return 0;
}

/* systemd's slice naming: "a-b.slice" lives at /a.slice/a-b.slice; "-.slice" is the root. */
static int expand_slice(struct strbuf *sb, const char *slice, struct error **err)
{
	size_t len = strlen(slice) - strlen(".slice");

	if (!str_has_suffix(slice, ".slice") || strchr(slice, '/'))
		return err_set(err, EINVAL, "cgroupsPath: \"%s\" is not a slice name", slice);
	if (STREQ(slice, "-.slice"))
		return 0;
	if (!len || slice[0] == '-' || slice[len - 1] == '-' || strstr(slice, "--"))
		return err_set(err, EINVAL, "cgroupsPath: bad slice name \"%s\"", slice);
	for (size_t i = 0; i <= len; i++)
		if (i == len || slice[i] == '-')
			sb_printf(sb, "/%.*s.slice", (int)i, slice);
	return 0;
}

/* "slice:prefix:name", runc's systemd form: system.slice:docker:abc -> docker-abc.scope under the
 * expanded slice (system.slice when empty); a name that is itself a slice goes there as is. */
static int slice_path(struct strbuf *sb, const char *spec, struct error **err)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	cleanup_free char *slice = NULL, *prefix = NULL;
	const char *name;

	if (!c2 || strchr(c2 + 1, ':'))
		return err_set(err, EINVAL, "cgroupsPath \"%s\": expected \"slice:prefix:name\"",
		               spec);
	slice = xstrndup(spec, c1 - spec);
	prefix = xstrndup(c1 + 1, c2 - c1 - 1);
	name = c2 + 1;
	if (!*name || strchr(name, '/') || strchr(prefix, '/') || STREQ(name, "..") ||
	    STREQ(name, "."))
		return err_set(err, EINVAL, "cgroupsPath \"%s\": bad prefix or name", spec);
	if (expand_slice(sb, *slice ? slice : "system.slice", err) < 0)
		return -EINVAL;
	if (str_has_suffix(name, ".slice"))
		sb_printf(sb, "/%s", name);
	else
		sb_printf(sb, "/%s-%s.scope", prefix, name);
	return 0;
}

/* The container's path: absolute ("/a/b"), or relative ("a/b", no leading '/'). */
static char *resolve_path(const char *spec, const char *id, struct error **err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	sb_adds(&sb, "");
	if (!spec || !*spec) {
		if (!id || !*id || strchr(id, '/') || STREQ(id, "..") || STREQ(id, "."))
			ret = err_set(err, EINVAL, "cgroup: bad container id \"%s\"", id ? id : "");
		else
			ret = add_components(&sb, "/ocibox", err) ?: add_components(&sb, id, err);
	} else if (spec[0] != '/' && strchr(spec, ':')) {
		ret = slice_path(&sb, spec, err);
	} else {
		ret = add_components(&sb, spec, err);
		if (!ret && !sb.len)
			ret = err_set(err, EINVAL, "cgroupsPath \"%s\": names no cgroup", spec);
		if (!ret && spec[0] != '/')
			memmove(sb.buf, sb.buf + 1, sb.len--); /* relative: keep it so */
	}
	if (ret < 0) {
		sb_release(&sb);
		return NULL;
	}
	return sb_steal(&sb);
}

/* Our own cgroup in hierarchy H, from /proc/self/cgroup (SELF), relative to the mount's ROOT
 * ("/": as the file says it). */
static char *own_cgroup(const char *self, const struct cg_hier *h, const char *root)
{
	for (const char *l = self; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *c = strchr(l, ':'), *p = c ? strchr(c + 1, ':') : NULL;
		size_t plen, rlen = strlen(root);
		cleanup_free char *ctrls = NULL;

		if (!p)
			continue;
		ctrls = xstrndup(c + 1, p - c - 1);
		if (h->v2 ? *ctrls != '\0' : !same_list(ctrls, h->ctrls))
			continue;
		p++;
		plen = strcspn(p, "\n");
		if (!STREQ(root, "/") && plen >= rlen && strncmp(p, root, rlen) == 0 &&
		    (plen == rlen || p[rlen] == '/')) {
			p += rlen;
			plen -= rlen;
		}
		return plen ? xstrndup(p, plen) : xstrdup("/");
	}
	return xstrdup("/");
}

#define PROC_CGROUP_INIT_INO                                                                       \
	0xEFFFFFFBU /* the initial cgroup namespace (include/linux/proc_ns.h) */

bool cg_self_at_root(const struct cg_hier *h)
{
	cleanup_free char *self = NULL, *own = NULL;
	struct stat st;

	/* at the root of the initial namespace a fresh mount shows every cgroup of the host */
	if (stat("/proc/self/ns/cgroup", &st) < 0 || st.st_ino == PROC_CGROUP_INIT_INO)
		return false;
	self = read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 20, NULL);
	own = own_cgroup(self, h, "/");
	return STREQ(own, "/");
}

struct cgroup *cgroup_new(const char *cgroups_path, const char *id, struct error **err)
{
	struct cgroup *cg;
	char *path = resolve_path(cgroups_path, id, err);
	cleanup_free char *self = NULL;
	char **roots;

	if (!path)
		return NULL;
	cg = xzalloc(sizeof(*cg));
	cg->path = path;
	cg->nh = find_hierarchies(&cg->h, &roots, &cg->layout);
	if (path[0] != '/')
		self = read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 20, NULL);
	for (size_t i = 0; i < cg->nh; i++) {
		struct cg_hier *h = &cg->h[i];
		cleanup_free char *own = NULL;
		char *slash;

		if (path[0] == '/') {
			h->dir = xasprintf("%s%s", h->mnt, path);
			continue;
		}
		/* runc: relative to our own cgroup on v1; to its parent on cgroup2, since our own
		 * cgroup has processes and "no internal processes" would stop enabling controllers
		 */
		own = own_cgroup(self ? self : "", h, roots[i]);
		if (h->v2 && (slash = strrchr(own, '/')))
			*slash = '\0';
		h->dir = xasprintf("%s%s%s/%s", h->mnt, *own == '/' || !*own ? "" : "/",
		                   STREQ(own, "/") ? "" : own, path);
	}
	free_roots(roots, cg->nh);
	return cg;
}

void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	free_hiers(cg->h, cg->nh);
	free(cg->path);
	free(cg);
}

const char *cgroup_relpath(const struct cgroup *cg)
{
	return cg->path;
}

const char *cg_v1_dir(const struct cgroup *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->nh; i++)
		if (!cg->h[i].v2 && list_has(cg->h[i].ctrls, ctrl))
			return cg->h[i].dir;
	return NULL;
}

const char *cg_v2_dir(const struct cgroup *cg)
{
	for (size_t i = 0; i < cg->nh; i++)
		if (cg->h[i].v2)
			return cg->h[i].dir;
	return NULL;
}

const char *cgroup_dir(const struct cgroup *cg, const char *controller)
{
	if (!controller || cg->layout == CGROUP_V2)
		return cg_v2_dir(cg);
	return cg_v1_dir(cg, controller);
}

/* ---- create, with rollback ---- */

/* rmdir DIR and its parents up to and including STOP, deepest first. */
static void remove_up_to(const char *dir, const char *stop)
{
	cleanup_free char *p = xstrdup(dir);
	size_t stop_len = strlen(stop);

	while (strlen(p) >= stop_len) {
		char *slash;

		if (rmdir(p) < 0 && errno != ENOENT)
			return;
		slash = strrchr(p, '/');
		if (!slash)
			return;
		*slash = '\0';
	}
}

static void rollback(struct cgroup *cg)
{
	for (size_t i = 0; i < cg->nh; i++) {
		if (cg->h[i].made)
			remove_up_to(cg->h[i].dir, cg->h[i].made);
		free(cg->h[i].made);
		cg->h[i].made = NULL;
	}
}

/* A v1 cpuset cgroup starts with no cpus and no mems, and nothing can join it until it has
 * some: give each level we made its parent's, as runc does. */
static int cpuset_inherit(const struct cg_hier *h, struct error **err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	size_t len = strlen(h->made), end = strlen(h->dir);

	for (;;) {
		cleanup_free char *p = xstrndup(h->dir, len);
		cleanup_free char *parent = xstrndup(p, strrchr(p, '/') - p);

		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			cleanup_free char *mine = cg_read(p, files[i]);
			cleanup_free char *theirs = NULL;

			if (mine && mine[strspn(mine, " \n")])
				continue;
			theirs = cg_read(parent, files[i]);
			if (!theirs)
				return err_errno(err, "cgroup: %s/%s: read", parent, files[i]);
			theirs[strcspn(theirs, "\n")] = '\0';
			if (cg_write(p, files[i], theirs, err) < 0)
				return -EINVAL;
		}
		if (len >= end)
			return 0;
		len += 1 + strcspn(h->dir + len + 1, "/");
	}
}

static int mkdirs(struct cg_hier *h, struct error **err)
{
	for (size_t len = strlen(h->mnt); len < strlen(h->dir);) {
		cleanup_free char *p = NULL;

		len += 1 + strcspn(h->dir + len + 1, "/");
		p = xstrndup(h->dir, len);
		if (mkdir(p, 0755) == 0) {
			if (!h->made)
				h->made = xstrdup(p);
		} else if (errno != EEXIST) {
			return err_errno(err, "cgroup: mkdir %s", p);
		}
	}
	return 0;
}

int cgroup_create(struct cgroup *cg, struct error **err)
{
	if (cg->layout == CGROUP_NONE)
		return err_set(err, ENOENT, "cgroup: no cgroup hierarchy is mounted");
	for (size_t i = 0; i < cg->nh; i++) {
		struct cg_hier *h = &cg->h[i];
		int ret = mkdirs(h, err);

		if (!ret && h->made && !h->v2 && list_has(h->ctrls, "cpuset"))
			ret = cpuset_inherit(h, err);
		if (!ret && h->v2 && cg->layout == CGROUP_V2)
			cgroup2_enable_controllers(h->mnt, h->dir);
		if (ret < 0) {
			rollback(cg);
			return ret;
		}
	}
	return 0;
}

int cgroup_apply(struct cgroup *cg, const struct cgroup_resources *r, struct error **err)
{
	const char *v2 = cg_v2_dir(cg);

	switch (cg->layout) {
	case CGROUP_V2:
		return cgroup2_apply(v2, r, err);
	case CGROUP_HYBRID:
		/* the unified keys go where a v2 file could exist: the unified hierarchy */
		if (cgroup1_apply(cg, r, err) < 0)
			return -EINVAL;
		return cgroup2_apply_unified(v2, r, err);
	case CGROUP_V1:
		if (r->nunified)
			return err_set(err, EINVAL,
			               "cgroup: linux.resources.unified needs cgroup v2");
		return cgroup1_apply(cg, r, err);
	default:
		return err_set(err, ENOENT, "cgroup: no cgroup hierarchy is mounted");
	}
}

int cgroup_enter(struct cgroup *cg, pid_t pid, struct error **err)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->nh; i++)
		if (cg_write(cg->h[i].dir, "cgroup.procs", buf, err) < 0)
			return err_wrap(err, "%s", cg->h[i].dir);
	return 0;
}

/* ---- freezer ---- */

int cgroup_freeze(struct cgroup *cg, bool frozen, struct error **err)
{
	const char *d = cg_v1_dir(cg, "freezer"), *v2 = cg_v2_dir(cg);

	if (d && cg->layout != CGROUP_V2)
		return cgroup1_freeze(d, frozen, err);
	if (v2 && cg_exists(v2, "cgroup.freeze"))
		return cgroup2_freeze(v2, frozen, err);
	return err_set(err, ENOTSUP,
	               "cgroup: no freezer (neither a freezer hierarchy nor "
	               "cgroup.freeze)");
}

int cgroup_is_frozen(struct cgroup *cg)
{
	const char *d = cg_v1_dir(cg, "freezer"), *v2 = cg_v2_dir(cg);
	cleanup_free char *s = NULL;
	uint64_t v;

	if (d && cg->layout != CGROUP_V2) {
		if (!(s = cg_read(d, "freezer.state")))
			return -errno;
		return str_has_prefix(s, "FROZEN");
	}
	if (!v2 || !(s = cg_read(v2, "cgroup.events")))
		return v2 ? -errno : -ENOTSUP;
	return cg_keyed_u64(s, "frozen", &v) && v == 1;
}

/* ---- processes ---- */

/* Where processes are listed: cgroup2 tracks every one; else pids or freezer, else any. */
static const char *procs_dir(const struct cgroup *cg)
{
	const char *d = cg_v2_dir(cg);

	if (!d)
		d = cg_v1_dir(cg, "pids");
	if (!d)
		d = cg_v1_dir(cg, "freezer");
	return d ? d : cg->nh ? cg->h[0].dir : NULL;
}

static int collect_pids(const char *dir, pid_t **pids, size_t *n, int depth, struct error **err)
{
	cleanup_free char *procs = cg_read(dir, "cgroup.procs");
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (!procs)
		return err_errno(err, "cgroup: %s/cgroup.procs: read", dir);
	for (char *p = procs; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		if (*p < '0' || *p > '9')
			continue;
		*pids = xreallocarray(*pids, *n + 1, sizeof(**pids));
		(*pids)[(*n)++] = (pid_t)strtol(p, NULL, 10);
	}
	if (depth > 64 || !(d = opendir(dir)))
		return 0;
	while (!ret && (de = readdir(d))) {
		cleanup_free char *sub = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		ret = collect_pids(sub, pids, n, depth + 1, err);
	}
	closedir(d);
	return ret;
}

int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error **err)
{
	const char *dir = procs_dir(cg);

	*pids = NULL;
	*n = 0;
	if (!dir)
		return err_set(err, ENOENT, "cgroup: no cgroup hierarchy is mounted");
	if (collect_pids(dir, pids, n, 0, err) < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
		return -EIO;
	}
	return 0;
}

int cgroup_kill_all(struct cgroup *cg, int sig, struct error **err)
{
	const char *v2 = cg_v2_dir(cg);
	cleanup_free pid_t *pids = NULL;
	cleanup_err struct error *ferr = NULL;
	size_t n;
	bool frozen;
	int ret;

	/* cgroup.kill (5.14) kills the whole subtree at once, forks racing with us included; on
	 * hybrid it is there too, in the controller-less unified hierarchy */
	if (sig == SIGKILL && v2 && cg_exists(v2, "cgroup.kill"))
		return cg_write(v2, "cgroup.kill", "1", err);
	/* else freeze, so nothing forks behind our back while we walk the list */
	frozen = cgroup_freeze(cg, true, &ferr) == 0;
	ret = cgroup_pids(cg, &pids, &n, err);
	for (size_t i = 0; ret == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			ret = err_errno(err, "cgroup: kill %d", (int)pids[i]);
	if (frozen && cgroup_freeze(cg, false, ret ? NULL : err) < 0 && !ret)
		ret = -EIO;
	return ret;
}

/* ---- destroy ---- */

/* rmdir DIR after its subdirectories; the kernel may still be draining exited tasks (EBUSY). */
static int remove_tree(const char *dir, int depth)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	DIR *d = depth < 64 ? opendir(dir) : NULL;
	struct dirent *de;
	int ret = 0;

	while (d && (de = readdir(d))) {
		cleanup_free char *sub = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		if (remove_tree(sub, depth + 1) < 0 && !ret)
			ret = -errno;
	}
	if (d)
		closedir(d);
	for (int try = 0; try < 20; try++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nanosleep(&ts, NULL);
		if (ts.tv_nsec < 100 * 1000 * 1000)
			ts.tv_nsec *= 2;
	}
	return -errno;
}

int cgroup_destroy(struct cgroup *cg, struct error **err)
{
	int ret = 0;

	for (size_t i = 0; i < cg->nh; i++) {
		struct cg_hier *h = &cg->h[i];
		int r = remove_tree(h->dir, 0);

		if (r < 0 && !ret)
			ret = err_set(err, -r, "cgroup: rmdir %s", h->dir);
		/* the parents this cgroup_create made go too, unless something else lives there */
		if (!r && h->made && !STREQ(h->made, h->dir)) {
			cleanup_free char *parent = xstrndup(h->dir, strrchr(h->dir, '/') - h->dir);

			remove_up_to(parent, h->made);
		}
	}
	return ret;
}
