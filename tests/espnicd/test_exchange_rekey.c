/* Rekeys with CREATE_CHILD_SA between two daemon cores: CHILD_SA rekey (with PFS), IKE_SA rekey
 * by either side, and rekey collisions of CHILD_SAs and IKE_SAs (RFC 7296 2.8.1, 2.8.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exchange.h"

static void test_child_rekey(void **state)
{
	struct espnicd_sa_info before, after;
	struct dp_record_stats st;

	(void)state;
	pair(", \"child_rekey_time\": 60", ", \"child_rekey_time\": 3600", "", "");
	establish();
	before = info_of(0, 0);
	h_run_until(H->now + 61000);
	after = info_of(0, 0);
	assert_int_equal(after.child_count, 1);
	assert_int_not_equal(after.child_spi_in[0], before.child_spi_in[0]);
	assert_children_match();
	dp_record_stats(H->nodes[0].dp, &st);
	assert_int_equal(st.installs, 2);
	assert_int_equal(st.deletes, 1);
	assert_int_equal(st.installed, 1);
	assert_true(h_log_contains("rekeyed to"));
	assert_null(dp_record_find(H->nodes[1].dp, before.child_spi_out[0]));
}

/* The peer rekeys (RFC 7296 2.8): as responder B installs the new pair's inbound side before
 * it answers but keeps sending on the old pair until A shows it has the new one (here: A's
 * Delete of the old pair); sending on the new SPI earlier loses packets A cannot decrypt. */
static void test_child_rekey_by_peer_out_late(void **state)
{
	struct dp_event ev = {.type = DP_EVENT_SOFT_EXPIRE};
	const struct dp_child_sa *nb;
	uint32_t old_b, new_b;

	(void)state;
	pair("", "", "", "");
	establish();
	old_b = info_of(1, 0).child_spi_in[0];
	ev.spi_in = info_of(0, 0).child_spi_in[0];
	assert_int_equal(dp_record_inject_event(H->nodes[0].dp, &ev), 0);
	espnicd_dataplane_events(H->nodes[0].core);
	assert_int_equal(H->queued, 1);
	h_deliver(h_take()); /* A's CREATE_CHILD_SA; B answers */
	assert_int_equal(h_installed(1), 2);
	struct espnicd_sa_info b = info_of(1, 0);
	new_b = b.child_spi_in[0] == old_b ? b.child_spi_in[1] : b.child_spi_in[0];
	nb = dp_record_find(H->nodes[1].dp, new_b);
	assert_non_null(nb);
	assert_true(nb->out_later); /* outbound still on the old pair */
	assert_non_null(dp_record_find(H->nodes[1].dp, old_b));
	h_pump(); /* the answer; A installs and deletes the old pair */
	nb = dp_record_find(H->nodes[1].dp, new_b);
	assert_non_null(nb);
	assert_false(nb->out_later);
	assert_null(dp_record_find(H->nodes[1].dp, old_b));
	assert_true(h_log_contains("carries outbound traffic now (the old pair goes)"));
	assert_children_match();
}

static void test_child_rekey_pfs(void **state)
{
	(void)state;
	pair(", \"child_rekey_time\": 60, \"esp_proposals\": [\"aes256gcm16-x25519\"]",
	     ", \"esp_proposals\": [\"aes256gcm16-x25519\"]", "", "");
	establish();
	h_run_until(H->now + 61000);
	assert_true(h_log_contains("rekeyed to"));
	assert_children_match();
}

static void test_ike_rekey(void **state)
{
	struct espnicd_sa_info before, after;

	(void)state;
	pair(", \"ike_rekey_time\": 100", "", "", "");
	establish();
	before = info_of(0, 0);
	h_run_until(H->now + 101000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	after = info_of(0, 0);
	assert_int_equal(after.state, 4);
	assert_memory_not_equal(after.spi_i, before.spi_i, 8);
	assert_memory_equal(info_of(1, 0).spi_i, after.spi_i, 8);
	assert_memory_equal(info_of(1, 0).spi_r, after.spi_r, 8);
	/* The CHILD_SA moved, untouched. */
	assert_int_equal(after.child_spi_in[0], before.child_spi_in[0]);
	assert_int_equal(h_installed(0), 1);
	/* The new IKE_SA works: a CHILD_SA rekey over it. */
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "nobody"), -2);
	assert_children_match();
}

static void test_ike_rekey_by_responder_then_child_rekey(void **state)
{
	(void)state;
	pair(", \"child_rekey_time\": 300", ", \"ike_rekey_time\": 100", "", "");
	establish();
	h_run_until(H->now + 301000);
	assert_true(h_log_contains("IKE_SA rekeyed by the peer"));
	assert_true(h_log_contains("rekeyed to"));
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_children_match();
}

/* Both sides start a rekey of the same CHILD_SA at once (soft expiry on both). */
static void child_collision_once(void)
{
	struct dp_event ev = {.type = DP_EVENT_SOFT_EXPIRE};

	ev.spi_in = info_of(0, 0).child_spi_in[0];
	assert_int_equal(dp_record_inject_event(H->nodes[0].dp, &ev), 0);
	ev.spi_in = info_of(1, 0).child_spi_in[0];
	assert_int_equal(dp_record_inject_event(H->nodes[1].dp, &ev), 0);
	espnicd_dataplane_events(H->nodes[0].core);
	espnicd_dataplane_events(H->nodes[1].core);
	assert_int_equal(H->queued, 2); /* the two requests cross */
	h_pump();
}

static void test_child_rekey_collision(void **state)
{
	uint32_t before;

	(void)state;
	pair("", "", "", "");
	establish();
	/* Several rounds: the nonces are random, so either side wins now and then. */
	for (int round = 0; round < 6; round++) {
		before = info_of(0, 0).child_spi_in[0];
		child_collision_once();
		/* RFC 7296 2.8.1: one new pair survives on both sides; the redundant one and
		 * the old one are deleted. */
		assert_int_equal(h_installed(0), 1);
		assert_int_equal(h_installed(1), 1);
		assert_int_not_equal(info_of(0, 0).child_spi_in[0], before);
		assert_children_match();
	}
	assert_true(h_log_contains("rekey collision: the peer's rekey"));
	assert_true(h_log_contains("rekey collision: our rekey"));
	assert_false(h_log_contains("TEMPORARY_FAILURE"));
	/* The fall-back timers of replaced pairs change nothing. */
	h_run_until(H->now + 60000);
	assert_int_equal(h_installed(0), 1);
	assert_int_equal(h_installed(1), 1);
	assert_children_match();
}

static void test_ike_rekey_collision(void **state)
{
	struct espnicd_sa_info before, a, b;
	bool a_won = false, b_won = false;

	(void)state;
	pair(", \"ike_rekey_time\": 100", ", \"ike_rekey_time\": 100", "", "");
	establish();
	for (int round = 0; round < 6; round++) {
		before = info_of(0, 0);
		/* Both rekey timers are due: both send CREATE_CHILD_SA for the IKE_SA. */
		H->now += 101000;
		espnicd_run_timers(H->nodes[0].core);
		espnicd_run_timers(H->nodes[1].core);
		assert_int_equal(H->queued, 2);
		h_pump();
		/* RFC 7296 2.8.2: one new IKE_SA survives on both sides, with the CHILD_SA. */
		assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
		assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
		a = info_of(0, 0);
		b = info_of(1, 0);
		assert_int_equal(a.state, 4);
		assert_int_equal(b.state, 4);
		assert_memory_equal(a.spi_i, b.spi_i, 8);
		assert_memory_equal(a.spi_r, b.spi_r, 8);
		assert_memory_not_equal(a.spi_i, before.spi_i, 8);
		assert_int_equal(a.child_spi_in[0], before.child_spi_in[0]);
		a_won |= a.initiator;
		b_won |= b.initiator;
		assert_children_match();
	}
	assert_true(h_log_contains("IKE_SA rekey collision: the peer's successor"));
	assert_true(h_log_contains("IKE_SA rekey collision: our successor"));
	(void)a_won;
	(void)b_won;
	/* The surviving IKE_SA works: a CHILD_SA rekey over it. */
	child_collision_once();
	assert_children_match();
	h_run_until(H->now + 60000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_int_equal(h_installed(0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    EXCHANGE_TEST(test_child_rekey),
	    EXCHANGE_TEST(test_child_rekey_by_peer_out_late),
	    EXCHANGE_TEST(test_child_rekey_pfs),
	    EXCHANGE_TEST(test_ike_rekey),
	    EXCHANGE_TEST(test_ike_rekey_by_responder_then_child_rekey),
	    EXCHANGE_TEST(test_child_rekey_collision),
	    EXCHANGE_TEST(test_ike_rekey_collision),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
