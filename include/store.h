/* The image store: content-addressed blobs, unpacked layers shared by every image, image
 * references, a lock, a checker and a garbage collector. libbb/store*.c, one concern each.
 *
 * On disk, under the root (/var/lib/ocibox, $OCIBOX_ROOT, --root):
 *   lock                      flock: shared by every writer, exclusive for gc and repair
 *   locks/layer-<hex>         flock: one ingest of a layer at a time (the second one waits,
 *                             then finds the layer complete and returns without reading)
 *   locks/refs                flock: read-modify-write of images.json
 *   blobs/sha256/<hex>        manifests, configs, indexes; compressed layers only on request
 *   layers/<hex>/             one unpacked layer, <hex> its diff_id: diff/ (the tree),
 *                             layer.json (metadata), complete (written last)
 *   layers/l/<short>          symlink to ../<hex>/diff, so overlay's lowerdir string stays
 *                             under a page: "l/<24 hex>:" is 27 bytes, 151 layers per page
 *   images.json               reference -> digest (and the platform manifest of an index)
 *   containers/<id>/layers    diff_ids a container's overlay uses, one per line: gc keeps them
 *
 * Layers are keyed by diff_id, not by chain id. overlayfs stacks lowerdirs, so a layer's
 * directory holds only its own diff, with whiteouts kept as overlay whiteouts (0/0 character
 * devices, trusted.overlay.opaque=y) instead of being applied to a copy of the parent; what is
 * on disk then depends on the layer's tar alone, and one directory serves the same diff under
 * any parent. Docker keys by chain id because its older drivers applied each diff onto its
 * parent's tree; we never do (a copy-based driver applies the stack itself at mount time).
 *
 * Crash safety: everything that can be half-written is written under a temp name and renamed:
 * blobs as blobs/sha256/.<hex>.tmp*, layers as layers/<hex>.tmp-*, images.json as
 * .images.json.tmp*. kill -9 at any point leaves only those (and maybe a dangling l/ link),
 * which the next writer that finds the store idle, the next ingest of the same layer, gc or
 * store_check() removes. A directory under a layer's final name always has its marker.
 * Deleting a layer renames it to a temp name first, for the same reason.
 *
 * Every digest is verified while the data streams in: a blob against its name, a layer's
 * compressed bytes against the manifest's digest and size, the uncompressed tar against the
 * config's diff_id. A mismatch removes the partial data and the error names the layer.
 *
 * Errors follow libbb.h: a negative errno-style value and *err filled; nothing here exits. */
#ifndef OCIBOX_STORE_H
#define OCIBOX_STORE_H

#include "libbb.h"
#include "sha256.h"

#define STORE_DEFAULT_ROOT "/var/lib/ocibox"

/* A pull-based reader, the shape of inflate_reader_fn and tar_read_fn: up to len bytes into
 * buf, 0 at the end, negative with *err filled on failure. */
typedef ssize_t store_read_fn(void *ctx, void *buf, size_t len, struct error **err);

/* ---- opening (libbb/store.c) ---- */

enum {
	STORE_READ = 0,           /* no lock: read blobs, refs, layers */
	STORE_WRITE = 1 << 0,     /* shared lock for the handle's life: ingest, put, tag */
	STORE_EXCLUSIVE = 1 << 1, /* exclusive lock: gc, store_check() repairs */
	STORE_NONBLOCK = 1 << 2,  /* fail with EWOULDBLOCK instead of waiting for the lock */
};

struct store {
	char *root;
	int rootfd;
	int lockfd; /* -1 without a lock */
	unsigned mode;
};

/* One handle per process: flock() locks belong to the open file, so a process that holds a
 * STORE_WRITE handle and opens a STORE_EXCLUSIVE one waits for itself forever. A pull keeps
 * its STORE_WRITE handle from the first blob to the tag, so gc never sees its blobs and
 * layers unreferenced. Layers need root: overlay whiteouts are character devices and
 * trusted.* xattrs. */

/* $OCIBOX_ROOT if set and not empty, else STORE_DEFAULT_ROOT. */
const char *store_default_root(void);
/* Opens (creating its directories, mode 0700 for the root) the store at root. A writer that
 * finds no other process in the store removes leftovers of crashed writers first (quietly;
 * STORE_EXCLUSIVE does not, so that store_check() can report them). */
int store_open(const char *root, unsigned mode, struct store **out, struct error **err);
void store_close(struct store *s); /* releases the lock; NULL is fine */

/* "sha256:<64 lowercase hex>" -> hex (65 bytes with the NUL). Other algorithms are refused
 * by name ("sha512 digests are not supported"). */
int store_digest_hex(const char *digest, char hex[SHA256_HEX_SIZE], struct error **err);

/* ---- blobs (libbb/store_blob.c) ---- */

bool store_blob_exists(struct store *s, const char *digest);
/* Writes buf[0..len) as the blob digest after checking that it hashes to it. */
int store_blob_put(struct store *s, const char *digest, const void *buf, size_t len,
                   struct error **err);
/* Streams a blob of expected size (-1: unknown) from read, hashing as it writes; at most max
 * bytes (0: no cap). Returns 1 when it was already there (nothing read), 0 when written. */
int store_blob_ingest(struct store *s, store_read_fn *read, void *ctx, const char *digest,
                      int64_t size, uint64_t max, struct error **err);
/* The blob's bytes (NUL-terminated; at most max, 0: 16 MiB), verified against its digest,
 * or NULL with *err set. */
char *store_blob_get(struct store *s, const char *digest, size_t max, size_t *len,
                     struct error **err);
/* open(2) of the blob, O_RDONLY; negative with *err when missing. */
int store_blob_open(struct store *s, const char *digest, struct error **err);

/* ---- layers (libbb/store_layer.c) ---- */

enum store_compression {
	STORE_UNCOMPRESSED,
	STORE_GZIP,
	STORE_ZSTD, /* known, refused with a clear message */
};

/* The compression an OCI or Docker layer media type means; negative with *err for zstd and
 * for types that are not layers. */
int store_layer_compression(const char *media_type, struct error **err);

enum {
	STORE_KEEP_COMPRESSED = 1 << 0, /* also keep the compressed blob (push, save) */
	STORE_NO_SYNC = 1 << 1,         /* skip syncfs of the new layer (tests, tmpfs stores) */
};

struct store_ingest_opts {
	unsigned flags;
	uint64_t max_size;                        /* cap on the uncompressed tar; 0: 64 GiB */
	size_t writeback_bytes;                   /* dirty page cache bound per file; 0: 4 MiB */
	void (*warn)(void *ctx, const char *msg); /* skipped device nodes...; NULL: bb_warn() */
	void *ctx;
};

/* What an ingest measured, for progress lines and benchmarks. */
struct store_ingest_stats {
	uint64_t compressed;   /* bytes read */
	uint64_t uncompressed; /* bytes of tar */
	uint64_t content;      /* bytes of regular file data (Docker's layer size) */
	double sync_seconds;   /* spent in syncfs */
};

/* Pulls a layer through read in one pass: hashes the compressed bytes, inflates, hashes the tar,
 * extracts it with overlay whiteouts into a temp directory, then checks both digests, the size
 * and the end of both streams (trailing garbage, truncation), syncs and renames it into place.
 * Returns 1 when the layer was already complete (nothing read), 0 when ingested, negative on
 * failure with nothing left behind. stats may be NULL. */
int store_layer_ingest(struct store *s, store_read_fn *read, void *ctx, const char *digest,
                       int64_t size, const char *diff_id, const char *media_type,
                       const struct store_ingest_opts *o, struct store_ingest_stats *stats,
                       struct error **err);
bool store_layer_exists(struct store *s, const char *diff_id); /* complete marker present */
/* "<root>/layers/<hex>/diff" and "l/<short>" (relative to store_layers_dir(), for lowerdir);
 * malloc'd, NULL for a malformed diff_id. */
char *store_layer_path(struct store *s, const char *diff_id);
char *store_layer_link(struct store *s, const char *diff_id);
char *store_layers_dir(struct store *s);
/* layers/<hex>/layer.json, parsed; NULL with *err when missing or malformed. */
struct json *store_layer_meta(struct store *s, const char *diff_id, struct error **err);

/* ---- references and images (libbb/store_ref.c, store_image.c) ---- */

struct store_ref {
	char *name;       /* "docker.io/library/busybox:latest" or "...busybox@sha256:..." */
	char *digest;     /* what the name resolved to: an index or a manifest */
	char *manifest;   /* the manifest in use: the chosen platform's for an index, else digest */
	long long tagged; /* when the reference was set, seconds since the epoch */
};

struct store_refs {
	struct store_ref *v; /* sorted by name */
	size_t n;
};

/* All references (an absent images.json is an empty list). */
int store_refs_load(struct store *s, struct store_refs *refs, struct error **err);
void store_refs_free(struct store_refs *refs);
const struct store_ref *store_refs_find(const struct store_refs *refs, const char *name);
/* Adds or moves name to digest/manifest (manifest NULL: the same as digest). The manifest
 * blob must be in the store. images.json is rewritten atomically under locks/refs. */
int store_tag(struct store *s, const char *name, const char *digest, const char *manifest,
              struct error **err);
/* Removes name; -ENOENT with *err when it is not there. */
int store_untag(struct store *s, const char *name, struct error **err);

struct store_layer_ref {
	char *digest; /* compressed, as the manifest lists it */
	char *media_type;
	int64_t size;  /* compressed */
	char *diff_id; /* from the config's rootfs.diff_ids */
};

/* An image as `images`, `inspect` and `run` need it. */
struct store_image {
	char *manifest; /* the platform manifest */
	char *config;   /* its config digest; the first 12 hex digits are Docker's IMAGE ID */
	char *created;  /* the config's "created" (RFC 3339), "" when absent */
	uint64_t size;  /* sum of the layers' content bytes that are in the store */
	struct store_layer_ref *layers;
	size_t nlayers;
	bool complete; /* config and every layer present */
};

/* Reads the manifest blob and its config; the image's layers in manifest order. */
int store_image_load(struct store *s, const char *manifest, struct store_image *img,
                     struct error **err);
void store_image_free(struct store_image *img);
/* A reference, a full digest of a config or manifest ("sha256:..."), or a unique prefix of a
 * config digest's hex (Docker's IMAGE ID, any length) -> the manifest digest
 * (malloc'd). -ENOENT or, for a prefix that matches more than one image, -EINVAL. */
int store_image_resolve(struct store *s, const char *what, char **manifest, struct error **err);

/* ---- integrity (libbb/store_check.c) ---- */

/* One finding or repair per call: "blob sha256:...: digest mismatch (removed)". */
typedef void store_report_fn(void *ctx, const char *line);

/* Verifies every blob's digest, every layer's marker, metadata and link, every reference's
 * manifest, config and layers, and looks for leftovers. With repair (the store opened
 * STORE_EXCLUSIVE) it removes corrupt blobs, incomplete layers and leftovers, recreates
 * missing links and drops references whose image is gone. Returns the number of problems
 * found (0: clean), or negative on an error that stopped the check. */
int store_check(struct store *s, bool repair, store_report_fn *report, void *ctx,
                struct error **err);

/* ---- garbage collection and usage (libbb/store_gc.c) ---- */

struct store_marks;
/* Keeps a blob and a layer of that digest from gc (either may be absent). */
void store_mark(struct store_marks *m, const char *digest);

struct store_gc_opts {
	/* Marks what the store cannot see for itself (beyond containers/<id>/layers): called
	 * once, after the references were walked. */
	int (*keep)(void *ctx, struct store_marks *m, struct error **err);
	void *ctx;
	bool dry_run;            /* count only */
	store_report_fn *report; /* one line per removal; NULL: quiet */
	void *report_ctx;
};

struct store_usage {
	size_t images; /* distinct manifests referenced */
	size_t refs;
	size_t layers;
	uint64_t layer_bytes; /* content bytes (layer.json "size") */
	size_t blobs;
	uint64_t blob_bytes;
	size_t unused_layers, unused_blobs;
	uint64_t reclaimable; /* bytes of what no reference or container reaches */
};

/* Removes every blob and layer that no reference (walked through index, manifest and config)
 * and no container reaches, and any leftovers. Needs STORE_EXCLUSIVE. removed (may be NULL)
 * gets the usage before the sweep: its unused_* and reclaimable say what went (or would go,
 * with dry_run). */
int store_gc(struct store *s, const struct store_gc_opts *o, struct store_usage *removed,
             struct error **err);
/* Counts and sizes for `system df`. */
int store_df(struct store *s, struct store_usage *u, struct error **err);

#endif
