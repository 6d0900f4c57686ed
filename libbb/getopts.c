/* The one option parser: Docker's flag syntax (pflag) and runc's (urfave/cli) from a spec string.
 * The spec language is documented beside xgetopts() in libbb.h. */
#include "libbb.h"

enum { KIND_FLAG, KIND_ARG, KIND_LIST };

struct optdef {
	char shortc;
	const char *lng; /* not NUL-terminated: lnglen */
	size_t lnglen;
	int kind;
};

struct spec {
	struct optdef d[OPTS_MAX];
	int n;
	int min, max; /* operand counts; max -1: no limit */
	bool stop_at_operand, single_dash_long;
};

static void parse_spec(struct spec *sp, const char *s)
{
	memset(sp, 0, sizeof(*sp));
	sp->max = -1;
	for (;;) {
		const char *item, *end;
		struct optdef *d;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		item = s;
		while (*s && *s != ' ')
			s++;
		end = s;
		if (*item == '^' || *item == '~' || *item == '<' || *item == '>') {
			if (*item == '^')
				sp->stop_at_operand = true;
			else if (*item == '~')
				sp->single_dash_long = true;
			else if (*item == '<')
				sp->min = atoi(item + 1);
			else
				sp->max = atoi(item + 1);
			continue;
		}
		if (sp->n == OPTS_MAX)
			bb_die("internal error: more than %d options", OPTS_MAX);
		d = &sp->d[sp->n++];
		if (end[-1] == ':' || end[-1] == '*') {
			d->kind = end[-1] == ':' ? KIND_ARG : KIND_LIST;
			end--;
		}
		if (end - item == 1) {
			d->shortc = *item;
		} else if (item[1] == ',') {
			d->shortc = *item;
			d->lng = item + 2;
			d->lnglen = end - item - 2;
		} else {
			d->lng = item;
			d->lnglen = end - item;
		}
	}
}

static int find_long(const struct spec *sp, const char *name, size_t len)
{
	for (int i = 0; i < sp->n; i++)
		if (sp->d[i].lng && sp->d[i].lnglen == len && !memcmp(sp->d[i].lng, name, len))
			return i;
	return -1;
}

static int find_short(const struct spec *sp, char c)
{
	for (int i = 0; i < sp->n; i++)
		if (sp->d[i].shortc == c)
			return i;
	return -1;
}

static void set_value(struct opts *o, const struct spec *sp, int i, char *val)
{
	struct optval *v = &o->v[i];

	v->count++;
	if (sp->d[i].kind == KIND_FLAG) {
		/* Docker's bool flags take --flag=false to switch a default off. */
		if (val && (STREQ(val, "false") || STREQ(val, "0")))
			o->flags &= ~(1ULL << i);
		else if (!val || STREQ(val, "true") || STREQ(val, "1"))
			o->flags |= 1ULL << i;
		else
			bb_usage_error("invalid argument \"%s\" for \"--%.*s\" flag: not a boolean",
				       val, (int)sp->d[i].lnglen,
				       sp->d[i].lng ? sp->d[i].lng : &sp->d[i].shortc);
		return;
	}
	o->flags |= 1ULL << i;
	v->arg = val;
	if (sp->d[i].kind == KIND_LIST) {
		v->list = xreallocarray(v->list, v->count + 1, sizeof(char *));
		v->list[v->count - 1] = val;
		v->list[v->count] = NULL;
	}
}

static void help_and_exit(void)
{
	if (current_applet)
		print_applet_help(current_applet, stdout);
	exit(fflush(stdout) ? 1 : 0);
}

/* "--name[=value]" with the dashes already skipped. Returns how many argv entries it used. */
static int take_long(struct opts *o, const struct spec *sp, char *name, char *next)
{
	char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	int i = find_long(sp, name, len);

	if (i < 0) {
		if (len == 4 && !memcmp(name, "help", 4))
			help_and_exit();
		bb_usage_error("unknown flag: --%.*s", (int)len, name);
	}
	if (sp->d[i].kind == KIND_FLAG || eq) {
		set_value(o, sp, i, eq ? eq + 1 : NULL);
		return 1;
	}
	if (!next)
		bb_usage_error("flag needs an argument: --%.*s", (int)len, name);
	set_value(o, sp, i, next);
	return 2;
}

/* "-abc", "-eVAL", "-e=VAL", "-e VAL". Returns how many argv entries it used. */
static int take_shorts(struct opts *o, const struct spec *sp, char *arg, char *next)
{
	for (char *p = arg + 1; *p; p++) {
		int i = find_short(sp, *p);

		if (i < 0)
			bb_usage_error("unknown shorthand flag: '%c' in %s", *p, arg);
		if (sp->d[i].kind == KIND_FLAG) {
			if (p[1] == '=') {
				set_value(o, sp, i, p + 2);
				return 1;
			}
			set_value(o, sp, i, NULL);
			continue;
		}
		if (p[1]) {
			set_value(o, sp, i, p + 1 + (p[1] == '='));
			return 1;
		}
		if (!next)
			bb_usage_error("flag needs an argument: '%c' in %s", *p, arg);
		set_value(o, sp, i, next);
		return 2;
	}
	return 1;
}

static void check_operands(const struct spec *sp, int n)
{
	if (sp->min == sp->max && n != sp->min) {
		if (sp->min == 0)
			bb_usage_error("accepts no arguments");
		bb_usage_error("requires exactly %d argument%s", sp->min, sp->min == 1 ? "" : "s");
	}
	if (n < sp->min)
		bb_usage_error("requires at least %d argument%s", sp->min, sp->min == 1 ? "" : "s");
	if (sp->max >= 0 && n > sp->max)
		bb_usage_error("accepts at most %d argument%s", sp->max, sp->max == 1 ? "" : "s");
}

void xgetopts(struct opts *o, int argc, char **argv, const char *spec)
{
	struct spec sp;
	bool options_done = false;
	int i = 1;

	parse_spec(&sp, spec);
	memset(o, 0, sizeof(*o));
	/* Operands are compacted into argv itself, behind argv[0]: only slots already read are
	 * written, and nothing is left to free. */
	o->argv = argv + 1;
	while (i < argc) {
		char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (options_done || a[0] != '-' || !a[1]) {
			o->argv[o->argc++] = a;
			i++;
			if (sp.stop_at_operand)
				options_done = true;
			continue;
		}
		if (STREQ(a, "--")) {
			options_done = true;
			i++;
			continue;
		}
		if (a[1] == '-') {
			i += take_long(o, &sp, a + 2, next);
			continue;
		}
		if (sp.single_dash_long) {
			size_t len = strcspn(a + 1, "=");
			if (len > 1 && (find_long(&sp, a + 1, len) >= 0 || STREQ(a, "-help"))) {
				i += take_long(o, &sp, a + 1, next);
				continue;
			}
		}
		i += take_shorts(o, &sp, a, next);
	}
	o->argv[o->argc] = NULL;
	check_operands(&sp, o->argc);
}

void opts_free(struct opts *o)
{
	for (int i = 0; i < OPTS_MAX; i++) {
		free(o->v[i].list);
		o->v[i].list = NULL;
	}
}
