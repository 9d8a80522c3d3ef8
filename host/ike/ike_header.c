/* The fixed IKE header (RFC 7296 3.1) and the non-ESP marker of port 4500 (RFC 3948 2.2). */
#include <errno.h>
#include <string.h>

#include "ike_bytes.h"
#include "ike_message.h"

void ike_header_decode(const uint8_t buf[IKE_HEADER_LEN], struct ike_header *hdr)
{
	memcpy(hdr->spi_i, buf, IKE_SPI_LEN);
	memcpy(hdr->spi_r, buf + 8, IKE_SPI_LEN);
	hdr->next_payload = buf[16];
	hdr->major_version = buf[17] >> 4;
	hdr->minor_version = buf[17] & 0x0f;
	hdr->exchange_type = buf[18];
	hdr->flags = buf[19];
	hdr->message_id = ike_get32(buf + 20);
	hdr->length = ike_get32(buf + 24);
}

int ike_header_parse(const uint8_t *buf, size_t len, struct ike_header *hdr)
{
	if (buf == NULL || hdr == NULL || len < IKE_HEADER_LEN)
		return -EBADMSG;
	ike_header_decode(buf, hdr);
	/* The major version is checked before anything else so that a future IKEv3 peer gets
	 * INVALID_MAJOR_VERSION rather than INVALID_SYNTAX (RFC 7296 2.5). */
	if (hdr->major_version != IKE_MAJOR_VERSION)
		return -EPROTONOSUPPORT;
	return 0;
}

void ike_header_write(const struct ike_header *hdr, uint8_t out[IKE_HEADER_LEN])
{
	memcpy(out, hdr->spi_i, IKE_SPI_LEN);
	memcpy(out + 8, hdr->spi_r, IKE_SPI_LEN);
	out[16] = hdr->next_payload;
	out[17] = (uint8_t)((hdr->major_version << 4) | (hdr->minor_version & 0x0f));
	out[18] = hdr->exchange_type;
	out[19] = hdr->flags;
	ike_put32(out + 20, hdr->message_id);
	ike_put32(out + 24, hdr->length);
}

int ike_non_esp_strip(const uint8_t *dgram, size_t len, struct ike_span *ike)
{
	static const uint8_t marker[IKE_NON_ESP_MARKER_LEN];

	if (dgram == NULL || ike == NULL || len < IKE_NON_ESP_MARKER_LEN)
		return -EBADMSG;
	if (memcmp(dgram, marker, sizeof(marker)) != 0)
		return 0;
	ike->ptr = dgram + IKE_NON_ESP_MARKER_LEN;
	ike->len = len - IKE_NON_ESP_MARKER_LEN;
	return 1;
}

int ike_non_esp_prepend(uint8_t *out, size_t cap, const uint8_t *msg, size_t len)
{
	if (out == NULL || (msg == NULL && len > 0))
		return -EINVAL;
	if (cap < IKE_NON_ESP_MARKER_LEN || len > cap - IKE_NON_ESP_MARKER_LEN || len > INT32_MAX)
		return -ENOSPC;
	memmove(out + IKE_NON_ESP_MARKER_LEN, msg, len);
	memset(out, 0, IKE_NON_ESP_MARKER_LEN);
	return (int)(len + IKE_NON_ESP_MARKER_LEN);
}
