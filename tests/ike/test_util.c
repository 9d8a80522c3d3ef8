/* Helpers shared by the ike unit tests. */
#include <stdbool.h>
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

int test_vector_hex(const char *file, const char *section, const char *key, uint8_t *out,
		    size_t cap)
{
	FILE *f = fopen(file, "r");
	char line[8192], want[128];
	bool in_section = false;
	int ret = -1;

	if (f == NULL)
		return -1;
	snprintf(want, sizeof(want), "[%s]", section);
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strcspn(line, "\r\n"), klen = strlen(key);

		line[n] = '\0';
		if (line[0] == '[') {
			in_section = strcmp(line, want) == 0;
			continue;
		}
		if (in_section && strncmp(line, key, klen) == 0 &&
		    strncmp(line + klen, " = ", 3) == 0) {
			ret = test_unhex_into(line + klen + 3, out, cap);
			break;
		}
	}
	fclose(f);
	return ret;
}

unsigned test_random(unsigned *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

void test_set_length(uint8_t *msg, size_t len)
{
	msg[24] = (uint8_t)(len >> 24);
	msg[25] = (uint8_t)(len >> 16);
	msg[26] = (uint8_t)(len >> 8);
	msg[27] = (uint8_t)len;
}

bool test_span_equal(struct ike_span a, struct ike_span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}
