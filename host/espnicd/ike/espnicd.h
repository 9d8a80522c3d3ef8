/* The daemon core as the event loop (main.c) and the tests see it: no sockets and no clock
 * of its own. The caller feeds received IKE messages in, runs timers when due and provides
 * the clock and a send function, so tests drive it with crafted messages and a fake clock. */
#ifndef ESPNICD_H
#define ESPNICD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config/config.h"
#include "dataplane/dataplane.h"

struct espnicd;

enum espnicd_send_kind {
	ESPNICD_SEND_IKE,	/* an IKE message; on the NAT-T port the io adds the marker */
	ESPNICD_SEND_KEEPALIVE, /* the one-octet NAT-keepalive (RFC 3948 2.3) */
};

struct espnicd_io {
	void *arg;
	uint64_t (*now_ms)(void *arg); /* monotonic milliseconds */
	int (*send)(void *arg, enum espnicd_send_kind kind, const struct sockaddr_storage *local,
		    const struct sockaddr_storage *remote, const uint8_t *msg, size_t len);
	/* Optional: an IKE_SA of peer closed, why in words ("authentication failed", "no
	 * proposal chosen", "peer not responding", "deleted", ...). For status output. */
	void (*sa_closed)(void *arg, const char *peer, const char *why);
};

/* Takes ownership of cfg; dp stays the caller's. */
int espnicd_new(struct espnicd_config *cfg, struct dp *dp, const struct espnicd_io *io,
		struct espnicd **out);
/* Destroys every SA without sending anything (after espnicd_shutdown has been given time). */
void espnicd_free(struct espnicd *d);

/* Initiates every peer configured with "start": true. */
void espnicd_start(struct espnicd *d);
/* Initiates one peer by name: a new IKE_SA (with its CHILD_SA), or, when the peer's IKE_SA is
 * up but has lost its CHILD_SA, a new CHILD_SA in it (CREATE_CHILD_SA). */
int espnicd_initiate(struct espnicd *d, const char *peer);

/* A datagram received on local from remote (ports included), the non-ESP marker already
 * stripped when it came in on the NAT-T port. Malformed input is dropped or answered, never
 * trusted. */
void espnicd_receive(struct espnicd *d, const struct sockaddr_storage *local,
		     const struct sockaddr_storage *remote, const uint8_t *msg, size_t len);

/* Absolute time (now_ms scale) of the next timer, UINT64_MAX for none; run them when due. */
uint64_t espnicd_next_timer(struct espnicd *d);
void espnicd_run_timers(struct espnicd *d);

/* Dataplane events (soft/hard expiry, acquire). */
void espnicd_dataplane_events(struct espnicd *d);

/* Programs the dataplane's IKE bypass for cfg's IKE addresses and ports (at startup; the
 * core keeps it in step on reload). */
int espnicd_set_ike_bypass(const struct espnicd_config *cfg, struct dp *dp);

/* Narrows peer's ESP proposals to the transforms dp carries (esp_carried.c), so that the core
 * offers and accepts only what dp_install takes: 0 if all carry, 1 if some were left out, -1
 * with the reason in err if none is left (peer is then unchanged: the caller refuses it). */
int espnicd_esp_carried(struct cfg_peer *peer, const struct dp *dp, char *err, size_t err_len);

/* SIGHUP: new peers are added (and started), removed peers' SAs deleted, changed peers keep
 * their SAs until the next rekey, which uses the new settings. Takes ownership of cfg. */
void espnicd_reload(struct espnicd *d, struct espnicd_config *cfg);
/* SIGTERM: sends a delete for every IKE_SA; espnicd_idle() turns true once all are gone
 * (answered or timed out after one retransmission). */
void espnicd_shutdown(struct espnicd *d);
bool espnicd_idle(const struct espnicd *d);

/* Introspection for tests and status output. */
struct espnicd_sa_info {
	char peer[64];
	bool initiator;
	uint8_t version; /* 1 (IKEv1) or 2 */
	int state;	 /* enum ike_sa_state */
	uint8_t spi_i[8], spi_r[8];
	bool nat_local, nat_remote, encap;
	unsigned child_count;
	uint32_t child_spi_in[8], child_spi_out[8];
};
/* Counters of the whole daemon. */
struct espnicd_stats {
	uint64_t fragments_sent;	/* SKF datagrams, retransmissions included */
	uint64_t fragments_received;	/* authentic SKF payloads taken into a reassembly */
	uint64_t fragments_reassembled; /* complete messages */
	uint64_t fragments_dropped;	/* not negotiated, bad ICV, bad numbers, over limits */
};
void espnicd_get_stats(const struct espnicd *d, struct espnicd_stats *st);
unsigned espnicd_sa_count(const struct espnicd *d);
int espnicd_sa_info(struct espnicd *d, unsigned index, struct espnicd_sa_info *info);
const struct espnicd_config *espnicd_config(const struct espnicd *d);

#endif
