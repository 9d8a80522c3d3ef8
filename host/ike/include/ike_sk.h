/* The Encrypted payload (SK, RFC 7296 3.14) and the Encrypted Fragment payload (SKF,
 * RFC 7383 2.5): AES-CBC with a truncated HMAC ICV, or AES-GCM-16 per RFC 5282 (8-octet
 * explicit IV, 4-octet salt from the key material, AAD = IKE header through the SK/SKF
 * payload header). */
#ifndef IKE_SK_H
#define IKE_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_crypto.h"
#include "ike_message.h"

/* One direction's keys. For AES-GCM the 8-octet IV is a per-key counter (uniqueness is all
 * RFC 5282 asks and a counter guarantees it); CBC IVs are random. */
struct ike_sk_key {
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ; /* NULL for AEAD */
	uint8_t encr_key[IKE_MAX_ENCR_KEY];
	uint8_t salt[IKE_MAX_SALT];
	uint8_t integ_key[IKE_MAX_INTEG_KEY];
	uint64_t next_iv;
};

/* The keys we send with (SK_ei/SK_ai as initiator) and the keys we receive with. */
int ike_sk_keys_from_sa(const struct ike_sa_keys *sa, const struct ike_encr_alg *encr,
			const struct ike_integ_alg *integ, bool initiator, struct ike_sk_key *send,
			struct ike_sk_key *recv);
void ike_sk_key_wipe(struct ike_sk_key *k);

/* Octets an SK payload adds around plain_len octets of inner payloads. */
size_t ike_sk_overhead(const struct ike_sk_key *k, size_t plain_len);

/* Appends an SK payload holding plain (an inner payload chain starting with first_type) to
 * a writer that already holds the header and any unencrypted payloads, finishes the
 * message (length) and seals it. Returns the message length. */
int ike_sk_encrypt(struct ike_writer *w, struct ike_sk_key *k, uint8_t first_type,
		   const uint8_t *plain, size_t plain_len);

/* The same with an SKF payload (first_type only in fragment 1). */
int ike_skf_encrypt(struct ike_writer *w, struct ike_sk_key *k, uint8_t first_type,
		    uint16_t fragment_number, uint16_t total_fragments, const uint8_t *plain,
		    size_t plain_len);

/* Verifies and decrypts the SK or SKF payload sk of the parsed message msg (msg_len octets).
 * The ICV is checked (constant time) before anything is decrypted. Returns the plaintext
 * length (padding removed): -EBADMSG for lengths that do not fit the transform,
 * -EKEYREJECTED for an integrity failure (drop silently, RFC 7296 2.21.1). */
int ike_sk_decrypt(const uint8_t *msg, size_t msg_len, const struct ike_payload *sk,
		   const struct ike_sk_key *k, uint8_t *out, size_t cap);

#endif
