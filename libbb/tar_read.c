/* The tar reader: one 512-byte block at a time from a read callback, so it can sit behind an
 * inflater reading a socket. Formats: v7, ustar, pax ('x' and 'g'), GNU ('L', 'K', base-256
 * numbers). The choices where tools disagree are listed in include/tar.h. */
#include "tar.h"
#include <limits.h>
#include <sys/stat.h>

/* A set of pax records, or what an 'x' header says about one entry. For strings and numbers
 * `set` is 1 when the record gives a value, -1 when it gives an empty value (delete). */
struct pax {
	char *path, *linkpath, *uname, *gname;
	signed char has_path, has_linkpath, has_uname, has_gname;
	signed char has_size, has_uid, has_gid, has_mtime, has_devmajor, has_devminor;
	long long size, uid, gid, mtime;
	long mtime_nsec;
	unsigned devmajor, devminor;
	struct tar_xattr *xattrs;
	size_t nxattrs;
	char *sparse; /* the first GNU.sparse.* key seen: we refuse those entries */
};

struct tar_reader {
	tar_read_fn read;
	void *ctx;
	int fd; /* >= 0 for tar_reader_new_fd(): skip by lseek */
	unsigned long long offset;
	long long remain; /* data left in the current entry */
	unsigned pad;     /* padding after it */
	bool failed, ended;
	char *buf; /* read-ahead: one callback call fills many blocks */
	size_t bpos, blen;
	struct pax global, local;
	char *longname, *longlink;
	char *deferred; /* what was wrong with a pax/GNU header, told with the entry's name */
	struct tar_entry e;
	unsigned char blk[TAR_BLOCK];
};

/* ---- small helpers ---- */

static void pax_free(struct pax *p)
{
	free(p->path);
	free(p->linkpath);
	free(p->uname);
	free(p->gname);
	for (size_t i = 0; i < p->nxattrs; i++) {
		free(p->xattrs[i].name);
		free(p->xattrs[i].value);
	}
	free(p->xattrs);
	free(p->sparse);
	memset(p, 0, sizeof(*p));
}

static void entry_free(struct tar_entry *e)
{
	for (size_t i = 0; i < e->nxattrs; i++) {
		free(e->xattrs[i].name);
		free(e->xattrs[i].value);
	}
	free(e->xattrs);
	free(e->path);
	free(e->linkname);
	free(e->uname);
	free(e->gname);
	memset(e, 0, sizeof(*e));
}

/* Names in messages: printable, one line, not endless. */
static const char *show(struct strbuf *sb, const char *s)
{
	size_t n = 0;

	sb->len = 0;
	sb_grow(sb, 16);
	sb->buf[0] = '\0';
	for (; *s && n < 200; s++, n++) {
		unsigned char c = *s;
		if (c < 0x20 || c == 0x7f || c == '\\')
			sb_printf(sb, "\\%03o", c);
		else
			sb_addc(sb, c);
	}
	if (*s)
		sb_adds(sb, "...");
	return sb->buf;
}

/* A bad archive: the message says what was wrong, no errno text behind it. */
static int fail(struct tar_reader *r, struct error **err, int errnum, const char *fmt, ...)
    PRINTF(4, 5);
static int fail(struct tar_reader *r, struct error **err, int errnum, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	r->failed = true;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	err_set(err, 0, "%s", msg ? msg : "tar: error");
	free(msg);
	return -errnum;
}

/* A failed read: the callback said why in *err; we add where. */
static int fail_read(struct tar_reader *r, struct error **err, int ret, unsigned long long at)
{
	r->failed = true;
	if (err && *err)
		return err_wrap(err, "read archive at byte %llu", at);
	return err_set(err, ret < 0 ? -ret : EIO, "read archive at byte %llu", at);
}

#define READ_AHEAD (64 * 1024)

/* Up to len bytes from the read-ahead buffer or, for big reads with it empty, straight from
 * the callback: > 0, 0 at end of input, or a negative value from the callback. */
static ssize_t read_some(struct tar_reader *r, void *dst, size_t len, struct error **err)
{
	ssize_t n;

	if (r->bpos == r->blen) {
		if (len >= READ_AHEAD) {
			n = r->read(r->ctx, dst, len, err);
			if (n > 0)
				r->offset += n;
			return n;
		}
		n = r->read(r->ctx, r->buf, READ_AHEAD, err);
		if (n <= 0)
			return n;
		r->bpos = 0;
		r->blen = n;
	}
	n = r->blen - r->bpos < len ? r->blen - r->bpos : len;
	memcpy(dst, r->buf + r->bpos, n);
	r->bpos += n;
	r->offset += n;
	return n;
}

/* Fills buf: returns len, less at end of input (0 before the first byte), or a negative value
 * from the callback (which filled err). */
static ssize_t read_full(struct tar_reader *r, void *buf, size_t len, struct error **err)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read_some(r, (char *)buf + got, len - got, err);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

/* Returns 0, 1 when the input ends first, or a negative value from the callback. */
static int skip_bytes(struct tar_reader *r, unsigned long long n, struct error **err)
{
	size_t inbuf = r->blen - r->bpos;

	if (inbuf) {
		size_t k = n < inbuf ? n : inbuf;
		r->bpos += k;
		r->offset += k;
		n -= k;
	}
	if (r->fd >= 0 && n > READ_AHEAD) {
		/* the buffer is empty here, so the fd is exactly where we are */
		struct stat st;
		off_t cur = lseek(r->fd, 0, SEEK_CUR);
		if (cur >= 0 && fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode)) {
			if ((unsigned long long)cur + n > (unsigned long long)st.st_size)
				return 1;
			if (lseek(r->fd, n, SEEK_CUR) < 0)
				return err_errno(err, "seek");
			r->offset += n;
			return 0;
		}
	}
	while (n) {
		ssize_t got;
		if (r->bpos == r->blen) {
			got = r->read(r->ctx, r->buf, READ_AHEAD, err);
			if (got < 0)
				return got;
			if (got == 0)
				return 1;
			r->bpos = 0;
			r->blen = got;
		}
		got = r->blen - r->bpos < n ? r->blen - r->bpos : (size_t)n;
		r->bpos += got;
		r->offset += got;
		n -= got;
	}
	return 0;
}

/* The input ended inside the current entry's data (missing > 0) or its padding. */
static int truncated(struct tar_reader *r, struct error **err, long long missing)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	if (missing > 0)
		ret = fail(r, err, EIO, "%s: archive ends inside its data (%lld bytes short)",
		           show(&sb, r->e.path), missing);
	else
		ret = fail(r, err, EIO, "%s: archive ends inside the padding after its data",
		           show(&sb, r->e.path));
	sb_release(&sb);
	return ret;
}

/* ---- numeric fields ---- */

/* Octal with optional leading spaces and trailing spaces/NULs, or GNU base-256 (first byte
 * 0x80 positive, 0xff negative). An empty or all-NUL field is 0. */
static int parse_numeric(const unsigned char *f, size_t len, long long *out)
{
	size_t i = 0;
	unsigned long long v = 0;

	if (f[0] == 0x80 || f[0] == 0xff) {
		/* a negative number is stored as its two's complement: sum the inverted bytes */
		unsigned char flip = f[0] == 0xff ? 0xff : 0;
		for (i = 1; i < len; i++) {
			if (v > (unsigned long long)LLONG_MAX >> 8)
				return -ERANGE;
			v = (v << 8) | (unsigned char)(f[i] ^ flip);
		}
		*out = flip ? -(long long)v - 1 : (long long)v;
		return 0;
	}
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -ERANGE;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -EINVAL;
	*out = (long long)v;
	return 0;
}

static bool is_numeric_field(const unsigned char *f, size_t len)
{
	long long v;

	return parse_numeric(f, len, &v) == 0;
}

/* Decimal for pax size/uid/gid: digits only, no sign, no overflow. */
static int parse_dec(const char *s, size_t len, long long *out)
{
	unsigned long long v = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > ((unsigned long long)LLONG_MAX - (s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (s[i] - '0');
	}
	*out = (long long)v;
	return 0;
}

/* pax time: [-]digits[.digits], to seconds and nanoseconds (rounded towards minus infinity). */
static int parse_pax_time(const char *s, size_t len, long long *sec, long *nsec)
{
	bool neg = len && s[0] == '-';
	size_t i = neg, dot;
	long long whole;
	long frac = 0;
	int digits = 0;

	for (dot = i; dot < len && s[dot] != '.'; dot++)
		;
	if (parse_dec(s + i, dot - i, &whole) < 0)
		return -EINVAL;
	if (dot < len) {
		if (dot + 1 == len)
			return -EINVAL;
		for (i = dot + 1; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -EINVAL;
			if (digits < 9) {
				frac = frac * 10 + (s[i] - '0');
				digits++;
			}
		}
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (neg) {
		whole = -whole;
		if (frac) {
			whole--;
			frac = 1000000000L - frac;
		}
	}
	*sec = whole;
	*nsec = frac;
	return 0;
}

/* ---- pax records ---- */

static void xattr_set(struct tar_xattr **v, size_t *n, const char *name, const char *val,
                      size_t len)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (STREQ((*v)[i].name, name))
			break;
	if (i == *n) {
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[i].name = xstrdup(name);
		(*n)++;
	} else {
		free((*v)[i].value);
	}
	(*v)[i].value = xmalloc(len + 1);
	memcpy((*v)[i].value, val, len);
	(*v)[i].value[len] = '\0';
	(*v)[i].len = len;
}

static void xattr_del(struct tar_xattr *v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++) {
		if (!STREQ(v[i].name, name))
			continue;
		free(v[i].name);
		free(v[i].value);
		memmove(v + i, v + i + 1, (*n - i - 1) * sizeof(*v));
		(*n)--;
		return;
	}
}

static void set_str(char **dst, signed char *has, const char *val, size_t len)
{
	free(*dst);
	*dst = len ? xstrndup(val, len) : NULL;
	*has = len ? 1 : -1;
}

/* One record: key and value (value may hold NULs for xattrs). Returns 0 or a reason. */
static const char *pax_record(struct pax *p, bool global, const char *key, const char *val,
                              size_t len)
{
	bool has_nul = memchr(val, '\0', len) != NULL;
	bool empty = len == 0;
	signed char *flag = NULL;
	long long *num = NULL;

	if (str_has_prefix(key, "GNU.sparse.")) {
		if (!p->sparse)
			p->sparse = xstrdup(key);
		if (STREQ(key, "GNU.sparse.name") && !has_nul && len)
			set_str(&p->path, &p->has_path, val, len);
		return NULL;
	}
	if (STREQ(key, "path") || STREQ(key, "linkpath")) {
		if (global) /* see tar.h: a global name would name every entry */
			return NULL;
		if (has_nul)
			return key[0] == 'p' ? "pax path contains a NUL byte"
			                     : "pax linkpath contains a NUL byte";
		if (key[0] == 'p')
			set_str(&p->path, &p->has_path, val, len);
		else
			set_str(&p->linkpath, &p->has_linkpath, val, len);
		return NULL;
	}
	if (STREQ(key, "uname") || STREQ(key, "gname")) {
		if (has_nul)
			return "pax uname/gname contains a NUL byte";
		if (key[0] == 'u')
			set_str(&p->uname, &p->has_uname, val, len);
		else
			set_str(&p->gname, &p->has_gname, val, len);
		return NULL;
	}
	if (str_has_prefix(key, "SCHILY.xattr.")) {
		const char *name = key + strlen("SCHILY.xattr.");
		if (!*name)
			return "pax xattr record without a name";
		xattr_set(&p->xattrs, &p->nxattrs, name, val, len);
		return NULL;
	}
	if (STREQ(key, "mtime")) {
		if (empty) {
			p->has_mtime = -1;
			return NULL;
		}
		if (parse_pax_time(val, len, &p->mtime, &p->mtime_nsec) < 0)
			return "non-numeric pax mtime";
		p->has_mtime = 1;
		return NULL;
	}
	if (STREQ(key, "size")) {
		if (global)
			return NULL;
		flag = &p->has_size, num = &p->size;
	} else if (STREQ(key, "uid")) {
		flag = &p->has_uid, num = &p->uid;
	} else if (STREQ(key, "gid")) {
		flag = &p->has_gid, num = &p->gid;
	} else if (STREQ(key, "SCHILY.devmajor") || STREQ(key, "SCHILY.devminor")) {
		long long v;
		bool major = key[11] == 'a';
		if (empty)
			return NULL;
		if (parse_dec(val, len, &v) < 0 || v > 0xffffffffLL)
			return "non-numeric pax device number";
		if (major)
			p->devmajor = v, p->has_devmajor = 1;
		else
			p->devminor = v, p->has_devminor = 1;
		return NULL;
	} else {
		return NULL; /* atime, ctime, comment, charset, vendor records: nothing to apply */
	}
	if (empty) {
		*flag = -1;
		return NULL;
	}
	if (parse_dec(val, len, num) < 0)
		return key[0] == 's' ? "non-numeric pax size" : "non-numeric pax uid/gid";
	*flag = 1;
	return NULL;
}

/* Records are "LEN KEY=VALUE\n", LEN counting the whole record in decimal. */
static const char *pax_parse(struct pax *p, bool global, char *buf, size_t size)
{
	size_t off = 0;

	while (off < size) {
		size_t len = 0, i = off, eq;
		const char *why;

		/* GNU tar and others pad the last block with NULs after the records */
		if (buf[off] == '\0') {
			for (; off < size; off++)
				if (buf[off])
					return "pax header has data after its records";
			break;
		}
		while (i < size && buf[i] >= '0' && buf[i] <= '9') {
			if (len > TAR_META_MAX)
				return "pax record length too large";
			len = len * 10 + (buf[i++] - '0');
		}
		if (i == off || i >= size || buf[i] != ' ')
			return "pax record length is not a number";
		if (len > size - off || len < i - off + 3)
			return "pax record length does not match its record";
		if (buf[off + len - 1] != '\n')
			return "pax record length does not match its record (no newline at its "
			       "end)";
		for (eq = i + 1; eq < off + len - 1 && buf[eq] != '='; eq++)
			if (buf[eq] == '\0')
				return "pax record key contains a NUL byte";
		if (eq >= off + len - 1 || eq == i + 1)
			return "pax record has no key=value";
		buf[eq] = '\0';
		why = pax_record(p, global, buf + i + 1, buf + eq + 1, off + len - 1 - (eq + 1));
		buf[eq] = '=';
		if (why)
			return why;
		off += len;
	}
	return NULL;
}

/* A global record set applies under the entry's own: copy what the entry does not override. */
static void pax_merge_global(struct pax *dst, const struct pax *g)
{
	if (!dst->has_uname && g->has_uname > 0)
		set_str(&dst->uname, &dst->has_uname, g->uname, strlen(g->uname));
	if (!dst->has_gname && g->has_gname > 0)
		set_str(&dst->gname, &dst->has_gname, g->gname, strlen(g->gname));
	if (!dst->has_uid && g->has_uid > 0)
		dst->uid = g->uid, dst->has_uid = 1;
	if (!dst->has_gid && g->has_gid > 0)
		dst->gid = g->gid, dst->has_gid = 1;
	if (!dst->has_mtime && g->has_mtime > 0) {
		dst->mtime = g->mtime, dst->mtime_nsec = g->mtime_nsec;
		dst->has_mtime = 1;
	}
	if (!dst->has_devmajor && g->has_devmajor > 0)
		dst->devmajor = g->devmajor, dst->has_devmajor = 1;
	if (!dst->has_devminor && g->has_devminor > 0)
		dst->devminor = g->devminor, dst->has_devminor = 1;
	for (size_t i = 0; i < g->nxattrs; i++) {
		size_t j;
		for (j = 0; j < dst->nxattrs; j++)
			if (STREQ(dst->xattrs[j].name, g->xattrs[i].name))
				break;
		if (j == dst->nxattrs)
			xattr_set(&dst->xattrs, &dst->nxattrs, g->xattrs[i].name,
			          g->xattrs[i].value, g->xattrs[i].len);
	}
	if (!dst->sparse && g->sparse)
		dst->sparse = xstrdup(g->sparse);
}

/* A 'g' header: records replace or (empty value) delete the global ones. */
static void pax_update_global(struct pax *g, struct pax *n)
{
#define TAKE_STR(f, h)                                                                             \
	if (n->h) {                                                                                \
		free(g->f);                                                                        \
		g->f = steal_ptr(&n->f);                                                           \
		g->h = n->h > 0 ? 1 : 0;                                                           \
	}
#define TAKE_NUM(f, h)                                                                             \
	if (n->h) {                                                                                \
		g->f = n->f;                                                                       \
		g->h = n->h > 0 ? 1 : 0;                                                           \
	}
	TAKE_STR(uname, has_uname)
	TAKE_STR(gname, has_gname)
	TAKE_NUM(uid, has_uid)
	TAKE_NUM(gid, has_gid)
	TAKE_NUM(devmajor, has_devmajor)
	TAKE_NUM(devminor, has_devminor)
	if (n->has_mtime) {
		g->mtime = n->mtime, g->mtime_nsec = n->mtime_nsec;
		g->has_mtime = n->has_mtime > 0;
	}
#undef TAKE_STR
#undef TAKE_NUM
	for (size_t i = 0; i < n->nxattrs; i++) {
		if (n->xattrs[i].len)
			xattr_set(&g->xattrs, &g->nxattrs, n->xattrs[i].name, n->xattrs[i].value,
			          n->xattrs[i].len);
		else
			xattr_del(g->xattrs, &g->nxattrs, n->xattrs[i].name);
	}
	if (n->sparse && !g->sparse)
		g->sparse = steal_ptr(&n->sparse);
	pax_free(n);
}

/* ---- headers ---- */

/* Offsets in a header block (POSIX ustar; GNU keeps atime/ctime where ustar has prefix). */
enum {
	H_NAME = 0,
	H_MODE = 100,
	H_UID = 108,
	H_GID = 116,
	H_SIZE = 124,
	H_MTIME = 136,
	H_CHKSUM = 148,
	H_TYPE = 156,
	H_LINKNAME = 157,
	H_MAGIC = 257,
	H_VERSION = 263,
	H_UNAME = 265,
	H_GNAME = 297,
	H_DEVMAJOR = 329,
	H_DEVMINOR = 337,
	H_PREFIX = 345,
	H_GNU_ATIME = 345,
	H_GNU_CTIME = 357,
};

static bool block_is_zero(const unsigned char *b)
{
	for (int i = 0; i < TAR_BLOCK; i++)
		if (b[i])
			return false;
	return true;
}

/* Both sums: POSIX says unsigned, old tars summed signed chars. */
static bool checksum_ok(const unsigned char *b)
{
	long long want;
	long usum = 0, ssum = 0;

	if ((b[H_CHKSUM] & 0x80) || parse_numeric(b + H_CHKSUM, 8, &want) < 0)
		return false;
	for (int i = 0; i < TAR_BLOCK; i++) {
		unsigned char c = (i >= H_CHKSUM && i < H_CHKSUM + 8) ? ' ' : b[i];
		usum += c;
		ssum += (signed char)c;
	}
	return want == usum || want == ssum;
}

static char *field_str(const unsigned char *f, size_t len)
{
	return xstrndup((const char *)f, len);
}

enum { FMT_V7, FMT_USTAR, FMT_GNU };

static int header_format(const unsigned char *b)
{
	if (!memcmp(b + H_MAGIC, "ustar\0", 6))
		return FMT_USTAR;
	if (!memcmp(b + H_MAGIC, "ustar  \0", 8))
		return FMT_GNU;
	return FMT_V7;
}

/* name, or prefix/name: see tar.h for when a GNU header has a prefix */
static char *header_name(const unsigned char *b)
{
	int fmt = header_format(b);
	char *name = field_str(b + H_NAME, 100), *prefix = NULL, *path;
	bool use_prefix =
	    fmt == FMT_USTAR || (fmt == FMT_GNU && !(is_numeric_field(b + H_GNU_ATIME, 12) &&
	                                             is_numeric_field(b + H_GNU_CTIME, 12)));

	if (use_prefix)
		prefix = field_str(b + H_PREFIX, 155);
	if (prefix && *prefix)
		path = xasprintf("%s/%s", prefix, name);
	else
		path = xstrdup(name);
	free(name);
	free(prefix);
	return path;
}

static int read_meta(struct tar_reader *r, const char *what, const char *name, long long size,
                     char **out, struct error **err)
{
	struct strbuf sb = STRBUF_INIT;
	size_t padded;
	ssize_t n;

	if (size < 0)
		return fail(r, err, EINVAL, "%s: %s header has a negative size", name, what);
	if (size > TAR_META_MAX)
		return fail(r, err, EFBIG, "%s: %s header too large (%lld bytes, limit %d)", name,
		            what, size, TAR_META_MAX);
	padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	sb_grow(&sb, padded);
	n = padded ? read_full(r, sb.buf, padded, err) : 0;
	if (n < 0) {
		sb_release(&sb);
		return fail_read(r, err, n, r->offset);
	}
	if (n != (ssize_t)padded) {
		sb_release(&sb);
		return fail(r, err, EIO, "%s: archive ends inside its %s header", name, what);
	}
	sb.len = size;
	sb.buf[size] = '\0';
	*out = sb_steal(&sb);
	return 0;
}

static int bad_field(struct tar_reader *r, struct error **err, const char *name, const char *field,
                     int why)
{
	struct strbuf sb = STRBUF_INIT;
	const char *what = why == -ERANGE ? "number out of range" : "bad octal number";
	int ret;

	if (*name)
		ret = fail(r, err, EINVAL, "%s: %s in the %s field", show(&sb, name), what, field);
	else
		ret = fail(r, err, EINVAL, "entry at byte %llu: %s in the %s field",
		           r->offset - TAR_BLOCK, what, field);
	sb_release(&sb);
	return ret;
}

/* The entry from its header block plus whatever pax/GNU headers came before it. */
static int build_entry(struct tar_reader *r, const unsigned char *b, struct error **err)
{
	struct tar_entry *e = &r->e;
	struct pax *x = &r->local;
	struct strbuf sb = STRBUF_INIT;
	int fmt = header_format(b);
	char flag = b[H_TYPE];
	long long v;
	int ret = 0, rc;

	entry_free(e);
	pax_merge_global(x, &r->global);

	/* the name first, so every later complaint can carry it */
	if (x->has_path > 0) {
		e->path = xstrdup(x->path);
	} else if (r->longname && x->has_path == 0) {
		e->path = xstrdup(r->longname);
	} else {
		e->path = header_name(b);
	}
	if (!*e->path) {
		ret = fail(r, err, EINVAL, "entry at byte %llu has an empty name",
		           r->offset - TAR_BLOCK);
		goto out;
	}
	e->typeflag = flag;
	if (x->sparse) {
		ret = fail(r, err, EOPNOTSUPP,
		           "%s: sparse file (pax %s): sparse files are not supported",
		           show(&sb, e->path), x->sparse);
		goto out;
	}
	switch (flag) {
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
		e->type = flag;
		break;
	case 'D': /* GNU dumpdir: a directory, its data a listing for incremental restores */
		e->type = TAR_DIR;
		break;
	default:
		if (flag >= 'A' && flag <= 'Z') {
			ret = fail(r, err, EOPNOTSUPP, "%s: unsupported entry type '%c'",
			           show(&sb, e->path), flag);
			goto out;
		}
		/* '0', '\0', '7' and unknown flags: POSIX says regular file; a v7 name ending in
		 * '/' is a directory */
		e->type = TAR_REG;
		if (flag == '\0' && str_has_suffix(e->path, "/"))
			e->type = TAR_DIR;
	}

	if (x->has_linkpath > 0)
		e->linkname = xstrdup(x->linkpath);
	else if (r->longlink && x->has_linkpath == 0)
		e->linkname = xstrdup(r->longlink);
	else
		e->linkname = field_str(b + H_LINKNAME, 100);
	if ((e->type == TAR_HARDLINK || e->type == TAR_SYMLINK) && !*e->linkname) {
		ret = fail(r, err, EINVAL, "%s: link with an empty target", show(&sb, e->path));
		goto out;
	}
	if (e->type != TAR_HARDLINK && e->type != TAR_SYMLINK)
		e->linkname[0] = '\0';

	if ((rc = parse_numeric(b + H_MODE, 8, &v)) < 0) {
		ret = bad_field(r, err, e->path, "mode", rc);
		goto out;
	}
	e->mode = v & 07777;

	if (x->has_uid > 0)
		e->uid = x->uid;
	else if ((rc = parse_numeric(b + H_UID, 8, &e->uid)) < 0) {
		ret = bad_field(r, err, e->path, "uid", rc);
		goto out;
	}
	if (x->has_gid > 0)
		e->gid = x->gid;
	else if ((rc = parse_numeric(b + H_GID, 8, &e->gid)) < 0) {
		ret = bad_field(r, err, e->path, "gid", rc);
		goto out;
	}
	if (e->uid < 0 || e->gid < 0) {
		ret = fail(r, err, EINVAL, "%s: negative uid or gid", show(&sb, e->path));
		goto out;
	}
	if (x->has_size > 0)
		e->size = x->size;
	else if ((rc = parse_numeric(b + H_SIZE, 12, &e->size)) < 0) {
		ret = bad_field(r, err, e->path, "size", rc);
		goto out;
	}
	if (e->size < 0) {
		ret = fail(r, err, EINVAL, "%s: negative size", show(&sb, e->path));
		goto out;
	}
	if (x->has_mtime > 0) {
		e->mtime = x->mtime;
		e->mtime_nsec = x->mtime_nsec;
	} else if ((rc = parse_numeric(b + H_MTIME, 12, &e->mtime)) < 0) {
		ret = bad_field(r, err, e->path, "mtime", rc);
		goto out;
	}

	if (fmt != FMT_V7) {
		e->uname = field_str(b + H_UNAME, 32);
		e->gname = field_str(b + H_GNAME, 32);
		if (e->type == TAR_CHR || e->type == TAR_BLK) {
			if ((rc = parse_numeric(b + H_DEVMAJOR, 8, &v)) < 0 || v > 0xffffffffLL) {
				ret = bad_field(r, err, e->path, "devmajor", rc < 0 ? rc : -ERANGE);
				goto out;
			}
			e->devmajor = v;
			if ((rc = parse_numeric(b + H_DEVMINOR, 8, &v)) < 0 || v > 0xffffffffLL) {
				ret = bad_field(r, err, e->path, "devminor", rc < 0 ? rc : -ERANGE);
				goto out;
			}
			e->devminor = v;
		}
	}
	if (x->has_devmajor > 0)
		e->devmajor = x->devmajor;
	if (x->has_devminor > 0)
		e->devminor = x->devminor;
	if (x->has_uname > 0) {
		free(e->uname);
		e->uname = xstrdup(x->uname);
	}
	if (x->has_gname > 0) {
		free(e->gname);
		e->gname = xstrdup(x->gname);
	}
	if (!e->uname)
		e->uname = xstrdup("");
	if (!e->gname)
		e->gname = xstrdup("");
	e->xattrs = steal_ptr(&x->xattrs);
	e->nxattrs = x->nxattrs;
	x->nxattrs = 0;

	/* header-only types carry no data whatever their size field says (as Go and Python) */
	r->remain = (e->type == TAR_REG || flag == 'D') ? e->size : 0;
	r->pad = (TAR_BLOCK - r->remain % TAR_BLOCK) % TAR_BLOCK;
out:
	sb_release(&sb);
	return ret;
}

int tar_next(struct tar_reader *r, struct tar_entry **out, struct error **err)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned char *b = r->blk;
	bool have_x = false;
	const char *pending = NULL; /* a meta header waiting for its entry */
	int ret;

	*out = NULL;
	if (r->failed)
		return err_set(err, EINVAL, "tar reader used after an error");
	if (r->ended)
		return 0;
	if (r->remain || r->pad) {
		unsigned long long start = r->offset;
		int rc = skip_bytes(r, (unsigned long long)r->remain + r->pad, err);
		if (rc == 1) {
			ret = truncated(r, err, r->remain - (long long)(r->offset - start));
			goto out;
		}
		if (rc < 0) {
			ret = fail_read(r, err, rc, r->offset);
			goto out;
		}
		r->remain = r->pad = 0;
	}
	pax_free(&r->local);
	free(r->longname);
	free(r->longlink);
	free(r->deferred);
	r->longname = r->longlink = r->deferred = NULL;

	for (;;) {
		unsigned long long at = r->offset;
		ssize_t n = read_full(r, b, TAR_BLOCK, err);
		long long size;
		char *data = NULL, *name;
		const char *why;

		if (n == 0 && !pending) {
			r->ended = true;
			ret = 0;
			goto out;
		}
		if (n == 0 && r->deferred) {
			ret = fail(r, err, EINVAL, "%s", r->deferred);
			goto out;
		}
		if (n == 0) {
			ret =
			    fail(r, err, EIO, "archive ends after a %s, before its entry", pending);
			goto out;
		}
		if (n < 0) {
			ret = fail_read(r, err, n, at);
			goto out;
		}
		if (n < TAR_BLOCK) {
			ret = fail(r, err, EIO, "archive ends inside a header at byte %llu", at);
			goto out;
		}
		if (block_is_zero(b)) {
			if (pending) {
				ret = fail(r, err, EINVAL,
				           "end-of-archive block after a %s at byte %llu", pending,
				           at);
				goto out;
			}
			n = read_full(r, b, TAR_BLOCK, err);
			if (n == 0 || (n == TAR_BLOCK && block_is_zero(b))) {
				r->ended = true;
				ret = 0;
				goto out;
			}
			if (n < 0) {
				ret = fail_read(r, err, n, at + TAR_BLOCK);
				goto out;
			}
			ret = fail(r, err, EINVAL,
			           "lone zero block at byte %llu followed by more data", at);
			goto out;
		}
		name = field_str(b + H_NAME, 100);
		if (!checksum_ok(b)) {
			ret = fail(r, err, EINVAL, "entry '%s' at byte %llu: bad header checksum",
			           show(&sb, name), at);
			free(name);
			goto out;
		}
		switch (b[H_TYPE]) {
		case 'x':
		case 'X':
		case 'g':
			if (parse_numeric(b + H_SIZE, 12, &size) < 0) {
				ret = bad_field(r, err, name, "size", -EINVAL);
				break;
			}
			if ((ret = read_meta(r, "pax", show(&sb, name), size, &data, err)) < 0)
				break;
			if (b[H_TYPE] == 'g') {
				struct pax g = {0};
				why = pax_parse(&g, true, data, size);
				if (!why)
					pax_update_global(&r->global, &g);
				pax_free(&g);
				if (why)
					ret = fail(r, err, EINVAL,
					           "pax global header '%s' at byte %llu: %s",
					           show(&sb, name), at, why);
			} else {
				why = have_x ? "two pax headers in a row for one entry"
				             : pax_parse(&r->local, false, data, size);
				have_x = true;
				pending = "pax header";
				if (why && !r->deferred)
					r->deferred = xasprintf("%s (pax header '%s' at byte %llu)",
					                        why, show(&sb, name), at);
			}
			free(data);
			break;
		case 'L':
		case 'K': {
			char **dst = b[H_TYPE] == 'L' ? &r->longname : &r->longlink;
			const char *what = b[H_TYPE] == 'L' ? "GNU long name" : "GNU long link";
			if (parse_numeric(b + H_SIZE, 12, &size) < 0) {
				ret = bad_field(r, err, name, "size", -EINVAL);
				break;
			}
			if ((ret = read_meta(r, what, show(&sb, name), size, &data, err)) < 0)
				break;
			if (*dst && !r->deferred)
				r->deferred = xasprintf("two %s headers in a row for one entry "
				                        "(at byte %llu)",
				                        what, at);
			free(*dst);
			*dst = data; /* the name ends at its first NUL */
			pending = what;
			break;
		}
		case 'S':
			ret = fail(r, err, EOPNOTSUPP,
			           "%s: sparse file (GNU type 'S'): sparse files are not supported",
			           show(&sb, r->longname ? r->longname : name));
			break;
		default:
			if (r->deferred) {
				char *hname = header_name(b);
				ret = fail(r, err, EINVAL, "%s: %s", show(&sb, hname), r->deferred);
				free(hname);
				break;
			}
			ret = build_entry(r, b, err);
			free(name);
			if (ret == 0) {
				*out = &r->e;
				ret = 1;
			}
			goto out;
		}
		free(name);
		if (ret < 0)
			goto out;
	}
out:
	sb_release(&sb);
	return ret;
}

ssize_t tar_read_data(struct tar_reader *r, void *buf, size_t len, struct error **err)
{
	ssize_t n;

	if (r->failed)
		return err_set(err, EINVAL, "tar reader used after an error");
	if (r->remain == 0)
		return 0;
	if ((unsigned long long)len > (unsigned long long)r->remain)
		len = r->remain;
	n = read_some(r, buf, len, err);
	if (n < 0)
		return fail_read(r, err, n, r->offset);
	if (n == 0)
		return truncated(r, err, r->remain);
	r->remain -= n;
	return n;
}

unsigned long long tar_reader_offset(const struct tar_reader *r)
{
	return r->offset;
}

static ssize_t fd_read(void *ctx, void *buf, size_t len, struct error **err)
{
	ssize_t n;

	do
		n = read(*(int *)ctx, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? err_errno(err, "read") : n;
}

struct tar_reader *tar_reader_new(tar_read_fn read, void *ctx)
{
	struct tar_reader *r = xzalloc(sizeof(*r));

	r->read = read;
	r->ctx = ctx;
	r->fd = -1;
	r->buf = xmalloc(READ_AHEAD);
	return r;
}

struct tar_reader *tar_reader_new_fd(int fd)
{
	struct tar_reader *r = tar_reader_new(fd_read, NULL);

	r->fd = fd;
	r->ctx = &r->fd;
	return r;
}

void tar_reader_free(struct tar_reader *r)
{
	if (!r)
		return;
	pax_free(&r->global);
	pax_free(&r->local);
	free(r->longname);
	free(r->longlink);
	free(r->deferred);
	entry_free(&r->e);
	free(r->buf);
	free(r);
}
