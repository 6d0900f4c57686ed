/* Dependency expressions: construction, evaluation and the comparisons menu nesting needs. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"

struct expr *expr_symbol(struct symbol *sym)
{
	struct expr *e = xcalloc(1, sizeof(*e));

	e->type = E_SYMBOL;
	e->lsym = sym;
	return e;
}

struct expr *expr_one(enum expr_type type, struct expr *l)
{
	struct expr *e = xcalloc(1, sizeof(*e));

	e->type = type;
	e->left = l;
	return e;
}

struct expr *expr_two(enum expr_type type, struct expr *l, struct expr *r)
{
	struct expr *e = expr_one(type, l);

	e->right = r;
	return e;
}

struct expr *expr_compare(enum expr_type type, struct symbol *l, struct symbol *r)
{
	struct expr *e = xcalloc(1, sizeof(*e));

	e->type = type;
	e->lsym = l;
	e->rsym = r;
	return e;
}

/* A missing expression means "always"; joining with it must not lose the other side. */
struct expr *expr_and(struct expr *a, struct expr *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return expr_two(E_AND, a, b);
}

struct expr *expr_or(struct expr *a, struct expr *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return expr_two(E_OR, a, b);
}

enum kind { K_STRING, K_SIGNED, K_UNSIGNED };

union number {
	long long s;
	unsigned long long u;
};

/* How kconfig decides whether "A = B" compares numbers or text. */
static enum kind parse_number(const char *str, enum sym_type type, union number *val)
{
	char *tail;
	enum kind kind = K_SIGNED;

	errno = 0;
	switch (type) {
	case S_BOOLEAN:
	case S_TRISTATE:
		val->s = !strcmp(str, "n") ? 0 : !strcmp(str, "m") ? 1 : !strcmp(str, "y") ? 2 : -1;
		return K_SIGNED;
	case S_INT:
		val->s = strtoll(str, &tail, 10);
		break;
	case S_HEX:
		val->u = strtoull(str, &tail, 16);
		kind = K_UNSIGNED;
		break;
	default:
		val->s = strtoll(str, &tail, 0);
		break;
	}
	if (errno || *tail || tail == str || !isxdigit((unsigned char)tail[-1]))
		return K_STRING;
	return kind;
}

static enum tri compare_value(struct expr *e)
{
	enum kind k1 = K_STRING, k2 = K_STRING;
	union number l = {0}, r = {0};
	const char *s1, *s2;
	int res;

	sym_calc_value(e->lsym);
	sym_calc_value(e->rsym);
	s1 = sym_string_value(e->lsym);
	s2 = sym_string_value(e->rsym);
	if (e->lsym->type != S_STRING || e->rsym->type != S_STRING) {
		k1 = parse_number(s1, e->lsym->type, &l);
		k2 = parse_number(s2, e->rsym->type, &r);
	}
	if (k1 == K_STRING || k2 == K_STRING)
		res = strcmp(s1, s2);
	else if (k1 == K_UNSIGNED || k2 == K_UNSIGNED)
		res = (l.u > r.u) - (l.u < r.u);
	else
		res = (l.s > r.s) - (l.s < r.s);

	switch (e->type) {
	case E_EQUAL:
		return res ? NO : YES;
	case E_UNEQUAL:
		return res ? YES : NO;
	case E_LTH:
		return res < 0 ? YES : NO;
	case E_LEQ:
		return res <= 0 ? YES : NO;
	case E_GTH:
		return res > 0 ? YES : NO;
	default:
		return res >= 0 ? YES : NO;
	}
}

enum tri expr_value(struct expr *e)
{
	enum tri a, b;

	if (!e)
		return YES;
	switch (e->type) {
	case E_SYMBOL:
		sym_calc_value(e->lsym);
		return e->lsym->tri;
	case E_NOT:
		return 2 - expr_value(e->left);
	case E_AND:
		a = expr_value(e->left);
		b = expr_value(e->right);
		return a < b ? a : b;
	case E_OR:
		a = expr_value(e->left);
		b = expr_value(e->right);
		return a > b ? a : b;
	default:
		return compare_value(e);
	}
}

static bool expr_contains(struct expr *e, struct symbol *sym)
{
	if (!e)
		return false;
	switch (e->type) {
	case E_SYMBOL:
		return e->lsym == sym;
	case E_NOT:
		return expr_contains(e->left, sym);
	case E_AND:
	case E_OR:
		return expr_contains(e->left, sym) || expr_contains(e->right, sym);
	default:
		return e->lsym == sym || e->rsym == sym;
	}
}

/* True when dep requires sym to be on: "sym", "sym = y/m" or "sym != n" as an AND term. */
static bool expr_depends_on(struct expr *dep, struct symbol *sym)
{
	if (!dep)
		return false;
	switch (dep->type) {
	case E_AND:
		return expr_depends_on(dep->left, sym) || expr_depends_on(dep->right, sym);
	case E_SYMBOL:
		return dep->lsym == sym;
	case E_EQUAL:
		return dep->lsym == sym && (dep->rsym == &symbol_yes || dep->rsym == &symbol_mod);
	case E_UNEQUAL:
		return dep->lsym == sym && dep->rsym == &symbol_no;
	default:
		return false;
	}
}

static struct expr *constant(bool yes)
{
	return expr_symbol(yes ? &symbol_yes : &symbol_no);
}

static bool is_const(struct expr *e, struct symbol *c)
{
	return e->type == E_SYMBOL && e->lsym == c;
}

static enum expr_type negate_compare(enum expr_type t)
{
	switch (t) {
	case E_EQUAL:
		return E_UNEQUAL;
	case E_UNEQUAL:
		return E_EQUAL;
	case E_LTH:
		return E_GEQ;
	case E_LEQ:
		return E_GTH;
	case E_GTH:
		return E_LEQ;
	default:
		return E_LTH;
	}
}

/*
 * Canonical form: negations pushed to the leaves and a bool compared with y or n turned
 * into the bare symbol. Constants the author wrote stay, as they do in kconfig.
 */
static struct expr *normalize(struct expr *e, bool neg)
{
	enum expr_type t;

	switch (e->type) {
	case E_SYMBOL:
		if (!neg)
			return expr_symbol(e->lsym);
		if (e->lsym == &symbol_yes || e->lsym == &symbol_no)
			return constant(e->lsym == &symbol_no);
		if (e->lsym == &symbol_mod)
			return expr_symbol(&symbol_mod);
		return expr_one(E_NOT, expr_symbol(e->lsym));
	case E_NOT:
		return normalize(e->left, !neg);
	case E_AND:
	case E_OR:
		t = (e->type == E_AND) != neg ? E_AND : E_OR;
		return expr_two(t, normalize(e->left, neg), normalize(e->right, neg));
	default:
		t = neg ? negate_compare(e->type) : e->type;
		if (e->lsym->type == S_BOOLEAN && (t == E_EQUAL || t == E_UNEQUAL)) {
			struct expr leaf = {.type = E_SYMBOL, .lsym = e->lsym};

			if (e->rsym == &symbol_yes)
				return normalize(&leaf, t != E_EQUAL);
			if (e->rsym == &symbol_no)
				return normalize(&leaf, t != E_UNEQUAL);
		}
		/* A tristate keeps its comparisons, except "!= n" which means "on". */
		if (e->lsym->type == S_TRISTATE && t == E_UNEQUAL && e->rsym == &symbol_no)
			return expr_symbol(e->lsym);
		return expr_compare(t, e->lsym, e->rsym);
	}
}

static bool expr_equal(struct expr *a, struct expr *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case E_SYMBOL:
		return a->lsym == b->lsym;
	case E_NOT:
		return expr_equal(a->left, b->left);
	case E_AND:
	case E_OR:
		return (expr_equal(a->left, b->left) && expr_equal(a->right, b->right)) ||
		       (expr_equal(a->left, b->right) && expr_equal(a->right, b->left));
	default:
		return a->lsym == b->lsym && a->rsym == b->rsym;
	}
}

/* "A" and "!A" of the same bool, which kconfig folds to y in a disjunction. */
static bool complementary(struct expr *a, struct expr *b)
{
	if (a->type == E_NOT && b->type != E_NOT)
		return complementary(b, a);
	return a->type == E_SYMBOL && b->type == E_NOT && b->left->type == E_SYMBOL &&
	       a->lsym == b->left->lsym && a->lsym->type == S_BOOLEAN;
}

struct slots {
	struct expr **at[64]; /* where each term of the chain hangs */
	int n;
};

static bool collect_terms(struct expr **e, enum expr_type type, struct slots *s)
{
	if ((*e)->type == type)
		return collect_terms(&(*e)->left, type, s) && collect_terms(&(*e)->right, type, s);
	if (s->n == (int)(sizeof(s->at) / sizeof(s->at[0])))
		return false;
	s->at[s->n++] = e;
	return true;
}

static bool is_yes_or_no(struct expr *e)
{
	return is_const(e, &symbol_yes) || is_const(e, &symbol_no);
}

/*
 * Merges duplicate terms of each AND/OR chain (and "A || !A"), replacing the absorbed one
 * by the chain's neutral constant. Returns whether anything changed.
 */
static bool merge_terms(struct expr *e)
{
	struct slots s = {.n = 0};
	bool changed = false;
	int i, j;

	if ((e->type != E_AND && e->type != E_OR) || !collect_terms(&e, e->type, &s))
		return false;
	for (i = 0; i < s.n; i++)
		changed |= merge_terms(*s.at[i]);
	for (i = 0; i < s.n; i++) {
		for (j = i + 1; j < s.n; j++) {
			struct expr *a = *s.at[i], *b = *s.at[j], *joined = NULL;

			if (is_yes_or_no(a) && is_yes_or_no(b) && a->lsym == b->lsym)
				continue;
			if (expr_equal(a, b))
				joined = b;
			else if (e->type == E_OR && complementary(a, b))
				joined = constant(true);
			if (!joined)
				continue;
			*s.at[i] = constant(e->type == E_AND);
			*s.at[j] = joined;
			changed = true;
		}
	}
	return changed;
}

static struct expr *fold_constants(struct expr *e)
{
	struct expr *neutral, *absorbing;

	if (e->type != E_AND && e->type != E_OR)
		return e;
	e->left = fold_constants(e->left);
	e->right = fold_constants(e->right);
	neutral = constant(e->type == E_AND);
	absorbing = constant(e->type == E_OR);
	if (is_const(e->left, absorbing->lsym) || is_const(e->right, absorbing->lsym))
		return absorbing;
	if (is_const(e->left, neutral->lsym))
		return e->right;
	if (is_const(e->right, neutral->lsym))
		return e->left;
	return e;
}

/* Kconfig simplifies every dependency this way before it decides on menu nesting. */
static struct expr *simplify(struct expr *e)
{
	e = normalize(e, false);
	while (merge_terms(e))
		e = fold_constants(e);
	return e;
}

static bool has_term(struct expr *conj, struct expr *term)
{
	if (conj->type == E_AND)
		return has_term(conj->left, term) || has_term(conj->right, term);
	return expr_equal(conj, term);
}

static bool all_terms_in(struct expr *base, struct expr *dep)
{
	if (base->type == E_AND)
		return all_terms_in(base->left, dep) && all_terms_in(base->right, dep);
	return has_term(dep, base);
}

/*
 * Whether the entry with dependencies dep belongs under the symbol sym whose prompt has
 * dependencies base: dep must mention sym and either require it outright or be a
 * conjunction that contains every term of base (sym's own dependencies).
 */
bool expr_nests_under(struct expr *dep, struct symbol *sym, struct expr *base)
{
	if (!dep)
		return false;
	dep = simplify(dep);
	if (!expr_contains(dep, sym))
		return false;
	if (expr_depends_on(dep, sym) || !base)
		return true;
	return dep->type == E_AND && all_terms_in(simplify(base), dep);
}
