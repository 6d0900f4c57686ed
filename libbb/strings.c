/* Small string helpers that musl and glibc spell differently or not at all. */
#include "libbb.h"

const char *bb_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

void human_size(char *buf, size_t n, uint64_t v, int precision)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double d = v;
	size_t u = 0;

	while (d >= 1000 && u + 1 < ARRAY_SIZE(units)) {
		d /= 1000;
		u++;
	}
	snprintf(buf, n, "%.*g%s", precision, d, units[u]);
}
