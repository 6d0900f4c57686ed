/* URLs as the HTTP client needs them: absolute http(s) URLs parsed strictly, Locations resolved
 * against the URL they came from (RFC 3986 section 5), percent-escaping. */
#include "http.h"
#include <arpa/inet.h>
#include <ctype.h>

static const struct {
	const char *name;
	unsigned port;
} schemes[] = {
	{"http", 80},
	{"https", 443},
};

void url_release(struct url *u)
{
	free(u->scheme);
	free(u->userinfo);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

static bool host_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* Bytes that never go on a request line unescaped: they would split or smuggle it. */
static bool path_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return false;
	return true;
}

static int parse_port(const char *s, size_t n, unsigned *port)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

static char *lower_dup(const char *s, size_t n)
{
	char *r = xstrndup(s, n);

	for (char *p = r; *p; p++)
		*p = tolower((unsigned char)*p);
	return r;
}

int url_parse(const char *s, struct url *u, struct error **err)
{
	const char *p = strstr(s, "://"), *auth, *end, *at, *hp, *colon = NULL;
	size_t i;

	memset(u, 0, sizeof(*u));
	if (!p)
		goto bad;
	for (i = 0; i < ARRAY_SIZE(schemes); i++)
		if (strlen(schemes[i].name) == (size_t)(p - s) && !strncasecmp(s, schemes[i].name, p - s))
			break;
	if (i == ARRAY_SIZE(schemes)) {
		err_set(err, 0, "%s: unsupported URL scheme (http and https are)", s);
		return -EINVAL;
	}
	u->scheme = xstrdup(schemes[i].name);
	u->port = schemes[i].port;
	u->tls = i == 1;
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	at = memrchr(auth, '@', end - auth);
	if (at)
		u->userinfo = xstrndup(auth, at - auth);
	hp = at ? at + 1 : auth;
	if (*hp == '[') {
		const char *rb = memchr(hp, ']', end - hp);
		char a[INET6_ADDRSTRLEN + 1];
		struct in6_addr in6;
		if (!rb || (size_t)(rb - hp - 1) >= sizeof(a))
			goto bad;
		memcpy(a, hp + 1, rb - hp - 1);
		a[rb - hp - 1] = '\0';
		if (inet_pton(AF_INET6, a, &in6) != 1)
			goto bad;
		u->host = lower_dup(a, strlen(a));
		u->ipv6 = true;
		if (rb + 1 < end && rb[1] != ':')
			goto bad;
		colon = rb + 1 < end ? rb + 1 : NULL;
	} else {
		colon = memchr(hp, ':', end - hp);
		const char *he = colon ? colon : end;
		if (he == hp)
			goto bad;
		for (const char *c = hp; c < he; c++)
			if (!host_char(*c))
				goto bad;
		u->host = lower_dup(hp, he - hp);
	}
	if (colon && parse_port(colon + 1, end - colon - 1, &u->port) < 0)
		goto bad;
	size_t plen = strcspn(end, "#");
	if (!path_ok(end, plen) || (u->userinfo && !path_ok(u->userinfo, strlen(u->userinfo))))
		goto bad;
	if (*end == '/')
		u->path = xstrndup(end, plen);
	else
		u->path = xasprintf("/%.*s", (int)plen, end);
	return 0;
bad:
	url_release(u);
	err_set(err, 0, "%s: not a valid URL", s);
	return -EINVAL;
}

char *url_hostport(const struct url *u)
{
	return xasprintf(u->ipv6 ? "[%s]:%u" : "%s:%u", u->host, u->port);
}

char *url_host_header(const struct url *u)
{
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
		if (STREQ(u->scheme, schemes[i].name) && u->port == schemes[i].port)
			return xasprintf(u->ipv6 ? "[%s]" : "%s", u->host);
	return url_hostport(u);
}

/* RFC 3986 5.2.4: "." and ".." segments out of an absolute path, in place. */
static void remove_dot_segments(char *path)
{
	char *in = path, *out = path;

	while (*in) {
		if (str_has_prefix(in, "../") || str_has_prefix(in, "./")) {
			in += in[1] == '.' ? 3 : 2;
		} else if (str_has_prefix(in, "/./")) {
			in += 2;
		} else if (STREQ(in, "/.")) {
			*out++ = '/';
			break;
		} else if (str_has_prefix(in, "/../") || STREQ(in, "/..")) {
			bool last = in[3] == '\0';
			in += 3;
			while (out > path && *--out != '/')
				;
			if (last) {
				*out++ = '/';
				break;
			}
		} else if (STREQ(in, ".") || STREQ(in, "..")) {
			break;
		} else {
			do
				*out++ = *in++;
			while (*in && *in != '/');
		}
	}
	*out = '\0';
}

char *url_resolve(const char *base, const char *ref)
{
	const char *auth = strstr(base, "://"), *p;
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	size_t origin, blen, rlen = strcspn(ref, "#");
	struct url u;

	if (!auth)
		return NULL;
	auth += 3;
	origin = auth + strcspn(auth, "/?#") - base; /* scheme://authority */
	blen = origin + strcspn(base + origin, "?#"); /* and its path */
	for (p = ref; isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.'; p++)
		;
	if (*p == ':' && p > ref && isalpha((unsigned char)*ref)) {
		sb_add(&sb, ref, rlen);
	} else if (str_has_prefix(ref, "//")) {
		sb_add(&sb, base, auth - 2 - base);
		sb_add(&sb, ref, rlen);
	} else if (rlen == 0 || *ref == '?') {
		/* Same path: a new query, or none at all with an empty reference. */
		sb_add(&sb, base, rlen ? blen : origin + strcspn(base + origin, "#"));
		sb_add(&sb, ref, rlen);
	} else {
		size_t q = strcspn(ref, "?#");
		if (*ref != '/') {
			const char *slash = memrchr(base + origin, '/', blen - origin);
			if (slash)
				sb_add(&path, base + origin, slash + 1 - (base + origin));
			else
				sb_addc(&path, '/');
		}
		sb_add(&path, ref, q);
		remove_dot_segments(path.buf);
		sb_add(&sb, base, origin);
		sb_adds(&sb, path.buf);
		sb_add(&sb, ref + q, rlen - q);
		sb_release(&path);
	}
	if (url_parse(sb.buf, &u, NULL) < 0) {
		sb_release(&sb);
		return NULL;
	}
	url_release(&u);
	return sb_steal(&sb);
}

char *url_escape(const char *s, const char *keep)
{
	struct strbuf sb = STRBUF_INIT;

	sb_grow(&sb, strlen(s));
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p) || (keep && strchr(keep, *p)))
			sb_addc(&sb, *p);
		else
			sb_printf(&sb, "%%%02X", *p);
	}
	return sb_steal(&sb);
}

static int hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *url_unescape(const char *s)
{
	char *r = xmalloc(strlen(s) + 1), *o = r;

	for (; *s; s++) {
		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		int hi = hexval((unsigned char)s[1]), lo = hi < 0 ? -1 : hexval((unsigned char)s[2]);
		if (lo < 0 || (hi | lo) == 0) {
			free(r);
			return NULL;
		}
		*o++ = hi << 4 | lo;
		s += 2;
	}
	*o = '\0';
	return r;
}
