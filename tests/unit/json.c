/* The JSON parser and tree: what RFC 8259 allows, everything it does not, and round trips. */
#include "unit.h"
#include "json.h"

/* Parses from an exact-size heap copy, so ASan sees any read past len. */
static struct json *parse_len(const char *doc, size_t len, const struct json_limits *lim,
                              struct error **err)
{
	char *buf = xmalloc(len ? len : 1);
	struct json *j;

	memcpy(buf, doc, len);
	j = json_parse(buf, len, lim, err);
	free(buf);
	return j;
}

static struct json *parse_ok_at(const char *doc, size_t len, int line)
{
	struct error *err = NULL;
	struct json *j = parse_len(doc, len, NULL, &err);

	if (!j)
		unit_fail(__FILE__, line, "parse of '%.60s' failed: %s", doc, err->msg);
	err_free(&err);
	return j;
}
#define PARSE(s) parse_ok_at((s), strlen(s), __LINE__)

/* The error message for doc, NULL (and a failure) if it parsed. */
static char *parse_err_at(const char *doc, size_t len, const struct json_limits *lim, int line)
{
	struct error *err = NULL;
	struct json *j = parse_len(doc, len, lim, &err);
	char *msg;

	if (j) {
		unit_fail(__FILE__, line, "'%.60s' parsed but must not", doc);
		json_free(j);
		return NULL;
	}
	if (!err || !err->msg || !str_has_prefix(err->msg, "offset ") || err->errnum)
		unit_fail(__FILE__, line, "'%.60s': bad error object", doc);
	msg = err && err->msg ? xstrdup(err->msg) : NULL;
	err_free(&err);
	return msg;
}

#define CHECK_ERR(doc, want)                                                                       \
	do {                                                                                       \
		char *m_ = parse_err_at((doc), sizeof(doc) - 1, NULL, __LINE__);                   \
		if (m_ && strcmp(m_, (want)))                                                      \
			unit_fail(__FILE__, __LINE__, "'%s': error \"%s\", expected \"%s\"",       \
			          (doc), m_, (want));                                              \
		free(m_);                                                                          \
	} while (0)

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

/* Compact re-serialization of doc; NULL if it did not parse. */
static char *roundtrip(const char *doc, bool sorted)
{
	struct json *j = PARSE(doc);
	char *s = j ? write_tree(j, 0, sorted) : NULL;

	json_free(j);
	return s;
}

#define CHECK_ROUNDTRIP(doc, sorted, want)                                                         \
	do {                                                                                       \
		char *s_ = roundtrip((doc), (sorted));                                             \
		CHECK_STR(s_, (want));                                                             \
		free(s_);                                                                          \
	} while (0)

static const char oci_index[] =
    "{\n"
    "  \"schemaVersion\": 2,\n"
    "  \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n"
    "  \"manifests\": [\n"
    "    {\n"
    "      \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
    "      \"digest\": "
    "\"sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f\",\n"
    "      \"size\": 7143,\n"
    "      \"platform\": { \"architecture\": \"ppc64le\", \"os\": \"linux\" }\n"
    "    },\n"
    "    {\n"
    "      \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
    "      \"digest\": "
    "\"sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270\",\n"
    "      \"size\": 7682,\n"
    "      \"platform\": { \"architecture\": \"arm64\", \"os\": \"linux\", \"variant\": \"v8\",\n"
    "                    \"os.features\": [\"sse4\"] },\n"
    "      \"x-unknown\": {\"kept\": [1.50, -0, 1e400, null, true, false]}\n"
    "    }\n"
    "  ],\n"
    "  \"annotations\": { \"com.example.key1\": \"value1\", \"org.opencontainers.image.ref.name\": "
    "\"1.0\" }\n"
    "}\n";

TEST(json_oci_image_index)
{
	struct json *j = PARSE(oci_index), *m, *p;
	int64_t v;
	uint64_t u;

	CHECK(j && j->type == JSON_OBJECT);
	CHECK_INT(json_len(j), 4);
	CHECK(json_get_i64(j, "schemaVersion", &v));
	CHECK_INT(v, 2);
	CHECK_STR(json_get_str(j, "mediaType"), "application/vnd.oci.image.index.v1+json");
	m = json_get(j, "manifests");
	CHECK_INT(json_len(m), 2);
	p = json_at(m, 1);
	CHECK(json_get_u64(p, "size", &u));
	CHECK_INT(u, 7682);
	CHECK_STR(json_get_str(json_get(p, "platform"), "architecture"), "arm64");
	CHECK_STR(json_get_str(json_get(p, "platform"), "variant"), "v8");
	CHECK(json_get_str(json_get(json_at(m, 0), "platform"), "variant") == NULL);
	CHECK_STR(json_string(json_at(json_get(json_get(p, "platform"), "os.features"), 0), NULL),
	          "sse4");
	CHECK(json_at(m, 2) == NULL);
	CHECK_STR(json_member_at(j, 3)->key, "annotations");
	CHECK_STR(json_get_str(json_get(j, "annotations"), "org.opencontainers.image.ref.name"),
	          "1.0");
	CHECK(json_get(j, "absent") == NULL);
	CHECK_ROUNDTRIP(
	    oci_index, false,
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	    "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"sha256:"
	    "e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f\","
	    "\"size\":7143,\"platform\":{\"architecture\":\"ppc64le\",\"os\":\"linux\"}},"
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"sha256:"
	    "5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270\","
	    "\"size\":7682,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\","
	    "\"variant\":\"v8\",\"os.features\":[\"sse4\"]},"
	    "\"x-unknown\":{\"kept\":[1.50,-0,1e400,null,true,false]}}],"
	    "\"annotations\":{\"com.example.key1\":\"value1\","
	    "\"org.opencontainers.image.ref.name\":\"1.0\"}}");
	json_free(j);
}

TEST(json_docker_config)
{
	static const char doc[] =
	    "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpwYXNz\"},"
	    "\"registry.example.com:5000\":{\"auth\":\"YTpi\",\"identitytoken\":\"\"}},"
	    "\"credsStore\":\"desktop\",\"HttpHeaders\":{\"User-Agent\":\"Docker-Client/24\"},"
	    "\"config\":{\"Env\":[\"PATH=/usr/bin\",\"A=\\u00e9\"],\"Cmd\":[\"sh\"],"
	    "\"ExposedPorts\":{\"80/tcp\":{}},\"Tty\":false,\"User\":\"\",\"Labels\":null}}";
	struct json *j = PARSE(doc), *auths, *cfg;
	bool tty = true;

	auths = json_get(j, "auths");
	CHECK_INT(json_len(auths), 2);
	CHECK_STR(json_member_at(auths, 0)->key, "https://index.docker.io/v1/");
	CHECK_STR(json_get_str(&json_member_at(auths, 1)->val, "auth"), "YTpi");
	CHECK_STR(json_get_str(json_get(auths, "registry.example.com:5000"), "identitytoken"), "");
	CHECK_STR(json_get_str(j, "credsStore"), "desktop");
	cfg = json_get(j, "config");
	CHECK_STR(json_string(json_at(json_get(cfg, "Env"), 1), NULL), "A=\xc3\xa9");
	CHECK(json_get_bool(cfg, "Tty", &tty));
	CHECK(!tty);
	CHECK(!json_get_bool(cfg, "User", &tty));
	CHECK_INT(json_get(cfg, "Labels")->type, JSON_NULL);
	CHECK_INT(json_len(json_get(json_get(cfg, "ExposedPorts"), "80/tcp")), 0);
	CHECK_ROUNDTRIP(
	    doc, false,
	    "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpwYXNz\"},"
	    "\"registry.example.com:5000\":{\"auth\":\"YTpi\",\"identitytoken\":\"\"}},"
	    "\"credsStore\":\"desktop\",\"HttpHeaders\":{\"User-Agent\":\"Docker-Client/24\"},"
	    "\"config\":{\"Env\":[\"PATH=/usr/bin\",\"A=\xc3\xa9\"],\"Cmd\":[\"sh\"],"
	    "\"ExposedPorts\":{\"80/tcp\":{}},\"Tty\":false,\"User\":\"\",\"Labels\":null}}");
	json_free(j);
}

TEST(json_scalars_and_empty_containers)
{
	static const struct {
		const char *doc;
		enum json_type type;
	} cases[] = {
	    {"null", JSON_NULL},        {"true", JSON_TRUE},   {" false ", JSON_FALSE},
	    {"\t\r\n0\n", JSON_NUMBER}, {"\"\"", JSON_STRING}, {"[]", JSON_ARRAY},
	    {"{}", JSON_OBJECT},        {"[ \n]", JSON_ARRAY}, {"{ \t}", JSON_OBJECT},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct json *j = PARSE(cases[i].doc);

		CHECK(j && j->type == cases[i].type);
		CHECK_INT(json_len(j), 0);
		json_free(j);
	}
	CHECK_STR(json_type_name(JSON_TRUE), "boolean");
	CHECK_STR(json_type_name(JSON_OBJECT), "object");
	json_free(NULL);
}

TEST(json_strings_and_escapes)
{
	struct json *j =
	    PARSE("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\", \"\\ud83d\\ude00\","
	          "\"\\uDBFF\\uDFFF\", \"a\\u0000b\", \"\xf4\x8f\xbf\xbf \xc3\xa9\x7f\","
	          "\"\\u0041\\u007f\\u0080\\u07ff\\u0800\\uffff\"]");
	size_t len;

	CHECK_STR(json_string(json_at(j, 0), &len), "\"\\/\b\f\n\r\t");
	CHECK_INT(len, 8);
	CHECK_STR(json_string(json_at(j, 1), NULL), "\xc3\xa9\xe2\x82\xac");
	CHECK_STR(json_string(json_at(j, 2), &len), "\xf0\x9f\x98\x80");
	CHECK_INT(len, 4);
	CHECK_STR(json_string(json_at(j, 3), NULL), "\xf4\x8f\xbf\xbf");
	CHECK(memcmp(json_string(json_at(j, 4), &len), "a\0b", 4) == 0);
	CHECK_INT(len, 3);
	CHECK(json_at(j, 4)->flags & JSON_HAS_NUL);
	CHECK_STR(json_string(json_at(j, 5), NULL), "\xf4\x8f\xbf\xbf \xc3\xa9\x7f");
	CHECK_STR(json_string(json_at(j, 6), NULL),
	          "A\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
	CHECK(json_string(j, NULL) == NULL);
	json_free(j);

	/* json_get_str refuses strings with NULs ("a\0b" would pass for "a"); json_string has them
	 */
	j = PARSE("{\"p\":\"/etc\\u0000x\",\"a\\u0000b\":1}");
	CHECK(json_get_str(j, "p") == NULL);
	CHECK(json_string(json_get(j, "p"), &len) && len == 6);
	CHECK(json_get(j, "a") == NULL);
	CHECK_INT(json_member_at(j, 1)->key_len, 3);
	json_free(j);
	CHECK_ROUNDTRIP("{\"a\\u0000b\":\"\\u0001\\u001f\"}", false,
	                "{\"a\\u0000b\":\"\\u0001\\u001f\"}");
	CHECK_ROUNDTRIP("\"\\ud83d\\ude00\\/\"", false, "\"\xf0\x9f\x98\x80/\"");
}

TEST(json_numbers_exact_or_text)
{
	struct json *j =
	    PARSE("[-9223372036854775808, 9223372036854775807, 18446744073709551615,"
	          " 9223372036854775808, -9223372036854775809, 18446744073709551616,"
	          " 1e400, 0.1, -0, 0, 1.0, 1E+2, 0e-0, -1, 123456789012345678901234567890]");
	int64_t v;
	uint64_t u;

	CHECK(json_i64(json_at(j, 0), &v) && v == INT64_MIN);
	CHECK(!json_u64(json_at(j, 0), &u));
	CHECK(json_i64(json_at(j, 1), &v) && v == INT64_MAX);
	CHECK(json_u64(json_at(j, 1), &u) && u == INT64_MAX);
	CHECK(json_u64(json_at(j, 2), &u) && u == UINT64_MAX);
	CHECK(!json_i64(json_at(j, 2), &v));
	CHECK(json_u64(json_at(j, 3), &u) && u == (uint64_t)INT64_MAX + 1);
	CHECK(!json_i64(json_at(j, 3), &v));
	for (size_t i = 4; i <= 12; i++) {
		bool integer = i == 9;

		CHECK_INT(json_is_integer(json_at(j, i)), integer);
		CHECK_INT(json_i64(json_at(j, i), &v), integer);
	}
	CHECK(json_i64(json_at(j, 13), &v) && v == -1);
	CHECK_STR(json_number_text(json_at(j, 4)), "-9223372036854775809");
	CHECK_STR(json_number_text(json_at(j, 5)), "18446744073709551616");
	CHECK_STR(json_number_text(json_at(j, 6)), "1e400");
	CHECK_STR(json_number_text(json_at(j, 7)), "0.1");
	CHECK_STR(json_number_text(json_at(j, 8)), "-0");
	CHECK_STR(json_number_text(json_at(j, 14)), "123456789012345678901234567890");
	CHECK(json_number_text(json_at(j, 14)) && json_at(j, 14)->len == 30);
	CHECK(json_number_text(j) == NULL);
	CHECK(!json_i64(NULL, &v));
	json_free(j);

	j = PARSE("{\"size\":12.0,\"n\":\"12\",\"m\":-5}");
	CHECK(!json_get_i64(j, "size", &v));
	CHECK(!json_get_i64(j, "n", &v));
	CHECK(!json_get_u64(j, "m", &u));
	CHECK(json_get_i64(j, "m", &v) && v == -5);
	CHECK(!json_get_i64(j, "absent", &v));
	json_free(j);
	CHECK_ROUNDTRIP("[1E+2, -0.0e-00, 1e400, 18446744073709551616, 0.10]", false,
	                "[1E+2,-0.0e-00,1e400,18446744073709551616,0.10]");
}

TEST(json_wrong_types_give_null)
{
	struct json *j = PARSE("{\"a\":[1,{\"b\":2}],\"s\":\"x\"}");

	CHECK(json_get(json_get(j, "a"), "b") == NULL);
	CHECK(json_at(j, 0) == NULL);
	CHECK(json_member_at(json_get(j, "a"), 0) == NULL);
	CHECK(json_member_at(j, 2) == NULL);
	CHECK(json_get_str(j, "a") == NULL);
	CHECK_INT(json_len(json_get(j, "s")), 0);
	CHECK(json_get(NULL, "a") == NULL);
	CHECK(json_at(NULL, 0) == NULL);
	CHECK_INT(json_len(NULL), 0);
	json_free(j);
}

/* Offsets and wording for a few; the table below only needs a failure. */
TEST(json_error_messages)
{
	CHECK_ERR("", "offset 0: empty input");
	CHECK_ERR("  \n", "offset 3: unexpected end of input");
	CHECK_ERR("{\"a\" 1}", "offset 5: expected ':' after object key");
	CHECK_ERR("{\"mediaType\":\"x\",\"size\" 1}", "offset 24: expected ':' after object key");
	CHECK_ERR("[1,]", "offset 3: trailing comma before ']'");
	CHECK_ERR("{\"a\":1 , }", "offset 9: trailing comma before '}'");
	CHECK_ERR("[1 2]", "offset 3: expected ',' or ']' after array item");
	CHECK_ERR("{\"a\":1 \"b\":2}", "offset 7: expected ',' or '}' after object member");
	CHECK_ERR("{a:1}", "offset 1: expected a string as object key");
	CHECK_ERR("{'a':1}", "offset 1: expected a string as object key");
	CHECK_ERR("['a']", "offset 1: expected a value");
	CHECK_ERR("[NaN]", "offset 1: expected a value");
	CHECK_ERR("-Infinity", "offset 1: expected a digit after '-'");
	CHECK_ERR("[1] // c", "offset 4: expected the end of input after the document");
	CHECK_ERR("[1] x", "offset 4: expected the end of input after the document");
	CHECK_ERR("01", "offset 0: leading zero in number");
	CHECK_ERR("[-012]", "offset 1: leading zero in number");
	CHECK_ERR("1.x", "offset 2: expected a digit after '.'");
	CHECK_ERR("1ex", "offset 2: expected a digit in the exponent");
	CHECK_ERR("1e", "offset 2: unexpected end of input");
	CHECK_ERR("{\"a\":tru", "offset 8: unexpected end of input");
	CHECK_ERR("[tru]", "offset 1: expected a value");
	CHECK_ERR("\"abc", "offset 4: unexpected end of input in string");
	CHECK_ERR("\"a\nb\"", "offset 2: control character 0x0a in string");
	CHECK_ERR("[\"\\x\"]", "offset 2: invalid escape '\\x'");
	CHECK_ERR("\"\\\x01\"", "offset 1: invalid escape");
	CHECK_ERR("\"\\u12G4\"", "offset 1: invalid \\u escape");
	CHECK_ERR("\"\\u12\"", "offset 1: invalid \\u escape");
	CHECK_ERR("\"ab\\ud800\"", "offset 3: lone surrogate \\ud800");
	CHECK_ERR("\"\\ud800\\u0041\"", "offset 1: lone surrogate \\ud800");
	CHECK_ERR("\"\\ude00\\ud83d\"", "offset 1: lone surrogate \\ude00");
	CHECK_ERR("[\"a\xff\"]", "offset 3: invalid UTF-8");
	CHECK_ERR("[\"ok\"] \xc3", "offset 7: invalid UTF-8");
	CHECK_ERR("\xef\xbb\xbf[]", "offset 0: expected a value");
	CHECK_ERR("{\"a\":1,\"a\":2}", "offset 7: duplicate key \"a\"");
	CHECK_ERR("{\"k\":{\"x\":1},\"y\":{\"x\":[],\"x\":null}}",
	          "offset 25: duplicate key \"x\"");
	CHECK_ERR("{\"\\u0061\":1,\"a\":2}", "offset 12: duplicate key \"a\"");
}

TEST(json_rejects_every_violation)
{
	/* one violation after another, not one a line */
	/* clang-format off */
	static const char *const bad[] = {
		/* numbers */
		"01", "-01", "00", "+1", ".5", "1.", "1.e1", "1e", "1e+", "1E-", "-", "--1", "0x10",
		"1_000", "NaN", "-NaN", "Infinity", "-Infinity", "nan", "inf", "1.5.", "1e5.5",
		"[.1]", "[1.]", "- 1", "\xd9\xa1",
		/* literals */
		"True", "NULL", "nul", "nulll", "truefalse", "undefined",
		/* structure */
		"[1,]", "[,1]", "[,]", "[1,,2]", "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\":}",
		"{\"a\"::1}", "{\"a\" \"b\"}", "{1:1}", "{null:1}", "{a:1}", "{'a':1}", "['a']",
		"[\"a\"]]", "[[]", "]", "}", "{]", "[}", "[1}", "{\"a\":1]", "[1 2]",
		"{\"a\":1 \"b\":2}", "[1;2]", "{\"a\"=1}", "1 2", "[] []", "{} x", "\"a\" \"b\"",
		"[1]\x0b", "\x0c[1]", "[\xc2\xa0]", "[1/*c*/]", "[1]//c", "# c\n[]", "/**/[]",
		"\xef\xbb\xbf{}", "", " ", "\n\t", "{\"a\":1,\"b\":{\"c\":2}", "[\"a\",[\"b\"]",
		/* strings */
		"\"abc", "'abc'", "\"\\\"", "\"a\tb\"", "\"\x01\"", "\"\x1f\"", "\"\\x41\"",
		"\"\\a\"", "\"\\'\"", "\"\\U0041\"", "\"\\u41\"", "\"\\u004\"", "\"\\u00G1\"",
		"\"\\\"", "\"\\", "\"\\u", "\"\\ud800\"", "\"\\udfff\"", "\"\\ud800x\"",
		"\"\\ud800\\\"", "\"\\ud800\\n\"", "\"\\ud800\\u\"", "\"\\ud800\\ud800\"",
		"\"\\ude00\\ud83d\"", "\"\\ud83d\\ue000\"", "\"\\ud83d\\u0041\"", "\"\\ud83d\"",
		"\"\\uDC00\"",
		/* invalid UTF-8, in strings and out */
		"\"\x80\"", "\"\xbf\"", "\"\xc0\x80\"", "\"\xc1\xbf\"", "\"\xe0\x80\x80\"",
		"\"\xe0\x9f\xbf\"", "\"\xf0\x80\x80\x80\"", "\"\xf0\x8f\xbf\xbf\"",
		"\"\xed\xa0\x80\"", "\"\xed\xbf\xbf\"", "\"\xed\xa0\xbd\xed\xb8\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xf8\x88\x80\x80\x80\"",
		"\"\xfe\"", "\"\xff\"", "\"\xc3\"", "\"\xe2\x82\"", "\"\xf0\x9f\x98\"",
		"\"\xc3\x28\"", "\"\xe2\x28\xa1\"", "\"\xc3\xa9\x80\"", "[\xc3\xa9]", "\xff",
		"[1]\xff", "{\"\xff\":1}", "{\"a\":\"\xed\xb0\x80\"}",
		/* duplicate keys */
		"{\"a\":1,\"a\":1}", "{\"a\":1,\"b\":2,\"a\":3}", "{\"\":1,\"\":2}",
		"{\"a\\u0000\":1,\"a\\u0000\":2}", "{\"\xc3\xa9\":1,\"\\u00e9\":2}",
		"[{\"x\":{\"a\":1,\"a\":{}}}]",
	};
	/* clang-format on */
	/* with a NUL byte, so the length comes from sizeof */
	static const char nul1[] = "[]\0", nul2[] = "\0[]", nul3[] = "[\0]", nul4[] = "\"\0\"";

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		free(parse_err_at(bad[i], strlen(bad[i]), NULL, __LINE__));
	free(parse_err_at(nul1, sizeof(nul1) - 1, NULL, __LINE__));
	free(parse_err_at(nul2, sizeof(nul2) - 1, NULL, __LINE__));
	free(parse_err_at(nul3, sizeof(nul3) - 1, NULL, __LINE__));
	free(parse_err_at(nul4, sizeof(nul4) - 1, NULL, __LINE__));
}

TEST(json_accepts_what_is_valid_but_odd)
{
	static const char *const good[] = {
	    "{\"a\":1,\"A\":2,\"a \":3,\"\":4}", /* keys differ by case, space, emptiness */
	    "{\"a\\u0000\":1,\"a\":2}",          /* differ after a NUL */
	    "{\"x\":{\"a\":1},\"y\":{\"a\":1},\"a\":{\"a\":{\"a\":1}}}", /* same key, other objects
	                                                                  */
	    "\"\x7f\\u007f\"",
	    "[-0.0e+0, 0E0, 1e-0, -1.5E+10]",
	    "\" \\/ \"",
	    "[[[[[]]]]]",
	    "{\"\":\"\"}",
	    " \t\r\n[ \t\r\n1 \t\r\n, \t\r\n2 \t\r\n] \t\r\n",
	    "\"\xef\xbb\xbf\"",          /* a BOM is only refused outside strings */
	    "\"\\ufffe\\uffff\\ufdd0\"", /* noncharacters are still characters */
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		json_free(PARSE(good[i]));
}

/* Every proper prefix of a document whose top level is a container must fail, cleanly, with an
 * offset within the prefix; parse_len() copies each into a buffer of exactly its size. */
TEST(json_every_prefix_fails)
{
	static const char *const docs[] = {
	    oci_index,
	    "{\"a\":[1,-2.5e+3,true,false,null,\"s\\u00e9\\ud83d\\ude00\\n\"],\"b\":{\"c\":{}},"
	    "\"d\":[],\"\xc3\xa9\xf0\x9f\x98\x80\":\"\xe2\x82\xac\"}",
	    "[[[1e400]],{\"\":\"\"},-0,\"\\\\\\\"\"]",
	};

	for (size_t d = 0; d < ARRAY_SIZE(docs); d++) {
		size_t len = strlen(docs[d]);

		while (docs[d][len - 1] == '\n')
			len--;
		json_free(parse_ok_at(docs[d], len, __LINE__));
		for (size_t n = 0; n < len; n++) {
			char *m = parse_err_at(docs[d], n, NULL, __LINE__);

			if (m && strtoull(m + strlen("offset "), NULL, 10) > n)
				unit_fail(__FILE__, __LINE__, "prefix %zu: '%s'", n, m);
			free(m);
		}
	}
}

static char *nested(size_t depth, const char *inner)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < depth; i++)
		sb_adds(&sb, i % 2 ? "{\"k\":" : "[");
	sb_adds(&sb, inner);
	for (size_t i = depth; i-- > 0;)
		sb_adds(&sb, i % 2 ? "}" : "]");
	return sb_steal(&sb);
}

TEST(json_depth_limit)
{
	char *ok = nested(64, "1"), *deep = nested(65, "1"), *empty = nested(64, "[]");
	struct json_limits three = {.max_depth = 3}, huge = {.max_depth = 100000};
	struct json *j;
	char *m;

	j = PARSE(ok);
	CHECK(j != NULL);
	m = j ? write_tree(j, 0, false) : NULL;
	CHECK_STR(m, ok); /* deeper than the streaming writer's own limit, still written */
	free(m);
	json_free(j);
	m = parse_err_at(deep, strlen(deep), NULL, __LINE__);
	CHECK_STR(m, "offset 192: nesting deeper than 64"); /* 32 "[" and 32 "{\"k\":" */
	free(m);
	m = parse_err_at(empty, strlen(empty), NULL, __LINE__);
	CHECK_STR(m, "offset 192: nesting deeper than 64");
	free(m);
	m = parse_err_at("[[[{}]]]", 8, &three, __LINE__);
	CHECK_STR(m, "offset 3: nesting deeper than 3");
	free(m);
	j = parse_len("[[[]]]", 6, &three, NULL);
	CHECK(j != NULL);
	json_free(j);
	free(deep);
	deep = nested(2000, "null");
	m = parse_err_at(deep, strlen(deep), &huge, __LINE__);
	CHECK(m && str_has_suffix(m, ": nesting deeper than 1024"));
	free(m);
	free(deep);
	free(ok);
	free(empty);
}

TEST(json_bombs_refused_early)
{
	size_t n = 8 << 20;
	char *buf = xmalloc(n);
	struct json_limits small = {.max_size = 10};
	char *m;

	memset(buf, '[', n);
	m = parse_err_at(buf, n, NULL, __LINE__);
	CHECK_STR(m, "offset 64: nesting deeper than 64");
	free(m);
	free(buf);
	buf = xmalloc(JSON_DEFAULT_MAX_SIZE + 1);
	memset(buf, ' ', JSON_DEFAULT_MAX_SIZE + 1);
	buf[0] = '0';
	m = parse_err_at(buf, JSON_DEFAULT_MAX_SIZE + 1, NULL, __LINE__);
	CHECK_STR(m, "offset 16777216: input larger than the limit of 16777216 bytes");
	free(m);
	free(buf);
	m = parse_err_at("[1,2,3,4,5]", 11, &small, __LINE__);
	CHECK_STR(m, "offset 10: input larger than the limit of 10 bytes");
	free(m);
	json_free(parse_len("[1,2,3,45]", 10, &small, NULL));
}

/* A big object is checked once it closes; the first repeat in document order is named. */
TEST(json_duplicates_in_big_objects)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *j;
	char *m, *want;

	sb_addc(&sb, '{');
	for (int i = 0; i < 1000; i++)
		sb_printf(&sb, "%s\"k%d\":%d", i ? "," : "", i, i);
	sb_addc(&sb, '}');
	j = PARSE(sb.buf);
	CHECK_INT(json_len(j), 1000);
	CHECK(json_get(j, "k999") && json_get(j, "k999") == &json_member_at(j, 999)->val);
	json_free(j);
	sb.len--;
	want = xasprintf("offset %zu: duplicate key \"k500\"", sb.len + 1);
	sb_adds(&sb, ",\"k500\":0,\"k7\":1,\"k500\":2}");
	m = parse_err_at(sb.buf, sb.len, NULL, __LINE__);
	CHECK_STR(m, want);
	free(m);
	free(want);
	sb_release(&sb);
	/* 18 keys, then a repeat of the first: past the scan, found by the sort */
	for (char c = 'a'; c <= 'r'; c++)
		sb_printf(&sb, "%c\"%c\":%d", c == 'a' ? '{' : ',', c, c);
	want = xasprintf("offset %zu: duplicate key \"a\"", sb.len + 1);
	sb_adds(&sb, ",\"a\":0}");
	m = parse_err_at(sb.buf, sb.len, NULL, __LINE__);
	CHECK_STR(m, want);
	free(m);
	free(want);
	sb_release(&sb);
}

TEST(json_roundtrip_compact_and_sorted)
{
	static const char doc[] =
	    " { \"b\" : 1 , \"a\" : { \"d\" : [ ] , \"c\" : 0.50 } , \"B\" : "
	    "[ { \"z\" : 1 , \"ab\" : 2 , \"a\" : 3 , \"\xc3\xa9\" : 4 } ] } ";

	CHECK_ROUNDTRIP(doc, false,
	                "{\"b\":1,\"a\":{\"d\":[],\"c\":0.50},\"B\":[{\"z\":1,\"ab\":2,\"a\":3,"
	                "\"\xc3\xa9\":4}]}");
	CHECK_ROUNDTRIP(
	    doc, true,
	    "{\"B\":[{\"a\":3,\"ab\":2,\"z\":1,\"\xc3\xa9\":4}],\"a\":{\"c\":0.50,\"d\":[]},"
	    "\"b\":1}");
	CHECK_ROUNDTRIP("{\"a\\u0000\":1,\"a\":2,\"\":3}", true, "{\"\":3,\"a\":2,\"a\\u0000\":1}");
	CHECK_ROUNDTRIP("\"\\u2028\\u00ff\\u001f\\t\"", false,
	                "\"\xe2\x80\xa8\xc3\xbf\\u001f\\t\"");
}

/* A tree goes out exactly as the streaming writer would write the same values, so it can be
 * embedded anywhere in a document that writer builds. */
TEST(json_tree_inside_writer_output)
{
	struct json *t = PARSE("{\"Env\":[\"A=1\"],\"Labels\":{},\"n\":[]}");
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct json_writer w;

	for (int indent = 0; indent <= 4; indent += 4) {
		a.len = b.len = 0;
		jw_init(&w, &a, indent);
		jw_array_begin(&w);
		jw_int(&w, 1);
		jw_object_begin(&w);
		jw_key(&w, "Config");
		json_write_tree(&w, t);
		jw_key(&w, "x");
		json_write_tree(&w, NULL);
		jw_object_end(&w);
		json_write_tree(&w, json_get(t, "Env"));
		jw_array_end(&w);

		jw_init(&w, &b, indent);
		jw_array_begin(&w);
		jw_int(&w, 1);
		jw_object_begin(&w);
		jw_key(&w, "Config");
		jw_object_begin(&w);
		jw_key(&w, "Env");
		jw_array_begin(&w);
		jw_string(&w, "A=1");
		jw_array_end(&w);
		jw_key(&w, "Labels");
		jw_object_begin(&w);
		jw_object_end(&w);
		jw_key(&w, "n");
		jw_array_begin(&w);
		jw_array_end(&w);
		jw_object_end(&w);
		jw_key(&w, "x");
		jw_null(&w);
		jw_object_end(&w);
		jw_array_begin(&w);
		jw_string(&w, "A=1");
		jw_array_end(&w);
		jw_array_end(&w);
		CHECK_STR(a.buf, b.buf);
	}
	sb_release(&a);
	sb_release(&b);
	json_free(t);
}

/* A manifest list of about 1 MB: parse, write, parse again, same text. */
TEST(json_big_manifest_list)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *j, *k;
	char *once, *twice;
	uint64_t size;

	sb_adds(&sb,
	        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	        "\"manifests\":[");
	for (int i = 0; i < 3000; i++)
		sb_printf(&sb,
		          "%s{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		          "\"digest\":\"sha256:%064x\",\"size\":%d,\"platform\":{\"architecture\":"
		          "\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"},\"annotations\":{\"a\":"
		          "\"\\u00e9\\ud83d\\ude00\",\"org.opencontainers.image.created\":"
		          "\"2024-01-01T00:00:00Z\",\"n\":[1.5,-0,1e400]}}",
		          i ? "," : "", i, 1000 + i);
	sb_adds(&sb, "]}");
	CHECK(sb.len > 1000000);
	j = PARSE(sb.buf);
	CHECK_INT(json_len(json_get(j, "manifests")), 3000);
	CHECK(json_get_u64(json_at(json_get(j, "manifests"), 2999), "size", &size));
	CHECK_INT(size, 3999);
	once = write_tree(j, 0, false);
	k = PARSE(once);
	twice = write_tree(k, 0, false);
	CHECK_STR(once, twice);
	free(once);
	free(twice);
	json_free(j);
	json_free(k);
	sb_release(&sb);
}
