/* PSK AUTH tests: the signed octets layout and the AUTH value against a straight-line
 * computation of RFC 7296 2.15 with OpenSSL's one-shot HMAC. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ike_auth.h"

static void test_psk_auth(void **state)
{
	const struct ike_prf_alg *prf = ike_prf_lookup(IKE_PRF_HMAC_SHA2_256);
	static const uint8_t real_msg[100] = {0x12, 0x34}, nonce[32] = {0x55},
			     id_body[] = {IKE_ID_FQDN, 0, 0, 0, 'g', 'w'}, sk_p[32] = {0x77};
	static const char psk[] = "correct horse battery staple";
	uint8_t so[200], expect_so[200], pad[32], auth[32], expect[32];
	unsigned int hl;
	int n;

	(void)state;
	n = ike_auth_signed_octets(prf, sk_p, (struct ike_span){real_msg, sizeof(real_msg)},
				   (struct ike_span){nonce, sizeof(nonce)},
				   (struct ike_span){id_body, sizeof(id_body)}, so, sizeof(so));
	assert_int_equal(n, 100 + 32 + 32);
	memcpy(expect_so, real_msg, 100);
	memcpy(expect_so + 100, nonce, 32);
	HMAC(EVP_sha256(), sk_p, 32, id_body, sizeof(id_body), expect_so + 132, &hl);
	assert_memory_equal(so, expect_so, (size_t)n);

	assert_int_equal(ike_auth_psk(prf, (const uint8_t *)psk, strlen(psk),
				      (struct ike_span){so, (size_t)n}, auth),
			 0);
	HMAC(EVP_sha256(), psk, (int)strlen(psk), (const uint8_t *)"Key Pad for IKEv2", 17, pad,
	     &hl);
	HMAC(EVP_sha256(), pad, 32, so, (size_t)n, expect, &hl);
	assert_memory_equal(auth, expect, 32);

	assert_int_equal(ike_auth_psk_verify(prf, (const uint8_t *)psk, strlen(psk),
					     (struct ike_span){so, (size_t)n},
					     (struct ike_span){auth, 32}),
			 0);
	auth[31] ^= 1;
	assert_int_equal(ike_auth_psk_verify(prf, (const uint8_t *)psk, strlen(psk),
					     (struct ike_span){so, (size_t)n},
					     (struct ike_span){auth, 32}),
			 -EKEYREJECTED);
	assert_int_equal(ike_auth_psk_verify(prf, (const uint8_t *)psk, strlen(psk),
					     (struct ike_span){so, (size_t)n},
					     (struct ike_span){auth, 31}),
			 -EKEYREJECTED);
	assert_int_equal(ike_auth_signed_octets(prf, sk_p, (struct ike_span){real_msg, 100},
						(struct ike_span){nonce, 32},
						(struct ike_span){id_body, 6}, so, 163),
			 -ENOSPC);
	assert_int_equal(ike_auth_psk(prf, (const uint8_t *)psk, 0, (struct ike_span){so, 1}, auth),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_psk_auth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
