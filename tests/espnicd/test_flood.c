/* IKE under a flood (issue 17): the responder checks the COOKIE before its half-open limit,
 * caps the half-open IKE_SAs of one source address, rotates its COOKIE secret (the previous
 * one still verifies) and rate-limits the log lines that unauthenticated datagrams cause; the
 * initiator does not let forged IKE_SA_INIT answers end its attempt or weaken its group; an
 * authenticated peer creates CHILD_SAs and rekeys within limits (NO_ADDITIONAL_SAS); the hash
 * tables that find IKE_SAs for each datagram agree with the list. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "craft.h"
#include "exchange.h"
#include "ike/flood_limits.h"
#include "ike/ike_sa.h"
#include "ike/sa_index.h"
#include "ike/task_manager.h"
#include "ike/util.h"
#include "ike_types.h"

#define FLOODER "198.18.0.7"

/* B accepts any address (the flooder's too) with B's selectors. */
static const char *peer_b_any(const char *top)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "{\"listen\": \"" B_ADDR
		 "\", \"retransmit_timeout\": 1, %s \"peers\": [{\"name\": "
		 "\"peer\", \"remote_addr\": \"%%any\", \"local_ts\": [\"198.18.2.0/24\"], "
		 "\"remote_ts\": [\"198.18.1.0/24\"]}]",
		 top);
	return buf;
}

static bool has_notify(const struct h_packet *p, uint16_t type)
{
	struct ike_message *msg = malloc(sizeof(*msg));
	bool found;

	assert_int_equal(ike_message_parse(p->data, p->len, msg), 0);
	found = ike_message_find_notify(msg, type) != NULL;
	free(msg);
	return found;
}

/* A first attempt of A whose IKE_AUTH is lost: one half-open IKE_SA on B. */
static void leave_half_open(void)
{
	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take());	   /* IKE_SA_INIT request */
	h_deliver(h_take());	   /* response */
	assert_non_null(h_take()); /* IKE_AUTH request: lost */
}

/* The half-open limit is reached: a request without COOKIE still gets one (stateless), and
 * only a request that returns it meets the limit. Before, the limit was checked first and
 * dropped every request without an answer, so no peer could even prove its address. */
static void test_cookie_before_half_open_limit(void **state)
{
	struct h_packet *p;

	(void)state;
	pair("", "", "", "\"cookie_threshold\": 1, \"half_open_max\": 1,");
	leave_half_open();
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take());
	p = h_take();
	assert_non_null(p); /* B answers: a COOKIE */
	assert_true(has_notify(p, IKE_N_COOKIE));
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	h_deliver(p);
	h_deliver(h_take()); /* A's retry with the COOKIE meets the limit */
	assert_null(h_take());
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	assert_true(h_log_contains("too many half-open IKE_SAs"));
}

/* One address (that answers COOKIEs, or faces none) fills its share of the half-open places
 * and no more: the other peers still get in. */
static void test_half_open_per_source(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 1};
	uint8_t buf[2048], spi[8] = {0xf1};

	(void)state;
	assert_int_equal(h_node_add(A_ADDR, peer_a("", ""), "s3cret-s3cret-s3cret"), 0);
	assert_int_equal(h_node_add(B_ADDR,
				    peer_b_any("\"cookie_threshold\": 0, \"half_open_max\": 3, "
					       "\"half_open_per_source\": 2,"),
				    "s3cret-s3cret-s3cret"),
			 1);
	craft_gcm_x25519(&sa.proposals[0], 1);
	for (uint8_t i = 0; i < 3; i++) {
		spi[7] = i;
		craft_deliver(FLOODER, 500, B_ADDR, 500, buf,
			      craft_init(buf, sizeof(buf), &sa, IKE_DH_CURVE25519, false, spi,
					 (uint8_t[8]){0}, NULL, 0));
	}
	while (h_take() != NULL) /* B's answers go to the flooder, who keeps quiet */
		;
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 2);
	assert_true(h_log_contains("IKE_SA_INIT from 198.18.0.7:500 dropped: it has 2 half-open "
				   "IKE_SAs already"));
	/* The third place is A's. */
	establish();
}

/* A's IKE_SA_INIT retry with the COOKIE B demanded, held back (not delivered). */
static struct h_packet cookie_retry(void)
{
	struct h_packet *p;

	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take());
	p = h_take();
	assert_non_null(p);
	assert_true(has_notify(p, IKE_N_COOKIE));
	h_deliver(p);
	p = h_take();
	assert_non_null(p);
	assert_true(has_notify(p, IKE_N_COOKIE)); /* it carries the cookie back */
	return *p;
}

/* The COOKIE secret changes every COOKIE_SECRET_LIFETIME_MS: a cookie made just before a
 * change still verifies (the previous secret is kept), one two changes old does not. */
static void test_cookie_secret_rotates(void **state)
{
	struct h_packet retry, *p;

	(void)state;
	pair("", "", "", "\"cookie_threshold\": 1,");
	leave_half_open();
	/* Delivered one lifetime later: the secret changed once, the cookie still holds. */
	retry = cookie_retry();
	H->now += COOKIE_SECRET_LIFETIME_MS + 1;
	h_deliver(&retry);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 2);
	p = h_take();
	assert_non_null(p);
	assert_false(has_notify(p, IKE_N_COOKIE)); /* the real answer */
	while (h_take() != NULL)
		;
	/* Delivered two lifetimes later: both secrets it could be made with are gone. */
	retry = cookie_retry();
	H->now += 2 * COOKIE_SECRET_LIFETIME_MS + 1;
	h_deliver(&retry);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 2);
	p = h_take();
	assert_non_null(p);
	assert_true(has_notify(p, IKE_N_COOKIE)); /* a fresh demand */
}

/* A flood of IKE_SA_INIT from addresses nobody configured: at most UNAUTH_LOG_BURST lines per
 * interval, then one line that counts the ones left out. */
static void test_unauth_log_rate_limited(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 1};
	uint8_t buf[2048], spi[8] = {0xf2};
	char from[32];

	(void)state;
	pair("", "", "", "");
	craft_gcm_x25519(&sa.proposals[0], 1);
	for (unsigned i = 0; i < 100; i++) {
		snprintf(from, sizeof(from), "198.18.5.%u", i + 1);
		spi[7] = (uint8_t)i;
		craft_deliver(from, 500, B_ADDR, 500, buf,
			      craft_init(buf, sizeof(buf), &sa, IKE_DH_CURVE25519, false, spi,
					 (uint8_t[8]){0}, NULL, 0));
	}
	assert_null(h_take());
	assert_int_equal(h_log_count("no peer configured for this address"), UNAUTH_LOG_BURST);
	assert_false(h_log_contains("suppressed"));
	/* The summary comes when the interval ends, with no further datagram needed. */
	assert_true(espnicd_next_timer(H->nodes[1].core) <= H->now + UNAUTH_LOG_INTERVAL_MS);
	h_run_until(H->now + UNAUTH_LOG_INTERVAL_MS);
	assert_int_equal(
	    h_log_count("80 log lines about unauthenticated IKE messages suppressed in the last "
			"10 s"),
	    1);
	/* A new interval lets lines through again, and the peer is not hindered. */
	craft_deliver("198.18.5.200", 500, B_ADDR, 500, buf,
		      craft_init(buf, sizeof(buf), &sa, IKE_DH_CURVE25519, false, spi,
				 (uint8_t[8]){0}, NULL, 0));
	assert_int_equal(h_log_count("no peer configured for this address"), UNAUTH_LOG_BURST + 1);
	establish();
}

/* An IKE_SA_INIT answer of one notify, forged from B's address, to A's attempt spi_i. */
static void forge_answer(const uint8_t *spi_i, uint16_t type, const uint8_t *data, size_t len)
{
	uint8_t buf[256];

	craft_deliver(B_ADDR, 500, A_ADDR, 500, buf,
		      craft_notify(buf, sizeof(buf), IKE_EXCHANGE_IKE_SA_INIT, IKE_FLAG_RESPONSE,
				   spi_i, (uint8_t[8]){0}, type, data, len));
}

/* Error notifies and INVALID_KE_PAYLOAD forged before B's real answer: A keeps waiting, sends
 * nothing new, and the real answer establishes the IKE_SA with the group first proposed. */
static void test_forged_answers_ignored(void **state)
{
	struct h_packet request;

	(void)state;
	pair(", \"ike_proposals\": [\"aes256gcm16-prfsha256-x25519-ecp256\"]", "", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	request = *h_take();
	forge_answer(request.data, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	forge_answer(request.data, IKE_N_INVALID_KE_PAYLOAD, (uint8_t[2]){0, IKE_DH_ECP_384}, 2);
	forge_answer(request.data, IKE_N_INVALID_KE_PAYLOAD, (uint8_t[2]){0, IKE_DH_ECP_256}, 2);
	assert_null(h_take()); /* no retry with another group */
	assert_int_equal(info_of(0, 0).state, 1 /* INIT_SENT */);
	h_deliver(&request);
	h_pump();
	assert_int_equal(info_of(0, 0).state, 4);
	assert_int_equal(info_of(1, 0).state, 4);
	assert_false(h_log_contains("retrying with DH group"));
	/* Nothing forged is left to act on later. */
	h_run_until(H->now + 10000);
	assert_int_equal(info_of(0, 0).state, 4);
}

/* INVALID_KE_PAYLOAD for a group the configuration allows but weaker than the one proposed
 * first (MODP-2048 after X25519): never taken, even when no valid answer comes. */
static void test_forged_invalid_ke_weaker_group(void **state)
{
	struct h_packet request;

	(void)state;
	pair(", \"ike_proposals\": [\"aes256gcm16-prfsha256-x25519-modp2048\"]", "", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	request = *h_take(); /* lost: B stays silent */
	forge_answer(request.data, IKE_N_INVALID_KE_PAYLOAD, (uint8_t[2]){0, IKE_DH_MODP_2048}, 2);
	assert_null(h_take());
	assert_int_equal(info_of(0, 0).state, 1 /* INIT_SENT */);
	H->drop_all = true;
	h_run_until(H->now + 1000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_true(h_log_contains("INVALID_KE_PAYLOAD for a weaker group than we proposed first"));
	assert_false(h_log_contains("retrying with DH group"));
}

/* The dataplane of node reports its first CHILD_SA expired (soft: rekey it, hard: delete
 * it); what follows is answered. */
static void expire(int node, enum dp_event_type type)
{
	struct dp_event ev = {.type = type};

	ev.spi_in = info_of(node, 0).child_spi_in[0];
	assert_int_equal(dp_record_inject_event(H->nodes[node].dp, &ev), 0);
	espnicd_dataplane_events(H->nodes[node].core);
	h_pump();
}

/* A greedy A: a CREATE_CHILD_SA for one more CHILD_SA in its IKE_SA, answered. */
static void a_asks_for_child(void)
{
	assert_int_equal(task_manager_start(H->nodes[0].core->sas, REQUEST_CHILD_ADDITIONAL, NULL),
			 0);
	h_pump();
}

/* child_sa_max: the CHILD_SA beyond it is refused with NO_ADDITIONAL_SAS, the IKE_SA stays. */
static void test_child_sa_max(void **state)
{
	(void)state;
	pair("", "", "", "\"child_sa_max\": 3,");
	establish();
	a_asks_for_child();
	a_asks_for_child();
	assert_int_equal(info_of(1, 0).child_count, 3);
	a_asks_for_child();
	assert_true(h_log_contains("CHILD_SA not created: peer answered NO_ADDITIONAL_SAS"));
	assert_true(h_log_contains("refused with NO_ADDITIONAL_SAS: child_sa_max reached"));
	assert_int_equal(info_of(1, 0).child_count, 3);
	assert_int_equal(h_installed(1), 3);
	assert_int_equal(h_installed(0), 3);
	assert_int_equal(info_of(0, 0).state, 4);
	/* One gone, one place free. */
	expire(1, DP_EVENT_HARD_EXPIRE);
	assert_int_equal(info_of(1, 0).child_count, 2);
	a_asks_for_child();
	assert_int_equal(info_of(1, 0).child_count, 3);
}

/* create_child_per_minute: rekeys beyond it in one minute are refused (the old pair stays),
 * the next minute they pass again; an IKE_SA rekey counts and does not renew the allowance. */
static void test_rekey_rate(void **state)
{
	uint32_t spi;

	(void)state;
	pair("", "", "", "\"create_child_per_minute\": 3,");
	establish();
	expire(0, DP_EVENT_SOFT_EXPIRE);
	expire(0, DP_EVENT_SOFT_EXPIRE);
	assert_int_equal(task_manager_start(H->nodes[0].core->sas, REQUEST_IKE_REKEY, NULL),
			 0); /* the third */
	h_pump();
	assert_true(h_log_contains("rekeyed by the peer, successor"));
	spi = info_of(0, 0).child_spi_in[0];
	expire(0, DP_EVENT_SOFT_EXPIRE);
	assert_true(
	    h_log_contains("refused with NO_ADDITIONAL_SAS: create_child_per_minute reached"));
	assert_int_equal(info_of(0, 0).child_spi_in[0], spi); /* the old pair carries on */
	assert_int_equal(h_installed(1), 1);
	H->now += 60000;
	expire(0, DP_EVENT_SOFT_EXPIRE);
	assert_int_not_equal(info_of(0, 0).child_spi_in[0], spi);
	assert_children_match();
}

/* The half-open counts of node's index against a walk through its SAs. */
static void assert_half_open_counts(int node, const char *from, unsigned want)
{
	struct espnicd *d = H->nodes[node].core;
	struct sockaddr_storage addr;
	unsigned all = 0, mine = 0;

	h_parse_addr(from, 500, &addr);
	for (const struct ike_sa *sa = d->sas; sa != NULL; sa = sa->next) {
		all += sa->state == IKE_SA_INIT_DONE;
		mine += sa->state == IKE_SA_INIT_DONE && sockaddr_same_host(&sa->remote, &addr);
	}
	assert_int_equal(half_open_count(d), all);
	assert_int_equal(half_open_from(d, &addr), mine);
	assert_int_equal(mine, want);
}

/* The place-th IKE_SA of d's list. */
static const struct ike_sa *nth_sa(const struct espnicd *d, unsigned place)
{
	const struct ike_sa *sa = d->sas;

	while (sa != NULL && place-- > 0)
		sa = sa->next;
	return sa;
}

static void assert_info_is(struct espnicd *d, unsigned place)
{
	const struct ike_sa *sa = nth_sa(d, place);
	struct espnicd_sa_info info;

	assert_non_null(sa);
	assert_int_equal(espnicd_sa_info(d, place, &info), 0);
	assert_memory_equal(info.spi_i, sa->spi_i, IKE_SPI_LEN);
	assert_memory_equal(info.spi_r, sa->spi_r, IKE_SPI_LEN);
}

/* espnicd_sa_info (the status file's listing) goes on from its last answer: whatever the
 * order of the questions, each answer is the SA at that place of the list. */
static void assert_info_follows_list(struct espnicd *d)
{
	unsigned n = espnicd_sa_count(d);
	struct espnicd_sa_info info;

	for (unsigned i = 0; i < n; i++)
		assert_info_is(d, i);
	assert_int_equal(espnicd_sa_info(d, n, &info), -ENOENT);
	for (unsigned i = n; i-- > 0;)
		assert_info_is(d, i);
	for (unsigned i = 0; i < n; i += 7)
		assert_info_is(d, i);
}

/* The tables that find IKE_SAs for a datagram (sa_index.c) agree with the list through a
 * flood of half-open SAs from 30 addresses, a retransmitted IKE_SA_INIT, an IKE_SA and its
 * rekey, and the half-open timeout; nothing of them is left after. */
static void test_index_consistent(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 1};
	uint8_t buf[2048], first[2048], spi[8] = {0xf3};
	size_t first_len = 0;
	char from[32];
	struct espnicd *b;

	(void)state;
	assert_int_equal(h_node_add(A_ADDR, peer_a("", ""), "s3cret-s3cret-s3cret"), 0);
	assert_int_equal(
	    h_node_add(B_ADDR, peer_b_any("\"cookie_threshold\": 0, \"half_open_per_source\": 0,"),
		       "s3cret-s3cret-s3cret"),
	    1);
	b = H->nodes[1].core;
	craft_gcm_x25519(&sa.proposals[0], 1);
	for (unsigned i = 0; i < 300; i++) {
		size_t len;

		snprintf(from, sizeof(from), "198.18.6.%u", i % 30 + 1);
		spi[6] = (uint8_t)(i >> 8);
		spi[7] = (uint8_t)i;
		len = craft_init(buf, sizeof(buf), &sa, IKE_DH_CURVE25519, false, spi,
				 (uint8_t[8]){0}, NULL, 0);
		craft_deliver(from, 500, B_ADDR, 500, buf, len);
		if (i == 0)
			memcpy(first, buf, first_len = len);
	}
	while (h_take() != NULL)
		;
	assert_int_equal(espnicd_sa_count(b), 300);
	assert_half_open_counts(1, "198.18.6.1", 10);
	assert_half_open_counts(1, "198.18.6.30", 10);
	/* The first request again: found, answered as before, no new SA. */
	craft_deliver("198.18.6.1", 500, B_ADDR, 500, first, first_len);
	assert_non_null(h_take());
	assert_int_equal(espnicd_sa_count(b), 300);
	assert_info_follows_list(b);
	assert_info_is(b, 5); /* the listing's place, then the list changes under it */
	/* A real peer among them, and its IKE_SA rekeyed (the successor has new SPIs). */
	establish();
	assert_info_is(b, 6);
	assert_info_follows_list(b);
	assert_int_equal(task_manager_start(H->nodes[0].core->sas, REQUEST_IKE_REKEY, NULL), 0);
	h_pump();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_children_match();
	expire(0, DP_EVENT_SOFT_EXPIRE); /* carried by the successor, found by its SPI */
	assert_children_match();
	/* The half-open ones time out. */
	h_run_until(H->now + HALF_OPEN_TIMEOUT_MS + 1000);
	assert_int_equal(espnicd_sa_count(b), 1);
	assert_half_open_counts(1, "198.18.6.1", 0);
	for (unsigned i = 0; i < SA_INDEX_BUCKETS; i++)
		assert_null(b->index.hosts[i]);
	assert_int_equal(b->index.dead, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cookie_before_half_open_limit, exchange_setup,
					    exchange_teardown),
	    cmocka_unit_test_setup_teardown(test_half_open_per_source, exchange_setup,
					    exchange_teardown),
	    cmocka_unit_test_setup_teardown(test_cookie_secret_rotates, exchange_setup,
					    exchange_teardown),
	    cmocka_unit_test_setup_teardown(test_unauth_log_rate_limited, exchange_setup,
					    exchange_teardown),
	    cmocka_unit_test_setup_teardown(test_forged_answers_ignored, exchange_setup,
					    exchange_teardown),
	    cmocka_unit_test_setup_teardown(test_forged_invalid_ke_weaker_group, exchange_setup,
					    exchange_teardown),
	    cmocka_unit_test_setup_teardown(test_child_sa_max, exchange_setup, exchange_teardown),
	    cmocka_unit_test_setup_teardown(test_rekey_rate, exchange_setup, exchange_teardown),
	    cmocka_unit_test_setup_teardown(test_index_consistent, exchange_setup,
					    exchange_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
