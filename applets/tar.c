/* tar: create, list and extract archives with libbb's reader, writer and confined extractor. */
//config:config TAR
//config:	bool "tar: create, list and extract tar archives"
//config:	default y
//config:	help
//config:	  usage: tar -c|-t|-x [-v] [-f FILE] [-C DIR] [OPTIONS] [PATH...]
//config:
//config:	  Create, list or extract a tar archive (ustar, pax, GNU long names).
//config:	  The first argument may omit its dash (tar xvf FILE).
//config:
//config:	  -c, --create          write PATHs (walked in bytewise name order)
//config:	  -t, --list            list the entries (or those under PATHs)
//config:	  -x, --extract         extract the entries (or those under PATHs)
//config:	  -v, --verbose         -t: one line per entry,
//config:	                        MODE UID/GID SIZE MTIME NAME[ -> TARGET],
//config:	                        then "  xattr NAME=VALUE" lines; -c/-x: names
//config:	  -f, --file FILE       the archive (default and '-': stdin/stdout)
//config:	  -C, --directory DIR   work in DIR; extraction never leaves it
//config:	  -z, --gzip            gzip the archive (-c); -t/-x read gzip with
//config:	                        or without -z
//config:	  --numeric-owner       -c: record no user/group names
//config:	  --apply-whiteouts     -x: apply OCI whiteouts (.wh.*) to what is in DIR
//config:	  --overlay-whiteouts   -x: turn OCI whiteouts into overlayfs ones
//config:	  --sort=name           -c: the only order, accepted for GNU tar scripts
//config:	  --mtime=EPOCH         -c: every mtime becomes EPOCH (also @EPOCH)
//config:	  --clamp-mtime         -c: with --mtime, only newer mtimes change
//config:	  --owner=UID           -c: every entry owned by UID (no name)
//config:	  --group=GID           -c: every entry's group is GID (no name)
//config:
//config:	  Names with '..', hard links out of DIR and writes through symlinks
//config:	  are refused or kept inside DIR. Owners are set when run as root;
//config:	  device nodes are skipped with a warning without CAP_MKNOD. Sparse
//config:	  files are refused. MTIME is seconds since 1970, with .NANOSECONDS
//config:	  when the archive has them; NAME and TARGET write control bytes
//config:	  and backslashes as a backslash and three octal digits.
//applet:APPLET(tar, TAR, PLAIN, "c,create t,list x,extract v,verbose f,file: C,directory: z,gzip numeric-owner apply-whiteouts overlay-whiteouts sort: mtime: clamp-mtime owner: group:")

#include "libbb.h"
#include "gzip.h"
#include "tar.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

struct tar_globals {
	char **paths; /* operands, cleaned, for -t/-x */
	bool *matched;
	int npaths;
	int verbose;
	FILE *vout;
};

static void put_escaped(struct strbuf *sb, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			sb_printf(sb, "\\%03o", c);
		else
			sb_addc(sb, c);
	}
}

static void mode_string(char *m, const struct tar_entry *e)
{
	static const char types[] = {
	    [TAR_REG] = '-', [TAR_HARDLINK] = 'h', [TAR_SYMLINK] = 'l', [TAR_CHR] = 'c',
	    [TAR_BLK] = 'b', [TAR_DIR] = 'd',      [TAR_FIFO] = 'p',
	};
	mode_t mo = e->mode;

	m[0] = types[e->type] ? types[e->type] : '?';
	for (int i = 0; i < 9; i++)
		m[1 + i] = (mo & (0400 >> i)) ? "rwxrwxrwx"[i] : '-';
	if (mo & S_ISUID)
		m[3] = m[3] == 'x' ? 's' : 'S';
	if (mo & S_ISGID)
		m[6] = m[6] == 'x' ? 's' : 'S';
	if (mo & S_ISVTX)
		m[9] = m[9] == 'x' ? 't' : 'T';
	m[10] = '\0';
}

static int cmp_xattr_ptr(const void *a, const void *b)
{
	return strcmp((*(const struct tar_xattr *const *)a)->name,
	              (*(const struct tar_xattr *const *)b)->name);
}

/* The -tv line: stable, one entry per line, for scripts and tests. */
static void list_verbose(struct strbuf *sb, const struct tar_entry *e)
{
	char mode[11];
	size_t n = strlen(e->path);
	const struct tar_xattr **xs;

	while (n > 1 && e->path[n - 1] == '/')
		n--;
	mode_string(mode, e);
	sb_printf(sb, "%s %lld/%lld ", mode, e->uid, e->gid);
	if (e->type == TAR_CHR || e->type == TAR_BLK)
		sb_printf(sb, "%u,%u ", e->devmajor, e->devminor);
	else
		sb_printf(sb, "%lld ", e->size);
	sb_printf(sb, "%lld", e->mtime);
	if (e->mtime_nsec) {
		char frac[16];
		int len = snprintf(frac, sizeof(frac), "%09ld", e->mtime_nsec);
		while (len > 0 && frac[len - 1] == '0')
			frac[--len] = '\0';
		sb_printf(sb, ".%s", frac);
	}
	sb_addc(sb, ' ');
	put_escaped(sb, e->path, n);
	if (e->type == TAR_SYMLINK || e->type == TAR_HARDLINK) {
		sb_adds(sb, " -> ");
		put_escaped(sb, e->linkname, strlen(e->linkname));
	}
	sb_addc(sb, '\n');
	xs = xreallocarray(NULL, e->nxattrs + 1, sizeof(*xs));
	for (size_t i = 0; i < e->nxattrs; i++)
		xs[i] = &e->xattrs[i];
	qsort(xs, e->nxattrs, sizeof(*xs), cmp_xattr_ptr);
	for (size_t i = 0; i < e->nxattrs; i++) {
		sb_adds(sb, "  xattr ");
		put_escaped(sb, xs[i]->name, strlen(xs[i]->name));
		sb_addc(sb, '=');
		put_escaped(sb, xs[i]->value, xs[i]->len);
		sb_addc(sb, '\n');
	}
	free(xs);
}

static bool selected(struct tar_globals *g, const struct tar_entry *e)
{
	cleanup_free char *clean = NULL;
	bool any = false;

	if (!g->npaths)
		return true;
	clean = tar_clean_path(e->path);
	if (!clean)
		return false;
	for (int i = 0; i < g->npaths; i++) {
		size_t n = strlen(g->paths[i]);
		if (!n || (!strncmp(clean, g->paths[i], n) && (!clean[n] || clean[n] == '/'))) {
			g->matched[i] = true;
			any = true;
		}
	}
	return any;
}

static bool extract_filter(void *ctx, const struct tar_entry *e)
{
	struct tar_globals *g = ctx;

	if (!selected(g, e))
		return false;
	if (g->verbose)
		fprintf(g->vout, "%s\n", e->path);
	return true;
}

static int unmatched(struct tar_globals *g)
{
	int bad = 0;

	for (int i = 0; i < g->npaths; i++)
		if (!g->matched[i]) {
			bb_warn("%s: not found in archive", g->paths[i]);
			bad = 1;
		}
	return bad;
}

/* The archive as read: a file or pipe, gzip-compressed or not (its magic tells). */
struct source {
	int fd;
	unsigned char head[2];
	size_t hlen, hpos;
	struct inflate *z;
};

static ssize_t raw_read(void *ctx, void *buf, size_t len, struct error **err)
{
	struct source *s = ctx;
	ssize_t n;

	if (s->hpos < s->hlen) {
		n = s->hlen - s->hpos < len ? s->hlen - s->hpos : len;
		memcpy(buf, s->head + s->hpos, n);
		s->hpos += n;
		return n;
	}
	do
		n = read(s->fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? err_errno(err, "read") : n;
}

static ssize_t gz_read(void *ctx, void *buf, size_t len, struct error **err)
{
	return inflate_read(((struct source *)ctx)->z, buf, len, err);
}

static struct tar_reader *open_source(struct source *s, int fd, bool gzip)
{
	ssize_t n = 0;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	while (s->hlen < 2 && (n = read(fd, s->head + s->hlen, 2 - s->hlen)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			bb_die_errno("read archive");
		s->hlen += n;
	}
	if (gzip || (s->hlen == 2 && s->head[0] == 0x1f && s->head[1] == 0x8b)) {
		s->z = inflate_new(raw_read, s, 0);
		return tar_reader_new(gz_read, s);
	}
	/* a file can be seeked back: then the reader skips data it need not read with lseek */
	if (s->hlen == 0 || lseek(fd, -(off_t)s->hlen, SEEK_CUR) >= 0)
		return tar_reader_new_fd(fd);
	return tar_reader_new(raw_read, s);
}

/* After the end-of-archive blocks: the rest of a gzip stream must still be intact. */
static int close_source(struct source *s, struct tar_reader *r, int rc, struct error **err)
{
	char buf[4096];
	ssize_t n;

	tar_reader_free(r);
	if (s->z) {
		while (rc >= 0 && (n = inflate_read(s->z, buf, sizeof(buf), err)) != 0)
			if (n < 0)
				rc = n;
		inflate_free(s->z);
	}
	return rc;
}

static int do_list(struct tar_globals *g, struct source *src, int fd, bool gzip)
{
	struct tar_reader *r = open_source(src, fd, gzip);
	struct strbuf sb = STRBUF_INIT;
	struct error *err = NULL;
	struct tar_entry *e;
	int rc;

	while ((rc = tar_next(r, &e, &err)) > 0) {
		if (!selected(g, e))
			continue;
		sb.len = 0;
		if (g->verbose) {
			list_verbose(&sb, e);
		} else {
			put_escaped(&sb, e->path, strlen(e->path));
			sb_addc(&sb, '\n');
		}
		fwrite(sb.buf, 1, sb.len, stdout);
	}
	sb_release(&sb);
	rc = close_source(src, r, rc, &err);
	if (rc < 0) {
		err_print(err);
		err_free(&err);
		return 1;
	}
	return unmatched(g);
}

static int do_extract(struct tar_globals *g, struct source *src, int fd, bool gzip, int rootfd,
                      enum tar_whiteouts wh)
{
	struct tar_reader *r = open_source(src, fd, gzip);
	struct tar_extract_opts eo = {
	    .whiteouts = wh, .same_owner = -1, .filter = extract_filter, .ctx = g};
	struct error *err = NULL;
	int rc = tar_extract(r, rootfd, &eo, &err);

	rc = close_source(src, r, rc, &err);
	if (rc < 0) {
		err_print(err);
		err_free(&err);
		return 1;
	}
	return unmatched(g);
}

static int fd_write(void *ctx, const void *buf, size_t len, struct error **err)
{
	return write_all(*(int *)ctx, buf, len) < 0 ? err_errno(err, "write") : 0;
}

static int gz_write(void *ctx, const void *buf, size_t len, struct error **err)
{
	return deflate_write(ctx, buf, len, err);
}

static int do_create(struct tar_globals *g, int fd, bool gzip, int dirfd, char **paths, int n,
                     const struct tar_write_opts *wo)
{
	struct deflate *z = gzip ? deflate_new(6, 0, fd_write, &fd) : NULL;
	struct tar_writer *w = z ? tar_writer_new(gz_write, z, wo) : tar_writer_new_fd(fd, wo);
	struct error *err = NULL;
	int rc = 0;

	for (int i = 0; i < n && rc == 0; i++) {
		rc = tar_write_tree(w, dirfd, paths[i], 0, &err);
		if (g->verbose && rc == 0)
			fprintf(g->vout, "%s\n", paths[i]);
	}
	if (rc == 0)
		rc = tar_write_finish(w, &err);
	if (rc == 0 && z)
		rc = deflate_finish(z, &err);
	tar_writer_free(w);
	deflate_free(z);
	if (rc < 0) {
		err_print(err);
		err_free(&err);
		return 1;
	}
	return 0;
}

int tar_main(int argc, char **argv)
{
	struct tar_globals g = {0};
	struct tar_write_opts wo = {.uid = -1, .gid = -1};
	struct opts o;
	const char *file, *dir;
	cleanup_free char *dashed = NULL;
	struct source src;
	int modes, fd, dirfd, ret;
	bool to_stdio, gzip;

	/* old style: "tar xvf FILE" */
	if (argc > 1 && argv[1][0] && argv[1][0] != '-') {
		dashed = xasprintf("-%s", argv[1]);
		argv[1] = dashed;
	}
	xgetopts(&o, argc, argv, OPTS_tar);
	modes = !!(o.flags & FLAG_tar_create) + !!(o.flags & FLAG_tar_list) +
	        !!(o.flags & FLAG_tar_extract);
	if (modes != 1)
		bb_usage_error("exactly one of -c, -t, -x is required");
	g.verbose = o.v[OPT_tar_verbose].count;
	file = o.flags & FLAG_tar_file ? o.v[OPT_tar_file].arg : "-";
	dir = o.flags & FLAG_tar_directory ? o.v[OPT_tar_directory].arg : ".";
	to_stdio = STREQ(file, "-");
	g.vout = (o.flags & FLAG_tar_create) && to_stdio ? stderr : stdout;
	if ((o.flags & FLAG_tar_apply_whiteouts) && (o.flags & FLAG_tar_overlay_whiteouts))
		bb_usage_error("--apply-whiteouts and --overlay-whiteouts exclude each other");
	if ((o.flags & FLAG_tar_sort) && !STREQ(o.v[OPT_tar_sort].arg, "name"))
		bb_usage_error("--sort=%s: only name is supported (output is always sorted)",
		               o.v[OPT_tar_sort].arg);

	if (o.flags & FLAG_tar_create) {
		if (!o.argc)
			bb_usage_error("-c needs at least one PATH");
		wo.numeric_owner = o.flags & FLAG_tar_numeric_owner;
		if (o.flags & FLAG_tar_mtime) {
			const char *m = o.v[OPT_tar_mtime].arg;
			wo.set_mtime = true;
			wo.mtime =
			    xatoll_range(m + (*m == '@'), -(1LL << 62), 1LL << 62, "--mtime");
			wo.clamp_mtime = o.flags & FLAG_tar_clamp_mtime;
		} else if (o.flags & FLAG_tar_clamp_mtime) {
			bb_usage_error("--clamp-mtime needs --mtime");
		}
		if (o.flags & FLAG_tar_owner) {
			wo.uid = xatoll_range(o.v[OPT_tar_owner].arg, 0, 0xfffffffeLL, "--owner");
			wo.uname = "";
		}
		if (o.flags & FLAG_tar_group) {
			wo.gid = xatoll_range(o.v[OPT_tar_group].arg, 0, 0xfffffffeLL, "--group");
			wo.gname = "";
		}
		dirfd = xopen(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fd = to_stdio ? 1 : xopen(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		ret = do_create(&g, fd, o.flags & FLAG_tar_gzip, dirfd, o.argv, o.argc, &wo);
		if (!to_stdio && close(fd) < 0) {
			bb_warn_errno("%s", file);
			ret = 1;
		}
		return ret;
	}

	g.npaths = o.argc;
	g.paths = xreallocarray(NULL, o.argc + 1, sizeof(char *));
	g.matched = xzalloc(o.argc + 1);
	for (int i = 0; i < o.argc; i++) {
		g.paths[i] = tar_clean_path(o.argv[i]);
		if (!g.paths[i])
			bb_usage_error("%s: names with '..' never match", o.argv[i]);
	}
	fd = to_stdio ? 0 : xopen(file, O_RDONLY | O_CLOEXEC);
	gzip = o.flags & FLAG_tar_gzip;
	if (o.flags & FLAG_tar_list) {
		ret = do_list(&g, &src, fd, gzip);
	} else {
		enum tar_whiteouts wh = o.flags & FLAG_tar_overlay_whiteouts ? TAR_WHITEOUT_OVERLAY
		                        : o.flags & FLAG_tar_apply_whiteouts ? TAR_WHITEOUT_COPY
		                                                             : TAR_WHITEOUT_NONE;
		dirfd = xopen(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		ret = do_extract(&g, &src, fd, gzip, dirfd, wh);
	}
	if (ENABLE_FEATURE_CLEAN_UP) {
		for (int i = 0; i < g.npaths; i++)
			free(g.paths[i]);
		free(g.paths);
		free(g.matched);
	}
	return ret;
}
