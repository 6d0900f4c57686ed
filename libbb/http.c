/* The HTTP client: settings, the pool of idle keep-alive connections, a request on the wire and
 * the redirects after it. Decisions are listed in include/http.h. */
#include "http_internal.h"

#define TIMEOUT_MAX_S 1000000 /* seconds, so that milliseconds fit an unsigned */

static const char *const default_certs_d = "/etc/ocibox/certs.d:/etc/docker/certs.d";

/* Header fields the client writes itself: a caller's copy would contradict the framing. */
static const char *const own_fields[] = {
	"Host", "Content-Length", "Transfer-Encoding", "Connection", "Range", "Proxy-Authorization",
};

static const char *env_either(const char *upper, const char *lower)
{
	const char *v = getenv(upper);

	return v ? v : getenv(lower);
}

static unsigned ms(unsigned s, unsigned dflt)
{
	s = s ? s : dflt;
	return (s > TIMEOUT_MAX_S ? TIMEOUT_MAX_S : s) * 1000;
}

int http_client_new(const struct http_options *o, struct http_client **out, struct error **err)
{
	static const struct http_options defaults;
	static const struct {
		const char *upper, *lower;
		size_t option, proxy;
	} proxies[] = {
		{"HTTP_PROXY", "http_proxy", offsetof(struct http_options, http_proxy),
		 offsetof(struct http_client, http_proxy)},
		{"HTTPS_PROXY", "https_proxy", offsetof(struct http_options, https_proxy),
		 offsetof(struct http_client, https_proxy)},
	};
	struct http_client *c = xzalloc(sizeof(*c));
	const char *certs_d, *np;
	size_t n = 0;

	if (!o)
		o = &defaults;
	*out = NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->connect_ms = ms(o->connect_timeout, 30);
	c->read_ms = ms(o->read_timeout, 60);
	c->user_agent = xstrdup(o->user_agent ? o->user_agent : "ocibox");
	while (o->insecure && o->insecure[n])
		n++;
	c->insecure = xzalloc((n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		c->insecure[i] = xstrdup(o->insecure[i]);
	for (size_t i = 0; i < ARRAY_SIZE(proxies); i++) {
		const char *v = *(const char *const *)((const char *)o + proxies[i].option);
		const char *name = v ? "proxy setting" : getenv(proxies[i].upper) ? proxies[i].upper
										 : proxies[i].lower;
		if (!v)
			v = env_either(proxies[i].upper, proxies[i].lower);
		if (v && proxy_parse(v, (struct http_proxy **)((char *)c + proxies[i].proxy), err) < 0) {
			err_wrap(err, "%s", name);
			http_client_free(c);
			return -EINVAL;
		}
	}
	np = o->no_proxy ? o->no_proxy : env_either("NO_PROXY", "no_proxy");
	c->no_proxy = np ? xstrdup(np) : NULL;
	certs_d = o->certs_d ? o->certs_d : getenv("OCIBOX_CERTS_D");
	c->tls = tls_store_new(&(struct tls_options){
		.certs_d = certs_d ? certs_d : default_certs_d,
		.ca_file = o->ca_file,
		.skew_clock = o->tls_skew_clock,
	});
	*out = c;
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	while (c->idle) {
		struct http_conn *next = c->idle->next;
		conn_free(c->idle);
		c->idle = next;
	}
	for (char **p = c->insecure; p && *p; p++)
		free(*p);
	free(c->insecure);
	proxy_free(c->http_proxy);
	proxy_free(c->https_proxy);
	free(c->no_proxy);
	free(c->user_agent);
	tls_store_free(c->tls);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

bool http_host_insecure(const struct http_client *c, const char *host, unsigned port)
{
	for (char **p = c->insecure; p && *p; p++)
		if (host_matches(*p, strlen(*p), host, port, false))
			return true;
	return false;
}

/* ---- the pool ---- */

/* An idle connection to key that is still open, or NULL. */
static struct http_conn *pool_take(struct http_client *c, const char *key)
{
	for (;;) {
		struct http_conn **pp, *conn = NULL;
		pthread_mutex_lock(&c->lock);
		for (pp = &c->idle; *pp; pp = &(*pp)->next) {
			if (STREQ((*pp)->key, key)) {
				conn = *pp;
				*pp = conn->next;
				conn->next = NULL;
				break;
			}
		}
		pthread_mutex_unlock(&c->lock);
		if (!conn || conn_alive(conn))
			return conn;
		conn_free(conn);
	}
}

static void pool_put(struct http_client *c, struct http_conn *conn)
{
	struct http_conn **pp, *drop = NULL;
	unsigned n = 0;

	pthread_mutex_lock(&c->lock);
	conn->next = c->idle;
	c->idle = conn;
	for (pp = &c->idle; *pp; pp = &(*pp)->next) {
		if (++n > HTTP_IDLE_MAX) {
			drop = *pp;
			*pp = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	while (drop) {
		struct http_conn *next = drop->next;
		conn_free(drop);
		drop = next;
	}
}

static int conn_open(struct http_client *c, const struct url *u, const struct http_proxy *p,
		     const char *key, struct http_conn **out, struct error **err)
{
	struct http_conn *conn;
	int fd, r = 0;

	fd = net_connect(p ? p->host : u->host, p ? p->port : u->port, c->connect_ms, err);
	if (fd < 0)
		return p ? err_wrap(err, "proxy"), fd : fd;
	conn = conn_new(fd, key, c->read_ms);
	if (p && u->tls) {
		char *hp = url_hostport(u);
		r = proxy_tunnel(conn, p, hp, err);
		free(hp);
	}
	if (r == 0 && u->tls)
		r = tls_connect(c->tls, fd, u->host, u->port, http_host_insecure(c, u->host, u->port),
				c->read_ms, &conn->tls, err);
	if (r < 0) {
		conn_free(conn);
		return r;
	}
	*out = conn;
	return 0;
}

/* ---- one request ---- */

/* What changes along redirects. */
struct attempt {
	const struct http_request *req;
	const char *method;
	bool with_body; /* false once a redirect made it a GET */
	bool drop_auth; /* the origin changed: the caller's credentials stay behind */
};

static int check_field(const char *f, struct error **err)
{
	size_t name = strcspn(f, ":");

	if (!f[name] || name == 0 || strpbrk(f, "\r\n") || strcspn(f, " \t") < name) {
		err_set(err, 0, "bad request header \"%.40s\"", f);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(own_fields); i++) {
		if (strlen(own_fields[i]) == name && !strncasecmp(f, own_fields[i], name)) {
			err_set(err, 0, "request header %s is the client's to write", own_fields[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static bool field_is(const char *f, const char *name)
{
	size_t n = strlen(name);

	return !strncasecmp(f, name, n) && f[n] == ':';
}

static int send_reader_body(struct http_conn *conn, const struct http_request *req,
			    struct error **err)
{
	enum { ROOM = 16 }; /* in front of the data, for a chunk's size line */
	unsigned char *buf cleanup_free = xmalloc(ROOM + HTTP_BUF + 2);
	bool chunked = req->body_size < 0;
	uint64_t sent = 0;
	int r;

	for (;;) {
		size_t want = HTTP_BUF;
		if (!chunked && (uint64_t)req->body_size - sent < want)
			want = req->body_size - sent;
		if (!chunked && want == 0)
			return 0;
		ssize_t n = req->body_read(req->body_ctx, buf + ROOM, want, err);
		if (n < 0)
			return err_wrap(err, "request body"), (int)n;
		if (n == 0 && !chunked) {
			err_set(err, 0, "request body ended after %llu of %lld bytes",
				(unsigned long long)sent, (long long)req->body_size);
			return -EINVAL;
		}
		if (!chunked) {
			r = conn_write(conn, buf + ROOM, n, err);
		} else if (n == 0) {
			return conn_write(conn, "0\r\n\r\n", 5, err);
		} else {
			char line[ROOM];
			int l = snprintf(line, sizeof(line), "%zx\r\n", (size_t)n);
			memcpy(buf + ROOM - l, line, l);
			memcpy(buf + ROOM + n, "\r\n", 2);
			r = conn_write(conn, buf + ROOM - l, l + n + 2, err);
		}
		if (r < 0)
			return r;
		sent += n;
	}
}

static int send_request(struct http_client *c, struct http_conn *conn, const struct url *u,
			bool absolute, const struct http_proxy *p, const struct attempt *a,
			struct error **err)
{
	const struct http_request *req = a->req;
	struct strbuf sb = STRBUF_INIT;
	char *host = url_host_header(u);
	bool ua = false, mem = a->with_body && !req->body_read;
	int r = 0;

	/* Plain http through a proxy names the whole URL; everything else only the path. */
	sb_printf(&sb, "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n", a->method, absolute ? "http://" : "",
		  absolute ? host : "", u->path, host);
	free(host);
	if (absolute && p->auth)
		sb_printf(&sb, "Proxy-Authorization: %s\r\n", p->auth);
	for (const char *const *f = req->headers; f && *f; f++) {
		if (a->drop_auth && field_is(*f, "Authorization"))
			continue;
		ua |= field_is(*f, "User-Agent");
		sb_printf(&sb, "%s\r\n", *f);
	}
	if (!ua)
		sb_printf(&sb, "User-Agent: %s\r\n", c->user_agent);
	if (req->range_from)
		sb_printf(&sb, "Range: bytes=%llu-\r\n", (unsigned long long)req->range_from);
	if (a->with_body && req->body_read && req->body_size < 0)
		sb_adds(&sb, "Transfer-Encoding: chunked\r\n");
	else if (a->with_body)
		sb_printf(&sb, "Content-Length: %llu\r\n",
			  (unsigned long long)(mem ? req->body_len : (uint64_t)req->body_size));
	else if (!strcmp(a->method, "POST") || !strcmp(a->method, "PUT") ||
		 !strcmp(a->method, "PATCH"))
		sb_adds(&sb, "Content-Length: 0\r\n");
	sb_adds(&sb, "\r\n");
	/* A small body goes out with the head, in one segment. */
	if (mem && req->body_len <= HTTP_BUF) {
		sb_add(&sb, req->body, req->body_len);
		mem = false;
	}
	r = conn_write(conn, sb.buf, sb.len, err);
	sb_release(&sb);
	if (r == 0 && mem)
		r = conn_write(conn, req->body, req->body_len, err);
	else if (r == 0 && a->with_body && req->body_read)
		r = send_reader_body(conn, req, err);
	return r;
}

/* The next final (non-1xx) response head. */
static int read_final_head(struct http_conn *conn, struct http_head *h, struct error **err)
{
	for (int i = 0;; i++) {
		int r = head_read(conn, h, err);
		if (r < 0 || h->status >= 200)
			return r;
		head_release(h);
		if (h->status == 101 || i == 10) {
			err_set(err, 0, "unexpected 1xx responses");
			return -EPROTO;
		}
	}
}

/* A decimal number up to end (or the end of the string); advances *s past it. */
static bool parse_u64(const char **s, char end, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (*p != end)
		return false;
	*s = end ? p + 1 : p;
	*out = v;
	return true;
}

/* "bytes S-E/T" (or "/ *") of a 206: S must be what we asked for, E agree with the length. */
static int check_range(struct http_resp *r, uint64_t from, struct error **err)
{
	const char *cr = http_header(&r->pub, "Content-Range"), *p = cr;
	int64_t len = r->pub.content_length;
	uint64_t s, e, t = 0;

	if (p && str_has_prefix(p, "bytes ") && (p += 6) && parse_u64(&p, '-', &s) &&
	    parse_u64(&p, '/', &e) && s == from && e >= s &&
	    (len < 0 || (uint64_t)len == e - s + 1) &&
	    (STREQ(p, "*") || (parse_u64(&p, '\0', &t) && t > e))) {
		r->pub.range_start = s;
		r->pub.range_total = t ? (int64_t)t : -1;
		return 0;
	}
	err_set(err, 0, "206 with Content-Range \"%s\" for Range: bytes=%llu-", cr ? cr : "",
		(unsigned long long)from);
	return -EPROTO;
}

static int response_new(struct http_client *c, struct http_conn *conn, struct http_head *h,
			const char *url, const struct attempt *a, struct http_resp **out,
			struct error **err)
{
	struct http_resp *r = xzalloc(sizeof(*r));
	int rc;

	r->client = c;
	r->conn = conn;
	r->head = *h;
	r->url = xstrdup(url);
	r->pub.url = r->url;
	r->pub.status = h->status;
	r->pub.reason = h->reason;
	r->pub.range_total = -1;
	rc = body_frame(r, a->method, err);
	if (rc == 0 && a->req->range_from && r->pub.status == 206)
		rc = check_range(r, a->req->range_from, err);
	if (rc < 0) {
		r->keep_alive = false;
		http_response_close(&r->pub);
		return rc;
	}
	*out = r;
	return 0;
}

static bool broken_pipe(int r)
{
	return r == -EPIPE || r == -ECONNRESET;
}

static int do_one(struct http_client *c, const struct attempt *a, const struct url *u,
		  const char *url, struct http_resp **out, struct error **err)
{
	const struct http_proxy *p = proxy_for(c, u);
	char *hp = url_hostport(u), *key;
	bool replayable = !(a->with_body && a->req->body_read);
	int r;

	key = p ? xasprintf("%s://%s via %s:%u", u->scheme, hp, p->host, p->port)
		: xasprintf("%s://%s", u->scheme, hp);
	free(hp);
	for (int attempt = 0;; attempt++) {
		struct http_conn *conn = pool_take(c, key);
		struct http_head h;
		bool reused = conn != NULL;
		uint64_t before;

		if (!conn && (r = conn_open(c, u, p, key, &conn, err)) < 0)
			break;
		before = conn->received;
		r = send_request(c, conn, u, p && !u->tls, p, a, err);
		/* A server that refuses an upload may answer and close before taking it all. */
		if (r == 0 || broken_pipe(r)) {
			int w = r;
			r = read_final_head(conn, &h, w ? NULL : err);
			if (w && r < 0)
				r = w;
		}
		if (r < 0) {
			bool silent = conn->received == before;
			conn_free(conn);
			/* The server closed a kept-alive connection as we reused it: once more. */
			if (reused && attempt == 0 && replayable && silent &&
			    (broken_pipe(r) || r == -ENOTCONN)) {
				err_free(err);
				continue;
			}
			break;
		}
		r = response_new(c, conn, &h, url, a, out, err);
		break;
	}
	free(key);
	return r;
}

static bool has_body(const struct http_request *req)
{
	return req->body_read || req->body_len;
}

static bool is_redirect(int s)
{
	return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

int http_do(struct http_client *c, const struct http_request *req, struct http_response **out,
	    struct error **err)
{
	struct attempt a = {.req = req, .method = req->method ? req->method : "GET"};
	char *url = xstrdup(req->url);
	struct url u = {0}, next = {0};
	struct http_resp *r = NULL;
	int rc = 0;

	*out = NULL;
	a.with_body = has_body(req);
	for (const char *const *f = req->headers; f && *f && rc == 0; f++)
		rc = check_field(*f, err);
	for (unsigned hops = 0; rc == 0; hops++) {
		if ((rc = url_parse(url, &u, err)) < 0)
			break;
		if ((rc = do_one(c, &a, &u, url, &r, err)) < 0) {
			err_wrap(err, "%s", url);
			break;
		}
		r->pub.redirects = hops;
		const char *loc = http_header(&r->pub, "Location");
		int s = r->pub.status;
		/* A body from a reader cannot be sent twice: the caller sees the 307/308. */
		if (!is_redirect(s) || !loc || (req->flags & HTTP_NO_REDIRECT) ||
		    ((s == 307 || s == 308) && a.with_body && req->body_read)) {
			*out = &r->pub;
			break;
		}
		char *to = url_resolve(url, loc);
		if (hops == HTTP_REDIRECTS_MAX) {
			err_set(err, 0, "%s: too many redirects (%d), the last to %s", req->url,
				HTTP_REDIRECTS_MAX, to ? to : loc);
			rc = -ELOOP;
		} else if (!to || url_parse(to, &next, NULL) < 0) {
			err_set(err, 0, "%s: redirect to a bad Location \"%.200s\"", url, loc);
			rc = -EPROTO;
		} else if (u.tls && !next.tls && !http_host_insecure(c, next.host, next.port)) {
			err_set(err, 0, "%s: redirect from https to plain http refused (%s)", url, to);
			rc = -EPROTO;
		}
		http_response_close(&r->pub);
		r = NULL;
		if (rc < 0) {
			free(to);
			break;
		}
		if (strcmp(u.scheme, next.scheme) || strcmp(u.host, next.host) || u.port != next.port)
			a.drop_auth = true;
		if ((s == 303 && strcmp(a.method, "HEAD")) ||
		    ((s == 301 || s == 302) && strcmp(a.method, "GET") && strcmp(a.method, "HEAD"))) {
			a.method = "GET";
			a.with_body = false;
		}
		free(url);
		url = to;
		url_release(&u);
		url_release(&next);
	}
	url_release(&u);
	url_release(&next);
	free(url);
	return rc;
}

const char *http_header(const struct http_response *r, const char *name)
{
	return head_field(&((const struct http_resp *)r)->head, name, 0);
}

const char *http_header_n(const struct http_response *r, const char *name, unsigned n)
{
	return head_field(&((const struct http_resp *)r)->head, name, n);
}

void http_response_close(struct http_response *resp)
{
	struct http_resp *r = (struct http_resp *)resp;

	if (!r)
		return;
	if (r->conn && r->keep_alive && !r->failed && body_drain(r)) {
		pool_put(r->client, r->conn);
		r->conn = NULL;
	}
	conn_free(r->conn);
	head_release(&r->head);
	free(r->url);
	free(r->failmsg);
	free(r);
}
