/* Seccomp (include/seccomp.h): the syscall table, the section's errors, and filters installed
 * for real in throwaway children (no_new_privs first), judged by what the kernel then does to
 * their syscalls. Under qemu-user a filter cannot be installed (or would judge qemu's own host
 * syscalls), so those tests skip and the compile-only ones still run. */
#include "unit.h"
#include "seccomp.h"
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static struct seccomp_filter *compile_str(const char *text, struct error **err)
{
	struct json *j = json_parse(text, strlen(text), NULL, err);
	struct seccomp_filter *f;

	if (!j)
		return NULL;
	f = seccomp_compile(j, err);
	json_free(j); /* the filter keeps nothing of the tree */
	return f;
}

/* A child that loads PROFILE, then runs FN; its wait status comes back. */
static int run_filtered(const char *profile, int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct error *err = NULL;
		struct seccomp_filter *f = compile_str(profile, &err);
		struct rlimit nocore = {0, 0};

		setrlimit(RLIMIT_CORE, &nocore); /* SIGSYS would dump core */
		if (!f || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    seccomp_install(f, &err) < 0) {
			if (err)
				err_print(err);
			_exit(250);
		}
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return status;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

/* errno of a failed call, 0 on success: what a child reports through its exit status */
#define ERRNO_OF(call) ((call) < 0 ? errno : 0)

static int probe_fn(void *arg)
{
	(void)arg;
	return ERRNO_OF(syscall(SYS_getppid)) == 77 ? 0 : 1;
}

static void probe_child(void *arg)
{
	(void)arg;
	_exit(exit_code(run_filtered("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
	                             "[{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", "
	                             "\"errnoRet\": 77}]}",
	                             probe_fn, NULL)));
}

/* Whether a filter really filters here (qemu-user refuses them: they would judge its own host
 * syscalls); why not, in WHY. */
static bool seccomp_works(char *why, size_t size)
{
	char *out = NULL;
	int r = unit_run_child(probe_child, NULL, &out);

	snprintf(why, size, "%s", out && *out ? out : "a filtered getppid() was not denied");
	why[strcspn(why, "\n")] = '\0';
	free(out);
	return r == 0;
}

static void need_seccomp(void)
{
	char why[256];

	if (!seccomp_works(why, sizeof(why)))
		unit_skip("filters cannot be installed here (qemu-user?): %s", why);
}

/* ---- the table ---- */

TEST(table_names_to_numbers)
{
	CHECK_INT(seccomp_syscall_nr("read"), SYS_read);
	CHECK_INT(seccomp_syscall_nr("write"), SYS_write);
	CHECK_INT(seccomp_syscall_nr("exit_group"), SYS_exit_group);
	CHECK_INT(seccomp_syscall_nr("umask"), SYS_umask);
	CHECK_INT(seccomp_syscall_nr("mkdirat"), SYS_mkdirat);
	CHECK_INT(seccomp_syscall_nr("accept4"), SYS_accept4);
	CHECK_INT(seccomp_syscall_nr("no_such_call"), -1);
	CHECK_INT(seccomp_syscall_nr(""), -1);
	CHECK_INT(seccomp_syscall_nr("READ"), -1);
	CHECK_INT(seccomp_syscall_nr("syscalls"), -1); /* a count in asm-generic, not a call */
	CHECK_INT(seccomp_syscall_nr_in("read", 7), -1);
#ifdef SYS_mkdir
	CHECK_INT(seccomp_syscall_nr("mkdir"), SYS_mkdir);
#endif
#if defined(__arm__)
	CHECK_INT(seccomp_syscall_nr("cacheflush"), 0x0f0002);
	CHECK_INT(seccomp_syscall_nr("set_tls"), 0x0f0005);
#endif
#if defined(__mips__)
	CHECK_INT(seccomp_syscall_nr("read"), 4003);
#endif
#if defined(__x86_64__)
	CHECK_INT(seccomp_syscall_columns(), 3);
	CHECK_INT(seccomp_syscall_nr_in("socketcall", SECCOMP_COL_X86), 102);
	CHECK_INT(seccomp_syscall_nr_in("getpid", SECCOMP_COL_X86), 20);
	CHECK_INT(seccomp_syscall_nr_in("read", SECCOMP_COL_X32), 0x40000000);
	CHECK_INT(seccomp_syscall_nr_in("execve", SECCOMP_COL_X32), 0x40000000 + 520);
	CHECK_INT(seccomp_syscall_nr_in("socketcall", SECCOMP_COL_NATIVE), -1);
#else
	CHECK_INT(seccomp_syscall_columns(), 1);
#endif
}

/* ---- malformed sections: one line naming the field, never a crash ---- */

static const struct {
	const char *json, *msg;
} bad_sections[] = {
    {"[]", "seccomp: expected an object"},
    {"{}", "seccomp: defaultAction: missing"},
    {"{\"defaultAction\": 1}", "seccomp: defaultAction: expected a string"},
    {"{\"defaultAction\": \"SCMP_ACT_FOO\"}",
     "seccomp: defaultAction: unknown action 'SCMP_ACT_FOO'"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
     "seccomp: defaultErrnoRet: expected an unsigned 64-bit integer"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 70000}",
     "seccomp: defaultErrnoRet: 70000 does not fit 16 bits"},
    {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
     "seccomp: defaultAction: SCMP_ACT_NOTIFY cannot be the default"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
     "seccomp: syscalls: expected an array"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [1]}",
     "seccomp: syscalls[0]: expected an object"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_LOG\"}]}",
     "seccomp: syscalls[0].names: missing"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": \"read\", "
     "\"action\": \"SCMP_ACT_LOG\"}]}",
     "seccomp: syscalls[0].names: expected an array of strings"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\", 5], "
     "\"action\": \"SCMP_ACT_LOG\"}]}",
     "seccomp: syscalls[0].names[1]: expected a string"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"re\\u0000ad\"], "
     "\"action\": \"SCMP_ACT_LOG\"}]}",
     "seccomp: syscalls[0].names[0]: expected a string"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}",
     "seccomp: syscalls[0].action: missing"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
     "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_LOG\"},"
     "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_LOG\"},"
     "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_LOG\"},"
     "{\"names\": [\"read\"], \"action\": \"X\"}]}",
     "seccomp: syscalls[3].action: unknown action 'X'"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"A\\nB\\u001b[31m\"}]}",
     "seccomp: syscalls[0].action: unknown action 'A?B?[31m'"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": \"1\"}]}",
     "seccomp: syscalls[0].errnoRet: expected an unsigned 64-bit integer"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": {}}]}",
     "seccomp: syscalls[0].args: expected an array"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [7]}]}",
     "seccomp: syscalls[0].args[0]: expected an object"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": "
     "\"SCMP_CMP_EQ\"}]}]}",
     "seccomp: syscalls[0].args[0].index: 6 is not an argument (0-5)"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
     "\"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_XX\"}]}]}",
     "seccomp: syscalls[0].args[1].op: unknown operator 'SCMP_CMP_XX'"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "seccomp: syscalls[0].args[0].value: missing"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1.5, \"op\": "
     "\"SCMP_CMP_EQ\"}]}]}",
     "seccomp: syscalls[0].args[0].value: expected an unsigned 64-bit integer"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"valueTwo\": "
     "18446744073709551616, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}",
     "seccomp: syscalls[0].args[0].valueTwo: expected an unsigned 64-bit integer"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
     "seccomp: syscalls[0].args[0].op: missing"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"write\"], "
     "\"action\": \"SCMP_ACT_NOTIFY\"}]}",
     "seccomp: syscalls[0].names[0]: SCMP_ACT_NOTIFY cannot be used for write"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_FOO\"]}",
     "seccomp: architectures[0]: unknown architecture 'SCMP_ARCH_FOO'"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": \"SCMP_ARCH_X86\"}",
     "seccomp: architectures: expected an array of strings"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", 1]}",
     "seccomp: flags[1]: expected a string"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_NOPE\"]}",
     "seccomp: flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_NOPE'"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": 5}",
     "seccomp: listenerPath: expected a string"},
};

TEST(malformed_sections_name_the_field)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_sections); i++) {
		struct error *err = NULL;
		struct seccomp_filter *f = compile_str(bad_sections[i].json, &err);

		CHECK(f == NULL);
		CHECK(err != NULL);
		if (!err)
			continue;
		if (strncmp(err->msg, bad_sections[i].msg, strlen(bad_sections[i].msg)))
			unit_fail(__FILE__, __LINE__, "case %zu: \"%s\", expected \"%s\"", i,
			          err->msg, bad_sections[i].msg);
		CHECK(strchr(err->msg, '\n') == NULL);
		err_free(&err);
		seccomp_free(f);
	}
}

TEST(unknown_names_are_skipped_and_extras_kept)
{
	struct error *err = NULL;
	struct seccomp_filter *f = compile_str(
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
	    " \"architectures\": [\"SCMP_ARCH_PPC64LE\", \"SCMP_ARCH_S390X\"],"
	    " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"unknownField\": [1, 2],"
	    " \"listenerPath\": \"/run/agent.sock\", \"listenerMetadata\": \"meta\","
	    " \"syscalls\": [{\"names\": [\"not_a_syscall\", \"read\", \"osf_getsysinfo\"],"
	    " \"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"x\"}]}",
	    &err);

	CHECK(f != NULL);
	if (!f) {
		err_print(err);
		return;
	}
	CHECK(!seccomp_wants_listener(f));
	CHECK_STR(seccomp_listener_path(f), "/run/agent.sock");
	CHECK_STR(seccomp_listener_metadata(f), "meta");
	CHECK(seccomp_program_len(f) > 3 && seccomp_program_len(f) < 32);
	seccomp_free(f);
}

static char *repeat_json(const char *head, const char *item, size_t n, const char *tail)
{
	struct strbuf sb = STRBUF_INIT;

	sb_adds(&sb, head);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(&sb, ',');
		sb_adds(&sb, item);
	}
	sb_adds(&sb, tail);
	return sb_steal(&sb);
}

TEST(huge_lists_error_or_compile_never_crash)
{
	struct error *err = NULL;
	struct seccomp_filter *f;
	char *j;

	/* 200,000 names this arch does not have: all skipped, a trivial program */
	j = repeat_json("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [",
	                "\"nosuchcall\"", 200000, "], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	f = compile_str(j, &err);
	CHECK(f != NULL);
	if (f)
		CHECK(seccomp_program_len(f) < 8);
	seccomp_free(f);
	free(j);
	err_free(&err);

	/* 100,000 rules for one name: refused before they cost memory */
	j = repeat_json("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [",
	                "\"umask\"", 100000, "], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	f = compile_str(j, &err);
	CHECK(f == NULL);
	CHECK(err && strstr(err->msg, "seccomp: syscalls: more than 65536 rules"));
	free(j);
	err_free(&err);

	/* 3,000 ORed comparisons on one argument: more BPF than the kernel takes */
	j = repeat_json("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	                "[\"umask\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [",
	                "{\"index\": 0, \"value\": 4294967296, \"op\": \"SCMP_CMP_GE\"}", 3000,
	                "]}]}");
	f = compile_str(j, &err);
	CHECK(f == NULL);
	CHECK(err && strstr(err->msg, "more than 4096 BPF instructions"));
	free(j);
	err_free(&err);

	/* 7 comparisons with distinct... no: 7 args of one entry must repeat an index: ORed */
	j = repeat_json("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	                "[\"umask\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [",
	                "{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}", 7, "]}]}");
	f = compile_str(j, &err);
	CHECK(f != NULL);
	seccomp_free(f);
	free(j);
	err_free(&err);
}

/* ---- filters installed for real ---- */

static const char *scratch(const char *name)
{
	static char path[300];

	snprintf(path, sizeof(path), "%s/%s", unit_tmpdir(), name);
	return path;
}

static int do_mkdir(void *arg)
{
	(void)arg;
	return ERRNO_OF(mkdir(scratch("d"), 0755));
}

static int do_getcwd(void *arg)
{
	char buf[256];

	(void)arg;
	return getcwd(buf, sizeof(buf)) ? 0 : errno;
}

TEST(errno_action_default_eperm_and_errnoret)
{
	need_seccomp();
	CHECK_INT(exit_code(run_filtered(
	              "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	              "[\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
	              do_mkdir, NULL)),
	          EPERM);
	CHECK_INT(exit_code(run_filtered(
	              "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	              "[\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]}",
	              do_getcwd, NULL)),
	          ENOSYS);
	/* the same profile leaves other calls alone */
	CHECK_INT(exit_code(run_filtered(
	              "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	              "[\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]}",
	              do_mkdir, NULL)),
	          0);
	/* a deny-by-default profile: defaultErrnoRet */
	CHECK_INT(
	    exit_code(run_filtered(
	        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	        "[\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 30}]}",
	        do_mkdir, NULL)),
	    EROFS);
}

static int do_personality(void *arg)
{
	long r1 = syscall(SYS_personality, 0xffffffffUL);
	int e1 = r1 < 0 ? errno : 0;
	long r2 = syscall(SYS_personality, 8UL);
	int e2 = r2 < 0 ? errno : 0;

	(void)arg;
	return (e1 == 0 ? 0 : 1) | (e2 == EPERM ? 0 : 2);
}

TEST(args_personality_allowed_only_for_query)
{
	need_seccomp();
	CHECK_INT(
	    exit_code(run_filtered(
	        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	        "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
	        "\"value\": 4294967295, \"op\": \"SCMP_CMP_NE\"}]}]}",
	        do_personality, NULL)),
	    0);
}

static int do_sockets(void *arg)
{
	int bad = 0, i = 0;
	static const int cases[][3] = {
	    /* domain, type, expected errno */
	    {AF_UNIX, SOCK_STREAM, 0},
	    {AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, ESOCKTNOSUPPORT},
	    {AF_INET, SOCK_STREAM, EAFNOSUPPORT},
	    {AF_INET6, SOCK_DGRAM, EAFNOSUPPORT},
	};

	(void)arg;
	for (i = 0; i < (int)ARRAY_SIZE(cases); i++) {
		int fd = socket(cases[i][0], cases[i][1], 0);
		if ((fd < 0 ? errno : 0) != cases[i][2])
			bad |= 1 << i;
		if (fd >= 0)
			close(fd);
	}
	return bad;
}

TEST(args_socket_domains_and_masked_types)
{
	need_seccomp();
	/* AF_INET and up denied (GE); datagrams denied whatever their flags (MASKED_EQ) */
	CHECK_INT(exit_code(run_filtered(
	              "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
	              "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 97,"
	              " \"args\": [{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_GE\"}]},"
	              "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 94,"
	              " \"args\": [{\"index\": 1, \"value\": 15, \"valueTwo\": 2,"
	              " \"op\": \"SCMP_CMP_MASKED_EQ\"}, {\"index\": 0, \"value\": 1,"
	              " \"op\": \"SCMP_CMP_EQ\"}]}]}",
	              do_sockets, NULL)),
	          0);
}

/* Every operator against values around a 64-bit datum: umask() takes any argument and never
 * fails, so an errno can only come from the filter. */
static const uint64_t probe_args[] = {
    0,
    99,
    100,
    101,
    0x100000063ULL,
    0x100000064ULL,
    0x100000065ULL,
    0x0ffffffffULL,
    0x200000000ULL,
    0xffffffffffffffffULL,
    0x1000000f0ULL,
    0x2000000f5ULL,
};

struct op_case {
	const char *op;
	uint64_t value, value2;
};

static bool op_holds(const struct op_case *c, uint64_t arg)
{
	uint64_t v = c->value, v2 = c->value2;

	if (sizeof(long) == 4) { /* 32-bit arches compare their 32-bit arguments */
		arg = (uint32_t)arg, v = (uint32_t)v, v2 = (uint32_t)v2;
	}
	if (STREQ(c->op, "SCMP_CMP_EQ"))
		return arg == v;
	if (STREQ(c->op, "SCMP_CMP_NE"))
		return arg != v;
	if (STREQ(c->op, "SCMP_CMP_LT"))
		return arg < v;
	if (STREQ(c->op, "SCMP_CMP_LE"))
		return arg <= v;
	if (STREQ(c->op, "SCMP_CMP_GT"))
		return arg > v;
	if (STREQ(c->op, "SCMP_CMP_GE"))
		return arg >= v;
	return (arg & v) == v2; /* MASKED_EQ */
}

static int do_umask_ops(void *arg)
{
	const struct op_case *c = arg;

	for (size_t i = 0; i < ARRAY_SIZE(probe_args); i++) {
		long r = syscall(SYS_umask, (unsigned long)probe_args[i]);
		bool denied = r < 0 && errno == 200;
		if (denied != op_holds(c, probe_args[i]))
			return 1 + i;
	}
	return 0;
}

TEST(args_every_operator_64bit)
{
	static const struct op_case cases[] = {
	    {"SCMP_CMP_EQ", 0x100000064ULL, 0},
	    {"SCMP_CMP_NE", 0x100000064ULL, 0},
	    {"SCMP_CMP_LT", 0x100000064ULL, 0},
	    {"SCMP_CMP_LE", 0x100000064ULL, 0},
	    {"SCMP_CMP_GT", 0x100000064ULL, 0},
	    {"SCMP_CMP_GE", 0x100000064ULL, 0},
	    {"SCMP_CMP_EQ", 100, 0},
	    {"SCMP_CMP_GT", 100, 0},
	    {"SCMP_CMP_LT", 0xffffffffULL, 0},
	    {"SCMP_CMP_MASKED_EQ", 0xf000000f0ULL, 0xf0},
	    {"SCMP_CMP_MASKED_EQ", 0x3000000ffULL, 0x1000000f0ULL},
	};

	need_seccomp();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char profile[512];
		int r;

		snprintf(
		    profile, sizeof(profile),
		    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		    "[\"umask\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 200, \"args\": "
		    "[{\"index\": 0, \"value\": %llu, \"valueTwo\": %llu, \"op\": \"%s\"}]}]}",
		    (unsigned long long)cases[i].value, (unsigned long long)cases[i].value2,
		    cases[i].op);
		r = exit_code(run_filtered(profile, do_umask_ops, (void *)&cases[i]));
		if (r)
			unit_fail(__FILE__, __LINE__, "%s %#llx: probe %d disagrees (status %d)",
			          cases[i].op, (unsigned long long)cases[i].value,
			          r > 0 && r <= (int)ARRAY_SIZE(probe_args) ? r - 1 : -1, r);
	}
}

static int do_umask_set(void *arg)
{
	int bad = 0;
	static const struct {
		unsigned long arg;
		int err;
	} want[] = {{1, 201}, {2, 201}, {3, 0}, {4, 202}, {5, 0}};

	(void)arg;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (ERRNO_OF(syscall(SYS_umask, want[i].arg)) != want[i].err)
			bad |= 1 << i;
	return bad;
}

TEST(args_and_or_between_rules)
{
	need_seccomp();
	/* index 0 twice: ORed (runc); a second entry ORs too; umask(5) matches neither */
	CHECK_INT(exit_code(run_filtered(
	              "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
	              "{\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 201,"
	              " \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
	              " {\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]},"
	              "{\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 202,"
	              " \"args\": [{\"index\": 0, \"value\": 4, \"op\": \"SCMP_CMP_EQ\"}]}]}",
	              do_umask_set, NULL)),
	          0);
}

static int do_getppid(void *arg)
{
	(void)arg;
	return ERRNO_OF(syscall(SYS_getppid));
}

TEST(kill_actions_end_in_sigsys)
{
	static const char *const acts[] = {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	                                   "SCMP_ACT_KILL"};

	need_seccomp();
	for (size_t i = 0; i < ARRAY_SIZE(acts); i++) {
		char profile[256];
		int st;

		snprintf(profile, sizeof(profile),
		         "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		         "[\"getppid\"], \"action\": \"%s\"}]}",
		         acts[i]);
		st = run_filtered(profile, do_getppid, NULL);
		CHECK(WIFSIGNALED(st));
		CHECK_INT(WTERMSIG(st), SIGSYS);
	}
}

static volatile sig_atomic_t trapped_nr = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	if (si->si_code == 1 /* SYS_SECCOMP */)
		trapped_nr = si->si_syscall;
}

static int do_trap(void *arg)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};

	(void)arg;
	sigaction(SIGSYS, &sa, NULL);
	syscall(SYS_getppid);
	return trapped_nr == SYS_getppid ? 0 : 1;
}

TEST(trap_raises_sigsys_naming_the_call)
{
	need_seccomp();
	CHECK_INT(exit_code(run_filtered(
	              "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	              "[\"getppid\"], \"action\": \"SCMP_ACT_TRAP\"}]}",
	              do_trap, NULL)),
	          0);
	/* and without a handler, SIGSYS ends the process */
	int st = run_filtered("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	                      "[\"getppid\"], \"action\": \"SCMP_ACT_TRAP\"}]}",
	                      do_getppid, NULL);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
}

static int do_getppid_value(void *arg)
{
	long r = syscall(SYS_getppid);

	return r == *(pid_t *)arg ? 0 : r < 0 ? errno : 255;
}

TEST(log_allows_trace_without_tracer_is_enosys)
{
	pid_t me = getpid();

	need_seccomp();
	CHECK_INT(exit_code(run_filtered(
	              "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
	              "[\"SECCOMP_FILTER_FLAG_LOG\"], \"syscalls\": [{\"names\": [\"getppid\"], "
	              "\"action\": \"SCMP_ACT_LOG\"}]}",
	              do_getppid_value, &me)),
	          0);
	/* no tracer: the kernel fails the call with ENOSYS */
	CHECK_INT(exit_code(run_filtered(
	              "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	              "[\"getppid\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 5}]}",
	              do_getppid, NULL)),
	          ENOSYS);
}

TEST(flags_install)
{
	pid_t me = getpid();

	need_seccomp();
	CHECK_INT(exit_code(run_filtered(
	              "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": ["
	              "\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\","
	              " \"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
	              " \"syscalls\": [{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_LOG\"}]}",
	              do_getppid_value, &me)),
	          0);
}

/* The notified child asks getppid(); the supervisor (its parent, which installed the filter)
 * answers 4242 through SECCOMP_IOCTL_NOTIF_SEND. */
static void notify_child(void *arg)
{
	struct error *err = NULL;
	struct seccomp_filter *f = compile_str(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/x.sock\","
	    " \"flags\": [\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
	    " \"syscalls\": [{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
	    &err);
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int fd, st;
	pid_t pid;

	(void)arg;
	if (!f || !seccomp_wants_listener(f) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(10);
	fd = seccomp_install(f, &err);
	if (fd < 0) {
		err_print(err);
		_exit(11);
	}
	if (fd == 0)
		_exit(12);
	pid = fork();
	if (pid == 0)
		_exit(syscall(SYS_getppid) == 4242 ? 0 : 1);
	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		_exit(13);
	if (req.data.nr != SYS_getppid || req.pid != (uint32_t)pid)
		_exit(14);
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.val = 4242;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		_exit(15);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		_exit(16);
	_exit(WEXITSTATUS(st) ? 17 : 0);
}

TEST(notify_listener_receives_and_answers)
{
	char *out = NULL;
	int r;

	need_seccomp();
	r = unit_run_child(notify_child, NULL, &out);
	if (r == 11 && out && strstr(out, "not supported"))
		unit_skip("%s", out);
	if (r)
		printf("    child said: %s", out ? out : "");
	CHECK_INT(r, 0);
	free(out);
}

/* ---- a Docker-default-sized profile ---- */

static char *read_large_profile(void)
{
	const char *src = getenv("SRC");
	char path[512];

	snprintf(path, sizeof(path), "%s/tests/unit/data/seccomp-large.json", src ? src : ".");
	return read_file_at(AT_FDCWD, path, 1 << 20, NULL);
}

static int do_large(void *arg)
{
	char buf[64];
	int bad = 0;

	(void)arg;
	if (getpid() <= 0 || write(1, "", 0) != 0)
		bad |= 1;
	if (ERRNO_OF(mkdir(scratch("large"), 0755)) != EPERM)
		bad |= 2;
	if (getcwd(buf, sizeof(buf)) || errno != ENOSYS)
		bad |= 4;
	if (ERRNO_OF(syscall(SYS_personality, 0xffffffffUL)) != 0)
		bad |= 8;
	if (ERRNO_OF(syscall(SYS_personality, 4UL)) != EPERM)
		bad |= 16;
	if (ERRNO_OF(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0)) != EAFNOSUPPORT)
		bad |= 32;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		bad |= 64;
	close(fd);
	/* past the highest number the profile names: ENOSYS, as runc, so libcs fall back */
	if (ERRNO_OF(syscall(4000 + 1000)) != ENOSYS && ERRNO_OF(syscall(1000)) != ENOSYS)
		bad |= 128;
	return bad;
}

TEST(docker_sized_profile_compiles_small)
{
	cleanup_free char *text = read_large_profile();
	struct error *err = NULL;
	struct json *j;
	struct seccomp_filter *f;
	size_t names;

	CHECK(text != NULL);
	if (!text)
		return;
	j = json_parse(text, strlen(text), NULL, &err);
	CHECK(j != NULL);
	names = json_len(json_get(json_at(json_get(j, "syscalls"), 0), "names"));
	CHECK(names > 350);
	f = seccomp_compile(j, &err);
	json_free(j);
	CHECK(f != NULL);
	if (!f) {
		err_print(err);
		return;
	}
	/* the program size, reported rather than tuned to a number */
	printf("    %zu allowed names -> %zu BPF instructions\n", names, seccomp_program_len(f));
	CHECK(seccomp_program_len(f) < 1500);
	seccomp_free(f);
}

TEST(docker_sized_profile_behaves)
{
	cleanup_free char *text = read_large_profile();
	int st;

	CHECK(text != NULL);
	if (!text)
		return;
	need_seccomp();
	st = run_filtered(text, do_large, NULL);
	if (exit_code(st))
		printf("    child status %d\n", exit_code(st));
	CHECK_INT(exit_code(st), 0);
}

/* ---- compat architectures on x86_64 ---- */

#if defined(__x86_64__)
static long int80(long nr)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory");
	return r;
}
#else
static long int80(long nr)
{
	(void)nr;
	return -ENOSYS;
}
#endif

static int do_i386_getpid(void *arg)
{
	(void)arg;
	return int80(20) == getpid() ? 0 : int80(20) == -EPERM ? 99 : 1;
}

static void i386_probe(void *arg)
{
	_exit(do_i386_getpid(arg));
}

static int do_x32_getpid(void *arg)
{
	(void)arg;
	return ERRNO_OF(syscall(0x40000000 | SYS_getpid));
}

TEST(compat_x32_numbers_in_the_x86_64_section)
{
	int st;

	if (seccomp_syscall_columns() < 3)
		unit_skip("x32 only rides along on x86_64");
	need_seccomp();
	/* seccomp sees bit 30 whether or not the kernel runs x32: killed unless listed */
	st = run_filtered("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": []}",
	                  do_x32_getpid, NULL);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	/* listed, its own rules apply */
	st = run_filtered("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
	                  "[\"SCMP_ARCH_X32\"], \"syscalls\": [{\"names\": [\"getpid\"], "
	                  "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 55}]}",
	                  do_x32_getpid, NULL);
	CHECK_INT(exit_code(st), 55);
	/* x86_64's getpid is not x32's */
	st = run_filtered("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
	                  "[\"SCMP_ARCH_X32\"], \"syscalls\": [{\"names\": [\"getpid\"], "
	                  "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 55}]}",
	                  do_getppid, NULL);
	CHECK_INT(exit_code(st), 0);
	/* deny-by-default: an unlisted mode takes the defaultAction */
	st = run_filtered("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
	                  " \"syscalls\": [{\"names\": [\"exit_group\", \"exit\"],"
	                  " \"action\": \"SCMP_ACT_ALLOW\"}]}",
	                  do_x32_getpid, NULL);
	CHECK_INT(exit_code(st), EPERM);
}

TEST(compat_i386_filtered_or_killed)
{
	char *out = NULL;
	int st;

	if (seccomp_syscall_columns() < 3)
		unit_skip("i386 only rides along on x86_64");
	need_seccomp();
	if (unit_run_child(i386_probe, NULL, &out) != 0) {
		free(out);
		unit_skip("this kernel runs no i386 syscalls (no IA32 emulation)");
	}
	free(out);
	/* not listed, deny-list profile: an i386 call would walk around the list, so it is killed
	 */
	st = run_filtered("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	                  "[\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
	                  do_i386_getpid, NULL);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	/* listed: i386's own getpid (20) is denied, not x86_64's 20 (writev) */
	st = run_filtered("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
	                  "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": "
	                  "[\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
	                  do_i386_getpid, NULL);
	CHECK_INT(exit_code(st), 99);
}

/* ---- features.json ---- */

static bool has_string(const struct json *arr, const char *s)
{
	for (size_t i = 0; i < json_len(arr); i++)
		if (json_string(json_at(arr, i), NULL) && STREQ(json_at(arr, i)->str, s))
			return true;
	return false;
}

TEST(features_object)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	struct error *err = NULL;
	struct json *j, *known, *supported;
	bool enabled = false;
	size_t nsupported;
	char why[256];

	jw_init(&w, &sb, 0);
	seccomp_features(&w);
	j = json_parse(sb.buf, sb.len, NULL, &err);
	CHECK(j != NULL);
	if (!j)
		return;
	CHECK(json_get_bool(j, "enabled", &enabled) && enabled);
	CHECK_INT(json_len(json_get(j, "actions")), 9);
	CHECK(has_string(json_get(j, "actions"), "SCMP_ACT_NOTIFY"));
	CHECK(has_string(json_get(j, "actions"), "SCMP_ACT_KILL_PROCESS"));
	CHECK_INT(json_len(json_get(j, "operators")), 7);
	CHECK(has_string(json_get(j, "operators"), "SCMP_CMP_MASKED_EQ"));
	CHECK_INT(json_len(json_get(j, "archs")), seccomp_syscall_columns());
#if defined(__x86_64__)
	CHECK(has_string(json_get(j, "archs"), "SCMP_ARCH_X86_64"));
	CHECK(has_string(json_get(j, "archs"), "SCMP_ARCH_X32"));
#elif defined(__aarch64__)
	CHECK(has_string(json_get(j, "archs"), "SCMP_ARCH_AARCH64"));
#elif defined(__arm__)
	CHECK(has_string(json_get(j, "archs"), "SCMP_ARCH_ARM"));
#elif defined(__mips__)
	CHECK(has_string(json_get(j, "archs"), "SCMP_ARCH_MIPSEL"));
#endif
	known = json_get(j, "knownFlags");
	supported = json_get(j, "supportedFlags");
	CHECK_INT(json_len(known), 4);
	CHECK(json_len(supported) <= json_len(known));
	for (size_t i = 0; i < json_len(supported); i++)
		CHECK(has_string(known, json_at(supported, i)->str));
	nsupported = json_len(supported);
	json_free(j);
	sb_release(&sb);
	/* where filters work, the kernel is this machine's 6.x, which knows all four */
	if (seccomp_works(why, sizeof(why)))
		CHECK_INT(nsupported, 4);
}
