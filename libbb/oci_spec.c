/* config.json into struct oci_spec: every field checked for its type where it is read, so an error
 * names the field ("mounts[2].destination: must be absolute") instead of failing later inside
 * the container where it is hard to report. */
#include "oci_spec.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <time.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define CONFIG_MAX_SIZE ((size_t)4 << 20)

static const struct {
	char name[8];
	int flag;
} ns_names[] = {
    {"pid", CLONE_NEWPID},       {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
    {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

int oci_ns_flag(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++)
		if (STREQ(ns_names[i].name, name))
			return ns_names[i].flag;
	return 0;
}

const char *oci_ns_name(int flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++)
		if (ns_names[i].flag == flag)
			return ns_names[i].name;
	return "?";
}

bool oci_spec_has_ns(const struct oci_spec *spec, int flag)
{
	return ((spec->clone_flags | spec->join_flags) & flag) != 0;
}

/* ---- typed getters: absent is fine (NULL/false), the wrong type is an error ---- */

static int field_type(const struct json *obj, const char *key, const char *where,
		      enum json_type want, const struct json **out, struct error **err)
{
	const struct json *v = json_get(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (v->type != want && !(want == JSON_TRUE && v->type == JSON_FALSE))
		return err_set(err, 0, "%s%s%s: must be %s, not %s", where, *where ? "." : "", key,
			       want == JSON_TRUE ? "a boolean"
			       : want == JSON_STRING ? "a string"
			       : want == JSON_ARRAY  ? "an array"
			       : want == JSON_OBJECT ? "an object"
						     : "a number",
			       json_type_name(v->type));
	*out = v;
	return 0;
}

static int get_str(const struct json *obj, const char *key, const char *where, const char **out,
		   struct error **err)
{
	const struct json *v;
	int r = field_type(obj, key, where, JSON_STRING, &v, err);

	*out = NULL;
	if (r < 0 || !v)
		return r;
	if (v->flags & JSON_HAS_NUL)
		return err_set(err, 0, "%s.%s: holds a NUL byte", where, key);
	*out = v->str;
	return 0;
}

static int get_bool(const struct json *obj, const char *key, const char *where, bool *out,
		    struct error **err)
{
	const struct json *v;
	int r = field_type(obj, key, where, JSON_TRUE, &v, err);

	*out = v && v->type == JSON_TRUE;
	return r;
}

static int get_u32(const struct json *obj, const char *key, const char *where, uint32_t *out,
		   bool required, struct error **err)
{
	const struct json *v;
	uint64_t u;
	int r = field_type(obj, key, where, JSON_NUMBER, &v, err);

	if (r < 0)
		return r;
	if (!v) {
		*out = 0;
		return required ? err_set(err, 0, "%s.%s: missing", where, key) : 0;
	}
	if (!json_u64(v, &u) || u > UINT32_MAX)
		return err_set(err, 0, "%s.%s: must be an integer from 0 to 4294967295", where,
			       key);
	*out = u;
	return 0;
}

/* An array of strings into a NULL-terminated vector of pointers into the tree. */
static int get_strv(const struct json *obj, const char *key, const char *where,
		    const char ***out, size_t *n, struct error **err)
{
	const struct json *v;
	int r = field_type(obj, key, where, JSON_ARRAY, &v, err);
	size_t len = v ? json_len(v) : 0;

	*out = xreallocarray(NULL, len + 1, sizeof(char *));
	*n = 0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++) {
		const struct json *s = json_at(v, i);
		if (s->type != JSON_STRING || (s->flags & JSON_HAS_NUL))
			return err_set(err, 0, "%s.%s[%zu]: must be a string", where, key, i);
		(*out)[(*n)++] = s->str;
	}
	(*out)[*n] = NULL;
	return 0;
}

static int get_idmaps(const struct json *obj, const char *key, const char *where,
		      struct oci_idmap **out, size_t *n, struct error **err)
{
	const struct json *v;
	int r = field_type(obj, key, where, JSON_ARRAY, &v, err);
	size_t len = v ? json_len(v) : 0;

	*out = NULL;
	*n = 0;
	if (r < 0 || !len)
		return r;
	*out = xreallocarray(NULL, len, sizeof(**out));
	for (size_t i = 0; i < len; i++) {
		const struct json *m = json_at(v, i);
		struct oci_idmap *im = &(*out)[i];
		char at[64];

		snprintf(at, sizeof(at), "%s%s%s[%zu]", where, *where ? "." : "", key, i);
		if (m->type != JSON_OBJECT)
			return err_set(err, 0, "%s: must be an object", at);
		if (get_u32(m, "containerID", at, &im->container_id, true, err) < 0 ||
		    get_u32(m, "hostID", at, &im->host_id, true, err) < 0 ||
		    get_u32(m, "size", at, &im->size, true, err) < 0)
			return -1;
		if (!im->size)
			return err_set(err, 0, "%s.size: must not be 0", at);
		*n = i + 1;
	}
	return 0;
}

static int check_abs(const char *path, const char *what, struct error **err)
{
	if (path && path[0] != '/')
		return err_set(err, 0, "%s: must be absolute", what);
	return 0;
}

/* ---- sections ---- */

static int parse_process(const struct json *p, struct oci_spec *s, struct error **err)
{
	const struct json *cs;

	s->process = p;
	if (get_strv(p, "args", "process", &s->args, &s->n_args, err) < 0 ||
	    get_strv(p, "env", "process", &s->env, &s->n_env, err) < 0 ||
	    get_str(p, "cwd", "process", &s->cwd, err) < 0 ||
	    get_bool(p, "terminal", "process", &s->terminal, err) < 0 ||
	    field_type(p, "consoleSize", "process", JSON_OBJECT, &cs, err) < 0)
		return -1;
	if (!s->n_args)
		return err_set(err, 0, "process.args: must name the program to run");
	if (!s->cwd)
		return err_set(err, 0, "process.cwd: missing");
	if (check_abs(s->cwd, "process.cwd", err) < 0)
		return -1;
	if (cs && (get_u32(cs, "height", "process.consoleSize", &s->console_rows, false, err) < 0 ||
		   get_u32(cs, "width", "process.consoleSize", &s->console_cols, false, err) < 0))
		return -1;
	return 0;
}

static int parse_mount(const struct json *m, struct oci_mount *om, const char *at,
		       struct error **err)
{
	const struct json *opts;
	struct strbuf data = STRBUF_INIT;

	if (m->type != JSON_OBJECT)
		return err_set(err, 0, "%s: must be an object", at);
	if (get_str(m, "destination", at, &om->destination, err) < 0 ||
	    get_str(m, "type", at, &om->type, err) < 0 ||
	    get_str(m, "source", at, &om->source, err) < 0 ||
	    field_type(m, "options", at, JSON_ARRAY, &opts, err) < 0)
		return -1;
	if (!om->destination)
		return err_set(err, 0, "%s.destination: missing", at);
	if (om->destination[0] != '/')
		return err_set(err, 0, "%s.destination: must be absolute", at);
	if (!om->type)
		om->type = "";
	if (!om->source)
		om->source = "";
	for (size_t i = 0; opts && i < json_len(opts); i++) {
		const struct json *o = json_at(opts, i);
		if (o->type != JSON_STRING || (o->flags & JSON_HAS_NUL)) {
			sb_release(&data);
			return err_set(err, 0, "%s.options[%zu]: must be a string", at, i);
		}
		if (oci_mount_option(om, o->str))
			continue;
		if (strchr(o->str, ',')) { /* would smuggle more options into the data string */
			sb_release(&data);
			return err_set(err, 0, "%s.options[%zu]: '%s' holds a comma", at, i, o->str);
		}
		if (data.len)
			sb_addc(&data, ',');
		sb_adds(&data, o->str);
	}
	om->data = data.len ? sb_steal(&data) : NULL;
	if (STREQ(om->type, "bind"))
		om->kind |= OCI_MNT_BIND;
	if ((om->kind & OCI_MNT_BIND) && !*om->source)
		return err_set(err, 0, "%s.source: a bind mount needs a source", at);
	if (get_idmaps(m, "uidMappings", at, &om->uid_map, &om->n_uid_map, err) < 0 ||
	    get_idmaps(m, "gidMappings", at, &om->gid_map, &om->n_gid_map, err) < 0)
		return -1;
	if ((om->n_uid_map || om->n_gid_map) && !(om->kind & OCI_MNT_IDMAP))
		return err_set(err, 0, "%s: uidMappings/gidMappings need the idmap option", at);
	if ((om->kind & OCI_MNT_IDMAP) && !(om->kind & OCI_MNT_BIND))
		return err_set(err, 0, "%s: idmap works on bind mounts only", at);
	return 0;
}

static int parse_mounts(const struct json *root, struct oci_spec *s, struct error **err)
{
	const struct json *v;

	if (field_type(root, "mounts", "", JSON_ARRAY, &v, err) < 0)
		return -1;
	if (!v)
		return 0;
	s->mounts = xzalloc((json_len(v) + 1) * sizeof(*s->mounts));
	for (size_t i = 0; i < json_len(v); i++) {
		char at[32];

		snprintf(at, sizeof(at), "mounts[%zu]", i);
		s->n_mounts = i + 1;
		if (parse_mount(json_at(v, i), &s->mounts[i], at, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_namespaces(const struct json *l, struct oci_spec *s, struct error **err)
{
	const struct json *v;

	if (field_type(l, "namespaces", "linux", JSON_ARRAY, &v, err) < 0)
		return -1;
	if (!v)
		return 0;
	for (size_t i = 0; i < json_len(v); i++) {
		const struct json *n = json_at(v, i);
		const char *type, *path;
		char at[48];
		int flag;

		snprintf(at, sizeof(at), "linux.namespaces[%zu]", i);
		if (n->type != JSON_OBJECT)
			return err_set(err, 0, "%s: must be an object", at);
		if (get_str(n, "type", at, &type, err) < 0 || get_str(n, "path", at, &path, err) < 0)
			return -1;
		if (!type)
			return err_set(err, 0, "%s.type: missing", at);
		flag = oci_ns_flag(type);
		if (!flag)
			return err_set(err, 0, "%s.type: unknown namespace type '%s'", at, type);
		if (oci_spec_has_ns(s, flag))
			return err_set(err, 0, "%s: the %s namespace is listed twice", at, type);
		if (path && !*path)
			path = NULL;
		if (check_abs(path, at, err) < 0)
			return err_wrap(err, "path");
		if (path && flag == CLONE_NEWTIME)
			return err_set(err, 0, "%s.path: joining a time namespace is not supported", at);
		s->namespaces[s->n_namespaces].flag = flag;
		s->namespaces[s->n_namespaces++].path = path;
		if (path)
			s->join_flags |= flag;
		else
			s->clone_flags |= flag;
	}
	return 0;
}

static int parse_propagation(const struct json *l, struct oci_spec *s, struct error **err)
{
	struct oci_mount m = {0};
	const char *p;

	if (get_str(l, "rootfsPropagation", "linux", &p, err) < 0)
		return -1;
	if (!p)
		return 0;
	if (!oci_mount_option(&m, p) || !m.propagation)
		return err_set(err, 0, "linux.rootfsPropagation: unknown propagation '%s'", p);
	s->rootfs_propagation = m.propagation;
	return 0;
}

static int parse_sysctl(const struct json *l, struct oci_spec *s, struct error **err)
{
	const struct json *v;

	if (field_type(l, "sysctl", "linux", JSON_OBJECT, &v, err) < 0)
		return -1;
	if (!v)
		return 0;
	s->sysctls = xreallocarray(NULL, json_len(v) + 1, sizeof(*s->sysctls));
	for (size_t i = 0; i < json_len(v); i++) {
		const struct json_member *m = json_member_at(v, i);

		if (m->val.type != JSON_STRING || (m->val.flags & JSON_HAS_NUL))
			return err_set(err, 0, "linux.sysctl.%s: must be a string", m->key);
		if (!*m->key || strlen(m->key) != m->key_len || strstr(m->key, "..") ||
		    strchr(m->key, '/') || m->key[0] == '.')
			return err_set(err, 0, "linux.sysctl: bad key '%s'", m->key);
		s->sysctls[s->n_sysctls].key = m->key;
		s->sysctls[s->n_sysctls++].value = m->val.str;
	}
	return 0;
}

static int parse_time_offsets(const struct json *l, struct oci_spec *s, struct error **err)
{
	static const struct {
		const char *name;
		int clock;
	} clocks[] = {{"monotonic", CLOCK_MONOTONIC}, {"boottime", CLOCK_BOOTTIME}};
	const struct json *v;

	if (field_type(l, "timeOffsets", "linux", JSON_OBJECT, &v, err) < 0)
		return -1;
	if (!v)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
		const struct json *c = json_get(v, clocks[i].name);
		struct oci_time_offset *t = &s->time_offsets[s->n_time_offsets];
		char at[40];

		if (!c)
			continue;
		snprintf(at, sizeof(at), "linux.timeOffsets.%s", clocks[i].name);
		if (c->type != JSON_OBJECT)
			return err_set(err, 0, "%s: must be an object", at);
		t->clock = clocks[i].clock;
		if (json_get(c, "secs") && !json_get_i64(c, "secs", &t->secs))
			return err_set(err, 0, "%s.secs: must be an integer", at);
		if (get_u32(c, "nanosecs", at, &t->nanosecs, false, err) < 0)
			return -1;
		if (t->nanosecs >= 1000000000)
			return err_set(err, 0, "%s.nanosecs: must be below 1000000000", at);
		s->n_time_offsets++;
	}
	if (s->n_time_offsets && !(s->clone_flags & CLONE_NEWTIME))
		return err_set(err, 0, "linux.timeOffsets: needs a new time namespace");
	return 0;
}

static int parse_linux(const struct json *l, struct oci_spec *s, struct error **err)
{
	const struct json *obj;

	s->linux_section = l;
	if (parse_namespaces(l, s, err) < 0 ||
	    get_idmaps(l, "uidMappings", "linux", &s->uid_maps, &s->n_uid_maps, err) < 0 ||
	    get_idmaps(l, "gidMappings", "linux", &s->gid_maps, &s->n_gid_maps, err) < 0 ||
	    get_strv(l, "maskedPaths", "linux", &s->masked_paths, &s->n_masked, err) < 0 ||
	    get_strv(l, "readonlyPaths", "linux", &s->readonly_paths, &s->n_readonly, err) < 0 ||
	    parse_propagation(l, s, err) < 0 || parse_sysctl(l, s, err) < 0 ||
	    parse_time_offsets(l, s, err) < 0 ||
	    get_str(l, "cgroupsPath", "linux", &s->cgroups_path, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n_masked; i++)
		if (s->masked_paths[i][0] != '/')
			return err_set(err, 0, "linux.maskedPaths[%zu]: must be absolute", i);
	for (size_t i = 0; i < s->n_readonly; i++)
		if (s->readonly_paths[i][0] != '/')
			return err_set(err, 0, "linux.readonlyPaths[%zu]: must be absolute", i);
	if (field_type(l, "resources", "linux", JSON_OBJECT, &obj, err) < 0)
		return -1;
	s->resources = obj;
	if (field_type(l, "seccomp", "linux", JSON_OBJECT, &obj, err) < 0)
		return -1;
	s->seccomp = obj;
	if (field_type(l, "devices", "linux", JSON_ARRAY, &obj, err) < 0)
		return -1;
	s->devices = obj;
	return 0;
}

/* runtime-spec config-linux.md: a sysctl must belong to a namespace the container has. */
static int check_sysctls(const struct oci_spec *s, struct error **err)
{
	static const char *const ipc_keys[] = {
	    "kernel.msgmax", "kernel.msgmnb",  "kernel.msgmni", "kernel.sem",
	    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};

	for (size_t i = 0; i < s->n_sysctls; i++) {
		const char *k = s->sysctls[i].key;
		int need = 0;

		for (size_t j = 0; j < ARRAY_SIZE(ipc_keys); j++)
			if (STREQ(k, ipc_keys[j]))
				need = CLONE_NEWIPC;
		if (str_has_prefix(k, "fs.mqueue."))
			need = CLONE_NEWIPC;
		else if (str_has_prefix(k, "net."))
			need = CLONE_NEWNET;
		else if (STREQ(k, "kernel.hostname") || STREQ(k, "kernel.domainname"))
			need = CLONE_NEWUTS;
		if (!need)
			return err_set(err, 0, "linux.sysctl.%s: not in a namespace of the container",
				       k);
		if (!oci_spec_has_ns(s, need))
			return err_set(err, 0, "linux.sysctl.%s: needs a %s namespace", k,
				       oci_ns_name(need));
	}
	return 0;
}

static int check_spec(const struct oci_spec *s, struct error **err)
{
	bool userns = oci_spec_has_ns(s, CLONE_NEWUSER);

	if ((s->n_uid_maps || s->n_gid_maps) && !(s->clone_flags & CLONE_NEWUSER))
		return err_set(err, 0, "linux.uidMappings: given without a new user namespace");
	if ((s->clone_flags & CLONE_NEWUSER) && (!s->n_uid_maps || !s->n_gid_maps))
		return err_set(err, 0, "linux.uidMappings: a new user namespace needs uid and gid "
				       "mappings");
	if ((s->hostname || s->domainname) && !oci_spec_has_ns(s, CLONE_NEWUTS))
		return err_set(err, 0, "%s: needs a uts namespace",
			       s->hostname ? "hostname" : "domainname");
	for (size_t i = 0; i < s->n_mounts; i++)
		if ((s->mounts[i].kind & OCI_MNT_IDMAP) && !userns && !s->mounts[i].n_uid_map)
			return err_set(err, 0, "mounts[%zu]: idmap needs mappings or a user "
					       "namespace", i);
	return check_sysctls(s, err);
}

int oci_spec_parse(const char *buf, size_t len, struct oci_spec *s, struct error **err)
{
	struct json_limits lim = {0, CONFIG_MAX_SIZE};
	const struct json *root, *v;

	memset(s, 0, sizeof(*s));
	s->doc = json_parse(buf, len, &lim, err);
	if (!s->doc)
		return -1;
	root = s->doc;
	if (root->type != JSON_OBJECT)
		return err_set(err, 0, "must be a JSON object");
	if (get_str(root, "ociVersion", "", &s->oci_version, err) < 0)
		return -1;
	if (!s->oci_version)
		return err_set(err, 0, "ociVersion: missing");
	if (!str_has_prefix(s->oci_version, "1."))
		return err_set(err, 0, "ociVersion: unsupported version '%s' (want 1.x)",
			       s->oci_version);
	if (field_type(root, "root", "", JSON_OBJECT, &v, err) < 0)
		return -1;
	if (!v)
		return err_set(err, 0, "root: missing");
	if (get_str(v, "path", "root", &s->root_path, err) < 0 ||
	    get_bool(v, "readonly", "root", &s->root_readonly, err) < 0)
		return -1;
	if (!s->root_path || !*s->root_path)
		return err_set(err, 0, "root.path: missing");
	if (field_type(root, "process", "", JSON_OBJECT, &v, err) < 0)
		return -1;
	if (v && parse_process(v, s, err) < 0)
		return -1;
	if (!v) {
		s->args = xzalloc(sizeof(char *));
		s->env = xzalloc(sizeof(char *));
	}
	if (get_str(root, "hostname", "", &s->hostname, err) < 0 ||
	    get_str(root, "domainname", "", &s->domainname, err) < 0 ||
	    parse_mounts(root, s, err) < 0)
		return -1;
	if (field_type(root, "linux", "", JSON_OBJECT, &v, err) < 0)
		return -1;
	if (v && parse_linux(v, s, err) < 0)
		return -1;
	if (!s->masked_paths) {
		s->masked_paths = xzalloc(sizeof(char *));
		s->readonly_paths = xzalloc(sizeof(char *));
	}
	if (field_type(root, "hooks", "", JSON_OBJECT, &v, err) < 0)
		return -1;
	s->hooks = v;
	if (field_type(root, "annotations", "", JSON_OBJECT, &v, err) < 0)
		return -1;
	s->annotations = v;
	return check_spec(s, err);
}

int oci_spec_load(const char *bundle, struct oci_spec *s, struct error **err)
{
	cleanup_free char *path = xasprintf("%s/config.json", bundle);
	cleanup_free char *buf = NULL;
	size_t len;
	int r;

	memset(s, 0, sizeof(*s));
	buf = read_file_at(AT_FDCWD, path, CONFIG_MAX_SIZE, &len);
	if (!buf)
		return err_errno(err, "config.json: open %s", path);
	r = oci_spec_parse(buf, len, s, err);
	if (r < 0)
		err_wrap(err, "config.json");
	return r;
}

void oci_spec_free(struct oci_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].data);
		free(s->mounts[i].uid_map);
		free(s->mounts[i].gid_map);
	}
	free(s->mounts);
	free(s->args);
	free(s->env);
	free(s->uid_maps);
	free(s->gid_maps);
	free(s->masked_paths);
	free(s->readonly_paths);
	free(s->sysctls);
	json_free(s->doc);
	memset(s, 0, sizeof(*s));
}
