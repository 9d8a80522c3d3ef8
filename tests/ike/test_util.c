/* Helpers shared by the ike unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "test_util.h"

int test_unhex_into(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int ok;

	/* An empty string is zero bytes (the vectors have empty messages). */
	ERR_set_mark();
	ok = OPENSSL_hexstr2buf_ex(out, cap, &n, hex, '\0');
	ERR_pop_to_mark();
	return ok == 1 ? (int)n : -1;
}

uint8_t *test_unhex(const char *hex, size_t *len)
{
	size_t cap = strlen(hex) / 2 + 1;
	uint8_t *buf = malloc(cap);
	int n;

	if (buf == NULL)
		return NULL;
	n = test_unhex_into(hex, buf, cap);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

const char *test_vector_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/wycheproof/%s", IKE_TEST_VECTORS, name);
	return path;
}
