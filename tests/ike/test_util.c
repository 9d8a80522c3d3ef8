/* Helpers shared by the ike unit tests. */
#include <stdbool.h>
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
