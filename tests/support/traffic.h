/* traffic.h: synthetic traffic and card set-up shared by the benchmark and
 * the cycle-level stream test: IPv4/UDP frames from the host, a card with N
 * outbound SAs (one SPD rule each) or N inbound SAs, and the ESP frames an
 * outbound SA makes of them, written in software (a test reference). */
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

/* The ESP frame a card with outbound SA sa sends for the host frame `frame`
 * (IPv4, tunnel mode, AES-GCM, no ESN, no UDP), written in software with
 * OpenSSL as a test reference: the host's Ethernet header; an outer IPv4
 * header from sa->local to sa->remote (TOS and DF copied, TTL 64, IP ID
 * ip_id); SPI, sequence number seq, the 64-bit sequence number as explicit
 * IV (RFC 4106), the inner packet, RFC 4303 default padding, the 16-byte ICV.
 * Returns the frame's length, or 0 when it does not fit cap, the frame is
 * not IPv4 or the SA is not one of those (CBC, transport, ESN, UDP). */
size_t traffic_esp_frame(uint8_t *out, size_t cap, const struct espnic_sa *sa, uint32_t seq,
			 uint16_t ip_id, const uint8_t *frame, size_t len);

#endif
