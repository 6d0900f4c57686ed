/* libFuzzer target for libbb/json.c: whatever parses must write out, parse again and write out
 * the same text (compact, sorted and pretty), and lookups on it must not crash. */
#include "json.h"

static char *write_tree(const struct json *j, int indent, bool sorted)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, indent);
	if (sorted)
		json_write_tree_sorted(&w, j);
	else
		json_write_tree(&w, j);
	return sb_steal(&sb);
}

/* Parses text that json_write_tree produced: failing to is a bug. */
static struct json *reparse(const char *s)
{
	struct error *err = NULL;
	struct json *j = json_parse(s, strlen(s), NULL, &err);

	if (!j) {
		fprintf(stderr, "re-parse failed: %s\n%s\n", err->msg, s);
		abort();
	}
	return j;
}

static void same(const char *a, const char *b, const char *what)
{
	if (strcmp(a, b)) {
		fprintf(stderr, "%s output differs:\n%s\n%s\n", what, a, b);
		abort();
	}
}

static void poke(const struct json *j)
{
	const struct json_member *m = json_member_at(j, 0);
	int64_t i;
	uint64_t u;
	bool b;
	size_t n;

	if (m) {
		json_get_str(j, m->key);
		json_get_i64(j, m->key, &i);
		json_get_u64(j, m->key, &u);
		json_get_bool(j, m->key, &b);
	}
	json_at(j, json_len(j) - 1);
	json_string(j, &n);
	json_number_text(j);
	json_i64(j, &i);
	json_u64(j, &u);
	json_type_name(j->type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_limits lim = {.max_depth = 100};
	struct json *j, *k, *p;
	char *once, *twice, *sorted, *sorted2, *pretty, *pretty_compact;

	j = json_parse((const char *)data, size, &lim, NULL);
	if (!j)
		return 0;
	poke(j);
	once = write_tree(j, 0, false);
	sorted = write_tree(j, 0, true);
	pretty = write_tree(j, 2, false);
	k = reparse(once);
	twice = write_tree(k, 0, false);
	sorted2 = write_tree(k, 0, true);
	same(once, twice, "compact");
	same(sorted, sorted2, "sorted");
	p = reparse(pretty);
	pretty_compact = write_tree(p, 0, false);
	same(once, pretty_compact, "pretty");
	json_free(reparse(sorted));
	free(once);
	free(twice);
	free(sorted);
	free(sorted2);
	free(pretty);
	free(pretty_compact);
	json_free(j);
	json_free(k);
	json_free(p);
	return 0;
}
