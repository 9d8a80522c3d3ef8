/* Tests of the IKEv1 algorithm policy: the accepted phase-1 and ESP suites map to the right
 * algorithms, and DES, 3DES, MD5 and DH groups 1, 2 and 5 are refused with a reason naming
 * RFC 8247 (IKE) or RFC 8221 (ESP); unsupported and incomplete transforms are told apart. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ikev1_crypto.h"

static const struct ikev1_transform good_p1 = {
    .number = 1,
    .id = IKEV1_KEY_IKE,
    .encr = IKEV1_ENCR_AES_CBC,
    .key_length = 256,
    .hash = IKEV1_HASH_SHA2_256,
    .auth_method = IKEV1_AUTH_PSK,
    .group = 14,
    .life_seconds = 28800,
};

static const struct ikev1_transform good_esp = {
    .number = 1,
    .id = IKEV1_ESP_AES_CBC,
    .key_length = 128,
    .auth_alg = IKEV1_AUTH_ALG_HMAC_SHA2_256,
    .encap_mode = IKEV1_ENCAP_TUNNEL,
    .life_seconds = 3600,
};

static void test_phase1_accepted(void **state)
{
	static const uint16_t hashes[] = {IKEV1_HASH_SHA1, IKEV1_HASH_SHA2_256, IKEV1_HASH_SHA2_384,
					  IKEV1_HASH_SHA2_512};
	static const uint16_t groups[] = {14, 15, 16, 19, 20, 21, 31};
	static const uint16_t auths[] = {IKEV1_AUTH_PSK, IKEV1_AUTH_RSA_SIG, IKEV1_AUTH_ECDSA_256,
					 IKEV1_AUTH_ECDSA_384, IKEV1_AUTH_ECDSA_521};
	struct ikev1_phase1_suite s;
	struct ikev1_transform t;
	char why[128];
	size_t i;

	(void)state;
	assert_int_equal(ikev1_policy_phase1(&good_p1, &s, why, sizeof(why)), 0);
	assert_string_equal(s.encr->cipher, "AES-256-CBC");
	assert_int_equal(s.prf->id, IKE_PRF_HMAC_SHA2_256);
	assert_int_equal(s.group->id, 14);
	assert_int_equal(s.life_seconds, 28800);
	for (i = 0; i < 4; i++) {
		t = good_p1;
		t.hash = hashes[i];
		assert_int_equal(ikev1_policy_phase1(&t, &s, why, sizeof(why)), 0);
	}
	for (i = 0; i < 7; i++) {
		t = good_p1;
		t.group = groups[i];
		assert_int_equal(ikev1_policy_phase1(&t, &s, why, sizeof(why)), 0);
		assert_int_equal(s.group->id, groups[i]);
	}
	for (i = 0; i < 5; i++) {
		t = good_p1;
		t.auth_method = auths[i];
		assert_int_equal(ikev1_policy_phase1(&t, &s, why, sizeof(why)), 0);
	}
	t = good_p1;
	t.key_length = 128;
	assert_int_equal(ikev1_policy_phase1(&t, &s, why, sizeof(why)), 0);
	assert_int_equal(s.encr->key_len, 16);
}

struct case_ {
	const char *what;
	size_t offset; /* of the uint16_t field to change */
	uint16_t value;
	int err;
	const char *reason; /* substring of why */
};

#define F(f) offsetof(struct ikev1_transform, f)

static void run(const struct case_ *c, size_t n, const struct ikev1_transform *base, bool esp)
{
	struct ikev1_transform t;
	struct ikev1_phase1_suite s1;
	struct ikev1_esp_suite s2;
	char why[160];
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		t = *base;
		memcpy((uint8_t *)&t + c[i].offset, &c[i].value, sizeof(uint16_t));
		why[0] = '\0';
		ret = esp ? ikev1_policy_esp(IKEV1_PROTO_IPSEC_ESP, &t, &s2, why, sizeof(why))
			  : ikev1_policy_phase1(&t, &s1, why, sizeof(why));
		print_message("%-22s -> %d \"%s\"\n", c[i].what, ret, why);
		if (ret != c[i].err || strstr(why, c[i].reason) == NULL)
			fail_msg("%s: %d \"%s\"", c[i].what, ret, why);
	}
}

static void test_phase1_refused(void **state)
{
	static const struct case_ cases[] = {
	    {"DES", F(encr), IKEV1_ENCR_DES_CBC, -EPERM, "RFC 8247"},
	    {"3DES", F(encr), IKEV1_ENCR_3DES_CBC, -EPERM, "RFC 8247"},
	    {"MD5", F(hash), IKEV1_HASH_MD5, -EPERM, "RFC 8247"},
	    {"group 1", F(group), 1, -EPERM, "RFC 8247"},
	    {"group 2", F(group), 2, -EPERM, "RFC 8247"},
	    {"group 5", F(group), 5, -EPERM, "RFC 8247"},
	    {"Blowfish", F(encr), 3, -ENOTSUP, "encryption algorithm 3"},
	    {"AES-192", F(key_length), 192, -ENOTSUP, "192-bit"},
	    {"AES no key length", F(key_length), 0, -EINVAL, "RFC 3602"},
	    {"Tiger", F(hash), 3, -ENOTSUP, "hash algorithm 3"},
	    {"PRF attribute", F(prf), 1, -ENOTSUP, "PRF"},
	    {"RSA encryption", F(auth_method), IKEV1_AUTH_RSA_ENC, -ENOTSUP, "authentication"},
	    {"DSS", F(auth_method), IKEV1_AUTH_DSS_SIG, -ENOTSUP, "authentication"},
	    {"group 22", F(group), 22, -ENOTSUP, "DH group 22"},
	    {"no group", F(group), 0, -EINVAL, "required"},
	    {"no hash", F(hash), 0, -EINVAL, "required"},
	};
	struct ikev1_transform t = good_p1;
	struct ikev1_phase1_suite s;
	char why[128];

	(void)state;
	run(cases, sizeof(cases) / sizeof(cases[0]), &good_p1, false);
	t.unknown_attribute = true;
	assert_int_equal(ikev1_policy_phase1(&t, &s, why, sizeof(why)), -ENOTSUP);
	t = good_p1;
	t.id = 2;
	assert_int_equal(ikev1_policy_phase1(&t, &s, why, sizeof(why)), -ENOTSUP);
	/* A refusal never leaves a half-filled suite, and why may be omitted. */
	t = good_p1;
	t.group = 2;
	assert_int_equal(ikev1_policy_phase1(&t, &s, NULL, 0), -EPERM);
	assert_null(s.group);
}

static void test_esp(void **state)
{
	static const struct case_ cases[] = {
	    {"ESP DES", F(id), IKEV1_ESP_DES, -EPERM, "RFC 8221"},
	    {"ESP 3DES", F(id), IKEV1_ESP_3DES, -EPERM, "RFC 8221"},
	    {"ESP HMAC-MD5", F(auth_alg), IKEV1_AUTH_ALG_HMAC_MD5, -EPERM, "RFC 8221"},
	    {"PFS group 1", F(group), 1, -EPERM, "RFC 8247"},
	    {"PFS group 2", F(group), 2, -EPERM, "RFC 8247"},
	    {"PFS group 5", F(group), 5, -EPERM, "RFC 8247"},
	    {"ESP NULL", F(id), IKEV1_ESP_NULL, -ENOTSUP, "ESP transform 11"},
	    {"no auth", F(auth_alg), 0, -EINVAL, "without authentication"},
	    {"no encap", F(encap_mode), 0, -EINVAL, "encapsulation mode 0"},
	    {"draft UDP encap", F(encap_mode), 61443, -ENOTSUP, "encapsulation mode 61443"},
	    {"ESN 2", F(esn), 2, -ENOTSUP, "ESN"},
	};
	static const uint16_t auths[] = {IKEV1_AUTH_ALG_HMAC_SHA1, IKEV1_AUTH_ALG_HMAC_SHA2_256,
					 IKEV1_AUTH_ALG_HMAC_SHA2_384,
					 IKEV1_AUTH_ALG_HMAC_SHA2_512};
	static const uint16_t integs[] = {IKE_INTEG_HMAC_SHA1_96, IKE_INTEG_HMAC_SHA2_256_128,
					  IKE_INTEG_HMAC_SHA2_384_192, IKE_INTEG_HMAC_SHA2_512_256};
	struct ikev1_transform t = good_esp;
	struct ikev1_esp_suite s;
	char why[128];
	size_t i;

	(void)state;
	assert_int_equal(ikev1_policy_esp(IKEV1_PROTO_IPSEC_ESP, &t, &s, why, sizeof(why)), 0);
	assert_string_equal(s.encr->cipher, "AES-128-CBC");
	assert_null(s.pfs);
	assert_int_equal(s.life_seconds, 3600);
	for (i = 0; i < 4; i++) {
		t.auth_alg = auths[i];
		assert_int_equal(ikev1_policy_esp(IKEV1_PROTO_IPSEC_ESP, &t, &s, why, sizeof(why)),
				 0);
		assert_int_equal(s.integ->id, integs[i]);
	}
	/* AES-GCM-16 with PFS over NAT-T, ESN on. */
	t = (struct ikev1_transform){.id = IKEV1_ESP_AES_GCM_16,
				     .key_length = 256,
				     .encap_mode = IKEV1_ENCAP_UDP_TUNNEL,
				     .group = 31,
				     .esn = 1};
	assert_int_equal(ikev1_policy_esp(IKEV1_PROTO_IPSEC_ESP, &t, &s, why, sizeof(why)), 0);
	assert_true(s.encr->aead);
	assert_null(s.integ);
	assert_int_equal(s.pfs->id, 31);
	assert_true(s.esn);
	assert_int_equal(s.encap_mode, IKEV1_ENCAP_UDP_TUNNEL);
	t.auth_alg = IKEV1_AUTH_ALG_HMAC_SHA1;
	assert_int_equal(ikev1_policy_esp(IKEV1_PROTO_IPSEC_ESP, &t, &s, why, sizeof(why)),
			 -ENOTSUP);
	run(cases, sizeof(cases) / sizeof(cases[0]), &good_esp, true);
	assert_int_equal(ikev1_policy_esp(IKEV1_PROTO_IPSEC_AH, &good_esp, &s, why, sizeof(why)),
			 -ENOTSUP);
	assert_non_null(strstr(why, "ESP only"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_phase1_accepted),
	    cmocka_unit_test(test_phase1_refused),
	    cmocka_unit_test(test_esp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
