/* SHA-256 for every digest the image store checks (libbb/sha256.c): the CPU's SHA instructions
 * where it has them (x86_64 SHA-NI, ARMv8 SHA2), mbedtls everywhere else, picked once at run
 * time. OCIBOX_SHA256=portable in the environment forces mbedtls. */
#ifndef OCIBOX_SHA256_H
#define OCIBOX_SHA256_H

#include "libbb.h"
#include <mbedtls/sha256.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE 65 /* 64 digits and a NUL */

/* Compresses nblocks 64-byte blocks into the eight state words. */
typedef void sha256_blocks_fn(uint32_t h[8], const uint8_t *p, size_t nblocks);

/* A context stays on the path it started on, whatever sha256_force_portable() says later. */
struct sha256 {
	union {
		mbedtls_sha256_context mbedtls;
		struct {
			uint32_t h[8];
			uint64_t len; /* bytes so far */
			uint8_t buf[64];
		} cpu;
	} u;
	sha256_blocks_fn *blocks; /* the CPU's block function, NULL for mbedtls */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
void sha256_final(struct sha256 *c, uint8_t out[SHA256_DIGEST_SIZE]);
void sha256_digest(const void *p, size_t n, uint8_t out[SHA256_DIGEST_SIZE]); /* one shot */
void sha256_hex(const uint8_t d[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);

const char *sha256_impl(void); /* "sha-ni", "armv8-ce" or "mbedtls": what sha256_init() picks */
void sha256_force_portable(bool on); /* for tests: mbedtls for contexts started from now on */

#endif
