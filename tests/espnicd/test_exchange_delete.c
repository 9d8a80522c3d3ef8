/* INFORMATIONAL Delete between two daemon cores: on shutdown of either side, a shutdown nobody
 * answers, and a reload that removes the peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exchange.h"

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
	    EXCHANGE_TEST(test_delete_on_shutdown),
	    EXCHANGE_TEST(test_delete_by_responder),
	    EXCHANGE_TEST(test_shutdown_unanswered),
	    EXCHANGE_TEST(test_reload_removes_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
