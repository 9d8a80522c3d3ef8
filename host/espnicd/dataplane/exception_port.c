/* The card's exception path on the host: see exception_port.h. */
#include "exception_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "espnic_regs.h"
#include "log.h"
#include "reassembly.h"

#define ETH_HDR	     14
#define BURST	     64
#define RX_BUF	     (65535 + ETH_HDR)
#define TIMEOUT4_MS  15000 /* as Linux's ipfrag_time */
#define TIMEOUT6_MS  60000 /* RFC 8200 section 4.5 */
#define MAX_DATAGRAM 64

struct exc_port {
	struct event_base *base;
	char ifname[IF_NAMESIZE];
	int fd;
	bool bound;
	bool warned;	   /* "no such interface" logged once */
	bool warned_size;  /* "larger than the MTU" logged once */
	size_t max_packet; /* the reassembler's limit */
	unsigned mtu;	   /* the interface's MTU when bound */
	struct event *ev_read, *ev_tick;
	struct reasm *reasm;
	uint8_t *rx;
	uint64_t frames_in, frames_bad, reinjected, send_errors;
	void (*on_bound)(void *);
	void *on_bound_arg;
};

size_t exc_port_max_packet(unsigned max_frame)
{
	size_t f = max_frame != 0 ? max_frame : 2048;

	return f > ETH_HDR ? f - ETH_HDR : 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void try_bind(struct exc_port *x)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(ESPNIC_ETHERTYPE_REASSEMBLY)};
	unsigned idx = if_nametoindex(x->ifname);
	struct ifreq ifr = {0};

	if (idx == 0) {
		if (!x->warned)
			log_warn("exception path: interface %s does not exist yet: fragments from "
				 "the card are not reassembled until it does (tried every second)",
				 x->ifname);
		x->warned = true;
		return;
	}
	sll.sll_ifindex = (int)idx;
	if (bind(x->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		log_error("exception path: bind to %s: %s", x->ifname, strerror(errno));
		return;
	}
	x->bound = true;
	x->warned = false;
	log_info("exception path: reassembling IP fragments from the card on %s", x->ifname);
	/* The kernel refuses to send a frame larger than the MTU (EMSGSIZE) */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", x->ifname);
	x->mtu = ioctl(x->fd, SIOCGIFMTU, &ifr) == 0 ? (unsigned)ifr.ifr_mtu : 0;
	if (x->mtu != 0 && x->mtu < x->max_packet)
		log_warn("exception path: %s has MTU %u: reassembled packets above it cannot be "
			 "handed back to the card (send errors); give the exception path an "
			 "interface of MTU %zu of its own (card_exception_if)",
			 x->ifname, x->mtu, x->max_packet);
	if (x->on_bound != NULL)
		x->on_bound(x->on_bound_arg);
}

static void lost_interface(struct exc_port *x, int err)
{
	log_warn("exception path: %s: %s: binding again when it is back", x->ifname, strerror(err));
	x->bound = false;
}

/* One frame: the fragment behind the Ethernet header, and the whole packet back. */
static void on_frame(struct exc_port *x, const uint8_t *f, size_t len)
{
	uint8_t hdr[ETH_HDR], *pkt; /* the reassembler writes the MAC addresses (REASM_LINK_LEN) */
	size_t plen;
	int ret;

	if (len < ETH_HDR + 1 || (f[12] << 8 | f[13]) != ESPNIC_ETHERTYPE_REASSEMBLY) {
		x->frames_bad++;
		return;
	}
	ret = reasm_input(x->reasm, f + ETH_HDR, len - ETH_HDR, f, now_ms(), &pkt, &plen, hdr);
	if (ret <= 0)
		return;
	/* The first fragment's destination and source MAC, the ethertype, then the packet as
	 * the reassembler wrote it: one frame from two pieces, no copy. */
	hdr[12] = ESPNIC_ETHERTYPE_REASSEMBLY >> 8;
	hdr[13] = ESPNIC_ETHERTYPE_REASSEMBLY & 0xff;
	struct iovec iov[2] = {{.iov_base = hdr, .iov_len = ETH_HDR},
			       {.iov_base = pkt, .iov_len = plen}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	if (sendmsg(x->fd, &msg, MSG_DONTWAIT) == (ssize_t)(ETH_HDR + plen)) {
		x->reinjected++;
	} else {
		int e = errno;

		x->send_errors++;
		if (e == EMSGSIZE && !x->warned_size)
			log_warn("exception path: a reassembled packet of %zu bytes is larger than "
				 "the MTU of %s: not handed back (counted as send errors)",
				 plen, x->ifname);
		x->warned_size = x->warned_size || e == EMSGSIZE;
		log_debug("exception path: send on %s: %s", x->ifname, strerror(e));
		if (e == ENXIO || e == ENODEV || e == ENETDOWN)
			lost_interface(x, e);
	}
	free(pkt);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct exc_port *x = arg;

	(void)what;
	for (int i = 0; i < BURST; i++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, x->rx, RX_BUF, MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&from, &fl);

		if (n < 0) {
			if (errno == ENETDOWN || errno == ENXIO || errno == ENODEV)
				lost_interface(x, errno);
			return; /* EAGAIN: the burst is over */
		}
		if (!x->bound || from.sll_pkttype == PACKET_OUTGOING)
			continue; /* our own reinjections, or before the bind */
		x->frames_in++;
		if ((size_t)n > RX_BUF) { /* truncated: larger than any IP packet */
			x->frames_bad++;
			continue;
		}
		on_frame(x, x->rx, (size_t)n);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct exc_port *x = arg;

	(void)fd;
	(void)what;
	if (!x->bound)
		try_bind(x);
	reasm_expire(x->reasm, now_ms());
}

int exc_port_open(struct event_base *base, const char *ifname, size_t max_packet,
		  struct exc_port **out, char *err, size_t errlen)
{
	struct reasm_limits lim = {.max_packet = max_packet > 65535 ? 65535 : max_packet,
				   .max_datagrams = MAX_DATAGRAM,
				   .timeout4_ms = TIMEOUT4_MS,
				   .timeout6_ms = TIMEOUT6_MS};
	struct timeval second = {1, 0};
	struct exc_port *x;
	int one = 1, ret;

	*out = NULL;
	if (strlen(ifname) == 0 || strlen(ifname) >= IF_NAMESIZE) {
		snprintf(err, errlen, "exception path: bad interface name \"%s\"", ifname);
		return -EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -ENOMEM;
	x->base = base;
	snprintf(x->ifname, sizeof(x->ifname), "%s", ifname);
	x->max_packet = lim.max_packet;
	x->reasm = reasm_new(&lim);
	x->rx = malloc(RX_BUF);
	/* Protocol 0: nothing is received until the bind names the ethertype and the
	 * interface, so nothing from other interfaces is ever read. */
	x->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd < 0 || x->reasm == NULL || x->rx == NULL) {
		ret = x->fd < 0 ? -errno : -ENOMEM;
		snprintf(err, errlen, "exception path: AF_PACKET socket: %s%s", strerror(-ret),
			 ret == -EPERM ? " (needs CAP_NET_RAW)" : "");
		exc_port_close(x);
		return ret;
	}
	/* Our own reinjected frames are not read back (Linux 4.20; also checked per frame) */
	(void)setsockopt(x->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	x->ev_read = event_new(base, x->fd, EV_READ | EV_PERSIST, on_read, x);
	x->ev_tick = event_new(base, -1, EV_PERSIST, on_tick, x);
	if (x->ev_read == NULL || x->ev_tick == NULL || event_add(x->ev_read, NULL) < 0 ||
	    event_add(x->ev_tick, &second) < 0) {
		snprintf(err, errlen, "exception path: out of memory");
		exc_port_close(x);
		return -ENOMEM;
	}
	*out = x;
	try_bind(x);
	return 0;
}

void exc_port_on_bound(struct exc_port *x, void (*cb)(void *), void *arg)
{
	x->on_bound = cb;
	x->on_bound_arg = arg;
	if (x->bound && cb != NULL)
		cb(arg);
}

void exc_port_close(struct exc_port *x)
{
	if (x == NULL)
		return;
	if (x->ev_read != NULL)
		event_free(x->ev_read);
	if (x->ev_tick != NULL)
		event_free(x->ev_tick);
	if (x->fd >= 0)
		close(x->fd);
	reasm_free(x->reasm);
	free(x->rx);
	free(x);
}

json_t *exc_port_status(const struct exc_port *x)
{
	const struct reasm_stats *st = reasm_stats(x->reasm);
	json_t *drops = json_object();

	for (unsigned i = 0; i < REASM_DROP_COUNT; i++)
		json_object_set_new(drops, reasm_drop_name((enum reasm_drop)i),
				    json_integer((json_int_t)st->drops[i]));
	return json_pack("{s:s, s:b, s:i, s:I, s:I, s:I, s:i, s:I, s:I, s:o}", "interface",
			 x->ifname, "bound", x->bound, "mtu", (int)x->mtu, "frames_in",
			 (json_int_t)x->frames_in, "fragments_in", (json_int_t)st->fragments,
			 "datagrams_reinjected", (json_int_t)x->reinjected, "datagrams_in_progress",
			 (int)reasm_in_progress(x->reasm), "frames_bad", (json_int_t)x->frames_bad,
			 "send_errors", (json_int_t)x->send_errors, "drops", drops);
}
