/* Streaming inflate (RFC 1951) with gzip members (RFC 1952), pulled through a reader callback.
 *
 * Decoded bytes land in a window: 32 KiB of history followed by room for a run of new output;
 * the caller reads from it, and when it has read everything and the room runs low the history
 * moves back to the front. Huffman codes decode through an 11-bit (distances: 8-bit) primary
 * table whose entries carry the base value and the count of extra bits, so one lookup and one
 * shift decode a length or distance; longer codes go through a second-level table. While at
 * least FAST_IN input bytes and OUT_ROOM window bytes are left, a fast loop keeps the bit
 * buffer in registers and refills it a 64-bit word at a time; near the end of the input a
 * careful path decodes one symbol at a time, padding with zero bits past the end and failing
 * if a symbol needed them. */
#include "gzip.h"

#define WIN_HIST 32768u
#define WIN_SIZE (112u * 1024) /* with the slack, under 128 KiB: one ordinary allocation */
#define WIN_SLACK 64u  /* match copies write whole words and may pass the room's end */
#define WIN_MIN_ROOM (64u * 1024) /* slide the history back when less room is left */
#define IN_SIZE (64u * 1024)
#define MAX_MATCH 258u
#define FAST_IN 16     /* input one fast step may read: two 8-byte refills */
#define OUT_ROOM 272   /* window room one step may write: a literal and a match, plus a word */

#define LITLEN_BITS 11
#define DIST_BITS 8
#define PRECODE_BITS 7
/* Primary tables plus second-level tables. With complete codes a second-level table of 2^k
 * entries holds at least k+1 codes, which bounds the total (288 and 32 codes at most). */
#define LITLEN_ENOUGH (2048 + 1024)
#define DIST_ENOUGH (256 + 512)

/* A table entry: bits 0-3 the code length to consume (for a pointer: the primary bits),
 * 4-7 the count of extra bits (for a pointer: the second-level table's bits), 8-11 flags,
 * 16-31 the value (literal, base length or distance, symbol, or second-level offset). */
#define E_LIT 0x100u
#define E_EOB 0x200u
#define E_SUB 0x400u
#define E_BAD 0x800u
#define E_CODELEN(e) ((e) & 15u)
#define E_EXTRA(e) (((e) >> 4) & 15u)
#define E_VAL(e) ((e) >> 16)
#define LOW_BITS(v, n) ((unsigned)(v) & ((1u << (n)) - 1))

enum { TABLE_LITLEN, TABLE_DIST, TABLE_PRECODE };

enum {
	ST_HEADER,  /* gzip member header */
	ST_BLOCK,   /* block header */
	ST_STORED,  /* copying a stored block */
	ST_HUFFMAN, /* decoding a fixed or dynamic block */
	ST_TRAILER, /* gzip CRC and size */
	ST_NEXT,    /* another member, or the end */
	ST_DONE,
	ST_FAILED,
};

static const uint16_t length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10,  11,  13,
					 15, 17, 19, 23, 27, 31, 35, 43,  51,  59,
					 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
					 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,
				       17,   25,   33,   49,   65,   97,    129,   193,
				       257,  385,  513,  769,  1025, 1537,  2049,  3073,
				       4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3,  3,  4,  4,  5,  5,  6,
				       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
/* The order the code length code's lengths come in (RFC 1951 3.2.7). */
static const uint8_t precode_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
					  11, 4,  12, 3, 13, 2, 14, 1, 15};

struct inflate {
	inflate_reader_fn *read;
	void *rctx;
	unsigned flags;
	int state;
	uint64_t limit;

	/* input: in[0..IN_SIZE), unread bytes in_ptr..in_end */
	uint8_t *in, *in_ptr, *in_end;
	bool in_eof;
	unsigned pad;    /* zero bytes added to the bit buffer past the end of the input */
	uint64_t in_total; /* bytes the reader gave */
	uint64_t bitbuf;   /* bits above bitcnt: zero, or the input bytes at in_ptr */
	unsigned bitcnt;

	/* output window: history from wbase, unread rpos..wpos, not yet in the CRC crc_pos.. */
	uint8_t *win, *wend, *wbase, *rpos, *wpos, *crc_pos;
	uint64_t total_out;
	uint32_t crc, isize;
	uint32_t stored_left;
	bool final_block, tables_fixed, first_member;

	uint32_t litlen[LITLEN_ENOUGH];
	uint32_t dist[DIST_ENOUGH];
	uint32_t precode[1u << PRECODE_BITS];
};

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
		v = __builtin_bswap64(v);
	return v;
}

/* ---- errors ---- */

/* Compressed bytes consumed so far, a partly read byte counting as not yet consumed: what the
 * reader gave less what is still buffered. Errors name this offset. */
static uint64_t consumed(const struct inflate *z)
{
	uint64_t buffered = (uint64_t)(z->in_end - z->in_ptr);
	unsigned real_bits = z->bitcnt > 8 * z->pad ? z->bitcnt - 8 * z->pad : 0;

	return z->in_total - buffered - (real_bits + 7) / 8;
}

static int fail(struct inflate *z, struct error **err, const char *what)
{
	z->state = ST_FAILED;
	return err_set(err, 0, "invalid compressed data: %s at byte %llu", what,
		       (unsigned long long)consumed(z));
}

static int fail_plain(struct inflate *z, struct error **err, const char *what)
{
	z->state = ST_FAILED;
	return err_set(err, 0, "invalid compressed data: %s", what);
}

static int truncated(struct inflate *z, struct error **err)
{
	z->state = ST_FAILED;
	return err_set(err, 0, "invalid compressed data: truncated at byte %llu",
		       (unsigned long long)z->in_total);
}

/* ---- input and the careful bit reader ---- */

/* Tops up the input buffer: 1 if bytes came, 0 at the end, negative if the reader failed. */
static int more_input(struct inflate *z, struct error **err)
{
	size_t keep = z->in_end - z->in_ptr;
	ssize_t r;

	if (z->in_eof)
		return 0;
	if (z->in_ptr != z->in) {
		memmove(z->in, z->in_ptr, keep);
		z->in_ptr = z->in;
		z->in_end = z->in + keep;
	}
	if (keep == IN_SIZE)
		return 1;
	r = z->read(z->rctx, z->in_end, IN_SIZE - keep, err);
	if (r < 0) {
		z->state = ST_FAILED;
		return (int)r;
	}
	if (r == 0) {
		z->in_eof = true;
		return 0;
	}
	z->in_end += r;
	z->in_total += r;
	return 1;
}

/* Fills the bit buffer to at least 56 bits, with zero bytes past the end of the input. */
static int refill_slow(struct inflate *z, struct error **err)
{
	z->bitbuf &= ((uint64_t)1 << z->bitcnt) - 1;
	while (z->bitcnt < 56) {
		uint64_t byte = 0;

		if (z->in_ptr == z->in_end) {
			int r = more_input(z, err);

			if (r < 0)
				return r;
		}
		if (z->in_ptr < z->in_end)
			byte = *z->in_ptr++;
		else
			z->pad++;
		z->bitbuf |= byte << z->bitcnt;
		z->bitcnt += 8;
	}
	return 0;
}

static inline void drop_bits(struct inflate *z, unsigned n)
{
	z->bitbuf >>= n;
	z->bitcnt -= n;
}

/* Did the last symbol use bits that were only padding? */
static inline bool overran(const struct inflate *z)
{
	return z->bitcnt < 8 * z->pad;
}

static int get_bits(struct inflate *z, unsigned n, uint32_t *v, struct error **err)
{
	int r;

	if (z->bitcnt < n + 8 * z->pad || z->bitcnt < n) {
		if ((r = refill_slow(z, err)) < 0)
			return r;
		if (z->bitcnt < n + 8 * z->pad)
			return truncated(z, err);
	}
	*v = (uint32_t)(z->bitbuf & (((uint64_t)1 << n) - 1));
	drop_bits(z, n);
	return 0;
}

static void align_to_byte(struct inflate *z)
{
	drop_bits(z, z->bitcnt & 7);
}

/* A header byte, added to the header's CRC. */
static int get_header_byte(struct inflate *z, uint32_t *hcrc, uint32_t *v, struct error **err)
{
	uint8_t b;
	int r = get_bits(z, 8, v, err);

	if (r < 0)
		return r;
	b = (uint8_t)*v;
	*hcrc = crc32_update(*hcrc, &b, 1);
	return 0;
}

/* ---- Huffman tables ---- */

static uint32_t symbol_entry(int kind, unsigned sym)
{
	if (kind == TABLE_PRECODE)
		return sym << 16;
	if (kind == TABLE_DIST)
		return sym < 30 ? (uint32_t)dist_base[sym] << 16 | dist_extra[sym] << 4 : E_BAD;
	if (sym < 256)
		return E_LIT | sym << 16;
	if (sym == 256)
		return E_EOB;
	if (sym < 286)
		return (uint32_t)length_base[sym - 257] << 16 | length_extra[sym - 257] << 4;
	return E_BAD;
}

static unsigned reverse_bits(unsigned v, unsigned n)
{
	unsigned r = 0;

	while (n--) {
		r = r << 1 | (v & 1);
		v >>= 1;
	}
	return r;
}

enum { TABLE_OK, TABLE_OVERSUBSCRIBED, TABLE_INCOMPLETE, TABLE_OVERFLOW };

/* Builds a decoding table from code lengths: TABLE_OK or what is wrong with them. Codes are
 * canonical (RFC 1951 3.2.2): by length, then by symbol. The bit stream carries a code's first
 * bit in its lowest bit, so entries sit at the bit-reversed code. */
static int build_table(uint32_t *table, unsigned enough, unsigned bits, const uint8_t *lens,
		       unsigned n, int kind)
{
	unsigned count[16] = {0}, remaining[16], start[16];
	uint16_t sorted[288];
	unsigned total = 0, code = 0, sub_prefix = ~0u, sub_bits = 0, sub_off = 1u << bits;
	int left = 1;

	for (unsigned s = 0; s < n; s++)
		count[lens[s]]++;
	for (unsigned len = 1; len <= 15; len++) {
		left = (left << 1) - (int)count[len];
		if (left < 0)
			return TABLE_OVERSUBSCRIBED;
		total += count[len];
	}
	/* A lone code of length 1 (or none) may be incomplete, as zlib has always allowed. */
	if (left > 0 && (kind == TABLE_PRECODE || total > 1))
		return TABLE_INCOMPLETE;
	start[1] = 0;
	for (unsigned len = 1; len < 15; len++)
		start[len + 1] = start[len] + count[len];
	for (unsigned s = 0; s < n; s++)
		if (lens[s])
			sorted[start[lens[s]]++] = (uint16_t)s;
	memcpy(remaining, count, sizeof(count));
	for (unsigned i = 0; i < (1u << bits); i++)
		table[i] = E_BAD;

	for (unsigned len = 1, i = 0; len <= 15; len++, code <<= 1) {
		for (unsigned k = 0; k < count[len]; k++, code++, i++) {
			uint32_t e = symbol_entry(kind, sorted[i]);
			unsigned prefix, sub_len;

			remaining[len]--;
			if (len <= bits) {
				for (unsigned j = reverse_bits(code, len); j < (1u << bits); j += 1u << len)
					table[j] = e | len;
				continue;
			}
			prefix = code >> (len - bits);
			if (prefix != sub_prefix) {
				/* a new second-level table, as deep as its codes need to fill it */
				int space;
				unsigned l = len;

				sub_off += sub_prefix == ~0u ? 0 : 1u << sub_bits;
				sub_prefix = prefix;
				sub_bits = len - bits;
				space = (1 << sub_bits) - (int)remaining[len] - 1;
				while (space > 0 && l < 15) {
					l++;
					sub_bits++;
					space = space * 2 - (int)remaining[l];
				}
				if (sub_off + (1u << sub_bits) > enough)
					return TABLE_OVERFLOW;
				for (unsigned j = 0; j < (1u << sub_bits); j++)
					table[sub_off + j] = E_BAD;
				table[reverse_bits(prefix, bits)] = E_SUB | sub_off << 16 | sub_bits << 4 | bits;
			}
			sub_len = len - bits;
			for (unsigned j = reverse_bits(code & ((1u << sub_len) - 1), sub_len);
			     j < (1u << sub_bits); j += 1u << sub_len)
				table[sub_off + j] = e | sub_len;
		}
	}
	return TABLE_OK;
}

static int table_error(struct inflate *z, struct error **err, int why, int kind)
{
	static const char *const names[] = {"literal/length", "distance", "code length"};
	static const char *const whys[] = {"", "over-subscribed", "incomplete", "oversized"};

	z->state = ST_FAILED;
	return err_set(err, 0, "invalid compressed data: %s %s code at byte %llu", whys[why],
		       names[kind], (unsigned long long)consumed(z));
}

static void build_fixed_tables(struct inflate *z)
{
	uint8_t lens[288 + 32];

	if (z->tables_fixed)
		return;
	memset(lens, 8, 144);
	memset(lens + 144, 9, 112);
	memset(lens + 256, 7, 24);
	memset(lens + 280, 8, 8);
	memset(lens + 288, 5, 32);
	build_table(z->litlen, LITLEN_ENOUGH, LITLEN_BITS, lens, 288, TABLE_LITLEN);
	build_table(z->dist, DIST_ENOUGH, DIST_BITS, lens + 288, 32, TABLE_DIST);
	z->tables_fixed = true;
}

static inline uint32_t lookup(const uint32_t *table, unsigned bits, uint64_t *bb, unsigned *bc)
{
	uint32_t e = table[*bb & ((1u << bits) - 1)];

	if (e & E_SUB) {
		*bb >>= bits;
		*bc -= bits;
		e = table[E_VAL(e) + LOW_BITS(*bb, E_EXTRA(e))];
	}
	return e;
}

static int read_dynamic_tables(struct inflate *z, struct error **err)
{
	uint8_t lens[286 + 30], pre[19] = {0};
	uint32_t hlit, hdist, hclen, v;
	unsigned i = 0;
	int r;

	if ((r = get_bits(z, 5, &hlit, err)) < 0 || (r = get_bits(z, 5, &hdist, err)) < 0 ||
	    (r = get_bits(z, 4, &hclen, err)) < 0)
		return r;
	hlit += 257;
	hdist += 1;
	if (hlit > 286 || hdist > 30)
		return fail(z, err, "too many length or distance codes");
	for (unsigned k = 0; k < hclen + 4; k++) {
		if ((r = get_bits(z, 3, &v, err)) < 0)
			return r;
		pre[precode_order[k]] = (uint8_t)v;
	}
	if ((r = build_table(z->precode, ARRAY_SIZE(z->precode), PRECODE_BITS, pre, 19,
			     TABLE_PRECODE)))
		return table_error(z, err, r, TABLE_PRECODE);
	while (i < hlit + hdist) {
		uint32_t e, sym, rep = 0, fill = 0;

		if ((r = refill_slow(z, err)) < 0)
			return r;
		e = z->precode[z->bitbuf & ((1u << PRECODE_BITS) - 1)];
		drop_bits(z, E_CODELEN(e));
		if (overran(z))
			return truncated(z, err);
		sym = E_VAL(e);
		if (sym < 16) {
			lens[i++] = (uint8_t)sym;
			continue;
		}
		if (sym == 16) {
			if (i == 0)
				return fail(z, err, "code length repeat with no previous length");
			fill = lens[i - 1];
			r = get_bits(z, 2, &rep, err);
			rep += 3;
		} else if (sym == 17) {
			r = get_bits(z, 3, &rep, err);
			rep += 3;
		} else {
			r = get_bits(z, 7, &rep, err);
			rep += 11;
		}
		if (r < 0)
			return r;
		if (i + rep > hlit + hdist)
			return fail(z, err, "code lengths repeat past the end");
		memset(lens + i, (int)fill, rep);
		i += rep;
	}
	if (lens[256] == 0)
		return fail(z, err, "missing end-of-block code");
	z->tables_fixed = false;
	if ((r = build_table(z->litlen, LITLEN_ENOUGH, LITLEN_BITS, lens, hlit, TABLE_LITLEN)))
		return table_error(z, err, r, TABLE_LITLEN);
	if ((r = build_table(z->dist, DIST_ENOUGH, DIST_BITS, lens + hlit, hdist, TABLE_DIST)))
		return table_error(z, err, r, TABLE_DIST);
	return 0;
}

/* ---- decoding ---- */

/* Copies a match of len bytes from dist back. Whole words where they cannot overlap
 * wrongly, so it may write up to 7 bytes past the end (the window has room for that). */
static inline void copy_match(uint8_t *dst, unsigned dist, unsigned len)
{
	const uint8_t *src = dst - dist;
	uint8_t *end = dst + len;

	if (dist >= 8) {
		do {
			memcpy(dst, src, 8);
			dst += 8;
			src += 8;
		} while (dst < end);
	} else if (dist == 1) {
		uint64_t v = 0x0101010101010101ull * *src;

		do {
			memcpy(dst, &v, 8);
			dst += 8;
		} while (dst < end);
	} else {
		do
			*dst++ = *src++;
		while (dst < end);
	}
}

enum { RUN_ROOM, RUN_EOB, RUN_BAD_LITLEN, RUN_BAD_DIST, RUN_TOO_FAR, RUN_TRUNCATED = 0x100 };

/* The fast loop: needs FAST_IN input bytes and OUT_ROOM window bytes at every step. */
static int decode_fast(struct inflate *z)
{
	const uint8_t *in = z->in_ptr, *in_stop = z->in_end - FAST_IN;
	uint8_t *out = z->wpos, *out_stop = z->wend - OUT_ROOM, *wbase = z->wbase;
	const uint32_t *ll = z->litlen, *dt = z->dist;
	uint64_t bb = z->bitbuf;
	unsigned bc = z->bitcnt;
	int ret = RUN_ROOM;

	while (in <= in_stop && out <= out_stop) {
		uint32_t e, len, dist;

		/* the bits above bc already hold these bytes or zeros, so OR is safe */
		bb |= load_le64(in) << bc;
		in += (63 - bc) >> 3;
		bc |= 56;
		e = lookup(ll, LITLEN_BITS, &bb, &bc);
		if (e & E_LIT) {
			bb >>= E_CODELEN(e);
			bc -= E_CODELEN(e);
			*out++ = (uint8_t)E_VAL(e);
			/* 41 bits left: enough for another literal, or a length */
			e = lookup(ll, LITLEN_BITS, &bb, &bc);
			if (e & E_LIT) {
				bb >>= E_CODELEN(e);
				bc -= E_CODELEN(e);
				*out++ = (uint8_t)E_VAL(e);
				continue;
			}
		}
		if (e & (E_EOB | E_BAD)) {
			/* a bad code counts as read, as in decode_slow(): errors name its end */
			unsigned n = E_CODELEN(e) ? E_CODELEN(e) : 1;

			bb >>= n;
			bc -= n;
			ret = e & E_EOB ? RUN_EOB : RUN_BAD_LITLEN;
			break;
		}
		len = E_VAL(e) + LOW_BITS(bb >> E_CODELEN(e), E_EXTRA(e));
		bb >>= E_CODELEN(e) + E_EXTRA(e);
		bc -= E_CODELEN(e) + E_EXTRA(e);
		if (bc < 28) { /* a distance takes up to 15 + 13 bits */
			bb |= load_le64(in) << bc;
			in += (63 - bc) >> 3;
			bc |= 56;
		}
		e = lookup(dt, DIST_BITS, &bb, &bc);
		if (e & E_BAD) {
			unsigned n = E_CODELEN(e) ? E_CODELEN(e) : 1;

			bb >>= n;
			bc -= n;
			ret = RUN_BAD_DIST;
			break;
		}
		dist = E_VAL(e) + LOW_BITS(bb >> E_CODELEN(e), E_EXTRA(e));
		bb >>= E_CODELEN(e) + E_EXTRA(e);
		bc -= E_CODELEN(e) + E_EXTRA(e);
		if (dist > (size_t)(out - wbase)) {
			ret = RUN_TOO_FAR;
			break;
		}
		copy_match(out, dist, len);
		out += len;
	}
	z->in_ptr = (uint8_t *)in;
	z->wpos = out;
	z->bitbuf = bb;
	z->bitcnt = bc;
	return ret;
}

/* A code no table entry matches: at least one bit of it was read. If that bit was only
 * padding, the input ended early rather than carried a bad code. */
static int bad_code(struct inflate *z, uint64_t bb, unsigned bc, uint32_t e, int what)
{
	unsigned len = E_CODELEN(e) ? E_CODELEN(e) : 1;

	z->bitbuf = bb >> len;
	z->bitcnt = bc - len;
	return overran(z) ? what | RUN_TRUNCATED : what;
}

/* One symbol near the end of the input, where the bit buffer may hold padding. */
static int decode_slow(struct inflate *z, struct error **err)
{
	uint64_t bb;
	unsigned bc;
	uint32_t e, len, dist;
	int r;

	if ((r = refill_slow(z, err)) < 0)
		return r;
	bb = z->bitbuf;
	bc = z->bitcnt;
	e = lookup(z->litlen, LITLEN_BITS, &bb, &bc);
	if (e & E_BAD)
		return bad_code(z, bb, bc, e, RUN_BAD_LITLEN);
	bb >>= E_CODELEN(e);
	bc -= E_CODELEN(e);
	if (e & (E_LIT | E_EOB)) {
		z->bitbuf = bb;
		z->bitcnt = bc;
		if (overran(z))
			return RUN_TRUNCATED;
		if (e & E_EOB)
			return RUN_EOB;
		*z->wpos++ = (uint8_t)E_VAL(e);
		return RUN_ROOM;
	}
	len = E_VAL(e) + LOW_BITS(bb, E_EXTRA(e));
	bb >>= E_EXTRA(e);
	bc -= E_EXTRA(e);
	e = lookup(z->dist, DIST_BITS, &bb, &bc);
	if (e & E_BAD)
		return bad_code(z, bb, bc, e, RUN_BAD_DIST);
	z->bitbuf = bb;
	z->bitcnt = bc;
	dist = E_VAL(e) + LOW_BITS(bb >> E_CODELEN(e), E_EXTRA(e));
	drop_bits(z, E_CODELEN(e) + E_EXTRA(e));
	if (overran(z))
		return RUN_TRUNCATED;
	if (dist > (size_t)(z->wpos - z->wbase))
		return RUN_TOO_FAR;
	copy_match(z->wpos, dist, len);
	z->wpos += len;
	return RUN_ROOM;
}

/* Decodes a Huffman block until its end (1) or until the window room runs out (0). */
static int decode_huffman(struct inflate *z, struct error **err)
{
	for (;;) {
		int r;

		if (z->wend - z->wpos < OUT_ROOM)
			return 0;
		if (z->in_end - z->in_ptr < FAST_IN && (r = more_input(z, err)) < 0)
			return r;
		if (z->in_end - z->in_ptr >= FAST_IN)
			r = decode_fast(z);
		else if ((r = decode_slow(z, err)) < 0)
			return r;
		if (r == RUN_EOB)
			return 1;
		if (r & RUN_TRUNCATED)
			return truncated(z, err);
		if (r == RUN_BAD_LITLEN)
			return fail(z, err, "invalid literal/length code");
		if (r == RUN_BAD_DIST)
			return fail(z, err, "invalid distance code");
		if (r == RUN_TOO_FAR)
			return fail(z, err, "distance too far back");
	}
}

/* Stored block bytes: first whole bytes left in the bit buffer, then straight from the input.
 * 1 when the block is done, 0 when the window room runs out. */
static int copy_stored(struct inflate *z, struct error **err)
{
	while (z->stored_left) {
		size_t room = z->wend - z->wpos, n;

		if (room == 0)
			return 0;
		if (z->bitcnt) {
			if (z->bitcnt <= 8 * z->pad)
				return truncated(z, err);
			*z->wpos++ = (uint8_t)z->bitbuf;
			drop_bits(z, 8);
			z->stored_left--;
			continue;
		}
		z->bitbuf = 0; /* it mirrored bytes at in_ptr, which are taken directly now */
		if (z->in_ptr == z->in_end) {
			int r = more_input(z, err);

			if (r < 0)
				return r;
			if (r == 0)
				return truncated(z, err);
		}
		n = z->in_end - z->in_ptr;
		n = n < room ? n : room;
		n = n < z->stored_left ? n : z->stored_left;
		memcpy(z->wpos, z->in_ptr, n);
		z->wpos += n;
		z->in_ptr += n;
		z->stored_left -= n;
	}
	return 1;
}

static int read_block_header(struct inflate *z, struct error **err)
{
	uint32_t v, len, nlen;
	int r;

	if ((r = get_bits(z, 3, &v, err)) < 0)
		return r;
	z->final_block = v & 1;
	switch (v >> 1) {
	case 0:
		align_to_byte(z);
		if ((r = get_bits(z, 16, &len, err)) < 0 || (r = get_bits(z, 16, &nlen, err)) < 0)
			return r;
		if (len != (~nlen & 0xffff))
			return fail(z, err, "stored block length check failed");
		z->stored_left = len;
		z->state = ST_STORED;
		return 0;
	case 1:
		build_fixed_tables(z);
		r = 0;
		break;
	case 2:
		r = read_dynamic_tables(z, err);
		break;
	default:
		return fail(z, err, "invalid block type");
	}
	if (r < 0)
		return r;
	z->state = ST_HUFFMAN;
	return 0;
}

/* RFC 1952 2.3. The first two bytes are already checked when next_member() reads them. */
static int read_gzip_header(struct inflate *z, struct error **err)
{
	uint32_t hcrc = crc32_update(0, "\x1f\x8b", 2), method, flags, v, xlen, want;
	int r;

	if ((r = get_header_byte(z, &hcrc, &method, err)) < 0 ||
	    (r = get_header_byte(z, &hcrc, &flags, err)) < 0)
		return r;
	if (method != 8)
		return fail(z, err, "unknown compression method");
	if (flags & 0xe0)
		return fail(z, err, "reserved gzip header flags set");
	for (int i = 0; i < 6; i++) /* MTIME, XFL, OS */
		if ((r = get_header_byte(z, &hcrc, &v, err)) < 0)
			return r;
	if (flags & 4) { /* FEXTRA */
		uint32_t lo, hi;

		if ((r = get_header_byte(z, &hcrc, &lo, err)) < 0 ||
		    (r = get_header_byte(z, &hcrc, &hi, err)) < 0)
			return r;
		for (xlen = lo | hi << 8; xlen; xlen--)
			if ((r = get_header_byte(z, &hcrc, &v, err)) < 0)
				return r;
	}
	for (int f = 8; f <= 16; f <<= 1) { /* FNAME, FCOMMENT: zero-terminated */
		if (!(flags & f))
			continue;
		do
			if ((r = get_header_byte(z, &hcrc, &v, err)) < 0)
				return r;
		while (v);
	}
	if (flags & 2) { /* FHCRC: the low 16 bits of the header's CRC-32 */
		if ((r = get_bits(z, 16, &want, err)) < 0)
			return r;
		if (want != (hcrc & 0xffff))
			return fail(z, err, "bad gzip header CRC");
	}
	z->state = ST_BLOCK;
	return 0;
}

/* Adds the bytes decoded since the last call to the CRC and the counts. */
static int account(struct inflate *z, struct error **err)
{
	size_t n = z->wpos - z->crc_pos;

	if (!n)
		return 0;
	if (!(z->flags & INFLATE_RAW))
		z->crc = crc32_update(z->crc, z->crc_pos, n);
	z->crc_pos = z->wpos;
	z->isize += (uint32_t)n;
	z->total_out += n;
	if (z->limit && z->total_out > z->limit) {
		z->state = ST_FAILED;
		return err_set(err, 0, "decompressed data larger than the limit of %llu bytes",
			       (unsigned long long)z->limit);
	}
	return 0;
}

static int read_trailer(struct inflate *z, struct error **err)
{
	uint32_t crc, isize;
	int r;

	if ((r = account(z, err)) < 0)
		return r;
	align_to_byte(z);
	if ((r = get_bits(z, 32, &crc, err)) < 0 || (r = get_bits(z, 32, &isize, err)) < 0)
		return r;
	if (crc != z->crc)
		return fail_plain(z, err, "bad CRC");
	if (isize != z->isize)
		return fail_plain(z, err, "bad length");
	z->state = ST_NEXT;
	return 0;
}

/* After a member: the end of the input, or the magic of another member. */
static int next_member(struct inflate *z, struct error **err)
{
	uint32_t id1, id2 = 0;
	uint64_t at;
	int r;

	if (!z->first_member && z->bitcnt == 8 * z->pad && z->in_ptr == z->in_end) {
		if ((r = more_input(z, err)) < 0)
			return r;
		if (r == 0) {
			z->state = ST_DONE;
			return 0;
		}
	}
	at = consumed(z);
	if ((r = get_bits(z, 8, &id1, err)) < 0)
		return r;
	if (id1 == 0x1f && (r = get_bits(z, 8, &id2, err)) < 0)
		return r;
	if (id1 != 0x1f || id2 != 0x8b) {
		z->state = ST_FAILED;
		if (z->first_member)
			return err_set(err, 0, "not in gzip format");
		return err_set(err, 0, "invalid compressed data: trailing garbage at byte %llu",
			       (unsigned long long)at);
	}
	z->first_member = false;
	z->crc = 0;
	z->isize = 0;
	z->wbase = z->wpos; /* no match reaches into the previous member */
	z->state = ST_HEADER;
	return 0;
}

/* The history moves to the front once the caller has read everything after it. */
static void slide(struct inflate *z)
{
	size_t keep = z->wpos - z->wbase;

	keep = keep < WIN_HIST ? keep : WIN_HIST;
	memmove(z->win, z->wpos - keep, keep);
	z->wbase = z->win;
	z->wpos = z->rpos = z->crc_pos = z->win + keep;
}

/* Decodes until the window room runs out or the stream ends. */
static int fill(struct inflate *z, struct error **err)
{
	int r = 0, full = 0;

	if ((size_t)(z->wend - z->wpos) < WIN_MIN_ROOM)
		slide(z);
	while (!full && r >= 0) {
		switch (z->state) {
		case ST_HEADER:
			r = read_gzip_header(z, err);
			break;
		case ST_BLOCK:
			r = read_block_header(z, err);
			break;
		case ST_STORED:
		case ST_HUFFMAN:
			r = z->state == ST_STORED ? copy_stored(z, err) : decode_huffman(z, err);
			if (r == 1)
				z->state = !z->final_block ? ST_BLOCK
					   : z->flags & INFLATE_RAW ? ST_DONE
								    : ST_TRAILER;
			full = r == 0;
			break;
		case ST_TRAILER:
			r = read_trailer(z, err);
			break;
		case ST_NEXT:
			r = next_member(z, err);
			break;
		case ST_DONE:
			return account(z, err);
		default:
			return err_set(err, 0, "invalid compressed data: the stream already failed");
		}
	}
	if (r < 0)
		return r;
	return account(z, err);
}


/* Decodes until output is waiting: returns how much, 0 at the end, or a negative error. */
static ssize_t wait_output(struct inflate *z, struct error **err)
{
	while (z->rpos == z->wpos) {
		int r;

		if (z->state == ST_DONE)
			return 0;
		if ((r = fill(z, err)) < 0)
			return r;
	}
	return (ssize_t)(z->wpos - z->rpos);
}

ssize_t inflate_next(struct inflate *z, const void **data, struct error **err)
{
	ssize_t n = wait_output(z, err);

	if (n > 0) {
		*data = z->rpos;
		z->rpos = z->wpos;
	}
	return n;
}

ssize_t inflate_read(struct inflate *z, void *buf, size_t len, struct error **err)
{
	ssize_t n = wait_output(z, err);

	if (n <= 0)
		return n;
	if ((size_t)n > len)
		n = (ssize_t)len;
	memcpy(buf, z->rpos, n);
	z->rpos += n;
	return n;
}

struct inflate *inflate_new(inflate_reader_fn *read, void *ctx, unsigned flags)
{
	struct inflate *z = xzalloc(sizeof(*z));

	z->read = read;
	z->rctx = ctx;
	z->flags = flags;
	z->in = z->in_ptr = z->in_end = xmalloc(IN_SIZE);
	z->win = xmalloc(WIN_SIZE + WIN_SLACK);
	z->wend = z->win + WIN_SIZE;
	z->wbase = z->rpos = z->wpos = z->crc_pos = z->win;
	z->first_member = true;
	z->state = flags & INFLATE_RAW ? ST_BLOCK : ST_NEXT;
	return z;
}

void inflate_free(struct inflate *z)
{
	if (!z)
		return;
	free(z->in);
	free(z->win);
	free(z);
}

void inflate_set_limit(struct inflate *z, uint64_t max_out)
{
	z->limit = max_out;
}

uint64_t inflate_total_in(const struct inflate *z)
{
	return consumed(z);
}

uint64_t inflate_total_out(const struct inflate *z)
{
	return z->total_out - (z->crc_pos - z->rpos);
}

struct mem_reader {
	const uint8_t *p;
	size_t left;
};

static ssize_t read_mem(void *ctx, void *buf, size_t len, struct error **err)
{
	struct mem_reader *m = ctx;

	(void)err;
	len = len < m->left ? len : m->left;
	memcpy(buf, m->p, len);
	m->p += len;
	m->left -= len;
	return (ssize_t)len;
}

int inflate_mem(const void *in, size_t len, unsigned flags, uint64_t max_out, struct strbuf *out,
		struct error **err)
{
	struct mem_reader m = {in, len};
	struct inflate *z = inflate_new(read_mem, &m, flags);
	const void *p;
	ssize_t n;

	inflate_set_limit(z, max_out);
	while ((n = inflate_next(z, &p, err)) > 0)
		sb_add(out, p, n);
	inflate_free(z);
	return n < 0 ? (int)n : 0;
}
