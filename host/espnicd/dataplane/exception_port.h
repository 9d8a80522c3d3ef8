/* The card's exception path on the host (issue 19): IP fragments the card received from the
 * wire arrive on its host interface behind ethertype 0x88B5 (ESPNIC_ETHERTYPE_REASSEMBLY);
 * this reads them from an AF_PACKET socket on espnicd's libevent loop, reassembles them
 * (reassembly.c) and writes each whole packet back on the same interface behind 0x88B5 with
 * the first fragment's MAC addresses, for the card to take into its ingress (decrypt, check,
 * deliver) as if it had come from the wire. */
#ifndef ESPNICD_EXCEPTION_PORT_H
#define ESPNICD_EXCEPTION_PORT_H

#include <stddef.h>

#include <event2/event.h>
#include <jansson.h>

struct exc_port;

/* The largest whole IP packet handed back: the card's MAX_FRAME (0: not known, 2048) less
 * the 14 bytes of the Ethernet header. */
size_t exc_port_max_packet(unsigned max_frame);

/* Creates the AF_PACKET socket now (it needs CAP_NET_RAW: call it before privileges are
 * dropped) and binds it to ifname, now if the interface exists, else on a later tick (once a
 * second; binding needs no capability). The same tick expires old datagrams. Negative errno,
 * err saying why. */
int exc_port_open(struct event_base *base, const char *ifname, size_t max_packet,
		  struct exc_port **out, char *err, size_t errlen);
void exc_port_close(struct exc_port *x);

/* {"interface", "bound", "mtu" (when bound), "frames_in", "fragments_in", "datagrams_reinjected",
 * "datagrams_in_progress", "frames_bad", "send_errors", "drops": {"overlap": n, ...}}: the counters
 * since start. */
json_t *exc_port_status(const struct exc_port *x);

/* Called (if set) each time the socket is bound to the interface: tests wait on it. */
void exc_port_on_bound(struct exc_port *x, void (*cb)(void *), void *arg);

#endif
