/* Docker's --format, the part people use: text with {{.Field}}, {{.A.B}}, {{json .X}} and
 * {{json .}} over a JSON object, "\t" and "\n" written as two characters meaning tab and newline,
 * and a "table " prefix that asks for a header row (the caller strips it). */
#include "libbb.h"
#include "template.h"

static const struct json *lookup(const struct json *root, const char *path, size_t n)
{
	const struct json *j = root;

	if (n == 0 || path[0] != '.')
		return NULL;
	if (n == 1)
		return root;
	for (size_t i = 1; i < n && j;) {
		size_t k = i;
		while (k < n && path[k] != '.')
			k++;
		cleanup_free char *key = xstrndup(path + i, k - i);
		j = json_get(j, key);
		i = k + 1;
	}
	return j;
}

int template_expand(const char *fmt, const struct json *root, struct strbuf *out,
                    struct error **err)
{
	const char *p = fmt;

	while (*p) {
		const char *open = strstr(p, "{{");
		const char *stop = open ? open : p + strlen(p);

		for (; p < stop; p++) {
			if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n') && p + 1 < stop) {
				sb_addc(out, p[1] == 't' ? '\t' : '\n');
				p++;
			} else {
				sb_addc(out, *p);
			}
		}
		if (!open)
			break;
		const char *close = strstr(open, "}}");
		if (!close)
			return err_set(err, EINVAL, "template: unclosed action");
		const char *a = open + 2, *e = close;
		while (a < e && *a == ' ')
			a++;
		while (e > a && e[-1] == ' ')
			e--;
		bool as_json = false;
		if (e - a > 5 && !memcmp(a, "json ", 5)) {
			as_json = true;
			a += 5;
			while (a < e && *a == ' ')
				a++;
		}
		const struct json *v = lookup(root, a, e - a);
		if (!v && (e - a == 0 || *a != '.'))
			return err_set(err, EINVAL, "template: \"%.*s\" is not supported",
			               (int)(close - open - 2), open + 2);
		if (!v)
			return err_set(err, EINVAL, "template: no field \"%.*s\"", (int)(e - a), a);
		if (!as_json && v->type == JSON_STRING) {
			sb_add(out, v->str, v->len);
		} else {
			struct json_writer w;
			jw_init(&w, out, 0);
			json_write_tree(&w, v);
		}
		p = close + 2;
	}
	return 0;
}

/* Rows of tab-separated cells, aligned as Docker's tabwriter (minimum width 10, padding 3). */
void table_print(FILE *f, char **rows, size_t n)
{
	size_t widths[32] = {0};

	for (size_t i = 0; i < n; i++) {
		const char *c = rows[i];
		for (size_t col = 0; col < 32; col++) {
			size_t len = strcspn(c, "\t");
			if (!c[len])
				break; /* the last cell is not padded */
			if (len + 3 > widths[col])
				widths[col] = len + 3;
			c += len + 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *c = rows[i];
		for (size_t col = 0;; col++) {
			size_t len = strcspn(c, "\t");
			if (!c[len] || col >= 32) {
				fprintf(f, "%s\n", c);
				break;
			}
			size_t w = widths[col] < 10 ? 10 : widths[col];
			fprintf(f, "%.*s%*s", (int)len, c, (int)(w - len), "");
			c += len + 1;
		}
	}
}
