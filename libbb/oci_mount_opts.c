/* config.json mount options as data: runtime-spec config.md "Mounts" and config-linux.md's
 * recursive and idmap options, each mapped to what mount(2) or mount_setattr(2) takes. */
#include "oci_spec.h"
#include <sys/mount.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

enum opt_kind {
	SET,      /* MS_* on */
	CLEAR,    /* MS_* off */
	PROPAGATE,
	ATTR_SET, /* recursive attribute on */
	ATTR_CLR, /* recursive attribute off */
	ATIME,    /* recursive atime mode: clears the whole field, sets the value */
	KIND,     /* OCI_MNT_* */
};

struct mount_opt {
	char name[16];
	unsigned char kind;
	unsigned long value;
};

static const struct mount_opt mount_opts[] = {
	{"defaults", SET, 0},
	{"ro", SET, MS_RDONLY},
	{"rw", CLEAR, MS_RDONLY},
	{"nosuid", SET, MS_NOSUID},
	{"suid", CLEAR, MS_NOSUID},
	{"nodev", SET, MS_NODEV},
	{"dev", CLEAR, MS_NODEV},
	{"noexec", SET, MS_NOEXEC},
	{"exec", CLEAR, MS_NOEXEC},
	{"sync", SET, MS_SYNCHRONOUS},
	{"async", CLEAR, MS_SYNCHRONOUS},
	{"dirsync", SET, MS_DIRSYNC},
	{"remount", KIND, OCI_MNT_REMOUNT},
	{"mand", SET, MS_MANDLOCK},
	{"nomand", CLEAR, MS_MANDLOCK},
	{"noatime", SET, MS_NOATIME},
	{"atime", CLEAR, MS_NOATIME},
	{"nodiratime", SET, MS_NODIRATIME},
	{"diratime", CLEAR, MS_NODIRATIME},
	{"relatime", SET, MS_RELATIME},
	{"norelatime", CLEAR, MS_RELATIME},
	{"strictatime", SET, MS_STRICTATIME},
	{"nostrictatime", CLEAR, MS_STRICTATIME},
	{"lazytime", SET, MS_LAZYTIME},
	{"nolazytime", CLEAR, MS_LAZYTIME},
	{"nosymfollow", SET, MS_NOSYMFOLLOW},
	{"symfollow", CLEAR, MS_NOSYMFOLLOW},
	{"bind", KIND, OCI_MNT_BIND},
	{"rbind", KIND, OCI_MNT_BIND | OCI_MNT_REC},
	{"private", PROPAGATE, MS_PRIVATE},
	{"rprivate", PROPAGATE, MS_PRIVATE | MS_REC},
	{"shared", PROPAGATE, MS_SHARED},
	{"rshared", PROPAGATE, MS_SHARED | MS_REC},
	{"slave", PROPAGATE, MS_SLAVE},
	{"rslave", PROPAGATE, MS_SLAVE | MS_REC},
	{"unbindable", PROPAGATE, MS_UNBINDABLE},
	{"runbindable", PROPAGATE, MS_UNBINDABLE | MS_REC},
	{"rro", ATTR_SET, OCI_ATTR_RDONLY},
	{"rrw", ATTR_CLR, OCI_ATTR_RDONLY},
	{"rnosuid", ATTR_SET, OCI_ATTR_NOSUID},
	{"rsuid", ATTR_CLR, OCI_ATTR_NOSUID},
	{"rnodev", ATTR_SET, OCI_ATTR_NODEV},
	{"rdev", ATTR_CLR, OCI_ATTR_NODEV},
	{"rnoexec", ATTR_SET, OCI_ATTR_NOEXEC},
	{"rexec", ATTR_CLR, OCI_ATTR_NOEXEC},
	{"rnodiratime", ATTR_SET, OCI_ATTR_NODIRATIME},
	{"rdiratime", ATTR_CLR, OCI_ATTR_NODIRATIME},
	{"rnosymfollow", ATTR_SET, OCI_ATTR_NOSYMFOLLOW},
	{"rsymfollow", ATTR_CLR, OCI_ATTR_NOSYMFOLLOW},
	{"rrelatime", ATIME, OCI_ATTR_RELATIME},
	{"rnorelatime", ATIME, OCI_ATTR_STRICTATIME}, /* runc: norelatime means strictatime */
	{"rnoatime", ATIME, OCI_ATTR_NOATIME},
	{"ratime", ATIME, OCI_ATTR_RELATIME},
	{"rstrictatime", ATIME, OCI_ATTR_STRICTATIME},
	{"idmap", KIND, OCI_MNT_IDMAP},
	{"ridmap", KIND, OCI_MNT_IDMAP | OCI_MNT_REC_IDMAP},
};

bool oci_mount_option(struct oci_mount *m, const char *opt)
{
	const struct mount_opt *o = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(mount_opts); i++)
		if (STREQ(mount_opts[i].name, opt)) {
			o = &mount_opts[i];
			break;
		}
	if (!o)
		return false;
	switch (o->kind) {
	case SET:
		m->flags |= o->value;
		m->clear &= ~o->value;
		break;
	case CLEAR:
		m->flags &= ~o->value;
		m->clear |= o->value;
		break;
	case PROPAGATE:
		m->propagation = o->value;
		break;
	case ATTR_SET:
		m->attr_set |= o->value;
		m->attr_clr &= ~o->value;
		break;
	case ATTR_CLR:
		m->attr_clr |= o->value;
		m->attr_set &= ~o->value;
		break;
	case ATIME:
		m->attr_clr |= OCI_ATTR_ATIME;
		m->attr_set = (m->attr_set & ~OCI_ATTR_ATIME) | o->value;
		break;
	case KIND:
		m->kind |= o->value;
		break;
	}
	return true;
}

void oci_mount_options_features(struct json_writer *w)
{
	jw_array_begin(w);
	for (size_t i = 1; i < ARRAY_SIZE(mount_opts); i++) /* not "defaults" */
		jw_string(w, mount_opts[i].name);
	jw_array_end(w);
}
