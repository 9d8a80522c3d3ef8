/* CHILD_SAs: the negotiation shared by IKE_AUTH and CREATE_CHILD_SA (RFC 7296 1.3, 2.9, 2.17):
 * ESP proposals with our inbound SPI from the dataplane, traffic selectors with narrowing,
 * optional PFS, key derivation and the install into the dataplane; removing a CHILD_SA and
 * finding one by SPI. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "child_sa.h"
#include "ike_sa.h"
#include "log.h"
#include "message_out.h"
#include "proposal.h"
#include "task_manager.h"
#include "traffic_selectors.h"
#include "traps.h"
#include "util.h"

#define OUT_CHECK_MS 50 /* rekey responder: how often to look for the peer's first packet */

static void add_sa_payload(struct message_out *m, struct ike_sa_payload *sa_payload)
{
	struct ike_payload *p = message_out_add(m, IKE_PAYLOAD_SA);

	if (p != NULL)
		p->u.sa = sa_payload;
}

static void add_ts(struct message_out *m, uint8_t type, const struct ike_ts_payload *ts)
{
	struct ike_ts_payload *copy = &m->ts[type == IKE_PAYLOAD_TSI ? 0 : 1];
	struct ike_payload *p = message_out_add(m, type);

	*copy = *ts;
	if (p != NULL)
		p->u.ts = copy;
}

int child_create_build_request(struct ike_sa *sa, struct message_out *m, uint32_t spi_in,
			       const struct child_sa *old)
{
	struct cfg_proposal props[CFG_MAX_PROPOSALS];
	struct ike_ts_payload tsi, tsr;
	uint8_t spi[4];

	put_be32(spi, spi_in);
	memcpy(props, sa->peer.esp, sizeof(props));
	if (sa->state != IKE_SA_ESTABLISHED)
		for (unsigned i = 0; i < sa->peer.esp_count; i++)
			props[i].dh_count = 0; /* no KE in IKE_AUTH: PFS groups do not apply */
	proposal_build(props, sa->peer.esp_count, IKE_PROTO_ESP, spi, 4,
		       props[0].dh_count ? props[0].dh[0] : 0, &m->sa);
	add_sa_payload(m, &m->sa);
	if (old != NULL) {
		tsi = old->ts_local;
		tsr = old->ts_remote;
	} else {
		ts_from_config(sa->peer.local_ts, sa->peer.local_ts_count, &sa->local, &tsi);
		ts_from_config(sa->peer.remote_ts, sa->peer.remote_ts_count, &sa->remote, &tsr);
		/* Ask only for what the dataplane can check exactly on inbound traffic (if
		 * nothing fits, the answer is refused when it comes). */
		if (ts_fit_dataplane(sa->d->dp, &tsi, &tsr) == 1)
			log_info("%s: traffic selectors narrowed to what the dataplane checks "
				 "exactly (one local and one remote prefix, any port)",
				 sa_name(sa));
	}
	add_ts(m, IKE_PAYLOAD_TSI, &tsi);
	add_ts(m, IKE_PAYLOAD_TSR, &tsr);
	if (sa->peer.mode == DP_MODE_TRANSPORT)
		message_out_notify(m, IKE_N_USE_TRANSPORT_MODE, 0, NULL, 0, NULL, 0);
	return m->err;
}

static int install(struct ike_sa *sa, struct child_sa *c, bool initiator,
		   const struct ike_child_keys *keys, enum dp_mode mode)
{
	const struct ike_encr_alg *encr = ike_encr_lookup(c->proposal.encr, c->proposal.encr_bits);
	const struct ike_integ_alg *integ =
	    c->proposal.integ ? ike_integ_lookup(c->proposal.integ) : NULL;
	const struct ike_child_dir_keys *in = initiator ? &keys->r_to_i : &keys->i_to_r;
	const struct ike_child_dir_keys *out = initiator ? &keys->i_to_r : &keys->r_to_i;
	struct dp_child_sa *d = calloc(1, sizeof(*d));
	int ret;

	if (d == NULL || encr == NULL)
		return -ENOMEM;
	d->reqid = c->reqid;
	d->mode = mode;
	if (sa->peer.mss_dirs & DP_MSS_IN)
		d->mss_in = sa->peer.mss_value ? sa->peer.mss_value : DP_MSS_AUTO;
	if (sa->peer.mss_dirs & DP_MSS_OUT)
		d->mss_out = sa->peer.mss_value ? sa->peer.mss_value : DP_MSS_AUTO;
	d->encr_id = c->proposal.encr;
	d->key_bits = c->proposal.encr_bits;
	d->integ_id = c->proposal.integ;
	d->key_len = encr->key_len;
	d->salt_len = encr->salt_len;
	d->integ_key_len = integ ? integ->key_len : 0;
	d->esn = c->proposal.esn == IKE_ESN_YES;
	d->in.spi = c->spi_in;
	d->out.spi = c->spi_out;
	memcpy(d->in.key, in->encr, d->key_len);
	memcpy(d->in.salt, in->salt, d->salt_len);
	memcpy(d->in.integ_key, in->integ, d->integ_key_len);
	memcpy(d->out.key, out->encr, d->key_len);
	memcpy(d->out.salt, out->salt, d->salt_len);
	memcpy(d->out.integ_key, out->integ, d->integ_key_len);
	d->local = sa->local;
	d->remote = sa->remote;
	if (sa->natt) {
		d->encap_local_port = sockaddr_port(&sa->local);
		d->encap_remote_port = sockaddr_port(&sa->remote);
	}
	ts_to_dp(&c->ts_local, d->local_ts, &d->local_ts_count);
	ts_to_dp(&c->ts_remote, d->remote_ts, &d->remote_ts_count);
	memcpy(d->host_if, sa->peer.host_if, sizeof(d->host_if));
	d->vlan = sa->peer.vlan;
	d->out_later = c->out_pending;
	d->lifetime.soft_bytes = sa->peer.child_rekey_bytes;
	d->lifetime.hard_bytes = sa->peer.child_life_bytes;
	d->lifetime.soft_packets = sa->peer.child_rekey_packets;
	d->lifetime.hard_packets = sa->peer.child_life_packets;
	ret = dp_install(sa->d->dp, d);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
	return ret;
}

struct child_sa *child_install(struct ike_sa *sa, struct child_sa *c, bool initiator,
			       struct ike_child_keys *keys, enum dp_mode mode)
{
	uint64_t now = now_ms(sa->d);
	char l[256], r[256];
	int ret = install(sa, c, initiator, keys, mode);

	ike_child_keys_wipe(keys);
	if (ret < 0) {
		log_error("%s: dataplane refused CHILD_SA %08x/%08x: %s", sa_name(sa), c->spi_in,
			  c->spi_out, strerror(-ret));
		free(c);
		return NULL;
	}
	c->state = CHILD_SA_INSTALLED;
	c->mode = mode;
	c->rekey_at = sa->peer.child_rekey_ms ? now + jitter(sa->peer.child_rekey_ms) : 0;
	c->expire_at = sa->peer.child_life_ms ? now + sa->peer.child_life_ms : 0;
	c->next = sa->children;
	sa->children = c;
	ts_describe(&c->ts_local, l, sizeof(l));
	ts_describe(&c->ts_remote, r, sizeof(r));
	log_info("%s: CHILD_SA installed, SPIs in %08x out %08x, %s === %s%s", sa_name(sa),
		 c->spi_in, c->spi_out, l, r, sa->natt ? ", UDP-encapsulated" : "");
	trap_child_installed(sa->d, sa->peer.name);
	return c;
}

struct child_sa *child_create_respond(struct ike_sa *sa, const struct ike_message *msg,
				      struct message_out *resp, const uint8_t *ni, size_t ni_len,
				      const uint8_t *nr, size_t nr_len, bool create_child_sa,
				      uint32_t reqid, bool rekey)
{
	const struct ike_payload *sa_p = ike_message_find(msg, IKE_PAYLOAD_SA);
	const struct ike_payload *tsi_p = ike_message_find(msg, IKE_PAYLOAD_TSI);
	const struct ike_payload *tsr_p = ike_message_find(msg, IKE_PAYLOAD_TSR);
	const struct ike_payload *ke_p = ike_message_find(msg, IKE_PAYLOAD_KE);
	struct ike_ts_payload ours_i, ours_r;
	struct selected_proposal sel;
	struct ike_child_keys keys;
	uint8_t g_ir[IKE_MAX_DH_SECRET];
	size_t g_ir_len = 0;
	enum dp_mode mode = DP_MODE_TUNNEL;
	struct child_sa *c;
	int ret;

	if (sa_p == NULL || tsi_p == NULL || tsr_p == NULL) {
		if (create_child_sa)
			message_out_notify(resp, IKE_N_INVALID_SYNTAX, 0, NULL, 0, NULL, 0);
		return NULL; /* IKE_AUTH without a CHILD_SA (RFC 6023 style): fine */
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (proposal_select(sa_p->u.sa, sa->peer.esp, sa->peer.esp_count, IKE_PROTO_ESP, 4,
			    create_child_sa, &sel) < 0) {
		log_error("%s: no acceptable ESP proposal from the peer, answering "
			  "NO_PROPOSAL_CHOSEN",
			  sa_name(sa));
		message_out_notify(resp, IKE_N_NO_PROPOSAL_CHOSEN, 0, NULL, 0, NULL, 0);
		free(c);
		return NULL;
	}
	ts_from_config(sa->peer.remote_ts, sa->peer.remote_ts_count, &sa->remote, &ours_i);
	ts_from_config(sa->peer.local_ts, sa->peer.local_ts_count, &sa->local, &ours_r);
	if (ts_narrow(tsi_p->u.ts, &ours_i, &c->ts_remote) < 0 ||
	    ts_narrow(tsr_p->u.ts, &ours_r, &c->ts_local) < 0) {
		char a[256], b[256];

		ts_describe(tsi_p->u.ts, a, sizeof(a));
		ts_describe(tsr_p->u.ts, b, sizeof(b));
		log_error("%s: traffic selectors %s === %s not acceptable, answering "
			  "TS_UNACCEPTABLE",
			  sa_name(sa), a, b);
		message_out_notify(resp, IKE_N_TS_UNACCEPTABLE, 0, NULL, 0, NULL, 0);
		free(c);
		return NULL;
	}
	/* Narrowed further to what the dataplane checks exactly on inbound traffic, so it never
	 * accepts more than we answer (RFC 7296 2.9 lets the responder narrow). */
	ret = ts_fit_dataplane(sa->d->dp, &c->ts_local, &c->ts_remote);
	if (ret < 0) {
		char a[256], b[256];

		ts_describe(&c->ts_remote, a, sizeof(a));
		ts_describe(&c->ts_local, b, sizeof(b));
		log_error("%s: traffic selectors %s === %s need checks the dataplane cannot make "
			  "(ports, or no pair of single prefixes of one family), answering "
			  "TS_UNACCEPTABLE",
			  sa_name(sa), a, b);
		message_out_notify(resp, IKE_N_TS_UNACCEPTABLE, 0, NULL, 0, NULL, 0);
		free(c);
		return NULL;
	}
	if (ret == 1) {
		char a[256], b[256];

		ts_describe(&c->ts_remote, a, sizeof(a));
		ts_describe(&c->ts_local, b, sizeof(b));
		log_info("%s: traffic selectors narrowed to %s === %s, what the dataplane checks "
			 "exactly",
			 sa_name(sa), a, b);
	}
	if (sel.dh) {
		struct ike_dh *dh = NULL;
		uint8_t *ke_data;
		struct ike_payload *p;

		if (ke_p == NULL || ke_p->u.ke.group != sel.dh) {
			uint8_t data[2] = {(uint8_t)(sel.dh >> 8), (uint8_t)sel.dh};

			message_out_notify(resp, IKE_N_INVALID_KE_PAYLOAD, 0, NULL, 0, data, 2);
			free(c);
			return NULL;
		}
		ke_data = message_out_alloc(resp, IKE_MAX_DH_PUBLIC);
		if (ke_data == NULL || ike_dh_new(sel.dh, &dh) < 0 ||
		    (ret = ike_dh_compute(dh, ke_p->u.ke.data.ptr, ke_p->u.ke.data.len, g_ir,
					  sizeof(g_ir))) < 0) {
			ike_dh_free(dh);
			message_out_notify(resp, IKE_N_INVALID_SYNTAX, 0, NULL, 0, NULL, 0);
			free(c);
			return NULL;
		}
		g_ir_len = (size_t)ret;
		ret = ike_dh_public(dh, ke_data, IKE_MAX_DH_PUBLIC);
		ike_dh_free(dh);
		if ((p = message_out_add(resp, IKE_PAYLOAD_KE)) != NULL) {
			p->u.ke.group = sel.dh;
			p->u.ke.data = (struct ike_span){ke_data, ret > 0 ? (size_t)ret : 0};
		}
	}
	if (ike_message_find_notify(msg, IKE_N_USE_TRANSPORT_MODE) != NULL &&
	    sa->peer.mode == DP_MODE_TRANSPORT)
		mode = DP_MODE_TRANSPORT;
	if (dp_alloc_spi(sa->d->dp, &c->spi_in) < 0) {
		message_out_notify(resp, IKE_N_NO_ADDITIONAL_SAS, 0, NULL, 0, NULL, 0);
		OPENSSL_cleanse(g_ir, sizeof(g_ir));
		free(c);
		return NULL;
	}
	c->spi_out = get_be32(sel.spi);
	c->reqid = reqid;
	c->proposal = sel;
	/* RFC 7296 2.8: the peer installs the new pair only when our answer arrives; until it
	 * shows it has (child_out_check, or its Delete of the old pair) we receive on both and
	 * send on the old one. */
	c->out_pending = rekey;
	c->out_check_at = rekey ? now_ms(sa->d) + OUT_CHECK_MS : 0;
	ret = ike_derive_child_keys(
	    sa->prf, sa->keys.sk_d, ike_encr_lookup(sel.encr, sel.encr_bits),
	    sel.integ ? ike_integ_lookup(sel.integ) : NULL, (struct ike_span){g_ir, g_ir_len},
	    (struct ike_span){ni, ni_len}, (struct ike_span){nr, nr_len}, &keys);
	OPENSSL_cleanse(g_ir, sizeof(g_ir));
	if (ret < 0) {
		dp_release_spi(sa->d->dp, c->spi_in);
		message_out_notify(resp, IKE_N_NO_PROPOSAL_CHOSEN, 0, NULL, 0, NULL, 0);
		free(c);
		return NULL;
	}
	/* Our answer names our inbound SPI. */
	put_be32(sel.spi, c->spi_in);
	proposal_from_selected(&sel, &resp->sa);
	add_sa_payload(resp, &resp->sa);
	add_ts(resp, IKE_PAYLOAD_TSI, &c->ts_remote);
	add_ts(resp, IKE_PAYLOAD_TSR, &c->ts_local);
	if (mode == DP_MODE_TRANSPORT)
		message_out_notify(resp, IKE_N_USE_TRANSPORT_MODE, 0, NULL, 0, NULL, 0);
	return child_install(sa, c, false, &keys, mode);
}

struct child_sa *child_create_complete(struct ike_sa *sa, const struct ike_message *msg,
				       uint32_t spi_in, const uint8_t *ni, size_t ni_len,
				       const uint8_t *nr, size_t nr_len, const uint8_t *g_ir,
				       size_t g_ir_len, uint32_t reqid)
{
	const struct ike_payload *sa_p = ike_message_find(msg, IKE_PAYLOAD_SA);
	const struct ike_payload *tsi_p = ike_message_find(msg, IKE_PAYLOAD_TSI);
	const struct ike_payload *tsr_p = ike_message_find(msg, IKE_PAYLOAD_TSR);
	struct ike_ts_payload ours_i, ours_r;
	struct selected_proposal sel;
	struct ike_child_keys keys;
	enum dp_mode mode = DP_MODE_TUNNEL;
	struct child_sa *c;
	int ret;

	for (size_t i = 0; i < msg->payload_count; i++) {
		const struct ike_payload *p = &msg->payloads[i];

		if (p->type == IKE_PAYLOAD_NOTIFY && p->u.notify.type <= IKE_N_ERROR_MAX) {
			const struct ike_span *data = &p->u.notify.data;
			char group[64] = "";

			if (p->u.notify.type == IKE_N_INVALID_KE_PAYLOAD && data->len == 2)
				snprintf(group, sizeof(group),
					 ": it wants DH group %u for PFS (esp_proposals)",
					 (unsigned)data->ptr[0] << 8 | data->ptr[1]);
			log_error("%s: CHILD_SA not created: peer answered %s (%u)%s", sa_name(sa),
				  notify_name(p->u.notify.type), p->u.notify.type, group);
			return NULL;
		}
	}
	if (sa_p == NULL || tsi_p == NULL || tsr_p == NULL) {
		log_error("%s: CHILD_SA not created: answer lacks SA, TSi or TSr", sa_name(sa));
		return NULL;
	}
	if (proposal_check_answer(sa_p->u.sa, sa->peer.esp, sa->peer.esp_count, IKE_PROTO_ESP, 4,
				  g_ir_len > 0, &sel) < 0) {
		log_error("%s: CHILD_SA not created: peer chose an ESP proposal we did not offer",
			  sa_name(sa));
		return NULL;
	}
	ts_from_config(sa->peer.local_ts, sa->peer.local_ts_count, &sa->local, &ours_i);
	ts_from_config(sa->peer.remote_ts, sa->peer.remote_ts_count, &sa->remote, &ours_r);
	if (!ts_within(tsi_p->u.ts, &ours_i) || !ts_within(tsr_p->u.ts, &ours_r)) {
		log_error("%s: CHILD_SA not created: peer widened the traffic selectors",
			  sa_name(sa));
		return NULL;
	}
	struct ike_ts_payload fit_l = *tsi_p->u.ts, fit_r = *tsr_p->u.ts;
	if (ts_fit_dataplane(sa->d->dp, &fit_l, &fit_r) != 0) {
		log_error(
		    "%s: CHILD_SA not created: the peer's traffic selectors need checks the "
		    "dataplane cannot make (several selectors, ranges, ports): it would accept "
		    "more than was negotiated",
		    sa_name(sa));
		return NULL;
	}
	if (sa->peer.mode == DP_MODE_TRANSPORT) {
		if (ike_message_find_notify(msg, IKE_N_USE_TRANSPORT_MODE) == NULL) {
			log_error("%s: CHILD_SA not created: peer refused transport mode",
				  sa_name(sa));
			return NULL;
		}
		mode = DP_MODE_TRANSPORT;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ts_local = *tsi_p->u.ts;
	c->ts_remote = *tsr_p->u.ts;
	c->spi_in = spi_in;
	c->spi_out = get_be32(sel.spi);
	c->reqid = reqid;
	c->proposal = sel;
	ret = ike_derive_child_keys(
	    sa->prf, sa->keys.sk_d, ike_encr_lookup(sel.encr, sel.encr_bits),
	    sel.integ ? ike_integ_lookup(sel.integ) : NULL, (struct ike_span){g_ir, g_ir_len},
	    (struct ike_span){ni, ni_len}, (struct ike_span){nr, nr_len}, &keys);
	if (ret < 0) {
		free(c);
		return NULL;
	}
	return child_install(sa, c, true, &keys, mode);
}

void child_out_switch(struct ike_sa *sa, struct child_sa *c, const char *why)
{
	int ret;

	if (!c->out_pending)
		return;
	c->out_pending = false;
	c->out_check_at = 0;
	ret = dp_switch_out(sa->d->dp, c->spi_in);
	if (ret < 0)
		log_error("%s: CHILD_SA %08x/%08x: outbound not moved to it: %s", sa_name(sa),
			  c->spi_in, c->spi_out, strerror(-ret));
	else
		log_info("%s: CHILD_SA %08x/%08x carries outbound traffic now (%s)", sa_name(sa),
			 c->spi_in, c->spi_out, why);
}

void child_out_check(struct ike_sa *sa, struct child_sa *c, uint64_t now)
{
	struct dp_counters ctr;

	if (!c->out_pending || now < c->out_check_at)
		return;
	if (dp_read_counters(sa->d->dp, c->spi_in, &ctr) == 0 && ctr.in_packets > 0)
		child_out_switch(sa, c, "the peer sends on it");
	else
		c->out_check_at = now + OUT_CHECK_MS;
}

void child_timers(struct ike_sa *sa, struct child_sa *c, uint64_t now)
{
	child_out_check(sa, c, now);
	if (c->expire_at && now >= c->expire_at) {
		c->expire_at = 0;
		c->want_delete = true;
		log_info("%s: CHILD_SA %08x/%08x hard lifetime reached", sa_name(sa), c->spi_in,
			 c->spi_out);
	}
	if (c->rekey_at && now >= c->rekey_at) {
		c->rekey_at = 0;
		c->want_rekey = true;
	}
}

void child_sa_remove(struct ike_sa *sa, struct child_sa *child)
{
	struct child_sa **pp;

	/* The pair replacing this one (rekeyed by the peer) takes outbound traffic before this
	 * one's rules go: the peer deleting the old pair has the new one. */
	if (!child->out_pending)
		for (struct child_sa *x = sa->children; x != NULL; x = x->next)
			if (x != child && x->out_pending && x->reqid == child->reqid &&
			    x->state == CHILD_SA_INSTALLED)
				child_out_switch(sa, x, "the old pair goes");

	for (pp = &sa->children; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == child) {
			*pp = child->next;
			break;
		}
	}
	if (dp_delete(sa->d->dp, child->spi_in) == 0)
		log_info("%s: CHILD_SA %08x/%08x removed", sa_name(sa), child->spi_in,
			 child->spi_out);
	OPENSSL_cleanse(child, sizeof(*child));
	free(child);
	child_again_arm(sa);
}

struct child_sa *child_find_in(struct ike_sa *sa, uint32_t spi_in)
{
	for (struct child_sa *c = sa->children; c != NULL; c = c->next)
		if (c->spi_in == spi_in)
			return c;
	return NULL;
}

struct child_sa *child_find_out(struct ike_sa *sa, uint32_t spi_out)
{
	for (struct child_sa *c = sa->children; c != NULL; c = c->next)
		if (c->spi_out == spi_out)
			return c;
	return NULL;
}
