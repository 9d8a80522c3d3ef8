/* Sending: one request in flight per IKE_SA (window size 1), retransmitted with exponential
 * back-off until answered or given up; the last response cached and resent when the peer
 * retransmits its request (RFC 7296 2.1, 2.3). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ike_sa.h"
#include "log.h"

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

int send_request(struct ike_sa *sa, enum request_kind kind, uint8_t exchange, struct message_out *m)
{
	uint8_t *buf;
	int len;

	if (sa->request.kind != REQUEST_NONE && sa->request.buf != NULL)
		return -EBUSY;
	buf = malloc(MAX_MESSAGE);
	if (buf == NULL)
		return -ENOMEM;
	len = message_out_encode(sa, m, exchange, false, sa->next_request_id, buf, MAX_MESSAGE);
	if (len < 0) {
		free(buf);
		log_error("%s: cannot build request: %d", sa_name(sa), len);
		return len;
	}
	sa->request.kind = kind;
	sa->request.id = sa->next_request_id;
	sa->request.buf = buf;
	sa->request.len = (size_t)len;
	sa->request.retransmits = 0;
	sa->request.deadline = now_ms(sa->d) + retransmit_timeout(sa->d->cfg, 0);
	log_debug("%s: request %u (exchange %u) sent, %d octets", sa_name(sa), sa->request.id,
		  exchange, len);
	send_raw(sa->d, &sa->local, &sa->remote, buf, (size_t)len);
	return 0;
}

int send_response(struct ike_sa *sa, uint8_t exchange, uint32_t id, struct message_out *m)
{
	uint8_t *buf = malloc(MAX_MESSAGE);
	int len;

	if (buf == NULL)
		return -ENOMEM;
	len = message_out_encode(sa, m, exchange, true, id, buf, MAX_MESSAGE);
	if (len < 0) {
		free(buf);
		log_error("%s: cannot build response: %d", sa_name(sa), len);
		return len;
	}
	send_raw(sa->d, &sa->local, &sa->remote, buf, (size_t)len);
	free(sa->last_response.buf);
	sa->last_response.valid = true;
	sa->last_response.id = id;
	sa->last_response.buf = buf;
	sa->last_response.len = (size_t)len;
	return 0;
}

void request_done(struct ike_sa *sa)
{
	free(sa->request.buf);
	sa->request.buf = NULL;
	create_child_ctx_clear(&sa->request.cc);
	sa->request.kind = REQUEST_NONE;
	sa->next_request_id++;
}

void retransmit_check(struct ike_sa *sa, uint64_t now)
{
	unsigned tries = sa->d->shutting_down ? 1 : sa->d->cfg->retransmit_tries;

	if (sa->request.kind == REQUEST_NONE || sa->request.buf == NULL ||
	    now < sa->request.deadline)
		return;
	if (sa->request.retransmits >= tries) {
		log_warn("%s: no answer to request %u after %u retransmits, peer unreachable",
			 sa_name(sa), sa->request.id, sa->request.retransmits);
		ike_sa_kill(sa, "peer not responding");
		return;
	}
	sa->request.retransmits++;
	sa->request.deadline = now + retransmit_timeout(sa->d->cfg, sa->request.retransmits);
	log_info("%s: retransmit %u of request %u", sa_name(sa), sa->request.retransmits,
		 sa->request.id);
	send_raw(sa->d, &sa->local, &sa->remote, sa->request.buf, sa->request.len);
}
