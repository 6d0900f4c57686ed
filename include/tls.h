/* The byte pipes under http.h: TCP with timeouts (libbb/net.c) and TLS over it with mbedtls
 * (libbb/tls.c, libbb/tls_certs.c). Only libbb/http*.c and the tests use this; a registry
 * client talks to http.h.
 *
 * Both return negative errno values with err set, as http.h describes: -ETIMEDOUT when no
 * byte moved for the timeout, -EKEYREJECTED when the peer's certificate was refused,
 * -ECONNABORTED for other handshake failures. TLS messages start with "TLS: ". */
#ifndef OCIBOX_TLS_H
#define OCIBOX_TLS_H

#include "libbb.h"
#include <time.h>

/* ---- TCP with timeouts (libbb/net.c) ---- */

/* Resolves host with getaddrinfo (IPv6 and IPv4) and tries each address in turn, each within
 * timeout_ms: a connected, non-blocking, close-on-exec socket, or a negative errno with err
 * set ("connect to HOST port P: why"). */
int net_connect(const char *host, unsigned port, unsigned timeout_ms, struct error **err);
/* One recv on a non-blocking socket after waiting at most timeout_ms for data: bytes read, 0 at
 * the end, or a negative errno (-ETIMEDOUT when nothing came). */
ssize_t net_recv(int fd, void *buf, size_t len, unsigned timeout_ms);
/* Sends all of buf, waiting at most timeout_ms each time the socket is full: 0 or -errno. */
int net_send(int fd, const void *buf, size_t len, unsigned timeout_ms);
/* The message for a negative value from net_recv()/net_send(): "read timed out after N s" or
 * "read: strerror". Returns r. */
int net_error(struct error **err, int r, const char *what, unsigned timeout_ms);

/* ---- TLS (libbb/tls.c) ---- */

struct tls_options {
	const char *certs_d; /* colon-separated roots of HOST:PORT/ and HOST/ folders */
	const char *ca_file; /* NULL: $SSL_CERT_FILE or the system's bundle */
	bool skew_clock;     /* accept time-validity failures (no RTC) */
};

struct tls_store; /* trust, the random generator and per-host settings: one per http_client */
struct tls;       /* one connection */

/* Copies o; loads nothing until the first handshake needs it. */
struct tls_store *tls_store_new(const struct tls_options *o);
void tls_store_free(struct tls_store *s);
/* A TLS 1.2+ handshake over the connected socket fd with host:port, verifying the peer unless
 * insecure; timeout_ms bounds each wait for the peer. */
int tls_connect(struct tls_store *s, int fd, const char *host, unsigned port, bool insecure,
		unsigned timeout_ms, struct tls **out, struct error **err);
/* Up to len bytes: how many, 0 when the peer closed, or a negative errno with err set. */
ssize_t tls_read(struct tls *t, void *buf, size_t len, struct error **err);
int tls_write(struct tls *t, const void *buf, size_t len, struct error **err); /* all or error */
bool tls_pending(struct tls *t); /* decrypted bytes wait inside mbedtls */
void tls_free(struct tls *t);    /* NULL is fine */

/* Certificates are checked against time(NULL), or t while a test sets one (0: the real clock
 * again): how the tests boot a device in 1970 without touching the system clock. */
void tls_set_time_for_tests(time_t t);
time_t tls_now(void);

#endif
