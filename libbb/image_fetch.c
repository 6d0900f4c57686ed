/* One image into the store from a blob source: manifest, index choice, config, layers, tag
 * (registry.h). Order matters for crash safety: blobs and layers first, the name last. */
#include "libbb.h"
#include "registry.h"

#define CONFIG_MAX ((size_t)8 << 20)

/* A small blob (manifest, index, config): from the store if it is there, else read from the
 * source, verified and stored. NUL-terminated, malloc'd. */
static char *small_blob(struct store *s, const struct blob_source *src, const char *digest,
                        int64_t size, size_t max, size_t *len, struct error **err)
{
	struct strbuf sb = STRBUF_INIT;
	void *rctx = NULL;
	char buf[16384];
	ssize_t n;

	if (store_blob_exists(s, digest))
		return store_blob_get(s, digest, max, len, err);
	if (size > (int64_t)max) {
		err_set(err, E2BIG, "%s: %lld bytes, over the limit of %zu", digest,
		        (long long)size, max);
		return NULL;
	}
	if (src->open(src->ctx, digest, size, &rctx, err) < 0)
		return NULL;
	sb_grow(&sb, 0);
	while ((n = src->read(rctx, buf, sizeof(buf), err)) > 0) {
		if (sb.len + n > max) {
			err_set(err, E2BIG, "%s: more than %zu bytes", digest, max);
			n = -1;
			break;
		}
		sb_add(&sb, buf, n);
	}
	src->close(rctx);
	if (n < 0 || store_blob_put(s, digest, sb.buf, sb.len, err) < 0) {
		sb_release(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb_steal(&sb);
}

static int fetch_layer(struct store *s, const struct blob_source *src, const struct descriptor *l,
                       const char *diff_id, const struct fetch_opts *o, struct error **err)
{
	struct store_ingest_stats stats = {0};
	void *rctx = NULL;
	int r;

	if (store_layer_exists(s, diff_id)) {
		if (o->event)
			o->event(o->event_ctx, FETCH_LAYER_EXISTS, l, NULL);
		return 1;
	}
	if (o->event)
		o->event(o->event_ctx, FETCH_LAYER_START, l, NULL);
	r = src->open(src->ctx, l->digest, l->size, &rctx, err);
	if (r < 0)
		return err_wrap(err, "layer %s", l->digest);
	r = store_layer_ingest(s, src->read, rctx, l->digest, l->size, diff_id, l->media_type,
	                       &o->ingest, &stats, err);
	src->close(rctx);
	if (r < 0)
		return r;
	if (o->event)
		o->event(o->event_ctx, FETCH_LAYER_DONE, l, &stats);
	return r;
}

int image_fetch(struct store *s, const struct blob_source *src, const char *digest,
                const char *name, const struct fetch_opts *o, char **manifest, struct error **err)
{
	cleanup_free char *top = NULL, *mbuf = NULL, *cbuf = NULL, *mdigest = NULL;
	struct manifest idx = {0}, m = {0};
	struct platform here = {0};
	struct json *cfg = NULL;
	const struct json *diff_ids;
	size_t len;
	int r, all_there = 1;

	if (manifest)
		*manifest = NULL;
	top = small_blob(s, src, digest, -1, REGISTRY_MANIFEST_MAX, &len, err);
	if (!top)
		return -EIO;
	if ((r = manifest_parse(top, len, NULL, &idx, err)) < 0)
		return r;
	if (idx.kind == MANIFEST_INDEX) {
		const struct platform *want = o->platform;
		if (!want) {
			platform_parse(NULL, &here, err);
			want = &here;
		}
		r = manifest_choose(&idx, want, err);
		platform_release(&here);
		if (r < 0)
			goto out;
		mdigest = xstrdup(idx.layers[r].digest);
		mbuf = small_blob(s, src, mdigest, idx.layers[r].size, REGISTRY_MANIFEST_MAX, &len,
		                  err);
		if (!mbuf) {
			r = -EIO;
			goto out;
		}
		if ((r = manifest_parse(mbuf, len, NULL, &m, err)) < 0)
			goto out;
		if (m.kind != MANIFEST_IMAGE) {
			r = err_set(err, EPROTO, "%s: an index inside an index", mdigest);
			goto out;
		}
	} else {
		m = idx;
		memset(&idx, 0, sizeof(idx));
		mdigest = xstrdup(digest);
	}
	cbuf = small_blob(s, src, m.config.digest, m.config.size, CONFIG_MAX, &len, err);
	if (!cbuf) {
		r = err_wrap(err, "config");
		goto out;
	}
	if (!(cfg = json_parse(cbuf, len, NULL, err))) {
		r = err_wrap(err, "config %s", m.config.digest);
		r = -EPROTO;
		goto out;
	}
	diff_ids = json_get(json_get(cfg, "rootfs"), "diff_ids");
	if (!diff_ids || diff_ids->type != JSON_ARRAY || json_len(diff_ids) != m.n) {
		r = err_set(err, EPROTO, "config %s: rootfs.diff_ids does not match the %zu layers",
		            m.config.digest, m.n);
		goto out;
	}
	for (size_t i = 0; i < m.n; i++) {
		const char *diff_id = json_string(json_at(diff_ids, i), NULL);
		if (!diff_id) {
			r = err_set(err, EPROTO, "config: diff_id %zu is not a string", i);
			goto out;
		}
		r = fetch_layer(s, src, &m.layers[i], diff_id, o, err);
		if (r < 0)
			goto out;
		if (r == 0)
			all_there = 0;
	}
	if (name && (r = store_tag(s, name, digest, mdigest, err)) < 0)
		goto out;
	if (manifest)
		*manifest = steal_ptr(&mdigest);
	r = all_there;
out:
	json_free(cfg);
	manifest_release(&idx);
	manifest_release(&m);
	return r;
}
