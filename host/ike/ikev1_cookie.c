/* Responder cookies (RFC 2408 2.5.3): derived from the peer's address and port, the
 * initiator's cookie and a local secret, so that a later message's cookie pair can be
 * checked without having stored anything for it, and forged pairs are dropped before any
 * state is looked up. The secret is rotated by the caller; the previous one stays valid
 * for a grace period by checking against both. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_bytes.h"
#include "ikev1_crypto.h"

int ikev1_cookie_make(const uint8_t secret[IKEV1_COOKIE_SECRET_LEN], const uint8_t *addr,
		      size_t addr_len, uint16_t port, const uint8_t cky_i[IKEV1_COOKIE_LEN],
		      uint8_t cky_r[IKEV1_COOKIE_LEN])
{
	const struct ike_prf_alg *prf = ike_prf_lookup(IKE_PRF_HMAC_SHA2_256);
	uint8_t mac[IKE_MAX_PRF_LEN], p[2];
	struct ike_span data[3];
	int ret;

	if (secret == NULL || addr == NULL || cky_i == NULL || cky_r == NULL ||
	    (addr_len != 4 && addr_len != 16))
		return -EINVAL;
	ike_put16(p, port);
	data[0].ptr = addr;
	data[0].len = addr_len;
	data[1].ptr = p;
	data[1].len = 2;
	data[2].ptr = cky_i;
	data[2].len = IKEV1_COOKIE_LEN;
	ret = ike_prf(prf, secret, IKEV1_COOKIE_SECRET_LEN, data, 3, mac);
	if (ret == 0) {
		static const uint8_t zero[IKEV1_COOKIE_LEN];

		memcpy(cky_r, mac, IKEV1_COOKIE_LEN);
		/* A zero cookie means "not yet assigned" on the wire. */
		if (memcmp(cky_r, zero, IKEV1_COOKIE_LEN) == 0)
			cky_r[IKEV1_COOKIE_LEN - 1] = 1;
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	return ret;
}

int ikev1_cookie_check(const uint8_t secret[IKEV1_COOKIE_SECRET_LEN], const uint8_t *addr,
		       size_t addr_len, uint16_t port, const uint8_t cky_i[IKEV1_COOKIE_LEN],
		       const uint8_t cky_r[IKEV1_COOKIE_LEN])
{
	uint8_t want[IKEV1_COOKIE_LEN];
	int ret = ikev1_cookie_make(secret, addr, addr_len, port, cky_i, want);

	if (ret < 0)
		return ret;
	if (cky_r == NULL)
		return -EINVAL;
	return CRYPTO_memcmp(want, cky_r, IKEV1_COOKIE_LEN) == 0 ? 0 : -EACCES;
}
