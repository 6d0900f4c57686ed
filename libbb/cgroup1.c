/* cgroup v1: one writer per controller, run in runc's order (cpuset, devices, memory, cpu, pids,
 * blkio, hugetlb, net_cls, net_prio, rdma) with runc's values, so `cat` of any file reads what it
 * would under runc. A zero means "not set" where runc reads it so. */
#include "cgroup_internal.h"
#include <time.h>

static long long val(const struct cgroup_resources *r, enum cg_field f)
{
	return cg_has(r, f) ? r->v[f] : 0;
}

int cg_set_cpuset(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	if (r->cpus && *r->cpus && cg_write(dir, "cpuset.cpus", r->cpus, err) < 0)
		return -EINVAL;
	if (r->mems && *r->mems && cg_write(dir, "cpuset.mems", r->mems, err) < 0)
		return -EINVAL;
	return 0;
}

/* Deny everything, then the rules in order: the kernel itself turns the list into the same
 * default-plus-exceptions state that the v2 program is built from. */
static int v1_devices(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	if (cg_write(dir, "devices.deny", "a", err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < r->ndev; i++) {
		const struct cg_device_rule *d = &r->dev[i];
		const char *file = d->allow ? "devices.allow" : "devices.deny";
		char maj[24] = "*", min[24] = "*", acc[4] = "";
		int n = 0;

		if (d->type == 'a') { /* the kernel reads any "a..." line as "everything" */
			if (cg_write(dir, file, "a", err) < 0)
				return -EINVAL;
			continue;
		}
		if (d->major >= 0)
			snprintf(maj, sizeof(maj), "%lld", d->major);
		if (d->minor >= 0)
			snprintf(min, sizeof(min), "%lld", d->minor);
		for (int b = 0; b < 3; b++)
			if (d->access & (1u << b))
				acc[n++] = "mrw"[b];
		acc[n] = '\0';
		if (cg_writef(dir, file, err, "%c %s:%s %s", d->type, maj, min, acc) < 0)
			return -EINVAL;
	}
	return 0;
}

static int write_ll(const char *dir, const char *file, long long v, struct error **err)
{
	return cg_writef(dir, file, err, "%lld", v);
}

/* memory.memsw.limit_in_bytes is memory+swap (the spec's "swap" means that too). The kernel
 * keeps memsw >= memory at every step, so the order of the two writes depends on which way the
 * limits move. */
static int v1_memory_swap(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	long long limit = val(r, CG_MEM_LIMIT), swap = val(r, CG_MEM_SWAP);
	uint64_t cur;
	int ret;

	if (limit == -1 && !swap && cg_exists(dir, "memory.memsw.limit_in_bytes"))
		swap = -1; /* runc: unlimited memory means unlimited swap unless told otherwise */
	if (limit && swap && cg_read_u64(dir, "memory.limit_in_bytes", &cur) == 0 &&
	    (swap == -1 || cur < (uint64_t)swap)) {
		ret = write_ll(dir, "memory.memsw.limit_in_bytes", swap, err);
		return ret ? ret : write_ll(dir, "memory.limit_in_bytes", limit, err);
	}
	if (limit && (ret = write_ll(dir, "memory.limit_in_bytes", limit, err)) < 0)
		return ret;
	if (swap && (ret = write_ll(dir, "memory.memsw.limit_in_bytes", swap, err)) < 0)
		return ret;
	return 0;
}

static int v1_memory(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	static const struct {
		enum cg_field f;
		const char *file;
		bool if_exists; /* kernel memory accounting files come and go between kernels */
	} plain[] = {
	    {CG_MEM_RESERVATION, "memory.soft_limit_in_bytes", false},
	    {CG_MEM_KERNEL, "memory.kmem.limit_in_bytes", true},
	    {CG_MEM_KERNEL_TCP, "memory.kmem.tcp.limit_in_bytes", true},
	};
	long long limit = val(r, CG_MEM_LIMIT);
	uint64_t usage, cur;

	if (val(r, CG_MEM_CHECK_BEFORE_UPDATE) && limit > 0 &&
	    cg_read_u64(dir, "memory.usage_in_bytes", &usage) == 0 && (uint64_t)limit < usage)
		return err_set(err, EBUSY,
		               "cgroup: memory.limit_in_bytes: %lld is below the "
		               "current usage %llu",
		               limit, (unsigned long long)usage);
	if (v1_memory_swap(dir, r, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
		if (!val(r, plain[i].f) || (plain[i].if_exists && !cg_exists(dir, plain[i].file)))
			continue;
		if (write_ll(dir, plain[i].file, val(r, plain[i].f), err) < 0)
			return -EINVAL;
	}
	if (cg_has(r, CG_MEM_SWAPPINESS) &&
	    write_ll(dir, "memory.swappiness", r->v[CG_MEM_SWAPPINESS], err) < 0)
		return -EINVAL;
	if (val(r, CG_MEM_DISABLE_OOM) && cg_write(dir, "memory.oom_control", "1", err) < 0)
		return -EINVAL;
	/* newer kernels only know 1: write only a change, so "true" works everywhere */
	if (cg_has(r, CG_MEM_USE_HIERARCHY) &&
	    (cg_read_u64(dir, "memory.use_hierarchy", &cur) < 0 ||
	     cur != (uint64_t)r->v[CG_MEM_USE_HIERARCHY]) &&
	    write_ll(dir, "memory.use_hierarchy", r->v[CG_MEM_USE_HIERARCHY], err) < 0)
		return -EINVAL;
	return 0;
}

static int v1_cpu(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	long long quota = val(r, CG_CPU_QUOTA), period = val(r, CG_CPU_PERIOD);
	bool period_pending = false;
	uint64_t got;

	/* the runtime must fit the period at every step: period first */
	if (val(r, CG_CPU_RT_PERIOD) &&
	    write_ll(dir, "cpu.rt_period_us", r->v[CG_CPU_RT_PERIOD], err) < 0)
		return -EINVAL;
	if (val(r, CG_CPU_RT_RUNTIME) &&
	    write_ll(dir, "cpu.rt_runtime_us", r->v[CG_CPU_RT_RUNTIME], err) < 0)
		return -EINVAL;
	if (val(r, CG_CPU_SHARES)) {
		if (write_ll(dir, "cpu.shares", r->v[CG_CPU_SHARES], err) < 0)
			return -EINVAL;
		/* the kernel clamps out-of-range shares silently; runc reports it, so do we */
		if (cg_read_u64(dir, "cpu.shares", &got) == 0 &&
		    got != (uint64_t)r->v[CG_CPU_SHARES])
			return err_set(err, EINVAL,
			               "cgroup: cpu.shares: wrote %lld, the kernel keeps "
			               "%llu",
			               r->v[CG_CPU_SHARES], (unsigned long long)got);
	}
	/* a shorter period can be refused until the quota shrinks with it: then retry after */
	if (period && write_ll(dir, "cpu.cfs_period_us", period, quota ? NULL : err) < 0) {
		if (!quota || errno != EINVAL)
			return quota
			           ? err_errno(err, "cgroup: cpu.cfs_period_us: write %lld", period)
			           : -EINVAL;
		period_pending = true;
	}
	if (quota) {
		if (write_ll(dir, "cpu.cfs_quota_us", quota, err) < 0)
			return -EINVAL;
		if (period_pending && write_ll(dir, "cpu.cfs_period_us", period, err) < 0)
			return -EINVAL;
	}
	if (val(r, CG_CPU_BURST) && write_ll(dir, "cpu.cfs_burst_us", r->v[CG_CPU_BURST], err) < 0)
		return -EINVAL;
	if (cg_has(r, CG_CPU_IDLE) && write_ll(dir, "cpu.idle", r->v[CG_CPU_IDLE], err) < 0)
		return -EINVAL;
	return 0;
}

int cg_set_pids(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	long long limit = val(r, CG_PIDS_LIMIT);

	if (!limit)
		return 0;
	return limit > 0 ? cg_writef(dir, "pids.max", err, "%lld", limit)
	                 : cg_write(dir, "pids.max", "max", err);
}

static const char *const throttle_files[CG_NTHROTTLE] = {
    [CG_THR_READ_BPS] = "blkio.throttle.read_bps_device",
    [CG_THR_WRITE_BPS] = "blkio.throttle.write_bps_device",
    [CG_THR_READ_IOPS] = "blkio.throttle.read_iops_device",
    [CG_THR_WRITE_IOPS] = "blkio.throttle.write_iops_device",
};

static int v1_blkio(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	/* CFQ's files where the kernel still has CFQ, else BFQ's */
	bool cfq = cg_exists(dir, "blkio.weight");
	const char *weight = cfq ? "blkio.weight" : "blkio.bfq.weight";
	const char *wdev = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";

	if (val(r, CG_BLKIO_WEIGHT) && write_ll(dir, weight, r->v[CG_BLKIO_WEIGHT], err) < 0)
		return -EINVAL;
	if (val(r, CG_BLKIO_LEAF_WEIGHT) &&
	    write_ll(dir, "blkio.leaf_weight", r->v[CG_BLKIO_LEAF_WEIGHT], err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < r->nwdev; i++) {
		const struct cg_weight_device *w = &r->wdev[i];

		if (w->weight >= 0 &&
		    cg_writef(dir, wdev, err, "%lld:%lld %lld", w->major, w->minor, w->weight) < 0)
			return -EINVAL;
		if (w->leaf_weight >= 0 &&
		    cg_writef(dir, "blkio.leaf_weight_device", err, "%lld:%lld %lld", w->major,
		              w->minor, w->leaf_weight) < 0)
			return -EINVAL;
	}
	for (int t = 0; t < CG_NTHROTTLE; t++)
		for (size_t i = 0; i < r->nthr[t]; i++)
			if (cg_writef(dir, throttle_files[t], err, "%lld:%lld %llu",
			              r->thr[t][i].major, r->thr[t][i].minor,
			              r->thr[t][i].rate) < 0)
				return -EINVAL;
	return 0;
}

static int v1_hugetlb(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	for (size_t i = 0; i < r->nhuge; i++) {
		char file[64], rsvd[80];

		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", r->huge[i].page_size);
		snprintf(rsvd, sizeof(rsvd), "hugetlb.%s.rsvd.limit_in_bytes",
		         r->huge[i].page_size);
		if (cg_writef(dir, file, err, "%llu", r->huge[i].limit) < 0)
			return -EINVAL;
		/* runc limits reservations too where the kernel counts them */
		if (cg_exists(dir, rsvd) && cg_writef(dir, rsvd, err, "%llu", r->huge[i].limit) < 0)
			return -EINVAL;
	}
	return 0;
}

static int v1_net_cls(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	return val(r, CG_NET_CLASSID) ? write_ll(dir, "net_cls.classid", r->v[CG_NET_CLASSID], err)
	                              : 0;
}

static int v1_net_prio(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	for (size_t i = 0; i < r->nprio; i++)
		if (cg_writef(dir, "net_prio.ifpriomap", err, "%s %u", r->prio[i].name,
		              r->prio[i].prio) < 0)
			return -EINVAL;
	return 0;
}

int cg_set_rdma(const char *dir, const struct cgroup_resources *r, struct error **err)
{
	for (size_t i = 0; i < r->nrdma; i++) {
		const struct cg_rdma *d = &r->rdma[i];
		struct strbuf sb = STRBUF_INIT;
		int ret;

		sb_adds(&sb, d->device);
		if (d->handles >= 0)
			sb_printf(&sb, " hca_handle=%lld", d->handles);
		if (d->objects >= 0)
			sb_printf(&sb, " hca_object=%lld", d->objects);
		ret = cg_write(dir, "rdma.max", sb.buf, err);
		sb_release(&sb);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static bool want_cpuset(const struct cgroup_resources *r)
{
	return (r->cpus && *r->cpus) || (r->mems && *r->mems);
}
static bool want_devices(const struct cgroup_resources *r)
{
	return r->has_devices;
}
static bool want_memory(const struct cgroup_resources *r)
{
	return r->set &
	       (((1u << (CG_MEM_CHECK_BEFORE_UPDATE + 1)) - 1) & ~((1u << CG_MEM_LIMIT) - 1));
}
static bool want_cpu(const struct cgroup_resources *r)
{
	return r->set & (((1u << (CG_CPU_IDLE + 1)) - 1) & ~((1u << CG_CPU_SHARES) - 1));
}
static bool want_pids(const struct cgroup_resources *r)
{
	return val(r, CG_PIDS_LIMIT) != 0;
}
static bool want_blkio(const struct cgroup_resources *r)
{
	size_t n = r->nwdev;

	for (int t = 0; t < CG_NTHROTTLE; t++)
		n += r->nthr[t];
	return n || val(r, CG_BLKIO_WEIGHT) || val(r, CG_BLKIO_LEAF_WEIGHT);
}
static bool want_hugetlb(const struct cgroup_resources *r)
{
	return r->nhuge;
}
static bool want_net_cls(const struct cgroup_resources *r)
{
	return val(r, CG_NET_CLASSID) != 0;
}
static bool want_net_prio(const struct cgroup_resources *r)
{
	return r->nprio;
}
static bool want_rdma(const struct cgroup_resources *r)
{
	return r->nrdma;
}

static const struct {
	const char *ctrl;
	bool (*wanted)(const struct cgroup_resources *r);
	int (*set)(const char *dir, const struct cgroup_resources *r, struct error **err);
} controllers[] = {
    {"cpuset", want_cpuset, cg_set_cpuset},   {"devices", want_devices, v1_devices},
    {"memory", want_memory, v1_memory},       {"cpu", want_cpu, v1_cpu},
    {"pids", want_pids, cg_set_pids},         {"blkio", want_blkio, v1_blkio},
    {"hugetlb", want_hugetlb, v1_hugetlb},    {"net_cls", want_net_cls, v1_net_cls},
    {"net_prio", want_net_prio, v1_net_prio}, {"rdma", want_rdma, cg_set_rdma},
};

int cgroup1_apply(struct cgroup *cg, const struct cgroup_resources *r, struct error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
		const char *dir;

		if (!controllers[i].wanted(r))
			continue;
		/* a limit asked for and not enforceable is an error, not a silent no-op */
		if (!(dir = cg_v1_dir(cg, controllers[i].ctrl)))
			return err_set(err, ENOTSUP, "cgroup: %s: controller not mounted",
			               controllers[i].ctrl);
		if (controllers[i].set(dir, r, err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- freezer ---- */

/* FREEZING can last while a task sits in an uninterruptible sleep; asking again nudges it, and
 * a freeze that never settles is undone rather than left half-way. */
int cgroup1_freeze(const char *dir, bool frozen, struct error **err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	struct timespec ts = {0, 1000 * 1000};

	for (int try = 0; try < 2000; try++) {
		cleanup_free char *state = NULL;

		if (try % 10 == 0 && cg_write(dir, "freezer.state", want, err) < 0)
			return -EINVAL;
		state = cg_read(dir, "freezer.state");
		if (!state)
			return err_errno(err, "cgroup: freezer.state: read");
		if (str_has_prefix(state, want))
			return 0;
		nanosleep(&ts, NULL);
	}
	if (frozen)
		cg_write(dir, "freezer.state", "THAWED", NULL);
	return err_set(err, EBUSY, "cgroup: freezer.state: %s did not settle", want);
}

/* ---- stats ---- */

static void percpu(const char *dir, const char *file, struct cg_u64_list *l)
{
	cleanup_free char *s = cg_read(dir, file);
	char *end;

	for (char *p = s; p && *p; p = end) {
		uint64_t v = strtoull(p, &end, 10);

		if (end == p)
			break;
		cg_u64_push(l, v);
	}
}

static void cpu_stats(struct cgroup *cg, struct cg_stats *s)
{
	const char *acct = cg_v1_dir(cg, "cpuacct"), *cpu = cg_v1_dir(cg, "cpu");
	cleanup_free char *stat = NULL, *cpustat = NULL;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t v;

	if (acct) {
		cg_read_u64(acct, "cpuacct.usage", &s->cpu_total);
		percpu(acct, "cpuacct.usage_percpu", &s->percpu);
		percpu(acct, "cpuacct.usage_percpu_sys", &s->percpu_kernel);
		percpu(acct, "cpuacct.usage_percpu_user", &s->percpu_user);
		/* cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds */
		stat = cg_read(acct, "cpuacct.stat");
		if (stat && hz > 0 && cg_keyed_u64(stat, "user", &v))
			s->cpu_user = v * (1000000000ULL / hz);
		if (stat && hz > 0 && cg_keyed_u64(stat, "system", &v))
			s->cpu_kernel = v * (1000000000ULL / hz);
	}
	if (cpu && (cpustat = cg_read(cpu, "cpu.stat"))) {
		cg_keyed_u64(cpustat, "nr_periods", &s->periods);
		cg_keyed_u64(cpustat, "nr_throttled", &s->throttled_periods);
		cg_keyed_u64(cpustat, "throttled_time", &s->throttled_time);
	}
}

static void mem_entry(const char *dir, const char *prefix, struct cg_mem_entry *e)
{
	static const struct {
		const char *suffix;
		size_t off;
	} files[] = {
	    {"usage_in_bytes", offsetof(struct cg_mem_entry, usage)},
	    {"max_usage_in_bytes", offsetof(struct cg_mem_entry, max)},
	    {"failcnt", offsetof(struct cg_mem_entry, failcnt)},
	    {"limit_in_bytes", offsetof(struct cg_mem_entry, limit)},
	};
	char file[64];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(file, sizeof(file), "%s%s", prefix, files[i].suffix);
		cg_read_u64(dir, file, (uint64_t *)((char *)e + files[i].off));
	}
}

static void memory_stats(const char *dir, struct cg_stats *s)
{
	mem_entry(dir, "memory.", &s->usage);
	mem_entry(dir, "memory.memsw.", &s->swap);
	mem_entry(dir, "memory.kmem.", &s->kernel);
	mem_entry(dir, "memory.kmem.tcp.", &s->kernel_tcp);
	s->mem_raw = cg_read(dir, "memory.stat");
	if (s->mem_raw)
		cg_keyed_u64(s->mem_raw, "cache", &s->mem_cache);
}

/* "8:0 Read 4096" lines; "Total N" has no device and is left out, as runc does. */
static void blkio_file(const char *dir, const char *file, struct cg_stats *s, int list)
{
	cleanup_free char *text = cg_read(dir, file);

	for (char *l = text; l && *l; l += strcspn(l, "\n"), l += *l == '\n') {
		struct cg_blkio_entry e = {0};
		unsigned long long maj, min, v;
		char op[16] = "";
		int n = sscanf(l, "%llu:%llu %15s %llu", &maj, &min, op, &v);

		if (n < 3)
			continue;
		if (n == 3) { /* "8:0 4096": files with no operation column */
			v = strtoull(op, NULL, 10);
			op[0] = '\0';
		}
		e.major = maj, e.minor = min, e.value = v;
		memcpy(e.op, op, sizeof(e.op));
		cg_blkio_push(s, list, &e);
	}
}

static void blkio_stats(const char *dir, struct cg_stats *s)
{
	static const char *const cfq[CG_IO_NLISTS] = {
	    [CG_IO_SERVICE_BYTES] = "blkio.io_service_bytes_recursive",
	    [CG_IO_SERVICED] = "blkio.io_serviced_recursive",
	    [CG_IO_QUEUED] = "blkio.io_queued_recursive",
	    [CG_IO_SERVICE_TIME] = "blkio.io_service_time_recursive",
	    [CG_IO_WAIT_TIME] = "blkio.io_wait_time_recursive",
	    [CG_IO_MERGED] = "blkio.io_merged_recursive",
	    [CG_IO_TIME] = "blkio.time_recursive",
	    [CG_IO_SECTORS] = "blkio.sectors_recursive",
	};
	const char *bytes = "blkio.throttle.io_service_bytes_recursive";
	const char *ios = "blkio.throttle.io_serviced_recursive";

	if (cg_exists(dir, cfq[CG_IO_SERVICE_BYTES])) {
		for (int i = 0; i < CG_IO_NLISTS; i++)
			blkio_file(dir, cfq[i], s, i);
		return;
	}
	/* runc's order of preference: CFQ, then BFQ, then the throttle counters */
	if (cg_exists(dir, "blkio.bfq.io_service_bytes_recursive")) {
		bytes = "blkio.bfq.io_service_bytes_recursive";
		ios = "blkio.bfq.io_serviced_recursive";
	}
	blkio_file(dir, bytes, s, CG_IO_SERVICE_BYTES);
	blkio_file(dir, ios, s, CG_IO_SERVICED);
}

static void hugetlb_stats(const char *dir, struct cg_stats *s)
{
	size_t n;
	char **sizes = cg_hugepage_sizes(dir, "hugetlb.", ".limit_in_bytes", &n);

	s->huge = xzalloc((n + 1) * sizeof(*s->huge));
	for (size_t i = 0; i < n; i++) {
		struct cg_hugetlb_stat *h = &s->huge[s->nhuge++];
		char file[64];

		snprintf(h->size, sizeof(h->size), "%s", sizes[i]);
		snprintf(file, sizeof(file), "hugetlb.%s.usage_in_bytes", sizes[i]);
		cg_read_u64(dir, file, &h->usage);
		snprintf(file, sizeof(file), "hugetlb.%s.max_usage_in_bytes", sizes[i]);
		cg_read_u64(dir, file, &h->max);
		snprintf(file, sizeof(file), "hugetlb.%s.failcnt", sizes[i]);
		cg_read_u64(dir, file, &h->failcnt);
		free(sizes[i]);
	}
	free(sizes);
}

void cgroup1_stats(struct cgroup *cg, struct cg_stats *s)
{
	const char *d;

	cpu_stats(cg, s);
	if ((d = cg_v1_dir(cg, "memory")))
		memory_stats(d, s);
	if ((d = cg_v1_dir(cg, "pids"))) {
		cg_read_u64(d, "pids.current", &s->pids_current);
		cg_read_u64(d, "pids.max", &s->pids_limit);
	}
	if ((d = cg_v1_dir(cg, "blkio")))
		blkio_stats(d, s);
	if ((d = cg_v1_dir(cg, "hugetlb")))
		hugetlb_stats(d, s);
}
