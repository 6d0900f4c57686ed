/* libbb tar: header parsing edge cases, hostile archives against the confined extractor (with
 * openat2 and with the component walk), whiteouts, the writer's determinism and round trips. */
#include "unit.h"
#include "path.h"
#include "tar.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>

/* ---- building archives by hand ---- */

static void put_oct(unsigned char *f, size_t w, long long v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%0*llo", (int)(w - 1), v);
	memcpy(f, tmp, w - 1);
	f[w - 1] = 0;
}

static void fix_sum(unsigned char *b)
{
	unsigned sum = 0;

	memset(b + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06o", sum);
}

/* A ustar header; name and link are cut to their fields. */
static void mkhdr(unsigned char *b, const char *name, char type, long long size, const char *link)
{
	memset(b, 0, 512);
	memcpy(b, name, strnlen(name, 100));
	put_oct(b + 100, 8, type == '5' ? 0755 : 0644);
	put_oct(b + 108, 8, 1000);
	put_oct(b + 116, 8, 1000);
	put_oct(b + 124, 12, size);
	put_oct(b + 136, 12, 1600000000);
	b[156] = type;
	if (link)
		memcpy(b + 157, link, strnlen(link, 100));
	memcpy(b + 257,
	       "ustar\0"
	       "00",
	       8);
	fix_sum(b);
}

static void add_block(struct strbuf *sb, const unsigned char *b)
{
	sb_add(sb, b, 512);
}

static void add_data(struct strbuf *sb, const void *data, size_t len)
{
	static const char zero[512];

	sb_add(sb, data, len);
	if (len % 512)
		sb_add(sb, zero, 512 - len % 512);
}

static void add_entry(struct strbuf *sb, const char *name, char type, const char *data,
                      const char *link)
{
	unsigned char b[512];
	size_t len = data ? strlen(data) : 0;

	mkhdr(b, name, type, len, link);
	add_block(sb, b);
	if (len)
		add_data(sb, data, len);
}

static void add_pax(struct strbuf *sb, char type, const char *records)
{
	unsigned char b[512];

	mkhdr(b, "PaxHeaders.0/x", type, strlen(records), NULL);
	add_block(sb, b);
	add_data(sb, records, strlen(records));
}

/* "LEN key=value\n" with LEN computed; value may hold NULs (vlen). */
static void rec(struct strbuf *sb, const char *key, const char *val, size_t vlen)
{
	size_t base = strlen(key) + vlen + 3, len = base + 1;

	while ((size_t)snprintf(NULL, 0, "%zu", len) + base != len)
		len++;
	sb_printf(sb, "%zu %s=", len, key);
	sb_add(sb, val, vlen);
	sb_addc(sb, '\n');
}
#define REC(sb, k, v) rec(sb, k, v, sizeof(v) - 1)

static void add_pax_sb(struct strbuf *sb, char type, const struct strbuf *records)
{
	unsigned char b[512];

	mkhdr(b, "PaxHeaders.0/x", type, records->len, NULL);
	add_block(sb, b);
	add_data(sb, records->buf, records->len);
}

static void add_end(struct strbuf *sb)
{
	static const unsigned char zero[1024];

	sb_add(sb, zero, sizeof(zero));
}

/* ---- reading from memory, in small pieces to exercise the streaming ---- */

struct mem {
	const char *buf;
	size_t len, pos, chunk;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len, struct error **err)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	(void)err;
	if (n > len)
		n = len;
	if (m->chunk && n > m->chunk)
		n = m->chunk;
	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	return n;
}

static int mem_write(void *ctx, const void *buf, size_t len, struct error **err)
{
	(void)err;
	sb_add(ctx, buf, len);
	return 0;
}

/* Lists an archive: "path|type|size|mode|uid|gid|mtime.nsec|link" per entry, or ERR:msg. */
static char *list(const struct strbuf *ar, size_t chunk)
{
	struct mem m = {ar->buf, ar->len, 0, chunk};
	struct tar_reader *r = tar_reader_new(mem_read, &m);
	struct strbuf out = STRBUF_INIT;
	struct error *err = NULL;
	struct tar_entry *e;
	int rc;

	while ((rc = tar_next(r, &e, &err)) > 0)
		sb_printf(&out, "%s|%c|%lld|%o|%lld|%lld|%lld.%ld|%s\n", e->path, e->type, e->size,
		          e->mode, e->uid, e->gid, e->mtime, e->mtime_nsec, e->linkname);
	if (rc < 0)
		sb_printf(&out, "ERR:%s", err && err->msg ? err->msg : "?");
	err_free(&err);
	tar_reader_free(r);
	return sb_steal(&out);
}

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = 0;
	return s;
}

/* ---- header parsing ---- */

static void write_one(struct strbuf *ar, const char *path, int type, const char *link)
{
	struct tar_writer *w = tar_writer_new(mem_write, ar, NULL);
	struct tar_entry e = {.path = (char *)path,
	                      .linkname = (char *)(link ? link : ""),
	                      .type = type,
	                      .mode = 0644,
	                      .mtime = 1};
	struct error *err = NULL;

	CHECK_INT(tar_write_header(w, &e, &err), 0);
	CHECK_INT(tar_write_finish(w, &err), 0);
	tar_writer_free(w);
}

static bool has_pax(const struct strbuf *ar)
{
	return ar->len > 512 && ar->buf[156] == 'x';
}

TEST(names_100_155_255)
{
	cleanup_free char *n100 = repeat('a', 100), *n101 = repeat('b', 101);
	cleanup_free char *p155 = repeat('p', 155), *n99 = repeat('n', 99);
	cleanup_free char *n255 = repeat('c', 255), *p156 = repeat('q', 156);
	cleanup_free char *split = xasprintf("%s/%s", p155, n99);   /* 255: prefix + name */
	cleanup_free char *nosplit = xasprintf("%s/%s", p156, n99); /* prefix too long */
	cleanup_free char *full = xasprintf("%s/%sn", p155, n99);   /* 256: both full */
	struct {
		const char *path;
		bool pax;
	} cases[] = {{n100, false}, {n101, true},    {split, false},
	             {n255, true},  {nosplit, true}, {full, false}};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf ar = STRBUF_INIT;
		cleanup_free char *got = NULL, *want = NULL;
		write_one(&ar, cases[i].path, TAR_REG, NULL);
		if (has_pax(&ar) != cases[i].pax)
			unit_fail(__FILE__, __LINE__, "case %zu: pax %d", i, has_pax(&ar));
		got = list(&ar, 0);
		want = xasprintf("%s|0|0|644|0|0|1.0|\n", cases[i].path);
		CHECK_STR(got, want);
		sb_release(&ar);
	}
	/* a 100-byte name fills its field with no NUL */
	{
		struct strbuf ar = STRBUF_INIT;
		write_one(&ar, n100, TAR_REG, NULL);
		CHECK(ar.buf[99] == 'a' && !memchr(ar.buf, 0, 100));
		sb_release(&ar);
	}
	/* the prefix split: "ppp...p" in the prefix field, "nnn" in the name field */
	{
		struct strbuf ar = STRBUF_INIT;
		write_one(&ar, split, TAR_REG, NULL);
		CHECK(!memcmp(ar.buf + 345, p155, 155));
		CHECK(!memcmp(ar.buf, n99, 99) && ar.buf[99] == 0);
		sb_release(&ar);
	}
}

TEST(long_link_and_non_ascii_use_pax)
{
	cleanup_free char *link101 = repeat('l', 101);
	struct strbuf ar = STRBUF_INIT, ar2 = STRBUF_INIT;
	cleanup_free char *got = NULL, *got2 = NULL, *want = NULL;

	write_one(&ar, "s", TAR_SYMLINK, link101);
	CHECK(has_pax(&ar));
	got = list(&ar, 3);
	want = xasprintf("s|2|0|644|0|0|1.0|%s\n", link101);
	CHECK_STR(got, want);
	write_one(&ar2, "d\xc3\xa9j\xc3\xa0", TAR_DIR, NULL);
	CHECK(has_pax(&ar2));
	got2 = list(&ar2, 0);
	CHECK_STR(got2, "d\xc3\xa9j\xc3\xa0/|5|0|644|0|0|1.0|\n");
	sb_release(&ar);
	sb_release(&ar2);
}

TEST(gnu_long_name_and_link)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *name = repeat('n', 300), *link = repeat('k', 200), *got = NULL;
	cleanup_free char *want = NULL;
	unsigned char b[512];

	mkhdr(b, "././@LongLink", 'L', 301, NULL);
	memcpy(b + 257, "ustar  \0", 8);
	fix_sum(b);
	add_block(&ar, b);
	add_data(&ar, name, 301); /* with its NUL */
	mkhdr(b, "././@LongLink", 'K', 200, NULL);
	add_block(&ar, b);
	add_data(&ar, link, 200);
	add_entry(&ar, "short", '2', NULL, "shortlink");
	add_end(&ar);
	got = list(&ar, 1);
	want = xasprintf("%s|2|0|644|1000|1000|1600000000.0|%s\n", name, link);
	CHECK_STR(got, want);
	sb_release(&ar);
}

TEST(base256_numbers)
{
	struct strbuf ar = STRBUF_INIT;
	unsigned char b[512];
	cleanup_free char *got = NULL;

	mkhdr(b, "big", '0', 0, NULL);
	/* uid 2^40 and size 5 in base-256, mtime -1 (two's complement) */
	memset(b + 108, 0, 8);
	b[108] = 0x80;
	b[110] = 0x01;
	memset(b + 124, 0, 12);
	b[124] = 0x80;
	b[135] = 5;
	memset(b + 136, 0xff, 12);
	fix_sum(b);
	add_block(&ar, b);
	add_data(&ar, "hello", 5);
	add_end(&ar);
	got = list(&ar, 0);
	CHECK_STR(got, "big|0|5|644|1099511627776|1000|-1.0|\n");
	sb_release(&ar);

	/* a negative size is refused */
	mkhdr(b, "neg", '0', 0, NULL);
	memset(b + 124, 0xff, 12);
	fix_sum(b);
	add_block(&ar, b);
	add_end(&ar);
	free(got);
	got = list(&ar, 0);
	CHECK_STR(got, "ERR:neg: negative size");
	sb_release(&ar);

	/* and so is a base-256 number too big for 63 bits */
	mkhdr(b, "huge", '0', 0, NULL);
	memset(b + 124, 0x7f, 12);
	b[124] = 0x80;
	fix_sum(b);
	add_block(&ar, b);
	add_end(&ar);
	free(got);
	got = list(&ar, 0);
	CHECK_STR(got, "ERR:huge: number out of range in the size field");
	sb_release(&ar);
}

TEST(octal_field_forms)
{
	struct strbuf ar = STRBUF_INIT;
	unsigned char b[512];
	cleanup_free char *got = NULL;

	mkhdr(b, "f", '0', 0, NULL);
	memcpy(b + 100, "  644 \0\0", 8);    /* leading spaces, space terminator */
	memcpy(b + 124, "000000000003", 12); /* 12 digits, no terminator (star) */
	memset(b + 108, 0, 8);               /* all NUL: 0 */
	fix_sum(b);
	add_block(&ar, b);
	add_data(&ar, "abc", 3);
	add_end(&ar);
	got = list(&ar, 0);
	CHECK_STR(got, "f|0|3|644|0|1000|1600000000.0|\n");
	sb_release(&ar);

	mkhdr(b, "bad", '0', 0, NULL);
	memcpy(b + 100, "0006x4\0", 8);
	fix_sum(b);
	add_block(&ar, b);
	add_end(&ar);
	free(got);
	got = list(&ar, 0);
	CHECK_STR(got, "ERR:bad: bad octal number in the mode field");
	sb_release(&ar);
}

TEST(checksums_signed_and_unsigned)
{
	struct strbuf ar = STRBUF_INIT;
	unsigned char b[512];
	cleanup_free char *got = NULL;
	int ssum = 0;

	/* an old tar summed signed chars: a high byte makes the two sums differ */
	mkhdr(b, "caf\xe9", '0', 0, NULL);
	memset(b + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		ssum += (signed char)b[i];
	snprintf((char *)b + 148, 8, "%06o", ssum);
	add_block(&ar, b);
	add_end(&ar);
	got = list(&ar, 0);
	CHECK_STR(got, "caf\xe9|0|0|644|1000|1000|1600000000.0|\n");
	sb_release(&ar);

	mkhdr(b, "x", '0', 0, NULL);
	b[0] = 'y'; /* after the sum */
	add_block(&ar, b);
	add_end(&ar);
	free(got);
	got = list(&ar, 0);
	CHECK_STR(got, "ERR:entry 'y' at byte 0: bad header checksum");
	sb_release(&ar);
}

TEST(pax_records)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *got = NULL;
	struct mem m;
	struct tar_reader *r;
	struct tar_entry *e;
	struct error *err = NULL;

	struct strbuf p1 = STRBUF_INIT, p2 = STRBUF_INIT;

	REC(&p1, "path", "from/pax/record");
	REC(&p1, "size", "00000003");
	REC(&p1, "uid", "4242");
	REC(&p1, "mtime", "1234567890.5");
	REC(&p1, "uname", "\xc3\xa9l\xc3\xa8ve");
	REC(&p1, "SCHILY.xattr.user.bin", "a\0b");
	REC(&p1, "comment", "ignored");
	add_pax_sb(&ar, 'x', &p1);
	add_entry(&ar, "header-name", '0', "xyz", NULL);
	REC(&p2, "mtime", "-1.25");
	REC(&p2, "path", "");
	add_pax_sb(&ar, 'x', &p2);
	sb_release(&p1);
	sb_release(&p2);
	add_entry(&ar, "header-name-2", '0', NULL, NULL);
	add_end(&ar);
	got = list(&ar, 5);
	CHECK_STR(got, "from/pax/record|0|3|644|4242|1000|1234567890.500000000|\n"
	               "header-name-2|0|0|644|1000|1000|-2.750000000|\n");
	m = (struct mem){ar.buf, ar.len, 0, 0};
	r = tar_reader_new(mem_read, &m);
	CHECK_INT(tar_next(r, &e, &err), 1);
	CHECK_STR(e->uname, "\xc3\xa9l\xc3\xa8ve");
	CHECK_INT(e->nxattrs, 1);
	CHECK_STR(e->xattrs[0].name, "user.bin");
	CHECK_INT(e->xattrs[0].len, 3);
	CHECK(!memcmp(e->xattrs[0].value, "a\0b", 3));
	tar_reader_free(r);
	sb_release(&ar);
}

static char *one_pax_error(const char *records, size_t len)
{
	struct strbuf ar = STRBUF_INIT;
	unsigned char b[512];
	char *got;

	mkhdr(b, "PaxHeaders.0/e", 'x', len, NULL);
	add_block(&ar, b);
	add_data(&ar, records, len);
	add_entry(&ar, "victim", '0', NULL, NULL);
	add_end(&ar);
	got = list(&ar, 0);
	sb_release(&ar);
	return got;
}

#define PAX_ERROR(rec, want)                                                                       \
	do {                                                                                       \
		char *g_ = one_pax_error(rec, sizeof(rec) - 1);                                    \
		CHECK_CONTAINS(g_, "ERR:victim: ");                                                \
		CHECK_CONTAINS(g_, want);                                                          \
		free(g_);                                                                          \
	} while (0)

TEST(pax_errors_name_the_entry)
{
	PAX_ERROR("11 size=-1\n", "non-numeric pax size");
	PAX_ERROR("11 uid=12a\n", "non-numeric pax uid/gid");
	PAX_ERROR("15 mtime=1.2.3\n", "non-numeric pax mtime");
	PAX_ERROR("16 path=abc\n", "pax record length does not match");
	PAX_ERROR("11 path=ab\0", "no newline");
	PAX_ERROR("x path=abc\n", "pax record length is not a number");
	PAX_ERROR("12 path=a\0b\n", "pax path contains a NUL byte");
	PAX_ERROR("11 noequal\n", "no key=value");
	PAX_ERROR("22 GNU.sparse.major=1\n", "sparse file");
}

TEST(pax_global_headers)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *got = NULL;

	add_pax(&ar, 'g',
	        "16 mtime=1000.5\n"
	        "10 uid=77\n"
	        "17 path=everyone\n"
	        "10 size=9\n");
	add_entry(&ar, "a", '0', NULL, NULL);
	add_pax(&ar, 'x', "12 mtime=42\n");
	add_entry(&ar, "b", '0', "1", NULL);
	add_pax(&ar, 'g', "9 mtime=\n");
	add_entry(&ar, "c", '0', NULL, NULL);
	add_end(&ar);
	got = list(&ar, 0);
	/* mtime and uid apply to every later entry, an empty mtime deletes it; path and size are
	 * ignored (see tar.h) */
	CHECK_STR(got, "a|0|0|644|77|1000|1000.500000000|\n"
	               "b|0|1|644|77|1000|42.0|\n"
	               "c|0|0|644|77|1000|1600000000.0|\n");
	sb_release(&ar);
}

TEST(end_of_archive_forms)
{
	struct strbuf ar = STRBUF_INIT;
	static const unsigned char zero[512];
	cleanup_free char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL;

	add_entry(&ar, "f", '0', "data", NULL);
	a = list(&ar, 0); /* no end blocks at all */
	CHECK_STR(a, "f|0|4|644|1000|1000|1600000000.0|\n");
	sb_add(&ar, zero, 512); /* one zero block, then end of input */
	b = list(&ar, 0);
	CHECK_STR(b, a);
	add_entry(&ar, "hidden", '0', NULL, NULL); /* zero block, then more */
	c = list(&ar, 0);
	CHECK_CONTAINS(c, "ERR:lone zero block at byte 1024 followed by more data");
	ar.len = 514; /* inside the data */
	d = list(&ar, 0);
	CHECK_CONTAINS(d, "ERR:f: archive ends inside its data (2 bytes short)");
	free(d);
	ar.len = 700; /* inside the padding */
	d = list(&ar, 0);
	CHECK_CONTAINS(d, "ERR:f: archive ends inside the padding after its data");
	ar.len = 300; /* inside the header */
	e = list(&ar, 0);
	CHECK_STR(e, "ERR:archive ends inside a header at byte 0");
	ar.len = 0;
	add_pax(&ar, 'x', "12 uid=1234\n");
	f = list(&ar, 0);
	CHECK_STR(f, "ERR:archive ends after a pax header, before its entry");
	sb_release(&ar);
}

TEST(rejected_entries)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
	unsigned char h[512];

	add_entry(&ar, "sparse", 'S', NULL, NULL);
	a = list(&ar, 0);
	CHECK_STR(a, "ERR:sparse: sparse file (GNU type 'S'): sparse files are not supported");
	ar.len = 0;
	add_entry(&ar, "vol", 'M', NULL, NULL);
	b = list(&ar, 0);
	CHECK_STR(b, "ERR:vol: unsupported entry type 'M'");
	ar.len = 0;
	add_pax(&ar, 'x', "12 uid=1234\n");
	add_pax(&ar, 'x', "12 uid=1234\n");
	add_entry(&ar, "twice", '0', NULL, NULL);
	c = list(&ar, 0);
	CHECK_CONTAINS(c, "ERR:twice: two pax headers in a row for one entry");
	ar.len = 0;
	mkhdr(h, "PaxHeaders.0/big", 'x', 2 << 20, NULL);
	add_block(&ar, h);
	d = list(&ar, 0);
	CHECK_CONTAINS(d, "pax header too large (2097152 bytes, limit 1048576)");
	ar.len = 0;
	add_entry(&ar, "", '0', NULL, NULL);
	e = list(&ar, 0);
	CHECK_STR(e, "ERR:entry at byte 0 has an empty name");
	sb_release(&ar);
}

TEST(header_only_types_have_no_data)
{
	struct strbuf ar = STRBUF_INIT;
	unsigned char b[512];
	cleanup_free char *got = NULL;

	mkhdr(b, "dir/", '5', 5, NULL); /* a size, but no data follows (as Go and Python read it) */
	add_block(&ar, b);
	mkhdr(b, "v7dir/", '\0', 0, NULL);
	add_block(&ar, b);
	add_entry(&ar, "file", '0', "12345", NULL);
	add_end(&ar);
	got = list(&ar, 0);
	CHECK_STR(got, "dir/|5|5|755|1000|1000|1600000000.0|\n"
	               "v7dir/|5|0|644|1000|1000|1600000000.0|\n"
	               "file|0|5|644|1000|1000|1600000000.0|\n");
	sb_release(&ar);
}

TEST(clean_path)
{
	cleanup_free char *a = tar_clean_path("/abs//x/./y/"), *b = tar_clean_path("./"),
	                  *c = tar_clean_path("a/../b"), *d = tar_clean_path("...");

	CHECK_STR(a, "abs/x/y");
	CHECK_STR(b, "");
	CHECK(c == NULL);
	CHECK_STR(d, "...");
}

/* ---- extraction ---- */

struct xres {
	int rc;
	char *msg;
	char *warnings;
};

static void collect_warning(void *ctx, const char *msg)
{
	struct strbuf *sb = ctx;

	sb_adds(sb, msg);
	sb_addc(sb, '\n');
}

static struct xres extract_into(const struct strbuf *ar, const char *root, enum tar_whiteouts wh)
{
	struct strbuf warns = STRBUF_INIT;
	struct tar_extract_opts o = {
	    .whiteouts = wh, .same_owner = -1, .warn = collect_warning, .ctx = &warns};
	struct mem m = {ar->buf, ar->len, 0, 0};
	struct tar_reader *r = tar_reader_new(mem_read, &m);
	struct error *err = NULL;
	struct xres res;
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	CHECK(rootfd >= 0);
	res.rc = tar_extract(r, rootfd, &o, &err);
	res.msg = err ? xstrdup(err->msg) : NULL;
	res.warnings = sb_steal(&warns);
	err_free(&err);
	tar_reader_free(r);
	close(rootfd);
	return res;
}

static void xres_free(struct xres *x)
{
	free(x->msg);
	free(x->warnings);
}

static char *tpath(const char *rel)
{
	return xasprintf("%s/%s", unit_tmpdir(), rel);
}

static char *make_root(void)
{
	char *root = tpath("root");

	CHECK_INT(mkdir(root, 0755), 0);
	return root;
}

/* Everything under the scratch directory but root/: must be exactly `want` (sorted names). */
static void check_outside(const char *want)
{
	DIR *d = opendir(unit_tmpdir());
	struct dirent *de;
	struct strbuf sb = STRBUF_INIT;
	char *names[64];
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && n < 64)
			names[n++] = xstrdup(de->d_name);
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	for (int i = 0; i < n; i++) {
		sb_adds(&sb, names[i]);
		sb_addc(&sb, ' ');
		free(names[i]);
	}
	CHECK_STR(sb.buf ? sb.buf : "", want);
	sb_release(&sb);
}

static bool exists(const char *rel)
{
	cleanup_free char *p = tpath(rel);
	struct stat st;

	return lstat(p, &st) == 0;
}

static char *slurp(const char *rel)
{
	cleanup_free char *p = tpath(rel);

	return read_file_at(AT_FDCWD, p, 1 << 20, NULL);
}

/* Each hostile case runs with openat2 (where the kernel has it) and with the walk. */
#define BOTH_RESOLVERS(name)                                                                       \
	static void name##_body(void);                                                             \
	TEST(name##_openat2)                                                                       \
	{                                                                                          \
		if (!path_have_openat2())                                                          \
			unit_skip("no openat2 here (old kernel or qemu-user)");                    \
		name##_body();                                                                     \
	}                                                                                          \
	TEST(name##_walk)                                                                          \
	{                                                                                          \
		path_force_walk(true);                                                             \
		name##_body();                                                                     \
	}                                                                                          \
	static void name##_body(void)

BOTH_RESOLVERS(hostile_dotdot_is_refused)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root();
	struct xres x;

	add_entry(&ar, "ok", '0', "fine", NULL);
	add_entry(&ar, "../../etc/x", '0', "evil", NULL);
	add_end(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK(x.rc < 0);
	CHECK_STR(x.msg, "../../etc/x: name contains '..' (would leave the root)");
	check_outside("root ");
	CHECK(exists("root/ok"));
	xres_free(&x);
	sb_release(&ar);
}

BOTH_RESOLVERS(hostile_absolute_names_stay_inside)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root(), *s = NULL;
	struct xres x;

	add_entry(&ar, "/abs/file", '0', "inside", NULL);
	add_end(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK_INT(x.rc, 0);
	s = slurp("root/abs/file");
	CHECK_STR(s, "inside");
	check_outside("root ");
	xres_free(&x);
	sb_release(&ar);
}

BOTH_RESOLVERS(hostile_symlink_to_slash_then_write_through)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root(), *s = NULL, *outside = tpath("outside");
	cleanup_free char *through = NULL;
	struct xres x;

	CHECK_INT(mkdir(outside, 0755), 0);
	add_entry(&ar, "link", '2', NULL, "/");
	add_entry(&ar, "link/etc/passwd", '0', "root::0:0::/:/bin/sh\n", NULL);
	/* and a symlink to an absolute path outside, written through */
	add_entry(&ar, "out", '2', NULL, outside);
	through = xasprintf("out/planted");
	add_entry(&ar, through, '0', "gotcha", NULL);
	add_end(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK_INT(x.rc, 0);
	s = slurp("root/etc/passwd");
	CHECK_STR(s, "root::0:0::/:/bin/sh\n");
	CHECK(!exists("outside/planted"));
	{
		cleanup_free char *confined = xasprintf("root%s/planted", outside);
		CHECK(exists(confined));
	}
	check_outside("outside root ");
	xres_free(&x);
	sb_release(&ar);
}

BOTH_RESOLVERS(hostile_symlink_dotdot_chain)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root(), *s = NULL;
	struct xres x;

	add_entry(&ar, "a", '2', NULL, "..");
	add_entry(&ar, "a/a/x", '0', "x", NULL);
	add_entry(&ar, "b", '2', NULL, "../../../../..");
	add_entry(&ar, "b/y", '0', "y", NULL);
	add_end(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK_INT(x.rc, 0);
	s = slurp("root/x");
	CHECK_STR(s, "x");
	CHECK(exists("root/y"));
	check_outside("root ");
	xres_free(&x);
	sb_release(&ar);
}

BOTH_RESOLVERS(hostile_hardlinks)
{
	struct strbuf ar = STRBUF_INIT, ar2 = STRBUF_INIT, ar3 = STRBUF_INIT;
	cleanup_free char *root = make_root(), *outside = tpath("outside");
	struct xres x, y, z;
	struct stat a, b;

	CHECK_INT(write_file_atomic(AT_FDCWD, outside, "secret", 6, 0600, NULL), 0);
	add_entry(&ar, "h", '1', NULL, "../outside");
	add_end(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK(x.rc < 0);
	CHECK_STR(x.msg, "h: hard link target '../outside' is outside the root");
	/* an absolute target is read under the root: there it does not exist (yet) */
	add_entry(&ar2, "h2", '1', NULL, outside);
	add_end(&ar2);
	y = extract_into(&ar2, root, TAR_WHITEOUT_NONE);
	CHECK(y.rc < 0);
	CHECK_CONTAINS(y.msg, "is not extracted yet");
	/* through a symlink to / : still under the root */
	add_entry(&ar3, "f", '0', "mine", NULL);
	add_entry(&ar3, "up", '2', NULL, "/");
	add_entry(&ar3, "h3", '1', NULL, "up/f");
	add_end(&ar3);
	z = extract_into(&ar3, root, TAR_WHITEOUT_NONE);
	CHECK_INT(z.rc, 0);
	{
		cleanup_free char *p1 = tpath("root/f"), *p2 = tpath("root/h3");
		CHECK_INT(stat(p1, &a), 0);
		CHECK_INT(stat(p2, &b), 0);
		CHECK(a.st_ino == b.st_ino);
	}
	check_outside("outside root ");
	CHECK_INT(lstat(outside, &a), 0);
	CHECK_INT(a.st_nlink, 1);
	xres_free(&x);
	xres_free(&y);
	xres_free(&z);
	sb_release(&ar);
	sb_release(&ar2);
	sb_release(&ar3);
}

BOTH_RESOLVERS(hostile_dir_then_symlink_then_file)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root(), *outside = tpath("outside"), *s = NULL;
	struct xres x;
	struct stat st;

	CHECK_INT(mkdir(outside, 0755), 0);
	add_entry(&ar, "d/", '5', NULL, NULL);
	add_entry(&ar, "d/keep", '0', "k", NULL);
	add_entry(&ar, "d", '2', NULL, outside); /* replaces the directory */
	add_entry(&ar, "d/x", '0', "through", NULL);
	add_end(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK_INT(x.rc, 0);
	CHECK_INT(lstat(root, &st), 0);
	{
		cleanup_free char *d = tpath("root/d");
		CHECK_INT(lstat(d, &st), 0);
		CHECK(S_ISLNK(st.st_mode));
	}
	CHECK(!exists("outside/x"));
	{
		cleanup_free char *confined = xasprintf("root%s/x", outside);
		s = slurp(confined);
		CHECK_STR(s, "through");
	}
	check_outside("outside root ");
	xres_free(&x);
	sb_release(&ar);
}

BOTH_RESOLVERS(deep_directories_256)
{
	struct strbuf ar = STRBUF_INIT, path = STRBUF_INIT;
	cleanup_free char *root = make_root(), *s = NULL;
	struct tar_writer *w = tar_writer_new(mem_write, &ar, NULL);
	struct error *err = NULL;
	struct xres x;

	for (int i = 0; i < 256; i++) {
		struct tar_entry e = {.type = TAR_DIR, .mode = 0755, .linkname = "", .mtime = 5};
		sb_adds(&path, i ? "/d" : "d");
		e.path = path.buf;
		CHECK_INT(tar_write_header(w, &e, &err), 0);
	}
	sb_adds(&path, "/bottom");
	{
		struct tar_entry e = {
		    .type = TAR_REG, .mode = 0644, .linkname = "", .size = 2, .path = path.buf};
		CHECK_INT(tar_write_header(w, &e, &err), 0);
		CHECK_INT(tar_write_data(w, "ok", 2, &err), 0);
	}
	CHECK_INT(tar_write_finish(w, &err), 0);
	tar_writer_free(w);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK_INT(x.rc, 0);
	{
		cleanup_free char *rel = xasprintf("root/%s", path.buf);
		struct stat st;
		s = slurp(rel);
		CHECK_STR(s, "ok");
		/* directory mtimes are set after their contents */
		rel[strlen(rel) - strlen("/bottom")] = 0;
		cleanup_free char *abs = tpath(rel);
		CHECK_INT(stat(abs, &st), 0);
		CHECK_INT(st.st_mtime, 5);
	}
	xres_free(&x);
	sb_release(&ar);
	sb_release(&path);
}

TEST(device_nodes_need_privilege)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root();
	unsigned char b[512];
	struct xres x;
	struct stat st;

	mkhdr(b, "null", '3', 0, NULL);
	put_oct(b + 329, 8, 1);
	put_oct(b + 337, 8, 3);
	fix_sum(b);
	add_block(&ar, b);
	add_entry(&ar, "fifo", '6', NULL, NULL);
	add_end(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK_INT(x.rc, 0);
	{
		cleanup_free char *p = tpath("root/fifo");
		CHECK_INT(lstat(p, &st), 0);
		CHECK(S_ISFIFO(st.st_mode));
	}
	{
		cleanup_free char *p = tpath("root/null");
		int rc = lstat(p, &st);
		if (rc == 0) { /* privileged: a real device */
			CHECK(S_ISCHR(st.st_mode));
			CHECK_INT(major(st.st_rdev), 1);
			CHECK_INT(minor(st.st_rdev), 3);
			CHECK_STR(x.warnings, "");
		} else {
			CHECK_STR(x.warnings, "null: device node skipped (needs CAP_MKNOD)\n");
		}
	}
	xres_free(&x);
	sb_release(&ar);
}

static void extract_as_nobody(void *arg)
{
	struct strbuf *ar = arg;
	cleanup_free char *root = tpath("root");
	struct xres x;

	if (setgid(65534) < 0 || setuid(65534) < 0)
		_exit(3);
	x = extract_into(ar, root, TAR_WHITEOUT_NONE);
	fprintf(stderr, "rc=%d warnings=%s", x.rc, x.warnings);
	xres_free(&x);
}

TEST(device_nodes_skipped_without_privilege)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root();
	char *out = NULL;

	SKIP_UNLESS_ROOT(); /* to drop to nobody; as non-root the test above covers it */
	CHECK_INT(chmod(unit_tmpdir(), 0755), 0);
	CHECK_INT(chmod(root, 0777), 0);
	add_entry(&ar, "blk", '4', NULL, NULL);
	add_entry(&ar, "file", '0', "x", NULL);
	add_end(&ar);
	CHECK_INT(unit_run_child(extract_as_nobody, &ar, &out), 0);
	CHECK_STR(out, "rc=0 warnings=blk: device node skipped (needs CAP_MKNOD)\n");
	CHECK(!exists("root/blk"));
	CHECK(exists("root/file"));
	free(out);
	sb_release(&ar);
}

TEST(replacing_existing_entries)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root(), *p = NULL;
	struct xres x;
	struct stat st;

	p = tpath("root/was-dir");
	CHECK_INT(mkdir(p, 0755), 0);
	free(p);
	p = tpath("root/was-dir/deep");
	CHECK_INT(mkdir(p, 0755), 0);
	free(p);
	p = tpath("root/was-file");
	CHECK_INT(write_file_atomic(AT_FDCWD, p, "old", 3, 0644, NULL), 0);
	free(p);
	p = tpath("root/linked");
	CHECK_INT(write_file_atomic(AT_FDCWD, p, "shared", 6, 0644, NULL), 0);
	{
		cleanup_free char *q = tpath("root/other-name");
		CHECK_INT(link(p, q), 0);
	}
	add_entry(&ar, "was-dir", '0', "now a file", NULL);
	add_entry(&ar, "was-file/", '5', NULL, NULL);
	add_entry(&ar, "linked", '0', "new", NULL);
	add_end(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK_INT(x.rc, 0);
	{
		cleanup_free char *a = tpath("root/was-dir"), *b = tpath("root/was-file");
		CHECK_INT(lstat(a, &st), 0);
		CHECK(S_ISREG(st.st_mode));
		CHECK_INT(lstat(b, &st), 0);
		CHECK(S_ISDIR(st.st_mode));
	}
	/* unlinked, not truncated: the other name keeps the old content */
	{
		cleanup_free char *s1 = slurp("root/linked"), *s2 = slurp("root/other-name");
		CHECK_STR(s1, "new");
		CHECK_STR(s2, "shared");
	}
	xres_free(&x);
	sb_release(&ar);
}

TEST(metadata_modes_times_owners)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root();
	unsigned char b[512];
	struct xres x;
	struct stat st;

	add_pax(&ar, 'x', "30 mtime=1500000000.123456789\n");
	mkhdr(b, "suid", '0', 0, NULL);
	put_oct(b + 100, 8, 04755);
	fix_sum(b);
	add_block(&ar, b);
	mkhdr(b, "ro-dir/", '5', 0, NULL);
	put_oct(b + 100, 8, 0555);
	put_oct(b + 136, 12, 12345);
	fix_sum(b);
	add_block(&ar, b);
	add_entry(&ar, "ro-dir/inside", '0', "x", NULL);
	mkhdr(b, "sym", '2', 0, "target");
	put_oct(b + 136, 12, 777);
	fix_sum(b);
	add_block(&ar, b);
	add_end(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK_INT(x.rc, 0);
	{
		cleanup_free char *p = tpath("root/suid");
		CHECK_INT(lstat(p, &st), 0);
		CHECK_INT(st.st_mode & 07777, 04755);
		CHECK_INT(st.st_mtim.tv_sec, 1500000000);
		CHECK_INT(st.st_mtim.tv_nsec, 123456789);
		if (geteuid() == 0) {
			CHECK_INT(st.st_uid, 1000);
			CHECK_INT(st.st_gid, 1000);
		}
	}
	{
		cleanup_free char *p = tpath("root/ro-dir");
		CHECK_INT(lstat(p, &st), 0);
		CHECK_INT(st.st_mode & 07777, 0555);
		CHECK_INT(st.st_mtime, 12345);
	}
	{
		cleanup_free char *p = tpath("root/sym");
		CHECK_INT(lstat(p, &st), 0);
		CHECK(S_ISLNK(st.st_mode));
		CHECK_INT(st.st_mtime, 777);
	}
	{
		cleanup_free char *p = tpath("root/ro-dir");
		chmod(p, 0755); /* so the scratch directory can be removed */
	}
	xres_free(&x);
	sb_release(&ar);
}

TEST(xattrs_extracted)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root(), *p = tpath("root/f");
	struct xres x;
	char v[16];
	ssize_t n;

	struct strbuf recs = STRBUF_INIT;

	REC(&recs, "SCHILY.xattr.user.key", "v\0l");
	add_pax_sb(&ar, 'x', &recs);
	sb_release(&recs);
	add_entry(&ar, "f", '0', "data", NULL);
	add_end(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK_INT(x.rc, 0);
	n = getxattr(p, "user.key", v, sizeof(v));
	if (n < 0) {
		CHECK_CONTAINS(x.warnings, "f: xattr user.key not set");
	} else {
		CHECK_INT(n, 3);
		CHECK(!memcmp(v, "v\0l", 3));
	}
	xres_free(&x);
	sb_release(&ar);
}

/* ---- whiteouts ---- */

static void mkfile(const char *rel, const char *content)
{
	cleanup_free char *p = tpath(rel);

	CHECK_INT(write_file_atomic(AT_FDCWD, p, content, strlen(content), 0644, NULL), 0);
}

static void mkdir_rel(const char *rel)
{
	cleanup_free char *p = tpath(rel);

	CHECK_INT(mkdir(p, 0755), 0);
}

static void whiteout_layer(struct strbuf *ar)
{
	add_entry(ar, "a/.wh.x", '0', NULL, NULL);        /* hides lower a/x */
	add_entry(ar, "c/new", '0', "new", NULL);         /* before the opaque marker */
	add_entry(ar, "c/.wh..wh..opq", '0', NULL, NULL); /* hides lower c/ * */
	add_entry(ar, "c/sub/fresh", '0', "fresh", NULL); /* c/sub: implied by this layer */
	add_entry(ar, "mine", '0', "m", NULL);
	add_entry(ar, ".wh.mine", '0', NULL, NULL);     /* same layer: not hidden */
	add_entry(ar, ".wh.gone-dir", '0', NULL, NULL); /* a whole lower directory */
	add_entry(ar, ".wh..wh.plnk", '5', NULL, NULL); /* aufs bookkeeping: skipped */
	add_entry(ar, "nolower/.wh.nothing", '0', NULL, NULL);
	add_end(ar);
}

TEST(whiteouts_copy_mode)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root();
	struct xres x;

	mkdir_rel("root/a");
	mkfile("root/a/x", "lower");
	mkfile("root/a/y", "lower");
	mkdir_rel("root/c");
	mkfile("root/c/z", "lower");
	mkdir_rel("root/c/sub");
	mkfile("root/c/sub/old", "lower");
	mkdir_rel("root/gone-dir");
	mkfile("root/gone-dir/f", "lower");
	whiteout_layer(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_COPY);
	CHECK_INT(x.rc, 0);
	CHECK(!exists("root/a/x"));
	CHECK(exists("root/a/y"));
	CHECK(!exists("root/c/z"));
	CHECK(exists("root/c/new"));
	CHECK(exists("root/c/sub/fresh"));
	CHECK(!exists("root/c/sub/old"));
	CHECK(exists("root/mine"));
	CHECK(!exists("root/gone-dir"));
	CHECK(!exists("root/.wh..wh.plnk"));
	CHECK(!exists("root/a/.wh.x"));
	CHECK(!exists("root/nolower"));
	xres_free(&x);
	sb_release(&ar);
}

TEST(whiteouts_overlay_mode)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root(), *c = tpath("root/c");
	struct xres x;
	struct stat st;
	char v[4];

	SKIP_UNLESS_ROOT(); /* 0/0 character devices and trusted.* xattrs need it */
	whiteout_layer(&ar);
	x = extract_into(&ar, root, TAR_WHITEOUT_OVERLAY);
	if (x.rc < 0 && x.msg && strstr(x.msg, "trusted.overlay.opaque"))
		unit_skip("this filesystem has no trusted.* xattrs: %s", x.msg);
	CHECK_INT(x.rc, 0);
	{
		cleanup_free char *p = tpath("root/a/x");
		CHECK_INT(lstat(p, &st), 0);
		CHECK(S_ISCHR(st.st_mode));
		CHECK_INT(st.st_rdev, makedev(0, 0));
	}
	CHECK_INT(getxattr(c, "trusted.overlay.opaque", v, sizeof(v)), 1);
	CHECK(v[0] == 'y');
	CHECK(exists("root/c/new"));
	CHECK(exists("root/mine"));
	{
		cleanup_free char *p = tpath("root/mine");
		CHECK_INT(lstat(p, &st), 0);
		CHECK(S_ISREG(st.st_mode));
		free(p);
		p = tpath("root/gone-dir");
		CHECK_INT(lstat(p, &st), 0);
		CHECK(S_ISCHR(st.st_mode));
	}
	CHECK(!exists("root/.wh..wh.plnk"));
	xres_free(&x);
	sb_release(&ar);
}

/* ---- the writer ---- */

static void make_tree(void)
{
	mkdir_rel("tree");
	mkdir_rel("tree/sub");
	mkdir_rel("tree/sub/empty");
	mkfile("tree/a-b", "dash");
	mkfile("tree/sub/file", "content");
	mkfile("tree/Zed", "upper");
	mkfile("tree/\xc3\xa9t\xc3\xa9", "unicode");
	{
		cleanup_free char *t = tpath("tree/sub/link"), *f = tpath("tree/sub/file");
		cleanup_free char *h = tpath("tree/hard"), *p = tpath("tree/fifo");
		CHECK_INT(symlink("file", t), 0);
		CHECK_INT(link(f, h), 0);
		CHECK_INT(mkfifo(p, 0640), 0);
	}
}

static void write_tree(struct strbuf *ar, const struct tar_write_opts *o)
{
	struct tar_writer *w = tar_writer_new(mem_write, ar, o);
	struct error *err = NULL;
	int dfd = open(unit_tmpdir(), O_RDONLY | O_DIRECTORY);

	CHECK_INT(tar_write_tree(w, dfd, "tree", 0, &err), 0);
	CHECK_INT(tar_write_finish(w, &err), 0);
	if (err)
		unit_fail(__FILE__, __LINE__, "%s", err->msg);
	tar_writer_free(w);
	close(dfd);
}

TEST(writer_is_deterministic_and_sorted)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct tar_write_opts o = {
	    .uid = 0, .gid = 0, .uname = "", .gname = "", .set_mtime = true, .mtime = 1000000000};
	cleanup_free char *got = NULL;

	make_tree();
	write_tree(&a, &o);
	{
		/* touch everything: with --mtime the bytes must not change */
		cleanup_free char *p = tpath("tree/sub/file");
		struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
		utimensat(AT_FDCWD, p, ts, 0);
	}
	write_tree(&b, &o);
	CHECK_INT(a.len, b.len);
	CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len));
	got = list(&a, 0);
	/* bytewise order of full names ("a-b" before "hard"... "Zed" first of the uppers) */
	CHECK_STR(got, "tree/|5|0|755|0|0|1000000000.0|\n"
	               "tree/Zed|0|5|644|0|0|1000000000.0|\n"
	               "tree/a-b|0|4|644|0|0|1000000000.0|\n"
	               "tree/fifo|6|0|640|0|0|1000000000.0|\n"
	               "tree/hard|0|7|644|0|0|1000000000.0|\n"
	               "tree/sub/|5|0|755|0|0|1000000000.0|\n"
	               "tree/sub/empty/|5|0|755|0|0|1000000000.0|\n"
	               "tree/sub/file|1|0|644|0|0|1000000000.0|tree/hard\n"
	               "tree/sub/link|2|0|777|0|0|1000000000.0|file\n"
	               "tree/\xc3\xa9t\xc3\xa9|0|7|644|0|0|1000000000.0|\n");
	sb_release(&a);
	sb_release(&b);
}

TEST(writer_clamps_mtime_and_large_values_use_pax)
{
	struct strbuf ar = STRBUF_INIT;
	struct tar_write_opts o = {
	    .uid = -1, .gid = -1, .set_mtime = true, .clamp_mtime = true, .mtime = 500};
	struct tar_writer *w = tar_writer_new(mem_write, &ar, &o);
	struct tar_entry old = {.path = "old",
	                        .linkname = "",
	                        .type = TAR_DIR,
	                        .mtime = 100,
	                        .uid = 3000000,
	                        .gid = 7,
	                        .uname = "a-very-long-user-name-over-31-b"};
	struct tar_entry new = {
	    .path = "new", .linkname = "", .type = TAR_DIR, .mtime = 900, .uname = "", .gname = ""};
	struct tar_entry neg = {.path = "neg", .linkname = "", .type = TAR_DIR, .mtime = -5};
	struct error *err = NULL;
	cleanup_free char *got = NULL;

	CHECK_INT(tar_write_header(w, &old, &err), 0);
	CHECK_INT(tar_write_header(w, &new, &err), 0);
	o.set_mtime = false;
	tar_writer_free(w);
	w = tar_writer_new(mem_write, &ar, &o);
	CHECK_INT(tar_write_header(w, &neg, &err), 0);
	CHECK_INT(tar_write_finish(w, &err), 0);
	tar_writer_free(w);
	got = list(&ar, 0);
	CHECK_STR(got, "old/|5|0|0|3000000|7|100.0|\n"
	               "new/|5|0|0|0|0|500.0|\n"
	               "neg/|5|0|0|0|0|-5.0|\n");
	sb_release(&ar);
}

TEST(writer_files_over_8gib_use_pax)
{
	struct strbuf ar = STRBUF_INIT;
	struct tar_writer *w = tar_writer_new(mem_write, &ar, NULL);
	struct tar_entry e = {.path = "huge", .linkname = "", .type = TAR_REG,
			      .size = 8589934592LL + 1};
	struct error *err = NULL;
	struct tar_entry *got;
	struct tar_reader *r;
	struct mem m;

	CHECK_INT(tar_write_header(w, &e, &err), 0);
	tar_writer_free(w); /* no data: only the headers matter here */
	CHECK(has_pax(&ar));
	CHECK(strstr(ar.buf + 512, "size=8589934593\n") != NULL);
	m = (struct mem){ar.buf, ar.len, 0, 0};
	r = tar_reader_new(mem_read, &m);
	CHECK_INT(tar_next(r, &got, &err), 1);
	CHECK_INT(got->size, 8589934593LL);
	tar_reader_free(r);
	sb_release(&ar);
}

TEST(writer_size_is_checked)
{
	struct strbuf ar = STRBUF_INIT;
	struct tar_writer *w = tar_writer_new(mem_write, &ar, NULL);
	struct tar_entry e = {.path = "f", .linkname = "", .type = TAR_REG, .size = 4};
	struct error *err = NULL;

	CHECK_INT(tar_write_header(w, &e, &err), 0);
	CHECK_INT(tar_write_data(w, "ab", 2, &err), 0);
	CHECK(tar_write_finish(w, &err) < 0);
	CHECK_STR(err->msg, "f: 2 bytes of data missing");
	err_free(&err);
	tar_writer_free(w);
	sb_release(&ar);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Everything under a directory, as "name mode mtime [content|target]" lines. */
static void describe(int dfd, const char *rel, size_t skip, struct strbuf *out)
{
	int fd = openat(dfd, rel, O_RDONLY | O_DIRECTORY);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = NULL;
	struct dirent *de;
	size_t n = 0;

	CHECK(d != NULL);
	while (d && (de = readdir(d)))
		if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, "..")) {
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *p = xasprintf("%s/%s", rel, names[i]);
		struct stat st;
		free(names[i]);
		CHECK_INT(fstatat(dfd, p, &st, AT_SYMLINK_NOFOLLOW), 0);
		sb_printf(out, "%s %o %lld", p + skip, st.st_mode,
		          S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_mtime);
		if (S_ISREG(st.st_mode)) {
			cleanup_free char *c = read_file_at(dfd, p, 4096, NULL);
			sb_printf(out, " [%s] links=%d", c, (int)st.st_nlink);
		} else if (S_ISLNK(st.st_mode)) {
			char t[256];
			ssize_t l = readlinkat(dfd, p, t, sizeof(t) - 1);
			t[l > 0 ? l : 0] = 0;
			sb_printf(out, " -> %s", t);
		}
		sb_addc(out, '\n');
		if (S_ISDIR(st.st_mode))
			describe(dfd, p, skip, out);
	}
	free(names);
}

TEST(round_trip_tree)
{
	struct strbuf ar = STRBUF_INIT, before = STRBUF_INIT, after = STRBUF_INIT;
	cleanup_free char *root = make_root();
	int dfd = open(unit_tmpdir(), O_RDONLY | O_DIRECTORY);
	struct xres x;

	make_tree();
	write_tree(&ar, NULL);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	CHECK_INT(x.rc, 0);
	describe(dfd, "tree", strlen("tree/"), &before);
	describe(dfd, "root/tree", strlen("root/tree/"), &after);
	CHECK_STR(after.buf, before.buf);
	close(dfd);
	xres_free(&x);
	sb_release(&ar);
	sb_release(&before);
	sb_release(&after);
}

static double now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 100,000 entries in 100 directories: a big layer's worth of small files. */
TEST(hundred_thousand_entries)
{
	struct strbuf ar = STRBUF_INIT;
	cleanup_free char *root = make_root(), *listing = NULL;
	struct tar_writer *w = tar_writer_new(mem_write, &ar, NULL);
	struct error *err = NULL;
	struct xres x;
	double t0, t1, t2, w0, w1;
	char name[64];

	for (int d = 0; d < 100; d++) {
		struct tar_entry e = {.path = name, .linkname = "", .type = TAR_DIR, .mode = 0755};
		snprintf(name, sizeof(name), "dir%03d", d);
		CHECK_INT(tar_write_header(w, &e, &err), 0);
		for (int f = 0; f < 1000; f++) {
			struct tar_entry fe = {
			    .path = name, .linkname = "", .type = TAR_REG, .mode = 0644, .size = 1};
			snprintf(name, sizeof(name), "dir%03d/file%04d", d, f);
			CHECK_INT(tar_write_header(w, &fe, &err), 0);
			CHECK_INT(tar_write_data(w, "x", 1, &err), 0);
			if (err)
				return;
		}
	}
	CHECK_INT(tar_write_finish(w, &err), 0);
	tar_writer_free(w);
	t0 = now(CLOCK_PROCESS_CPUTIME_ID);
	listing = list(&ar, 0);
	t1 = now(CLOCK_PROCESS_CPUTIME_ID);
	w0 = now(CLOCK_MONOTONIC);
	x = extract_into(&ar, root, TAR_WHITEOUT_NONE);
	w1 = now(CLOCK_MONOTONIC);
	t2 = now(CLOCK_PROCESS_CPUTIME_ID);
	CHECK_INT(x.rc, 0);
	{
		size_t lines = 0;
		for (const char *p = listing; p && *p; p++)
			lines += *p == '\n';
		CHECK_INT(lines, 100 * 1001);
	}
	CHECK(exists("root/dir000/file0000"));
	CHECK(exists("root/dir050/file0500"));
	CHECK(exists("root/dir099/file0999"));
	/* For information only: timings belong in scripts/bench-*, not in assertions. */
	printf("    100,000 entries: list %.2f s cpu, extract %.2f s cpu, %.2f s wall (%s)\n",
	       t1 - t0, t2 - t1, w1 - w0, path_have_openat2() ? "openat2" : "walk");
	xres_free(&x);
	sb_release(&ar);
}
