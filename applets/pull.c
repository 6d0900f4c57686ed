/* pull: an image from a registry into the store, through the pipeline load uses
 * (libbb/image_fetch.c) with the registry as its blob source (libbb/registry_client.c). */
//config:config PULL
//config:	bool "pull: pull an image from a registry"
//config:	default y
//config:	help
//config:	  usage: pull [-q] [--platform OS/ARCH[/VARIANT]] [--root DIR] NAME[:TAG|@DIGEST]
//config:
//config:	  Download an image and its layers from a registry into the store.
//config:	  Credentials come from `ocibox login` (~/.ocibox/config.json, or
//config:	  $OCIBOX_CONFIG) and ~/.docker/config.json; mirrors and insecure
//config:	  registries from the same file. CA certificates per registry in
//config:	  /etc/ocibox/certs.d/HOST:PORT/ and /etc/docker/certs.d/HOST:PORT/
//config:	  ($OCIBOX_CERTS_D).
//config:
//config:	  -q, --quiet               print only the image's reference
//config:	  --platform P              os/arch[/variant] of a multi-platform
//config:	                            image (default: this machine's)
//config:	  --insecure-registry HOST  do not verify HOST's certificate, allow
//config:	                            plain http (repeatable; also
//config:	                            $OCIBOX_INSECURE_REGISTRIES, comma-separated)
//config:	  --tls-skew-clock          accept certificates outside their dates
//config:	                            (a device without a real-time clock)
//config:	  --root DIR                the store (default $OCIBOX_ROOT or
//config:	                            /var/lib/ocibox)
//config:
//config:	  $OCIBOX_HTTP_TIMEOUT sets the seconds a transfer may stall (60).
//applet:APPLET(pull, PULL, DOCKER, "q,quiet platform: insecure-registry* tls-skew-clock root: <1 >1")
//docker:pull = pull
//docker:image pull = pull

#include "libbb.h"
#include "http.h"
#include "registry.h"
#include "sha256.h"

/* Progress, Docker's words: one line per layer, redrawn on a terminal, printed per state
 * change when not. */
struct layer_line {
	char id[13];
	char state[96];
};

static struct {
	bool quiet, tty;
	struct layer_line *lines;
	size_t nlines;
	struct layer_line *cur; /* the layer being downloaded */
	int64_t cur_size;
	uint64_t cur_got, cur_shown;
	struct blob_source inner;
} G;

static struct layer_line *line_for(const char *digest)
{
	const char *hex = strchr(digest, ':') ? strchr(digest, ':') + 1 : digest;

	for (size_t i = 0; i < G.nlines; i++)
		if (!strncmp(G.lines[i].id, hex, 12))
			return &G.lines[i];
	G.lines = xreallocarray(G.lines, G.nlines + 1, sizeof(*G.lines));
	struct layer_line *l = &G.lines[G.nlines++];
	snprintf(l->id, sizeof(l->id), "%.12s", hex);
	l->state[0] = '\0';
	if (G.tty)
		printf("%s: \n", l->id); /* its row, drawn below */
	return l;
}

static void show(struct layer_line *l, const char *fmt, ...) PRINTF(2, 3);
static void show(struct layer_line *l, const char *fmt, ...)
{
	va_list ap;

	if (G.quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(l->state, sizeof(l->state), fmt, ap);
	va_end(ap);
	if (G.tty) {
		size_t up = G.nlines - (size_t)(l - G.lines);
		printf("\033[%zuA\r\033[2K%s: %s\033[%zuB\r", up, l->id, l->state, up);
	} else {
		printf("%s: %s\n", l->id, l->state);
	}
	fflush(stdout);
}


static void show_download(void)
{
	char got[16], total[16], bar[51];
	size_t fill = 0;

	if (!G.tty || G.cur_size <= 0)
		return;
	human_size(got, sizeof(got), G.cur_got, 4);
	human_size(total, sizeof(total), G.cur_size, 4);
	fill = (size_t)(G.cur_got * 50 / (uint64_t)G.cur_size);
	if (fill > 50)
		fill = 50;
	memset(bar, '=', fill);
	if (fill < 50)
		bar[fill++] = '>';
	memset(bar + fill, ' ', 50 - fill);
	bar[50] = '\0';
	show(G.cur, "Downloading [%s]  %s/%s", bar, got, total);
}

/* The registry's blob source, counted: which layer moves and how far. */
static int counted_open(void *ctx, const char *digest, int64_t size, void **rctx,
                        struct error **err)
{
	(void)ctx;
	return G.inner.open(G.inner.ctx, digest, size, rctx, err);
}

static ssize_t counted_read(void *ctx, void *buf, size_t len, struct error **err)
{
	ssize_t n = G.inner.read(ctx, buf, len, err);

	if (n > 0 && G.cur) {
		if (!G.cur_got && !G.tty)
			show(G.cur, "Downloading");
		G.cur_got += n;
		/* redraw every 1/100 of the layer, not every read */
		if (G.cur_got - G.cur_shown >
		    (uint64_t)(G.cur_size > 0 ? G.cur_size / 100 : 1 << 20)) {
			G.cur_shown = G.cur_got;
			show_download();
		}
	}
	return n;
}

static void counted_close(void *rctx)
{
	G.inner.close(rctx);
}

static void on_event(void *ctx, enum fetch_event ev, const struct descriptor *layer,
                     const struct store_ingest_stats *stats)
{
	struct layer_line *l = line_for(layer->digest);

	(void)ctx;
	(void)stats;
	switch (ev) {
	case FETCH_LAYER_EXISTS:
		show(l, "Already exists");
		break;
	case FETCH_LAYER_START:
		show(l, "Pulling fs layer");
		G.cur = l;
		G.cur_size = layer->size;
		G.cur_got = G.cur_shown = 0;
		break;
	case FETCH_LAYER_DONE:
		/* one pass: hashing, inflating and extracting happened as the bytes came */
		G.cur_got = G.cur_size > 0 ? (uint64_t)G.cur_size : G.cur_got;
		show_download();
		show(l, "Verifying Checksum");
		show(l, "Download complete");
		show(l, "Pull complete");
		G.cur = NULL;
		break;
	}
}

/* Was name already this digest? For "Image is up to date". */
static bool tagged_as(struct store *s, const char *name, const char *digest)
{
	struct store_refs refs = {0};
	const struct store_ref *r;
	bool same;

	if (store_refs_load(s, &refs, NULL) < 0)
		return false;
	r = store_refs_find(&refs, name);
	same = r && STREQ(r->digest, digest);
	store_refs_free(&refs);
	return same;
}

static int pull(struct opts *o, const char *what, struct error **err)
{
	struct image_ref ref = {0};
	struct registry_config cfg = {0};
	struct http_options ho = {0};
	struct http_client *http = NULL;
	struct registry *reg = NULL;
	struct store *s = NULL;
	struct platform plat = {0};
	struct strbuf man = STRBUF_INIT;
	struct fetch_opts fo = {0};
	cleanup_free const char **insecure = NULL;
	cleanup_free char *name = NULL, *digest = NULL, *fam = NULL;
	const char *timeout = getenv("OCIBOX_HTTP_TIMEOUT");
	int rc, fetched;
	bool was;

	if ((rc = image_ref_parse(what, &ref, err)) < 0)
		return rc;
	if (o->v[OPT_pull_platform].arg &&
	    (rc = platform_parse(o->v[OPT_pull_platform].arg, &plat, err)) < 0)
		goto out;
	if ((rc = registry_config_load(&cfg, err)) < 0)
		goto out;
	insecure = registry_insecure_hosts(&cfg, o->v[OPT_pull_insecure_registry].list);
	ho.insecure = insecure;
	ho.tls_skew_clock = o->flags & FLAG_pull_tls_skew_clock;
	if (timeout)
		ho.read_timeout = xatoll_range(timeout, 1, 86400, "OCIBOX_HTTP_TIMEOUT");
	if ((rc = http_client_new(&ho, &http, err)) < 0)
		goto out;
	name = image_ref_string(&ref);
	if (!G.quiet)
		printf("%s: Pulling from %s\n", ref.digest ? ref.digest : ref.tag, ref.path);
	if ((rc = registry_open(http, &cfg, &ref, &reg, err)) < 0)
		goto out;
	if ((rc = registry_get_manifest(reg, ref.digest ? ref.digest : ref.tag, &man, NULL, err)) <
	    0)
		goto out;
	uint8_t sum[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	sha256_digest(man.buf, man.len, sum);
	sha256_hex(sum, hex);
	digest = xasprintf("sha256:%s", hex);
	if (ref.digest && !STREQ(digest, ref.digest)) {
		rc = err_set(err, EPROTO, "manifest %s: the registry sent %s", ref.digest, digest);
		goto out;
	}
	registry_note_manifests(reg, man.buf, man.len);
	if ((rc = store_open(o->v[OPT_pull_root].arg ? o->v[OPT_pull_root].arg
	                                             : store_default_root(),
	                     STORE_WRITE, &s, err)) < 0)
		goto out;
	was = tagged_as(s, name, digest);
	/* the top document goes in first: image_fetch() finds it there, by digest */
	if ((rc = store_blob_put(s, digest, man.buf, man.len, err)) < 0)
		goto out;
	registry_blob_source(reg, &G.inner);
	struct blob_source src = {counted_open, counted_read, counted_close, NULL};
	fo.platform = o->v[OPT_pull_platform].arg ? &plat : NULL;
	fo.event = on_event;
	if ((fetched = image_fetch(s, &src, digest, name, &fo, NULL, err)) < 0) {
		rc = fetched;
		goto out;
	}
	fam = image_ref_familiar(name);
	if (!G.quiet) {
		printf("Digest: %s\n", digest);
		printf("Status: %s for %s\n",
		       fetched == 1 && was ? "Image is up to date" : "Downloaded newer image", fam);
	}
	printf("%s\n", name);
	rc = 0;
out:
	store_close(s);
	sb_release(&man);
	registry_free(reg);
	http_client_free(http);
	registry_config_release(&cfg);
	platform_release(&plat);
	image_ref_release(&ref);
	return rc;
}

int pull_main(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;

	xgetopts(&o, argc, argv, OPTS_pull);
	G.quiet = o.flags & FLAG_pull_quiet;
	G.tty = !G.quiet && isatty(STDOUT_FILENO);
	if (pull(&o, o.argv[0], &err) < 0) {
		fflush(stdout);
		err_print(err);
		err_free(&err);
		return 1;
	}
	return 0;
}
