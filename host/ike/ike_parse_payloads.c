/* Decoders for the payloads other than SA (RFC 7296 3.4-3.14, RFC 7383 2.5). Each checks
 * the fixed part, then the variable part against what its type allows. */
#include <errno.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_parse_internal.h"

static struct ike_span tail(const struct ike_payload *p, size_t skip)
{
	struct ike_span s = {p->body.ptr + skip, p->body.len - skip};
	return s;
}

int ike_decode_ke(struct ike_payload *p)
{
	if (p->body.len < 5) /* group, reserved, at least one octet of public value */
		return -EBADMSG;
	p->u.ke.group = ike_get16(p->body.ptr);
	p->u.ke.data = tail(p, 4);
	return 0;
}

int ike_decode_id(struct ike_payload *p)
{
	struct ike_id_payload *id = &p->u.id;

	if (p->body.len < 5)
		return -EBADMSG;
	id->id_type = p->body.ptr[0];
	id->data = tail(p, 4);
	id->body = p->body;
	switch (id->id_type) {
	case IKE_ID_IPV4_ADDR:
		return id->data.len == 4 ? 0 : -EBADMSG;
	case IKE_ID_IPV6_ADDR:
		return id->data.len == 16 ? 0 : -EBADMSG;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		/* Text identities: an embedded NUL would let "a\0b" match "a" in C strings. */
		return memchr(id->data.ptr, 0, id->data.len) == NULL ? 0 : -EBADMSG;
	default:
		return 0; /* DNs and others are opaque here; the auth code compares them */
	}
}

int ike_decode_cert(struct ike_payload *p)
{
	if (p->body.len < 2)
		return -EBADMSG;
	p->u.cert.encoding = p->body.ptr[0];
	p->u.cert.data = tail(p, 1);
	return 0;
}

#define CERT_X509_SIGNATURE 4
#define SHA1_LEN	    20

int ike_decode_certreq(struct ike_payload *p)
{
	if (p->body.len < 1)
		return -EBADMSG;
	p->u.cert.encoding = p->body.ptr[0];
	p->u.cert.data = tail(p, 1);
	/* X.509 requests are a list of SHA-1 hashes of CA public keys (RFC 7296 3.7). */
	if (p->u.cert.encoding == CERT_X509_SIGNATURE && p->u.cert.data.len % SHA1_LEN != 0)
		return -EBADMSG;
	return 0;
}

int ike_decode_auth(struct ike_payload *p)
{
	if (p->body.len < 5)
		return -EBADMSG;
	p->u.auth.method = p->body.ptr[0];
	p->u.auth.data = tail(p, 4);
	return 0;
}

int ike_decode_nonce(struct ike_payload *p)
{
	if (p->body.len < IKE_NONCE_MIN_LEN || p->body.len > IKE_NONCE_MAX_LEN)
		return -EBADMSG;
	p->u.nonce = p->body;
	return 0;
}

/* Data length rules for the notifies a gateway acts on; others are passed through. */
struct notify_rule {
	uint16_t type;
	uint16_t min;
	uint16_t max;
	uint16_t multiple;
};

static const struct notify_rule notify_rules[] = {
    {IKE_N_INVALID_KE_PAYLOAD, 2, 2, 1},
    {IKE_N_COOKIE, 1, 64, 1},
    {IKE_N_NAT_DETECTION_SOURCE_IP, 20, 20, 1},
    {IKE_N_NAT_DETECTION_DESTINATION_IP, 20, 20, 1},
    {IKE_N_REKEY_SA, 0, 0, 1},
    {IKE_N_INITIAL_CONTACT, 0, 0, 1},
    {IKE_N_USE_TRANSPORT_MODE, 0, 0, 1},
    {IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED, 0, 0, 1},
    {IKE_N_NON_FIRST_FRAGMENTS_ALSO, 0, 0, 1},
    {IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, 0, 0, 1},
    {IKE_N_SIGNATURE_HASH_ALGORITHMS, 2, 512, 2},
    {IKE_N_SET_WINDOW_SIZE, 4, 4, 1},
    {IKE_N_NO_PROPOSAL_CHOSEN, 0, 0, 1},
    {IKE_N_AUTHENTICATION_FAILED, 0, 0, 1},
};

int ike_decode_notify(struct ike_payload *p)
{
	struct ike_notify_payload *n = &p->u.notify;
	size_t i;

	if (p->body.len < 4)
		return -EBADMSG;
	n->protocol = p->body.ptr[0];
	n->spi_size = p->body.ptr[1];
	n->type = ike_get16(p->body.ptr + 2);
	if (n->spi_size > IKE_MAX_SPI_LEN || n->spi_size > p->body.len - 4)
		return -EBADMSG;
	n->spi.ptr = p->body.ptr + 4;
	n->spi.len = n->spi_size;
	n->data = tail(p, 4 + (size_t)n->spi_size);
	if (n->type == IKE_N_REKEY_SA && n->spi_size != 4)
		return -EBADMSG;
	for (i = 0; i < sizeof(notify_rules) / sizeof(notify_rules[0]); i++) {
		const struct notify_rule *r = &notify_rules[i];

		if (r->type != n->type)
			continue;
		if (n->data.len < r->min || n->data.len > r->max || n->data.len % r->multiple)
			return -EBADMSG;
		break;
	}
	return 0;
}

int ike_decode_delete(struct ike_payload *p)
{
	struct ike_delete_payload *d = &p->u.del;

	if (p->body.len < 4)
		return -EBADMSG;
	d->protocol = p->body.ptr[0];
	d->spi_size = p->body.ptr[1];
	d->spi_count = ike_get16(p->body.ptr + 2);
	d->spis = tail(p, 4);
	switch (d->protocol) {
	case IKE_PROTO_IKE:
		/* The IKE SA is named by the header's SPIs (RFC 7296 3.11). */
		if (d->spi_size != 0 || d->spi_count != 0)
			return -EBADMSG;
		break;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		if (d->spi_size != 4 || d->spi_count == 0)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	return d->spis.len == (size_t)d->spi_count * d->spi_size ? 0 : -EBADMSG;
}

int ike_decode_vendor_id(struct ike_payload *p)
{
	if (p->body.len < 1)
		return -EBADMSG;
	p->u.vendor_id = p->body;
	return 0;
}

#define TS_IPV4_LEN 16
#define TS_IPV6_LEN 40

int ike_decode_ts(struct ike_payload *p, struct ike_ts_payload *tsp)
{
	const uint8_t *b = p->body.ptr;
	size_t len = p->body.len, pos = 4;
	unsigned count, i;

	memset(tsp, 0, sizeof(*tsp));
	if (len < 4)
		return -EBADMSG;
	count = b[0];
	if (count == 0)
		return -EBADMSG;
	if (count > IKE_MAX_TS)
		return -E2BIG;
	for (i = 0; i < count; i++) {
		struct ike_ts *ts = &tsp->ts[i];
		size_t tslen, alen;

		if (len - pos < 8)
			return -EBADMSG;
		ts->type = b[pos];
		ts->ip_protocol = b[pos + 1];
		tslen = ike_get16(b + pos + 2);
		ts->start_port = ike_get16(b + pos + 4);
		ts->end_port = ike_get16(b + pos + 6);
		if (ts->type == IKE_TS_IPV4_ADDR_RANGE && tslen == TS_IPV4_LEN)
			alen = 4;
		else if (ts->type == IKE_TS_IPV6_ADDR_RANGE && tslen == TS_IPV6_LEN)
			alen = 16;
		else
			return -EBADMSG;
		if (tslen > len - pos)
			return -EBADMSG;
		memcpy(ts->start_addr, b + pos + 8, alen);
		memcpy(ts->end_addr, b + pos + 8 + alen, alen);
		pos += tslen;
	}
	if (pos != len)
		return -EBADMSG;
	tsp->count = (uint8_t)count;
	p->u.ts = tsp;
	return 0;
}

int ike_decode_sk(struct ike_payload *p)
{
	/* Lengths against the negotiated IV and ICV are checked at decryption. */
	if (p->body.len < 1)
		return -EBADMSG;
	p->u.sk.fragment_number = 0;
	p->u.sk.total_fragments = 0;
	p->u.sk.data = p->body;
	return 0;
}

int ike_decode_skf(struct ike_payload *p)
{
	struct ike_sk_payload *sk = &p->u.sk;

	if (p->body.len < 5)
		return -EBADMSG;
	sk->fragment_number = ike_get16(p->body.ptr);
	sk->total_fragments = ike_get16(p->body.ptr + 2);
	sk->data = tail(p, 4);
	if (sk->fragment_number == 0 || sk->fragment_number > sk->total_fragments)
		return -EBADMSG;
	/* Only the first fragment names the first inner payload (RFC 7383 2.5). */
	if (sk->fragment_number != 1 && p->next_payload != IKE_PAYLOAD_NONE)
		return -EBADMSG;
	return 0;
}
