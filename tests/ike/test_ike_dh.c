/* Diffie-Hellman tests: every Wycheproof X25519 vector and every P-256/P-384 vector whose
 * public key can be written in IKE's encoding, key agreement between fresh pairs for every
 * group, and rejection of invalid public values. */
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
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "ike_crypto.h"
#include "test_util.h"

struct tally {
	size_t valid_ok, invalid_rejected, acceptable_accepted, acceptable_rejected, skipped;
};

static json_t *load(const char *name)
{
	json_error_t jerr;
	json_t *root = json_load_file(test_vector_path(name), 0, &jerr);

	if (root == NULL)
		fail_msg("cannot load %s: %s", name, jerr.text);
	return root;
}

/* One vector: our key from the private value, IKE-encoded peer value, expected outcome. */
static void check_vector(uint16_t group, const char *priv_hex, const uint8_t *pub, size_t pub_len,
			 const char *shared_hex, const char *result, int tc, struct tally *t)
{
	uint8_t priv[80], shared[80], out[80];
	int plen = test_unhex_into(priv_hex, priv, sizeof(priv));
	int slen = test_unhex_into(shared_hex, shared, sizeof(shared));
	struct ike_dh *dh;
	int ret;

	assert_true(plen > 0 && slen >= 0);
	assert_int_equal(ike_dh_new_from_private(group, priv, (size_t)plen, &dh), 0);
	ret = ike_dh_compute(dh, pub, pub_len, out, sizeof(out));
	ike_dh_free(dh);
	if (strcmp(result, "invalid") == 0) {
		if (ret >= 0)
			fail_msg("tcId %d: invalid public value accepted", tc);
		t->invalid_rejected++;
		return;
	}
	if (ret < 0) {
		if (strcmp(result, "valid") == 0)
			fail_msg("tcId %d: valid vector rejected (%d)", tc, ret);
		t->acceptable_rejected++;
		return;
	}
	assert_int_equal(ret, slen);
	if (memcmp(out, shared, (size_t)slen) != 0)
		fail_msg("tcId %d: wrong shared secret", tc);
	if (strcmp(result, "valid") == 0)
		t->valid_ok++;
	else
		t->acceptable_accepted++;
}

static bool has_flag(json_t *test, const char *flag)
{
	json_t *flags = json_object_get(test, "flags"), *f;
	size_t i;

	json_array_foreach(flags, i, f)
	{
		if (strcmp(json_string_value(f), flag) == 0)
			return true;
	}
	return false;
}

static void test_x25519_wycheproof(void **state)
{
	json_t *root = load("x25519_test.json"), *group, *test;
	struct tally t = {0};
	size_t gi, ti, zero_rejected = 0;

	(void)state;
	json_array_foreach(json_object_get(root, "testGroups"), gi, group)
	{
		json_array_foreach(json_object_get(group, "tests"), ti, test)
		{
			uint8_t pub[32];
			const char *result = json_string_value(json_object_get(test, "result"));
			size_t before = t.acceptable_rejected;

			assert_int_equal(
			    test_unhex_into(json_string_value(json_object_get(test, "public")), pub,
					    sizeof(pub)),
			    32);
			/* RFC 8031 2.2: an all-zero result must be rejected, so these
			 * "acceptable" vectors are invalid for IKE. */
			if (has_flag(test, "ZeroSharedSecret"))
				result = "invalid";
			check_vector(IKE_DH_CURVE25519,
				     json_string_value(json_object_get(test, "private")), pub, 32,
				     json_string_value(json_object_get(test, "shared")), result,
				     (int)json_integer_value(json_object_get(test, "tcId")), &t);
			if (strcmp(result, "invalid") == 0)
				zero_rejected++;
			assert_int_equal(t.acceptable_rejected, before);
		}
	}
	print_message("x25519: %zu valid, %zu acceptable accepted, %zu all-zero rejected\n",
		      t.valid_ok, t.acceptable_accepted, zero_rejected);
	assert_int_equal(t.valid_ok + t.acceptable_accepted + zero_rejected, 518);
	json_decref(root);
}

/* Wycheproof's ECDH files give public keys as X.509 SubjectPublicKeyInfo. IKE can carry only
 * a named-curve uncompressed point, so exactly the vectors whose SPKI is the canonical DER
 * prefix for the curve followed by 04 | x | y are expressible; everything else (compressed
 * points, explicit or wrong curve parameters, broken ASN.1) is a property of the ASN.1
 * wrapper that an IKE KE payload cannot express, and is counted as skipped. */
static void run_ecdh_file(const char *file, uint16_t group, const char *spki_prefix,
			  size_t coord_len)
{
	json_t *root = load(file), *g, *test;
	size_t gi, ti, prefix_len = strlen(spki_prefix);
	struct tally t = {0};

	json_array_foreach(json_object_get(root, "testGroups"), gi, g)
	{
		json_array_foreach(json_object_get(g, "tests"), ti, test)
		{
			const char *pub_hex = json_string_value(json_object_get(test, "public"));
			uint8_t pub[2 * 66];

			if (strlen(pub_hex) != prefix_len + 2 + 4 * coord_len ||
			    strncmp(pub_hex, spki_prefix, prefix_len) != 0 ||
			    strncmp(pub_hex + prefix_len, "04", 2) != 0) {
				t.skipped++;
				continue;
			}
			assert_int_equal(
			    test_unhex_into(pub_hex + prefix_len + 2, pub, sizeof(pub)),
			    (int)(2 * coord_len));
			check_vector(group, json_string_value(json_object_get(test, "private")),
				     pub, 2 * coord_len,
				     json_string_value(json_object_get(test, "shared")),
				     json_string_value(json_object_get(test, "result")),
				     (int)json_integer_value(json_object_get(test, "tcId")), &t);
		}
	}
	print_message("%s: %zu valid ok, %zu invalid rejected, %zu acceptable accepted, "
		      "%zu acceptable rejected, %zu not expressible in IKE\n",
		      file, t.valid_ok, t.invalid_rejected, t.acceptable_accepted,
		      t.acceptable_rejected, t.skipped);
	assert_true(t.valid_ok > 0);
	assert_true(t.invalid_rejected > 0);
	json_decref(root);
}

static void test_p256_wycheproof(void **state)
{
	(void)state;
	run_ecdh_file("ecdh_secp256r1_test.json", IKE_DH_ECP_256,
		      "3059301306072a8648ce3d020106082a8648ce3d030107034200", 32);
}

static void test_p384_wycheproof(void **state)
{
	(void)state;
	run_ecdh_file("ecdh_secp384r1_test.json", IKE_DH_ECP_384,
		      "3076301006072a8648ce3d020106052b81040022036200", 48);
}

static void test_agreement_all_groups(void **state)
{
	static const uint16_t groups[] = {IKE_DH_MODP_2048, IKE_DH_MODP_3072, IKE_DH_MODP_4096,
					  IKE_DH_ECP_256,   IKE_DH_ECP_384,   IKE_DH_ECP_521,
					  IKE_DH_CURVE25519};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		const struct ike_dh_group *g = ike_dh_lookup(groups[i]);
		uint8_t pa[IKE_MAX_DH_PUBLIC], pb[IKE_MAX_DH_PUBLIC];
		uint8_t sa[IKE_MAX_DH_SECRET], sb[IKE_MAX_DH_SECRET];
		struct ike_dh *a, *b;

		assert_int_equal(ike_dh_new(groups[i], &a), 0);
		assert_int_equal(ike_dh_new(groups[i], &b), 0);
		assert_ptr_equal(ike_dh_group_of(a), g);
		assert_int_equal(ike_dh_public(a, pa, sizeof(pa)), g->public_len);
		assert_int_equal(ike_dh_public(b, pb, sizeof(pb)), g->public_len);
		assert_int_equal(ike_dh_compute(a, pb, g->public_len, sa, sizeof(sa)),
				 g->secret_len);
		assert_int_equal(ike_dh_compute(b, pa, g->public_len, sb, sizeof(sb)),
				 g->secret_len);
		assert_memory_equal(sa, sb, g->secret_len);
		/* Wrong lengths, either way. */
		assert_int_equal(ike_dh_compute(a, pb, g->public_len - 1, sa, sizeof(sa)), -EINVAL);
		assert_int_equal(ike_dh_compute(a, pb, g->public_len + 1, sa, sizeof(sa)), -EINVAL);
		assert_int_equal(ike_dh_public(a, pa, g->public_len - 1), -ENOSPC);
		ike_dh_free(a);
		ike_dh_free(b);
	}
	assert_int_equal(ike_dh_new(99, &(struct ike_dh *){NULL}), -EOPNOTSUPP);
}

static void test_modp_invalid_values(void **state)
{
	static const uint16_t groups[] = {IKE_DH_MODP_2048, IKE_DH_MODP_3072, IKE_DH_MODP_4096};
	static BIGNUM *(*const primes[])(BIGNUM *) = {
	    BN_get_rfc3526_prime_2048, BN_get_rfc3526_prime_3072, BN_get_rfc3526_prime_4096};
	size_t i, k;

	(void)state;
	for (i = 0; i < 3; i++) {
		const struct ike_dh_group *g = ike_dh_lookup(groups[i]);
		uint8_t vals[6][IKE_MAX_DH_PUBLIC], out[IKE_MAX_DH_SECRET];
		BIGNUM *p = primes[i](NULL), *v = BN_new();
		struct ike_dh *dh;

		assert_non_null(p);
		/* 0, 1, p-1, p, p+1, all-ones. */
		memset(vals, 0, sizeof(vals));
		vals[1][g->public_len - 1] = 1;
		BN_copy(v, p);
		BN_sub_word(v, 1);
		BN_bn2binpad(v, vals[2], g->public_len);
		BN_bn2binpad(p, vals[3], g->public_len);
		BN_add_word(v, 2);
		BN_bn2binpad(v, vals[4], g->public_len);
		memset(vals[5], 0xff, g->public_len);
		assert_int_equal(ike_dh_new(groups[i], &dh), 0);
		for (k = 0; k < 6; k++)
			assert_int_equal(
			    ike_dh_compute(dh, vals[k], g->public_len, out, sizeof(out)), -EINVAL);
		/* 2 is a valid element of the prime-order subgroup (the generator). */
		memset(vals[0], 0, sizeof(vals[0]));
		vals[0][g->public_len - 1] = 2;
		assert_int_equal(ike_dh_compute(dh, vals[0], g->public_len, out, sizeof(out)),
				 g->secret_len);
		ike_dh_free(dh);
		BN_free(p);
		BN_free(v);
	}
}

static void test_ecp_invalid_points(void **state)
{
	static const uint16_t groups[] = {IKE_DH_ECP_256, IKE_DH_ECP_384, IKE_DH_ECP_521};
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		const struct ike_dh_group *g = ike_dh_lookup(groups[i]);
		uint8_t pub[IKE_MAX_DH_PUBLIC], out[IKE_MAX_DH_SECRET];
		struct ike_dh *dh;

		assert_int_equal(ike_dh_new(groups[i], &dh), 0);
		assert_int_equal(ike_dh_public(dh, pub, sizeof(pub)), g->public_len);
		/* Our own point with y changed is off the curve. */
		pub[g->public_len - 1] ^= 1;
		assert_int_equal(ike_dh_compute(dh, pub, g->public_len, out, sizeof(out)), -EINVAL);
		/* All zero: (0, 0) is not on these curves and stands for no point at infinity. */
		memset(pub, 0, g->public_len);
		assert_int_equal(ike_dh_compute(dh, pub, g->public_len, out, sizeof(out)), -EINVAL);
		/* Coordinates >= p. */
		memset(pub, 0xff, g->public_len);
		assert_int_equal(ike_dh_compute(dh, pub, g->public_len, out, sizeof(out)), -EINVAL);
		ike_dh_free(dh);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_x25519_wycheproof),	cmocka_unit_test(test_p256_wycheproof),
	    cmocka_unit_test(test_p384_wycheproof),	cmocka_unit_test(test_agreement_all_groups),
	    cmocka_unit_test(test_modp_invalid_values), cmocka_unit_test(test_ecp_invalid_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
