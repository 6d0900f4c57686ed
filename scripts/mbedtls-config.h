/* mbedtls 2.28 configuration of ocibox's static builds (x86_64, aarch64, armv7, mipsel).
 *
 * scripts/deps builds mbedtls with -DMBEDTLS_CONFIG_FILE naming this file and puts the same
 * define into TC_CPPFLAGS, so that ocibox sees the structures the library was built with; its
 * content is part of the toolchain fingerprint, so a change here builds a new mbedtls. The
 * debug build uses Debian's libmbedtls-dev with its full default configuration instead.
 *
 * What ocibox needs (libbb/tls.c, tls_certs.c, http_proxy.c, sha256.c): a TLS 1.2 client that
 * talks to registries and object stores (Docker Hub, ghcr, quay, S3/CloudFront, Azure, GCS all
 * offer ECDHE with AES-GCM), verifies X.509 chains (RSA up to 4096 bits, ECDSA P-256/P-384,
 * SHA-1/256/384/512), offers client certificates (RSA or EC keys in PKCS#1, PKCS#8 or SEC1,
 * unencrypted), a CTR_DRBG seeded from getrandom by tls.c itself, base64 for proxy
 * credentials, SHA-256 for blob digests and the version string.
 *
 * Left out, with why:
 * - the server side, DTLS, TLS 1.0/1.1, renegotiation, session tickets (tls.c never resumes),
 *   ALPN (HTTP/1.1 is the default without it), the debug and error-string modules, PSA;
 * - key exchanges other than ECDHE_ECDSA and ECDHE_RSA: plain RSA and DHE have no forward
 *   secrecy and no public registry needs them; PSK is for devices that share keys;
 * - CBC (and with it encrypt-then-MAC, record splitting, PKCS#5/#12, encrypted PEM keys):
 *   every TLS 1.2 server since OpenSSL 1.0.1 and Go 1.2 offers GCM;
 * - DES, ARC4, Blowfish, Camellia, ARIA, XTEA, CCM, MD5, RIPEMD-160, HKDF, HMAC_DRBG;
 * - curves other than P-256 and P-384 (the keys of every certificate in Debian's
 *   ca-certificates; servers all offer P-256 for ECDHE) and explicit curve parameters;
 * - CRLs, CSRs and writing certificates or keys; RSASSA-PSS certificate signatures (no root
 *   of ca-certificates uses them).
 * SHA-1 stays: 30 roots of ca-certificates are self-signed with it and would not parse without
 * it (chains are still checked with mbedtls' default profile, which refuses SHA-1 signatures).
 *
 * RAM: records in are 16 KB (the TLS maximum: we cannot make a server send smaller ones without
 * max_fragment_length, which Go and nginx ignore), records out 4 KB (we split what we send; a
 * client certificate chain must fit in 4 KB). Smaller EC windows and no precomputed generator
 * tables trade handshake speed for flash and RAM.
 *
 * Measured on mbedtls 2.28.3, musl 1.2.3: text+data of a static program doing one HTTPS GET
 * through libbb's http client minus that of an empty one (-Os, gc-sections), before (Debian's
 * default configuration) and after (this one):
 *   x86_64  386839 -> 204514    aarch64 376806 -> 196925
 *   armv7   261240 -> 124636    mipsel  447656 -> 245356
 * Of the x86_64 204514, mbedtls is ~99 KB (bignum 10, ecp 11, x509 9, ssl 16, rsa 8, sha1 5,
 * sha256 4, aes 4, pkparse 4, oid 4), the rest libbb's http/tls code and libc (resolver,
 * stdio, time). Putting back X25519 would cost 3.8 KB, ECDHE-CBC suites 6 KB, plain RSA key
 * exchange 0.5 KB, mbedtls' default EC windows 1.4 KB.
 * RAM per connection: record buffers 16429 + 4141 bytes instead of 2 x 16717, and no copy of
 * the server's certificate chain kept after the handshake (MBEDTLS_SSL_KEEP_PEER_CERTIFICATE).
 */
#ifndef MBEDTLS_CONFIG_H
#define MBEDTLS_CONFIG_H

#define OCIBOX_MBEDTLS_CONFIG 1 /* scripts/deps' verification program checks that it is us */

/* System */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_FS_IO

/* Key exchange, curves, public keys */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECDH_LEGACY_CONTEXT
#define MBEDTLS_PKCS1_V15

/* TLS: a 1.2 client */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#define MBEDTLS_SSL_CIPHERSUITES                                                                  \
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,                                           \
		MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                                     \
		MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,                                   \
		MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,                                     \
		MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,                             \
		MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256

/* X.509 */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* ECDSA signatures of a client certificate's key */

/* Crypto */
#define MBEDTLS_AES_C
#define MBEDTLS_AESNI_C /* x86_64 only; nothing elsewhere */
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_RSA_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C /* full speed: blob digests on CPUs without SHA instructions */
#define MBEDTLS_SHA512_C /* SHA-384 signatures and suites */
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_VERSION_C

#include "mbedtls/check_config.h"

#endif
