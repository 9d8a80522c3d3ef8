/* traffic.h: synthetic traffic and card set-up shared by the benchmark and
 * the cycle-level stream test: IPv4/UDP frames from the host, and a card
 * with N outbound SAs (one SPD rule each) or N inbound SAs. */
#ifndef ESPNIC_TRAFFIC_H
#define ESPNIC_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espnic_card.h"

#define TRAFFIC_SPI_BASE 0x00010000u /* SA i has SPI base | i: low bits = index */

/* A host frame of `len` bytes (Ethernet header included) to inner host
 * `dst_index`, with a recognisable payload. Returns the length written. */
size_t traffic_frame(uint8_t *buf, size_t len, unsigned dst_index, uint32_t serial);

/* The SA of identity i (tunnel mode, SPI TRAFFIC_SPI_BASE | i, its keys),
 * outbound or inbound (a window of 1024), sequence number 0, no ESN. */
void traffic_sa(struct espnic_sa *sa, unsigned i, uint8_t alg, bool inbound);

/* Install n outbound SAs and n SPD rules (rule i: inner destination i -> SA
 * at index i, which carries the keys and SPI of SA identity i), or n inbound
 * SAs with the keys of identities 0..n-1. 0 or a negative errno. */
int traffic_setup_egress(const struct espnic_io *io, unsigned n, uint8_t alg);
int traffic_setup_ingress(const struct espnic_io *io, unsigned n, uint8_t alg);

#endif
