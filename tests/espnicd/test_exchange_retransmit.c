/* Reliability of the exchanges between two daemon cores: retransmission back-off and giving up,
 * a lost response answered from the cache, and the message-ID window (cached answers, requests
 * far ahead dropped, replayed responses ignored). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exchange.h"

static void test_retransmit_backoff(void **state)
{
	uint64_t start, t;
	unsigned sent;

	(void)state;
	pair("", "", "\"retransmit_base\": 2.0, \"retransmit_tries\": 3,", "");
	H->drop_all = true;
	start = H->now;
	espnicd_initiate(H->nodes[0].core, "peer");
	assert_int_equal(H->sent_total, 1);
	/* Timeouts 1 s, 2 s, 4 s, then 8 s before giving up. */
	t = espnicd_next_timer(H->nodes[0].core);
	assert_int_equal(t - start, 1000);
	H->now = t - 1;
	espnicd_run_timers(H->nodes[0].core);
	assert_int_equal(H->sent_total, 1);
	H->now = t;
	espnicd_run_timers(H->nodes[0].core);
	assert_int_equal(H->sent_total, 2);
	t = espnicd_next_timer(H->nodes[0].core);
	assert_int_equal(t - H->now, 2000);
	H->now = t;
	espnicd_run_timers(H->nodes[0].core);
	assert_int_equal(H->sent_total, 3);
	t = espnicd_next_timer(H->nodes[0].core);
	assert_int_equal(t - H->now, 4000);
	H->now = t;
	espnicd_run_timers(H->nodes[0].core);
	assert_int_equal(H->sent_total, 4);
	t = espnicd_next_timer(H->nodes[0].core);
	assert_int_equal(t - H->now, 8000);
	H->now = t;
	espnicd_run_timers(H->nodes[0].core);
	sent = H->sent_total;
	assert_int_equal(sent, 4);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_true(h_log_contains("after 3 retransmits"));
}

static void test_retransmit_then_answer(void **state)
{
	struct h_packet *p;

	(void)state;
	pair("", "", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	p = h_take();
	h_deliver(p);
	(void)h_take(); /* B's IKE_SA_INIT response is lost */
	H->now += 1000;
	espnicd_run_timers(H->nodes[0].core); /* A retransmits the same request */
	p = h_take();
	assert_non_null(p);
	h_deliver(p); /* B recognizes the retransmission and resends its answer */
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	h_pump();
	assert_int_equal(info_of(0, 0).state, 4);
	assert_children_match();
}

static void test_message_id_window(void **state)
{
	struct h_packet *p, auth_req, auth_resp, forged;

	(void)state;
	pair("", "", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take());
	h_deliver(h_take());
	auth_req = *h_take();
	h_deliver(&auth_req);
	auth_resp = *h_take();
	h_deliver(&auth_resp);
	assert_int_equal(info_of(0, 0).state, 4);
	/* A retransmitted IKE_AUTH request gets the cached response, byte for byte. */
	h_deliver(&auth_req);
	p = h_take();
	assert_non_null(p);
	assert_int_equal(p->len, auth_resp.len);
	assert_memory_equal(p->data, auth_resp.data, p->len);
	/* A request far ahead of the window is dropped without an answer. */
	forged = auth_req;
	forged.data[20] = 0;
	forged.data[21] = 0;
	forged.data[22] = 0;
	forged.data[23] = 9;
	h_deliver(&forged);
	assert_null(h_take());
	/* A replayed response is ignored. */
	h_deliver(&auth_resp);
	assert_null(h_take());
	assert_int_equal(info_of(0, 0).state, 4);
	assert_int_equal(info_of(0, 0).child_count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    EXCHANGE_TEST(test_retransmit_backoff),
	    EXCHANGE_TEST(test_retransmit_then_answer),
	    EXCHANGE_TEST(test_message_id_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
