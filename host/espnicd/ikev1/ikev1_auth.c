/* Phase-1 authentication: our identity (ID payload), HASH_I / HASH_R with pre-shared keys
 * (RFC 2409 5), the check of the peer's, and the responder's switch to the peer whose
 * remote_id the initiator named. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1_internal.h"
#include "log.h"

/* Our ID: local_id, else our address. */
void v1_own_id(struct ike_sa *sa, struct ikev1_payload *p)
{
	size_t alen;
	const uint8_t *a;

	*p = (struct ikev1_payload){.type = IKEV1_PAYLOAD_ID};
	if (sa->peer.lid.type != 0) {
		p->u.id.id_type = sa->peer.lid.type;
		p->u.id.data = sp(sa->peer.lid.data, sa->peer.lid.len);
	} else {
		a = sockaddr_addr(&sa->peer.local, &alen);
		p->u.id.id_type = alen == 4 ? IKEV1_ID_IPV4_ADDR : IKEV1_ID_IPV6_ADDR;
		p->u.id.data = sp(a, alen);
	}
	p->u.id.protocol = 17;
	p->u.id.port = 500;
}

/* HASH_I / HASH_R over our ID payload id, as the HASH payload *out (value in hash). */
int v1_own_hash(struct ike_sa *sa, const struct ikev1_payload *id, uint8_t *hash,
		struct ikev1_payload *out)
{
	struct ikev1_sa *v = sa->v1;
	uint8_t buf[512];
	int len = v1_chain(id, 1, buf, sizeof(buf));

	if (len < 0 ||
	    ikev1_hash_phase1(
		v->suite.prf, v->keys.skeyid, sa->initiator, sp(v->gxi, v->gxi_len),
		sp(v->gxr, v->gxr_len), sa->spi_i, sa->spi_r, sp(v->sai_b, v->sai_len),
		sp(buf + IKE_GENERIC_HEADER_LEN, (size_t)len - IKE_GENERIC_HEADER_LEN), hash) < 0)
		return -EINVAL;
	*out = (struct ikev1_payload){.type = IKEV1_PAYLOAD_HASH,
				      .u.hash = sp(hash, v->suite.prf->out_len)};
	return 0;
}

/* The peer's HASH_I / HASH_R over its ID payload body id_b, and its identity. */
bool v1_verify_hash(struct ike_sa *sa, struct ike_span id_b, const struct ikev1_payload *hash)
{
	struct ikev1_sa *v = sa->v1;
	uint8_t want[IKE_MAX_PRF_LEN];

	if (id_b.len < 4 || hash == NULL ||
	    ikev1_hash_phase1(v->suite.prf, v->keys.skeyid, !sa->initiator, sp(v->gxi, v->gxi_len),
			      sp(v->gxr, v->gxr_len), sa->spi_i, sa->spi_r,
			      sp(v->sai_b, v->sai_len), id_b, want) < 0 ||
	    hash->u.hash.len != v->suite.prf->out_len ||
	    CRYPTO_memcmp(want, hash->u.hash.ptr, v->suite.prf->out_len) != 0) {
		log_error("%s: authentication of the peer failed: its HASH_%s does not match our "
			  "pre-shared key (PSK mismatch)",
			  sa_name(sa), sa->initiator ? "R" : "I");
		return false;
	}
	if (sa->peer.rid.type != 0 &&
	    !cfg_id_equal(&sa->peer.rid, id_b.ptr[0], sp(id_b.ptr + 4, id_b.len - 4))) {
		log_error("%s: the peer authenticated with an identity other than remote_id \"%s\"",
			  sa_name(sa), sa->peer.remote_id);
		return false;
	}
	return true;
}

/* Responder: several peers may share the addresses (many tunnels between two gateways).
 * Main mode picked the first; its PSK keyed the exchange, so the peer whose remote_id the
 * initiator's ID names may take over only when it has the same PSK and accepts the suite. */
void v1_switch_peer(struct ike_sa *sa, const struct ikev1_payload *id)
{
	const struct espnicd_config *cfg = sa->d->cfg;

	if (sa->initiator || id == NULL || sa->peer.rid.type == 0 ||
	    cfg_id_equal(&sa->peer.rid, id->u.id.id_type, id->u.id.data))
		return;
	for (unsigned i = 0; i < cfg->peer_count; i++) {
		const struct cfg_peer *p = &cfg->peers[i];
		struct sockaddr_storage local = sa->local, remote = sa->remote;

		if ((p->version != 1 && p->version != CFG_IKE_FLEX) || p->rid.type == 0 ||
		    !cfg_id_equal(&p->rid, id->u.id.id_type, id->u.id.data) ||
		    !sockaddr_same_host(&p->local, &sa->local) ||
		    !(p->remote_any || sockaddr_same_host(&p->remote, &sa->remote)) ||
		    p->psk_len != sa->peer.psk_len ||
		    CRYPTO_memcmp(p->psk, sa->peer.psk, p->psk_len) != 0 ||
		    !v1_p1_ours(p, &sa->v1->suite))
			continue;
		log_debug("%s: the initiator's identity is peer %s's", sa_name(sa), p->name);
		config_peer_release(&sa->peer);
		config_peer_copy(&sa->peer, p);
		sa->local = local;
		sa->remote = remote;
		return;
	}
}
