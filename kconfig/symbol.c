/*
 * Symbol table and value computation. The rules (visibility, user value, defaults, selects,
 * choices, ranges) follow kconfig's observable behaviour so that either tool produces the
 * same .config from the same input.
 */
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"

struct symbol symbol_yes = {.name = "y", .tri = YES, .val = "y", .flags = SYM_CONST | SYM_VALID};
struct symbol symbol_mod = {.name = "m", .tri = MOD, .val = "m", .flags = SYM_CONST | SYM_VALID};
struct symbol symbol_no = {.name = "n", .tri = NO, .val = "n", .flags = SYM_CONST | SYM_VALID};

/* Non-zero once anything changed since the .config was read; decides whether writing it
 * recomputes every value first (kconfig does so only for an unchanged configuration). */
int sym_change_count = 1;

#define HASH_SIZE 1024

static struct symbol *hash[HASH_SIZE];
static struct symbol **all; /* in creation order, for deterministic walks */
static size_t nall, capall;

static unsigned strhash(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % HASH_SIZE;
}

static struct symbol *single_char_const(const char *name)
{
	if (!name[0] || name[1])
		return NULL;
	switch (name[0]) {
	case 'y':
		return &symbol_yes;
	case 'm':
		return &symbol_mod;
	case 'n':
		return &symbol_no;
	}
	return NULL;
}

/* flags selects the namespace: 0 for config symbols, SYM_CONST for quoted constants,
 * SYM_CHOICE for named choices. */
struct symbol *sym_lookup(const char *name, unsigned flags)
{
	struct symbol *sym;
	unsigned h = 0;

	if (name) {
		if ((sym = single_char_const(name)))
			return sym;
		h = strhash(name);
		for (sym = hash[h]; sym; sym = sym->next) {
			if (strcmp(sym->name, name))
				continue;
			if (flags ? sym->flags & flags : !(sym->flags & (SYM_CONST | SYM_CHOICE)))
				return sym;
		}
	}
	sym = xcalloc(1, sizeof(*sym));
	sym->name = name ? xstrdup(name) : NULL;
	sym->flags = flags;
	sym->val = "";
	if (name) {
		sym->next = hash[h];
		hash[h] = sym;
	}
	if (nall == capall) {
		capall = capall ? 2 * capall : 256;
		all = realloc(all, capall * sizeof(*all));
		if (!all)
			die("out of memory");
	}
	all[nall++] = sym;
	return sym;
}

struct symbol *sym_find(const char *name)
{
	struct symbol *sym = single_char_const(name);

	if (sym)
		return sym;
	for (sym = hash[strhash(name)]; sym; sym = sym->next)
		if (!strcmp(sym->name, name) && !(sym->flags & SYM_CONST))
			return sym;
	return NULL;
}

void sym_foreach(void (*fn)(struct symbol *sym, void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < nall; i++)
		fn(all[i], arg);
}

void sym_clear_all_valid(void)
{
	size_t i;

	for (i = 0; i < nall; i++)
		all[i]->flags &= ~SYM_VALID;
	sym_change_count++;
}

/* Without an "option modules" symbol tristates behave as bools. */
enum sym_type sym_get_type(struct symbol *sym)
{
	return sym->type == S_TRISTATE ? S_BOOLEAN : sym->type;
}

bool sym_has_value(struct symbol *sym)
{
	return sym->flags & SYM_DEF_USER;
}

bool sym_is_changeable(struct symbol *sym)
{
	return sym->visible > sym->rev_dep_tri;
}

const char *sym_string_value(struct symbol *sym)
{
	if (sym->type == S_BOOLEAN || sym->type == S_TRISTATE)
		return sym->tri == YES ? "y" : "n";
	return sym->val;
}

static enum tri mod_to_yes(enum tri t)
{
	return t == MOD ? YES : t;
}

static void sym_calc_visibility(struct symbol *sym)
{
	struct property *prop;
	enum tri tri = NO;

	for (prop = sym->prop; prop; prop = prop->next) {
		if (!prop->text)
			continue;
		prop->visible_tri = expr_value(prop->visible);
		if (prop->visible_tri > tri)
			tri = prop->visible_tri;
	}
	sym->visible = mod_to_yes(tri);
	if (sym->flags & SYM_CHOICEVAL)
		return;
	sym->dir_dep_tri = sym->dir_dep ? mod_to_yes(expr_value(sym->dir_dep)) : YES;
	tri = sym->rev_dep ? expr_value(sym->rev_dep) : NO;
	sym->rev_dep_tri = sym_get_type(sym) == S_BOOLEAN ? mod_to_yes(tri) : tri;
	tri = sym->implied && sym->dir_dep_tri != NO ? expr_value(sym->implied) : NO;
	sym->implied_tri = sym_get_type(sym) == S_BOOLEAN ? mod_to_yes(tri) : tri;
}

static struct property *sym_default_prop(struct symbol *sym)
{
	struct property *prop;

	for (prop = sym->prop; prop; prop = prop->next) {
		if (prop->type != P_DEFAULT)
			continue;
		prop->visible_tri = expr_value(prop->visible);
		if (prop->visible_tri != NO)
			return prop;
	}
	return NULL;
}

static struct property *range_prop(struct symbol *sym)
{
	struct property *prop;

	for (prop = sym->prop; prop; prop = prop->next) {
		if (prop->type != P_RANGE)
			continue;
		prop->visible_tri = expr_value(prop->visible);
		if (prop->visible_tri != NO)
			return prop;
	}
	return NULL;
}

static long long range_bound(struct symbol *bound, int base)
{
	sym_calc_value(bound);
	if (bound->type == S_INT)
		base = 10;
	else if (bound->type == S_HEX)
		base = 16;
	return strtoll(bound->val, NULL, base);
}

/* An int or hex value outside the active range is clamped to the nearer bound. */
static void validate_range(struct symbol *sym)
{
	struct property *prop;
	int base = sym->type == S_INT ? 10 : 16;
	long long val, bound;
	char buf[64];

	if (sym->type != S_INT && sym->type != S_HEX)
		return;
	prop = range_prop(sym);
	if (!prop)
		return;
	val = strtoll(sym->val, NULL, base);
	bound = range_bound(prop->expr->lsym, base);
	if (val >= bound) {
		bound = range_bound(prop->expr->rsym, base);
		if (val <= bound)
			return;
	}
	if (sym->type == S_INT)
		snprintf(buf, sizeof(buf), "%lld", bound);
	else
		snprintf(buf, sizeof(buf), "0x%llx", bound);
	sym->val = xstrdup(buf);
}

struct symbol *sym_choice_default(struct symbol *choice)
{
	struct property *prop;
	int i;

	for (prop = choice->prop; prop; prop = prop->next) {
		if (prop->type != P_DEFAULT)
			continue;
		prop->visible_tri = expr_value(prop->visible);
		if (prop->visible_tri != NO && prop->expr->lsym->visible != NO)
			return prop->expr->lsym;
	}
	for (i = 0; i < choice->nvalues; i++)
		if (choice->values[i]->visible != NO)
			return choice->values[i];
	return NULL;
}

static struct symbol *calc_choice(struct symbol *choice)
{
	unsigned flags = choice->flags;
	struct symbol *def;
	int i;

	for (i = 0; i < choice->nvalues; i++) {
		sym_calc_visibility(choice->values[i]);
		if (choice->values[i]->visible != NO)
			flags &= choice->values[i]->flags;
	}
	/* A choice with a visible value the user never saw counts as new again. */
	choice->flags &= flags | ~SYM_DEF_USER;

	def = choice->user_choice;
	if (def && def->visible != NO)
		return def;
	def = sym_choice_default(choice);
	if (!def)
		choice->tri = NO;
	return def;
}

void sym_set_all_choice_values(struct symbol *choice)
{
	int i;

	for (i = 0; i < choice->nvalues; i++)
		if (!sym_has_value(choice->values[i]))
			choice->values[i]->user_tri = NO;
	choice->flags |= SYM_DEF_USER;
	choice->flags &= ~(SYM_VALID | SYM_NEED_SET_CHOICE);
}

static void calc_bool(struct symbol *sym, enum tri *val)
{
	struct property *prop;

	if ((sym->flags & SYM_CHOICEVAL) && sym->visible == YES) {
		*val = sym->choice->chosen == sym ? YES : NO;
		return;
	}
	if (sym->visible != NO) {
		sym->flags |= SYM_WRITE;
		if (sym_has_value(sym)) {
			*val = sym->user_tri < sym->visible ? sym->user_tri : sym->visible;
			goto selects;
		}
	}
	if (sym->rev_dep_tri != NO)
		sym->flags |= SYM_WRITE;
	if (!(sym->flags & SYM_CHOICE)) {
		prop = sym_default_prop(sym);
		if (prop) {
			enum tri t = expr_value(prop->expr);

			sym->flags |= SYM_WRITE;
			*val = t < prop->visible_tri ? t : prop->visible_tri;
		}
		if (sym->implied_tri != NO) {
			sym->flags |= SYM_WRITE;
			if (sym->implied_tri > *val)
				*val = sym->implied_tri;
		}
	}
selects:
	if (sym->dir_dep_tri == NO && sym->rev_dep_tri != NO && !(sym->flags & SYM_WARNED)) {
		sym->flags |= SYM_WARNED;
		fprintf(stderr, "warning: %s is selected but has unmet direct dependencies\n",
			sym->name);
	}
	if (sym->rev_dep_tri > *val)
		*val = sym->rev_dep_tri;
	*val = mod_to_yes(*val);
}

static void calc_string(struct symbol *sym, const char **val)
{
	struct property *prop;

	if (sym->visible != NO) {
		sym->flags |= SYM_WRITE;
		if (sym_has_value(sym)) {
			*val = sym->user_val;
			return;
		}
	}
	prop = sym_default_prop(sym);
	if (prop && prop->expr->type == E_SYMBOL) {
		sym->flags |= SYM_WRITE;
		sym_calc_value(prop->expr->lsym);
		*val = prop->expr->lsym->val;
	}
}

void sym_calc_value(struct symbol *sym)
{
	enum tri tri = NO;
	const char *val;
	int i;

	if (!sym || (sym->flags & SYM_VALID))
		return;
	if ((sym->flags & SYM_CHOICEVAL) && (sym->flags & SYM_NEED_SET_CHOICE)) {
		sym->flags &= ~SYM_NEED_SET_CHOICE;
		sym_calc_value(sym->choice);
	}
	sym->flags |= SYM_VALID;

	switch (sym->type) {
	case S_INT:
	case S_HEX:
	case S_STRING:
		val = "";
		break;
	case S_BOOLEAN:
	case S_TRISTATE:
		val = "n";
		break;
	default:
		sym->val = sym->name;
		sym->tri = NO;
		return;
	}
	if (!(sym->flags & SYM_CHOICEVAL))
		sym->flags &= ~SYM_WRITE;
	sym_calc_visibility(sym);

	/* What a recursive evaluation of this symbol sees meanwhile. */
	sym->tri = NO;
	sym->val = val;
	sym->chosen = NULL;

	if (sym->type == S_BOOLEAN || sym->type == S_TRISTATE)
		calc_bool(sym, &tri);
	else
		calc_string(sym, &val);

	sym->tri = tri;
	sym->val = val;
	if ((sym->flags & SYM_CHOICE) && tri == YES)
		sym->chosen = calc_choice(sym);
	validate_range(sym);

	if (sym->flags & SYM_CHOICE) {
		for (i = 0; i < sym->nvalues; i++)
			if ((sym->flags & SYM_WRITE) && sym->values[i]->visible != NO)
				sym->values[i]->flags |= SYM_WRITE;
	}
	if (sym->flags & SYM_AUTO)
		sym->flags &= ~SYM_WRITE;
	if (sym->flags & SYM_NEED_SET_CHOICE)
		sym_set_all_choice_values(sym);
}

bool sym_string_valid(struct symbol *sym, const char *str)
{
	const char *p = str;

	switch (sym->type) {
	case S_STRING:
		return true;
	case S_INT:
		if (*p == '-')
			p++;
		if (*p < '0' || *p > '9' || (*p == '0' && p[1]))
			return false;
		for (; *p; p++)
			if (*p < '0' || *p > '9')
				return false;
		return true;
	case S_HEX:
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
			p += 2;
		if (!*p)
			return false;
		for (; *p; p++)
			if (!strchr("0123456789abcdefABCDEF", *p))
				return false;
		return true;
	case S_BOOLEAN:
	case S_TRISTATE:
		return *str && strchr("yYmMnN", *str);
	default:
		return false;
	}
}

bool sym_tristate_within_range(struct symbol *sym, enum tri val)
{
	if (sym->visible == NO || sym_get_type(sym) != S_BOOLEAN)
		return false;
	if (val == MOD || sym->visible <= sym->rev_dep_tri)
		return false;
	if ((sym->flags & SYM_CHOICEVAL) && sym->visible == YES)
		return val == YES;
	return val >= sym->rev_dep_tri && val <= sym->visible;
}

bool sym_string_within_range(struct symbol *sym, const char *str)
{
	struct property *prop;
	int base = sym->type == S_INT ? 10 : 16;
	long long val;

	switch (sym->type) {
	case S_STRING:
		return true;
	case S_INT:
	case S_HEX:
		if (!sym_string_valid(sym, str))
			return false;
		prop = range_prop(sym);
		if (!prop)
			return true;
		val = strtoll(str, NULL, base);
		return val >= range_bound(prop->expr->lsym, base) &&
		       val <= range_bound(prop->expr->rsym, base);
	case S_BOOLEAN:
	case S_TRISTATE:
		switch (*str) {
		case 'y':
		case 'Y':
			return sym_tristate_within_range(sym, YES);
		case 'n':
		case 'N':
			return sym_tristate_within_range(sym, NO);
		}
		return false;
	default:
		return false;
	}
}

bool sym_set_tristate(struct symbol *sym, enum tri val)
{
	enum tri old = sym->tri;
	int i;

	if (old != val && !sym_tristate_within_range(sym, val))
		return false;
	sym->flags |= SYM_DEF_USER;
	/* Picking a choice value answers the whole choice. */
	if ((sym->flags & SYM_CHOICEVAL) && val == YES) {
		struct symbol *cs = sym->choice;

		cs->user_choice = sym;
		cs->flags |= SYM_DEF_USER;
		for (i = 0; i < cs->nvalues; i++)
			if (cs->values[i]->visible != NO)
				cs->values[i]->flags |= SYM_DEF_USER;
	}
	sym->user_tri = val;
	if (old != val)
		sym_clear_all_valid();
	return true;
}

bool sym_set_string(struct symbol *sym, const char *val)
{
	char *copy;

	switch (sym->type) {
	case S_BOOLEAN:
	case S_TRISTATE:
		if (*val == 'y' || *val == 'Y')
			return sym_set_tristate(sym, YES);
		if (*val == 'n' || *val == 'N')
			return sym_set_tristate(sym, NO);
		return false;
	default:
		break;
	}
	if (!sym_string_within_range(sym, val))
		return false;
	sym->flags |= SYM_DEF_USER;
	if (sym->type == S_HEX && (val[0] != '0' || (val[1] != 'x' && val[1] != 'X'))) {
		copy = xmalloc(strlen(val) + 3);
		sprintf(copy, "0x%s", val);
	} else if (!sym->user_val || strcmp(sym->user_val, val)) {
		copy = xstrdup(val);
	} else {
		return true;
	}
	sym->user_val = copy;
	sym_clear_all_valid();
	return true;
}

/* The value defaults and selects alone would give; savedefconfig omits symbols equal to it. */
const char *sym_string_default(struct symbol *sym)
{
	struct property *prop;
	const char *str = "";
	enum tri val = NO;

	sym_calc_visibility(sym);
	prop = sym_default_prop(sym);
	if (prop) {
		if (sym->type == S_BOOLEAN || sym->type == S_TRISTATE) {
			enum tri t = expr_value(prop->expr);

			val = t < prop->visible_tri ? t : prop->visible_tri;
		} else if (prop->expr->type == E_SYMBOL) {
			sym_calc_value(prop->expr->lsym);
			str = prop->expr->lsym->val;
		}
	}
	if (sym->implied_tri > val)
		val = sym->implied_tri;
	if (sym->rev_dep_tri > val)
		val = sym->rev_dep_tri;
	if (val == MOD && !(sym->flags & SYM_CHOICEVAL))
		val = YES;
	if (sym->type == S_BOOLEAN || sym->type == S_TRISTATE)
		return val == YES ? "y" : val == MOD ? "m" : "n";
	if (sym->type == S_INT || sym->type == S_HEX || sym->type == S_STRING)
		return str;
	return "";
}
