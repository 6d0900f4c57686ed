/* Shared declarations of the kconfig host tool (kconfig/conf). */
#ifndef KCONFIG_H
#define KCONFIG_H

#include <stdbool.h>
#include <stdio.h>

/* Tristate values; ordered so that AND is min, OR is max and NOT is 2 - x. */
enum tri { NO, MOD, YES };

enum sym_type { S_UNKNOWN, S_BOOLEAN, S_TRISTATE, S_INT, S_HEX, S_STRING };

enum expr_type {
	E_SYMBOL,
	E_NOT,
	E_AND,
	E_OR,
	E_EQUAL,
	E_UNEQUAL,
	E_LTH,
	E_LEQ,
	E_GTH,
	E_GEQ,
};

struct symbol;

struct expr {
	enum expr_type type;
	struct expr *left, *right; /* E_NOT (left), E_AND, E_OR */
	struct symbol *lsym, *rsym; /* E_SYMBOL (lsym), comparisons */
};

enum prop_type { P_PROMPT, P_MENU, P_COMMENT, P_DEFAULT, P_SELECT, P_IMPLY, P_RANGE };

struct menu;

struct property {
	struct property *next; /* next property of the same symbol */
	enum prop_type type;
	const char *text; /* prompt text; non-NULL exactly for prompts */
	struct expr *expr; /* default value, select/imply target, range low (lsym) and high */
	struct expr *visible; /* condition, widened to the entry's dependencies */
	enum tri visible_tri;
	struct menu *menu; /* the entry that defined it */
};

enum {
	SYM_CONST = 1 << 0,
	SYM_CHOICE = 1 << 1,
	SYM_CHOICEVAL = 1 << 2,
	SYM_OPTIONAL = 1 << 3,
	SYM_VALID = 1 << 4,
	SYM_WRITE = 1 << 5,
	SYM_DEF_USER = 1 << 6,
	SYM_AUTO = 1 << 7,
	SYM_NEED_SET_CHOICE = 1 << 8,
	SYM_ALLNOCONFIG_Y = 1 << 9,
	SYM_WARNED = 1 << 10, /* unmet-dependency warning already printed */
	SYM_SAVED = 1 << 11, /* written by the last conf_write() */
	SYM_CHECK = 1 << 12, /* on the path of the dependency-loop search */
	SYM_CHECKED = 1 << 13,
};

struct symbol {
	struct symbol *next; /* hash chain */
	char *name; /* NULL for an unnamed choice */
	enum sym_type type;
	unsigned flags;
	/* Current value: tri for bool/tristate, val for everything (bools keep "n" there) */
	enum tri tri;
	const char *val;
	struct symbol *chosen; /* choice: the value that is y */
	/* Value from the .config file or from the user */
	enum tri user_tri;
	const char *user_val;
	struct symbol *user_choice;
	enum tri visible;
	struct property *prop;
	struct expr *dir_dep, *rev_dep, *implied;
	enum tri dir_dep_tri, rev_dep_tri, implied_tri;
	struct symbol *choice; /* choice value: its choice */
	struct symbol **values; /* choice: its values in menu order */
	int nvalues;
	struct menu *menu; /* first definition, for messages */
};

struct menu {
	struct menu *next, *parent, *list;
	struct symbol *sym;
	struct property *prompt;
	struct expr *visibility; /* "visible if" of a menu */
	struct expr *dep;
	const char *help; /* NULL when the entry has no help block */
	const char *file;
	int lineno;
};

extern struct symbol symbol_yes, symbol_mod, symbol_no;
extern struct menu rootmenu;

/* util.c */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
__attribute__((noreturn, format(printf, 3, 4))) void die_at(const char *file, int line,
							     const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void warn_at(const char *file, int line, const char *fmt,
						   ...);

/* expr.c */
struct expr *expr_symbol(struct symbol *sym);
struct expr *expr_one(enum expr_type type, struct expr *e);
struct expr *expr_two(enum expr_type type, struct expr *l, struct expr *r);
struct expr *expr_compare(enum expr_type type, struct symbol *l, struct symbol *r);
struct expr *expr_and(struct expr *a, struct expr *b);
struct expr *expr_or(struct expr *a, struct expr *b);
enum tri expr_value(struct expr *e);
bool expr_nests_under(struct expr *dep, struct symbol *sym, struct expr *base);

/* symbol.c */
struct symbol *sym_lookup(const char *name, unsigned flags);
struct symbol *sym_find(const char *name);
void sym_foreach(void (*fn)(struct symbol *sym, void *arg), void *arg);
void sym_calc_value(struct symbol *sym);
void sym_clear_all_valid(void);
enum sym_type sym_get_type(struct symbol *sym);
const char *sym_string_value(struct symbol *sym);
const char *sym_string_default(struct symbol *sym);
bool sym_has_value(struct symbol *sym);
bool sym_is_changeable(struct symbol *sym);
bool sym_string_valid(struct symbol *sym, const char *str);
bool sym_string_within_range(struct symbol *sym, const char *str);
bool sym_tristate_within_range(struct symbol *sym, enum tri val);
bool sym_set_tristate(struct symbol *sym, enum tri val);
bool sym_set_string(struct symbol *sym, const char *val);
struct symbol *sym_choice_default(struct symbol *choice);
void sym_set_all_choice_values(struct symbol *choice);

/* lexer.c */
enum token {
	T_EOF,
	T_EOL,
	T_WORD,
	T_STRING,
	T_OPEN,
	T_CLOSE,
	T_NOT,
	T_AND,
	T_OR,
	T_EQUAL,
	T_UNEQUAL,
	T_LTH,
	T_LEQ,
	T_GTH,
	T_GEQ,
};

struct lexer;
struct lexer *lexer_open(const char *path, const char *from_file, int from_line);
struct lexer *lexer_push(struct lexer *parent, const char *path);
struct lexer *lexer_pop(struct lexer *lx); /* returns the including file, NULL at the top */
bool lexer_next_line(struct lexer *lx);
enum token lexer_token(struct lexer *lx, const char **text);
enum token lexer_peek(struct lexer *lx);
char *lexer_help(struct lexer *lx);
const char *lexer_file(struct lexer *lx);
int lexer_lineno(struct lexer *lx);

/* parse.c */
void conf_parse(const char *path);

/* menu.c */
void menu_finalize(struct menu *parent);
bool menu_is_visible(struct menu *menu);
struct menu *menu_parent_menu(struct menu *menu);
const char *menu_prompt(struct menu *menu);
struct menu *menu_next(struct menu *menu);

/* check.c */
void sym_check_all_deps(void);

/* confdata.c */
int conf_read(const char *path); /* 0 on success */
extern int sym_change_count;
void conf_write(const char *path);
void conf_write_defconfig(const char *path);
void conf_write_header(const char *path);

#endif
