/* cgroup v2 (Documentation/admin-guide/cgroup-v2.rst): the spec's v1-shaped values mapped the
 * way runc maps them (cpu.weight from shares, io.weight from blkio weight, memory.swap.max as
 * swap minus limit, "max" for -1), then linux.resources.unified as given. Not exercised on a
 * hybrid host: the tests run it in the qemu VM, where /sys/fs/cgroup is cgroup2. */
#include "cgroup_internal.h"
#include <time.h>

static long long val(const struct cgroup_resources *r, enum cg_field f)
{
	return cg_has(r, f) ? r->v[f] : 0;
}

/* -1 is "max"; anything else as a number. */
static int write_max(const char *dir, const char *file, long long v, struct error **err)
{
	return v < 0 ? cg_write(dir, file, "max", err) : cg_writef(dir, file, err, "%lld", v);
}

/* Enables in every ancestor's cgroup.subtree_control what it offers, so that the leaf gets
 * memory.max and friends. Best effort, as runc: a controller the kernel will not delegate shows
 * up later as the error of the write that needed it, naming that file. */
int cgroup2_enable_controllers(const char *mnt, const char *dir)
{
	size_t len = strlen(mnt);

	while (len < strlen(dir)) {
		cleanup_free char *p = xstrndup(dir, len);
		cleanup_free char *avail = cg_read(p, "cgroup.controllers");
		char *save = NULL;

		for (char *c = avail ? strtok_r(avail, " \n", &save) : NULL; c;
		     c = strtok_r(NULL, " \n", &save))
			cg_writef(p, "cgroup.subtree_control", NULL, "+%s", c);
		len += 1 + strcspn(dir + len + 1, "/");
	}
	return 0;
}

static int v2_memory(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	long long limit = val(r, CG_MEM_LIMIT), swap = val(r, CG_MEM_SWAP), swap_max;
	uint64_t usage;
	int ret;

	if (val(r, CG_MEM_CHECK_BEFORE_UPDATE) && limit > 0 &&
	    cg_read_u64(dir, "memory.current", &usage) == 0 && (uint64_t)limit < usage)
		return err_set(err, EBUSY,
		               "cgroup: memory.max: %lld is below the current usage %llu", limit,
		               (unsigned long long)usage);
	/* the spec's swap is memory+swap (v1's memsw); v2 limits swap alone */
	if (limit == -1 && !swap)
		swap_max = -1;
	else if (swap == -1 || !swap)
		swap_max = swap;
	else if (limit <= 0)
		return err_set(err, EINVAL,
		               "cgroup: memory.swap.max: a swap limit needs a memory "
		               "limit");
	else if (swap < limit)
		return err_set(err, EINVAL,
		               "cgroup: memory.swap.max: swap (memory+swap, %lld) is "
		               "below the memory limit %lld",
		               swap, limit);
	else
		swap_max = swap - limit;
	/* swap equal to the limit means "no swap": 0, which a missing file already is */
	if (swap_max || swap > 0) {
		ret = write_max(dir, "memory.swap.max", swap_max, err);
		if (ret < 0 && !(ret == -ENOENT && swap_max <= 0))
			return ret;
	}
	if (limit && (ret = write_max(dir, "memory.max", limit, err)) < 0)
		return ret;
	if (val(r, CG_MEM_RESERVATION) &&
	    (ret = write_max(dir, "memory.low", r->v[CG_MEM_RESERVATION], err)) < 0)
		return ret;
	return 0;
}

static int v2_io(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	static const char *const keys[CG_NTHROTTLE] = {
	    [CG_THR_READ_BPS] = "rbps",
	    [CG_THR_WRITE_BPS] = "wbps",
	    [CG_THR_READ_IOPS] = "riops",
	    [CG_THR_WRITE_IOPS] = "wiops",
	};
	bool bfq = cg_exists(dir, "io.bfq.weight");
	long long w = val(r, CG_BLKIO_WEIGHT);

	/* BFQ takes blkio's own 10..1000 scale; io.weight is 1..10000 */
	if (w && bfq && cg_writef(dir, "io.bfq.weight", err, "%lld", w) < 0)
		return -EINVAL;
	if (w && !bfq && cg_writef(dir, "io.weight", err, "%lld", 1 + (w - 10) * 9999 / 990) < 0)
		return -EINVAL;
	for (size_t i = 0; bfq && i < r->nwdev; i++)
		if (r->wdev[i].weight > 0 &&
		    cg_writef(dir, "io.bfq.weight", err, "%lld:%lld %lld", r->wdev[i].major,
		              r->wdev[i].minor, r->wdev[i].weight) < 0)
			return -EINVAL;
	for (int t = 0; t < CG_NTHROTTLE; t++)
		for (size_t i = 0; i < r->nthr[t]; i++)
			if (cg_writef(dir, "io.max", err, "%lld:%lld %s=%llu", r->thr[t][i].major,
			              r->thr[t][i].minor, keys[t], r->thr[t][i].rate) < 0)
				return -EINVAL;
	return 0;
}

static int v2_cpu(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	long long shares = val(r, CG_CPU_SHARES), quota = val(r, CG_CPU_QUOTA);
	long long period = val(r, CG_CPU_PERIOD);
	struct strbuf max = STRBUF_INIT;
	int ret = 0;

	if (val(r, CG_CPU_RT_RUNTIME) || val(r, CG_CPU_RT_PERIOD))
		return err_set(err, ENOTSUP,
		               "cgroup: cpu.rt_runtime_us: realtime limits need "
		               "cgroup v1");
	if (shares &&
	    cg_writef(dir, "cpu.weight", err, "%lld", 1 + ((shares - 2) * 9999) / 262142) < 0)
		return -EINVAL;
	if (quota || period) {
		if (quota > 0)
			sb_printf(&max, "%lld", quota);
		else
			sb_adds(&max, "max");
		if (period)
			sb_printf(&max, " %lld", period);
		ret = cg_write(dir, "cpu.max", max.buf, err);
		sb_release(&max);
		if (ret < 0)
			return ret;
	}
	if (val(r, CG_CPU_BURST) &&
	    cg_writef(dir, "cpu.max.burst", err, "%lld", r->v[CG_CPU_BURST]) < 0)
		return -EINVAL;
	if (cg_has(r, CG_CPU_IDLE) &&
	    cg_writef(dir, "cpu.idle", err, "%lld", r->v[CG_CPU_IDLE]) < 0)
		return -EINVAL;
	return 0;
}

static int v2_hugetlb(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	for (size_t i = 0; i < r->nhuge; i++) {
		char file[64], rsvd[80];

		snprintf(file, sizeof(file), "hugetlb.%s.max", r->huge[i].page_size);
		snprintf(rsvd, sizeof(rsvd), "hugetlb.%s.rsvd.max", r->huge[i].page_size);
		if (cg_writef(dir, file, err, "%llu", r->huge[i].limit) < 0)
			return -EINVAL;
		if (cg_exists(dir, rsvd) && cg_writef(dir, rsvd, err, "%llu", r->huge[i].limit) < 0)
			return -EINVAL;
	}
	return 0;
}

static int v2_devices(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	return r->has_devices ? cgroup2_apply_devices(dir, r, err) : 0;
}

static int v2_network(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	(void)dir;
	/* net_cls and net_prio have no v2 files: v2 leaves that to BPF on sockets */
	if (val(r, CG_NET_CLASSID) || r->nprio)
		return err_set(err, ENOTSUP,
		               "cgroup: net_cls.classid: network limits need "
		               "cgroup v1");
	return 0;
}

int cgroup2_apply_unified(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	for (size_t i = 0; i < r->nunified; i++) {
		const char *key = r->unified[i].key;

		if (strchr(key, '/') || strstr(key, "..")) /* parse refused them; never trust */
			return err_set(err, EINVAL, "cgroup: unified key \"%s\" is not a file",
			               key);
		if (cg_write(dir, key, r->unified[i].value, err) < 0)
			return -EINVAL;
	}
	return 0;
}

int cgroup2_apply(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	static int (*const setters[])(const char *, const struct cgroup_resources *,
	                              struct error **) = {
	    cg_set_pids,   v2_memory,  v2_io,       v2_cpu,     v2_devices,
	    cg_set_cpuset, v2_hugetlb, cg_set_rdma, v2_network, cgroup2_apply_unified,
	};

	if (!dir)
		return err_set(err, ENOENT, "cgroup: no cgroup2 hierarchy");
	for (size_t i = 0; i < ARRAY_SIZE(setters); i++)
		if (setters[i](dir, r, err) < 0)
			return -EINVAL;
	return 0;
}

/* ---- freezer: cgroup.freeze asks, cgroup.events says when every task has stopped ---- */

int cgroup2_freeze(const char *dir, bool frozen, struct error **err)
{
	struct timespec ts = {0, 1000 * 1000};

	if (cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return -EINVAL;
	for (int try = 0; try < 2000; try++) {
		cleanup_free char *events = cg_read(dir, "cgroup.events");
		uint64_t v;

		if (!events)
			return err_errno(err, "cgroup: cgroup.events: read");
		if (cg_keyed_u64(events, "frozen", &v) && v == (uint64_t)frozen)
			return 0;
		nanosleep(&ts, NULL);
	}
	if (frozen)
		cg_write(dir, "cgroup.freeze", "0", NULL);
	return err_set(err, EBUSY, "cgroup: cgroup.events: frozen %d did not settle", frozen);
}

/* ---- stats, in runc's v1-shaped names ---- */

static void memory_entry(const char *dir, const char *prefix, struct cg_mem_entry *e)
{
	char file[64];
	cleanup_free char *events = NULL;

	snprintf(file, sizeof(file), "%s.current", prefix);
	cg_read_u64(dir, file, &e->usage);
	snprintf(file, sizeof(file), "%s.max", prefix);
	cg_read_u64(dir, file, &e->limit);
	snprintf(file, sizeof(file), "%s.peak", prefix);
	cg_read_u64(dir, file, &e->max);
	snprintf(file, sizeof(file), "%s.events", prefix);
	if ((events = cg_read(dir, file)))
		cg_keyed_u64(events, "max", &e->failcnt);
}

static void io_stats(const char *dir, struct cg_stats *s)
{
	static const struct {
		const char *key, *op;
		int list;
	} keys[] = {
	    {"rbytes", "Read", CG_IO_SERVICE_BYTES},
	    {"wbytes", "Write", CG_IO_SERVICE_BYTES},
	    {"rios", "Read", CG_IO_SERVICED},
	    {"wios", "Write", CG_IO_SERVICED},
	};
	cleanup_free char *text = cg_read(dir, "io.stat");

	for (char *l = text; l && *l; l += strcspn(l, "\n"), l += *l == '\n') {
		unsigned long long maj, min;
		size_t end = strcspn(l, "\n");

		if (sscanf(l, "%llu:%llu", &maj, &min) != 2)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			char pat[16];
			const char *p;

			snprintf(pat, sizeof(pat), " %s=", keys[k].key);
			p = strstr(l, pat);
			if (p && (size_t)(p - l) < end) {
				struct cg_blkio_entry e = {.major = maj, .minor = min};

				e.value = strtoull(p + strlen(pat), NULL, 10);
				snprintf(e.op, sizeof(e.op), "%s", keys[k].op);
				cg_blkio_push(s, keys[k].list, &e);
			}
		}
	}
}

static void hugetlb_stats(const char *dir, struct cg_stats *s)
{
	size_t n;
	char **sizes = cg_hugepage_sizes(dir, "hugetlb.", ".max", &n);

	s->huge = xzalloc((n + 1) * sizeof(*s->huge));
	for (size_t i = 0; i < n; i++) {
		struct cg_hugetlb_stat *h = &s->huge[s->nhuge++];
		cleanup_free char *events = NULL;
		char file[64];

		snprintf(h->size, sizeof(h->size), "%s", sizes[i]);
		snprintf(file, sizeof(file), "hugetlb.%s.current", sizes[i]);
		cg_read_u64(dir, file, &h->usage);
		snprintf(file, sizeof(file), "hugetlb.%s.events", sizes[i]);
		if ((events = cg_read(dir, file)))
			cg_keyed_u64(events, "max", &h->failcnt);
		free(sizes[i]);
	}
	free(sizes);
}

void cgroup2_stats(const char *dir, struct cg_stats *s)
{
	cleanup_free char *cpu = cg_read(dir, "cpu.stat");
	uint64_t v;

	if (cpu) { /* microseconds; runc reports nanoseconds */
		if (cg_keyed_u64(cpu, "usage_usec", &v))
			s->cpu_total = v * 1000;
		if (cg_keyed_u64(cpu, "user_usec", &v))
			s->cpu_user = v * 1000;
		if (cg_keyed_u64(cpu, "system_usec", &v))
			s->cpu_kernel = v * 1000;
		cg_keyed_u64(cpu, "nr_periods", &s->periods);
		cg_keyed_u64(cpu, "nr_throttled", &s->throttled_periods);
		if (cg_keyed_u64(cpu, "throttled_usec", &v))
			s->throttled_time = v * 1000;
	}
	memory_entry(dir, "memory", &s->usage);
	memory_entry(dir, "memory.swap", &s->swap);
	/* v1 reported swap as memory+swap; runc keeps that shape on v2 */
	s->swap.usage += s->usage.usage;
	if (s->swap.limit != UINT64_MAX)
		s->swap.limit += s->usage.limit;
	s->mem_raw = cg_read(dir, "memory.stat");
	if (s->mem_raw)
		cg_keyed_u64(s->mem_raw, "file", &s->mem_cache);
	cg_read_u64(dir, "pids.current", &s->pids_current);
	cg_read_u64(dir, "pids.max", &s->pids_limit);
	io_stats(dir, s);
	hugetlb_stats(dir, s);
}
