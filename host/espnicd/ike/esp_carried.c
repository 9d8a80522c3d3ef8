/* The ESP proposals a peer offers and accepts, narrowed to what the dataplane carries: a
 * transform the dataplane cannot install is never negotiated, so a CHILD_SA either comes up
 * with one it carries or fails in the negotiation (NO_PROPOSAL_CHOSEN), with the reason
 * said, rather than being agreed with the peer and refused at install. */
#include <stdio.h>

#include "espnicd.h"

/* Whether the dataplane carries encr with at least one of p's integrity algorithms (none
 * in an AEAD proposal). */
static bool encr_carried(const struct dp *dp, const struct cfg_proposal *p, unsigned e)
{
	if (p->integ_count == 0)
		return dp_carries_esp(dp, p->encr[e].id, p->encr[e].bits, 0);
	for (unsigned i = 0; i < p->integ_count; i++)
		if (dp_carries_esp(dp, p->encr[e].id, p->encr[e].bits, p->integ[i]))
			return true;
	return false;
}

static bool integ_carried(const struct dp *dp, const struct cfg_proposal *p, unsigned i)
{
	for (unsigned e = 0; e < p->encr_count; e++)
		if (dp_carries_esp(dp, p->encr[e].id, p->encr[e].bits, p->integ[i]))
			return true;
	return false;
}

int espnicd_esp_carried(struct cfg_peer *peer, const struct dp *dp, char *err, size_t err_len)
{
	unsigned kept = 0;
	int narrowed = 0;

	for (unsigned k = 0; k < peer->esp_count; k++) {
		struct cfg_proposal p = peer->esp[k];
		unsigned ne = 0, ni = 0;

		/* The integrity list is narrowed against the encryption list as given, then the
		 * encryption list against the integrity list as given: each kept pair carries. */
		for (unsigned i = 0; i < p.integ_count; i++)
			if (integ_carried(dp, &peer->esp[k], i))
				p.integ[ni++] = peer->esp[k].integ[i];
		for (unsigned e = 0; e < p.encr_count; e++)
			if (encr_carried(dp, &peer->esp[k], e))
				p.encr[ne++] = peer->esp[k].encr[e];
		if (ne != p.encr_count || ni != p.integ_count)
			narrowed = 1;
		if (ne == 0)
			continue; /* nothing carries (a kept encr keeps an integ) */
		p.encr_count = (uint8_t)ne;
		p.integ_count = (uint8_t)ni;
		peer->esp[kept++] = p;
	}
	if (kept == 0) {
		snprintf(err, err_len,
			 "no ESP proposal the %s dataplane can carry; it carries %s only",
			 dp_kind(dp), dp_esp_algorithms(dp));
		return -1;
	}
	peer->esp_count = kept;
	return narrowed;
}
