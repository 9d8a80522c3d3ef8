/* Trap policies (traps.c): the dataplane's ACQUIRE for traffic of an on-demand peer, or of a
 * peer held after its DPD gave up (dpd_action hold). */
#ifndef ESPNICD_TRAPS_H
#define ESPNICD_TRAPS_H

#include <stdbool.h>

#include "ike_sa.h"

/* Traps for the configuration: on-demand peers get one (on reload a fresh one), held peers
 * keep theirs while they are still configured with dpd_action hold; the rest go. */
void traps_sync(struct espnicd *d, bool reload);
/* Every trap out of the dataplane (the daemon ends). */
void traps_free(struct espnicd *d);
/* An IKE_SA of the peer is gone, or a negotiation failed: its trap may ACQUIRE again. */
void trap_rearm_peer(struct espnicd *d, const char *name);
/* dpd_action hold: the peer's traffic is trapped (by its on-demand trap, or by one installed
 * now) and its ACQUIRE initiates again; false if no trap could be installed. */
bool trap_hold(struct espnicd *d, const struct cfg_peer *p);
/* A CHILD_SA of the peer is installed: a hold is over (its trap goes unless on-demand). */
void trap_child_installed(struct espnicd *d, const char *name);

#endif
