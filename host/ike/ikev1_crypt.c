/* IKEv1 message encryption (RFC 2408 3.1 E flag, RFC 2409 appendix B): the whole payload
 * chain after the header is CBC-encrypted, zero-padded to the block, with an IV that chains
 * from message to message within an exchange. The integrity of an IKEv1 message comes from
 * its HASH payload, checked by the exchange after decryption. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ikev1_crypto.h"

static int cbc(const struct ike_encr_alg *encr, const uint8_t *key, const uint8_t *iv, bool enc,
	       const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, encr->cipher, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ret = -EIO;

	if (cipher == NULL || ctx == NULL || len > INT32_MAX)
		goto out;
	if (EVP_CipherInit_ex2(ctx, cipher, key, iv, enc, NULL) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_CipherUpdate(ctx, out, &n, in, (int)len) &&
	    EVP_CipherFinal_ex(ctx, out + n, &n))
		ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return ret;
}

/* Only CBC ciphers are defined for IKEv1 message protection. */
static bool usable(const struct ike_encr_alg *encr, const uint8_t *key, const struct ikev1_iv *iv)
{
	return encr != NULL && !encr->aead && key != NULL && iv != NULL &&
	       iv->len == encr->block_len && iv->len == encr->iv_len;
}

int ikev1_encrypt(struct ike_writer *w, const struct ike_encr_alg *encr, const uint8_t *key,
		  struct ikev1_iv *iv, uint8_t first_type, const uint8_t *plain, size_t plain_len)
{
	size_t block, padded;
	uint8_t *body;
	int ret;

	if (w == NULL || !usable(encr, key, iv) || (plain == NULL && plain_len) || plain_len == 0)
		return -EINVAL;
	if (!w->has_header || w->len != IKE_HEADER_LEN)
		return w->err = -EINVAL;
	block = encr->block_len;
	padded = plain_len + (block - plain_len % block) % block;
	if (ike_writer_reserve(w, padded, &body) < 0)
		return w->err;
	w->buf[16] = first_type;
	w->buf[19] |= IKEV1_FLAG_ENCRYPTION;
	memmove(body, plain, plain_len);
	memset(body + plain_len, 0, padded - plain_len);
	ret = ike_writer_finish(w);
	if (ret < 0)
		return ret;
	ret = cbc(encr, key, iv->iv, true, body, padded, body);
	if (ret < 0)
		return w->err = ret;
	memcpy(iv->iv, body + padded - block, block);
	return (int)w->len;
}

int ikev1_decrypt(const struct ikev1_message *msg, const struct ike_encr_alg *encr,
		  const uint8_t *key, const struct ikev1_iv *iv, struct ikev1_iv *next,
		  uint8_t *out, size_t cap)
{
	const struct ike_span *ct;
	int ret;

	if (msg == NULL || !usable(encr, key, iv) || next == NULL || out == NULL)
		return -EINVAL;
	ct = &msg->encrypted;
	if (!(msg->header.flags & IKEV1_FLAG_ENCRYPTION) || ct->ptr == NULL)
		return -EINVAL;
	if (ct->len == 0 || ct->len % encr->block_len != 0)
		return -EBADMSG;
	if (ct->len > cap || ct->len > INT32_MAX)
		return -ENOSPC;
	ret = cbc(encr, key, iv->iv, false, ct->ptr, ct->len, out);
	if (ret < 0) {
		OPENSSL_cleanse(out, ct->len);
		return ret;
	}
	next->len = iv->len;
	memcpy(next->iv, ct->ptr + ct->len - encr->block_len, encr->block_len);
	return (int)ct->len;
}
