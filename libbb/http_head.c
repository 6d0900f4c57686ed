/* A response's status line and header fields (RFC 9112 sections 4 and 5), read under limits
 * and parsed strictly: whatever a hostile server sends costs us at most HTTP_HEAD_MAX bytes and
 * ends in a one-line error that quotes what was wrong. */
#include "http_internal.h"
#include <ctype.h>

/* A short printable excerpt of what the server sent, for messages. */
static const char *excerpt(const char *s, char out[64])
{
	size_t o = 0;

	for (; *s && o < 56; s++) {
		unsigned char c = *s;
		if (c >= ' ' && c < 0x7f)
			out[o++] = c;
		else
			o += snprintf(out + o, 64 - o, "\\x%02x", c);
	}
	strcpy(out + o, *s ? "..." : "");
	return out;
}

static bool tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Field values and reason phrases: visible bytes, spaces and tabs, obs-text (UTF-8). */
static bool text_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < ' ' && *p != '\t') || *p == 0x7f)
			return false;
	return true;
}

static int bad(struct error **err, const char *what, const char *line)
{
	char ex[64];

	err_set(err, 0, "%s: \"%s\"", what, excerpt(line, ex));
	return -EPROTO;
}

static int parse_status(struct http_head *h, char *line, struct error **err)
{
	const char *p = line;

	if (strncmp(p, "HTTP/1.", 7) || !isdigit((unsigned char)p[7]) || p[8] != ' ' ||
	    !isdigit((unsigned char)p[9]) || !isdigit((unsigned char)p[10]) ||
	    !isdigit((unsigned char)p[11]) || (p[12] != ' ' && p[12] != '\0'))
		return bad(err, "malformed status line", line);
	h->minor = p[7] - '0';
	h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	h->reason = line + (p[12] ? 13 : 12);
	if (h->status < 100 || h->status > 599 || !text_ok(h->reason))
		return bad(err, "malformed status line", line);
	return 0;
}

static int parse_field(struct http_head *h, char *line, struct error **err)
{
	char *colon, *v, *e;

	if (*line == ' ' || *line == '\t')
		return bad(err, "obsolete line folding in the response header", line);
	for (colon = line; tchar(*colon); colon++)
		;
	if (colon == line || *colon != ':')
		return bad(err, "malformed header field", line);
	if (h->nfields == HTTP_FIELDS_MAX) {
		err_set(err, 0, "more than %d header fields", HTTP_FIELDS_MAX);
		return -E2BIG;
	}
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	if (!text_ok(v)) {
		*colon = ':';
		return bad(err, "control character in a header field", line);
	}
	h->fields = xreallocarray(h->fields, h->nfields + 1, sizeof(*h->fields));
	h->fields[h->nfields++] = (struct http_field){line, v};
	return 0;
}

/* Splits raw into NUL-terminated lines (CRLF or a bare LF; a CR anywhere else is refused). */
static int parse(struct http_head *h, struct error **err)
{
	char *line = h->raw.buf, *end = h->raw.buf + h->raw.len;
	int r;

	for (bool first = true; line < end; first = false) {
		char *nl = memchr(line, '\n', end - line);
		if (!nl || nl == line || (nl == line + 1 && *line == '\r')) {
			if (first)
				return bad(err, "malformed status line", "");
			break; /* the empty line that ends the block */
		}
		size_t len = nl - line - (nl[-1] == '\r');
		if (memchr(line, '\0', len) || memchr(line, '\r', len)) {
			*nl = '\0';
			return bad(err, first ? "malformed status line" : "NUL or CR in the header", line);
		}
		line[len] = '\0';
		r = first ? parse_status(h, line, err) : parse_field(h, line, err);
		if (r < 0)
			return r;
		line = nl + 1;
	}
	return 0;
}

static int read_block(struct http_conn *c, struct http_head *h, struct error **err)
{
	memset(h, 0, sizeof(*h));
	for (;;) {
		size_t room = HTTP_HEAD_MAX - h->raw.len;
		ssize_t n = conn_getline(c, &h->raw, room < HTTP_LINE_MAX ? room : HTTP_LINE_MAX, err);
		if (n == -E2BIG) {
			if (room < HTTP_LINE_MAX)
				err_set(err, 0, "response header larger than %d KiB", HTTP_HEAD_MAX / 1024);
			else
				err_set(err, 0, "response header line longer than %d KiB",
					HTTP_LINE_MAX / 1024);
			return n;
		}
		if (n < 0)
			return n;
		if (n == 0) {
			err_set(err, 0, h->raw.len ? "connection closed inside the response header"
						   : "connection closed before a response");
			return -ECONNRESET;
		}
		const char *l = h->raw.buf + h->raw.len - n;
		if (h->raw.len > (size_t)n && (n == 1 || (n == 2 && *l == '\r')))
			break;
	}
	return 0;
}

int head_read(struct http_conn *c, struct http_head *h, struct error **err)
{
	int r = read_block(c, h, err);

	if (r == 0)
		r = parse(h, err);
	if (r < 0)
		head_release(h);
	return r;
}

void head_release(struct http_head *h)
{
	sb_release(&h->raw);
	free(h->fields);
	memset(h, 0, sizeof(*h));
}

const char *head_field(const struct http_head *h, const char *name, unsigned n)
{
	for (unsigned i = 0; i < h->nfields; i++)
		if (!strcasecmp(h->fields[i].name, name) && n-- == 0)
			return h->fields[i].value;
	return NULL;
}

bool field_has_token(const char *value, const char *token)
{
	size_t tl = strlen(token);

	for (const char *p = value; p && *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",");
		size_t t = n;
		while (t && (p[t - 1] == ' ' || p[t - 1] == '\t'))
			t--;
		if (t == tl && !strncasecmp(p, token, tl))
			return true;
		p += n;
	}
	return false;
}
