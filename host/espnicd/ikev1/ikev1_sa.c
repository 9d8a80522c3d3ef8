/* IKEv1 phase 1 (RFC 2409 5): main mode with pre-shared keys in both roles, the datagram
 * dispatch by cookies, retransmission (timeouts, and the answer repeated when the peer
 * repeats a message), NAT-T detection and the float to 4500 (RFC 3947), informational
 * exchanges (Delete, INITIAL-CONTACT, DPD R-U-THERE answers, RFC 3706) and the timers of an
 * IKEv1 IKE_SA. Quick mode is ikev1_quick.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ikev1_internal.h"
#include "log.h"
#include "secmem.h"

static const char *v1_notify_name(uint16_t type)
{
	switch (type) {
	case IKEV1_N_NO_PROPOSAL_CHOSEN:
		return "NO-PROPOSAL-CHOSEN";
	case IKEV1_N_INVALID_ID_INFORMATION:
		return "INVALID-ID-INFORMATION";
	case IKEV1_N_INVALID_HASH_INFORMATION:
		return "INVALID-HASH-INFORMATION";
	case IKEV1_N_AUTHENTICATION_FAILED:
		return "AUTHENTICATION-FAILED";
	case IKEV1_N_PAYLOAD_MALFORMED:
		return "PAYLOAD-MALFORMED";
	case IKEV1_N_INVALID_KEY_INFORMATION:
		return "INVALID-KEY-INFORMATION";
	case IKEV1_N_INVALID_PAYLOAD_TYPE:
		return "INVALID-PAYLOAD-TYPE";
	case IKEV1_N_ATTRIBUTES_NOT_SUPPORTED:
		return "ATTRIBUTES-NOT-SUPPORTED";
	case IKEV1_N_INVALID_EXCHANGE_TYPE:
		return "INVALID-EXCHANGE-TYPE";
	default:
		return "an error notify";
	}
}

/* ---- sending and retransmission ---- */

void v1_send(struct ike_sa *sa, const uint8_t *buf, size_t len, bool awaiting)
{
	struct ikev1_sa *v = sa->v1;

	if (buf != v->out)
		memcpy(v->out, buf, len);
	v->out_len = len;
	v->awaiting = awaiting;
	v->retransmits = 0;
	v->deadline = now_ms(sa->d) + retransmit_timeout(sa->d->cfg, 0);
	send_raw(sa->d, &sa->local, &sa->remote, v->out, len);
}

static struct ike_header v1_header(const struct ike_sa *sa, uint8_t exchange, uint32_t msgid)
{
	struct ike_header h = {.major_version = IKEV1_MAJOR_VERSION,
			       .minor_version = IKEV1_MINOR_VERSION,
			       .exchange_type = exchange,
			       .message_id = msgid};

	memcpy(h.spi_i, sa->spi_i, IKEV1_COOKIE_LEN);
	memcpy(h.spi_r, sa->spi_r, IKEV1_COOKIE_LEN);
	return h;
}

/* A cleartext message of payloads p[0..n). */
static int v1_clear(struct ike_sa *sa, uint8_t exchange, const struct ikev1_payload *p, size_t n,
		    uint8_t *out, size_t cap)
{
	struct ike_header h = v1_header(sa, exchange, 0);
	struct ike_writer w;

	ike_writer_init(&w, out, cap);
	ike_writer_header(&w, &h);
	for (size_t i = 0; i < n; i++)
		ikev1_writer_payload(&w, &p[i]);
	return ike_writer_finish(&w);
}

int v1_seal(struct ike_sa *sa, uint8_t exchange, uint32_t msgid, struct ikev1_iv *iv, uint8_t first,
	    const uint8_t *plain, size_t plain_len, uint8_t *out, size_t cap)
{
	struct ike_header h = v1_header(sa, exchange, msgid);
	struct ike_writer w;

	ike_writer_init(&w, out, cap);
	ike_writer_header(&w, &h);
	return ikev1_encrypt(&w, sa->v1->suite.encr, sa->v1->keys.encr_key, iv, first, plain,
			     plain_len);
}

int v1_open(struct ike_sa *sa, struct ikev1_message *msg, const struct ikev1_iv *iv,
	    struct ikev1_iv *next, uint8_t *plain, size_t cap)
{
	int n;

	if (!(msg->header.flags & IKEV1_FLAG_ENCRYPTION))
		return -EBADMSG;
	n = ikev1_decrypt(msg, sa->v1->suite.encr, sa->v1->keys.encr_key, iv, next, plain, cap);
	if (n < 0)
		return n;
	return ikev1_message_parse_decrypted(msg, plain, (size_t)n);
}

/* A plaintext chain of payloads into buf; returns its length. */
static int v1_chain(const struct ikev1_payload *p, size_t n, uint8_t *buf, size_t cap)
{
	struct ike_writer w;

	ike_writer_init(&w, buf, cap);
	for (size_t i = 0; i < n; i++)
		ikev1_writer_payload(&w, &p[i]);
	return ike_writer_finish(&w);
}

int v1_send_info(struct ike_sa *sa, const struct ikev1_payload *p)
{
	struct ikev1_payload pl[2] = {{.type = IKEV1_PAYLOAD_HASH}, *p};
	uint8_t zeros[IKE_MAX_PRF_LEN] = {0}, plain[1024], out[1200];
	const struct ike_prf_alg *prf = sa->v1->suite.prf;
	struct ikev1_iv iv;
	uint32_t msgid = 0;
	int n, len;

	while (msgid == 0)
		random_bytes((uint8_t *)&msgid, sizeof(msgid));
	pl[0].u.hash = sp(zeros, prf->out_len);
	n = v1_chain(pl, 2, plain, sizeof(plain));
	if (n < 0)
		return n;
	/* HASH(1) = prf(SKEYID_a, M-ID | N/D) */
	if (ikev1_hash_msgid(prf, sa->v1->keys.skeyid_a, msgid, sp(NULL, 0),
			     sp(plain + IKE_GENERIC_HEADER_LEN + prf->out_len,
				(size_t)n - IKE_GENERIC_HEADER_LEN - prf->out_len),
			     plain + IKE_GENERIC_HEADER_LEN) < 0 ||
	    ikev1_iv_exchange(prf, &sa->v1->iv, msgid, &iv) < 0)
		return -EINVAL;
	len = v1_seal(sa, IKEV1_EXCHANGE_INFORMATIONAL, msgid, &iv, IKEV1_PAYLOAD_HASH, plain,
		      (size_t)n, out, sizeof(out));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (len < 0)
		return len;
	/* Not acknowledged: sent once, outside the retransmitted slot. */
	send_raw(sa->d, &sa->local, &sa->remote, out, (size_t)len);
	return 0;
}

static void v1_send_notify_clear(struct ike_sa *sa, uint16_t type)
{
	struct ikev1_payload p = {.type = IKEV1_PAYLOAD_NOTIFY};
	uint8_t out[256];
	int len;

	p.u.notify.doi = IKEV1_DOI_IPSEC;
	p.u.notify.protocol = IKEV1_PROTO_ISAKMP;
	p.u.notify.type = type;
	len = v1_clear(sa, IKEV1_EXCHANGE_INFORMATIONAL, &p, 1, out, sizeof(out));
	if (len > 0)
		send_raw(sa->d, &sa->local, &sa->remote, out, (size_t)len);
}

/* ---- phase-1 proposals ---- */

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

/* Our offer: one ISAKMP proposal, a transform per combination of the configuration. */
static void p1_offer(const struct cfg_peer *p, struct ikev1_sa_payload *sa)
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
					t->auth_method = IKEV1_AUTH_PSK;
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
static bool p1_ours(const struct cfg_peer *p, const struct ikev1_phase1_suite *s)
{
	if (s->auth_method != IKEV1_AUTH_PSK || p->auth != CFG_AUTH_PSK)
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
 * every refusal is logged by name. Returns its index or -1. */
static int p1_choose(struct ike_sa *sa, const struct ikev1_sa_payload *offer,
		     struct ikev1_phase1_suite *suite)
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
				log_error("%s: IKEv1 transform %u refused: %s", sa_name(sa),
					  t->number, why);
			else if (ret < 0)
				log_info("%s: IKEv1 transform %u not acceptable: %s", sa_name(sa),
					 t->number, why);
			else if (p1_ours(&sa->peer, suite))
				return pr->first_transform + i;
			else
				log_info("%s: IKEv1 transform %u is not among our ike_proposals "
					 "(or not PSK)",
					 sa_name(sa), t->number);
		}
	}
	return -1;
}

/* ---- NAT-T (RFC 3947) ---- */

static int natd_of(struct ike_sa *sa, const struct sockaddr_storage *ss, uint8_t *out)
{
	size_t alen;
	const uint8_t *a = sockaddr_addr(ss, &alen);

	return ikev1_natd_hash(sa->v1->suite.prf, sa->spi_i, sa->spi_r, a, alen, sockaddr_port(ss),
			       out, IKE_MAX_PRF_LEN);
}

/* The two NAT-D payloads: the peer's address, then ours (unmatchable with force_encap). */
static size_t natd_build(struct ike_sa *sa, struct ikev1_payload *p, uint8_t (*buf)[64])
{
	int n;

	if (!sa->v1->peer_natt)
		return 0;
	n = natd_of(sa, &sa->remote, buf[0]);
	natd_of(sa, &sa->local, buf[1]);
	if (sa->peer.force_encap)
		random_bytes(buf[1], (size_t)n);
	p[0] =
	    (struct ikev1_payload){.type = IKEV1_PAYLOAD_NAT_D, .u.nat_d = sp(buf[0], (size_t)n)};
	p[1] =
	    (struct ikev1_payload){.type = IKEV1_PAYLOAD_NAT_D, .u.nat_d = sp(buf[1], (size_t)n)};
	return 2;
}

static void natd_process(struct ike_sa *sa, const struct ikev1_message *msg)
{
	uint8_t ours[IKE_MAX_PRF_LEN], theirs[IKE_MAX_PRF_LEN];
	const struct ikev1_payload *p;
	bool remote_match = false;
	int n;

	if (!sa->v1->peer_natt || (p = ikev1_message_find(msg, IKEV1_PAYLOAD_NAT_D, 0)) == NULL)
		return;
	n = natd_of(sa, &sa->local, ours);
	natd_of(sa, &sa->remote, theirs);
	sa->nat_local = p->u.nat_d.len != (size_t)n || CRYPTO_memcmp(p->u.nat_d.ptr, ours, n) != 0;
	for (unsigned i = 1; (p = ikev1_message_find(msg, IKEV1_PAYLOAD_NAT_D, i)) != NULL; i++)
		remote_match |=
		    p->u.nat_d.len == (size_t)n && CRYPTO_memcmp(p->u.nat_d.ptr, theirs, n) == 0;
	sa->nat_remote = !remote_match;
	sa->natt = sa->nat_local || sa->nat_remote || sa->peer.force_encap;
	log_info("%s: NAT detection: %s%s%s", sa_name(sa),
		 sa->nat_local ? "we are behind NAT " : "",
		 sa->nat_remote ? "the peer is behind NAT (or pretends) " : "",
		 sa->natt ? "- floating to UDP 4500, ESP in UDP" : "no NAT");
}

static void vendor_ids(struct ike_sa *sa, const struct ikev1_message *msg)
{
	const struct ikev1_payload *p;

	for (unsigned i = 0; (p = ikev1_message_find(msg, IKEV1_PAYLOAD_VENDOR_ID, i)) != NULL;
	     i++) {
		enum ikev1_vendor k = ikev1_vendor_id_kind(p->u.vendor_id);

		sa->v1->peer_natt |= k == IKEV1_VENDOR_NAT_T_RFC3947;
		sa->v1->peer_dpd |= k == IKEV1_VENDOR_DPD;
	}
}

static size_t vendor_build(struct ikev1_payload *p)
{
	p[0] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_VENDOR_ID,
				      .u.vendor_id = sp(ikev1_vid_nat_t_rfc3947, IKEV1_VID_LEN)};
	p[1] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_VENDOR_ID,
				      .u.vendor_id = sp(ikev1_vid_dpd, IKEV1_VID_LEN)};
	return 2;
}

/* ---- main mode ---- */

static void sa_kill_v1(struct ike_sa *sa, const char *why)
{
	ike_sa_kill(sa, why);
}

/* Aggressive mode, below. */
static int am_respond_1(struct ike_sa *sa, const struct ikev1_message *msg, struct ikev1_payload *p,
			size_t n);
static int am_initiate(struct ike_sa *sa, struct ikev1_sa_payload *offer, struct ikev1_payload *p,
		       size_t n);

/* Main mode 1. old: the ISAKMP SA this one replaces (a phase-1 rekey), or NULL. */
static int v1_initiate(struct espnicd *d, const struct cfg_peer *peer, const struct ike_sa *old)
{
	struct ikev1_payload p[8];
	struct ikev1_sa_payload *offer = calloc(1, sizeof(*offer));
	struct ike_writer w;
	struct ike_sa *sa;
	size_t n = 1;
	int len;

	if (offer == NULL)
		return -ENOMEM;
	sa = ike_sa_new(d, peer, true);
	if (sa == NULL || (sa->v1 = secmem_zalloc(sizeof(*sa->v1))) == NULL) {
		if (sa != NULL)
			ike_sa_kill(sa, "out of memory");
		free(offer);
		return -ENOMEM;
	}
	ike_sa_set_state(sa, IKE_SA_INIT_SENT);
	sa->v1->replaces = old ? old->unique_id : 0;
	p1_offer(peer, offer);
	p[0] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_SA, .u.sa = offer};
	if (peer->aggressive && (len = am_initiate(sa, offer, p, n)) > 0)
		n = (size_t)len;
	else if (peer->aggressive) {
		free(offer);
		ike_sa_kill(sa, "aggressive mode not started");
		return -EINVAL;
	}
	/* SAi_b, the body the hashes cover, as it goes on the wire. */
	ike_writer_init(&w, sa->v1->out, sizeof(sa->v1->out));
	ikev1_writer_payload(&w, &p[0]);
	len = ike_writer_finish(&w);
	if (len <= IKE_GENERIC_HEADER_LEN || (size_t)len - IKE_GENERIC_HEADER_LEN > V1_SAI_MAX) {
		free(offer);
		ike_sa_kill(sa, "IKEv1 proposal not encodable");
		return -EINVAL;
	}
	sa->v1->sai_len = (size_t)len - IKE_GENERIC_HEADER_LEN;
	memcpy(sa->v1->sai_b, sa->v1->out + IKE_GENERIC_HEADER_LEN, sa->v1->sai_len);
	n += vendor_build(&p[n]);
	len = v1_clear(sa, peer->aggressive ? IKEV1_EXCHANGE_AGGRESSIVE : IKEV1_EXCHANGE_MAIN, p, n,
		       sa->v1->out, sizeof(sa->v1->out));
	free(offer);
	if (len < 0) {
		ike_sa_kill(sa, "IKEv1 message not encodable");
		return len;
	}
	sa->v1->st = peer->aggressive ? V1_AM_I1 : V1_MM_I1;
	log_info("%s: initiating IKEv1 %s mode to %s%s", sa_name(sa),
		 peer->aggressive ? "aggressive" : "main", peer->name,
		 old ? " (rekeying the ISAKMP SA)" : "");
	v1_send(sa, sa->v1->out, (size_t)len, true);
	return 0;
}

int ikev1_initiate(struct espnicd *d, const struct cfg_peer *peer)
{
	return v1_initiate(d, peer, NULL);
}

static const struct cfg_peer *find_v1_peer(struct espnicd *d, const struct sockaddr_storage *local,
					   const struct sockaddr_storage *remote)
{
	for (unsigned i = 0; i < d->cfg->peer_count; i++) {
		const struct cfg_peer *p = &d->cfg->peers[i];

		if ((p->version != 1 && p->version != CFG_IKE_FLEX) ||
		    !sockaddr_same_host(&p->local, local))
			continue;
		if (p->remote_any ? p->local.ss_family == remote->ss_family
				  : sockaddr_same_host(&p->remote, remote))
			return p;
	}
	return NULL;
}

/* Main mode 1 (responder): a new IKE_SA with our cookie, the transform chosen, message 2. */
static struct ike_sa *mm_respond_1(struct espnicd *d, const struct sockaddr_storage *local,
				   const struct sockaddr_storage *remote,
				   const struct ikev1_message *msg)
{
	const struct ikev1_payload *sa_p = ikev1_message_find(msg, IKEV1_PAYLOAD_SA, 0);
	const struct cfg_peer *peer = find_v1_peer(d, local, remote);
	bool aggressive = msg->header.exchange_type == IKEV1_EXCHANGE_AGGRESSIVE;
	struct ikev1_sa_payload *answer;
	struct ikev1_payload p[10];
	struct ike_sa *sa;
	size_t alen;
	const uint8_t *a = sockaddr_addr(remote, &alen);
	char addr[64];
	int idx, len;

	sockaddr_describe(remote, addr, sizeof(addr));
	if (peer == NULL) {
		log_unauth(d, LOG_LEVEL_INFO,
			   "IKEv1 main mode from %s: no peer with version 1 "
			   "configured for it, dropped",
			   addr);
		return NULL;
	}
	if (aggressive && !peer->aggressive) {
		log_unauth(d, LOG_LEVEL_WARN,
			   "%s: IKEv1 aggressive mode from %s refused: not enabled for this peer "
			   "(\"aggressive\": true; its PSK hash can be attacked offline)",
			   peer->name, addr);
		return NULL;
	}
	if (sa_p == NULL || sa_p->body.len > V1_SAI_MAX) {
		log_unauth(d, LOG_LEVEL_INFO, "IKEv1 main mode from %s without a usable SA payload",
			   addr);
		return NULL;
	}
	if (half_open_count(d) >= d->cfg->half_open_max ||
	    (d->cfg->half_open_per_source &&
	     half_open_from(d, remote) >= d->cfg->half_open_per_source)) {
		log_unauth(d, LOG_LEVEL_WARN, "IKEv1 main mode from %s dropped: half-open limit",
			   addr);
		return NULL;
	}
	sa = ike_sa_new(d, peer, false);
	if (sa == NULL)
		return NULL;
	if ((sa->v1 = secmem_zalloc(sizeof(*sa->v1))) == NULL) {
		ike_sa_kill(sa, "out of memory");
		return NULL;
	}
	sa->local = *local;
	sa->remote = *remote;
	memcpy(sa->spi_i, msg->header.spi_i, IKEV1_COOKIE_LEN);
	/* Our cookie as RFC 2408 2.5.3 makes it: from a secret, the address and CKY-I. */
	sa_index_remove(sa);
	ikev1_cookie_make(d->cookie_secret, a, alen, sockaddr_port(remote), sa->spi_i, sa->spi_r);
	sa_index_add(sa);
	sa_index_add_peer(sa);
	ike_sa_set_state(sa, IKE_SA_INIT_DONE);
	sa->dead_at = now_ms(d) + HALF_OPEN_TIMEOUT_MS;
	vendor_ids(sa, msg);
	idx = p1_choose(sa, sa_p->u.sa, &sa->v1->suite);
	if (idx < 0) {
		log_error("%s: no acceptable IKEv1 proposal from %s, answering NO-PROPOSAL-CHOSEN",
			  sa_name(sa), addr);
		v1_send_notify_clear(sa, IKEV1_N_NO_PROPOSAL_CHOSEN);
		ike_sa_kill(sa, "no proposal chosen");
		return NULL;
	}
	memcpy(sa->v1->sai_b, sa_p->body.ptr, sa_p->body.len);
	sa->v1->sai_len = sa_p->body.len;
	answer = calloc(1, sizeof(*answer));
	if (answer == NULL) {
		ike_sa_kill(sa, "out of memory");
		return NULL;
	}
	answer->doi = IKEV1_DOI_IPSEC;
	answer->situation = IKEV1_SIT_IDENTITY;
	answer->proposal_count = answer->transform_count = 1;
	answer->transforms[0] = sa_p->u.sa->transforms[idx];
	for (unsigned k = 0; k < sa_p->u.sa->proposal_count; k++) {
		const struct ikev1_proposal *pr = &sa_p->u.sa->proposals[k];

		if (idx >= pr->first_transform && idx < pr->first_transform + pr->transform_count)
			answer->proposals[0] = *pr;
	}
	answer->proposals[0].transform_count = 1;
	answer->proposals[0].first_transform = 0;
	p[0] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_SA, .u.sa = answer};
	if (aggressive) {
		len = am_respond_1(sa, msg, p, 1 + vendor_build(&p[1]));
		free(answer);
		return len < 0 ? NULL : sa;
	}
	len = v1_clear(sa, IKEV1_EXCHANGE_MAIN, p, 1 + vendor_build(&p[1]), sa->v1->out,
		       sizeof(sa->v1->out));
	free(answer);
	if (len < 0) {
		ike_sa_kill(sa, "IKEv1 message not encodable");
		return NULL;
	}
	sa->v1->st = V1_MM_R1;
	log_info("%s: IKEv1 main mode from %s, transform %u chosen", sa_name(sa), addr,
		 sa_p->u.sa->transforms[idx].number);
	v1_send(sa, sa->v1->out, (size_t)len, false);
	return sa;
}

/* Our DH value and nonce as the KE and NONCE payloads p[0], p[1]. */
static int ke_nonce_make(struct ike_sa *sa, struct ikev1_payload *p)
{
	struct ikev1_sa *v = sa->v1;
	uint8_t *pub = sa->initiator ? v->gxi : v->gxr, *nonce = sa->initiator ? sa->ni : sa->nr;
	size_t *pub_len = sa->initiator ? &v->gxi_len : &v->gxr_len;
	int n;

	if (ike_dh_new(v->suite.group->id, &sa->dh) < 0 ||
	    (n = ike_dh_public(sa->dh, pub, IKE_MAX_DH_PUBLIC)) < 0 ||
	    random_bytes(nonce, V1_NONCE) < 0)
		return -EINVAL;
	*pub_len = (size_t)n;
	if (sa->initiator)
		sa->ni_len = V1_NONCE;
	else
		sa->nr_len = V1_NONCE;
	p[0] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_KE, .u.ke = sp(pub, *pub_len)};
	p[1] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_NONCE, .u.nonce = sp(nonce, V1_NONCE)};
	return 0;
}

/* KE, nonce and the NAT-D pair of main mode 3 / 4. */
static int mm_send_ke(struct ike_sa *sa)
{
	struct ikev1_sa *v = sa->v1;
	struct ikev1_payload p[4];
	uint8_t natd[2][64];
	int len;

	if (ke_nonce_make(sa, p) < 0)
		return -EINVAL;
	len = v1_clear(sa, IKEV1_EXCHANGE_MAIN, p, 2 + natd_build(sa, &p[2], natd), v->out,
		       sizeof(v->out));
	if (len < 0)
		return len;
	v1_send(sa, v->out, (size_t)len, sa->initiator);
	return 0;
}

/* The peer's KE and nonce of main mode 3 / 4; then SKEYID and the rest (RFC 2409 5). */
static int mm_take_ke(struct ike_sa *sa, const struct ikev1_message *msg)
{
	struct ikev1_sa *v = sa->v1;
	const struct ikev1_payload *ke = ikev1_message_find(msg, IKEV1_PAYLOAD_KE, 0);
	const struct ikev1_payload *nonce = ikev1_message_find(msg, IKEV1_PAYLOAD_NONCE, 0);
	uint8_t *peer_pub = sa->initiator ? v->gxr : v->gxi,
		*peer_nonce = sa->initiator ? sa->nr : sa->ni;
	size_t *peer_pub_len = sa->initiator ? &v->gxr_len : &v->gxi_len,
	       *peer_nonce_len = sa->initiator ? &sa->nr_len : &sa->ni_len;

	if (ke == NULL || nonce == NULL || ke->u.ke.len != v->suite.group->public_len ||
	    nonce->u.nonce.len < IKEV1_NONCE_MIN_LEN || nonce->u.nonce.len > IKEV1_NONCE_MAX_LEN)
		return -EBADMSG;
	memcpy(peer_pub, ke->u.ke.ptr, ke->u.ke.len);
	*peer_pub_len = ke->u.ke.len;
	memcpy(peer_nonce, nonce->u.nonce.ptr, nonce->u.nonce.len);
	*peer_nonce_len = nonce->u.nonce.len;
	return 0;
}

static int mm_keys(struct ike_sa *sa)
{
	struct ikev1_sa *v = sa->v1;
	uint8_t gxy[IKE_MAX_DH_SECRET], skeyid[IKE_MAX_PRF_LEN];
	const uint8_t *peer_pub = sa->initiator ? v->gxr : v->gxi;
	size_t peer_len = sa->initiator ? v->gxr_len : v->gxi_len;
	int n = ike_dh_compute(sa->dh, peer_pub, peer_len, gxy, sizeof(gxy)), ret = -EINVAL;

	if (n > 0 &&
	    ikev1_skeyid_psk(v->suite.prf, sa->peer.psk, sa->peer.psk_len, sp(sa->ni, sa->ni_len),
			     sp(sa->nr, sa->nr_len), skeyid) == 0 &&
	    ikev1_derive_sa_keys(v->suite.prf, v->suite.encr, skeyid, sp(gxy, (size_t)n), sa->spi_i,
				 sa->spi_r, &v->keys) == 0 &&
	    ikev1_iv_phase1(v->suite.prf, v->suite.encr, sp(v->gxi, v->gxi_len),
			    sp(v->gxr, v->gxr_len), &v->iv) == 0)
		ret = 0;
	OPENSSL_cleanse(gxy, sizeof(gxy));
	OPENSSL_cleanse(skeyid, sizeof(skeyid));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	return ret;
}

static void float_natt(struct ike_sa *sa)
{
	if (!sa->natt || sockaddr_port(&sa->local) == sa->d->cfg->natt_port)
		return;
	sockaddr_set_port(&sa->local, sa->d->cfg->natt_port);
	sockaddr_set_port(&sa->remote, 4500);
}

/* Our ID: local_id, else our address. */
static void own_id(struct ike_sa *sa, struct ikev1_payload *p)
{
	size_t alen;
	const uint8_t *a;

	*p = (struct ikev1_payload){.type = IKEV1_PAYLOAD_ID};
	if (sa->peer.lid.type != 0) {
		p->u.id.id_type = sa->peer.lid.type;
		p->u.id.data = sp(sa->peer.lid.data, sa->peer.lid.len);
	} else {
		a = sockaddr_addr(&sa->peer.local, &alen);
		p->u.id.id_type = alen == 4 ? IKEV1_ID_IPV4_ADDR : IKEV1_ID_IPV6_ADDR;
		p->u.id.data = sp(a, alen);
	}
	p->u.id.protocol = 17;
	p->u.id.port = 500;
}

/* HASH_I / HASH_R over our ID payload id, as the HASH payload *out (value in hash). */
static int own_hash(struct ike_sa *sa, const struct ikev1_payload *id, uint8_t *hash,
		    struct ikev1_payload *out)
{
	struct ikev1_sa *v = sa->v1;
	uint8_t buf[512];
	int len = v1_chain(id, 1, buf, sizeof(buf));

	if (len < 0 ||
	    ikev1_hash_phase1(
		v->suite.prf, v->keys.skeyid, sa->initiator, sp(v->gxi, v->gxi_len),
		sp(v->gxr, v->gxr_len), sa->spi_i, sa->spi_r, sp(v->sai_b, v->sai_len),
		sp(buf + IKE_GENERIC_HEADER_LEN, (size_t)len - IKE_GENERIC_HEADER_LEN), hash) < 0)
		return -EINVAL;
	*out = (struct ikev1_payload){.type = IKEV1_PAYLOAD_HASH,
				      .u.hash = sp(hash, v->suite.prf->out_len)};
	return 0;
}

/* The initiator's INITIAL-CONTACT (not on a phase-1 rekey, not with unique_ids never) into
 * *p; returns how many payloads (0 or 1). */
static size_t initial_contact_build(struct ike_sa *sa, uint8_t cookies[16], struct ikev1_payload *p)
{
	if (!sa->initiator || sa->peer.unique == CFG_UNIQUE_NEVER || sa->v1->replaces != 0)
		return 0;
	memcpy(cookies, sa->spi_i, 8);
	memcpy(cookies + 8, sa->spi_r, 8);
	*p = (struct ikev1_payload){.type = IKEV1_PAYLOAD_NOTIFY};
	p->u.notify.doi = IKEV1_DOI_IPSEC;
	p->u.notify.protocol = IKEV1_PROTO_ISAKMP;
	p->u.notify.spi_size = 16;
	p->u.notify.spi = sp(cookies, 16);
	p->u.notify.type = IKEV1_N_INITIAL_CONTACT;
	return 1;
}

/* Main mode 5 / 6: ID, HASH_I / HASH_R, and INITIAL-CONTACT from the initiator. */
static int mm_send_id(struct ike_sa *sa)
{
	struct ikev1_sa *v = sa->v1;
	struct ikev1_payload p[3];
	uint8_t plain[1024], hash[IKE_MAX_PRF_LEN], cookies[16];
	size_t n = 2;
	int len;

	own_id(sa, &p[0]);
	if (own_hash(sa, &p[0], hash, &p[1]) < 0)
		return -EINVAL;
	n += initial_contact_build(sa, cookies, &p[2]);
	len = v1_chain(p, n, plain, sizeof(plain));
	if (len < 0)
		return len;
	len = v1_seal(sa, IKEV1_EXCHANGE_MAIN, 0, &v->iv, IKEV1_PAYLOAD_ID, plain, (size_t)len,
		      v->out, sizeof(v->out));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (len < 0)
		return len;
	v1_send(sa, v->out, (size_t)len, sa->initiator);
	return 0;
}

/* The peer's HASH_I / HASH_R over its ID payload body id_b, and its identity. */
static bool verify_hash(struct ike_sa *sa, struct ike_span id_b, const struct ikev1_payload *hash)
{
	struct ikev1_sa *v = sa->v1;
	uint8_t want[IKE_MAX_PRF_LEN];

	if (id_b.len < 4 || hash == NULL ||
	    ikev1_hash_phase1(v->suite.prf, v->keys.skeyid, !sa->initiator, sp(v->gxi, v->gxi_len),
			      sp(v->gxr, v->gxr_len), sa->spi_i, sa->spi_r,
			      sp(v->sai_b, v->sai_len), id_b, want) < 0 ||
	    hash->u.hash.len != v->suite.prf->out_len ||
	    CRYPTO_memcmp(want, hash->u.hash.ptr, v->suite.prf->out_len) != 0) {
		log_error("%s: authentication of the peer failed: its HASH_%s does not match our "
			  "pre-shared key (PSK mismatch)",
			  sa_name(sa), sa->initiator ? "R" : "I");
		return false;
	}
	if (sa->peer.rid.type != 0 &&
	    !cfg_id_equal(&sa->peer.rid, id_b.ptr[0], sp(id_b.ptr + 4, id_b.len - 4))) {
		log_error("%s: the peer authenticated with an identity other than remote_id \"%s\"",
			  sa_name(sa), sa->peer.remote_id);
		return false;
	}
	return true;
}

/* Responder: several peers may share the addresses (many tunnels between two gateways).
 * Main mode picked the first; its PSK keyed the exchange, so the peer whose remote_id the
 * initiator's ID names may take over only when it has the same PSK and accepts the suite. */
static void switch_peer(struct ike_sa *sa, const struct ikev1_payload *id)
{
	const struct espnicd_config *cfg = sa->d->cfg;

	if (sa->initiator || id == NULL || sa->peer.rid.type == 0 ||
	    cfg_id_equal(&sa->peer.rid, id->u.id.id_type, id->u.id.data))
		return;
	for (unsigned i = 0; i < cfg->peer_count; i++) {
		const struct cfg_peer *p = &cfg->peers[i];
		struct sockaddr_storage local = sa->local, remote = sa->remote;

		if ((p->version != 1 && p->version != CFG_IKE_FLEX) || p->rid.type == 0 ||
		    !cfg_id_equal(&p->rid, id->u.id.id_type, id->u.id.data) ||
		    !sockaddr_same_host(&p->local, &sa->local) ||
		    !(p->remote_any || sockaddr_same_host(&p->remote, &sa->remote)) ||
		    p->psk_len != sa->peer.psk_len ||
		    CRYPTO_memcmp(p->psk, sa->peer.psk, p->psk_len) != 0 ||
		    !p1_ours(p, &sa->v1->suite))
			continue;
		log_debug("%s: the initiator's identity is peer %s's", sa_name(sa), p->name);
		config_peer_release(&sa->peer);
		config_peer_copy(&sa->peer, p);
		sa->local = local;
		sa->remote = remote;
		return;
	}
}

/* The peer's ID and HASH of main mode 5 / 6, decrypted into msg. */
static bool mm_verify_id(struct ike_sa *sa, const struct ikev1_message *msg)
{
	const struct ikev1_payload *id = ikev1_message_find(msg, IKEV1_PAYLOAD_ID, 0);

	switch_peer(sa, id);
	return verify_hash(sa, id ? id->u.id.body : sp(NULL, 0),
			   ikev1_message_find(msg, IKEV1_PAYLOAD_HASH, 0));
}

static void initial_contact(struct ike_sa *sa)
{
	for (struct ike_sa *x = sa->d->sas; x != NULL; x = x->next)
		if (x != sa && x->v1 != NULL && x->state == IKE_SA_ESTABLISHED &&
		    strcmp(x->peer.name, sa->peer.name) == 0)
			ike_sa_kill(x, "the peer sent INITIAL-CONTACT (it restarted)");
}

/* A Delete of the ISAKMP SA itself (its cookies as SPI). */
static void send_isakmp_delete(struct ike_sa *sa)
{
	struct ikev1_payload p = {.type = IKEV1_PAYLOAD_DELETE};
	uint8_t cookies[16];

	memcpy(cookies, sa->spi_i, 8);
	memcpy(cookies + 8, sa->spi_r, 8);
	p.u.del.doi = IKEV1_DOI_IPSEC;
	p.u.del.protocol = IKEV1_PROTO_ISAKMP;
	p.u.del.spi_size = 16;
	p.u.del.spi_count = 1;
	p.u.del.spis = sp(cookies, 16);
	v1_send_info(sa, &p);
}

/* A phase-1 rekey (RFC 2409 has none: a new main mode, the IPsec SAs carry on): the new
 * ISAKMP SA takes over the CHILD_SAs of the one it replaces (ours: the one we rekeyed; as
 * responder: the peer's established one, when no INITIAL-CONTACT came). The initiator
 * deletes the old one; the responder waits REKEYED_TIMEOUT_MS for the peer's Delete. */
static void adopt(struct ike_sa *sa)
{
	struct ike_sa *old = NULL;
	struct child_sa **tail;

	for (struct ike_sa *x = sa->d->sas; x != NULL && old == NULL; x = x->next)
		if (x != sa && x->v1 != NULL && x->state == IKE_SA_ESTABLISHED &&
		    strcmp(x->peer.name, sa->peer.name) == 0 &&
		    (sa->initiator ? x->unique_id == sa->v1->replaces : true))
			old = x;
	if (old == NULL)
		return;
	for (tail = &sa->children; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = old->children;
	old->children = NULL;
	log_info("%s: IKE_SA rekeyed: %s takes over its CHILD_SAs (new main mode)", sa_name(old),
		 sa_name(sa));
	if (sa->initiator) {
		send_isakmp_delete(old);
		ike_sa_kill(old, "rekeyed");
	} else {
		ike_sa_set_state(old, IKE_SA_REKEYED);
		old->dead_at = now_ms(sa->d) + REKEYED_TIMEOUT_MS;
	}
}

static void mm_established(struct ike_sa *sa)
{
	/* What status output shows (the hash's HMAC is the PRF and the integrity). */
	sa->proposal.encr = sa->v1->suite.encr->id;
	sa->proposal.encr_bits = sa->v1->suite.encr->key_bits;
	sa->proposal.prf = sa->v1->suite.prf->id;
	sa->proposal.dh = sa->v1->suite.group->id;
	ike_sa_established(sa);
	sa->v1->st = V1_EST;
	log_info("%s: IKEv1 IKE_SA established (main mode, PSK, %s%s)", sa_name(sa),
		 sa->initiator ? "initiator" : "responder", sa->natt ? ", NAT-T" : "");
	adopt(sa);
}

/* The main mode messages after the first, both roles. plain: room for a decrypted body. */
static void mm_process(struct ike_sa *sa, struct ikev1_message *msg,
		       const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
		       uint8_t *plain, size_t cap)
{
	struct ikev1_sa *v = sa->v1;
	struct ikev1_iv next;
	char why[160];

	switch (v->st) {
	case V1_MM_I1: {
		const struct ikev1_payload *sa_p = ikev1_message_find(msg, IKEV1_PAYLOAD_SA, 0);
		const struct ikev1_sa_payload *a = sa_p ? sa_p->u.sa : NULL;

		if (a == NULL || a->proposal_count != 1 || a->transform_count != 1 ||
		    ikev1_policy_phase1(&a->transforms[0], &v->suite, why, sizeof(why)) < 0 ||
		    !p1_ours(&sa->peer, &v->suite)) {
			log_error("%s: the peer chose an IKEv1 proposal we did not offer",
				  sa_name(sa));
			sa_kill_v1(sa, "no proposal chosen");
			return;
		}
		sa_index_remove(sa);
		memcpy(sa->spi_r, msg->header.spi_r, IKEV1_COOKIE_LEN);
		sa_index_add(sa);
		vendor_ids(sa, msg);
		if (mm_send_ke(sa) < 0)
			sa_kill_v1(sa, "key exchange failed");
		else
			v->st = V1_MM_I2;
		return;
	}
	case V1_MM_R1:
		if (mm_take_ke(sa, msg) < 0) {
			log_unauth(sa->d, LOG_LEVEL_INFO, "%s: IKEv1 main mode 3 unusable, dropped",
				   sa_name(sa));
			return;
		}
		natd_process(sa, msg);
		if (mm_send_ke(sa) < 0 || mm_keys(sa) < 0) {
			sa_kill_v1(sa, "key exchange failed");
			return;
		}
		v->st = V1_MM_R2;
		return;
	case V1_MM_I2:
		if (mm_take_ke(sa, msg) < 0 || mm_keys(sa) < 0) {
			log_error("%s: IKEv1 main mode 4 unusable", sa_name(sa));
			sa_kill_v1(sa, "key exchange failed");
			return;
		}
		natd_process(sa, msg);
		float_natt(sa);
		if (mm_send_id(sa) < 0)
			sa_kill_v1(sa, "main mode 5 not encodable");
		else
			v->st = V1_MM_I3;
		return;
	case V1_MM_R2:
	case V1_MM_I3:
		if (v1_open(sa, msg, &v->iv, &next, plain, cap) < 0) {
			log_error("%s: authentication of the peer failed: main mode %u does not "
				  "decrypt to a valid message (PSK mismatch)",
				  sa_name(sa), v->st == V1_MM_R2 ? 5 : 6);
			if (v->st == V1_MM_R2)
				v1_send_notify_clear(sa, IKEV1_N_INVALID_HASH_INFORMATION);
			sa_kill_v1(sa, "authentication failed");
			return;
		}
		if (!mm_verify_id(sa, msg)) {
			if (v->st == V1_MM_R2)
				v1_send_notify_clear(sa, IKEV1_N_AUTHENTICATION_FAILED);
			sa_kill_v1(sa, "authentication failed");
			return;
		}
		v->iv = next;
		if (sa->natt || sockaddr_port(local) == sa->d->cfg->natt_port) {
			sa->local = *local;
			sa->remote = *remote;
		}
		if (v->st == V1_MM_R2) {
			if (ikev1_message_find_notify(msg, IKEV1_N_INITIAL_CONTACT) != NULL &&
			    sa->peer.unique != CFG_UNIQUE_NEVER)
				initial_contact(sa);
			if (mm_send_id(sa) < 0) {
				sa_kill_v1(sa, "main mode 6 not encodable");
				return;
			}
			mm_established(sa);
		} else {
			v->awaiting = false;
			mm_established(sa);
			if (sa->children == NULL && v1_quick_start(sa, NULL) < 0)
				log_error("%s: quick mode not started", sa_name(sa));
		}
		return;
	default:
		log_unauth(sa->d, LOG_LEVEL_DEBUG, "%s: main mode message in state %d dropped",
			   sa_name(sa), v->st);
	}
}

/* ---- aggressive mode (RFC 2409 5.4, NAT-D in messages 2 and 3 as RFC 3947 has them) ----
 * With PSK only, and only for peers with "aggressive": true: the responder's HASH_R goes out
 * before the initiator has authenticated, so anyone who asks gets material to guess the
 * PSK offline. */

/* Responder, message 1: the peer's KE, nonce and identity; our keys; message 2 (p[0..n) holds
 * the SA answer and our vendor IDs already). */
static int am_respond_1(struct ike_sa *sa, const struct ikev1_message *msg, struct ikev1_payload *p,
			size_t n)
{
	struct ikev1_sa *v = sa->v1;
	const struct ikev1_payload *id = ikev1_message_find(msg, IKEV1_PAYLOAD_ID, 0);
	uint8_t hash[IKE_MAX_PRF_LEN], natd[2][64];
	int len;

	if (id == NULL || id->u.id.body.len > sizeof(v->peer_id_b) || mm_take_ke(sa, msg) < 0) {
		log_unauth(sa->d, LOG_LEVEL_INFO, "%s: IKEv1 aggressive mode 1 unusable, dropped",
			   sa_name(sa));
		ike_sa_kill(sa, NULL);
		return -EBADMSG;
	}
	if (sa->peer.rid.type != 0 &&
	    !cfg_id_equal(&sa->peer.rid, id->u.id.id_type, id->u.id.data)) {
		log_unauth(sa->d, LOG_LEVEL_ERROR,
			   "%s: aggressive mode from an identity other than remote_id \"%s\", "
			   "dropped",
			   sa_name(sa), sa->peer.remote_id);
		ike_sa_kill(sa, NULL);
		return -EACCES;
	}
	memcpy(v->peer_id_b, id->u.id.body.ptr, id->u.id.body.len);
	v->peer_id_len = id->u.id.body.len;
	if (ke_nonce_make(sa, &p[n]) < 0 || mm_keys(sa) < 0) {
		ike_sa_kill(sa, "key exchange failed");
		return -EINVAL;
	}
	n += 2;
	own_id(sa, &p[n]);
	if (own_hash(sa, &p[n], hash, &p[n + 1]) < 0) {
		ike_sa_kill(sa, "HASH_R not computed");
		return -EINVAL;
	}
	n += 2;
	n += natd_build(sa, &p[n], natd);
	len = v1_clear(sa, IKEV1_EXCHANGE_AGGRESSIVE, p, n, v->out, sizeof(v->out));
	if (len < 0) {
		ike_sa_kill(sa, "IKEv1 message not encodable");
		return len;
	}
	v->st = V1_AM_R1;
	log_warn("%s: IKEv1 aggressive mode: HASH_R sent before the initiator authenticated (its "
		 "PSK hash can be attacked offline)",
		 sa_name(sa));
	v1_send(sa, v->out, (size_t)len, false);
	return 0;
}

/* Initiator: message 1 after the SA offer (one DH group: the KE goes with it). */
static int am_initiate(struct ike_sa *sa, struct ikev1_sa_payload *offer, struct ikev1_payload *p,
		       size_t n)
{
	struct ikev1_sa *v = sa->v1;
	unsigned k = 0;

	for (unsigned i = 0; i < offer->transform_count; i++)
		if (offer->transforms[i].group == offer->transforms[0].group) {
			offer->transforms[k] = offer->transforms[i];
			offer->transforms[k].number = (uint8_t)(k + 1);
			k++;
		}
	offer->transform_count = (uint8_t)k;
	offer->proposals[0].transform_count = (uint8_t)k;
	v->suite.group = ike_dh_lookup(offer->transforms[0].group);
	if (v->suite.group == NULL || ke_nonce_make(sa, &p[n]) < 0)
		return -EINVAL;
	own_id(sa, &p[n + 2]);
	return (int)n + 3;
}

/* Initiator, message 2: check, keys, HASH_R; message 3 (encrypted: HASH_I, NAT-D,
 * INITIAL-CONTACT). */
static void am_complete(struct ike_sa *sa, const struct ikev1_message *msg)
{
	struct ikev1_sa *v = sa->v1;
	const struct ikev1_payload *id = ikev1_message_find(msg, IKEV1_PAYLOAD_ID, 0);
	struct ikev1_payload p[5], ours;
	uint8_t hash[IKE_MAX_PRF_LEN], natd[2][64], cookies[16], plain[1024];
	size_t n = 1;
	int len;

	if (mm_take_ke(sa, msg) < 0 || mm_keys(sa) < 0) {
		log_error("%s: IKEv1 aggressive mode 2 unusable", sa_name(sa));
		sa_kill_v1(sa, "key exchange failed");
		return;
	}
	if (!verify_hash(sa, id ? id->u.id.body : sp(NULL, 0),
			 ikev1_message_find(msg, IKEV1_PAYLOAD_HASH, 0))) {
		sa_kill_v1(sa, "authentication failed");
		return;
	}
	natd_process(sa, msg);
	float_natt(sa);
	own_id(sa, &ours);
	if (own_hash(sa, &ours, hash, &p[0]) < 0) {
		sa_kill_v1(sa, "HASH_I not computed");
		return;
	}
	n += natd_build(sa, &p[n], natd);
	n += initial_contact_build(sa, cookies, &p[n]);
	len = v1_chain(p, n, plain, sizeof(plain));
	if (len > 0)
		len = v1_seal(sa, IKEV1_EXCHANGE_AGGRESSIVE, 0, &v->iv, IKEV1_PAYLOAD_HASH, plain,
			      (size_t)len, v->out, sizeof(v->out));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (len < 0) {
		sa_kill_v1(sa, "aggressive mode 3 not encodable");
		return;
	}
	v1_send(sa, v->out, (size_t)len, false);
	mm_established(sa);
	if (sa->children == NULL && v1_quick_start(sa, NULL) < 0)
		log_error("%s: quick mode not started", sa_name(sa));
}

/* Responder, message 3: HASH_I (encrypted or not, implementations differ), NAT-D. */
static void am_finish(struct ike_sa *sa, struct ikev1_message *msg,
		      const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
		      uint8_t *plain, size_t cap)
{
	struct ikev1_sa *v = sa->v1;
	struct ikev1_iv next = v->iv;

	if ((msg->header.flags & IKEV1_FLAG_ENCRYPTION) &&
	    v1_open(sa, msg, &v->iv, &next, plain, cap) < 0) {
		log_error("%s: authentication of the peer failed: aggressive mode 3 does not "
			  "decrypt to a valid message (PSK mismatch)",
			  sa_name(sa));
		sa_kill_v1(sa, "authentication failed");
		return;
	}
	if (!verify_hash(sa, sp(v->peer_id_b, v->peer_id_len),
			 ikev1_message_find(msg, IKEV1_PAYLOAD_HASH, 0))) {
		sa_kill_v1(sa, "authentication failed");
		return;
	}
	v->iv = next;
	natd_process(sa, msg);
	if (sa->natt || sockaddr_port(local) == sa->d->cfg->natt_port) {
		sa->local = *local;
		sa->remote = *remote;
	}
	if (ikev1_message_find_notify(msg, IKEV1_N_INITIAL_CONTACT) != NULL &&
	    sa->peer.unique != CFG_UNIQUE_NEVER)
		initial_contact(sa);
	mm_established(sa);
}

static void am_process(struct ike_sa *sa, struct ikev1_message *msg,
		       const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
		       uint8_t *plain, size_t cap)
{
	struct ikev1_sa *v = sa->v1;
	const struct ikev1_payload *sa_p = ikev1_message_find(msg, IKEV1_PAYLOAD_SA, 0);
	const struct ikev1_sa_payload *a = sa_p ? sa_p->u.sa : NULL;
	char why[160];

	if (v->st == V1_AM_R1) {
		am_finish(sa, msg, local, remote, plain, cap);
		return;
	}
	if (v->st != V1_AM_I1 || (msg->header.flags & IKEV1_FLAG_ENCRYPTION))
		return;
	if (a == NULL || a->proposal_count != 1 || a->transform_count != 1 ||
	    ikev1_policy_phase1(&a->transforms[0], &v->suite, why, sizeof(why)) < 0 ||
	    !p1_ours(&sa->peer, &v->suite)) {
		log_error("%s: the peer chose an IKEv1 proposal we did not offer", sa_name(sa));
		sa_kill_v1(sa, "no proposal chosen");
		return;
	}
	sa_index_remove(sa);
	memcpy(sa->spi_r, msg->header.spi_r, IKEV1_COOKIE_LEN);
	sa_index_add(sa);
	vendor_ids(sa, msg);
	v->awaiting = false;
	am_complete(sa, msg);
}

/* A cleartext informational of phase 1: the peer's refusal, unauthenticated. */
static void clear_informational(struct ike_sa *sa, const struct ikev1_message *msg)
{
	const struct ikev1_payload *n = ikev1_message_find(msg, IKEV1_PAYLOAD_NOTIFY, 0);

	if (n == NULL || sa->v1->st == V1_EST)
		return;
	log_error("%s: peer answered %s (%u)%s", sa_name(sa), v1_notify_name(n->u.notify.type),
		  n->u.notify.type,
		  n->u.notify.type == IKEV1_N_NO_PROPOSAL_CHOSEN ? ": no IKE proposal in common"
		  : n->u.notify.type == IKEV1_N_INVALID_HASH_INFORMATION ||
			  n->u.notify.type == IKEV1_N_AUTHENTICATION_FAILED
		      ? ": pre-shared key or identity mismatch"
		      : "");
	/* Anyone could have sent it: acted on only when our request times out. */
	sa->v1->failure =
	    n->u.notify.type == IKEV1_N_NO_PROPOSAL_CHOSEN ? "no proposal chosen" : "peer refused";
	if (sa->v1->st == V1_MM_I1 && n->u.notify.type == IKEV1_N_NO_PROPOSAL_CHOSEN)
		sa_kill_v1(sa, sa->v1->failure);
}

static struct ike_sa *v1_lookup(struct espnicd *d, const struct ike_header *h)
{
	static const uint8_t zero[8];

	for (struct ike_sa *sa = sa_index_by_spi(d, h->spi_r); sa != NULL; sa = sa->spi_next)
		if (sa->v1 != NULL && !sa->initiator && sa->state != IKE_SA_DEAD &&
		    memcmp(sa->spi_r, h->spi_r, 8) == 0 && memcmp(sa->spi_i, h->spi_i, 8) == 0)
			return sa;
	for (struct ike_sa *sa = sa_index_by_spi(d, h->spi_i); sa != NULL; sa = sa->spi_next)
		if (sa->v1 != NULL && sa->initiator && sa->state != IKE_SA_DEAD &&
		    memcmp(sa->spi_i, h->spi_i, 8) == 0 &&
		    (memcmp(sa->spi_r, h->spi_r, 8) == 0 ||
		     ((sa->v1->st == V1_MM_I1 || sa->v1->st == V1_AM_I1) &&
		      memcmp(sa->spi_r, zero, 8) == 0)))
			return sa;
	return NULL;
}

static void digest(const uint8_t *buf, size_t len, uint8_t out[32])
{
	unsigned n = 32;

	EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL);
}

void ikev1_receive(struct espnicd *d, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote, const uint8_t *buf, size_t len)
{
	static const uint8_t zero[8];
	struct ikev1_message *msg = malloc(sizeof(*msg));
	uint8_t *plain = malloc(MAX_MESSAGE), dig[32];
	struct ike_sa *sa;
	int ret;

	if (msg == NULL || plain == NULL)
		goto out;
	ret = ikev1_message_parse(buf, len, msg);
	if (ret < 0) {
		log_unauth(d, LOG_LEVEL_DEBUG,
			   "IKEv1 datagram of %zu octets unparsable (%d), dropped", len, ret);
		goto out;
	}
	digest(buf, len, dig);
	sa = v1_lookup(d, &msg->header);
	if (sa == NULL &&
	    (msg->header.exchange_type == IKEV1_EXCHANGE_MAIN ||
	     msg->header.exchange_type == IKEV1_EXCHANGE_AGGRESSIVE) &&
	    memcmp(msg->header.spi_r, zero, 8) == 0) {
		/* A retransmitted first message finds its SA by the initiator's cookie. */
		for (sa = sa_index_by_peer(d, msg->header.spi_i, remote); sa != NULL;
		     sa = sa->peer_next)
			if (sa->v1 != NULL && memcmp(sa->spi_i, msg->header.spi_i, 8) == 0 &&
			    sockaddr_same_host(&sa->remote, remote))
				break;
		if (sa == NULL) {
			sa = mm_respond_1(d, local, remote, msg);
			goto done;
		}
	}
	if (sa == NULL) {
		log_unauth(d, LOG_LEVEL_DEBUG, "IKEv1 message for an unknown ISAKMP SA dropped");
		goto out;
	}
	if (sa->v1->last_in_valid && memcmp(dig, sa->v1->last_in, 32) == 0) {
		if (sa->v1->out_len > 0)
			send_raw(d, &sa->local, &sa->remote, sa->v1->out, sa->v1->out_len);
		goto out;
	}
	switch (msg->header.exchange_type) {
	case IKEV1_EXCHANGE_MAIN:
		if (msg->header.flags & IKEV1_FLAG_ENCRYPTION && sa->v1->st != V1_MM_R2 &&
		    sa->v1->st != V1_MM_I3)
			break;
		mm_process(sa, msg, local, remote, plain, MAX_MESSAGE);
		break;
	case IKEV1_EXCHANGE_AGGRESSIVE:
		am_process(sa, msg, local, remote, plain, MAX_MESSAGE);
		break;
	case IKEV1_EXCHANGE_QUICK:
		if (sa->v1->st == V1_EST && sa->state == IKE_SA_ESTABLISHED)
			v1_quick_process(sa, msg);
		break;
	case IKEV1_EXCHANGE_INFORMATIONAL:
		if (!(msg->header.flags & IKEV1_FLAG_ENCRYPTION))
			clear_informational(sa, msg);
		else if (sa->v1->st == V1_EST)
			v1_informational(sa, msg);
		break;
	default:
		break;
	}
done:
	if (sa != NULL && ike_sa_alive(d, sa)) {
		memcpy(sa->v1->last_in, dig, 32);
		sa->v1->last_in_valid = true;
	}
out:
	if (plain != NULL)
		OPENSSL_cleanse(plain, MAX_MESSAGE);
	free(plain);
	free(msg);
}

/* ---- informational ---- */

static void delete_payload(struct ike_sa *sa, const struct ikev1_delete_payload *del)
{
	if (del->protocol == IKEV1_PROTO_ISAKMP) {
		ike_sa_kill(sa, "deleted by the peer");
		return;
	}
	if (del->protocol != IKEV1_PROTO_IPSEC_ESP || del->spi_size != 4)
		return;
	for (unsigned i = 0; i < del->spi_count; i++) {
		uint32_t spi = get_be32(del->spis.ptr + 4 * i);
		struct child_sa *c = child_find_out(sa, spi);

		if (c == NULL)
			c = child_find_in(sa, spi);
		if (c == NULL)
			continue;
		log_info("%s: CHILD_SA %08x/%08x deleted by the peer", sa_name(sa), c->spi_in,
			 c->spi_out);
		child_sa_remove(sa, c);
	}
}

void v1_informational(struct ike_sa *sa, struct ikev1_message *msg)
{
	const struct ike_prf_alg *prf = sa->v1->suite.prf;
	const struct ikev1_payload *hash;
	uint8_t want[IKE_MAX_PRF_LEN], plain[2048];
	struct ikev1_iv iv, next;

	if (msg->header.message_id == 0 ||
	    ikev1_iv_exchange(prf, &sa->v1->iv, msg->header.message_id, &iv) < 0 ||
	    v1_open(sa, msg, &iv, &next, plain, sizeof(plain)) < 0 || msg->payload_count == 0 ||
	    (hash = &msg->payloads[0])->type != IKEV1_PAYLOAD_HASH ||
	    ikev1_hash_msgid(prf, sa->v1->keys.skeyid_a, msg->header.message_id, sp(NULL, 0),
			     ikev1_message_after(msg, hash), want) < 0 ||
	    hash->u.hash.len != prf->out_len ||
	    CRYPTO_memcmp(want, hash->u.hash.ptr, prf->out_len) != 0) {
		log_unauth(sa->d, LOG_LEVEL_DEBUG, "%s: informational failed its HASH, dropped",
			   sa_name(sa));
		return;
	}
	sa->last_received = now_ms(sa->d);
	for (size_t i = 1; i < msg->payload_count; i++) {
		const struct ikev1_payload *p = &msg->payloads[i];

		if (p->type == IKEV1_PAYLOAD_DELETE) {
			delete_payload(sa, &p->u.del);
		} else if (p->type == IKEV1_PAYLOAD_NOTIFY &&
			   p->u.notify.type == IKEV1_N_DPD_R_U_THERE) {
			struct ikev1_payload ack = *p;

			ack.u.notify.type = IKEV1_N_DPD_R_U_THERE_ACK;
			v1_send_info(sa, &ack);
		} else if (p->type == IKEV1_PAYLOAD_NOTIFY &&
			   p->u.notify.type == IKEV1_N_INITIAL_CONTACT) {
			if (sa->peer.unique != CFG_UNIQUE_NEVER)
				initial_contact(sa);
		} else if (p->type == IKEV1_PAYLOAD_NOTIFY &&
			   p->u.notify.type == IKEV1_N_DPD_R_U_THERE_ACK) {
			sa->v1->dpd_out = false;
			log_debug("%s: R-U-THERE-ACK", sa_name(sa));
		} else if (p->type == IKEV1_PAYLOAD_NOTIFY && p->u.notify.type < 8192) {
			log_error("%s: peer sent %s (%u)%s", sa_name(sa),
				  v1_notify_name(p->u.notify.type), p->u.notify.type,
				  sa->v1->qm.active && sa->v1->qm.initiator
				      ? ": our quick mode is given up"
				      : "");
			if (sa->v1->qm.active && sa->v1->qm.initiator) {
				v1_quick_clear(sa);
				sa->v1->awaiting = false;
			}
		}
	}
	OPENSSL_cleanse(plain, sizeof(plain));
}

/* ---- the queue and timers ---- */

static void delete_all(struct ike_sa *sa)
{
	while (sa->children != NULL)
		v1_delete_child(sa, sa->children);
	send_isakmp_delete(sa);
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
		if (v1_quick_start(sa, NULL) == 0)
			return;
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
	struct ikev1_payload p = {.type = IKEV1_PAYLOAD_NOTIFY};
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
	p.u.notify.doi = IKEV1_DOI_IPSEC;
	p.u.notify.protocol = IKEV1_PROTO_ISAKMP;
	p.u.notify.spi_size = 16;
	p.u.notify.spi = sp(cookies, 16);
	p.u.notify.type = IKEV1_N_DPD_R_U_THERE;
	p.u.notify.data = sp(seq, 4);
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
			send_isakmp_delete(sa);
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
