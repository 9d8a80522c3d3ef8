/* IKEv1 cryptography on the IKEv2 library's OpenSSL primitives: the phase-1 key material
 * (RFC 2409 5 and appendix B), the main/aggressive mode and quick mode hashes (5, 5.5),
 * quick mode KEYMAT with and without PFS (5.5), NAT-D hashes (RFC 3947 3.2), the CBC IVs
 * and message encryption (appendix B), responder cookies and the algorithm policy.
 *
 * The PRF of a phase-1 SA is the HMAC of its negotiated hash (RFC 2409 5, no PRF attribute),
 * so a struct ike_prf_alg names both: prf->digest is the hash for IVs and NAT-D. */
#ifndef IKEV1_CRYPTO_H
#define IKEV1_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_crypto.h"
#include "ikev1_message.h"

/* ---- key material ---- */

struct ikev1_sa_keys {
	uint8_t prf_len, encr_len;
	uint8_t skeyid[IKE_MAX_PRF_LEN];
	uint8_t skeyid_d[IKE_MAX_PRF_LEN];
	uint8_t skeyid_a[IKE_MAX_PRF_LEN];
	uint8_t skeyid_e[IKE_MAX_PRF_LEN];
	uint8_t encr_key[IKE_MAX_ENCR_KEY]; /* from SKEYID_e, appendix B */
};

/* The PRF of a phase-1 hash attribute (IKEV1_HASH_*); NULL for MD5 and unknown ones. */
const struct ike_prf_alg *ikev1_prf_of_hash(uint16_t hash);

/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b) for PSK authentication. */
int ikev1_skeyid_psk(const struct ike_prf_alg *prf, const uint8_t *psk, size_t psk_len,
		     struct ike_span ni, struct ike_span nr, uint8_t *skeyid);
/* SKEYID = prf(Ni_b | Nr_b, g^xy) for signature authentication. */
int ikev1_skeyid_sig(const struct ike_prf_alg *prf, struct ike_span ni, struct ike_span nr,
		     struct ike_span g_xy, uint8_t *skeyid);

/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0), SKEYID_a = prf(SKEYID, SKEYID_d | g^xy |
 * CKY-I | CKY-R | 1), SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2), and the
 * encr->key_len octets of the cipher key: the start of SKEYID_e, or of K1 | K2 | ... with
 * K1 = prf(SKEYID_e, 0) and Kn = prf(SKEYID_e, Kn-1) when SKEYID_e is too short. */
int ikev1_derive_sa_keys(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
			 const uint8_t *skeyid, struct ike_span g_xy, const uint8_t *cky_i,
			 const uint8_t *cky_r, struct ikev1_sa_keys *keys);
void ikev1_sa_keys_wipe(struct ikev1_sa_keys *keys);

/* HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) (initiator true),
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b): the value of the HASH
 * payload under PSK, and what is signed under signature authentication. id_b is the body
 * of the sender's ID payload; g_xi / g_xr are always the initiator's / responder's. */
int ikev1_hash_phase1(const struct ike_prf_alg *prf, const uint8_t *skeyid, bool initiator,
		      struct ike_span g_xi, struct ike_span g_xr, const uint8_t *cky_i,
		      const uint8_t *cky_r, struct ike_span sai_b, struct ike_span id_b,
		      uint8_t *out);

/* Quick mode HASH(1) and informational HASH(1) = prf(SKEYID_a, M-ID | rest), HASH(2) =
 * prf(SKEYID_a, M-ID | Ni_b | rest), where rest is the message after the HASH payload
 * (ikev1_message_after); ni is empty for HASH(1). */
int ikev1_hash_msgid(const struct ike_prf_alg *prf, const uint8_t *skeyid_a, uint32_t msgid,
		     struct ike_span ni, struct ike_span rest, uint8_t *out);
/* Quick mode HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b). */
int ikev1_hash_quick3(const struct ike_prf_alg *prf, const uint8_t *skeyid_a, uint32_t msgid,
		      struct ike_span ni, struct ike_span nr, uint8_t *out);

/* Quick mode KEYMAT (RFC 2409 5.5): K1 | K2 | ... with K1 = prf(SKEYID_d, [g(qm)^xy |]
 * protocol | SPI | Ni_b | Nr_b), Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI |
 * Ni_b | Nr_b); g_qm.len == 0 without PFS. Each SA's SPI is the one its receiver chose: the
 * initiator-to-responder keys use spi_r (from the responder's SA payload), the other
 * direction spi_i. Encryption key first, then the salt (AES-GCM, RFC 4106 8.1), then the
 * integrity key. integ is NULL for AES-GCM. */
int ikev1_derive_child_keys(const struct ike_prf_alg *prf, const uint8_t *skeyid_d,
			    const struct ike_encr_alg *encr, const struct ike_integ_alg *integ,
			    struct ike_span g_qm, uint8_t protocol, const uint8_t spi_i[4],
			    const uint8_t spi_r[4], struct ike_span ni, struct ike_span nr,
			    struct ike_child_keys *keys);

/* NAT-D = HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash (RFC 3947 3.2); addr is
 * 4 or 16 octets, port in host order. Returns the hash length. */
int ikev1_natd_hash(const struct ike_prf_alg *prf, const uint8_t *cky_i, const uint8_t *cky_r,
		    const uint8_t *addr, size_t addr_len, uint16_t port, uint8_t *out, size_t cap);

/* ---- IVs and encryption (RFC 2409 appendix B) ---- */

struct ikev1_iv {
	uint8_t len;
	uint8_t iv[IKE_MAX_IV];
};

/* The first phase-1 IV: hash(g^xi | g^xr), cut to the cipher's block. */
int ikev1_iv_phase1(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
		    struct ike_span g_xi, struct ike_span g_xr, struct ikev1_iv *iv);
/* The first IV of a quick mode or informational exchange: hash(last phase-1 CBC block |
 * M-ID), cut to the block. phase1 is the phase-1 IV state after its last message. */
int ikev1_iv_exchange(const struct ike_prf_alg *prf, const struct ikev1_iv *phase1, uint32_t msgid,
		      struct ikev1_iv *iv);

/* Encrypts a payload chain (starting with first_type) into a writer that holds only the
 * header: sets the E flag and the first payload type, zero-pads to the block, finishes the
 * message (length) and advances *iv to the last ciphertext block, the IV of the exchange's
 * next message. Returns the message length. */
int ikev1_encrypt(struct ike_writer *w, const struct ike_encr_alg *encr, const uint8_t *key,
		  struct ikev1_iv *iv, uint8_t first_type, const uint8_t *plain, size_t plain_len);

/* Decrypts the body of a parsed encrypted message (msg->encrypted) with iv into out (the
 * padded plaintext, for ikev1_message_parse_decrypted). *next gets the IV that follows this
 * message; commit it only once the message has authenticated, so that a forged message
 * cannot desynchronize the chain. Returns the plaintext length; -EBADMSG when the body is
 * not a whole number of blocks. */
int ikev1_decrypt(const struct ikev1_message *msg, const struct ike_encr_alg *encr,
		  const uint8_t *key, const struct ikev1_iv *iv, struct ikev1_iv *next,
		  uint8_t *out, size_t cap);

/* ---- responder cookies (RFC 2408 2.5.3) ---- */

#define IKEV1_COOKIE_SECRET_LEN 32

/* The responder cookie for a peer (address of 4 or 16 octets, port in host order) and its
 * initiator cookie: HMAC-SHA2-256(secret, address | port | CKY-I) cut to 8 octets, never
 * all zero. ikev1_cookie_check returns 0 when cky_r is the one we would have made, -EACCES
 * otherwise. */
int ikev1_cookie_make(const uint8_t secret[IKEV1_COOKIE_SECRET_LEN], const uint8_t *addr,
		      size_t addr_len, uint16_t port, const uint8_t cky_i[IKEV1_COOKIE_LEN],
		      uint8_t cky_r[IKEV1_COOKIE_LEN]);
int ikev1_cookie_check(const uint8_t secret[IKEV1_COOKIE_SECRET_LEN], const uint8_t *addr,
		       size_t addr_len, uint16_t port, const uint8_t cky_i[IKEV1_COOKIE_LEN],
		       const uint8_t cky_r[IKEV1_COOKIE_LEN]);

/* ---- algorithm policy ---- */

/* What a phase-1 transform selects, once the policy accepts it. */
struct ikev1_phase1_suite {
	const struct ike_encr_alg *encr;
	const struct ike_prf_alg *prf;
	const struct ike_dh_group *group;
	uint16_t auth_method;	 /* IKEV1_AUTH_PSK, _RSA_SIG or _ECDSA_* */
	uint64_t life_seconds;	 /* 0: none given */
	uint64_t life_kilobytes; /* 0: none given */
};

/* What an ESP transform of a quick mode selects. */
struct ikev1_esp_suite {
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ; /* NULL for AES-GCM */
	const struct ike_dh_group *pfs;	   /* NULL without PFS */
	uint16_t encap_mode;		   /* IKEV1_ENCAP_* */
	bool esn;
	uint64_t life_seconds;
	uint64_t life_kilobytes;
};

/* Evaluate one transform. 0 and the suite when acceptable; otherwise why gets one line
 * naming the transform's problem and:
 *   -EPERM    refused as deprecated: DES, 3DES, MD5, DH groups 1, 2, 5 (RFC 8247 for
 *             IKE, RFC 8221 for ESP)
 *   -ENOTSUP  not supported here (other algorithms, AH, unknown attributes)
 *   -EINVAL   a required attribute is missing (hash, group, key length, ...) */
int ikev1_policy_phase1(const struct ikev1_transform *t, struct ikev1_phase1_suite *suite,
			char *why, size_t why_len);
int ikev1_policy_esp(uint8_t protocol, const struct ikev1_transform *t,
		     struct ikev1_esp_suite *suite, char *why, size_t why_len);

#endif
