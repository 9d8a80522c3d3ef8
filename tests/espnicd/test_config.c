/* Configuration parsing: proposals, traffic selectors, strictness about unknown keys, the
 * PSK file (mode 0600 enforced, hex secrets, no secret in error messages) and the flood
 * limits. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "ike_types.h"

static void test_proposals(void **state)
{
	struct cfg_proposal p;

	(void)state;
	assert_int_equal(config_parse_proposal("aes256gcm16-prfsha256-x25519", false, &p), 0);
	assert_int_equal(p.encr_count, 1);
	assert_int_equal(p.encr[0].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(p.encr[0].bits, 256);
	assert_int_equal(p.prf[0], IKE_PRF_HMAC_SHA2_256);
	assert_int_equal(p.dh[0], IKE_DH_CURVE25519);
	assert_int_equal(p.integ_count, 0);
	/* PRF from the integrity algorithm, as strongSwan does. */
	assert_int_equal(config_parse_proposal("aes128-sha384-ecp384", false, &p), 0);
	assert_int_equal(p.prf[0], IKE_PRF_HMAC_SHA2_384);
	/* ESP: ESN defaults to no; a DH group means PFS. */
	assert_int_equal(config_parse_proposal("aes128gcm16-ecp256", true, &p), 0);
	assert_int_equal(p.esn[0], IKE_ESN_NO);
	assert_int_equal(p.dh[0], IKE_DH_ECP_256);
	/* Refused: unknown names, AEAD with integrity, IKE without DH, PRF in ESP, empty. */
	assert_int_not_equal(config_parse_proposal("aes256gcm16-prfsha256-x448", false, &p), 0);
	assert_int_not_equal(config_parse_proposal("aes256gcm16-sha256-x25519", false, &p), 0);
	assert_int_not_equal(config_parse_proposal("aes256-sha256", false, &p), 0);
	assert_int_not_equal(config_parse_proposal("aes256gcm16-prfsha256", true, &p), 0);
	assert_int_not_equal(config_parse_proposal("aes256", true, &p), 0);
	assert_int_not_equal(config_parse_proposal("", true, &p), 0);
	assert_int_not_equal(config_parse_proposal("-", true, &p), 0);
}

static void test_traffic_selectors(void **state)
{
	struct cfg_ts ts;

	(void)state;
	assert_int_equal(config_parse_ts("198.18.1.77/24", &ts), 0);
	assert_int_equal(ts.family, AF_INET);
	assert_int_equal(ts.start[3], 0);
	assert_int_equal(ts.end[3], 255);
	assert_int_equal(ts.end_port, 65535);
	assert_int_equal(config_parse_ts("198.18.1.1", &ts), 0);
	assert_int_equal(ts.start[3], 1);
	assert_int_equal(ts.end[3], 1);
	assert_int_equal(config_parse_ts("2001:db8::/32", &ts), 0);
	assert_int_equal(ts.family, AF_INET6);
	assert_int_equal(ts.end[4], 0xff);
	assert_int_not_equal(config_parse_ts("198.18.1.0/33", &ts), 0);
	assert_int_not_equal(config_parse_ts("198.18.1.0/", &ts), 0);
	assert_int_not_equal(config_parse_ts("nonsense", &ts), 0);
}

static char psk_path[64];

static void write_psk(const char *content, mode_t mode)
{
	int fd;

	strcpy(psk_path, "/tmp/espnicd-cfg-XXXXXX");
	fd = mkstemp(psk_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	fchmod(fd, mode);
	close(fd);
}

static int parse_with_psk(const char *peers, char *err, size_t err_len, struct espnicd_config **cfg)
{
	char text[1024];

	snprintf(text, sizeof(text), "{\"listen\": \"198.18.0.1\", \"psk_file\": \"%s\", %s}",
		 psk_path, peers);
	return config_parse(text, cfg, err, err_len);
}

static const char one_peer[] = "\"peers\": [{\"name\": \"gw\", \"remote_addr\": \"198.18.0.2\"}]";

static void test_psk_file(void **state)
{
	struct espnicd_config *cfg = NULL;
	char err[256];

	(void)state;
	write_psk("# comment\ngw   top-secret value  \n", 0600);
	assert_int_equal(parse_with_psk(one_peer, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg->peers[0].psk_len, strlen("top-secret value"));
	assert_memory_equal(cfg->peers[0].psk, "top-secret value", cfg->peers[0].psk_len);
	assert_int_equal(ntohs(((struct sockaddr_in *)&cfg->peers[0].remote)->sin_port), 500);
	config_free(cfg);
	unlink(psk_path);

	write_psk("gw 0x00ff10000102030405060708090a0b0c\n", 0600);
	assert_int_equal(parse_with_psk(one_peer, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg->peers[0].psk_len, 16);
	assert_int_equal(cfg->peers[0].psk[1], 0xff);
	config_free(cfg);
	unlink(psk_path);

	/* Shorter than 16 bytes (as text or hex): refused, saying why, without the secret. */
	write_psk("gw fifteen-bytes\n", 0600);
	assert_int_not_equal(parse_with_psk(one_peer, err, sizeof(err), &cfg), 0);
	assert_non_null(strstr(err, "at least 16"));
	assert_non_null(strstr(err, "offline"));
	assert_null(strstr(err, "fifteen"));
	unlink(psk_path);
	write_psk("gw 0x00ff10\n", 0600);
	assert_int_not_equal(parse_with_psk(one_peer, err, sizeof(err), &cfg), 0);
	assert_non_null(strstr(err, "at least 16"));
	unlink(psk_path);

	/* Owned by someone else than root or espnicd's user, even with mode 0600: refused. */
	if (geteuid() == 0) {
		write_psk("gw top-secret value\n", 0600);
		assert_int_equal(chown(psk_path, 4242, 4242), 0);
		assert_int_not_equal(parse_with_psk(one_peer, err, sizeof(err), &cfg), 0);
		assert_non_null(strstr(err, "owned by uid 4242"));
		unlink(psk_path);
	}

	/* Readable by others: refused, and the message does not show the secret. */
	write_psk("gw top-secret value\n", 0644);
	assert_int_not_equal(parse_with_psk(one_peer, err, sizeof(err), &cfg), 0);
	assert_non_null(strstr(err, "0600"));
	assert_null(strstr(err, "top-secret"));
	unlink(psk_path);

	/* No key for a peer: refused. */
	write_psk("other x\n", 0600);
	assert_int_not_equal(parse_with_psk(one_peer, err, sizeof(err), &cfg), 0);
	assert_non_null(strstr(err, "gw"));
	unlink(psk_path);

	/* Bad hex. */
	write_psk("gw 0xzz\n", 0600);
	assert_int_not_equal(parse_with_psk(one_peer, err, sizeof(err), &cfg), 0);
	assert_null(strstr(err, "zz"));
	unlink(psk_path);
}

/* "start": "on-demand" and card_host_if (global default, per-peer override, "" off). */
/* The CHILD_SA volume limits and dpd_probe_mode: defaults, and what is refused. */
static void test_volume_limits_and_dpd_mode(void **state)
{
	struct espnicd_config *cfg = NULL;
	char err[256];

	(void)state;
	write_psk("gw secret-one-of-16b\n", 0600);
	assert_int_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					"\"198.18.0.2\", \"child_life_bytes\": 1000, "
					"\"child_life_packets\": 50, \"child_rekey_packets\": 10, "
					"\"dpd_probe_mode\": \"periodic\"}]",
					err, sizeof(err), &cfg),
			 0);
	assert_int_equal(cfg->peers[0].child_life_bytes, 1000);
	assert_int_equal(cfg->peers[0].child_rekey_bytes, 900);
	assert_int_equal(cfg->peers[0].child_life_packets, 50);
	assert_int_equal(cfg->peers[0].child_rekey_packets, 10);
	assert_int_equal(cfg->peers[0].dpd_mode, CFG_DPD_PERIODIC);
	config_free(cfg);
	assert_int_equal(parse_with_psk(one_peer, err, sizeof(err), &cfg), 0);
	assert_int_equal(cfg->peers[0].child_life_bytes, 0); /* none by default */
	assert_int_equal(cfg->peers[0].dpd_mode, CFG_DPD_ON_DEMAND);
	config_free(cfg);
	assert_int_not_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					    "\"198.18.0.2\", \"child_life_bytes\": 10, "
					    "\"child_rekey_bytes\": 10}]",
					    err, sizeof(err), &cfg),
			     0);
	assert_non_null(strstr(err, "child_rekey_bytes must be below child_life_bytes"));
	assert_int_not_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					    "\"198.18.0.2\", \"child_life_packets\": -1}]",
					    err, sizeof(err), &cfg),
			     0);
	assert_non_null(strstr(err, "child_life_packets"));
	assert_int_not_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					    "\"198.18.0.2\", \"dpd_probe_mode\": \"sometimes\"}]",
					    err, sizeof(err), &cfg),
			     0);
	assert_non_null(strstr(err, "dpd_probe_mode"));
}

/* Transport mode: the selectors are the IKE addresses or none (RFC 4301 4.1); LANs refused,
 * naming local_ts or remote_ts (the check the API shares, config_transport_selectors). */
static void test_transport_selectors(void **state)
{
	struct espnicd_config *cfg = NULL;
	char err[256];

	(void)state;
	write_psk("gw secret-one-of-16b\n", 0600);
	assert_int_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					"\"198.18.0.2\", \"mode\": \"transport\"}]",
					err, sizeof(err), &cfg),
			 0);
	assert_int_equal(cfg->peers[0].mode, DP_MODE_TRANSPORT);
	config_free(cfg);
	assert_int_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					"\"198.18.0.2\", \"mode\": \"transport\", \"local_ts\": "
					"[\"198.18.0.1/32\"], \"remote_ts\": [\"198.18.0.2\"]}]",
					err, sizeof(err), &cfg),
			 0);
	config_free(cfg);
	assert_int_not_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					    "\"198.18.0.2\", \"mode\": \"transport\", "
					    "\"remote_ts\": [\"198.18.2.0/24\"]}]",
					    err, sizeof(err), &cfg),
			     0);
	assert_non_null(strstr(err, "remote_ts: transport mode"));
	assert_non_null(strstr(err, "198.18.0.2/32"));
	assert_int_not_equal(
	    parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
			   "\"198.18.0.2\", \"mode\": \"transport\", "
			   "\"local_ts\": [\"198.18.0.1/32\", \"198.18.1.0/24\"]}]",
			   err, sizeof(err), &cfg),
	    0);
	assert_non_null(strstr(err, "local_ts: transport mode"));
	/* tunnel mode takes networks */
	assert_int_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					"\"198.18.0.2\", \"remote_ts\": [\"198.18.2.0/24\"]}]",
					err, sizeof(err), &cfg),
			 0);
	config_free(cfg);
}

static void test_on_demand_and_host_if(void **state)
{
	struct espnicd_config *cfg = NULL;
	char err[256];

	(void)state;
	write_psk("a secret-one-of-16b\nb secret-two-of-16b\nc secret-three-of-16\n", 0600);
	assert_int_equal(
	    parse_with_psk(
		"\"card_host_if\": \"espnic0\", \"peers\": ["
		"{\"name\": \"a\", \"remote_addr\": \"198.18.0.2\", \"start\": \"on-demand\"},"
		"{\"name\": \"b\", \"remote_addr\": \"198.18.0.3\", \"start\": true, "
		"\"card_host_if\": \"espnic1\"},"
		"{\"name\": \"c\", \"remote_addr\": \"198.18.0.4\", \"card_host_if\": \"\"}]",
		err, sizeof(err), &cfg),
	    0);
	assert_true(cfg->peers[0].on_demand);
	assert_false(cfg->peers[0].start);
	assert_string_equal(cfg->peers[0].host_if, "espnic0");
	assert_true(cfg->peers[1].start);
	assert_false(cfg->peers[1].on_demand);
	assert_string_equal(cfg->peers[1].host_if, "espnic1");
	assert_string_equal(cfg->peers[2].host_if, "");
	assert_string_equal(cfg->exception_if, ""); /* default: the exception path on host_if */
	config_free(cfg);
	assert_int_equal(parse_with_psk("\"card_host_if\": \"espnic0\", \"card_exception_if\": "
					"\"espnic0x\", \"peers\": []",
					err, sizeof(err), &cfg),
			 0);
	assert_string_equal(cfg->exception_if, "espnic0x");
	config_free(cfg);
	/* Refused: another start word, on-demand towards %any, bad interface names. */
	assert_int_not_equal(
	    parse_with_psk("\"peers\": [{\"name\": \"a\", \"remote_addr\": \"198.18.0.2\", "
			   "\"start\": \"later\"}]",
			   err, sizeof(err), &cfg),
	    0);
	assert_non_null(strstr(err, "on-demand"));
	assert_int_not_equal(
	    parse_with_psk("\"peers\": [{\"name\": \"a\", \"remote_addr\": \"%any\", "
			   "\"start\": \"on-demand\"}]",
			   err, sizeof(err), &cfg),
	    0);
	assert_int_not_equal(
	    parse_with_psk("\"peers\": [{\"name\": \"a\", \"remote_addr\": \"198.18.0.2\", "
			   "\"card_host_if\": \"a/b\"}]",
			   err, sizeof(err), &cfg),
	    0);
	assert_non_null(strstr(err, "card_host_if"));
	assert_int_not_equal(
	    parse_with_psk("\"card_host_if\": \"much-too-long-name0\", \"peers\": []", err,
			   sizeof(err), &cfg),
	    0);
	assert_int_not_equal(
	    parse_with_psk("\"card_host_if\": 5, \"peers\": []", err, sizeof(err), &cfg), 0);
	assert_int_not_equal(parse_with_psk("\"card_exception_if\": \"much-too-long-name0\", "
					    "\"peers\": []",
					    err, sizeof(err), &cfg),
			     0);
	assert_non_null(strstr(err, "card_exception_if"));
	assert_int_not_equal(
	    parse_with_psk("\"card_exception_if\": \"a/b\", \"peers\": []", err, sizeof(err), &cfg),
	    0);
	unlink(psk_path);
}

static void test_strictness(void **state)
{
	struct espnicd_config *cfg = NULL;
	char err[256];

	(void)state;
	write_psk("gw key-of-sixteen-bytes\n", 0600);
	assert_int_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					"\"198.18.0.2\", \"dpd_delay\": 30, \"mode\": \"tunnel\", "
					"\"esp_proposals\": [\"aes128gcm16\", \"aes256gcm16\"]}]",
					err, sizeof(err), &cfg),
			 0);
	assert_int_equal(cfg->peers[0].esp_count, 2);
	assert_int_equal(cfg->peers[0].dpd_delay_ms, 30000);
	config_free(cfg);
	/* A typo is an error, not a silently ignored setting. */
	assert_int_not_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					    "\"198.18.0.2\", \"dpd_dealy\": 30}]",
					    err, sizeof(err), &cfg),
			     0);
	assert_non_null(strstr(err, "dpd_dealy"));
	assert_int_not_equal(parse_with_psk("\"peerz\": []", err, sizeof(err), &cfg), 0);
	assert_int_not_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					    "\"not-an-address\"}]",
					    err, sizeof(err), &cfg),
			     0);
	assert_int_not_equal(parse_with_psk("\"peers\": [{\"name\": \"gw\", \"remote_addr\": "
					    "\"198.18.0.2\"}, {\"name\": \"gw\", \"remote_addr\": "
					    "\"198.18.0.3\"}]",
					    err, sizeof(err), &cfg),
			     0);
	assert_int_not_equal(config_parse("[1, 2]", &cfg, err, sizeof(err)), 0);
	assert_int_not_equal(config_parse("{\"listen\": ", &cfg, err, sizeof(err)), 0);
	unlink(psk_path);
}

/* The limits that hold espnicd under a flood: defaults, values, range. */
static void test_flood_limits(void **state)
{
	struct espnicd_config *cfg = NULL;
	char err[256];

	(void)state;
	assert_int_equal(config_parse("{}", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg->half_open_per_source, 64);
	assert_int_equal(cfg->child_sa_max, 64);
	assert_int_equal(cfg->create_child_per_minute, 120);
	config_free(cfg);
	assert_int_equal(config_parse("{\"half_open_per_source\": 5, \"child_sa_max\": 0, "
				      "\"create_child_per_minute\": 1000000}",
				      &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg->half_open_per_source, 5);
	assert_int_equal(cfg->child_sa_max, 0);
	assert_int_equal(cfg->create_child_per_minute, 1000000);
	config_free(cfg);
	assert_int_not_equal(config_parse("{\"child_sa_max\": -1}", &cfg, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "child_sa_max"));
	assert_int_not_equal(
	    config_parse("{\"half_open_per_source\": 1000001}", &cfg, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_proposals),
	    cmocka_unit_test(test_traffic_selectors),
	    cmocka_unit_test(test_psk_file),
	    cmocka_unit_test(test_strictness),
	    cmocka_unit_test(test_volume_limits_and_dpd_mode),
	    cmocka_unit_test(test_on_demand_and_host_if),
	    cmocka_unit_test(test_transport_selectors),
	    cmocka_unit_test(test_flood_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
