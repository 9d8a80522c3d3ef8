/* Exchange state machines driven end to end between two daemon cores in one process, with
 * a fake clock: IKE_SA_INIT/IKE_AUTH both ways, INVALID_KE retry, COOKIE, retransmission
 * back-off, the message-ID window, rekeys, delete, DPD (actions clear, hold, restart), NAT-T,
 * additional CHILD_SAs (CREATE_CHILD_SA on ACQUIRE), peer selection by identity and failures. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "ike_message.h"
#include "ike_types.h"

#define A_ADDR "198.18.0.1"
#define B_ADDR "198.18.0.2"

/* Initiator A and responder B; extra is spliced into both peer objects. */
static const char *peer_a(const char *extra, const char *top)
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

static const char *peer_b(const char *extra, const char *top)
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

static struct espnicd_sa_info info_of(int node, unsigned index)
{
	struct espnicd_sa_info info;

	memset(&info, 0, sizeof(info));
	espnicd_sa_info(H->nodes[node].core, index, &info);
	return info;
}

static void pair(const char *extra_a, const char *extra_b, const char *top_a, const char *top_b)
{
	assert_int_equal(h_node_add(A_ADDR, peer_a(extra_a, top_a), "s3cret"), 0);
	assert_int_equal(h_node_add(B_ADDR, peer_b(extra_b, top_b), "s3cret"), 1);
}

/* The keys A sends with are the keys B receives with, and the other way round. */
static void assert_children_match(void)
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

static void establish(void)
{
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0);
	h_pump();
	assert_int_equal(info_of(0, 0).state, 4 /* ESTABLISHED */);
	assert_int_equal(info_of(1, 0).state, 4);
}

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
				    "s3cret"),
			 0);
	assert_int_equal(h_node_add(B_ADDR, peer_b("", ""), "s3cret"), 1);
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
				    "s3cret"),
			 0);
	assert_int_equal(h_node_add(B_ADDR, peer_b("", ""), "s3cret"), 1);
	establish(); /* the IKE_SA stands without a CHILD_SA */
	assert_int_equal(info_of(0, 0).child_count, 0);
	assert_true(h_log_contains("TS_UNACCEPTABLE"));
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
}

static void test_psk_mismatch(void **state)
{
	(void)state;
	assert_int_equal(h_node_add(A_ADDR, peer_a("", ""), "one"), 0);
	assert_int_equal(h_node_add(B_ADDR, peer_b("", ""), "two"), 1);
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	assert_true(h_log_contains("PSK mismatch"));
	assert_true(h_log_contains("AUTHENTICATION_FAILED"));
	assert_int_equal(h_installed(0) + h_installed(1), 0);
}

static void test_proposal_mismatch(void **state)
{
	(void)state;
	pair(", \"ike_proposals\": [\"aes128-sha256-modp2048\"]", "", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
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
	establish();
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

static void test_delete_on_shutdown(void **state)
{
	(void)state;
	pair("", "", "", "");
	establish();
	espnicd_shutdown(H->nodes[0].core);
	h_pump();
	assert_true(espnicd_idle(H->nodes[0].core));
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
	assert_true(h_log_contains("deleted by the peer"));
}

static void test_delete_by_responder(void **state)
{
	(void)state;
	pair("", "", "", "");
	establish();
	espnicd_shutdown(H->nodes[1].core);
	h_pump();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(h_installed(0), 0);
}

static void test_shutdown_unanswered(void **state)
{
	(void)state;
	pair("", "", "", "");
	establish();
	H->drop_all = true;
	espnicd_shutdown(H->nodes[0].core);
	h_run_until(H->now + 60000);
	assert_true(espnicd_idle(H->nodes[0].core)); /* one retransmission, then gone */
}

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

static uint32_t trap_of(int node)
{
	uint32_t reqid = 0;

	assert_int_equal(dp_record_traps(H->nodes[node].dp, &reqid, 1), 1);
	return reqid;
}

static void acquire(int node, uint32_t reqid)
{
	struct dp_event ev = {.type = DP_EVENT_ACQUIRE, .reqid = reqid};

	assert_int_equal(dp_record_inject_event(H->nodes[node].dp, &ev), 0);
	espnicd_dataplane_events(H->nodes[node].core);
}

static unsigned rearms(int node)
{
	struct dp_record_stats st;

	dp_record_stats(H->nodes[node].dp, &st);
	return st.rearms;
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
	h_node_reload(0, peer_a(", \"dpd_delay\": 10, \"dpd_action\": \"clear\"", ""), "s3cret");
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
	h_node_reload(0, "{\"listen\": \"" A_ADDR "\"", "s3cret");
	h_pump();
	assert_int_equal(dp_record_traps(H->nodes[0].dp, NULL, 0), 0);
}

/* The peer deletes the CHILD_SA (B's hard lifetime here; swanctl --terminate --child does
 * the same) and leaves the IKE_SA up. */
static void peer_deletes_child(void)
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
		      "s3cret");
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
	h_node_reload(1, peer_b("", ""), "s3cret");
	acquire(0, trap);
	h_pump();
	assert_children_match();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
}

/* PFS with a group the responder does not take: INVALID_KE_PAYLOAD names the one it wants. */
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
	assert_true(h_log_contains("peer answered INVALID_KE_PAYLOAD (17): it wants DH group 19"));
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
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

/* Two peers behind one address: IDi selects the responder's configuration in IKE_AUTH. */
static void test_peer_selected_by_id(void **state)
{
	(void)state;
	assert_int_equal(
	    h_node_add(A_ADDR, peer_a(", \"local_id\": \"fqdn:two.example\"", ""), "s3cret"), 0);
	assert_int_equal(
	    h_node_add(B_ADDR,
		       "{\"listen\": \"" B_ADDR "\", \"peers\": ["
		       "{\"name\": \"peer2\", \"remote_addr\": \"" A_ADDR "\", \"remote_id\": "
		       "\"fqdn:one.example\", \"local_ts\": [\"198.18.3.0/24\"], \"remote_ts\": "
		       "[\"198.18.4.0/24\"]},"
		       "{\"name\": \"peer\", \"remote_addr\": \"" A_ADDR "\", \"remote_id\": "
		       "\"fqdn:two.example\", \"local_ts\": [\"198.18.2.0/24\"], \"remote_ts\": "
		       "[\"198.18.1.0/24\"]}]",
		       "s3cret"),
	    1);
	establish();
	assert_string_equal(info_of(1, 0).peer, "peer"); /* the second one, IDi two.example */
	assert_children_match();
}

/* The DPD profile's retry_count: a liveness check gives up after the peer's own number of
 * retransmissions, not the global retransmit_tries. */
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
	h_node_restart(0, peer_a("", ""), "s3cret"); /* A forgets everything */
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

static void test_force_encap_floats(void **state)
{
	struct h_packet *p;
	const struct dp_child_sa *ca;

	(void)state;
	pair(", \"force_encap\": true", "", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take());
	h_deliver(h_take());
	p = h_take(); /* IKE_AUTH goes to 4500 */
	assert_int_equal(ntohs(((struct sockaddr_in *)&p->to)->sin_port), 4500);
	assert_int_equal(ntohs(((struct sockaddr_in *)&p->from)->sin_port), 4500);
	h_deliver(p);
	h_pump();
	assert_true(info_of(0, 0).encap);
	assert_true(info_of(1, 0).encap);
	assert_true(info_of(1, 0).nat_remote); /* B believes A is behind a NAT */
	ca = dp_record_find(H->nodes[0].dp, info_of(0, 0).child_spi_in[0]);
	assert_int_equal(ca->encap_local_port, 4500);
	assert_int_equal(ca->encap_remote_port, 4500);
	assert_children_match();
}

static void test_nat_traversal(void **state)
{
	const struct dp_child_sa *ca, *cb;

	(void)state;
	/* A sits behind a NAT that maps 198.18.0.1:500 to 198.18.0.99:1500 (and :4500 to
	 * :5500); B is configured to accept anyone. */
	H->nat = true;
	H->nat_public = "198.18.0.99";
	H->nat_port_offset = 1000;
	assert_int_equal(h_node_add(A_ADDR, peer_a(", \"keepalive_interval\": 5", ""), "s3cret"),
			 0);
	assert_int_equal(h_node_add(B_ADDR,
				    "{\"listen\": \"" B_ADDR "\", \"peers\": [{\"name\": \"peer\", "
				    "\"remote_addr\": \"%any\", \"local_ts\": "
				    "[\"198.18.2.0/24\"], \"remote_ts\": [\"198.18.1.0/24\"]}]",
				    "s3cret"),
			 1);
	establish();
	assert_true(info_of(0, 0).nat_local);
	assert_false(info_of(0, 0).nat_remote);
	assert_true(info_of(1, 0).nat_remote);
	ca = dp_record_find(H->nodes[0].dp, info_of(0, 0).child_spi_in[0]);
	cb = dp_record_find(H->nodes[1].dp, info_of(1, 0).child_spi_in[0]);
	/* A encapsulates from its 4500; B sends to the NAT's mapping of it. */
	assert_int_equal(ca->encap_local_port, 4500);
	assert_int_equal(ca->encap_remote_port, 4500);
	assert_int_equal(cb->encap_local_port, 4500);
	assert_int_equal(cb->encap_remote_port, 5500);
	assert_children_match();
	/* The one behind the NAT keeps the mapping open. */
	h_run_until(H->now + 12000);
	assert_true(H->keepalives >= 2);
	/* And the NATed IKE_SA still carries exchanges. */
	espnicd_shutdown(H->nodes[0].core);
	h_pump();
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
}

static void test_reload_removes_peer(void **state)
{
	char err[256];
	struct espnicd_config *cfg;

	(void)state;
	pair("", "", "", "");
	establish();
	assert_int_equal(config_parse("{\"listen\": \"" A_ADDR "\"}", &cfg, err, sizeof(err)), 0);
	espnicd_reload(H->nodes[0].core, cfg);
	h_pump();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_establish, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_narrowing_to_responder_policy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ts_unacceptable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_psk_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_proposal_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_esp_proposal_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cbc_hmac, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_ke_retry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_ke_unknown_group_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cookie, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cookie_forged_rejected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retransmit_backoff, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retransmit_then_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_message_id_window, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_child_rekey_by_peer_out_late, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_child_rekey, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_child_rekey_pfs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ike_rekey, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ike_rekey_by_responder_then_child_rekey, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_child_rekey_collision, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ike_rekey_collision, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_on_shutdown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_by_responder, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shutdown_unanswered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dpd_dead_peer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dpd_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dpd_hold, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dpd_hold_ends, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dpd_hold_on_demand, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_child_new_on_acquire, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_child_new_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_child_new_invalid_ke, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_child_new_collision, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_peer_selected_by_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dpd_retries_per_peer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unique_ids_yes_replaces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unique_ids_no_keeps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initial_contact_no, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initial_contact_never, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_force_encap_floats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nat_traversal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reload_removes_peer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
