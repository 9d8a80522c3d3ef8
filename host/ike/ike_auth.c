/* Shared-key authentication (RFC 7296 2.15): the signed octets and the AUTH value. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_auth.h"

static const char key_pad[] = "Key Pad for IKEv2"; /* 17 octets, no NUL (RFC 7296 2.15) */

int ike_auth_signed_octets(const struct ike_prf_alg *prf, const uint8_t *sk_p,
			   struct ike_span real_message, struct ike_span nonce,
			   struct ike_span id_body, uint8_t *out, size_t cap)
{
	size_t len;
	int ret;

	if (prf == NULL || sk_p == NULL || out == NULL || real_message.ptr == NULL ||
	    nonce.ptr == NULL || id_body.ptr == NULL)
		return -EINVAL;
	len = real_message.len + nonce.len + prf->out_len;
	if (len > cap || len > INT32_MAX)
		return -ENOSPC;
	memcpy(out, real_message.ptr, real_message.len);
	memcpy(out + real_message.len, nonce.ptr, nonce.len);
	ret = ike_prf(prf, sk_p, prf->out_len, &id_body, 1, out + real_message.len + nonce.len);
	return ret < 0 ? ret : (int)len;
}

int ike_auth_psk(const struct ike_prf_alg *prf, const uint8_t *secret, size_t secret_len,
		 struct ike_span signed_octets, uint8_t *out)
{
	struct ike_span pad = {(const uint8_t *)key_pad, sizeof(key_pad) - 1};
	uint8_t inner[IKE_MAX_PRF_LEN];
	int ret;

	if (prf == NULL || secret == NULL || secret_len == 0 || out == NULL ||
	    signed_octets.ptr == NULL)
		return -EINVAL;
	ret = ike_prf(prf, secret, secret_len, &pad, 1, inner);
	if (ret == 0)
		ret = ike_prf(prf, inner, prf->out_len, &signed_octets, 1, out);
	OPENSSL_cleanse(inner, sizeof(inner));
	return ret;
}

int ike_auth_psk_verify(const struct ike_prf_alg *prf, const uint8_t *secret, size_t secret_len,
			struct ike_span signed_octets, struct ike_span auth)
{
	uint8_t expect[IKE_MAX_PRF_LEN];
	int ret;

	if (prf == NULL || auth.ptr == NULL)
		return -EINVAL;
	ret = ike_auth_psk(prf, secret, secret_len, signed_octets, expect);
	if (ret == 0 &&
	    (auth.len != prf->out_len || CRYPTO_memcmp(expect, auth.ptr, prf->out_len) != 0))
		ret = -EKEYREJECTED;
	OPENSSL_cleanse(expect, sizeof(expect));
	return ret;
}
