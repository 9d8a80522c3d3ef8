/* Serialization of each payload type from its decoded form: the inverse of the decoders, so
 * that parse(write(x)) == x for everything the parser accepts. */
#include <errno.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_message.h"

int ike_writer_put(struct ike_writer *w, const void *data, size_t len)
{
	uint8_t *p;
	int ret = ike_writer_reserve(w, len, &p);

	if (ret == 0 && len > 0)
		memcpy(p, data, len);
	return ret;
}

int ike_writer_put8(struct ike_writer *w, uint8_t v)
{
	return ike_writer_put(w, &v, 1);
}

int ike_writer_put16(struct ike_writer *w, uint16_t v)
{
	uint8_t b[2];

	ike_put16(b, v);
	return ike_writer_put(w, b, 2);
}

int ike_writer_put32(struct ike_writer *w, uint32_t v)
{
	uint8_t b[4];

	ike_put32(b, v);
	return ike_writer_put(w, b, 4);
}

int ike_writer_put_span(struct ike_writer *w, struct ike_span s)
{
	return ike_writer_put(w, s.ptr, s.len);
}

int ike_writer_put_zero(struct ike_writer *w, size_t n)
{
	static const uint8_t zero[4];

	return ike_writer_put(w, zero, n);
}

static int write_transform(struct ike_writer *w, const struct ike_transform *t, bool last)
{
	size_t start = w->len;

	ike_writer_put8(w, last ? 0 : 3);
	ike_writer_put8(w, 0);
	ike_writer_put16(w, 0); /* length, fixed below */
	ike_writer_put8(w, t->type);
	ike_writer_put8(w, 0);
	ike_writer_put16(w, t->id);
	if (t->key_length != 0) {
		ike_writer_put16(w, IKE_ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH);
		ike_writer_put16(w, t->key_length);
	}
	if (w->err)
		return w->err;
	ike_put16(w->buf + start + 2, (uint16_t)(w->len - start));
	return 0;
}

static int write_sa(struct ike_writer *w, const struct ike_sa_payload *sa)
{
	unsigned i, j;

	if (sa == NULL || sa->proposal_count == 0 || sa->proposal_count > IKE_MAX_PROPOSALS)
		return w->err = -EINVAL;
	for (i = 0; i < sa->proposal_count; i++) {
		const struct ike_proposal *prop = &sa->proposals[i];
		size_t start = w->len;

		if (prop->spi_size > IKE_MAX_SPI_LEN || prop->transform_count == 0 ||
		    prop->transform_count > IKE_MAX_TRANSFORMS)
			return w->err = -EINVAL;
		ike_writer_put8(w, i + 1 == sa->proposal_count ? 0 : 2);
		ike_writer_put8(w, 0);
		ike_writer_put16(w, 0);
		ike_writer_put8(w, prop->number);
		ike_writer_put8(w, prop->protocol);
		ike_writer_put8(w, prop->spi_size);
		ike_writer_put8(w, prop->transform_count);
		ike_writer_put(w, prop->spi, prop->spi_size);
		for (j = 0; j < prop->transform_count; j++)
			write_transform(w, &prop->transforms[j], j + 1 == prop->transform_count);
		if (w->err)
			return w->err;
		if (w->len - start > UINT16_MAX)
			return w->err = -EMSGSIZE;
		ike_put16(w->buf + start + 2, (uint16_t)(w->len - start));
	}
	return w->err;
}

static int write_ts(struct ike_writer *w, const struct ike_ts_payload *tsp)
{
	unsigned i;

	if (tsp == NULL || tsp->count == 0 || tsp->count > IKE_MAX_TS)
		return w->err = -EINVAL;
	ike_writer_put8(w, tsp->count);
	ike_writer_put_zero(w, 3);
	for (i = 0; i < tsp->count; i++) {
		const struct ike_ts *ts = &tsp->ts[i];
		size_t alen = ts->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;

		if (ts->type != IKE_TS_IPV4_ADDR_RANGE && ts->type != IKE_TS_IPV6_ADDR_RANGE)
			return w->err = -EINVAL;
		ike_writer_put8(w, ts->type);
		ike_writer_put8(w, ts->ip_protocol);
		ike_writer_put16(w, (uint16_t)(8 + 2 * alen));
		ike_writer_put16(w, ts->start_port);
		ike_writer_put16(w, ts->end_port);
		ike_writer_put(w, ts->start_addr, alen);
		ike_writer_put(w, ts->end_addr, alen);
	}
	return w->err;
}

static int write_body(struct ike_writer *w, const struct ike_payload *p)
{
	switch (p->type) {
	case IKE_PAYLOAD_SA:
		return write_sa(w, p->u.sa);
	case IKE_PAYLOAD_KE:
		ike_writer_put16(w, p->u.ke.group);
		ike_writer_put_zero(w, 2);
		return ike_writer_put_span(w, p->u.ke.data);
	case IKE_PAYLOAD_IDI:
	case IKE_PAYLOAD_IDR:
		ike_writer_put8(w, p->u.id.id_type);
		ike_writer_put_zero(w, 3);
		return ike_writer_put_span(w, p->u.id.data);
	case IKE_PAYLOAD_CERT:
	case IKE_PAYLOAD_CERTREQ:
		ike_writer_put8(w, p->u.cert.encoding);
		return ike_writer_put_span(w, p->u.cert.data);
	case IKE_PAYLOAD_AUTH:
		ike_writer_put8(w, p->u.auth.method);
		ike_writer_put_zero(w, 3);
		return ike_writer_put_span(w, p->u.auth.data);
	case IKE_PAYLOAD_NONCE:
		return ike_writer_put_span(w, p->u.nonce);
	case IKE_PAYLOAD_NOTIFY:
		if (p->u.notify.spi.len != p->u.notify.spi_size)
			return w->err = -EINVAL;
		ike_writer_put8(w, p->u.notify.protocol);
		ike_writer_put8(w, p->u.notify.spi_size);
		ike_writer_put16(w, p->u.notify.type);
		ike_writer_put_span(w, p->u.notify.spi);
		return ike_writer_put_span(w, p->u.notify.data);
	case IKE_PAYLOAD_DELETE:
		ike_writer_put8(w, p->u.del.protocol);
		ike_writer_put8(w, p->u.del.spi_size);
		ike_writer_put16(w, p->u.del.spi_count);
		return ike_writer_put_span(w, p->u.del.spis);
	case IKE_PAYLOAD_VENDOR_ID:
		return ike_writer_put_span(w, p->u.vendor_id);
	case IKE_PAYLOAD_TSI:
	case IKE_PAYLOAD_TSR:
		return write_ts(w, p->u.ts);
	case IKE_PAYLOAD_SK:
	case IKE_PAYLOAD_SKF:
		return w->err = -EINVAL; /* only ike_sk_encrypt produces these */
	default:
		return ike_writer_put_span(w, p->body);
	}
}

int ike_writer_payload(struct ike_writer *w, const struct ike_payload *p)
{
	size_t start;
	int ret;

	if (p == NULL)
		return w->err = -EINVAL;
	ret = ike_writer_begin_payload(w, p->type, p->critical, &start);
	if (ret < 0)
		return ret;
	ret = write_body(w, p);
	if (ret < 0)
		return w->err = ret;
	return ike_writer_end_payload(w, start);
}
