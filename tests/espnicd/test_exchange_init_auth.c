/* IKE_SA_INIT and IKE_AUTH between two daemon cores: establishment with narrowing, TS_UNACCEPTABLE,
 * PSK and proposal mismatches, CBC+HMAC, INVALID_KE retry, COOKIE, peer selection by identity,
 * unique_ids and INITIAL_CONTACT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exchange.h"
#include "ike_message.h"
#include "ike_types.h"

static void test_establish(void **state)
{
	(void)state;
	pair("", "", "", "");
	establish();
	assert_children_match();
	assert_true(info_of(0, 0).initiator);
	assert_false(info_of(1, 0).initiator);
	assert_false(info_of(0, 0).encap);
	/* Narrowing: B allowed 198.18.1.0/16 remote, A proposed 198.18.1.0/24. */
	const struct dp_child_sa *cb =
	    dp_record_find(H->nodes[1].dp, info_of(1, 0).child_spi_in[0]);
	assert_int_equal(cb->remote_ts_count, 1);
	assert_int_equal(cb->remote_ts[0].end_addr[2], 1);
	assert_int_equal(cb->remote_ts[0].end_addr[3], 255);
}

static void test_narrowing_to_responder_policy(void **state)
{
	(void)state;
	/* A asks for more than B allows: B narrows to its policy, A accepts the subset. */
	assert_int_equal(h_node_add(A_ADDR,
				    "{\"listen\": \"" A_ADDR "\", \"peers\": [{\"name\": \"peer\", "
				    "\"remote_addr\": \"" B_ADDR "\", \"local_ts\": "
				    "[\"198.18.0.0/15\"], \"remote_ts\": [\"198.18.0.0/15\"]}]",
				    "s3cret-s3cret-s3cret"),
			 0);
	assert_int_equal(h_node_add(B_ADDR, peer_b("", ""), "s3cret-s3cret-s3cret"), 1);
	establish();
	const struct dp_child_sa *ca =
	    dp_record_find(H->nodes[0].dp, info_of(0, 0).child_spi_in[0]);
	assert_non_null(ca);
	/* B allows 198.18.0.0/16 for A's side and 198.18.2.0/24 for its own. */
	assert_int_equal(ca->local_ts[0].start_addr[1], 18);
	assert_int_equal(ca->local_ts[0].end_addr[1], 18);
	assert_int_equal(ca->local_ts[0].end_addr[2], 255);
	assert_int_equal(ca->remote_ts[0].start_addr[2], 2);
	assert_int_equal(ca->remote_ts[0].end_addr[2], 2);
}

static void test_ts_unacceptable(void **state)
{
	(void)state;
	assert_int_equal(h_node_add(A_ADDR,
				    "{\"listen\": \"" A_ADDR "\", \"peers\": [{\"name\": \"peer\", "
				    "\"remote_addr\": \"" B_ADDR "\", \"remote_ts\": "
				    "[\"198.19.9.0/24\"]}]",
				    "s3cret-s3cret-s3cret"),
			 0);
	assert_int_equal(h_node_add(B_ADDR, peer_b("", ""), "s3cret-s3cret-s3cret"), 1);
	establish(); /* the IKE_SA stands without a CHILD_SA */
	assert_int_equal(info_of(0, 0).child_count, 0);
	assert_true(h_log_contains("TS_UNACCEPTABLE"));
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
}

static void test_psk_mismatch(void **state)
{
	(void)state;
	assert_int_equal(h_node_add(A_ADDR, peer_a("", ""), "one-one-one-one-one"), 0);
	assert_int_equal(h_node_add(B_ADDR, peer_b("", ""), "two-two-two-two-two"), 1);
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	assert_true(h_log_contains("PSK mismatch"));
	assert_true(h_log_contains("AUTHENTICATION_FAILED"));
	assert_int_equal(h_installed(0) + h_installed(1), 0);
	assert_int_equal(h_reserved(0) + h_reserved(1), 0);
}

/* IKE_AUTH goes out and no answer ever comes: the IKE_SA gives up, and the inbound SPI its
 * CHILD_SA had reserved on the dataplane goes with it. */
static void test_ike_auth_unanswered_releases_spi(void **state)
{
	(void)state;
	pair("", "", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take()); /* IKE_SA_INIT */
	h_deliver(h_take()); /* its answer; IKE_AUTH is queued next */
	assert_int_equal(h_reserved(0), 1);
	for (int i = 0; i < 600 && espnicd_sa_count(H->nodes[0].core) > 0; i++) {
		while (H->queued > 0)
			(void)h_take(); /* every copy of IKE_AUTH is lost */
		H->now += 1000;
		espnicd_run_timers(H->nodes[0].core);
	}
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(h_reserved(0), 0);
}

static void test_proposal_mismatch(void **state)
{
	(void)state;
	pair(", \"ike_proposals\": [\"aes128-sha256-modp2048\"]", "", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_run_until(H->now + 1000); /* the answer is acted on at the retransmission timeout */
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	assert_true(h_log_contains("NO_PROPOSAL_CHOSEN"));
}

static void test_esp_proposal_mismatch(void **state)
{
	(void)state;
	pair(", \"esp_proposals\": [\"aes128gcm16\"]", "", "", "");
	establish();
	assert_int_equal(info_of(0, 0).child_count, 0);
	assert_true(h_log_contains("no acceptable ESP proposal"));
}

static void test_cbc_hmac(void **state)
{
	(void)state;
	pair(", \"ike_proposals\": [\"aes128-sha256-ecp256\"], \"esp_proposals\": "
	     "[\"aes128-sha256\"]",
	     ", \"ike_proposals\": [\"aes128-sha256-ecp256\"], \"esp_proposals\": "
	     "[\"aes128-sha256\"]",
	     "", "");
	establish();
	const struct dp_child_sa *ca =
	    dp_record_find(H->nodes[0].dp, info_of(0, 0).child_spi_in[0]);
	const struct dp_child_sa *cb =
	    dp_record_find(H->nodes[1].dp, info_of(1, 0).child_spi_in[0]);
	assert_int_equal(ca->integ_key_len, 32);
	assert_memory_equal(ca->out.integ_key, cb->in.integ_key, 32);
	assert_int_equal(ca->salt_len, 0);
}

static void test_invalid_ke_retry(void **state)
{
	(void)state;
	/* A guesses x25519, B only takes ecp256 (which A also proposes). */
	pair(", \"ike_proposals\": [\"aes256gcm16-prfsha256-x25519-ecp256\"]",
	     ", \"ike_proposals\": [\"aes256gcm16-prfsha256-ecp256\"]", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	/* Unauthenticated, INVALID_KE_PAYLOAD is acted on only when the retransmission timeout
	 * passes without a valid answer (RFC 7296 2.21.1). */
	assert_int_equal(info_of(0, 0).state, 1 /* INIT_SENT */);
	h_run_until(H->now + 1000);
	assert_int_equal(info_of(0, 0).state, 4);
	assert_int_equal(info_of(1, 0).state, 4);
	assert_true(h_log_contains("INVALID_KE_PAYLOAD"));
	assert_true(h_log_contains("retrying with it"));
	assert_children_match();
}

static void test_invalid_ke_unknown_group_fails(void **state)
{
	(void)state;
	pair(", \"ike_proposals\": [\"aes256gcm16-prfsha256-x25519\"]",
	     ", \"ike_proposals\": [\"aes256gcm16-prfsha256-ecp256\"]", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1); /* until the timeout */
	h_run_until(H->now + 1000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_true(h_log_contains("NO_PROPOSAL_CHOSEN"));
}

static void test_cookie(void **state)
{
	struct h_packet *p;

	(void)state;
	/* B demands cookies from the first half-open SA on. */
	pair("", "", "", "\"cookie_threshold\": 1,");
	/* A first attempt whose IKE_AUTH is lost leaves one half-open SA on B. */
	espnicd_initiate(H->nodes[0].core, "peer");
	p = h_take(); /* IKE_SA_INIT request */
	h_deliver(p);
	p = h_take(); /* response */
	h_deliver(p);
	p = h_take(); /* IKE_AUTH request: lost */
	assert_non_null(p);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	/* Second attempt: B answers with a COOKIE, A retries with it and gets through. */
	espnicd_initiate(H->nodes[0].core, "peer");
	p = h_take();
	h_deliver(p);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1); /* stateless answer */
	h_pump();
	assert_true(h_log_contains("demanding a COOKIE"));
	assert_true(h_log_contains("asks for a COOKIE"));
	unsigned established = 0;
	for (unsigned i = 0; i < espnicd_sa_count(H->nodes[1].core); i++)
		established += info_of(1, i).state == 4;
	assert_int_equal(established, 1);
}

static void test_cookie_forged_rejected(void **state)
{
	struct h_packet *p, retry;
	struct ike_message *msg = malloc(sizeof(*msg));

	(void)state;
	pair("", "", "", "\"cookie_threshold\": 1,");
	/* One half-open SA on B. */
	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take());
	h_deliver(h_take());
	(void)h_take();
	/* A second initiation: B demands a COOKIE, A retries with it. */
	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take());
	h_deliver(h_take());
	retry = *h_take();
	assert_int_equal(ike_message_parse(retry.data, retry.len, msg), 0);
	assert_int_equal(msg->payloads[0].type, IKE_PAYLOAD_NOTIFY);
	assert_int_equal(msg->payloads[0].u.notify.type, IKE_N_COOKIE);
	/* A forged cookie (one bit flipped) gets another COOKIE demand, never state. */
	retry.data[IKE_HEADER_LEN + 8 + 5] ^= 1;
	h_deliver(&retry);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	p = h_take();
	assert_non_null(p);
	assert_int_equal(ike_message_parse(p->data, p->len, msg), 0);
	assert_non_null(ike_message_find_notify(msg, IKE_N_COOKIE));
	free(msg);
}

/* Two peers behind one address: IDi selects the responder's configuration in IKE_AUTH. */
static void test_peer_selected_by_id(void **state)
{
	(void)state;
	assert_int_equal(h_node_add(A_ADDR, peer_a(", \"local_id\": \"fqdn:two.example\"", ""),
				    "s3cret-s3cret-s3cret"),
			 0);
	assert_int_equal(
	    h_node_add(B_ADDR,
		       "{\"listen\": \"" B_ADDR "\", \"peers\": ["
		       "{\"name\": \"peer2\", \"remote_addr\": \"" A_ADDR "\", \"remote_id\": "
		       "\"fqdn:one.example\", \"local_ts\": [\"198.18.3.0/24\"], \"remote_ts\": "
		       "[\"198.18.4.0/24\"]},"
		       "{\"name\": \"peer\", \"remote_addr\": \"" A_ADDR "\", \"remote_id\": "
		       "\"fqdn:two.example\", \"local_ts\": [\"198.18.2.0/24\"], \"remote_ts\": "
		       "[\"198.18.1.0/24\"]}]",
		       "s3cret-s3cret-s3cret"),
	    1);
	establish();
	assert_string_equal(info_of(1, 0).peer, "peer"); /* the second one, IDi two.example */
	assert_children_match();
}

/* unique_ids yes (the default): a second IKE_SA with the same peer identity replaces the
 * first, which is deleted with a Delete exchange. */
static void test_unique_ids_yes_replaces(void **state)
{
	(void)state;
	pair("", "", "", "");
	establish();
	h_run_until(H->now + 1000); /* an SA established before the new one began */
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0); /* a duplicate */
	h_pump();
	h_run_until(H->now + 5000);
	assert_true(h_log_contains("unique_ids yes: deleting the older IKE_SA"));
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	assert_int_equal(h_installed(0), 1);
	assert_int_equal(h_installed(1), 1);
	assert_children_match();
}

/* unique_ids no and never keep duplicates. */
static void test_unique_ids_no_keeps(void **state)
{
	(void)state;
	pair(", \"unique_ids\": \"no\"", ", \"unique_ids\": \"never\"", "", "");
	establish();
	h_run_until(H->now + 1000);
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0);
	h_pump();
	h_run_until(H->now + 5000);
	assert_false(h_log_contains("deleting the older IKE_SA"));
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 2);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 2);
}

/* A restarted peer sends INITIAL_CONTACT (RFC 7296 2.4): with unique_ids no the IKE_SA it
 * forgot is dropped silently; with never it is kept. */
static void initial_contact(const char *unique_b, unsigned expect_b)
{
	char b[256];

	snprintf(b, sizeof(b), ", \"unique_ids\": \"%s\"", unique_b);
	pair("", b, "", "");
	establish();
	h_run_until(H->now + 1000);
	h_node_restart(0, peer_a("", ""), "s3cret-s3cret-s3cret"); /* A forgets everything */
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0);
	h_pump();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_int_equal(info_of(0, 0).state, 4);
	h_run_until(H->now + 2000);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), expect_b);
	assert_int_equal(h_installed(1), expect_b);
}

static void test_initial_contact_no(void **state)
{
	(void)state;
	initial_contact("no", 1);
	assert_true(h_log_contains("peer sent INITIAL_CONTACT: dropping its older IKE_SA"));
}

static void test_initial_contact_never(void **state)
{
	(void)state;
	initial_contact("never", 2);
	assert_false(h_log_contains("INITIAL_CONTACT"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    EXCHANGE_TEST(test_establish),
	    EXCHANGE_TEST(test_narrowing_to_responder_policy),
	    EXCHANGE_TEST(test_ts_unacceptable),
	    EXCHANGE_TEST(test_psk_mismatch),
	    EXCHANGE_TEST(test_ike_auth_unanswered_releases_spi),
	    EXCHANGE_TEST(test_proposal_mismatch),
	    EXCHANGE_TEST(test_esp_proposal_mismatch),
	    EXCHANGE_TEST(test_cbc_hmac),
	    EXCHANGE_TEST(test_invalid_ke_retry),
	    EXCHANGE_TEST(test_invalid_ke_unknown_group_fails),
	    EXCHANGE_TEST(test_cookie),
	    EXCHANGE_TEST(test_cookie_forged_rejected),
	    EXCHANGE_TEST(test_peer_selected_by_id),
	    EXCHANGE_TEST(test_unique_ids_yes_replaces),
	    EXCHANGE_TEST(test_unique_ids_no_keeps),
	    EXCHANGE_TEST(test_initial_contact_no),
	    EXCHANGE_TEST(test_initial_contact_never),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
