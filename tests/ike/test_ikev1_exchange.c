/* The IKEv1 library pieces used together as the daemon will: a main mode with PSK (messages
 * 1, 5 and 6: SA offer, encrypted ID + HASH_I / HASH_R) and a quick mode with PFS (HASH(1),
 * HASH(2), HASH(3)) between two simulated peers with real DH, each side deriving its own
 * keys and IVs, writing, encrypting, parsing, decrypting and verifying the other's
 * messages; both end with the same KEYMAT. A tampered HASH is caught. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ikev1_crypto.h"

#define GROUP IKE_DH_ECP_256

struct peer {
	bool initiator;
	struct ike_dh *dh, *qm_dh;
	uint8_t pub[IKE_MAX_DH_PUBLIC], qm_pub[IKE_MAX_DH_PUBLIC];
	uint8_t nonce[32], qm_nonce[32];
	uint8_t spi[4];
	struct ikev1_sa_keys keys;
	struct ikev1_iv p1_iv, qm_iv;
	struct ike_child_keys child;
};

static struct peer ini = {.initiator = true}, res;
static struct ikev1_phase1_suite suite;
static const uint8_t psk[] = "correct horse battery staple";
static uint8_t cky_i[8] = {1, 1, 2, 3, 5, 8, 13, 21}, cky_r[8] = {0x42, 0, 0, 0, 0, 0, 0, 7};
static uint8_t sai_b[512];
static size_t sai_len, pub_len;
static uint32_t qm_msgid = 0x11223344;
static struct ikev1_message msg;
static uint8_t wire[4096], plain[4096], dec[4096];

static struct ike_span sp(const void *p, size_t n)
{
	struct ike_span s = {p, n};
	return s;
}

static struct ike_header header(uint8_t exchange, uint32_t msgid)
{
	struct ike_header h = {.major_version = 1, .exchange_type = exchange, .message_id = msgid};

	memcpy(h.spi_i, cky_i, 8);
	memcpy(h.spi_r, cky_r, 8);
	return h;
}

/* Main mode 1: the initiator's SA offer; the responder parses it, keeps SAi_b, and picks
 * the transform through the policy (the first, DES, is refused). */
static void main_mode_1(void)
{
	static struct ikev1_sa_payload sa;
	struct ikev1_payload p = {.type = IKEV1_PAYLOAD_SA, .u.sa = &sa};
	struct ike_header h = header(IKEV1_EXCHANGE_MAIN, 0);
	const struct ikev1_payload *got;
	struct ike_writer w;
	char why[128];
	int len, i, chosen = -1;

	memset(h.spi_r, 0, 8);
	sa = (struct ikev1_sa_payload){.doi = IKEV1_DOI_IPSEC,
				       .situation = IKEV1_SIT_IDENTITY,
				       .proposal_count = 1,
				       .transform_count = 2};
	sa.proposals[0] = (struct ikev1_proposal){1, IKEV1_PROTO_ISAKMP, 0, {0}, 2, 0};
	sa.transforms[0] = (struct ikev1_transform){.number = 1,
						    .id = IKEV1_KEY_IKE,
						    .encr = IKEV1_ENCR_DES_CBC,
						    .hash = IKEV1_HASH_SHA1,
						    .auth_method = IKEV1_AUTH_PSK,
						    .group = GROUP};
	sa.transforms[1] = (struct ikev1_transform){.number = 2,
						    .id = IKEV1_KEY_IKE,
						    .encr = IKEV1_ENCR_AES_CBC,
						    .key_length = 128,
						    .hash = IKEV1_HASH_SHA2_256,
						    .auth_method = IKEV1_AUTH_PSK,
						    .group = GROUP,
						    .life_seconds = 28800};
	ike_writer_init(&w, wire, sizeof(wire));
	ike_writer_header(&w, &h);
	ikev1_writer_payload(&w, &p);
	len = ike_writer_finish(&w);
	assert_true(len > 0);

	assert_int_equal(ikev1_message_parse(wire, (size_t)len, &msg), 0);
	got = ikev1_message_find(&msg, IKEV1_PAYLOAD_SA, 0);
	assert_non_null(got);
	memcpy(sai_b, got->body.ptr, got->body.len);
	sai_len = got->body.len;
	for (i = 0; i < got->u.sa->proposals[0].transform_count && chosen < 0; i++) {
		int ret = ikev1_policy_phase1(&got->u.sa->transforms[i], &suite, why, sizeof(why));

		if (ret == 0)
			chosen = i;
		else
			assert_int_equal(ret, -EPERM); /* the DES one */
	}
	assert_int_equal(chosen, 1);
}

/* Main mode 3 and 4 carry KE and nonces in the clear; here the values are just exchanged,
 * and each side derives SKEYID, SKEYID_d/a/e and the first IV on its own. */
static void keys(struct peer *me, const struct peer *other)
{
	uint8_t gxy[IKE_MAX_DH_SECRET], skeyid[IKE_MAX_PRF_LEN];
	const struct peer *i = me->initiator ? me : other, *r = me->initiator ? other : me;
	int n = ike_dh_compute(me->dh, other->pub, pub_len, gxy, sizeof(gxy));

	assert_true(n > 0);
	assert_int_equal(ikev1_skeyid_psk(suite.prf, psk, sizeof(psk) - 1, sp(i->nonce, 32),
					  sp(r->nonce, 32), skeyid),
			 0);
	assert_int_equal(ikev1_derive_sa_keys(suite.prf, suite.encr, skeyid, sp(gxy, (size_t)n),
					      cky_i, cky_r, &me->keys),
			 0);
	assert_int_equal(ikev1_iv_phase1(suite.prf, suite.encr, sp(i->pub, pub_len),
					 sp(r->pub, pub_len), &me->p1_iv),
			 0);
	OPENSSL_cleanse(gxy, sizeof(gxy));
	OPENSSL_cleanse(skeyid, sizeof(skeyid));
}

/* Main mode 5 (initiator) or 6 (responder): ID then HASH_I / HASH_R, encrypted. */
static int send_identity(struct peer *me, const char *fqdn)
{
	struct ikev1_payload id = {.type = IKEV1_PAYLOAD_ID}, hash = {.type = IKEV1_PAYLOAD_HASH};
	struct ike_header h = header(IKEV1_EXCHANGE_MAIN, 0);
	uint8_t value[IKE_MAX_PRF_LEN];
	struct ike_writer w;
	int plen;

	id.u.id.id_type = IKEV1_ID_FQDN;
	id.u.id.protocol = 17;
	id.u.id.port = 500;
	id.u.id.data = sp(fqdn, strlen(fqdn));
	ike_writer_init(&w, plain, sizeof(plain));
	ikev1_writer_payload(&w, &id);
	/* IDii_b / IDir_b is the body just written, after its generic header. */
	assert_int_equal(
	    ikev1_hash_phase1(suite.prf, me->keys.skeyid, me->initiator, sp(ini.pub, pub_len),
			      sp(res.pub, pub_len), cky_i, cky_r, sp(sai_b, sai_len),
			      sp(plain + IKE_GENERIC_HEADER_LEN, w.len - IKE_GENERIC_HEADER_LEN),
			      value),
	    0);
	hash.u.hash = sp(value, suite.prf->out_len);
	ikev1_writer_payload(&w, &hash);
	plen = ike_writer_finish(&w);
	assert_true(plen > 0);
	ike_writer_init(&w, wire, sizeof(wire));
	ike_writer_header(&w, &h);
	return ikev1_encrypt(&w, suite.encr, me->keys.encr_key, &me->p1_iv, IKEV1_PAYLOAD_ID, plain,
			     (size_t)plen);
}

/* Decrypts and parses a message into msg; the caller commits *next after verifying. */
static void receive(struct peer *me, size_t len, const struct ikev1_iv *iv, struct ikev1_iv *next)
{
	int n;

	assert_int_equal(ikev1_message_parse(wire, len, &msg), 0);
	n = ikev1_decrypt(&msg, suite.encr, me->keys.encr_key, iv, next, dec, sizeof(dec));
	assert_true(n > 0);
	assert_int_equal(ikev1_message_parse_decrypted(&msg, dec, (size_t)n), 0);
}

static bool verify_identity(struct peer *me, size_t len, const char *expect_fqdn)
{
	const struct ikev1_payload *id, *hash;
	uint8_t value[IKE_MAX_PRF_LEN];
	struct ikev1_iv next;

	receive(me, len, &me->p1_iv, &next);
	id = ikev1_message_find(&msg, IKEV1_PAYLOAD_ID, 0);
	hash = ikev1_message_find(&msg, IKEV1_PAYLOAD_HASH, 0);
	assert_non_null(id);
	assert_non_null(hash);
	assert_memory_equal(id->u.id.data.ptr, expect_fqdn, strlen(expect_fqdn));
	/* The peer's hash is HASH_I when we are the responder. */
	assert_int_equal(ikev1_hash_phase1(suite.prf, me->keys.skeyid, !me->initiator,
					   sp(ini.pub, pub_len), sp(res.pub, pub_len), cky_i, cky_r,
					   sp(sai_b, sai_len), id->u.id.body, value),
			 0);
	if (hash->u.hash.len != suite.prf->out_len ||
	    CRYPTO_memcmp(value, hash->u.hash.ptr, suite.prf->out_len) != 0)
		return false;
	me->p1_iv = next;
	return true;
}

static void test_main_mode_psk(void **state)
{
	int len;

	(void)state;
	main_mode_1();
	assert_int_equal(ike_dh_new(GROUP, &ini.dh), 0);
	assert_int_equal(ike_dh_new(GROUP, &res.dh), 0);
	len = ike_dh_public(ini.dh, ini.pub, sizeof(ini.pub));
	assert_int_equal(ike_dh_public(res.dh, res.pub, sizeof(res.pub)), len);
	pub_len = (size_t)len;
	assert_int_equal(RAND_bytes(ini.nonce, 32), 1);
	assert_int_equal(RAND_bytes(res.nonce, 32), 1);
	keys(&ini, &res);
	keys(&res, &ini);
	assert_memory_equal(ini.keys.encr_key, res.keys.encr_key, suite.encr->key_len);

	len = send_identity(&ini, "left.example");
	assert_true(len > 0);
	assert_true(verify_identity(&res, (size_t)len, "left.example"));
	len = send_identity(&res, "right.example");
	assert_true(verify_identity(&ini, (size_t)len, "right.example"));
	/* Both phase-1 IV states now hold the last block of message 6. */
	assert_memory_equal(ini.p1_iv.iv, res.p1_iv.iv, 16);

	/* A wrong PSK on the responder: HASH_I does not verify and the IV is not committed.
	 * On copies, so that the real pair stays in step. */
	{
		struct peer i2 = ini, r2 = res;

		len = send_identity(&i2, "left.example");
		assert_int_equal(ikev1_skeyid_psk(suite.prf, (const uint8_t *)"wrong", 5,
						  sp(ini.nonce, 32), sp(res.nonce, 32),
						  r2.keys.skeyid),
				 0);
		assert_false(verify_identity(&r2, (size_t)len, "left.example"));
		assert_memory_equal(r2.p1_iv.iv, res.p1_iv.iv, 16);
	}
}

/* Writes HASH (zeros for now) and the rest of a quick mode message, fills in the HASH over
 * what follows it (HASH(1) with ni empty, HASH(2) with the initiator's nonce) and encrypts. */
static int send_quick(struct peer *me, struct ike_span ni)
{
	static struct ikev1_sa_payload sa;
	struct ike_header h = header(IKEV1_EXCHANGE_QUICK, qm_msgid);
	uint8_t zeros[IKE_MAX_PRF_LEN] = {0};
	struct ikev1_payload p[4];
	struct ike_span rest;
	struct ike_writer w;
	size_t k;
	int plen;

	memset(p, 0, sizeof(p));
	p[0].type = IKEV1_PAYLOAD_HASH;
	p[0].u.hash = sp(zeros, suite.prf->out_len);
	sa = (struct ikev1_sa_payload){.doi = IKEV1_DOI_IPSEC,
				       .situation = IKEV1_SIT_IDENTITY,
				       .proposal_count = 1,
				       .transform_count = 1};
	sa.proposals[0] = (struct ikev1_proposal){1, IKEV1_PROTO_IPSEC_ESP, 4, {0}, 1, 0};
	memcpy(sa.proposals[0].spi, me->spi, 4);
	sa.transforms[0] = (struct ikev1_transform){.number = 1,
						    .id = IKEV1_ESP_AES_GCM_16,
						    .key_length = 256,
						    .encap_mode = IKEV1_ENCAP_TUNNEL,
						    .group = GROUP,
						    .life_seconds = 3600};
	p[1].type = IKEV1_PAYLOAD_SA;
	p[1].u.sa = &sa;
	p[2].type = IKEV1_PAYLOAD_NONCE;
	p[2].u.nonce = sp(me->qm_nonce, 32);
	p[3].type = IKEV1_PAYLOAD_KE;
	p[3].u.ke = sp(me->qm_pub, pub_len);
	ike_writer_init(&w, plain, sizeof(plain));
	for (k = 0; k < 4; k++)
		ikev1_writer_payload(&w, &p[k]);
	plen = ike_writer_finish(&w);
	assert_true(plen > 0);
	rest = sp(plain + IKE_GENERIC_HEADER_LEN + suite.prf->out_len,
		  (size_t)plen - IKE_GENERIC_HEADER_LEN - suite.prf->out_len);
	assert_int_equal(ikev1_hash_msgid(suite.prf, me->keys.skeyid_a, qm_msgid, ni, rest,
					  plain + IKE_GENERIC_HEADER_LEN),
			 0);
	ike_writer_init(&w, wire, sizeof(wire));
	ike_writer_header(&w, &h);
	return ikev1_encrypt(&w, suite.encr, me->keys.encr_key, &me->qm_iv, IKEV1_PAYLOAD_HASH,
			     plain, (size_t)plen);
}

/* Verifies HASH(1) or HASH(2) of a received quick mode message and takes the peer's nonce,
 * SPI and KE from it. */
static bool receive_quick(struct peer *me, size_t len, struct ike_span ni, uint8_t *peer_nonce,
			  uint8_t *peer_spi, uint8_t *peer_pub)
{
	const struct ikev1_payload *hash, *sa, *nonce, *ke;
	uint8_t value[IKE_MAX_PRF_LEN];
	struct ikev1_esp_suite esp;
	struct ikev1_iv next;
	char why[128];

	receive(me, len, &me->qm_iv, &next);
	hash = ikev1_message_find(&msg, IKEV1_PAYLOAD_HASH, 0);
	assert_int_equal(ikev1_hash_msgid(suite.prf, me->keys.skeyid_a, qm_msgid, ni,
					  ikev1_message_after(&msg, hash), value),
			 0);
	if (CRYPTO_memcmp(value, hash->u.hash.ptr, suite.prf->out_len) != 0)
		return false;
	me->qm_iv = next;
	sa = ikev1_message_find(&msg, IKEV1_PAYLOAD_SA, 0);
	nonce = ikev1_message_find(&msg, IKEV1_PAYLOAD_NONCE, 0);
	ke = ikev1_message_find(&msg, IKEV1_PAYLOAD_KE, 0);
	assert_int_equal(ikev1_policy_esp(sa->u.sa->proposals[0].protocol, &sa->u.sa->transforms[0],
					  &esp, why, sizeof(why)),
			 0);
	assert_non_null(esp.pfs);
	memcpy(peer_nonce, nonce->u.nonce.ptr, 32);
	memcpy(peer_spi, sa->u.sa->proposals[0].spi, 4);
	memcpy(peer_pub, ke->u.ke.ptr, ke->u.ke.len);
	return true;
}

static void child_keys(struct peer *me, const uint8_t *peer_pub, const uint8_t *spi_i,
		       const uint8_t *spi_r, const uint8_t *ni, const uint8_t *nr)
{
	uint8_t g[IKE_MAX_DH_SECRET];
	int n = ike_dh_compute(me->qm_dh, peer_pub, pub_len, g, sizeof(g));

	assert_true(n > 0);
	assert_int_equal(ikev1_derive_child_keys(suite.prf, me->keys.skeyid_d,
						 ike_encr_lookup(IKE_ENCR_AES_GCM_16, 256), NULL,
						 sp(g, (size_t)n), IKEV1_PROTO_IPSEC_ESP, spi_i,
						 spi_r, sp(ni, 32), sp(nr, 32), &me->child),
			 0);
	OPENSSL_cleanse(g, sizeof(g));
}

static void test_quick_mode_pfs(void **state)
{
	uint8_t r_nonce[32], i_nonce[32], r_spi[4], i_spi[4], r_pub[IKE_MAX_DH_PUBLIC],
	    i_pub[IKE_MAX_DH_PUBLIC], value[IKE_MAX_PRF_LEN];
	struct ike_header h = header(IKEV1_EXCHANGE_QUICK, qm_msgid);
	struct ikev1_payload hash3 = {.type = IKEV1_PAYLOAD_HASH};
	const struct ikev1_payload *got;
	struct ikev1_iv next;
	struct ike_writer w;
	int len;

	(void)state;
	assert_int_equal(ikev1_iv_exchange(suite.prf, &ini.p1_iv, qm_msgid, &ini.qm_iv), 0);
	assert_int_equal(ikev1_iv_exchange(suite.prf, &res.p1_iv, qm_msgid, &res.qm_iv), 0);
	assert_int_equal(ike_dh_new(GROUP, &ini.qm_dh), 0);
	assert_int_equal(ike_dh_new(GROUP, &res.qm_dh), 0);
	ike_dh_public(ini.qm_dh, ini.qm_pub, sizeof(ini.qm_pub));
	ike_dh_public(res.qm_dh, res.qm_pub, sizeof(res.qm_pub));
	RAND_bytes(ini.qm_nonce, 32);
	RAND_bytes(res.qm_nonce, 32);
	memcpy(ini.spi, "\xc1\x00\x00\x01", 4);
	memcpy(res.spi, "\xd2\x00\x00\x02", 4);

	/* HASH(1), and a copy with one flipped octet that must not verify. */
	len = send_quick(&ini, sp(NULL, 0));
	assert_true(len > 0);
	{
		struct peer r2 = res;

		wire[len - 1] ^= 1; /* the last block: only the padding and the KE tail change */
		assert_false(receive_quick(&r2, (size_t)len, sp(NULL, 0), i_nonce, i_spi, i_pub));
		assert_memory_equal(r2.qm_iv.iv, res.qm_iv.iv, 16);
		wire[len - 1] ^= 1;
	}
	assert_true(receive_quick(&res, (size_t)len, sp(NULL, 0), i_nonce, i_spi, i_pub));
	/* HASH(2) covers the initiator's nonce. */
	len = send_quick(&res, sp(i_nonce, 32));
	assert_true(receive_quick(&ini, (size_t)len, sp(ini.qm_nonce, 32), r_nonce, r_spi, r_pub));
	/* HASH(3). */
	assert_int_equal(ikev1_hash_quick3(suite.prf, ini.keys.skeyid_a, qm_msgid,
					   sp(ini.qm_nonce, 32), sp(r_nonce, 32), value),
			 0);
	hash3.u.hash = sp(value, suite.prf->out_len);
	ike_writer_init(&w, plain, sizeof(plain));
	ikev1_writer_payload(&w, &hash3);
	len = ike_writer_finish(&w);
	ike_writer_init(&w, wire, sizeof(wire));
	ike_writer_header(&w, &h);
	len = ikev1_encrypt(&w, suite.encr, ini.keys.encr_key, &ini.qm_iv, IKEV1_PAYLOAD_HASH,
			    plain, (size_t)len);
	receive(&res, (size_t)len, &res.qm_iv, &next);
	got = ikev1_message_find(&msg, IKEV1_PAYLOAD_HASH, 0);
	assert_int_equal(ikev1_hash_quick3(suite.prf, res.keys.skeyid_a, qm_msgid, sp(i_nonce, 32),
					   sp(res.qm_nonce, 32), value),
			 0);
	assert_memory_equal(got->u.hash.ptr, value, suite.prf->out_len);

	/* KEYMAT with PFS: each side with its own DH result, the same keys per direction. */
	child_keys(&ini, r_pub, ini.spi, r_spi, ini.qm_nonce, r_nonce);
	child_keys(&res, i_pub, i_spi, res.spi, i_nonce, res.qm_nonce);
	assert_memory_equal(&ini.child, &res.child, sizeof(ini.child));
	assert_memory_not_equal(ini.child.i_to_r.encr, ini.child.r_to_i.encr, 32);
	assert_int_equal(ini.child.salt_len, 4);
	ike_child_keys_wipe(&ini.child);
	ike_child_keys_wipe(&res.child);
}

static int teardown(void **state)
{
	(void)state;
	ike_dh_free(ini.dh);
	ike_dh_free(res.dh);
	ike_dh_free(ini.qm_dh);
	ike_dh_free(res.qm_dh);
	ikev1_sa_keys_wipe(&ini.keys);
	ikev1_sa_keys_wipe(&res.keys);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_main_mode_psk),
	    cmocka_unit_test(test_quick_mode_pfs),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
