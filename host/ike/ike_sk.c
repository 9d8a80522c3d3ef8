/* Sealing and opening the SK and SKF payloads (RFC 7296 3.14, RFC 5282, RFC 7383 2.5). */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ike_bytes.h"
#include "ike_sk.h"

#define SKF_EXTRA_LEN 4 /* fragment number, total fragments */

int ike_sk_keys_from_sa(const struct ike_sa_keys *sa, const struct ike_encr_alg *encr,
			const struct ike_integ_alg *integ, bool initiator, struct ike_sk_key *send,
			struct ike_sk_key *recv)
{
	struct ike_sk_key *ki = initiator ? send : recv, *kr = initiator ? recv : send;

	if (sa == NULL || encr == NULL || send == NULL || recv == NULL ||
	    (encr->aead ? integ != NULL : integ == NULL))
		return -EINVAL;
	memset(send, 0, sizeof(*send));
	memset(recv, 0, sizeof(*recv));
	ki->encr = kr->encr = encr;
	ki->integ = kr->integ = integ;
	memcpy(ki->encr_key, sa->sk_ei, encr->key_len);
	memcpy(kr->encr_key, sa->sk_er, encr->key_len);
	memcpy(ki->salt, sa->salt_i, encr->salt_len);
	memcpy(kr->salt, sa->salt_r, encr->salt_len);
	if (integ != NULL) {
		memcpy(ki->integ_key, sa->sk_ai, integ->key_len);
		memcpy(kr->integ_key, sa->sk_ar, integ->key_len);
	}
	return 0;
}

void ike_sk_key_wipe(struct ike_sk_key *k)
{
	if (k != NULL)
		OPENSSL_cleanse(k, sizeof(*k));
}

static size_t icv_len(const struct ike_sk_key *k)
{
	return k->encr->aead ? k->encr->icv_len : k->integ->icv_len;
}

static size_t pad_len(const struct ike_sk_key *k, size_t plain_len)
{
	size_t block = k->encr->block_len;

	return (block - (plain_len + 1) % block) % block;
}

size_t ike_sk_overhead(const struct ike_sk_key *k, size_t plain_len)
{
	return IKE_GENERIC_HEADER_LEN + k->encr->iv_len + pad_len(k, plain_len) + 1 + icv_len(k);
}

static int cipher_run(const struct ike_sk_key *k, bool enc, const uint8_t *iv, const uint8_t *aad,
		      size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, k->encr->cipher, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[IKE_MAX_SALT + 8];
	int n = 0, ret = -EIO;

	if (cipher == NULL || ctx == NULL || len > INT32_MAX || aad_len > INT32_MAX)
		goto out;
	if (k->encr->aead) {
		memcpy(nonce, k->salt, k->encr->salt_len);
		memcpy(nonce + k->encr->salt_len, iv, k->encr->iv_len);
		iv = nonce;
	}
	if (!EVP_CipherInit_ex2(ctx, cipher, k->encr_key, NULL, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto out;
	if (k->encr->aead && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
						  k->encr->salt_len + k->encr->iv_len, NULL))
		goto out;
	if (!EVP_CipherInit_ex2(ctx, NULL, NULL, iv, enc, NULL))
		goto out;
	if (k->encr->aead) {
		if (!EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len))
			goto out;
		if (!enc &&
		    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, k->encr->icv_len, (void *)tag))
			goto out;
	}
	if (!EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, out + n, &n)) {
		ret = -EKEYREJECTED; /* only AEAD can fail here: the tag did not verify */
		goto out;
	}
	if (k->encr->aead && enc &&
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, k->encr->icv_len, tag))
		goto out;
	ret = 0;
out:
	OPENSSL_cleanse(nonce, sizeof(nonce));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return ret;
}

static int make_iv(struct ike_sk_key *k, uint8_t *iv)
{
	if (!k->encr->aead)
		return RAND_bytes(iv, k->encr->iv_len) == 1 ? 0 : -EIO;
	if (k->next_iv == UINT64_MAX)
		return -EOVERFLOW; /* the key must be replaced long before this */
	ike_put32(iv, (uint32_t)(k->next_iv >> 32));
	ike_put32(iv + 4, (uint32_t)k->next_iv);
	k->next_iv++;
	return 0;
}

static int seal(struct ike_writer *w, struct ike_sk_key *k, uint8_t type, uint8_t first_type,
		uint16_t frag, uint16_t total, const uint8_t *plain, size_t plain_len)
{
	size_t start, hdr_end, pad, ct_len, icv;
	uint8_t *p, *iv, *ct;
	int ret;

	if (w == NULL || k == NULL || k->encr == NULL || (plain == NULL && plain_len) ||
	    (!k->encr->aead && k->integ == NULL))
		return -EINVAL;
	if (!w->has_header)
		return w->err = -EINVAL;
	ret = ike_writer_begin_payload(w, type, false, &start);
	if (ret < 0)
		return ret;
	w->buf[start] = first_type; /* names the first inner payload */
	if (type == IKE_PAYLOAD_SKF) {
		if (ike_writer_reserve(w, SKF_EXTRA_LEN, &p) < 0)
			return w->err;
		ike_put16(p, frag);
		ike_put16(p + 2, total);
	}
	hdr_end = w->len;
	pad = pad_len(k, plain_len);
	ct_len = plain_len + pad + 1;
	icv = icv_len(k);
	if (ike_writer_reserve(w, k->encr->iv_len + ct_len + icv, &p) < 0)
		return w->err;
	iv = p;
	ct = p + k->encr->iv_len;
	/* Plaintext, zero padding, pad length; encrypted in place. */
	if (plain_len)
		memmove(ct, plain, plain_len);
	memset(ct + plain_len, 0, pad);
	ct[plain_len + pad] = (uint8_t)pad;
	w->np_offset = start;
	if (ike_writer_end_payload(w, start) < 0 || (ret = ike_writer_finish(w)) < 0)
		return w->err;
	/* Lengths are final now: both the AAD and the HMAC cover them. */
	if ((ret = make_iv(k, iv)) < 0)
		return w->err = ret;
	ret = cipher_run(k, true, iv, w->buf, hdr_end, ct, ct_len, ct, ct + ct_len);
	if (ret == 0 && !k->encr->aead) {
		struct ike_span covered = {w->buf, hdr_end + k->encr->iv_len + ct_len};

		ret = ike_integ(k->integ, k->integ_key, &covered, 1, ct + ct_len);
	}
	if (ret < 0)
		return w->err = ret;
	return (int)w->len;
}

int ike_sk_encrypt(struct ike_writer *w, struct ike_sk_key *k, uint8_t first_type,
		   const uint8_t *plain, size_t plain_len)
{
	return seal(w, k, IKE_PAYLOAD_SK, first_type, 0, 0, plain, plain_len);
}

int ike_skf_encrypt(struct ike_writer *w, struct ike_sk_key *k, uint8_t first_type,
		    uint16_t fragment_number, uint16_t total_fragments, const uint8_t *plain,
		    size_t plain_len)
{
	if (fragment_number == 0 || fragment_number > total_fragments)
		return -EINVAL;
	return seal(w, k, IKE_PAYLOAD_SKF, fragment_number == 1 ? first_type : 0, fragment_number,
		    total_fragments, plain, plain_len);
}

int ike_sk_decrypt(const uint8_t *msg, size_t msg_len, const struct ike_payload *sk,
		   const struct ike_sk_key *k, uint8_t *out, size_t cap)
{
	const uint8_t *iv, *ct, *icv_ptr;
	size_t hdr_end, ct_len, icv, pad;
	uint8_t tag[IKE_MAX_ICV];
	int ret;

	if (msg == NULL || sk == NULL || k == NULL || k->encr == NULL || out == NULL ||
	    (sk->type != IKE_PAYLOAD_SK && sk->type != IKE_PAYLOAD_SKF) ||
	    (!k->encr->aead && k->integ == NULL))
		return -EINVAL;
	hdr_end = sk->u.sk.offset + IKE_GENERIC_HEADER_LEN +
		  (sk->type == IKE_PAYLOAD_SKF ? SKF_EXTRA_LEN : 0);
	/* The span must be this message's own tail, as ike_message_parse leaves it. */
	if (sk->u.sk.data.ptr != msg + hdr_end || hdr_end + sk->u.sk.data.len != msg_len)
		return -EINVAL;
	icv = icv_len(k);
	if (sk->u.sk.data.len < (size_t)k->encr->iv_len + icv + 1)
		return -EBADMSG;
	ct_len = sk->u.sk.data.len - k->encr->iv_len - icv;
	if (ct_len % k->encr->block_len != 0)
		return -EBADMSG;
	if (ct_len > cap)
		return -ENOSPC;
	iv = msg + hdr_end;
	ct = iv + k->encr->iv_len;
	icv_ptr = ct + ct_len;
	if (!k->encr->aead) {
		struct ike_span covered = {msg, msg_len - icv};

		ret = ike_integ(k->integ, k->integ_key, &covered, 1, tag);
		if (ret < 0)
			return ret;
		if (CRYPTO_memcmp(tag, icv_ptr, icv) != 0)
			return -EKEYREJECTED;
	}
	memcpy(tag, icv_ptr, icv);
	ret = cipher_run(k, false, iv, msg, hdr_end, ct, ct_len, out, tag);
	if (ret < 0) {
		OPENSSL_cleanse(out, ct_len);
		return ret;
	}
	pad = out[ct_len - 1];
	if (pad + 1 > ct_len) {
		OPENSSL_cleanse(out, ct_len);
		return -EBADMSG;
	}
	return (int)(ct_len - 1 - pad);
}
