/* The SA payload decoder (RFC 7296 3.3): proposals, transforms and transform attributes,
 * with every substructure length, "last" marker and count cross-checked. */
#include <errno.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_parse_internal.h"

#define PROPOSAL_HEADER_LEN  8
#define TRANSFORM_HEADER_LEN 8
#define LAST_PROPOSAL_MORE   2
#define LAST_TRANSFORM_MORE  3

static int decode_attributes(const uint8_t *p, size_t len, struct ike_transform *t)
{
	size_t pos = 0;
	bool have_key_length = false;

	while (pos < len) {
		uint16_t af_type;
		size_t value_len;

		if (len - pos < 4)
			return -EBADMSG;
		af_type = ike_get16(p + pos);
		if (af_type & IKE_ATTR_FORMAT_TV) {
			value_len = 0; /* the 2-octet value sits in the length field */
			if ((af_type & 0x7fff) == IKE_ATTR_KEY_LENGTH) {
				if (have_key_length)
					return -EBADMSG;
				have_key_length = true;
				t->key_length = ike_get16(p + pos + 2);
				if (t->key_length == 0)
					return -EBADMSG;
			} else {
				t->unknown_attribute = true;
			}
		} else {
			value_len = ike_get16(p + pos + 2);
			if (value_len > len - pos - 4)
				return -EBADMSG;
			/* Key Length is defined as TV only; a TLV form is malformed. */
			if (af_type == IKE_ATTR_KEY_LENGTH)
				return -EBADMSG;
			t->unknown_attribute = true;
		}
		pos += 4 + value_len;
	}
	return 0;
}

static int decode_transforms(const uint8_t *p, size_t len, unsigned expected,
			     struct ike_proposal *prop)
{
	size_t pos = 0;
	unsigned n = 0;

	if (expected == 0 || expected > IKE_MAX_TRANSFORMS)
		return expected == 0 ? -EBADMSG : -E2BIG;
	while (pos < len) {
		struct ike_transform *t;
		uint8_t last;
		size_t tlen;
		int ret;

		if (len - pos < TRANSFORM_HEADER_LEN || n >= expected)
			return -EBADMSG;
		last = p[pos];
		tlen = ike_get16(p + pos + 2);
		if (tlen < TRANSFORM_HEADER_LEN || tlen > len - pos)
			return -EBADMSG;
		if (last != 0 && last != LAST_TRANSFORM_MORE)
			return -EBADMSG;
		/* The marker must agree with both the count and the bytes left. */
		if ((last == 0) != (n + 1 == expected) || (last == 0) != (pos + tlen == len))
			return -EBADMSG;
		t = &prop->transforms[n];
		memset(t, 0, sizeof(*t));
		t->type = p[pos + 4];
		t->id = ike_get16(p + pos + 6);
		ret = decode_attributes(p + pos + TRANSFORM_HEADER_LEN, tlen - TRANSFORM_HEADER_LEN,
					t);
		if (ret < 0)
			return ret;
		pos += tlen;
		n++;
	}
	if (n != expected)
		return -EBADMSG;
	prop->transform_count = (uint8_t)n;
	return 0;
}

static int check_spi_size(uint8_t protocol, uint8_t spi_size)
{
	switch (protocol) {
	case IKE_PROTO_IKE:
		/* Empty in IKE_SA_INIT, the new SPI when rekeying the IKE SA. */
		return (spi_size == 0 || spi_size == IKE_SPI_LEN) ? 0 : -EBADMSG;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		return spi_size == 4 ? 0 : -EBADMSG;
	default:
		/* Unknown protocols are skipped by proposal selection, not by the parser. */
		return spi_size <= IKE_MAX_SPI_LEN ? 0 : -EBADMSG;
	}
}

int ike_decode_sa(struct ike_payload *p, struct ike_sa_payload *sa, bool answer)
{
	const uint8_t *b = p->body.ptr;
	size_t len = p->body.len, pos = 0;
	unsigned n = 0;

	memset(sa, 0, sizeof(*sa));
	if (len == 0)
		return -EBADMSG;
	while (pos < len) {
		struct ike_proposal *prop;
		uint8_t last;
		size_t plen, hdr;
		int ret;

		if (len - pos < PROPOSAL_HEADER_LEN)
			return -EBADMSG;
		if (n >= IKE_MAX_PROPOSALS)
			return -E2BIG;
		last = b[pos];
		plen = ike_get16(b + pos + 2);
		if (plen < PROPOSAL_HEADER_LEN || plen > len - pos)
			return -EBADMSG;
		if ((last != 0 && last != LAST_PROPOSAL_MORE) || (last == 0) != (pos + plen == len))
			return -EBADMSG;
		prop = &sa->proposals[n];
		prop->number = b[pos + 4];
		prop->protocol = b[pos + 5];
		prop->spi_size = b[pos + 6];
		/* Numbers either repeat (AND of protocols) or go up by one. An offer starts at
		 * one; an answer (a response) carries the number of the proposal it accepted,
		 * which may be any of the offered ones (RFC 7296 3.3.1). */
		if (n == 0 ? (answer ? prop->number == 0 : prop->number != 1)
			   : (prop->number != sa->proposals[n - 1].number &&
			      prop->number != sa->proposals[n - 1].number + 1))
			return -EBADMSG;
		ret = check_spi_size(prop->protocol, prop->spi_size);
		if (ret < 0)
			return ret;
		hdr = PROPOSAL_HEADER_LEN + prop->spi_size;
		if (hdr > plen)
			return -EBADMSG;
		memcpy(prop->spi, b + pos + PROPOSAL_HEADER_LEN, prop->spi_size);
		ret = decode_transforms(b + pos + hdr, plen - hdr, b[pos + 7], prop);
		if (ret < 0)
			return ret;
		pos += plen;
		n++;
	}
	sa->proposal_count = (uint8_t)n;
	p->u.sa = sa;
	return 0;
}
