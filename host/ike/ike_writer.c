/* The message writer: appends payloads into a caller buffer, links each one's type into the
 * previous next-payload octet, and fixes up lengths once they are known. */
#include <errno.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_message.h"

#define NP_NONE SIZE_MAX

void ike_writer_init(struct ike_writer *w, uint8_t *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = buf == NULL ? 0 : cap;
	w->np_offset = NP_NONE;
}

int ike_writer_reserve(struct ike_writer *w, size_t n, uint8_t **out)
{
	if (w->err)
		return w->err;
	if (n > w->cap - w->len) {
		w->err = -ENOSPC;
		return w->err;
	}
	*out = w->buf + w->len;
	w->len += n;
	return 0;
}

int ike_writer_header(struct ike_writer *w, const struct ike_header *hdr)
{
	struct ike_header h = *hdr;
	uint8_t *p;
	int ret;

	if (w->err)
		return w->err;
	if (w->len != 0)
		return w->err = -EINVAL;
	ret = ike_writer_reserve(w, IKE_HEADER_LEN, &p);
	if (ret < 0)
		return ret;
	h.next_payload = IKE_PAYLOAD_NONE;
	h.length = 0;
	ike_header_write(&h, p);
	w->np_offset = 16;
	w->has_header = true;
	return 0;
}

uint8_t ike_writer_first_type(const struct ike_writer *w)
{
	if (w->has_header)
		return w->len >= IKE_HEADER_LEN ? w->buf[16] : IKE_PAYLOAD_NONE;
	return w->first_type;
}

int ike_writer_begin_payload(struct ike_writer *w, uint8_t type, bool critical, size_t *start)
{
	uint8_t *p;
	int ret;

	if (w->err)
		return w->err;
	*start = w->len;
	ret = ike_writer_reserve(w, IKE_GENERIC_HEADER_LEN, &p);
	if (ret < 0)
		return ret;
	if (w->np_offset == NP_NONE)
		w->first_type = type;
	else
		w->buf[w->np_offset] = type;
	p[0] = IKE_PAYLOAD_NONE;
	p[1] = critical ? IKE_PAYLOAD_CRITICAL : 0;
	p[2] = 0;
	p[3] = 0;
	w->np_offset = *start;
	return 0;
}

int ike_writer_end_payload(struct ike_writer *w, size_t start)
{
	size_t plen;

	if (w->err)
		return w->err;
	plen = w->len - start;
	if (plen > UINT16_MAX)
		return w->err = -EMSGSIZE;
	ike_put16(w->buf + start + 2, (uint16_t)plen);
	return 0;
}

int ike_writer_finish(struct ike_writer *w)
{
	if (w->err)
		return w->err;
	if (w->len > INT32_MAX)
		return w->err = -EMSGSIZE;
	if (w->has_header)
		ike_put32(w->buf + 24, (uint32_t)w->len);
	return (int)w->len;
}
