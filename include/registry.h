/* The registry client's pure parts: image references, WWW-Authenticate challenges, credentials
 * and mirrors from the config file, manifests and indexes with platform choice.
 * libbb/registry_ref.c, registry_auth.c, registry_config.c, registry_manifest.c. The network side
 * (ping, token flow, manifest and blob GETs, uploads) sits on http.h and joins this header.
 *
 * Decisions, so nobody has to rediscover them:
 *  - References follow distribution's grammar and Docker's normalisation: the first component is
 *    a registry when it holds '.' or ':' or is "localhost" (else the name is on docker.io), and
 *    docker.io names with one component get "library/". Names are lower case only, at most 255
 *    bytes; a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; only sha256 digests (64 lower-case hex)
 *    are accepted. A bare 64-hex name is refused (it is an image ID, not a name). No tag and no
 *    digest means ":latest"; a tag and a digest both kept, the digest wins for the pull.
 *  - Config: ocibox's own file is $OCIBOX_CONFIG, else $HOME/.ocibox/config.json, in Docker's
 *    config.json shape ("auths": {"HOST": {"auth": base64("USER:PASS")}}), mode 0600. Docker's
 *    ($DOCKER_CONFIG/config.json, else $HOME/.docker/config.json) is read too; ocibox's wins.
 *    Docker Hub's key is "https://index.docker.io/v1/" as Docker writes it; "docker.io",
 *    "index.docker.io" and "registry-1.docker.io" find it too. Two keys of our own:
 *      "mirrors": {"HOST": ["https://mirror:5000", ...]}   tried in order before HOST, for any
 *                                                          registry, not only Docker Hub
 *      "insecure-registries": ["HOST:PORT", "10.0.0.0/8"]  as http_options.insecure
 *  - Manifests: OCI and Docker schema 2 manifests, OCI indexes and Docker manifest lists; schema 1
 *    is refused by name. At most 4 MiB (containerd's limit). An index entry is chosen for
 *    os/arch/variant: the same variant first, then, for arm only, lower ones (v7 runs v6 and v5
 *    code, never the reverse). An arm entry without a variant counts as v7 and an arm64 one as
 *    v8, as containerd normalises them, so an armv6 board never gets a v7 image. */
#ifndef OCIBOX_REGISTRY_H
#define OCIBOX_REGISTRY_H

#include "libbb.h"
#include "json.h"

#define REGISTRY_DOCKER_HUB "docker.io"
#define REGISTRY_DOCKER_HUB_API "registry-1.docker.io"
#define REGISTRY_DOCKER_HUB_AUTH_KEY "https://index.docker.io/v1/"
#define REGISTRY_MANIFEST_MAX ((size_t)4 << 20)

/* ---- image references (libbb/registry_ref.c) ---- */

struct image_ref {
	char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
	char *path;   /* "library/busybox" */
	char *tag;    /* "latest"; NULL when only a digest was given */
	char *digest; /* "sha256:<hex>" or NULL */
};

/* Parses and normalises s; -EINVAL with *err naming the reason ("invalid reference format:
 * repository name must be lowercase"). */
int image_ref_parse(const char *s, struct image_ref *r, struct error **err);
void image_ref_release(struct image_ref *r);
/* "domain/path" */
char *image_ref_name(const struct image_ref *r);
/* The store's name: "domain/path@digest" when there is a digest, else "domain/path:tag". */
char *image_ref_string(const struct image_ref *r);
/* Docker's display: "busybox" for docker.io/library/busybox, "user/x" for docker.io/user/x. */
char *image_ref_familiar(const char *name);

/* ---- WWW-Authenticate (libbb/registry_auth.c) ---- */

enum auth_scheme {
	AUTH_NONE,
	AUTH_BASIC,
	AUTH_BEARER,
};

struct auth_challenge {
	enum auth_scheme scheme;
	char *realm, *service, *scope; /* NULL when absent */
};

/* The first Basic or Bearer challenge of a header value (RFC 7235: token68 or auth-params,
 * quoted strings with backslash escapes). Unknown schemes are skipped. -EPROTO with *err on a
 * malformed value, -ENOENT when it offers neither scheme; a Bearer without realm is malformed. */
int auth_challenge_parse(const char *value, struct auth_challenge *c, struct error **err);
void auth_challenge_release(struct auth_challenge *c);

/* A token endpoint's answer: "token" or else "access_token"; expires_in (seconds, default 60,
 * as the spec says) -> *expires_in. -EPROTO with *err when there is no token. */
int auth_token_parse(const char *body, size_t len, char **token, long long *expires_in,
                     struct error **err);

/* ---- credentials and registry settings (libbb/registry_config.c) ---- */

struct registry_config {
	struct json *own, *docker; /* the parsed files, NULL when absent */
	char *own_path;
};

/* ocibox's own config file path (malloc'd): $OCIBOX_CONFIG or $HOME/.ocibox/config.json. */
char *registry_config_path(void);
/* Reads both files; absent files are fine, malformed ones are an error naming the file. */
int registry_config_load(struct registry_config *cfg, struct error **err);
void registry_config_release(struct registry_config *cfg);
/* The user and password stored for a registry host: 1 found (malloc'd strings), 0 none,
 * negative on a malformed "auth" value. */
int registry_config_creds(const struct registry_config *cfg, const char *host, char **user,
                          char **pass, struct error **err);
/* Mirror URLs for host, NULL-terminated, in order (malloc'd array of borrowed strings). */
const char **registry_config_mirrors(const struct registry_config *cfg, const char *host);
/* The insecure registries from the config, NULL-terminated (borrowed strings). */
const char **registry_config_insecure(const struct registry_config *cfg);
/* Stores (user != NULL) or removes the credentials of host in ocibox's own file, atomically,
 * mode 0600. Returns 0, or for a removal -ENOENT when there was nothing. */
int registry_config_set_creds(const char *path, const char *host, const char *user,
                              const char *pass, struct error **err);
/* The config key of a host: Docker Hub's URL for its names, else host itself. */
const char *registry_auth_key(const char *host);

/* ---- manifests and indexes (libbb/registry_manifest.c) ---- */

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
/* Every type we take, for the Accept header (distribution 2.8 needs the OCI ones listed). */
#define REGISTRY_ACCEPT                                                                            \
	MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST

enum manifest_kind {
	MANIFEST_IMAGE, /* OCI manifest or Docker schema 2 */
	MANIFEST_INDEX, /* OCI index or Docker manifest list */
};

struct platform {
	char *os, *arch, *variant; /* variant "" when none */
};

struct descriptor {
	char *media_type;
	char *digest;
	int64_t size;
	struct platform platform; /* index entries only; NULLs otherwise */
};

struct manifest {
	enum manifest_kind kind;
	char *media_type;
	struct descriptor config;  /* MANIFEST_IMAGE */
	struct descriptor *layers; /* MANIFEST_IMAGE: layers; MANIFEST_INDEX: manifests */
	size_t n;
};

/* Parses a manifest or index; content_type is the server's Content-Type (NULL or a generic type:
 * the document's own mediaType decides). Checks every digest and size field; refuses schema 1,
 * foreign layers without digests, and anything over REGISTRY_MANIFEST_MAX. */
int manifest_parse(const char *buf, size_t len, const char *content_type, struct manifest *m,
                   struct error **err);
void manifest_release(struct manifest *m);

/* "os/arch[/variant]" or "arch"; NULL or "" is this machine (linux, platform_arch(),
 * platform_variant()). Normalises aliases: x86_64 -> amd64, aarch64 -> arm64, armhf -> arm/v7,
 * armel -> arm/v6. */
int platform_parse(const char *s, struct platform *p, struct error **err);
void platform_release(struct platform *p);
char *platform_string(const struct platform *p); /* "linux/arm/v7" */
/* The index entry for want: its position, or -ENOENT with *err listing what the index offers. */
int manifest_choose(const struct manifest *idx, const struct platform *want, struct error **err);

/* ---- one image into the store, from any source of blobs (libbb/image_fetch.c) ----
 * pull (a registry) and load (an OCI layout) share it: the manifest (and an index's choice),
 * the config and every layer not yet in the store go in verified, and the name is tagged last,
 * so a killed fetch leaves no reference to a half image and the next one skips what is done. */

#include "store.h"

struct blob_source {
	/* Opens blob digest of size bytes (-1: unknown) for reading through read(*rctx, ...). */
	int (*open)(void *ctx, const char *digest, int64_t size, void **rctx, struct error **err);
	store_read_fn *read;
	void (*close)(void *rctx);
	void *ctx;
};

enum fetch_event {
	FETCH_LAYER_EXISTS, /* "Already exists" */
	FETCH_LAYER_START,  /* "Pulling fs layer" */
	FETCH_LAYER_DONE,   /* "Pull complete" */
};

struct fetch_opts {
	const struct platform *platform; /* NULL: this machine */
	struct store_ingest_opts ingest;
	void (*event)(void *ctx, enum fetch_event ev, const struct descriptor *layer,
	              const struct store_ingest_stats *stats);
	void *event_ctx;
};

/* Fetches the image whose top document (manifest or index) is digest and tags it as name (NULL:
 * no tag). *manifest (may be NULL) gets the platform manifest's digest, malloc'd. Returns 1 when
 * every layer was already there, 0 when something was fetched. */
int image_fetch(struct store *s, const struct blob_source *src, const char *digest,
                const char *name, const struct fetch_opts *o, char **manifest, struct error **err);

/* ---- the network side (libbb/registry_client.c) ----
 * One struct registry talks to one repository: the first of the config's mirrors for its
 * domain that answers /v2/, else the registry itself (https; plain http only for an insecure
 * one). Every request carries our Authorization; a 401 is answered once from its challenge:
 * Basic with the config's credentials, or a Bearer token (scope repository:NAME:pull,
 * credentials if any, else anonymous) kept until it expires. Blob reads resume a cut
 * connection in the same process with a Range (a 200 instead of 206: the start again, the bytes
 * already handed out skipped), so the reader never sees the cut. */

struct http_client;
struct registry;
struct registry_blob;

int registry_open(struct http_client *http, const struct registry_config *cfg,
                  const struct image_ref *ref, struct registry **out, struct error **err);
void registry_free(struct registry *r);
/* http_options.insecure: the config's "insecure-registries", then extra (--insecure-registry
 * flags), then $OCIBOX_INSECURE_REGISTRIES (comma-separated). Borrowed strings; free the array. */
const char **registry_insecure_hosts(const struct registry_config *cfg, char *const *extra);
/* Checks that user and pass open host's /v2/ (Basic, or a token got with them). */
int registry_login(struct http_client *http, const char *host, const char *user,
                   const char *pass, struct error **err);
const char *registry_base(const struct registry *r); /* "https://host:port" that answered */
/* GET of a manifest or index by tag or digest, with every type of REGISTRY_ACCEPT: the body
 * appended to out (at most REGISTRY_MANIFEST_MAX), *content_type malloc'd (may be NULL). */
int registry_get_manifest(struct registry *r, const char *reference, struct strbuf *out,
                          char **content_type, struct error **err);
/* If buf is an index, its entries are manifests: fetched from manifests/, not blobs/. */
void registry_note_manifests(struct registry *r, const char *buf, size_t len);
int registry_blob_open(struct registry *r, const char *digest, struct registry_blob **out,
                       struct error **err);
ssize_t registry_blob_read(void *ctx, void *buf, size_t len, struct error **err);
void registry_blob_close(struct registry_blob *b);
/* image_fetch()'s blob_source over r. */
void registry_blob_source(struct registry *r, struct blob_source *src);

#endif
