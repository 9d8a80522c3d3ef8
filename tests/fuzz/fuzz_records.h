/* fuzz_records.h: the framing the fuzz targets that take a sequence of operations share: two
 * octets the target interprets, a length (16 bits, big endian), then that many octets (fewer
 * when the input ends first). */
#ifndef ESPNIC_FUZZ_RECORDS_H
#define ESPNIC_FUZZ_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fuzz_record {
	uint8_t op, arg;
	const uint8_t *body;
	size_t len;
};

/* The record at *off, advancing *off past it; false when no whole record header is left. */
static inline bool fuzz_record_next(const uint8_t *data, size_t size, size_t *off,
				    struct fuzz_record *r)
{
	if (*off > size || size - *off < 4)
		return false;
	r->op = data[*off];
	r->arg = data[*off + 1];
	r->len = (size_t)data[*off + 2] << 8 | data[*off + 3];
	*off += 4;
	if (r->len > size - *off)
		r->len = size - *off;
	r->body = data + *off;
	*off += r->len;
	return true;
}

#endif
