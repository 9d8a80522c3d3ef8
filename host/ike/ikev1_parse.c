/* The IKEv1 header and payload chain walker (RFC 2408 3.1-3.2): one table, indexed by
 * payload type, says which types are handled and how to decode them. IKEv1 has no critical bit, so
 * an unknown payload type fails the message (INVALID-PAYLOAD-TYPE) instead of being skipped. */
#include <errno.h>
#include <string.h>

#include "ike_bytes.h"
#include "ikev1_parse_internal.h"

typedef int (*decoder_fn)(struct ikev1_payload *p, uint16_t *notify);

/* The decoder of each handled payload type, indexed by type; SA is decoded separately (it
 * needs the message's SA storage) and has a placeholder here. */
static int sa_placeholder(struct ikev1_payload *p, uint16_t *notify)
{
	(void)p;
	(void)notify;
	return -EBADMSG;
}

static const decoder_fn decoders[IKEV1_PAYLOAD_NAT_OA + 1] = {
    [IKEV1_PAYLOAD_SA] = sa_placeholder,
    [IKEV1_PAYLOAD_KE] = ikev1_decode_ke,
    [IKEV1_PAYLOAD_ID] = ikev1_decode_id,
    [IKEV1_PAYLOAD_CERT] = ikev1_decode_cert,
    [IKEV1_PAYLOAD_CERTREQ] = ikev1_decode_certreq,
    [IKEV1_PAYLOAD_HASH] = ikev1_decode_hash,
    [IKEV1_PAYLOAD_SIG] = ikev1_decode_sig,
    [IKEV1_PAYLOAD_NONCE] = ikev1_decode_nonce,
    [IKEV1_PAYLOAD_NOTIFY] = ikev1_decode_notify,
    [IKEV1_PAYLOAD_DELETE] = ikev1_decode_delete,
    [IKEV1_PAYLOAD_VENDOR_ID] = ikev1_decode_vendor_id,
    [IKEV1_PAYLOAD_NAT_D] = ikev1_decode_nat_d,
    [IKEV1_PAYLOAD_NAT_OA] = ikev1_decode_nat_oa,
};

static decoder_fn find_decoder(uint8_t type)
{
	return type < sizeof(decoders) / sizeof(decoders[0]) ? decoders[type] : NULL;
}

static int fail(uint16_t *notify, uint16_t type, int err)
{
	*notify = type;
	return err;
}

int ikev1_header_parse(const uint8_t *buf, size_t len, struct ike_header *hdr, uint16_t *notify)
{
	static const uint8_t zero_cookie[IKEV1_COOKIE_LEN];
	uint16_t dummy;
	uint8_t x;

	if (notify == NULL)
		notify = &dummy;
	*notify = 0;
	if (buf == NULL || hdr == NULL || len < IKE_HEADER_LEN)
		return fail(notify, IKEV1_N_PAYLOAD_MALFORMED, -EBADMSG);
	ike_header_decode(buf, hdr);
	/* Version first, as RFC 2408 5.2 orders the checks. */
	if (hdr->major_version != IKEV1_MAJOR_VERSION)
		return fail(notify, IKEV1_N_INVALID_MAJOR_VERSION, -EPROTONOSUPPORT);
	if (hdr->minor_version != IKEV1_MINOR_VERSION)
		return fail(notify, IKEV1_N_INVALID_MINOR_VERSION, -EPROTONOSUPPORT);
	x = hdr->exchange_type;
	if (x != IKEV1_EXCHANGE_MAIN && x != IKEV1_EXCHANGE_AGGRESSIVE &&
	    x != IKEV1_EXCHANGE_INFORMATIONAL && x != IKEV1_EXCHANGE_QUICK)
		return fail(notify, IKEV1_N_INVALID_EXCHANGE_TYPE, -EOPNOTSUPP);
	/* Authentication-only (A) messages are not used by these exchanges; unknown bits
	 * must be zero (RFC 2408 3.1). Quick mode is always encrypted (RFC 2409 5.5). */
	if ((hdr->flags & ~(IKEV1_FLAG_ENCRYPTION | IKEV1_FLAG_COMMIT)) != 0 ||
	    (x == IKEV1_EXCHANGE_QUICK && !(hdr->flags & IKEV1_FLAG_ENCRYPTION)))
		return fail(notify, IKEV1_N_INVALID_FLAGS, -EBADMSG);
	if (memcmp(hdr->spi_i, zero_cookie, IKEV1_COOKIE_LEN) == 0)
		return fail(notify, IKEV1_N_INVALID_COOKIE, -EBADMSG);
	/* Phase 1 runs under message ID zero; a quick mode needs its own (RFC 2409 5.5). */
	if ((x == IKEV1_EXCHANGE_MAIN || x == IKEV1_EXCHANGE_AGGRESSIVE) !=
		(hdr->message_id == 0) &&
	    x != IKEV1_EXCHANGE_INFORMATIONAL)
		return fail(notify, IKEV1_N_INVALID_MESSAGE_ID, -EBADMSG);
	return 0;
}

static int decode(struct ikev1_message *msg, struct ikev1_payload *p, decoder_fn decoder)
{
	if (decoder != sa_placeholder)
		return decoder(p, &msg->notify);
	/* Every exchange carries at most one SA payload. */
	if (ikev1_message_find(msg, IKEV1_PAYLOAD_SA, 0) != NULL)
		return -EBADMSG;
	return ikev1_decode_sa(p, &msg->sa_storage, &msg->notify);
}

/* Walks the chain in buf[pos..len). Cleartext chains end exactly at the end; decrypted ones
 * may be followed by padding. */
static int parse_chain(struct ikev1_message *msg, const uint8_t *buf, size_t pos, size_t len,
		       bool decrypted)
{
	uint8_t type = msg->header.next_payload;
	size_t start = pos;

	if (type == IKEV1_PAYLOAD_NONE)
		return fail(&msg->notify, IKEV1_N_PAYLOAD_MALFORMED, -EBADMSG);
	/* Quick mode and protected informational messages start with HASH (RFC 2409 5.5,
	 * 5.7): without it nothing authenticates them. */
	if (decrypted && type != IKEV1_PAYLOAD_HASH &&
	    (msg->header.exchange_type == IKEV1_EXCHANGE_QUICK ||
	     msg->header.exchange_type == IKEV1_EXCHANGE_INFORMATIONAL))
		return fail(&msg->notify, IKEV1_N_INVALID_HASH_INFORMATION, -EBADMSG);
	while (type != IKEV1_PAYLOAD_NONE) {
		decoder_fn decoder;
		struct ikev1_payload *p;
		size_t plen;
		int ret;

		if (len - pos < IKE_GENERIC_HEADER_LEN)
			return fail(&msg->notify, IKEV1_N_PAYLOAD_MALFORMED, -EBADMSG);
		plen = ike_get16(buf + pos + 2);
		if (buf[pos + 1] != 0 || plen < IKE_GENERIC_HEADER_LEN || plen > len - pos)
			return fail(&msg->notify, IKEV1_N_PAYLOAD_MALFORMED, -EBADMSG);
		decoder = find_decoder(type);
		if (decoder == NULL) {
			msg->bad_payload_type = type;
			return fail(&msg->notify, IKEV1_N_INVALID_PAYLOAD_TYPE, -EOPNOTSUPP);
		}
		if (msg->payload_count >= IKEV1_MAX_PAYLOADS)
			return fail(&msg->notify, IKEV1_N_PAYLOAD_MALFORMED, -E2BIG);
		p = &msg->payloads[msg->payload_count];
		memset(p, 0, sizeof(*p));
		p->type = type;
		p->next_payload = buf[pos];
		p->body.ptr = buf + pos + IKE_GENERIC_HEADER_LEN;
		p->body.len = plen - IKE_GENERIC_HEADER_LEN;
		msg->notify = IKEV1_N_PAYLOAD_MALFORMED;
		ret = decode(msg, p, decoder);
		if (ret < 0)
			return ret;
		msg->notify = 0;
		msg->payload_count++;
		pos += plen;
		type = p->next_payload;
	}
	msg->chain.ptr = buf + start;
	msg->chain.len = pos - start;
	if (pos != len && (!decrypted || len - pos > IKEV1_MAX_PADDING))
		return fail(&msg->notify, IKEV1_N_PAYLOAD_MALFORMED, -EBADMSG);
	msg->padding = len - pos;
	return 0;
}

static void reset(struct ikev1_message *msg)
{
	msg->payload_count = 0;
	msg->chain.ptr = NULL;
	msg->chain.len = 0;
	msg->padding = 0;
	msg->notify = 0;
	msg->bad_payload_type = 0;
}

int ikev1_message_parse(const uint8_t *buf, size_t len, struct ikev1_message *msg)
{
	int ret;

	if (buf == NULL || msg == NULL)
		return -EINVAL;
	reset(msg);
	msg->encrypted.ptr = NULL;
	msg->encrypted.len = 0;
	ret = ikev1_header_parse(buf, len, &msg->header, &msg->notify);
	if (ret < 0)
		return ret;
	if (msg->header.length != len || len == IKE_HEADER_LEN)
		return fail(&msg->notify, IKEV1_N_PAYLOAD_MALFORMED, -EBADMSG);
	if (msg->header.flags & IKEV1_FLAG_ENCRYPTION) {
		msg->encrypted.ptr = buf + IKE_HEADER_LEN;
		msg->encrypted.len = len - IKE_HEADER_LEN;
		return 0;
	}
	return parse_chain(msg, buf, IKE_HEADER_LEN, len, false);
}

int ikev1_message_parse_decrypted(struct ikev1_message *msg, const uint8_t *plain, size_t len)
{
	if (msg == NULL || plain == NULL || !(msg->header.flags & IKEV1_FLAG_ENCRYPTION))
		return -EINVAL;
	reset(msg);
	return parse_chain(msg, plain, 0, len, true);
}

const struct ikev1_payload *ikev1_message_find(const struct ikev1_message *msg, uint8_t type,
					       unsigned n)
{
	size_t i;

	for (i = 0; i < msg->payload_count; i++)
		if (msg->payloads[i].type == type && n-- == 0)
			return &msg->payloads[i];
	return NULL;
}

const struct ikev1_notify_payload *ikev1_message_find_notify(const struct ikev1_message *msg,
							     uint16_t notify_type)
{
	size_t i;

	for (i = 0; i < msg->payload_count; i++)
		if (msg->payloads[i].type == IKEV1_PAYLOAD_NOTIFY &&
		    msg->payloads[i].u.notify.type == notify_type)
			return &msg->payloads[i].u.notify;
	return NULL;
}

struct ike_span ikev1_message_after(const struct ikev1_message *msg, const struct ikev1_payload *p)
{
	struct ike_span s = {NULL, 0};
	const uint8_t *from;

	if (msg == NULL || p == NULL || p < msg->payloads ||
	    p >= msg->payloads + msg->payload_count)
		return s;
	from = p->body.ptr + p->body.len;
	s.ptr = from;
	s.len = (size_t)(msg->chain.ptr + msg->chain.len - from);
	return s;
}

/* MD5 of "RFC 3947" (RFC 3947 3) and the DPD vendor ID of version 1.0 (RFC 3706 5). */
const uint8_t ikev1_vid_nat_t_rfc3947[IKEV1_VID_LEN] = {
    0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
const uint8_t ikev1_vid_dpd[IKEV1_VID_LEN] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
					      0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};

/* MD5 of "draft-ietf-ipsec-nat-t-ike-02", of the same with a newline, and of "-03". */
static const uint8_t vid_nat_t_drafts[][IKEV1_VID_LEN] = {
    {0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4,
     0x48},
    {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b,
     0x1f},
    {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d,
     0x56},
};

enum ikev1_vendor ikev1_vendor_id_kind(struct ike_span vid)
{
	size_t i;

	if (vid.ptr == NULL || vid.len != IKEV1_VID_LEN)
		return IKEV1_VENDOR_UNKNOWN;
	if (memcmp(vid.ptr, ikev1_vid_nat_t_rfc3947, IKEV1_VID_LEN) == 0)
		return IKEV1_VENDOR_NAT_T_RFC3947;
	if (memcmp(vid.ptr, ikev1_vid_dpd, IKEV1_VID_LEN) == 0)
		return IKEV1_VENDOR_DPD;
	for (i = 0; i < sizeof(vid_nat_t_drafts) / sizeof(vid_nat_t_drafts[0]); i++)
		if (memcmp(vid.ptr, vid_nat_t_drafts[i], IKEV1_VID_LEN) == 0)
			return IKEV1_VENDOR_NAT_T_DRAFT;
	return IKEV1_VENDOR_UNKNOWN;
}
