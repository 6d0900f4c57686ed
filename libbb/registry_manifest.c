/* Manifests, indexes and the choice of a platform among an index's entries (registry.h). */
#include "libbb.h"
#include "registry.h"
#include "store.h"

static void descriptor_release(struct descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	platform_release(&d->platform);
	memset(d, 0, sizeof(*d));
}

void manifest_release(struct manifest *m)
{
	descriptor_release(&m->config);
	for (size_t i = 0; i < m->n; i++)
		descriptor_release(&m->layers[i]);
	free(m->layers);
	free(m->media_type);
	memset(m, 0, sizeof(*m));
}

void platform_release(struct platform *p)
{
	free(p->os);
	free(p->arch);
	free(p->variant);
	memset(p, 0, sizeof(*p));
}

static int parse_descriptor(const struct json *j, const char *what, bool with_platform,
                            struct descriptor *d, struct error **err)
{
	const char *mt = json_get_str(j, "mediaType"), *dg = json_get_str(j, "digest");
	char hex[SHA256_HEX_SIZE];

	if (!j || j->type != JSON_OBJECT)
		return err_set(err, EPROTO, "%s: not an object", what);
	if (!dg)
		return err_set(err, EPROTO, "%s: no digest (foreign layers are not supported)",
		               what);
	if (store_digest_hex(dg, hex, err) < 0)
		return err_wrap(err, "%s", what), -EPROTO;
	if (!json_get_i64(j, "size", &d->size) || d->size < 0)
		return err_set(err, EPROTO, "%s %s: no valid size", what, dg);
	d->media_type = xstrdup(mt ? mt : "");
	d->digest = xstrdup(dg);
	if (with_platform) {
		const struct json *p = json_get(j, "platform");
		const char *os = json_get_str(p, "os"), *arch = json_get_str(p, "architecture");
		const char *v = json_get_str(p, "variant");
		d->platform.os = xstrdup(os ? os : "");
		d->platform.arch = xstrdup(arch ? arch : "");
		d->platform.variant = xstrdup(v ? v : "");
	}
	return 0;
}

static const struct {
	const char *type;
	enum manifest_kind kind;
} known_types[] = {
    {MT_OCI_MANIFEST, MANIFEST_IMAGE},
    {MT_DOCKER_MANIFEST, MANIFEST_IMAGE},
    {MT_OCI_INDEX, MANIFEST_INDEX},
    {MT_DOCKER_LIST, MANIFEST_INDEX},
};

/* "type; charset=..." -> whether it equals t */
static bool type_is(const char *ct, const char *t)
{
	size_t n = strlen(t);

	return ct && !strncmp(ct, t, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int manifest_parse(const char *buf, size_t len, const char *content_type, struct manifest *m,
                   struct error **err)
{
	struct json_limits lim = {.max_depth = 32, .max_size = REGISTRY_MANIFEST_MAX};
	struct json *j;
	const char *mt;
	const struct json *list;
	int64_t schema = 0;
	int r = 0;

	memset(m, 0, sizeof(*m));
	if (len > REGISTRY_MANIFEST_MAX)
		return err_set(err, E2BIG, "manifest of %zu bytes is over the 4 MiB limit", len);
	if (type_is(content_type, MT_DOCKER_SCHEMA1) ||
	    type_is(content_type, MT_DOCKER_SCHEMA1_SIGNED))
		return err_set(err, ENOTSUP,
		               "Docker schema 1 manifests are not supported (push the "
		               "image again with a current client)");
	j = json_parse(buf, len, &lim, err);
	if (!j)
		return err_wrap(err, "manifest"), -EPROTO;
	mt = json_get_str(j, "mediaType");
	json_get_i64(j, "schemaVersion", &schema);
	if (schema == 1) {
		json_free(j);
		return err_set(err, ENOTSUP,
		               "Docker schema 1 manifests are not supported (push the "
		               "image again with a current client)");
	}
	if (schema != 2) {
		json_free(j);
		return err_set(err, EPROTO, "manifest: schemaVersion is not 2");
	}
	/* OCI documents may omit mediaType: then the server's Content-Type or the shape decides. */
	if (!mt) {
		for (size_t i = 0; i < ARRAY_SIZE(known_types); i++)
			if (type_is(content_type, known_types[i].type))
				mt = known_types[i].type;
		if (!mt)
			mt = json_get(j, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST;
	}
	r = -1;
	for (size_t i = 0; i < ARRAY_SIZE(known_types); i++)
		if (STREQ(mt, known_types[i].type)) {
			m->kind = known_types[i].kind;
			r = 0;
		}
	if (r < 0) {
		r = err_set(err, EPROTO, "manifest: unknown media type \"%s\"", mt);
		json_free(j);
		return r;
	}
	m->media_type = xstrdup(mt);
	if (m->kind == MANIFEST_IMAGE &&
	    (r = parse_descriptor(json_get(j, "config"), "config", false, &m->config, err)) < 0)
		goto fail;
	list = json_get(j, m->kind == MANIFEST_IMAGE ? "layers" : "manifests");
	if (!list || list->type != JSON_ARRAY) {
		r = err_set(err, EPROTO, "manifest: no \"%s\" list",
		            m->kind == MANIFEST_IMAGE ? "layers" : "manifests");
		goto fail;
	}
	m->layers = xzalloc((json_len(list) + 1) * sizeof(*m->layers));
	for (size_t i = 0; i < json_len(list); i++) {
		char what[32];
		snprintf(what, sizeof(what), "%s %zu",
		         m->kind == MANIFEST_IMAGE ? "layer" : "entry", i);
		r = parse_descriptor(json_at(list, i), what, m->kind == MANIFEST_INDEX,
		                     &m->layers[i], err);
		m->n = i + 1;
		if (r < 0)
			goto fail;
	}
	json_free(j);
	return 0;
fail:
	json_free(j);
	manifest_release(m);
	return r < -1 ? r : -EPROTO;
}

/* ---- platforms ---- */

static const struct {
	const char *alias, *arch, *variant;
} arch_aliases[] = {
    {"x86_64", "amd64", ""}, {"x86-64", "amd64", ""},  {"aarch64", "arm64", ""},
    {"armhf", "arm", "v7"},  {"armel", "arm", "v6"},   {"i386", "386", ""},
    {"i686", "386", ""},     {"mipsel", "mipsle", ""},
};

/* containerd's normalisation: arm64 means v8, arm without a variant means v7. */
static const char *norm_variant(const char *arch, const char *variant)
{
	if (STREQ(arch, "arm64") && (!*variant || STREQ(variant, "v8")))
		return "v8";
	if (STREQ(arch, "arm") && !*variant)
		return "v7";
	return variant;
}

int platform_parse(const char *s, struct platform *p, struct error **err)
{
	cleanup_free char *copy = NULL;
	char *parts[4] = {0};
	size_t n = 0;
	const char *arch, *variant;

	memset(p, 0, sizeof(*p));
	if (!s || !*s) {
		p->os = xstrdup("linux");
		p->arch = xstrdup(platform_arch());
		p->variant = xstrdup(platform_variant());
		return 0;
	}
	copy = xstrdup(s);
	for (char *tok = copy, *sl; tok && n < 4; tok = sl) {
		sl = strchr(tok, '/');
		if (sl)
			*sl++ = '\0';
		parts[n++] = tok;
		if (sl && n == 3)
			return err_set(err, EINVAL, "platform \"%s\": expected OS/ARCH[/VARIANT]",
			               s);
	}
	for (size_t i = 0; i < n; i++)
		if (!*parts[i])
			return err_set(err, EINVAL, "platform \"%s\": empty part", s);
	if (n == 1) {
		p->os = xstrdup("linux");
		arch = parts[0];
		variant = "";
	} else {
		p->os = xstrdup(parts[0]);
		arch = parts[1];
		variant = n > 2 ? parts[2] : "";
	}
	for (size_t i = 0; i < ARRAY_SIZE(arch_aliases); i++)
		if (STREQ(arch, arch_aliases[i].alias)) {
			arch = arch_aliases[i].arch;
			if (!*variant)
				variant = arch_aliases[i].variant;
		}
	p->arch = xstrdup(arch);
	p->variant = xstrdup(variant);
	return 0;
}

char *platform_string(const struct platform *p)
{
	if (p->variant && *p->variant)
		return xasprintf("%s/%s/%s", p->os, p->arch, p->variant);
	return xasprintf("%s/%s", p->os, p->arch);
}

/* How well entry e suits want: 0 not at all, higher is better. */
static int platform_score(const struct platform *e, const struct platform *want)
{
	const char *ev, *wv;

	if (!STREQ(e->os, want->os) || !STREQ(e->arch, want->arch))
		return 0;
	ev = norm_variant(e->arch, e->variant);
	wv = norm_variant(want->arch, want->variant);
	if (STREQ(ev, wv))
		return 100;
	/* arm: a vN board runs code built for lower variants, never for higher ones. */
	if (STREQ(want->arch, "arm") && ev[0] == 'v' && wv[0] == 'v' && atoi(ev + 1) > 0 &&
	    atoi(ev + 1) < atoi(wv + 1))
		return atoi(ev + 1);
	/* elsewhere the caller gave no variant: take any */
	if (!*want->variant && !STREQ(want->arch, "arm"))
		return 50;
	return 0;
}

int manifest_choose(const struct manifest *idx, const struct platform *want, struct error **err)
{
	struct strbuf offered = STRBUF_INIT;
	int best = -1, best_score = 0;
	cleanup_free char *ws = platform_string(want);

	for (size_t i = 0; i < idx->n; i++) {
		int sc = platform_score(&idx->layers[i].platform, want);
		if (sc > best_score) {
			best = i;
			best_score = sc;
		}
	}
	if (best >= 0)
		return best;
	for (size_t i = 0; i < idx->n; i++) {
		const struct platform *p = &idx->layers[i].platform;
		cleanup_free char *s = NULL;
		if (!p->os || !*p->os)
			continue;
		s = platform_string(p);
		sb_printf(&offered, "%s%s", offered.len ? ", " : "", s);
	}
	err_set(err, ENOENT, "no image for %s in the index (it has: %s)", ws,
	        offered.len ? offered.buf : "nothing");
	sb_release(&offered);
	return -ENOENT;
}
