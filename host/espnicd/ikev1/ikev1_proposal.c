/* IKEv1 phase-1 proposals: our offer from the peer's ike_proposals (one ISAKMP proposal, a
 * transform per combination) and the responder's choice, with every refusal logged by name
 * (ikev1_policy.c says why). */
#include <errno.h>
#include <string.h>

#include "ikev1_internal.h"
#include "log.h"

static uint16_t hash_of_prf(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA1:
		return IKEV1_HASH_SHA1;
	case IKE_PRF_HMAC_SHA2_256:
		return IKEV1_HASH_SHA2_256;
	case IKE_PRF_HMAC_SHA2_384:
		return IKEV1_HASH_SHA2_384;
	case IKE_PRF_HMAC_SHA2_512:
		return IKEV1_HASH_SHA2_512;
	default:
		return 0;
	}
}

static uint64_t p1_life_seconds(const struct cfg_peer *p)
{
	return p->ike_rekey_ms ? (p->ike_rekey_ms + 999) / 1000 : 86400;
}

/* The authentication method of a peer: PSK, or what its certificate's key calls for. */
static uint16_t auth_method(const struct cfg_peer *p)
{
	int m = p->auth == CFG_AUTH_PUBKEY && p->creds ? creds_v1_method(p->creds) : IKEV1_AUTH_PSK;

	return m > 0 ? (uint16_t)m : 0;
}

/* Our offer: one ISAKMP proposal, a transform per combination of the configuration. */
void v1_p1_offer(const struct cfg_peer *p, struct ikev1_sa_payload *sa)
{
	unsigned n = 0;

	memset(sa, 0, sizeof(*sa));
	sa->doi = IKEV1_DOI_IPSEC;
	sa->situation = IKEV1_SIT_IDENTITY;
	for (unsigned i = 0; i < p->ike_count; i++) {
		const struct cfg_proposal *c = &p->ike[i];

		for (unsigned e = 0; e < c->encr_count; e++)
			for (unsigned h = 0; h < c->prf_count; h++)
				for (unsigned g = 0; g < c->dh_count && n < 32; g++) {
					struct ikev1_transform *t = &sa->transforms[n++];

					t->number = (uint8_t)n;
					t->id = IKEV1_KEY_IKE;
					t->encr = IKEV1_ENCR_AES_CBC;
					t->key_length = c->encr[e].bits;
					t->hash = hash_of_prf(c->prf[h]);
					t->auth_method = auth_method(p);
					t->group = c->dh[g];
					t->life_seconds = p1_life_seconds(p);
				}
	}
	sa->proposal_count = 1;
	sa->transform_count = (uint8_t)n;
	sa->proposals[0] = (struct ikev1_proposal){
	    .number = 1, .protocol = IKEV1_PROTO_ISAKMP, .transform_count = (uint8_t)n};
}

static bool in16(const uint16_t *list, unsigned n, uint16_t v)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* Whether an acceptable suite is one our configuration allows. */
bool v1_p1_ours(const struct cfg_peer *p, const struct ikev1_phase1_suite *s)
{
	if (s->auth_method != auth_method(p))
		return false;
	for (unsigned i = 0; i < p->ike_count; i++) {
		const struct cfg_proposal *c = &p->ike[i];
		bool encr = false;

		for (unsigned e = 0; e < c->encr_count; e++)
			encr |=
			    c->encr[e].id == s->encr->id && c->encr[e].bits == s->encr->key_bits;
		if (encr && in16(c->prf, c->prf_count, s->prf->id) &&
		    in16(c->dh, c->dh_count, s->group->id))
			return true;
	}
	return false;
}

/* Responder: the first of the peer's transforms the policy and our configuration accept;
 * every refusal is logged by name (as lines an unauthenticated datagram causes: rate-limited).
 * Returns its index or -1. */
int v1_p1_choose(struct espnicd *d, const struct cfg_peer *peer, const char *name,
		 const struct ikev1_sa_payload *offer, struct ikev1_phase1_suite *suite)
{
	char why[160];

	for (unsigned k = 0; k < offer->proposal_count; k++) {
		const struct ikev1_proposal *pr = &offer->proposals[k];

		if (pr->protocol != IKEV1_PROTO_ISAKMP)
			continue;
		for (unsigned i = 0; i < pr->transform_count; i++) {
			const struct ikev1_transform *t =
			    &offer->transforms[pr->first_transform + i];
			int ret = ikev1_policy_phase1(t, suite, why, sizeof(why));

			if (ret == -EPERM)
				log_unauth(d, LOG_LEVEL_ERROR, "%s: IKEv1 transform %u refused: %s",
					   name, t->number, why);
			else if (ret < 0)
				log_unauth(d, LOG_LEVEL_INFO,
					   "%s: IKEv1 transform %u not acceptable: %s", name,
					   t->number, why);
			else if (v1_p1_ours(peer, suite))
				return pr->first_transform + i;
			else
				log_unauth(d, LOG_LEVEL_INFO,
					   "%s: IKEv1 transform %u is not among our ike_proposals "
					   "(or not our authentication method)",
					   name, t->number);
		}
	}
	return -1;
}

bool v1_p1_take_answer(struct ike_sa *sa, const struct ikev1_message *msg)
{
	const struct ikev1_payload *sa_p = ikev1_message_find(msg, IKEV1_PAYLOAD_SA, 0);
	const struct ikev1_sa_payload *a = sa_p ? sa_p->u.sa : NULL;
	char why[160];

	if (a == NULL || a->proposal_count != 1 || a->transform_count != 1 ||
	    ikev1_policy_phase1(&a->transforms[0], &sa->v1->suite, why, sizeof(why)) < 0 ||
	    !v1_p1_ours(&sa->peer, &sa->v1->suite)) {
		log_error("%s: the peer chose an IKEv1 proposal we did not offer", sa_name(sa));
		ike_sa_kill(sa, "no proposal chosen");
		return false;
	}
	sa_index_remove(sa);
	memcpy(sa->spi_r, msg->header.spi_r, IKEV1_COOKIE_LEN);
	sa_index_add(sa);
	v1_vendor_ids(sa, msg);
	return true;
}
