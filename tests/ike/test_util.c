/* Helpers shared by the ike unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int test_unhex_into(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex), i;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
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
