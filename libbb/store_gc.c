/* Garbage collection and usage: mark what references (through index, manifest and config) and
 * containers reach, then sweep blobs/ and layers/. The mark refuses to guess: a reachable
 * manifest or config that cannot be read stops gc before anything is deleted. */
#include "store_int.h"
#include "json.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#define INDEX_DEPTH 4 /* an index of indexes of ... : deeper than any real image */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void store_mark(struct store_marks *m, const char *digest)
{
	char hex[SHA256_HEX_SIZE];

	if (store_digest_hex(digest, hex, NULL) < 0)
		return;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->v = xreallocarray(m->v, m->cap, sizeof(*m->v));
	}
	m->v[m->n++] = xstrdup(hex);
	m->sorted = false;
}

bool store_marks_has(struct store_marks *m, const char *hex)
{
	if (!m->n)
		return false;
	if (!m->sorted) {
		qsort(m->v, m->n, sizeof(*m->v), cmp_str);
		m->sorted = true;
	}
	return bsearch(&hex, m->v, m->n, sizeof(*m->v), cmp_str) != NULL;
}

void store_marks_free(struct store_marks *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static int mark_blob(struct store *s, struct store_marks *m, const char *digest, int depth,
                     struct error **err);

static int mark_manifest(struct store *s, struct store_marks *m, const struct json *man,
                         struct error **err)
{
	const char *config = json_get_str(json_get(man, "config"), "digest");
	const struct json *layers = json_get(man, "layers");
	struct json *cfg, *diff_ids;

	for (size_t i = 0; i < json_len(layers); i++) {
		const char *d = json_get_str(json_at(layers, i), "digest");
		if (d)
			store_mark(m, d); /* the compressed blob, when it was kept */
	}
	if (!config)
		return 0;
	store_mark(m, config);
	if (!(cfg = store_blob_json(s, config, err)))
		return -EIO;
	diff_ids = json_get(json_get(cfg, "rootfs"), "diff_ids");
	for (size_t i = 0; i < json_len(diff_ids); i++) {
		const char *d = json_string(json_at(diff_ids, i), NULL);
		if (d)
			store_mark(m, d);
	}
	json_free(cfg);
	return 0;
}

static int mark_blob(struct store *s, struct store_marks *m, const char *digest, int depth,
                     struct error **err)
{
	const struct json *children;
	struct json *j;
	int r = 0;

	store_mark(m, digest);
	if (depth > INDEX_DEPTH)
		return err_set(err, ELOOP, "%s: image indexes nested too deep", digest);
	if (!(j = store_blob_json(s, digest, err)))
		return -EIO;
	children = json_get(j, "manifests");
	for (size_t i = 0; r == 0 && i < json_len(children); i++) {
		const char *d = json_get_str(json_at(children, i), "digest");
		/* An index names every platform; only the ones pulled are here. */
		if (d && store_blob_exists(s, d))
			r = mark_blob(s, m, d, depth + 1, err);
	}
	if (r == 0 && !children)
		r = mark_manifest(s, m, j, err);
	json_free(j);
	return r;
}

/* containers/<id>/layers: the diff_ids under a container's overlay, one per line. */
static void mark_containers(struct store *s, struct store_marks *m)
{
	int fd = openat(s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		cleanup_free char *path = xasprintf("%s/layers", de->d_name), *buf = NULL;
		char *line, *save = NULL;

		if (de->d_name[0] == '.')
			continue;
		if (!(buf = read_file_at(dirfd(d), path, 1 << 20, NULL)))
			continue;
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			store_mark(m, line);
	}
	closedir(d);
}

int store_mark_reachable(struct store *s, struct store_marks *m, struct error **err)
{
	struct store_refs refs;
	int r;

	if ((r = store_refs_load(s, &refs, err)) < 0)
		return r;
	for (size_t i = 0; r == 0 && i < refs.n; i++) {
		r = mark_blob(s, m, refs.v[i].digest, 0, err);
		if (r == 0 && !STREQ(refs.v[i].digest, refs.v[i].manifest))
			r = mark_blob(s, m, refs.v[i].manifest, 0, err);
		if (r < 0)
			err_wrap(err, "image %s (run ocibox system check)", refs.v[i].name);
	}
	store_refs_free(&refs);
	if (r == 0)
		mark_containers(s, m);
	return r;
}

/* ---- sweeping and counting ---- */

struct scan {
	struct store *s;
	struct store_marks *m;
	bool remove;
	store_report_fn *report;
	void *ctx;
	struct store_usage *u;
};

static uint64_t layer_size(struct store *s, const char *hex)
{
	cleanup_free char *diff_id = xasprintf("sha256:%s", hex);
	struct json *meta = store_layer_meta(s, diff_id, NULL);
	uint64_t size = 0;

	json_get_u64(meta, "size", &size);
	json_free(meta);
	return size;
}


static int scan_dir(struct scan *sc, const char *dir, bool layers, struct error **err)
{
	int fd = openat(sc->s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	int r = 0;
	DIR *d;

	if (fd < 0)
		return errno == ENOENT ? 0 : err_errno(err, "%s/%s", sc->s->root, dir);
	if (!(d = fdopendir(fd))) {
		close(fd);
		return err_errno(err, "%s/%s", sc->s->root, dir);
	}
	while (r == 0 && (de = readdir(d))) {
		bool used;
		uint64_t bytes;
		struct stat st;

		if (!store_is_hex64(de->d_name, strlen(de->d_name)))
			continue; /* temp names, l/: not content */
		used = store_marks_has(sc->m, de->d_name);
		if (layers) {
			bytes = layer_size(sc->s, de->d_name);
			sc->u->layers++;
			sc->u->layer_bytes += bytes;
		} else {
			bytes = fstatat(dirfd(d), de->d_name, &st, 0) == 0 ? st.st_size : 0;
			sc->u->blobs++;
			sc->u->blob_bytes += bytes;
		}
		if (used)
			continue;
		*(layers ? &sc->u->unused_layers : &sc->u->unused_blobs) += 1;
		sc->u->reclaimable += bytes;
		if (!sc->remove)
			continue;
		if (layers)
			r = store_layer_remove(sc->s, de->d_name, err);
		else if (unlinkat(dirfd(d), de->d_name, 0) < 0)
			r = err_errno(err, "remove blob sha256:%s", de->d_name);
		if (r == 0)
			store_say(sc->report, sc->ctx, "deleted: %s sha256:%s", layers ? "layer" : "blob", de->d_name);
	}
	closedir(d);
	return r;
}

static int scan_store(struct scan *sc, struct error **err)
{
	struct store_refs refs;
	struct store_marks seen = {0};
	int r;

	memset(sc->u, 0, sizeof(*sc->u));
	if ((r = store_refs_load(sc->s, &refs, err)) < 0)
		return r;
	sc->u->refs = refs.n;
	for (size_t i = 0; i < refs.n; i++) {
		if (!store_marks_has(&seen, refs.v[i].manifest + 7))
			sc->u->images++;
		store_mark(&seen, refs.v[i].manifest);
	}
	store_marks_free(&seen);
	store_refs_free(&refs);
	if ((r = scan_dir(sc, BLOB_DIR, false, err)) < 0)
		return r;
	return scan_dir(sc, LAYER_DIR, true, err);
}

int store_gc(struct store *s, const struct store_gc_opts *o, struct store_usage *removed,
             struct error **err)
{
	static const struct store_gc_opts defaults;
	struct store_marks m = {0};
	struct store_usage u;
	struct scan sc = {s, &m, false, NULL, NULL, &u};
	int r;

	o = o ? o : &defaults;
	sc.remove = !o->dry_run;
	sc.report = o->report;
	sc.ctx = o->report_ctx;
	if (!(s->mode & STORE_EXCLUSIVE))
		return err_set(err, EBADF, "gc needs the store opened exclusively");
	if (sc.remove)
		store_sweep(s, o->report, o->report_ctx, true);
	r = store_mark_reachable(s, &m, err);
	if (r == 0 && o->keep)
		r = o->keep(o->ctx, &m, err);
	if (r == 0)
		r = scan_store(&sc, err);
	if (r == 0 && removed)
		*removed = u;
	store_marks_free(&m);
	return r < 0 ? err_wrap(err, "gc") : 0;
}

int store_df(struct store *s, struct store_usage *u, struct error **err)
{
	struct store_marks m = {0};
	struct scan sc = {s, &m, false, NULL, NULL, u};
	int r = store_mark_reachable(s, &m, err);

	if (r == 0)
		r = scan_store(&sc, err);
	store_marks_free(&m);
	return r;
}
