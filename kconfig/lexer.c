/*
 * Kconfig tokenizer. Kconfig is line oriented: every statement is one logical line (a
 * backslash before the newline continues it), so a whole line is tokenized at once and the
 * parser looks at it as an array. Help blocks are the exception: they end by indentation,
 * so the parser hands control back here with lexer_help().
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"

#define MAX_TOKENS 256

struct lexer {
	struct lexer *parent;
	char *path;
	char *buf; /* whole file, NUL-terminated */
	size_t pos; /* start of the next physical line */
	int next_lineno; /* number of the line at pos */
	int lineno; /* first line of the current statement */
	int ntok, cur;
	enum token tok[MAX_TOKENS];
	char *text[MAX_TOKENS];
	int depth;
};

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	size_t cap = 4096, n = 0, got;
	char *buf;

	if (!f)
		return NULL;
	buf = xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die("out of memory");
		}
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Relative names are tried as given first, then under $srctree, the order kconfig uses. */
struct lexer *lexer_open(const char *path, const char *from_file, int from_line)
{
	struct lexer *lx = xcalloc(1, sizeof(*lx));
	const char *srctree = getenv("srctree");
	size_t len;

	lx->path = xstrdup(path);
	lx->buf = read_file(path, &len);
	if (!lx->buf && path[0] != '/' && srctree && *srctree) {
		lx->path = xmalloc(strlen(srctree) + strlen(path) + 2);
		sprintf(lx->path, "%s/%s", srctree, path);
		lx->buf = read_file(lx->path, &len);
	}
	if (!lx->buf) {
		if (from_file)
			die_at(from_file, from_line, "can't open file \"%s\": %s", path,
			       strerror(errno));
		die("can't open file \"%s\": %s", path, strerror(errno));
	}
	lx->next_lineno = 1;
	return lx;
}

struct lexer *lexer_pop(struct lexer *lx)
{
	return lx->parent;
}

const char *lexer_file(struct lexer *lx)
{
	return lx->path;
}

int lexer_lineno(struct lexer *lx)
{
	return lx->lineno;
}

static bool is_word_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '/' || c == '.';
}

static void add_token(struct lexer *lx, enum token tok, char *text)
{
	if (lx->ntok == MAX_TOKENS - 1)
		die_at(lx->path, lx->lineno, "statement too long");
	lx->tok[lx->ntok] = tok;
	lx->text[lx->ntok] = text;
	lx->ntok++;
}

/* A quoted string; a backslash takes the next character literally, as in kconfig. */
static size_t scan_string(struct lexer *lx, size_t p)
{
	char quote = lx->buf[p++];
	size_t cap = 64, n = 0;
	char *s = xmalloc(cap);

	for (;;) {
		char c = lx->buf[p];

		if (c == 0 || c == '\n')
			die_at(lx->path, lx->lineno, "unterminated string");
		if (c == quote)
			break;
		if (c == '\\') {
			c = lx->buf[++p];
			if (c == 0 || c == '\n')
				die_at(lx->path, lx->lineno, "unterminated string");
		}
		if (n + 2 > cap) {
			cap *= 2;
			s = realloc(s, cap);
			if (!s)
				die("out of memory");
		}
		s[n++] = c;
		p++;
	}
	s[n] = 0;
	add_token(lx, T_STRING, s);
	return p + 1;
}

struct op {
	const char *text;
	enum token tok;
};

/* Two-character operators first so "!=" is not read as "!" then "=". */
static const struct op ops[] = {
	{"&&", T_AND}, {"||", T_OR}, {"!=", T_UNEQUAL}, {"<=", T_LEQ}, {">=", T_GEQ},
	{"(", T_OPEN}, {")", T_CLOSE}, {"!", T_NOT},	{"=", T_EQUAL}, {"<", T_LTH},
	{">", T_GTH},
};

/* Tokenizes from lx->pos to the end of the logical line. */
static void scan_line(struct lexer *lx)
{
	const char *b = lx->buf;
	size_t p = lx->pos;
	unsigned i;

	lx->ntok = lx->cur = 0;
	for (;;) {
		char c = b[p];

		if (c == 0)
			break;
		if (c == '\n') {
			p++;
			lx->next_lineno++;
			break;
		}
		if (c == '\\' && (b[p + 1] == '\n' || (b[p + 1] == '\r' && b[p + 2] == '\n'))) {
			p += b[p + 1] == '\n' ? 2 : 3;
			lx->next_lineno++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			p++;
			continue;
		}
		if (c == '#') {
			while (b[p] && b[p] != '\n')
				p++;
			continue;
		}
		if (c == '"' || c == '\'') {
			p = scan_string(lx, p);
			continue;
		}
		if (is_word_char(c)) {
			size_t start = p;
			char *w;

			while (is_word_char(b[p]))
				p++;
			w = xmalloc(p - start + 1);
			memcpy(w, b + start, p - start);
			w[p - start] = 0;
			add_token(lx, T_WORD, w);
			continue;
		}
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			size_t len = strlen(ops[i].text);

			if (!strncmp(b + p, ops[i].text, len)) {
				add_token(lx, ops[i].tok, NULL);
				p += len;
				break;
			}
		}
		if (i == sizeof(ops) / sizeof(ops[0]))
			die_at(lx->path, lx->lineno, "unexpected character '%c'", c);
	}
	lx->pos = p;
	lx->tok[lx->ntok] = T_EOL;
	lx->text[lx->ntok] = NULL;
}

/* Moves to the next statement, skipping blank and comment lines. */
bool lexer_next_line(struct lexer *lx)
{
	while (lx->buf[lx->pos]) {
		lx->lineno = lx->next_lineno;
		scan_line(lx);
		if (lx->ntok)
			return true;
	}
	lx->lineno = lx->next_lineno;
	return false;
}

enum token lexer_token(struct lexer *lx, const char **text)
{
	enum token t = lx->tok[lx->cur];

	if (text)
		*text = lx->text[lx->cur];
	if (t != T_EOL)
		lx->cur++;
	return t;
}

enum token lexer_peek(struct lexer *lx)
{
	return lx->tok[lx->cur];
}

static int indent_of(const char *line, const char **rest)
{
	int ts = 0;

	for (; *line == ' ' || *line == '\t'; line++)
		ts = *line == '\t' ? (ts & ~7) + 8 : ts + 1;
	*rest = line;
	return ts;
}

/*
 * The help text runs from the line after "help" while lines are blank or indented at least
 * as far as its first non-blank line; tabs count to the next multiple of 8.
 */
char *lexer_help(struct lexer *lx)
{
	size_t cap = 256, n = 0;
	char *out = xmalloc(cap);
	int first_ts = 0;

	while (lx->buf[lx->pos]) {
		const char *line = lx->buf + lx->pos, *rest, *eol;
		int ts = indent_of(line, &rest);
		size_t len;

		eol = strchr(rest, '\n');
		if (!eol)
			eol = rest + strlen(rest);
		len = eol - rest;
		while (len && strchr(" \t\r", rest[len - 1]))
			len--;
		if (len) {
			if (ts == 0 || (first_ts && ts < first_ts))
				break;
			if (!first_ts)
				first_ts = ts;
		}
		if (n + len + (ts - first_ts) + 2 > cap) {
			cap = 2 * cap + len + ts;
			out = realloc(out, cap);
			if (!out)
				die("out of memory");
		}
		if (len) {
			memset(out + n, ' ', ts - first_ts);
			n += ts - first_ts;
			memcpy(out + n, rest, len);
			n += len;
		}
		out[n++] = '\n';
		lx->pos = (size_t)(eol - lx->buf) + (*eol ? 1 : 0);
		lx->next_lineno++;
	}
	/* Blank lines after the text belong to no one. */
	while (n && out[n - 1] == '\n')
		n--;
	out[n] = 0;
	return out;
}

/* Links a sourced file under its includer; deep chains are almost surely a source loop. */
struct lexer *lexer_push(struct lexer *parent, const char *path)
{
	struct lexer *lx;

	if (parent->depth >= 32)
		die_at(parent->path, parent->lineno, "source nesting too deep (recursive?)");
	lx = lexer_open(path, parent->path, parent->lineno);
	lx->parent = parent;
	lx->depth = parent->depth + 1;
	return lx;
}
