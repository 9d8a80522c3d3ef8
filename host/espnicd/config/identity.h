/* IKE identities (ID payload type and data) as espnicd's configuration writes them, and
 * compared with the ones a peer sends. */
#ifndef ESPNICD_IDENTITY_H
#define ESPNICD_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_message.h"

#define CREDS_MAX_ID_DER 512 /* an identity's data (a DER DN is the longest) */

/* An identity (ID payload type and data). type 0: not configured. */
struct cfg_id {
	uint8_t type;
	size_t len;
	uint8_t data[CREDS_MAX_ID_DER];
};

/* Identities as text: "dn:C=CH, O=espnic, CN=gw1" (RFC 4514-like, "," separated, "\,"
 * escapes, E= or emailAddress= for the e-mail attribute), "fqdn:host.example" or "@host",
 * "email:user@example" or anything with an "@", "ipv4:", "ipv6:" or a bare address, and any
 * other text as an FQDN. "" gives type 0. */
int cfg_id_parse(const char *text, struct cfg_id *id);
/* Whether a received identity equals a configured one (DNs compared as names, FQDNs and
 * e-mail addresses without regard to case, addresses as octets). */
bool cfg_id_equal(const struct cfg_id *cfg, uint8_t type, struct ike_span data);

#endif
