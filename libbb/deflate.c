/* DEFLATE (RFC 1951) in a gzip member (RFC 1952), levels 1..9.
 *
 * The classic design: a 64 KiB window over the input, hash chains of 3-byte strings (head[]
 * holds the latest position of each hash, prev[] links each position to the one before it
 * with the same hash), greedy parsing at levels 1-3 and lazy parsing above (a match is
 * emitted only if the next position does not start a longer one). Symbols collect in a buffer;
 * each block is written as whichever of dynamic Huffman, fixed Huffman or stored is smallest,
 * with optimal length-limited codes from package-merge. Everything that decides the output
 * reads bytes little-endian, so every CPU produces the same bytes for the same input: layer
 * digests must not depend on the machine that compressed them. */
#include "gzip.h"

#define WSIZE 32768u
#define WMASK (WSIZE - 1)
#define MIN_MATCH 3u
#define MAX_MATCH 258u
#define MIN_LOOKAHEAD (MAX_MATCH + MIN_MATCH + 1)
#define MAX_DIST (WSIZE - MIN_LOOKAHEAD)
#define WIN_SLACK 16u     /* word reads past the data */
#define HASH_BITS 15
#define HASH_SIZE (1u << HASH_BITS)
#define SYM_MAX 32768u    /* symbols per block */
#define TOO_FAR 4096u     /* a 3-byte match further back than this costs more than literals */
#define STORED_MAX 65535u
#define MAX_BITS 15
#define PRECODE_MAX_BITS 7

struct level {
	uint16_t good;  /* with a match this long already, search a quarter as far */
	uint16_t lazy;  /* lazy: no search past a match this long; greedy: insert matches up to it */
	uint16_t nice;  /* stop searching at a match this long */
	uint16_t chain; /* hash chain entries to try */
	bool greedy;
};

static const struct level levels[10] = {
	[1] = {4, 4, 8, 4, true},       [2] = {4, 5, 16, 8, true},      [3] = {4, 6, 32, 32, true},
	[4] = {4, 4, 16, 16, false},    [5] = {8, 16, 32, 32, false},   [6] = {8, 16, 128, 128, false},
	[7] = {8, 32, 128, 256, false}, [8] = {32, 128, 258, 1024, false},
	[9] = {32, 258, 258, 4096, false},
};

static const uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
					 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10,  11,  13,
					 15, 17, 19, 23, 27, 31, 35, 43,  51,  59,
					 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3,  3,  4,  4,  5,  5,  6,
				       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,
				       17,   25,   33,   49,   65,   97,    129,   193,
				       257,  385,  513,  769,  1025, 1537,  2049,  3073,
				       4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t precode_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
					  11, 4,  12, 3, 13, 2, 14, 1, 15};

/* Codes with their bits reversed, ready for an LSB-first bit stream. */
struct code {
	uint16_t bits[286 + 2];
	uint8_t len[286 + 2];
};
struct dcode {
	uint16_t bits[30];
	uint8_t len[30];
};

struct deflate {
	deflate_writer_fn *write;
	void *wctx;
	unsigned flags;
	const struct level *lv;
	int level;
	bool started, finished, failed;
	uint32_t crc, isize;

	/* window: strstart is the position being looked at, lookahead the bytes after it */
	uint8_t *window;
	uint16_t *head, *prev; /* positions in the window; 0 ends a chain */
	unsigned strstart, lookahead;
	unsigned match_len, match_pos; /* lazy: the match found at strstart - 1 */
	bool match_available;          /* lazy: strstart - 1 still waits to be emitted */

	/* the block being collected: raw bytes window[block_start..emitted) */
	unsigned block_start, emitted;
	unsigned nsym;
	uint16_t *sym_dist; /* 0: a literal */
	uint8_t *sym_len;   /* the literal, or the match length - 3 */
	uint32_t lfreq[286], dfreq[30];

	/* output: whole bytes out[0..outlen), then bitcnt bits in bitbuf */
	uint8_t *out;
	size_t outlen, outcap;
	uint64_t bitbuf;
	unsigned bitcnt;

	uint32_t pm[MAX_BITS][288]; /* package-merge scratch */
};

static uint8_t len_code[256]; /* match length - 3 -> length code - 257 */
static struct code fixed_lcode;
static struct dcode fixed_dcode;
static bool static_ready;

/* The hot helpers are forced inline: the -Os build would otherwise call them per byte. */
#define ALWAYS_INLINE inline __attribute__((always_inline))

static ALWAYS_INLINE uint32_t load_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
		v = __builtin_bswap32(v);
	return v;
}

static ALWAYS_INLINE uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
		v = __builtin_bswap64(v);
	return v;
}

static ALWAYS_INLINE void store_le64(uint8_t *p, uint64_t v)
{
	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
		v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

static ALWAYS_INLINE unsigned dist_code(unsigned dist)
{
	unsigned d = dist - 1, n;

	if (d < 4)
		return d;
	n = 31 - __builtin_clz(d); /* d's top bit */
	return 2 * n + ((d >> (n - 1)) & 1);
}

/* ---- Huffman codes ---- */

static void make_codes(const uint8_t *lens, unsigned n, uint16_t *bits)
{
	unsigned count[MAX_BITS + 1] = {0}, next[MAX_BITS + 2];

	for (unsigned i = 0; i < n; i++)
		count[lens[i]]++;
	count[0] = 0;
	next[1] = 0;
	for (unsigned len = 1; len <= MAX_BITS; len++)
		next[len + 1] = (next[len] + count[len]) << 1;
	for (unsigned i = 0; i < n; i++) {
		unsigned len = lens[i], c = len ? next[len]++ : 0, r = 0;

		for (unsigned k = 0; k < len; k++, c >>= 1)
			r = r << 1 | (c & 1);
		bits[i] = (uint16_t)r;
	}
}

static void init_static(void)
{
	for (unsigned c = 0; c < 28; c++)
		for (unsigned l = length_base[c]; l < length_base[c] + (1u << length_extra[c]); l++)
			len_code[l - 3] = (uint8_t)c;
	len_code[255] = 28;
	memset(fixed_lcode.len, 8, 144);
	memset(fixed_lcode.len + 144, 9, 112);
	memset(fixed_lcode.len + 256, 7, 24);
	memset(fixed_lcode.len + 280, 8, 8);
	make_codes(fixed_lcode.len, 288, fixed_lcode.bits);
	memset(fixed_dcode.len, 5, 30);
	make_codes(fixed_dcode.len, 30, fixed_dcode.bits);
	static_ready = true;
}

struct leaf {
	uint32_t freq;
	uint16_t sym;
};

static int cmp_leaf(const void *a, const void *b)
{
	const struct leaf *x = a, *y = b;

	if (x->freq != y->freq)
		return x->freq < y->freq ? -1 : 1;
	return x->sym < y->sym ? -1 : 1;
}

/* Optimal code lengths of at most `limit` bits (package-merge). The list at depth `limit`
 * is the leaves; each shallower list merges the leaves with packages (pairs) of the list
 * below. The first 2m-2 items of the top list are the chosen ones; a leaf's length is the
 * number of lists in which the chosen prefix reaches it. Every code that comes out is complete:
 * lone symbols get a partner of length 1. */
static void build_lengths(struct deflate *d, const uint32_t *freq, unsigned n, unsigned limit,
			  uint8_t *lens)
{
	struct leaf leaves[288];
	unsigned m = 0, npkg[MAX_BITS], k;

	memset(lens, 0, n);
	for (unsigned i = 0; i < n; i++)
		if (freq[i])
			leaves[m++] = (struct leaf){freq[i], (uint16_t)i};
	if (m < 2) {
		unsigned used = m ? leaves[0].sym : 0;

		lens[used] = 1;
		lens[used ? 0 : 1] = 1;
		return;
	}
	qsort(leaves, m, sizeof(leaves[0]), cmp_leaf);

	/* packages of the list below, for lists limit-1 .. 1 (index = depth - 1) */
	for (int depth = (int)limit - 1; depth >= 1; depth--) {
		uint32_t *pkg = d->pm[depth - 1];
		unsigned below = depth + 1 == (int)limit ? 0 : npkg[depth], li = 0, pi = 0, cnt = 0;
		uint32_t prev = 0;

		/* walk the merged list below, pairing its items */
		npkg[depth - 1] = 0;
		while (li < m || pi < below) {
			uint32_t w;

			if (pi >= below || (li < m && leaves[li].freq <= d->pm[depth][pi]))
				w = leaves[li++].freq;
			else
				w = d->pm[depth][pi++];
			if (cnt++ & 1)
				pkg[npkg[depth - 1]++] = prev + w;
			else
				prev = w;
		}
	}
	/* walk down from the top list, counting the leaves in each chosen prefix */
	k = 2 * m - 2;
	for (unsigned depth = 1; depth <= limit && k; depth++) {
		unsigned pkgs = depth == limit ? 0 : npkg[depth - 1], li = 0, pi = 0;

		for (unsigned t = 0; t < k; t++) {
			if (pi >= pkgs || (li < m && leaves[li].freq <= d->pm[depth - 1][pi]))
				li++;
			else
				pi++;
		}
		for (unsigned i = 0; i < li; i++)
			lens[leaves[i].sym]++;
		k = 2 * pi;
	}
}

/* ---- bit output ---- */

static void out_reserve(struct deflate *d, size_t more)
{
	if (d->outlen + more + 16 > d->outcap) {
		d->outcap = (d->outlen + more + 16) * 3 / 2;
		d->out = xrealloc(d->out, d->outcap);
	}
}

static void put_bits(struct deflate *d, uint64_t v, unsigned n)
{
	d->bitbuf |= v << d->bitcnt;
	d->bitcnt += n;
	if (d->bitcnt >= 32) {
		store_le64(d->out + d->outlen, d->bitbuf);
		d->outlen += d->bitcnt >> 3;
		d->bitbuf >>= d->bitcnt & ~7u;
		d->bitcnt &= 7;
	}
}

static void flush_bits(struct deflate *d) /* to a byte boundary */
{
	while (d->bitcnt > 0) {
		d->out[d->outlen++] = (uint8_t)d->bitbuf;
		d->bitbuf >>= 8;
		d->bitcnt = d->bitcnt > 8 ? d->bitcnt - 8 : 0;
	}
	d->bitbuf = 0;
}

static int out_flush(struct deflate *d, struct error **err)
{
	int r;

	if (!d->outlen)
		return 0;
	r = d->write(d->wctx, d->out, d->outlen, err);
	d->outlen = 0;
	if (r < 0)
		d->failed = true;
	return r;
}

/* ---- blocks ---- */

/* The code-length sequence of a dynamic header, run-length coded with 16, 17 and 18. */
struct header {
	uint8_t llen[286 + 2], dlen[30];
	unsigned hlit, hdist, hclen, nseq;
	uint8_t seq[286 + 30], seq_extra[286 + 30];
	uint32_t pfreq[19];
	uint8_t plen[19];
	uint16_t pbits[19];
};

static void add_seq(struct header *h, unsigned sym, unsigned extra)
{
	h->seq[h->nseq] = (uint8_t)sym;
	h->seq_extra[h->nseq++] = (uint8_t)extra;
	h->pfreq[sym]++;
}

static void run_length_code(struct header *h)
{
	uint8_t all[286 + 30];
	unsigned total = h->hlit + h->hdist;

	memcpy(all, h->llen, h->hlit);
	memcpy(all + h->hlit, h->dlen, h->hdist);
	for (unsigned i = 0; i < total;) {
		unsigned v = all[i], run = 1;

		while (i + run < total && all[i + run] == v)
			run++;
		i += run;
		if (v == 0) {
			while (run >= 11) {
				unsigned r = run < 138 ? run : 138;

				add_seq(h, 18, r - 11);
				run -= r;
			}
			if (run >= 3) {
				add_seq(h, 17, run - 3);
				run = 0;
			}
		} else {
			add_seq(h, v, 0);
			run--;
			while (run >= 3) {
				unsigned r = run < 6 ? run : 6;

				add_seq(h, 16, r - 3);
				run -= r;
			}
		}
		while (run--)
			add_seq(h, v, 0);
	}
}

/* Bits the symbols take with the given code lengths, extra bits included. */
static uint64_t data_bits(const struct deflate *d, const uint8_t *llen, const uint8_t *dlen)
{
	uint64_t bits = 0;

	for (unsigned i = 0; i < 286; i++)
		bits += (uint64_t)d->lfreq[i] * (llen[i] + (i >= 257 ? length_extra[i - 257] : 0));
	for (unsigned i = 0; i < 30; i++)
		bits += (uint64_t)d->dfreq[i] * (dlen[i] + dist_extra[i]);
	return bits;
}

static uint64_t dynamic_header(struct deflate *d, struct header *h)
{
	static const uint8_t rep_extra[3] = {2, 3, 7};
	uint64_t bits;

	memset(h, 0, sizeof(*h));
	build_lengths(d, d->lfreq, 286, MAX_BITS, h->llen);
	build_lengths(d, d->dfreq, 30, MAX_BITS, h->dlen);
	for (h->hlit = 286; h->hlit > 257 && !h->llen[h->hlit - 1]; h->hlit--)
		;
	for (h->hdist = 30; h->hdist > 1 && !h->dlen[h->hdist - 1]; h->hdist--)
		;
	run_length_code(h);
	build_lengths(d, h->pfreq, 19, PRECODE_MAX_BITS, h->plen);
	make_codes(h->plen, 19, h->pbits);
	for (h->hclen = 19; h->hclen > 4 && !h->plen[precode_order[h->hclen - 1]]; h->hclen--)
		;
	bits = 5 + 5 + 4 + 3 * h->hclen;
	for (unsigned i = 0; i < 19; i++)
		bits += (uint64_t)h->pfreq[i] * (h->plen[i] + (i >= 16 ? rep_extra[i - 16] : 0));
	return bits;
}

static void write_symbols(struct deflate *d, const uint16_t *lbits, const uint8_t *llen,
			  const uint16_t *dbits, const uint8_t *dlen)
{
	uint8_t *out = d->out + d->outlen;
	uint64_t bb = d->bitbuf;
	unsigned bc = d->bitcnt;

	for (unsigned i = 0; i < d->nsym; i++) {
		unsigned dist = d->sym_dist[i], v = d->sym_len[i];

		if (!dist) {
			bb |= (uint64_t)lbits[v] << bc;
			bc += llen[v];
		} else {
			unsigned lc = len_code[v], dc = dist_code(dist);

			bb |= (uint64_t)(lbits[257 + lc] | (v + 3 - length_base[lc]) << llen[257 + lc])
			      << bc;
			bc += llen[257 + lc] + length_extra[lc];
			bb |= (uint64_t)(dbits[dc] | (dist - dist_base[dc]) << dlen[dc]) << bc;
			bc += dlen[dc] + dist_extra[dc];
		}
		store_le64(out, bb);
		out += bc >> 3;
		bb >>= bc & ~7u;
		bc &= 7;
	}
	d->outlen = out - d->out;
	d->bitbuf = bb;
	d->bitcnt = bc;
	put_bits(d, lbits[256], llen[256]);
}

static void write_stored(struct deflate *d, const uint8_t *p, size_t len, bool final)
{
	out_reserve(d, len + 5 * (len / STORED_MAX + 1));
	do {
		size_t n = len < STORED_MAX ? len : STORED_MAX;

		put_bits(d, final && n == len ? 1 : 0, 3);
		flush_bits(d);
		d->out[d->outlen++] = (uint8_t)n;
		d->out[d->outlen++] = (uint8_t)(n >> 8);
		d->out[d->outlen++] = (uint8_t)~n;
		d->out[d->outlen++] = (uint8_t)(~n >> 8);
		memcpy(d->out + d->outlen, p, n);
		d->outlen += n;
		p += n;
		len -= n;
	} while (len);
}

/* Writes the collected symbols as the smallest of the three block types. */
static int flush_block(struct deflate *d, bool final, struct error **err)
{
	struct header h;
	uint64_t dyn, fixed, stored;
	size_t raw = d->emitted - d->block_start;

	d->lfreq[256] = 1;
	dyn = 3 + dynamic_header(d, &h) + data_bits(d, h.llen, h.dlen);
	fixed = 3 + data_bits(d, fixed_lcode.len, fixed_dcode.len);
	stored = (raw + 5 * (raw / STORED_MAX + 1)) * 8 + 7;
	if (stored <= dyn && stored <= fixed) {
		write_stored(d, d->window + d->block_start, raw, final);
	} else if (fixed <= dyn) {
		out_reserve(d, fixed / 8 + 16);
		put_bits(d, final ? 3 : 2, 3);
		write_symbols(d, fixed_lcode.bits, fixed_lcode.len, fixed_dcode.bits,
			      fixed_dcode.len);
	} else {
		uint16_t lbits[286], dbits[30];

		out_reserve(d, dyn / 8 + 16);
		put_bits(d, final ? 5 : 4, 3);
		put_bits(d, h.hlit - 257, 5);
		put_bits(d, h.hdist - 1, 5);
		put_bits(d, h.hclen - 4, 4);
		for (unsigned i = 0; i < h.hclen; i++)
			put_bits(d, h.plen[precode_order[i]], 3);
		for (unsigned i = 0; i < h.nseq; i++) {
			unsigned s = h.seq[i];

			put_bits(d, h.pbits[s], h.plen[s]);
			if (s >= 16)
				put_bits(d, h.seq_extra[i], s == 16 ? 2 : s == 17 ? 3 : 7);
		}
		make_codes(h.llen, 286, lbits);
		make_codes(h.dlen, 30, dbits);
		write_symbols(d, lbits, h.llen, dbits, h.dlen);
	}
	d->nsym = 0;
	d->block_start = d->emitted;
	memset(d->lfreq, 0, sizeof(d->lfreq));
	memset(d->dfreq, 0, sizeof(d->dfreq));
	return out_flush(d, err);
}

/* ---- matching ---- */

static ALWAYS_INLINE unsigned hash3(const uint8_t *p)
{
	return ((load_le32(p) & 0xffffff) * 0x9E3779B1u) >> (32 - HASH_BITS);
}

/* Links position pos into its hash chain; returns the previous head (0: none). */
static ALWAYS_INLINE unsigned insert(struct deflate *d, unsigned pos)
{
	unsigned h = hash3(d->window + pos), old = d->head[h];

	d->prev[pos & WMASK] = (uint16_t)old;
	d->head[h] = (uint16_t)pos;
	return old;
}

static ALWAYS_INLINE unsigned common_length(const uint8_t *a, const uint8_t *b, unsigned max)
{
	unsigned len = 0;

	while (len < max) {
		uint64_t x = load_le64(a + len) ^ load_le64(b + len);

		if (x) {
			len += __builtin_ctzll(x) >> 3;
			break;
		}
		len += 8;
	}
	return len < max ? len : max;
}

static ALWAYS_INLINE uint16_t load16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* The longest match for strstart along the chain from cur that beats best; best if none. */
static unsigned longest_match(struct deflate *d, unsigned cur, unsigned best, unsigned *pos)
{
	const uint8_t *win = d->window, *scan = win + d->strstart;
	const uint16_t *prev = d->prev;
	unsigned chain = d->lv->chain, nice = d->lv->nice, max = d->lookahead;
	unsigned limit = d->strstart > MAX_DIST ? d->strstart - MAX_DIST : 0;
	uint16_t start, end;

	if (max > MAX_MATCH)
		max = MAX_MATCH;
	if (nice > max)
		nice = max;
	if (best >= d->lv->good)
		chain >>= 2;
	if (best >= max)
		return best;
	/* to beat best, a candidate must match at 0-1 and at best-1..best: check those first */
	start = load16(scan);
	end = load16(scan + best - 1);
	do {
		const uint8_t *m = win + cur;
		unsigned len;

		if (load16(m + best - 1) != end || load16(m) != start)
			continue;
		len = common_length(scan, m, max);
		if (len > best) {
			best = len;
			*pos = cur;
			if (len >= nice)
				break;
			end = load16(scan + best - 1);
		}
	} while ((cur = prev[cur & WMASK]) > limit && --chain);
	return best;
}

static ALWAYS_INLINE void record_literal(struct deflate *d, unsigned c)
{
	d->sym_dist[d->nsym] = 0;
	d->sym_len[d->nsym++] = (uint8_t)c;
	d->lfreq[c]++;
	d->emitted++;
}

static ALWAYS_INLINE void record_match(struct deflate *d, unsigned dist, unsigned len)
{
	d->sym_dist[d->nsym] = (uint16_t)dist;
	d->sym_len[d->nsym++] = (uint8_t)(len - MIN_MATCH);
	d->lfreq[257 + len_code[len - MIN_MATCH]]++;
	d->dfreq[dist_code(dist)]++;
	d->emitted += len;
}

static int slide(struct deflate *d, struct error **err);

/* v >= WSIZE ? v - WSIZE : 0 on each entry, four at a time: with WSIZE 0x8000 that is
 * "keep the low 15 bits where the top bit is set". Byte order does not matter here. */
static void rebase_positions(uint16_t *pos, unsigned n)
{
	for (unsigned i = 0; i < n; i += 4) {
		uint64_t v, top;

		memcpy(&v, pos + i, 8);
		top = (v & 0x8000800080008000ull) >> 15;
		v &= top * 0x7fff;
		memcpy(pos + i, &v, 8);
	}
}

/* Levels 1-3: take the longest match at each position. */
static int parse_greedy(struct deflate *d, bool flush, struct error **err)
{
	while (d->lookahead >= MIN_LOOKAHEAD || (flush && d->lookahead)) {
		unsigned head = 0, len = MIN_MATCH - 1, pos = 0, s;

		if (d->strstart >= WSIZE + MAX_DIST && slide(d, err) < 0)
			return -1;
		s = d->strstart;

		if (d->lookahead >= MIN_MATCH)
			head = insert(d, s);
		if (head && s - head <= MAX_DIST)
			len = longest_match(d, head, MIN_MATCH - 1, &pos);
		if (len >= MIN_MATCH && !(len == MIN_MATCH && s - pos > TOO_FAR)) {
			record_match(d, s - pos, len);
			if (len <= d->lv->lazy && d->lookahead - len >= MIN_MATCH)
				for (unsigned p = s + 1; p < s + len; p++)
					insert(d, p);
			d->strstart += len;
			d->lookahead -= len;
		} else {
			record_literal(d, d->window[s]);
			d->strstart++;
			d->lookahead--;
		}
		if (d->nsym == SYM_MAX && flush_block(d, false, err) < 0)
			return -1;
	}
	return 0;
}

/* Levels 4-9: a match at s - 1 waits one position in case s starts a longer one. */
static int parse_lazy(struct deflate *d, bool flush, struct error **err)
{
	while (d->lookahead >= MIN_LOOKAHEAD || (flush && d->lookahead)) {
		unsigned head = 0, len = MIN_MATCH - 1, pos = 0, s, prev_len = d->match_len;

		if (d->strstart >= WSIZE + MAX_DIST && slide(d, err) < 0)
			return -1;
		s = d->strstart;

		if (d->lookahead >= MIN_MATCH)
			head = insert(d, s);
		if (head && prev_len < d->lv->lazy && s - head <= MAX_DIST) {
			len = longest_match(d, head, prev_len > MIN_MATCH - 1 ? prev_len : MIN_MATCH - 1,
					    &pos);
			if (len == prev_len) /* nothing better */
				len = MIN_MATCH - 1;
			else if (len == MIN_MATCH && s - pos > TOO_FAR)
				len = MIN_MATCH - 1;
		}
		if (prev_len >= MIN_MATCH && len <= prev_len) {
			/* the match at s - 1 wins: emit it and step past it */
			unsigned end = s - 1 + prev_len;

			record_match(d, s - 1 - d->match_pos, prev_len);
			for (unsigned p = s + 1; p < end; p++)
				if (p + MIN_MATCH <= d->strstart + d->lookahead)
					insert(d, p);
			d->lookahead -= end - s;
			d->strstart = end;
			d->match_available = false;
			d->match_len = MIN_MATCH - 1;
		} else {
			if (d->match_available)
				record_literal(d, d->window[s - 1]);
			d->match_available = true;
			d->match_len = len;
			d->match_pos = pos;
			d->strstart++;
			d->lookahead--;
		}
		if (d->nsym >= SYM_MAX - 1 && flush_block(d, false, err) < 0)
			return -1;
	}
	if (flush && d->match_available) {
		record_literal(d, d->window[d->strstart - 1]);
		d->match_available = false;
		d->match_len = MIN_MATCH - 1;
	}
	return 0;
}

/* Moves the upper half of the window down once strstart nears the end. The block's bytes
 * must stay reachable for a stored block, so a block that began in the lower half ends.
 * It happens just before the step at strstart, wherever the caller's writes split the input,
 * so block boundaries and thus the output depend on the input bytes alone. */
static int slide(struct deflate *d, struct error **err)
{
	if (d->block_start < WSIZE && d->nsym && flush_block(d, false, err) < 0)
		return -1;
	memcpy(d->window, d->window + WSIZE, WSIZE);
	d->strstart -= WSIZE;
	d->match_pos -= WSIZE;
	d->block_start -= WSIZE;
	d->emitted -= WSIZE;
	rebase_positions(d->head, HASH_SIZE);
	rebase_positions(d->prev, WSIZE);
	return 0;
}

static int parse(struct deflate *d, bool flush, struct error **err)
{
	return d->lv->greedy ? parse_greedy(d, flush, err) : parse_lazy(d, flush, err);
}

static void write_gzip_header(struct deflate *d)
{
	/* mtime 0, XFL by level, OS 255: the same bytes on every machine */
	static const uint8_t hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};

	out_reserve(d, 10);
	memcpy(d->out, hdr, 10);
	d->out[8] = d->level == 9 ? 2 : d->level == 1 ? 4 : 0;
	d->outlen = 10;
}

int deflate_write(struct deflate *d, const void *buf, size_t len, struct error **err)
{
	const uint8_t *p = buf;

	if (d->failed || d->finished)
		return err_set(err, 0, "deflate: the stream already %s",
			       d->failed ? "failed" : "ended");
	if (!d->started) {
		d->started = true;
		if (!(d->flags & DEFLATE_RAW))
			write_gzip_header(d);
	}
	if (!(d->flags & DEFLATE_RAW))
		d->crc = crc32_update(d->crc, buf, len);
	d->isize += (uint32_t)len;
	while (len) {
		size_t room, n;

		if (d->strstart >= WSIZE + MAX_DIST && slide(d, err) < 0)
			return -1;
		room = 2 * WSIZE - d->strstart - d->lookahead;
		n = len < room ? len : room;
		memcpy(d->window + d->strstart + d->lookahead, p, n);
		d->lookahead += n;
		p += n;
		len -= n;
		if (parse(d, false, err) < 0)
			return -1;
	}
	return 0;
}

int deflate_finish(struct deflate *d, struct error **err)
{
	int r;

	if ((r = deflate_write(d, NULL, 0, err)) < 0)
		return r;
	if (parse(d, true, err) < 0 || flush_block(d, true, err) < 0)
		return -1;
	d->finished = true;
	out_reserve(d, 4 + 8); /* the last partial bytes, then CRC and size */
	flush_bits(d);
	if (!(d->flags & DEFLATE_RAW)) {
		for (int i = 0; i < 4; i++)
			d->out[d->outlen++] = (uint8_t)(d->crc >> (8 * i));
		for (int i = 0; i < 4; i++)
			d->out[d->outlen++] = (uint8_t)(d->isize >> (8 * i));
	}
	return out_flush(d, err);
}

struct deflate *deflate_new(int level, unsigned flags, deflate_writer_fn *write, void *ctx)
{
	struct deflate *d = xzalloc(sizeof(*d));

	if (!static_ready)
		init_static();
	level = level < 1 ? 1 : level > 9 ? 9 : level;
	d->level = level;
	d->lv = &levels[level];
	d->flags = flags;
	d->write = write;
	d->wctx = ctx;
	d->window = xzalloc(2 * WSIZE + WIN_SLACK);
	d->head = xzalloc(HASH_SIZE * sizeof(*d->head));
	d->prev = xzalloc(WSIZE * sizeof(*d->prev));
	d->sym_dist = xmalloc(SYM_MAX * sizeof(*d->sym_dist));
	d->sym_len = xmalloc(SYM_MAX);
	d->match_len = MIN_MATCH - 1;
	return d;
}

void deflate_free(struct deflate *d)
{
	if (!d)
		return;
	free(d->window);
	free(d->head);
	free(d->prev);
	free(d->sym_dist);
	free(d->sym_len);
	free(d->out);
	free(d);
}

static int append_sb(void *ctx, const void *buf, size_t len, struct error **err)
{
	(void)err;
	sb_add(ctx, buf, len);
	return 0;
}

int deflate_mem(const void *in, size_t len, int level, unsigned flags, struct strbuf *out,
		struct error **err)
{
	struct deflate *d = deflate_new(level, flags, append_sb, out);
	int r = deflate_write(d, in, len, err);

	if (r >= 0)
		r = deflate_finish(d, err);
	deflate_free(d);
	return r;
}
