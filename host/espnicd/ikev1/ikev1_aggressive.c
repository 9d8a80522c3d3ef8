/* Aggressive mode (RFC 2409 5.4; NAT-D in messages 2 and 3 as RFC 3947 has them) in both
 * roles. With PSK only, and only for peers with "aggressive": true: the responder's HASH_R
 * goes out before the initiator has authenticated, so anyone who asks gets material to guess
 * the PSK offline. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1_internal.h"
#include "log.h"

/* Responder, message 1: the peer's KE, nonce and identity; our keys; message 2 (p[0..n) holds
 * the SA answer and our vendor IDs already). */
int v1_aggressive_respond_1(struct ike_sa *sa, const struct ikev1_message *msg,
			    struct ikev1_payload *p, size_t n)
{
	struct ikev1_sa *v = sa->v1;
	const struct ikev1_payload *id = ikev1_message_find(msg, IKEV1_PAYLOAD_ID, 0);
	uint8_t hash[IKE_MAX_PRF_LEN], natd[2][64];
	int len;

	if (id == NULL || id->u.id.body.len > sizeof(v->peer_id_b) || v1_take_ke(sa, msg) < 0) {
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
	if (v1_ke_nonce_make(sa, &p[n]) < 0 || v1_keys(sa) < 0) {
		ike_sa_kill(sa, "key exchange failed");
		return -EINVAL;
	}
	n += 2;
	v1_own_id(sa, &p[n]);
	if (v1_own_hash(sa, &p[n], hash, &p[n + 1]) < 0) {
		ike_sa_kill(sa, "HASH_R not computed");
		return -EINVAL;
	}
	n += 2;
	n += v1_natd_build(sa, &p[n], natd);
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
int v1_aggressive_initiate(struct ike_sa *sa, struct ikev1_sa_payload *offer,
			   struct ikev1_payload *p, size_t n)
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
	if (v->suite.group == NULL || v1_ke_nonce_make(sa, &p[n]) < 0)
		return -EINVAL;
	v1_own_id(sa, &p[n + 2]);
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

	if (v1_take_ke(sa, msg) < 0 || v1_keys(sa) < 0) {
		log_error("%s: IKEv1 aggressive mode 2 unusable", sa_name(sa));
		ike_sa_kill(sa, "key exchange failed");
		return;
	}
	if (!v1_verify_hash(sa, id ? id->u.id.body : sp(NULL, 0),
			    ikev1_message_find(msg, IKEV1_PAYLOAD_HASH, 0))) {
		ike_sa_kill(sa, "authentication failed");
		return;
	}
	v1_natd_process(sa, msg);
	v1_float_natt(sa);
	v1_own_id(sa, &ours);
	if (v1_own_hash(sa, &ours, hash, &p[0]) < 0) {
		ike_sa_kill(sa, "HASH_I not computed");
		return;
	}
	n += v1_natd_build(sa, &p[n], natd);
	n += v1_initial_contact_build(sa, cookies, &p[n]);
	len = v1_chain(p, n, plain, sizeof(plain));
	if (len > 0)
		len = v1_seal(sa, IKEV1_EXCHANGE_AGGRESSIVE, 0, &v->iv, IKEV1_PAYLOAD_HASH, plain,
			      (size_t)len, v->out, sizeof(v->out));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (len < 0) {
		ike_sa_kill(sa, "aggressive mode 3 not encodable");
		return;
	}
	v1_send(sa, v->out, (size_t)len, false);
	v1_established(sa);
	v1_children_wanted(sa);
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
		ike_sa_kill(sa, "authentication failed");
		return;
	}
	if (!v1_verify_hash(sa, sp(v->peer_id_b, v->peer_id_len),
			    ikev1_message_find(msg, IKEV1_PAYLOAD_HASH, 0))) {
		ike_sa_kill(sa, "authentication failed");
		return;
	}
	v->iv = next;
	v1_natd_process(sa, msg);
	if (sa->natt || sockaddr_port(local) == sa->d->cfg->natt_port) {
		sa->local = *local;
		sa->remote = *remote;
	}
	if (ikev1_message_find_notify(msg, IKEV1_N_INITIAL_CONTACT) != NULL &&
	    sa->peer.unique != CFG_UNIQUE_NEVER)
		v1_initial_contact(sa);
	v1_established(sa);
}

void v1_aggressive_process(struct ike_sa *sa, struct ikev1_message *msg,
			   const struct sockaddr_storage *local,
			   const struct sockaddr_storage *remote, uint8_t *plain, size_t cap)
{
	struct ikev1_sa *v = sa->v1;

	if (v->st == V1_AM_R1) {
		am_finish(sa, msg, local, remote, plain, cap);
		return;
	}
	if (v->st != V1_AM_I1 || (msg->header.flags & IKEV1_FLAG_ENCRYPTION))
		return;
	if (!v1_p1_take_answer(sa, msg))
		return;
	v->awaiting = false;
	am_complete(sa, msg);
}
