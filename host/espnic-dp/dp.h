/* espnic-dp: shared state of the DPDK fast path (ports, routes, software ESP
 * SAs, counters). One lcore runs the data path and serves the control socket
 * between bursts, so the tables need no locking. */
#ifndef ESPNIC_DP_H
#define ESPNIC_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ipsec.h>
#include <rte_mbuf.h>

#include "espnic_card.h"

#define DP_MAX_PORTS	8
#define DP_MAX_SAS	256
#define DP_MAX_NEXTHOPS 1024
#define DP_BURST	32
#define DP_MAX_REPLAY	4096
#define DP_NO_PORT	UINT16_MAX

/* Per-port counters (written by the data lcore only). */
struct dp_port_stats {
	uint64_t rx, tx, fwd, to_exc, from_exc;
	uint64_t drop_short, drop_bad_ip, drop_no_route, drop_ttl, drop_no_exc, drop_tx;
	uint64_t esp_in, esp_out, drop_esp_no_sa, drop_esp_auth, drop_esp_other, drop_esp_policy;
};

struct dp_port {
	bool used;
	uint16_t id;  /* DPDK port id */
	uint16_t exc; /* its exception port (a TAP to the kernel), DP_NO_PORT: none */
	bool is_exc;  /* this port is some port's exception port */
	uint16_t exc_of;
	struct rte_ether_addr mac; /* source MAC of forwarded frames */
	struct dp_port_stats st;
};

enum dp_nh_type { DP_NH_PORT = 1, DP_NH_LOCAL, DP_NH_SA };

struct dp_nexthop {
	uint8_t type;
	uint16_t port;		   /* DP_NH_PORT */
	struct rte_ether_addr mac; /* DP_NH_PORT: destination MAC */
	uint32_t sa;		   /* DP_NH_SA: index into the SA table */
};

struct dp_sa {
	bool used;
	bool inbound;
	uint32_t spi;
	uint8_t alg;		/* ESPNIC_ALG_* */
	uint32_t local, remote; /* outer endpoints, host byte order */
	/* Inbound: the inner packets it may carry (RFC 4301 5.2 step 4),
	 * host byte order; mask 0: any. */
	uint32_t sel_src, sel_src_mask, sel_dst, sel_dst_mask;
	struct rte_ipsec_sa *sa;
	void *cses; /* cryptodev session */
	struct rte_ipsec_session ss;
	uint64_t packets, bytes, drops;
	/* Inbound: espnic-dp's own replay window over authenticated packets,
	 * besides rte_ipsec's (Debian's DPDK 22.11 lets replays of sequence
	 * numbers at bit 32..63 of a window word through; see esp.c). */
	uint32_t rp_size; /* bits, a multiple of 64 */
	uint64_t rp_top;
	uint64_t rp_bits[DP_MAX_REPLAY / 64];
};

struct dp_ctx {
	struct dp_port ports[DP_MAX_PORTS];
	struct rte_mempool *mbufs;
	/* routes */
	struct rte_lpm *lpm;
	struct dp_nexthop nh[DP_MAX_NEXTHOPS];
	bool nh_used[DP_MAX_NEXTHOPS];
	/* software ESP */
	uint8_t cdev;
	bool have_cdev;
	struct rte_mempool *cops, *sess_pool;
	struct rte_hash *spi_in;
	struct dp_sa sas[DP_MAX_SAS];
};

/* ports.c */
struct rte_mempool *dp_mbuf_pool(const char *name, unsigned n);
int dp_port_start(struct dp_ctx *c, uint16_t port, uint16_t exc);

/* route.c */
int dp_routes_init(struct dp_ctx *c, const char *name);
int dp_route_add(struct dp_ctx *c, uint32_t prefix, uint8_t len, const struct dp_nexthop *nh);
int dp_route_del(struct dp_ctx *c, uint32_t prefix, uint8_t len);
const struct dp_nexthop *dp_route_lookup(const struct dp_ctx *c, uint32_t dst);
void dp_routes_drop_sa(struct dp_ctx *c, uint32_t sa);

/* esp.c */
int dp_esp_init(struct dp_ctx *c, const char *cdev_name);
void dp_esp_fini(struct dp_ctx *c); /* deletes every SA, stops the cryptodev */
int dp_sa_add(struct dp_ctx *c, struct espnic_sa *sa);
int dp_sa_del(struct dp_ctx *c, bool inbound, uint32_t spi);
int dp_sa_find(const struct dp_ctx *c, bool inbound, uint32_t spi);
/* Runs n packets (no L2 header, l3_len set) through one SA; fills ok[] with
 * the processed packets, frees the failures and returns how many are in ok. */
unsigned dp_esp_burst(struct dp_ctx *c, struct dp_sa *sa, struct rte_mbuf **pkts, unsigned n,
		      struct rte_mbuf **ok, struct dp_port_stats *st);

/* fwd.c */
void dp_fwd_burst(struct dp_ctx *c, struct dp_port *in, struct rte_mbuf **pkts, unsigned n);
unsigned dp_poll_once(struct dp_ctx *c); /* packets received */
bool dp_ipv4_header_ok(const struct rte_mbuf *m, unsigned off);

/* ctl.c */
int dp_ctl_open(const char *path);
void dp_ctl_poll(struct dp_ctx *c, int lfd);
char *dp_ctl_handle(struct dp_ctx *c, const char *line); /* reply JSON; free() it */

/* stats.c */
char *dp_stats_json(const struct dp_ctx *c);
int dp_telemetry_register(struct dp_ctx *c);

#endif
