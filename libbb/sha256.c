/* SHA-256: mbedtls's portable code, or the CPU's SHA instructions where it has them. The
 * instructions are reached through GCC target attributes, so this file builds with every
 * toolchain's default flags; cpuid or AT_HWCAP decides at run time, once. */
#include "sha256.h"

#if defined(__x86_64__) || (defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
static const uint32_t sha256_k[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};
#endif

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* SHA-NI plus the SSSE3 byte shuffle and the SSE4.1 blend. */
#define SHANI __attribute__((target("sha,sse4.1,ssse3")))
#define SHANI_INLINE SHANI __attribute__((always_inline)) static inline

/* Four rounds: each sha256rnds2 does two, taking W+K from the low half of its third operand
 * and returning the new ABEF; the old ABEF is the new CDGH, so the two registers swap roles. */
SHANI_INLINE void shani_rounds4(__m128i *abef, __m128i *cdgh, __m128i w, const uint32_t *k)
{
	__m128i wk = _mm_add_epi32(w, _mm_load_si128((const __m128i *)k));

	*cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
	*abef = _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(wk, 0x0e));
}

/* W[t..t+3] from a = W[t-16..], b = W[t-12..], c = W[t-8..], d = W[t-4..]: msg1 adds
 * sigma0(W[t-15]), the alignr supplies W[t-7], msg2 adds sigma1(W[t-2]). */
SHANI_INLINE __m128i shani_schedule(__m128i a, __m128i b, __m128i c, __m128i d)
{
	__m128i x = _mm_add_epi32(_mm_sha256msg1_epu32(a, b), _mm_alignr_epi8(d, c, 4));

	return _mm_sha256msg2_epu32(x, d);
}

SHANI_INLINE __m128i shani_load_be(const uint8_t *p, __m128i bswap)
{
	return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), bswap);
}

SHANI static void sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	__m128i t0 = _mm_loadu_si128((const __m128i *)h);
	__m128i t1 = _mm_loadu_si128((const __m128i *)(h + 4));
	__m128i abef, cdgh, abef0, cdgh0, m0, m1, m2, m3;

	/* The instructions keep A,B,E,F in one register and C,D,G,H in the other, A and C in
	 * the top lane. */
	t0 = _mm_shuffle_epi32(t0, 0xb1); /* lanes B A D C */
	t1 = _mm_shuffle_epi32(t1, 0x1b); /* lanes H G F E */
	abef = _mm_alignr_epi8(t0, t1, 8);
	cdgh = _mm_blend_epi16(t1, t0, 0xf0);

	for (; nblocks; nblocks--, p += 64) {
		abef0 = abef;
		cdgh0 = cdgh;
		m0 = shani_load_be(p, bswap);
		m1 = shani_load_be(p + 16, bswap);
		m2 = shani_load_be(p + 32, bswap);
		m3 = shani_load_be(p + 48, bswap);
		shani_rounds4(&abef, &cdgh, m0, sha256_k);
		shani_rounds4(&abef, &cdgh, m1, sha256_k + 4);
		shani_rounds4(&abef, &cdgh, m2, sha256_k + 8);
		shani_rounds4(&abef, &cdgh, m3, sha256_k + 12);
		for (int i = 16; i < 64; i += 16) {
			m0 = shani_schedule(m0, m1, m2, m3);
			shani_rounds4(&abef, &cdgh, m0, sha256_k + i);
			m1 = shani_schedule(m1, m2, m3, m0);
			shani_rounds4(&abef, &cdgh, m1, sha256_k + i + 4);
			m2 = shani_schedule(m2, m3, m0, m1);
			shani_rounds4(&abef, &cdgh, m2, sha256_k + i + 8);
			m3 = shani_schedule(m3, m0, m1, m2);
			shani_rounds4(&abef, &cdgh, m3, sha256_k + i + 12);
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}

	t0 = _mm_shuffle_epi32(abef, 0x1b); /* lanes A B E F */
	t1 = _mm_shuffle_epi32(cdgh, 0xb1); /* lanes G H C D */
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t0, t1, 0xf0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(t1, t0, 8));
}

static sha256_blocks_fn *sha256_cpu_blocks(const char **name)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return NULL;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_SHA))
		return NULL;
	*name = "sha-ni";
	return sha256_blocks_shani;
}

#elif defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <arm_neon.h>
#include <sys/auxv.h>

#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1 << 6)
#endif

#define ARMV8_CE __attribute__((target("+crypto")))
#define ARMV8_CE_INLINE ARMV8_CE __attribute__((always_inline)) static inline

/* Four rounds: sha256h advances A..D and sha256h2 E..H, both from the old A..D. */
ARMV8_CE_INLINE void armv8_rounds4(uint32x4_t *abcd, uint32x4_t *efgh, uint32x4_t w,
				   const uint32_t *k)
{
	uint32x4_t wk = vaddq_u32(w, vld1q_u32(k)), abcd_in = *abcd;

	*abcd = vsha256hq_u32(abcd_in, *efgh, wk);
	*efgh = vsha256h2q_u32(*efgh, abcd_in, wk);
}

/* W[t..t+3] from a = W[t-16..], b = W[t-12..], c = W[t-8..], d = W[t-4..]. */
ARMV8_CE_INLINE uint32x4_t armv8_schedule(uint32x4_t a, uint32x4_t b, uint32x4_t c, uint32x4_t d)
{
	return vsha256su1q_u32(vsha256su0q_u32(a, b), c, d);
}

ARMV8_CE_INLINE uint32x4_t armv8_load_be(const uint8_t *p)
{
	return vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p)));
}

ARMV8_CE static void sha256_blocks_armv8(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	uint32x4_t abcd = vld1q_u32(h), efgh = vld1q_u32(h + 4);

	for (; nblocks; nblocks--, p += 64) {
		uint32x4_t abcd0 = abcd, efgh0 = efgh;
		uint32x4_t m0 = armv8_load_be(p), m1 = armv8_load_be(p + 16);
		uint32x4_t m2 = armv8_load_be(p + 32), m3 = armv8_load_be(p + 48);

		armv8_rounds4(&abcd, &efgh, m0, sha256_k);
		armv8_rounds4(&abcd, &efgh, m1, sha256_k + 4);
		armv8_rounds4(&abcd, &efgh, m2, sha256_k + 8);
		armv8_rounds4(&abcd, &efgh, m3, sha256_k + 12);
		for (int i = 16; i < 64; i += 16) {
			m0 = armv8_schedule(m0, m1, m2, m3);
			armv8_rounds4(&abcd, &efgh, m0, sha256_k + i);
			m1 = armv8_schedule(m1, m2, m3, m0);
			armv8_rounds4(&abcd, &efgh, m1, sha256_k + i + 4);
			m2 = armv8_schedule(m2, m3, m0, m1);
			armv8_rounds4(&abcd, &efgh, m2, sha256_k + i + 8);
			m3 = armv8_schedule(m3, m0, m1, m2);
			armv8_rounds4(&abcd, &efgh, m3, sha256_k + i + 12);
		}
		abcd = vaddq_u32(abcd, abcd0);
		efgh = vaddq_u32(efgh, efgh0);
	}
	vst1q_u32(h, abcd);
	vst1q_u32(h + 4, efgh);
}

static sha256_blocks_fn *sha256_cpu_blocks(const char **name)
{
	if (!(getauxval(AT_HWCAP) & HWCAP_SHA2))
		return NULL;
	*name = "armv8-ce";
	return sha256_blocks_armv8;
}

#else
static sha256_blocks_fn *sha256_cpu_blocks(const char **name)
{
	(void)name;
	return NULL;
}
#endif

/* Chosen at the first use. Racing threads would all store the same choice. */
static struct {
	sha256_blocks_fn *blocks; /* NULL: the CPU has no SHA-256 instructions */
	const char *name;
	bool chosen;
	bool portable; /* OCIBOX_SHA256=portable or sha256_force_portable() */
} sha256_sel;

static void sha256_choose(void)
{
	const char *env;

	if (sha256_sel.chosen)
		return;
	sha256_sel.chosen = true;
	env = getenv("OCIBOX_SHA256");
	sha256_sel.portable = env && STREQ(env, "portable");
	sha256_sel.blocks = sha256_cpu_blocks(&sha256_sel.name);
}

const char *sha256_impl(void)
{
	sha256_choose();
	return sha256_sel.blocks && !sha256_sel.portable ? sha256_sel.name : "mbedtls";
}

void sha256_force_portable(bool on)
{
	sha256_choose();
	sha256_sel.portable = on;
}

void sha256_init(struct sha256 *c)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

	sha256_choose();
	c->blocks = sha256_sel.portable ? NULL : sha256_sel.blocks;
	if (!c->blocks) {
		mbedtls_sha256_init(&c->u.mbedtls);
		mbedtls_sha256_starts_ret(&c->u.mbedtls, 0);
		return;
	}
	memcpy(c->u.cpu.h, h0, sizeof(h0));
	c->u.cpu.len = 0;
}

/* mbedtls's software SHA-256 cannot fail, so its return values carry nothing. */
void sha256_update(struct sha256 *c, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t used;

	if (!c->blocks) {
		mbedtls_sha256_update_ret(&c->u.mbedtls, p, n);
		return;
	}
	used = c->u.cpu.len % 64;
	c->u.cpu.len += n;
	if (used) {
		size_t take = n < 64 - used ? n : 64 - used;

		memcpy(c->u.cpu.buf + used, p, take);
		p += take;
		n -= take;
		if (used + take < 64)
			return;
		c->blocks(c->u.cpu.h, c->u.cpu.buf, 1);
	}
	if (n >= 64) {
		c->blocks(c->u.cpu.h, p, n / 64);
		p += n & ~(size_t)63;
		n %= 64;
	}
	memcpy(c->u.cpu.buf, p, n);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

void sha256_final(struct sha256 *c, uint8_t out[SHA256_DIGEST_SIZE])
{
	uint8_t *buf = c->u.cpu.buf;
	uint64_t bits;
	size_t used;

	if (!c->blocks) {
		mbedtls_sha256_finish_ret(&c->u.mbedtls, out);
		mbedtls_sha256_free(&c->u.mbedtls);
		return;
	}
	bits = c->u.cpu.len * 8;
	used = c->u.cpu.len % 64;
	/* Padding: 0x80, zeros up to 56 mod 64, the length in bits as 64 bits big-endian. */
	buf[used++] = 0x80;
	if (used > 56) {
		memset(buf + used, 0, 64 - used);
		c->blocks(c->u.cpu.h, buf, 1);
		used = 0;
	}
	memset(buf + used, 0, 56 - used);
	put_be32(buf + 56, bits >> 32);
	put_be32(buf + 60, bits);
	c->blocks(c->u.cpu.h, buf, 1);
	for (int i = 0; i < 8; i++)
		put_be32(out + 4 * i, c->u.cpu.h[i]);
}

void sha256_digest(const void *p, size_t n, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, p, n);
	sha256_final(&c, out);
}

void sha256_hex(const uint8_t d[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * SHA256_DIGEST_SIZE] = '\0';
}
