/* Tests of the SK and SKF payloads and of fragmentation: round trips for every supported
 * suite and plaintext length, an independent decryption with plain OpenSSL calls that pins
 * the wire layout (RFC 5282 AAD and nonce, RFC 7296 ICV coverage), tamper tests on every
 * octet, and reassembly limits. */
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

#include "ike_frag.h"
#include "ike_sk.h"

struct suite {
	uint16_t encr, key_bits, integ;
};

static const struct suite suites[] = {
    {IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128},
    {IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96},
    {IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192},
    {IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256},
    {IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE},
    {IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE},
};

static const struct ike_header hdr = {
    .spi_i = {1, 2, 3, 4, 5, 6, 7, 8},
    .spi_r = {8, 7, 6, 5, 4, 3, 2, 1},
    .major_version = 2,
    .exchange_type = IKE_EXCHANGE_IKE_AUTH,
    .flags = IKE_FLAG_INITIATOR,
    .message_id = 1,
};

static void make_keys(const struct suite *s, struct ike_sk_key *i_send, struct ike_sk_key *r_recv)
{
	const struct ike_prf_alg *prf = ike_prf_lookup(IKE_PRF_HMAC_SHA2_256);
	const struct ike_encr_alg *encr = ike_encr_lookup(s->encr, s->key_bits);
	const struct ike_integ_alg *integ = s->integ ? ike_integ_lookup(s->integ) : NULL;
	static const uint8_t nonce[32] = {5, 6, 7}, gir[32] = {9, 9, 9};
	struct ike_key_inputs in = {{nonce, 32}, {nonce, 16}, hdr.spi_i, hdr.spi_r};
	struct ike_sa_keys keys;
	struct ike_sk_key i_recv, r_send;

	assert_non_null(encr);
	assert_int_equal(
	    ike_derive_ike_sa(prf, encr, integ, &in, (struct ike_span){gir, 32}, &keys), 0);
	assert_int_equal(ike_sk_keys_from_sa(&keys, encr, integ, true, i_send, &i_recv), 0);
	assert_int_equal(ike_sk_keys_from_sa(&keys, encr, integ, false, &r_send, r_recv), 0);
	assert_memory_equal(i_send->encr_key, r_recv->encr_key, encr->key_len);
	ike_sa_keys_wipe(&keys);
}

static int seal_message(struct ike_sk_key *k, const uint8_t *plain, size_t len, uint8_t *out,
			size_t cap)
{
	struct ike_writer w;

	ike_writer_init(&w, out, cap);
	ike_writer_header(&w, &hdr);
	return ike_sk_encrypt(&w, k, IKE_PAYLOAD_NONCE, plain, len);
}

static void test_round_trip_all_suites(void **state)
{
	uint8_t plain[300], msgbuf[600], out[600];
	struct ike_message msg;
	size_t si, len, i;

	(void)state;
	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 3);
	for (si = 0; si < sizeof(suites) / sizeof(suites[0]); si++) {
		struct ike_sk_key send, recv, wrong;

		make_keys(&suites[si], &send, &recv);
		for (len = 0; len <= 40; len++) {
			int n = seal_message(&send, plain, len, msgbuf, sizeof(msgbuf));

			assert_true(n > 0);
			assert_int_equal((size_t)n,
					 IKE_HEADER_LEN + len + ike_sk_overhead(&send, len));
			assert_int_equal(ike_message_parse(msgbuf, (size_t)n, &msg), 0);
			assert_int_equal(msg.payloads[0].type, IKE_PAYLOAD_SK);
			assert_int_equal(msg.payloads[0].next_payload, IKE_PAYLOAD_NONCE);
			assert_int_equal(ike_sk_decrypt(msgbuf, (size_t)n, &msg.payloads[0], &recv,
							out, sizeof(out)),
					 (int)len);
			if (len)
				assert_memory_equal(out, plain, len);
			/* Any other key (here one bit off in each part) is rejected. */
			wrong = recv;
			wrong.encr_key[0] ^= 1;
			wrong.integ_key[0] ^= 1;
			assert_int_equal(ike_sk_decrypt(msgbuf, (size_t)n, &msg.payloads[0], &wrong,
							out, sizeof(out)),
					 -EKEYREJECTED);
		}
		ike_sk_key_wipe(&send);
		ike_sk_key_wipe(&recv);
	}
}

/* Decrypts by hand from the RFC's description, with no library code in the path. */
static void test_independent_layout(void **state)
{
	uint8_t plain[37], msgbuf[300], out[300], nonce[12], icv[64];
	struct ike_sk_key send, recv;
	size_t i;
	int n, outl = 0, fin = 0;
	EVP_CIPHER_CTX *ctx;
	unsigned int hl = 0;

	(void)state;
	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(0xa0 + i);
	/* AES-GCM-256: AAD = header | SK header, nonce = salt | IV, tag last. */
	make_keys(&suites[5], &send, &recv);
	n = seal_message(&send, plain, sizeof(plain), msgbuf, sizeof(msgbuf));
	assert_int_equal(n, 28 + 4 + 8 + 38 + 16);
	memcpy(nonce, recv.salt, 4);
	memcpy(nonce + 4, msgbuf + 32, 8);
	ctx = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL), 1);
	assert_int_equal(EVP_DecryptInit_ex(ctx, NULL, NULL, recv.encr_key, nonce), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, NULL, &outl, msgbuf, 32), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, out, &outl, msgbuf + 40, 38), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, msgbuf + 78), 1);
	assert_int_equal(EVP_DecryptFinal_ex(ctx, out + outl, &fin), 1);
	assert_memory_equal(out, plain, sizeof(plain));
	assert_int_equal(out[37], 0); /* GCM needs no padding: pad length 0 */
	EVP_CIPHER_CTX_free(ctx);
	/* The 8-octet IV is a counter: the next message uses the next value. */
	n = seal_message(&send, plain, sizeof(plain), msgbuf, sizeof(msgbuf));
	assert_int_equal(msgbuf[39], 1);

	/* AES-CBC-128 + HMAC-SHA2-256-128: ICV over header .. ciphertext, then decrypt. */
	make_keys(&suites[0], &send, &recv);
	n = seal_message(&send, plain, sizeof(plain), msgbuf, sizeof(msgbuf));
	assert_int_equal(n, 28 + 4 + 16 + 48 + 16);
	assert_non_null(HMAC(EVP_sha256(), recv.integ_key, 32, msgbuf, (size_t)n - 16, icv, &hl));
	assert_memory_equal(icv, msgbuf + n - 16, 16);
	ctx = EVP_CIPHER_CTX_new();
	assert_int_equal(
	    EVP_DecryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, recv.encr_key, msgbuf + 32), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	assert_int_equal(EVP_DecryptUpdate(ctx, out, &outl, msgbuf + 48, 48), 1);
	assert_memory_equal(out, plain, sizeof(plain));
	assert_int_equal(out[47], 48 - 37 - 1);
	EVP_CIPHER_CTX_free(ctx);
}

static void test_tamper_every_octet(void **state)
{
	uint8_t plain[50] = {1, 2, 3}, msgbuf[300], copy[300], out[300];
	struct ike_message msg;
	size_t si;

	(void)state;
	for (si = 0; si < sizeof(suites) / sizeof(suites[0]); si++) {
		struct ike_sk_key send, recv;
		int n, pos;

		make_keys(&suites[si], &send, &recv);
		n = seal_message(&send, plain, sizeof(plain), msgbuf, sizeof(msgbuf));
		for (pos = 0; pos < n; pos++) {
			int ret;

			memcpy(copy, msgbuf, (size_t)n);
			copy[pos] ^= 0x01;
			if (ike_message_parse(copy, (size_t)n, &msg) < 0)
				continue; /* a length or version octet: the parser caught it */
			ret = ike_sk_decrypt(copy, (size_t)n, &msg.payloads[msg.payload_count - 1],
					     &recv, out, sizeof(out));
			if (ret >= 0)
				fail_msg("suite %zu: flip at %d accepted", si, pos);
		}
		/* Truncated ICV and ciphertext that is not whole blocks. */
		assert_int_equal(ike_message_parse(msgbuf, (size_t)n, &msg), 0);
		msg.payloads[0].u.sk.data.len -= 1;
		assert_true(ike_sk_decrypt(msgbuf, (size_t)n - 1, &msg.payloads[0], &recv, out,
					   sizeof(out)) < 0);
	}
}

static void test_fragments(void **state)
{
	uint8_t plain[3000], frags[8192], out[4096], dec[1024];
	size_t offsets[IKE_FRAG_MAX_FRAGMENTS], lengths[IKE_FRAG_MAX_FRAGMENTS], i, si;
	struct ike_frag_reassembly r;
	struct ike_message msg;
	uint8_t first = 0;

	(void)state;
	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 7);
	for (si = 0; si < sizeof(suites) / sizeof(suites[0]); si++) {
		struct ike_sk_key send, recv;
		int n, k, ret = 0;

		make_keys(&suites[si], &send, &recv);
		n = ike_frag_split(&hdr, &send, IKE_PAYLOAD_IDI, plain, sizeof(plain), 576, frags,
				   sizeof(frags), offsets, lengths, IKE_FRAG_MAX_FRAGMENTS);
		assert_true(n >= 6);
		ike_frag_init(&r, 32, 65536);
		/* Deliver in reverse, with a duplicate. */
		for (k = n - 1; k >= 0; k--) {
			uint8_t *f = frags + offsets[k];
			int d;

			assert_true(lengths[k] <= 576);
			assert_int_equal(ike_message_parse(f, lengths[k], &msg), 0);
			assert_int_equal(msg.payloads[0].type, IKE_PAYLOAD_SKF);
			assert_int_equal(msg.payloads[0].u.sk.fragment_number, k + 1);
			d = ike_sk_decrypt(f, lengths[k], &msg.payloads[0], &recv, dec,
					   sizeof(dec));
			assert_true(d >= 0);
			ret = ike_frag_add(&r, &msg.payloads[0], dec, (size_t)d);
			assert_int_equal(ret, k == 0 ? 1 : 0);
			if (k == n - 1)
				assert_int_equal(ike_frag_add(&r, &msg.payloads[0], dec, (size_t)d),
						 -EALREADY);
		}
		assert_int_equal(ike_frag_assemble(&r, out, sizeof(out), &first), sizeof(plain));
		assert_int_equal(first, IKE_PAYLOAD_IDI);
		assert_memory_equal(out, plain, sizeof(plain));
		ike_frag_reset(&r);
		/* Limits: too many fragments for the receiver, too many bytes. */
		ike_frag_init(&r, (uint16_t)(n - 1), 65536);
		assert_int_equal(ike_message_parse(frags, lengths[0], &msg), 0);
		assert_int_equal(ike_frag_add(&r, &msg.payloads[0], dec, 10), -E2BIG);
		ike_frag_init(&r, 32, 15);
		assert_int_equal(ike_frag_add(&r, &msg.payloads[0], dec, 10), 0);
		msg.payloads[0].u.sk.fragment_number = 2;
		assert_int_equal(ike_frag_add(&r, &msg.payloads[0], dec, 10), -E2BIG);
		/* A stale fragment from a coarser split is ignored; a finer split restarts. */
		msg.payloads[0].u.sk.total_fragments = (uint16_t)(n - 1);
		assert_int_equal(ike_frag_add(&r, &msg.payloads[0], dec, 1), -EALREADY);
		msg.payloads[0].u.sk.total_fragments = (uint16_t)(n + 1);
		assert_int_equal(ike_frag_add(&r, &msg.payloads[0], dec, 1), 0);
		assert_int_equal(r.received, 1);
		msg.payloads[0].u.sk.fragment_number = (uint16_t)(n + 2);
		assert_int_equal(ike_frag_add(&r, &msg.payloads[0], dec, 1), -EBADMSG);
		assert_int_equal(ike_frag_assemble(&r, out, sizeof(out), &first), -EAGAIN);
		ike_frag_reset(&r);
		/* Sizes too small for any payload, or needing too many fragments. */
		assert_int_equal(ike_frag_split(&hdr, &send, IKE_PAYLOAD_IDI, plain, sizeof(plain),
						60, frags, sizeof(frags), offsets, lengths, 64),
				 -EMSGSIZE);
		assert_int_equal(ike_frag_split(&hdr, &send, IKE_PAYLOAD_IDI, plain, sizeof(plain),
						576, frags, sizeof(frags), offsets, lengths, 3),
				 -E2BIG);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_all_suites),
	    cmocka_unit_test(test_independent_layout),
	    cmocka_unit_test(test_tamper_every_octet),
	    cmocka_unit_test(test_fragments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
