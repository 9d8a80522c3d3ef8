/* The card backend's SPD logic alone (host/espnicd/dataplane/spd_slots.c), no card: ranges as
 * prefixes, the PROTECT rules of a CHILD_SA, rule order, and where rules go in the slot table
 * (placement without moves for disjoint rules, order kept among overlapping ones, spreading
 * out that never lets a moving rule pass another). */
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

#include "dataplane/spd_slots.h"

static struct dp_selector sel4(const char *start, const char *end)
{
	struct dp_selector s = {.family = AF_INET, .start_port = 0, .end_port = 65535};

	assert_int_equal(inet_pton(AF_INET, start, s.start_addr), 1);
	assert_int_equal(inet_pton(AF_INET, end, s.end_addr), 1);
	return s;
}

static struct dp_selector sel6(const char *start, const char *end)
{
	struct dp_selector s = {.family = AF_INET6, .start_port = 0, .end_port = 65535};

	assert_int_equal(inet_pton(AF_INET6, start, s.start_addr), 1);
	assert_int_equal(inet_pton(AF_INET6, end, s.end_addr), 1);
	return s;
}

static void assert_prefix4(const struct spd_prefix *p, const char *addr, unsigned len)
{
	uint8_t a[4];

	assert_int_equal(inet_pton(AF_INET, addr, a), 1);
	assert_int_equal(p->family, AF_INET);
	assert_memory_equal(p->addr, a, 4);
	assert_int_equal(p->len, len);
}

static void range_exact_prefix(void **state)
{
	struct dp_selector s = sel4("10.1.0.0", "10.1.255.255");
	struct spd_prefix p[SPD_MAX_PREFIXES];

	(void)state;
	assert_int_equal(spd_range_to_prefixes(AF_INET, s.start_addr, s.end_addr, p, 16), 1);
	assert_prefix4(&p[0], "10.1.0.0", 16);
}

static void range_split_into_blocks(void **state)
{
	/* 10.0.0.1 .. 10.0.0.6: /32, /31, /31, /32. */
	struct dp_selector s = sel4("10.0.0.1", "10.0.0.6");
	struct spd_prefix p[SPD_MAX_PREFIXES];

	(void)state;
	assert_int_equal(spd_range_to_prefixes(AF_INET, s.start_addr, s.end_addr, p, 16), 4);
	assert_prefix4(&p[0], "10.0.0.1", 32);
	assert_prefix4(&p[1], "10.0.0.2", 31);
	assert_prefix4(&p[2], "10.0.0.4", 31);
	assert_prefix4(&p[3], "10.0.0.6", 32);
	/* Too many for the room given; an inverted range. */
	assert_int_equal(spd_range_to_prefixes(AF_INET, s.start_addr, s.end_addr, p, 3), -E2BIG);
	assert_int_equal(spd_range_to_prefixes(AF_INET, s.end_addr, s.start_addr, p, 16), -EINVAL);
}

static void range_whole_space(void **state)
{
	struct dp_selector s4 = sel4("0.0.0.0", "255.255.255.255");
	struct dp_selector s6 = sel6("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	struct dp_selector top = sel6("8000::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	struct spd_prefix p[SPD_MAX_PREFIXES];

	(void)state;
	assert_int_equal(spd_range_to_prefixes(AF_INET, s4.start_addr, s4.end_addr, p, 16), 1);
	assert_prefix4(&p[0], "0.0.0.0", 0);
	assert_int_equal(spd_range_to_prefixes(AF_INET6, s6.start_addr, s6.end_addr, p, 16), 1);
	assert_int_equal(p[0].family, AF_INET6);
	assert_int_equal(p[0].len, 0);
	assert_int_equal(spd_range_to_prefixes(AF_INET6, top.start_addr, top.end_addr, p, 16), 1);
	assert_int_equal(p[0].len, 1);
	assert_int_equal(p[0].addr[0], 0x80);
}

static void covering_prefix_of_selectors(void **state)
{
	struct dp_selector s[3] = {sel4("192.0.2.0", "192.0.2.63"),
				   sel4("192.0.2.128", "192.0.2.191"),
				   sel4("192.0.2.7", "192.0.2.7")};
	struct dp_selector mixed[2] = {sel4("192.0.2.0", "192.0.2.63"),
				       sel6("2001:db8::", "2001:db8::ff")};
	struct spd_prefix p;
	struct espnic_prefix c;

	(void)state;
	assert_true(spd_covering_prefix(s, 3, &p));
	assert_prefix4(&p, "192.0.2.0", 24);
	assert_true(spd_covering_prefix(&s[2], 1, &p));
	assert_prefix4(&p, "192.0.2.7", 32);
	assert_false(spd_covering_prefix(mixed, 2, &p));
	assert_false(spd_covering_prefix(s, 0, &p));
	c = spd_to_card_prefix(&p);
	assert_false(c.v6);
	assert_int_equal(c.len, 32);
	assert_int_equal(c.addr[3], 7);
}

static void rules_of_selectors(void **state)
{
	struct dp_selector local[2] = {sel4("10.1.0.0", "10.1.255.255"),
				       sel6("2001:db8:1::", "2001:db8:1::ffff")};
	struct dp_selector remote[1] = {sel4("10.2.0.0", "10.2.0.2")}; /* /31 and /32 */
	struct espnic_spd_rule r[8];

	(void)state;
	remote[0].ip_protocol = 17;
	remote[0].start_port = remote[0].end_port = 53;
	/* The IPv6 local selector pairs with no remote one: two rules, one per remote prefix. */
	assert_int_equal(spd_build_rules(local, 2, remote, 1, 42, r, 8), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r[i].src.len, 16);
		assert_int_equal(r[i].proto, 17);
		assert_int_equal(r[i].dport_lo, 53);
		assert_int_equal(r[i].dport_hi, 53);
		assert_int_equal(r[i].sport_hi, 65535);
		assert_int_equal(r[i].action, ESPNIC_ACT_PROTECT);
		assert_int_equal(r[i].sa, 42);
	}
	assert_int_equal(r[0].dst.len, 31);
	assert_int_equal(r[1].dst.len, 32);
	assert_int_equal(spd_build_rules(local, 2, remote, 1, 42, r, 1), -E2BIG);
	/* More specific first: prefix lengths, then a protocol, then ports. */
	assert_true(spd_rule_key(&r[1]) > spd_rule_key(&r[0]));
	r[1] = r[0];
	r[1].proto = 0;
	assert_true(spd_rule_key(&r[0]) > spd_rule_key(&r[1]));
}

/* A PROTECT rule from one /len to another (IPv4, any protocol and port). */
static struct spd_slot rule(const char *src, unsigned slen, const char *dst, unsigned dlen,
			    uint8_t cls, uint64_t seq)
{
	struct spd_slot s = {.cls = cls, .seq = seq};

	assert_int_equal(inet_pton(AF_INET, src, s.r.src.addr), 1);
	assert_int_equal(inet_pton(AF_INET, dst, s.r.dst.addr), 1);
	s.r.src.len = (uint8_t)slen;
	s.r.dst.len = (uint8_t)dlen;
	s.r.sport_hi = s.r.dport_hi = 65535;
	s.r.action = ESPNIC_ACT_PROTECT;
	s.key = spd_rule_key(&s.r);
	return s;
}

static void overlap_and_order(void **state)
{
	struct spd_slot a = rule("10.1.0.0", 16, "10.2.0.0", 16, CLS_CHILD, 1);
	struct spd_slot b = rule("10.1.5.0", 24, "10.2.0.0", 16, CLS_CHILD, 2);
	struct spd_slot c = rule("10.3.0.0", 16, "10.2.0.0", 16, CLS_CHILD, 3);
	struct spd_slot t = rule("10.1.0.0", 16, "10.2.0.0", 16, CLS_TRAP, 4);
	struct spd_slot a2 = rule("10.1.0.0", 16, "10.2.0.0", 16, CLS_CHILD, 5);

	(void)state;
	assert_true(spd_rules_overlap(&a.r, &b.r));
	assert_false(spd_rules_overlap(&a.r, &c.r));
	b.r.proto = 6;
	c.r.proto = 17;
	assert_true(spd_rules_overlap(&a.r, &b.r)); /* any protocol meets TCP */
	b.r.dport_lo = b.r.dport_hi = 80;
	a.r.dport_lo = 81;
	assert_false(spd_rules_overlap(&a.r, &b.r)); /* the port ranges do not meet */
	a.r.dport_lo = 0;
	assert_true(spd_rule_order(&b, &a) < 0);  /* more specific first */
	assert_true(spd_rule_order(&a, &t) < 0);  /* a CHILD_SA before a trap */
	assert_true(spd_rule_order(&a2, &a) < 0); /* the rekeyed one before its predecessor */
	assert_int_equal(spd_rule_order(&a, &a), 0);
}

/* Writes r into a table as the card backend does: the slot spd_place picks, else after
 * spd_spread's moves, made one at a time; after each move every pair of overlapping rules is
 * still in order. Returns the slot or a negative errno. */
static int insert(struct spd_slot *slots, unsigned n, struct spd_slot r, unsigned *moved)
{
	int slot = spd_place(slots, n, &r);

	if (slot < 0) {
		struct spd_move moves[64];
		unsigned count;

		assert_true(n <= 64);
		slot = spd_spread(slots, n, &r, moves, &count);
		if (slot < 0)
			return slot;
		for (unsigned i = 0; i < count; i++) {
			assert_false(slots[moves[i].to].used);
			slots[moves[i].to] = slots[moves[i].from];
			memset(&slots[moves[i].from], 0, sizeof(slots[0]));
			for (unsigned x = 0; x < n; x++)
				for (unsigned y = x + 1; y < n; y++)
					if (slots[x].used && slots[y].used &&
					    spd_rules_overlap(&slots[x].r, &slots[y].r))
						assert_true(spd_rule_order(&slots[x], &slots[y]) <=
							    0);
		}
		*moved += count;
	}
	assert_false(slots[slot].used);
	r.used = true;
	slots[slot] = r;
	return slot;
}

static void disjoint_rules_never_move(void **state)
{
	enum { N = 1024 };
	struct spd_slot *slots = calloc(N, sizeof(*slots));
	char dst[32];

	(void)state;
	assert_non_null(slots);
	/* One rule per tunnel, none overlapping: each takes the middle of the longest free run. */
	for (unsigned i = 0; i < 1000; i++) {
		struct spd_slot r;
		int slot;

		snprintf(dst, sizeof(dst), "10.%u.%u.0", 100 + i / 256, i % 256);
		r = rule("192.168.0.0", 24, dst, 24, CLS_CHILD, i + 1);
		slot = spd_place(slots, N, &r);
		assert_true(slot >= 0);
		assert_false(slots[slot].used);
		r.used = true;
		slots[slot] = r;
	}
	/* The first lands in the middle, the next two in the middles of the halves. */
	assert_true(slots[N / 2].used && slots[N / 2].seq == 1);
	assert_true(slots[N / 4].used && slots[N / 4].seq == 2);
	free(slots);
}

static void overlapping_rules_in_order(void **state)
{
	struct spd_slot slots[16] = {0};
	unsigned moved = 0;
	int wide, narrow, newer, trap, bypass;
	struct spd_slot b = rule("0.0.0.0", 0, "0.0.0.0", 0, CLS_BYPASS, 0);

	(void)state;
	wide = insert(slots, 16, rule("10.1.0.0", 16, "10.2.0.0", 16, CLS_CHILD, 1), &moved);
	trap = insert(slots, 16, rule("10.1.0.0", 16, "10.2.0.0", 16, CLS_TRAP, 2), &moved);
	narrow = insert(slots, 16, rule("10.1.5.0", 24, "10.2.0.0", 16, CLS_CHILD, 3), &moved);
	newer = insert(slots, 16, rule("10.1.0.0", 16, "10.2.0.0", 16, CLS_CHILD, 4), &moved);
	assert_int_equal(moved, 0);
	assert_true(narrow < newer && newer < wide && wide < trap);
	/* The IKE bypass rule goes as far up as it may: the first free slot. */
	b.key = SPD_BYPASS_KEY;
	bypass = insert(slots, 16, b, &moved);
	assert_int_equal(bypass, 0);
}

static void spread_out_when_no_room(void **state)
{
	struct spd_slot slots[8] = {0};
	unsigned moved = 0, used = 0;
	int last = -1;

	(void)state;
	/* Ever more specific rules that all overlap: each must go first, so the top fills up and
	 * the table is spread out to make room in front. */
	for (unsigned i = 0; i < 7; i++)
		assert_true(insert(slots, 8,
				   rule("10.1.0.0", 16 + i, "10.2.0.0", 16, CLS_CHILD, i + 1),
				   &moved) >= 0);
	assert_true(moved > 0);
	for (unsigned i = 0; i < 8; i++) {
		if (!slots[i].used)
			continue;
		used++;
		if (last >= 0)
			assert_true(spd_rule_order(&slots[last], &slots[i]) < 0);
		last = (int)i;
	}
	assert_int_equal(used, 7);
	/* One more fits; then the table is full. */
	assert_true(insert(slots, 8, rule("10.1.0.0", 23, "10.2.0.0", 16, CLS_CHILD, 8), &moved) >=
		    0);
	assert_int_equal(
	    insert(slots, 8, rule("10.1.0.0", 24, "10.2.0.0", 16, CLS_CHILD, 9), &moved), -ENOSPC);
}

static void conflicting_order_refused(void **state)
{
	/* x (TCP) and y (UDP) do not overlap each other, so they may sit either way round; z
	 * (any protocol) overlaps both and must go after the more specific y and before the less
	 * specific x. */
	struct spd_slot x = rule("10.0.0.0", 8, "10.2.0.0", 16, CLS_CHILD, 1);
	struct spd_slot y = rule("10.1.5.0", 24, "10.2.0.0", 16, CLS_CHILD, 2);
	struct spd_slot z = rule("10.1.0.0", 16, "10.2.0.0", 16, CLS_CHILD, 3);
	struct spd_slot slots[8] = {0};
	struct spd_move moves[8];
	unsigned count;

	(void)state;
	x.r.proto = 6;
	y.r.proto = 17;
	x.key = spd_rule_key(&x.r);
	y.key = spd_rule_key(&y.r);
	x.used = y.used = true;
	assert_false(spd_rules_overlap(&x.r, &y.r));
	assert_true(spd_rule_order(&y, &z) < 0 && spd_rule_order(&z, &x) < 0);
	/* y first, x last: z takes the middle of the free run between them. */
	slots[0] = y;
	slots[7] = x;
	assert_int_equal(spd_place(slots, 8, &z), 4);
	/* x first, y last: there is no place for z without reordering the table. */
	slots[0] = x;
	slots[7] = y;
	assert_int_equal(spd_place(slots, 8, &z), -1);
	assert_int_equal(spd_spread(slots, 8, &z, moves, &count), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(range_exact_prefix),
	    cmocka_unit_test(range_split_into_blocks),
	    cmocka_unit_test(range_whole_space),
	    cmocka_unit_test(covering_prefix_of_selectors),
	    cmocka_unit_test(rules_of_selectors),
	    cmocka_unit_test(overlap_and_order),
	    cmocka_unit_test(disjoint_rules_never_move),
	    cmocka_unit_test(overlapping_rules_in_order),
	    cmocka_unit_test(spread_out_when_no_room),
	    cmocka_unit_test(conflicting_order_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
