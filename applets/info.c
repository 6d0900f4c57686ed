/* info: what the running kernel offers ocibox, like `docker info` plus Docker's check-config.sh.
 * The probes live in libbb/kernel_probe.c as a table; this file only formats their results. */
//config:config INFO
//config:	bool "info: check the kernel for what containers need"
//config:	default y
//config:	help
//config:	  usage: info [-f FORMAT]
//config:
//config:	  Check the running kernel for what ocibox needs: namespaces, the
//config:	  cgroup layout (v1, v2 or hybrid) and each controller, overlayfs,
//config:	  pivot_root, seccomp, nf_tables, the veth, bridge, macvlan and ipvlan
//config:	  link types, and the clock. Each item is ok, missing or unknown; the
//config:	  Warnings section says what each missing item disables.
//config:
//config:	  Reads /proc, /sys and /lib/modules; what only the kernel can answer
//config:	  is asked in a child process, and links are made only in a throwaway
//config:	  network namespace, so nothing on the host changes. Some probes need
//config:	  root (or user namespaces) and say unknown without. Exits 0 even
//config:	  with warnings.
//config:
//config:	  -f, --format FORMAT  json (or Docker's '{{json .}}') for one JSON object
//applet:APPLET(info, INFO, DOCKER, "f,format: >0")
//docker:info = info

#include "libbb.h"
#include "build_info.h"
#include "json.h"
#include "kernel_probe.h"
#include <fcntl.h>

struct item {
	const struct kp_probe *p;
	struct kp_result r;
};

static void print_kernel(const struct kernel_probe *kp)
{
	const struct kp_mount *m = kp->rootmnt;

	printf("Kernel:\n Release: %s\n Architecture: %s\n", kp->release, kp->machine);
	if (kp->page_size > 0)
		printf(" Page size: %ld\n", kp->page_size);
	if (kp->ncpus > 0)
		printf(" CPUs: %ld\n", kp->ncpus);
	if (kp->mem_total >= 1ULL << 30)
		printf(" Memory: %.1f GiB\n", kp->mem_total / 1073741824.0);
	else if (kp->mem_total)
		printf(" Memory: %.1f MiB\n", kp->mem_total / 1048576.0);
	printf(" Loadable modules: %s\n", kp->modular ? "yes" : "no (no /proc/modules)");
	printf(" Running as root: %s\n", kp->is_root ? "yes" : "no (some probes need root)");
	if (m)
		printf(" Root filesystem: %s on %s\n", m->fstype, m->source);
	printf(" Initramfs: %s\n Container: %s\n", kp->initramfs ? "yes" : "no",
	       *kp->container ? kp->container : "no sign of one");
}

static void print_cgroup_summary(const struct kp_cgroups *cg)
{
	const char *dir = cg->v1_first;
	int dirlen = dir ? (int)(strrchr(dir, '/') - dir) : 0;

	printf("Cgroups: %s", kp_layout_name(cg->layout));
	if (cg->layout == KP_CG_NONE) {
		printf(" mounted\n");
		return;
	}
	printf(" (");
	if (dir)
		printf("v1 controllers under %.*s%s", dirlen ? dirlen : 1, dir,
		       cg->v2_mount ? "; " : "");
	if (cg->v2_mount && !cg->v2_controllers_known)
		printf("cgroup2 at %s, its cgroup.controllers unreadable", cg->v2_mount);
	else if (cg->v2_mount)
		printf("cgroup2 at %s with %s%s", cg->v2_mount,
		       *cg->v2_controllers ? "controllers: " : "no controllers",
		       cg->v2_controllers);
	printf(")\n");
}

/* What closes a section: the Cgroups one ends with the controllers on no hierarchy. */
static void end_section(const struct kernel_probe *kp, const char *section)
{
	const char *sep = " Not mounted:";

	if (!section || !STREQ(section, "Cgroups"))
		return;
	for (int c = 0; c < kp->cg.nctl; c++)
		if (kp_controller_unmounted(&kp->cg, &kp->cg.ctl[c])) {
			printf("%s %s", sep, kp->cg.ctl[c].name);
			sep = "";
		}
	if (!*sep)
		putchar('\n');
}

static void print_text(const struct kernel_probe *kp, const struct item *it, size_t n)
{
	const char *section = NULL;
	int warnings = 0;

	printf("ocibox:\n Version: %s\n OS/Arch: linux/%s%s%s\n", OCIBOX_VERSION, platform_arch(),
	       *platform_variant() ? "/" : "", platform_variant());
	print_kernel(kp);
	for (size_t i = 0; i < n; i++) {
		if (!section || !STREQ(section, it[i].p->section)) {
			end_section(kp, section);
			section = it[i].p->section;
			if (STREQ(section, "Cgroups"))
				print_cgroup_summary(&kp->cg);
			else
				printf("%s:\n", section);
		}
		printf(" %s: %s", it[i].p->name, kp_status_name(it[i].r.status));
		printf(*it[i].r.detail ? " (%s)\n" : "\n", it[i].r.detail);
		warnings += it[i].r.status == KP_MISSING;
	}
	end_section(kp, section);
	printf("Warnings:%s\n", warnings ? "" : " none");
	for (size_t i = 0; i < n; i++)
		if (it[i].r.status == KP_MISSING)
			printf(" %s: missing: %s\n", it[i].p->name, it[i].p->disables);
}

static void json_item(struct json_writer *w, const struct item *it)
{
	jw_key(w, it->p->name);
	jw_object_begin(w);
	jw_key(w, "Status");
	jw_string(w, kp_status_name(it->r.status));
	jw_key(w, "Detail");
	jw_string(w, it->r.detail);
	jw_key(w, "Disables");
	jw_string(w, it->p->disables);
	jw_object_end(w);
}

static void json_kernel(struct json_writer *w, const struct kernel_probe *kp)
{
	jw_key(w, "Kernel");
	jw_object_begin(w);
	jw_key(w, "Release");
	jw_string(w, kp->release);
	jw_key(w, "Architecture");
	jw_string(w, kp->machine);
	jw_key(w, "PageSize");
	jw_int(w, kp->page_size > 0 ? kp->page_size : 0);
	jw_key(w, "NCPU");
	jw_int(w, kp->ncpus > 0 ? kp->ncpus : 0);
	jw_key(w, "MemTotal");
	jw_uint(w, kp->mem_total);
	jw_key(w, "LoadableModules");
	jw_bool(w, kp->modular);
	jw_key(w, "Root");
	jw_bool(w, kp->is_root);
	jw_key(w, "RootFilesystem");
	jw_string(w, kp->rootmnt ? kp->rootmnt->fstype : "");
	jw_key(w, "RootSource");
	jw_string(w, kp->rootmnt ? kp->rootmnt->source : "");
	jw_key(w, "Initramfs");
	jw_bool(w, kp->initramfs);
	jw_key(w, "Container");
	jw_string(w, kp->container);
	jw_object_end(w);
}

/* The Cgroups section's own facts, before its per-controller items. */
static void json_cgroups_head(struct json_writer *w, const struct kp_cgroups *cg)
{
	jw_key(w, "Layout");
	jw_string(w, kp_layout_name(cg->layout));
	jw_key(w, "V1");
	jw_object_begin(w);
	for (int i = 0; i < cg->nctl; i++)
		if (cg->ctl[i].v1_mount) {
			jw_key(w, cg->ctl[i].name);
			jw_string(w, cg->ctl[i].v1_mount);
		}
	jw_object_end(w);
	jw_key(w, "V2");
	if (!cg->v2_mount) {
		jw_null(w);
	} else {
		jw_object_begin(w);
		jw_key(w, "Mount");
		jw_string(w, cg->v2_mount);
		jw_key(w, "Controllers");
		if (!cg->v2_controllers_known) {
			jw_null(w);
		} else {
			jw_array_begin(w);
			for (const char *p = cg->v2_controllers; *p;) {
				size_t len = strcspn(p, " ");
				if (len)
					jw_string_len(w, p, len);
				p += len + (p[len] == ' ');
			}
			jw_array_end(w);
		}
		jw_object_end(w);
	}
	jw_key(w, "NotMounted");
	jw_array_begin(w);
	for (int i = 0; i < cg->nctl; i++)
		if (kp_controller_unmounted(cg, &cg->ctl[i]))
			jw_string(w, cg->ctl[i].name);
	jw_array_end(w);
	jw_key(w, "Controllers");
	jw_object_begin(w);
}

static void print_json(const struct kernel_probe *kp, const struct item *it, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	const char *section = NULL;

	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "Ocibox");
	jw_object_begin(&w);
	jw_platform_fields(&w);
	jw_object_end(&w);
	json_kernel(&w, kp);
	for (size_t i = 0; i < n; i++) {
		if (!section || !STREQ(section, it[i].p->section)) {
			if (section && STREQ(section, "Cgroups"))
				jw_object_end(&w); /* Controllers */
			if (section)
				jw_object_end(&w);
			section = it[i].p->section;
			jw_key(&w, section);
			jw_object_begin(&w);
			if (STREQ(section, "Cgroups"))
				json_cgroups_head(&w, &kp->cg);
		}
		json_item(&w, &it[i]);
	}
	if (section && STREQ(section, "Cgroups"))
		jw_object_end(&w);
	if (section)
		jw_object_end(&w);
	jw_key(&w, "Warnings");
	jw_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		if (it[i].r.status == KP_MISSING) {
			char *s = xasprintf("%s: missing: %s", it[i].p->name, it[i].p->disables);
			jw_string(&w, s);
			free(s);
		}
	jw_array_end(&w);
	jw_object_end(&w);
	sb_addc(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, stdout);
	sb_release(&sb);
}

int info_main(int argc, char **argv)
{
	struct opts o;
	struct kernel_probe kp;
	struct item *items;
	const char *fmt;
	int rootfd;

	xgetopts(&o, argc, argv, OPTS_info);
	fmt = o.flags & FLAG_info_format ? o.v[OPT_info_format].arg : NULL;
	if (fmt && !STREQ(fmt, "json") && !STREQ(fmt, "{{json .}}"))
		bb_usage_error("unsupported format '%s': use json", fmt);
	rootfd = xopen("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	kernel_probe_init(&kp, rootfd, true, NULL);
	items = xzalloc(kernel_probes_count * sizeof(*items));
	for (size_t i = 0; i < kernel_probes_count; i++) {
		items[i].p = &kernel_probes[i];
		items[i].p->run(&kp, items[i].p->name, &items[i].r);
	}
	if (fmt)
		print_json(&kp, items, kernel_probes_count);
	else
		print_text(&kp, items, kernel_probes_count);
	if (ENABLE_FEATURE_CLEAN_UP) {
		free(items);
		kernel_probe_free(&kp);
		close(rootfd);
	}
	return 0;
}
