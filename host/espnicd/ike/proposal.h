/* Proposals (proposal.c): ours from the configuration, the choice from the peer's offer, the
 * strict check of the answer to ours. */
#ifndef ESPNICD_PROPOSAL_H
#define ESPNICD_PROPOSAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ike_sa.h"

void proposal_build(const struct cfg_proposal *cp, unsigned count, uint8_t protocol,
		    const uint8_t *spi, uint8_t spi_len, uint16_t dh_first,
		    struct ike_sa_payload *out);
/* Picks from the peer's offer; returns 0 or -ENOENT (NO_PROPOSAL_CHOSEN). */
int proposal_select(const struct ike_sa_payload *offer, const struct cfg_proposal *ours,
		    unsigned count, uint8_t protocol, uint8_t spi_len, bool want_dh,
		    struct selected_proposal *sel);
/* The responder's answer must be one proposal of exactly one transform per type we offered. */
int proposal_check_answer(const struct ike_sa_payload *answer, const struct cfg_proposal *ours,
			  unsigned count, uint8_t protocol, uint8_t spi_len, bool want_dh,
			  struct selected_proposal *sel);
void proposal_from_selected(const struct selected_proposal *sel, struct ike_sa_payload *out);
bool proposal_group_acceptable(const struct cfg_proposal *ours, unsigned count, uint16_t group);
/* A DH group's security strength in bits (0 for groups we do not know). */
unsigned dh_group_strength(uint16_t group);

#endif
