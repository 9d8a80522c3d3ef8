/* tunnel_if.h: the host side of route-based sessions' tunnel interfaces (tunnel_if.c). */
#ifndef ESPNICD_TUNNEL_IF_H
#define ESPNICD_TUNNEL_IF_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "dataplane/dataplane.h"

struct sessions;

/* Puts the model's route-based sessions' addresses and static routes on the host and takes
 * away what no session wants any more; retries what failed before. */
void tunnel_if_sync(struct sessions *s);
/* Takes everything away (espnicd stopping). */
void tunnel_if_close(struct sessions *s);
/* A session's tunnel interface name: tunnel_interface_name, else HOST_IF.VLAN. */
void tunnel_if_name(const json_t *session, const char *host_if, char out[DP_IFNAME_MAX]);
/* tunnel_interface "A.B.C.D/30" or "/31": this side's address, the prefix length and the
 * peer's end; false if it is none of those. */
bool tunnel_if_peer_address(const char *cidr, uint8_t local[4], unsigned *plen, uint8_t peer[4]);

#endif
