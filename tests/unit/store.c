/* libbb store: layers built here (tar writer + deflate, deterministic) ingested from memory and
 * through a pipe, digest and stream errors, hostile archives, concurrency between processes,
 * kill -9 at byte offsets and between steps, references, images, gc, check and df. */
#include "unit.h"
#include "gzip.h"
#include "json.h"
#include "store.h"
#include "tar.h"
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>

#define GZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define TAR "application/vnd.oci.image.layer.v1.tar"
#define DOCKER_GZ "application/vnd.docker.image.rootfs.diff.tar.gzip"

/* ---- building layers ---- */

struct layer {
	struct strbuf tar, gz;
	char digest[80], diff_id[80]; /* of gz and of tar */
	struct tar_writer *w;
};

static int sb_write(void *ctx, const void *buf, size_t len, struct error **err)
{
	(void)err;
	sb_add(ctx, buf, len);
	return 0;
}

static void digest_of(const void *p, size_t n, char out[80])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];

	sha256_digest(p, n, d);
	sha256_hex(d, hex);
	snprintf(out, 80, "sha256:%s", hex);
}

static void layer_begin(struct layer *l)
{
	memset(l, 0, sizeof(*l));
	l->w = tar_writer_new(sb_write, &l->tar, NULL);
}

static void add_data(struct layer *l, const char *path, int type, mode_t mode, const void *data,
                     size_t len, const char *link)
{
	struct tar_entry e = {.path = (char *)path,
	                      .linkname = (char *)(link ? link : ""),
	                      .type = type,
	                      .mode = mode,
	                      .size = type == TAR_REG ? (long long)len : 0,
	                      .mtime = 1700000000};
	struct error *err = NULL;

	if (type == TAR_CHR)
		e.devmajor = 1, e.devminor = 3;
	CHECK_INT(tar_write_header(l->w, &e, &err), 0);
	if (type == TAR_REG && len)
		CHECK_INT(tar_write_data(l->w, data, len, &err), 0);
	err_free(&err);
}

static void add(struct layer *l, const char *path, int type, mode_t mode, const char *data,
                const char *link)
{
	add_data(l, path, type, mode, data, data ? strlen(data) : 0, link);
}

static void layer_end(struct layer *l, int level)
{
	struct error *err = NULL;

	CHECK_INT(tar_write_finish(l->w, &err), 0);
	tar_writer_free(l->w);
	l->w = NULL;
	CHECK_INT(deflate_mem(l->tar.buf, l->tar.len, level, 0, &l->gz, &err), 0);
	digest_of(l->gz.buf, l->gz.len, l->digest);
	digest_of(l->tar.buf, l->tar.len, l->diff_id);
	err_free(&err);
}

static void layer_free(struct layer *l)
{
	sb_release(&l->tar);
	sb_release(&l->gz);
}

/* A small layer with one of everything. */
static void sample_layer(struct layer *l, const char *tag)
{
	layer_begin(l);
	add(l, "etc/", TAR_DIR, 0755, NULL, NULL);
	add(l, "etc/hello", TAR_REG, 0640, tag, NULL);
	add(l, "bin/", TAR_DIR, 0700, NULL, NULL);
	add(l, "bin/tool", TAR_REG, 04755, "#!/bin/sh\n", NULL);
	add(l, "bin/sh", TAR_SYMLINK, 0777, NULL, "/bin/tool");
	add(l, "bin/hard", TAR_HARDLINK, 0755, NULL, "bin/tool");
	add(l, "fifo", TAR_FIFO, 0600, NULL, NULL);
	add(l, ".wh.gone", TAR_REG, 0644, NULL, NULL);
	add(l, "opq/", TAR_DIR, 0755, NULL, NULL);
	add(l, "opq/.wh..wh..opq", TAR_REG, 0644, NULL, NULL);
	add(l, "opq/kept", TAR_REG, 0644, "kept", NULL);
	layer_end(l, 6);
}

/* ---- readers ---- */

struct mem {
	const char *buf;
	size_t len, pos, chunk;
	unsigned calls;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len, struct error **err)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	(void)err;
	m->calls++;
	if (n > len)
		n = len;
	if (m->chunk && n > m->chunk)
		n = m->chunk;
	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	return n;
}

static ssize_t fd_read(void *ctx, void *buf, size_t len, struct error **err)
{
	ssize_t n = read_all(*(int *)ctx, buf, len > 65536 ? 65536 : len);

	return n < 0 ? err_errno(err, "read") : n;
}

/* ---- the store under test ---- */

static char *root_path(void)
{
	return xasprintf("%s/store", unit_tmpdir());
}

static struct store *open_store(unsigned mode)
{
	cleanup_free char *root = root_path();
	struct error *err = NULL;
	struct store *s = NULL;

	if (store_open(root, mode, &s, &err) < 0) {
		unit_fail(__FILE__, __LINE__, "store_open: %s", err->msg);
		exit(1);
	}
	return s;
}

static struct store_ingest_opts quiet_opts = {.flags = STORE_NO_SYNC};

/* Ingests l (gz, or tar when media is TAR) with chunked reads; returns rc, error text in *msg. */
static int ingest(struct store *s, const struct layer *l, const char *digest, const char *diff_id,
                  const char *media, size_t chunk, char **msg)
{
	bool plain = STREQ(media, TAR);
	struct mem m = {plain ? l->tar.buf : l->gz.buf, plain ? l->tar.len : l->gz.len, 0, chunk,
	                0};
	struct error *err = NULL;
	int rc = store_layer_ingest(s, mem_read, &m, digest ? digest : l->digest, m.len,
	                            diff_id ? diff_id : l->diff_id, media, &quiet_opts, NULL, &err);

	if (msg)
		*msg = err ? xstrdup(err->msg) : NULL;
	err_free(&err);
	return rc;
}

/* Entries of a directory, sorted, "name,name,...". */
static char *ls(const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	sb_adds(&sb, "");
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' || strstr(names[i]->d_name, ".tmp")) {
			if (sb.len)
				sb_addc(&sb, ',');
			sb_adds(&sb, names[i]->d_name);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return sb_steal(&sb);
}

static char *layers_ls(void)
{
	cleanup_free char *dir = xasprintf("%s/store/layers", unit_tmpdir());
	return ls(dir);
}

static void collect(void *ctx, const char *line)
{
	sb_printf(ctx, "%s\n", line);
}

/* store_check() in its own exclusive handle; returns problems, the lines in *out. */
static int check(bool repair, char **out)
{
	struct store *s = open_store(STORE_EXCLUSIVE);
	struct strbuf sb = STRBUF_INIT;
	struct error *err = NULL;
	int n = store_check(s, repair, collect, &sb, &err);

	if (n < 0)
		unit_fail(__FILE__, __LINE__, "store_check: %s", err->msg);
	err_free(&err);
	store_close(s);
	sb_adds(&sb, "");
	if (out)
		*out = sb_steal(&sb);
	else
		sb_release(&sb);
	return n;
}

static char *layer_file(const struct layer *l, const char *rel)
{
	return xasprintf("%s/store/layers/%s/%s", unit_tmpdir(), l->diff_id + 7, rel);
}

/* ---- ingest ---- */

TEST(ingest_layer_tree)
{
	struct store *s;
	struct layer l;
	char *msg = NULL, buf[64] = "";
	cleanup_free char *hello = NULL, *tool = NULL, *hard = NULL, *sh = NULL, *gone = NULL,
	                  *opq = NULL, *fifo = NULL, *meta = NULL, *link = NULL, *lp = NULL;
	struct stat st, st2;
	struct json *j;
	size_t len;

	SKIP_UNLESS_ROOT(); /* overlay whiteouts are 0/0 devices and trusted.* xattrs */
	s = open_store(STORE_WRITE);
	sample_layer(&l, "hello\n");
	CHECK_INT(ingest(s, &l, NULL, NULL, GZ, 0, &msg), 0);
	CHECK(msg == NULL);
	CHECK(store_layer_exists(s, l.diff_id));
	hello = layer_file(&l, "diff/etc/hello");
	CHECK(stat(hello, &st) == 0 && (st.st_mode & 07777) == 0640 && st.st_size == 6);
	CHECK(st.st_mtime == 1700000000);
	tool = layer_file(&l, "diff/bin/tool");
	hard = layer_file(&l, "diff/bin/hard");
	CHECK(stat(tool, &st) == 0 && (st.st_mode & 07777) == 04755);
	CHECK(stat(hard, &st2) == 0 && st.st_ino == st2.st_ino);
	sh = layer_file(&l, "diff/bin/sh");
	CHECK(readlink(sh, buf, sizeof(buf) - 1) == 9);
	CHECK_STR(buf, "/bin/tool");
	fifo = layer_file(&l, "diff/fifo");
	CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
	gone = layer_file(&l, "diff/gone");
	CHECK(lstat(gone, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	opq = layer_file(&l, "diff/opq");
	memset(buf, 0, sizeof(buf));
	CHECK(getxattr(opq, "trusted.overlay.opaque", buf, sizeof(buf)) == 1 && buf[0] == 'y');
	meta = layer_file(&l, "layer.json");
	{
		cleanup_free char *text = read_file_at(AT_FDCWD, meta, 4096, &len);
		j = text ? json_parse(text, len, NULL, NULL) : NULL;
	}
	CHECK_STR(json_get_str(j, "diff_id"), l.diff_id);
	CHECK_STR(json_string(json_at(json_get(j, "digests"), 0), NULL), l.digest);
	{
		uint64_t v = 0;
		CHECK(json_get_u64(j, "tar_size", &v) && v == l.tar.len);
		CHECK(json_get_u64(j, "compressed_size", &v) && v == l.gz.len);
		CHECK(json_get_u64(j, "size", &v) && v == 6 + 10 + 4);
	}
	/* the short link leads to the tree, and is short */
	link = store_layer_link(s, l.diff_id);
	CHECK(strlen(link) == 26);
	lp = xasprintf("%s/store/layers/%s/etc/hello", unit_tmpdir(), link);
	CHECK(stat(lp, &st) == 0 && st.st_size == 6);
	store_close(s);
	s = NULL;
	CHECK_INT(check(false, NULL), 0);
	layer_free(&l);
	store_close(s);
}

TEST(ingest_one_byte_at_a_time)
{
	struct store *s;
	struct layer l;
	cleanup_free char *f = NULL;
	char *msg = NULL;
	struct stat st;

	SKIP_UNLESS_ROOT();
	s = open_store(STORE_WRITE);
	sample_layer(&l, "one byte\n");
	CHECK_INT(ingest(s, &l, NULL, NULL, DOCKER_GZ, 1, &msg), 0);
	if (msg)
		printf("    %s\n", msg);
	f = layer_file(&l, "diff/etc/hello");
	CHECK(stat(f, &st) == 0 && st.st_size == 9);
	layer_free(&l);
	/* uncompressed: digest == diff_id, one byte at a time as well */
	sample_layer(&l, "plain tar\n");
	CHECK_INT(ingest(s, &l, l.diff_id, NULL, TAR, 1, &msg), 0);
	CHECK(store_layer_exists(s, l.diff_id));
	layer_free(&l);
	store_close(s);
	s = NULL;
	CHECK_INT(check(false, NULL), 0);
	store_close(s);
}

TEST(ingest_twice_is_a_no_op)
{
	struct store *s;
	struct layer l;
	struct mem m;
	struct error *err = NULL;

	SKIP_UNLESS_ROOT();
	s = open_store(STORE_WRITE);
	sample_layer(&l, "twice\n");
	CHECK_INT(ingest(s, &l, NULL, NULL, GZ, 0, NULL), 0);
	m = (struct mem){l.gz.buf, l.gz.len, 0, 0, 0};
	CHECK_INT(store_layer_ingest(s, mem_read, &m, l.digest, l.gz.len, l.diff_id, GZ, NULL, NULL,
	                             &err),
	          1);
	CHECK_INT(m.calls, 0); /* never read: a present layer is never fetched again */
	layer_free(&l);
	store_close(s);
}

/* A failed ingest leaves only the link directory behind. */
static void check_failed(const char *msg, const char *name, const char *what, int line)
{
	cleanup_free char *left = layers_ls();

	if (!msg || !strstr(msg, name) || !strstr(msg, what))
		unit_fail(__FILE__, line, "error '%s' should name %s and say '%s'",
		          msg ? msg : "(none)", name, what);
	if (!STREQ(left, "l"))
		unit_fail(__FILE__, line, "layers/ holds '%s' after a failed ingest", left);
}

TEST(digest_mismatches_name_the_layer)
{
	struct store *s;
	struct layer l;
	char *msg = NULL, wrong[80];

	SKIP_UNLESS_ROOT();
	s = open_store(STORE_WRITE);
	sample_layer(&l, "mismatch\n");
	digest_of("x", 1, wrong);
	CHECK(ingest(s, &l, wrong, NULL, GZ, 0, &msg) < 0);
	check_failed(msg, wrong, "compressed digest mismatch", __LINE__);
	free(msg);
	CHECK(ingest(s, &l, NULL, wrong, GZ, 7, &msg) < 0);
	check_failed(msg, l.digest, "uncompressed digest mismatch", __LINE__);
	CHECK_CONTAINS(msg, wrong);
	free(msg);
	CHECK(!store_layer_exists(s, l.diff_id) && !store_layer_exists(s, wrong));
	store_close(s);
	s = NULL;
	CHECK_INT(check(false, NULL), 0);
	layer_free(&l);
	store_close(s);
}

TEST(broken_streams)
{
	struct store *s;
	struct layer l;
	struct strbuf bad = STRBUF_INIT;
	struct error *err = NULL;
	char *msg = NULL, d[80];
	struct mem m;

	SKIP_UNLESS_ROOT();
	s = open_store(STORE_WRITE);
	sample_layer(&l, "broken\n");

	/* truncated gzip, with the manifest's size and digest of what was sent */
	sb_add(&bad, l.gz.buf, l.gz.len - 20);
	digest_of(bad.buf, bad.len, d);
	m = (struct mem){bad.buf, bad.len, 0, 0, 0};
	CHECK(store_layer_ingest(s, mem_read, &m, d, bad.len, l.diff_id, GZ, &quiet_opts, NULL,
	                         &err) < 0);
	check_failed(err ? err->msg : NULL, d, "invalid compressed data", __LINE__);
	err_free(&err);

	/* the manifest's size, data cut short: truncation is named */
	m = (struct mem){bad.buf, bad.len, 0, 0, 0};
	CHECK(store_layer_ingest(s, mem_read, &m, l.digest, l.gz.len, l.diff_id, GZ, &quiet_opts,
	                         NULL, &err) < 0);
	check_failed(err ? err->msg : NULL, l.digest, "", __LINE__);
	err_free(&err);

	/* trailing garbage after the gzip stream */
	sb_release(&bad);
	sb_add(&bad, l.gz.buf, l.gz.len);
	sb_adds(&bad, "garbage!");
	digest_of(bad.buf, bad.len, d);
	m = (struct mem){bad.buf, bad.len, 0, 0, 0};
	CHECK(store_layer_ingest(s, mem_read, &m, d, bad.len, l.diff_id, GZ, &quiet_opts, NULL,
	                         &err) < 0);
	check_failed(err ? err->msg : NULL, d, "trailing garbage", __LINE__);
	err_free(&err);

	/* more bytes than the manifest says */
	m = (struct mem){l.gz.buf, l.gz.len, 0, 0, 0};
	CHECK(store_layer_ingest(s, mem_read, &m, l.digest, l.gz.len - 1, l.diff_id, GZ,
	                         &quiet_opts, NULL, &err) < 0);
	check_failed(err ? err->msg : NULL, l.digest, "more than the", __LINE__);
	err_free(&err);

	/* a tar that ends early, inside an entry and between entries (no end blocks): the first
	 * is the tar reader's error, the second only the diff_id can tell */
	sb_release(&bad);
	sb_add(&bad, l.tar.buf, 512 * 3 + 100);
	digest_of(bad.buf, bad.len, d);
	CHECK(ingest(s, &(struct layer){.tar = bad}, d, l.diff_id, TAR, 0, &msg) < 0);
	check_failed(msg, d, "", __LINE__);
	free(msg);
	bad.len = 512 * 3; /* etc/, etc/hello header + one data block */
	digest_of(bad.buf, bad.len, d);
	CHECK(ingest(s, &(struct layer){.tar = bad}, d, l.diff_id, TAR, 0, &msg) < 0);
	check_failed(msg, d, "uncompressed digest mismatch", __LINE__);
	free(msg);

	/* zstd: known and refused by name */
	CHECK(ingest(s, &l, NULL, NULL, "application/vnd.oci.image.layer.v1.tar+zstd", 0, &msg) <
	      0);
	check_failed(msg, l.digest, "zstd", __LINE__);
	free(msg);
	CHECK(ingest(s, &l, NULL, NULL, "application/json", 0, &msg) < 0);
	check_failed(msg, l.digest, "not a layer media type", __LINE__);
	free(msg);
	CHECK(ingest(s, &l, "sha512:abcd", NULL, GZ, 0, &msg) < 0);
	CHECK_CONTAINS(msg, "sha512 digests are not supported");
	free(msg);

	sb_release(&bad);
	layer_free(&l);
	store_close(s);
	s = NULL;
	CHECK_INT(check(false, NULL), 0);
	store_close(s);
}

TEST(hostile_layers_are_confined)
{
	struct store *s;
	struct layer l;
	char *msg = NULL;
	cleanup_free char *outside = xasprintf("%s/store/x", unit_tmpdir());
	cleanup_free char *abs = NULL, *esc = NULL, *up = NULL, *dev = NULL;
	struct stat st;

	SKIP_UNLESS_ROOT();
	s = open_store(STORE_WRITE);

	/* "../x": refused, and nothing is left */
	layer_begin(&l);
	add(&l, "a", TAR_REG, 0644, "a", NULL);
	add(&l, "../x", TAR_REG, 0644, "escaped", NULL);
	layer_end(&l, 1);
	CHECK(ingest(s, &l, NULL, NULL, GZ, 0, &msg) < 0);
	check_failed(msg, l.digest, "..", __LINE__);
	free(msg);
	CHECK(access(outside, F_OK) < 0);
	layer_free(&l);

	/* absolute names and symlinks out of the root land inside it */
	layer_begin(&l);
	add(&l, "/abs/file", TAR_REG, 0644, "abs", NULL);
	add(&l, "root", TAR_SYMLINK, 0777, NULL, "/");
	add(&l, "root/x", TAR_REG, 0644, "through root", NULL);
	add(&l, "upup", TAR_SYMLINK, 0777, NULL, "../../../../..");
	add(&l, "upup/up", TAR_REG, 0644, "through ..", NULL);
	add(&l, "dev/", TAR_DIR, 0755, NULL, NULL);
	add(&l, "dev/null", TAR_CHR, 0666, NULL, NULL);
	layer_end(&l, 1);
	CHECK_INT(ingest(s, &l, NULL, NULL, GZ, 0, &msg), 0);
	if (msg)
		printf("    %s\n", msg);
	abs = layer_file(&l, "diff/abs/file");
	esc = layer_file(&l, "diff/x");
	up = layer_file(&l, "diff/up");
	dev = layer_file(&l, "diff/dev/null");
	CHECK(stat(abs, &st) == 0 && st.st_size == 3);
	CHECK(stat(esc, &st) == 0 && st.st_size == 12);
	CHECK(stat(up, &st) == 0 && st.st_size == 10);
	CHECK(access(outside, F_OK) < 0);
	CHECK(lstat(dev, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	layer_free(&l);
	store_close(s);
	s = NULL;
	CHECK_INT(check(false, NULL), 0);
	store_close(s);
}

/* ---- processes ---- */

static void big_layer(struct layer *l, size_t mb, uint32_t seed)
{
	size_t n = mb << 20;
	char *data = xmalloc(n);
	char name[32];

	layer_begin(l);
	/* half random, half text, in 1 MiB files and one big one */
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525 + 1013904223;
		data[i] =
		    i < n / 2 ? (char)(seed >> 24) : "layer image overlay\n"[(seed >> 24) % 20];
	}
	add(l, "data/", TAR_DIR, 0755, NULL, NULL);
	for (size_t i = 0; i < mb / 2; i++) {
		snprintf(name, sizeof(name), "data/f%03zu", i);
		add_data(l, name, TAR_REG, 0644, data + (i << 20), 1 << 20, NULL);
	}
	add_data(l, "data/big", TAR_REG, 0644, data + n / 2, n - n / 2, NULL);
	layer_end(l, 1);
	free(data);
}

struct child_arg {
	const struct layer *l;
	int fd; /* -1: from memory */
	const char *fault;
	size_t writeback;   /* 0: the default */
	const char *cgroup; /* join this cgroup first */
};

static void ingest_child(void *p)
{
	struct child_arg *a = p;
	struct store_ingest_opts o = {.writeback_bytes = a->writeback};
	struct mem m = {a->l->gz.buf, a->l->gz.len, 0, 0, 0};
	struct error *err = NULL;
	struct store *s;
	int rc;

	if (a->cgroup) {
		cleanup_free char *procs = xasprintf("%s/cgroup.procs", a->cgroup);
		cleanup_free char *pid = xasprintf("%d", (int)getpid());
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, pid, strlen(pid)) < 0) {
			fprintf(stderr, "join %s: %s\n", a->cgroup, strerror(errno));
			_exit(1);
		}
		close(fd);
	}
	s = open_store(STORE_WRITE);
	if (a->fault)
		setenv("OCIBOX_STORE_FAULT", a->fault, 1);
	rc = a->fd >= 0 ? store_layer_ingest(s, fd_read, &a->fd, a->l->digest, a->l->gz.len,
	                                     a->l->diff_id, GZ, &o, NULL, &err)
	                : store_layer_ingest(s, mem_read, &m, a->l->digest, a->l->gz.len,
	                                     a->l->diff_id, GZ, &o, NULL, &err);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err->msg);
		_exit(1);
	}
	_exit(rc == 1 ? 3 : 0);
}

TEST(two_processes_ingest_one_layer)
{
	struct child_arg a = {.fd = -1};
	struct layer l;
	pid_t pid[2];
	int status[2], results = 0;

	SKIP_UNLESS_ROOT();
	big_layer(&l, 8, 1);
	a.l = &l;
	fflush(NULL);
	for (int i = 0; i < 2; i++)
		if ((pid[i] = fork()) == 0)
			ingest_child(&a);
	for (int i = 0; i < 2; i++) {
		waitpid(pid[i], &status[i], 0);
		CHECK(WIFEXITED(status[i]));
		results |= 1 << WEXITSTATUS(status[i]);
	}
	/* one ingested (0), the other waited and found it done (3), or came after (3) */
	CHECK_INT(results, 1 << 0 | 1 << 3);
	{
		cleanup_free char *left = layers_ls();
		struct store *s = open_store(STORE_READ);
		CHECK(store_layer_exists(s, l.diff_id));
		CHECK_STR(left, xasprintf("%s,l", l.diff_id + 7));
		store_close(s);
	}
	CHECK_INT(check(false, NULL), 0);
	layer_free(&l);
}

/* Until the child has read everything written to the pipe (or died). */
static void wait_drained(int rfd, pid_t pid)
{
	int queued;

	for (;;) {
		if (ioctl(rfd, FIONREAD, &queued) < 0 || queued == 0)
			return;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(1000);
	}
}

/* A fresh ingest after a crash works (or finds the layer whole, when the crash came after the
 * rename), and check is clean after it. */
static void fresh_ingest_after_crash(const struct layer *l, bool published)
{
	struct child_arg a = {.l = l, .fd = -1};
	char *out = NULL;

	CHECK_INT(unit_run_child(ingest_child, &a, &out), published ? 3 : 0);
	if (out && *out)
		printf("    %s", out);
	free(out);
	CHECK_INT(check(false, &out), 0);
	free(out);
}

TEST(kill_9_at_byte_offsets)
{
	static const double at[] = {0, 0.0001, 0.01, 0.3, 0.7, 0.999, 1.0};
	struct layer l;

	SKIP_UNLESS_ROOT();
	big_layer(&l, 24, 2);
	for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
		size_t n = (size_t)(at[i] * l.gz.len);
		struct child_arg a = {.l = &l};
		cleanup_free char *left = NULL, *report = NULL, *final = layer_file(&l, "");
		int p[2], status, problems;
		pid_t pid;

		CHECK(pipe(p) == 0);
		fcntl(p[1], F_SETPIPE_SZ, 4096);
		a.fd = p[0];
		fflush(NULL);
		if ((pid = fork()) == 0) {
			close(p[1]);
			ingest_child(&a);
		}
		CHECK(write_all(p[1], l.gz.buf, n) == (ssize_t)n);
		wait_drained(p[0], pid);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(p[0]);
		close(p[1]);
		/* a whole stream may have finished first; anything less must have died */
		if (n < l.gz.len)
			CHECK(WIFSIGNALED(status));
		if (WIFSIGNALED(status)) {
			/* never a half layer under its final name */
			CHECK(access(final, F_OK) < 0);
			problems = check(false, &report);
			if (n > 0)
				CHECK(problems >= 1);
			CHECK_INT(check(true, NULL), problems);
			CHECK_INT(check(false, NULL), 0);
			left = layers_ls();
			CHECK_STR(left, "l");
		}
		fresh_ingest_after_crash(&l, !WIFSIGNALED(status));
		{
			struct store *s = open_store(STORE_EXCLUSIVE);
			struct error *err = NULL;
			CHECK_INT(store_gc(s, NULL, NULL, &err), 0); /* unreferenced: goes */
			CHECK(!store_layer_exists(s, l.diff_id));
			store_close(s);
		}
		printf("    killed after %zu of %zu bytes: %s\n", n, l.gz.len,
		       report && *report ? strtok(report, "\n") : "nothing left over");
	}
	layer_free(&l);
}

TEST(kill_9_between_steps)
{
	static const char *const points[] = {"tmpdir",   "extracted", "synced", "meta",
	                                     "complete", "linked",    "renamed"};
	struct layer l;

	SKIP_UNLESS_ROOT();
	sample_layer(&l, "steps\n");
	for (size_t i = 0; i < ARRAY_SIZE(points); i++) {
		struct child_arg a = {.l = &l, .fd = -1, .fault = points[i]};
		cleanup_free char *final = layer_file(&l, "complete");
		char *report = NULL;
		int problems;
		struct stat st;

		CHECK_INT(unit_run_child(ingest_child, &a, NULL), 128 + SIGKILL);
		problems = check(false, &report);
		if (STREQ(points[i], "renamed")) {
			CHECK(stat(final, &st) == 0); /* published whole */
			CHECK_INT(problems, 0);
		} else {
			cleanup_free char *dir = layer_file(&l, "");
			CHECK(access(dir, F_OK) < 0);
			CHECK(problems >= 1);
			/* the next writer finding the store idle sweeps */
			store_close(open_store(STORE_WRITE));
			CHECK_INT(check(false, NULL), 0);
		}
		for (char *nl = strchr(report, '\n'); nl && nl[1]; nl = strchr(nl + 1, '\n'))
			*nl = ';';
		printf("    killed at %s: %d problem(s)%s%s", points[i], problems,
		       *report ? ": " : "\n", report);
		free(report);
		fresh_ingest_after_crash(&l, STREQ(points[i], "renamed"));
		CHECK(stat(final, &st) == 0);
		{
			struct store *s = open_store(STORE_EXCLUSIVE);
			CHECK_INT(store_gc(s, NULL, NULL, NULL), 0);
			store_close(s);
		}
	}
	layer_free(&l);
}

/* ---- references and images ---- */

struct image {
	char config[80], manifest[80];
	struct strbuf cfg, man;
};

/* Puts config and manifest blobs for layers (already ingested or not). */
static void make_image(struct store *s, struct image *img, const char *created,
                       struct layer *layers, size_t n)
{
	struct json_writer w;
	struct error *err = NULL;

	memset(img, 0, sizeof(*img));
	jw_init(&w, &img->cfg, 0);
	jw_object_begin(&w);
	jw_key(&w, "created");
	jw_string(&w, created);
	jw_key(&w, "architecture");
	jw_string(&w, "amd64");
	jw_key(&w, "os");
	jw_string(&w, "linux");
	jw_key(&w, "rootfs");
	jw_object_begin(&w);
	jw_key(&w, "type");
	jw_string(&w, "layers");
	jw_key(&w, "diff_ids");
	jw_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		jw_string(&w, layers[i].diff_id);
	jw_array_end(&w);
	jw_object_end(&w);
	jw_object_end(&w);
	digest_of(img->cfg.buf, img->cfg.len, img->config);
	jw_init(&w, &img->man, 0);
	jw_object_begin(&w);
	jw_key(&w, "schemaVersion");
	jw_int(&w, 2);
	jw_key(&w, "mediaType");
	jw_string(&w, "application/vnd.oci.image.manifest.v1+json");
	jw_key(&w, "config");
	jw_object_begin(&w);
	jw_key(&w, "digest");
	jw_string(&w, img->config);
	jw_key(&w, "size");
	jw_uint(&w, img->cfg.len);
	jw_object_end(&w);
	jw_key(&w, "layers");
	jw_array_begin(&w);
	for (size_t i = 0; i < n; i++) {
		jw_object_begin(&w);
		jw_key(&w, "mediaType");
		jw_string(&w, GZ);
		jw_key(&w, "digest");
		jw_string(&w, layers[i].digest);
		jw_key(&w, "size");
		jw_uint(&w, layers[i].gz.len);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	digest_of(img->man.buf, img->man.len, img->manifest);
	CHECK_INT(store_blob_put(s, img->config, img->cfg.buf, img->cfg.len, &err), 0);
	CHECK_INT(store_blob_put(s, img->manifest, img->man.buf, img->man.len, &err), 0);
	err_free(&err);
}

TEST(refs_tag_untag_atomic)
{
	struct store *s;
	struct layer l;
	struct image a, b;
	struct store_refs refs;
	struct error *err = NULL;
	char missing[80];
	cleanup_free char *top = NULL, *json = NULL;

	SKIP_UNLESS_ROOT();
	s = open_store(STORE_WRITE);
	sample_layer(&l, "refs\n");
	CHECK_INT(ingest(s, &l, NULL, NULL, GZ, 0, NULL), 0);
	make_image(s, &a, "2024-01-01T00:00:00Z", &l, 1);
	make_image(s, &b, "2024-02-01T00:00:00Z", &l, 1);
	CHECK_INT(store_refs_load(s, &refs, &err), 0);
	CHECK_INT(refs.n, 0);
	CHECK_INT(store_tag(s, "docker.io/library/busybox:latest", a.manifest, NULL, &err), 0);
	CHECK_INT(store_tag(s, "docker.io/library/alpine:3", b.manifest, NULL, &err), 0);
	CHECK_INT(store_tag(s, "docker.io/library/busybox:latest", b.manifest, NULL, &err), 0);
	digest_of("nope", 4, missing);
	CHECK(store_tag(s, "x:y", missing, NULL, &err) == -ENOENT);
	CHECK(store_tag(s, "bad name", a.manifest, NULL, &err) < 0);
	CHECK_INT(store_refs_load(s, &refs, &err), 0);
	CHECK_INT(refs.n, 2);
	CHECK_STR(refs.v[0].name, "docker.io/library/alpine:3");
	CHECK_STR(store_refs_find(&refs, "docker.io/library/busybox:latest")->manifest, b.manifest);
	store_refs_free(&refs);
	CHECK_INT(store_untag(s, "docker.io/library/alpine:3", &err), 0);
	CHECK(store_untag(s, "docker.io/library/alpine:3", &err) == -ENOENT);
	CHECK_CONTAINS(err->msg, "alpine:3");
	err_free(&err);
	/* rewritten by rename: no temp file next to it, and it parses */
	top = xasprintf("%s/store", unit_tmpdir());
	json = ls(top);
	CHECK_STR(json, "blobs,images.json,layers,lock,locks");
	{
		size_t len;
		cleanup_free char *p = xasprintf("%s/images.json", top);
		cleanup_free char *buf = read_file_at(AT_FDCWD, p, 1 << 20, &len);
		struct json *j = json_parse(buf, len, NULL, NULL);
		CHECK(j && json_len(json_get(j, "refs")) == 1);
		json_free(j);
	}
	layer_free(&l);
	store_close(s);
}

static void tag_many(void *p)
{
	const char *manifest = p;
	struct store *s = open_store(STORE_WRITE);
	struct error *err = NULL;
	char name[64];

	for (int i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "local/p%d:t%d", (int)getpid(), i);
		if (store_tag(s, name, manifest, NULL, &err) < 0) {
			fprintf(stderr, "%s\n", err->msg);
			_exit(1);
		}
	}
	_exit(0);
}

TEST(concurrent_tags_lose_nothing)
{
	struct store *s = open_store(STORE_WRITE);
	struct store_refs refs;
	struct layer l;
	struct image a;
	pid_t pid[3];
	int status;

	layer_begin(&l);
	layer_end(&l, 1);
	make_image(s, &a, "2024-01-01T00:00:00Z", &l, 1);
	fflush(NULL);
	for (int i = 0; i < 3; i++)
		if ((pid[i] = fork()) == 0)
			tag_many(a.manifest);
	for (int i = 0; i < 3; i++) {
		waitpid(pid[i], &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK_INT(store_refs_load(s, &refs, NULL), 0);
	CHECK_INT(refs.n, 75);
	store_refs_free(&refs);
	layer_free(&l);
	store_close(s);
}

TEST(images_load_and_resolve)
{
	struct store *s;
	struct layer l[2];
	struct image a, b;
	struct store_image img;
	struct error *err = NULL;
	char *man = NULL, prefix[16];
	int tries = 0;

	SKIP_UNLESS_ROOT();
	s = open_store(STORE_WRITE);
	sample_layer(&l[0], "base\n");
	sample_layer(&l[1], "top layer\n");
	CHECK_INT(ingest(s, &l[0], NULL, NULL, GZ, 0, NULL), 0);
	CHECK_INT(ingest(s, &l[1], NULL, NULL, GZ, 0, NULL), 0);
	make_image(s, &a, "2024-01-01T00:00:00Z", l, 2);
	/* b: a config whose digest shares a's first hex digit, for the ambiguous prefix */
	do {
		char created[40];
		snprintf(created, sizeof(created), "2024-03-01T00:00:%02dZ", tries++);
		make_image(s, &b, created, l, 1);
	} while (b.config[7] != a.config[7] && tries < 60);
	CHECK_INT(store_tag(s, "example.com/a:1", a.manifest, NULL, &err), 0);
	CHECK_INT(store_tag(s, "example.com/b:1", b.manifest, NULL, &err), 0);
	CHECK_INT(store_image_load(s, a.manifest, &img, &err), 0);
	CHECK_STR(img.config, a.config);
	CHECK_STR(img.created, "2024-01-01T00:00:00Z");
	CHECK_INT(img.nlayers, 2);
	CHECK_STR(img.layers[1].diff_id, l[1].diff_id);
	CHECK_STR(img.layers[1].digest, l[1].digest);
	CHECK(img.complete);
	CHECK_INT(img.size, 2 * (10 + 4) + 5 + 10);
	store_image_free(&img);

	CHECK_INT(store_image_resolve(s, "example.com/a:1", &man, &err), 0);
	CHECK_STR(man, a.manifest);
	free(man);
	snprintf(prefix, sizeof(prefix), "%.12s", a.config + 7); /* Docker's IMAGE ID */
	CHECK_INT(store_image_resolve(s, prefix, &man, &err), 0);
	CHECK_STR(man, a.manifest);
	free(man);
	CHECK_INT(store_image_resolve(s, b.manifest, &man, &err), 0);
	CHECK_STR(man, b.manifest);
	free(man);
	snprintf(prefix, sizeof(prefix), "%.1s", a.config + 7);
	if (b.config[7] == a.config[7]) {
		CHECK(store_image_resolve(s, prefix, &man, &err) == -EINVAL);
		CHECK_CONTAINS(err->msg, "more than one image");
	}
	CHECK(store_image_resolve(s, "nothing:here", &man, &err) == -ENOENT);
	err_free(&err);
	layer_free(&l[0]);
	layer_free(&l[1]);
	store_close(s);
}

/* ---- gc, check, df ---- */

static int keep_blob(void *ctx, struct store_marks *m, struct error **err)
{
	(void)err;
	store_mark(m, ctx);
	return 0;
}

TEST(gc_keeps_what_is_reachable)
{
	struct store *s;
	struct layer l[4];
	struct image a, b;
	struct error *err = NULL;
	struct store_usage u;
	char extra[80];
	cleanup_free char *cdir = xasprintf("%s/store/containers/c1", unit_tmpdir());
	cleanup_free char *cfile = xasprintf("%s/layers", cdir);

	SKIP_UNLESS_ROOT();
	s = open_store(STORE_WRITE);
	for (int i = 0; i < 4; i++) {
		char tag[32];
		snprintf(tag, sizeof(tag), "layer %d\n", i);
		sample_layer(&l[i], tag);
		CHECK_INT(ingest(s, &l[i], NULL, NULL, GZ, 0, NULL), 0);
	}
	make_image(s, &a, "2024-01-01T00:00:00Z", l, 2);     /* l0 l1 */
	make_image(s, &b, "2024-01-02T00:00:00Z", l + 1, 2); /* l1 l2 */
	CHECK_INT(store_tag(s, "a:1", a.manifest, NULL, &err), 0);
	CHECK_INT(store_tag(s, "b:1", b.manifest, NULL, &err), 0);
	digest_of("extra", 5, extra);
	CHECK_INT(store_blob_put(s, extra, "extra", 5, &err), 0);
	/* a container holds l3, which no image uses */
	CHECK(mkdir(xasprintf("%s/store/containers", unit_tmpdir()), 0700) == 0);
	CHECK(mkdir(cdir, 0700) == 0);
	CHECK_INT(
	    write_file_atomic(AT_FDCWD, cfile, l[3].diff_id, strlen(l[3].diff_id), 0644, &err), 0);
	CHECK_INT(store_df(s, &u, &err), 0);
	CHECK_INT(u.refs, 2);
	CHECK_INT(u.images, 2);
	CHECK_INT(u.layers, 4);
	CHECK_INT(u.blobs, 5);
	CHECK_INT(u.unused_layers, 0);
	CHECK_INT(u.unused_blobs, 1);
	CHECK_INT(u.reclaimable, 5);
	CHECK(store_gc(s, NULL, NULL, &err) == -EBADF); /* needs the exclusive lock */
	err_free(&err);
	CHECK_INT(store_untag(s, "b:1", &err), 0);
	store_close(s);

	s = open_store(STORE_EXCLUSIVE);
	{
		struct store_gc_opts o = {.keep = keep_blob, .ctx = extra, .dry_run = true};
		CHECK_INT(store_gc(s, &o, &u, &err), 0);
		CHECK_INT(u.unused_layers, 1);
		CHECK_INT(u.unused_blobs, 2); /* b's manifest and config */
		CHECK(store_layer_exists(s, l[2].diff_id) && store_blob_exists(s, b.config));
		o.dry_run = false;
		CHECK_INT(store_gc(s, &o, &u, &err), 0);
	}
	CHECK(store_layer_exists(s, l[0].diff_id));
	CHECK(store_layer_exists(s, l[1].diff_id));
	CHECK(!store_layer_exists(s, l[2].diff_id));
	CHECK(store_layer_exists(s, l[3].diff_id));
	CHECK(store_blob_exists(s, a.manifest) && store_blob_exists(s, a.config));
	CHECK(!store_blob_exists(s, b.manifest) && !store_blob_exists(s, b.config));
	CHECK(store_blob_exists(s, extra));
	{
		cleanup_free char *left = layers_ls();
		cleanup_free char *want = NULL;
		/* l0, l1, l3 and the link dir; order by hex */
		CHECK_INT(strlen(left), 3 * 65 + 1);
		(void)want;
	}
	CHECK_INT(store_gc(s, NULL, &u, &err), 0); /* without the hook the extra blob goes */
	CHECK(!store_blob_exists(s, extra));
	CHECK(store_layer_exists(s, l[3].diff_id));
	store_close(s);
	CHECK_INT(check(false, NULL), 0);
	for (int i = 0; i < 4; i++)
		layer_free(&l[i]);
}

TEST(check_finds_and_repairs_corruption)
{
	struct store *s;
	struct layer l[2];
	struct image a;
	struct error *err = NULL;
	cleanup_free char *blob = NULL, *marker = NULL, *report = NULL, *link = NULL;
	char c;
	int fd;

	SKIP_UNLESS_ROOT();
	s = open_store(STORE_WRITE);
	sample_layer(&l[0], "check 0\n");
	sample_layer(&l[1], "check 1\n");
	CHECK_INT(ingest(s, &l[0], NULL, NULL, GZ, 0, NULL), 0);
	CHECK_INT(ingest(s, &l[1], NULL, NULL, GZ, 0, NULL), 0);
	make_image(s, &a, "2024-01-01T00:00:00Z", l, 1);
	CHECK_INT(store_tag(s, "a:1", a.manifest, NULL, &err), 0);
	store_close(s);
	CHECK_INT(check(false, NULL), 0);

	/* flip a byte of the config, remove l1's marker and l0's link */
	blob = xasprintf("%s/store/blobs/sha256/%s", unit_tmpdir(), a.config + 7);
	fd = open(blob, O_RDWR);
	CHECK(fd >= 0 && pread(fd, &c, 1, 3) == 1);
	c ^= 1;
	CHECK(pwrite(fd, &c, 1, 3) == 1);
	close(fd);
	marker = layer_file(&l[1], "complete");
	CHECK(unlink(marker) == 0);
	link = xasprintf("%s/store/layers/l/%.24s", unit_tmpdir(), l[0].diff_id + 7);
	CHECK(unlink(link) == 0);

	CHECK_INT(check(false, &report), 4);
	CHECK_CONTAINS(report, xasprintf("blob %s: digest mismatch\n", a.config));
	CHECK_CONTAINS(report, xasprintf("layer %s: incomplete (no marker)\n", l[1].diff_id));
	CHECK_CONTAINS(report, "link layers/l/");
	CHECK_CONTAINS(report, "image a:1: ");
	free(report);
	CHECK_INT(check(true, &report), 4);
	CHECK_CONTAINS(report, "(removed)");
	CHECK_CONTAINS(report, "(recreated)");
	CHECK_CONTAINS(report, "(reference dropped)");
	CHECK_INT(check(false, NULL), 0);
	s = open_store(STORE_READ);
	CHECK(!store_layer_exists(s, l[1].diff_id));
	CHECK(store_layer_exists(s, l[0].diff_id));
	CHECK(access(link, F_OK) == 0);
	store_close(s);
	layer_free(&l[0]);
	layer_free(&l[1]);
}

/* ---- numbers ---- */

static unsigned long long io_write_bytes(void)
{
	cleanup_free char *io = read_file_at(AT_FDCWD, "/proc/self/io", 4096, NULL);
	const char *p = io ? strstr(io, "\nwrite_bytes: ") : NULL;

	return p ? strtoull(p + 14, NULL, 10) : 0;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST(throughput_of_a_100mb_layer)
{
	static const struct {
		const char *name;
		unsigned flags;
		size_t writeback;
	} runs[] = {
	    {"ingest", 0, 0},
	    {"keep compressed", STORE_KEEP_COMPRESSED, 0},
	    {"no writeback bound", 0, SIZE_MAX},
	};
	struct layer l;
	const char *tier = getenv("OCIBOX_TEST_TIER");

	SKIP_UNLESS_ROOT();
	/* Its figures are for the host; under qemu-user they measure the emulator, at 45 s a board. */
	if (tier && !STREQ(tier, "host") && !STREQ(tier, "debug"))
		unit_skip("throughput is measured in the host tiers, not under emulation (%s)", tier);
	big_layer(&l, 100, 3);
	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		struct store *s = open_store(STORE_WRITE);
		struct store_ingest_opts o = {.flags = runs[i].flags,
		                              .writeback_bytes = runs[i].writeback};
		struct store_ingest_stats st = {0};
		struct mem m = {l.gz.buf, l.gz.len, 0, 0, 0};
		struct error *err = NULL;
		unsigned long long w0 = io_write_bytes(), w1;
		double t0 = seconds(), t;

		CHECK_INT(store_layer_ingest(s, mem_read, &m, l.digest, l.gz.len, l.diff_id, GZ, &o,
		                             &st, &err),
		          0);
		t = seconds() - t0;
		w1 = io_write_bytes();
		CHECK_INT(st.uncompressed, l.tar.len);
		CHECK_INT(st.content, 100 << 20);
		CHECK_INT(store_blob_exists(s, l.digest), runs[i].flags != 0);
		printf("    %s: %.1f MB gzip -> %.1f MB tar in %.2f s: %.0f MB/s of tar "
		       "(syncfs %.2f s); written %.2f bytes per byte of tar, %.2f per byte of "
		       "download\n",
		       runs[i].name, l.gz.len / 1e6, l.tar.len / 1e6, t, l.tar.len / 1e6 / t,
		       st.sync_seconds, (double)(w1 - w0) / l.tar.len,
		       (double)(w1 - w0) / l.gz.len);
		store_close(s);
		s = open_store(STORE_EXCLUSIVE);
		CHECK_INT(store_gc(s, NULL, NULL, &err), 0);
		store_close(s);
	}
	layer_free(&l);
}

/* dirty + writeback bytes of a v1 memory cgroup right now */
static long long cg_dirty(const char *cg)
{
	cleanup_free char *path = xasprintf("%s/memory.stat", cg);
	cleanup_free char *st = read_file_at(AT_FDCWD, path, 1 << 16, NULL);
	const char *d = st ? strstr(st, "\ndirty ") : NULL,
	           *w = st ? strstr(st, "\nwriteback ") : NULL;

	return (d ? atoll(d + 7) : 0) + (w ? atoll(w + 11) : 0);
}

static long long cg_read(const char *cg, const char *file)
{
	cleanup_free char *path = xasprintf("%s/%s", cg, file);
	cleanup_free char *v = read_file_at(AT_FDCWD, path, 64, NULL);

	return v ? atoll(v) : -1;
}

/* A 128 MB board has some 30 MB for page cache: the ingest runs in a 32 MiB memory cgroup and
 * must finish. Peak usage and limit hits are printed for the default writeback bound and for
 * none, never compared. */
TEST(ingest_in_32_mib_of_memory)
{
	static const size_t bounds[] = {0, SIZE_MAX};
	const char *base = "/sys/fs/cgroup/memory";
	struct layer l;

	SKIP_UNLESS_ROOT();
	if (access("/sys/fs/cgroup/memory/memory.limit_in_bytes", W_OK) < 0)
		unit_skip("no writable cgroup v1 memory controller");
	big_layer(&l, 64, 4);
	for (size_t i = 0; i < ARRAY_SIZE(bounds); i++) {
		cleanup_free char *cg = xasprintf("%s/ocibox-store-test-%d", base, (int)getpid());
		cleanup_free char *limit = xasprintf("%s/memory.limit_in_bytes", cg);
		struct child_arg a = {.l = &l, .writeback = bounds[i], .cgroup = cg};
		int p[2], status, fd;
		long long dirty = 0;
		pid_t pid;

		if (mkdir(cg, 0755) < 0 && errno != EEXIST)
			unit_skip("mkdir %s: %s", cg, strerror(errno));
		fd = open(limit, O_WRONLY);
		CHECK(fd >= 0 && write(fd, "33554432", 8) == 8);
		close(fd);
		CHECK(pipe(p) == 0);
		a.fd = p[0];
		fflush(NULL);
		if ((pid = fork()) == 0) {
			close(p[1]);
			ingest_child(&a);
		}
		close(p[0]);
		/* fed in pieces, sampling the cgroup's dirty pages between them */
		for (size_t off = 0; off < l.gz.len; off += 256 << 10) {
			size_t n = l.gz.len - off < (256 << 10) ? l.gz.len - off : 256 << 10;
			long long d = cg_dirty(cg);
			CHECK(write_all(p[1], l.gz.buf + off, n) == (ssize_t)n);
			dirty = d > dirty ? d : dirty;
		}
		close(p[1]);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		printf(
		    "    64 MiB (half in 1 MiB files, half one file) in a 32 MiB cgroup, writeback "
		    "bound %s: dirty+writeback sampled peak %.1f MiB, memory peak %.1f MiB\n",
		    bounds[i] ? "none" : "4 MiB", dirty / 1048576.0,
		    cg_read(cg, "memory.max_usage_in_bytes") / 1048576.0);
		CHECK(rmdir(cg) == 0);
		{
			struct store *s = open_store(STORE_EXCLUSIVE);
			CHECK(store_layer_exists(s, l.diff_id));
			CHECK_INT(store_gc(s, NULL, NULL, NULL), 0);
			store_close(s);
		}
	}
	layer_free(&l);
}
