/* The card dataplane backend (host/espnicd/dataplane/dataplane_card.c) against in-process card
 * models: SPI and index allocation, install and delete (SAs and SPD rules as the card reports
 * them), make-before-break rekeys (the newest SA carries the traffic at every step, through many
 * rekeys that force the rules to be spread out again), rule order by specificity, IKE
 * bypass, counters (two cards back to back), lifetime events, ACQUIRE from a trap, clearing
 * of a card left with SAs and rules, and refusals of what the card cannot carry. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/dataplane.h"
#include "espnic.h"
#include "espnic_model.h"
#include "ike/espnicd.h"
#include "ike_types.h"
#include "log.h"
#include "model_io.h"

struct card {
	espnic_model *m;
	espnic_dev *dev; /* our own handle on the card, to look at it */
	struct dp *dp;
	unsigned sa_n, spd_n; /* the card's table sizes */
};

static void card_new(struct card *c)
{
	struct espnic_io io;

	c->m = espnic_model_new(128, NULL);
	assert_non_null(c->m);
	io = model_io(c->m);
	assert_int_equal(espnic_open_io(&io, "test", -1, &c->dev), 0);
	struct espnic_caps caps;
	assert_int_equal(espnic_get_caps(c->dev, &caps), 0);
	c->sa_n = caps.sa_n;
	c->spd_n = caps.spd_n;
	espnic_dev *dp_dev;
	assert_int_equal(espnic_open_io(&io, "test", -1, &dp_dev), 0);
	assert_int_equal(dp_card_open_dev(dp_dev, true, &c->dp), 0);
}

static void card_free(struct card *c)
{
	dp_close(c->dp);
	espnic_close(c->dev);
	espnic_model_free(c->m);
}

static void sel(struct dp_selector *s, const char *a, const char *b)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	inet_pton(AF_INET, a, s->start_addr);
	inet_pton(AF_INET, b, s->end_addr);
	s->end_port = 65535;
}

static void addr(struct sockaddr_storage *ss, const char *a, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, a, &sin->sin_addr);
}

/* IKE bypass for our address 198.18.0.1, UDP 500 and 4500. */
static int ike_bypass(struct dp *dp)
{
	struct sockaddr_storage a;

	addr(&a, "198.18.0.1", 0);
	return dp_set_ike_bypass(dp, &a, 1, 500, 4500);
}

/* A CHILD_SA 198.19.1.0/24 (us, 198.18.0.1) === 198.19.2.0/24 (peer, 198.18.0.2). */
static void child(struct dp_child_sa *sa, uint32_t reqid, uint32_t spi_in, uint32_t spi_out,
		  uint8_t keyseed, bool encap)
{
	memset(sa, 0, sizeof(*sa));
	sa->reqid = reqid;
	sa->mode = DP_MODE_TUNNEL;
	sa->encr_id = IKE_ENCR_AES_GCM_16;
	sa->key_bits = 128;
	sa->key_len = 16;
	sa->salt_len = 4;
	sa->in.spi = spi_in;
	sa->out.spi = spi_out;
	for (int i = 0; i < 16; i++) {
		sa->in.key[i] = (uint8_t)(keyseed + i);
		sa->out.key[i] = (uint8_t)(keyseed + 0x80 + i);
	}
	memcpy(sa->in.salt, "\x01\x02\x03\x04", 4);
	memcpy(sa->out.salt, "\x05\x06\x07\x08", 4);
	addr(&sa->local, "198.18.0.1", 4500);
	addr(&sa->remote, "198.18.0.2", 4500);
	if (encap)
		sa->encap_local_port = sa->encap_remote_port = 4500;
	sa->local_ts_count = sa->remote_ts_count = 1;
	sel(&sa->local_ts[0], "198.19.1.0", "198.19.1.255");
	sel(&sa->remote_ts[0], "198.19.2.0", "198.19.2.255");
}

/* The peer's view of the same CHILD_SA: directions swapped. */
static void mirror(struct dp_child_sa *peer, const struct dp_child_sa *sa)
{
	*peer = *sa;
	peer->in = sa->out;
	peer->out = sa->in;
	peer->local = sa->remote;
	peer->remote = sa->local;
	memcpy(peer->local_ts, sa->remote_ts, sizeof(peer->local_ts));
	memcpy(peer->remote_ts, sa->local_ts, sizeof(peer->remote_ts));
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet + IPv4 + UDP from src:sport to dst:dport with 64 bytes of payload. */
static size_t udp_frame(uint8_t *f, const char *src, const char *dst, uint16_t sport,
			uint16_t dport)
{
	size_t plen = 64, iplen = 20 + 8 + plen;
	uint8_t *ip = f + 14, *udp = ip + 20;

	memset(f, 0, 14 + iplen);
	memcpy(f, "\x02\x00\x00\x00\x00\x0b\x02\x00\x00\x00\x00\x0a\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	uint16_t c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)((8 + plen) >> 8);
	udp[5] = (uint8_t)(8 + plen);
	for (size_t i = 4; i < plen; i++) /* four zero octets first: not ESP-in-UDP */
		udp[8 + i] = (uint8_t)i;
	return 14 + iplen;
}

/* What one host frame becomes on the wire: returns the ESP SPI, 0 for a frame in the clear,
 * UINT32_MAX for no frame at all. With fwd, the wire frame is handed to that card's wire. */
static uint32_t egress(struct card *c, const char *src, const char *dst, uint16_t sport,
		       uint16_t dport, struct card *fwd)
{
	uint8_t f[2048];
	size_t len = udp_frame(f, src, dst, sport, dport);
	int n;
	uint32_t spi = 0;

	assert_int_equal(espnic_model_send(c->m, ESPNIC_PORT_HOST, f, len), 0);
	espnic_model_drain(c->m, 200, 2000000);
	n = espnic_model_recv(c->m, ESPNIC_PORT_WIRE, f, sizeof(f), NULL, NULL);
	if (n <= 0)
		return UINT32_MAX;
	const uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if (ip[9] == 50)
		spi = (uint32_t)ip[ihl] << 24 | (uint32_t)ip[ihl + 1] << 16 |
		      (uint32_t)ip[ihl + 2] << 8 | ip[ihl + 3];
	else if (ip[9] == 17 && ip[ihl + 2] == 0x11 && ip[ihl + 3] == 0x94 && n > 14 + 28 + 8)
		spi = (uint32_t)ip[ihl + 8] << 24 | (uint32_t)ip[ihl + 9] << 16 |
		      (uint32_t)ip[ihl + 10] << 8 | ip[ihl + 11];
	if (fwd != NULL) {
		assert_int_equal(espnic_model_send(fwd->m, ESPNIC_PORT_WIRE, f, (size_t)n), 0);
		espnic_model_drain(fwd->m, 200, 2000000);
		while (espnic_model_recv(fwd->m, ESPNIC_PORT_HOST, f, sizeof(f), NULL, NULL) > 0)
			;
	}
	return spi;
}

/* The rules on the card (which slots the card lists as in use, each read). */
static unsigned rules_on_card(struct card *c, struct espnic_spd_rule *rules, unsigned *slots)
{
	unsigned n = 0;
	struct espnic_spd_rule r;
	uint8_t used[16384 / 8];

	assert_true(c->spd_n <= 16384);
	assert_int_equal(espnic_spd_used(c->dev, used), 0);
	for (unsigned i = 0; i < c->spd_n; i++) {
		if (!espnic_slot_in_use(used, i))
			continue;
		if (espnic_spd_get(c->dev, i, &r) == 1) {
			if (rules)
				rules[n] = r;
			if (slots)
				slots[n] = i;
			n++;
		}
	}
	return n;
}

/* The SAs of a direction on the card; the index of the last one in *last. */
static unsigned sas_on_card_at(struct card *c, bool inbound, unsigned *last)
{
	struct espnic_sa_status st;
	unsigned n = 0;
	uint8_t used[16384 / 8];

	assert_true(c->sa_n <= 16384);
	assert_int_equal(espnic_sa_used(c->dev, inbound, used), 0);
	for (unsigned i = 0; i < c->sa_n; i++)
		if (espnic_slot_in_use(used, i) && espnic_sa_get(c->dev, inbound, i, &st) == 0 &&
		    st.enabled) {
			n++;
			if (last)
				*last = i;
		}
	return n;
}

static unsigned sas_on_card(struct card *c, bool inbound)
{
	return sas_on_card_at(c, inbound, NULL);
}

static void test_spi_allocation(void **state)
{
	struct card c;
	static bool seen[16384];
	uint32_t spis[300], spi;

	(void)state;
	card_new(&c);
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < 300; i++) {
		assert_int_equal(dp_alloc_spi(c.dp, &spis[i]), 0);
		assert_true(spis[i] >= 256);
		assert_true(spis[i] >= c.sa_n); /* random high bits never zero */
		assert_false(seen[spis[i] % c.sa_n]);
		seen[spis[i] % c.sa_n] = true;
	}
	/* A released index comes back into use; an installed one never does. */
	dp_release_spi(c.dp, spis[0]);
	seen[spis[0] % c.sa_n] = false;
	struct dp_child_sa sa;
	child(&sa, 1, spis[1], 0x5000, 1, false);
	assert_int_equal(dp_install(c.dp, &sa), 0);
	/* 299 reserved (one of them installed now), the rest free. */
	for (unsigned i = 0; i < c.sa_n - 299; i++) {
		assert_int_equal(dp_alloc_spi(c.dp, &spi), 0);
		assert_false(seen[spi % c.sa_n]);
		seen[spi % c.sa_n] = true;
	}
	/* Every index taken now (the one installed SA included): the table is full. */
	assert_int_equal(dp_alloc_spi(c.dp, &spi), -ENOSPC);
	card_free(&c);
}

static void test_install_delete(void **state)
{
	struct card c;
	struct dp_child_sa sa;
	struct espnic_sa_status st;
	struct espnic_spd_rule rules[8];
	uint32_t spi;
	unsigned out_idx = UINT32_MAX;

	(void)state;
	card_new(&c);
	assert_int_equal(dp_alloc_spi(c.dp, &spi), 0);
	child(&sa, 7, spi, 0xc0010001, 3, true);
	assert_int_equal(dp_install(c.dp, &sa), 0);
	assert_int_equal(dp_install(c.dp, &sa), -EEXIST);
	/* Inbound at the SPI's low bits, with the selectors and UDP encapsulation. */
	assert_int_equal(espnic_sa_get(c.dev, true, spi % c.sa_n, &st), 0);
	assert_true(st.enabled);
	assert_int_equal(st.spi, spi);
	assert_true(st.flags & (1u << ESPNIC_SA_FLAG_TUNNEL));
	assert_true(st.flags & (1u << ESPNIC_SA_FLAG_UDP));
	assert_int_equal(st.sel_src.len, 24);
	assert_int_equal(st.sel_src.addr[2], 2);
	assert_int_equal(st.sel_dst.len, 24);
	assert_int_equal(st.sel_dst.addr[2], 1);
	assert_int_equal(st.udp_dport, 4500);
	/* Outbound somewhere, and the one PROTECT rule points at it. */
	assert_int_equal(sas_on_card_at(&c, false, &out_idx), 1);
	assert_true(out_idx < c.sa_n);
	assert_int_equal(espnic_sa_get(c.dev, false, out_idx, &st), 0);
	assert_int_equal(st.spi, 0xc0010001);
	assert_int_equal(st.local[3], 1);
	assert_int_equal(st.remote[3], 2);
	assert_int_equal(rules_on_card(&c, rules, NULL), 1);
	assert_int_equal(rules[0].action, ESPNIC_ACT_PROTECT);
	assert_int_equal(rules[0].sa, out_idx);
	assert_int_equal(rules[0].src.len, 24);
	assert_int_equal(rules[0].dst.addr[2], 2);
	/* Traffic takes it, UDP-encapsulated; other traffic is discarded (default discard). */
	assert_int_equal(egress(&c, "198.19.1.5", "198.19.2.9", 1000, 2000, NULL), 0xc0010001);
	assert_int_equal(egress(&c, "198.19.1.5", "198.19.3.9", 1000, 2000, NULL), UINT32_MAX);
	/* Delete: nothing left. */
	assert_int_equal(dp_delete(c.dp, spi), 0);
	assert_int_equal(dp_delete(c.dp, spi), -ENOENT);
	assert_int_equal(rules_on_card(&c, NULL, NULL), 0);
	assert_int_equal(espnic_sa_get(c.dev, true, spi % c.sa_n, &st), 0);
	assert_false(st.enabled);
	assert_int_equal(espnic_sa_get(c.dev, false, out_idx, &st), 0);
	assert_false(st.enabled);
	card_free(&c);
}

/* The card checks inbound traffic against one source prefix, one destination prefix and a
 * protocol per SA, no ports. A CHILD_SA with several selectors, a range that is no prefix or
 * ports is refused (its inbound check would be wider than what was negotiated: two /24s
 * would have become their covering prefix, mixed families no check at all), and
 * dp_narrow_selectors narrows such selectors to a pair the card checks exactly. A trap, with
 * no inbound side, takes several selectors as several rules. */
static void test_selectors_exact(void **state)
{
	struct card c;
	struct dp_child_sa sa;
	struct dp_trap t;
	struct dp_selector l[DP_MAX_SELECTORS], r[DP_MAX_SELECTORS];
	struct espnic_sa_status st;
	unsigned nl, nr;
	uint32_t spi;

	(void)state;
	card_new(&c);
	assert_int_equal(dp_alloc_spi(c.dp, &spi), 0);
	child(&sa, 1, spi, 0x7000, 3, false);
	sa.local_ts_count = 2;
	sel(&sa.local_ts[1], "198.19.5.0", "198.19.5.255");
	assert_int_equal(dp_install(c.dp, &sa), -ENOTSUP);
	child(&sa, 1, spi, 0x7000, 3, false);
	sel(&sa.remote_ts[0], "198.19.6.1", "198.19.6.2"); /* .1/32 and .2/32 */
	assert_int_equal(dp_install(c.dp, &sa), -ENOTSUP);
	child(&sa, 1, spi, 0x7000, 3, false);
	sa.remote_ts[0].start_port = sa.remote_ts[0].end_port = 80;
	assert_int_equal(dp_install(c.dp, &sa), -ENOTSUP);
	child(&sa, 1, spi, 0x7000, 3, false);
	sa.local_ts[0].ip_protocol = 6;
	sa.remote_ts[0].ip_protocol = 17;
	assert_int_equal(dp_install(c.dp, &sa), -ENOTSUP);
	assert_int_equal(sas_on_card(&c, true), 0);
	assert_int_equal(rules_on_card(&c, NULL, NULL), 0);
	/* Narrowing: two /16s on our side (their covering prefix would be 0/0) and an IPv6
	 * selector beside an IPv4 range on the peer's become 198.19.0.0/16 === 198.19.6.0/31. */
	memset(l, 0, sizeof(l));
	memset(r, 0, sizeof(r));
	sel(&l[0], "198.19.0.0", "198.19.255.255");
	sel(&l[1], "10.0.0.0", "10.0.255.255");
	r[0].family = AF_INET6;
	r[0].end_port = 65535;
	memset(r[0].end_addr, 0xff, 16);
	sel(&r[1], "198.19.6.0", "198.19.6.2");
	nl = nr = 2;
	assert_int_equal(dp_narrow_selectors(c.dp, l, &nl, r, &nr), 1);
	assert_int_equal(nl, 1);
	assert_int_equal(nr, 1);
	assert_memory_equal(l[0].start_addr, "\xc6\x13\x00\x00", 4);
	assert_memory_equal(l[0].end_addr, "\xc6\x13\xff\xff", 4);
	assert_int_equal(r[0].family, AF_INET);
	assert_memory_equal(r[0].start_addr, "\xc6\x13\x06\x00", 4);
	assert_memory_equal(r[0].end_addr, "\xc6\x13\x06\x01", 4);
	assert_int_equal(dp_narrow_selectors(c.dp, l, &nl, r, &nr), 0);
	/* What it narrowed to installs, and the inbound SA checks exactly that. */
	child(&sa, 1, spi, 0x7000, 3, false);
	sa.local_ts[0] = l[0];
	sa.remote_ts[0] = r[0];
	assert_int_equal(dp_install(c.dp, &sa), 0);
	assert_int_equal(espnic_sa_get(c.dev, true, spi % c.sa_n, &st), 0);
	assert_int_equal(st.sel_src.len, 31);
	assert_int_equal(st.sel_dst.len, 16);
	assert_int_equal(dp_delete(c.dp, spi), 0);
	/* Ports cannot be checked: nothing fits. */
	r[0].start_port = r[0].end_port = 53;
	assert_int_equal(dp_narrow_selectors(c.dp, l, &nl, r, &nr), -ENOTSUP);
	/* A trap: 2 x 2 selectors, the .1-.2 range two prefixes, six rules. */
	memset(&t, 0, sizeof(t));
	t.reqid = 9;
	t.local_ts_count = t.remote_ts_count = 2;
	sel(&t.local_ts[0], "198.19.1.0", "198.19.1.255");
	sel(&t.local_ts[1], "198.19.5.0", "198.19.5.255");
	sel(&t.remote_ts[0], "198.19.2.0", "198.19.2.255");
	sel(&t.remote_ts[1], "198.19.6.1", "198.19.6.2");
	assert_int_equal(dp_trap_install(c.dp, &t), 0);
	assert_int_equal(rules_on_card(&c, NULL, NULL), 6);
	assert_int_equal(dp_trap_remove(c.dp, 9), 0);
	assert_int_equal(rules_on_card(&c, NULL, NULL), 0);
	card_free(&c);
}

/* Rekey after rekey: each new CHILD_SA goes in front of the old one before the old goes, the
 * newest SA carries the traffic after every step, and rules that overlap stay in order (IKE
 * bypass first, then the more specific) even when the rules must be spread out again. Rules
 * that do not overlap may sit in any order: no packet can tell. */
static void test_make_before_break(void **state)
{
	struct card c;
	struct dp_child_sa sa, narrow;
	uint32_t spi, old_spi, narrow_spi;
	struct espnic_spd_rule rules[8];
	unsigned slots[8];

	(void)state;
	card_new(&c);
	assert_int_equal(ike_bypass(c.dp), 0);
	/* A more specific CHILD_SA of another peer: 198.19.1.0/24 === 198.19.2.128/25. */
	assert_int_equal(dp_alloc_spi(c.dp, &narrow_spi), 0);
	child(&narrow, 2, narrow_spi, 0x9999, 9, false);
	sel(&narrow.remote_ts[0], "198.19.2.128", "198.19.2.255");
	assert_int_equal(dp_install(c.dp, &narrow), 0);
	assert_int_equal(dp_alloc_spi(c.dp, &old_spi), 0);
	child(&sa, 1, old_spi, 0x10000, 1, false);
	assert_int_equal(dp_install(c.dp, &sa), 0);
	assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), 0x10000);
	for (uint32_t k = 1; k <= 40; k++) {
		assert_int_equal(dp_alloc_spi(c.dp, &spi), 0);
		child(&sa, 1, spi, 0x10000 + k, (uint8_t)k, false);
		assert_int_equal(dp_install(c.dp, &sa), 0);
		/* Both installed: the new one carries the traffic already. */
		assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), 0x10000 + k);
		assert_int_equal(dp_delete(c.dp, old_spi), 0);
		assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), 0x10000 + k);
		/* The narrower CHILD_SA keeps its traffic; our IKE passes in the clear, a LAN
		 * host's UDP from port 4500 does not. */
		assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.200", 1, 2, NULL), 0x9999);
		assert_int_equal(egress(&c, "198.18.0.1", "198.18.0.2", 4500, 4500, NULL), 0);
		assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 4500, 4500, NULL),
				 0x10000 + k);
		old_spi = spi;
	}
	/* The IKE bypass rules (our address only), then /25, then /24. */
	int v4_bypass = 0, narrow_at = -1, wide_at = -1;
	assert_int_equal(rules_on_card(&c, rules, slots), 4);
	for (int i = 0; i < 4; i++) {
		if (rules[i].action == ESPNIC_ACT_BYPASS && !rules[i].src.v6) {
			assert_int_equal(narrow_at + wide_at, -2);
			assert_int_equal(rules[i].src.len, 32);
			assert_memory_equal(rules[i].src.addr, "\xc6\x12\x00\x01", 4);
			v4_bypass++;
		}
		if (rules[i].dst.len == 25)
			narrow_at = i;
		if (rules[i].dst.len == 24)
			wide_at = i;
	}
	assert_int_equal(v4_bypass, 2);
	assert_true(narrow_at >= 0 && narrow_at < wide_at);
	card_free(&c);
}

/* Two cards back to back: what A encrypts B decrypts; per-SA counters on both. */
static void test_counters(void **state)
{
	struct card a, b;
	struct dp_child_sa sa, peer;
	struct dp_counters ca, cb;
	uint32_t spi_a, spi_b;

	(void)state;
	card_new(&a);
	card_new(&b);
	assert_int_equal(dp_alloc_spi(a.dp, &spi_a), 0);
	assert_int_equal(dp_alloc_spi(b.dp, &spi_b), 0);
	child(&sa, 1, spi_a, spi_b, 5, true);
	mirror(&peer, &sa);
	assert_int_equal(dp_install(a.dp, &sa), 0);
	assert_int_equal(dp_install(b.dp, &peer), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(egress(&a, "198.19.1.1", "198.19.2.1", 1, 2, &b), spi_b);
	assert_int_equal(dp_read_counters(a.dp, spi_a, &ca), 0);
	assert_int_equal(dp_read_counters(b.dp, spi_b, &cb), 0);
	assert_int_equal(ca.out_packets, 5);
	assert_true(ca.out_bytes > 0);
	assert_int_equal(ca.in_packets, 0);
	assert_int_equal(ca.last_in_ms, 0);
	assert_int_equal(cb.in_packets, 5);
	assert_int_equal(cb.in_errors, 0);
	assert_true(cb.last_in_ms > 0);
	assert_int_equal(dp_read_counters(a.dp, 0x12345678, &ca), -ENOENT);
	card_free(&a);
	card_free(&b);
}

static void test_lifetime_events(void **state)
{
	struct card c;
	struct dp_child_sa sa;
	struct dp_event ev;
	uint32_t spi;
	int soft = 0, hard = 0;

	(void)state;
	card_new(&c);
	assert_int_equal(dp_alloc_spi(c.dp, &spi), 0);
	child(&sa, 1, spi, 0x4444, 1, false);
	sa.lifetime.soft_packets = 3;
	sa.lifetime.hard_packets = 5;
	assert_int_equal(dp_install(c.dp, &sa), 0);
	assert_int_equal(dp_next_event(c.dp, &ev), 0);
	for (int i = 0; i < 6; i++)
		egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL);
	while (dp_next_event(c.dp, &ev) == 1) {
		assert_int_equal(ev.spi_in, spi); /* outbound events map to the pair */
		soft += ev.type == DP_EVENT_SOFT_EXPIRE;
		hard += ev.type == DP_EVENT_HARD_EXPIRE;
	}
	assert_int_equal(soft, 1);
	assert_int_equal(hard, 1);
	card_free(&c);
}

/* A trap raises ACQUIRE with its reqid; a CHILD_SA with the same selectors takes precedence;
 * once it is gone the trap catches the traffic again. */
static void test_acquire(void **state)
{
	struct card c;
	struct dp_trap t;
	struct dp_child_sa sa;
	struct dp_event ev;
	uint32_t spi;
	int n = 0;

	(void)state;
	card_new(&c);
	memset(&t, 0, sizeof(t));
	t.reqid = 77;
	t.local_ts_count = t.remote_ts_count = 1;
	sel(&t.local_ts[0], "198.19.1.0", "198.19.1.255");
	sel(&t.remote_ts[0], "198.19.2.0", "198.19.2.255");
	assert_int_equal(dp_trap_install(c.dp, &t), 0);
	assert_int_equal(dp_trap_install(c.dp, &t), -EEXIST);
	assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), UINT32_MAX);
	while (dp_next_event(c.dp, &ev) == 1) {
		assert_int_equal(ev.type, DP_EVENT_ACQUIRE);
		assert_int_equal(ev.reqid, 77);
		n++;
	}
	assert_int_equal(n, 1);
	assert_int_equal(dp_alloc_spi(c.dp, &spi), 0);
	child(&sa, 5, spi, 0x6666, 1, false);
	assert_int_equal(dp_install(c.dp, &sa), 0);
	assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), 0x6666);
	assert_int_equal(dp_next_event(c.dp, &ev), 0);
	assert_int_equal(dp_delete(c.dp, spi), 0);
	assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), UINT32_MAX);
	assert_int_equal(dp_next_event(c.dp, &ev), 1);
	assert_int_equal(ev.reqid, 77);
	assert_int_equal(dp_trap_remove(c.dp, 77), 0);
	assert_int_equal(dp_trap_remove(c.dp, 77), -ENOENT);
	assert_int_equal(rules_on_card(&c, NULL, NULL), 0);
	/* No rule, no trap: discarded (fail closed), not sent in the clear. */
	assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), UINT32_MAX);
	card_free(&c);
}

/* A card left with SAs and rules (a crashed daemon, the CLI) is cleared at open, and dp_close
 * removes everything the backend installed. */
static void test_restart_clears(void **state)
{
	struct card c;
	struct espnic_io io;
	espnic_dev *dev2;
	struct dp *dp2;
	struct dp_child_sa sa;
	uint32_t spi;

	(void)state;
	card_new(&c);
	assert_int_equal(dp_alloc_spi(c.dp, &spi), 0);
	child(&sa, 1, spi, 0x1234, 1, false);
	assert_int_equal(dp_install(c.dp, &sa), 0);
	assert_int_equal(ike_bypass(c.dp), 0);
	/* The first daemon dies without cleaning up: a second backend opens the same card. */
	io = model_io(c.m);
	assert_int_equal(espnic_open_io(&io, "again", -1, &dev2), 0);
	assert_int_equal(dp_card_open_dev(dev2, true, &dp2), 0);
	assert_int_equal(sas_on_card(&c, true), 0);
	assert_int_equal(sas_on_card(&c, false), 0);
	assert_int_equal(rules_on_card(&c, NULL, NULL), 0);
	/* The new owner installs, then closes: the card is empty again. */
	assert_int_equal(ike_bypass(dp2), 0);
	assert_int_equal(dp_alloc_spi(dp2, &spi), 0);
	child(&sa, 1, spi, 0x1234, 1, false);
	assert_int_equal(dp_install(dp2, &sa), 0);
	assert_int_equal(rules_on_card(&c, NULL, NULL), 3);
	dp_close(dp2);
	assert_int_equal(sas_on_card(&c, true), 0);
	assert_int_equal(sas_on_card(&c, false), 0);
	assert_int_equal(rules_on_card(&c, NULL, NULL), 0);
	card_free(&c);
}

/* Fail closed: the card is set to default discard when the backend opens it and stays so
 * after it closes; traffic without a CHILD_SA is discarded and counted, never sent in the
 * clear. Only our own IKE (address and ports) is bypassed; a new set of IKE addresses
 * replaces the old one. */
static void test_fail_closed(void **state)
{
	struct card c;
	struct dp_child_sa sa;
	struct sockaddr_storage a[2];
	uint64_t cnt0[ESPNIC_PORT_COUNTERS], cnt1[ESPNIC_PORT_COUNTERS];
	uint32_t spi, ctl;

	(void)state;
	card_new(&c);
	assert_int_equal(espnic_reg_read(c.dev, ESPNIC_REG_CONTROL, &ctl), 0);
	assert_true(ctl & (1u << ESPNIC_CTRL_DEFAULT_DISCARD));
	assert_int_equal(ike_bypass(c.dp), 0);
	assert_int_equal(espnic_counters(c.dev, cnt0), 0);
	assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), UINT32_MAX);
	assert_int_equal(espnic_counters(c.dev, cnt1), 0);
	assert_int_equal(cnt1[ESPNIC_CNT_EG_DISCARDED], cnt0[ESPNIC_CNT_EG_DISCARDED] + 1);
	/* IKE from us passes; UDP from port 500 of any other address does not. */
	assert_int_equal(egress(&c, "198.18.0.1", "198.18.0.2", 500, 500, NULL), 0);
	assert_int_equal(egress(&c, "198.18.0.1", "198.18.0.2", 4500, 4500, NULL), 0);
	assert_int_equal(egress(&c, "198.19.1.1", "198.18.0.2", 500, 500, NULL), UINT32_MAX);
	assert_int_equal(egress(&c, "198.18.0.9", "198.18.0.2", 4500, 4500, NULL), UINT32_MAX);
	assert_int_equal(egress(&c, "198.18.0.1", "198.18.0.2", 1, 500, NULL), UINT32_MAX);
	/* Another address set: the new one passes, the old one no longer. */
	addr(&a[0], "198.18.0.7", 0);
	addr(&a[1], "198.18.0.8", 0);
	assert_int_equal(dp_set_ike_bypass(c.dp, a, 2, 500, 4500), 0);
	assert_int_equal(rules_on_card(&c, NULL, NULL), 4);
	assert_int_equal(egress(&c, "198.18.0.8", "198.18.0.2", 4500, 4500, NULL), 0);
	assert_int_equal(egress(&c, "198.18.0.1", "198.18.0.2", 500, 500, NULL), UINT32_MAX);
	/* A tunnel, then none: its traffic is discarded once it is gone. */
	assert_int_equal(dp_alloc_spi(c.dp, &spi), 0);
	child(&sa, 1, spi, 0x4242, 1, false);
	assert_int_equal(dp_install(c.dp, &sa), 0);
	assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), 0x4242);
	assert_int_equal(dp_delete(c.dp, spi), 0);
	assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), UINT32_MAX);
	/* The daemon goes: the card stays closed. */
	dp_close(c.dp);
	c.dp = NULL;
	assert_int_equal(espnic_reg_read(c.dev, ESPNIC_REG_CONTROL, &ctl), 0);
	assert_true(ctl & (1u << ESPNIC_CTRL_DEFAULT_DISCARD));
	assert_int_equal(rules_on_card(&c, NULL, NULL), 0);
	assert_int_equal(egress(&c, "198.19.1.1", "198.19.2.1", 1, 2, NULL), UINT32_MAX);
	assert_int_equal(egress(&c, "198.18.0.8", "198.18.0.2", 4500, 4500, NULL), UINT32_MAX);
	card_free(&c);
}

static void test_refusals(void **state)
{
	struct card c;
	struct dp_child_sa sa;
	uint32_t spi;

	(void)state;
	card_new(&c);
	assert_int_equal(dp_alloc_spi(c.dp, &spi), 0);
	child(&sa, 1, spi, 0x1234, 1, false);
	sa.encr_id = IKE_ENCR_AES_CBC;
	sa.integ_id = IKE_INTEG_HMAC_SHA2_256_128;
	assert_int_equal(dp_install(c.dp, &sa), -EPROTONOSUPPORT);
	child(&sa, 1, spi, 0x1234, 1, false);
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa.remote;
	memset(&sa.remote, 0, sizeof(sa.remote));
	s6->sin6_family = AF_INET6;
	assert_int_equal(dp_install(c.dp, &sa), -EAFNOSUPPORT);
	child(&sa, 1, 100, 0x1234, 1, false); /* SPI below 256 */
	assert_int_equal(dp_install(c.dp, &sa), -EINVAL);
	child(&sa, 1, spi, 0x1234, 1, false);
	sa.remote_ts_count = 1;
	sel(&sa.remote_ts[0], "198.19.0.1", "198.19.255.254"); /* no prefix: not checkable */
	assert_int_equal(dp_install(c.dp, &sa), -ENOTSUP);
	assert_int_equal(sas_on_card(&c, true), 0);
	assert_int_equal(sas_on_card(&c, false), 0);
	assert_int_equal(rules_on_card(&c, NULL, NULL), 0);
	/* The SPI is still ours to install. */
	child(&sa, 1, spi, 0x1234, 1, false);
	assert_int_equal(dp_install(c.dp, &sa), 0);
	card_free(&c);
}

/* What the card carries as the IKE side sees it (AES-GCM-16 with a 128- or 256-bit key): a
 * peer's ESP proposals are narrowed to it, and a peer left with none is refused, unchanged. */
static void test_esp_carried(void **state)
{
	struct card c;
	struct cfg_peer *peer = calloc(1, sizeof(*peer));
	char why[160];

	(void)state;
	assert_non_null(peer);
	card_new(&c);
	assert_true(dp_carries_esp(c.dp, IKE_ENCR_AES_GCM_16, 128, 0));
	assert_true(dp_carries_esp(c.dp, IKE_ENCR_AES_GCM_16, 256, 0));
	assert_false(dp_carries_esp(c.dp, IKE_ENCR_AES_GCM_16, 192, 0));
	assert_false(dp_carries_esp(c.dp, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA2_256_128));
	assert_false(dp_carries_esp(c.dp, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128));
	assert_non_null(strstr(dp_esp_algorithms(c.dp), "AES-GCM-16"));

	/* aes128-sha256, then aes128gcm16 + aes192gcm16 + aes256gcm16 with group 14 */
	peer->esp[0].encr_count = 1;
	peer->esp[0].encr[0].id = IKE_ENCR_AES_CBC;
	peer->esp[0].encr[0].bits = 128;
	peer->esp[0].integ_count = 1;
	peer->esp[0].integ[0] = IKE_INTEG_HMAC_SHA2_256_128;
	peer->esp[1].encr_count = 3;
	for (unsigned i = 0; i < 3; i++) {
		peer->esp[1].encr[i].id = IKE_ENCR_AES_GCM_16;
		peer->esp[1].encr[i].bits = (uint16_t)(128 + 64 * i);
	}
	peer->esp[1].dh_count = 1;
	peer->esp[1].dh[0] = 14;
	peer->esp_count = 2;
	assert_int_equal(espnicd_esp_carried(peer, c.dp, why, sizeof(why)), 1);
	assert_int_equal(peer->esp_count, 1);
	assert_int_equal(peer->esp[0].encr_count, 2);
	assert_int_equal(peer->esp[0].encr[0].bits, 128);
	assert_int_equal(peer->esp[0].encr[1].bits, 256);
	assert_int_equal(peer->esp[0].integ_count, 0);
	assert_int_equal(peer->esp[0].dh_count, 1);
	assert_int_equal(peer->esp[0].dh[0], 14);
	assert_int_equal(espnicd_esp_carried(peer, c.dp, why, sizeof(why)), 0); /* all carry now */

	/* AES-CBC with HMAC only: refused, saying what the card carries; the peer unchanged */
	memset(peer, 0, sizeof(*peer));
	peer->esp[0].encr_count = 2;
	peer->esp[0].encr[0].id = IKE_ENCR_AES_CBC;
	peer->esp[0].encr[0].bits = 128;
	peer->esp[0].encr[1].id = IKE_ENCR_AES_CBC;
	peer->esp[0].encr[1].bits = 256;
	peer->esp[0].integ_count = 1;
	peer->esp[0].integ[0] = IKE_INTEG_HMAC_SHA2_256_128;
	peer->esp_count = 1;
	assert_int_equal(espnicd_esp_carried(peer, c.dp, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "AES-GCM-16"));
	assert_non_null(strstr(why, "card"));
	assert_int_equal(peer->esp_count, 1);
	assert_int_equal(peer->esp[0].encr_count, 2);
	assert_int_equal(peer->esp[0].integ_count, 1);
	free(peer);
	card_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spi_allocation),  cmocka_unit_test(test_install_delete),
	    cmocka_unit_test(test_selectors_exact), cmocka_unit_test(test_make_before_break),
	    cmocka_unit_test(test_counters),	    cmocka_unit_test(test_lifetime_events),
	    cmocka_unit_test(test_acquire),	    cmocka_unit_test(test_restart_clears),
	    cmocka_unit_test(test_refusals),	    cmocka_unit_test(test_fail_closed),
	    cmocka_unit_test(test_esp_carried),
	};

	if (!espnic_model_has_width(128)) {
		printf("SKIP: no 128-bit model\n");
		return 77;
	}
	log_setup(getenv("DP_TEST_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
