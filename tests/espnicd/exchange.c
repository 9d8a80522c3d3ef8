/* exchange.c: the two-node scene of the exchange tests (test_exchange_*.c) on the harness:
 * initiator A and responder B with one peer each, establishing, the keys of both sides
 * compared, and the dataplane's traps and events driven by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "exchange.h"

/* Initiator A and responder B; extra is spliced into both peer objects. */
const char *peer_a(const char *extra, const char *top)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{\"listen\": \"" A_ADDR
		 "\", \"retransmit_timeout\": 1, %s \"peers\": [{\"name\": "
		 "\"peer\", \"remote_addr\": \"" B_ADDR "\", \"local_ts\": [\"198.18.1.0/24\"], "
		 "\"remote_ts\": [\"198.18.2.0/24\"] %s}]",
		 top, extra);
	return buf;
}

const char *peer_b(const char *extra, const char *top)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{\"listen\": \"" B_ADDR
		 "\", \"retransmit_timeout\": 1, %s \"peers\": [{\"name\": "
		 "\"peer\", \"remote_addr\": \"" A_ADDR "\", \"local_ts\": [\"198.18.2.0/24\"], "
		 "\"remote_ts\": [\"198.18.1.0/16\"] %s}]",
		 top, extra);
	return buf;
}

int exchange_setup(void **state)
{
	(void)state;
	h_setup();
	return 0;
}

int exchange_teardown(void **state)
{
	(void)state;
	h_teardown();
	return 0;
}

struct espnicd_sa_info info_of(int node, unsigned index)
{
	struct espnicd_sa_info info;

	memset(&info, 0, sizeof(info));
	espnicd_sa_info(H->nodes[node].core, index, &info);
	return info;
}

void pair(const char *extra_a, const char *extra_b, const char *top_a, const char *top_b)
{
	assert_int_equal(h_node_add(A_ADDR, peer_a(extra_a, top_a), "s3cret-s3cret-s3cret"), 0);
	assert_int_equal(h_node_add(B_ADDR, peer_b(extra_b, top_b), "s3cret-s3cret-s3cret"), 1);
}

/* The keys A sends with are the keys B receives with, and the other way round. */
void assert_children_match(void)
{
	struct espnicd_sa_info a = info_of(0, 0), b = info_of(1, 0);
	const struct dp_child_sa *ca, *cb;

	assert_int_equal(a.child_count, 1);
	assert_int_equal(b.child_count, 1);
	assert_int_equal(a.child_spi_in[0], b.child_spi_out[0]);
	assert_int_equal(a.child_spi_out[0], b.child_spi_in[0]);
	ca = dp_record_find(H->nodes[0].dp, a.child_spi_in[0]);
	cb = dp_record_find(H->nodes[1].dp, b.child_spi_in[0]);
	assert_non_null(ca);
	assert_non_null(cb);
	assert_memory_equal(ca->out.key, cb->in.key, ca->key_len);
	assert_memory_equal(ca->in.key, cb->out.key, ca->key_len);
	assert_memory_equal(ca->out.salt, cb->in.salt, ca->salt_len);
	assert_int_equal(ca->key_len, 32);
	assert_int_equal(ca->salt_len, 4);
	assert_memory_not_equal(ca->in.key, ca->out.key, ca->key_len);
}

void establish(void)
{
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0);
	h_pump();
	assert_int_equal(info_of(0, 0).state, 4 /* ESTABLISHED */);
	assert_int_equal(info_of(1, 0).state, 4);
}

uint32_t trap_of(int node)
{
	uint32_t reqid = 0;

	assert_int_equal(dp_record_traps(H->nodes[node].dp, &reqid, 1), 1);
	return reqid;
}

void acquire(int node, uint32_t reqid)
{
	struct dp_event ev = {.type = DP_EVENT_ACQUIRE, .reqid = reqid};

	assert_int_equal(dp_record_inject_event(H->nodes[node].dp, &ev), 0);
	espnicd_dataplane_events(H->nodes[node].core);
}

unsigned rearms(int node)
{
	struct dp_record_stats st;

	dp_record_stats(H->nodes[node].dp, &st);
	return st.rearms;
}

/* The peer deletes the CHILD_SA (B's hard lifetime here; swanctl --terminate --child does
 * the same) and leaves the IKE_SA up. */
void peer_deletes_child(void)
{
	struct dp_event ev = {.type = DP_EVENT_HARD_EXPIRE};

	ev.spi_in = info_of(1, 0).child_spi_in[0];
	assert_int_equal(dp_record_inject_event(H->nodes[1].dp, &ev), 0);
	espnicd_dataplane_events(H->nodes[1].core);
	h_pump();
	assert_int_equal(info_of(0, 0).state, 4);
	assert_int_equal(info_of(0, 0).child_count, 0);
	assert_int_equal(info_of(1, 0).child_count, 0);
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
}
