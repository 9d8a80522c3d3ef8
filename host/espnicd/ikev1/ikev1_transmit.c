/* IKEv1 messages out of an ISAKMP SA: the header from its cookies, cleartext and encrypted
 * bodies, the last datagram kept for retransmission (v1_send), the decryption of what comes
 * in, and the protected informational exchange (HASH(1), RFC 2409 5.7). */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1_internal.h"
#include "log.h"

void v1_send(struct ike_sa *sa, const uint8_t *buf, size_t len, bool awaiting)
{
	struct ikev1_sa *v = sa->v1;

	if (buf != v->out)
		memcpy(v->out, buf, len);
	v->out_len = len;
	v->awaiting = awaiting;
	v->retransmits = 0;
	v->deadline = now_ms(sa->d) + retransmit_timeout(sa->d->cfg, 0);
	send_raw(sa->d, &sa->local, &sa->remote, v->out, len);
}

static struct ike_header cookie_header(const uint8_t *spi_i, const uint8_t *spi_r, uint8_t exchange,
				       uint32_t msgid)
{
	struct ike_header h = {.major_version = IKEV1_MAJOR_VERSION,
			       .minor_version = IKEV1_MINOR_VERSION,
			       .exchange_type = exchange,
			       .message_id = msgid};

	memcpy(h.spi_i, spi_i, IKEV1_COOKIE_LEN);
	memcpy(h.spi_r, spi_r, IKEV1_COOKIE_LEN);
	return h;
}

static struct ike_header v1_header(const struct ike_sa *sa, uint8_t exchange, uint32_t msgid)
{
	return cookie_header(sa->spi_i, sa->spi_r, exchange, msgid);
}

int v1_clear(struct ike_sa *sa, uint8_t exchange, const struct ikev1_payload *p, size_t n,
	     uint8_t *out, size_t cap)
{
	return v1_clear_cookies(sa->spi_i, sa->spi_r, exchange, p, n, out, cap);
}

int v1_clear_cookies(const uint8_t *spi_i, const uint8_t *spi_r, uint8_t exchange,
		     const struct ikev1_payload *p, size_t n, uint8_t *out, size_t cap)
{
	struct ike_header h = cookie_header(spi_i, spi_r, exchange, 0);
	struct ike_writer w;

	ike_writer_init(&w, out, cap);
	ike_writer_header(&w, &h);
	for (size_t i = 0; i < n; i++)
		ikev1_writer_payload(&w, &p[i]);
	return ike_writer_finish(&w);
}

int v1_seal(struct ike_sa *sa, uint8_t exchange, uint32_t msgid, struct ikev1_iv *iv, uint8_t first,
	    const uint8_t *plain, size_t plain_len, uint8_t *out, size_t cap)
{
	struct ike_header h = v1_header(sa, exchange, msgid);
	struct ike_writer w;

	ike_writer_init(&w, out, cap);
	ike_writer_header(&w, &h);
	return ikev1_encrypt(&w, sa->v1->suite.encr, sa->v1->keys.encr_key, iv, first, plain,
			     plain_len);
}

int v1_open(struct ike_sa *sa, struct ikev1_message *msg, const struct ikev1_iv *iv,
	    struct ikev1_iv *next, uint8_t *plain, size_t cap)
{
	int n;

	if (!(msg->header.flags & IKEV1_FLAG_ENCRYPTION))
		return -EBADMSG;
	n = ikev1_decrypt(msg, sa->v1->suite.encr, sa->v1->keys.encr_key, iv, next, plain, cap);
	if (n < 0)
		return n;
	return ikev1_message_parse_decrypted(msg, plain, (size_t)n);
}

/* A plaintext chain of payloads into buf; returns its length. */
int v1_chain(const struct ikev1_payload *p, size_t n, uint8_t *buf, size_t cap)
{
	struct ike_writer w;

	ike_writer_init(&w, buf, cap);
	for (size_t i = 0; i < n; i++)
		ikev1_writer_payload(&w, &p[i]);
	return ike_writer_finish(&w);
}

static int info_send(struct ike_sa *sa, const struct ikev1_payload *p, bool kept)
{
	struct ikev1_payload pl[2] = {{.type = IKEV1_PAYLOAD_HASH}, *p};
	uint8_t zeros[IKE_MAX_PRF_LEN] = {0}, plain[1024], out[1200];
	const struct ike_prf_alg *prf = sa->v1->suite.prf;
	struct ikev1_iv iv;
	uint32_t msgid = 0;
	int n, len;

	while (msgid == 0)
		random_bytes((uint8_t *)&msgid, sizeof(msgid));
	pl[0].u.hash = sp(zeros, prf->out_len);
	n = v1_chain(pl, 2, plain, sizeof(plain));
	if (n < 0)
		return n;
	/* HASH(1) = prf(SKEYID_a, M-ID | N/D) */
	if (ikev1_hash_msgid(prf, sa->v1->keys.skeyid_a, msgid, sp(NULL, 0),
			     sp(plain + IKE_GENERIC_HEADER_LEN + prf->out_len,
				(size_t)n - IKE_GENERIC_HEADER_LEN - prf->out_len),
			     plain + IKE_GENERIC_HEADER_LEN) < 0 ||
	    ikev1_iv_exchange(prf, &sa->v1->iv, msgid, &iv) < 0)
		return -EINVAL;
	len = v1_seal(sa, IKEV1_EXCHANGE_INFORMATIONAL, msgid, &iv, IKEV1_PAYLOAD_HASH, plain,
		      (size_t)n, out, sizeof(out));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (len < 0)
		return len;
	if (kept)
		v1_send(sa, out, (size_t)len, false);
	else /* not acknowledged: sent once, outside the retransmitted slot */
		send_raw(sa->d, &sa->local, &sa->remote, out, (size_t)len);
	return 0;
}

int v1_send_info(struct ike_sa *sa, const struct ikev1_payload *p)
{
	return info_send(sa, p, false);
}

int v1_send_info_kept(struct ike_sa *sa, const struct ikev1_payload *p)
{
	return info_send(sa, p, true);
}

struct ikev1_payload v1_notify(uint8_t protocol, struct ike_span spi, uint16_t type,
			       struct ike_span data)
{
	struct ikev1_payload p = {.type = IKEV1_PAYLOAD_NOTIFY};

	p.u.notify.doi = IKEV1_DOI_IPSEC;
	p.u.notify.protocol = protocol;
	p.u.notify.spi_size = (uint8_t)spi.len;
	p.u.notify.spi = spi;
	p.u.notify.type = type;
	p.u.notify.data = data;
	return p;
}

void v1_send_notify_clear(struct ike_sa *sa, uint16_t type)
{
	v1_send_notify_cookies(sa->d, &sa->local, &sa->remote, sa->spi_i, sa->spi_r, type);
}

void v1_send_notify_cookies(struct espnicd *d, const struct sockaddr_storage *local,
			    const struct sockaddr_storage *remote, const uint8_t *spi_i,
			    const uint8_t *spi_r, uint16_t type)
{
	struct ikev1_payload p = v1_notify(IKEV1_PROTO_ISAKMP, sp(NULL, 0), type, sp(NULL, 0));
	uint8_t out[256];
	int len =
	    v1_clear_cookies(spi_i, spi_r, IKEV1_EXCHANGE_INFORMATIONAL, &p, 1, out, sizeof(out));

	if (len > 0)
		send_raw(d, local, remote, out, (size_t)len);
}
