/* Trap policies (reqid 0 = free), one per peer: on-demand peers' and held peers' (dpd_action
 * hold: closed after DPD, initiated again by the trap's ACQUIRE). Installed into the
 * dataplane, whose ACQUIRE for their reqid core.c turns into an initiation. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ike_sa.h"
#include "log.h"
#include "traps.h"

static void cfg_ts_to_dp(const struct cfg_ts *ts, unsigned n, const struct sockaddr_storage *addr,
			 struct dp_selector *out, unsigned *count)
{
	*count = 0;
	if (n == 0) { /* the IKE address */
		memset(out, 0, sizeof(*out));
		out->family = addr->ss_family;
		if (addr->ss_family == AF_INET)
			memcpy(out->start_addr, &((const struct sockaddr_in *)addr)->sin_addr, 4);
		else
			memcpy(out->start_addr, &((const struct sockaddr_in6 *)addr)->sin6_addr,
			       16);
		memcpy(out->end_addr, out->start_addr, 16);
		out->end_port = 65535;
		*count = 1;
		return;
	}
	for (unsigned i = 0; i < n && i < DP_MAX_SELECTORS; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].family = ts[i].family;
		memcpy(out[i].start_addr, ts[i].start, 16);
		memcpy(out[i].end_addr, ts[i].end, 16);
		out[i].ip_protocol = ts[i].protocol;
		out[i].start_port = ts[i].start_port;
		out[i].end_port = ts[i].end_port;
		(*count)++;
	}
}

static int trap_find(const struct espnicd *d, const char *name)
{
	for (int i = 0; i < CFG_MAX_PEERS; i++)
		if (d->traps[i].reqid != 0 && strcmp(d->traps[i].name, name) == 0)
			return i;
	return -1;
}

void trap_rearm_peer(struct espnicd *d, const char *name)
{
	int i = trap_find(d, name);

	if (i >= 0 && dp_trap_rearm(d->dp, d->traps[i].reqid) < 0)
		log_warn("%s: could not re-arm the trap policy", name);
}

static void trap_remove(struct espnicd *d, int i)
{
	dp_trap_remove(d->dp, d->traps[i].reqid);
	d->traps[i].reqid = 0;
	d->traps[i].held = false;
}

/* Installs a trap policy for p's selectors (a fresh one before the peer's old one goes, so
 * that a reload never leaves its traffic without a policy; a hold carries over). Returns
 * the slot, or -1. */
static int trap_install(struct espnicd *d, const struct cfg_peer *p, bool held)
{
	struct dp_trap t;
	int old = trap_find(d, p->name), slot = -1, ret;

	for (int i = 0; i < CFG_MAX_PEERS && slot < 0; i++)
		if (d->traps[i].reqid == 0)
			slot = i;
	if (slot < 0)
		return -1;
	memset(&t, 0, sizeof(t));
	t.reqid = ++d->next_reqid;
	t.local = p->local;
	t.remote = p->remote;
	cfg_ts_to_dp(p->local_ts, p->local_ts_count, &p->local, t.local_ts, &t.local_ts_count);
	cfg_ts_to_dp(p->remote_ts, p->remote_ts_count, &p->remote, t.remote_ts, &t.remote_ts_count);
	memcpy(t.host_if, p->host_if, sizeof(t.host_if));
	t.vlan = p->vlan;
	ret = dp_trap_install(d->dp, &t);
	if (ret < 0) {
		log_error("%s: %s trap policy not installed: %s", p->name,
			  p->on_demand ? "on-demand" : "hold", strerror(-ret));
		return -1;
	}
	snprintf(d->traps[slot].name, sizeof(d->traps[slot].name), "%s", p->name);
	d->traps[slot].reqid = t.reqid;
	d->traps[slot].held = held || (old >= 0 && d->traps[old].held);
	log_info("%s: %s: trap policy installed (reqid %u)", p->name,
		 p->on_demand ? "on-demand" : "held", t.reqid);
	if (old >= 0)
		trap_remove(d, old);
	return slot;
}

bool trap_hold(struct espnicd *d, const struct cfg_peer *p)
{
	int i = trap_find(d, p->name);

	if (i < 0)
		i = trap_install(d, p, true);
	if (i < 0)
		return false;
	d->traps[i].held = true;
	return true;
}

void trap_child_installed(struct espnicd *d, const char *name)
{
	const struct cfg_peer *p = config_find_peer(d->cfg, name);
	int i = trap_find(d, name);

	if (i < 0 || !d->traps[i].held)
		return;
	d->traps[i].held = false;
	if (p != NULL && p->on_demand) {
		log_info("%s: no longer held (CHILD_SA installed)", name);
		return;
	}
	log_info("%s: no longer held (CHILD_SA installed): hold trap policy removed", name);
	trap_remove(d, i);
}

/* Traps for the configuration: on-demand peers get one (on reload a fresh one), held peers
 * keep theirs while they are still configured with dpd_action hold; the rest go. */
void traps_sync(struct espnicd *d, bool reload)
{
	for (int i = 0; i < CFG_MAX_PEERS; i++) {
		const struct cfg_peer *p;
		bool held, was_held = d->traps[i].held;

		if (d->traps[i].reqid == 0)
			continue;
		p = config_find_peer(d->cfg, d->traps[i].name);
		held = d->traps[i].held && p != NULL && p->dpd_action == CFG_DPD_HOLD &&
		       !p->remote_any;
		if (was_held && !held)
			log_info("%s: no longer held (%s)", d->traps[i].name,
				 p == NULL ? "peer removed" : "dpd_action changed");
		d->traps[i].held = held;
		if (p != NULL && (p->on_demand || held))
			continue;
		log_info("%s: %s trap policy removed", d->traps[i].name,
			 was_held ? "hold" : "on-demand");
		trap_remove(d, i);
	}
	for (unsigned j = 0; j < d->cfg->peer_count; j++) {
		const struct cfg_peer *p = &d->cfg->peers[j];
		int i = trap_find(d, p->name);

		if ((p->on_demand && (reload || i < 0)) || (reload && i >= 0 && d->traps[i].held))
			trap_install(d, p, false);
	}
}

void traps_free(struct espnicd *d)
{
	for (int i = 0; i < CFG_MAX_PEERS; i++)
		if (d->traps[i].reqid != 0)
			dp_trap_remove(d->dp, d->traps[i].reqid);
}
