/* bench_espnic.c: throughput and latency of the simulated card in cycles.
 *
 * For each data path width built, direction, SA count and inner frame size,
 * a burst of frames runs through the card with the input always offered and
 * the output always accepted. Throughput counts wire bytes per frame (the
 * frame, 4 bytes of FCS, 20 bytes of preamble and inter-frame gap) over the
 * cycles from the first output beat to the last, and so do packets per cycle;
 * Gb/s and Mpps are those at the core clock of the Alveo build (250 MHz).
 * "line" is the packet rate of a 100G Ethernet port on the side that limits:
 * the port whose frames are the larger, the wire's ESP frames in both
 * directions (a 100G host port offers egress more frames per second than a
 * 100G wire can carry once encapsulated); "host" is that rate for the host
 * port's frames. "x100G" is the card's packet rate over "line" (1.00: the
 * card keeps up with its ports; 1.70: with 1.7 times their rate).
 * Egress traffic is generated, and each ESP frame out is checked byte for
 * byte against the software encoder (traffic_esp_frame, OpenSSL); ingress
 * traffic is the egress card's output, decrypted by a second card with the
 * same keys and checked byte for byte. `--ingress-sas N` runs ingress alone at
 * N inbound SAs (up to the card's SA_N, beyond the SPD's one rule per egress
 * SA), its frames made by the software encoder.
 * The wire is never held off (a frame the card's input buffer cannot take is
 * dropped at entry, IN_BUFFER_DROP), so ingress runs twice: "ingress" with
 * the wire at the port's line rate (espnic_model_default_wire_rate: 100G at
 * 250 MHz for 512 bits, 25G for 128), where the figure is "drop", the frames
 * dropped at entry, which must be 0 for the card to keep up with its port;
 * and "ingr-b2b" with the wire's beats back to back (a beat every cycle,
 * above line rate), where B/cycle is what the card delivers when its input
 * never runs dry (its capacity), frames dropped at entry or not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "espnic_card.h"
#include "espnic_model.h"
#include "model_io.h"
#include "traffic.h"

#define CLOCK_MHZ     250.0 /* the Alveo build's core clock (fw/alveo) */
#define WIRE_OVERHEAD (4 + 20)
#define LINE_GBPS     100.0 /* the port compared with: 100G Ethernet */

struct frame {
	uint8_t data[ESPNIC_MODEL_MAX_FRAME];
	size_t len;
	uint64_t first, last;
};

struct result {
	double bytes_per_cycle, pkts_per_cycle;
	double host_bytes, wire_bytes; /* mean wire bytes of a frame on either port */
	size_t frames;
	uint64_t cycles;
	long long drops; /* frames dropped at the card's entry; -1: not applicable */
};

static const unsigned imix[12] = {64, 64, 64, 64, 64, 64, 64, 570, 570, 570, 570, 1518};

static unsigned size_of(int size, size_t i)
{
	return size > 0 ? (unsigned)size : imix[i % 12];
}

static int die(const char *what, int rc)
{
	fprintf(stderr, "espnic-bench: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	exit(1);
}

/* Run frames into port `in`, collect from the other port. */
static size_t run(espnic_model *m, enum espnic_port in, struct frame *frames, size_t n,
		  struct frame *out, size_t out_cap)
{
	enum espnic_port out_port = in == ESPNIC_PORT_HOST ? ESPNIC_PORT_WIRE : ESPNIC_PORT_HOST;
	for (size_t i = 0; i < n; i++)
		if (espnic_model_send(m, in, frames[i].data, frames[i].len))
			die("send", EINVAL);
	espnic_model_drain(m, 500, 100000000);
	size_t k = 0;
	int len;
	while (k < out_cap &&
	       (len = espnic_model_recv(m, out_port, out[k].data, sizeof(out[k].data),
					&out[k].first, &out[k].last)) > 0)
		out[k++].len = (size_t)len;
	return k;
}

/* Egress: the n frames out (wire[]) of the n frames in (in[], the port that limits). */
static struct result measure(const struct frame *in, const struct frame *wire, size_t n)
{
	struct result r = {0};
	r.frames = n;
	r.drops = -1;
	if (n == 0)
		return r;
	uint64_t bytes = 0, in_bytes = 0;
	for (size_t i = 0; i < n; i++) {
		bytes += wire[i].len + WIRE_OVERHEAD;
		in_bytes += in[i].len + WIRE_OVERHEAD;
	}
	r.cycles = wire[n - 1].last - wire[0].first + 1;
	r.bytes_per_cycle = (double)bytes / (double)r.cycles;
	r.pkts_per_cycle = (double)n / (double)r.cycles;
	r.host_bytes = (double)in_bytes / (double)n;
	r.wire_bytes = (double)bytes / (double)n;
	return r;
}

static void print_row(unsigned w, const char *dir, unsigned sas, int size, struct result r,
		      uint64_t lat_first, uint64_t lat_last)
{
	char drop[24];
	if (r.drops < 0)
		snprintf(drop, sizeof(drop), "-");
	else
		snprintf(drop, sizeof(drop), "%lld", r.drops);
	char sz[16];
	if (size > 0)
		snprintf(sz, sizeof(sz), "%d", size);
	else
		snprintf(sz, sizeof(sz), "IMIX");
	double gbps = r.bytes_per_cycle * 8 * CLOCK_MHZ / 1000.0;
	double mpps = r.pkts_per_cycle * CLOCK_MHZ;
	double big = r.host_bytes > r.wire_bytes ? r.host_bytes : r.wire_bytes;
	double line = big > 0 ? LINE_GBPS * 1000.0 / (8 * big) : 0;
	double host = r.host_bytes > 0 ? LINE_GBPS * 1000.0 / (8 * r.host_bytes) : 0;
	printf("%6u  %-8s %5u  %5s  %6zu  %8llu  %8.2f  %6.4f  %7.1f  %7.2f  %7.2f  %7.2f  %6.2f  "
	       "%6llu  %6llu  %5s\n",
	       w, dir, sas, sz, r.frames, (unsigned long long)r.cycles, r.bytes_per_cycle,
	       r.pkts_per_cycle, gbps, mpps, host, line, line > 0 ? mpps / line : 0,
	       (unsigned long long)lat_first, (unsigned long long)lat_last, drop);
}

/* Cycles from offering one frame to an idle card to its first and last beat out. */
static void latency(espnic_model *m, enum espnic_port in, const struct frame *f, uint64_t *first,
		    uint64_t *last)
{
	struct frame o;
	uint64_t t0 = espnic_model_cycles(m);
	run(m, in, (struct frame *)f, 1, &o, 1);
	*first = o.first - t0;
	*last = o.last - t0;
}

/* Ingress of the n frames wire[] (the encapsulated in[]) into b: the frames
 * out must be a subsequence of in[], unchanged and in order, and the ones
 * missing must be those counted as dropped at entry; throughput counts the
 * wire bytes of the frames delivered. */
static struct result ingress(espnic_model *b, const struct frame *in, struct frame *wire, size_t n,
			     struct frame *host)
{
	struct espnic_io ib = model_io(b);
	uint64_t c0[ESPNIC_PORT_COUNTERS], c1[ESPNIC_PORT_COUNTERS];
	if (espnic_card_counters(&ib, c0))
		die("counters", EIO);
	size_t hn = run(b, ESPNIC_PORT_WIRE, wire, n, host, n);
	if (espnic_card_counters(&ib, c1))
		die("counters", EIO);
	uint64_t drops = c1[ESPNIC_CNT_IN_BUFFER_DROP] - c0[ESPNIC_CNT_IN_BUFFER_DROP];
	uint64_t bytes = 0, host_bytes = 0;
	size_t j = 0;
	for (size_t i = 0; i < hn; i++, j++) {
		while (j < n && !(host[i].len == in[j].len &&
				  memcmp(host[i].data, in[j].data, in[j].len) == 0))
			j++;
		if (j == n)
			die("ingress output differs from what was sent", EIO);
		bytes += wire[j].len + WIRE_OVERHEAD;
		host_bytes += host[i].len + WIRE_OVERHEAD;
	}
	if (hn + drops != n)
		die("ingress lost frames other than those dropped at entry", EIO);
	struct result r = {0};
	r.frames = hn;
	r.drops = (long long)drops;
	if (hn) {
		r.cycles = host[hn - 1].last - host[0].first + 1;
		r.bytes_per_cycle = (double)bytes / (double)r.cycles;
		r.pkts_per_cycle = (double)hn / (double)r.cycles;
		r.wire_bytes = (double)bytes / (double)hn;
		r.host_bytes = (double)host_bytes / (double)hn;
	}
	return r;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The card's ESP frame for SA identity sa_id against the software encoder's
 * (traffic_esp_frame) for the same host frame, IP ID and sequence number:
 * byte for byte, the ciphertext and ICV included. */
static void check_esp(const struct frame *host, const struct frame *card, unsigned sa_id)
{
	struct espnic_sa sa;
	uint8_t ref[ESPNIC_MODEL_MAX_FRAME];
	traffic_sa(&sa, sa_id, ESPNIC_ALG_AES_GCM_128, false);
	if (card->len < 14 + 20 + 8)
		die("egress frame too short for ESP", EIO);
	size_t n = traffic_esp_frame(ref, sizeof(ref), &sa, get32(card->data + 14 + 24),
				     (uint16_t)get16(card->data + 14 + 4), host->data, host->len);
	if (n == 0 || n != card->len || memcmp(ref, card->data, n) != 0)
		die("egress frame differs from the software ESP encoder's", EIO);
}

/* Egress traffic for n frames spread round-robin over the n_sa outbound SAs
 * (traffic_setup_egress: one SPD rule each), each frame out checked against
 * the software encoder. */
static void make_wire(espnic_model *a, unsigned n_sa, int size, struct frame *in, size_t n,
		      struct frame *wire, struct result *eg, uint64_t *lat_first,
		      uint64_t *lat_last)
{
	for (size_t i = 0; i < n; i++)
		in[i].len =
		    traffic_frame(in[i].data, size_of(size, i), (unsigned)(i % n_sa), (uint32_t)i);
	latency(a, ESPNIC_PORT_HOST, &in[0], lat_first, lat_last);
	size_t got = run(a, ESPNIC_PORT_HOST, in, n, wire, n);
	if (got != n)
		die("egress lost frames", EIO);
	for (size_t i = 0; i < n; i++)
		check_esp(&in[i], &wire[i], (unsigned)(i % n_sa));
	*eg = measure(in, wire, got);
}

static void print_header(void)
{
	printf("%6s  %-8s %5s  %5s  %6s  %8s  %8s  %6s  %7s  %7s  %7s  %7s  %6s  %6s  %6s  %5s\n",
	       "DATA_W", "dir", "SAs", "size", "frames", "cycles", "B/cycle", "pkt/c", "Gb/s",
	       "Mpps", "host", "line", "x100G", "lat1st", "latlast", "drop");
}

/* Ingress alone at n_sa inbound SAs (up to the card's SA_N, more than its
 * SPD lets one egress card feed): the frames go round-robin over the SAs,
 * each made by the software encoder (traffic_esp_frame, checked against the
 * card's egress in the main run) with its SA's next sequence number. */
static void ingress_only(unsigned w, unsigned n_sa, const int *sizes, size_t n_sizes,
			 struct frame *in, struct frame *wire, struct frame *host, size_t n)
{
	espnic_model *b = espnic_model_new(w, NULL);
	uint32_t *seq = calloc(n_sa, sizeof(*seq));
	if (!b || !seq)
		die("model", errno ? errno : ENOMEM);
	struct espnic_io ib = model_io(b);
	struct espnic_card_info info;
	int rc = espnic_card_info(&ib, &info);
	if (rc)
		die("card info", rc);
	if (n_sa > info.sa_n) { /* refused before installing any */
		fprintf(stderr,
			"espnic-bench: --ingress-sas %u: the card has %u SAs per direction\n", n_sa,
			info.sa_n);
		exit(1);
	}
	uint64_t c0 = espnic_model_cycles(b);
	rc = traffic_setup_ingress(&ib, n_sa, ESPNIC_ALG_AES_GCM_128);
	if (rc)
		die("ingress set-up", rc);
	printf("%6u  %u inbound SAs installed through the command ring in %llu cycles\n", w, n_sa,
	       (unsigned long long)(espnic_model_cycles(b) - c0));
	for (size_t zi = 0; zi < n_sizes; zi++) {
		for (size_t i = 0; i < n; i++) {
			unsigned id = (unsigned)(i % n_sa);
			struct espnic_sa sa;
			traffic_sa(&sa, id, ESPNIC_ALG_AES_GCM_128, false);
			in[i].len =
			    traffic_frame(in[i].data, size_of(sizes[zi], i), id, (uint32_t)i);
			wire[i].len =
			    traffic_esp_frame(wire[i].data, sizeof(wire[i].data), &sa, ++seq[id],
					      (uint16_t)i, in[i].data, in[i].len);
			if (wire[i].len == 0)
				die("software ESP encoder", EINVAL);
		}
		uint64_t lf, ll;
		latency(b, ESPNIC_PORT_WIRE, &wire[0], &lf, &ll);
		struct result r = ingress(b, in + 1, wire + 1, n - 1, host);
		print_row(w, "ingress", n_sa, sizes[zi], r, lf, ll);
	}
	free(seq);
	espnic_model_free(b);
}

int main(int argc, char **argv)
{
	static const int sizes[] = {64, 128, 256, 512, 1024, 1500, 0};
	static const unsigned sa_counts[] = {1, 1024};
	size_t n_frames = 600;
	unsigned ingress_sas = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ingress-sas") == 0 && i + 1 < argc)
			ingress_sas = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (argv[i][0] != '-')
			n_frames = strtoul(argv[i], NULL, 10);
		else
			die("usage: espnic-bench [FRAMES] [--ingress-sas N]", EINVAL);
	}
	struct frame *in = calloc(n_frames, sizeof(*in));
	struct frame *wire = calloc(n_frames, sizeof(*wire));
	struct frame *host = calloc(n_frames, sizeof(*host));
	if (!in || !wire || !host || n_frames < 16)
		die("memory or frame count", ENOMEM);
	if (ingress_sas) {
		static const int some[] = {64, 1500, 0}; /* 64 B, 1500 B, IMIX */
		printf("espnic card ingress at %u SAs, frames round-robin over them, the wire at "
		       "the port's line rate (Gb/s and Mpps at %.0f MHz)\n",
		       ingress_sas, CLOCK_MHZ);
		print_header();
		for (unsigned wi = 0; wi < 2; wi++) {
			unsigned w = wi == 0 ? 512 : 128;
			if (espnic_model_has_width(w))
				ingress_only(w, ingress_sas, some, sizeof(some) / sizeof(some[0]),
					     in, wire, host, n_frames);
		}
		free(in);
		free(wire);
		free(host);
		return 0;
	}

	printf("espnic card throughput (wire bytes = frame + 4 FCS + 20 preamble/gap; Gb/s and "
	       "Mpps at %.0f MHz; host, line: Mpps of a %.0f Gb/s port carrying the host's frames, "
	       "the larger frames of the two ports; x100G: Mpps over line)\n",
	       CLOCK_MHZ, LINE_GBPS);
	print_header();
	for (unsigned wi = 0; wi < 2; wi++) {
		unsigned w = wi == 0 ? 512 : 128;
		if (!espnic_model_has_width(w))
			continue;
		struct timespec t0, t1;
		uint64_t sim_cycles = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (unsigned si = 0; si < 2; si++) {
			unsigned n_sa = sa_counts[si];
			espnic_model *a = espnic_model_new(w, NULL);
			espnic_model *b = espnic_model_new(w, NULL);
			if (!a || !b)
				die("model", errno);
			struct espnic_io ia = model_io(a), ib = model_io(b);
			/* The SAs once per count (installing 2 x 1024 through the command ring
			 * costs more simulated time than the traffic): each size goes on with the
			 * sequence numbers where the last one left them, which the receiving
			 * card's window follows. */
			int rc = traffic_setup_egress(&ia, n_sa, ESPNIC_ALG_AES_GCM_128);
			if (rc)
				die("egress set-up", rc);
			if ((rc = traffic_setup_ingress(&ib, n_sa, ESPNIC_ALG_AES_GCM_128)))
				die("ingress set-up", rc);
			for (size_t zi = 0; zi < sizeof(sizes) / sizeof(sizes[0]); zi++) {
				struct result eg;
				uint64_t lf, ll;
				make_wire(a, n_sa, sizes[zi], in, n_frames, wire, &eg, &lf, &ll);
				print_row(w, "egress", n_sa, sizes[zi], eg, lf, ll);
				/* Probe latency with frame 0, then run the rest as the burst:
				 * at line rate, then back to back. */
				latency(b, ESPNIC_PORT_WIRE, &wire[0], &lf, &ll);
				print_row(w, "ingress", n_sa, sizes[zi],
					  ingress(b, in + 1, wire + 1, n_frames - 1, host), lf, ll);
				espnic_model_set_wire_rate(b, 0);
				uint64_t elf, ell; /* the second egress run's, not printed */
				make_wire(a, n_sa, sizes[zi], in, n_frames, wire, &eg, &elf, &ell);
				print_row(w, "ingr-b2b", n_sa, sizes[zi],
					  ingress(b, in, wire, n_frames, host), lf, ll);
				espnic_model_set_wire_rate(b, espnic_model_default_wire_rate(w));
			}
			sim_cycles += espnic_model_cycles(a) + espnic_model_cycles(b);
			espnic_model_free(a);
			espnic_model_free(b);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double secs =
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("DATA_W %u: %.0f simulated cycles per wall-second on this machine\n", w,
		       (double)sim_cycles / secs);
	}
	free(in);
	free(wire);
	free(host);
	return 0;
}
