/* config.json's "process" (and linux.personality) into struct process_attrs: every name through
 * a table, every number range-checked here, so applying it later can only fail in the kernel.
 * Errors name the field the way the file spells it: "process.rlimits[1].type: unknown rlimit". */
#include "caps.h"
#include <sched.h>
#include <sys/personality.h>

struct name_val {
	const char *name;
	unsigned long val;
};

#define IOPRIO_CLASS_SHIFT_ 13

static const struct name_val ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};

/* Linux's numbers (uapi/linux/sched.h); libcs do not all define IDLE and DEADLINE. */
enum { POLICY_OTHER, POLICY_FIFO, POLICY_RR, POLICY_BATCH, POLICY_IDLE = 5, POLICY_DEADLINE };

static const struct name_val sched_policies[] = {
    {"SCHED_OTHER", POLICY_OTHER}, {"SCHED_FIFO", POLICY_FIFO}, {"SCHED_RR", POLICY_RR},
    {"SCHED_BATCH", POLICY_BATCH}, {"SCHED_IDLE", POLICY_IDLE}, {"SCHED_DEADLINE", POLICY_DEADLINE},
};

static const struct name_val sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static const struct name_val personality_domains[] = {
    {"LINUX", PER_LINUX},
    {"LINUX32", PER_LINUX32},
};

/* uapi/linux/personality.h; the spec defines none yet, these are the kernel's own. */
static const struct name_val personality_flags[] = {
    {"UNAME26", 0x0020000},
    {"ADDR_NO_RANDOMIZE", 0x0040000},
    {"FDPIC_FUNCPTRS", 0x0080000},
    {"MMAP_PAGE_ZERO", 0x0100000},
    {"ADDR_COMPAT_LAYOUT", 0x0200000},
    {"READ_IMPLIES_EXEC", 0x0400000},
    {"ADDR_LIMIT_32BIT", 0x0800000},
    {"SHORT_INODE", 0x1000000},
    {"WHOLE_SECONDS", 0x2000000},
    {"STICKY_TIMEOUTS", 0x4000000},
    {"ADDR_LIMIT_3GB", 0x8000000},
};

static const struct name_val *lookup(const struct name_val *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (STREQ(t[i].name, name))
			return &t[i];
	return NULL;
}
#define LOOKUP(table, name) lookup(table, ARRAY_SIZE(table), name)

/* Typed field access: 0 absent, 1 present and valid, negative with *err set. */

static int want_type(const struct json *v, enum json_type t, const char *where, const char *key,
                     struct error **err)
{
	bool ok = v->type == t || (t == JSON_TRUE && v->type == JSON_FALSE);

	if (ok)
		return 1;
	return err_set(err, EINVAL, "%s.%s: expected %s, got %s", where, key,
	               t == JSON_TRUE ? "boolean" : json_type_name(t), json_type_name(v->type));
}

static int get_ll(const struct json *obj, const char *key, const char *where, long long lo,
                  long long hi, long long *out, struct error **err)
{
	struct json *v = json_get(obj, key);
	int64_t i;
	int r;

	if (!v)
		return 0;
	if ((r = want_type(v, JSON_NUMBER, where, key, err)) < 0)
		return r;
	if (!json_i64(v, &i) || i < lo || i > hi)
		return err_set(err, ERANGE, "%s.%s: %s is not an integer in %lld..%lld", where, key,
		               json_number_text(v), lo, hi);
	*out = i;
	return 1;
}

static int get_u64(const struct json *obj, const char *key, const char *where, uint64_t *out,
                   struct error **err)
{
	struct json *v = json_get(obj, key);
	int r;

	if (!v)
		return 0;
	if ((r = want_type(v, JSON_NUMBER, where, key, err)) < 0)
		return r;
	if (!json_u64(v, out))
		return err_set(err, ERANGE, "%s.%s: %s is not an unsigned 64-bit integer", where,
		               key, json_number_text(v));
	return 1;
}

static int get_str(const struct json *obj, const char *key, const char *where, const char **out,
                   struct error **err)
{
	struct json *v = json_get(obj, key);
	int r;

	if (!v)
		return 0;
	if ((r = want_type(v, JSON_STRING, where, key, err)) < 0)
		return r;
	if (v->flags & JSON_HAS_NUL)
		return err_set(err, EINVAL, "%s.%s: holds a NUL byte", where, key);
	*out = v->str;
	return 1;
}

/* An optional array of strings; *arr NULL when absent. */
static int get_str_array(const struct json *obj, const char *key, const char *where,
                         const struct json **arr, struct error **err)
{
	struct json *v = json_get(obj, key);
	int r;

	*arr = NULL;
	if (!v)
		return 0;
	if ((r = want_type(v, JSON_ARRAY, where, key, err)) < 0)
		return r;
	for (size_t i = 0; i < v->len; i++)
		if (v->items[i].type != JSON_STRING || (v->items[i].flags & JSON_HAS_NUL))
			return err_set(err, EINVAL, "%s.%s[%zu]: expected a string", where, key, i);
	*arr = v;
	return 1;
}

static int parse_cap_list(const struct json *caps, const char *key, uint64_t *mask,
                          struct error **err)
{
	const struct json *arr;
	int r = get_str_array(caps, key, "process.capabilities", &arr, err);

	if (r <= 0)
		return r;
	for (size_t i = 0; i < arr->len; i++) {
		int c = cap_from_name(arr->items[i].str);
		if (c < 0)
			return err_set(err, EINVAL,
			               "process.capabilities.%s[%zu]: unknown capability '%s'", key,
			               i, arr->items[i].str);
		*mask |= (uint64_t)1 << c;
	}
	return 0;
}

static int parse_caps(const struct json *process, struct process_attrs *a, struct error **err)
{
	static const char *const keys[] = {"bounding", "effective", "permitted", "inheritable",
	                                   "ambient"};
	uint64_t *masks[] = {&a->caps.bounding, &a->caps.effective, &a->caps.permitted,
	                     &a->caps.inheritable, &a->caps.ambient};
	struct json *caps = json_get(process, "capabilities");
	int r;

	if (!caps || caps->type == JSON_NULL)
		return 0;
	if ((r = want_type(caps, JSON_OBJECT, "process", "capabilities", err)) < 0)
		return r;
	a->has_caps = true;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if ((r = parse_cap_list(caps, keys[i], masks[i], err)) < 0)
			return r;
	return 0;
}

static int parse_rlimit(const struct json *item, size_t i, struct rlimit_spec *out,
                        struct error **err)
{
	char where[48];
	const char *type = NULL;
	uint64_t soft, hard;
	int r;

	snprintf(where, sizeof(where), "process.rlimits[%zu]", i);
	if (item->type != JSON_OBJECT)
		return err_set(err, EINVAL, "%s: expected an object", where);
	if ((r = get_str(item, "type", where, &type, err)) < 0)
		return r;
	if (!r)
		return err_set(err, EINVAL, "%s.type: missing", where);
	out->resource = rlimit_from_name(type);
	if (out->resource < 0)
		return err_set(err, EINVAL, "%s.type: unknown rlimit '%s'", where, type);
	if ((r = get_u64(item, "soft", where, &soft, err)) <= 0)
		return r ? r : err_set(err, EINVAL, "%s.soft: missing", where);
	if ((r = get_u64(item, "hard", where, &hard, err)) <= 0)
		return r ? r : err_set(err, EINVAL, "%s.hard: missing", where);
	if (soft > hard)
		return err_set(err, EINVAL, "%s: %s soft limit %llu is above the hard limit %llu",
		               where, type, (unsigned long long)soft, (unsigned long long)hard);
	/* rlim_t may be 32 bits wide: a value it cannot hold is "unlimited" to that kernel */
	out->lim.rlim_cur = soft > (rlim_t)-1 ? RLIM_INFINITY : (rlim_t)soft;
	out->lim.rlim_max = hard > (rlim_t)-1 ? RLIM_INFINITY : (rlim_t)hard;
	return 0;
}

static int parse_rlimits(const struct json *process, struct process_attrs *a, struct error **err)
{
	struct json *arr = json_get(process, "rlimits");
	int r;

	if (!arr || arr->type == JSON_NULL)
		return 0;
	if ((r = want_type(arr, JSON_ARRAY, "process", "rlimits", err)) < 0)
		return r;
	a->rlimits = xreallocarray(NULL, arr->len ? arr->len : 1, sizeof(*a->rlimits));
	for (size_t i = 0; i < arr->len; i++) {
		if ((r = parse_rlimit(&arr->items[i], i, &a->rlimits[i], err)) < 0)
			return r;
		a->n_rlimits++;
		for (size_t j = 0; j < i; j++)
			if (a->rlimits[j].resource == a->rlimits[i].resource)
				return err_set(err, EINVAL, "process.rlimits[%zu]: %s given twice",
				               i, rlimit_name(a->rlimits[i].resource));
	}
	return 0;
}

static int parse_user(const struct json *process, struct process_attrs *a, struct error **err)
{
	struct json *user = json_get(process, "user"), *gids;
	long long v;
	int r;

	if (!user)
		return 0;
	if ((r = want_type(user, JSON_OBJECT, "process", "user", err)) < 0)
		return r;
	if ((r = get_ll(user, "uid", "process.user", 0, UINT32_MAX - 1, &v, err)) < 0)
		return r;
	a->uid = r ? v : 0;
	if ((r = get_ll(user, "gid", "process.user", 0, UINT32_MAX - 1, &v, err)) < 0)
		return r;
	a->gid = r ? v : 0;
	if ((r = get_ll(user, "umask", "process.user", 0, 0777, &v, err)) < 0)
		return r;
	a->has_umask = r;
	a->umask = r ? v : 0;
	gids = json_get(user, "additionalGids");
	if (!gids || gids->type == JSON_NULL)
		return 0;
	if ((r = want_type(gids, JSON_ARRAY, "process.user", "additionalGids", err)) < 0)
		return r;
	a->groups = xreallocarray(NULL, gids->len ? gids->len : 1, sizeof(*a->groups));
	for (size_t i = 0; i < gids->len; i++) {
		int64_t g;
		if (!json_i64(&gids->items[i], &g) || g < 0 || g >= UINT32_MAX)
			return err_set(err, EINVAL, "process.user.additionalGids[%zu]: not a gid",
			               i);
		a->groups[a->n_groups++] = g;
	}
	return 0;
}

static int parse_ioprio(const struct json *process, struct process_attrs *a, struct error **err)
{
	struct json *io = json_get(process, "ioPriority");
	const struct name_val *cls;
	const char *name = NULL;
	long long prio = 0;
	int r;

	if (!io)
		return 0;
	if ((r = want_type(io, JSON_OBJECT, "process", "ioPriority", err)) < 0)
		return r;
	if ((r = get_str(io, "class", "process.ioPriority", &name, err)) < 0)
		return r;
	if (!r)
		return err_set(err, EINVAL, "process.ioPriority.class: missing");
	if (!(cls = LOOKUP(ioprio_classes, name)))
		return err_set(err, EINVAL, "process.ioPriority.class: unknown class '%s'", name);
	if ((r = get_ll(io, "priority", "process.ioPriority", 0, 7, &prio, err)) < 0)
		return r;
	a->has_ioprio = true;
	a->ioprio = (int)(cls->val << IOPRIO_CLASS_SHIFT_) | (int)prio;
	return 0;
}

/* runc's rules (sched_setattr(2)): priority only for the real-time policies, the three times
 * only for SCHED_DEADLINE; the kernel checks the rest. */
static int parse_scheduler(const struct json *process, struct process_attrs *a, struct error **err)
{
	static const char where[] = "process.scheduler";
	struct json *s = json_get(process, "scheduler");
	const struct name_val *pol, *fl;
	const struct json *flags;
	const char *name = NULL;
	long long v;
	int r;

	if (!s)
		return 0;
	if ((r = want_type(s, JSON_OBJECT, "process", "scheduler", err)) < 0)
		return r;
	if ((r = get_str(s, "policy", where, &name, err)) < 0)
		return r;
	if (!r)
		return err_set(err, EINVAL, "%s.policy: missing", where);
	if (!(pol = LOOKUP(sched_policies, name)))
		return err_set(err, EINVAL, "%s.policy: unknown policy '%s'", where, name);
	a->sched_policy = pol->val;
	if ((r = get_ll(s, "nice", where, -20, 19, &v, err)) < 0)
		return r;
	a->sched_nice = r ? v : 0;
	if ((r = get_ll(s, "priority", where, 0, 99, &v, err)) < 0)
		return r;
	a->sched_priority = r ? v : 0;
	if (a->sched_priority && pol->val != POLICY_FIFO && pol->val != POLICY_RR)
		return err_set(err, EINVAL, "%s.priority: only for SCHED_FIFO and SCHED_RR", where);
	if ((r = get_str_array(s, "flags", where, &flags, err)) < 0)
		return r;
	for (size_t i = 0; flags && i < flags->len; i++) {
		if (!(fl = LOOKUP(sched_flags, flags->items[i].str)))
			return err_set(err, EINVAL, "%s.flags[%zu]: unknown flag '%s'", where, i,
			               flags->items[i].str);
		a->sched_flags |= fl->val;
	}
	if ((r = get_u64(s, "runtime", where, &a->sched_runtime, err)) < 0 ||
	    (r = get_u64(s, "deadline", where, &a->sched_deadline, err)) < 0 ||
	    (r = get_u64(s, "period", where, &a->sched_period, err)) < 0)
		return r;
	if (pol->val != POLICY_DEADLINE &&
	    (a->sched_runtime || a->sched_deadline || a->sched_period))
		return err_set(err, EINVAL,
		               "%s: runtime, deadline and period are only for "
		               "SCHED_DEADLINE",
		               where);
	a->has_scheduler = true;
	return 0;
}

static int parse_personality(const struct json *linux_section, struct process_attrs *a,
                             struct error **err)
{
	static const char where[] = "linux.personality";
	struct json *p = json_get(linux_section, "personality");
	const struct name_val *dom, *fl;
	const struct json *flags;
	const char *name = NULL;
	int r;

	if (!p)
		return 0;
	if ((r = want_type(p, JSON_OBJECT, "linux", "personality", err)) < 0)
		return r;
	if ((r = get_str(p, "domain", where, &name, err)) < 0)
		return r;
	if (!r)
		return err_set(err, EINVAL, "%s.domain: missing", where);
	if (!(dom = LOOKUP(personality_domains, name)))
		return err_set(err, EINVAL, "%s.domain: unknown domain '%s'", where, name);
	a->personality = dom->val;
	if ((r = get_str_array(p, "flags", where, &flags, err)) < 0)
		return r;
	for (size_t i = 0; flags && i < flags->len; i++) {
		if (!(fl = LOOKUP(personality_flags, flags->items[i].str)))
			return err_set(err, EINVAL, "%s.flags[%zu]: unknown flag '%s'", where, i,
			               flags->items[i].str);
		a->personality |= fl->val;
	}
	a->has_personality = true;
	return 0;
}

static int parse_misc(const struct json *process, struct process_attrs *a, struct error **err)
{
	struct json *nnp = json_get(process, "noNewPrivileges");
	long long v;
	int r;

	if (nnp) {
		if ((r = want_type(nnp, JSON_TRUE, "process", "noNewPrivileges", err)) < 0)
			return r;
		a->no_new_privileges = nnp->type == JSON_TRUE;
	}
	if ((r = get_ll(process, "oomScoreAdj", "process", -1000, 1000, &v, err)) < 0)
		return r;
	a->has_oom_score_adj = r;
	a->oom_score_adj = r ? v : 0;
	return 0;
}

int process_attrs_parse(const struct json *process, const struct json *linux_section,
                        struct process_attrs *out, struct error **err)
{
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (process && process->type != JSON_OBJECT)
		return err_set(err, EINVAL, "process: expected object, got %s",
		               json_type_name(process->type));
	if (linux_section && linux_section->type != JSON_OBJECT)
		return err_set(err, EINVAL, "linux: expected object, got %s",
		               json_type_name(linux_section->type));
	if (process &&
	    ((r = parse_caps(process, out, err)) < 0 ||
	     (r = parse_rlimits(process, out, err)) < 0 ||
	     (r = parse_user(process, out, err)) < 0 || (r = parse_misc(process, out, err)) < 0 ||
	     (r = parse_ioprio(process, out, err)) < 0 ||
	     (r = parse_scheduler(process, out, err)) < 0))
		goto fail;
	if (linux_section && (r = parse_personality(linux_section, out, err)) < 0)
		goto fail;
	return 0;
fail:
	process_attrs_free(out);
	return r;
}

void process_attrs_free(struct process_attrs *a)
{
	free(a->rlimits);
	free(a->groups);
	a->rlimits = NULL;
	a->groups = NULL;
	a->n_rlimits = a->n_groups = 0;
}
