/* The task manager: which exchange of an IKE_SA goes next (the queue is the want_* flags of
 * the IKE_SA and its CHILD_SAs, taken in a fixed order of priority, and the timers that set
 * them), which task a request or an answer under SK goes to, and the end of an exchange. The
 * table below is the one place that names every task. */
#include <errno.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "child_sa.h"
#include "ikev1/ikev1.h"
#include "log.h"
#include "message_out.h"
#include "task_dpd.h"
#include "task_manager.h"
#include "transmit.h"

/* The task behind each kind of request we send, and the exchange its answer must be of. */
static const struct {
	const struct ike_task *task;
	uint8_t exchange;
} by_kind[] = {
    [REQUEST_IKE_SA_INIT] = {&task_ike_init, IKE_EXCHANGE_IKE_SA_INIT},
    [REQUEST_IKE_AUTH] = {&task_ike_auth, IKE_EXCHANGE_IKE_AUTH},
    [REQUEST_CHILD_REKEY] = {&task_create_child_initiator, IKE_EXCHANGE_CREATE_CHILD_SA},
    [REQUEST_IKE_REKEY] = {&task_ike_rekey, IKE_EXCHANGE_CREATE_CHILD_SA},
    [REQUEST_CHILD_ADDITIONAL] = {&task_create_child_initiator, IKE_EXCHANGE_CREATE_CHILD_SA},
    [REQUEST_DELETE_CHILD] = {&task_delete, IKE_EXCHANGE_INFORMATIONAL},
    [REQUEST_DELETE_IKE] = {&task_delete, IKE_EXCHANGE_INFORMATIONAL},
    [REQUEST_DPD] = {&task_dpd, IKE_EXCHANGE_INFORMATIONAL},
};

/* The task that answers the peer's requests of an exchange (IKE_SA_INIT requests come in the
 * clear, before there is an IKE_SA: core.c hands them to task_ike_init.c). */
static const struct ike_task *responder_of(uint8_t exchange)
{
	switch (exchange) {
	case IKE_EXCHANGE_IKE_AUTH:
		return &task_ike_auth;
	case IKE_EXCHANGE_CREATE_CHILD_SA:
		return &task_create_child_responder;
	case IKE_EXCHANGE_INFORMATIONAL:
		return &task_delete; /* Deletes, and the empty requests of liveness checks */
	default:
		return NULL;
	}
}

static const struct ike_task *task_of(enum request_kind kind)
{
	return (size_t)kind < sizeof(by_kind) / sizeof(by_kind[0]) ? by_kind[kind].task : NULL;
}

int task_manager_initiate_peer(struct espnicd *d, const struct cfg_peer *peer)
{
	struct ike_sa *sa;

	if (peer->version == 1)
		return ikev1_initiate(d, peer);
	sa = ike_sa_new(d, peer, true);
	if (sa == NULL)
		return -ENOMEM;
	return task_manager_start(sa, REQUEST_IKE_SA_INIT, NULL);
}

int task_manager_start(struct ike_sa *sa, enum request_kind kind, struct child_sa *child)
{
	const struct ike_task *t = task_of(kind);

	if (t == NULL || t->initiate == NULL)
		return -EINVAL;
	return t->initiate(sa, kind, child);
}

/* A peer we start keeps a CHILD_SA: when the peer deleted the last one (or it expired
 * without a rekey), a new one is requested CHILD_AGAIN_FIRST_MS later, then at doubling
 * delays up to CHILD_AGAIN_MAX_MS while the peer refuses. */
#define CHILD_AGAIN_FIRST_MS 2000
#define CHILD_AGAIN_MAX_MS   300000

void child_again_arm(struct ike_sa *sa)
{
	if (sa->v1 == NULL && sa->peer.start && sa->children == NULL &&
	    sa->state == IKE_SA_ESTABLISHED && !sa->d->shutting_down && sa->child_again_at == 0) {
		sa->child_again_delay = CHILD_AGAIN_FIRST_MS;
		sa->child_again_at = now_ms(sa->d) + sa->child_again_delay;
	}
}

static void child_again_check(struct ike_sa *sa, uint64_t now)
{
	if (!sa->peer.start || sa->children != NULL || sa->d->shutting_down) {
		sa->child_again_at = 0;
		sa->child_again_delay = 0;
		return;
	}
	if (sa->child_again_at == 0) {
		child_again_arm(sa);
		return;
	}
	if (now < sa->child_again_at)
		return;
	sa->child_again_delay = sa->child_again_delay * 2 > CHILD_AGAIN_MAX_MS
				    ? CHILD_AGAIN_MAX_MS
				    : sa->child_again_delay * 2;
	sa->child_again_at = now + sa->child_again_delay;
	if (sa->want_child || sa->request.kind == REQUEST_CHILD_ADDITIONAL)
		return;
	log_info("%s: the IKE_SA of a peer we start has no CHILD_SA: creating one", sa_name(sa));
	sa->want_child = true;
}

void task_manager_schedule(struct ike_sa *sa)
{
	struct child_sa *c;

	if (sa->v1 != NULL) {
		ikev1_schedule(sa);
		return;
	}
	if (sa->request.kind != REQUEST_NONE || sa->state != IKE_SA_ESTABLISHED)
		return;
	child_again_check(sa, now_ms(sa->d));
	if (sa->want_delete) {
		sa->want_delete = false;
		task_manager_start(sa, REQUEST_DELETE_IKE, NULL);
		return;
	}
	if (sa->want_ike_rekey) {
		sa->want_ike_rekey = false;
		if (task_manager_start(sa, REQUEST_IKE_REKEY, NULL) == 0)
			return;
	}
	for (c = sa->children; c != NULL; c = c->next) {
		if (c->want_delete && c->state != CHILD_SA_DELETING) {
			c->want_delete = false;
			if (task_manager_start(sa, REQUEST_DELETE_CHILD, c) == 0)
				return;
		}
	}
	if (sa->want_child) {
		sa->want_child = false;
		if (task_manager_start(sa, REQUEST_CHILD_ADDITIONAL, NULL) == 0)
			return;
	}
	for (c = sa->children; c != NULL; c = c->next) {
		if (c->want_rekey && c->state == CHILD_SA_INSTALLED) {
			c->want_rekey = false;
			if (task_manager_start(sa, REQUEST_CHILD_REKEY, c) == 0)
				return;
		}
	}
}

/* The request's retransmission timeout passed: whether its task acted on it. */
static bool request_timeout(struct ike_sa *sa)
{
	const struct ike_task *t = task_of(sa->request.kind);

	return t != NULL && t->timeout != NULL && t->timeout(sa);
}

uint64_t task_manager_next_timer(struct ike_sa *sa)
{
	uint64_t t = UINT64_MAX;
	struct child_sa *c;

	if (sa->v1 != NULL)
		return ikev1_next_timer(sa);
	if (sa->state == IKE_SA_DEAD)
		return 0;
	if (sa->request.kind != REQUEST_NONE)
		t = min_nonzero(t, sa->request.deadline);
	t = min_nonzero(t, sa->dead_at);
	if (sa->state != IKE_SA_ESTABLISHED)
		return t;
	t = min_nonzero(t, sa->ike_rekey_at);
	for (c = sa->children; c != NULL; c = c->next) {
		t = min_nonzero(t, c->rekey_at);
		t = min_nonzero(t, c->expire_at);
		t = min_nonzero(t, c->delete_at);
		t = min_nonzero(t, c->out_check_at);
	}
	if (sa->peer.dpd_delay_ms && sa->request.kind == REQUEST_NONE)
		t = min_nonzero(t, sa->last_received + sa->peer.dpd_delay_ms);
	if (sa->nat_local && sa->peer.keepalive_ms)
		t = min_nonzero(t, sa->next_keepalive);
	/* A due CHILD_SA waits for the window: the request's end schedules it. */
	if (sa->request.kind == REQUEST_NONE)
		t = min_nonzero(t, sa->child_again_at);
	return t;
}

void task_manager_run_timers(struct ike_sa *sa, uint64_t now)
{
	struct child_sa *c, *next;

	if (sa->v1 != NULL) {
		ikev1_run_timers(sa, now);
		return;
	}
	/* The request's timeout: its task may act on it (IKE_SA_INIT: a remembered answer),
	 * else it is retransmitted or given up. */
	if (sa->request.kind == REQUEST_NONE || sa->request.buf == NULL ||
	    now < sa->request.deadline || !request_timeout(sa))
		retransmit_check(sa, now);
	if (sa->state == IKE_SA_DEAD)
		return;
	if (sa->dead_at && now >= sa->dead_at) {
		ike_sa_kill(sa, sa->state == IKE_SA_REKEYED ? "rekeyed, the peer never deleted it"
							    : "half-open, timed out");
		return;
	}
	if (sa->state != IKE_SA_ESTABLISHED)
		return;
	if (sa->ike_rekey_at && now >= sa->ike_rekey_at) {
		sa->ike_rekey_at = 0;
		sa->want_ike_rekey = true;
	}
	for (c = sa->children; c != NULL; c = next) {
		next = c->next;
		if (c->delete_at && now >= c->delete_at) {
			/* A replaced CHILD_SA whose delete never completed. */
			child_sa_remove(sa, c);
			continue;
		}
		child_timers(sa, c, now);
	}
	keepalive_check(sa, now);
	task_manager_schedule(sa);
	/* Any exchange proves liveness; on demand (the default) so does inbound ESP the
	 * dataplane counted, and the probe goes only when nothing else is going on. Periodic
	 * probes ignore the ESP. */
	if (sa->peer.dpd_delay_ms && sa->request.kind == REQUEST_NONE &&
	    sa->state == IKE_SA_ESTABLISHED && now >= sa->last_received + sa->peer.dpd_delay_ms) {
		if (sa->peer.dpd_mode == CFG_DPD_ON_DEMAND && dpd_inbound_seen(sa, now))
			sa->last_received = now;
		else
			task_manager_start(sa, REQUEST_DPD, NULL);
	}
}

void task_manager_want_child(struct ike_sa *sa)
{
	if (sa->want_child || sa->request.kind == REQUEST_CHILD_ADDITIONAL) {
		log_debug("%s: a new CHILD_SA is already on its way", sa_name(sa));
		return;
	}
	sa->want_child = true;
	task_manager_schedule(sa);
}

void task_manager_request(struct ike_sa *sa, const struct ike_message *msg)
{
	const struct ike_task *t = responder_of(msg->header.exchange_type);

	if (t == NULL || t->handle_request == NULL) {
		log_debug("%s: request of unknown exchange %u ignored", sa_name(sa),
			  msg->header.exchange_type);
		return;
	}
	if (msg->header.exchange_type == IKE_EXCHANGE_IKE_AUTH && sa->initiator)
		return; /* the initiator of the IKE_SA sends IKE_AUTH, it never answers one */
	t->handle_request(sa, msg);
}

void task_manager_response(struct ike_sa *sa, const struct ike_message *msg)
{
	const struct ike_task *t = task_of(sa->request.kind);

	/* IKE_SA_INIT answers come in the clear (core.c hands them to task_ike_init.c). */
	if (t == NULL || t->handle_response == NULL ||
	    by_kind[sa->request.kind].exchange != msg->header.exchange_type) {
		log_debug("%s: response of the wrong exchange ignored", sa_name(sa));
		return;
	}
	t->handle_response(sa, msg);
}

void task_manager_done(struct ike_sa *sa)
{
	wire_free(&sa->request.wire);
	sa->request.buf = NULL;
	create_child_ctx_clear(&sa->request.cc);
	sa->request.kind = REQUEST_NONE;
	sa->next_request_id++;
}

void task_manager_abort(struct ike_sa *sa)
{
	const struct ike_task *t = task_of(sa->request.kind);

	if (t != NULL && t->abort != NULL)
		t->abort(sa);
	create_child_ctx_clear(&sa->request.cc);
}

void create_child_ctx_clear(struct create_child_ctx *cc)
{
	ike_dh_free(cc->dh);
	free(cc->collision_nonce);
	OPENSSL_cleanse(cc, sizeof(*cc));
}
