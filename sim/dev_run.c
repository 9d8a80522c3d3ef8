/* dev_run.c: `espnic-sim run`: one simulated card as a running device. The
 * event loop (libevent) sleeps on the port descriptors and the MMIO socket;
 * the model is clocked only while frames are in flight (until QUIET_CYCLES
 * after the last beat moved), for each register access, and for the STEP
 * requests a driver sends while it waits for a command to finish. */
#include "dev.h"

#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "espnic_regs.h"
#include "espnic_simproto.h"

/* Clock in chunks of this many cycles, and keep clocking for QUIET cycles
 * after the last beat moved (the pipelines' latency is far below). */
#define CHUNK_CYCLES   64
#define QUIET_CYCLES   1024
#define SLICE_NS       2000000 /* clock at most this long before serving I/O */
#define QUEUE_HIGH     256     /* stop reading a port with this many frames queued */
#define PCAP_IN_QUEUE  64
#define RX_BATCH       64
#define FLUSH_RETRY_US 500 /* retry a full TAP or cable this often */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: espnic-sim run --name NAME --wire PORT --host PORT [--width 128|512]\n"
	    "                      [--trace FILE.fst] [--socket PATH] [--wire-capture FILE.pcap]\n"
	    "                      [--host-vlan VID=IFNAME]... [--host-exception IFNAME]\n"
	    "                      [--wire-rate BYTES_PER_CYCLE] [--verbose]\n"
	    "\n"
	    "Runs one simulated card as a device until SIGTERM or SIGINT. Host programs\n"
	    "reach its registers through the socket (default " ESPNIC_SIM_RUN_DIR "/NAME.sock;\n"
	    "libespnic device \"sim:NAME\"). PORT is one of\n"
	    "  tap:IFNAME            a TAP device (created if missing)\n"
	    "  card:OTHER            cabled to card OTHER's wire port (datagram sockets\n"
	    "                        RUNDIR/NAME.wire and RUNDIR/OTHER.wire)\n"
	    "  pcap:IN.pcap,OUT.pcap frames of IN enter the port, what leaves goes to OUT\n"
	    "  none                  nothing connected\n"
	    "RUNDIR is $ESPNIC_RUN_DIR or " ESPNIC_SIM_RUN_DIR ". --wire-capture records\n"
	    "every frame crossing the wire port, both directions. --host-vlan gives\n"
	    "802.1Q VLAN VID of the host port its own TAP IFNAME (what espnic0.VID\n"
	    "would be): the harness adds the tag to what the host sends there and\n"
	    "takes it off what the card delivers tagged VID (route-based sessions).\n"
	    "--host-exception gives the host port's exception path its own TAP IFNAME,\n"
	    "as a card's driver would a queue: the frames the card delivers behind\n"
	    "ethertype 0x88B5 (IP fragments from the wire, for the host to reassemble)\n"
	    "leave through it, what the host writes to it enters the host port as it\n"
	    "is, and its MTU is the card's largest frame less the Ethernet header, so\n"
	    "a reassembled packet fits whatever the host port's MTU.\n"
	    "--wire-rate: the wire input's line rate in bytes per cycle (default 50 at\n"
	    "512 bits, 100G at 250 MHz; 12.5 at 128 bits, 25G; 0: back to back); the\n"
	    "card never holds the wire off and drops what its input buffer cannot take.\n");
}

struct run_opts {
	const char *name, *wire, *host, *trace, *socket, *capture;
	unsigned width;
	double wire_rate; /* if wire_rate_set; otherwise the width's default */
	bool wire_rate_set;
	int verbose;
	unsigned n_vlan;
	uint16_t vlan_vid[DEV_VLAN_MAX];
	const char *vlan_if[DEV_VLAN_MAX];
	const char *exception_if; /* --host-exception */
};

/* VID=IFNAME of --host-vlan. */
static int parse_vlan(struct run_opts *o, const char *arg)
{
	char *end;
	unsigned long vid = strtoul(arg, &end, 10);
	if (end == arg || *end != '=' || vid < 1 || vid > 4094 || !end[1]) {
		fprintf(stderr,
			"espnic-sim run: --host-vlan %s: expected VID=IFNAME, VID 1..4094\n", arg);
		return 2;
	}
	for (unsigned i = 0; i < o->n_vlan; i++)
		if (o->vlan_vid[i] == vid) {
			fprintf(stderr, "espnic-sim run: --host-vlan: VLAN %lu given twice\n", vid);
			return 2;
		}
	if (o->n_vlan == DEV_VLAN_MAX) {
		fprintf(stderr, "espnic-sim run: at most %d --host-vlan\n", DEV_VLAN_MAX);
		return 2;
	}
	o->vlan_vid[o->n_vlan] = (uint16_t)vid;
	o->vlan_if[o->n_vlan++] = end + 1;
	return 0;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {{"name", required_argument, NULL, 'n'},
						 {"wire", required_argument, NULL, 'W'},
						 {"host", required_argument, NULL, 'H'},
						 {"width", required_argument, NULL, 'w'},
						 {"wire-rate", required_argument, NULL, 'r'},
						 {"trace", required_argument, NULL, 't'},
						 {"socket", required_argument, NULL, 's'},
						 {"wire-capture", required_argument, NULL, 'c'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"host-vlan", required_argument, NULL, 'V'},
						 {"host-exception", required_argument, NULL, 'X'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int ch;
	memset(o, 0, sizeof(*o));
	o->width = 128;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o->name = optarg;
			break;
		case 'W':
			o->wire = optarg;
			break;
		case 'H':
			o->host = optarg;
			break;
		case 'w':
			if (espnic_model_parse_width(optarg, &o->width) < 0) {
				fprintf(stderr,
					"espnic-sim run: --width %s is not built (128 or 512)\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			o->wire_rate_set = true;
			if (espnic_model_parse_wire_rate(optarg, &o->wire_rate) < 0) {
				fprintf(stderr, "espnic-sim run: --wire-rate must be a number of "
						"bytes per cycle from 0 to 1000\n");
				return 2;
			}
			break;
		case 't':
			o->trace = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'c':
			o->capture = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'V':
			if (parse_vlan(o, optarg))
				return 2;
			break;
		case 'X':
			if (!*optarg || strlen(optarg) >= IFNAMSIZ || o->exception_if) {
				fprintf(stderr,
					"espnic-sim run: --host-exception takes one interface "
					"name of 1 to %d characters\n",
					IFNAMSIZ - 1);
				return 2;
			}
			o->exception_if = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "espnic-sim run: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!o->name || !o->wire || !o->host) {
		fprintf(stderr, "espnic-sim run: --name, --wire and --host are required\n");
		usage(stderr);
		return 2;
	}
	if (!*o->name || strlen(o->name) > 32 || strchr(o->name, '/') || o->name[0] == '.') {
		fprintf(stderr, "espnic-sim run: --name must be 1 to 32 characters, no '/'\n");
		return 2;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static bool has_work(struct device *d)
{
	const struct dev_port *w = &d->port[ESPNIC_PORT_WIRE], *h = &d->port[ESPNIC_PORT_HOST];
	return espnic_model_busy(d->m) || espnic_model_quiet_cycles(d->m) < QUIET_CYCLES ||
	       (w->kind == DEV_PORT_PCAP && !w->in_done) ||
	       (h->kind == DEV_PORT_PCAP && !h->in_done);
}

void dev_kick(struct device *d)
{
	event_active(d->clock_ev, EV_TIMEOUT, 0);
}

static void schedule_flush(struct device *d)
{
	const struct timeval retry = {0, FLUSH_RETRY_US};
	if (!evtimer_pending(d->flush_ev, NULL))
		evtimer_add(d->flush_ev, &retry);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct device *d = arg;
	(void)fd;
	(void)what;
	unsigned left = dev_port_flush(&d->port[0]) + dev_port_flush(&d->port[1]);
	for (unsigned i = 0; i < d->n_vlan; i++)
		left += dev_port_flush(&d->vlan[i].port);
	if (left)
		schedule_flush(d);
}

/* The side TAP a frame the card delivers to the host goes to: the exception
 * TAP for ethertype 0x88B5, the VLAN TAP of its 802.1Q VID, else none (the
 * host port's own TAP). */
static struct dev_vlan *vlan_of(struct device *d, const uint8_t *buf, int n)
{
	if (!d->n_vlan || n < 14)
		return NULL;
	unsigned etype = (unsigned)buf[12] << 8 | buf[13];
	unsigned vid = n >= 18 ? (unsigned)(buf[14] & 0x0f) << 8 | buf[15] : 0;
	for (unsigned i = 0; i < d->n_vlan; i++)
		if (d->vlan[i].exception ? etype == ESPNIC_ETHERTYPE_REASSEMBLY
					 : etype == 0x8100 && d->vlan[i].vid == vid)
			return &d->vlan[i];
	return NULL;
}

void dev_after_model(struct device *d)
{
	static uint8_t buf[ESPNIC_MODEL_MAX_FRAME + 256];
	int n;
	for (int p = 0; p < 2; p++) {
		while ((n = espnic_model_recv(d->m, p, buf, sizeof(buf), NULL, NULL)) > 0) {
			if (p == ESPNIC_PORT_WIRE)
				dev_capture_frame(d->capture, buf, (size_t)n);
			struct dev_vlan *v = p == ESPNIC_PORT_HOST ? vlan_of(d, buf, n) : NULL;
			struct dev_port *out = v ? &v->port : &d->port[p];
			const uint8_t *f = buf;
			if (v && !v->exception) { /* the tag off: MAC addresses, then the rest */
				memmove(buf + 4, buf, 12);
				f = buf + 4;
				n -= 4;
			}
			dev_port_send(out, f, (size_t)n);
			if (out->backlog_count)
				schedule_flush(d);
		}
	}
	bool pending = espnic_model_event_pending(d->m);
	if (pending && !d->ev_notified)
		dev_mmio_notify(d);
	d->ev_notified = pending;
}

/* Frames arrived on a port: queue them into the card. */
static void port_rx(struct device *d, int p)
{
	static uint8_t buf[65536];
	for (int i = 0; i < RX_BATCH; i++) {
		if (espnic_model_pending(d->m, p) >= QUEUE_HIGH) {
			if (d->port_ev[p] && !d->port_paused[p]) {
				event_del(d->port_ev[p]);
				d->port_paused[p] = true;
			}
			break;
		}
		ssize_t n = dev_port_recv(&d->port[p], buf, sizeof(buf));
		if (n <= 0)
			break;
		if (p == ESPNIC_PORT_WIRE)
			dev_capture_frame(d->capture, buf, (size_t)n);
		espnic_model_send(d->m, p, buf, (size_t)n);
	}
	dev_kick(d);
}

/* Frames the host wrote to a VLAN TAP: into the card's host port, tagged;
 * to the exception TAP: as they are. */
static void vlan_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dev_vlan *v = arg;
	struct device *d = v->port.owner;
	static uint8_t buf[65536 + 4];
	(void)fd;
	(void)what;
	for (int i = 0; i < RX_BATCH; i++) {
		if (espnic_model_pending(d->m, ESPNIC_PORT_HOST) >= QUEUE_HIGH) {
			if (!v->paused) {
				event_del(v->ev);
				v->paused = true;
			}
			break;
		}
		ssize_t n = dev_port_recv(&v->port, buf + 4, sizeof(buf) - 4);
		if (n < 12)
			break;
		if (v->exception) {
			if (n <= ESPNIC_MODEL_MAX_FRAME)
				espnic_model_send(d->m, ESPNIC_PORT_HOST, buf + 4, (size_t)n);
			continue;
		}
		if (n + 4 > ESPNIC_MODEL_MAX_FRAME)
			continue;
		memmove(buf, buf + 4, 12);
		buf[12] = 0x81;
		buf[13] = 0x00;
		buf[14] = (uint8_t)(v->vid >> 8);
		buf[15] = (uint8_t)v->vid;
		espnic_model_send(d->m, ESPNIC_PORT_HOST, buf, (size_t)n + 4);
	}
	dev_kick(d);
}

static void port_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dev_port *port = arg;
	(void)fd;
	(void)what;
	port_rx(port->owner, port->index);
}

static void clock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct device *d = arg;
	uint64_t t0 = now_ns();
	(void)fd;
	(void)what;
	do {
		for (int p = 0; p < 2; p++)
			if (d->port[p].kind == DEV_PORT_PCAP &&
			    espnic_model_pending(d->m, p) < PCAP_IN_QUEUE)
				port_rx(d, p);
		espnic_model_step(d->m, CHUNK_CYCLES);
		dev_after_model(d);
	} while (has_work(d) && now_ns() - t0 < SLICE_NS);
	for (int p = 0; p < 2; p++)
		if (d->port_paused[p] && espnic_model_pending(d->m, p) < QUEUE_HIGH / 2) {
			event_add(d->port_ev[p], NULL);
			d->port_paused[p] = false;
		}
	for (unsigned i = 0; i < d->n_vlan; i++)
		if (d->vlan[i].paused &&
		    espnic_model_pending(d->m, ESPNIC_PORT_HOST) < QUEUE_HIGH / 2) {
			event_add(d->vlan[i].ev, NULL);
			d->vlan[i].paused = false;
		}
	if (has_work(d))
		dev_kick(d);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct device *d = arg;
	(void)what;
	if (d->verbose)
		fprintf(stderr, "espnic-sim run: %s: signal %d, stopping\n", d->name, (int)sig);
	event_base_loopbreak(d->base);
}

/* A side TAP of the host port: VLAN vid's, or (vid 0) the exception path's. */
static struct dev_vlan *open_side_tap(struct device *d, const char *name, const char *ifname,
				      uint16_t vid, char *err, size_t errlen)
{
	struct dev_vlan *v = &d->vlan[d->n_vlan];
	char spec[64];
	snprintf(spec, sizeof(spec), "tap:%s", ifname);
	v->vid = vid;
	v->exception = vid == 0;
	if (dev_port_open(&v->port, spec, v->exception ? "host exception" : "host VLAN", name,
			  d->rundir, err, errlen) < 0) {
		dev_port_close(&v->port);
		return NULL;
	}
	d->n_vlan++;
	v->port.owner = d;
	v->ev = event_new(d->base, v->port.fd, EV_READ | EV_PERSIST, vlan_cb, v);
	if (!v->ev || event_add(v->ev, NULL) < 0) {
		snprintf(err, errlen, "cannot watch the TAP %s", ifname);
		return NULL;
	}
	return v;
}

/* The exception TAP, its MTU the card's largest frame less the Ethernet
 * header (a reassembled packet goes back whole). */
static int open_exception(struct device *d, const char *name, const char *ifname, char *err,
			  size_t errlen)
{
	struct ifreq ifr = {0};
	if (!open_side_tap(d, name, ifname, 0, err, errlen))
		return -1;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_mtu = ESPNIC_MODEL_MAX_FRAME - 14;
	if (s < 0 || ioctl(s, SIOCSIFMTU, &ifr) < 0) {
		snprintf(err, errlen, "cannot set the MTU of %s to %d: %s", ifname, ifr.ifr_mtu,
			 strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	close(s);
	return 0;
}

static int setup(struct device *d, const struct run_opts *o, char *err, size_t errlen)
{
	const char *rundir = getenv("ESPNIC_RUN_DIR");
	int n;
	snprintf(d->rundir, sizeof(d->rundir), "%s",
		 rundir && *rundir ? rundir : ESPNIC_SIM_RUN_DIR);
	if (o->socket)
		n = snprintf(d->sock_path, sizeof(d->sock_path), "%s", o->socket);
	else
		n = snprintf(d->sock_path, sizeof(d->sock_path), "%.*s/%.32s.sock", 64, d->rundir,
			     o->name);
	if (n < 0 || (size_t)n >= sizeof(d->sock_path) || strlen(d->rundir) > 64) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	if (mkdir(d->rundir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", d->rundir, strerror(errno));
		return -1;
	}
	d->base = event_base_new();
	if (!d->base) {
		snprintf(err, errlen, "cannot create the event loop");
		return -1;
	}
	d->m = espnic_model_new(o->width, o->trace);
	if (!d->m) {
		snprintf(err, errlen, "cannot create the card model: %s", strerror(errno));
		return -1;
	}
	if (o->wire_rate_set)
		espnic_model_set_wire_rate(d->m, o->wire_rate);
	if (dev_port_open(&d->port[ESPNIC_PORT_HOST], o->host, "host", o->name, d->rundir, err,
			  errlen) < 0 ||
	    dev_port_open(&d->port[ESPNIC_PORT_WIRE], o->wire, "wire", o->name, d->rundir, err,
			  errlen) < 0)
		return -1;
	if (o->capture &&
	    !(d->capture = dev_capture_open(o->capture, &d->capture_dead, err, errlen)))
		return -1;
	d->clock_ev = event_new(d->base, -1, 0, clock_cb, d);
	d->flush_ev = evtimer_new(d->base, flush_cb, d);
	d->sig_ev[0] = evsignal_new(d->base, SIGTERM, signal_cb, d);
	d->sig_ev[1] = evsignal_new(d->base, SIGINT, signal_cb, d);
	if (!d->clock_ev || !d->flush_ev || !d->sig_ev[0] || !d->sig_ev[1] ||
	    event_add(d->sig_ev[0], NULL) < 0 || event_add(d->sig_ev[1], NULL) < 0) {
		snprintf(err, errlen, "cannot set up the event loop");
		return -1;
	}
	for (int p = 0; p < 2; p++) {
		d->port[p].owner = d;
		d->port[p].index = p;
		if (d->port[p].fd < 0)
			continue;
		d->port_ev[p] =
		    event_new(d->base, d->port[p].fd, EV_READ | EV_PERSIST, port_cb, &d->port[p]);
		if (!d->port_ev[p] || event_add(d->port_ev[p], NULL) < 0) {
			snprintf(err, errlen, "cannot watch the %s port", d->port[p].label);
			return -1;
		}
	}
	for (unsigned i = 0; i < o->n_vlan; i++)
		if (!open_side_tap(d, o->name, o->vlan_if[i], o->vlan_vid[i], err, errlen))
			return -1;
	if (o->exception_if && open_exception(d, o->name, o->exception_if, err, errlen) < 0)
		return -1;
	if (dev_mmio_listen(d, err, errlen) < 0)
		return -1;
	dev_kick(d); /* pcap inputs start flowing at once */
	return 0;
}

static void teardown(struct device *d)
{
	dev_mmio_close(d);
	for (int p = 0; p < 2; p++) {
		if (d->port_ev[p])
			event_free(d->port_ev[p]);
		dev_port_close(&d->port[p]);
	}
	for (unsigned i = 0; i < d->n_vlan; i++) {
		if (d->vlan[i].ev)
			event_free(d->vlan[i].ev);
		dev_port_close(&d->vlan[i].port);
	}
	for (int i = 0; i < 2; i++)
		if (d->sig_ev[i])
			event_free(d->sig_ev[i]);
	if (d->clock_ev)
		event_free(d->clock_ev);
	if (d->flush_ev)
		event_free(d->flush_ev);
	if (d->capture)
		pcap_dump_close(d->capture);
	if (d->capture_dead)
		pcap_close(d->capture_dead);
	if (d->m)
		espnic_model_free(d->m);
	if (d->base)
		event_base_free(d->base);
}

int dev_run_main(int argc, char **argv)
{
	struct run_opts o;
	struct device d;
	char err[512] = "";
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	memset(&d, 0, sizeof(d));
	d.name = o.name;
	d.listen_fd = -1;
	d.verbose = o.verbose;
	d.port[0].fd = d.port[1].fd = -1;
	signal(SIGPIPE, SIG_IGN);
	if (setup(&d, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "espnic-sim run: %s: %s\n", o.name, err);
		teardown(&d);
		return 1;
	}
	printf("espnic-sim run: card %s (DATA_W %u) on %s, host %s, wire %s\n", o.name, o.width,
	       d.sock_path, o.host, o.wire);
	fflush(stdout);
	rc = event_base_dispatch(d.base) < 0 ? 1 : 0;
	printf("espnic-sim run: card %s stopped after %llu cycles; host port %llu in %llu out "
	       "%llu dropped, wire port %llu in %llu out %llu dropped; %llu MMIO requests "
	       "(%llu ops)\n",
	       o.name, (unsigned long long)espnic_model_cycles(d.m),
	       (unsigned long long)d.port[0].rx, (unsigned long long)d.port[0].tx,
	       (unsigned long long)(d.port[0].tx_drops + d.port[0].backlog_count),
	       (unsigned long long)d.port[1].rx, (unsigned long long)d.port[1].tx,
	       (unsigned long long)(d.port[1].tx_drops + d.port[1].backlog_count),
	       (unsigned long long)d.mmio_requests, (unsigned long long)d.mmio_ops);
	teardown(&d);
	return rc;
}
