/* The transform registry: what each supported IKEv2 transform ID means in OpenSSL terms and
 * in octets. Adding an algorithm is adding a row. */
#include <stddef.h>

#include "ike_crypto.h"

static const struct ike_encr_alg encr_algs[] = {
    {IKE_ENCR_AES_CBC, 128, "AES-128-CBC", 16, 0, 16, 16, 0, false},
    {IKE_ENCR_AES_CBC, 256, "AES-256-CBC", 32, 0, 16, 16, 0, false},
    /* RFC 5282: 8-octet explicit IV, 4-octet salt, 16-octet tag; no alignment needed. */
    {IKE_ENCR_AES_GCM_16, 128, "AES-128-GCM", 16, 4, 8, 1, 16, true},
    {IKE_ENCR_AES_GCM_16, 256, "AES-256-GCM", 32, 4, 8, 1, 16, true},
};

static const struct ike_prf_alg prf_algs[] = {
    {IKE_PRF_HMAC_SHA1, "SHA1", 20},
    {IKE_PRF_HMAC_SHA2_256, "SHA2-256", 32},
    {IKE_PRF_HMAC_SHA2_384, "SHA2-384", 48},
    {IKE_PRF_HMAC_SHA2_512, "SHA2-512", 64},
};

static const struct ike_integ_alg integ_algs[] = {
    {IKE_INTEG_HMAC_SHA1_96, "SHA1", 20, 12},
    {IKE_INTEG_HMAC_SHA2_256_128, "SHA2-256", 32, 16},
    {IKE_INTEG_HMAC_SHA2_384_192, "SHA2-384", 48, 24},
    {IKE_INTEG_HMAC_SHA2_512_256, "SHA2-512", 64, 32},
};

static const struct ike_dh_group dh_groups[] = {
    {IKE_DH_MODP_2048, "modp_2048", 256, 256, IKE_DH_KIND_MODP},
    {IKE_DH_MODP_3072, "modp_3072", 384, 384, IKE_DH_KIND_MODP},
    {IKE_DH_MODP_4096, "modp_4096", 512, 512, IKE_DH_KIND_MODP},
    {IKE_DH_ECP_256, "prime256v1", 64, 32, IKE_DH_KIND_ECP},
    {IKE_DH_ECP_384, "secp384r1", 96, 48, IKE_DH_KIND_ECP},
    {IKE_DH_ECP_521, "secp521r1", 132, 66, IKE_DH_KIND_ECP},
    {IKE_DH_CURVE25519, "X25519", 32, 32, IKE_DH_KIND_X25519},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct ike_encr_alg *ike_encr_lookup(uint16_t id, uint16_t key_bits)
{
	size_t i;

	for (i = 0; i < COUNT(encr_algs); i++)
		if (encr_algs[i].id == id && encr_algs[i].key_bits == key_bits)
			return &encr_algs[i];
	return NULL;
}

const struct ike_prf_alg *ike_prf_lookup(uint16_t id)
{
	size_t i;

	for (i = 0; i < COUNT(prf_algs); i++)
		if (prf_algs[i].id == id)
			return &prf_algs[i];
	return NULL;
}

const struct ike_integ_alg *ike_integ_lookup(uint16_t id)
{
	size_t i;

	for (i = 0; i < COUNT(integ_algs); i++)
		if (integ_algs[i].id == id)
			return &integ_algs[i];
	return NULL;
}

const struct ike_dh_group *ike_dh_lookup(uint16_t id)
{
	size_t i;

	for (i = 0; i < COUNT(dh_groups); i++)
		if (dh_groups[i].id == id)
			return &dh_groups[i];
	return NULL;
}
