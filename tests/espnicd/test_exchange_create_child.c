/* Additional CHILD_SAs with CREATE_CHILD_SA between two daemon cores (RFC 7296 1.3.1): on ACQUIRE
 * or through initiate, refused by the responder, INVALID_KE_PAYLOAD for PFS, and both sides at
 * once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exchange.h"

/* RFC 7296 1.3.1: an IKE_SA up without CHILD_SA gets a new one with CREATE_CHILD_SA when the
 * trap raises ACQUIRE (with PFS: a KE in the request) or through espnicd_initiate. */
static void test_child_new_on_acquire(void **state)
{
	const char *pfs = ", \"start\": \"on-demand\", \"esp_proposals\": [\"aes256gcm16-x25519\"]";
	struct espnicd_sa_info before;
	uint32_t trap;
	unsigned installs;
	struct dp_record_stats st;

	(void)state;
	pair(pfs, ", \"esp_proposals\": [\"aes256gcm16-x25519\"]", "", "");
	espnicd_start(H->nodes[0].core);
	trap = trap_of(0);
	acquire(0, trap);
	h_pump();
	assert_children_match();
	before = info_of(0, 0);
	peer_deletes_child();

	/* More traffic: ACQUIRE, CREATE_CHILD_SA in the same IKE_SA. */
	acquire(0, trap);
	acquire(0, trap); /* a second one while the request is out changes nothing */
	h_pump();
	assert_true(h_log_contains("the IKE_SA has no CHILD_SA, creating one"));
	assert_true(h_log_contains("new CHILD_SA"));
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	assert_memory_equal(info_of(0, 0).spi_i, before.spi_i, 8);
	assert_memory_equal(info_of(0, 0).spi_r, before.spi_r, 8);
	assert_children_match();
	assert_int_not_equal(info_of(0, 0).child_spi_in[0], before.child_spi_in[0]);
	assert_int_equal(dp_record_find(H->nodes[0].dp, info_of(0, 0).child_spi_in[0])
			     ->local_ts[0]
			     .start_addr[2],
			 1);
	/* Traffic still trapped with the CHILD_SA up changes nothing. */
	dp_record_stats(H->nodes[0].dp, &st);
	installs = st.installs;
	acquire(0, trap);
	h_pump();
	dp_record_stats(H->nodes[0].dp, &st);
	assert_int_equal(st.installs, installs);

	/* The control API's initiate does the same; and the new pair rekeys as usual. */
	peer_deletes_child();
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0);
	h_pump();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_memory_equal(info_of(0, 0).spi_i, before.spi_i, 8);
	assert_children_match();
	espnicd_shutdown(H->nodes[0].core);
	h_pump();
	assert_true(espnicd_idle(H->nodes[0].core));
	assert_int_equal(h_installed(1), 0);
}

/* The responder refuses the new CHILD_SA: a clear error line, nothing installed, the IKE_SA
 * stays, the trap is re-armed; once the responder accepts, the next packet brings it up. */
static void test_child_new_refused(void **state)
{
	uint32_t trap;
	unsigned armed;

	(void)state;
	pair(", \"start\": \"on-demand\"", "", "", "");
	espnicd_start(H->nodes[0].core);
	trap = trap_of(0);
	acquire(0, trap);
	h_pump();
	assert_children_match();
	/* B now allows other networks on its side (from the next negotiation on). */
	h_node_reload(1,
		      "{\"listen\": \"" B_ADDR "\", \"retransmit_timeout\": 1, \"peers\": "
		      "[{\"name\": \"peer\", \"remote_addr\": \"" A_ADDR "\", \"local_ts\": "
		      "[\"198.18.9.0/24\"], \"remote_ts\": [\"198.18.1.0/16\"]}]",
		      "s3cret-s3cret-s3cret");
	peer_deletes_child();
	armed = rearms(0);
	acquire(0, trap);
	h_pump();
	assert_true(h_log_contains("CHILD_SA not created: peer answered TS_UNACCEPTABLE"));
	assert_true(h_log_contains("stays without CHILD_SA; the trap policy is re-armed"));
	assert_int_equal(rearms(0), armed + 1);
	assert_int_equal(info_of(0, 0).state, 4);
	assert_int_equal(info_of(1, 0).state, 4);
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
	/* B takes its old networks back: the next ACQUIRE succeeds. */
	h_node_reload(1, peer_b("", ""), "s3cret-s3cret-s3cret");
	acquire(0, trap);
	h_pump();
	assert_children_match();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
}

/* PFS with a group the responder does not take: INVALID_KE_PAYLOAD names the one it wants,
 * and the request goes again with that group (RFC 7296 1.3) when our proposals allow it. */
static void test_child_new_invalid_ke(void **state)
{
	(void)state;
	pair(", \"esp_proposals\": [\"aes256gcm16-x25519-ecp256\"]",
	     ", \"esp_proposals\": [\"aes256gcm16-ecp256\"]", "", "");
	establish();
	assert_children_match(); /* IKE_AUTH: no KE, the groups do not matter */
	peer_deletes_child();
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0);
	h_pump();
	assert_true(h_log_contains("CREATE_CHILD_SA again with DH group 19"));
	assert_children_match();
	assert_int_equal(h_installed(0), 1);
	assert_int_equal(info_of(0, 0).child_count, 1);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
}

/* A group we did not propose is not followed: no CHILD_SA, the IKE_SA stays. */
static void test_child_new_invalid_ke_not_ours(void **state)
{
	(void)state;
	pair(", \"esp_proposals\": [\"aes256gcm16-x25519\"]",
	     ", \"esp_proposals\": [\"aes256gcm16-ecp256\"]", "", "");
	establish();
	peer_deletes_child();
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0);
	h_pump();
	assert_false(h_log_contains("CREATE_CHILD_SA again"));
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
}

/* A peer we start keeps a CHILD_SA: one the peer deleted comes back, in the same IKE_SA. */
static void test_child_again_for_start_peer(void **state)
{
	struct espnicd_sa_info before;

	(void)state;
	pair(", \"start\": true", "", "", "");
	espnicd_start(H->nodes[0].core);
	h_pump();
	assert_children_match();
	before = info_of(0, 0);
	peer_deletes_child();
	h_run_until(H->now + 5000);
	assert_true(h_log_contains("has no CHILD_SA: creating one"));
	assert_children_match();
	assert_int_equal(h_installed(0), 1);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_memory_equal(info_of(0, 0).spi_i, before.spi_i, 8);
}

/* While another request is out (a liveness check the silent peer never answers), a due
 * CHILD_SA waits for it: no timer keeps firing in the past. */
static void test_child_again_waits_for_the_window(void **state)
{
	uint64_t limit;

	(void)state;
	pair(", \"start\": true, \"dpd_delay\": 1", "", "", "");
	espnicd_start(H->nodes[0].core);
	h_pump();
	assert_children_match();
	peer_deletes_child();
	H->drop_all = true;
	limit = H->now + 6000;
	h_run_until(limit);
	assert_int_equal(H->now, limit); /* the harness gives up after 100000 rounds otherwise */
	assert_true(h_log_contains(": liveness check"));
}

/* Both sides create a CHILD_SA at once: two pairs, both mirror images; all goes on delete. */
static void test_child_new_collision(void **state)
{
	struct espnicd_sa_info a, b;

	(void)state;
	pair("", "", "", "");
	establish();
	peer_deletes_child();
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0);
	assert_int_equal(espnicd_initiate(H->nodes[1].core, "peer"), 0);
	h_pump();
	a = info_of(0, 0);
	b = info_of(1, 0);
	assert_int_equal(a.child_count, 2);
	assert_int_equal(b.child_count, 2);
	assert_int_equal(h_installed(0), 2);
	assert_int_equal(h_installed(1), 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct dp_child_sa *ca = dp_record_find(H->nodes[0].dp, a.child_spi_in[i]);
		const struct dp_child_sa *cb = dp_record_find(H->nodes[1].dp, a.child_spi_out[i]);

		assert_non_null(ca);
		assert_non_null(cb);
		assert_int_equal(cb->out.spi, ca->in.spi);
		assert_memory_equal(ca->out.key, cb->in.key, ca->key_len);
		assert_memory_equal(ca->in.key, cb->out.key, ca->key_len);
	}
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	espnicd_shutdown(H->nodes[1].core);
	h_pump();
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    EXCHANGE_TEST(test_child_new_on_acquire),
	    EXCHANGE_TEST(test_child_new_refused),
	    EXCHANGE_TEST(test_child_again_for_start_peer),
	    EXCHANGE_TEST(test_child_again_waits_for_the_window),
	    EXCHANGE_TEST(test_child_new_invalid_ke_not_ours),
	    EXCHANGE_TEST(test_child_new_invalid_ke),
	    EXCHANGE_TEST(test_child_new_collision),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
