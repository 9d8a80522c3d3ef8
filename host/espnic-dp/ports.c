/* espnic-dp: the packet buffer pool and DPDK port (net_tap, af_packet, ring)
 * setup: one RX and one TX queue per port, promiscuous. */
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dp.h"

#define DP_RX_DESC 512
#define DP_TX_DESC 512

struct rte_mempool *dp_mbuf_pool(const char *name, unsigned n)
{
	/* Room for the ESP trailer, ICV and the GCM AAD rte_ipsec puts after it. */
	return rte_pktmbuf_pool_create(name, n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
}

int dp_port_start(struct dp_ctx *c, uint16_t port, uint16_t exc)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t nrx = DP_RX_DESC, ntx = DP_TX_DESC;
	int rc;

	if (port >= DP_MAX_PORTS || !rte_eth_dev_is_valid_port(port))
		return -1;
	if (rte_eth_dev_info_get(port, &info) != 0)
		return -1;
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, nrx, (unsigned)rte_eth_dev_socket_id(port),
					    NULL, c->mbufs);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, ntx, (unsigned)rte_eth_dev_socket_id(port),
					    NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0) {
		fprintf(stderr, "espnic-dp: port %u (%s): setup failed: %d\n", port,
			info.driver_name, rc);
		return -1;
	}
	/* Not every PMD has promiscuous mode (ring): not an error. */
	(void)rte_eth_promiscuous_enable(port);
	struct dp_port *p = &c->ports[port];
	p->used = true;
	p->id = port;
	p->exc = exc;
	rte_eth_macaddr_get(port, &p->mac);
	return 0;
}
