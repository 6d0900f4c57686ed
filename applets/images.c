/* images, tag, rmi, inspect (images): Docker's image commands over the store. */
//config:config IMAGES
//config:	bool "images: list images"
//config:	default y
//config:	help
//config:	  usage: images [-aq] [--digests] [--no-trunc] [-f FILTER] [--format T] [REPO[:TAG]]
//config:
//config:	  List the images in the store: REPOSITORY TAG IMAGE ID CREATED SIZE.
//config:
//config:	  -a, --all          all images (there are no intermediate ones)
//config:	  -q, --quiet        only image IDs
//config:	  --digests          show the repository digests
//config:	  --no-trunc         full image IDs
//config:	  -f, --filter F     dangling=true|false, reference=PATTERN
//config:	  --format T         {{.Repository}} {{.Tag}} {{.ID}} {{.Digest}}
//config:	                     {{.CreatedSince}} {{.CreatedAt}} {{.Size}}, {{json .}},
//config:	                     "table " first for a header
//config:	  --root DIR         the store (default $OCIBOX_ROOT or /var/lib/ocibox)
//applet:APPLET(images, IMAGES, DOCKER, "a,all q,quiet digests no-trunc f,filter* format: root: >1")
//docker:images = images
//docker:image ls = images
//docker:image list = images
//config:
//config:config TAG
//config:	bool "tag: name an image"
//config:	default y
//config:	help
//config:	  usage: tag SOURCE TARGET [--root DIR]
//config:
//config:	  Give the image SOURCE (a name or an image ID) the name TARGET.
//applet:APPLET(tag, TAG, DOCKER, "root: <2 >2")
//docker:tag = tag
//docker:image tag = tag
//config:
//config:config RMI
//config:	bool "rmi: remove images"
//config:	default y
//config:	help
//config:	  usage: rmi [-f] IMAGE... [--root DIR]
//config:
//config:	  Remove names; an image that has no name left is deleted, with every
//config:	  layer that no other image or container uses.
//config:
//config:	  -f, --force  remove an image ID's names in several repositories
//config:	  --no-prune   keep the untagged image's data
//applet:APPLET(rmi, RMI, DOCKER, "f,force no-prune root: <1")
//docker:rmi = rmi
//docker:image rm = rmi
//docker:image remove = rmi
//config:
//config:config INSPECT
//config:	bool "inspect: show an image as JSON"
//config:	default y
//config:	help
//config:	  usage: inspect [-f TEMPLATE] IMAGE... [--root DIR]
//config:
//config:	  Docker-shaped JSON for each image (Id, RepoTags, RepoDigests,
//config:	  Created, Config, Architecture, Os, Variant, Size, RootFS,
//config:	  Metadata), or TEMPLATE ({{.Id}}, {{json .Config}}) for each.
//applet:APPLET(inspect, INSPECT, DOCKER, "f,format: type: root: <1")
//docker:inspect = inspect
//docker:image inspect = inspect

#include "libbb.h"
#include "registry.h"
#include "template.h"
#include <fnmatch.h>
#include <time.h>

static const char *root_of(const struct opts *o, int idx)
{
	return o->v[idx].arg ? o->v[idx].arg : store_default_root();
}

static struct store *open_store(const char *root, unsigned mode)
{
	struct store *s;
	struct error *err = NULL;

	if (store_open(root, mode, &s, &err) < 0)
		err_die(&err);
	return s;
}

/* "2023-11-14T22:13:20.5+01:00" -> seconds since the epoch; -1 if unreadable. */
static long long parse_rfc3339(const char *s)
{
	struct tm tm = {0};
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	long long t, off = 0;

	if (!p)
		return -1;
	t = timegm(&tm);
	if (*p == '.')
		while (*++p >= '0' && *p <= '9')
			;
	if ((*p == '+' || *p == '-') && strlen(p) >= 6)
		off = (atoi(p + 1) * 3600 + atoi(p + 4) * 60) * (*p == '+' ? 1 : -1);
	return t - off;
}

/* go-units HumanDuration, as Docker's CREATED column says it. */
static char *human_duration(long long sec)
{
	long long h = (sec + 1800) / 3600;

	if (sec < 1)
		return xstrdup("Less than a second");
	if (sec == 1)
		return xstrdup("1 second");
	if (sec < 60)
		return xasprintf("%lld seconds", sec);
	if (sec / 60 == 1)
		return xstrdup("About a minute");
	if (sec < 3600)
		return xasprintf("%lld minutes", sec / 60);
	if (h == 1)
		return xstrdup("About an hour");
	if (h < 48)
		return xasprintf("%lld hours", h);
	if (h < 24 * 7 * 2)
		return xasprintf("%lld days", h / 24);
	if (h < 24 * 30 * 2)
		return xasprintf("%lld weeks", h / 24 / 7);
	if (h < 24 * 365 * 2)
		return xasprintf("%lld months", h / 24 / 30);
	return xasprintf("%lld years", h / 24 / 365);
}


/* ---- images ---- */

struct row {
	struct json *obj; /* Docker's {{json .}} fields */
	long long created;
	char *name;
};

static int by_created(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->name, y->name);
}

static struct json *row_json(const struct store_ref *ref, const struct store_image *img,
                             bool no_trunc)
{
	cleanup_free char *fam = image_ref_familiar(ref->name);
	cleanup_free char *created = NULL, *since = NULL, *size = NULL;
	char *at = strchr(fam, '@'), *colon = strrchr(fam, ':');
	const char *tag = "<none>", *digest = "<none>";
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	struct error *err = NULL;
	long long t = parse_rfc3339(img->created);
	char when[64] = "";
	struct json *j;

	if (at) {
		*at = '\0';
		digest = at + 1;
	} else if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		tag = colon + 1;
		digest = ref->digest;
	}
	if (t >= 0) {
		struct tm tm;
		time_t tt = t;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S +0000 UTC", gmtime_r(&tt, &tm));
		since = human_duration(time(NULL) - t);
	}
	size = xmalloc(32);
	human_size(size, 32, img->size, 3); /* `docker images` uses 3 digits, elsewhere 4 */
	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "Containers");
	jw_string(&w, "N/A");
	jw_key(&w, "CreatedAt");
	jw_string(&w, when);
	jw_key(&w, "CreatedSince");
	if (since) {
		cleanup_free char *s = xasprintf("%s ago", since);
		jw_string(&w, s);
	} else {
		jw_string(&w, "N/A");
	}
	jw_key(&w, "Digest");
	jw_string(&w, digest);
	jw_key(&w, "ID");
	if (no_trunc)
		jw_string(&w, img->config);
	else
		jw_string_len(&w, img->config + 7, 12); /* Docker's short IMAGE ID */
	jw_key(&w, "Repository");
	jw_string(&w, fam);
	jw_key(&w, "SharedSize");
	jw_string(&w, "N/A");
	jw_key(&w, "Size");
	jw_string(&w, size);
	jw_key(&w, "Tag");
	jw_string(&w, tag);
	jw_key(&w, "UniqueSize");
	jw_string(&w, "N/A");
	jw_key(&w, "VirtualSize");
	jw_string(&w, size);
	jw_object_end(&w);
	j = json_parse(sb.buf, sb.len, NULL, &err);
	if (!j)
		err_die(&err);
	sb_release(&sb);
	return j;
}

static bool row_matches(const struct json *row, char **filters)
{
	const char *repo = json_get_str(row, "Repository"), *tag = json_get_str(row, "Tag");
	cleanup_free char *rt = xasprintf("%s:%s", repo, tag);

	for (char **f = filters; f && *f; f++) {
		if (STREQ(*f, "dangling=true"))
			return false; /* every image in the store has a name */
		if (STREQ(*f, "dangling=false"))
			continue;
		if (str_has_prefix(*f, "reference=")) {
			const char *pat = *f + 10;
			if (fnmatch(pat, repo, FNM_PATHNAME) && fnmatch(pat, rt, FNM_PATHNAME))
				return false;
			continue;
		}
		bb_usage_error("invalid filter '%s'", *f);
	}
	return true;
}

int images_main(int argc, char **argv)
{
	struct opts o;
	struct store *s;
	struct store_refs refs;
	struct error *err = NULL;
	struct row *rows;
	size_t n = 0;
	const char *fmt;
	bool table = true, no_trunc;
	struct strbuf line = STRBUF_INIT;
	char **out;
	size_t nout = 0;

	xgetopts(&o, argc, argv, OPTS_images);
	no_trunc = o.flags & FLAG_images_no_trunc;
	for (char **f = o.v[OPT_images_filter].list; f && *f; f++)
		if (!str_has_prefix(*f, "reference=") && !str_has_prefix(*f, "dangling="))
			bb_usage_error("invalid filter '%s'", *f);
	s = open_store(root_of(&o, OPT_images_root), STORE_READ);
	if (store_refs_load(s, &refs, &err) < 0)
		err_die(&err);
	rows = xzalloc((refs.n + 1) * sizeof(*rows));
	for (size_t i = 0; i < refs.n; i++) {
		struct store_image img;
		if (store_image_load(s, refs.v[i].manifest, &img, &err) < 0) {
			err_print(err);
			err_free(&err);
			continue;
		}
		rows[n].obj = row_json(&refs.v[i], &img, no_trunc);
		rows[n].created = parse_rfc3339(img.created);
		rows[n].name = refs.v[i].name;
		store_image_free(&img);
		if (!row_matches(rows[n].obj, o.v[OPT_images_filter].list)) {
			json_free(rows[n].obj);
			continue;
		}
		if (o.argc) {
			const char *want = o.argv[0];
			const char *repo = json_get_str(rows[n].obj, "Repository");
			const char *tag = json_get_str(rows[n].obj, "Tag");
			cleanup_free char *rt = xasprintf("%s:%s", repo, tag);
			if (!STREQ(want, repo) && !STREQ(want, rt)) {
				json_free(rows[n].obj);
				continue;
			}
		}
		n++;
	}
	qsort(rows, n, sizeof(*rows), by_created);
	fmt = o.v[OPT_images_format].arg;
	if (o.flags & FLAG_images_quiet)
		fmt = "{{.ID}}", table = false;
	else if (!fmt)
		fmt = o.flags & FLAG_images_digests
		          ? "table {{.Repository}}\\t{{.Tag}}\\t{{.Digest}}\\t{{.ID}}\\t"
		            "{{.CreatedSince}}\\t{{.Size}}"
		          : "table "
		            "{{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}";
	else if (!str_has_prefix(fmt, "table"))
		table = false;
	if (table)
		fmt += 5 + (fmt[5] == ' ');
	out = xzalloc((n + 2) * sizeof(*out));
	if (table) {
		/* the header: the same template over each field's column title */
		static const char hdr[] =
		    "{\"Containers\":\"CONTAINERS\",\"CreatedAt\":\"CREATED AT\",\"CreatedSince\":"
		    "\"CREATED\",\"Digest\":\"DIGEST\",\"ID\":\"IMAGE ID\",\"Repository\":"
		    "\"REPOSITORY\",\"SharedSize\":\"SHARED "
		    "SIZE\",\"Size\":\"SIZE\",\"Tag\":\"TAG\","
		    "\"UniqueSize\":\"UNIQUE SIZE\",\"VirtualSize\":\"VIRTUAL SIZE\"}";
		struct json *h = json_parse(hdr, sizeof(hdr) - 1, NULL, &err);
		if (template_expand(fmt, h, &line, &err) < 0)
			err_die(&err);
		out[nout++] = sb_steal(&line);
		json_free(h);
	}
	for (size_t i = 0; i < n; i++) {
		if (template_expand(fmt, rows[i].obj, &line, &err) < 0)
			err_die(&err);
		sb_grow(&line, 0);
		out[nout++] = sb_steal(&line);
		json_free(rows[i].obj);
	}
	if (table) {
		table_print(stdout, out, nout);
	} else {
		for (size_t i = 0; i < nout; i++)
			printf("%s\n", out[i]);
	}
	for (size_t i = 0; i < nout; i++)
		free(out[i]);
	free(out);
	free(rows);
	store_refs_free(&refs);
	store_close(s);
	return 0;
}

/* ---- names given by the user ---- */

/* A user's word -> the store's reference name (normalised), or NULL when it is not one. */
static char *normalise(const char *word)
{
	struct image_ref r;
	struct error *err = NULL;
	char *out;

	if (image_ref_parse(word, &r, &err) < 0) {
		err_free(&err);
		return NULL;
	}
	out = image_ref_string(&r);
	image_ref_release(&r);
	return out;
}

/* The reference a word names, or else the manifest of an ID; dies with Docker's words. */
static const struct store_ref *find_ref(const struct store_refs *refs, const char *word)
{
	cleanup_free char *name = normalise(word);

	return name ? store_refs_find(refs, name) : NULL;
}

static char *resolve_manifest(struct store *s, const struct store_refs *refs, const char *word)
{
	const struct store_ref *r = find_ref(refs, word);
	struct error *err = NULL;
	char *m = NULL;

	if (r)
		return xstrdup(r->manifest);
	if (store_image_resolve(s, word, &m, &err) < 0) {
		if (err->errnum == ENOENT) {
			err_free(&err);
			return NULL;
		}
		err_die(&err);
	}
	return m;
}

int tag_main(int argc, char **argv)
{
	struct opts o;
	struct store *s;
	struct store_refs refs;
	struct error *err = NULL;
	const struct store_ref *src;
	struct image_ref target;
	cleanup_free char *man = NULL, *tname = NULL;

	xgetopts(&o, argc, argv, OPTS_tag);
	if (image_ref_parse(o.argv[1], &target, &err) < 0)
		err_die(&err);
	if (target.digest)
		bb_die("refusing to create a tag with a digest reference");
	tname = image_ref_string(&target);
	image_ref_release(&target);
	s = open_store(root_of(&o, OPT_tag_root), STORE_WRITE);
	if (store_refs_load(s, &refs, &err) < 0)
		err_die(&err);
	src = find_ref(&refs, o.argv[0]);
	man = src ? xstrdup(src->manifest) : resolve_manifest(s, &refs, o.argv[0]);
	if (!man)
		bb_die("No such image: %s", o.argv[0]);
	if (store_tag(s, tname, src ? src->digest : man, man, &err) < 0)
		err_die(&err);
	store_refs_free(&refs);
	store_close(s);
	return 0;
}

/* ---- rmi ---- */

static void print_deleted(void *ctx, const char *line)
{
	const char *d = strstr(line, "sha256:");

	(void)ctx;
	/* gc says "deleted: blob sha256:..."; Docker says "Deleted: sha256:..." */
	printf("Deleted: %s\n", d ? d : line);
}

static int untag_one(struct store *s, const char *name)
{
	struct error *err = NULL;
	cleanup_free char *fam = image_ref_familiar(name);

	if (store_untag(s, name, &err) < 0) {
		err_print(err);
		err_free(&err);
		return 1;
	}
	printf("Untagged: %s\n", fam);
	return 0;
}

int rmi_main(int argc, char **argv)
{
	struct opts o;
	struct store *s;
	struct store_refs refs;
	struct error *err = NULL;
	int status = 0;
	const char *root;

	xgetopts(&o, argc, argv, OPTS_rmi);
	root = root_of(&o, OPT_rmi_root);
	s = open_store(root, STORE_WRITE);
	for (int i = 0; i < o.argc; i++) {
		const struct store_ref *r;
		cleanup_free char *man = NULL;

		if (store_refs_load(s, &refs, &err) < 0)
			err_die(&err);
		if ((r = find_ref(&refs, o.argv[i]))) {
			status |= untag_one(s, r->name);
		} else if ((man = resolve_manifest(s, &refs, o.argv[i]))) {
			size_t users = 0;
			for (size_t k = 0; k < refs.n; k++)
				users += STREQ(refs.v[k].manifest, man);
			if (users > 1 && !(o.flags & FLAG_rmi_force)) {
				bb_warn("conflict: unable to delete %s (must be forced) - image is "
				        "referenced in multiple repositories",
				        o.argv[i]);
				status = 1;
			} else {
				for (size_t k = 0; k < refs.n; k++)
					if (STREQ(refs.v[k].manifest, man))
						status |= untag_one(s, refs.v[k].name);
			}
		} else {
			bb_warn("No such image: %s", o.argv[i]);
			status = 1;
		}
		store_refs_free(&refs);
	}
	store_close(s);
	if (o.flags & FLAG_rmi_no_prune)
		return status;
	/* What no name reaches any more goes now, if no other ocibox is busy in the store (then
	 * the next gc or `system prune` takes it). */
	if (store_open(root, STORE_EXCLUSIVE | STORE_NONBLOCK, &s, &err) < 0) {
		err_free(&err);
		return status;
	}
	struct store_gc_opts g = {.report = print_deleted};
	if (store_gc(s, &g, NULL, &err) < 0) {
		err_print(err);
		err_free(&err);
		status = 1;
	}
	store_close(s);
	return status;
}

/* ---- inspect ---- */

static void jw_str_list_familiar(struct json_writer *w, const struct store_refs *refs,
                                 const char *man, bool digests)
{
	jw_array_begin(w);
	for (size_t k = 0; k < refs->n; k++) {
		const struct store_ref *r = &refs->v[k];
		cleanup_free char *fam = NULL;
		if (!STREQ(r->manifest, man))
			continue;
		fam = image_ref_familiar(r->name);
		char *at = strchr(fam, '@');
		if (!digests && !at) {
			jw_string(w, fam);
		} else if (digests) {
			char *colon = strrchr(fam, ':');
			if (at)
				*at = '\0';
			else if (colon && !strchr(colon, '/'))
				*colon = '\0';
			cleanup_free char *rd = xasprintf("%s@%s", fam, r->digest);
			jw_string(w, rd);
		}
	}
	jw_array_end(w);
}

static int inspect_one(struct store *s, const struct store_refs *refs, const char *man,
                       struct json_writer *w, struct error **err)
{
	struct store_image img;
	struct json *cfg;
	long long tagged = 0;
	cleanup_free char *cbuf = NULL;
	size_t len;

	if (store_image_load(s, man, &img, err) < 0)
		return -EIO;
	cbuf = store_blob_get(s, img.config, 0, &len, err);
	if (!cbuf || !(cfg = json_parse(cbuf, len, NULL, err))) {
		store_image_free(&img);
		return -EIO;
	}
	for (size_t k = 0; k < refs->n; k++)
		if (STREQ(refs->v[k].manifest, man) && refs->v[k].tagged > tagged)
			tagged = refs->v[k].tagged;
	jw_object_begin(w);
	jw_key(w, "Id");
	jw_string(w, img.config);
	jw_key(w, "RepoTags");
	jw_str_list_familiar(w, refs, man, false);
	jw_key(w, "RepoDigests");
	jw_str_list_familiar(w, refs, man, true);
	jw_key(w, "Parent");
	jw_string(w, "");
	jw_key(w, "Comment");
	jw_string(w, json_get_str(cfg, "comment") ? json_get_str(cfg, "comment") : "");
	jw_key(w, "Created");
	jw_string(w, img.created);
	jw_key(w, "DockerVersion");
	jw_string(w,
	          json_get_str(cfg, "docker_version") ? json_get_str(cfg, "docker_version") : "");
	jw_key(w, "Author");
	jw_string(w, json_get_str(cfg, "author") ? json_get_str(cfg, "author") : "");
	jw_key(w, "Config");
	json_write_tree(w, json_get(cfg, "config"));
	jw_key(w, "Architecture");
	jw_string(w, json_get_str(cfg, "architecture") ? json_get_str(cfg, "architecture") : "");
	if (json_get_str(cfg, "variant")) {
		jw_key(w, "Variant");
		jw_string(w, json_get_str(cfg, "variant"));
	}
	jw_key(w, "Os");
	jw_string(w, json_get_str(cfg, "os") ? json_get_str(cfg, "os") : "");
	jw_key(w, "Size");
	jw_uint(w, img.size);
	jw_key(w, "RootFS");
	jw_object_begin(w);
	jw_key(w, "Type");
	jw_string(w, "layers");
	jw_key(w, "Layers");
	jw_array_begin(w);
	for (size_t i = 0; i < img.nlayers; i++)
		jw_string(w, img.layers[i].diff_id);
	jw_array_end(w);
	jw_object_end(w);
	jw_key(w, "Metadata");
	jw_object_begin(w);
	jw_key(w, "LastTagTime");
	if (tagged > 0) {
		char when[40];
		struct tm tm;
		time_t t = tagged;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		jw_string(w, when);
	} else {
		jw_string(w, "0001-01-01T00:00:00Z");
	}
	jw_object_end(w);
	jw_object_end(w);
	json_free(cfg);
	store_image_free(&img);
	return 0;
}

int inspect_main(int argc, char **argv)
{
	struct opts o;
	struct store *s;
	struct store_refs refs;
	struct error *err = NULL;
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	const char *fmt;
	int status = 0;

	xgetopts(&o, argc, argv, OPTS_inspect);
	fmt = o.v[OPT_inspect_format].arg;
	if (o.v[OPT_inspect_type].arg && !STREQ(o.v[OPT_inspect_type].arg, "image"))
		bb_die("only --type image is built in here");
	s = open_store(root_of(&o, OPT_inspect_root), STORE_READ);
	if (store_refs_load(s, &refs, &err) < 0)
		err_die(&err);
	jw_init(&w, &sb, 4);
	jw_array_begin(&w);
	for (int i = 0; i < o.argc; i++) {
		cleanup_free char *man = resolve_manifest(s, &refs, o.argv[i]);
		if (!man) {
			bb_warn("Error: No such image: %s", o.argv[i]);
			status = 1;
			continue;
		}
		if (fmt) {
			struct strbuf one = STRBUF_INIT, line = STRBUF_INIT;
			struct json_writer w1;
			struct json *j;
			jw_init(&w1, &one, 0);
			if (inspect_one(s, &refs, man, &w1, &err) < 0 ||
			    !(j = json_parse(one.buf, one.len, NULL, &err)))
				err_die(&err);
			if (template_expand(fmt, j, &line, &err) < 0)
				err_die(&err);
			printf("%s\n", line.buf ? line.buf : "");
			json_free(j);
			sb_release(&one);
			sb_release(&line);
		} else if (inspect_one(s, &refs, man, &w, &err) < 0) {
			err_die(&err);
		}
	}
	jw_array_end(&w);
	if (!fmt)
		printf("%s\n", sb.buf);
	sb_release(&sb);
	store_refs_free(&refs);
	store_close(s);
	return status;
}
