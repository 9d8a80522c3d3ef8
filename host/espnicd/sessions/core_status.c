/* Read-only status of a peer's SAs for the API: the IKE_SA to show (established first) and
 * its CHILD_SAs with the algorithms chosen. */
#include <string.h>

#include "core_status.h"
#include "ike/ike_sa.h"
#include "ike/traffic_selectors.h"

static const char *const state_names[] = {
    "", "INIT_SENT", "INIT_DONE", "AUTH_SENT", "ESTABLISHED", "REKEYED", "DELETING", "DEAD"};

static int rank(const struct ike_sa *sa)
{
	switch (sa->state) {
	case IKE_SA_ESTABLISHED:
		return 4;
	case IKE_SA_INIT_SENT:
	case IKE_SA_INIT_DONE:
	case IKE_SA_AUTH_SENT:
		return 3;
	case IKE_SA_DELETING:
	case IKE_SA_REKEYED:
		return 2;
	default:
		return 1;
	}
}

uint64_t espnicd_now_ms(const struct espnicd *d)
{
	return d->io.now_ms(d->io.arg);
}

void espnicd_peer_status(const struct espnicd *d, const char *peer, struct espnicd_peer_status *st)
{
	const struct ike_sa *best = NULL;

	memset(st, 0, sizeof(*st));
	for (const struct ike_sa *sa = d->sas; sa != NULL; sa = sa->next)
		if (strcmp(sa->peer.name, peer) == 0 && (best == NULL || rank(sa) > rank(best)))
			best = sa;
	if (best == NULL)
		return;
	st->present = true;
	st->state = best->state;
	st->state_name = state_names[(unsigned)best->state & 7];
	st->initiator = best->initiator;
	st->version = best->v1 != NULL ? 1 : 2;
	st->encap = best->natt;
	memcpy(st->spi_i, best->spi_i, sizeof(st->spi_i));
	memcpy(st->spi_r, best->spi_r, sizeof(st->spi_r));
	if (best->state == IKE_SA_ESTABLISHED) {
		st->encr = best->proposal.encr;
		st->encr_bits = best->proposal.encr_bits;
		st->integ = best->proposal.integ;
		st->prf = best->proposal.prf;
		st->dh = best->proposal.dh;
		st->established_ms = best->established_at;
	}
	for (const struct child_sa *c = best->children; c != NULL; c = c->next) {
		struct espnicd_child_status *cs;

		if (st->child_count == ESPNICD_STATUS_CHILDREN)
			break;
		cs = &st->child[st->child_count++];
		cs->reqid = c->reqid;
		cs->spi_in = c->spi_in;
		cs->spi_out = c->spi_out;
		cs->installed = c->state == CHILD_SA_INSTALLED || c->state == CHILD_SA_REKEYING;
		cs->encr = c->proposal.encr;
		cs->encr_bits = c->proposal.encr_bits;
		cs->integ = c->proposal.integ;
		cs->dh = c->proposal.dh;
		cs->esn = c->proposal.esn == 1;
		cs->transport = c->mode == DP_MODE_TRANSPORT;
		if (c->expire_at && best->peer.child_life_ms &&
		    c->expire_at >= best->peer.child_life_ms)
			cs->installed_ms = c->expire_at - best->peer.child_life_ms;
		else
			cs->installed_ms = best->established_at;
		ts_describe(&c->ts_local, cs->local_ts, sizeof(cs->local_ts));
		ts_describe(&c->ts_remote, cs->remote_ts, sizeof(cs->remote_ts));
	}
}
