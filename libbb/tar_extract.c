/* Extracting an archive under a root directory, for `tar -x` and for unpacking image layers.
 *
 * Confinement: names are cleaned (leading "/" and "." dropped) and refused when they hold "..";
 * every parent directory is opened with path_open_parent_in_root(), which follows symlinks as
 * if the root were "/", so a symlink planted by an earlier entry (or a lower layer) can point
 * anywhere and still never lead a write outside the root; the last component is never followed
 * (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, or it is removed and created anew). Hard link targets are
 * resolved the same way and must already exist under the root.
 *
 * What exists is replaced: a non-directory is unlinked, a directory in the way of a
 * non-directory is removed with its contents (OCI layers do that); a directory entry over an
 * existing directory merges into it.
 *
 * Metadata: owners when running as root (or asked), numeric ids only; modes exactly as stored,
 * setuid/setgid included (chmod after chown, which clears them); xattrs after that (chown also
 * drops security.capability); mtimes last, and for directories after all their contents, at
 * the end. Device nodes need CAP_MKNOD: without it they are skipped with a warning, as rootless
 * engines do. An xattr the filesystem or our privileges refuse is a warning, except
 * security.capability when running as root: a binary that silently loses its file capabilities
 * (ping, for one) fails much later in a way nobody connects with the unpacking.
 *
 * Whiteouts (OCI image-spec layer.md): `.wh.NAME` hides NAME of the layers below and
 * `.wh..wh..opq` hides everything below in its directory; neither touches what this same
 * archive extracted (the spec says whiteouts apply to lower layers only), whatever the order
 * of the entries. Copy mode deletes on the spot; overlay mode writes what overlayfs reads:
 * a 0/0 character device, the trusted.overlay.opaque=y xattr. Other `.wh..wh.*` names are
 * aufs bookkeeping and are skipped. */
#include "tar.h"
#include "path.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define WH_META ".wh..wh."

struct dirfix {
	char *path;
	mode_t mode;
	long long mtime;
	long nsec;
};

/* The paths this archive extracted: whiteouts must spare them. */
struct pathset {
	char **slot;
	size_t cap, n;
};

struct extract {
	int rootfd;
	const struct tar_extract_opts *o;
	bool chown, root, no_mknod;
	struct dirfix *dirs;
	size_t ndirs, capdirs;
	struct pathset seen;
	char *cache_dir; /* parent directory of the last entry, and its fd */
	int cache_fd;
	char *buf;
};

enum { COPY_BUF = 64 * 1024 };

/* ---- the set ---- */

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL & SIZE_MAX;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

static bool set_has(const struct pathset *s, const char *p)
{
	if (!s->cap)
		return false;
	for (size_t i = hash_str(p) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->slot[i])
			return false;
		if (STREQ(s->slot[i], p))
			return true;
	}
}

static void set_add(struct pathset *s, const char *p)
{
	if ((s->n + 1) * 2 > s->cap) {
		struct pathset bigger = {xzalloc(sizeof(char *) * (s->cap ? s->cap * 2 : 1024)),
		                         s->cap ? s->cap * 2 : 1024, 0};
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i]) {
				size_t j = hash_str(s->slot[i]) & (bigger.cap - 1);
				while (bigger.slot[j])
					j = (j + 1) & (bigger.cap - 1);
				bigger.slot[j] = s->slot[i];
				bigger.n++;
			}
		free(s->slot);
		*s = bigger;
	}
	for (size_t i = hash_str(p) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->slot[i]) {
			s->slot[i] = xstrdup(p);
			s->n++;
			return;
		}
		if (STREQ(s->slot[i], p))
			return;
	}
}

/* A path and its parents: a directory made only as the parent of an entry holds this
 * archive's content too, and an opaque whiteout must not sweep it away. */
static void set_add_with_parents(struct pathset *s, const char *p)
{
	cleanup_free char *copy = xstrdup(p);

	for (;;) {
		char *slash;
		if (set_has(s, copy))
			return;
		set_add(s, copy);
		slash = strrchr(copy, '/');
		if (!slash)
			return;
		*slash = '\0';
	}
}

static void set_free(struct pathset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
}

/* ---- helpers ---- */

char *tar_clean_path(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path;

	sb_adds(&sb, "");
	while (*p) {
		const char *end;
		size_t n;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		n = end - p;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			sb_release(&sb);
			errno = EINVAL;
			return NULL;
		}
		if (!(n == 1 && p[0] == '.')) {
			if (sb.len)
				sb_addc(&sb, '/');
			sb_add(&sb, p, n);
		}
		p = end;
	}
	return sb_steal(&sb);
}

static void warnf(struct extract *x, const char *fmt, ...) PRINTF(2, 3);
static void warnf(struct extract *x, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	if (x->o->warn)
		x->o->warn(x->o->ctx, msg);
	else
		bb_warn("%s", msg);
	free(msg);
}

/* An entry we will not extract: the message says why, no errno text behind it. */
static int refuse(struct error **err, const char *fmt, ...) PRINTF(2, 3);
static int refuse(struct error **err, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	err_set(err, 0, "%s", msg ? msg : "refused");
	free(msg);
	return -EPERM;
}

static void drop_cache(struct extract *x)
{
	free(x->cache_dir);
	x->cache_dir = NULL;
	if (x->cache_fd >= 0)
		close(x->cache_fd);
	x->cache_fd = -1;
}

/* The parent directory of a cleaned path (made if missing). Consecutive entries of one
 * directory reuse its fd: an entry can only change its own directory's children, never the
 * directory itself or the path to it, so the fd stays the right one. Not to be closed. */
static int parent_of(struct extract *x, const char *path, const char **last, struct error **err)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	int fd;

	*last = slash ? slash + 1 : path;
	if (x->cache_dir && strlen(x->cache_dir) == dlen && !memcmp(x->cache_dir, path, dlen))
		return x->cache_fd;
	drop_cache(x);
	fd = path_open_parent_in_root(x->rootfd, path, PATH_MKDIRS, last, err);
	if (fd < 0)
		return fd;
	x->cache_dir = xstrndup(path, dlen);
	x->cache_fd = fd;
	return fd;
}

/* Makes room for a new entry at dirfd/name: removes whatever is there unless it is a
 * directory and keep_dir is set. Returns 1 when a directory was kept. */
static int make_room(int dirfd, const char *name, bool keep_dir)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode)) {
		if (keep_dir)
			return 1;
		return path_remove_at(dirfd, name);
	}
	return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
}

static int set_owner(struct extract *x, const struct tar_entry *e, int fd, int dirfd,
                     const char *name, struct error **err)
{
	int rc;

	if (!x->chown)
		return 0;
	if (e->uid > 0xfffffffeLL || e->gid > 0xfffffffeLL)
		return refuse(err, "%s: uid/gid %lld/%lld out of range", e->path, e->uid, e->gid);
	rc = fd >= 0 ? fchown(fd, e->uid, e->gid)
	             : fchownat(dirfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW);
	if (rc < 0)
		return err_errno(err, "%s: chown %lld:%lld", e->path, e->uid, e->gid);
	return 0;
}

/* fd: a real fd (file, directory) or -1, in which case dirfd/name is reached through
 * /proc/self/fd of an O_PATH fd (symlinks, devices, FIFOs: nothing else sets their xattrs). */
static int set_xattrs(struct extract *x, const struct tar_entry *e, int fd, int dirfd,
                      const char *name, struct error **err)
{
	cleanup_close int pfd = -1;
	char proc[64];

	if (!e->nxattrs)
		return 0;
	if (fd < 0) {
		pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (pfd < 0)
			return err_errno(err, "%s: open for xattrs", e->path);
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	}
	for (size_t i = 0; i < e->nxattrs; i++) {
		const struct tar_xattr *a = &e->xattrs[i];
		int rc = fd >= 0 ? fsetxattr(fd, a->name, a->value, a->len, 0)
		                 : setxattr(proc, a->name, a->value, a->len, 0);
		if (rc == 0)
			continue;
		if (x->root && STREQ(a->name, "security.capability"))
			return err_errno(err, "%s: set xattr %s", e->path, a->name);
		warnf(x, "%s: xattr %s not set: %s", e->path, a->name, strerror(errno));
	}
	return 0;
}

static int set_mtime(const struct tar_entry *e, int fd, int dirfd, const char *name,
                     struct error **err)
{
	struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)e->mtime, e->mtime_nsec}};
	int rc = fd >= 0 ? futimens(fd, ts) : utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);

	if (rc < 0)
		return err_errno(err, "%s: set mtime", e->path);
	return 0;
}

static void remember_dir(struct extract *x, const char *path, const struct tar_entry *e)
{
	if (x->ndirs == x->capdirs) {
		x->capdirs = x->capdirs ? x->capdirs * 2 : 64;
		x->dirs = xreallocarray(x->dirs, x->capdirs, sizeof(*x->dirs));
	}
	x->dirs[x->ndirs++] = (struct dirfix){xstrdup(path), e->mode, e->mtime, e->mtime_nsec};
}

/* ---- entries ---- */

static int extract_file(struct extract *x, struct tar_reader *r, const struct tar_entry *e,
                        int dirfd, const char *name, struct error **err)
{
	cleanup_close int fd = -1;
	struct writeback wb;
	off_t off = 0;
	int rc;

	/* create first: only when something is there, look at what and remove it */
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		if ((rc = make_room(dirfd, name, false)) < 0)
			return err_set(err, -rc, "%s: remove what is in the way", e->path);
		fd =
		    openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return err_errno(err, "%s: create", e->path);
	writeback_begin(&wb, fd, x->o->writeback_bytes);
	for (;;) {
		ssize_t n = tar_read_data(r, x->buf, COPY_BUF, err);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		if (write_all(fd, x->buf, n) < 0)
			return err_errno(err, "%s: write", e->path);
		off += n;
		writeback_wrote(&wb, off);
	}
	writeback_end(&wb, off);
	if (set_owner(x, e, fd, -1, NULL, err) < 0)
		return -EPERM;
	if (fchmod(fd, e->mode) < 0)
		return err_errno(err, "%s: chmod", e->path);
	if (set_xattrs(x, e, fd, -1, NULL, err) < 0 || set_mtime(e, fd, -1, NULL, err) < 0)
		return -EIO;
	return 0;
}

static int extract_dir(struct extract *x, const struct tar_entry *e, const char *path, int dirfd,
                       const char *name, struct error **err)
{
	cleanup_close int fd = -1;
	int rc;

	if (mkdirat(dirfd, name, 0700) < 0) {
		if (errno != EEXIST)
			return err_errno(err, "%s: mkdir", e->path);
		if ((rc = make_room(dirfd, name, true)) < 0)
			return err_set(err, -rc, "%s: remove what is in the way", e->path);
		if (rc == 0 && mkdirat(dirfd, name, 0700) < 0)
			return err_errno(err, "%s: mkdir", e->path);
	}
	if (set_owner(x, e, -1, dirfd, name, err) < 0)
		return -EPERM;
	if (e->nxattrs) {
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_errno(err, "%s: open", e->path);
		if (set_xattrs(x, e, fd, -1, NULL, err) < 0)
			return -EIO;
	}
	remember_dir(x, path, e);
	return 0;
}

static int extract_hardlink(struct extract *x, const struct tar_entry *e, int dirfd,
                            const char *name, struct error **err)
{
	cleanup_free char *target = tar_clean_path(e->linkname);
	cleanup_close int tfd = -1;
	struct stat tst, st;
	const char *tlast;
	int rc;

	if (!target)
		return refuse(err, "%s: hard link target '%s' is outside the root", e->path,
		              e->linkname);
	if (!*target)
		return refuse(err, "%s: hard link to the root directory", e->path);
	tfd = path_open_parent_in_root(x->rootfd, target, 0, &tlast, err);
	if (tfd < 0 || fstatat(tfd, tlast, &tst, AT_SYMLINK_NOFOLLOW) < 0)
		return refuse(err, "%s: hard link target '%s' is not extracted yet", e->path,
		              e->linkname);
	if (S_ISDIR(tst.st_mode))
		return refuse(err, "%s: hard link to directory '%s'", e->path, e->linkname);
	/* a link to itself, or to what is already there: nothing to do */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == tst.st_dev &&
	    st.st_ino == tst.st_ino)
		return 0;
	if ((rc = make_room(dirfd, name, false)) < 0)
		return err_set(err, -rc, "%s: remove what is in the way", e->path);
	if (linkat(tfd, tlast, dirfd, name, 0) < 0)
		return err_errno(err, "%s: link to '%s'", e->path, e->linkname);
	return 0;
}

static int extract_special(struct extract *x, const struct tar_entry *e, int dirfd,
                           const char *name, struct error **err)
{
	mode_t type = e->type == TAR_CHR ? S_IFCHR : e->type == TAR_BLK ? S_IFBLK : S_IFIFO;
	int rc;

	if (type != S_IFIFO && x->no_mknod) {
		warnf(x, "%s: device node skipped (needs CAP_MKNOD)", e->path);
		return 0;
	}
	if ((rc = make_room(dirfd, name, false)) < 0)
		return err_set(err, -rc, "%s: remove what is in the way", e->path);
	if (mknodat(dirfd, name, type | (e->mode & 0777), makedev(e->devmajor, e->devminor)) < 0) {
		if (type != S_IFIFO && (errno == EPERM || errno == EACCES)) {
			x->no_mknod = true;
			warnf(x, "%s: device node skipped (needs CAP_MKNOD)", e->path);
			return 0;
		}
		return err_errno(err, "%s: mknod", e->path);
	}
	if (set_owner(x, e, -1, dirfd, name, err) < 0)
		return -EPERM;
	/* just made by us, so following is safe; there is no lchmod for these */
	if (fchmodat(dirfd, name, e->mode, 0) < 0)
		return err_errno(err, "%s: chmod", e->path);
	if (set_xattrs(x, e, -1, dirfd, name, err) < 0 || set_mtime(e, -1, dirfd, name, err) < 0)
		return -EIO;
	return 0;
}

static int extract_symlink(struct extract *x, const struct tar_entry *e, int dirfd,
                           const char *name, struct error **err)
{
	int rc;

	if (symlinkat(e->linkname, dirfd, name) < 0) {
		if (errno != EEXIST)
			return err_errno(err, "%s: symlink", e->path);
		if ((rc = make_room(dirfd, name, false)) < 0)
			return err_set(err, -rc, "%s: remove what is in the way", e->path);
		if (symlinkat(e->linkname, dirfd, name) < 0)
			return err_errno(err, "%s: symlink", e->path);
	}
	if (set_owner(x, e, -1, dirfd, name, err) < 0)
		return -EPERM;
	if (set_xattrs(x, e, -1, dirfd, name, err) < 0 || set_mtime(e, -1, dirfd, name, err) < 0)
		return -EIO;
	return 0;
}

/* ---- whiteouts ---- */

/* Removes everything under dirfd (whose path is `dir`) that this archive did not extract. */
static int hide_lower(struct extract *x, int at, struct strbuf *dir, struct error **err)
{
	int fd = openat(at, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t keep = dir->len;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (fd < 0)
		return err_errno(err, "%s: open", dir->buf);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_errno(err, "%s: open", dir->buf);
	}
	while ((errno = 0, de = readdir(d))) {
		int rc;
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		if (keep)
			sb_addc(dir, '/');
		sb_adds(dir, de->d_name);
		if (set_has(&x->seen, dir->buf)) {
			struct stat st;
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(st.st_mode)) {
				int sub = openat(dirfd(d), de->d_name,
				                 O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				ret = sub < 0 ? err_errno(err, "%s: open", dir->buf)
				              : hide_lower(x, sub, dir, err);
				if (sub >= 0)
					close(sub);
			}
		} else if ((rc = path_remove_at(dirfd(d), de->d_name)) < 0) {
			ret = err_set(err, -rc, "%s: remove", dir->buf);
		}
		dir->len = keep;
		dir->buf[keep] = '\0';
		if (ret < 0)
			break;
	}
	closedir(d);
	return ret;
}

static int whiteout(struct extract *x, const struct tar_entry *e, const char *dir, const char *base,
                    struct error **err)
{
	cleanup_free char *victim = NULL;
	cleanup_close int dfd = -1;
	const char *hidden = base + strlen(WH_PREFIX);
	int rc;

	drop_cache(x);
	if (STREQ(base, WH_OPAQUE)) {
		dfd = path_open_dir_in_root(
		    x->rootfd, dir, x->o->whiteouts == TAR_WHITEOUT_OVERLAY ? PATH_MKDIRS : 0, err);
		if (dfd == -ENOENT && x->o->whiteouts == TAR_WHITEOUT_COPY) {
			err_free(err);
			return 0; /* nothing below to hide */
		}
		if (dfd < 0)
			return err_wrap(err, "%s: opaque whiteout", e->path);
		if (x->o->whiteouts == TAR_WHITEOUT_COPY) {
			struct strbuf sb = STRBUF_INIT;
			sb_adds(&sb, dir);
			rc = hide_lower(x, dfd, &sb, err);
			sb_release(&sb);
			return rc < 0 ? err_wrap(err, "%s: opaque whiteout", e->path) : 0;
		}
		cleanup_close int rfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rfd < 0 || fsetxattr(rfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return err_errno(err, "%s: set trusted.overlay.opaque (needs root)",
			                 e->path);
		return 0;
	}
	if (str_has_prefix(base, WH_META))
		return 0;
	if (!*hidden || STREQ(hidden, ".") || STREQ(hidden, ".."))
		return refuse(err, "%s: whiteout without a name", e->path);
	victim = *dir ? xasprintf("%s/%s", dir, hidden) : xstrdup(hidden);
	if (set_has(&x->seen, victim))
		return 0; /* this archive's own entry: whiteouts only hide lower layers */
	if (x->o->whiteouts == TAR_WHITEOUT_COPY) {
		const char *last;
		dfd = path_open_parent_in_root(x->rootfd, victim, 0, &last, err);
		if (dfd == -ENOENT || dfd == -ENOTDIR) {
			err_free(err);
			return 0; /* nothing there to hide */
		}
		if (dfd < 0)
			return err_wrap(err, "%s: whiteout", e->path);
		if ((rc = path_remove_at(dfd, last)) < 0)
			return err_set(err, -rc, "%s: whiteout: remove %s", e->path, victim);
		return 0;
	}
	{
		const char *last;
		dfd = path_open_parent_in_root(x->rootfd, victim, PATH_MKDIRS, &last, err);
		if (dfd < 0)
			return err_wrap(err, "%s: whiteout", e->path);
		if ((rc = make_room(dfd, last, false)) < 0)
			return err_set(err, -rc, "%s: remove what is in the way", e->path);
		if (mknodat(dfd, last, S_IFCHR, makedev(0, 0)) < 0)
			return err_errno(err, "%s: overlay whiteout %s (needs CAP_MKNOD)", e->path,
			                 victim);
		set_add_with_parents(&x->seen, victim);
	}
	return 0;
}

/* ---- the loop ---- */

static int extract_entry(struct extract *x, struct tar_reader *r, const struct tar_entry *e,
                         struct error **err)
{
	cleanup_free char *clean = tar_clean_path(e->path);
	const char *last;
	int dirfd;

	if (!clean)
		return refuse(err, "%s: name contains '..' (would leave the root)", e->path);
	if (x->o->whiteouts != TAR_WHITEOUT_NONE) {
		const char *base = bb_basename(clean);
		if (str_has_prefix(base, WH_PREFIX)) {
			size_t dlen = base > clean ? (size_t)(base - clean - 1) : 0;
			cleanup_free char *dir = xstrndup(clean, dlen);
			return whiteout(x, e, dir, base, err);
		}
		set_add_with_parents(&x->seen, clean);
	}
	if (!*clean) { /* the root itself: "./" */
		if (e->type != TAR_DIR)
			return refuse(err, "%s: the root can only be a directory", e->path);
		if (x->chown && fchownat(x->rootfd, "", e->uid, e->gid, AT_EMPTY_PATH) < 0)
			return err_errno(err, "%s: chown", e->path);
		remember_dir(x, "", e);
		return 0;
	}
	dirfd = parent_of(x, clean, &last, err);
	if (dirfd < 0)
		return err_wrap(err, "%s", e->path);
	switch (e->type) {
	case TAR_DIR:
		return extract_dir(x, e, clean, dirfd, last, err);
	case TAR_HARDLINK:
		return extract_hardlink(x, e, dirfd, last, err);
	case TAR_SYMLINK:
		return extract_symlink(x, e, dirfd, last, err);
	case TAR_CHR:
	case TAR_BLK:
	case TAR_FIFO:
		return extract_special(x, e, dirfd, last, err);
	default:
		return extract_file(x, r, e, dirfd, last, err);
	}
}

/* Directory modes and mtimes, deepest first, after everything inside them is written. */
static int fix_dirs(struct extract *x, struct error **err)
{
	for (size_t i = x->ndirs; i-- > 0;) {
		struct dirfix *d = &x->dirs[i];
		struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)d->mtime, d->nsec}};
		cleanup_close int pfd = -1;
		const char *last = ".";
		struct error *ignored = NULL;
		struct stat st;

		if (*d->path) {
			pfd = path_open_parent_in_root(x->rootfd, d->path, 0, &last, &ignored);
			err_free(&ignored);
			/* replaced or removed by a later entry: not ours to fix any more */
			if (pfd < 0 || fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(st.st_mode))
				continue;
		}
		if (fchmodat(*d->path ? pfd : x->rootfd, last, d->mode, 0) < 0)
			return err_errno(err, "%s: chmod", *d->path ? d->path : ".");
		if (utimensat(*d->path ? pfd : x->rootfd, last, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return err_errno(err, "%s: set mtime", *d->path ? d->path : ".");
	}
	return 0;
}

int tar_extract(struct tar_reader *r, int rootfd, const struct tar_extract_opts *opts,
                struct error **err)
{
	static const struct tar_extract_opts defaults = {.same_owner = -1};
	struct extract x = {.rootfd = rootfd, .o = opts ? opts : &defaults, .cache_fd = -1};
	struct tar_entry *e;
	int ret;

	x.root = geteuid() == 0;
	x.chown = x.o->same_owner > 0 || (x.o->same_owner < 0 && x.root);
	x.buf = xmalloc(COPY_BUF);
	while ((ret = tar_next(r, &e, err)) > 0) {
		if (x.o->filter && !x.o->filter(x.o->ctx, e))
			continue;
		if ((ret = extract_entry(&x, r, e, err)) < 0)
			break;
	}
	drop_cache(&x);
	if (ret == 0)
		ret = fix_dirs(&x, err);
	for (size_t i = 0; i < x.ndirs; i++)
		free(x.dirs[i].path);
	free(x.dirs);
	set_free(&x.seen);
	free(x.buf);
	return ret < 0 ? ret : 0;
}
