/* CREATE_CHILD_SA as initiator for a CHILD_SA: a rekey (RFC 7296 1.3.3, 2.8) with REKEY_SA,
 * the new pair installed before the old one is deleted (make-before-break), and an additional
 * CHILD_SA (1.3.1) for an IKE_SA that lost its own (the peer deleted it, or it expired) when
 * the dataplane traps the traffic again. Both: SA (with our inbound SPI), Ni, [KEi] (PFS),
 * TSi, TSr; the answer is checked and installed as in IKE_AUTH (child_sa.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "child_sa.h"
#include "ike_sa.h"
#include "log.h"
#include "message_out.h"
#include "rekey_collision.h"
#include "task_manager.h"
#include "transmit.h"
#include "traps.h"
#include "util.h"

#define NONCE_LEN      32
#define REKEY_RETRY_MS 30000

static bool still_there(struct ike_sa *sa, const struct child_sa *c)
{
	for (struct child_sa *x = sa->children; x != NULL; x = x->next)
		if (x == c)
			return true;
	return false;
}

/* Whether one of our ESP proposals has DH group id (PFS). */
static bool esp_group_allowed(const struct ike_sa *sa, uint16_t id)
{
	for (unsigned i = 0; i < sa->peer.esp_count; i++)
		for (unsigned j = 0; j < sa->peer.esp[i].dh_count; j++)
			if (sa->peer.esp[i].dh[j] == id)
				return true;
	return false;
}

/* A CREATE_CHILD_SA request: a new pair, or the rekey of old; with PFS the KE is of group
 * (0: our first proposal's first group). */
static int child_request(struct ike_sa *sa, struct child_sa *old, uint16_t group)
{
	struct create_child_ctx *cc = &sa->request.cc;
	struct message_out *m;
	struct ike_payload *p;
	uint8_t spi[4];
	int ret;

	create_child_ctx_clear(cc);
	cc->old_child = old;
	cc->nonce_len = NONCE_LEN;
	cc->ke_retried = group != 0;
	if (group == 0 && sa->peer.esp[0].dh_count)
		group = sa->peer.esp[0].dh[0];
	if (dp_alloc_spi(sa->d->dp, &cc->new_spi_in) < 0 ||
	    random_bytes(cc->nonce, cc->nonce_len) < 0)
		return -EIO;
	if (group != 0 && ike_dh_new(group, &cc->dh) < 0) {
		dp_release_spi(sa->d->dp, cc->new_spi_in);
		create_child_ctx_clear(cc);
		return -EIO;
	}
	m = malloc(sizeof(*m));
	if (m == NULL) {
		dp_release_spi(sa->d->dp, cc->new_spi_in);
		create_child_ctx_clear(cc);
		return -ENOMEM;
	}
	message_out_init(m);
	if (old != NULL) {
		put_be32(spi, old->spi_in);
		message_out_notify(m, IKE_N_REKEY_SA, IKE_PROTO_ESP, spi, 4, NULL, 0);
	}
	ret = child_create_build_request(sa, m, cc->new_spi_in, old);
	if ((p = message_out_add(m, IKE_PAYLOAD_NONCE)) != NULL)
		p->u.nonce = (struct ike_span){cc->nonce, cc->nonce_len};
	if (cc->dh != NULL) {
		uint8_t *ke = message_out_alloc(m, IKE_MAX_DH_PUBLIC);
		int n = ke ? ike_dh_public(cc->dh, ke, IKE_MAX_DH_PUBLIC) : -ENOMEM;

		if ((p = message_out_add(m, IKE_PAYLOAD_KE)) != NULL && n > 0) {
			p->u.ke.group = group;
			p->u.ke.data = (struct ike_span){ke, (size_t)n};
		}
	}
	if (ret == 0)
		ret = send_request(sa, old != NULL ? REQUEST_CHILD_REKEY : REQUEST_CHILD_ADDITIONAL,
				   IKE_EXCHANGE_CREATE_CHILD_SA, m);
	free(m);
	if (ret < 0) {
		dp_release_spi(sa->d->dp, cc->new_spi_in);
		create_child_ctx_clear(cc);
	}
	return ret;
}

/* The pair the answer to our request creates (NULL if the peer refused or the answer is
 * unusable: logged); reqid is the new pair's. */
static struct child_sa *child_answer(struct ike_sa *sa, const struct ike_message *msg,
				     uint32_t reqid)
{
	struct create_child_ctx *cc = &sa->request.cc;
	const struct ike_payload *nonce = ike_message_find(msg, IKE_PAYLOAD_NONCE);
	const struct ike_payload *ke = ike_message_find(msg, IKE_PAYLOAD_KE);
	uint8_t g_ir[IKE_MAX_DH_SECRET];
	struct child_sa *c = NULL;
	int ret = 0;

	if (nonce == NULL) {
		child_create_complete(sa, msg, 0, NULL, 0, NULL, 0, NULL, 0, 0); /* logs errors */
		return NULL;
	}
	if (cc->dh != NULL)
		ret = ke == NULL || ke->u.ke.group != ike_dh_group_of(cc->dh)->id
			  ? -EINVAL
			  : ike_dh_compute(cc->dh, ke->u.ke.data.ptr, ke->u.ke.data.len, g_ir,
					   sizeof(g_ir));
	if (ret >= 0)
		c = child_create_complete(sa, msg, cc->new_spi_in, cc->nonce, cc->nonce_len,
					  nonce->u.nonce.ptr, nonce->u.nonce.len, g_ir, (size_t)ret,
					  reqid);
	else
		log_error("%s: CHILD_SA not created: the answer has a bad KE (PFS)", sa_name(sa));
	OPENSSL_cleanse(g_ir, sizeof(g_ir));
	return c;
}

/* RFC 7296 1.3: an INVALID_KE_PAYLOAD answer names the group the peer wants; when our
 * proposals allow it and we have not tried it yet, the request goes again with a KE of
 * that group (once). Returns true when the retry went out. */
static bool retry_with_group(struct ike_sa *sa, const struct ike_message *msg)
{
	const struct ike_notify_payload *n = ike_message_find_notify(msg, IKE_N_INVALID_KE_PAYLOAD);
	struct create_child_ctx *cc = &sa->request.cc;
	struct child_sa *old = cc->old_child;
	uint32_t spi = cc->new_spi_in;
	uint16_t want;

	if (n == NULL || n->data.len != 2 || cc->ke_retried || cc->dh == NULL)
		return false;
	want = (uint16_t)(n->data.ptr[0] << 8 | n->data.ptr[1]);
	if (want == ike_dh_group_of(cc->dh)->id || !esp_group_allowed(sa, want))
		return false;
	task_manager_done(sa);
	dp_release_spi(sa->d->dp, spi);
	if (old != NULL && !still_there(sa, old))
		old = NULL;
	if (child_request(sa, old, want) < 0)
		return false;
	log_info("%s: peer answered INVALID_KE_PAYLOAD: CREATE_CHILD_SA again with DH group %u",
		 sa_name(sa), (unsigned)want);
	return true;
}

static int child_rekey_start(struct ike_sa *sa, struct child_sa *child)
{
	int ret = child_request(sa, child, 0);

	if (ret < 0)
		return ret;
	child->state = CHILD_SA_REKEYING;
	log_info("%s: rekeying CHILD_SA %08x/%08x", sa_name(sa), child->spi_in, child->spi_out);
	return 0;
}

static int child_additional_start(struct ike_sa *sa)
{
	int ret = child_request(sa, NULL, 0);

	if (ret < 0) {
		log_error("%s: cannot request a new CHILD_SA (%s)", sa_name(sa), strerror(-ret));
		trap_rearm_peer(sa->d, sa->peer.name);
		return ret;
	}
	log_info("%s: requesting a new CHILD_SA (CREATE_CHILD_SA)", sa_name(sa));
	return 0;
}

static void child_additional_process_response(struct ike_sa *sa, const struct ike_message *msg)
{
	uint32_t new_spi = sa->request.cc.new_spi_in;
	struct child_sa *c;

	if (retry_with_group(sa, msg))
		return;
	c = child_answer(sa, msg, ++sa->d->next_reqid);

	task_manager_done(sa);
	if (c == NULL) {
		dp_release_spi(sa->d->dp, new_spi);
		log_error("%s: the IKE_SA stays without CHILD_SA; the trap policy is re-armed, the "
			  "next packet tries again",
			  sa_name(sa));
		trap_rearm_peer(sa->d, sa->peer.name);
	} else {
		log_info("%s: new CHILD_SA %08x/%08x in the IKE_SA", sa_name(sa), c->spi_in,
			 c->spi_out);
	}
	task_manager_schedule(sa);
}

static void child_rekey_process_response(struct ike_sa *sa, const struct ike_message *msg)
{
	struct create_child_ctx *cc = &sa->request.cc;
	const struct ike_payload *nonce = ike_message_find(msg, IKE_PAYLOAD_NONCE);
	struct child_sa *old = cc->old_child, *c;
	uint32_t new_spi = cc->new_spi_in;

	if (retry_with_group(sa, msg))
		return;
	if (!still_there(sa, old))
		old = NULL;
	c = child_answer(sa, msg, old ? old->reqid : ++sa->d->next_reqid);
	/* RFC 7296 2.8.1: did the peer rekey the same CHILD_SA meanwhile? */
	struct child_sa *coll = cc->collision_child;
	bool lost = false;

	if (coll != NULL && !still_there(sa, coll))
		coll = NULL;
	if (coll != NULL && c != NULL && nonce != NULL)
		lost = collision_we_lose(cc, nonce->u.nonce);
	task_manager_done(sa);
	if (coll != NULL) {
		uint64_t now = now_ms(sa->d);

		if (c == NULL || lost) {
			/* The peer's new pair stays; it deletes the old one (it initiated the
			 * surviving rekey) and we delete our redundant pair, if any. */
			log_info("%s: CHILD_SA rekey collision: the peer's rekey %08x/%08x stays%s",
				 sa_name(sa), coll->spi_in, coll->spi_out,
				 c != NULL ? ", deleting our redundant pair" : "");
			if (old != NULL) {
				old->state = CHILD_SA_REKEYED;
				old->rekey_at = 0;
				old->delete_at = now + REKEY_RETRY_MS;
			}
			if (c == NULL)
				dp_release_spi(sa->d->dp, new_spi);
			else if (task_manager_start(sa, REQUEST_DELETE_CHILD, c) < 0)
				child_sa_remove(sa, c);
			task_manager_schedule(sa);
			return;
		}
		/* Ours stays: the peer deletes its redundant pair; we delete the old one. */
		log_info("%s: CHILD_SA rekey collision: our rekey %08x/%08x stays, the peer's "
			 "%08x/%08x is redundant",
			 sa_name(sa), c->spi_in, c->spi_out, coll->spi_in, coll->spi_out);
		coll->state = CHILD_SA_REKEYED;
		coll->rekey_at = 0;
		coll->delete_at = now + REKEY_RETRY_MS;
	}
	if (c == NULL) {
		dp_release_spi(sa->d->dp, new_spi);
		if (old != NULL) {
			old->state = CHILD_SA_INSTALLED;
			old->rekey_at = now_ms(sa->d) + REKEY_RETRY_MS;
		}
		task_manager_schedule(sa);
		return;
	}
	if (old != NULL) {
		log_info("%s: CHILD_SA %08x/%08x rekeyed to %08x/%08x", sa_name(sa), old->spi_in,
			 old->spi_out, c->spi_in, c->spi_out);
		old->state = CHILD_SA_REKEYED;
		if (task_manager_start(sa, REQUEST_DELETE_CHILD, old) < 0)
			child_sa_remove(sa, old);
		return;
	}
	task_manager_schedule(sa);
}

static int create_child_start(struct ike_sa *sa, enum request_kind kind, struct child_sa *child)
{
	return kind == REQUEST_CHILD_REKEY ? child_rekey_start(sa, child)
					   : child_additional_start(sa);
}

static void create_child_response(struct ike_sa *sa, const struct ike_message *msg)
{
	if (sa->request.kind == REQUEST_CHILD_REKEY)
		child_rekey_process_response(sa, msg);
	else
		child_additional_process_response(sa, msg);
}

/* The request's inbound SPI was never installed. */
static void create_child_abort(struct ike_sa *sa)
{
	dp_release_spi(sa->d->dp, sa->request.cc.new_spi_in);
}

const struct ike_task task_create_child_initiator = {
    .name = "CREATE_CHILD_SA (initiator)",
    .initiate = create_child_start,
    .handle_response = create_child_response,
    .abort = create_child_abort,
};
