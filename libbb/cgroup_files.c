/* Reading and writing cgroup files. One write(2) per value, since the kernel parses each write
 * as a whole; errors name the file and the value, because "Device or resource busy" alone says
 * nothing about which of twenty limits the kernel refused. */
#include "cgroup_internal.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

int cg_write(const char *dir, const char *file, const char *value, struct error **err)
{
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;

	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return err_set(err, ENOMEM, "cgroup: %s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_errno(err, "cgroup: %s: open", file);
	if (write(fd, value, strlen(value)) < 0)
		return err_errno(err, "cgroup: %s: write %s", file, value);
	return 0;
}

int cg_writef(const char *dir, const char *file, struct error **err, const char *fmt, ...)
{
	cleanup_free char *value = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (n < 0) {
		value = NULL;
		return err_set(err, ENOMEM, "cgroup: %s", file);
	}
	return cg_write(dir, file, value, err);
}

bool cg_exists(const char *dir, const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

char *cg_read(const char *dir, const char *file)
{
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return NULL;
	return read_file_at(dfd, file, 1 << 20, NULL);
}

int cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
	cleanup_free char *s = cg_read(dir, file);
	char *end;

	if (!s)
		return -errno;
	if (str_has_prefix(s, "max")) {
		*out = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	return 0;
}

bool cg_keyed_u64(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			*out = strtoull(p + klen + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

void cg_u64_push(struct cg_u64_list *l, uint64_t v)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = v;
}

void cg_blkio_push(struct cg_stats *s, int list, const struct cg_blkio_entry *e)
{
	s->io[list] = xreallocarray(s->io[list], s->nio[list] + 1, sizeof(*e));
	s->io[list][s->nio[list]++] = *e;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The page sizes DIR has files for: "hugetlb.2MB.limit_in_bytes" gives "2MB", sorted. */
char **cg_hugepage_sizes(const char *dir, const char *prefix, const char *suffix, size_t *n)
{
	DIR *d = opendir(dir);
	char **sizes = NULL;
	struct dirent *de;

	*n = 0;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name), pl = strlen(prefix), sl = strlen(suffix);

		if (len <= pl + sl || !str_has_prefix(de->d_name, prefix) ||
		    !str_has_suffix(de->d_name, suffix) ||
		    strchr(de->d_name + pl, '.') != de->d_name + len - sl)
			continue;
		sizes = xreallocarray(sizes, *n + 1, sizeof(*sizes));
		sizes[(*n)++] = xstrndup(de->d_name + pl, len - pl - sl);
	}
	if (d)
		closedir(d);
	if (*n)
		qsort(sizes, *n, sizeof(*sizes), by_string);
	return sizes;
}
