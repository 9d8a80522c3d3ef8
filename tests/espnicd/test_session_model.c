/* Unit tests of the session-management model and its store: defaults, every validation
 * error with the field it names, system defaults read-only, references and overlaps, the
 * mapping onto a cfg_peer, the swanctl text, and atomic persistence (an interrupted save
 * leaves the previous state loadable, secrets mode 0600). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "certgen.h"
#include "config/creds.h"
#include "ike_message.h"
#include "ike_types.h"
#include "sessions/peer_config.h"
#include "sessions/session_model.h"
#include "sessions/session_store.h"
#include "sessions/tunnel_if.h"

static json_t *J(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	if (j == NULL)
		fail_msg("bad test JSON: %s", err.text);
	return j;
}

/* Writes body into m; returns the status (or the error status) and the error. */
static int put(struct sm_model *m, enum sm_kind k, const char *name, const char *body,
	       enum sm_write mode, struct sm_error *e)
{
	char out[SM_NAME_MAX + 1];
	json_t *b = J(body);
	int ret;

	memset(e, 0, sizeof(*e));
	ret = sm_write(m, k, name, b, mode, out, e);
	json_decref(b);
	return ret < 0 ? e->status : ret;
}

#define SESSION                                                                                    \
	"{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.2\", \"psk\": "                 \
	"\"s3cret-s3cret-s3cret\", "                                                               \
	"\"local_networks\": [\"198.18.1.0/24\"], \"remote_networks\": [\"198.18.2.0/24\"]"

/* A session towards peer with local_net and psk (the remote network is local_net's next /24). */
static int put_psk(struct sm_model *m, const char *name, const char *peer, const char *local_net,
		   const char *psk, struct sm_error *e)
{
	char body[512];
	unsigned a, b, c;

	assert_int_equal(sscanf(local_net, "%u.%u.%u.", &a, &b, &c), 3);
	snprintf(body, sizeof(body),
		 "{\"local_endpoint\": \"ep\", \"peer_address\": \"%s\", \"psk\": \"%s\", "
		 "\"local_networks\": [\"%s\"], \"remote_networks\": [\"%u.%u.%u.0/24\"]}",
		 peer, psk, local_net, a, b, c + 1);
	return put(m, SM_SESSION, name, body, SM_CREATE, e);
}

static void base_model(struct sm_model *m)
{
	struct sm_error e;

	assert_int_equal(sm_model_init(m), 0);
	assert_int_equal(
	    put(m, SM_ENDPOINT, "ep", "{\"local_address\": \"198.18.0.1\"}", SM_CREATE, &e), 201);
}

static void expect_error(struct sm_model *m, enum sm_kind k, const char *name, const char *body,
			 enum sm_write mode, int status, const char *field)
{
	struct sm_error e;
	int got = put(m, k, name, body, mode, &e);

	if (got != status || strcmp(e.field, field) != 0)
		fail_msg("%s: expected %d on \"%s\", got %d on \"%s\" (%s)", body, status, field,
			 got, e.field, e.message);
}

static void test_defaults(void **state)
{
	struct sm_model m;
	struct sm_error e;
	const json_t *ike, *tun, *dpd, *s;

	(void)state;
	base_model(&m);
	ike = sm_get(&m, SM_IKE_PROFILE, SM_DEFAULT_IKE);
	tun = sm_get(&m, SM_TUNNEL_PROFILE, SM_DEFAULT_TUNNEL);
	dpd = sm_get(&m, SM_DPD_PROFILE, SM_DEFAULT_DPD);
	assert_non_null(ike);
	assert_string_equal(json_string_value(json_object_get(ike, "ike_version")), "IKE_V2");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(ike, "encryption_algorithms"), 0)),
	    "AES_128");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(ike, "digest_algorithms"), 0)),
	    "SHA2_256");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ike, "dh_groups"), 0)),
			    "GROUP14");
	assert_int_equal(json_integer_value(json_object_get(ike, "sa_life_time")), 86400);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(tun, "encryption_algorithms"), 0)),
	    "AES_GCM_128");
	assert_true(json_is_true(json_object_get(tun, "enable_perfect_forward_secrecy")));
	assert_int_equal(json_integer_value(json_object_get(tun, "sa_life_time")), 3600);
	assert_string_equal(json_string_value(json_object_get(tun, "df_policy")), "COPY");
	assert_string_equal(json_string_value(json_object_get(dpd, "dpd_probe_mode")), "PERIODIC");
	assert_int_equal(json_integer_value(json_object_get(dpd, "dpd_probe_interval")), 60);
	assert_int_equal(json_integer_value(json_object_get(dpd, "retry_count")), 10);
	assert_int_equal(put(&m, SM_SESSION, "s1", SESSION "}", SM_CREATE, &e), 201);
	s = sm_get(&m, SM_SESSION, "s1");
	assert_true(json_is_true(json_object_get(s, "enabled")));
	assert_string_equal(json_string_value(json_object_get(s, "authentication_mode")), "PSK");
	assert_string_equal(json_string_value(json_object_get(s, "connection_initiation_mode")),
			    "INITIATOR");
	assert_string_equal(json_string_value(json_object_get(s, "ike_profile")), SM_DEFAULT_IKE);
	assert_null(json_object_get(s, "psk")); /* secrets live apart */
	sm_model_free(&m);
}

static void test_validation_errors(void **state)
{
	struct sm_model m;
	char longtext[1100 + 40], longpsk[200];
	struct sm_error e;

	(void)state;
	base_model(&m);
	assert_int_equal(put(&m, SM_SESSION, "s1", SESSION "}", SM_CREATE, &e), 201);
	/* CIDRs */
	expect_error(
	    &m, SM_SESSION, "s2",
	    "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.3\", \"psk\": "
	    "\"x-secret-of-16-bytes\", "
	    "\"local_networks\": [\"198.18.9.0/33\"], \"remote_networks\": [\"198.18.8.0/24\"]}",
	    SM_CREATE, 400, "local_networks[0]");
	expect_error(
	    &m, SM_SESSION, "s2",
	    "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.3\", \"psk\": "
	    "\"x-secret-of-16-bytes\", "
	    "\"local_networks\": [\"198.18.9.1/24\"], \"remote_networks\": [\"198.18.8.0/24\"]}",
	    SM_CREATE, 400, "local_networks[0]");
	expect_error(&m, SM_SESSION, "s2",
		     "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.3\", \"psk\": "
		     "\"x-secret-of-16-bytes\", "
		     "\"local_networks\": [\"198.18.9.0/24\"], \"remote_networks\": [\"banana\"]}",
		     SM_CREATE, 400, "remote_networks[0]");
	/* empty network lists */
	expect_error(&m, SM_SESSION, "s2",
		     "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.3\", \"psk\": "
		     "\"x-secret-of-16-bytes\", "
		     "\"local_networks\": [], \"remote_networks\": [\"198.18.8.0/24\"]}",
		     SM_CREATE, 400, "local_networks");
	expect_error(&m, SM_SESSION, "s2",
		     "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.3\", \"psk\": "
		     "\"x-secret-of-16-bytes\", "
		     "\"local_networks\": [\"198.18.9.0/24\"]}",
		     SM_CREATE, 400, "remote_networks");
	/* overlapping subnets across sessions (same endpoint), and within a list */
	expect_error(
	    &m, SM_SESSION, "s2",
	    "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.3\", \"psk\": "
	    "\"x-secret-of-16-bytes\", "
	    "\"local_networks\": [\"198.18.1.128/25\"], \"remote_networks\": [\"198.18.2.0/23\"]}",
	    SM_CREATE, 409, "remote_networks");
	expect_error(&m, SM_SESSION, "s2",
		     "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.3\", \"psk\": "
		     "\"x-secret-of-16-bytes\", "
		     "\"local_networks\": [\"198.18.9.0/24\", \"198.18.9.128/25\"], "
		     "\"remote_networks\": [\"198.18.8.0/24\"]}",
		     SM_CREATE, 400, "local_networks[1]");
	/* one session per (local endpoint, peer) */
	expect_error(
	    &m, SM_SESSION, "s2",
	    "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.2\", \"psk\": "
	    "\"x-secret-of-16-bytes\", "
	    "\"local_networks\": [\"198.18.9.0/24\"], \"remote_networks\": [\"198.18.8.0/24\"]}",
	    SM_CREATE, 409, "peer_address");
	/* the same local networks towards other remote networks are fine */
	assert_int_equal(put(&m, SM_SESSION, "s3",
			     "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.3\", "
			     "\"psk\": \"x-secret-of-16-bytes\", "
			     "\"local_networks\": [\"198.18.1.0/24\"], \"remote_networks\": "
			     "[\"198.18.3.0/24\"]}",
			     SM_CREATE, &e),
			 201);
	/* PSK too long, too short (the message says why), missing, not a string */
	memset(longpsk, 'k', 129);
	longpsk[129] = '\0';
	assert_int_equal(put_psk(&m, "s4", "198.18.0.4", "198.18.4.0/24", longpsk, &e), 400);
	assert_string_equal(e.field, "psk");
	longpsk[128] = '\0';
	assert_int_equal(put_psk(&m, "s4", "198.18.0.4", "198.18.4.0/24", longpsk, &e), 201);
	longpsk[15] = '\0';
	assert_int_equal(put_psk(&m, "s6", "198.18.0.6", "198.18.10.0/24", longpsk, &e), 400);
	assert_string_equal(e.field, "psk");
	assert_non_null(strstr(e.message, "at least 16 bytes"));
	assert_non_null(strstr(e.message, "offline"));
	longpsk[15] = 'k';
	longpsk[16] = '\0';
	assert_int_equal(put_psk(&m, "s6", "198.18.0.6", "198.18.10.0/24", longpsk, &e), 201);
	expect_error(
	    &m, SM_SESSION, "s5",
	    "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.5\", "
	    "\"local_networks\": [\"198.18.6.0/24\"], \"remote_networks\": [\"198.18.7.0/24\"]}",
	    SM_CREATE, 400, "psk");
	/* unknown references */
	expect_error(
	    &m, SM_SESSION, "s5",
	    "{\"local_endpoint\": \"nope\", \"peer_address\": \"198.18.0.5\", \"psk\": "
	    "\"x-secret-of-16-bytes\", "
	    "\"local_networks\": [\"198.18.6.0/24\"], \"remote_networks\": [\"198.18.7.0/24\"]}",
	    SM_CREATE, 400, "local_endpoint");
	expect_error(
	    &m, SM_SESSION, "s5",
	    "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.5\", \"psk\": "
	    "\"x-secret-of-16-bytes\", "
	    "\"ike_profile\": \"nope\", "
	    "\"local_networks\": [\"198.18.6.0/24\"], \"remote_networks\": [\"198.18.7.0/24\"]}",
	    SM_CREATE, 400, "ike_profile");
	expect_error(
	    &m, SM_SESSION, "s5",
	    "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.5\", \"psk\": "
	    "\"x-secret-of-16-bytes\", "
	    "\"tunnel_profile\": \"nope\", "
	    "\"local_networks\": [\"198.18.6.0/24\"], \"remote_networks\": [\"198.18.7.0/24\"]}",
	    SM_CREATE, 400, "tunnel_profile");
	expect_error(
	    &m, SM_SESSION, "s5",
	    "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.5\", \"psk\": "
	    "\"x-secret-of-16-bytes\", "
	    "\"dpd_profile\": \"nope\", "
	    "\"local_networks\": [\"198.18.6.0/24\"], \"remote_networks\": [\"198.18.7.0/24\"]}",
	    SM_CREATE, 400, "dpd_profile");
	/* duplicate names */
	expect_error(&m, SM_SESSION, "s1", SESSION "}", SM_CREATE, 409, "name");
	expect_error(&m, SM_ENDPOINT, "ep", "{\"local_address\": \"198.18.0.1\"}", SM_CREATE, 409,
		     "name");
	/* description too long */
	memset(longtext, 'd', 1025);
	longtext[1025] = '\0';
	{
		char body[1200];

		snprintf(body, sizeof(body), "{\"description\": \"%s\"}", longtext);
		expect_error(&m, SM_SESSION, "s1", body, SM_MERGE, 400, "description");
		longtext[1024] = '\0';
		snprintf(body, sizeof(body), "{\"description\": \"%s\"}", longtext);
		assert_int_equal(put(&m, SM_SESSION, "s1", body, SM_MERGE, &e), 200);
	}
	/* other fields */
	expect_error(&m, SM_SESSION, "s1", "{\"peer_address\": \"198.18.0\"}", SM_MERGE, 400,
		     "peer_address");
	expect_error(&m, SM_SESSION, "s1", "{\"enabled\": \"yes\"}", SM_MERGE, 400, "enabled");
	expect_error(&m, SM_SESSION, "s1", "{\"connection_initiation_mode\": \"sometimes\"}",
		     SM_MERGE, 400, "connection_initiation_mode");
	expect_error(&m, SM_SESSION, "s1", "{\"unique_ids\": \"maybe\"}", SM_MERGE, 400,
		     "unique_ids");
	expect_error(&m, SM_SESSION, "s1", "{\"peer_id\": \"bad id!\"}", SM_MERGE, 400, "peer_id");
	expect_error(&m, SM_SESSION, "s1", "{\"peer_id\": \"dn:CN=peer, XX=lab\"}", SM_MERGE, 400,
		     "peer_id");
	expect_error(&m, SM_SESSION, "s1", "{\"authentication_mode\": \"CERTIFICATE\"}", SM_MERGE,
		     400, "trusted_ca");
	expect_error(&m, SM_SESSION, "s1", "{\"trusted_ca\": \"x\"}", SM_MERGE, 400, "trusted_ca");
	expect_error(&m, SM_SESSION, "s1", "{\"make_before_break\": false}", SM_MERGE, 400,
		     "make_before_break");
	/* a bare DN is stored with its type */
	assert_int_equal(
	    put(&m, SM_SESSION, "s1", "{\"peer_id\": \"CN=peer, O=lab\"}", SM_MERGE, &e), 200);
	assert_string_equal(
	    json_string_value(json_object_get(sm_get(&m, SM_SESSION, "s1"), "peer_id")),
	    "dn:CN=peer, O=lab");
	expect_error(&m, SM_SESSION, "s1", "{\"colour\": \"blue\"}", SM_MERGE, 400, "colour");
	expect_error(&m, SM_SESSION, "s1", "{\"name\": \"other\"}", SM_MERGE, 400, "name");
	expect_error(&m, SM_SESSION, "bad name", SESSION "}", SM_REPLACE, 400, "name");
	expect_error(&m, SM_SESSION, "ghost", "{}", SM_MERGE, 404, "");
	expect_error(&m, SM_SESSION, "s1", "{\"tags\": [{\"scope\": \"a\"}]}", SM_MERGE, 400,
		     "tags[0]");
	expect_error(&m, SM_SESSION, "s1", "{\"keying_tries\": -1}", SM_MERGE, 400, "keying_tries");
	/* s1 has networks, which a route-based session refuses */
	expect_error(&m, SM_SESSION, "s1", "{\"resource_type\": \"RouteBasedIPSecVpnSession\"}",
		     SM_MERGE, 400, "local_networks");
	assert_int_equal(put(&m, SM_SESSION, "s1",
			     "{\"peer_id\": \"@gw.example.net\", \"unique_ids\": \"never\", "
			     "\"connection_initiation_mode\": \"respond-only\"}",
			     SM_MERGE, &e),
			 200);
	assert_string_equal(json_string_value(json_object_get(sm_get(&m, SM_SESSION, "s1"),
							      "connection_initiation_mode")),
			    "RESPOND_ONLY");
	/* profiles */
	expect_error(&m, SM_IKE_PROFILE, "i1", "{\"ike_version\": \"IKE_V3\"}", SM_CREATE, 400,
		     "ike_version");
	/* IKEv1 phase 1 has no AES-GCM; IKE_FLEX may offer it (for IKEv2). */
	expect_error(&m, SM_IKE_PROFILE, "i1",
		     "{\"ike_version\": \"IKE_V1\", \"encryption_algorithms\": [\"AES_GCM_128\"]}",
		     SM_CREATE, 400, "encryption_algorithms");
	assert_int_equal(put(&m, SM_IKE_PROFILE, "v1",
			     "{\"ike_version\": \"ike_v1\", \"encryption_algorithms\": "
			     "[\"AES_256\"]}",
			     SM_CREATE, &e),
			 201);
	assert_string_equal(
	    json_string_value(json_object_get(sm_get(&m, SM_IKE_PROFILE, "v1"), "ike_version")),
	    "IKE_V1");
	assert_int_equal(put(&m, SM_IKE_PROFILE, "flex",
			     "{\"ike_version\": \"IKE_FLEX\", \"encryption_algorithms\": "
			     "[\"AES_GCM_256\", \"AES_256\"]}",
			     SM_CREATE, &e),
			 201);
	expect_error(&m, SM_IKE_PROFILE, "i1", "{\"encryption_algorithms\": []}", SM_CREATE, 400,
		     "encryption_algorithms");
	expect_error(&m, SM_IKE_PROFILE, "i1", "{\"encryption_algorithms\": [\"DES\"]}", SM_CREATE,
		     400, "encryption_algorithms[0]");
	expect_error(&m, SM_IKE_PROFILE, "i1", "{\"dh_groups\": [\"GROUP14\", \"group14\"]}",
		     SM_CREATE, 400, "dh_groups[1]");
	expect_error(&m, SM_IKE_PROFILE, "i1", "{\"dh_groups\": [\"GROUP2\"]}", SM_CREATE, 400,
		     "dh_groups[0]");
	expect_error(&m, SM_IKE_PROFILE, "i1", "{\"sa_life_time\": 10}", SM_CREATE, 400,
		     "sa_life_time");
	expect_error(&m, SM_TUNNEL_PROFILE, "t1", "{\"digest_algorithms\": [\"SHA1\"]}", SM_CREATE,
		     400, "digest_algorithms");
	expect_error(&m, SM_TUNNEL_PROFILE, "t1",
		     "{\"encryption_algorithms\": [\"AES_256\"], \"digest_algorithms\": []}",
		     SM_CREATE, 400, "digest_algorithms");
	expect_error(&m, SM_TUNNEL_PROFILE, "t1", "{\"df_policy\": \"SET\"}", SM_CREATE, 400,
		     "df_policy");
	expect_error(&m, SM_TUNNEL_PROFILE, "t1", "{\"df_policy\": \"CLEAR\"}", SM_CREATE, 400,
		     "df_policy");
	expect_error(&m, SM_DPD_PROFILE, "d1", "{\"dpd_probe_mode\": \"SOMETIMES\"}", SM_CREATE,
		     400, "dpd_probe_mode");
	expect_error(&m, SM_DPD_PROFILE, "d1", "{\"retry_count\": 0}", SM_CREATE, 400,
		     "retry_count");
	expect_error(&m, SM_ENDPOINT, "ep2", "{}", SM_CREATE, 400, "local_address");
	expect_error(&m, SM_ENDPOINT, "ep2",
		     "{\"local_address\": \"198.18.0.1\", \"psk\": \"x-secret-of-16-bytes\"}",
		     SM_CREATE, 400, "psk");
	/* system defaults cannot be edited or deleted */
	expect_error(&m, SM_IKE_PROFILE, SM_DEFAULT_IKE, "{\"sa_life_time\": 3600}", SM_MERGE, 403,
		     "name");
	expect_error(&m, SM_DPD_PROFILE, SM_DEFAULT_DPD, "{}", SM_REPLACE, 403, "name");
	assert_true(sm_delete(&m, SM_TUNNEL_PROFILE, SM_DEFAULT_TUNNEL, &e) < 0);
	assert_int_equal(e.status, 403);
	/* in use: 409; absent: 404 */
	assert_true(sm_delete(&m, SM_ENDPOINT, "ep", &e) < 0);
	assert_int_equal(e.status, 409);
	assert_true(sm_delete(&m, SM_SESSION, "nope", &e) < 0);
	assert_int_equal(e.status, 404);
	sm_model_free(&m);
}

static void test_disabled_sessions_may_overlap(void **state)
{
	struct sm_model m;
	struct sm_error e;

	(void)state;
	base_model(&m);
	assert_int_equal(put(&m, SM_SESSION, "s1", SESSION ", \"enabled\": false}", SM_CREATE, &e),
			 201);
	assert_int_equal(put(&m, SM_SESSION, "s2", SESSION "}", SM_CREATE, &e), 201);
	expect_error(&m, SM_SESSION, "s1", "{\"enabled\": true}", SM_MERGE, 409, "peer_address");
	sm_model_free(&m);
}

#define ROUTE_BASED                                                                                \
	"{\"resource_type\": \"RouteBasedIPSecVpnSession\", \"local_endpoint\": \"ep\", "          \
	"\"psk\": \"s3cret-s3cret-s3cret\", "

/* Route-based sessions (issue 13): their fields, the refusals naming the field, selectors
 * 0.0.0.0/0 and the VLAN in the core's peer, and the tunnel interface's peer address. */
static void test_route_based(void **state)
{
	struct espnicd_config base;
	struct cfg_peer peer;
	struct sm_model m;
	struct sm_error e;
	uint8_t local[4], remote[4];
	unsigned plen;
	const json_t *s;

	(void)state;
	config_defaults(&base);
	base_model(&m);
	assert_int_equal(put(&m, SM_SESSION, "r1",
			     ROUTE_BASED
			     "\"peer_address\": \"198.18.0.2\", \"vlan\": 10, "
			     "\"tunnel_interface\": \"169.254.10.1/30\", "
			     "\"static_routes\": [\"198.19.2.0/24\"], \"bgp\": "
			     "{\"local_asn\": 65001, \"peer_asn\": 65002, \"announce\": "
			     "[\"198.19.1.0/24\"]}}",
			     SM_CREATE, &e),
			 201);
	s = sm_get(&m, SM_SESSION, "r1");
	assert_int_equal(json_integer_value(json_object_get(s, "vlan")), 10);
	assert_string_equal(json_string_value(json_object_get(s, "tunnel_interface_name")), "");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(s, "bgp"), "hold_down_time")), 180);
	assert_int_equal(sm_session_peer(&m, "r1", &base, &peer, &e), 0);
	assert_int_equal(peer.vlan, 10);
	assert_int_equal(peer.local_ts_count, 1);
	assert_int_equal(peer.remote_ts_count, 1);
	assert_int_equal(peer.local_ts[0].family, AF_INET);
	assert_memory_equal(peer.remote_ts[0].start, "\0\0\0\0", 4);
	assert_memory_equal(peer.remote_ts[0].end, "\xff\xff\xff\xff", 4);
	assert_string_equal(peer.host_if, "");
	config_peer_release(&peer);

	static const struct {
		const char *body, *field;
	} bad[] = {
	    {ROUTE_BASED
	     "\"peer_address\": \"198.18.0.3\", \"tunnel_interface\": \"169.254.11.1/30\"}",
	     "vlan"},
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 4095, "
			 "\"tunnel_interface\": \"169.254.11.1/30\"}",
	     "vlan"},
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 11}", "tunnel_interface"},
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 11, "
			 "\"tunnel_interface\": \"169.254.11.0/30\"}",
	     "tunnel_interface"},
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 11, "
			 "\"tunnel_interface\": \"169.254.11.1/24\"}",
	     "tunnel_interface"},
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 11, "
			 "\"tunnel_interface\": \"2001:db8::1/127\"}",
	     "tunnel_interface"},
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 11, "
			 "\"tunnel_interface\": \"169.254.11.1/30\", \"remote_networks\": "
			 "[\"198.19.0.0/24\"]}",
	     "remote_networks"},
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 11, "
			 "\"tunnel_interface\": \"169.254.11.1/30\", \"static_routes\": [\"x\"]}",
	     "static_routes[0]"},
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 11, "
			 "\"tunnel_interface\": \"169.254.11.1/30\", \"bgp\": {\"local_asn\": 1}}",
	     "bgp.peer_asn"},
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 11, "
			 "\"tunnel_interface\": \"169.254.11.1/30\", \"bgp\": {\"local_asn\": 1, "
			 "\"peer_asn\": 2, \"hold_down_time\": 1}}",
	     "bgp.hold_down_time"},
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 11, "
			 "\"tunnel_interface\": \"169.254.11.1/30\", \"bgp\": {\"local_asn\": 2, "
			 "\"peer_asn\": 3}}",
	     "bgp.local_asn"},
	    /* VLAN 10 is r1's tunnel interface */
	    {ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 10, "
			 "\"tunnel_interface\": \"169.254.11.1/30\"}",
	     "vlan"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(&m, SM_SESSION, "r2", bad[i].body, SM_CREATE, 400, bad[i].field);
	assert_true(tunnel_if_peer_address("169.254.10.1/30", local, &plen, remote));
	assert_int_equal(plen, 30);
	assert_memory_equal(remote, "\xa9\xfe\x0a\x02", 4);
	assert_true(tunnel_if_peer_address("169.254.10.5/31", local, &plen, remote));
	assert_memory_equal(remote, "\xa9\xfe\x0a\x04", 4);
	assert_false(tunnel_if_peer_address("169.254.10.1/29", local, &plen, remote));
	{
		char ifname[DP_IFNAME_MAX];

		tunnel_if_name(s, "espnic0", ifname);
		assert_string_equal(ifname, "espnic0.10");
	}
	/* Redundant tunnels to one site: the same endpoint pair is a conflict (409), another
	 * peer address or another local endpoint is a second tunnel. */
	expect_error(&m, SM_SESSION, "r2",
		     ROUTE_BASED "\"peer_address\": \"198.18.0.2\", \"vlan\": 11, "
				 "\"tunnel_interface\": \"169.254.11.1/30\"}",
		     SM_CREATE, 409, "peer_address");
	assert_int_equal(put(&m, SM_SESSION, "r2",
			     ROUTE_BASED "\"peer_address\": \"198.18.0.3\", \"vlan\": 11, "
					 "\"tunnel_interface\": \"169.254.11.1/30\"}",
			     SM_CREATE, &e),
			 201);
	assert_int_equal(
	    put(&m, SM_ENDPOINT, "ep2", "{\"local_address\": \"198.18.0.4\"}", SM_CREATE, &e), 201);
	assert_int_equal(
	    put(&m, SM_SESSION, "r3",
		"{\"resource_type\": \"RouteBasedIPSecVpnSession\", \"local_endpoint\": "
		"\"ep2\", \"psk\": \"s3cret-s3cret-s3cret\", \"peer_address\": "
		"\"198.18.0.2\", \"vlan\": 12, \"tunnel_interface\": \"169.254.12.1/30\"}",
		SM_CREATE, &e),
	    201);

	sm_model_free(&m);
}

static void test_peer_mapping(void **state)
{
	struct espnicd_config base;
	struct cfg_peer peer;
	struct sm_model m;
	struct sm_error e;

	(void)state;
	config_defaults(&base);
	base_model(&m);
	assert_int_equal(put(&m, SM_IKE_PROFILE, "ike2",
			     "{\"encryption_algorithms\": [\"AES_GCM_256\", \"AES_256\"], "
			     "\"digest_algorithms\": [\"SHA2_384\"], \"dh_groups\": [\"GROUP20\", "
			     "\"GROUP31\"], \"sa_life_time\": 7200}",
			     SM_CREATE, &e),
			 201);
	assert_int_equal(put(&m, SM_TUNNEL_PROFILE, "t2",
			     "{\"encryption_algorithms\": [\"AES_GCM_256\"], "
			     "\"enable_perfect_forward_secrecy\": false, \"sa_life_time\": 1800}",
			     SM_CREATE, &e),
			 201);
	assert_int_equal(
	    put(&m, SM_DPD_PROFILE, "d2", "{\"dpd_probe_interval\": 15}", SM_CREATE, &e), 201);
	assert_int_equal(put(&m, SM_SESSION, "s1",
			     SESSION ", \"ike_profile\": \"ike2\", \"tunnel_profile\": \"t2\", "
				     "\"dpd_profile\": \"d2\", \"margin_time\": 300, "
				     "\"force_udp_encapsulation\": true}",
			     SM_CREATE, &e),
			 201);
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_string_equal(peer.name, "s1");
	assert_int_equal(peer.psk_len, 20);
	assert_memory_equal(peer.psk, "s3cret-s3cret-s3cret", 20);
	assert_string_equal(peer.remote_id, "198.18.0.2");
	assert_int_equal(peer.ike_count, 2); /* the AEAD and the CBC proposal */
	assert_int_equal(peer.ike[0].encr[0].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(peer.ike[0].prf[0], IKE_PRF_HMAC_SHA2_384);
	assert_int_equal(peer.ike[0].dh_count, 2);
	assert_int_equal(peer.ike[1].encr[0].id, IKE_ENCR_AES_CBC);
	assert_int_equal(peer.ike[1].integ[0], IKE_INTEG_HMAC_SHA2_384_192);
	assert_int_equal(peer.esp_count, 1);
	assert_int_equal(peer.esp[0].dh_count, 0); /* no PFS */
	assert_int_equal(peer.local_ts_count, 1);
	assert_int_equal(peer.remote_ts_count, 1);
	assert_true(peer.start);
	assert_true(peer.force_encap);
	assert_int_equal(peer.ike_rekey_ms, (7200 - 300) * 1000);
	assert_int_equal(peer.child_rekey_ms, (1800 - 300) * 1000);
	assert_int_equal(peer.child_life_ms, 1800 * 1000);
	assert_int_equal(peer.dpd_delay_ms, 15000);
	assert_int_equal(peer.dpd_mode, CFG_DPD_PERIODIC); /* the profile's default */
	assert_int_equal(peer.dpd_action, CFG_DPD_CLEAR);  /* RESTART: the supervisor's retry */
	assert_false(peer.on_demand);
	/* on demand with DPD ON_DEMAND and HOLD: traps, idle-only checks, held on a dead peer */
	assert_int_equal(put(&m, SM_DPD_PROFILE, "d2",
			     "{\"dpd_probe_mode\": \"ON_DEMAND\", \"dpd_action\": \"HOLD\"}",
			     SM_MERGE, &e),
			 200);
	assert_int_equal(put(&m, SM_SESSION, "s1",
			     "{\"connection_initiation_mode\": \"ON_DEMAND\"}", SM_MERGE, &e),
			 200);
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_true(peer.on_demand);
	assert_false(peer.start);
	assert_int_equal(peer.dpd_mode, CFG_DPD_ON_DEMAND);
	assert_int_equal(peer.dpd_action, CFG_DPD_HOLD);
	/* FIPS takes a PSK; its profiles replace the session's when given with it */
	expect_error(&m, SM_SESSION, "s1", "{\"compliance_suite\": \"FIPS\"}", SM_MERGE, 400,
		     "ike_profile"); /* s1 has its own profiles: not silently replaced */
	expect_error(
	    &m, SM_SESSION, "s1",
	    "{\"compliance_suite\": \"PRIME\", \"ike_profile\": \"espnic-prime-ike-profile\", "
	    "\"tunnel_profile\": \"espnic-prime-tunnel-profile\"}",
	    SM_MERGE, 400, "authentication_mode");
	/* no time limit, a packet limit: the card's volume limit drives the rekey */
	assert_int_equal(put(&m, SM_TUNNEL_PROFILE, "t2",
			     "{\"sa_life_time\": 0, \"sa_life_packets\": 1000}", SM_MERGE, &e),
			 200);
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_int_equal(peer.child_life_ms, 0);
	assert_int_equal(peer.child_rekey_ms, 0);
	assert_int_equal(peer.child_life_packets, 1000);
	assert_int_equal(peer.child_rekey_packets, 900);
	assert_int_equal(peer.child_life_bytes, 0);
	expect_error(&m, SM_TUNNEL_PROFILE, "t2", "{\"sa_life_time\": 30}", SM_MERGE, 400,
		     "sa_life_time");
	expect_error(&m, SM_TUNNEL_PROFILE, "t2", "{\"sa_life_bytes\": -1}", SM_MERGE, 400,
		     "sa_life_bytes");
	/* rekey off, respond only */
	assert_int_equal(put(&m, SM_SESSION, "s1",
			     "{\"rekey\": false, \"connection_initiation_mode\": \"RESPOND_ONLY\"}",
			     SM_MERGE, &e),
			 200);
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_int_equal(peer.child_rekey_ms, 0);
	assert_false(peer.start);
	assert_false(peer.on_demand);
	assert_int_equal(peer.dpd_action, CFG_DPD_CLEAR); /* nobody to hold for */
	assert_int_equal(peer.version, 2);
	/* an IKE_V1 profile makes an IKEv1 peer */
	assert_int_equal(put(&m, SM_IKE_PROFILE, "ike1",
			     "{\"ike_version\": \"IKE_V1\", \"encryption_algorithms\": "
			     "[\"AES_256\"]}",
			     SM_CREATE, &e),
			 201);
	assert_int_equal(put(&m, SM_SESSION, "s1", "{\"ike_profile\": \"ike1\"}", SM_MERGE, &e),
			 200);
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_int_equal(peer.version, 1);
	/* a listen address that is not the endpoint's */
	{
		struct sockaddr_in *sin = (struct sockaddr_in *)&base.listen;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(0xc6120009);
	}
	assert_true(sm_session_peer(&m, "s1", &base, &peer, &e) < 0);
	assert_string_equal(e.field, "local_address");
	sm_model_free(&m);
}

/* Transport mode (tunnel profile encapsulation_mode TRANSPORT_MODE): the networks must be the
 * two IKE addresses (RFC 4301 4.1; the configuration file's check, config_transport_selectors),
 * 400 naming the list at fault, whichever object is written; the peer gets DP_MODE_TRANSPORT
 * and the swanctl text "mode = transport". */
static void test_transport_mode(void **state)
{
	struct espnicd_config base;
	struct cfg_peer peer;
	struct sm_model m;
	struct sm_error e;
	char *text;

	(void)state;
	config_defaults(&base);
	base_model(&m);
	assert_int_equal(put(&m, SM_TUNNEL_PROFILE, "tr",
			     "{\"encapsulation_mode\": \"TRANSPORT_MODE\"}", SM_CREATE, &e),
			 201);
	expect_error(&m, SM_TUNNEL_PROFILE, "bad", "{\"encapsulation_mode\": \"BEET_MODE\"}",
		     SM_CREATE, 400, "encapsulation_mode");
	/* LAN selectors refused, naming the list */
	expect_error(&m, SM_SESSION, "s1", SESSION ", \"tunnel_profile\": \"tr\"}", SM_CREATE, 400,
		     "local_networks");
	assert_int_equal(
	    put(&m, SM_SESSION, "s1",
		"{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.2\", \"psk\": "
		"\"s3cret-s3cret-s3cret\", \"tunnel_profile\": \"tr\", "
		"\"local_networks\": [\"198.18.0.1/32\"], \"remote_networks\": "
		"[\"198.18.2.0/24\"]}",
		SM_CREATE, &e),
	    400);
	assert_string_equal(e.field, "remote_networks");

	assert_non_null(strstr(e.message, "RFC 4301"));
	/* even a disabled session */
	expect_error(&m, SM_SESSION, "s1",
		     SESSION ", \"tunnel_profile\": \"tr\", \"enabled\": false}", SM_CREATE, 400,
		     "local_networks");
	/* the IKE addresses: accepted */
	assert_int_equal(put(&m, SM_SESSION, "s1",
			     "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.2\", "
			     "\"psk\": \"s3cret-s3cret-s3cret\", \"tunnel_profile\": \"tr\", "
			     "\"local_networks\": [\"198.18.0.1/32\"], \"remote_networks\": "
			     "[\"198.18.0.2/32\"]}",
			     SM_CREATE, &e),
			 201);
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_int_equal(peer.mode, DP_MODE_TRANSPORT);
	text = peer_config_swanctl(&m, "s1", &e);
	assert_non_null(text);
	assert_non_null(strstr(text, "mode = transport"));
	free(text);
	/* a tunnel-mode session with LANs; switching its profile to transport is refused (the
	 * session's list named), the profile unchanged */
	assert_int_equal(put(&m, SM_TUNNEL_PROFILE, "tun", "{}", SM_CREATE, &e), 201);
	assert_int_equal(put(&m, SM_SESSION, "s2",
			     "{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.3\", "
			     "\"psk\": \"s3cret-s3cret-s3cret\", \"tunnel_profile\": \"tun\", "
			     "\"local_networks\": [\"198.18.1.0/24\"], \"remote_networks\": "
			     "[\"198.18.3.0/24\"]}",
			     SM_CREATE, &e),
			 201);
	text = peer_config_swanctl(&m, "s2", &e);
	assert_non_null(strstr(text, "mode = tunnel"));
	free(text);
	expect_error(&m, SM_TUNNEL_PROFILE, "tun", "{\"encapsulation_mode\": \"transport_mode\"}",
		     SM_MERGE, 400, "local_networks");
	assert_string_equal(json_string_value(json_object_get(sm_get(&m, SM_TUNNEL_PROFILE, "tun"),
							      "encapsulation_mode")),
			    "TUNNEL_MODE");
	sm_model_free(&m);
}

/* tcp_mss_clamping: NONE by default; direction and size checked, the error naming the
 * field; onto the cfg_peer as the DP_MSS_* directions and the size (0: automatic). */
static void test_tcp_mss_clamping(void **state)
{
	struct espnicd_config base;
	struct cfg_peer peer;
	struct sm_model m;
	struct sm_error e;
	const json_t *mss;

	(void)state;
	config_defaults(&base);
	base_model(&m);
	assert_int_equal(put(&m, SM_SESSION, "s1", SESSION "}", SM_CREATE, &e), 201);
	mss = json_object_get(sm_get(&m, SM_SESSION, "s1"), "tcp_mss_clamping");
	assert_string_equal(json_string_value(json_object_get(mss, "direction")), "NONE");
	assert_null(json_object_get(mss, "max_segment_size"));
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_int_equal(peer.mss_dirs, 0);

	expect_error(&m, SM_SESSION, "s1", "{\"tcp_mss_clamping\": \"BOTH\"}", SM_MERGE, 400,
		     "tcp_mss_clamping");
	expect_error(&m, SM_SESSION, "s1", "{\"tcp_mss_clamping\": {\"direction\": \"UP\"}}",
		     SM_MERGE, 400, "tcp_mss_clamping.direction");
	expect_error(&m, SM_SESSION, "s1",
		     "{\"tcp_mss_clamping\": {\"direction\": \"BOTH\", \"max_segment_size\": 107}}",
		     SM_MERGE, 400, "tcp_mss_clamping.max_segment_size");
	expect_error(
	    &m, SM_SESSION, "s1",
	    "{\"tcp_mss_clamping\": {\"direction\": \"BOTH\", \"max_segment_size\": 8903}}",
	    SM_MERGE, 400, "tcp_mss_clamping.max_segment_size");
	expect_error(
	    &m, SM_SESSION, "s1",
	    "{\"tcp_mss_clamping\": {\"direction\": \"BOTH\", \"max_segment_size\": \"1300\"}}",
	    SM_MERGE, 400, "tcp_mss_clamping.max_segment_size");
	expect_error(&m, SM_SESSION, "s1", "{\"tcp_mss_clamping\": {\"mss\": 1300}}", SM_MERGE, 400,
		     "tcp_mss_clamping");

	assert_int_equal(put(&m, SM_SESSION, "s1",
			     "{\"tcp_mss_clamping\": {\"direction\": \"outbound-mss\", "
			     "\"max_segment_size\": 1300}}",
			     SM_MERGE, &e),
			 200);
	mss = json_object_get(sm_get(&m, SM_SESSION, "s1"), "tcp_mss_clamping");
	assert_string_equal(json_string_value(json_object_get(mss, "direction")), "OUTBOUND_MSS");
	assert_int_equal(json_integer_value(json_object_get(mss, "max_segment_size")), 1300);
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_int_equal(peer.mss_dirs, DP_MSS_OUT);
	assert_int_equal(peer.mss_value, 1300);

	/* automatic: no size */
	assert_int_equal(put(&m, SM_SESSION, "s1",
			     "{\"tcp_mss_clamping\": {\"direction\": \"BOTH\", "
			     "\"max_segment_size\": 108}}",
			     SM_MERGE, &e),
			 200);
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_int_equal(peer.mss_dirs, DP_MSS_IN | DP_MSS_OUT);
	assert_int_equal(peer.mss_value, 108);
	assert_int_equal(put(&m, SM_SESSION, "s1",
			     "{\"tcp_mss_clamping\": {\"direction\": \"INBOUND_MSS\"}}", SM_MERGE,
			     &e),
			 200);
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_int_equal(peer.mss_dirs, DP_MSS_IN);
	assert_int_equal(peer.mss_value, 0);
	sm_model_free(&m);
}

static void test_swanctl(void **state)
{
	struct sm_model m;
	struct sm_error e;
	char *text;

	(void)state;
	base_model(&m);
	assert_int_equal(put(&m, SM_SESSION, "s.1", SESSION "}", SM_CREATE, &e), 201);
	text = peer_config_swanctl(&m, "s.1", &e);
	assert_non_null(text);
	assert_non_null(strstr(text, "local_addrs = 198.18.0.2"));
	assert_non_null(strstr(text, "remote_addrs = 198.18.0.1"));
	assert_non_null(strstr(text, "proposals = aes128-sha256-modp2048"));
	assert_non_null(strstr(text, "esp_proposals = aes128gcm16-modp2048"));
	assert_non_null(strstr(text, "local_ts = 198.18.2.0/24"));
	assert_non_null(strstr(text, "remote_ts = 198.18.1.0/24"));
	assert_non_null(strstr(text, "s_1 {"));
	assert_null(strstr(text, "s3cret-s3cret-s3cret"));
	assert_non_null(strstr(text, PEER_CONFIG_PSK_PLACEHOLDER));
	assert_non_null(strstr(text, "--psk-file"));
	assert_non_null(strstr(text, "version = 2"));
	free(text);
	/* IKE_V1: swanctl's version = 1 */
	assert_int_equal(put(&m, SM_IKE_PROFILE, "ike1",
			     "{\"ike_version\": \"IKE_V1\", \"encryption_algorithms\": "
			     "[\"AES_256\"]}",
			     SM_CREATE, &e),
			 201);
	assert_int_equal(put(&m, SM_SESSION, "s.1", "{\"ike_profile\": \"ike1\"}", SM_MERGE, &e),
			 200);
	text = peer_config_swanctl(&m, "s.1", &e);
	assert_non_null(text);
	assert_non_null(strstr(text, "version = 1"));
	assert_non_null(strstr(text, "proposals = aes256-sha256-modp2048"));
	free(text);
	assert_null(peer_config_swanctl(&m, "nope", &e));
	assert_int_equal(e.status, 404);
	sm_model_free(&m);
}

/* ---- certificates ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* body = {key: text, ...} built with jansson (PEM has newlines). */
static int put_json(struct sm_model *m, enum sm_kind k, const char *name, json_t *b,
		    enum sm_write mode, struct sm_error *e)
{
	char out[SM_NAME_MAX + 1];
	int ret;

	memset(e, 0, sizeof(*e));
	ret = sm_write(m, k, name, b, mode, out, e);
	json_decref(b);
	return ret < 0 ? e->status : ret;
}

static void expect_json_error(struct sm_model *m, enum sm_kind k, const char *name, json_t *b,
			      enum sm_write mode, int status, const char *field)
{
	struct sm_error e;
	int got = put_json(m, k, name, b, mode, &e);

	if (got != status || strcmp(e.field, field) != 0)
		fail_msg("expected %d on \"%s\", got %d on \"%s\" (%s)", status, field, got,
			 e.field, e.message);
}

/* Whether c refuses t's certificate as revoked (the chain is checked before the AUTH, so a
 * dummy AUTH does). */
static bool refused_as_revoked(struct creds *c, const struct tcert *t)
{
	struct ike_message *msg = calloc(1, sizeof(*msg));
	unsigned char *der = NULL;
	int len = i2d_X509(t->cert, &der);
	uint8_t auth[8] = {0}, id[1] = {'x'};
	struct ike_payload *p;
	char why[256];

	assert_non_null(msg);
	assert_true(len > 0);
	p = &msg->payloads[msg->payload_count++];
	p->type = IKE_PAYLOAD_CERT;
	p->u.cert.encoding = 4; /* X.509 signature */
	p->u.cert.data = (struct ike_span){der, (size_t)len};
	assert_int_equal(creds_verify_peer(c, msg, IKE_ID_FQDN, (struct ike_span){id, 1}, 14,
					   (struct ike_span){auth, sizeof(auth)},
					   (struct ike_span){auth, 1}, why, sizeof(why)),
			 -EKEYREJECTED);
	OPENSSL_free(der);
	free(msg);
	return strstr(why, "certificate revoked") != NULL;
}

static void test_certificates(void **state)
{
	struct tcert ca, gw, other;
	char tdir[256], *ca_pem, *gw_pem, *gw_key, *other_key, *text;
	struct espnicd_config base;
	struct cfg_peer peer;
	struct sm_model m;
	struct sm_error e;
	json_t *pub;

	(void)state;
	tcert_mkdir(tdir, sizeof(tdir));
	tcert_make(&ca, tdir, "ca", "p256", "C=CH,O=espnic,CN=unit CA", NULL, NULL, 1, -1, 30);
	tcert_make(&gw, tdir, "gw", "p256", "C=CH,O=espnic,CN=gw1", "DNS:gw1.espnic.example", &ca,
		   0, -1, 30);
	tcert_make(&other, tdir, "other", "p256", "C=CH,O=espnic,CN=other", NULL, &ca, 0, -1, 30);
	ca_pem = slurp(ca.cert_path);
	gw_pem = slurp(gw.cert_path);
	gw_key = slurp(gw.key_path);
	other_key = slurp(other.key_path);
	config_defaults(&base);
	assert_int_equal(sm_model_init(&m), 0);

	/* the endpoint: certificate and private key, both or neither, matching */
	expect_json_error(
	    &m, SM_ENDPOINT, "ep",
	    json_pack("{s:s, s:s}", "local_address", "198.18.0.1", "certificate", "garbage"),
	    SM_CREATE, 400, "certificate");
	expect_json_error(
	    &m, SM_ENDPOINT, "ep",
	    json_pack("{s:s, s:s}", "local_address", "198.18.0.1", "certificate",
		      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
	    SM_CREATE, 400, "certificate");
	expect_json_error(
	    &m, SM_ENDPOINT, "ep",
	    json_pack("{s:s, s:s}", "local_address", "198.18.0.1", "certificate", gw_pem),
	    SM_CREATE, 400, "private_key");
	expect_json_error(
	    &m, SM_ENDPOINT, "ep",
	    json_pack("{s:s, s:s}", "local_address", "198.18.0.1", "private_key", gw_key),
	    SM_CREATE, 400, "certificate");
	expect_json_error(&m, SM_ENDPOINT, "ep",
			  json_pack("{s:s, s:s, s:s}", "local_address", "198.18.0.1", "certificate",
				    gw_pem, "private_key", other_key),
			  SM_CREATE, 400, "private_key");
	expect_json_error(&m, SM_ENDPOINT, "ep",
			  json_pack("{s:s, s:s, s:s}", "local_address", "198.18.0.1", "certificate",
				    gw_pem, "private_key", "not a key"),
			  SM_CREATE, 400, "private_key");
	assert_null(sm_get(&m, SM_ENDPOINT, "ep")); /* nothing half-applied */
	assert_int_equal(put_json(&m, SM_ENDPOINT, "ep",
				  json_pack("{s:s, s:s, s:s}", "local_address", "198.18.0.1",
					    "certificate", gw_pem, "private_key", gw_key),
				  SM_CREATE, &e),
			 201);
	/* the key is a secret: never in the object, the public view or config.json */
	pub = sm_public(&m, SM_ENDPOINT, sm_get(&m, SM_ENDPOINT, "ep"));
	assert_true(json_is_true(json_object_get(pub, "private_key_configured")));
	assert_null(json_object_get(pub, "private_key"));
	text = json_dumps(pub, 0);
	assert_null(strstr(text, "PRIVATE KEY"));
	free(text);
	json_decref(pub);
	pub = sm_persistent(&m);
	text = json_dumps(pub, 0);
	assert_null(strstr(text, "PRIVATE KEY"));
	free(text);
	json_decref(pub);
	/* a PATCH without the key keeps it; another certificate without its key is refused */
	assert_int_equal(put(&m, SM_ENDPOINT, "ep", "{\"description\": \"x\"}", SM_MERGE, &e), 200);
	{
		char *other_pem = slurp(other.cert_path);

		expect_json_error(&m, SM_ENDPOINT, "ep",
				  json_pack("{s:s}", "certificate", other_pem), SM_MERGE, 400,
				  "private_key");
		free(other_pem);
	}

	/* the session */
	expect_json_error(&m, SM_SESSION, "s1",
			  json_pack("{s:s, s:s, s:s, s:[s], s:[s], s:s}", "local_endpoint", "ep",
				    "peer_address", "198.18.0.2", "authentication_mode",
				    "certificate", "local_networks", "198.18.1.0/24",
				    "remote_networks", "198.18.2.0/24", "local_id",
				    "dn:C=CH, O=espnic, CN=someone else"),
			  SM_CREATE, 400, "trusted_ca");
	expect_json_error(&m, SM_SESSION, "s1",
			  json_pack("{s:s, s:s, s:s, s:[s], s:[s], s:s, s:s}", "local_endpoint",
				    "ep", "peer_address", "198.18.0.2", "authentication_mode",
				    "certificate", "local_networks", "198.18.1.0/24",
				    "remote_networks", "198.18.2.0/24", "local_id",
				    "dn:C=CH, O=espnic, CN=someone else", "trusted_ca", ca_pem),
			  SM_CREATE, 400, "local_id");
	expect_json_error(&m, SM_SESSION, "s1",
			  json_pack("{s:s, s:s, s:s, s:[s], s:[s], s:s, s:s}", "local_endpoint",
				    "ep", "peer_address", "198.18.0.2", "authentication_mode",
				    "certificate", "local_networks", "198.18.1.0/24",
				    "remote_networks", "198.18.2.0/24", "trusted_ca", ca_pem, "psk",
				    "x"),
			  SM_CREATE, 400, "psk");
	assert_int_equal(
	    put_json(&m, SM_SESSION, "s1",
		     json_pack("{s:s, s:s, s:s, s:[s], s:[s], s:s, s:s, s:s}", "local_endpoint",
			       "ep", "peer_address", "198.18.0.2", "authentication_mode",
			       "certificate", "local_networks", "198.18.1.0/24", "remote_networks",
			       "198.18.2.0/24", "trusted_ca", ca_pem, "local_id",
			       "C=CH, O=espnic, CN=gw1", "peer_id", "fqdn:gw2.espnic.example"),
		     SM_CREATE, &e),
	    201);
	/* the stored key stays on PUT (like a PSK): a certificate must stay with it */
	expect_error(&m, SM_ENDPOINT, "ep", "{\"local_address\": \"198.18.0.1\"}", SM_REPLACE, 400,
		     "certificate");
	/* a subjectAltName proves an identity too */
	assert_int_equal(
	    put(&m, SM_SESSION, "s1", "{\"local_id\": \"gw1.espnic.example\"}", SM_MERGE, &e), 200);
	assert_int_equal(put(&m, SM_SESSION, "s1", "{\"local_id\": \"dn:CN=gw1, O=espnic, C=CH\"}",
			     SM_MERGE, &e),
			 400);
	assert_string_equal(e.field, "local_id");

	/* compliance suites: Suite-B-GCM-128 takes our P-256 certificate and sets its profiles;
	 * another suite with them, or one wanting another key, is refused by field */
	assert_int_equal(
	    put(&m, SM_SESSION, "s1", "{\"compliance_suite\": \"suite-b-gcm-128\"}", SM_MERGE, &e),
	    200);
	assert_string_equal(
	    json_string_value(json_object_get(sm_get(&m, SM_SESSION, "s1"), "ike_profile")),
	    "espnic-suite-b-gcm-128-ike-profile");
	assert_string_equal(
	    json_string_value(json_object_get(sm_get(&m, SM_SESSION, "s1"), "tunnel_profile")),
	    "espnic-suite-b-gcm-128-tunnel-profile");
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_int_equal(peer.esp[0].encr[0].id, IKE_ENCR_AES_GCM_16);
	assert_int_equal(peer.esp[0].dh[0], IKE_DH_ECP_256);
	creds_unref(peer.creds);
	expect_error(&m, SM_SESSION, "s1", "{\"compliance_suite\": \"SUITE_B_GCM_256\"}", SM_MERGE,
		     400, "ike_profile");
	expect_error(
	    &m, SM_SESSION, "s1",
	    "{\"compliance_suite\": \"CNSA\", \"ike_profile\": \"espnic-cnsa-ike-profile\", "
	    "\"tunnel_profile\": \"espnic-cnsa-tunnel-profile\"}",
	    SM_MERGE, 400, "local_endpoint");
	expect_error(&m, SM_SESSION, "s1", "{\"compliance_suite\": \"TOP_SECRET\"}", SM_MERGE, 400,
		     "compliance_suite");
	expect_error(&m, SM_IKE_PROFILE, "espnic-cnsa-ike-profile", "{\"sa_life_time\": 600}",
		     SM_MERGE, 403, "name");
	assert_int_equal(put(&m, SM_SESSION, "s1",
			     "{\"compliance_suite\": \"NONE\", \"ike_profile\": "
			     "\"espnic-default-ike-profile\", \"tunnel_profile\": "
			     "\"espnic-default-tunnel-profile\"}",
			     SM_MERGE, &e),
			 200);

	/* mapping: pubkey with credentials, typed identities parsed */
	assert_int_equal(sm_session_peer(&m, "s1", &base, &peer, &e), 0);
	assert_int_equal(peer.auth, CFG_AUTH_PUBKEY);
	assert_non_null(peer.creds);
	assert_int_equal(peer.psk_len, 0);
	assert_int_equal(peer.lid.type, IKE_ID_FQDN);
	assert_int_equal(peer.rid.type, IKE_ID_FQDN);
	config_peer_release(&peer);
	{
		uint8_t d1[32], d2[32];

		assert_int_equal(sm_session_creds_digest(&m, "s1", d1), 0);
		assert_int_equal(sm_session_creds_digest(&m, "s1", d2), 0);
		assert_memory_equal(d1, d2, 32);
	}

	/* trusted_crl: PEM CRLs, with certificates only; then a revoked peer certificate is
	 * refused (other is on the CA's CRL, gw is not) and the credentials are rebuilt */
	expect_json_error(&m, SM_SESSION, "s1", json_pack("{s:s}", "trusted_crl", "garbage"),
			  SM_MERGE, 400, "trusted_crl");
	expect_json_error(&m, SM_SESSION, "s1", json_pack("{s:s}", "trusted_crl", ca_pem), SM_MERGE,
			  400, "trusted_crl");
	{
		const struct tcert *revoked[] = {&other};
		char crl_path[300], *crl_pem;
		uint8_t d1[32], d2[32];
		struct creds *c;

		snprintf(crl_path, sizeof(crl_path), "%s/ca.crl", tdir);
		tcert_crl(&ca, revoked, 1, 7, crl_path);
		crl_pem = slurp(crl_path);
		assert_int_equal(sm_session_creds(&m, "s1", &c, &e), 0);
		assert_false(refused_as_revoked(c, &other)); /* no CRL yet */
		creds_unref(c);
		assert_int_equal(sm_session_creds_digest(&m, "s1", d1), 0);
		assert_int_equal(put_json(&m, SM_SESSION, "s1",
					  json_pack("{s:s}", "trusted_crl", crl_pem), SM_MERGE, &e),
				 200);
		assert_int_equal(sm_session_creds_digest(&m, "s1", d2), 0);
		assert_memory_not_equal(d1, d2, 32);
		assert_int_equal(sm_session_creds(&m, "s1", &c, &e), 0);
		assert_true(refused_as_revoked(c, &other));
		assert_false(refused_as_revoked(c, &gw));
		creds_unref(c);
		free(crl_pem);
	}

	/* swanctl: pubkey both ways, the file names, a clear note about the private key */
	text = peer_config_swanctl(&m, "s1", &e);
	assert_non_null(text);
	assert_non_null(strstr(text, "auth = pubkey"));
	assert_non_null(strstr(text, "certs = s1.pem"));
	assert_non_null(strstr(text, "x509/s1.pem"));
	assert_non_null(strstr(text, "private/s1.key"));
	assert_non_null(strstr(text, "x509ca/s1-ca.pem"));
	assert_non_null(strstr(text, PEER_CONFIG_KEY_PLACEHOLDER));
	assert_non_null(strstr(text, "id = \"fqdn:gw2.espnic.example\""));
	assert_non_null(strstr(text, "id = \"gw1.espnic.example\""));
	assert_non_null(strstr(text, "CN=unit CA"));
	assert_null(strstr(text, "-----BEGIN"));
	assert_null(strstr(text, "secrets {"));
	free(text);

	/* the store keeps the key in secrets.json only */
	{
		struct sm_model loaded;
		char sdir[] = "/tmp/espnicd-certstore-XXXXXX", path[128], err[256], cmd[128];
		struct stat st;
		char *cfgtext;

		assert_non_null(mkdtemp(sdir));
		assert_int_equal(store_save(sdir, NULL, &m, err, sizeof(err)), 0);
		snprintf(path, sizeof(path), "%s/%s", sdir, STORE_SECRETS);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		cfgtext = slurp(path);
		assert_non_null(strstr(cfgtext, "PRIVATE KEY"));
		free(cfgtext);
		snprintf(path, sizeof(path), "%s/%s", sdir, STORE_CONFIG);
		cfgtext = slurp(path);
		assert_null(strstr(cfgtext, "PRIVATE KEY"));
		assert_non_null(strstr(cfgtext, "BEGIN CERTIFICATE"));
		free(cfgtext);
		assert_int_equal(store_load(sdir, &loaded, err, sizeof(err)), 0);
		assert_non_null(sm_get(&loaded, SM_SESSION, "s1"));
		assert_int_equal(sm_session_peer(&loaded, "s1", &base, &peer, &e), 0);
		assert_non_null(peer.creds);
		config_peer_release(&peer);
		sm_model_free(&loaded);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", sdir);
		assert_int_equal(system(cmd), 0);
	}
	/* deleting the endpoint is refused while used; the session first, then the key goes */
	assert_true(sm_delete(&m, SM_ENDPOINT, "ep", &e) < 0);
	assert_int_equal(e.status, 409);
	assert_int_equal(sm_delete(&m, SM_SESSION, "s1", &e), 0);
	assert_int_equal(sm_delete(&m, SM_ENDPOINT, "ep", &e), 0);
	assert_null(json_object_get(json_object_get(m.secrets, "local_endpoints"), "ep"));

	sm_model_free(&m);
	free(ca_pem);
	free(gw_pem);
	free(gw_key);
	free(other_key);
	tcert_free(&ca);
	tcert_free(&gw);
	tcert_free(&other);
	tcert_rmdir(tdir);
}

/* ---- the store ---- */

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/espnicd-store-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_store_roundtrip(void **state)
{
	struct sm_model m, loaded, next;
	char err[512], path[128];
	struct sm_error e;
	struct stat st;

	(void)state;
	base_model(&m);
	assert_int_equal(put(&m, SM_SESSION, "s1", SESSION "}", SM_CREATE, &e), 201);
	assert_int_equal(store_save(dir, NULL, &m, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_SECRETS);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_CONFIG);
	{
		FILE *f = fopen(path, "r");
		char text[8192] = {0};

		assert_non_null(f);
		assert_true(fread(text, 1, sizeof(text) - 1, f) > 0);
		fclose(f);
		assert_null(
		    strstr(text, "s3cret-s3cret-s3cret")); /* the objects never hold the secret */
	}
	assert_int_equal(store_load(dir, &loaded, err, sizeof(err)), 0);
	assert_non_null(sm_get(&loaded, SM_SESSION, "s1"));
	assert_non_null(sm_get(&loaded, SM_IKE_PROFILE, SM_DEFAULT_IKE));
	assert_true(json_equal(m.root, loaded.root));
	assert_true(json_equal(m.secrets, loaded.secrets));
	/* An interrupted save (the second file write fails as a crash would): what is on disk
	 * still loads, as the old state plus at most an unused secret. */
	assert_int_equal(sm_model_copy(&m, &next), 0);
	assert_int_equal(
	    put(&next, SM_SESSION, "s2",
		"{\"local_endpoint\": \"ep\", \"peer_address\": \"198.18.0.3\", "
		"\"psk\": \"two-two-two-two-two\", \"local_networks\": [\"198.18.5.0/24\"], "
		"\"remote_networks\": [\"198.18.6.0/24\"]}",
		SM_CREATE, &e),
	    201);
	for (unsigned fail_at = 1; fail_at <= 3; fail_at++) {
		struct sm_model after;

		store_test_fail_write(fail_at);
		assert_true(store_save(dir, &m, &next, err, sizeof(err)) < 0);
		store_test_fail_write(0);
		assert_int_equal(store_load(dir, &after, err, sizeof(err)), 0);
		/* config.json is either the old one (s1 only) or the new one (s1 and s2) */
		assert_non_null(sm_get(&after, SM_SESSION, "s1"));
		if (fail_at <= 2)
			assert_null(sm_get(&after, SM_SESSION, "s2"));
		else
			assert_non_null(sm_get(&after, SM_SESSION, "s2"));
		sm_model_free(&after);
		/* back to the old state for the next round */
		assert_int_equal(store_save(dir, NULL, &m, err, sizeof(err)), 0);
	}
	/* A damaged file is refused with its name; a readable secrets file too. */
	{
		struct sm_model bad;
		char secrets[128];
		FILE *f;

		snprintf(secrets, sizeof(secrets), "%s/%s", dir, STORE_SECRETS);
		assert_int_equal(chmod(secrets, 0644), 0);
		assert_true(store_load(dir, &bad, err, sizeof(err)) < 0);
		assert_non_null(strstr(err, "0600"));
		assert_int_equal(chmod(secrets, 0600), 0);
		/* mode 0600 but owned by another user (who could read or swap it): refused */
		if (geteuid() == 0) {
			assert_int_equal(chown(secrets, 4242, 4242), 0);
			assert_true(store_load(dir, &bad, err, sizeof(err)) < 0);
			assert_non_null(strstr(err, "owned by uid 4242"));
			assert_int_equal(chown(secrets, 0, 0), 0);
		}
		f = fopen(path, "w");
		fputs("{\"version\": 1, \"sessions\": {\"x\": ", f);
		fclose(f);
		assert_true(store_load(dir, &bad, err, sizeof(err)) < 0);
		assert_non_null(strstr(err, STORE_CONFIG));
		/* an invalid object is refused and named */
		f = fopen(path, "w");
		fputs("{\"version\": 1, \"local_endpoints\": {\"e\": {\"local_address\": "
		      "\"nope\"}}}",
		      f);
		fclose(f);
		assert_true(store_load(dir, &bad, err, sizeof(err)) < 0);
		assert_non_null(strstr(err, "local endpoint \"e\""));
	}
	sm_model_free(&next);
	sm_model_free(&loaded);
	sm_model_free(&m);
}

#define BGP_RB                                                                                     \
	ROUTE_BASED "\"peer_address\": \"198.18.0.2\", \"vlan\": 10, "                             \
		    "\"tunnel_interface\": \"169.254.10.1/30\", \"bgp\": {\"local_asn\": 65001, "  \
		    "\"peer_asn\": 65002"

/* bgp.password (TCP MD5 with the neighbour): write-only, kept in the secrets (with the PSKs,
 * so in secrets.json), never in the objects nor in what GET shows; absent keeps it, null
 * removes it, a bad one is refused naming bgp.password; deleting the session or its bgp
 * object drops it; the store keeps it across a reload. */
static void test_bgp_password(void **state)
{
	struct sm_model m, loaded;
	struct sm_error e;
	char err[512];
	json_t *pub, *objs;
	char *text;

	(void)state;
	base_model(&m);
	expect_error(&m, SM_SESSION, "r1", BGP_RB ", \"password\": \"two words\"}}", SM_CREATE, 400,
		     "bgp.password");
	expect_error(&m, SM_SESSION, "r1", BGP_RB ", \"password\": 7}}", SM_CREATE, 400,
		     "bgp.password");
	expect_error(&m, SM_SESSION, "r1",
		     BGP_RB
		     ", \"password\": "
		     "\"123456789012345678901234567890123456789012345678901234567890123456789"
		     "012345678901\"}}",
		     SM_CREATE, 400, "bgp.password");
	assert_int_equal(
	    put(&m, SM_SESSION, "r1", BGP_RB ", \"password\": \"md5-key-0123\"}}", SM_CREATE, &e),
	    201);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(m.secrets, "bgp_passwords"), "r1")),
	    "md5-key-0123");
	pub = sm_public(&m, SM_SESSION, sm_get(&m, SM_SESSION, "r1"));
	text = json_dumps(pub, 0);
	assert_null(strstr(text, "md5-key-0123"));
	assert_true(
	    json_is_true(json_object_get(json_object_get(pub, "bgp"), "password_configured")));
	free(text);
	/* GET's output sent back unchanged is accepted and keeps the password. */
	{
		char out[SM_NAME_MAX + 1];

		json_object_del(pub, "name");
		assert_int_equal(sm_write(&m, SM_SESSION, "r1", pub, SM_REPLACE, out, &e), 200);
	}
	json_decref(pub);
	objs = sm_persistent(&m);
	text = json_dumps(objs, 0);
	assert_null(strstr(text, "md5-key-0123"));
	free(text);
	json_decref(objs);
	assert_int_equal(
	    put(&m, SM_SESSION, "r1",
		"{\"bgp\": {\"local_asn\": 65001, \"peer_asn\": 65002, \"keepalive_time\": 5}}",
		SM_MERGE, &e),
	    200);
	assert_non_null(json_object_get(json_object_get(m.secrets, "bgp_passwords"), "r1"));
	assert_int_equal(store_save(dir, NULL, &m, err, sizeof(err)), 0);
	assert_int_equal(store_load(dir, &loaded, err, sizeof(err)), 0);
	assert_true(json_equal(m.secrets, loaded.secrets));
	assert_true(json_equal(m.root, loaded.root));
	sm_model_free(&loaded);
	assert_int_equal(
	    put(&m, SM_SESSION, "r1",
		"{\"bgp\": {\"local_asn\": 65001, \"peer_asn\": 65002, \"password\": null}}",
		SM_MERGE, &e),
	    200);
	assert_null(json_object_get(json_object_get(m.secrets, "bgp_passwords"), "r1"));
	assert_int_equal(
	    put(&m, SM_SESSION, "r1", BGP_RB ", \"password\": \"md5-key-4567\"}}", SM_REPLACE, &e),
	    200);
	assert_int_equal(put(&m, SM_SESSION, "r1",
			     ROUTE_BASED "\"peer_address\": \"198.18.0.2\", \"vlan\": 10, "
					 "\"tunnel_interface\": \"169.254.10.1/30\"}",
			     SM_REPLACE, &e),
			 200);
	assert_null(json_object_get(json_object_get(m.secrets, "bgp_passwords"), "r1"));
	sm_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_validation_errors),
	    cmocka_unit_test(test_disabled_sessions_may_overlap),
	    cmocka_unit_test(test_peer_mapping),
	    cmocka_unit_test(test_tcp_mss_clamping),
	    cmocka_unit_test(test_route_based),
	    cmocka_unit_test(test_swanctl),
	    cmocka_unit_test(test_transport_mode),
	    cmocka_unit_test(test_certificates),
	    cmocka_unit_test_setup_teardown(test_store_roundtrip, make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(test_bgp_password, make_dir, remove_dir),
	};

	store_wipe_json_memory();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
