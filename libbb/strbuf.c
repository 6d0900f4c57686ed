/* A growable, always NUL-terminated buffer for building text and reading files. */
#include "libbb.h"

void sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need;

	if (sb->len + extra < sb->len)
		bb_die("out of memory");
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return;
	if (sb->cap > SIZE_MAX / 2)
		bb_die("out of memory");
	sb->cap = sb->cap ? sb->cap : 64;
	while (sb->cap < need) {
		if (sb->cap > SIZE_MAX / 2)
			bb_die("out of memory");
		sb->cap *= 2;
	}
	sb->buf = xrealloc(sb->buf, sb->cap);
	sb->buf[sb->len] = '\0';
}

void sb_add(struct strbuf *sb, const void *data, size_t len)
{
	sb_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	sb_grow(sb, 64);
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		bb_die("bad format");
	if ((size_t)n >= sb->cap - sb->len) {
		sb_grow(sb, n);
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += n;
}

char *sb_steal(struct strbuf *sb)
{
	char *s;

	sb_grow(sb, 0);
	s = sb->buf;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}
