/* Opening the store: its root and directories, the store-wide lock, digests, and the sweep of
 * what crashed writers left behind. */
#include "store_int.h"
#include "path.h"
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>

/* Made at open, in this order (parents first). */
static const char *const store_dirs[] = {"blobs", BLOB_DIR, LAYER_DIR, LINK_DIR, LOCK_DIR};

const char *store_default_root(void)
{
	const char *r = getenv("OCIBOX_ROOT");

	return r && *r ? r : STORE_DEFAULT_ROOT;
}

/* Looked up each time (a handful of calls per layer): a forked child sets its own. */
void store_fault(const char *point)
{
	const char *want = getenv("OCIBOX_STORE_FAULT");

	if (want && STREQ(want, point))
		raise(SIGKILL);
}

bool store_is_hex64(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int store_digest_hex(const char *digest, char hex[SHA256_HEX_SIZE], struct error **err)
{
	const char *colon = digest ? strchr(digest, ':') : NULL;

	if (!colon)
		return err_set(err, EINVAL, "'%s': not a digest (ALGORITHM:HEX)",
		               digest ? digest : "(null)");
	if ((size_t)(colon - digest) != 6 || memcmp(digest, "sha256", 6))
		return err_set(err, EINVAL, "%.*s digests are not supported (only sha256)",
		               (int)(colon - digest), digest);
	if (!store_is_hex64(colon + 1, strlen(colon + 1)))
		return err_set(err, EINVAL, "'%s': a sha256 digest has 64 lowercase hex digits",
		               digest);
	memcpy(hex, colon + 1, SHA256_HEX_SIZE);
	return 0;
}

int store_lock(struct store *s, const char *name, int op, struct error **err)
{
	cleanup_free char *path = xasprintf(LOCK_DIR "/%s", name);
	cleanup_close int fd = openat(s->rootfd, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_errno(err, "%s/%s", s->root, path);
	while (flock(fd, op) < 0)
		if (errno != EINTR)
			return err_errno(err, "lock %s/%s", s->root, path);
	return steal_fd(&fd);
}

/* ---- leftovers ---- */

void store_say(store_report_fn *report, void *ctx, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;

	if (!report)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (line)
		report(ctx, line);
	free(line);
}

/* Walks one directory; is_leftover() says what goes. */
static int sweep_dir(struct store *s, const char *dir, bool (*is_leftover)(int, const char *),
                     store_report_fn *report, void *ctx, bool remove)
{
	int fd = openat(s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || STREQ(de->d_name, "..")))
			continue;
		if (!is_leftover(dirfd(d), de->d_name))
			continue;
		n++;
		if (remove && path_remove_at(dirfd(d), de->d_name) < 0) {
			store_say(report, ctx, "%s/%s: leftover of a crashed writer: cannot remove: %s",
			    dir, de->d_name, strerror(errno));
			continue;
		}
		store_say(report, ctx, "%s/%s: leftover of a crashed writer%s", dir, de->d_name,
		    remove ? " (removed)" : "");
	}
	closedir(d);
	return n;
}

static bool layer_tmp(int dirfd, const char *name)
{
	(void)dirfd;
	return strstr(name, LAYER_TMP) != NULL;
}

/* atomic.c's temp names: ".NAME.tmpPID.RAND" */
static bool dot_tmp(int dirfd, const char *name)
{
	(void)dirfd;
	return name[0] == '.' && strstr(name, ".tmp") != NULL;
}

static bool refs_tmp(int dirfd, const char *name)
{
	return dot_tmp(dirfd, name) && str_has_prefix(name, "." REFS_FILE ".tmp");
}

/* A link whose layer is gone (or was never renamed into place). */
static bool dangling_link(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
	       fstatat(dirfd, name, &st, 0) < 0 && errno == ENOENT;
}

/* Per-layer lock files: only an ingest holds one, and it holds the store lock shared first. */
static bool layer_lock(int dirfd, const char *name)
{
	if (str_has_prefix(name, "layer-"))
		unlinkat(dirfd, name, 0);
	return false; /* bookkeeping, not a finding */
}

int store_sweep(struct store *s, store_report_fn *report, void *ctx, bool remove)
{
	if (remove)
		sweep_dir(s, LOCK_DIR, layer_lock, NULL, NULL, false);
	return sweep_dir(s, LAYER_DIR, layer_tmp, report, ctx, remove) +
	       sweep_dir(s, BLOB_DIR, dot_tmp, report, ctx, remove) +
	       sweep_dir(s, ".", refs_tmp, report, ctx, remove) +
	       sweep_dir(s, LINK_DIR, dangling_link, report, ctx, remove);
}

/* ---- open and close ---- */

static int take_root_lock(struct store *s, struct error **err)
{
	int nb = s->mode & STORE_NONBLOCK ? LOCK_NB : 0;

	s->lockfd = openat(s->rootfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0)
		return err_errno(err, "%s/lock", s->root);
	if (s->mode & STORE_EXCLUSIVE) {
		while (flock(s->lockfd, LOCK_EX | nb) < 0)
			if (errno != EINTR)
				goto busy;
		return 0; /* gc and store_check() sweep themselves, and say what they found */
	}
	/* Nobody else in the store: whatever temp files exist are from the dead. */
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) == 0)
		store_sweep(s, NULL, NULL, true);
	while (flock(s->lockfd, LOCK_SH | nb) < 0)
		if (errno != EINTR)
			goto busy;
	return 0;
busy:
	if (errno == EWOULDBLOCK)
		return err_set(err, errno, "%s: the store is busy (another ocibox writes to it)",
		               s->root);
	return err_errno(err, "lock %s/lock", s->root);
}

static int mkdir_p(const char *path, mode_t mode)
{
	cleanup_free char *p = xstrdup(path);

	for (char *slash = p + 1;; slash++) {
		slash = strchr(slash, '/');
		if (slash)
			*slash = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -1;
		if (!slash)
			return 0;
		*slash = '/';
	}
}

int store_open(const char *root, unsigned mode, struct store **out, struct error **err)
{
	struct store *s;
	int r;

	if (!root || !*root)
		return err_set(err, EINVAL, "store: empty root directory name");
	if (mode & (STORE_WRITE | STORE_EXCLUSIVE) && mkdir_p(root, 0700) < 0)
		return err_errno(err, "create %s", root);
	s = xzalloc(sizeof(*s));
	s->root = xstrdup(root);
	s->mode = mode;
	s->lockfd = -1;
	s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		r = err_errno(err, "open store %s", root);
		store_close(s);
		return r;
	}
	if (mode & (STORE_WRITE | STORE_EXCLUSIVE)) {
		for (size_t i = 0; i < ARRAY_SIZE(store_dirs); i++)
			if (mkdirat(s->rootfd, store_dirs[i], 0700) < 0 && errno != EEXIST) {
				r = err_errno(err, "create %s/%s", root, store_dirs[i]);
				store_close(s);
				return r;
			}
		if ((r = take_root_lock(s, err)) < 0) {
			store_close(s);
			return r;
		}
	}
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->lockfd >= 0)
		close(s->lockfd); /* drops the flock */
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->root);
	free(s);
}
