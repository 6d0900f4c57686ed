/* libbb basics: option parser, error object, atomic files, strbuf, JSON writer. */
#include "unit.h"
#include "json.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#define ARGV(...) ((char *[]){"prog", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"prog", __VA_ARGS__}) / sizeof(char *)))
#define SPEC "d,detach i,interactive t,tty e,env* name: rm p,publish* v"

TEST(getopts_bundled_shorts_and_longs)
{
	struct opts o;

	xgetopts(&o, ARGC("-it", "--name", "web", "-eA=1", "--env=B=2", "-e", "C", "img"),
		 ARGV("-it", "--name", "web", "-eA=1", "--env=B=2", "-e", "C", "img"), SPEC);
	CHECK(o.flags & (1ULL << 1));
	CHECK(o.flags & (1ULL << 2));
	CHECK(!(o.flags & 1ULL));
	CHECK_STR(o.v[4].arg, "web");
	CHECK_INT(o.v[3].count, 3);
	CHECK_STR(o.v[3].list[0], "A=1");
	CHECK_STR(o.v[3].list[1], "B=2");
	CHECK_STR(o.v[3].list[2], "C");
	CHECK(o.v[3].list[3] == NULL);
	CHECK_INT(o.argc, 1);
	CHECK_STR(o.argv[0], "img");
	CHECK(o.argv[1] == NULL);
}

TEST(getopts_equals_forms_and_bool_false)
{
	struct opts o;

	xgetopts(&o, ARGC("-p=80:80", "--rm", "--rm=false", "-d=true", "-vv"),
		 ARGV("-p=80:80", "--rm", "--rm=false", "-d=true", "-vv"), SPEC);
	CHECK_STR(o.v[6].arg, "80:80");
	CHECK(!(o.flags & (1ULL << 5)));
	CHECK_INT(o.v[5].count, 2);
	CHECK(o.flags & 1ULL);
	CHECK_INT(o.v[7].count, 2);
}

TEST(getopts_interspersed_and_double_dash)
{
	struct opts o;

	xgetopts(&o, ARGC("a", "-d", "b", "--", "-t", "c"), ARGV("a", "-d", "b", "--", "-t", "c"),
		 SPEC);
	CHECK(o.flags & 1ULL);
	CHECK(!(o.flags & (1ULL << 2)));
	CHECK_INT(o.argc, 4);
	CHECK_STR(o.argv[2], "-t");
	CHECK_STR(o.argv[3], "c");
}

TEST(getopts_stop_at_first_operand)
{
	struct opts o;

	/* docker run IMAGE CMD ARGS: flags after the image belong to the command */
	xgetopts(&o, ARGC("-d", "img", "ls", "-l", "-"), ARGV("-d", "img", "ls", "-l", "-"),
		 "^ " SPEC);
	CHECK(o.flags & 1ULL);
	CHECK_INT(o.argc, 4);
	CHECK_STR(o.argv[2], "-l");
	CHECK_STR(o.argv[3], "-");
}

TEST(getopts_single_dash_long)
{
	struct opts o;

	/* runc's CLI (urfave/cli) takes -bundle as well as --bundle */
	xgetopts(&o, ARGC("-bundle", "/b", "-pid-file=/p", "-d", "id"),
		 ARGV("-bundle", "/b", "-pid-file=/p", "-d", "id"), "~ b,bundle: pid-file: d,detach");
	CHECK_STR(o.v[0].arg, "/b");
	CHECK_STR(o.v[1].arg, "/p");
	CHECK(o.flags & (1ULL << 2));
	CHECK_STR(o.argv[0], "id");
}

TEST(getopts_generated_flag_names)
{
	/* scripts/gen-applets turns version's spec into these; they must follow the spec */
	CHECK_INT(FLAG_version_format, 1);
	CHECK_INT(OPT_version_format, 0);
	CHECK_STR(OPTS_version, "f,format: >0");
}

struct usage_case {
	const char *spec;
	char **argv;
	int argc;
};

static void run_getopts(void *arg)
{
	struct usage_case *c = arg;
	struct opts o;

	applet_name = "prog";
	xgetopts(&o, c->argc, c->argv, c->spec);
}

static void expect_usage_error(const char *spec, int argc, char **argv, const char *msg)
{
	struct usage_case c = {spec, argv, argc};
	char *err = NULL;
	int status = unit_run_child(run_getopts, &c, &err);

	CHECK_INT(status, 1);
	if (!strstr(err, msg))
		unit_fail(__FILE__, __LINE__, "stderr '%s' lacks '%s'", err, msg);
	if (!strstr(err, "See 'prog --help'."))
		unit_fail(__FILE__, __LINE__, "stderr '%s' lacks the --help hint", err);
	free(err);
}

TEST(getopts_usage_errors)
{
	expect_usage_error(SPEC, ARGC("--nope"), ARGV("--nope"), "ocibox: prog: unknown flag: --nope");
	expect_usage_error(SPEC, ARGC("-itx"), ARGV("-itx"), "unknown shorthand flag: 'x' in -itx");
	expect_usage_error(SPEC, ARGC("--name"), ARGV("--name"), "flag needs an argument: --name");
	expect_usage_error(SPEC, ARGC("-e"), ARGV("-e"), "flag needs an argument: 'e' in -e");
	expect_usage_error(SPEC, ARGC("--rm=maybe"), ARGV("--rm=maybe"), "not a boolean");
	expect_usage_error("<1 " SPEC, 1, (char *[]){"prog", NULL}, "requires at least 1 argument");
	expect_usage_error(">0 " SPEC, ARGC("x"), ARGV("x"), "accepts no arguments");
	expect_usage_error("<2 >2", ARGC("x"), ARGV("x"), "requires exactly 2 arguments");
	expect_usage_error(">1", ARGC("x", "y"), ARGV("x", "y"), "accepts at most 1 argument");
}

static void exits_125(void *arg)
{
	static const struct applet docker_applet = {"prog", NULL, "", "usage: prog\n", APPLET_DOCKER};
	struct opts o;

	(void)arg;
	current_applet = &docker_applet;
	applet_name = "prog";
	xgetopts(&o, ARGC("--bad"), ARGV("--bad"), "");
}

TEST(getopts_docker_applets_exit_125)
{
	char *err = NULL;

	CHECK_INT(unit_run_child(exits_125, NULL, &err), 125);
	free(err);
}

static int make_nested_error(struct error **err)
{
	errno = ENOENT;
	return err_errno(err, "open %s", "/x");
}

TEST(error_object_wraps_context)
{
	struct error *err = NULL;
	int r = make_nested_error(&err);

	CHECK_INT(r, -ENOENT);
	CHECK_INT(err_wrap(&err, "layer %d", 3), -ENOENT);
	CHECK_INT(err_wrap(&err, "pull %s", "busybox"), -ENOENT);
	CHECK_STR(err->msg, "pull busybox: layer 3: open /x");
	CHECK_INT(err->errnum, ENOENT);
	err_free(&err);
	CHECK(err == NULL);
	CHECK_INT(err_set(&err, 0, "plain"), -1);
	CHECK_STR(err->msg, "plain");
	err_free(&err);
	CHECK_INT(err_set(NULL, EIO, "nobody listens"), -EIO);
}

static void print_error(void *arg)
{
	struct error *err = NULL;

	(void)arg;
	applet_name = "pull";
	errno = EACCES;
	err_errno(&err, "open %s", "/var/lib/ocibox");
	err_print(err);
	err_free(&err);
}

TEST(error_message_shape)
{
	char *err = NULL;

	CHECK_INT(unit_run_child(print_error, NULL, &err), 0);
	CHECK_STR(err, "ocibox: pull: open /var/lib/ocibox: Permission denied\n");
	free(err);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

TEST(atomic_write_replaces_and_leaves_no_temp)
{
	const char *dir = unit_tmpdir();
	cleanup_free char *path = xasprintf("%s/f", dir);
	struct error *err = NULL;
	struct stat st;
	char *s;

	CHECK_INT(write_file_atomic(AT_FDCWD, path, "one", 3, 0600, &err), 0);
	CHECK_INT(write_file_atomic(AT_FDCWD, path, "second", 6, 0644, &err), 0);
	s = xread_file(path, NULL);
	CHECK_STR(s, "second");
	free(s);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	CHECK_INT(count_entries(dir), 1);
}

TEST(atomic_abort_keeps_old_content)
{
	const char *dir = unit_tmpdir();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct atomic_file af;
	struct error *err = NULL;
	char *s;

	CHECK_INT(write_file_atomic(dfd, "f", "old", 3, 0600, &err), 0);
	CHECK_INT(atomic_open(&af, dfd, "f", 0600, &err), 0);
	CHECK_INT(write_all(af.fd, "half", 4), 4);
	atomic_abort(&af);
	atomic_abort(&af);
	s = read_file_at(dfd, "f", 100, NULL);
	CHECK_STR(s, "old");
	free(s);
	CHECK_INT(count_entries(dir), 1);
	CHECK(atomic_open(&af, dfd, "missing-dir/f", 0600, &err) < 0);
	CHECK_INT(err->errnum, ENOENT);
	err_free(&err);
	close(dfd);
}

TEST(strbuf_grows)
{
	struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < 1000; i++)
		sb_printf(&sb, "%d,", i);
	CHECK(sb.len > 3000);
	CHECK(str_has_prefix(sb.buf, "0,1,2,"));
	CHECK(str_has_suffix(sb.buf, "998,999,"));
	CHECK_INT(strlen(sb.buf), sb.len);
	sb_release(&sb);
}

TEST(json_writer_compact_and_escaped)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "a\"b");
	jw_string(&w, "tab\there\n\x01 \xc3\xa9 bad:\xff\xc0\x80 end");
	jw_key(&w, "n");
	jw_array_begin(&w);
	jw_int(&w, -9223372036854775807LL - 1);
	jw_uint(&w, 18446744073709551615ULL);
	jw_bool(&w, true);
	jw_null(&w);
	jw_raw(&w, "1.5e3");
	jw_array_end(&w);
	jw_key(&w, "e");
	jw_object_begin(&w);
	jw_object_end(&w);
	jw_object_end(&w);
	CHECK_STR(sb.buf, "{\"a\\\"b\":\"tab\\there\\n\\u0001 \xc3\xa9 bad:\\ufffd\\ufffd\\ufffd end\","
			  "\"n\":[-9223372036854775808,18446744073709551615,true,null,1.5e3],"
			  "\"e\":{}}");
	sb_release(&sb);
}

TEST(json_writer_pretty)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 4);
	jw_array_begin(&w);
	jw_object_begin(&w);
	jw_key(&w, "Id");
	jw_string(&w, "x");
	jw_key(&w, "L");
	jw_array_begin(&w);
	jw_array_end(&w);
	jw_object_end(&w);
	jw_array_end(&w);
	CHECK_STR(sb.buf, "[\n    {\n        \"Id\": \"x\",\n        \"L\": []\n    }\n]");
	sb_release(&sb);
}

TEST(json_writer_full_depth)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 0);
	for (int i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
		jw_array_begin(&w);
	for (int i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
		jw_array_end(&w);
	CHECK_INT(sb.len, 2 * JSON_WRITER_MAX_DEPTH);
	sb_release(&sb);
}
