/* libbb/inflate.c and libbb/crc32.c: hand-assembled DEFLATE streams for each block type and
 * each kind of damage, gzip headers with every flag, members, limits, chunked input. */
#include "unit.h"
#include "gzip.h"

/* ---- a bit writer for hand-made streams (RFC 1951 3.1.1: LSB first, codes MSB first) ---- */

struct bits {
	uint8_t buf[8192];
	size_t len;
	uint32_t acc;
	unsigned n;
};

static void put(struct bits *w, unsigned v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		w->acc |= ((v >> i) & 1u) << w->n;
		if (++w->n == 8) {
			w->buf[w->len++] = (uint8_t)w->acc;
			w->acc = w->n = 0;
		}
	}
}

static void put_code(struct bits *w, unsigned code, unsigned len)
{
	while (len--)
		put(w, (code >> len) & 1, 1);
}

static void put_bytes_aligned(struct bits *w, const void *p, size_t n)
{
	if (w->n)
		put(w, 0, 8 - w->n);
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static size_t finish_bits(struct bits *w)
{
	if (w->n)
		put(w, 0, 8 - w->n);
	return w->len;
}

/* Fixed Huffman codes, RFC 1951 3.2.6. */
static void put_fixed_sym(struct bits *w, unsigned sym)
{
	if (sym < 144)
		put_code(w, 0x30 + sym, 8);
	else if (sym < 256)
		put_code(w, 0x190 + sym - 144, 9);
	else if (sym < 280)
		put_code(w, sym - 256, 7);
	else
		put_code(w, 0xc0 + sym - 280, 8);
}

/* A fixed-code length 3 (symbol 257) with distance code dcode (no extra bits for 0..3). */
static void put_fixed_match3(struct bits *w, unsigned dcode)
{
	put_fixed_sym(w, 257);
	put_code(w, dcode, 5);
}

/* ---- running the inflater ---- */

struct chunky {
	const uint8_t *p;
	size_t left;
	unsigned step; /* 0: all at once, else chunk sizes cycle 1..step */
	unsigned next;
};

static ssize_t read_chunky(void *ctx, void *buf, size_t len, struct error **err)
{
	struct chunky *c = ctx;
	size_t n = c->left;

	(void)err;
	if (c->step) {
		c->next = c->next % c->step + 1;
		n = n < c->next ? n : c->next;
	}
	n = n < len ? n : len;
	memcpy(buf, c->p, n);
	c->p += n;
	c->left -= n;
	return (ssize_t)n;
}

/* Inflates with input in chunks of 1..step bytes and reads output in pieces of 1..rstep. */
static int inflate_chunked(const void *in, size_t len, unsigned flags, unsigned step,
			   unsigned rstep, struct strbuf *out, struct error **err)
{
	struct chunky c = {in, len, step, 0};
	struct inflate *z = inflate_new(read_chunky, &c, flags);
	uint8_t buf[300];
	unsigned want = 0;
	ssize_t n;

	do {
		want = rstep ? want % rstep + 1 : sizeof(buf);
		n = inflate_read(z, buf, want < sizeof(buf) ? want : sizeof(buf), err);
		if (n > 0)
			sb_add(out, buf, n);
	} while (n > 0);
	inflate_free(z);
	return n < 0 ? (int)n : 0;
}

/* Expects inflating to fail with a message containing `what`. */
static void expect_error(const void *in, size_t len, unsigned flags, const char *what, int line)
{
	struct strbuf out = STRBUF_INIT;
	struct error *err = NULL;
	int r = inflate_mem(in, len, flags, 0, &out, &err);

	if (r >= 0)
		unit_fail(__FILE__, line, "inflated %zu bytes, expected an error with '%s'", out.len,
			  what);
	else if (!err || !err->msg || !strstr(err->msg, what))
		unit_fail(__FILE__, line, "error '%s', expected '%s'", err && err->msg ? err->msg : "",
			  what);
	err_free(&err);
	sb_release(&out);
}
#define EXPECT_ERROR(in, len, flags, what) expect_error(in, len, flags, what, __LINE__)

static void expect_output(const void *in, size_t len, unsigned flags, const void *want,
			  size_t wlen, int line)
{
	struct strbuf out = STRBUF_INIT;
	struct error *err = NULL;

	if (inflate_mem(in, len, flags, 0, &out, &err) < 0)
		unit_fail(__FILE__, line, "error: %s", err->msg);
	else if (out.len != wlen || memcmp(out.buf, want, wlen))
		unit_fail(__FILE__, line, "got %zu bytes '%.*s', expected %zu", out.len,
			  (int)(out.len < 60 ? out.len : 60), out.buf, wlen);
	err_free(&err);
	sb_release(&out);
}
#define EXPECT_OUTPUT(in, len, flags, want, wlen) expect_output(in, len, flags, want, wlen, __LINE__)

/* Test text: words from a small generator, reproducible everywhere. */
static char *make_text(size_t len)
{
	static const char *const words[] = {"layer", "image", "the", "container", "overlay",
					    "a", "mount", "of", "cgroup", "namespace", "\n",
					    "router", "sha256:", "to", "busybox", "tar"};
	char *s = xmalloc(len + 1);
	uint32_t x = 12345;
	size_t i = 0;

	while (i < len) {
		const char *w;

		x = x * 1103515245 + 12345;
		w = words[(x >> 16) % ARRAY_SIZE(words)];
		for (; *w && i < len; w++)
			s[i++] = *w;
		if (i < len)
			s[i++] = (x >> 28) == 3 ? ',' : ' ';
	}
	s[len] = '\0';
	return s;
}

static void fill_random(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525 + 1013904223;
		p[i] = (uint8_t)(seed >> 24);
	}
}

/* A gzip member around a raw deflate stream of data, with the header flags given. */
static void gzip_member(struct strbuf *sb, const void *data, size_t len, unsigned flags)
{
	struct strbuf raw = STRBUF_INIT, hdr = STRBUF_INIT;
	struct error *err = NULL;
	uint32_t crc = crc32_update(0, data, len);
	uint8_t trailer[8];

	sb_add(&hdr, "\x1f\x8b\x08", 3);
	sb_addc(&hdr, (char)flags);
	sb_add(&hdr, "\x01\x02\x03\x04\x00\x03", 6);
	if (flags & 4)
		sb_add(&hdr, "\x05\x00" "AB\x01\x00X", 7);
	if (flags & 8)
		sb_add(&hdr, "name.tar", 9);
	if (flags & 16)
		sb_add(&hdr, "a comment", 10);
	if (flags & 2) {
		uint32_t h = crc32_update(0, hdr.buf, hdr.len);

		sb_addc(&hdr, (char)(h & 0xff));
		sb_addc(&hdr, (char)(h >> 8));
	}
	sb_add(sb, hdr.buf, hdr.len);
	if (deflate_mem(data, len, 6, DEFLATE_RAW, &raw, &err) < 0)
		unit_fail(__FILE__, __LINE__, "deflate: %s", err->msg);
	sb_add(sb, raw.buf, raw.len);
	for (int i = 0; i < 4; i++) {
		trailer[i] = (uint8_t)(crc >> (8 * i));
		trailer[4 + i] = (uint8_t)(len >> (8 * i));
	}
	sb_add(sb, trailer, 8);
	sb_release(&raw);
	sb_release(&hdr);
}

/* ---- CRC-32 ---- */

TEST(crc32_known_values)
{
	CHECK_INT(crc32_update(0, "123456789", 9), 0xCBF43926u);
	CHECK_INT(crc32_portable(0, "123456789", 9), 0xCBF43926u);
	CHECK_INT(crc32_update(0, "", 0), 0);
	CHECK_INT(crc32_update(0, "a", 1), 0xE8B7BE43u);
	CHECK_INT(crc32_update(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
	/* chaining: crc(a + b) == crc(crc(a), b) */
	CHECK_INT(crc32_update(crc32_update(0, "12345", 5), "6789", 4), 0xCBF43926u);
}

TEST(crc32_fast_path_matches_portable)
{
	size_t size = 70000;
	uint8_t *buf = xmalloc(size + 64);

	fill_random(buf, size + 64, 99);
	for (size_t off = 0; off < 17; off++)
		for (size_t len = 0; len < 1200; len += 1 + len / 3)
			CHECK_INT(crc32_update(0x5a5a5a5a, buf + off, len),
				  crc32_portable(0x5a5a5a5a, buf + off, len));
	for (size_t len = size - 200; len < size; len += 13)
		CHECK_INT(crc32_update(0, buf + 3, len), crc32_portable(0, buf + 3, len));
	free(buf);
}

/* ---- block types ---- */

TEST(stored_block)
{
	struct bits w = {0};

	put(&w, 0, 1); /* not final */
	put(&w, 0, 2); /* stored */
	put_bytes_aligned(&w, "\x05\x00\xfa\xff" "hello", 9);
	put(&w, 1, 1);
	put(&w, 0, 2);
	put_bytes_aligned(&w, "\x00\x00\xff\xff", 4); /* an empty final stored block */
	EXPECT_OUTPUT(w.buf, finish_bits(&w), INFLATE_RAW, "hello", 5);
}

TEST(fixed_block_literals_and_matches)
{
	struct bits w = {0};

	put(&w, 1, 1);
	put(&w, 1, 2); /* fixed */
	put_fixed_sym(&w, 'a');
	put_fixed_sym(&w, 'b');
	put_fixed_sym(&w, 0xff); /* a 9-bit literal */
	put_fixed_match3(&w, 2); /* distance 3 */
	put_fixed_match3(&w, 0); /* distance 1: overlapping copy */
	put_fixed_sym(&w, 285);  /* length 258, no extra bits */
	put_code(&w, 0, 5);      /* distance 1 */
	put_fixed_sym(&w, 256);
	{
		char want[6 + 3 + 258];

		memcpy(want, "ab\xff" "ab\xff", 6);
		memset(want + 6, 0xff, 3 + 258);
		EXPECT_OUTPUT(w.buf, finish_bits(&w), INFLATE_RAW, want, sizeof(want));
	}
}

TEST(fixed_block_extra_bits)
{
	struct bits w = {0};
	char want[600];

	/* 10 literals, then length 227+31=258 via code 284 and distance 7+1=8 via code 5 */
	put(&w, 1, 1);
	put(&w, 1, 2);
	for (int i = 0; i < 10; i++)
		put_fixed_sym(&w, '0' + i);
	put_fixed_sym(&w, 284);
	put(&w, 30, 5); /* 227 + 30 = 257 */
	put_code(&w, 5, 5);
	put(&w, 1, 1); /* 7 + 1 = 8 */
	put_fixed_sym(&w, 256);
	for (int i = 0; i < 10; i++)
		want[i] = (char)('0' + i);
	for (int i = 10; i < 10 + 257; i++)
		want[i] = want[i - 8];
	EXPECT_OUTPUT(w.buf, finish_bits(&w), INFLATE_RAW, want, 10 + 257);
}

/* A dynamic block header: precode lengths (19, in symbol order) and the code-length
 * sequence as precode symbols with their extra bits. */
struct seq {
	unsigned sym, extra, nextra;
};

static void put_dynamic_header(struct bits *w, bool final, unsigned hlit, unsigned hdist,
			       const uint8_t *plen, const struct seq *seq, size_t nseq)
{
	static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
					  11, 4,  12, 3, 13, 2, 14, 1, 15};
	unsigned code = 0, next[8] = {0}, count[8] = {0}, pcode[19];

	put(w, final, 1);
	put(w, 2, 2);
	put(w, hlit - 257, 5);
	put(w, hdist - 1, 5);
	put(w, 19 - 4, 4);
	for (int i = 0; i < 19; i++)
		put(w, plen[order[i]], 3);
	for (int i = 0; i < 19; i++)
		count[plen[i]]++;
	count[0] = 0;
	for (int len = 1; len < 8; len++) {
		code = (code + count[len - 1]) << 1;
		next[len] = code;
	}
	for (int i = 0; i < 19; i++)
		pcode[i] = plen[i] ? next[plen[i]]++ : 0;
	for (size_t i = 0; i < nseq; i++) {
		put_code(w, pcode[seq[i].sym], plen[seq[i].sym]);
		put(w, seq[i].extra, seq[i].nextra);
	}
}

/* Precode: symbols 0-15 of length 4 (code = symbol), nothing else. */
static const uint8_t plain_precode[19] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4};

/* Litlen: a=00 b=01 c=10 EOB=110 len3=111 (HLIT 258); distances 1 and 2 of length 1. */
static size_t lens_seq(struct seq *s, unsigned la, unsigned leob, unsigned llen3, unsigned ld)
{
	size_t n = 0;

	for (unsigned i = 0; i < 258; i++) {
		unsigned v = i == 'a' || i == 'b' || i == 'c' ? la : i == 256 ? leob : i == 257 ? llen3 : 0;

		s[n++] = (struct seq){v, 0, 0};
	}
	s[n++] = (struct seq){ld, 0, 0};
	s[n++] = (struct seq){ld, 0, 0};
	return n;
}

TEST(dynamic_block)
{
	struct seq s[300];
	struct bits w = {0};
	size_t n = lens_seq(s, 2, 3, 3, 1);

	put_dynamic_header(&w, true, 258, 2, plain_precode, s, n);
	put_code(&w, 0, 2); /* a */
	put_code(&w, 1, 2); /* b */
	put_code(&w, 2, 2); /* c */
	put_code(&w, 7, 3); /* length 3 */
	put_code(&w, 0, 1); /* distance 1 */
	put_code(&w, 7, 3); /* length 3 */
	put_code(&w, 1, 1); /* distance 2 */
	put_code(&w, 6, 3); /* end of block */
	EXPECT_OUTPUT(w.buf, finish_bits(&w), INFLATE_RAW, "abccccccc", 9);
}

TEST(dynamic_block_with_repeat_codes)
{
	/* a..f, EOB and length 3 all 3 bits long, described with 16, 17 and 18 */
	static const uint8_t precode[19] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 4, 4, 4};
	static const struct seq s[] = {
		{17, 7 - 3, 3},    /* 0 .. 6: unused */
		{17, 10 - 3, 3},   /* 7 .. 16 */
		{18, 80 - 11, 7},  /* 17 .. 96 */
		{3, 0, 0},         /* a */
		{16, 5 - 3, 2},    /* b .. f: the previous length 5 more times */
		{18, 138 - 11, 7}, /* 103 .. 240 */
		{18, 15 - 11, 7},  /* 241 .. 255 */
		{3, 0, 0},         /* end of block */
		{3, 0, 0},         /* length 3 */
		{1, 0, 0},         /* distances 1 and 2 */
		{1, 0, 0},
	};
	struct bits w = {0};

	put_dynamic_header(&w, true, 258, 2, precode, s, ARRAY_SIZE(s));
	put_code(&w, 5, 3); /* f */
	put_code(&w, 0, 3); /* a */
	put_code(&w, 7, 3); /* length 3 */
	put_code(&w, 1, 1); /* distance 2 */
	put_code(&w, 6, 3);
	EXPECT_OUTPUT(w.buf, finish_bits(&w), INFLATE_RAW, "fafaf", 5);
}

TEST(large_stream_through_the_fast_loop)
{
	size_t len = 3 << 20;
	char *text = make_text(len);
	struct strbuf gz = STRBUF_INIT, out = STRBUF_INIT, out2 = STRBUF_INIT;
	struct error *err = NULL;

	CHECK_INT(deflate_mem(text, len, 6, 0, &gz, &err), 0);
	CHECK_INT(inflate_mem(gz.buf, gz.len, 0, 0, &out, &err), 0);
	CHECK_INT(out.len, len);
	CHECK(out.len == len && !memcmp(out.buf, text, len));
	/* chunked input and odd output reads give the same bytes */
	CHECK_INT(inflate_chunked(gz.buf, gz.len, 0, 4093, 257, &out2, &err), 0);
	CHECK(out2.len == len && !memcmp(out2.buf, text, len));
	sb_release(&gz);
	sb_release(&out);
	sb_release(&out2);
	free(text);
}

/* ---- damage ---- */

TEST(bad_block_type)
{
	struct bits w = {0};

	put(&w, 1, 1);
	put(&w, 3, 2);
	EXPECT_ERROR(w.buf, finish_bits(&w), INFLATE_RAW, "invalid block type at byte 0");
}

TEST(stored_length_check)
{
	struct bits w = {0};

	put(&w, 1, 1);
	put(&w, 0, 2);
	put_bytes_aligned(&w, "\x05\x00\xfa\xfe" "hello", 9);
	EXPECT_ERROR(w.buf, finish_bits(&w), INFLATE_RAW, "stored block length check failed");
}

TEST(distance_too_far_back)
{
	struct bits w = {0};

	put(&w, 1, 1);
	put(&w, 1, 2);
	put_fixed_sym(&w, 'a');
	put_fixed_match3(&w, 1); /* distance 2, one byte of history */
	put_fixed_sym(&w, 256);
	EXPECT_ERROR(w.buf, finish_bits(&w), INFLATE_RAW, "distance too far back");
}

TEST(invalid_fixed_codes)
{
	struct bits w = {0}, w2 = {0};

	put(&w, 1, 1);
	put(&w, 1, 2);
	put_fixed_sym(&w, 286);
	put_fixed_sym(&w, 256);
	EXPECT_ERROR(w.buf, finish_bits(&w), INFLATE_RAW, "invalid literal/length code");

	put(&w2, 1, 1);
	put(&w2, 1, 2);
	put_fixed_sym(&w2, 'a');
	put_fixed_match3(&w2, 30);
	put_fixed_sym(&w2, 256);
	EXPECT_ERROR(w2.buf, finish_bits(&w2), INFLATE_RAW, "invalid distance code");
}

static void dynamic_error(unsigned la, unsigned leob, unsigned llen3, unsigned ld, const char *what,
			  int line)
{
	struct seq s[300];
	struct bits w = {0};
	size_t n = lens_seq(s, la, leob, llen3, ld);

	put_dynamic_header(&w, true, 258, 2, plain_precode, s, n);
	put(&w, 0, 16);
	expect_error(w.buf, finish_bits(&w), INFLATE_RAW, what, line);
}

TEST(dynamic_code_errors)
{
	dynamic_error(1, 3, 3, 1, "over-subscribed literal/length code", __LINE__);
	dynamic_error(3, 3, 3, 1, "incomplete literal/length code", __LINE__);
	dynamic_error(2, 3, 3, 2, "incomplete distance code", __LINE__);
	dynamic_error(2, 0, 2, 1, "missing end-of-block code", __LINE__);
}

TEST(dynamic_header_errors)
{
	static const uint8_t over[19] = {3, 3, 3, 3, 3, 3, 3, 3, 3};
	static const uint8_t incomplete[19] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4};
	static const uint8_t with16[19] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 4};
	static const uint8_t with18[19] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 4};
	static const struct seq repeat_first[] = {{16, 0, 2}};
	static const struct seq too_long[] = {{0, 0, 0}, {18, 127, 7}, {18, 127, 7}};
	struct bits w1 = {0}, w2 = {0}, w3 = {0}, w4 = {0}, w5 = {0};

	put_dynamic_header(&w1, true, 258, 2, over, NULL, 0);
	EXPECT_ERROR(w1.buf, finish_bits(&w1), INFLATE_RAW, "over-subscribed code length code");
	put_dynamic_header(&w2, true, 258, 2, incomplete, NULL, 0);
	EXPECT_ERROR(w2.buf, finish_bits(&w2), INFLATE_RAW, "incomplete code length code");
	put_dynamic_header(&w3, true, 258, 2, with16, repeat_first, 1);
	EXPECT_ERROR(w3.buf, finish_bits(&w3), INFLATE_RAW, "repeat with no previous length");
	put_dynamic_header(&w4, true, 258, 2, with18, too_long, 3); /* 277 lengths of 260 */
	EXPECT_ERROR(w4.buf, finish_bits(&w4), INFLATE_RAW, "code lengths repeat past the end");
	/* HLIT 287 */
	put(&w5, 1, 1);
	put(&w5, 2, 2);
	put(&w5, 30, 5);
	put(&w5, 0, 5);
	put(&w5, 0, 4);
	put(&w5, 0, 16);
	EXPECT_ERROR(w5.buf, finish_bits(&w5), INFLATE_RAW, "too many length or distance codes");
}

/* ---- gzip members ---- */

TEST(gzip_header_flags)
{
	static const char text[] = "every gzip header flag, one at a time and all together";

	for (unsigned flags = 0; flags < 32; flags++) {
		struct strbuf gz = STRBUF_INIT;

		gzip_member(&gz, text, sizeof(text) - 1, flags);
		EXPECT_OUTPUT(gz.buf, gz.len, 0, text, sizeof(text) - 1);
		sb_release(&gz);
	}
}

TEST(gzip_header_errors)
{
	struct strbuf gz = STRBUF_INIT;

	gzip_member(&gz, "x", 1, 2 | 8);
	for (unsigned bit = 0x20; bit <= 0x80; bit <<= 1) {
		gz.buf[3] ^= (char)bit;
		EXPECT_ERROR(gz.buf, gz.len, 0, "reserved gzip header flags set");
		gz.buf[3] ^= (char)bit;
	}
	gz.buf[2] = 7;
	EXPECT_ERROR(gz.buf, gz.len, 0, "unknown compression method");
	gz.buf[2] = 8;
	gz.buf[12] ^= 1; /* inside the name: the header CRC no longer matches */
	EXPECT_ERROR(gz.buf, gz.len, 0, "bad gzip header CRC");
	gz.buf[12] ^= 1;
	gz.buf[1] = 0x8c;
	EXPECT_ERROR(gz.buf, gz.len, 0, "not in gzip format");
	EXPECT_ERROR("", 0, 0, "truncated at byte 0");
	EXPECT_ERROR("plain text", 10, 0, "not in gzip format");
	sb_release(&gz);
}

TEST(gzip_trailer_errors)
{
	struct strbuf gz = STRBUF_INIT;
	struct error *err = NULL;
	struct strbuf out = STRBUF_INIT;

	gzip_member(&gz, "hello, world", 12, 0);
	gz.buf[gz.len - 8] ^= 0x40;
	EXPECT_ERROR(gz.buf, gz.len, 0, "invalid compressed data: bad CRC");
	gz.buf[gz.len - 8] ^= 0x40;
	gz.buf[gz.len - 1] = 1;
	EXPECT_ERROR(gz.buf, gz.len, 0, "invalid compressed data: bad length");
	gz.buf[gz.len - 1] = 0;
	CHECK_INT(inflate_mem(gz.buf, gz.len, 0, 0, &out, &err), 0);
	CHECK_INT(out.len, 12);
	sb_release(&gz);
	sb_release(&out);
}

TEST(concatenated_members)
{
	struct strbuf gz = STRBUF_INIT;
	char *text = make_text(100000);

	gzip_member(&gz, "first ", 6, 0);
	gzip_member(&gz, "", 0, 8);
	gzip_member(&gz, "second", 6, 2 | 4 | 16);
	EXPECT_OUTPUT(gz.buf, gz.len, 0, "first second", 12);
	sb_release(&gz);
	/* a match must not reach back into the previous member */
	gzip_member(&gz, text, 50000, 0);
	gzip_member(&gz, text + 50000, 50000, 0);
	EXPECT_OUTPUT(gz.buf, gz.len, 0, text, 100000);
	sb_release(&gz);
	free(text);
}

TEST(trailing_garbage)
{
	struct strbuf gz = STRBUF_INIT;
	char msg[80];
	size_t good;

	gzip_member(&gz, "data", 4, 0);
	good = gz.len;
	sb_add(&gz, "xyz", 3);
	snprintf(msg, sizeof(msg), "invalid compressed data: trailing garbage at byte %zu", good);
	EXPECT_ERROR(gz.buf, gz.len, 0, msg);
	gz.len = good;
	sb_add(&gz, "\0\0\0\0", 4);
	EXPECT_ERROR(gz.buf, gz.len, 0, "trailing garbage");
	gz.len = good;
	sb_add(&gz, "\x1f\x8b", 2); /* a second member cut short */
	EXPECT_ERROR(gz.buf, gz.len, 0, "truncated");
	sb_release(&gz);
}

/* Every proper prefix of a valid stream fails cleanly, with "truncated". */
TEST(truncated_at_every_offset)
{
	char *text = make_text(3000);
	uint8_t rnd[700];
	struct strbuf gz = STRBUF_INIT, raw = STRBUF_INIT;
	struct error *err = NULL;
	size_t first;

	fill_random(rnd, sizeof(rnd), 7);
	gzip_member(&gz, text, 3000, 2 | 4 | 8 | 16);
	first = gz.len; /* a whole member: a valid stream of its own */
	gzip_member(&gz, rnd, sizeof(rnd), 0); /* a stored block */
	for (size_t len = 0; len < gz.len; len++)
		if (len != first)
			EXPECT_ERROR(gz.buf, len, 0, "truncated");
	CHECK_INT(deflate_mem(text, 3000, 1, DEFLATE_RAW, &raw, &err), 0);
	for (size_t len = 0; len < raw.len; len++)
		EXPECT_ERROR(raw.buf, len, INFLATE_RAW, "truncated");
	sb_release(&gz);
	sb_release(&raw);
	free(text);
}

TEST(output_limit)
{
	struct strbuf gz = STRBUF_INIT, out = STRBUF_INIT;
	struct error *err = NULL;
	uint8_t *zeros = xzalloc(1 << 20);

	gzip_member(&gz, zeros, 1 << 20, 0);
	CHECK_INT(inflate_mem(gz.buf, gz.len, 0, 1 << 20, &out, &err), 0);
	CHECK_INT(out.len, 1 << 20);
	out.len = 0;
	CHECK(inflate_mem(gz.buf, gz.len, 0, (1 << 20) - 1, &out, &err) < 0);
	CHECK_STR(err->msg, "decompressed data larger than the limit of 1048575 bytes");
	CHECK(out.len < (1 << 20));
	err_free(&err);
	sb_release(&gz);
	sb_release(&out);
	free(zeros);
}

TEST(chunked_input_equals_one_shot)
{
	char *text = make_text(40000);
	uint8_t rnd[5000];
	struct strbuf gz = STRBUF_INIT, want = STRBUF_INIT;
	struct error *err = NULL;

	fill_random(rnd, sizeof(rnd), 3);
	gzip_member(&gz, text, 40000, 8);
	gzip_member(&gz, rnd, sizeof(rnd), 0);
	sb_add(&want, text, 40000);
	sb_add(&want, rnd, sizeof(rnd));
	for (unsigned step = 1; step <= 9; step += 2) {
		for (unsigned rstep = 0; rstep <= 301; rstep += 100) {
			struct strbuf out = STRBUF_INIT;

			CHECK_INT(inflate_chunked(gz.buf, gz.len, 0, step, rstep, &out, &err), 0);
			CHECK(out.len == want.len && !memcmp(out.buf, want.buf, want.len));
			sb_release(&out);
		}
	}
	sb_release(&gz);
	sb_release(&want);
	free(text);
}

static ssize_t read_failing(void *ctx, void *buf, size_t len, struct error **err)
{
	unsigned *calls = ctx;

	if ((*calls)++ == 0) {
		memcpy(buf, "\x1f\x8b\x08\x00", len < 4 ? len : 4);
		return len < 4 ? (ssize_t)len : 4;
	}
	return err_set(err, ECONNRESET, "read layer");
}

TEST(reader_errors_come_through)
{
	unsigned calls = 0;
	struct inflate *z = inflate_new(read_failing, &calls, 0);
	struct error *err = NULL;
	char buf[16];

	CHECK(inflate_read(z, buf, sizeof(buf), &err) < 0);
	CHECK_STR(err->msg, "read layer");
	CHECK_INT(err->errnum, ECONNRESET);
	err_free(&err);
	/* a failed stream stays failed */
	CHECK(inflate_read(z, buf, sizeof(buf), &err) < 0);
	err_free(&err);
	inflate_free(z);
}

TEST(counts_in_and_out)
{
	struct strbuf gz = STRBUF_INIT;
	struct chunky c;
	struct inflate *z;
	struct error *err = NULL;
	const void *p;
	uint64_t out = 0;
	ssize_t n;

	gzip_member(&gz, "counted bytes", 13, 8);
	c = (struct chunky){(const uint8_t *)gz.buf, gz.len, 0, 0};
	z = inflate_new(read_chunky, &c, 0);
	while ((n = inflate_next(z, &p, &err)) > 0)
		out += n;
	CHECK_INT(n, 0);
	CHECK_INT(out, 13);
	CHECK_INT(inflate_total_out(z), 13);
	CHECK_INT(inflate_total_in(z), gz.len);
	inflate_free(z);
	sb_release(&gz);
}
