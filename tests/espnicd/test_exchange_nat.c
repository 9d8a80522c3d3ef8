/* NAT traversal between two daemon cores: force_encap floats to port 4500, and a NAT in front of
 * the initiator (detection, encapsulation ports, keepalives, the mapping followed on new
 * authentic messages only). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exchange.h"

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

/* A sits behind a NAT that maps 198.18.0.1:500 to 198.18.0.99:1500 (and :4500 to :5500); B
 * is configured to accept anyone. Both established. */
static void nat_pair(void)
{
	H->nat = true;
	H->nat_public = "198.18.0.99";
	H->nat_port_offset = 1000;
	assert_int_equal(
	    h_node_add(A_ADDR, peer_a(", \"keepalive_interval\": 5", ""), "s3cret-s3cret-s3cret"),
	    0);
	assert_int_equal(h_node_add(B_ADDR,
				    "{\"listen\": \"" B_ADDR "\", \"peers\": [{\"name\": \"peer\", "
				    "\"remote_addr\": \"%any\", \"local_ts\": "
				    "[\"198.18.2.0/24\"], \"remote_ts\": [\"198.18.1.0/24\"]}]",
				    "s3cret-s3cret-s3cret"),
			 1);
	establish();
}

static void test_nat_traversal(void **state)
{
	const struct dp_child_sa *ca, *cb;

	(void)state;
	nat_pair();
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

static void assert_to(const struct h_packet *p, const char *addr, uint16_t port)
{
	struct sockaddr_storage want;

	assert_non_null(p);
	h_parse_addr(addr, port, &want);
	assert_memory_equal(&((const struct sockaddr_in *)&p->to)->sin_addr,
			    &((struct sockaddr_in *)&want)->sin_addr, 4);
	assert_int_equal(ntohs(((const struct sockaddr_in *)&p->to)->sin_port), port);
}

/* RFC 7296 2.23: B follows A's NAT mapping only on new authentic messages. A request of A
 * replayed from elsewhere is authentic but a retransmission: B answers it where A is, and
 * stays there; when the NAT moves A to another port, A's next request takes B along. */
static void test_nat_mapping_follows_new_messages_only(void **state)
{
	struct dp_event ev = {.type = DP_EVENT_SOFT_EXPIRE};
	struct h_packet request, answer, *p;

	(void)state;
	nat_pair();
	/* A rekeys its CHILD_SA: its request reaches B through the NAT. */
	ev.spi_in = info_of(0, 0).child_spi_in[0];
	assert_int_equal(dp_record_inject_event(H->nodes[0].dp, &ev), 0);
	espnicd_dataplane_events(H->nodes[0].core);
	request = *h_take();
	h_deliver(&request); /* from 198.18.0.99:5500 now */
	answer = *h_take();
	assert_to(&answer, "198.18.0.99", 5500);
	/* The same request replayed from another address and port. */
	h_parse_addr("198.18.0.66", 7777, &request.from);
	h_deliver(&request);
	assert_to(h_take(), "198.18.0.99", 5500); /* the cached answer, to A */
	/* The NAT moves A's 4500 to 6500: A's next request (the Delete of the old pair) is new,
	 * and B's answer follows it. */
	h_deliver(&answer);
	H->nat_port_offset = 2000;
	p = h_take();
	assert_non_null(p);
	h_deliver(p);
	p = h_take();
	assert_to(p, "198.18.0.99", 6500);
	h_deliver(p);
	assert_null(h_take());
	assert_children_match();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    EXCHANGE_TEST(test_force_encap_floats),
	    EXCHANGE_TEST(test_nat_traversal),
	    EXCHANGE_TEST(test_nat_mapping_follows_new_messages_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
