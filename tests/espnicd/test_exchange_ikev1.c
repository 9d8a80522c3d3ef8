/* IKEv1 between two daemon cores (host/espnicd/ikev1/): main mode with PSK and quick mode
 * without and with PFS, the CHILD_SA keys of both sides compared on the recording
 * dataplanes; a PSK mismatch and a proposal mismatch refused with their log lines; lost
 * datagrams retransmitted; quick mode rekeys (the new pair before the old one goes); deletes
 * both ways; a hard lifetime; INITIAL-CONTACT after a restart; hostile version-1 datagrams
 * dropped without a crash; main mode with RSA and ECDSA signatures (certificates made at test
 * time, certgen.c), an untrusted one refused; the commit bit; several selector pairs; a flood
 * of main mode 1 from forged sources without IKE_SAs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <cmocka.h>
#include <openssl/rand.h>

#include "certgen.h"
#include "ikev1/ikev1.h"
#include "exchange.h"

#define V1 ", \"version\": 1, \"ike_proposals\": [\"aes128-sha256-ecp256\"]"

static void establish_v1(const char *extra_a, const char *extra_b)
{
	pair(extra_a, extra_b, "", "");
	establish();
	assert_int_equal(info_of(0, 0).child_count, 1);
	assert_children_match();
	assert_true(h_log_contains("IKEv1 IKE_SA established (main mode, PSK, initiator"));
	assert_true(h_log_contains("IKEv1 IKE_SA established (main mode, PSK, responder"));
}

static void test_main_quick(void **state)
{
	(void)state;
	establish_v1(V1, V1);
	assert_false(h_log_contains("with PFS"));
}

static void test_quick_pfs(void **state)
{
	(void)state;
	establish_v1(V1 ", \"esp_proposals\": [\"aes256gcm16-ecp256\"]",
		     V1 ", \"esp_proposals\": [\"aes256gcm16-ecp256\"]");
	assert_true(h_log_contains("with PFS"));
	assert_true(h_log_contains(", PFS)"));
}

/* Both sides want PFS or neither: one side without it finds no proposal. */
static void test_pfs_mismatch(void **state)
{
	(void)state;
	pair(V1 ", \"esp_proposals\": [\"aes256gcm16-ecp256\"]", V1, "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	assert_true(h_log_contains("no acceptable ESP proposal from the peer in quick mode"));
	assert_int_equal(h_installed(0), 0);
	assert_int_equal(h_installed(1), 0);
}

static void test_psk_mismatch(void **state)
{
	(void)state;
	assert_int_equal(h_node_add(A_ADDR, peer_a(V1, ""), "s3cret-s3cret-s3cret"), 0);
	assert_int_equal(h_node_add(B_ADDR, peer_b(V1, ""), "another-key-another-key"), 1);
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	assert_true(h_log_contains("(PSK mismatch)"));
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	h_run_until(H->now + 600000);
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(h_installed(0), 0);
}

static void test_proposal_mismatch(void **state)
{
	(void)state;
	pair(V1, ", \"version\": 1, \"ike_proposals\": [\"aes256-sha384-ecp384\"]", "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	assert_true(h_log_contains("answering NO-PROPOSAL-CHOSEN"));
	assert_true(h_log_contains("peer answered NO-PROPOSAL-CHOSEN"));
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
}

/* The first datagrams are lost: the initiator's retransmissions bring the tunnel up. */
static void test_retransmit(void **state)
{
	(void)state;
	pair(V1, V1, "", "");
	H->drop_all = true;
	espnicd_initiate(H->nodes[0].core, "peer");
	h_run_until(H->now + 2500);
	H->drop_all = false;
	h_run_until(H->now + 60000);
	assert_true(h_log_contains("IKEv1 retransmit 1"));
	assert_int_equal(info_of(0, 0).state, 4);
	assert_int_equal(info_of(0, 0).child_count, 1);
	assert_children_match();
}

static void test_rekey(void **state)
{
	uint32_t first;

	(void)state;
	establish_v1(V1 ", \"child_rekey_time\": 10", V1);
	first = info_of(0, 0).child_spi_in[0];
	h_run_until(H->now + 25000);
	assert_true(h_log_count("rekeyed by") >= 2);
	/* The old pairs are gone on both sides; one pair each, matching. */
	assert_int_equal(h_installed(0), 1);
	assert_int_equal(h_installed(1), 1);
	assert_int_not_equal(info_of(0, 0).child_spi_in[0], first);
	assert_children_match();
}

/* Phase-1 rekeys: a new main mode takes over the CHILD_SA on both sides; the old ISAKMP SA
 * is deleted; the CHILD_SA stays on the dataplanes untouched. */
static void test_ike_rekey(void **state)
{
	uint32_t spi;

	(void)state;
	establish_v1(V1 ", \"ike_rekey_time\": 10", V1);
	spi = info_of(0, 0).child_spi_in[0];
	h_run_until(H->now + 25000);
	assert_true(h_log_count("IKE_SA rekeyed") >= 4); /* both sides, twice */
	assert_false(h_log_contains("INITIAL-CONTACT"));
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 1);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	assert_int_equal(info_of(0, 0).child_spi_in[0], spi);
	assert_int_equal(h_installed(0), 1);
	assert_int_equal(h_installed(1), 1);
	assert_children_match();
	/* The CHILD_SA belongs to the new ISAKMP SA now: deleting that one takes it along. */
	espnicd_shutdown(H->nodes[0].core);
	h_run_until(H->now + 1000);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
}

/* IKE_FLEX ("version": 0): as responder it takes IKEv1 and IKEv2; as initiator IKEv2. */
static void test_flex(void **state)
{
	(void)state;
	establish_v1(V1, ", \"version\": 0, \"ike_proposals\": [\"aes128-sha256-ecp256\"]");
	assert_int_equal(info_of(1, 0).version, 1);
	h_teardown();
	h_setup();
	pair("", ", \"version\": 0", "", "");
	establish();
	assert_int_equal(info_of(0, 0).version, 2);
	assert_int_equal(info_of(1, 0).version, 2);
	assert_children_match();
}

/* Aggressive mode (PSK), enabled on both sides: up, with its warning; a responder without
 * "aggressive" refuses it by name; a PSK mismatch is caught on HASH_R / HASH_I. */
static void test_aggressive(void **state)
{
	(void)state;
	establish_v1(V1 ", \"aggressive\": true", V1 ", \"aggressive\": true");
	assert_true(h_log_contains("initiating IKEv1 aggressive mode"));
	assert_true(h_log_contains("HASH_R sent before the initiator authenticated"));
	assert_false(h_log_contains("initiating IKEv1 main mode"));
}

static void test_aggressive_refused(void **state)
{
	(void)state;
	pair(V1 ", \"aggressive\": true", V1, "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	assert_true(
	    h_log_contains("IKEv1 aggressive mode from 198.18.0.1:500 refused: not enabled"));
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
}

static void test_aggressive_psk_mismatch(void **state)
{
	(void)state;
	assert_int_equal(
	    h_node_add(A_ADDR, peer_a(V1 ", \"aggressive\": true", ""), "s3cret-s3cret-s3cret"), 0);
	assert_int_equal(
	    h_node_add(B_ADDR, peer_b(V1 ", \"aggressive\": true", ""), "another-key-another-key"),
	    1);
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	assert_true(h_log_contains("its HASH_R does not match our pre-shared key (PSK mismatch)"));
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(h_installed(1), 0);
}

/* A responder with a shorter child_life_time answers RESPONDER-LIFETIME; the initiator
 * takes it (the pair expires, and is rekeyed, earlier). */
static void test_responder_lifetime(void **state)
{
	(void)state;
	establish_v1(V1, V1 ", \"child_rekey_time\": 90, \"child_life_time\": 100");
	assert_true(h_log_contains("lifetime lowered to 100 s by the peer (RESPONDER-LIFETIME)"));
	h_run_until(H->now + 95000);
	assert_true(h_log_count("rekeyed by") >= 1);
	h_run_until(H->now + 5000); /* the replaced pairs deleted (V1_DELETE_OLD_MS) */
	assert_children_match();
}

static void test_delete_both_ways(void **state)
{
	(void)state;
	establish_v1(V1, V1);
	espnicd_shutdown(H->nodes[1].core);
	h_run_until(H->now + 1000); /* IKEv1 deletes are not answered: gone at once */
	assert_true(espnicd_idle(H->nodes[1].core));
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(h_installed(0), 0);
	assert_true(h_log_contains("deleted by the peer"));
}

static void test_delete_by_initiator(void **state)
{
	(void)state;
	establish_v1(V1, V1);
	espnicd_shutdown(H->nodes[0].core);
	h_run_until(H->now + 1000);
	assert_true(espnicd_idle(H->nodes[0].core));
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	assert_int_equal(h_installed(1), 0);
}

static void test_hard_lifetime(void **state)
{
	(void)state;
	establish_v1(V1, V1);
	peer_deletes_child();
	assert_true(h_log_contains("deleted by the peer"));
}

/* A restarted initiator's INITIAL-CONTACT closes the responder's old ISAKMP SA. */
static void test_initial_contact(void **state)
{
	(void)state;
	establish_v1(V1, V1);
	h_node_restart(0, peer_a(V1, ""), "s3cret-s3cret-s3cret");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_pump();
	assert_true(h_log_contains("the peer sent INITIAL-CONTACT"));
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	assert_int_equal(h_installed(1), 1);
	assert_children_match();
}

/* Version-1 datagrams of random content, truncated and cut from real messages: dropped. */
static void test_hostile(void **state)
{
	struct sockaddr_storage from, to;
	uint8_t buf[600];

	(void)state;
	establish_v1(V1, V1);
	h_parse_addr(A_ADDR, 500, &from);
	h_parse_addr(B_ADDR, 500, &to);
	for (int i = 0; i < 2000; i++) {
		size_t len = (size_t)(i % 600);

		RAND_bytes(buf, sizeof(buf));
		if (len >= 28) {
			buf[17] = 0x10;
			buf[18] = (uint8_t[]){2, 5, 32, 4}[i % 4];
			buf[24] = (uint8_t)(len >> 24);
			buf[25] = (uint8_t)(len >> 16);
			buf[26] = (uint8_t)(len >> 8);
			buf[27] = (uint8_t)len;
			if (i % 3 == 0)
				memset(buf + 8, 0, 8); /* a "first message" */
		}
		espnicd_receive(H->nodes[1].core, &from, &to, buf, len);
	}
	h_pump();
	assert_int_equal(info_of(1, 0).state, 4);
	assert_int_equal(info_of(1, 0).child_count, 1);
}

#define CERT_PEER                                                                                  \
	V1 ", \"auth\": \"pubkey\", \"cert\": \"%s\", \"key\": \"%s\", \"ca\": \"%s\", "           \
	   "\"local_id\": \"%s\", \"remote_id\": \"%s\""

/* Several selectors: IKEv1 carries one pair of client IDs per quick mode, so A's two local and
 * two remote subnets make four quick modes in one ISAKMP SA, one after the other, each a
 * CHILD_SA with subnet IDs installed on both dataplanes. */
static void test_several_selectors(void **state)
{
	struct espnicd_sa_info a;

	(void)state;
	assert_int_equal(h_node_add(A_ADDR,
				    "{\"listen\": \"" A_ADDR "\", \"retransmit_timeout\": 1, "
				    "\"peers\": [{\"name\": \"peer\", \"remote_addr\": \"" B_ADDR
				    "\", \"local_ts\": [\"198.18.1.0/25\", \"198.18.1.128/25\"], "
				    "\"remote_ts\": [\"198.18.2.0/24\", \"198.18.3.0/24\"]" V1 "}]",
				    "s3cret-s3cret-s3cret"),
			 0);
	assert_int_equal(h_node_add(B_ADDR,
				    "{\"listen\": \"" B_ADDR "\", \"retransmit_timeout\": 1, "
				    "\"peers\": [{\"name\": \"peer\", \"remote_addr\": \"" A_ADDR
				    "\", \"local_ts\": [\"198.18.2.0/24\", \"198.18.3.0/24\"], "
				    "\"remote_ts\": [\"198.18.1.0/24\"]" V1 "}]",
				    "s3cret-s3cret-s3cret"),
			 1);
	establish();
	h_run_until(H->now + 5000);
	for (int node = 0; node < 2; node++) {
		assert_int_equal(info_of(node, 0).child_count, 4);
		assert_int_equal(h_installed(node), 4);
	}
	assert_int_equal(h_log_count("quick mode for a new CHILD_SA started"), 4);
	a = info_of(0, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_non_null(dp_record_find(H->nodes[1].dp, a.child_spi_out[i]));
}

/* The commit bit (RFC 2408 3.1), set on A's quick mode 1 in transit (the header lies outside
 * HASH(1) and the encryption): B echoes it and sends CONNECTED once the pair is installed; A
 * keeps outbound on hold until CONNECTED. The first CONNECTED is lost: A's HASH(3) goes
 * again and brings it again. */
static void test_commit_bit(void **state)
{
	struct sockaddr_storage a;
	struct h_packet *p;
	bool dropped = false;

	(void)state;
	h_parse_addr(A_ADDR, 0, &a);
	pair(V1, V1, "", "");
	espnicd_initiate(H->nodes[0].core, "peer");
	for (int i = 0; i < 100 && (p = h_take()) != NULL; i++) {
		bool from_a = ((struct sockaddr_in *)&p->from)->sin_addr.s_addr ==
			      ((struct sockaddr_in *)&a)->sin_addr.s_addr;

		if (p->len > 28 && p->data[18] == 32 && from_a)
			p->data[19] |= 0x02;
		if (!dropped && p->len > 28 && p->data[18] == 5 && !from_a &&
		    h_log_contains("CONNECTED sent")) {
			dropped = true;
			continue;
		}
		h_deliver(p);
	}
	assert_true(dropped);
	assert_true(h_log_contains("the peer set the commit bit, waiting for CONNECTED"));
	assert_false(h_log_contains("committed (CONNECTED)"));
	assert_false(h_log_contains("outbound traffic now (CONNECTED)"));
	h_run_until(H->now + 30000);
	/* B answers the repeated HASH(3) with its last message, the CONNECTED A now takes. */
	assert_true(h_log_contains("IKEv1 retransmit 1"));
	assert_true(h_log_contains("committed (CONNECTED)"));
	assert_true(h_log_contains("outbound traffic now (CONNECTED)"));
	assert_int_equal(info_of(0, 0).child_count, 1);
	assert_children_match();
}

/* No responder state before the cookie exchange (RFC 2408 2.5.3): a flood of main mode 1
 * from 2000 forged sources (A's first message with other cookies and addresses; B takes any
 * address) makes no
 * IKE_SA on B and keeps at most half_open_max (16) first messages; main mode 3 with a cookie
 * B never made finds nothing; A's own main mode then comes up. */
static void test_mm1_flood(void **state)
{
	struct h_packet first, *p;

	(void)state;
	assert_int_equal(h_node_add(A_ADDR, peer_a(V1, ""), "s3cret-s3cret-s3cret"), 0);
	assert_int_equal(h_node_add(B_ADDR,
				    "{\"listen\": \"" B_ADDR "\", \"retransmit_timeout\": 1, "
				    "\"half_open_max\": 16, \"peers\": [{\"name\": \"peer\", "
				    "\"remote_addr\": \"%any\", \"local_ts\": [\"198.18.2.0/24\"], "
				    "\"remote_ts\": [\"198.18.1.0/24\"]" V1 "}]",
				    "s3cret-s3cret-s3cret"),
			 1);
	espnicd_initiate(H->nodes[0].core, "peer");
	p = h_take();
	assert_non_null(p);
	first = *p;
	for (unsigned i = 0; i < 2000; i++) {
		struct h_packet forged = first;

		memcpy(forged.data, &i, sizeof(i)); /* CKY-I */
		((struct sockaddr_in *)&forged.from)->sin_addr.s_addr = htonl(0xc6130000u + i);
		h_deliver(&forged);
		while (h_take() != NULL) /* B's answers go nowhere */
			;
		assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	}
	assert_int_equal(ikev1_pending_count(H->nodes[1].core), 16);
	/* Main mode 3 from one of them, with a responder cookie B did not make. */
	memset(first.data + 8, 0x5a, 8);
	memset(first.data, 0xa5, 4);
	((struct sockaddr_in *)&first.from)->sin_addr.s_addr = htonl(0xc6130000u + 1999);
	h_deliver(&first);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	h_run_until(H->now + 30000);
	assert_int_equal(info_of(0, 0).state, 4);
	assert_int_equal(info_of(1, 0).state, 4);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 1);
	assert_children_match();
}

/* One source flooding main mode 1 takes at most its share of the kept first messages
 * (half_open_per_source 4): A's main mode, answered before the flood, still finds its first
 * message when main mode 3 comes and comes up at once. */
static void test_mm1_flood_one_source(void **state)
{
	struct h_packet first, answer, *p;

	(void)state;
	assert_int_equal(h_node_add(A_ADDR, peer_a(V1, ""), "s3cret-s3cret-s3cret"), 0);
	assert_int_equal(h_node_add(B_ADDR,
				    "{\"listen\": \"" B_ADDR "\", \"retransmit_timeout\": 1, "
				    "\"half_open_max\": 16, \"half_open_per_source\": 4, "
				    "\"peers\": [{\"name\": \"peer\", \"remote_addr\": \"%any\", "
				    "\"local_ts\": [\"198.18.2.0/24\"], \"remote_ts\": "
				    "[\"198.18.1.0/24\"]" V1 "}]",
				    "s3cret-s3cret-s3cret"),
			 1);
	espnicd_initiate(H->nodes[0].core, "peer");
	first = *h_take();
	h_deliver(&first);
	answer = *h_take(); /* B's main mode 2, held back */
	for (unsigned i = 0; i < 100; i++) {
		struct h_packet forged = first;

		memcpy(forged.data, &i, sizeof(i));
		((struct sockaddr_in *)&forged.from)->sin_addr.s_addr = htonl(0xc6130001u);
		h_deliver(&forged);
		while ((p = h_take()) != NULL)
			;
	}
	assert_int_equal(ikev1_pending_count(H->nodes[1].core), 5);
	h_deliver(&answer);
	h_pump();
	assert_int_equal(info_of(0, 0).state, 4);
	assert_int_equal(info_of(1, 0).state, 4);
}

/* Main mode with signatures (RFC 2409 5.1): both gateways' certificates of kind (one CA),
 * identities as DNs (ID_DER_ASN1_DN) or with fqdn as their DNS subjectAltNames (ID_FQDN);
 * untrusted: B trusts another CA instead, so A's certificate is refused. */
static void certs_case(const char *kind, bool fqdn, bool untrusted)
{
	const char *id_a = fqdn ? "fqdn:gwa.example" : "dn:C=CH, O=espnic, CN=gwa";
	const char *id_b = fqdn ? "fqdn:gwb.example" : "dn:C=CH, O=espnic, CN=gwb";
	struct tcert ca, other, a, b;
	char dir[256], extra_a[2048], extra_b[2048];

	tcert_mkdir(dir, sizeof(dir));
	tcert_make(&ca, dir, "ca", "rsa", "C=CH,O=espnic,CN=espnic test CA", NULL, NULL, 1, -1, 30);
	tcert_make(&other, dir, "other", "p256", "C=CH,O=elsewhere,CN=other CA", NULL, NULL, 1, -1,
		   30);
	tcert_make(&a, dir, "gwa", kind, "C=CH,O=espnic,CN=gwa", "DNS:gwa.example", &ca, 0, -1, 30);
	tcert_make(&b, dir, "gwb", kind, "C=CH,O=espnic,CN=gwb", "DNS:gwb.example", &ca, 0, -1, 30);
	snprintf(extra_a, sizeof(extra_a), CERT_PEER, a.cert_path, a.key_path, ca.cert_path, id_a,
		 id_b);
	snprintf(extra_b, sizeof(extra_b), CERT_PEER, b.cert_path, b.key_path,
		 untrusted ? other.cert_path : ca.cert_path, id_b, id_a);
	pair(extra_a, extra_b, "", "");
	if (untrusted) {
		espnicd_initiate(H->nodes[0].core, "peer");
		h_pump();
		assert_true(h_log_contains("authentication of the peer failed: certificate not "
					   "trusted"));
		assert_int_equal(h_installed(0), 0);
		assert_int_equal(h_installed(1), 0);
	} else {
		establish();
		assert_children_match();
		assert_true(h_log_contains(strcmp(kind, "rsa") == 0
					       ? "(main mode, RSA signatures, initiator"
					       : "(main mode, ECDSA signatures, responder"));
		assert_int_equal(h_log_count("peer authenticated with its certificate"), 2);
	}
	tcert_free(&a);
	tcert_free(&b);
	tcert_free(&other);
	tcert_free(&ca);
	tcert_rmdir(dir);
}

static void test_certs_rsa(void **state)
{
	(void)state;
	certs_case("rsa", false, false);
}

/* ECDSA P-256, FQDN identities. */
static void test_certs_ecdsa(void **state)
{
	(void)state;
	certs_case("p256", true, false);
}

static void test_certs_untrusted(void **state)
{
	(void)state;
	certs_case("p256", false, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    EXCHANGE_TEST(test_main_quick),
	    EXCHANGE_TEST(test_quick_pfs),
	    EXCHANGE_TEST(test_pfs_mismatch),
	    EXCHANGE_TEST(test_psk_mismatch),
	    EXCHANGE_TEST(test_proposal_mismatch),
	    EXCHANGE_TEST(test_retransmit),
	    EXCHANGE_TEST(test_rekey),
	    EXCHANGE_TEST(test_ike_rekey),
	    EXCHANGE_TEST(test_flex),
	    EXCHANGE_TEST(test_aggressive),
	    EXCHANGE_TEST(test_aggressive_refused),
	    EXCHANGE_TEST(test_aggressive_psk_mismatch),
	    EXCHANGE_TEST(test_responder_lifetime),
	    EXCHANGE_TEST(test_delete_both_ways),
	    EXCHANGE_TEST(test_delete_by_initiator),
	    EXCHANGE_TEST(test_hard_lifetime),
	    EXCHANGE_TEST(test_initial_contact),
	    EXCHANGE_TEST(test_hostile),
	    EXCHANGE_TEST(test_commit_bit),
	    EXCHANGE_TEST(test_several_selectors),
	    EXCHANGE_TEST(test_mm1_flood),
	    EXCHANGE_TEST(test_mm1_flood_one_source),
	    EXCHANGE_TEST(test_certs_rsa),
	    EXCHANGE_TEST(test_certs_ecdsa),
	    EXCHANGE_TEST(test_certs_untrusted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
