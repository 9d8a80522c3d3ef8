/* The narrow interface between espnicd and whatever carries ESP: install a CHILD_SA pair,
 * delete it, read its counters, receive its events, trap policies for on-demand peers. The
 * daemon core only talks to this header; backends are the recording backend (tests,
 * dataplane_record.c) and the card through libespnic (dataplane_card.c); dataplane.c picks
 * one. Errors are negative errno. */
#ifndef ESPNICD_DATAPLANE_H
#define ESPNICD_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DP_MAX_KEY	 32 /* AES-256 */
#define DP_MAX_SALT	 4  /* RFC 4106 */
#define DP_MAX_INTEG_KEY 64
#define DP_MAX_SELECTORS 8
#define DP_IFNAME_MAX	 16 /* IFNAMSIZ */

enum dp_mode {
	DP_MODE_TUNNEL = 1,
	DP_MODE_TRANSPORT = 2,
};

/* One traffic selector: an address range, an IP protocol (0 = any), a port range. */
struct dp_selector {
	int family; /* AF_INET or AF_INET6 */
	uint8_t start_addr[16], end_addr[16];
	uint8_t ip_protocol;
	uint16_t start_port, end_port;
};

/* One direction of an SA: the SPI, its keys. integ_len is 0 for AEAD (AES-GCM). */
struct dp_sa_dir {
	uint32_t spi;
	uint8_t key[DP_MAX_KEY];
	uint8_t salt[DP_MAX_SALT];
	uint8_t integ_key[DP_MAX_INTEG_KEY];
};

struct dp_lifetime {
	uint64_t soft_bytes, hard_bytes; /* 0 = unlimited */
	uint64_t soft_packets, hard_packets;
};

/* A CHILD_SA pair as negotiated. Addresses are the outer (tunnel) endpoints; encap_*_port are
 * the UDP ports of RFC 3948 encapsulation (both 0 for plain ESP). */
#define DP_MSS_IN   1u /* cfg_peer.mss_dirs: clamp inbound SYNs (after decryption) */
#define DP_MSS_OUT  2u /* clamp outbound SYNs (before encryption) */
#define DP_MSS_AUTO 0xFFFFu

struct dp_child_sa {
	uint32_t reqid; /* the daemon's handle for the CHILD_SA (stable across rekeys) */
	enum dp_mode mode;
	uint16_t encr_id;  /* IKEv2 transform ID (enum ike_encr_id) */
	uint16_t key_bits; /* encryption key bits */
	uint16_t integ_id; /* IKEv2 integrity transform ID, 0 for AEAD */
	uint8_t key_len, salt_len, integ_key_len;
	bool esn;
	struct dp_sa_dir in, out;
	struct sockaddr_storage local, remote;
	uint16_t encap_local_port, encap_remote_port;
	unsigned local_ts_count, remote_ts_count;
	struct dp_selector local_ts[DP_MAX_SELECTORS], remote_ts[DP_MAX_SELECTORS];
	struct dp_lifetime lifetime;
	/* TCP MSS clamping per direction (of the traffic: out leaves through the tunnel):
	 * 0 none, DP_MSS_AUTO what the card's MTU leaves after this SA's overhead, else the
	 * MSS. */
	uint16_t mss_in, mss_out;
	/* Routes for the remote selectors via this host interface ("" = none), with the MTU
	 * that leaves room for the ESP (transport mode: the selector is the peer's address). */
	char host_if[DP_IFNAME_MAX];
	/* Route-based session: the 802.1Q VLAN of its tunnel interface on the card's host port
	 * (1..4094; 0: policy-based). Outbound rules match that VLAN (not the selectors, which
	 * are 0.0.0.0/0), inbound packets reach the host tagged with it. */
	uint16_t vlan;
	/* Install the inbound direction (and the outbound SA) but leave outbound traffic on the
	 * CHILD_SA this one replaces until dp_switch_out: a rekey responder must not send on
	 * the new SA before the peer has it (RFC 7296 2.8). */
	bool out_later;
};

/* A trap policy (on-demand initiation): PROTECT rules for local_ts x remote_ts with no SA;
 * traffic that hits them raises DP_EVENT_ACQUIRE with reqid. Installed CHILD_SAs take
 * precedence over traps with the same selectors. remote and host_if as in dp_child_sa (the
 * routes bring the traffic to the dataplane in the first place). */
struct dp_trap {
	uint32_t reqid;
	struct sockaddr_storage local, remote;
	unsigned local_ts_count, remote_ts_count;
	struct dp_selector local_ts[DP_MAX_SELECTORS], remote_ts[DP_MAX_SELECTORS];
	char host_if[DP_IFNAME_MAX];
	uint16_t vlan; /* as in dp_child_sa */
};

struct dp_counters {
	uint64_t in_packets, in_bytes, out_packets, out_bytes;
	uint64_t in_errors;
	uint64_t last_in_ms; /* monotonic milliseconds of the last inbound packet, 0 = never */
};

enum dp_event_type {
	DP_EVENT_SOFT_EXPIRE = 1, /* rekey the CHILD_SA */
	DP_EVENT_HARD_EXPIRE = 2, /* delete it */
	DP_EVENT_ACQUIRE = 3,	  /* traffic for a policy without SA: initiate */
};

struct dp_event {
	enum dp_event_type type;
	uint32_t spi_in; /* expiry: the inbound SPI of the pair */
	uint32_t reqid;	 /* acquire: the policy's reqid */
};

struct dp;

/* spec selects the backend: "record:<path>" writes one JSON object per line to path (tests),
 * "record:" keeps the records in memory only; "card:<libespnic URI>" (e.g. card:sim:NAME)
 * programs an espnic card, clearing whatever SAs and rules it still carries. */
int dp_open(const char *spec, struct dp **out);
void dp_close(struct dp *dp);

/* A fresh inbound SPI (never 0, never below 256, unique among installed SAs). */
int dp_alloc_spi(struct dp *dp, uint32_t *spi);
/* Returns an SPI from dp_alloc_spi that was never installed (negotiation failed). */
void dp_release_spi(struct dp *dp, uint32_t spi);
/* Installs both directions; the keys are copied (the caller wipes its copy). */
int dp_install(struct dp *dp, const struct dp_child_sa *sa);
/* Moves outbound traffic to the pair installed with out_later (inbound SPI spi_in): its
 * rules go in front of its predecessor's. 0 if it was moved already; -ENOENT if unknown. */
int dp_switch_out(struct dp *dp, uint32_t spi_in);
/* Deletes the pair whose inbound SPI is spi_in; -ENOENT if unknown. */
int dp_delete(struct dp *dp, uint32_t spi_in);
int dp_read_counters(struct dp *dp, uint32_t spi_in, struct dp_counters *c);

/* The card's health for the API's `GET card`: port counters (name and value) and how full
 * its SA table and SPD are. -ENOTSUP for a backend without a card (record). */
#define DP_HEALTH_COUNTERS 32
struct dp_health {
	char name[64];
	unsigned sa_n, sa_used, spd_n, spd_used;
	unsigned counter_count;
	const char *counter_name[DP_HEALTH_COUNTERS];
	uint64_t counter[DP_HEALTH_COUNTERS];
};
int dp_health(struct dp *dp, struct dp_health *h);
/* A pollable descriptor that becomes readable when events are pending (-1 if the backend has
 * none), and dp_next_event: 1 with *ev filled, 0 when empty. */
int dp_event_fd(struct dp *dp);
int dp_next_event(struct dp *dp, struct dp_event *ev);

/* IKE itself must never be protected: UDP from our IKE addresses (addrs, n of them, ports
 * ignored) and ports passes the dataplane in the clear (the card gets BYPASS rules ahead of
 * everything else), and nothing else does: a LAN host sending from port 500 or 4500 does not
 * pass. Called again with a new set of addresses (reload, sessions), the new rules go in
 * before the old ones go. */
#define DP_MAX_IKE_ADDRS 32
int dp_set_ike_bypass(struct dp *dp, const struct sockaddr_storage *addrs, unsigned n,
		      uint16_t port, uint16_t natt_port);
/* Trap policies (see struct dp_trap); -EEXIST for a reqid already trapped, -ENOENT on
 * removal of an unknown one. */
int dp_trap_install(struct dp *dp, const struct dp_trap *trap);
int dp_trap_remove(struct dp *dp, uint32_t reqid);
/* A trap raises one ACQUIRE, then stays quiet until re-armed (the card's ACQUIRE latch): the
 * daemon re-arms it when the negotiation it started is over without a tunnel. The card backend
 * also re-arms every trap when a CHILD_SA is deleted. -ENOENT for an unknown reqid. */
int dp_trap_rearm(struct dp *dp, uint32_t reqid);
/* What the dataplane can enforce on inbound traffic may be narrower than what IKE can
 * negotiate (the card: one source and one destination prefix and a protocol per SA, no
 * ports). Narrows local x remote in place to a subset the dataplane checks exactly, so it
 * never accepts more than was negotiated: 0 if they fit as they are, 1 if narrowed, -ENOTSUP
 * if no part of them fits. dp_install refuses selectors that do not fit. */
int dp_narrow_selectors(struct dp *dp, struct dp_selector *local, unsigned *nl,
			struct dp_selector *remote, unsigned *nr);
/* The largest inner packet an SA of this mode (UDP-encapsulated or not) carries without
 * the dataplane dropping it for the MTU; 0 if the dataplane sets no limit. */
unsigned dp_inner_mtu(struct dp *dp, enum dp_mode mode, bool udp);
/* "record" or "card". */
const char *dp_kind(const struct dp *dp);
/* Whether the dataplane carries an ESP SA of this transform: encr_id and key_bits (the
 * ENCR transform), integ_id (0 for AEAD), as in struct dp_child_sa. dp_install refuses
 * what it does not carry, so the IKE side offers and accepts only what this allows. */
bool dp_carries_esp(const struct dp *dp, uint16_t encr_id, uint16_t key_bits, uint16_t integ_id);
/* What the dataplane carries, in words for messages ("AES-GCM-16 with ..."). */
const char *dp_esp_algorithms(const struct dp *dp);

/* Recording backend introspection (tests): number of SAs installed now, install and delete
 * calls so far, trap re-arms so far, the installed SA with inbound SPI spi_in (NULL if none;
 * its out_later cleared by dp_switch_out),
 * the reqids of the traps installed now (up to max of them; returns how many there are). */
struct dp_record_stats {
	unsigned installed, installs, deletes, rearms;
	unsigned reserved; /* inbound SPIs allocated and neither installed nor released */
};
int dp_record_stats(struct dp *dp, struct dp_record_stats *st);
const struct dp_child_sa *dp_record_find(struct dp *dp, uint32_t spi_in);
int dp_record_traps(struct dp *dp, uint32_t *reqids, unsigned max);
/* Counts packets as arrived on the SA with inbound SPI spi_in at now_ms (tests: traffic that
 * proves the peer alive). */
int dp_record_count_inbound(struct dp *dp, uint32_t spi_in, uint64_t packets, uint64_t now_ms);
/* Injects an event as a card would raise it (tests). */
int dp_record_inject_event(struct dp *dp, const struct dp_event *ev);

/* The card backend over a libespnic device the caller opened (tests drive an in-process
 * model through espnic_open_io). Clears the card like dp_open("card:..."); with own_dev,
 * dp_close closes the device. */
struct espnic_dev;
int dp_card_open_dev(struct espnic_dev *dev, bool own_dev, struct dp **out);

#endif
