/* espnic_cls: libespnic's compiler for the card's SPD classifier
 * (rtl/esp/spd_classifier.sv). It keeps the ordered rules, compiles them into
 * the decision tree the card walks (node tables per level, leaves of at most
 * leaf_size rule slots in priority order) and writes what changed into the
 * card's inactive generation, then swaps generations, through a write
 * callback (the command ring on a card, the write port in a testbench). */
#ifndef ESPNIC_CLS_H
#define ESPNIC_CLS_H

#include <stdbool.h>
#include <stdint.h>

#define ESPNIC_CLS_FAM_V4 1u
#define ESPNIC_CLS_FAM_V6 2u

/* Bits of the key (cls_key_t) and of a rule slot (cls_rule_t). */
#define ESPNIC_CLS_KEY_BITS   310u
#define ESPNIC_CLS_RULE_BITS  393u
#define ESPNIC_CLS_KEY_WORDS  10u
#define ESPNIC_CLS_RULE_WORDS 13u
#define ESPNIC_CLS_MAX_WORDS  13u

/* A rule. Addresses are big-endian 16 bytes; IPv4 in bytes 12..15. A rule
 * for one family has fam V4 or V6 and prefix lengths up to 32 or 128; a rule
 * for both families has no addresses (both lengths 0). Port ranges are
 * inclusive; a rule whose ranges are not both 0..65535 never matches a
 * non-initial fragment (RFC 4301 section 7). Lower index: higher priority. */
struct espnic_cls_rule {
	uint16_t index;
	uint8_t action;
	uint16_t sa;
	uint8_t fam;
	uint8_t src[16];
	uint8_t src_len;
	uint8_t dst[16];
	uint8_t dst_len;
	uint8_t proto; /* 0: any */
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	bool vlan_any;
	uint16_t vlan; /* 802.1Q VID, 0: untagged */
};

/* What the card classifies one frame by. */
struct espnic_cls_key {
	bool frag; /* a non-initial fragment: ports are unknown and zero */
	bool v6;
	uint16_t vlan;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
};

/* The card's classifier size (its RTL parameters). */
struct espnic_cls_geom {
	unsigned levels;     /* D */
	unsigned leaf_size;  /* L, at most 16 */
	unsigned node_bits;  /* NODE_AW: 2^node_bits nodes per level 1..D-1 */
	unsigned leaf_bits;  /* LEAF_AW */
	unsigned rule_slots; /* N, a power of two */
};

/* Tables of the write callback: 0..levels-1 node levels, then these. */
#define ESPNIC_CLS_T_LEAF(g)  ((g)->levels)
#define ESPNIC_CLS_T_RULE(g)  ((g)->levels + 1)
#define ESPNIC_CLS_T_SWAP(g)  ((g)->levels + 2)
#define ESPNIC_CLS_T_CLEAR(g) ((g)->levels + 3)

/* Writes one entry (words: its bits, bit 0 first). 0 or a negative errno. */
typedef int (*espnic_cls_write_fn)(void *ctx, unsigned table, uint32_t addr, const uint32_t *words,
				   unsigned nwords);

struct espnic_cls_stats {
	unsigned rules;
	unsigned depth;		      /* levels used by the last compile */
	unsigned nodes;		      /* node entries, all levels */
	unsigned leaves;	      /* distinct leaves */
	unsigned max_leaf;	      /* longest leaf list */
	unsigned long long leaf_refs; /* rule slots in all leaves */
	unsigned writes;	      /* entries written by the last update (with the swap) */
};

struct espnic_cls;

/* NULL with errno EINVAL (bad geometry) or ENOMEM. */
struct espnic_cls *espnic_cls_new(const struct espnic_cls_geom *g, espnic_cls_write_fn wr,
				  void *ctx);
void espnic_cls_free(struct espnic_cls *c);

/* The card forgets everything it was sent (after a card reset): the next
 * update writes every entry again. */
void espnic_cls_forget(struct espnic_cls *c);

/* Change the rule set and make the card use it: delete the rules at
 * del[0..ndel) (each must exist), then add or replace add[0..nadd) (by
 * index). Either everything is applied, or nothing and a negative errno:
 * -EINVAL bad rule, -ENOENT no such rule, -ENOSPC the rules do not fit the
 * card's classifier, or the write callback's error. */
int espnic_cls_update(struct espnic_cls *c, const struct espnic_cls_rule *add, unsigned nadd,
		      const uint16_t *del, unsigned ndel);
int espnic_cls_add(struct espnic_cls *c, const struct espnic_cls_rule *r);
int espnic_cls_delete(struct espnic_cls *c, uint16_t index);

/* The rule at index, or NULL. */
const struct espnic_cls_rule *espnic_cls_get(const struct espnic_cls *c, uint16_t index);

void espnic_cls_get_stats(const struct espnic_cls *c, struct espnic_cls_stats *s);

/* 0 if r is a valid rule, else -EINVAL. */
int espnic_cls_rule_check(const struct espnic_cls_rule *r);

/* The key as cls_key_t bits (ESPNIC_CLS_KEY_WORDS words, bit 0 first). */
void espnic_cls_pack_key(const struct espnic_cls_key *k, uint32_t *words);
/* A rule as cls_rule_t bits (ESPNIC_CLS_RULE_WORDS words). */
void espnic_cls_pack_rule(const struct espnic_cls_rule *r, uint32_t *words);

#endif
