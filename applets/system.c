/* system: the store as a whole, check (and repair), df, prune (libbb/store_check.c,
 * store_gc.c). */
//config:config SYSTEM
//config:	bool "system: check, df and prune the store"
//config:	default y
//config:	help
//config:	  usage: system check [--repair] | df | prune [-f] [--root DIR]
//config:
//config:	  check   verify every blob, layer and reference of the store; one
//config:	          line per problem, exit 1 if any. --repair removes what is
//config:	          corrupt or incomplete and drops references to lost images
//config:	  df      images, layers and blobs, their sizes and what is reclaimable
//config:	  prune   remove every layer and blob that no image or container uses
//config:
//config:	  --repair    check: repair what it finds
//config:	  -f, --force prune: do not ask (ocibox never asks)
//config:	  --root DIR  the store (default $OCIBOX_ROOT or /var/lib/ocibox)
//applet:APPLET(system, SYSTEM, DOCKER, "repair f,force a,all root: <1 >1")
//docker:system = system

#include "libbb.h"
#include "store.h"

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}


static int do_check(struct opts *o, const char *root, struct error **err)
{
	bool repair = o->flags & FLAG_system_repair;
	struct store *s;
	int n;

	/* a check must not see a pull's temp files as leftovers: it waits for writers */
	if (store_open(root, STORE_EXCLUSIVE, &s, err) < 0)
		return -1;
	n = store_check(s, repair, print_line, NULL, err);
	store_close(s);
	if (n < 0)
		return n;
	if (n == 0)
		printf("store is clean\n");
	else
		printf("%d problem%s%s\n", n, n == 1 ? "" : "s", repair ? " repaired" : "");
	return n && !repair ? 1 : 0;
}

static int do_df(struct opts *o, const char *root, struct error **err)
{
	struct store_usage u = {0};
	struct store *s;
	char lb[16], bb[16], rb[16];

	(void)o;
	if (store_open(root, STORE_READ, &s, err) < 0)
		return -1;
	if (store_df(s, &u, err) < 0) {
		store_close(s);
		return -1;
	}
	store_close(s);
	human_size(lb, sizeof(lb), u.layer_bytes, 4);
	human_size(bb, sizeof(bb), u.blob_bytes, 4);
	human_size(rb, sizeof(rb), u.reclaimable, 4);
	printf("TYPE      TOTAL     UNUSED    SIZE\n");
	printf("%-9s %-9zu %-9s %s\n", "Images", u.images, "-", "-");
	printf("%-9s %-9zu %-9zu %s\n", "Layers", u.layers, u.unused_layers, lb);
	printf("%-9s %-9zu %-9zu %s\n", "Blobs", u.blobs, u.unused_blobs, bb);
	printf("Reclaimable: %s\n", rb);
	return 0;
}

static int do_prune(struct opts *o, const char *root, struct error **err)
{
	struct store_gc_opts g = {.report = print_line};
	struct store_usage u = {0};
	struct store *s;
	char rb[16];

	(void)o;
	if (store_open(root, STORE_EXCLUSIVE, &s, err) < 0)
		return -1;
	if (store_gc(s, &g, &u, err) < 0) {
		store_close(s);
		return -1;
	}
	store_close(s);
	human_size(rb, sizeof(rb), u.reclaimable, 4);
	printf("Total reclaimed space: %s\n", rb);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct opts *o, const char *root, struct error **err);
} verbs[] = {
    {"check", do_check},
    {"df", do_df},
    {"prune", do_prune},
};

int system_main(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	const char *root;

	xgetopts(&o, argc, argv, OPTS_system);
	root = o.v[OPT_system_root].arg ? o.v[OPT_system_root].arg : store_default_root();
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		if (!STREQ(o.argv[0], verbs[i].name))
			continue;
		int r = verbs[i].fn(&o, root, &err);
		if (r < 0) {
			err_print(err);
			err_free(&err);
			return 1;
		}
		return r;
	}
	bb_usage_error("unknown command '%s' (check, df, prune)", o.argv[0]);
}
