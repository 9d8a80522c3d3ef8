/* Liveness (task_dpd.c): what the timers of an IKE_SA (either version) and the reaping of
 * dead ones use; the liveness check itself starts through the task manager. */
#ifndef ESPNICD_TASK_DPD_H
#define ESPNICD_TASK_DPD_H

#include <stdbool.h>
#include <stdint.h>

#include "ike_sa.h"

/* On-demand DPD: whether the dataplane counted inbound ESP on one of sa's CHILD_SAs since the
 * last look (or within dpd_delay); such traffic proves the peer alive without a probe. */
bool dpd_inbound_seen(struct ike_sa *sa, uint64_t now);
void keepalive_check(struct ike_sa *sa, uint64_t now);
/* dpd_action of SAs whose peer stopped answering, applied as they are reaped. */
void dead_peer_actions(struct espnicd *d);

#endif
