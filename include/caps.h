/* The process part of a container's config (libbb/caps.c, libbb/rlimit.c, libbb/process_attrs.c):
 * capabilities, rlimits, identity and scheduling, parsed from config.json's "process" object
 * into plain data, then applied in two steps around the exec. */
#ifndef OCIBOX_CAPS_H
#define OCIBOX_CAPS_H

#include "libbb.h"
#include "json.h"
#include <sys/resource.h>

int cap_from_name(const char *name); /* "CAP_SYS_ADMIN" -> 21; -1 if unknown */
const char *cap_name(int cap);      /* NULL if unknown */
int cap_last_cap(void);             /* the running kernel's, else the table's last */
void caps_features(struct json_writer *w); /* features.json "capabilities": array of names */

int rlimit_from_name(const char *name); /* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 if unknown */
const char *rlimit_name(int resource);  /* NULL if unknown */

struct caps_set {
	uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct rlimit_spec {
	int resource; /* RLIMIT_* */
	struct rlimit lim;
};

struct process_attrs {
	struct caps_set caps;       /* all zero when process.capabilities is absent */
	bool has_caps;
	struct rlimit_spec *rlimits; /* process.rlimits, "RLIMIT_NOFILE" etc. */
	size_t n_rlimits;
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* process.user.additionalGids */
	size_t n_groups;
	bool has_umask;
	mode_t umask;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	bool has_personality;
	unsigned long personality; /* linux.personality: LINUX, LINUX32 */
	bool has_ioprio;
	int ioprio; /* process.ioPriority: class and priority packed as for ioprio_set */
	bool has_scheduler;
	int sched_policy; /* process.scheduler */
	int sched_nice;
	int sched_priority;
	unsigned sched_flags;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

/* PROCESS is config.json's "process", LINUX its "linux" (for personality; may be NULL). Unknown
 * capability names are an error naming them; an unknown rlimit or a soft > hard limit too. */
int process_attrs_parse(const struct json *process, const struct json *linux_section,
			struct process_attrs *out, struct error **err);
void process_attrs_free(struct process_attrs *a);

/* Step 1, still with full privileges, in the container's namespaces: rlimits, oom_score_adj,
 * personality, ioprio, scheduler, bounding set drop. */
int process_attrs_apply_privileged(const struct process_attrs *a, struct error **err);
/* Step 2, last before seccomp and exec: setgroups, setresgid, setresuid keeping the
 * capabilities the config grants (PR_SET_KEEPCAPS), then capset, ambient raise, umask and
 * no_new_privs. */
int process_attrs_apply_identity(const struct process_attrs *a, struct error **err);

#endif
