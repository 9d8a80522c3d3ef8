/* The timers and queued work of an IKEv1 ISAKMP SA: retransmission and give-up, half-open
 * and linger deadlines, phase-1 rekeys, CHILD_SA lifetimes, DPD liveness checks (RFC 3706),
 * NAT keepalives, and the deletes, rekeys and new CHILD_SAs the core queues. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ikev1_internal.h"
#include "log.h"
#include "secmem.h"

static void delete_all(struct ike_sa *sa)
{
	while (sa->children != NULL)
		v1_delete_child(sa, sa->children);
	v1_send_isakmp_delete(sa);
	/* Deletes are not answered in IKEv1: the SA lingers a moment in DELETING, so that
	 * shutdown's window (start_window) paces a thousand of them instead of flooding the
	 * peer's socket buffer, and the Delete goes once more as it ends (one may be lost). */
	ike_sa_set_state(sa, IKE_SA_DELETING);
	sa->dead_at = now_ms(sa->d) + V1_DELETE_LINGER_MS;
}

void ikev1_schedule(struct ike_sa *sa)
{
	struct child_sa *c, *next;

	if (sa->state != IKE_SA_ESTABLISHED)
		return;
	if (sa->want_delete) {
		sa->want_delete = false;
		delete_all(sa);
		return;
	}
	for (c = sa->children; c != NULL; c = next) {
		next = c->next;
		if (c->want_delete) {
			c->want_delete = false;
			v1_delete_child(sa, c);
		}
	}
	if (sa->v1->qm.active)
		return;
	if (sa->want_child) {
		sa->want_child = false;
		sa->v1->pairs_pending = true;
		sa->v1->next_pair = 0;
	}
	while (sa->v1->pairs_pending) {
		unsigned before = sa->v1->next_pair;
		int ret = v1_quick_start(sa, NULL);

		if (ret == 0)
			return;
		if (ret == -ENOENT || sa->v1->next_pair == before)
			sa->v1->pairs_pending = false;
	}
	for (c = sa->children; c != NULL; c = c->next) {
		if (c->want_rekey && c->state == CHILD_SA_INSTALLED) {
			c->want_rekey = false;
			if (v1_quick_start(sa, c) == 0)
				return;
		}
	}
}

/* DPD (RFC 3706): an R-U-THERE after dpd_delay without an authentic message or inbound ESP
 * from the peer; unanswered after dpd_timeout (else the retransmission schedule), the peer is
 * dead and dpd_action applies. Only towards peers that announced DPD. */
static bool dpd_check(struct ike_sa *sa, uint64_t now)
{
	struct ikev1_sa *v = sa->v1;
	struct ikev1_payload p;
	uint8_t cookies[16], seq[4];

	if (sa->peer.dpd_delay_ms == 0 || !v->peer_dpd || (v->awaiting && !v->dpd_out))
		return false;
	if (v->dpd_out) {
		uint64_t limit = sa->peer.dpd_timeout_ms;

		if (limit == 0)
			for (unsigned i = 0; i <= sa->d->cfg->retransmit_tries; i++)
				limit += retransmit_timeout(sa->d->cfg, i);
		if (now < v->dpd_sent_at + limit) {
			if (now >= v->deadline) { /* the R-U-THERE again */
				v->retransmits++;
				v->deadline = now + retransmit_timeout(sa->d->cfg, v->retransmits);
			} else {
				return false;
			}
		} else {
			log_error("%s: no R-U-THERE-ACK from the peer (DPD), peer unreachable",
				  sa_name(sa));
			sa->unreachable = true;
			ike_sa_kill(sa, "peer not responding");
			return true;
		}
	} else if (now < sa->last_received + sa->peer.dpd_delay_ms) {
		return false;
	} else if (dpd_inbound_seen(sa, now)) {
		sa->last_received = now;
		return false;
	} else {
		v->dpd_out = true;
		v->dpd_sent_at = now;
		v->dpd_seq++;
		v->retransmits = 0;
		v->deadline = now + retransmit_timeout(sa->d->cfg, 0);
	}
	memcpy(cookies, sa->spi_i, 8);
	memcpy(cookies + 8, sa->spi_r, 8);
	put_be32(seq, v->dpd_seq);
	p = v1_notify(IKEV1_PROTO_ISAKMP, sp(cookies, 16), IKEV1_N_DPD_R_U_THERE, sp(seq, 4));
	log_debug("%s: liveness check (R-U-THERE %u)", sa_name(sa), v->dpd_seq);
	v1_send_info(sa, &p);
	return false;
}

uint64_t ikev1_next_timer(struct ike_sa *sa)
{
	uint64_t t = UINT64_MAX;

	if (sa->state == IKE_SA_DEAD)
		return 0;
	if (sa->v1->awaiting)
		t = min_nonzero(t, sa->v1->deadline);
	t = min_nonzero(t, sa->dead_at);
	if (sa->state != IKE_SA_ESTABLISHED)
		return t;
	t = min_nonzero(t, sa->ike_rekey_at);
	if (sa->peer.dpd_delay_ms && sa->v1->peer_dpd)
		t = min_nonzero(t, sa->v1->dpd_out ? sa->v1->deadline
						   : sa->last_received + sa->peer.dpd_delay_ms);
	if (sa->nat_local && sa->natt && sa->peer.keepalive_ms)
		t = min_nonzero(t, sa->next_keepalive);
	for (const struct child_sa *c = sa->children; c != NULL; c = c->next) {
		t = min_nonzero(t, c->rekey_at);
		t = min_nonzero(t, c->expire_at);
		t = min_nonzero(t, c->delete_at);
		t = min_nonzero(t, c->out_check_at);
	}
	return t;
}

void ikev1_run_timers(struct ike_sa *sa, uint64_t now)
{
	struct ikev1_sa *v = sa->v1;
	struct child_sa *c, *next;

	if (sa->state == IKE_SA_DEAD)
		return;
	if (v->awaiting && now >= v->deadline) {
		if (v->retransmits >= sa->d->cfg->retransmit_tries && v->qm.active &&
		    !v->qm.initiator) {
			/* Our answer to the peer's quick mode got no HASH(3): that quick mode is
			 * dropped (its half-installed pair with it), not the ISAKMP SA. */
			struct child_sa *half = child_find_in(sa, v->qm.installed_in);

			log_warn("%s: no HASH(3) for quick mode %08x, its CHILD_SA dropped",
				 sa_name(sa), v->qm.msgid);
			if (half != NULL)
				child_sa_remove(sa, half);
			v1_quick_clear(sa);
			v->awaiting = false;
		} else if (v->retransmits >= sa->d->cfg->retransmit_tries && v->qm.active &&
			   v->qm.connected_wait) {
			/* HASH(3) is in; only the acknowledgement is missing: the pair stands, its
			 * outbound moves on the peer's first packet (child_out_check). */
			log_warn("%s: no CONNECTED for quick mode %08x; the CHILD_SA stands",
				 sa_name(sa), v->qm.msgid);
			v1_quick_clear(sa);
			v->awaiting = false;
		} else if (v->retransmits >= sa->d->cfg->retransmit_tries) {
			char why[160];

			snprintf(why, sizeof(why), "%s",
				 v->failure ? v->failure : "peer not responding");
			log_error("%s: no answer to IKEv1 %s after %u retransmits, peer "
				  "unreachable%s",
				  sa_name(sa), v->qm.active ? "quick mode" : "main mode",
				  v->retransmits,
				  v->st == V1_MM_I3 ? " (or it refused our pre-shared key)" : "");
			sa->unreachable = true;
			ike_sa_kill(sa, why);
			return;
		} else {
			v->retransmits++;
			v->deadline = now + retransmit_timeout(sa->d->cfg, v->retransmits);
			log_debug("%s: IKEv1 retransmit %u", sa_name(sa), v->retransmits);
			send_raw(sa->d, &sa->local, &sa->remote, v->out, v->out_len);
		}
	}
	if (sa->dead_at && now >= sa->dead_at) {
		if (sa->state == IKE_SA_DELETING)
			v1_send_isakmp_delete(sa);
		ike_sa_kill(sa, sa->state == IKE_SA_REKEYED ? "rekeyed, the peer never deleted it"
				: sa->state == IKE_SA_DELETING ? "deleted"
							       : "half-open, timed out");
		return;
	}
	if (sa->state != IKE_SA_ESTABLISHED)
		return;
	if (sa->ike_rekey_at && now >= sa->ike_rekey_at) {
		sa->ike_rekey_at = 0;
		if (v1_initiate(sa->d, &sa->peer, sa) < 0)
			log_error("%s: phase-1 rekey not started", sa_name(sa));
	}
	for (c = sa->children; c != NULL; c = next) {
		next = c->next;
		if (c->delete_at && now >= c->delete_at) {
			c->delete_at = 0;
			v1_delete_child(sa, c);
			continue;
		}
		child_timers(sa, c, now);
	}
	if (dpd_check(sa, now))
		return;
	keepalive_check(sa, now);
	ikev1_schedule(sa);
}

void ikev1_sa_free(struct ike_sa *sa)
{
	if (sa->v1 == NULL)
		return;
	v1_quick_clear(sa);
	ikev1_sa_keys_wipe(&sa->v1->keys);
	secmem_free(sa->v1);
	sa->v1 = NULL;
}
