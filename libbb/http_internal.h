/* What the libbb/http*.c files share and nobody else needs. */
#ifndef OCIBOX_HTTP_INTERNAL_H
#define OCIBOX_HTTP_INTERNAL_H

#include "http.h"
#include "tls.h"
#include <pthread.h>

#define HTTP_BUF (16 * 1024)       /* per connection, for reading */
#define HTTP_HEAD_MAX (64 * 1024)  /* a response's status line and fields together */
#define HTTP_LINE_MAX (16 * 1024)  /* one of them */
#define HTTP_FIELDS_MAX 256
#define HTTP_CHUNK_LINE_MAX 4096   /* a chunk size and its extensions */
#define HTTP_REDIRECTS_MAX 10
#define HTTP_IDLE_MAX 8            /* pooled connections kept */
#define HTTP_DRAIN_MAX (64 * 1024) /* body left unread that close still reads to keep a conn */

/* One connection: a socket, TLS over it or not, and a read buffer. */
struct http_conn {
	struct http_conn *next; /* in the pool */
	char *key;              /* what it is connected to: "https://host:port[ via proxy]" */
	int fd;
	struct tls *tls;
	unsigned timeout_ms;
	uint64_t received; /* bytes from the peer, ever: did a failed request get any answer? */
	size_t pos, len;   /* unread bytes in buf */
	unsigned char buf[HTTP_BUF];
};

struct http_proxy {
	char *host;
	unsigned port;
	char *auth; /* "Basic ..." for Proxy-Authorization, or NULL */
};

struct http_client {
	pthread_mutex_t lock; /* the pool */
	unsigned connect_ms, read_ms;
	char **insecure;
	struct http_proxy *http_proxy, *https_proxy;
	char *no_proxy;
	char *user_agent;
	struct tls_store *tls;
	struct http_conn *idle; /* most recently used first */
};

struct http_field {
	char *name, *value;
};

/* A response's status line and fields, parsed in place in raw. */
struct http_head {
	struct strbuf raw;
	int minor; /* HTTP/1.minor */
	int status;
	char *reason;
	struct http_field *fields;
	unsigned nfields;
};

enum http_body_mode { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_UNTIL_CLOSE };

struct http_resp {
	struct http_response pub;
	struct http_client *client;
	struct http_conn *conn;
	struct http_head head;
	char *url;
	enum http_body_mode mode;
	uint64_t left;   /* LENGTH: bytes still to come; CHUNKED: of the current chunk */
	uint64_t got;    /* body bytes delivered */
	bool chunk_crlf; /* a chunk's data is done: its CRLF comes next */
	bool done;       /* the body ended as its framing says */
	bool keep_alive; /* and the connection may serve another request afterwards */
	int failed;      /* the error a failed body keeps returning */
	char *failmsg;
};

/* ---- connections (libbb/http_conn.c) ---- */
struct http_conn *conn_new(int fd, const char *key, unsigned timeout_ms);
void conn_free(struct http_conn *c); /* NULL is fine */
int conn_fill(struct http_conn *c, struct error **err); /* more bytes in buf: >0, 0 at EOF */
ssize_t conn_read(struct http_conn *c, void *buf, size_t len, struct error **err);
int conn_write(struct http_conn *c, const void *buf, size_t len, struct error **err);
/* Appends one line, its '\n' included, to sb: its length, 0 at EOF before any byte, -E2BIG
 * past max, -ECONNRESET at EOF inside it. */
ssize_t conn_getline(struct http_conn *c, struct strbuf *sb, size_t max, struct error **err);
bool conn_alive(struct http_conn *c); /* an idle connection the server has not closed */

/* ---- status line and fields (libbb/http_head.c) ---- */
int head_read(struct http_conn *c, struct http_head *h, struct error **err);
void head_release(struct http_head *h);
const char *head_field(const struct http_head *h, const char *name, unsigned n);
/* Does a comma-separated field value hold token (Connection: close)? */
bool field_has_token(const char *value, const char *token);

/* ---- bodies (libbb/http_body.c) ---- */
/* How the body of r (the answer to method) is framed; -EPROTO for a framing we refuse. */
int body_frame(struct http_resp *r, const char *method, struct error **err);
/* Reads what is left of a short body so the connection can serve again; false if it can't. */
bool body_drain(struct http_resp *r);

/* ---- proxies and host lists (libbb/http_proxy.c) ---- */
int proxy_parse(const char *s, struct http_proxy **out, struct error **err);
void proxy_free(struct http_proxy *p);
const struct http_proxy *proxy_for(const struct http_client *c, const struct url *u);
/* host:port against one pattern: "*", HOST, HOST:PORT, [V6]:PORT, an IP, a CIDR; with
 * subdomains, "example.com" and ".example.com" take every name under it too (NO_PROXY). */
bool host_matches(const char *pattern, size_t len, const char *host, unsigned port,
		  bool subdomains);
/* Opens the CONNECT tunnel to hostport through the proxy c is connected to. */
int proxy_tunnel(struct http_conn *c, const struct http_proxy *p, const char *hostport,
		 struct error **err);

#endif
