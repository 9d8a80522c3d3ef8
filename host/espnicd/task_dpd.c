/* Liveness: dead peer detection with empty INFORMATIONAL requests after dpd_delay without
 * traffic from the peer (RFC 7296 2.4; retransmission gives up and closes the IKE_SA), and
 * NAT-keepalives when we are behind a NAT (RFC 3948 4). */
#include <errno.h>
#include <stdlib.h>

#include "ike_sa.h"
#include "log.h"

int dpd_start(struct ike_sa *sa)
{
	struct message_out *m = malloc(sizeof(*m));
	int ret;

	if (m == NULL)
		return -ENOMEM;
	message_out_init(m);
	ret = send_request(sa, REQUEST_DPD, IKE_EXCHANGE_INFORMATIONAL, m);
	free(m);
	if (ret == 0)
		log_debug("%s: liveness check", sa_name(sa));
	return ret;
}

void keepalive_check(struct ike_sa *sa, uint64_t now)
{
	static const uint8_t keepalive = 0xff;

	if (!sa->nat_local || !sa->natt || sa->peer.keepalive_ms == 0 || now < sa->next_keepalive)
		return;
	sa->next_keepalive = now + sa->peer.keepalive_ms;
	sa->d->io.send(sa->d->io.arg, ESPNICD_SEND_KEEPALIVE, &sa->local, &sa->remote, &keepalive,
		       1);
}
