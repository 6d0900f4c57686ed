/* load: images from an OCI image layout (a directory, or a tar of one) into the store, through
 * the same pipeline as pull (libbb/image_fetch.c). */
//config:config LOAD
//config:	bool "load: load images from an OCI layout"
//config:	default y
//config:	help
//config:	  usage: load [-q] [-i FILE|DIR] [--root DIR]
//config:
//config:	  Load the images of an OCI image layout, a directory or a tar
//config:	  archive of one (standard input if no -i), into the store.
//config:	  An image is named by its io.containerd.image.name annotation,
//config:	  else by org.opencontainers.image.ref.name: a full reference as
//config:	  it is, a bare tag as localhost/NAME:TAG where NAME is the input's
//config:	  base name without extension.
//config:
//config:	  -i, --input FILE  read FILE (an OCI layout directory or tar)
//config:	  -q, --quiet       print nothing
//config:	  --root DIR        the store (default $OCIBOX_ROOT or /var/lib/ocibox)
//applet:APPLET(load, LOAD, DOCKER, "i,input: q,quiet root: >0")
//docker:load = load
//docker:image load = load

#include "libbb.h"
#include "registry.h"
#include "tar.h"
#include <fcntl.h>
#include <sys/stat.h>

struct tar_blob {
	char hex[SHA256_HEX_SIZE];
	off_t off;
	int64_t size;
};

/* Where the blobs are: a layout directory, or a tar whose blobs/sha256/ entries were indexed. */
struct layout {
	int dirfd; /* -1 for a tar */
	int tarfd;
	struct tar_blob *blobs;
	size_t nblobs;
	char *index; /* index.json */
	size_t index_len;
};

struct blob_reader {
	int fd;
	off_t off, end; /* for a tar: the entry's bytes */
};

static int layout_open_blob(void *ctx, const char *digest, int64_t size, void **rctx,
                            struct error **err)
{
	struct layout *l = ctx;
	char hex[SHA256_HEX_SIZE];
	struct blob_reader *br;

	(void)size;
	if (store_digest_hex(digest, hex, err) < 0)
		return -EINVAL;
	br = xzalloc(sizeof(*br));
	if (l->dirfd >= 0) {
		cleanup_free char *p = xasprintf("blobs/sha256/%s", hex);
		br->fd = openat(l->dirfd, p, O_RDONLY | O_CLOEXEC);
		br->end = -1;
		if (br->fd < 0) {
			free(br);
			return err_errno(err, "layout: %s", p);
		}
	} else {
		size_t i;
		for (i = 0; i < l->nblobs && strcmp(l->blobs[i].hex, hex); i++)
			;
		if (i == l->nblobs) {
			free(br);
			return err_set(err, ENOENT, "layout: no blob %s", digest);
		}
		br->fd = -1;
		br->off = l->blobs[i].off;
		br->end = l->blobs[i].off + l->blobs[i].size;
	}
	*rctx = br;
	return 0;
}

static struct layout *the_layout; /* for reads from the tar, which has one fd for all */

static ssize_t layout_read(void *ctx, void *buf, size_t len, struct error **err)
{
	struct blob_reader *br = ctx;
	ssize_t n;

	if (br->fd >= 0) {
		do
			n = read(br->fd, buf, len);
		while (n < 0 && errno == EINTR);
	} else {
		if (br->off >= br->end)
			return 0;
		if ((off_t)len > br->end - br->off)
			len = br->end - br->off;
		do
			n = pread(the_layout->tarfd, buf, len, br->off);
		while (n < 0 && errno == EINTR);
		if (n == 0)
			return err_set(err, EIO, "layout: archive cut short");
		if (n > 0)
			br->off += n;
	}
	if (n < 0)
		return err_errno(err, "layout: read");
	return n;
}

static void layout_close_blob(void *rctx)
{
	struct blob_reader *br = rctx;

	if (br && br->fd >= 0)
		close(br->fd);
	free(br);
}

/* One pass over the tar: where each blob's bytes are, and index.json itself. */
static void index_tar(struct layout *l, const char *what)
{
	struct tar_reader *r = tar_reader_new_fd(l->tarfd);
	struct tar_entry *e;
	struct error *err = NULL;
	int rc;

	while ((rc = tar_next(r, &e, &err)) > 0) {
		const char *p = e->path;
		if (str_has_prefix(p, "./"))
			p += 2;
		if (e->type != TAR_REG)
			continue;
		if (STREQ(p, "index.json")) {
			if (e->size > (1 << 22))
				bb_die("%s: index.json is too big", what);
			l->index = xmalloc(e->size + 1);
			l->index_len = 0;
			ssize_t n;
			while ((n = tar_read_data(r, l->index + l->index_len,
			                          e->size - l->index_len, &err)) > 0)
				l->index_len += n;
			if (n < 0)
				err_die(&err);
			l->index[l->index_len] = '\0';
		} else if (str_has_prefix(p, "blobs/sha256/") && strlen(p + 13) == 64) {
			l->blobs = xreallocarray(l->blobs, l->nblobs + 1, sizeof(*l->blobs));
			struct tar_blob *b = &l->blobs[l->nblobs++];
			memcpy(b->hex, p + 13, SHA256_HEX_SIZE);
			b->off = tar_reader_offset(r);
			b->size = e->size;
		}
	}
	if (rc < 0) {
		err_wrap(&err, "%s", what);
		err_die(&err);
	}
	tar_reader_free(r);
}

static char *default_repo(const char *input)
{
	char *base = xstrdup(bb_basename(input)), *dot = strchr(base, '.');

	if (dot && dot != base)
		*dot = '\0';
	for (char *p = base; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			*p = '-';
	return base;
}

/* The store name of an index.json entry, or NULL for an unnamed one. */
static char *entry_name(const struct json *desc, const char *repo)
{
	const struct json *ann = json_get(desc, "annotations");
	const char *full = json_get_str(ann, "io.containerd.image.name");
	const char *ref = json_get_str(ann, "org.opencontainers.image.ref.name");
	struct image_ref r;
	struct error *err = NULL;
	cleanup_free char *want = NULL;
	char *out;

	if (full)
		want = xstrdup(full);
	else if (ref && (strchr(ref, '/') || strchr(ref, ':') || strchr(ref, '@')))
		want = xstrdup(ref);
	else if (ref)
		want = xasprintf("localhost/%s:%s", repo, ref);
	else
		return NULL;
	if (image_ref_parse(want, &r, &err) < 0)
		err_die(&err);
	out = image_ref_string(&r);
	image_ref_release(&r);
	return out;
}

int load_main(int argc, char **argv)
{
	struct opts o;
	const char *input;
	struct layout l = {.dirfd = -1, .tarfd = -1};
	struct store *s;
	struct error *err = NULL;
	struct json *index;
	cleanup_free char *repo = NULL;
	struct stat st;
	const struct json *mans;

	xgetopts(&o, argc, argv, OPTS_load);
	input = o.v[OPT_load_input].arg ? o.v[OPT_load_input].arg : "-";
	if (STREQ(input, "-")) {
		l.tarfd = 0;
		repo = xstrdup("load");
	} else {
		int fd = xopen(input, O_RDONLY | O_CLOEXEC);
		if (fstat(fd, &st) < 0)
			bb_die_errno("%s", input);
		if (S_ISDIR(st.st_mode))
			l.dirfd = fd;
		else
			l.tarfd = fd;
		repo = default_repo(input);
	}
	if (l.dirfd >= 0) {
		l.index = read_file_at(l.dirfd, "index.json", 1 << 22, &l.index_len);
		if (!l.index)
			bb_die_errno("%s/index.json", input);
	} else {
		if (lseek(l.tarfd, 0, SEEK_CUR) < 0)
			bb_die(
			    "%s: an archive that can be read twice is needed (a file, not a pipe)",
			    input);
		index_tar(&l, input);
		if (!l.index)
			bb_die("%s: no index.json: not an OCI image layout", input);
	}
	the_layout = &l;
	index = json_parse(l.index, l.index_len, NULL, &err);
	if (!index) {
		err_wrap(&err, "%s: index.json", input);
		err_die(&err);
	}
	mans = json_get(index, "manifests");
	if (!mans || !json_len(mans))
		bb_die("%s: index.json lists no images", input);
	if (store_open(o.v[OPT_load_root].arg ? o.v[OPT_load_root].arg : store_default_root(),
	               STORE_WRITE, &s, &err) < 0)
		err_die(&err);
	struct blob_source src = {layout_open_blob, layout_read, layout_close_blob, &l};
	struct fetch_opts fo = {0};
	int status = 0;
	for (size_t i = 0; i < json_len(mans); i++) {
		const struct json *d = json_at(mans, i);
		const char *digest = json_get_str(d, "digest");
		cleanup_free char *name = entry_name(d, repo);
		cleanup_free char *man = NULL;

		if (!digest)
			bb_die("%s: index.json entry %zu has no digest", input, i);
		if (image_fetch(s, &src, digest, name, &fo, &man, &err) < 0) {
			err_wrap(&err, "%s", name ? name : digest);
			err_print(err);
			err_free(&err);
			status = 1;
			continue;
		}
		if (!(o.flags & FLAG_load_quiet)) {
			cleanup_free char *fam = name ? image_ref_familiar(name) : NULL;
			if (fam)
				printf("Loaded image: %s\n", fam);
			else
				printf("Loaded image ID: %s\n", man);
		}
	}
	json_free(index);
	free(l.index);
	free(l.blobs);
	store_close(s);
	return status;
}
