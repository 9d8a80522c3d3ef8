/* IKE_SA rekey (RFC 7296 1.3.2, 2.18) as initiator: CREATE_CHILD_SA with a new IKE
 * proposal, KE and nonce; the CHILD_SAs move to the new IKE_SA, then the old one is
 * deleted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_sa.h"
#include "log.h"
#include "message_out.h"
#include "proposal.h"
#include "rekey_collision.h"
#include "task_manager.h"
#include "transmit.h"
#include "util.h"

#define NONCE_LEN      32
#define REKEY_RETRY_MS 30000

static int ike_rekey_start(struct ike_sa *sa, enum request_kind kind, struct child_sa *child)
{
	struct create_child_ctx cc = {0};
	struct message_out *m;
	struct ike_payload *p;
	uint8_t *ke;
	int ret, n;

	(void)kind;
	(void)child;
	cc.nonce_len = NONCE_LEN;
	if (random_bytes(cc.new_ike_spi, IKE_SPI_LEN) < 0 ||
	    random_bytes(cc.nonce, cc.nonce_len) < 0 || ike_dh_new(sa->dh_group, &cc.dh) < 0) {
		create_child_ctx_clear(&cc);
		return -EIO;
	}
	m = malloc(sizeof(*m));
	if (m == NULL) {
		create_child_ctx_clear(&cc);
		return -ENOMEM;
	}
	message_out_init(m);
	proposal_build(sa->peer.ike, sa->peer.ike_count, IKE_PROTO_IKE, cc.new_ike_spi, IKE_SPI_LEN,
		       sa->dh_group, &m->sa);
	if ((p = message_out_add(m, IKE_PAYLOAD_SA)) != NULL)
		p->u.sa = &m->sa;
	if ((p = message_out_add(m, IKE_PAYLOAD_NONCE)) != NULL)
		p->u.nonce = (struct ike_span){cc.nonce, cc.nonce_len};
	ke = message_out_alloc(m, IKE_MAX_DH_PUBLIC);
	n = ke ? ike_dh_public(cc.dh, ke, IKE_MAX_DH_PUBLIC) : -ENOMEM;
	if ((p = message_out_add(m, IKE_PAYLOAD_KE)) != NULL && n > 0) {
		p->u.ke.group = sa->dh_group;
		p->u.ke.data = (struct ike_span){ke, (size_t)n};
	}
	ret = send_request(sa, REQUEST_IKE_REKEY, IKE_EXCHANGE_CREATE_CHILD_SA, m);
	free(m);
	if (ret < 0) {
		create_child_ctx_clear(&cc);
		return ret;
	}
	sa->request.cc = cc;
	log_info("%s: rekeying IKE_SA", sa_name(sa));
	return 0;
}

static void ike_rekey_process_response(struct ike_sa *sa, const struct ike_message *msg)
{
	struct create_child_ctx *cc = &sa->request.cc;
	const struct ike_payload *sa_p = ike_message_find(msg, IKE_PAYLOAD_SA);
	const struct ike_payload *nonce = ike_message_find(msg, IKE_PAYLOAD_NONCE);
	const struct ike_payload *ke = ike_message_find(msg, IKE_PAYLOAD_KE);
	struct selected_proposal sel;
	uint8_t g_ir[IKE_MAX_DH_SECRET];
	struct ike_sa *n = NULL;
	int ret = -EINVAL;

	for (size_t i = 0; i < msg->payload_count; i++) {
		const struct ike_payload *p = &msg->payloads[i];

		if (p->type == IKE_PAYLOAD_NOTIFY && p->u.notify.type <= IKE_N_ERROR_MAX)
			log_warn("%s: IKE_SA rekey refused: %s (%u)", sa_name(sa),
				 notify_name(p->u.notify.type), p->u.notify.type);
	}
	if (sa_p != NULL && nonce != NULL && ke != NULL &&
	    proposal_check_answer(sa_p->u.sa, sa->peer.ike, sa->peer.ike_count, IKE_PROTO_IKE,
				  IKE_SPI_LEN, true, &sel) == 0 &&
	    sel.dh == sa->dh_group && ke->u.ke.group == sa->dh_group)
		ret = ike_dh_compute(cc->dh, ke->u.ke.data.ptr, ke->u.ke.data.len, g_ir,
				     sizeof(g_ir));
	if (ret >= 0)
		n = ike_sa_successor(sa, true, cc->new_ike_spi, sel.spi, &sel,
				     (struct ike_span){cc->nonce, cc->nonce_len}, nonce->u.nonce,
				     g_ir, (size_t)ret);
	OPENSSL_cleanse(g_ir, sizeof(g_ir));
	/* RFC 7296 2.8.2: did the peer rekey this IKE_SA meanwhile? */
	struct ike_sa *coll = cc->collision_ike;
	bool lost = false;

	if (coll != NULL && !ike_sa_alive(sa->d, coll))
		coll = NULL;
	if (coll != NULL && n != NULL)
		lost = collision_we_lose(cc, nonce->u.nonce);
	task_manager_done(sa);
	if (coll != NULL) {
		if (n == NULL || lost) {
			/* The peer's new IKE_SA stays (it has the CHILD_SAs already); the peer
			 * deletes this one, we delete our redundant successor. */
			log_info("%s: IKE_SA rekey collision: the peer's successor #%u stays%s",
				 sa_name(sa), coll->unique_id,
				 n != NULL ? ", deleting our redundant one" : "");
			sa->replaced_by = coll;
			if (n != NULL)
				task_manager_start(n, REQUEST_DELETE_IKE, NULL);
			return;
		}
		/* Ours stays: it takes the CHILD_SAs; the peer deletes its redundant successor,
		 * we delete the old IKE_SA. */
		log_info("%s: IKE_SA rekey collision: our successor #%u stays, the peer's #%u is "
			 "redundant",
			 sa_name(sa), n->unique_id, coll->unique_id);
		n->children = coll->children;
		coll->children = NULL;
		ike_sa_set_state(coll, IKE_SA_REKEYED);
		coll->dead_at = now_ms(sa->d) + REKEYED_TIMEOUT_MS;
		coll->ike_rekey_at = 0;
	}
	if (n == NULL) {
		sa->ike_rekey_at = now_ms(sa->d) + REKEY_RETRY_MS;
		task_manager_schedule(sa);
		return;
	}
	log_info("%s: IKE_SA rekeyed, successor is #%u", sa_name(sa), n->unique_id);
	task_manager_start(sa, REQUEST_DELETE_IKE, NULL);
}

const struct ike_task task_ike_rekey = {
    .name = "IKE_SA rekey",
    .initiate = ike_rekey_start,
    .handle_response = ike_rekey_process_response,
};
