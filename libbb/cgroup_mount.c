/* The container's /sys/fs/cgroup, as runc builds it: cgroup2 itself on v2; on v1 and hybrid a
 * tmpfs, left read-write as runc leaves it, holding one mount per v1 hierarchy (named as on the
 * host: "cpu,cpuacct" with "cpu" and "cpuacct" symlinks beside it). A hybrid host's "unified"
 * cgroup2 is left out, as runc leaves it out. In a cgroup namespace each is a fresh mount, whose
 * root is the container's own cgroup; without one a fresh mount would show the host's whole
 * tree, so the container's directory is bind-mounted instead. */
#include "cgroup_internal.h"
#include <sys/mount.h>
#include <sys/stat.h>

static int mount_hierarchy(const struct cg_hier *h, const char *dst, unsigned long flags,
                           struct error **err)
{
	cleanup_free char *data = NULL;

	if (cg_self_at_root(h)) {
		/* a hierarchy with only name=... must say it wants no controllers */
		if (!h->v2)
			data = xasprintf(
			    "%s%s", strchr(h->ctrls, '=') && !strchr(h->ctrls, ',') ? "none," : "",
			    h->ctrls);
		if (mount("cgroup", dst, h->v2 ? "cgroup2" : "cgroup", flags, data) < 0)
			return err_errno(err, "cgroup: mount %s on %s",
			                 h->v2 ? "cgroup2" : h->ctrls, dst);
		return 0;
	}
	if (mount(h->dir, dst, NULL, MS_BIND, NULL) < 0)
		return err_errno(err, "cgroup: bind %s on %s", h->dir, dst);
	/* a bind mount takes its flags (read-only above all) only from a remount */
	if (flags && mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		return err_errno(err, "cgroup: remount %s", dst);
	return 0;
}

/* "cpu,cpuacct" is mounted as such; "cpu" and "cpuacct" point at it, as on the host. */
static int comount_links(const struct cg_hier *h, const char *target, const char *name,
                         struct error **err)
{
	if (!strchr(h->ctrls, ','))
		return 0;
	for (const char *p = h->ctrls; *p; p += strcspn(p, ","), p += *p == ',') {
		cleanup_free char *link = xasprintf("%s/%.*s", target, (int)strcspn(p, ","), p);

		if (STREQ(bb_basename(link), name) || strchr(bb_basename(link), '='))
			continue;
		if (symlink(name, link) < 0 && errno != EEXIST)
			return err_errno(err, "cgroup: symlink %s", link);
	}
	return 0;
}

static int mount_v1_tree(struct cgroup *cg, const char *target, unsigned long flags,
                         struct error **err)
{
	for (size_t i = 0; i < cg->nh; i++) {
		const struct cg_hier *h = &cg->h[i];
		const char *name = bb_basename(h->mnt);
		cleanup_free char *dst = NULL;

		if (h->v2)
			continue;
		dst = xasprintf("%s/%s", target, name);
		if (mkdir(dst, 0755) < 0 && errno != EEXIST)
			return err_errno(err, "cgroup: mkdir %s", dst);
		if (mount_hierarchy(h, dst, flags, err) < 0 ||
		    comount_links(h, target, name, err) < 0)
			return -EINVAL;
	}
	return 0;
}

int cgroup_mount(struct cgroup *cg, const char *target, unsigned long flags, struct error **err)
{
	int ret;

	if (cg->layout == CGROUP_NONE)
		return err_set(err, ENOENT, "cgroup: no cgroup hierarchy is mounted");
	for (size_t i = 0; cg->layout == CGROUP_V2 && i < cg->nh; i++)
		if (cg->h[i].v2)
			return mount_hierarchy(&cg->h[i], target, flags, err);
	if (mount("tmpfs", target, "tmpfs", flags & ~MS_RDONLY, "mode=755") < 0)
		return err_errno(err, "cgroup: mount tmpfs on %s", target);
	ret = mount_v1_tree(cg, target, flags, err);
	if (ret < 0) /* the tmpfs and everything under it: nothing half-made stays */
		umount2(target, MNT_DETACH);
	return ret;
}
