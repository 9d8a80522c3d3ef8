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

struct device;

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

/* The MMIO socket (dev_mmio.c). */
int dev_mmio_listen(struct device *d, char *err, size_t errlen);
void dev_mmio_close(struct device *d);
/* Tell subscribed clients that the card's event line rose. */
void dev_mmio_notify(struct device *d);

int dev_run_main(int argc, char **argv);

#endif
