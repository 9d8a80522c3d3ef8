/* Liveness: dead peer detection with empty INFORMATIONAL requests after dpd_delay without
 * traffic from the peer (RFC 7296 2.4): on demand, only when neither an IKE message nor
 * inbound ESP counted by the dataplane proved the peer alive; given up after dpd_timeout (or
 * the retransmissions), the IKE_SA is closed and dpd_action applies (clear, hold, restart).
 * And NAT-keepalives when we are behind a NAT (RFC 3948 4). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (ret == 0 && sa->peer.dpd_timeout_ms) {
		sa->request.give_up_at = now_ms(sa->d) + sa->peer.dpd_timeout_ms;
		if (sa->request.deadline > sa->request.give_up_at)
			sa->request.deadline = sa->request.give_up_at;
	}
	if (ret == 0)
		log_debug("%s: liveness check", sa_name(sa));
	return ret;
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

static const struct cfg_peer *peer_by_name(const struct espnicd *d, const char *name)
{
	for (unsigned i = 0; i < d->cfg->peer_count; i++)
		if (strcmp(d->cfg->peers[i].name, name) == 0)
			return &d->cfg->peers[i];
	return NULL;
}

static void hold_peer(struct espnicd *d, struct ike_sa *sa)
{
	for (struct child_sa *c = sa->children; c != NULL; c = c->next) {
		struct held_peer *h = realloc(d->held, (d->held_count + 1) * sizeof(*h));

		if (h == NULL)
			return;
		d->held = h;
		h += d->held_count++;
		h->reqid = c->reqid;
		snprintf(h->peer, sizeof(h->peer), "%s", sa->peer.name);
	}
}

void dead_peer_actions(struct espnicd *d)
{
	for (struct ike_sa *sa = d->sas; sa != NULL; sa = sa->next) {
		const struct cfg_peer *p;

		if (sa->state != IKE_SA_DEAD || !sa->unreachable)
			continue;
		sa->unreachable = false;
		p = peer_by_name(d, sa->peer.name);
		if (d->shutting_down || p == NULL || p->dpd_action == CFG_DPD_CLEAR) {
			log_info("%s: dead peer, IKE_SA and CHILD_SAs cleared", sa_name(sa));
		} else if (p->dpd_action == CFG_DPD_HOLD) {
			log_info("%s: dead peer, cleared and held: initiating again on traffic "
				 "(dataplane ACQUIRE)",
				 sa_name(sa));
			hold_peer(d, sa);
		} else if (p->remote_any) {
			log_warn("%s: dead peer, cannot restart towards %%any: cleared",
				 sa_name(sa));
		} else if (peer_has_sa(d, p->name)) {
			log_info("%s: dead peer, cleared; the peer already has a new IKE_SA",
				 sa_name(sa));
		} else {
			struct ike_sa *head = d->sas;

			log_info("%s: dead peer, cleared; restarting", sa_name(sa));
			/* The new SA goes to the head of the list, before this one. */
			if (ike_init_initiate(d, p) == 0 && d->sas != head)
				d->sas->restarted = true;
		}
	}
}

bool held_peer_acquire(struct espnicd *d, uint32_t reqid)
{
	const struct cfg_peer *p = NULL;
	char name[64] = "";
	unsigned i, n = 0;

	for (i = 0; i < d->held_count; i++)
		if (d->held[i].reqid == reqid)
			snprintf(name, sizeof(name), "%s", d->held[i].peer);
	if (name[0] == '\0')
		return false;
	for (i = 0; i < d->held_count; i++) /* the peer is no longer held */
		if (strcmp(d->held[i].peer, name) != 0)
			d->held[n++] = d->held[i];
	d->held_count = n;
	p = peer_by_name(d, name);
	if (p == NULL || p->remote_any || peer_has_sa(d, name)) {
		log_info("dataplane ACQUIRE for reqid %u: held peer %s not initiated (%s)", reqid,
			 name, p == NULL ? "removed" : "has an IKE_SA or no address");
		return true;
	}
	log_info("dataplane ACQUIRE for reqid %u: initiating held peer %s", reqid, name);
	ike_init_initiate(d, p);
	return true;
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
