/* compliance.h: the compliance suites a session can pin (NSX's CNSA, Suite-B, Prime,
 * Foundation, and FIPS): each names system-defined IKE and tunnel profiles and the
 * authentication it requires. */
#ifndef ESPNICD_COMPLIANCE_H
#define ESPNICD_COMPLIANCE_H

#include <jansson.h>

#include "session_model.h"

/* The API's enum values, "NONE" first, NULL-terminated. */
extern const char *const sm_suite_names[];

/* Adds each suite's system-owned IKE and tunnel profiles to a new model's root. */
void sm_suites_add_profiles(json_t *root,
			    void (*add)(json_t *root, enum sm_kind k, const char *name,
					const char *body, const char *descr));

/* A normalized session (out): with a suite, the system default profiles it names are
 * replaced by the suite's (so choosing a suite needs nothing else). */
void sm_suite_default_profiles(json_t *session);

/* The checks of a session with a suite against the model: its profiles are the suite's,
 * its authentication and its endpoint's certificate key are the suite's. 0, or the HTTP
 * status with e filled in. */
int sm_suite_check(const struct sm_model *m, const char *name, const json_t *session,
		   struct sm_error *e);

#endif
