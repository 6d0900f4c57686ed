/* OCI hooks (include/hooks.h): real hooks, /bin/sh scripts in the test's scratch directory, run
 * the way a runtime runs them: order, argv, env exactly as given, the state on stdin, timeouts,
 * failures that stop the list (and, for poststart/poststop, the ones that must not). */
#include "unit.h"
#include "hooks.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

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

/* unit_tmpdir()/NAME, in a buffer that lives until the test ends */
static const char *tmp(const char *name)
{
	static char bufs[16][512];
	static int n;
	char *b = bufs[n++ % 16];

	snprintf(b, 512, "%s/%s", unit_tmpdir(), name);
	return b;
}

static const char *script(const char *name, const char *body)
{
	const char *path = tmp(name);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0755);

	CHECK(fd >= 0);
	CHECK(write_all(fd, "#!/bin/sh\n", 10) == 10);
	CHECK(write_all(fd, body, strlen(body)) == (ssize_t)strlen(body));
	close(fd);
	return path;
}

static char *slurp(const char *path)
{
	char *s = read_file_at(AT_FDCWD, path, 16 << 20, NULL);

	return s ? s : xstrdup("(missing)");
}

static int run(const char *hooks_json, enum hook_kind k, const char *state, struct error **err)
{
	struct json *h = parse(hooks_json);
	int r = hooks_run(h, k, state, err);

	json_free(h);
	return r;
}

static void need_sh(void)
{
	if (access("/bin/sh", X_OK) < 0)
		unit_skip("no /bin/sh");
}

TEST(kind_names)
{
	CHECK_STR(hook_kind_name(HOOK_PRESTART), "prestart");
	CHECK_STR(hook_kind_name(HOOK_CREATE_RUNTIME), "createRuntime");
	CHECK_STR(hook_kind_name(HOOK_CREATE_CONTAINER), "createContainer");
	CHECK_STR(hook_kind_name(HOOK_START_CONTAINER), "startContainer");
	CHECK_STR(hook_kind_name(HOOK_POSTSTART), "poststart");
	CHECK_STR(hook_kind_name(HOOK_POSTSTOP), "poststop");
	CHECK(hook_kind_name((enum hook_kind)42) == NULL);
}

TEST(run_in_order_with_args)
{
	struct strbuf j = STRBUF_INIT;
	struct error *err = NULL;
	const char *s = script("mark", "echo \"$2\" >> \"$1\"\n");
	char *order, *cmdline;

	need_sh();
	sb_printf(&j,
	          "{\"createRuntime\":["
	          "{\"path\":\"%s\",\"args\":[\"mark\",\"%s\",\"one\"]},"
	          "{\"path\":\"%s\",\"args\":[\"mark\",\"%s\",\"two\"]},"
	          "{\"path\":\"/bin/sh\",\"args\":[\"argv-zero\",\"-c\","
	          "\"tr '\\\\0' ' ' </proc/$$/cmdline >%s; echo three >>%s\"]}],"
	          "\"prestart\":[{\"path\":\"%s\",\"args\":[\"mark\",\"%s\",\"other-kind\"]}]}",
	          s, tmp("order"), s, tmp("order"), tmp("cmdline"), tmp("order"), s, tmp("order"));
	CHECK_INT(run(j.buf, HOOK_CREATE_RUNTIME, "{}", &err), 0);
	if (err)
		unit_fail(__FILE__, __LINE__, "%s", err->msg);
	order = slurp(tmp("order"));
	CHECK_STR(order, "one\ntwo\nthree\n"); /* and not the prestart one */
	cmdline = slurp(tmp("cmdline"));
	CHECK(str_has_prefix(cmdline, "argv-zero -c "));
	/* no hooks of a kind, or none at all: nothing to do */
	CHECK_INT(run(j.buf, HOOK_POSTSTOP, "{}", &err), 0);
	CHECK_INT(hooks_run(NULL, HOOK_PRESTART, "{}", &err), 0);
	free(order);
	free(cmdline);
	sb_release(&j);
}

TEST(args_absent_means_path_as_argv0)
{
	struct strbuf j = STRBUF_INIT;
	struct error *err = NULL;
	const char *s = script("argv0", "echo \"$0 $#\" > \"${0%/*}/argv0.out\"\n");
	char *out;

	need_sh();
	sb_printf(&j, "{\"prestart\":[{\"path\":\"%s\"}]}", s);
	CHECK_INT(run(j.buf, HOOK_PRESTART, "{}", &err), 0);
	out = slurp(tmp("argv0.out"));
	sb_release(&j);
	sb_printf(&j, "%s 0\n", s);
	CHECK_STR(out, j.buf);
	free(out);
	sb_release(&j);
}

TEST(state_arrives_on_stdin_intact)
{
	struct strbuf j = STRBUF_INIT, big = STRBUF_INIT;
	struct error *err = NULL;
	const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\","
	                    "\"pid\":4242,\"bundle\":\"/b\",\"annotations\":{\"k\":\"v\\u00e9\"}}";
	char *got;

	need_sh();
	sb_printf(&j,
	          "{\"createContainer\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
	          "\"cat > %s\"]}]}",
	          tmp("state"));
	CHECK_INT(run(j.buf, HOOK_CREATE_CONTAINER, state, &err), 0);
	got = slurp(tmp("state"));
	CHECK_STR(got, state);
	free(got);
	/* larger than any pipe buffer: written as the hook reads */
	sb_adds(&big, "{\"annotations\":{");
	for (int i = 0; i < 20000; i++)
		sb_printf(&big, "%s\"key%05d\":\"value %d\"", i ? "," : "", i, i);
	sb_adds(&big, "}}");
	CHECK(big.len > 300000);
	CHECK_INT(run(j.buf, HOOK_CREATE_CONTAINER, big.buf, &err), 0);
	got = slurp(tmp("state"));
	CHECK_INT(strlen(got), big.len);
	CHECK(strcmp(got, big.buf) == 0);
	free(got);
	sb_release(&big);
	sb_release(&j);
}

TEST(env_exactly_as_given)
{
	struct strbuf j = STRBUF_INIT;
	struct error *err = NULL;
	char *got;

	if (access("/usr/bin/env", X_OK) < 0)
		unit_skip("no /usr/bin/env");
	setenv("OCIBOX_TEST_LEAK", "must not reach the hook", 1);
	sb_printf(
	    &j,
	    "{\"poststart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"/usr/bin/env > %s\"],"
	    "\"env\":[\"A=1\",\"B=two words\",\"PATH=/nowhere\"]}],"
	    "\"poststop\":[{\"path\":\"/usr/bin/env\",\"args\":[\"env\"]}],"
	    "\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"/usr/bin/env > %s\"]}]}",
	    tmp("env1"), tmp("env2"));
	CHECK_INT(run(j.buf, HOOK_POSTSTART, "{}", &err), 0);
	got = slurp(tmp("env1"));
	/* sh may add PWD (and only that) to what it exports */
	CHECK(strstr(got, "A=1\n") && strstr(got, "B=two words\n") &&
	      strstr(got, "PATH=/nowhere\n"));
	CHECK(!strstr(got, "OCIBOX_TEST_LEAK"));
	CHECK(!strstr(got, "HOME="));
	free(got);
	/* no env at all: an empty environment, not ours */
	CHECK_INT(run(j.buf, HOOK_PRESTART, "{}", &err), 0);
	got = slurp(tmp("env2"));
	CHECK(!strstr(got, "OCIBOX_TEST_LEAK") && !strstr(got, "PATH=") && !strstr(got, "A=1"));
	free(got);
	sb_release(&j);
}

static void env_to_stdout(void *arg)
{
	struct error *err = NULL;

	dup2(2, 1); /* what the hook prints lands where unit_run_child collects it */
	if (run(arg, HOOK_POSTSTOP, "{}", &err) < 0)
		_exit(1);
}

TEST(hook_output_is_ours)
{
	char *out = NULL;

	if (access("/usr/bin/env", X_OK) < 0)
		unit_skip("no /usr/bin/env");
	CHECK_INT(unit_run_child(
	              env_to_stdout,
	              "{\"poststop\":[{\"path\":\"/usr/bin/env\",\"args\":[\"env\"],"
	              "\"env\":[\"ONLY=this\"]},"
	              "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo to-stderr >&2\"]}]}",
	              &out),
	          0);
	CHECK(out && strstr(out, "ONLY=this\n") && strstr(out, "to-stderr\n"));
	free(out);
}

TEST(timeout_kills_the_hook)
{
	struct strbuf j = STRBUF_INIT;
	struct error *err = NULL;
	char *pidtext;
	int r;

	need_sh();
	sb_printf(&j,
	          "{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\","
	          "\"echo $$ > %s; exec sleep 100\"],\"timeout\":1},"
	          "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]}]}",
	          tmp("pid"), tmp("after"));
	r = run(j.buf, HOOK_PRESTART, "{}", &err);
	CHECK(r < 0);
	CHECK(err && strstr(err->msg, "prestart hook /bin/sh: timed out after 1s"));
	CHECK(err && err->errnum == ETIMEDOUT);
	/* killed and reaped, and the list stopped there */
	pidtext = slurp(tmp("pid"));
	CHECK(atoi(pidtext) > 0);
	CHECK(kill(atoi(pidtext), 0) < 0 && errno == ESRCH);
	CHECK(access(tmp("after"), F_OK) < 0);
	free(pidtext);
	err_free(&err);
	sb_release(&j);
}

TEST(failing_hook_stops_the_list)
{
	struct strbuf j = STRBUF_INIT;
	struct error *err = NULL;
	const char *fail = script("fail", "exit 3\n");

	need_sh();
	sb_printf(
	    &j,
	    "{\"startContainer\":["
	    "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]},"
	    "{\"path\":\"%s\"},"
	    "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]}],"
	    "\"createRuntime\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"kill -TERM $$\"]}],"
	    "\"prestart\":[{\"path\":\"%s\"}]}",
	    tmp("first"), fail, tmp("third"), tmp("nonexistent"));
	CHECK(run(j.buf, HOOK_START_CONTAINER, "{}", &err) < 0);
	CHECK(err && strstr(err->msg, "startContainer hook ") &&
	      strstr(err->msg, "/fail: exit status 3"));
	CHECK(access(tmp("first"), F_OK) == 0);
	CHECK(access(tmp("third"), F_OK) < 0);
	err_free(&err);
	CHECK(run(j.buf, HOOK_CREATE_RUNTIME, "{}", &err) < 0);
	CHECK(err && strstr(err->msg, "createRuntime hook /bin/sh: killed by signal 15"));
	err_free(&err);
	CHECK(run(j.buf, HOOK_PRESTART, "{}", &err) < 0);
	CHECK(err && strstr(err->msg, "/nonexistent: exec") && err->errnum == ENOENT);
	err_free(&err);
	sb_release(&j);
}

TEST(bad_hooks_refused_before_any_runs)
{
	static const char *const bad[] = {
	    "{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]},"
	    "{\"path\":\"bin/true\"}]}",
	    "{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]},"
	    "{\"path\":\"/bin/true\",\"timeout\":0}]}",
	    "{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]},"
	    "{\"path\":\"/bin/true\",\"timeout\":-5}]}",
	    "{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]},"
	    "{\"path\":\"/bin/true\",\"timeout\":1.5}]}",
	    "{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]},"
	    "{\"path\":\"/bin/true\",\"args\":\"true\"}]}",
	    "{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]},"
	    "{\"path\":\"/bin/true\",\"env\":[1]}]}",
	    "{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]},"
	    "{\"args\":[\"true\"]}]}",
	    "{\"prestart\":{\"path\":\"/bin/true\"}, \"x\":\"%s\"}",
	};
	static const char *const why[] = {
	    "hooks.prestart[1].path: must be an absolute path ('bin/true')",
	    "hooks.prestart[1].timeout: must be an integer > 0",
	    "timeout: must be an integer > 0",
	    "timeout: must be an integer > 0",
	    "hooks.prestart[1].args: expected an array",
	    "hooks.prestart[1].env[0]: expected a string",
	    "hooks.prestart[1].path: must be an absolute path",
	    "hooks.prestart: expected an array",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct strbuf j = STRBUF_INIT;
		struct error *err = NULL;
		int r;

		sb_printf(&j, bad[i], tmp("ran"));
		r = run(j.buf, HOOK_PRESTART, "{}", &err);
		if (r >= 0 || !err || !strstr(err->msg, why[i]))
			unit_fail(__FILE__, __LINE__, "case %zu: r=%d, error '%s', expected '%s'",
			          i, r, err ? err->msg : "(none)", why[i]);
		CHECK(access(tmp("ran"), F_OK) < 0); /* the good first hook did not run either */
		err_free(&err);
		sb_release(&j);
	}
}

/* A hook that never reads its stdin, with a state far beyond a pipe's buffer: it exits (now,
 * or a little later), and we neither block forever nor die of SIGPIPE. */
TEST(unread_large_state_does_not_deadlock)
{
	struct strbuf j = STRBUF_INIT, big = STRBUF_INIT;
	struct error *err = NULL;
	sigset_t mask, pending;

	need_sh();
	while (big.len < (4u << 20))
		sb_adds(&big, "{\"padding\":\"0123456789abcdef0123456789abcdef\"}");
	sb_printf(
	    &j,
	    "{\"prestart\":[{\"path\":\"/bin/true\"},"
	    "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"sleep 1; touch %s\"]},"
	    "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"exec 0<&-; touch %s\"]},"
	    "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"head -c 10 >/dev/null; touch %s\"]}],"
	    "\"createRuntime\":[{\"path\":\"/bin/"
	    "sleep\",\"args\":[\"sleep\",\"100\"],\"timeout\":1}]}",
	    tmp("slept"), tmp("closed"), tmp("head"));
	sigprocmask(SIG_SETMASK, NULL, &mask);
	CHECK(!sigismember(&mask, SIGPIPE));
	CHECK_INT(run(j.buf, HOOK_PRESTART, big.buf, &err), 0);
	if (err)
		unit_fail(__FILE__, __LINE__, "%s", err->msg);
	CHECK(access(tmp("slept"), F_OK) == 0);
	CHECK(access(tmp("closed"), F_OK) == 0);
	CHECK(access(tmp("head"), F_OK) == 0);
	/* the SIGPIPEs we caused were taken back, and SIGPIPE is unblocked again */
	sigpending(&pending);
	CHECK(!sigismember(&pending, SIGPIPE));
	/* one that neither reads nor exits: only its timeout ends it, which a blocking write of
	 * the state would never get to */
	CHECK(run(j.buf, HOOK_CREATE_RUNTIME, big.buf, &err) < 0);
	CHECK(err && strstr(err->msg, "createRuntime hook /bin/sleep: timed out after 1s"));
	err_free(&err);
	sigprocmask(SIG_SETMASK, NULL, &mask);
	CHECK(!sigismember(&mask, SIGPIPE));
	sb_release(&big);
	sb_release(&j);
}

static void poststop_list(void *arg)
{
	struct error *err = NULL;

	_exit(run(arg, HOOK_POSTSTOP, "{}", &err) == 0 && !err ? 0 : 1);
}

/* runtime.md: a failing poststart/poststop hook is logged and the rest goes on. */
TEST(poststop_failure_is_a_warning)
{
	struct strbuf j = STRBUF_INIT;
	char *out = NULL;

	need_sh();
	sb_printf(&j,
	          "{\"poststop\":["
	          "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"exit 7\"]},"
	          "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch %s\"]}]}",
	          tmp("second"));
	CHECK_INT(unit_run_child(poststop_list, j.buf, &out), 0);
	CHECK(out && strstr(out, "poststop hook /bin/sh: exit status 7"));
	CHECK(access(tmp("second"), F_OK) == 0);
	free(out);
	sb_release(&j);
}
