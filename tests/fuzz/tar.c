/* libFuzzer target for libbb's tar reader and confined extractor: any bytes are an archive; it
 * is listed, then extracted under /dev/shm/ocibox-fuzz-tar/root (whiteout mode and resolver chosen
 * by the input's length), and afterwards /dev/shm/ocibox-fuzz-tar must hold nothing but root/ and
 * an untouched outside/sentinel: anything else means an entry escaped. Seeds (symlinks to
 * outside/, "..", whiteouts, devices) are in tests/fuzz/corpus/tar/.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Igenerated/host \
 *     -Igenerated tests/fuzz/tar.c libbb/tar_read.c libbb/tar_extract.c libbb/path_resolve.c \
 *     libbb/error.c libbb/cleanup.c libbb/messages.c libbb/strbuf.c libbb/strings.c \
 *     libbb/xfuncs.c libbb/atomic.c -o /tmp/fuzz-tar
 *   mkdir -p /tmp/tar-corpus && /tmp/fuzz-tar -max_total_time=60 /tmp/tar-corpus \
 *     tests/fuzz/corpus/tar
 */
#include "path.h"
#include "tar.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#define TOP "/dev/shm/ocibox-fuzz-tar"

static int topfd = -1;

struct mem {
	const uint8_t *buf;
	size_t len, pos;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len, struct error **err)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	(void)err;
	if (n > len)
		n = len;
	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	return n;
}

static void quiet(void *ctx, const char *msg)
{
	(void)ctx, (void)msg;
}

static void setup(void)
{
	path_remove_at(AT_FDCWD, TOP);
	if (mkdir(TOP, 0755) < 0 || mkdir(TOP "/outside", 0755) < 0)
		abort();
	if (write_file_atomic(AT_FDCWD, TOP "/outside/sentinel", "s", 1, 0644, NULL) < 0)
		abort();
	topfd = open(TOP, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (topfd < 0)
		abort();
}

/* The names in a directory, sorted, space-separated. */
static char *names(int dirfd, const char *rel)
{
	int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct strbuf sb = STRBUF_INIT;
	struct dirent *de;
	char *a[8];
	int n = 0;

	if (!d)
		return xstrdup("(not a directory)");
	while ((de = readdir(d)))
		if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
			a[n < 8 ? n++ : 7] = xstrdup(de->d_name);
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(a[j], a[i]) < 0) {
				char *t = a[i];
				a[i] = a[j];
				a[j] = t;
			}
	for (int i = 0; i < n; i++) {
		sb_printf(&sb, "%s%s", i ? " " : "", a[i]);
		free(a[i]);
	}
	return sb.buf ? sb_steal(&sb) : xstrdup("");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tar_extract_opts o = {.whiteouts = size % 3, .same_owner = -1, .warn = quiet};
	struct mem m = {data, size, 0};
	struct tar_reader *r;
	struct tar_entry *e;
	struct error *err = NULL;
	char *top, *out;
	int rootfd;

	if (topfd < 0)
		setup();
	applet_name = "fuzz";

	/* listing: every field of every entry is read */
	r = tar_reader_new(mem_read, &m);
	while (tar_next(r, &e, &err) > 0) {
		char buf[4096];
		if (strlen(e->path) + strlen(e->linkname) + strlen(e->uname) > (size_t)-1 / 2)
			abort();
		for (size_t i = 0; i < e->nxattrs; i++)
			if (e->xattrs[i].value[e->xattrs[i].len] != '\0')
				abort();
		while (tar_read_data(r, buf, sizeof(buf), &err) > 0)
			;
	}
	err_free(&err);
	tar_reader_free(r);

	/* extraction */
	path_force_walk((size / 3) % 2);
	if (mkdirat(topfd, "root", 0755) < 0)
		abort();
	rootfd = openat(topfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	m.pos = 0;
	r = tar_reader_new(mem_read, &m);
	tar_extract(r, rootfd, &o, &err);
	err_free(&err);
	tar_reader_free(r);
	close(rootfd);

	top = names(topfd, ".");
	out = names(topfd, "outside");
	{
		char *s = read_file_at(topfd, "outside/sentinel", 16, NULL);
		if (!s || !STREQ(s, "s"))
			out = xasprintf("%s, sentinel changed", out);
		free(s);
	}
	if (!STREQ(top, "outside root") || !STREQ(out, "sentinel")) {
		fprintf(stderr, "escaped the root: %s holds '%s', outside/ holds '%s'\n", TOP, top,
		        out);
		abort();
	}
	free(top);
	free(out);
	if (path_remove_at(topfd, "root") < 0) {
		/* directories the archive made unwritable (mode 0) as non-root: open them up */
		perror("remove root");
		abort();
	}
	return 0;
}
