/* Sending (transmit.c): one request in flight per IKE_SA with its retransmissions, the last
 * response cached for the peer's retransmissions, datagrams out through the io. */
#ifndef ESPNICD_TRANSMIT_H
#define ESPNICD_TRANSMIT_H

#include <stdint.h>

#include "ike_sa.h"
#include "message_out.h"

int send_request(struct ike_sa *sa, enum request_kind kind, uint8_t exchange,
		 struct message_out *m);
int send_response(struct ike_sa *sa, uint8_t exchange, uint32_t id, struct message_out *m);
void wire_send(struct ike_sa *sa, const struct wire_msg *w);
void send_raw(struct espnicd *d, const struct sockaddr_storage *local,
	      const struct sockaddr_storage *remote, const uint8_t *buf, size_t len);
/* Once the request's deadline passed (and its task did not act on it): sent again with a
 * longer timeout, or, after the tries, the peer is unreachable and the IKE_SA closed. */
void retransmit_check(struct ike_sa *sa, uint64_t now);
uint64_t retransmit_timeout(const struct espnicd_config *cfg, unsigned retransmits);

#endif
