/* espnic-dp: the host's DPDK fast path around the card. Sets up the EAL,
 * the ports (each with an optional exception port to the kernel), the
 * route table and the software ESP path, then runs the data path on the
 * main lcore and serves the control socket between bursts. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "dp.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: espnic-dp [EAL options] -- -p PORT[:EXC]... [-c CRYPTODEV] [-i USEC] -s "
		"SOCKET\n"
		"  -p PORT[:EXC]  forward on DPDK port PORT; EXC is its exception port (TAP)\n"
		"  -c CRYPTODEV   software ESP on this cryptodev (e.g. crypto_aesni_gcm0)\n"
		"  -s SOCKET      control socket path (JSON lines, docs/espnic-dp.md)\n"
		"  -i USEC        sleep USEC when idle for 1 ms (default 0: busy polling)\n");
}

int main(int argc, char **argv)
{
	static struct dp_ctx ctx;
	struct dp_ctx *c = &ctx;
	uint16_t pairs[DP_MAX_PORTS][2];
	unsigned npairs = 0;
	const char *cdev = NULL, *sock = NULL;
	unsigned idle_us = 0;
	int ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "espnic-dp: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	int opt;
	while ((opt = getopt(argc, argv, "p:c:s:i:h")) != -1) {
		char *end;
		switch (opt) {
		case 'p': {
			unsigned long p = strtoul(optarg, &end, 10), e = DP_NO_PORT;
			if (*end == ':')
				e = strtoul(end + 1, &end, 10);
			if (*end || p >= DP_MAX_PORTS || (e != DP_NO_PORT && e >= DP_MAX_PORTS) ||
			    npairs == DP_MAX_PORTS) {
				usage();
				return 2;
			}
			pairs[npairs][0] = (uint16_t)p;
			pairs[npairs][1] = (uint16_t)e;
			npairs++;
			break;
		}
		case 'c':
			cdev = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'i':
			idle_us = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!npairs || !sock) {
		usage();
		return 2;
	}
	c->mbufs = dp_mbuf_pool("dp_mbufs", 8191);
	if (!c->mbufs || dp_routes_init(c, "dp_routes") != 0) {
		fprintf(stderr, "espnic-dp: out of memory\n");
		return 1;
	}
	if (cdev && dp_esp_init(c, cdev) != 0) {
		fprintf(stderr, "espnic-dp: cryptodev %s setup failed\n", cdev);
		return 1;
	}
	for (unsigned i = 0; i < npairs; i++) {
		uint16_t p = pairs[i][0], e = pairs[i][1];
		if (e != DP_NO_PORT) {
			if (dp_port_start(c, e, DP_NO_PORT) != 0)
				return 1;
			c->ports[e].is_exc = true;
			c->ports[e].exc_of = p;
		}
		if (dp_port_start(c, p, e) != 0)
			return 1;
		/* The kernel answers ARP for the gateway with the exception
		 * port's MAC: forwarded frames leave with the same one. */
		if (e != DP_NO_PORT)
			c->ports[p].mac = c->ports[e].mac;
	}
	if (dp_telemetry_register(c) != 0)
		fprintf(stderr, "espnic-dp: telemetry commands not registered\n");
	int lfd = dp_ctl_open(sock);
	if (lfd < 0) {
		fprintf(stderr, "espnic-dp: cannot listen on %s\n", sock);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("espnic-dp: ready, control socket %s\n", sock);
	fflush(stdout);

	uint64_t next = 0, period = rte_get_tsc_hz() / 1000, last_rx = 0;
	while (!stop) {
		uint64_t now = rte_get_tsc_cycles();
		if (dp_poll_once(c))
			last_rx = now;
		else if (idle_us && now - last_rx > period)
			rte_delay_us_sleep(idle_us); /* idle for 1 ms: yield the core */
		if (now >= next) {
			dp_ctl_poll(c, lfd);
			next = now + period;
		}
	}
	close(lfd);
	unlink(sock);
	dp_esp_fini(c);
	for (uint16_t p = 0; p < DP_MAX_PORTS; p++) {
		if (c->ports[p].used) {
			rte_eth_dev_stop(p);
			rte_eth_dev_close(p);
		}
	}
	rte_eal_cleanup();
	return 0;
}
