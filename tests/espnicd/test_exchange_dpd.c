/* Dead peer detection between two daemon cores: a silent peer given up, dpd_action restart and
 * hold (traps, ACQUIRE, the end of a hold), the per-peer retry count, and dpd_probe_mode
 * (on demand: inbound ESP spares the check; periodic: checks whatever the traffic). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exchange.h"

static void test_dpd_dead_peer(void **state)
{
	(void)state;
	pair(", \"dpd_delay\": 10", "", "\"retransmit_tries\": 2,", "");
	establish();
	/* A live peer answers the liveness checks. */
	h_run_until(H->now + 35000);
	assert_int_equal(info_of(0, 0).state, 4);
	/* Then it goes silent. */
	H->drop_all = true;
	h_run_until(H->now + 60000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(h_installed(0), 0);
	assert_true(h_log_contains("peer unreachable"));
}

/* A (dpd_delay 10, dpd_timeout 3, dpd_action action) and B up, then B falls silent until
 * A gives it up. */
static void dead_peer(const char *action)
{
	char extra[128];

	snprintf(extra, sizeof(extra),
		 ", \"dpd_delay\": 10, \"dpd_timeout\": 3, \"dpd_action\": \"%s\"", action);
	pair(extra, "", "\"retransmit_tries\": 2,", "");
	establish();
	H->drop_all = true;
	h_run_until(H->now + 14000);
	assert_true(h_log_contains("peer unreachable"));
}

/* dpd_action restart with dpd_timeout: the silent peer is given up after the timeout, and we
 * initiate again (again and again while it stays silent) until it answers. */
static void test_dpd_restart(void **state)
{
	(void)state;
	dead_peer("restart");
	assert_true(h_log_contains("dead peer, cleared; restarting"));
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_int_equal(info_of(0, 0).state, 1 /* INIT_SENT */);
	/* The restart's own attempt times out as well and is restarted. */
	h_run_until(H->now + 30000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	H->drop_all = false;
	h_run_until(H->now + 30000);
	assert_int_equal(info_of(0, 0).state, 4);
	assert_int_equal(info_of(0, 0).child_count, 1);
	assert_int_equal(h_installed(0), 1);
}

/* dpd_action hold: cleared, the peer's traffic trapped (a trap installed as the SA goes),
 * nothing sent until the dataplane raises the trap's ACQUIRE; the hold (and the trap) ends
 * when a CHILD_SA is installed again. */
static void test_dpd_hold(void **state)
{
	uint32_t trap;
	unsigned sent;

	(void)state;
	dead_peer("hold");
	assert_true(h_log_contains("held: initiating again on traffic"));
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(h_installed(0), 0);
	trap = trap_of(0);
	H->drop_all = false;
	sent = H->sent_total;
	h_run_until(H->now + 60000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(H->sent_total, sent);
	/* An ACQUIRE for another reqid does nothing. */
	acquire(0, trap + 1000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	/* The trap's ACQUIRE initiates; an attempt that gets no answer keeps the hold and
	 * re-arms the trap. */
	H->drop_all = true;
	acquire(0, trap);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	sent = rearms(0);
	h_run_until(H->now + 30000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_true(rearms(0) > sent);
	assert_int_equal(trap_of(0), trap);
	H->drop_all = false;
	acquire(0, trap);
	h_pump();
	assert_int_equal(info_of(0, 0).state, 4);
	assert_int_equal(h_installed(0), 1);
	assert_true(
	    h_log_contains("no longer held (CHILD_SA installed): hold trap policy removed"));
	assert_int_equal(dp_record_traps(H->nodes[0].dp, NULL, 0), 0);
}

/* A held peer that comes back by itself (it initiates) ends the hold too; an on-demand peer
 * is held by its own trap, which stays. A reload that drops the hold removes the trap. */
static void test_dpd_hold_ends(void **state)
{
	(void)state;
	dead_peer("hold");
	assert_int_equal(dp_record_traps(H->nodes[0].dp, NULL, 0), 1);
	H->drop_all = false;
	assert_int_equal(espnicd_initiate(H->nodes[1].core, "peer"), 0);
	h_pump();
	assert_int_equal(info_of(0, 0).state, 4);
	assert_false(info_of(0, 0).initiator);
	assert_int_equal(dp_record_traps(H->nodes[0].dp, NULL, 0), 0);

	/* Held again, then a reload with dpd_action clear. */
	H->drop_all = true;
	h_run_until(H->now + 60000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(dp_record_traps(H->nodes[0].dp, NULL, 0), 1);
	h_node_reload(0, peer_a(", \"dpd_delay\": 10, \"dpd_action\": \"clear\"", ""),
		      "s3cret-s3cret-s3cret");
	assert_true(h_log_contains("no longer held (dpd_action changed)"));
	assert_int_equal(dp_record_traps(H->nodes[0].dp, NULL, 0), 0);
}

static void test_dpd_hold_on_demand(void **state)
{
	uint32_t trap;

	(void)state;
	pair(", \"start\": \"on-demand\", \"dpd_delay\": 10, \"dpd_timeout\": 3, "
	     "\"dpd_action\": \"hold\"",
	     "", "\"retransmit_tries\": 2,", "");
	espnicd_start(H->nodes[0].core);
	trap = trap_of(0);
	acquire(0, trap);
	h_pump();
	assert_int_equal(info_of(0, 0).state, 4);
	H->drop_all = true;
	h_run_until(H->now + 14000);
	assert_true(h_log_contains("held: initiating again on traffic"));
	assert_int_equal(trap_of(0), trap); /* its own trap, no second one */
	H->drop_all = false;
	acquire(0, trap);
	h_pump();
	assert_int_equal(h_installed(0), 1);
	assert_true(h_log_contains("no longer held (CHILD_SA installed)"));
	assert_int_equal(trap_of(0), trap); /* stays: the peer is on-demand */
	/* Removed from the configuration: the trap goes. */
	h_node_reload(0, "{\"listen\": \"" A_ADDR "\"", "s3cret-s3cret-s3cret");
	h_pump();
	assert_int_equal(dp_record_traps(H->nodes[0].dp, NULL, 0), 0);
}

/* The DPD profile's retry_count: a liveness check gives up after the peer's own number of
 * retransmissions, not the global retransmit_tries. */
/* A (dpd_delay 10 s, dpd_probe_mode mode) and B up, then 60 s with inbound ESP counted on
 * A's CHILD_SA every 5 s: how many liveness checks A sent. */
static unsigned checks_with_traffic(const char *mode)
{
	char extra[96];
	unsigned before;
	uint32_t spi;

	snprintf(extra, sizeof(extra), ", \"dpd_delay\": 10, \"dpd_probe_mode\": \"%s\"", mode);
	pair(extra, "", "", "");
	establish();
	before = h_log_count(": liveness check");
	spi = info_of(0, 0).child_spi_in[0];
	for (int i = 0; i < 12; i++) {
		assert_int_equal(dp_record_count_inbound(H->nodes[0].dp, spi, 1, H->now), 0);
		h_run_until(H->now + 5000);
	}
	assert_int_equal(info_of(0, 0).state, 4);
	return h_log_count(": liveness check") - before;
}

static void test_dpd_on_demand_spared_by_traffic(void **state)
{
	(void)state;
	assert_int_equal(checks_with_traffic("on_demand"), 0);
}

static void test_dpd_periodic_despite_traffic(void **state)
{
	(void)state;
	assert_true(checks_with_traffic("periodic") >= 4);
}

static void test_dpd_retries_per_peer(void **state)
{
	uint64_t silent;

	(void)state;
	pair(", \"dpd_delay\": 10, \"dpd_retries\": 1", "", "\"retransmit_tries\": 5,", "");
	establish();
	H->drop_all = true;
	silent = H->now;
	/* probe at +10 s, one retransmission at +11 s, given up at +12.8 s; with 5 tries it
	 * would take some 40 s more */
	h_run_until(silent + 16000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_true(h_log_contains("after 1 retransmits, peer unreachable"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    EXCHANGE_TEST(test_dpd_dead_peer),
	    EXCHANGE_TEST(test_dpd_restart),
	    EXCHANGE_TEST(test_dpd_hold),
	    EXCHANGE_TEST(test_dpd_hold_ends),
	    EXCHANGE_TEST(test_dpd_hold_on_demand),
	    EXCHANGE_TEST(test_dpd_on_demand_spared_by_traffic),
	    EXCHANGE_TEST(test_dpd_periodic_despite_traffic),
	    EXCHANGE_TEST(test_dpd_retries_per_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
