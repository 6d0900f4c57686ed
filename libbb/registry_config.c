/* Credentials, mirrors and insecure registries from ocibox's config.json and Docker's
 * (registry.h says which files and which keys). */
#include "libbb.h"
#include "registry.h"
#include <fcntl.h>
#include <mbedtls/base64.h>
#include <sys/stat.h>

#define CONFIG_MAX ((size_t)1 << 20)

static const char *const hub_names[] = {
    REGISTRY_DOCKER_HUB,
    "index.docker.io",
    REGISTRY_DOCKER_HUB_API,
    REGISTRY_DOCKER_HUB_AUTH_KEY,
};

static bool is_hub(const char *host)
{
	for (size_t i = 0; i < ARRAY_SIZE(hub_names); i++)
		if (STREQ(host, hub_names[i]))
			return true;
	return false;
}

const char *registry_auth_key(const char *host)
{
	return is_hub(host) ? REGISTRY_DOCKER_HUB_AUTH_KEY : host;
}

static char *home_path(const char *rel)
{
	const char *home = getenv("HOME");

	return xasprintf("%s/%s", home && *home ? home : "/root", rel);
}

char *registry_config_path(void)
{
	const char *p = getenv("OCIBOX_CONFIG");

	return p && *p ? xstrdup(p) : home_path(".ocibox/config.json");
}

static char *docker_config_path(void)
{
	const char *d = getenv("DOCKER_CONFIG");

	return d && *d ? xasprintf("%s/config.json", d) : home_path(".docker/config.json");
}

/* NULL and 0 for an absent file. */
static int load_json(const char *path, struct json **out, struct error **err)
{
	cleanup_free char *buf = NULL;
	size_t len;

	*out = NULL;
	buf = read_file_at(AT_FDCWD, path, CONFIG_MAX, &len);
	if (!buf)
		return errno == ENOENT ? 0 : err_errno(err, "%s", path);
	if (len == 0)
		return 0;
	*out = json_parse(buf, len, NULL, err);
	if (!*out)
		return err_wrap(err, "%s", path), -EINVAL;
	if ((*out)->type != JSON_OBJECT) {
		json_free(steal_ptr(out));
		return err_set(err, EINVAL, "%s: not a JSON object", path);
	}
	return 0;
}

int registry_config_load(struct registry_config *cfg, struct error **err)
{
	cleanup_free char *dpath = docker_config_path();

	memset(cfg, 0, sizeof(*cfg));
	cfg->own_path = registry_config_path();
	if (load_json(cfg->own_path, &cfg->own, err) < 0 ||
	    load_json(dpath, &cfg->docker, err) < 0) {
		registry_config_release(cfg);
		return -EINVAL;
	}
	return 0;
}

void registry_config_release(struct registry_config *cfg)
{
	json_free(cfg->own);
	json_free(cfg->docker);
	free(cfg->own_path);
	memset(cfg, 0, sizeof(*cfg));
}

/* The "auths" entry for host in one file: Docker Hub under any of its names; other hosts also
 * as "https://host" (older Docker CLIs wrote URLs). */
static const struct json *find_auth(const struct json *file, const char *host)
{
	const struct json *auths = json_get(file, "auths");
	const struct json *a;

	if (is_hub(host)) {
		for (size_t i = ARRAY_SIZE(hub_names); i-- > 0;)
			if ((a = json_get(auths, hub_names[i])))
				return a;
		return NULL;
	}
	if ((a = json_get(auths, host)))
		return a;
	cleanup_free char *url = xasprintf("https://%s", host);
	return json_get(auths, url);
}

static int decode_auth(const char *b64, char **user, char **pass, struct error **err)
{
	size_t n = strlen(b64), out_len = 0;
	cleanup_free unsigned char *buf = xmalloc(n + 1);
	char *colon;

	if (mbedtls_base64_decode(buf, n + 1, &out_len, (const unsigned char *)b64, n) != 0)
		return err_set(err, EINVAL, "credentials: \"auth\" is not base64");
	buf[out_len] = '\0';
	colon = strchr((char *)buf, ':');
	if (!colon || colon == (char *)buf || memchr(buf, '\0', out_len))
		return err_set(err, EINVAL, "credentials: \"auth\" is not USER:PASSWORD");
	*user = xstrndup((char *)buf, colon - (char *)buf);
	*pass = xstrdup(colon + 1);
	explicit_bzero(buf, out_len);
	return 1;
}

int registry_config_creds(const struct registry_config *cfg, const char *host, char **user,
                          char **pass, struct error **err)
{
	const struct json *files[] = {cfg->own, cfg->docker};

	*user = *pass = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		const struct json *a = find_auth(files[i], host);
		const char *b64 = json_get_str(a, "auth");
		const char *u = json_get_str(a, "username"), *p = json_get_str(a, "password");

		if (b64 && *b64)
			return decode_auth(b64, user, pass, err);
		if (u && p) {
			*user = xstrdup(u);
			*pass = xstrdup(p);
			return 1;
		}
	}
	return 0;
}

const char **registry_config_mirrors(const struct registry_config *cfg, const char *host)
{
	const struct json *list = json_get(json_get(cfg->own, "mirrors"), host);
	const char **v;
	size_t n = 0;

	if (!list && is_hub(host))
		for (size_t i = 0; i < ARRAY_SIZE(hub_names) && !list; i++)
			list = json_get(json_get(cfg->own, "mirrors"), hub_names[i]);
	v = xzalloc((json_len(list) + 1) * sizeof(*v));
	for (size_t i = 0; i < json_len(list); i++) {
		const char *s = json_string(json_at(list, i), NULL);
		if (s && (str_has_prefix(s, "https://") || str_has_prefix(s, "http://")))
			v[n++] = s;
	}
	return v;
}

const char **registry_config_insecure(const struct registry_config *cfg)
{
	const struct json *list = json_get(cfg->own, "insecure-registries");
	const char **v = xzalloc((json_len(list) + 1) * sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < json_len(list); i++) {
		const char *s = json_string(json_at(list, i), NULL);
		if (s && *s)
			v[n++] = s;
	}
	return v;
}

static int mkdir_parent(const char *path, struct error **err)
{
	cleanup_free char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');

	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_errno(err, "mkdir %s", dir);
	return 0;
}

/* Rewrites the file with host's entry set or dropped; every other key and entry is kept. */
int registry_config_set_creds(const char *path, const char *host, const char *user,
                              const char *pass, struct error **err)
{
	struct json *old = NULL;
	struct strbuf out = STRBUF_INIT;
	struct json_writer w;
	const char *key = registry_auth_key(host);
	const struct json *auths;
	bool found = false;
	int r;

	if (load_json(path, &old, err) < 0)
		return -EINVAL;
	auths = json_get(old, "auths");
	jw_init(&w, &out, 4);
	jw_object_begin(&w);
	jw_key(&w, "auths");
	jw_object_begin(&w);
	for (size_t i = 0; i < json_len(auths); i++) {
		const struct json_member *m = json_member_at(auths, i);
		if (STREQ(m->key, key) || (is_hub(host) && is_hub(m->key))) {
			found = true;
			continue;
		}
		jw_key_len(&w, m->key, m->key_len);
		json_write_tree(&w, &m->val);
	}
	if (user) {
		cleanup_free char *plain = xasprintf("%s:%s", user, pass);
		size_t n = strlen(plain), olen = 0;
		cleanup_free unsigned char *b64 = xmalloc(4 * (n / 3 + 1) + 1);

		mbedtls_base64_encode(b64, 4 * (n / 3 + 1) + 1, &olen, (unsigned char *)plain, n);
		explicit_bzero(plain, n);
		jw_key(&w, key);
		jw_object_begin(&w);
		jw_key(&w, "auth");
		jw_string_len(&w, (char *)b64, olen);
		jw_object_end(&w);
	}
	jw_object_end(&w);
	for (size_t i = 0; i < json_len(old); i++) {
		const struct json_member *m = json_member_at(old, i);
		if (STREQ(m->key, "auths"))
			continue;
		jw_key_len(&w, m->key, m->key_len);
		json_write_tree(&w, &m->val);
	}
	jw_object_end(&w);
	sb_addc(&out, '\n');
	json_free(old);
	if (!user && !found) {
		sb_release(&out);
		return err_set(err, ENOENT, "not logged in to %s", host);
	}
	r = mkdir_parent(path, err);
	if (r == 0)
		r = write_file_atomic(AT_FDCWD, path, out.buf, out.len, 0600, err);
	explicit_bzero(out.buf, out.len);
	sb_release(&out);
	return r;
}
