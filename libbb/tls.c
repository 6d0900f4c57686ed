/* TLS client on mbedtls 2.28: TLS 1.2 at least, SNI, our own name and time checks (so that the
 * errors can say what is wrong, and a device without an RTC can be told so), per-host trust
 * from certs.d, entropy from getrandom, and socket callbacks that honour the idle timeout. */
#include "tls_internal.h"
#include <arpa/inet.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <fcntl.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/oid.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#define CLOCK_SANE_YEAR 2024 /* a clock before this is a device that booted without an RTC */

/* Settings for one host:port, built on its first connection and kept. */
struct tls_host {
	struct tls_host *next;
	char *key;
	mbedtls_ssl_config *conf; /* &own_conf, or the store's shared one */
	mbedtls_ssl_config own_conf;
	bool has_own_conf;
	struct tls_host_certs certs;
	mbedtls_x509_crt *tail; /* last of certs.cas, linked to the system chain while we live */
};

struct tls_store {
	pthread_mutex_t lock; /* everything below */
	pthread_mutex_t rng_lock;
	char *certs_d, *ca_file;
	bool skew_clock;
	bool seeded;
	mbedtls_ctr_drbg_context drbg;
	bool system_loaded;
	int nsystem;
	char *system_err; /* why there is no system trust store */
	mbedtls_x509_crt system;
	bool shared_ready;
	mbedtls_ssl_config shared; /* hosts with nothing of their own in certs.d */
	struct tls_host *hosts;
};

struct tls {
	mbedtls_ssl_context ssl;
	struct tls_store *store;
	int fd;
	unsigned timeout_ms;
	int io_err;             /* -errno from the socket callbacks */
	const char *io_op;      /* "read" or "write" */
	unsigned char first[5]; /* the peer's first bytes: plain HTTP instead of TLS? */
	size_t nfirst;
	bool have_own;          /* we had a client certificate to offer */
	char host[256], hostport[270];
	unsigned char ip[16];   /* host as an address, when it is one */
	size_t iplen;
	/* What the verify callback found, for the message. */
	uint32_t time_flag;
	mbedtls_x509_time bad_time;
	char names[200];
};

static time_t test_time;

void tls_set_time_for_tests(time_t t)
{
	test_time = t;
}

time_t tls_now(void)
{
	return test_time ? test_time : time(NULL);
}

/* ---- randomness ---- */

static int entropy(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	while (len) {
		ssize_t n = getrandom(buf, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOSYS) {
			/* Kernels before 3.17. */
			int fd cleanup_close = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
			return fd >= 0 && read_all(fd, buf, len) == (ssize_t)len
				       ? 0
				       : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
		}
		if (n <= 0)
			return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
		buf += n;
		len -= n;
	}
	return 0;
}

/* mbedtls' DRBG is not thread-safe without MBEDTLS_THREADING_C, which our build leaves out. */
static int rng(void *ctx, unsigned char *out, size_t len)
{
	struct tls_store *s = ctx;
	int r;

	pthread_mutex_lock(&s->rng_lock);
	r = mbedtls_ctr_drbg_random(&s->drbg, out, len);
	pthread_mutex_unlock(&s->rng_lock);
	return r;
}

/* ---- the store: per-host settings ---- */

struct tls_store *tls_store_new(const struct tls_options *o)
{
	struct tls_store *s = xzalloc(sizeof(*s));

	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->rng_lock, NULL);
	s->certs_d = xstrdup(o->certs_d ? o->certs_d : "");
	s->ca_file = o->ca_file ? xstrdup(o->ca_file) : NULL;
	s->skew_clock = o->skew_clock;
	mbedtls_ctr_drbg_init(&s->drbg);
	mbedtls_x509_crt_init(&s->system);
	return s;
}

static void host_free(struct tls_host *h)
{
	if (h->tail)
		h->tail->next = NULL; /* the system chain is the store's to free */
	if (h->has_own_conf)
		mbedtls_ssl_config_free(&h->own_conf);
	tls_host_certs_free(&h->certs);
	free(h->key);
	free(h);
}

void tls_store_free(struct tls_store *s)
{
	if (!s)
		return;
	while (s->hosts) {
		struct tls_host *next = s->hosts->next;
		host_free(s->hosts);
		s->hosts = next;
	}
	if (s->shared_ready)
		mbedtls_ssl_config_free(&s->shared);
	mbedtls_x509_crt_free(&s->system);
	mbedtls_ctr_drbg_free(&s->drbg);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->rng_lock);
	free(s->system_err);
	free(s->certs_d);
	free(s->ca_file);
	free(s);
}

static void conf_setup(struct tls_store *s, mbedtls_ssl_config *conf, bool verify)
{
	mbedtls_ssl_config_init(conf);
	mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
				    MBEDTLS_SSL_PRESET_DEFAULT);
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_authmode(conf, verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_rng(conf, rng, s);
}

/* The system trust store, read once on the first verified handshake. */
static void load_system(struct tls_store *s)
{
	struct error *e = NULL;

	if (s->system_loaded)
		return;
	s->system_loaded = true;
	s->nsystem = tls_load_system_cas(s->ca_file, &s->system, &e);
	if (s->nsystem < 0) {
		s->nsystem = 0;
		s->system_err = xstrdup(e && e->msg ? e->msg : "TLS: no CA certificates");
	}
	err_free(&e);
}

static int host_new(struct tls_store *s, const char *key, const char *hostport,
		    const char *hostdir, bool insecure, struct tls_host **out, struct error **err)
{
	struct tls_host *h = xzalloc(sizeof(*h));
	int r;

	h->key = xstrdup(key);
	tls_host_certs_init(&h->certs);
	r = tls_load_certs_d(s->certs_d, hostport, hostdir, &h->certs, err);
	if (r < 0) {
		host_free(h);
		return r;
	}
	*out = h;
	if (!insecure)
		load_system(s);
	if (!insecure && !h->certs.ncas && !h->certs.have_own) {
		if (!s->shared_ready) {
			conf_setup(s, &s->shared, true);
			if (s->nsystem)
				mbedtls_ssl_conf_ca_chain(&s->shared, &s->system, NULL);
			s->shared_ready = true;
		}
		h->conf = &s->shared;
		return 0;
	}
	conf_setup(s, &h->own_conf, !insecure);
	h->has_own_conf = true;
	h->conf = &h->own_conf;
	if (!insecure && h->certs.ncas) {
		/* This host's CAs, then the system's: one chain without copying the system's. */
		for (h->tail = &h->certs.cas; h->tail->next; h->tail = h->tail->next)
			;
		if (s->nsystem)
			h->tail->next = &s->system;
		mbedtls_ssl_conf_ca_chain(&h->own_conf, &h->certs.cas, NULL);
	} else if (!insecure && s->nsystem) {
		mbedtls_ssl_conf_ca_chain(&h->own_conf, &s->system, NULL);
	}
	if (h->certs.have_own)
		mbedtls_ssl_conf_own_cert(&h->own_conf, &h->certs.own, &h->certs.key);
	return 0;
}

static int host_conf(struct tls_store *s, struct tls *t, bool insecure,
		     const mbedtls_ssl_config **conf, struct error **err)
{
	char key[300], hostdir[260];
	struct tls_host *h;
	int r = 0;

	snprintf(key, sizeof(key), "%s%s", t->hostport, insecure ? " insecure" : "");
	snprintf(hostdir, sizeof(hostdir), t->iplen == 16 ? "[%s]" : "%s", t->host);
	pthread_mutex_lock(&s->lock);
	if (!s->seeded && mbedtls_ctr_drbg_seed(&s->drbg, entropy, NULL,
						(const unsigned char *)"ocibox", 6) != 0) {
		err_set(err, 0, "TLS: no randomness from getrandom or /dev/urandom");
		r = -EIO;
		goto out;
	}
	s->seeded = true;
	for (h = s->hosts; h && !STREQ(h->key, key); h = h->next)
		;
	if (!h) {
		r = host_new(s, key, t->hostport, hostdir, insecure, &h, err);
		if (r < 0)
			goto out;
		h->next = s->hosts;
		s->hosts = h;
	}
	*conf = h->conf;
	t->have_own = h->certs.have_own;
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* ---- socket callbacks ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls *t = ctx;
	int r = net_send(t->fd, buf, len, t->timeout_ms);

	if (r < 0) {
		t->io_err = r;
		t->io_op = "write";
		return MBEDTLS_ERR_NET_SEND_FAILED;
	}
	return len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len, uint32_t timeout)
{
	struct tls *t = ctx;
	ssize_t n = net_recv(t->fd, buf, len, t->timeout_ms);

	(void)timeout; /* ours is per connection, not mbedtls' per configuration */
	if (n < 0) {
		t->io_err = n;
		t->io_op = "read";
		return n == -ETIMEDOUT ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_NET_RECV_FAILED;
	}
	for (ssize_t i = 0; i < n && t->nfirst < sizeof(t->first); i++)
		t->first[t->nfirst++] = buf[i];
	return n;
}

/* ---- verification: names and time ---- */

static int time_cmp(const mbedtls_x509_time *a, const struct tm *b)
{
	const int x[] = {a->year, a->mon, a->day, a->hour, a->min, a->sec};
	const int y[] = {b->tm_year + 1900, b->tm_mon + 1, b->tm_mday, b->tm_hour, b->tm_min,
			 b->tm_sec};

	for (size_t i = 0; i < ARRAY_SIZE(x); i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* A DNS name from a certificate against ours: exact, or "*." standing for one whole label. */
static bool dns_match(const unsigned char *pat, size_t len, const char *host)
{
	size_t hl = strlen(host);
	const char *dot;

	if (len == hl && !strncasecmp((const char *)pat, host, hl))
		return true;
	if (len < 3 || pat[0] != '*' || pat[1] != '.' || !(dot = strchr(host, '.')) || dot == host)
		return false;
	return strlen(dot) == len - 1 && !strncasecmp(dot, (const char *)pat + 1, len - 1);
}

enum { SAN_DNS = 2, SAN_IP = 7 };

static bool name_matches(const struct tls *t, const mbedtls_x509_crt *crt)
{
	if (!(crt->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME))
		return false;
	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s; s = s->next) {
		int type = s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK;
		if (t->iplen ? type == SAN_IP && s->buf.len == t->iplen &&
				       !memcmp(s->buf.p, t->ip, t->iplen)
			     : type == SAN_DNS && dns_match(s->buf.p, s->buf.len, t->host))
			return true;
	}
	return false;
}

/* "certificate is for a.example, 10.0.0.1" */
static void describe_names(const mbedtls_x509_crt *crt, char *out, size_t size)
{
	size_t o = 0;

	if (!(crt->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME)) {
		snprintf(out, size, "certificate has no subject alternative names");
		return;
	}
	o = snprintf(out, size, "certificate is for ");
	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s && o < size; s = s->next) {
		int type = s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK;
		char ip[INET6_ADDRSTRLEN];
		const char *sep = o > 19 ? ", " : "";
		if (type == SAN_DNS)
			o += snprintf(out + o, size - o, "%s%.*s", sep, (int)s->buf.len, s->buf.p);
		else if (type == SAN_IP && (s->buf.len == 4 || s->buf.len == 16) &&
			 inet_ntop(s->buf.len == 4 ? AF_INET : AF_INET6, s->buf.p, ip, sizeof(ip)))
			o += snprintf(out + o, size - o, "%s%s", sep, ip);
	}
}

/* Called for each certificate of the chain, the root first and ours last. mbedtls' own time
 * checks use the real clock and its name check knows no IP addresses: both are redone here. */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct tls *t = ctx;
	const uint32_t when = MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE;

	*flags &= ~when;
	if (!t->store->skew_clock) {
		time_t now = tls_now();
		struct tm tm;
		gmtime_r(&now, &tm);
		if (time_cmp(&crt->valid_from, &tm) > 0) {
			t->time_flag = MBEDTLS_X509_BADCERT_FUTURE;
			t->bad_time = crt->valid_from;
		} else if (time_cmp(&crt->valid_to, &tm) < 0) {
			t->time_flag = MBEDTLS_X509_BADCERT_EXPIRED;
			t->bad_time = crt->valid_to;
		} else {
			goto names;
		}
		*flags |= t->time_flag;
	}
names:
	if (depth == 0) {
		*flags &= ~MBEDTLS_X509_BADCERT_CN_MISMATCH;
		if (!name_matches(t, crt)) {
			*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
			describe_names(crt, t->names, sizeof(t->names));
		}
	}
	return 0;
}

/* ---- errors ---- */

static const struct {
	uint32_t flag;
	const char *text;
} verify_texts[] = {
	{MBEDTLS_X509_BADCERT_REVOKED, "certificate revoked"},
	{MBEDTLS_X509_BADCERT_MISSING, "the server sent no certificate"},
	{MBEDTLS_X509_BADCERT_KEY_USAGE, "certificate not meant for TLS servers (key usage)"},
	{MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, "certificate not meant for TLS servers (extended key usage)"},
	{MBEDTLS_X509_BADCERT_NS_CERT_TYPE, "certificate not meant for TLS servers (cert type)"},
	{MBEDTLS_X509_BADCERT_BAD_MD, "certificate signed with a hash we do not accept"},
	{MBEDTLS_X509_BADCERT_BAD_PK, "certificate key of a type we do not accept"},
	{MBEDTLS_X509_BADCERT_BAD_KEY, "certificate key too short"},
};

static const struct {
	unsigned char code;
	const char *text;
} alerts[] = {
	{10, "unexpected message"}, {40, "handshake failure"}, {42, "bad certificate"},
	{43, "unsupported certificate"}, {44, "certificate revoked"}, {45, "certificate expired"},
	{46, "certificate unknown"}, {47, "illegal parameter"}, {48, "unknown CA"},
	{49, "access denied"}, {70, "protocol version"}, {71, "insufficient security"},
	{80, "internal error"}, {112, "unrecognized name"}, {116, "certificate required"},
};

/* The static builds speak only TLS 1.2 with ECDHE and AEAD ciphers (scripts/mbedtls-config.h):
 * what a server wanting something else answers says so. */
static const struct {
	unsigned char code;
	const char *hint;
} alert_hints[] = {
	{40, ": no cipher suite in common? (ocibox offers TLS 1.2 ECDHE with AES-GCM or "
	     "ChaCha20-Poly1305 on P-256 or P-384)"},
	{70, ": the server does not speak TLS 1.2 (TLS 1.3 only?)"},
};

static void ymd(const mbedtls_x509_time *t, char out[16])
{
	snprintf(out, 16, "%04d-%02d-%02d", t->year % 10000, t->mon % 100, t->day % 100);
}

static int verify_error(struct tls *t, uint32_t flags, struct error **err)
{
	char msg[512], when[16], now[16];
	time_t clk = tls_now();
	struct tm tm;

	gmtime_r(&clk, &tm);
	strftime(now, sizeof(now), "%Y-%m-%d", &tm);
	ymd(&t->bad_time, when);
	if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
		int root = strcspn(t->store->certs_d, ":");
		snprintf(msg, sizeof(msg),
			 "certificate signed by unknown authority (trust its CA in %.*s/%s/ca.crt)", root,
			 t->store->certs_d, t->hostport);
	} else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
		snprintf(msg, sizeof(msg), "hostname mismatch (%s)", t->names);
	} else if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
		snprintf(msg, sizeof(msg),
			 "x509: certificate not yet valid (notBefore %s) and the system clock says %s: "
			 "set the clock or use --tls-skew-clock",
			 when, now);
	} else if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
		bool wrong = tm.tm_year + 1900 < CLOCK_SANE_YEAR || tm.tm_year + 1900 >= 2100;
		snprintf(msg, sizeof(msg), "x509: certificate expired (notAfter %s) and the system clock says %s%s",
			 when, now, wrong ? ": set the clock or use --tls-skew-clock" : "");
	} else {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(verify_texts) && !(flags & verify_texts[i].flag); i++)
			;
		snprintf(msg, sizeof(msg), "%s",
			 i < ARRAY_SIZE(verify_texts) ? verify_texts[i].text : "certificate rejected");
	}
	err_set(err, 0, "TLS: certificate verify failed: %s", msg);
	return -EKEYREJECTED;
}

static int alert_error(struct tls *t, unsigned char code, struct error **err)
{
	const char *hint = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(alert_hints); i++)
		if (alert_hints[i].code == code)
			hint = alert_hints[i].hint;
	if (t->ssl.client_auth && !t->have_own)
		hint = ": it asks for a client certificate (NAME.cert and NAME.key in certs.d)";
	for (i = 0; i < ARRAY_SIZE(alerts) && alerts[i].code != code; i++)
		;
	err_set(err, 0, "TLS: handshake failed: the server sent alert %d (%s)%s", code,
		i < ARRAY_SIZE(alerts) ? alerts[i].text : "?", hint);
	return -ECONNABORTED;
}

static int handshake_error(struct tls *t, int r, struct error **err)
{
	if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
		return verify_error(t, mbedtls_ssl_get_verify_result(&t->ssl), err);
	if (r == MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED) {
		err_set(err, 0, "%s", t->store->system_err ? t->store->system_err : "TLS: no CA");
		return -EKEYREJECTED;
	}
	if (t->io_err) {
		/* A server that refuses us sends an alert and closes while we are still writing:
		 * the alert, still unencrypted, waits in the socket and says why. */
		unsigned char rec[7];
		if ((t->io_err == -EPIPE || t->io_err == -ECONNRESET) &&
		    recv(t->fd, rec, sizeof(rec), MSG_DONTWAIT) == sizeof(rec) && rec[0] == 21 &&
		    rec[3] == 0 && rec[4] == 2)
			return alert_error(t, rec[6], err);
		net_error(err, t->io_err, t->io_op, t->timeout_ms);
		return err_wrap(err, "TLS handshake"), t->io_err;
	}
	/* A TLS server's first record is a handshake (22) or an alert (21). */
	if (t->nfirst && t->first[0] != 22 && t->first[0] != 21) {
		bool http = t->nfirst == sizeof(t->first) && !memcmp(t->first, "HTTP/", 5);
		err_set(err, 0, "TLS: the server's answer is not TLS%s",
			http ? ": it speaks plain HTTP (an http:// registry?)" : " (a plain http:// server?)");
		return -EPROTO;
	}
	if (r == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
		return alert_error(t, t->ssl.in_msg ? t->ssl.in_msg[1] : 0, err);
	if (r == MBEDTLS_ERR_SSL_CONN_EOF) {
		err_set(err, 0, "TLS: handshake failed: the server closed the connection");
		return -ECONNRESET;
	}
	if (r == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION || r == MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE) {
		err_set(err, 0, "TLS: handshake failed: no common protocol version or cipher suite "
				"(TLS 1.2 or newer is required)");
		return -ECONNABORTED;
	}
	err_set(err, 0, "TLS: handshake failed (mbedtls error -0x%04x)", (unsigned)-r);
	return -ECONNABORTED;
}

/* ---- connections ---- */

int tls_connect(struct tls_store *s, int fd, const char *host, unsigned port, bool insecure,
		unsigned timeout_ms, struct tls **out, struct error **err)
{
	struct tls *t = xzalloc(sizeof(*t));
	const mbedtls_ssl_config *conf = NULL;
	int r;

	*out = NULL;
	t->store = s;
	t->fd = fd;
	t->timeout_ms = timeout_ms;
	snprintf(t->host, sizeof(t->host), "%s", host);
	if (inet_pton(AF_INET6, host, t->ip) == 1)
		t->iplen = 16;
	else if (inet_pton(AF_INET, host, t->ip) == 1)
		t->iplen = 4;
	snprintf(t->hostport, sizeof(t->hostport), t->iplen == 16 ? "[%s]:%u" : "%s:%u", host, port);
	mbedtls_ssl_init(&t->ssl);
	r = host_conf(s, t, insecure, &conf, err);
	if (r == 0 && mbedtls_ssl_setup(&t->ssl, conf) != 0) {
		err_set(err, 0, "TLS: out of memory");
		r = -ENOMEM;
	}
	/* SNI and mbedtls' name check for names; an address is checked by verify_cb alone. */
	if (r == 0 && mbedtls_ssl_set_hostname(&t->ssl, t->iplen ? NULL : host) != 0) {
		err_set(err, 0, "TLS: host name %s too long", host);
		r = -EINVAL;
	}
	if (r < 0) {
		tls_free(t);
		return r;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, NULL, bio_recv);
	mbedtls_ssl_set_verify(&t->ssl, verify_cb, t);
	while ((r = mbedtls_ssl_handshake(&t->ssl)) != 0) {
		if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) {
			r = handshake_error(t, r, err);
			tls_free(t);
			return r;
		}
	}
	*out = t;
	return 0;
}

static int io_error(struct tls *t, int r, const char *what, struct error **err)
{
	if (t->io_err)
		return net_error(err, t->io_err, what, t->timeout_ms);
	err_set(err, 0, "TLS: %s failed (mbedtls error -0x%04x)", what, (unsigned)-r);
	return -EPROTO;
}

ssize_t tls_read(struct tls *t, void *buf, size_t len, struct error **err)
{
	for (;;) {
		int r = mbedtls_ssl_read(&t->ssl, buf, len > INT32_MAX ? INT32_MAX : len);
		if (r >= 0)
			return r;
		if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || r == MBEDTLS_ERR_SSL_CONN_EOF)
			return 0;
		if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE)
			return io_error(t, r, "read", err);
	}
}

int tls_write(struct tls *t, const void *buf, size_t len, struct error **err)
{
	const unsigned char *p = buf;

	while (len) {
		int r = mbedtls_ssl_write(&t->ssl, p, len > INT32_MAX ? INT32_MAX : len);
		if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (r < 0)
			return io_error(t, r, "write", err);
		p += r;
		len -= r;
	}
	return 0;
}

bool tls_pending(struct tls *t)
{
	return mbedtls_ssl_get_bytes_avail(&t->ssl) > 0;
}

void tls_free(struct tls *t)
{
	if (!t)
		return;
	mbedtls_ssl_free(&t->ssl);
	free(t);
}
