/*
 * Dependency loops. A symbol whose value depends on itself has no well-defined value, so
 * such a Kconfig is rejected, as kconfig does, before anything is computed.
 */
#include <stdlib.h>

#include "kconfig.h"

static struct symbol *check_sym(struct symbol *sym);

static struct symbol *check_expr(struct expr *e)
{
	struct symbol *found;

	if (!e)
		return NULL;
	switch (e->type) {
	case E_SYMBOL:
		return check_sym(e->lsym);
	case E_NOT:
		return check_expr(e->left);
	case E_AND:
	case E_OR:
		found = check_expr(e->left);
		return found ? found : check_expr(e->right);
	default:
		found = check_sym(e->lsym);
		return found ? found : check_sym(e->rsym);
	}
}

/* Selects are followed from the selected side (rev_dep), not from the selecting one. */
static struct symbol *check_props(struct symbol *sym)
{
	struct symbol *found = check_expr(sym->rev_dep);
	struct property *prop;

	for (prop = sym->prop; prop && !found; prop = prop->next) {
		if (prop->type == P_SELECT)
			continue;
		found = check_expr(prop->visible);
		if (!found && prop->type == P_DEFAULT && !(sym->flags & SYM_CHOICE))
			found = check_expr(prop->expr);
	}
	return found;
}

/* A choice and its values are one node: values may depend on the choice, not on each other. */
static struct symbol *check_choice(struct symbol *choice)
{
	struct symbol *found;
	int i;

	for (i = 0; i < choice->nvalues; i++)
		choice->values[i]->flags |= SYM_CHECK | SYM_CHECKED;
	choice->flags |= SYM_CHECK | SYM_CHECKED;
	found = check_props(choice);
	choice->flags &= ~SYM_CHECK;
	for (i = 0; i < choice->nvalues && !found; i++)
		found = check_props(choice->values[i]);
	for (i = 0; i < choice->nvalues; i++)
		choice->values[i]->flags &= ~SYM_CHECK;
	return found;
}

static struct symbol *check_sym(struct symbol *sym)
{
	struct symbol *found;

	if (sym->flags & SYM_CHECK)
		return sym;
	if (sym->flags & SYM_CHECKED)
		return NULL;
	if (sym->flags & SYM_CHOICEVAL)
		return check_sym(sym->choice);
	if (sym->flags & SYM_CHOICE)
		return check_choice(sym);
	sym->flags |= SYM_CHECK | SYM_CHECKED;
	found = check_props(sym);
	sym->flags &= ~SYM_CHECK;
	return found;
}

static void check_one(struct symbol *sym, void *arg)
{
	struct symbol *found = check_sym(sym);
	struct menu *m;

	(void)arg;
	if (!found)
		return;
	m = found->menu ? found->menu : &rootmenu;
	die_at(m->file, m->lineno, "recursive dependency detected involving %s",
	       found->name ? found->name : "<choice>");
}

void sym_check_all_deps(void)
{
	sym_foreach(check_one, NULL);
}
