/* An OCI bundle's config.json (runtime-spec 1.x, Linux), parsed into what the runtime applies
 * itself (libbb/oci_spec.c, mount options in libbb/oci_mount_opts.c). The parts other modules own
 * (process attributes, resources, seccomp, devices, hooks) stay JSON subtrees for them to parse.
 * Every string points into the parsed tree, so the struct lives as long as it. */
#ifndef OCIBOX_OCI_SPEC_H
#define OCIBOX_OCI_SPEC_H

#include "libbb.h"
#include "json.h"

#define OCI_VERSION "1.2.0" /* what we implement: `state`, `features` */
/* What `spec` writes: the version the default config needs. crun 1.8 refuses "1.2.0" and
 * runc 1.1 writes "1.0.2-dev", so one bundle serves all three runtimes. */
#define OCI_SPEC_VERSION "1.1.0"

/* Recursive mount attributes (mount_setattr), the same bits as <linux/mount.h> MOUNT_ATTR_*. */
enum {
	OCI_ATTR_RDONLY = 0x1,
	OCI_ATTR_NOSUID = 0x2,
	OCI_ATTR_NODEV = 0x4,
	OCI_ATTR_NOEXEC = 0x8,
	OCI_ATTR_ATIME = 0x70, /* the atime field: */
	OCI_ATTR_RELATIME = 0x0,
	OCI_ATTR_NOATIME = 0x10,
	OCI_ATTR_STRICTATIME = 0x20,
	OCI_ATTR_NODIRATIME = 0x80,
	OCI_ATTR_IDMAP = 0x100000,
	OCI_ATTR_NOSYMFOLLOW = 0x200000,
};

enum {
	OCI_MNT_BIND = 1 << 0,      /* bind or rbind */
	OCI_MNT_REC = 1 << 1,       /* rbind */
	OCI_MNT_IDMAP = 1 << 2,     /* idmap: the mount's own or the user namespace's maps */
	OCI_MNT_REC_IDMAP = 1 << 3, /* ridmap */
	OCI_MNT_REMOUNT = 1 << 4,
};

struct oci_mount {
	const char *destination; /* absolute, inside the container */
	const char *type;        /* "" for a bind without a type */
	const char *source;      /* may be "" (tmpfs, proc) */
	unsigned long flags;     /* MS_* for mount(2) (MS_BIND, MS_REC, MS_RDONLY ...) */
	unsigned long clear;     /* MS_* an option cleared ("rw", "suid", "exec" ...) */
	unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC) */
	unsigned attr_set, attr_clr; /* OCI_ATTR_* applied recursively (rro, rnosuid ...) */
	unsigned kind;           /* OCI_MNT_* */
	char *data;              /* the options mount(2) does not know as flags, "," joined */
	struct oci_idmap *uid_map, *gid_map; /* mount's own uidMappings/gidMappings (idmap) */
	size_t n_uid_map, n_gid_map;
};

struct oci_idmap {
	uint32_t container_id, host_id, size;
};

struct oci_namespace {
	int flag;         /* CLONE_NEW* */
	const char *path; /* join this one instead of making one; NULL: new */
};

struct oci_sysctl {
	const char *key, *value;
};

struct oci_time_offset {
	int clock; /* CLOCK_MONOTONIC or CLOCK_BOOTTIME */
	int64_t secs;
	uint32_t nanosecs;
};

struct oci_spec {
	struct json *doc; /* owns every string below */
	const char *oci_version;
	const char *root_path; /* as written: relative to the bundle or absolute */
	bool root_readonly;

	/* process */
	const struct json *process; /* for caps.h's process_attrs_parse; NULL if absent */
	const char **args;          /* NULL-terminated; empty for a config without process */
	size_t n_args;
	const char **env; /* NULL-terminated */
	size_t n_env;
	const char *cwd;
	bool terminal;
	unsigned console_rows, console_cols;

	const char *hostname, *domainname; /* NULL: leave as is */
	struct oci_mount *mounts;
	size_t n_mounts;

	/* linux */
	const struct json *linux_section;
	struct oci_namespace namespaces[8];
	size_t n_namespaces;
	int clone_flags;  /* CLONE_NEW* made new (not joined) */
	int join_flags;   /* CLONE_NEW* joined by path */
	struct oci_idmap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	const char **masked_paths, **readonly_paths; /* NULL-terminated */
	size_t n_masked, n_readonly;
	unsigned long rootfs_propagation; /* MS_* | MS_REC; 0: default (rslave) */
	struct oci_sysctl *sysctls;
	size_t n_sysctls;
	const char *cgroups_path;
	struct oci_time_offset time_offsets[2];
	size_t n_time_offsets;

	/* subtrees other modules read; NULL when absent */
	const struct json *resources, *seccomp, *devices, *hooks, *annotations;
};

/* Parses and checks BUF. Errors name the field: "mounts[2].destination: must be absolute". */
int oci_spec_parse(const char *buf, size_t len, struct oci_spec *spec, struct error **err);
/* Reads BUNDLE/config.json (errors start with "config.json: "). */
int oci_spec_load(const char *bundle, struct oci_spec *spec, struct error **err);
void oci_spec_free(struct oci_spec *spec);

bool oci_spec_has_ns(const struct oci_spec *spec, int flag); /* new or joined */
const char *oci_ns_name(int flag);                           /* "pid", "network" ... */
int oci_ns_flag(const char *name);                           /* CLONE_NEW*, 0 if unknown */

/* Mount options (libbb/oci_mount_opts.c): applies OPT to M; false if it is not a flag, in which
 * case the caller appends it to M->data. */
bool oci_mount_option(struct oci_mount *m, const char *opt);
/* Every option the runtime knows, for `features` ("mountOptions"). */
void oci_mount_options_features(struct json_writer *w);

#endif
