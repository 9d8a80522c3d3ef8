/* bgp_frr.h: route-based sessions' BGP through FRR's vtysh (bgp_frr.c). */
#ifndef ESPNICD_BGP_FRR_H
#define ESPNICD_BGP_FRR_H

#include <jansson.h>

struct sessions;

/* Applies what the sessions' "bgp" objects want to FRR, as a difference to what was applied
 * before; retried on the next call after a failure. */
void bgp_frr_sync(struct sessions *s);
/* A session's BGP status ({"neighbor", "local_asn", "peer_asn", "state",
 * "prefixes_received"}) from FRR, or NULL when it has no BGP. */
json_t *bgp_frr_status(struct sessions *s, const json_t *session);
/* Removes espnicd's BGP router from FRR (espnicd stopping). */
void bgp_frr_close(struct sessions *s);

#endif
