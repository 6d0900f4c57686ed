/* The container's init between clone and exec. It runs in the new namespaces with the host's
 * root still visible until pivot_root; every failure goes back to the parent as one SYNC_ERROR
 * message (the parent prints it and cleans up) and this process exits. Non-dumpable throughout,
 * so nothing in the container can open its /proc files while it still holds host fds. */
#include "runtime.h"
#include "caps.h"
#include "console.h"
#include "hooks.h"
#include "seccomp.h"
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CLOSE_RANGE_CLOEXEC_ (1U << 2)

extern char **environ;

NORETURN static void init_fail(struct init_ctx *x, struct error **err)
{
	sync_fail(x->sync_fd, err, "init", 1);
}

char *find_executable(const char *name, const char *const *env, struct error **err)
{
	const char *path = DEFAULT_PATH;
	struct stat st;

	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			return err_errno(err, "exec: \"%s\"", name), NULL;
		return xstrdup(name);
	}
	for (; env && *env; env++)
		if (str_has_prefix(*env, "PATH="))
			path = *env + 5;
	for (const char *p = path;; p++) {
		size_t len = strcspn(p, ":");
		char *cand = xasprintf("%.*s%s%s", (int)len, p, len ? "/" : "", name);

		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			return cand;
		free(cand);
		p += len;
		if (!*p)
			break;
	}
	err_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
	return NULL;
}

/* Only 0, 1, 2 and the --preserve-fds cross the exec; ours are CLOEXEC already. */
static int close_other_fds(unsigned preserve, struct error **err)
{
	unsigned first = 3 + preserve;
	DIR *d;
	struct dirent *de;

	for (unsigned fd = 3; fd < first; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC_) == 0)
		return 0;
	d = opendir("/proc/self/fd");
	if (!d)
		return err_errno(err, "list open fds");
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		if (de->d_name[0] != '.' && fd >= (int)first && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
	return 0;
}

static bool has_hooks(const struct oci_spec *spec, const char *kind)
{
	return json_len(json_get(spec->hooks, kind)) > 0;
}

static int become_root_in_userns(struct error **err)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return err_errno(err, "become root in the user namespace");
	return 0;
}

static int setup_console(struct init_ctx *x, struct error **err)
{
	int master, slave;
	cleanup_free char *name = NULL;

	if (console_open_pty(&master, &slave, &name, err) < 0)
		return -1;
	if (x->spec->console_rows && x->spec->console_cols &&
	    console_set_size(master, x->spec->console_rows, x->spec->console_cols, err) < 0)
		return -1;
	if (sync_send(x->sync_fd, SYNC_CONSOLE, name, master) < 0)
		return err_errno(err, "send the console");
	close(master);
	if (console_become_slave(slave, err) < 0)
		return -1;
	if (slave > 2)
		close(slave);
	return 0;
}

/* Blocks until `start` (or, for run, the parent) says go. */
static int wait_for_start(struct init_ctx *x, struct error **err)
{
	char t, p[32];
	int fd;

	if (x->fifo_fd < 0) {
		if (sync_recv(x->sync_fd, &t, NULL, 0, NULL) < 0 || t != SYNC_START)
			return err_set(err, EPIPE, "parent went away before start");
		return 0;
	}
	/* opening for writing blocks until `start` opens it for reading (runc's exec.fifo) */
	fd = open(fd_path(p, x->fifo_fd), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_errno(err, "open exec.fifo");
	if (write(fd, "0", 1) != 1)
		return err_errno(err, "write exec.fifo");
	close(fd);
	close(x->fifo_fd);
	return 0;
}

static int setup(struct init_ctx *x, char **exe, char **state, struct error **err)
{
	struct oci_spec *s = x->spec;
	char t, buf[4096];

	if (sync_recv(x->sync_fd, &t, buf, sizeof(buf), NULL) < 0 || t != SYNC_GO)
		return err_set(err, EPIPE, "parent went away");
	if ((s->clone_flags & CLONE_NEWUSER) && become_root_in_userns(err) < 0)
		return -1;
	if (ns_join_paths(s, ~0, CLONE_NEWPID, err) < 0)
		return -1;
	if ((s->join_flags & CLONE_NEWUSER) && become_root_in_userns(err) < 0)
		return -1;
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return err_errno(err, "sethostname");
	/* linux domainname is parsed but not set: runc 1.1, the reference, ignores it */
	if (oci_spec_has_ns(s, CLONE_NEWNS) && rootfs_prepare(&x->root, err) < 0)
		return err_wrap(err, "rootfs");
	if (oci_spec_has_ns(s, CLONE_NEWNS)) {
		/* runc makes a missing cwd; inside the rootfs, whatever its symlinks say */
		int fd = mount_resolve_in_root(x->root.rootfd, s->cwd, 'd', NULL);
		if (fd >= 0)
			close(fd);
	}
	if (has_hooks(s, "prestart") || has_hooks(s, "createRuntime")) {
		if (sync_send(x->sync_fd, SYNC_HOOKS, NULL, -1) < 0 ||
		    sync_recv(x->sync_fd, &t, buf, sizeof(buf), NULL) < 0)
			return err_set(err, EPIPE, "parent went away");
		if (t != SYNC_HOOKS_DONE)
			_exit(1); /* the parent reports its own failure */
		*state = xstrdup(buf);
	}
	if (has_hooks(s, "createContainer") &&
	    hooks_run(s->hooks, HOOK_CREATE_CONTAINER, *state ? *state : "{}", err) < 0)
		return -1;
	if (oci_spec_has_ns(s, CLONE_NEWNS) &&
	    (rootfs_pivot(&x->root, err) < 0 || rootfs_finalize(&x->root, err) < 0))
		return err_wrap(err, "rootfs");
	if (x->attrs && process_attrs_apply_privileged(x->attrs, err) < 0)
		return -1;
	if (s->terminal && setup_console(x, err) < 0)
		return err_wrap(err, "console");
	s->env = env_add_home(s->env, x->attrs ? x->attrs->uid : 0);
	*exe = find_executable(s->args[0], s->env, err);
	if (!*exe)
		return -1;
	return close_other_fds(x->preserve_fds, err);
}

void container_init(struct init_ctx *x)
{
	struct error *err = NULL;
	struct oci_spec *s = x->spec;
	char *exe = NULL, *state = NULL;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	if (setup(x, &exe, &state, &err) < 0)
		init_fail(x, &err);
	/* from here on the container outlives `create`, which may exit as soon as it reads READY */
	prctl(PR_SET_PDEATHSIG, 0);
	if (sync_send(x->sync_fd, SYNC_READY, NULL, -1) < 0)
		_exit(1);
	if (wait_for_start(x, &err) < 0)
		init_fail(x, &err);
	close(x->sync_fd);
	x->sync_fd = -1;
	if (has_hooks(s, "startContainer") &&
	    hooks_run(s->hooks, HOOK_START_CONTAINER, state ? state : "{}", &err) < 0)
		init_fail(x, &err);
	runtime_exec_process(x->seccomp, x->attrs, s->cwd, "config.json", exe, s->args, s->env,
			     &err);
	init_fail(x, &err);
}
