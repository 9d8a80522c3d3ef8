/* Decoders of single IKEv1 payload bodies and the SA attribute table, private to the
 * ikev1_ parser and writer: each decoder checks that every length adds up and never reads
 * outside p->body. On error *notify may be set to a more precise notify than
 * PAYLOAD-MALFORMED. */
#ifndef IKEV1_PARSE_INTERNAL_H
#define IKEV1_PARSE_INTERNAL_H

#include "ikev1_message.h"

int ikev1_decode_sa(struct ikev1_payload *p, struct ikev1_sa_payload *sa, uint16_t *notify);
int ikev1_decode_ke(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_id(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_cert(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_certreq(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_hash(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_sig(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_nonce(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_notify(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_delete(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_vendor_id(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_nat_d(struct ikev1_payload *p, uint16_t *notify);
int ikev1_decode_nat_oa(struct ikev1_payload *p, uint16_t *notify);

/* How an SA attribute is encoded (RFC 2408 3.3): basic (TV) only, or variable, which may
 * also be sent as TV when the value fits in two octets. */
enum ikev1_attr_form {
	IKEV1_ATTR_BASIC,
	IKEV1_ATTR_VARIABLE,
};

/* Where a known attribute goes in struct ikev1_transform: a uint16_t field at offset, or
 * one of the special destinations below. */
#define IKEV1_ATTR_TO_LIFE_TYPE	    ((size_t)-1)
#define IKEV1_ATTR_TO_LIFE_DURATION ((size_t)-2)
#define IKEV1_ATTR_TO_UNSUPPORTED   ((size_t)-3)

struct ikev1_attr_rule {
	uint16_t type;
	enum ikev1_attr_form form;
	size_t offset;
};

/* The rules of a proposal's protocol (phase 1 for ISAKMP, the IPsec DOI otherwise), in the
 * order the writer emits them. */
const struct ikev1_attr_rule *ikev1_attr_rules(uint8_t protocol, size_t *count);

#define IKEV1_ATTR_FORMAT_TV 0x8000

#endif
