/* What the running kernel offers ocibox (libbb/kernel_probe.c): facts and feature probes read
 * from /proc, /sys and /lib/modules under a root directory (the real "/", or a fake tree in the
 * unit tests), plus cheap syscall and netlink probes in a forked child when `live`. Nothing here
 * prints: the info applet formats. No probe leaves state behind: namespaces and links are made
 * only in a child that exits. */
#ifndef OCIBOX_KERNEL_PROBE_H
#define OCIBOX_KERNEL_PROBE_H

#include "libbb.h"
#include <time.h>

/* Devices without an RTC boot in 1970; a clock before this (2026-01-01 UTC) is certainly wrong
 * and makes every TLS certificate look not yet valid. */
#define KP_CLOCK_FLOOR ((time_t)1767225600)

enum kp_status { KP_OK, KP_MISSING, KP_UNKNOWN };

struct kp_result {
	enum kp_status status;
	char detail[160];
};

/* One line of /proc/self/mountinfo; the strings point into the parsed (unescaped) buffer. */
struct kp_mount {
	int id, parent;
	const char *root, *point, *fstype, *source, *superopts;
};

enum kp_cgroup_layout { KP_CG_NONE, KP_CG_V1, KP_CG_V2, KP_CG_HYBRID };

#define KP_MAX_CONTROLLERS 32
struct kp_controller {
	char name[24];        /* as /proc/cgroups names it: blkio, not io */
	int hierarchy;        /* /proc/cgroups column; -1 if only seen in mountinfo */
	bool enabled;         /* false: cgroup_disable= on the kernel command line */
	const char *v1_mount; /* first mount of its v1 hierarchy, or NULL */
};

struct kp_cgroups {
	enum kp_cgroup_layout layout;
	struct kp_controller ctl[KP_MAX_CONTROLLERS];
	int nctl;
	bool have_proc_cgroups;
	const char *v1_first;       /* first v1 controller mount; its directory holds the rest */
	const char *v2_mount;       /* first cgroup2 mount point, or NULL */
	char v2_controllers[256];   /* cgroup.controllers of its root, space-separated */
	bool v2_controllers_known;
};

#define KP_LINK_KINDS 4 /* veth bridge macvlan ipvlan: the --network drivers need them */

/* Results of the one forked child that runs every syscall and netlink probe: 0 success,
 * a positive errno, or -1 when that probe was not wanted or the child died. */
struct kp_live {
	bool ran;
	int seccomp_filter; /* PR_SET_SECCOMP(FILTER, NULL): EFAULT means supported */
	int bpf_device;     /* loading a trivial cgroup device program */
	int netns;          /* unshare() of the scratch network namespace */
	int nft;            /* NFT_MSG_GETTABLE dump */
	int link[KP_LINK_KINDS];
};

struct kernel_probe {
	int rootfd;   /* every path is read relative to this */
	bool live;    /* run syscall probes; false for a fake tree */
	char release[65], machine[65];
	long page_size, ncpus;        /* 0: unknown */
	unsigned long long mem_total; /* bytes; 0: unknown */
	bool is_root;
	bool modular; /* /proc/modules exists: the kernel can load modules */
	time_t now;
	const struct kp_mount *rootmnt; /* the mount seen at "/", or NULL */
	bool initramfs;                 /* / is the initial rootfs: pivot_root fails */
	char container[96];             /* why we seem to run in a container; "" if no sign */
	struct kp_mount *mounts;
	int nmounts;
	struct kp_cgroups cg;
	/* files read once, NULL when absent */
	char *mountinfo, *filesystems, *status;
	char *modules_builtin, *modules_dep;
	bool modules_read;
	struct kp_live lv;
};

/* Reads the tree at rootfd. live: also uname(), sysconf(), and later the probe child.
 * release overrides uname's (tests); NULL takes uname's. */
void kernel_probe_init(struct kernel_probe *kp, int rootfd, bool live, const char *release);
void kernel_probe_free(struct kernel_probe *kp);

/* The probe table: data, grouped by section in output order. A probe fills r with ok, missing
 * or unknown and a short detail; `disables` says what is lost when it is missing. */
struct kp_probe {
	const char *section; /* "Namespaces", "Cgroups", "Features" */
	const char *name;    /* also what the probe looks at: "user", "memory", "ipvlan" */
	void (*run)(struct kernel_probe *kp, const char *name, struct kp_result *r);
	const char *disables;
};
extern const struct kp_probe kernel_probes[];
extern const size_t kernel_probes_count;

/* Enabled in the kernel but usable nowhere: on no mounted v1 hierarchy, not in cgroup2's
 * cgroup.controllers (net_cls on a hybrid system, say). */
bool kp_controller_unmounted(const struct kp_cgroups *cg, const struct kp_controller *c);

/* Runs the probe called name; -1 if there is none. */
int kernel_probe_run(struct kernel_probe *kp, const char *name, struct kp_result *r);

const char *kp_status_name(enum kp_status s);       /* ok missing unknown */
const char *kp_layout_name(enum kp_cgroup_layout l); /* none v1 v2 hybrid */

/* Parsers, exposed for the unit tests. kp_parse_mountinfo splits buf in place and returns how
 * many mounts *out holds (free it). kp_module_listed: does a modules.builtin or modules.dep
 * text list module mod ("nf_tables" matches kernel/net/netfilter/nf_tables.ko.xz)? */
int kp_parse_mountinfo(char *buf, struct kp_mount **out);
bool kp_module_listed(const char *list, const char *mod);

#endif
