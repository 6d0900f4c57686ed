/* Messages in one shape, "ocibox: APPLET: what: why", so scripts and people can parse them. */
#include "libbb.h"

const char *applet_name = "ocibox";
const struct applet *current_applet;
int die_exitcode = 1;

void bb_vwarn(int errnum, const char *fmt, va_list ap)
{
	fflush(stdout);
	if (applet_name && !STREQ(applet_name, "ocibox"))
		fprintf(stderr, "ocibox: %s: ", applet_name);
	else
		fputs("ocibox: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

void bb_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bb_vwarn(0, fmt, ap);
	va_end(ap);
}

void bb_warn_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	bb_vwarn(e, fmt, ap);
	va_end(ap);
}

void bb_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bb_vwarn(0, fmt, ap);
	va_end(ap);
	exit(die_exitcode);
}

void bb_die_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	bb_vwarn(e, fmt, ap);
	va_end(ap);
	exit(die_exitcode);
}

/* Docker prints the error, then where to look; its CLI exits 125 for its own errors. */
void bb_usage_error(const char *fmt, ...)
{
	va_list ap;
	bool docker = current_applet && (current_applet->flags & APPLET_DOCKER);

	va_start(ap, fmt);
	bb_vwarn(0, fmt, ap);
	va_end(ap);
	fprintf(stderr, "See '%s --help'.\n", applet_name);
	exit(docker ? 125 : 1);
}

void print_applet_help(const struct applet *a, FILE *f)
{
	fputs(a->help, f);
}
