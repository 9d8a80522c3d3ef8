/* dev_port.c: TAP devices, card-to-card datagram cables and pcap files as
 * the ports of a running simulated card. */
#include "dev_port.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "espnic_model.h"

static int open_tap(struct dev_port *p, const char *ifname, char *err, size_t errlen)
{
	struct ifreq ifr;
	if (strlen(ifname) == 0 || strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen, "%s port: bad interface name '%s'", p->label, ifname);
		return -1;
	}
	p->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (p->fd < 0) {
		snprintf(err, errlen, "%s port: /dev/net/tun: %s", p->label, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(p->fd, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "%s port: TAP %s: %s", p->label, ifname, strerror(errno));
		return -1;
	}
	return 0;
}

static int set_path(struct sockaddr_un *a, const char *dir, const char *name, const char *suffix)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s.%s", dir, name, suffix);
	return n > 0 && (size_t)n < sizeof(a->sun_path) ? 0 : -1;
}

static int open_card(struct dev_port *p, const char *other, const char *name, const char *rundir,
		     char *err, size_t errlen)
{
	struct sockaddr_un self;
	if (!*other || strchr(other, '/') || set_path(&self, rundir, name, p->label) ||
	    set_path(&p->peer, rundir, other, "wire")) {
		snprintf(err, errlen, "%s port: bad card name '%s'", p->label, other);
		return -1;
	}
	p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		snprintf(err, errlen, "%s port: socket: %s", p->label, strerror(errno));
		return -1;
	}
	unlink(self.sun_path); /* a stale cable end of an earlier run */
	if (bind(p->fd, (struct sockaddr *)&self, sizeof(self)) < 0) {
		snprintf(err, errlen, "%s port: %s: %s", p->label, self.sun_path, strerror(errno));
		return -1;
	}
	memcpy(p->self, self.sun_path, sizeof(p->self));
	return 0;
}

static int open_pcap(struct dev_port *p, const char *files, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE], in[4096];
	const char *comma = strchr(files, ',');
	if (!comma || comma == files || !comma[1] || (size_t)(comma - files) >= sizeof(in)) {
		snprintf(err, errlen, "%s port: expected pcap:IN.pcap,OUT.pcap", p->label);
		return -1;
	}
	memcpy(in, files, (size_t)(comma - files));
	in[comma - files] = 0;
	p->in = pcap_open_offline(in, perr);
	if (!p->in) {
		snprintf(err, errlen, "%s port: %s", p->label, perr);
		return -1;
	}
	if (pcap_datalink(p->in) != DLT_EN10MB) {
		snprintf(err, errlen, "%s port: %s: only Ethernet captures are supported", p->label,
			 in);
		return -1;
	}
	p->out = dev_capture_open(comma + 1, &p->dead, err, errlen);
	return p->out ? 0 : -1;
}

int dev_port_open(struct dev_port *p, const char *spec, const char *label, const char *name,
		  const char *rundir, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->label = label;
	if (strcmp(spec, "none") == 0)
		return 0;
	if (strncmp(spec, "tap:", 4) == 0) {
		p->kind = DEV_PORT_TAP;
		return open_tap(p, spec + 4, err, errlen);
	}
	if (strncmp(spec, "card:", 5) == 0) {
		p->kind = DEV_PORT_CARD;
		return open_card(p, spec + 5, name, rundir, err, errlen);
	}
	if (strncmp(spec, "pcap:", 5) == 0) {
		p->kind = DEV_PORT_PCAP;
		return open_pcap(p, spec + 5, err, errlen);
	}
	snprintf(err, errlen, "%s port: '%s' is not tap:IFNAME, card:NAME, pcap:IN,OUT or none",
		 label, spec);
	return -1;
}

ssize_t dev_port_recv(struct dev_port *p, uint8_t *buf, size_t cap)
{
	if (p->kind == DEV_PORT_PCAP) {
		struct pcap_pkthdr *h;
		const u_char *data;
		while (!p->in_done) {
			int r = pcap_next_ex(p->in, &h, &data);
			if (r != 1) {
				p->in_done = 1;
				break;
			}
			if (h->caplen != h->len || h->caplen == 0 || h->caplen > cap)
				continue;
			memcpy(buf, data, h->caplen);
			p->rx++;
			return (ssize_t)h->caplen;
		}
		return 0;
	}
	if (p->fd < 0)
		return 0;
	for (;;) {
		ssize_t n = p->kind == DEV_PORT_TAP ? read(p->fd, buf, cap)
						    : recv(p->fd, buf, cap, MSG_TRUNC);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (n == 0 || (size_t)n > cap || n > ESPNIC_MODEL_MAX_FRAME)
			continue; /* empty or too long for the card: dropped */
		p->rx++;
		return n;
	}
}

/* One attempt to hand a frame to a TAP or a cable: 1 sent, 0 the far end is
 * full for now (try again later), -1 nobody takes it. */
static int try_send(struct dev_port *p, const uint8_t *buf, size_t len)
{
	ssize_t n = p->kind == DEV_PORT_TAP
			? write(p->fd, buf, len)
			: sendto(p->fd, buf, len, 0, (struct sockaddr *)&p->peer, sizeof(p->peer));
	if (n == (ssize_t)len)
		return 1;
	return n < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR) ? 0 : -1;
}

static void backlog_push(struct dev_port *p, const uint8_t *buf, size_t len)
{
	if (!p->backlog) {
		p->backlog = malloc((size_t)DEV_PORT_BACKLOG * ESPNIC_MODEL_MAX_FRAME);
		p->backlog_len = calloc(DEV_PORT_BACKLOG, sizeof(*p->backlog_len));
	}
	if (!p->backlog || !p->backlog_len || p->backlog_count == DEV_PORT_BACKLOG ||
	    len > ESPNIC_MODEL_MAX_FRAME) {
		p->tx_drops++;
		return;
	}
	unsigned slot = (p->backlog_head + p->backlog_count++) % DEV_PORT_BACKLOG;
	memcpy(p->backlog + (size_t)slot * ESPNIC_MODEL_MAX_FRAME, buf, len);
	p->backlog_len[slot] = (uint16_t)len;
}

unsigned dev_port_flush(struct dev_port *p)
{
	while (p->backlog_count) {
		unsigned slot = p->backlog_head;
		int r = try_send(p, p->backlog + (size_t)slot * ESPNIC_MODEL_MAX_FRAME,
				 p->backlog_len[slot]);
		if (r == 0)
			break;
		if (r > 0)
			p->tx++;
		else
			p->tx_drops++;
		p->backlog_head = (slot + 1) % DEV_PORT_BACKLOG;
		p->backlog_count--;
	}
	return p->backlog_count;
}

void dev_port_send(struct dev_port *p, const uint8_t *buf, size_t len)
{
	switch (p->kind) {
	case DEV_PORT_NONE:
		p->tx_drops++;
		return;
	case DEV_PORT_PCAP:
		dev_capture_frame(p->out, buf, len);
		p->tx++;
		return;
	case DEV_PORT_TAP:
	case DEV_PORT_CARD:
		break;
	}
	int r = dev_port_flush(p) ? 0 : try_send(p, buf, len); /* keep the order */
	if (r > 0)
		p->tx++;
	else if (r == 0)
		backlog_push(p, buf, len);
	else
		p->tx_drops++;
}

void dev_port_close(struct dev_port *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->self[0])
		unlink(p->self);
	if (p->in)
		pcap_close(p->in);
	if (p->out)
		pcap_dump_close(p->out);
	if (p->dead)
		pcap_close(p->dead);
	free(p->backlog);
	free(p->backlog_len);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

pcap_dumper_t *dev_capture_open(const char *path, pcap_t **dead, char *err, size_t errlen)
{
	pcap_dumper_t *d;
	*dead = pcap_open_dead(DLT_EN10MB, 65535);
	d = *dead ? pcap_dump_open(*dead, path) : NULL;
	if (!d)
		snprintf(err, errlen, "cannot write %s: %s", path,
			 *dead ? pcap_geterr(*dead) : "out of memory");
	return d;
}

void dev_capture_frame(pcap_dumper_t *d, const uint8_t *buf, size_t len)
{
	struct pcap_pkthdr h = {.caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len};
	if (!d)
		return;
	gettimeofday(&h.ts, NULL);
	pcap_dump((u_char *)d, &h, buf);
	pcap_dump_flush(d);
}
