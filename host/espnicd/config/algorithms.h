/* The algorithms espnicd negotiates, in one table: the session API's name, strongSwan's name
 * (also the syntax of espnicd's configuration file), the IKE transform type and ID, and the
 * key size. The configuration parser, the session model and the status output all read it. */
#ifndef ESPNICD_ALGORITHMS_H
#define ESPNICD_ALGORITHMS_H

#include <stdint.h>

struct alg {
	const char *api; /* the session API's name ("AES_GCM_128"); NULL: not in the API */
	const char *ss;	 /* strongSwan's name ("aes128gcm16") */
	uint8_t type;	 /* IKE_TRANSFORM_* */
	uint16_t id;	 /* the transform ID */
	uint16_t bits;	 /* the key size of an ENCR transform, else 0 */
};

/* The entry of a strongSwan name, NULL if unknown. */
const struct alg *alg_by_ss(const char *ss);
/* The entry of an API name for one transform type (the API's digests are INTEG and PRF), NULL
 * if unknown. */
const struct alg *alg_by_api(uint8_t type, const char *api);
/* The API name of a transform (bits: the key size for ENCR), NULL if it has none. */
const char *alg_api_name(uint8_t type, uint16_t id, uint16_t bits);
/* The API names of one transform type in table order, NULL-terminated. */
const char *const *alg_api_names(uint8_t type);

#endif
