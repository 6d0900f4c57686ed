/* Layers: pulled, hashed, inflated, hashed again and unpacked in one pass into a temp directory
 * that is renamed into place only once both digests matched and the data is on disk. */
#include "store_int.h"
#include "gzip.h"
#include "json.h"
#include "path.h"
#include "tar.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#define DEFAULT_MAX_TAR ((uint64_t)64 << 30)
#define DEFAULT_WRITEBACK ((size_t)4 << 20)

static const struct {
	const char *type;
	enum store_compression c;
} layer_types[] = {
    {"application/vnd.oci.image.layer.v1.tar", STORE_UNCOMPRESSED},
    {"application/vnd.oci.image.layer.v1.tar+gzip", STORE_GZIP},
    {"application/vnd.oci.image.layer.v1.tar+zstd", STORE_ZSTD},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", STORE_UNCOMPRESSED},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", STORE_GZIP},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", STORE_ZSTD},
    {"application/vnd.docker.image.rootfs.diff.tar", STORE_UNCOMPRESSED},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", STORE_GZIP},
    {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", STORE_GZIP},
};

int store_layer_compression(const char *media_type, struct error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(layer_types); i++) {
		if (!STREQ(media_type, layer_types[i].type))
			continue;
		if (layer_types[i].c == STORE_ZSTD)
			return err_set(err, ENOTSUP,
			               "%s: zstd-compressed layers are not supported (this ocibox "
			               "inflates gzip only)",
			               media_type);
		return layer_types[i].c;
	}
	return err_set(err, EINVAL, "%s: not a layer media type", media_type);
}

void store_layer_short(const char *hex, char out[SHORT_LEN + 1])
{
	memcpy(out, hex, SHORT_LEN);
	out[SHORT_LEN] = '\0';
}

static char *layer_file(const char *hex, const char *name)
{
	return xasprintf(LAYER_DIR "/%s/%s", hex, name);
}

bool store_layer_exists(struct store *s, const char *diff_id)
{
	char hex[SHA256_HEX_SIZE];
	cleanup_free char *marker = NULL;
	struct stat st;

	if (store_digest_hex(diff_id, hex, NULL) < 0)
		return false;
	marker = layer_file(hex, LAYER_DONE);
	return fstatat(s->rootfd, marker, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

char *store_layer_path(struct store *s, const char *diff_id)
{
	char hex[SHA256_HEX_SIZE];

	if (store_digest_hex(diff_id, hex, NULL) < 0)
		return NULL;
	return xasprintf("%s/" LAYER_DIR "/%s/diff", s->root, hex);
}

char *store_layer_link(struct store *s, const char *diff_id)
{
	char hex[SHA256_HEX_SIZE], l[SHORT_LEN + 1];

	(void)s;
	if (store_digest_hex(diff_id, hex, NULL) < 0)
		return NULL;
	store_layer_short(hex, l);
	return xasprintf("l/%s", l);
}

char *store_layers_dir(struct store *s)
{
	return xasprintf("%s/" LAYER_DIR, s->root);
}

struct json *store_layer_meta(struct store *s, const char *diff_id, struct error **err)
{
	char hex[SHA256_HEX_SIZE];
	cleanup_free char *path = NULL, *buf = NULL;
	struct json *j;
	size_t len;

	if (store_digest_hex(diff_id, hex, err) < 0)
		return NULL;
	path = layer_file(hex, LAYER_META);
	buf = read_file_at(s->rootfd, path, 1 << 20, &len);
	if (!buf) {
		err_errno(err, "layer %s: %s", diff_id, LAYER_META);
		return NULL;
	}
	j = json_parse(buf, len, NULL, err);
	if (!j)
		err_wrap(err, "layer %s: %s", diff_id, LAYER_META);
	return j;
}

int store_layer_remove(struct store *s, const char *hex, struct error **err)
{
	char tmp[128], l[SHORT_LEN + 1], target[128], cur[128];
	cleanup_close int layers = openat(s->rootfd, LAYER_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int links = openat(s->rootfd, LINK_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t n;
	int r;

	if (layers < 0)
		return err_errno(err, "%s/" LAYER_DIR, s->root);
	snprintf(tmp, sizeof(tmp), "%s" LAYER_TMP "rm%u", hex, (unsigned)getpid());
	if (renameat(layers, hex, layers, tmp) < 0)
		return errno == ENOENT ? 0 : err_errno(err, "layer sha256:%s: rename", hex);
	fsync(layers);
	store_layer_short(hex, l);
	snprintf(target, sizeof(target), "../%s/diff", hex);
	if (links >= 0 && (n = readlinkat(links, l, cur, sizeof(cur) - 1)) > 0) {
		cur[n] = '\0';
		if (STREQ(cur, target))
			unlinkat(links, l, 0);
	}
	if ((r = path_remove_at(layers, tmp)) < 0)
		return err_set(err, -r, "layer sha256:%s: remove", hex);
	return 0;
}

/* ---- the pipeline ---- */

/* The compressed bytes as they arrive: counted, hashed, kept when asked. */
struct source {
	store_read_fn *read;
	void *ctx;
	struct sha256 sha;
	bool hash; /* off when compressed == uncompressed: the tar's hash serves both */
	uint64_t total;
	int64_t size;
	int blobfd;
};

static ssize_t source_read(void *ctx, void *buf, size_t len, struct error **err)
{
	struct source *src = ctx;
	ssize_t n = src->read(src->ctx, buf, len, err);

	if (n <= 0)
		return n;
	if (src->size >= 0 && src->total + n > (uint64_t)src->size)
		return err_set(err, EFBIG, "more than the %lld bytes the manifest gives",
		               (long long)src->size);
	src->total += n;
	if (src->hash)
		sha256_update(&src->sha, buf, n);
	if (src->blobfd >= 0 && write_all(src->blobfd, buf, n) < 0)
		return err_errno(err, "write compressed blob");
	return n;
}

/* The uncompressed tar: hashed (diff_id) and counted on its way to the tar reader. */
struct tarsrc {
	struct source *src;
	struct inflate *z; /* NULL for an uncompressed layer */
	struct sha256 sha;
	uint64_t total, max;
};

static ssize_t tar_source(void *ctx, void *buf, size_t len, struct error **err)
{
	struct tarsrc *t = ctx;
	ssize_t n = t->z ? inflate_read(t->z, buf, len, err) : source_read(t->src, buf, len, err);

	if (n <= 0)
		return n;
	sha256_update(&t->sha, buf, n);
	t->total += n;
	if (t->total > t->max)
		return err_set(err, EFBIG, "uncompressed layer larger than %llu bytes",
		               (unsigned long long)t->max);
	return n;
}

struct unpack_ctx {
	const struct store_ingest_opts *o;
	uint64_t content;
};

static bool count_entry(void *ctx, const struct tar_entry *e)
{
	struct unpack_ctx *u = ctx;

	if (e->type == TAR_REG)
		u->content += e->size;
	return true;
}

static void forward_warn(void *ctx, const char *msg)
{
	struct unpack_ctx *u = ctx;

	if (u->o->warn)
		u->o->warn(u->o->ctx, msg);
	else
		bb_warn("%s", msg);
}

static void final_hex(struct sha256 *c, char hex[SHA256_HEX_SIZE])
{
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_final(c, d);
	sha256_hex(d, hex);
}

/* Extracts, then reads both streams to their ends and compares what must match. */
static int unpack(struct source *src, struct tarsrc *t, int difffd, const char *dhex,
                  const char *lhex, struct unpack_ctx *u, struct error **err)
{
	struct tar_extract_opts xo = {
	    .whiteouts = TAR_WHITEOUT_OVERLAY,
	    .same_owner = -1,
	    .warn = forward_warn,
	    .filter = count_entry,
	    .ctx = u,
	    .writeback_bytes = u->o->writeback_bytes ? u->o->writeback_bytes : DEFAULT_WRITEBACK,
	};
	struct tar_reader *r = tar_reader_new(tar_source, t);
	char buf[4096], got[SHA256_HEX_SIZE], gotz[SHA256_HEX_SIZE];
	ssize_t n;
	int rc = tar_extract(r, difffd, &xo, err);

	tar_reader_free(r);
	if (rc < 0)
		return rc;
	/* What follows the end-of-archive blocks (tar pads to its record size) is part of the
	 * diff_id; for gzip this also reads the trailer and refuses garbage after the stream. */
	while ((n = tar_source(t, buf, sizeof(buf), err)) > 0)
		;
	if (n < 0)
		return n;
	if (src->size >= 0 && src->total != (uint64_t)src->size)
		return err_set(err, EIO, "%llu bytes where the manifest gives %lld (truncated)",
		               (unsigned long long)src->total, (long long)src->size);
	final_hex(&t->sha, got);
	if (t->z)
		final_hex(&src->sha, gotz);
	else
		memcpy(gotz, got, sizeof(got));
	if (!STREQ(gotz, dhex))
		return err_set(err, EILSEQ,
		               "compressed digest mismatch: the data hashes to "
		               "sha256:%s",
		               gotz);
	if (!STREQ(got, lhex))
		return err_set(err, EILSEQ,
		               "uncompressed digest mismatch: diff_id should be "
		               "sha256:%s, the tar hashes to sha256:%s",
		               lhex, got);
	return 0;
}

static char *layer_meta_json(const char *digest, const char *diff_id, const char *media_type,
                             const char *shortname, const struct source *src,
                             const struct tarsrc *t, const struct unpack_ctx *u)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "diff_id");
	jw_string(&w, diff_id);
	jw_key(&w, "digests");
	jw_array_begin(&w);
	jw_string(&w, digest);
	jw_array_end(&w);
	jw_key(&w, "media_type");
	jw_string(&w, media_type);
	jw_key(&w, "compressed_size");
	jw_uint(&w, src->total);
	jw_key(&w, "tar_size");
	jw_uint(&w, t->total);
	jw_key(&w, "size");
	jw_uint(&w, u->content);
	jw_key(&w, "link");
	jw_string(&w, shortname);
	jw_key(&w, "created");
	jw_int(&w, (long long)time(NULL));
	jw_object_end(&w);
	sb_addc(&sb, '\n');
	return sb_steal(&sb);
}

/* layers/<hex>.tmp-PID-N, made with O_EXCL semantics (mkdir). */
static char *make_tmp_dir(int layers, const char *lhex, struct error **err)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (unsigned i = 0; i < 100; i++) {
		char *name = xasprintf("%s" LAYER_TMP "%u-%lx", lhex, (unsigned)getpid(),
		                       (unsigned long)ts.tv_nsec + i);
		if (mkdirat(layers, name, 0700) == 0)
			return name;
		free(name);
		if (errno != EEXIST)
			break;
	}
	err_errno(err, "create a temp directory under " LAYER_DIR);
	return NULL;
}

/* Under the layer's lock nobody else writes this layer: its temp dirs are from the dead, and a
 * directory under its final name without the marker cannot be ours (store_check names it). */
static void remove_own_leftovers(struct store *s, int layers, const char *lhex)
{
	struct stat st;
	cleanup_free char *prefix = xasprintf("%s" LAYER_TMP, lhex);
	int fd = openat(layers, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
	} else {
		while ((de = readdir(d)))
			if (str_has_prefix(de->d_name, prefix))
				path_remove_at(dirfd(d), de->d_name);
		closedir(d);
	}
	if (fstatat(layers, lhex, &st, AT_SYMLINK_NOFOLLOW) == 0)
		store_layer_remove(s, lhex, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Everything the committed layer needs besides its tree, then the rename that publishes it. */
static int commit_layer(struct store *s, int layers, int tmpfd, const char *tmpname,
                        const char *lhex, const char *meta, struct error **err)
{
	char l[SHORT_LEN + 1];
	cleanup_free char *target = xasprintf("../%s/diff", lhex);
	cleanup_close int links = openat(s->rootfd, LINK_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if ((r = write_file_atomic(tmpfd, LAYER_META, meta, strlen(meta), 0644, err)) < 0)
		return r;
	store_fault("meta");
	/* Last inside the directory: a layer with its marker has everything else. */
	if ((r = write_file_atomic(tmpfd, LAYER_DONE, "", 0, 0644, err)) < 0)
		return r;
	store_fault("complete");
	/* The link before the rename: a crash between the two leaves a dangling link that the
	 * sweep removes, never a published layer without its link. */
	store_layer_short(lhex, l);
	if (links < 0)
		return err_errno(err, "%s/" LINK_DIR, s->root);
	if (symlinkat(target, links, l) < 0 &&
	    (errno != EEXIST || unlinkat(links, l, 0) < 0 || symlinkat(target, links, l) < 0))
		return err_errno(err, "link " LINK_DIR "/%s", l);
	store_fault("linked");
	if (renameat(layers, tmpname, layers, lhex) < 0)
		return err_errno(err, "rename %s into place", tmpname);
	store_fault("renamed");
	if (fsync(layers) < 0 || fsync(links) < 0)
		return err_errno(err, "fsync " LAYER_DIR);
	return 0;
}

int store_layer_ingest(struct store *s, store_read_fn *rd, void *ctx, const char *digest,
                       int64_t size, const char *diff_id, const char *media_type,
                       const struct store_ingest_opts *opts, struct store_ingest_stats *stats,
                       struct error **err)
{
	static const struct store_ingest_opts defaults;
	const struct store_ingest_opts *o = opts ? opts : &defaults;
	char dhex[SHA256_HEX_SIZE], lhex[SHA256_HEX_SIZE], shortname[SHORT_LEN + 1];
	cleanup_free char *lockname = NULL, *tmpname = NULL, *meta = NULL, *blob = NULL;
	cleanup_close int lockfd = -1, layers = -1, tmpfd = -1, difffd = -1;
	struct source src = {.read = rd, .ctx = ctx, .size = size, .blobfd = -1};
	struct tarsrc t = {.src = &src};
	struct unpack_ctx u = {.o = o};
	struct atomic_file af = {.fd = -1, .dirfd = -1};
	int comp, r;

	if ((r = store_digest_hex(digest, dhex, err)) < 0 ||
	    (r = store_digest_hex(diff_id, lhex, err)) < 0 ||
	    (r = comp = store_layer_compression(media_type, err)) < 0)
		return err_wrap(err, "layer %s", digest);
	if (store_layer_exists(s, diff_id))
		return 1;
	if (!(s->mode & (STORE_WRITE | STORE_EXCLUSIVE)))
		return err_set(err, EBADF, "layer %s: the store is open read-only", digest);
	lockname = xasprintf("layer-%s", lhex);
	if ((lockfd = store_lock(s, lockname, LOCK_EX, err)) < 0)
		return err_wrap(err, "layer %s", digest);
	if (store_layer_exists(s, diff_id))
		return 1; /* another process ingested it while we waited */
	layers = openat(s->rootfd, LAYER_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (layers < 0)
		return err_errno(err, "%s/" LAYER_DIR, s->root);
	remove_own_leftovers(s, layers, lhex);
	if (!(tmpname = make_tmp_dir(layers, lhex, err)))
		return err_wrap(err, "layer %s", digest);
	store_fault("tmpdir");
	tmpfd = openat(layers, tmpname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmpfd < 0 || mkdirat(tmpfd, "diff", 0755) < 0 ||
	    (difffd = openat(tmpfd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fchmod(difffd, 0755) < 0) {
		r = err_errno(err, "%s/diff", tmpname);
		goto fail;
	}
	if (o->flags & STORE_KEEP_COMPRESSED && !store_blob_exists(s, digest)) {
		blob = xasprintf(BLOB_DIR "/%s", dhex);
		if ((r = atomic_open(&af, s->rootfd, blob, 0644, err)) < 0)
			goto fail;
		src.blobfd = af.fd;
	}
	t.max = o->max_size ? o->max_size : DEFAULT_MAX_TAR;
	src.hash = comp == STORE_GZIP;
	sha256_init(&src.sha);
	sha256_init(&t.sha);
	if (comp == STORE_GZIP) {
		t.z = inflate_new(source_read, &src, 0);
		inflate_set_limit(t.z, t.max);
	}
	r = unpack(&src, &t, difffd, dhex, lhex, &u, err);
	inflate_free(t.z);
	if (r < 0)
		goto fail;
	store_fault("extracted");
	if (!(o->flags & STORE_NO_SYNC)) {
		double t0 = now();
		if (syncfs(difffd) < 0) {
			r = err_errno(err, "syncfs");
			goto fail;
		}
		if (stats)
			stats->sync_seconds = now() - t0;
	}
	store_fault("synced");
	store_layer_short(lhex, shortname);
	meta = layer_meta_json(digest, diff_id, media_type, shortname, &src, &t, &u);
	if ((r = commit_layer(s, layers, tmpfd, tmpname, lhex, meta, err)) < 0)
		goto fail;
	if (blob && (r = atomic_commit(&af, err)) < 0)
		return err_wrap(err, "layer %s: keep compressed blob", digest);
	if (stats) {
		stats->compressed = src.total;
		stats->uncompressed = t.total;
		stats->content = u.content;
	}
	return 0;
fail:
	if (blob)
		atomic_abort(&af);
	path_remove_at(layers, tmpname);
	return err_wrap(err, "layer %s", digest);
}
