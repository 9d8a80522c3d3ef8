/* NAT traversal for IKEv1 (RFC 3947): the vendor IDs that announce it (and DPD, RFC 3706),
 * the NAT-D payloads, what they say about NATs, and the float to port 4500. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1_internal.h"
#include "log.h"

static int natd_of(struct ike_sa *sa, const struct sockaddr_storage *ss, uint8_t *out)
{
	size_t alen;
	const uint8_t *a = sockaddr_addr(ss, &alen);

	return ikev1_natd_hash(sa->v1->suite.prf, sa->spi_i, sa->spi_r, a, alen, sockaddr_port(ss),
			       out, IKE_MAX_PRF_LEN);
}

/* The two NAT-D payloads: the peer's address, then ours (unmatchable with force_encap). */
size_t v1_natd_build(struct ike_sa *sa, struct ikev1_payload *p, uint8_t (*buf)[64])
{
	int n;

	if (!sa->v1->peer_natt)
		return 0;
	n = natd_of(sa, &sa->remote, buf[0]);
	natd_of(sa, &sa->local, buf[1]);
	if (sa->peer.force_encap)
		random_bytes(buf[1], (size_t)n);
	p[0] =
	    (struct ikev1_payload){.type = IKEV1_PAYLOAD_NAT_D, .u.nat_d = sp(buf[0], (size_t)n)};
	p[1] =
	    (struct ikev1_payload){.type = IKEV1_PAYLOAD_NAT_D, .u.nat_d = sp(buf[1], (size_t)n)};
	return 2;
}

void v1_natd_process(struct ike_sa *sa, const struct ikev1_message *msg)
{
	uint8_t ours[IKE_MAX_PRF_LEN], theirs[IKE_MAX_PRF_LEN];
	const struct ikev1_payload *p;
	bool remote_match = false;
	int n;

	if (!sa->v1->peer_natt || (p = ikev1_message_find(msg, IKEV1_PAYLOAD_NAT_D, 0)) == NULL)
		return;
	n = natd_of(sa, &sa->local, ours);
	natd_of(sa, &sa->remote, theirs);
	sa->nat_local = p->u.nat_d.len != (size_t)n || CRYPTO_memcmp(p->u.nat_d.ptr, ours, n) != 0;
	for (unsigned i = 1; (p = ikev1_message_find(msg, IKEV1_PAYLOAD_NAT_D, i)) != NULL; i++)
		remote_match |=
		    p->u.nat_d.len == (size_t)n && CRYPTO_memcmp(p->u.nat_d.ptr, theirs, n) == 0;
	sa->nat_remote = !remote_match;
	sa->natt = sa->nat_local || sa->nat_remote || sa->peer.force_encap;
	log_info("%s: NAT detection: %s%s%s", sa_name(sa),
		 sa->nat_local ? "we are behind NAT " : "",
		 sa->nat_remote ? "the peer is behind NAT (or pretends) " : "",
		 sa->natt ? "- floating to UDP 4500, ESP in UDP" : "no NAT");
}

void v1_vendor_ids(struct ike_sa *sa, const struct ikev1_message *msg)
{
	const struct ikev1_payload *p;

	for (unsigned i = 0; (p = ikev1_message_find(msg, IKEV1_PAYLOAD_VENDOR_ID, i)) != NULL;
	     i++) {
		enum ikev1_vendor k = ikev1_vendor_id_kind(p->u.vendor_id);

		sa->v1->peer_natt |= k == IKEV1_VENDOR_NAT_T_RFC3947;
		sa->v1->peer_dpd |= k == IKEV1_VENDOR_DPD;
	}
}

size_t v1_vendor_build(struct ikev1_payload *p)
{
	p[0] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_VENDOR_ID,
				      .u.vendor_id = sp(ikev1_vid_nat_t_rfc3947, IKEV1_VID_LEN)};
	p[1] = (struct ikev1_payload){.type = IKEV1_PAYLOAD_VENDOR_ID,
				      .u.vendor_id = sp(ikev1_vid_dpd, IKEV1_VID_LEN)};
	return 2;
}

void v1_float_natt(struct ike_sa *sa)
{
	if (!sa->natt || sockaddr_port(&sa->local) == sa->d->cfg->natt_port)
		return;
	sockaddr_set_port(&sa->local, sa->d->cfg->natt_port);
	sockaddr_set_port(&sa->remote, 4500);
}
