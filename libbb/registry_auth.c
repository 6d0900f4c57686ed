/* WWW-Authenticate challenges (RFC 7235) and token endpoint answers (registry.h). A hostile
 * registry writes these headers, so the parser is strict and bounded by the header itself. */
#include "libbb.h"
#include "registry.h"

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

void auth_challenge_release(struct auth_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

/* A quoted-string after its opening quote: the unescaped value, *pp past the closing quote. */
static char *quoted(const char **pp)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = *pp;

	sb_grow(&sb, 0);
	for (;; p++) {
		if (!*p || (unsigned char)*p < ' ' || *p == 0x7f) {
			sb_release(&sb);
			return NULL;
		}
		if (*p == '"')
			break;
		if (*p == '\\') {
			p++;
			if (!*p || (unsigned char)*p < ' ') {
				sb_release(&sb);
				return NULL;
			}
		}
		sb_addc(&sb, *p);
	}
	*pp = p + 1;
	return sb_steal(&sb);
}

enum { PARAM_OK, PARAM_END, PARAM_NEXT_CHALLENGE, PARAM_BAD };

/* One auth-param "name=value" at *pp. Sets *name and *value (malloc'd). Distinguishes a following
 * challenge ("token SP") from a further parameter. */
static int next_param(const char **pp, char **name, char **value)
{
	const char *p = skip_ows(*pp), *n0, *n1;

	*name = *value = NULL;
	while (*p == ',') /* empty list elements are allowed (RFC 7230 #rule) */
		p = skip_ows(p + 1);
	if (!*p)
		return PARAM_END;
	n0 = p;
	while (is_tchar(*p))
		p++;
	n1 = p;
	if (n1 == n0)
		return PARAM_BAD;
	p = skip_ows(p);
	if (*p != '=') {
		*pp = n0; /* a token without '=' starts the next challenge */
		return PARAM_NEXT_CHALLENGE;
	}
	p = skip_ows(p + 1);
	if (*p == '"') {
		p++;
		*value = quoted(&p);
		if (!*value)
			return PARAM_BAD;
	} else {
		const char *v0 = p;
		while (is_tchar(*p))
			p++;
		if (p == v0)
			return PARAM_BAD;
		*value = xstrndup(v0, p - v0);
	}
	*name = xstrndup(n0, n1 - n0);
	p = skip_ows(p);
	if (*p == ',')
		p++;
	else if (*p) {
		free(*name);
		free(*value);
		*name = *value = NULL;
		return PARAM_BAD;
	}
	*pp = p;
	return PARAM_OK;
}

static enum auth_scheme scheme_of(const char *s, size_t n)
{
	if (n == 5 && !strncasecmp(s, "basic", 5))
		return AUTH_BASIC;
	if (n == 6 && !strncasecmp(s, "bearer", 6))
		return AUTH_BEARER;
	return AUTH_NONE;
}

int auth_challenge_parse(const char *value, struct auth_challenge *c, struct error **err)
{
	const char *p = value;

	memset(c, 0, sizeof(*c));
	if (!value)
		return err_set(err, ENOENT, "no WWW-Authenticate challenge");
	for (;;) {
		struct auth_challenge cur = {0};
		const char *s0;
		int r;

		p = skip_ows(p);
		while (*p == ',')
			p = skip_ows(p + 1);
		if (!*p)
			break;
		s0 = p;
		while (is_tchar(*p))
			p++;
		if (p == s0 || (*p && *p != ' ' && *p != '\t'))
			return err_set(err, EPROTO, "malformed WWW-Authenticate header");
		cur.scheme = scheme_of(s0, p - s0);
		p = skip_ows(p);
		/* token68 (Basic's optional form): nothing we need in it */
		const char *t = p;
		while (is_tchar(*t) || *t == '/')
			t++;
		while (*t == '=')
			t++;
		if (t > p && (*skip_ows(t) == '\0' || *skip_ows(t) == ','))
			p = t;
		for (;;) {
			char *name, *val;
			r = next_param(&p, &name, &val);
			if (r != PARAM_OK)
				break;
			char **slot = !strcasecmp(name, "realm")     ? &cur.realm
			              : !strcasecmp(name, "service") ? &cur.service
			              : !strcasecmp(name, "scope")   ? &cur.scope
			                                             : NULL;
			if (slot && *slot) {
				free(name);
				free(val);
				auth_challenge_release(&cur);
				return err_set(err, EPROTO,
				               "malformed WWW-Authenticate header: %s given twice",
				               slot == &cur.realm ? "realm" : "a parameter");
			}
			if (slot)
				*slot = steal_ptr(&val);
			free(name);
			free(val);
		}
		if (r == PARAM_BAD) {
			auth_challenge_release(&cur);
			return err_set(err, EPROTO, "malformed WWW-Authenticate header");
		}
		if (cur.scheme == AUTH_BEARER && (!cur.realm || !*cur.realm)) {
			auth_challenge_release(&cur);
			return err_set(err, EPROTO,
			               "WWW-Authenticate: Bearer challenge without realm");
		}
		if (cur.scheme != AUTH_NONE) {
			*c = cur;
			return 0;
		}
		auth_challenge_release(&cur);
		if (r == PARAM_END)
			break;
	}
	return err_set(err, ENOENT, "WWW-Authenticate offers neither Basic nor Bearer");
}

int auth_token_parse(const char *body, size_t len, char **token, long long *expires_in,
                     struct error **err)
{
	struct json_limits lim = {.max_depth = 8, .max_size = 1 << 20};
	struct json *j = json_parse(body, len, &lim, err);
	const char *t;
	int64_t e = 60;

	*token = NULL;
	if (!j)
		return err_wrap(err, "token answer"), -EPROTO; /* a broken answer, not ENOMEM */
	t = json_get_str(j, "token");
	if (!t || !*t)
		t = json_get_str(j, "access_token");
	if (!t || !*t) {
		json_free(j);
		return err_set(err, EPROTO, "token answer holds no token");
	}
	for (const char *p = t; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p > '~') {
			json_free(j);
			return err_set(err, EPROTO,
			               "token answer: token holds bytes a header can't");
		}
	if (!json_get_i64(j, "expires_in", &e) || e < 60)
		e = 60; /* distribution's token spec: at least 60 s when absent or smaller */
	*token = xstrdup(t);
	*expires_in = e;
	json_free(j);
	return 0;
}
