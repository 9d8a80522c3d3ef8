/* COOKIEs (task_cookie.c): made and verified by task_ike_init.c under half-open load; the
 * first secret at start (core.c). */
#ifndef ESPNICD_TASK_COOKIE_H
#define ESPNICD_TASK_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_sa.h"

int cookie_init(struct espnicd *d); /* the first secret */
int cookie_make(struct espnicd *d, const struct ike_message *msg,
		const struct sockaddr_storage *remote, uint8_t *out, size_t cap);
bool cookie_verify(struct espnicd *d, const struct ike_message *msg,
		   const struct sockaddr_storage *remote);

#endif
