/*
 * conf: line-oriented Kconfig front end, a drop-in for kconfig-conf in the modes the build
 * uses. Usage: conf MODE Kconfig-file; see usage() for the modes. The .config read and
 * written is $KCONFIG_CONFIG (default .config); $KCONFIG_AUTOHEADER, if set, also gets a C
 * header with CONFIG_/ENABLE_/IF_/IF_NOT_ macros for every symbol.
 *
 * Where it knowingly differs from kconfig-conf 4.11 (tests/kconfig.test checks the rest):
 * a dependency loop is fatal (exit 1); no modules (m reads as y); defconfig_list is ignored,
 * so --defconfig needs a file; oldconfig's "?" help is shorter; an int/hex question with no
 * valid default at end of input fails instead of looping; an unterminated string is an error;
 * the header refuses a tree with both FOO and NOT_FOO (both would define IF_NOT_FOO).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kconfig.h"

enum mode {
	M_NONE,
	M_OLDCONFIG,
	M_OLDDEFCONFIG,
	M_DEFCONFIG,
	M_SAVEDEFCONFIG,
	M_ALLYES,
	M_ALLNO,
	M_ALLDEF,
};

static enum mode mode;
static int indent = 1;
static int conf_cnt;
static bool tty_stdin;
static struct menu *root_entry;
static char line[1024]; /* kconfig reads 128 bytes; longer strings would be split */

static void conf(struct menu *menu);
static void check_conf(struct menu *menu);

static void strip(char *str)
{
	char *p = str;
	size_t len;

	while (isspace((unsigned char)*p))
		p++;
	len = strlen(p);
	memmove(str, p, len + 1);
	while (len && isspace((unsigned char)str[len - 1]))
		str[--len] = 0;
}

/* At end of input the line stays "\n", which means "keep the default". */
static bool read_answer(void)
{
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "\nError in reading or end of file.\n");
		return false;
	}
	return true;
}

static void print_help(struct menu *menu)
{
	printf("\n");
	if (menu->help && menu->sym && menu->sym->name)
		printf("CONFIG_%s:\n\n", menu->sym->name);
	printf("%s\n\n", menu->help ? menu->help : "There is no help available for this option.");
}

/* Returns true when an answer was read into line. */
static bool ask_value(struct symbol *sym, const char *def)
{
	if (!sym_has_value(sym))
		printf("(NEW) ");
	strcpy(line, "\n");
	if (!sym_is_changeable(sym) || sym_has_value(sym)) {
		printf("%s\n", def);
		return false;
	}
	read_answer();
	if (!tty_stdin)
		printf("\n");
	return true;
}

static void ask_bool(struct menu *menu)
{
	struct symbol *sym = menu->sym;
	enum tri oldval, newval;

	for (;;) {
		printf("%*s%s ", indent - 1, "", menu->prompt->text);
		if (sym->name)
			printf("(%s) ", sym->name);
		oldval = sym->tri;
		printf("[%c", oldval == YES ? 'Y' : 'N');
		if (oldval != NO && sym_tristate_within_range(sym, NO))
			printf("/n");
		if (oldval != YES && sym_tristate_within_range(sym, YES))
			printf("/y");
		if (menu->help)
			printf("/?");
		printf("] ");
		if (!ask_value(sym, sym_string_value(sym)))
			return;
		strip(line);
		switch (line[0]) {
		case 'n':
		case 'N':
			newval = NO;
			if (line[1] && strcmp(line + 1, "o"))
				continue;
			break;
		case 'm':
		case 'M':
			newval = MOD;
			if (line[1])
				continue;
			break;
		case 'y':
		case 'Y':
			newval = YES;
			if (line[1] && strcmp(line + 1, "es"))
				continue;
			break;
		case 0:
			newval = oldval;
			break;
		case '?':
			print_help(menu);
			continue;
		default:
			continue;
		}
		if (sym_set_tristate(sym, newval))
			return;
		print_help(menu);
	}
}

static void ask_string(struct menu *menu)
{
	struct symbol *sym = menu->sym;
	const char *def;
	bool got;

	for (;;) {
		printf("%*s%s (%s) ", indent - 1, "", menu->prompt->text, sym->name);
		def = sym_string_value(sym);
		printf("[%s] ", def);
		if (!ask_value(sym, def))
			return;
		got = line[0] != '\n';
		if (line[0] == '?' && line[1] == '\n') {
			print_help(menu);
			continue;
		}
		if (got) {
			line[strcspn(line, "\n")] = 0;
			def = line;
		}
		if (sym_set_string(sym, def))
			return;
		/* kconfig would ask forever for an invalid default once input has run out. */
		if (feof(stdin))
			die("no valid value for %s and no more input", sym->name);
	}
}

static bool menu_is_choice_value(struct menu *child)
{
	return child->sym && menu_is_visible(child);
}

static void ask_choice(struct menu *menu)
{
	struct symbol *sym = menu->sym, *def_sym;
	bool is_new = !sym_has_value(sym);
	struct menu *child;
	int cnt, def;

	if (sym_is_changeable(sym)) {
		ask_bool(menu);
		sym_calc_value(sym);
	}
	if (sym->tri != YES)
		return;
	for (;;) {
		printf("%*s%s\n", indent - 1, "", menu_prompt(menu));
		def_sym = sym->chosen;
		cnt = def = 0;
		line[0] = 0;
		for (child = menu->list; child; child = child->next) {
			if (!menu_is_visible(child))
				continue;
			if (!child->sym) {
				printf("%*c %s\n", indent, '*', menu_prompt(child));
				continue;
			}
			cnt++;
			if (child->sym == def_sym)
				def = cnt;
			printf("%*c %d. %s", indent, child->sym == def_sym ? '>' : ' ', cnt,
			       menu_prompt(child));
			if (child->sym->name)
				printf(" (%s)", child->sym->name);
			if (!sym_has_value(child->sym))
				printf(" (NEW)");
			printf("\n");
		}
		printf("%*schoice", indent - 1, "");
		if (cnt == 1) {
			printf("[1]: 1\n");
		} else {
			printf("[1-%d%s]: ", cnt, menu->help ? "?" : "");
			if (!is_new) {
				cnt = def;
				printf("%d\n", cnt);
			} else {
				read_answer();
				strip(line);
				if (line[0] == '?') {
					print_help(menu);
					continue;
				}
				if (!line[0])
					cnt = def;
				else if (isdigit((unsigned char)line[0]))
					cnt = atoi(line);
				else
					continue;
			}
		}
		for (child = menu->list; child; child = child->next)
			if (menu_is_choice_value(child) && !--cnt)
				break;
		if (!child && feof(stdin))
			die("no valid answer for \"%s\" and no more input", menu_prompt(menu));
		if (!child)
			continue;
		if (line[0] && line[strlen(line) - 1] == '?') {
			print_help(child);
			continue;
		}
		sym_set_tristate(child->sym, YES);
		for (child = child->list; child; child = child->next) {
			indent += 2;
			conf(child);
			indent -= 2;
		}
		return;
	}
}

static void conf(struct menu *menu)
{
	struct symbol *sym = menu->sym;
	struct property *prop = menu->prompt;
	struct menu *child;

	if (!menu_is_visible(menu))
		return;
	if (prop && (prop->type == P_MENU || prop->type == P_COMMENT)) {
		if (prop->type == P_MENU && mode != M_OLDCONFIG && root_entry != menu) {
			check_conf(menu);
			return;
		}
		printf("%*c\n%*c %s\n%*c\n", indent, '*', indent, '*', prop->text, indent, '*');
	}
	if (sym && (sym->flags & SYM_CHOICE)) {
		ask_choice(menu);
		return;
	}
	if (sym) {
		if (sym->type == S_INT || sym->type == S_HEX || sym->type == S_STRING)
			ask_string(menu);
		else
			ask_bool(menu);
		indent += 2;
	}
	for (child = menu->list; child; child = child->next)
		conf(child);
	if (sym)
		indent -= 2;
}

/* Finds questions without an answer; oldconfig asks them menu by menu until none is left. */
static void check_conf(struct menu *menu)
{
	struct symbol *sym = menu->sym;
	struct menu *child;

	if (!menu_is_visible(menu))
		return;
	if (sym && !sym_has_value(sym) &&
	    (sym_is_changeable(sym) || ((sym->flags & SYM_CHOICE) && sym->tri == YES)) &&
	    mode == M_OLDCONFIG) {
		if (!conf_cnt++)
			printf("*\n* Restart config...\n*\n");
		root_entry = menu_parent_menu(menu);
		conf(root_entry);
	}
	for (child = menu->list; child; child = child->next)
		check_conf(child);
}

static void set_new_value(struct symbol *sym, void *arg)
{
	if (sym_has_value(sym) || (sym->flags & SYM_VALID) || sym_get_type(sym) != S_BOOLEAN)
		return;
	switch (mode) {
	case M_ALLYES:
		sym->user_tri = YES;
		break;
	case M_ALLNO:
		sym->user_tri = (sym->flags & SYM_ALLNOCONFIG_Y) ? YES : NO;
		break;
	default:
		return;
	}
	sym->flags |= SYM_DEF_USER;
	(void)arg;
}

static void mark_choice(struct symbol *sym, void *arg)
{
	(void)arg;
	if (((sym->flags & SYM_CHOICE) && !sym_has_value(sym)) || (sym->flags & SYM_CHOICEVAL))
		sym->flags |= SYM_NEED_SET_CHOICE;
}

static void settle_choice(struct symbol *sym, void *arg)
{
	(void)arg;
	if (sym_has_value(sym) || !(sym->flags & SYM_CHOICE))
		return;
	sym_calc_value(sym);
	sym_set_all_choice_values(sym);
}

/* allyes/allno/alldef: every symbol still without a value gets the mode's answer. */
static void set_all_new_symbols(void)
{
	sym_foreach(set_new_value, NULL);
	sym_clear_all_valid();
	sym_foreach(mark_choice, NULL);
	sym_foreach(settle_choice, NULL);
}

static __attribute__((noreturn)) void usage(void)
{
	fprintf(stderr,
		"Usage: conf MODE Kconfig-file\n"
		"MODE is one of:\n"
		"  --oldconfig            update .config, asking for new symbols\n"
		"  --olddefconfig         update .config, new symbols get their defaults\n"
		"  --defconfig=FILE       new .config from the values in FILE\n"
		"  --savedefconfig=FILE   write the minimal configuration to FILE\n"
		"  --allyesconfig         answer yes to everything\n"
		"  --allnoconfig          answer no to everything\n"
		"  --alldefconfig         take every default\n");
	exit(1);
}

static const struct {
	const char *name;
	enum mode mode;
	bool takes_file;
} modes[] = {
	{"oldconfig", M_OLDCONFIG, false},   {"olddefconfig", M_OLDDEFCONFIG, false},
	{"oldnoconfig", M_OLDDEFCONFIG, false}, {"defconfig", M_DEFCONFIG, true},
	{"savedefconfig", M_SAVEDEFCONFIG, true}, {"allyesconfig", M_ALLYES, false},
	{"allnoconfig", M_ALLNO, false},     {"alldefconfig", M_ALLDEF, false},
};

/* Accepts "--mode=FILE" and "--mode FILE" (kconfig-conf only the former). */
static const char *parse_args(int argc, char **argv, const char **file)
{
	int i = 1;
	unsigned j;

	*file = NULL;
	if (i < argc && !strcmp(argv[i], "-s"))
		i++;
	if (i >= argc || strncmp(argv[i], "--", 2))
		usage();
	for (j = 0; j < sizeof(modes) / sizeof(modes[0]); j++) {
		const char *arg = argv[i] + 2;
		size_t len = strlen(modes[j].name);

		if (strncmp(arg, modes[j].name, len) || (arg[len] && arg[len] != '='))
			continue;
		mode = modes[j].mode;
		if (arg[len] == '=' && !modes[j].takes_file)
			usage();
		if (modes[j].takes_file)
			*file = arg[len] == '=' ? arg + len + 1 : argc - i > 2 ? argv[++i] : NULL;
		if (modes[j].takes_file && (!*file || !**file))
			die("--%s needs a file name", modes[j].name);
		break;
	}
	if (mode == M_NONE || argc - i != 2)
		usage();
	return argv[i + 1];
}

int main(int argc, char **argv)
{
	const char *file, *kconfig = parse_args(argc, argv, &file);
	const char *header = getenv("KCONFIG_AUTOHEADER");

	tty_stdin = isatty(0);
	conf_parse(kconfig);

	switch (mode) {
	case M_DEFCONFIG:
		if (conf_read(file))
			die("can't read default configuration \"%s\"", file);
		break;
	case M_OLDCONFIG:
	case M_OLDDEFCONFIG:
	case M_SAVEDEFCONFIG:
		conf_read(NULL);
		break;
	default:
		break;
	}

	switch (mode) {
	case M_ALLYES:
	case M_ALLNO:
	case M_ALLDEF:
	case M_DEFCONFIG:
		set_all_new_symbols();
		break;
	case M_OLDCONFIG:
	case M_OLDDEFCONFIG:
		do {
			conf_cnt = 0;
			check_conf(&rootmenu);
		} while (conf_cnt && mode == M_OLDCONFIG);
		break;
	default:
		break;
	}

	if (mode == M_SAVEDEFCONFIG) {
		conf_write_defconfig(file);
		return 0;
	}
	conf_write(NULL);
	if (header && *header)
		conf_write_header(header);
	return 0;
}
