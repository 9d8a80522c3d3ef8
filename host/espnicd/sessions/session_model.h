/* The session-management object model of espnicd's API (names and defaults after VMware
 * NSX): local endpoints, IKE / IPsec tunnel / DPD profiles and policy-based sessions, held
 * as normalized jansson objects. Validation fills in defaults and names the faulty field;
 * changes are transactional (a new model is built and checked, the old one stays until the
 * caller swaps). Secrets (PSKs) live apart from the objects and are never part of them. */
#ifndef ESPNICD_SESSION_MODEL_H
#define ESPNICD_SESSION_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config/config.h"

enum sm_kind {
	SM_ENDPOINT,
	SM_IKE_PROFILE,
	SM_TUNNEL_PROFILE,
	SM_DPD_PROFILE,
	SM_SESSION,
	SM_KIND_COUNT,
};

#define SM_NAME_MAX	    63
#define SM_DESCRIPTION_MAX  1024
#define SM_PSK_MAX	    128
#define SM_BGP_PASSWORD_MAX 80 /* TCP_MD5SIG_MAXKEYLEN */
#define SM_NETWORKS_MAX	    CFG_MAX_TS
#define SM_TAGS_MAX	    30
#define SM_PEM_MAX	    32768 /* a certificate chain, CA list or private key as PEM text */
#define SM_PEM_CERTS_MAX    8
#define SM_MSS_MIN	    108 /* tcp_mss_clamping.max_segment_size, NSX's range */
#define SM_MSS_MAX	    8902

/* tcp_mss_clamping.direction values: NONE, INBOUND_MSS, OUTBOUND_MSS, BOTH (the index is a
 * set of DP_MSS_IN = 1, DP_MSS_OUT = 2). */
extern const char *const sm_mss_directions[];

#define SM_DEFAULT_IKE	  "espnic-default-ike-profile"
#define SM_DEFAULT_TUNNEL "espnic-default-tunnel-profile"
#define SM_DEFAULT_DPD	  "espnic-default-dpd-profile"

/* An error as the API returns it: HTTP status, the field at fault ("" for none). */
struct sm_error {
	int status;
	char field[96];
	char message[256];
};

/* How a write treats an existing object. */
enum sm_write {
	SM_CREATE,  /* POST: 409 if it exists */
	SM_REPLACE, /* PUT: create or replace; omitted fields take their defaults */
	SM_MERGE,   /* PATCH: 404 if absent; omitted fields keep their values */
};

/* The model: {"local_endpoints": {NAME: obj}, "ike_profiles": ..., "tunnel_profiles": ...,
 * "dpd_profiles": ..., "sessions": ...} and the secrets {"sessions": {NAME: psk},
 * "local_endpoints": {NAME: PEM private key}, "bgp_passwords": {SESSION: TCP MD5 key}}. */
struct sm_model {
	json_t *root;
	json_t *secrets;
	bool loading; /* sm_model_load: the whole-model check once at the end, not per object */
};

/* "local-endpoints" (URL), "local_endpoints" (store key), "local endpoint" (messages). */
const char *sm_kind_path(enum sm_kind k);
const char *sm_kind_key(enum sm_kind k);
const char *sm_kind_noun(enum sm_kind k);
int sm_kind_from_path(const char *path, enum sm_kind *k);

/* A model with only the system defaults (read-only profiles). */
int sm_model_init(struct sm_model *m);
/* Deep copy (the secrets too). */
int sm_model_copy(const struct sm_model *from, struct sm_model *to);
/* Wipes the secrets and frees. */
void sm_model_free(struct sm_model *m);

bool sm_name_valid(const char *name);
bool sm_is_system(const json_t *obj);

/* Creates, replaces or merges one object in m (in place: work on a copy). body is the
 * request; name comes from the URL (NULL for POST: then from the body). On success returns
 * 200 or 201 and the stored object's name in name_out (SM_NAME_MAX + 1). */
int sm_write(struct sm_model *m, enum sm_kind k, const char *name, json_t *body, enum sm_write mode,
	     char *name_out, struct sm_error *e);
/* Deletes; 404 when absent, 403 for the system defaults, 409 while referenced. */
int sm_delete(struct sm_model *m, enum sm_kind k, const char *name, struct sm_error *e);
/* Cross-object checks: references resolve, PSK present, no overlapping selectors. */
int sm_check(const struct sm_model *m, struct sm_error *e);
/* Re-validates a whole model read from disk (defaults added, every object checked). */
int sm_model_load(struct sm_model *m, json_t *root, json_t *secrets, struct sm_error *e);

const json_t *sm_get(const struct sm_model *m, enum sm_kind k, const char *name);
/* A copy of the object as the API shows it (never a secret; "psk_configured" instead). */
json_t *sm_public(const struct sm_model *m, enum sm_kind k, const json_t *obj);
/* The model without system objects and without secrets (what config.json holds). */
json_t *sm_persistent(const struct sm_model *m);

/* The CHILD/IKE proposals of a profile in strongSwan syntax (also espnicd's config syntax). */
int sm_ike_proposals(const json_t *ike_profile, char out[][256], unsigned cap);
int sm_esp_proposals(const json_t *tunnel_profile, char out[][256], unsigned cap);

/* The number of PEM certificates in text (at most SM_PEM_CERTS_MAX + 1). */
unsigned sm_pem_cert_count(const char *text, size_t len);
/* A CERTIFICATE session's credentials (the endpoint's certificate and key, the session's
 * trusted_ca) with its local_id checked against the certificate; errors name the field. */
int sm_session_creds(const struct sm_model *m, const char *name, struct creds **out,
		     struct sm_error *e);
/* SHA-256 over that material (to tell whether it changed); -ENOENT without it. */
int sm_session_creds_digest(const struct sm_model *m, const char *name, uint8_t digest[32]);

/* Fills peer (defaults, then the session with its endpoint and profiles) for the core. base
 * gives the listen address and port. A CERTIFICATE session's peer holds a reference to new
 * credentials: release it with config_peer_release (or config_free). */
int sm_session_peer(const struct sm_model *m, const char *name, const struct espnicd_config *base,
		    struct cfg_peer *peer, struct sm_error *e);

#endif
