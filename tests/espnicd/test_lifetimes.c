/* CHILD_SA lifetimes between two daemon cores on the fake clock: without a rekey the CHILD_SA
 * is deleted when its life ends (on both sides, the IKE_SA stays), not a moment before; a
 * rekey starts the new CHILD_SA's life afresh; the volume limits (bytes, packets) go to the
 * dataplane with the SA, and its soft and hard expiries rekey and delete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define A_ADDR "198.18.0.1"
#define B_ADDR "198.18.0.2"

/* Initiator A with the lifetimes in extra; responder B with the defaults (hours). The
 * harness closes the top-level object (it adds the PSK file). */
static void pair(const char *extra)
{
	char a[1024];

	snprintf(a, sizeof(a),
		 "{\"listen\": \"" A_ADDR "\", \"retransmit_timeout\": 1, \"peers\": [{\"name\": "
		 "\"peer\", \"remote_addr\": \"" B_ADDR "\", \"local_ts\": [\"198.18.1.0/24\"], "
		 "\"remote_ts\": [\"198.18.2.0/24\"] %s}]",
		 extra);
	assert_int_equal(h_node_add(A_ADDR, a, "s3cret-s3cret-s3cret"), 0);
	assert_int_equal(
	    h_node_add(B_ADDR,
		       "{\"listen\": \"" B_ADDR "\", \"retransmit_timeout\": 1, \"peers\": [{"
		       "\"name\": \"peer\", \"remote_addr\": \"" A_ADDR "\", \"local_ts\": "
		       "[\"198.18.2.0/24\"], \"remote_ts\": [\"198.18.1.0/24\"]}]",
		       "s3cret-s3cret-s3cret"),
	    1);
}

static struct espnicd_sa_info info_of(int node)
{
	struct espnicd_sa_info info;

	memset(&info, 0, sizeof(info));
	assert_int_equal(espnicd_sa_info(H->nodes[node].core, 0, &info), 0);
	return info;
}

static void establish(void)
{
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0);
	h_pump();
	assert_int_equal(info_of(0).state, 4 /* ESTABLISHED */);
	assert_int_equal(info_of(1).state, 4);
	assert_int_equal(h_installed(0), 1);
	assert_int_equal(h_installed(1), 1);
}

static void test_hard_lifetime_deletes_child(void **state)
{
	uint64_t t0;

	(void)state;
	pair(", \"child_rekey_time\": 0, \"child_life_time\": 120");
	t0 = H->now;
	establish();
	h_run_until(t0 + 119000);
	assert_int_equal(h_installed(0), 1);
	assert_int_equal(info_of(0).child_count, 1);
	assert_false(h_log_contains("hard lifetime reached"));

	h_run_until(t0 + 121000);
	assert_true(h_log_contains("hard lifetime reached"));
	/* Deleted with an INFORMATIONAL exchange: gone from both dataplanes and both IKE_SAs,
	 * which stay up. */
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
	assert_int_equal(info_of(0).child_count, 0);
	assert_int_equal(info_of(1).child_count, 0);
	assert_int_equal(info_of(0).state, 4);
	assert_int_equal(info_of(1).state, 4);
}

static void test_rekey_starts_a_new_life(void **state)
{
	struct espnicd_sa_info before;
	uint64_t t0;

	(void)state;
	pair(", \"child_rekey_time\": 60, \"child_life_time\": 100");
	t0 = H->now;
	establish();
	before = info_of(0);
	/* Past the first CHILD_SA's life: it was replaced at 60 s, the new one lives on. */
	h_run_until(t0 + 101000);
	assert_int_equal(h_installed(0), 1);
	assert_int_equal(h_installed(1), 1);
	assert_int_equal(info_of(0).child_count, 1);
	assert_int_not_equal(info_of(0).child_spi_in[0], before.child_spi_in[0]);
	assert_false(h_log_contains("hard lifetime reached"));
}

static const struct dp_child_sa *installed_of(int node)
{
	const struct dp_child_sa *d =
	    dp_record_find(H->nodes[node].dp, info_of(node).child_spi_in[0]);

	assert_non_null(d);
	return d;
}

static void card_event(int node, enum dp_event_type type)
{
	struct dp_event ev = {.type = type, .spi_in = info_of(node).child_spi_in[0]};

	assert_int_equal(dp_record_inject_event(H->nodes[node].dp, &ev), 0);
	espnicd_dataplane_events(H->nodes[node].core);
	h_pump();
}

static void test_volume_limits(void **state)
{
	struct espnicd_sa_info before;

	(void)state;
	pair(", \"child_life_packets\": 1000, \"child_life_bytes\": 2000000, "
	     "\"child_rekey_bytes\": 1500000, \"child_rekey_time\": 0, \"child_life_time\": 0");
	establish();
	assert_int_equal(installed_of(0)->lifetime.hard_packets, 1000);
	assert_int_equal(installed_of(0)->lifetime.soft_packets, 900); /* nine tenths */
	assert_int_equal(installed_of(0)->lifetime.hard_bytes, 2000000);
	assert_int_equal(installed_of(0)->lifetime.soft_bytes, 1500000);
	assert_int_equal(installed_of(1)->lifetime.hard_packets, 0); /* B's own: none */
	/* The soft expiry rekeys; the new pair has the same limits. */
	before = info_of(0);
	card_event(0, DP_EVENT_SOFT_EXPIRE);
	assert_int_equal(info_of(0).child_count, 1);
	assert_int_not_equal(info_of(0).child_spi_in[0], before.child_spi_in[0]);
	assert_int_equal(installed_of(0)->lifetime.hard_packets, 1000);
	/* The hard expiry deletes it, on both sides; the IKE_SA stays. */
	card_event(0, DP_EVENT_HARD_EXPIRE);
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
	assert_int_equal(info_of(0).state, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_hard_lifetime_deletes_child, h_test_setup,
					    h_test_teardown),
	    cmocka_unit_test_setup_teardown(test_volume_limits, h_test_setup, h_test_teardown),
	    cmocka_unit_test_setup_teardown(test_rekey_starts_a_new_life, h_test_setup,
					    h_test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
