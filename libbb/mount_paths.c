/* The last steps of a container's root, after pivot_root: sysctls (through the container's own
 * /proc), linux.readonlyPaths, linux.maskedPaths and root.readonly. Masking mounts by fd onto
 * the fd it checked, and binds only a /dev/null that is the null device: a container that swaps
 * /dev/null or a masked path for a symlink gets an error, never a host path masked or exposed. */
#include "runtime.h"
#include "path.h"
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

#define FSCONFIG_SET_FLAG_ 0
#define FSCONFIG_CMD_CREATE_ 6

static int write_sysctls(const struct oci_spec *spec, struct error **err)
{
	for (size_t i = 0; i < spec->n_sysctls; i++) {
		cleanup_free char *path = xasprintf("/proc/sys/%s", spec->sysctls[i].key);
		cleanup_close int fd = -1;

		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || write_all(fd, spec->sysctls[i].value, strlen(spec->sysctls[i].value)) <
				  0)
			return err_errno(err, "sysctl %s", spec->sysctls[i].key);
	}
	return 0;
}

static int readonly_path(int rootfd, const char *path, struct error **err)
{
	cleanup_close int tfd = mount_resolve_in_root(rootfd, path, 0, err);
	cleanup_close int mfd = -1;

	/* a path the container lacks needs no protection, and runc skips it too */
	if (tfd == -ENOENT) {
		err_free(err);
		return 0;
	}
	if (tfd < 0) /* anything else would leave a path writable without a word */
		return err_wrap(err, "readonlyPaths %s", path);
	if (mount_bind_fd(tfd, tfd, true, &mfd, err) < 0)
		return err_wrap(err, "readonlyPaths %s", path);
	if (mfd < 0 && (mfd = mount_resolve_in_root(rootfd, path, 0, err)) < 0)
		return -1;
	/* only ro is added: the mount keeps its own flags, as runc's remount does ("proc ro") */
	if (mount_setattr_fd(mfd, OCI_ATTR_RDONLY, 0, 0, true, err) < 0)
		return err_wrap(err, "readonlyPaths %s", path);
	return 0;
}

/* A read-only empty tmpfs over a directory; fsopen where the kernel has it. */
static int mask_dir(int tfd, struct error **err)
{
	char p[32];
	int fs = syscall(SYS_fsopen, "tmpfs", 1 /* FSOPEN_CLOEXEC */);

	if (fs >= 0) {
		int m = -1, r = -1;
		if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG_, "ro", NULL, 0) == 0 &&
		    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE_, NULL, NULL, 0) == 0 &&
		    (m = syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, OCI_ATTR_RDONLY)) >= 0)
			r = syscall(SYS_move_mount, m, "", tfd, "", 0x4 | 0x40);
		if (r < 0)
			err_errno(err, "tmpfs");
		if (m >= 0)
			close(m);
		close(fs);
		return r < 0 ? -1 : 0;
	}
	if (mount("tmpfs", fd_path(p, tfd), "tmpfs", MS_RDONLY, NULL) < 0)
		return err_errno(err, "tmpfs");
	return 0;
}

static int mask_path(int rootfd, int nullfd, const char *path, struct error **err)
{
	cleanup_close int tfd = mount_resolve_in_root(rootfd, path, 0, NULL);
	struct stat st;

	if (tfd < 0 || fstat(tfd, &st) < 0)
		return 0; /* nothing there to hide */
	if (S_ISDIR(st.st_mode)) {
		if (mask_dir(tfd, err) < 0)
			return err_wrap(err, "maskedPaths %s", path);
		return 0;
	}
	if (mount_bind_fd(nullfd, tfd, false, NULL, err) < 0)
		return err_wrap(err, "maskedPaths %s", path);
	return 0;
}

/* /dev/null as the container has it, checked to be the real null device. */
static int open_null(int rootfd, struct error **err)
{
	const char *last;
	cleanup_close int dir = path_open_parent_in_root(rootfd, "/dev/null", 0, &last, err);
	int fd;
	struct stat st;

	if (dir < 0)
		return err_wrap(err, "maskedPaths");
	fd = openat(dir, last, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno(err, "maskedPaths: /dev/null");
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(fd);
		return err_set(err, EPERM, "maskedPaths: /dev/null is not the null device");
	}
	return fd;
}

int rootfs_finalize(struct rootfs_ctx *ctx, struct error **err)
{
	const struct oci_spec *spec = ctx->spec;

	if (write_sysctls(spec, err) < 0)
		return -1;
	for (size_t i = 0; i < spec->n_readonly; i++)
		if (readonly_path(ctx->rootfd, spec->readonly_paths[i], err) < 0)
			return -1;
	if (spec->n_masked) {
		cleanup_close int nullfd = open_null(ctx->rootfd, err);

		if (nullfd < 0)
			return -1;
		for (size_t i = 0; i < spec->n_masked; i++)
			if (mask_path(ctx->rootfd, nullfd, spec->masked_paths[i], err) < 0)
				return -1;
	}
	if (spec->root_readonly && mount_setattr_fd(ctx->rootfd, OCI_ATTR_RDONLY, 0, 0, false,
						    err) < 0)
		return err_wrap(err, "root.readonly");
	return 0;
}
