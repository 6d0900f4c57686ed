/* HTTP/1.1 client over TCP and TLS (mbedtls 2.28): the transport under the registry client.
 * libbb/url.c (URLs), http.c (requests, redirects, the pool), http_head.c (status line and
 * headers), http_body.c (bodies), http_conn.c (sockets, timeouts), http_proxy.c (proxies),
 * tls.c and tls_certs.c (TLS, trust stores, certs.d).
 *
 * One struct http_client holds the settings and a pool of idle keep-alive connections keyed by
 * scheme, host, port and proxy. http_do() sends a request, follows redirects and returns once a
 * response's header is in; its body is then pulled with http_read(), which has the shape of
 * inflate_reader_fn and tar_read_fn, so a blob streams socket -> sha256 -> inflate -> untar with
 * no copy on disk:
 *
 *   struct http_response *r;
 *   if (http_do(c, &(struct http_request){.url = u, .headers = hdrs}, &r, err) < 0) ...
 *   z = inflate_new(http_read, r, 0);   ...   http_response_close(r);
 *
 * http_response_close() hands the connection back to the pool when the body was read to its
 * end (or is short enough to drain) and closes it otherwise.
 *
 * Decisions, so nobody has to rediscover them:
 *  - Any status is a response, 4xx and 5xx too: what they mean is the caller's business.
 *  - Redirects 301 302 303 307 308 are followed, at most 10 ("too many redirects"). 303, and
 *    301/302 after anything but GET/HEAD, become a GET without body (as browsers and Go do);
 *    307/308 send the body again when it is in memory and are handed back unfollowed when it
 *    came from a reader (it cannot be read twice). Once the scheme, host or port changes, the
 *    caller's Authorization header is no longer sent (registries redirect blob GETs to object
 *    storage). An https URL never redirects to plain http unless that host is insecure.
 *  - A hostile server cannot make us allocate without bound: a response header block is at most
 *    64 KiB, a line at most 16 KiB, 256 header fields; the status line and fields are parsed
 *    strictly (no obsolete line folding, no space before a colon, no control characters, one
 *    Content-Length value, "chunked" the only transfer coding). A body that ends before its
 *    Content-Length or last chunk is an error, never a short success.
 *  - A pooled connection that the server closed meanwhile is noticed before use; a request on a
 *    reused connection that dies before any byte of the answer is sent once more on a new one
 *    (unless its body came from a reader).
 *  - Timeouts: connect (per address tried), and idle: no byte moving either way for N seconds
 *    ("read timed out after N s"). Never a limit on a whole transfer: a slow link is fine as
 *    long as it moves.
 *  - TLS 1.2 at least, SNI for host names (not for IP addresses), verification on by default.
 *    The name is checked against the certificate's subject alternative names only (DNS names,
 *    a leftmost "*." wildcard, IP addresses), as Go and so Docker do: the CN is not used.
 *  - Trust: the system bundle ($SSL_CERT_FILE, else the first of the usual places; plus every
 *    file of $SSL_CERT_DIR) or the one file configured, plus per host, in Docker's layout, every ROOT/HOST:PORT/ and
 *    ROOT/HOST/ under the certs.d roots: *.crt are more CAs for that host, *.cert + *.key a
 *    client certificate. Insecure hosts skip verification (and may be spoken to in plain http).
 *  - No RTC: time-validity failures name the certificate's dates and the system clock, and
 *    suggest --tls-skew-clock, which accepts time-validity failures only.
 *  - An http_client may be shared by threads (the pool and the TLS state are locked); one
 *    response belongs to one thread.
 *
 * Errors are one line naming the URL and what failed ("https://127.0.0.1:5000/v2/: TLS:
 * certificate verify failed: hostname mismatch (certificate is for example.com)"). Return values
 * are negative errno values a caller can act on: -ETIMEDOUT (connect or idle timeout),
 * -ECONNRESET (the connection ended early: retry or resume with a Range), -ECONNREFUSED and the
 * like from connect, -EHOSTUNREACH (no address for the name), -EPROTO (the server broke HTTP),
 * -E2BIG (a limit above), -ELOOP (too many redirects), -EKEYREJECTED (certificate verification
 * failed), -ECONNABORTED (other TLS failures), -EINVAL (a bad URL or request). */
#ifndef OCIBOX_HTTP_H
#define OCIBOX_HTTP_H

#include "libbb.h"

/* ---- URLs (libbb/url.c) ---- */

struct url {
	char *scheme;   /* "http" or "https", lower case */
	char *userinfo; /* as written (still percent-escaped), NULL if none */
	char *host;     /* lower case, without the brackets of an IPv6 literal */
	unsigned port;  /* as written, else the scheme's default */
	char *path;     /* path and query, at least "/"; the fragment is dropped */
	bool tls;       /* https */
	bool ipv6;      /* host is an IPv6 literal */
};

/* Parses an absolute http or https URL; returns 0 or -EINVAL with err set. Hosts are names,
 * IPv4 or [IPv6] literals; the path must not hold spaces or control characters (escape them). */
int url_parse(const char *s, struct url *u, struct error **err);
void url_release(struct url *u);
/* "host:port" ([::1]:5000 for IPv6), as certs.d directories and CONNECT name a host. */
char *url_hostport(const struct url *u);
/* The Host header: the port only when it is not the scheme's default. */
char *url_host_header(const struct url *u);
/* A Location (absolute, //host, /path, ?query or relative) against the URL it came from;
 * NULL if the result is no URL. */
char *url_resolve(const char *base, const char *ref);
/* %XX-escapes every byte that is neither unreserved (A-Z a-z 0-9 - . _ ~) nor in keep. */
char *url_escape(const char *s, const char *keep);
/* Undoes %XX; NULL on a bad escape or an escaped NUL. */
char *url_unescape(const char *s);

/* ---- the client (libbb/http.c) ---- */

/* Reads up to len bytes into buf: how many, 0 at the end, or a negative value with err set.
 * The shape of inflate_reader_fn and tar_read_fn. */
typedef ssize_t http_read_fn(void *ctx, void *buf, size_t len, struct error **err);

struct http_options {
	unsigned connect_timeout; /* seconds per address tried; 0: 30 */
	unsigned read_timeout;    /* seconds without progress, either way; 0: 60 */
	/* Colon-separated roots of HOST:PORT/ and HOST/ certificate folders. NULL:
	 * $OCIBOX_CERTS_D, else "/etc/ocibox/certs.d:/etc/docker/certs.d". */
	const char *certs_d;
	/* The trust store, a PEM bundle, instead of the system's. NULL: the system's, which is
	 * $SSL_CERT_FILE or else the first usual bundle found, plus $SSL_CERT_DIR's files. */
	const char *ca_file;
	/* Hosts whose certificates are not verified and that may be spoken to in plain http:
	 * NULL-terminated "HOST", "HOST:PORT", "[IPV6]:PORT" or CIDR ("10.0.0.0/8"). */
	const char *const *insecure;
	/* Accept certificates that are not yet or no longer valid (a device without an RTC); the
	 * chain, the name and everything else are still checked. */
	bool tls_skew_clock;
	/* Proxies: NULL takes HTTP_PROXY, HTTPS_PROXY, NO_PROXY (or their lower-case spellings)
	 * from the environment; "" is none. A proxy URL is [http://][USER:PASS@]HOST[:PORT]. */
	const char *http_proxy, *https_proxy, *no_proxy;
	const char *user_agent; /* NULL: "ocibox" */
};

struct http_client;

/* Copies what it needs of o (NULL: all defaults). Fails only on a bad proxy setting. */
int http_client_new(const struct http_options *o, struct http_client **out, struct error **err);
void http_client_free(struct http_client *c); /* closes the pooled connections */
/* Is host (with port) listed as insecure? For a registry client choosing http or https. */
bool http_host_insecure(const struct http_client *c, const char *host, unsigned port);

enum {
	HTTP_NO_REDIRECT = 1 << 0, /* hand 3xx responses back instead of following them */
};

struct http_request {
	const char *method;         /* NULL: GET */
	const char *url;
	const char *const *headers; /* "Name: value", NULL-terminated. Not Host, Content-Length,
				     * Transfer-Encoding, Connection or Range: the client's. */
	const void *body;           /* a body in memory: body_len bytes */
	size_t body_len;
	http_read_fn *body_read;    /* or one pulled from a reader (a blob being pushed): */
	void *body_ctx;
	int64_t body_size;          /* its length; -1 sends it chunked */
	uint64_t range_from;        /* > 0: "Range: bytes=N-", to resume a download */
	unsigned flags;             /* HTTP_NO_REDIRECT */
};

struct http_response {
	int status;             /* 200, 404 ... */
	const char *reason;     /* the reason phrase, maybe "" */
	const char *url;        /* the URL that answered, after redirects */
	int64_t content_length; /* the body's length, -1 when unknown (chunked, or until close);
				 * after HEAD what a GET would send, though no body follows */
	uint64_t range_start;   /* 206: offset of the body's first byte in the whole resource */
	int64_t range_total;    /* 206: the whole resource's size, -1 if the server said '*' */
	unsigned redirects;     /* how many were followed */
};

/* Sends req and waits for the response's header. A request with range_from that gets a 206
 * has had its Content-Range checked (it starts at range_from and agrees with the length); a
 * 200 means the server sent everything from byte 0, and a 416 that there is nothing after. */
int http_do(struct http_client *c, const struct http_request *req, struct http_response **out,
	    struct error **err);
/* A header's value, its name compared without case; NULL if absent. http_header_n() gives
 * the n-th of repeated ones (WWW-Authenticate), from 0. */
const char *http_header(const struct http_response *r, const char *name);
const char *http_header_n(const struct http_response *r, const char *name, unsigned n);
/* The body: ctx is the struct http_response. A body cut short, a read timeout or broken
 * chunking is an error naming the URL and how far it got; a failed body stays failed. */
ssize_t http_read(void *ctx, void *buf, size_t len, struct error **err);
/* The whole body, appended to out; more than max bytes is an -E2BIG error (a 100 MB
 * "manifest"). */
int http_read_all(struct http_response *r, size_t max, struct strbuf *out, struct error **err);
/* Frees the response; its connection goes back to the pool if the body was read to its end
 * and the server keeps connections alive, else it is closed. NULL is fine. */
void http_response_close(struct http_response *r);

#endif
