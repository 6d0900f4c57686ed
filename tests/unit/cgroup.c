/* libbb/cgroup*.c: cgroupsPath forms and linux.resources parsing as pure tests; then real
 * cgroups, as root, on whatever layout this kernel has: each test makes its own cgroup (a
 * relative path, "ocibox-test-PID-N", so a test process never leaves the memory cgroup it was
 * started in), puts forked children in it, reads the files back and destroys it. The v1 cases
 * run on v1 and hybrid hosts, the v2 cases where /sys/fs/cgroup is cgroup2 with controllers
 * (the qemu VM); each skips with the reason elsewhere. */
#include "unit.h"
#include "cgroup.h"
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* ---- helpers ---- */

static struct cgroup_resources *res(const char *json)
{
	cleanup_err struct error *err = NULL;
	struct json *j = json_parse(json, strlen(json), NULL, &err);
	struct cgroup_resources *r;

	CHECK(j != NULL);
	r = cgroup_resources_parse(j, &err);
	if (!r)
		printf("    resources: %s\n", err ? err->msg : "?");
	json_free(j);
	return r;
}

/* The parse error for JSON, or "" if it parsed. */
static char *res_error(const char *json)
{
	cleanup_err struct error *err = NULL;
	struct json *j = json_parse(json, strlen(json), NULL, &err);
	struct cgroup_resources *r = j ? cgroup_resources_parse(j, &err) : NULL;

	json_free(j);
	cgroup_resources_free(r);
	return xstrdup(r ? "" : err && err->msg ? err->msg : "?");
}

static char *path_error(const char *spec)
{
	cleanup_err struct error *err = NULL;
	struct cgroup *cg = cgroup_new(spec, "id", &err);

	cgroup_free(cg);
	return xstrdup(cg ? "" : err && err->msg ? err->msg : "?");
}

static char *relpath(const char *spec, const char *id)
{
	cleanup_err struct error *err = NULL;
	struct cgroup *cg = cgroup_new(spec, id, &err);
	char *s = xstrdup(cg ? cgroup_relpath(cg) : "(error)");

	cgroup_free(cg);
	return s;
}

/* A file's first line, "" if unreadable. */
static char *line(const char *dir, const char *file)
{
	char path[4096];
	char *s;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "(none)", file);
	s = read_file_at(AT_FDCWD, path, 1 << 20, NULL);
	if (!s)
		return xstrdup("");
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static bool has_file(const char *dir, const char *file)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return dir && access(path, F_OK) == 0;
}

static bool procs_has(const char *dir, pid_t pid)
{
	char path[4096], want[24];
	cleanup_free char *s = NULL;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	s = read_file_at(AT_FDCWD, path, 1 << 20, NULL);
	snprintf(want, sizeof(want), "%d", (int)pid);
	for (char *p = s; p && *p; p += strcspn(p, "\n"), p += *p == '\n')
		if (strncmp(p, want, strlen(want)) == 0 &&
		    (p[strlen(want)] == '\n' || !p[strlen(want)]))
			return true;
	return false;
}

static void need_v1(void)
{
	SKIP_UNLESS_ROOT();
	if (cgroup_layout() != CGROUP_V1 && cgroup_layout() != CGROUP_HYBRID)
		unit_skip("cgroup layout is %s, these cases are for v1 and hybrid",
		          cgroup_layout_name(cgroup_layout()));
}

static void need_v2(void)
{
	cleanup_free char *ctrls = NULL;

	SKIP_UNLESS_ROOT();
	if (cgroup_layout() != CGROUP_V2)
		unit_skip("cgroup layout is %s; the v2 cases need /sys/fs/cgroup as cgroup2 with "
		          "controllers (the qemu VM)",
		          cgroup_layout_name(cgroup_layout()));
	ctrls = line("/sys/fs/cgroup", "cgroup.controllers");
	if (!strstr(ctrls, "memory") || !strstr(ctrls, "pids") || !strstr(ctrls, "cpu"))
		unit_skip("cgroup2 offers only \"%s\"", ctrls);
}

/* A new cgroup of this test's own, created; NULL (and a failed check) if it could not be. */
static struct cgroup *new_cg(const char *suffix)
{
	static int n;
	cleanup_err struct error *err = NULL;
	char path[128];
	struct cgroup *cg;

	snprintf(path, sizeof(path), "ocibox-test-%d-%d%s", (int)getpid(), n++, suffix);
	cg = cgroup_new(path, "id", &err);
	CHECK(cg != NULL);
	if (cg && cgroup_create(cg, &err) < 0) {
		printf("    create: %s: %s\n", err->msg, strerror(err->errnum));
		CHECK(!"cgroup_create");
		cgroup_free(cg);
		return NULL;
	}
	return cg;
}

static void destroy(struct cgroup *cg)
{
	cleanup_err struct error *err = NULL;

	if (!cg)
		return;
	if (cgroup_destroy(cg, &err) < 0)
		printf("    destroy: %s: %s\n", err->msg, strerror(err->errnum));
	CHECK(!err);
	cgroup_free(cg);
}

static int apply(struct cgroup *cg, const char *json, char **msg)
{
	cleanup_err struct error *err = NULL;
	struct cgroup_resources *r = res(json);
	int ret;

	if (!r)
		return -EINVAL;
	ret = cgroup_apply(cg, r, &err);
	if (msg)
		*msg = xstrdup(err && err->msg ? err->msg : "");
	else if (ret < 0)
		printf("    apply: %s: %s\n", err->msg, strerror(err->errnum));
	cgroup_resources_free(r);
	return ret;
}

/* A child that waits to be killed; it dies with us. */
static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	CHECK(pid > 0);
	return pid;
}

static int reap(pid_t pid)
{
	int status = 0;

	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	return status;
}

static void enter(struct cgroup *cg, pid_t pid)
{
	cleanup_err struct error *err = NULL;

	if (cgroup_enter(cg, pid, &err) < 0)
		printf("    enter: %s: %s\n", err->msg, strerror(err->errnum));
	CHECK(!err);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* ---- cgroupsPath ---- */

TEST(path_default_and_absolute)
{
	cleanup_free char *a = relpath(NULL, "abc"), *b = relpath("", "abc");
	cleanup_free char *c = relpath("/a//b/./c/", "x"), *d = relpath("/docker/123", "x");

	CHECK_STR(a, "/ocibox/abc");
	CHECK_STR(b, "/ocibox/abc");
	CHECK_STR(c, "/a/b/c");
	CHECK_STR(d, "/docker/123");
}

TEST(path_slice_form)
{
	static const struct {
		const char *spec, *want;
	} cases[] = {
	    {"system.slice:docker:abc", "/system.slice/docker-abc.scope"},
	    {"system.slice:cri-containerd:f00", "/system.slice/cri-containerd-f00.scope"},
	    {"machine-a-b.slice:libpod:1", "/machine.slice/machine-a.slice/machine-a-b.slice/"
	                                   "libpod-1.scope"},
	    {":podman:x", "/system.slice/podman-x.scope"},
	    {"-.slice:p:n", "/p-n.scope"},
	    {"user.slice:p:sub.slice", "/user.slice/sub.slice"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cleanup_free char *got = relpath(cases[i].spec, "id");

		CHECK_STR(got, cases[i].want);
	}
}

TEST(path_relative_resolves_from_own_cgroup)
{
	cleanup_err struct error *err = NULL;
	cleanup_free char *self = read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 20, NULL);
	struct cgroup *cg = cgroup_new("rel/./sub", "id", &err);
	const char *mem, *v2;

	CHECK(cg != NULL);
	if (!cg)
		return;
	CHECK_STR(cgroup_relpath(cg), "rel/sub");
	/* v1: under our own cgroup in that hierarchy, as /proc/self/cgroup names it */
	mem = cgroup_dir(cg, "memory");
	if (mem && cgroup_layout() != CGROUP_V2) {
		const char *l = strstr(self, ":memory:");
		char want[4096];
		int n = (int)strcspn(l + 8, "\n");

		CHECK(l != NULL);
		snprintf(want, sizeof(want), "/sys/fs/cgroup/memory%.*s/rel/sub", n == 1 ? 0 : n,
		         l + 8);
		if (str_has_prefix(mem, "/sys/fs/cgroup/memory"))
			CHECK_STR(mem, want);
	}
	/* cgroup2: under the parent of our own cgroup */
	v2 = cgroup_dir(cg, NULL);
	if (v2) {
		const char *l = strstr(self, "0::");
		cleanup_free char *own = xstrndup(l + 3, strcspn(l + 3, "\n"));
		char *slash = strrchr(own, '/');

		*slash = '\0';
		CHECK(str_has_suffix(v2, "/rel/sub"));
		CHECK(strstr(v2, own) != NULL);
		CHECK(strstr(v2, "//") == NULL);
	}
	cgroup_free(cg);
}

TEST(path_hostile_forms_refused)
{
	static const char *const bad[] = {
	    "/a/../b",        "../x",          "a/..",           "..",         "/..", "/",
	    "foo.slice:p:..", "notaslice:p:n", "a--b.slice:p:n", "x.slice:p:", "a:b", "a:b:c:d",
	    "x.slice:p/q:n"};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cleanup_free char *e = path_error(bad[i]);

		if (!*e)
			printf("    accepted: %s\n", bad[i]);
		CHECK(*e);
	}
	{
		cleanup_free char *e = path_error("/a/../b");
		CHECK(strstr(e, "\"..\"") != NULL);
	}
	{
		cleanup_free char *dots = relpath(NULL, ".."), *slash = relpath(NULL, "a/b");
		CHECK_STR(dots, "(error)");
		CHECK_STR(slash, "(error)");
	}
}

/* ---- linux.resources ---- */

TEST(resources_parse_and_refuse)
{
	static const struct {
		const char *json, *want; /* want: part of the error, "" for success */
	} cases[] = {
	    {"{}", ""},
	    {"null", ""},
	    {"{\"memory\":{\"limit\":-1,\"swap\":-1,\"swappiness\":60,\"disableOOMKiller\":true},"
	     "\"cpu\":{\"shares\":1024,\"quota\":-1,\"cpus\":\"0-1\",\"mems\":\"0\"},"
	     "\"pids\":{\"limit\":-1},\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
	     "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}],"
	     "\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
	     "\"rate\":1048576}]},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}],"
	     "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]}"
	     ","
	     "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}},\"unified\":{\"io.weight\":\"100\"},"
	     "\"futureKey\":{\"x\":1}}",
	     ""},
	    {"{\"memory\":{\"swappiness\":101}}", "swappiness"},
	    {"{\"memory\":{\"limit\":\"1G\"}}", "memory.limit: expected an integer"},
	    {"{\"memory\":{\"disableOOMKiller\":1}}", "expected a boolean"},
	    {"{\"cpu\":{\"shares\":-5}}", "cpu.shares: -5 out of range"},
	    {"{\"cpu\":{\"cpus\":\"0;rm\"}}", "cpu.cpus"},
	    {"{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}", "type must be"},
	    {"{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}", "access"},
	    {"{\"devices\":[{\"type\":\"c\"}]}", "allow"},
	    {"{\"devices\":{}}", "expected an array"},
	    {"{\"hugepageLimits\":[{\"pageSize\":\"../2MB\",\"limit\":1}]}", "pageSize"},
	    {"{\"unified\":{\"../memory.max\":\"1\"}}", "bad key"},
	    {"{\"unified\":{\"a/b\":\"1\"}}", "bad key"},
	    {"{\"unified\":{\"memory.max\":1}}", "expected a string"},
	    {"{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"rate\":1}]}}",
	     "major and minor"},
	    {"{\"network\":{\"priorities\":[{\"name\":\"eth 0\",\"priority\":1}]}}", "priorities"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cleanup_free char *e = res_error(cases[i].json);

		if (*cases[i].want ? !strstr(e, cases[i].want) : *e != '\0')
			printf("    case %zu: got \"%s\", wanted \"%s\"\n", i, e, cases[i].want);
		CHECK(*cases[i].want ? strstr(e, cases[i].want) != NULL : *e == '\0');
	}
}

TEST(layout_is_probed)
{
	enum cgroup_layout l = cgroup_layout();
	cleanup_free char *mi = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 22, NULL);
	bool v1 = mi && strstr(mi, " - cgroup "), v2 = mi && strstr(mi, " - cgroup2 ");

	CHECK(l == cgroup_layout()); /* probed once, the same after */
	CHECK_STR(cgroup_layout_name(CGROUP_HYBRID), "hybrid");
	CHECK_STR(cgroup_layout_name(CGROUP_V2), "v2");
	if (v1 && v2)
		CHECK(l == CGROUP_HYBRID ||
		      l == CGROUP_V2); /* v2 if the v1 mounts hold no controller */
	else if (v1)
		CHECK_INT(l, CGROUP_V1);
	else if (v2)
		CHECK_INT(l, CGROUP_V2);
	else
		CHECK_INT(l, CGROUP_NONE);
}

/* ---- v1 and hybrid, for real ---- */

TEST(v1_child_in_every_hierarchy)
{
	cleanup_err struct error *err = NULL;
	cleanup_free char *mi = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 22, NULL);
	struct cgroup *cg;
	pid_t pid, *pids = NULL;
	size_t n = 0, found = 0;

	need_v1();
	if (!(cg = new_cg("")))
		return;
	pid = sleeper();
	enter(cg, pid);
	/* every cgroup mount of the host, by its mount point's name */
	for (char *l = mi; l && *l; l += strcspn(l, "\n"), l += *l == '\n') {
		char point[512], type[32], opts[512];
		const char *dash = strstr(l, " - ");
		const char *dir;

		if (!dash || sscanf(l, "%*s %*s %*s %*s %511s", point) != 1 ||
		    sscanf(dash, " - %31s %*s %511s", type, opts) != 2)
			continue;
		if (STREQ(type, "cgroup2")) {
			dir = cgroup_dir(cg, NULL);
		} else if (STREQ(type, "cgroup")) {
			char *c = strrchr(opts, ',');
			dir = cgroup_dir(cg, c ? c + 1 : opts);
		} else {
			continue;
		}
		CHECK(dir != NULL);
		if (dir && !procs_has(dir, pid))
			printf("    pid %d not in %s\n", (int)pid, dir);
		found += dir && procs_has(dir, pid);
		CHECK(dir && procs_has(dir, pid));
	}
	CHECK(found >= 2);
	if (cgroup_layout() == CGROUP_HYBRID)
		CHECK(procs_has(cgroup_dir(cg, NULL), pid));
	CHECK_INT(cgroup_pids(cg, &pids, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK(n == 1 && pids[0] == pid);
	free(pids);
	reap(pid);
	destroy(cg);
}

TEST(v1_memory_limits)
{
	struct cgroup *cg;
	const char *d;
	pid_t pid;

	need_v1();
	if (!(cg = new_cg("")))
		return;
	d = cgroup_dir(cg, "memory");
	if (!d) {
		destroy(cg);
		unit_skip("no memory hierarchy");
	}
	pid = sleeper();
	enter(cg, pid);
	CHECK_INT(apply(cg,
	                "{\"memory\":{\"limit\":67108864,\"reservation\":33554432,"
	                "\"swappiness\":10,\"disableOOMKiller\":true}}",
	                NULL),
	          0);
	{
		cleanup_free char *lim = line(d, "memory.limit_in_bytes");
		cleanup_free char *soft = line(d, "memory.soft_limit_in_bytes");
		cleanup_free char *swp = line(d, "memory.swappiness");
		cleanup_free char *oc = line(d, "memory.oom_control");

		CHECK_STR(lim, "67108864");
		CHECK_STR(soft, "33554432");
		CHECK_STR(swp, "10");
		CHECK_STR(oc, "oom_kill_disable 1");
	}
	reap(pid);
	destroy(cg);
}

TEST(v1_memsw_is_memory_plus_swap_and_update_orders_writes)
{
	struct cgroup *cg;
	const char *d;

	need_v1();
	if (!(cg = new_cg("")))
		return;
	d = cgroup_dir(cg, "memory");
	if (!d || !has_file(d, "memory.memsw.limit_in_bytes")) {
		destroy(cg);
		unit_skip("no memory.memsw.limit_in_bytes: the kernel has no swap accounting "
		          "(swapaccount=1)");
	}
	CHECK_INT(apply(cg, "{\"memory\":{\"limit\":67108864,\"swap\":134217728}}", NULL), 0);
	{
		cleanup_free char *lim = line(d, "memory.limit_in_bytes");
		cleanup_free char *sw = line(d, "memory.memsw.limit_in_bytes");
		CHECK_STR(lim, "67108864");
		CHECK_STR(sw, "134217728");
	}
	/* up: memsw must go first (memsw >= memory at every step) */
	CHECK_INT(apply(cg, "{\"memory\":{\"limit\":201326592,\"swap\":268435456}}", NULL), 0);
	{
		cleanup_free char *lim = line(d, "memory.limit_in_bytes");
		cleanup_free char *sw = line(d, "memory.memsw.limit_in_bytes");
		CHECK_STR(lim, "201326592");
		CHECK_STR(sw, "268435456");
	}
	/* down: memory must go first */
	CHECK_INT(apply(cg, "{\"memory\":{\"limit\":16777216,\"swap\":33554432}}", NULL), 0);
	{
		cleanup_free char *lim = line(d, "memory.limit_in_bytes");
		cleanup_free char *sw = line(d, "memory.memsw.limit_in_bytes");
		CHECK_STR(lim, "16777216");
		CHECK_STR(sw, "33554432");
	}
	/* unlimited memory, swap not given: both unlimited, as runc */
	CHECK_INT(apply(cg, "{\"memory\":{\"limit\":-1}}", NULL), 0);
	{
		cleanup_free char *lim = line(d, "memory.limit_in_bytes");
		cleanup_free char *sw = line(d, "memory.memsw.limit_in_bytes");
		CHECK_STR(lim, sw);
		CHECK(strtoull(lim, NULL, 10) > (1ULL << 62));
	}
	destroy(cg);
}

TEST(v1_refused_write_names_file_and_value)
{
	cleanup_free char *msg = NULL;
	struct cgroup *cg;
	const char *d;
	int ret;

	need_v1();
	if (!(cg = new_cg("")))
		return;
	d = cgroup_dir(cg, "memory");
	if (!d || !has_file(d, "memory.memsw.limit_in_bytes")) {
		destroy(cg);
		unit_skip("no memory.memsw.limit_in_bytes to provoke a refusal with");
	}
	/* memsw below memory: the kernel says EINVAL, and we say which file and value */
	CHECK_INT(apply(cg, "{\"memory\":{\"limit\":67108864,\"swap\":67108864}}", NULL), 0);
	ret = apply(cg, "{\"memory\":{\"swap\":4096}}", &msg);
	CHECK(ret < 0);
	CHECK_STR(msg, "cgroup: memory.memsw.limit_in_bytes: write 4096");
	destroy(cg);
}

TEST(v1_cpu_and_cpuset)
{
	struct cgroup *cg;
	const char *cpu, *cs;

	need_v1();
	if (!(cg = new_cg("")))
		return;
	cpu = cgroup_dir(cg, "cpu");
	cs = cgroup_dir(cg, "cpuset");
	if (!cpu || !cs) {
		destroy(cg);
		unit_skip("no cpu or cpuset hierarchy");
	}
	{ /* a new cpuset cgroup got its parent's cpus and mems, or nothing could join it */
		cleanup_free char *cpus = line(cs, "cpuset.cpus"), *mems = line(cs, "cpuset.mems");
		CHECK(*cpus && *mems);
	}
	CHECK_INT(apply(cg,
	                "{\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,"
	                "\"cpus\":\"0\",\"mems\":\"0\"}}",
	                NULL),
	          0);
	{
		cleanup_free char *sh = line(cpu, "cpu.shares"), *q = line(cpu, "cpu.cfs_quota_us");
		cleanup_free char *p = line(cpu, "cpu.cfs_period_us"), *c = line(cs, "cpuset.cpus");
		cleanup_free char *m = line(cs, "cpuset.mems");
		CHECK_STR(sh, "512");
		CHECK_STR(q, "50000");
		CHECK_STR(p, "100000");
		CHECK_STR(c, "0");
		CHECK_STR(m, "0");
	}
	/* update: a shorter period with a smaller quota, and unlimited again */
	CHECK_INT(apply(cg, "{\"cpu\":{\"shares\":2048,\"quota\":10000,\"period\":20000}}", NULL),
	          0);
	{
		cleanup_free char *sh = line(cpu, "cpu.shares"), *q = line(cpu, "cpu.cfs_quota_us");
		cleanup_free char *p = line(cpu, "cpu.cfs_period_us");
		CHECK_STR(sh, "2048");
		CHECK_STR(q, "10000");
		CHECK_STR(p, "20000");
	}
	CHECK_INT(apply(cg, "{\"cpu\":{\"quota\":-1}}", NULL), 0);
	{
		cleanup_free char *q = line(cpu, "cpu.cfs_quota_us");
		CHECK_STR(q, "-1");
	}
	destroy(cg);
}

TEST(v1_pids_hugetlb_blkio_net)
{
	struct cgroup *cg;
	const char *d;
	cleanup_free char *dev = NULL;

	need_v1();
	if (!(cg = new_cg("")))
		return;
	if ((d = cgroup_dir(cg, "pids"))) {
		CHECK_INT(apply(cg, "{\"pids\":{\"limit\":42}}", NULL), 0);
		cleanup_free char *m = line(d, "pids.max");
		CHECK_STR(m, "42");
		CHECK_INT(apply(cg, "{\"pids\":{\"limit\":-1}}", NULL), 0);
		cleanup_free char *m2 = line(d, "pids.max");
		CHECK_STR(m2, "max");
	} else {
		printf("    (no pids hierarchy)\n");
	}
	if ((d = cgroup_dir(cg, "hugetlb")) && has_file(d, "hugetlb.2MB.limit_in_bytes")) {
		CHECK_INT(apply(cg,
		                "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}",
		                NULL),
		          0);
		cleanup_free char *l = line(d, "hugetlb.2MB.limit_in_bytes");
		CHECK_STR(l, "4194304");
		if (has_file(d, "hugetlb.2MB.rsvd.limit_in_bytes")) {
			cleanup_free char *rl = line(d, "hugetlb.2MB.rsvd.limit_in_bytes");
			CHECK_STR(rl, "4194304");
		}
	} else {
		printf("    (no hugetlb hierarchy with 2MB pages)\n");
	}
	/* throttling needs a real block device: this machine's first disk */
	dev = line("/sys/block/vda", "dev");
	if (!*dev) {
		free(dev);
		dev = line("/sys/block/sda", "dev");
	}
	if ((d = cgroup_dir(cg, "blkio")) && *dev) {
		char json[256], want[64];
		unsigned maj, min;

		CHECK(sscanf(dev, "%u:%u", &maj, &min) == 2);
		snprintf(
		    json, sizeof(json),
		    "{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":%u,"
		    "\"minor\":%u,\"rate\":1048576}],\"throttleWriteIOPSDevice\":[{\"major\":%u,"
		    "\"minor\":%u,\"rate\":100}]}}",
		    maj, min, maj, min);
		CHECK_INT(apply(cg, json, NULL), 0);
		snprintf(want, sizeof(want), "%u:%u 1048576", maj, min);
		cleanup_free char *rb = line(d, "blkio.throttle.read_bps_device");
		CHECK_STR(rb, want);
		snprintf(want, sizeof(want), "%u:%u 100", maj, min);
		cleanup_free char *wi = line(d, "blkio.throttle.write_iops_device");
		CHECK_STR(wi, want);
	}
	if ((d = cgroup_dir(cg, "net_cls"))) {
		CHECK_INT(apply(cg, "{\"network\":{\"classID\":1048577}}", NULL), 0);
		cleanup_free char *c = line(d, "net_cls.classid");
		CHECK_STR(c, "1048577");
	} else {
		/* asked for and not enforceable is an error, naming the controller */
		cleanup_free char *msg = NULL;
		CHECK(apply(cg, "{\"network\":{\"classID\":1048577}}", &msg) < 0);
		CHECK(strstr(msg, "net_cls") != NULL);
	}
	destroy(cg);
}

TEST(v1_blkio_weight)
{
	struct cgroup *cg;
	const char *d;
	const char *file;

	need_v1();
	if (!(cg = new_cg("")))
		return;
	d = cgroup_dir(cg, "blkio");
	file = d && has_file(d, "blkio.weight")       ? "blkio.weight"
	       : d && has_file(d, "blkio.bfq.weight") ? "blkio.bfq.weight"
	                                              : NULL;
	if (!file) {
		destroy(cg);
		unit_skip("no blkio.weight or blkio.bfq.weight: no CFQ/BFQ scheduler here");
	}
	CHECK_INT(apply(cg, "{\"blockIO\":{\"weight\":300}}", NULL), 0);
	{
		cleanup_free char *w = line(d, file);
		CHECK(strstr(w, "300") != NULL);
	}
	destroy(cg);
}

TEST(v1_devices_list_and_enforced)
{
	struct cgroup *cg;
	const char *d;
	cleanup_free char *list = NULL;
	char path[4096];
	int pfd[2], status;
	pid_t pid;
	char go = 0;

	need_v1();
	if (!(cg = new_cg("")))
		return;
	if (!(d = cgroup_dir(cg, "devices"))) {
		destroy(cg);
		unit_skip("no devices hierarchy");
	}
	CHECK_INT(
	    apply(cg,
	          "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
	          "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
	          "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"r\"},"
	          "{\"allow\":true,\"type\":\"b\",\"access\":\"m\"}]}",
	          NULL),
	    0);
	snprintf(path, sizeof(path), "%s/devices.list", d);
	list = read_file_at(AT_FDCWD, path, 1 << 16, NULL);
	CHECK(list && strstr(list, "c 1:3 rwm\n"));
	CHECK(list && strstr(list, "c 1:5 r\n"));
	CHECK(list && strstr(list, "b *:* m\n"));
	CHECK(list && !strstr(list, "a *:* rwm"));
	/* and the kernel enforces it on a child inside */
	CHECK(pipe(pfd) == 0);
	pid = fork();
	if (pid == 0) {
		int bad = 0, fd;

		close(pfd[1]);
		if (read(pfd[0], &go, 1) != 1)
			_exit(99);
		fd = open("/dev/null", O_RDWR);
		bad |= fd < 0 ? 1 : 0;
		close(fd);
		fd = open("/dev/zero", O_RDONLY);
		bad |= fd < 0 ? 2 : 0;
		close(fd);
		bad |= open("/dev/zero", O_WRONLY) >= 0 || errno != EPERM ? 4 : 0;
		bad |= open("/dev/full", O_RDONLY) >= 0 || errno != EPERM ? 8 : 0;
		_exit(bad);
	}
	close(pfd[0]);
	enter(cg, pid);
	CHECK(write(pfd[1], &go, 1) == 1);
	close(pfd[1]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
	destroy(cg);
}

struct counter {
	volatile unsigned long n;
};

static pid_t counting_child(struct counter *c)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			c->n++;
	}
	return pid;
}

static unsigned long wait_progress(struct counter *c, unsigned long from)
{
	for (int i = 0; i < 5000 && c->n == from; i++)
		sleep_ms(1);
	return c->n;
}

TEST(freeze_stops_a_busy_child)
{
	cleanup_err struct error *err = NULL;
	struct counter *c =
	    mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct cgroup *cg;
	unsigned long a, b;
	pid_t pid;

	SKIP_UNLESS_ROOT();
	if (cgroup_layout() == CGROUP_NONE)
		unit_skip("no cgroups mounted");
	CHECK(c != MAP_FAILED);
	if (!(cg = new_cg("")))
		return;
	pid = counting_child(c);
	enter(cg, pid);
	a = wait_progress(c, 0);
	CHECK(a > 0);
	CHECK_INT(cgroup_is_frozen(cg), 0);
	if (cgroup_freeze(cg, true, &err) < 0)
		printf("    freeze: %s: %s\n", err->msg, strerror(err->errnum));
	CHECK(!err);
	CHECK_INT(cgroup_is_frozen(cg), 1);
	a = c->n;
	sleep_ms(50);
	b = c->n;
	CHECK(a == b); /* frozen: not one more increment */
	{
		char path[64], st = 0;
		cleanup_free char *stat = NULL;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		stat = read_file_at(AT_FDCWD, path, 4096, NULL);
		if (stat && strrchr(stat, ')'))
			st = strrchr(stat, ')')[2];
		CHECK(st != 'R'); /* not running */
	}
	CHECK_INT(cgroup_freeze(cg, false, &err), 0);
	CHECK_INT(cgroup_is_frozen(cg), 0);
	CHECK(wait_progress(c, b) != b); /* runs again */
	reap(pid);
	destroy(cg);
	munmap(c, sizeof(*c));
}

/* A child that forks a grandchild, both sleeping: kill_all must get both. */
static pid_t family(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fork() == 0)
			for (;;)
				pause();
		for (;;)
			pause();
	}
	return pid;
}

static void kill_all_case(int sig)
{
	cleanup_err struct error *err = NULL;
	pid_t kids[3], *pids = NULL;
	struct cgroup *cg;
	size_t n = 0;
	int status;

	SKIP_UNLESS_ROOT();
	if (cgroup_layout() == CGROUP_NONE)
		unit_skip("no cgroups mounted");
	if (!(cg = new_cg("")))
		return;
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			/* stopped until we are in the cgroup, so the grandchild is born there */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			raise(SIGSTOP);
			if (i == 0) {
				pid_t f = family();
				(void)f;
			}
			for (;;)
				pause();
		}
		waitpid(kids[i], &status, WUNTRACED);
		enter(cg, kids[i]);
		kill(kids[i], SIGCONT);
	}
	/* wait until kid 0's family is in: 3 kids + its child + grandchild */
	for (int i = 0; i < 5000; i++) {
		free(pids);
		pids = NULL;
		if (cgroup_pids(cg, &pids, &n, &err) < 0 || n >= 5)
			break;
		sleep_ms(1);
	}
	CHECK_INT(n, 5);
	free(pids);
	pids = NULL;
	if (cgroup_kill_all(cg, sig, &err) < 0)
		printf("    kill_all: %s: %s\n", err->msg, strerror(err->errnum));
	CHECK(!err);
	for (int i = 0; i < 3; i++) {
		CHECK(waitpid(kids[i], &status, 0) == kids[i]);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == sig);
	}
	/* the orphans too: the cgroup empties */
	for (int i = 0; i < 5000; i++) {
		free(pids);
		pids = NULL;
		if (cgroup_pids(cg, &pids, &n, &err) < 0 || n == 0)
			break;
		sleep_ms(1);
	}
	CHECK_INT(n, 0);
	free(pids);
	destroy(cg);
}

TEST(kill_all_sigkill)
{
	kill_all_case(SIGKILL); /* cgroup.kill where the kernel has it */
}

TEST(kill_all_sigterm_walks_the_list)
{
	kill_all_case(SIGTERM); /* freeze, signal each, thaw */
}

TEST(stats_json_has_runc_keys)
{
	cleanup_err struct error *err = NULL;
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	struct cgroup *cg;
	struct json *j;
	uint64_t v;
	pid_t pid;

	SKIP_UNLESS_ROOT();
	if (cgroup_layout() == CGROUP_NONE)
		unit_skip("no cgroups mounted");
	if (!(cg = new_cg("")))
		return;
	pid = sleeper();
	enter(cg, pid);
	CHECK_INT(apply(cg, "{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":100}}", NULL), 0);
	jw_init(&w, &sb, 0);
	CHECK_INT(cgroup_stats(cg, &w, &err), 0);
	j = json_parse(sb.buf, sb.len, NULL, &err);
	if (!j)
		printf("    %s\n    %s\n", err->msg, sb.buf);
	CHECK(j != NULL);
	CHECK(json_get_u64(json_get(json_get(j, "cpu"), "usage"), "kernel", &v));
	CHECK(json_get_u64(json_get(json_get(j, "cpu"), "usage"), "user", &v));
	CHECK(json_get(json_get(j, "cpu"), "throttling") != NULL);
	CHECK(json_get_u64(json_get(json_get(j, "memory"), "usage"), "limit", &v));
	CHECK_INT(v, 67108864);
	CHECK(json_get_u64(json_get(json_get(j, "memory"), "usage"), "failcnt", &v));
	CHECK(json_get(json_get(j, "memory"), "swap") != NULL);
	CHECK(json_get(json_get(j, "memory"), "kernel") != NULL);
	CHECK(json_get(json_get(j, "memory"), "raw") != NULL);
	CHECK(json_get_u64(json_get(j, "pids"), "current", &v));
	CHECK(v >= 1); /* tasks, not processes: qemu-user gives the child a thread of its own */
	CHECK(json_get_u64(json_get(j, "pids"), "limit", &v));
	CHECK_INT(v, 100);
	CHECK(json_get(j, "blkio") && json_get(j, "blkio")->type == JSON_OBJECT);
	CHECK(json_get(j, "hugetlb") && json_get(j, "hugetlb")->type == JSON_OBJECT);
	if (cgroup_dir(cg, "hugetlb") && has_file(cgroup_dir(cg, "hugetlb"), "hugetlb.2MB.failcnt"))
		CHECK(json_get_u64(json_get(json_get(j, "hugetlb"), "2MB"), "failcnt", &v));
	json_free(j);
	sb_release(&sb);
	reap(pid);
	destroy(cg);
}

TEST(rollback_bad_cpuset_leaves_nothing)
{
	cleanup_free char *msg = NULL;
	struct cgroup *cg;
	char *dirs[32];
	size_t n = 0;
	const char *ctrls[] = {"cpuset", "memory", "cpu", "pids", "devices", "freezer", NULL};

	SKIP_UNLESS_ROOT();
	if (cgroup_layout() == CGROUP_NONE)
		unit_skip("no cgroups mounted");
	if (!(cg = new_cg("/nested")))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(ctrls) && n < ARRAY_SIZE(dirs); i++)
		if (cgroup_dir(cg, ctrls[i]))
			dirs[n++] = xstrdup(cgroup_dir(cg, ctrls[i]));
	/* the create-then-apply sequence of a runtime: a refused value undoes the create */
	CHECK(apply(cg, "{\"cpu\":{\"cpus\":\"999\"}}", &msg) < 0);
	CHECK(strstr(msg, "cpuset.cpus") != NULL);
	CHECK(strstr(msg, "999") != NULL);
	destroy(cg);
	/* nor the parent "ocibox-test-..." that this create made on the way */
	for (size_t i = 0; i < n; i++) {
		*strrchr(dirs[i], '/') = '\0';
		if (access(dirs[i], F_OK) == 0)
			printf("    left behind: %s\n", dirs[i]);
		CHECK(access(dirs[i], F_OK) < 0);
		free(dirs[i]);
	}
}

TEST(create_rolls_back_what_it_made)
{
	cleanup_err struct error *err = NULL;
	struct cgroup *parent, *child;
	char path[128], p[4096];
	const char *ctrls[] = {NULL,   "cpuset",  "memory",  "cpu",
	                       "pids", "devices", "freezer", "hugetlb"};
	int fd;

	SKIP_UNLESS_ROOT();
	if (cgroup_layout() != CGROUP_HYBRID && cgroup_layout() != CGROUP_V2)
		unit_skip("needs a cgroup2 hierarchy (cgroup.max.depth) to make a mkdir fail");
	if (!(parent = new_cg("")))
		return;
	/* cgroup2 lets parent/a be made and refuses parent/a/b: on hybrid the v1 hierarchies,
	 * made first, have both by then */
	snprintf(p, sizeof(p), "%s/cgroup.max.depth", cgroup_dir(parent, NULL));
	fd = open(p, O_WRONLY);
	CHECK(fd >= 0 && write(fd, "1", 1) == 1);
	close(fd);
	snprintf(path, sizeof(path), "%s/a/b", cgroup_relpath(parent));
	child = cgroup_new(path, "id", &err);
	CHECK(child != NULL);
	CHECK(cgroup_create(child, &err) < 0);
	CHECK(err && strstr(err->msg, "mkdir") != NULL);
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		const char *d = cgroup_dir(parent, ctrls[i]);

		if (!d)
			continue;
		snprintf(p, sizeof(p), "%s/a", d);
		if (access(p, F_OK) == 0)
			printf("    left behind: %s\n", p);
		CHECK(access(p, F_OK) < 0);
	}
	cgroup_free(child);
	destroy(parent);
}

/* ---- the v2 device filter ---- */

static int prog_load(const char *json)
{
	cleanup_err struct error *err = NULL;
	struct cgroup_resources *r = res(json);
	int fd;

	if (!r)
		return -1;
	fd = cgroup_devices_prog_load(r, &err);
	if (fd < 0)
		printf("    %s: %s\n", err->msg, strerror(err->errnum));
	cgroup_resources_free(r);
	errno = err ? err->errnum : 0;
	return fd;
}

TEST(device_filter_passes_the_verifier)
{
	static const char *const lists[] = {
	    "{\"devices\":[]}",
	    "{\"devices\":[{\"allow\":true}]}",
	    "{\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\",\"major\":1,"
	    "\"minor\":3,\"access\":\"rw\"},{\"allow\":true,\"type\":\"c\",\"major\":136,"
	    "\"access\":\"rwm\"},{\"allow\":true,\"type\":\"b\",\"access\":\"m\"},"
	    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"m\"},"
	    "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"w\"}]}",
	    /* an allow-list made a deny-list half way */
	    "{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":1},"
	    "{\"allow\":true},{\"allow\":false,\"type\":\"b\",\"major\":8,\"access\":\"w\"}]}",
	};

	SKIP_UNLESS_ROOT();
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		int fd = prog_load(lists[i]);

		if (fd < 0 && i == 0 && (errno == ENOSYS || errno == EPERM))
			unit_skip("bpf(BPF_PROG_LOAD) not available: %s", strerror(errno));
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
	}
}

/* Opens /dev/null and /dev/zero read-write from a child inside CG; bit 0: null failed with
 * EPERM, bit 1: zero did; 99: something else went wrong. */
static int opens_from_inside(struct cgroup *cg)
{
	int pfd[2], status;
	pid_t pid;
	char go = 0;

	CHECK(pipe(pfd) == 0);
	pid = fork();
	if (pid == 0) {
		int r = 0, fd;

		close(pfd[1]);
		if (read(pfd[0], &go, 1) != 1)
			_exit(99);
		fd = open("/dev/null", O_RDWR);
		if (fd < 0)
			r |= errno == EPERM ? 1 : 64;
		close(fd);
		fd = open("/dev/zero", O_RDWR);
		if (fd < 0)
			r |= errno == EPERM ? 2 : 64;
		close(fd);
		_exit(r);
	}
	close(pfd[0]);
	enter(cg, pid);
	CHECK(write(pfd[1], &go, 1) == 1);
	close(pfd[1]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

static int attached_count(int cgfd)
{
	uint32_t ids[8];
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uintptr_t)ids;
	a.query.prog_cnt = 8;
	if (syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof(a)) < 0)
		return -1;
	return (int)a.query.prog_cnt;
}

TEST(device_filter_enforced_in_cgroup2)
{
	cleanup_err struct error *err = NULL;
	struct cgroup *cg;
	int cgfd, prog;

	SKIP_UNLESS_ROOT();
	if (cgroup_layout() == CGROUP_NONE || cgroup_layout() == CGROUP_V1)
		unit_skip("no cgroup2 hierarchy to attach a device program to");
	if (!(cg = new_cg("")))
		return;
	cgfd = open(cgroup_dir(cg, NULL), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(cgfd >= 0);
	CHECK_INT(opens_from_inside(cg), 0); /* nothing attached yet */
	prog = prog_load("{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
	                 "\"access\":\"rw\"}]}");
	if (prog < 0 && (errno == ENOSYS || errno == EPERM)) {
		int e = errno;

		close(cgfd);
		destroy(cg);
		unit_skip("bpf(BPF_PROG_LOAD) not available: %s", strerror(e));
	}
	CHECK(prog >= 0);
	if (cgroup_devices_prog_attach(cgfd, prog, &err) < 0) {
		int e = err->errnum;

		close(prog);
		close(cgfd);
		destroy(cg);
		unit_skip("BPF_PROG_ATTACH to a cgroup2 cgroup: %s", strerror(e));
	}
	close(prog);
	CHECK_INT(opens_from_inside(cg), 2); /* null allowed, zero denied */
	CHECK_INT(attached_count(cgfd), 1);
	/* an update replaces the filter: zero allowed now, null denied; still one program */
	prog = prog_load("{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5}]}");
	CHECK_INT(cgroup_devices_prog_attach(cgfd, prog, &err), 0);
	close(prog);
	CHECK_INT(opens_from_inside(cg), 1);
	CHECK_INT(attached_count(cgfd), 1);
	/* a deny-list: everything but zero's write */
	prog = prog_load("{\"devices\":[{\"allow\":true},{\"allow\":false,\"type\":\"c\","
	                 "\"major\":1,\"minor\":5,\"access\":\"w\"}]}");
	CHECK_INT(cgroup_devices_prog_attach(cgfd, prog, &err), 0);
	close(prog);
	CHECK_INT(opens_from_inside(cg), 2);
	close(cgfd);
	destroy(cg);
}

/* ---- cgroup_mount ---- */

struct mount_case {
	struct cgroup *cg;
	bool rdonly, cgroupns;
};

static void mount_child(void *arg)
{
	const struct mount_case *mc = arg;
	cleanup_err struct error *err = NULL;
	char target[1024], p[4200];
	bool hybrid = cgroup_layout() == CGROUP_HYBRID;
	const char *mem = cgroup_dir(mc->cg, "memory");

	if (mc->cgroupns) {
		cgroup_enter(mc->cg, getpid(), &err);
		if (err || unshare(CLONE_NEWCGROUP) < 0)
			_exit(10);
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(11);
	snprintf(target, sizeof(target), "%s/cg", unit_tmpdir());
	if (mkdir(target, 0755) < 0)
		_exit(12);
	if (cgroup_mount(mc->cg, target,
	                 MS_NOSUID | MS_NODEV | MS_NOEXEC | (mc->rdonly ? MS_RDONLY : 0),
	                 &err) < 0) {
		fprintf(stderr, "%s: %s\n", err->msg, strerror(err->errnum));
		_exit(13);
	}
	if (cgroup_layout() != CGROUP_V2) {
		snprintf(p, sizeof(p), "%s/memory/memory.limit_in_bytes", target);
		if (mem && access(p, F_OK) < 0)
			_exit(14);
		/* runc leaves a hybrid host's cgroup2 out of the container */
		snprintf(p, sizeof(p), "%s/unified", target);
		if (hybrid && access(p, F_OK) == 0)
			_exit(15);
		snprintf(p, sizeof(p), "%s/cpu/cpu.shares", target);
		if (cgroup_dir(mc->cg, "cpu") && access(p, F_OK) < 0)
			_exit(16);
	}
	if (cgroup_layout() != CGROUP_V2 && !mem)
		_exit(0); /* no v1 hierarchy here to probe */
	/* the container sees its own cgroup as the root: bound or namespaced */
	snprintf(p, sizeof(p), "%s/%s/ocibox-probe", target,
	         cgroup_layout() == CGROUP_V2 ? "." : "memory");
	if (mc->rdonly) {
		if (mkdir(p, 0755) == 0 || errno != EROFS)
			_exit(17);
		/* v1's tmpfs stays read-write, as runc leaves it; only the hierarchies are ro */
		snprintf(p, sizeof(p), "%s/newdir", target);
		if (cgroup_layout() == CGROUP_V2 ? mkdir(p, 0755) == 0 || errno != EROFS
		                                 : mkdir(p, 0755) < 0)
			_exit(18);
	} else {
		char probe[4096];

		if (mkdir(p, 0755) < 0)
			_exit(19);
		snprintf(probe, sizeof(probe), "%s/ocibox-probe",
		         mem ? mem : cgroup_dir(mc->cg, NULL));
		if (access(probe, F_OK) < 0) /* the same directory as the container's own */
			_exit(20);
		rmdir(p);
	}
	_exit(0);
}

static void mount_case(bool rdonly, bool cgroupns)
{
	struct mount_case mc = {.rdonly = rdonly, .cgroupns = cgroupns};
	cleanup_free char *out = NULL;
	int rc;

	SKIP_UNLESS_ROOT();
	if (cgroup_layout() == CGROUP_NONE)
		unit_skip("no cgroups mounted");
	if (!(mc.cg = new_cg("")))
		return;
	rc = unit_run_child(mount_child, &mc, &out);
	if (rc)
		printf("    child exit %d: %s\n", rc, out ? out : "");
	CHECK_INT(rc, 0);
	destroy(mc.cg);
}

TEST(mount_binds_the_container_cgroup)
{
	mount_case(false, false);
}

TEST(mount_read_only)
{
	mount_case(true, false);
}

TEST(mount_in_cgroup_namespace)
{
	mount_case(false, true);
}

/* ---- v2 (the qemu VM) ---- */

TEST(v2_limits_mapped_like_runc)
{
	struct cgroup *cg;
	const char *d;
	pid_t pid;

	need_v2();
	if (!(cg = new_cg("")))
		return;
	d = cgroup_dir(cg, NULL);
	pid = sleeper();
	enter(cg, pid);
	CHECK(procs_has(d, pid));
	CHECK_INT(apply(cg,
	                "{\"memory\":{\"limit\":67108864,\"swap\":100663296,"
	                "\"reservation\":33554432},\"cpu\":{\"shares\":1024,\"quota\":50000,"
	                "\"period\":100000},\"pids\":{\"limit\":42}}",
	                NULL),
	          0);
	{
		cleanup_free char *m = line(d, "memory.max"), *l = line(d, "memory.low");
		cleanup_free char *w = line(d, "cpu.weight"), *c = line(d, "cpu.max");
		cleanup_free char *p = line(d, "pids.max");

		CHECK_STR(m, "67108864");
		CHECK_STR(l, "33554432");
		CHECK_STR(w, "39"); /* 1 + (1024 - 2) * 9999 / 262142 */
		CHECK_STR(c, "50000 100000");
		CHECK_STR(p, "42");
		if (has_file(d, "memory.swap.max")) {
			cleanup_free char *s = line(d, "memory.swap.max");
			CHECK_STR(s, "33554432"); /* swap - limit */
		}
	}
	CHECK_INT(apply(cg,
	                "{\"memory\":{\"limit\":-1},\"cpu\":{\"quota\":-1},"
	                "\"pids\":{\"limit\":-1},\"unified\":{\"memory.high\":\"50000000\"}}",
	                NULL),
	          0);
	{
		cleanup_free char *m = line(d, "memory.max"), *c = line(d, "cpu.max");
		cleanup_free char *p = line(d, "pids.max"), *h = line(d, "memory.high");

		CHECK_STR(m, "max");
		CHECK(str_has_prefix(c, "max "));
		CHECK_STR(p, "max");
		CHECK_STR(h, "49999872"); /* page-aligned by the kernel */
	}
	if (has_file(d, "hugetlb.2MB.max")) {
		CHECK_INT(apply(cg,
		                "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}",
		                NULL),
		          0);
		cleanup_free char *hl = line(d, "hugetlb.2MB.max");
		CHECK_STR(hl, "4194304");
	}
	if (has_file(d, "cpuset.cpus")) {
		cleanup_free char *msg = NULL;

		CHECK_INT(apply(cg, "{\"cpu\":{\"cpus\":\"0\",\"mems\":\"0\"}}", NULL), 0);
		cleanup_free char *cpus = line(d, "cpuset.cpus");
		CHECK_STR(cpus, "0");
		CHECK(apply(cg, "{\"cpu\":{\"cpus\":\"999\"}}", &msg) < 0);
		CHECK_STR(msg, "cgroup: cpuset.cpus: write 999");
	}
	{ /* memory+swap below memory is refused before the kernel sees it */
		cleanup_free char *msg = NULL;

		CHECK(apply(cg, "{\"memory\":{\"limit\":67108864,\"swap\":4096}}", &msg) < 0);
		CHECK(strstr(msg, "memory.swap.max") != NULL);
	}
	{ /* realtime and net_cls have no v2 files: refused, not ignored */
		cleanup_free char *m1 = NULL, *m2 = NULL;

		CHECK(apply(cg, "{\"cpu\":{\"realtimeRuntime\":1000}}", &m1) < 0);
		CHECK(apply(cg, "{\"network\":{\"classID\":1}}", &m2) < 0);
	}
	reap(pid);
	destroy(cg);
}

TEST(v2_devices_by_bpf_through_apply)
{
	struct cgroup *cg;

	need_v2();
	if (!(cg = new_cg("")))
		return;
	CHECK_INT(apply(cg,
	                "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,"
	                "\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}",
	                NULL),
	          0);
	CHECK_INT(opens_from_inside(cg), 2);
	destroy(cg);
}
