/* prf and prf+ (RFC 7296 2.13) and the truncated-HMAC integrity check, all through
 * OpenSSL's EVP_MAC HMAC. */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ike_crypto.h"

#define MAX_PRF_PLUS_INPUTS 8

static int hmac(const char *digest, const uint8_t *key, size_t key_len, const struct ike_span *data,
		size_t data_count, uint8_t *out, size_t out_cap)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	static const uint8_t empty;
	size_t i, out_len = 0;
	int ret = -EIO;

	if (mac == NULL)
		return -ENOSYS;
	ctx = EVP_MAC_CTX_new(mac);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* HMAC accepts an empty key; OpenSSL wants a non-NULL pointer for it. */
	if (ctx == NULL || !EVP_MAC_init(ctx, key_len ? key : &empty, key_len, params))
		goto out;
	for (i = 0; i < data_count; i++)
		if (data[i].len && !EVP_MAC_update(ctx, data[i].ptr, data[i].len))
			goto out;
	if (!EVP_MAC_final(ctx, out, &out_len, out_cap))
		goto out;
	ret = (int)out_len;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ret;
}

int ike_prf(const struct ike_prf_alg *prf, const uint8_t *key, size_t key_len,
	    const struct ike_span *data, size_t data_count, uint8_t *out)
{
	int ret;

	if (prf == NULL || out == NULL || (key == NULL && key_len))
		return -EINVAL;
	ret = hmac(prf->digest, key, key_len, data, data_count, out, prf->out_len);
	if (ret < 0)
		return ret;
	return ret == prf->out_len ? 0 : -EIO;
}

int ike_prf_plus(const struct ike_prf_alg *prf, const uint8_t *key, size_t key_len,
		 const struct ike_span *data, size_t data_count, uint8_t *out, size_t out_len)
{
	struct ike_span in[MAX_PRF_PLUS_INPUTS + 2];
	uint8_t t[IKE_MAX_PRF_LEN];
	uint8_t counter;
	size_t done = 0;
	int ret = 0;

	if (prf == NULL || out == NULL || (key == NULL && key_len) ||
	    data_count > MAX_PRF_PLUS_INPUTS)
		return -EINVAL;
	/* The one-octet counter limits the output to 255 blocks. */
	if (out_len > 255 * (size_t)prf->out_len)
		return -EINVAL;
	/* T(n) = prf(K, T(n-1) | S | n), with T(0) empty. */
	if (data_count > 0)
		memcpy(in + 1, data, data_count * sizeof(*data));
	in[data_count + 1].ptr = &counter;
	in[data_count + 1].len = 1;
	for (counter = 1; done < out_len; counter++) {
		size_t take;

		in[0].ptr = t;
		in[0].len = counter == 1 ? 0 : prf->out_len;
		ret = ike_prf(prf, key, key_len, in, data_count + 2, t);
		if (ret < 0)
			break;
		take = out_len - done < prf->out_len ? out_len - done : prf->out_len;
		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return ret;
}

int ike_integ(const struct ike_integ_alg *integ, const uint8_t *key, const struct ike_span *data,
	      size_t data_count, uint8_t *icv)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	int ret;

	if (integ == NULL || key == NULL || icv == NULL)
		return -EINVAL;
	ret = hmac(integ->digest, key, integ->key_len, data, data_count, full, sizeof(full));
	if (ret >= 0 && ret < integ->icv_len)
		ret = -EIO;
	if (ret >= 0) {
		memcpy(icv, full, integ->icv_len);
		ret = 0;
	}
	OPENSSL_cleanse(full, sizeof(full));
	return ret;
}
