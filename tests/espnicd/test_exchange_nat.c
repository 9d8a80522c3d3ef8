/* NAT traversal between two daemon cores: force_encap floats to port 4500, and a NAT in front of
 * the initiator (detection, encapsulation ports, keepalives). */
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

static void test_nat_traversal(void **state)
{
	const struct dp_child_sa *ca, *cb;

	(void)state;
	/* A sits behind a NAT that maps 198.18.0.1:500 to 198.18.0.99:1500 (and :4500 to
	 * :5500); B is configured to accept anyone. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_force_encap_floats, exchange_setup,
					    exchange_teardown),
	    cmocka_unit_test_setup_teardown(test_nat_traversal, exchange_setup, exchange_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
