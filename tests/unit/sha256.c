/* SHA-256 (libbb/sha256.c): NIST's vectors, the million 'a', streaming in odd chunks, on the
 * CPU's instructions (when the CPU running the test has them) and on mbedtls. */
#include "unit.h"
#include "sha256.h"
#include <fcntl.h>

enum path { PATH_CPU, PATH_PORTABLE };

/* Puts later contexts on one path; SKIPs when the CPU has no SHA-256 instructions. */
static void use_path(enum path path)
{
	sha256_force_portable(path == PATH_PORTABLE);
	if (path == PATH_CPU && STREQ(sha256_impl(), "mbedtls"))
		unit_skip("this CPU has no SHA-256 instructions; only mbedtls runs here");
}

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			bb_die("bad hex '%.8s'", hex + 2 * i);
		out[i] = v;
	}
}

static void digest_hex(const void *p, size_t n, char hex[SHA256_HEX_SIZE])
{
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_digest(p, n, d);
	sha256_hex(d, hex);
}

/* The same message fed in pieces of `chunk` bytes. */
static void chunked_hex(const uint8_t *p, size_t n, size_t chunk, char hex[SHA256_HEX_SIZE])
{
	struct sha256 c;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&c);
	for (size_t off = 0; off < n; off += chunk)
		sha256_update(&c, p + off, n - off < chunk ? n - off : chunk);
	sha256_final(&c, d);
	sha256_hex(d, hex);
}

/* The vectors live beside the checkout, in ../shared/testdata, found from $SRC or the cwd. */
static char *read_vectors(const char *name)
{
	const char *src = getenv("SRC");
	cleanup_free char *path =
		xasprintf("%s/../shared/testdata/nist-sha256/%s", src && *src ? src : ".", name);

	if (access(path, R_OK) < 0)
		unit_skip("no NIST vectors at %s: %s", path, strerror(errno));
	return xread_file(path, NULL);
}

/* Len = BITS / Msg = HEX / MD = HEX records; each message is hashed in one piece and in
 * pieces of 1 and 65 bytes. Returns how many records were checked. */
static int check_rsp(const char *name)
{
	cleanup_free char *text = read_vectors(name);
	cleanup_free uint8_t *msg = NULL;
	long long bits = -1;
	int n = 0;

	for (char *line = strtok(text, "\r\n"); line; line = strtok(NULL, "\r\n")) {
		char hex[SHA256_HEX_SIZE], chunked[SHA256_HEX_SIZE];
		size_t len;

		if (sscanf(line, "Len = %lld", &bits) == 1)
			continue;
		if (str_has_prefix(line, "Msg = ")) {
			len = bits / 8;
			free(msg);
			msg = xmalloc(len);
			hex_to_bytes(line + 6, msg, len);
			continue;
		}
		if (!str_has_prefix(line, "MD = "))
			continue;
		len = bits / 8;
		digest_hex(msg, len, hex);
		if (!STREQ(hex, line + 5))
			unit_fail(__FILE__, __LINE__, "%s Len = %lld: %s, expected %s", name, bits,
				  hex, line + 5);
		for (size_t chunk = 1; chunk <= 65; chunk += 64) {
			chunked_hex(msg, len, chunk, chunked);
			if (!STREQ(chunked, line + 5))
				unit_fail(__FILE__, __LINE__, "%s Len = %lld in %zu-byte pieces: %s",
					  name, bits, chunk, chunked);
		}
		n++;
	}
	return n;
}

static void nist_short(enum path path)
{
	use_path(path);
	CHECK_INT(check_rsp("SHA256ShortMsg.rsp"), 65);
}

static void nist_long(enum path path)
{
	use_path(path);
	CHECK_INT(check_rsp("SHA256LongMsg.rsp"), 64);
}

TEST(nist_short_messages_cpu)
{
	nist_short(PATH_CPU);
}

TEST(nist_short_messages_portable)
{
	nist_short(PATH_PORTABLE);
}

TEST(nist_long_messages_cpu)
{
	nist_long(PATH_CPU);
}

TEST(nist_long_messages_portable)
{
	nist_long(PATH_PORTABLE);
}

static void million_a(enum path path)
{
	static const char want[] =
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	cleanup_free uint8_t *a = xmalloc(1000000);
	char hex[SHA256_HEX_SIZE];

	use_path(path);
	memset(a, 'a', 1000000);
	digest_hex(a, 1000000, hex);
	CHECK_STR(hex, want);
	chunked_hex(a, 1000000, 1000, hex);
	CHECK_STR(hex, want);
}

TEST(million_a_cpu)
{
	million_a(PATH_CPU);
}

TEST(million_a_portable)
{
	million_a(PATH_PORTABLE);
}

/* A fixed pseudo-random message (xorshift32), so a failure reproduces. */
static uint8_t *test_message(size_t n)
{
	uint8_t *p = xmalloc(n);
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x >> 24;
	}
	return p;
}

static void streaming(enum path path)
{
	static const size_t chunks[] = {1, 63, 64, 65, 4095};
	const size_t n = 3 * 4096 + 77;
	cleanup_free uint8_t *msg = test_message(n);
	char whole[SHA256_HEX_SIZE], pieces[SHA256_HEX_SIZE];

	use_path(path);
	digest_hex(msg, n, whole);
	for (size_t i = 0; i < ARRAY_SIZE(chunks); i++) {
		chunked_hex(msg, n, chunks[i], pieces);
		if (!STREQ(pieces, whole))
			unit_fail(__FILE__, __LINE__, "%zu-byte pieces: %s, one shot: %s", chunks[i],
				  pieces, whole);
	}
}

TEST(streaming_in_odd_chunks_cpu)
{
	streaming(PATH_CPU);
}

TEST(streaming_in_odd_chunks_portable)
{
	streaming(PATH_PORTABLE);
}

/* Every length across the padding's edges (55, 56, 63, 64 ...) and a few blocks beyond. */
TEST(cpu_and_portable_agree_on_every_length)
{
	cleanup_free uint8_t *msg = test_message(300);
	char cpu[SHA256_HEX_SIZE], portable[SHA256_HEX_SIZE];

	use_path(PATH_CPU);
	for (size_t n = 0; n <= 300; n++) {
		sha256_force_portable(false);
		digest_hex(msg, n, cpu);
		sha256_force_portable(true);
		digest_hex(msg, n, portable);
		if (!STREQ(cpu, portable))
			unit_fail(__FILE__, __LINE__, "length %zu: cpu %s, mbedtls %s", n, cpu,
				  portable);
	}
}

TEST(context_keeps_its_path)
{
	struct sha256 c;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE];

	sha256_force_portable(false);
	sha256_init(&c);
	sha256_update(&c, "ab", 2);
	sha256_force_portable(true);
	sha256_update(&c, "c", 1);
	sha256_final(&c, d);
	sha256_hex(d, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(hex_is_lowercase_and_terminated)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[SHA256_HEX_SIZE + 1];

	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		d[i] = i * 8 + 7;
	memset(hex, 'x', sizeof(hex));
	sha256_hex(d, hex);
	CHECK_STR(hex, "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff");
	CHECK_INT(hex[SHA256_HEX_SIZE], 'x');
}

static bool cpuinfo_has_word(const char *word)
{
	cleanup_free char *info = read_file_at(AT_FDCWD, "/proc/cpuinfo", 1 << 20, NULL);
	size_t len = strlen(word);

	for (const char *p = info; p && (p = strstr(p, word)); p += len)
		if ((p == info || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[len] == ' ' || p[len] == '\n' || !p[len]))
			return true;
	return false;
}

/* The names the applet's --impl shows; the CPU path must be taken where the kernel says the
 * instructions exist (on x86_64: qemu-user does not emulate the other CPUs' cpuinfo). */
TEST(impl_names)
{
	const char *cpu;

	setenv("OCIBOX_SHA256", "portable", 1);
	CHECK_STR(sha256_impl(), "mbedtls");
	sha256_force_portable(false);
	cpu = sha256_impl();
	CHECK(STREQ(cpu, "sha-ni") || STREQ(cpu, "armv8-ce") || STREQ(cpu, "mbedtls"));
	if (STREQ(platform_arch(), "amd64"))
		CHECK_STR(cpu, cpuinfo_has_word("sha_ni") ? "sha-ni" : "mbedtls");
	if (STREQ(platform_arch(), "arm") || STREQ(platform_arch(), "mipsle"))
		CHECK_STR(cpu, "mbedtls");
	sha256_force_portable(true);
	CHECK_STR(sha256_impl(), "mbedtls");
}
