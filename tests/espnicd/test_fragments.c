/* RFC 7383 reassembly under hostile input: fragments sealed with the real keys of an
 * established IKE_SA (so they pass the integrity check and reach the reassembly) but with bad
 * numbers, too many fragments, too many octets, duplicates, flipped bits, the wrong message
 * ID, or sent when fragmentation was not negotiated. Each is dropped and counted, nothing
 * crashes (ASan/UBSan), and the IKE_SA keeps working: a proper fragmented message after the
 * abuse is reassembled and answered. White-box: the test reaches the initiator's keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "ike_frag.h"
#include "ike/ike_sa.h"
#include "ike/task_manager.h"

#define A_ADDR "198.18.0.1"
#define B_ADDR "198.18.0.2"

static int setup(void **state)
{
	(void)state;
	h_setup();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	h_teardown();
	return 0;
}

static void pair(const char *extra_b)
{
	char a[512], b[512];

	snprintf(a, sizeof(a),
		 "{\"listen\": \"" A_ADDR "\", \"peers\": [{\"name\": \"peer\", \"remote_addr\": "
		 "\"" B_ADDR "\"}]");
	snprintf(b, sizeof(b),
		 "{\"listen\": \"" B_ADDR "\", \"peers\": [{\"name\": \"peer\", \"remote_addr\": "
		 "\"" A_ADDR "\" %s}]",
		 extra_b);
	h_node_add(A_ADDR, a, "k3y-k3y-k3y-k3y-k3y");
	h_node_add(B_ADDR, b, "k3y-k3y-k3y-k3y-k3y");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
}

static struct ike_sa *sa_a(void)
{
	struct espnicd *d = H->nodes[0].core;

	return d->sas;
}

static struct espnicd_stats stats_b(void)
{
	struct espnicd_stats st;

	espnicd_get_stats(H->nodes[1].core, &st);
	return st;
}

/* An INFORMATIONAL request fragment from A to B, sealed with A's keys. */
static void send_fragment(uint32_t id, uint16_t num, uint16_t total, uint8_t first,
			  const uint8_t *plain, size_t len, bool flip)
{
	struct ike_sa *sa = sa_a();
	struct ike_header hdr = {
	    .major_version = 2,
	    .exchange_type = IKE_EXCHANGE_INFORMATIONAL,
	    .flags = IKE_FLAG_INITIATOR,
	    .message_id = id,
	};
	struct h_packet p;
	struct ike_writer w;
	int n;

	memcpy(hdr.spi_i, sa->spi_i, 8);
	memcpy(hdr.spi_r, sa->spi_r, 8);
	ike_writer_init(&w, p.data, sizeof(p.data));
	ike_writer_header(&w, &hdr);
	n = ike_skf_encrypt(&w, &sa->sk_send, first, num, total, plain, len);
	if (n < 0) {
		/* The writer refuses numbers it cannot encode (0, > total): forge them after
		 * sealing (the parser refuses them before any ICV check). */
		ike_writer_init(&w, p.data, sizeof(p.data));
		ike_writer_header(&w, &hdr);
		n = ike_skf_encrypt(&w, &sa->sk_send, first, 1, 1, plain, len);
		assert_true(n > 0);
		p.data[IKE_HEADER_LEN + 4] = (uint8_t)(num >> 8);
		p.data[IKE_HEADER_LEN + 5] = (uint8_t)num;
		p.data[IKE_HEADER_LEN + 6] = (uint8_t)(total >> 8);
		p.data[IKE_HEADER_LEN + 7] = (uint8_t)total;
	}
	if (flip)
		p.data[n - 5] ^= 0x40;
	p.len = (size_t)n;
	h_parse_addr(A_ADDR, 500, &p.from);
	h_parse_addr(B_ADDR, 500, &p.to);
	p.keepalive = false;
	espnicd_receive(H->nodes[1].core, &p.to, &p.from, p.data, p.len);
}

/* A Notify (unknown status type, ignored by the receiver) carrying len octets, as a plain
 * inner payload chain. */
static size_t notify_chain(uint8_t *out, size_t cap, size_t len)
{
	static uint8_t data[8192];
	struct ike_payload p = {.type = IKE_PAYLOAD_NOTIFY};
	struct ike_writer w;

	memset(data, 0x5a, sizeof(data));
	p.u.notify.type = 40001;
	p.u.notify.data = (struct ike_span){data, len};
	ike_writer_init(&w, out, cap);
	ike_writer_payload(&w, &p);
	assert_true(ike_writer_finish(&w) > 0);
	return w.len;
}

static void assert_sa_works(void)
{
	/* A liveness check from A still gets through. */
	assert_int_equal(task_manager_start(sa_a(), REQUEST_DPD, NULL), 0);
	h_pump();
	assert_int_equal(sa_a()->request.kind, REQUEST_NONE);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
}

static void test_hostile_fragments(void **state)
{
	uint8_t plain[2048];
	struct espnicd_stats st;
	uint32_t id;
	size_t len;

	(void)state;
	pair("");
	assert_true(sa_a()->frag);
	id = sa_a()->next_request_id;
	len = notify_chain(plain, sizeof(plain), 300);

	/* Fragment number above the total: dropped, counted. */
	send_fragment(id, 3, 2, 0, plain, 100, false);
	/* More fragments than the limit. */
	send_fragment(id, 1, IKE_FRAG_MAX_FRAGMENTS + 1, IKE_PAYLOAD_NOTIFY, plain, 100, false);
	st = stats_b();
	assert_true(st.fragments_dropped >= 1);
	/* A flipped bit fails the ICV. */
	send_fragment(id, 1, 2, IKE_PAYLOAD_NOTIFY, plain, 100, true);
	/* A message ID outside the window. */
	send_fragment(id + 5, 1, 2, IKE_PAYLOAD_NOTIFY, plain, 100, false);
	st = stats_b();
	assert_true(st.fragments_dropped >= 3);
	assert_int_equal(st.fragments_reassembled, 0);
	assert_int_equal(H->queued, 0); /* nothing answered */

	/* More octets than a message may have (MAX_MESSAGE): the 17th fragment of 1000 octets
	 * overflows, is dropped and the reassembly is thrown away. (A partial set that is never
	 * completed would stay until the message ID moves on, and a set announcing fewer
	 * fragments is taken as stale (RFC 7383 2.6.2); only an authenticated peer can do
	 * that.) */
	uint64_t before = stats_b().fragments_dropped;
	static uint8_t big[1000];
	for (uint16_t i = 1; i <= MAX_MESSAGE / sizeof(big) + 1; i++)
		send_fragment(id, i, IKE_FRAG_MAX_FRAGMENTS, i == 1 ? IKE_PAYLOAD_NOTIFY : 0, big,
			      sizeof(big), false);
	st = stats_b();
	assert_true(st.fragments_dropped > before);
	assert_int_equal(st.fragments_reassembled, 0);
	assert_int_equal(H->queued, 0);

	/* The proper message, in two fragments, with a duplicate in between. */
	send_fragment(id, 1, 2, IKE_PAYLOAD_NOTIFY, plain, 150, false);
	send_fragment(id, 1, 2, IKE_PAYLOAD_NOTIFY, plain, 150, false);
	assert_int_equal(H->queued, 0);
	send_fragment(id, 2, 2, 0, plain + 150, len - 150, false);
	st = stats_b();
	assert_int_equal(st.fragments_reassembled, 1);
	assert_int_equal(H->queued, 1); /* B answered */
	(void)h_take();
	sa_a()->next_request_id++; /* A did not know it sent that request */
	/* Its first fragment again: a retransmission, answered from the cache. */
	send_fragment(id, 1, 2, IKE_PAYLOAD_NOTIFY, plain, 150, false);
	assert_int_equal(H->queued, 1);
	(void)h_take();
	assert_sa_works();
}

static void test_random_fragments(void **state)
{
	static uint8_t data[4096];
	uint32_t rng = 7, id;

	(void)state;
	pair("");
	id = sa_a()->next_request_id;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131);
	for (int i = 0; i < 400; i++) {
		rng = rng * 1103515245u + 12345u;
		uint16_t total = (uint16_t)(1 + (rng >> 8) % 70);
		uint16_t num = (uint16_t)(1 + (rng >> 16) % 72);
		size_t len = (rng >> 4) % 1200;

		send_fragment(id + (rng & 1), num, total, (uint8_t)(rng >> 24), data, len,
			      (rng & 6) == 6);
	}
	/* Whatever was reassembled was garbage answered with INVALID_SYNTAX or ignored; the SA
	 * stands. */
	h_pump();
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	assert_true(stats_b().fragments_dropped > 0);
}

static void test_not_negotiated(void **state)
{
	uint8_t plain[512];
	size_t len;

	(void)state;
	pair(", \"fragmentation\": false");
	assert_false(sa_a()->frag);
	len = notify_chain(plain, sizeof(plain), 100);
	send_fragment(sa_a()->next_request_id, 1, 1, IKE_PAYLOAD_NOTIFY, plain, len, false);
	assert_int_equal(stats_b().fragments_dropped, 1);
	assert_int_equal(H->queued, 0);
	assert_sa_works();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_hostile_fragments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_fragments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_negotiated, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
