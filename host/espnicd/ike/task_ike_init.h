/* IKE_SA_INIT in the clear (task_ike_init.c): core.c hands it the peer's requests, which come
 * before there is an IKE_SA, and the answers to ours. The initiator's side starts through the
 * task manager (task_manager_initiate_peer). */
#ifndef ESPNICD_TASK_IKE_INIT_H
#define ESPNICD_TASK_IKE_INIT_H

#include <stddef.h>
#include <stdint.h>

#include "ike_sa.h"

void ike_init_process_request(struct espnicd *d, const struct sockaddr_storage *local,
			      const struct sockaddr_storage *remote, const uint8_t *buf, size_t len,
			      const struct ike_message *msg);
void ike_init_process_response(struct ike_sa *sa, const uint8_t *buf, size_t len,
			       const struct ike_message *msg);

#endif
