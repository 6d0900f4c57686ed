/* Reading and writing .config, the minimal defconfig and the C header. */
#define _POSIX_C_SOURCE 200809L /* getline, link */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kconfig.h"

#define PREFIX "CONFIG_"
#define PREFIX_LEN 7

static int conf_unsaved;
static int conf_warnings;
static const char *read_name;
static int read_line;

__attribute__((format(printf, 1, 2))) static void conf_warning(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d:warning: ", read_name, read_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	conf_warnings++;
}

static const char *conf_config_name(void)
{
	const char *name = getenv("KCONFIG_CONFIG");

	return name && *name ? name : ".config";
}

static void reset_user_value(struct symbol *sym, void *arg)
{
	(void)arg;
	sym->flags &= ~(SYM_DEF_USER | SYM_VALID);
	/* Every choice starts as answered; calc_choice takes that back if a value is new. */
	if (sym->flags & SYM_CHOICE)
		sym->flags |= SYM_DEF_USER;
	sym->user_val = NULL;
	sym->user_tri = NO;
	sym->user_choice = NULL;
}

/* Returns false when the value is rejected (kconfig then skips the choice bookkeeping). */
static bool set_value(struct symbol *sym, char *p)
{
	char *q;

	switch (sym->type) {
	case S_TRISTATE:
		if (p[0] == 'm') {
			sym->user_tri = MOD;
			sym->flags |= SYM_DEF_USER;
			return true;
		}
		/* fall through */
	case S_BOOLEAN:
		if (p[0] == 'y' || p[0] == 'n') {
			sym->user_tri = p[0] == 'y' ? YES : NO;
			sym->flags |= SYM_DEF_USER;
			return true;
		}
		conf_warning("symbol value '%s' invalid for %s", p, sym->name);
		return false;
	case S_STRING:
		/* An unquoted string is silently ignored, as kconfig does. */
		if (*p++ != '"')
			return true;
		for (q = p; (q = strpbrk(q, "\"\\")); q++) {
			if (*q == '"') {
				*q = 0;
				break;
			}
			memmove(q, q + 1, strlen(q));
		}
		if (!q) {
			conf_warning("invalid string found");
			return false;
		}
		/* fall through */
	case S_INT:
	case S_HEX:
		if (!sym_string_valid(sym, p)) {
			conf_warning("symbol value '%s' invalid for %s", p, sym->name);
			return false;
		}
		sym->user_val = xstrdup(p);
		sym->flags |= SYM_DEF_USER;
		return true;
	default:
		return true;
	}
}

static void note_choice_value(struct symbol *sym)
{
	struct symbol *cs = sym->choice;

	if (sym->user_tri == MOD && cs->user_tri == YES) {
		conf_warning("%s creates inconsistent choice state", sym->name);
		cs->flags &= ~SYM_DEF_USER;
	} else if (sym->user_tri == YES) {
		if (cs->user_tri != NO)
			conf_warning("override: %s changes choice state", sym->name);
		cs->user_choice = sym;
	}
	if (sym->user_tri > cs->user_tri)
		cs->user_tri = sym->user_tri;
}

static void parse_config_line(char *line)
{
	struct symbol *sym;
	char *p, *nl;

	if ((nl = strchr(line, '\n')))
		*nl = 0;
	if (nl && nl > line && nl[-1] == '\r')
		nl[-1] = 0;
	if (line[0] == '#') {
		if (strncmp(line + 2, PREFIX, PREFIX_LEN))
			return;
		p = strchr(line + 2 + PREFIX_LEN, ' ');
		if (!p)
			return;
		*p++ = 0;
		if (strncmp(p, "is not set", 10))
			return;
		sym = sym_find(line + 2 + PREFIX_LEN);
		if (!sym) {
			sym_change_count++;
			return;
		}
		if (sym->flags & SYM_DEF_USER)
			conf_warning("override: reassigning to symbol %s", sym->name);
		if (sym->type == S_BOOLEAN || sym->type == S_TRISTATE) {
			sym->user_tri = NO;
			sym->flags |= SYM_DEF_USER;
		}
	} else if (!strncmp(line, PREFIX, PREFIX_LEN)) {
		p = strchr(line + PREFIX_LEN, '=');
		if (!p)
			return;
		*p++ = 0;
		sym = sym_find(line + PREFIX_LEN);
		if (!sym) {
			sym_change_count++;
			return;
		}
		if (sym->flags & SYM_DEF_USER)
			conf_warning("override: reassigning to symbol %s", sym->name);
		if (!set_value(sym, p))
			return;
	} else {
		if (line[0] && line[0] != '\r')
			conf_warning("unexpected data");
		return;
	}
	if (sym->flags & SYM_CHOICEVAL)
		note_choice_value(sym);
}

/* Counts symbols whose saved state no longer matches what would be written now. */
static void check_unsaved(struct symbol *sym, void *arg)
{
	(void)arg;
	sym_calc_value(sym);
	if ((sym->flags & (SYM_CHOICE | SYM_AUTO)))
		return;
	if (sym_has_value(sym) && (sym->flags & SYM_WRITE)) {
		if (sym->type == S_BOOLEAN || sym->type == S_TRISTATE) {
			if (sym->user_tri == sym->tri)
				return;
		} else if (!strcmp(sym->val, sym->user_val)) {
			return;
		}
	} else if (!sym_has_value(sym) && !(sym->flags & SYM_WRITE)) {
		return;
	}
	conf_unsaved++;
}

static void forget_hidden(struct symbol *sym, void *arg)
{
	(void)arg;
	if (!sym_has_value(sym) || (sym->flags & SYM_CHOICEVAL))
		return;
	/* Hidden values are dropped so they show up as new once they become visible. */
	if (sym->visible == NO && !conf_unsaved)
		sym->flags &= ~SYM_DEF_USER;
	if (sym->type != S_STRING && sym->type != S_INT && sym->type != S_HEX)
		return;
	if (!sym_string_within_range(sym, sym->user_val)) {
		sym->flags &= ~(SYM_VALID | SYM_DEF_USER);
		conf_unsaved++;
	}
}

int conf_read(const char *path)
{
	const char *name = path ? path : conf_config_name();
	FILE *f = fopen(name, "r");
	char *line = NULL;
	size_t cap = 0;

	sym_change_count = 0;
	if (!f) {
		if (!path)
			sym_change_count++;
		return 1;
	}
	read_name = name;
	read_line = 0;
	conf_warnings = conf_unsaved = 0;
	sym_foreach(reset_user_value, NULL);
	while (getline(&line, &cap, f) != -1) {
		read_line++;
		parse_config_line(line);
	}
	free(line);
	fclose(f);

	sym_foreach(check_unsaved, NULL);
	sym_foreach(forget_hidden, NULL);
	if (conf_warnings || conf_unsaved)
		sym_change_count++;
	return 0;
}

/* Writes to a temporary file beside path and renames it over, so readers never see half. */
static FILE *open_atomic(const char *path, char **tmp)
{
	FILE *f;

	*tmp = xmalloc(strlen(path) + 32);
	sprintf(*tmp, "%s.tmp%ld", path, (long)getpid());
	f = fopen(*tmp, "w");
	if (!f)
		die("can't create %s: %s", *tmp, strerror(errno));
	return f;
}

static void commit_atomic(FILE *f, const char *tmp, const char *path, bool backup)
{
	if (fflush(f) || ferror(f) || fclose(f)) {
		unlink(tmp);
		die("error writing %s: %s", tmp, strerror(errno));
	}
	if (backup && !access(path, F_OK)) {
		char *old = xmalloc(strlen(path) + 5);

		/* A hard link keeps the current file in place until the rename replaces it. */
		sprintf(old, "%s.old", path);
		unlink(old);
		if (link(path, old))
			fprintf(stderr, "conf: no backup %s: %s\n", old, strerror(errno));
	}
	if (rename(tmp, path)) {
		unlink(tmp);
		die("can't rename %s to %s: %s", tmp, path, strerror(errno));
	}
}

static void write_symbol(FILE *out, struct symbol *sym)
{
	const char *s;

	switch (sym->type) {
	case S_BOOLEAN:
	case S_TRISTATE:
		if (sym->tri == NO)
			fprintf(out, "# " PREFIX "%s is not set\n", sym->name);
		else
			fprintf(out, PREFIX "%s=y\n", sym->name);
		break;
	case S_STRING:
		fprintf(out, PREFIX "%s=\"", sym->name);
		for (s = sym->val; *s; s++) {
			if (*s == '"' || *s == '\\')
				fputc('\\', out);
			fputc(*s, out);
		}
		fputs("\"\n", out);
		break;
	case S_INT:
	case S_HEX:
		fprintf(out, PREFIX "%s=%s\n", sym->name, sym->val);
		break;
	default:
		break;
	}
}

static void clear_saved(struct symbol *sym, void *arg)
{
	(void)arg;
	sym->flags &= ~SYM_SAVED;
}

void conf_write(const char *path)
{
	const char *name = path ? path : conf_config_name();
	struct menu *m;
	char *tmp;
	FILE *out = open_atomic(name, &tmp);

	fprintf(out, "#\n# Automatically generated file; DO NOT EDIT.\n# %s\n#\n",
		rootmenu.prompt->text);
	if (!sym_change_count)
		sym_clear_all_valid();
	sym_foreach(clear_saved, NULL);
	for (m = rootmenu.list; m; m = menu_next(m)) {
		struct symbol *sym = m->sym;

		if (!sym) {
			if (menu_is_visible(m))
				fprintf(out, "\n#\n# %s\n#\n", m->prompt->text);
			continue;
		}
		if (sym->flags & SYM_CHOICE)
			continue;
		sym_calc_value(sym);
		/* A symbol defined in several places is written at its first one. */
		if (!(sym->flags & SYM_WRITE))
			continue;
		sym->flags &= ~SYM_WRITE;
		sym->flags |= SYM_SAVED;
		write_symbol(out, sym);
	}
	commit_atomic(out, tmp, name, true);
	sym_change_count = 0;
	printf("#\n# configuration written to %s\n#\n", name);
}

/* Only what differs from the defaults, so that defconfig files stay short and stable. */
void conf_write_defconfig(const char *path)
{
	struct menu *m;
	char *tmp;
	FILE *out = open_atomic(path, &tmp);

	sym_clear_all_valid();
	for (m = rootmenu.list; m; m = menu_next(m)) {
		struct symbol *sym = m->sym;

		if (!sym || (sym->flags & SYM_CHOICE))
			continue;
		sym_calc_value(sym);
		if (!(sym->flags & SYM_WRITE))
			continue;
		sym->flags &= ~SYM_WRITE;
		if (!sym_is_changeable(sym))
			continue;
		if (!strcmp(sym_string_value(sym), sym_string_default(sym)))
			continue;
		/* The default of a mandatory choice is implied by the choice itself. */
		if (sym->flags & SYM_CHOICEVAL) {
			struct symbol *cs = sym->choice;

			if (!(cs->flags & SYM_OPTIONAL) && sym == sym_choice_default(cs) &&
			    sym->type == S_BOOLEAN && sym->tri == YES)
				continue;
		}
		write_symbol(out, sym);
	}
	commit_atomic(out, tmp, path, false);
}

static struct symbol **header_syms;
static size_t header_count;

static void collect_header_sym(struct symbol *sym, void *arg)
{
	(void)arg;
	if (!sym->name || (sym->flags & (SYM_CONST | SYM_CHOICE | SYM_AUTO)))
		return;
	if (sym->type == S_UNKNOWN)
		return;
	header_syms = realloc(header_syms, (header_count + 1) * sizeof(*header_syms));
	if (!header_syms)
		die("out of memory");
	header_syms[header_count++] = sym;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct symbol *const *)a)->name, (*(struct symbol *const *)b)->name);
}

/* Describes exactly what the last conf_write() saved. */
void conf_write_header(const char *path)
{
	char *tmp;
	FILE *out = open_atomic(path, &tmp);
	size_t i;

	header_count = 0;
	sym_foreach(collect_header_sym, NULL);
	qsort(header_syms, header_count, sizeof(*header_syms), by_name);
	/* IF_NOT_FOO would be defined twice if both FOO and NOT_FOO existed. */
	for (i = 0; i < header_count; i++) {
		const char *n = header_syms[i]->name;
		struct symbol *other = !strncmp(n, "NOT_", 4) ? sym_find(n + 4) : NULL;

		if (other && other->type != S_UNKNOWN) {
			unlink(tmp);
			die("symbols %s and %s both define IF_NOT_%s", n, n + 4, n + 4);
		}
	}
	fputs("/* Automatically generated by kconfig/conf: do not edit */\n"
	      "#ifndef OCIBOX_AUTOCONF_H\n#define OCIBOX_AUTOCONF_H\n",
	      out);
	for (i = 0; i < header_count; i++) {
		struct symbol *sym = header_syms[i];
		const char *n = sym->name, *s;
		bool on = false;

		if (sym->flags & SYM_SAVED) {
			if (sym->type == S_BOOLEAN || sym->type == S_TRISTATE)
				on = sym->tri != NO;
			else
				on = sym->type == S_STRING || *sym->val;
		}
		if (!on) {
			fprintf(out, "#undef CONFIG_%s\n#define ENABLE_%s 0\n#define IF_%s(...)\n"
				     "#define IF_NOT_%s(...) __VA_ARGS__\n",
				n, n, n, n);
			continue;
		}
		if (sym->type == S_STRING) {
			fprintf(out, "#define CONFIG_%s \"", n);
			for (s = sym->val; *s; s++) {
				if (*s == '"' || *s == '\\')
					fputc('\\', out);
				fputc(*s, out);
			}
			fputs("\"\n", out);
		} else {
			fprintf(out, "#define CONFIG_%s %s\n", n,
				sym->type == S_INT || sym->type == S_HEX ? sym->val : "1");
		}
		fprintf(out, "#define ENABLE_%s 1\n#define IF_%s(...) __VA_ARGS__\n"
			     "#define IF_NOT_%s(...)\n",
			n, n, n);
	}
	fputs("#endif\n", out);
	commit_atomic(out, tmp, path, false);
}
