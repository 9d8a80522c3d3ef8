/* IKEv2 cryptography on top of OpenSSL 3: the transform registry, prf and prf+
 * (RFC 7296 2.13), the IKE SA and CHILD_SA key derivations (2.14, 2.17, 2.18) and the
 * Diffie-Hellman groups with IKE's public value encodings and peer value validation. */
#ifndef IKE_CRYPTO_H
#define IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_types.h"

#define IKE_MAX_PRF_LEN	    64 /* HMAC-SHA2-512 */
#define IKE_MAX_ENCR_KEY    32
#define IKE_MAX_SALT	    4
#define IKE_MAX_INTEG_KEY   64
#define IKE_MAX_DH_PUBLIC   512 /* MODP 4096 */
#define IKE_MAX_DH_SECRET   512
#define IKE_MAX_IV	    16
#define IKE_MAX_ICV	    32
#define IKE_MAX_KEYMAT_PART (IKE_MAX_ENCR_KEY + IKE_MAX_SALT)

/* ---- transform registry ---- */

struct ike_encr_alg {
	uint16_t id;	    /* enum ike_encr_id */
	uint16_t key_bits;  /* the Key Length attribute value */
	const char *cipher; /* OpenSSL cipher name */
	uint8_t key_len;
	uint8_t salt_len; /* AEAD: octets of KEYMAT after the key (RFC 5282, RFC 4106) */
	uint8_t iv_len;
	uint8_t block_len; /* padding alignment in the SK payload */
	uint8_t icv_len;   /* AEAD tag; 0 for non-AEAD */
	bool aead;
};

struct ike_prf_alg {
	uint16_t id; /* enum ike_prf_id */
	const char *digest;
	uint8_t out_len;
};

struct ike_integ_alg {
	uint16_t id; /* enum ike_integ_id */
	const char *digest;
	uint8_t key_len;
	uint8_t icv_len; /* truncated HMAC output */
};

struct ike_dh_group {
	uint16_t id;	     /* enum ike_dh_id */
	const char *name;    /* OpenSSL group / curve name */
	uint16_t public_len; /* octets of the KE payload's data */
	uint16_t secret_len;
	enum { IKE_DH_KIND_MODP, IKE_DH_KIND_ECP, IKE_DH_KIND_X25519 } kind;
};

/* key_bits: the transform's Key Length attribute (required for AES). NULL if unsupported. */
const struct ike_encr_alg *ike_encr_lookup(uint16_t id, uint16_t key_bits);
const struct ike_prf_alg *ike_prf_lookup(uint16_t id);
const struct ike_integ_alg *ike_integ_lookup(uint16_t id);
const struct ike_dh_group *ike_dh_lookup(uint16_t id);

/* ---- prf, prf+ ---- */

/* prf(key, data[0] | data[1] | ...); out gets prf->out_len octets. */
int ike_prf(const struct ike_prf_alg *prf, const uint8_t *key, size_t key_len,
	    const struct ike_span *data, size_t data_count, uint8_t *out);

/* prf+(key, data...) = T1 | T2 | ..., truncated to out_len (at most 255 * prf->out_len). */
int ike_prf_plus(const struct ike_prf_alg *prf, const uint8_t *key, size_t key_len,
		 const struct ike_span *data, size_t data_count, uint8_t *out, size_t out_len);

/* HMAC truncated to integ->icv_len (the IKE SK payload's ICV). */
int ike_integ(const struct ike_integ_alg *integ, const uint8_t *key, const struct ike_span *data,
	      size_t data_count, uint8_t *icv);

/* ---- IKE SA keys (RFC 7296 2.14) ---- */

struct ike_sa_keys {
	uint8_t prf_len, encr_len, salt_len, integ_len;
	uint8_t sk_d[IKE_MAX_PRF_LEN];
	uint8_t sk_ai[IKE_MAX_INTEG_KEY], sk_ar[IKE_MAX_INTEG_KEY];
	uint8_t sk_ei[IKE_MAX_ENCR_KEY], sk_er[IKE_MAX_ENCR_KEY];
	uint8_t salt_i[IKE_MAX_SALT], salt_r[IKE_MAX_SALT]; /* AEAD only */
	uint8_t sk_pi[IKE_MAX_PRF_LEN], sk_pr[IKE_MAX_PRF_LEN];
};

struct ike_key_inputs {
	struct ike_span ni, nr;
	const uint8_t *spi_i, *spi_r; /* 8 octets each: the new SA's SPIs */
};

/* SKEYSEED = prf(Ni | Nr, g^ir). integ is NULL for AEAD. */
int ike_skeyseed(const struct ike_prf_alg *prf, const struct ike_key_inputs *in,
		 struct ike_span g_ir, uint8_t *skeyseed);

/* Rekeyed IKE SA: SKEYSEED = prf_old(SK_d(old), g^ir(new) | Ni | Nr) (RFC 7296 2.18; the
 * old SA's PRF because the exchange belongs to the old SA). */
int ike_skeyseed_rekey(const struct ike_prf_alg *old_prf, const uint8_t *old_sk_d,
		       const struct ike_key_inputs *in, struct ike_span g_ir, uint8_t *skeyseed);

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr).
 * For AEAD SK_ei/SK_er each carry the salt after the key. */
int ike_derive_sa_keys(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
		       const struct ike_integ_alg *integ, const uint8_t *skeyseed,
		       const struct ike_key_inputs *in, struct ike_sa_keys *keys);

/* SKEYSEED and the seven keys in one step, SKEYSEED wiped. */
int ike_derive_ike_sa(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
		      const struct ike_integ_alg *integ, const struct ike_key_inputs *in,
		      struct ike_span g_ir, struct ike_sa_keys *keys);

/* ---- CHILD_SA keys (RFC 7296 2.17) ---- */

struct ike_child_dir_keys {
	uint8_t encr[IKE_MAX_ENCR_KEY];
	uint8_t salt[IKE_MAX_SALT]; /* AES-GCM: the 4 salt octets of RFC 4106 */
	uint8_t integ[IKE_MAX_INTEG_KEY];
};

struct ike_child_keys {
	uint8_t encr_len, salt_len, integ_len;
	struct ike_child_dir_keys i_to_r, r_to_i;
};

/* KEYMAT = prf+(SK_d, [g^ir(new)] | Ni | Nr); g_ir.len == 0 without PFS. Initiator-to-
 * responder keys come first, encryption before integrity. integ is NULL for AEAD. */
int ike_derive_child_keys(const struct ike_prf_alg *prf, const uint8_t *sk_d,
			  const struct ike_encr_alg *encr, const struct ike_integ_alg *integ,
			  struct ike_span g_ir, struct ike_span ni, struct ike_span nr,
			  struct ike_child_keys *keys);

/* Wipe key structs (OPENSSL_cleanse). */
void ike_sa_keys_wipe(struct ike_sa_keys *keys);
void ike_child_keys_wipe(struct ike_child_keys *keys);

/* ---- Diffie-Hellman ---- */

struct ike_dh;

/* A fresh key pair for the group. */
int ike_dh_new(uint16_t group, struct ike_dh **out);
/* A key pair from a known private value (big-endian scalar for MODP/ECP, raw 32 octets for
 * X25519): known-answer tests. MODP is not supported here (-EOPNOTSUPP). */
int ike_dh_new_from_private(uint16_t group, const uint8_t *priv, size_t len, struct ike_dh **out);
void ike_dh_free(struct ike_dh *dh);
const struct ike_dh_group *ike_dh_group_of(const struct ike_dh *dh);

/* Our public value in IKE's encoding (RFC 7296 3.4, RFC 5903 7, RFC 8031 2): MODP big-endian
 * padded to the prime's length, ECP x | y, X25519 the 32 raw octets. Returns the length. */
int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap);

/* The shared secret g^ir from the peer's public value, after validating it: wrong length,
 * MODP value <= 1 or >= p-1, ECP point not on the curve, X25519 all-zero result all give
 * -EINVAL (answer INVALID_SYNTAX / drop, RFC 7296 3.4 and RFC 8031 2.2). MODP and ECP
 * secrets are padded to the group's length. Returns the length. */
int ike_dh_compute(const struct ike_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *out,
		   size_t cap);

#endif
