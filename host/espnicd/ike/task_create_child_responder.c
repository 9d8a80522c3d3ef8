/* The responder side of CREATE_CHILD_SA (RFC 7296 1.3): a new CHILD_SA, a CHILD_SA rekey
 * (REKEY_SA) or an IKE_SA rekey (an SA payload for protocol IKE). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "child_sa.h"
#include "flood_limits.h"
#include "ike_sa.h"
#include "log.h"
#include "message_out.h"
#include "proposal.h"
#include "rekey_collision.h"
#include "task_manager.h"
#include "transmit.h"
#include "util.h"

#define NONCE_LEN	32
#define OLD_CHILD_GRACE 30000 /* the peer should delete a pair it replaced well before */

static void add_nonce(struct message_out *m, const uint8_t *nonce, size_t len)
{
	struct ike_payload *p = message_out_add(m, IKE_PAYLOAD_NONCE);

	if (p != NULL)
		p->u.nonce = (struct ike_span){nonce, len};
}

static void rekey_ike(struct ike_sa *sa, const struct ike_message *msg, struct message_out *m,
		      const struct ike_payload *nonce)
{
	const struct ike_payload *sa_p = ike_message_find(msg, IKE_PAYLOAD_SA);
	const struct ike_payload *ke = ike_message_find(msg, IKE_PAYLOAD_KE);
	struct selected_proposal sel;
	struct ike_dh *dh = NULL;
	uint8_t g_ir[IKE_MAX_DH_SECRET], spi_r[IKE_SPI_LEN], *nr, *ke_data;
	struct ike_payload *p;
	struct ike_sa *n;
	int ret;

	if (sa->request.kind == REQUEST_DELETE_IKE) {
		/* We are deleting this IKE_SA anyway. */
		message_out_notify(m, IKE_N_TEMPORARY_FAILURE, 0, NULL, 0, NULL, 0);
		return;
	}
	if (proposal_select(sa_p->u.sa, sa->peer.ike, sa->peer.ike_count, IKE_PROTO_IKE,
			    IKE_SPI_LEN, true, &sel) < 0) {
		log_error("%s: no acceptable proposal in the peer's IKE_SA rekey", sa_name(sa));
		message_out_notify(m, IKE_N_NO_PROPOSAL_CHOSEN, 0, NULL, 0, NULL, 0);
		return;
	}
	if (ke == NULL || ke->u.ke.group != sel.dh) {
		uint8_t data[2] = {(uint8_t)(sel.dh >> 8), (uint8_t)sel.dh};

		message_out_notify(m, IKE_N_INVALID_KE_PAYLOAD, 0, NULL, 0, data, 2);
		return;
	}
	nr = message_out_alloc(m, NONCE_LEN);
	ke_data = message_out_alloc(m, IKE_MAX_DH_PUBLIC);
	if (nr == NULL || ke_data == NULL || random_bytes(nr, NONCE_LEN) < 0 ||
	    random_bytes(spi_r, IKE_SPI_LEN) < 0 || ike_dh_new(sel.dh, &dh) < 0 ||
	    (ret = ike_dh_compute(dh, ke->u.ke.data.ptr, ke->u.ke.data.len, g_ir, sizeof(g_ir))) <
		0) {
		ike_dh_free(dh);
		message_out_notify(m, IKE_N_INVALID_SYNTAX, 0, NULL, 0, NULL, 0);
		return;
	}
	n = ike_sa_successor(sa, false, sel.spi, spi_r, &sel, nonce->u.nonce,
			     (struct ike_span){nr, NONCE_LEN}, g_ir, (size_t)ret);
	OPENSSL_cleanse(g_ir, sizeof(g_ir));
	if (n == NULL) {
		ike_dh_free(dh);
		message_out_notify(m, IKE_N_NO_ADDITIONAL_SAS, 0, NULL, 0, NULL, 0);
		return;
	}
	ret = ike_dh_public(dh, ke_data, IKE_MAX_DH_PUBLIC);
	ike_dh_free(dh);
	memcpy(sel.spi, spi_r, IKE_SPI_LEN);
	proposal_from_selected(&sel, &m->sa);
	if ((p = message_out_add(m, IKE_PAYLOAD_SA)) != NULL)
		p->u.sa = &m->sa;
	add_nonce(m, nr, NONCE_LEN);
	if ((p = message_out_add(m, IKE_PAYLOAD_KE)) != NULL) {
		p->u.ke.group = sel.dh;
		p->u.ke.data = (struct ike_span){ke_data, ret > 0 ? (size_t)ret : 0};
	}
	if (sa->request.kind == REQUEST_IKE_REKEY) {
		/* RFC 7296 2.8.2: both sides rekey this IKE_SA. Answer normally; when our own
		 * answer comes, the lowest nonce decides which new IKE_SA survives. */
		struct create_child_ctx *cc = &sa->request.cc;

		cc->collision_ike = n;
		collision_record_nonce(cc, nonce->u.nonce, (struct ike_span){nr, NONCE_LEN});
		log_info("%s: IKE_SA rekey collision: the peer rekeys too (its successor #%u)",
			 sa_name(sa), n->unique_id);
	}
	ike_sa_set_state(sa, IKE_SA_REKEYED);
	sa->dead_at = now_ms(sa->d) + REKEYED_TIMEOUT_MS;
	log_info("%s: IKE_SA rekeyed by the peer, successor is #%u", sa_name(sa), n->unique_id);
}

static void create_child_process_request(struct ike_sa *sa, const struct ike_message *msg)
{
	const struct ike_payload *nonce = ike_message_find(msg, IKE_PAYLOAD_NONCE);
	const struct ike_payload *sa_p = ike_message_find(msg, IKE_PAYLOAD_SA);
	const struct ike_notify_payload *rekey = ike_message_find_notify(msg, IKE_N_REKEY_SA);
	struct message_out *m = malloc(sizeof(*m));
	uint8_t nr[NONCE_LEN];

	if (m == NULL)
		return;
	message_out_init(m);
	if (sa->state != IKE_SA_ESTABLISHED || sa->d->shutting_down) {
		message_out_notify(m, IKE_N_TEMPORARY_FAILURE, 0, NULL, 0, NULL, 0);
	} else if (nonce == NULL || sa_p == NULL || sa_p->u.sa->proposal_count == 0) {
		message_out_notify(m, IKE_N_INVALID_SYNTAX, 0, NULL, 0, NULL, 0);
	} else if (!create_child_allowed(sa, sa_p->u.sa->proposals[0].protocol != IKE_PROTO_IKE &&
						 rekey == NULL)) {
		message_out_notify(m, IKE_N_NO_ADDITIONAL_SAS, 0, NULL, 0, NULL, 0);
	} else if (sa_p->u.sa->proposals[0].protocol == IKE_PROTO_IKE) {
		rekey_ike(sa, msg, m, nonce);
	} else if (rekey != NULL) {
		struct child_sa *old = NULL, *c;

		if (rekey->protocol == IKE_PROTO_ESP && rekey->spi.len == 4)
			old = child_find_out(sa, get_be32(rekey->spi.ptr));
		if (old == NULL || old->state == CHILD_SA_REKEYED ||
		    old->state == CHILD_SA_DELETING) {
			message_out_notify(m, IKE_N_CHILD_SA_NOT_FOUND, rekey->protocol,
					   rekey->spi.ptr, rekey->spi.len, NULL, 0);
		} else if (old->state == CHILD_SA_REKEYING &&
			   (sa->request.kind != REQUEST_CHILD_REKEY ||
			    sa->request.cc.old_child != old)) {
			message_out_notify(m, IKE_N_TEMPORARY_FAILURE, 0, NULL, 0, NULL, 0);
		} else if (random_bytes(nr, sizeof(nr)) == 0) {
			add_nonce(m, nr, sizeof(nr));
			c = child_create_respond(sa, msg, m, nonce->u.nonce.ptr, nonce->u.nonce.len,
						 nr, sizeof(nr), true, old->reqid, true);
			if (c != NULL && old->state == CHILD_SA_REKEYING) {
				/* RFC 7296 2.8.1: our rekey of the same CHILD_SA is out. Answer
				 * normally; our answer's nonces decide which new pair stays. */
				struct create_child_ctx *cc = &sa->request.cc;

				cc->collision_child = c;
				collision_record_nonce(cc, nonce->u.nonce,
						       (struct ike_span){nr, sizeof(nr)});
				log_info(
				    "%s: CHILD_SA %08x/%08x rekey collision: the peer rekeys it "
				    "too (its new pair %08x/%08x)",
				    sa_name(sa), old->spi_in, old->spi_out, c->spi_in, c->spi_out);
			} else if (c != NULL) {
				log_info("%s: CHILD_SA %08x/%08x rekeyed by the peer", sa_name(sa),
					 old->spi_in, old->spi_out);
				old->state = CHILD_SA_REKEYED;
				old->rekey_at = 0;
				old->delete_at = now_ms(sa->d) + OLD_CHILD_GRACE;
			}
		}
	} else if (random_bytes(nr, sizeof(nr)) == 0) {
		add_nonce(m, nr, sizeof(nr));
		child_create_respond(sa, msg, m, nonce->u.nonce.ptr, nonce->u.nonce.len, nr,
				     sizeof(nr), true, ++sa->d->next_reqid, false);
	}
	/* A failed negotiation leaves only the notify: drop the nonce we may have added. */
	if (m->count > 0 && m->payloads[m->count - 1].type == IKE_PAYLOAD_NOTIFY &&
	    m->payloads[m->count - 1].u.notify.type <= IKE_N_ERROR_MAX) {
		m->payloads[0] = m->payloads[m->count - 1];
		m->count = 1;
	}
	send_response(sa, IKE_EXCHANGE_CREATE_CHILD_SA, msg->header.message_id, m);
	OPENSSL_cleanse(nr, sizeof(nr));
	free(m);
}

const struct ike_task task_create_child_responder = {
    .name = "CREATE_CHILD_SA (responder)",
    .handle_request = create_child_process_request,
};
