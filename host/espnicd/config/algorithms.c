/* The one table of algorithms (algorithms.h). */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "algorithms.h"
#include "ike_types.h"

#define ENCR  IKE_TRANSFORM_ENCR
#define INTEG IKE_TRANSFORM_INTEG
#define PRF   IKE_TRANSFORM_PRF
#define DH    IKE_TRANSFORM_DH
#define ESN   IKE_TRANSFORM_ESN

/* Per type in the order the API lists them. */
static const struct alg algs[] = {
    {"AES_128", "aes128", ENCR, IKE_ENCR_AES_CBC, 128},
    {"AES_256", "aes256", ENCR, IKE_ENCR_AES_CBC, 256},
    {"AES_GCM_128", "aes128gcm16", ENCR, IKE_ENCR_AES_GCM_16, 128},
    {"AES_GCM_256", "aes256gcm16", ENCR, IKE_ENCR_AES_GCM_16, 256},
    {NULL, "aes128gcm", ENCR, IKE_ENCR_AES_GCM_16, 128},
    {NULL, "aes256gcm", ENCR, IKE_ENCR_AES_GCM_16, 256},
    {"SHA1", "sha1", INTEG, IKE_INTEG_HMAC_SHA1_96, 0},
    {"SHA2_256", "sha256", INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0},
    {"SHA2_384", "sha384", INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0},
    {"SHA2_512", "sha512", INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0},
    {"SHA1", "prfsha1", PRF, IKE_PRF_HMAC_SHA1, 0},
    {"SHA2_256", "prfsha256", PRF, IKE_PRF_HMAC_SHA2_256, 0},
    {"SHA2_384", "prfsha384", PRF, IKE_PRF_HMAC_SHA2_384, 0},
    {"SHA2_512", "prfsha512", PRF, IKE_PRF_HMAC_SHA2_512, 0},
    {"GROUP14", "modp2048", DH, IKE_DH_MODP_2048, 0},
    {"GROUP15", "modp3072", DH, IKE_DH_MODP_3072, 0},
    {"GROUP16", "modp4096", DH, IKE_DH_MODP_4096, 0},
    {"GROUP19", "ecp256", DH, IKE_DH_ECP_256, 0},
    {"GROUP20", "ecp384", DH, IKE_DH_ECP_384, 0},
    {"GROUP21", "ecp521", DH, IKE_DH_ECP_521, 0},
    {"GROUP31", "x25519", DH, IKE_DH_CURVE25519, 0},
    {NULL, "curve25519", DH, IKE_DH_CURVE25519, 0},
    {NULL, "esn", ESN, IKE_ESN_YES, 0},
    {NULL, "noesn", ESN, IKE_ESN_NO, 0},
};

#define ALG_COUNT (sizeof(algs) / sizeof(algs[0]))

const struct alg *alg_by_ss(const char *ss)
{
	for (size_t i = 0; i < ALG_COUNT; i++)
		if (strcmp(ss, algs[i].ss) == 0)
			return &algs[i];
	return NULL;
}

const struct alg *alg_by_api(uint8_t type, const char *api)
{
	for (size_t i = 0; i < ALG_COUNT; i++)
		if (algs[i].type == type && algs[i].api != NULL && strcmp(api, algs[i].api) == 0)
			return &algs[i];
	return NULL;
}

const char *alg_api_name(uint8_t type, uint16_t id, uint16_t bits)
{
	for (size_t i = 0; i < ALG_COUNT; i++)
		if (algs[i].type == type && algs[i].id == id && algs[i].api != NULL &&
		    (type != ENCR || algs[i].bits == bits))
			return algs[i].api;
	return NULL;
}

const char *const *alg_api_names(uint8_t type)
{
	static const char *names[ESN + 1][ALG_COUNT + 1];
	static bool filled;

	if (!filled) {
		size_t count[ESN + 1] = {0};

		for (size_t i = 0; i < ALG_COUNT; i++)
			if (algs[i].api != NULL)
				names[algs[i].type][count[algs[i].type]++] = algs[i].api;
		filled = true;
	}
	return type <= ESN ? names[type] : names[0];
}
