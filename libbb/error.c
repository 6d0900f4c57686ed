/* The error object: state-creating code reports and returns; callers add context on the way up,
 * undo what they did, and only an applet's main decides the exit. */
#include "libbb.h"

static int err_vset(struct error **err, int errnum, const char *fmt, va_list ap)
{
	struct error *e;
	char *msg = NULL;

	if (!err)
		return errnum ? -errnum : -1;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	e = *err;
	if (!e)
		e = calloc(1, sizeof(*e));
	if (!e) {
		free(msg);
		return -ENOMEM;
	}
	free(e->msg);
	e->msg = msg;
	e->errnum = errnum;
	*err = e;
	return errnum ? -errnum : -1;
}

int err_set(struct error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(err, errnum, fmt, ap);
	va_end(ap);
	return r;
}

int err_errno(struct error **err, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(err, e, fmt, ap);
	va_end(ap);
	return r;
}

int err_wrap(struct error **err, const char *fmt, ...)
{
	struct error *e = err ? *err : NULL;
	char *ctx = NULL, *msg = NULL;
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		ctx = NULL;
	va_end(ap);
	if (ctx && asprintf(&msg, "%s: %s", ctx, e->msg ? e->msg : "error") >= 0) {
		free(e->msg);
		e->msg = msg;
	}
	free(ctx);
	return e->errnum ? -e->errnum : -1;
}

void err_print(const struct error *err)
{
	if (!err)
		return;
	if (err->errnum)
		bb_warn("%s: %s", err->msg ? err->msg : "error", strerror(err->errnum));
	else
		bb_warn("%s", err->msg ? err->msg : "error");
}

void err_free(struct error **err)
{
	if (!err || !*err)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}

void err_die(struct error **err)
{
	err_print(err ? *err : NULL);
	err_free(err);
	exit(die_exitcode);
}
