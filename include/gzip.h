/* gzip and DEFLATE (RFC 1951/1952) and CRC-32: the codec under layers, save, push and export.
 *
 * Inflate pulls: the caller hands inflate_new() a reader for the compressed bytes and then
 * reads the decompressed bytes with inflate_read() (into its buffer) or inflate_next() (a
 * pointer into the window, no copy). Nothing is buffered beyond a fixed window, so a layer
 * pull composes without whole-layer buffers:
 *
 *   socket --reader--> sha256(compressed) --> inflate_read() --> tar reader --> sha256(tar)
 *
 * The reader callback reads from the socket into the buffer inflate gives it and hashes
 * exactly those bytes before returning them, so the compressed digest covers every byte of
 * the stream, trailing garbage included; the tar reader calls inflate_read() for each header
 * and file body it wants and hashes what it gets (the DiffID). Errors from the reader (a reset
 * connection) come back from inflate_read() as they were set.
 *
 * Deflate pushes: deflate_write() takes bytes as a producer makes them (a tar writer) and
 * passes compressed bytes to a writer callback (which can hash them and write a blob);
 * deflate_finish() ends the stream.
 *
 * Both return a negative value and fill `err` on failure (see libbb.h); a failed stream stays
 * failed. Inflate's messages start with "invalid compressed data: " or "not in gzip format"
 * and name the compressed byte offset where that helps. */
#ifndef OCIBOX_GZIP_H
#define OCIBOX_GZIP_H

#include "libbb.h"

/* ---- CRC-32 (ISO-HDLC, as gzip and PNG use it) (libbb/crc32.c) ---- */

/* crc32_update(0, buf, len) is the CRC of buf; pass the result back in to continue. Uses
 * carry-less multiplication on x86_64 CPUs that have it. */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);
/* The table-driven code every CPU can run; crc32_update() must always agree with it. */
uint32_t crc32_portable(uint32_t crc, const void *buf, size_t len);

/* ---- inflate (libbb/inflate.c) ---- */

/* Reads up to len compressed bytes into buf: returns how many, 0 at end of input, or a
 * negative value after filling err. */
typedef ssize_t inflate_reader_fn(void *ctx, void *buf, size_t len, struct error **err);

enum {
	INFLATE_RAW = 1 << 0, /* a bare DEFLATE stream: no gzip header, trailer or members */
};

struct inflate;

struct inflate *inflate_new(inflate_reader_fn *read, void *ctx, unsigned flags);
void inflate_free(struct inflate *z);
/* A cap on the total decompressed size (zip bombs): past it, reads fail. 0: no cap. */
void inflate_set_limit(struct inflate *z, uint64_t max_out);
/* Up to len decompressed bytes into buf: returns how many, 0 at the end of the last gzip
 * member (after its CRC and size were checked), or a negative value with err filled. */
ssize_t inflate_read(struct inflate *z, void *buf, size_t len, struct error **err);
/* The same without a copy: *data points at the next decompressed bytes, valid until the
 * next call; returns how many, 0 at the end, or a negative value. */
ssize_t inflate_next(struct inflate *z, const void **data, struct error **err);
uint64_t inflate_total_in(const struct inflate *z);  /* compressed bytes consumed */
uint64_t inflate_total_out(const struct inflate *z); /* decompressed bytes produced */

/* One shot: inflate in[0..len) and append the result to out. */
int inflate_mem(const void *in, size_t len, unsigned flags, uint64_t max_out, struct strbuf *out,
		struct error **err);

/* ---- deflate (libbb/deflate.c) ---- */

/* Takes len compressed bytes; returns 0 or a negative value after filling err. */
typedef int deflate_writer_fn(void *ctx, const void *buf, size_t len, struct error **err);

enum {
	DEFLATE_RAW = 1 << 0, /* a bare DEFLATE stream instead of one gzip member */
};

struct deflate;

/* level 1 (fastest) .. 9 (smallest); 6 is gzip's default. The gzip header carries mtime 0
 * and OS 255, so the same input always gives the same bytes (reproducible layer digests). */
struct deflate *deflate_new(int level, unsigned flags, deflate_writer_fn *write, void *ctx);
int deflate_write(struct deflate *d, const void *buf, size_t len, struct error **err);
int deflate_finish(struct deflate *d, struct error **err); /* last block and gzip trailer */
void deflate_free(struct deflate *d);

/* One shot: compress in[0..len) at level and append the result to out. */
int deflate_mem(const void *in, size_t len, int level, unsigned flags, struct strbuf *out,
		struct error **err);

#endif
