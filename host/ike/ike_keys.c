/* Key derivation for IKE SAs (RFC 7296 2.14, 2.18) and CHILD_SAs (2.17): SKEYSEED, the
 * seven SK_* keys and ESP KEYMAT, cut from prf+ output in the RFC's order. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_crypto.h"

/* Enough for SK_d + 2 * SK_a + 2 * (SK_e + salt) + 2 * SK_p at the largest sizes. */
#define MAX_IKE_KEYMAT	 (3 * IKE_MAX_PRF_LEN + 2 * IKE_MAX_INTEG_KEY + 2 * IKE_MAX_KEYMAT_PART)
#define MAX_CHILD_KEYMAT (2 * (IKE_MAX_KEYMAT_PART + IKE_MAX_INTEG_KEY))

static int check_suite(const struct ike_encr_alg *encr, const struct ike_integ_alg *integ)
{
	if (encr == NULL)
		return -EINVAL;
	/* AEAD carries its own integrity; everything else needs an integrity transform. */
	if (encr->aead ? integ != NULL : integ == NULL)
		return -EINVAL;
	return 0;
}

int ike_skeyseed(const struct ike_prf_alg *prf, const struct ike_key_inputs *in,
		 struct ike_span g_ir, uint8_t *skeyseed)
{
	uint8_t key[2 * IKE_NONCE_MAX_LEN];
	size_t key_len;
	int ret;

	if (prf == NULL || in == NULL || skeyseed == NULL || g_ir.ptr == NULL ||
	    in->ni.ptr == NULL || in->nr.ptr == NULL || in->ni.len > IKE_NONCE_MAX_LEN ||
	    in->nr.len > IKE_NONCE_MAX_LEN)
		return -EINVAL;
	/* The HMAC key is Ni | Nr, used whole (RFC 7296 2.14). */
	memcpy(key, in->ni.ptr, in->ni.len);
	memcpy(key + in->ni.len, in->nr.ptr, in->nr.len);
	key_len = in->ni.len + in->nr.len;
	ret = ike_prf(prf, key, key_len, &g_ir, 1, skeyseed);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int ike_skeyseed_rekey(const struct ike_prf_alg *old_prf, const uint8_t *old_sk_d,
		       const struct ike_key_inputs *in, struct ike_span g_ir, uint8_t *skeyseed)
{
	struct ike_span data[3];

	if (old_prf == NULL || old_sk_d == NULL || in == NULL || g_ir.ptr == NULL ||
	    in->ni.ptr == NULL || in->nr.ptr == NULL)
		return -EINVAL;
	data[0] = g_ir;
	data[1] = in->ni;
	data[2] = in->nr;
	return ike_prf(old_prf, old_sk_d, old_prf->out_len, data, 3, skeyseed);
}

static const uint8_t *take(const uint8_t **pos, size_t len)
{
	const uint8_t *p = *pos;

	*pos += len;
	return p;
}

int ike_derive_sa_keys(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
		       const struct ike_integ_alg *integ, const uint8_t *skeyseed,
		       const struct ike_key_inputs *in, struct ike_sa_keys *keys)
{
	uint8_t keymat[MAX_IKE_KEYMAT];
	struct ike_span data[4];
	const uint8_t *pos = keymat;
	size_t integ_len, encr_part, total;
	int ret;

	if (prf == NULL || skeyseed == NULL || in == NULL || keys == NULL || in->spi_i == NULL ||
	    in->spi_r == NULL)
		return -EINVAL;
	ret = check_suite(encr, integ);
	if (ret < 0)
		return ret;
	integ_len = integ ? integ->key_len : 0;
	encr_part = (size_t)encr->key_len + encr->salt_len;
	total = 3 * (size_t)prf->out_len + 2 * integ_len + 2 * encr_part;
	data[0] = in->ni;
	data[1] = in->nr;
	data[2].ptr = in->spi_i;
	data[2].len = IKE_SPI_LEN;
	data[3].ptr = in->spi_r;
	data[3].len = IKE_SPI_LEN;
	ret = ike_prf_plus(prf, skeyseed, prf->out_len, data, 4, keymat, total);
	if (ret < 0)
		goto out;
	memset(keys, 0, sizeof(*keys));
	keys->prf_len = prf->out_len;
	keys->encr_len = encr->key_len;
	keys->salt_len = encr->salt_len;
	keys->integ_len = (uint8_t)integ_len;
	memcpy(keys->sk_d, take(&pos, prf->out_len), prf->out_len);
	memcpy(keys->sk_ai, take(&pos, integ_len), integ_len);
	memcpy(keys->sk_ar, take(&pos, integ_len), integ_len);
	memcpy(keys->sk_ei, take(&pos, encr->key_len), encr->key_len);
	memcpy(keys->salt_i, take(&pos, encr->salt_len), encr->salt_len);
	memcpy(keys->sk_er, take(&pos, encr->key_len), encr->key_len);
	memcpy(keys->salt_r, take(&pos, encr->salt_len), encr->salt_len);
	memcpy(keys->sk_pi, take(&pos, prf->out_len), prf->out_len);
	memcpy(keys->sk_pr, take(&pos, prf->out_len), prf->out_len);
out:
	OPENSSL_cleanse(keymat, sizeof(keymat));
	return ret;
}

int ike_derive_ike_sa(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
		      const struct ike_integ_alg *integ, const struct ike_key_inputs *in,
		      struct ike_span g_ir, struct ike_sa_keys *keys)
{
	uint8_t skeyseed[IKE_MAX_PRF_LEN];
	int ret;

	ret = ike_skeyseed(prf, in, g_ir, skeyseed);
	if (ret == 0)
		ret = ike_derive_sa_keys(prf, encr, integ, skeyseed, in, keys);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	return ret;
}

static void take_dir(const uint8_t **pos, const struct ike_child_keys *k,
		     struct ike_child_dir_keys *d)
{
	memcpy(d->encr, take(pos, k->encr_len), k->encr_len);
	memcpy(d->salt, take(pos, k->salt_len), k->salt_len);
	memcpy(d->integ, take(pos, k->integ_len), k->integ_len);
}

int ike_derive_child_keys(const struct ike_prf_alg *prf, const uint8_t *sk_d,
			  const struct ike_encr_alg *encr, const struct ike_integ_alg *integ,
			  struct ike_span g_ir, struct ike_span ni, struct ike_span nr,
			  struct ike_child_keys *keys)
{
	uint8_t keymat[MAX_CHILD_KEYMAT];
	struct ike_span data[3];
	const uint8_t *pos = keymat;
	size_t per_dir;
	int ret;

	if (prf == NULL || sk_d == NULL || keys == NULL || (g_ir.ptr == NULL && g_ir.len))
		return -EINVAL;
	ret = check_suite(encr, integ);
	if (ret < 0)
		return ret;
	memset(keys, 0, sizeof(*keys));
	keys->encr_len = encr->key_len;
	keys->salt_len = encr->salt_len;
	keys->integ_len = integ ? integ->key_len : 0;
	per_dir = (size_t)keys->encr_len + keys->salt_len + keys->integ_len;
	data[0] = g_ir; /* empty without PFS */
	data[1] = ni;
	data[2] = nr;
	ret = ike_prf_plus(prf, sk_d, prf->out_len, data, 3, keymat, 2 * per_dir);
	if (ret == 0) {
		take_dir(&pos, keys, &keys->i_to_r);
		take_dir(&pos, keys, &keys->r_to_i);
	}
	OPENSSL_cleanse(keymat, sizeof(keymat));
	return ret;
}

void ike_sa_keys_wipe(struct ike_sa_keys *keys)
{
	if (keys != NULL)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

void ike_child_keys_wipe(struct ike_child_keys *keys)
{
	if (keys != NULL)
		OPENSSL_cleanse(keys, sizeof(*keys));
}
