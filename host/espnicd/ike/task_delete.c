/* INFORMATIONAL exchanges with Delete payloads (RFC 7296 1.4): deleting CHILD_SAs (ours after
 * a rekey, on expiry or on request) and the IKE_SA, and answering the peer's deletes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "child_sa.h"
#include "ike_sa.h"
#include "log.h"
#include "message_out.h"
#include "task_manager.h"
#include "transmit.h"
#include "util.h"

static int delete_child_start(struct ike_sa *sa, struct child_sa *child)
{
	struct message_out *m = malloc(sizeof(*m));
	struct ike_payload *p;
	uint8_t *spi;
	int ret;

	if (m == NULL)
		return -ENOMEM;
	message_out_init(m);
	spi = message_out_alloc(m, 4);
	p = message_out_add(m, IKE_PAYLOAD_DELETE);
	if (spi != NULL && p != NULL) {
		put_be32(spi, child->spi_in);
		p->u.del = (struct ike_delete_payload){
		    .protocol = IKE_PROTO_ESP, .spi_size = 4, .spi_count = 1, .spis = {spi, 4}};
	}
	ret = send_request(sa, REQUEST_DELETE_CHILD, IKE_EXCHANGE_INFORMATIONAL, m);
	free(m);
	if (ret == 0) {
		sa->request.cc.old_child = child;
		child->state = CHILD_SA_DELETING;
		log_info("%s: deleting CHILD_SA %08x/%08x", sa_name(sa), child->spi_in,
			 child->spi_out);
	}
	return ret;
}

static int delete_ike_start(struct ike_sa *sa)
{
	struct message_out *m = malloc(sizeof(*m));
	struct ike_payload *p;
	int ret;

	if (m == NULL)
		return -ENOMEM;
	message_out_init(m);
	p = message_out_add(m, IKE_PAYLOAD_DELETE);
	if (p != NULL)
		p->u.del.protocol = IKE_PROTO_IKE;
	ret = send_request(sa, REQUEST_DELETE_IKE, IKE_EXCHANGE_INFORMATIONAL, m);
	free(m);
	if (ret < 0) {
		ike_sa_kill(sa, "could not send the delete");
		return ret;
	}
	ike_sa_set_state(sa, IKE_SA_DELETING);
	log_info("%s: deleting IKE_SA", sa_name(sa));
	return 0;
}

static int delete_start(struct ike_sa *sa, enum request_kind kind, struct child_sa *child)
{
	return kind == REQUEST_DELETE_IKE ? delete_ike_start(sa) : delete_child_start(sa, child);
}

static void delete_process_response(struct ike_sa *sa, const struct ike_message *msg)
{
	enum request_kind kind = sa->request.kind;
	struct child_sa *old = sa->request.cc.old_child;

	(void)msg; /* the peer's Delete lists its inbound SPIs of the same pairs */
	sa->request.cc.old_child = NULL;
	task_manager_done(sa);
	if (kind == REQUEST_DELETE_IKE) {
		ike_sa_kill(sa, sa->replaced_by ? "replaced by its rekeyed successor" : "deleted");
		return;
	}
	for (struct child_sa *c = sa->children; c != NULL; c = c->next) {
		if (c == old) {
			child_sa_remove(sa, c);
			break;
		}
	}
	task_manager_schedule(sa);
}

static void informational_process_request(struct ike_sa *sa, const struct ike_message *msg)
{
	struct message_out *m = malloc(sizeof(*m));
	uint8_t *spis = NULL;
	uint16_t count = 0;
	bool delete_ike = false;

	if (m == NULL)
		return;
	message_out_init(m);
	for (size_t i = 0; i < msg->payload_count; i++) {
		const struct ike_payload *p = &msg->payloads[i];

		if (p->type != IKE_PAYLOAD_DELETE)
			continue;
		if (p->u.del.protocol == IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (p->u.del.protocol != IKE_PROTO_ESP || p->u.del.spi_size != 4)
			continue;
		for (uint16_t j = 0; j < p->u.del.spi_count; j++) {
			struct child_sa *c =
			    child_find_out(sa, get_be32(p->u.del.spis.ptr + 4 * j));

			if (c == NULL)
				continue;
			if (spis == NULL)
				spis = message_out_alloc(m, 4 * IKE_MAX_PAYLOADS);
			if (spis != NULL && count < IKE_MAX_PAYLOADS)
				put_be32(spis + 4 * count++, c->spi_in);
			log_info("%s: peer deleted CHILD_SA %08x/%08x", sa_name(sa), c->spi_in,
				 c->spi_out);
			if (sa->request.cc.old_child == c)
				sa->request.cc.old_child = NULL;
			if (sa->request.cc.collision_child == c)
				sa->request.cc.collision_child = NULL;
			child_sa_remove(sa, c);
		}
	}
	if (count > 0) {
		struct ike_payload *p = message_out_add(m, IKE_PAYLOAD_DELETE);

		if (p != NULL)
			p->u.del = (struct ike_delete_payload){.protocol = IKE_PROTO_ESP,
							       .spi_size = 4,
							       .spi_count = count,
							       .spis = {spis, 4u * count}};
	}
	if (delete_ike)
		message_out_init(m); /* the answer to an IKE_SA delete is empty */
	send_response(sa, IKE_EXCHANGE_INFORMATIONAL, msg->header.message_id, m);
	free(m);
	if (delete_ike)
		ike_sa_kill(sa, sa->state == IKE_SA_REKEYED ? "old IKE_SA deleted after rekey"
							    : "deleted by the peer");
}

const struct ike_task task_delete = {
    .name = "INFORMATIONAL (Delete)",
    .initiate = delete_start,
    .handle_request = informational_process_request,
    .handle_response = delete_process_response,
};
