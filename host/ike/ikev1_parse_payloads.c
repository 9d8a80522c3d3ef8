/* Decoders for the IKEv1 payloads other than SA (RFC 2408 3.7-3.16, RFC 2407 4.6.2-4.6.3,
 * RFC 3706, RFC 3947 3.2 and 5). Each checks the fixed part, then the variable part against
 * what its type allows. */
#include <errno.h>
#include <string.h>

#include "ike_bytes.h"
#include "ikev1_parse_internal.h"

#define DER_SEQUENCE	   0x30
#define MAX_SIG_LEN	   1024 /* RSA 8192 */
#define CERT_ENCODING_LAST 10	/* X.509 attribute certificate (RFC 2408 3.9) */

static struct ike_span tail(const struct ikev1_payload *p, size_t skip)
{
	struct ike_span s = {p->body.ptr + skip, p->body.len - skip};
	return s;
}

static int nonempty(const struct ikev1_payload *p, struct ike_span *out)
{
	if (p->body.len < 1)
		return -EBADMSG;
	*out = p->body;
	return 0;
}

int ikev1_decode_ke(struct ikev1_payload *p, uint16_t *notify)
{
	*notify = IKEV1_N_INVALID_KEY_INFORMATION;
	/* The length against the negotiated group is the DH code's check. */
	return nonempty(p, &p->u.ke);
}

/* The hash lengths of the PRFs this library negotiates (SHA-1, SHA2-256/384/512). */
static bool hash_length_ok(size_t len)
{
	return len == 20 || len == 32 || len == 48 || len == 64;
}

int ikev1_decode_hash(struct ikev1_payload *p, uint16_t *notify)
{
	*notify = IKEV1_N_INVALID_HASH_INFORMATION;
	p->u.hash = p->body;
	return hash_length_ok(p->body.len) ? 0 : -EBADMSG;
}

int ikev1_decode_nat_d(struct ikev1_payload *p, uint16_t *notify)
{
	(void)notify;
	p->u.nat_d = p->body;
	return hash_length_ok(p->body.len) ? 0 : -EBADMSG;
}

int ikev1_decode_sig(struct ikev1_payload *p, uint16_t *notify)
{
	*notify = IKEV1_N_INVALID_SIGNATURE;
	if (p->body.len > MAX_SIG_LEN)
		return -EBADMSG;
	return nonempty(p, &p->u.sig);
}

int ikev1_decode_nonce(struct ikev1_payload *p, uint16_t *notify)
{
	(void)notify;
	if (p->body.len < IKEV1_NONCE_MIN_LEN || p->body.len > IKEV1_NONCE_MAX_LEN)
		return -EBADMSG;
	p->u.nonce = p->body;
	return 0;
}

int ikev1_decode_vendor_id(struct ikev1_payload *p, uint16_t *notify)
{
	(void)notify;
	return nonempty(p, &p->u.vendor_id);
}

/* ---- ID ---- */

/* A mask of ones followed by zeros; returns the prefix length or -1. */
static int mask_prefix(const uint8_t *mask, size_t len)
{
	size_t i;
	int prefix = 0;
	bool zeros = false;

	for (i = 0; i < len * 8; i++) {
		bool bit = (mask[i / 8] >> (7 - i % 8)) & 1;

		if (bit && zeros)
			return -1;
		if (bit)
			prefix++;
		else
			zeros = true;
	}
	return prefix;
}

static int decode_address(struct ikev1_id_payload *id, size_t alen, int form)
{
	const uint8_t *d = id->data.ptr;
	size_t i;
	int prefix;

	id->addr_len = (uint8_t)alen;
	switch (form) {
	case 0: /* one address */
		if (id->data.len != alen)
			return -EBADMSG;
		memcpy(id->start, d, alen);
		memcpy(id->end, d, alen);
		id->prefix_len = (uint8_t)(8 * alen);
		return 0;
	case 1: /* address and mask */
		if (id->data.len != 2 * alen || (prefix = mask_prefix(d + alen, alen)) < 0)
			return -EBADMSG;
		for (i = 0; i < alen; i++) {
			id->start[i] = d[i] & d[alen + i];
			id->end[i] = (uint8_t)(d[i] | ~d[alen + i]);
		}
		id->prefix_len = (uint8_t)prefix;
		return 0;
	default: /* first and last address */
		if (id->data.len != 2 * alen || memcmp(d, d + alen, alen) > 0)
			return -EBADMSG;
		memcpy(id->start, d, alen);
		memcpy(id->end, d + alen, alen);
		return 0;
	}
}

int ikev1_decode_id(struct ikev1_payload *p, uint16_t *notify)
{
	struct ikev1_id_payload *id = &p->u.id;

	*notify = IKEV1_N_INVALID_ID_INFORMATION;
	if (p->body.len < 5)
		return -EBADMSG;
	id->id_type = p->body.ptr[0];
	id->protocol = p->body.ptr[1];
	id->port = ike_get16(p->body.ptr + 2);
	id->data = tail(p, 4);
	id->body = p->body;
	switch (id->id_type) {
	case IKEV1_ID_IPV4_ADDR:
		return decode_address(id, 4, 0);
	case IKEV1_ID_IPV4_ADDR_SUBNET:
		return decode_address(id, 4, 1);
	case IKEV1_ID_IPV4_ADDR_RANGE:
		return decode_address(id, 4, 2);
	case IKEV1_ID_IPV6_ADDR:
		return decode_address(id, 16, 0);
	case IKEV1_ID_IPV6_ADDR_SUBNET:
		return decode_address(id, 16, 1);
	case IKEV1_ID_IPV6_ADDR_RANGE:
		return decode_address(id, 16, 2);
	case IKEV1_ID_FQDN:
	case IKEV1_ID_USER_FQDN:
		/* Text identities: an embedded NUL would let "a\0b" match "a" in C strings. */
		return memchr(id->data.ptr, 0, id->data.len) == NULL ? 0 : -EBADMSG;
	case IKEV1_ID_DER_ASN1_DN:
		/* A DN is a DER SEQUENCE; its contents are the certificate code's to compare. */
		return id->data.ptr[0] == DER_SEQUENCE ? 0 : -EBADMSG;
	case IKEV1_ID_DER_ASN1_GN:
	case IKEV1_ID_KEY_ID:
		return 0;
	default:
		return -EBADMSG;
	}
}

/* ---- CERT, CERTREQ ---- */

static int decode_cert(struct ikev1_payload *p, uint16_t *notify, size_t min_data)
{
	*notify = IKEV1_N_INVALID_CERT_ENCODING;
	if (p->body.len < 1 + min_data)
		return -EBADMSG;
	p->u.cert.encoding = p->body.ptr[0];
	p->u.cert.data = tail(p, 1);
	return p->u.cert.encoding >= 1 && p->u.cert.encoding <= CERT_ENCODING_LAST ? 0 : -EBADMSG;
}

int ikev1_decode_cert(struct ikev1_payload *p, uint16_t *notify)
{
	return decode_cert(p, notify, 1);
}

int ikev1_decode_certreq(struct ikev1_payload *p, uint16_t *notify)
{
	/* An empty authority asks for any certificate of that encoding (RFC 2408 3.10). */
	return decode_cert(p, notify, 0);
}

/* ---- NOTIFICATION, DELETE ---- */

/* Data and SPI rules for the notifies a gateway acts on; others pass through. */
struct notify_rule {
	uint16_t type;
	uint8_t spi_size; /* required; 0xff: any allowed size */
	uint16_t min, max;
};

#define ANY_SPI 0xff

static const struct notify_rule notify_rules[] = {
    /* The ISAKMP SA is named by both cookies (RFC 3706 5, RFC 2407 4.6.3.3). */
    {IKEV1_N_DPD_R_U_THERE, 2 * IKEV1_COOKIE_LEN, 4, 4},
    {IKEV1_N_DPD_R_U_THERE_ACK, 2 * IKEV1_COOKIE_LEN, 4, 4},
    {IKEV1_N_INITIAL_CONTACT, ANY_SPI, 0, 0},
    {IKEV1_N_REPLAY_STATUS, 4, 4, 4},
    /* SA attributes: at least one Life Type / Life Duration pair. */
    {IKEV1_N_RESPONDER_LIFETIME, ANY_SPI, 8, 64},
};

static bool spi_size_ok(uint8_t size)
{
	return size == 0 || size == 4 || size == 2 * IKEV1_COOKIE_LEN;
}

/* The DOI field: IPsec, or 0 for ISAKMP-level messages (RFC 2408 3.14, 3.15). */
static bool doi_ok(uint32_t doi)
{
	return doi == 0 || doi == IKEV1_DOI_IPSEC;
}

int ikev1_decode_notify(struct ikev1_payload *p, uint16_t *notify)
{
	struct ikev1_notify_payload *n = &p->u.notify;
	size_t i;

	if (p->body.len < 8)
		return -EBADMSG;
	n->doi = ike_get32(p->body.ptr);
	n->protocol = p->body.ptr[4];
	n->spi_size = p->body.ptr[5];
	n->type = ike_get16(p->body.ptr + 6);
	if (!doi_ok(n->doi)) {
		*notify = IKEV1_N_DOI_NOT_SUPPORTED;
		return -EBADMSG;
	}
	if (!spi_size_ok(n->spi_size) || n->spi_size > p->body.len - 8)
		return -EBADMSG;
	n->spi.ptr = p->body.ptr + 8;
	n->spi.len = n->spi_size;
	n->data = tail(p, 8 + (size_t)n->spi_size);
	if (n->type == 0)
		return -EBADMSG;
	for (i = 0; i < sizeof(notify_rules) / sizeof(notify_rules[0]); i++) {
		const struct notify_rule *r = &notify_rules[i];

		if (r->type != n->type)
			continue;
		if ((r->spi_size != ANY_SPI && n->spi_size != r->spi_size) ||
		    n->data.len < r->min || n->data.len > r->max)
			return -EBADMSG;
		break;
	}
	return 0;
}

int ikev1_decode_delete(struct ikev1_payload *p, uint16_t *notify)
{
	struct ikev1_delete_payload *d = &p->u.del;

	if (p->body.len < 8)
		return -EBADMSG;
	d->doi = ike_get32(p->body.ptr);
	d->protocol = p->body.ptr[4];
	d->spi_size = p->body.ptr[5];
	d->spi_count = ike_get16(p->body.ptr + 6);
	d->spis = tail(p, 8);
	if (!doi_ok(d->doi)) {
		*notify = IKEV1_N_DOI_NOT_SUPPORTED;
		return -EBADMSG;
	}
	switch (d->protocol) {
	case IKEV1_PROTO_ISAKMP:
		if (d->spi_size != 2 * IKEV1_COOKIE_LEN)
			return -EBADMSG;
		break;
	case IKEV1_PROTO_IPSEC_AH:
	case IKEV1_PROTO_IPSEC_ESP:
		if (d->spi_size != 4)
			return -EBADMSG;
		break;
	default:
		*notify = IKEV1_N_INVALID_PROTOCOL_ID;
		return -EBADMSG;
	}
	if (d->spi_count == 0)
		return -EBADMSG;
	return d->spis.len == (size_t)d->spi_count * d->spi_size ? 0 : -EBADMSG;
}

/* ---- NAT-OA ---- */

int ikev1_decode_nat_oa(struct ikev1_payload *p, uint16_t *notify)
{
	struct ikev1_nat_oa_payload *oa = &p->u.nat_oa;
	static const uint8_t reserved[3];

	(void)notify;
	if (p->body.len < 4 || memcmp(p->body.ptr + 1, reserved, sizeof(reserved)) != 0)
		return -EBADMSG;
	oa->id_type = p->body.ptr[0];
	oa->addr = tail(p, 4);
	if (oa->id_type == IKEV1_ID_IPV4_ADDR)
		return oa->addr.len == 4 ? 0 : -EBADMSG;
	if (oa->id_type == IKEV1_ID_IPV6_ADDR)
		return oa->addr.len == 16 ? 0 : -EBADMSG;
	return -EBADMSG;
}
