/* Resolving paths under a root directory without escaping it. The kernel does it best
 * (openat2 with RESOLVE_IN_ROOT, Linux 5.6); elsewhere we walk one component at a time, never
 * letting the kernel follow a symlink (O_NOFOLLOW), and interpret each symlink ourselves the way
 * RESOLVE_IN_ROOT would: absolute targets restart at the root, ".." never climbs above it. */
#include "path.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef SYS_openat2
#if defined(__mips__) && _MIPS_SIM == _MIPS_SIM_ABI32
#define SYS_openat2 4437
#else
#define SYS_openat2 437
#endif
#endif

#define RESOLVE_NO_MAGICLINKS_ 0x02
#define RESOLVE_IN_ROOT_ 0x10
#define MAX_SYMLINKS 40

struct open_how_ {
	uint64_t flags, mode, resolve;
};

static int openat2_state = -1; /* -1 not probed, 0 absent, 1 present */
static bool force_walk;

void path_force_walk(bool on)
{
	force_walk = on;
}

static int sys_openat2(int dirfd, const char *path, uint64_t flags)
{
	struct open_how_ how = {flags | O_CLOEXEC, 0, RESOLVE_IN_ROOT_ | RESOLVE_NO_MAGICLINKS_};

	return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

bool path_have_openat2(void)
{
	if (openat2_state < 0) {
		/* ENOSYS: old kernel or qemu-user; EPERM: a seccomp filter that predates it */
		int fd = sys_openat2(AT_FDCWD, "/", O_PATH | O_DIRECTORY);
		openat2_state = fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != E2BIG);
		if (fd >= 0)
			close(fd);
	}
	return openat2_state == 1 && !force_walk;
}

/* Reopens the chain of real directories in `done` from the root, after a "..". */
static int reopen(int rootfd, const char *done)
{
	int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_free char *copy = xstrdup(done);
	char *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c && cur >= 0; c = strtok_r(NULL, "/", &save)) {
		int fd = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		cur = fd;
	}
	return cur;
}

static int walk(int rootfd, const char *path, unsigned flags, struct error **err)
{
	struct strbuf rest = STRBUF_INIT, done = STRBUF_INIT;
	char name[NAME_MAX + 1], target[PATH_MAX];
	int cur, links = 0, ret, tries = 0;
	size_t pos = 0;

	cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0) {
		ret = err_errno(err, "open root");
		goto out;
	}
	sb_adds(&rest, path);
	sb_adds(&done, "");
	for (;;) {
		size_t len;
		int fd, e;
		struct stat st;
		ssize_t n;

		while (rest.buf[pos] == '/')
			pos++;
		if (!rest.buf[pos])
			break;
		len = strcspn(rest.buf + pos, "/");
		if (len > NAME_MAX) {
			ret = err_set(err, ENAMETOOLONG, "%s", path);
			goto out;
		}
		memcpy(name, rest.buf + pos, len);
		name[len] = '\0';
		if (STREQ(name, ".")) {
			pos += len;
			continue;
		}
		if (STREQ(name, "..")) {
			char *slash = strrchr(done.buf, '/');
			pos += len;
			if (!done.len)
				continue; /* ".." of the root is the root */
			done.len = slash ? (size_t)(slash - done.buf) : 0;
			done.buf[done.len] = '\0';
			close(cur);
			cur = reopen(rootfd, done.buf);
			if (cur < 0) {
				ret = err_errno(err, "%s: reopen %s", path, done.buf);
				goto out;
			}
			continue;
		}
		fd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			close(cur);
			cur = fd;
			if (done.len)
				sb_addc(&done, '/');
			sb_adds(&done, name);
			pos += len;
			tries = 0;
			continue;
		}
		e = errno;
		if (e == ENOENT && (flags & PATH_MKDIRS) && tries++ < 3) {
			if (mkdirat(cur, name, 0755) == 0 || errno == EEXIST)
				continue; /* open it again */
			ret = err_errno(err, "%s: mkdir %s", path, name);
			goto out;
		}
		if ((e != ENOTDIR && e != ELOOP) ||
		    fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode)) {
			errno = e;
			ret =
			    err_errno(err, "%s: %s%s%s", path, done.buf, done.len ? "/" : "", name);
			goto out;
		}
		if (++links > MAX_SYMLINKS) {
			ret = err_set(err, ELOOP, "%s", path);
			goto out;
		}
		n = readlinkat(cur, name, target, sizeof(target) - 1);
		if (n < 0) {
			ret = err_errno(err, "%s: readlink %s", path, name);
			goto out;
		}
		if (n >= (ssize_t)sizeof(target) - 1) {
			ret = err_set(err, ENAMETOOLONG, "%s: symlink %s", path, name);
			goto out;
		}
		target[n] = '\0';
		/* the rest of the path now starts with the link's target */
		{
			struct strbuf next = STRBUF_INIT;
			sb_adds(&next, target);
			sb_addc(&next, '/');
			sb_adds(&next, rest.buf + pos + len);
			sb_release(&rest);
			rest = next;
			pos = 0;
		}
		if (target[0] == '/') {
			close(cur);
			cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
			done.len = 0;
			done.buf[0] = '\0';
			if (cur < 0) {
				ret = err_errno(err, "open root");
				goto out;
			}
		}
	}
	ret = steal_fd(&cur);
out:
	if (cur >= 0)
		close(cur);
	sb_release(&rest);
	sb_release(&done);
	return ret;
}

int path_open_dir_in_root(int rootfd, const char *path, unsigned flags, struct error **err)
{
	if (path_have_openat2()) {
		int fd = -1;
		for (int i = 0; i < 16; i++) {
			fd = sys_openat2(rootfd, *path ? path : ".", O_PATH | O_DIRECTORY);
			if (fd >= 0 || errno != EAGAIN)
				break;
		}
		if (fd >= 0)
			return fd;
		/* missing directories are made by the walk, which is as confined */
		if (errno != ENOENT || !(flags & PATH_MKDIRS))
			return err_errno(err, "%s", path);
	}
	return walk(rootfd, path, flags, err);
}

int path_open_parent_in_root(int rootfd, const char *path, unsigned flags, const char **last,
                             struct error **err)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = NULL;

	*last = slash ? slash + 1 : path;
	if (!**last || STREQ(*last, ".") || STREQ(*last, ".."))
		return err_set(err, EINVAL, "%s: not a name below the root", path);
	dir = slash ? xstrndup(path, slash - path) : xstrdup("");
	return path_open_dir_in_root(rootfd, dir, flags, err);
}

int path_remove_at(int at, const char *name)
{
	int fd;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (unlinkat(at, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM) /* POSIX lets unlink() of a directory say EPERM */
		return -errno;
	ret = -errno;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOTDIR) /* not a directory after all: unlink's own error stands */
			errno = -ret;
		return -errno;
	}
	ret = 0;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((errno = 0, de = readdir(d))) {
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		if ((ret = path_remove_at(dirfd(d), de->d_name)) < 0)
			break;
	}
	if (!ret && errno)
		ret = -errno;
	closedir(d);
	if (ret < 0) {
		errno = -ret;
		return ret;
	}
	if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
