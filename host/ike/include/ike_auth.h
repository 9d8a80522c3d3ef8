/* AUTH payload data for shared keys (RFC 7296 2.15) and the signed octets every method signs.
 * Signature methods (RFC 7427 certificates) will build on ike_auth_signed_octets. */
#ifndef IKE_AUTH_H
#define IKE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "ike_crypto.h"

/* <SignedOctets> = RealMessage | Nonce(peer) | prf(SK_p, ID'), where RealMessage is our own
 * first message (IKE_SA_INIT as sent), the nonce is the other side's, SK_p is SK_pi for the
 * initiator and SK_pr for the responder, and ID' is the IDi/IDr payload body (ID type,
 * reserved octets, data). Writes into out, returns the length. */
int ike_auth_signed_octets(const struct ike_prf_alg *prf, const uint8_t *sk_p,
			   struct ike_span real_message, struct ike_span nonce,
			   struct ike_span id_body, uint8_t *out, size_t cap);

/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>); out gets
 * prf->out_len octets. The same computation serves EAP with the MSK as the secret. */
int ike_auth_psk(const struct ike_prf_alg *prf, const uint8_t *secret, size_t secret_len,
		 struct ike_span signed_octets, uint8_t *out);

/* Recomputes the peer's AUTH and compares in constant time: 0 if it matches,
 * -EKEYREJECTED if not (AUTHENTICATION_FAILED), other negative errno on errors. */
int ike_auth_psk_verify(const struct ike_prf_alg *prf, const uint8_t *secret, size_t secret_len,
			struct ike_span signed_octets, struct ike_span auth);

#endif
