/* `ocibox system check`: every blob against its digest, every layer's marker, metadata and
 * link, every reference down to its layers, and leftovers of crashed writers. Repairs remove
 * what cannot be trusted and drop references to images that are gone; a later pull then
 * fetches only what is missing. */
#include "store_int.h"
#include "json.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

struct check {
	struct store *s;
	bool repair;
	store_report_fn *report;
	void *ctx;
	int problems;
};

/* A problem counts whether or not anyone listens. */
#define problem(c, ...) ((c)->problems++, store_say((c)->report, (c)->ctx, __VA_ARGS__))

static const char *fixed(struct check *c, bool ok)
{
	return !c->repair ? "" : ok ? " (removed)" : " (could not remove)";
}

/* Hashes the file; true when it matches its name. */
static bool blob_ok(int dirfd, const char *hex)
{
	cleanup_close int fd = openat(dirfd, hex, O_RDONLY | O_CLOEXEC);
	uint8_t d[SHA256_DIGEST_SIZE];
	char got[SHA256_HEX_SIZE];
	static char buf[64 * 1024];
	struct sha256 c;
	ssize_t n;

	if (fd < 0)
		return false;
	sha256_init(&c);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&c, buf, n);
	if (n < 0)
		return false;
	sha256_final(&c, d);
	sha256_hex(d, got);
	return STREQ(got, hex);
}

static int check_blobs(struct check *c, struct error **err)
{
	int fd = openat(c->s->rootfd, BLOB_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return errno == ENOENT ? 0 : err_errno(err, "%s/" BLOB_DIR, c->s->root);
	if (!(d = fdopendir(fd))) {
		close(fd);
		return err_errno(err, "%s/" BLOB_DIR, c->s->root);
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue; /* ".", "..", temp files: the sweep's */
		if (!store_is_hex64(de->d_name, strlen(de->d_name))) {
			problem(c, BLOB_DIR "/%s: not a blob name", de->d_name);
			continue;
		}
		if (blob_ok(dirfd(d), de->d_name))
			continue;
		problem(c, "blob sha256:%s: digest mismatch%s", de->d_name,
		        fixed(c, c->repair && unlinkat(dirfd(d), de->d_name, 0) == 0));
	}
	closedir(d);
	return 0;
}

/* What is wrong with layers/<hex>, or NULL. */
static const char *layer_problem(struct check *c, int layers, const char *hex)
{
	cleanup_free char *diff_id = xasprintf("sha256:%s", hex);
	cleanup_free char *diff = xasprintf("%s/diff", hex);
	struct json *meta;
	const char *why = NULL;
	struct stat st;

	if (!store_layer_exists(c->s, diff_id))
		return "incomplete (no marker)";
	if (fstatat(layers, diff, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return "no diff directory";
	meta = store_layer_meta(c->s, diff_id, NULL);
	if (!meta)
		why = "metadata missing or malformed";
	else if (!json_get_str(meta, "diff_id") || !STREQ(json_get_str(meta, "diff_id"), diff_id))
		why = "metadata names another diff_id";
	json_free(meta);
	return why;
}

static void check_link(struct check *c, const char *hex)
{
	char l[SHORT_LEN + 1], cur[128];
	cleanup_free char *target = xasprintf("../%s/diff", hex);
	cleanup_close int links =
	    openat(c->s->rootfd, LINK_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t n;

	store_layer_short(hex, l);
	n = links < 0 ? -1 : readlinkat(links, l, cur, sizeof(cur) - 1);
	if (n > 0) {
		cur[n] = '\0';
		if (STREQ(cur, target))
			return;
	}
	if (c->repair && links >= 0) {
		unlinkat(links, l, 0);
		if (symlinkat(target, links, l) == 0) {
			problem(c, "layer sha256:%s: link " LINK_DIR "/%s missing (recreated)", hex,
			        l);
			return;
		}
	}
	problem(c, "layer sha256:%s: link " LINK_DIR "/%s missing", hex, l);
}

static int check_layers(struct check *c, struct error **err)
{
	int fd = openat(c->s->rootfd, LAYER_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return errno == ENOENT ? 0 : err_errno(err, "%s/" LAYER_DIR, c->s->root);
	if (!(d = fdopendir(fd))) {
		close(fd);
		return err_errno(err, "%s/" LAYER_DIR, c->s->root);
	}
	while ((de = readdir(d))) {
		const char *why;

		if (de->d_name[0] == '.' || STREQ(de->d_name, "l") || strstr(de->d_name, LAYER_TMP))
			continue;
		if (!store_is_hex64(de->d_name, strlen(de->d_name))) {
			problem(c, LAYER_DIR "/%s: not a layer name", de->d_name);
			continue;
		}
		if (!(why = layer_problem(c, dirfd(d), de->d_name))) {
			check_link(c, de->d_name);
			continue;
		}
		problem(c, "layer sha256:%s: %s%s", de->d_name, why,
		        fixed(c, c->repair && store_layer_remove(c->s, de->d_name, NULL) == 0));
	}
	closedir(d);
	return 0;
}

static int check_refs(struct check *c, struct error **err)
{
	struct store_refs refs;
	int r;

	if ((r = store_refs_load(c->s, &refs, err)) < 0)
		return r;
	for (size_t i = 0; i < refs.n; i++) {
		const struct store_ref *ref = &refs.v[i];
		struct error *why = NULL;
		struct store_image img;
		const char *missing = NULL;

		if (!store_blob_exists(c->s, ref->digest))
			err_set(&why, 0, "%s is not in the store", ref->digest);
		else if (store_image_load(c->s, ref->manifest, &img, &why) == 0) {
			for (size_t l = 0; l < img.nlayers && !missing; l++)
				if (!store_layer_exists(c->s, img.layers[l].diff_id))
					missing = img.layers[l].diff_id;
			if (missing)
				err_set(&why, 0, "layer %s is missing", missing);
			store_image_free(&img);
		}
		if (!why)
			continue;
		if (c->repair && store_untag(c->s, ref->name, NULL) == 0)
			problem(c, "image %s: %s (reference dropped)", ref->name, why->msg);
		else
			problem(c, "image %s: %s", ref->name, why->msg);
		err_free(&why);
	}
	store_refs_free(&refs);
	return 0;
}

int store_check(struct store *s, bool repair, store_report_fn *report, void *ctx,
                struct error **err)
{
	struct check c = {s, repair, report, ctx, 0};
	int r;

	if (repair && !(s->mode & STORE_EXCLUSIVE))
		return err_set(err, EBADF, "repairs need the store opened exclusively");
	c.problems += store_sweep(s, report, ctx, repair);
	if ((r = check_blobs(&c, err)) < 0 || (r = check_layers(&c, err)) < 0 ||
	    (r = check_refs(&c, err)) < 0)
		return err_wrap(err, "check %s", s->root);
	return c.problems;
}
