/* What libbb's cgroup files share and nobody else needs: the parsed linux.resources, one
 * container's directories, the file helpers that name the file and value in every error, and the
 * per-version entry points cgroup.c dispatches to. */
#ifndef OCIBOX_CGROUP_INTERNAL_H
#define OCIBOX_CGROUP_INTERNAL_H

#include "cgroup.h"

/* ---- linux.resources (libbb/cgroup_resources.c) ---- */

/* The scalar settings: one bit each in cgroup_resources.set, the value in .v[]. */
enum cg_field {
	CG_MEM_LIMIT,
	CG_MEM_RESERVATION,
	CG_MEM_SWAP,
	CG_MEM_KERNEL,
	CG_MEM_KERNEL_TCP,
	CG_MEM_SWAPPINESS,
	CG_MEM_DISABLE_OOM,
	CG_MEM_USE_HIERARCHY,
	CG_MEM_CHECK_BEFORE_UPDATE,
	CG_CPU_SHARES,
	CG_CPU_QUOTA,
	CG_CPU_BURST,
	CG_CPU_PERIOD,
	CG_CPU_RT_RUNTIME,
	CG_CPU_RT_PERIOD,
	CG_CPU_IDLE,
	CG_PIDS_LIMIT,
	CG_BLKIO_WEIGHT,
	CG_BLKIO_LEAF_WEIGHT,
	CG_NET_CLASSID,
	CG_NFIELDS
};

#define CG_WILDCARD (-1LL) /* a device rule's major or minor left out: "*" */

enum { CG_ACC_MKNOD = 1, CG_ACC_READ = 2, CG_ACC_WRITE = 4 }; /* BPF_DEVCG_ACC_* values */

struct cg_device_rule {
	bool allow;
	char type; /* 'a', 'b', 'c' */
	long long major, minor;
	unsigned access; /* CG_ACC_* */
};

struct cg_weight_device {
	long long major, minor;
	long long weight, leaf_weight; /* -1: not given */
};

enum { CG_THR_READ_BPS, CG_THR_WRITE_BPS, CG_THR_READ_IOPS, CG_THR_WRITE_IOPS, CG_NTHROTTLE };
struct cg_throttle {
	long long major, minor;
	unsigned long long rate;
};

struct cg_hugepage {
	char *page_size; /* "2MB" */
	unsigned long long limit;
};

struct cg_ifprio {
	char *name;
	unsigned prio;
};

struct cg_rdma {
	char *device;
	long long handles, objects; /* -1: not given */
};

struct cg_unified {
	char *key, *value;
};

struct cgroup_resources {
	uint32_t set; /* 1 << enum cg_field */
	long long v[CG_NFIELDS];
	char *cpus, *mems; /* NULL: not given */
	bool has_devices;  /* linux.resources.devices given, even empty: deny all, then the rules */
	struct cg_device_rule *dev;
	size_t ndev;
	struct cg_weight_device *wdev;
	size_t nwdev;
	struct cg_throttle *thr[CG_NTHROTTLE];
	size_t nthr[CG_NTHROTTLE];
	struct cg_hugepage *huge;
	size_t nhuge;
	struct cg_ifprio *prio;
	size_t nprio;
	struct cg_rdma *rdma;
	size_t nrdma;
	struct cg_unified *unified;
	size_t nunified;
};

static inline bool cg_has(const struct cgroup_resources *r, enum cg_field f)
{
	return r->set & (1u << f);
}

/* ---- one container's cgroup (libbb/cgroup.c) ---- */

struct cg_hier {
	char *mnt;   /* where the hierarchy is mounted */
	char *ctrls; /* "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
	char *dir;   /* the container's cgroup: mnt + path */
	char *made;  /* the shallowest directory cgroup_create made, for the rollback */
	bool v2;
};

struct cgroup {
	enum cgroup_layout layout;
	char *path; /* as cgroup_relpath() returns it */
	struct cg_hier *h;
	size_t nh;
};

const char *cg_v1_dir(const struct cgroup *cg, const char *ctrl); /* NULL: not mounted */
/* Whether we are at the root of a cgroup namespace of our own in H, so that a fresh mount of H
 * shows our own cgroup as its root. */
bool cg_self_at_root(const struct cg_hier *h);
const char *cg_v2_dir(const struct cgroup *cg); /* v2, or the unified hierarchy; NULL if none */

/* ---- files (libbb/cgroup_files.c) ---- */

/* "cgroup: FILE: write VALUE: why", the file named as the kernel knows it. */
int cg_write(const char *dir, const char *file, const char *value, struct error **err);
int cg_writef(const char *dir, const char *file, struct error **err, const char *fmt, ...)
    PRINTF(4, 5);
bool cg_exists(const char *dir, const char *file);
char *cg_read(const char *dir, const char *file); /* NULL with errno; trailing newline kept */
int cg_read_u64(const char *dir, const char *file, uint64_t *out); /* "max": UINT64_MAX */
/* Value of "KEY N" in a flat-keyed file (memory.stat, cpu.stat, cgroup.events). */
bool cg_keyed_u64(const char *text, const char *key, uint64_t *out);

/* ---- the two versions (libbb/cgroup1.c, libbb/cgroup2.c) ---- */

struct cg_mem_entry {
	uint64_t limit, usage, max, failcnt;
};
struct cg_blkio_entry {
	uint64_t major, minor, value;
	char op[16];
};
enum {
	CG_IO_SERVICE_BYTES,
	CG_IO_SERVICED,
	CG_IO_QUEUED,
	CG_IO_SERVICE_TIME,
	CG_IO_WAIT_TIME,
	CG_IO_MERGED,
	CG_IO_TIME,
	CG_IO_SECTORS,
	CG_IO_NLISTS
};
struct cg_hugetlb_stat {
	char size[16];
	uint64_t usage, max, failcnt;
};
struct cg_u64_list {
	uint64_t *v;
	size_t n;
};

/* What `events --stats` reports, filled by either version and written by cgroup_stats. */
struct cg_stats {
	uint64_t cpu_total, cpu_kernel, cpu_user;
	struct cg_u64_list percpu, percpu_kernel, percpu_user;
	uint64_t periods, throttled_periods, throttled_time;
	uint64_t mem_cache;
	struct cg_mem_entry usage, swap, kernel, kernel_tcp;
	char *mem_raw; /* memory.stat as read: "key value" lines */
	uint64_t pids_current, pids_limit;
	struct cg_blkio_entry *io[CG_IO_NLISTS];
	size_t nio[CG_IO_NLISTS];
	struct cg_hugetlb_stat *huge;
	size_t nhuge;
};

void cg_u64_push(struct cg_u64_list *l, uint64_t v);
void cg_blkio_push(struct cg_stats *s, int list, const struct cg_blkio_entry *e);
char **cg_hugepage_sizes(const char *dir, const char *prefix, const char *suffix, size_t *n);

/* The files both versions name alike (libbb/cgroup1.c). */
int cg_set_cpuset(const char *dir, const struct cgroup_resources *r, struct error **err);
int cg_set_pids(const char *dir, const struct cgroup_resources *r, struct error **err);
int cg_set_rdma(const char *dir, const struct cgroup_resources *r, struct error **err);

int cgroup1_apply(struct cgroup *cg, const struct cgroup_resources *r, struct error **err);
int cgroup1_freeze(const char *dir, bool frozen, struct error **err);
void cgroup1_stats(struct cgroup *cg, struct cg_stats *s);

int cgroup2_apply(const char *dir, const struct cgroup_resources *r, struct error **err);
int cgroup2_enable_controllers(const char *mnt, const char *dir); /* best effort, as runc */
int cgroup2_freeze(const char *dir, bool frozen, struct error **err);
void cgroup2_stats(const char *dir, struct cg_stats *s);
/* linux.resources.unified: KEY is a file of DIR; '/' and ".." are refused. */
int cgroup2_apply_unified(const char *dir, const struct cgroup_resources *r, struct error **err);

/* v2 device filter (libbb/cgroup_bpf.c) */
int cgroup2_apply_devices(const char *dir, const struct cgroup_resources *r, struct error **err);

#endif
