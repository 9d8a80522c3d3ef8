/* The IKE_SA object: creation, keys, the established state, the successor of a rekey,
 * destruction; lookups over the list of IKE_SAs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "child_sa.h"
#include "ike_sa.h"
#include "ikev1/ikev1.h"
#include "log.h"
#include "message_out.h"
#include "sa_index.h"
#include "secmem.h"
#include "task_manager.h"
#include "util.h"

uint64_t now_ms(struct espnicd *d)
{
	return d->io.now_ms(d->io.arg);
}

uint64_t jitter(uint64_t ms)
{
	uint32_t r = 0;

	if (ms == 0)
		return 0;
	random_bytes((uint8_t *)&r, sizeof(r));
	return ms - (uint64_t)((double)ms * REKEY_JITTER / 100.0 * (r / 4294967296.0));
}

const char *sa_name(const struct ike_sa *sa)
{
	static char buf[96];

	snprintf(buf, sizeof(buf), "%s[%u]", sa->peer.name, sa->unique_id);
	return buf;
}

struct ike_sa *ike_sa_new(struct espnicd *d, const struct cfg_peer *peer, bool initiator)
{
	struct ike_sa *sa = secmem_zalloc(sizeof(*sa)); /* keys: kept out of core dumps */

	if (sa == NULL)
		return NULL;
	sa->d = d;
	sa->unique_id = ++d->next_unique_id;
	sa->created_at = now_ms(d);
	config_peer_copy(&sa->peer, peer);
	sa->initiator = initiator;
	if (random_bytes(initiator ? sa->spi_i : sa->spi_r, IKE_SPI_LEN) < 0) {
		config_peer_release(&sa->peer);
		secmem_free(sa);
		return NULL;
	}
	sa->local = peer->local;
	sa->remote = peer->remote;
	sa->next = d->sas;
	if (d->sas != NULL)
		d->sas->prev = sa;
	d->sas = sa;
	d->sa_generation++;
	d->index.count++;
	sa_index_add(sa);
	return sa;
}

void ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state state)
{
	struct sa_index *x = &sa->d->index;

	if (sa->state == state)
		return;
	if (sa->state == IKE_SA_INIT_DONE)
		sa_index_half_open(sa, false);
	else if (state == IKE_SA_INIT_DONE)
		sa_index_half_open(sa, true);
	if (sa->state == IKE_SA_DEAD)
		x->dead--;
	else if (state == IKE_SA_DEAD)
		x->dead++;
	sa->state = state;
}

void ike_sa_kill(struct ike_sa *sa, const char *why)
{
	if (sa->state != IKE_SA_DEAD && why != NULL) {
		log_info("%s: IKE_SA closed: %s", sa_name(sa), why);
		if (sa->d->io.sa_closed != NULL)
			sa->d->io.sa_closed(sa->d->io.arg, sa->peer.name, why);
	}
	ike_sa_set_state(sa, IKE_SA_DEAD);
}

void ike_sa_destroy(struct ike_sa *sa)
{
	struct espnicd *d = sa->d;

	while (sa->children != NULL)
		child_sa_remove(sa, sa->children);
	task_manager_abort(sa); /* a CHILD_SA request still out: its inbound SPI goes */
	if (sa->prev != NULL)
		sa->prev->next = sa->next;
	else
		d->sas = sa->next;
	if (sa->next != NULL)
		sa->next->prev = sa->prev;
	sa_index_remove(sa);
	d->sa_generation++;
	d->index.count--;
	if (sa->state == IKE_SA_DEAD)
		d->index.dead--;
	wire_free(&sa->request.wire);
	wire_free(&sa->last_response.wire);
	frag_drop(&sa->frag_req);
	frag_drop(&sa->frag_resp);
	free(sa->init_request);
	free(sa->init_response);
	free(sa->peer_auth_id);
	ike_dh_free(sa->dh);
	ikev1_sa_free(sa);
	config_peer_release(&sa->peer);
	secmem_free(sa); /* wiped */
}

void frag_drop(struct ike_frag_reassembly **r)
{
	if (*r == NULL)
		return;
	ike_frag_reset(*r); /* wipes the fragments */
	free(*r);
	*r = NULL;
}

bool peer_has_sa(struct espnicd *d, const char *name)
{
	for (struct ike_sa *sa = d->sas; sa != NULL; sa = sa->next)
		if (sa->state != IKE_SA_DEAD && sa->state != IKE_SA_REKEYED &&
		    sa->state != IKE_SA_DELETING && strcmp(sa->peer.name, name) == 0)
			return true;
	return false;
}

bool ike_sa_alive(struct espnicd *d, const struct ike_sa *sa)
{
	for (const struct ike_sa *x = d->sas; x != NULL; x = x->next)
		if (x == sa)
			return x->state != IKE_SA_DEAD;
	return false;
}

void ike_sa_set_keys(struct ike_sa *sa, const struct selected_proposal *sel)
{
	sa->proposal = *sel;
	sa->encr = ike_encr_lookup(sel->encr, sel->encr_bits);
	sa->prf = ike_prf_lookup(sel->prf);
	sa->integ = sel->integ ? ike_integ_lookup(sel->integ) : NULL;
}

int ike_sa_derive_keys(struct ike_sa *sa, const uint8_t *g_ir, size_t g_ir_len,
		       const struct ike_sa *old)
{
	struct ike_key_inputs in = {
	    .ni = {sa->ni, sa->ni_len},
	    .nr = {sa->nr, sa->nr_len},
	    .spi_i = sa->spi_i,
	    .spi_r = sa->spi_r,
	};
	struct ike_span gir = {g_ir, g_ir_len};
	uint8_t skeyseed[IKE_MAX_PRF_LEN];
	int ret;

	if (sa->encr == NULL || sa->prf == NULL || (!sa->encr->aead && sa->integ == NULL))
		return -EINVAL;
	if (old != NULL) {
		ret = ike_skeyseed_rekey(old->prf, old->keys.sk_d, &in, gir, skeyseed);
		if (ret >= 0)
			ret = ike_derive_sa_keys(sa->prf, sa->encr, sa->integ, skeyseed, &in,
						 &sa->keys);
		OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	} else {
		ret = ike_derive_ike_sa(sa->prf, sa->encr, sa->integ, &in, gir, &sa->keys);
	}
	if (ret < 0)
		return ret;
	return ike_sk_keys_from_sa(&sa->keys, sa->encr, sa->integ, sa->initiator, &sa->sk_send,
				   &sa->sk_recv);
}

void ike_sa_established(struct ike_sa *sa)
{
	uint64_t now = now_ms(sa->d);

	ike_sa_set_state(sa, IKE_SA_ESTABLISHED);
	sa->established_at = now;
	sa->last_received = now;
	sa->dead_at = 0;
	sa->ike_rekey_at = sa->peer.ike_rekey_ms ? now + jitter(sa->peer.ike_rekey_ms) : 0;
	sa->next_keepalive = now + sa->peer.keepalive_ms;
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	/* The IKE_SA_INIT messages were for the AUTH payloads, which are done. */
	free(sa->init_request);
	free(sa->init_response);
	sa->init_request = sa->init_response = NULL;
	sa->init_request_len = sa->init_response_len = 0;
}

struct ike_sa *ike_sa_successor(struct ike_sa *old, bool initiator, const uint8_t *spi_i,
				const uint8_t *spi_r, const struct selected_proposal *sel,
				struct ike_span ni, struct ike_span nr, const uint8_t *g_ir,
				size_t g_ir_len)
{
	struct ike_sa *n = ike_sa_new(old->d, &old->peer, initiator);

	if (n == NULL)
		return NULL;
	sa_index_remove(n); /* indexed by the SPI ike_sa_new chose, not this one */
	memcpy(n->spi_i, spi_i, IKE_SPI_LEN);
	memcpy(n->spi_r, spi_r, IKE_SPI_LEN);
	sa_index_add(n);
	n->local = old->local;
	n->remote = old->remote;
	n->peer_auth_id_type = old->peer_auth_id_type;
	if (old->peer_auth_id_len && (n->peer_auth_id = malloc(old->peer_auth_id_len)) != NULL) {
		memcpy(n->peer_auth_id, old->peer_auth_id, old->peer_auth_id_len);
		n->peer_auth_id_len = old->peer_auth_id_len;
	}
	n->peer_creates = old->peer_creates; /* a rekey does not renew the peer's allowance */
	n->nat_local = old->nat_local;
	n->nat_remote = old->nat_remote;
	n->natt = old->natt;
	n->dh_group = sel->dh;
	n->ni_len = ni.len;
	memcpy(n->ni, ni.ptr, ni.len);
	n->nr_len = nr.len;
	memcpy(n->nr, nr.ptr, nr.len);
	ike_sa_set_keys(n, sel);
	if (ike_sa_derive_keys(n, g_ir, g_ir_len, old) < 0) {
		ike_sa_kill(n, NULL);
		return NULL;
	}
	n->children = old->children;
	old->children = NULL;
	old->replaced_by = n;
	ike_sa_established(n);
	return n;
}

uint64_t min_nonzero(uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	return b < a ? b : a;
}
