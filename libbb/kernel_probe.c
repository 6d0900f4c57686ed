/* What the running kernel offers ocibox: files first (/proc, /sys, /lib/modules, read relative
 * to a root fd so tests can point at a fake tree), then one forked child for what only a
 * syscall can tell (seccomp filters, eBPF device programs, nf_tables, link types in a scratch
 * network namespace). The child exits, so every namespace and link it made goes with it. */
#include "kernel_probe.h"
#include "netlink.h"
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#ifndef SECCOMP_MODE_FILTER
#define SECCOMP_MODE_FILTER 2
#endif

#define KP_FILE_MAX (4u << 20)

static const char *const link_kinds[KP_LINK_KINDS] = {"veth", "bridge", "macvlan", "ipvlan"};

PRINTF(3, 4) static void set(struct kp_result *r, enum kp_status s, const char *fmt, ...)
{
	va_list ap;

	r->status = s;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* Paths in mountinfo are absolute; the tree is read relative to rootfd. */
static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static char *read_rel(struct kernel_probe *kp, const char *path)
{
	return read_file_at(kp->rootfd, rel(path), KP_FILE_MAX, NULL);
}

static bool exists(struct kernel_probe *kp, const char *path)
{
	struct stat st;

	return fstatat(kp->rootfd, rel(path), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Is word (len bytes) one of the words of list, separated by any of seps? */
static bool has_word_n(const char *list, const char *word, size_t len, const char *seps)
{
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, seps);
		if (n == len && !memcmp(p, word, len))
			return true;
		p += n;
		p += strspn(p, seps);
	}
	return false;
}

static bool has_word(const char *list, const char *word, const char *seps)
{
	return has_word_n(list, word, strlen(word), seps);
}

/* "Key:   value" line of a /proc file, or NULL. */
static const char *field(const char *text, const char *key)
{
	size_t len = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, len) && p[len] == ':')
			return p + len + 1 + strspn(p + len + 1, " \t");
	return NULL;
}

static bool release_at_least(const struct kernel_probe *kp, int major, int minor)
{
	int ma = 0, mi = 0;

	if (sscanf(kp->release, "%d.%d", &ma, &mi) < 1)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/* ---- parsers ---- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

static char *next_token(char **p)
{
	char *s = *p, *e;

	while (*s == ' ')
		s++;
	if (!*s)
		return NULL;
	e = s + strcspn(s, " ");
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

/* ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
int kp_parse_mountinfo(char *buf, struct kp_mount **out)
{
	struct kp_mount *m = NULL;
	int n = 0, cap = 0;

	for (char *line = buf, *next; line && *line; line = next) {
		char *f[6], *p, *dash;
		struct kp_mount mt;
		int i;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p = line;
		for (i = 0; i < 6 && (f[i] = next_token(&p)); i++)
			;
		if (i < 6)
			continue;
		while ((dash = next_token(&p)) && !STREQ(dash, "-"))
			;
		mt.fstype = dash ? next_token(&p) : NULL;
		mt.source = mt.fstype ? next_token(&p) : NULL;
		mt.superopts = mt.source ? next_token(&p) : NULL;
		if (!mt.superopts)
			continue;
		mt.id = atoi(f[0]);
		mt.parent = atoi(f[1]);
		unescape(f[3]);
		unescape(f[4]);
		unescape((char *)mt.source);
		mt.root = f[3];
		mt.point = f[4];
		if (n == cap)
			m = xreallocarray(m, cap = cap ? 2 * cap : 32, sizeof(*m));
		m[n++] = mt;
	}
	*out = m;
	return n;
}

/* The first word of each line, basename, up to ".ko", with '-' read as '_' (module names). */
bool kp_module_listed(const char *list, const char *mod)
{
	size_t len = strlen(mod);

	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ":\n");
		const char *base = p;

		for (const char *q = p; q < p + n; q++)
			if (*q == '/')
				base = q + 1;
		if (p + n - base >= (ptrdiff_t)len + 3 && !memcmp(base + len, ".ko", 3)) {
			size_t i = 0;
			for (; i < len; i++) {
				char c = base[i] == '-' ? '_' : base[i];
				if (c != (mod[i] == '-' ? '_' : mod[i]))
					break;
			}
			if (i == len)
				return true;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return false;
}

static struct kp_controller *controller(struct kp_cgroups *cg, const char *name, bool add)
{
	for (int i = 0; i < cg->nctl; i++)
		if (STREQ(cg->ctl[i].name, name))
			return &cg->ctl[i];
	if (!add || cg->nctl == KP_MAX_CONTROLLERS || strlen(name) >= sizeof(cg->ctl[0].name))
		return NULL;
	struct kp_controller *c = &cg->ctl[cg->nctl++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->hierarchy = -1;
	c->enabled = true;
	return c;
}

/* Mount options of a v1 cgroup mount that are not controllers. */
static bool cgroup_v1_option(const char *opt, size_t len)
{
	return memchr(opt, '=', len) || /* name=systemd, release_agent=... */
	       has_word_n("rw ro none noprefix clone_children xattr cpuset_v2_mode favordynmods",
			  opt, len, " ");
}

static void parse_cgroups(struct kernel_probe *kp)
{
	struct kp_cgroups *cg = &kp->cg;
	cleanup_free char *pc = read_rel(kp, "/proc/cgroups");
	bool v1 = false;

	if (pc) {
		cg->have_proc_cgroups = true;
		for (char *l = pc; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
			char name[24];
			int hier, num, en;
			struct kp_controller *c;

			if (*l == '#' || sscanf(l, "%23s %d %d %d", name, &hier, &num, &en) != 4)
				continue;
			if ((c = controller(cg, name, true))) {
				c->hierarchy = hier;
				c->enabled = en != 0;
			}
		}
	}
	for (int i = 0; i < kp->nmounts; i++) {
		const struct kp_mount *m = &kp->mounts[i];

		if (STREQ(m->fstype, "cgroup2")) {
			if (!cg->v2_mount)
				cg->v2_mount = m->point;
			continue;
		}
		if (!STREQ(m->fstype, "cgroup"))
			continue;
		for (const char *p = m->superopts; *p;) {
			size_t n = strcspn(p, ",");
			char name[24];
			struct kp_controller *c;

			if (n && n < sizeof(name) && !cgroup_v1_option(p, n)) {
				memcpy(name, p, n);
				name[n] = '\0';
				c = controller(cg, name, true);
				if (c && !c->v1_mount) {
					c->v1_mount = m->point;
					v1 = true;
					if (!cg->v1_first)
						cg->v1_first = m->point;
				}
			}
			p += n + (p[n] == ',');
		}
	}
	if (cg->v2_mount) {
		char path[4096];
		char *s;

		snprintf(path, sizeof(path), "%s/cgroup.controllers", cg->v2_mount);
		if ((s = read_rel(kp, path))) {
			s[strcspn(s, "\n")] = '\0';
			snprintf(cg->v2_controllers, sizeof(cg->v2_controllers), "%s", s);
			cg->v2_controllers_known = true;
			free(s);
		}
	}
	if (v1)
		cg->layout = cg->v2_mount ? KP_CG_HYBRID : KP_CG_V1;
	else
		cg->layout = cg->v2_mount ? KP_CG_V2 : KP_CG_NONE;
}

static void find_root_mount(struct kernel_probe *kp)
{
	const struct kp_mount *r = NULL;

	/* Later mounts on / hide earlier ones. */
	for (int i = 0; i < kp->nmounts; i++)
		if (STREQ(kp->mounts[i].point, "/"))
			r = &kp->mounts[i];
	kp->rootmnt = r;
	/* pivot_root needs the current root to sit on a parent mount; the initial rootfs (the
	 * initramfs) is the bottom of the tree and has none, so it shows as its own parent. */
	kp->initramfs = r && (STREQ(r->fstype, "rootfs") || r->parent == r->id);
}

static void find_container_hints(struct kernel_probe *kp)
{
	static const char *const cgroup_names[] = {"docker", "kubepods", "libpod", "lxc"};
	cleanup_free char *env = NULL, *cgroup = NULL;
	const char *p;

	if (exists(kp, "/.dockerenv")) {
		snprintf(kp->container, sizeof(kp->container), "docker (/.dockerenv)");
		return;
	}
	if (exists(kp, "/run/.containerenv")) {
		snprintf(kp->container, sizeof(kp->container), "podman (/run/.containerenv)");
		return;
	}
	env = read_file_at(kp->rootfd, "proc/1/environ", 1 << 20, NULL);
	for (p = env; p && *p; p += strlen(p) + 1)
		if (str_has_prefix(p, "container=")) {
			snprintf(kp->container, sizeof(kp->container),
				 "%.40s (container= in PID 1's environment)", p + 10);
			return;
		}
	cgroup = read_rel(kp, "/proc/self/cgroup");
	for (size_t i = 0; cgroup && i < ARRAY_SIZE(cgroup_names); i++)
		if (strstr(cgroup, cgroup_names[i])) {
			snprintf(kp->container, sizeof(kp->container),
				 "%s (in /proc/self/cgroup)", cgroup_names[i]);
			return;
		}
}

void kernel_probe_init(struct kernel_probe *kp, int rootfd, bool live, const char *release)
{
	struct utsname u;
	cleanup_free char *meminfo = NULL;
	const char *mem;

	memset(kp, 0, sizeof(*kp));
	kp->rootfd = rootfd;
	kp->live = live;
	kp->lv.seccomp_filter = kp->lv.bpf_device = kp->lv.netns = kp->lv.nft = -1;
	for (int i = 0; i < KP_LINK_KINDS; i++)
		kp->lv.link[i] = -1;
	if (live && uname(&u) == 0) {
		snprintf(kp->release, sizeof(kp->release), "%s", u.release);
		snprintf(kp->machine, sizeof(kp->machine), "%s", u.machine);
	}
	if (release)
		snprintf(kp->release, sizeof(kp->release), "%s", release);
	if (live) {
		kp->page_size = sysconf(_SC_PAGESIZE);
		kp->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
		kp->is_root = geteuid() == 0;
	}
	kp->now = time(NULL);
	kp->mountinfo = read_rel(kp, "/proc/self/mountinfo");
	if (kp->mountinfo)
		kp->nmounts = kp_parse_mountinfo(kp->mountinfo, &kp->mounts);
	kp->filesystems = read_rel(kp, "/proc/filesystems");
	kp->modular = exists(kp, "/proc/modules");
	kp->status = read_rel(kp, "/proc/self/status");
	meminfo = read_rel(kp, "/proc/meminfo");
	if ((mem = field(meminfo, "MemTotal")))
		kp->mem_total = strtoull(mem, NULL, 10) * 1024;
	find_root_mount(kp);
	parse_cgroups(kp);
	find_container_hints(kp);
}

void kernel_probe_free(struct kernel_probe *kp)
{
	free(kp->mounts);
	free(kp->mountinfo);
	free(kp->filesystems);
	free(kp->status);
	free(kp->modules_builtin);
	free(kp->modules_dep);
	memset(kp, 0, sizeof(*kp));
}

const char *kp_status_name(enum kp_status s)
{
	return s == KP_OK ? "ok" : s == KP_MISSING ? "missing" : "unknown";
}

const char *kp_layout_name(enum kp_cgroup_layout l)
{
	static const char *const names[] = {"none", "v1", "v2", "hybrid"};

	return names[l];
}

/* ---- kernel modules: /sys/module and /lib/modules/RELEASE ---- */

/* True when the files settle whether mod is there (loaded, built in, or on disk). */
static bool module_evidence(struct kernel_probe *kp, const char *mod, struct kp_result *r)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	if (exists(kp, path)) {
		/* initstate exists for loadable modules only */
		snprintf(path, sizeof(path), "/sys/module/%s/initstate", mod);
		set(r, KP_OK, exists(kp, path) ? "module loaded" : "built in");
		return true;
	}
	if (!kp->modules_read && *kp->release) {
		snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", kp->release);
		kp->modules_builtin = read_rel(kp, path);
		snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", kp->release);
		kp->modules_dep = read_rel(kp, path);
	}
	kp->modules_read = true;
	if (kp_module_listed(kp->modules_builtin, mod)) {
		set(r, KP_OK, "built in (modules.builtin)");
		return true;
	}
	/* OpenWrt keeps modules flat in /lib/modules/RELEASE and has no modules.dep. */
	snprintf(path, sizeof(path), "/lib/modules/%s/%s.ko", kp->release, mod);
	if (kp->modular && (kp_module_listed(kp->modules_dep, mod) ||
			    (*kp->release && exists(kp, path)))) {
		set(r, KP_OK, "not loaded; on disk, the kernel loads it on first use");
		return true;
	}
	return false;
}

/* ---- the probe child: everything that needs a syscall, run once ---- */

/* Sends the request and reads until its ack, its error or the end of its dump: 0 or an
 * errno. */
static int nl_request(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[8192] __attribute__((aligned(MNL_ALIGNTO)));
	unsigned int portid = mnl_socket_get_portid(nl);

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		r = mnl_cb_run(buf, n, nlh->nlmsg_seq, portid, NULL, NULL);
		if (r == MNL_CB_ERROR)
			return errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static struct mnl_socket *nl_open(int bus)
{
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	struct timeval tv = {1, 0};

	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	if (nl)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return nl;
}

/* RTM_NEWLINK of this kind: the kernel answers EOPNOTSUPP ("Unknown device type") when it has
 * no such link type; anything else means it knows the kind (macvlan/ipvlan without a lower
 * device answer EINVAL, veth and bridge are simply made). */
static int probe_link_kind(struct mnl_socket *nl, const char *kind, unsigned int seq)
{
	char buf[512] __attribute__((aligned(MNL_ALIGNTO)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *info;
	char name[IFNAMSIZ];

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	snprintf(name, sizeof(name), "probe-%s", kind);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_str(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	return nl_request(nl, nlh);
}

/* An NFT_MSG_GETTABLE dump of nf_tables' tables: read-only, and empty in the scratch netns. */
static int probe_nft(void)
{
	char buf[64] __attribute__((aligned(MNL_ALIGNTO)));
	struct mnl_socket *nl = nl_open(NETLINK_NETFILTER);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;
	int e;

	if (!nl)
		return errno;
	nlh->nlmsg_type = NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETTABLE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	e = nl_request(nl, nlh);
	mnl_socket_close(nl);
	return e;
}

/* The smallest cgroup device program: "allow". Loaded and closed at once. */
static int probe_bpf_device(void)
{
	struct bpf_insn prog[2] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)prog;
	a.insn_cnt = 2;
	a.license = (uintptr_t) "GPL";
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

struct live_wants {
	bool bpf_device, nft, link[KP_LINK_KINDS];
};

static void live_child(const struct live_wants *w, struct kp_live *lv, bool root)
{
	bool any_net = w->nft;

	alarm(5); /* a wedged kernel must not hang `info` */
	/* A NULL program faults while being copied, before anything is installed. */
	lv->seccomp_filter = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0) < 0 ? errno : 0;
	if (w->bpf_device)
		lv->bpf_device = probe_bpf_device();
	for (int i = 0; i < KP_LINK_KINDS; i++)
		any_net |= w->link[i];
	if (!any_net)
		return;
	/* Without root a user namespace gives CAP_NET_ADMIN over the scratch netns. */
	lv->netns = unshare(CLONE_NEWNET | (root ? 0 : CLONE_NEWUSER)) < 0 ? errno : 0;
	if (lv->netns)
		return;
	if (w->nft)
		lv->nft = probe_nft();
	struct mnl_socket *nl = nl_open(NETLINK_ROUTE);
	for (int i = 0; i < KP_LINK_KINDS; i++)
		if (w->link[i])
			lv->link[i] = nl ? probe_link_kind(nl, link_kinds[i], 100 + i) : errno;
	if (nl)
		mnl_socket_close(nl);
}

/* Forks the probe child once, on the first probe that needs it. Only what the files could not
 * settle is probed, so no module gets autoloaded just to be looked at. */
static const struct kp_live *live(struct kernel_probe *kp)
{
	struct live_wants w = {0};
	struct kp_result scratch;
	struct kp_live res = kp->lv;
	int pfd[2], status;
	pid_t pid;

	if (kp->lv.ran || !kp->live)
		return &kp->lv;
	kp->lv.ran = true;
	w.nft = !module_evidence(kp, "nf_tables", &scratch);
	for (int i = 0; i < KP_LINK_KINDS; i++)
		w.link[i] = !module_evidence(kp, link_kinds[i], &scratch);
	w.bpf_device = kp->cg.layout == KP_CG_V2;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return &kp->lv;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		live_child(&w, &res, kp->is_root);
		_exit(write_all(pfd[1], &res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(pfd[1]);
	if (pid > 0 && read_all(pfd[0], &res, sizeof(res)) == (ssize_t)sizeof(res))
		kp->lv = res;
	kp->lv.ran = true;
	close(pfd[0]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	return &kp->lv;
}

/* ---- the probes ---- */

static void probe_namespace(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	char path[64];
	cleanup_free char *max = NULL, *unpriv = NULL;
	long long n = -1;

	if (!exists(kp, "/proc/self/ns")) {
		set(r, KP_UNKNOWN, "no /proc/self/ns (is /proc mounted?)");
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if (!exists(kp, path)) {
		set(r, KP_MISSING, "no %s in /proc/self/ns", name);
		return;
	}
	if (!STREQ(name, "user")) {
		set(r, KP_OK, "%s", "");
		return;
	}
	max = read_rel(kp, "/proc/sys/user/max_user_namespaces");
	unpriv = read_rel(kp, "/proc/sys/kernel/unprivileged_userns_clone");
	if (max)
		max[strcspn(max, "\n")] = '\0';
	if (max && parse_ll(max, 0, LLONG_MAX, &n) == 0 && n == 0) {
		set(r, KP_MISSING, "max_user_namespaces is 0");
		return;
	}
	if (unpriv && atoi(unpriv) == 0) {
		set(r, KP_OK, "unprivileged_userns_clone is 0: only root may create them");
		return;
	}
	if (n > 0)
		set(r, KP_OK, "max_user_namespaces %lld", n);
	else
		set(r, KP_OK, "%s", "");
}

/* /proc/cgroups names whose cgroup2 counterpart differs: io for blkio, cpu's own stats for
 * cpuacct; NULL where cgroup2 has no controller by that name (freezer and device control are
 * core features there, perf_event is implicit, net_cls and net_prio exist on v1 only). */
static const char *const v2_renames[][2] = {
	{"blkio", "io"},       {"cpuacct", "cpu"},  {"freezer", NULL},  {"devices", NULL},
	{"perf_event", NULL}, {"net_cls", NULL}, {"net_prio", NULL},
};

static const char *v2_name(const char *v1)
{
	for (size_t i = 0; i < ARRAY_SIZE(v2_renames); i++)
		if (STREQ(v2_renames[i][0], v1))
			return v2_renames[i][1];
	return v1;
}

bool kp_controller_unmounted(const struct kp_cgroups *cg, const struct kp_controller *c)
{
	const char *v2 = v2_name(c->name);

	if (!c->enabled || c->v1_mount || (v2 && has_word(cg->v2_controllers, v2, " ")))
		return false;
	/* on a pure cgroup2 system what has no v2 controller has nothing to mount */
	return cg->layout != KP_CG_V2 || v2;
}

/* On cgroup2 the freezer is cgroup.freeze (Linux 5.2) and device control an eBPF program. */
static bool cgroup_v2_core(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	const char *at = kp->cg.v2_mount;

	if (STREQ(name, "freezer")) {
		if (!*kp->release)
			set(r, KP_UNKNOWN, "v2 freezer needs Linux 5.2; kernel release unknown");
		else if (release_at_least(kp, 5, 2))
			set(r, KP_OK, "v2 cgroup.freeze at %s", at);
		else
			set(r, KP_MISSING, "cgroup2 has no freezer before Linux 5.2 (this is %s)",
			    kp->release);
		return true;
	}
	if (!STREQ(name, "devices"))
		return false;
	if (!kp->live) {
		set(r, KP_UNKNOWN, "v2 needs an eBPF device program; not probed");
		return true;
	}
	int e = live(kp)->bpf_device;
	if (e == 0)
		set(r, KP_OK, "v2 at %s (eBPF device programs load)", at);
	else if (e == EINVAL || e == ENOSYS)
		set(r, KP_MISSING, "v2 needs eBPF device programs; the kernel refused one: %s",
		    strerror(e));
	else
		set(r, KP_UNKNOWN, "v2 needs an eBPF device program; can't load one: %s",
		    e > 0 ? strerror(e) : "probe failed");
	return true;
}

static void probe_cgroup(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	struct kp_cgroups *cg = &kp->cg;
	const struct kp_controller *c = controller(cg, name, false);
	const char *v2 = v2_name(name);

	if (c && c->v1_mount) {
		set(r, KP_OK, "v1 at %s", c->v1_mount);
		return;
	}
	if (cg->v2_mount) {
		if (v2 && has_word(cg->v2_controllers, v2, " ")) {
			if (STREQ(v2, name))
				set(r, KP_OK, "v2 at %s", cg->v2_mount);
			else
				set(r, KP_OK, "v2 %s at %s", v2, cg->v2_mount);
			return;
		}
		if (!v2 && cgroup_v2_core(kp, name, r))
			return;
		if (!cg->v2_controllers_known) {
			set(r, KP_UNKNOWN, "can't read %s/cgroup.controllers", cg->v2_mount);
			return;
		}
	}
	if (c && !c->enabled)
		set(r, KP_MISSING, "disabled (cgroup_disable= on the kernel command line?)");
	else if (c && c->hierarchy > 0)
		set(r, KP_MISSING, "on v1 hierarchy %d, which is not mounted here", c->hierarchy);
	else if (c && cg->layout == KP_CG_NONE)
		set(r, KP_MISSING, "in the kernel, but no cgroup filesystem is mounted");
	else if (c)
		set(r, KP_MISSING, "in the kernel, but on no mounted hierarchy");
	else if (cg->have_proc_cgroups || cg->v2_controllers_known)
		set(r, KP_MISSING, "not in the kernel");
	else
		set(r, KP_UNKNOWN, "no /proc/cgroups and no cgroup mounts");
}

static void probe_overlay(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	if (kp->filesystems && has_word(kp->filesystems, name, " \t\n"))
		set(r, KP_OK, "in /proc/filesystems");
	else if (module_evidence(kp, name, r))
		;
	else if (kp->filesystems)
		set(r, KP_MISSING, "not in /proc/filesystems, no module on disk");
	else
		set(r, KP_UNKNOWN, "can't read /proc/filesystems");
}

static void probe_overlay_stacking(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	(void)name;
	if (!kp->rootmnt)
		set(r, KP_UNKNOWN, "no / in /proc/self/mountinfo");
	else if (STREQ(kp->rootmnt->fstype, "overlay"))
		set(r, KP_MISSING,
		    "/ is itself an overlay (as OpenWrt's is): overlay can't stack an upper on it");
	else
		set(r, KP_OK, "/ is %s", kp->rootmnt->fstype);
}

static void probe_pivot_root(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	const struct kp_mount *m = kp->rootmnt;

	(void)name;
	if (!m)
		set(r, KP_UNKNOWN, "no / in /proc/self/mountinfo");
	else if (kp->initramfs)
		set(r, KP_MISSING, "/ is the initramfs (%s): pivot_root can't move it", m->fstype);
	else
		set(r, KP_OK, "/ is %s on %s", m->fstype, m->source);
}

static void probe_seccomp(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	const char *mode = field(kp->status, "Seccomp");

	(void)name;
	if (kp->live && prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
		set(r, KP_MISSING, "kernel without seccomp (PR_GET_SECCOMP: EINVAL)");
		return;
	}
	if (mode && atoi(mode) == 2)
		set(r, KP_OK, "ocibox itself already runs under a filter (mode 2)");
	else if (mode)
		set(r, KP_OK, "Seccomp: %d in /proc/self/status", atoi(mode));
	else if (kp->status)
		set(r, KP_MISSING, "no Seccomp: field in /proc/self/status");
	else
		set(r, KP_UNKNOWN, "can't read /proc/self/status");
}

static void probe_seccomp_filter(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	int e;

	(void)name;
	if (!kp->live) {
		if (field(kp->status, "Seccomp_filters"))
			set(r, KP_OK, "Seccomp_filters: in /proc/self/status");
		else
			set(r, KP_UNKNOWN, "not probed");
		return;
	}
	e = live(kp)->seccomp_filter;
	if (e == EFAULT)
		set(r, KP_OK, "SECCOMP_MODE_FILTER accepted");
	else if (e == EINVAL)
		set(r, KP_MISSING, "SECCOMP_MODE_FILTER rejected (EINVAL)");
	else
		set(r, KP_UNKNOWN, "SECCOMP_MODE_FILTER probe: %s",
		    e > 0 ? strerror(e) : e == 0 ? "unexpected success" : "probe failed");
}

/* What the probe child's answer e means for a netlink probe, given whether it shows the thing
 * present or missing; anything else leaves it unknown. */
static void netlink_verdict(struct kernel_probe *kp, const char *what, int e, bool present,
			    bool missing, struct kp_result *r)
{
	if (missing && !kp->modular)
		set(r, KP_MISSING, "the kernel has no %s (probed) and can't load modules", what);
	else if (missing && kp->modules_dep)
		set(r, KP_MISSING, "the kernel has no %s (probed); not in modules.dep", what);
	else if (missing)
		set(r, KP_MISSING, "the kernel has no %s (probed); no modules.dep for %s", what,
		    *kp->release ? kp->release : "this kernel");
	else if (present)
		set(r, KP_OK, "built in, probed in a scratch network namespace");
	else if (kp->lv.netns > 0)
		set(r, KP_UNKNOWN, "can't make a scratch network namespace: %s",
		    strerror(kp->lv.netns));
	else if (e > 0)
		set(r, KP_UNKNOWN, "probe answered: %s", strerror(e));
	else
		set(r, KP_UNKNOWN, "probe failed");
}

static void probe_nf_tables(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	int e;

	if (module_evidence(kp, name, r))
		return;
	if (!kp->live) {
		set(r, KP_UNKNOWN, "not loaded, not in modules.builtin; not probed");
		return;
	}
	e = live(kp)->nft;
	/* No nfnetlink at all, or nfnetlink without the nf_tables subsystem. */
	netlink_verdict(kp, "nf_tables", e, e == 0,
			e == EPROTONOSUPPORT || e == EINVAL || e == EOPNOTSUPP, r);
}

static void probe_link(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	char what[32];
	int i = 0, e;

	while (i < KP_LINK_KINDS && !STREQ(link_kinds[i], name))
		i++;
	if (i == KP_LINK_KINDS) {
		set(r, KP_UNKNOWN, "no such link type");
		return;
	}
	if (module_evidence(kp, name, r))
		return;
	if (!kp->live) {
		set(r, KP_UNKNOWN, "not loaded, not in modules.builtin; not probed");
		return;
	}
	e = live(kp)->link[i];
	snprintf(what, sizeof(what), "%s link type", name);
	netlink_verdict(kp, what, e, e == 0 || e == EINVAL || e == EEXIST, e == EOPNOTSUPP, r);
}

static void probe_clock(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	char now[32], floor[32];
	time_t f = KP_CLOCK_FLOOR;
	struct tm tm;

	(void)name;
	strftime(now, sizeof(now), "%Y-%m-%d %H:%M UTC", gmtime_r(&kp->now, &tm));
	strftime(floor, sizeof(floor), "%Y-%m-%d", gmtime_r(&f, &tm));
	if (kp->now < f)
		set(r, KP_MISSING, "the clock says %s, before this build (%s): no RTC?", now,
		    floor);
	else
		set(r, KP_OK, "%s", now);
}

const struct kp_probe kernel_probes[] = {
	{"Namespaces", "mnt", probe_namespace,
	 "containers unavailable (each needs its own mount namespace)"},
	{"Namespaces", "uts", probe_namespace, "own hostname unavailable (--uts host only)"},
	{"Namespaces", "ipc", probe_namespace, "private IPC unavailable (--ipc host only)"},
	{"Namespaces", "pid", probe_namespace, "own process tree unavailable (--pid host only)"},
	{"Namespaces", "net", probe_namespace, "own network unavailable (--network host only)"},
	{"Namespaces", "user", probe_namespace, "rootless use and --userns-remap unavailable"},
	{"Namespaces", "cgroup", probe_namespace, "--cgroupns private unavailable"},
	{"Namespaces", "time", probe_namespace, "time namespaces (OCI timeOffsets) unavailable"},
	{"Cgroups", "freezer", probe_cgroup, "pause/unpause unavailable"},
	{"Cgroups", "pids", probe_cgroup, "--pids-limit unavailable"},
	{"Cgroups", "memory", probe_cgroup, "--memory limits unavailable"},
	{"Cgroups", "cpu", probe_cgroup, "--cpus, --cpu-shares, --cpu-quota unavailable"},
	{"Cgroups", "cpuset", probe_cgroup, "--cpuset-cpus, --cpuset-mems unavailable"},
	{"Cgroups", "devices", probe_cgroup,
	 "device access control unavailable: containers may open any device node they see"},
	{"Cgroups", "blkio", probe_cgroup, "--blkio-weight, --device-read/write-bps unavailable"},
	{"Cgroups", "hugetlb", probe_cgroup, "hugepage limits unavailable"},
	{"Features", "overlay", probe_overlay,
	 "overlay storage unavailable: layers must be copied (slower, more flash)"},
	{"Features", "overlay_stacking", probe_overlay_stacking,
	 "no overlay store on the root filesystem: put --root on another filesystem or a "
	 "loop-mounted ext4 image"},
	{"Features", "pivot_root", probe_pivot_root, "ocirun needs --no-pivot (chroot instead)"},
	{"Features", "seccomp", probe_seccomp, "seccomp profiles unavailable"},
	{"Features", "seccomp_filter", probe_seccomp_filter,
	 "syscall filters unavailable: containers run without a seccomp profile"},
	{"Features", "nf_tables", probe_nf_tables,
	 "published ports (-p) and outbound NAT unavailable"},
	{"Features", "veth", probe_link, "bridge networking (the default) unavailable"},
	{"Features", "bridge", probe_link, "bridge networks (the default) unavailable"},
	{"Features", "macvlan", probe_link, "--network macvlan unavailable"},
	{"Features", "ipvlan", probe_link, "--network ipvlan unavailable"},
	{"Features", "clock", probe_clock,
	 "TLS to registries fails (certificates look not yet valid): set the clock"},
};
const size_t kernel_probes_count = ARRAY_SIZE(kernel_probes);

int kernel_probe_run(struct kernel_probe *kp, const char *name, struct kp_result *r)
{
	for (size_t i = 0; i < kernel_probes_count; i++)
		if (STREQ(kernel_probes[i].name, name)) {
			memset(r, 0, sizeof(*r));
			kernel_probes[i].run(kp, name, r);
			return 0;
		}
	return -1;
}
