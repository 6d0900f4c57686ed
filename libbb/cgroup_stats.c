/* `events --stats`: the "data" object in runc's shape (runc's types/events.go), keys and
 * omissions included: Go's omitempty drops zero numbers and empty lists but never a struct, and
 * map keys come out sorted. */
#include "cgroup_internal.h"

static void u64_omitempty(struct json_writer *w, const char *key, uint64_t v)
{
	if (v) {
		jw_key(w, key);
		jw_uint(w, v);
	}
}

static void u64_always(struct json_writer *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_uint(w, v);
}

static void list_omitempty(struct json_writer *w, const char *key, const struct cg_u64_list *l)
{
	if (!l->n)
		return;
	jw_key(w, key);
	jw_array_begin(w);
	for (size_t i = 0; i < l->n; i++)
		jw_uint(w, l->v[i]);
	jw_array_end(w);
}

static void write_cpu(struct json_writer *w, const struct cg_stats *s)
{
	jw_key(w, "cpu");
	jw_object_begin(w);
	jw_key(w, "usage");
	jw_object_begin(w);
	u64_omitempty(w, "total", s->cpu_total);
	list_omitempty(w, "percpu", &s->percpu);
	list_omitempty(w, "percpu_kernel", &s->percpu_kernel);
	list_omitempty(w, "percpu_user", &s->percpu_user);
	u64_always(w, "kernel", s->cpu_kernel);
	u64_always(w, "user", s->cpu_user);
	jw_object_end(w);
	jw_key(w, "throttling");
	jw_object_begin(w);
	u64_omitempty(w, "periods", s->periods);
	u64_omitempty(w, "throttledPeriods", s->throttled_periods);
	u64_omitempty(w, "throttledTime", s->throttled_time);
	jw_object_end(w);
	jw_object_end(w);
}

static void mem_entry(struct json_writer *w, const char *key, const struct cg_mem_entry *e)
{
	jw_key(w, key);
	jw_object_begin(w);
	u64_always(w, "limit", e->limit);
	u64_omitempty(w, "usage", e->usage);
	u64_omitempty(w, "max", e->max);
	u64_always(w, "failcnt", e->failcnt);
	jw_object_end(w);
}

static int by_key(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strcspn(x, " "), ly = strcspn(y, " ");
	int c = memcmp(x, y, lx < ly ? lx : ly);

	return c ? c : (lx > ly) - (lx < ly);
}

/* memory.stat's "key value" lines as a JSON object with sorted keys. */
static void write_raw(struct json_writer *w, const char *raw)
{
	cleanup_free const char **lines = NULL;
	size_t n = 0;

	for (const char *l = raw; l && *l; l += strcspn(l, "\n"), l += *l == '\n') {
		const char *sp = strchr(l, ' ');

		if (!sp || sp > l + strcspn(l, "\n") || sp[1] < '0' || sp[1] > '9')
			continue;
		lines = xreallocarray(lines, n + 1, sizeof(*lines));
		lines[n++] = l;
	}
	if (!n)
		return;
	qsort(lines, n, sizeof(*lines), by_key);
	jw_key(w, "raw");
	jw_object_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_key_len(w, lines[i], strcspn(lines[i], " "));
		jw_uint(w, strtoull(lines[i] + strcspn(lines[i], " ") + 1, NULL, 10));
	}
	jw_object_end(w);
}

static void write_memory(struct json_writer *w, const struct cg_stats *s)
{
	jw_key(w, "memory");
	jw_object_begin(w);
	u64_omitempty(w, "cache", s->mem_cache);
	mem_entry(w, "usage", &s->usage);
	mem_entry(w, "swap", &s->swap);
	mem_entry(w, "kernel", &s->kernel);
	mem_entry(w, "kernelTCP", &s->kernel_tcp);
	write_raw(w, s->mem_raw);
	jw_object_end(w);
}

static void write_blkio(struct json_writer *w, const struct cg_stats *s)
{
	static const char *const keys[CG_IO_NLISTS] = {
	    [CG_IO_SERVICE_BYTES] = "ioServiceBytesRecursive",
	    [CG_IO_SERVICED] = "ioServicedRecursive",
	    [CG_IO_QUEUED] = "ioQueueRecursive",
	    [CG_IO_SERVICE_TIME] = "ioServiceTimeRecursive",
	    [CG_IO_WAIT_TIME] = "ioWaitTimeRecursive",
	    [CG_IO_MERGED] = "ioMergedRecursive",
	    [CG_IO_TIME] = "ioTimeRecursive",
	    [CG_IO_SECTORS] = "sectorsRecursive",
	};

	jw_key(w, "blkio");
	jw_object_begin(w);
	for (int l = 0; l < CG_IO_NLISTS; l++) {
		if (!s->nio[l])
			continue;
		jw_key(w, keys[l]);
		jw_array_begin(w);
		for (size_t i = 0; i < s->nio[l]; i++) {
			const struct cg_blkio_entry *e = &s->io[l][i];

			jw_object_begin(w);
			u64_omitempty(w, "major", e->major);
			u64_omitempty(w, "minor", e->minor);
			if (e->op[0]) {
				jw_key(w, "op");
				jw_string(w, e->op);
			}
			u64_omitempty(w, "value", e->value);
			jw_object_end(w);
		}
		jw_array_end(w);
	}
	jw_object_end(w);
}

static void write_hugetlb(struct json_writer *w, const struct cg_stats *s)
{
	jw_key(w, "hugetlb");
	jw_object_begin(w);
	for (size_t i = 0; i < s->nhuge; i++) { /* sorted when read */
		jw_key(w, s->huge[i].size);
		jw_object_begin(w);
		u64_omitempty(w, "usage", s->huge[i].usage);
		u64_omitempty(w, "max", s->huge[i].max);
		u64_always(w, "failcnt", s->huge[i].failcnt);
		jw_object_end(w);
	}
	jw_object_end(w);
}

static void free_stats(struct cg_stats *s)
{
	free(s->percpu.v);
	free(s->percpu_kernel.v);
	free(s->percpu_user.v);
	free(s->mem_raw);
	for (int l = 0; l < CG_IO_NLISTS; l++)
		free(s->io[l]);
	free(s->huge);
}

int cgroup_stats(struct cgroup *cg, struct json_writer *w, struct error **err)
{
	struct cg_stats s = {0};
	const char *v2 = cg_v2_dir(cg);

	if (cg->layout == CGROUP_NONE || !cg->nh)
		return err_set(err, ENOENT, "cgroup: no cgroup hierarchy is mounted");
	if (access(cg->h[0].dir, F_OK) < 0)
		return err_errno(err, "cgroup: %s", cg->h[0].dir);
	if (cg->layout == CGROUP_V2)
		cgroup2_stats(v2, &s);
	else
		cgroup1_stats(cg, &s);
	jw_object_begin(w);
	write_cpu(w, &s);
	write_memory(w, &s);
	jw_key(w, "pids");
	jw_object_begin(w);
	u64_omitempty(w, "current", s.pids_current);
	u64_omitempty(w, "limit", s.pids_limit);
	jw_object_end(w);
	write_blkio(w, &s);
	write_hugetlb(w, &s);
	jw_object_end(w);
	free_stats(&s);
	return 0;
}
