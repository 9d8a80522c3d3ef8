/* IKEv1 quick mode (RFC 2409 5.5) in both roles: ESP proposals with our inbound SPI from the
 * dataplane, optional PFS, client IDs for subnets (RFC 2407 4.6.2), HASH(1)-(3), KEYMAT,
 * and the CHILD_SA installed on the dataplane like IKEv2's (child_install); rekeys install
 * the new pair before the old one is deleted; deleting a CHILD_SA with an ESP Delete. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1_internal.h"
#include "log.h"

static uint16_t auth_alg_of(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:
		return IKEV1_AUTH_ALG_HMAC_SHA1;
	case IKE_INTEG_HMAC_SHA2_256_128:
		return IKEV1_AUTH_ALG_HMAC_SHA2_256;
	case IKE_INTEG_HMAC_SHA2_384_192:
		return IKEV1_AUTH_ALG_HMAC_SHA2_384;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return IKEV1_AUTH_ALG_HMAC_SHA2_512;
	default:
		return 0;
	}
}

static uint16_t encap_mode(const struct ike_sa *sa, enum dp_mode mode)
{
	if (sa->natt)
		return mode == DP_MODE_TRANSPORT ? IKEV1_ENCAP_UDP_TRANSPORT
						 : IKEV1_ENCAP_UDP_TUNNEL;
	return mode == DP_MODE_TRANSPORT ? IKEV1_ENCAP_TRANSPORT : IKEV1_ENCAP_TUNNEL;
}

static uint64_t life_seconds(const struct cfg_peer *p)
{
	return p->child_life_ms ? (p->child_life_ms + 999) / 1000 : 0;
}

/* Our ESP offer: a proposal per configured one, a transform per combination. */
static void esp_offer(struct ike_sa *sa, uint32_t spi_in, struct ikev1_sa_payload *out)
{
	unsigned n = 0, np = 0;

	memset(out, 0, sizeof(*out));
	out->doi = IKEV1_DOI_IPSEC;
	out->situation = IKEV1_SIT_IDENTITY;
	for (unsigned i = 0; i < sa->peer.esp_count && np < IKEV1_MAX_PROPOSALS; i++) {
		const struct cfg_proposal *c = &sa->peer.esp[i];
		struct ikev1_proposal *pr = &out->proposals[np++];
		unsigned first = n;

		pr->number = (uint8_t)np;
		pr->protocol = IKEV1_PROTO_IPSEC_ESP;
		pr->spi_size = 4;
		put_be32(pr->spi, spi_in);
		pr->first_transform = (uint8_t)n;
		for (unsigned e = 0; e < c->encr_count; e++) {
			unsigned ni = c->integ_count ? c->integ_count : 1;

			for (unsigned k = 0; k < ni && n < 64; k++) {
				struct ikev1_transform *t = &out->transforms[n++];

				t->number = (uint8_t)(n - first);
				t->id =
				    (uint8_t)c->encr[e].id; /* the IKEv2 numbers came from these */
				t->key_length = c->encr[e].bits;
				t->auth_alg = c->integ_count ? auth_alg_of(c->integ[k]) : 0;
				t->encap_mode = encap_mode(sa, sa->peer.mode);
				t->group = c->dh_count ? c->dh[0] : 0;
				t->life_seconds = life_seconds(&sa->peer);
			}
		}
		pr->transform_count = (uint8_t)(n - first);
	}
	out->proposal_count = (uint8_t)np;
	out->transform_count = (uint8_t)n;
}

/* Whether an acceptable ESP suite is one of our esp_proposals, in the encapsulation the
 * IKE_SA calls for. */
static bool esp_ours(const struct ike_sa *sa, const struct ikev1_esp_suite *s)
{
	bool transport =
	    s->encap_mode == IKEV1_ENCAP_TRANSPORT || s->encap_mode == IKEV1_ENCAP_UDP_TRANSPORT;

	if (s->encap_mode != encap_mode(sa, transport ? DP_MODE_TRANSPORT : DP_MODE_TUNNEL) ||
	    (transport && sa->peer.mode != DP_MODE_TRANSPORT) || s->esn)
		return false;
	for (unsigned i = 0; i < sa->peer.esp_count; i++) {
		const struct cfg_proposal *c = &sa->peer.esp[i];
		bool encr = false, integ = s->integ == NULL && c->integ_count == 0, pfs;

		for (unsigned e = 0; e < c->encr_count; e++)
			encr |=
			    c->encr[e].id == s->encr->id && c->encr[e].bits == s->encr->key_bits;
		for (unsigned k = 0; s->integ != NULL && k < c->integ_count; k++)
			integ |= c->integ[k] == s->integ->id;
		pfs = s->pfs == NULL ? c->dh_count == 0 : false;
		for (unsigned g = 0; s->pfs != NULL && g < c->dh_count; g++)
			pfs |= c->dh[g] == s->pfs->id;
		if (encr && integ && pfs)
			return true;
	}
	return false;
}

static void select_from(const struct ikev1_proposal *pr, const struct ikev1_esp_suite *s,
			struct selected_proposal *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->number = pr->number;
	sel->protocol = IKE_PROTO_ESP;
	sel->spi_len = 4;
	memcpy(sel->spi, pr->spi, 4);
	sel->encr = s->encr->id;
	sel->encr_bits = s->encr->key_bits;
	sel->integ = s->integ ? s->integ->id : 0;
	sel->dh = s->pfs ? s->pfs->id : 0;
	sel->esn = IKE_ESN_NO;
}

/* Client ID <-> selector. */
static int id_to_ts(const struct ikev1_id_payload *id, struct ike_ts_payload *ts)
{
	struct ike_ts *t = &ts->ts[0];

	memset(ts, 0, sizeof(*ts));
	if (id->addr_len != 4 && id->addr_len != 16)
		return -EINVAL;
	ts->count = 1;
	t->type = id->addr_len == 4 ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
	t->ip_protocol = id->protocol;
	t->start_port = id->port;
	t->end_port = id->port ? id->port : 0xffff;
	memcpy(t->start_addr, id->start, id->addr_len);
	memcpy(t->end_addr, id->end, id->addr_len);
	return 0;
}

static int ts_to_id(const struct ike_ts_payload *ts, uint8_t data[32], struct ikev1_payload *p)
{
	const struct ike_ts *t = &ts->ts[0];
	size_t alen = t->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
	uint16_t port = t->start_port == t->end_port ? t->start_port : 0;

	*p = (struct ikev1_payload){.type = IKEV1_PAYLOAD_ID};
	if (ts->count == 0 || (port == 0 && !(t->start_port == 0 && t->end_port == 0xffff)))
		return -EINVAL; /* a port range has no client ID */
	return ikev1_id_from_range(t->start_addr, t->end_addr, alen, t->ip_protocol, port, data,
				   &p->u.id);
}

void v1_quick_clear(struct ike_sa *sa)
{
	struct v1_quick *q = &sa->v1->qm;

	if (q->active && q->spi_in != 0 && child_find_in(sa, q->spi_in) == NULL)
		dp_release_spi(sa->d->dp, q->spi_in);
	ike_dh_free(q->dh);
	OPENSSL_cleanse(q, sizeof(*q));
}

/* Writes HASH + the payloads, computes HASH(1) / HASH(2) over what follows it (ni: the
 * initiator's nonce for HASH(2)), encrypts with the exchange's IV and sends. */
static int quick_send(struct ike_sa *sa, struct ikev1_payload *p, size_t n, struct ike_span ni,
		      bool awaiting)
{
	const struct ike_prf_alg *prf = sa->v1->suite.prf;
	struct v1_quick *q = &sa->v1->qm;
	uint8_t zeros[IKE_MAX_PRF_LEN] = {0}, plain[2048];
	struct ike_writer w;
	int len;

	p[0] =
	    (struct ikev1_payload){.type = IKEV1_PAYLOAD_HASH, .u.hash = sp(zeros, prf->out_len)};
	ike_writer_init(&w, plain, sizeof(plain));
	for (size_t i = 0; i < n; i++)
		ikev1_writer_payload(&w, &p[i]);
	len = ike_writer_finish(&w);
	if (len < 0)
		return len;
	if (ikev1_hash_msgid(prf, sa->v1->keys.skeyid_a, q->msgid, ni,
			     sp(plain + IKE_GENERIC_HEADER_LEN + prf->out_len,
				(size_t)len - IKE_GENERIC_HEADER_LEN - prf->out_len),
			     plain + IKE_GENERIC_HEADER_LEN) < 0)
		return -EINVAL;
	len = v1_seal(sa, IKEV1_EXCHANGE_QUICK, q->msgid, &q->iv, IKEV1_PAYLOAD_HASH, plain,
		      (size_t)len, sa->v1->out, sizeof(sa->v1->out));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (len < 0)
		return len;
	if (q->commit) /* the header is outside the HASH and the encryption */
		sa->v1->out[V1_HEADER_FLAGS] |= IKEV1_FLAG_COMMIT;
	v1_send(sa, sa->v1->out, (size_t)len, awaiting);
	return 0;
}

/* Selector pair k (local_ts[k / remote count] x remote_ts[k % remote count]; no entries: the
 * IKE address) as the dataplane checks it. False past the last pair. */
static bool selector_pair(struct ike_sa *sa, unsigned k, struct ike_ts_payload *local,
			  struct ike_ts_payload *remote)
{
	const struct cfg_peer *p = &sa->peer;
	unsigned nl = p->local_ts_count ? p->local_ts_count : 1;
	unsigned nr = p->remote_ts_count ? p->remote_ts_count : 1;

	if (k >= nl * nr)
		return false;
	ts_from_config(p->local_ts_count ? &p->local_ts[k / nr] : NULL, p->local_ts_count ? 1 : 0,
		       &p->local, local);
	ts_from_config(p->remote_ts_count ? &p->remote_ts[k % nr] : NULL,
		       p->remote_ts_count ? 1 : 0, &p->remote, remote);
	ts_fit_dataplane(sa->d->dp, local, remote);
	return true;
}

/* The next selector pair from v1->next_pair on that no CHILD_SA covers yet (IKEv1 carries one
 * pair per quick mode: several local_ts / remote_ts make one CHILD_SA per combination, as
 * strongSwan does). */
static bool next_missing_pair(struct ike_sa *sa, struct ike_ts_payload *local,
			      struct ike_ts_payload *remote)
{
	while (selector_pair(sa, sa->v1->next_pair++, local, remote)) {
		const struct child_sa *c = sa->children;

		while (c != NULL && (memcmp(&c->ts_local, local, sizeof(*local)) != 0 ||
				     memcmp(&c->ts_remote, remote, sizeof(*remote)) != 0))
			c = c->next;
		if (c == NULL)
			return true;
	}
	return false;
}

void v1_children_wanted(struct ike_sa *sa)
{
	if (sa->children != NULL)
		return;
	sa->want_child = true;
	ikev1_schedule(sa);
}

int v1_quick_start(struct ike_sa *sa, struct child_sa *old)
{
	struct v1_quick *q = &sa->v1->qm;
	struct ikev1_sa_payload *offer = calloc(1, sizeof(*offer));
	struct ikev1_payload p[6];
	uint8_t ke[IKE_MAX_DH_PUBLIC], idi[32], idr[32];
	size_t n = 3;
	int ret = -EINVAL;

	if (offer == NULL)
		return -ENOMEM;
	v1_quick_clear(sa);
	if (old != NULL) {
		q->ts_local = old->ts_local;
		q->ts_remote = old->ts_remote;
	} else if (!next_missing_pair(sa, &q->ts_local, &q->ts_remote)) {
		free(offer);
		return -ENOENT;
	}
	q->active = q->initiator = true;
	while (q->msgid == 0)
		random_bytes((uint8_t *)&q->msgid, sizeof(q->msgid));
	q->mode = sa->peer.mode;
	q->old_spi_in = old ? old->spi_in : 0;
	q->reqid = old ? old->reqid : ++sa->d->next_reqid;
	if (ikev1_iv_exchange(sa->v1->suite.prf, &sa->v1->iv, q->msgid, &q->iv) < 0 ||
	    dp_alloc_spi(sa->d->dp, &q->spi_in) < 0 || random_bytes(q->ni, V1_NONCE) < 0)
		goto fail;
	q->ni_len = V1_NONCE;
	esp_offer(sa, q->spi_in, offer);
	p[1] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_SA, .u.sa = offer};
	p[2] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_NONCE, .u.nonce = sp(q->ni, q->ni_len)};
	if (sa->peer.esp[0].dh_count) {
		int k;

		if (ike_dh_new(sa->peer.esp[0].dh[0], &q->dh) < 0 ||
		    (k = ike_dh_public(q->dh, ke, sizeof(ke))) < 0)
			goto fail;
		p[n++] =
		    (struct ikev1_payload){.type = IKEV1_PAYLOAD_KE, .u.ke = sp(ke, (size_t)k)};
	}
	if (ts_to_id(&q->ts_local, idi, &p[n]) < 0 || ts_to_id(&q->ts_remote, idr, &p[n + 1]) < 0) {
		log_error("%s: quick mode: selectors with port ranges have no IKEv1 client ID",
			  sa_name(sa));
		goto fail;
	}
	n += 2;
	q->ids_sent = true;
	ret = quick_send(sa, p, n, sp(NULL, 0), true);
	if (ret < 0)
		goto fail;
	log_info("%s: quick mode %s%s started (message ID %08x)", sa_name(sa),
		 old ? "rekeying CHILD_SA" : "for a new CHILD_SA",
		 sa->peer.esp[0].dh_count ? " with PFS" : "", q->msgid);
	free(offer);
	return 0;
fail:
	free(offer);
	v1_quick_clear(sa);
	return ret < 0 ? ret : -EINVAL;
}

/* KEYMAT, the CHILD_SA, its install; a rekey's predecessor goes a little later. With
 * out_later, outbound stays on the predecessor (the card keeps its rules first) until the
 * peer has the new pair: the responder moves it on HASH(3), the initiator of a rekey on the
 * peer's first packet on it or its Delete of the old pair (child_out_check). */
static struct child_sa *quick_install(struct ike_sa *sa, bool out_later)
{
	struct v1_quick *q = &sa->v1->qm;
	struct child_sa *c = calloc(1, sizeof(*c));
	uint8_t spi_i[4], spi_r[4];
	struct ike_child_keys keys;
	struct child_sa *old;

	if (c == NULL)
		return NULL;
	put_be32(spi_i, q->initiator ? q->spi_in : q->spi_out);
	put_be32(spi_r, q->initiator ? q->spi_out : q->spi_in);
	c->reqid = q->reqid;
	c->spi_in = q->spi_in;
	c->spi_out = q->spi_out;
	c->proposal = q->sel;
	c->ts_local = q->ts_local;
	c->ts_remote = q->ts_remote;
	c->out_pending = out_later;
	c->out_check_at = out_later ? now_ms(sa->d) + V1_OUT_CHECK_MS : 0;
	if (ikev1_derive_child_keys(sa->v1->suite.prf, sa->v1->keys.skeyid_d,
				    ike_encr_lookup(q->sel.encr, q->sel.encr_bits),
				    q->sel.integ ? ike_integ_lookup(q->sel.integ) : NULL,
				    sp(q->g_qm, q->g_qm_len), IKEV1_PROTO_IPSEC_ESP, spi_i, spi_r,
				    sp(q->ni, q->ni_len), sp(q->nr, q->nr_len), &keys) < 0) {
		log_error("%s: quick mode: KEYMAT not derived", sa_name(sa));
		free(c);
		return NULL;
	}
	c = child_install(sa, c, q->initiator, &keys, q->mode);
	if (c == NULL)
		return NULL;
	q->installed_in = q->spi_in;
	q->spi_in = 0; /* installed: not to be released */
	old = q->old_spi_in ? child_find_in(sa, q->old_spi_in) : NULL;
	if (old != NULL) {
		old->state = CHILD_SA_REKEYED;
		old->rekey_at = old->expire_at = 0;
		old->delete_at = now_ms(sa->d) + V1_DELETE_OLD_MS;
		log_info("%s: CHILD_SA %08x/%08x rekeyed by %08x/%08x", sa_name(sa), old->spi_in,
			 old->spi_out, c->spi_in, c->spi_out);
	}
	return c;
}

/* Responder: the CHILD_SA the peer asks for, if its selectors are ours to rekey. */
static struct child_sa *same_selectors(struct ike_sa *sa, const struct v1_quick *q)
{
	for (struct child_sa *c = sa->children; c != NULL; c = c->next)
		if (c->state == CHILD_SA_INSTALLED &&
		    memcmp(&c->ts_local, &q->ts_local, sizeof(q->ts_local)) == 0 &&
		    memcmp(&c->ts_remote, &q->ts_remote, sizeof(q->ts_remote)) == 0)
			return c;
	return NULL;
}

static void quick_refuse(struct ike_sa *sa, uint16_t type)
{
	struct ikev1_payload p = {.type = IKEV1_PAYLOAD_NOTIFY};

	p.u.notify.doi = IKEV1_DOI_IPSEC;
	p.u.notify.protocol = IKEV1_PROTO_IPSEC_ESP;
	p.u.notify.type = type;
	v1_send_info(sa, &p);
	v1_quick_clear(sa);
}

/* Quick mode 1 (responder): choose, check the IDs, answer with HASH(2). */
static void quick_respond(struct ike_sa *sa, const struct ikev1_message *msg)
{
	struct v1_quick *q = &sa->v1->qm;
	const struct ikev1_payload *sa_p = ikev1_message_find(msg, IKEV1_PAYLOAD_SA, 0);
	const struct ikev1_payload *nonce = ikev1_message_find(msg, IKEV1_PAYLOAD_NONCE, 0);
	const struct ikev1_payload *ke = ikev1_message_find(msg, IKEV1_PAYLOAD_KE, 0);
	const struct ikev1_payload *idi = ikev1_message_find(msg, IKEV1_PAYLOAD_ID, 0);
	const struct ikev1_payload *idr = ikev1_message_find(msg, IKEV1_PAYLOAD_ID, 1);
	const struct ikev1_proposal *chosen_p = NULL;
	struct ikev1_sa_payload *answer = NULL;
	struct ike_ts_payload ours_l, ours_r, fit_l, fit_r;
	struct ikev1_esp_suite suite;
	struct ikev1_payload p[8];
	uint8_t kebuf[IKE_MAX_DH_PUBLIC], life[32];
	uint64_t ours_life;
	int chosen = -1;
	size_t n = 3;
	char why[160];

	if (sa_p == NULL || nonce == NULL || nonce->u.nonce.len < IKEV1_NONCE_MIN_LEN ||
	    nonce->u.nonce.len > IKEV1_NONCE_MAX_LEN || (idi == NULL) != (idr == NULL)) {
		log_warn("%s: quick mode request lacks SA or nonce, or has one client ID",
			 sa_name(sa));
		quick_refuse(sa, IKEV1_N_PAYLOAD_MALFORMED);
		return;
	}
	for (unsigned k = 0; k < sa_p->u.sa->proposal_count && chosen < 0; k++) {
		const struct ikev1_proposal *pr = &sa_p->u.sa->proposals[k];

		for (unsigned i = 0; i < pr->transform_count && chosen < 0; i++) {
			const struct ikev1_transform *t =
			    &sa_p->u.sa->transforms[pr->first_transform + i];
			int ret = ikev1_policy_esp(pr->protocol, t, &suite, why, sizeof(why));

			if (ret == -EPERM)
				log_error("%s: ESP transform %u refused: %s", sa_name(sa),
					  t->number, why);
			else if (ret == 0 && pr->spi_size == 4 && esp_ours(sa, &suite)) {
				chosen = pr->first_transform + (int)i;
				chosen_p = pr;
			}
		}
	}
	if (chosen < 0) {
		log_error("%s: no acceptable ESP proposal from the peer in quick mode, answering "
			  "NO-PROPOSAL-CHOSEN",
			  sa_name(sa));
		quick_refuse(sa, IKEV1_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	ikev1_policy_esp(chosen_p->protocol, &sa_p->u.sa->transforms[chosen], &suite, why,
			 sizeof(why));
	select_from(chosen_p, &suite, &q->sel);
	q->spi_out = get_be32(chosen_p->spi);
	q->mode = suite.encap_mode == IKEV1_ENCAP_TRANSPORT ||
			  suite.encap_mode == IKEV1_ENCAP_UDP_TRANSPORT
		      ? DP_MODE_TRANSPORT
		      : DP_MODE_TUNNEL;
	/* Selectors: IDci is the peer's side, IDcr ours; no IDs means the IKE addresses. */
	ts_from_config(sa->peer.local_ts, sa->peer.local_ts_count, &sa->peer.local, &ours_l);
	ts_from_config(sa->peer.remote_ts, sa->peer.remote_ts_count, &sa->peer.remote, &ours_r);
	if (idi != NULL) {
		if (id_to_ts(&idi->u.id, &q->ts_remote) < 0 ||
		    id_to_ts(&idr->u.id, &q->ts_local) < 0) {
			log_error("%s: quick mode client IDs are no addresses, answering "
				  "INVALID-ID-INFORMATION",
				  sa_name(sa));
			quick_refuse(sa, IKEV1_N_INVALID_ID_INFORMATION);
			return;
		}
	} else {
		ts_from_config(NULL, 0, &sa->peer.local, &q->ts_local);
		ts_from_config(NULL, 0, &sa->remote, &q->ts_remote);
	}
	fit_l = q->ts_local;
	fit_r = q->ts_remote;
	if (!ts_within(&q->ts_local, &ours_l) ||
	    (!sa->peer.remote_any && !ts_within(&q->ts_remote, &ours_r)) ||
	    ts_fit_dataplane(sa->d->dp, &fit_l, &fit_r) != 0) {
		char a[256], b[256];

		ts_describe(&q->ts_remote, a, sizeof(a));
		ts_describe(&q->ts_local, b, sizeof(b));
		log_error("%s: quick mode selectors %s === %s not acceptable (not within ours, or "
			  "more than the dataplane checks exactly), answering "
			  "INVALID-ID-INFORMATION",
			  sa_name(sa), a, b);
		quick_refuse(sa, IKEV1_N_INVALID_ID_INFORMATION);
		return;
	}
	if (suite.pfs != NULL) {
		int k;

		if (ke == NULL || ke->u.ke.len != suite.pfs->public_len ||
		    ike_dh_new(suite.pfs->id, &q->dh) < 0 ||
		    (k = ike_dh_compute(q->dh, ke->u.ke.ptr, ke->u.ke.len, q->g_qm,
					sizeof(q->g_qm))) < 0) {
			log_error("%s: quick mode with PFS but no usable KE, answering "
				  "INVALID-KEY-INFORMATION",
				  sa_name(sa));
			quick_refuse(sa, IKEV1_N_INVALID_KEY_INFORMATION);
			return;
		}
		q->g_qm_len = (size_t)k;
		k = ike_dh_public(q->dh, kebuf, sizeof(kebuf));
		p[n++] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_KE,
						.u.ke = sp(kebuf, k > 0 ? (size_t)k : 0)};
	}
	memcpy(q->ni, nonce->u.nonce.ptr, nonce->u.nonce.len);
	q->ni_len = nonce->u.nonce.len;
	answer = calloc(1, sizeof(*answer));
	if (answer == NULL || dp_alloc_spi(sa->d->dp, &q->spi_in) < 0 ||
	    random_bytes(q->nr, V1_NONCE) < 0) {
		free(answer);
		quick_refuse(sa, IKEV1_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	q->nr_len = V1_NONCE;
	{
		struct child_sa *old = same_selectors(sa, q);

		q->reqid = old ? old->reqid : ++sa->d->next_reqid;
		/* The peer rekeys it: not ours to rekey any more; its Delete follows (else it
		 * goes by itself after REKEYED_TIMEOUT_MS). */
		if (old != NULL) {
			old->state = CHILD_SA_REKEYED;
			old->rekey_at = 0;
			old->delete_at = now_ms(sa->d) + REKEYED_TIMEOUT_MS;
		}
	}
	answer->doi = IKEV1_DOI_IPSEC;
	answer->situation = IKEV1_SIT_IDENTITY;
	answer->proposal_count = answer->transform_count = 1;
	answer->proposals[0] = *chosen_p;
	answer->proposals[0].transform_count = 1;
	answer->proposals[0].first_transform = 0;
	put_be32(answer->proposals[0].spi, q->spi_in);
	answer->transforms[0] = sa_p->u.sa->transforms[chosen];
	p[1] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_SA, .u.sa = answer};
	p[2] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_NONCE, .u.nonce = sp(q->nr, q->nr_len)};
	if (idi != NULL) {
		p[n++] = *idi;
		p[n++] = *idr;
	}
	/* RFC 2407 4.6.3.1: a lifetime longer than ours is answered with ours (we delete the
	 * pair at child_life_time whatever was proposed). */
	ours_life = life_seconds(&sa->peer);
	if (ours_life != 0 && (sa_p->u.sa->transforms[chosen].life_seconds == 0 ||
			       sa_p->u.sa->transforms[chosen].life_seconds > ours_life)) {
		int k =
		    ikev1_encode_lifetime(IKEV1_PROTO_IPSEC_ESP, ours_life, 0, life, sizeof(life));

		if (k > 0) {
			p[n] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_NOTIFY};
			p[n].u.notify.doi = IKEV1_DOI_IPSEC;
			p[n].u.notify.protocol = IKEV1_PROTO_IPSEC_ESP;
			p[n].u.notify.spi_size = 4;
			p[n].u.notify.spi = sp(chosen_p->spi, 4);
			p[n].u.notify.type = IKEV1_N_RESPONDER_LIFETIME;
			p[n].u.notify.data = sp(life, (size_t)k);
			n++;
		}
	}
	/* Inbound on the dataplane before the answer leaves: the initiator may send on the
	 * new pair as soon as it has our answer. */
	if (quick_install(sa, true) == NULL) {
		free(answer);
		quick_refuse(sa, IKEV1_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (quick_send(sa, p, n, sp(q->ni, q->ni_len), true) < 0) {
		free(answer);
		v1_quick_clear(sa);
		return;
	}
	free(answer);
	log_info("%s: quick mode %08x from the peer answered (ESP transform %u%s)", sa_name(sa),
		 q->msgid, sa_p->u.sa->transforms[chosen].number, suite.pfs ? ", PFS" : "");
}

/* The responder's RESPONDER-LIFETIME (RFC 2407 4.6.3.1): a shorter life for the new pair
 * than we proposed; its rekey moves up to 90 % of it. */
static void responder_lifetime(struct ike_sa *sa, struct child_sa *c,
			       const struct ikev1_message *msg)
{
	const struct ikev1_notify_payload *n =
	    ikev1_message_find_notify(msg, IKEV1_N_RESPONDER_LIFETIME);
	uint64_t seconds = 0, kilobytes = 0, now = now_ms(sa->d);

	if (c == NULL || n == NULL ||
	    ikev1_decode_lifetime(IKEV1_PROTO_IPSEC_ESP, n->data, &seconds, &kilobytes) < 0 ||
	    seconds == 0 || seconds > 86400 * 365)
		return;
	if (c->expire_at == 0 || now + seconds * 1000 < c->expire_at) {
		c->expire_at = now + seconds * 1000;
		if (c->rekey_at == 0 || c->rekey_at > now + seconds * 900)
			c->rekey_at = now + seconds * 900;
		log_info("%s: CHILD_SA %08x/%08x: lifetime lowered to %llu s by the peer "
			 "(RESPONDER-LIFETIME)",
			 sa_name(sa), c->spi_in, c->spi_out, (unsigned long long)seconds);
	}
}

/* Quick mode 2 (initiator): check, install, HASH(3). */
static void quick_complete(struct ike_sa *sa, const struct ikev1_message *msg)
{
	struct v1_quick *q = &sa->v1->qm;
	const struct ikev1_payload *sa_p = ikev1_message_find(msg, IKEV1_PAYLOAD_SA, 0);
	const struct ikev1_payload *nonce = ikev1_message_find(msg, IKEV1_PAYLOAD_NONCE, 0);
	const struct ikev1_payload *ke = ikev1_message_find(msg, IKEV1_PAYLOAD_KE, 0);
	const struct ikev1_payload *idi = ikev1_message_find(msg, IKEV1_PAYLOAD_ID, 0);
	const struct ikev1_payload *idr = ikev1_message_find(msg, IKEV1_PAYLOAD_ID, 1);
	struct ikev1_payload h3 = {.type = IKEV1_PAYLOAD_HASH};
	const struct ikev1_sa_payload *a = sa_p ? sa_p->u.sa : NULL;
	uint8_t hash[IKE_MAX_PRF_LEN], plain[256];
	struct ike_ts_payload ti, tr;
	struct ikev1_esp_suite suite;
	struct child_sa *c;
	char why[160];
	int len;

	if (a == NULL || a->proposal_count != 1 || a->transform_count != 1 ||
	    a->proposals[0].spi_size != 4 ||
	    ikev1_policy_esp(a->proposals[0].protocol, &a->transforms[0], &suite, why,
			     sizeof(why)) < 0 ||
	    !esp_ours(sa, &suite) || (suite.pfs != NULL) != (q->dh != NULL) || nonce == NULL ||
	    nonce->u.nonce.len < IKEV1_NONCE_MIN_LEN || nonce->u.nonce.len > IKEV1_NONCE_MAX_LEN) {
		log_error("%s: quick mode: the peer chose an ESP proposal we did not offer",
			  sa_name(sa));
		v1_quick_clear(sa);
		sa->v1->awaiting = false;
		return;
	}
	if (idi != NULL && idr != NULL &&
	    (id_to_ts(&idi->u.id, &ti) < 0 || id_to_ts(&idr->u.id, &tr) < 0 ||
	     memcmp(&ti, &q->ts_local, sizeof(ti)) != 0 ||
	     memcmp(&tr, &q->ts_remote, sizeof(tr)) != 0)) {
		log_error("%s: quick mode: the peer answered other client IDs than ours",
			  sa_name(sa));
		v1_quick_clear(sa);
		sa->v1->awaiting = false;
		return;
	}
	if (q->dh != NULL) {
		int k;

		if (ke == NULL || ke->u.ke.len != suite.pfs->public_len ||
		    (k = ike_dh_compute(q->dh, ke->u.ke.ptr, ke->u.ke.len, q->g_qm,
					sizeof(q->g_qm))) < 0) {
			log_error("%s: quick mode: PFS answer without a usable KE", sa_name(sa));
			v1_quick_clear(sa);
			sa->v1->awaiting = false;
			return;
		}
		q->g_qm_len = (size_t)k;
	}
	select_from(&a->proposals[0], &suite, &q->sel);
	q->spi_out = get_be32(a->proposals[0].spi);
	memcpy(q->nr, nonce->u.nonce.ptr, nonce->u.nonce.len);
	q->nr_len = nonce->u.nonce.len;
	/* HASH(3) */
	if (ikev1_hash_quick3(sa->v1->suite.prf, sa->v1->keys.skeyid_a, q->msgid,
			      sp(q->ni, q->ni_len), sp(q->nr, q->nr_len), hash) < 0)
		return;
	h3.u.hash = sp(hash, sa->v1->suite.prf->out_len);
	{
		struct ike_writer w;

		ike_writer_init(&w, plain, sizeof(plain));
		ikev1_writer_payload(&w, &h3);
		len = ike_writer_finish(&w);
	}
	q->connected_wait = (msg->header.flags & IKEV1_FLAG_COMMIT) != 0;
	c = quick_install(sa, q->old_spi_in != 0 || q->connected_wait);
	responder_lifetime(sa, c, msg);
	if (len > 0 &&
	    (len = v1_seal(sa, IKEV1_EXCHANGE_QUICK, q->msgid, &q->iv, IKEV1_PAYLOAD_HASH, plain,
			   (size_t)len, sa->v1->out, sizeof(sa->v1->out))) > 0)
		v1_send(sa, sa->v1->out, (size_t)len, q->connected_wait && c != NULL);
	if (q->connected_wait && c != NULL) {
		log_info("%s: quick mode %08x: the peer set the commit bit, waiting for CONNECTED",
			 sa_name(sa), q->msgid);
		return;
	}
	v1_quick_clear(sa);
	ikev1_schedule(sa);
}

void v1_quick_connected(struct ike_sa *sa, const struct ikev1_notify_payload *n)
{
	struct v1_quick *q = &sa->v1->qm;
	struct child_sa *c = q->active ? child_find_in(sa, q->installed_in) : NULL;
	uint32_t spi = n->spi_size == 4 ? get_be32(n->spi.ptr) : 0;

	/* The notify names the pair by either of its SPIs (implementations differ), or not. */
	if (!q->initiator || !q->connected_wait || c == NULL ||
	    (n->spi_size == 4 && spi != c->spi_in && spi != c->spi_out)) {
		log_debug("%s: CONNECTED for no quick mode of ours waiting for it", sa_name(sa));
		return;
	}
	log_info("%s: quick mode %08x committed (CONNECTED)", sa_name(sa), q->msgid);
	if (c->out_pending)
		child_out_switch(sa, c, "CONNECTED");
	sa->v1->awaiting = false;
	v1_quick_clear(sa);
	ikev1_schedule(sa);
}

/* Responder, the initiator having set the commit bit: the pair is installed both ways. The
 * notify names our inbound SPI (the initiator's outbound one); it stays our last message, sent
 * again when HASH(3) is repeated. */
static void send_connected(struct ike_sa *sa, const struct child_sa *c)
{
	struct ikev1_payload p;
	uint8_t spi[4];

	put_be32(spi, c->spi_in);
	p = v1_notify(IKEV1_PROTO_IPSEC_ESP, sp(spi, 4), V1_N_CONNECTED, sp(NULL, 0));
	if (v1_send_info_kept(sa, &p) == 0)
		log_info("%s: quick mode %08x committed: CONNECTED sent", sa_name(sa),
			 sa->v1->qm.msgid);
}

void v1_quick_process(struct ike_sa *sa, struct ikev1_message *msg)
{
	struct v1_quick *q = &sa->v1->qm;
	const struct ike_prf_alg *prf = sa->v1->suite.prf;
	const struct ikev1_payload *hash;
	uint8_t *plain = malloc(MAX_MESSAGE), want[IKE_MAX_PRF_LEN];
	struct ikev1_iv iv, next;
	struct child_sa *c;
	uint32_t id = msg->header.message_id;
	bool ours = q->active && q->msgid == id;
	bool new_request = !ours && id != 0;

	if (plain == NULL)
		return;
	if (ours)
		iv = q->iv;
	else if (!new_request || ikev1_iv_exchange(prf, &sa->v1->iv, id, &iv) < 0)
		goto out;
	if (v1_open(sa, msg, &iv, &next, plain, MAX_MESSAGE) < 0 || msg->payload_count == 0 ||
	    (hash = &msg->payloads[0])->type != IKEV1_PAYLOAD_HASH ||
	    hash->u.hash.len != prf->out_len) {
		log_unauth(sa->d, LOG_LEVEL_DEBUG, "%s: quick mode message %08x unusable, dropped",
			   sa_name(sa), id);
		goto out;
	}
	if (ours && !q->initiator) {
		/* HASH(3) */
		if (ikev1_hash_quick3(prf, sa->v1->keys.skeyid_a, id, sp(q->ni, q->ni_len),
				      sp(q->nr, q->nr_len), want) < 0 ||
		    CRYPTO_memcmp(want, hash->u.hash.ptr, prf->out_len) != 0)
			goto bad;
		sa->v1->awaiting = false;
		sa->last_received = now_ms(sa->d);
		if ((c = child_find_in(sa, q->installed_in)) != NULL)
			child_out_switch(sa, c, "quick mode complete");
		if (c != NULL && q->commit)
			send_connected(sa, c);
		v1_quick_clear(sa);
		ikev1_schedule(sa);
		goto out;
	}
	if (ikev1_hash_msgid(prf, sa->v1->keys.skeyid_a, id,
			     ours ? sp(q->ni, q->ni_len) : sp(NULL, 0),
			     ikev1_message_after(msg, hash), want) < 0 ||
	    CRYPTO_memcmp(want, hash->u.hash.ptr, prf->out_len) != 0)
		goto bad;
	sa->last_received = now_ms(sa->d);
	if (ours) {
		q->iv = next;
		sa->v1->awaiting = false;
		quick_complete(sa, msg);
		goto out;
	}
	/* The peer's new quick mode; one at a time (ours, if any, is given up: the peer's
	 * will bring the CHILD_SA). */
	if (q->active && q->initiator && sa->initiator) {
		/* Both started a quick mode (rekeys of the same pair, say): the ISAKMP SA's
		 * initiator keeps its own and drops the peer's; the other side gives its own up
		 * and answers (below). One new pair comes of it. */
		log_debug("%s: the peer's quick mode %08x crosses ours %08x: ours goes on",
			  sa_name(sa), id, q->msgid);
		goto out;
	}
	if (q->active)
		log_info("%s: the peer started quick mode %08x while ours %08x was out: answering "
			 "the peer's",
			 sa_name(sa), id, q->msgid);
	v1_quick_clear(sa);
	q->active = true;
	q->msgid = id;
	q->iv = next;
	q->commit = (msg->header.flags & IKEV1_FLAG_COMMIT) != 0;
	quick_respond(sa, msg);
	goto out;
bad:
	log_unauth(sa->d, LOG_LEVEL_WARN, "%s: quick mode message %08x failed its HASH, dropped",
		   sa_name(sa), id);
out:
	OPENSSL_cleanse(plain, MAX_MESSAGE);
	free(plain);
}

int v1_delete_child(struct ike_sa *sa, struct child_sa *c)
{
	struct ikev1_payload p = {.type = IKEV1_PAYLOAD_DELETE};
	uint8_t spi[4];

	put_be32(spi, c->spi_in);
	p.u.del.doi = IKEV1_DOI_IPSEC;
	p.u.del.protocol = IKEV1_PROTO_IPSEC_ESP;
	p.u.del.spi_size = 4;
	p.u.del.spi_count = 1;
	p.u.del.spis = sp(spi, 4);
	v1_send_info(sa, &p);
	log_info("%s: deleting CHILD_SA %08x/%08x", sa_name(sa), c->spi_in, c->spi_out);
	child_sa_remove(sa, c);
	return 0;
}
