/* The IKE_SA index (sa_index.c): IKE_SAs found without walking the list, for every datagram
 * received; half-open counts in all and per source address. */
#ifndef ESPNICD_SA_INDEX_H
#define ESPNICD_SA_INDEX_H

#include <stdbool.h>

#include "ike_sa.h"

int sa_index_init(struct espnicd *d);
/* Into the table by our SPI (spi_i as initiator, spi_r as responder); again after the SPI
 * changes (sa_index_remove first). */
void sa_index_add(struct ike_sa *sa);
/* A responder SA into the table by the initiator's SPI and address (IKE_SA_INIT
 * retransmissions). */
void sa_index_add_peer(struct ike_sa *sa);
/* Out of both tables and the half-open count. */
void sa_index_remove(struct ike_sa *sa);
/* The chain (along spi_next) holding the SAs whose SPI of ours is spi; compare each. */
struct ike_sa *sa_index_by_spi(const struct espnicd *d, const uint8_t *spi);
/* The chain (along peer_next) holding the responder SAs of initiator SPI spi_i from
 * remote's address; compare each. */
struct ike_sa *sa_index_by_peer(const struct espnicd *d, const uint8_t *spi_i,
				const struct sockaddr_storage *remote);
/* sa enters or leaves IKE_SA_INIT_DONE (ike_sa_set_state). */
void sa_index_half_open(struct ike_sa *sa, bool enter);
/* Half-open SAs (IKE_SA_INIT_DONE), in all and those whose initiator has remote's address. */
unsigned half_open_count(const struct espnicd *d);
unsigned half_open_from(const struct espnicd *d, const struct sockaddr_storage *remote);

#endif
