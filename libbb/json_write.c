/* Streaming JSON writer: the caller says what, the writer handles commas, colons and indents. */
#include "json.h"

void jw_init(struct json_writer *w, struct strbuf *out, int indent)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->indent = indent;
}

static void newline(struct json_writer *w)
{
	if (!w->indent)
		return;
	sb_addc(w->out, '\n');
	for (int i = 0; i < w->depth * w->indent; i++)
		sb_addc(w->out, ' ');
}

/* Before any value: a comma after the previous item, the indent, unless a key just went out. */
static void before_value(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->has_items[w->depth])
		sb_addc(w->out, ',');
	w->has_items[w->depth] = true;
	newline(w);
}

static void open_(struct json_writer *w, char c)
{
	before_value(w);
	sb_addc(w->out, c);
	if (w->depth >= JSON_WRITER_MAX_DEPTH)
		bb_die("internal error: JSON nested deeper than %d", JSON_WRITER_MAX_DEPTH);
	w->depth++;
	w->has_items[w->depth] = false;
}

static void close_(struct json_writer *w, char c)
{
	bool had = w->has_items[w->depth];

	w->depth--;
	if (had)
		newline(w);
	sb_addc(w->out, c);
}

void jw_object_begin(struct json_writer *w)
{
	open_(w, '{');
}

void jw_object_end(struct json_writer *w)
{
	close_(w, '}');
}

void jw_array_begin(struct json_writer *w)
{
	open_(w, '[');
}

void jw_array_end(struct json_writer *w)
{
	close_(w, ']');
}

void jw_key(struct json_writer *w, const char *key)
{
	jw_key_len(w, key, strlen(key));
}

void jw_key_len(struct json_writer *w, const char *key, size_t len)
{
	before_value(w);
	json_escape(w->out, key, len);
	sb_adds(w->out, w->indent ? ": " : ":");
	w->after_key = true;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid (overlong, surrogate, >U+10FFFF,
 * truncated). */
size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void json_escape(struct strbuf *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	sb_addc(out, '"');
	while (i < n) {
		size_t run = i, len;

		/* Copy plain runs in one go; strings here are mostly plain ASCII. */
		while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
			run++;
		sb_add(out, s + i, run - i);
		i = run;
		if (i == n)
			break;
		switch (s[i]) {
		case '"': sb_adds(out, "\\\""); i++; continue;
		case '\\': sb_adds(out, "\\\\"); i++; continue;
		case '\n': sb_adds(out, "\\n"); i++; continue;
		case '\r': sb_adds(out, "\\r"); i++; continue;
		case '\t': sb_adds(out, "\\t"); i++; continue;
		case '\b': sb_adds(out, "\\b"); i++; continue;
		case '\f': sb_adds(out, "\\f"); i++; continue;
		}
		if (s[i] < 0x20) {
			sb_printf(out, "\\u%04x", s[i]);
			i++;
			continue;
		}
		len = utf8_seq_len(s + i, n - i);
		if (len) {
			sb_add(out, s + i, len);
			i += len;
		} else {
			sb_adds(out, "\\ufffd");
			i++;
		}
	}
	sb_addc(out, '"');
}

void jw_string_len(struct json_writer *w, const char *s, size_t len)
{
	before_value(w);
	json_escape(w->out, s, len);
}

void jw_string(struct json_writer *w, const char *s)
{
	jw_string_len(w, s, strlen(s));
}

void jw_int(struct json_writer *w, long long v)
{
	before_value(w);
	sb_printf(w->out, "%lld", v);
}

void jw_uint(struct json_writer *w, unsigned long long v)
{
	before_value(w);
	sb_printf(w->out, "%llu", v);
}

void jw_bool(struct json_writer *w, bool v)
{
	before_value(w);
	sb_adds(w->out, v ? "true" : "false");
}

void jw_null(struct json_writer *w)
{
	before_value(w);
	sb_adds(w->out, "null");
}

void jw_raw(struct json_writer *w, const char *number_text)
{
	before_value(w);
	sb_adds(w->out, number_text);
}
