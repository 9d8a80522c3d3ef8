/* What the parts of the credentials share: creds.c (loading), creds_auth.c (signatures) and
 * identity.c (identities). Users include creds.h. */
#ifndef ESPNICD_CREDS_INTERNAL_H
#define ESPNICD_CREDS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "creds.h"

#define SHA1_LEN 20

struct creds {
	int refs;
	EVP_PKEY *key;
	STACK_OF(X509) * chain; /* ours first, then intermediates */
	X509_STORE *store;
	uint8_t certreq[CREDS_MAX_CA * 16 * SHA1_LEN];
	size_t certreq_len;
	char ocsp_url[256]; /* "" = no OCSP, "aia" = the certificate's (creds_ocsp.c) */
	bool ocsp_accept_unreachable;
};

/* OCSP status of the peer's leaf (issued by issuer; untrusted: what the peer sent): 0 when
 * no responder is configured or it says "good", else -EKEYREJECTED with why set. */
int creds_ocsp_check(const struct creds *c, X509 *leaf, X509 *issuer, STACK_OF(X509) * untrusted,
		     char *why, size_t why_len);

/* name as an ID_DER_ASN1_DN identity. */
int creds_name_to_id(const X509_NAME *name, struct cfg_id *id);
/* The certificate proves the identity: subject DN or a matching subjectAltName. */
bool creds_cert_proves(X509 *cert, uint8_t type, struct ike_span data);

#endif
