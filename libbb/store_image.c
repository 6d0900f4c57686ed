/* Images as the image commands see them: a manifest, its config and its layers, and the names
 * a user may give one (reference, digest, or Docker's short IMAGE ID). */
#include "store_int.h"
#include "json.h"

void store_image_free(struct store_image *img)
{
	for (size_t i = 0; i < img->nlayers; i++) {
		free(img->layers[i].digest);
		free(img->layers[i].media_type);
		free(img->layers[i].diff_id);
	}
	free(img->layers);
	free(img->manifest);
	free(img->config);
	free(img->created);
	memset(img, 0, sizeof(*img));
}

static int load_layers(struct store_image *img, const struct json *layers,
                       const struct json *diff_ids, struct error **err)
{
	size_t n = json_len(layers);

	if (!layers || layers->type != JSON_ARRAY)
		return err_set(err, EINVAL, "manifest %s: no layers array", img->manifest);
	if (!diff_ids || diff_ids->type != JSON_ARRAY || json_len(diff_ids) != n)
		return err_set(
		    err, EINVAL,
		    "config %s: rootfs.diff_ids does not match the manifest's %zu layers",
		    img->config, n);
	img->layers = xzalloc((n + 1) * sizeof(*img->layers));
	for (size_t i = 0; i < n; i++) {
		const struct json *l = json_at(layers, i);
		const char *d = json_get_str(l, "digest"), *mt = json_get_str(l, "mediaType");
		const char *diff = json_string(json_at(diff_ids, i), NULL);
		int64_t size = -1;

		json_get_i64(l, "size", &size);
		if (!d || !diff)
			return err_set(err, EINVAL, "manifest %s: layer %zu has no digest",
			               img->manifest, i);
		img->layers[i] = (struct store_layer_ref){xstrdup(d), xstrdup(mt ? mt : ""), size,
		                                          xstrdup(diff)};
		img->nlayers++;
	}
	return 0;
}

int store_image_load(struct store *s, const char *manifest, struct store_image *img,
                     struct error **err)
{
	struct json *m, *cfg = NULL;
	const char *config;
	int r = 0;

	memset(img, 0, sizeof(*img));
	if (!(m = store_blob_json(s, manifest, err)))
		return -EIO;
	img->manifest = xstrdup(manifest);
	config = json_get_str(json_get(m, "config"), "digest");
	if (json_get(m, "manifests"))
		r = err_set(err, EINVAL, "%s is an image index, not a manifest", manifest);
	else if (!config)
		r = err_set(err, EINVAL, "manifest %s: no config digest (schema 1?)", manifest);
	if (r == 0) {
		img->config = xstrdup(config);
		if (!(cfg = store_blob_json(s, config, err)))
			r = -EIO;
	}
	if (r == 0) {
		const char *created = json_get_str(cfg, "created");
		img->created = xstrdup(created ? created : "");
		r = load_layers(img, json_get(m, "layers"),
		                json_get(json_get(cfg, "rootfs"), "diff_ids"), err);
	}
	json_free(m);
	json_free(cfg);
	if (r < 0) {
		store_image_free(img);
		return r;
	}
	img->complete = true;
	for (size_t i = 0; i < img->nlayers; i++) {
		struct json *meta = store_layer_meta(s, img->layers[i].diff_id, NULL);
		uint64_t size = 0;

		if (!meta || !store_layer_exists(s, img->layers[i].diff_id))
			img->complete = false;
		else if (json_get_u64(meta, "size", &size))
			img->size += size;
		json_free(meta);
	}
	return 0;
}

static bool is_hex(const char *p)
{
	for (; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int store_image_resolve(struct store *s, const char *what, char **manifest, struct error **err)
{
	const char *prefix = str_has_prefix(what, "sha256:") ? what + 7 : what;
	struct store_refs refs;
	const struct store_ref *ref;
	char *found = NULL;
	bool ambiguous = false;
	int r;

	if ((r = store_refs_load(s, &refs, err)) < 0)
		return r;
	if ((ref = store_refs_find(&refs, what))) {
		*manifest = xstrdup(ref->manifest);
		store_refs_free(&refs);
		return 0;
	}
	for (size_t i = 0; *prefix && is_hex(prefix) && i < refs.n && !ambiguous; i++) {
		const char *man = refs.v[i].manifest;
		struct json *j;
		bool hit = false;

		if (found && STREQ(found, man))
			continue; /* another name of the same image */
		if (STREQ(refs.v[i].digest + 7, prefix) || STREQ(man + 7, prefix))
			hit = true;
		else if ((j = store_blob_json(s, man, NULL))) {
			const char *config = json_get_str(json_get(j, "config"), "digest");
			hit = config && str_has_prefix(config, "sha256:") &&
			      str_has_prefix(config + 7, prefix);
			json_free(j);
		}
		if (!hit)
			continue;
		if (found)
			ambiguous = true;
		else
			found = xstrdup(man);
	}
	store_refs_free(&refs);
	if (ambiguous) {
		free(found);
		return err_set(err, EINVAL, "%s: more than one image matches this ID prefix", what);
	}
	if (!found)
		return err_set(err, ENOENT, "no such image: %s", what);
	*manifest = found;
	return 0;
}
