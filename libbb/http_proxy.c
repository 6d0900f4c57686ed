/* Proxies: which one a URL goes through (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, as Go and so Docker
 * read them), the CONNECT tunnel that https goes through, and the host patterns NO_PROXY and the
 * insecure-registry list are written in. */
#include "http_internal.h"
#include <arpa/inet.h>
#include <mbedtls/base64.h>

int proxy_parse(const char *s, struct http_proxy **out, struct error **err)
{
	struct url u;
	char *full = strstr(s, "://") ? xstrdup(s) : xasprintf("http://%s", s);
	int r;

	*out = NULL;
	if (!*s)
		return free(full), 0;
	if (!str_has_prefix(full, "http://")) {
		err_set(err, 0, "proxy %s: only http:// proxies are supported", s);
		free(full);
		return -EINVAL;
	}
	r = url_parse(full, &u, NULL);
	free(full);
	if (r < 0) {
		err_set(err, 0, "proxy %s: not a valid URL", s);
		return -EINVAL;
	}
	struct http_proxy *p = xzalloc(sizeof(*p));
	p->host = xstrdup(u.host);
	p->port = u.port;
	if (u.userinfo) {
		/* Basic credentials from USER:PASS, each percent-decoded (user%40corp). */
		char *colon = strchr(u.userinfo, ':'), *user, *pass, *plain;
		unsigned char b64[1024];
		size_t olen;
		if (colon)
			*colon = '\0';
		user = url_unescape(u.userinfo);
		pass = url_unescape(colon ? colon + 1 : "");
		plain = user && pass ? xasprintf("%s:%s", user, pass) : NULL;
		if (!plain || mbedtls_base64_encode(b64, sizeof(b64), &olen, (unsigned char *)plain,
						   strlen(plain))) {
			err_set(err, 0, "proxy %s: bad user name or password", s);
			r = -EINVAL;
		} else {
			p->auth = xasprintf("Basic %s", b64);
		}
		free(user);
		free(pass);
		free(plain);
	}
	url_release(&u);
	if (r < 0) {
		proxy_free(p);
		return r;
	}
	*out = p;
	return 0;
}

void proxy_free(struct http_proxy *p)
{
	if (!p)
		return;
	free(p->host);
	free(p->auth);
	free(p);
}

/* An IPv4 or IPv6 literal into 16 bytes (v4 mapped), its family in *v6. */
static bool parse_ip(const char *s, unsigned char ip[16], bool *v6)
{
	static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (inet_pton(AF_INET6, s, ip) == 1)
		return *v6 = true;
	if (inet_pton(AF_INET, s, ip + 12) != 1)
		return false;
	memcpy(ip, mapped, sizeof(mapped));
	*v6 = false;
	return true;
}

bool host_matches(const char *pattern, size_t len, const char *host, unsigned port,
		  bool subdomains)
{
	char pat[300], *ph = pat, *colon, *slash;
	unsigned char pip[16], hip[16];
	bool pv6, hv6, host_ip = parse_ip(host, hip, &hv6);
	long bits = -1;

	if (len == 1 && *pattern == '*')
		return true;
	if (len == 0 || len >= sizeof(pat))
		return false;
	memcpy(pat, pattern, len);
	pat[len] = '\0';
	if (*ph == '[') {
		char *rb = strchr(ph, ']');
		if (!rb)
			return false;
		*rb = '\0';
		ph++;
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = strchr(ph, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 literal */
	}
	if (colon) {
		long long pport;
		*colon = '\0';
		if (parse_ll(colon + 1, 1, 65535, &pport) < 0 || pport != port)
			return false;
	}
	if ((slash = strchr(ph, '/'))) {
		long long b;
		*slash = '\0';
		if (parse_ll(slash + 1, 0, 128, &b) < 0)
			return false;
		bits = b;
	}
	if (parse_ip(ph, pip, &pv6)) {
		if (!host_ip || pv6 != hv6)
			return false;
		if (bits < 0)
			return !memcmp(pip, hip, 16);
		if (!pv6)
			bits += 96;
		if (bits > 128)
			return false;
		for (int i = 0; i < 16; i++, bits -= 8) {
			unsigned char mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : 0xff << (8 - bits);
			if ((pip[i] ^ hip[i]) & mask)
				return false;
		}
		return true;
	}
	if (bits >= 0)
		return false;
	if (str_has_prefix(ph, "*."))
		ph += 2;
	else if (*ph == '.')
		ph++;
	size_t hl = strlen(host), pl = strlen(ph);
	if (!pl || host_ip)
		return false;
	if (hl == pl)
		return !strcasecmp(host, ph);
	return subdomains && hl > pl && host[hl - pl - 1] == '.' && !strcasecmp(host + hl - pl, ph);
}

static bool loopback(const char *host)
{
	unsigned char ip[16];
	bool v6;

	if (!strcasecmp(host, "localhost") || str_has_suffix(host, ".localhost"))
		return true;
	if (!parse_ip(host, ip, &v6))
		return false;
	return v6 ? !memcmp(ip, in6addr_loopback.s6_addr, 16) : ip[12] == 127;
}

const struct http_proxy *proxy_for(const struct http_client *c, const struct url *u)
{
	const struct http_proxy *p = u->tls ? c->https_proxy : c->http_proxy;

	/* Loopback never goes through a proxy, as in Go: a local registry stays local. */
	if (!p || loopback(u->host))
		return NULL;
	for (const char *s = c->no_proxy; s && *s;) {
		s += strspn(s, ", \t");
		size_t n = strcspn(s, ", \t");
		if (n && host_matches(s, n, u->host, u->port, true))
			return NULL;
		s += n;
	}
	return p;
}

int proxy_tunnel(struct http_conn *c, const struct http_proxy *p, const char *hostport,
		 struct error **err)
{
	struct strbuf req = STRBUF_INIT;
	struct http_head h;
	int r;

	sb_printf(&req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", hostport, hostport);
	if (p->auth)
		sb_printf(&req, "Proxy-Authorization: %s\r\n", p->auth);
	sb_adds(&req, "\r\n");
	r = conn_write(c, req.buf, req.len, err);
	sb_release(&req);
	if (r == 0)
		r = head_read(c, &h, err);
	if (r < 0)
		return err_wrap(err, "proxy %s port %u: CONNECT %s", p->host, p->port, hostport), r;
	if (h.status / 100 != 2) {
		err_set(err, 0, "proxy %s port %u: CONNECT %s: %d %s", p->host, p->port, hostport,
			h.status, h.reason);
		r = -ECONNREFUSED;
	} else if (c->pos != c->len) {
		/* TLS speaks first from our side: the proxy has nothing of the server's to send yet. */
		err_set(err, 0, "proxy %s port %u: bytes after its CONNECT answer", p->host, p->port);
		r = -EPROTO;
	}
	head_release(&h);
	return r;
}
