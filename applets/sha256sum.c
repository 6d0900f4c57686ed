/* sha256sum: print or check SHA-256 sums the way coreutils and BusyBox do; --impl names the
 * code in use, which is how the benchmark and the tests reach the digests the store ships. */
//config:config SHA256SUM
//config:	bool "sha256sum: print or check SHA-256 checksums"
//config:	default y
//config:	help
//config:	  usage: sha256sum [-c [-sw]] [FILE]...
//config:
//config:	  Print the SHA-256 checksum of each FILE as "HEX  NAME", or with -c
//config:	  check the sums listed in each FILE. With no FILE, or FILE -, read
//config:	  standard input.
//config:
//config:	  -c, --check   check "HEX  NAME" lines: NAME: OK or NAME: FAILED
//config:	  -s, --status  with -c: print nothing, the exit status tells
//config:	  -w, --warn    with -c: warn about improperly formatted lines
//config:	  --impl        print the SHA-256 code in use (sha-ni, armv8-ce, mbedtls)
//applet:APPLET(sha256sum, SHA256SUM, PLAIN, "c,check s,status w,warn impl")

#include "libbb.h"
#include "sha256.h"
#include <fcntl.h>

#define READ_SIZE (128 * 1024)

static struct {
	uint8_t *buf; /* READ_SIZE bytes */
	bool status, warn;
} G;

/* 0, or -1 with errno set. */
static int hash_fd(int fd, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256 c;
	ssize_t n;

	sha256_init(&c);
	while ((n = read(fd, G.buf, READ_SIZE)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		sha256_update(&c, G.buf, n);
	}
	sha256_final(&c, out);
	return 0;
}

/* "-" is standard input. */
static int hash_file(const char *name, uint8_t out[SHA256_DIGEST_SIZE])
{
	cleanup_close int fd = -1;

	if (STREQ(name, "-"))
		return hash_fd(STDIN_FILENO, out);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -1 : hash_fd(fd, out);
}

/* coreutils' escaping: a name with a newline (or, when printing sums, a backslash) is
 * written with \\ and \n, and its line starts with a backslash to say so. */
static void print_name(const char *name, bool escape)
{
	for (; *name; name++) {
		if (escape && *name == '\\')
			fputs("\\\\", stdout);
		else if (escape && *name == '\n')
			fputs("\\n", stdout);
		else
			putchar(*name);
	}
}

static int sum_files(char **names)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];
	int status = 0;
	bool escape;

	for (; *names; names++) {
		if (hash_file(*names, d) < 0) {
			bb_warn_errno("%s", *names);
			status = 1;
			continue;
		}
		sha256_hex(d, hex);
		escape = strpbrk(*names, "\\\n") != NULL;
		printf("%s%s  ", escape ? "\\" : "", hex);
		print_name(*names, escape);
		putchar('\n');
	}
	return status;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool parse_hex(const char *s, uint8_t out[SHA256_DIGEST_SIZE])
{
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		int hi = hex_value(s[2 * i]), lo = hi < 0 ? -1 : hex_value(s[2 * i + 1]);

		if (lo < 0)
			return false;
		out[i] = hi << 4 | lo;
	}
	return true;
}

/* Undoes print_name()'s escaping in place; false for any other backslash sequence. */
static bool unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '\\') {
			s++;
			if (*s == '\\')
				*w++ = '\\';
			else if (*s == 'n')
				*w++ = '\n';
			else
				return false;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return true;
}

/* "HEX  NAME" or "HEX *NAME" (with a leading backslash when NAME is escaped), or BSD's
 * "SHA256 (NAME) = HEX". Returns NAME, pointing into line, or NULL. */
static char *parse_line(char *line, uint8_t want[SHA256_DIGEST_SIZE])
{
	bool escaped = line[0] == '\\';
	char *name;

	if (str_has_prefix(line, "SHA256 (")) {
		size_t len = strlen(line);
		char *end;

		if (len < 9 + 4 + 2 * SHA256_DIGEST_SIZE)
			return NULL;
		end = line + len - 4 - 2 * SHA256_DIGEST_SIZE;
		if (!str_has_prefix(end, ") = ") || !parse_hex(end + 4, want))
			return NULL;
		*end = '\0';
		return line + 8;
	}
	line += escaped;
	if (strlen(line) < 2 * SHA256_DIGEST_SIZE + 3 || !parse_hex(line, want))
		return NULL;
	line += 2 * SHA256_DIGEST_SIZE;
	if (line[0] != ' ' || (line[1] != ' ' && line[1] != '*'))
		return NULL;
	name = line + 2;
	return !escaped || unescape(name) ? name : NULL;
}

static void warn_count(unsigned n, const char *one, const char *many)
{
	if (n)
		bb_warn("WARNING: %u %s", n, n == 1 ? one : many);
}

/* One list of sums: 0 when every listed file matched, 1 otherwise. */
static int check_list(const char *list)
{
	FILE *f = STREQ(list, "-") ? stdin : fopen(list, "re");
	const char *shown = STREQ(list, "-") ? "standard input" : list;
	unsigned lines = 0, good = 0, misformatted = 0, unreadable = 0, mismatched = 0;
	cleanup_free char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool read_error;

	if (!f) {
		bb_warn_errno("%s", list);
		return 1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];
		const char *result;
		char *name;

		lines++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		name = parse_line(line, want);
		if (!name) {
			misformatted++;
			if (G.warn)
				bb_warn("%s: %u: improperly formatted SHA256 checksum line", shown,
					lines);
			continue;
		}
		good++;
		if (hash_file(name, got) < 0) {
			bb_warn_errno("%s", name);
			unreadable++;
			result = "FAILED open or read";
		} else if (memcmp(want, got, sizeof(got))) {
			mismatched++;
			result = "FAILED";
		} else {
			result = "OK";
		}
		if (G.status)
			continue;
		if (strchr(name, '\n'))
			putchar('\\');
		print_name(name, strchr(name, '\n') != NULL);
		printf(": %s\n", result);
	}
	read_error = ferror(f);
	if (read_error)
		bb_warn_errno("%s", list);
	if (f != stdin)
		fclose(f);
	if (read_error)
		return 1;
	if (!good) {
		bb_warn("%s: no properly formatted checksum lines found", shown);
		return 1;
	}
	if (!G.status) {
		warn_count(misformatted, "line is improperly formatted",
			   "lines are improperly formatted");
		warn_count(unreadable, "listed file could not be read",
			   "listed files could not be read");
		warn_count(mismatched, "computed checksum did NOT match",
			   "computed checksums did NOT match");
	}
	return unreadable || mismatched;
}

int sha256sum_main(int argc, char **argv)
{
	static char *std_in[] = {"-", NULL};
	struct opts o;
	char **names;
	int status = 0;

	xgetopts(&o, argc, argv, OPTS_sha256sum);
	if (o.flags & FLAG_sha256sum_impl) {
		puts(sha256_impl());
		return 0;
	}
	if ((o.flags & (FLAG_sha256sum_status | FLAG_sha256sum_warn)) &&
	    !(o.flags & FLAG_sha256sum_check))
		bb_usage_error("-s and -w only make sense with -c");
	G.status = o.flags & FLAG_sha256sum_status;
	G.warn = o.flags & FLAG_sha256sum_warn;
	G.buf = xmalloc(READ_SIZE);
	names = o.argc ? o.argv : std_in;
	if (!(o.flags & FLAG_sha256sum_check))
		status = sum_files(names);
	for (; (o.flags & FLAG_sha256sum_check) && *names; names++)
		status |= check_list(*names);
	if (ENABLE_FEATURE_CLEAN_UP)
		free(G.buf);
	return status;
}
