/* A session mapped onto the core's peer (struct cfg_peer): addresses, identities, PSK or
 * credentials, the profiles' proposals, selectors, lifetimes and DPD. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/algorithms.h"
#include "ike_types.h"
#include "session_model_internal.h"

/* ---- proposals and the peer ---- */

static void append(char *buf, size_t len, const char *part)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s", used ? "-" : "", part);
}

/* The transforms of list (API names) of one type, optionally only the AES-GCM ones
 * (want_gcm 1) or only the others (0), to add(ctx, n, alg) for proposal n. */
static void walk_list(const json_t *list, uint8_t type, int want_gcm, unsigned n,
		      void (*add)(void *ctx, unsigned n, const struct alg *a), void *ctx)
{
	const char *const *names = alg_api_names(type);
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
	{
		int idx = sm_enum_index(json_string_value(v), names);
		bool gcm = strstr(json_string_value(v), "GCM") != NULL;

		if (idx >= 0 && (want_gcm < 0 || gcm == (bool)want_gcm))
			add(ctx, n, alg_by_api(type, names[idx]));
	}
}

/* A profile's proposals (at most cap): its AES-GCM ciphers (for IKE with its digests as
 * PRFs), then its AES-CBC ciphers with its digests as integrity algorithms; the DH groups
 * unless ESP without PFS. Each transform goes to add(ctx, n, alg) for proposal n; returns
 * the number of proposals. */
static int proposals_walk(const json_t *p, bool esp, unsigned cap,
			  void (*add)(void *ctx, unsigned n, const struct alg *a), void *ctx)
{
	const json_t *enc = json_object_get(p, "encryption_algorithms");
	const json_t *dig = json_object_get(p, "digest_algorithms");
	const json_t *dh = json_object_get(p, "dh_groups");
	bool cbc, gcm = sm_has_gcm(enc, &cbc),
		  pfs = !esp || json_is_true(json_object_get(p, "enable_perfect_forward_secrecy"));
	unsigned n = 0;

	for (int want = 1; want >= 0; want--) {
		if ((want && !gcm) || (!want && !cbc) || n == cap)
			continue;
		walk_list(enc, IKE_TRANSFORM_ENCR, want, n, add, ctx);
		if (!want)
			walk_list(dig, IKE_TRANSFORM_INTEG, -1, n, add, ctx);
		else if (!esp)
			walk_list(dig, IKE_TRANSFORM_PRF, -1, n, add, ctx);
		if (pfs)
			walk_list(dh, IKE_TRANSFORM_DH, -1, n, add, ctx);
		n++;
	}
	return (int)n;
}

/* Proposals as strongSwan text (the remote side's swanctl.conf, messages). */
static void add_text(void *ctx, unsigned n, const struct alg *a)
{
	char(*out)[256] = ctx;

	append(out[n], 256, a->ss);
}

static int proposals(const json_t *p, bool esp, char out[][256], unsigned cap)
{
	for (unsigned i = 0; i < cap; i++)
		out[i][0] = '\0';
	return proposals_walk(p, esp, cap, add_text, out);
}

/* Proposals straight into the core's struct cfg_proposal. */
struct cfg_build {
	struct cfg_proposal *out;
	bool esp;
	int bad; /* the first proposal a transform did not fit into, -1 for none */
};

static void add_cfg(void *ctx, unsigned n, const struct alg *a)
{
	struct cfg_build *b = ctx;

	if (config_proposal_add(&b->out[n], b->esp, a) < 0 && b->bad < 0)
		b->bad = (int)n;
}

/* A profile's proposals into out (room for CFG_MAX_PROPOSALS); -EINVAL with *bad the index
 * of the first that does not make a proposal. */
static int profile_proposals(const json_t *profile, bool esp, struct cfg_proposal *out,
			     unsigned *count, int *bad)
{
	struct cfg_build b = {out, esp, -1};
	int n;

	memset(out, 0, CFG_MAX_PROPOSALS * sizeof(*out));
	n = proposals_walk(profile, esp, CFG_MAX_PROPOSALS, add_cfg, &b);
	*count = 0;
	for (int i = 0; i < n; i++) {
		(*count)++;
		if (b.bad == i || config_proposal_finish(&out[i], esp) < 0) {
			*bad = i;
			return -EINVAL;
		}
	}
	return 0;
}

int sm_ike_proposals(const json_t *ike_profile, char out[][256], unsigned cap)
{
	return proposals(ike_profile, false, out, cap);
}

int sm_esp_proposals(const json_t *tunnel_profile, char out[][256], unsigned cap)
{
	return proposals(tunnel_profile, true, out, cap);
}

static uint64_t rekey_ms(json_int_t life, json_int_t margin, bool rekey)
{
	if (!rekey)
		return 0;
	if (margin > 0 && margin < life)
		return (uint64_t)(life - margin) * 1000;
	return (uint64_t)life * 900; /* 90 % of the lifetime */
}

static int add_networks(const json_t *list, struct cfg_ts *ts, unsigned *count)
{
	size_t i;
	json_t *v;

	*count = 0;
	json_array_foreach(list, i, v)
	{
		if (*count == CFG_MAX_TS || config_parse_ts(json_string_value(v), &ts[*count]) < 0)
			return -EINVAL;
		(*count)++;
	}
	return 0;
}

static const char *const network_keys[2] = {"local_networks", "remote_networks"};

/* The session's mode from its tunnel profile. */
static enum dp_mode session_mode(const json_t *tun)
{
	return strcmp(sm_str(tun, "encapsulation_mode"), "TRANSPORT_MODE") == 0 ? DP_MODE_TRANSPORT
										: DP_MODE_TUNNEL;
}

/* The configuration file's transport-mode check (config_transport_selectors) on a peer built
 * from a session: 400 naming local_networks or remote_networks. */
static int transport_check(const char *name, const struct cfg_peer *peer, struct sm_error *e)
{
	char why[200];
	int side;

	if (config_transport_selectors(peer, network_keys, &side, why, sizeof(why)) < 0)
		return sm_fail(e, 400, network_keys[side], "session \"%s\", %s", name, why);
	return 0;
}

int sm_transport_check(const struct sm_model *m, const char *name, const json_t *s,
		       struct sm_error *e)
{
	const json_t *ep = sm_get(m, SM_ENDPOINT, sm_str(s, "local_endpoint"));
	const json_t *tun = sm_get(m, SM_TUNNEL_PROFILE, sm_str(s, "tunnel_profile"));
	struct cfg_peer *peer;
	int ret = 0;

	if (ep == NULL || tun == NULL || session_mode(tun) != DP_MODE_TRANSPORT)
		return 0;
	peer = calloc(1, sizeof(*peer));
	if (peer == NULL)
		return sm_fail(e, 500, "", "out of memory");
	peer->mode = DP_MODE_TRANSPORT;
	if (config_parse_addr(sm_str(ep, "local_address"), &peer->local, 0) < 0 ||
	    config_parse_addr(sm_str(s, "peer_address"), &peer->remote, 0) < 0)
		peer->remote_any = true; /* an address that is not one: "any" */
	if (add_networks(json_object_get(s, "local_networks"), peer->local_ts,
			 &peer->local_ts_count) < 0 ||
	    add_networks(json_object_get(s, "remote_networks"), peer->remote_ts,
			 &peer->remote_ts_count) < 0)
		ret = sm_fail(e, 400, "local_networks", "bad networks");
	else
		ret = transport_check(name, peer, e);
	free(peer);
	return ret;
}

int sm_session_peer(const struct sm_model *m, const char *name, const struct espnicd_config *base,
		    struct cfg_peer *peer, struct sm_error *e)
{
	const json_t *s = sm_get(m, SM_SESSION, name), *ep, *ike, *tun, *dpd, *psk;
	char props[CFG_MAX_PROPOSALS][256];
	const char *local_id;
	bool cert_auth;
	int bad;

	config_peer_defaults(peer);
	if (s == NULL)
		return sm_fail(e, 404, "", "no session named \"%s\"", name);
	ep = sm_get(m, SM_ENDPOINT, sm_str(s, "local_endpoint"));
	ike = sm_get(m, SM_IKE_PROFILE, sm_str(s, "ike_profile"));
	tun = sm_get(m, SM_TUNNEL_PROFILE, sm_str(s, "tunnel_profile"));
	dpd = sm_get(m, SM_DPD_PROFILE, sm_str(s, "dpd_profile"));
	psk = json_object_get(sm_session_secrets(m), name);
	cert_auth = strcmp(sm_str(s, "authentication_mode"), "CERTIFICATE") == 0;
	if (ep == NULL || ike == NULL || tun == NULL || dpd == NULL || (psk == NULL && !cert_auth))
		return sm_fail(e, 400, "", "session \"%s\": unresolved reference or no psk", name);
	snprintf(peer->name, sizeof(peer->name), "%s", name);
	/* The card's host interface of the configuration file: routes for the session's remote
	 * networks go through it, as for the file's peers. */
	memcpy(peer->host_if, base->host_if, sizeof(peer->host_if));
	if (config_parse_ts(sm_str(ep, "local_address"), &(struct cfg_ts){0}) < 0)
		return sm_fail(e, 400, "local_address", "bad local_address");
	{
		struct sockaddr_in *l4 = (struct sockaddr_in *)&peer->local;

		config_parse_addr(sm_str(ep, "local_address"), &peer->local, base->port);
		config_parse_addr(sm_str(s, "peer_address"), &peer->remote, 500);
		if (peer->local.ss_family != peer->remote.ss_family)
			return sm_fail(e, 400, "peer_address",
				       "peer_address and the local endpoint's local_address are of "
				       "different address families");
		/* The sockets bind to the listen address: a specific one must be ours. */
		if (base->listen.ss_family == AF_INET &&
		    ((const struct sockaddr_in *)&base->listen)->sin_addr.s_addr != 0 &&
		    (peer->local.ss_family != AF_INET ||
		     l4->sin_addr.s_addr !=
			 ((const struct sockaddr_in *)&base->listen)->sin_addr.s_addr))
			return sm_fail(e, 400, "local_address",
				       "local endpoint \"%s\": espnicd listens on one address only "
				       "(\"listen\" in its configuration file) and this is not it",
				       sm_str(s, "local_endpoint"));
	}
	local_id = sm_session_local_id(s, ep);
	snprintf(peer->local_id, sizeof(peer->local_id), "%s", local_id);
	snprintf(peer->remote_id, sizeof(peer->remote_id), "%s",
		 *sm_str(s, "peer_id") ? sm_str(s, "peer_id") : sm_str(s, "peer_address"));
	if (cfg_id_parse(peer->local_id, &peer->lid) < 0)
		return sm_fail(e, 400, "local_id", "local_id: not a valid identity");
	if (cfg_id_parse(peer->remote_id, &peer->rid) < 0)
		return sm_fail(e, 400, "peer_id", "peer_id: not a valid identity");
	if (cert_auth) {
		peer->auth = CFG_AUTH_PUBKEY;
		if (sm_session_creds(m, name, &peer->creds, e) < 0)
			return -EINVAL;
	} else {
		memcpy(peer->psk, json_string_value(psk), json_string_length(psk));
		peer->psk_len = json_string_length(psk);
	}
	/* The profiles map onto the core's proposals directly; the text is only for the
	 * message. */
	if (profile_proposals(ike, false, peer->ike, &peer->ike_count, &bad) < 0) {
		sm_ike_proposals(ike, props, CFG_MAX_PROPOSALS);
		return sm_fail(e, 400, "ike_profile", "ike_profile: cannot use \"%s\"", props[bad]);
	}
	if (profile_proposals(tun, true, peer->esp, &peer->esp_count, &bad) < 0) {
		sm_esp_proposals(tun, props, CFG_MAX_PROPOSALS);
		return sm_fail(e, 400, "tunnel_profile", "tunnel_profile: cannot use \"%s\"",
			       props[bad]);
	}
	if (sm_session_route_based(s)) {
		/* Selectors 0.0.0.0/0 both ways, as NSX negotiates them; the card sends what the
		 * host routes into the tunnel interface's VLAN, and espnicd's routes for it are
		 * the session's own (tunnel_if.c), not routes for the selectors. */
		config_parse_ts("0.0.0.0/0", &peer->local_ts[0]);
		config_parse_ts("0.0.0.0/0", &peer->remote_ts[0]);
		peer->local_ts_count = peer->remote_ts_count = 1;
		peer->host_if[0] = '\0';
		peer->vlan = (uint16_t)json_integer_value(json_object_get(s, "vlan"));
	} else if (add_networks(json_object_get(s, "local_networks"), peer->local_ts,
				&peer->local_ts_count) < 0 ||
		   add_networks(json_object_get(s, "remote_networks"), peer->remote_ts,
				&peer->remote_ts_count) < 0)
		return sm_fail(e, 400, "local_networks", "bad networks");
	peer->version = strcmp(sm_str(ike, "ike_version"), "IKE_V1") == 0     ? 1
			: strcmp(sm_str(ike, "ike_version"), "IKE_FLEX") == 0 ? CFG_IKE_FLEX
									      : 2;
	peer->mode = session_mode(tun);
	if (transport_check(name, peer, e) < 0)
		return -EINVAL;
	peer->start = json_is_true(json_object_get(s, "enabled")) &&
		      strcmp(sm_str(s, "connection_initiation_mode"), "INITIATOR") == 0;
	/* ON_DEMAND: trap policies for the networks; the first packet initiates. */
	peer->on_demand = json_is_true(json_object_get(s, "enabled")) &&
			  strcmp(sm_str(s, "connection_initiation_mode"), "ON_DEMAND") == 0;
	peer->force_encap = json_is_true(json_object_get(s, "force_udp_encapsulation"));
	{
		json_t *mss = json_object_get(s, "tcp_mss_clamping");
		int dir = sm_enum_index(sm_str(mss, "direction"), sm_mss_directions);

		/* NONE 0, INBOUND_MSS 1, OUTBOUND_MSS 2, BOTH 3: the DP_MSS_* bits. */
		peer->mss_dirs = dir > 0 ? (unsigned)dir : 0;
		peer->mss_value =
		    (uint16_t)json_integer_value(json_object_get(mss, "max_segment_size"));
	}
	{
		bool rekey = json_is_true(json_object_get(s, "rekey"));
		json_int_t margin = json_integer_value(json_object_get(s, "margin_time"));
		json_int_t ike_life = json_integer_value(json_object_get(ike, "sa_life_time"));
		json_int_t child_life = json_integer_value(json_object_get(tun, "sa_life_time"));
		char why[200];

		peer->ike_rekey_ms = rekey_ms(ike_life, margin, rekey);
		peer->child_rekey_ms = rekey_ms(child_life, margin, rekey);
		peer->child_life_ms = (uint64_t)child_life * 1000;
		/* The card's volume limits; rekeyed at nine tenths (config_volume_limits). */
		peer->child_life_bytes =
		    (uint64_t)json_integer_value(json_object_get(tun, "sa_life_bytes"));
		peer->child_life_packets =
		    (uint64_t)json_integer_value(json_object_get(tun, "sa_life_packets"));
		if (config_volume_limits(peer, why, sizeof(why)) < 0)
			return sm_fail(e, 400, "tunnel_profile", "tunnel_profile: %s", why);
	}
	peer->unique = strcmp(sm_str(s, "unique_ids"), "NEVER") == 0 ? CFG_UNIQUE_NEVER
		       : strcmp(sm_str(s, "unique_ids"), "NO") == 0  ? CFG_UNIQUE_NO
								     : CFG_UNIQUE_YES;
	peer->dpd_tries = (unsigned)json_integer_value(json_object_get(dpd, "retry_count"));
	peer->dpd_mode = strcmp(sm_str(dpd, "dpd_probe_mode"), "PERIODIC") == 0 ? CFG_DPD_PERIODIC
										: CFG_DPD_ON_DEMAND;
	/* A dead peer: HOLD initiates again on the next packet (the core's trap); RESTART is the
	 * supervisor's retry (keying_tries, its delay) and CLEAR its hold-down, so the core
	 * only clears. A session that does not initiate only clears. */
	peer->dpd_action =
	    (peer->start || peer->on_demand) && strcmp(sm_str(dpd, "dpd_action"), "HOLD") == 0
		? CFG_DPD_HOLD
		: CFG_DPD_CLEAR;
	peer->dpd_delay_ms =
	    json_is_true(json_object_get(dpd, "enabled"))
		? (uint64_t)json_integer_value(json_object_get(dpd, "dpd_probe_interval")) * 1000
		: 0;
	return 0;
}
