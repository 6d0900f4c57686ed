/* One HTTP connection: a socket, TLS over it or not, and a read buffer that lines and bodies
 * are taken from. */
#include "http_internal.h"
#include <poll.h>

struct http_conn *conn_new(int fd, const char *key, unsigned timeout_ms)
{
	struct http_conn *c = xzalloc(sizeof(*c));

	c->fd = fd;
	c->key = xstrdup(key);
	c->timeout_ms = timeout_ms;
	return c;
}

void conn_free(struct http_conn *c)
{
	if (!c)
		return;
	tls_free(c->tls);
	if (c->fd >= 0)
		close(c->fd);
	free(c->key);
	free(c);
}

/* Bytes straight from the transport. */
static ssize_t transport_read(struct http_conn *c, void *buf, size_t len, struct error **err)
{
	ssize_t n;

	if (c->tls)
		n = tls_read(c->tls, buf, len, err);
	else if ((n = net_recv(c->fd, buf, len, c->timeout_ms)) < 0)
		return net_error(err, n, "read", c->timeout_ms);
	if (n > 0)
		c->received += n;
	return n;
}

int conn_fill(struct http_conn *c, struct error **err)
{
	ssize_t n;

	if (c->pos == c->len)
		c->pos = c->len = 0;
	if (c->len == sizeof(c->buf)) {
		memmove(c->buf, c->buf + c->pos, c->len - c->pos);
		c->len -= c->pos;
		c->pos = 0;
	}
	n = transport_read(c, c->buf + c->len, sizeof(c->buf) - c->len, err);
	if (n > 0)
		c->len += n;
	return n;
}

ssize_t conn_read(struct http_conn *c, void *buf, size_t len, struct error **err)
{
	size_t have = c->len - c->pos;

	if (len == 0)
		return 0;
	if (!have) {
		/* Large reads bypass the buffer: a layer's bytes are copied once, into the caller's. */
		if (len >= sizeof(c->buf))
			return transport_read(c, buf, len, err);
		ssize_t n = conn_fill(c, err);
		if (n <= 0)
			return n;
		have = n;
	}
	if (len > have)
		len = have;
	memcpy(buf, c->buf + c->pos, len);
	c->pos += len;
	return len;
}

int conn_write(struct http_conn *c, const void *buf, size_t len, struct error **err)
{
	int r;

	if (c->tls)
		return tls_write(c->tls, buf, len, err);
	r = net_send(c->fd, buf, len, c->timeout_ms);
	return r < 0 ? net_error(err, r, "write", c->timeout_ms) : 0;
}

ssize_t conn_getline(struct http_conn *c, struct strbuf *sb, size_t max, struct error **err)
{
	size_t start = sb->len;

	for (;;) {
		unsigned char *p = c->buf + c->pos, *nl = memchr(p, '\n', c->len - c->pos);
		size_t n = nl ? (size_t)(nl - p) + 1 : c->len - c->pos;
		if (sb->len - start + n > max) {
			err_set(err, 0, "line longer than %zu bytes", max);
			return -E2BIG;
		}
		sb_add(sb, p, n);
		c->pos += n;
		if (nl)
			return sb->len - start;
		ssize_t r = conn_fill(c, err);
		if (r < 0)
			return r;
		if (r == 0) {
			if (sb->len == start)
				return 0;
			err_set(err, 0, "connection closed in the middle of a line");
			return -ECONNRESET;
		}
	}
}

bool conn_alive(struct http_conn *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	/* Idle means silent: readable is a close, a reset or bytes nobody asked for. */
	if (c->pos != c->len || (c->tls && tls_pending(c->tls)))
		return false;
	return poll(&p, 1, 0) == 0;
}
