/* CRC-32 of gzip (RFC 1952): slicing-by-8 tables everywhere, carry-less multiply folding on
 * x86_64 CPUs that have PCLMULQDQ. Both work on the bit-reflected polynomial 0xEDB88320.
 *
 * Inside, "state" is the register without gzip's pre- and post-inversion; crc32_update()
 * inverts on the way in and out, so callers chain CRCs the way zlib's crc32() does. */
#include "gzip.h"

#define CRC_POLY_REFLECTED 0xEDB88320u
#define CRC_POLY_FULL 0x104C11DB7ull /* x^32 + ..., not reflected, for x^n mod P */

static uint32_t crc_table[8][256];
static bool crc_table_ready;

static void crc_table_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ CRC_POLY_REFLECTED : c >> 1;
		crc_table[0][i] = c;
	}
	/* table k: the effect of a byte followed by k zero bytes */
	for (unsigned i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^
					  crc_table[0][crc_table[k - 1][i] & 0xff];
	crc_table_ready = true;
}

/* Assembled from bytes, so the same code is right on big-endian CPUs. */
static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc32_slice8(uint32_t state, const uint8_t *p, size_t n)
{
	const uint32_t(*t)[256] = crc_table;

	for (; n >= 8; p += 8, n -= 8) {
		uint32_t a = state ^ load_le32(p), b = load_le32(p + 4);

		state = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^ t[5][(a >> 16) & 0xff] ^
			t[4][a >> 24] ^ t[3][b & 0xff] ^ t[2][(b >> 8) & 0xff] ^
			t[1][(b >> 16) & 0xff] ^ t[0][b >> 24];
	}
	while (n--)
		state = t[0][(state ^ *p++) & 0xff] ^ (state >> 8);
	return state;
}

/* x^n mod P in the ordinary (not reflected) bit order. */
static uint32_t xpow_mod_p(unsigned n)
{
	uint64_t r = 1;

	while (n--) {
		r <<= 1;
		if (r & (1ull << 32))
			r ^= CRC_POLY_FULL;
	}
	return (uint32_t)r;
}

static uint32_t bitrev32(uint32_t v)
{
	uint32_t r = 0;

	for (int i = 0; i < 32; i++, v >>= 1)
		r = r << 1 | (v & 1);
	return r;
}

/* A 128-bit register of reflected message bits is L * x^64 + H (L: its low quadword, the
 * earlier bytes). Moving it D bits further down the message is L * x^(D+64) + H * x^D mod P.
 * A carry-less product of two reflected 64-bit values comes out one bit short of a reflected
 * 128-bit value, i.e. multiplied by x, hence the exponents D+63 and D-1. A constant of
 * degree < 32 sits in the top half of its quadword when reflected. */
static uint64_t fold_constant(unsigned exponent)
{
	return (uint64_t)bitrev32(xpow_mod_p(exponent)) << 32;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static uint64_t fold512[2], fold128[2]; /* {for L, for H}, set once by crc32_select() */

static bool cpu_has_pclmul(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	return (c & bit_PCLMUL) && (c & bit_SSE4_1);
}

__attribute__((target("pclmul,sse4.1"))) static inline __m128i fold(__m128i x, __m128i k,
								   __m128i next)
{
	__m128i lo = _mm_clmulepi64_si128(x, k, 0x00), hi = _mm_clmulepi64_si128(x, k, 0x11);

	return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* Folds 64-byte strides into one 128-bit register congruent to the message, then lets the
 * table code divide those 16 bytes: no Barrett reduction needed. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t crc32_clmul(uint32_t state,
								     const uint8_t *p, size_t n)
{
	__m128i k512, k128, x0, x1, x2, x3;
	uint8_t tail[16];

	if (n < 128)
		return crc32_slice8(state, p, n);
	k512 = _mm_set_epi64x((long long)fold512[1], (long long)fold512[0]);
	k128 = _mm_set_epi64x((long long)fold128[1], (long long)fold128[0]);
	x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)state));
	x1 = _mm_loadu_si128((const __m128i *)(p + 16));
	x2 = _mm_loadu_si128((const __m128i *)(p + 32));
	x3 = _mm_loadu_si128((const __m128i *)(p + 48));
	for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
		x0 = fold(x0, k512, _mm_loadu_si128((const __m128i *)p));
		x1 = fold(x1, k512, _mm_loadu_si128((const __m128i *)(p + 16)));
		x2 = fold(x2, k512, _mm_loadu_si128((const __m128i *)(p + 32)));
		x3 = fold(x3, k512, _mm_loadu_si128((const __m128i *)(p + 48)));
	}
	x1 = fold(x0, k128, x1);
	x2 = fold(x1, k128, x2);
	x3 = fold(x2, k128, x3);
	for (; n >= 16; p += 16, n -= 16)
		x3 = fold(x3, k128, _mm_loadu_si128((const __m128i *)p));
	_mm_storeu_si128((__m128i *)tail, x3);
	return crc32_slice8(crc32_slice8(0, tail, 16), p, n);
}

static void crc32_fast_init(void)
{
	fold512[0] = fold_constant(512 + 63);
	fold512[1] = fold_constant(512 - 1);
	fold128[0] = fold_constant(128 + 63);
	fold128[1] = fold_constant(128 - 1);
}
#else
static bool cpu_has_pclmul(void)
{
	return false;
}

static uint32_t crc32_clmul(uint32_t state, const uint8_t *p, size_t n)
{
	return crc32_slice8(state, p, n);
}

static void crc32_fast_init(void)
{
	(void)fold_constant;
}
#endif

static uint32_t (*crc32_impl)(uint32_t state, const uint8_t *p, size_t n);

static void crc32_select(void)
{
	if (!crc_table_ready)
		crc_table_init();
	crc32_impl = crc32_slice8;
	if (cpu_has_pclmul()) {
		crc32_fast_init();
		crc32_impl = crc32_clmul;
	}
}

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len)
{
	if (!crc32_impl)
		crc32_select();
	return ~crc32_impl(~crc, buf, len);
}

uint32_t crc32_portable(uint32_t crc, const void *buf, size_t len)
{
	if (!crc_table_ready)
		crc_table_init();
	return ~crc32_slice8(~crc, buf, len);
}
