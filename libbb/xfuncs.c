/* Die-on-error helpers for an applet's top level, and the plain variants they build on. */
#include "libbb.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		bb_die("out of memory");
	return p;
}

void *xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		bb_die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		bb_die("out of memory");
	return p;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		bb_die("out of memory");
	return xrealloc(p, nmemb * size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		bb_die("out of memory");
	return s;
}

int xopenat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	int fd;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	fd = openat(dirfd, path, flags | O_CLOEXEC, mode);
	if (fd < 0)
		bb_die_errno("open %s", path);
	return fd;
}

int xopen(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	return xopenat(AT_FDCWD, path, flags, mode);
}

ssize_t read_all(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = read(fd, (char *)buf + done, len - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += r;
	}
	return done;
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = write(fd, (const char *)buf + done, len - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += r;
	}
	return done;
}

void xwrite_all(int fd, const void *buf, size_t len)
{
	if (write_all(fd, buf, len) < 0)
		bb_die_errno("write");
}

char *read_file_at(int dirfd, const char *path, size_t max, size_t *lenp)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	struct strbuf sb = STRBUF_INIT;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r;

		sb_grow(&sb, 4096);
		r = read(fd, sb.buf + sb.len, sb.cap - sb.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			sb_release(&sb);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		sb.len += r;
		sb.buf[sb.len] = '\0';
		if (sb.len > max) {
			sb_release(&sb);
			errno = EFBIG;
			return NULL;
		}
	}
	if (lenp)
		*lenp = sb.len;
	return sb_steal(&sb);
}

char *xread_file(const char *path, size_t *len)
{
	char *s = read_file_at(AT_FDCWD, path, SIZE_MAX / 2, len);

	if (!s)
		bb_die_errno("read %s", path);
	return s;
}

int parse_ll(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	if (!*s || (*s == ' ' || *s == '\t'))
		return errno = EINVAL, -1;
	v = strtoll(s, &end, 10);
	if (*end)
		return errno = EINVAL, -1;
	if (errno == ERANGE || v < lo || v > hi)
		return errno = ERANGE, -1;
	*out = v;
	return 0;
}

long long xatoll_range(const char *s, long long lo, long long hi, const char *what)
{
	long long v;

	if (parse_ll(s, lo, hi, &v) < 0) {
		if (errno == ERANGE)
			bb_die("invalid %s '%s': not in %lld..%lld", what, s, lo, hi);
		bb_die("invalid %s '%s': not a number", what, s);
	}
	return v;
}
