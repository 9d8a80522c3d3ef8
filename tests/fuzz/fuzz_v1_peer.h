/* fuzz_v1_peer.h: an IKEv1 initiator for fuzz_espnicd_receive (fuzz_v1_peer.c): main mode
 * with PSK against the node under test, then fuzzed quick mode and informational messages
 * under the phase-1 keys. */
#ifndef ESPNIC_FUZZ_V1_PEER_H
#define ESPNIC_FUZZ_V1_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the peer reaches the node: a datagram to it; the node's next datagram to us (false
 * when none; *len is the room in buf, then the length). */
struct v1_link {
	void *arg;
	void (*send)(void *arg, const uint8_t *msg, size_t len);
	bool (*take)(void *arg, uint8_t *buf, size_t *len);
};

/* Main mode from the address addr (IPv4, our ID) with the PSK of the bench. */
int v1_peer_establish(const struct v1_link *l, const uint8_t addr[4]);
/* One record of the fuzzer (fuzz_espnicd_receive.c says what ctl means) sent and B's
 * answers read. plain is changed in place (the HASH filled in). */
void v1_peer_send(const struct v1_link *l, uint8_t ctl, uint8_t first, uint8_t *plain, size_t len);
void v1_peer_wipe(void);

#endif
