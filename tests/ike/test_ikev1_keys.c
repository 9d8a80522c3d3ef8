/* Known-answer tests of the IKEv1 key material for the four PRFs, against values computed
 * independently with Python's hmac and hashlib (gen_ikev1_vectors.py, ikev1_vectors.txt):
 *   SKEYID for PSK and signatures, SKEYID_d/a/e         RFC 2409 5
 *   the cipher key from SKEYID_e, expanded when short    RFC 2409 appendix B
 *   HASH_I / HASH_R                                      RFC 2409 5
 *   phase-1 and per-exchange IVs                         RFC 2409 appendix B
 *   quick mode HASH(1), HASH(2), HASH(3)                 RFC 2409 5.5
 *   quick mode KEYMAT with and without PFS               RFC 2409 5.5, RFC 4106 8.1
 *   NAT-D                                                RFC 3947 3.2
 * and a published NIST CAVS (SP 800-135) IKEv1 signature vector for SKEYID and SKEYID_d/a/e
 * with SHA-1. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ikev1_crypto.h"
#include "test_util.h"

struct input {
	uint8_t b[512];
	size_t len;
};

static struct input ni, nr, gxy, gxi, gxr, psk, cky_i, cky_r, sai_b, idii_b, idir_b, msgid_b,
    last_block, qm_ni, qm_nr, g_qm, spi_i, spi_r, qm_rest, natd_addr, natd_port;

static void load(const char *section, const char *key, struct input *in)
{
	int n = test_vector_hex(IKEV1_VECTORS, section, key, in->b, sizeof(in->b));

	if (n < 0)
		fail_msg("vector [%s] %s missing", section, key);
	in->len = (size_t)n;
}

static struct ike_span sp(const struct input *in)
{
	struct ike_span s = {in->b, in->len};
	return s;
}

static uint32_t msgid(void)
{
	return (uint32_t)msgid_b.b[0] << 24 | (uint32_t)msgid_b.b[1] << 16 |
	       (uint32_t)msgid_b.b[2] << 8 | msgid_b.b[3];
}

static int setup(void **state)
{
	static const struct {
		const char *name;
		struct input *in;
	} inputs[] = {
	    {"ni", &ni},
	    {"nr", &nr},
	    {"gxy", &gxy},
	    {"gxi", &gxi},
	    {"gxr", &gxr},
	    {"psk", &psk},
	    {"cky_i", &cky_i},
	    {"cky_r", &cky_r},
	    {"sai_b", &sai_b},
	    {"idii_b", &idii_b},
	    {"idir_b", &idir_b},
	    {"msgid", &msgid_b},
	    {"last_p1_block", &last_block},
	    {"qm_ni", &qm_ni},
	    {"qm_nr", &qm_nr},
	    {"g_qm", &g_qm},
	    {"spi_i", &spi_i},
	    {"spi_r", &spi_r},
	    {"qm_rest", &qm_rest},
	    {"natd_addr", &natd_addr},
	    {"natd_port", &natd_port},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		load("inputs", inputs[i].name, inputs[i].in);
	return 0;
}

static void expect(const char *section, const char *key, const uint8_t *got, size_t len)
{
	struct input want;

	load(section, key, &want);
	if (want.len != len || memcmp(want.b, got, len) != 0)
		fail_msg("[%s] %s differs (%zu vs %zu octets)", section, key, len, want.len);
}

static const struct {
	const char *section;
	uint16_t hash;
} prfs[] = {
    {"sha1", IKEV1_HASH_SHA1},
    {"sha256", IKEV1_HASH_SHA2_256},
    {"sha384", IKEV1_HASH_SHA2_384},
    {"sha512", IKEV1_HASH_SHA2_512},
};

#define EACH_PRF(i, s, prf)                                                                        \
	for (i = 0; i < 4 && ((s = prfs[i].section), (prf = ikev1_prf_of_hash(prfs[i].hash)), 1);  \
	     i++)

static void test_skeyid(void **state)
{
	const struct ike_prf_alg *prf;
	const char *s;
	uint8_t out[IKE_MAX_PRF_LEN];
	size_t i;

	(void)state;
	EACH_PRF(i, s, prf)
	{
		assert_non_null(prf);
		assert_int_equal(ikev1_skeyid_psk(prf, psk.b, psk.len, sp(&ni), sp(&nr), out), 0);
		expect(s, "skeyid_psk", out, prf->out_len);
		assert_int_equal(ikev1_skeyid_sig(prf, sp(&ni), sp(&nr), sp(&gxy), out), 0);
		expect(s, "skeyid_sig", out, prf->out_len);
	}
	assert_null(ikev1_prf_of_hash(IKEV1_HASH_MD5));
	assert_int_equal(ikev1_skeyid_psk(prf, psk.b, 0, sp(&ni), sp(&nr), out), -EINVAL);
}

static void test_sa_keys(void **state)
{
	const struct ike_encr_alg *aes128 = ike_encr_lookup(IKE_ENCR_AES_CBC, 128);
	const struct ike_encr_alg *aes256 = ike_encr_lookup(IKE_ENCR_AES_CBC, 256);
	const struct ike_prf_alg *prf;
	struct ikev1_sa_keys k;
	uint8_t skeyid[IKE_MAX_PRF_LEN];
	const char *s;
	size_t i;

	(void)state;
	EACH_PRF(i, s, prf)
	{
		assert_int_equal(ikev1_skeyid_psk(prf, psk.b, psk.len, sp(&ni), sp(&nr), skeyid),
				 0);
		assert_int_equal(
		    ikev1_derive_sa_keys(prf, aes128, skeyid, sp(&gxy), cky_i.b, cky_r.b, &k), 0);
		expect(s, "skeyid_d", k.skeyid_d, prf->out_len);
		expect(s, "skeyid_a", k.skeyid_a, prf->out_len);
		expect(s, "skeyid_e", k.skeyid_e, prf->out_len);
		expect(s, "enc_key_128", k.encr_key, 16);
		/* SHA-1's 20 octets are too few for AES-256: appendix B's expansion. */
		assert_int_equal(
		    ikev1_derive_sa_keys(prf, aes256, skeyid, sp(&gxy), cky_i.b, cky_r.b, &k), 0);
		expect(s, "enc_key_256", k.encr_key, 32);
		assert_int_equal(k.encr_len, 32);
		ikev1_sa_keys_wipe(&k);
	}
	assert_int_equal(ikev1_derive_sa_keys(prf, ike_encr_lookup(IKE_ENCR_AES_GCM_16, 128),
					      skeyid, sp(&gxy), cky_i.b, cky_r.b, &k),
			 -EINVAL);
}

static void test_phase1_hashes_and_ivs(void **state)
{
	const struct ike_encr_alg *aes = ike_encr_lookup(IKE_ENCR_AES_CBC, 256);
	const struct ike_prf_alg *prf;
	uint8_t skeyid[IKE_MAX_PRF_LEN], out[IKE_MAX_PRF_LEN];
	struct ikev1_iv iv, p1 = {16, {0}};
	const char *s;
	size_t i;

	(void)state;
	memcpy(p1.iv, last_block.b, 16);
	EACH_PRF(i, s, prf)
	{
		assert_int_equal(ikev1_skeyid_psk(prf, psk.b, psk.len, sp(&ni), sp(&nr), skeyid),
				 0);
		assert_int_equal(ikev1_hash_phase1(prf, skeyid, true, sp(&gxi), sp(&gxr), cky_i.b,
						   cky_r.b, sp(&sai_b), sp(&idii_b), out),
				 0);
		expect(s, "hash_i", out, prf->out_len);
		assert_int_equal(ikev1_hash_phase1(prf, skeyid, false, sp(&gxi), sp(&gxr), cky_i.b,
						   cky_r.b, sp(&sai_b), sp(&idir_b), out),
				 0);
		expect(s, "hash_r", out, prf->out_len);
		assert_int_equal(ikev1_iv_phase1(prf, aes, sp(&gxi), sp(&gxr), &iv), 0);
		assert_int_equal(iv.len, 16);
		expect(s, "iv_phase1", iv.iv, iv.len);
		assert_int_equal(ikev1_iv_exchange(prf, &p1, msgid(), &iv), 0);
		expect(s, "iv_exchange", iv.iv, iv.len);
	}
}

/* Each direction's KEYMAT is the encryption key followed by the second part (the salt for
 * AES-GCM, the integrity key otherwise). */
static void expect_keymat(const char *section, size_t pfs, const char *suite,
			  const struct ike_child_keys *ck, const uint8_t *i_to_r_second,
			  const uint8_t *r_to_i_second)
{
	size_t second = ck->salt_len ? ck->salt_len : ck->integ_len, d;
	uint8_t cat[IKE_MAX_KEYMAT_PART + IKE_MAX_INTEG_KEY];
	char name[64];

	for (d = 0; d < 2; d++) {
		memcpy(cat, d ? ck->r_to_i.encr : ck->i_to_r.encr, ck->encr_len);
		memcpy(cat + ck->encr_len, d ? r_to_i_second : i_to_r_second, second);
		snprintf(name, sizeof(name), "keymat_%s_%s_%s", pfs ? "pfs" : "nopfs", suite,
			 d ? "r_to_i" : "i_to_r");
		expect(section, name, cat, ck->encr_len + second);
	}
}

static void test_quick_mode(void **state)
{
	const struct ike_encr_alg *cbc = ike_encr_lookup(IKE_ENCR_AES_CBC, 256);
	const struct ike_encr_alg *gcm = ike_encr_lookup(IKE_ENCR_AES_GCM_16, 128);
	const struct ike_integ_alg *sha256 = ike_integ_lookup(IKE_INTEG_HMAC_SHA2_256_128);
	const struct ike_prf_alg *prf;
	struct ike_span none = {NULL, 0};
	uint8_t skeyid[IKE_MAX_PRF_LEN], out[IKE_MAX_PRF_LEN];
	struct ikev1_sa_keys k;
	struct ike_child_keys ck;
	const char *s;
	size_t i, pfs;

	(void)state;
	EACH_PRF(i, s, prf)
	{
		assert_int_equal(ikev1_skeyid_psk(prf, psk.b, psk.len, sp(&ni), sp(&nr), skeyid),
				 0);
		assert_int_equal(
		    ikev1_derive_sa_keys(prf, cbc, skeyid, sp(&gxy), cky_i.b, cky_r.b, &k), 0);
		assert_int_equal(
		    ikev1_hash_msgid(prf, k.skeyid_a, msgid(), none, sp(&qm_rest), out), 0);
		expect(s, "qm_hash1", out, prf->out_len);
		assert_int_equal(
		    ikev1_hash_msgid(prf, k.skeyid_a, msgid(), sp(&qm_ni), sp(&qm_rest), out), 0);
		expect(s, "qm_hash2", out, prf->out_len);
		assert_int_equal(
		    ikev1_hash_quick3(prf, k.skeyid_a, msgid(), sp(&qm_ni), sp(&qm_nr), out), 0);
		expect(s, "qm_hash3", out, prf->out_len);
		for (pfs = 0; pfs < 2; pfs++) {
			struct ike_span g = pfs ? sp(&g_qm) : none;
			assert_int_equal(ikev1_derive_child_keys(
					     prf, k.skeyid_d, cbc, sha256, g, IKEV1_PROTO_IPSEC_ESP,
					     spi_i.b, spi_r.b, sp(&qm_ni), sp(&qm_nr), &ck),
					 0);
			expect_keymat(s, pfs, "cbc256_sha256", &ck, ck.i_to_r.integ,
				      ck.r_to_i.integ);
			assert_int_equal(ikev1_derive_child_keys(
					     prf, k.skeyid_d, gcm, NULL, g, IKEV1_PROTO_IPSEC_ESP,
					     spi_i.b, spi_r.b, sp(&qm_ni), sp(&qm_nr), &ck),
					 0);
			assert_int_equal(ck.salt_len, 4);
			expect_keymat(s, pfs, "gcm128", &ck, ck.i_to_r.salt, ck.r_to_i.salt);
		}
		ike_child_keys_wipe(&ck);
		ikev1_sa_keys_wipe(&k);
	}
	/* An AEAD suite takes no integrity algorithm and CBC needs one. */
	assert_int_equal(ikev1_derive_child_keys(prf, skeyid, gcm, sha256, none, 3, spi_i.b,
						 spi_r.b, sp(&qm_ni), sp(&qm_nr), &ck),
			 -EINVAL);
	assert_int_equal(ikev1_derive_child_keys(prf, skeyid, cbc, NULL, none, 3, spi_i.b, spi_r.b,
						 sp(&qm_ni), sp(&qm_nr), &ck),
			 -EINVAL);
}

static void test_nist_signature_vector(void **state)
{
	const struct ike_prf_alg *prf = ikev1_prf_of_hash(IKEV1_HASH_SHA1);
	const struct ike_encr_alg *aes = ike_encr_lookup(IKE_ENCR_AES_CBC, 128);
	struct input vi, vr, g, ci, cr;
	uint8_t skeyid[IKE_MAX_PRF_LEN];
	struct ikev1_sa_keys k;

	(void)state;
	load("nist_sig_sha1", "ni", &vi);
	load("nist_sig_sha1", "nr", &vr);
	load("nist_sig_sha1", "gxy", &g);
	load("nist_sig_sha1", "cky_i", &ci);
	load("nist_sig_sha1", "cky_r", &cr);
	assert_int_equal(g.len, 128);
	assert_int_equal(ikev1_skeyid_sig(prf, sp(&vi), sp(&vr), sp(&g), skeyid), 0);
	expect("nist_sig_sha1", "skeyid", skeyid, 20);
	assert_int_equal(ikev1_derive_sa_keys(prf, aes, skeyid, sp(&g), ci.b, cr.b, &k), 0);
	expect("nist_sig_sha1", "skeyid_d", k.skeyid_d, 20);
	expect("nist_sig_sha1", "skeyid_a", k.skeyid_a, 20);
	expect("nist_sig_sha1", "skeyid_e", k.skeyid_e, 20);
	ikev1_sa_keys_wipe(&k);
}

static void test_natd(void **state)
{
	const struct ike_prf_alg *prf;
	uint8_t out[64];
	const char *s;
	size_t i;
	uint16_t port = (uint16_t)(natd_port.b[0] << 8 | natd_port.b[1]);

	(void)state;
	EACH_PRF(i, s, prf)
	{
		int n = ikev1_natd_hash(prf, cky_i.b, cky_r.b, natd_addr.b, natd_addr.len, port,
					out, sizeof(out));

		assert_int_equal(n, prf->out_len);
		expect(s, "natd", out, (size_t)n);
	}
	assert_int_equal(ikev1_natd_hash(prf, cky_i.b, cky_r.b, natd_addr.b, 5, port, out, 64),
			 -EINVAL);
	assert_true(ikev1_natd_hash(prf, cky_i.b, cky_r.b, natd_addr.b, 4, port, out, 32) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skeyid),
	    cmocka_unit_test(test_sa_keys),
	    cmocka_unit_test(test_phase1_hashes_and_ivs),
	    cmocka_unit_test(test_quick_mode),
	    cmocka_unit_test(test_nist_signature_vector),
	    cmocka_unit_test(test_natd),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
