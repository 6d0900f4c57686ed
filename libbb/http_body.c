/* Response bodies (RFC 9112 section 6): how one is framed, and reading it through the
 * http_read_fn shape that gzip and tar pull with. A body that ends early is an error that says
 * how far it got, so a pull can resume with a Range. */
#include "http_internal.h"

#define CL_MAX (1ULL << 62)

static int parse_length(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > CL_MAX / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return v > CL_MAX ? -1 : 0;
}

/* Every Content-Length field and every comma-separated value in them must agree (RFC 9110 8.6):
 * -1 with none, -2 when they are malformed or disagree. */
static int64_t content_length(const struct http_head *h)
{
	int64_t len = -1;
	const char *f;

	for (unsigned n = 0; (f = head_field(h, "Content-Length", n)); n++) {
		for (const char *p = f; *p;) {
			size_t k = strcspn(p, ",");
			char num[24];
			uint64_t v;
			while (k && (p[k - 1] == ' ' || p[k - 1] == '\t'))
				k--;
			if (k == 0 || k >= sizeof(num))
				return -2;
			memcpy(num, p, k);
			num[k] = '\0';
			if (parse_length(num, &v) < 0 || (len >= 0 && (uint64_t)len != v))
				return -2;
			len = v;
			p += strcspn(p, ",");
			p += strspn(p, ", \t");
		}
	}
	return len;
}

int body_frame(struct http_resp *r, const char *method, struct error **err)
{
	const struct http_head *h = &r->head;
	const char *te = head_field(h, "Transfer-Encoding", 0), *f;
	int64_t cl = content_length(h);
	int s = h->status;

	if (cl == -2) {
		err_set(err, 0, "bad Content-Length \"%s\"", head_field(h, "Content-Length", 0));
		return -EPROTO;
	}
	r->keep_alive = h->minor >= 1;
	for (unsigned n = 0; (f = head_field(h, "Connection", n)); n++)
		if (field_has_token(f, "close"))
			r->keep_alive = false;
	r->pub.content_length = te ? -1 : cl;
	if (STREQ(method, "HEAD") || s < 200 || s == 204 || s == 304) {
		r->mode = BODY_NONE;
		r->done = true;
		return 0;
	}
	if (te) {
		/* Other codings would need their own decoders, and we never ask for them. */
		if (head_field(h, "Transfer-Encoding", 1) || strcasecmp(te, "chunked")) {
			err_set(err, 0, "unsupported Transfer-Encoding \"%s\"", te);
			return -EPROTO;
		}
		/* Both framings at once: trust chunked, but not the connection afterwards. */
		if (cl >= 0)
			r->keep_alive = false;
		r->mode = BODY_CHUNKED;
	} else if (cl >= 0) {
		r->mode = BODY_LENGTH;
		r->left = cl;
		r->done = cl == 0;
	} else {
		r->mode = BODY_UNTIL_CLOSE;
		r->keep_alive = false;
	}
	return 0;
}

static ssize_t cut_short(struct http_resp *r, struct error **err)
{
	if (r->pub.content_length >= 0)
		err_set(err, 0, "body cut short: connection closed after %llu of %lld bytes",
			(unsigned long long)r->got, (long long)r->pub.content_length);
	else
		err_set(err, 0, "body cut short: connection closed inside chunked data after %llu bytes",
			(unsigned long long)r->got);
	return -ECONNRESET;
}

static int chunk_line(struct http_resp *r, struct strbuf *sb, struct error **err)
{
	ssize_t n;

	sb->len = 0;
	n = conn_getline(r->conn, sb, HTTP_CHUNK_LINE_MAX, err);
	if (n == 0)
		return cut_short(r, err);
	if (n == -E2BIG)
		err_set(err, 0, "chunk size line longer than %d bytes", HTTP_CHUNK_LINE_MAX);
	if (n < 0)
		return n;
	sb->buf[--sb->len] = '\0';
	if (sb->len && sb->buf[sb->len - 1] == '\r')
		sb->buf[--sb->len] = '\0';
	return 0;
}

static void sb_cleanup(struct strbuf *sb)
{
	sb_release(sb);
}

/* chunk-size [ chunk-ext ] CRLF, then the data, then CRLF; a 0 size, trailers, an empty line. */
static ssize_t chunked_read(struct http_resp *r, void *buf, size_t len, struct error **err)
{
	struct strbuf sb __attribute__((cleanup(sb_cleanup))) = STRBUF_INIT;
	uint64_t size = 0;
	ssize_t n;
	int digits = 0;
	char *p;

	while (r->left == 0) {
		if (r->chunk_crlf) {
			if ((n = chunk_line(r, &sb, err)) < 0)
				return n;
			if (sb.len) {
				err_set(err, 0, "malformed chunked body: data longer than its chunk size");
				return -EPROTO;
			}
			r->chunk_crlf = false;
		}
		if ((n = chunk_line(r, &sb, err)) < 0)
			return n;
		for (p = sb.buf; *p && strchr("0123456789abcdefABCDEF", *p); p++, digits++) {
			if (digits == 15) {
				err_set(err, 0, "chunk size too large");
				return -EPROTO;
			}
			size = size << 4 | (*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
		}
		p += strspn(p, " \t");
		if (digits == 0 || (*p && *p != ';')) {
			char ex[40];
			snprintf(ex, sizeof(ex), "%s", sb.buf);
			err_set(err, 0, "malformed chunk size \"%s\"", ex);
			return -EPROTO;
		}
		if (size == 0) {
			/* Trailer fields: read and dropped, within the header block's limit. */
			size_t total = 0;
			do {
				if ((n = chunk_line(r, &sb, err)) < 0)
					return n;
				total += sb.len + 2;
				if (total > HTTP_HEAD_MAX) {
					err_set(err, 0, "chunked trailer larger than %d KiB",
						HTTP_HEAD_MAX / 1024);
					return -E2BIG;
				}
			} while (sb.len);
			r->done = true;
			return 0;
		}
		r->left = size;
	}
	if (len > r->left)
		len = r->left;
	n = conn_read(r->conn, buf, len, err);
	if (n == 0)
		return cut_short(r, err);
	if (n > 0 && (r->left -= n) == 0)
		r->chunk_crlf = true;
	return n;
}

static ssize_t body_read(struct http_resp *r, void *buf, size_t len, struct error **err)
{
	ssize_t n;

	switch (r->mode) {
	case BODY_LENGTH:
		n = conn_read(r->conn, buf, len < r->left ? len : r->left, err);
		if (n == 0)
			return cut_short(r, err);
		if (n > 0 && (r->left -= n) == 0)
			r->done = true;
		return n;
	case BODY_UNTIL_CLOSE:
		n = conn_read(r->conn, buf, len, err);
		if (n == 0)
			r->done = true;
		return n;
	case BODY_CHUNKED:
		return chunked_read(r, buf, len, err);
	case BODY_NONE:
		break;
	}
	return 0;
}

ssize_t http_read(void *ctx, void *buf, size_t len, struct error **err)
{
	struct http_resp *r = ctx;
	struct error *e cleanup_err = NULL;
	ssize_t n;

	if (r->failed)
		return err_set(err, 0, "%s", r->failmsg), r->failed;
	if (r->done || len == 0)
		return 0;
	n = body_read(r, buf, len, &e);
	if (n >= 0) {
		r->got += n;
		return n;
	}
	if (!e)
		err_set(&e, 0, "read failed");
	/* A timeout or reset says where it happened; "cut short" already says how far it got. */
	if (n != -ECONNRESET || r->mode == BODY_UNTIL_CLOSE || !strstr(e->msg, "cut short")) {
		if (r->pub.content_length >= 0)
			err_wrap(&e, "body, after %llu of %lld bytes", (unsigned long long)r->got,
				 (long long)r->pub.content_length);
		else
			err_wrap(&e, "body, after %llu bytes", (unsigned long long)r->got);
	}
	err_wrap(&e, "%s", r->pub.url);
	r->failed = n;
	r->failmsg = e->errnum ? xasprintf("%s: %s", e->msg, strerror(e->errnum)) : xstrdup(e->msg);
	err_set(err, 0, "%s", r->failmsg);
	return n;
}

int http_read_all(struct http_response *resp, size_t max, struct strbuf *out, struct error **err)
{
	struct http_resp *r = (struct http_resp *)resp;
	size_t start = out->len;

	if (resp->content_length > (int64_t)max && r->mode != BODY_NONE) {
		err_set(err, 0, "%s: body of %lld bytes, more than the %zu allowed", resp->url,
			(long long)resp->content_length, max);
		return -E2BIG;
	}
	for (;;) {
		sb_grow(out, 16384);
		ssize_t n = http_read(r, out->buf + out->len, out->cap - out->len - 1, err);
		if (n < 0)
			return n;
		if (n == 0)
			return 0;
		out->len += n;
		out->buf[out->len] = '\0';
		if (out->len - start > max) {
			err_set(err, 0, "%s: body larger than the %zu bytes allowed", resp->url, max);
			return -E2BIG;
		}
	}
}

bool body_drain(struct http_resp *r)
{
	char scratch[4096];
	uint64_t budget = HTTP_DRAIN_MAX;

	if (r->mode == BODY_UNTIL_CLOSE || (r->mode == BODY_LENGTH && r->left > budget))
		return r->done;
	while (!r->done && !r->failed) {
		ssize_t n = http_read(r, scratch, sizeof(scratch), NULL);
		if (n <= 0 || (uint64_t)n > budget)
			break;
		budget -= n;
	}
	return r->done && !r->failed;
}
