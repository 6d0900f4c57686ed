/* Strict RFC 8259 parser into a tree that lives in one arena, plus the tree's accessors and its
 * writer. No recursion while parsing: open containers sit on an explicit stack of frames. */
#include "json.h"

#define DUP_SCAN 16  /* objects up to this many keys are checked for duplicates as they grow */
#define SHARE_MAX 64 /* strings shorter than this are looked up in the cache of recent ones */
#define SHARE_SLOTS 128

struct block {
	struct block *next;
	size_t used, cap;
	uint64_t data[]; /* 8-byte aligned on every target */
};

struct json_doc {
	struct json root; /* first, so json_free() finds the document from the root */
	struct block *blocks;
	size_t next_cap;
};

struct frame {
	enum json_type type;
	size_t base; /* its first item on the stack */
};

struct parser {
	const unsigned char *s;
	size_t len, pos;
	unsigned depth, max_depth;
	struct frame *frames;
	struct json_member *stack; /* items of open containers; in arrays key is unused */
	size_t *key_offs;          /* where each key on the stack starts, for error messages */
	size_t sp, stack_cap;
	struct json_doc *doc;
	struct error **err;
	struct recent {
		const char *s;
		size_t len;
	} recent[SHARE_SLOTS];
};

/* Bytes that stand for themselves inside a string: printable ASCII but '"' and '\\'. */
static const unsigned char plain_byte[256] = {
    [0x20 ... 0x21] = 1,
    [0x23 ... 0x5b] = 1,
    [0x5d ... 0x7f] = 1,
};

static int fail(struct parser *p, size_t off, const char *fmt, ...) PRINTF(3, 4);
static int fail(struct parser *p, size_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(p->err, 0, "offset %zu: %s", off, msg);
}

static int out_of_memory(struct parser *p)
{
	return err_set(p->err, ENOMEM, "offset %zu: parsing JSON", p->pos);
}

/* What is at off was not what the grammar wanted. */
static int expected(struct parser *p, size_t off, const char *what)
{
	if (off >= p->len)
		return fail(p, p->len, "unexpected end of input");
	if (p->s[off] >= 0x80 && !utf8_seq_len(p->s + off, p->len - off))
		return fail(p, off, "invalid UTF-8");
	return fail(p, off, "expected %s", what);
}

/* align is 1 for text, 8 for nodes. */
static void *arena_alloc(struct parser *p, size_t size, size_t align)
{
	struct json_doc *d = p->doc;
	struct block *b = d->blocks, *nb;
	size_t cap;

	if (b) {
		size_t at = (b->used + align - 1) & ~(align - 1);

		if (at <= b->cap && b->cap - at >= size) {
			b->used = at + size;
			return (char *)b->data + at;
		}
	}
	cap = size > d->next_cap ? size : d->next_cap;
	if (cap > SIZE_MAX - sizeof(*nb) || !(nb = malloc(sizeof(*nb) + cap)))
		return NULL;
	nb->used = size;
	nb->cap = cap;
	if (b && size > d->next_cap / 2) {
		/* A big array gets a block of its own; the current one stays in use. */
		nb->next = b->next;
		b->next = nb;
	} else {
		nb->next = b;
		d->blocks = nb;
		if (d->next_cap < (1 << 20))
			d->next_cap *= 2;
	}
	return nb->data;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\n' ||
	                           p->s[p->pos] == '\r' || p->s[p->pos] == '\t'))
		p->pos++;
}

static int hex4(const unsigned char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int c = s[i];

		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | c;
	}
	return v;
}

static size_t put_utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = 0xc0 | cp >> 6;
		d[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = 0xe0 | cp >> 12;
		d[1] = 0x80 | (cp >> 6 & 0x3f);
		d[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	d[0] = 0xf0 | cp >> 18;
	d[1] = 0x80 | (cp >> 12 & 0x3f);
	d[2] = 0x80 | (cp >> 6 & 0x3f);
	d[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* \uXXXX at i (inside a string ending at end), surrogate pairs joined; -1 on error. */
static int unicode_escape(struct parser *p, size_t *i, size_t end)
{
	const unsigned char *s = p->s;
	size_t at = *i;
	int cp, lo;

	if (end - at < 6 || (cp = hex4(s + at + 2)) < 0)
		return fail(p, at, "invalid \\u escape");
	*i = at + 6;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(p, at, "lone surrogate \\u%04x", cp);
	if (cp < 0xd800 || cp > 0xdbff)
		return cp;
	if (end - *i < 6 || s[*i] != '\\' || s[*i + 1] != 'u' || (lo = hex4(s + *i + 2)) < 0 ||
	    lo < 0xdc00 || lo > 0xdfff)
		return fail(p, at, "lone surrogate \\u%04x", cp);
	*i += 6;
	return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
}

/* The offset of the '"' closing the string that opens at p->pos, 0 (and an error) if there is
 * none; *plain if the text needs no decoding. */
static size_t string_end(struct parser *p, bool *plain)
{
	const unsigned char *s = p->s;
	size_t end = p->pos + 1;

	*plain = true;
	while (end < p->len) {
		if (plain_byte[s[end]]) {
			end++;
			continue;
		}
		if (s[end] == '"')
			return end;
		*plain = false;
		end += s[end] == '\\' ? 2 : 1;
	}
	fail(p, p->len, "unexpected end of input in string");
	return 0;
}

/* Decodes s[i..end) into d, which has room: the decoded text is never longer than its source. */
static int decode(struct parser *p, size_t i, size_t end, char *d, size_t *len, unsigned *flags)
{
	const unsigned char *s = p->s;
	size_t o = 0;

	while (i < end) {
		unsigned char c = s[i];
		size_t n;
		int cp;

		if (plain_byte[c]) {
			for (n = i + 1; n < end && plain_byte[s[n]]; n++)
				;
			memcpy(d + o, s + i, n - i);
			o += n - i;
			i = n;
		} else if (c < 0x20) {
			return fail(p, i, "control character 0x%02x in string", c);
		} else if (c >= 0x80) {
			if (!(n = utf8_seq_len(s + i, end - i)))
				return fail(p, i, "invalid UTF-8");
			memcpy(d + o, s + i, n);
			o += n;
			i += n;
		} else if (s[i + 1] == 'u') { /* c is '\\', and string_end() saw what follows */
			if ((cp = unicode_escape(p, &i, end)) < 0)
				return -1;
			if (!cp)
				*flags |= JSON_HAS_NUL;
			o += put_utf8(d + o, cp);
		} else {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
			const char *e = memchr(from, s[i + 1], sizeof(from) - 1);

			if (!e && s[i + 1] > 0x20 && s[i + 1] < 0x7f)
				return fail(p, i, "invalid escape '\\%c'", s[i + 1]);
			if (!e)
				return fail(p, i, "invalid escape");
			d[o++] = to[e - from];
			i += 2;
		}
	}
	*len = o;
	return 0;
}

/* The text src[0..n) in the arena: owned, which is already there, or a copy. Short strings repeat
 * ("mediaType", "linux", "size" in every manifest of a list), so equal ones share a copy, found in
 * a small cache of recent ones where a miss only costs the copy. */
static const char *store(struct parser *p, const char *src, size_t n, char *owned)
{
	struct recent *r = NULL;

	if (n < SHARE_MAX) {
		unsigned h = n;

		for (size_t i = 0; i < n; i++)
			h = h * 33 + (unsigned char)src[i];
		r = &p->recent[(h ^ h >> 7) % SHARE_SLOTS];
		if (r->s && r->len == n && !memcmp(r->s, src, n))
			return r->s;
	}
	if (!owned) {
		if (!(owned = arena_alloc(p, n + 1, 1)))
			return NULL;
		memcpy(owned, src, n);
	}
	owned[n] = '\0';
	if (r) {
		r->s = owned;
		r->len = n;
	}
	return owned;
}

/* The string opening at p->pos, decoded into the arena. */
static int string(struct parser *p, const char **out, size_t *outlen, unsigned *flags)
{
	size_t start = p->pos + 1, end, n;
	const char *src = (const char *)p->s + start;
	char tmp[SHARE_MAX], *d = NULL;
	bool plain;

	if (!(end = string_end(p, &plain)))
		return -1;
	n = end - start;
	if (!plain) {
		if (n >= sizeof(tmp) && !(d = arena_alloc(p, n + 1, 1)))
			return out_of_memory(p);
		if (decode(p, start, end, d ? d : tmp, &n, flags) < 0)
			return -1;
		src = d ? d : tmp;
	}
	if (!(*out = store(p, src, n, d)))
		return out_of_memory(p);
	*outlen = n;
	p->pos = end + 1;
	return 0;
}

static bool is_digit(struct parser *p, size_t i)
{
	return i < p->len && p->s[i] >= '0' && p->s[i] <= '9';
}

static int number(struct parser *p, struct json *v)
{
	size_t start = p->pos, i = start;
	bool neg = false, integer = true, fits = true;
	uint64_t mag = 0;

	if (p->s[i] == '-')
		neg = true, i++;
	if (!is_digit(p, i))
		return expected(p, i, "a digit after '-'");
	if (p->s[i] == '0' && is_digit(p, i + 1))
		return fail(p, start, "leading zero in number");
	for (; is_digit(p, i); i++) {
		unsigned dg = p->s[i] - '0';

		if (mag > (UINT64_MAX - dg) / 10)
			fits = false;
		else
			mag = mag * 10 + dg;
	}
	if (i < p->len && p->s[i] == '.') {
		integer = false;
		if (!is_digit(p, ++i))
			return expected(p, i, "a digit after '.'");
		while (is_digit(p, i))
			i++;
	}
	if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
		integer = false;
		i++;
		if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
			i++;
		if (!is_digit(p, i))
			return expected(p, i, "a digit in the exponent");
		while (is_digit(p, i))
			i++;
	}
	if (!(v->str = store(p, (const char *)p->s + start, i - start, NULL)))
		return out_of_memory(p);
	v->type = JSON_NUMBER;
	v->len = i - start;
	if (integer && fits && neg && mag && mag <= (uint64_t)INT64_MAX + 1)
		v->flags = JSON_INT64;
	else if (integer && fits && !neg)
		v->flags = JSON_UINT64 | (mag <= INT64_MAX ? JSON_INT64 : 0);
	p->pos = i;
	return 0;
}

static int literal(struct parser *p, struct json *v, const char *word, enum json_type type)
{
	size_t n = strlen(word), left = p->len - p->pos;

	if (memcmp(p->s + p->pos, word, left < n ? left : n))
		return expected(p, p->pos, "a value");
	if (left < n)
		return fail(p, p->len, "unexpected end of input");
	p->pos += n;
	v->type = type;
	return 0;
}

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

static int duplicate(struct parser *p, size_t idx)
{
	const struct json_member *m = &p->stack[idx];
	struct strbuf sb = STRBUF_INIT;
	size_t n = m->key_len > 64 ? 64 : m->key_len;
	int r;

	json_escape(&sb, m->key, n);
	r = fail(p, p->key_offs[idx], "duplicate key %s%s", sb.buf, n < m->key_len ? "..." : "");
	sb_release(&sb);
	return r;
}

/* By key, then by place on the stack, which is document order. */
static int member_ptr_cmp(const void *x, const void *y)
{
	const struct json_member *a = *(const struct json_member *const *)x;
	const struct json_member *b = *(const struct json_member *const *)y;
	int c = key_cmp(a->key, a->key_len, b->key, b->key_len);

	return c ? c : (a > b) - (a < b);
}

/* Objects too big for the scan as they grow: sort the keys, then the first repeat in document
 * order is the error. O(n log n) whatever the keys, unlike a hash an input could aim at. */
static int check_duplicates(struct parser *p, size_t base, size_t n)
{
	const struct json_member **sorted = malloc(n * sizeof(*sorted)), *dup = NULL;
	int r = 0;

	if (!sorted)
		return out_of_memory(p);
	for (size_t i = 0; i < n; i++)
		sorted[i] = &p->stack[base + i];
	qsort(sorted, n, sizeof(*sorted), member_ptr_cmp);
	for (size_t i = 1; i < n; i++)
		if (!key_cmp(sorted[i - 1]->key, sorted[i - 1]->key_len, sorted[i]->key,
		             sorted[i]->key_len) &&
		    (!dup || sorted[i] < dup))
			dup = sorted[i];
	if (dup)
		r = duplicate(p, dup - p->stack);
	free(sorted);
	return r;
}

static struct json_member *push(struct parser *p)
{
	if (p->sp == p->stack_cap) {
		size_t cap = p->stack_cap ? p->stack_cap * 2 : 64;
		struct json_member *s;
		size_t *o;

		if (cap > SIZE_MAX / sizeof(*s) || !(s = realloc(p->stack, cap * sizeof(*s))))
			return NULL;
		p->stack = s;
		if (!(o = realloc(p->key_offs, cap * sizeof(*o))))
			return NULL;
		p->key_offs = o;
		p->stack_cap = cap;
	}
	return &p->stack[p->sp++];
}

/* An object key and its ':', left on the stack for the value that follows. */
static int key(struct parser *p)
{
	struct frame *f = &p->frames[p->depth - 1];
	unsigned flags = 0;
	struct json_member *m;
	size_t idx;

	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return expected(p, p->pos, "a string as object key");
	if (!(m = push(p)))
		return out_of_memory(p);
	idx = p->sp - 1;
	p->key_offs[idx] = p->pos;
	if (string(p, &m->key, &m->key_len, &flags) < 0)
		return -1;
	if (idx - f->base < DUP_SCAN)
		for (size_t i = f->base; i < idx; i++)
			if (!key_cmp(p->stack[i].key, p->stack[i].key_len, m->key, m->key_len))
				return duplicate(p, idx);
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return expected(p, p->pos, "':' after object key");
	p->pos++;
	return 0;
}

/* At a value: a scalar or an empty container completes *v (0); any other container is opened
 * and the parser left before its first value (1). */
static int value(struct parser *p, struct json *v)
{
	unsigned char c;

	memset(v, 0, sizeof(*v));
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, p->len, "unexpected end of input");
	c = p->s[p->pos];
	if (c == '"') {
		v->type = JSON_STRING;
		return string(p, &v->str, &v->len, &v->flags);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return number(p, v);
	if (c == 't')
		return literal(p, v, "true", JSON_TRUE);
	if (c == 'f')
		return literal(p, v, "false", JSON_FALSE);
	if (c == 'n')
		return literal(p, v, "null", JSON_NULL);
	if (c != '[' && c != '{')
		return expected(p, p->pos, "a value");
	if (p->depth >= p->max_depth)
		return fail(p, p->pos, "nesting deeper than %u", p->max_depth);
	v->type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == (c == '{' ? '}' : ']')) {
		p->pos++;
		return 0;
	}
	p->frames[p->depth++] = (struct frame){v->type, p->sp};
	if (v->type == JSON_OBJECT && key(p) < 0)
		return -1;
	return 1;
}

/* The innermost container ends: its items move from the stack into the arena, as *v. */
static int close_container(struct parser *p, struct json *v)
{
	struct frame *f = &p->frames[--p->depth];
	struct json_member *items = p->stack + f->base;
	size_t n = p->sp - f->base;

	memset(v, 0, sizeof(*v));
	v->type = f->type;
	v->len = n;
	if (f->type == JSON_OBJECT) {
		if (n > DUP_SCAN && check_duplicates(p, f->base, n) < 0)
			return -1;
		if (n > SIZE_MAX / sizeof(*v->members) ||
		    !(v->members = arena_alloc(p, n * sizeof(*v->members), 8)))
			return out_of_memory(p);
		memcpy(v->members, items, n * sizeof(*items));
	} else {
		if (n > SIZE_MAX / sizeof(*v->items) ||
		    !(v->items = arena_alloc(p, n * sizeof(*v->items), 8)))
			return out_of_memory(p);
		for (size_t i = 0; i < n; i++)
			v->items[i] = items[i].val;
	}
	p->sp = f->base;
	return 0;
}

/* After a value inside a container: 1 if another follows the ',', 0 if the container closed
 * (now in *v). */
static int next_item(struct parser *p, struct json *v)
{
	struct frame *f = &p->frames[p->depth - 1];
	bool obj = f->type == JSON_OBJECT;
	char end = obj ? '}' : ']';
	struct json_member *m;

	if (obj) {
		p->stack[p->sp - 1].val = *v;
	} else {
		if (!(m = push(p)))
			return out_of_memory(p);
		m->val = *v;
	}
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ',') {
		p->pos++;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == end)
			return fail(p, p->pos, "trailing comma before '%c'", end);
		return obj && key(p) < 0 ? -1 : 1;
	}
	if (p->pos < p->len && p->s[p->pos] == end) {
		p->pos++;
		return close_container(p, v);
	}
	return expected(p, p->pos,
	                obj ? "',' or '}' after object member" : "',' or ']' after array item");
}

static int parse_document(struct parser *p, struct json *root)
{
	int r;

	do {
		r = value(p, root);
		while (r == 0 && p->depth > 0)
			r = next_item(p, root);
		if (r < 0)
			return -1;
	} while (r == 1);
	skip_ws(p);
	if (p->pos < p->len)
		return expected(p, p->pos, "the end of input after the document");
	return 0;
}

struct json *json_parse(const char *buf, size_t len, const struct json_limits *lim,
                        struct error **err)
{
	size_t max_size = lim && lim->max_size ? lim->max_size : JSON_DEFAULT_MAX_SIZE;
	unsigned max_depth = lim && lim->max_depth ? lim->max_depth : JSON_DEFAULT_MAX_DEPTH;
	struct parser p = {.s = (const unsigned char *)buf, .len = len, .err = err};
	struct json root;
	int r;

	if (len > max_size) {
		err_set(err, 0, "offset %zu: input larger than the limit of %zu bytes", max_size,
		        max_size);
		return NULL;
	}
	if (!len) {
		err_set(err, 0, "offset 0: empty input");
		return NULL;
	}
	p.max_depth = max_depth < JSON_MAX_DEPTH ? max_depth : JSON_MAX_DEPTH;
	p.frames = malloc(p.max_depth * sizeof(*p.frames));
	p.doc = calloc(1, sizeof(*p.doc));
	if (!p.frames || !p.doc) {
		r = out_of_memory(&p);
	} else {
		/* The first block is about the input's size: trees are a small multiple of it. */
		p.doc->next_cap = len < 1024 ? 1024 : len > (1 << 20) ? (1 << 20) : len;
		r = parse_document(&p, &root);
	}
	free(p.frames);
	free(p.stack);
	free(p.key_offs);
	if (r < 0) {
		json_free(p.doc ? &p.doc->root : NULL);
		return NULL;
	}
	p.doc->root = root;
	return &p.doc->root;
}

void json_free(struct json *root)
{
	struct json_doc *d = (struct json_doc *)root;
	struct block *b, *next;

	if (!d)
		return;
	for (b = d->blocks; b; b = next) {
		next = b->next;
		free(b);
	}
	free(d);
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = {"null",   "boolean", "boolean", "number",
	                                    "string", "array",   "object"};

	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "unknown";
}

/* ---- accessors ---- */

struct json *json_get(const struct json *obj, const char *key)
{
	size_t n;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	n = strlen(key);
	for (size_t i = 0; i < obj->len; i++)
		if (obj->members[i].key_len == n && !memcmp(obj->members[i].key, key, n))
			return &obj->members[i].val;
	return NULL;
}

const char *json_get_str(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);

	return v && v->type == JSON_STRING && !(v->flags & JSON_HAS_NUL) ? v->str : NULL;
}

bool json_get_i64(const struct json *obj, const char *key, int64_t *out)
{
	return json_i64(json_get(obj, key), out);
}

bool json_get_u64(const struct json *obj, const char *key, uint64_t *out)
{
	return json_u64(json_get(obj, key), out);
}

bool json_get_bool(const struct json *obj, const char *key, bool *out)
{
	const struct json *v = json_get(obj, key);

	if (!v || (v->type != JSON_TRUE && v->type != JSON_FALSE))
		return false;
	*out = v->type == JSON_TRUE;
	return true;
}

size_t json_len(const struct json *j)
{
	return j && (j->type == JSON_ARRAY || j->type == JSON_OBJECT) ? j->len : 0;
}

struct json *json_at(const struct json *arr, size_t i)
{
	return arr && arr->type == JSON_ARRAY && i < arr->len ? &arr->items[i] : NULL;
}

const struct json_member *json_member_at(const struct json *obj, size_t i)
{
	return obj && obj->type == JSON_OBJECT && i < obj->len ? &obj->members[i] : NULL;
}

const char *json_string(const struct json *j, size_t *len)
{
	if (!j || j->type != JSON_STRING)
		return NULL;
	if (len)
		*len = j->len;
	return j->str;
}

const char *json_number_text(const struct json *j)
{
	return j && j->type == JSON_NUMBER ? j->str : NULL;
}

bool json_is_integer(const struct json *j)
{
	return j && j->type == JSON_NUMBER && (j->flags & (JSON_INT64 | JSON_UINT64));
}

/* The value of a number the parser found to be an integer that fits: digits are all it has. */
static uint64_t magnitude(const struct json *j)
{
	uint64_t v = 0;

	for (size_t i = j->str[0] == '-'; i < j->len; i++)
		v = v * 10 + (j->str[i] - '0');
	return v;
}

bool json_i64(const struct json *j, int64_t *out)
{
	uint64_t m;

	if (!j || j->type != JSON_NUMBER || !(j->flags & JSON_INT64))
		return false;
	m = magnitude(j);
	*out = j->str[0] != '-' ? (int64_t)m : -(int64_t)(m - 1) - 1; /* m is 2^63 for INT64_MIN */
	return true;
}

bool json_u64(const struct json *j, uint64_t *out)
{
	if (!j || j->type != JSON_NUMBER || !(j->flags & JSON_UINT64))
		return false;
	*out = magnitude(j);
	return true;
}

/* ---- writing a tree ---- */

static void newline(struct strbuf *out, int indent, int depth)
{
	size_t n = (size_t)indent * depth;

	if (!indent)
		return;
	sb_grow(out, n + 1);
	out->buf[out->len++] = '\n';
	memset(out->buf + out->len, ' ', n);
	out->len += n;
	out->buf[out->len] = '\0';
}

static int member_cmp(const void *x, const void *y)
{
	const struct json_member *a = *(const struct json_member *const *)x;
	const struct json_member *b = *(const struct json_member *const *)y;

	return key_cmp(a->key, a->key_len, b->key, b->key_len);
}

/* Same layout as the streaming writer, which is what the output around it comes from; written
 * here rather than through jw_key() because keys may hold NULs and trees may be deeper than
 * JSON_WRITER_MAX_DEPTH. */
static void write_value(struct strbuf *out, const struct json *j, int indent, int depth,
                        bool sorted)
{
	const struct json_member **order = NULL;

	switch (j->type) {
	case JSON_NULL:
		sb_add(out, "null", 4);
		return;
	case JSON_FALSE:
		sb_add(out, "false", 5);
		return;
	case JSON_TRUE:
		sb_add(out, "true", 4);
		return;
	case JSON_NUMBER:
		sb_add(out, j->str, j->len);
		return;
	case JSON_STRING:
		json_escape(out, j->str, j->len);
		return;
	case JSON_ARRAY:
		sb_addc(out, '[');
		for (size_t i = 0; i < j->len; i++) {
			if (i)
				sb_addc(out, ',');
			newline(out, indent, depth + 1);
			write_value(out, &j->items[i], indent, depth + 1, sorted);
		}
		if (j->len)
			newline(out, indent, depth);
		sb_addc(out, ']');
		return;
	case JSON_OBJECT:
		if (sorted && j->len > 1) {
			order = xreallocarray(NULL, j->len, sizeof(*order));
			for (size_t i = 0; i < j->len; i++)
				order[i] = &j->members[i];
			qsort(order, j->len, sizeof(*order), member_cmp);
		}
		sb_addc(out, '{');
		for (size_t i = 0; i < j->len; i++) {
			const struct json_member *m = order ? order[i] : &j->members[i];

			if (i)
				sb_addc(out, ',');
			newline(out, indent, depth + 1);
			json_escape(out, m->key, m->key_len);
			sb_adds(out, indent ? ": " : ":");
			write_value(out, &m->val, indent, depth + 1, sorted);
		}
		if (j->len)
			newline(out, indent, depth);
		sb_addc(out, '}');
		free(order);
		return;
	}
}

static void write_tree(struct json_writer *w, const struct json *j, bool sorted)
{
	static const struct json null = {.type = JSON_NULL};

	jw_raw(w, ""); /* nothing, but the writer puts in the comma, indent or key it owes */
	write_value(w->out, j ? j : &null, w->indent, w->depth, sorted);
}

void json_write_tree(struct json_writer *w, const struct json *j)
{
	write_tree(w, j, false);
}

void json_write_tree_sorted(struct json_writer *w, const struct json *j)
{
	write_tree(w, j, true);
}
