/* Namespaces for containers: the clone that makes them, joining existing ones by path, the
 * parent's half of a user namespace (id maps) and time namespace offsets. */
#include "runtime.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* A fork that makes namespaces on the way: the child is pid 1 of a new pid namespace at once,
 * without the second fork that unshare() would need. No stack, so it returns twice like fork;
 * the argument order differs between architectures, but every argument after flags is 0. */
pid_t ns_clone(int flags)
{
	return syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
}

static int write_proc(pid_t pid, const char *file, const char *text, struct error **err)
{
	char path[64];
	cleanup_close int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
		return err_errno(err, "write %s", path);
	return 0;
}

static char *map_text(const struct oci_idmap *m, size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < n; i++)
		sb_printf(&sb, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
	return sb_steal(&sb);
}

int ns_write_id_maps(pid_t pid, const struct oci_spec *spec, bool deny_setgroups,
		     struct error **err)
{
	cleanup_free char *uids = map_text(spec->uid_maps, spec->n_uid_maps);
	cleanup_free char *gids = map_text(spec->gid_maps, spec->n_gid_maps);

	/* Without CAP_SETGID in the parent namespace the kernel takes a gid map only after
	 * setgroups is denied; as root, the container keeps setgroups. */
	if (deny_setgroups && write_proc(pid, "setgroups", "deny", err) < 0)
		return -1;
	if (write_proc(pid, "uid_map", uids, err) < 0 || write_proc(pid, "gid_map", gids, err) < 0)
		return err_wrap(err, "user namespace mappings");
	return 0;
}

/* Joins the namespaces given by path whose flag is in ONLY and not in SKIP, the user namespace
 * first (it decides what the others allow). Every path is opened before any setns, because
 * joining a mount namespace changes what the later paths name. */
int ns_join_paths(const struct oci_spec *spec, int only, int skip, struct error **err)
{
	int fds[8], flags[8], n = 0, r = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < spec->n_namespaces; i++) {
			const struct oci_namespace *ns = &spec->namespaces[i];
			bool user = ns->flag == CLONE_NEWUSER;

			if (!ns->path || !(ns->flag & only) || (ns->flag & skip) || user != !pass)
				continue;
			fds[n] = open(ns->path, O_RDONLY | O_CLOEXEC);
			if (fds[n] < 0) {
				r = err_errno(err, "open %s namespace %s", oci_ns_name(ns->flag),
					      ns->path);
				goto out;
			}
			flags[n++] = ns->flag;
		}
	for (int i = 0; i < n; i++)
		if (setns(fds[i], flags[i]) < 0) {
			r = err_errno(err, "join %s namespace", oci_ns_name(flags[i]));
			break;
		}
out:
	while (n--)
		close(fds[n]);
	return r;
}

/* Makes our children's time namespace and sets its offsets, which the kernel allows only until
 * a process is in it: call right before the clone of the init. */
int ns_set_time_offsets(const struct oci_spec *spec, struct error **err)
{
	struct strbuf sb = STRBUF_INIT;
	int r = 0;

	if (unshare(CLONE_NEWTIME) < 0)
		return err_errno(err, "new time namespace");
	for (size_t i = 0; i < spec->n_time_offsets; i++)
		sb_printf(&sb, "%d %lld %u\n", spec->time_offsets[i].clock,
			  (long long)spec->time_offsets[i].secs, spec->time_offsets[i].nanosecs);
	if (sb.len)
		r = write_proc(getpid(), "timens_offsets", sb.buf, err);
	sb_release(&sb);
	return r < 0 ? err_wrap(err, "linux.timeOffsets") : 0;
}
