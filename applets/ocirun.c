/* ocirun: an OCI runtime with runc's command line, so containerd, podman and k3s can run it as
 * `runc`. A thin layer over libbb's runtime: options, output formats and exit codes. */
//config:config OCIRUN
//config:	bool "ocirun: OCI runtime with runc's command line"
//config:	default y
//config:	help
//config:	  usage: ocirun [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS...]
//config:
//config:	  Run containers from OCI bundles (runtime-spec 1.2), as runc does.
//config:
//config:	  Global options:
//config:	    --root DIR            state directory (default /run/ocibox/ocirun)
//config:	    --log FILE            append errors here (containerd's shim reads it)
//config:	    --log-format FMT      text or json
//config:	    --systemd-cgroup      accepted; systemd is not used: cgroupsPath
//config:	                          "slice:prefix:name" is treated as a path
//config:	    --debug               log debug messages
//config:	    --rootless            accepted for runc compatibility
//config:
//config:	  Commands:
//config:	    create [-b BUNDLE] [--pid-file F] [--console-socket S]
//config:	           [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID
//config:	    start ID              let a created container run its process
//config:	    run [create's options] [-d] [--keep] ID
//config:	                          create, start and wait (-d: do not wait);
//config:	                          exits with the container's status
//config:	    state ID              runtime-spec state JSON
//config:	    kill [-a] ID [SIGNAL] default SIGTERM; names with or without SIG,
//config:	                          or numbers; -a: every process of it
//config:	    delete [-f] ID        -f: kill it first if it runs
//config:	    list [-f table|json] [-q]
//config:	    ps [-f table|json] ID [PS ARGS]
//config:	    exec [-p FILE] [-t] [--cwd DIR] [-e K=V] [-u UID[:GID]] [-c CAP]
//config:	         [-d] [--pid-file F] [--console-socket S] [--preserve-fds N]
//config:	         ID [COMMAND ARGS...]
//config:	    pause ID, resume ID   freeze and thaw its cgroup
//config:	    update [-r FILE] [--memory N] [--memory-reservation N]
//config:	           [--memory-swap N] [--cpu-shares N] [--cpu-quota N]
//config:	           [--cpu-period N] [--cpuset-cpus L] [--cpuset-mems L]
//config:	           [--pids-limit N] [--blkio-weight N] ID
//config:	    events [--stats] [--interval SECS] ID
//config:	    features              what this runtime supports, as JSON
//config:	    spec [-b BUNDLE] [--rootless]
//config:	                          write a default config.json
//applet:APPLET(ocirun, OCIRUN, PLAIN, "^ ~ root: log: log-format: systemd-cgroup debug rootless criu: <1")
//options:ocirun_create "~ b,bundle: console-socket: pid-file: no-pivot no-new-keyring preserve-fds: d,detach keep <1 >1"
//options:ocirun_id "~ <1 >1"
//options:ocirun_kill "~ a,all <1 >2"
//options:ocirun_delete "~ f,force <1 >1"
//options:ocirun_list "~ f,format: q,quiet >0"
//options:ocirun_ps "^ ~ f,format: <1"
//options:ocirun_exec "^ ~ console-socket: cwd: e,env* t,tty u,user: g,additional-gids* p,process: d,detach pid-file: process-label: apparmor: no-new-privs c,cap* preserve-fds: cgroup: ignore-paused <1"
//options:ocirun_update "~ r,resources: memory: memory-reservation: memory-swap: kernel-memory: kernel-memory-tcp: cpu-shares: cpu-quota: cpu-period: cpu-rt-period: cpu-rt-runtime: cpuset-cpus: cpuset-mems: pids-limit: blkio-weight: l3-cache-schema: mem-bw-schema: <1 >1"
//options:ocirun_events "~ stats interval: <1 >1"
//options:ocirun_spec "~ b,bundle: rootless >0"
//options:ocirun_features "~ >0"

#include "libbb.h"
#include "caps.h"
#include "cgroup.h"
#include "json.h"
#include "oci_spec.h"
#include "runtime.h"
#include "seccomp.h"
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

struct ocirun_globals {
	struct runtime rt;
	const char *log_path;
	bool log_json;
};
static struct ocirun_globals G;

/* ---- errors: stderr, and the --log file where containerd's shim looks for the last one ---- */

static void log_line(const char *level, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;
	char now[40];
	time_t t = time(NULL);
	struct tm tm;
	int fd;

	if (!G.log_path)
		return;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (G.log_json) {
		struct json_writer w;
		jw_init(&w, &sb, 0);
		jw_object_begin(&w);
		jw_key(&w, "level");
		jw_string(&w, level);
		jw_key(&w, "msg");
		jw_string(&w, msg);
		jw_key(&w, "time");
		jw_string(&w, now);
		jw_object_end(&w);
	} else {
		sb_printf(&sb, "time=\"%s\" level=%s msg=", now, level);
		json_escape(&sb, msg, strlen(msg));
	}
	sb_addc(&sb, '\n');
	fd = open(G.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		write_all(fd, sb.buf, sb.len);
		close(fd);
	}
	sb_release(&sb);
}

static int fail(struct error **err)
{
	const struct error *e = *err;
	char *msg;

	if (e && e->errnum)
		msg = xasprintf("%s: %s", e->msg ? e->msg : "error", strerror(e->errnum));
	else
		msg = xasprintf("%s", e && e->msg ? e->msg : "error");
	bb_warn("%s", msg);
	log_line("error", msg);
	free(msg);
	err_free(err);
	return 1;
}

static void out_json(struct strbuf *sb)
{
	sb_addc(sb, '\n');
	fwrite(sb->buf, 1, sb->len, stdout);
	sb_release(sb);
}

/* ---- create, start, run ---- */

static int cmd_create(int argc, char **argv, bool run)
{
	struct opts o;
	struct create_opts co = {0};
	struct error *err = NULL;
	const char *id;
	pid_t pid;
	int status;

	xgetopts(&o, argc, argv, OPTS_ocirun_create);
	id = o.argv[0];
	if ((o.flags & (FLAG_ocirun_create_detach | FLAG_ocirun_create_keep)) && !run)
		bb_usage_error("-d and --keep are run's options");
	co.bundle = o.v[OPT_ocirun_create_bundle].arg;
	co.pid_file = o.v[OPT_ocirun_create_pid_file].arg;
	co.console_socket = o.v[OPT_ocirun_create_console_socket].arg;
	co.no_pivot = o.flags & FLAG_ocirun_create_no_pivot;
	co.no_new_keyring = o.flags & FLAG_ocirun_create_no_new_keyring;
	if (o.flags & FLAG_ocirun_create_preserve_fds)
		co.preserve_fds = xatoll_range(o.v[OPT_ocirun_create_preserve_fds].arg, 0, 1 << 20,
					       "--preserve-fds");
	co.run = run;
	if (runtime_create(&G.rt, id, &co, &pid, &err) < 0)
		return fail(&err);
	if (!run)
		return 0;
	if (runtime_start_run(&G.rt, id, co.sync_fd, &err) < 0) {
		fail(&err);
		runtime_delete(&G.rt, id, true, NULL);
		return 1;
	}
	if (o.flags & FLAG_ocirun_create_detach)
		return 0;
	status = runtime_wait(pid, co.console_master);
	if (!(o.flags & FLAG_ocirun_create_keep) && runtime_delete(&G.rt, id, true, &err) < 0)
		fail(&err);
	return status;
}

static int cmd_start(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;

	xgetopts(&o, argc, argv, OPTS_ocirun_id);
	return runtime_start(&G.rt, o.argv[0], &err) < 0 ? fail(&err) : 0;
}

/* ---- state, list ---- */

static int cmd_state(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	struct container c;
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	xgetopts(&o, argc, argv, OPTS_ocirun_id);
	if (container_load(&G.rt, o.argv[0], false, &c, &err) < 0)
		return fail(&err);
	jw_init(&w, &sb, 2);
	container_state_json(&c, &w);
	out_json(&sb);
	container_free(&c);
	return 0;
}

static const char *owner_name(uid_t uid, char buf[16])
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		return pw->pw_name;
	snprintf(buf, 16, "#%u", (unsigned)uid);
	return buf;
}

static int cmd_list(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	char **ids;
	const char *fmt;
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	struct container *cs;
	size_t n = 0, wid[5] = {2, 3, 6, 6, 7};

	xgetopts(&o, argc, argv, OPTS_ocirun_list);
	fmt = o.v[OPT_ocirun_list_format].arg ? o.v[OPT_ocirun_list_format].arg : "table";
	if (!STREQ(fmt, "table") && !STREQ(fmt, "json"))
		bb_usage_error("invalid format option");
	ids = runtime_list_ids(&G.rt, &err);
	if (!ids)
		return fail(&err);
	while (ids[n])
		n++;
	cs = xzalloc((n + 1) * sizeof(*cs));
	for (size_t i = 0; i < n; i++) {
		if (container_load(&G.rt, ids[i], false, &cs[i], NULL) < 0)
			continue; /* vanished or being deleted meanwhile */
		if (o.flags & FLAG_ocirun_list_quiet)
			printf("%s\n", ids[i]);
	}
	if (o.flags & FLAG_ocirun_list_quiet)
		goto out;
	if (STREQ(fmt, "json")) {
		jw_init(&w, &sb, 0);
		jw_array_begin(&w);
		for (size_t i = 0; i < n; i++)
			if (cs[i].id)
				container_state_json(&cs[i], &w);
		jw_array_end(&w);
		out_json(&sb);
		goto out;
	}
	/* runc's tabwriter: columns at least 12 wide, 3 spaces apart */
	for (size_t i = 0; i < n; i++) {
		char pid[16], ob[16];
		const char *col[4];

		if (!cs[i].id)
			continue;
		snprintf(pid, sizeof(pid), "%d", cs[i].status == STATUS_STOPPED ? 0 : (int)cs[i].pid);
		col[0] = cs[i].id, col[1] = pid, col[2] = container_status_name(cs[i].status);
		col[3] = cs[i].bundle ? cs[i].bundle : "";
		for (int k = 0; k < 4; k++)
			if (strlen(col[k]) > wid[k])
				wid[k] = strlen(col[k]);
		if (cs[i].created && strlen(cs[i].created) > wid[4])
			wid[4] = strlen(cs[i].created);
		(void)ob;
	}
	for (int k = 0; k < 5; k++)
		wid[k] = wid[k] + 3 < 12 ? 12 : wid[k] + 3;
	printf("%-*s%-*s%-*s%-*s%-*s%s\n", (int)wid[0], "ID", (int)wid[1], "PID", (int)wid[2],
	       "STATUS", (int)wid[3], "BUNDLE", (int)wid[4], "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++) {
		char ob[16];
		if (!cs[i].id)
			continue;
		printf("%-*s%-*d%-*s%-*s%-*s%s\n", (int)wid[0], cs[i].id, (int)wid[1],
		       cs[i].status == STATUS_STOPPED ? 0 : (int)cs[i].pid, (int)wid[2],
		       container_status_name(cs[i].status), (int)wid[3],
		       cs[i].bundle ? cs[i].bundle : "", (int)wid[4],
		       cs[i].created ? cs[i].created : "", owner_name(cs[i].owner, ob));
	}
out:
	for (size_t i = 0; ENABLE_FEATURE_CLEAN_UP && i < n; i++) {
		container_free(&cs[i]);
		free(ids[i]);
	}
	if (ENABLE_FEATURE_CLEAN_UP) {
		free(cs);
		free(ids);
	}
	return 0;
}

/* ---- kill, delete, pause, resume ---- */

static const struct {
	char name[8];
	int sig;
} signals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},   {"ABRT", SIGABRT}, {"IOT", SIGIOT},     {"BUS", SIGBUS},
    {"FPE", SIGFPE},     {"KILL", SIGKILL}, {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},   {"TERM", SIGTERM},
    {"CHLD", SIGCHLD},   {"CONT", SIGCONT}, {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},   {"URG", SIGURG},
    {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},   {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

static int parse_signal(const char *s)
{
	long long n;
	char up[16];
	size_t i;

	if (parse_ll(s, 1, SIGRTMAX, &n) == 0)
		return n;
	for (i = 0; s[i] && i < sizeof(up) - 1; i++)
		up[i] = s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i];
	up[i] = '\0';
	for (i = 0; i < ARRAY_SIZE(signals); i++)
		if (STREQ(signals[i].name, str_has_prefix(up, "SIG") ? up + 3 : up))
			return signals[i].sig;
	return -1;
}

static int cmd_kill(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	int sig = SIGTERM;

	xgetopts(&o, argc, argv, OPTS_ocirun_kill);
	if (o.argc > 1 && (sig = parse_signal(o.argv[1])) < 0)
		bb_usage_error("unknown signal \"%s\"", o.argv[1]);
	if (runtime_kill(&G.rt, o.argv[0], sig, o.flags & FLAG_ocirun_kill_all, &err) < 0)
		return fail(&err);
	return 0;
}

static int cmd_delete(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;

	xgetopts(&o, argc, argv, OPTS_ocirun_delete);
	if (runtime_delete(&G.rt, o.argv[0], o.flags & FLAG_ocirun_delete_force, &err) < 0) {
		/* runc: deleting what is not there with --force is no error */
		if ((o.flags & FLAG_ocirun_delete_force) && G.rt.rootfd >= 0 &&
		    faccessat(G.rt.rootfd, o.argv[0], F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
			err_free(&err);
			return 0;
		}
		return fail(&err);
	}
	return 0;
}

static int cmd_pause(int argc, char **argv, bool pause)
{
	struct opts o;
	struct error *err = NULL;

	xgetopts(&o, argc, argv, OPTS_ocirun_id);
	return runtime_pause(&G.rt, o.argv[0], pause, &err) < 0 ? fail(&err) : 0;
}

/* ---- ps: the host's ps filtered to the container's pids, as runc does ---- */

static struct cgroup *container_cgroup(const char *id, struct container *c, struct error **err)
{
	if (container_load(&G.rt, id, false, c, err) < 0)
		return NULL;
	return cgroup_new(c->spec.cgroups_path, c->id, err);
}

static bool pid_in(pid_t p, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

static int ps_table(char **args, const pid_t *pids, size_t n)
{
	struct strbuf cmd = STRBUF_INIT;
	FILE *f;
	char line[4096];
	int pidcol = -1;

	sb_adds(&cmd, "ps");
	for (char **a = args; *a; a++) {
		sb_addc(&cmd, ' ');
		sb_addc(&cmd, '\'');
		for (const char *p = *a; *p; p++)
			*p == '\'' ? sb_adds(&cmd, "'\\''") : sb_addc(&cmd, *p);
		sb_addc(&cmd, '\'');
	}
	if (!*args)
		sb_adds(&cmd, " -ef");
	sb_adds(&cmd, " 2>/dev/null");
	f = popen(cmd.buf, "r");
	sb_release(&cmd);
	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			pclose(f);
		/* no ps on this host: what /proc says */
		printf("PID   CMD\n");
		for (size_t i = 0; i < n; i++) {
			char path[40], comm[256] = "";
			cleanup_free char *c = NULL;
			snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
			c = read_file_at(AT_FDCWD, path, 256, NULL);
			snprintf(comm, sizeof(comm), "%s", c ? c : "?\n");
			printf("%-5d %s", (int)pids[i], comm);
		}
		return 0;
	}
	fputs(line, stdout);
	{
		char copy[4096], *save = NULL, *tok;
		int col = 0;
		snprintf(copy, sizeof(copy), "%s", line);
		for (tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
			if (STREQ(tok, "PID") && pidcol < 0)
				pidcol = col;
			else
				col++;
	}
	if (pidcol < 0) {
		pclose(f);
		return bb_warn("ps: no PID column in ps output"), 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char copy[4096], *save = NULL, *tok;
		int col = 0;
		snprintf(copy, sizeof(copy), "%s", line);
		for (tok = strtok_r(copy, " \t\n", &save); tok && col < pidcol;
		     tok = strtok_r(NULL, " \t\n", &save))
			col++;
		if (tok && pid_in(atoi(tok), pids, n))
			fputs(line, stdout);
	}
	pclose(f);
	return 0;
}

static int cmd_ps(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	struct container c;
	struct cgroup *cg;
	pid_t *pids = NULL;
	size_t n = 0;
	const char *fmt;
	int r;

	xgetopts(&o, argc, argv, OPTS_ocirun_ps);
	fmt = o.v[OPT_ocirun_ps_format].arg ? o.v[OPT_ocirun_ps_format].arg : "table";
	if (!STREQ(fmt, "table") && !STREQ(fmt, "json"))
		bb_usage_error("invalid format option");
	cg = container_cgroup(o.argv[0], &c, &err);
	if (!cg || cgroup_pids(cg, &pids, &n, &err) < 0)
		return fail(&err);
	if (STREQ(fmt, "json")) {
		struct strbuf sb = STRBUF_INIT;
		struct json_writer w;
		jw_init(&w, &sb, 0);
		jw_array_begin(&w);
		for (size_t i = 0; i < n; i++)
			jw_int(&w, pids[i]);
		jw_array_end(&w);
		out_json(&sb);
		r = 0;
	} else {
		r = ps_table(o.argv + 1, pids, n);
	}
	free(pids);
	cgroup_free(cg);
	container_free(&c);
	return r;
}

/* ---- update, events ---- */

/* runc's sizes: a number with an optional k, m, g, t (powers of 1024); -1 means unlimited. */
static long long parse_size(const char *s, const char *what)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int shift = 0;

	if (end == s)
		bb_usage_error("invalid value for %s: %s", what, s);
	switch (*end | 0x20) {
	case 'k': shift = 10; break;
	case 'm': shift = 20; break;
	case 'g': shift = 30; break;
	case 't': shift = 40; break;
	case ' ': /* *end == '\0' */
		break;
	default:
		bb_usage_error("invalid value for %s: %s", what, s);
	}
	if (shift && (end[1] && !((end[1] | 0x20) == 'b' && !end[2])))
		bb_usage_error("invalid value for %s: %s", what, s);
	return v < 0 ? v : v << shift;
}

static void update_number(struct json_writer *w, struct opts *o, int opt, const char *key,
			  bool size)
{
	if (!o->v[opt].arg)
		return;
	jw_key(w, key);
	if (size)
		jw_int(w, parse_size(o->v[opt].arg, key));
	else
		jw_int(w, xatoll_range(o->v[opt].arg, -1, INT64_MAX, key));
}

static char *update_json(struct opts *o)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "memory");
	jw_object_begin(&w);
	update_number(&w, o, OPT_ocirun_update_memory, "limit", true);
	update_number(&w, o, OPT_ocirun_update_memory_reservation, "reservation", true);
	update_number(&w, o, OPT_ocirun_update_memory_swap, "swap", true);
	jw_object_end(&w);
	jw_key(&w, "cpu");
	jw_object_begin(&w);
	update_number(&w, o, OPT_ocirun_update_cpu_shares, "shares", false);
	update_number(&w, o, OPT_ocirun_update_cpu_quota, "quota", false);
	update_number(&w, o, OPT_ocirun_update_cpu_period, "period", false);
	update_number(&w, o, OPT_ocirun_update_cpu_rt_period, "realtimePeriod", false);
	update_number(&w, o, OPT_ocirun_update_cpu_rt_runtime, "realtimeRuntime", false);
	if (o->v[OPT_ocirun_update_cpuset_cpus].arg) {
		jw_key(&w, "cpus");
		jw_string(&w, o->v[OPT_ocirun_update_cpuset_cpus].arg);
	}
	if (o->v[OPT_ocirun_update_cpuset_mems].arg) {
		jw_key(&w, "mems");
		jw_string(&w, o->v[OPT_ocirun_update_cpuset_mems].arg);
	}
	jw_object_end(&w);
	jw_key(&w, "pids");
	jw_object_begin(&w);
	update_number(&w, o, OPT_ocirun_update_pids_limit, "limit", false);
	jw_object_end(&w);
	jw_key(&w, "blockIO");
	jw_object_begin(&w);
	update_number(&w, o, OPT_ocirun_update_blkio_weight, "weight", false);
	jw_object_end(&w);
	jw_object_end(&w);
	return sb_steal(&sb);
}

static int cmd_update(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	struct container c;
	struct cgroup *cg;
	struct cgroup_resources *res;
	struct json *j;
	cleanup_free char *text = NULL;
	const char *file;
	size_t len;
	int r;

	xgetopts(&o, argc, argv, OPTS_ocirun_update);
	file = o.v[OPT_ocirun_update_resources].arg;
	if (file) {
		text = read_file_at(AT_FDCWD, STREQ(file, "-") ? "/dev/stdin" : file, 1 << 20, &len);
		if (!text)
			bb_die_errno("read %s", file);
	} else {
		text = update_json(&o);
		len = strlen(text);
	}
	j = json_parse(text, len, NULL, &err);
	if (!j)
		return err_wrap(&err, "resources"), fail(&err);
	cg = container_cgroup(o.argv[0], &c, &err);
	if (!cg)
		return fail(&err);
	if (c.status == STATUS_STOPPED) {
		err_set(&err, 0, "container not running");
		return fail(&err);
	}
	res = cgroup_resources_parse(j, &err);
	r = res && cgroup_apply(cg, res, &err) == 0 ? 0 : fail(&err);
	cgroup_resources_free(res);
	cgroup_free(cg);
	container_free(&c);
	json_free(j);
	return r;
}

static int print_stats(const char *id, struct cgroup *cg, struct error **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "type");
	jw_string(&w, "stats");
	jw_key(&w, "id");
	jw_string(&w, id);
	jw_key(&w, "data");
	if (cgroup_stats(cg, &w, err) < 0) {
		sb_release(&sb);
		return -1;
	}
	jw_object_end(&w);
	out_json(&sb);
	fflush(stdout);
	return 0;
}

static int cmd_events(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	struct container c;
	struct cgroup *cg;
	long long interval = 5;
	int r = 0;

	xgetopts(&o, argc, argv, OPTS_ocirun_events);
	if (o.v[OPT_ocirun_events_interval].arg) {
		const char *s = o.v[OPT_ocirun_events_interval].arg;
		interval = xatoll_range(s, 1, 86400, "--interval");
	}
	cg = container_cgroup(o.argv[0], &c, &err);
	if (!cg)
		return fail(&err);
	if (c.status == STATUS_STOPPED) {
		err_set(&err, 0, "container with id %s is not running", c.id);
		r = fail(&err);
	} else if (o.flags & FLAG_ocirun_events_stats) {
		r = print_stats(c.id, cg, &err) < 0 ? fail(&err) : 0;
	} else {
		while (proc_alive(c.pid, c.start_time)) {
			if (print_stats(c.id, cg, &err) < 0) {
				r = fail(&err);
				break;
			}
			sleep(interval);
		}
	}
	cgroup_free(cg);
	container_free(&c);
	return r;
}

/* ---- exec ---- */

/* runc's inline flags as a runtime-spec process object, starting from the container's own. */
static char *exec_process_json(struct opts *o, const struct container *c)
{
	const struct json *p = c->spec.process;
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	const char *cwd = o->v[OPT_ocirun_exec_cwd].arg, *user = o->v[OPT_ocirun_exec_user].arg;

	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "terminal");
	jw_bool(&w, o->flags & FLAG_ocirun_exec_tty);
	jw_key(&w, "args");
	jw_array_begin(&w);
	for (int i = 1; i < o->argc; i++)
		jw_string(&w, o->argv[i]);
	jw_array_end(&w);
	jw_key(&w, "env");
	jw_array_begin(&w);
	for (size_t i = 0; i < c->spec.n_env; i++)
		jw_string(&w, c->spec.env[i]);
	for (char **e = o->v[OPT_ocirun_exec_env].list; e && *e; e++)
		jw_string(&w, *e);
	jw_array_end(&w);
	jw_key(&w, "cwd");
	jw_string(&w, cwd ? cwd : c->spec.cwd ? c->spec.cwd : "/");
	jw_key(&w, "user");
	jw_object_begin(&w);
	if (user) {
		const char *colon = strchr(user, ':');
		jw_key(&w, "uid");
		jw_int(&w, atoll(user));
		jw_key(&w, "gid");
		jw_int(&w, colon ? atoll(colon + 1) : 0);
	} else {
		const struct json *u = json_get(p, "user");
		for (size_t i = 0; i < json_len(u); i++) {
			const struct json_member *m = json_member_at(u, i);
			jw_key(&w, m->key);
			json_write_tree(&w, &m->val);
		}
	}
	if (o->v[OPT_ocirun_exec_additional_gids].list) {
		jw_key(&w, "additionalGids");
		jw_array_begin(&w);
		for (char **g = o->v[OPT_ocirun_exec_additional_gids].list; *g; g++)
			jw_int(&w, atoll(*g));
		jw_array_end(&w);
	}
	jw_object_end(&w);
	/* the container's other process attributes carry over, --cap adds to every set */
	for (size_t i = 0; i < json_len(p); i++) {
		const struct json_member *m = json_member_at(p, i);
		static const char *const own[] = {"terminal", "args", "env", "cwd", "user",
						  "consoleSize", "capabilities"};
		bool skip = false;
		for (size_t k = 0; k < ARRAY_SIZE(own); k++)
			skip |= STREQ(m->key, own[k]);
		if (skip)
			continue;
		jw_key(&w, m->key);
		json_write_tree(&w, &m->val);
	}
	if (o->flags & FLAG_ocirun_exec_no_new_privs) {
		jw_key(&w, "noNewPrivileges");
		jw_bool(&w, true);
	}
	if (json_get(p, "capabilities") || o->v[OPT_ocirun_exec_cap].list) {
		static const char *const sets[] = {"bounding", "effective", "permitted",
						   "inheritable", "ambient"};
		const struct json *caps = json_get(p, "capabilities");
		jw_key(&w, "capabilities");
		jw_object_begin(&w);
		for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
			const struct json *have = json_get(caps, sets[s]);
			jw_key(&w, sets[s]);
			jw_array_begin(&w);
			for (size_t i = 0; i < json_len(have); i++)
				json_write_tree(&w, json_at(have, i));
			for (char **cp = o->v[OPT_ocirun_exec_cap].list;
			     cp && *cp && !STREQ(sets[s], "ambient"); cp++)
				jw_string(&w, *cp);
			jw_array_end(&w);
		}
		jw_object_end(&w);
	}
	jw_object_end(&w);
	return sb_steal(&sb);
}

static int cmd_exec(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	struct exec_opts eo = {0};
	struct container c;
	struct json *proc;
	cleanup_free char *text = NULL;
	const char *file;
	size_t len;
	int status = 0;

	xgetopts(&o, argc, argv, OPTS_ocirun_exec);
	file = o.v[OPT_ocirun_exec_process].arg;
	if (!file && o.argc < 2)
		bb_usage_error("exec needs a command or --process");
	if (container_load(&G.rt, o.argv[0], false, &c, &err) < 0)
		return fail(&err);
	if (file) {
		text = read_file_at(AT_FDCWD, file, 1 << 20, &len);
		if (!text)
			bb_die_errno("read %s", file);
	} else {
		text = exec_process_json(&o, &c);
		len = strlen(text);
	}
	container_free(&c);
	proc = json_parse(text, len, NULL, &err);
	if (!proc)
		return err_wrap(&err, "process"), fail(&err);
	eo.process = proc;
	eo.pid_file = o.v[OPT_ocirun_exec_pid_file].arg;
	eo.console_socket = o.v[OPT_ocirun_exec_console_socket].arg;
	eo.detach = o.flags & FLAG_ocirun_exec_detach;
	if (o.v[OPT_ocirun_exec_preserve_fds].arg)
		eo.preserve_fds = xatoll_range(o.v[OPT_ocirun_exec_preserve_fds].arg, 0, 1 << 20,
					       "--preserve-fds");
	if (runtime_exec(&G.rt, o.argv[0], &eo, &status, &err) < 0)
		status = fail(&err) == 1 ? 255 : 255;
	json_free(proc);
	return status;
}

/* ---- features, spec ---- */

static void str_array(struct json_writer *w, const char *key, const char *const *v, size_t n)
{
	jw_key(w, key);
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_string(w, v[i]);
	jw_array_end(w);
}

static int cmd_features(int argc, char **argv)
{
	static const char *const hooks[] = {"prestart", "createRuntime", "createContainer",
					    "startContainer", "poststart", "poststop"};
	static const char *const ns[] = {"cgroup", "ipc", "mount", "network", "pid", "user",
					 "uts", "time"};
	struct opts o;
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	xgetopts(&o, argc, argv, OPTS_ocirun_features);
	jw_init(&w, &sb, 2);
	jw_object_begin(&w);
	jw_key(&w, "ociVersionMin");
	jw_string(&w, "1.0.0");
	jw_key(&w, "ociVersionMax");
	jw_string(&w, OCI_VERSION);
	str_array(&w, "hooks", hooks, ARRAY_SIZE(hooks));
	jw_key(&w, "mountOptions");
	oci_mount_options_features(&w);
	jw_key(&w, "linux");
	jw_object_begin(&w);
	str_array(&w, "namespaces", ns, ARRAY_SIZE(ns));
	jw_key(&w, "capabilities");
	caps_features(&w);
	jw_key(&w, "cgroup");
	jw_object_begin(&w);
	jw_key(&w, "v1");
	jw_bool(&w, true);
	jw_key(&w, "v2");
	jw_bool(&w, true);
	jw_key(&w, "systemd");
	jw_bool(&w, false);
	jw_key(&w, "systemdUser");
	jw_bool(&w, false);
	jw_key(&w, "rdma");
	jw_bool(&w, false);
	jw_object_end(&w);
	jw_key(&w, "seccomp");
	seccomp_features(&w);
	jw_key(&w, "apparmor");
	jw_object_begin(&w);
	jw_key(&w, "enabled");
	jw_bool(&w, false);
	jw_object_end(&w);
	jw_key(&w, "selinux");
	jw_object_begin(&w);
	jw_key(&w, "enabled");
	jw_bool(&w, false);
	jw_object_end(&w);
	jw_key(&w, "intelRdt");
	jw_object_begin(&w);
	jw_key(&w, "enabled");
	jw_bool(&w, false);
	jw_object_end(&w);
	jw_key(&w, "mountExtensions");
	jw_object_begin(&w);
	jw_key(&w, "idmap");
	jw_object_begin(&w);
	jw_key(&w, "enabled");
	jw_bool(&w, false); /* not yet: see the runtime's notes */
	jw_object_end(&w);
	jw_object_end(&w);
	jw_object_end(&w);
	jw_key(&w, "annotations");
	jw_object_begin(&w);
	jw_key(&w, "org.opencontainers.runtime-spec.features");
	jw_string(&w, "ocibox");
	jw_object_end(&w);
	jw_object_end(&w);
	out_json(&sb);
	return 0;
}

static void spec_mount(struct json_writer *w, const char *dest, const char *type, const char *src,
		       const char *opts)
{
	jw_object_begin(w);
	jw_key(w, "destination");
	jw_string(w, dest);
	jw_key(w, "type");
	jw_string(w, type);
	jw_key(w, "source");
	jw_string(w, src);
	if (*opts) {
		jw_key(w, "options");
		jw_array_begin(w);
		while (*opts) {
			size_t n = strcspn(opts, " ");
			jw_string_len(w, opts, n);
			opts += n + (opts[n] == ' ');
		}
		jw_array_end(w);
	}
	jw_object_end(w);
}

static void spec_idmap(struct json_writer *w, const char *key, unsigned id)
{
	jw_key(w, key);
	jw_array_begin(w);
	jw_object_begin(w);
	jw_key(w, "containerID");
	jw_int(w, 0);
	jw_key(w, "hostID");
	jw_int(w, id);
	jw_key(w, "size");
	jw_int(w, 1);
	jw_object_end(w);
	jw_array_end(w);
}

/* runc spec's config, as data where it is a list. */
static char *default_spec(bool rootless)
{
	static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
	static const char *const sets[] = {"bounding", "effective", "permitted", "ambient"};
	static const char *const masked[] = {
	    "/proc/acpi",      "/proc/asound",     "/proc/kcore",       "/proc/keys",
	    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	    "/sys/firmware",   "/proc/scsi"};
	static const char *const ro[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					 "/proc/sysrq-trigger"};
	static const char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 2);
	jw_object_begin(&w);
	jw_key(&w, "ociVersion");
	jw_string(&w, OCI_SPEC_VERSION);
	jw_key(&w, "process");
	jw_object_begin(&w);
	jw_key(&w, "terminal");
	jw_bool(&w, true);
	jw_key(&w, "user");
	jw_object_begin(&w);
	jw_key(&w, "uid");
	jw_int(&w, 0);
	jw_key(&w, "gid");
	jw_int(&w, 0);
	jw_object_end(&w);
	str_array(&w, "args", (const char *const[]){"sh"}, 1);
	str_array(&w, "env", env, ARRAY_SIZE(env));
	jw_key(&w, "cwd");
	jw_string(&w, "/");
	jw_key(&w, "capabilities");
	jw_object_begin(&w);
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		str_array(&w, sets[i], caps, ARRAY_SIZE(caps));
	jw_object_end(&w);
	jw_key(&w, "rlimits");
	jw_array_begin(&w);
	jw_object_begin(&w);
	jw_key(&w, "type");
	jw_string(&w, "RLIMIT_NOFILE");
	jw_key(&w, "hard");
	jw_int(&w, 1024);
	jw_key(&w, "soft");
	jw_int(&w, 1024);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_key(&w, "noNewPrivileges");
	jw_bool(&w, true);
	jw_object_end(&w);
	jw_key(&w, "root");
	jw_object_begin(&w);
	jw_key(&w, "path");
	jw_string(&w, "rootfs");
	jw_key(&w, "readonly");
	jw_bool(&w, true);
	jw_object_end(&w);
	jw_key(&w, "hostname");
	jw_string(&w, "ocirun");
	jw_key(&w, "mounts");
	jw_array_begin(&w);
	spec_mount(&w, "/proc", "proc", "proc", "");
	spec_mount(&w, "/dev", "tmpfs", "tmpfs", "nosuid strictatime mode=755 size=65536k");
	spec_mount(&w, "/dev/pts", "devpts", "devpts",
		   rootless ? "nosuid noexec newinstance ptmxmode=0666 mode=0620"
			    : "nosuid noexec newinstance ptmxmode=0666 mode=0620 gid=5");
	spec_mount(&w, "/dev/shm", "tmpfs", "shm", "nosuid noexec nodev mode=1777 size=65536k");
	spec_mount(&w, "/dev/mqueue", "mqueue", "mqueue", "nosuid noexec nodev");
	if (rootless)
		spec_mount(&w, "/sys", "none", "/sys", "rbind nosuid noexec nodev ro");
	else
		spec_mount(&w, "/sys", "sysfs", "sysfs", "nosuid noexec nodev ro");
	spec_mount(&w, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid noexec nodev relatime ro");
	jw_array_end(&w);
	jw_key(&w, "linux");
	jw_object_begin(&w);
	if (rootless) {
		spec_idmap(&w, "uidMappings", geteuid());
		spec_idmap(&w, "gidMappings", getegid());
	} else {
		jw_key(&w, "resources");
		jw_object_begin(&w);
		jw_key(&w, "devices");
		jw_array_begin(&w);
		jw_object_begin(&w);
		jw_key(&w, "allow");
		jw_bool(&w, false);
		jw_key(&w, "access");
		jw_string(&w, "rwm");
		jw_object_end(&w);
		jw_array_end(&w);
		jw_object_end(&w);
	}
	jw_key(&w, "namespaces");
	jw_array_begin(&w);
	for (const char *const *n = (const char *const[]){"pid", "network", "ipc", "uts", "mount",
							  "user", NULL};
	     *n; n++) {
		if ((rootless && STREQ(*n, "network")) || (!rootless && STREQ(*n, "user")))
			continue;
		jw_object_begin(&w);
		jw_key(&w, "type");
		jw_string(&w, *n);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	str_array(&w, "maskedPaths", masked, ARRAY_SIZE(masked));
	str_array(&w, "readonlyPaths", ro, ARRAY_SIZE(ro));
	jw_object_end(&w);
	jw_object_end(&w);
	sb_addc(&sb, '\n');
	return sb_steal(&sb);
}

static int cmd_spec(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	const char *bundle;
	cleanup_free char *text = NULL, *path = NULL;
	int fd;

	xgetopts(&o, argc, argv, OPTS_ocirun_spec);
	bundle = o.v[OPT_ocirun_spec_bundle].arg ? o.v[OPT_ocirun_spec_bundle].arg : ".";
	text = default_spec(o.flags & FLAG_ocirun_spec_rootless);
	path = xasprintf("%s/config.json", bundle);
	/* runc refuses to overwrite an existing config.json */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			err_set(&err, 0, "File %s exists. Remove it first", path);
		else
			err_errno(&err, "%s", path);
		return fail(&err);
	}
	if (write_all(fd, text, strlen(text)) < 0 || close(fd) < 0) {
		err_errno(&err, "write %s", path);
		return fail(&err);
	}
	return 0;
}

/* ---- the verb table ---- */

static int v_create(int c, char **v) { return cmd_create(c, v, false); }
static int v_run(int c, char **v) { return cmd_create(c, v, true); }
static int v_pause(int c, char **v) { return cmd_pause(c, v, true); }
static int v_resume(int c, char **v) { return cmd_pause(c, v, false); }

static const struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	bool sealed; /* enters a container: run from the sealed copy of ourselves */
} verbs[] = {
    {"create", v_create, true},    {"start", cmd_start, false},   {"run", v_run, true},
    {"state", cmd_state, false},   {"kill", cmd_kill, false},     {"delete", cmd_delete, false},
    {"list", cmd_list, false},     {"ps", cmd_ps, false},         {"exec", cmd_exec, true},
    {"pause", v_pause, false},     {"resume", v_resume, false},   {"update", cmd_update, false},
    {"events", cmd_events, false}, {"features", cmd_features, false}, {"spec", cmd_spec, false},
};

int ocirun_main(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	const struct verb *v = NULL;
	char **saved = xmalloc((argc + 1) * sizeof(char *));
	const char *fmt;

	memcpy(saved, argv, (argc + 1) * sizeof(char *)); /* the parser reorders argv */
	xgetopts(&o, argc, argv, OPTS_ocirun);
	G.rt.root = o.v[OPT_ocirun_root].arg ? o.v[OPT_ocirun_root].arg : RUNTIME_DEFAULT_ROOT;
	G.rt.rootfd = -1;
	G.rt.rootless = o.flags & FLAG_ocirun_rootless;
	G.rt.debug = o.flags & FLAG_ocirun_debug;
	G.log_path = o.v[OPT_ocirun_log].arg;
	fmt = o.v[OPT_ocirun_log_format].arg;
	if (fmt && !STREQ(fmt, "text") && !STREQ(fmt, "json"))
		bb_usage_error("unknown log-format \"%s\"", fmt);
	G.log_json = fmt && STREQ(fmt, "json");
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (STREQ(verbs[i].name, o.argv[0]))
			v = &verbs[i];
	if (!v)
		bb_usage_error("unknown command \"%s\"", o.argv[0]);
	if (o.flags & FLAG_ocirun_systemd_cgroup)
		log_line("info", "--systemd-cgroup: systemd is not used; cgroupsPath "
				 "\"slice:prefix:name\" is treated as a path");
	if (v->sealed && self_exe_ensure_sealed(saved, &err) < 0)
		return fail(&err);
	free(saved);
	return v->fn(o.argc, o.argv);
}
