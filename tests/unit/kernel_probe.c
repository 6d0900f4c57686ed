/* libbb/kernel_probe.c: the parsers on synthetic text, then whole probe runs over fake /proc,
 * /sys and /lib/modules trees in unit_tmpdir() (v1, v2, hybrid, OpenWrt, initramfs), and one
 * live run that must leave the host's links as they were. */
#include "unit.h"
#include "kernel_probe.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

/* Writes text to unit_tmpdir()/path, making the directories on the way. */
static void put(const char *path, const char *text)
{
	char full[1024];
	int fd;

	snprintf(full, sizeof(full), "%s/%s", unit_tmpdir(), path);
	for (char *p = full + strlen(unit_tmpdir()) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write_all(fd, text, strlen(text)) == (ssize_t)strlen(text));
		close(fd);
	}
}

static void put_namespaces(const char *names)
{
	char path[64], list[128], *save, *n;

	snprintf(list, sizeof(list), "%s", names);
	for (n = strtok_r(list, " ", &save); n; n = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof(path), "proc/self/ns/%s", n);
		put(path, "");
	}
}

/* A probe run over the fake tree, as kernel release `release`. */
static void fake_probe(struct kernel_probe *kp, const char *release)
{
	int fd = open(unit_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	CHECK(fd >= 0);
	kernel_probe_init(kp, fd, false, release);
}

static void done(struct kernel_probe *kp)
{
	close(kp->rootfd);
	kernel_probe_free(kp);
}

/* Runs probe `name` and checks its status and that its detail contains `want`. */
#define CHECK_PROBE(kp, name, st, want)                                                            \
	do {                                                                                       \
		struct kp_result r_;                                                               \
		CHECK_INT(kernel_probe_run((kp), (name), &r_), 0);                                 \
		if (r_.status != (st) || !strstr(r_.detail, (want)))                               \
			unit_fail(__FILE__, __LINE__, "%s: %s (%s), expected %s (...%s...)",       \
				  (name), kp_status_name(r_.status), r_.detail,                    \
				  kp_status_name(st), (want));                                     \
	} while (0)

/* The controllers kp_controller_unmounted() names, space-separated. */
static const char *unmounted(const struct kernel_probe *kp)
{
	static char buf[256];

	buf[0] = '\0';
	for (int i = 0; i < kp->cg.nctl; i++)
		if (kp_controller_unmounted(&kp->cg, &kp->cg.ctl[i]))
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
				 *buf ? " " : "", kp->cg.ctl[i].name);
	return buf;
}

#define CGROUPS_ALL                                                                                \
	"#subsys_name\thierarchy\tnum_cgroups\tenabled\n"                                          \
	"cpuset\t%d\t1\t1\ncpu\t%d\t1\t1\ncpuacct\t%d\t1\t1\nblkio\t%d\t1\t1\n"                    \
	"memory\t%d\t1\t1\ndevices\t%d\t1\t1\nfreezer\t%d\t1\t1\nnet_cls\t0\t1\t1\n"               \
	"pids\t%d\t1\t1\nhugetlb\t%d\t1\t1\n"

TEST(mountinfo_fields_escapes_and_optional_fields)
{
	char buf[] = "21 26 0:20 / /proc rw,relatime shared:12 - proc proc rw\n"
		     "garbage line\n"
		     "30 22 0:27 /sub /mnt/a\\040b\\134c rw master:1 propagate_from:2 - "
		     "tmpfs my\\040src rw,size=4k\n"
		     "31 30 0:28 / /x rw - cgroup2 cgroup2 rw,nsdelegate";
	struct kp_mount *m;
	int n = kp_parse_mountinfo(buf, &m);

	CHECK_INT(n, 3);
	CHECK_INT(m[0].id, 21);
	CHECK_INT(m[0].parent, 26);
	CHECK_STR(m[0].point, "/proc");
	CHECK_STR(m[0].fstype, "proc");
	CHECK_STR(m[1].root, "/sub");
	CHECK_STR(m[1].point, "/mnt/a b\\c");
	CHECK_STR(m[1].fstype, "tmpfs");
	CHECK_STR(m[1].source, "my src");
	CHECK_STR(m[1].superopts, "rw,size=4k");
	CHECK_STR(m[2].fstype, "cgroup2");
	CHECK_STR(m[2].superopts, "rw,nsdelegate");
	free(m);
	{
		char empty[] = "";
		CHECK_INT(kp_parse_mountinfo(empty, &m), 0);
		free(m);
	}
}

TEST(module_lists)
{
	const char *builtin = "kernel/net/bridge/bridge.ko\nkernel/drivers/net/veth.ko\n";
	const char *dep = "kernel/net/netfilter/nf_tables_set.ko.xz: kernel/net/x.ko\n"
			  "kernel/drivers/net/macvlan.ko.zst:\n"
			  "kernel/net/netfilter/nf-tables.ko.gz: kernel/net/nfnetlink.ko\n";

	CHECK(kp_module_listed(builtin, "bridge"));
	CHECK(kp_module_listed(builtin, "veth"));
	CHECK(!kp_module_listed(builtin, "vet"));
	CHECK(!kp_module_listed(builtin, "ipvlan"));
	CHECK(kp_module_listed(dep, "macvlan"));
	CHECK(kp_module_listed(dep, "nf_tables")); /* nf-tables.ko: '-' and '_' are one */
	CHECK(!kp_module_listed(dep, "nfnetlink")); /* a dependency, not a listed module */
	CHECK(!kp_module_listed(dep, "nf_tables_s"));
	CHECK(!kp_module_listed(NULL, "veth"));
}

TEST(cgroup_v1_only)
{
	struct kernel_probe kp;
	char pc[512];

	put("proc/self/mountinfo",
	    "26 1 254:0 / / rw - ext4 /dev/sda1 rw\n"
	    "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
	    "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
	    "32 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	    "33 30 0:30 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
	    "34 30 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
	    "35 30 0:32 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n"
	    "36 30 0:33 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n"
	    "37 30 0:34 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n"
	    "38 30 0:35 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset,clone_children\n");
	snprintf(pc, sizeof(pc), CGROUPS_ALL, 7, 1, 1, 6, 2, 5, 4, 3, 0);
	put("proc/cgroups", pc);
	fake_probe(&kp, "4.19.0");
	CHECK_INT(kp.cg.layout, KP_CG_V1);
	CHECK(kp.cg.v2_mount == NULL);
	CHECK_STR(kp.cg.v1_first, "/sys/fs/cgroup/cpu,cpuacct");
	CHECK_PROBE(&kp, "cpu", KP_OK, "v1 at /sys/fs/cgroup/cpu,cpuacct");
	CHECK_PROBE(&kp, "memory", KP_OK, "v1 at /sys/fs/cgroup/memory");
	CHECK_PROBE(&kp, "cpuset", KP_OK, "v1 at /sys/fs/cgroup/cpuset");
	CHECK_PROBE(&kp, "blkio", KP_OK, "v1 at /sys/fs/cgroup/blkio");
	CHECK_PROBE(&kp, "freezer", KP_OK, "v1 at /sys/fs/cgroup/freezer");
	CHECK_PROBE(&kp, "hugetlb", KP_MISSING, "on no mounted hierarchy");
	CHECK_STR(kp_layout_name(kp.cg.layout), "v1");
	CHECK_STR(unmounted(&kp), "net_cls hugetlb");
	done(&kp);
}

TEST(cgroup_v2_only)
{
	struct kernel_probe kp;
	char pc[512];

	put("proc/self/mountinfo", "26 1 254:0 / / rw - ext4 /dev/sda1 rw\n"
				   "30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
	put("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	snprintf(pc, sizeof(pc), CGROUPS_ALL, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	put("proc/cgroups", pc);
	fake_probe(&kp, "6.1.0-18-amd64");
	CHECK_INT(kp.cg.layout, KP_CG_V2);
	CHECK_STR(kp.cg.v2_mount, "/sys/fs/cgroup");
	CHECK_STR(kp.cg.v2_controllers, "cpuset cpu io memory hugetlb pids rdma misc");
	CHECK_PROBE(&kp, "memory", KP_OK, "v2 at /sys/fs/cgroup");
	CHECK_PROBE(&kp, "blkio", KP_OK, "v2 io at /sys/fs/cgroup");
	CHECK_PROBE(&kp, "freezer", KP_OK, "v2 cgroup.freeze");
	/* device control on v2 is an eBPF program: only a live probe can tell */
	CHECK_PROBE(&kp, "devices", KP_UNKNOWN, "eBPF");
	/* blkio is io there, cpuacct part of cpu, net_cls has no v2 side: nothing is left out */
	CHECK_STR(unmounted(&kp), "");
	done(&kp);

	fake_probe(&kp, "5.1.21");
	CHECK_PROBE(&kp, "freezer", KP_MISSING, "before Linux 5.2");
	done(&kp);

	/* cgroup.controllers unreadable: the controllers can't be told */
	{
		char p[512];
		snprintf(p, sizeof(p), "%s/sys/fs/cgroup/cgroup.controllers", unit_tmpdir());
		CHECK_INT(unlink(p), 0);
	}
	fake_probe(&kp, "6.1.0");
	CHECK(!kp.cg.v2_controllers_known);
	CHECK_PROBE(&kp, "memory", KP_UNKNOWN, "cgroup.controllers");
	done(&kp);
}

/* This build machine's layout: v1 controllers, cgroup2 at .../unified, hugetlb on no v1
 * hierarchy and so on cgroup2. */
TEST(cgroup_hybrid)
{
	struct kernel_probe kp;
	char pc[512];

	put("proc/self/mountinfo",
	    "26 1 254:0 / / rw - ext4 /dev/vda rw\n"
	    "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
	    "31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
	    "32 30 0:29 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
	    "33 30 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
	    "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	    "35 30 0:32 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n"
	    "36 30 0:33 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n"
	    "37 30 0:34 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n"
	    "38 30 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
	    "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
	    "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
	put("sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
	snprintf(pc, sizeof(pc), CGROUPS_ALL, 3, 1, 2, 7, 4, 5, 6, 8, 0);
	put("proc/cgroups", pc);
	fake_probe(&kp, "6.18.44");
	CHECK_INT(kp.cg.layout, KP_CG_HYBRID);
	CHECK_STR(kp.cg.v2_mount, "/sys/fs/cgroup/unified");
	CHECK_STR(kp.cg.v2_controllers, "hugetlb");
	CHECK_PROBE(&kp, "memory", KP_OK, "v1 at /sys/fs/cgroup/memory");
	CHECK_PROBE(&kp, "devices", KP_OK, "v1 at /sys/fs/cgroup/devices");
	CHECK_PROBE(&kp, "freezer", KP_OK, "v1 at /sys/fs/cgroup/freezer");
	CHECK_PROBE(&kp, "hugetlb", KP_OK, "v2 at /sys/fs/cgroup/unified");
	CHECK_STR(unmounted(&kp), "net_cls");
	done(&kp);

	/* the usual systemd hybrid: cgroup2 there but with no controllers at all */
	put("sys/fs/cgroup/unified/cgroup.controllers", "\n");
	fake_probe(&kp, "6.18.44");
	CHECK_INT(kp.cg.layout, KP_CG_HYBRID);
	CHECK(kp.cg.v2_controllers_known);
	CHECK_STR(kp.cg.v2_controllers, "");
	CHECK_PROBE(&kp, "hugetlb", KP_MISSING, "on no mounted hierarchy");
	CHECK_PROBE(&kp, "pids", KP_OK, "v1 at /sys/fs/cgroup/pids");
	done(&kp);
}

TEST(cgroup_disabled_missing_and_unmounted)
{
	struct kernel_probe kp;

	put("proc/self/mountinfo", "26 1 254:0 / / rw - ext4 /dev/vda rw\n");
	put("proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
			    "memory\t0\t1\t0\npids\t0\t1\t1\n");
	fake_probe(&kp, "5.10.0");
	CHECK_INT(kp.cg.layout, KP_CG_NONE);
	CHECK_PROBE(&kp, "memory", KP_MISSING, "cgroup_disable=");
	CHECK_PROBE(&kp, "pids", KP_MISSING, "no cgroup filesystem is mounted");
	CHECK_PROBE(&kp, "hugetlb", KP_MISSING, "not in the kernel");
	done(&kp);
}

/* OpenWrt: / is an overlay over squashfs, cgroup2 only, modules flat in /lib/modules/REL. */
TEST(openwrt_overlay_root)
{
	struct kernel_probe kp;

	put("proc/self/mountinfo",
	    "13 1 31:2 / /rom ro,relatime - squashfs /dev/root ro\n"
	    "16 13 0:4 / /proc rw - proc proc rw\n"
	    "19 1 31:3 / /overlay rw,noatime - jffs2 /dev/mtdblock3 rw\n"
	    "20 1 0:20 / / rw,noatime - overlay overlayfs:/overlay "
	    "rw,lowerdir=/,upperdir=/overlay/upper,workdir=/overlay/work\n"
	    "21 20 0:21 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
	put("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
	put("proc/filesystems", "nodev\tsysfs\nnodev\toverlay\n\tsquashfs\n\tjffs2\n");
	put("proc/modules", "");
	put("lib/modules/5.15.150/veth.ko", "");
	put("sys/module/bridge/initstate", "live\n");
	fake_probe(&kp, "5.15.150");
	CHECK_STR(kp.rootmnt->fstype, "overlay");
	CHECK(!kp.initramfs);
	CHECK_INT(kp.cg.layout, KP_CG_V2);
	CHECK_PROBE(&kp, "overlay", KP_OK, "in /proc/filesystems");
	CHECK_PROBE(&kp, "overlay_stacking", KP_MISSING, "/ is itself an overlay");
	CHECK_PROBE(&kp, "pivot_root", KP_OK, "/ is overlay on overlayfs:/overlay");
	CHECK_PROBE(&kp, "veth", KP_OK, "on disk, the kernel loads it");
	CHECK_PROBE(&kp, "bridge", KP_OK, "module loaded");
	CHECK_PROBE(&kp, "ipvlan", KP_UNKNOWN, "not probed");
	CHECK_PROBE(&kp, "hugetlb", KP_MISSING, "not in the kernel");
	done(&kp);
}

TEST(initramfs_root)
{
	struct kernel_probe kp;

	put("proc/self/mountinfo", "1 1 0:2 / / rw - rootfs rootfs rw,size=1010k\n"
				   "16 1 0:4 / /proc rw - proc proc rw\n");
	fake_probe(&kp, "6.6.0");
	CHECK(kp.initramfs);
	CHECK_PROBE(&kp, "pivot_root", KP_MISSING, "initramfs (rootfs)");
	CHECK_PROBE(&kp, "overlay_stacking", KP_OK, "/ is rootfs");
	done(&kp);

	/* a tmpfs that switch_root moved onto / has a parent mount: pivot_root works there */
	put("proc/self/mountinfo", "20 1 0:22 / / rw - tmpfs tmpfs rw\n");
	fake_probe(&kp, "6.6.0");
	CHECK(!kp.initramfs);
	CHECK_PROBE(&kp, "pivot_root", KP_OK, "/ is tmpfs");
	done(&kp);
}

TEST(namespaces_and_user_namespace_knobs)
{
	struct kernel_probe kp;

	fake_probe(&kp, "6.1.0");
	CHECK_PROBE(&kp, "mnt", KP_UNKNOWN, "/proc/self/ns");
	done(&kp);

	put_namespaces("mnt uts ipc pid net user");
	put("proc/sys/user/max_user_namespaces", "15000\n");
	fake_probe(&kp, "4.4.0");
	CHECK_PROBE(&kp, "pid", KP_OK, "");
	CHECK_PROBE(&kp, "user", KP_OK, "max_user_namespaces 15000");
	CHECK_PROBE(&kp, "cgroup", KP_MISSING, "no cgroup in /proc/self/ns");
	CHECK_PROBE(&kp, "time", KP_MISSING, "no time");
	done(&kp);

	put("proc/sys/kernel/unprivileged_userns_clone", "0\n");
	fake_probe(&kp, "4.4.0");
	CHECK_PROBE(&kp, "user", KP_OK, "only root");
	done(&kp);

	put("proc/sys/user/max_user_namespaces", "0\n");
	fake_probe(&kp, "4.4.0");
	CHECK_PROBE(&kp, "user", KP_MISSING, "max_user_namespaces is 0");
	done(&kp);
}

TEST(modules_builtin_dep_and_filesystems)
{
	struct kernel_probe kp;

	put("proc/modules", "");
	put("lib/modules/6.1.0/modules.builtin", "kernel/net/bridge/bridge.ko\n");
	put("lib/modules/6.1.0/modules.dep",
	    "kernel/drivers/net/macvlan.ko.xz:\nkernel/fs/overlayfs/overlay.ko.xz:\n");
	put("proc/filesystems", "nodev\tsysfs\n\text4\n");
	put("sys/module/veth/parameters/x", ""); /* built in: no initstate */
	fake_probe(&kp, "6.1.0");
	CHECK_PROBE(&kp, "bridge", KP_OK, "built in (modules.builtin)");
	CHECK_PROBE(&kp, "veth", KP_OK, "built in");
	CHECK_PROBE(&kp, "macvlan", KP_OK, "on disk, the kernel loads it");
	CHECK_PROBE(&kp, "overlay", KP_OK, "on disk, the kernel loads it");
	CHECK_PROBE(&kp, "nf_tables", KP_UNKNOWN, "not probed");
	done(&kp);

	/* another release: its modules aren't these */
	fake_probe(&kp, "6.2.0");
	CHECK_PROBE(&kp, "overlay", KP_MISSING, "not in /proc/filesystems");
	CHECK_PROBE(&kp, "bridge", KP_UNKNOWN, "not probed");
	done(&kp);
}

TEST(seccomp_from_status)
{
	struct kernel_probe kp;

	put("proc/self/status", "Name:\tx\nSeccomp:\t2\nSeccomp_filters:\t1\n");
	fake_probe(&kp, "6.1.0");
	CHECK_PROBE(&kp, "seccomp", KP_OK, "already runs under a filter");
	CHECK_PROBE(&kp, "seccomp_filter", KP_OK, "Seccomp_filters");
	done(&kp);

	put("proc/self/status", "Name:\tx\nSeccomp:\t0\n");
	fake_probe(&kp, "4.19.0");
	CHECK_PROBE(&kp, "seccomp", KP_OK, "Seccomp: 0");
	CHECK_PROBE(&kp, "seccomp_filter", KP_UNKNOWN, "not probed");
	done(&kp);

	put("proc/self/status", "Name:\tx\nState:\tR\n");
	fake_probe(&kp, "3.2.0");
	CHECK_PROBE(&kp, "seccomp", KP_MISSING, "no Seccomp: field");
	done(&kp);
}

TEST(clock_before_build)
{
	struct kernel_probe kp;

	fake_probe(&kp, "6.1.0");
	kp.now = 3600;
	CHECK_PROBE(&kp, "clock", KP_MISSING, "1970-01-01 01:00 UTC, before this build");
	kp.now = KP_CLOCK_FLOOR + 86400;
	CHECK_PROBE(&kp, "clock", KP_OK, "2026-01-02");
	done(&kp);
}

TEST(container_hints_and_facts)
{
	struct kernel_probe kp;

	put("proc/self/cgroup", "0::/kubepods/besteffort/pod1/abc\n");
	put("proc/meminfo", "MemTotal:         123456 kB\nMemFree: 1 kB\n");
	fake_probe(&kp, "6.1.0");
	CHECK_STR(kp.container, "kubepods (in /proc/self/cgroup)");
	CHECK_INT(kp.mem_total, 123456ULL * 1024);
	CHECK(!kp.modular);
	done(&kp);

	put(".dockerenv", "");
	fake_probe(&kp, "6.1.0");
	CHECK_STR(kp.container, "docker (/.dockerenv)");
	done(&kp);
}

TEST(every_probe_answers_on_an_empty_tree)
{
	struct kernel_probe kp;
	struct kp_result r;

	fake_probe(&kp, NULL);
	for (size_t i = 0; i < kernel_probes_count; i++) {
		CHECK_INT(kernel_probe_run(&kp, kernel_probes[i].name, &r), 0);
		CHECK(kernel_probes[i].disables && *kernel_probes[i].disables);
		CHECK(strlen(r.detail) < sizeof(r.detail));
	}
	CHECK_INT(kernel_probe_run(&kp, "no-such-probe", &r), -1);
	CHECK_PROBE(&kp, "pivot_root", KP_UNKNOWN, "mountinfo");
	CHECK_PROBE(&kp, "memory", KP_UNKNOWN, "no /proc/cgroups");
	CHECK_PROBE(&kp, "overlay", KP_UNKNOWN, "/proc/filesystems");
	done(&kp);
}

/* The host's links, sorted into one string. */
static char *host_links(void)
{
	struct strbuf sb = STRBUF_INIT;
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		sb_adds(&sb, e->d_name);
		sb_addc(&sb, ' ');
	}
	if (d)
		closedir(d);
	return sb_steal(&sb);
}

/* The real kernel: every probe answers, and the scratch namespace took its links with it. */
TEST(live_probes_leave_no_links)
{
	struct kernel_probe kp;
	struct kp_result r;
	cleanup_free char *before = host_links(), *after = NULL;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	kernel_probe_init(&kp, fd, true, NULL);
	CHECK(*kp.release);
	CHECK(kp.page_size > 0);
	for (size_t i = 0; i < kernel_probes_count; i++)
		CHECK_INT(kernel_probe_run(&kp, kernel_probes[i].name, &r), 0);
	CHECK(kp.lv.ran);
	after = host_links();
	CHECK_STR(after, before);
	CHECK(!strstr(after, "probe-"));
	close(fd);
	kernel_probe_free(&kp);
}
