/* Process attributes (include/caps.h): the capability and rlimit tables, config.json parsing
 * with its refusals, then applying both steps for real in a child (root needed) and reading
 * back what the kernel says: /proc/self/status, getrlimit, ioprio_get, sched_getattr,
 * personality; and after an exec of /bin/cat, what survived it. */
#include "unit.h"
#include "caps.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define BIT(c) ((uint64_t)1 << (c))

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

TEST(cap_names_both_ways)
{
	CHECK_INT(cap_from_name("CAP_CHOWN"), 0);
	CHECK_INT(cap_from_name("CAP_NET_BIND_SERVICE"), 10);
	CHECK_INT(cap_from_name("CAP_SYS_ADMIN"), 21);
	CHECK_INT(cap_from_name("CAP_AUDIT_READ"), 37);
	CHECK_INT(cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	CHECK_INT(cap_from_name("CAP_FOO"), -1);
	CHECK_INT(cap_from_name("cap_chown"), -1); /* exact spelling, as runc */
	CHECK_INT(cap_from_name("CHOWN"), -1);
	CHECK_INT(cap_from_name(""), -1);
	for (int c = 0; c <= 40; c++) {
		CHECK(cap_name(c) != NULL);
		CHECK(str_has_prefix(cap_name(c), "CAP_"));
		CHECK_INT(cap_from_name(cap_name(c)), c);
	}
	CHECK(cap_name(41) == NULL);
	CHECK(cap_name(-1) == NULL);
	CHECK_STR(cap_name(38), "CAP_PERFMON");
	CHECK_STR(cap_name(39), "CAP_BPF");
}

TEST(cap_last_cap_matches_proc)
{
	char *s = read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, NULL);

	if (!s)
		unit_skip("no /proc/sys/kernel/cap_last_cap");
	CHECK_INT(cap_last_cap(), atoi(s));
	CHECK_INT(cap_last_cap(), cap_last_cap()); /* cached, same answer */
	free(s);
}

TEST(caps_features_lists_every_name)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	struct json *j;

	jw_init(&w, &sb, 0);
	caps_features(&w);
	j = parse(sb.buf);
	CHECK(j && j->type == JSON_ARRAY);
	CHECK_INT(json_len(j), 41);
	CHECK_STR(json_at(j, 0)->str, "CAP_CHOWN");
	CHECK_STR(json_at(j, 40)->str, "CAP_CHECKPOINT_RESTORE");
	json_free(j);
	sb_release(&sb);
}

TEST(rlimit_names_both_ways)
{
	static const char *const names[] = {
	    "RLIMIT_CPU",      "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",
	    "RLIMIT_CORE",     "RLIMIT_RSS",   "RLIMIT_NPROC",  "RLIMIT_NOFILE",
	    "RLIMIT_MEMLOCK",  "RLIMIT_AS",    "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
	    "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
	};

	CHECK_INT(rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
	CHECK_INT(rlimit_from_name("RLIMIT_AS"), RLIMIT_AS);
	CHECK_INT(rlimit_from_name("RLIMIT_FOO"), -1);
	CHECK_INT(rlimit_from_name("NOFILE"), -1);
	CHECK_STR(rlimit_name(RLIMIT_NPROC), "RLIMIT_NPROC");
	CHECK(rlimit_name(1000) == NULL);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		int r = rlimit_from_name(names[i]);
		CHECK(r >= 0 && r < RLIM_NLIMITS);
		CHECK_STR(rlimit_name(r), names[i]);
	}
}

TEST(parse_everything)
{
	struct json *p =
	    parse("{\"user\":{\"uid\":1000,\"gid\":1001,\"umask\":23,\"additionalGids\":[5,6,7]},"
	          "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_NET_BIND_SERVICE\"],"
	          "\"effective\":[\"CAP_CHOWN\"],\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
	          "\"inheritable\":[],\"ambient\":[\"CAP_CHECKPOINT_RESTORE\"]},"
	          "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":4096},"
	          "{\"type\":\"RLIMIT_CORE\",\"soft\":18446744073709551615,"
	          "\"hard\":18446744073709551615}],"
	          "\"noNewPrivileges\":true,\"oomScoreAdj\":-17,"
	          "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":7},"
	          "\"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"runtime\":10000000,"
	          "\"deadline\":20000000,\"period\":30000000,"
	          "\"flags\":[\"SCHED_FLAG_RESET_ON_FORK\",\"SCHED_FLAG_DL_OVERRUN\"]},"
	          "\"args\":[\"sh\"],\"cwd\":\"/\"}");
	struct json *l = parse("{\"personality\":{\"domain\":\"LINUX32\","
	                       "\"flags\":[\"ADDR_NO_RANDOMIZE\"]}}");
	struct process_attrs a;
	struct error *err = NULL;

	CHECK_INT(process_attrs_parse(p, l, &a, &err), 0);
	if (err)
		unit_fail(__FILE__, __LINE__, "%s", err->msg);
	CHECK(a.has_caps);
	CHECK_INT(a.caps.bounding, BIT(0) | BIT(10));
	CHECK_INT(a.caps.effective, BIT(0));
	CHECK_INT(a.caps.permitted, BIT(0) | BIT(5));
	CHECK_INT(a.caps.inheritable, 0);
	CHECK_INT(a.caps.ambient, BIT(40));
	CHECK_INT(a.n_rlimits, 2);
	CHECK_INT(a.rlimits[0].resource, RLIMIT_NOFILE);
	CHECK_INT(a.rlimits[0].lim.rlim_cur, 1024);
	CHECK_INT(a.rlimits[0].lim.rlim_max, 4096);
	CHECK_INT(a.rlimits[1].resource, RLIMIT_CORE);
	CHECK(a.rlimits[1].lim.rlim_cur == RLIM_INFINITY);
	CHECK(a.rlimits[1].lim.rlim_max == RLIM_INFINITY);
	CHECK_INT(a.uid, 1000);
	CHECK_INT(a.gid, 1001);
	CHECK(a.has_umask);
	CHECK_INT(a.umask, 027); /* JSON has no octal: 23 */
	CHECK_INT(a.n_groups, 3);
	CHECK_INT(a.groups[2], 7);
	CHECK(a.no_new_privileges);
	CHECK(a.has_oom_score_adj);
	CHECK_INT(a.oom_score_adj, -17);
	CHECK(a.has_ioprio);
	CHECK_INT(a.ioprio, (3 << 13) | 7);
	CHECK(a.has_scheduler);
	CHECK_INT(a.sched_policy, 6);
	CHECK_INT(a.sched_flags, 0x01 | 0x04);
	CHECK_INT(a.sched_runtime, 10000000);
	CHECK_INT(a.sched_deadline, 20000000);
	CHECK_INT(a.sched_period, 30000000);
	CHECK(a.has_personality);
	CHECK_INT(a.personality, PER_LINUX32 | ADDR_NO_RANDOMIZE);
	process_attrs_free(&a);
	json_free(p);
	json_free(l);
}

TEST(parse_nothing)
{
	struct json *p = parse("{\"args\":[\"true\"]}");
	struct process_attrs a;
	struct error *err = NULL;

	CHECK_INT(process_attrs_parse(p, NULL, &a, &err), 0);
	CHECK(!a.has_caps && !a.has_umask && !a.has_ioprio && !a.has_scheduler);
	CHECK(!a.has_oom_score_adj && !a.has_personality && !a.no_new_privileges);
	CHECK_INT(a.uid, 0);
	CHECK_INT(a.n_rlimits, 0);
	CHECK_INT(a.n_groups, 0);
	process_attrs_free(&a);
	CHECK_INT(process_attrs_parse(NULL, NULL, &a, &err), 0);
	process_attrs_free(&a);
	json_free(p);
}

TEST(parse_refusals)
{
	static const struct {
		const char *process, *linux_section, *why;
	} cases[] = {
	    {"{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_FOO\"]}}", NULL,
	     "process.capabilities.bounding[1]: unknown capability 'CAP_FOO'"},
	    {"{\"capabilities\":{\"ambient\":[\"cap_chown\"]}}", NULL, "unknown capability"},
	    {"{\"capabilities\":{\"effective\":\"CAP_CHOWN\"}}", NULL, "expected array"},
	    {"{\"capabilities\":{\"effective\":[1]}}", NULL, "expected a string"},
	    {"{\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":2}]}", NULL,
	     "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'"},
	    {"{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":3,\"hard\":2}]}", NULL,
	     "soft limit 3 is above the hard limit 2"},
	    {"{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1}]}", NULL, "hard: missing"},
	    {"{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":-1,\"hard\":1}]}", NULL,
	     "soft: -1 is not an unsigned"},
	    {"{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1},"
	     "{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,\"hard\":2}]}",
	     NULL, "RLIMIT_NOFILE given twice"},
	    {"{\"ioPriority\":{\"class\":\"IOPRIO_CLASS_FOO\",\"priority\":1}}", NULL,
	     "process.ioPriority.class: unknown class 'IOPRIO_CLASS_FOO'"},
	    {"{\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":8}}", NULL,
	     "priority: 8 is not an integer in 0..7"},
	    {"{\"ioPriority\":{\"priority\":1}}", NULL, "class: missing"},
	    {"{\"scheduler\":{\"policy\":\"SCHED_FOO\"}}", NULL,
	     "process.scheduler.policy: unknown policy 'SCHED_FOO'"},
	    {"{\"scheduler\":{\"nice\":1}}", NULL, "policy: missing"},
	    {"{\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"priority\":5}}", NULL,
	     "only for SCHED_FIFO and SCHED_RR"},
	    {"{\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"runtime\":5}}", NULL,
	     "only for SCHED_DEADLINE"},
	    {"{\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"nice\":20}}", NULL, "in -20..19"},
	    {"{\"scheduler\":{\"policy\":\"SCHED_RR\",\"flags\":[\"SCHED_FLAG_FOO\"]}}", NULL,
	     "unknown flag 'SCHED_FLAG_FOO'"},
	    {"{\"user\":{\"uid\":-1}}", NULL, "process.user.uid"},
	    {"{\"user\":{\"uid\":\"root\"}}", NULL, "expected number, got string"},
	    {"{\"user\":{\"additionalGids\":[1,\"x\"]}}", NULL, "additionalGids[1]"},
	    {"{\"oomScoreAdj\":1001}", NULL, "process.oomScoreAdj"},
	    {"{\"noNewPrivileges\":1}", NULL, "expected boolean"},
	    {"[]", NULL, "process: expected object"},
	    {"{}", "{\"personality\":{\"domain\":\"LINUX64\"}}",
	     "linux.personality.domain: unknown domain 'LINUX64'"},
	    {"{}", "{\"personality\":{\"domain\":\"LINUX\",\"flags\":[\"FOO\"]}}",
	     "unknown flag 'FOO'"},
	    {"{}", "{\"personality\":{}}", "domain: missing"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct json *p = parse(cases[i].process);
		struct json *l = cases[i].linux_section ? parse(cases[i].linux_section) : NULL;
		struct process_attrs a;
		struct error *err = NULL;
		int r = process_attrs_parse(p, l, &a, &err);

		if (r >= 0 || !err || !strstr(err->msg, cases[i].why))
			unit_fail(__FILE__, __LINE__, "case %zu: r=%d, error '%s', expected '%s'",
			          i, r, err ? err->msg : "(none)", cases[i].why);
		CHECK(a.rlimits == NULL && a.groups == NULL); /* freed on failure */
		err_free(&err);
		json_free(p);
		json_free(l);
	}
}

/* ---- applying, in a child that reports through shared memory ---- */

struct observed {
	int apply_failed;
	char error[256];
	char status[4096]; /* /proc/self/status before the exec */
	char oom[16];
	struct rlimit nofile, msgqueue;
	int ioprio, policy, nice, sched_attr_policy;
	unsigned long persona;
	char after_exec[4096]; /* /proc/self/status as /bin/cat saw it */
};

struct sched_attr_ {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t util_min, util_max;
};

static void observe(struct observed *o)
{
	struct sched_attr_ attr = {0};
	char *s;

	s = read_file_at(AT_FDCWD, "/proc/self/status", sizeof(o->status) - 1, NULL);
	snprintf(o->status, sizeof(o->status), "%s", s ? s : "");
	free(s);
	s = read_file_at(AT_FDCWD, "/proc/self/oom_score_adj", 64, NULL);
	snprintf(o->oom, sizeof(o->oom), "%s", s ? s : "");
	free(s);
	getrlimit(RLIMIT_NOFILE, &o->nofile);
	getrlimit(RLIMIT_MSGQUEUE, &o->msgqueue);
	o->ioprio = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	/* musl's sched_getscheduler() is ENOSYS on purpose (the kernel's is per thread) */
	o->policy = syscall(SYS_sched_getscheduler, 0);
	errno = 0;
	o->nice = getpriority(PRIO_PROCESS, 0);
	o->sched_attr_policy = syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0) == 0
	                           ? (int)attr.sched_policy
	                           : -1;
	o->persona = personality(0xffffffff);
}

/* Parses PROCESS, applies both steps, observes, then execs /bin/cat /proc/self/status into a
 * pipe. Returns the shared page (the child's report) after the child is gone. */
static struct observed *apply_in_child(const char *process_json, const char *linux_json)
{
	struct observed *o =
	    mmap(NULL, sizeof(*o), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int pfd[2], status;
	pid_t pid;

	CHECK(o != MAP_FAILED);
	memset(o, 0, sizeof(*o));
	CHECK_INT(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct json *p = parse(process_json);
		struct json *l = linux_json ? parse(linux_json) : NULL;
		struct process_attrs a;
		struct error *err = NULL;
		char *const argv[] = {"cat", "/proc/self/status", NULL};
		char *const envp[] = {NULL};

		close(pfd[0]);
		if (process_attrs_parse(p, l, &a, &err) < 0 ||
		    process_attrs_apply_privileged(&a, &err) < 0 ||
		    process_attrs_apply_identity(&a, &err) < 0) {
			o->apply_failed = 1;
			snprintf(o->error, sizeof(o->error), "%s: %s", err->msg,
			         strerror(err->errnum));
			_exit(1);
		}
		observe(o);
		dup2(pfd[1], 1);
		execve("/bin/cat", argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	{
		size_t off = 0;
		ssize_t n;
		while ((n = read(pfd[0], o->after_exec + off, sizeof(o->after_exec) - 1 - off)) > 0)
			off += n;
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (o->apply_failed)
		unit_fail(__FILE__, __LINE__, "apply: %s", o->error);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return o;
}

/* The value of "Key:" in a /proc/self/status text, as a string up to the newline. */
static const char *field(const char *status, const char *key)
{
	static char buf[4][128];
	static int which;
	char pat[64];
	const char *p;
	char *out = buf[which++ % 4];

	snprintf(pat, sizeof(pat), "\n%s:", key);
	p = strstr(status, pat);
	if (!p) {
		snprintf(out, 128, "(no %s)", key);
		return out;
	}
	p += strlen(pat);
	p += strspn(p, " \t");
	snprintf(out, 128, "%.*s", (int)strcspn(p, "\n"), p);
	return out;
}

static uint64_t hex_field(const char *status, const char *key)
{
	return strtoull(field(status, key), NULL, 16);
}

TEST(apply_non_root_with_caps)
{
	SKIP_UNLESS_ROOT();
	struct observed *o = apply_in_child(
	    "{\"user\":{\"uid\":1000,\"gid\":1000,\"umask\":23,\"additionalGids\":[100,200]},"
	    "\"capabilities\":{"
	    "\"bounding\":[\"CAP_NET_BIND_SERVICE\",\"CAP_CHOWN\"],"
	    "\"effective\":[\"CAP_NET_BIND_SERVICE\",\"CAP_CHOWN\"],"
	    "\"permitted\":[\"CAP_NET_BIND_SERVICE\",\"CAP_CHOWN\"],"
	    "\"inheritable\":[\"CAP_NET_BIND_SERVICE\"],"
	    "\"ambient\":[\"CAP_NET_BIND_SERVICE\"]},"
	    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1000,\"hard\":2000},"
	    "{\"type\":\"RLIMIT_MSGQUEUE\",\"soft\":4096,\"hard\":8192}],"
	    "\"noNewPrivileges\":true,\"oomScoreAdj\":500,"
	    "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":6},"
	    "\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"nice\":5}}",
	    "{\"personality\":{\"domain\":\"LINUX\",\"flags\":[\"ADDR_NO_RANDOMIZE\"]}}");
	const uint64_t both = BIT(0) | BIT(10), nbs = BIT(10);

	CHECK_INT(hex_field(o->status, "CapBnd"), both);
	CHECK_INT(hex_field(o->status, "CapEff"), both);
	CHECK_INT(hex_field(o->status, "CapPrm"), both);
	CHECK_INT(hex_field(o->status, "CapInh"), nbs);
	CHECK_INT(hex_field(o->status, "CapAmb"), nbs);
	CHECK_STR(field(o->status, "Uid"), "1000\t1000\t1000\t1000");
	CHECK_STR(field(o->status, "Gid"), "1000\t1000\t1000\t1000");
	CHECK(strncmp(field(o->status, "Groups"), "100 200", 7) == 0);
	CHECK_STR(field(o->status, "NoNewPrivs"), "1");
	CHECK_STR(field(o->status, "Umask"), "0027");
	CHECK_STR(o->oom, "500\n");
	CHECK_INT(o->nofile.rlim_cur, 1000);
	CHECK_INT(o->nofile.rlim_max, 2000);
	CHECK_INT(o->msgqueue.rlim_cur, 4096);
	CHECK_INT(o->msgqueue.rlim_max, 8192);
	CHECK_INT(o->ioprio, (2 << 13) | 6);
	CHECK_INT(o->policy, SCHED_BATCH);
	CHECK_INT(o->sched_attr_policy, SCHED_BATCH);
	CHECK_INT(o->nice, 5);
	CHECK_INT(o->persona, PER_LINUX | ADDR_NO_RANDOMIZE);
	/* a non-root exec without file caps keeps only the ambient set in permitted/effective */
	CHECK_INT(hex_field(o->after_exec, "CapPrm"), nbs);
	CHECK_INT(hex_field(o->after_exec, "CapEff"), nbs);
	CHECK_INT(hex_field(o->after_exec, "CapAmb"), nbs);
	CHECK_INT(hex_field(o->after_exec, "CapInh"), nbs);
	CHECK_INT(hex_field(o->after_exec, "CapBnd"), both);
	CHECK_STR(field(o->after_exec, "Uid"), "1000\t1000\t1000\t1000");
	CHECK_STR(field(o->after_exec, "NoNewPrivs"), "1");
	CHECK_STR(field(o->after_exec, "Umask"), "0027");
}

/* root's exec gets bounding | inheritable as permitted, whatever the permitted set was before:
 * the bounding set is what limits a root container */
TEST(apply_root_bounding_limits_exec)
{
	SKIP_UNLESS_ROOT();
	struct observed *o =
	    apply_in_child("{\"capabilities\":{"
	                   "\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
	                   "\"effective\":[\"CAP_CHOWN\"],\"permitted\":[\"CAP_CHOWN\"]}}",
	                   NULL);

	CHECK_INT(hex_field(o->status, "CapBnd"), BIT(0) | BIT(5));
	CHECK_INT(hex_field(o->status, "CapPrm"), BIT(0));
	CHECK_INT(hex_field(o->status, "CapEff"), BIT(0));
	CHECK_INT(hex_field(o->status, "CapAmb"), 0);
	CHECK_STR(field(o->status, "Uid"), "0\t0\t0\t0");
	CHECK_STR(field(o->status, "NoNewPrivs"), "0");
	CHECK_INT(hex_field(o->after_exec, "CapPrm"), BIT(0) | BIT(5));
	CHECK_INT(hex_field(o->after_exec, "CapEff"), BIT(0) | BIT(5));
}

/* No process.capabilities: runc leaves the capabilities to the uid change, which clears them. */
TEST(apply_non_root_without_caps)
{
	SKIP_UNLESS_ROOT();
	struct observed *o = apply_in_child("{\"user\":{\"uid\":1000,\"gid\":1000}}", NULL);

	CHECK_INT(hex_field(o->status, "CapPrm"), 0);
	CHECK_INT(hex_field(o->status, "CapEff"), 0);
	CHECK(hex_field(o->status, "CapBnd") != 0); /* untouched */
	CHECK_STR(field(o->status, "Uid"), "1000\t1000\t1000\t1000");
	CHECK_STR(field(o->status, "Groups"), "");
	CHECK_INT(hex_field(o->after_exec, "CapPrm"), 0);
}

TEST(apply_reports_kernel_refusal)
{
	SKIP_UNLESS_ROOT();
	struct json *p = parse("{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":"
	                       "18446744073709551615}]}");
	struct process_attrs a;
	struct error *err = NULL;
	struct rlimit cur;
	int r;

	getrlimit(RLIMIT_NOFILE, &cur);
	CHECK_INT(process_attrs_parse(p, NULL, &a, &err), 0);
	r = process_attrs_apply_privileged(&a, &err);
	if (cur.rlim_max == RLIM_INFINITY) {
		CHECK_INT(r, 0); /* nothing to refuse here */
	} else if (r == 0) {
		/* CAP_SYS_RESOURCE lets root raise a hard limit */
		getrlimit(RLIMIT_NOFILE, &cur);
		CHECK(cur.rlim_max == RLIM_INFINITY);
	} else {
		CHECK(err && strstr(err->msg, "setrlimit RLIMIT_NOFILE"));
		CHECK_INT(err->errnum, EPERM);
	}
	err_free(&err);
	process_attrs_free(&a);
	json_free(p);
}
