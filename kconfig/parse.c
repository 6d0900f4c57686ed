/*
 * Kconfig parser: one statement per logical line. Entries are appended to the menu tree as
 * they come; dependencies are only propagated later by menu_finalize(), once the whole tree
 * (and so every symbol's type) is known.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"

struct menu rootmenu;

/* What the option lines that follow a statement may attach to. */
enum context {
	CTX_NONE,
	CTX_CONFIG,
	CTX_MENUCONFIG,
	CTX_CHOICE,
	CTX_MENU,
	CTX_MENU_DEPS,
	CTX_COMMENT,
};

enum block { B_MENU, B_CHOICE, B_IF };

static const char *const block_names[] = {"menu", "choice", "if"};

static struct {
	struct lexer *lx;
	struct menu *current_menu, *current_entry;
	struct menu **last_entry_ptr;
	enum context ctx;
	struct {
		enum block kind;
		const char *file;
		int line;
	} stack[64];
	int depth;
	bool seen_statement;
} p;

static __attribute__((noreturn)) void syntax(const char *what)
{
	die_at(lexer_file(p.lx), lexer_lineno(p.lx), "%s", what);
}

static bool is_word(enum token t, const char *text, const char *word)
{
	return t == T_WORD && !strcmp(text, word);
}

static void expect_eol(void)
{
	if (lexer_token(p.lx, NULL) != T_EOL)
		syntax("syntax error: unexpected text at end of line");
}

static struct symbol *parse_symbol(void)
{
	const char *text;
	enum token t = lexer_token(p.lx, &text);

	if (t == T_STRING)
		return sym_lookup(text, SYM_CONST);
	if (t != T_WORD || !strcmp(text, "if") || !strcmp(text, "on"))
		syntax("syntax error: symbol expected");
	return sym_lookup(text, 0);
}

static struct expr *parse_or(void);

static struct expr *parse_unary(void)
{
	static const enum expr_type cmp_types[] = {
		[T_EQUAL] = E_EQUAL, [T_UNEQUAL] = E_UNEQUAL, [T_LTH] = E_LTH,
		[T_LEQ] = E_LEQ,     [T_GTH] = E_GTH,	      [T_GEQ] = E_GEQ,
	};
	struct symbol *sym;
	struct expr *e;
	enum token t = lexer_peek(p.lx);

	if (t == T_NOT) {
		lexer_token(p.lx, NULL);
		return expr_one(E_NOT, parse_unary());
	}
	if (t == T_OPEN) {
		lexer_token(p.lx, NULL);
		e = parse_or();
		if (lexer_token(p.lx, NULL) != T_CLOSE)
			syntax("syntax error: ')' expected");
		return e;
	}
	sym = parse_symbol();
	t = lexer_peek(p.lx);
	if (t >= T_EQUAL && t <= T_GEQ) {
		lexer_token(p.lx, NULL);
		return expr_compare(cmp_types[t], sym, parse_symbol());
	}
	return expr_symbol(sym);
}

static struct expr *parse_and(void)
{
	struct expr *e = parse_unary();

	while (lexer_peek(p.lx) == T_AND) {
		lexer_token(p.lx, NULL);
		e = expr_two(E_AND, e, parse_unary());
	}
	return e;
}

static struct expr *parse_or(void)
{
	struct expr *e = parse_and();

	while (lexer_peek(p.lx) == T_OR) {
		lexer_token(p.lx, NULL);
		e = expr_two(E_OR, e, parse_and());
	}
	return e;
}

/* Optional "if EXPR" closing an option line. */
static struct expr *parse_if_eol(void)
{
	const char *text;
	struct expr *e = NULL;
	enum token t = lexer_token(p.lx, &text);

	if (is_word(t, text, "if")) {
		e = parse_or();
		t = lexer_token(p.lx, NULL);
	}
	if (t != T_EOL)
		syntax("syntax error: unexpected text at end of line");
	return e;
}

/* Prompts may be quoted strings or, as kconfig allows, a bare word. */
static char *parse_prompt(void)
{
	const char *text;
	enum token t = lexer_token(p.lx, &text);

	if (t != T_STRING && t != T_WORD)
		syntax("syntax error: prompt expected");
	while (isspace((unsigned char)*text))
		text++;
	return (char *)text;
}

static void add_entry(struct symbol *sym)
{
	struct menu *m = xcalloc(1, sizeof(*m));

	m->sym = sym;
	m->parent = p.current_menu;
	m->file = lexer_file(p.lx);
	m->lineno = lexer_lineno(p.lx);
	*p.last_entry_ptr = m;
	p.last_entry_ptr = &m->next;
	p.current_entry = m;
	if (sym && !sym->menu)
		sym->menu = m;
}

static void push_menu(enum block kind)
{
	if (p.depth == (int)(sizeof(p.stack) / sizeof(p.stack[0])))
		syntax("blocks nested too deeply");
	p.stack[p.depth].kind = kind;
	p.stack[p.depth].file = lexer_file(p.lx);
	p.stack[p.depth].line = lexer_lineno(p.lx);
	p.depth++;
	p.last_entry_ptr = &p.current_entry->list;
	p.current_menu = p.current_entry;
}

static void end_menu(enum block kind, const char *word)
{
	if (!p.depth)
		die_at(lexer_file(p.lx), lexer_lineno(p.lx), "unexpected '%s'", word);
	if (p.stack[p.depth - 1].kind != kind)
		die_at(lexer_file(p.lx), lexer_lineno(p.lx), "unexpected '%s' inside '%s'", word,
		       block_names[p.stack[p.depth - 1].kind]);
	if (strcmp(p.stack[p.depth - 1].file, lexer_file(p.lx)))
		die_at(lexer_file(p.lx), lexer_lineno(p.lx), "'%s' in different file than '%s'",
		       word, block_names[kind]);
	expect_eol();
	p.depth--;
	p.last_entry_ptr = &p.current_menu->next;
	p.current_menu = p.current_menu->parent;
}

static struct property *add_prop(enum prop_type type, struct expr *expr, struct expr *cond)
{
	struct property *prop = xcalloc(1, sizeof(*prop)), **pp;
	struct symbol *sym = p.current_entry->sym;

	prop->type = type;
	prop->expr = expr;
	prop->visible = cond;
	prop->menu = p.current_entry;
	if (sym) {
		for (pp = &sym->prop; *pp; pp = &(*pp)->next)
			;
		*pp = prop;
	}
	return prop;
}

static void add_prompt(enum prop_type type, char *text, struct expr *cond)
{
	struct property *prop = add_prop(type, NULL, cond);
	struct menu *m;

	/* "visible if" of every enclosing menu hides the prompt but not the defaults. */
	if (type == P_PROMPT)
		for (m = p.current_entry->parent; m; m = m->parent)
			if (m->visibility)
				prop->visible = expr_and(prop->visible, m->visibility);
	prop->text = text;
	p.current_entry->prompt = prop;
}

static void set_type(enum sym_type type)
{
	struct symbol *sym = p.current_entry->sym;

	if (sym->type == type)
		return;
	if (sym->type == S_UNKNOWN) {
		sym->type = type;
		return;
	}
	warn_at(lexer_file(p.lx), lexer_lineno(p.lx), "ignoring type redefinition of '%s'",
		sym->name ? sym->name : "<choice>");
}

/* Replaces $NAME by the environment variable, as kconfig expands source paths. */
static char *expand_env(const char *in)
{
	size_t cap = strlen(in) + 1, n = 0;
	char *out = xmalloc(cap);

	while (*in) {
		const char *start, *val;
		char name[256];
		size_t len;

		if (*in != '$' || !(isalnum((unsigned char)in[1]) || in[1] == '_')) {
			out[n++] = *in++;
			continue;
		}
		start = ++in;
		while (isalnum((unsigned char)*in) || *in == '_')
			in++;
		len = (size_t)(in - start) < sizeof(name) ? (size_t)(in - start) : sizeof(name) - 1;
		memcpy(name, start, len);
		name[len] = 0;
		val = getenv(name);
		if (!val)
			val = "";
		cap += strlen(val);
		out = realloc(out, cap);
		if (!out)
			die("out of memory");
		memcpy(out + n, val, strlen(val));
		n += strlen(val);
	}
	out[n] = 0;
	return out;
}

struct keyword {
	const char *name;
	enum sym_type type;
};

static const struct keyword type_words[] = {
	{"bool", S_BOOLEAN}, {"boolean", S_BOOLEAN}, {"tristate", S_TRISTATE},
	{"string", S_STRING}, {"int", S_INT},	      {"hex", S_HEX},
};

static enum sym_type type_word(const char *word)
{
	unsigned i;

	for (i = 0; i < sizeof(type_words) / sizeof(type_words[0]); i++)
		if (!strcmp(word, type_words[i].name))
			return type_words[i].type;
	return S_UNKNOWN;
}

static void parse_option_line(void)
{
	const char *name, *text;
	struct symbol *sym = p.current_entry->sym;
	enum token t = lexer_token(p.lx, &name);

	if (t != T_WORD)
		syntax("syntax error: option name expected");
	if (!strcmp(name, "env")) {
		const char *val;

		if (lexer_token(p.lx, NULL) != T_EQUAL || lexer_token(p.lx, &text) != T_STRING)
			syntax("syntax error: option env=\"NAME\" expected");
		/* An environment symbol takes its value from outside and is never saved. */
		sym->flags |= SYM_AUTO;
		val = getenv(text);
		if (val)
			add_prop(P_DEFAULT, expr_symbol(sym_lookup(val, SYM_CONST)), NULL);
	} else if (!strcmp(name, "allnoconfig_y")) {
		sym->flags |= SYM_ALLNOCONFIG_Y;
	} else if (lexer_peek(p.lx) == T_EQUAL) {
		lexer_token(p.lx, NULL);
		lexer_token(p.lx, NULL);
	}
	expect_eol();
}

/* Lines that attach to the entry opened before them; returns false if word is no option. */
static bool parse_option(const char *word)
{
	enum context c = p.ctx;
	bool sym_entry = c == CTX_CONFIG || c == CTX_MENUCONFIG;
	enum sym_type type = type_word(word);
	struct expr *e;

	if (!strcmp(word, "depends") && c != CTX_NONE) {
		const char *on;
		enum token t = lexer_token(p.lx, &on);

		if (!is_word(t, on, "on"))
			syntax("syntax error: 'depends on' expected");
		e = parse_or();
		expect_eol();
		p.current_entry->dep = expr_and(p.current_entry->dep, e);
		/* kconfig's grammar wants a menu's "visible if" before its "depends on". */
		if (c == CTX_MENU)
			p.ctx = CTX_MENU_DEPS;
	} else if (type != S_UNKNOWN && (sym_entry || c == CTX_CHOICE)) {
		if (c == CTX_CHOICE && type != S_BOOLEAN && type != S_TRISTATE)
			syntax("choice must be of type bool or tristate");
		set_type(type);
		if (lexer_peek(p.lx) != T_EOL) {
			char *text = parse_prompt();

			add_prompt(P_PROMPT, text, parse_if_eol());
		}
	} else if ((!strcmp(word, "def_bool") || !strcmp(word, "def_tristate")) && sym_entry) {
		set_type(word[4] == 'b' ? S_BOOLEAN : S_TRISTATE);
		e = parse_or();
		add_prop(P_DEFAULT, e, parse_if_eol());
	} else if (!strcmp(word, "prompt") && (sym_entry || c == CTX_CHOICE)) {
		char *text = parse_prompt();

		add_prompt(P_PROMPT, text, parse_if_eol());
	} else if (!strcmp(word, "default") && (sym_entry || c == CTX_CHOICE)) {
		e = c == CTX_CHOICE ? expr_symbol(parse_symbol()) : parse_or();
		add_prop(P_DEFAULT, e, parse_if_eol());
	} else if ((!strcmp(word, "select") || !strcmp(word, "imply")) && sym_entry) {
		e = expr_symbol(parse_symbol());
		add_prop(word[0] == 's' ? P_SELECT : P_IMPLY, e, parse_if_eol());
	} else if (!strcmp(word, "range") && sym_entry) {
		struct symbol *lo = parse_symbol(), *hi = parse_symbol();

		add_prop(P_RANGE, expr_compare(E_EQUAL, lo, hi), parse_if_eol());
	} else if ((!strcmp(word, "help") || !strcmp(word, "---help---")) &&
		   (sym_entry || c == CTX_CHOICE)) {
		expect_eol();
		p.current_entry->help = lexer_help(p.lx);
	} else if (!strcmp(word, "optional") && c == CTX_CHOICE) {
		expect_eol();
		p.current_entry->sym->flags |= SYM_OPTIONAL;
	} else if (!strcmp(word, "visible") && c == CTX_MENU) {
		const char *ifw;
		enum token t = lexer_token(p.lx, &ifw);

		if (!is_word(t, ifw, "if"))
			syntax("syntax error: 'visible if' expected");
		e = parse_or();
		expect_eol();
		p.current_entry->visibility = expr_and(p.current_entry->visibility, e);
	} else if (!strcmp(word, "option") && sym_entry) {
		parse_option_line();
	} else {
		return false;
	}
	return true;
}

/* A menuconfig symbol's prompt opens a menu once its options are complete. */
static void end_entry(void)
{
	if (p.ctx == CTX_MENUCONFIG) {
		if (p.current_entry->prompt)
			p.current_entry->prompt->type = P_MENU;
		else
			warn_at(p.current_entry->file, p.current_entry->lineno,
				"menuconfig statement without prompt");
	}
	p.ctx = CTX_NONE;
}

static const char *const option_words[] = {
	"depends", "bool",   "boolean", "tristate", "string",  "int",      "hex",
	"prompt",  "default", "select", "imply",    "range",   "help",     "---help---",
	"optional", "visible", "option", "def_bool", "def_tristate", NULL,
};

static void parse_statement(const char *word)
{
	const char *text;
	struct symbol *sym;
	int i;

	end_entry();
	/* kconfig's grammar has no menus or choices directly inside a choice. */
	if ((!strcmp(word, "menu") || !strcmp(word, "choice")) && p.depth &&
	    p.stack[p.depth - 1].kind == B_CHOICE)
		die_at(lexer_file(p.lx), lexer_lineno(p.lx), "'%s' inside a choice", word);
	if (!strcmp(word, "config") || !strcmp(word, "menuconfig")) {
		if (lexer_token(p.lx, &text) != T_WORD)
			syntax("syntax error: symbol name expected");
		expect_eol();
		sym = sym_lookup(text, 0);
		sym->flags |= SYM_OPTIONAL;
		add_entry(sym);
		p.ctx = word[0] == 'c' ? CTX_CONFIG : CTX_MENUCONFIG;
	} else if (!strcmp(word, "choice")) {
		text = NULL;
		if (lexer_peek(p.lx) == T_WORD)
			lexer_token(p.lx, &text);
		expect_eol();
		sym = sym_lookup(text, SYM_CHOICE);
		sym->flags |= SYM_CHOICE | SYM_AUTO;
		add_entry(sym);
		push_menu(B_CHOICE);
		p.ctx = CTX_CHOICE;
	} else if (!strcmp(word, "menu")) {
		add_entry(NULL);
		text = parse_prompt();
		expect_eol();
		add_prompt(P_MENU, (char *)text, NULL);
		push_menu(B_MENU);
		p.ctx = CTX_MENU;
	} else if (!strcmp(word, "comment")) {
		add_entry(NULL);
		text = parse_prompt();
		expect_eol();
		add_prompt(P_COMMENT, (char *)text, NULL);
		p.ctx = CTX_COMMENT;
	} else if (!strcmp(word, "if")) {
		add_entry(NULL);
		p.current_entry->dep = parse_or();
		expect_eol();
		push_menu(B_IF);
	} else if (!strcmp(word, "endmenu")) {
		end_menu(B_MENU, word);
	} else if (!strcmp(word, "endchoice")) {
		end_menu(B_CHOICE, word);
	} else if (!strcmp(word, "endif")) {
		end_menu(B_IF, word);
	} else if (!strcmp(word, "source")) {
		text = parse_prompt();
		expect_eol();
		p.lx = lexer_push(p.lx, expand_env(text));
	} else if (!strcmp(word, "mainmenu")) {
		text = parse_prompt();
		expect_eol();
		if (p.seen_statement)
			syntax("mainmenu must come first");
		rootmenu.prompt->text = text;
	} else {
		for (i = 0; option_words[i]; i++)
			if (!strcmp(word, option_words[i]))
				die_at(lexer_file(p.lx), lexer_lineno(p.lx),
				       "'%s' is not valid here", word);
		die_at(lexer_file(p.lx), lexer_lineno(p.lx), "unknown statement \"%s\"", word);
	}
	p.seen_statement = true;
}

void conf_parse(const char *path)
{
	const char *word;

	rootmenu.prompt = xcalloc(1, sizeof(*rootmenu.prompt));
	rootmenu.prompt->type = P_MENU;
	rootmenu.prompt->text = "Linux Kernel Configuration";
	rootmenu.prompt->menu = &rootmenu;
	rootmenu.file = path;
	p.current_menu = p.current_entry = &rootmenu;
	p.last_entry_ptr = &rootmenu.list;
	p.lx = lexer_open(path, NULL, 0);

	while (p.lx) {
		if (!lexer_next_line(p.lx)) {
			p.lx = lexer_pop(p.lx);
			continue;
		}
		if (lexer_token(p.lx, &word) != T_WORD)
			syntax("syntax error: statement expected");
		if (!parse_option(word))
			parse_statement(word);
	}
	end_entry();
	if (p.depth)
		die_at(p.stack[p.depth - 1].file, p.stack[p.depth - 1].line,
		       "missing end of '%s' block", block_names[p.stack[p.depth - 1].kind]);
	menu_finalize(&rootmenu);
	sym_check_all_deps();
}
