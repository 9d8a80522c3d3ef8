/* espnic-dp: counters, as JSON for the control socket and through DPDK
 * telemetry (/espnic_dp/ports, /espnic_dp/sas with dpdk-telemetry.py). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_telemetry.h>

#include "dp.h"

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

#define PORT_COUNTERS(X)                                                                           \
	X(rx)                                                                                      \
	X(tx)                                                                                      \
	X(fwd)                                                                                     \
	X(to_exc)                                                                                  \
	X(from_exc)                                                                                \
	X(drop_short)                                                                              \
	X(drop_bad_ip)                                                                             \
	X(drop_no_route)                                                                           \
	X(drop_ttl)                                                                                \
	X(drop_no_exc)                                                                             \
	X(drop_tx)                                                                                 \
	X(esp_in)                                                                                  \
	X(esp_out)                                                                                 \
	X(drop_esp_no_sa)                                                                          \
	X(drop_esp_auth)                                                                           \
	X(drop_esp_other)                                                                          \
	X(drop_esp_policy)

static const struct dp_ctx *tel_ctx;

char *dp_stats_json(const struct dp_ctx *c)
{
	json_t *ports = json_object(), *sas = json_array();
	for (unsigned i = 0; i < DP_MAX_PORTS; i++) {
		const struct dp_port *p = &c->ports[i];
		if (!p->used)
			continue;
		json_t *o = json_object();
#define J(n) json_object_set_new(o, #n, json_integer((json_int_t)LOAD(p->st.n)));
		PORT_COUNTERS(J)
#undef J
		char k[8];
		snprintf(k, sizeof(k), "%u", i);
		json_object_set_new(ports, k, o);
	}
	for (unsigned i = 0; i < DP_MAX_SAS; i++) {
		const struct dp_sa *s = &c->sas[i];
		if (!s->used)
			continue;
		json_array_append_new(
		    sas,
		    json_pack("{s:s,s:I,s:I,s:I,s:I}", "dir", s->inbound ? "in" : "out", "spi",
			      (json_int_t)s->spi, "packets", (json_int_t)LOAD(s->packets), "bytes",
			      (json_int_t)LOAD(s->bytes), "drops", (json_int_t)LOAD(s->drops)));
	}
	json_t *r = json_pack("{s:b,s:o,s:o}", "ok", 1, "ports", ports, "sas", sas);
	char *txt = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	return txt;
}

static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (!params || !*params) {
		rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
		for (unsigned i = 0; i < DP_MAX_PORTS; i++)
			if (tel_ctx->ports[i].used)
				rte_tel_data_add_array_int(d, (int)i);
		return 0;
	}
	unsigned i = (unsigned)atoi(params);
	if (i >= DP_MAX_PORTS || !tel_ctx->ports[i].used)
		return -1;
	const struct dp_port *p = &tel_ctx->ports[i];
	rte_tel_data_start_dict(d);
#define T(n) rte_tel_data_add_dict_u64(d, #n, LOAD(p->st.n));
	PORT_COUNTERS(T)
#undef T
	return 0;
}

static int tel_sas(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < DP_MAX_SAS; i++) {
		const struct dp_sa *s = &tel_ctx->sas[i];
		char k[24];
		if (!s->used)
			continue;
		snprintf(k, sizeof(k), "%s_%08x", s->inbound ? "in" : "out", s->spi);
		rte_tel_data_add_dict_u64(d, k, LOAD(s->packets));
	}
	return 0;
}

int dp_telemetry_register(struct dp_ctx *c)
{
	tel_ctx = c;
	if (rte_telemetry_register_cmd(
		"/espnic_dp/ports", tel_ports,
		"Port ids, or one port's counters. Parameters: int port_id") ||
	    rte_telemetry_register_cmd("/espnic_dp/sas", tel_sas,
				       "Packets per software ESP SA (dir_spi). No parameters"))
		return -1;
	return 0;
}
