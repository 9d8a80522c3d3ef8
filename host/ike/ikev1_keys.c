/* IKEv1 key material (RFC 2409 5, 5.5 and appendix B), the phase-1 and quick mode hashes,
 * NAT-D hashes (RFC 3947 3.2) and the hash-derived CBC IVs, on top of ike_prf (HMAC) and
 * OpenSSL digests. Every intermediate secret is wiped. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike_bytes.h"
#include "ikev1_crypto.h"

#define MAX_INPUTS 8

const struct ike_prf_alg *ikev1_prf_of_hash(uint16_t hash)
{
	switch (hash) {
	case IKEV1_HASH_SHA1:
		return ike_prf_lookup(IKE_PRF_HMAC_SHA1);
	case IKEV1_HASH_SHA2_256:
		return ike_prf_lookup(IKE_PRF_HMAC_SHA2_256);
	case IKEV1_HASH_SHA2_384:
		return ike_prf_lookup(IKE_PRF_HMAC_SHA2_384);
	case IKEV1_HASH_SHA2_512:
		return ike_prf_lookup(IKE_PRF_HMAC_SHA2_512);
	default:
		return NULL;
	}
}

static struct ike_span span(const void *p, size_t len)
{
	struct ike_span s = {p, len};
	return s;
}

int ikev1_skeyid_psk(const struct ike_prf_alg *prf, const uint8_t *psk, size_t psk_len,
		     struct ike_span ni, struct ike_span nr, uint8_t *skeyid)
{
	struct ike_span data[2] = {ni, nr};

	if (prf == NULL || psk == NULL || psk_len == 0 || ni.ptr == NULL || nr.ptr == NULL ||
	    skeyid == NULL)
		return -EINVAL;
	return ike_prf(prf, psk, psk_len, data, 2, skeyid);
}

int ikev1_skeyid_sig(const struct ike_prf_alg *prf, struct ike_span ni, struct ike_span nr,
		     struct ike_span g_xy, uint8_t *skeyid)
{
	uint8_t key[2 * IKEV1_NONCE_MAX_LEN];
	int ret;

	if (prf == NULL || ni.ptr == NULL || nr.ptr == NULL || g_xy.ptr == NULL || skeyid == NULL ||
	    ni.len > IKEV1_NONCE_MAX_LEN || nr.len > IKEV1_NONCE_MAX_LEN)
		return -EINVAL;
	memcpy(key, ni.ptr, ni.len);
	memcpy(key + ni.len, nr.ptr, nr.len);
	ret = ike_prf(prf, key, ni.len + nr.len, &g_xy, 1, skeyid);
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

/* K1 = prf(key, first | data...), Kn = prf(key, Kn-1 | data...), concatenated and cut to
 * out_len: the expansion of both appendix B (first = one zero octet, no data) and quick
 * mode KEYMAT (first empty). */
static int expand(const struct ike_prf_alg *prf, const uint8_t *key, size_t key_len,
		  struct ike_span first, const struct ike_span *data, size_t data_count,
		  uint8_t *out, size_t out_len)
{
	struct ike_span in[MAX_INPUTS + 1];
	uint8_t k[IKE_MAX_PRF_LEN];
	size_t done = 0;
	int ret = 0;

	if (data_count > MAX_INPUTS)
		return -EINVAL;
	if (data_count > 0)
		memcpy(in + 1, data, data_count * sizeof(*data));
	in[0] = first;
	while (done < out_len) {
		size_t take = out_len - done < prf->out_len ? out_len - done : prf->out_len;

		ret = ike_prf(prf, key, key_len, in, data_count + 1, k);
		if (ret < 0)
			break;
		memcpy(out + done, k, take);
		done += take;
		in[0] = span(k, prf->out_len);
	}
	OPENSSL_cleanse(k, sizeof(k));
	return ret;
}

int ikev1_derive_sa_keys(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
			 const uint8_t *skeyid, struct ike_span g_xy, const uint8_t *cky_i,
			 const uint8_t *cky_r, struct ikev1_sa_keys *keys)
{
	static const uint8_t zero = 0, one = 1, two = 2;
	struct ike_span data[5];
	size_t n = prf ? prf->out_len : 0;
	int ret;

	if (prf == NULL || encr == NULL || encr->aead || skeyid == NULL || g_xy.ptr == NULL ||
	    cky_i == NULL || cky_r == NULL || keys == NULL)
		return -EINVAL;
	memset(keys, 0, sizeof(*keys));
	keys->prf_len = prf->out_len;
	keys->encr_len = encr->key_len;
	memcpy(keys->skeyid, skeyid, n);
	data[1] = g_xy;
	data[2] = span(cky_i, IKEV1_COOKIE_LEN);
	data[3] = span(cky_r, IKEV1_COOKIE_LEN);
	data[4] = span(&zero, 1);
	ret = ike_prf(prf, skeyid, n, data + 1, 4, keys->skeyid_d);
	data[0] = span(keys->skeyid_d, n);
	data[4] = span(&one, 1);
	if (ret == 0)
		ret = ike_prf(prf, skeyid, n, data, 5, keys->skeyid_a);
	data[0] = span(keys->skeyid_a, n);
	data[4] = span(&two, 1);
	if (ret == 0)
		ret = ike_prf(prf, skeyid, n, data, 5, keys->skeyid_e);
	if (ret == 0 && encr->key_len <= n)
		memcpy(keys->encr_key, keys->skeyid_e, encr->key_len);
	else if (ret == 0)
		ret = expand(prf, keys->skeyid_e, n, span(&zero, 1), NULL, 0, keys->encr_key,
			     encr->key_len);
	if (ret < 0)
		ikev1_sa_keys_wipe(keys);
	return ret;
}

void ikev1_sa_keys_wipe(struct ikev1_sa_keys *keys)
{
	if (keys != NULL)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

int ikev1_hash_phase1(const struct ike_prf_alg *prf, const uint8_t *skeyid, bool initiator,
		      struct ike_span g_xi, struct ike_span g_xr, const uint8_t *cky_i,
		      const uint8_t *cky_r, struct ike_span sai_b, struct ike_span id_b,
		      uint8_t *out)
{
	struct ike_span data[6];

	if (prf == NULL || skeyid == NULL || g_xi.ptr == NULL || g_xr.ptr == NULL ||
	    cky_i == NULL || cky_r == NULL || sai_b.ptr == NULL || id_b.ptr == NULL || out == NULL)
		return -EINVAL;
	data[0] = initiator ? g_xi : g_xr;
	data[1] = initiator ? g_xr : g_xi;
	data[2] = span(initiator ? cky_i : cky_r, IKEV1_COOKIE_LEN);
	data[3] = span(initiator ? cky_r : cky_i, IKEV1_COOKIE_LEN);
	data[4] = sai_b;
	data[5] = id_b;
	return ike_prf(prf, skeyid, prf->out_len, data, 6, out);
}

int ikev1_hash_msgid(const struct ike_prf_alg *prf, const uint8_t *skeyid_a, uint32_t msgid,
		     struct ike_span ni, struct ike_span rest, uint8_t *out)
{
	uint8_t mid[4];
	struct ike_span data[3];

	if (prf == NULL || skeyid_a == NULL || out == NULL || (ni.ptr == NULL && ni.len) ||
	    (rest.ptr == NULL && rest.len))
		return -EINVAL;
	ike_put32(mid, msgid);
	data[0] = span(mid, 4);
	data[1] = ni;
	data[2] = rest;
	return ike_prf(prf, skeyid_a, prf->out_len, data, 3, out);
}

int ikev1_hash_quick3(const struct ike_prf_alg *prf, const uint8_t *skeyid_a, uint32_t msgid,
		      struct ike_span ni, struct ike_span nr, uint8_t *out)
{
	static const uint8_t zero = 0;
	uint8_t mid[4];
	struct ike_span data[4];

	if (prf == NULL || skeyid_a == NULL || out == NULL || ni.ptr == NULL || nr.ptr == NULL)
		return -EINVAL;
	ike_put32(mid, msgid);
	data[0] = span(&zero, 1);
	data[1] = span(mid, 4);
	data[2] = ni;
	data[3] = nr;
	return ike_prf(prf, skeyid_a, prf->out_len, data, 4, out);
}

/* One direction's KEYMAT, split into its keys. */
static int child_dir(const struct ike_prf_alg *prf, const uint8_t *skeyid_d,
		     const struct ike_child_keys *sizes, struct ike_span g_qm, uint8_t protocol,
		     const uint8_t *spi, struct ike_span ni, struct ike_span nr,
		     struct ike_child_dir_keys *d)
{
	uint8_t keymat[IKE_MAX_KEYMAT_PART + IKE_MAX_INTEG_KEY];
	size_t total = (size_t)sizes->encr_len + sizes->salt_len + sizes->integ_len;
	struct ike_span data[5] = {g_qm, span(&protocol, 1), span(spi, 4), ni, nr};
	int ret;

	ret = expand(prf, skeyid_d, prf->out_len, span(NULL, 0), data, 5, keymat, total);
	if (ret == 0) {
		memcpy(d->encr, keymat, sizes->encr_len);
		memcpy(d->salt, keymat + sizes->encr_len, sizes->salt_len);
		memcpy(d->integ, keymat + sizes->encr_len + sizes->salt_len, sizes->integ_len);
	}
	OPENSSL_cleanse(keymat, sizeof(keymat));
	return ret;
}

int ikev1_derive_child_keys(const struct ike_prf_alg *prf, const uint8_t *skeyid_d,
			    const struct ike_encr_alg *encr, const struct ike_integ_alg *integ,
			    struct ike_span g_qm, uint8_t protocol, const uint8_t spi_i[4],
			    const uint8_t spi_r[4], struct ike_span ni, struct ike_span nr,
			    struct ike_child_keys *keys)
{
	int ret;

	if (prf == NULL || skeyid_d == NULL || encr == NULL || spi_i == NULL || spi_r == NULL ||
	    keys == NULL || ni.ptr == NULL || nr.ptr == NULL || (g_qm.ptr == NULL && g_qm.len) ||
	    (encr->aead ? integ != NULL : integ == NULL))
		return -EINVAL;
	memset(keys, 0, sizeof(*keys));
	keys->encr_len = encr->key_len;
	keys->salt_len = encr->salt_len;
	keys->integ_len = integ ? integ->key_len : 0;
	ret = child_dir(prf, skeyid_d, keys, g_qm, protocol, spi_r, ni, nr, &keys->i_to_r);
	if (ret == 0)
		ret = child_dir(prf, skeyid_d, keys, g_qm, protocol, spi_i, ni, nr, &keys->r_to_i);
	if (ret < 0)
		ike_child_keys_wipe(keys);
	return ret;
}

/* hash(data...) with the PRF's digest; returns the digest length. */
static int digest(const struct ike_prf_alg *prf, const struct ike_span *data, size_t count,
		  uint8_t *out, size_t cap)
{
	EVP_MD *md = EVP_MD_fetch(NULL, prf->digest, NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ret = -EIO;
	size_t i;

	if (md == NULL || ctx == NULL || (size_t)EVP_MD_get_size(md) > cap ||
	    !EVP_DigestInit_ex2(ctx, md, NULL))
		goto out;
	for (i = 0; i < count; i++)
		if (data[i].len && !EVP_DigestUpdate(ctx, data[i].ptr, data[i].len))
			goto out;
	if (EVP_DigestFinal_ex(ctx, out, &len))
		ret = (int)len;
out:
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return ret;
}

int ikev1_natd_hash(const struct ike_prf_alg *prf, const uint8_t *cky_i, const uint8_t *cky_r,
		    const uint8_t *addr, size_t addr_len, uint16_t port, uint8_t *out, size_t cap)
{
	uint8_t p[2];
	struct ike_span data[4];

	if (prf == NULL || cky_i == NULL || cky_r == NULL || addr == NULL || out == NULL ||
	    (addr_len != 4 && addr_len != 16))
		return -EINVAL;
	ike_put16(p, port);
	data[0] = span(cky_i, IKEV1_COOKIE_LEN);
	data[1] = span(cky_r, IKEV1_COOKIE_LEN);
	data[2] = span(addr, addr_len);
	data[3] = span(p, 2);
	return digest(prf, data, 4, out, cap);
}

static int iv_from_hash(const struct ike_prf_alg *prf, size_t block, const struct ike_span *data,
			size_t count, struct ikev1_iv *iv)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	int ret;

	if (block == 0 || block > IKE_MAX_IV)
		return -EINVAL;
	ret = digest(prf, data, count, h, sizeof(h));
	if (ret >= 0 && (size_t)ret < block)
		ret = -EINVAL;
	if (ret >= 0) {
		iv->len = (uint8_t)block;
		memcpy(iv->iv, h, block);
		ret = 0;
	}
	OPENSSL_cleanse(h, sizeof(h));
	return ret;
}

int ikev1_iv_phase1(const struct ike_prf_alg *prf, const struct ike_encr_alg *encr,
		    struct ike_span g_xi, struct ike_span g_xr, struct ikev1_iv *iv)
{
	struct ike_span data[2] = {g_xi, g_xr};

	if (prf == NULL || encr == NULL || iv == NULL || g_xi.ptr == NULL || g_xr.ptr == NULL)
		return -EINVAL;
	return iv_from_hash(prf, encr->block_len, data, 2, iv);
}

int ikev1_iv_exchange(const struct ike_prf_alg *prf, const struct ikev1_iv *phase1, uint32_t msgid,
		      struct ikev1_iv *iv)
{
	uint8_t mid[4];
	struct ike_span data[2];

	if (prf == NULL || phase1 == NULL || iv == NULL || phase1->len == 0 ||
	    phase1->len > IKE_MAX_IV)
		return -EINVAL;
	ike_put32(mid, msgid);
	data[0] = span(phase1->iv, phase1->len);
	data[1] = span(mid, 4);
	return iv_from_hash(prf, phase1->len, data, 2, iv);
}
