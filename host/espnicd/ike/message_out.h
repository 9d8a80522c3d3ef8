/* Building outgoing messages (message_out.c): payloads collected in order, their data in an
 * arena, then encoded (and for everything but IKE_SA_INIT encrypted), whole or in SKF
 * fragments. */
#ifndef ESPNICD_MESSAGE_OUT_H
#define ESPNICD_MESSAGE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_sa.h"

struct message_out {
	struct ike_payload payloads[IKE_MAX_PAYLOADS];
	size_t count;
	uint8_t arena[MAX_MESSAGE];
	size_t used;
	struct ike_sa_payload sa;
	struct ike_ts_payload ts[2];
	int err;
};

void message_out_init(struct message_out *m);
uint8_t *message_out_alloc(struct message_out *m, size_t len);
struct ike_payload *message_out_add(struct message_out *m, uint8_t type);
void message_out_notify(struct message_out *m, uint16_t type, uint8_t protocol, const uint8_t *spi,
			size_t spi_len, const uint8_t *data, size_t len);
/* Serializes (and for everything but IKE_SA_INIT encrypts) into buf; returns the length. */
int message_out_encode(struct ike_sa *sa, struct message_out *m, uint8_t exchange, bool response,
		       uint32_t message_id, uint8_t *buf, size_t cap);

/* Encodes m for sa; encrypted messages larger than the peer's fragment size are split into
 * SKF fragments when fragmentation was negotiated. */
int message_out_encode_wire(struct ike_sa *sa, struct message_out *m, uint8_t exchange,
			    bool response, uint32_t message_id, struct wire_msg *out);
/* Frees the datagrams of an encoded message (and forgets them). */
void wire_free(struct wire_msg *w);

#endif
