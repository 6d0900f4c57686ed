/* The TLS client against another implementation: openssl s_server, one per test, with the key
 * types, signatures, ciphers and versions registries use, and the clear errors for what the
 * static builds leave out (scripts/mbedtls-config.h). tests/unit/http.c covers the rest
 * against python's ssl module. */
#include "unit.h"
#include "http.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <mbedtls/version.h>

/* The static builds' trimmed mbedtls, or Debian's full one (the debug build). */
#ifdef OCIBOX_MBEDTLS_CONFIG
static const bool trimmed = true;
#else
static const bool trimmed = false;
#endif

static pid_t runner;
static char certdir[300];

/* The certificates of tests/unit/http-certs.sh plus a P-384 and an RSA 4096 server certificate
 * signed with SHA-384, made once per run and removed by the runner's destructor. */
__attribute__((constructor)) static void fixture_init(void)
{
	const char *t = getenv("TMPDIR");

	runner = getpid();
	snprintf(certdir, sizeof(certdir), "%s/ocibox-tls-certs.%d", t && *t ? t : "/tmp",
		 (int)getpid());
}

__attribute__((destructor)) static void fixture_fini(void)
{
	char *cmd;

	if (getpid() != runner || access(certdir, F_OK))
		return;
	cmd = xasprintf("rm -rf '%s'", certdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", certdir);
	free(cmd);
}

static const char *certs(void)
{
	static const char more[] =
		"for k in 'p384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384' "
		"'rsa4096 -algorithm RSA -pkeyopt rsa_keygen_bits:4096'; do set -- $k; n=$1; shift; "
		"openssl genpkey \"$@\" -out $n.key 2>/dev/null && "
		"openssl req -new -key $n.key -subj /CN=$n -out $n.csr && "
		"printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' "
		">$n.ext && openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		"-days 30 -sha384 -extfile $n.ext -out $n.crt 2>/dev/null || exit 1; done";
	const char *src = getenv("SRC");
	char probe[400], *cmd;

	snprintf(probe, sizeof(probe), "%s/rsa4096.crt", certdir);
	if (access(probe, F_OK) == 0)
		return certdir;
	if (!src)
		unit_skip("SRC not set: run through tests/runtest");
	if (system("openssl version >/dev/null 2>&1"))
		unit_skip("needs openssl (s_server and certificates)");
	cmd = xasprintf("rm -rf '%s.tmp' && sh '%s/tests/unit/http-certs.sh' '%s.tmp' && "
			"cd '%s.tmp' && (%s) && mv '%s.tmp' '%s'",
			certdir, src, certdir, certdir, more, certdir, certdir);
	CHECK_INT(system(cmd), 0);
	free(cmd);
	if (access(probe, F_OK))
		unit_skip("openssl could not make the test certificates");
	return certdir;
}

struct server {
	pid_t pid;
	unsigned port;
};

/* openssl s_server -www on 127.0.0.1 with a free port; "CERT" and "KEY" in args become paths.
 * It prints "ACCEPT 127.0.0.1:PORT" once listening. */
static struct server start(const char *cert, const char *key, const char *const *args)
{
	const char *argv[32] = {"openssl", "s_server", "-www", "-accept", "127.0.0.1:0", "-cert"};
	char *log = xasprintf("%s/s_server.log", unit_tmpdir()), *text = NULL, *at;
	struct server s = {0};
	int n = 6;

	argv[n++] = xasprintf("%s/%s", certs(), cert);
	argv[n++] = "-key";
	argv[n++] = xasprintf("%s/%s", certs(), key);
	for (; *args && n < 31; args++)
		argv[n++] = *args;
	unlink(log); /* a test may start several: not the previous one's port */
	fflush(NULL);
	s.pid = fork();
	if (s.pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	for (int i = 0; i < 200 && !s.port; i++) {
		free(text);
		text = read_file_at(AT_FDCWD, log, 65536, NULL);
		if (text && (at = strstr(text, "ACCEPT 127.0.0.1:")))
			s.port = atoi(at + 17);
		else if (waitpid(s.pid, NULL, WNOHANG) == s.pid)
			break;
		else
			usleep(50000);
	}
	free(text);
	free(log);
	if (!s.port) {
		kill(s.pid, SIGKILL);
		waitpid(s.pid, NULL, 0);
		unit_skip("openssl s_server did not start");
	}
	return s;
}

static void stop(struct server *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

/* One GET of / trusting the test CA alone: the status, or -1 with the error in *msg. */
static int get(const struct server *s, char **msg)
{
	char *ca = xasprintf("%s/ca.crt", certs()), *url = xasprintf("https://127.0.0.1:%u/", s->port);
	struct http_options o = {.ca_file = ca, .certs_d = "", .http_proxy = "", .https_proxy = "",
				 .no_proxy = "", .read_timeout = 20, .connect_timeout = 20};
	struct http_request req = {.url = url};
	struct http_client *c = NULL;
	struct http_response *r = NULL;
	struct strbuf body = STRBUF_INIT;
	struct error *e = NULL;
	int status = -1;

	*msg = NULL;
	if (http_client_new(&o, &c, &e) == 0 && http_do(c, &req, &r, &e) == 0 &&
	    http_read_all(r, 1 << 20, &body, &e) == 0) {
		status = r->status;
		/* s_server -www answers with a page naming the version and cipher it chose */
		*msg = xstrdup(body.buf ? body.buf : "");
	} else {
		*msg = xstrdup(e && e->msg ? e->msg : "?");
	}
	err_free(&e);
	sb_release(&body);
	http_response_close(r);
	http_client_free(c);
	free(url);
	free(ca);
	return status;
}

static void expect_ok(const char *cert, const char *key, const char *const *args,
		      const char *cipher)
{
	struct server s = start(cert, key, args);
	char *msg, *want = xasprintf("New, TLSv1.2, Cipher is %s", cipher);

	CHECK_INT(get(&s, &msg), 200);
	CHECK_CONTAINS(msg, want);
	free(want);
	free(msg);
	stop(&s);
}

static void expect_refused(const char *const *args, const char *why)
{
	struct server s = start("server.crt", "server.key", args);
	char *msg;

	CHECK_INT(get(&s, &msg), -1);
	CHECK_CONTAINS(msg, why);
	free(msg);
	stop(&s);
}

static const char *const none[] = {NULL};

TEST(ec_p256_server)
{
	expect_ok("server.crt", "server.key", none, "ECDHE-ECDSA-");
}

TEST(rsa_2048_server)
{
	expect_ok("rsa.crt", "rsa.key", none, "ECDHE-RSA-");
}

TEST(rsa_4096_server_signed_with_sha384)
{
	expect_ok("rsa4096.crt", "rsa4096.key", none, "ECDHE-RSA-");
}

TEST(ec_p384_server_signed_with_sha384)
{
	expect_ok("p384.crt", "p384.key", none, "ECDHE-ECDSA-");
}

TEST(each_cipher_suite_we_need)
{
	static const char *const suites[] = {
		"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
		"ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-GCM-SHA256",
		"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305",
	};

	for (size_t i = 0; i < ARRAY_SIZE(suites); i++) {
		const char *args[] = {"-tls1_2", "-cipher", suites[i], NULL};
		bool rsa = strstr(suites[i], "-RSA-");
		expect_ok(rsa ? "rsa.crt" : "server.crt", rsa ? "rsa.key" : "server.key", args,
			  suites[i]);
	}
}

TEST(each_curve_we_need_for_ecdhe)
{
	static const char *const groups[] = {"P-256", "P-384"};

	for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
		const char *args[] = {"-tls1_2", "-groups", groups[i], NULL};
		expect_ok("server.crt", "server.key", args, "ECDHE-ECDSA-");
	}
}

TEST(tls13_only_server_is_a_clear_error)
{
	static const char *const args[] = {"-tls1_3", NULL};

	expect_refused(args, "alert 70 (protocol version): the server does not speak TLS 1.2");
}

/* What the static builds leave out: CBC, plain RSA key exchange, X25519-only servers. */
TEST(left_out_suites_are_a_clear_error)
{
	static const char *const cbc[] = {"-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256", NULL};
	static const char *const rsa_kx[] = {"-tls1_2", "-cipher", "AES128-GCM-SHA256", NULL};
	static const char *const x25519[] = {"-groups", "X25519", NULL};
	static const char *const *const cases[] = {cbc, rsa_kx, x25519};
	const char *why = "alert 40 (handshake failure): no cipher suite in common?";

	if (!trimmed)
		unit_skip("mbedtls %s with its default configuration offers them", MBEDTLS_VERSION_STRING);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct server s = start(i == 2 ? "server.crt" : "rsa.crt",
					i == 2 ? "server.key" : "rsa.key", cases[i]);
		char *msg;
		CHECK_INT(get(&s, &msg), -1);
		CHECK_CONTAINS(msg, why);
		free(msg);
		stop(&s);
	}
}
