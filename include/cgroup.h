/* cgroups for containers (libbb/cgroup.c: layout and paths; cgroup1.c, cgroup2.c: the two
 * hierarchies). Works on v1, v2 and the hybrid layout (v1 controllers plus a controller-less
 * cgroup2 at /sys/fs/cgroup/unified), which is what many embedded kernels and this project's CI
 * machine have. No systemd: a "slice:prefix:name" cgroupsPath is honoured as the path systemd
 * would give it, and ocibox makes the directories itself. */
#ifndef OCIBOX_CGROUP_H
#define OCIBOX_CGROUP_H

#include "libbb.h"
#include "json.h"

enum cgroup_layout {
	CGROUP_NONE,   /* nothing mounted */
	CGROUP_V1,     /* v1 hierarchies only */
	CGROUP_HYBRID, /* v1 hierarchies for the controllers, cgroup2 for process tracking */
	CGROUP_V2,     /* unified */
};
enum cgroup_layout cgroup_layout(void); /* probed once from /proc/self/mountinfo */
const char *cgroup_layout_name(enum cgroup_layout l); /* "v1", "hybrid", "v2", "none" */

/* linux.resources, parsed and checked: unknown keys ignored, bad values refused. */
struct cgroup_resources;
struct cgroup_resources *cgroup_resources_parse(const struct json *resources, struct error **err);
void cgroup_resources_free(struct cgroup_resources *r);

struct cgroup; /* one container's cgroup in every hierarchy in use */

/* CGROUPS_PATH is linux.cgroupsPath: absolute or relative path, or "slice:prefix:name" (as
 * containerd and podman send when they think systemd drives cgroups: "system.slice:cri:abc"
 * becomes /system.slice/cri-abc.scope, "a-b.slice" nests as /a.slice/a-b.slice); NULL or ""
 * means "/ocibox/ID". A ".." component is refused. A relative path is taken, as runc does, from
 * our own cgroup in each v1 hierarchy and from its parent in cgroup2. Nothing is created. */
struct cgroup *cgroup_new(const char *cgroups_path, const char *id, struct error **err);
void cgroup_free(struct cgroup *cg);
/* "/ocibox/ID", the same in every hierarchy; a relative cgroupsPath stays relative ("a/b", no
 * leading '/'), since each hierarchy resolves it from a different place: see cgroup_dir(). */
const char *cgroup_relpath(const struct cgroup *cg);
/* The container's directory in the hierarchy holding CONTROLLER ("memory", "name=systemd"), or
 * in cgroup2 for NULL (v2, or hybrid's unified hierarchy). NULL when there is no such one. */
const char *cgroup_dir(const struct cgroup *cg, const char *controller);

/* mkdir in every hierarchy (and parents; v2: enable the controllers needed on the way). */
int cgroup_create(struct cgroup *cg, struct error **err);
/* Writes R's limits (v1 files, or v2 files plus linux.resources.unified keys, and the devices
 * list: v1 devices.allow/deny, v2 a BPF_PROG_TYPE_CGROUP_DEVICE program built at run time).
 * Used at create and by `ocirun update`. */
int cgroup_apply(struct cgroup *cg, const struct cgroup_resources *r, struct error **err);
int cgroup_enter(struct cgroup *cg, pid_t pid, struct error **err);
int cgroup_freeze(struct cgroup *cg, bool frozen, struct error **err); /* waits until settled */
int cgroup_is_frozen(struct cgroup *cg); /* 1, 0, or a negative errno value */
/* Every pid in the cgroup (v2 or the unified/pids/freezer hierarchy), malloc'd. */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error **err);
int cgroup_kill_all(struct cgroup *cg, int sig, struct error **err);
/* Writes runc's `events --stats` "data" object: cpu, memory, pids, blkio, hugetlb. */
int cgroup_stats(struct cgroup *cg, struct json_writer *w, struct error **err);
/* rmdir everywhere, deepest first, retrying while the kernel still drains it. Parents that
 * cgroup_create made with this same CG go too when empty (a failed create-then-apply leaves
 * nothing); a CG from another process's cgroup_new removes only its own directory, as runc. */
int cgroup_destroy(struct cgroup *cg, struct error **err);

/* The v2 device filter (libbb/cgroup_bpf.c), which cgroup_apply uses on v2; exposed for the
 * tests and for hybrid hosts. _load builds the BPF_PROG_TYPE_CGROUP_DEVICE program from R's
 * device rules (folded as v1's devices.allow/deny would fold them: deny all, then each rule) and
 * returns its fd; _attach puts it on CGROUP_FD (a cgroup2 directory) and detaches the program
 * attached before, so an update replaces the filter. */
int cgroup_devices_prog_load(const struct cgroup_resources *r, struct error **err);
int cgroup_devices_prog_attach(int cgroup_fd, int prog_fd, struct error **err);

/* Mounts the container's view of the cgroup hierarchies at TARGET (an absolute path in the
 * calling mount namespace, usually /proc/self/fd/N of the rootfs's sys/fs/cgroup): cgroup2
 * directly, or a tmpfs holding one cgroup mount per v1 hierarchy (a hybrid host's cgroup2 left
 * out, as runc does), with FLAGS (MS_RDONLY, MS_NOSUID, ...); MS_RDONLY reaches the hierarchies,
 * not v1's tmpfs, which runc leaves read-write. Called inside the container's cgroup namespace when
 * it has one, so the container sees its own cgroup as the root. */
int cgroup_mount(struct cgroup *cg, const char *target, unsigned long flags, struct error **err);

#endif
