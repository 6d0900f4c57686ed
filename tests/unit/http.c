/* The HTTP client and TLS (include/http.h) against real local servers: tests/unit/http-server.py
 * (HTTP/1.1, plain and TLS, well- and badly-behaved routes, a forward proxy) on 127.0.0.1 and
 * ::1, certificates made by tests/unit/http-certs.sh with openssl. URLs, host patterns and
 * proxy settings first, without servers. */
#include "unit.h"
#include "http.h"
#include "tls.h"
#include "../../libbb/http_internal.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* ---- fixtures: certificates once per run, servers per test ---- */

static pid_t runner;
static char certdir[300];

__attribute__((constructor)) static void fixture_init(void)
{
	const char *t = getenv("TMPDIR");

	runner = getpid();
	snprintf(certdir, sizeof(certdir), "%s/ocibox-http-certs.%d", t && *t ? t : "/tmp",
		 (int)runner);
}

__attribute__((destructor)) static void fixture_fini(void)
{
	char *cmd;

	if (getpid() != runner || access(certdir, F_OK))
		return;
	cmd = xasprintf("%s/fleet", certdir);
	char *fleet = read_file_at(AT_FDCWD, cmd, 4096, NULL);
	if (fleet && atoi(fleet) > 0)
		kill(atoi(fleet), SIGKILL);
	free(fleet);
	free(cmd);
	cmd = xasprintf("rm -rf '%s'", certdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", certdir);
	free(cmd);
}

static const char *src(const char *rel)
{
	static char path[4096];
	const char *s = getenv("SRC");

	if (!s)
		unit_skip("SRC not set: run through tests/runtest");
	snprintf(path, sizeof(path), "%s/%s", s, rel);
	return path;
}

/* Debian's own python3 first: a version manager's shim can cost a second per start. */
static const char *python(void)
{
	static const char *found;

	if (!found) {
		found = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
		char *cmd = xasprintf("%s -c 'import ssl' >/dev/null 2>&1", found);
		if (system(cmd))
			unit_skip("needs python3 with its ssl module");
		free(cmd);
	}
	return found;
}

/* The test certificates, made by the first test that needs them. */
static const char *certs(void)
{
	char probe[400], *cmd;

	snprintf(probe, sizeof(probe), "%s/self.crt", certdir);
	if (access(probe, F_OK) == 0)
		return certdir;
	if (system("openssl version >/dev/null 2>&1"))
		unit_skip("needs openssl to make certificates");
	cmd = xasprintf("rm -rf '%s.tmp' && sh '%s' '%s.tmp' && mv '%s.tmp' '%s'", certdir,
			src("tests/unit/http-certs.sh"), certdir, certdir, certdir);
	CHECK_INT(system(cmd), 0);
	free(cmd);
	if (access(probe, F_OK))
		unit_skip("openssl could not make the test certificates");
	return certdir;
}

static const char *cert(const char *name)
{
	static char paths[8][400];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, 400, "%s/%s", certs(), name);
	return p;
}

struct server {
	pid_t pid; /* 0: one of the shared servers, not ours to stop */
	unsigned port;
};

/* Runs http-server.py with args and reads the line it prints. It outlives the test that started
 * it: it watches the runner's pid, and the runner's destructor kills it. */
static pid_t spawn(const char *const *args, char *line, size_t size)
{
	const char *argv[24] = {python(), src("tests/unit/http-server.py")};
	int fds[2], n = 2;
	pid_t pid;

	for (; *args && n < 23; args++)
		argv[n++] = *args;
	if (pipe2(fds, O_CLOEXEC) < 0)
		bb_die_errno("pipe");
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		execv(argv[0], (char **)argv);
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	close(fds[1]);
	line[0] = '\0';
	for (size_t len = 0; !strchr(line, '\n') && len < size - 1;) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		ssize_t r = poll(&p, 1, 20000) == 1 ? read(fds[0], line + len, size - 1 - len) : 0;
		if (r <= 0)
			break;
		line[len += r] = '\0';
	}
	close(fds[0]);
	if (!strchr(line, '\n')) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		unit_skip("the test server did not start");
	}
	return pid;
}

/* The servers most tests share: one python process for the whole run, started by the first
 * test that needs it (python's start-up is the slow part of these tests). */
enum srv {
	PLAIN, PLAIN6, TLS, RSA, WRONG, WILD, SELF, FUTURE, EXPIRED, CLIENTAUTH, PROXY, PROXYAUTH,
	NSRV
};
static const char *const srv_names[NSRV] = {
	"plain", "plain6", "tls", "rsa", "wrong", "wild", "self", "future", "expired", "clientauth",
	"proxy", "proxyauth",
};

static const char *cert(const char *name);

static unsigned port(enum srv which)
{
	static unsigned ports[NSRV];
	char path[400], line[512], *file;

	if (!ports[PLAIN]) {
		snprintf(path, sizeof(path), "%s/fleet", certs());
		file = read_file_at(AT_FDCWD, path, 4096, NULL);
		if (file) {
			snprintf(line, sizeof(line), "%s", strchr(file, ' ') + 1);
			free(file);
		} else {
			char *specs[NSRV], pid[16], *log = xasprintf("%s/proxy.log", certdir);
			const char *args[NSRV + 5] = {"--watch", pid, "--log", log};
			snprintf(pid, sizeof(pid), "%d", (int)runner);
			specs[PLAIN] = xstrdup("plain=plain");
			specs[PLAIN6] = xstrdup("plain6=plain6");
			specs[TLS] = xasprintf("tls=tls:%s:%s", cert("server.crt"), cert("server.key"));
			specs[RSA] = xasprintf("rsa=tls:%s:%s", cert("rsa.crt"), cert("rsa.key"));
			specs[WRONG] = xasprintf("wrong=tls:%s:%s", cert("wrong.crt"), cert("server.key"));
			specs[WILD] = xasprintf("wild=tls:%s:%s", cert("wild.crt"), cert("server.key"));
			specs[SELF] = xasprintf("self=tls:%s:%s", cert("self.crt"), cert("self.key"));
			specs[FUTURE] = xasprintf("future=tls:%s:%s", cert("future.crt"), cert("server.key"));
			specs[EXPIRED] = xasprintf("expired=tls:%s:%s", cert("expired.crt"), cert("server.key"));
			specs[CLIENTAUTH] = xasprintf("clientauth=tls:%s:%s:%s", cert("server.crt"),
						      cert("server.key"), cert("ca.crt"));
			specs[PROXY] = xstrdup("proxy=proxy");
			specs[PROXYAUTH] = xstrdup("proxyauth=proxy:user:p@ss");
			for (int i = 0; i < NSRV; i++)
				args[i + 4] = specs[i];
			pid_t p = spawn(args, line, sizeof(line));
			char *rec = xasprintf("%d %s", (int)p, line);
			CHECK_INT(write_file_atomic(AT_FDCWD, path, rec, strlen(rec), 0644, NULL), 0);
			free(rec);
			for (int i = 0; i < NSRV; i++)
				free(specs[i]);
			free(log);
		}
		for (int i = 0; i < NSRV; i++) {
			char key[32], *at;
			snprintf(key, sizeof(key), "%s=", srv_names[i]);
			at = strstr(line, key);
			ports[i] = at ? atoi(at + strlen(key)) : 0;
		}
		if (!ports[PLAIN])
			unit_skip("the shared test servers did not start");
	}
	if (!ports[which])
		unit_skip("no %s server (%s)", srv_names[which],
			  which == PLAIN6 ? "no IPv6 loopback here" : "it could not bind");
	return ports[which];
}

static struct server shared(enum srv which)
{
	return (struct server){0, port(which)};
}

static void stop(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

static struct http_client *client(const struct http_options *o)
{
	struct http_options dflt = {.http_proxy = "", .https_proxy = "", .no_proxy = ""};
	struct http_client *c = NULL;
	struct error *e = NULL;

	if (http_client_new(o ? o : &dflt, &c, &e) < 0) {
		unit_fail(__FILE__, __LINE__, "http_client_new: %s", e->msg);
		_exit(1);
	}
	return c;
}

/* A whole exchange: status, body, the error as err_print would show it. */
struct result {
	int rc, status;
	char *body, *err, *conn, *url;
	int64_t length;
	unsigned redirects;
};

static struct result fetch(struct http_client *c, const struct http_request *req)
{
	struct result res = {0};
	struct http_response *r = NULL;
	struct error *e = NULL;
	struct strbuf sb = STRBUF_INIT;

	res.rc = http_do(c, req, &r, &e);
	if (res.rc == 0) {
		res.status = r->status;
		res.length = r->content_length;
		res.redirects = r->redirects;
		res.url = xstrdup(r->url);
		res.conn = http_header(r, "X-Conn") ? xstrdup(http_header(r, "X-Conn")) : NULL;
		res.rc = http_read_all(r, 64 << 20, &sb, &e);
		http_response_close(r);
	}
	res.body = sb_steal(&sb);
	if (e)
		res.err = e->errnum ? xasprintf("%s: %s", e->msg, strerror(e->errnum))
				    : xstrdup(e->msg);
	err_free(&e);
	return res;
}

static struct result get(struct http_client *c, const char *url)
{
	return fetch(c, &(struct http_request){.url = url});
}

static void release(struct result *r)
{
	free(r->body);
	free(r->err);
	free(r->conn);
	free(r->url);
}

static char *u(const char *fmt, ...) PRINTF(1, 2);
static char *u(const char *fmt, ...)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, 512, fmt, ap);
	va_end(ap);
	return b;
}

/* The server's 1 MiB pattern, from offset off. */
static bool is_pattern(const char *p, size_t len, size_t off)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] != (unsigned char)((off + i) & 0xff))
			return false;
	return true;
}

/* ---- URLs, no server ---- */

TEST(url_parse_accepts_and_normalises)
{
	static const struct {
		const char *in, *scheme, *host, *path;
		unsigned port;
	} ok[] = {
		{"http://example.com", "http", "example.com", "/", 80},
		{"HTTPS://Registry.Example:5000/v2/?n=1#frag", "https", "registry.example", "/v2/?n=1", 5000},
		{"https://[::1]:5000/v2/", "https", "::1", "/v2/", 5000},
		{"http://[FE80::1]/", "http", "fe80::1", "/", 80},
		{"http://10.0.0.1:8080?q", "http", "10.0.0.1", "/?q", 8080},
		{"https://user:pa%40ss@host_1.local/x", "https", "host_1.local", "/x", 443},
	};
	static const char *const bad[] = {
		"ftp://x/", "http://", "http:///x", "http://[::1", "http://[::1]x/", "http://h:0/",
		"http://h:65536/", "http://h:x/", "http://h/a b", "http://h/a\r\nX: y", "example.com",
		"http://h\x01st/", "http://[not:v6]/", "http://h:/",
	};
	struct error *e = NULL;
	struct url url;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		CHECK_INT(url_parse(ok[i].in, &url, &e), 0);
		CHECK_STR(url.scheme, ok[i].scheme);
		CHECK_STR(url.host, ok[i].host);
		CHECK_STR(url.path, ok[i].path);
		CHECK_INT(url.port, ok[i].port);
		url_release(&url);
	}
	CHECK_INT(url_parse("https://[::1]:5000/", &url, NULL), 0);
	CHECK(url.ipv6 && url.tls);
	char *hp = url_hostport(&url), *hh = url_host_header(&url);
	CHECK_STR(hp, "[::1]:5000");
	CHECK_STR(hh, "[::1]:5000");
	free(hp), free(hh), url_release(&url);
	CHECK_INT(url_parse("https://a.b:443/", &url, NULL), 0);
	hh = url_host_header(&url);
	CHECK_STR(hh, "a.b");
	free(hh), url_release(&url);
	CHECK_INT(url_parse("https://u:p@h/", &url, NULL), 0);
	CHECK_STR(url.userinfo, "u:p");
	url_release(&url);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (url_parse(bad[i], &url, &e) != -EINVAL) {
			unit_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
			url_release(&url);
		}
	}
	CHECK_STR(e->msg, "http://h:/: not a valid URL");
	url_parse("gopher://x/", &url, &e);
	CHECK_STR(e->msg, "gopher://x/: unsupported URL scheme (http and https are)");
	err_free(&e);
}

TEST(url_resolve_rfc3986_examples)
{
	/* RFC 3986 section 5.4, with http://a/b/c/d;p?q as the base. */
	static const char *const cases[][2] = {
		{"g", "http://a/b/c/g"},        {"./g", "http://a/b/c/g"},
		{"g/", "http://a/b/c/g/"},      {"/g", "http://a/g"},
		{"//g", "http://g"},            {"?y", "http://a/b/c/d;p?y"},
		{"g?y", "http://a/b/c/g?y"},    {"#s", "http://a/b/c/d;p?q"},
		{"g#s", "http://a/b/c/g"},      {"", "http://a/b/c/d;p?q"},
		{".", "http://a/b/c/"},         {"./", "http://a/b/c/"},
		{"..", "http://a/b/"},          {"../", "http://a/b/"},
		{"../g", "http://a/b/g"},       {"../..", "http://a/"},
		{"../../g", "http://a/g"},      {"../../../g", "http://a/g"},
		{"/./g", "http://a/g"},         {"/../g", "http://a/g"},
		{"g.", "http://a/b/c/g."},      {"..g", "http://a/b/c/..g"},
		{"./../g", "http://a/b/g"},     {"./g/.", "http://a/b/c/g/"},
		{"g/./h", "http://a/b/c/g/h"},  {"g/../h", "http://a/b/c/h"},
		{"https://s3.example/b?X-Sig=1", "https://s3.example/b?X-Sig=1"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *r = url_resolve("http://a/b/c/d;p?q", cases[i][0]);
		if (!r || strcmp(r, cases[i][1]))
			unit_fail(__FILE__, __LINE__, "\"%s\" -> \"%s\", expected \"%s\"", cases[i][0],
				  r ? r : "(null)", cases[i][1]);
		free(r);
	}
	CHECK(url_resolve("http://a/b", "ftp://x/") == NULL);
	CHECK(url_resolve("http://a/b", "/x y") == NULL);
	char *r = url_resolve("https://[::1]:5000/v2/x", "../y");
	CHECK_STR(r, "https://[::1]:5000/y");
	free(r);
}

TEST(url_escape_and_unescape)
{
	char *s = url_escape("repository:library/busybox:pull,push a~b", ":/,");

	CHECK_STR(s, "repository:library/busybox:pull,push%20a~b");
	free(s);
	s = url_escape("\xc3\xa9+=&", NULL);
	CHECK_STR(s, "%C3%A9%2B%3D%26");
	free(s);
	s = url_unescape("p%40ss%2fx");
	CHECK_STR(s, "p@ss/x");
	free(s);
	CHECK(url_unescape("bad%2") == NULL);
	CHECK(url_unescape("bad%zz") == NULL);
	CHECK(url_unescape("nul%00") == NULL);
}

/* ---- host patterns and proxy settings, no server ---- */

TEST(host_patterns_for_no_proxy_and_insecure)
{
	static const struct {
		const char *pattern, *host;
		unsigned port;
		bool subdomains, want;
	} cases[] = {
		{"*", "anything", 1, true, true},
		{"example.com", "example.com", 443, true, true},
		{"example.com", "a.example.com", 443, true, true},
		{"example.com", "a.example.com", 443, false, false},
		{".example.com", "a.b.example.com", 443, true, true},
		{".example.com", "example.com", 443, true, true},
		{"*.example.com", "x.example.com", 443, true, true},
		{"example.com", "badexample.com", 443, true, false},
		{"EXAMPLE.com", "example.COM", 443, false, true},
		{"example.com:5000", "example.com", 5000, false, true},
		{"example.com:5000", "example.com", 443, false, false},
		{"10.1.2.3", "10.1.2.3", 80, true, true},
		{"10.1.2.3", "10.1.2.4", 80, true, false},
		{"10.0.0.0/8", "10.200.3.4", 80, true, true},
		{"10.0.0.0/8", "11.0.0.1", 80, true, false},
		{"192.168.1.0/24", "192.168.1.77", 5000, false, true},
		{"10.0.0.0/8", "ten.example", 80, true, false},
		{"::1", "::1", 80, true, true},
		{"[::1]:5000", "::1", 5000, false, true},
		{"[::1]:5000", "::1", 5001, false, false},
		{"fd00::/8", "fd12::1", 443, false, true},
		{"fd00::/8", "fe80::1", 443, false, false},
		{"fd00::/8", "10.0.0.1", 443, false, false},
		{"example.com", "10.0.0.1", 443, true, false},
		{"localhost:x", "localhost", 1, true, false},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		bool got = host_matches(cases[i].pattern, strlen(cases[i].pattern), cases[i].host,
					cases[i].port, cases[i].subdomains);
		if (got != cases[i].want)
			unit_fail(__FILE__, __LINE__, "%s against %s:%u: %d", cases[i].pattern,
				  cases[i].host, cases[i].port, got);
	}
}

TEST(proxy_settings_parse)
{
	struct http_proxy *p = NULL;
	struct error *e = NULL;
	struct http_client *c = NULL;

	CHECK_INT(proxy_parse("http://user:p%40ss@proxy.corp:3128/", &p, &e), 0);
	CHECK_STR(p->host, "proxy.corp");
	CHECK_INT(p->port, 3128);
	CHECK_STR(p->auth, "Basic dXNlcjpwQHNz");
	proxy_free(p);
	CHECK_INT(proxy_parse("proxy.corp", &p, &e), 0);
	CHECK_INT(p->port, 80);
	CHECK(p->auth == NULL);
	proxy_free(p);
	CHECK_INT(proxy_parse("[::1]:8080", &p, &e), 0);
	CHECK_STR(p->host, "::1");
	proxy_free(p);
	CHECK_INT(proxy_parse("socks5://x:1080", &p, &e), -EINVAL);
	CHECK_STR(e->msg, "proxy socks5://x:1080: only http:// proxies are supported");
	CHECK_INT(proxy_parse("", &p, &e), 0);
	CHECK(p == NULL);

	/* From the environment: the upper-case name wins, and an error names the variable. */
	setenv("HTTPS_PROXY", "https://secure-proxy:443", 1);
	setenv("https_proxy", "http://ok:1", 1);
	CHECK_INT(http_client_new(NULL, &c, &e), -EINVAL);
	CHECK_STR(e->msg, "HTTPS_PROXY: proxy https://secure-proxy:443: only http:// proxies are supported");
	unsetenv("HTTPS_PROXY");
	CHECK_INT(http_client_new(NULL, &c, &e), 0);
	CHECK_STR(c->https_proxy->host, "ok");
	http_client_free(c);
	err_free(&e);
}

/* ---- plain HTTP ---- */

TEST(keep_alive_reuses_one_connection)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	struct result r[3];

	for (int i = 0; i < 3; i++) {
		r[i] = get(c, u("http://127.0.0.1:%u/hello", s.port));
		CHECK_INT(r[i].rc, 0);
		CHECK_INT(r[i].status, 200);
		CHECK_STR(r[i].body, "hello\n");
		CHECK_INT(r[i].length, 6);
	}
	CHECK_STR(r[1].conn, r[0].conn);
	CHECK_STR(r[2].conn, r[0].conn);
	for (int i = 0; i < 3; i++)
		release(&r[i]);
	http_client_free(c);
	stop(&s);
}

TEST(unread_bodies_drain_when_short_and_close_when_long)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	struct http_response *resp;
	char buf[10];
	struct result a, b, d;

	a = get(c, u("http://127.0.0.1:%u/hello", s.port));
	/* 1000 bytes left unread: drained on close, the connection serves again. */
	CHECK_INT(http_do(c, &(struct http_request){.url = u("http://127.0.0.1:%u/blob?n=1000", s.port)},
			  &resp, NULL), 0);
	http_response_close(resp);
	b = get(c, u("http://127.0.0.1:%u/hello", s.port));
	CHECK_STR(b.conn, a.conn);
	/* 4 MB left unread: not worth reading, the connection is closed. */
	CHECK_INT(http_do(c, &(struct http_request){.url = u("http://127.0.0.1:%u/blob?n=4000000", s.port)},
			  &resp, NULL), 0);
	CHECK_INT(http_read(resp, buf, sizeof(buf), NULL), 10);
	http_response_close(resp);
	d = get(c, u("http://127.0.0.1:%u/hello", s.port));
	CHECK_INT(d.rc, 0);
	CHECK(d.conn && strcmp(d.conn, a.conn));
	release(&a), release(&b), release(&d);
	http_client_free(c);
	stop(&s);
}

TEST(bodies_chunked_and_large_stream_intact)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	struct result a = get(c, u("http://127.0.0.1:%u/blob?n=3000000&chunked=1", s.port));
	struct result b = get(c, u("http://127.0.0.1:%u/blob?n=3000000", s.port));

	CHECK_INT(a.rc, 0);
	CHECK_INT(a.length, -1);
	CHECK(strlen(a.body) <= 3000000); /* the pattern holds NULs: check by bytes */
	CHECK(is_pattern(a.body, 3000000, 0));
	CHECK_INT(b.rc, 0);
	CHECK_INT(b.length, 3000000);
	CHECK(is_pattern(b.body, 3000000, 0));
	/* The trailer was read: the connection went back to the pool and served b. */
	CHECK_STR(b.conn, a.conn);
	release(&a), release(&b);
	http_client_free(c);
	stop(&s);
}

TEST(head_has_a_length_and_no_body)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	struct result h = fetch(c, &(struct http_request){
		.method = "HEAD", .url = u("http://127.0.0.1:%u/blob?n=12345", s.port)});
	struct result g = get(c, u("http://127.0.0.1:%u/hello", s.port));

	CHECK_INT(h.rc, 0);
	CHECK_INT(h.status, 200);
	CHECK_INT(h.length, 12345);
	CHECK_STR(h.body, "");
	CHECK_STR(g.body, "hello\n");
	CHECK_STR(g.conn, h.conn);
	release(&h), release(&g);
	http_client_free(c);
	stop(&s);
}

struct counter {
	size_t left, total;
};

static ssize_t count_read(void *ctx, void *buf, size_t len, struct error **err)
{
	struct counter *k = ctx;
	size_t n = len < k->left ? len : k->left;

	(void)err;
	for (size_t i = 0; i < n; i++)
		((unsigned char *)buf)[i] = (k->total + i) & 0xff;
	k->left -= n;
	k->total += n;
	return n;
}

TEST(request_bodies_from_memory_and_readers)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	const char *url = u("http://127.0.0.1:%u/echo", s.port);
	struct counter k1 = {100000, 0}, k2 = {70000, 0}, k3 = {10, 0};
	const char *hdrs[] = {"X-Custom: yes", NULL};
	struct result a, b, d, e, f;

	a = fetch(c, &(struct http_request){.method = "POST", .url = url, .body = "abc",
					     .body_len = 3, .headers = hdrs});
	CHECK_CONTAINS(a.body, "method=POST\n");
	CHECK_CONTAINS(a.body, "content-length=3\n");
	CHECK_CONTAINS(a.body, "x-custom=yes\n");
	CHECK_CONTAINS(a.body, "user-agent=ocibox\n");
	CHECK_CONTAINS(a.body, "body=3 ba7816bf8f01cfea\n");
	b = fetch(c, &(struct http_request){.method = "PUT", .url = url, .body_read = count_read,
					     .body_ctx = &k1, .body_size = -1});
	CHECK_INT(b.rc, 0);
	CHECK_CONTAINS(b.body, "transfer-encoding=chunked\n");
	CHECK_CONTAINS(b.body, "body=100000 ");
	d = fetch(c, &(struct http_request){.method = "PATCH", .url = url, .body_read = count_read,
					     .body_ctx = &k2, .body_size = 70000});
	CHECK_CONTAINS(d.body, "content-length=70000\n");
	CHECK_CONTAINS(d.body, "body=70000 ");
	/* A reader that ends before the size it announced. */
	e = fetch(c, &(struct http_request){.method = "PUT", .url = url, .body_read = count_read,
					     .body_ctx = &k3, .body_size = 20});
	CHECK_INT(e.rc, -EINVAL);
	CHECK_CONTAINS(e.err, "request body ended after 10 of 20 bytes");
	/* PUT without a body still says how long it is (distribution wants it). */
	f = fetch(c, &(struct http_request){.method = "PUT", .url = url});
	CHECK_CONTAINS(f.body, "content-length=0\n");
	release(&a), release(&b), release(&d), release(&e), release(&f);
	http_client_free(c);
	stop(&s);
}

TEST(request_headers_are_checked)
{
	struct http_client *c = client(NULL);
	const char *host[] = {"Host: evil", NULL}, *inj[] = {"X-A: 1\r\nX-B: 2", NULL},
		   *noname[] = {": v", NULL};
	struct result a = fetch(c, &(struct http_request){.url = "http://127.0.0.1:1/", .headers = host});
	struct result b = fetch(c, &(struct http_request){.url = "http://127.0.0.1:1/", .headers = inj});
	struct result d = fetch(c, &(struct http_request){.url = "http://127.0.0.1:1/", .headers = noname});

	CHECK_INT(a.rc, -EINVAL);
	CHECK_STR(a.err, "request header Host is the client's to write");
	CHECK_INT(b.rc, -EINVAL);
	CHECK_CONTAINS(b.err, "bad request header");
	CHECK_INT(d.rc, -EINVAL);
	release(&a), release(&b), release(&d);
	http_client_free(c);
}

TEST(redirects_keep_auth_on_the_same_origin_only)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	const char *auth[] = {"Authorization: Bearer secret", NULL};
	struct result same, cross, back;

	same = fetch(c, &(struct http_request){
		.url = u("http://127.0.0.1:%u/redirect?code=302&to=/echo", s.port), .headers = auth});
	CHECK_INT(same.status, 200);
	CHECK_INT(same.redirects, 1);
	CHECK_STR(same.url, u("http://127.0.0.1:%u/echo", s.port));
	CHECK_CONTAINS(same.body, "authorization=Bearer secret\n");
	/* Another host (localhost is not 127.0.0.1 as a name): the credentials stay behind. Its
	 * ::1 address refuses, 127.0.0.1 answers: every address is tried. */
	cross = fetch(c, &(struct http_request){
		.url = u("http://127.0.0.1:%u/redirect?code=307&to=http://localhost:%u/echo", s.port,
			 s.port),
		.headers = auth});
	CHECK_INT(cross.status, 200);
	CHECK_CONTAINS(cross.body, u("host=localhost:%u\n", s.port));
	CHECK(!strstr(cross.body, "authorization"));
	/* And they do not come back when a later hop returns to the first host. */
	back = fetch(c, &(struct http_request){
		.url = u("http://127.0.0.1:%u/redirect?to=http://localhost:%u/redirect%%3Fto%%3Dhttp://127.0.0.1:%u/echo",
			 s.port, s.port, s.port),
		.headers = auth});
	CHECK_INT(back.redirects, 2);
	CHECK(back.body && !strstr(back.body, "authorization"));
	release(&same), release(&cross), release(&back);
	http_client_free(c);
	stop(&s);
}

TEST(redirects_change_methods_as_browsers_do)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	struct counter k = {5000, 0};
	struct result a, b, d, e;

	a = fetch(c, &(struct http_request){.method = "POST", .body = "data", .body_len = 4,
		.url = u("http://127.0.0.1:%u/redirect?code=303&to=/echo", s.port)});
	CHECK_CONTAINS(a.body, "method=GET\n");
	CHECK_CONTAINS(a.body, "body=0 ");
	b = fetch(c, &(struct http_request){.method = "POST", .body = "data", .body_len = 4,
		.url = u("http://127.0.0.1:%u/redirect?code=308&to=/echo", s.port)});
	CHECK_CONTAINS(b.body, "method=POST\n");
	CHECK_CONTAINS(b.body, "body=4 ");
	/* A body from a reader cannot be replayed: the 307 comes back to the caller. */
	d = fetch(c, &(struct http_request){.method = "PUT", .body_read = count_read, .body_ctx = &k,
		.body_size = 5000, .url = u("http://127.0.0.1:%u/redirect?code=307&to=/echo", s.port)});
	CHECK_INT(d.status, 307);
	CHECK_STR(d.body, "moved\n");
	e = fetch(c, &(struct http_request){.flags = HTTP_NO_REDIRECT,
		.url = u("http://127.0.0.1:%u/redirect?code=301&to=/echo", s.port)});
	CHECK_INT(e.status, 301);
	release(&a), release(&b), release(&d), release(&e);
	http_client_free(c);
	stop(&s);
}

TEST(redirect_loops_and_limits)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	struct result loop = get(c, u("http://127.0.0.1:%u/loop", s.port));
	struct result ten = get(c, u("http://127.0.0.1:%u/chain?n=10", s.port));
	struct result eleven = get(c, u("http://127.0.0.1:%u/chain?n=11", s.port));

	CHECK_INT(loop.rc, -ELOOP);
	CHECK_STR(loop.err, u("http://127.0.0.1:%u/loop: too many redirects (10), the last to "
			      "http://127.0.0.1:%u/loop", s.port, s.port));
	CHECK_INT(ten.rc, 0);
	CHECK_INT(ten.redirects, 10);
	CHECK_STR(ten.body, "hello\n");
	CHECK_INT(eleven.rc, -ELOOP);
	release(&loop), release(&ten), release(&eleven);
	http_client_free(c);
	stop(&s);
}

TEST(range_resume_checks_content_range)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	struct http_response *r;
	struct strbuf sb = STRBUF_INIT;
	struct error *e = NULL;
	struct result full, past, wrong;

	CHECK_INT(http_do(c, &(struct http_request){.url = u("http://127.0.0.1:%u/range?n=5000", s.port),
						     .range_from = 1000}, &r, &e), 0);
	CHECK_INT(r->status, 206);
	CHECK_INT(r->range_start, 1000);
	CHECK_INT(r->range_total, 5000);
	CHECK_INT(r->content_length, 4000);
	CHECK_INT(http_read_all(r, 10000, &sb, &e), 0);
	CHECK_INT(sb.len, 4000);
	CHECK(is_pattern(sb.buf, 4000, 1000));
	http_response_close(r);
	sb_release(&sb);
	/* A server that ignores Range sends it all: 200, and the caller starts over. */
	full = fetch(c, &(struct http_request){.url = u("http://127.0.0.1:%u/range?n=5000&ignore=1", s.port),
					       .range_from = 1000});
	CHECK_INT(full.status, 200);
	CHECK_INT(full.length, 5000);
	past = fetch(c, &(struct http_request){.url = u("http://127.0.0.1:%u/range?n=5000", s.port),
					       .range_from = 5000});
	CHECK_INT(past.status, 416);
	wrong = fetch(c, &(struct http_request){.url = u("http://127.0.0.1:%u/raw?case=range-wrong", s.port),
						.range_from = 10});
	CHECK_INT(wrong.rc, -EPROTO);
	CHECK_STR(wrong.err, u("http://127.0.0.1:%u/raw?case=range-wrong: 206 with Content-Range "
			       "\"bytes 11-19/20\" for Range: bytes=10-", s.port));
	release(&full), release(&past), release(&wrong);
	http_client_free(c);
	stop(&s);
}

TEST(read_timeout_when_nothing_moves)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(&(struct http_options){.read_timeout = 1, .http_proxy = ""});
	struct http_response *r;
	struct error *e = NULL;
	char buf[100];
	struct result head;

	CHECK_INT(http_do(c, &(struct http_request){.url = u("http://127.0.0.1:%u/slow", s.port)}, &r, &e), 0);
	CHECK_INT(http_read(r, buf, sizeof(buf), &e), 10);
	CHECK_INT(http_read(r, buf, sizeof(buf), &e), -ETIMEDOUT);
	CHECK_STR(e->msg, u("http://127.0.0.1:%u/slow: body, after 10 of 100 bytes: read timed out after 1 s",
			    s.port));
	/* A failed body stays failed, with the same message. */
	err_free(&e);
	CHECK_INT(http_read(r, buf, sizeof(buf), &e), -ETIMEDOUT);
	CHECK_CONTAINS(e->msg, "read timed out after 1 s");
	http_response_close(r);
	head = get(c, u("http://127.0.0.1:%u/slowhead", s.port));
	CHECK_INT(head.rc, -ETIMEDOUT);
	CHECK_STR(head.err, u("http://127.0.0.1:%u/slowhead: read timed out after 1 s", s.port));
	release(&head);
	err_free(&e);
	http_client_free(c);
	stop(&s);
}

TEST(bodies_cut_short_are_errors)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	struct result a = get(c, u("http://127.0.0.1:%u/truncated", s.port));
	struct result b = get(c, u("http://127.0.0.1:%u/raw?case=chunk-cut", s.port));

	CHECK_INT(a.rc, -ECONNRESET);
	CHECK_STR(a.err, u("http://127.0.0.1:%u/truncated: body cut short: connection closed after 10 "
			   "of 100 bytes", s.port));
	CHECK_INT(b.rc, -ECONNRESET);
	CHECK_CONTAINS(b.err, "body cut short: connection closed inside chunked data after 15 bytes");
	release(&a), release(&b);
	http_client_free(c);
	stop(&s);
}

TEST(hostile_and_odd_responses)
{
	static const struct {
		const char *name;
		int rc;
		const char *text; /* in the error, or the body when rc is 0 */
	} cases[] = {
		{"status-short", -EPROTO, "malformed status line: \"HTTP/1.1 20 OK\""},
		{"status-http2", -EPROTO, "malformed status line: \"HTTP/2 200 OK\""},
		{"status-icy", -EPROTO, "malformed status line"},
		{"status-empty", -EPROTO, "malformed status line"},
		{"field-no-colon", -EPROTO, "malformed header field: \"Bad Header\""},
		{"field-space-colon", -EPROTO, "malformed header field: \"Content-Length : 0\""},
		{"field-folded", -EPROTO, "obsolete line folding in the response header"},
		{"field-nul", -EPROTO, "NUL or CR in the header: \"X-A: a\""},
		{"field-cr", -EPROTO, "NUL or CR in the header: \"X-A: a\\x0db"},
		{"cl-twice", -EPROTO, "bad Content-Length \"5\""},
		{"cl-negative", -EPROTO, "bad Content-Length \"-1\""},
		{"te-gzip", -EPROTO, "unsupported Transfer-Encoding \"gzip, chunked\""},
		{"big-header", -E2BIG, "response header larger than 64 KiB"},
		{"long-line", -E2BIG, "response header line longer than 16 KiB"},
		{"many-fields", -E2BIG, "more than 256 header fields"},
		{"chunk-bad-size", -EPROTO, "malformed chunk size \"zz\""},
		{"chunk-no-crlf", -EPROTO, "malformed chunked body: data longer than its chunk size"},
		{"cl-same-twice", 0, "hello"},
		{"http10", 0, "until close"},
		{"lf-only", 0, "ok"},
		{"continue", 0, "ok"},
		{"no-reason", 0, ""},
	};
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct result r = get(c, u("http://127.0.0.1:%u/raw?case=%s", s.port, cases[i].name));
		if (r.rc != cases[i].rc || !strstr(cases[i].rc ? (r.err ? r.err : "") : r.body,
						   cases[i].text) ||
		    (cases[i].rc && !str_has_prefix(r.err, "http://127.0.0.1:")))
			unit_fail(__FILE__, __LINE__, "%s: rc %d, error \"%s\", body \"%s\"",
				  cases[i].name, r.rc, r.err ? r.err : "", r.body);
		release(&r);
	}
	http_client_free(c);
	stop(&s);
}

TEST(closed_and_dropped_connections_are_not_reused)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	struct result a = get(c, u("http://127.0.0.1:%u/close", s.port));
	struct result b = get(c, u("http://127.0.0.1:%u/hello", s.port));
	/* The server drops the second request on a connection without an answer: the client sends
	 * it again on a new connection. */
	struct result d = get(c, u("http://127.0.0.1:%u/drop-second", s.port));

	CHECK_STR(a.body, "closing\n");
	CHECK_INT(b.rc, 0);
	CHECK(a.conn && b.conn && strcmp(a.conn, b.conn));
	CHECK_INT(d.rc, 0);
	CHECK_STR(d.body, "first on its connection\n");
	CHECK(d.conn && strcmp(d.conn, b.conn));
	release(&a), release(&b), release(&d);
	http_client_free(c);
	stop(&s);
}

TEST(body_size_limits_for_read_all)
{
	struct server s = shared(PLAIN);
	struct http_client *c = client(NULL);
	struct http_response *r;
	struct strbuf sb = STRBUF_INIT;
	struct error *e = NULL;

	CHECK_INT(http_do(c, &(struct http_request){.url = u("http://127.0.0.1:%u/blob?n=200000", s.port)},
			  &r, &e), 0);
	CHECK_INT(http_read_all(r, 100000, &sb, &e), -E2BIG);
	CHECK_STR(e->msg, u("http://127.0.0.1:%u/blob?n=200000: body of 200000 bytes, more than the "
			    "100000 allowed", s.port));
	CHECK_INT(sb.len, 0); /* refused before reading */
	http_response_close(r);
	CHECK_INT(http_do(c, &(struct http_request){.url = u("http://127.0.0.1:%u/blob?n=200000&chunked=1",
							    s.port)}, &r, &e), 0);
	CHECK_INT(http_read_all(r, 100000, &sb, &e), -E2BIG);
	CHECK_CONTAINS(e->msg, "body larger than the 100000 bytes allowed");
	CHECK(sb.len < 200000);
	http_response_close(r);
	sb_release(&sb);
	err_free(&e);
	http_client_free(c);
	stop(&s);
}

TEST(connect_and_resolve_failures_say_where)
{
	struct http_client *c = client(NULL);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	struct result a, b;

	/* A port that was just free: bound but never listened on. */
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &len);
	a = get(c, u("http://127.0.0.1:%u/v2/", ntohs(sin.sin_port)));
	CHECK_INT(a.rc, -ECONNREFUSED);
	CHECK_STR(a.err, u("http://127.0.0.1:%u/v2/: connect to 127.0.0.1 port %u: %s", ntohs(sin.sin_port),
			   ntohs(sin.sin_port), strerror(ECONNREFUSED)));
	close(fd);
	b = get(c, "https://no-such-host.invalid/v2/");
	CHECK_INT(b.rc, -EHOSTUNREACH);
	CHECK_CONTAINS(b.err, "https://no-such-host.invalid/v2/: resolve no-such-host.invalid: ");
	release(&a), release(&b);
	http_client_free(c);
}

TEST(ipv6_loopback)
{
	struct server s = shared(PLAIN6);
	struct http_client *c = client(NULL);
	struct result a = get(c, u("http://[::1]:%u/echo", s.port));

	CHECK_INT(a.rc, 0);
	CHECK_CONTAINS(a.body, u("host=[::1]:%u\n", s.port));
	release(&a);
	http_client_free(c);
	stop(&s);
}

/* ---- TLS ---- */

TEST(tls_verified_against_a_ca_with_keep_alive)
{
	struct server s = shared(TLS);
	struct server r = shared(RSA);
	struct http_client *c = client(&(struct http_options){.ca_file = cert("ca.crt"),
		.http_proxy = "", .https_proxy = ""});
	struct result a = get(c, u("https://127.0.0.1:%u/hello", s.port));
	struct result b = get(c, u("https://127.0.0.1:%u/blob?n=2000000&chunked=1", s.port));
	struct result d = get(c, u("https://localhost:%u/hello", s.port));
	struct result e = get(c, u("https://127.0.0.1:%u/hello", r.port));

	CHECK_INT(a.rc, 0);
	CHECK_STR(a.body, "hello\n");
	CHECK_INT(b.rc, 0);
	CHECK(is_pattern(b.body, 2000000, 0));
	CHECK_STR(b.conn, a.conn);
	CHECK_INT(d.rc, 0); /* by name: SNI and a DNS name in the certificate */
	CHECK_INT(e.rc, 0); /* an RSA key */
	release(&a), release(&b), release(&d), release(&e);
	http_client_free(c);
	stop(&s), stop(&r);
}

TEST(tls_unknown_ca_and_hostname_mismatch)
{
	struct server s = shared(TLS);
	struct server w = shared(WRONG);
	struct http_client *sys = client(&(struct http_options){.certs_d = "/nonexistent/certs.d",
		.http_proxy = "", .https_proxy = ""});
	struct http_client *ca = client(&(struct http_options){.ca_file = cert("ca.crt"),
		.http_proxy = "", .https_proxy = ""});
	struct result a = get(sys, u("https://127.0.0.1:%u/v2/", s.port));
	struct result b = get(ca, u("https://127.0.0.1:%u/v2/", w.port));

	CHECK_INT(a.rc, -EKEYREJECTED);
	CHECK_STR(a.err, u("https://127.0.0.1:%u/v2/: TLS: certificate verify failed: certificate signed "
			   "by unknown authority (trust its CA in /nonexistent/certs.d/127.0.0.1:%u/ca.crt)",
			   s.port, s.port));
	CHECK_INT(b.rc, -EKEYREJECTED);
	CHECK_STR(b.err, u("https://127.0.0.1:%u/v2/: TLS: certificate verify failed: hostname mismatch "
			   "(certificate is for example.com, www.example.com)", w.port));
	release(&a), release(&b);
	http_client_free(sys), http_client_free(ca);
	stop(&s), stop(&w);
}

TEST(tls_insecure_hosts_skip_verification_only_for_them)
{
	struct server s = shared(SELF);
	const char *port_only[] = {u("127.0.0.1:%u", s.port), NULL};
	const char *other_port[] = {"127.0.0.1:1", NULL};
	const char *cidr[] = {"127.0.0.0/8", NULL};
	struct http_client *a = client(&(struct http_options){.insecure = port_only, .http_proxy = "",
		.https_proxy = ""});
	struct http_client *b = client(&(struct http_options){.insecure = other_port, .http_proxy = "",
		.https_proxy = ""});
	struct http_client *d = client(&(struct http_options){.insecure = cidr, .http_proxy = "",
		.https_proxy = ""});
	struct result ra = get(a, u("https://127.0.0.1:%u/hello", s.port));
	struct result rb = get(b, u("https://127.0.0.1:%u/hello", s.port));
	struct result rd = get(d, u("https://127.0.0.1:%u/hello", s.port));

	CHECK_INT(ra.rc, 0);
	CHECK_STR(ra.body, "hello\n");
	CHECK(http_host_insecure(a, "127.0.0.1", s.port));
	CHECK(!http_host_insecure(a, "127.0.0.1", s.port + 1));
	CHECK_INT(rb.rc, -EKEYREJECTED);
	CHECK_INT(rd.rc, 0);
	release(&ra), release(&rb), release(&rd);
	http_client_free(a), http_client_free(b), http_client_free(d);
	stop(&s);
}

static void put_file(const char *dir, const char *name, const char *from)
{
	char *cmd = xasprintf("mkdir -p '%s' && cp '%s' '%s/%s'", dir, from, dir, name);

	CHECK_INT(system(cmd), 0);
	free(cmd);
}

TEST(tls_trust_store_from_the_environment)
{
	struct server s = shared(TLS);
	char *dir = xasprintf("%s/cadir", unit_tmpdir()), *link = xasprintf("%s/abcd1234.0", dir);
	struct http_options o = {.certs_d = "/nonexistent", .http_proxy = "", .https_proxy = ""};
	struct http_client *c;
	struct result a, b, d;

	/* SSL_CERT_FILE replaces the system bundle. */
	unsetenv("SSL_CERT_DIR");
	setenv("SSL_CERT_FILE", cert("ca.crt"), 1);
	c = client(&o);
	a = get(c, u("https://127.0.0.1:%u/hello", s.port));
	CHECK_INT(a.rc, 0);
	http_client_free(c);
	/* SSL_CERT_DIR adds its files (a hash alias beside them is not read twice). */
	put_file(dir, "test-ca.pem", cert("ca.crt"));
	CHECK_INT(symlink("test-ca.pem", link), 0);
	setenv("SSL_CERT_FILE", "/nonexistent.pem", 1);
	setenv("SSL_CERT_DIR", dir, 1);
	c = client(&o);
	b = get(c, u("https://127.0.0.1:%u/hello", s.port));
	CHECK_INT(b.rc, 0);
	http_client_free(c);
	/* A file named in the options is the whole store: the variables no longer count. */
	o.ca_file = cert("self.crt");
	c = client(&o);
	d = get(c, u("https://127.0.0.1:%u/hello", s.port));
	CHECK_INT(d.rc, -EKEYREJECTED);
	release(&a), release(&b), release(&d);
	http_client_free(c);
	free(dir), free(link);
}

TEST(tls_certs_d_cas_per_host)
{
	struct server s = shared(TLS);
	char *root = xasprintf("%s/certs.d", unit_tmpdir()), *roots = xasprintf("/nonexistent:%s", root);
	struct http_client *c;
	struct result a, b, d;

	put_file(u("%s/127.0.0.1:%u", root, s.port), "ca.crt", cert("ca.crt"));
	put_file(u("%s/127.0.0.1:1", root), "ca.crt", cert("ca.crt"));
	c = client(&(struct http_options){.certs_d = roots, .http_proxy = "", .https_proxy = ""});
	a = get(c, u("https://127.0.0.1:%u/hello", s.port));
	CHECK_INT(a.rc, 0);
	/* localhost:PORT has no folder: the system store alone does not know our CA. */
	b = get(c, u("https://localhost:%u/hello", s.port));
	CHECK_INT(b.rc, -EKEYREJECTED);
	http_client_free(c);
	/* HOST without a port covers every port; OCIBOX_CERTS_D names the roots. */
	put_file(u("%s/localhost", root), "ca.crt", cert("ca.crt"));
	setenv("OCIBOX_CERTS_D", root, 1);
	c = client(&(struct http_options){.http_proxy = "", .https_proxy = ""});
	d = get(c, u("https://localhost:%u/hello", s.port));
	CHECK_INT(d.rc, 0);
	/* A file there that is no certificate is an error, not ignored. */
	put_file(u("%s/localhost", root), "junk.crt", "/etc/hostname");
	http_client_free(c);
	c = client(&(struct http_options){.http_proxy = "", .https_proxy = ""});
	release(&d);
	d = get(c, u("https://localhost:%u/hello", s.port));
	CHECK_INT(d.rc, -EINVAL);
	CHECK_CONTAINS(d.err, u("TLS: %s/localhost/junk.crt: not a PEM or DER certificate", root));
	release(&a), release(&b), release(&d);
	http_client_free(c);
	free(root), free(roots);
	stop(&s);
}

TEST(tls_client_certificates_from_certs_d)
{
	struct server s = shared(CLIENTAUTH);
	char *root = xasprintf("%s/certs.d", unit_tmpdir());
	const char *dir = u("%s/127.0.0.1:%u", root, s.port);
	struct http_client *c;
	struct result a, b, d;

	put_file(dir, "ca.crt", cert("ca.crt"));
	c = client(&(struct http_options){.certs_d = root, .http_proxy = "", .https_proxy = ""});
	a = get(c, u("https://127.0.0.1:%u/hello", s.port));
	CHECK(a.rc < 0);
	CHECK_CONTAINS(a.err, "it asks for a client certificate");
	http_client_free(c);
	put_file(dir, "client.cert", cert("client.crt"));
	c = client(&(struct http_options){.certs_d = root, .http_proxy = "", .https_proxy = ""});
	b = get(c, u("https://127.0.0.1:%u/hello", s.port));
	CHECK_INT(b.rc, -ENOENT);
	CHECK_CONTAINS(b.err, "a client certificate needs both client.cert and client.key");
	http_client_free(c);
	put_file(dir, "client.key", cert("client.key"));
	c = client(&(struct http_options){.certs_d = root, .http_proxy = "", .https_proxy = ""});
	d = get(c, u("https://127.0.0.1:%u/hello", s.port));
	CHECK_INT(d.rc, 0);
	CHECK_STR(d.body, "hello\n");
	release(&a), release(&b), release(&d);
	http_client_free(c);
	free(root);
	stop(&s);
}

TEST(tls_clock_errors_name_the_dates_and_skew_is_explicit)
{
	struct server f = shared(FUTURE);
	struct server x = shared(EXPIRED);
	struct server s = shared(TLS);
	struct http_options o = {.ca_file = cert("ca.crt"), .http_proxy = "", .https_proxy = ""};
	struct http_client *strict = client(&o), *skew;
	char today[16];
	time_t now = time(NULL);
	struct result a, b, d, e, g, h;

	o.tls_skew_clock = true;
	skew = client(&o);
	strftime(today, sizeof(today), "%Y-%m-%d", gmtime(&now));
	a = get(strict, u("https://127.0.0.1:%u/hello", f.port));
	CHECK_INT(a.rc, -EKEYREJECTED);
	CHECK_STR(a.err, u("https://127.0.0.1:%u/hello: TLS: certificate verify failed: x509: certificate "
			   "not yet valid (notBefore 2035-01-02) and the system clock says %s: set the clock "
			   "or use --tls-skew-clock", f.port, today));
	b = get(strict, u("https://127.0.0.1:%u/hello", x.port));
	CHECK_STR(b.err, u("https://127.0.0.1:%u/hello: TLS: certificate verify failed: x509: certificate "
			   "expired (notAfter 2016-01-02) and the system clock says %s", x.port, today));
	d = get(skew, u("https://127.0.0.1:%u/hello", f.port));
	CHECK_INT(d.rc, 0);
	e = get(skew, u("https://127.0.0.1:%u/hello", x.port));
	CHECK_INT(e.rc, 0);
	/* A device that booted without an RTC: 1970, and a certificate from today. */
	tls_set_time_for_tests(86400);
	g = get(strict, u("https://127.0.0.1:%u/hello", s.port));
	CHECK_INT(g.rc, -EKEYREJECTED);
	CHECK_CONTAINS(g.err, "x509: certificate not yet valid (notBefore ");
	CHECK_CONTAINS(g.err, ") and the system clock says 1970-01-02: set the clock or use --tls-skew-clock");
	h = get(skew, u("https://127.0.0.1:%u/hello", s.port));
	CHECK_INT(h.rc, 0);
	tls_set_time_for_tests(0);
	release(&a), release(&b), release(&d), release(&e), release(&g), release(&h);
	http_client_free(strict), http_client_free(skew);
	stop(&f), stop(&x), stop(&s);
}

TEST(tls_skew_still_checks_everything_else)
{
	struct server w = shared(WRONG);
	struct server u1 = shared(SELF);
	struct http_client *c = client(&(struct http_options){.ca_file = cert("ca.crt"),
		.tls_skew_clock = true, .http_proxy = "", .https_proxy = ""});
	struct result a = get(c, u("https://127.0.0.1:%u/", w.port));
	struct result b = get(c, u("https://127.0.0.1:%u/", u1.port));

	CHECK_CONTAINS(a.err, "hostname mismatch");
	CHECK_CONTAINS(b.err, "certificate signed by unknown authority");
	release(&a), release(&b);
	http_client_free(c);
	stop(&w), stop(&u1);
}

TEST(tls_to_plain_http_and_https_downgrades)
{
	struct server p = shared(PLAIN);
	struct server s = shared(TLS);
	const char *ins[] = {"127.0.0.1", NULL};
	struct http_options o = {.ca_file = cert("ca.crt"), .http_proxy = "", .https_proxy = ""};
	struct http_client *c = client(&o), *ic;
	struct result a, b, d;

	o.insecure = ins;
	ic = client(&o);
	a = get(c, u("https://127.0.0.1:%u/v2/", p.port));
	CHECK_INT(a.rc, -EPROTO);
	CHECK_CONTAINS(a.err, u("https://127.0.0.1:%u/v2/: TLS: the server's answer is not TLS", p.port));
	b = get(c, u("https://127.0.0.1:%u/redirect?to=http://127.0.0.1:%u/hello", s.port, p.port));
	CHECK_INT(b.rc, -EPROTO);
	CHECK_CONTAINS(b.err, "redirect from https to plain http refused");
	d = get(ic, u("https://127.0.0.1:%u/redirect?to=http://127.0.0.1:%u/hello", s.port, p.port));
	CHECK_INT(d.rc, 0);
	CHECK_STR(d.body, "hello\n");
	release(&a), release(&b), release(&d);
	http_client_free(c), http_client_free(ic);
	stop(&p), stop(&s);
}

TEST(tls_read_timeout)
{
	struct server s = shared(TLS);
	struct http_client *c = client(&(struct http_options){.ca_file = cert("ca.crt"),
		.read_timeout = 1, .http_proxy = "", .https_proxy = ""});
	struct result a = get(c, u("https://127.0.0.1:%u/slow", s.port));

	CHECK_INT(a.rc, -ETIMEDOUT);
	CHECK_STR(a.err, u("https://127.0.0.1:%u/slow: body, after 10 of 100 bytes: read timed out after 1 s",
			   s.port));
	release(&a);
	http_client_free(c);
	stop(&s);
}

/* ---- proxies ---- */

/* The shared proxies' log grows through the run: a test reads what it added. */
static off_t log_mark(void)
{
	struct stat st;
	char path[400];

	snprintf(path, sizeof(path), "%s/proxy.log", certdir);
	return stat(path, &st) == 0 ? st.st_size : 0;
}

static char *log_since(off_t mark)
{
	char path[400], *all, *r;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/proxy.log", certdir);
	all = read_file_at(AT_FDCWD, path, 1 << 20, &len);
	r = xstrdup(all && (size_t)mark <= len ? all + mark : "");
	free(all);
	return r;
}

TEST(http_proxy_gets_absolute_urls)
{
	struct server s = shared(PLAIN), p = shared(PROXY);
	off_t mark = log_mark();
	struct http_client *c = client(&(struct http_options){
		.http_proxy = u("127.0.0.1:%u", p.port), .https_proxy = "", .no_proxy = ""});
	/* registry.test resolves only inside the proxy: reaching it proves the detour. */
	struct result a = get(c, u("http://registry.test:%u/echo", s.port));
	/* Loopback never goes through a proxy. */
	struct result b = get(c, u("http://127.0.0.1:%u/hello", s.port));
	char *l;

	CHECK_INT(a.rc, 0);
	CHECK_CONTAINS(a.body, u("host=registry.test:%u\n", s.port));
	CHECK_CONTAINS(a.body, "path=/echo\n");
	CHECK_INT(b.rc, 0);
	l = log_since(mark);
	CHECK_STR(l, u("GET http://registry.test:%u/echo auth=-\n", s.port));
	release(&a), release(&b);
	free(l);
	http_client_free(c);
	stop(&s), stop(&p);
}

TEST(https_proxy_connect_with_basic_auth)
{
	struct server s = shared(TLS), p = shared(PROXYAUTH);
	off_t mark = log_mark();
	struct http_options o = {.ca_file = cert("ca.crt"), .http_proxy = "", .no_proxy = "",
				 .https_proxy = u("http://user:p%%40ss@127.0.0.1:%u", p.port)};
	struct http_client *c = client(&o), *bad;
	struct result a, b, d;
	char *l;

	a = get(c, u("https://registry.test:%u/hello", s.port));
	CHECK_INT(a.rc, 0);
	CHECK_STR(a.body, "hello\n");
	b = get(c, u("https://registry.test:%u/hello", s.port));
	CHECK_STR(b.conn, a.conn); /* the tunnel is kept alive too */
	o.https_proxy = u("http://user:wrong@127.0.0.1:%u", p.port);
	bad = client(&o);
	d = get(bad, u("https://registry.test:%u/hello", s.port));
	CHECK_INT(d.rc, -ECONNREFUSED);
	CHECK_STR(d.err, u("https://registry.test:%u/hello: proxy 127.0.0.1 port %u: CONNECT "
			   "registry.test:%u: 407 Proxy Authentication Required", s.port, p.port, s.port));
	l = log_since(mark);
	CHECK_STR(l, u("CONNECT registry.test:%u auth=Basic dXNlcjpwQHNz\nCONNECT registry.test:%u "
		       "auth=Basic dXNlcjp3cm9uZw==\n", s.port, s.port));
	release(&a), release(&b), release(&d);
	free(l);
	http_client_free(c), http_client_free(bad);
	stop(&s), stop(&p);
}

TEST(no_proxy_from_the_environment)
{
	struct server s = shared(PLAIN), p = shared(PROXY);
	off_t mark = log_mark();
	struct http_client *c;
	struct result a, b, d;
	char *l;

	/* Lower-case names count too; NO_PROXY with a port elsewhere does not exempt us. */
	setenv("http_proxy", u("http://127.0.0.1:%u", p.port), 1);
	unsetenv("HTTP_PROXY");
	setenv("NO_PROXY", "example.com, registry.test:1", 1);
	c = client(&(struct http_options){0});
	a = get(c, u("http://registry.test:%u/hello", s.port));
	CHECK_INT(a.rc, 0);
	http_client_free(c);
	/* A domain suffix exempts it: direct, where the name does not resolve. */
	setenv("NO_PROXY", ".test", 1);
	c = client(&(struct http_options){0});
	b = get(c, u("http://registry.test:%u/hello", s.port));
	CHECK_INT(b.rc, -EHOSTUNREACH);
	CHECK_CONTAINS(b.err, "resolve registry.test");
	http_client_free(c);
	setenv("no_proxy", "*", 1);
	unsetenv("NO_PROXY");
	c = client(&(struct http_options){0});
	d = get(c, u("http://registry.test:%u/hello", s.port));
	CHECK_INT(d.rc, -EHOSTUNREACH);
	l = log_since(mark);
	CHECK_STR(l, u("GET http://registry.test:%u/hello auth=-\n", s.port));
	release(&a), release(&b), release(&d);
	free(l);
	http_client_free(c);
	stop(&s), stop(&p);
}

TEST(tls_wildcard_names_one_label)
{
	struct server s = shared(WILD);
	struct server p = shared(PROXY);
	struct http_client *c = client(&(struct http_options){.ca_file = cert("ca.crt"),
		.http_proxy = "", .no_proxy = "", .https_proxy = u("127.0.0.1:%u", p.port)});
	struct result a = get(c, u("https://a.registry.test:%u/hello", s.port));
	struct result b = get(c, u("https://registry.test:%u/hello", s.port));
	struct result d = get(c, u("https://a.b.registry.test:%u/hello", s.port));

	CHECK_INT(a.rc, 0);
	CHECK_CONTAINS(b.err, "hostname mismatch (certificate is for *.registry.test)");
	CHECK_CONTAINS(d.err, "hostname mismatch (certificate is for *.registry.test)");
	release(&a), release(&b), release(&d);
	http_client_free(c);
	stop(&s), stop(&p);
}
