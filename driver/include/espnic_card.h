/* espnic_card.h: programming the card through its registers: SAs, SPD
 * rules, counters and events, independent of how the registers are reached
 * (simulator in process, simulator over a socket, PCI BAR). Errors are
 * negative errno values; espnic_card_strerror() explains a card status. */
#ifndef ESPNIC_CARD_H
#define ESPNIC_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espnic_regs.h"

/* How registers are reached. idle() is called while waiting for the card
 * (the simulator clocks itself there). */
struct espnic_io {
	uint32_t (*read32)(void *ctx, uint32_t offset);
	void (*write32)(void *ctx, uint32_t offset, uint32_t value);
	void (*idle)(void *ctx);
	void *ctx;
};


/* An address prefix; IPv4 addresses use the first 4 bytes of addr. */
struct espnic_prefix {
	bool v6;
	uint8_t addr[16];
	uint8_t len;
};

struct espnic_sa {
	bool inbound;
	uint32_t spi;
	bool tunnel;           /* else transport */
	bool udp_encap;        /* RFC 3948 */
	uint16_t udp_sport, udp_dport;
	uint8_t local[4], remote[4]; /* outer IPv4 endpoints (tunnel mode) */
	uint8_t alg; /* ESPNIC_ALG_* */
	uint8_t key[32];       /* 16 or 32 bytes used, per alg */
	uint8_t salt[4];
	bool esn;
	uint64_t seq;          /* outbound: last used; inbound: highest seen */
	uint16_t replay_window;
	uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets; /* 0: none */
	struct espnic_prefix sel_src, sel_dst; /* inbound policy: inner source, destination */
	uint8_t sel_proto;     /* 0: any */
};

struct espnic_spd_rule {
	struct espnic_prefix src, dst;
	uint8_t proto; /* 0: any */
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	uint8_t action; /* ESPNIC_ACT_* */
	uint16_t sa; /* outbound SA index for PROTECT */
};

struct espnic_sa_status {
	bool enabled;
	uint32_t spi;
	uint32_t flags;
	uint8_t alg;
	bool soft_expired, hard_expired, seq_near_wrap;
	uint64_t seq, packets, bytes;
	uint64_t drops[ESPNIC_DROP_N];
};

struct espnic_event {
	unsigned kind; /* ESPNIC_EV_* */
	bool inbound;
	uint16_t sa;
	uint16_t rule;
};

struct espnic_card_info {
	uint32_t magic, version, data_w, sa_n, spd_n, mtu;
};

int espnic_card_info(const struct espnic_io *io, struct espnic_card_info *info);
int espnic_card_set_mtu(const struct espnic_io *io, uint16_t mtu);
int espnic_card_set_default_discard(const struct espnic_io *io, bool discard);

int espnic_card_sa_write(const struct espnic_io *io, unsigned index, const struct espnic_sa *sa);
int espnic_card_sa_delete(const struct espnic_io *io, bool inbound, unsigned index);
int espnic_card_sa_read(const struct espnic_io *io, bool inbound, unsigned index,
			struct espnic_sa_status *st);

int espnic_card_spd_write(const struct espnic_io *io, unsigned index,
			  const struct espnic_spd_rule *rule);
int espnic_card_spd_delete(const struct espnic_io *io, unsigned index);

/* All port counters, in ESPNIC_CNT_* order. */
int espnic_card_counters(const struct espnic_io *io, uint64_t counters[ESPNIC_PORT_COUNTERS]);
/* Pop the oldest event: 1 if one was there, 0 if none. */
int espnic_card_event_pop(const struct espnic_io *io, struct espnic_event *ev);

/* Text for the last command status, and names for counters, drops, events. */
const char *espnic_card_status_str(unsigned status);
const char *espnic_counter_name(unsigned index);
const char *espnic_drop_name(unsigned index);
const char *espnic_event_name(unsigned kind);

#endif
