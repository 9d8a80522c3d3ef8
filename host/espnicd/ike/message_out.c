/* Building outgoing messages: payloads collected in order (their data in a small arena),
 * then serialized with the ike_ writer and, after IKE_SA_INIT, sealed in an SK payload. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_sa.h"
#include "message_out.h"
#include "util.h"

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

/* The inner payload chain of an encrypted message. */
static int encode_plain(struct message_out *m, uint8_t *plain, size_t cap, uint8_t *first)
{
	struct ike_writer inner;
	int ret;

	ike_writer_init(&inner, plain, cap);
	for (size_t i = 0; i < m->count; i++)
		ike_writer_payload(&inner, &m->payloads[i]);
	ret = ike_writer_finish(&inner);
	*first = ike_writer_first_type(&inner);
	return ret < 0 ? ret : (int)inner.len;
}

static void make_header(struct ike_sa *sa, uint8_t exchange, bool response, uint32_t message_id,
			struct ike_header *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->major_version = IKE_MAJOR_VERSION;
	hdr->minor_version = IKE_MINOR_VERSION;
	hdr->exchange_type = exchange;
	hdr->flags = (uint8_t)((sa->initiator ? IKE_FLAG_INITIATOR : 0) |
			       (response ? IKE_FLAG_RESPONSE : 0));
	hdr->message_id = message_id;
	memcpy(hdr->spi_i, sa->spi_i, IKE_SPI_LEN);
	memcpy(hdr->spi_r, sa->spi_r, IKE_SPI_LEN);
}

int message_out_encode(struct ike_sa *sa, struct message_out *m, uint8_t exchange, bool response,
		       uint32_t message_id, uint8_t *buf, size_t cap)
{
	struct ike_header hdr;
	struct ike_writer w;
	uint8_t plain[MAX_MESSAGE], first = 0;
	int ret;

	if (m->err)
		return m->err;
	make_header(sa, exchange, response, message_id, &hdr);
	ike_writer_init(&w, buf, cap);
	ike_writer_header(&w, &hdr);
	if (exchange == IKE_EXCHANGE_IKE_SA_INIT) {
		for (size_t i = 0; i < m->count; i++)
			ike_writer_payload(&w, &m->payloads[i]);
		return ike_writer_finish(&w);
	}
	ret = encode_plain(m, plain, sizeof(plain), &first);
	if (ret >= 0) {
		size_t len = (size_t)ret;

		ret = ike_sk_encrypt(&w, &sa->sk_send, first, plain, len);
		OPENSSL_cleanse(plain, len);
	}
	return ret;
}

/* The largest IKE message (fragment) that fits fragment_size once IP, UDP and, on the NAT-T
 * port, the non-ESP marker are added. */
static size_t fragment_room(const struct ike_sa *sa)
{
	size_t overhead = (sa->local.ss_family == AF_INET6 ? 40 : 20) + 8;

	if (sockaddr_port(&sa->local) == sa->d->cfg->natt_port)
		overhead += IKE_NON_ESP_MARKER_LEN;
	return sa->peer.fragment_size > overhead ? sa->peer.fragment_size - overhead : 0;
}

void wire_free(struct wire_msg *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/* The datagrams encoded in scratch (count of them, back to back) into an allocation of their
 * own length, their lengths after them. */
static int wire_keep(struct wire_msg *out, const uint8_t *scratch, const size_t *lens,
		     unsigned count)
{
	size_t len = 0, at;

	for (unsigned i = 0; i < count; i++)
		len += lens[i];
	at = (len + 1) & ~(size_t)1; /* the lengths aligned */
	out->buf = malloc(at + count * sizeof(uint16_t));
	if (out->buf == NULL)
		return -ENOMEM;
	memcpy(out->buf, scratch, len);
	out->lens = (uint16_t *)(void *)(out->buf + at);
	for (unsigned i = 0; i < count; i++)
		out->lens[i] = (uint16_t)lens[i];
	out->len = len;
	out->count = count;
	return (int)len;
}

int message_out_encode_wire(struct ike_sa *sa, struct message_out *m, uint8_t exchange,
			    bool response, uint32_t message_id, struct wire_msg *out)
{
	uint8_t *scratch = sa->d->tx_scratch;
	const size_t cap = sizeof(sa->d->tx_scratch);
	size_t room = fragment_room(sa), off[IKE_FRAG_MAX_FRAGMENTS], lens[IKE_FRAG_MAX_FRAGMENTS];
	int len, n = 1;

	memset(out, 0, sizeof(*out));
	len = message_out_encode(sa, m, exchange, response, message_id, scratch, MAX_MESSAGE);
	if (len < 0)
		return len;
	lens[0] = (size_t)len;
	if (exchange != IKE_EXCHANGE_IKE_SA_INIT && sa->frag && (size_t)len > room) {
		/* RFC 7383 2.5: the same inner payloads as SKF fragments instead. */
		uint8_t plain[MAX_MESSAGE], first = 0;
		struct ike_header hdr;

		n = encode_plain(m, plain, sizeof(plain), &first);
		make_header(sa, exchange, response, message_id, &hdr);
		if (n >= 0)
			n = ike_frag_split(&hdr, &sa->sk_send, first, plain, (size_t)n, room,
					   scratch, cap, off, lens, IKE_FRAG_MAX_FRAGMENTS);
		OPENSSL_cleanse(plain, sizeof(plain));
		if (n < 0)
			return n;
	}
	return wire_keep(out, scratch, lens, (unsigned)n);
}
