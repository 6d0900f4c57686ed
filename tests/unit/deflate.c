/* libbb/deflate.c: round trips through inflate at every level, reproducible bytes however the
 * input is split, the gzip header, block type choices, writer errors. */
#include "unit.h"
#include "gzip.h"

static char *make_text(size_t len, uint32_t seed)
{
	static const char *const words[] = {"layer", "image", "the", "container", "overlay",
					    "a", "mount", "of", "cgroup", "namespace", "\n",
					    "router", "sha256:", "to", "busybox", "tar", "etc/"};
	char *s = xmalloc(len + 1);
	size_t i = 0;

	while (i < len) {
		const char *w;

		seed = seed * 1103515245 + 12345;
		w = words[(seed >> 16) % ARRAY_SIZE(words)];
		for (; *w && i < len; w++)
			s[i++] = *w;
		if (i < len)
			s[i++] = ' ';
	}
	s[len] = '\0';
	return s;
}

static uint8_t *make_random(size_t len, uint32_t seed)
{
	uint8_t *p = xmalloc(len + 1);

	for (size_t i = 0; i < len; i++) {
		seed = seed * 1664525 + 1013904223;
		p[i] = (uint8_t)(seed >> 24);
	}
	return p;
}

/* Compresses, checks the result inflates back, returns the compressed size. */
static size_t round_trip(const void *data, size_t len, int level, unsigned flags, int line)
{
	struct strbuf z = STRBUF_INIT, out = STRBUF_INIT;
	struct error *err = NULL;
	size_t zlen;

	if (deflate_mem(data, len, level, flags, &z, &err) < 0) {
		unit_fail(__FILE__, line, "level %d: deflate: %s", level, err->msg);
		err_free(&err);
		return 0;
	}
	if (inflate_mem(z.buf, z.len, flags & DEFLATE_RAW ? INFLATE_RAW : 0, 0, &out, &err) < 0) {
		unit_fail(__FILE__, line, "level %d, %zu bytes: inflate: %s", level, len, err->msg);
		err_free(&err);
	} else if (out.len != len || (len && memcmp(out.buf, data, len))) {
		unit_fail(__FILE__, line, "level %d: %zu bytes came back as %zu different ones", level,
			  len, out.len);
	}
	zlen = z.len;
	sb_release(&z);
	sb_release(&out);
	return zlen;
}

TEST(round_trip_every_level)
{
	size_t big = 300000;
	char *text = make_text(big, 1);
	uint8_t *rnd = make_random(big, 2);
	uint8_t *zeros = xzalloc(big);
	/* text and random in turns: blocks of either kind, matches across the switch */
	uint8_t *mixed = xmalloc(big);

	for (size_t i = 0; i < big; i += 10000)
		memcpy(mixed + i, (i / 10000) % 3 ? (const uint8_t *)text + i : rnd + i, 10000);
	for (int level = 1; level <= 9; level++) {
		size_t zt = round_trip(text, big, level, 0, __LINE__);
		size_t zr = round_trip(rnd, big, level, 0, __LINE__);
		size_t zz = round_trip(zeros, big, level, 0, __LINE__);

		round_trip(mixed, big, level, 0, __LINE__);
		round_trip(text, big, level, DEFLATE_RAW, __LINE__);
		CHECK(zt < big / 4);
		CHECK(zr < big + big / 1000 + 64); /* stored blocks: 5 bytes per 64K */
		CHECK(zz < big / 150); /* gzip -1 takes 1343 bytes, -6 325 */
		for (size_t len = 0; len < 300; len += len < 10 ? 1 : 37) {
			round_trip(text, len, level, 0, __LINE__);
			round_trip(rnd, len, level, 0, __LINE__);
			round_trip(zeros, len, level, DEFLATE_RAW, __LINE__);
		}
	}
	free(text);
	free(rnd);
	free(zeros);
	free(mixed);
}

TEST(higher_levels_compress_better)
{
	size_t len = 500000;
	char *text = make_text(len, 5);
	size_t z1 = round_trip(text, len, 1, 0, __LINE__);
	size_t z6 = round_trip(text, len, 6, 0, __LINE__);
	size_t z9 = round_trip(text, len, 9, 0, __LINE__);

	CHECK(z6 < z1);
	CHECK(z9 <= z6);
	free(text);
}

TEST(gzip_header_is_fixed)
{
	struct strbuf z = STRBUF_INIT;
	struct error *err = NULL;

	CHECK_INT(deflate_mem("", 0, 6, 0, &z, &err), 0);
	/* magic, deflate, no flags, mtime 0, XFL 0, OS 255; an empty fixed block; CRC 0, size 0 */
	CHECK_INT(z.len, 20);
	CHECK(!memcmp(z.buf, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x03\x00"
			     "\x00\x00\x00\x00\x00\x00\x00\x00",
		      20));
	sb_release(&z);
	CHECK_INT(deflate_mem("x", 1, 9, 0, &z, &err), 0);
	CHECK_INT((uint8_t)z.buf[8], 2); /* XFL: slowest */
	sb_release(&z);
	CHECK_INT(deflate_mem("x", 1, 1, 0, &z, &err), 0);
	CHECK_INT((uint8_t)z.buf[8], 4); /* XFL: fastest */
	sb_release(&z);
}

struct collect {
	struct strbuf sb;
	int fail_after; /* fail the nth write; 0: never */
	int calls;
};

static int collect_write(void *ctx, const void *buf, size_t len, struct error **err)
{
	struct collect *c = ctx;

	if (c->fail_after && ++c->calls >= c->fail_after)
		return err_set(err, ENOSPC, "write blob");
	sb_add(&c->sb, buf, len);
	return 0;
}

/* The same input gives the same bytes however a producer splits its writes: layer digests
 * depend on the content alone. */
TEST(output_does_not_depend_on_write_sizes)
{
	size_t len = 400000;
	char *text = make_text(len, 9);
	uint8_t *rnd = make_random(len, 4);

	memcpy(text + 100000, rnd, 50000);
	for (int level = 1; level <= 9; level += 4) {
		struct strbuf one = STRBUF_INIT;
		struct error *err = NULL;
		static const size_t steps[] = {1, 7, 512, 4093, 65536, 100001};

		CHECK_INT(deflate_mem(text, len, level, 0, &one, &err), 0);
		for (size_t k = 0; k < ARRAY_SIZE(steps); k++) {
			struct collect c = {STRBUF_INIT, 0, 0};
			struct deflate *d = deflate_new(level, 0, collect_write, &c);
			size_t step = steps[k];

			/* 1-byte writes of everything would be slow: only the first 20000 */
			for (size_t i = 0; i < len; i += step) {
				size_t n = step == 1 && i >= 20000 ? len - i : step;

				n = n < len - i ? n : len - i;
				CHECK_INT(deflate_write(d, text + i, n, &err), 0);
				if (step == 1 && i >= 20000)
					break;
			}
			CHECK_INT(deflate_finish(d, &err), 0);
			deflate_free(d);
			if (c.sb.len != one.len || memcmp(c.sb.buf, one.buf, one.len))
				unit_fail(__FILE__, __LINE__, "level %d, writes of %zu: different bytes",
					  level, step);
			sb_release(&c.sb);
		}
		sb_release(&one);
	}
	free(text);
	free(rnd);
}

TEST(writer_errors_stop_the_stream)
{
	size_t len = 1 << 20;
	uint8_t *rnd = make_random(len, 11);
	struct collect c = {STRBUF_INIT, 2, 0};
	struct deflate *d = deflate_new(6, 0, collect_write, &c);
	struct error *err = NULL;
	int r = deflate_write(d, rnd, len, &err);

	if (r == 0)
		r = deflate_finish(d, &err);
	CHECK(r < 0);
	CHECK_STR(err->msg, "write blob");
	CHECK_INT(err->errnum, ENOSPC);
	err_free(&err);
	CHECK(deflate_write(d, "x", 1, &err) < 0);
	err_free(&err);
	deflate_free(d);
	sb_release(&c.sb);
	free(rnd);
}

TEST(long_runs_and_far_matches)
{
	/* runs longer than a match, matches at the window's far end, a repeat of 33000 bytes */
	size_t len = 200000;
	uint8_t *p = make_random(len, 21);

	memset(p + 1000, 'x', 5000);
	memcpy(p + 40000, p + 40000 - 32768, 20000);
	memcpy(p + 100000, p + 100000 - 33000, 20000);
	for (int level = 1; level <= 9; level++)
		round_trip(p, len, level, 0, __LINE__);
	free(p);
}
