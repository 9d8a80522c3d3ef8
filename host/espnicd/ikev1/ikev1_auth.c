/* Phase-1 authentication: our identity (ID payload), HASH_I / HASH_R with pre-shared keys
 * (RFC 2409 5) or signed with our certificate's key (5.1: SIG_I / SIG_R, CERT payloads; the
 * credentials and their checks are IKEv2's, config/creds*.c), the check of the peer's, and
 * the responder's switch to the peer whose remote_id the initiator named. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1_internal.h"
#include "log.h"

/* Our ID: local_id, else (with a certificate) its subject, else our address. */
void v1_own_id(struct ike_sa *sa, struct ikev1_payload *p)
{
	size_t alen;
	const uint8_t *a;

	*p = (struct ikev1_payload){.type = IKEV1_PAYLOAD_ID};
	if (sa->peer.auth == CFG_AUTH_PUBKEY) {
		ike_auth_our_id(sa, &sa->v1->own_id);
		p->u.id.id_type = sa->v1->own_id.type;
		p->u.id.data = sp(sa->v1->own_id.data, sa->v1->own_id.len);
	} else if (sa->peer.lid.type != 0) {
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

/* HASH_I / HASH_R of one side (of_initiator) over its ID payload body id_b into hash. */
static int phase1_hash(struct ike_sa *sa, bool of_initiator, struct ike_span id_b, uint8_t *hash)
{
	struct ikev1_sa *v = sa->v1;

	return ikev1_hash_phase1(v->suite.prf, v->keys.skeyid, of_initiator, sp(v->gxi, v->gxi_len),
				 sp(v->gxr, v->gxr_len), sa->spi_i, sa->spi_r,
				 sp(v->sai_b, v->sai_len), id_b, hash);
}

/* Our ID payload's body (IDii_b / IDir_b) into buf. */
static int own_id_body(const struct ikev1_payload *id, uint8_t *buf, size_t cap,
		       struct ike_span *body)
{
	int len = v1_chain(id, 1, buf, cap);

	if (len < IKE_GENERIC_HEADER_LEN)
		return -EINVAL;
	*body = sp(buf + IKE_GENERIC_HEADER_LEN, (size_t)len - IKE_GENERIC_HEADER_LEN);
	return 0;
}

/* HASH_I / HASH_R over our ID payload id, as the HASH payload *out (value in hash). */
int v1_own_hash(struct ike_sa *sa, const struct ikev1_payload *id, uint8_t *hash,
		struct ikev1_payload *out)
{
	uint8_t buf[4 + IKE_GENERIC_HEADER_LEN + CREDS_MAX_ID_DER];
	struct ike_span body;

	if (own_id_body(id, buf, sizeof(buf), &body) < 0 ||
	    phase1_hash(sa, sa->initiator, body, hash) < 0)
		return -EINVAL;
	*out = (struct ikev1_payload){.type = IKEV1_PAYLOAD_HASH,
				      .u.hash = sp(hash, sa->v1->suite.prf->out_len)};
	return 0;
}

int v1_own_sig(struct ike_sa *sa, const struct ikev1_payload *id, uint8_t *sig, size_t cap,
	       struct ikev1_payload *out)
{
	uint8_t buf[4 + IKE_GENERIC_HEADER_LEN + CREDS_MAX_ID_DER], hash[IKE_MAX_PRF_LEN];
	struct ike_span body;
	int n;

	if (own_id_body(id, buf, sizeof(buf), &body) < 0 ||
	    phase1_hash(sa, sa->initiator, body, hash) < 0)
		return -EINVAL;
	n = creds_sign_v1(sa->peer.creds, sp(hash, sa->v1->suite.prf->out_len), sig, cap);
	if (n < 0)
		return n;
	*out = (struct ikev1_payload){.type = IKEV1_PAYLOAD_SIG, .u.sig = sp(sig, (size_t)n)};
	return 0;
}

size_t v1_own_certs(struct ike_sa *sa, struct ikev1_payload *p, size_t max, uint8_t *buf,
		    size_t cap)
{
	size_t n = 0, used = 0;

	for (unsigned i = 0; i < creds_cert_count(sa->peer.creds) && n < max; i++) {
		int len = creds_cert_der(sa->peer.creds, i, buf + used, cap - used);

		if (len < 0)
			break;
		p[n] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_CERT};
		p[n].u.cert.encoding = V1_CERT_X509_SIGNATURE;
		p[n++].u.cert.data = sp(buf + used, (size_t)len);
		used += (size_t)len;
	}
	return n;
}

size_t v1_certreqs(struct ike_sa *sa, struct ikev1_payload *p, size_t max, uint8_t *buf, size_t cap)
{
	size_t n = 0, used = 0;
	int len;

	if (sa->peer.auth != CFG_AUTH_PUBKEY)
		return 0;
	while (n < max &&
	       (len = creds_ca_name_der(sa->peer.creds, (unsigned)n, buf + used, cap - used)) > 0) {
		p[n] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_CERTREQ};
		p[n].u.cert.encoding = V1_CERT_X509_SIGNATURE;
		p[n++].u.cert.data = sp(buf + used, (size_t)len);
		used += (size_t)len;
	}
	return n;
}

static bool peer_id_acceptable(struct ike_sa *sa, struct ike_span id_b)
{
	if (sa->peer.rid.type != 0 &&
	    !cfg_id_equal(&sa->peer.rid, id_b.ptr[0], sp(id_b.ptr + 4, id_b.len - 4))) {
		log_error("%s: the peer authenticated with an identity other than remote_id \"%s\"",
			  sa_name(sa), sa->peer.remote_id);
		return false;
	}
	return true;
}

bool v1_verify_sig(struct ike_sa *sa, struct ike_span id_b, const struct ikev1_message *msg)
{
	const struct ikev1_payload *sig = ikev1_message_find(msg, IKEV1_PAYLOAD_SIG, 0), *c;
	struct creds_peer_cert certs[IKEV1_MAX_PAYLOADS];
	uint8_t want[IKE_MAX_PRF_LEN];
	unsigned n = 0;
	char why[200];

	for (unsigned i = 0; (c = ikev1_message_find(msg, IKEV1_PAYLOAD_CERT, i)) != NULL; i++)
		certs[n++] = (struct creds_peer_cert){c->u.cert.encoding, c->u.cert.data};
	if (id_b.len < 4 || sig == NULL) {
		log_error("%s: authentication of the peer failed: no %s payload", sa_name(sa),
			  id_b.len < 4 ? "ID" : "SIG");
		return false;
	}
	if (phase1_hash(sa, !sa->initiator, id_b, want) < 0 ||
	    creds_verify_peer_v1(sa->peer.creds, certs, n, id_b.ptr[0],
				 sp(id_b.ptr + 4, id_b.len - 4), sa->v1->suite.auth_method,
				 sig->u.sig, sp(want, sa->v1->suite.prf->out_len), why,
				 sizeof(why)) < 0) {
		log_error("%s: authentication of the peer failed: %s", sa_name(sa), why);
		return false;
	}
	if (!peer_id_acceptable(sa, id_b))
		return false;
	log_info("%s: peer authenticated with its certificate (IKEv1 method %u)", sa_name(sa),
		 sa->v1->suite.auth_method);
	return true;
}

/* The peer's HASH_I / HASH_R over its ID payload body id_b, and its identity. */
bool v1_verify_hash(struct ike_sa *sa, struct ike_span id_b, const struct ikev1_payload *hash)
{
	struct ikev1_sa *v = sa->v1;
	uint8_t want[IKE_MAX_PRF_LEN];

	if (id_b.len < 4 || hash == NULL || phase1_hash(sa, !sa->initiator, id_b, want) < 0 ||
	    hash->u.hash.len != v->suite.prf->out_len ||
	    CRYPTO_memcmp(want, hash->u.hash.ptr, v->suite.prf->out_len) != 0) {
		log_error("%s: authentication of the peer failed: its HASH_%s does not match our "
			  "pre-shared key (PSK mismatch)",
			  sa_name(sa), sa->initiator ? "R" : "I");
		return false;
	}
	return peer_id_acceptable(sa, id_b);
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
