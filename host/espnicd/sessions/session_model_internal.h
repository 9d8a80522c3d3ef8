/* What the three parts of the session model share: session_fields.c (field checks),
 * session_model.c (the objects, changes and checks) and session_peer.c (a session as the
 * core's peer). Users of the model include session_model.h. */
#ifndef ESPNICD_SESSION_MODEL_INTERNAL_H
#define ESPNICD_SESSION_MODEL_INTERNAL_H

#include <stdbool.h>

#include <jansson.h>

#include "session_model.h"

/* Fills e (status, field, message) and returns -EINVAL. */
int sm_fail(struct sm_error *e, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Checks the object in of kind k; *out is its normalized copy with defaults. */
int sm_normalize(enum sm_kind k, json_t *in, json_t **out, struct sm_error *e);
/* The index of s in values (NULL-terminated; any case, "-" for "_"), or -1. */
int sm_enum_index(const char *s, const char *const *values);
/* Whether an encryption list holds an AES-GCM algorithm; *cbc whether it holds another. */
bool sm_has_gcm(const json_t *list, bool *cbc);

/* A string field of obj, "" when absent. */
const char *sm_str(const json_t *obj, const char *key);
/* {session name: PSK}. */
json_t *sm_session_secrets(const struct sm_model *m);
/* {SESSION: its BGP password} (route-based sessions' TCP MD5 keys, write-only). */
json_t *sm_bgp_passwords(const struct sm_model *m);
/* The objects of kind k, {name: object}. */
json_t *sm_collection(const struct sm_model *m, enum sm_kind k);
/* Whether a session is route-based (RouteBasedIPSecVpnSession). */
bool sm_session_route_based(const json_t *s);
/* A session's local identity: its own local_id, else its endpoint's, else "". */
const char *sm_session_local_id(const json_t *s, const json_t *ep);
/* A session whose tunnel profile is TRANSPORT_MODE: its networks must be the endpoint's and
 * the peer's addresses (the configuration file's check, config_transport_selectors); 0, or
 * 400 naming local_networks or remote_networks. */
int sm_transport_check(const struct sm_model *m, const char *name, const json_t *s,
		       struct sm_error *e);

#endif
