/* compliance.c: the compliance suites. A session with `compliance_suite` uses the suite's
 * system-owned IKE and tunnel profiles (which nobody can change) and the authentication the
 * suite requires; an edit that breaks either is refused. The algorithm tables follow NSX's
 * (CNSA, Suite-B-GCM-128/256, Prime, Foundation); FIPS is espnic's selection of FIPS 140
 * approved algorithms (docs/api.md). */
#include <errno.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "compliance.h"
#include "session_model_internal.h"

/* The key the local certificate must have. */
enum suite_key {
	KEY_PSK_OR_ANY,	      /* a PSK or any certificate */
	KEY_RSA3072_OR_P384,  /* CNSA */
	KEY_ECDSA_P256,	      /* Suite-B-GCM-128, Prime */
	KEY_ECDSA_P384,	      /* Suite-B-GCM-256 */
	KEY_RSA2048_OR_LARGER /* Foundation */
};

struct suite {
	const char *name;
	const char *ike_profile, *tunnel_profile;
	const char *ike_body, *tunnel_body;
	const char *ike_descr, *tunnel_descr;
	enum suite_key key;
	const char *key_words; /* the requirement in a message */
};

static const struct suite suites[] = {
    {"CNSA", "espnic-cnsa-ike-profile", "espnic-cnsa-tunnel-profile",
     "{\"encryption_algorithms\": [\"AES_256\"], \"digest_algorithms\": [\"SHA2_384\"], "
     "\"dh_groups\": [\"GROUP15\", \"GROUP20\"]}",
     "{\"encryption_algorithms\": [\"AES_256\"], \"digest_algorithms\": [\"SHA2_384\"], "
     "\"dh_groups\": [\"GROUP15\", \"GROUP20\"]}",
     "compliance suite CNSA: IKEv2, AES-256, SHA2-384, groups 15 and 20",
     "compliance suite CNSA: AES-256 with SHA2-384, PFS with groups 15 and 20", KEY_RSA3072_OR_P384,
     "a certificate with an RSA key of 3072 bits or more or an ECDSA P-384 key"},
    {"SUITE_B_GCM_128", "espnic-suite-b-gcm-128-ike-profile",
     "espnic-suite-b-gcm-128-tunnel-profile",
     "{\"encryption_algorithms\": [\"AES_128\"], \"digest_algorithms\": [\"SHA2_256\"], "
     "\"dh_groups\": [\"GROUP19\"]}",
     "{\"encryption_algorithms\": [\"AES_GCM_128\"], \"dh_groups\": [\"GROUP19\"]}",
     "compliance suite Suite-B-GCM-128: IKEv2, AES-128, SHA2-256, group 19",
     "compliance suite Suite-B-GCM-128: AES-GCM-128, PFS with group 19", KEY_ECDSA_P256,
     "a certificate with an ECDSA P-256 key"},
    {"SUITE_B_GCM_256", "espnic-suite-b-gcm-256-ike-profile",
     "espnic-suite-b-gcm-256-tunnel-profile",
     "{\"encryption_algorithms\": [\"AES_256\"], \"digest_algorithms\": [\"SHA2_384\"], "
     "\"dh_groups\": [\"GROUP20\"]}",
     "{\"encryption_algorithms\": [\"AES_GCM_256\"], \"dh_groups\": [\"GROUP20\"]}",
     "compliance suite Suite-B-GCM-256: IKEv2, AES-256, SHA2-384, group 20",
     "compliance suite Suite-B-GCM-256: AES-GCM-256, PFS with group 20", KEY_ECDSA_P384,
     "a certificate with an ECDSA P-384 key"},
    {"PRIME", "espnic-prime-ike-profile", "espnic-prime-tunnel-profile",
     "{\"encryption_algorithms\": [\"AES_GCM_128\"], \"digest_algorithms\": [\"SHA2_256\"], "
     "\"dh_groups\": [\"GROUP19\"]}",
     "{\"encryption_algorithms\": [\"AES_GCM_128\"], \"dh_groups\": [\"GROUP19\"]}",
     "compliance suite Prime: IKEv2, AES-GCM-128 with a SHA2-256 PRF, group 19",
     "compliance suite Prime: AES-GCM-128, PFS with group 19", KEY_ECDSA_P256,
     "a certificate with an ECDSA P-256 key"},
    {"FOUNDATION", "espnic-foundation-ike-profile", "espnic-foundation-tunnel-profile",
     "{\"ike_version\": \"IKE_V1\", \"encryption_algorithms\": [\"AES_128\"], "
     "\"digest_algorithms\": [\"SHA2_256\"], \"dh_groups\": [\"GROUP14\"]}",
     "{\"encryption_algorithms\": [\"AES_128\"], \"digest_algorithms\": [\"SHA2_256\"], "
     "\"dh_groups\": [\"GROUP14\"]}",
     "compliance suite Foundation: IKEv1, AES-128, SHA2-256, group 14",
     "compliance suite Foundation: AES-128 with SHA2-256, PFS with group 14", KEY_RSA2048_OR_LARGER,
     "a certificate with an RSA key of 2048 bits or more"},
    {"FIPS", "espnic-fips-ike-profile", "espnic-fips-tunnel-profile",
     "{\"encryption_algorithms\": [\"AES_GCM_256\", \"AES_256\", \"AES_GCM_128\", "
     "\"AES_128\"], \"digest_algorithms\": [\"SHA2_384\", \"SHA2_256\"], \"dh_groups\": "
     "[\"GROUP20\", \"GROUP19\", \"GROUP15\"]}",
     "{\"encryption_algorithms\": [\"AES_GCM_256\", \"AES_GCM_128\"], \"dh_groups\": "
     "[\"GROUP20\", \"GROUP19\", \"GROUP15\"]}",
     "compliance suite FIPS: IKEv2, AES and AES-GCM, SHA2-256/384, groups 20, 19, 15",
     "compliance suite FIPS: AES-GCM, PFS with groups 20, 19, 15", KEY_PSK_OR_ANY, NULL},
};

#define N_SUITES (sizeof(suites) / sizeof(suites[0]))

const char *const sm_suite_names[] = {
    "NONE", "CNSA", "SUITE_B_GCM_128", "SUITE_B_GCM_256", "PRIME", "FOUNDATION", "FIPS", NULL};

static const struct suite *find(const char *name)
{
	for (size_t i = 0; name != NULL && i < N_SUITES; i++)
		if (strcmp(suites[i].name, name) == 0)
			return &suites[i];
	return NULL;
}

void sm_suites_add_profiles(json_t *root,
			    void (*add)(json_t *root, enum sm_kind k, const char *name,
					const char *body, const char *descr))
{
	for (size_t i = 0; i < N_SUITES; i++) {
		add(root, SM_IKE_PROFILE, suites[i].ike_profile, suites[i].ike_body,
		    suites[i].ike_descr);
		add(root, SM_TUNNEL_PROFILE, suites[i].tunnel_profile, suites[i].tunnel_body,
		    suites[i].tunnel_descr);
	}
}

void sm_suite_default_profiles(json_t *session)
{
	const struct suite *s = find(sm_str(session, "compliance_suite"));

	if (s == NULL)
		return;
	if (strcmp(sm_str(session, "ike_profile"), SM_DEFAULT_IKE) == 0)
		json_object_set_new(session, "ike_profile", json_string(s->ike_profile));
	if (strcmp(sm_str(session, "tunnel_profile"), SM_DEFAULT_TUNNEL) == 0)
		json_object_set_new(session, "tunnel_profile", json_string(s->tunnel_profile));
}

/* Whether the first certificate of pem has the key the suite requires. */
static bool key_fits(enum suite_key want, const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	EVP_PKEY *k = x ? X509_get0_pubkey(x) : NULL;
	char curve[64] = "";
	bool ok = false;

	if (k != NULL) {
		int bits = EVP_PKEY_get_bits(k);
		bool rsa = EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA;
		bool ec = EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
			  EVP_PKEY_get_group_name(k, curve, sizeof(curve), NULL) == 1;

		switch (want) {
		case KEY_PSK_OR_ANY:
			ok = true;
			break;
		case KEY_RSA3072_OR_P384:
			ok = (rsa && bits >= 3072) || (ec && strcmp(curve, "secp384r1") == 0);
			break;
		case KEY_ECDSA_P256:
			ok = ec && strcmp(curve, "prime256v1") == 0;
			break;
		case KEY_ECDSA_P384:
			ok = ec && strcmp(curve, "secp384r1") == 0;
			break;
		case KEY_RSA2048_OR_LARGER:
			ok = rsa && bits >= 2048;
			break;
		}
	}
	X509_free(x);
	BIO_free(bio);
	return ok;
}

int sm_suite_check(const struct sm_model *m, const char *name, const json_t *session,
		   struct sm_error *e)
{
	const struct suite *s = find(sm_str(session, "compliance_suite"));
	const json_t *ep;

	if (s == NULL)
		return 0;
	if (strcmp(sm_str(session, "ike_profile"), s->ike_profile) != 0)
		return sm_fail(e, 400, "ike_profile",
			       "ike_profile: session \"%s\" has compliance_suite %s, which pins "
			       "ike_profile \"%s\" (or set compliance_suite NONE)",
			       name, s->name, s->ike_profile);
	if (strcmp(sm_str(session, "tunnel_profile"), s->tunnel_profile) != 0)
		return sm_fail(e, 400, "tunnel_profile",
			       "tunnel_profile: session \"%s\" has compliance_suite %s, which pins "
			       "tunnel_profile \"%s\" (or set compliance_suite NONE)",
			       name, s->name, s->tunnel_profile);
	if (s->key == KEY_PSK_OR_ANY)
		return 0;
	if (strcmp(sm_str(session, "authentication_mode"), "CERTIFICATE") != 0)
		return sm_fail(e, 400, "authentication_mode",
			       "authentication_mode: compliance_suite %s requires CERTIFICATE "
			       "authentication with %s",
			       s->name, s->key_words);
	ep = sm_get(m, SM_ENDPOINT, sm_str(session, "local_endpoint"));
	if (ep == NULL || !key_fits(s->key, sm_str(ep, "certificate")))
		return sm_fail(e, 400, "local_endpoint",
			       "local_endpoint: compliance_suite %s requires %s; the certificate "
			       "of endpoint \"%s\" has another key",
			       s->name, s->key_words, sm_str(session, "local_endpoint"));
	return 0;
}
