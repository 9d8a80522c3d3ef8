/* Helpers shared by the ike unit tests: hex decoding, locating the reference vectors and
 * reading the sectioned hex vector files. */
#ifndef IKE_TEST_UTIL_H
#define IKE_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_types.h"

/* Decodes hex into a new malloc'd buffer; *len gets its length. NULL on bad hex. */
uint8_t *test_unhex(const char *hex, size_t *len);
/* Decodes into a caller buffer; returns the length or -1. */
int test_unhex_into(const char *hex, uint8_t *out, size_t cap);
/* Path of a file under the Wycheproof vectors directory (static buffer). */
const char *test_vector_path(const char *name);

/* The hex value of "key = ..." under "[section]" of a vector file, decoded into out;
 * returns its length or -1. */
int test_vector_hex(const char *file, const char *section, const char *key, uint8_t *out,
		    size_t cap);
/* A fixed-seed xorshift generator, so random tests reproduce. */
unsigned test_random(unsigned *state);
/* Sets the length field of an IKE (v1 or v2) header. */
void test_set_length(uint8_t *msg, size_t len);
bool test_span_equal(struct ike_span a, struct ike_span b);

#endif
