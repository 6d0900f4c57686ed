/* The tar writer: ustar headers, a pax header in front of those that do not fit, and a
 * directory walk in bytewise name order, so the same tree gives the same bytes every time
 * (layer digests depend on it). */
#include "tar.h"
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

struct tar_writer {
	tar_write_fn write;
	void *ctx;
	int fd;
	struct tar_write_opts o;
	long long remain; /* data still owed for the current entry */
	unsigned pad;
	char *path; /* the current entry, for messages */
	bool failed;
};

#define USTAR_MAX_OCTAL(width) ((1LL << (3 * ((width)-1))) - 1)

static int wfail(struct tar_writer *w, struct error **err, int errnum, const char *fmt, ...)
    PRINTF(4, 5);
static int wfail(struct tar_writer *w, struct error **err, int errnum, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	w->failed = true;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	err_set(err, errnum, "%s", msg ? msg : "tar: error");
	free(msg);
	return errnum ? -errnum : -EINVAL;
}

static int emit(struct tar_writer *w, const void *buf, size_t len, struct error **err)
{
	int rc = w->write(w->ctx, buf, len, err);

	if (rc < 0) {
		w->failed = true;
		if (err && *err)
			return err_wrap(err, "write archive");
		return err_set(err, -rc, "write archive");
	}
	return 0;
}

static int emit_zeros(struct tar_writer *w, size_t len, struct error **err)
{
	static const char zero[TAR_BLOCK];

	while (len) {
		size_t n = len < sizeof(zero) ? len : sizeof(zero);
		if (emit(w, zero, n, err) < 0)
			return -EIO;
		len -= n;
	}
	return 0;
}

/* Ends the previous entry: all its data given, padded to a block. */
static int close_entry(struct tar_writer *w, struct error **err)
{
	if (w->failed)
		return err_set(err, EINVAL, "tar writer used after an error");
	if (w->remain)
		return wfail(w, err, EINVAL, "%s: %lld bytes of data missing", w->path, w->remain);
	if (w->pad && emit_zeros(w, w->pad, err) < 0)
		return -EIO;
	w->pad = 0;
	return 0;
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static void put_octal(unsigned char *f, size_t width, long long v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), (unsigned long long)v);
	memcpy(f, tmp, width - 1);
	f[width - 1] = '\0';
}

static void put_str(unsigned char *f, size_t width, const char *s)
{
	size_t n = strlen(s);

	memcpy(f, s, n < width ? n : width);
}

/* "LEN key=value\n" where LEN counts itself. */
static void pax_add(struct strbuf *sb, const char *key, const char *val, size_t vlen)
{
	size_t base = strlen(key) + vlen + 3, len = base, digits = 0;

	for (size_t t = base; t; t /= 10)
		digits++;
	len = base + digits;
	if (snprintf(NULL, 0, "%zu", len) > (int)digits)
		len++;
	sb_printf(sb, "%zu %s=", len, key);
	sb_add(sb, val, vlen);
	sb_addc(sb, '\n');
}

static void pax_add_num(struct strbuf *sb, const char *key, long long v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%lld", v);
	pax_add(sb, key, tmp, strlen(tmp));
}

/* Splits path into ustar prefix and name; false when it cannot. */
static bool split_ustar(const char *path, size_t *prefix_len)
{
	size_t len = strlen(path);

	if (len <= 100) {
		*prefix_len = 0;
		return true;
	}
	/* the leftmost '/' that leaves at most 100 bytes of name: the longest name part */
	for (size_t i = len > 101 ? len - 101 : 0; i < len - 1 && i <= 155; i++) {
		if (path[i] == '/' && i > 0) {
			*prefix_len = i;
			return true;
		}
	}
	return false;
}

/* What a reader without pax support sees: the last component, cut to fit. */
static char *fallback_name(const char *path)
{
	cleanup_free char *copy = xstrdup(path);
	size_t n = strlen(copy);
	bool dir = n && copy[n - 1] == '/';

	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	return xasprintf("%.98s%s", bb_basename(copy), dir ? "/" : "");
}

static void checksum(unsigned char *b)
{
	unsigned sum = 0;

	memset(b + 148, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06o", sum);
	b[155] = ' ';
}

static int cmp_xattr(const void *a, const void *b)
{
	return strcmp(((const struct tar_xattr *)a)->name, ((const struct tar_xattr *)b)->name);
}

static void fill_header(unsigned char *b, const char *name, const char *prefix, int type,
                        mode_t mode, long long uid, long long gid, long long size, long long mtime,
                        const char *linkname, const char *uname, const char *gname, unsigned major,
                        unsigned minor)
{
	memset(b, 0, TAR_BLOCK);
	put_str(b, 100, name);
	put_octal(b + 100, 8, mode & 07777);
	put_octal(b + 108, 8, uid);
	put_octal(b + 116, 8, gid);
	put_octal(b + 124, 12, size);
	put_octal(b + 136, 12, mtime);
	b[156] = type;
	put_str(b + 157, 100, linkname);
	memcpy(b + 257,
	       "ustar\0"
	       "00",
	       8);
	put_str(b + 265, 32, uname);
	put_str(b + 297, 32, gname);
	put_octal(b + 329, 8, major);
	put_octal(b + 337, 8, minor);
	put_str(b + 345, 155, prefix);
	checksum(b);
}

int tar_write_header(struct tar_writer *w, const struct tar_entry *e, struct error **err)
{
	const struct tar_write_opts *o = &w->o;
	struct strbuf pax = STRBUF_INIT;
	cleanup_free char *path = NULL, *name = NULL, *prefix = NULL;
	cleanup_free struct tar_xattr *xs = NULL;
	unsigned char b[TAR_BLOCK];
	long long uid = o->uid >= 0 ? o->uid : e->uid, gid = o->gid >= 0 ? o->gid : e->gid;
	long long mtime = e->mtime, size = e->type == TAR_REG ? e->size : 0;
	const char *uname = o->uname ? o->uname : e->uname ? e->uname : "";
	const char *gname = o->gname ? o->gname : e->gname ? e->gname : "";
	const char *linkname = e->linkname ? e->linkname : "";
	size_t plen;
	int ret = 0;

	if (close_entry(w, err) < 0)
		return -EIO;
	if (!e->path || !*e->path)
		return wfail(w, err, EINVAL, "entry with an empty name");
	if (size < 0 || uid < 0 || gid < 0)
		return wfail(w, err, EINVAL, "%s: negative size or owner", e->path);
	if (o->set_mtime && (!o->clamp_mtime || mtime > o->mtime))
		mtime = o->mtime;

	path = e->type == TAR_DIR && !str_has_suffix(e->path, "/") ? xasprintf("%s/", e->path)
	                                                           : xstrdup(e->path);
	if (is_ascii(path) && split_ustar(path, &plen)) {
		prefix = xstrndup(path, plen);
		name = xstrdup(path + plen + (plen ? 1 : 0));
	} else {
		pax_add(&pax, "path", path, strlen(path));
		prefix = xstrdup("");
		name = fallback_name(path);
	}
	if (strlen(linkname) > 100 || !is_ascii(linkname)) {
		pax_add(&pax, "linkpath", linkname, strlen(linkname));
		linkname = "";
	}
	if (size > USTAR_MAX_OCTAL(12)) {
		pax_add_num(&pax, "size", size);
		size = 0;
	}
	if (uid > USTAR_MAX_OCTAL(8)) {
		pax_add_num(&pax, "uid", uid);
		uid = 0;
	}
	if (gid > USTAR_MAX_OCTAL(8)) {
		pax_add_num(&pax, "gid", gid);
		gid = 0;
	}
	if (mtime < 0 || mtime > USTAR_MAX_OCTAL(12)) {
		pax_add_num(&pax, "mtime", mtime);
		mtime = 0;
	}
	if (strlen(uname) > 31 || !is_ascii(uname)) {
		pax_add(&pax, "uname", uname, strlen(uname));
		uname = "";
	}
	if (strlen(gname) > 31 || !is_ascii(gname)) {
		pax_add(&pax, "gname", gname, strlen(gname));
		gname = "";
	}
	unsigned major = e->devmajor, minor = e->devminor;
	if (major > USTAR_MAX_OCTAL(8)) {
		pax_add_num(&pax, "SCHILY.devmajor", major);
		major = 0;
	}
	if (minor > USTAR_MAX_OCTAL(8)) {
		pax_add_num(&pax, "SCHILY.devminor", minor);
		minor = 0;
	}
	if (e->nxattrs) {
		xs = xreallocarray(NULL, e->nxattrs, sizeof(*xs));
		memcpy(xs, e->xattrs, e->nxattrs * sizeof(*xs));
		qsort(xs, e->nxattrs, sizeof(*xs), cmp_xattr);
		for (size_t i = 0; i < e->nxattrs; i++) {
			cleanup_free char *key = xasprintf("SCHILY.xattr.%s", xs[i].name);
			pax_add(&pax, key, xs[i].value, xs[i].len);
		}
	}

	if (pax.len) {
		cleanup_free char *xname = NULL;
		const char *base = bb_basename(name);
		if (!*base) /* "dir/": name the pax header after the directory */
			base = "dir";
		xname = xasprintf("PaxHeaders.0/%.87s", base);
		fill_header(b, xname, "", 'x', 0644, 0, 0, pax.len, mtime, "", "", "", 0, 0);
		if (emit(w, b, TAR_BLOCK, err) < 0 || emit(w, pax.buf, pax.len, err) < 0 ||
		    emit_zeros(w, (TAR_BLOCK - pax.len % TAR_BLOCK) % TAR_BLOCK, err) < 0) {
			ret = -EIO;
			goto out;
		}
	}
	fill_header(b, name, prefix, e->type, e->mode, uid, gid, size, mtime, linkname, uname,
	            gname, major, minor);
	if (emit(w, b, TAR_BLOCK, err) < 0) {
		ret = -EIO;
		goto out;
	}
	free(w->path);
	w->path = xstrdup(e->path);
	w->remain = e->type == TAR_REG ? e->size : 0;
	w->pad = (TAR_BLOCK - w->remain % TAR_BLOCK) % TAR_BLOCK;
out:
	sb_release(&pax);
	return ret;
}

int tar_write_data(struct tar_writer *w, const void *buf, size_t len, struct error **err)
{
	if (w->failed)
		return err_set(err, EINVAL, "tar writer used after an error");
	if ((unsigned long long)len > (unsigned long long)w->remain)
		return wfail(w, err, EINVAL, "%s: more data than its size", w->path);
	if (len && emit(w, buf, len, err) < 0)
		return -EIO;
	w->remain -= len;
	return 0;
}

int tar_write_entry_fd(struct tar_writer *w, const struct tar_entry *e, int fd, struct error **err)
{
	cleanup_free char *buf = NULL;
	long long left = e->type == TAR_REG ? e->size : 0;
	size_t cap = 64 * 1024;

	if (tar_write_header(w, e, err) < 0)
		return -EIO;
	if (!left)
		return 0;
	buf = xmalloc(cap);
	while (left) {
		ssize_t n = read(fd, buf, left < (long long)cap ? (size_t)left : cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return wfail(w, err, errno, "%s: read", e->path);
		if (n == 0)
			return wfail(w, err, EIO, "%s: file shrank while being archived", e->path);
		if (tar_write_data(w, buf, n, err) < 0)
			return -EIO;
		left -= n;
	}
	return 0;
}

int tar_write_finish(struct tar_writer *w, struct error **err)
{
	if (close_entry(w, err) < 0)
		return -EIO;
	return emit_zeros(w, 2 * TAR_BLOCK, err);
}

static int fd_write(void *ctx, const void *buf, size_t len, struct error **err)
{
	return write_all(*(int *)ctx, buf, len) < 0 ? err_errno(err, "write") : 0;
}

struct tar_writer *tar_writer_new(tar_write_fn write, void *ctx, const struct tar_write_opts *o)
{
	struct tar_writer *w = xzalloc(sizeof(*w));

	w->write = write;
	w->ctx = ctx;
	w->fd = -1;
	if (o)
		w->o = *o;
	else
		w->o.uid = w->o.gid = -1;
	return w;
}

struct tar_writer *tar_writer_new_fd(int fd, const struct tar_write_opts *o)
{
	struct tar_writer *w = tar_writer_new(fd_write, NULL, o);

	w->fd = fd;
	w->ctx = &w->fd;
	return w;
}

void tar_writer_free(struct tar_writer *w)
{
	if (!w)
		return;
	free(w->path);
	free(w);
}

/* ---- the directory walk ---- */

struct walk_item {
	char *name; /* in the archive, no trailing '/' */
	char *rel;  /* relative to the walk's dirfd */
};

struct walk {
	struct walk_item *v;
	size_t n, cap;
	struct inode_name {
		dev_t dev;
		ino_t ino;
		char *name;
	} * links;
	size_t nlinks, caplinks;
	uid_t last_uid;
	gid_t last_gid;
	char *last_uname, *last_gname;
};

static void walk_add(struct walk *wk, char *name, char *rel)
{
	if (wk->n == wk->cap) {
		wk->cap = wk->cap ? wk->cap * 2 : 256;
		wk->v = xreallocarray(wk->v, wk->cap, sizeof(*wk->v));
	}
	wk->v[wk->n].name = name;
	wk->v[wk->n].rel = rel;
	wk->n++;
}

static int collect(struct walk *wk, int dirfd, const char *rel, const char *name,
                   struct error **err)
{
	cleanup_close int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return err_errno(err, "%s", rel);
	d = fdopendir(fd);
	if (!d)
		return err_errno(err, "%s", rel);
	fd = -1;
	while ((errno = 0, de = readdir(d))) {
		char *crel, *cname;
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		crel = xasprintf("%s/%s", rel, de->d_name);
		cname = *name ? xasprintf("%s/%s", name, de->d_name) : xstrdup(de->d_name);
		walk_add(wk, cname, crel);
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
			struct stat st;
			if (de->d_type == DT_UNKNOWN &&
			    (fstatat(dirfd, crel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			     !S_ISDIR(st.st_mode)))
				continue;
			if (collect(wk, dirfd, crel, cname, err) < 0) {
				closedir(d);
				return -1;
			}
		}
	}
	if (errno) {
		int ret = err_errno(err, "%s: read directory", rel);
		closedir(d);
		return ret;
	}
	closedir(d);
	return 0;
}

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct walk_item *)a)->name, ((const struct walk_item *)b)->name);
}

static const char *link_seen(struct walk *wk, const struct stat *st, const char *name)
{
	for (size_t i = 0; i < wk->nlinks; i++)
		if (wk->links[i].dev == st->st_dev && wk->links[i].ino == st->st_ino)
			return wk->links[i].name;
	if (wk->nlinks == wk->caplinks) {
		wk->caplinks = wk->caplinks ? wk->caplinks * 2 : 16;
		wk->links = xreallocarray(wk->links, wk->caplinks, sizeof(*wk->links));
	}
	wk->links[wk->nlinks++] = (struct inode_name){st->st_dev, st->st_ino, xstrdup(name)};
	return NULL;
}

static void owner_names(struct walk *wk, const struct stat *st, struct tar_entry *e)
{
	if (!wk->last_uname || wk->last_uid != st->st_uid) {
		struct passwd *pw = getpwuid(st->st_uid);
		free(wk->last_uname);
		wk->last_uname = xstrdup(pw ? pw->pw_name : "");
		wk->last_uid = st->st_uid;
	}
	if (!wk->last_gname || wk->last_gid != st->st_gid) {
		struct group *gr = getgrgid(st->st_gid);
		free(wk->last_gname);
		wk->last_gname = xstrdup(gr ? gr->gr_name : "");
		wk->last_gid = st->st_gid;
	}
	e->uname = wk->last_uname;
	e->gname = wk->last_gname;
}

/* xattrs of files and directories (through their fd). Host SELinux labels and ACLs
 * (system.*) describe the host, not the content, and are left out. */
static void read_xattrs(int fd, struct tar_entry *e)
{
	cleanup_free char *list = NULL;
	ssize_t n = flistxattr(fd, NULL, 0);

	if (n <= 0)
		return;
	list = xmalloc(n);
	n = flistxattr(fd, list, n);
	for (ssize_t off = 0; n > 0 && off < n; off += strlen(list + off) + 1) {
		const char *k = list + off;
		struct tar_xattr *x;
		ssize_t vlen;
		if (str_has_prefix(k, "system.") || STREQ(k, "security.selinux"))
			continue;
		vlen = fgetxattr(fd, k, NULL, 0);
		if (vlen < 0)
			continue;
		e->xattrs = xreallocarray(e->xattrs, e->nxattrs + 1, sizeof(*e->xattrs));
		x = &e->xattrs[e->nxattrs];
		x->value = xmalloc(vlen + 1);
		vlen = fgetxattr(fd, k, x->value, vlen);
		if (vlen < 0) {
			free(x->value);
			continue;
		}
		x->value[vlen] = '\0';
		x->len = vlen;
		x->name = xstrdup(k);
		e->nxattrs++;
	}
}

static int write_item(struct tar_writer *w, struct walk *wk, int dirfd, const struct walk_item *it,
                      struct error **err)
{
	struct tar_entry e = {0};
	struct stat st;
	cleanup_close int fd = -1;
	cleanup_free char *target = NULL;
	const char *first;
	int ret;

	if (fstatat(dirfd, it->rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_errno(err, "%s", it->rel);
	e.path = it->name;
	e.linkname = "";
	e.mode = st.st_mode & 07777;
	e.uid = st.st_uid;
	e.gid = st.st_gid;
	e.mtime = st.st_mtim.tv_sec;
	e.uname = e.gname = "";
	if (!w->o.numeric_owner && !w->o.uname)
		owner_names(wk, &st, &e);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		if (st.st_nlink > 1 && (first = link_seen(wk, &st, it->name))) {
			e.type = TAR_HARDLINK;
			e.linkname = (char *)first;
			break;
		}
		e.type = TAR_REG;
		e.size = st.st_size;
		fd = openat(dirfd, it->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_errno(err, "%s", it->rel);
		break;
	case S_IFDIR:
		e.type = TAR_DIR;
		if (!w->o.no_xattrs)
			fd =
			    openat(dirfd, it->rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		break;
	case S_IFLNK: {
		size_t cap = st.st_size > 0 ? st.st_size + 1 : 256;
		for (;;) {
			ssize_t n;
			target = xrealloc(target, cap);
			n = readlinkat(dirfd, it->rel, target, cap);
			if (n < 0)
				return err_errno(err, "%s: readlink", it->rel);
			if ((size_t)n < cap) {
				target[n] = '\0';
				break;
			}
			cap *= 2;
		}
		e.type = TAR_SYMLINK;
		e.linkname = target;
		break;
	}
	case S_IFCHR:
	case S_IFBLK:
		e.type = S_ISCHR(st.st_mode) ? TAR_CHR : TAR_BLK;
		e.devmajor = major(st.st_rdev);
		e.devminor = minor(st.st_rdev);
		break;
	case S_IFIFO:
		e.type = TAR_FIFO;
		break;
	default:
		if (w->o.warn) {
			cleanup_free char *msg = xasprintf("%s: socket ignored", it->rel);
			w->o.warn(w->o.ctx, msg);
		} else {
			bb_warn("%s: socket ignored", it->rel);
		}
		return 0;
	}
	if (fd >= 0 && !w->o.no_xattrs)
		read_xattrs(fd, &e);
	if (e.type == TAR_REG)
		ret = tar_write_entry_fd(w, &e, fd, err);
	else
		ret = tar_write_header(w, &e, err);
	for (size_t i = 0; i < e.nxattrs; i++) {
		free(e.xattrs[i].name);
		free(e.xattrs[i].value);
	}
	free(e.xattrs);
	return ret;
}

int tar_write_tree(struct tar_writer *w, int dirfd, const char *path, unsigned flags,
                   struct error **err)
{
	struct walk wk = {0};
	cleanup_free char *top = NULL;
	struct stat st;
	int ret = 0;

	/* the name in the archive: the path as given, without trailing slashes ("." stays) */
	{
		const char *p = path;
		while (*p == '/') /* archives hold relative names, as GNU tar writes them */
			p++;
		top = xstrdup(*p ? p : ".");
		for (size_t n = strlen(top); n > 1 && top[n - 1] == '/'; n--)
			top[n - 1] = '\0';
	}
	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_errno(err, "%s", path);
	if (!(flags & TAR_TREE_NO_TOP))
		walk_add(&wk, xstrdup(top), xstrdup(path));
	if (S_ISDIR(st.st_mode))
		ret = collect(&wk, dirfd, path, flags & TAR_TREE_NO_TOP ? "" : top, err);
	if (ret == 0) {
		if (wk.n)
			qsort(wk.v, wk.n, sizeof(*wk.v), cmp_item);
		for (size_t i = 0; i < wk.n && ret == 0; i++)
			ret = write_item(w, &wk, dirfd, &wk.v[i], err);
	}
	for (size_t i = 0; i < wk.n; i++) {
		free(wk.v[i].name);
		free(wk.v[i].rel);
	}
	free(wk.v);
	for (size_t i = 0; i < wk.nlinks; i++)
		free(wk.links[i].name);
	free(wk.links);
	free(wk.last_uname);
	free(wk.last_gname);
	return ret < 0 ? ret : 0;
}
