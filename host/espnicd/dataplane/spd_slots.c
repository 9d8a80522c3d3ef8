/* The card's SPD as pure logic, no device access: selector ranges as the prefixes the card
 * matches (exact cover, and the smallest covering prefix), the PROTECT rules of a CHILD_SA,
 * the priority order of rules, and where a rule goes in the slot table (spd_place) or how the
 * table is spread out to make room (spd_spread). dataplane_card.c writes the results to the
 * card; tests/espnicd/test_spd_slots.c checks them alone. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "spd_slots.h"

__extension__ typedef unsigned __int128 u128;

static unsigned addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static u128 addr_get(int family, const uint8_t *a)
{
	u128 v = 0;

	for (unsigned i = 0; i < addr_bits(family) / 8; i++)
		v = v << 8 | a[i];
	return v;
}

static void addr_put(int family, u128 v, uint8_t *a)
{
	unsigned n = addr_bits(family) / 8;

	memset(a, 0, 16);
	for (unsigned i = 0; i < n; i++)
		a[n - 1 - i] = (uint8_t)(v >> (8 * i));
}

int spd_range_to_prefixes(int family, const uint8_t *start, const uint8_t *end,
			  struct spd_prefix *out, int max)
{
	unsigned bits = addr_bits(family);
	u128 s = addr_get(family, start), e = addr_get(family, end);
	int n = 0;

	if (s > e)
		return -EINVAL;
	for (;;) {
		unsigned host = 0; /* host bits of the largest aligned block at s inside s..e */
		u128 last;

		while (host < bits && ((s >> host) & 1) == 0) {
			if (host + 1 == 128) {
				if (e != ~(u128)0)
					break;
			} else if (s + ((((u128)1) << (host + 1)) - 1) > e) {
				break;
			}
			host++;
		}
		if (n == max)
			return -E2BIG;
		out[n].family = family;
		out[n].len = bits - host;
		addr_put(family, s, out[n].addr);
		n++;
		last = host == 128 ? ~(u128)0 : s + ((((u128)1) << host) - 1);
		if (last >= e)
			return n;
		s = last + 1;
	}
}

bool spd_covering_prefix(const struct dp_selector *sel, unsigned n, struct spd_prefix *out)
{
	u128 lo = 0, hi = 0;
	int family;
	unsigned bits, len;

	if (n == 0)
		return false;
	family = sel[0].family;
	for (unsigned i = 0; i < n; i++) {
		u128 s, e;

		if (sel[i].family != family)
			return false;
		s = addr_get(family, sel[i].start_addr);
		e = addr_get(family, sel[i].end_addr);
		if (i == 0 || s < lo)
			lo = s;
		if (i == 0 || e > hi)
			hi = e;
	}
	bits = addr_bits(family);
	len = 0;
	while (len < bits && ((lo >> (bits - 1 - len)) & 1) == ((hi >> (bits - 1 - len)) & 1))
		len++;
	out->family = family;
	out->len = len;
	addr_put(family, len == 0 ? 0 : lo & ~((((u128)1) << (bits - len)) - 1), out->addr);
	if (len == bits)
		addr_put(family, lo, out->addr);
	return true;
}

struct espnic_prefix spd_to_card_prefix(const struct spd_prefix *p)
{
	struct espnic_prefix c;

	memset(&c, 0, sizeof(c));
	c.v6 = p->family == AF_INET6;
	memcpy(c.addr, p->addr, c.v6 ? 16 : 4);
	c.len = (uint8_t)p->len;
	return c;
}

/* Whether some packet matches both rules: only then does their order in the table matter. */
static bool prefixes_overlap(const struct espnic_prefix *a, const struct espnic_prefix *b)
{
	unsigned len = a->len < b->len ? a->len : b->len;
	unsigned whole = len / 8, bits = len % 8;

	if (memcmp(a->addr, b->addr, whole) != 0)
		return false;
	return bits == 0 || ((a->addr[whole] ^ b->addr[whole]) & (0xff00u >> bits) & 0xff) == 0;
}

bool spd_rules_overlap(const struct espnic_spd_rule *a, const struct espnic_spd_rule *b)
{
	return a->src.v6 == b->src.v6 && prefixes_overlap(&a->src, &b->src) &&
	       prefixes_overlap(&a->dst, &b->dst) &&
	       (a->proto == 0 || b->proto == 0 || a->proto == b->proto) &&
	       a->sport_lo <= b->sport_hi && b->sport_lo <= a->sport_hi &&
	       a->dport_lo <= b->dport_hi && b->dport_lo <= a->dport_hi;
}

int spd_rule_order(const struct spd_slot *a, const struct spd_slot *b)
{
	if (a->key != b->key)
		return a->key > b->key ? -1 : 1;
	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq > b->seq ? -1 : 1;
	return 0;
}

unsigned spd_rule_key(const struct espnic_spd_rule *r)
{
	unsigned key = (r->src.len + r->dst.len) * 4u;

	if (r->proto != 0)
		key += 2;
	if (r->sport_lo != 0 || r->sport_hi != 65535 || r->dport_lo != 0 || r->dport_hi != 65535)
		key += 1;
	return key;
}

int spd_build_rules(const struct dp_selector *local, unsigned nl, const struct dp_selector *remote,
		    unsigned nr, unsigned sa_index, struct espnic_spd_rule *out, int max)
{
	struct spd_prefix lp[SPD_MAX_PREFIXES], rp[SPD_MAX_PREFIXES];
	int n = 0;

	for (unsigned i = 0; i < nl; i++) {
		for (unsigned j = 0; j < nr; j++) {
			const struct dp_selector *l = &local[i], *r = &remote[j];
			int ln, rn;
			uint8_t proto;

			if (l->family != r->family)
				continue;
			if (l->ip_protocol != 0 && r->ip_protocol != 0 &&
			    l->ip_protocol != r->ip_protocol)
				continue;
			proto = l->ip_protocol ? l->ip_protocol : r->ip_protocol;
			ln = spd_range_to_prefixes(l->family, l->start_addr, l->end_addr, lp,
						   SPD_MAX_PREFIXES);
			rn = spd_range_to_prefixes(r->family, r->start_addr, r->end_addr, rp,
						   SPD_MAX_PREFIXES);
			if (ln < 0 || rn < 0)
				return ln < 0 ? ln : rn;
			for (int a = 0; a < ln; a++) {
				for (int b = 0; b < rn; b++) {
					struct espnic_spd_rule *x;

					if (n == max)
						return -E2BIG;
					x = &out[n++];
					memset(x, 0, sizeof(*x));
					x->src = spd_to_card_prefix(&lp[a]);
					x->dst = spd_to_card_prefix(&rp[b]);
					x->proto = proto;
					x->sport_lo = l->start_port;
					x->sport_hi = l->end_port;
					x->dport_lo = r->start_port;
					x->dport_hi = r->end_port;
					x->action = ESPNIC_ACT_PROTECT;
					x->sa = (uint16_t)sa_index;
				}
			}
		}
	}
	return n;
}

/* The free slot for lr among n: after the overlapping rules that go before it and before
 * the overlapping rules that go after it, the middle of the longest free run there, so that
 * rules no other rule overlaps (one per tunnel, typically) fill the table without moving
 * anything; the IKE bypass rules, which go before everything, take the first free slot. -1
 * when no slot is free there. */
int spd_place(const struct spd_slot *slots, unsigned n, const struct spd_slot *lr)
{
	int prev = -1, next = (int)n, slot = -1, best = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!slots[i].used || !spd_rules_overlap(&slots[i].r, &lr->r))
			continue;
		if (spd_rule_order(&slots[i], lr) < 0)
			prev = (int)i;
		else if (next == (int)n)
			next = (int)i;
	}
	for (int i = prev + 1, run = 0; i < next; i++) {
		run = slots[i].used ? 0 : run + 1;
		if (lr->key == SPD_BYPASS_KEY &&
		    run == 1) { /* IKE bypass: as far up as it may go */
			slot = i;
			break;
		}
		if (run > best && (i + 1 == next || slots[i + 1].used)) {
			best = run;
			slot = i - run + 1 + run / 2;
		}
	}
	return slot;
}

int spd_spread(const struct spd_slot *slots, unsigned spd_n, const struct spd_slot *lr,
	       struct spd_move *moves, unsigned *move_count)
{
	unsigned n = 0, pos = 0, first_after = UINT_MAX, m, *from, *to;
	int slot = -1;

	*move_count = 0;
	from = calloc(spd_n + 1, sizeof(*from));
	to = calloc(spd_n + 1, sizeof(*to));
	if (from == NULL || to == NULL) {
		free(from);
		free(to);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < spd_n; i++) {
		if (!slots[i].used)
			continue;
		if (spd_rules_overlap(&slots[i].r, &lr->r)) {
			if (spd_rule_order(&slots[i], lr) < 0)
				pos = n + 1;
			else if (first_after == UINT_MAX)
				first_after = n;
		}
		from[n++] = i;
	}
	m = n + 1;
	if (m > spd_n || (first_after != UINT_MAX && first_after < pos)) {
		/* Full, or two rules lr overlaps sit the other way round (they do not overlap
		 * each other, so their order was free): the table would need reordering. */
		free(from);
		free(to);
		return m > spd_n ? -ENOSPC : -ERANGE;
	}
	/* Targets for the m rules (the new one at position pos), distinct and increasing. */
	for (unsigned k = 0, i = 0; k < m; k++) {
		unsigned t = (unsigned)(((2 * (uint64_t)k + 1) * spd_n) / (2 * (uint64_t)m));

		if (k == pos)
			slot = (int)t;
		else
			to[i++] = t;
	}
	for (unsigned i = 0; i < n; i++)
		if (to[i] < from[i])
			moves[(*move_count)++] = (struct spd_move){from[i], to[i]};
	for (unsigned i = n; i-- > 0;)
		if (to[i] > from[i])
			moves[(*move_count)++] = (struct spd_move){from[i], to[i]};
	free(from);
	free(to);
	return slot;
}
