/* X.509 credentials for public-key authentication (RFC 7296 2.15, RFC 7427): our certificate,
 * the chain we send and our private key, the trusted CAs, signing our AUTH, verifying the
 * peer's (chain against the CAs with X509_verify_cert, CRLs when configured, key usages,
 * identity against the certificate, signature); identities are identity.h.
 * Credentials are reference counted: IKE_SAs keep theirs across a reload. */
#ifndef ESPNICD_CREDS_H
#define ESPNICD_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"
#include "ike_message.h"

#define CREDS_MAX_CA	8
#define CREDS_MAX_CHAIN 4    /* certificates we send: ours and up to three intermediates */
#define CREDS_MAX_CERT	4096 /* one DER certificate in a CERT payload */

/* Hash algorithms of SIGNATURE_HASH_ALGORITHMS (RFC 7427 4, IANA "IKEv2 Hash Algorithms"). */
#define IKE_HASH_SHA1	  1
#define IKE_HASH_SHA2_256 2
#define IKE_HASH_SHA2_384 3
#define IKE_HASH_SHA2_512 4
/* The ones we announce and accept, as a bit mask of (1 << id). */
#define CREDS_HASHES                                                                               \
	((1u << IKE_HASH_SHA2_256) | (1u << IKE_HASH_SHA2_384) | (1u << IKE_HASH_SHA2_512))

struct creds;

/* Loads our certificate (PEM; certificates after the first are intermediates we send), the
 * private key (PEM; the file must be a regular file of mode 0600 or stricter, and match the
 * certificate) and the trusted CA certificates (PEM files, several per file allowed). On
 * error returns a negative errno and writes a message (never key material) into err. */
int creds_load(const char *cert_file, const char *key_file, const char *const *ca_files,
	       unsigned ca_count, struct creds **out, char *err, size_t err_len);
/* Adds the CRLs of PEM files (several per file allowed) and from then on requires a current
 * CRL from the issuer of every peer certificate: revoked, stale or missing fails. */
int creds_add_crls(struct creds *c, const char *const *crl_files, unsigned crl_count, char *err,
		   size_t err_len);
/* Asks an OCSP responder about every peer certificate from then on (creds_ocsp.c): url is
 * an http:// URL or "aia" (the certificate's own); revoked or unknown fail, and so does an
 * unreachable responder unless accept_unreachable. */
#define CREDS_OCSP_TIMEOUT_S 5
int creds_set_ocsp(struct creds *c, const char *url, bool accept_unreachable, char *err,
		   size_t err_len);
/* The same from PEM text in memory (the session API's trusted_crl). */
int creds_add_crls_pem(struct creds *c, const char *pem, size_t len, char *err, size_t err_len);
/* The same from PEM text in memory (the session API): our certificate (and intermediates),
 * the private key and one or more CA certificates. On error *part says which was at fault
 * and err names it ("certificate", "private_key", "trusted_ca"), never with key material. */
enum creds_part { CREDS_PART_CERT, CREDS_PART_KEY, CREDS_PART_CA };
int creds_load_pem(const char *cert, size_t cert_len, const char *key, size_t key_len,
		   const char *ca, size_t ca_len, struct creds **out, enum creds_part *part,
		   char *err, size_t err_len);
/* Our certificate's subject and issuer as one-line text in certificate order ("C=CH, O=...,
 * CN=..."). */
int creds_cert_names(const struct creds *c, char *subject, size_t subject_len, char *issuer,
		     size_t issuer_len);
struct creds *creds_ref(struct creds *c);
void creds_unref(struct creds *c); /* frees (the key wiped by OpenSSL) with the last reference */

/* Our certificates for CERT payloads (0: ours, then intermediates). */
unsigned creds_cert_count(const struct creds *c);
/* DER of certificate i into out (NULL: only the length); returns its length or a negative
 * errno. */
int creds_cert_der(const struct creds *c, unsigned i, uint8_t *out, size_t cap);
/* CERTREQ data (X.509 signature encoding): SHA-1 of each trusted CA's SubjectPublicKeyInfo. */
int creds_certreq(const struct creds *c, uint8_t *out, size_t cap);
/* The DER subject name of trusted CA i (IKEv1 CERTREQ data, RFC 2408 3.10); -ENOENT after the
 * last. */
int creds_ca_name_der(const struct creds *c, unsigned i, uint8_t *out, size_t cap);
/* Our certificate's subject as an ID_DER_ASN1_DN identity. */
int creds_subject_id(const struct creds *c, struct cfg_id *id);
/* Whether our own certificate proves the identity (config check). */
bool creds_own_cert_proves(const struct creds *c, const struct cfg_id *id);

/* Signs octets (RFC 7296 2.15 signed octets). peer_hashes is the peer's
 * SIGNATURE_HASH_ALGORITHMS as a bit mask (0: it sent none, so the classic RSA (1) or ECDSA
 * (9, 10, 11) method is used). Writes the AUTH data, sets *method; returns the length. */
int creds_sign(const struct creds *c, unsigned peer_hashes, struct ike_span octets, uint8_t *method,
	       uint8_t *out, size_t cap);

/* Verifies the peer: the CERT payloads of msg (the first is the peer's, the others
 * untrusted intermediates) chain to one of our CAs; the identity (ID payload type and data)
 * is the certificate's subject DN or one of its subjectAltNames; the AUTH (method, data) is
 * its signature over octets. Returns 0, or -EKEYREJECTED with the reason in why. */
int creds_verify_peer(const struct creds *c, const struct ike_message *msg, uint8_t id_type,
		      struct ike_span id_data, uint8_t method, struct ike_span auth,
		      struct ike_span octets, char *why, size_t why_len);

/* IKEv1 (RFC 2409 5.1): the authentication method our key calls for (3 RSA signatures, 9, 10,
 * 11 ECDSA on P-256, P-384, P-521 as RFC 4754 numbers them), or -EINVAL. */
int creds_v1_method(const struct creds *c);
/* SIG_I / SIG_R: our signature over HASH_I / HASH_R itself (RSA PKCS#1 v1.5 padding without
 * a DigestInfo; ECDSA r | s of fixed width, RFC 4754 7). Returns its length. */
int creds_sign_v1(const struct creds *c, struct ike_span hash, uint8_t *out, size_t cap);
/* One CERT payload of the peer (encoding, data). */
struct creds_peer_cert {
	uint8_t encoding;
	struct ike_span data;
};
/* The IKEv1 counterpart of creds_verify_peer: certs[0] is the peer's (then untrusted
 * intermediates), sig its SIG payload over hash with the negotiated method. */
int creds_verify_peer_v1(const struct creds *c, const struct creds_peer_cert *certs, unsigned n,
			 uint8_t id_type, struct ike_span id_data, unsigned method,
			 struct ike_span sig, struct ike_span hash, char *why, size_t why_len);

#endif
