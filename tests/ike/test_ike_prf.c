/* Known-answer tests of prf, prf+, SKEYSEED and the IKE/CHILD_SA key splits: Wycheproof
 * HMAC vectors for the PRF and integrity wrappers, a CAVS-style IKEv2 KDF vector (published
 * in libreswan's CAVP test driver, HMAC-SHA1), and an independent straight-line prf+ over
 * OpenSSL's one-shot EVP_Q_mac for the SHA-2 PRFs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "ike_crypto.h"
#include "test_util.h"

static void run_hmac_file(const char *file, uint16_t prf_id, uint16_t integ_id)
{
	const struct ike_prf_alg *prf = ike_prf_lookup(prf_id);
	const struct ike_integ_alg *integ = ike_integ_lookup(integ_id);
	json_error_t jerr;
	json_t *root = json_load_file(test_vector_path(file), 0, &jerr);
	json_t *groups, *group;
	size_t gi, checked = 0, total = 0;

	assert_non_null(root);
	groups = json_object_get(root, "testGroups");
	json_array_foreach(groups, gi, group)
	{
		size_t key_bits = (size_t)json_integer_value(json_object_get(group, "keySize"));
		size_t tag_bits = (size_t)json_integer_value(json_object_get(group, "tagSize"));
		json_t *tests = json_object_get(group, "tests"), *t;
		size_t ti;

		json_array_foreach(tests, ti, t)
		{
			size_t klen, mlen, tlen;
			uint8_t *key =
			    test_unhex(json_string_value(json_object_get(t, "key")), &klen);
			uint8_t *m =
			    test_unhex(json_string_value(json_object_get(t, "msg")), &mlen);
			uint8_t *tag =
			    test_unhex(json_string_value(json_object_get(t, "tag")), &tlen);
			bool valid =
			    strcmp(json_string_value(json_object_get(t, "result")), "valid") == 0;
			struct ike_span data = {m, mlen};
			uint8_t out[64];

			total++;
			if (tag_bits == 8u * prf->out_len) {
				assert_int_equal(ike_prf(prf, key, klen, &data, 1, out), 0);
				assert_int_equal(memcmp(out, tag, tlen) == 0, valid);
				checked++;
			} else if (key_bits == 8u * integ->key_len &&
				   tag_bits == 8u * integ->icv_len) {
				assert_int_equal(ike_integ(integ, key, &data, 1, out), 0);
				assert_int_equal(memcmp(out, tag, tlen) == 0, valid);
				checked++;
			}
			free(key);
			free(m);
			free(tag);
		}
	}
	print_message("%s: %zu of %zu vectors apply and pass\n", file, checked, total);
	assert_true(checked > 0);
	json_decref(root);
}

static void test_hmac_sha1(void **state)
{
	(void)state;
	run_hmac_file("hmac_sha1_test.json", IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96);
}

static void test_hmac_sha256(void **state)
{
	(void)state;
	run_hmac_file("hmac_sha256_test.json", IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128);
}

static void test_hmac_sha384(void **state)
{
	(void)state;
	run_hmac_file("hmac_sha384_test.json", IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_384_192);
}

static void test_hmac_sha512(void **state)
{
	(void)state;
	run_hmac_file("hmac_sha512_test.json", IKE_PRF_HMAC_SHA2_512, IKE_INTEG_HMAC_SHA2_512_256);
}

/* CAVS-style IKEv2 KDF vector with HMAC-SHA1, DKM 132 octets (libreswan programs/cavp). */
static const char kdf_gir[] = "4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52";
static const char kdf_gir_new[] =
    "863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330";
static const char kdf_ni[] = "32b50d5f4a3763f3";
static const char kdf_nr[] = "9206a04b26564cb1";
static const char kdf_spii[] = "34c9e7c188868785";
static const char kdf_spir[] = "3ff77d760d2b2199";
static const char kdf_skeyseed[] = "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7";
static const char kdf_dkm[] =
    "a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002a2a63080e514a062768b"
    "76606f9fa5e992204fc5a670bde3f10d6b027113936a5c55b648a194ae587b0088d52204b702c979fa28"
    "0870d2ed41efa9c549fd11198af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a8115"
    "7435a7a56cc4";
static const char kdf_dkm_child[] =
    "8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c5811a8e7b5d1cdabd9560b2"
    "d5e092d1f24e2d4b85eccdf0ad0dc9abd94b51ee71814ca6dbc8bb51b6309f5b9545c7eb35cf5580b1e5"
    "21a8fe20754a2d883ba0c2cf285f524aea6545b33106bc03e614296d319d41d4b50b3f510b1c0a22f3e6"
    "64994d234cb4";
static const char kdf_dkm_child_dh[] =
    "bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d37301628190e38c66232eab4b3"
    "ab14c400a5197dd3730ed4820a8a10394d51e1c0400052f63ebd36b0e7ef53aaed31eba4a5080d7d4b56"
    "66023a8bbb5ffb7857240f9a05884d1b7d2f933708450b7b3288f1fc863ab49fa901227cffc06e27899c"
    "7054d56fd74c";
static const char kdf_skeyseed_rekey[] = "63e81194946ebd05df7df5ebf5d8750056bf1f1d";

struct kdf_inputs {
	uint8_t gir[32], gir_new[32], ni[8], nr[8], spii[8], spir[8];
	uint8_t skeyseed[20], dkm[132], dkm_child[132], dkm_child_dh[132], rekey[20];
	struct ike_key_inputs in;
};

static void load_kdf(struct kdf_inputs *k)
{
	assert_int_equal(test_unhex_into(kdf_gir, k->gir, 32), 32);
	assert_int_equal(test_unhex_into(kdf_gir_new, k->gir_new, 32), 32);
	assert_int_equal(test_unhex_into(kdf_ni, k->ni, 8), 8);
	assert_int_equal(test_unhex_into(kdf_nr, k->nr, 8), 8);
	assert_int_equal(test_unhex_into(kdf_spii, k->spii, 8), 8);
	assert_int_equal(test_unhex_into(kdf_spir, k->spir, 8), 8);
	assert_int_equal(test_unhex_into(kdf_skeyseed, k->skeyseed, 20), 20);
	assert_int_equal(test_unhex_into(kdf_dkm, k->dkm, 132), 132);
	assert_int_equal(test_unhex_into(kdf_dkm_child, k->dkm_child, 132), 132);
	assert_int_equal(test_unhex_into(kdf_dkm_child_dh, k->dkm_child_dh, 132), 132);
	assert_int_equal(test_unhex_into(kdf_skeyseed_rekey, k->rekey, 20), 20);
	k->in.ni = (struct ike_span){k->ni, 8};
	k->in.nr = (struct ike_span){k->nr, 8};
	k->in.spi_i = k->spii;
	k->in.spi_r = k->spir;
}

static void test_kdf_vector(void **state)
{
	const struct ike_prf_alg *prf = ike_prf_lookup(IKE_PRF_HMAC_SHA1);
	const struct ike_encr_alg *cbc = ike_encr_lookup(IKE_ENCR_AES_CBC, 128);
	const struct ike_integ_alg *sha1 = ike_integ_lookup(IKE_INTEG_HMAC_SHA1_96);
	struct kdf_inputs k;
	struct ike_sa_keys keys;
	struct ike_child_keys child;
	uint8_t out[132];
	struct ike_span data[4];

	(void)state;
	load_kdf(&k);
	assert_int_equal(ike_skeyseed(prf, &k.in, (struct ike_span){k.gir, 32}, out), 0);
	assert_memory_equal(out, k.skeyseed, 20);
	data[0] = k.in.ni;
	data[1] = k.in.nr;
	data[2] = (struct ike_span){k.spii, 8};
	data[3] = (struct ike_span){k.spir, 8};
	assert_int_equal(ike_prf_plus(prf, k.skeyseed, 20, data, 4, out, 132), 0);
	assert_memory_equal(out, k.dkm, 132);
	/* Child SA KEYMAT with and without PFS, SK_d being DKM's first 20 octets. */
	assert_int_equal(ike_prf_plus(prf, k.dkm, 20, data, 2, out, 132), 0);
	assert_memory_equal(out, k.dkm_child, 132);
	assert_int_equal(
	    ike_skeyseed_rekey(prf, k.dkm, &k.in, (struct ike_span){k.gir_new, 32}, out), 0);
	assert_memory_equal(out, k.rekey, 20);

	/* SHA1 + AES-CBC-128 + HMAC-SHA1-96 needs exactly 132 octets: check the split. */
	assert_int_equal(
	    ike_derive_ike_sa(prf, cbc, sha1, &k.in, (struct ike_span){k.gir, 32}, &keys), 0);
	assert_memory_equal(keys.sk_d, k.dkm, 20);
	assert_memory_equal(keys.sk_ai, k.dkm + 20, 20);
	assert_memory_equal(keys.sk_ar, k.dkm + 40, 20);
	assert_memory_equal(keys.sk_ei, k.dkm + 60, 16);
	assert_memory_equal(keys.sk_er, k.dkm + 76, 16);
	assert_memory_equal(keys.sk_pi, k.dkm + 92, 20);
	assert_memory_equal(keys.sk_pr, k.dkm + 112, 20);

	assert_int_equal(ike_derive_child_keys(prf, keys.sk_d, cbc, sha1, (struct ike_span){0},
					       k.in.ni, k.in.nr, &child),
			 0);
	assert_memory_equal(child.i_to_r.encr, k.dkm_child, 16);
	assert_memory_equal(child.i_to_r.integ, k.dkm_child + 16, 20);
	assert_memory_equal(child.r_to_i.encr, k.dkm_child + 36, 16);
	assert_memory_equal(child.r_to_i.integ, k.dkm_child + 52, 20);
	assert_int_equal(ike_derive_child_keys(prf, keys.sk_d, cbc, sha1,
					       (struct ike_span){k.gir_new, 32}, k.in.ni, k.in.nr,
					       &child),
			 0);
	assert_memory_equal(child.i_to_r.encr, k.dkm_child_dh, 16);
	assert_memory_equal(child.r_to_i.integ, k.dkm_child_dh + 52, 20);
	ike_sa_keys_wipe(&keys);
	ike_child_keys_wipe(&child);
}

/* Straight-line reference: prf+ by the RFC's formula with one-shot HMAC calls. */
static void ref_hmac(const char *md, const uint8_t *key, size_t klen, const uint8_t *msg,
		     size_t mlen, uint8_t *out)
{
	size_t olen = 0;

	assert_non_null(
	    EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key, klen, msg, mlen, out, 64, &olen));
}

static void ref_prf_plus(const char *md, size_t hlen, const uint8_t *key, size_t klen,
			 const uint8_t *s, size_t slen, uint8_t *out, size_t out_len)
{
	uint8_t t[64], in[64 + 512 + 1];
	size_t done = 0, inlen;
	unsigned n;

	for (n = 1; done < out_len; n++) {
		inlen = 0;
		if (n > 1) {
			memcpy(in, t, hlen);
			inlen = hlen;
		}
		memcpy(in + inlen, s, slen);
		inlen += slen;
		in[inlen++] = (uint8_t)n;
		ref_hmac(md, key, klen, in, inlen, t);
		memcpy(out + done, t, out_len - done < hlen ? out_len - done : hlen);
		done += hlen;
	}
}

static void test_sha2_against_reference(void **state)
{
	static const uint16_t prfs[] = {IKE_PRF_HMAC_SHA2_256, IKE_PRF_HMAC_SHA2_384,
					IKE_PRF_HMAC_SHA2_512};
	static const char *mds[] = {"SHA256", "SHA384", "SHA512"};
	const struct ike_encr_alg *gcm = ike_encr_lookup(IKE_ENCR_AES_GCM_16, 256);
	uint8_t ni[32], nr[48], spii[8], spir[8], gir[256], s[512], expect[512], seed[64];
	struct ike_key_inputs in = {{ni, sizeof(ni)}, {nr, sizeof(nr)}, spii, spir};
	struct ike_sa_keys keys;
	struct ike_child_keys child;
	size_t i, slen;

	(void)state;
	for (i = 0; i < sizeof(ni); i++)
		ni[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < sizeof(nr); i++)
		nr[i] = (uint8_t)(i * 13 + 5);
	for (i = 0; i < sizeof(gir); i++)
		gir[i] = (uint8_t)(i * 31 + 3);
	memcpy(spii, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	memcpy(spir, "\x99\xaa\xbb\xcc\xdd\xee\xff\x00", 8);
	for (i = 0; i < 3; i++) {
		const struct ike_prf_alg *prf = ike_prf_lookup(prfs[i]);
		size_t h = prf->out_len, total = 3 * h + 2 * 36;

		/* SKEYSEED = prf(Ni | Nr, g^ir). */
		memcpy(s, ni, sizeof(ni));
		memcpy(s + sizeof(ni), nr, sizeof(nr));
		ref_hmac(mds[i], s, sizeof(ni) + sizeof(nr), gir, sizeof(gir), seed);
		/* keys = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), AEAD so no SK_a. */
		slen = sizeof(ni) + sizeof(nr);
		memcpy(s + slen, spii, 8);
		memcpy(s + slen + 8, spir, 8);
		ref_prf_plus(mds[i], h, seed, h, s, slen + 16, expect, total);
		assert_int_equal(ike_derive_ike_sa(prf, gcm, NULL, &in,
						   (struct ike_span){gir, sizeof(gir)}, &keys),
				 0);
		assert_memory_equal(keys.sk_d, expect, h);
		assert_memory_equal(keys.sk_ei, expect + h, 32);
		assert_memory_equal(keys.salt_i, expect + h + 32, 4);
		assert_memory_equal(keys.sk_er, expect + h + 36, 32);
		assert_memory_equal(keys.salt_r, expect + h + 68, 4);
		assert_memory_equal(keys.sk_pi, expect + h + 72, h);
		assert_memory_equal(keys.sk_pr, expect + 2 * h + 72, h);
		/* ESP AES-GCM-256 KEYMAT = prf+(SK_d, Ni | Nr): key | salt per direction. */
		ref_prf_plus(mds[i], h, keys.sk_d, h, s, slen, expect, 72);
		assert_int_equal(ike_derive_child_keys(prf, keys.sk_d, gcm, NULL,
						       (struct ike_span){0}, in.ni, in.nr, &child),
				 0);
		assert_memory_equal(child.i_to_r.encr, expect, 32);
		assert_memory_equal(child.i_to_r.salt, expect + 32, 4);
		assert_memory_equal(child.r_to_i.encr, expect + 36, 32);
		assert_memory_equal(child.r_to_i.salt, expect + 68, 4);
	}
}

static void test_argument_errors(void **state)
{
	const struct ike_prf_alg *prf = ike_prf_lookup(IKE_PRF_HMAC_SHA2_256);
	const struct ike_encr_alg *gcm = ike_encr_lookup(IKE_ENCR_AES_GCM_16, 128);
	const struct ike_integ_alg *sha = ike_integ_lookup(IKE_INTEG_HMAC_SHA2_256_128);
	uint8_t key[32] = {0}, out[8192];
	struct ike_child_keys child;

	(void)state;
	/* prf+ stops at 255 blocks. */
	assert_int_equal(ike_prf_plus(prf, key, 32, NULL, 0, out, 255 * 32), 0);
	assert_int_equal(ike_prf_plus(prf, key, 32, NULL, 0, out, 255 * 32 + 1), -EINVAL);
	/* AEAD with an integrity transform, or CBC without one, is not a suite. */
	assert_int_equal(ike_derive_child_keys(prf, key, gcm, sha, (struct ike_span){0},
					       (struct ike_span){key, 16},
					       (struct ike_span){key, 16}, &child),
			 -EINVAL);
	assert_int_equal(ike_derive_child_keys(prf, key, ike_encr_lookup(IKE_ENCR_AES_CBC, 256),
					       NULL, (struct ike_span){0},
					       (struct ike_span){key, 16},
					       (struct ike_span){key, 16}, &child),
			 -EINVAL);
	assert_null(ike_encr_lookup(IKE_ENCR_AES_CBC, 192));
	assert_null(ike_prf_lookup(99));
	assert_null(ike_integ_lookup(99));
	assert_null(ike_dh_lookup(99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hmac_sha1),	    cmocka_unit_test(test_hmac_sha256),
	    cmocka_unit_test(test_hmac_sha384),	    cmocka_unit_test(test_hmac_sha512),
	    cmocka_unit_test(test_kdf_vector),	    cmocka_unit_test(test_sha2_against_reference),
	    cmocka_unit_test(test_argument_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
