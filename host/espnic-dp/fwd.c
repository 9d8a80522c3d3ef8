/* espnic-dp: the forwarding path. Per burst: exception-port traffic goes
 * back out its port; IPv4 is checked, routed by LPM and sent out with the
 * next hop's MAC, through the outbound SA its route names, or (addressed to
 * the gateway) decrypted by the inbound SA its SPI names. Everything else
 * (ARP, IPv6, broadcasts, IKE and ICMP to the gateway) goes to the kernel
 * through the ingress port's exception port. */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_esp.h>
#include <rte_hash.h>
#include <rte_ip.h>

#include "dp.h"

struct txq {
	struct rte_mbuf *m[DP_MAX_PORTS][DP_BURST * 2];
	unsigned n[DP_MAX_PORTS];
};

bool dp_ipv4_header_ok(const struct rte_mbuf *m, unsigned off)
{
	if (rte_pktmbuf_data_len(m) < off + sizeof(struct rte_ipv4_hdr))
		return false;
	const struct rte_ipv4_hdr *ip =
	    rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	unsigned hl = (unsigned)(ip->version_ihl & 0xf) * 4;
	unsigned tl = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || hl < 20 || rte_pktmbuf_data_len(m) < off + hl ||
	    tl < hl || off + tl > rte_pktmbuf_pkt_len(m))
		return false;
	return rte_raw_cksum(ip, hl) == 0xffff;
}

static void tx_add(struct dp_ctx *c, struct txq *q, uint16_t port, struct rte_mbuf *m,
		   struct dp_port_stats *st)
{
	if (port >= DP_MAX_PORTS || !c->ports[port].used || q->n[port] >= DP_BURST * 2) {
		rte_pktmbuf_free(m);
		st->drop_tx++;
		return;
	}
	q->m[port][q->n[port]++] = m;
}

static void tx_flush(struct dp_ctx *c, struct txq *q)
{
	for (uint16_t p = 0; p < DP_MAX_PORTS; p++) {
		if (!q->n[p])
			continue;
		uint16_t s = rte_eth_tx_burst(p, 0, q->m[p], (uint16_t)q->n[p]);
		c->ports[p].st.tx += s;
		if (s < q->n[p]) {
			rte_pktmbuf_free_bulk(q->m[p] + s, q->n[p] - s);
			c->ports[p].st.drop_tx += q->n[p] - s;
		}
		q->n[p] = 0;
	}
}

static void to_exception(struct dp_ctx *c, struct txq *q, struct dp_port *in, struct rte_mbuf *m)
{
	if (in->exc == DP_NO_PORT) {
		in->st.drop_no_exc++;
		rte_pktmbuf_free(m);
		return;
	}
	in->st.to_exc++;
	tx_add(c, q, in->exc, m, &in->st);
}

/* m starts at an IPv4 header (already checked); sends it to a port next hop
 * with a fresh Ethernet header, TTL lowered when dec_ttl. */
static void send_l3(struct dp_ctx *c, struct txq *q, struct dp_port *in, struct rte_mbuf *m,
		    bool dec_ttl)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	const struct dp_nexthop *nh = dp_route_lookup(c, rte_be_to_cpu_32(ip->dst_addr));
	if (!nh || nh->type != DP_NH_PORT) {
		in->st.drop_no_route++;
		rte_pktmbuf_free(m);
		return;
	}
	if (dec_ttl) {
		if (ip->time_to_live <= 1) {
			in->st.drop_ttl++;
			rte_pktmbuf_free(m);
			return;
		}
		ip->time_to_live--;
	}
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (!eh) {
		in->st.drop_tx++;
		rte_pktmbuf_free(m);
		return;
	}
	eh->dst_addr = nh->mac;
	eh->src_addr = c->ports[nh->port].mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	m->l2_len = sizeof(*eh);
	in->st.fwd++;
	tx_add(c, q, nh->port, m, &in->st);
}

struct esp_groups {
	unsigned n;
	uint32_t sa[DP_BURST];
	unsigned cnt[DP_BURST];
	struct rte_mbuf *m[DP_BURST][DP_BURST];
};

static void esp_group_add(struct esp_groups *g, uint32_t sa, struct rte_mbuf *m)
{
	unsigned i;
	for (i = 0; i < g->n && g->sa[i] != sa; i++)
		;
	if (i == g->n) {
		g->sa[i] = sa;
		g->cnt[i] = 0;
		g->n++;
	}
	g->m[i][g->cnt[i]++] = m;
}

static void esp_groups_run(struct dp_ctx *c, struct txq *q, struct dp_port *in,
			   struct esp_groups *g)
{
	struct rte_mbuf *ok[DP_BURST];
	for (unsigned i = 0; i < g->n; i++) {
		struct dp_sa *s = &c->sas[g->sa[i]];
		unsigned n = dp_esp_burst(c, s, g->m[i], g->cnt[i], ok, &in->st);
		for (unsigned j = 0; j < n; j++) {
			struct rte_mbuf *m = ok[j];
			if (s->inbound) {
				in->st.esp_in++;
				/* The inner packet: check it like one from a port. */
				if (!dp_ipv4_header_ok(m, 0)) {
					in->st.drop_bad_ip++;
					rte_pktmbuf_free(m);
					continue;
				}
				const struct rte_ipv4_hdr *ip =
				    rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
				if ((rte_be_to_cpu_32(ip->src_addr) & s->sel_src_mask) !=
					s->sel_src ||
				    (rte_be_to_cpu_32(ip->dst_addr) & s->sel_dst_mask) !=
					s->sel_dst) {
					in->st.drop_esp_policy++;
					s->drops++;
					rte_pktmbuf_free(m);
					continue;
				}
				send_l3(c, q, in, m, true);
			} else {
				in->st.esp_out++;
				send_l3(c, q, in, m, false);
			}
		}
	}
	g->n = 0;
}

void dp_fwd_burst(struct dp_ctx *c, struct dp_port *in, struct rte_mbuf **pkts, unsigned n)
{
	struct txq q;
	struct esp_groups g;
	q.n[0] = 0;
	memset(q.n, 0, sizeof(q.n));
	g.n = 0;

	in->st.rx += n;
	if (in->is_exc) {
		/* From the kernel: out of the port this is the exception port of. */
		for (unsigned i = 0; i < n; i++) {
			c->ports[in->exc_of].st.from_exc++;
			tx_add(c, &q, in->exc_of, pkts[i], &in->st);
		}
		tx_flush(c, &q);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr)) {
			in->st.drop_short++;
			rte_pktmbuf_free(m);
			continue;
		}
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		    !rte_is_unicast_ether_addr(&eh->dst_addr)) {
			to_exception(c, &q, in, m);
			continue;
		}
		if (!dp_ipv4_header_ok(m, sizeof(*eh))) {
			in->st.drop_bad_ip++;
			rte_pktmbuf_free(m);
			continue;
		}
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
		unsigned hl = (unsigned)(ip->version_ihl & 0xf) * 4;
		unsigned tl = rte_be_to_cpu_16(ip->total_length);
		/* Ethernet padding off (the ICV is at the end of the IP packet). */
		if (rte_pktmbuf_pkt_len(m) > sizeof(*eh) + tl)
			rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - sizeof(*eh) - tl));
		const struct dp_nexthop *nh = dp_route_lookup(c, rte_be_to_cpu_32(ip->dst_addr));
		if (!nh) {
			in->st.drop_no_route++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (nh->type == DP_NH_LOCAL) {
			if (ip->next_proto_id != IPPROTO_ESP) {
				to_exception(c, &q, in, m);
				continue;
			}
			void *data;
			const struct rte_esp_hdr *esp;
			bool frag = (rte_be_to_cpu_16(ip->fragment_offset) &
				     (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
			if (frag || tl < hl + sizeof(*esp) ||
			    rte_pktmbuf_data_len(m) < sizeof(*eh) + hl + sizeof(*esp)) {
				in->st.drop_esp_other++;
				rte_pktmbuf_free(m);
				continue;
			}
			esp = (const struct rte_esp_hdr *)((const uint8_t *)ip + hl);
			uint32_t spi = rte_be_to_cpu_32(esp->spi);
			if (!c->have_cdev || rte_hash_lookup_data(c->spi_in, &spi, &data) < 0) {
				in->st.drop_esp_no_sa++;
				rte_pktmbuf_free(m);
				continue;
			}
			rte_pktmbuf_adj(m, sizeof(*eh));
			m->l2_len = 0;
			m->l3_len = hl;
			m->packet_type = RTE_PTYPE_L3_IPV4;
			esp_group_add(&g, (uint32_t)(uintptr_t)data, m);
			continue;
		}
		if (nh->type == DP_NH_SA) {
			if (nh->sa >= DP_MAX_SAS || !c->sas[nh->sa].used) {
				in->st.drop_esp_no_sa++;
				rte_pktmbuf_free(m);
				continue;
			}
			if (ip->time_to_live <= 1) {
				in->st.drop_ttl++;
				rte_pktmbuf_free(m);
				continue;
			}
			ip->time_to_live--;
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			rte_pktmbuf_adj(m, sizeof(*eh));
			m->l2_len = 0;
			m->l3_len = hl;
			m->packet_type = RTE_PTYPE_L3_IPV4;
			esp_group_add(&g, nh->sa, m);
			continue;
		}
		rte_pktmbuf_adj(m, sizeof(*eh));
		send_l3(c, &q, in, m, true);
	}
	if (g.n)
		esp_groups_run(c, &q, in, &g);
	tx_flush(c, &q);
}

unsigned dp_poll_once(struct dp_ctx *c)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned total = 0;
	for (uint16_t p = 0; p < DP_MAX_PORTS; p++) {
		if (!c->ports[p].used)
			continue;
		uint16_t n = rte_eth_rx_burst(p, 0, pkts, DP_BURST);
		if (n)
			dp_fwd_burst(c, &c->ports[p], pkts, n);
		total += n;
	}
	return total;
}
