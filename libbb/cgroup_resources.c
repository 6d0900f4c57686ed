/* linux.resources (runtime-spec config-linux.md) into struct cgroup_resources: every value is
 * type- and range-checked here, so the writers never see a value of the wrong kind. Unknown keys
 * are ignored, as the spec asks of runtimes. */
#include "cgroup_internal.h"

enum cg_kind { K_I64, K_U64, K_BOOL };

static const struct {
	const char *section, *key;
	enum cg_field field;
	enum cg_kind kind;
	long long lo, hi;
} scalars[] = {
    {"memory", "limit", CG_MEM_LIMIT, K_I64, -1, INT64_MAX},
    {"memory", "reservation", CG_MEM_RESERVATION, K_I64, -1, INT64_MAX},
    {"memory", "swap", CG_MEM_SWAP, K_I64, -1, INT64_MAX},
    {"memory", "kernel", CG_MEM_KERNEL, K_I64, -1, INT64_MAX},
    {"memory", "kernelTCP", CG_MEM_KERNEL_TCP, K_I64, -1, INT64_MAX},
    /* runc refuses more than 100 before the kernel sees it; so do we */
    {"memory", "swappiness", CG_MEM_SWAPPINESS, K_U64, 0, 100},
    {"memory", "disableOOMKiller", CG_MEM_DISABLE_OOM, K_BOOL, 0, 1},
    {"memory", "useHierarchy", CG_MEM_USE_HIERARCHY, K_BOOL, 0, 1},
    {"memory", "checkBeforeUpdate", CG_MEM_CHECK_BEFORE_UPDATE, K_BOOL, 0, 1},
    {"cpu", "shares", CG_CPU_SHARES, K_U64, 0, INT64_MAX},
    {"cpu", "quota", CG_CPU_QUOTA, K_I64, INT64_MIN, INT64_MAX},
    {"cpu", "burst", CG_CPU_BURST, K_U64, 0, INT64_MAX},
    {"cpu", "period", CG_CPU_PERIOD, K_U64, 0, INT64_MAX},
    {"cpu", "realtimeRuntime", CG_CPU_RT_RUNTIME, K_I64, INT64_MIN, INT64_MAX},
    {"cpu", "realtimePeriod", CG_CPU_RT_PERIOD, K_U64, 0, INT64_MAX},
    {"cpu", "idle", CG_CPU_IDLE, K_I64, INT64_MIN, INT64_MAX},
    {"pids", "limit", CG_PIDS_LIMIT, K_I64, INT64_MIN, INT64_MAX},
    {"blockIO", "weight", CG_BLKIO_WEIGHT, K_U64, 0, UINT16_MAX},
    {"blockIO", "leafWeight", CG_BLKIO_LEAF_WEIGHT, K_U64, 0, UINT16_MAX},
    {"network", "classID", CG_NET_CLASSID, K_U64, 0, UINT32_MAX},
};

static const char *const throttle_keys[CG_NTHROTTLE] = {
    [CG_THR_READ_BPS] = "throttleReadBpsDevice",
    [CG_THR_WRITE_BPS] = "throttleWriteBpsDevice",
    [CG_THR_READ_IOPS] = "throttleReadIOPSDevice",
    [CG_THR_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static int bad(struct error **err, const char *where, const char *why)
{
	return err_set(err, EINVAL, "linux.resources.%s: %s", where, why);
}

/* An integer member in [lo, hi]; absent or null leaves *out alone and returns 0. */
static int get_int(const struct json *obj, const char *key, long long lo, long long hi,
                   long long *out, const char *where, struct error **err)
{
	const struct json *j = json_get(obj, key);
	int64_t i;
	uint64_t u;

	if (!j || j->type == JSON_NULL)
		return 0;
	if (json_i64(j, &i)) {
		if (i < lo || i > hi)
			return err_set(err, ERANGE, "linux.resources.%s.%s: %lld out of range",
			               where, key, (long long)i);
		*out = i;
		return 1;
	}
	if (json_u64(j, &u))
		return err_set(err, ERANGE, "linux.resources.%s.%s: %llu out of range", where, key,
		               (unsigned long long)u);
	return err_set(err, EINVAL, "linux.resources.%s.%s: expected an integer", where, key);
}

static int parse_scalars(struct cgroup_resources *r, const struct json *res, struct error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(scalars); i++) {
		const struct json *sec = json_get(res, scalars[i].section), *j;
		long long v;
		bool b;
		int ret;

		j = json_get(sec, scalars[i].key);
		if (!j || j->type == JSON_NULL)
			continue;
		if (scalars[i].kind == K_BOOL) {
			if (!json_get_bool(sec, scalars[i].key, &b))
				return err_set(err, EINVAL,
				               "linux.resources.%s.%s: expected a boolean",
				               scalars[i].section, scalars[i].key);
			v = b;
		} else {
			ret = get_int(sec, scalars[i].key, scalars[i].lo, scalars[i].hi, &v,
			              scalars[i].section, err);
			if (ret < 0)
				return ret;
		}
		r->v[scalars[i].field] = v;
		r->set |= 1u << scalars[i].field;
	}
	return 0;
}

/* A cpuset list ("0-3,7") or NULL; the kernel has the last word on what exists. */
static int get_cpuset(const struct json *cpu, const char *key, char **out, struct error **err)
{
	const struct json *j = json_get(cpu, key);
	const char *s;

	if (!j || j->type == JSON_NULL)
		return 0;
	s = json_string(j, NULL);
	if (!s || strspn(s, "0123456789,- ") != strlen(s))
		return err_set(err, EINVAL, "linux.resources.cpu.%s: expected a cpu list", key);
	*out = xstrdup(s);
	return 0;
}

static const struct json *get_array(const struct json *obj, const char *key, const char *where,
                                    struct error **err, int *ret)
{
	const struct json *j = json_get(obj, key);

	*ret = 0;
	if (!j || j->type == JSON_NULL)
		return NULL;
	if (j->type != JSON_ARRAY) {
		*ret = err_set(err, EINVAL, "linux.resources.%s%s%s: expected an array", where,
		               *where ? "." : "", key);
		return NULL;
	}
	return j;
}

static unsigned parse_access(const char *s)
{
	static const char letters[] = "mrw"; /* bit n: CG_ACC_* 1 << n */
	unsigned acc = 0;

	for (; *s; s++) {
		const char *p = strchr(letters, *s);
		if (!p)
			return 0;
		acc |= 1u << (p - letters);
	}
	return acc;
}

static int parse_devices(struct cgroup_resources *r, const struct json *res, struct error **err)
{
	int ret;
	const struct json *arr = get_array(res, "devices", "", err, &ret);

	if (ret < 0 || !arr)
		return ret;
	r->has_devices = true;
	r->dev = xzalloc((json_len(arr) + 1) * sizeof(*r->dev));
	for (size_t i = 0; i < json_len(arr); i++) {
		const struct json *d = json_at(arr, i);
		struct cg_device_rule *rule = &r->dev[r->ndev++];
		const char *type = json_get_str(d, "type"), *acc = json_get_str(d, "access");

		if (!d || d->type != JSON_OBJECT || !json_get_bool(d, "allow", &rule->allow))
			return bad(err, "devices", "each rule needs \"allow\"");
		rule->type = type ? type[0] : 'a';
		if ((type && strlen(type) != 1) || !strchr("abc", rule->type))
			return bad(err, "devices", "type must be a, b or c");
		rule->major = rule->minor = CG_WILDCARD;
		if (get_int(d, "major", -1, UINT32_MAX, &rule->major, "devices", err) < 0 ||
		    get_int(d, "minor", -1, UINT32_MAX, &rule->minor, "devices", err) < 0)
			return -EINVAL;
		rule->access = acc ? parse_access(acc) : 7;
		if (!rule->access)
			return bad(err, "devices", "access must be letters of \"rwm\"");
	}
	return 0;
}

static int get_major_minor(const struct json *d, long long *major, long long *minor,
                           const char *where, struct error **err)
{
	*major = *minor = -1;
	if (get_int(d, "major", 0, UINT32_MAX, major, where, err) < 0 ||
	    get_int(d, "minor", 0, UINT32_MAX, minor, where, err) < 0)
		return -EINVAL;
	if (*major < 0 || *minor < 0)
		return err_set(err, EINVAL, "linux.resources.%s: major and minor are required",
		               where);
	return 0;
}

static int parse_block_io(struct cgroup_resources *r, const struct json *res, struct error **err)
{
	const struct json *bio = json_get(res, "blockIO"), *arr;
	int ret;

	arr = get_array(bio, "weightDevice", "blockIO", err, &ret);
	if (ret < 0)
		return ret;
	r->wdev = xzalloc((json_len(arr) + 1) * sizeof(*r->wdev));
	for (size_t i = 0; arr && i < json_len(arr); i++) {
		const struct json *d = json_at(arr, i);
		struct cg_weight_device *w = &r->wdev[r->nwdev++];

		w->weight = w->leaf_weight = -1;
		if (get_major_minor(d, &w->major, &w->minor, "blockIO.weightDevice", err) < 0 ||
		    get_int(d, "weight", 0, UINT16_MAX, &w->weight, "blockIO.weightDevice", err) <
		        0 ||
		    get_int(d, "leafWeight", 0, UINT16_MAX, &w->leaf_weight, "blockIO.weightDevice",
		            err) < 0)
			return -EINVAL;
	}
	for (int t = 0; t < CG_NTHROTTLE; t++) {
		arr = get_array(bio, throttle_keys[t], "blockIO", err, &ret);
		if (ret < 0)
			return ret;
		r->thr[t] = xzalloc((json_len(arr) + 1) * sizeof(*r->thr[t]));
		for (size_t i = 0; arr && i < json_len(arr); i++) {
			const struct json *d = json_at(arr, i);
			struct cg_throttle *th = &r->thr[t][r->nthr[t]++];
			long long rate = -1;

			if (get_major_minor(d, &th->major, &th->minor, "blockIO", err) < 0 ||
			    get_int(d, "rate", 0, INT64_MAX, &rate, "blockIO", err) < 0)
				return -EINVAL;
			if (rate < 0)
				return bad(err, throttle_keys[t], "rate is required");
			th->rate = rate;
		}
	}
	return 0;
}

static int parse_hugepages(struct cgroup_resources *r, const struct json *res, struct error **err)
{
	int ret;
	const struct json *arr = get_array(res, "hugepageLimits", "", err, &ret);

	if (ret < 0 || !arr)
		return ret;
	r->huge = xzalloc((json_len(arr) + 1) * sizeof(*r->huge));
	for (size_t i = 0; i < json_len(arr); i++) {
		const struct json *h = json_at(arr, i);
		const char *size = json_get_str(h, "pageSize");
		uint64_t limit;

		/* the size becomes part of a file name: digits and a unit, nothing else */
		if (!size || !*size || strspn(size, "0123456789") == 0 ||
		    strspn(size, "0123456789KMGB") != strlen(size))
			return bad(err, "hugepageLimits", "pageSize must look like \"2MB\"");
		if (!json_get_u64(h, "limit", &limit))
			return bad(err, "hugepageLimits", "limit must be an unsigned integer");
		r->huge[r->nhuge].page_size = xstrdup(size);
		r->huge[r->nhuge++].limit = limit;
	}
	return 0;
}

static int parse_network(struct cgroup_resources *r, const struct json *res, struct error **err)
{
	int ret;
	const struct json *arr =
	    get_array(json_get(res, "network"), "priorities", "network", err, &ret);

	if (ret < 0 || !arr)
		return ret;
	r->prio = xzalloc((json_len(arr) + 1) * sizeof(*r->prio));
	for (size_t i = 0; i < json_len(arr); i++) {
		const struct json *p = json_at(arr, i);
		const char *name = json_get_str(p, "name");
		long long prio = -1;

		if (get_int(p, "priority", 0, UINT32_MAX, &prio, "network.priorities", err) < 0)
			return -EINVAL;
		if (!name || !*name || strpbrk(name, " \n") || prio < 0)
			return bad(err, "network.priorities", "each needs a name and a priority");
		r->prio[r->nprio].name = xstrdup(name);
		r->prio[r->nprio++].prio = prio;
	}
	return 0;
}

static int parse_rdma(struct cgroup_resources *r, const struct json *res, struct error **err)
{
	const struct json *rd = json_get(res, "rdma");

	if (!rd || rd->type == JSON_NULL)
		return 0;
	if (rd->type != JSON_OBJECT)
		return bad(err, "rdma", "expected an object");
	r->rdma = xzalloc((json_len(rd) + 1) * sizeof(*r->rdma));
	for (size_t i = 0; i < json_len(rd); i++) {
		const struct json_member *m = json_member_at(rd, i);
		struct cg_rdma *d = &r->rdma[r->nrdma++];

		if (strlen(m->key) != m->key_len || !m->key_len || strpbrk(m->key, " \n"))
			return bad(err, "rdma", "bad device name");
		d->device = xstrdup(m->key);
		d->handles = d->objects = -1;
		if (get_int(&m->val, "hcaHandles", 0, UINT32_MAX, &d->handles, "rdma", err) < 0 ||
		    get_int(&m->val, "hcaObjects", 0, UINT32_MAX, &d->objects, "rdma", err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_unified(struct cgroup_resources *r, const struct json *res, struct error **err)
{
	const struct json *u = json_get(res, "unified");

	if (!u || u->type == JSON_NULL)
		return 0;
	if (u->type != JSON_OBJECT)
		return bad(err, "unified", "expected an object");
	r->unified = xzalloc((json_len(u) + 1) * sizeof(*r->unified));
	for (size_t i = 0; i < json_len(u); i++) {
		const struct json_member *m = json_member_at(u, i);
		const char *val = json_string(&m->val, NULL);

		/* the key names a file in the container's cgroup and nothing outside it */
		if (strlen(m->key) != m->key_len || !m->key_len || strchr(m->key, '/') ||
		    strstr(m->key, "..") || STREQ(m->key, "."))
			return err_set(err, EINVAL, "linux.resources.unified: bad key \"%s\"",
			               m->key);
		if (!val || m->val.flags & JSON_HAS_NUL)
			return err_set(err, EINVAL, "linux.resources.unified.%s: expected a string",
			               m->key);
		r->unified[r->nunified].key = xstrdup(m->key);
		r->unified[r->nunified++].value = xstrdup(val);
	}
	return 0;
}

struct cgroup_resources *cgroup_resources_parse(const struct json *res, struct error **err)
{
	static int (*const parsers[])(struct cgroup_resources *, const struct json *,
	                              struct error **) = {
	    parse_scalars, parse_devices, parse_block_io, parse_hugepages,
	    parse_network, parse_rdma,    parse_unified,
	};
	struct cgroup_resources *r = xzalloc(sizeof(*r));
	const struct json *cpu = json_get(res, "cpu");

	if (res && res->type != JSON_OBJECT && res->type != JSON_NULL) {
		bad(err, "", "expected an object");
		goto fail;
	}
	for (size_t i = 0; i < ARRAY_SIZE(parsers); i++)
		if (parsers[i](r, res, err) < 0)
			goto fail;
	if (get_cpuset(cpu, "cpus", &r->cpus, err) < 0 ||
	    get_cpuset(cpu, "mems", &r->mems, err) < 0)
		goto fail;
	return r;
fail:
	cgroup_resources_free(r);
	return NULL;
}

void cgroup_resources_free(struct cgroup_resources *r)
{
	if (!r)
		return;
	free(r->cpus);
	free(r->mems);
	free(r->dev);
	free(r->wdev);
	for (int t = 0; t < CG_NTHROTTLE; t++)
		free(r->thr[t]);
	for (size_t i = 0; i < r->nhuge; i++)
		free(r->huge[i].page_size);
	free(r->huge);
	for (size_t i = 0; i < r->nprio; i++)
		free(r->prio[i].name);
	free(r->prio);
	for (size_t i = 0; i < r->nrdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	for (size_t i = 0; i < r->nunified; i++) {
		free(r->unified[i].key);
		free(r->unified[i].value);
	}
	free(r->unified);
	free(r);
}
