/* IKEv1 (RFC 2409) in espnicd: what the IKEv2 core (ike/) calls to hand version-1 datagrams,
 * initiations, timers and queued work to the IKEv1 state machines of this folder. IKEv1
 * SAs are struct ike_sa objects in the same list (status, dataplane events, shutdown and
 * the CHILD_SA install are shared) with sa->v1 set; their exchanges are these files'. */
#ifndef ESPNICD_IKEV1_H
#define ESPNICD_IKEV1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct espnicd;
struct ike_sa;
struct cfg_peer;

/* A datagram whose header says version 1.0. */
void ikev1_receive(struct espnicd *d, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote, const uint8_t *buf, size_t len);
/* Main mode towards a "version": 1 peer; its quick mode follows. */
int ikev1_initiate(struct espnicd *d, const struct cfg_peer *peer);
/* The IKE_SA's queued work (deletes, rekeys, a new CHILD_SA) when it is idle. */
void ikev1_schedule(struct ike_sa *sa);
uint64_t ikev1_next_timer(struct ike_sa *sa);
void ikev1_run_timers(struct ike_sa *sa, uint64_t now);
/* Frees the IKEv1 part of an IKE_SA being destroyed. */
void ikev1_sa_free(struct ike_sa *sa);
/* Frees what the core's IKEv1 part holds (the first messages kept before their cookie came
 * back). */
void ikev1_free(struct espnicd *d);
/* How many first messages of main mode are kept, waiting for their cookie (at most
 * half_open_max). */
unsigned ikev1_pending_count(const struct espnicd *d);

#endif
