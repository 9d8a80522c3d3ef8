/* Tests of IKEv1 message encryption (RFC 2409 appendix B): the wire layout checked by an
 * independent AES-CBC decryption with plain OpenSSL calls, IV chaining across the messages
 * of an exchange in both directions, a quick mode that starts from the phase-1 IV state,
 * the length and argument checks, and responder cookies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ikev1_crypto.h"
#include "test_util.h"

static const struct ike_header quick_header = {
    .spi_i = {1, 2, 3, 4, 5, 6, 7, 8},
    .spi_r = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8},
    .major_version = 1,
    .exchange_type = IKEV1_EXCHANGE_QUICK,
    .message_id = 0x3a5b7c9d,
};

static uint8_t plain[1024];
static size_t plain_len; /* the quick mode chain, unpadded */
static struct ikev1_message msg;

static int setup(void **state)
{
	int n = test_vector_hex(IKEV1_VECTORS, "messages", "qm1_plain", plain, sizeof(plain));

	(void)state;
	if (n <= 0)
		return -1;
	/* The vector carries its padding; strip the zeros after the last payload. */
	while (n > 0 && plain[n - 1] == 0)
		n--;
	plain_len = (size_t)n;
	return 0;
}

static int seal(const struct ike_encr_alg *encr, const uint8_t *key, struct ikev1_iv *iv,
		const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	struct ike_writer w;

	ike_writer_init(&w, out, cap);
	ike_writer_header(&w, &quick_header);
	return ikev1_encrypt(&w, encr, key, iv, IKEV1_PAYLOAD_HASH, in, len);
}

/* AES-CBC decryption with nothing of the library: pins the layout. */
static void reference_decrypt(const char *cipher, const uint8_t *key, const uint8_t *iv,
			      const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_DecryptInit_ex2(ctx, EVP_get_cipherbyname(cipher), key, iv, NULL), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_DecryptUpdate(ctx, out, &n1, in, (int)len), 1);
	assert_int_equal(EVP_DecryptFinal_ex(ctx, out + n1, &n2), 1);
	assert_int_equal(n1 + n2, (int)len);
	EVP_CIPHER_CTX_free(ctx);
}

static void test_layout(void **state)
{
	static const uint16_t bits[] = {128, 256};
	uint8_t key[32], out[2048], dec[2048];
	size_t b, padded = (plain_len + 15) / 16 * 16;
	struct ikev1_iv iv, start;
	int len;

	(void)state;
	for (b = 0; b < 2; b++) {
		const struct ike_encr_alg *encr = ike_encr_lookup(IKE_ENCR_AES_CBC, bits[b]);

		memset(key, 0x5a + (int)b, sizeof(key));
		start.len = 16;
		memset(start.iv, 0x11, 16);
		iv = start;
		len = seal(encr, key, &iv, plain, plain_len, out, sizeof(out));
		assert_int_equal(len, IKE_HEADER_LEN + (int)padded);
		assert_int_equal(out[16], IKEV1_PAYLOAD_HASH);
		assert_int_equal(out[19], IKEV1_FLAG_ENCRYPTION);
		assert_int_equal(out[24] << 24 | out[25] << 16 | out[26] << 8 | out[27], len);
		/* The next IV is the last ciphertext block. */
		assert_memory_equal(iv.iv, out + len - 16, 16);
		reference_decrypt(encr->cipher, key, start.iv, out + IKE_HEADER_LEN, padded, dec);
		assert_memory_equal(dec, plain, plain_len);
		for (size_t i = plain_len; i < padded; i++)
			assert_int_equal(dec[i], 0);
		/* And the library's own way back. */
		assert_int_equal(ikev1_message_parse(out, (size_t)len, &msg), 0);
		assert_int_equal(msg.encrypted.len, padded);
		memset(dec, 0xee, sizeof(dec));
		assert_int_equal(ikev1_decrypt(&msg, encr, key, &start, &iv, dec, sizeof(dec)),
				 (int)padded);
		assert_memory_equal(iv.iv, out + len - 16, 16);
		assert_int_equal(ikev1_message_parse_decrypted(&msg, dec, padded), 0);
		assert_int_equal(msg.payload_count, 6);
		assert_int_equal(msg.padding, padded - plain_len);
	}
}

/* Main mode messages 5 and 6, then a quick mode: each side keeps its phase-1 IV state and
 * derives the exchange IV from it (RFC 2409 appendix B). */
static void test_chaining(void **state)
{
	const struct ike_encr_alg *encr = ike_encr_lookup(IKE_ENCR_AES_CBC, 128);
	const struct ike_prf_alg *prf = ike_prf_lookup(IKE_PRF_HMAC_SHA2_256);
	static const uint8_t gxi[64] = {1, 2, 3}, gxr[64] = {4, 5, 6};
	struct ikev1_iv ini, res, next, ini_qm, res_qm, wrong;
	uint8_t key[16], out[2048], dec[2048];
	int len, n;

	(void)state;
	memset(key, 0x33, sizeof(key));
	assert_int_equal(ikev1_iv_phase1(prf, encr, (struct ike_span){gxi, 64},
					 (struct ike_span){gxr, 64}, &ini),
			 0);
	res = ini;
	/* MM5, initiator to responder. */
	len = seal(encr, key, &ini, plain, 100, out, sizeof(out));
	assert_true(len > 0);
	out[18] = IKEV1_EXCHANGE_MAIN;
	memset(out + 20, 0, 4);
	assert_int_equal(ikev1_message_parse(out, (size_t)len, &msg), 0);
	n = ikev1_decrypt(&msg, encr, key, &res, &next, dec, sizeof(dec));
	assert_true(n >= 100);
	assert_memory_equal(dec, plain, 100);
	res = next; /* committed after the HASH would have verified */
	assert_memory_equal(res.iv, ini.iv, 16);
	/* MM6, responder to initiator, continues the same chain. */
	len = seal(encr, key, &res, plain + 10, 50, out, sizeof(out));
	assert_int_equal(ikev1_message_parse(out, (size_t)len, &msg), 0);
	wrong = res; /* decrypting with the responder's already advanced IV garbles block 1 */
	assert_true(ikev1_decrypt(&msg, encr, key, &wrong, &next, dec, sizeof(dec)) > 0);
	assert_memory_not_equal(dec, plain + 10, 16);
	assert_memory_equal(dec + 16, plain + 26, 16);
	assert_true(ikev1_decrypt(&msg, encr, key, &ini, &next, dec, sizeof(dec)) > 0);
	assert_memory_equal(dec, plain + 10, 50);
	ini = next;
	assert_memory_equal(ini.iv, res.iv, 16);
	/* A quick mode: both derive the same IV from the last phase-1 block and the M-ID, and
	 * a different M-ID gives a different one. */
	assert_int_equal(ikev1_iv_exchange(prf, &ini, quick_header.message_id, &ini_qm), 0);
	assert_int_equal(ikev1_iv_exchange(prf, &res, quick_header.message_id, &res_qm), 0);
	assert_memory_equal(ini_qm.iv, res_qm.iv, 16);
	assert_int_equal(ikev1_iv_exchange(prf, &res, quick_header.message_id + 1, &wrong), 0);
	assert_memory_not_equal(wrong.iv, res_qm.iv, 16);
	len = seal(encr, key, &ini_qm, plain, plain_len, out, sizeof(out));
	assert_int_equal(ikev1_message_parse(out, (size_t)len, &msg), 0);
	n = ikev1_decrypt(&msg, encr, key, &res_qm, &next, dec, sizeof(dec));
	assert_int_equal(ikev1_message_parse_decrypted(&msg, dec, (size_t)n), 0);
	assert_int_equal(msg.payload_count, 6);
}

static void test_errors(void **state)
{
	const struct ike_encr_alg *encr = ike_encr_lookup(IKE_ENCR_AES_CBC, 128);
	const struct ike_encr_alg *gcm = ike_encr_lookup(IKE_ENCR_AES_GCM_16, 128);
	uint8_t key[16] = {0}, out[2048], dec[2048];
	struct ikev1_iv iv = {16, {0}}, next, short_iv = {8, {0}};
	struct ike_writer w;
	int len;

	(void)state;
	assert_int_equal(seal(gcm, key, &iv, plain, plain_len, out, sizeof(out)), -EINVAL);
	assert_int_equal(seal(encr, key, &short_iv, plain, plain_len, out, sizeof(out)), -EINVAL);
	assert_int_equal(seal(encr, key, &iv, plain, 0, out, sizeof(out)), -EINVAL);
	assert_int_equal(seal(encr, key, &iv, plain, plain_len, out, 100), -ENOSPC);
	/* Only onto a bare header. */
	ike_writer_init(&w, out, sizeof(out));
	assert_int_equal(ikev1_encrypt(&w, encr, key, &iv, 8, plain, 16), -EINVAL);
	len = seal(encr, key, &iv, plain, plain_len, out, sizeof(out));
	assert_true(len > 0);
	assert_int_equal(ikev1_message_parse(out, (size_t)len, &msg), 0);
	assert_int_equal(ikev1_decrypt(&msg, encr, key, &iv, &next, dec, 16), -ENOSPC);
	assert_int_equal(ikev1_decrypt(&msg, gcm, key, &iv, &next, dec, sizeof(dec)), -EINVAL);
	/* A body that is not whole blocks. */
	test_set_length(out, (size_t)len - 1);
	assert_int_equal(ikev1_message_parse(out, (size_t)len - 1, &msg), 0);
	assert_int_equal(ikev1_decrypt(&msg, encr, key, &iv, &next, dec, sizeof(dec)), -EBADMSG);
	/* Cleartext messages have nothing to decrypt. */
	msg.header.flags = 0;
	assert_int_equal(ikev1_decrypt(&msg, encr, key, &iv, &next, dec, sizeof(dec)), -EINVAL);
}

/* Responder cookies: HMAC-SHA2-256(secret, address | port | CKY-I), recomputed here with
 * OpenSSL's one-shot HMAC, and bound to every input. */
static void test_cookies(void **state)
{
	uint8_t secret[IKEV1_COOKIE_SECRET_LEN], other[IKEV1_COOKIE_SECRET_LEN];
	static const uint8_t addr[4] = {198, 18, 0, 1}, cky_i[8] = {9, 8, 7, 6, 5, 4, 3, 2},
			     other_cky[8] = {9, 8, 7, 6, 5, 4, 3, 3};
	uint8_t cky_r[8], again[8], in[14], mac[32];
	unsigned int mac_len = 0;

	(void)state;
	memset(secret, 0x77, sizeof(secret));
	memcpy(other, secret, sizeof(other));
	other[31] ^= 1;
	assert_int_equal(ikev1_cookie_make(secret, addr, 4, 500, cky_i, cky_r), 0);
	memcpy(in, addr, 4);
	in[4] = 500 >> 8;
	in[5] = 500 & 0xff;
	memcpy(in + 6, cky_i, 8);
	assert_non_null(HMAC(EVP_sha256(), secret, sizeof(secret), in, sizeof(in), mac, &mac_len));
	assert_memory_equal(cky_r, mac, 8);
	assert_int_equal(ikev1_cookie_check(secret, addr, 4, 500, cky_i, cky_r), 0);
	assert_int_equal(ikev1_cookie_check(other, addr, 4, 500, cky_i, cky_r), -EACCES);
	assert_int_equal(ikev1_cookie_check(secret, addr, 4, 4500, cky_i, cky_r), -EACCES);
	assert_int_equal(ikev1_cookie_check(secret, cky_i, 4, 500, cky_i, cky_r), -EACCES);
	assert_int_equal(ikev1_cookie_check(secret, addr, 4, 500, other_cky, cky_r), -EACCES);
	assert_int_equal(ikev1_cookie_make(secret, addr, 4, 500, cky_i, again), 0);
	assert_memory_equal(cky_r, again, 8);
	assert_int_equal(ikev1_cookie_make(secret, addr, 5, 500, cky_i, again), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_chaining),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_cookies),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
