/* dev.h: `espnic-sim run`, one simulated card as a running device: its
 * model, its two ports, the MMIO socket and the event loop that clocks the
 * model only while there is work. */
#ifndef ESPNIC_DEV_H
#define ESPNIC_DEV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include <event2/event.h>

#include "dev_port.h"
#include "espnic_model.h"
#include "espnic_simproto.h"

struct device;

/* --host-vlan VID=IFNAME: a TAP per 802.1Q VLAN of the host port. Frames the
 * host writes to it enter the card's host port tagged with VID; frames the
 * card delivers tagged with VID leave through it untagged. The harness only
 * moves the tag's four bytes (the kernel here has no 8021q module for
 * espnic0.VID sub-interfaces); the card decides everything. */
#define DEV_VLAN_MAX 16
struct dev_vlan {
	uint16_t vid;
	bool exception; /* --host-exception: ethertype 0x88B5 both ways, untagged */
	struct dev_port port;
	struct event *ev;
	bool paused;
};

struct dev_client {
	struct device *dev;
	int fd;
	struct event *ev;
	bool subscriber;
	struct dev_client *next;
};

struct device {
	const char *name;
	char rundir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	espnic_model *m;
	struct event_base *base;
	struct event *clock_ev, *sig_ev[2];
	struct event *flush_ev; /* retries frames a port's far end could not take yet */
	int listen_fd;
	struct event *listen_ev;
	struct dev_client *clients;
	unsigned n_clients;
	struct dev_port port[2]; /* indexed by enum espnic_port */
	struct event *port_ev[2];
	bool port_paused[2];
	struct dev_vlan vlan[DEV_VLAN_MAX + 1]; /* the VLAN TAPs, then the exception TAP */
	unsigned n_vlan;
	pcap_t *capture_dead;
	pcap_dumper_t *capture; /* mirror of the wire port, both directions */
	bool ev_notified;	/* the last EVENT notification is still current */
	uint64_t mmio_requests, mmio_ops;
	int verbose;
};

/* Something may need clocking: schedule the clock. */
void dev_kick(struct device *d);
/* After the model moved: deliver its output frames, notify events. */
void dev_after_model(struct device *d);

/* One datagram of a client (dev_proto.c): the answer to send back (reply_len octets of out,
 * 0: none), whether the client subscribed to events, whether the model ran (its ports and
 * event line then need dev_after_model). */
struct dev_proto_result {
	size_t reply_len;
	bool subscribe, model_ran;
};
#define DEV_PROTO_MAX_REPLY                                                                        \
	(ESPNIC_SIM_MAX_MSG > sizeof(struct espnic_sim_info) ? ESPNIC_SIM_MAX_MSG                  \
							     : sizeof(struct espnic_sim_info))
void dev_proto_handle(struct device *d, const uint8_t *msg, size_t len,
		      uint8_t out[DEV_PROTO_MAX_REPLY], struct dev_proto_result *r);

/* The MMIO socket (dev_mmio.c). */
int dev_mmio_listen(struct device *d, char *err, size_t errlen);
void dev_mmio_close(struct device *d);
/* Tell subscribed clients that the card's event line rose. */
void dev_mmio_notify(struct device *d);

int dev_run_main(int argc, char **argv);

#endif
