/* The multicall dispatcher: argv[0] (or the first argument) names the applet; argv[0] "docker"
 * speaks Docker's top-level CLI. Not an applet itself, so it has no declaration block. */
#include "libbb.h"
#include "build_info.h"
#include <sys/stat.h>

struct docker_cmd {
	const char *words; /* "image ls" */
	const char *applet;
};

#include "applets.h"

#define NUM_APPLETS (ARRAY_SIZE(applet_table) - 1)

/* Docker's own top-level commands: a name here that no applet serves is "not built in",
 * anything else "is not a docker command". */
static const char docker_commands[] =
	"attach build builder buildx checkpoint commit compose config container context cp create "
	"diff events exec export history image images import info inspect kill load login logout "
	"logs manifest network node pause plugin port ps pull push rename restart rm rmi run save "
	"search secret service stack start stats stop swarm system tag top trust unpause update "
	"version volume wait ";

static int cmp_applet(const void *key, const void *elem)
{
	return strcmp(key, ((const struct applet *)elem)->name);
}

static const struct applet *find_applet(const char *name)
{
	return bsearch(name, applet_table, NUM_APPLETS, sizeof(applet_table[0]), cmp_applet);
}

static int run_applet(const struct applet *a, int argc, char **argv)
{
	int r;

	current_applet = a;
	applet_name = a->name;
	if (argc > 1 && STREQ(argv[1], "--help")) {
		print_applet_help(a, stdout);
		r = 0;
	} else {
		r = a->main(argc, argv);
	}
	/* A full disk or closed pipe on stdout must not look like success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		bb_warn_errno("write error");
		return r ? r : 1;
	}
	return r;
}

static void list_applets(bool one_per_line)
{
	for (const struct applet *a = applet_table; a->name; a++)
		printf(one_per_line ? "%s\n" : "\t%s\n", a->name);
}

static int usage(void)
{
	printf("ocibox %s (%s, %s): containers on embedded Linux, one binary.\n\n"
	       "Usage: ocibox APPLET [ARGS...]  or  APPLET [ARGS...] through a link named APPLET\n"
	       "       ocibox --list             list the applets built in\n"
	       "       ocibox --install DIR      make a link in DIR for each applet\n"
	       "       ocibox APPLET --help      help for one applet\n\n"
	       "Applets built in:\n",
	       OCIBOX_VERSION, OCIBOX_TARGET, OCIBOX_LIBC);
	list_applets(false);
	return 0;
}

/* One link DIR/NAME -> self. Returns 1 if it could not be made. */
static int install_link(const char *self, const char *dir, const char *name)
{
	cleanup_free char *link = xasprintf("%s/%s", dir, name);
	char old[4096];
	ssize_t m;

	if (symlink(self, link) == 0)
		return 0;
	if (errno != EEXIST) {
		bb_warn_errno("symlink %s", link);
		return 1;
	}
	/* Ours already: fine. Someone else's file: leave it, say so. */
	m = readlink(link, old, sizeof(old) - 1);
	if (m >= 0 && (size_t)m == strlen(self) && !memcmp(old, self, m))
		return 0;
	bb_warn("%s exists, not replaced", link);
	return 1;
}

static int install_links(const char *dir)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int failed = 0;

	if (n < 0)
		bb_die_errno("can't find own binary via /proc/self/exe");
	self[n] = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		bb_die_errno("mkdir %s", dir);
	for (const struct applet *a = applet_table; a->name; a++)
		failed += install_link(self, dir, a->name);
	if (docker_table[0].words)
		failed += install_link(self, dir, "docker");
	return failed ? 1 : 0;
}

static int docker_usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f, "Usage: docker COMMAND\n\nCommands built into this ocibox:\n");
	for (const struct docker_cmd *d = docker_table; d->words; d++)
		fprintf(f, "  %-20s (ocibox %s)\n", d->words, d->applet);
	return status;
}

static bool is_docker_command(const char *word)
{
	size_t len = strlen(word);

	for (const char *p = docker_commands; (p = strstr(p, word)); p++)
		if ((p == docker_commands || p[-1] == ' ') && p[len] == ' ')
			return true;
	return false;
}

/* `docker WORDS... ARGS`: the longest WORDS in the docker table picks the applet, which then
 * sees argv[0] = its own name and ARGS. */
static int docker_main(int argc, char **argv)
{
	const struct docker_cmd *best = NULL;
	int best_words = 0;

	applet_name = "docker";
	if (argc < 2 || STREQ(argv[1], "--help") || STREQ(argv[1], "-h"))
		return docker_usage(0);
	if (STREQ(argv[1], "--version") || STREQ(argv[1], "-v")) {
		printf("ocibox version %s, docker-compatible CLI\n", OCIBOX_VERSION);
		return 0;
	}
	for (const struct docker_cmd *d = docker_table; d->words; d++) {
		const char *w = d->words;
		int n = 1;

		for (; n < argc; n++) {
			size_t len = strcspn(w, " ");
			if (strlen(argv[n]) != len || memcmp(argv[n], w, len))
				break;
			w += len;
			if (!*w)
				break;
			w++;
		}
		if (n < argc && !*w && n > best_words) {
			best = d;
			best_words = n;
		}
	}
	if (!best) {
		if (argv[1][0] == '-')
			fprintf(stderr, "docker: unknown flag: %s\nSee 'docker --help'.\n", argv[1]);
		else if (is_docker_command(argv[1]))
			fprintf(stderr, "docker: '%s' is not built into this ocibox\n", argv[1]);
		else
			fprintf(stderr, "docker: '%s' is not a docker command.\n"
					"See 'docker --help'\n", argv[1]);
		return 125;
	}
	argv += best_words;
	argc -= best_words;
	argv[0] = (char *)best->applet;
	return run_applet(find_applet(best->applet), argc, argv);
}

static int ocibox_main(int argc, char **argv)
{
	const struct applet *a;

	if (argc < 2 || STREQ(argv[1], "--help") || STREQ(argv[1], "-h"))
		return argc > 2 && (a = find_applet(argv[2])) ? run_applet(a, 2, (char *[]){argv[2], "--help", NULL})
							  : usage();
	if (STREQ(argv[1], "--list")) {
		list_applets(true);
		return 0;
	}
	if (STREQ(argv[1], "--install")) {
		if (argc != 3)
			bb_die("usage: ocibox --install DIR");
		return install_links(argv[2]);
	}
	if (STREQ(argv[1], "--version")) {
		printf("ocibox %s\n", OCIBOX_VERSION);
		return 0;
	}
	if (STREQ(argv[1], "docker"))
		return docker_main(argc - 1, argv + 1);
	a = find_applet(argv[1]);
	if (!a) {
		bb_warn("%s: applet not found", argv[1]);
		return 127;
	}
	return run_applet(a, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	const char *name = bb_basename(argv[0] ? argv[0] : "ocibox");
	const struct applet *a;

	if (name[0] == '-') /* login shells and the like */
		name++;
	if (str_has_prefix(name, "ocibox"))
		return ocibox_main(argc, argv);
	if (STREQ(name, "docker"))
		return docker_main(argc, argv);
	a = find_applet(name);
	if (!a) {
		bb_warn("%s: applet not found", name);
		return 127;
	}
	return run_applet(a, argc, argv);
}
