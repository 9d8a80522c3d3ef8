/* espnic-dp: the software ESP path. SAs are rte_ipsec lookaside-none
 * sessions over a cryptodev (crypto_aesni_gcm: AES-GCM-128/256, RFC 4106),
 * tunnel mode over IPv4, anti-replay by rte_ipsec. Keys go to the crypto
 * PMD and are wiped from every copy espnic-dp holds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_ipsec.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dp.h"

#define DP_CDEV_DESC 2048
#define DP_COP_PRIV  64 /* the IV rte_ipsec places after the op */

int dp_esp_init(struct dp_ctx *c, const char *cdev_name)
{
	int id = rte_cryptodev_get_dev_id(cdev_name);
	if (id < 0) {
		fprintf(stderr, "espnic-dp: no cryptodev %s (add --vdev %s)\n", cdev_name,
			cdev_name);
		return -1;
	}
	c->cdev = (uint8_t)id;
	int socket = (int)rte_socket_id();
	unsigned sess_sz = rte_cryptodev_sym_get_private_session_size(c->cdev);
	c->sess_pool = rte_cryptodev_sym_session_pool_create("dp_sess", 2 * DP_MAX_SAS + 64,
							     sess_sz, 0, 0, socket);
	c->cops = rte_crypto_op_pool_create("dp_cop", RTE_CRYPTO_OP_TYPE_SYMMETRIC, 4096, 128,
					    DP_COP_PRIV, socket);
	if (!c->sess_pool || !c->cops)
		return -1;
	struct rte_cryptodev_config conf = {.socket_id = socket, .nb_queue_pairs = 1};
	struct rte_cryptodev_qp_conf qp = {.nb_descriptors = DP_CDEV_DESC,
					   .mp_session = c->sess_pool};
	if (rte_cryptodev_configure(c->cdev, &conf) != 0 ||
	    rte_cryptodev_queue_pair_setup(c->cdev, 0, &qp, socket) != 0 ||
	    rte_cryptodev_start(c->cdev) != 0)
		return -1;
	struct rte_hash_parameters hp = {
	    .name = "dp_spi_in",
	    .entries = DP_MAX_SAS * 2,
	    .key_len = sizeof(uint32_t),
	    .socket_id = socket,
	};
	c->spi_in = rte_hash_create(&hp);
	if (!c->spi_in)
		return -1;
	c->have_cdev = true;
	return 0;
}

void dp_esp_fini(struct dp_ctx *c)
{
	for (unsigned i = 0; i < DP_MAX_SAS; i++)
		if (c->sas[i].used)
			dp_sa_del(c, c->sas[i].inbound, c->sas[i].spi);
	if (c->have_cdev) {
		rte_cryptodev_stop(c->cdev);
		rte_cryptodev_close(c->cdev);
		c->have_cdev = false;
	}
}

int dp_sa_find(const struct dp_ctx *c, bool inbound, uint32_t spi)
{
	for (unsigned i = 0; i < DP_MAX_SAS; i++)
		if (c->sas[i].used && c->sas[i].inbound == inbound && c->sas[i].spi == spi)
			return (int)i;
	return -1;
}

static void sa_release(struct dp_ctx *c, struct dp_sa *s)
{
	if (s->cses)
		rte_cryptodev_sym_session_free(c->cdev, s->cses);
	rte_free(s->sa); /* rte_ipsec_sa_fini() happened before, if it was set up */
	memset(s, 0, sizeof(*s));
}

/* Adds an SA from libespnic's SA type (tunnel mode, IPv4 outer, AES-GCM).
 * Wipes sa->key and sa->salt whatever the outcome. Returns the SA index or a
 * negative errno. */
int dp_sa_add(struct dp_ctx *c, struct espnic_sa *in)
{
	int rc = -EINVAL;
	int idx = -1;
	struct rte_crypto_sym_xform xf = {0};
	struct rte_ipsec_sa_prm prm = {0};
	struct rte_ipv4_hdr tun = {0};
	struct dp_sa *s = NULL;

	if (!c->have_cdev) {
		rc = -ENODEV;
		goto out;
	}
	unsigned keylen = in->alg == ESPNIC_ALG_AES_GCM_128   ? 16
			  : in->alg == ESPNIC_ALG_AES_GCM_256 ? 32
							      : 0;
	if (!keylen || !in->tunnel || in->udp_encap || in->esn || in->spi < 256)
		goto out;
	if (dp_sa_find(c, in->inbound, in->spi) >= 0) {
		rc = -EEXIST;
		goto out;
	}
	for (unsigned i = 0; i < DP_MAX_SAS; i++) {
		if (!c->sas[i].used) {
			idx = (int)i;
			break;
		}
	}
	if (idx < 0) {
		rc = -ENOSPC;
		goto out;
	}
	s = &c->sas[idx];
	memset(s, 0, sizeof(*s));

	xf.type = RTE_CRYPTO_SYM_XFORM_AEAD;
	xf.aead.op = in->inbound ? RTE_CRYPTO_AEAD_OP_DECRYPT : RTE_CRYPTO_AEAD_OP_ENCRYPT;
	xf.aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
	xf.aead.key.data = in->key;
	xf.aead.key.length = (uint16_t)keylen;
	xf.aead.iv.offset =
	    (uint16_t)(sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op));
	xf.aead.iv.length = 12;
	xf.aead.digest_length = 16;
	xf.aead.aad_length = 8; /* SPI and 32-bit sequence number */

	prm.ipsec_xform.spi = in->spi;
	memcpy(&prm.ipsec_xform.salt, in->salt, 4);
	prm.ipsec_xform.direction =
	    in->inbound ? RTE_SECURITY_IPSEC_SA_DIR_INGRESS : RTE_SECURITY_IPSEC_SA_DIR_EGRESS;
	prm.ipsec_xform.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
	prm.ipsec_xform.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
	prm.ipsec_xform.tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV4;
	prm.ipsec_xform.replay_win_sz =
	    in->inbound ? (in->replay_window ? in->replay_window : 64) : 0;
	prm.crypto_xform = &xf;
	prm.tun.next_proto = IPPROTO_IPIP;
	if (!in->inbound) {
		tun.version_ihl = RTE_IPV4_VHL_DEF;
		tun.time_to_live = 64;
		tun.next_proto_id = IPPROTO_ESP;
		memcpy(&tun.src_addr, in->local, 4);
		memcpy(&tun.dst_addr, in->remote, 4);
		prm.tun.hdr = &tun;
		prm.tun.hdr_len = sizeof(tun);
		prm.tun.hdr_l3_off = 0;
	}

	int sz = rte_ipsec_sa_size(&prm);
	if (sz < 0) {
		rc = sz;
		goto out;
	}
	s->sa = rte_zmalloc("dp_sa", (size_t)sz, RTE_CACHE_LINE_SIZE);
	if (!s->sa) {
		rc = -ENOMEM;
		goto out;
	}
	s->cses = rte_cryptodev_sym_session_create(c->cdev, &xf, c->sess_pool);
	if (!s->cses) {
		rc = -rte_errno;
		goto fail;
	}
	rc = rte_ipsec_sa_init(s->sa, &prm, (uint32_t)sz);
	if (rc < 0)
		goto fail;
	s->ss.sa = s->sa;
	s->ss.type = RTE_SECURITY_ACTION_TYPE_NONE;
	s->ss.crypto.ses = s->cses;
	s->ss.crypto.dev_id = c->cdev;
	rc = rte_ipsec_session_prepare(&s->ss);
	if (rc != 0) {
		rte_ipsec_sa_fini(s->sa);
		goto fail;
	}
	if (in->inbound) {
		rc = rte_hash_add_key_data(c->spi_in, &in->spi, (void *)(uintptr_t)idx);
		if (rc != 0) {
			rte_ipsec_sa_fini(s->sa);
			goto fail;
		}
	}
	s->used = true;
	s->rp_size = (uint32_t)RTE_ALIGN_CEIL(prm.ipsec_xform.replay_win_sz, 64);
	s->inbound = in->inbound;
	s->spi = in->spi;
	s->alg = in->alg;
	memcpy(&s->local, in->local, 4);
	memcpy(&s->remote, in->remote, 4);
	s->local = rte_be_to_cpu_32(s->local);
	s->remote = rte_be_to_cpu_32(s->remote);
	if (in->inbound) {
		const struct espnic_prefix *ps[2] = {&in->sel_src, &in->sel_dst};
		uint32_t *addr[2] = {&s->sel_src, &s->sel_dst};
		uint32_t *mask[2] = {&s->sel_src_mask, &s->sel_dst_mask};
		for (unsigned k = 0; k < 2; k++) {
			uint32_t a;
			memcpy(&a, ps[k]->addr, 4);
			*mask[k] = ps[k]->len ? UINT32_MAX << (32 - ps[k]->len) : 0;
			*addr[k] = rte_be_to_cpu_32(a) & *mask[k];
		}
	}
	rc = idx;
	goto out;
fail:
	sa_release(c, s);
out:
	explicit_bzero(&xf, sizeof(xf));
	explicit_bzero(in->key, sizeof(in->key));
	explicit_bzero(in->salt, sizeof(in->salt));
	explicit_bzero(&prm, sizeof(prm));
	return rc;
}

int dp_sa_del(struct dp_ctx *c, bool inbound, uint32_t spi)
{
	int i = dp_sa_find(c, inbound, spi);
	if (i < 0)
		return -ENOENT;
	struct dp_sa *s = &c->sas[i];
	if (inbound)
		rte_hash_del_key(c->spi_in, &spi);
	else
		dp_routes_drop_sa(c, (uint32_t)i);
	rte_ipsec_sa_fini(s->sa);
	sa_release(c, s);
	return 0;
}

/* RFC 4303 3.4.3 over authenticated packets: true (and recorded) when seq
 * is new and inside the window. rte_ipsec checks too; this check exists
 * because Debian's librte-ipsec 22.11 accepts a second copy of a packet
 * whose sequence number sits at bit 32..63 of a 64-bit window word
 * (tests/espnic-dp/test_dp_esp.c shows it). */
static bool replay_accept(struct dp_sa *s, uint32_t seq)
{
	uint32_t w = s->rp_size;
	if (seq == 0)
		return false;
	if (seq > s->rp_top) {
		uint64_t shift = seq - s->rp_top;
		if (shift >= w) {
			memset(s->rp_bits, 0, sizeof(s->rp_bits));
		} else {
			for (uint64_t q = s->rp_top + 1; q < seq; q++)
				s->rp_bits[(q % w) / 64] &= ~(1ull << (q % 64));
		}
		s->rp_top = seq;
	} else if (s->rp_top - seq >= w) {
		return false;
	} else if (s->rp_bits[(seq % w) / 64] & (1ull << (seq % 64))) {
		return false;
	}
	s->rp_bits[(seq % w) / 64] |= 1ull << (seq % 64);
	return true;
}

unsigned dp_esp_burst(struct dp_ctx *c, struct dp_sa *s, struct rte_mbuf **pkts, unsigned n,
		      struct rte_mbuf **ok, struct dp_port_stats *st)
{
	struct rte_crypto_op *cop[DP_BURST];
	struct rte_ipsec_group grp[DP_BURST];
	struct rte_mbuf *seq_m[DP_BURST];
	uint32_t seq[DP_BURST];
	unsigned nok = 0;

	if (s->inbound) {
		/* The sequence numbers, before rte_ipsec strips the headers
		 * (fwd.c checked that the ESP header is there). */
		for (unsigned i = 0; i < n; i++) {
			rte_be32_t sq; /* IP headers are 2-byte aligned after Ethernet */
			memcpy(&sq,
			       rte_pktmbuf_mtod_offset(pkts[i], const uint8_t *,
						       pkts[i]->l2_len + pkts[i]->l3_len + 4),
			       sizeof(sq));
			seq_m[i] = pkts[i];
			seq[i] = rte_be_to_cpu_32(sq);
		}
	}

	if (rte_crypto_op_bulk_alloc(c->cops, RTE_CRYPTO_OP_TYPE_SYMMETRIC, cop, n) == 0) {
		rte_pktmbuf_free_bulk(pkts, n);
		st->drop_esp_other += n;
		s->drops += n;
		return 0;
	}
	uint16_t k = rte_ipsec_pkt_crypto_prepare(&s->ss, pkts, cop, (uint16_t)n);
	/* Those prepare refused (replay, malformed) are past k. */
	if (k < n) {
		rte_pktmbuf_free_bulk(pkts + k, n - k);
		rte_mempool_put_bulk(c->cops, (void **)(cop + k), n - k);
		if (s->inbound)
			st->drop_esp_auth += n - k; /* replayed or too old */
		else
			st->drop_esp_other += n - k;
		s->drops += n - k;
	}
	uint16_t enq = rte_cryptodev_enqueue_burst(c->cdev, 0, cop, k);
	if (enq < k) {
		for (unsigned i = enq; i < k; i++)
			rte_pktmbuf_free(cop[i]->sym->m_src);
		rte_mempool_put_bulk(c->cops, (void **)(cop + enq), k - enq);
		st->drop_esp_other += k - enq;
		s->drops += k - enq;
	}
	struct rte_crypto_op *done[DP_BURST];
	struct rte_mbuf *mb[DP_BURST];
	unsigned got = 0;
	while (got < enq)
		got += rte_cryptodev_dequeue_burst(c->cdev, 0, done + got, (uint16_t)(enq - got));
	if (got == 0)
		return 0; /* (the group helper's VLA must not be empty) */
	uint16_t ng =
	    rte_ipsec_pkt_crypto_group((const struct rte_crypto_op **)done, mb, grp, (uint16_t)got);
	rte_mempool_put_bulk(c->cops, (void **)done, got);
	for (unsigned g = 0; g < ng; g++) {
		struct rte_ipsec_session *ss = grp[g].id.ptr;
		uint16_t m = rte_ipsec_pkt_process(ss, grp[g].m, (uint16_t)grp[g].cnt);
		for (unsigned i = 0; i < m; i++) {
			struct rte_mbuf *p = grp[g].m[i];
			if (s->inbound) {
				unsigned j = 0;
				while (j < n && seq_m[j] != p)
					j++;
				if (j == n || !replay_accept(s, seq[j])) {
					rte_pktmbuf_free(p);
					st->drop_esp_auth++;
					s->drops++;
					continue;
				}
			}
			s->packets++;
			s->bytes += p->pkt_len;
			ok[nok++] = p;
		}
		if (m < grp[g].cnt) {
			rte_pktmbuf_free_bulk(grp[g].m + m, grp[g].cnt - m);
			if (s->inbound)
				st->drop_esp_auth += grp[g].cnt - m;
			else
				st->drop_esp_other += grp[g].cnt - m;
			s->drops += grp[g].cnt - m;
		}
	}
	return nok;
}
