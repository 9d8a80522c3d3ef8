/* Key-holding objects in pages of their own, excluded from core dumps (MADV_DONTDUMP): even
 * when a core is written (espnicd itself is not dumpable, see main.c), keys are not in it. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/crypto.h>

#include "secmem.h"

#define HEADER 64 /* the mapping's length, and alignment for what follows */

void *secmem_zalloc(size_t len)
{
	size_t total = len + HEADER;
	uint8_t *base;

	if (len > SIZE_MAX - HEADER)
		return NULL;
	base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	/* Without it the keys would be in a core: refuse rather than hand out such memory. */
	if (madvise(base, total, MADV_DONTDUMP) < 0) {
		munmap(base, total);
		return NULL;
	}
	memcpy(base, &total, sizeof(total));
	return base + HEADER; /* mmap zeroes it */
}

void secmem_free(void *p)
{
	uint8_t *base;
	size_t total;

	if (p == NULL)
		return;
	base = (uint8_t *)p - HEADER;
	memcpy(&total, base, sizeof(total));
	OPENSSL_cleanse(base, total);
	munmap(base, total);
}
