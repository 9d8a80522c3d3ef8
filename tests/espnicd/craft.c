/* craft.c: hand-built IKE_SA_INIT messages and their delivery into the harness, for the
 * tests that play a peer, a forger or a flood. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "craft.h"
#include "harness.h"
#include "ike_crypto.h"
#include "ike_types.h"

void craft_add_transform(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t bits)
{
	p->transforms[p->transform_count++] =
	    (struct ike_transform){.type = type, .id = id, .key_length = bits};
}

void craft_gcm_x25519(struct ike_proposal *p, uint8_t number)
{
	memset(p, 0, sizeof(*p));
	p->number = number;
	p->protocol = IKE_PROTO_IKE;
	craft_add_transform(p, IKE_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 256);
	craft_add_transform(p, IKE_TRANSFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0);
	craft_add_transform(p, IKE_TRANSFORM_DH, IKE_DH_CURVE25519, 0);
}

static void header(struct ike_writer *w, uint8_t exchange, uint8_t flags, const uint8_t *spi_i,
		   const uint8_t *spi_r)
{
	struct ike_header h = {.major_version = 2, .exchange_type = exchange, .flags = flags};

	memcpy(h.spi_i, spi_i, 8);
	memcpy(h.spi_r, spi_r, 8);
	ike_writer_header(w, &h);
}

static void notify(struct ike_writer *w, uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_payload p;

	memset(&p, 0, sizeof(p));
	p.type = IKE_PAYLOAD_NOTIFY;
	p.u.notify.type = type;
	p.u.notify.data = (struct ike_span){data, len};
	ike_writer_payload(w, &p);
}

size_t craft_init(uint8_t *buf, size_t cap, const struct ike_sa_payload *sa, uint16_t ke_group,
		  bool response, const uint8_t *spi_i, const uint8_t *spi_r, const uint8_t *cookie,
		  size_t cookie_len)
{
	struct ike_payload p;
	struct ike_writer w;
	struct ike_dh *dh = NULL;
	uint8_t ke[IKE_MAX_DH_PUBLIC], nonce[32];
	int ke_len;

	memset(nonce, 0x5a, sizeof(nonce));
	assert_int_equal(ike_dh_new(ke_group, &dh), 0);
	ke_len = ike_dh_public(dh, ke, sizeof(ke));
	ike_dh_free(dh);
	ike_writer_init(&w, buf, cap);
	header(&w, IKE_EXCHANGE_IKE_SA_INIT, response ? IKE_FLAG_RESPONSE : IKE_FLAG_INITIATOR,
	       spi_i, spi_r);
	if (cookie_len > 0)
		notify(&w, IKE_N_COOKIE, cookie, cookie_len);
	memset(&p, 0, sizeof(p));
	p.type = IKE_PAYLOAD_SA;
	p.u.sa = (struct ike_sa_payload *)sa;
	ike_writer_payload(&w, &p);
	memset(&p, 0, sizeof(p));
	p.type = IKE_PAYLOAD_KE;
	p.u.ke.group = ke_group;
	p.u.ke.data = (struct ike_span){ke, (size_t)ke_len};
	ike_writer_payload(&w, &p);
	memset(&p, 0, sizeof(p));
	p.type = IKE_PAYLOAD_NONCE;
	p.u.nonce = (struct ike_span){nonce, sizeof(nonce)};
	ike_writer_payload(&w, &p);
	return (size_t)ike_writer_finish(&w);
}

size_t craft_notify(uint8_t *buf, size_t cap, uint8_t exchange, uint8_t flags, const uint8_t *spi_i,
		    const uint8_t *spi_r, uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_writer w;

	ike_writer_init(&w, buf, cap);
	header(&w, exchange, flags, spi_i, spi_r);
	notify(&w, type, data, len);
	return (size_t)ike_writer_finish(&w);
}

void craft_deliver(const char *from, uint16_t from_port, const char *to, uint16_t to_port,
		   const uint8_t *buf, size_t len)
{
	struct h_packet p;

	memset(&p, 0, sizeof(p));
	h_parse_addr(from, from_port, &p.from);
	h_parse_addr(to, to_port, &p.to);
	memcpy(p.data, buf, len);
	p.len = len;
	h_deliver(&p);
}
