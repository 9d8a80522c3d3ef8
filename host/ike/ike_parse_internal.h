/* Decoders of single payload bodies, private to the parser: each one checks that every
 * length adds up and never reads outside p->body. */
#ifndef IKE_PARSE_INTERNAL_H
#define IKE_PARSE_INTERNAL_H

#include "ike_message.h"

/* answer: the SA payload of a response (its proposal number is the accepted one's). */
int ike_decode_sa(struct ike_payload *p, struct ike_sa_payload *sa, bool answer);
int ike_decode_ke(struct ike_payload *p);
int ike_decode_id(struct ike_payload *p);
int ike_decode_cert(struct ike_payload *p);
int ike_decode_certreq(struct ike_payload *p);
int ike_decode_auth(struct ike_payload *p);
int ike_decode_nonce(struct ike_payload *p);
int ike_decode_notify(struct ike_payload *p);
int ike_decode_delete(struct ike_payload *p);
int ike_decode_vendor_id(struct ike_payload *p);
int ike_decode_ts(struct ike_payload *p, struct ike_ts_payload *ts);
int ike_decode_sk(struct ike_payload *p);
int ike_decode_skf(struct ike_payload *p);

#endif
