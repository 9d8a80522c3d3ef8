/* Key-holding objects kept out of core dumps (MADV_DONTDUMP): even when a core is written
 * (espnicd itself is not dumpable, see main.c), keys are not in it. Objects up to SLAB_MAX_SLOT
 * share slabs (one mapping holds many: an IKE_SA each no longer costs a mapping of its own and
 * whole pages, so 16k tunnels stay far below vm.max_map_count); larger ones get a mapping
 * each. Everything is wiped when freed; the whole pages of a freed slot go back to the kernel
 * (MADV_DONTNEED), so a flood's peak does not stay resident. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "secmem.h"

#define HEADER	      64 /* before each object: how to free it; keeps the object aligned */
#define SLAB_MAX_SLOT 16384
#define SLAB_MIN      (256 * 1024) /* a slab holds at least this much, and 16 slots */
#define STEP	      64 /* slot sizes: multiples of 64 (few sizes are in use: little waste) */
#define CLASSES	      (SLAB_MAX_SLOT / STEP)
#define LARGE	      UINT32_MAX

struct header {
	uint32_t cls;	     /* size class, LARGE: a mapping of its own */
	size_t len;	     /* LARGE: the mapping's length */
	struct header *next; /* free list (free slots only) */
};

static struct {
	struct header *free; /* wiped slots */
	uint8_t *bump, *end; /* the unused rest of the class's newest slab */
} classes[CLASSES];
static struct secmem_stats stats;

static size_t slot_size(unsigned cls)
{
	return (size_t)(cls + 1) * STEP;
}

static unsigned class_of(size_t slot)
{
	return (unsigned)((slot + STEP - 1) / STEP - 1);
}

/* Anonymous memory marked MADV_DONTDUMP, or NULL: without the mark keys would be in a core,
 * so refuse rather than hand out such memory. */
static void *map_dontdump(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, len, MADV_DONTDUMP) < 0) {
		munmap(p, len);
		return NULL;
	}
	stats.mappings++;
	return p;
}

static struct header *slab_slot(unsigned cls)
{
	size_t slot = slot_size(cls), slab = 16 * slot;
	struct header *h = classes[cls].free;

	if (h != NULL) {
		classes[cls].free = h->next;
		return h;
	}
	if (classes[cls].bump == NULL || (size_t)(classes[cls].end - classes[cls].bump) < slot) {
		long page = sysconf(_SC_PAGESIZE);

		if (slab < SLAB_MIN)
			slab = SLAB_MIN;
		slab = (slab + (size_t)page - 1) / (size_t)page * (size_t)page;
		classes[cls].bump = map_dontdump(slab); /* the rest of the old slab: unused */
		if (classes[cls].bump == NULL)
			return NULL;
		classes[cls].end = classes[cls].bump + slab;
	}
	h = (struct header *)classes[cls].bump;
	classes[cls].bump += slot;
	return h;
}

void *secmem_zalloc(size_t len)
{
	struct header *h;

	if (len > SIZE_MAX - HEADER - 4096)
		return NULL;
	if (len + HEADER <= SLAB_MAX_SLOT) {
		unsigned cls = class_of(len + HEADER);

		h = slab_slot(cls);
		if (h == NULL)
			return NULL;
		h->cls = cls;
		h->len = slot_size(cls);
		memset((uint8_t *)h + HEADER, 0, len); /* a reused slot reads zero already */
	} else {
		h = map_dontdump(len + HEADER); /* mmap zeroes it */
		if (h == NULL)
			return NULL;
		h->cls = LARGE;
		h->len = len + HEADER;
	}
	stats.objects++;
	return (uint8_t *)h + HEADER;
}

/* The whole pages inside [p, p + len) back to the kernel: they read zero when next touched. */
static void release_pages(uint8_t *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(page - 1);

	if (end > start)
		madvise((void *)start, end - start, MADV_DONTNEED);
}

void secmem_free(void *p)
{
	struct header *h;

	if (p == NULL)
		return;
	h = (struct header *)((uint8_t *)p - HEADER);
	stats.objects--;
	if (h->cls == LARGE) {
		size_t len = h->len;

		OPENSSL_cleanse(h, len);
		munmap(h, len);
		stats.mappings--;
		return;
	}
	OPENSSL_cleanse(p, h->len - HEADER);
	release_pages((uint8_t *)p, h->len - HEADER);
	h->next = classes[h->cls].free;
	classes[h->cls].free = h;
}

struct secmem_stats secmem_stats(void)
{
	return stats;
}
