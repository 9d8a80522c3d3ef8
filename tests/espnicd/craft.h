/* craft.h: IKE_SA_INIT messages built by hand (the ike_ writer) for the tests that play a
 * peer, a forger or a flood against the daemon core (test_crafted.c, test_flood.c). */
#ifndef ESPNICD_TEST_CRAFT_H
#define ESPNICD_TEST_CRAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_message.h"

void craft_add_transform(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t bits);
/* Proposal number of AES-GCM-16-256, PRF-HMAC-SHA2-256, X25519 (espnicd's default). */
void craft_gcm_x25519(struct ike_proposal *p, uint8_t number);
/* An IKE_SA_INIT request (or response) with SPIs spi_i / spi_r: the proposals sa, a KE of
 * ke_group (a fresh key pair), a nonce; the COOKIE first if cookie_len > 0. Returns the
 * length. */
size_t craft_init(uint8_t *buf, size_t cap, const struct ike_sa_payload *sa, uint16_t ke_group,
		  bool response, const uint8_t *spi_i, const uint8_t *spi_r, const uint8_t *cookie,
		  size_t cookie_len);
/* A message of a header and one notify, no other payloads (an IKE_SA_INIT error answer). */
size_t craft_notify(uint8_t *buf, size_t cap, uint8_t exchange, uint8_t flags, const uint8_t *spi_i,
		    const uint8_t *spi_r, uint16_t type, const uint8_t *data, size_t len);
/* The datagram buf from from:port to to:port, received by the node at to. */
void craft_deliver(const char *from, uint16_t from_port, const char *to, uint16_t to_port,
		   const uint8_t *buf, size_t len);

#endif
