/* gzip, gunzip, zcat: BusyBox's subset over libbb's inflate and deflate, the code that layers,
 * save, push and export use, so the tests and scripts/bench-codec reach it from the shell. */
//config:config GZIP
//config:	bool "gzip: compress files"
//config:	default y
//config:	help
//config:	  usage: gzip [-cdfk1-9] [FILE]...
//config:
//config:	  Compress each FILE to FILE.gz and remove FILE. With no FILE, or
//config:	  FILE "-", compress standard input to standard output.
//config:
//config:	  -c, --stdout      write to standard output, keep FILE
//config:	  -d, --decompress  decompress, as gunzip does
//config:	  -f, --force       overwrite files; write to a terminal
//config:	  -k, --keep        keep FILE
//config:	  -1 .. -9          fastest .. smallest (default -6)
//applet:APPLET(gzip, GZIP, PLAIN, "c,stdout d,decompress f,force k,keep 1 2 3 4 5 6 7 8 9")
//config:
//config:config GUNZIP
//config:	bool "gunzip: decompress files"
//config:	default y
//config:	help
//config:	  usage: gunzip [-cfk] [FILE]...
//config:
//config:	  Decompress each FILE.gz (or FILE.tgz) to FILE (FILE.tar) and remove
//config:	  it. With no FILE, or FILE "-", decompress standard input to
//config:	  standard output. Concatenated gzip members decompress as one.
//config:
//config:	  -c, --stdout  write to standard output, keep FILE
//config:	  -f, --force   overwrite files
//config:	  -k, --keep    keep FILE
//applet:APPLET(gunzip, GUNZIP, PLAIN, "c,stdout f,force k,keep")
//config:
//config:config ZCAT
//config:	bool "zcat: decompress to standard output"
//config:	default y
//config:	help
//config:	  usage: zcat [FILE]...
//config:
//config:	  Decompress each FILE (standard input if none, or "-") to standard
//config:	  output.
//applet:APPLET(zcat, ZCAT, PLAIN, "")

#include "libbb.h"
#include "gzip.h"
#include <fcntl.h>
#include <sys/stat.h>

#define IO_SIZE (128 * 1024)

struct gz_job {
	bool decompress, to_stdout, force, keep;
	int level;
};

static ssize_t read_fd(void *ctx, void *buf, size_t len, struct error **err)
{
	ssize_t r;

	do
		r = read(*(int *)ctx, buf, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_errno(err, "read error");
	return r;
}

static int write_fd(void *ctx, const void *buf, size_t len, struct error **err)
{
	if (write_all(*(int *)ctx, buf, len) < 0)
		return err_errno(err, "write error");
	return 0;
}

static int compress_fd(int in, int out, int level, struct error **err)
{
	struct deflate *d = deflate_new(level, 0, write_fd, &out);
	cleanup_free char *buf = xmalloc(IO_SIZE);
	ssize_t n;
	int r = 0;

	while (r == 0 && (n = read_fd(&in, buf, IO_SIZE, err)) != 0)
		r = n < 0 ? (int)n : deflate_write(d, buf, n, err);
	if (r == 0)
		r = deflate_finish(d, err);
	deflate_free(d);
	return r;
}

static int decompress_fd(int in, int out, struct error **err)
{
	struct inflate *z = inflate_new(read_fd, &in, 0);
	const void *p;
	ssize_t n;

	while ((n = inflate_next(z, &p, err)) > 0)
		if ((n = write_fd(&out, p, n, err)) < 0)
			break;
	inflate_free(z);
	return n < 0 ? (int)n : 0;
}

static int run_codec(const struct gz_job *job, int in, int out, struct error **err)
{
	return job->decompress ? decompress_fd(in, out, err) : compress_fd(in, out, job->level, err);
}

/* FILE.gz for gzip; for gunzip FILE from FILE.gz and FILE.tar from FILE.tgz, or NULL. */
static char *output_name(const struct gz_job *job, const char *in)
{
	size_t len = strlen(in);

	if (!job->decompress)
		return str_has_suffix(in, ".gz") ? NULL : xasprintf("%s.gz", in);
	if (len > 3 && str_has_suffix(in, ".gz"))
		return xstrndup(in, len - 3);
	if (len > 4 && str_has_suffix(in, ".tgz"))
		return xasprintf("%.*s.tar", (int)(len - 4), in);
	return NULL;
}

static int do_stdin(const struct gz_job *job)
{
	struct error *err = NULL;

	if (!job->decompress && !job->force && isatty(STDOUT_FILENO)) {
		bb_warn("compressed data not written to a terminal (use -f to force)");
		return 1;
	}
	if (run_codec(job, STDIN_FILENO, STDOUT_FILENO, &err) < 0) {
		err_wrap(&err, "stdin");
		err_print(err);
		err_free(&err);
		return 1;
	}
	return 0;
}

static int do_file(const struct gz_job *job, const char *name)
{
	cleanup_close int in = -1, out = -1;
	cleanup_free char *out_name = NULL;
	struct error *err = NULL;
	struct timespec times[2];
	struct stat st;

	if (STREQ(name, "-"))
		return do_stdin(job);
	in = open(name, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0) {
		bb_warn_errno("%s", name);
		return 1;
	}
	if (!S_ISREG(st.st_mode) && !job->to_stdout) {
		bb_warn("%s: not a regular file, ignored", name);
		return 1;
	}
	if (job->to_stdout) {
		if (!job->decompress && !job->force && isatty(STDOUT_FILENO)) {
			bb_warn("compressed data not written to a terminal (use -f to force)");
			return 1;
		}
		if (run_codec(job, in, STDOUT_FILENO, &err) < 0)
			goto fail;
		return 0;
	}
	out_name = output_name(job, name);
	if (!out_name) {
		bb_warn(job->decompress ? "%s: unknown suffix, ignored"
					: "%s: already has .gz suffix, unchanged",
			name);
		return 1;
	}
	out = open(out_name, O_WRONLY | O_CREAT | O_CLOEXEC | (job->force ? O_TRUNC : O_EXCL),
		   0600);
	if (out < 0) {
		if (errno == EEXIST)
			bb_warn("%s: already exists (use -f to overwrite)", out_name);
		else
			bb_warn_errno("%s", out_name);
		return 1;
	}
	if (run_codec(job, in, out, &err) < 0) {
		unlink(out_name);
		goto fail;
	}
	/* the output takes the input's mode and times, as gzip does */
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	if (fchmod(out, st.st_mode & 07777) < 0 || futimens(out, times) < 0 ||
	    close(steal_fd(&out)) < 0) {
		bb_warn_errno("%s", out_name);
		unlink(out_name);
		return 1;
	}
	if (!job->keep && unlink(name) < 0) {
		bb_warn_errno("can't remove %s", name);
		return 1;
	}
	return 0;
fail:
	err_wrap(&err, "%s", name);
	err_print(err);
	err_free(&err);
	return 1;
}

static int gz_run(const struct gz_job *job, struct opts *o)
{
	int status = 0;

	if (o->argc == 0)
		return do_stdin(job);
	for (int i = 0; i < o->argc; i++)
		status |= do_file(job, o->argv[i]);
	return status;
}

int gzip_main(int argc, char **argv)
{
	struct gz_job job = {.level = 6};
	struct opts o;

	xgetopts(&o, argc, argv, OPTS_gzip);
	job.decompress = o.flags & FLAG_gzip_decompress;
	job.to_stdout = o.flags & FLAG_gzip_stdout;
	job.force = o.flags & FLAG_gzip_force;
	job.keep = o.flags & FLAG_gzip_keep;
	/* -1 .. -9 are options 4 .. 12 of the spec; the strongest one given wins */
	for (int l = 1; l <= 9; l++)
		if (o.flags & (FLAG_gzip_1 << (l - 1)))
			job.level = l;
	return gz_run(&job, &o);
}

int gunzip_main(int argc, char **argv)
{
	struct gz_job job = {.decompress = true};
	struct opts o;

	xgetopts(&o, argc, argv, OPTS_gunzip);
	job.to_stdout = o.flags & FLAG_gunzip_stdout;
	job.force = o.flags & FLAG_gunzip_force;
	job.keep = o.flags & FLAG_gunzip_keep;
	return gz_run(&job, &o);
}

int zcat_main(int argc, char **argv)
{
	struct gz_job job = {.decompress = true, .to_stdout = true};
	struct opts o;

	xgetopts(&o, argc, argv, OPTS_zcat);
	return gz_run(&job, &o);
}
