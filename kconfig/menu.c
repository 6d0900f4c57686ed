/* Menu tree: dependency propagation after parsing, visibility, traversal. */
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"

static void add_choice_value(struct symbol *choice, struct menu *m)
{
	struct symbol *sym = m->sym;

	sym->flags |= SYM_CHOICEVAL;
	sym->choice = choice;
	choice->values = realloc(choice->values, (choice->nvalues + 1) * sizeof(*choice->values));
	if (!choice->values)
		die("out of memory");
	choice->values[choice->nvalues++] = sym;
	if (!m->prompt)
		warn_at(m->file, m->lineno, "choice value must have a prompt");
}

/* Children inherit the parent's dependencies; selects become reverse dependencies. */
static void propagate(struct menu *parent, struct expr *parentdep)
{
	struct property *prop;
	struct menu *m;

	for (m = parent->list; m; m = m->next) {
		m->dep = expr_and(parentdep, m->dep);
		for (prop = m->sym ? m->sym->prop : m->prompt; prop; prop = prop->next) {
			struct expr *cond;
			struct symbol *target;

			if (prop->menu != m)
				continue;
			prop->visible = expr_and(m->dep, prop->visible);
			if (prop->type != P_SELECT && prop->type != P_IMPLY)
				continue;
			target = prop->expr->lsym;
			cond = expr_and(expr_symbol(m->sym), prop->visible);
			if (prop->type == P_SELECT)
				target->rev_dep = expr_or(target->rev_dep, cond);
			else
				target->implied = expr_or(target->implied, cond);
		}
	}
}

static void set_choice_types(struct menu *parent)
{
	struct symbol *sym = parent->sym;
	struct menu *m;

	for (m = parent->list; m && sym->type == S_UNKNOWN; m = m->next)
		if (m->sym && m->sym->type != S_UNKNOWN)
			sym->type = m->sym->type;
	for (m = parent->list; m; m = m->next)
		if (m->sym && m->sym->type == S_UNKNOWN)
			m->sym->type = sym->type;
}

/*
 * Entries right after a symbol whose dependencies include it become its children: that is
 * how "menuconfig FOO" followed by entries that depend on FOO forms a submenu, and it
 * decides which questions oldconfig asks together.
 */
static void nest_followers(struct menu *parent)
{
	struct symbol *sym = parent->sym;
	struct expr *base = parent->prompt ? parent->prompt->visible : NULL;
	struct menu *m, *last = NULL;

	for (m = parent->next; m; m = m->next) {
		struct expr *dep = m->prompt ? m->prompt->visible : m->dep;

		if (!expr_nests_under(dep, sym, base))
			break;
		menu_finalize(m);
		m->parent = parent;
		last = m;
	}
	if (last) {
		parent->list = parent->next;
		parent->next = last->next;
		last->next = NULL;
	}
}

void menu_finalize(struct menu *parent)
{
	struct symbol *sym = parent->sym;
	struct menu *m, *last;

	if (parent->list) {
		struct expr *parentdep;

		if (sym && (sym->flags & SYM_CHOICE)) {
			set_choice_types(parent);
			parentdep = expr_symbol(sym);
		} else if (parent->prompt) {
			parentdep = parent->prompt->visible;
		} else {
			parentdep = parent->dep;
		}
		propagate(parent, parentdep);
		for (m = parent->list; m; m = m->next)
			menu_finalize(m);
	} else if (sym) {
		nest_followers(parent);
		sym->dir_dep = expr_or(sym->dir_dep, parent->dep);
	}

	for (m = parent->list; m; m = m->next) {
		if (sym && (sym->flags & SYM_CHOICE) && m->sym && !(m->sym->flags & SYM_CHOICEVAL))
			add_choice_value(sym, m);
		/* Entries without a prompt of their own ("if" blocks) dissolve into the parent. */
		if (m->list && (!m->prompt || !m->prompt->text)) {
			for (last = m->list;; last = last->next) {
				last->parent = parent;
				if (!last->next)
					break;
			}
			last->next = m->next;
			m->next = m->list;
			m->list = NULL;
		}
	}

	if (sym && sym->type == S_UNKNOWN && !(sym->flags & SYM_WARNED)) {
		sym->flags |= SYM_WARNED;
		warn_at(parent->file, parent->lineno, "no type for symbol %s",
			sym->name ? sym->name : "<choice>");
	}
	/* A choice that is not optional is forced on whenever its prompt is visible. */
	if (sym && !(sym->flags & SYM_OPTIONAL) && parent->prompt)
		sym->rev_dep = expr_or(sym->rev_dep,
				       expr_and(parent->prompt->visible, expr_symbol(&symbol_mod)));
}

bool menu_is_visible(struct menu *menu)
{
	struct symbol *sym = menu->sym;
	struct menu *child;
	enum tri visible;

	if (!menu->prompt)
		return false;
	if (menu->visibility && expr_value(menu->visibility) == NO)
		return false;
	if (sym) {
		sym_calc_value(sym);
		visible = menu->prompt->visible_tri;
	} else {
		visible = menu->prompt->visible_tri = expr_value(menu->prompt->visible);
	}
	if (visible != NO)
		return true;
	if (!sym || sym->tri == NO)
		return false;
	/* A hidden symbol that is on still shows its visible children. */
	for (child = menu->list; child; child = child->next) {
		if (menu_is_visible(child)) {
			sym->flags |= SYM_DEF_USER;
			return true;
		}
	}
	return false;
}

struct menu *menu_parent_menu(struct menu *menu)
{
	for (; menu != &rootmenu; menu = menu->parent)
		if (menu->prompt && menu->prompt->type == P_MENU)
			break;
	return menu;
}

const char *menu_prompt(struct menu *menu)
{
	return menu->prompt ? menu->prompt->text : NULL;
}

/* Pre-order walk of the tree below rootmenu. */
struct menu *menu_next(struct menu *menu)
{
	if (menu->list)
		return menu->list;
	for (; menu; menu = menu->parent)
		if (menu->next)
			return menu->next;
	return NULL;
}
