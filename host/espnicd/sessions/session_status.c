/* What the API shows of live sessions: status (the IKE_SA and its tunnels with the
 * algorithms chosen, since when, why a session is down) and statistics (the card's counters
 * per tunnel and summed). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/algorithms.h"
#include "core_status.h"
#include "ike_types.h"
#include "session_mgr_internal.h"
#include "bgp_frr.h"
#include "session_model_internal.h"
#include "tunnel_if.h"

/* The API's name of a negotiated transform: "NONE" for none, "OTHER" for one the API has no
 * name for (a PRF without a name shows as "NONE"). */
static const char *alg_name(uint8_t type, uint16_t id, uint16_t bits)
{
	const char *name = alg_api_name(type, id, bits);

	if (name != NULL)
		return name;
	return id == 0 || type == IKE_TRANSFORM_PRF ? "NONE" : "OTHER";
}

static const char *encr_name(uint16_t id, uint16_t bits)
{
	return alg_name(IKE_TRANSFORM_ENCR, id, bits);
}

static const char *integ_name(uint16_t id)
{
	return alg_name(IKE_TRANSFORM_INTEG, id, 0);
}

static const char *prf_name(uint16_t id)
{
	return alg_name(IKE_TRANSFORM_PRF, id, 0);
}

static const char *dh_name(uint16_t id)
{
	return alg_name(IKE_TRANSFORM_DH, id, 0);
}

/* A core-clock time (past or future) as wall-clock ISO 8601 (UTC). */
static json_t *wall_time(struct sessions *s, uint64_t core_ms)
{
	int64_t ahead_ms = (int64_t)core_ms - (int64_t)espnicd_now_ms(s->core);
	time_t t = time(NULL) + (time_t)(ahead_ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *counters_json(struct sessions *s, uint32_t spi_in, struct dp_counters *sum)
{
	struct dp_counters c = {0};

	if (dp_read_counters(s->dp, spi_in, &c) < 0)
		return json_null();
	sum->in_packets += c.in_packets;
	sum->in_bytes += c.in_bytes;
	sum->out_packets += c.out_packets;
	sum->out_bytes += c.out_bytes;
	sum->in_errors += c.in_errors;
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "packets_in", (json_int_t)c.in_packets,
			 "bytes_in", (json_int_t)c.in_bytes, "packets_out",
			 (json_int_t)c.out_packets, "bytes_out", (json_int_t)c.out_bytes,
			 "errors_in", (json_int_t)c.in_errors);
}

static json_t *one_status(struct sessions *s, const char *name, const json_t *obj)
{
	struct espnicd_peer_status st;
	struct dp_counters sum = {0};
	json_t *tunnels = json_array(), *out, *t = sessions_track(s, name);
	const char *status = "DOWN", *reason = NULL;
	const char *init_mode =
	    json_string_value(json_object_get(obj, "connection_initiation_mode"));
	json_int_t tries = json_integer_value(json_object_get(obj, "keying_tries"));
	json_int_t failures = json_integer_value(json_object_get(t, "failures"));
	unsigned up = 0;
	char spi[40], given_up[64];

	const struct cfg_peer *peer = config_find_peer(espnicd_config(s->core), name);

	espnicd_peer_status(s->core, name, &st);
	for (unsigned i = 0; st.present && i < st.child_count; i++) {
		const struct espnicd_child_status *c = &st.child[i];
		char in[9], o[9];
		json_t *tunnel;

		if (c->installed)
			up++;
		snprintf(in, sizeof(in), "%08x", c->spi_in);
		snprintf(o, sizeof(o), "%08x", c->spi_out);
		tunnel = json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:s, s:s, s:o}", "spi_in", in,
		    "spi_out", o, "state", c->installed ? "INSTALLED" : "REKEYED",
		    "encryption_algorithm", encr_name(c->encr, c->encr_bits), "digest_algorithm",
		    integ_name(c->integ), "dh_group", dh_name(c->dh), "esn", c->esn,
		    "local_networks", c->local_ts, "established_at", wall_time(s, c->installed_ms),
		    "remote_networks", c->remote_ts, "mode", c->transport ? "TRANSPORT" : "TUNNEL",
		    "counters", counters_json(s, c->spi_in, &sum));
		/* The time rekey of the CHILD_SA (the volume limits may come first). */
		if (c->installed && c->installed_ms && peer != NULL && peer->child_rekey_ms)
			json_object_set_new(tunnel, "next_rekey_at",
					    wall_time(s, c->installed_ms + peer->child_rekey_ms));
		json_array_append_new(tunnels, tunnel);
	}
	if (!json_is_true(json_object_get(obj, "enabled"))) {
		reason = "session disabled";
	} else if (peer == NULL) {
		reason = "not applied";
	} else if (st.present && strcmp(st.state_name, "ESTABLISHED") == 0) {
		if (up > 0)
			status = "UP";
		else
			reason = "IKE_SA up but no tunnel: the peer refused the ESP proposal or "
				 "the networks (see the log)";
	} else if (st.present) {
		status = "NEGOTIATING";
	} else if (strcmp(init_mode, "INITIATOR") == 0 && tries > 0 && failures >= tries &&
		   !json_is_true(json_object_get(t, "held"))) {
		/* The supervisor stopped retrying (session_supervisor.c); connect starts over. */
		snprintf(given_up, sizeof(given_up), "given up after %lld attempts (keying_tries)",
			 (long long)failures);
		reason = given_up;
	} else if (*json_string_value(json_object_get(t, "reason")) != '\0') {
		reason = json_string_value(json_object_get(t, "reason"));
	} else if (strcmp(init_mode, "ON_DEMAND") == 0) {
		reason = "waiting for traffic (ON_DEMAND: the first packet initiates)";
	} else if (strcmp(init_mode, "INITIATOR") != 0) {
		reason = "waiting for the peer to initiate";
	} else {
		reason = "not established yet";
	}
	out = json_pack("{s:s, s:s, s:s, s:o, s:i, s:I}", "session", name, "status", status,
			"ike_sa_state", st.present ? st.state_name : "NONE", "tunnels", tunnels,
			"tunnels_up", (int)up, "failures", failures);
	if (reason != NULL)
		json_object_set_new(out, "reason", json_string(reason));
	if (st.present) {
		for (int k = 0; k < 8; k++)
			sprintf(spi + 2 * k, "%02x", st.spi_i[k]);
		spi[16] = '_';
		for (int k = 0; k < 8; k++)
			sprintf(spi + 17 + 2 * k, "%02x", st.spi_r[k]);
		json_object_set_new(out, "ike_sa",
				    json_pack("{s:s, s:s, s:s, s:b, s:b}", "spis", spi,
					      "ike_version", st.version == 1 ? "IKE_V1" : "IKE_V2",
					      "state", st.state_name, "initiator", st.initiator,
					      "udp_encapsulation", st.encap));
		if (st.established_ms) {
			json_t *ike = json_object_get(out, "ike_sa");

			json_object_set_new(ike, "encryption_algorithm",
					    json_string(encr_name(st.encr, st.encr_bits)));
			json_object_set_new(
			    ike, "digest_algorithm",
			    json_string(st.integ ? integ_name(st.integ) : prf_name(st.prf)));
			json_object_set_new(ike, "dh_group", json_string(dh_name(st.dh)));
			json_object_set_new(ike, "established_at", wall_time(s, st.established_ms));
		}
	}
	json_object_set_new(
	    out, "counters",
	    json_pack("{s:I, s:I, s:I, s:I, s:I}", "packets_in", (json_int_t)sum.in_packets,
		      "bytes_in", (json_int_t)sum.in_bytes, "packets_out",
		      (json_int_t)sum.out_packets, "bytes_out", (json_int_t)sum.out_bytes,
		      "errors_in", (json_int_t)sum.in_errors));
	if (sm_session_route_based(obj)) {
		/* The session's tunnel interface: its counters are the session's (one VLAN, one
		 * tunnel). */
		char ifname[DP_IFNAME_MAX];

		tunnel_if_name(obj, s->base ? s->base->host_if : "", ifname);
		json_object_set_new(out, "tunnel_interface",
				    json_pack("{s:s, s:O, s:O, s:s, s:O}", "name", ifname,
					      "address", json_object_get(obj, "tunnel_interface"),
					      "vlan", json_object_get(obj, "vlan"), "status",
					      status, "counters",
					      json_object_get(out, "counters")));
		if (json_object_get(obj, "bgp"))
			json_object_set_new(json_object_get(out, "tunnel_interface"), "bgp",
					    bgp_frr_status(s, obj));
	}
	return out;
}

int sessions_status(struct sessions *s, const char *name, json_t **resp, struct sm_error *e)
{
	const char *key;
	json_t *obj, *results;

	if (name != NULL) {
		obj = (json_t *)sm_get(&s->model, SM_SESSION, name);
		if (obj == NULL)
			return sessions_not_found(e, SM_SESSION, name);
		*resp = one_status(s, name, obj);
		return 200;
	}
	results = json_array();
	json_object_foreach(json_object_get(s->model.root, "sessions"), key, obj)
	{
		json_array_append_new(results, one_status(s, key, obj));
	}
	*resp = json_pack("{s:o, s:i}", "results", results, "result_count",
			  (int)json_array_size(results));
	return 200;
}

int sessions_statistics(struct sessions *s, const char *name, json_t **resp, struct sm_error *e)
{
	json_t *st, *results, *one;
	int ret = sessions_status(s, name, &st, e);
	size_t i;

	if (ret != 200)
		return ret;
	if (name != NULL) {
		*resp = json_pack("{s:s, s:O, s:O}", "session", name, "counters",
				  json_object_get(st, "counters"), "tunnels_up",
				  json_object_get(st, "tunnels_up"));
		if (json_object_get(st, "tunnel_interface"))
			json_object_set(*resp, "tunnel_interface",
					json_object_get(st, "tunnel_interface"));
		json_decref(st);
		return 200;
	}
	results = json_array();
	json_array_foreach(json_object_get(st, "results"), i, one)
	{
		json_array_append_new(results,
				      json_pack("{s:O, s:O, s:O}", "session",
						json_object_get(one, "session"), "counters",
						json_object_get(one, "counters"), "tunnels_up",
						json_object_get(one, "tunnels_up")));
	}
	json_decref(st);
	*resp = json_pack("{s:o, s:i}", "results", results, "result_count",
			  (int)json_array_size(results));
	return 200;
}
