/* IKE_SA_INIT (RFC 7296 1.2): proposals, KE and nonces, as initiator and as responder, with
 * the COOKIE and INVALID_KE_PAYLOAD round trips (2.6, 1.2) and NAT detection composed in.
 * Nothing is kept for a request that does not lead to an IKE_SA. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "flood_limits.h"
#include "ike_sa.h"
#include "log.h"
#include "message_out.h"
#include "proposal.h"
#include "sa_index.h"
#include "task_cookie.h"
#include "task_ike_auth.h"
#include "task_ike_init.h"
#include "task_manager.h"
#include "task_nat_detection.h"
#include "transmit.h"
#include "util.h"

#define NONCE_LEN	    32
#define MAX_INIT_RETRIES    5
#define INVALID_KE_DATA_LEN 2

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	if (c != NULL)
		memcpy(c, p, len);
	return c;
}

static const struct cfg_peer *find_peer(struct espnicd *d, const struct sockaddr_storage *local,
					const struct sockaddr_storage *remote)
{
	for (unsigned i = 0; i < d->cfg->peer_count; i++) {
		const struct cfg_peer *p = &d->cfg->peers[i];

		if (p->version == 1 || !sockaddr_same_host(&p->local, local))
			continue;
		if (p->remote_any ? p->local.ss_family == remote->ss_family
				  : sockaddr_same_host(&p->remote, remote))
			return p;
	}
	return NULL;
}

/* RFC 7383 and RFC 7427 notifies (and, in the response, a CERTREQ) of IKE_SA_INIT. */
static void extensions_build(struct ike_sa *sa, struct message_out *m, bool response)
{
	if (response ? sa->frag : sa->peer.fragmentation)
		message_out_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, 0, NULL, 0, NULL, 0);
	if (sa->peer.auth == CFG_AUTH_PUBKEY) {
		static const uint8_t hashes[] = {0, IKE_HASH_SHA2_256, 0, IKE_HASH_SHA2_384,
						 0, IKE_HASH_SHA2_512};

		message_out_notify(m, IKE_N_SIGNATURE_HASH_ALGORITHMS, 0, NULL, 0, hashes,
				   sizeof(hashes));
		if (response)
			ike_auth_add_certreq(sa, m);
	}
}

static void extensions_process(struct ike_sa *sa, const struct ike_message *msg)
{
	const struct ike_notify_payload *n;

	sa->frag = sa->peer.fragmentation &&
		   ike_message_find_notify(msg, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	sa->peer_hashes = 0;
	n = ike_message_find_notify(msg, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	if (n != NULL)
		for (size_t i = 0; i + 1 < n->data.len; i += 2) {
			unsigned id = (unsigned)(n->data.ptr[i] << 8 | n->data.ptr[i + 1]);

			if (id < 32)
				sa->peer_hashes |= 1u << id;
		}
	if (ike_message_find(msg, IKE_PAYLOAD_CERTREQ) != NULL)
		sa->certreq_received = true;
}

static int ike_init_send(struct ike_sa *sa)
{
	struct message_out *m = malloc(sizeof(*m));
	uint8_t *ke_data;
	struct ike_payload *p;
	int ret;

	if (m == NULL)
		return -ENOMEM;
	message_out_init(m);
	if (sa->dh == NULL && (ret = ike_dh_new(sa->dh_group, &sa->dh)) < 0) {
		free(m);
		ike_sa_kill(sa, "cannot create a Diffie-Hellman key");
		return ret;
	}
	if (sa->cookie_len)
		message_out_notify(m, IKE_N_COOKIE, 0, NULL, 0, sa->cookie, sa->cookie_len);
	proposal_build(sa->peer.ike, sa->peer.ike_count, IKE_PROTO_IKE, NULL, 0, sa->dh_group,
		       &m->sa);
	p = message_out_add(m, IKE_PAYLOAD_SA);
	if (p)
		p->u.sa = &m->sa;
	ke_data = message_out_alloc(m, IKE_MAX_DH_PUBLIC);
	p = message_out_add(m, IKE_PAYLOAD_KE);
	if (p && ke_data) {
		ret = ike_dh_public(sa->dh, ke_data, IKE_MAX_DH_PUBLIC);
		p->u.ke.group = sa->dh_group;
		p->u.ke.data = (struct ike_span){ke_data, ret > 0 ? (size_t)ret : 0};
	}
	p = message_out_add(m, IKE_PAYLOAD_NONCE);
	if (p)
		p->u.nonce = (struct ike_span){sa->ni, sa->ni_len};
	nat_detection_build(sa, m, (const uint8_t[IKE_SPI_LEN]){0});
	extensions_build(sa, m, false);
	/* A retry replaces the request with message ID 0 (RFC 7296 2.6); what was remembered of
	 * answers to the one before is void. */
	sa->init_wanted_group = 0;
	sa->init_failure = NULL;
	wire_free(&sa->request.wire);
	sa->request.buf = NULL;
	sa->request.kind = REQUEST_NONE;
	ret = send_request(sa, REQUEST_IKE_SA_INIT, IKE_EXCHANGE_IKE_SA_INIT, m);
	free(m);
	if (ret < 0) {
		ike_sa_kill(sa, "cannot send IKE_SA_INIT");
		return ret;
	}
	free(sa->init_request);
	sa->init_request = dup_bytes(sa->request.buf, sa->request.len);
	sa->init_request_len = sa->request.len;
	return sa->init_request ? 0 : -ENOMEM;
}

/* The initiator's IKE_SA_INIT, for an IKE_SA just made (task_manager_initiate_peer). */
static int ike_init_start(struct ike_sa *sa, enum request_kind kind, struct child_sa *child)
{
	(void)kind;
	(void)child;
	ike_sa_set_state(sa, IKE_SA_INIT_SENT);
	sa->dh_group = sa->peer.ike[0].dh[0];
	sa->ni_len = NONCE_LEN;
	if (random_bytes(sa->ni, sa->ni_len) < 0) {
		ike_sa_kill(sa, "no randomness");
		return -EIO;
	}
	log_info("%s: initiating IKE_SA to %s", sa_name(sa), sa->peer.name);
	return ike_init_send(sa);
}

static bool retry_allowed(struct ike_sa *sa)
{
	if (sa->init_retries >= MAX_INIT_RETRIES) {
		sa->init_failure = "too many COOKIE / INVALID_KE_PAYLOAD round trips";
		return false;
	}
	sa->init_retries++;
	return true;
}

/* An answer that would end the attempt, were it authentic: remembered until the timeout. */
static void remember_failure(struct ike_sa *sa, const char *why)
{
	log_unauth(sa->d, LOG_LEVEL_INFO,
		   "%s: IKE_SA_INIT answer refused (%s): waiting for a valid one until the "
		   "retransmission timeout",
		   sa_name(sa), why);
	sa->init_failure = why;
}

/* INVALID_KE_PAYLOAD (RFC 7296 1.2): the group must be one our proposals allow, and no
 * weaker than the one we proposed first, forged or not. */
static void invalid_ke(struct ike_sa *sa, const struct ike_notify_payload *n)
{
	uint16_t group, first = sa->peer.ike[0].dh[0];

	if (n->data.len != INVALID_KE_DATA_LEN) {
		log_unauth(sa->d, LOG_LEVEL_DEBUG, "%s: bad INVALID_KE_PAYLOAD, ignored",
			   sa_name(sa));
		return;
	}
	group = (uint16_t)((n->data.ptr[0] << 8) | n->data.ptr[1]);
	if (group == sa->dh_group ||
	    !proposal_group_acceptable(sa->peer.ike, sa->peer.ike_count, group)) {
		log_unauth(sa->d, LOG_LEVEL_INFO,
			   "%s: peer wants DH group %u, which we do not offer", sa_name(sa), group);
		remember_failure(sa, "INVALID_KE_PAYLOAD for a group we did not propose");
		return;
	}
	if (dh_group_strength(group) < dh_group_strength(first)) {
		log_unauth(sa->d, LOG_LEVEL_INFO,
			   "%s: peer wants DH group %u, weaker than group %u we proposed first "
			   "(name it first in ike_proposals to allow it)",
			   sa_name(sa), group, first);
		remember_failure(sa,
				 "INVALID_KE_PAYLOAD for a weaker group than we proposed first");
		return;
	}
	log_unauth(sa->d, LOG_LEVEL_INFO,
		   "%s: peer prefers DH group %u (INVALID_KE_PAYLOAD): retrying with it unless a "
		   "valid answer comes before the retransmission timeout",
		   sa_name(sa), group);
	sa->init_wanted_group = group;
}

static bool ike_init_timeout(struct ike_sa *sa)
{
	uint16_t group = sa->init_wanted_group;

	if (group != 0 && retry_allowed(sa)) {
		log_info("%s: no valid IKE_SA_INIT answer, retrying with DH group %u as the peer "
			 "asked",
			 sa_name(sa), group);
		ike_dh_free(sa->dh);
		sa->dh = NULL;
		sa->dh_group = group;
		ike_init_send(sa);
		return true;
	}
	if (sa->init_failure == NULL)
		return false;
	log_error("%s: no valid IKE_SA_INIT answer within the retransmission timeout: %s",
		  sa_name(sa), sa->init_failure);
	ike_sa_kill(sa, sa->init_failure);
	return true;
}

/* An error notify in answer to IKE_SA_INIT, as the reason to give up. */
static const char *error_reason(uint16_t type)
{
	switch (type) {
	case IKE_N_NO_PROPOSAL_CHOSEN:
		return "no proposal chosen (NO_PROPOSAL_CHOSEN: no IKE proposal in common)";
	case IKE_N_INVALID_SYNTAX:
		return "IKE_SA_INIT failed: INVALID_SYNTAX";
	case IKE_N_INVALID_MAJOR_VERSION:
		return "IKE_SA_INIT failed: INVALID_MAJOR_VERSION";
	default:
		return "IKE_SA_INIT failed";
	}
}

void ike_init_process_response(struct ike_sa *sa, const uint8_t *buf, size_t len,
			       const struct ike_message *msg)
{
	const struct ike_notify_payload *n;
	const struct ike_payload *sa_p, *ke_p, *nonce_p;
	struct selected_proposal sel;
	uint8_t g_ir[IKE_MAX_DH_SECRET];
	int ret;

	if (sa->state != IKE_SA_INIT_SENT || sa->request.kind != REQUEST_IKE_SA_INIT ||
	    msg->header.message_id != 0)
		return;
	if ((n = ike_message_find_notify(msg, IKE_N_COOKIE)) != NULL) {
		if (n->data.len < 1 || n->data.len > COOKIE_MAX) {
			log_unauth(sa->d, LOG_LEVEL_DEBUG, "%s: bad COOKIE length, ignored",
				   sa_name(sa));
			return;
		}
		if (!retry_allowed(sa))
			return;
		log_unauth(sa->d, LOG_LEVEL_INFO, "%s: peer asks for a COOKIE, retrying",
			   sa_name(sa));
		memcpy(sa->cookie, n->data.ptr, n->data.len);
		sa->cookie_len = n->data.len;
		ike_init_send(sa);
		return;
	}
	if ((n = ike_message_find_notify(msg, IKE_N_INVALID_KE_PAYLOAD)) != NULL) {
		invalid_ke(sa, n);
		return;
	}
	for (size_t i = 0; i < msg->payload_count; i++) {
		const struct ike_payload *p = &msg->payloads[i];

		if (p->type == IKE_PAYLOAD_NOTIFY && p->u.notify.type <= IKE_N_ERROR_MAX) {
			log_unauth(sa->d, LOG_LEVEL_INFO,
				   "%s: peer answered IKE_SA_INIT with %s (%u)", sa_name(sa),
				   notify_name(p->u.notify.type), p->u.notify.type);
			remember_failure(sa, error_reason(p->u.notify.type));
			return;
		}
	}
	sa_p = ike_message_find(msg, IKE_PAYLOAD_SA);
	ke_p = ike_message_find(msg, IKE_PAYLOAD_KE);
	nonce_p = ike_message_find(msg, IKE_PAYLOAD_NONCE);
	if (sa_p == NULL || ke_p == NULL || nonce_p == NULL ||
	    memcmp(msg->header.spi_r, (uint8_t[IKE_SPI_LEN]){0}, IKE_SPI_LEN) == 0) {
		log_unauth(sa->d, LOG_LEVEL_DEBUG,
			   "%s: IKE_SA_INIT response lacks SA, KE, Nr or SPIr: ignored",
			   sa_name(sa));
		return;
	}
	if (proposal_check_answer(sa_p->u.sa, sa->peer.ike, sa->peer.ike_count, IKE_PROTO_IKE, 0,
				  true, &sel) < 0) {
		log_unauth(sa->d, LOG_LEVEL_INFO, "%s: peer chose an IKE proposal we did not offer",
			   sa_name(sa));
		remember_failure(sa, "bad proposal in IKE_SA_INIT response");
		return;
	}
	if (sel.dh != sa->dh_group || ke_p->u.ke.group != sa->dh_group) {
		log_unauth(sa->d, LOG_LEVEL_INFO, "%s: peer's KE group %u does not match ours (%u)",
			   sa_name(sa), ke_p->u.ke.group, sa->dh_group);
		remember_failure(sa, "KE group mismatch");
		return;
	}
	ret = ike_dh_compute(sa->dh, ke_p->u.ke.data.ptr, ke_p->u.ke.data.len, g_ir, sizeof(g_ir));
	if (ret < 0) {
		log_unauth(sa->d, LOG_LEVEL_INFO, "%s: peer's KE value is invalid", sa_name(sa));
		remember_failure(sa, "invalid KE");
		return;
	}
	/* A valid answer: what forgeries left behind is void. */
	sa->init_wanted_group = 0;
	sa->init_failure = NULL;
	memcpy(sa->spi_r, msg->header.spi_r, IKE_SPI_LEN);
	sa->nr_len = nonce_p->u.nonce.len;
	memcpy(sa->nr, nonce_p->u.nonce.ptr, sa->nr_len);
	ike_sa_set_keys(sa, &sel);
	ret = ike_sa_derive_keys(sa, g_ir, (size_t)ret, NULL);
	OPENSSL_cleanse(g_ir, sizeof(g_ir));
	if (ret < 0) {
		ike_sa_kill(sa, "key derivation failed");
		return;
	}
	nat_detection_process(sa, msg);
	extensions_process(sa, msg);
	sa->init_response = dup_bytes(buf, len);
	sa->init_response_len = len;
	task_manager_done(sa);
	if (sa->natt) {
		/* Float (RFC 7296 2.23): IKE moves to 4500 with the non-ESP marker. */
		sockaddr_set_port(&sa->local, sa->d->cfg->natt_port);
		if (sockaddr_port(&sa->remote) == 500)
			sockaddr_set_port(&sa->remote, 4500);
	}
	task_manager_start(sa, REQUEST_IKE_AUTH, NULL);
}

/* An answer without an IKE_SA: COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN. */
static void send_stateless(struct espnicd *d, const struct sockaddr_storage *local,
			   const struct sockaddr_storage *remote, const struct ike_header *req,
			   uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_header h = {
	    .major_version = IKE_MAJOR_VERSION,
	    .exchange_type = IKE_EXCHANGE_IKE_SA_INIT,
	    .flags = IKE_FLAG_RESPONSE,
	};
	struct ike_payload p = {.type = IKE_PAYLOAD_NOTIFY};
	uint8_t buf[256];
	struct ike_writer w;
	int ret;

	memcpy(h.spi_i, req->spi_i, IKE_SPI_LEN);
	p.u.notify.type = type;
	p.u.notify.data = (struct ike_span){data, len};
	ike_writer_init(&w, buf, sizeof(buf));
	ike_writer_header(&w, &h);
	ike_writer_payload(&w, &p);
	ret = ike_writer_finish(&w);
	if (ret > 0)
		send_raw(d, local, remote, buf, (size_t)ret);
}

void ike_init_process_request(struct espnicd *d, const struct sockaddr_storage *local,
			      const struct sockaddr_storage *remote, const uint8_t *buf, size_t len,
			      const struct ike_message *msg)
{
	const struct ike_payload *sa_p, *ke_p, *nonce_p;
	const struct cfg_peer *peer;
	struct selected_proposal sel;
	struct message_out *m;
	struct ike_payload *p;
	struct ike_sa *sa;
	uint8_t g_ir[IKE_MAX_DH_SECRET], *ke_data;
	char who[64];
	unsigned half_open;
	int ret;

	sockaddr_describe(remote, who, sizeof(who));
	if (msg->header.message_id != 0 || !(msg->header.flags & IKE_FLAG_INITIATOR) ||
	    memcmp(msg->header.spi_r, (uint8_t[IKE_SPI_LEN]){0}, IKE_SPI_LEN) != 0) {
		log_unauth(d, LOG_LEVEL_DEBUG,
			   "IKE_SA_INIT from %s with bad header fields, dropped", who);
		return;
	}
	/* A retransmitted request gets the same answer. */
	for (sa = sa_index_by_peer(d, msg->header.spi_i, remote); sa != NULL; sa = sa->peer_next) {
		if (!sa->initiator && memcmp(sa->spi_i, msg->header.spi_i, IKE_SPI_LEN) == 0 &&
		    sockaddr_same_host(&sa->remote, remote) && sa->state != IKE_SA_DEAD) {
			if (sa->init_request_len == len &&
			    memcmp(sa->init_request, buf, len) == 0 && sa->last_response.valid &&
			    sa->last_response.id == 0)
				send_raw(d, &sa->local, &sa->remote, sa->last_response.buf,
					 sa->last_response.len);
			return;
		}
	}
	if (d->shutting_down) {
		log_unauth(d, LOG_LEVEL_WARN, "IKE_SA_INIT from %s dropped: shutting down", who);
		return;
	}
	peer = find_peer(d, local, remote);
	if (peer == NULL) {
		log_unauth(d, LOG_LEVEL_INFO,
			   "IKE_SA_INIT from %s: no peer configured for this address, dropped",
			   who);
		return;
	}
	/* The COOKIE first: only a request that proved its address reaches the limits below,
	 * so spoofed requests can neither take the half-open places nor be counted against the
	 * address they pretend to come from. */
	half_open = half_open_count(d);
	if (d->cfg->cookie_threshold && half_open >= d->cfg->cookie_threshold &&
	    !cookie_verify(d, msg, remote)) {
		uint8_t cookie[COOKIE_MAX];

		if (ike_message_find(msg, IKE_PAYLOAD_NONCE) == NULL)
			return;
		ret = cookie_make(d, msg, remote, cookie, sizeof(cookie));
		if (ret > 0) {
			log_unauth(d, LOG_LEVEL_INFO,
				   "IKE_SA_INIT from %s: %u half-open IKE_SAs, demanding a COOKIE",
				   who, half_open);
			send_stateless(d, local, remote, &msg->header, IKE_N_COOKIE, cookie,
				       (size_t)ret);
		}
		return;
	}
	if (half_open >= d->cfg->half_open_max) {
		log_unauth(d, LOG_LEVEL_WARN,
			   "IKE_SA_INIT from %s dropped: too many half-open IKE_SAs (%u)", who,
			   half_open);
		return;
	}
	if (d->cfg->half_open_per_source &&
	    half_open_from(d, remote) >= d->cfg->half_open_per_source) {
		log_unauth(d, LOG_LEVEL_WARN,
			   "IKE_SA_INIT from %s dropped: it has %u half-open IKE_SAs already", who,
			   d->cfg->half_open_per_source);
		return;
	}
	sa_p = ike_message_find(msg, IKE_PAYLOAD_SA);
	ke_p = ike_message_find(msg, IKE_PAYLOAD_KE);
	nonce_p = ike_message_find(msg, IKE_PAYLOAD_NONCE);
	if (sa_p == NULL || ke_p == NULL || nonce_p == NULL) {
		log_unauth(d, LOG_LEVEL_INFO, "IKE_SA_INIT from %s lacks SA, KE or Ni: dropped",
			   who);
		return;
	}
	if (proposal_select(sa_p->u.sa, peer->ike, peer->ike_count, IKE_PROTO_IKE, 0, true, &sel) <
	    0) {
		log_unauth(d, LOG_LEVEL_ERROR,
			   "%s: no acceptable IKE proposal from %s, answering NO_PROPOSAL_CHOSEN",
			   peer->name, who);
		send_stateless(d, local, remote, &msg->header, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (ke_p->u.ke.group != sel.dh) {
		uint8_t data[INVALID_KE_DATA_LEN] = {(uint8_t)(sel.dh >> 8), (uint8_t)sel.dh};

		log_unauth(d, LOG_LEVEL_INFO,
			   "%s: KE from %s is group %u, asking for group %u (INVALID_KE_PAYLOAD)",
			   peer->name, who, ke_p->u.ke.group, sel.dh);
		send_stateless(d, local, remote, &msg->header, IKE_N_INVALID_KE_PAYLOAD, data,
			       sizeof(data));
		return;
	}
	sa = ike_sa_new(d, peer, false);
	if (sa == NULL)
		return;
	sa->local = *local;
	sa->remote = *remote;
	memcpy(sa->spi_i, msg->header.spi_i, IKE_SPI_LEN);
	sa_index_add_peer(sa);
	sa->ni_len = nonce_p->u.nonce.len;
	memcpy(sa->ni, nonce_p->u.nonce.ptr, sa->ni_len);
	sa->nr_len = NONCE_LEN;
	sa->dh_group = sel.dh;
	if (random_bytes(sa->nr, sa->nr_len) < 0 || ike_dh_new(sel.dh, &sa->dh) < 0) {
		ike_sa_kill(sa, "out of resources");
		return;
	}
	ret = ike_dh_compute(sa->dh, ke_p->u.ke.data.ptr, ke_p->u.ke.data.len, g_ir, sizeof(g_ir));
	if (ret < 0) {
		log_unauth(d, LOG_LEVEL_INFO, "%s: invalid KE value from %s, dropped", peer->name,
			   who);
		ike_sa_kill(sa, NULL);
		return;
	}
	ike_sa_set_keys(sa, &sel);
	ret = ike_sa_derive_keys(sa, g_ir, (size_t)ret, NULL);
	OPENSSL_cleanse(g_ir, sizeof(g_ir));
	if (ret < 0) {
		ike_sa_kill(sa, "key derivation failed");
		return;
	}
	nat_detection_process(sa, msg);
	extensions_process(sa, msg);

	m = malloc(sizeof(*m));
	if (m == NULL) {
		ike_sa_kill(sa, "out of memory");
		return;
	}
	message_out_init(m);
	proposal_from_selected(&sel, &m->sa);
	if ((p = message_out_add(m, IKE_PAYLOAD_SA)) != NULL)
		p->u.sa = &m->sa;
	ke_data = message_out_alloc(m, IKE_MAX_DH_PUBLIC);
	if ((p = message_out_add(m, IKE_PAYLOAD_KE)) != NULL && ke_data != NULL) {
		ret = ike_dh_public(sa->dh, ke_data, IKE_MAX_DH_PUBLIC);
		p->u.ke.group = sel.dh;
		p->u.ke.data = (struct ike_span){ke_data, ret > 0 ? (size_t)ret : 0};
	}
	if ((p = message_out_add(m, IKE_PAYLOAD_NONCE)) != NULL)
		p->u.nonce = (struct ike_span){sa->nr, sa->nr_len};
	nat_detection_build(sa, m, sa->spi_r);
	extensions_build(sa, m, true);
	ret = send_response(sa, IKE_EXCHANGE_IKE_SA_INIT, 0, m);
	free(m);
	if (ret < 0) {
		ike_sa_kill(sa, "cannot answer IKE_SA_INIT");
		return;
	}
	sa->init_request = dup_bytes(buf, len);
	sa->init_request_len = len;
	sa->init_response = dup_bytes(sa->last_response.buf, sa->last_response.len);
	sa->init_response_len = sa->last_response.len;
	sa->expected_peer_id = 1;
	ike_sa_set_state(sa, IKE_SA_INIT_DONE);
	sa->dead_at = now_ms(d) + HALF_OPEN_TIMEOUT_MS;
	log_unauth(d, LOG_LEVEL_INFO, "%s: IKE_SA_INIT from %s answered", sa_name(sa), who);
}

const struct ike_task task_ike_init = {
    .name = "IKE_SA_INIT",
    .initiate = ike_init_start,
    .timeout = ike_init_timeout,
};
