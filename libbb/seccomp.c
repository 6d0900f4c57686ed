/* Seccomp without libseccomp (include/seccomp.h): an OCI linux.seccomp section compiled to one
 * classic BPF program.
 *
 * Layout: check seccomp_data.arch against each architecture we have a table for (this binary's,
 * plus i386 and x32 on x86_64 when the section lists them); then, per architecture, a binary
 * search over syscall-number intervals. Adjacent numbers with the same unconditional result
 * share one interval, so an allow list of 350 names costs a few hundred instructions, and a
 * lookup costs about log2(intervals) compares. A syscall with argument rules gets an interval
 * of its own whose leaf holds the rules. Jumps are symbolic until the end, where an assembler
 * pass inserts `ja` trampolines for the conditional jumps that reach past 255 instructions.
 *
 * Semantics, following libseccomp and runc where the spec is silent:
 * - args[] of one entry are ANDed; an entry naming one argument index twice becomes one rule
 *   per comparison, ORed (runc does the same); several rules for a syscall are ORed, and when
 *   more than one matches, the most severe action wins (the kernel's own order between filters:
 *   KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, NOTIFY, TRACE, LOG, ALLOW).
 * - Comparisons are unsigned 64-bit; the 32-bit arches (and x32, as libseccomp has it) compare
 *   the low 32 bits only, since their arguments are 32-bit registers.
 * - With a defaultAction that denies, syscalls numbered above the highest one the profile names
 *   return ENOSYS, as runc does, so a libc probing a newer call (clone3) falls back.
 * - A syscall from an architecture without a table here (a compat mode the section does not
 *   list, or one we carry no table for, such as 32-bit ARM on arm64) takes the defaultAction
 *   when that action denies; when the profile is a deny list (defaultAction allows), it kills
 *   the process instead, as libseccomp's bad-arch action does: allowing it would let a
 *   compat-mode process walk around the list. */
#include "seccomp.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

/* This binary's own architecture, as the kernel reports it in seccomp_data.arch. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define NATIVE_ARCH "SCMP_ARCH_X86_64"
#define NATIVE_AUDIT AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define NATIVE_ARCH "SCMP_ARCH_X86"
#define NATIVE_AUDIT AUDIT_ARCH_I386
#elif defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH "SCMP_ARCH_AARCH64"
#define NATIVE_AUDIT AUDIT_ARCH_AARCH64
#elif defined(__arm__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH "SCMP_ARCH_ARM"
#define NATIVE_AUDIT AUDIT_ARCH_ARM
#elif defined(__mips__) && _MIPS_SIM == _ABIO32 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH "SCMP_ARCH_MIPSEL"
#define NATIVE_AUDIT AUDIT_ARCH_MIPSEL
#elif defined(__mips__) && _MIPS_SIM == _ABIO32
#define NATIVE_ARCH "SCMP_ARCH_MIPS"
#define NATIVE_AUDIT AUDIT_ARCH_MIPS
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH "SCMP_ARCH_PPC64LE"
#define NATIVE_AUDIT AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define NATIVE_ARCH "SCMP_ARCH_S390X"
#define NATIVE_AUDIT AUDIT_ARCH_S390X
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH "SCMP_ARCH_RISCV64"
#define NATIVE_AUDIT AUDIT_ARCH_RISCV64
#else
#error "seccomp: no AUDIT_ARCH for this target; add it here"
#endif

/* seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8i in the kernel's (our) byte order. */
#define OFF_NR 0
#define OFF_ARCH 4
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define OFF_ARG_LO(i) (16 + 8 * (i))
#define OFF_ARG_HI(i) (16 + 8 * (i) + 4)
#else
#define OFF_ARG_LO(i) (16 + 8 * (i) + 4)
#define OFF_ARG_HI(i) (16 + 8 * (i))
#endif

#define X32_BIT 0x40000000u
#define MAX_RULES 65536 /* far beyond any real profile; bounds memory on hostile input */

/* ---- the vocabulary of the section, as tables ---- */

static const struct {
	const char *name;
	uint32_t ret;
	bool data; /* takes errnoRet (EPERM if absent, as runc) */
} actions[] = {
    {"SCMP_ACT_ALLOW", SECCOMP_RET_ALLOW, false},
    {"SCMP_ACT_ERRNO", SECCOMP_RET_ERRNO, true},
    {"SCMP_ACT_KILL", SECCOMP_RET_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS, false},
    {"SCMP_ACT_KILL_THREAD", SECCOMP_RET_KILL_THREAD, false},
    {"SCMP_ACT_LOG", SECCOMP_RET_LOG, false},
    {"SCMP_ACT_NOTIFY", SECCOMP_RET_USER_NOTIF, false},
    {"SCMP_ACT_TRACE", SECCOMP_RET_TRACE, true},
    {"SCMP_ACT_TRAP", SECCOMP_RET_TRAP, false},
};

/* Every operator is one of three BPF compares, possibly negated, possibly after a mask. */
enum { CMP_EQ, CMP_GT, CMP_GE };
static const struct {
	const char *name;
	uint8_t cmp;
	bool negate, masked;
} operators[] = {
    {"SCMP_CMP_EQ", CMP_EQ, false, false}, {"SCMP_CMP_GE", CMP_GE, false, false},
    {"SCMP_CMP_GT", CMP_GT, false, false}, {"SCMP_CMP_LE", CMP_GT, true, false},
    {"SCMP_CMP_LT", CMP_GE, true, false},  {"SCMP_CMP_MASKED_EQ", CMP_EQ, false, true},
    {"SCMP_CMP_NE", CMP_EQ, true, false},
};

static const struct {
	const char *name;
	unsigned long flag;
} filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

/* runtime-spec's architectures: all are accepted, only those with a table are filtered. */
static const char *const arch_names[] = {
    "SCMP_ARCH_AARCH64",  "SCMP_ARCH_ARM",         "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
    "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",       "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",          "SCMP_ARCH_SHEB",
    "SCMP_ARCH_X32",      "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",
};

/* The table columns of this build (libbb/seccomp_syscalls.c), in column order. */
static const struct {
	const char *name;
	uint32_t audit;
	bool wide; /* 64-bit arguments */
} columns[] = {
    {NATIVE_ARCH, NATIVE_AUDIT, sizeof(long) == 8},
    {"SCMP_ARCH_X86", AUDIT_ARCH_I386, false},
    {"SCMP_ARCH_X32", AUDIT_ARCH_X86_64, false},
};

/* ---- the compiled form ---- */

struct seccomp_filter {
	struct sock_filter *prog;
	unsigned short len;
	unsigned long flags; /* SECCOMP_FILTER_FLAG_*, NEW_LISTENER included when needed */
	bool listener;
	char *listener_path, *listener_metadata;
};

struct cond {
	uint8_t index, op;
	uint64_t value, value2;
};

struct group { /* what one syscalls[] entry (or one split-off comparison) asks */
	uint32_t ret;
	uint8_t ncond;
	struct cond cond[6];
};

struct rule {
	uint8_t col;
	uint32_t nr;      /* as seccomp_data.nr shows it */
	int32_t severity; /* of its group's action */
	uint32_t group;   /* index into groups, which is also profile order */
};

/* Labels are resolved when the program is complete; LABEL_NEXT is the next instruction. */
#define LABEL_NEXT UINT32_MAX

struct insn {
	uint16_t code;
	uint32_t k;      /* for BPF_JA: a label */
	uint32_t jt, jf; /* labels */
};

struct compiler {
	struct group *groups;
	size_t ngroups;
	struct rule *rules;
	size_t nrules;
	uint32_t def_ret, badarch_ret;
	bool enosys;
	bool col_on[SECCOMP_COL_X32 + 1];
	struct insn *insns;
	size_t ninsns, cap_insns;
	uint32_t *labels; /* label -> instruction index */
	size_t nlabels, cap_labels;
	bool oom;
};

/* ---- small helpers ---- */

static bool grow(void *pp, size_t *cap, size_t need, size_t size)
{
	void **p = pp;
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	q = reallocarray(*p, n, size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

/* A user string for a one-line message: capped, control bytes shown as '?'. */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 4 < size; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static int find_name(const char *s, const char *const *names, size_t n, size_t stride)
{
	for (size_t i = 0; i < n; i++)
		if (STREQ(s, *(const char *const *)((const char *)names + i * stride)))
			return i;
	return -1;
}
#define FIND(s, table) find_name((s), &(table)[0].name, ARRAY_SIZE(table), sizeof((table)[0]))

/* The kernel runs the lowest (s32) action of all filters; the same order ranks our rules. */
static int32_t severity(uint32_t ret)
{
	return (int32_t)(ret & SECCOMP_RET_ACTION_FULL);
}

static bool permissive(uint32_t ret)
{
	uint32_t a = ret & SECCOMP_RET_ACTION_FULL;

	return a == SECCOMP_RET_ALLOW || a == SECCOMP_RET_LOG || a == SECCOMP_RET_TRACE;
}

/* ---- parsing ---- */

/* WHERE, in the messages, is a prefix such as "syscalls[3].args[0]." or "". */
static int parse_u64(const struct json *obj, const char *key, bool required, uint64_t *out,
                     const char *where, struct error **err)
{
	const struct json *v = json_get(obj, key);

	if (!v) {
		if (required)
			return err_set(err, EINVAL, "seccomp: %s%s: missing", where, key);
		return 0;
	}
	if (!json_u64(v, out))
		return err_set(err, EINVAL, "seccomp: %s%s: expected an unsigned 64-bit integer",
		               where, key);
	return 1;
}

static int parse_action(const struct json *obj, const char *akey, const char *ekey,
                        const char *where, uint32_t *ret, struct error **err)
{
	const struct json *a = json_get(obj, akey);
	const char *s = json_get_str(obj, akey);
	char buf[72];
	uint64_t data = EPERM;
	int i, r;

	if (!a)
		return err_set(err, EINVAL, "seccomp: %s%s: missing", where, akey);
	if (!s)
		return err_set(err, EINVAL, "seccomp: %s%s: expected a string", where, akey);
	i = FIND(s, actions);
	if (i < 0)
		return err_set(err, EINVAL, "seccomp: %s%s: unknown action '%s'", where, akey,
		               shown(s, buf, sizeof(buf)));
	r = parse_u64(obj, ekey, false, &data, where, err);
	if (r < 0)
		return r;
	if (data > SECCOMP_RET_DATA)
		return err_set(err, EINVAL, "seccomp: %s%s: %llu does not fit 16 bits", where, ekey,
		               (unsigned long long)data);
	*ret = actions[i].ret | (actions[i].data ? (uint32_t)data : 0);
	return 0;
}

static int parse_cond(const struct json *arg, const char *where, struct cond *c, struct error **err)
{
	const char *op = json_get_str(arg, "op");
	uint64_t index;
	char buf[72];
	int i, r;

	if (!arg || arg->type != JSON_OBJECT)
		return err_set(err, EINVAL, "seccomp: %.*s: expected an object",
		               (int)strlen(where) - 1, where);
	if ((r = parse_u64(arg, "index", true, &index, where, err)) < 0)
		return r;
	if (index > 5)
		return err_set(err, EINVAL, "seccomp: %sindex: %llu is not an argument (0-5)",
		               where, (unsigned long long)index);
	if ((r = parse_u64(arg, "value", true, &c->value, where, err)) < 0)
		return r;
	c->value2 = 0;
	if ((r = parse_u64(arg, "valueTwo", false, &c->value2, where, err)) < 0)
		return r;
	if (!op)
		return err_set(err, EINVAL, "seccomp: %sop: %s", where,
		               json_get(arg, "op") ? "expected a string" : "missing");
	i = FIND(op, operators);
	if (i < 0)
		return err_set(err, EINVAL, "seccomp: %sop: unknown operator '%s'", where,
		               shown(op, buf, sizeof(buf)));
	c->index = index;
	c->op = i;
	return 0;
}

static int new_group(struct compiler *c, size_t *cap, uint32_t ret, const struct cond *cd, size_t n,
                     struct error **err)
{
	struct group *g;

	if (c->ngroups >= MAX_RULES)
		return err_set(err, E2BIG, "seccomp: syscalls: more than %d rules", MAX_RULES);
	if (!grow(&c->groups, cap, c->ngroups + 1, sizeof(*c->groups)))
		return err_set(err, ENOMEM, "seccomp: out of memory");
	g = &c->groups[c->ngroups++];
	g->ret = ret;
	g->ncond = n;
	memcpy(g->cond, cd, n * sizeof(*cd));
	return 0;
}

/* The groups of one syscalls[] entry: one with every comparison ANDed, or, when an argument
 * index comes twice, one per comparison, ORed (runc's reading of such entries). */
static int parse_args(struct compiler *c, const struct json *e, const char *where, uint32_t ret,
                      size_t *gcap, struct error **err)
{
	const struct json *args = json_get(e, "args");
	size_t n = json_len(args);
	cleanup_free struct cond *cd = NULL;
	char sub[96];
	unsigned seen = 0;
	bool split = false;
	int r;

	if (args && args->type != JSON_ARRAY)
		return err_set(err, EINVAL, "seccomp: %sargs: expected an array", where);
	if (n > MAX_RULES)
		return err_set(err, E2BIG, "seccomp: %sargs: more than %d", where, MAX_RULES);
	cd = calloc(n ? n : 1, sizeof(*cd));
	if (!cd)
		return err_set(err, ENOMEM, "seccomp: out of memory");
	for (size_t i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%sargs[%zu].", where, i);
		if ((r = parse_cond(json_at(args, i), sub, &cd[i], err)) < 0)
			return r;
		split |= (seen >> cd[i].index) & 1;
		seen |= 1u << cd[i].index;
	}
	if (!split)
		return new_group(c, gcap, ret, cd, n, err);
	for (size_t i = 0; i < n; i++)
		if ((r = new_group(c, gcap, ret, &cd[i], 1, err)) < 0)
			return r;
	return 0;
}

/* One syscalls[] entry: its groups, then one rule per name, table column and group. */
static int parse_entry(struct compiler *c, const struct json *e, size_t idx, size_t *gcap,
                       size_t *rcap, struct error **err)
{
	const struct json *names = json_get(e, "names");
	size_t first = c->ngroups;
	char where[48];
	uint32_t ret;
	int r;

	snprintf(where, sizeof(where), "syscalls[%zu].", idx);
	if (e->type != JSON_OBJECT)
		return err_set(err, EINVAL, "seccomp: syscalls[%zu]: expected an object", idx);
	if (!names || names->type != JSON_ARRAY)
		return err_set(err, EINVAL, "seccomp: %snames: %s", where,
		               names ? "expected an array of strings" : "missing");
	if ((r = parse_action(e, "action", "errnoRet", where, &ret, err)) < 0)
		return r;
	if ((r = parse_args(c, e, where, ret, gcap, err)) < 0)
		return r;
	for (size_t i = 0; i < json_len(names); i++) {
		const struct json *jn = json_at(names, i);
		const char *name = json_string(jn, NULL);

		if (!name || (jn->flags & JSON_HAS_NUL))
			return err_set(err, EINVAL, "seccomp: %snames[%zu]: expected a string",
			               where, i);
		if ((ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF &&
		    STREQ(name, "write"))
			/* the runtime reports the listener fd with write() after the install */
			return err_set(err, EINVAL,
			               "seccomp: %snames[%zu]: SCMP_ACT_NOTIFY cannot be used for "
			               "write",
			               where, i);
		for (unsigned col = 0; col < ARRAY_SIZE(c->col_on); col++) {
			int nr = c->col_on[col] ? seccomp_syscall_nr_in(name, col) : -1;

			if (nr < 0)
				continue; /* unknown here: skipped, as runc and crun do */
			for (size_t g = first; g < c->ngroups; g++) {
				if (c->nrules >= MAX_RULES)
					return err_set(err, E2BIG,
					               "seccomp: syscalls: more than %d "
					               "rules",
					               MAX_RULES);
				if (!grow(&c->rules, rcap, c->nrules + 1, sizeof(*c->rules)))
					return err_set(err, ENOMEM, "seccomp: out of memory");
				c->rules[c->nrules++] = (struct rule){
				    col, (uint32_t)nr, severity(c->groups[g].ret), (uint32_t)g};
			}
		}
	}
	return 0;
}

static int parse_string_list(const struct json *sec, const char *key, struct error **err)
{
	const struct json *l = json_get(sec, key);

	if (!l)
		return 0;
	if (l->type != JSON_ARRAY)
		return err_set(err, EINVAL, "seccomp: %s: expected an array of strings", key);
	for (size_t i = 0; i < json_len(l); i++) {
		const struct json *s = json_at(l, i);
		if (s->type != JSON_STRING || (s->flags & JSON_HAS_NUL))
			return err_set(err, EINVAL, "seccomp: %s[%zu]: expected a string", key, i);
	}
	return 0;
}

static int parse_arches(struct compiler *c, const struct json *sec, struct error **err)
{
	const struct json *l = json_get(sec, "architectures");
	char buf[72];
	int r;

	c->col_on[SECCOMP_COL_NATIVE] = true; /* always, as libseccomp's native arch */
	if ((r = parse_string_list(sec, "architectures", err)) < 0)
		return r;
	for (size_t i = 0; i < json_len(l); i++) {
		const char *s = json_at(l, i)->str;

		if (find_name(s, arch_names, ARRAY_SIZE(arch_names), sizeof(arch_names[0])) < 0)
			return err_set(err, EINVAL,
			               "seccomp: architectures[%zu]: unknown architecture "
			               "'%s'",
			               i, shown(s, buf, sizeof(buf)));
		for (unsigned col = 1; col < seccomp_syscall_columns(); col++)
			if (STREQ(s, columns[col].name))
				c->col_on[col] = true;
	}
	return 0;
}

static int parse_flags(struct seccomp_filter *f, const struct json *sec, struct error **err)
{
	const struct json *l = json_get(sec, "flags");
	char buf[72];
	int r;

	if ((r = parse_string_list(sec, "flags", err)) < 0)
		return r;
	for (size_t i = 0; i < json_len(l); i++) {
		int k = FIND(json_at(l, i)->str, filter_flags);

		if (k < 0)
			return err_set(err, EINVAL, "seccomp: flags[%zu]: unknown flag '%s'", i,
			               shown(json_at(l, i)->str, buf, sizeof(buf)));
		f->flags |= filter_flags[k].flag;
	}
	return 0;
}

static int parse_listener(struct seccomp_filter *f, const struct json *sec, struct error **err)
{
	static const char *const keys[] = {"listenerPath", "listenerMetadata"};
	char **dst[] = {&f->listener_path, &f->listener_metadata};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct json *v = json_get(sec, keys[i]);
		if (!v)
			continue;
		if (v->type != JSON_STRING || (v->flags & JSON_HAS_NUL))
			return err_set(err, EINVAL, "seccomp: %s: expected a string", keys[i]);
		*dst[i] = strdup(v->str);
		if (!*dst[i])
			return err_set(err, ENOMEM, "seccomp: out of memory");
	}
	return 0;
}

/* ---- the assembler: symbolic jumps, trampolines for the far ones ---- */

static uint32_t new_label(struct compiler *c)
{
	if (!grow(&c->labels, &c->cap_labels, c->nlabels + 1, sizeof(*c->labels))) {
		c->oom = true;
		return LABEL_NEXT;
	}
	c->labels[c->nlabels] = UINT32_MAX;
	return c->nlabels++;
}

static void bind(struct compiler *c, uint32_t label)
{
	if (label != LABEL_NEXT)
		c->labels[label] = c->ninsns;
}

static void emit(struct compiler *c, uint16_t code, uint32_t k, uint32_t jt, uint32_t jf)
{
	if (!grow(&c->insns, &c->cap_insns, c->ninsns + 1, sizeof(*c->insns))) {
		c->oom = true;
		return;
	}
	c->insns[c->ninsns++] = (struct insn){code, k, jt, jf};
}

#define LD(c, off) emit((c), BPF_LD | BPF_W | BPF_ABS, (off), 0, 0)
#define RET(c, v) emit((c), BPF_RET | BPF_K, (v), 0, 0)
#define JMP(c, op, k, jt, jf) emit((c), BPF_JMP | (op) | BPF_K, (k), (jt), (jf))

static bool is_cond_jump(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

static long distance(const struct compiler *c, size_t at, uint32_t label)
{
	return label == LABEL_NEXT ? 0 : (long)c->labels[label] - (long)(at + 1);
}

/* Opens a slot at AT: every label at or after it moves one instruction on. */
static bool insert_at(struct compiler *c, size_t at, struct insn in)
{
	if (!grow(&c->insns, &c->cap_insns, c->ninsns + 1, sizeof(*c->insns)))
		return false;
	memmove(&c->insns[at + 1], &c->insns[at], (c->ninsns - at) * sizeof(*c->insns));
	c->insns[at] = in;
	c->ninsns++;
	for (size_t l = 0; l < c->nlabels; l++)
		if (c->labels[l] >= at && c->labels[l] != UINT32_MAX)
			c->labels[l]++;
	return true;
}

/* A conditional jump reaches 255 instructions; a farther target gets a `ja` (32-bit reach)
 * right after the jump. Insertions only lengthen jumps, so repeat until none is too far;
 * each jump gets at most two trampolines, so this ends. */
static int relax(struct compiler *c)
{
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; i < c->ninsns && c->ninsns <= BPF_MAXINSNS; i++) {
			struct insn *in = &c->insns[i];
			uint32_t *t[2] = {&in->jt, &in->jf};

			if (!is_cond_jump(in->code))
				continue;
			for (int s = 0; s < 2; s++) {
				struct insn ja = {BPF_JMP | BPF_JA, *t[s], 0, 0};
				uint32_t l;

				if (distance(c, i, *t[s]) <= 255)
					continue;
				/* "the next instruction" must stay the one it was, not the
				 * trampoline */
				for (int o = 0; o < 2; o++) {
					if (*t[o] != LABEL_NEXT)
						continue;
					*t[o] = new_label(c);
					if (c->oom)
						return -ENOMEM;
					c->labels[*t[o]] = i + 1;
				}
				l = new_label(c);
				if (c->oom || !insert_at(c, i + 1, ja))
					return -ENOMEM;
				c->labels[l] = i + 1;
				in = &c->insns[i]; /* insert_at may have moved the array */
				t[0] = &in->jt, t[1] = &in->jf;
				*t[s] = l;
				again = true;
			}
		}
	}
	return 0;
}

/* ---- code generation ---- */

/* One comparison: falls through when it holds, jumps to FAIL when not. */
static void gen_cond(struct compiler *c, const struct cond *cd, bool wide, uint32_t fail)
{
	uint32_t pass = new_label(c);
	uint32_t t = operators[cd->op].negate ? fail : pass;
	uint32_t f = operators[cd->op].negate ? pass : fail;
	bool masked = operators[cd->op].masked;
	uint64_t v = masked ? cd->value2 : cd->value, m = cd->value;
	static const uint16_t jop[] = {[CMP_EQ] = BPF_JEQ, [CMP_GT] = BPF_JGT, [CMP_GE] = BPF_JGE};
	uint8_t cmp = operators[cd->op].cmp;

	if (wide) {
		/* high words first: they decide unless they are equal */
		LD(c, OFF_ARG_HI(cd->index));
		if (masked)
			emit(c, BPF_ALU | BPF_AND | BPF_K, m >> 32, 0, 0);
		if (cmp != CMP_EQ)
			JMP(c, BPF_JGT, v >> 32, t, LABEL_NEXT);
		JMP(c, BPF_JEQ, v >> 32, LABEL_NEXT, f);
	}
	LD(c, OFF_ARG_LO(cd->index));
	if (masked)
		emit(c, BPF_ALU | BPF_AND | BPF_K, (uint32_t)m, 0, 0);
	JMP(c, jop[cmp], (uint32_t)v, t, f);
	bind(c, pass);
}

/* The rules of one syscall, most severe first; the first that matches returns. */
static void gen_body(struct compiler *c, const struct rule *r, size_t n, bool wide)
{
	for (size_t i = 0; i < n; i++) {
		const struct group *g = &c->groups[r[i].group];
		uint32_t fail = new_label(c);

		for (unsigned k = 0; k < g->ncond; k++)
			gen_cond(c, &g->cond[k], wide, fail);
		RET(c, g->ret);
		bind(c, fail);
		if (!g->ncond)
			return; /* nothing after an unconditional rule can run */
	}
	RET(c, c->def_ret);
}

struct interval {
	uint32_t lo;              /* it runs up to the next interval's lo */
	uint32_t ret;             /* without rules: the result */
	const struct rule *rules; /* with rules: those of its one syscall */
	size_t nrules;
	bool wide;
};

struct intervals {
	struct interval *v;
	size_t n, cap;
	bool oom;
};

static void add_interval(struct intervals *iv, struct interval x)
{
	struct interval *last = iv->n ? &iv->v[iv->n - 1] : NULL;

	if (last && !last->rules && !x.rules && last->ret == x.ret)
		return; /* same result as its neighbour: one interval */
	if (!grow(&iv->v, &iv->cap, iv->n + 1, sizeof(*iv->v))) {
		iv->oom = true;
		return;
	}
	iv->v[iv->n++] = x;
}

static void add_result(struct intervals *iv, uint32_t lo, uint32_t ret)
{
	add_interval(iv, (struct interval){.lo = lo, .ret = ret});
}

/* Intervals of one column's number space, from LO up: its rules (sorted), the gaps between
 * them, and the tail past the last one, which is ENOSYS where runc would say so. */
static void column_intervals(const struct compiler *c, unsigned col, uint32_t lo,
                             const struct rule *r, size_t n, struct intervals *iv)
{
	uint32_t next = lo;

	if (!c->col_on[col]) { /* a compat mode the section does not list */
		add_result(iv, lo, c->badarch_ret);
		return;
	}
	for (size_t i = 0, j; i < n; i = j) {
		const struct group *g = &c->groups[r[i].group];
		bool all_default = true;

		for (j = i; j < n && r[j].nr == r[i].nr; j++)
			all_default &= c->groups[r[j].group].ret == c->def_ret;
		if (r[i].nr > next)
			add_result(iv, next, c->def_ret);
		if (all_default)
			add_result(iv, r[i].nr, c->def_ret);
		else if (!g->ncond) /* the most severe rule holds always */
			add_result(iv, r[i].nr, g->ret);
		else
			add_interval(iv, (struct interval){.lo = r[i].nr,
			                                   .rules = r + i,
			                                   .nrules = j - i,
			                                   .wide = columns[col].wide});
		next = r[i].nr + 1;
	}
	if (!n)
		add_result(iv, lo, c->def_ret);
	else
		add_result(iv, next, c->enosys ? SECCOMP_RET_ERRNO | ENOSYS : c->def_ret);
}

/* A binary search over intervals [a, b): A holds the syscall number throughout. */
static void gen_tree(struct compiler *c, const struct interval *iv, size_t a, size_t b)
{
	if (b - a == 1) {
		if (iv[a].rules)
			gen_body(c, iv[a].rules, iv[a].nrules, iv[a].wide);
		else
			RET(c, iv[a].ret);
		return;
	}
	size_t mid = a + (b - a) / 2;
	uint32_t right = new_label(c);

	JMP(c, BPF_JGE, iv[mid].lo, right, LABEL_NEXT);
	gen_tree(c, iv, a, mid);
	bind(c, right);
	gen_tree(c, iv, mid, b);
}

/* By section, number, then most severe action first, then profile order. */
static int rule_cmp(const void *pa, const void *pb)
{
	const struct rule *a = pa, *b = pb;
	uint32_t aa = columns[a->col].audit, ab = columns[b->col].audit;

	if (aa != ab)
		return aa < ab ? -1 : 1;
	if (a->nr != b->nr)
		return a->nr < b->nr ? -1 : 1;
	if (a->severity != b->severity)
		return a->severity < b->severity ? -1 : 1;
	return a->group < b->group ? -1 : a->group > b->group;
}

static const struct rule *rules_at(const struct compiler *c, size_t i)
{
	return c->rules ? c->rules + i : NULL; /* no rules at all: no array either */
}

static int generate(struct compiler *c)
{
	struct intervals iv = {0};
	unsigned ncols = seccomp_syscall_columns();
	uint32_t arch_label[ARRAY_SIZE(columns)];
	size_t start[ARRAY_SIZE(columns) + 1] = {0}, n[ARRAY_SIZE(columns)] = {0};

	/* By section then number: x86_64 and x32 share a section, x32's numbers sort after. */
	if (c->nrules)
		qsort(c->rules, c->nrules, sizeof(*c->rules), rule_cmp);
	for (size_t i = 0; i < c->nrules; i++)
		if (!n[c->rules[i].col]++)
			start[c->rules[i].col] = i;

	LD(c, OFF_ARCH);
	for (unsigned col = 0; col < ncols; col++) {
		arch_label[col] = LABEL_NEXT;
		if (col == SECCOMP_COL_X32 || !c->col_on[col])
			continue;
		arch_label[col] = new_label(c);
		JMP(c, BPF_JEQ, columns[col].audit, arch_label[col], LABEL_NEXT);
	}
	RET(c, c->badarch_ret);

	for (unsigned col = 0; col < ncols && !c->oom && !iv.oom; col++) {
		if (arch_label[col] == LABEL_NEXT)
			continue;
		iv.n = 0;
		column_intervals(c, col, 0, rules_at(c, start[col]), n[col], &iv);
		if (col == SECCOMP_COL_NATIVE && ncols > SECCOMP_COL_X32)
			column_intervals(c, SECCOMP_COL_X32, X32_BIT,
			                 rules_at(c, start[SECCOMP_COL_X32]), n[SECCOMP_COL_X32],
			                 &iv);
		bind(c, arch_label[col]);
		LD(c, OFF_NR);
		if (!iv.oom)
			gen_tree(c, iv.v, 0, iv.n);
	}
	free(iv.v);
	if (c->oom || iv.oom)
		return -ENOMEM;
	return relax(c);
}

static int assemble(struct compiler *c, struct seccomp_filter *f, struct error **err)
{
	if (c->ninsns > BPF_MAXINSNS)
		return err_set(err, E2BIG,
		               "seccomp: the profile needs more than %d BPF "
		               "instructions, the kernel's limit",
		               BPF_MAXINSNS);
	f->prog = calloc(c->ninsns, sizeof(*f->prog));
	if (!f->prog)
		return err_set(err, ENOMEM, "seccomp: out of memory");
	for (size_t i = 0; i < c->ninsns; i++) {
		const struct insn *in = &c->insns[i];
		struct sock_filter *o = &f->prog[i];

		o->code = in->code;
		o->k = in->k;
		if (BPF_CLASS(in->code) == BPF_JMP && BPF_OP(in->code) == BPF_JA)
			o->k = distance(c, i, in->k);
		else if (is_cond_jump(in->code))
			o->jt = distance(c, i, in->jt), o->jf = distance(c, i, in->jf);
		if (is_cond_jump(in->code) &&
		    (distance(c, i, in->jt) > 255 || distance(c, i, in->jf) > 255))
			return err_set(err, EFAULT, "seccomp: internal error: jump too far at %zu",
			               i);
	}
	f->len = c->ninsns;
	return 0;
}

struct seccomp_filter *seccomp_compile(const struct json *sec, struct error **err)
{
	struct compiler c = {0};
	struct seccomp_filter *f = calloc(1, sizeof(*f));
	const struct json *calls = json_get(sec, "syscalls");
	size_t gcap = 0, rcap = 0;
	int r = 0;

	if (!f) {
		err_set(err, ENOMEM, "seccomp: out of memory");
		return NULL;
	}
	if (!sec || sec->type != JSON_OBJECT)
		r = err_set(err, EINVAL, "seccomp: expected an object");
	if (!r)
		r = parse_action(sec, "defaultAction", "defaultErrnoRet", "", &c.def_ret, err);
	if (!r && (c.def_ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF)
		r = err_set(err, EINVAL,
		            "seccomp: defaultAction: SCMP_ACT_NOTIFY cannot be the "
		            "default (the runtime itself must write the listener fd)");
	if (!r)
		r = parse_arches(&c, sec, err);
	if (!r)
		r = parse_flags(f, sec, err);
	if (!r)
		r = parse_listener(f, sec, err);
	if (!r && calls && calls->type != JSON_ARRAY)
		r = err_set(err, EINVAL, "seccomp: syscalls: expected an array");
	for (size_t i = 0; !r && i < json_len(calls); i++)
		r = parse_entry(&c, json_at(calls, i), i, &gcap, &rcap, err);
	if (!r) {
		c.badarch_ret = permissive(c.def_ret) ? SECCOMP_RET_KILL_PROCESS : c.def_ret;
		c.enosys = !permissive(c.def_ret) && c.def_ret != (SECCOMP_RET_ERRNO | ENOSYS);
		for (size_t g = 0; g < c.ngroups; g++)
			if ((c.groups[g].ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF)
				f->listener = true;
		if (generate(&c) < 0)
			r = err_set(err, ENOMEM, "seccomp: out of memory");
	}
	if (!r)
		r = assemble(&c, f, err);
	free(c.groups);
	free(c.rules);
	free(c.insns);
	free(c.labels);
	if (r < 0) {
		seccomp_free(f);
		return NULL;
	}
	/* Killable waits only mean something for a listener; the kernel refuses them without. */
	if (!f->listener)
		f->flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	if (f->listener)
		f->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	/* TSYNC and a listener only go together when a sync failure reports ESRCH, not a TID. */
	if (f->listener && (f->flags & SECCOMP_FILTER_FLAG_TSYNC))
		f->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	return f;
}

/* ---- loading ---- */

static long sys_seccomp(unsigned op, unsigned long flags, void *args)
{
	return syscall(SYS_seccomp, op, flags, args);
}

/* Known to this kernel: with a NULL program it fails on the flags (EINVAL) before it reads
 * the program (EFAULT), the probe libseccomp uses. */
static bool flag_supported(unsigned long flag)
{
	if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	return sys_seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

int seccomp_install(const struct seccomp_filter *f, struct error **err)
{
	struct sock_fprog prog = {.len = f->len, .filter = f->prog};
	long r = sys_seccomp(SECCOMP_SET_MODE_FILTER, f->flags, &prog);

	if (r < 0 && errno == ENOSYS && !f->flags) /* before 3.17 */
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	if (r >= 0)
		return f->listener ? (int)r : 0;
	if (errno == EACCES)
		return err_errno(err, "seccomp: loading the filter needs no_new_privs or "
		                      "CAP_SYS_ADMIN");
	if (errno == EINVAL && f->flags) {
		int e = errno;
		for (size_t i = 0; i < ARRAY_SIZE(filter_flags); i++)
			if ((f->flags & filter_flags[i].flag) &&
			    !flag_supported(filter_flags[i].flag))
				return err_set(err, EINVAL,
				               "seccomp: flags: %s is not supported by "
				               "this kernel",
				               filter_flags[i].name);
		if (f->listener && !flag_supported(SECCOMP_FILTER_FLAG_NEW_LISTENER))
			return err_set(err, EINVAL,
			               "seccomp: SCMP_ACT_NOTIFY is not supported by "
			               "this kernel (5.0 or later)");
		errno = e;
	}
	return err_errno(err, "seccomp: loading the filter (%u instructions)", f->len);
}

bool seccomp_wants_listener(const struct seccomp_filter *f)
{
	return f->listener;
}

const char *seccomp_listener_path(const struct seccomp_filter *f)
{
	return f->listener_path;
}

const char *seccomp_listener_metadata(const struct seccomp_filter *f)
{
	return f->listener_metadata;
}

size_t seccomp_program_len(const struct seccomp_filter *f)
{
	return f->len;
}

void seccomp_free(struct seccomp_filter *f)
{
	if (!f)
		return;
	free(f->prog);
	free(f->listener_path);
	free(f->listener_metadata);
	free(f);
}

/* ---- features.json ---- */

static void names_array(struct json_writer *w, const char *key, const char *const *names, size_t n,
                        size_t stride)
{
	jw_key(w, key);
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_string(w, *(const char *const *)((const char *)names + i * stride));
	jw_array_end(w);
}
#define NAMES(w, key, table)                                                                       \
	names_array((w), (key), &(table)[0].name, ARRAY_SIZE(table), sizeof((table)[0]))

void seccomp_features(struct json_writer *w)
{
	jw_object_begin(w);
	jw_key(w, "enabled");
	jw_bool(w, true);
	NAMES(w, "actions", actions);
	NAMES(w, "operators", operators);
	/* the ones this build can filter; sorted, as the other lists */
	jw_key(w, "archs");
	jw_array_begin(w);
	for (size_t i = 0; i < ARRAY_SIZE(arch_names); i++)
		for (unsigned col = 0; col < seccomp_syscall_columns(); col++)
			if (STREQ(arch_names[i], columns[col].name))
				jw_string(w, arch_names[i]);
	jw_array_end(w);
	NAMES(w, "knownFlags", filter_flags);
	jw_key(w, "supportedFlags");
	jw_array_begin(w);
	for (size_t i = 0; i < ARRAY_SIZE(filter_flags); i++)
		if (flag_supported(filter_flags[i].flag))
			jw_string(w, filter_flags[i].name);
	jw_array_end(w);
	jw_object_end(w);
}
