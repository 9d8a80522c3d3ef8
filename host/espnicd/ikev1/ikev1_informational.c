/* IKEv1 informational exchanges: Delete of ISAKMP and ESP SAs both ways, INITIAL-CONTACT
 * both ways, DPD R-U-THERE answered (RFC 3706), the peer's error notifies, and its
 * unauthenticated refusals of phase 1. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1_internal.h"
#include "log.h"

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

void v1_initial_contact(struct ike_sa *sa)
{
	for (struct ike_sa *x = sa->d->sas; x != NULL; x = x->next)
		if (x != sa && x->v1 != NULL && x->state == IKE_SA_ESTABLISHED &&
		    strcmp(x->peer.name, sa->peer.name) == 0)
			ike_sa_kill(x, "the peer sent INITIAL-CONTACT (it restarted)");
}

/* The initiator's INITIAL-CONTACT (not on a phase-1 rekey, not with unique_ids never) into
 * *p; returns how many payloads (0 or 1). */
size_t v1_initial_contact_build(struct ike_sa *sa, uint8_t cookies[16], struct ikev1_payload *p)
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

/* A Delete of the ISAKMP SA itself (its cookies as SPI). */
void v1_send_isakmp_delete(struct ike_sa *sa)
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

/* A cleartext informational of phase 1: the peer's refusal, unauthenticated. */
void v1_clear_informational(struct ike_sa *sa, const struct ikev1_message *msg)
{
	const struct ikev1_payload *n = ikev1_message_find(msg, IKEV1_PAYLOAD_NOTIFY, 0);

	if (n == NULL || sa->v1->st == V1_EST)
		return;
	log_error("%s: peer answered %s (%u)%s", sa_name(sa), v1_notify_name(n->u.notify.type),
		  n->u.notify.type,
		  n->u.notify.type == IKEV1_N_NO_PROPOSAL_CHOSEN ? ": no IKE proposal in common"
		  : n->u.notify.type == IKEV1_N_INVALID_HASH_INFORMATION ||
			  n->u.notify.type == IKEV1_N_AUTHENTICATION_FAILED
		      ? ": pre-shared key, certificate or identity mismatch"
		      : "");
	/* Anyone could have sent it: acted on only when our request times out. */
	sa->v1->failure =
	    n->u.notify.type == IKEV1_N_NO_PROPOSAL_CHOSEN ? "no proposal chosen" : "peer refused";
	if (sa->v1->st == V1_MM_I1 && n->u.notify.type == IKEV1_N_NO_PROPOSAL_CHOSEN)
		ike_sa_kill(sa, sa->v1->failure);
}

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
				v1_initial_contact(sa);
		} else if (p->type == IKEV1_PAYLOAD_NOTIFY && p->u.notify.type == V1_N_CONNECTED) {
			v1_quick_connected(sa, &p->u.notify);
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
