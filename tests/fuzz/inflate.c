/* libFuzzer target for libbb/inflate.c and libbb/deflate.c. For any input:
 *  - inflating it as gzip and as raw DEFLATE, under an output cap, returns cleanly;
 *  - feeding it in small uneven chunks gives the same bytes and the same error as one shot;
 *  - deflating it at some level and inflating the result gives the input back.
 * Build and run (seed corpus beside it):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Igenerated \
 *     -Igenerated/debug tests/fuzz/inflate.c libbb/{inflate,deflate,crc32,strbuf,xfuncs,\
 *     messages,error,cleanup,strings}.c -o /tmp/fuzz-inflate
 *   /tmp/fuzz-inflate -max_total_time=60 tests/fuzz/corpus/inflate */
#include "gzip.h"

#define CAP (4u << 20)

struct chunks {
	const uint8_t *p;
	size_t left;
	unsigned x;
};

static ssize_t read_chunks(void *ctx, void *buf, size_t len, struct error **err)
{
	struct chunks *c = ctx;
	size_t n;

	(void)err;
	c->x = c->x * 1103515245 + 12345;
	n = 1 + (c->x >> 16) % 13;
	n = n < c->left ? n : c->left;
	n = n < len ? n : len;
	memcpy(buf, c->p, n);
	c->p += n;
	c->left -= n;
	return (ssize_t)n;
}

static void same_in_chunks(const uint8_t *data, size_t size, unsigned flags)
{
	struct strbuf one = STRBUF_INIT, chunked = STRBUF_INIT;
	struct error *err1 = NULL, *err2 = NULL;
	struct chunks c = {data, size, (unsigned)size};
	struct inflate *z = inflate_new(read_chunks, &c, flags);
	int r1 = inflate_mem(data, size, flags, CAP, &one, &err1);
	uint8_t buf[777];
	ssize_t n;

	inflate_set_limit(z, CAP);
	while ((n = inflate_read(z, buf, 1 + size % sizeof(buf), &err2)) > 0)
		sb_add(&chunked, buf, n);
	inflate_free(z);
	if ((r1 < 0) != (n < 0) || one.len != chunked.len ||
	    (one.len && memcmp(one.buf, chunked.buf, one.len)))
		abort();
	if (r1 < 0 && strcmp(err1->msg, err2->msg))
		abort();
	err_free(&err1);
	err_free(&err2);
	sb_release(&one);
	sb_release(&chunked);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf z = STRBUF_INIT, back = STRBUF_INIT;
	struct error *err = NULL;
	int level = 1 + (size ? data[size / 2] : 0) % 9;

	same_in_chunks(data, size, 0);
	same_in_chunks(data, size, INFLATE_RAW);

	if (deflate_mem(data, size, level, size & 1 ? DEFLATE_RAW : 0, &z, &err) < 0)
		abort();
	if (inflate_mem(z.buf, z.len, size & 1 ? INFLATE_RAW : 0, 0, &back, &err) < 0)
		abort();
	if (back.len != size || (size && memcmp(back.buf, data, size)))
		abort();
	sb_release(&z);
	sb_release(&back);
	return 0;
}
