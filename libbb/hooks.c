/* OCI hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"): each hook is execve'd
 * with exactly the args and env it lists, the container's state on a pipe as its stdin, our
 * stdout and stderr as its own. The state is written without blocking: a hook that never reads
 * its stdin must not hang us, and one that exits without reading must not kill us by SIGPIPE.
 * A hook's timeout ends it with SIGKILL. */
#include "hooks.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef SYS_pidfd_open
#if defined(__mips__) && _MIPS_SIM == _MIPS_SIM_ABI32
#define SYS_pidfd_open 4434
#else
#define SYS_pidfd_open 434
#endif
#endif

/* Without a pidfd (Linux < 5.3, qemu-user) the child is looked at this often. */
#define HOOK_POLL_MS 10

static const char *const kind_names[] = {
    [HOOK_PRESTART] = "prestart",
    [HOOK_CREATE_RUNTIME] = "createRuntime",
    [HOOK_CREATE_CONTAINER] = "createContainer",
    [HOOK_START_CONTAINER] = "startContainer",
    [HOOK_POSTSTART] = "poststart",
    [HOOK_POSTSTOP] = "poststop",
};

const char *hook_kind_name(enum hook_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : NULL;
}

struct hook {
	const char *path;
	char **argv, **envp; /* NULL-terminated; the strings belong to the JSON tree */
	long long timeout;   /* seconds, 0 for none */
};

static void hooks_free(struct hook *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++) {
		free(h[i].argv);
		free(h[i].envp);
	}
	free(h);
}

/* An array of strings as a NULL-terminated vector; FIRST stands in when it is empty. */
static int str_vector(const struct json *arr, const char *where, const char *key, const char *first,
                      char ***out, struct error **err)
{
	size_t n = json_len(arr);
	char **v;

	if (arr && arr->type != JSON_ARRAY)
		return err_set(err, EINVAL, "%s.%s: expected an array", where, key);
	v = xreallocarray(NULL, n + 2, sizeof(*v));
	*out = v;
	for (size_t i = 0; i < n; i++) {
		const struct json *s = json_at(arr, i);
		if (s->type != JSON_STRING || (s->flags & JSON_HAS_NUL))
			return err_set(err, EINVAL, "%s.%s[%zu]: expected a string", where, key, i);
		v[i] = (char *)s->str;
	}
	v[n] = NULL;
	if (!n && first) {
		v[0] = (char *)first;
		v[1] = NULL;
	}
	return 0;
}

static int parse_hook(const struct json *j, const char *where, struct hook *h, struct error **err)
{
	const struct json *t;
	int64_t timeout;
	int r;

	if (j->type != JSON_OBJECT)
		return err_set(err, EINVAL, "%s: expected an object", where);
	h->path = json_get_str(j, "path");
	if (!h->path || h->path[0] != '/')
		return err_set(err, EINVAL, "%s.path: must be an absolute path%s%s%s", where,
		               h->path ? " ('" : "", h->path ? h->path : "", h->path ? "')" : "");
	/* execv semantics: argv[0] is whatever args[0] says; with no args, the path */
	if ((r = str_vector(json_get(j, "args"), where, "args", h->path, &h->argv, err)) < 0 ||
	    (r = str_vector(json_get(j, "env"), where, "env", NULL, &h->envp, err)) < 0)
		return r;
	h->timeout = 0;
	if ((t = json_get(j, "timeout"))) {
		if (!json_i64(t, &timeout) || timeout <= 0)
			return err_set(err, EINVAL, "%s.timeout: must be an integer > 0", where);
		h->timeout = timeout;
	}
	return 0;
}

static int parse_hooks(const struct json *hooks, enum hook_kind k, struct hook **out, size_t *n,
                       struct error **err)
{
	const struct json *list;
	char where[48];
	int r;

	*out = NULL;
	*n = 0;
	if (!hooks || hooks->type == JSON_NULL)
		return 0;
	if (hooks->type != JSON_OBJECT)
		return err_set(err, EINVAL, "hooks: expected an object");
	list = json_get(hooks, hook_kind_name(k));
	if (!list || list->type == JSON_NULL)
		return 0;
	if (list->type != JSON_ARRAY)
		return err_set(err, EINVAL, "hooks.%s: expected an array", hook_kind_name(k));
	*out = xzalloc((list->len ? list->len : 1) * sizeof(**out));
	for (size_t i = 0; i < list->len; i++) {
		snprintf(where, sizeof(where), "hooks.%s[%zu]", hook_kind_name(k), i);
		(*n)++;
		if ((r = parse_hook(json_at(list, i), where, &(*out)[i], err)) < 0)
			return r;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

NORETURN static void exec_hook(const struct hook *h, int stdin_fd, int errfd)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (stdin_fd != STDIN_FILENO)
		dup2(stdin_fd, STDIN_FILENO); /* the copy is not close-on-exec */
	else
		fcntl(STDIN_FILENO, F_SETFD, 0);
	execve(h->path, h->argv, h->envp);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/* Feeds the state to the hook while waiting for it to exit or its deadline to pass. */
struct hook_run {
	pid_t pid;
	int pidfd, in; /* in: our end of its stdin, -1 once written or refused */
	const char *data;
	size_t len, off;
	long long deadline; /* ms on CLOCK_MONOTONIC, 0 for none */
};

static void feed(struct hook_run *r)
{
	while (r->off < r->len) {
		ssize_t n = write(r->in, r->data + r->off, r->len - r->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			break; /* EPIPE: the hook exited or closed its stdin, which is its right */
		r->off += n;
	}
	close(r->in);
	r->in = -1;
}

/* 0 with *status when the hook ended, -ETIMEDOUT when its time is up. */
static int wait_hook(struct hook_run *r, int *status)
{
	for (;;) {
		struct pollfd pfd[2] = {{r->pidfd, POLLIN, 0}, {r->in, POLLOUT, 0}};
		int wait = r->pidfd < 0 ? HOOK_POLL_MS : -1;
		pid_t w;

		if (r->deadline) {
			long long left = r->deadline - now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			if (wait < 0 || left < wait)
				wait = left;
		}
		if (poll(pfd, 2, wait) < 0 && errno != EINTR)
			return -errno;
		if (r->in >= 0 && pfd[1].revents)
			feed(r);
		do
			w = waitpid(r->pid, status, WNOHANG);
		while (w < 0 && errno == EINTR);
		if (w == r->pid)
			return 0;
		if (w < 0)
			return -errno;
	}
}

static int run_hook(const struct hook *h, const char *kind, const char *state, struct error **err)
{
	cleanup_close int errpipe_r = -1, pidfd = -1;
	struct hook_run r = {
	    .pid = -1, .in = -1, .data = state ? state : "", .len = state ? strlen(state) : 0};
	int in[2], ep[2], status = 0, e = 0, ret;
	sigset_t pipe_set, old;

	if (pipe2(in, O_CLOEXEC) < 0)
		return err_errno(err, "%s hook %s: pipe", kind, h->path);
	if (pipe2(ep, O_CLOEXEC) < 0) {
		ret = err_errno(err, "%s hook %s: pipe", kind, h->path);
		close(in[0]);
		close(in[1]);
		return ret;
	}
	errpipe_r = ep[0];
	fflush(NULL); /* the hook writes to our stdout too: ours first */
	r.pid = fork();
	if (r.pid == 0)
		exec_hook(h, in[0], ep[1]);
	close(in[0]);
	close(ep[1]);
	r.in = in[1];
	if (r.pid < 0) {
		close(r.in);
		return err_errno(err, "%s hook %s: fork", kind, h->path);
	}
	/* EOF: execve succeeded; an int: why it did not */
	while (read(errpipe_r, &e, sizeof(e)) < 0 && errno == EINTR)
		;
	if (e) {
		close(r.in);
		waitpid(r.pid, NULL, 0);
		return err_set(err, e, "%s hook %s: exec", kind, h->path);
	}
	pidfd = r.pidfd = syscall(SYS_pidfd_open, r.pid, 0);
	fcntl(r.in, F_SETFL, O_NONBLOCK);
	r.deadline = h->timeout ? now_ms() + h->timeout * 1000 : 0;
	/* a write to a pipe nobody reads raises SIGPIPE: held back, then taken if it came */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	feed(&r);
	ret = wait_hook(&r, &status);
	if (r.in >= 0)
		close(r.in);
	if (!sigismember(&old, SIGPIPE)) {
		sigset_t pending;
		struct timespec zero = {0, 0};
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE))
			sigtimedwait(&pipe_set, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ret == -ETIMEDOUT) {
		kill(r.pid, SIGKILL);
		waitpid(r.pid, NULL, 0);
		return err_set(err, ETIMEDOUT, "%s hook %s: timed out after %llds", kind, h->path,
		               h->timeout);
	}
	if (ret < 0) {
		kill(r.pid, SIGKILL);
		waitpid(r.pid, NULL, 0);
		return err_set(err, -ret, "%s hook %s: wait", kind, h->path);
	}
	if (WIFSIGNALED(status))
		return err_set(err, 0, "%s hook %s: killed by signal %d (%s)", kind, h->path,
		               WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (WEXITSTATUS(status))
		return err_set(err, 0, "%s hook %s: exit status %d", kind, h->path,
		               WEXITSTATUS(status));
	return 0;
}

int hooks_run(const struct json *hooks, enum hook_kind k, const char *state_json,
              struct error **err)
{
	struct hook *list = NULL;
	size_t n = 0;
	int ret;

	if (!hook_kind_name(k))
		return err_set(err, EINVAL, "hooks: unknown kind %d", (int)k);
	/* every hook of the list checked before the first one runs */
	ret = parse_hooks(hooks, k, &list, &n, err);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		struct error *e = NULL;

		/* runtime.md: a failing poststart or poststop hook is a warning, and the remaining
		 * hooks and the lifecycle go on as if it had succeeded */
		if (k != HOOK_POSTSTART && k != HOOK_POSTSTOP)
			ret = run_hook(&list[i], hook_kind_name(k), state_json, err);
		else if (run_hook(&list[i], hook_kind_name(k), state_json, &e) < 0)
			err_print(e);
		err_free(&e);
	}
	hooks_free(list, n);
	return ret;
}
