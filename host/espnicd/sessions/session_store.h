/* Persistence of the session-management model in a state directory: config.json (the
 * objects, no secrets) and secrets.json (the PSKs, mode 0600), each written atomically
 * (temporary file, fsync, rename, fsync of the directory). */
#ifndef ESPNICD_SESSION_STORE_H
#define ESPNICD_SESSION_STORE_H

#include <stddef.h>

#include "session_model.h"

#define STORE_CONFIG  "config.json"
#define STORE_SECRETS "secrets.json"

/* Makes jansson wipe every block it frees (request bodies and secrets pass through it). */
void store_wipe_json_memory(void);

/* Creates dir (mode 0700) if needed and loads the model (empty when there is no state yet). A
 * damaged file, a secrets file readable by others or an invalid object is an error naming
 * the file and the object. */
int store_load(const char *dir, struct sm_model *m, char *err, size_t err_len);

/* Saves next, the model about to replace prev (NULL at first): secrets old and new together
 * first, then the objects, then the new secrets alone. A crash at any point leaves files that
 * load, with at worst an unused secret. */
int store_save(const char *dir, const struct sm_model *prev, const struct sm_model *next, char *err,
	       size_t err_len);

/* Atomic replacement of one file (exposed for the tests). */
int store_write_atomic(const char *dir, const char *name, const char *data, size_t len,
		       unsigned mode, char *err, size_t err_len);

/* Tests: make the n-th following store_write_atomic fail after writing its temporary file
 * (0 = off), as a crash would. */
void store_test_fail_write(unsigned n);

#endif
