/* Liveness: dead peer detection with empty INFORMATIONAL requests after dpd_delay without
 * traffic from the peer (RFC 7296 2.4): on demand, only when neither an IKE message nor
 * inbound ESP counted by the dataplane proved the peer alive; given up after dpd_timeout (or
 * the retransmissions), the IKE_SA is closed and dpd_action applies (clear, hold, restart).
 * And NAT-keepalives when we are behind a NAT (RFC 3948 4). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike_sa.h"
#include "log.h"
#include "message_out.h"
#include "task_dpd.h"
#include "task_manager.h"
#include "transmit.h"
#include "traps.h"

static int dpd_start(struct ike_sa *sa, enum request_kind kind, struct child_sa *child)
{
	struct message_out *m = malloc(sizeof(*m));
	int ret;

	(void)kind;
	(void)child;
	if (m == NULL)
		return -ENOMEM;
	message_out_init(m);
	ret = send_request(sa, REQUEST_DPD, IKE_EXCHANGE_INFORMATIONAL, m);
	free(m);
	if (ret == 0 && sa->peer.dpd_timeout_ms) {
		sa->request.give_up_at = now_ms(sa->d) + sa->peer.dpd_timeout_ms;
		if (sa->request.deadline > sa->request.give_up_at)
			sa->request.deadline = sa->request.give_up_at;
	}
	if (ret == 0)
		log_debug("%s: liveness check", sa_name(sa));
	return ret;
}

/* The peer answered: it is alive (last_received is set for every authentic message). */
static void dpd_response(struct ike_sa *sa, const struct ike_message *msg)
{
	(void)msg;
	task_manager_done(sa);
	task_manager_schedule(sa);
}

bool dpd_inbound_seen(struct ike_sa *sa, uint64_t now)
{
	bool seen = false;

	for (struct child_sa *c = sa->children; c != NULL; c = c->next) {
		struct dp_counters ctr;

		if (dp_read_counters(sa->d->dp, c->spi_in, &ctr) < 0)
			continue;
		if (ctr.in_packets != c->dpd_in_packets) {
			c->dpd_in_packets = ctr.in_packets;
			seen = true;
		} else if (ctr.last_in_ms != 0 && now < ctr.last_in_ms + sa->peer.dpd_delay_ms) {
			seen = true;
		}
	}
	if (seen)
		log_debug("%s: inbound ESP since the last look, no liveness check needed",
			  sa_name(sa));
	return seen;
}

void dead_peer_actions(struct espnicd *d)
{
	for (struct ike_sa *sa = d->sas; sa != NULL; sa = sa->next) {
		const struct cfg_peer *p;

		if (sa->state != IKE_SA_DEAD || !sa->unreachable)
			continue;
		sa->unreachable = false;
		p = config_find_peer(d->cfg, sa->peer.name);
		if (d->shutting_down || p == NULL || p->dpd_action == CFG_DPD_CLEAR) {
			log_info("%s: dead peer, IKE_SA and CHILD_SAs cleared", sa_name(sa));
		} else if ((p->dpd_action == CFG_DPD_HOLD || p->dpd_action == CFG_DPD_RESTART) &&
			   p->remote_any) {
			log_warn("%s: dead peer, cannot %s towards %%any: cleared", sa_name(sa),
				 p->dpd_action == CFG_DPD_HOLD ? "hold" : "restart");
		} else if (p->dpd_action == CFG_DPD_HOLD) {
			/* Called as the SA is reaped, before its CHILD_SAs leave the dataplane: the
			 * trap (behind their rules) catches the traffic from the moment they go. */
			if (trap_hold(d, p))
				log_info(
				    "%s: dead peer, cleared and held: initiating again on traffic "
				    "(dataplane ACQUIRE)",
				    sa_name(sa));
			else
				log_error(
				    "%s: dead peer, cleared; not held: no trap policy for its "
				    "traffic",
				    sa_name(sa));
		} else if (peer_has_sa(d, p->name)) {
			log_info("%s: dead peer, cleared; the peer already has a new IKE_SA",
				 sa_name(sa));
		} else {
			struct ike_sa *head = d->sas;

			log_info("%s: dead peer, cleared; restarting", sa_name(sa));
			/* The new SA goes to the head of the list, before this one. */
			if (task_manager_initiate_peer(d, p) == 0 && d->sas != head)
				d->sas->restarted = true;
		}
	}
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

const struct ike_task task_dpd = {
    .name = "INFORMATIONAL (liveness check)",
    .initiate = dpd_start,
    .handle_response = dpd_response,
};
