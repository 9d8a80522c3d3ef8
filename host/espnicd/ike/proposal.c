/* Proposals (RFC 7296 3.3): ours from the configuration, the choice from the peer's offer,
 * and the strict check of the answer to ours. */
#include <errno.h>
#include <string.h>

#include "ike_sa.h"
#include "proposal.h"

static void add_transform(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t bits)
{
	if (p->transform_count == IKE_MAX_TRANSFORMS)
		return;
	p->transforms[p->transform_count++] =
	    (struct ike_transform){.type = type, .id = id, .key_length = bits};
}

void proposal_build(const struct cfg_proposal *cp, unsigned count, uint8_t protocol,
		    const uint8_t *spi, uint8_t spi_len, uint16_t dh_first,
		    struct ike_sa_payload *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < count && i < IKE_MAX_PROPOSALS; i++) {
		struct ike_proposal *p = &out->proposals[out->proposal_count++];
		const struct cfg_proposal *c = &cp[i];

		p->number = (uint8_t)(i + 1);
		p->protocol = protocol;
		p->spi_size = spi_len;
		if (spi_len)
			memcpy(p->spi, spi, spi_len);
		for (unsigned j = 0; j < c->encr_count; j++)
			add_transform(p, IKE_TRANSFORM_ENCR, c->encr[j].id, c->encr[j].bits);
		if (protocol == IKE_PROTO_IKE)
			for (unsigned j = 0; j < c->prf_count; j++)
				add_transform(p, IKE_TRANSFORM_PRF, c->prf[j], 0);
		for (unsigned j = 0; j < c->integ_count; j++)
			add_transform(p, IKE_TRANSFORM_INTEG, c->integ[j], 0);
		/* The group of our KE payload goes first, so the peer is likely to pick it. */
		for (unsigned j = 0; j < c->dh_count; j++)
			if (c->dh[j] == dh_first)
				add_transform(p, IKE_TRANSFORM_DH, c->dh[j], 0);
		for (unsigned j = 0; j < c->dh_count; j++)
			if (c->dh[j] != dh_first)
				add_transform(p, IKE_TRANSFORM_DH, c->dh[j], 0);
		if (protocol == IKE_PROTO_ESP)
			for (unsigned j = 0; j < c->esn_count; j++)
				add_transform(p, IKE_TRANSFORM_ESN, c->esn[j], 0);
	}
}

static bool in_list(const uint16_t *list, unsigned n, uint16_t v)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static bool has_type(const struct ike_proposal *p, uint8_t type)
{
	for (unsigned i = 0; i < p->transform_count; i++)
		if (p->transforms[i].type == type)
			return true;
	return false;
}

/* One offered proposal against one of ours. */
static bool match(const struct ike_proposal *p, const struct cfg_proposal *c, bool want_dh,
		  struct selected_proposal *sel)
{
	bool aead = false, encr = false, prf = false, integ = false, dh = false, esn = false;
	bool ike = p->protocol == IKE_PROTO_IKE;

	memset(sel, 0, sizeof(*sel));
	for (unsigned i = 0; i < p->transform_count; i++) {
		const struct ike_transform *t = &p->transforms[i];

		switch (t->type) {
		case IKE_TRANSFORM_ENCR:
			for (unsigned j = 0; !encr && j < c->encr_count; j++) {
				if (c->encr[j].id == t->id && c->encr[j].bits == t->key_length &&
				    ike_encr_lookup(t->id, t->key_length) != NULL) {
					encr = true;
					sel->encr = t->id;
					sel->encr_bits = t->key_length;
					aead = t->id == IKE_ENCR_AES_GCM_16;
				}
			}
			break;
		case IKE_TRANSFORM_PRF:
			if (!prf && ike && in_list(c->prf, c->prf_count, t->id)) {
				prf = true;
				sel->prf = t->id;
			}
			break;
		case IKE_TRANSFORM_INTEG:
			if (!integ && in_list(c->integ, c->integ_count, t->id)) {
				integ = true;
				sel->integ = t->id;
			}
			break;
		case IKE_TRANSFORM_DH:
			if (!dh && want_dh && in_list(c->dh, c->dh_count, t->id)) {
				dh = true;
				sel->dh = t->id;
			}
			break;
		case IKE_TRANSFORM_ESN:
			if (!esn && !ike && in_list(c->esn, c->esn_count, t->id)) {
				esn = true;
				sel->esn = t->id;
			}
			break;
		default:
			return false; /* a type we do not know: the proposal cannot be chosen */
		}
	}
	if (!encr)
		return false;
	if (aead) {
		/* AEAD takes no integrity algorithm; "none" (0) is the only acceptable one. */
		for (unsigned i = 0; i < p->transform_count; i++)
			if (p->transforms[i].type == IKE_TRANSFORM_INTEG && p->transforms[i].id)
				return false;
		sel->integ = 0;
	} else if (!integ) {
		return false;
	}
	if (ike && !prf)
		return false;
	if (want_dh && c->dh_count > 0 && !dh)
		return false;
	if (want_dh && c->dh_count == 0) {
		/* No PFS here: an offer that insists on a group does not fit. */
		bool none_ok = !has_type(p, IKE_TRANSFORM_DH);

		for (unsigned i = 0; i < p->transform_count; i++)
			if (p->transforms[i].type == IKE_TRANSFORM_DH && p->transforms[i].id == 0)
				none_ok = true;
		if (!none_ok)
			return false;
	}
	if (!ike && !esn) {
		if (has_type(p, IKE_TRANSFORM_ESN) || !in_list(c->esn, c->esn_count, IKE_ESN_NO))
			return false;
		sel->esn = IKE_ESN_NO;
	}
	return true;
}

int proposal_select(const struct ike_sa_payload *offer, const struct cfg_proposal *ours,
		    unsigned count, uint8_t protocol, uint8_t spi_len, bool want_dh,
		    struct selected_proposal *sel)
{
	for (unsigned i = 0; i < offer->proposal_count; i++) {
		const struct ike_proposal *p = &offer->proposals[i];
		bool odd = false;

		if (p->protocol != protocol || p->spi_size != spi_len)
			continue;
		for (unsigned j = 0; j < p->transform_count; j++)
			odd |= p->transforms[j].unknown_attribute;
		if (odd)
			continue;
		for (unsigned k = 0; k < count; k++) {
			if (match(p, &ours[k], want_dh, sel)) {
				sel->number = p->number;
				sel->protocol = protocol;
				sel->spi_len = spi_len;
				memcpy(sel->spi, p->spi, spi_len);
				return 0;
			}
		}
	}
	return -ENOENT;
}

int proposal_check_answer(const struct ike_sa_payload *answer, const struct cfg_proposal *ours,
			  unsigned count, uint8_t protocol, uint8_t spi_len, bool want_dh,
			  struct selected_proposal *sel)
{
	const struct ike_proposal *p;
	unsigned seen[6] = {0};

	if (answer->proposal_count != 1)
		return -EBADMSG;
	p = &answer->proposals[0];
	for (unsigned i = 0; i < p->transform_count; i++) {
		if (p->transforms[i].type == 0 || p->transforms[i].type > 5 ||
		    ++seen[p->transforms[i].type] > 1)
			return -EBADMSG;
	}
	if (p->number == 0 || p->number > count)
		return -EBADMSG;
	return proposal_select(answer, ours, count, protocol, spi_len, want_dh, sel) == 0
		   ? 0
		   : -EBADMSG;
}

void proposal_from_selected(const struct selected_proposal *sel, struct ike_sa_payload *out)
{
	struct ike_proposal *p = &out->proposals[0];

	memset(out, 0, sizeof(*out));
	out->proposal_count = 1;
	p->number = sel->number;
	p->protocol = sel->protocol;
	p->spi_size = sel->spi_len;
	memcpy(p->spi, sel->spi, sel->spi_len);
	add_transform(p, IKE_TRANSFORM_ENCR, sel->encr, sel->encr_bits);
	if (sel->protocol == IKE_PROTO_IKE)
		add_transform(p, IKE_TRANSFORM_PRF, sel->prf, 0);
	if (sel->integ)
		add_transform(p, IKE_TRANSFORM_INTEG, sel->integ, 0);
	if (sel->dh)
		add_transform(p, IKE_TRANSFORM_DH, sel->dh, 0);
	if (sel->protocol == IKE_PROTO_ESP)
		add_transform(p, IKE_TRANSFORM_ESN, sel->esn, 0);
}

bool proposal_group_acceptable(const struct cfg_proposal *ours, unsigned count, uint16_t group)
{
	for (unsigned i = 0; i < count; i++)
		if (in_list(ours[i].dh, ours[i].dh_count, group))
			return true;
	return false;
}

unsigned dh_group_strength(uint16_t group)
{
	/* Security strength in bits (NIST SP 800-57 part 1, table 2; RFC 7748 for X25519). */
	switch (group) {
	case IKE_DH_MODP_2048:
		return 112;
	case IKE_DH_MODP_3072:
	case IKE_DH_ECP_256:
	case IKE_DH_CURVE25519:
		return 128;
	case IKE_DH_MODP_4096:
		return 152;
	case IKE_DH_ECP_384:
		return 192;
	case IKE_DH_ECP_521:
		return 256;
	default:
		return 0;
	}
}
