/* What the store's files share among themselves and nobody else needs (libbb/store*.c). */
#ifndef OCIBOX_STORE_INT_H
#define OCIBOX_STORE_INT_H

#include "store.h"

#define BLOB_DIR "blobs/sha256"
#define LAYER_DIR "layers"
#define LINK_DIR "layers/l"
#define LOCK_DIR "locks"
#define REFS_FILE "images.json"
#define LAYER_META "layer.json"
#define LAYER_DONE "complete"
#define LAYER_TMP ".tmp-" /* layers/<hex>.tmp-XXXXXX */
#define SHORT_LEN 24      /* hex digits of a diff_id in its l/ link name */

/* Test hook: with OCIBOX_STORE_FAULT=POINT in the environment the process kills itself with
 * SIGKILL when it reaches POINT, so crash tests can stop a writer between two steps. */
void store_fault(const char *point);

/* flock()s locks/NAME (created as needed) with op (LOCK_SH/LOCK_EX); returns the fd. */
int store_lock(struct store *s, const char *name, int op, struct error **err);

bool store_is_hex64(const char *s, size_t len);
/* One formatted line to REPORT (nothing when it is NULL): check, sweep and gc all report so. */
void store_say(store_report_fn *report, void *ctx, const char *fmt, ...) PRINTF(3, 4);
/* Removes what crashed writers left: layer temp dirs, blob and images.json temp files, links
 * to nothing. Only safe while no other writer runs (exclusive lock, or found idle). Reports
 * each when report is set; returns how many. */
int store_sweep(struct store *s, store_report_fn *report, void *ctx, bool remove);
/* Takes layers/<hex> out of its final name first, then deletes it and its link. */
int store_layer_remove(struct store *s, const char *hex, struct error **err);
void store_layer_short(const char *hex, char out[SHORT_LEN + 1]);

/* A set of 64-digit hex strings: what gc and df found reachable. */
struct store_marks {
	char **v;
	size_t n, cap;
	bool sorted;
};
bool store_marks_has(struct store_marks *m, const char *hex);
void store_marks_free(struct store_marks *m);
/* Marks everything the references and containers reach. Fails (rather than guess) when a
 * reachable manifest or config cannot be read: gc must never delete what it could not see. */
int store_mark_reachable(struct store *s, struct store_marks *m, struct error **err);

/* Parsed blob helpers for the walkers. */
struct json *store_blob_json(struct store *s, const char *digest, struct error **err);

#endif
