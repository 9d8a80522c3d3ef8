/* The IKEv1 algorithm policy: which phase-1 and ESP transforms espnic accepts. The same
 * modern set as IKEv2 (AES-CBC-128/256, AES-GCM-16 for ESP where RFC 4106 defines it for
 * IKEv1, SHA-1 and SHA-2, DH groups 14-16, 19-21, 31); DES, 3DES, MD5 and DH groups 1, 2
 * and 5 are refused by name, citing RFC 8247 (IKE) or RFC 8221 (ESP). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ikev1_crypto.h"

enum what {
	PHASE1_ENCR,
	PHASE1_HASH,
	ESP_ID,
	ESP_AUTH,
	GROUP,
};

struct refusal {
	enum what what;
	uint16_t value;
	const char *text;
};

static const struct refusal refusals[] = {
    {PHASE1_ENCR, IKEV1_ENCR_DES_CBC, "DES refused: RFC 8247 says MUST NOT"},
    {PHASE1_ENCR, IKEV1_ENCR_3DES_CBC,
     "3DES refused: a 64-bit block cipher, demoted to MAY by RFC 8247; use AES-CBC"},
    {PHASE1_HASH, IKEV1_HASH_MD5, "MD5 refused: RFC 8247 says MUST NOT for the PRF"},
    {ESP_ID, IKEV1_ESP_DES, "ESP DES refused: RFC 8221 says MUST NOT"},
    {ESP_ID, IKEV1_ESP_3DES,
     "ESP 3DES refused: RFC 8221 says SHOULD NOT (64-bit block); use AES-CBC or AES-GCM"},
    {ESP_AUTH, IKEV1_AUTH_ALG_HMAC_MD5, "ESP HMAC-MD5 refused: RFC 8221 says MUST NOT"},
    {GROUP, 1, "DH group 1 (MODP 768) refused: RFC 8247 says MUST NOT"},
    {GROUP, 2, "DH group 2 (MODP 1024) refused: RFC 8247 says SHOULD NOT"},
    {GROUP, 5, "DH group 5 (MODP 1536) refused: RFC 8247 says SHOULD NOT"},
};

__attribute__((format(printf, 4, 5))) static int say(char *why, size_t len, int err,
						     const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* -EPERM with the refusal's text when value is a deprecated one, else 0. */
static int refused(enum what what, uint16_t value, char *why, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (refusals[i].what == what && refusals[i].value == value)
			return say(why, len, -EPERM, "%s", refusals[i].text);
	return 0;
}

static int group_of(uint16_t id, const struct ike_dh_group **group, char *why, size_t len)
{
	int ret = refused(GROUP, id, why, len);

	if (ret < 0)
		return ret;
	*group = ike_dh_lookup(id);
	if (*group == NULL)
		return say(why, len, -ENOTSUP, "DH group %u not supported", id);
	return 0;
}

/* AES key lengths: RFC 3602 5.3 makes the Key Length attribute mandatory for AES. */
static int aes_of(uint16_t ikev2_id, uint16_t key_bits, const struct ike_encr_alg **encr,
		  const char *name, char *why, size_t len)
{
	if (key_bits == 0)
		return say(why, len, -EINVAL, "%s without the Key Length attribute (RFC 3602 5.3)",
			   name);
	*encr = ike_encr_lookup(ikev2_id, key_bits);
	if (*encr == NULL)
		return say(why, len, -ENOTSUP, "%s with a %u-bit key not supported", name,
			   key_bits);
	return 0;
}

int ikev1_policy_phase1(const struct ikev1_transform *t, struct ikev1_phase1_suite *suite,
			char *why, size_t why_len)
{
	int ret;

	if (t == NULL || suite == NULL)
		return -EINVAL;
	memset(suite, 0, sizeof(*suite));
	if (t->id != IKEV1_KEY_IKE)
		return say(why, why_len, -ENOTSUP, "transform ID %u is not KEY_IKE", t->id);
	if (t->unknown_attribute)
		return say(why, why_len, -ENOTSUP, "unsupported attributes (private groups?)");
	if (t->encr == 0 || t->hash == 0 || t->auth_method == 0 || t->group == 0)
		return say(why, why_len, -EINVAL,
			   "encryption, hash, authentication method and group are all required");
	if ((ret = refused(PHASE1_ENCR, t->encr, why, why_len)) < 0 ||
	    (ret = refused(PHASE1_HASH, t->hash, why, why_len)) < 0)
		return ret;
	if (t->encr != IKEV1_ENCR_AES_CBC)
		return say(why, why_len, -ENOTSUP, "encryption algorithm %u not supported",
			   t->encr);
	ret = aes_of(IKE_ENCR_AES_CBC, t->key_length, &suite->encr, "AES-CBC", why, why_len);
	if (ret < 0)
		return ret;
	/* No PRF values are assigned for IKEv1: the HMAC of the hash is the PRF. */
	if (t->prf != 0)
		return say(why, why_len, -ENOTSUP, "PRF attribute %u not supported", t->prf);
	suite->prf = ikev1_prf_of_hash(t->hash);
	if (suite->prf == NULL)
		return say(why, why_len, -ENOTSUP, "hash algorithm %u not supported", t->hash);
	switch (t->auth_method) {
	case IKEV1_AUTH_PSK:
	case IKEV1_AUTH_RSA_SIG:
	case IKEV1_AUTH_ECDSA_256:
	case IKEV1_AUTH_ECDSA_384:
	case IKEV1_AUTH_ECDSA_521:
		break;
	default:
		return say(why, why_len, -ENOTSUP, "authentication method %u not supported",
			   t->auth_method);
	}
	ret = group_of(t->group, &suite->group, why, why_len);
	if (ret < 0)
		return ret;
	suite->auth_method = t->auth_method;
	suite->life_seconds = t->life_seconds;
	suite->life_kilobytes = t->life_kilobytes;
	return 0;
}

static int esp_integ(uint16_t auth_alg, const struct ike_integ_alg **integ, char *why, size_t len)
{
	static const struct {
		uint16_t ikev1, ikev2;
	} map[] = {
	    {IKEV1_AUTH_ALG_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96},
	    {IKEV1_AUTH_ALG_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128},
	    {IKEV1_AUTH_ALG_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_384_192},
	    {IKEV1_AUTH_ALG_HMAC_SHA2_512, IKE_INTEG_HMAC_SHA2_512_256},
	};
	size_t i;
	int ret = refused(ESP_AUTH, auth_alg, why, len);

	if (ret < 0)
		return ret;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].ikev1 == auth_alg) {
			*integ = ike_integ_lookup(map[i].ikev2);
			return 0;
		}
	return say(why, len, -ENOTSUP, "ESP authentication algorithm %u not supported", auth_alg);
}

int ikev1_policy_esp(uint8_t protocol, const struct ikev1_transform *t,
		     struct ikev1_esp_suite *suite, char *why, size_t why_len)
{
	int ret;

	if (t == NULL || suite == NULL)
		return -EINVAL;
	memset(suite, 0, sizeof(*suite));
	if (protocol != IKEV1_PROTO_IPSEC_ESP)
		return say(why, why_len, -ENOTSUP, "protocol %u not supported (ESP only)",
			   protocol);
	if (t->unknown_attribute)
		return say(why, why_len, -ENOTSUP, "unsupported attributes");
	if ((ret = refused(ESP_ID, t->id, why, why_len)) < 0)
		return ret;
	switch (t->id) {
	case IKEV1_ESP_AES_CBC:
		ret = aes_of(IKE_ENCR_AES_CBC, t->key_length, &suite->encr, "ESP AES-CBC", why,
			     why_len);
		if (ret == 0 && t->auth_alg == 0)
			ret = say(why, why_len, -EINVAL, "ESP AES-CBC without authentication");
		if (ret == 0)
			ret = esp_integ(t->auth_alg, &suite->integ, why, why_len);
		break;
	case IKEV1_ESP_AES_GCM_16:
		/* Combined mode: no separate authentication algorithm (RFC 4106 8.4). */
		ret = aes_of(IKE_ENCR_AES_GCM_16, t->key_length, &suite->encr, "ESP AES-GCM-16",
			     why, why_len);
		if (ret == 0 && t->auth_alg != 0)
			ret = say(why, why_len, -ENOTSUP,
				  "ESP AES-GCM-16 with an authentication algorithm");
		break;
	default:
		ret = say(why, why_len, -ENOTSUP, "ESP transform %u not supported", t->id);
	}
	if (ret < 0)
		return ret;
	if (t->encap_mode < IKEV1_ENCAP_TUNNEL || t->encap_mode > IKEV1_ENCAP_UDP_TRANSPORT)
		return say(why, why_len, t->encap_mode == 0 ? -EINVAL : -ENOTSUP,
			   "encapsulation mode %u not supported", t->encap_mode);
	if (t->group != 0 && (ret = group_of(t->group, &suite->pfs, why, why_len)) < 0)
		return ret;
	if (t->esn > 1)
		return say(why, why_len, -ENOTSUP, "ESN value %u not supported", t->esn);
	suite->encap_mode = t->encap_mode;
	suite->esn = t->esn == 1;
	suite->life_seconds = t->life_seconds;
	suite->life_kilobytes = t->life_kilobytes;
	return 0;
}
