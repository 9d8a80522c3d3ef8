/* The card dataplane backend: CHILD_SAs programmed into an espnic card through libespnic
 * ("card:<libespnic URI>", e.g. card:sim:NAME).
 *
 * - Inbound SPIs carry a free inbound table index in their low bits (the card finds the SA
 *   by them); the high bits are random and never zero, so an SPI is never below 256.
 * - dp_install writes the inbound SA (selectors from the traffic selectors), the outbound SA
 *   (a free outbound index) and one PROTECT rule per local x remote selector pair.
 * - SPD slot order is priority order (spd_slots.c places the rules). Of two rules that some
 *   packet matches both, the one that goes first sits first: more specific first (prefix
 *   lengths, then protocol, then ports), CHILD_SAs before traps, newer before older. Rules
 *   that no packet matches both (one per tunnel, typically) may sit in any order, so a new
 *   rule takes the middle of the longest free run between the rules it overlaps, and 1000
 *   tunnels fill the table without moving a rule. A rekeyed CHILD_SA's rules go in front of
 *   its predecessor's (make-before-break): the card switches to the new outbound SA the
 *   moment the new rule is written, and the old rule goes with dp_delete. When there is no
 *   free slot at the right place, the rules are spread out again, each moved by
 *   copy-then-delete in an order that never lets two rules swap priority (no packet sees a
 *   missing or wrong rule).
 * - Traps (on-demand peers): PROTECT rules pointing at a reserved, empty outbound index; the
 *   card raises ACQUIRE on them.
 * - UDP from our IKE addresses and ports is bypassed ahead of everything
 *   (dp_set_ike_bypass), nothing else: a LAN host sending from port 500 does not pass.
 * - Routes for remote selectors via the card's host interface (routes.c), reference counted.
 * - At open the card is cleared (SAs and rules of a previous run, logged with counts) and
 *   set to default discard: traffic that matches no rule is dropped (fail closed). At close
 *   everything this backend installed is removed and default discard stays on, so nothing
 *   leaves in the clear while espnicd is gone.
 * Keys are copied into one struct espnic_sa at a time and wiped after the install. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "dataplane_backend.h"
#include "espnic.h"
#include "ike_types.h"
#include "log.h"
#include "routes.h"
#include "spd_slots.h"

#define MAX_PAIRS	    1024 /* the card's SA table per direction bounds the pairs */
#define MAX_TRAPS	    64
#define MAX_ROUTES	    4096 /* distinct remote prefixes: one per tunnel and more */
#define MAX_RULES_PER_PAIR  64
#define REPLAY_WINDOW	    128
#define PAIR_REPLAY_DEFAULT REPLAY_WINDOW

struct pair {
	bool used;
	uint32_t reqid, spi_in, spi_out;
	unsigned in_idx, out_idx;
	enum dp_mode mode;
	struct sockaddr_storage remote;
	char host_if[DP_IFNAME_MAX];
	unsigned remote_ts_count;
	struct dp_selector remote_ts[DP_MAX_SELECTORS];
	struct dp_selector local_ts[DP_MAX_SELECTORS];
	unsigned local_ts_count;
	uint16_t vlan;	/* route-based: the tunnel interface's VLAN (0: policy-based) */
	bool out_later; /* installed without its SPD rules: the predecessor's carry outbound */
	uint64_t seen_in_packets, last_in_ms;
};

struct trap {
	bool used;
	uint32_t reqid;
	unsigned out_idx;
	struct sockaddr_storage remote;
	char host_if[DP_IFNAME_MAX];
	unsigned remote_ts_count;
	struct dp_selector remote_ts[DP_MAX_SELECTORS];
};

struct route {
	bool used;
	struct spd_prefix p;
	char ifname[DP_IFNAME_MAX];
	unsigned refs;
	unsigned mtu; /* the smallest inner MTU of the tunnels that hold it */
};

struct dp_card {
	struct dp base;
	espnic_dev *dev;
	bool own_dev;
	char name[64];
	unsigned sa_n, spd_n;
	unsigned mtu;	    /* the card's MTU register: the largest outer packet */
	uint32_t *reserved; /* per inbound index: an allocated, not yet installed SPI */
	int *in_owner;	    /* per inbound index: pair + 1, 0 free */
	int *out_owner;	    /* per outbound index: pair + 1, -(trap + 1), 0 free */
	struct spd_slot *slots;
	uint64_t seq;
	uint32_t ev_lost;
	/* The IKE bypass rules now: their generation (rule owner) and what they let pass. */
	unsigned bypass_gen, bypass_n;
	bool bypass_set;
	uint16_t bypass_ports[2];
	struct espnic_prefix bypass_addrs[DP_MAX_IKE_ADDRS];
	struct pair pairs[MAX_PAIRS];
	struct trap traps[MAX_TRAPS];
	struct route routes[MAX_ROUTES];
	struct dp_routes *rt;
};

static const struct dp_ops card_ops;

static struct dp_card *card(struct dp *dp)
{
	return (struct dp_card *)dp;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- SPD slots (the placement itself is spd_slots.c) ---- */

static int slot_write(struct dp_card *c, unsigned slot, const struct spd_slot *lr)
{
	int ret = espnic_spd_add(c->dev, slot, &lr->r);

	if (ret < 0) {
		log_error("card %s: %s", c->name, espnic_error(c->dev));
		return ret;
	}
	c->slots[slot] = *lr;
	c->slots[slot].used = true;
	return 0;
}

static int slot_clear(struct dp_card *c, unsigned slot)
{
	int ret = espnic_spd_delete(c->dev, slot);

	if (ret < 0 && ret != -ENOENT)
		log_error("card %s: %s", c->name, espnic_error(c->dev));
	memset(&c->slots[slot], 0, sizeof(c->slots[slot]));
	return ret == -ENOENT ? 0 : ret;
}

static unsigned free_slots(const struct dp_card *c)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->spd_n; i++)
		n += !c->slots[i].used;
	return n;
}

/* Makes room for lr by spreading the rules out (spd_spread); returns the slot for lr. */
static int rebalance(struct dp_card *c, const struct spd_slot *lr)
{
	unsigned n = c->spd_n - free_slots(c), count = 0, moved = 0;
	struct spd_move *moves = calloc(c->spd_n, sizeof(*moves));
	int ret = 0, slot;

	if (moves == NULL)
		return -ENOMEM;
	slot = spd_spread(c->slots, c->spd_n, lr, moves, &count);
	if (slot == -ERANGE) {
		log_error("card %s: SPD rule cannot be placed between the rules it overlaps",
			  c->name);
		slot = -ENOSPC;
	}
	if (slot < 0) {
		free(moves);
		return slot;
	}
	for (unsigned i = 0; i < count && ret == 0; i++) {
		struct spd_slot copy = c->slots[moves[i].from];

		ret = slot_write(c, moves[i].to, &copy);
		if (ret == 0)
			ret = slot_clear(c, moves[i].from);
		moved++;
	}
	free(moves);
	if (ret == 0)
		log_debug("card %s: SPD rules spread out again (%u rules, %u moved)", c->name, n,
			  moved);
	return ret < 0 ? ret : slot;
}

/* Writes lr into the free slot spd_place picks; only when there is none are the rules spread
 * out again. */
static int rule_insert(struct dp_card *c, struct spd_slot *lr)
{
	int slot;

	lr->seq = ++c->seq;
	slot = spd_place(c->slots, c->spd_n, lr);
	if (slot < 0) {
		slot = rebalance(c, lr);
		if (slot < 0)
			return slot;
	}
	return slot_write(c, (unsigned)slot, lr);
}

static void rules_remove(struct dp_card *c, uint8_t cls, unsigned owner)
{
	for (unsigned i = 0; i < c->spd_n; i++)
		if (c->slots[i].used && c->slots[i].cls == cls && c->slots[i].owner == owner)
			slot_clear(c, i);
}

static int insert_rules(struct dp_card *c, const struct espnic_spd_rule *rules, int n, uint8_t cls,
			unsigned owner)
{
	if ((unsigned)n > free_slots(c))
		return -ENOSPC;
	for (int i = 0; i < n; i++) {
		struct spd_slot lr = {.cls = cls, .owner = owner, .r = rules[i]};
		int ret;

		lr.key = spd_rule_key(&rules[i]);
		ret = rule_insert(c, &lr);
		if (ret < 0) {
			rules_remove(c, cls, owner);
			return ret;
		}
	}
	return 0;
}

/* ---- routes ---- */

/* The largest inner packet a tunnel-mode SA carries within the card's MTU: esp_egress.sv
 * drops an encapsulation whose outer length, (inner + 57) & ~3 (IPv4 20, ESP header 8, IV 8,
 * pad to 4 with pad length and next header, ICV 16; AES-GCM, the card's only cipher), plus 8
 * for UDP encapsulation, exceeds the MTU. 1446 and 1438 (in UDP) at 1500. */
static unsigned inner_mtu(unsigned card_mtu, enum dp_mode mode, bool udp)
{
	/* Transport mode keeps the packet's own header: (packet + 37) & ~3, 1466 / 1458. */
	unsigned overhead = (mode == DP_MODE_TRANSPORT ? 37 : 57) + (udp ? 8 : 0);

	return card_mtu < overhead + 68 ? 68 : (card_mtu & ~3u) + 3 - overhead;
}

static unsigned card_inner_mtu(struct dp *dp, enum dp_mode mode, bool udp)
{
	return inner_mtu(card(dp)->mtu, mode, udp);
}

static void route_ref(struct dp_card *c, bool add, const struct spd_prefix *p, const char *ifname,
		      const struct sockaddr_storage *peer, unsigned mtu)
{
	struct route *free_r = NULL;
	char err[256];

	for (unsigned i = 0; i < MAX_ROUTES; i++) {
		struct route *r = &c->routes[i];

		if (!r->used) {
			if (free_r == NULL)
				free_r = r;
			continue;
		}
		if (r->p.family != p->family || r->p.len != p->len ||
		    memcmp(r->p.addr, p->addr, 16) != 0 || strcmp(r->ifname, ifname) != 0)
			continue;
		if (add) {
			r->refs++;
			/* A tunnel with more overhead (now in UDP) lowers it; never raised while
			 * a tunnel with the smaller figure may still hold the route. */
			if (mtu < r->mtu && routes_change(c->rt, true, p->family, p->addr, p->len,
							  ifname, peer, mtu, err, sizeof(err)) == 0)
				r->mtu = mtu;
			return;
		}
		if (--r->refs == 0) {
			if (routes_change(c->rt, false, p->family, p->addr, p->len, ifname, NULL, 0,
					  err, sizeof(err)) < 0)
				log_warn("card %s: %s", c->name, err);
			r->used = false;
		}
		return;
	}
	if (!add)
		return;
	if (free_r == NULL) {
		log_error("card %s: too many host routes, none added for this selector", c->name);
		return;
	}
	if (c->rt == NULL) {
		int ret = routes_open(&c->rt);

		if (ret < 0) {
			log_error("card %s: rtnetlink: %s; no host routes", c->name,
				  strerror(-ret));
			return;
		}
	}
	if (routes_change(c->rt, true, p->family, p->addr, p->len, ifname, peer, mtu, err,
			  sizeof(err)) < 0) {
		log_error("card %s: %s", c->name, err);
		return;
	}
	free_r->used = true;
	free_r->mtu = mtu;
	free_r->p = *p;
	snprintf(free_r->ifname, sizeof(free_r->ifname), "%s", ifname);
	free_r->refs = 1;
}

/* udp: the tunnel's ESP is UDP-encapsulated (a trap, before any SA, counts as such). In
 * transport mode the remote selector is the peer's own address: its route carries the MTU
 * that leaves room for the ESP the gateway's own packets get. */
static void routes_for(struct dp_card *c, bool add, const struct dp_selector *remote, unsigned n,
		       const char *ifname, const struct sockaddr_storage *peer, enum dp_mode mode,
		       bool udp)
{
	unsigned mtu = inner_mtu(c->mtu, mode, udp);
	struct spd_prefix p[SPD_MAX_PREFIXES];

	if (ifname[0] == '\0')
		return;
	for (unsigned i = 0; i < n; i++) {
		int k = spd_range_to_prefixes(remote[i].family, remote[i].start_addr,
					      remote[i].end_addr, p, SPD_MAX_PREFIXES);

		for (int j = 0; j < k; j++)
			route_ref(c, add, &p[j], ifname, peer, mtu);
	}
}

/* ---- SAs ---- */

static int find_pair(const struct dp_card *c, uint32_t spi_in)
{
	for (int i = 0; i < MAX_PAIRS; i++)
		if (c->pairs[i].used && c->pairs[i].spi_in == spi_in)
			return i;
	return -1;
}

static int alloc_out_index(struct dp_card *c)
{
	uint32_t r;
	unsigned start;

	if (RAND_bytes((uint8_t *)&r, sizeof(r)) != 1)
		r = 0;
	start = r % c->sa_n;
	for (unsigned k = 0; k < c->sa_n; k++) {
		unsigned i = (start + k) % c->sa_n;

		if (c->out_owner[i] == 0)
			return (int)i;
	}
	return -ENOSPC;
}

/* The SPD rules that send traffic between the selectors to outbound index out_idx, in
 * *rules (free() it): their count, or a negative errno (*rules is then NULL). A route-based
 * session's rules (vlan != 0) match only the frames of its tunnel interface's VLAN: routes,
 * not selectors, decide what enters the tunnel. */
static int rules_for(const struct dp_selector *local, unsigned nl, const struct dp_selector *remote,
		     unsigned nr, uint16_t vlan, unsigned out_idx, struct espnic_spd_rule **rules)
{
	int n;

	*rules = calloc(MAX_RULES_PER_PAIR, sizeof(**rules));
	if (*rules == NULL)
		return -ENOMEM;
	n = spd_build_rules(local, nl, remote, nr, out_idx, *rules, MAX_RULES_PER_PAIR);
	if (n <= 0) {
		free(*rules);
		*rules = NULL;
		return n < 0 ? n : -EINVAL;
	}
	for (int i = 0; vlan != 0 && i < n; i++) {
		(*rules)[i].vlan_match = true;
		(*rules)[i].vlan = vlan;
	}
	return n;
}

/* What a CHILD_SA and a trap both need before they touch the card: a free outbound index
 * (*out_idx, not yet owned) and the rules that lead to it, which must fit in the free SPD
 * slots. Returns the rule count (rules in *rules, free() them) or a negative errno. */
static int out_rules_prepare(struct dp_card *c, const struct dp_selector *local, unsigned nl,
			     const struct dp_selector *remote, unsigned nr, uint16_t vlan,
			     int *out_idx, struct espnic_spd_rule **rules)
{
	int n;

	*rules = NULL;
	*out_idx = alloc_out_index(c);
	if (*out_idx < 0)
		return *out_idx;
	n = rules_for(local, nl, remote, nr, vlan, (unsigned)*out_idx, rules);
	if (n > 0 && (unsigned)n > free_slots(c)) {
		free(*rules);
		*rules = NULL;
		return -ENOSPC;
	}
	return n;
}

static int card_alloc_spi(struct dp *dp, uint32_t *spi)
{
	struct dp_card *c = card(dp);
	uint32_t r[2];
	unsigned start;

	if (RAND_bytes((uint8_t *)r, sizeof(r)) != 1)
		return -EIO;
	start = r[0] % c->sa_n;
	for (unsigned k = 0; k < c->sa_n; k++) {
		unsigned i = (start + k) % c->sa_n;
		uint32_t high = r[1] / c->sa_n;

		if (c->in_owner[i] != 0 || c->reserved[i] != 0)
			continue;
		if (high == 0)
			high = 1; /* never below SA_N (>= 256) */
		c->reserved[i] = high * c->sa_n + i;
		*spi = c->reserved[i];
		return 0;
	}
	return -ENOSPC;
}

static void card_release_spi(struct dp *dp, uint32_t spi)
{
	struct dp_card *c = card(dp);
	unsigned i = spi % c->sa_n;

	if (c->reserved[i] == spi)
		c->reserved[i] = 0;
}

static bool ipv4_addr(const struct sockaddr_storage *ss, uint8_t out[4])
{
	if (ss->ss_family != AF_INET)
		return false;
	memcpy(out, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	return true;
}

/* The inbound SA checks exactly one local x remote pair of single prefixes, any ports: a
 * CHILD_SA with more (several selectors, ranges, ports) would let the card accept traffic
 * that was never negotiated. Narrowed to the first pair that fits. */
static int card_narrow_selectors(struct dp *dp, struct dp_selector *local, unsigned *nl,
				 struct dp_selector *remote, unsigned *nr)
{
	(void)dp;
	if (*nl == 1 && *nr == 1 && spd_sel_pair_exact(&local[0], &remote[0]))
		return 0;
	for (unsigned i = 0; i < *nl; i++) {
		for (unsigned j = 0; j < *nr; j++) {
			struct dp_selector l = local[i], r = remote[j];

			if (!spd_sel_narrow(&l) || !spd_sel_narrow(&r) ||
			    !spd_sel_pair_exact(&l, &r))
				continue;
			local[0] = l;
			remote[0] = r;
			*nl = *nr = 1;
			return 1;
		}
	}
	return -ENOTSUP;
}

/* The MSS that fills the card's MTU through sa (automatic TCP MSS clamping): the card
 * drops an ESP packet longer than the MTU, and its outer length is (L + K) & ~3 for an
 * inner IP packet of L bytes, K = 57 in tunnel mode (outer IPv4 20, ESP header and IV 16,
 * pad length and next header 2, ICV 16, padding up to 3), 37 in transport mode, 8 more in
 * UDP. The inner IP header is 40 bytes when the selectors are IPv6, and TCP's 20 come off
 * as well. */
static uint16_t dp_card_auto_mss(unsigned mtu, bool tunnel, bool udp_encap, bool v6)
{
	int k = (tunnel ? 57 : 37) + (udp_encap ? 8 : 0);
	int mss = (int)(mtu & ~3u) + 3 - k - (v6 ? 40 : 20) - 20;

	return (uint16_t)(mss < 88 ? 88 : mss > 65535 ? 65535 : mss);
}

/* The ESP transforms the card carries: AES-GCM-16 (RFC 4106) with a 128- or 256-bit key.
 * (AES-CBC with HMAC-SHA is in rtl/crypto but not yet in the card's ESP path.) */
static bool card_carries_esp(uint16_t encr_id, uint16_t key_bits, uint16_t integ_id)
{
	return encr_id == IKE_ENCR_AES_GCM_16 && integ_id == 0 &&
	       (key_bits == 128 || key_bits == 256);
}

/* One direction of sa as the card's SA (keys included: wiped by the caller). */
static int make_sa(struct dp_card *c, const struct dp_child_sa *sa, bool inbound,
		   struct espnic_sa *out)
{
	const struct dp_sa_dir *d = inbound ? &sa->in : &sa->out;

	memset(out, 0, sizeof(*out));
	if (!card_carries_esp(sa->encr_id, sa->key_bits, sa->integ_id) ||
	    sa->key_len * 8 != sa->key_bits || sa->salt_len != 4) {
		log_error("card %s: CHILD_SA %08x: the card carries %s only (transform %u, %u "
			  "bits)",
			  c->name, sa->in.spi, card_ops.esp_algorithms, sa->encr_id, sa->key_bits);
		return -EPROTONOSUPPORT;
	}
	if (!ipv4_addr(&sa->local, out->local) || !ipv4_addr(&sa->remote, out->remote)) {
		log_error("card %s: CHILD_SA %08x: the card's outer header is IPv4 only", c->name,
			  sa->in.spi);
		return -EAFNOSUPPORT;
	}
	out->inbound = inbound;
	out->spi = d->spi;
	out->tunnel = sa->mode != DP_MODE_TRANSPORT;
	if (sa->encap_local_port != 0 || sa->encap_remote_port != 0) {
		out->udp_encap = true;
		out->udp_sport = inbound ? sa->encap_remote_port : sa->encap_local_port;
		out->udp_dport = inbound ? sa->encap_local_port : sa->encap_remote_port;
	}
	out->alg = sa->key_bits == 128 ? ESPNIC_ALG_AES_GCM_128 : ESPNIC_ALG_AES_GCM_256;
	memcpy(out->key, d->key, sa->key_len);
	memcpy(out->salt, d->salt, 4);
	out->esn = sa->esn;
	out->replay_window = inbound ? PAIR_REPLAY_DEFAULT : 0;
	out->soft_bytes = sa->lifetime.soft_bytes;
	out->hard_bytes = sa->lifetime.hard_bytes;
	out->soft_packets = sa->lifetime.soft_packets;
	out->hard_packets = sa->lifetime.hard_packets;
	{
		uint16_t mss = inbound ? sa->mss_in : sa->mss_out;

		out->mss_clamp = mss != DP_MSS_AUTO
				     ? mss
				     : dp_card_auto_mss(c->mtu, out->tunnel, out->udp_encap,
							sa->local_ts_count > 0 &&
							    sa->local_ts[0].family == AF_INET6);
	}
	if (inbound) {
		/* card_install checked that the selectors are one exact pair. */
		struct spd_prefix src, dst;

		spd_sel_prefix(&sa->remote_ts[0], &src);
		spd_sel_prefix(&sa->local_ts[0], &dst);
		out->sel_src = spd_to_card_prefix(&src);
		out->sel_dst = spd_to_card_prefix(&dst);
		out->sel_proto = sa->remote_ts[0].ip_protocol ? sa->remote_ts[0].ip_protocol
							      : sa->local_ts[0].ip_protocol;
		/* Route-based: delivered to the host on the tunnel interface's VLAN. */
		out->vlan_tag = sa->vlan != 0;
		out->vlan = sa->vlan;
	}
	return 0;
}

static int sa_write(struct dp_card *c, unsigned index, struct espnic_sa *sa)
{
	int ret = espnic_sa_add(c->dev, index, sa);

	OPENSSL_cleanse(sa, sizeof(*sa));
	if (ret < 0)
		log_error("card %s: %s", c->name, espnic_error(c->dev));
	return ret;
}

static int card_install(struct dp *dp, const struct dp_child_sa *sa)
{
	struct dp_card *c = card(dp);
	struct espnic_sa in, out;
	struct espnic_spd_rule *rules = NULL;
	unsigned in_idx, pi;
	int out_idx, nrules, ret;

	if (sa->in.spi < 256 || sa->out.spi == 0 || sa->key_len > DP_MAX_KEY ||
	    sa->salt_len > DP_MAX_SALT || sa->local_ts_count > DP_MAX_SELECTORS ||
	    sa->remote_ts_count > DP_MAX_SELECTORS ||
	    strnlen(sa->host_if, sizeof(sa->host_if)) == sizeof(sa->host_if))
		return -EINVAL;
	if (sa->local_ts_count != 1 || sa->remote_ts_count != 1 ||
	    !spd_sel_pair_exact(&sa->local_ts[0], &sa->remote_ts[0])) {
		log_error("card %s: CHILD_SA %08x: the card checks inbound traffic against one "
			  "source and one destination prefix and a protocol: %u x %u selectors%s "
			  "would let it accept more than was negotiated",
			  c->name, sa->in.spi, sa->local_ts_count, sa->remote_ts_count,
			  sa->local_ts_count == 1 && sa->remote_ts_count == 1
			      ? " (ranges that are not a prefix, ports or protocols apart)"
			      : "");
		return -ENOTSUP;
	}
	in_idx = sa->in.spi % c->sa_n;
	if (find_pair(c, sa->in.spi) >= 0 || c->in_owner[in_idx] != 0)
		return -EEXIST;
	for (pi = 0; pi < MAX_PAIRS && c->pairs[pi].used; pi++)
		;
	if (pi == MAX_PAIRS)
		return -ENOSPC;
	nrules = out_rules_prepare(c, sa->local_ts, sa->local_ts_count, sa->remote_ts,
				   sa->remote_ts_count, sa->vlan, &out_idx, &rules);
	if (nrules < 0) {
		log_error("card %s: CHILD_SA %08x: no outbound SA index or SPD rules for it: %s",
			  c->name, sa->in.spi, strerror(-nrules));
		return nrules;
	}
	ret = make_sa(c, sa, true, &in);
	if (ret == 0)
		ret = make_sa(c, sa, false, &out);
	if (ret < 0) {
		OPENSSL_cleanse(&in, sizeof(in));
		OPENSSL_cleanse(&out, sizeof(out));
		free(rules);
		return ret;
	}
	ret = sa_write(c, in_idx, &in);
	if (ret < 0) {
		OPENSSL_cleanse(&out, sizeof(out));
		free(rules);
		return ret;
	}
	ret = sa_write(c, (unsigned)out_idx, &out);
	if (ret < 0) {
		espnic_sa_delete(c->dev, true, in_idx);
		free(rules);
		return ret;
	}
	c->in_owner[in_idx] = (int)pi + 1;
	c->out_owner[out_idx] = (int)pi + 1;
	if (c->reserved[in_idx] == sa->in.spi)
		c->reserved[in_idx] = 0;
	/* The new SAs exist: now the rules that send traffic into them, in front of the rules
	 * of the CHILD_SA this one replaces (if any), which dp_delete removes later; with
	 * out_later only at dp_switch_out. */
	ret = sa->out_later ? 0 : insert_rules(c, rules, nrules, CLS_CHILD, pi);
	free(rules);
	if (ret < 0) {
		log_error("card %s: CHILD_SA %08x: SPD rules not installed: %s", c->name,
			  sa->in.spi, strerror(-ret));
		espnic_sa_delete(c->dev, false, (unsigned)out_idx);
		espnic_sa_delete(c->dev, true, in_idx);
		c->in_owner[in_idx] = c->out_owner[out_idx] = 0;
		return ret;
	}
	struct pair *p = &c->pairs[pi];
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->reqid = sa->reqid;
	p->spi_in = sa->in.spi;
	p->spi_out = sa->out.spi;
	p->in_idx = in_idx;
	p->out_idx = (unsigned)out_idx;
	p->mode = sa->mode;
	p->vlan = sa->vlan;
	p->remote = sa->remote;
	snprintf(p->host_if, sizeof(p->host_if), "%s", sa->host_if);
	p->remote_ts_count = sa->remote_ts_count;
	memcpy(p->remote_ts, sa->remote_ts, sizeof(p->remote_ts));
	p->local_ts_count = sa->local_ts_count;
	memcpy(p->local_ts, sa->local_ts, sizeof(p->local_ts));
	p->out_later = sa->out_later;
	routes_for(c, true, p->remote_ts, p->remote_ts_count, p->host_if, &p->remote, p->mode,
		   sa->encap_remote_port != 0);
	log_debug("card %s: CHILD_SA %08x/%08x at in %u out %u, %d SPD rules%s", c->name,
		  sa->in.spi, sa->out.spi, in_idx, out_idx, nrules,
		  sa->out_later ? " (outbound later)" : "");
	return 0;
}

static int card_switch_out(struct dp *dp, uint32_t spi_in)
{
	struct dp_card *c = card(dp);
	struct espnic_spd_rule *rules;
	int pi = find_pair(c, spi_in), n, ret;
	struct pair *p;

	if (pi < 0)
		return -ENOENT;
	p = &c->pairs[pi];
	if (!p->out_later)
		return 0;
	n = rules_for(p->local_ts, p->local_ts_count, p->remote_ts, p->remote_ts_count, p->vlan,
		      p->out_idx, &rules);
	ret = n < 0 ? n : insert_rules(c, rules, n, CLS_CHILD, (unsigned)pi);
	free(rules);
	if (ret < 0) {
		log_error("card %s: CHILD_SA %08x: SPD rules not installed: %s", c->name, spi_in,
			  strerror(-ret));
		return ret;
	}
	p->out_later = false;
	log_debug("card %s: CHILD_SA %08x/%08x carries outbound traffic now (%d SPD rules)",
		  c->name, p->spi_in, p->spi_out, n);
	return 0;
}

static void pair_remove(struct dp_card *c, unsigned pi)
{
	struct pair *p = &c->pairs[pi];

	/* Rules first: no packet may find a rule whose SA is gone. */
	rules_remove(c, CLS_CHILD, pi);
	if (espnic_sa_delete(c->dev, false, p->out_idx) < 0)
		log_warn("card %s: %s", c->name, espnic_error(c->dev));
	if (espnic_sa_delete(c->dev, true, p->in_idx) < 0)
		log_warn("card %s: %s", c->name, espnic_error(c->dev));
	c->in_owner[p->in_idx] = 0;
	c->out_owner[p->out_idx] = 0;
	routes_for(c, false, p->remote_ts, p->remote_ts_count, p->host_if, NULL, p->mode, true);
	memset(p, 0, sizeof(*p));
}

static int trap_rearm(struct dp_card *c, unsigned ti);

static int card_delete(struct dp *dp, uint32_t spi_in)
{
	struct dp_card *c = card(dp);
	int pi = find_pair(c, spi_in);

	if (pi < 0)
		return -ENOENT;
	pair_remove(c, (unsigned)pi);
	/* Traffic the tunnel carried may now fall to a trap: let it ACQUIRE again. */
	for (unsigned ti = 0; ti < MAX_TRAPS; ti++)
		if (c->traps[ti].used)
			trap_rearm(c, ti);
	return 0;
}

static int card_read_counters(struct dp *dp, uint32_t spi_in, struct dp_counters *ctr)
{
	struct dp_card *c = card(dp);
	struct espnic_sa_status st;
	int pi = find_pair(c, spi_in), ret;
	struct pair *p;

	if (pi < 0)
		return -ENOENT;
	p = &c->pairs[pi];
	memset(ctr, 0, sizeof(*ctr));
	ret = espnic_sa_get(c->dev, true, p->in_idx, &st);
	if (ret < 0)
		return ret;
	ctr->in_packets = st.packets;
	ctr->in_bytes = st.bytes;
	for (unsigned i = 0; i < ESPNIC_DROP_N; i++)
		ctr->in_errors += st.drops[i];
	ret = espnic_sa_get(c->dev, false, p->out_idx, &st);
	if (ret < 0)
		return ret;
	ctr->out_packets = st.packets;
	ctr->out_bytes = st.bytes;
	/* The card keeps no timestamps: the last inbound packet is when we first saw the
	 * inbound count grow. */
	if (ctr->in_packets != p->seen_in_packets) {
		p->seen_in_packets = ctr->in_packets;
		p->last_in_ms = mono_ms();
	}
	ctr->last_in_ms = p->last_in_ms;
	return 0;
}

static int card_health(struct dp *dp, struct dp_health *h)
{
	struct dp_card *c = card(dp);
	uint64_t v[ESPNIC_PORT_COUNTERS];
	int ret = espnic_counters(c->dev, v);

	if (ret < 0)
		return ret;
	snprintf(h->name, sizeof(h->name), "%s", c->name);
	h->sa_n = c->sa_n;
	h->spd_n = c->spd_n;
	h->spd_used = c->spd_n - free_slots(c);
	for (unsigned i = 0; i < c->sa_n; i++)
		h->sa_used += c->in_owner[i] != 0;
	for (unsigned i = 0; i < ESPNIC_PORT_COUNTERS && i < DP_HEALTH_COUNTERS; i++) {
		h->counter_name[i] = espnic_counter_name(i);
		h->counter[i] = v[i];
		h->counter_count = i + 1;
	}
	return 0;
}

static int card_event_fd(struct dp *dp)
{
	int fd = espnic_event_fd(card(dp)->dev);

	return fd < 0 ? -1 : fd;
}

static bool map_event(struct dp_card *c, const struct espnic_event *e, struct dp_event *ev)
{
	int owner;

	memset(ev, 0, sizeof(*ev));
	if (e->kind == ESPNIC_EV_ACQUIRE) {
		ev->type = DP_EVENT_ACQUIRE;
		if (e->rule < c->spd_n && c->slots[e->rule].used) {
			const struct spd_slot *lr = &c->slots[e->rule];

			if (lr->cls == CLS_TRAP && c->traps[lr->owner].used) {
				ev->reqid = c->traps[lr->owner].reqid;
				return true;
			}
			if (lr->cls == CLS_CHILD && c->pairs[lr->owner].used) {
				ev->reqid = c->pairs[lr->owner].reqid;
				return true;
			}
		}
		owner = e->sa < c->sa_n ? c->out_owner[e->sa] : 0;
		if (owner < 0) {
			ev->reqid = c->traps[-owner - 1].reqid;
			return true;
		}
		return false;
	}
	if (e->sa >= c->sa_n)
		return false;
	owner = e->inbound ? c->in_owner[e->sa] : c->out_owner[e->sa];
	if (owner <= 0)
		return false;
	ev->spi_in = c->pairs[owner - 1].spi_in;
	switch (e->kind) {
	case ESPNIC_EV_SOFT_BYTES:
	case ESPNIC_EV_SOFT_PACKETS:
	case ESPNIC_EV_SEQ_WRAP: /* rekey before the sequence number runs out */
		ev->type = DP_EVENT_SOFT_EXPIRE;
		return true;
	case ESPNIC_EV_HARD_BYTES:
	case ESPNIC_EV_HARD_PACKETS:
		ev->type = DP_EVENT_HARD_EXPIRE;
		return true;
	default:
		return false;
	}
}

static int card_next_event(struct dp *dp, struct dp_event *ev)
{
	struct dp_card *c = card(dp);
	struct espnic_event e;
	uint32_t lost;
	int ret;

	while ((ret = espnic_event_next(c->dev, &e)) == 1) {
		if (map_event(c, &e, ev))
			return 1;
		log_debug("card %s: event %s for %s index %u (rule %u) not ours, ignored", c->name,
			  espnic_event_name(e.kind), e.inbound ? "inbound" : "outbound", e.sa,
			  e.rule);
	}
	if (ret < 0) {
		log_error("card %s: %s", c->name, espnic_error(c->dev));
		return 0;
	}
	if (espnic_reg_read(c->dev, ESPNIC_REG_EV_LOST, &lost) == 0 && lost != c->ev_lost) {
		log_warn("card %s: %u events lost to a full event ring", c->name,
			 lost - c->ev_lost);
		c->ev_lost = lost;
	}
	return 0;
}

static struct espnic_prefix host_prefix(const struct sockaddr_storage *ss)
{
	struct espnic_prefix p;

	memset(&p, 0, sizeof(p));
	p.v6 = ss->ss_family == AF_INET6;
	if (p.v6)
		memcpy(p.addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	else
		memcpy(p.addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	p.len = p.v6 ? 128 : 32;
	return p;
}

/* The new generation of bypass rules goes in before the old one goes: IKE never meets a
 * moment without its rule (the card discards what matches nothing). */
static int card_set_ike_bypass(struct dp *dp, const struct sockaddr_storage *addrs, unsigned n,
			       uint16_t port, uint16_t natt_port)
{
	struct dp_card *c = card(dp);
	uint16_t ports[2] = {port, natt_port};
	unsigned gen = c->bypass_gen + 1;
	int ret = 0;

	if (c->bypass_set && n == c->bypass_n && port == c->bypass_ports[0] &&
	    natt_port == c->bypass_ports[1]) {
		bool same = true;

		for (unsigned i = 0; i < n && same; i++) {
			struct espnic_prefix a = host_prefix(&addrs[i]);

			same = memcmp(&a, &c->bypass_addrs[i], sizeof(a)) == 0;
		}
		if (same)
			return 0;
	}
	for (unsigned a = 0; a < n && ret == 0; a++) {
		for (int i = 0; i < 2 && ret == 0; i++) {
			struct spd_slot lr = {
			    .cls = CLS_BYPASS, .key = SPD_BYPASS_KEY, .owner = gen};

			if (i == 1 && ports[1] == ports[0])
				continue;
			lr.r.src = host_prefix(&addrs[a]);
			lr.r.dst.v6 = lr.r.src.v6;
			lr.r.proto = IPPROTO_UDP;
			lr.r.sport_lo = lr.r.sport_hi = ports[i];
			lr.r.dport_lo = 0;
			lr.r.dport_hi = 65535;
			lr.r.action = ESPNIC_ACT_BYPASS;
			ret = rule_insert(c, &lr);
		}
	}
	if (ret < 0) {
		rules_remove(c, CLS_BYPASS, gen);
		return ret;
	}
	rules_remove(c, CLS_BYPASS, c->bypass_gen);
	c->bypass_gen = gen;
	c->bypass_set = true;
	c->bypass_n = n;
	c->bypass_ports[0] = port;
	c->bypass_ports[1] = natt_port;
	for (unsigned i = 0; i < n; i++)
		c->bypass_addrs[i] = host_prefix(&addrs[i]);
	log_debug("card %s: IKE bypass for UDP %u/%u from %u addresses", c->name, port, natt_port,
		  n);
	return 0;
}

static int find_trap(const struct dp_card *c, uint32_t reqid)
{
	for (int i = 0; i < MAX_TRAPS; i++)
		if (c->traps[i].used && c->traps[i].reqid == reqid)
			return i;
	return -1;
}

static int card_trap_install(struct dp *dp, const struct dp_trap *t)
{
	struct dp_card *c = card(dp);
	struct espnic_spd_rule *rules;
	int ti, out_idx, n, ret;

	if (t->reqid == 0 || strnlen(t->host_if, sizeof(t->host_if)) == sizeof(t->host_if))
		return -EINVAL;
	if (find_trap(c, t->reqid) >= 0)
		return -EEXIST;
	for (ti = 0; ti < MAX_TRAPS && c->traps[ti].used; ti++)
		;
	if (ti == MAX_TRAPS)
		return -ENOSPC;
	n = out_rules_prepare(c, t->local_ts, t->local_ts_count, t->remote_ts, t->remote_ts_count,
			      t->vlan, &out_idx, &rules);
	if (n < 0) {
		log_error(
		    "card %s: trap for reqid %u: no outbound SA index or SPD rules for it: %s",
		    c->name, t->reqid, strerror(-n));
		return n;
	}
	c->out_owner[out_idx] = -(ti + 1); /* reserved: stays empty so the rules ACQUIRE */
	c->traps[ti].used = true;
	c->traps[ti].reqid = t->reqid;
	ret = insert_rules(c, rules, n, CLS_TRAP, (unsigned)ti);
	free(rules);
	if (ret < 0) {
		c->out_owner[out_idx] = 0;
		memset(&c->traps[ti], 0, sizeof(c->traps[ti]));
		return ret;
	}
	c->traps[ti].out_idx = (unsigned)out_idx;
	c->traps[ti].remote = t->remote;
	snprintf(c->traps[ti].host_if, sizeof(c->traps[ti].host_if), "%s", t->host_if);
	c->traps[ti].remote_ts_count = t->remote_ts_count;
	memcpy(c->traps[ti].remote_ts, t->remote_ts, sizeof(t->remote_ts));
	routes_for(c, true, t->remote_ts, t->remote_ts_count, t->host_if, &t->remote,
		   DP_MODE_TUNNEL, true);
	log_debug("card %s: trap for reqid %u: %d SPD rules to empty outbound index %d", c->name,
		  t->reqid, n, out_idx);
	return 0;
}

/* The card raises one ACQUIRE per missing SA and re-arms when a rule naming that SA is
 * written: a copy of one of the trap's rules goes into a free slot and is cleared again (the
 * copy does what the original does, wherever it sits, so no packet sees a change). */
static int trap_rearm(struct dp_card *c, unsigned ti)
{
	int rule = -1, spare = -1, ret;

	for (unsigned s = 0; s < c->spd_n && (rule < 0 || spare < 0); s++) {
		if (!c->slots[s].used)
			spare = spare < 0 ? (int)s : spare;
		else if (c->slots[s].cls == CLS_TRAP && c->slots[s].owner == ti && rule < 0)
			rule = (int)s;
	}
	if (rule < 0)
		return 0;
	if (spare < 0) {
		log_warn("card %s: no free SPD slot to re-arm the trap of reqid %u", c->name,
			 c->traps[ti].reqid);
		return -ENOSPC;
	}
	struct spd_slot copy = c->slots[rule];
	if ((ret = slot_write(c, (unsigned)spare, &copy)) < 0)
		return ret;
	return slot_clear(c, (unsigned)spare);
}

static int card_trap_rearm(struct dp *dp, uint32_t reqid)
{
	struct dp_card *c = card(dp);
	int ti = find_trap(c, reqid);

	return ti < 0 ? -ENOENT : trap_rearm(c, (unsigned)ti);
}

static void trap_remove(struct dp_card *c, unsigned ti)
{
	struct trap *t = &c->traps[ti];

	rules_remove(c, CLS_TRAP, ti);
	c->out_owner[t->out_idx] = 0;
	routes_for(c, false, t->remote_ts, t->remote_ts_count, t->host_if, NULL, DP_MODE_TUNNEL,
		   true);
	memset(t, 0, sizeof(*t));
}

static int card_trap_remove(struct dp *dp, uint32_t reqid)
{
	struct dp_card *c = card(dp);
	int ti = find_trap(c, reqid);

	if (ti < 0)
		return -ENOENT;
	trap_remove(c, (unsigned)ti);
	log_debug("card %s: trap for reqid %u removed", c->name, reqid);
	return 0;
}

static void card_close(struct dp *dp)
{
	struct dp_card *c = card(dp);
	unsigned pairs = 0, traps = 0;

	for (unsigned i = 0; i < MAX_PAIRS; i++) {
		if (c->pairs[i].used) {
			pair_remove(c, i);
			pairs++;
		}
	}
	for (unsigned i = 0; i < MAX_TRAPS; i++) {
		if (c->traps[i].used) {
			trap_remove(c, i);
			traps++;
		}
	}
	rules_remove(c, CLS_BYPASS, c->bypass_gen);
	log_info("card %s: closed, removed %u CHILD_SAs and %u traps; default discard stays on",
		 c->name, pairs, traps);
	if (c->own_dev)
		espnic_close(c->dev);
	routes_close(c->rt);
	free(c->reserved);
	free(c->in_owner);
	free(c->out_owner);
	free(c->slots);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

static const struct dp_ops card_ops = {
    .kind = "card",
    .close = card_close,
    .alloc_spi = card_alloc_spi,
    .release_spi = card_release_spi,
    .install = card_install,
    .switch_out = card_switch_out,
    .delete = card_delete,
    .read_counters = card_read_counters,
    .health = card_health,
    .event_fd = card_event_fd,
    .next_event = card_next_event,
    .set_ike_bypass = card_set_ike_bypass,
    .trap_install = card_trap_install,
    .trap_remove = card_trap_remove,
    .trap_rearm = card_trap_rearm,
    .narrow_selectors = card_narrow_selectors,
    .inner_mtu = card_inner_mtu,
    .carries_esp = card_carries_esp,
    .esp_algorithms = "AES-GCM-16 (RFC 4106) with 128- or 256-bit keys",
};

/* What a previous owner left on the card: its SPD rules and its SAs in each direction. The
 * card lists which slots are in use (a command per 1024), so the scan stays short at 16K SAs. */
static unsigned count_used(const uint8_t *bits, unsigned n)
{
	unsigned k = 0;
	for (unsigned i = 0; i < (n + 7) / 8; i++)
		k += (unsigned)__builtin_popcount(bits[i]);
	return k;
}

static int count_leftovers(struct dp_card *c, unsigned *sas_out, unsigned *sas_in, unsigned *rules)
{
	unsigned n = c->sa_n > c->spd_n ? c->sa_n : c->spd_n;
	uint8_t *bits = malloc((n + 7) / 8);
	int ret = bits ? 0 : -ENOMEM;

	*sas_out = *sas_in = *rules = 0;
	if (!ret && (ret = espnic_spd_used(c->dev, bits)) == 0)
		*rules = count_used(bits, c->spd_n);
	if (!ret && (ret = espnic_sa_used(c->dev, false, bits)) == 0)
		*sas_out = count_used(bits, c->sa_n);
	if (!ret && (ret = espnic_sa_used(c->dev, true, bits)) == 0)
		*sas_in = count_used(bits, c->sa_n);
	free(bits);
	return ret;
}

int dp_card_open_dev(espnic_dev *dev, bool own_dev, struct dp **out)
{
	struct espnic_caps caps;
	struct dp_card *c;
	unsigned sas_out, sas_in, rules;
	struct espnic_event e;
	int ret;

	ret = espnic_get_caps(dev, &caps);
	if (ret < 0) {
		log_error("card: %s", espnic_error(dev));
		return ret;
	}
	if (caps.sa_n < 256 || caps.sa_n > 65536 || (caps.sa_n & (caps.sa_n - 1)) != 0 ||
	    caps.spd_n == 0 || caps.spd_n > 65536) {
		log_error("card %s: unexpected table sizes (SA_N %u, SPD_N %u)", caps.name,
			  caps.sa_n, caps.spd_n);
		return -EPROTO;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->base.ops = &card_ops;
	c->dev = dev;
	c->own_dev = own_dev;
	snprintf(c->name, sizeof(c->name), "%s", caps.name);
	c->sa_n = caps.sa_n;
	c->spd_n = caps.spd_n;
	c->mtu = caps.mtu ? caps.mtu : 1500;
	c->reserved = calloc(c->sa_n, sizeof(*c->reserved));
	c->in_owner = calloc(c->sa_n, sizeof(*c->in_owner));
	c->out_owner = calloc(c->sa_n, sizeof(*c->out_owner));
	c->slots = calloc(c->spd_n, sizeof(*c->slots));
	if (c->reserved == NULL || c->in_owner == NULL || c->out_owner == NULL ||
	    c->slots == NULL) {
		c->own_dev = false;
		card_close(&c->base);
		return -ENOMEM;
	}
	/* A card that still carries SAs and rules (a previous espnicd that crashed, or someone
	 * with the CLI) is cleared: we never run alongside stale SAs we do not know. */
	uint64_t t0 = mono_ms();
	if (count_leftovers(c, &sas_out, &sas_in, &rules) < 0)
		log_warn("card %s: could not list what a previous run left (%s); resetting it all "
			 "the same",
			 c->name, espnic_error(dev));
	uint64_t t1 = mono_ms();
	/* Fail closed: egress traffic that matches no rule (no CHILD_SA yet, a tunnel down,
	 * a disabled session, espnicd gone) is dropped and counted, never sent in the clear.
	 * libespnic set the default discard when the card was opened and sets it again after
	 * the reset; nothing clears it (card_close leaves it set). */
	ret = espnic_reset(dev);
	if (ret < 0) {
		log_error("card %s: %s", c->name, espnic_error(dev));
		c->own_dev = false;
		card_close(&c->base);
		return ret;
	}
	while (espnic_event_next(dev, &e) == 1) /* events of the previous owner's SAs */
		;
	espnic_reg_read(dev, ESPNIC_REG_EV_LOST, &c->ev_lost);
	if (sas_out != 0 || sas_in != 0 || rules != 0)
		log_info("card %s: cleared what a previous run left: %u SPD rules, %u outbound "
			 "and %u inbound SAs",
			 c->name, rules, sas_out, sas_in);
	else
		log_info("card %s: reset (nothing was left on it)", c->name);
	log_debug("card %s: looking for leftovers took %llu ms, the reset %llu ms", c->name,
		  (unsigned long long)(t1 - t0), (unsigned long long)(mono_ms() - t1));
	log_info("card %s (%s): %u SAs per direction, %u SPD rules, data path %u bits", c->name,
		 caps.backend, c->sa_n, c->spd_n, caps.data_w);
	*out = &c->base;
	return 0;
}

int dp_card_open(const char *uri, struct dp **out)
{
	espnic_dev *dev;
	int ret = espnic_open(uri, &dev);

	if (ret < 0) {
		log_error("card \"%s\": %s", uri, espnic_open_error());
		return ret;
	}
	ret = dp_card_open_dev(dev, true, out);
	if (ret < 0)
		espnic_close(dev);
	return ret;
}
