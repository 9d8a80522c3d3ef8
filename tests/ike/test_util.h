/* Helpers shared by the ike unit tests: hex decoding and locating the reference vectors. */
#ifndef IKE_TEST_UTIL_H
#define IKE_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Decodes hex into a new malloc'd buffer; *len gets its length. NULL on bad hex. */
uint8_t *test_unhex(const char *hex, size_t *len);
/* Decodes into a caller buffer; returns the length or -1. */
int test_unhex_into(const char *hex, uint8_t *out, size_t cap);
/* Path of a file under the Wycheproof vectors directory (static buffer). */
const char *test_vector_path(const char *name);

#endif
