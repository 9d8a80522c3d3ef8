/* The phase-1 key exchange: our DH value and nonce, the peer's, and from them SKEYID,
 * SKEYID_d/a/e and the first IV (RFC 2409 5). */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1_internal.h"
#include "log.h"

/* Our DH value and nonce as the KE and NONCE payloads p[0], p[1]. */
int v1_ke_nonce_make(struct ike_sa *sa, struct ikev1_payload *p)
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

/* The peer's KE and nonce of main mode 3 / 4; then SKEYID and the rest (RFC 2409 5). */
int v1_take_ke(struct ike_sa *sa, const struct ikev1_message *msg)
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

int v1_keys(struct ike_sa *sa)
{
	struct ikev1_sa *v = sa->v1;
	uint8_t gxy[IKE_MAX_DH_SECRET], skeyid[IKE_MAX_PRF_LEN];
	const uint8_t *peer_pub = sa->initiator ? v->gxr : v->gxi;
	size_t peer_len = sa->initiator ? v->gxr_len : v->gxi_len;
	int n = ike_dh_compute(sa->dh, peer_pub, peer_len, gxy, sizeof(gxy)), ret = -EINVAL;

	/* SKEYID: prf(pre-shared-key, Ni_b | Nr_b), or prf(Ni_b | Nr_b, g^xy) for signatures. */
	if (n > 0 &&
	    (v->suite.auth_method == IKEV1_AUTH_PSK
		 ? ikev1_skeyid_psk(v->suite.prf, sa->peer.psk, sa->peer.psk_len,
				    sp(sa->ni, sa->ni_len), sp(sa->nr, sa->nr_len), skeyid)
		 : ikev1_skeyid_sig(v->suite.prf, sp(sa->ni, sa->ni_len), sp(sa->nr, sa->nr_len),
				    sp(gxy, (size_t)n), skeyid)) == 0 &&
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
