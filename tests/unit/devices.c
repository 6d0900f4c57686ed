/* /dev for containers (include/devices.h), for real as root: each test unshares a mount
 * namespace, mounts a tmpfs rootfs (and a tmpfs on its dev/) under its scratch directory and
 * lets devices_setup work there. Hostile rootfs layouts must not reach anything outside; that is
 * checked with openat2 and again with the component walk. The user-namespace case bind-mounts
 * the host's nodes. Every mount dies with the test's namespace. */
#include "unit.h"
#include "devices.h"
#include "path.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

static char rootfs[512];

static struct json *parse(const char *text)
{
	struct error *err = NULL;
	struct json *j = json_parse(text, strlen(text), NULL, &err);

	if (!j) {
		unit_fail(__FILE__, __LINE__, "bad test JSON: %s", err->msg);
		err_free(&err);
	}
	return j;
}

static void private_mount_ns(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		unit_skip("unshare(CLONE_NEWNS): %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		unit_skip("make / private: %s", strerror(errno));
}

/* A tmpfs rootfs, with dev/ a tmpfs of its own when DEV_TMPFS. Returns an fd on it. */
static int make_rootfs(bool dev_tmpfs)
{
	char dev[600];
	int fd;

	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", unit_tmpdir());
	CHECK_INT(mkdir(rootfs, 0755), 0);
	CHECK_INT(mount("tmpfs", rootfs, "tmpfs", 0, "mode=0755"), 0);
	if (dev_tmpfs) {
		snprintf(dev, sizeof(dev), "%s/dev", rootfs);
		CHECK_INT(mkdir(dev, 0755), 0);
		CHECK_INT(mount("tmpfs", dev, "tmpfs", MS_NOSUID, "mode=0755"), 0);
	}
	fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	return fd;
}

static void check_node(int rootfd, const char *path, mode_t type, unsigned maj, unsigned min,
                       mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;

	if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		unit_fail(__FILE__, __LINE__, "%s: %s", path, strerror(errno));
		return;
	}
	if ((st.st_mode & S_IFMT) != type || (st.st_mode & 07777) != mode || st.st_uid != uid ||
	    st.st_gid != gid || (type != S_IFIFO && st.st_rdev != makedev(maj, min)))
		unit_fail(__FILE__, __LINE__,
		          "%s: type %o mode %04o %u:%u rdev %u:%u, expected %o %04o %u:%u %u:%u",
		          path, st.st_mode & S_IFMT, st.st_mode & 07777, st.st_uid, st.st_gid,
		          major(st.st_rdev), minor(st.st_rdev), type, mode, uid, gid, maj, min);
}

static void check_link(int rootfd, const char *path, const char *target)
{
	char buf[256];
	ssize_t n = readlinkat(rootfd, path, buf, sizeof(buf) - 1);

	if (n < 0) {
		unit_fail(__FILE__, __LINE__, "%s: %s", path, strerror(errno));
		return;
	}
	buf[n] = '\0';
	CHECK_STR(buf, target);
}

static void check_defaults(int rootfd)
{
	check_node(rootfd, "dev/null", S_IFCHR, 1, 3, 0666, 0, 0);
	check_node(rootfd, "dev/zero", S_IFCHR, 1, 5, 0666, 0, 0);
	check_node(rootfd, "dev/full", S_IFCHR, 1, 7, 0666, 0, 0);
	check_node(rootfd, "dev/random", S_IFCHR, 1, 8, 0666, 0, 0);
	check_node(rootfd, "dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0);
	check_node(rootfd, "dev/tty", S_IFCHR, 5, 0, 0666, 0, 0);
	check_link(rootfd, "dev/fd", "/proc/self/fd");
	check_link(rootfd, "dev/stdin", "/proc/self/fd/0");
	check_link(rootfd, "dev/stdout", "/proc/self/fd/1");
	check_link(rootfd, "dev/stderr", "/proc/self/fd/2");
	check_link(rootfd, "dev/ptmx", "pts/ptmx");
	if (access("/proc/kcore", F_OK) == 0)
		check_link(rootfd, "dev/core", "/proc/kcore");
	else
		CHECK(faccessat(rootfd, "dev/core", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
}

static int setup(int rootfd, const char *devices_json, bool userns, struct error **err)
{
	struct json *d = devices_json ? parse(devices_json) : NULL;
	int r = devices_setup(rootfd, d, userns, err);

	json_free(d);
	return r;
}

TEST(default_devices_and_links)
{
	struct error *err = NULL;
	int rootfd;

	SKIP_UNLESS_ROOT();
	private_mount_ns();
	rootfd = make_rootfs(true);
	umask(077); /* the modes asked for are not the umask's business */
	CHECK_INT(setup(rootfd, NULL, false, &err), 0);
	if (err)
		unit_fail(__FILE__, __LINE__, "%s", err->msg);
	check_defaults(rootfd);
	/* a second run finds everything in place */
	CHECK_INT(setup(rootfd, "[]", false, &err), 0);
	check_defaults(rootfd);
	err_free(&err);
	close(rootfd);
}

TEST(linux_devices_entries)
{
	struct error *err = NULL;
	int rootfd;

	SKIP_UNLESS_ROOT();
	private_mount_ns();
	rootfd = make_rootfs(true);
	CHECK_INT(
	    setup(rootfd,
	          "[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
	          "\"fileMode\":384,\"uid\":1000,\"gid\":1001},"
	          "{\"path\":\"/dev/loop9\",\"type\":\"b\",\"major\":7,\"minor\":9,"
	          "\"fileMode\":416,\"gid\":6},"
	          "{\"path\":\"/dev/unbuf\",\"type\":\"u\",\"major\":1,\"minor\":3},"
	          "{\"path\":\"/dev/myfifo\",\"type\":\"p\",\"fileMode\":400},"
	          "{\"path\":\"/dev/net/tun\",\"type\":\"c\",\"major\":10,\"minor\":200,"
	          "\"fileMode\":8630},"
	          "{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3,"
	          "\"fileMode\":384},"
	          "{\"path\":\"/opt/dev/big\",\"type\":\"c\",\"major\":4000,\"minor\":500000}]",
	          false, &err),
	    0);
	if (err)
		unit_fail(__FILE__, __LINE__, "%s", err->msg);
	check_node(rootfd, "dev/fuse", S_IFCHR, 10, 229, 0600, 1000, 1001);
	check_node(rootfd, "dev/loop9", S_IFBLK, 7, 9, 0640, 0, 6);
	check_node(rootfd, "dev/unbuf", S_IFCHR, 1, 3, 0666, 0, 0);
	check_node(rootfd, "dev/myfifo", S_IFIFO, 0, 0, 0620, 0, 0);
	check_node(rootfd, "dev/net/tun", S_IFCHR, 10, 200, 0666, 0, 0); /* S_IFCHR bits dropped */
	check_node(rootfd, "dev/null", S_IFCHR, 1, 3, 0600, 0, 0);       /* the entry wins */
	/* beyond 8-bit numbers, below the 32-bit encodings with bit 31 set, which qemu-user's
	 * 32-bit targets refuse */
	check_node(rootfd, "opt/dev/big", S_IFCHR, 4000, 500000, 0666, 0, 0);
	check_node(rootfd, "dev/zero", S_IFCHR, 1, 5, 0666, 0, 0);
	err_free(&err);
	close(rootfd);
}

TEST(bad_entries_create_nothing)
{
	static const struct {
		const char *json, *why;
	} cases[] = {
	    {"[{\"path\":\"/dev/x\",\"type\":\"x\",\"major\":1,\"minor\":1}]",
	     "linux.devices[0].type: 'x' is not one of c, u, b, p"},
	    {"[{\"path\":\"/dev/x\",\"type\":\"a\",\"major\":1,\"minor\":1}]", "not one of"},
	    {"[{\"path\":\"/dev/x\",\"major\":1,\"minor\":1}]", "not one of"},
	    {"[{\"path\":\"dev/x\",\"type\":\"c\",\"major\":1,\"minor\":1}]",
	     "path: must be an absolute path"},
	    {"[{\"path\":\"//\",\"type\":\"c\",\"major\":1,\"minor\":1}]", "cannot be the root"},
	    {"[{\"type\":\"c\",\"major\":1,\"minor\":1}]", "must be an absolute path"},
	    {"[{\"path\":\"/dev/x\",\"type\":\"c\",\"minor\":1}]", "major: required"},
	    {"[{\"path\":\"/dev/x\",\"type\":\"b\",\"major\":1}]", "minor: required"},
	    {"[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":-1,\"minor\":1}]", "major"},
	    {"[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1,\"minor\":1,\"uid\":\"0\"}]", "uid"},
	    {"[{\"path\":\"/dev/ok\",\"type\":\"p\"},7]", "linux.devices[1]: expected an object"},
	    {"{\"path\":\"/dev/x\"}", "linux.devices: expected an array"},
	};
	int rootfd;

	SKIP_UNLESS_ROOT();
	private_mount_ns();
	rootfd = make_rootfs(true);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct error *err = NULL;
		int r = setup(rootfd, cases[i].json, false, &err);
		if (r >= 0 || !err || !strstr(err->msg, cases[i].why))
			unit_fail(__FILE__, __LINE__, "case %zu: r=%d, error '%s', expected '%s'",
			          i, r, err ? err->msg : "(none)", cases[i].why);
		err_free(&err);
	}
	/* refused before the first mknod: dev/ is as empty as it was */
	CHECK(faccessat(rootfd, "dev/null", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
	CHECK(faccessat(rootfd, "dev/ok", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
	close(rootfd);
}

TEST(something_else_in_the_way)
{
	struct error *err = NULL;
	int rootfd, fd;

	SKIP_UNLESS_ROOT();
	private_mount_ns();
	rootfd = make_rootfs(true);
	fd = openat(rootfd, "dev/null", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK(setup(rootfd, NULL, false, &err) < 0);
	CHECK(err && strstr(err->msg, "/dev/null: something else is already there"));
	err_free(&err);
	/* a node with the wrong numbers is something else too */
	CHECK_INT(unlinkat(rootfd, "dev/null", 0), 0);
	CHECK_INT(mknodat(rootfd, "dev/blk", S_IFCHR | 0600, makedev(7, 1)), 0);
	CHECK(setup(rootfd, "[{\"path\":\"/dev/blk\",\"type\":\"b\",\"major\":7,\"minor\":1}]",
	            false, &err) < 0);
	CHECK(err && strstr(err->msg, "/dev/blk: something else"));
	err_free(&err);
	close(rootfd);
}

/* ---- hostile rootfs: nothing outside it may change ---- */

static void hostile_dev_symlink(bool walk)
{
	char host[600], planted[700];
	struct error *err = NULL;
	struct stat st;
	int rootfd;

	SKIP_UNLESS_ROOT();
	private_mount_ns();
	path_force_walk(walk);
	snprintf(host, sizeof(host), "%s/host-dir", unit_tmpdir());
	CHECK_INT(mkdir(host, 0700), 0);
	rootfd = make_rootfs(false);
	/* dev -> the host directory, by its absolute host path */
	CHECK_INT(symlinkat(host, rootfd, "dev"), 0);
	CHECK_INT(setup(rootfd,
	                "[{\"path\":\"/dev/evil\",\"type\":\"c\",\"major\":1,\"minor\":3},"
	                "{\"path\":\"/../../../../../../dev/evil2\",\"type\":\"p\"}]",
	                false, &err),
	          0);
	if (err)
		unit_fail(__FILE__, __LINE__, "%s", err->msg);
	/* the host directory is untouched ... */
	CHECK_INT(stat(host, &st), 0);
	CHECK_INT(st.st_nlink, 2);
	CHECK(faccessat(AT_FDCWD, host, F_OK, 0) == 0);
	snprintf(planted, sizeof(planted), "%s/null", host);
	CHECK(access(planted, F_OK) < 0);
	snprintf(planted, sizeof(planted), "%s/evil", host);
	CHECK(access(planted, F_OK) < 0);
	/* ... because "dev" resolved to the same path inside the rootfs */
	snprintf(planted, sizeof(planted), "%s/null", host + 1);
	check_node(rootfd, planted, S_IFCHR, 1, 3, 0666, 0, 0);
	snprintf(planted, sizeof(planted), "%s/evil2", host + 1);
	check_node(rootfd, planted, S_IFIFO, 0, 0, 0666, 0, 0);
	err_free(&err);
	close(rootfd);
}

TEST(hostile_dev_symlink_openat2)
{
	if (!path_have_openat2())
		unit_skip("no openat2 here (kernel < 5.6, qemu-user or a seccomp filter)");
	hostile_dev_symlink(false);
}

TEST(hostile_dev_symlink_walk)
{
	hostile_dev_symlink(true);
}

static void hostile_node_symlinks(bool walk)
{
	char victim[600], rel[700];
	struct error *err = NULL;
	struct stat before, after;
	int rootfd, fd;

	SKIP_UNLESS_ROOT();
	private_mount_ns();
	path_force_walk(walk);
	/* a stand-in for /etc/passwd: a host file the setup must neither chmod nor replace */
	snprintf(victim, sizeof(victim), "%s/victim", unit_tmpdir());
	fd = open(victim, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, "root:x:0:0\n", 11), 11);
	close(fd);
	CHECK_INT(stat(victim, &before), 0);
	rootfd = make_rootfs(true);
	CHECK_INT(symlinkat(victim, rootfd, "dev/null"), 0);
	CHECK(setup(rootfd, NULL, false, &err) < 0);
	CHECK(err && strstr(err->msg, "/dev/null: something else is already there"));
	err_free(&err);
	/* and by a relative path climbing out */
	CHECK_INT(unlinkat(rootfd, "dev/null", 0), 0);
	snprintf(rel, sizeof(rel), "../../../../../../../..%s", victim);
	CHECK_INT(symlinkat(rel, rootfd, "dev/zero"), 0);
	CHECK(setup(rootfd, NULL, false, &err) < 0);
	CHECK(err && strstr(err->msg, "/dev/zero: something else is already there"));
	err_free(&err);
	/* an entry whose parent is a symlink out: lands inside */
	CHECK_INT(unlinkat(rootfd, "dev/zero", 0), 0);
	CHECK_INT(symlinkat(unit_tmpdir(), rootfd, "dev/sub"), 0);
	CHECK_INT(setup(rootfd,
	                "[{\"path\":\"/dev/sub/victim\",\"type\":\"c\",\"major\":1,"
	                "\"minor\":5}]",
	                false, &err),
	          0);
	if (err)
		unit_fail(__FILE__, __LINE__, "%s", err->msg);
	CHECK_INT(stat(victim, &after), 0);
	CHECK(S_ISREG(after.st_mode));
	CHECK_INT(after.st_mode, before.st_mode);
	CHECK_INT(after.st_ino, before.st_ino);
	CHECK_INT(after.st_size, 11);
	CHECK_INT(after.st_uid, before.st_uid);
	snprintf(rel, sizeof(rel), "%s/victim", unit_tmpdir() + 1);
	check_node(rootfd, rel, S_IFCHR, 1, 5, 0666, 0, 0);
	err_free(&err);
	close(rootfd);
}

TEST(hostile_node_symlinks_openat2)
{
	if (!path_have_openat2())
		unit_skip("no openat2 here (kernel < 5.6, qemu-user or a seccomp filter)");
	hostile_node_symlinks(false);
}

TEST(hostile_node_symlinks_walk)
{
	hostile_node_symlinks(true);
}

/* ---- in a user namespace: bind mounts of the host's nodes ---- */

static bool write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Exits with a status that says which check failed; 0 when all held. */
NORETURN static void userns_child(int sync[2])
{
	/* sync[0]: the parent's "go" once the maps are written; sync[1]: "unshared" */
	struct error *err = NULL;
	struct stat dev, st;
	char c;
	int rootfd;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		/* 'e' and the errno instead of "unshared": the parent skips with the reason */
		char msg[1 + sizeof(int)] = {'e'};
		memcpy(msg + 1, &errno, sizeof(int));
		_exit(write(sync[1], msg, sizeof(msg)) == sizeof(msg) ? 77 : 3);
	}
	if (write(sync[1], "u", 1) != 1)
		_exit(3);
	if (read(sync[0], &c, 1) != 1 || c != 'g')
		_exit(4);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(5);
	rootfd = make_rootfs(true);
	/* mknod of a device is refused in a user namespace: what bind mounts are for */
	if (mknodat(rootfd, "dev/probe", S_IFCHR | 0600, makedev(1, 3)) == 0) {
		fprintf(stderr, "mknod works in this user namespace\n");
		_exit(6);
	}
	if (setup(rootfd,
	          "[{\"path\":\"/dev/zero\",\"type\":\"c\",\"major\":1,\"minor\":5},"
	          "{\"path\":\"/dev/pipe\",\"type\":\"p\",\"fileMode\":384}]",
	          true, &err) < 0) {
		fprintf(stderr, "devices_setup: %s: %s\n", err->msg, strerror(err->errnum));
		_exit(7);
	}
	fstatat(rootfd, "dev", &dev, 0);
	for (const char *const *p =
	         (const char *const[]){"dev/null", "dev/zero", "dev/full", "dev/random",
	                               "dev/urandom", "dev/tty", NULL};
	     *p; p++) {
		/* a node of the host's devtmpfs, not of our tmpfs: a bind mount */
		if (fstatat(rootfd, *p, &st, 0) < 0 || !S_ISCHR(st.st_mode) ||
		    st.st_dev == dev.st_dev) {
			fprintf(stderr, "%s is not a bind-mounted character device\n", *p);
			_exit(8);
		}
	}
	fstatat(rootfd, "dev/null", &st, 0);
	if (st.st_rdev != makedev(1, 3))
		_exit(9);
	/* a fifo is no device: made in place even here */
	if (fstatat(rootfd, "dev/pipe", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISFIFO(st.st_mode) ||
	    st.st_dev != dev.st_dev || (st.st_mode & 0777) != 0600)
		_exit(10);
	/* the bound node works */
	{
		int fd = openat(rootfd, "dev/zero", O_RDONLY | O_CLOEXEC);
		char b[4] = "xxx";
		if (fd < 0 || read(fd, b, 3) != 3 || b[0] || b[2])
			_exit(11);
		close(fd);
	}
	{
		char buf[32];
		ssize_t n = readlinkat(rootfd, "dev/ptmx", buf, sizeof(buf));
		if (n != 8 || memcmp(buf, "pts/ptmx", 8))
			_exit(12);
	}
	_exit(0);
}

TEST(user_namespace_bind_mounts)
{
	int to_child[2], from_child[2], status;
	char path[64], c;
	pid_t pid;

	SKIP_UNLESS_ROOT();
	CHECK_INT(pipe(to_child), 0);
	CHECK_INT(pipe(from_child), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int sync[2] = {to_child[0], from_child[1]};
		close(to_child[1]);
		close(from_child[0]);
		userns_child(sync);
	}
	close(to_child[0]);
	close(from_child[1]);
	if (read(from_child[0], &c, 1) != 1 || c != 'u') {
		int e = 0;
		if (c == 'e' && read(from_child[0], &e, sizeof(e)) == sizeof(e)) {
			waitpid(pid, &status, 0);
			/* EINVAL: a multithreaded process, which qemu-user is */
			unit_skip("unshare(CLONE_NEWUSER): %s", strerror(e));
		}
		waitpid(pid, &status, 0);
		unit_fail(__FILE__, __LINE__, "child died before unsharing: status 0x%x", status);
		return;
	}
	/* root of the namespace is root outside, so the scratch directory stays reachable; the
	 * namespace still has no CAP_MKNOD over the host's devices */
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	CHECK(write_text(path, "0 0 4294967295\n"));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	CHECK(write_text(path, "0 0 4294967295\n"));
	CHECK_INT(write(to_child[1], "g", 1), 1);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		unit_fail(__FILE__, __LINE__,
		          "user namespace child: status 0x%x (see its exit codes)", status);
}
