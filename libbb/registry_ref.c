/* Image references: distribution's grammar with Docker's normalisation (registry.h). */
#include "libbb.h"
#include "registry.h"
#include <ctype.h>

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_hex_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* path-component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static bool valid_path_component(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		size_t start = i;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
		if (i == start || i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* domain: components [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])? joined by dots, or an IPv6 literal
 * in brackets; then an optional :port of digits. */
static bool valid_domain(const char *s, size_t n)
{
	size_t host_end = n;
	const char *colon;

	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close == s + 1)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		host_end = close - s + 1;
		if (host_end < n && s[host_end] != ':')
			return false;
	} else {
		colon = memchr(s, ':', n);
		if (colon)
			host_end = colon - s;
		size_t i = 0;
		if (host_end == 0)
			return false;
		while (i < host_end) {
			size_t j = i;
			while (j < host_end && s[j] != '.')
				j++;
			if (j == i || !isalnum((unsigned char)s[i]) ||
			    !isalnum((unsigned char)s[j - 1]))
				return false;
			for (size_t k = i; k < j; k++)
				if (!isalnum((unsigned char)s[k]) && s[k] != '-')
					return false;
			i = j + 1;
			if (j < host_end && i == host_end)
				return false; /* a trailing dot */
		}
	}
	if (host_end < n) {
		size_t digits = n - host_end - 1;
		if (digits == 0 || digits > 5)
			return false;
		for (size_t k = host_end + 1; k < n; k++)
			if (!isdigit((unsigned char)s[k]))
				return false;
	}
	return true;
}

static bool valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > TAG_MAX_LEN || t[0] == '.' || t[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return false;
	return true;
}

static int bad(struct error **err, const char *s, const char *why)
{
	return err_set(err, EINVAL, "invalid reference format \"%s\": %s", s, why);
}

void image_ref_release(struct image_ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

/* Docker's splitDockerDomain: a first component names a registry when it could not be a
 * repository path on Docker Hub. */
static bool looks_like_domain(const char *s, size_t n)
{
	if (n == 9 && !memcmp(s, "localhost", 9))
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || s[i] == '[' || (s[i] >= 'A' && s[i] <= 'Z'))
			return true;
	return false;
}

int image_ref_parse(const char *s, struct image_ref *r, struct error **err)
{
	cleanup_free char *name = NULL;
	const char *at, *slash, *last_slash, *colon, *rest;
	struct image_ref out = {0};
	size_t domain_len = 0;

	memset(r, 0, sizeof(*r));
	if (!s || !*s)
		return bad(err, "", "empty");
	if (strlen(s) > NAME_MAX_LEN + 1 + TAG_MAX_LEN + 1 + 7 + 64)
		return bad(err, "(too long)", "too long");
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return bad(err, s, "holds spaces or control characters");
	at = strchr(s, '@');
	if (at) {
		const char *d = at + 1;
		if (!str_has_prefix(d, "sha256:")) {
			if (strchr(d, ':') && strchr(d, ':') > d)
				return err_set(err, EINVAL,
				               "invalid reference format \"%s\": only sha256 "
				               "digests are supported",
				               s);
			return bad(err, s, "malformed digest");
		}
		if (strlen(d + 7) != 64 || !is_hex_lower(d + 7, 64))
			return bad(err, s, "a sha256 digest is 64 lower-case hex digits");
		out.digest = xstrdup(d);
		name = xstrndup(s, at - s);
	} else {
		name = xstrdup(s);
	}
	/* A tag is after the last ':' that follows the last '/' (a registry's port is not). */
	last_slash = strrchr(name, '/');
	colon = strrchr(last_slash ? last_slash : name, ':');
	if (colon) {
		if (!valid_tag(colon + 1)) {
			image_ref_release(&out);
			return bad(err, s, "invalid tag");
		}
		out.tag = xstrdup(colon + 1);
		name[colon - name] = '\0';
	}
	if (!*name) {
		image_ref_release(&out);
		return bad(err, s, "no repository name");
	}
	slash = strchr(name, '/');
	if (slash && looks_like_domain(name, slash - name)) {
		domain_len = slash - name;
		if (!valid_domain(name, domain_len)) {
			image_ref_release(&out);
			return bad(err, s, "invalid registry host");
		}
		out.domain = xstrndup(name, domain_len);
		rest = slash + 1;
	} else {
		out.domain = xstrdup(REGISTRY_DOCKER_HUB);
		rest = name;
	}
	if (STREQ(out.domain, "index.docker.io")) {
		free(out.domain);
		out.domain = xstrdup(REGISTRY_DOCKER_HUB);
	}
	for (const char *c = rest;; c++) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);
		for (size_t i = 0; i < n; i++)
			if (c[i] >= 'A' && c[i] <= 'Z') {
				image_ref_release(&out);
				return bad(err, s, "repository name must be lowercase");
			}
		if (!valid_path_component(c, n)) {
			image_ref_release(&out);
			return bad(err, s, "invalid repository name");
		}
		if (!e)
			break;
		c = e;
	}
	if (!slash && strlen(rest) == 64 && is_hex_lower(rest, 64)) {
		image_ref_release(&out);
		return bad(err, s, "a 64-digit hex string is an image ID, not a name");
	}
	if (STREQ(out.domain, REGISTRY_DOCKER_HUB) && !strchr(rest, '/'))
		out.path = xasprintf("library/%s", rest);
	else
		out.path = xstrdup(rest);
	if (strlen(out.domain) + 1 + strlen(out.path) > NAME_MAX_LEN) {
		image_ref_release(&out);
		return bad(err, s, "repository name longer than 255 bytes");
	}
	if (!out.tag && !out.digest)
		out.tag = xstrdup("latest");
	*r = out;
	return 0;
}

char *image_ref_name(const struct image_ref *r)
{
	return xasprintf("%s/%s", r->domain, r->path);
}

char *image_ref_string(const struct image_ref *r)
{
	if (r->digest)
		return xasprintf("%s/%s@%s", r->domain, r->path, r->digest);
	return xasprintf("%s/%s:%s", r->domain, r->path, r->tag);
}

char *image_ref_familiar(const char *name)
{
	if (str_has_prefix(name, "docker.io/library/") && !strchr(name + 18, '/'))
		return xstrdup(name + 18);
	if (str_has_prefix(name, "docker.io/"))
		return xstrdup(name + 10);
	return xstrdup(name);
}
