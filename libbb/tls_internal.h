/* What libbb/tls.c and libbb/tls_certs.c share: certificate files into mbedtls objects. */
#ifndef OCIBOX_TLS_INTERNAL_H
#define OCIBOX_TLS_INTERNAL_H

#include "tls.h"
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

/* The trust store into chain: how many certificates it holds, or -ENOENT with err saying
 * where it looked. ca_file alone if given; else $SSL_CERT_FILE or the first usual bundle
 * found, plus every file of $SSL_CERT_DIR's folders. */
int tls_load_system_cas(const char *ca_file, mbedtls_x509_crt *chain, struct error **err);

/* What the certs.d folders give one host. */
struct tls_host_certs {
	mbedtls_x509_crt cas; /* *.crt */
	int ncas;
	mbedtls_x509_crt own; /* the first *.cert with its *.key */
	mbedtls_pk_context key;
	bool have_own;
};

void tls_host_certs_init(struct tls_host_certs *hc);
void tls_host_certs_free(struct tls_host_certs *hc);
/* Reads ROOT/HOSTPORT/ and ROOT/HOST/ for every root of the colon-separated roots. A
 * certificate or key that does not parse, or a .cert without its .key, is an error. */
int tls_load_certs_d(const char *roots, const char *hostport, const char *host,
		     struct tls_host_certs *hc, struct error **err);

#endif
