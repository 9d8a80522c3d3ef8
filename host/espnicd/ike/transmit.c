/* Sending: one request in flight per IKE_SA (window size 1), retransmitted with exponential
 * back-off until answered or given up; the last response cached and resent when the peer
 * retransmits its request (RFC 7296 2.1, 2.3). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ike_sa.h"
#include "log.h"
#include "message_out.h"
#include "transmit.h"
#include "util.h"

uint64_t retransmit_timeout(const struct espnicd_config *cfg, unsigned retransmits)
{
	return (uint64_t)((double)cfg->retransmit_timeout_ms *
			  pow(cfg->retransmit_base, retransmits));
}

void send_raw(struct espnicd *d, const struct sockaddr_storage *local,
	      const struct sockaddr_storage *remote, const uint8_t *buf, size_t len)
{
	if (d->io.send(d->io.arg, ESPNICD_SEND_IKE, local, remote, buf, len) < 0)
		log_debug("send to %u failed", sockaddr_port(remote));
}

void wire_send(struct ike_sa *sa, const struct wire_msg *w)
{
	size_t off = 0;

	for (unsigned i = 0; i < w->count; i++) {
		send_raw(sa->d, &sa->local, &sa->remote, w->buf + off, w->lens[i]);
		off += w->lens[i];
	}
	if (w->count > 1)
		sa->d->stats.fragments_sent += w->count;
}

int send_request(struct ike_sa *sa, enum request_kind kind, uint8_t exchange, struct message_out *m)
{
	struct wire_msg w;
	int len;

	if (sa->request.kind != REQUEST_NONE && sa->request.buf != NULL)
		return -EBUSY;
	len = message_out_encode_wire(sa, m, exchange, false, sa->next_request_id, &w);
	if (len < 0) {
		log_error("%s: cannot build request: %d", sa_name(sa), len);
		return len;
	}
	wire_free(&sa->request.wire);
	sa->request.wire = w;
	sa->request.kind = kind;
	sa->request.id = sa->next_request_id;
	sa->request.buf = w.buf;
	sa->request.len = w.lens[0];
	sa->request.retransmits = 0;
	sa->request.deadline = now_ms(sa->d) + retransmit_timeout(sa->d->cfg, 0);
	sa->request.give_up_at = 0;
	log_debug("%s: request %u (exchange %u) sent, %d octets in %u datagram%s", sa_name(sa),
		  sa->request.id, exchange, len, w.count, w.count > 1 ? "s" : "");
	wire_send(sa, &sa->request.wire);
	return 0;
}

int send_response(struct ike_sa *sa, uint8_t exchange, uint32_t id, struct message_out *m)
{
	struct wire_msg w;
	int len;

	len = message_out_encode_wire(sa, m, exchange, true, id, &w);
	if (len < 0) {
		log_error("%s: cannot build response: %d", sa_name(sa), len);
		return len;
	}
	wire_free(&sa->last_response.wire);
	sa->last_response.wire = w;
	sa->last_response.valid = true;
	sa->last_response.id = id;
	sa->last_response.buf = w.buf;
	sa->last_response.len = w.lens[0];
	wire_send(sa, &sa->last_response.wire);
	return 0;
}

void retransmit_check(struct ike_sa *sa, uint64_t now)
{
	unsigned tries = sa->d->shutting_down ? 1 : sa->d->cfg->retransmit_tries;

	/* A liveness check gives up after the peer's own count (the DPD profile's retry_count). */
	if (!sa->d->shutting_down && sa->request.kind == REQUEST_DPD && sa->peer.dpd_tries > 0)
		tries = sa->peer.dpd_tries;

	if (sa->request.kind == REQUEST_NONE || sa->request.buf == NULL ||
	    now < sa->request.deadline)
		return;
	if (sa->request.retransmits >= tries ||
	    (sa->request.give_up_at && now >= sa->request.give_up_at)) {
		log_warn("%s: no answer to request %u after %u retransmits, peer unreachable",
			 sa_name(sa), sa->request.id, sa->request.retransmits);
		/* dpd_action applies to an SA that was up (or to a restart's new attempt). */
		sa->unreachable = sa->state == IKE_SA_ESTABLISHED || sa->restarted;
		ike_sa_kill(sa, "peer not responding");
		return;
	}
	sa->request.retransmits++;
	sa->request.deadline = now + retransmit_timeout(sa->d->cfg, sa->request.retransmits);
	if (sa->request.give_up_at && sa->request.deadline > sa->request.give_up_at)
		sa->request.deadline = sa->request.give_up_at;
	log_info("%s: retransmit %u of request %u", sa_name(sa), sa->request.retransmits,
		 sa->request.id);
	wire_send(sa, &sa->request.wire); /* every fragment again (RFC 7383 2.6.2) */
}
