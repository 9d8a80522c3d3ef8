/* pcap_run.c: `espnic-sim pcap`: program SAs and SPD rules into a simulated
 * card, send every frame of a capture into one of its ports, write what comes
 * out of the other port to a capture, and report the card's counters. */
#include "pcap_run.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "card_config.h"
#include "espnic_card.h"
#include "espnic_model.h"
#include "model_io.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: espnic-sim pcap --sa SA.json [--spd SPD.json] --direction egress|ingress\n"
		"                       --in IN.pcap --out OUT.pcap [--width 128|512]\n"
		"                       [--stats-json FILE] [--trace FILE.fst]\n"
		"                       [--wire-rate BYTES_PER_CYCLE]\n"
		"                       [--other-in IN2.pcap] [--other-out OUT2.pcap]\n"
		"\n"
		"Runs a capture through the simulated card. egress: IN is what the host sends,\n"
		"OUT is what the card puts on the wire; ingress: IN is from the wire, OUT is\n"
		"what the host receives. Without --spd, egress protects everything with the\n"
		"one outbound SA and ingress has no rules. With --spd, ingress checks cleartext\n"
		"from the wire against the rules reversed (the card's inbound policy).\n"
		"Prints the card's port counters and per-SA counters.\n"
		"--wire-rate: the line rate of the wire's input in bytes per cycle (frame +\n"
		"24 bytes of FCS, preamble and gap; default 50 at 512 bits, 100G at 250 MHz,\n"
		"12.5 at 128 bits, 25G; 0: frames back to back). The wire is never held off:\n"
		"a frame the card's input buffer cannot take is dropped (in_buffer_drop).\n"
		"--other-in: frames sent into the other port (the host port for ingress, the\n"
		"wire for egress), taken in turn with IN's, one frame of each; --other-out:\n"
		"what comes out of the port IN goes into (both directions at once).\n");
}

struct run_opts {
	const char *sa, *spd, *in, *out, *stats, *trace, *other_in, *other_out;
	int direction; /* ESPNIC_PORT_HOST for egress */
	unsigned width;
	double wire_rate; /* if wire_rate_set; otherwise the width's default */
	bool wire_rate_set;
};

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	int ch;
	static const struct option longopts[] = {{"sa", required_argument, NULL, 's'},
						 {"spd", required_argument, NULL, 'p'},
						 {"direction", required_argument, NULL, 'd'},
						 {"in", required_argument, NULL, 'i'},
						 {"out", required_argument, NULL, 'o'},
						 {"width", required_argument, NULL, 'w'},
						 {"stats-json", required_argument, NULL, 'j'},
						 {"trace", required_argument, NULL, 't'},
						 {"wire-rate", required_argument, NULL, 'r'},
						 {"other-in", required_argument, NULL, 'I'},
						 {"other-out", required_argument, NULL, 'O'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	memset(o, 0, sizeof(*o));
	o->direction = -1;
	o->width = 128;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->sa = optarg;
			break;
		case 'p':
			o->spd = optarg;
			break;
		case 'd':
			if (strcmp(optarg, "egress") == 0)
				o->direction = ESPNIC_PORT_HOST;
			else if (strcmp(optarg, "ingress") == 0)
				o->direction = ESPNIC_PORT_WIRE;
			else {
				fprintf(stderr,
					"espnic-sim pcap: --direction must be egress or ingress\n");
				return 2;
			}
			break;
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'I':
			o->other_in = optarg;
			break;
		case 'O':
			o->other_out = optarg;
			break;
		case 'w':
			if (espnic_model_parse_width(optarg, &o->width) < 0) {
				fprintf(stderr, "espnic-sim pcap: --width must be 128 or 512\n");
				return 2;
			}
			break;
		case 'j':
			o->stats = optarg;
			break;
		case 't':
			o->trace = optarg;
			break;
		case 'r':
			o->wire_rate_set = true;
			if (espnic_model_parse_wire_rate(optarg, &o->wire_rate) < 0) {
				fprintf(stderr, "espnic-sim pcap: --wire-rate must be a number "
						"of bytes per cycle from 0 to 1000\n");
				return 2;
			}
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
		fprintf(stderr, "espnic-sim pcap: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!o->sa || !o->in || !o->out || o->direction < 0) {
		fprintf(stderr,
			"espnic-sim pcap: --sa, --direction, --in and --out are required\n");
		usage(stderr);
		return 2;
	}
	return 0;
}

static json_t *sa_json(const struct card_sa_entry *e, const struct espnic_sa_status *st)
{
	json_t *drops = json_object();
	for (unsigned d = 0; d < ESPNIC_DROP_N; d++)
		json_object_set_new(drops, espnic_drop_name(d),
				    json_integer((json_int_t)st->drops[d]));
	char spi[16];
	snprintf(spi, sizeof(spi), "0x%08x", st->spi);
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:o, s:b, s:b}", "index",
			 (json_int_t)e->index, "direction", e->sa.inbound ? "in" : "out", "spi",
			 spi, "seq", (json_int_t)st->seq, "packets", (json_int_t)st->packets,
			 "bytes", (json_int_t)st->bytes, "drops", drops, "soft_expired",
			 st->soft_expired, "hard_expired", st->hard_expired);
}

static int report(const struct card_config *cfg, const struct espnic_io *io, const char *stats_path)
{
	uint64_t cnt[ESPNIC_PORT_COUNTERS];
	json_t *root = json_object(), *ports = json_object(), *sas = json_array();
	int rc = 0;

	espnic_card_counters(io, cnt);
	printf("port counters:\n");
	for (unsigned i = 0; i < ESPNIC_PORT_COUNTERS; i++) {
		if (cnt[i])
			printf("  %-16s %" PRIu64 "\n", espnic_counter_name(i), cnt[i]);
		json_object_set_new(ports, espnic_counter_name(i),
				    json_integer((json_int_t)cnt[i]));
	}
	printf("SAs:\n  %-5s %-3s %-10s %10s %12s %8s  %s\n", "index", "dir", "spi", "packets",
	       "bytes", "seq", "drops");
	for (size_t i = 0; i < cfg->n_sas; i++) {
		struct espnic_sa_status st;
		const struct card_sa_entry *e = &cfg->sas[i];
		if ((rc = espnic_card_sa_read(io, e->sa.inbound, e->index, &st)))
			break;
		printf("  %-5u %-3s 0x%08x %10" PRIu64 " %12" PRIu64 " %8" PRIu64 " ", e->index,
		       e->sa.inbound ? "in" : "out", st.spi, st.packets, st.bytes, st.seq);
		for (unsigned d = 0; d < ESPNIC_DROP_N; d++)
			if (st.drops[d])
				printf(" %s=%" PRIu64, espnic_drop_name(d), st.drops[d]);
		printf("%s%s\n", st.soft_expired ? " soft-expired" : "",
		       st.hard_expired ? " hard-expired" : "");
		json_array_append_new(sas, sa_json(e, &st));
	}
	/* Events the card raised, oldest first. */
	json_t *events = json_array();
	struct espnic_event ev;
	while (espnic_card_event_pop(io, &ev) == 1) {
		printf("event: %s, %s SA %u, rule %u\n", espnic_event_name(ev.kind),
		       ev.inbound ? "inbound" : "outbound", ev.sa, ev.rule);
		json_array_append_new(events, json_pack("{s:s, s:s, s:i, s:i}", "kind",
							espnic_event_name(ev.kind), "direction",
							ev.inbound ? "in" : "out", "sa", ev.sa,
							"rule", ev.rule));
	}
	json_object_set_new(root, "ports", ports);
	json_object_set_new(root, "sas", sas);
	json_object_set_new(root, "events", events);
	if (!rc && stats_path && json_dump_file(root, stats_path, JSON_INDENT(2)) != 0) {
		fprintf(stderr, "espnic-sim pcap: cannot write %s\n", stats_path);
		rc = -EIO;
	}
	json_decref(root);
	return rc;
}

int pcap_run_main(int argc, char **argv)
{
	struct run_opts o;
	struct card_config cfg = {0};
	char err[512] = "";
	char perr[PCAP_ERRBUF_SIZE];
	pcap_t *in = NULL, *in2 = NULL, *dead = NULL;
	pcap_dumper_t *out = NULL, *out2 = NULL;
	espnic_model *m = NULL;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;

	rc = card_config_load_sas(&cfg, o.sa, err, sizeof(err));
	if (!rc && o.spd)
		rc = card_config_load_spd(&cfg, o.spd, err, sizeof(err));
	else if (!rc && o.direction == ESPNIC_PORT_HOST)
		rc = card_config_default_spd(&cfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "espnic-sim pcap: %s\n", err);
		card_config_free(&cfg);
		return 1;
	}

	in = pcap_open_offline(o.in, perr);
	if (!in) {
		fprintf(stderr, "espnic-sim pcap: %s\n", perr);
		rc = 1;
		goto done;
	}
	if (pcap_datalink(in) != DLT_EN10MB) {
		fprintf(stderr, "espnic-sim pcap: %s: only Ethernet captures are supported\n",
			o.in);
		rc = 1;
		goto done;
	}
	if (o.other_in) {
		in2 = pcap_open_offline(o.other_in, perr);
		if (!in2 || pcap_datalink(in2) != DLT_EN10MB) {
			fprintf(stderr, "espnic-sim pcap: %s: %s\n", o.other_in,
				in2 ? "only Ethernet captures are supported" : perr);
			rc = 1;
			goto done;
		}
	}
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	out = dead ? pcap_dump_open(dead, o.out) : NULL;
	if (!out) {
		fprintf(stderr, "espnic-sim pcap: cannot write %s: %s\n", o.out,
			dead ? pcap_geterr(dead) : "out of memory");
		rc = 1;
		goto done;
	}
	if (o.other_out && !(out2 = pcap_dump_open(dead, o.other_out))) {
		fprintf(stderr, "espnic-sim pcap: cannot write %s: %s\n", o.other_out,
			pcap_geterr(dead));
		rc = 1;
		goto done;
	}

	m = espnic_model_new(o.width, o.trace);
	if (!m) {
		fprintf(stderr, "espnic-sim pcap: cannot create the card model: %s\n",
			strerror(errno));
		rc = 1;
		goto done;
	}
	if (o.wire_rate_set)
		espnic_model_set_wire_rate(m, o.wire_rate);
	struct espnic_io io = model_io(m);
	if ((rc = card_config_apply(&cfg, &io, err, sizeof(err)))) {
		fprintf(stderr, "espnic-sim pcap: %s\n", err);
		rc = 1;
		goto done;
	}

	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long frames = 0, skipped = 0;
	enum espnic_port out_port =
	    o.direction == ESPNIC_PORT_HOST ? ESPNIC_PORT_WIRE : ESPNIC_PORT_HOST;
	/* One frame of IN, then one of OTHER-IN (into out_port), in turn. */
	pcap_t *src[2] = {in, in2};
	const char *src_name[2] = {o.in, o.other_in};
	enum espnic_port src_port[2] = {(enum espnic_port)o.direction, out_port};
	bool more[2] = {true, in2 != NULL};
	while (more[0] || more[1]) {
		for (int k = 0; k < 2; k++) {
			if (!more[k])
				continue;
			int r = pcap_next_ex(src[k], &h, &data);
			if (r == PCAP_ERROR) {
				fprintf(stderr, "espnic-sim pcap: %s: %s\n", src_name[k],
					pcap_geterr(src[k]));
				rc = 1;
				goto done;
			}
			if (r != 1) {
				more[k] = false;
				continue;
			}
			if (h->caplen != h->len ||
			    espnic_model_send(m, src_port[k], data, h->caplen)) {
				skipped++;
				continue;
			}
			frames++;
			/* Keep the input queue short so output timestamps stay meaningful. */
			if (espnic_model_pending(m, src_port[k]) > 64)
				espnic_model_drain(m, 0, 4096);
		}
	}
	espnic_model_drain(m, 2000, 100000000);

	uint8_t buf[ESPNIC_MODEL_MAX_FRAME + 256];
	unsigned long written = 0;
	uint64_t first, last;
	int n;
	while ((n = espnic_model_recv(m, out_port, buf, sizeof(buf), &first, &last)) > 0) {
		struct pcap_pkthdr oh = {.caplen = (bpf_u_int32)n, .len = (bpf_u_int32)n};
		/* Timestamps are the card's cycle of the last beat, in microseconds. */
		oh.ts.tv_sec = (time_t)(last / 1000000);
		oh.ts.tv_usec = (suseconds_t)(last % 1000000);
		pcap_dump((u_char *)out, &oh, buf);
		written++;
	}
	while (out2 && (n = espnic_model_recv(m, (enum espnic_port)o.direction, buf, sizeof(buf),
					      &first, &last)) > 0) {
		struct pcap_pkthdr oh = {.caplen = (bpf_u_int32)n, .len = (bpf_u_int32)n};
		oh.ts.tv_sec = (time_t)(last / 1000000);
		oh.ts.tv_usec = (suseconds_t)(last % 1000000);
		pcap_dump((u_char *)out2, &oh, buf);
		written++;
	}
	printf("%lu frames in, %lu frames out, %" PRIu64 " cycles (DATA_W %u)\n", frames, written,
	       espnic_model_cycles(m), o.width);
	if (skipped)
		printf("%lu frames skipped (truncated in the capture or longer than %d bytes)\n",
		       skipped, ESPNIC_MODEL_MAX_FRAME);
	rc = report(&cfg, &io, o.stats) ? 1 : 0;

done:
	if (out)
		pcap_dump_close(out);
	if (out2)
		pcap_dump_close(out2);
	if (in2)
		pcap_close(in2);
	if (dead)
		pcap_close(dead);
	if (in)
		pcap_close(in);
	if (m)
		espnic_model_free(m);
	card_config_free(&cfg);
	return rc;
}
