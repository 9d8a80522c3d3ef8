/* Serialization of IKEv1 payloads from their decoded form, on the shared ike_writer: the
 * inverse of the ikev1_ decoders, so that parse(write(x)) == x for everything the parser
 * accepts. SA attributes are written in the order of the decoder's attribute table. */
#include <errno.h>
#include <string.h>

#include "ike_bytes.h"
#include "ikev1_parse_internal.h"

/* The length field of a substructure that started at start (generic header layout). */
static int fix_length(struct ike_writer *w, size_t start)
{
	if (w->err)
		return w->err;
	if (w->len - start > UINT16_MAX)
		return w->err = -EMSGSIZE;
	ike_put16(w->buf + start + 2, (uint16_t)(w->len - start));
	return 0;
}

static void put_attr(struct ike_writer *w, uint16_t type, uint64_t value)
{
	uint8_t b[8];
	unsigned n = 0, i;

	if (value <= UINT16_MAX) {
		ike_writer_put16(w, IKEV1_ATTR_FORMAT_TV | type);
		ike_writer_put16(w, (uint16_t)value);
		return;
	}
	/* Longer values as a TLV of 4 or 8 octets, as deployed peers send them. */
	n = value <= UINT32_MAX ? 4 : 8;
	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(value >> (8 * (n - 1 - i)));
	ike_writer_put16(w, type);
	ike_writer_put16(w, (uint16_t)n);
	ike_writer_put(w, b, n);
}

static void write_life(struct ike_writer *w, const struct ikev1_attr_rule *type_rule,
		       const struct ikev1_attr_rule *duration_rule, const struct ikev1_transform *t)
{
	if (t->life_seconds != 0) {
		put_attr(w, type_rule->type, IKEV1_LIFE_SECONDS);
		put_attr(w, duration_rule->type, t->life_seconds);
	}
	if (t->life_kilobytes != 0) {
		put_attr(w, type_rule->type, IKEV1_LIFE_KILOBYTES);
		put_attr(w, duration_rule->type, t->life_kilobytes);
	}
}

static int write_transform(struct ike_writer *w, uint8_t protocol, const struct ikev1_transform *t,
			   bool last)
{
	const struct ikev1_attr_rule *rules, *duration = NULL;
	size_t start = w->len, n, i;

	rules = ikev1_attr_rules(protocol, &n);
	for (i = 0; i < n; i++)
		if (rules[i].offset == IKEV1_ATTR_TO_LIFE_DURATION)
			duration = &rules[i];
	ike_writer_put8(w, last ? IKEV1_PAYLOAD_NONE : IKEV1_PAYLOAD_TRANSFORM);
	ike_writer_put8(w, 0);
	ike_writer_put16(w, 0); /* length, fixed below */
	ike_writer_put8(w, t->number);
	ike_writer_put8(w, t->id);
	ike_writer_put16(w, 0);
	for (i = 0; i < n; i++) {
		const struct ikev1_attr_rule *r = &rules[i];

		if (r->offset == IKEV1_ATTR_TO_LIFE_TYPE) {
			write_life(w, r, duration, t);
		} else if (r->offset != IKEV1_ATTR_TO_LIFE_DURATION &&
			   r->offset != IKEV1_ATTR_TO_UNSUPPORTED) {
			uint16_t v;

			memcpy(&v, (const uint8_t *)t + r->offset, sizeof(v));
			if (v != 0)
				put_attr(w, r->type, v);
		}
	}
	return fix_length(w, start);
}

static int write_sa(struct ike_writer *w, const struct ikev1_sa_payload *sa)
{
	unsigned i, j;

	if (sa == NULL || sa->proposal_count == 0 || sa->proposal_count > IKEV1_MAX_PROPOSALS)
		return w->err = -EINVAL;
	ike_writer_put32(w, sa->doi);
	ike_writer_put32(w, sa->situation);
	for (i = 0; i < sa->proposal_count; i++) {
		const struct ikev1_proposal *prop = &sa->proposals[i];
		size_t start = w->len;

		if (prop->spi_size > IKEV1_MAX_SPI_LEN || prop->transform_count == 0 ||
		    (size_t)prop->first_transform + prop->transform_count > IKEV1_MAX_TRANSFORMS)
			return w->err = -EINVAL;
		ike_writer_put8(w, i + 1 == sa->proposal_count ? IKEV1_PAYLOAD_NONE
							       : IKEV1_PAYLOAD_PROPOSAL);
		ike_writer_put8(w, 0);
		ike_writer_put16(w, 0);
		ike_writer_put8(w, prop->number);
		ike_writer_put8(w, prop->protocol);
		ike_writer_put8(w, prop->spi_size);
		ike_writer_put8(w, prop->transform_count);
		ike_writer_put(w, prop->spi, prop->spi_size);
		for (j = 0; j < prop->transform_count; j++)
			write_transform(w, prop->protocol,
					&sa->transforms[prop->first_transform + j],
					j + 1 == prop->transform_count);
		if (fix_length(w, start) < 0)
			return w->err;
	}
	return w->err;
}

static int write_body(struct ike_writer *w, const struct ikev1_payload *p)
{
	switch (p->type) {
	case IKEV1_PAYLOAD_SA:
		return write_sa(w, p->u.sa);
	case IKEV1_PAYLOAD_ID:
		ike_writer_put8(w, p->u.id.id_type);
		ike_writer_put8(w, p->u.id.protocol);
		ike_writer_put16(w, p->u.id.port);
		return ike_writer_put_span(w, p->u.id.data);
	case IKEV1_PAYLOAD_CERT:
	case IKEV1_PAYLOAD_CERTREQ:
		ike_writer_put8(w, p->u.cert.encoding);
		return ike_writer_put_span(w, p->u.cert.data);
	case IKEV1_PAYLOAD_NOTIFY:
		if (p->u.notify.spi.len != p->u.notify.spi_size)
			return w->err = -EINVAL;
		ike_writer_put32(w, p->u.notify.doi);
		ike_writer_put8(w, p->u.notify.protocol);
		ike_writer_put8(w, p->u.notify.spi_size);
		ike_writer_put16(w, p->u.notify.type);
		ike_writer_put_span(w, p->u.notify.spi);
		return ike_writer_put_span(w, p->u.notify.data);
	case IKEV1_PAYLOAD_DELETE:
		ike_writer_put32(w, p->u.del.doi);
		ike_writer_put8(w, p->u.del.protocol);
		ike_writer_put8(w, p->u.del.spi_size);
		ike_writer_put16(w, p->u.del.spi_count);
		return ike_writer_put_span(w, p->u.del.spis);
	case IKEV1_PAYLOAD_NAT_OA:
		ike_writer_put8(w, p->u.nat_oa.id_type);
		ike_writer_put_zero(w, 3);
		return ike_writer_put_span(w, p->u.nat_oa.addr);
	case IKEV1_PAYLOAD_KE:
		return ike_writer_put_span(w, p->u.ke);
	case IKEV1_PAYLOAD_HASH:
		return ike_writer_put_span(w, p->u.hash);
	case IKEV1_PAYLOAD_SIG:
		return ike_writer_put_span(w, p->u.sig);
	case IKEV1_PAYLOAD_NONCE:
		return ike_writer_put_span(w, p->u.nonce);
	case IKEV1_PAYLOAD_VENDOR_ID:
		return ike_writer_put_span(w, p->u.vendor_id);
	case IKEV1_PAYLOAD_NAT_D:
		return ike_writer_put_span(w, p->u.nat_d);
	default:
		return w->err = -EINVAL; /* no other payload types exist in IKEv1 messages */
	}
}

int ikev1_writer_payload(struct ike_writer *w, const struct ikev1_payload *p)
{
	size_t start;
	int ret;

	if (w == NULL || p == NULL)
		return w == NULL ? -EINVAL : (w->err = -EINVAL);
	ret = ike_writer_begin_payload(w, p->type, false, &start);
	if (ret < 0)
		return ret;
	ret = write_body(w, p);
	if (ret < 0)
		return w->err = ret;
	return ike_writer_end_payload(w, start);
}
