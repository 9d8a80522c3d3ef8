/* Host routes for the card backend: a route per remote traffic selector through the card's
 * host interface (netlink, libmnl), so the kernel hands the card what it must protect. */
#ifndef ESPNICD_ROUTES_H
#define ESPNICD_ROUTES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct dp_routes;

int routes_open(struct dp_routes **out);
void routes_close(struct dp_routes *r);
/* Adds (or replaces) the route to prefix/plen out of ifname, or deletes it. The next hop is
 * the gateway the kernel uses toward peer, else peer itself (on-link); for an inner family
 * other than the peer's, a device route. mtu (0 = none) is the route's MTU metric: the
 * kernel fragments or answers "fragmentation needed" / "packet too big" for larger packets
 * itself. Negative errno; err explains. */
int routes_change(struct dp_routes *r, bool add, int family, const uint8_t *prefix, unsigned plen,
		  const char *ifname, const struct sockaddr_storage *peer, unsigned mtu, char *err,
		  size_t errlen);

/* Adds (and brings ifname up, with its MTU set to mtu unless 0) or deletes the IPv4 address
 * addr/plen on ifname: a route-based session's tunnel interface (sessions/tunnel_if.c). */
int routes_addr(struct dp_routes *r, bool add, const uint8_t addr[4], unsigned plen, unsigned mtu,
		const char *ifname, char *err, size_t errlen);

#endif
