/* The registry client's network side (registry.h): ping, Bearer and Basic auth, manifest GETs,
 * blob GETs that resume a cut connection with a Range, mirrors before the upstream. */
#include "libbb.h"
#include "http.h"
#include "registry.h"
#include <mbedtls/base64.h>
#include <time.h>

#define TOKEN_MAX ((size_t)1 << 20)
#define BLOB_RESUMES 5 /* resumes of one blob before we give up */

struct registry {
	struct http_client *http;
	const struct registry_config *cfg;
	char *base;       /* "https://host:port", the endpoint that answered the ping */
	char *host;       /* its host[:port], the credentials' key */
	char *repo;       /* "library/busybox" */
	char *auth;       /* "Authorization: ..." or NULL */
	time_t expires;   /* a Bearer token's end; 0: none */
	char **manifests; /* digests to GET from manifests/, not blobs/ (an index's entries) */
	const char *user, *pass; /* login's credentials, instead of the config's */
	size_t nmanifests;
};

struct registry_blob {
	struct registry *r;
	struct http_response *resp;
	char *url;
	const char *accept;
	uint64_t got;  /* bytes handed to the reader so far */
	uint64_t skip; /* a 200 to a Range: bytes of the new stream already handed out */
	unsigned cuts; /* resumes so far */
};

static char *basic_header(const char *user, const char *pass)
{
	cleanup_free char *plain = xasprintf("%s:%s", user, pass);
	size_t n = strlen(plain), olen = 0, cap = 4 * (n / 3 + 1) + 1;
	cleanup_free unsigned char *b64 = xmalloc(cap);

	mbedtls_base64_encode(b64, cap, &olen, (unsigned char *)plain, n);
	return xasprintf("Authorization: Basic %.*s", (int)olen, b64);
}

/* The token endpoint: GET realm?service=&scope=, with Basic credentials when we have some. */
static int fetch_token(struct registry *r, const struct auth_challenge *c, const char *user,
                       const char *pass, struct error **err)
{
	cleanup_free char *scope = NULL, *svc = NULL, *url = NULL, *basic = NULL;
	cleanup_free char *token = NULL;
	struct strbuf body = STRBUF_INIT;
	struct http_response *resp = NULL;
	const char *hdrs[2] = {NULL, NULL};
	long long expires_in = 0;
	int rc;

	/* a ping's challenge names no scope: ours is pull on the repository */
	cleanup_free char *want =
	    c->scope || !*r->repo ? NULL : xasprintf("repository:%s:pull", r->repo);
	const char *sc = c->scope ? c->scope : want; /* none for a login */

	scope = sc ? url_escape(sc, ":/") : NULL;
	svc = c->service ? url_escape(c->service, "") : NULL;
	url = xasprintf("%s%c%s%s%s%s", c->realm, strchr(c->realm, '?') ? '&' : '?',
	                scope ? "scope=" : "", scope ? scope : "", svc && scope ? "&" : "",
	                svc ? "service=" : "");
	if (svc) {
		char *u = xasprintf("%s%s", url, svc);
		free(url);
		url = u;
	}
	if (user) {
		basic = basic_header(user, pass);
		hdrs[0] = basic;
	}
	rc = http_do(r->http, &(struct http_request){.url = url, .headers = hdrs}, &resp, err);
	if (rc < 0)
		return err_wrap(err, "token");
	if (resp->status != 200) {
		rc = err_set(err, EACCES, "%s: token server answered %d %s", c->realm, resp->status,
		             resp->reason);
		http_response_close(resp);
		return rc;
	}
	rc = http_read_all(resp, TOKEN_MAX, &body, err);
	http_response_close(resp);
	if (rc >= 0)
		rc = auth_token_parse(body.buf, body.len, &token, &expires_in, err);
	sb_release(&body);
	if (rc < 0)
		return err_wrap(err, "%s", c->realm);
	free(r->auth);
	r->auth = xasprintf("Authorization: Bearer %s", token);
	/* a little early, so a token never dies between our check and the server's */
	r->expires = time(NULL) + (expires_in > 10 ? expires_in - 5 : expires_in);
	return 0;
}

/* A 401's challenge answered: Basic from the config, or a Bearer token. */
static int authenticate(struct registry *r, const struct http_response *resp, struct error **err)
{
	struct auth_challenge c = {0};
	cleanup_free char *user = NULL, *pass = NULL;
	int rc = -ENOENT;

	for (unsigned i = 0; rc == -ENOENT; i++) {
		const char *v = http_header_n(resp, "WWW-Authenticate", i);
		if (!v)
			return err_set(err, EACCES, "%s: 401 without a usable challenge", r->host);
		rc = auth_challenge_parse(v, &c, err);
		if (rc < 0 && rc != -ENOENT)
			return err_wrap(err, "%s", r->host);
	}
	if (r->user) {
		user = xstrdup(r->user);
		pass = xstrdup(r->pass);
	} else if ((rc = registry_config_creds(r->cfg, r->host, &user, &pass, err)) < 0) {
		goto out;
	}
	if (c.scheme == AUTH_BASIC) {
		if (!user) {
			rc = err_set(err, EACCES,
			             "%s: authentication required (no credentials: "
			             "ocibox login %s)",
			             r->host, r->host);
			goto out;
		}
		free(r->auth);
		r->auth = basic_header(user, pass);
		r->expires = 0;
		rc = 0;
	} else {
		rc = fetch_token(r, &c, user, pass, err);
	}
out:
	auth_challenge_release(&c);
	return rc;
}

/* One request with our Authorization, authenticating once on a 401. */
static int request(struct registry *r, const char *method, const char *url, const char *accept,
                   uint64_t range_from, struct http_response **out, struct error **err)
{
	for (int tries = 0;; tries++) {
		const char *hdrs[3] = {NULL, NULL, NULL};
		size_t n = 0;
		int rc;

		if (r->auth && r->expires && time(NULL) >= r->expires) {
			free(r->auth);
			r->auth = NULL; /* expired: the 401 gets a new one */
		}
		if (r->auth)
			hdrs[n++] = r->auth;
		if (accept)
			hdrs[n++] = accept;
		rc = http_do(
		    r->http,
		    &(struct http_request){
		        .method = method, .url = url, .headers = hdrs, .range_from = range_from},
		    out, err);
		if (rc < 0)
			return rc;
		if ((*out)->status != 401 || tries)
			return 0;
		rc = authenticate(r, *out, err);
		http_response_close(*out);
		*out = NULL;
		if (rc < 0)
			return rc;
	}
}

/* A registry's error body, first error's message, for a one-line error. */
static int status_error(struct http_response *resp, const char *what, struct error **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *j = NULL;
	const char *msg = NULL;
	int e = resp->status == 404                          ? ENOENT
	        : resp->status == 401 || resp->status == 403 ? EACCES
	                                                     : EPROTO;

	if (http_read_all(resp, 65536, &sb, NULL) >= 0 && sb.len)
		j = json_parse(sb.buf, sb.len, NULL, NULL);
	if (j)
		msg = json_get_str(json_at(json_get(j, "errors"), 0), "message");
	err_set(err, e, "%s: %d %s%s%s", what, resp->status, resp->reason, msg ? ": " : "",
	        msg ? msg : "");
	json_free(j);
	sb_release(&sb);
	return -e;
}

static char *endpoint_host(const char *domain)
{
	return xstrdup(STREQ(domain, REGISTRY_DOCKER_HUB) ? REGISTRY_DOCKER_HUB_API : domain);
}

/* GET /v2/ on base: 0 when the registry is there (200 or 401: auth comes per request). */
static int ping(struct registry *r, struct error **err)
{
	cleanup_free char *url = xasprintf("%s/v2/", r->base);
	struct http_response *resp = NULL;
	int rc;

	rc = http_do(r->http, &(struct http_request){.url = url}, &resp, err);
	if (rc < 0)
		return rc;
	if (resp->status == 200) {
		rc = 0;
	} else if (resp->status != 401) {
		rc = err_set(err, EPROTO, "%s: %d %s: not a registry", url, resp->status,
		             resp->reason);
	} else if ((rc = authenticate(r, resp, err)) == 0 && r->user) {
		/* login: the credentials must open /v2/ itself, not only get a token */
		http_response_close(resp);
		resp = NULL;
		rc = http_do(r->http,
		             &(struct http_request){
		                 .url = url, .headers = (const char *const[]){r->auth, NULL}},
		             &resp, err);
		if (rc >= 0 && resp->status != 200)
			rc = err_set(err, EACCES, "login refused (%d %s)", resp->status,
			             resp->reason);
	}
	http_response_close(resp);
	return rc;
}

static int try_endpoint(struct registry *r, const char *base, struct error **err)
{
	struct url u = {0};
	int rc;

	if (url_parse(base, &u, err) < 0)
		return -EINVAL;
	free(r->base);
	free(r->host);
	free(r->auth);
	r->auth = NULL;
	cleanup_free char *hostport = url_hostport(&u);

	r->base = xasprintf("%s://%s", u.scheme, hostport);
	r->host = url_host_header(&u);
	url_release(&u);
	rc = ping(r, err);
	return rc < 0 ? err_wrap(err, "%s", r->host) : 0;
}

int registry_open(struct http_client *http, const struct registry_config *cfg,
                  const struct image_ref *ref, struct registry **out, struct error **err)
{
	struct registry *r = xzalloc(sizeof(*r));
	cleanup_free const char **mirrors = registry_config_mirrors(cfg, ref->domain);
	cleanup_free char *host = endpoint_host(ref->domain), *base = NULL;
	int rc;

	r->http = http;
	r->cfg = cfg;
	r->repo = xstrdup(ref->path);
	/* mirrors first, for any registry; a failing one is only a note, the upstream decides */
	for (size_t i = 0; mirrors && mirrors[i]; i++) {
		struct error *e = NULL;
		if (try_endpoint(r, mirrors[i], &e) == 0) {
			*out = r;
			return 0;
		}
		bb_warn("mirror %s: %s", mirrors[i], e && e->msg ? e->msg : "failed");
		err_free(&e);
	}
	base = xasprintf("https://%s", host);
	rc = try_endpoint(r, base, err);
	if (rc < 0 && rc != -EACCES) {
		struct url u = {0};
		/* an insecure registry may speak plain http only, as Docker falls back */
		if (url_parse(base, &u, NULL) == 0 && http_host_insecure(http, u.host, u.port)) {
			free(base);
			base = xasprintf("http://%s", host);
			err_free(err);
			rc = try_endpoint(r, base, err);
		}
		url_release(&u);
	}
	if (rc < 0) {
		registry_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

const char **registry_insecure_hosts(const struct registry_config *cfg, char *const *extra)
{
	const char **from_cfg = registry_config_insecure(cfg);
	const char *env = getenv("OCIBOX_INSECURE_REGISTRIES");
	const char **v = xzalloc(sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; from_cfg && from_cfg[i]; i++) {
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = from_cfg[i];
	}
	for (size_t i = 0; extra && extra[i]; i++) {
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = extra[i];
	}
	if (env && *env) {
		/* kept for the process's life, as the strings of argv are */
		char *dup = xstrdup(env), *save = NULL;
		for (char *t = strtok_r(dup, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
			v = xreallocarray(v, n + 2, sizeof(*v));
			v[n++] = t;
		}
	}
	v[n] = NULL;
	free(from_cfg);
	return v;
}

int registry_login(struct http_client *http, const char *host, const char *user, const char *pass,
                   struct error **err)
{
	struct registry r = {.http = http, .user = user, .pass = pass};
	cleanup_free char *h = endpoint_host(host), *base = xasprintf("https://%s", h);
	int rc;

	r.repo = xstrdup("");
	rc = try_endpoint(&r, base, err);
	free(r.base);
	free(r.host);
	free(r.repo);
	free(r.auth);
	return rc;
}

void registry_free(struct registry *r)
{
	if (!r)
		return;
	free(r->base);
	free(r->host);
	free(r->repo);
	free(r->auth);
	for (size_t i = 0; i < r->nmanifests; i++)
		free(r->manifests[i]);
	free(r->manifests);
	free(r);
}

void registry_note_manifests(struct registry *r, const char *buf, size_t len)
{
	struct manifest m = {0};

	if (manifest_parse(buf, len, NULL, &m, NULL) < 0)
		return; /* image_fetch() parses it again and reports */
	if (m.kind == MANIFEST_INDEX) {
		r->manifests = xreallocarray(r->manifests, r->nmanifests + m.n, sizeof(char *));
		for (size_t i = 0; i < m.n; i++)
			r->manifests[r->nmanifests++] = xstrdup(m.layers[i].digest);
	}
	manifest_release(&m);
}

/* image_fetch()'s blob source over a registry. */
static int source_open(void *ctx, const char *digest, int64_t size, void **rctx, struct error **err)
{
	(void)size;
	return registry_blob_open(ctx, digest, (struct registry_blob **)rctx, err);
}

static void source_close(void *rctx)
{
	registry_blob_close(rctx);
}

void registry_blob_source(struct registry *r, struct blob_source *src)
{
	*src = (struct blob_source){source_open, registry_blob_read, source_close, r};
}

const char *registry_base(const struct registry *r)
{
	return r->base;
}

int registry_get_manifest(struct registry *r, const char *reference, struct strbuf *out,
                          char **content_type, struct error **err)
{
	cleanup_free char *url = xasprintf("%s/v2/%s/manifests/%s", r->base, r->repo, reference);
	struct http_response *resp = NULL;
	const char *ct;
	int rc;

	rc = request(r, NULL, url, "Accept: " REGISTRY_ACCEPT, 0, &resp, err);
	if (rc < 0)
		return err_wrap(err, "manifest %s", reference);
	if (resp->status != 200) {
		cleanup_free char *what = xasprintf("%s:%s", r->repo, reference);
		rc = status_error(resp, what, err);
		http_response_close(resp);
		return rc;
	}
	if (resp->content_length > (int64_t)REGISTRY_MANIFEST_MAX) {
		rc = err_set(err, E2BIG, "manifest %s: %lld bytes, over the limit of %zu",
		             reference, (long long)resp->content_length, REGISTRY_MANIFEST_MAX);
		http_response_close(resp);
		return rc;
	}
	ct = http_header(resp, "Content-Type");
	if (content_type)
		*content_type = ct ? xstrdup(ct) : NULL;
	rc = http_read_all(resp, REGISTRY_MANIFEST_MAX, out, err);
	http_response_close(resp);
	if (rc < 0) {
		if (content_type) {
			free(*content_type);
			*content_type = NULL;
		}
		return err_wrap(err, "manifest %s", reference);
	}
	return 0;
}

/* (Re)starts the GET of a blob at b->got. */
static int blob_request(struct registry_blob *b, struct error **err)
{
	struct http_response *resp = NULL;
	int rc;

	rc = request(b->r, NULL, b->url, b->accept, b->got, &resp, err);
	if (rc < 0)
		return rc;
	if (resp->status == 200) {
		b->skip = b->got; /* the server ignored the Range: skip what we have */
	} else if (resp->status == 206 && b->got) {
		b->skip = 0;
	} else {
		rc = status_error(resp, b->url, err);
		http_response_close(resp);
		return rc;
	}
	b->resp = resp;
	return 0;
}

int registry_blob_open(struct registry *r, const char *digest, struct registry_blob **out,
                       struct error **err)
{
	struct registry_blob *b = xzalloc(sizeof(*b));
	int rc;

	bool manifest = false;

	for (size_t i = 0; i < r->nmanifests && !manifest; i++)
		manifest = STREQ(r->manifests[i], digest);
	b->r = r;
	b->url =
	    xasprintf("%s/v2/%s/%s/%s", r->base, r->repo, manifest ? "manifests" : "blobs", digest);
	b->accept = manifest ? "Accept: " REGISTRY_ACCEPT : NULL;
	rc = blob_request(b, err);
	if (rc < 0) {
		registry_blob_close(b);
		return err_wrap(err, "blob %s", digest);
	}
	*out = b;
	return 0;
}

static bool resumable(int rc)
{
	return rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -EPIPE || rc == -ECONNABORTED;
}

ssize_t registry_blob_read(void *ctx, void *buf, size_t len, struct error **err)
{
	struct registry_blob *b = ctx;

	for (;;) {
		ssize_t n = http_read(b->resp, buf, len, err);
		if (n > 0 && b->skip) {
			/* a 200 after a cut: the start again, drop what was handed out */
			if ((uint64_t)n <= b->skip) {
				b->skip -= n;
				continue;
			}
			memmove(buf, (char *)buf + b->skip, n - b->skip);
			n -= b->skip;
			b->skip = 0;
		}
		if (n >= 0) {
			b->got += n;
			return n;
		}
		/* a drip that stalls after every byte must end too: the cap counts every cut */
		if (!resumable((int)n))
			return n;
		if (++b->cuts > BLOB_RESUMES)
			return err_wrap(err, "gave up after %u resumes", BLOB_RESUMES);
		http_response_close(b->resp);
		b->resp = NULL;
		err_free(err);
		if (blob_request(b, err) < 0)
			return err_wrap(err, "resuming at byte %llu", (unsigned long long)b->got);
	}
}

void registry_blob_close(struct registry_blob *b)
{
	if (!b)
		return;
	http_response_close(b->resp);
	free(b->url);
	free(b);
}
