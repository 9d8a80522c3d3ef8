/* Memory for key material kept out of core dumps: MADV_DONTDUMP mappings, small objects
 * sharing slabs, everything wiped when freed. For objects that hold keys (IKE_SAs, the
 * configuration with its PSKs); small buffers inside them need nothing more. */
#ifndef ESPNICD_SECMEM_H
#define ESPNICD_SECMEM_H

#include <stddef.h>

/* len zeroed bytes (64-byte aligned), or NULL. */
void *secmem_zalloc(size_t len);
/* Wipes and releases what secmem_zalloc returned (NULL: nothing). */
void secmem_free(void *p);

/* Objects allocated and not freed, and the mappings holding them (slabs and large ones). */
struct secmem_stats {
	size_t objects, mappings;
};
struct secmem_stats secmem_stats(void);

#endif
