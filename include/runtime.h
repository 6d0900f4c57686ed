/* The OCI runtime (libbb/runtime*.c, ns.c, mount*.c): containers from bundles, with their state
 * under a root directory, the way runc keeps it. The ocirun applet is a command line over this;
 * the run applet calls it in-process. */
#ifndef OCIBOX_RUNTIME_H
#define OCIBOX_RUNTIME_H

#include "libbb.h"
#include "json.h"
#include "oci_spec.h"

#define RUNTIME_DEFAULT_ROOT "/run/ocibox/ocirun"

enum container_status {
	STATUS_CREATING,
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_PAUSED,
	STATUS_STOPPED,
};
const char *container_status_name(enum container_status s);

/* What state.json records (libbb/runtime_state.c). */
struct container {
	char *id;
	char *bundle;  /* absolute */
	char *rootfs;  /* absolute, on the host */
	pid_t pid;
	unsigned long long start_time; /* /proc/PID/stat's, so a reused pid is not ours */
	char *created;                 /* RFC 3339 with nanoseconds, UTC */
	uid_t owner;
	enum container_status status; /* computed when loaded */
	struct oci_spec spec;          /* the config.json copy kept beside the state */
	int dirfd;                     /* ROOT/ID, locked while the caller works on it */
};

struct runtime {
	const char *root; /* --root */
	bool rootless;
	bool debug;
	int rootfd; /* opened on first use */
};

struct create_opts {
	const char *bundle;         /* "." if NULL */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	unsigned preserve_fds;      /* fds 3 .. 3+N-1 go into the container */
	bool run;                   /* run: start at once; the caller waits for the exit */
	int console_master;         /* out: run with a terminal and no socket: the pty master */
	int sync_fd;                /* out, run: hand to runtime_start_run() */
};

/* Checks an id as runc does: letters, digits, '_', '+', '-', '.', not "." or "..". */
int runtime_check_id(const char *id, struct error **err);

/* libbb/runtime_state.c */
int runtime_root_open(struct runtime *rt, bool create, struct error **err);
/* Loads ROOT/ID (state.json and the config copy), computes the status. With LOCK, holds the
 * container's lock until container_free(). */
int container_load(struct runtime *rt, const char *id, bool lock, struct container *c,
		   struct error **err);
void container_free(struct container *c);
int container_save(struct container *c, struct error **err);
/* temp + rename in DIRFD, no fsync: for the volatile state under /run */
int runtime_write_file(int dirfd, const char *name, const char *buf, size_t len,
		       struct error **err);
/* The runtime-spec state (plus runc's rootfs, created, owner) as JSON, for `state` and hooks. */
void container_state_json(const struct container *c, struct json_writer *w);
char *container_state_string(const struct container *c); /* malloc'd, compact */
enum container_status container_refresh(struct container *c); /* recompute the status */
/* ids under ROOT, sorted; malloc'd vector, NULL-terminated */
char **runtime_list_ids(struct runtime *rt, struct error **err);
bool proc_alive(pid_t pid, unsigned long long start_time);
unsigned long long proc_start_time(pid_t pid); /* 0 if gone */

/* libbb/runtime.c: the lifecycle. Each returns 0 or a negative value with *err set. */
int runtime_create(struct runtime *rt, const char *id, struct create_opts *o, pid_t *pid,
		   struct error **err);
int runtime_start(struct runtime *rt, const char *id, struct error **err);
/* run's start: the init waits on SYNC_FD rather than the fifo; closes SYNC_FD. */
int runtime_start_run(struct runtime *rt, const char *id, int sync_fd, struct error **err);
int runtime_kill(struct runtime *rt, const char *id, int sig, bool all, struct error **err);
int runtime_delete(struct runtime *rt, const char *id, bool force, struct error **err);
int runtime_pause(struct runtime *rt, const char *id, bool pause, struct error **err);
/* Waits for the container's init (our child after runtime_create with o->run), forwarding
 * signals to it; returns its exit status, 128+signal if it was killed. */
int runtime_wait(pid_t pid, int console_master);

/* libbb/runtime_exec.c */
struct exec_opts {
	const struct json *process; /* a runtime-spec process object */
	const char *pid_file;
	const char *console_socket;
	bool detach;
	unsigned preserve_fds;
};
/* Runs PROCESS in the container's namespaces and cgroup; *status is its exit status unless
 * detached. */
int runtime_exec(struct runtime *rt, const char *id, struct exec_opts *o, int *status,
		 struct error **err);

/* libbb/ns.c */
int ns_write_id_maps(pid_t pid, const struct oci_spec *spec, bool deny_setgroups,
		     struct error **err);
int ns_join_paths(const struct oci_spec *spec, int only, int skip, struct error **err);
int ns_set_time_offsets(const struct oci_spec *spec, struct error **err);
/* fork() with CLONE_NEW* FLAGS: returns 0 in the child, the pid in the parent. */
pid_t ns_clone(int flags);

/* libbb/mount.c, mount_paths.c: inside the container's mount namespace, in this order. */
struct cgroup;
struct rootfs_ctx {
	const struct oci_spec *spec;
	const char *rootfs; /* absolute host path */
	const char *bundle; /* relative bind sources start here */
	struct cgroup *cg;
	bool in_userns;
	bool no_pivot;
	int rootfd; /* set by rootfs_prepare: the rootfs, later "/" */
};
int rootfs_prepare(struct rootfs_ctx *ctx, struct error **err);  /* mounts, /dev */
int rootfs_pivot(struct rootfs_ctx *ctx, struct error **err);    /* pivot_root or chroot */
int rootfs_finalize(struct rootfs_ctx *ctx, struct error **err); /* sysctl, masks, ro */
/* Helpers shared by the mount files (libbb/mount.c). */
const char *fd_path(char buf[32], int fd); /* "/proc/self/fd/N" */
int mount_resolve_in_root(int rootfd, const char *path, int create, struct error **err);
int mount_bind_fd(int srcfd, int tfd, bool rec, int *mntfd, struct error **err);
int mount_setattr_fd(int fd, unsigned set, unsigned clr, unsigned long propagation, bool rec,
		     struct error **err);

/* libbb/runtime_init.c: the container's first process, from the clone to the exec of
 * process.args. Talks to its parent over SYNC_FD; never returns. */
struct process_attrs;
struct seccomp_filter;
struct init_ctx {
	struct oci_spec *spec;
	struct process_attrs *attrs;
	struct seccomp_filter *seccomp;
	struct rootfs_ctx root;
	int sync_fd;   /* our end of the socket pair */
	int fifo_fd;   /* O_PATH on exec.fifo: `start` opens it; -1 for run, which says 'S' */
	unsigned preserve_fds;
};
NORETURN void container_init(struct init_ctx *x);
/* Messages on the socket pair, one byte each. */
enum {
	SYNC_GO = 'G',          /* parent: maps written, cgroup joined */
	SYNC_HOOKS = 'H',       /* init: mounts done, run prestart/createRuntime now */
	SYNC_HOOKS_DONE = 'h',  /* parent: done; the text is the state for our own hooks */
	SYNC_CONSOLE = 'C',     /* init: the pty master rides along */
	SYNC_READY = 'R',       /* init: waiting for start */
	SYNC_START = 'S',       /* parent (run): go ahead without the fifo */
	SYNC_ERROR = 'E',       /* either side: the text says what failed */
};
/* libbb/env_home.c: ENV itself when it has HOME, else a copy with runc's HOME for UID. */
const char **env_add_home(const char **env, uid_t uid);
/* PATH lookup in the container's environment, as runc does it before `start`. */
char *find_executable(const char *name, const char *const *env, struct error **err);

/* libbb/sync_socket.c: the init and its parent talk over a SOCK_SEQPACKET pair. */
int sync_send(int fd, char type, const char *text, int pass_fd);
/* Receives one message: its type, its text into buf (NUL-terminated), an fd if one came. */
int sync_recv(int fd, char *type, char *buf, size_t size, int *got_fd);
/* In a child that set up a container process: sends *err as SYNC_ERROR to the parent, or
 * prints it with WHAT ("ocirun: WHAT: ...") when there is no parent to tell, then _exit(STATUS). */
NORETURN void sync_fail(int fd, struct error **err, const char *what, int status);

struct seccomp_filter;
struct process_attrs;
/* libbb/runtime_process.c: the last steps of a container process, the same for the init and
 * for exec: seccomp (here while CAP_SYS_ADMIN is still ours, unless no_new_privs), identity and
 * capabilities (ATTRS may be NULL), cwd (WHERE names the file that set it), seccomp last with
 * no_new_privs, execve. Returns only on failure, with *err set. */
int runtime_exec_process(const struct seccomp_filter *sc, const struct process_attrs *attrs,
			 const char *cwd, const char *where, const char *exe,
			 const char *const *args, const char *const *env, struct error **err);

/* libbb/self_exe.c: re-exec through a sealed memfd copy of this binary (once; a no-op when
 * already running from one), so a container never sees a writable /proc/self/exe. */
int self_exe_ensure_sealed(char **argv, struct error **err);

#endif
