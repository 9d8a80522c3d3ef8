/* Host routes through the card's host interface with rtnetlink (libmnl): RTM_GETROUTE to
 * find the next hop toward the peer, RTM_NEWROUTE/RTM_DELROUTE for the remote selectors.
 * Routes go into the main table with protocol "static" and the onlink flag, with the tunnel's
 * inner MTU as their MTU metric. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "routes.h"

struct dp_routes {
	struct mnl_socket *nl;
	unsigned portid;
	unsigned seq;
};

int routes_open(struct dp_routes **out)
{
	struct dp_routes *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	r->nl = mnl_socket_open(NETLINK_ROUTE);
	if (r->nl == NULL || mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		if (r->nl != NULL)
			mnl_socket_close(r->nl);
		free(r);
		return err;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	/* The kernel answers at once; never let a lost answer hang the daemon. */
	struct timeval tv = {.tv_sec = 2};
	setsockopt(mnl_socket_get_fd(r->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r->seq = (unsigned)time(NULL);
	*out = r;
	return 0;
}

void routes_close(struct dp_routes *r)
{
	if (r == NULL)
		return;
	mnl_socket_close(r->nl);
	free(r);
}

struct gw_lookup {
	int family;
	uint8_t gw[16];
	bool found;
};

static int gw_attr(const struct nlattr *a, void *data)
{
	struct gw_lookup *g = data;
	size_t len = g->family == AF_INET ? 4 : 16;

	if (mnl_attr_get_type(a) == RTA_GATEWAY && mnl_attr_get_payload_len(a) == len) {
		memcpy(g->gw, mnl_attr_get_payload(a), len);
		g->found = true;
	}
	return MNL_CB_OK;
}

static int gw_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(struct rtmsg), gw_attr, data);
	return MNL_CB_STOP; /* the one answer to RTM_GETROUTE (it has no ACK) */
}

/* Sends nlh and reads the answers until the ACK (or the error). */
static int talk(struct dp_routes *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned seq = nlh->nlmsg_seq;
	int ret;

	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ret = (int)mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)ret, seq, r->portid, cb, data);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static void next_hop(struct dp_routes *r, const struct sockaddr_storage *peer, struct gw_lookup *g)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	g->family = peer->ss_family;
	g->found = false;
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++r->seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)peer->ss_family;
	if (peer->ss_family == AF_INET) {
		rtm->rtm_dst_len = 32;
		mnl_attr_put(nlh, RTA_DST, 4, &((const struct sockaddr_in *)peer)->sin_addr);
	} else {
		rtm->rtm_dst_len = 128;
		mnl_attr_put(nlh, RTA_DST, 16, &((const struct sockaddr_in6 *)peer)->sin6_addr);
	}
	/* Without an answer (no route at all) the peer itself is the on-link next hop. */
	(void)talk(r, nlh, gw_cb, g);
}

int routes_change(struct dp_routes *r, bool add, int family, const uint8_t *prefix, unsigned plen,
		  const char *ifname, const struct sockaddr_storage *peer, unsigned mtu, char *err,
		  size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], text[INET6_ADDRSTRLEN] = "?";
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	unsigned ifindex = if_nametoindex(ifname);
	size_t alen = family == AF_INET ? 4 : 16;
	int ret;

	inet_ntop(family, prefix, text, sizeof(text));
	if (ifindex == 0) {
		snprintf(err, errlen, "route %s/%u: no interface %s", text, plen, ifname);
		return -ENODEV;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, alen, prefix);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	if (add && peer != NULL && peer->ss_family == family) {
		struct gw_lookup g;

		next_hop(r, peer, &g);
		if (!g.found)
			memcpy(g.gw,
			       family == AF_INET
				   ? (const void *)&((const struct sockaddr_in *)peer)->sin_addr
				   : (const void *)&((const struct sockaddr_in6 *)peer)->sin6_addr,
			       alen);
		mnl_attr_put(nlh, RTA_GATEWAY, alen, g.gw);
		rtm->rtm_flags |= RTNH_F_ONLINK;
	} else if (add) {
		rtm->rtm_scope = RT_SCOPE_LINK;
	}
	if (add && mtu != 0) {
		struct nlattr *metrics = mnl_attr_nest_start(nlh, RTA_METRICS);

		mnl_attr_put_u32(nlh, RTAX_MTU, mtu);
		mnl_attr_nest_end(nlh, metrics);
	}
	nlh->nlmsg_seq = ++r->seq;
	ret = talk(r, nlh, NULL, NULL);
	if (ret < 0)
		snprintf(err, errlen, "route %s %s/%u dev %s: %s", add ? "add" : "delete", text,
			 plen, ifname, strerror(-ret));
	return ret;
}

int routes_addr(struct dp_routes *r, bool add, const uint8_t addr[4], unsigned plen, unsigned mtu,
		const char *ifname, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], text[INET_ADDRSTRLEN] = "?";
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	unsigned ifindex = if_nametoindex(ifname);
	int ret;

	inet_ntop(AF_INET, addr, text, sizeof(text));
	if (ifindex == 0) {
		snprintf(err, errlen, "address %s/%u: no interface %s", text, plen, ifname);
		return -ENODEV;
	}
	if (add) { /* the interface up first: its connected route needs it */
		struct ifinfomsg *ifi;

		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_NEWLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = ++r->seq;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = (int)ifindex;
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
		if (mtu != 0)
			mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
		ret = talk(r, nlh, NULL, NULL);
		if (ret < 0) {
			snprintf(err, errlen, "link %s up, mtu %u: %s", ifname, mtu,
				 strerror(-ret));
			return ret;
		}
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nlh->nlmsg_seq = ++r->seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, 4, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, addr);
	ret = talk(r, nlh, NULL, NULL);
	if (ret < 0)
		snprintf(err, errlen, "address %s %s/%u dev %s: %s", add ? "add" : "delete", text,
			 plen, ifname, strerror(-ret));
	return ret;
}
