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
	bool has_items[JSON_WRITER_MAX_DEPTH];
};

void jw_init(struct json_writer *w, struct strbuf *out, int indent);
void jw_object_begin(struct json_writer *w);
void jw_object_end(struct json_writer *w);
void jw_array_begin(struct json_writer *w);
void jw_array_end(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);
void jw_string(struct json_writer *w, const char *s);
void jw_string_len(struct json_writer *w, const char *s, size_t len);
void jw_int(struct json_writer *w, long long v);
void jw_uint(struct json_writer *w, unsigned long long v);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
void jw_raw(struct json_writer *w, const char *number_text); /* a number kept as text */
void json_escape(struct strbuf *out, const char *s, size_t len); /* "..." with quotes */

#endif
