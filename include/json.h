/* JSON for ocibox: a streaming writer (libbb/json_write.c). The parser and tree of the formats
 * issue join this header. */
#ifndef OCIBOX_JSON_H
#define OCIBOX_JSON_H

#include "libbb.h"

#define JSON_WRITER_MAX_DEPTH 64

/* Writes compact JSON (indent 0) or pretty JSON (indent N spaces, Docker's `inspect` uses 4)
 * into a strbuf; commas, colons and nesting are the writer's job, not the caller's. Invalid
 * UTF-8 in strings is written as U+FFFD so the output is always valid JSON. */
struct json_writer {
	struct strbuf *out;
	int indent;
	int depth;
	bool after_key;
	bool has_items[JSON_WRITER_MAX_DEPTH + 1];
};

void jw_init(struct json_writer *w, struct strbuf *out, int indent);
void jw_object_begin(struct json_writer *w);
void jw_object_end(struct json_writer *w);
void jw_array_begin(struct json_writer *w);
void jw_array_end(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);
void jw_key_len(struct json_writer *w, const char *key, size_t len); /* may hold NUL */
void jw_string(struct json_writer *w, const char *s);
void jw_string_len(struct json_writer *w, const char *s, size_t len);
void jw_int(struct json_writer *w, long long v);
void jw_uint(struct json_writer *w, unsigned long long v);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
void jw_raw(struct json_writer *w, const char *number_text); /* a number kept as text */
void json_escape(struct strbuf *out, const char *s, size_t len); /* "..." with quotes */
/* Length of the valid UTF-8 sequence at s (1..4 bytes), 0 if it is not one: bad lead or
 * continuation byte, overlong form, UTF-16 surrogate, beyond U+10FFFF, or cut short. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* The build's identity: "Version", "Os", "Arch", "Variant" keys (libbb/platform.c). */
void jw_platform_fields(struct json_writer *w);

/* ---- parser and tree (libbb/json.c) ----
 * A strict RFC 8259 parser: the whole input must be valid UTF-8, \u escapes must pair
 * surrogates, duplicate object keys are an error (OCI content is digest-addressed), nothing but
 * whitespace may follow the value. Errors read "offset 17: expected ':' after object key".
 * Every number keeps its source text; one that is a plain integer fitting int64 or uint64 reads
 * back exactly through json_i64/json_u64, so sizes never go through a double ("-0", "1.0", "1e3"
 * are text only). Object members stay in document order, so unknown fields survive a parse ->
 * json_write_tree round trip. */

#define JSON_DEFAULT_MAX_DEPTH 64
#define JSON_DEFAULT_MAX_SIZE ((size_t)16 << 20)
#define JSON_MAX_DEPTH 1024 /* a larger max_depth is lowered to this */

struct json_limits {
	unsigned max_depth; /* nested arrays/objects; 0: JSON_DEFAULT_MAX_DEPTH */
	size_t max_size;    /* input bytes, refused before parsing; 0: JSON_DEFAULT_MAX_SIZE */
};

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

enum {
	JSON_INT64 = 1 << 0,   /* number: an integer that fits int64_t */
	JSON_UINT64 = 1 << 1,  /* number: an integer that fits uint64_t */
	JSON_HAS_NUL = 1 << 2, /* string: holds a NUL byte (from \u0000) */
};

struct json_member;

/* Read-only; the accessors below are the easy way in. Strings are NUL-terminated for
 * convenience but may hold NULs, so len is the truth. Equal short strings may share storage. */
struct json {
	enum json_type type;
	unsigned flags; /* JSON_INT64, JSON_UINT64, JSON_HAS_NUL */
	size_t len;     /* bytes of a string or number text, items of an array or object */
	union {
		const char *str;             /* JSON_STRING (decoded UTF-8), JSON_NUMBER (text) */
		struct json *items;          /* JSON_ARRAY */
		struct json_member *members; /* JSON_OBJECT, in document order */
	};
};

struct json_member {
	const char *key; /* NUL-terminated, may hold NULs */
	size_t key_len;
	struct json val;
};

/* NULL on failure, with *err set (errnum 0, or ENOMEM). lim NULL means the defaults. buf need
 * not be NUL-terminated and is not kept. Free the result with json_free(). */
struct json *json_parse(const char *buf, size_t len, const struct json_limits *lim,
			struct error **err);
void json_free(struct json *root); /* only what json_parse returned; NULL is fine */
const char *json_type_name(enum json_type t); /* "null", "boolean", "number", ... */

/* Lookups return NULL/false for a missing key, a non-object, or a value of the wrong type, so
 * they chain: json_get_str(json_get(cfg, "config"), "User"). Keys are compared bytewise. */
struct json *json_get(const struct json *obj, const char *key);
const char *json_get_str(const struct json *obj, const char *key); /* NULL if it holds a NUL */
bool json_get_i64(const struct json *obj, const char *key, int64_t *out); /* exact integers */
bool json_get_u64(const struct json *obj, const char *key, uint64_t *out);
bool json_get_bool(const struct json *obj, const char *key, bool *out);

size_t json_len(const struct json *j); /* items or members; 0 for anything else */
struct json *json_at(const struct json *arr, size_t i); /* NULL past the end or not an array */
const struct json_member *json_member_at(const struct json *obj, size_t i); /* document order */

const char *json_string(const struct json *j, size_t *len); /* NULL unless a string */
const char *json_number_text(const struct json *j);         /* NULL unless a number */
bool json_is_integer(const struct json *j); /* no fraction or exponent, fits int64 or uint64 */
bool json_i64(const struct json *j, int64_t *out);
bool json_u64(const struct json *j, uint64_t *out);

/* Writes j (NULL: null) as the writer's next value, in its indent, at any depth. Numbers go out
 * as their source text. _sorted orders object keys bytewise, for stable digests. */
void json_write_tree(struct json_writer *w, const struct json *j);
void json_write_tree_sorted(struct json_writer *w, const struct json *j);

#endif
