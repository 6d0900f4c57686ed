/* libbb: what every applet shares. One concern per libbb/ file; this header declares them. */
#ifndef OCIBOX_LIBBB_H
#define OCIBOX_LIBBB_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "autoconf.h"
#include "flags.h"

#define NORETURN __attribute__((noreturn))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#define UNUSED __attribute__((unused))
#define MUST_CHECK __attribute__((warn_unused_result))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STREQ(a, b) (strcmp((a), (b)) == 0)

/* ---- applets (applets/main.c owns the table; scripts/gen-applets builds it) ---- */

enum {
	APPLET_DOCKER = 1 << 0, /* Docker-facing: usage errors exit 125, as Docker's CLI does */
};

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *opts; /* option spec, see xgetopts() */
	const char *help; /* the Kconfig help text, which is also --help */
	unsigned flags;
};

extern const struct applet *current_applet;
extern const char *applet_name; /* for messages; "ocibox" outside an applet */
extern int die_exitcode;        /* what die*() exits with; 1 unless an applet changes it */

void print_applet_help(const struct applet *a, FILE *f);

/* ---- messages: "ocibox: APPLET: what: why" (libbb/messages.c) ---- */

void bb_warn(const char *fmt, ...) PRINTF(1, 2);
void bb_warn_errno(const char *fmt, ...) PRINTF(1, 2);
void bb_vwarn(int errnum, const char *fmt, va_list ap) PRINTF(2, 0);
NORETURN void bb_die(const char *fmt, ...) PRINTF(1, 2);
NORETURN void bb_die_errno(const char *fmt, ...) PRINTF(1, 2);
NORETURN void bb_usage_error(const char *fmt, ...) PRINTF(1, 2);

/* ---- x-helpers: die on failure; only at an applet's top level (libbb/xfuncs.c) ---- */

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);
int xopen(const char *path, int flags, ...);
int xopenat(int dirfd, const char *path, int flags, ...);
void xwrite_all(int fd, const void *buf, size_t len);
char *xread_file(const char *path, size_t *len); /* NUL-terminated */
long long xatoll_range(const char *s, long long lo, long long hi, const char *what);

/* Plain variants that return errors (-1 with errno set), for code that must recover. */
ssize_t read_all(int fd, void *buf, size_t len);   /* retries EINTR and short reads */
ssize_t write_all(int fd, const void *buf, size_t len);
char *read_file_at(int dirfd, const char *path, size_t max, size_t *len); /* NULL, errno */
int parse_ll(const char *s, long long lo, long long hi, long long *out); /* -1, errno */

/* ---- error object: for libbb code that creates state and lets callers roll back
 * (libbb/error.c). Functions take `struct error **err`, return a negative errno-style
 * value on failure after err_set()/err_wrap(), and never exit. Only an applet's main
 * turns an error into an exit status. ---- */

struct error {
	int errnum; /* errno value, 0 if none applies */
	char *msg;  /* context, outermost first: "pull busybox: layer sha256:...: short read" */
};

int err_set(struct error **err, int errnum, const char *fmt, ...) PRINTF(3, 4);
int err_errno(struct error **err, const char *fmt, ...) PRINTF(2, 3); /* errnum = errno */
int err_wrap(struct error **err, const char *fmt, ...) PRINTF(2, 3);  /* prefix context */
void err_print(const struct error *err);
void err_free(struct error **err);
NORETURN void err_die(struct error **err);

/* ---- cleanup attributes: scope-bound ownership in libbb (libbb/cleanup.c) ---- */

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_fclosep(FILE **f);
void cleanup_errp(struct error **err);
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_err __attribute__((cleanup(cleanup_errp)))

/* Hand ownership on: `return steal_fd(&fd);` leaves -1 behind for cleanup_close. */
static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}
static inline void *steal_ptr(void *pp)
{
	void **p = pp, *r = *p;
	*p = NULL;
	return r;
}

/* ---- growable byte buffer, always NUL-terminated (libbb/strbuf.c) ---- */

struct strbuf {
	char *buf;
	size_t len, cap;
};
#define STRBUF_INIT {NULL, 0, 0}
void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const void *data, size_t len);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) PRINTF(2, 3);
char *sb_steal(struct strbuf *sb);
void sb_release(struct strbuf *sb);

/* ---- atomic files: temp + fsync + rename + fsync dir (libbb/atomic.c) ---- */

struct atomic_file {
	int fd;       /* write here */
	int dirfd;    /* directory holding both names */
	char *name;   /* final name, relative to dirfd */
	char *tmp;    /* temp name, relative to dirfd */
};
int atomic_open(struct atomic_file *af, int dirfd, const char *path, mode_t mode,
		struct error **err);
int atomic_commit(struct atomic_file *af, struct error **err); /* fsync, rename, fsync dir */
void atomic_abort(struct atomic_file *af);                     /* unlink temp; safe twice */
int write_file_atomic(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
		      struct error **err);

/* ---- dirty page cache kept bounded while writing big files (libbb/writeback.c) ----
 * Behind a writer: each full chunk starts its writeback at once (sync_file_range WRITE); the
 * chunk before it is waited for and dropped from the cache (POSIX_FADV_DONTNEED), so at most
 * about two chunks per file are dirty or cached, and unpacking 100 MB on a 128 MB board does not
 * push everything else out of memory. The end starts writeback of the tail. */

struct writeback {
	int fd;
	size_t chunk;
	off_t dropped, started; /* [0, dropped) written back and dropped; [dropped, started) queued */
};
void writeback_begin(struct writeback *wb, int fd, size_t chunk);
void writeback_wrote(struct writeback *wb, off_t end); /* the file now holds [0, end) */
void writeback_end(struct writeback *wb, off_t end);

/* ---- option parser (libbb/getopts.c) ----
 * One spec string per applet, written in its //applet: line. Items separated by spaces:
 *   a           short flag -a            all          long flag --all
 *   a,all       both spellings           name:        takes an argument (last one wins)
 *   e,env*      repeatable argument, every value kept in order in .list
 * Leading modifiers:  ^  stop at the first non-option (run IMAGE CMD...)
 *                     <N at least N operands     >N at most N operands
 *                     ~  single-dash long options too (-bundle, as runc's CLI allows)
 * Short flags bundle (-it, -dit), arguments attach (-eFOO, -e=FOO, -e FOO), long options take
 * --name=value or --name value; a flag given --flag=false is cleared (Docker's bool flags).
 * "--" ends options. --help prints the applet's help and exits 0. A usage error prints one
 * line and "See 'APPLET --help'." and exits 125 for Docker-facing applets, 1 otherwise.
 * scripts/gen-applets turns each spec into FLAG_<applet>_<name> bits and
 * OPT_<applet>_<name> indexes (generated/flags.h), so names never drift from the spec. */

#define OPTS_MAX 64

struct optval {
	char *arg;      /* the last argument given */
	char **list;    /* every argument, NULL-terminated, for '*' options */
	unsigned count; /* how many times it was given */
};

struct opts {
	uint64_t flags;  /* bit n: option n of the spec is set */
	int argc;        /* operands left */
	char **argv;     /* operands left, NULL-terminated: argv + 1, reordered in place */
	struct optval v[OPTS_MAX];
};

void xgetopts(struct opts *o, int argc, char **argv, const char *spec);
void opts_free(struct opts *o); /* the '*' lists; only worth it with FEATURE_CLEAN_UP */

/* ---- small helpers (libbb/strings.c) ---- */

const char *bb_basename(const char *path);
bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
/* Docker's sizes (go-units HumanSizeWithPrecision): decimal units, PRECISION significant digits,
 * "1.98MB" at 3, "1.985MB" at 4 (Docker's progress and system df). */
void human_size(char *buf, size_t n, uint64_t v, int precision);

/* ---- this binary's platform, OCI names (libbb/platform.c) ---- */

const char *platform_arch(void);    /* amd64, arm64, arm, mipsle ... */
const char *platform_variant(void); /* v8, v7, v6 or "" */

#endif
