/* `exec`: another process in a running container. The parent joins the container's pid (and
 * time) namespace for its children only, forks, puts the child in the container's cgroup; the
 * child joins the other namespaces through /proc/PID/ns (the user namespace first), takes the
 * container's root, and then applies the process attributes exactly as the init does. */
#include "runtime.h"
#include "caps.h"
#include "cgroup.h"
#include "console.h"
#include "seccomp.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* In setns order: the user namespace decides what the others allow; mount last of the child's. */
static const struct {
	const char *file;
	int flag;
} ns_files[] = {
    {"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},
    {"net", CLONE_NEWNET},   {"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS},
    {"pid", CLONE_NEWPID},   {"time", CLONE_NEWTIME},
};
#define N_NS (sizeof(ns_files) / sizeof(ns_files[0]))

struct exec_ctx {
	int ns_fd[N_NS]; /* -1: the same as ours, nothing to join */
	int rootfd;
	int sync_fd;
	const char **args, **env;
	const char *cwd;
	bool terminal;
	struct process_attrs attrs;
	struct seccomp_filter *seccomp;
	unsigned preserve_fds;
};

static int open_namespaces(pid_t pid, struct exec_ctx *x, struct error **err)
{
	for (size_t i = 0; i < N_NS; i++) {
		char path[64], mine[32];
		struct stat a, b;

		x->ns_fd[i] = -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_files[i].file);
		snprintf(mine, sizeof(mine), "/proc/self/ns/%s", ns_files[i].file);
		if (stat(path, &a) < 0)
			continue; /* a namespace this kernel lacks */
		if (stat(mine, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		x->ns_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (x->ns_fd[i] < 0)
			return err_errno(err, "open %s", path);
	}
	return 0;
}

static int strv_field(const struct json *p, const char *key, const char ***out, bool required,
		      struct error **err)
{
	const struct json *a = json_get(p, key);
	size_t n = json_len(a);

	*out = xzalloc((n + 1) * sizeof(char *));
	if (required && !n)
		return err_set(err, 0, "process.%s: missing", key);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *s = json_string(json_at(a, i), &len);
		if (!s || strlen(s) != len)
			return err_set(err, 0, "process.%s[%zu]: must be a string", key, i);
		(*out)[i] = s;
	}
	return 0;
}

NORETURN static void exec_fail(struct exec_ctx *x, struct error **err)
{
	sync_fail(x->sync_fd, err, "exec", 255);
}

static int exec_setup(struct exec_ctx *x, char **exe, struct error **err)
{
	char t;

	if (sync_recv(x->sync_fd, &t, NULL, 0, NULL) < 0 || t != SYNC_GO)
		return err_set(err, EPIPE, "parent went away");
	for (size_t i = 0; i < N_NS; i++)
		if (x->ns_fd[i] >= 0 && ns_files[i].flag != CLONE_NEWPID &&
		    ns_files[i].flag != CLONE_NEWTIME && setns(x->ns_fd[i], ns_files[i].flag) < 0)
			return err_errno(err, "join %s namespace", ns_files[i].file);
	if (fchdir(x->rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return err_errno(err, "enter the container's root");
	if (process_attrs_apply_privileged(&x->attrs, err) < 0)
		return -1;
	if (x->terminal) {
		int master, slave;
		cleanup_free char *name = NULL;

		if (console_open_pty(&master, &slave, &name, err) < 0)
			return -1;
		if (sync_send(x->sync_fd, SYNC_CONSOLE, name, master) < 0)
			return err_errno(err, "send the console");
		close(master);
		if (console_become_slave(slave, err) < 0)
			return -1;
		if (slave > 2)
			close(slave);
	}
	x->env = env_add_home(x->env, x->attrs.uid);
	*exe = find_executable(x->args[0], x->env, err);
	if (!*exe)
		return -1;
	{
		unsigned first = 3 + x->preserve_fds;
		if (syscall(SYS_close_range, first, ~0U, 1U << 2) < 0)
			for (int fd = first; fd < 1024; fd++)
				fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

NORETURN static void exec_child(struct exec_ctx *x)
{
	struct error *err = NULL;
	char *exe = NULL;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	if (exec_setup(x, &exe, &err) < 0)
		exec_fail(x, &err);
	/* the process outlives `exec --detach` (containerd's shim uses it), and a pdeath signal
	 * survives execve: clear it now, before seccomp could refuse the prctl */
	prctl(PR_SET_PDEATHSIG, 0);
	runtime_exec_process(x->seccomp, &x->attrs, x->cwd, "process.json", exe, x->args, x->env,
			     &err);
	exec_fail(x, &err);
}

/* Reads the child's messages until its exec closes the socket. */
static int exec_sync(int fd, struct exec_opts *o, int *master, struct error **err)
{
	for (;;) {
		char t, buf[4096];
		int got = -1, r = sync_recv(fd, &t, buf, sizeof(buf), &got);

		if (r == -EPIPE)
			return 0; /* CLOEXEC: the exec happened */
		if (r < 0)
			return err_set(err, -r, "exec");
		if (t == SYNC_ERROR)
			return err_set(err, 0, "exec failed: %s", buf);
		if (t == SYNC_CONSOLE) {
			if (o->console_socket) {
				r = console_send_master(o->console_socket, got, buf, err);
				close(got);
				if (r < 0)
					return -1;
			} else {
				*master = got;
			}
		} else if (got >= 0) {
			close(got);
		}
	}
}

int runtime_exec(struct runtime *rt, const char *id, struct exec_opts *o, int *status,
		 struct error **err)
{
	struct container c;
	struct exec_ctx x = {.rootfd = -1, .sync_fd = -1};
	struct cgroup *cg = NULL;
	bool has_attrs = false;
	int sv[2] = {-1, -1}, master = -1, r = -1, saved_pid = -1, saved_time = -1;
	pid_t pid = -1;
	char root[40];

	for (size_t i = 0; i < N_NS; i++)
		x.ns_fd[i] = -1;
	if (container_load(rt, id, false, &c, err) < 0)
		goto out;
	if (c.status != STATUS_RUNNING && c.status != STATUS_CREATED) {
		err_set(err, 0, "cannot exec in a %s container", container_status_name(c.status));
		goto out;
	}
	if (strv_field(o->process, "args", &x.args, true, err) < 0 ||
	    strv_field(o->process, "env", &x.env, false, err) < 0)
		goto out;
	x.cwd = json_get_str(o->process, "cwd");
	if (!x.cwd || x.cwd[0] != '/') {
		err_set(err, 0, "process.cwd: must be an absolute path");
		goto out;
	}
	json_get_bool(o->process, "terminal", &x.terminal);
	if (x.terminal && !o->console_socket && o->detach) {
		err_set(err, EINVAL, "cannot allocate tty if runc will detach without setting "
				     "console socket");
		goto out;
	}
	if (process_attrs_parse(o->process, c.spec.linux_section, &x.attrs, err) < 0)
		goto out;
	has_attrs = true;
	if (c.spec.seccomp && !(x.seccomp = seccomp_compile(c.spec.seccomp, err)))
		goto out;
	x.preserve_fds = o->preserve_fds;
	if (open_namespaces(c.pid, &x, err) < 0)
		goto out;
	snprintf(root, sizeof(root), "/proc/%d/root", (int)c.pid);
	x.rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x.rootfd < 0 || !proc_alive(c.pid, c.start_time)) {
		err_errno(err, "open %s", root);
		goto out;
	}
	cg = cgroup_new(c.spec.cgroups_path, c.id, err);
	if (!cg)
		goto out;
	/* pid and time namespaces apply to our children: join them here, before the fork, and
	 * come back after it (a thread made later, by ASan's leak checker say, needs our own) */
	saved_pid = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	saved_time = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < N_NS; i++)
		if (x.ns_fd[i] >= 0 && (ns_files[i].flag & (CLONE_NEWPID | CLONE_NEWTIME)) &&
		    setns(x.ns_fd[i], ns_files[i].flag) < 0) {
			err_errno(err, "join %s namespace", ns_files[i].file);
			goto out;
		}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err_errno(err, "socketpair");
		goto out;
	}
	pid = ns_clone(0);
	if (pid < 0) {
		err_errno(err, "fork");
		goto out;
	}
	if (pid > 0) {
		if (saved_pid >= 0)
			setns(saved_pid, CLONE_NEWPID);
		if (saved_time >= 0)
			setns(saved_time, CLONE_NEWTIME);
	}
	if (pid == 0) {
		close(sv[0]);
		x.sync_fd = sv[1];
		exec_child(&x);
	}
	close(sv[1]);
	sv[1] = -1;
	if (cgroup_enter(cg, pid, err) < 0 || sync_send(sv[0], SYNC_GO, NULL, -1) < 0 ||
	    exec_sync(sv[0], o, &master, err) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (o->pid_file) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
		if (write_file_atomic(AT_FDCWD, o->pid_file, buf, n, 0644, err) < 0)
			goto out;
	}
	*status = o->detach ? 0 : runtime_wait(pid, master);
	master = -1;
	r = 0;
out:
	if (saved_pid >= 0)
		close(saved_pid);
	if (saved_time >= 0)
		close(saved_time);
	for (size_t i = 0; i < N_NS; i++)
		if (x.ns_fd[i] >= 0)
			close(x.ns_fd[i]);
	if (x.rootfd >= 0)
		close(x.rootfd);
	if (sv[0] >= 0)
		close(sv[0]);
	if (master >= 0)
		close(master);
	if (has_attrs)
		process_attrs_free(&x.attrs);
	seccomp_free(x.seccomp);
	cgroup_free(cg);
	free(x.args);
	free(x.env);
	container_free(&c);
	return r;
}
