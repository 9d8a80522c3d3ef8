/* Exchange state machines fed with messages built by hand (the ike_ writer), as responder
 * and as initiator: what a strict implementation must answer, refuse or ignore. Also the
 * dataplane events (soft and hard expiry) and the half-open timeout. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "craft.h"
#include "harness.h"
#include "ike_crypto.h"
#include "ike_message.h"
#include "ike_types.h"

#define A_ADDR "198.18.0.1"
#define B_ADDR "198.18.0.2"

static const char cfg_a[] = "{\"listen\": \"" A_ADDR "\", \"retransmit_timeout\": 1, "
			    "\"peers\": [{\"name\": \"peer\", \"remote_addr\": \"" B_ADDR "\"}]";
static const char cfg_b[] = "{\"listen\": \"" B_ADDR "\", \"retransmit_timeout\": 1, "
			    "\"peers\": [{\"name\": \"peer\", \"remote_addr\": \"" A_ADDR "\"}]";

static struct ike_message *msg;

static int setup(void **state)
{
	(void)state;
	h_setup();
	h_node_add(A_ADDR, cfg_a, "k3y-k3y-k3y-k3y-k3y");
	h_node_add(B_ADDR, cfg_b, "k3y-k3y-k3y-k3y-k3y");
	msg = malloc(sizeof(*msg));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(msg);
	h_teardown();
	return 0;
}

static int state_of(int node)
{
	struct espnicd_sa_info info;

	if (espnicd_sa_info(H->nodes[node].core, 0, &info) < 0)
		return -1;
	return info.state;
}

static void send_to(int node, const uint8_t *buf, size_t len)
{
	craft_deliver(node == 1 ? A_ADDR : B_ADDR, 500, node == 1 ? B_ADDR : A_ADDR, 500, buf, len);
}

static const uint8_t spi_a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, zero[8];

static void test_responder_picks_acceptable_proposal(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 2};
	uint8_t buf[2048];
	struct h_packet *resp;
	const struct ike_payload *sa_p, *ke_p;

	(void)state;
	/* Proposal 1 is not acceptable (AES-CBC-128 + SHA-1 + MODP-2048), 2 is. */
	sa.proposals[0].number = 1;
	sa.proposals[0].protocol = IKE_PROTO_IKE;
	craft_add_transform(&sa.proposals[0], IKE_TRANSFORM_ENCR, IKE_ENCR_AES_CBC, 128);
	craft_add_transform(&sa.proposals[0], IKE_TRANSFORM_PRF, IKE_PRF_HMAC_SHA1, 0);
	craft_add_transform(&sa.proposals[0], IKE_TRANSFORM_INTEG, IKE_INTEG_HMAC_SHA1_96, 0);
	craft_add_transform(&sa.proposals[0], IKE_TRANSFORM_DH, IKE_DH_MODP_2048, 0);
	craft_gcm_x25519(&sa.proposals[1], 2);
	send_to(1, buf,
		craft_init(buf, sizeof(buf), &sa, IKE_DH_CURVE25519, false, spi_a, zero, NULL, 0));
	resp = h_take();
	assert_non_null(resp);
	assert_int_equal(ike_message_parse(resp->data, resp->len, msg), 0);
	assert_true(msg->header.flags & IKE_FLAG_RESPONSE);
	assert_false(msg->header.flags & IKE_FLAG_INITIATOR);
	assert_memory_equal(msg->header.spi_i, spi_a, 8);
	assert_memory_not_equal(msg->header.spi_r, zero, 8);
	sa_p = ike_message_find(msg, IKE_PAYLOAD_SA);
	assert_non_null(sa_p);
	assert_int_equal(sa_p->u.sa->proposal_count, 1);
	assert_int_equal(sa_p->u.sa->proposals[0].number, 2);
	assert_int_equal(sa_p->u.sa->proposals[0].transform_count, 3);
	ke_p = ike_message_find(msg, IKE_PAYLOAD_KE);
	assert_int_equal(ke_p->u.ke.group, IKE_DH_CURVE25519);
	assert_int_equal(ke_p->u.ke.data.len, 32);
	assert_non_null(ike_message_find(msg, IKE_PAYLOAD_NONCE));
	assert_non_null(ike_message_find_notify(msg, IKE_N_NAT_DETECTION_SOURCE_IP));
	assert_non_null(ike_message_find_notify(msg, IKE_N_NAT_DETECTION_DESTINATION_IP));
	assert_int_equal(state_of(1), 2 /* INIT_DONE */);
}

static void test_responder_invalid_ke(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 1};
	uint8_t buf[2048];
	struct h_packet *resp;
	const struct ike_notify_payload *n;

	(void)state;
	craft_gcm_x25519(&sa.proposals[0], 1);
	/* Also offers ECP-256, and guesses it for the KE; B prefers what it has: X25519. */
	craft_add_transform(&sa.proposals[0], IKE_TRANSFORM_DH, IKE_DH_ECP_256, 0);
	send_to(1, buf,
		craft_init(buf, sizeof(buf), &sa, IKE_DH_ECP_256, false, spi_a, zero, NULL, 0));
	resp = h_take();
	assert_non_null(resp);
	assert_int_equal(ike_message_parse(resp->data, resp->len, msg), 0);
	n = ike_message_find_notify(msg, IKE_N_INVALID_KE_PAYLOAD);
	assert_non_null(n);
	assert_int_equal(n->data.len, 2);
	assert_int_equal((n->data.ptr[0] << 8) | n->data.ptr[1], IKE_DH_CURVE25519);
	assert_int_equal(msg->payload_count, 1);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0); /* stateless */
}

static void test_responder_wrong_protocol(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 1};
	uint8_t buf[2048];
	struct h_packet *resp;

	(void)state;
	craft_gcm_x25519(&sa.proposals[0], 1);
	sa.proposals[0].protocol = IKE_PROTO_ESP;
	sa.proposals[0].spi_size = 4;
	send_to(1, buf,
		craft_init(buf, sizeof(buf), &sa, IKE_DH_CURVE25519, false, spi_a, zero, NULL, 0));
	resp = h_take();
	assert_non_null(resp);
	assert_int_equal(ike_message_parse(resp->data, resp->len, msg), 0);
	assert_non_null(ike_message_find_notify(msg, IKE_N_NO_PROPOSAL_CHOSEN));
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
}

static void test_responder_unknown_peer_dropped(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 1};
	uint8_t buf[2048];
	struct h_packet p;

	(void)state;
	craft_gcm_x25519(&sa.proposals[0], 1);
	memset(&p, 0, sizeof(p));
	h_parse_addr("198.18.0.99", 500, &p.from);
	h_parse_addr(B_ADDR, 500, &p.to);
	p.len =
	    craft_init(p.data, sizeof(p.data), &sa, IKE_DH_CURVE25519, false, spi_a, zero, NULL, 0);
	h_deliver(&p);
	assert_null(h_take());
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	(void)buf;
}

/* A's request, and a forged answer from B's address built by the test. */
static void initiator_gets(const struct ike_sa_payload *sa, uint16_t ke_group)
{
	struct h_packet *req;
	uint8_t spi_i[8], buf[2048];
	static const uint8_t spi_r[8] = {9, 9, 9, 9, 9, 9, 9, 9};

	espnicd_initiate(H->nodes[0].core, "peer");
	req = h_take();
	assert_non_null(req);
	memcpy(spi_i, req->data, 8);
	send_to(0, buf, craft_init(buf, sizeof(buf), sa, ke_group, true, spi_i, spi_r, NULL, 0));
}

/* A's attempt, with only a refused (unauthenticated) answer: it stands until the
 * retransmission timeout, then ends (RFC 7296 2.21.1). */
static void refused_at_timeout(void)
{
	assert_int_equal(state_of(0), 1 /* INIT_SENT */);
	h_run_until(H->now + 1000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
}

static void test_initiator_refuses_unoffered_choice(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 1};

	(void)state;
	craft_gcm_x25519(&sa.proposals[0], 1);
	sa.proposals[0].transforms[0].key_length = 128; /* A offered 256 only */
	initiator_gets(&sa, IKE_DH_CURVE25519);
	refused_at_timeout();
	assert_true(h_log_contains("did not offer"));
}

static void test_initiator_refuses_two_proposals(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 2};

	(void)state;
	craft_gcm_x25519(&sa.proposals[0], 1);
	craft_gcm_x25519(&sa.proposals[1], 2);
	initiator_gets(&sa, IKE_DH_CURVE25519);
	refused_at_timeout();
}

static void test_initiator_refuses_two_encr_transforms(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 1};

	(void)state;
	craft_gcm_x25519(&sa.proposals[0], 1);
	craft_add_transform(&sa.proposals[0], IKE_TRANSFORM_ENCR, IKE_ENCR_AES_GCM_16, 256);
	initiator_gets(&sa, IKE_DH_CURVE25519);
	refused_at_timeout();
}

static void test_initiator_refuses_ke_mismatch(void **state)
{
	struct ike_sa_payload sa = {.proposal_count = 1};

	(void)state;
	craft_gcm_x25519(&sa.proposals[0], 1);
	initiator_gets(&sa, IKE_DH_ECP_256);
	refused_at_timeout();
	assert_true(h_log_contains("KE group"));
}

static void test_initiator_ignores_incomplete_answer(void **state)
{
	struct h_packet *req;
	struct ike_header h = {.major_version = 2,
			       .exchange_type = IKE_EXCHANGE_IKE_SA_INIT,
			       .flags = IKE_FLAG_RESPONSE};
	struct ike_writer w;
	uint8_t buf[256];

	(void)state;
	espnicd_initiate(H->nodes[0].core, "peer");
	req = h_take();
	memcpy(h.spi_i, req->data, 8);
	memset(h.spi_r, 7, 8);
	ike_writer_init(&w, buf, sizeof(buf));
	ike_writer_header(&w, &h);
	/* No payloads at all: an unauthenticated forgery must not end the attempt. */
	send_to(0, buf, (size_t)ike_writer_finish(&w));
	assert_int_equal(state_of(0), 1 /* INIT_SENT */);
}

static void establish(void)
{
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	assert_int_equal(state_of(0), 4);
}

static void test_dataplane_soft_expire_rekeys(void **state)
{
	struct espnicd_sa_info info;
	struct dp_event ev = {.type = DP_EVENT_SOFT_EXPIRE};
	uint32_t old;

	(void)state;
	establish();
	espnicd_sa_info(H->nodes[0].core, 0, &info);
	old = info.child_spi_in[0];
	ev.spi_in = old;
	assert_int_equal(dp_record_inject_event(H->nodes[0].dp, &ev), 0);
	espnicd_dataplane_events(H->nodes[0].core);
	h_pump();
	espnicd_sa_info(H->nodes[0].core, 0, &info);
	assert_int_equal(info.child_count, 1);
	assert_int_not_equal(info.child_spi_in[0], old);
	assert_null(dp_record_find(H->nodes[0].dp, old));
}

static void test_dataplane_hard_expire_deletes(void **state)
{
	struct espnicd_sa_info info;
	struct dp_event ev = {.type = DP_EVENT_HARD_EXPIRE};

	(void)state;
	establish();
	espnicd_sa_info(H->nodes[1].core, 0, &info);
	ev.spi_in = info.child_spi_in[0];
	dp_record_inject_event(H->nodes[1].dp, &ev);
	espnicd_dataplane_events(H->nodes[1].core);
	h_pump();
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
	assert_int_equal(state_of(0), 4); /* the IKE_SA stays */
}

static void test_half_open_times_out(void **state)
{
	(void)state;
	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take());
	H->drop_all = true; /* B's answer and everything after it is lost */
	h_pump();
	assert_int_equal(state_of(1), 2);
	h_run_until(H->now + 31000);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	assert_true(h_log_contains("half-open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_responder_picks_acceptable_proposal, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_responder_invalid_ke, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_responder_wrong_protocol, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_responder_unknown_peer_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initiator_refuses_unoffered_choice, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_initiator_refuses_two_proposals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initiator_refuses_two_encr_transforms, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_initiator_refuses_ke_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initiator_ignores_incomplete_answer, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_dataplane_soft_expire_rekeys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dataplane_hard_expire_deletes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_half_open_times_out, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
