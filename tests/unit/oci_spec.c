/* config.json parsing (include/oci_spec.h): a full runc-style config, the mount option table, and
 * hostile or broken configs, each refused with an error that names the field. */
#include "unit.h"
#include "oci_spec.h"
#include <sched.h>
#include <sys/mount.h>

static int parse(const char *text, struct oci_spec *s, char **msg)
{
	struct error *err = NULL;
	int r = oci_spec_parse(text, strlen(text), s, &err);

	*msg = NULL;
	if (r < 0)
		*msg = xstrdup(err && err->msg ? err->msg : "?");
	err_free(&err);
	return r;
}

/* Parses TEXT and checks that it fails with an error starting with WANT. */
#define CHECK_REFUSED(text, want)                                                                  \
	do {                                                                                       \
		struct oci_spec s_;                                                                \
		char *m_;                                                                          \
		CHECK(parse(text, &s_, &m_) < 0);                                                  \
		if (m_ && !str_has_prefix(m_, want))                                               \
			unit_fail(__FILE__, __LINE__, "error \"%s\", expected \"%s...\"", m_,      \
				  want);                                                           \
		free(m_);                                                                          \
		oci_spec_free(&s_);                                                                \
	} while (0)

#define HEAD "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
#define PROC "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}"

static const char full[] =
    "{\"ociVersion\":\"1.0.2-dev\","
    "\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\",\"-c\",\"x\"],"
    "\"env\":[\"PATH=/bin\",\"TERM=xterm\"],\"cwd\":\"/work\","
    "\"consoleSize\":{\"height\":24,\"width\":80}},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"hostname\":\"box\",\"domainname\":\"example\","
    "\"mounts\":["
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/data\",\"type\":\"none\",\"source\":\"/srv\","
    "\"options\":[\"rbind\",\"ro\",\"rprivate\",\"rnosuid\",\"rnoatime\"]},"
    "{\"destination\":\"/x\",\"source\":\"/srv/x\",\"options\":[\"bind\",\"rw\",\"exec\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/a\"},"
    "{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"ipc\"},{\"type\":\"user\"}],"
    "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
    "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
    "\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"],"
    "\"rootfsPropagation\":\"rshared\",\"cgroupsPath\":\"/ocibox/t\","
    "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"1000\"},"
    "\"resources\":{\"pids\":{\"limit\":10}},\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}},"
    "\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\"}]},"
    "\"annotations\":{\"a\":\"b\"}}";

TEST(full_config)
{
	struct oci_spec s;
	char *msg;

	CHECK_INT(parse(full, &s, &msg), 0);
	if (msg)
		unit_fail(__FILE__, __LINE__, "%s", msg);
	CHECK_STR(s.oci_version, "1.0.2-dev");
	CHECK_STR(s.root_path, "rootfs");
	CHECK(s.root_readonly);
	CHECK_INT(s.n_args, 3);
	CHECK_STR(s.args[2], "x");
	CHECK(s.args[3] == NULL);
	CHECK_INT(s.n_env, 2);
	CHECK_STR(s.cwd, "/work");
	CHECK(s.terminal);
	CHECK_INT(s.console_rows, 24);
	CHECK_INT(s.console_cols, 80);
	CHECK_STR(s.hostname, "box");
	CHECK_STR(s.domainname, "example");
	CHECK_INT(s.n_mounts, 4);
	CHECK_STR(s.mounts[0].type, "proc");
	CHECK_STR(s.mounts[1].data, "mode=755,size=65536k");
	CHECK_INT(s.mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
	CHECK_INT(s.mounts[2].kind, OCI_MNT_BIND | OCI_MNT_REC);
	CHECK_INT(s.mounts[2].flags, MS_RDONLY);
	CHECK_INT(s.mounts[2].propagation, MS_PRIVATE | MS_REC);
	CHECK_INT(s.mounts[2].attr_set, OCI_ATTR_NOSUID | OCI_ATTR_NOATIME);
	CHECK_INT(s.mounts[2].attr_clr, OCI_ATTR_ATIME);
	CHECK(s.mounts[2].data == NULL);
	CHECK_STR(s.mounts[3].type, "");
	CHECK_INT(s.mounts[3].kind, OCI_MNT_BIND);
	CHECK_INT(s.mounts[3].clear, MS_RDONLY | MS_NOEXEC);
	CHECK_INT(s.n_namespaces, 6);
	CHECK_INT(s.clone_flags, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
				     CLONE_NEWUSER);
	CHECK_INT(s.join_flags, CLONE_NEWNET);
	CHECK_STR(s.namespaces[1].path, "/run/netns/a");
	CHECK_INT(s.n_uid_maps, 1);
	CHECK_INT(s.uid_maps[0].host_id, 100000);
	CHECK_INT(s.gid_maps[0].size, 65536);
	CHECK_INT(s.n_masked, 1);
	CHECK_INT(s.n_readonly, 2);
	CHECK_STR(s.readonly_paths[1], "/proc/bus");
	CHECK_INT(s.rootfs_propagation, MS_SHARED | MS_REC);
	CHECK_INT(s.n_sysctls, 2);
	CHECK_STR(s.sysctls[0].key, "net.ipv4.ip_forward");
	CHECK_STR(s.cgroups_path, "/ocibox/t");
	CHECK(s.resources && s.seccomp && s.hooks && s.annotations);
	CHECK(s.devices == NULL);
	CHECK(s.process != NULL);
	oci_spec_free(&s);
}

TEST(minimal_config_without_process)
{
	struct oci_spec s;
	char *msg;

	CHECK_INT(parse(HEAD "\"mounts\":[]}", &s, &msg), 0);
	CHECK_INT(s.n_args, 0);
	CHECK(s.args && !s.args[0]);
	CHECK(s.masked_paths && !s.masked_paths[0]);
	CHECK(s.hostname == NULL);
	CHECK_INT(s.clone_flags, 0);
	oci_spec_free(&s);
}

TEST(mount_option_table)
{
	struct oci_mount m = {0};

	CHECK(oci_mount_option(&m, "ro"));
	CHECK(oci_mount_option(&m, "rw"));
	CHECK_INT(m.flags, 0);
	CHECK_INT(m.clear, MS_RDONLY);
	CHECK(oci_mount_option(&m, "rro"));
	CHECK(oci_mount_option(&m, "rrw"));
	CHECK_INT(m.attr_set, 0);
	CHECK_INT(m.attr_clr, OCI_ATTR_RDONLY);
	CHECK(oci_mount_option(&m, "runbindable"));
	CHECK_INT(m.propagation, MS_UNBINDABLE | MS_REC);
	CHECK(oci_mount_option(&m, "ridmap"));
	CHECK_INT(m.kind, OCI_MNT_IDMAP | OCI_MNT_REC_IDMAP);
	CHECK(!oci_mount_option(&m, "size=10m"));
	CHECK(!oci_mount_option(&m, "RO")); /* names are case-sensitive, as in runc */
	CHECK(oci_mount_option(&m, "nosymfollow"));
	CHECK(oci_mount_option(&m, "relatime"));
	CHECK_INT(m.flags, 256 | MS_RELATIME);
}

TEST(refused_with_the_field_named)
{
	CHECK_REFUSED("[]", "must be a JSON object");
	CHECK_REFUSED("{\"root\":{\"path\":\"r\"}}", "ociVersion: missing");
	CHECK_REFUSED("{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"r\"}}",
		      "ociVersion: unsupported version '2.0.0'");
	CHECK_REFUSED("{\"ociVersion\":1,\"root\":{\"path\":\"r\"}}",
		      "ociVersion: must be a string, not number");
	CHECK_REFUSED("{\"ociVersion\":\"1.0.0\"}", "root: missing");
	CHECK_REFUSED("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"\"}}", "root.path: missing");
	CHECK_REFUSED(HEAD "\"process\":{\"args\":[],\"cwd\":\"/\"}}", "process.args: must name");
	CHECK_REFUSED(HEAD "\"process\":{\"args\":[\"sh\",3],\"cwd\":\"/\"}}",
		      "process.args[1]: must be a string");
	CHECK_REFUSED(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"tmp\"}}",
		      "process.cwd: must be absolute");
	CHECK_REFUSED(HEAD "\"process\":{\"args\":[\"sh\"]}}", "process.cwd: missing");
	CHECK_REFUSED(HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"terminal\":\"yes\"}}",
		      "process.terminal: must be a boolean");
	CHECK_REFUSED(HEAD PROC ",\"mounts\":[{\"destination\":\"/a\"},{\"destination\":\"/b\"},"
			       "{\"destination\":\"c/d\"}]}",
		      "mounts[2].destination: must be absolute");
	CHECK_REFUSED(HEAD PROC ",\"mounts\":[{\"type\":\"tmpfs\"}]}",
		      "mounts[0].destination: missing");
	CHECK_REFUSED(HEAD PROC ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"bind\"]}]}",
		      "mounts[0].source: a bind mount needs a source");
	CHECK_REFUSED(HEAD PROC ",\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\","
			       "\"options\":[\"size=1m,uid=0\"]}]}",
		      "mounts[0].options[0]: 'size=1m,uid=0' holds a comma");
	CHECK_REFUSED(HEAD PROC ",\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\","
			       "\"options\":[\"idmap\"]}]}",
		      "mounts[0]: idmap works on bind mounts only");
	CHECK_REFUSED(HEAD PROC ",\"mounts\":{}}", "mounts: must be an array, not object");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}}",
		      "linux.namespaces[1]: the pid namespace is listed twice");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}",
		      "linux.namespaces[0].type: unknown namespace type 'bogus'");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"network\","
			       "\"path\":\"run/x\"}]}}",
		      "path: linux.namespaces[0]: must be absolute");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}}",
		      "linux.uidMappings: a new user namespace needs");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,"
			       "\"size\":1}]}}",
		      "linux.uidMappings: given without a new user namespace");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
			       "\"uidMappings\":[{\"containerID\":0,\"hostID\":-1,\"size\":1}]}}",
		      "linux.uidMappings[0].hostID: must be an integer");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
			       "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]}}",
		      "linux.uidMappings[0].size: must not be 0");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"maskedPaths\":[\"proc/kcore\"]}}",
		      "linux.maskedPaths[0]: must be absolute");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"rootfsPropagation\":\"ro\"}}",
		      "linux.rootfsPropagation: unknown propagation 'ro'");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}}",
		      "linux.sysctl.net.ipv4.ip_forward: needs a network namespace");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"network\"}],"
			       "\"sysctl\":{\"vm.swappiness\":\"1\"}}}",
		      "linux.sysctl.vm.swappiness: not in a namespace of the container");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"network\"}],"
			       "\"sysctl\":{\"net/../../kernel/x\":\"1\"}}}",
		      "linux.sysctl: bad key");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"network\"}],"
			       "\"sysctl\":{\"net.ipv4.ip_forward\":1}}}",
		      "linux.sysctl.net.ipv4.ip_forward: must be a string");
	CHECK_REFUSED(HEAD PROC ",\"hostname\":\"h\"}", "hostname: needs a uts namespace");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"timeOffsets\":{\"monotonic\":{\"secs\":1}}}}",
		      "linux.timeOffsets: needs a new time namespace");
	CHECK_REFUSED(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"time\"}],"
			       "\"timeOffsets\":{\"boottime\":{\"nanosecs\":1000000000}}}}",
		      "linux.timeOffsets.boottime.nanosecs: must be below");
	CHECK_REFUSED(HEAD PROC ",\"hooks\":[]}", "hooks: must be an object, not array");
	CHECK_REFUSED(HEAD PROC ",\"process\":{}}", "offset"); /* duplicate key: the parser's */
	CHECK_REFUSED(HEAD "\"process\":{\"args\":[\"sh\\u0000x\"],\"cwd\":\"/\"}}",
		      "process.args[0]: must be a string");
	CHECK_REFUSED("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}} x", "offset");
}

TEST(time_offsets_and_joined_namespaces)
{
	struct oci_spec s;
	char *msg;

	CHECK_INT(parse(HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"time\"},"
				  "{\"type\":\"ipc\",\"path\":\"/proc/1/ns/ipc\"},{\"type\":\"cgroup\","
				  "\"path\":\"\"}],\"timeOffsets\":{\"monotonic\":{\"secs\":-5},"
				  "\"boottime\":{\"secs\":86400,\"nanosecs\":7}}}}",
			&s, &msg),
		  0);
	if (msg)
		unit_fail(__FILE__, __LINE__, "%s", msg);
	CHECK_INT(s.n_time_offsets, 2);
	CHECK_INT(s.time_offsets[0].secs, -5);
	CHECK_INT(s.time_offsets[1].nanosecs, 7);
	CHECK_INT(s.join_flags, CLONE_NEWIPC);
	CHECK(oci_spec_has_ns(&s, CLONE_NEWCGROUP)); /* an empty path makes a new one */
	CHECK_STR(oci_ns_name(CLONE_NEWNET), "network");
	CHECK_INT(oci_ns_flag("mount"), CLONE_NEWNS);
	oci_spec_free(&s);
}
