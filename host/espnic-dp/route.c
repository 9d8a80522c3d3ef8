/* espnic-dp: the IPv4 route table (rte_lpm) and its next hops: a port with a
 * destination MAC, the gateway itself (exception path or ESP inbound), or an
 * outbound software ESP SA. */
#include <string.h>

#include <rte_lcore.h>
#include <rte_lpm.h>

#include "dp.h"

int dp_routes_init(struct dp_ctx *c, const char *name)
{
	struct rte_lpm_config cfg = {
	    .max_rules = 4096,
	    .number_tbl8s = 256,
	};
	c->lpm = rte_lpm_create(name, (int)rte_socket_id(), &cfg);
	return c->lpm ? 0 : -1;
}

static int nh_alloc(struct dp_ctx *c, const struct dp_nexthop *nh)
{
	for (unsigned i = 0; i < DP_MAX_NEXTHOPS; i++) {
		if (!c->nh_used[i]) {
			c->nh_used[i] = true;
			c->nh[i] = *nh;
			return (int)i;
		}
	}
	return -1;
}

int dp_route_add(struct dp_ctx *c, uint32_t prefix, uint8_t len, const struct dp_nexthop *nh)
{
	uint32_t old;
	if (len > 32)
		return -1;
	/* Replacing a route frees the old next hop. */
	if (rte_lpm_is_rule_present(c->lpm, prefix, len, &old) == 1)
		c->nh_used[old] = false;
	int i = nh_alloc(c, nh);
	if (i < 0)
		return -1;
	if (rte_lpm_add(c->lpm, prefix, len, (uint32_t)i) != 0) {
		c->nh_used[i] = false;
		return -1;
	}
	return 0;
}

int dp_route_del(struct dp_ctx *c, uint32_t prefix, uint8_t len)
{
	uint32_t old;
	if (len > 32 || rte_lpm_is_rule_present(c->lpm, prefix, len, &old) != 1)
		return -1;
	c->nh_used[old] = false;
	return rte_lpm_delete(c->lpm, prefix, len);
}

const struct dp_nexthop *dp_route_lookup(const struct dp_ctx *c, uint32_t dst)
{
	uint32_t i;
	if (rte_lpm_lookup(c->lpm, dst, &i) != 0)
		return NULL;
	return &c->nh[i];
}

/* A deleted SA's routes stay, but lead nowhere: packets are dropped as
 * having no SA until the route is replaced. */
void dp_routes_drop_sa(struct dp_ctx *c, uint32_t sa)
{
	for (unsigned i = 0; i < DP_MAX_NEXTHOPS; i++)
		if (c->nh_used[i] && c->nh[i].type == DP_NH_SA && c->nh[i].sa == sa)
			c->nh[i].sa = UINT32_MAX;
}
