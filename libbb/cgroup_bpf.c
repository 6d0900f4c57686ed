/* The cgroup v2 device filter: v2 has no devices.allow, so the rule list becomes a
 * BPF_PROG_TYPE_CGROUP_DEVICE program. The rules are first folded the way the v1 kernel folds
 * writes to devices.allow/deny (a default, then exceptions), so a container sees the same
 * devices on either version; the program then tests the exceptions and falls back to the
 * default. Built here at run time, no compiler or libbpf involved. */
#include "cgroup_internal.h"
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>

struct dev_exception {
	char type; /* 'b' or 'c' */
	long long major, minor;
	unsigned access;
};

struct dev_state {
	bool default_allow;
	struct dev_exception *ex;
	size_t n;
};

/* devcgroup_update_access(), minus the parent checks: "a" resets to a default; a rule that
 * agrees with the default takes its access out of the matching exception, one that disagrees
 * adds an exception (or widens it). Starts as deny-all, as a container's list does. */
static void fold_rules(const struct cgroup_resources *r, struct dev_state *st)
{
	st->default_allow = false;
	st->ex = xzalloc((r->ndev + 1) * sizeof(*st->ex));
	st->n = 0;
	for (size_t i = 0; i < r->ndev; i++) {
		const struct cg_device_rule *d = &r->dev[i];
		struct dev_exception *e = NULL;

		if (d->type == 'a') {
			st->default_allow = d->allow;
			st->n = 0;
			continue;
		}
		for (size_t j = 0; j < st->n && !e; j++)
			if (st->ex[j].type == d->type && st->ex[j].major == d->major &&
			    st->ex[j].minor == d->minor)
				e = &st->ex[j];
		if (d->allow == st->default_allow) {
			if (e && !(e->access &= ~d->access))
				memmove(e, e + 1, (st->ex + --st->n - e) * sizeof(*e));
		} else if (e) {
			e->access |= d->access;
		} else {
			st->ex[st->n++] =
			    (struct dev_exception){d->type, d->major, d->minor, d->access};
		}
	}
}

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
enum { R_TYPE = 3, R_ACCESS = 2, R_MAJOR = 4, R_MINOR = 5, R_TMP = 6 };

/* One exception: a chain of "not this one? skip to the next" tests, then the verdict. The
 * kernel's v1 matching: with a deny default, the access asked for must be within the
 * exception's; with an allow default, any overlap denies. */
static size_t emit_exception(struct bpf_insn *p, const struct dev_exception *e, bool default_allow)
{
	size_t n = 0;
	int jumps[8], nj = 0;

	if (e->type) {
		jumps[nj++] = n;
		p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, R_TYPE, 0, 0,
		              e->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	}
	if (e->access != 7) {
		p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, R_TMP, R_ACCESS, 0, 0);
		p[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, R_TMP, 0, 0,
		              default_allow ? (int)e->access : (int)(~e->access & 7));
		jumps[nj++] = n;
		p[n++] =
		    INSN(BPF_JMP | (default_allow ? BPF_JEQ : BPF_JNE) | BPF_K, R_TMP, 0, 0, 0);
	}
	if (e->major >= 0) {
		jumps[nj++] = n;
		p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, R_MAJOR, 0, 0, (int)e->major);
	}
	if (e->minor >= 0) {
		jumps[nj++] = n;
		p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, R_MINOR, 0, 0, (int)e->minor);
	}
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, !default_allow);
	p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (int j = 0; j < nj; j++)
		p[jumps[j]].off = (short)(n - jumps[j] - 1);
	return n;
}

/* The program for R's rules; *n instructions, malloc'd. */
static struct bpf_insn *build_program(const struct cgroup_resources *r, size_t *n)
{
	struct dev_state st;
	struct bpf_insn *p;
	size_t i = 0;

	fold_rules(r, &st);
	p = xreallocarray(NULL, 8 + st.n * 10, sizeof(*p));
	/* struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major, minor; } */
	p[i++] = INSN(BPF_LDX | BPF_MEM | BPF_W, R_ACCESS, BPF_REG_1, 0, 0);
	p[i++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, R_TYPE, R_ACCESS, 0, 0);
	p[i++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
	p[i++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
	p[i++] = INSN(BPF_LDX | BPF_MEM | BPF_W, R_MAJOR, BPF_REG_1, 4, 0);
	p[i++] = INSN(BPF_LDX | BPF_MEM | BPF_W, R_MINOR, BPF_REG_1, 8, 0);
	for (size_t e = 0; e < st.n; e++)
		i += emit_exception(p + i, &st.ex[e], st.default_allow);
	p[i++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, st.default_allow);
	p[i++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	free(st.ex);
	*n = i;
	return p;
}

static int sys_bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(SYS_bpf, cmd, a, sizeof(*a));
}

int cgroup_devices_prog_load(const struct cgroup_resources *r, struct error **err)
{
	size_t n;
	cleanup_free struct bpf_insn *prog = build_program(r, &n);
	cleanup_free char *log = NULL;
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)prog;
	a.insn_cnt = n;
	a.license = (uintptr_t) "GPL";
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0 || (errno != EINVAL && errno != EACCES))
		return fd >= 0 ? fd : err_errno(err, "cgroup: device filter: BPF_PROG_LOAD");
	/* a verifier refusal is our bug: load again for its log, to say why */
	log = xzalloc(1 << 16);
	a.log_level = 1;
	a.log_buf = (uintptr_t)log;
	a.log_size = 1 << 16;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	log[strcspn(log, "\n")] = '\0';
	return err_errno(err,
	                 "cgroup: device filter: BPF_PROG_LOAD (%zu instructions; verifier: "
	                 "%s)",
	                 n, log);
}

/* Attached with BPF_F_ALLOW_MULTI, as runc and systemd do, so a nested manager can still attach
 * below; the program attached before is detached after the new one is in, so there is no
 * moment without a filter. */
int cgroup_devices_prog_attach(int cgroup_fd, int prog_fd, struct error **err)
{
	uint32_t ids[64], nids = ARRAY_SIZE(ids);
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = cgroup_fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uintptr_t)ids;
	a.query.prog_cnt = nids;
	nids = sys_bpf(BPF_PROG_QUERY, &a) == 0 ? a.query.prog_cnt : 0;
	memset(&a, 0, sizeof(a));
	a.target_fd = cgroup_fd;
	a.attach_bpf_fd = prog_fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return err_errno(err, "cgroup: device filter: BPF_PROG_ATTACH");
	for (uint32_t i = 0; i < nids && i < ARRAY_SIZE(ids); i++) {
		cleanup_close int old = -1;

		memset(&a, 0, sizeof(a));
		a.prog_id = ids[i];
		if ((old = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a)) < 0)
			continue; /* gone already */
		memset(&a, 0, sizeof(a));
		a.target_fd = cgroup_fd;
		a.attach_bpf_fd = old;
		a.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
			return err_errno(
			    err, "cgroup: device filter: BPF_PROG_DETACH of program %u", ids[i]);
	}
	return 0;
}

int cgroup2_apply_devices(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	cleanup_close int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int prog = -1;

	if (cgfd < 0)
		return err_errno(err, "cgroup: open %s", dir);
	prog = cgroup_devices_prog_load(r, err);
	if (prog < 0)
		return prog;
	return cgroup_devices_prog_attach(cgfd, prog, err);
}
