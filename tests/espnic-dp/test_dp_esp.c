/* espnic-dp's software ESP path without a network: an outbound SA encrypts,
 * the matching inbound SA decrypts back to the same packet, a replay and a
 * forged ICV are refused, keys are wiped from the caller's struct. Runs the
 * EAL without hugepages or PCI, with the crypto_aesni_gcm vdev. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp.h"

static int failures;
#define CHECK(c, ...)                                                                              \
	do {                                                                                       \
		int ok_ = (c);                                                                     \
		printf("%s ", ok_ ? "ok  " : "FAIL");                                              \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!ok_)                                                                          \
			failures++;                                                                \
	} while (0)

static struct rte_mbuf *make_pkt(struct rte_mempool *mp, unsigned len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)len);
	memset(ip, 0, len);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0xc6120102);
	ip->dst_addr = rte_cpu_to_be_32(0xc6120305);
	for (unsigned i = sizeof(*ip); i < len; i++)
		((uint8_t *)ip)[i] = (uint8_t)i;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m->l2_len = 0;
	m->l3_len = sizeof(*ip);
	return m;
}

static struct rte_mbuf *copy_pkt(struct rte_mempool *mp, const struct rte_mbuf *src)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	void *d = rte_pktmbuf_append(m, (uint16_t)src->pkt_len);
	memcpy(d, rte_pktmbuf_mtod(src, const void *), src->pkt_len);
	m->l2_len = 0;
	m->l3_len = sizeof(struct rte_ipv4_hdr);
	return m;
}

int main(int argc, char **argv)
{
	static struct dp_ctx c;
	char *eal[] = {argv[0],		"--no-huge",	"--no-pci", "-m",
		       "256",		"-l",		"0",	    "--no-shconf",
		       "--file-prefix", "test_dp_esp",	"--vdev",   "crypto_aesni_gcm0",
		       "--log-level",	"lib.eal:error"};
	(void)argc;
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	c.mbufs = dp_mbuf_pool("t_mbufs", 1023);
	if (!c.mbufs || dp_routes_init(&c, "t_routes") || dp_esp_init(&c, "crypto_aesni_gcm0")) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	struct espnic_sa sa = {.spi = 0x1234,
			       .tunnel = true,
			       .alg = ESPNIC_ALG_AES_GCM_128,
			       .local = {198, 18, 2, 1},
			       .remote = {198, 18, 2, 2},
			       .replay_window = 64};
	static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	memcpy(sa.key, key, 16);
	memcpy(sa.salt, "\xa\xb\xc\xd", 4);
	int out = dp_sa_add(&c, &sa);
	CHECK(out >= 0, "outbound SA added");
	static const uint8_t zero[32];
	CHECK(!memcmp(sa.key, zero, 32) && !memcmp(sa.salt, zero, 4), "key and salt wiped");
	sa.inbound = true;
	memcpy(sa.key, key, 16);
	memcpy(sa.salt, "\xa\xb\xc\xd", 4);
	int in = dp_sa_add(&c, &sa);
	CHECK(in >= 0, "inbound SA added");
	memcpy(sa.key, key, 16);
	CHECK(dp_sa_add(&c, &sa) < 0, "duplicate inbound SA refused");

	struct dp_port_stats st = {0};
	struct rte_mbuf *m = make_pkt(c.mbufs, 100), *ok[DP_BURST];
	struct rte_mbuf *orig = copy_pkt(c.mbufs, m);
	unsigned n = dp_esp_burst(&c, &c.sas[out], &m, 1, ok, &st);
	CHECK(n == 1, "encrypted");
	const struct rte_ipv4_hdr *oh = rte_pktmbuf_mtod(ok[0], const struct rte_ipv4_hdr *);
	CHECK(n == 1 && oh->next_proto_id == IPPROTO_ESP &&
		  oh->dst_addr == rte_cpu_to_be_32(0xc6120202) &&
		  ok[0]->pkt_len == 20 + 8 + 8 + 100 + 2 + 2 + 16,
	      "ESP in IPv4 to the peer, %u bytes", ok[0]->pkt_len);
	struct rte_mbuf *esp = ok[0];
	struct rte_mbuf *again = copy_pkt(c.mbufs, esp);
	struct rte_mbuf *forged = copy_pkt(c.mbufs, esp);
	rte_pktmbuf_mtod_offset(forged, uint8_t *, forged->pkt_len - 1)[0] ^= 1;

	n = dp_esp_burst(&c, &c.sas[in], &esp, 1, ok, &st);
	CHECK(n == 1 && ok[0]->pkt_len == 100 &&
		  !memcmp(rte_pktmbuf_mtod(ok[0], void *), rte_pktmbuf_mtod(orig, void *), 100),
	      "decrypted back to the original");
	if (n)
		rte_pktmbuf_free(ok[0]);
	n = dp_esp_burst(&c, &c.sas[in], &again, 1, ok, &st);
	CHECK(n == 0 && st.drop_esp_auth == 1, "replay refused (%u passed)", n);
	n = dp_esp_burst(&c, &c.sas[in], &forged, 1, ok, &st);
	CHECK(n == 0 && st.drop_esp_auth == 2, "forged ICV refused");
	/* Shorter than an ESP header, IV and ICV: refused before decryption. */
	struct rte_mbuf *shortp = make_pkt(c.mbufs, 28);
	struct rte_ipv4_hdr *sh = rte_pktmbuf_mtod(shortp, struct rte_ipv4_hdr *);
	sh->next_proto_id = IPPROTO_ESP;
	memcpy(sh + 1, "\0\0\x12\x34\0\0\0\x09", 8);
	n = dp_esp_burst(&c, &c.sas[in], &shortp, 1, ok, &st);
	CHECK(n == 0 && st.drop_esp_auth == 3, "truncated ESP refused");
	/* Two copies in one burst: one passes. */
	struct rte_mbuf *m2 = make_pkt(c.mbufs, 60);
	n = dp_esp_burst(&c, &c.sas[out], &m2, 1, ok, &st);
	struct rte_mbuf *pair[2] = {ok[0], copy_pkt(c.mbufs, ok[0])};
	n = dp_esp_burst(&c, &c.sas[in], pair, 2, ok, &st);
	CHECK(n == 1, "a replay within one burst refused (%u of 2 passed)", n);
	rte_pktmbuf_free_bulk(ok, n);
	/* A jump ahead in the window (seq 3 to 40), then its replay. */
	struct rte_mbuf *enc[40];
	for (unsigned i = 0; i < 40; i++) {
		struct rte_mbuf *p = make_pkt(c.mbufs, 60);
		CHECK(dp_esp_burst(&c, &c.sas[out], &p, 1, &enc[i], &st) == 1, "enc %u", i);
	}
	for (unsigned i = 0; i < 40; i++) {
		uint32_t seq = rte_be_to_cpu_32(rte_pktmbuf_mtod_offset(enc[i], uint32_t *, 24)[0]);
		if (seq != 40 && seq != 5 && seq != 6 && seq != 31 && seq != 33) {
			rte_pktmbuf_free(enc[i]);
			continue;
		}
		struct rte_mbuf *dup = copy_pkt(c.mbufs, enc[i]);
		n = dp_esp_burst(&c, &c.sas[in], &enc[i], 1, ok, &st);
		CHECK(n == 1, "seq %u accepted", seq);
		rte_pktmbuf_free_bulk(ok, n);
		n = dp_esp_burst(&c, &c.sas[in], &dup, 1, ok, &st);
		CHECK(n == 0, "seq %u replay refused", seq);
		rte_pktmbuf_free_bulk(ok, n);
	}
	rte_pktmbuf_free(orig);
	CHECK(dp_sa_del(&c, true, 0x1234) == 0 && dp_sa_find(&c, true, 0x1234) < 0, "SA deleted");
	dp_esp_fini(&c);
	rte_eal_cleanup();
	printf(failures ? "FAILED\n" : "PASS\n");
	return failures ? 1 : 0;
}
