/* test_sa_pipeline.c: the SA tables' read-modify-write pipeline, on the
 * cycle-level model. (1) Many frames of one SA with no gap: outbound sequence
 * numbers contiguous, counters exact; inbound, with duplicates right behind
 * their originals and pairs swapped, every original delivered once, every
 * duplicate counted as a replay drop, counters and the highest sequence
 * number exact; a new sequence number set by the host restarts the window.
 * (2) An SA index reused while packets of the old SA are in
 * flight (the output port held so they cannot finish): none of them touches
 * the new SA's sequence number, window or counters. (3) Outbound sequence
 * numbers running out, with and without ESN, from a number the host set
 * (installed, or moved on by an update): the last one is used, then every
 * packet is dropped as expired. (4) Outbound lifetimes by bytes and by
 * packets, frames of one SA back to back: each limit fires once, at its
 * packet (the hard one is the last out; a soft limit's event names the
 * limit it reached first, so a limit reached on the same packet as another
 * shows which one fired first), across 2^16 bytes too. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espnic_model.h"
#include "model_io.h"
#include "traffic.h"

#define N_FRAMES 240
#define ALG	 ESPNIC_ALG_AES_GCM_128

struct frame {
	uint8_t data[ESPNIC_MODEL_MAX_FRAME];
	size_t len;
};

static struct frame in[N_FRAMES], wire[N_FRAMES], host[2 * N_FRAMES];
static int failures, checks;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	failures += !ok;
	checks++;
}

static size_t recv_all(espnic_model *m, enum espnic_port p, struct frame *out, size_t cap)
{
	size_t n = 0;
	int len;
	uint64_t first, last;
	while (n < cap &&
	       (len = espnic_model_recv(m, p, out[n].data, sizeof(out[n].data), &first, &last)) > 0)
		out[n++].len = (size_t)len;
	return n;
}

/* The ESP sequence number of a tunnel-mode frame on the wire (Ethernet,
 * IPv4 without options, ESP). */
static uint32_t esp_seq(const struct frame *f)
{
	const uint8_t *p = f->data + 14 + 20 + 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Run until no beat has moved on any port for a while (frames may still
 * wait at an input: an output port is held). */
static void settle(espnic_model *m)
{
	espnic_model_step(m, 64); /* the frames just queued start to move */
	for (int i = 0; i < 100000 && espnic_model_quiet_cycles(m) < 500; i++)
		espnic_model_step(m, 16);
}

static uint64_t counter(espnic_model *m, unsigned i)
{
	struct espnic_io io = model_io(m);
	uint64_t c[ESPNIC_PORT_COUNTERS];
	if (espnic_card_counters(&io, c))
		return ~0ull;
	return c[i];
}

static int drops_zero(const struct espnic_sa_status *st)
{
	for (unsigned i = 0; i < ESPNIC_DROP_N; i++)
		if (st->drops[i])
			return 0;
	return 1;
}

/* N_FRAMES frames of SA 0, lengths varying, encapsulated by card a. */
static size_t encapsulate(espnic_model *a, uint64_t *inner_bytes)
{
	*inner_bytes = 0;
	for (size_t i = 0; i < N_FRAMES; i++) {
		in[i].len = traffic_frame(in[i].data, 60 + (i * 37) % 400, 0, (uint32_t)i);
		*inner_bytes += in[i].len - 14;
		espnic_model_send(a, ESPNIC_PORT_HOST, in[i].data, in[i].len);
	}
	espnic_model_drain(a, 500, 10000000);
	return recv_all(a, ESPNIC_PORT_WIRE, wire, N_FRAMES);
}

/* From sequence number start + 1 on (an update moves the outbound SA there;
 * start 1990 crosses the window words' 2^11 block at 2048, where commit
 * compares a number with a top in the next block). */
static void same_sa(unsigned w, uint64_t start)
{
	espnic_model *a = espnic_model_new(w, NULL), *b = espnic_model_new(w, NULL);
	struct espnic_io ia = model_io(a), ib = model_io(b);
	struct espnic_sa_status st;
	struct espnic_sa_update to_start = {.set = 1u << ESPNIC_UPD_SET_SEQ, .seq = start};
	check(traffic_setup_egress(&ia, 1, ALG) == 0 && traffic_setup_ingress(&ib, 1, ALG) == 0 &&
		  (start == 0 || espnic_card_sa_update(&ia, false, 0, &to_start) == 0),
	      "one SA each way");

	uint64_t bytes;
	size_t n = encapsulate(a, &bytes);
	check(n == N_FRAMES, "egress: every frame of the one SA encapsulated");
	int contiguous = n == N_FRAMES;
	for (size_t i = 0; contiguous && i < n; i++)
		contiguous = esp_seq(&wire[i]) == (uint32_t)(start + i + 1);
	check(contiguous, "egress: sequence numbers in order from the SA's first, none repeated");
	check(espnic_card_sa_read(&ia, false, 0, &st) == 0 && st.seq == start + N_FRAMES &&
		  st.packets == N_FRAMES && st.bytes == bytes && drops_zero(&st),
	      "egress: SA sequence number, packets and bytes exact");

	/* Inbound: originals in order but every 4th pair swapped, every 3rd
	 * followed at once by its duplicate. */
	size_t sent = 0, dups = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = (i % 8 == 4 && i + 1 < n) ? i + 1 : (i % 8 == 5) ? i - 1 : i;
		espnic_model_send(b, ESPNIC_PORT_WIRE, wire[k].data, wire[k].len);
		sent++;
		if (i % 3 == 0) {
			espnic_model_send(b, ESPNIC_PORT_WIRE, wire[k].data, wire[k].len);
			sent++;
			dups++;
		}
	}
	espnic_model_drain(b, 500, 10000000);
	size_t m = recv_all(b, ESPNIC_PORT_HOST, host, 2 * N_FRAMES);
	check(m == n, "ingress: every original delivered once, no duplicate delivered");
	check(espnic_card_sa_read(&ib, true, 0, &st) == 0 && st.seq == start + N_FRAMES &&
		  st.packets == N_FRAMES && st.bytes == bytes,
	      "ingress: highest sequence number, packets and bytes exact");
	check(st.drops[ESPNIC_DROP_REPLAY] == dups && st.drops[ESPNIC_DROP_ICV] == 0,
	      "ingress: each duplicate counted once as a replay drop");
	check(counter(b, ESPNIC_CNT_IN_DECRYPTED) == n && sent == n + dups,
	      "ingress: port counter of delivered packets exact");

	/* A new sequence number restarts the window (every word of it cleared,
	 * not only the first): the last frame, seen before, is new again once,
	 * then a replay. */
	struct espnic_sa_update u = {.set = 1u << ESPNIC_UPD_SET_SEQ, .seq = start + N_FRAMES + 5};
	check(espnic_card_sa_update(&ib, true, 0, &u) == 0, "ingress: sequence number moved on");
	espnic_model_send(b, ESPNIC_PORT_WIRE, wire[n - 1].data, wire[n - 1].len);
	espnic_model_send(b, ESPNIC_PORT_WIRE, wire[n - 1].data, wire[n - 1].len);
	espnic_model_drain(b, 500, 10000000);
	m = recv_all(b, ESPNIC_PORT_HOST, host, 2 * N_FRAMES);
	check(m == 1 && espnic_card_sa_read(&ib, true, 0, &st) == 0 &&
		  st.seq == start + N_FRAMES + 5 && st.drops[ESPNIC_DROP_REPLAY] == dups + 1,
	      "ingress: the window restarts at the new sequence number");
	espnic_model_free(a);
	espnic_model_free(b);
}

/* Inbound: packets of SA 0 held between classify and commit (the host port
 * does not take frames) while SA 0 is deleted and installed again. */
static void reuse_inbound(unsigned w)
{
	espnic_model *a = espnic_model_new(w, NULL), *b = espnic_model_new(w, NULL);
	struct espnic_io ia = model_io(a), ib = model_io(b);
	struct espnic_sa_status old, st;
	check(traffic_setup_egress(&ia, 1, ALG) == 0 && traffic_setup_ingress(&ib, 1, ALG) == 0,
	      "reuse: one SA each way");
	uint64_t bytes;
	size_t n = encapsulate(a, &bytes);

	espnic_model_set_ready(b, ESPNIC_PORT_HOST, 0);
	for (size_t i = 0; i < n; i++)
		espnic_model_send(b, ESPNIC_PORT_WIRE, wire[i].data, wire[i].len);
	settle(b); /* until nothing moves: the pipeline is full */
	int ok = espnic_card_sa_read(&ib, true, 0, &old) == 0;
	ok = ok && espnic_card_sa_delete(&ib, true, 0) == 0;
	ok = ok && traffic_setup_ingress(&ib, 1, ALG) == 0; /* same SPI, same key */
	check(ok, "reuse: SA 0 deleted and installed again under traffic");
	espnic_model_set_ready(b, ESPNIC_PORT_HOST, 1000);
	espnic_model_drain(b, 500, 10000000);
	size_t m = recv_all(b, ESPNIC_PORT_HOST, host, 2 * N_FRAMES);
	uint64_t no_sa = counter(b, ESPNIC_CNT_IN_NO_SA);
	/* The wire is never held off: what the held card could not buffer was
	 * dropped at entry. */
	uint64_t full = counter(b, ESPNIC_CNT_IN_BUFFER_DROP);
	check(espnic_card_sa_read(&ib, true, 0, &st) == 0, "reuse: new SA read");
	size_t stale = n - m - (size_t)no_sa - (size_t)full;
	printf("  %zu frames: %llu delivered by the old SA, %llu by the new, %zu in flight "
	       "across the change, %llu without SA, %llu dropped at entry; new SA drops: "
	       "replay %llu icv %llu\n",
	       n, (unsigned long long)old.packets, (unsigned long long)st.packets, stale,
	       (unsigned long long)no_sa, (unsigned long long)full,
	       (unsigned long long)st.drops[ESPNIC_DROP_REPLAY],
	       (unsigned long long)st.drops[ESPNIC_DROP_ICV]);
	check(m <= n && stale > 0 && stale <= n, "reuse: packets were in flight across the change");
	check(m == old.packets + st.packets && drops_zero(&st),
	      "reuse: the new SA counts only its own packets, no drops");
	/* The last frame delivered was the new SA's (frame j has sequence number
	 * j + 1); the ones after it were dropped at entry, if any. */
	size_t last = 0;
	while (m > 0 && last < n &&
	       !(in[last].len == host[m - 1].len &&
		 memcmp(in[last].data, host[m - 1].data, in[last].len) == 0))
		last++;
	check(m > 0 && last < n && st.seq == last + 1,
	      "reuse: the new SA's highest sequence number is its own");

	/* The packets in flight never marked the new window: sent again, each
	 * is new to the new SA. The ones the new SA took are replays. */
	for (size_t i = 0; i < n; i++)
		espnic_model_send(b, ESPNIC_PORT_WIRE, wire[i].data, wire[i].len);
	espnic_model_drain(b, 500, 10000000);
	size_t again = recv_all(b, ESPNIC_PORT_HOST, host, 2 * N_FRAMES);
	struct espnic_sa_status st2;
	check(espnic_card_sa_read(&ib, true, 0, &st2) == 0 && again == n - st.packets &&
		  st2.drops[ESPNIC_DROP_REPLAY] == st.packets,
	      "reuse: the new window holds exactly the new SA's packets");
	espnic_model_free(a);
	espnic_model_free(b);
}

/* Outbound: frames of SA 0 queued behind a held wire port while SA 0 is
 * deleted and installed again: the old SA's sequence numbers run 1..a, the
 * new SA's 1..b, and the new SA counts exactly its b frames. */
static void reuse_outbound(unsigned w)
{
	espnic_model *a = espnic_model_new(w, NULL);
	struct espnic_io ia = model_io(a);
	struct espnic_sa_status old, st;
	check(traffic_setup_egress(&ia, 1, ALG) == 0, "reuse out: one SA");
	espnic_model_set_ready(a, ESPNIC_PORT_WIRE, 0);
	for (size_t i = 0; i < N_FRAMES; i++) {
		in[i].len = traffic_frame(in[i].data, 200, 0, (uint32_t)i);
		espnic_model_send(a, ESPNIC_PORT_HOST, in[i].data, in[i].len);
	}
	settle(a);
	int ok = espnic_card_sa_read(&ia, false, 0, &old) == 0;
	ok = ok && espnic_card_sa_delete(&ia, false, 0) == 0;
	ok = ok && traffic_setup_egress(&ia, 1, ALG) == 0;
	check(ok, "reuse out: SA 0 deleted and installed again under traffic");
	espnic_model_set_ready(a, ESPNIC_PORT_WIRE, 1000);
	espnic_model_drain(a, 500, 10000000);
	size_t n = recv_all(a, ESPNIC_PORT_WIRE, wire, N_FRAMES);
	check(espnic_card_sa_read(&ia, false, 0, &st) == 0, "reuse out: new SA read");
	uint64_t no_sa = counter(a, ESPNIC_CNT_EG_NO_SA);
	printf("  %zu frames out: %llu by the old SA, %llu by the new, %llu without SA\n", n,
	       (unsigned long long)old.packets, (unsigned long long)st.packets,
	       (unsigned long long)no_sa);
	int runs = old.packets > 0 && st.packets > 0 && n == old.packets + st.packets &&
		   n + no_sa == N_FRAMES;
	for (size_t i = 0; runs && i < n; i++)
		runs = esp_seq(&wire[i]) == (i < old.packets ? i + 1 : i - old.packets + 1);
	check(runs, "reuse out: old SA 1..a then new SA 1..b on the wire");
	check(st.seq == st.packets && st.bytes == st.packets * (200 - 14) && drops_zero(&st),
	      "reuse out: the new SA's sequence number and counters are its own");
	espnic_model_free(a);
}

/* Outbound SA 0 at sequence number `start` (installed with it, or moved to it
 * by an update), then five frames: the numbers up to the last one go out. */
static void exhaustion(unsigned w, bool esn, bool by_update, uint64_t start, size_t expect)
{
	espnic_model *a = espnic_model_new(w, NULL);
	struct espnic_io ia = model_io(a);
	struct espnic_sa sa;
	struct espnic_sa_status st;
	char what[160];
	int ok = traffic_setup_egress(&ia, 1, ALG) == 0;
	traffic_sa(&sa, 0, ALG, false);
	sa.esn = esn;
	sa.seq = by_update ? 0 : start;
	ok = ok && espnic_card_sa_write(&ia, 0, &sa) == 0;
	if (by_update) {
		struct espnic_sa_update u = {.set = 1u << ESPNIC_UPD_SET_SEQ, .seq = start};
		ok = ok && espnic_card_sa_update(&ia, false, 0, &u) == 0;
	}
	for (size_t i = 0; i < 5; i++) {
		in[i].len = traffic_frame(in[i].data, 100, 0, (uint32_t)i);
		espnic_model_send(a, ESPNIC_PORT_HOST, in[i].data, in[i].len);
	}
	espnic_model_drain(a, 500, 10000000);
	size_t n = recv_all(a, ESPNIC_PORT_WIRE, wire, N_FRAMES);
	int seqs = n == expect;
	for (size_t i = 0; seqs && i < n; i++)
		seqs = esp_seq(&wire[i]) == (uint32_t)(start + 1 + i);
	ok = ok && espnic_card_sa_read(&ia, false, 0, &st) == 0 && seqs &&
	     st.seq == start + expect && st.drops[ESPNIC_DROP_EXPIRED] == 5 - expect;
	snprintf(what, sizeof(what),
		 "exhaustion: %s, from %#llx (%s): %zu of 5 out, the rest expired",
		 esn ? "ESN" : "no ESN", (unsigned long long)start,
		 by_update ? "update" : "install", expect);
	check(ok, what);
	espnic_model_free(a);
}

/* Outbound SA 0 with the lifetimes given, then n frames of len bytes back to
 * back (each counts len - 14 bytes: tunnel mode): expect `out` of them on the
 * wire, the rest dropped as expired, and the events kind0, kind1 (SA 0, in
 * that order, nothing else). */
struct lt_case {
	const char *what;
	size_t len, n, out;
	uint64_t soft_bytes, soft_packets, hard_bytes, hard_packets;
	unsigned kind0, kind1;
};

static void lifetimes(unsigned w, const struct lt_case *c)
{
	espnic_model *a = espnic_model_new(w, NULL);
	struct espnic_io ia = model_io(a);
	struct espnic_sa sa;
	struct espnic_sa_status st;
	struct espnic_event ev[4];
	char what[200];
	int ok = traffic_setup_egress(&ia, 1, ALG) == 0;
	traffic_sa(&sa, 0, ALG, false);
	sa.soft_bytes = c->soft_bytes;
	sa.soft_packets = c->soft_packets;
	sa.hard_bytes = c->hard_bytes;
	sa.hard_packets = c->hard_packets;
	ok = ok && espnic_card_sa_write(&ia, 0, &sa) == 0;
	for (size_t i = 0; i < c->n; i++) {
		in[i].len = traffic_frame(in[i].data, c->len, 0, (uint32_t)i);
		espnic_model_send(a, ESPNIC_PORT_HOST, in[i].data, in[i].len);
	}
	espnic_model_drain(a, 500, 10000000);
	size_t n = recv_all(a, ESPNIC_PORT_WIRE, wire, N_FRAMES);
	size_t n_ev = 0;
	while (n_ev < 4 && espnic_card_event_pop(&ia, &ev[n_ev]) == 1)
		n_ev++;
	ok = ok && espnic_card_sa_read(&ia, false, 0, &st) == 0 && n == c->out &&
	     st.packets == c->out && st.bytes == c->out * (c->len - 14) &&
	     st.drops[ESPNIC_DROP_EXPIRED] == c->n - c->out && st.hard_expired && st.soft_expired;
	ok = ok && n_ev == 2 && ev[0].kind == c->kind0 && ev[1].kind == c->kind1 &&
	     !ev[0].inbound && !ev[1].inbound && ev[0].sa == 0 && ev[1].sa == 0 &&
	     espnic_card_events_lost(&ia) == 0;
	snprintf(what, sizeof(what), "lifetimes: %s: %zu of %zu out (%zu), events %u %u (%zu)",
		 c->what, c->out, c->n, n, c->kind0, c->kind1, n_ev);
	check(ok, what);
	espnic_model_free(a);
}

/* 64-byte frames count 50 bytes, 1400-byte frames 1386. */
static const struct lt_case lt_cases[] = {
    {"soft bytes at 8, hard bytes at 20 (equal)", 64, 30, 20, 351, 9, 1000, 0, ESPNIC_EV_SOFT_BYTES,
     ESPNIC_EV_HARD_BYTES},
    {"soft bytes and packets both at 8, hard packets at 12", 64, 20, 12, 351, 8, 601, 12,
     ESPNIC_EV_SOFT_PACKETS, ESPNIC_EV_HARD_PACKETS},
    {"soft bytes below one packet, hard packets at 3", 64, 5, 3, 10, 0, 0, 3, ESPNIC_EV_SOFT_BYTES,
     ESPNIC_EV_HARD_PACKETS},
    {"soft bytes at 48 (2^16 + 7), hard bytes at 95 (2^17 + 3)", 1400, 100, 95, 65543, 49, 131075,
     0, ESPNIC_EV_SOFT_BYTES, ESPNIC_EV_HARD_BYTES},
    {"soft packets at 1, hard bytes at 48 (2^16)", 1400, 52, 48, 0, 1, 65536, 0,
     ESPNIC_EV_SOFT_PACKETS, ESPNIC_EV_HARD_BYTES},
};

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows while the models run */
	for (unsigned w = 128; w <= 512; w *= 4)
		if (espnic_model_has_width(w)) {
			printf("DATA_W %u\n", w);
			same_sa(w, 0);
			same_sa(w, 1990);
			reuse_inbound(w);
			reuse_outbound(w);
			exhaustion(w, false, false, 0xfffffffdull, 2);
			exhaustion(w, false, true, 0xfffffffdull, 2);
			exhaustion(w, true, false, 0xfffffffdull, 5);
			exhaustion(w, true, false, ~0ull - 2, 2);
			exhaustion(w, true, true, ~0ull - 2, 2);
			exhaustion(w, true, true, ~0ull, 0);
			for (size_t i = 0; i < sizeof(lt_cases) / sizeof(lt_cases[0]); i++)
				lifetimes(w, &lt_cases[i]);
		}
	printf("%d passed, %d failed\n", checks - failures, failures);
	return failures || !checks ? 1 : 0;
}
