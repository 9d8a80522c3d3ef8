/* Certificate authentication (RFC 7296 2.15, RFC 7427) between two daemon cores and on the
 * credentials API: RSA and ECDSA, DN identities with an emailAddress, subjectAltName
 * identities, untrusted chains, wrong identities, expired certificates, key file modes,
 * remote_id required (or "%any"), key usages, CRLs (a revoked certificate), and
 * IKE fragmentation (RFC 7383) of the large IKE_AUTH messages certificates make. The
 * certificates are made at test time (certgen.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "certgen.h"
#include "config/config.h"
#include "config/creds.h"
#include "harness.h"
#include "ike_message.h"
#include "ike_types.h"

#define A_ADDR "198.18.0.1"
#define B_ADDR "198.18.0.2"

static char dir[64];
static struct tcert ca_rsa, ca_ec, ca_other;

static int group_setup(void **state)
{
	(void)state;
	tcert_mkdir(dir, sizeof(dir));
	tcert_make(&ca_rsa, dir, "ca-rsa", "rsa", "C=CH,O=espnic,CN=espnic test RSA CA", NULL, NULL,
		   1, -1, 365);
	tcert_make(&ca_ec, dir, "ca-ec", "p384", "C=CH,O=espnic,CN=espnic test ECDSA CA", NULL,
		   NULL, 1, -1, 365);
	tcert_make(&ca_other, dir, "ca-other", "p256", "C=CH,O=elsewhere,CN=other CA", NULL, NULL,
		   1, -1, 365);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tcert_free(&ca_rsa);
	tcert_free(&ca_ec);
	tcert_free(&ca_other);
	tcert_rmdir(dir);
	return 0;
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

/* A node's configuration: the peer with the certificate t, trusting ca, with ids. */
static const char *node_json(const char *self, const char *other, const struct tcert *t,
			     const char *ca, const char *local_id, const char *remote_id,
			     const char *extra)
{
	static char buf[2][4096];
	static int which;
	char *b = buf[which++ % 2];
	int a_side = strcmp(self, A_ADDR) == 0;

	snprintf(b, sizeof(buf[0]),
		 "{\"listen\": \"%s\", \"retransmit_timeout\": 1, \"peers\": [{\"name\": \"peer\", "
		 "\"remote_addr\": \"%s\", \"local_ts\": [\"%s\"], \"remote_ts\": [\"%s\"], "
		 "\"auth\": \"pubkey\", \"cert\": \"%s\", \"key\": \"%s\", \"ca\": \"%s\", "
		 "\"local_id\": \"%s\", \"remote_id\": \"%s\" %s}]",
		 self, other, a_side ? "198.18.1.0/24" : "198.18.2.0/24",
		 a_side ? "198.18.2.0/24" : "198.18.1.0/24", t->cert_path, t->key_path, ca,
		 local_id, remote_id, extra);
	return b;
}

/* Two gateways with plain certificates (CN gw1<tag> and gw2<tag>, key type kt, from ca),
 * each trusting ca and accepting any peer identity, with extra peer options per side. */
static void plain_pair(struct tcert *a, struct tcert *b, const char *tag, const char *kt,
		       const struct tcert *ca, const char *extra_a, const char *extra_b)
{
	char name[2][16], dn[2][64];

	for (int i = 0; i < 2; i++) {
		snprintf(name[i], sizeof(name[i]), "gw%d%s", i + 1, tag);
		snprintf(dn[i], sizeof(dn[i]), "C=CH,O=espnic,CN=%s", name[i]);
	}
	tcert_make(a, dir, name[0], kt, dn[0], NULL, ca, 0, -1, 30);
	tcert_make(b, dir, name[1], kt, dn[1], NULL, ca, 0, -1, 30);
	h_node_add(A_ADDR, node_json(A_ADDR, B_ADDR, a, ca->cert_path, "", "%any", extra_a),
		   "unused");
	h_node_add(B_ADDR, node_json(B_ADDR, A_ADDR, b, ca->cert_path, "", "%any", extra_b),
		   "unused");
}

static struct espnicd_sa_info info_of(int node, unsigned index)
{
	struct espnicd_sa_info info;

	memset(&info, 0, sizeof(info));
	espnicd_sa_info(H->nodes[node].core, index, &info);
	return info;
}

static void assert_children_match(void)
{
	struct espnicd_sa_info a = info_of(0, 0), b = info_of(1, 0);
	const struct dp_child_sa *ca, *cb;

	assert_int_equal(a.child_count, 1);
	assert_int_equal(b.child_count, 1);
	assert_int_equal(a.child_spi_in[0], b.child_spi_out[0]);
	ca = dp_record_find(H->nodes[0].dp, a.child_spi_in[0]);
	cb = dp_record_find(H->nodes[1].dp, b.child_spi_in[0]);
	assert_non_null(ca);
	assert_non_null(cb);
	assert_memory_equal(ca->out.key, cb->in.key, ca->key_len);
	assert_memory_equal(ca->in.key, cb->out.key, ca->key_len);
}

static void initiate(void)
{
	assert_int_equal(espnicd_initiate(H->nodes[0].core, "peer"), 0);
	h_pump();
}

static bool established(void)
{
	return espnicd_sa_count(H->nodes[0].core) == 1 && espnicd_sa_count(H->nodes[1].core) == 1 &&
	       info_of(0, 0).state == 4 && info_of(1, 0).state == 4;
}

static void test_rsa_dn_with_email(void **state)
{
	struct tcert a, b;

	(void)state;
	tcert_make(&a, dir, "gw1", "rsa", "C=CH,O=espnic,CN=gw1,emailAddress=gw1@espnic.example",
		   "DNS:gw1.espnic.example", &ca_rsa, 0, -1, 30);
	tcert_make(&b, dir, "gw2", "rsa", "C=CH,O=espnic,CN=gw2", "DNS:gw2.espnic.example", &ca_rsa,
		   0, -1, 30);
	h_node_add(A_ADDR,
		   node_json(A_ADDR, B_ADDR, &a, ca_rsa.cert_path,
			     "dn:C=CH, O=espnic, CN=gw1, E=gw1@espnic.example",
			     "dn:C=CH, O=espnic, CN=gw2", ""),
		   "unused");
	h_node_add(B_ADDR,
		   node_json(B_ADDR, A_ADDR, &b, ca_rsa.cert_path, "",
			     "dn:C=CH, O=espnic, CN=gw1, emailAddress=gw1@espnic.example", ""),
		   "unused");
	initiate();
	assert_true(established());
	assert_children_match();
	/* Both sent SIGNATURE_HASH_ALGORITHMS: RFC 7427 signatures (method 14). */
	assert_true(h_log_contains("peer authenticated with its certificate (method 14)"));
	tcert_free(&a);
	tcert_free(&b);
}

static void test_ecdsa_fqdn_and_rsa_mixed(void **state)
{
	struct tcert a, b;

	(void)state;
	/* A: ECDSA P-256 under the ECDSA CA; B: RSA under the RSA CA; each trusts the other's. */
	tcert_make(&a, dir, "gw1e", "p256", "C=CH,O=espnic,CN=gw1e", "DNS:gw1.espnic.example",
		   &ca_ec, 0, -1, 30);
	tcert_make(&b, dir, "gw2r", "rsa", "C=CH,O=espnic,CN=gw2r",
		   "DNS:gw2.espnic.example,IP:198.18.0.2,email:gw2@espnic.example", &ca_rsa, 0, -1,
		   30);
	h_node_add(A_ADDR,
		   node_json(A_ADDR, B_ADDR, &a, ca_rsa.cert_path, "fqdn:gw1.espnic.example",
			     "198.18.0.2", ""),
		   "unused");
	h_node_add(
	    B_ADDR,
	    node_json(B_ADDR, A_ADDR, &b, ca_ec.cert_path, "198.18.0.2", "@gw1.espnic.example", ""),
	    "unused");
	initiate();
	assert_true(established());
	assert_children_match();
	tcert_free(&a);
	tcert_free(&b);
}

static void test_ecdsa_p384_email(void **state)
{
	struct tcert a, b;

	(void)state;
	tcert_make(&a, dir, "gw1p", "p384", "C=CH,O=espnic,CN=gw1p", "email:gw1@espnic.example",
		   &ca_ec, 0, -1, 30);
	tcert_make(&b, dir, "gw2p", "p384", "C=CH,O=espnic,CN=gw2p", "email:gw2@espnic.example",
		   &ca_ec, 0, -1, 30);
	h_node_add(A_ADDR,
		   node_json(A_ADDR, B_ADDR, &a, ca_ec.cert_path, "email:gw1@espnic.example",
			     "gw2@espnic.example", ""),
		   "unused");
	h_node_add(B_ADDR,
		   node_json(B_ADDR, A_ADDR, &b, ca_ec.cert_path, "gw2@espnic.example",
			     "email:gw1@espnic.example", ""),
		   "unused");
	initiate();
	assert_true(established());
	tcert_free(&a);
	tcert_free(&b);
}

static void test_untrusted_chain(void **state)
{
	struct tcert a, b;

	(void)state;
	/* A's certificate comes from a CA that B does not trust. */
	tcert_make(&a, dir, "gw1o", "p256", "C=CH,O=elsewhere,CN=gw1o", NULL, &ca_other, 0, -1, 30);
	tcert_make(&b, dir, "gw2o", "rsa", "C=CH,O=espnic,CN=gw2o", NULL, &ca_rsa, 0, -1, 30);
	h_node_add(A_ADDR, node_json(A_ADDR, B_ADDR, &a, ca_rsa.cert_path, "", "%any", ""),
		   "unused");
	h_node_add(B_ADDR, node_json(B_ADDR, A_ADDR, &b, ca_rsa.cert_path, "", "%any", ""),
		   "unused");
	initiate();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	assert_true(h_log_contains("certificate not trusted: unable to get local issuer"));
	assert_true(h_log_contains("AUTHENTICATION_FAILED"));
	assert_int_equal(h_installed(0) + h_installed(1), 0);
	tcert_free(&a);
	tcert_free(&b);
}

static void test_expired(void **state)
{
	struct tcert a, b;

	(void)state;
	tcert_make(&a, dir, "gw1x", "rsa", "C=CH,O=espnic,CN=gw1x", NULL, &ca_rsa, 0, -30, -1);
	tcert_make(&b, dir, "gw2x", "rsa", "C=CH,O=espnic,CN=gw2x", NULL, &ca_rsa, 0, -1, 30);
	h_node_add(A_ADDR, node_json(A_ADDR, B_ADDR, &a, ca_rsa.cert_path, "", "%any", ""),
		   "unused");
	h_node_add(B_ADDR, node_json(B_ADDR, A_ADDR, &b, ca_rsa.cert_path, "", "%any", ""),
		   "unused");
	initiate();
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	assert_true(h_log_contains("certificate not trusted: certificate has expired"));
	tcert_free(&a);
	tcert_free(&b);
}

static void test_remote_id_mismatch(void **state)
{
	struct tcert a, b;

	(void)state;
	tcert_make(&a, dir, "gw1m", "p256", "C=CH,O=espnic,CN=gw1m", NULL, &ca_ec, 0, -1, 30);
	tcert_make(&b, dir, "gw2m", "p256", "C=CH,O=espnic,CN=gw2m", NULL, &ca_ec, 0, -1, 30);
	/* A expects B to be gw9: B's certificate is valid but not that identity. */
	h_node_add(
	    A_ADDR,
	    node_json(A_ADDR, B_ADDR, &a, ca_ec.cert_path, "", "dn:C=CH, O=espnic, CN=gw9", ""),
	    "unused");
	h_node_add(B_ADDR, node_json(B_ADDR, A_ADDR, &b, ca_ec.cert_path, "", "%any", ""),
		   "unused");
	initiate();
	assert_int_equal(espnicd_sa_count(H->nodes[0].core), 0);
	assert_true(h_log_contains("does not match remote_id"));
	tcert_free(&a);
	tcert_free(&b);
}

static void test_psk_peer_against_pubkey_peer(void **state)
{
	struct tcert b;

	(void)state;
	tcert_make(&b, dir, "gw2k", "rsa", "C=CH,O=espnic,CN=gw2k", NULL, &ca_rsa, 0, -1, 30);
	h_node_add(A_ADDR,
		   "{\"listen\": \"" A_ADDR "\", \"peers\": [{\"name\": \"peer\", "
		   "\"remote_addr\": \"" B_ADDR "\"}]",
		   "s3cret-s3cret-s3cret");
	h_node_add(B_ADDR, node_json(B_ADDR, A_ADDR, &b, ca_rsa.cert_path, "", "%any", ""),
		   "unused");
	initiate();
	assert_int_equal(espnicd_sa_count(H->nodes[1].core), 0);
	assert_true(h_log_contains("we require a certificate"));
	tcert_free(&b);
}

/* A certificate peer without remote_id would accept any certificate its CA issued: refused
 * when the configuration is read, unless "%any" says so explicitly. */
static void test_remote_id_required(void **state)
{
	struct espnicd_config *cfg = NULL;
	struct tcert a;
	char text[4200], err[256];

	(void)state;
	tcert_make(&a, dir, "gw1r", "p256", "C=CH,O=espnic,CN=gw1r", NULL, &ca_ec, 0, -1, 30);
	snprintf(text, sizeof(text), "%s}",
		 node_json(A_ADDR, B_ADDR, &a, ca_ec.cert_path, "", "", ""));
	assert_int_not_equal(config_parse(text, &cfg, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "remote_id"));
	assert_non_null(strstr(err, "%any"));
	snprintf(text, sizeof(text), "%s}",
		 node_json(A_ADDR, B_ADDR, &a, ca_ec.cert_path, "", "%any", ""));
	assert_int_equal(config_parse(text, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->peers[0].remote_id, "%any");
	config_free(cfg);
	tcert_free(&a);
}

/* A (with the certificate a, under ca_rsa) initiates to B (extra in its peer): whether the
 * tunnel came up; B's log must hold expect (unless NULL). Leaves a fresh harness. */
static bool b_accepts(const struct tcert *a, const char *extra, const char *expect)
{
	struct tcert b;
	bool up;

	tcert_make(&b, dir, "gw2u", "rsa", "C=CH,O=espnic,CN=gw2u", NULL, &ca_rsa, 0, -1, 30);
	h_node_add(A_ADDR, node_json(A_ADDR, B_ADDR, a, ca_rsa.cert_path, "", "%any", ""),
		   "unused");
	h_node_add(B_ADDR, node_json(B_ADDR, A_ADDR, &b, ca_rsa.cert_path, "", "%any", extra),
		   "unused");
	initiate();
	up = established();
	if (expect != NULL && !h_log_contains(expect))
		fail_msg("\"%s\" is not in the log", expect);
	h_teardown();
	h_setup();
	tcert_free(&b);
	return up;
}

/* b_accepts with a fresh certificate for A made with usage u. */
static bool b_accepts_usage(const struct tcert_usage *u, const char *expect)
{
	struct tcert a;
	bool up;

	tcert_make_usage(&a, dir, "gw1u", "rsa", "C=CH,O=espnic,CN=gw1u", NULL, &ca_rsa, 0, -1, 30,
			 u);
	up = b_accepts(&a, "", expect);
	tcert_free(&a);
	return up;
}

/* The peer's certificate must be meant for signing in IKE: a keyUsage without
 * digitalSignature, or an extendedKeyUsage with none of ipsecIKE, serverAuth, clientAuth or
 * anyExtendedKeyUsage (RFC 4945 5.1.3.12), is refused. */
static void test_key_usage(void **state)
{
	static const struct tcert_usage mail = {NULL, "emailProtection,codeSigning"},
					enc = {"keyEncipherment", NULL}, ike = {NULL, "ipsecIKE"},
					tls = {NULL, "serverAuth,clientAuth"};

	(void)state;
	assert_false(b_accepts_usage(&mail, "extended key usage"));
	assert_false(b_accepts_usage(&enc, "key usage"));
	assert_true(b_accepts_usage(&ike, NULL));
	assert_true(b_accepts_usage(&tls, NULL));
}

/* "crl": a certificate the CA revoked is refused, one it did not is accepted; a stale CRL, or
 * none from the issuer of the peer's certificate, fails closed. The CRLs are made here with
 * the OpenSSL API (certgen.c). */
static void test_crl(void **state)
{
	struct tcert revoked, good;
	const struct tcert *list[] = {&revoked};
	char crl[300], stale[300], other[300], extra[400];

	(void)state;
	tcert_make(&revoked, dir, "gw1v", "rsa", "C=CH,O=espnic,CN=gw1v", NULL, &ca_rsa, 0, -1, 30);
	tcert_make(&good, dir, "gw1g", "rsa", "C=CH,O=espnic,CN=gw1g", NULL, &ca_rsa, 0, -1, 30);
	snprintf(crl, sizeof(crl), "%s/ca-rsa.crl", dir);
	tcert_crl(&ca_rsa, list, 1, 7, crl);
	snprintf(stale, sizeof(stale), "%s/ca-rsa-stale.crl", dir);
	tcert_crl(&ca_rsa, NULL, 0, -1, stale);
	snprintf(other, sizeof(other), "%s/ca-other.crl", dir);
	tcert_crl(&ca_other, NULL, 0, 7, other);

	snprintf(extra, sizeof(extra), ", \"crl\": \"%s\"", crl);
	assert_false(b_accepts(&revoked, extra, "certificate not trusted: certificate revoked"));
	assert_true(b_accepts(&good, extra, NULL));
	assert_true(b_accepts(&revoked, "", NULL)); /* without the CRL it passed */
	snprintf(extra, sizeof(extra), ", \"crl\": [\"%s\"]", stale);
	assert_false(b_accepts(&good, extra, "CRL has expired"));
	snprintf(extra, sizeof(extra), ", \"crl\": \"%s\"", other);
	assert_false(b_accepts(&good, extra, "unable to get certificate CRL"));
	tcert_free(&revoked);
	tcert_free(&good);
}

/* Certificates make IKE_AUTH larger than a small fragment size: it goes as SKF fragments. */
static void test_fragmented_ike_auth(void **state)
{
	struct espnicd_stats sa_st, sb_st;
	struct tcert a, b;

	(void)state;
	plain_pair(&a, &b, "f", "rsa", &ca_rsa, ", \"fragment_size\": 576",
		   ", \"fragment_size\": 600");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take()); /* IKE_SA_INIT */
	h_deliver(h_take());
	/* IKE_AUTH: several datagrams, none above 576 - 28 octets of IKE. */
	unsigned n = H->queued;
	assert_true(n >= 3);
	for (unsigned i = 0; i < n; i++)
		assert_true(H->queue[i].len <= 576 - 28);
	h_pump();
	assert_true(established());
	assert_children_match();
	espnicd_get_stats(H->nodes[0].core, &sa_st);
	espnicd_get_stats(H->nodes[1].core, &sb_st);
	assert_int_equal(sa_st.fragments_sent, n);
	assert_int_equal(sb_st.fragments_received, n);
	assert_int_equal(sb_st.fragments_reassembled, 1);
	assert_int_equal(sa_st.fragments_reassembled, 1); /* the IKE_AUTH response */
	assert_int_equal(sa_st.fragments_dropped + sb_st.fragments_dropped, 0);
	tcert_free(&a);
	tcert_free(&b);
}

static void test_fragments_lost_and_retransmitted(void **state)
{
	struct espnicd_stats st;
	struct tcert a, b;
	(void)state;
	plain_pair(&a, &b, "l", "p256", &ca_ec, ", \"fragment_size\": 576",
		   ", \"fragment_size\": 576");
	espnicd_initiate(H->nodes[0].core, "peer");
	h_deliver(h_take());
	h_deliver(h_take());
	unsigned n = H->queued;
	assert_true(n >= 2);
	/* The first fragment is lost; the rest arrive, twice (duplicates are ignored). */
	(void)h_take();
	struct h_packet *rest = malloc(sizeof(*rest) * n);
	for (unsigned i = 0; i + 1 < n; i++)
		rest[i] = *h_take();
	for (unsigned i = 0; i + 1 < n; i++) {
		h_deliver(&rest[i]);
		h_deliver(&rest[i]);
	}
	free(rest);
	assert_int_equal(H->queued, 0); /* nothing to answer yet */
	assert_int_equal(info_of(1, 0).state, 2 /* INIT_DONE */);
	/* A retransmits every fragment; B completes and answers. */
	H->now += 1000;
	espnicd_run_timers(H->nodes[0].core);
	assert_int_equal(H->queued, n);
	h_pump();
	assert_true(established());
	espnicd_get_stats(H->nodes[1].core, &st);
	assert_int_equal(st.fragments_reassembled, 1);
	tcert_free(&a);
	tcert_free(&b);
}

static void test_fragmentation_off_on_one_side(void **state)
{
	struct espnicd_stats st;
	struct tcert a, b;

	(void)state;
	plain_pair(&a, &b, "n", "p256", &ca_ec, ", \"fragment_size\": 576",
		   ", \"fragmentation\": false");
	initiate();
	assert_true(established()); /* whole messages (IP fragmentation's problem) */
	espnicd_get_stats(H->nodes[0].core, &st);
	assert_int_equal(st.fragments_sent, 0);
	tcert_free(&a);
	tcert_free(&b);
}

/* ---- the credentials API directly ---- */

static struct creds *load(const struct tcert *t, const char *ca)
{
	struct creds *c = NULL;
	char err[256];
	const char *cas[] = {ca};

	if (creds_load(t->cert_path, t->key_path, cas, 1, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	return c;
}

/* A message holding the CERT payloads of c (as a peer would send them). */
static struct ike_message *cert_message(struct creds *c, uint8_t *store, size_t cap)
{
	struct ike_message *msg = calloc(1, sizeof(*msg));
	size_t used = 0;

	for (unsigned i = 0; i < creds_cert_count(c); i++) {
		int len = creds_cert_der(c, i, store + used, cap - used);
		struct ike_payload *p = &msg->payloads[msg->payload_count++];

		assert_true(len > 0);
		p->type = IKE_PAYLOAD_CERT;
		p->u.cert.encoding = 4;
		p->u.cert.data = (struct ike_span){store + used, (size_t)len};
		used += (size_t)len;
	}
	return msg;
}

static void sign_verify(const char *kind, const struct tcert *ca, unsigned hashes,
			uint8_t expect_method)
{
	static const uint8_t octets[] = "the signed octets of an IKE_AUTH";
	struct ike_span o = {octets, sizeof(octets)};
	struct tcert t;
	struct creds *c;
	struct cfg_id id;
	struct ike_message *msg;
	uint8_t der[8192], sig[2048], method = 0;
	char why[200];
	int len;

	tcert_make(&t, dir, "sv", kind, "C=CH,O=espnic,CN=sv,emailAddress=sv@espnic.example",
		   "DNS:sv.espnic.example,IP:198.18.0.9", ca, 0, -1, 30);
	c = load(&t, ca->cert_path);
	assert_non_null(c);
	len = creds_sign(c, hashes, o, &method, sig, sizeof(sig));
	assert_true(len > 0);
	assert_int_equal(method, expect_method);
	msg = cert_message(c, der, sizeof(der));
	assert_int_equal(creds_subject_id(c, &id), 0);
	assert_int_equal(creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len},
					   method, (struct ike_span){sig, (size_t)len}, o, why,
					   sizeof(why)),
			 0);
	/* By subjectAltName. */
	assert_int_equal(cfg_id_parse("fqdn:SV.espnic.example", &id), 0);
	assert_int_equal(creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len},
					   method, (struct ike_span){sig, (size_t)len}, o, why,
					   sizeof(why)),
			 0);
	assert_int_equal(cfg_id_parse("198.18.0.9", &id), 0);
	assert_int_equal(creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len},
					   method, (struct ike_span){sig, (size_t)len}, o, why,
					   sizeof(why)),
			 0);
	/* An identity the certificate does not carry. */
	assert_int_equal(cfg_id_parse("fqdn:other.espnic.example", &id), 0);
	assert_int_equal(creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len},
					   method, (struct ike_span){sig, (size_t)len}, o, why,
					   sizeof(why)),
			 -EKEYREJECTED);
	assert_non_null(strstr(why, "identity"));
	assert_int_equal(cfg_id_parse("dn:C=CH, O=espnic, CN=sv", &id), 0); /* no email: differs */
	assert_int_equal(creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len},
					   method, (struct ike_span){sig, (size_t)len}, o, why,
					   sizeof(why)),
			 -EKEYREJECTED);
	/* A flipped signature bit. */
	assert_int_equal(creds_subject_id(c, &id), 0);
	sig[len - 3] ^= 0x10;
	assert_int_equal(creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len},
					   method, (struct ike_span){sig, (size_t)len}, o, why,
					   sizeof(why)),
			 -EKEYREJECTED);
	assert_non_null(strstr(why, "does not verify"));
	/* Truncated AUTH data never reads past the end. */
	for (int cut = 0; cut < 20 && cut < len; cut++)
		assert_int_equal(
		    creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len}, method,
				      (struct ike_span){sig, (size_t)cut}, o, why, sizeof(why)),
		    -EKEYREJECTED);
	free(msg);
	creds_unref(c);
	tcert_free(&t);
}

static void test_api_rsa_rfc7427(void **state)
{
	(void)state;
	sign_verify("rsa", &ca_rsa, CREDS_HASHES, IKE_AUTH_DIGITAL_SIGNATURE);
}

static void test_api_rsa_classic(void **state)
{
	(void)state;
	sign_verify("rsa", &ca_rsa, 0, IKE_AUTH_RSA_SIG);
}

static void test_api_ecdsa_rfc7427(void **state)
{
	(void)state;
	sign_verify("p256", &ca_ec, 1u << IKE_HASH_SHA2_512, IKE_AUTH_DIGITAL_SIGNATURE);
}

static void test_api_ecdsa_classic(void **state)
{
	(void)state;
	sign_verify("p256", &ca_ec, 0, IKE_AUTH_ECDSA_256);
	sign_verify("p384", &ca_ec, 0, IKE_AUTH_ECDSA_384);
}

static void test_api_key_mode_and_mismatch(void **state)
{
	struct tcert t, u;
	struct creds *c = NULL;
	const char *cas[] = {ca_rsa.cert_path};
	char err[256];

	(void)state;
	tcert_make(&t, dir, "km", "p256", "C=CH,O=espnic,CN=km", NULL, &ca_ec, 0, -1, 30);
	tcert_make(&u, dir, "km2", "p256", "C=CH,O=espnic,CN=km2", NULL, &ca_ec, 0, -1, 30);
	chmod(t.key_path, 0644);
	assert_int_equal(creds_load(t.cert_path, t.key_path, cas, 1, &c, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "mode 0600"));
	assert_null(strstr(err, "PRIVATE"));
	chmod(t.key_path, 0600);
	/* Someone else's key. */
	assert_true(creds_load(t.cert_path, u.key_path, cas, 1, &c, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "does not belong"));
	assert_int_equal(creds_load(t.cert_path, t.key_path, cas, 1, &c, err, sizeof(err)), 0);
	creds_unref(c);
	tcert_free(&t);
	tcert_free(&u);
}

static void test_api_garbage_certs(void **state)
{
	struct tcert t;
	struct creds *c;
	struct ike_message *msg;
	struct cfg_id id;
	uint8_t der[8192], sig[16] = {0};
	char why[200];

	(void)state;
	tcert_make(&t, dir, "gc", "p256", "C=CH,O=espnic,CN=gc", NULL, &ca_ec, 0, -1, 30);
	c = load(&t, ca_ec.cert_path);
	msg = cert_message(c, der, sizeof(der));
	creds_subject_id(c, &id);
	/* Trailing garbage, truncation and a bad encoding are refused, never read past. */
	msg->payloads[0].u.cert.data.len += 1;
	assert_int_equal(creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len}, 14,
					   (struct ike_span){sig, sizeof(sig)},
					   (struct ike_span){sig, 1}, why, sizeof(why)),
			 -EKEYREJECTED);
	assert_non_null(strstr(why, "malformed certificate"));
	msg->payloads[0].u.cert.data.len -= 30;
	assert_int_equal(creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len}, 14,
					   (struct ike_span){sig, sizeof(sig)},
					   (struct ike_span){sig, 1}, why, sizeof(why)),
			 -EKEYREJECTED);
	msg->payloads[0].u.cert.encoding = 12;
	assert_int_equal(creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len}, 14,
					   (struct ike_span){sig, sizeof(sig)},
					   (struct ike_span){sig, 1}, why, sizeof(why)),
			 -EKEYREJECTED);
	msg->payload_count = 0;
	assert_int_equal(creds_verify_peer(c, msg, id.type, (struct ike_span){id.data, id.len}, 14,
					   (struct ike_span){sig, sizeof(sig)},
					   (struct ike_span){sig, 1}, why, sizeof(why)),
			 -EKEYREJECTED);
	assert_non_null(strstr(why, "CERT payload missing"));
	free(msg);
	creds_unref(c);
	tcert_free(&t);
}

static void test_id_parsing(void **state)
{
	struct cfg_id a, b;

	(void)state;
	assert_int_equal(cfg_id_parse("dn:C=CH, O=espnic, CN=gw1, E=gw1@espnic.example", &a), 0);
	assert_int_equal(a.type, IKE_ID_DER_ASN1_DN);
	assert_int_equal(
	    cfg_id_parse("dn:C=CH,O=espnic,CN=gw1,emailAddress=gw1@espnic.example", &b), 0);
	assert_true(cfg_id_equal(&a, b.type, (struct ike_span){b.data, b.len}));
	assert_int_equal(cfg_id_parse("dn:CN=a\\, b", &a), 0);
	assert_int_equal(cfg_id_parse("dn:CN", &a), -EINVAL);
	assert_int_equal(cfg_id_parse("dn:NOSUCHATTR=x", &a), -EINVAL);
	assert_int_equal(cfg_id_parse("fqdn:gw.example", &a), 0);
	assert_int_equal(a.type, IKE_ID_FQDN);
	assert_int_equal(cfg_id_parse("@gw.example", &b), 0);
	assert_true(cfg_id_equal(&a, b.type, (struct ike_span){b.data, b.len}));
	assert_int_equal(cfg_id_parse("email:x@y", &a), 0);
	assert_int_equal(a.type, IKE_ID_RFC822_ADDR);
	assert_int_equal(cfg_id_parse("ipv6:2001:db8::1", &a), 0);
	assert_int_equal(a.type, IKE_ID_IPV6_ADDR);
	assert_int_equal(cfg_id_parse("ipv4:nonsense", &a), -EINVAL);
	assert_int_equal(cfg_id_parse("198.18.0.1", &a), 0);
	assert_int_equal(a.type, IKE_ID_IPV4_ADDR);
}

static void test_config_keys(void **state)
{
	struct espnicd_config *cfg = NULL;
	struct tcert t;
	char json[2048], err[256];

	(void)state;
	tcert_make(&t, dir, "cfg", "p256", "C=CH,O=espnic,CN=cfg", "DNS:cfg.espnic.example", &ca_ec,
		   0, -1, 30);
	/* local_id must be in our own certificate. */
	snprintf(
	    json, sizeof(json),
	    "{\"peers\": [{\"name\": \"p\", \"local_addr\": \"198.18.0.1\", \"remote_addr\": "
	    "\"198.18.0.2\", \"auth\": \"pubkey\", \"cert\": \"%s\", \"key\": \"%s\", \"ca\": "
	    "[\"%s\", \"%s\"], \"local_id\": \"fqdn:wrong.example\", \"remote_id\": \"%%any\"}]}",
	    t.cert_path, t.key_path, ca_ec.cert_path, ca_rsa.cert_path);
	assert_true(config_parse(json, &cfg, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "local_id"));
	snprintf(json, sizeof(json),
		 "{\"peers\": [{\"name\": \"p\", \"local_addr\": \"198.18.0.1\", \"remote_addr\": "
		 "\"198.18.0.2\", \"auth\": \"pubkey\", \"cert\": \"%s\", \"key\": \"%s\", \"ca\": "
		 "[\"%s\", \"%s\"], \"local_id\": \"fqdn:cfg.espnic.example\", \"remote_id\": "
		 "\"%%any\"}]}",
		 t.cert_path, t.key_path, ca_ec.cert_path, ca_rsa.cert_path);
	assert_int_equal(config_parse(json, &cfg, err, sizeof(err)), 0);
	config_free(cfg);
	/* ocsp: an http:// URL or "aia"; https (the answers are signed anyway) and other
	 * values refused, as is an unknown ocsp_unreachable. */
	static const struct {
		const char *ocsp, *unreachable;
		bool ok;
	} ocsp[] = {{"http://198.18.0.1:8888/", "fail", true},
		    {"aia", "accept", true},
		    {"https://198.18.0.1/", "fail", false},
		    {"ldap://x/", "fail", false},
		    {"aia", "maybe", false}};
	for (size_t i = 0; i < sizeof(ocsp) / sizeof(ocsp[0]); i++) {
		snprintf(json, sizeof(json),
			 "{\"peers\": [{\"name\": \"p\", \"local_addr\": \"198.18.0.1\", "
			 "\"remote_addr\": \"198.18.0.2\", \"auth\": \"pubkey\", \"cert\": \"%s\", "
			 "\"key\": \"%s\", \"ca\": \"%s\", \"remote_id\": \"%%any\", \"ocsp\": "
			 "\"%s\", \"ocsp_unreachable\": \"%s\"}]}",
			 t.cert_path, t.key_path, ca_ec.cert_path, ocsp[i].ocsp,
			 ocsp[i].unreachable);
		if (ocsp[i].ok) {
			assert_int_equal(config_parse(json, &cfg, err, sizeof(err)), 0);
			config_free(cfg);
		} else {
			assert_true(config_parse(json, &cfg, err, sizeof(err)) < 0);
			assert_non_null(strstr(err, "ocsp"));
		}
	}
	/* pubkey without a key; cert with psk. */
	snprintf(json, sizeof(json),
		 "{\"peers\": [{\"name\": \"p\", \"local_addr\": \"198.18.0.1\", \"remote_addr\": "
		 "\"198.18.0.2\", \"auth\": \"pubkey\", \"cert\": \"%s\", \"ca\": \"%s\"}]}",
		 t.cert_path, ca_ec.cert_path);
	assert_true(config_parse(json, &cfg, err, sizeof(err)) < 0);
	snprintf(json, sizeof(json),
		 "{\"peers\": [{\"name\": \"p\", \"local_addr\": \"198.18.0.1\", \"remote_addr\": "
		 "\"198.18.0.2\", \"cert\": \"%s\"}]}",
		 t.cert_path);
	assert_true(config_parse(json, &cfg, err, sizeof(err)) < 0);
	tcert_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rsa_dn_with_email, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ecdsa_fqdn_and_rsa_mixed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ecdsa_p384_email, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_untrusted_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_id_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_psk_peer_against_pubkey_peer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_id_required, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_usage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crl, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fragmented_ike_auth, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fragments_lost_and_retransmitted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fragmentation_off_on_one_side, setup, teardown),
	    cmocka_unit_test(test_api_rsa_rfc7427),
	    cmocka_unit_test(test_api_rsa_classic),
	    cmocka_unit_test(test_api_ecdsa_rfc7427),
	    cmocka_unit_test(test_api_ecdsa_classic),
	    cmocka_unit_test(test_api_key_mode_and_mismatch),
	    cmocka_unit_test(test_api_garbage_certs),
	    cmocka_unit_test(test_id_parsing),
	    cmocka_unit_test(test_config_keys),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
