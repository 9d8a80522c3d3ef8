/* espnic_card.h: programming the card through BAR0, independent of how the
 * registers are reached (simulator in process, simulator over a socket, PCI
 * BAR): SAs, SPD rules, counters and events, through the card's command,
 * completion and event rings (docs/registers.md).
 *
 * Commands. Every SA, SPD, counter and reset call below is one command in
 * the card's command ring; the card executes commands in order, and a
 * malformed or impossible command changes nothing on the card.
 *
 * Errors. Calls return 0 (or a count) on success and a negative errno on
 * failure; espnic_card_last_error() then says what failed in words (per
 * thread). The card's refusals map to: BAD_INDEX, BAD_SPI -ERANGE; EXISTS
 * -EEXIST; NOT_FOUND -ENOENT; BAD_ALG -EPROTONOSUPPORT; BAD_FIELD -EINVAL;
 * BAD_OPCODE -EOPNOTSUPP. A card that stops answering gives -ETIMEDOUT.
 *
 * Back-pressure. The synchronous calls (all but espnic_card_cmd_submit and
 * espnic_card_cpl_reap) BLOCK while the command ring is full: they poll the
 * card, calling io->idle between polls, and give up with -ETIMEDOUT after
 * ESPNIC_CARD_POLL_LIMIT polls. They wait for their own completion and
 * consume (discard) any older completion still in the completion ring, so do
 * not mix them with asynchronous commands in flight. The asynchronous pair
 * never blocks: espnic_card_cmd_submit returns -EAGAIN on a full ring, and
 * espnic_card_cpl_reap returns 0 when no completion is there.
 *
 * Keys. Key material is written only into command slots (write-only for the
 * host; the card clears a slot when it takes the command) and is wiped from
 * the library's buffers after use. No register, ring or completion ever
 * returns it.
 *
 * Sharing: the rings are shared by everything that opens the card. The
 * synchronous calls hold the device's lock (espnic_io.lock: a file lock the
 * sim and PCI backends take) from submit to completion, so several processes
 * (espnicd and the CLI) may issue them at once; within a process, one thread.
 * The asynchronous pair takes no lock: its user must be the card's only
 * user. */
#ifndef ESPNIC_CARD_H
#define ESPNIC_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espnic_regs.h"

/* How registers are reached. idle() is called while waiting for the card
 * (the simulator clocks itself there). lock(), if set, is held around each
 * synchronous command (submit to completion): a lock of the device that
 * other processes opening the same card take too, so that espnicd and the
 * CLI can share the rings. */
struct espnic_io {
	uint32_t (*read32)(void *ctx, uint32_t offset);
	void (*write32)(void *ctx, uint32_t offset, uint32_t value);
	void (*idle)(void *ctx);
	void *ctx;
	void (*lock)(void *ctx, bool hold);
};

/* Polls of a synchronous call (each followed by io->idle) before -ETIMEDOUT.
 * The slowest command (RESET) takes about 2 * SA_N cycles. */
#define ESPNIC_CARD_POLL_LIMIT 200000

/* An address prefix; IPv4 addresses use the first 4 bytes of addr. */
struct espnic_prefix {
	bool v6;
	uint8_t addr[16];
	uint8_t len;
};

struct espnic_sa {
	bool inbound;
	uint32_t spi;
	bool tunnel;	/* else transport */
	bool udp_encap; /* RFC 3948 */
	uint16_t udp_sport, udp_dport;
	uint8_t local[4], remote[4]; /* outer IPv4 endpoints (tunnel mode) */
	uint8_t alg;		     /* ESPNIC_ALG_* */
	uint8_t key[32];	     /* 16 or 32 bytes used, per alg */
	uint8_t salt[4];
	bool esn;
	uint64_t seq; /* outbound: last used; inbound: highest seen */
	uint16_t replay_window;
	uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets; /* 0: none */
	struct espnic_prefix sel_src, sel_dst; /* inbound policy: inner source, destination */
	uint8_t sel_proto;		       /* 0: any */
	/* TCP MSS clamp (0: none): the card lowers the MSS option of TCP SYN
	 * and SYN-ACK segments this SA carries to it, never raises it
	 * (outbound SAs, before encryption). */
	uint16_t mss_clamp;
	/* Inbound tunnel SA of a route-based session: deliver its packets to
	 * the host tagged with 802.1Q VID vlan (1..4094, the tunnel interface). */
	bool vlan_tag;
	uint16_t vlan;
};

/* SA_UPDATE: what to change in an installed SA (key, counters and the rest
 * stay). set is a mask of (1u << ESPNIC_UPD_SET_*). The sequence number only
 * moves forward (the card refuses anything else with -EINVAL); inbound, the
 * replay window restarts at it. New lifetimes re-arm the soft and hard
 * events. */
struct espnic_sa_update {
	unsigned set;
	uint16_t replay_window;
	uint64_t seq;
	uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets;
};

struct espnic_spd_rule {
	struct espnic_prefix src, dst;
	/* Both families: IPv4 and IPv6 packets (src and dst then /0, v6 false),
	 * what a rule that names neither address means. */
	bool any_family;
	/* Only frames of 802.1Q VID vlan (0: untagged frames only); without it
	 * the rule matches any tag or none. */
	bool vlan_match;
	uint16_t vlan;
	uint8_t proto; /* 0: any */
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	uint8_t action; /* ESPNIC_ACT_* */
	uint16_t sa;	/* outbound SA index for PROTECT */
};

/* An SA as the card reports it (SA_QUERY): never key material. */
struct espnic_sa_status {
	bool enabled;
	uint32_t spi;
	uint32_t flags; /* ESPNIC_SA_FLAG_* bits */
	uint8_t alg;
	bool soft_expired, hard_expired, seq_near_wrap;
	uint64_t seq, packets, bytes;
	uint64_t drops[ESPNIC_DROP_N];
	/* configuration */
	uint16_t replay_window;
	uint16_t udp_sport, udp_dport;
	uint8_t local[4], remote[4];
	uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets;
	struct espnic_prefix sel_src, sel_dst;
	uint8_t sel_proto;
	uint16_t mss_clamp;
	uint16_t vlan; /* with ESPNIC_SA_FLAG_VLAN in flags */
};

struct espnic_event {
	unsigned kind; /* ESPNIC_EV_* */
	bool inbound;
	uint16_t sa;
	uint16_t rule;
};

struct espnic_card_info {
	uint32_t magic, version, data_w, sa_n, spd_n, mtu;
	uint32_t build_id, algs, max_frame; /* algs: bit (1 << ESPNIC_ALG_*) */
	uint32_t cmd_slots, cpl_slots, ev_slots;
};

/* The message of the most recent failed call in this thread ("" if none). */
const char *espnic_card_last_error(void);

/* Identification and capabilities: -ENODEV if there is no espnic card,
 * -EPROTO if its register map has another major version. */
int espnic_card_info(const struct espnic_io *io, struct espnic_card_info *info);
int espnic_card_set_mtu(const struct espnic_io *io, uint16_t mtu);
int espnic_card_set_default_discard(const struct espnic_io *io, bool discard);

/* Install the SA at index (sa->inbound selects the table; inbound SAs sit at
 * the low bits of their SPI). espnic_card_sa_add refuses an occupied index
 * (-EEXIST); espnic_card_sa_write replaces what is there (counters restart). */
int espnic_card_sa_add(const struct espnic_io *io, unsigned index, const struct espnic_sa *sa);
int espnic_card_sa_write(const struct espnic_io *io, unsigned index, const struct espnic_sa *sa);
/* Change an installed SA in place (-ENOENT if the index is empty). */
int espnic_card_sa_update(const struct espnic_io *io, bool inbound, unsigned index,
			  const struct espnic_sa_update *upd);
/* Remove the SA (-ENOENT if the index is empty). */
int espnic_card_sa_delete(const struct espnic_io *io, bool inbound, unsigned index);
/* State, configuration and counters; st->enabled is false for an empty index. */
int espnic_card_sa_read(const struct espnic_io *io, bool inbound, unsigned index,
			struct espnic_sa_status *st);

/* Which of a table's n slots are in use (n: SA_N or SPD_N from
 * espnic_card_info): slot i at bits[i / 8] bit i % 8; bits holds (n + 7) / 8
 * bytes. One SA_LIST or SPD_LIST command per 1024 slots, so a scan of a 16K
 * table is 16 commands, then a query of each slot in use. */
int espnic_card_sa_used(const struct espnic_io *io, bool inbound, unsigned n, uint8_t *bits);
int espnic_card_spd_used(const struct espnic_io *io, unsigned n, uint8_t *bits);
/* Slot i of such a bitmap is in use. */
static inline bool espnic_slot_in_use(const uint8_t *bits, unsigned i)
{
	return (bits[i / 8] >> (i % 8)) & 1;
}

/* SPD rules: the index is the priority (lower first). espnic_card_spd_add
 * refuses an occupied index (-EEXIST); espnic_card_spd_write replaces. */
int espnic_card_spd_add(const struct espnic_io *io, unsigned index,
			const struct espnic_spd_rule *rule);
int espnic_card_spd_write(const struct espnic_io *io, unsigned index,
			  const struct espnic_spd_rule *rule);
int espnic_card_spd_delete(const struct espnic_io *io, unsigned index);
/* The rule at index: 1 if in use (rule filled), 0 if empty. */
int espnic_card_spd_read(const struct espnic_io *io, unsigned index, struct espnic_spd_rule *rule);
/* The card classifies by a decision tree that these calls compile from the
 * rules (driver/cls_compile.c) and write through the command ring; each
 * change also goes into the card's rule book, which espnic_card_spd_read
 * reads. The compiler's state is kept per card (per io->ctx) in this
 * process: espnic_card_spd_forget drops it (espnic_close does). */
void espnic_card_spd_forget(const struct espnic_io *io);
/* What the last SPD change cost (benchmarks): classifier entries written by
 * the last change, CLS_WRITE commands since this process began, the tree.
 * -ENOENT if this process has not changed the card's SPD. */
struct espnic_card_spd_stats {
	unsigned rules, depth, nodes, leaves, last_writes;
	unsigned long long commands;
};
int espnic_card_spd_stats(const struct espnic_io *io, struct espnic_card_spd_stats *s);

/* All port counters, in ESPNIC_CNT_* order, from the COUNTERS registers
 * (no command; each 64-bit counter is read as two words). */
int espnic_card_counters(const struct espnic_io *io, uint64_t counters[ESPNIC_PORT_COUNTERS]);
/* The same through a COUNTERS command: one consistent snapshot, and with
 * clear the counters restart from zero in the same cycle. */
int espnic_card_counters_read(const struct espnic_io *io, uint64_t counters[ESPNIC_PORT_COUNTERS],
			      bool clear);
/* Remove every SA and SPD rule, clear the counters, MTU and CONTROL back to
 * their defaults. Pending events stay in the event ring. */
int espnic_card_reset(const struct espnic_io *io);

/* Pop the oldest event from the event ring: 1 if one was there, 0 if none. */
int espnic_card_event_pop(const struct espnic_io *io, struct espnic_event *ev);
/* Events the card dropped because the event ring was full (32-bit, wraps). */
uint32_t espnic_card_events_lost(const struct espnic_io *io);

/* Interrupt causes (bits 1u << ESPNIC_INT_*): read, acknowledge, mask
 * (1 = masked; all are masked after reset). The simulator backends poll
 * these. */
uint32_t espnic_card_int_status(const struct espnic_io *io);
void espnic_card_int_ack(const struct espnic_io *io, uint32_t bits);
void espnic_card_int_mask(const struct espnic_io *io, uint32_t mask);

/* Raw, asynchronous commands (diagnostics, tests, pipelined set-up).
 * payload_len bytes of payload are written (at most ESPNIC_CMD_PAYLOAD_MAX;
 * the card ignores bytes past the opcode's layout). */
#define ESPNIC_CMD_PAYLOAD_MAX (ESPNIC_CMD_RING_SLOT_BYTES - ESPNIC_CMD_PAYLOAD)
#define ESPNIC_CPL_RESULT_MAX  (ESPNIC_CPL_RING_SLOT_BYTES - ESPNIC_CPL_RESULT)

struct espnic_cmd {
	uint8_t opcode; /* ESPNIC_CMD_* */
	uint8_t flags;	/* 1u << ESPNIC_CMD_FLAG_* */
	uint16_t index;
	uint32_t tag;
	uint8_t reserved[8]; /* header bytes 8..15: the card wants zero */
	size_t payload_len;
	uint8_t payload[ESPNIC_CMD_PAYLOAD_MAX];
};

struct espnic_cpl {
	uint32_t tag;
	uint8_t status; /* ESPNIC_CMD_STATUS_* */
	uint8_t opcode;
	uint16_t index;
	uint16_t cmd_no;		       /* ring position of the command */
	uint8_t result[ESPNIC_CPL_RESULT_MAX]; /* SA_QUERY, SPD_QUERY, COUNTERS; else zero */
};

/* Queue a command and ring the doorbell: 0, or -EAGAIN if the command ring
 * is full (nothing written). */
int espnic_card_cmd_submit(const struct espnic_io *io, const struct espnic_cmd *cmd);
/* Take the oldest completion: 1 if there was one, 0 if none. */
int espnic_card_cpl_reap(const struct espnic_io *io, struct espnic_cpl *cpl);
/* The errno a completion status stands for (0 for OK). */
int espnic_card_status_errno(unsigned status);

/* Names and texts: a command status, counters, drops, events, opcodes. */
const char *espnic_card_status_str(unsigned status);
const char *espnic_card_status_text(unsigned status);
const char *espnic_counter_name(unsigned index);
const char *espnic_drop_name(unsigned index);
const char *espnic_event_name(unsigned kind);
const char *espnic_cmd_name(unsigned opcode);

#endif
