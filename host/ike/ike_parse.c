/* The payload chain walker (RFC 7296 3.2): one table says which payload types are known and
 * how to decode them; unknown critical payloads fail, unknown non-critical ones are skipped,
 * and the chain must end exactly at the end of the message. */
#include <errno.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_parse_internal.h"

enum decoder {
	DECODE_RAW, /* known, kept as a body (CP, EAP) */
	DECODE_SA,
	DECODE_KE,
	DECODE_ID,
	DECODE_CERT,
	DECODE_CERTREQ,
	DECODE_AUTH,
	DECODE_NONCE,
	DECODE_NOTIFY,
	DECODE_DELETE,
	DECODE_VENDOR_ID,
	DECODE_TS,
	DECODE_SK,
	DECODE_SKF,
};

struct payload_rule {
	uint8_t type;
	enum decoder decoder;
};

static const struct payload_rule rules[] = {
    {IKE_PAYLOAD_SA, DECODE_SA},
    {IKE_PAYLOAD_KE, DECODE_KE},
    {IKE_PAYLOAD_IDI, DECODE_ID},
    {IKE_PAYLOAD_IDR, DECODE_ID},
    {IKE_PAYLOAD_CERT, DECODE_CERT},
    {IKE_PAYLOAD_CERTREQ, DECODE_CERTREQ},
    {IKE_PAYLOAD_AUTH, DECODE_AUTH},
    {IKE_PAYLOAD_NONCE, DECODE_NONCE},
    {IKE_PAYLOAD_NOTIFY, DECODE_NOTIFY},
    {IKE_PAYLOAD_DELETE, DECODE_DELETE},
    {IKE_PAYLOAD_VENDOR_ID, DECODE_VENDOR_ID},
    {IKE_PAYLOAD_TSI, DECODE_TS},
    {IKE_PAYLOAD_TSR, DECODE_TS},
    {IKE_PAYLOAD_SK, DECODE_SK},
    {IKE_PAYLOAD_CP, DECODE_RAW},
    {IKE_PAYLOAD_EAP, DECODE_RAW},
    {IKE_PAYLOAD_SKF, DECODE_SKF},
};

static const struct payload_rule *find_rule(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].type == type)
			return &rules[i];
	return NULL;
}

static bool seen(const struct ike_message *msg, uint8_t type)
{
	return ike_message_find(msg, type) != NULL;
}

static int decode(struct ike_message *msg, struct ike_payload *p, enum decoder d)
{
	switch (d) {
	case DECODE_RAW:
		return 0;
	case DECODE_SA:
		/* One SA per message; a second one has no meaning in any exchange. */
		if (seen(msg, IKE_PAYLOAD_SA))
			return -EBADMSG;
		return ike_decode_sa(p, &msg->sa_storage,
				     (msg->header.flags & IKE_FLAG_RESPONSE) != 0);
	case DECODE_KE:
		return ike_decode_ke(p);
	case DECODE_ID:
		return ike_decode_id(p);
	case DECODE_CERT:
		return ike_decode_cert(p);
	case DECODE_CERTREQ:
		return ike_decode_certreq(p);
	case DECODE_AUTH:
		return ike_decode_auth(p);
	case DECODE_NONCE:
		return ike_decode_nonce(p);
	case DECODE_NOTIFY:
		return ike_decode_notify(p);
	case DECODE_DELETE:
		return ike_decode_delete(p);
	case DECODE_VENDOR_ID:
		return ike_decode_vendor_id(p);
	case DECODE_TS:
		if (seen(msg, p->type))
			return -EBADMSG;
		return ike_decode_ts(p, &msg->ts_storage[p->type == IKE_PAYLOAD_TSI ? 0 : 1]);
	case DECODE_SK:
		return ike_decode_sk(p);
	case DECODE_SKF:
		return ike_decode_skf(p);
	}
	return -EBADMSG;
}

/* Walks the chain in buf[pos..len). For the outer chain buf is the whole message, so SK
 * offsets come out message-relative; inner chains (decrypted SK contents) may not nest SK. */
static int parse_chain(struct ike_message *msg, uint8_t type, const uint8_t *buf, size_t pos,
		       size_t len, bool inner)
{
	while (type != IKE_PAYLOAD_NONE) {
		const struct payload_rule *rule;
		struct ike_payload *p;
		size_t plen;
		uint8_t next;
		bool critical;
		int ret;

		if (len - pos < IKE_GENERIC_HEADER_LEN)
			return -EBADMSG;
		next = buf[pos];
		critical = (buf[pos + 1] & IKE_PAYLOAD_CRITICAL) != 0;
		plen = ike_get16(buf + pos + 2);
		if (plen < IKE_GENERIC_HEADER_LEN || plen > len - pos)
			return -EBADMSG;
		rule = find_rule(type);
		if (rule == NULL) {
			if (critical) {
				msg->unsupported_critical_type = type;
				return -EOPNOTSUPP;
			}
			msg->skipped_unknown++;
			pos += plen;
			type = next;
			continue;
		}
		if (msg->payload_count >= IKE_MAX_PAYLOADS)
			return -E2BIG;
		p = &msg->payloads[msg->payload_count];
		memset(p, 0, sizeof(*p));
		p->type = type;
		p->next_payload = next;
		p->critical = critical;
		p->body.ptr = buf + pos + IKE_GENERIC_HEADER_LEN;
		p->body.len = plen - IKE_GENERIC_HEADER_LEN;
		ret = decode(msg, p, rule->decoder);
		if (ret < 0)
			return ret;
		msg->payload_count++;
		if (rule->decoder == DECODE_SK || rule->decoder == DECODE_SKF) {
			/* Encrypted payloads are last; their next-payload names the inner chain. */
			if (inner || pos + plen != len)
				return -EBADMSG;
			p->u.sk.offset = pos;
			return 0;
		}
		pos += plen;
		type = next;
	}
	return pos == len ? 0 : -EBADMSG;
}

int ike_message_parse(const uint8_t *buf, size_t len, struct ike_message *msg)
{
	int ret;

	if (buf == NULL || msg == NULL)
		return -EINVAL;
	memset(&msg->header, 0, sizeof(msg->header));
	msg->payload_count = 0;
	msg->unsupported_critical_type = 0;
	msg->skipped_unknown = 0;
	ret = ike_header_parse(buf, len, &msg->header);
	if (ret < 0)
		return ret;
	/* One UDP datagram carries exactly one message. */
	if (msg->header.length != len)
		return -EBADMSG;
	return parse_chain(msg, msg->header.next_payload, buf, IKE_HEADER_LEN, len, false);
}

int ike_message_parse_inner(struct ike_message *msg, uint8_t first_type, const uint8_t *buf,
			    size_t len)
{
	if (msg == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (buf == NULL)
		return first_type == IKE_PAYLOAD_NONE ? 0 : -EBADMSG;
	return parse_chain(msg, first_type, buf, 0, len, true);
}

const struct ike_payload *ike_message_find(const struct ike_message *msg, uint8_t type)
{
	size_t i;

	for (i = 0; i < msg->payload_count; i++)
		if (msg->payloads[i].type == type)
			return &msg->payloads[i];
	return NULL;
}

const struct ike_notify_payload *ike_message_find_notify(const struct ike_message *msg,
							 uint16_t notify_type)
{
	size_t i;

	for (i = 0; i < msg->payload_count; i++)
		if (msg->payloads[i].type == IKE_PAYLOAD_NOTIFY &&
		    msg->payloads[i].u.notify.type == notify_type)
			return &msg->payloads[i].u.notify;
	return NULL;
}

uint16_t ike_parse_error_notify(int err)
{
	switch (err) {
	case -EBADMSG:
	case -E2BIG:
		return IKE_N_INVALID_SYNTAX;
	case -EPROTONOSUPPORT:
		return IKE_N_INVALID_MAJOR_VERSION;
	case -EOPNOTSUPP:
		return IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD;
	default:
		return 0;
	}
}
