/* The card's SPD as pure logic (spd_slots.c): selector ranges as prefixes, the PROTECT rules
 * of a CHILD_SA, the priority order of rules and their placement in the slot table. SPD slot
 * order is priority order; of two rules that some packet matches both, the one that goes
 * first sits first: more specific first (prefix lengths, then protocol, then ports), CHILD_SAs
 * before traps, newer before older. Rules that no packet matches both may sit in any order. */
#ifndef ESPNICD_SPD_SLOTS_H
#define ESPNICD_SPD_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane.h"
#include "espnic.h"

#define SPD_MAX_PREFIXES 16	     /* per selector range */
#define SPD_BYPASS_KEY	 0xffffffffu /* the IKE bypass rules' key: before everything */

enum rule_class { CLS_BYPASS = 0, CLS_CHILD = 1, CLS_TRAP = 2 };

struct spd_slot { /* what the card backend put into one SPD slot */
	bool used;
	uint8_t cls;  /* enum rule_class */
	unsigned key; /* specificity, higher first (spd_rule_key) */
	uint64_t seq; /* install order, newer first among equals */
	unsigned owner;
	struct espnic_spd_rule r;
};

struct spd_prefix {
	int family;
	uint8_t addr[16];
	unsigned len;
};

/* The prefixes that exactly cover start..end, at most max; -E2BIG if more are needed. */
int spd_range_to_prefixes(int family, const uint8_t *start, const uint8_t *end,
			  struct spd_prefix *out, int max);
/* The smallest prefix covering every selector of one family (for the card's single inbound
 * selector); false if there are none or families mix. */
bool spd_covering_prefix(const struct dp_selector *sel, unsigned n, struct spd_prefix *out);
struct espnic_prefix spd_to_card_prefix(const struct spd_prefix *p);

/* Whether some packet matches both rules: only then does their order in the table matter. */
bool spd_rules_overlap(const struct espnic_spd_rule *a, const struct espnic_spd_rule *b);
/* < 0 if a goes before b (a total order; it binds only rules that overlap). */
int spd_rule_order(const struct spd_slot *a, const struct spd_slot *b);
/* A rule's specificity: prefix lengths, then a protocol, then port ranges. */
unsigned spd_rule_key(const struct espnic_spd_rule *r);
/* The PROTECT rules for local x remote pointing at outbound SA sa_index into out (at most
 * max); their number or a negative errno. */
int spd_build_rules(const struct dp_selector *local, unsigned nl, const struct dp_selector *remote,
		    unsigned nr, unsigned sa_index, struct espnic_spd_rule *out, int max);

/* The free slot for lr among the n slots, -1 when there is none where lr must go. */
int spd_place(const struct spd_slot *slots, unsigned n, const struct spd_slot *lr);

/* One rule moved by copy-then-delete. */
struct spd_move {
	unsigned from, to;
};
/* Spreads the rules evenly over the table, keeping their order, leaving room for lr right
 * after the last rule that must precede it; returns the slot for lr and the moves (at most
 * one per rule: moves has room for spd_n) in the order to make them: left-moving rules in
 * ascending order, then right-moving ones in descending order, so a moving rule never passes
 * another and every packet sees the same order throughout. -ENOSPC when the table is full,
 * -ERANGE when two rules lr overlaps sit the other way round (they do not overlap each other,
 * so their order was free, and the table would need reordering), -ENOMEM. */
int spd_spread(const struct spd_slot *slots, unsigned spd_n, const struct spd_slot *lr,
	       struct spd_move *moves, unsigned *move_count);

#endif
