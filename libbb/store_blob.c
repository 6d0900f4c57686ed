/* Blobs: manifests, configs, indexes (and compressed layers when asked) under blobs/sha256/,
 * each named by the digest of its bytes, verified on the way in and on the way out. */
#include "store_int.h"
#include "json.h"
#include <fcntl.h>
#include <sys/stat.h>

#define BLOB_GET_MAX ((size_t)16 << 20)
#define COPY_BUF (64 * 1024)

static char *blob_path(const char *hex)
{
	return xasprintf(BLOB_DIR "/%s", hex);
}

bool store_blob_exists(struct store *s, const char *digest)
{
	char hex[SHA256_HEX_SIZE];
	cleanup_free char *path = NULL;
	struct stat st;

	if (store_digest_hex(digest, hex, NULL) < 0)
		return false;
	path = blob_path(hex);
	return fstatat(s->rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

static int digest_mismatch(struct error **err, const char *what, const char *digest,
                           struct sha256 *c)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char got[SHA256_HEX_SIZE];

	sha256_final(c, d);
	sha256_hex(d, got);
	if (STREQ(got, digest + strlen("sha256:")))
		return 0;
	return err_set(err, EILSEQ, "%s %s: digest mismatch: the data hashes to sha256:%s", what,
	               digest, got);
}

int store_blob_put(struct store *s, const char *digest, const void *buf, size_t len,
                   struct error **err)
{
	char hex[SHA256_HEX_SIZE];
	cleanup_free char *path = NULL;
	struct sha256 c;
	int r;

	if ((r = store_digest_hex(digest, hex, err)) < 0)
		return r;
	sha256_init(&c);
	sha256_update(&c, buf, len);
	if ((r = digest_mismatch(err, "blob", digest, &c)) < 0)
		return r;
	if (store_blob_exists(s, digest))
		return 0;
	path = blob_path(hex);
	if ((r = write_file_atomic(s->rootfd, path, buf, len, 0644, err)) < 0)
		return err_wrap(err, "store blob %s", digest);
	return 0;
}

int store_blob_ingest(struct store *s, store_read_fn *rd, void *ctx, const char *digest,
                      int64_t size, uint64_t max, struct error **err)
{
	char hex[SHA256_HEX_SIZE];
	cleanup_free char *path = NULL, *buf = NULL;
	struct atomic_file af;
	uint64_t total = 0;
	struct sha256 c;
	int r;

	if ((r = store_digest_hex(digest, hex, err)) < 0)
		return r;
	if (store_blob_exists(s, digest))
		return 1;
	path = blob_path(hex);
	if ((r = atomic_open(&af, s->rootfd, path, 0644, err)) < 0)
		return err_wrap(err, "store blob %s", digest);
	buf = xmalloc(COPY_BUF);
	sha256_init(&c);
	for (;;) {
		ssize_t n = rd(ctx, buf, COPY_BUF, err);
		if (n < 0) {
			r = err_wrap(err, "blob %s", digest);
			goto fail;
		}
		if (n == 0)
			break;
		total += n;
		if ((size >= 0 && total > (uint64_t)size) || (max && total > max)) {
			r = err_set(err, EFBIG, "blob %s: more than the %llu bytes expected",
			            digest, (unsigned long long)(size >= 0 ? (uint64_t)size : max));
			goto fail;
		}
		sha256_update(&c, buf, n);
		if (write_all(af.fd, buf, n) < 0) {
			r = err_errno(err, "blob %s: write", digest);
			goto fail;
		}
	}
	if (size >= 0 && total != (uint64_t)size) {
		r = err_set(err, EIO, "blob %s: %llu bytes where %lld were expected", digest,
		            (unsigned long long)total, (long long)size);
		goto fail;
	}
	if ((r = digest_mismatch(err, "blob", digest, &c)) < 0)
		goto fail;
	return atomic_commit(&af, err) < 0 ? err_wrap(err, "store blob %s", digest) : 0;
fail:
	atomic_abort(&af);
	return r;
}

char *store_blob_get(struct store *s, const char *digest, size_t max, size_t *len,
                     struct error **err)
{
	char hex[SHA256_HEX_SIZE];
	cleanup_free char *path = NULL;
	struct sha256 c;
	size_t n;
	char *buf;

	if (store_digest_hex(digest, hex, err) < 0)
		return NULL;
	path = blob_path(hex);
	buf = read_file_at(s->rootfd, path, max ? max : BLOB_GET_MAX, &n);
	if (!buf) {
		if (errno == ENOENT)
			err_set(err, ENOENT, "blob %s is not in the store", digest);
		else
			err_errno(err, "read blob %s", digest);
		return NULL;
	}
	sha256_init(&c);
	sha256_update(&c, buf, n);
	if (digest_mismatch(err, "blob", digest, &c) < 0) {
		err_wrap(err, "store corrupt (run ocibox system check)");
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}

int store_blob_open(struct store *s, const char *digest, struct error **err)
{
	char hex[SHA256_HEX_SIZE];
	cleanup_free char *path = NULL;
	int r, fd;

	if ((r = store_digest_hex(digest, hex, err)) < 0)
		return r;
	path = blob_path(hex);
	fd = openat(s->rootfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_errno(err, "blob %s", digest);
	return fd;
}

struct json *store_blob_json(struct store *s, const char *digest, struct error **err)
{
	cleanup_free char *buf = NULL;
	struct json *j;
	size_t len;

	buf = store_blob_get(s, digest, 0, &len, err);
	if (!buf)
		return NULL;
	j = json_parse(buf, len, NULL, err);
	if (!j)
		err_wrap(err, "blob %s", digest);
	return j;
}
