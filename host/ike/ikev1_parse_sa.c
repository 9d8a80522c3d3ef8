/* The IKEv1 SA payload decoder (RFC 2408 3.4-3.6, RFC 2407 4.5-4.6.1, RFC 2409 appendix A):
 * DOI and situation, proposals, transforms and their attributes. Attributes are decoded by
 * one table per protocol class (phase 1 for ISAKMP, the IPsec DOI otherwise), which the
 * writer walks in the same order. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "ike_bytes.h"
#include "ikev1_parse_internal.h"

#define SA_FIXED_LEN	     8 /* DOI, situation */
#define PROPOSAL_HEADER_LEN  8
#define TRANSFORM_HEADER_LEN 8
#define MAX_DURATION_LEN     8 /* octets of a variable Life Duration we take */

#define FIELD(f) offsetof(struct ikev1_transform, f)

static const struct ikev1_attr_rule phase1_rules[] = {
    {IKEV1_P1_ENCR, IKEV1_ATTR_BASIC, FIELD(encr)},
    {IKEV1_P1_KEY_LENGTH, IKEV1_ATTR_BASIC, FIELD(key_length)},
    {IKEV1_P1_HASH, IKEV1_ATTR_BASIC, FIELD(hash)},
    {IKEV1_P1_GROUP, IKEV1_ATTR_BASIC, FIELD(group)},
    {IKEV1_P1_AUTH_METHOD, IKEV1_ATTR_BASIC, FIELD(auth_method)},
    {IKEV1_P1_PRF, IKEV1_ATTR_BASIC, FIELD(prf)},
    {IKEV1_P1_LIFE_TYPE, IKEV1_ATTR_BASIC, IKEV1_ATTR_TO_LIFE_TYPE},
    {IKEV1_P1_LIFE_DURATION, IKEV1_ATTR_VARIABLE, IKEV1_ATTR_TO_LIFE_DURATION},
    /* Private groups: not offered, so a transform using them cannot be chosen. */
    {IKEV1_P1_GROUP_TYPE, IKEV1_ATTR_BASIC, IKEV1_ATTR_TO_UNSUPPORTED},
    {IKEV1_P1_GROUP_PRIME, IKEV1_ATTR_VARIABLE, IKEV1_ATTR_TO_UNSUPPORTED},
    {IKEV1_P1_GROUP_GENERATOR_ONE, IKEV1_ATTR_VARIABLE, IKEV1_ATTR_TO_UNSUPPORTED},
    {IKEV1_P1_GROUP_GENERATOR_TWO, IKEV1_ATTR_VARIABLE, IKEV1_ATTR_TO_UNSUPPORTED},
    {IKEV1_P1_GROUP_CURVE_A, IKEV1_ATTR_VARIABLE, IKEV1_ATTR_TO_UNSUPPORTED},
    {IKEV1_P1_GROUP_CURVE_B, IKEV1_ATTR_VARIABLE, IKEV1_ATTR_TO_UNSUPPORTED},
    {IKEV1_P1_FIELD_SIZE, IKEV1_ATTR_BASIC, IKEV1_ATTR_TO_UNSUPPORTED},
    {IKEV1_P1_GROUP_ORDER, IKEV1_ATTR_VARIABLE, IKEV1_ATTR_TO_UNSUPPORTED},
};

static const struct ikev1_attr_rule phase2_rules[] = {
    {IKEV1_P2_LIFE_TYPE, IKEV1_ATTR_BASIC, IKEV1_ATTR_TO_LIFE_TYPE},
    {IKEV1_P2_LIFE_DURATION, IKEV1_ATTR_VARIABLE, IKEV1_ATTR_TO_LIFE_DURATION},
    {IKEV1_P2_ENCAP_MODE, IKEV1_ATTR_BASIC, FIELD(encap_mode)},
    {IKEV1_P2_AUTH_ALG, IKEV1_ATTR_BASIC, FIELD(auth_alg)},
    {IKEV1_P2_KEY_LENGTH, IKEV1_ATTR_BASIC, FIELD(key_length)},
    {IKEV1_P2_GROUP, IKEV1_ATTR_BASIC, FIELD(group)},
    {IKEV1_P2_ESN, IKEV1_ATTR_BASIC, FIELD(esn)},
    {IKEV1_P2_KEY_ROUNDS, IKEV1_ATTR_BASIC, IKEV1_ATTR_TO_UNSUPPORTED},
    {IKEV1_P2_COMP_DICT_SIZE, IKEV1_ATTR_BASIC, IKEV1_ATTR_TO_UNSUPPORTED},
    {IKEV1_P2_COMP_PRIVATE_ALG, IKEV1_ATTR_VARIABLE, IKEV1_ATTR_TO_UNSUPPORTED},
    {IKEV1_P2_ECN_TUNNEL, IKEV1_ATTR_BASIC, IKEV1_ATTR_TO_UNSUPPORTED},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct ikev1_attr_rule *ikev1_attr_rules(uint8_t protocol, size_t *count)
{
	if (protocol == IKEV1_PROTO_ISAKMP) {
		*count = COUNT(phase1_rules);
		return phase1_rules;
	}
	*count = COUNT(phase2_rules);
	return phase2_rules;
}

static const struct ikev1_attr_rule *find_attr(uint8_t protocol, uint16_t type)
{
	size_t n, i;
	const struct ikev1_attr_rule *r = ikev1_attr_rules(protocol, &n);

	for (i = 0; i < n; i++)
		if (r[i].type == type)
			return &r[i];
	return NULL;
}

/* Life Type / Life Duration pairs (RFC 2407 4.5): the duration immediately follows its type,
 * each type at most once, a duration never zero. */
static int set_life(struct ikev1_transform *t, uint16_t life_type, uint64_t duration)
{
	uint64_t *slot;

	if (life_type == IKEV1_LIFE_SECONDS)
		slot = &t->life_seconds;
	else if (life_type == IKEV1_LIFE_KILOBYTES)
		slot = &t->life_kilobytes;
	else
		return -EBADMSG;
	if (*slot != 0 || duration == 0)
		return -EBADMSG;
	*slot = duration;
	return 0;
}

int ikev1_decode_attributes(const uint8_t *p, size_t len, uint8_t protocol,
			    struct ikev1_transform *t)
{
	uint16_t pending_life = 0; /* a Life Type waiting for its duration */
	size_t pos = 0;

	while (pos < len) {
		const struct ikev1_attr_rule *rule;
		uint16_t af_type, type;
		size_t value_len, i;
		uint64_t value;
		bool tv;
		int ret;

		if (len - pos < 4)
			return -EBADMSG;
		af_type = ike_get16(p + pos);
		tv = (af_type & IKEV1_ATTR_FORMAT_TV) != 0;
		type = af_type & (uint16_t)~IKEV1_ATTR_FORMAT_TV;
		if (tv) {
			value_len = 0;
			value = ike_get16(p + pos + 2);
		} else {
			value_len = ike_get16(p + pos + 2);
			if (value_len > len - pos - 4)
				return -EBADMSG;
			value = 0;
			for (i = 0; i < value_len && i < MAX_DURATION_LEN; i++)
				value = value << 8 | p[pos + 4 + i];
		}
		pos += 4 + value_len;
		rule = find_attr(protocol, type);
		if (pending_life != 0 &&
		    (rule == NULL || rule->offset != IKEV1_ATTR_TO_LIFE_DURATION))
			return -EBADMSG;
		if (rule == NULL) {
			t->unknown_attribute = true;
			continue;
		}
		if (!tv && (rule->form == IKEV1_ATTR_BASIC || value_len == 0))
			return -EBADMSG;
		switch (rule->offset) {
		case IKEV1_ATTR_TO_UNSUPPORTED:
			t->unknown_attribute = true;
			break;
		case IKEV1_ATTR_TO_LIFE_TYPE:
			if (value == 0)
				return -EBADMSG;
			pending_life = (uint16_t)value;
			break;
		case IKEV1_ATTR_TO_LIFE_DURATION:
			if (pending_life == 0 || value_len > MAX_DURATION_LEN)
				return -EBADMSG;
			ret = set_life(t, pending_life, value);
			if (ret < 0)
				return ret;
			pending_life = 0;
			break;
		default: {
			uint16_t *field = (uint16_t *)((uint8_t *)t + rule->offset);

			/* Zero is no defined value of any of them, and means "absent" here. */
			if (*field != 0 || value == 0)
				return -EBADMSG;
			*field = (uint16_t)value;
		}
		}
	}
	return pending_life == 0 ? 0 : -EBADMSG;
}

/* The generic header of a proposal or transform at b[pos..len): next-payload "more" or
 * none, reserved zero, a length of at least min within the bytes left, and none exactly on
 * the last one. Returns the substructure's length or -EBADMSG. */
static int substructure(const uint8_t *b, size_t len, size_t pos, uint8_t more, size_t min)
{
	size_t slen;
	uint8_t next;

	if (len - pos < min)
		return -EBADMSG;
	next = b[pos];
	slen = ike_get16(b + pos + 2);
	if (b[pos + 1] != 0 || slen < min || slen > len - pos ||
	    (next != IKEV1_PAYLOAD_NONE && next != more) ||
	    (next == IKEV1_PAYLOAD_NONE) != (pos + slen == len))
		return -EBADMSG;
	return (int)slen;
}

static int decode_transforms(const uint8_t *p, size_t len, struct ikev1_sa_payload *sa,
			     struct ikev1_proposal *prop, unsigned expected)
{
	size_t pos, tlen;
	unsigned n;
	int ret;

	if (expected == 0)
		return -EBADMSG;
	prop->first_transform = sa->transform_count;
	for (pos = 0, n = 0; pos < len; pos += tlen, n++) {
		struct ikev1_transform *t;

		if (sa->transform_count >= IKEV1_MAX_TRANSFORMS)
			return -E2BIG;
		ret = substructure(p, len, pos, IKEV1_PAYLOAD_TRANSFORM, TRANSFORM_HEADER_LEN);
		if (ret < 0)
			return ret;
		tlen = (size_t)ret;
		/* The last one by its marker must be the last one by the count. */
		if ((pos + tlen == len) != (n + 1 == expected) || ike_get16(p + pos + 6) != 0)
			return -EBADMSG;
		t = &sa->transforms[sa->transform_count];
		memset(t, 0, sizeof(*t));
		t->number = p[pos + 4];
		t->id = p[pos + 5];
		ret = ikev1_decode_attributes(p + pos + TRANSFORM_HEADER_LEN,
					      tlen - TRANSFORM_HEADER_LEN, prop->protocol, t);
		if (ret < 0)
			return ret;
		sa->transform_count++;
	}
	if (n != expected)
		return -EBADMSG;
	prop->transform_count = (uint8_t)n;
	return 0;
}

static int check_spi_size(uint8_t protocol, uint8_t spi_size)
{
	switch (protocol) {
	case IKEV1_PROTO_ISAKMP:
		/* Zero, or the cookie pair, which is then ignored (RFC 2408 3.5). */
		return spi_size == 0 || spi_size == 2 * IKEV1_COOKIE_LEN ? 0 : -EBADMSG;
	case IKEV1_PROTO_IPSEC_AH:
	case IKEV1_PROTO_IPSEC_ESP:
		return spi_size == 4 ? 0 : -EBADMSG;
	case IKEV1_PROTO_IPCOMP:
		return spi_size == 2 || spi_size == 4 ? 0 : -EBADMSG; /* the CPI, RFC 2393 */
	default:
		return -EBADMSG;
	}
}

static int decode_proposals(const uint8_t *b, size_t len, struct ikev1_sa_payload *sa,
			    uint16_t *notify)
{
	size_t pos, plen, hdr;
	unsigned n;
	int ret;

	if (len == 0)
		return -EBADMSG;
	for (pos = 0, n = 0; pos < len; pos += plen, n++) {
		struct ikev1_proposal *prop;

		if (n >= IKEV1_MAX_PROPOSALS)
			return -E2BIG;
		ret = substructure(b, len, pos, IKEV1_PAYLOAD_PROPOSAL, PROPOSAL_HEADER_LEN);
		if (ret < 0)
			return ret;
		plen = (size_t)ret;
		prop = &sa->proposals[n];
		prop->number = b[pos + 4];
		prop->protocol = b[pos + 5];
		prop->spi_size = b[pos + 6];
		*notify = IKEV1_N_BAD_PROPOSAL_SYNTAX;
		/* Equal numbers combine protocols (AND), higher ones are alternatives (OR);
		 * numbers never go down (RFC 2408 3.5). Phase 1 offers one proposal of
		 * ISAKMP alone (RFC 2409 5). */
		if (n > 0 && (prop->number < sa->proposals[n - 1].number ||
			      (prop->protocol == IKEV1_PROTO_ISAKMP) !=
				  (sa->proposals[0].protocol == IKEV1_PROTO_ISAKMP) ||
			      prop->protocol == IKEV1_PROTO_ISAKMP))
			return -EBADMSG;
		if (check_spi_size(prop->protocol, prop->spi_size) < 0) {
			*notify = IKEV1_N_INVALID_SPI;
			return -EBADMSG;
		}
		*notify = IKEV1_N_PAYLOAD_MALFORMED;
		hdr = PROPOSAL_HEADER_LEN + prop->spi_size;
		if (hdr > plen)
			return -EBADMSG;
		memcpy(prop->spi, b + pos + PROPOSAL_HEADER_LEN, prop->spi_size);
		ret = decode_transforms(b + pos + hdr, plen - hdr, sa, prop, b[pos + 7]);
		if (ret < 0)
			return ret;
	}
	sa->proposal_count = (uint8_t)n;
	return 0;
}

int ikev1_decode_sa(struct ikev1_payload *p, struct ikev1_sa_payload *sa, uint16_t *notify)
{
	const uint8_t *b = p->body.ptr;
	int ret;

	memset(sa, 0, sizeof(*sa));
	if (p->body.len < SA_FIXED_LEN)
		return -EBADMSG;
	sa->doi = ike_get32(b);
	sa->situation = ike_get32(b + 4);
	if (sa->doi != IKEV1_DOI_IPSEC) {
		*notify = IKEV1_N_DOI_NOT_SUPPORTED;
		return -EOPNOTSUPP;
	}
	/* Secrecy and integrity situations add labeled-domain fields nobody deploys. */
	if (sa->situation != IKEV1_SIT_IDENTITY) {
		*notify = IKEV1_N_SITUATION_NOT_SUPPORTED;
		return -EOPNOTSUPP;
	}
	ret = decode_proposals(b + SA_FIXED_LEN, p->body.len - SA_FIXED_LEN, sa, notify);
	if (ret < 0)
		return ret;
	p->u.sa = sa;
	return 0;
}

int ikev1_decode_lifetime(uint8_t protocol, struct ike_span data, uint64_t *seconds,
			  uint64_t *kilobytes)
{
	struct ikev1_transform t, only_life;
	int ret;

	if (data.ptr == NULL || seconds == NULL || kilobytes == NULL)
		return -EINVAL;
	memset(&t, 0, sizeof(t));
	ret = ikev1_decode_attributes(data.ptr, data.len, protocol, &t);
	if (ret < 0)
		return ret;
	/* Nothing but lifetimes, and at least one. */
	memset(&only_life, 0, sizeof(only_life));
	only_life.life_seconds = t.life_seconds;
	only_life.life_kilobytes = t.life_kilobytes;
	if (memcmp(&t, &only_life, sizeof(t)) != 0 || (t.life_seconds | t.life_kilobytes) == 0)
		return -EBADMSG;
	*seconds = t.life_seconds;
	*kilobytes = t.life_kilobytes;
	return 0;
}
