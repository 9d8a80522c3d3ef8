/* Test-time X.509 material: CAs, end-entity certificates and CRLs made with the OpenSSL C API
 * and written as PEM files into a temporary directory (keys mode 0600). Nothing is
 * committed. */
#ifndef ESPNICD_TEST_CERTGEN_H
#define ESPNICD_TEST_CERTGEN_H

#include <openssl/evp.h>
#include <openssl/x509.h>

struct tcert {
	EVP_PKEY *key;
	X509 *cert;
	char cert_path[256], key_path[256];
};

/* "rsa" (2048 bits), "p256", "p384". */
EVP_PKEY *tcert_key(const char *kind);
/* Subject as "C=CH,O=espnic,CN=x" (emailAddress= allowed); san like "DNS:gw1.example,
 * IP:198.18.0.1,email:a@b" or NULL; issuer NULL: self-signed CA. Validity from
 * now + not_before_days to now + not_after_days. Writes dir/name.pem and dir/name.key. */
void tcert_make(struct tcert *t, const char *dir, const char *name, const char *kind,
		const char *subject, const char *san, const struct tcert *issuer, int ca,
		long not_before_days, long not_after_days);
/* The same with other key usages than the defaults (CA: keyCertSign, cRLSign; end entity:
 * digitalSignature, no extendedKeyUsage): OpenSSL's config syntax, NULL for the default. */
struct tcert_usage {
	const char *key_usage, *ext_key_usage;
};
void tcert_make_usage(struct tcert *t, const char *dir, const char *name, const char *kind,
		      const char *subject, const char *san, const struct tcert *issuer, int ca,
		      long not_before_days, long not_after_days, const struct tcert_usage *u);
/* A CRL of ca revoking the n certificates revoked, valid from yesterday to now +
 * next_update_days (negative: already stale), written as PEM to path. */
void tcert_crl(const struct tcert *ca, const struct tcert *const *revoked, unsigned n,
	       long next_update_days, const char *path);
void tcert_free(struct tcert *t);
/* A fresh temporary directory (removed by tcert_rmdir). */
void tcert_mkdir(char *dir, size_t len);
void tcert_rmdir(const char *dir);

#endif
