/* Image references: images.json maps each name to the digest it resolved to and the manifest in
 * use. Readers read it without a lock (it is only ever replaced by rename); writers hold
 * locks/refs across their read-modify-write so two tags never lose one another. */
#include "store_int.h"
#include "json.h"
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

#define REFS_MAX ((size_t)64 << 20)

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct store_ref *)a)->name, ((const struct store_ref *)b)->name);
}

void store_refs_free(struct store_refs *refs)
{
	for (size_t i = 0; i < refs->n; i++) {
		free(refs->v[i].name);
		free(refs->v[i].digest);
		free(refs->v[i].manifest);
	}
	free(refs->v);
	refs->v = NULL;
	refs->n = 0;
}

static int parse_refs(const struct json *root, struct store_refs *refs, struct error **err)
{
	struct json *map = json_get(root, "refs");

	if (!map || map->type != JSON_OBJECT)
		return err_set(err, EINVAL, REFS_FILE ": no \"refs\" object");
	refs->v = xzalloc((json_len(map) + 1) * sizeof(*refs->v));
	for (size_t i = 0; i < json_len(map); i++) {
		const struct json_member *m = json_member_at(map, i);
		const char *d = json_get_str(&m->val, "digest");
		const char *man = json_get_str(&m->val, "manifest");
		int64_t tagged = 0;

		if (!d || store_digest_hex(d, (char[SHA256_HEX_SIZE]){0}, NULL) < 0 ||
		    (man && store_digest_hex(man, (char[SHA256_HEX_SIZE]){0}, NULL) < 0) ||
		    strlen(m->key) != m->key_len)
			return err_set(err, EINVAL, REFS_FILE ": reference '%s' is malformed",
			               m->key);
		json_get_i64(&m->val, "tagged", &tagged);
		refs->v[refs->n++] =
		    (struct store_ref){xstrdup(m->key), xstrdup(d), xstrdup(man ? man : d), tagged};
	}
	qsort(refs->v, refs->n, sizeof(*refs->v), by_name);
	return 0;
}

int store_refs_load(struct store *s, struct store_refs *refs, struct error **err)
{
	cleanup_free char *buf = NULL;
	struct json *root;
	size_t len;
	int r;

	refs->v = NULL;
	refs->n = 0;
	buf = read_file_at(s->rootfd, REFS_FILE, REFS_MAX, &len);
	if (!buf) {
		if (errno == ENOENT)
			return 0;
		return err_errno(err, "%s/" REFS_FILE, s->root);
	}
	root = json_parse(buf, len, NULL, err);
	if (!root)
		return err_wrap(err, "%s/" REFS_FILE, s->root);
	r = parse_refs(root, refs, err);
	json_free(root);
	if (r < 0)
		store_refs_free(refs);
	return r;
}

const struct store_ref *store_refs_find(const struct store_refs *refs, const char *name)
{
	struct store_ref key = {.name = (char *)name};

	if (!refs->n)
		return NULL;
	return bsearch(&key, refs->v, refs->n, sizeof(key), by_name);
}

static int refs_save(struct store *s, const struct store_refs *refs, struct error **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	int r;

	jw_init(&w, &sb, 1);
	jw_object_begin(&w);
	jw_key(&w, "refs");
	jw_object_begin(&w);
	for (size_t i = 0; i < refs->n; i++) {
		const struct store_ref *ref = &refs->v[i];
		jw_key(&w, ref->name);
		jw_object_begin(&w);
		jw_key(&w, "digest");
		jw_string(&w, ref->digest);
		jw_key(&w, "manifest");
		jw_string(&w, ref->manifest);
		jw_key(&w, "tagged");
		jw_int(&w, ref->tagged);
		jw_object_end(&w);
	}
	jw_object_end(&w);
	jw_object_end(&w);
	sb_addc(&sb, '\n');
	r = write_file_atomic(s->rootfd, REFS_FILE, sb.buf, sb.len, 0644, err);
	sb_release(&sb);
	return r;
}

/* Runs edit() on the current references under locks/refs and saves the result. */
static int refs_update(struct store *s, int (*edit)(struct store_refs *, void *, struct error **),
                       void *arg, struct error **err)
{
	struct store_refs refs;
	int lockfd, r;

	if (!(s->mode & (STORE_WRITE | STORE_EXCLUSIVE)))
		return err_set(err, EBADF, "the store is open read-only");
	if ((lockfd = store_lock(s, "refs", LOCK_EX, err)) < 0)
		return lockfd;
	r = store_refs_load(s, &refs, err);
	if (r == 0 && (r = edit(&refs, arg, err)) > 0)
		r = refs_save(s, &refs, err);
	store_refs_free(&refs);
	close(lockfd);
	return r < 0 ? r : 0;
}

struct tag_args {
	const char *name, *digest, *manifest;
};

static int tag_edit(struct store_refs *refs, void *arg, struct error **err)
{
	struct tag_args *a = arg;
	struct store_ref *ref = (struct store_ref *)store_refs_find(refs, a->name);

	(void)err;
	if (ref) {
		free(ref->digest);
		free(ref->manifest);
	} else {
		refs->v = xreallocarray(refs->v, refs->n + 1, sizeof(*refs->v));
		ref = &refs->v[refs->n++];
		ref->name = xstrdup(a->name);
	}
	ref->digest = xstrdup(a->digest);
	ref->manifest = xstrdup(a->manifest);
	ref->tagged = (long long)time(NULL);
	qsort(refs->v, refs->n, sizeof(*refs->v), by_name);
	return 1;
}

int store_tag(struct store *s, const char *name, const char *digest, const char *manifest,
              struct error **err)
{
	struct tag_args a = {name, digest, manifest ? manifest : digest};
	char hex[SHA256_HEX_SIZE];
	int r;

	if (!name || !*name || strlen(name) > 4096 || strpbrk(name, " \t\r\n"))
		return err_set(err, EINVAL, "'%s': not a reference name", name ? name : "");
	if ((r = store_digest_hex(digest, hex, err)) < 0 ||
	    (r = store_digest_hex(a.manifest, hex, err)) < 0)
		return err_wrap(err, "tag %s", name);
	if (!store_blob_exists(s, digest) || !store_blob_exists(s, a.manifest))
		return err_set(err, ENOENT, "tag %s: manifest %s is not in the store", name,
		               store_blob_exists(s, digest) ? a.manifest : digest);
	if ((r = refs_update(s, tag_edit, &a, err)) < 0)
		return err_wrap(err, "tag %s", name);
	return 0;
}

static int untag_edit(struct store_refs *refs, void *arg, struct error **err)
{
	struct store_ref *ref = (struct store_ref *)store_refs_find(refs, arg);
	size_t i;

	if (!ref)
		return err_set(err, ENOENT, "no such image reference: %s", (const char *)arg);
	i = ref - refs->v;
	free(ref->name);
	free(ref->digest);
	free(ref->manifest);
	memmove(ref, ref + 1, (refs->n - i - 1) * sizeof(*ref));
	refs->n--;
	return 1;
}

int store_untag(struct store *s, const char *name, struct error **err)
{
	return refs_update(s, untag_edit, (void *)name, err);
}
