/* Hostile input: truncated, bit-flipped, garbage and crafted datagrams fed to the daemon
 * core at every stage. Each must be dropped or answered, never crash (the tests run under
 * ASan/UBSan) and never disturb an established IKE_SA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "ike_message.h"
#include "ike_types.h"

#define A_ADDR "198.18.0.1"
#define B_ADDR "198.18.0.2"

static const char cfg_a[] = "{\"listen\": \"" A_ADDR "\", \"peers\": [{\"name\": \"peer\", "
			    "\"remote_addr\": \"" B_ADDR "\"}]";
static const char cfg_b[] = "{\"listen\": \"" B_ADDR "\", \"peers\": [{\"name\": \"peer\", "
			    "\"remote_addr\": \"" A_ADDR "\"}]";

static struct h_packet captured[4];
static uint32_t rng = 12345;

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static int setup(void **state)
{
	(void)state;
	h_setup();
	h_node_add(A_ADDR, cfg_a, "k3y-k3y-k3y-k3y-k3y");
	h_node_add(B_ADDR, cfg_b, "k3y-k3y-k3y-k3y-k3y");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
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

/* Runs the four messages of IKE_SA_INIT + IKE_AUTH, keeping copies. */
static void establish_capturing(void)
{
	espnicd_initiate(H->nodes[0].core, "peer");
	for (int i = 0; i < 4; i++) {
		struct h_packet *p = h_take();

		assert_non_null(p);
		captured[i] = *p;
		h_deliver(p);
	}
	assert_int_equal(state_of(0), 4);
	assert_int_equal(state_of(1), 4);
}

static void feed(int node, const struct h_packet *tmpl, const uint8_t *data, size_t len)
{
	struct h_packet p = *tmpl;

	memcpy(p.data, data, len);
	p.len = len;
	espnicd_receive(H->nodes[node].core, &p.to, &p.from, p.data, p.len);
	/* Answers go nowhere: they would only be more input for the other side. */
	while (h_take() != NULL)
		;
}

static void test_truncations_and_bit_flips(void **state)
{
	(void)state;
	establish_capturing();
	for (int m = 0; m < 4; m++) {
		const struct h_packet *c = &captured[m];
		int to = (m % 2 == 0) ? 1 : 0; /* requests to B, responses to A */
		uint8_t buf[8192];

		for (size_t len = 0; len < c->len; len++)
			feed(to, c, c->data, len);
		for (int k = 0; k < 400; k++) {
			memcpy(buf, c->data, c->len);
			for (int f = 0; f < 1 + k % 4; f++)
				buf[next_rand() % c->len] ^= (uint8_t)(1u << (next_rand() % 8));
			feed(to, c, buf, c->len);
		}
	}
	/* The established pair is untouched. */
	assert_int_equal(state_of(0), 4);
	assert_int_equal(h_installed(0), 1);
	assert_int_equal(h_installed(1), 1);
}

static void test_garbage(void **state)
{
	uint8_t buf[2048];

	(void)state;
	establish_capturing();
	for (int k = 0; k < 2000; k++) {
		size_t len = next_rand() % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)next_rand();
		if (len >= 28 && k % 2) {
			/* Plausible header: the established SPIs, right length. */
			memcpy(buf, captured[1].data, 16);
			buf[17] = 0x20;
			buf[24] = (uint8_t)(len >> 24);
			buf[25] = (uint8_t)(len >> 16);
			buf[26] = (uint8_t)(len >> 8);
			buf[27] = (uint8_t)len;
		}
		feed(k % 2, &captured[k % 2], buf, len);
	}
	assert_int_equal(state_of(0), 4);
	assert_int_equal(state_of(1), 4);
}

/* Rewrites the KE payload data of a captured IKE_SA_INIT request. */
static size_t find_payload(const uint8_t *msg, size_t len, uint8_t type)
{
	size_t pos = IKE_HEADER_LEN;
	uint8_t next = msg[16];

	while (pos + 4 <= len) {
		size_t plen = (size_t)((msg[pos + 2] << 8) | msg[pos + 3]);

		if (next == type)
			return pos;
		next = msg[pos];
		pos += plen;
		if (plen < 4)
			break;
	}
	return 0;
}

static void test_bad_ke_values(void **state)
{
	struct h_packet *p, req;
	size_t ke;

	(void)state;
	espnicd_initiate(H->nodes[0].core, "peer");
	p = h_take();
	req = *p;
	ke = find_payload(req.data, req.len, IKE_PAYLOAD_KE);
	assert_true(ke > 0);
	/* X25519 all-zero public value (small-order point): refused, no state. */
	memset(req.data + ke + 8, 0, 32);
	feed(1, &req, req.data, req.len);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	/* A KE payload one octet short breaks the chain: dropped. */
	req = *p;
	req.data[ke + 3]--;
	feed(1, &req, req.data, req.len);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
}

static void test_crafted_headers(void **state)
{
	struct h_packet *p, req;

	(void)state;
	espnicd_initiate(H->nodes[0].core, "peer");
	p = h_take();
	/* Major version 3. */
	req = *p;
	req.data[17] = 0x30;
	feed(1, &req, req.data, req.len);
	/* Non-zero responder SPI in an IKE_SA_INIT request. */
	req = *p;
	req.data[8] = 1;
	feed(1, &req, req.data, req.len);
	/* Message ID 1 in IKE_SA_INIT. */
	req = *p;
	req.data[23] = 1;
	feed(1, &req, req.data, req.len);
	/* Length field larger than the datagram. */
	req = *p;
	req.data[27] += 4;
	feed(1, &req, req.data, req.len);
	/* Unknown critical payload first. */
	req = *p;
	req.data[16] = 99;
	feed(1, &req, req.data, req.len);
	/* An IKE_SA_INIT "response" for an SA nobody has. */
	req = *p;
	req.data[19] |= IKE_FLAG_RESPONSE;
	req.data[19] &= (uint8_t)~IKE_FLAG_INITIATOR;
	feed(0, &req, req.data, req.len);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	/* The genuine request still works afterwards. */
	h_deliver(p);
	h_pump();
	assert_int_equal(state_of(1), 4);
}

static void test_responses_for_other_spis(void **state)
{
	struct h_packet resp;

	(void)state;
	establish_capturing();
	/* The IKE_AUTH response with an unknown initiator SPI. */
	resp = captured[3];
	resp.data[0] ^= 0xff;
	feed(0, &resp, resp.data, resp.len);
	/* The IKE_SA_INIT response replayed after establishment. */
	feed(0, &captured[1], captured[1].data, captured[1].len);
	/* The IKE_SA_INIT request replayed: the same answer at most, no new SA. */
	feed(1, &captured[0], captured[0].data, captured[0].len);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	assert_int_equal(state_of(0), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_truncations_and_bit_flips, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_ke_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crafted_headers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_responses_for_other_spis, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
