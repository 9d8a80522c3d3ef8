/* espnic-dp-bench: what one core of espnic-dp does, as ratios that carry
 * from machine to machine: forwarding (ring PMD in, null PMD out) against
 * bare rx/tx between the same ports, and software ESP outbound (rte_ipsec +
 * crypto_aesni_gcm) against raw AES-GCM-128 cryptodev operations on the same
 * bytes, at 64, 512, 1420 B and IMIX, in the same run. Prints a table;
 * asserts nothing about speed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_version.h>

#include "dp.h"

static struct dp_ctx ctx;
static uint8_t tmpl[2048];
/* Prebuilt IP packets by length (the sizes used here only). */
static uint8_t *ip_tmpl[2048];

/* An IPv4/UDP packet of len bytes (from the IP header) at p. */
static void build_ip(uint8_t *p, unsigned len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	memset(p, 0, len);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0xc6120102);
	ip->dst_addr = rte_cpu_to_be_32(0xc6130305);
	for (unsigned i = sizeof(*ip); i < len; i++)
		p[i] = (uint8_t)(i * 7);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static int fill(struct rte_mempool *mp, struct rte_mbuf **m, unsigned n, const unsigned *lens,
		unsigned *li, unsigned nlens, unsigned l2, uint64_t *bytes)
{
	if (rte_pktmbuf_alloc_bulk(mp, m, n) != 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		unsigned len = lens[*li];
		*li = (*li + 1) % nlens;
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m[i], (uint16_t)(l2 + len));
		if (!ip_tmpl[len]) {
			ip_tmpl[len] = malloc(len);
			if (!ip_tmpl[len])
				abort();
			build_ip(ip_tmpl[len], len);
		}
		/* Each packet is copied in from a template, in every loop
		 * compared (a NIC writes the packet into the mbuf too). */
		memcpy(d, tmpl, l2);
		memcpy(d + l2, ip_tmpl[len], len);
		m[i]->l2_len = 0;
		m[i]->l3_len = sizeof(struct rte_ipv4_hdr);
		*bytes += len;
	}
	return 0;
}

static double bench_fwd(uint16_t ring_port, struct rte_ring *r, uint16_t null_port, bool fwd,
			unsigned total)
{
	struct rte_mbuf *m[DP_BURST];
	static const unsigned len64[] = {46}; /* 60-byte frames */
	unsigned li = 0;
	uint64_t bytes = 0, done = 0;
	uint64_t t0 = rte_rdtsc();
	while (done < total) {
		if (fill(ctx.mbufs, m, DP_BURST, len64, &li, 1, RTE_ETHER_HDR_LEN, &bytes) != 0)
			continue;
		unsigned q = rte_ring_enqueue_burst(r, (void **)m, DP_BURST, NULL);
		if (q < DP_BURST)
			rte_pktmbuf_free_bulk(m + q, DP_BURST - q);
		uint16_t n = rte_eth_rx_burst(ring_port, 0, m, DP_BURST);
		if (fwd) {
			dp_fwd_burst(&ctx, &ctx.ports[ring_port], m, n);
		} else {
			uint16_t s = rte_eth_tx_burst(null_port, 0, m, n);
			if (s < n)
				rte_pktmbuf_free_bulk(m + s, n - s);
		}
		done += n;
	}
	double sec = (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
	return (double)done / sec / 1e6;
}

/* Raw AES-GCM-128 on the cryptodev: the ESP payload's bytes encrypted in
 * place with an 8-byte AAD and a 16-byte tag, as ESP would. */
static double bench_raw(void *sess, const unsigned *lens, unsigned nlens, unsigned total)
{
	struct rte_mbuf *m[DP_BURST];
	struct rte_crypto_op *op[DP_BURST], *done_ops[DP_BURST];
	unsigned li = 0;
	uint64_t bytes = 0, done = 0;
	uint64_t t0 = rte_rdtsc();
	while (done < total) {
		if (fill(ctx.mbufs, m, DP_BURST, lens, &li, nlens, 0, &bytes) != 0)
			continue;
		if (rte_crypto_op_bulk_alloc(ctx.cops, RTE_CRYPTO_OP_TYPE_SYMMETRIC, op,
					     DP_BURST) == 0) {
			rte_pktmbuf_free_bulk(m, DP_BURST);
			continue;
		}
		for (unsigned i = 0; i < DP_BURST; i++) {
			struct rte_crypto_sym_op *so = op[i]->sym;
			uint8_t *iv = rte_crypto_op_ctod_offset(
			    op[i], uint8_t *,
			    sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op));
			memset(iv, 1, 12);
			uint8_t *aad = iv + 16;
			memset(aad, 2, 8);
			rte_crypto_op_attach_sym_session(op[i], sess);
			so->m_src = m[i];
			so->aead.data.offset = 0;
			so->aead.data.length = m[i]->pkt_len;
			so->aead.aad.data = aad;
			so->aead.aad.phys_addr = rte_crypto_op_ctophys_offset(
			    op[i],
			    sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op) + 16);
			uint8_t *tag = (uint8_t *)rte_pktmbuf_append(m[i], 16);
			so->aead.digest.data = tag;
			so->aead.digest.phys_addr =
			    rte_pktmbuf_iova_offset(m[i], m[i]->pkt_len - 16);
		}
		uint16_t e = rte_cryptodev_enqueue_burst(ctx.cdev, 0, op, DP_BURST);
		unsigned got = 0;
		while (got < e)
			got += rte_cryptodev_dequeue_burst(ctx.cdev, 0, done_ops + got,
							   (uint16_t)(e - got));
		for (unsigned i = 0; i < got; i++) {
			if (done_ops[i]->status != RTE_CRYPTO_OP_STATUS_SUCCESS) {
				fprintf(stderr, "raw AES-GCM op failed\n");
				exit(1);
			}
			rte_pktmbuf_free(done_ops[i]->sym->m_src);
		}
		rte_mempool_put_bulk(ctx.cops, (void **)done_ops, got);
		if (e < DP_BURST) {
			for (unsigned i = e; i < DP_BURST; i++)
				rte_pktmbuf_free(m[i]);
			rte_mempool_put_bulk(ctx.cops, (void **)(op + e), DP_BURST - e);
		}
		done += e;
	}
	double sec = (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
	return (double)bytes * 8 / sec / 1e9;
}

static double bench_esp(struct dp_sa *sa, const unsigned *lens, unsigned nlens, unsigned total)
{
	struct rte_mbuf *m[DP_BURST], *ok[DP_BURST];
	struct dp_port_stats st = {0};
	unsigned li = 0;
	uint64_t bytes = 0, done = 0;
	uint64_t t0 = rte_rdtsc();
	while (done < total) {
		if (fill(ctx.mbufs, m, DP_BURST, lens, &li, nlens, 0, &bytes) != 0)
			continue;
		unsigned n = dp_esp_burst(&ctx, sa, m, DP_BURST, ok, &st);
		if (n != DP_BURST) {
			fprintf(stderr, "ESP path dropped packets\n");
			exit(1);
		}
		rte_pktmbuf_free_bulk(ok, n);
		done += n;
	}
	double sec = (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
	return (double)bytes * 8 / sec / 1e9;
}

/* Inbound: packets encrypted by the outbound SA (not timed) decrypted by
 * the inbound SA with the same key (timed). */
static double bench_esp_in(struct dp_sa *out, struct dp_sa *in, const unsigned *lens,
			   unsigned nlens, unsigned total)
{
	struct rte_mbuf *m[DP_BURST], *enc[DP_BURST], *ok[DP_BURST];
	struct dp_port_stats st = {0};
	unsigned li = 0;
	uint64_t bytes = 0, done = 0, cycles = 0;
	while (done < total) {
		if (fill(ctx.mbufs, m, DP_BURST, lens, &li, nlens, 0, &bytes) != 0)
			continue;
		unsigned n = dp_esp_burst(&ctx, out, m, DP_BURST, enc, &st);
		for (unsigned i = 0; i < n; i++) {
			enc[i]->l2_len = 0;
			enc[i]->l3_len = sizeof(struct rte_ipv4_hdr);
			enc[i]->packet_type = RTE_PTYPE_L3_IPV4;
		}
		uint64_t t0 = rte_rdtsc();
		unsigned k = dp_esp_burst(&ctx, in, enc, n, ok, &st);
		cycles += rte_rdtsc() - t0;
		if (k != DP_BURST) {
			fprintf(stderr, "inbound ESP path dropped packets\n");
			exit(1);
		}
		rte_pktmbuf_free_bulk(ok, k);
		done += k;
	}
	double sec = (double)cycles / (double)rte_get_tsc_hz();
	return (double)bytes * 8 / sec / 1e9;
}

int main(int argc, char **argv)
{
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "espnic_dp_bench%d", (int)getpid());
	char *eal[] = {argv[0],
		       "--no-huge",
		       "--no-pci",
		       "--no-shconf",
		       "-m",
		       "1024",
		       "-l",
		       "0",
		       "--file-prefix",
		       prefix,
		       "--vdev",
		       "crypto_aesni_gcm0",
		       "--vdev",
		       "net_null0,no-rx=1",
		       "--log-level",
		       "lib.eal:error"};
	unsigned scale = argc > 1 ? (unsigned)atoi(argv[1]) : 1;
	if (scale == 0)
		scale = 1;
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	ctx.mbufs = dp_mbuf_pool("b_mbufs", 16383);
	if (!ctx.mbufs || dp_routes_init(&ctx, "b_routes") ||
	    dp_esp_init(&ctx, "crypto_aesni_gcm0")) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	/* Forwarding: ring port in, null port out, one /15 route. */
	struct rte_ring *r =
	    rte_ring_create("b_rx", 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	int ring_port = rte_eth_from_ring(r);
	uint16_t null_port;
	if (!r || ring_port < 0 || rte_eth_dev_get_port_by_name("net_null0", &null_port) != 0 ||
	    dp_port_start(&ctx, (uint16_t)ring_port, DP_NO_PORT) ||
	    dp_port_start(&ctx, null_port, DP_NO_PORT)) {
		fprintf(stderr, "port setup failed\n");
		return 1;
	}
	struct dp_nexthop nh = {.type = DP_NH_PORT, .port = null_port};
	rte_ether_unformat_addr("02:00:00:00:00:02", &nh.mac);
	dp_route_add(&ctx, 0xc6120000, 15, &nh);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)tmpl;
	eh->dst_addr = ctx.ports[ring_port].mac;
	rte_ether_unformat_addr("02:00:00:00:00:01", &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	unsigned nfwd = 2000000 * scale;
	bench_fwd((uint16_t)ring_port, r, null_port, false, nfwd / 10); /* warm-up */
	double io = bench_fwd((uint16_t)ring_port, r, null_port, false, nfwd);
	double fw = bench_fwd((uint16_t)ring_port, r, null_port, true, nfwd);
	uint64_t fwd = ctx.ports[ring_port].st.fwd;
	printf("espnic-dp-bench (one core, no hugepages, %s)\n\n", rte_version());
	printf("forwarding, 60-byte frames, ring PMD -> LPM route -> null PMD\n");
	printf("  bare rx/tx: %.2f Mpps   espnic-dp forwarding: %.2f Mpps   ratio %.2f\n", io, fw,
	       fw / io);
	printf("  (both include copying a 60-byte frame into each mbuf, as a NIC would)\n");
	if (fwd < nfwd) {
		fprintf(stderr, "forwarded %llu of %u\n", (unsigned long long)fwd, nfwd);
		return 1;
	}

	/* Software ESP: an outbound AES-GCM-128 tunnel SA; raw: a session with
	 * the same key. */
	struct espnic_sa sa = {.spi = 0x1001,
			       .tunnel = true,
			       .alg = ESPNIC_ALG_AES_GCM_128,
			       .local = {198, 18, 2, 1},
			       .remote = {198, 18, 2, 2}};
	for (unsigned i = 0; i < 16; i++)
		sa.key[i] = (uint8_t)(i + 1);
	int si = dp_sa_add(&ctx, &sa);
	sa.inbound = true;
	sa.replay_window = 1024;
	for (unsigned i = 0; i < 16; i++)
		sa.key[i] = (uint8_t)(i + 1);
	int si_in = dp_sa_add(&ctx, &sa);
	uint8_t key[16];
	for (unsigned i = 0; i < 16; i++)
		key[i] = (uint8_t)(i + 1);
	struct rte_crypto_sym_xform xf = {.type = RTE_CRYPTO_SYM_XFORM_AEAD};
	xf.aead.op = RTE_CRYPTO_AEAD_OP_ENCRYPT;
	xf.aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
	xf.aead.key.data = key;
	xf.aead.key.length = 16;
	xf.aead.iv.offset = sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op);
	xf.aead.iv.length = 12;
	xf.aead.digest_length = 16;
	xf.aead.aad_length = 8;
	void *sess = rte_cryptodev_sym_session_create(ctx.cdev, &xf, ctx.sess_pool);
	if (si < 0 || si_in < 0 || !sess) {
		fprintf(stderr, "SA setup failed\n");
		return 1;
	}
	static const unsigned s64[] = {64}, s512[] = {512}, s1420[] = {1420};
	/* Simple IMIX 7:4:1, the large packet 1420 B so the ESP packet fits a
	 * 1500-byte MTU. */
	static const unsigned imix[] = {64, 576, 64, 64, 576, 64, 1420, 64, 576, 64, 576, 64};
	struct {
		const char *name;
		const unsigned *lens;
		unsigned n;
	} sizes[] = {{"64", s64, 1}, {"512", s512, 1}, {"1420", s1420, 1}, {"IMIX", imix, 12}};
	printf("\nsoftware ESP, AES-GCM-128 tunnel mode (Gb/s of inner packets)\n");
	printf("  %-6s %12s %12s %8s %12s %8s\n", "size", "raw AES-GCM", "espnic-dp out", "ratio",
	       "espnic-dp in", "ratio");
	for (unsigned k = 0; k < RTE_DIM(sizes); k++) {
		unsigned n = 400000 * scale;
		bench_raw(sess, sizes[k].lens, sizes[k].n, n / 10);
		double raw = bench_raw(sess, sizes[k].lens, sizes[k].n, n);
		double esp = bench_esp(&ctx.sas[si], sizes[k].lens, sizes[k].n, n);
		double in =
		    bench_esp_in(&ctx.sas[si], &ctx.sas[si_in], sizes[k].lens, sizes[k].n, n);
		printf("  %-6s %12.2f %13.2f %8.2f %12.2f %8.2f\n", sizes[k].name, raw, esp,
		       esp / raw, in, in / raw);
	}
	printf("  (raw: cryptodev crypto_aesni_gcm, i.e. intel-ipsec-mb, on the same bytes;\n"
	       "   both loops copy each packet into an mbuf; espnic-dp adds the ESP header,\n"
	       "   padding, trailer, outer IPv4 header and sequence numbers (rte_ipsec);\n"
	       "   in: decryption of what out made, with the replay window, timed alone,\n"
	       "   without the packet copy the other two columns include)\n");
	rte_cryptodev_sym_session_free(ctx.cdev, sess);
	for (unsigned i = 0; i < RTE_DIM(ip_tmpl); i++)
		free(ip_tmpl[i]);
	dp_esp_fini(&ctx);
	rte_eal_cleanup();
	return 0;
}
