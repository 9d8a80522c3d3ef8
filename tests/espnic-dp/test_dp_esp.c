/* espnic-dp's software ESP path without a network (cmocka): an outbound SA
 * encrypts, the matching inbound SA decrypts back to the same packet, a replay
 * and a forged ICV are refused, keys are wiped from the caller's struct. Runs
 * the EAL without hugepages or PCI, with the crypto_aesni_gcm vdev. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp.h"

#define SPI 0x1234u

static struct dp_ctx c;
static int sa_out = -1, sa_in = -1; /* the pair the group setup adds */
static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t zero[32];

static struct rte_mbuf *make_pkt(unsigned len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(c.mbufs);
	assert_non_null(m);
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

static struct rte_mbuf *copy_pkt(const struct rte_mbuf *src)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(c.mbufs);
	assert_non_null(m);
	void *d = rte_pktmbuf_append(m, (uint16_t)src->pkt_len);
	memcpy(d, rte_pktmbuf_mtod(src, const void *), src->pkt_len);
	m->l2_len = 0;
	m->l3_len = sizeof(struct rte_ipv4_hdr);
	return m;
}

/* One packet through an SA: the packet out, or NULL when it was dropped. */
static struct rte_mbuf *through(int sa, struct rte_mbuf *m, struct dp_port_stats *st)
{
	struct rte_mbuf *ok[DP_BURST];
	unsigned n = dp_esp_burst(&c, &c.sas[sa], &m, 1, ok, st);
	assert_true(n <= 1);
	return n ? ok[0] : NULL;
}

static void sa_init(struct espnic_sa *sa, bool inbound)
{
	*sa = (struct espnic_sa){.spi = SPI,
				 .inbound = inbound,
				 .tunnel = true,
				 .alg = ESPNIC_ALG_AES_GCM_128,
				 .local = {198, 18, 2, 1},
				 .remote = {198, 18, 2, 2},
				 .replay_window = 64};
	memcpy(sa->key, key, 16);
	memcpy(sa->salt, "\xa\xb\xc\xd", 4);
}

static int group_setup(void **state)
{
	char *eal[] = {"test_dp_esp",	"--no-huge",	"--no-pci", "-m",
		       "256",		"-l",		"0",	    "--no-shconf",
		       "--file-prefix", "test_dp_esp",	"--vdev",   "crypto_aesni_gcm0",
		       "--log-level",	"lib.eal:error"};
	(void)state;
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return -1;
	}
	c.mbufs = dp_mbuf_pool("t_mbufs", 1023);
	if (!c.mbufs || dp_routes_init(&c, "t_routes") || dp_esp_init(&c, "crypto_aesni_gcm0")) {
		fprintf(stderr, "setup failed\n");
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	dp_esp_fini(&c);
	rte_eal_cleanup();
	return 0;
}

static void test_sa_add_wipes_keys(void **state)
{
	struct espnic_sa sa;
	(void)state;
	sa_init(&sa, false);
	sa_out = dp_sa_add(&c, &sa);
	assert_true(sa_out >= 0);
	assert_memory_equal(sa.key, zero, 32);
	assert_memory_equal(sa.salt, zero, 4);
	sa_init(&sa, true);
	sa_in = dp_sa_add(&c, &sa);
	assert_true(sa_in >= 0);
	assert_memory_equal(sa.key, zero, 32);
	/* the same inbound SPI again */
	sa_init(&sa, true);
	assert_true(dp_sa_add(&c, &sa) < 0);
}

static void test_round_trip_replay_forgery(void **state)
{
	struct dp_port_stats st = {0};
	(void)state;
	struct rte_mbuf *m = make_pkt(100), *orig = copy_pkt(m);
	struct rte_mbuf *esp = through(sa_out, m, &st);
	assert_non_null(esp);
	const struct rte_ipv4_hdr *oh = rte_pktmbuf_mtod(esp, const struct rte_ipv4_hdr *);
	/* ESP in IPv4 to the peer: header, IV, payload, pad length, next header, ICV */
	assert_int_equal(oh->next_proto_id, IPPROTO_ESP);
	assert_int_equal(oh->dst_addr, rte_cpu_to_be_32(0xc6120202));
	assert_int_equal(esp->pkt_len, 20 + 8 + 8 + 100 + 2 + 2 + 16);
	struct rte_mbuf *again = copy_pkt(esp), *forged = copy_pkt(esp);
	rte_pktmbuf_mtod_offset(forged, uint8_t *, forged->pkt_len - 1)[0] ^= 1;

	struct rte_mbuf *plain = through(sa_in, esp, &st);
	assert_non_null(plain);
	assert_int_equal(plain->pkt_len, 100);
	assert_memory_equal(rte_pktmbuf_mtod(plain, void *), rte_pktmbuf_mtod(orig, void *), 100);
	rte_pktmbuf_free(plain);
	rte_pktmbuf_free(orig);
	assert_null(through(sa_in, again, &st)); /* the replay */
	assert_int_equal(st.drop_esp_auth, 1);
	assert_null(through(sa_in, forged, &st)); /* the forged ICV */
	assert_int_equal(st.drop_esp_auth, 2);
}

static void test_truncated_refused(void **state)
{
	struct dp_port_stats st = {0};
	(void)state;
	/* shorter than an ESP header, IV and ICV: refused before decryption */
	struct rte_mbuf *shortp = make_pkt(28);
	struct rte_ipv4_hdr *sh = rte_pktmbuf_mtod(shortp, struct rte_ipv4_hdr *);
	sh->next_proto_id = IPPROTO_ESP;
	memcpy(sh + 1, "\0\0\x12\x34\0\0\0\x09", 8);
	assert_null(through(sa_in, shortp, &st));
	assert_int_equal(st.drop_esp_auth, 1);
}

static void test_replay_within_burst(void **state)
{
	struct dp_port_stats st = {0};
	struct rte_mbuf *ok[DP_BURST];
	(void)state;
	struct rte_mbuf *esp = through(sa_out, make_pkt(60), &st);
	assert_non_null(esp);
	struct rte_mbuf *pair[2] = {esp, copy_pkt(esp)};
	unsigned n = dp_esp_burst(&c, &c.sas[sa_in], pair, 2, ok, &st);
	assert_int_equal(n, 1);
	rte_pktmbuf_free_bulk(ok, n);
}

/* Jumps ahead in the window (from 2 to 5, on to 40), each accepted number
 * replayed at once. */
static void test_window_jump(void **state)
{
	struct dp_port_stats st = {0};
	struct rte_mbuf *enc[40];
	(void)state;
	for (unsigned i = 0; i < 40; i++) {
		enc[i] = through(sa_out, make_pkt(60), &st);
		assert_non_null(enc[i]);
	}
	unsigned checked = 0;
	for (unsigned i = 0; i < 40; i++) {
		uint32_t seq = rte_be_to_cpu_32(rte_pktmbuf_mtod_offset(enc[i], uint32_t *, 24)[0]);
		if (seq != 40 && seq != 5 && seq != 6 && seq != 31 && seq != 33) {
			rte_pktmbuf_free(enc[i]);
			continue;
		}
		struct rte_mbuf *dup = copy_pkt(enc[i]), *p = through(sa_in, enc[i], &st);
		if (p == NULL)
			fail_msg("seq %u refused", seq);
		rte_pktmbuf_free(p);
		p = through(sa_in, dup, &st);
		if (p != NULL)
			fail_msg("seq %u: its replay passed", seq);
		checked++;
	}
	assert_int_equal(checked, 5);
}

static void test_sa_delete(void **state)
{
	(void)state;
	assert_int_equal(dp_sa_del(&c, true, SPI), 0);
	assert_true(dp_sa_find(&c, true, SPI) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sa_add_wipes_keys),
	    cmocka_unit_test(test_round_trip_replay_forgery),
	    cmocka_unit_test(test_truncated_refused),
	    cmocka_unit_test(test_replay_within_burst),
	    cmocka_unit_test(test_window_jump),
	    cmocka_unit_test(test_sa_delete),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
