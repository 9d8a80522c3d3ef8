/* What IKE_AUTH (task_ike_auth.c) lends others: the CERTREQ that IKE_SA_INIT's answer carries,
 * and our identity (IKEv1 uses it too). */
#ifndef ESPNICD_TASK_IKE_AUTH_H
#define ESPNICD_TASK_IKE_AUTH_H

#include "ike_sa.h"
#include "message_out.h"

void ike_auth_add_certreq(struct ike_sa *sa, struct message_out *m);
/* Our identity: local_id (a DN equal to our certificate's subject as the certificate encodes
 * it), else our certificate's subject, else our IKE address (IKEv1 uses it too). */
void ike_auth_our_id(struct ike_sa *sa, struct cfg_id *id);

#endif
