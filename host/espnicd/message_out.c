/* Building outgoing messages: payloads collected in order (their data in a small arena),
 * then serialized with the ike_ writer and, after IKE_SA_INIT, sealed in an SK payload. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_sa.h"

void message_out_init(struct message_out *m)
{
	m->count = 0;
	m->used = 0;
	m->err = 0;
}

uint8_t *message_out_alloc(struct message_out *m, size_t len)
{
	uint8_t *p;

	if (len > sizeof(m->arena) - m->used) {
		m->err = -ENOSPC;
		return NULL;
	}
	p = m->arena + m->used;
	m->used += len;
	return p;
}

struct ike_payload *message_out_add(struct message_out *m, uint8_t type)
{
	struct ike_payload *p;

	if (m->count == IKE_MAX_PAYLOADS) {
		m->err = -E2BIG;
		return NULL;
	}
	p = &m->payloads[m->count++];
	memset(p, 0, sizeof(*p));
	p->type = type;
	return p;
}

void message_out_notify(struct message_out *m, uint16_t type, uint8_t protocol, const uint8_t *spi,
			size_t spi_len, const uint8_t *data, size_t len)
{
	struct ike_payload *p = message_out_add(m, IKE_PAYLOAD_NOTIFY);
	uint8_t *s = spi_len ? message_out_alloc(m, spi_len) : NULL;
	uint8_t *v = len ? message_out_alloc(m, len) : NULL;

	if (p == NULL || (spi_len && s == NULL) || (len && v == NULL))
		return;
	if (spi_len)
		memcpy(s, spi, spi_len);
	if (len)
		memcpy(v, data, len);
	p->u.notify.type = type;
	p->u.notify.protocol = protocol;
	p->u.notify.spi_size = (uint8_t)spi_len;
	p->u.notify.spi = (struct ike_span){s, spi_len};
	p->u.notify.data = (struct ike_span){v, len};
}

int message_out_encode(struct ike_sa *sa, struct message_out *m, uint8_t exchange, bool response,
		       uint32_t message_id, uint8_t *buf, size_t cap)
{
	struct ike_header hdr = {
	    .major_version = IKE_MAJOR_VERSION,
	    .minor_version = IKE_MINOR_VERSION,
	    .exchange_type = exchange,
	    .flags = (uint8_t)((sa->initiator ? IKE_FLAG_INITIATOR : 0) |
			       (response ? IKE_FLAG_RESPONSE : 0)),
	    .message_id = message_id,
	};
	struct ike_writer w;
	int ret;

	if (m->err)
		return m->err;
	memcpy(hdr.spi_i, sa->spi_i, IKE_SPI_LEN);
	memcpy(hdr.spi_r, sa->spi_r, IKE_SPI_LEN);
	ike_writer_init(&w, buf, cap);
	ike_writer_header(&w, &hdr);
	if (exchange == IKE_EXCHANGE_IKE_SA_INIT) {
		for (size_t i = 0; i < m->count; i++)
			ike_writer_payload(&w, &m->payloads[i]);
		return ike_writer_finish(&w);
	}
	uint8_t plain[MAX_MESSAGE];
	struct ike_writer inner;

	ike_writer_init(&inner, plain, sizeof(plain));
	for (size_t i = 0; i < m->count; i++)
		ike_writer_payload(&inner, &m->payloads[i]);
	ret = ike_writer_finish(&inner);
	if (ret >= 0)
		ret = ike_sk_encrypt(&w, &sa->sk_send, ike_writer_first_type(&inner), plain,
				     inner.len);
	OPENSSL_cleanse(plain, inner.len);
	return ret;
}
