/* espnic.h: libespnic, the host driver of an espnic card.
 *
 * A device is opened by name:
 *   "sim:NAME"            a simulated card (`espnic-sim run --name NAME`),
 *                         socket $ESPNIC_RUN_DIR/NAME.sock (default /run/espnic)
 *   "sim:/path/card.sock" a simulated card by socket path
 *   "pci:0000:3b:00.0"    a card on the PCI bus: libpci for discovery and
 *                         configuration space, BAR0 mapped from sysfs
 *                         (root $ESPNIC_SYSFS_ROOT, default /sys/bus/pci)
 *
 * Every call returns 0 (or a count) on success and a negative errno on
 * failure; espnic_error() then explains it in words. Keys given to
 * espnic_sa_add() are not kept by the library, and the card's staging copy
 * is overwritten after the install.
 *
 * Threads: a device handle is safe to use from one thread at a time (one
 * thread per device); different handles are independent. Several processes
 * may open the same card (espnicd configuring it, the CLI looking or
 * changing a rule): each command runs, from submit to completion, under a
 * per-card file lock (flock of the PCI card's BAR file, or of SOCKET.lock
 * beside the simulated card's socket when it can be created), so commands of
 * different processes do not mix. What
 * spans several commands (read, then change) is not atomic against them, and
 * each event is taken by whichever process pops it first.
 */
#ifndef ESPNIC_H
#define ESPNIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "espnic_card.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PCI identity of an espnic card. */
#define ESPNIC_PCI_VENDOR 0x10ee
#define ESPNIC_PCI_DEVICE 0xe5c0

typedef struct espnic_dev espnic_dev;

/* Open a device (see above). On failure returns a negative errno, leaves
 * *dev NULL and espnic_open_error() explains (per thread).
 * Fail closed: opening sets the card's default discard (CONTROL's
 * DEFAULT_DISCARD: egress frames that no rule matches are dropped) if it is
 * not set, and espnic_reset() sets it again after clearing CONTROL, unless
 * the handle's caller chose bypass with espnic_set_default_discard(dev,
 * false). */
int espnic_open(const char *spec, espnic_dev **dev);
const char *espnic_open_error(void);
void espnic_close(espnic_dev *dev);

/* A device over registers the caller reaches itself (an in-process model in
 * tests): io is copied, nothing of it is closed by espnic_close. event_fd is
 * what espnic_event_fd() returns (-1: none; poll-less callers just call
 * espnic_event_next). */
int espnic_open_io(const struct espnic_io *io, const char *name, int event_fd, espnic_dev **dev);

/* The message of the last failed call on dev ("" if none). */
const char *espnic_error(const espnic_dev *dev);

struct espnic_caps {
	char backend[8]; /* "sim" or "pci" */
	char name[64];	 /* card name or PCI address */
	uint32_t version, data_w, sa_n, spd_n, mtu;
	uint32_t algs;	/* bit (1 << ESPNIC_ALG_*) per algorithm carried */
	bool udp_encap; /* RFC 3948 */
	bool esn;	/* extended sequence numbers */
	bool transport; /* transport mode as well as tunnel */
	uint32_t max_replay_window;
};
int espnic_get_caps(espnic_dev *dev, struct espnic_caps *caps);

int espnic_set_mtu(espnic_dev *dev, uint16_t mtu);
/* The default action for this handle (see espnic_open), kept through
 * espnic_reset(). */
int espnic_set_default_discard(espnic_dev *dev, bool discard);
/* Remove every SA and SPD rule, clear the port counters, MTU and CONTROL
 * (RESET command), then set the handle's default action again (default
 * discard unless chosen otherwise). Pending events stay. */
int espnic_reset(espnic_dev *dev);

/* SAs: outbound indices are the driver's choice; an inbound SA's index is
 * the low bits of its SPI (spi % sa_n). */
int espnic_sa_add(espnic_dev *dev, unsigned index, const struct espnic_sa *sa);
int espnic_sa_delete(espnic_dev *dev, bool inbound, unsigned index);
int espnic_sa_get(espnic_dev *dev, bool inbound, unsigned index, struct espnic_sa_status *st);
/* Which SA slots are in use: slot i at bits[i / 8] bit i % 8, for the
 * caps' sa_n slots (bits holds (sa_n + 7) / 8 bytes). A scan of the table is
 * this, then espnic_sa_get of the slots in use. */
int espnic_sa_used(espnic_dev *dev, bool inbound, uint8_t *bits);

/* SPD rules: the index is the priority (lower first). */
int espnic_spd_add(espnic_dev *dev, unsigned index, const struct espnic_spd_rule *rule);
int espnic_spd_delete(espnic_dev *dev, unsigned index);
/* 1 and the rule if the slot is in use, 0 if free. */
int espnic_spd_get(espnic_dev *dev, unsigned index, struct espnic_spd_rule *rule);
/* Which rule slots are in use, as espnic_sa_used (spd_n slots). */
int espnic_spd_used(espnic_dev *dev, uint8_t *bits);

/* Port counters, in ESPNIC_CNT_* order (names: espnic_counter_name()). */
int espnic_counters(espnic_dev *dev, uint64_t counters[ESPNIC_PORT_COUNTERS]);

/* Events (lifetimes, sequence wrap, ACQUIRE). The descriptor becomes
 * readable when events may be waiting: poll it, then call espnic_event_next()
 * until it returns 0. The simulator notifies on its event line; the PCI
 * backend, without an interrupt path through sysfs, ticks every 10 ms. */
int espnic_event_fd(espnic_dev *dev);
/* 1 and the oldest event, 0 if none is waiting. */
int espnic_event_next(espnic_dev *dev, struct espnic_event *ev);

/* Cards present: simulated ones from the run directory's sockets, PCI ones
 * with the espnic vendor and device id. */
struct espnic_dev_entry {
	char spec[192]; /* what espnic_open() takes */
	char backend[8];
	char name[64];
};
int espnic_list(struct espnic_dev_entry **list, size_t *n);
void espnic_list_free(struct espnic_dev_entry *list);

/* Raw register access through the backend (diagnostics, benchmarks). */
int espnic_reg_read(espnic_dev *dev, uint32_t offset, uint32_t *value);
int espnic_reg_write(espnic_dev *dev, uint32_t offset, uint32_t value);

#ifdef __cplusplus
}
#endif

#endif
