/* Certificate files: the system trust store wherever this distribution keeps it, and the
 * per-registry folders in Docker's certs.d layout (*.crt CAs, *.cert + *.key client pairs). */
#include "tls_internal.h"
#include <dirent.h>
#include <sys/stat.h>

/* Where distributions keep their bundle, the first found wins (Go looks in the same places). */
static const char *const bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",                /* Debian, Alpine, OpenWrt */
	"/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL */
	"/etc/ssl/ca-bundle.pem",                            /* openSUSE */
	"/etc/pki/tls/cacert.pem",                           /* OpenELEC */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* CentOS 7 */
	"/etc/ssl/cert.pem",                                 /* Alpine, BSD layouts */
};
/* Without a bundle, single certificates (OpenWrt's ca-certificates package). */
static const char *const cert_dirs[] = {"/etc/ssl/certs", "/etc/pki/tls/certs"};

static int count(const mbedtls_x509_crt *c)
{
	int n = 0;

	for (; c && c->version; c = c->next)
		n++;
	return n;
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted, so which client pair wins does not depend on the filesystem. */
static char **list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;

	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, *n + 1, sizeof(*names));
		names[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), by_name);
	return names;
}

/* Every certificate file of a colon-separated list of folders. A symlink to a name in the
 * same folder is a hash alias (c_rehash, update-ca-certificates) of a file read anyway. */
static void load_dirs(const char *list, mbedtls_x509_crt *chain)
{
	char *copy cleanup_free = xstrdup(list), *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		size_t n;
		char **names = list_dir(d, &n);
		for (size_t i = 0; i < n; i++) {
			char *path = xasprintf("%s/%s", d, names[i]), target[256];
			ssize_t t = readlink(path, target, sizeof(target) - 1);
			if ((t < 0 || memchr(target, '/', t)) && is_file(path))
				mbedtls_x509_crt_parse_file(chain, path);
			free(path);
			free(names[i]);
		}
		free(names);
	}
}

int tls_load_system_cas(const char *ca_file, mbedtls_x509_crt *chain, struct error **err)
{
	const char *dirs = getenv("SSL_CERT_DIR"), *file = getenv("SSL_CERT_FILE");
	struct strbuf tried = STRBUF_INIT;

	/* An explicit file is the whole trust store; the variables add to each other, as in Go. */
	if (ca_file) {
		file = ca_file;
		dirs = NULL;
	}
	if (file && *file) {
		mbedtls_x509_crt_parse_file(chain, file);
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(bundles) && !count(chain); i++)
			if (is_file(bundles[i]))
				mbedtls_x509_crt_parse_file(chain, bundles[i]);
		if (!count(chain) && !dirs)
			for (size_t i = 0; i < ARRAY_SIZE(cert_dirs) && !count(chain); i++)
				load_dirs(cert_dirs[i], chain);
	}
	if (dirs && *dirs)
		load_dirs(dirs, chain);
	if (count(chain))
		return count(chain);
	if (file && *file) {
		err_set(err, 0, "TLS: %s: no certificates could be read%s", file,
			dirs && *dirs ? " (nor from $SSL_CERT_DIR)" : "");
		return -ENOENT;
	}
	for (size_t i = 0; i < ARRAY_SIZE(bundles); i++)
		sb_printf(&tried, "%s, ", bundles[i]);
	err_set(err, 0,
		"TLS: no CA certificates to verify with (looked for %s$SSL_CERT_DIR, /etc/ssl/certs/): "
		"install ca-certificates or set SSL_CERT_FILE",
		tried.buf);
	sb_release(&tried);
	return -ENOENT;
}

void tls_host_certs_init(struct tls_host_certs *hc)
{
	memset(hc, 0, sizeof(*hc));
	mbedtls_x509_crt_init(&hc->cas);
	mbedtls_x509_crt_init(&hc->own);
	mbedtls_pk_init(&hc->key);
}

void tls_host_certs_free(struct tls_host_certs *hc)
{
	mbedtls_x509_crt_free(&hc->cas);
	mbedtls_x509_crt_free(&hc->own);
	mbedtls_pk_free(&hc->key);
}

static int load_pair(const char *dir, const char *base, struct tls_host_certs *hc,
		     struct error **err)
{
	char *cert cleanup_free = xasprintf("%s/%s.cert", dir, base);
	char *key cleanup_free = xasprintf("%s/%s.key", dir, base);

	if (!is_file(cert) || !is_file(key)) {
		err_set(err, 0, "TLS: %s: a client certificate needs both %s.cert and %s.key", dir,
			base, base);
		return -ENOENT;
	}
	if (hc->have_own)
		return 0; /* the first pair by name is the one */
	if (mbedtls_x509_crt_parse_file(&hc->own, cert) != 0) {
		err_set(err, 0, "TLS: %s: not a PEM or DER certificate", cert);
		return -EINVAL;
	}
	if (mbedtls_pk_parse_keyfile(&hc->key, key, NULL) != 0) {
		err_set(err, 0, "TLS: %s: not an unencrypted PEM or DER private key", key);
		return -EINVAL;
	}
	if (mbedtls_pk_check_pair(&hc->own.pk, &hc->key) != 0) {
		err_set(err, 0, "TLS: %s does not belong to %s", key, cert);
		return -EINVAL;
	}
	hc->have_own = true;
	return 0;
}

static int load_dir(const char *dir, struct tls_host_certs *hc, struct error **err)
{
	size_t n;
	char **names = list_dir(dir, &n);
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		char *name = names[i], *path = xasprintf("%s/%s", dir, name);
		size_t len = strlen(name);
		if (r == 0 && str_has_suffix(name, ".crt")) {
			if (mbedtls_x509_crt_parse_file(&hc->cas, path) != 0) {
				err_set(err, 0, "TLS: %s: not a PEM or DER certificate", path);
				r = -EINVAL;
			}
		} else if (r == 0 && str_has_suffix(name, ".cert")) {
			name[len - 5] = '\0';
			r = load_pair(dir, name, hc, err);
		} else if (r == 0 && str_has_suffix(name, ".key")) {
			char *cert = xasprintf("%s/%.*s.cert", dir, (int)len - 4, name);
			if (!is_file(cert)) {
				err_set(err, 0, "TLS: %s: a key without its client certificate %s", path,
					cert);
				r = -ENOENT;
			}
			free(cert);
		}
		free(path);
		free(name);
	}
	free(names);
	hc->ncas = count(&hc->cas);
	return r;
}

int tls_load_certs_d(const char *roots, const char *hostport, const char *host,
		     struct tls_host_certs *hc, struct error **err)
{
	char *copy cleanup_free = xstrdup(roots), *save = NULL;
	const char *names[] = {hostport, host};
	int r = 0;

	for (char *root = strtok_r(copy, ":", &save); root && r == 0;
	     root = strtok_r(NULL, ":", &save)) {
		for (size_t i = 0; i < ARRAY_SIZE(names) && r == 0; i++) {
			char *dir = xasprintf("%s/%s", root, names[i]);
			if (is_dir(dir))
				r = load_dir(dir, hc, err);
			free(dir);
		}
	}
	return r;
}
