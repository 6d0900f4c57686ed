/* The container lifecycle: create (the init waits on exec.fifo), start, kill, delete, pause,
 * and waiting for a container run in the foreground. A create that fails half way undoes what
 * it made: the init is killed, the cgroup and the state directory removed. */
#include "runtime.h"
#include "caps.h"
#include "cgroup.h"
#include "console.h"
#include "hooks.h"
#include "path.h"
#include "seccomp.h"
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static char *now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

/* What one create holds while it works, so that failure can undo it in one place. */
struct creation {
	struct container c;
	struct process_attrs attrs;
	bool has_attrs;
	struct seccomp_filter *seccomp;
	struct cgroup_resources *res;
	struct cgroup *cg;
	bool cg_made;
	pid_t pid;
	int sync_fd;
	bool dir_made;
};

static void creation_undo(struct runtime *rt, struct creation *k)
{
	if (k->pid > 0) {
		kill(k->pid, SIGKILL);
		waitpid(k->pid, NULL, 0);
	}
	if (k->cg_made) {
		cgroup_kill_all(k->cg, SIGKILL, NULL);
		cgroup_destroy(k->cg, NULL);
	}
	if (k->dir_made)
		path_remove_at(rt->rootfd, k->c.id);
}

static void creation_free(struct creation *k)
{
	if (k->sync_fd >= 0)
		close(k->sync_fd);
	if (k->has_attrs)
		process_attrs_free(&k->attrs);
	seccomp_free(k->seccomp);
	cgroup_resources_free(k->res);
	cgroup_free(k->cg);
	container_free(&k->c);
}

static int parent_hooks(struct creation *k, struct error **err)
{
	cleanup_free char *state = NULL;

	k->c.pid = k->pid;
	k->c.status = STATUS_CREATING;
	state = container_state_string(&k->c);
	if (hooks_run(k->c.spec.hooks, HOOK_PRESTART, state, err) < 0 ||
	    hooks_run(k->c.spec.hooks, HOOK_CREATE_RUNTIME, state, err) < 0) {
		sync_send(k->sync_fd, SYNC_ERROR, NULL, -1);
		return -1;
	}
	return sync_send(k->sync_fd, SYNC_HOOKS_DONE, state, -1) < 0
		   ? err_set(err, EPIPE, "container init went away")
		   : 0;
}

/* Reads the init's messages until it is ready or fails. */
static int parent_sync(struct creation *k, struct create_opts *o, struct error **err)
{
	for (;;) {
		char t, buf[4096];
		int fd = -1, r = sync_recv(k->sync_fd, &t, buf, sizeof(buf), &fd);

		if (r < 0)
			return err_set(err, -r, "container init exited before it was ready");
		switch (t) {
		case SYNC_READY:
			return 0;
		case SYNC_ERROR:
			return err_set(err, 0, "container init: %s", buf);
		case SYNC_HOOKS:
			if (parent_hooks(k, err) < 0)
				return -1;
			break;
		case SYNC_CONSOLE:
			if (o->console_socket) {
				r = console_send_master(o->console_socket, fd, buf, err);
				close(fd);
				if (r < 0)
					return -1;
			} else {
				o->console_master = fd;
			}
			break;
		default:
			if (fd >= 0)
				close(fd);
			return err_set(err, EPROTO, "container init: unexpected message '%c'", t);
		}
	}
}

static int write_pid_file(const char *path, pid_t pid, struct error **err)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	return write_file_atomic(AT_FDCWD, path, buf, n, 0644, err);
}

static int load_bundle(struct creation *k, struct create_opts *o, struct error **err)
{
	struct oci_spec *s = &k->c.spec;
	char real[4096];
	cleanup_free char *cfg = NULL, *rootfs = NULL;
	size_t len;

	if (!realpath(o->bundle ? o->bundle : ".", real))
		return err_errno(err, "bundle %s", o->bundle ? o->bundle : ".");
	k->c.bundle = xstrdup(real);
	{
		cleanup_free char *path = xasprintf("%s/config.json", real);
		cfg = read_file_at(AT_FDCWD, path, (size_t)4 << 20, &len);
		if (!cfg)
			return err_errno(err, "config.json: open %s", path);
	}
	if (oci_spec_parse(cfg, len, s, err) < 0)
		return err_wrap(err, "config.json");
	if (!s->process)
		return err_set(err, 0, "config.json: process: missing");
	/* the copy beside the state is what start, delete and exec read later */
	if (runtime_write_file(k->c.dirfd, "config.json", cfg, len, err) < 0)
		return -1;
	rootfs = s->root_path[0] == '/' ? xstrdup(s->root_path)
					: xasprintf("%s/%s", real, s->root_path);
	if (!realpath(rootfs, real))
		return err_errno(err, "rootfs %s", rootfs);
	k->c.rootfs = xstrdup(real);
	return 0;
}

/* runtime-spec's default devices must work whatever linux.resources.devices says: runc's
 * allow rules go after the config's own, so a "deny all" first still leaves them open. */
static struct json *resources_with_default_devices(const struct json *res, struct error **err)
{
	static const struct {
		char type;
		int major, minor; /* -1: any */
		const char *access;
	} allowed[] = {
	    {'c', -1, -1, "m"},   {'b', -1, -1, "m"},   {'c', 1, 3, "rwm"}, {'c', 1, 8, "rwm"},
	    {'c', 1, 7, "rwm"},   {'c', 5, 0, "rwm"},   {'c', 1, 5, "rwm"}, {'c', 1, 9, "rwm"},
	    {'c', 136, -1, "rwm"}, {'c', 5, 2, "rwm"},
	};
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	const struct json *devs = json_get(res, "devices");
	struct json *out;

	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	for (size_t i = 0; i < json_len(res); i++) {
		const struct json_member *m = json_member_at(res, i);
		if (STREQ(m->key, "devices"))
			continue;
		jw_key_len(&w, m->key, m->key_len);
		json_write_tree(&w, &m->val);
	}
	jw_key(&w, "devices");
	jw_array_begin(&w);
	for (size_t i = 0; devs && devs->type == JSON_ARRAY && i < json_len(devs); i++)
		json_write_tree(&w, json_at(devs, i));
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		char type[2] = {allowed[i].type, 0};
		jw_object_begin(&w);
		jw_key(&w, "allow");
		jw_bool(&w, true);
		jw_key(&w, "type");
		jw_string(&w, type);
		if (allowed[i].major >= 0) {
			jw_key(&w, "major");
			jw_int(&w, allowed[i].major);
		}
		if (allowed[i].minor >= 0) {
			jw_key(&w, "minor");
			jw_int(&w, allowed[i].minor);
		}
		jw_key(&w, "access");
		jw_string(&w, allowed[i].access);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	out = json_parse(sb.buf, sb.len, NULL, err);
	sb_release(&sb);
	return out;
}

static int prepare(struct runtime *rt, struct creation *k, struct create_opts *o,
		   struct error **err)
{
	struct oci_spec *s = &k->c.spec;

	if (load_bundle(k, o, err) < 0)
		return -1;
	if (s->terminal && !o->console_socket && !o->run)
		return err_set(err, EINVAL, "cannot allocate tty if runc will detach without "
					    "setting console socket");
	if (!s->terminal && o->console_socket)
		return err_set(err, EINVAL, "cannot use console socket if runc will not detach "
					    "or allocate tty");
	if (process_attrs_parse(s->process, s->linux_section, &k->attrs, err) < 0)
		return err_wrap(err, "config.json");
	k->has_attrs = true;
	if (s->seccomp && !(k->seccomp = seccomp_compile(s->seccomp, err)))
		return err_wrap(err, "config.json: linux.seccomp");
	k->cg = cgroup_new(s->cgroups_path, k->c.id, err);
	if (!k->cg)
		return -1;
	{
		struct json *res = resources_with_default_devices(s->resources, err);
		if (!res)
			return -1;
		k->res = cgroup_resources_parse(res, err);
		json_free(res);
		if (!k->res)
			return err_wrap(err, "config.json: linux.resources");
	}
	if (cgroup_create(k->cg, err) < 0)
		return -1;
	k->cg_made = true;
	if (cgroup_apply(k->cg, k->res, err) < 0)
		return -1;
	if (!o->run && mkfifoat(k->c.dirfd, "exec.fifo", 0622) < 0)
		return err_errno(err, "mkfifo exec.fifo");
	(void)rt;
	return 0;
}

static int spawn(struct creation *k, struct create_opts *o, int rt_rootfd, struct error **err)
{
	struct oci_spec *s = &k->c.spec;
	int sv[2], saved_pid = -1, saved_time = -1;
	struct init_ctx x = {0};

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_errno(err, "socketpair");
	k->sync_fd = sv[0];
	x.spec = s;
	x.attrs = &k->attrs;
	x.seccomp = k->seccomp;
	x.sync_fd = sv[1];
	x.fifo_fd = -1;
	x.preserve_fds = o->preserve_fds;
	x.root.spec = s;
	x.root.rootfs = k->c.rootfs;
	x.root.bundle = k->c.bundle;
	x.root.cg = k->cg;
	x.root.in_userns = oci_spec_has_ns(s, CLONE_NEWUSER);
	x.root.no_pivot = o->no_pivot;
	x.root.rootfd = -1;
	if (!o->run && (x.fifo_fd = openat(k->c.dirfd, "exec.fifo", O_PATH | O_CLOEXEC)) < 0)
		return err_errno(err, "open exec.fifo");
	/* joining a pid namespace and making a time namespace both take effect for children */
	if (s->join_flags & CLONE_NEWPID) {
		saved_pid = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
		if (ns_join_paths(s, CLONE_NEWPID, 0, err) < 0)
			return -1;
	}
	if (s->clone_flags & CLONE_NEWTIME) {
		saved_time = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
		if (ns_set_time_offsets(s, err) < 0)
			return -1;
	}
	k->pid = ns_clone(s->clone_flags & ~CLONE_NEWTIME);
	/* back to our own for later children and threads (run's hooks, ASan's leak checker) */
	if (k->pid != 0 && saved_pid >= 0) {
		setns(saved_pid, CLONE_NEWPID);
		close(saved_pid);
	}
	if (k->pid != 0 && saved_time >= 0) {
		setns(saved_time, CLONE_NEWTIME);
		close(saved_time);
	}
	if (k->pid < 0) {
		close(sv[1]);
		if (x.fifo_fd >= 0)
			close(x.fifo_fd);
		return err_errno(err, "clone");
	}
	if (k->pid == 0) {
		/* the lock lives on the directory's open file: the init must not keep it held */
		close(sv[0]);
		close(k->c.dirfd);
		close(rt_rootfd);
		container_init(&x);
	}
	close(sv[1]);
	if (x.fifo_fd >= 0)
		close(x.fifo_fd);
	if (cgroup_enter(k->cg, k->pid, err) < 0)
		return -1;
	if ((s->clone_flags & CLONE_NEWUSER) &&
	    ns_write_id_maps(k->pid, s, geteuid() != 0, err) < 0)
		return -1;
	if (sync_send(k->sync_fd, SYNC_GO, NULL, -1) < 0)
		return err_errno(err, "start container init");
	return parent_sync(k, o, err);
}

int runtime_create(struct runtime *rt, const char *id, struct create_opts *o, pid_t *pid,
		   struct error **err)
{
	struct creation k = {.sync_fd = -1};
	int r = -1;

	k.c.dirfd = -1;
	o->console_master = -1;
	if (runtime_check_id(id, err) < 0 || runtime_root_open(rt, true, err) < 0)
		return -1;
	k.c.id = xstrdup(id);
	if (mkdirat(rt->rootfd, id, 0711) < 0) {
		if (errno == EEXIST)
			err_set(err, 0, "container with id exists: %s", id);
		else
			err_errno(err, "mkdir %s/%s", rt->root, id);
		goto out;
	}
	k.dir_made = true;
	k.c.dirfd = openat(rt->rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (k.c.dirfd < 0 || flock(k.c.dirfd, LOCK_EX) < 0) {
		err_errno(err, "lock %s/%s", rt->root, id);
		goto out;
	}
	k.c.owner = geteuid();
	k.c.created = now_rfc3339();
	if (prepare(rt, &k, o, err) < 0 || spawn(&k, o, rt->rootfd, err) < 0)
		goto out;
	k.c.pid = k.pid;
	k.c.start_time = proc_start_time(k.pid);
	if (container_save(&k.c, err) < 0 ||
	    (o->pid_file && write_pid_file(o->pid_file, k.pid, err) < 0))
		goto out;
	*pid = k.pid;
	if (o->run)
		o->sync_fd = steal_fd(&k.sync_fd);
	k.pid = 0;
	k.cg_made = k.dir_made = false;
	r = 0;
out:
	if (r < 0) {
		if (o->console_master >= 0)
			close(o->console_master);
		o->console_master = -1;
		creation_undo(rt, &k);
	}
	creation_free(&k);
	return r;
}

/* Waits until PID has exited: pidfd where there is one, else a short poll of /proc. */
static void wait_gone(pid_t pid, unsigned long long start_time)
{
	int fd = syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0) {
		struct pollfd p = {fd, POLLIN, 0};
		if (proc_alive(pid, start_time))
			poll(&p, 1, 10000);
		close(fd);
		return;
	}
	for (int i = 0; i < 10000 && proc_alive(pid, start_time); i++)
		usleep(1000);
}

static void poststart(struct container *c)
{
	struct error *err = NULL;
	cleanup_free char *state = NULL;

	if (!json_len(json_get(c->spec.hooks, "poststart")))
		return;
	c->status = STATUS_RUNNING;
	state = container_state_string(c);
	/* runtime.md: a failing poststart hook is logged, the container keeps running */
	if (hooks_run(c->spec.hooks, HOOK_POSTSTART, state, &err) < 0) {
		err_print(err);
		err_free(&err);
	}
}

int runtime_start(struct runtime *rt, const char *id, struct error **err)
{
	struct container c;
	cleanup_close int fd = -1, pidfd = -1;
	char b;
	int r = -1;

	if (container_load(rt, id, true, &c, err) < 0)
		goto out;
	if (c.status != STATUS_CREATED) {
		err_set(err, 0, "%s",
			c.status == STATUS_STOPPED    ? "cannot start a container that has stopped"
			: c.status == STATUS_CREATING ? "cannot start a container still being created"
						      : "cannot start an already running container");
		goto out;
	}
	/* nonblocking, then poll with the init's pidfd: an init that died never blocks us */
	fd = openat(c.dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err_errno(err, "open exec.fifo");
		goto out;
	}
	pidfd = syscall(SYS_pidfd_open, c.pid, 0);
	for (;;) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
		ssize_t n;

		if (poll(p, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 100) < 0 && errno != EINTR) {
			err_errno(err, "poll exec.fifo");
			goto out;
		}
		n = read(fd, &b, 1);
		if (n == 1)
			break;
		if ((pidfd >= 0 && (p[1].revents & POLLIN)) || !proc_alive(c.pid, c.start_time)) {
			err_set(err, 0, "cannot start a container that has stopped");
			goto out;
		}
	}
	unlinkat(c.dirfd, "exec.fifo", 0);
	poststart(&c);
	r = 0;
out:
	container_free(&c);
	return r;
}

int runtime_start_run(struct runtime *rt, const char *id, int sync_fd, struct error **err)
{
	struct container c;
	int r = -1;

	if (container_load(rt, id, false, &c, err) < 0)
		goto out;
	if (sync_send(sync_fd, SYNC_START, NULL, -1) < 0) {
		err_errno(err, "start container init");
		goto out;
	}
	poststart(&c);
	r = 0;
out:
	close(sync_fd);
	container_free(&c);
	return r;
}

int runtime_kill(struct runtime *rt, const char *id, int sig, bool all, struct error **err)
{
	struct container c;
	int r = -1;

	if (container_load(rt, id, false, &c, err) < 0)
		goto out;
	if (c.status == STATUS_STOPPED || c.status == STATUS_CREATING) {
		err_set(err, 0, "container not running");
		goto out;
	}
	if (all) {
		struct cgroup *cg = cgroup_new(c.spec.cgroups_path, c.id, err);
		r = cg ? cgroup_kill_all(cg, sig, err) : -1;
		cgroup_free(cg);
		goto out;
	}
	if (kill(c.pid, sig) < 0) {
		err_errno(err, "kill %d", (int)c.pid);
		goto out;
	}
	r = 0;
out:
	container_free(&c);
	return r;
}

int runtime_delete(struct runtime *rt, const char *id, bool force, struct error **err)
{
	struct container c;
	struct cgroup *cg = NULL;
	cleanup_free char *state = NULL;
	int r = -1;

	if (container_load(rt, id, true, &c, err) < 0)
		goto out;
	if ((c.status == STATUS_RUNNING || c.status == STATUS_PAUSED) && !force) {
		err_set(err, 0, "cannot delete container %s that is not stopped: %s", id,
			container_status_name(c.status));
		goto out;
	}
	cg = cgroup_new(c.spec.cgroups_path, c.id, NULL);
	if (c.status != STATUS_STOPPED && c.pid > 0) {
		if (cg && c.status == STATUS_PAUSED)
			cgroup_freeze(cg, false, NULL);
		kill(c.pid, SIGKILL);
		wait_gone(c.pid, c.start_time);
	}
	if (cg) {
		cgroup_kill_all(cg, SIGKILL, NULL);
		if (cgroup_destroy(cg, err) < 0) {
			err_print(*err);
			err_free(err);
		}
	}
	c.status = STATUS_STOPPED;
	state = container_state_string(&c);
	if (hooks_run(c.spec.hooks, HOOK_POSTSTOP, state, err) < 0) {
		err_print(*err); /* runtime.md: logged, the delete goes on */
		err_free(err);
	}
	if (path_remove_at(rt->rootfd, id) < 0) {
		err_errno(err, "remove %s/%s", rt->root, id);
		goto out;
	}
	r = 0;
out:
	cgroup_free(cg);
	container_free(&c);
	return r;
}

int runtime_pause(struct runtime *rt, const char *id, bool pause, struct error **err)
{
	struct container c;
	struct cgroup *cg = NULL;
	int r = -1;

	if (container_load(rt, id, true, &c, err) < 0)
		goto out;
	if (pause && c.status != STATUS_RUNNING) {
		err_set(err, 0, "container not running");
		goto out;
	}
	if (!pause && c.status != STATUS_PAUSED) {
		err_set(err, 0, "container not paused");
		goto out;
	}
	cg = cgroup_new(c.spec.cgroups_path, c.id, err);
	r = cg ? cgroup_freeze(cg, pause, err) : -1;
out:
	cgroup_free(cg);
	container_free(&c);
	return r;
}

static int exit_status(int ws)
{
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
}

int runtime_wait(pid_t pid, int console_master)
{
	static const int forward[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	sigset_t set, old;
	int ws;

	if (console_master >= 0) {
		console_relay(console_master, NULL);
		close(console_master);
		while (waitpid(pid, &ws, 0) < 0)
			if (errno != EINTR)
				return 1;
		return exit_status(ws);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forward); i++)
		sigaddset(&set, forward[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (;;) {
		siginfo_t si;
		pid_t w = waitpid(pid, &ws, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			ws = 1 << 8;
			break;
		}
		if (sigwaitinfo(&set, &si) > 0 && si.si_signo != SIGCHLD)
			kill(pid, si.si_signo);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return exit_status(ws);
}
