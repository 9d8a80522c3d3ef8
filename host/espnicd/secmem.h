/* Memory for key material kept out of core dumps: whole pages of their own, marked
 * MADV_DONTDUMP, wiped before they are returned. For objects that hold keys (IKE_SAs, the
 * configuration with its PSKs); small buffers inside them need nothing more. */
#ifndef ESPNICD_SECMEM_H
#define ESPNICD_SECMEM_H

#include <stddef.h>

/* len zeroed bytes (64-byte aligned), or NULL. */
void *secmem_zalloc(size_t len);
/* Wipes and unmaps what secmem_zalloc returned (NULL: nothing). */
void secmem_free(void *p);

#endif
