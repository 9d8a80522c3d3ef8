/* Main mode (RFC 2409 5) in both roles: the initiation (and a phase-1 rekey, a new main
 * mode), the responder's answer to a first message (its cookie from the COOKIE secret, RFC
 * 2408 2.5.3; aggressive mode branches off there), messages 3-6, and an ISAKMP SA coming up
 * (taking over the CHILD_SAs of the one it replaces). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1_internal.h"
#include "log.h"
#include "secmem.h"

/* Main mode 1. old: the ISAKMP SA this one replaces (a phase-1 rekey), or NULL. */
int v1_initiate(struct espnicd *d, const struct cfg_peer *peer, const struct ike_sa *old)
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
	v1_p1_offer(peer, offer);
	p[0] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_SA, .u.sa = offer};
	if (peer->aggressive && (len = v1_aggressive_initiate(sa, offer, p, n)) > 0)
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
	n += v1_vendor_build(&p[n]);
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

/* The peer a first message is for, if it is to be answered (else NULL, logged). */
static const struct cfg_peer *first_checks(struct espnicd *d, const struct sockaddr_storage *local,
					   const struct sockaddr_storage *remote,
					   const struct ikev1_message *msg, const char *addr)
{
	const struct ikev1_payload *sa_p = ikev1_message_find(msg, IKEV1_PAYLOAD_SA, 0);
	const struct cfg_peer *peer = find_v1_peer(d, local, remote);

	if (peer == NULL) {
		log_unauth(d, LOG_LEVEL_INFO,
			   "IKEv1 main mode from %s: no peer with version 1 "
			   "configured for it, dropped",
			   addr);
		return NULL;
	}
	if (msg->header.exchange_type == IKEV1_EXCHANGE_AGGRESSIVE && !peer->aggressive) {
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
	return peer;
}

/* Our answer to offer: its transform idx alone (calloc'd), as the SA payload *p. */
static struct ikev1_sa_payload *answer_of(const struct ikev1_sa_payload *offer, int idx,
					  struct ikev1_payload *p)
{
	struct ikev1_sa_payload *answer = calloc(1, sizeof(*answer));

	if (answer == NULL)
		return NULL;
	answer->doi = IKEV1_DOI_IPSEC;
	answer->situation = IKEV1_SIT_IDENTITY;
	answer->proposal_count = answer->transform_count = 1;
	answer->transforms[0] = offer->transforms[idx];
	for (unsigned k = 0; k < offer->proposal_count; k++) {
		const struct ikev1_proposal *pr = &offer->proposals[k];

		if (idx >= pr->first_transform && idx < pr->first_transform + pr->transform_count)
			answer->proposals[0] = *pr;
	}
	answer->proposals[0].transform_count = 1;
	answer->proposals[0].first_transform = 0;
	*p = (struct ikev1_payload){.type = IKEV1_PAYLOAD_SA, .u.sa = answer};
	return answer;
}

/* Our cookie as RFC 2408 2.5.3 makes it: from a secret, the address and CKY-I. */
static void responder_cookie(struct espnicd *d, const struct sockaddr_storage *remote,
			     const uint8_t *spi_i, uint8_t *spi_r)
{
	size_t alen;
	const uint8_t *a = sockaddr_addr(remote, &alen);

	ikev1_cookie_make(d->cookie_secret, a, alen, sockaddr_port(remote), spi_i, spi_r);
}

void v1_answer_1(struct espnicd *d, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *remote, const struct ikev1_message *msg,
		 const uint8_t *buf, size_t len)
{
	const struct ikev1_payload *sa_p = ikev1_message_find(msg, IKEV1_PAYLOAD_SA, 0);
	const struct cfg_peer *peer;
	struct ikev1_phase1_suite suite;
	struct ikev1_sa_payload *answer;
	struct ikev1_payload p[3];
	uint8_t spi_r[IKEV1_COOKIE_LEN], out[V1_MAX_OUT];
	char addr[64];
	int idx, n;

	sockaddr_describe(remote, addr, sizeof(addr));
	if ((peer = first_checks(d, local, remote, msg, addr)) == NULL)
		return;
	responder_cookie(d, remote, msg->header.spi_i, spi_r);
	idx = v1_p1_choose(d, peer, peer->name, sa_p->u.sa, &suite);
	if (idx < 0) {
		log_unauth(d, LOG_LEVEL_ERROR,
			   "%s: no acceptable IKEv1 proposal from %s, answering NO-PROPOSAL-CHOSEN",
			   peer->name, addr);
		v1_send_notify_cookies(d, local, remote, msg->header.spi_i, spi_r,
				       IKEV1_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if ((answer = answer_of(sa_p->u.sa, idx, &p[0])) == NULL)
		return;
	n = v1_clear_cookies(msg->header.spi_i, spi_r, IKEV1_EXCHANGE_MAIN, p,
			     1 + v1_vendor_build(&p[1]), out, sizeof(out));
	free(answer);
	if (n < 0)
		return;
	send_raw(d, local, remote, out, (size_t)n);
	v1_pending_add(d, msg->header.spi_i, spi_r, local, remote, buf, len);
	log_unauth(d, LOG_LEVEL_DEBUG,
		   "%s: IKEv1 main mode from %s answered (transform %u); no state until our "
		   "cookie comes back",
		   peer->name, addr, sa_p->u.sa->transforms[idx].number);
}

/* Main mode 1 (responder): a new IKE_SA with our cookie, the transform chosen, message 2. */
struct ike_sa *v1_respond_1(struct espnicd *d, const struct sockaddr_storage *local,
			    const struct sockaddr_storage *remote, const struct ikev1_message *msg,
			    bool answered)
{
	const struct ikev1_payload *sa_p = ikev1_message_find(msg, IKEV1_PAYLOAD_SA, 0);
	const struct cfg_peer *peer;
	bool aggressive = msg->header.exchange_type == IKEV1_EXCHANGE_AGGRESSIVE;
	struct ikev1_sa_payload *answer;
	struct ikev1_payload p[10];
	struct ike_sa *sa;
	char addr[64];
	int idx, len;

	sockaddr_describe(remote, addr, sizeof(addr));
	if ((peer = first_checks(d, local, remote, msg, addr)) == NULL)
		return NULL;
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
	sa_index_remove(sa);
	responder_cookie(d, remote, sa->spi_i, sa->spi_r);
	sa_index_add(sa);
	sa_index_add_peer(sa);
	ike_sa_set_state(sa, IKE_SA_INIT_DONE);
	sa->dead_at = now_ms(d) + HALF_OPEN_TIMEOUT_MS;
	v1_vendor_ids(sa, msg);
	idx = v1_p1_choose(d, &sa->peer, sa_name(sa), sa_p->u.sa, &sa->v1->suite);
	if (idx < 0) {
		log_error("%s: no acceptable IKEv1 proposal from %s, answering NO-PROPOSAL-CHOSEN",
			  sa_name(sa), addr);
		v1_send_notify_clear(sa, IKEV1_N_NO_PROPOSAL_CHOSEN);
		ike_sa_kill(sa, "no proposal chosen");
		return NULL;
	}
	memcpy(sa->v1->sai_b, sa_p->body.ptr, sa_p->body.len);
	sa->v1->sai_len = sa_p->body.len;
	if ((answer = answer_of(sa_p->u.sa, idx, &p[0])) == NULL) {
		ike_sa_kill(sa, "out of memory");
		return NULL;
	}
	if (aggressive) {
		len = v1_aggressive_respond_1(sa, msg, p, 1 + v1_vendor_build(&p[1]));
		free(answer);
		return len < 0 ? NULL : sa;
	}
	len = v1_clear(sa, IKEV1_EXCHANGE_MAIN, p, 1 + v1_vendor_build(&p[1]), sa->v1->out,
		       sizeof(sa->v1->out));
	free(answer);
	if (len < 0) {
		ike_sa_kill(sa, "IKEv1 message not encodable");
		return NULL;
	}
	sa->v1->st = V1_MM_R1;
	log_info("%s: IKEv1 main mode from %s, transform %u chosen%s", sa_name(sa), addr,
		 sa_p->u.sa->transforms[idx].number, answered ? ", our cookie came back" : "");
	if (answered)
		sa->v1->out_len = (size_t)len; /* what a repeated main mode 1 gets */
	else
		v1_send(sa, sa->v1->out, (size_t)len, false);
	return sa;
}

/* KE, nonce, CERTREQs (signatures) and the NAT-D pair of main mode 3 / 4. */
static int mm_send_ke(struct ike_sa *sa)
{
	struct ikev1_sa *v = sa->v1;
	struct ikev1_payload p[4 + CREDS_MAX_CA];
	uint8_t natd[2][64], names[1024];
	size_t n = 2;
	int len;

	if (v1_ke_nonce_make(sa, p) < 0)
		return -EINVAL;
	n += v1_certreqs(sa, &p[n], CREDS_MAX_CA, names, sizeof(names));
	n += v1_natd_build(sa, &p[n], natd);
	len = v1_clear(sa, IKEV1_EXCHANGE_MAIN, p, n, v->out, sizeof(v->out));
	if (len < 0)
		return len;
	v1_send(sa, v->out, (size_t)len, sa->initiator);
	return 0;
}

/* Main mode 5 / 6: ID, HASH_I / HASH_R (or CERTs and SIG_I / SIG_R, RFC 2409 5.1), and
 * INITIAL-CONTACT from the initiator. */
static int mm_send_id(struct ike_sa *sa)
{
	struct ikev1_sa *v = sa->v1;
	struct ikev1_payload p[3 + CREDS_MAX_CHAIN];
	uint8_t plain[V1_MAX_OUT], certs[V1_MAX_OUT], auth[V1_SIG_MAX], cookies[16];
	size_t n = 1;
	int len;

	v1_own_id(sa, &p[0]);
	if (sa->peer.auth == CFG_AUTH_PUBKEY) {
		n += v1_own_certs(sa, &p[n], CREDS_MAX_CHAIN, certs, sizeof(certs));
		len = v1_own_sig(sa, &p[0], auth, sizeof(auth), &p[n]);
	} else {
		len = v1_own_hash(sa, &p[0], auth, &p[n]);
	}
	if (len < 0)
		return -EINVAL;
	n++;
	n += v1_initial_contact_build(sa, cookies, &p[n]);
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

/* The peer's ID and HASH (or SIG) of main mode 5 / 6, decrypted into msg. */
static bool mm_verify_id(struct ike_sa *sa, const struct ikev1_message *msg)
{
	const struct ikev1_payload *id = ikev1_message_find(msg, IKEV1_PAYLOAD_ID, 0);

	v1_switch_peer(sa, id);
	if (sa->v1->suite.auth_method != IKEV1_AUTH_PSK)
		return v1_verify_sig(sa, id ? id->u.id.body : sp(NULL, 0), msg);
	return v1_verify_hash(sa, id ? id->u.id.body : sp(NULL, 0),
			      ikev1_message_find(msg, IKEV1_PAYLOAD_HASH, 0));
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
		v1_send_isakmp_delete(old);
		ike_sa_kill(old, "rekeyed");
	} else {
		ike_sa_set_state(old, IKE_SA_REKEYED);
		old->dead_at = now_ms(sa->d) + REKEYED_TIMEOUT_MS;
	}
}

void v1_established(struct ike_sa *sa)
{
	/* What status output shows (the hash's HMAC is the PRF and the integrity). */
	sa->proposal.encr = sa->v1->suite.encr->id;
	sa->proposal.encr_bits = sa->v1->suite.encr->key_bits;
	sa->proposal.prf = sa->v1->suite.prf->id;
	sa->proposal.dh = sa->v1->suite.group->id;
	ike_sa_established(sa);
	sa->v1->st = V1_EST;
	log_info("%s: IKEv1 IKE_SA established (main mode, %s, %s%s)", sa_name(sa),
		 sa->v1->suite.auth_method == IKEV1_AUTH_PSK	   ? "PSK"
		 : sa->v1->suite.auth_method == IKEV1_AUTH_RSA_SIG ? "RSA signatures"
								   : "ECDSA signatures",
		 sa->initiator ? "initiator" : "responder", sa->natt ? ", NAT-T" : "");
	adopt(sa);
}

/* The main mode messages after the first, both roles. plain: room for a decrypted body. */
void v1_main_mode_process(struct ike_sa *sa, struct ikev1_message *msg,
			  const struct sockaddr_storage *local,
			  const struct sockaddr_storage *remote, uint8_t *plain, size_t cap)
{
	struct ikev1_sa *v = sa->v1;
	struct ikev1_iv next;

	switch (v->st) {
	case V1_MM_I1:
		if (!v1_p1_take_answer(sa, msg))
			return;
		if (mm_send_ke(sa) < 0)
			ike_sa_kill(sa, "key exchange failed");
		else
			v->st = V1_MM_I2;
		return;
	case V1_MM_R1:
		if (v1_take_ke(sa, msg) < 0) {
			log_unauth(sa->d, LOG_LEVEL_INFO, "%s: IKEv1 main mode 3 unusable, dropped",
				   sa_name(sa));
			return;
		}
		v1_natd_process(sa, msg);
		if (mm_send_ke(sa) < 0 || v1_keys(sa) < 0) {
			ike_sa_kill(sa, "key exchange failed");
			return;
		}
		v->st = V1_MM_R2;
		return;
	case V1_MM_I2:
		if (v1_take_ke(sa, msg) < 0 || v1_keys(sa) < 0) {
			log_error("%s: IKEv1 main mode 4 unusable", sa_name(sa));
			ike_sa_kill(sa, "key exchange failed");
			return;
		}
		v1_natd_process(sa, msg);
		v1_float_natt(sa);
		if (mm_send_id(sa) < 0)
			ike_sa_kill(sa, "main mode 5 not encodable");
		else
			v->st = V1_MM_I3;
		return;
	case V1_MM_R2:
	case V1_MM_I3:
		if (v1_open(sa, msg, &v->iv, &next, plain, cap) < 0) {
			log_error("%s: authentication of the peer failed: main mode %u does not "
				  "decrypt to a valid message (%s)",
				  sa_name(sa), v->st == V1_MM_R2 ? 5 : 6,
				  v->suite.auth_method == IKEV1_AUTH_PSK ? "PSK mismatch"
									 : "our keys differ");
			if (v->st == V1_MM_R2)
				v1_send_notify_clear(sa, IKEV1_N_INVALID_HASH_INFORMATION);
			ike_sa_kill(sa, "authentication failed");
			return;
		}
		if (!mm_verify_id(sa, msg)) {
			if (v->st == V1_MM_R2)
				v1_send_notify_clear(sa, IKEV1_N_AUTHENTICATION_FAILED);
			ike_sa_kill(sa, "authentication failed");
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
				v1_initial_contact(sa);
			if (mm_send_id(sa) < 0) {
				ike_sa_kill(sa, "main mode 6 not encodable");
				return;
			}
			v1_established(sa);
		} else {
			v->awaiting = false;
			v1_established(sa);
			v1_children_wanted(sa);
		}
		return;
	default:
		log_unauth(sa->d, LOG_LEVEL_DEBUG, "%s: main mode message in state %d dropped",
			   sa_name(sa), v->st);
	}
}
