/* tunnel_if.c: the host side of route-based sessions (issue 13). Each session's tunnel
 * interface is the 802.1Q VLAN `vlan` of the card's host port: the Linux interface
 * tunnel_interface_name, else CARD_HOST_IF.VLAN (espnic0.10). espnicd puts the session's
 * tunnel_interface address on it (and brings it up) and routes its static_routes into it via
 * the peer's end of the /30 or /31, with rtnetlink (dataplane/routes.c). The interface's MTU
 * is the largest inner packet a UDP-encapsulated tunnel-mode SA carries through the card
 * (1438 at the card's MTU of 1500; UDP whether or not NAT is found, since the interface is set
 * before IKE runs), so the kernel fragments or answers "fragmentation needed" for every route
 * into it, static or learned by BGP, instead of the card dropping the packet for its MTU.
 * Kept in step with
 * the model after every change: what a changed or deleted session had is removed, what could
 * not be applied yet (the interface missing) is tried again on the supervisor's tick. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/routes.h"
#include "espnic_text.h"
#include "log.h"
#include "session_mgr_internal.h"
#include "session_model_internal.h"
#include "tunnel_if.h"

#define TIF_MAX_ITEMS 512

/* One thing put on the host: an address on the interface and its MTU (route false), or a
 * route to prefix/plen via the peer's tunnel address. */
struct tif_item {
	bool route, applied;
	unsigned mtu;
	char ifname[DP_IFNAME_MAX];
	uint8_t addr[4], via[4];
	unsigned plen;
};

struct tunnel_ifs {
	struct dp_routes *rt;
	unsigned n;
	struct tif_item items[TIF_MAX_ITEMS];
};

static uint32_t be32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static void put_be32(uint8_t a[4], uint32_t v)
{
	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
	a[3] = (uint8_t)v;
}

bool tunnel_if_peer_address(const char *cidr, uint8_t local[4], unsigned *plen, uint8_t peer[4])
{
	struct espnic_prefix p;
	uint32_t a;

	if (espnic_text_prefix(cidr, ESPNIC_PREFIX_NEED_LEN, &p) < 0 || p.v6 ||
	    (p.len != 30 && p.len != 31))
		return false;
	memcpy(local, p.addr, 4);
	*plen = p.len;
	a = be32(p.addr);
	/* /31: the other address; /30: the other of the two host addresses. */
	put_be32(peer, p.len == 31 ? a ^ 1u : a ^ 3u);
	return true;
}

void tunnel_if_name(const json_t *session, const char *host_if, char out[DP_IFNAME_MAX])
{
	const char *name = sm_str(session, "tunnel_interface_name");

	if (*name)
		snprintf(out, DP_IFNAME_MAX, "%s", name);
	else
		snprintf(out, DP_IFNAME_MAX, "%.10s.%lld", *host_if ? host_if : "espnic0",
			 (long long)json_integer_value(json_object_get(session, "vlan")));
}

/* What the model wants on the host. */
static unsigned wanted(const struct sm_model *m, const char *host_if, unsigned mtu,
		       struct tif_item *out, unsigned cap)
{
	const char *name;
	json_t *s, *r;
	size_t i;
	unsigned n = 0;

	json_object_foreach(sm_collection(m, SM_SESSION), name, s)
	{
		struct tif_item a = {.mtu = mtu};
		uint8_t peer[4];

		if (!sm_session_route_based(s) || n == cap ||
		    !tunnel_if_peer_address(sm_str(s, "tunnel_interface"), a.addr, &a.plen, peer))
			continue;
		tunnel_if_name(s, host_if, a.ifname);
		out[n++] = a;
		json_array_foreach(json_object_get(s, "static_routes"), i, r)
		{
			struct espnic_prefix p;

			if (n == cap ||
			    espnic_text_prefix(json_string_value(r), ESPNIC_PREFIX_NEED_LEN, &p) <
				0 ||
			    p.v6)
				continue;
			out[n] = (struct tif_item){.route = true, .plen = p.len};
			memcpy(out[n].ifname, a.ifname, sizeof(a.ifname));
			memcpy(out[n].addr, p.addr, 4);
			memcpy(out[n].via, peer, 4);
			n++;
		}
	}
	return n;
}

static bool same(const struct tif_item *a, const struct tif_item *b)
{
	return a->route == b->route && a->plen == b->plen && a->mtu == b->mtu &&
	       strcmp(a->ifname, b->ifname) == 0 && memcmp(a->addr, b->addr, 4) == 0 &&
	       memcmp(a->via, b->via, 4) == 0;
}

static int put(struct tunnel_ifs *t, bool add, const struct tif_item *it)
{
	char err[256];
	int ret;

	if (it->route) {
		struct sockaddr_storage via = {0};
		struct sockaddr_in *v4 = (struct sockaddr_in *)&via;

		v4->sin_family = AF_INET;
		memcpy(&v4->sin_addr, it->via, 4);
		/* No MTU metric: the interface's MTU holds for every route into it. */
		ret = routes_change(t->rt, add, AF_INET, it->addr, it->plen, it->ifname, &via, 0,
				    err, sizeof(err));
	} else {
		ret = routes_addr(t->rt, add, it->addr, it->plen, it->mtu, it->ifname, err,
				  sizeof(err));
	}
	if (ret < 0 &&
	    !(add == false && (ret == -ESRCH || ret == -EADDRNOTAVAIL || ret == -ENODEV)))
		log_msg(add ? LOG_LEVEL_WARN : LOG_LEVEL_ERROR, "tunnel interface: %s%s", err,
			add ? " (tried again later)" : "");
	return ret;
}

void tunnel_if_sync(struct sessions *s)
{
	static struct tif_item want[TIF_MAX_ITEMS];
	struct tunnel_ifs *t = s->tif;
	unsigned nw;

	if (t == NULL) {
		t = s->tif = calloc(1, sizeof(*t));
		if (t == NULL)
			return;
	}
	nw = wanted(&s->model, s->base ? s->base->host_if : "",
		    s->dp ? dp_inner_mtu(s->dp, DP_MODE_TUNNEL, true) : 0, want, TIF_MAX_ITEMS);
	if (nw == 0 && t->n == 0)
		return;
	if (t->rt == NULL && routes_open(&t->rt) < 0) {
		log_error("tunnel interfaces: rtnetlink unavailable");
		return;
	}
	/* Gone: routes first, then addresses (items are kept in that order below). */
	for (unsigned i = t->n; i-- > 0;) {
		bool keep = false;

		for (unsigned j = 0; j < nw && !keep; j++)
			keep = same(&t->items[i], &want[j]);
		if (keep)
			continue;
		if (t->items[i].applied)
			put(t, false, &t->items[i]);
		memmove(&t->items[i], &t->items[i + 1], (t->n - i - 1) * sizeof(t->items[0]));
		t->n--;
	}
	for (unsigned j = 0; j < nw; j++) {
		unsigned i;

		for (i = 0; i < t->n && !same(&t->items[i], &want[j]); i++)
			;
		if (i == t->n) {
			if (t->n == TIF_MAX_ITEMS)
				break;
			t->items[t->n++] = want[j];
		}
	}
	/* Addresses before routes: a route via the peer's end needs the connected prefix. */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < t->n; i++)
			if (t->items[i].route == (pass == 1) && !t->items[i].applied)
				t->items[i].applied = put(t, true, &t->items[i]) == 0;
}

void tunnel_if_close(struct sessions *s)
{
	struct tunnel_ifs *t = s->tif;

	if (t == NULL)
		return;
	for (int pass = 1; pass >= 0; pass--)
		for (unsigned i = 0; i < t->n; i++)
			if (t->items[i].route == (pass == 1) && t->items[i].applied)
				put(t, false, &t->items[i]);
	routes_close(t->rt);
	free(t);
	s->tif = NULL;
}
