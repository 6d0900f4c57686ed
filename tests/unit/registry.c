/* libbb registry: references (Docker's normalisation, distribution's grammar, hostile input),
 * WWW-Authenticate challenges, token answers, config credentials and mirrors, manifests and the
 * platform choice of an index. */
#include "unit.h"
#include "registry.h"
#include <fcntl.h>
#include <sys/stat.h>

static void ref_is(const char *in, const char *want)
{
	struct image_ref r;
	struct error *err = NULL;

	if (image_ref_parse(in, &r, &err) < 0) {
		unit_fail(__FILE__, __LINE__, "%s: %s", in, err->msg);
		err_free(&err);
		return;
	}
	char *s = image_ref_string(&r);
	if (strcmp(s, want))
		unit_fail(__FILE__, __LINE__, "%s -> %s, expected %s", in, s, want);
	free(s);
	image_ref_release(&r);
}

static void ref_bad(const char *in, const char *why)
{
	struct image_ref r;
	struct error *err = NULL;

	if (image_ref_parse(in, &r, &err) == 0) {
		unit_fail(__FILE__, __LINE__, "%s accepted", in);
		image_ref_release(&r);
		return;
	}
	if (why && !strstr(err->msg, why))
		unit_fail(__FILE__, __LINE__, "%s: \"%s\" does not say \"%s\"", in, err->msg, why);
	err_free(&err);
}

#define D64 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

TEST(ref_normalise)
{
	ref_is("busybox", "docker.io/library/busybox:latest");
	ref_is("busybox:1.36", "docker.io/library/busybox:1.36");
	ref_is("library/busybox", "docker.io/library/busybox:latest");
	ref_is("user/app:v1", "docker.io/user/app:v1");
	ref_is("docker.io/busybox", "docker.io/library/busybox:latest");
	ref_is("index.docker.io/busybox", "docker.io/library/busybox:latest");
	ref_is("localhost/app", "localhost/app:latest");
	ref_is("localhost:5000/a/b/c:t", "localhost:5000/a/b/c:t");
	ref_is("127.0.0.1:5000/x", "127.0.0.1:5000/x:latest");
	ref_is("[::1]:5000/x:y", "[::1]:5000/x:y");
	ref_is("ghcr.io/o/r@" D64, "ghcr.io/o/r@" D64);
	ref_is("ghcr.io/o/r:t@" D64, "ghcr.io/o/r@" D64);
	ref_is("a.b-c_d__e---f", "docker.io/library/a.b-c_d__e---f:latest");
	ref_is("x:Tag_1.2-3", "docker.io/library/x:Tag_1.2-3");
	ref_is("localhost:5000", "docker.io/library/localhost:5000");
}

TEST(ref_fields)
{
	struct image_ref r;
	struct error *err = NULL;

	CHECK_INT(image_ref_parse("ghcr.io/o/r:t@" D64, &r, &err), 0);
	CHECK_STR(r.domain, "ghcr.io");
	CHECK_STR(r.path, "o/r");
	CHECK_STR(r.tag, "t");
	CHECK_STR(r.digest, D64);
	char *n = image_ref_name(&r);
	CHECK_STR(n, "ghcr.io/o/r");
	free(n);
	image_ref_release(&r);
	n = image_ref_familiar("docker.io/library/busybox:latest");
	CHECK_STR(n, "busybox:latest");
	free(n);
	n = image_ref_familiar("docker.io/user/x:1");
	CHECK_STR(n, "user/x:1");
	free(n);
	n = image_ref_familiar("localhost:5000/x:1");
	CHECK_STR(n, "localhost:5000/x:1");
	free(n);
}

TEST(ref_hostile)
{
	char big[600];

	ref_bad("", "empty");
	ref_bad("Busybox", "lowercase");
	ref_bad("docker.io/User/x", "lowercase");
	ref_bad("a b", "spaces");
	ref_bad("a\nb", "control");
	ref_bad("x:", "tag");
	ref_bad("x:-t", "tag");
	ref_bad("x:.t", "tag");
	ref_bad("x@sha256:abc", "64");
	ref_bad("x@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "64");
	ref_bad("x@sha512:00", "sha256");
	ref_bad("x@", "digest");
	ref_bad("/x", NULL);
	ref_bad("x/", NULL);
	ref_bad("x//y", NULL);
	ref_bad("-x", NULL);
	ref_bad("x-", NULL);
	ref_bad("x..y", NULL);
	ref_bad("x___y", NULL);
	ref_bad("host:port/x", "host");
	ref_bad("host:123456/x", "host");
	ref_bad("-host.com/x", "host");
	ref_bad("host..com/x", "host");
	ref_bad("[zz]:5000/x", "host");
	ref_bad("[::1/x", NULL);
	ref_bad("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "image ID");
	ref_bad("x:y:z", NULL);
	ref_bad("x@" D64 "@" D64, NULL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ref_bad(big, "long");
	memset(big, 'a', 300);
	big[300] = '\0';
	ref_bad(big, "255");
	memset(big, 'a', 200);
	strcpy(big + 200, ":");
	memset(big + 201, 't', 129);
	big[330] = '\0';
	ref_bad(big, "tag");
}

/* ---- WWW-Authenticate ---- */

TEST(auth_bearer)
{
	struct auth_challenge c;
	struct error *err = NULL;

	CHECK_INT(auth_challenge_parse("Bearer realm=\"https://auth.example/token\",service="
	                               "\"registry.example\",scope=\"repository:a/b:pull\"",
	                               &c, &err),
	          0);
	CHECK_INT(c.scheme, AUTH_BEARER);
	CHECK_STR(c.realm, "https://auth.example/token");
	CHECK_STR(c.service, "registry.example");
	CHECK_STR(c.scope, "repository:a/b:pull");
	auth_challenge_release(&c);

	/* case-insensitive scheme and names, tokens unquoted, spaces around '=' and ',' */
	CHECK_INT(auth_challenge_parse("bearer  REALM = \"https://a/t\" , service=reg", &c, &err),
	          0);
	CHECK_STR(c.realm, "https://a/t");
	CHECK_STR(c.service, "reg");
	CHECK(c.scope == NULL);
	auth_challenge_release(&c);

	/* escapes in quoted strings, a comma inside quotes */
	CHECK_INT(auth_challenge_parse("Bearer realm=\"a\\\"b,c\",scope=\"x,y\"", &c, &err), 0);
	CHECK_STR(c.realm, "a\"b,c");
	CHECK_STR(c.scope, "x,y");
	auth_challenge_release(&c);
}

TEST(auth_basic_and_multiple)
{
	struct auth_challenge c;
	struct error *err = NULL;

	CHECK_INT(auth_challenge_parse("Basic realm=\"Registry Realm\"", &c, &err), 0);
	CHECK_INT(c.scheme, AUTH_BASIC);
	CHECK_STR(c.realm, "Registry Realm");
	auth_challenge_release(&c);
	CHECK_INT(auth_challenge_parse("Basic", &c, &err), 0);
	CHECK_INT(c.scheme, AUTH_BASIC);
	auth_challenge_release(&c);
	/* an unknown scheme first, with a token68, then ours */
	CHECK_INT(auth_challenge_parse("Negotiate abc==, Bearer realm=\"r\"", &c, &err), 0);
	CHECK_INT(c.scheme, AUTH_BEARER);
	CHECK_STR(c.realm, "r");
	auth_challenge_release(&c);
	CHECK_INT(
	    auth_challenge_parse("Digest realm=\"x\", nonce=\"n\", Basic realm=\"b\"", &c, &err),
	    0);
	CHECK_INT(c.scheme, AUTH_BASIC);
	CHECK_STR(c.realm, "b");
	auth_challenge_release(&c);
}

TEST(auth_hostile)
{
	static const char *const bad[] = {
	    "Bearer realm=\"unterminated",
	    "Bearer realm=\"ctl\x01\"",
	    "Bearer realm=",
	    "Bearer =x",
	    "Bearer realm=\"a\" service=\"b\"",
	    "Bearer realm=\"a\",realm=\"b\"",
	    "Bearer service=\"no-realm\"",
	    "Bearer realm=\"\"",
	    "Bearer realm=\"a\\",
	    "Bear{er realm=x",
	    "\"quoted\"",
	};
	struct auth_challenge c;
	struct error *err = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = auth_challenge_parse(bad[i], &c, &err);
		if (r != -EPROTO)
			unit_fail(__FILE__, __LINE__, "%s: %d", bad[i], r);
		else
			CHECK(strstr(err->msg, "WWW-Authenticate"));
		err_free(&err);
		auth_challenge_release(&c);
	}
	CHECK_INT(auth_challenge_parse("Negotiate", &c, &err), -ENOENT);
	err_free(&err);
	CHECK_INT(auth_challenge_parse("", &c, &err), -ENOENT);
	err_free(&err);
	CHECK_INT(auth_challenge_parse(NULL, &c, &err), -ENOENT);
	err_free(&err);

	/* a long value is parsed without trouble */
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "Bearer realm=\"");
	for (int i = 0; i < 10000; i++)
		sb_adds(&sb, "\\x");
	sb_adds(&sb, "\"");
	CHECK_INT(auth_challenge_parse(sb.buf, &c, &err), 0);
	CHECK_INT(strlen(c.realm), 10000);
	auth_challenge_release(&c);
	sb_release(&sb);
}

TEST(auth_token)
{
	struct error *err = NULL;
	char *t;
	long long e;
	const char *a = "{\"token\":\"abc.def\",\"expires_in\":300}";
	const char *b = "{\"access_token\":\"xyz\"}";
	const char *c = "{\"token\":\"\",\"access_token\":\"q\",\"expires_in\":5}";

	CHECK_INT(auth_token_parse(a, strlen(a), &t, &e, &err), 0);
	CHECK_STR(t, "abc.def");
	CHECK_INT(e, 300);
	free(t);
	CHECK_INT(auth_token_parse(b, strlen(b), &t, &e, &err), 0);
	CHECK_STR(t, "xyz");
	CHECK_INT(e, 60);
	free(t);
	CHECK_INT(auth_token_parse(c, strlen(c), &t, &e, &err), 0);
	CHECK_STR(t, "q");
	CHECK_INT(e, 60);
	free(t);
	static const char *const bad[] = {
	    "{}", "[]", "{\"token\":1}", "{\"token\":\"a\\nb\"}", "not json", "{\"token\":\"a\"",
	    ""};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (auth_token_parse(bad[i], strlen(bad[i]), &t, &e, &err) != -EPROTO)
			unit_fail(__FILE__, __LINE__, "token answer %s accepted", bad[i]);
		err_free(&err);
	}
}

/* ---- config ---- */

static char *write_tmp(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", unit_tmpdir(), name);
	char *slash = strrchr(p, '/');

	*slash = '\0';
	mkdir(p, 0700);
	*slash = '/';
	int fd = xopen(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	xwrite_all(fd, text, strlen(text));
	close(fd);
	return p;
}

TEST(config_creds_and_mirrors)
{
	struct registry_config cfg;
	struct error *err = NULL;
	char *u, *p;
	/* "dXNlcjpwYTpzcw==" is "user:pa:ss"; "aHViOmh1YnB3" is "hub:hubpw" */
	char *own = write_tmp("own/config.json",
	                      "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"dXNlcjpwYTpzcw==\"},"
	                      "\"bad:1\":{\"auth\":\"!!!\"}},"
	                      "\"mirrors\":{\"docker.io\":[\"https://m1:5000\",\"ftp://no\","
	                      "\"http://m2\"],\"ghcr.io\":[\"https://g\"]},"
	                      "\"insecure-registries\":[\"10.0.0.0/8\",\"h:1\"]}");
	char *dock =
	    write_tmp("dock/config.json",
	              "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1YnB3\"},"
	              "\"127.0.0.1:5000\":{\"auth\":\"b3RoZXI6eA==\"},"
	              "\"https://old.example\":{\"username\":\"o\",\"password\":\"p\"}}}");

	setenv("OCIBOX_CONFIG", own, 1);
	*strrchr(dock, '/') = '\0';
	setenv("DOCKER_CONFIG", dock, 1);
	CHECK_INT(registry_config_load(&cfg, &err), 0);
	CHECK_STR(cfg.own_path, own);
	CHECK_INT(registry_config_creds(&cfg, "127.0.0.1:5000", &u, &p, &err), 1);
	CHECK_STR(u, "user"); /* ocibox's own file wins over Docker's */
	CHECK_STR(p, "pa:ss");
	free(u);
	free(p);
	CHECK_INT(registry_config_creds(&cfg, "docker.io", &u, &p, &err), 1);
	CHECK_STR(u, "hub");
	CHECK_STR(p, "hubpw");
	free(u);
	free(p);
	CHECK_INT(registry_config_creds(&cfg, "old.example", &u, &p, &err), 1);
	CHECK_STR(u, "o");
	free(u);
	free(p);
	CHECK_INT(registry_config_creds(&cfg, "nobody:1", &u, &p, &err), 0);
	CHECK(registry_config_creds(&cfg, "bad:1", &u, &p, &err) < 0);
	err_free(&err);

	const char **m = registry_config_mirrors(&cfg, "registry-1.docker.io");
	CHECK_STR(m[0], "https://m1:5000");
	CHECK_STR(m[1], "http://m2");
	CHECK(m[2] == NULL);
	free(m);
	m = registry_config_mirrors(&cfg, "ghcr.io");
	CHECK_STR(m[0], "https://g");
	CHECK(m[1] == NULL);
	free(m);
	m = registry_config_mirrors(&cfg, "other");
	CHECK(m[0] == NULL);
	free(m);
	m = registry_config_insecure(&cfg);
	CHECK_STR(m[0], "10.0.0.0/8");
	CHECK_STR(m[1], "h:1");
	CHECK(m[2] == NULL);
	free(m);
	registry_config_release(&cfg);
	free(own);
	free(dock);
}

TEST(config_login_logout)
{
	struct registry_config cfg;
	struct error *err = NULL;
	struct stat st;
	char *u, *p;
	char *path = xasprintf("%s/new/dir/config.json", unit_tmpdir());
	char *keep =
	    write_tmp("k/config.json", "{\"credsStore\":\"x\",\"auths\":{\"a:1\":{\"auth\":"
	                               "\"dXNlcjpwYTpzcw==\"}}}");

	setenv("DOCKER_CONFIG", "/nonexistent", 1);
	CHECK(registry_config_set_creds(path, "h:5000", "u", "p", &err) < 0); /* no parent dir */
	err_free(&err);
	free(path);
	path = xasprintf("%s/new/config.json", unit_tmpdir());
	CHECK_INT(registry_config_set_creds(path, "h:5000", "u", "p w", &err), 0);
	CHECK_INT(registry_config_set_creds(path, "busybox.io", "x", "y", &err), 0);
	CHECK_INT(registry_config_set_creds(path, "index.docker.io", "hu", "hp", &err), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	setenv("OCIBOX_CONFIG", path, 1);
	CHECK_INT(registry_config_load(&cfg, &err), 0);
	CHECK_INT(registry_config_creds(&cfg, "h:5000", &u, &p, &err), 1);
	CHECK_STR(u, "u");
	CHECK_STR(p, "p w");
	free(u);
	free(p);
	CHECK_STR(json_get_str(json_get(json_get(cfg.own, "auths"), "https://index.docker.io/v1/"),
	                       "auth"),
	          "aHU6aHA=");
	registry_config_release(&cfg);
	CHECK_INT(registry_config_set_creds(path, "docker.io", NULL, NULL, &err), 0);
	CHECK_INT(registry_config_set_creds(path, "docker.io", NULL, NULL, &err), -ENOENT);
	err_free(&err);
	CHECK_INT(registry_config_load(&cfg, &err), 0);
	CHECK_INT(registry_config_creds(&cfg, "docker.io", &u, &p, &err), 0);
	CHECK_INT(registry_config_creds(&cfg, "busybox.io", &u, &p, &err), 1);
	free(u);
	free(p);
	registry_config_release(&cfg);
	/* other keys survive a login */
	CHECK_INT(registry_config_set_creds(keep, "b:2", "u", "p", &err), 0);
	setenv("OCIBOX_CONFIG", keep, 1);
	CHECK_INT(registry_config_load(&cfg, &err), 0);
	CHECK_STR(json_get_str(cfg.own, "credsStore"), "x");
	CHECK(json_get(json_get(cfg.own, "auths"), "a:1") != NULL);
	CHECK(json_get(json_get(cfg.own, "auths"), "b:2") != NULL);
	registry_config_release(&cfg);
	/* a malformed file is an error naming it, never overwritten */
	char *broken = write_tmp("b/config.json", "{\"auths\":");
	CHECK(registry_config_set_creds(broken, "h", "u", "p", &err) < 0);
	CHECK(strstr(err->msg, broken) != NULL);
	err_free(&err);
	free(broken);
	free(keep);
	free(path);
}

/* ---- manifests ---- */

#define LAYER(d, s)                                                                                \
	"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" d           \
	"\",\"size\":" s "}"
#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static int parse(const char *s, const char *ct, struct manifest *m, struct error **err)
{
	return manifest_parse(s, strlen(s), ct, m, err);
}

TEST(manifest_image)
{
	struct manifest m;
	struct error *err = NULL;
	const char *oci =
	    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" MT_OCI_CONFIG "\",\"digest\":\"" DA
	    "\",\"size\":7},\"layers\":[" LAYER(DB, "10") "," LAYER(DA, "0") "]}";

	CHECK_INT(parse(oci, NULL, &m, &err), 0);
	CHECK_INT(m.kind, MANIFEST_IMAGE);
	CHECK_STR(m.media_type, MT_OCI_MANIFEST);
	CHECK_STR(m.config.digest, DA);
	CHECK_INT(m.config.size, 7);
	CHECK_INT(m.n, 2);
	CHECK_STR(m.layers[0].digest, DB);
	CHECK_INT(m.layers[0].size, 10);
	manifest_release(&m);
	CHECK_INT(parse(oci, MT_DOCKER_MANIFEST "; charset=utf-8", &m, &err), 0);
	CHECK_STR(m.media_type, MT_DOCKER_MANIFEST);
	manifest_release(&m);
}

TEST(manifest_refusals)
{
	struct manifest m;
	struct error *err = NULL;
	static const struct {
		const char *doc, *ct, *msg;
	} bad[] = {
	    {"{\"schemaVersion\":1,\"name\":\"x\"}", NULL, "schema 1"},
	    {"{}", MT_DOCKER_SCHEMA1_SIGNED, "schema 1"},
	    {"{\"schemaVersion\":3}", NULL, "schemaVersion"},
	    {"{\"schemaVersion\":2,\"mediaType\":\"text/html\"}", NULL, "unknown media type"},
	    {"{\"schemaVersion\":2,\"layers\":[]}", NULL, "config"},
	    {"{\"schemaVersion\":2,\"config\":{\"digest\":\"" DA "\",\"size\":1}}", NULL, "layers"},
	    {"{\"schemaVersion\":2,\"config\":{\"digest\":\"" DA "\",\"size\":-1},\"layers\":[]}",
	     NULL, "size"},
	    {"{\"schemaVersion\":2,\"config\":{\"digest\":\"" DA "\",\"size\":1},\"layers\":["
	     "{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\","
	     "\"size\":1,\"urls\":[\"http://x\"]}]}",
	     NULL, "foreign"},
	    {"{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:../../etc\",\"size\":1},"
	     "\"layers\":[]}",
	     NULL, "64"},
	    {"{\"schemaVersion\":2,\"config\":{\"digest\":\"md5:00\",\"size\":1},\"layers\":[]}",
	     NULL, "md5"},
	    {"{\"schemaVersion\":2,\"manifests\":[1]}", MT_OCI_INDEX, "entry 0"},
	    {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	     "]"
	     "]]]]]]]]]]]]]]]]]]]]]]]]",
	     NULL, "manifest"},
	    {"{\"schemaVersion\":2,", NULL, "manifest"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (parse(bad[i].doc, bad[i].ct, &m, &err) == 0) {
			unit_fail(__FILE__, __LINE__, "%zu accepted", i);
			manifest_release(&m);
			continue;
		}
		if (!strstr(err->msg, bad[i].msg))
			unit_fail(__FILE__, __LINE__, "%zu: \"%s\" lacks \"%s\"", i, err->msg,
			          bad[i].msg);
		err_free(&err);
	}
	/* 4 MiB and one byte: refused before parsing */
	size_t n = REGISTRY_MANIFEST_MAX + 1;
	char *big = xmalloc(n);
	memset(big, ' ', n);
	CHECK_INT(manifest_parse(big, n, NULL, &m, &err), -E2BIG);
	err_free(&err);
	free(big);
}

#define ENTRY(d, arch, variant)                                                                    \
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" d "\",\"size\":1,\"platform\":{"    \
	"\"os\":\"linux\",\"architecture\":\"" arch "\"" variant "}}"

static int choose(const char *doc, const char *platform)
{
	struct manifest m;
	struct platform p;
	struct error *err = NULL;
	int r;

	if (parse(doc, NULL, &m, &err) < 0 || platform_parse(platform, &p, &err) < 0) {
		unit_fail(__FILE__, __LINE__, "%s", err->msg);
		err_free(&err);
		return -999;
	}
	CHECK_INT(m.kind, MANIFEST_INDEX);
	r = manifest_choose(&m, &p, &err);
	if (r < 0) {
		CHECK(strstr(err->msg, "no image for"));
		err_free(&err);
	}
	platform_release(&p);
	manifest_release(&m);
	return r;
}

TEST(index_platform_choice)
{
	const char *idx =
	    "{\"schemaVersion\":2,\"manifests\":[" ENTRY(DA, "amd64", "") "," ENTRY(
	        DA, "arm64",
	        ",\"variant\":\"v8\"") "," ENTRY(DA, "arm",
	                                         ",\"variant\":\"v7\"") "," ENTRY(DA, "arm",
	                                                                          ",\"variant\":"
	                                                                          "\"v6\"") "," ENTRY(DA,
	                                                                                              "mipsle",
	                                                                                              "") "]}";
	const char *only_v7 = "{\"schemaVersion\":2,\"manifests\":[" ENTRY(DA, "arm", "") "," ENTRY(
	    DA, "arm64", "") "]}";
	const char *only_v5 =
	    "{\"schemaVersion\":2,\"manifests\":[" ENTRY(DA, "arm", ",\"variant\":\"v5\"") "]}";

	CHECK_INT(choose(idx, "linux/amd64"), 0);
	CHECK_INT(choose(idx, "x86_64"), 0);
	CHECK_INT(choose(idx, "linux/arm64"), 1);
	CHECK_INT(choose(idx, "linux/arm64/v8"), 1);
	CHECK_INT(choose(idx, "linux/arm/v7"), 2);
	CHECK_INT(choose(idx, "linux/arm/v6"), 3);
	CHECK_INT(choose(idx, "armel"), 3);
	CHECK_INT(choose(idx, "linux/mipsle"), 4);
	CHECK_INT(choose(idx, "linux/s390x"), -ENOENT);
	CHECK_INT(choose(idx, "windows/amd64"), -ENOENT);
	/* an arm entry without variant is v7: never for an armv6 board */
	CHECK_INT(choose(only_v7, "linux/arm/v6"), -ENOENT);
	CHECK_INT(choose(only_v7, "linux/arm/v7"), 0);
	CHECK_INT(choose(only_v7, "linux/arm64/v8"), 1);
	CHECK_INT(choose(only_v5, "linux/arm/v7"), 0); /* a v7 board runs v5 code */
	CHECK_INT(choose(only_v5, "linux/arm/v6"), 0);
	CHECK(choose(idx, NULL) >= 0 || !STREQ(platform_arch(), "amd64"));
}

TEST(platform_parse_bad)
{
	struct platform p;
	struct error *err = NULL;
	static const char *const bad[] = {"/", "linux/", "a/b/c/d", "//x", "linux//v7"};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (platform_parse(bad[i], &p, &err) == 0) {
			unit_fail(__FILE__, __LINE__, "%s accepted", bad[i]);
			platform_release(&p);
		}
		err_free(&err);
	}
	CHECK_INT(platform_parse("linux/arm/v7", &p, &err), 0);
	char *s = platform_string(&p);
	CHECK_STR(s, "linux/arm/v7");
	free(s);
	platform_release(&p);
}
