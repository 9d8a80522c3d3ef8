/* Rekey collisions (RFC 7296 2.8.1, 2.8.2): both sides rekeyed the same SA at once; the lowest
 * of the four nonces decides which rekey survives. Shared by the CREATE_CHILD_SA initiator and
 * responder and the IKE_SA rekey; the state is the request's create_child_ctx. */
#ifndef ESPNICD_REKEY_COLLISION_H
#define ESPNICD_REKEY_COLLISION_H

#include <stdbool.h>

#include "ike_sa.h"

/* Nonces compare as octet strings (a prefix is lower). */
int nonce_cmp(struct ike_span a, struct ike_span b);
/* The peer's colliding exchange, summed up by its lower nonce (kept in cc). */
void collision_record_nonce(struct create_child_ctx *cc, struct ike_span ni, struct ike_span nr);
/* Whether our exchange (our nonce and the answer's) holds the lowest of the four nonces (its
 * SA is the redundant one, RFC 7296 2.8.1). */
bool collision_we_lose(const struct create_child_ctx *cc, struct ike_span nr);

#endif
