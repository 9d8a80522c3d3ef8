/* Diffie-Hellman for IKE (RFC 7296 3.4, RFC 3526, RFC 5903, RFC 8031) with OpenSSL EVP_PKEY:
 * key pairs, IKE's public value encodings, and validation of the peer's value before any
 * secret is computed from it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ike_crypto.h"

struct ike_dh {
	const struct ike_dh_group *group;
	EVP_PKEY *key;
};

static const char *keytype(const struct ike_dh_group *g)
{
	switch (g->kind) {
	case IKE_DH_KIND_MODP:
		return "DH";
	case IKE_DH_KIND_ECP:
		return "EC";
	default:
		return "X25519";
	}
}

int ike_dh_new(uint16_t group, struct ike_dh **out)
{
	const struct ike_dh_group *g = ike_dh_lookup(group);
	EVP_PKEY_CTX *ctx;
	OSSL_PARAM params[2];
	struct ike_dh *dh;
	int ret = -EIO;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (g == NULL)
		return -EOPNOTSUPP;
	dh = calloc(1, sizeof(*dh));
	if (dh == NULL)
		return -ENOMEM;
	dh->group = g;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, keytype(g), NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0)
		goto out;
	if (g->kind != IKE_DH_KIND_X25519) {
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							     (char *)g->name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_PKEY_CTX_set_params(ctx, params) <= 0)
			goto out;
	}
	if (EVP_PKEY_generate(ctx, &dh->key) <= 0)
		goto out;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	if (ret < 0)
		ike_dh_free(dh);
	else
		*out = dh;
	return ret;
}

/* An EVP_PKEY of the group from parameters (private or public). */
static EVP_PKEY *from_params(const struct ike_dh_group *g, OSSL_PARAM_BLD *bld, int selection)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, keytype(g), NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY *key = NULL;

	if (ctx == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, selection, params) <= 0)
		key = NULL;
out:
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

int ike_dh_new_from_private(uint16_t group, const uint8_t *priv, size_t len, struct ike_dh **out)
{
	const struct ike_dh_group *g = ike_dh_lookup(group);
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bn = NULL;
	struct ike_dh *dh;
	int ret = -EINVAL;

	if (out == NULL || priv == NULL)
		return -EINVAL;
	*out = NULL;
	if (g == NULL)
		return -EOPNOTSUPP;
	if (g->kind == IKE_DH_KIND_MODP)
		return -EOPNOTSUPP;
	dh = calloc(1, sizeof(*dh));
	if (dh == NULL)
		return -ENOMEM;
	dh->group = g;
	if (g->kind == IKE_DH_KIND_X25519) {
		if (len == 32)
			dh->key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, len);
	} else {
		bn = BN_secure_new();
		bld = OSSL_PARAM_BLD_new();
		if (bn != NULL && bld != NULL && BN_bin2bn(priv, (int)len, bn) != NULL &&
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn))
			dh->key = from_params(g, bld, EVP_PKEY_KEYPAIR);
	}
	if (dh->key != NULL)
		ret = 0;
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bn);
	if (ret < 0)
		ike_dh_free(dh);
	else
		*out = dh;
	return ret;
}

void ike_dh_free(struct ike_dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);
	free(dh);
}

const struct ike_dh_group *ike_dh_group_of(const struct ike_dh *dh)
{
	return dh == NULL ? NULL : dh->group;
}

int ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap)
{
	const struct ike_dh_group *g;
	uint8_t point[1 + IKE_MAX_DH_PUBLIC];
	size_t len = 0;
	BIGNUM *bn = NULL;
	int ret = -EIO;

	if (dh == NULL || out == NULL)
		return -EINVAL;
	g = dh->group;
	if (cap < g->public_len)
		return -ENOSPC;
	switch (g->kind) {
	case IKE_DH_KIND_MODP:
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &bn) &&
		    BN_bn2binpad(bn, out, g->public_len) == g->public_len)
			ret = g->public_len;
		BN_free(bn);
		break;
	case IKE_DH_KIND_ECP:
		/* OpenSSL gives 0x04 | x | y; IKE sends x | y (RFC 5903 7). */
		if (EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, point,
						    sizeof(point), &len) &&
		    len == 1u + g->public_len && point[0] == 0x04) {
			memcpy(out, point + 1, g->public_len);
			ret = g->public_len;
		}
		break;
	case IKE_DH_KIND_X25519:
		len = cap;
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &len) && len == g->public_len)
			ret = g->public_len;
		break;
	}
	return ret;
}

/* The MODP key is only built here; check_public then runs OpenSSL's full SP 800-56A check
 * (1 < y < p-1 and y^q == 1 for the named RFC 3526 groups). */
static EVP_PKEY *peer_modp(const struct ike_dh_group *g, const uint8_t *peer, size_t len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *y = BN_bin2bn(peer, (int)len, NULL);
	EVP_PKEY *key = NULL;

	if (bld != NULL && y != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		key = from_params(g, bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	return key;
}

static EVP_PKEY *peer_ecp(const struct ike_dh_group *g, const uint8_t *peer, size_t len)
{
	uint8_t point[1 + IKE_MAX_DH_PUBLIC];
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *key = NULL;

	/* Rebuild the uncompressed SEC1 point; decoding it rejects points off the curve. */
	point[0] = 0x04;
	memcpy(point + 1, peer, len);
	if (bld != NULL &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len + 1))
		key = from_params(g, bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

static int check_public(EVP_PKEY *key)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	int ok = ctx != NULL && EVP_PKEY_public_check(ctx) == 1;

	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -EINVAL;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

int ike_dh_compute(const struct ike_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *out,
		   size_t cap)
{
	const struct ike_dh_group *g;
	EVP_PKEY *peer_key = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t len;
	int ret = -EINVAL;

	if (dh == NULL || peer == NULL || out == NULL)
		return -EINVAL;
	g = dh->group;
	if (peer_len != g->public_len)
		return -EINVAL;
	if (cap < g->secret_len)
		return -ENOSPC;
	switch (g->kind) {
	case IKE_DH_KIND_MODP:
		peer_key = peer_modp(g, peer, peer_len);
		break;
	case IKE_DH_KIND_ECP:
		peer_key = peer_ecp(g, peer, peer_len);
		break;
	case IKE_DH_KIND_X25519:
		peer_key = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, peer_len);
		break;
	}
	if (peer_key == NULL)
		return -EINVAL;
	/* X25519 has no public key check worth the name: the all-zero output test below is
	 * RFC 8031 2.2's rule. */
	if (g->kind != IKE_DH_KIND_X25519 && check_public(peer_key) < 0)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, peer_key, 1) <= 0)
		goto out;
	/* g^ir is padded to the modulus length (RFC 7296 2.14); OpenSSL strips zeros unless
	 * asked not to. */
	if (g->kind == IKE_DH_KIND_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto out;
	len = cap;
	if (EVP_PKEY_derive(ctx, out, &len) <= 0 || len != g->secret_len) {
		OPENSSL_cleanse(out, cap);
		goto out;
	}
	/* Only for X25519 is zero a sign of a low-order point; an ECP x-coordinate may be 0. */
	if (g->kind == IKE_DH_KIND_X25519 && all_zero(out, len)) {
		OPENSSL_cleanse(out, len);
		goto out;
	}
	ret = (int)len;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer_key);
	return ret;
}
