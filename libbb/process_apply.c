/* Applying struct process_attrs to the calling process, in runc's order (finalizeNamespace):
 * everything that needs privilege first, then the bounding set, then the identity change with
 * PR_SET_KEEPCAPS so the permitted set survives a switch to a non-root uid, then capset and the
 * ambient set (cleared by any uid change, so it can only be raised last). */
#include "caps.h"
#include <fcntl.h>
#include <grp.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define LINUX_CAPABILITY_VERSION_3_ 0x20080522
#define IOPRIO_WHO_PROCESS_ 1

struct cap_header_ {
	uint32_t version;
	int pid;
};
struct cap_data_ {
	uint32_t effective, permitted, inheritable;
};

/* sched_setattr(2)'s struct, first version (48 bytes): what every kernel since 3.14 takes. */
struct sched_attr_ {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static uint64_t known_caps(void)
{
	int last = cap_last_cap();

	return last >= 63 ? ~(uint64_t)0 : ((uint64_t)1 << (last + 1)) - 1;
}

static int apply_rlimits(const struct process_attrs *a, struct error **err)
{
	for (size_t i = 0; i < a->n_rlimits; i++)
		if (setrlimit(a->rlimits[i].resource, &a->rlimits[i].lim) < 0)
			return err_errno(err, "setrlimit %s", rlimit_name(a->rlimits[i].resource));
	return 0;
}

static int apply_oom_score_adj(int adj, struct error **err)
{
	cleanup_close int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", adj);

	if (fd < 0 || write_all(fd, buf, n) < 0)
		return err_errno(err, "oom_score_adj %d", adj);
	return 0;
}

static int apply_scheduler(const struct process_attrs *a, struct error **err)
{
	struct sched_attr_ attr = {
	    .size = sizeof(attr),
	    .sched_policy = a->sched_policy,
	    .sched_flags = a->sched_flags,
	    .sched_nice = a->sched_nice,
	    .sched_priority = a->sched_priority,
	    .sched_runtime = a->sched_runtime,
	    .sched_deadline = a->sched_deadline,
	    .sched_period = a->sched_period,
	};

	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return err_errno(err, "sched_setattr policy %d", a->sched_policy);
	return 0;
}

/* Caps the kernel does not know were never in the set, so they are left alone. A cap that is
 * already out needs no CAP_SETPCAP to stay out. */
static int drop_bounding(uint64_t keep, struct error **err)
{
	for (int c = 0; c <= cap_last_cap(); c++) {
		if (keep & ((uint64_t)1 << c))
			continue;
		int in = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
		if (in < 0 && errno == EINVAL)
			continue;
		if (in == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return err_errno(err, "drop %s from the bounding set", cap_name(c));
	}
	return 0;
}

int process_attrs_apply_privileged(const struct process_attrs *a, struct error **err)
{
	int r;

	if ((r = apply_rlimits(a, err)) < 0)
		return r;
	if (a->has_oom_score_adj && (r = apply_oom_score_adj(a->oom_score_adj, err)) < 0)
		return r;
	if (a->has_personality && personality(a->personality) < 0)
		return err_errno(err, "personality 0x%lx", a->personality);
	if (a->has_ioprio && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS_, 0, a->ioprio) < 0)
		return err_errno(err, "ioprio_set class %d priority %d", a->ioprio >> 13,
		                 a->ioprio & 0x1fff);
	if (a->has_scheduler && (r = apply_scheduler(a, err)) < 0)
		return r;
	if (a->has_caps && (r = drop_bounding(a->caps.bounding, err)) < 0)
		return r;
	return 0;
}

static int set_caps(const struct caps_set *c, struct error **err)
{
	uint64_t mask = known_caps();
	uint64_t eff = c->effective & mask, prm = c->permitted & mask, inh = c->inheritable & mask;
	struct cap_header_ hdr = {LINUX_CAPABILITY_VERSION_3_, 0};
	struct cap_data_ data[2] = {
	    {(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
	    {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
	};

	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_errno(err, "capset");
	return 0;
}

static int set_ambient(uint64_t ambient, struct error **err)
{
	ambient &= known_caps();
	/* a kernel before 4.3 has no ambient set: only a config that asks for one fails there */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    (ambient || errno != EINVAL))
		return err_errno(err, "clear the ambient capabilities");
	for (int c = 0; c < 64; c++)
		/* EPERM: the cap is not both permitted and inheritable. runc's own default spec
		 * asks for such ambient caps and runc skips them, so a config written for runc
		 * must run here too; anything else is a real failure. */
		if ((ambient & ((uint64_t)1 << c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EPERM)
			return err_errno(err, "raise ambient %s", cap_name(c));
	return 0;
}

static int set_ids(const struct process_attrs *a, struct error **err)
{
	/* in a user namespace whose setgroups is "deny" only an empty list is possible anyway */
	if (setgroups(a->n_groups, a->groups) < 0 && !(errno == EPERM && a->n_groups == 0))
		return err_errno(err, "setgroups");
	if (setresgid(a->gid, a->gid, a->gid) < 0)
		return err_errno(err, "setresgid %u", (unsigned)a->gid);
	if (setresuid(a->uid, a->uid, a->uid) < 0)
		return err_errno(err, "setresuid %u", (unsigned)a->uid);
	return 0;
}

int process_attrs_apply_identity(const struct process_attrs *a, struct error **err)
{
	int r;

	/* without process.capabilities the uid change alone decides, as in runc */
	if (a->has_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_errno(err, "PR_SET_KEEPCAPS");
	if ((r = set_ids(a, err)) < 0)
		return r;
	if (a->has_caps) {
		if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			return err_errno(err, "PR_SET_KEEPCAPS");
		if ((r = set_caps(&a->caps, err)) < 0 ||
		    (r = set_ambient(a->caps.ambient, err)) < 0)
			return r;
	}
	if (a->has_umask)
		umask(a->umask);
	if (a->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_errno(err, "PR_SET_NO_NEW_PRIVS");
	return 0;
}
