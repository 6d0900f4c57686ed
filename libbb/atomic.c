/* Files that are either the old version or the new one, never half: write a temp file in the same
 * directory, fsync it, rename it over the name, fsync the directory so the rename survives power
 * loss. Flash-backed routers lose power often; the store depends on this. */
#include "libbb.h"
#include <fcntl.h>
#include <sys/stat.h>

static int open_parent(int dirfd, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = NULL;

	if (!slash) {
		*base = path;
		return openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	*base = slash + 1;
	dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return -1;
	return openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int atomic_open(struct atomic_file *af, int dirfd, const char *path, mode_t mode,
		struct error **err)
{
	const char *base;
	unsigned n;

	af->fd = -1;
	af->name = af->tmp = NULL;
	af->dirfd = open_parent(dirfd, path, &base);
	if (af->dirfd < 0)
		return err_errno(err, "open directory of %s", path);
	if (!*base || STREQ(base, ".") || STREQ(base, "..")) {
		atomic_abort(af);
		return err_set(err, EINVAL, "%s: not a file name", path);
	}
	af->name = strdup(base);
	if (!af->name) {
		atomic_abort(af);
		return err_set(err, ENOMEM, "%s", path);
	}
	/* O_EXCL on a fresh name: a crashed writer's leftover is never reused half-written. */
	for (n = 0; n < 100; n++) {
		free(af->tmp);
		if (asprintf(&af->tmp, ".%s.tmp%u.%u", base, (unsigned)getpid(),
			     (unsigned)random() ^ n) < 0) {
			af->tmp = NULL;
			atomic_abort(af);
			return err_set(err, ENOMEM, "%s", path);
		}
		af->fd = openat(af->dirfd, af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (af->fd >= 0 || errno != EEXIST)
			break;
	}
	if (af->fd < 0) {
		int r = err_errno(err, "create temp file for %s", path);
		free(af->tmp);
		af->tmp = NULL;
		atomic_abort(af);
		return r;
	}
	/* umask must not weaken or widen what the caller asked for. */
	if (fchmod(af->fd, mode) < 0) {
		int r = err_errno(err, "chmod %s", path);
		atomic_abort(af);
		return r;
	}
	return 0;
}

int atomic_commit(struct atomic_file *af, struct error **err)
{
	int r;

	if (fsync(af->fd) < 0) {
		r = err_errno(err, "fsync %s", af->name);
		goto fail;
	}
	if (close(af->fd) < 0) {
		af->fd = -1;
		r = err_errno(err, "close %s", af->name);
		goto fail;
	}
	af->fd = -1;
	if (renameat(af->dirfd, af->tmp, af->dirfd, af->name) < 0) {
		r = err_errno(err, "rename %s", af->name);
		goto fail;
	}
	free(af->tmp);
	af->tmp = NULL;
	if (fsync(af->dirfd) < 0 && errno != EINVAL) {
		r = err_errno(err, "fsync directory of %s", af->name);
		goto fail;
	}
	atomic_abort(af);
	return 0;
fail:
	atomic_abort(af);
	return r;
}

void atomic_abort(struct atomic_file *af)
{
	if (af->fd >= 0)
		close(af->fd);
	if (af->tmp && af->dirfd >= 0)
		unlinkat(af->dirfd, af->tmp, 0);
	if (af->dirfd >= 0)
		close(af->dirfd);
	free(af->tmp);
	free(af->name);
	af->fd = af->dirfd = -1;
	af->tmp = af->name = NULL;
}

int write_file_atomic(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
		      struct error **err)
{
	struct atomic_file af;
	int r = atomic_open(&af, dirfd, path, mode, err);

	if (r < 0)
		return r;
	if (write_all(af.fd, buf, len) < 0) {
		r = err_errno(err, "write %s", path);
		atomic_abort(&af);
		return r;
	}
	return atomic_commit(&af, err);
}
