/* test_back_to_back.c: back-to-back frames of mixed sizes, each for a
 * different SA, through egress and then through a second card's ingress:
 * every frame comes back unchanged, and neither direction leaves a bubble on
 * its busier port (counted in cycles, so the result is the same anywhere).
 * The second card's wire feeds frames back to back, a beat every cycle (no
 * line rate: faster than 100G at 512 bits), and it must take them all
 * without a drop at entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espnic_card.h"
#include "espnic_model.h"
#include "model_io.h"
#include "traffic.h"

#define N_FRAMES 300
#define N_SA	 64

struct frame {
	uint8_t data[ESPNIC_MODEL_MAX_FRAME];
	size_t len;
	uint64_t first, last;
};

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	failures += !ok;
}

/* Frames out of port p, and whether they left back to back: the cycles from
 * the first beat of the first frame to the last beat of the last frame are
 * the beats they carried (plus a little slack for the first frames' fill). */
static size_t collect(espnic_model *m, enum espnic_port p, struct frame *out, size_t cap,
		      unsigned bytes_per_beat, int *back_to_back)
{
	size_t n = 0;
	uint64_t beats = 0;
	int len;
	while (n < cap && (len = espnic_model_recv(m, p, out[n].data, sizeof(out[n].data),
						   &out[n].first, &out[n].last)) > 0) {
		out[n].len = (size_t)len;
		beats += (out[n].len + bytes_per_beat - 1) / bytes_per_beat;
		n++;
	}
	uint64_t span = n ? out[n - 1].last - out[0].first + 1 : 0;
	printf("  %zu frames, %llu beats in %llu cycles\n", n, (unsigned long long)beats,
	       (unsigned long long)span);
	*back_to_back = n > 0 && span <= beats + beats / 100 + 4;
	return n;
}

static void run_width(unsigned w)
{
	static struct frame in[N_FRAMES], wire[N_FRAMES], host[N_FRAMES];
	unsigned bpb = w / 8;
	espnic_model *a = espnic_model_new(w, NULL), *b = espnic_model_new(w, NULL);
	if (!a || !b) {
		check(0, "model");
		return;
	}
	struct espnic_io ia = model_io(a), ib = model_io(b);
	check(traffic_setup_egress(&ia, N_SA, ESPNIC_ALG_AES_GCM_256) == 0 &&
		  traffic_setup_ingress(&ib, N_SA, ESPNIC_ALG_AES_GCM_256) == 0,
	      "set-up of 64 SA pairs");

	srand(7);
	for (size_t i = 0; i < N_FRAMES; i++) {
		size_t len = 60 + (size_t)rand() % 1455;
		in[i].len = traffic_frame(in[i].data, len, (unsigned)(rand() % N_SA), (uint32_t)i);
		espnic_model_send(a, ESPNIC_PORT_HOST, in[i].data, in[i].len);
	}
	espnic_model_drain(a, 500, 10000000);
	int b2b;
	printf("DATA_W %u egress\n", w);
	size_t n = collect(a, ESPNIC_PORT_WIRE, wire, N_FRAMES, bpb, &b2b);
	check(n == N_FRAMES, "egress: every frame encapsulated");
	check(b2b, "egress: no bubble on the wire");

	espnic_model_set_wire_rate(b, 0);
	for (size_t i = 0; i < n; i++)
		espnic_model_send(b, ESPNIC_PORT_WIRE, wire[i].data, wire[i].len);
	espnic_model_drain(b, 500, 10000000);
	/* Ingress input is the busier port: count its beats instead. */
	uint64_t in_beats = 0;
	for (size_t i = 0; i < n; i++)
		in_beats += (wire[i].len + bpb - 1) / bpb;
	printf("DATA_W %u ingress\n", w);
	size_t m = collect(b, ESPNIC_PORT_HOST, host, N_FRAMES, bpb, &b2b);
	uint64_t span = m ? host[m - 1].last - host[0].first + 1 : 0;
	printf("  %llu wire beats in, delivered over %llu cycles\n", (unsigned long long)in_beats,
	       (unsigned long long)span);
	uint64_t cnt[ESPNIC_PORT_COUNTERS];
	check(espnic_card_counters(&ib, cnt) == 0 && cnt[ESPNIC_CNT_IN_BUFFER_DROP] == 0,
	      "ingress: no frame dropped at entry (input buffer)");
	check(m == N_FRAMES, "ingress: every frame decrypted");
	check(span <= in_beats + in_beats / 100 + 16, "ingress: input taken without bubbles");
	int same = m == n;
	for (size_t i = 0; same && i < m; i++)
		same = host[i].len == in[i].len && memcmp(host[i].data, in[i].data, in[i].len) == 0;
	check(same, "round trip: frames unchanged and in order");
	espnic_model_free(a);
	espnic_model_free(b);
}

/* The arguments are the widths the build was configured with (ESPNIC_MODEL_WIDTHS): each
 * must be in the model and run; no width at all is a failure, not a pass. */
int main(int argc, char **argv)
{
	int ran = 0;
	check(argc > 1, "the build's model widths given");
	for (int i = 1; i < argc; i++) {
		unsigned w = (unsigned)strtoul(argv[i], NULL, 10);
		char what[64];
		snprintf(what, sizeof(what), "model width %s built", argv[i]);
		check(espnic_model_has_width(w), what);
		if (espnic_model_has_width(w)) {
			run_width(w);
			ran++;
		}
	}
	check(ran > 0, "at least one width ran");
	printf("%d passed, %d failed\n", ran * 7 + argc + 1 - failures, failures);
	return failures ? 1 : 0;
}
