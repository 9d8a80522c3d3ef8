/* What the API shows of a peer's IKE_SA and CHILD_SAs (state, SPIs, the algorithms chosen,
 * since when), read out of the core without changing it. */
#ifndef ESPNICD_CORE_STATUS_H
#define ESPNICD_CORE_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/espnicd.h"

#define ESPNICD_STATUS_CHILDREN 8

struct espnicd_child_status {
	uint32_t reqid, spi_in, spi_out;
	bool installed;			     /* not being rekeyed away or deleted */
	uint16_t encr, encr_bits, integ, dh; /* IKEv2 transform IDs, 0 = none */
	bool esn;
	bool transport;	       /* transport mode (else tunnel) */
	uint64_t installed_ms; /* core clock; 0 = unknown */
	char local_ts[256], remote_ts[256];
};

struct espnicd_peer_status {
	bool present; /* an IKE_SA exists (in any state) */
	int state;    /* enum ike_sa_state */
	const char *state_name;
	bool initiator, encap;
	uint8_t version; /* 1 (IKEv1) or 2 */
	uint8_t spi_i[8], spi_r[8];
	uint16_t encr, encr_bits, integ, prf, dh;
	uint64_t established_ms; /* core clock; 0 = not established */
	unsigned child_count;
	struct espnicd_child_status child[ESPNICD_STATUS_CHILDREN];
};

/* The most advanced IKE_SA of peer (an established one first); st->present false if none. */
void espnicd_peer_status(const struct espnicd *d, const char *peer, struct espnicd_peer_status *st);
/* The core's clock, to turn the times above into ages. */
uint64_t espnicd_now_ms(const struct espnicd *d);

#endif
