/* dev_port.h: what a port of a running simulated card is cabled to: a TAP
 * device, another card's port (UNIX datagram sockets), pcap files, or
 * nothing. Frames are whole Ethernet frames without FCS. */
#ifndef ESPNIC_DEV_PORT_H
#define ESPNIC_DEV_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include <pcap/pcap.h>

enum dev_port_kind { DEV_PORT_NONE, DEV_PORT_TAP, DEV_PORT_CARD, DEV_PORT_PCAP };

/* Frames a TAP or a cable's far end cannot take yet wait in the port, in
 * order, up to this many; only beyond that is a frame dropped. */
#define DEV_PORT_BACKLOG 1024

struct dev_port {
	enum dev_port_kind kind;
	const char *label; /* "host" or "wire" */
	int fd;		   /* TAP or datagram socket; -1 otherwise */
	char self[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* our datagram socket */
	struct sockaddr_un peer;
	pcap_t *in, *dead;
	pcap_dumper_t *out;
	int in_done;
	uint64_t rx, tx, tx_drops;
	uint8_t *backlog; /* DEV_PORT_BACKLOG slots of ESPNIC_MODEL_MAX_FRAME (lazily) */
	uint16_t *backlog_len;
	unsigned backlog_head, backlog_count;
	void *owner; /* for the event loop's callbacks */
	int index;
};

/* Open a port from its spec: "tap:IFNAME", "card:OTHER" (OTHER's wire port,
 * RUNDIR/OTHER.wire; ours is RUNDIR/NAME.LABEL), "pcap:IN.pcap,OUT.pcap" or
 * "none". On error returns -1 with a message in err. */
int dev_port_open(struct dev_port *p, const char *spec, const char *label, const char *name,
		  const char *rundir, char *err, size_t errlen);
/* Read one frame that arrived on the port: its length, 0 if none now, -1 on
 * a fatal error. For pcap, the next frame of the input file. */
ssize_t dev_port_recv(struct dev_port *p, uint8_t *buf, size_t cap);
/* Send one frame out. A frame the far end cannot take now (its queue is full)
 * waits in the backlog behind the ones before it; a frame nobody takes (no
 * far end, backlog full) is counted as dropped. */
void dev_port_send(struct dev_port *p, const uint8_t *buf, size_t len);
/* Send what waits in the backlog, as far as the far end takes it; returns how
 * many frames still wait. */
unsigned dev_port_flush(struct dev_port *p);
void dev_port_close(struct dev_port *p);

/* A capture of everything crossing a port (both directions). */
pcap_dumper_t *dev_capture_open(const char *path, pcap_t **dead, char *err, size_t errlen);
void dev_capture_frame(pcap_dumper_t *d, const uint8_t *buf, size_t len);

#endif
