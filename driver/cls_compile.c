/* cls_compile: the SPD classifier's compiler (espnic_cls.h). A HiCuts-style
 * decision tree with power-of-two cuts on bit fields of the key: each inner
 * node cuts b (1..8) consecutive bits of one field, so its child index is
 * base + those bits. Address, protocol, VLAN and flag fields are cut at the
 * highest bit some rule cares about; port fields from the top down, so a
 * node's port region stays a range. A node's rule list keeps priority order
 * and stops at the first rule that covers the node's whole region (the
 * rules behind it can never win there). Lists of at most leaf_size rules
 * become leaves; identical leaves are stored once. The result is written
 * into the card's inactive generation as a difference against what that
 * generation holds, then the generations are swapped. To keep that
 * difference small, a node whose region was cut the same way by the last
 * compile keeps its children's place, and a leaf its index; new blocks go
 * past the last compile's high-water mark (a full re-layout when that runs
 * out of room). */
#include "espnic_cls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KW	5 /* 64-bit words of a key pattern */
#define MAX_CUT 8
#ifndef SPFAC
#define SPFAC 2 /* space factor: children's rules + children <= SPFAC * rules */
#endif

enum { F_DST, F_SRC, F_DPORT, F_SPORT, F_PROTO, F_VLAN, F_V6, F_FRAG, F_N };
static const unsigned f_lo[F_N] = {0, 128, 256, 272, 288, 296, 308, 309};
static const unsigned f_w[F_N] = {128, 128, 16, 16, 8, 12, 1, 1};

struct crule {
	struct espnic_cls_rule r;
	uint64_t val[KW], care[KW]; /* the ternary part (no ports) */
	int slot;		    /* rule RAM slot, -1 until placed */
	unsigned in_half;	    /* bit g: written into slot of generation g's half */
};

struct region {
	uint64_t val[KW], care[KW];
};

/* Where the last compile put things: a region's children block, a leaf. */
struct place {
	uint64_t key; /* 0: empty */
	uint32_t at;
	uint32_t b;
};

struct place_map {
	struct place *e;
	unsigned size; /* a power of two */
};

struct gen_shadow {
	uint32_t *node[16]; /* per level */
	uint8_t *node_known[16];
	uint32_t *leaf; /* leaf_words per leaf */
	uint8_t *leaf_known;
};

struct espnic_cls {
	struct espnic_cls_geom g;
	espnic_cls_write_fn wr;
	void *ctx;
	unsigned idw, cw, leaf_words;
	unsigned level_size[16];
	/* the rules, in index order */
	struct crule *rules;
	unsigned nrules, cap;
	/* slots claimed by the rules while placing */
	uint8_t *slot_claim;
	unsigned slot_cursor;
	int active; /* generation the card uses, -1: none yet */
	struct gen_shadow sh[2];
	/* the image being built */
	uint32_t *img_node[16];
	uint8_t *img_taken[16]; /* entries the image uses */
	unsigned img_used[16];	/* high-water mark per level */
	unsigned img_nodes;
	uint32_t *img_leaf;
	uint8_t *leaf_taken;
	unsigned img_leaves; /* high-water mark */
	unsigned img_nleaves;
	/* the last compile's places, and this compile's */
	struct place_map prev_node, next_node, prev_leaf, next_leaf;
	unsigned prev_used[16], prev_leaves;
	bool use_prev;
	unsigned depth, max_leaf;
	unsigned long long leaf_refs;
	/* leaf dedup: open hash over leaf contents */
	uint32_t *lh;
	unsigned lh_size;
	/* scratch rule lists per level */
	unsigned *scratch[17];
	unsigned writes;
};

/* ------------------------------------------------------------- bits */

static void set64(uint64_t *w, unsigned pos, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned p = pos + i;
		if ((v >> i) & 1u)
			w[p / 64] |= 1ull << (p % 64);
		else
			w[p / 64] &= ~(1ull << (p % 64));
	}
}

/* An address (big-endian bytes) into 128 bits at pos. */
static void set_addr(uint64_t *w, unsigned pos, const uint8_t *a)
{
	for (unsigned i = 0; i < 16; i++)
		set64(w, pos + 8 * i, 8, a[15 - i]);
}

/* 64-bit words into the callback's 32-bit words. */
static void to_words32(const uint64_t *w, uint32_t *out, unsigned n32)
{
	for (unsigned i = 0; i < n32; i++)
		out[i] = (uint32_t)(w[i / 2] >> (32 * (i % 2)));
}

static unsigned get64(const uint64_t *w, unsigned pos, unsigned width)
{
	unsigned v = 0;
	for (unsigned i = 0; i < width; i++) {
		unsigned p = pos + i;
		v |= (unsigned)((w[p / 64] >> (p % 64)) & 1u) << i;
	}
	return v;
}

static bool bit64(const uint64_t *w, unsigned p)
{
	return (w[p / 64] >> (p % 64)) & 1u;
}

void espnic_cls_pack_key(const struct espnic_cls_key *k, uint32_t *words)
{
	uint64_t w[(ESPNIC_CLS_KEY_WORDS + 1) / 2] = {0};
	set_addr(w, 0, k->dst);
	set_addr(w, 128, k->src);
	set64(w, 256, 16, k->dport);
	set64(w, 272, 16, k->sport);
	set64(w, 288, 8, k->proto);
	set64(w, 296, 12, k->vlan);
	set64(w, 308, 1, k->v6);
	set64(w, 309, 1, k->frag);
	to_words32(w, words, ESPNIC_CLS_KEY_WORDS);
}

void espnic_cls_pack_rule(const struct espnic_cls_rule *r, uint32_t *words)
{
	uint64_t w[(ESPNIC_CLS_RULE_WORDS + 1) / 2] = {0};
	set64(w, 0, 12, r->vlan);
	set64(w, 12, 1, r->vlan_any);
	set64(w, 13, 16, r->dport_hi);
	set64(w, 29, 16, r->dport_lo);
	set64(w, 45, 16, r->sport_hi);
	set64(w, 61, 16, r->sport_lo);
	set64(w, 77, 8, r->proto);
	set64(w, 85, 8, r->dst_len);
	set_addr(w, 93, r->dst);
	set64(w, 221, 8, r->src_len);
	set_addr(w, 229, r->src);
	set64(w, 357, 2, r->fam);
	set64(w, 359, 16, r->sa);
	set64(w, 375, 2, r->action);
	set64(w, 377, 16, r->index);
	to_words32(w, words, ESPNIC_CLS_RULE_WORDS);
}

int espnic_cls_rule_check(const struct espnic_cls_rule *r)
{
	unsigned top = r->fam == ESPNIC_CLS_FAM_V4 ? 32 : 128;
	if (r->fam == 0 || r->fam > 3 || r->action > 3 || r->vlan > 4095)
		return -EINVAL;
	if (r->fam == 3 && (r->src_len || r->dst_len))
		return -EINVAL;
	if (r->src_len > top || r->dst_len > top)
		return -EINVAL;
	if (r->sport_lo > r->sport_hi || r->dport_lo > r->dport_hi)
		return -EINVAL;
	return 0;
}

static bool ports_any(const struct espnic_cls_rule *r)
{
	return r->sport_lo == 0 && r->sport_hi == 0xFFFF && r->dport_lo == 0 &&
	       r->dport_hi == 0xFFFF;
}

/* The ternary part of a rule: everything but the port ranges. */
static void rule_pattern(struct crule *c)
{
	const struct espnic_cls_rule *r = &c->r;
	unsigned top = r->fam == ESPNIC_CLS_FAM_V4 ? 32 : 128;
	memset(c->val, 0, sizeof c->val);
	memset(c->care, 0, sizeof c->care);
	for (int f = 0; f < 2; f++) {
		const uint8_t *a = f ? r->src : r->dst;
		unsigned len = f ? r->src_len : r->dst_len;
		unsigned lo = f ? 128 : 0;
		for (unsigned i = top - len; i < top; i++) {
			set64(c->care, lo + i, 1, 1);
			set64(c->val, lo + i, 1, (a[15 - i / 8] >> (i % 8)) & 1u);
		}
	}
	if (r->proto) {
		set64(c->care, 288, 8, 0xFF);
		set64(c->val, 288, 8, r->proto);
	}
	if (!r->vlan_any) {
		set64(c->care, 296, 12, 0xFFF);
		set64(c->val, 296, 12, r->vlan);
	}
	if (r->fam != 3) {
		set64(c->care, 308, 1, 1);
		set64(c->val, 308, 1, r->fam == ESPNIC_CLS_FAM_V6);
	}
	if (!ports_any(r))
		set64(c->care, 309, 1, 1); /* only initial fragments / whole packets */
}

/* ----------------------------------------------------------- regions */

/* The port range [lo, hi] of a region (ports are cut from the top). */
static void region_ports(const struct region *g, unsigned f, unsigned *lo, unsigned *hi)
{
	unsigned care = get64(g->care, f_lo[f], 16), val = get64(g->val, f_lo[f], 16);
	*lo = val & care;
	*hi = *lo | (~care & 0xFFFF);
}

static bool rule_meets(const struct crule *c, const struct region *g)
{
	for (int i = 0; i < KW; i++)
		if ((c->val[i] ^ g->val[i]) & c->care[i] & g->care[i])
			return false;
	unsigned lo, hi;
	region_ports(g, F_SPORT, &lo, &hi);
	if (c->r.sport_lo > hi || c->r.sport_hi < lo)
		return false;
	region_ports(g, F_DPORT, &lo, &hi);
	return !(c->r.dport_lo > hi || c->r.dport_hi < lo);
}

static bool rule_covers(const struct crule *c, const struct region *g)
{
	for (int i = 0; i < KW; i++)
		if ((c->care[i] & ~g->care[i]) || ((c->val[i] ^ g->val[i]) & c->care[i]))
			return false;
	unsigned lo, hi;
	region_ports(g, F_SPORT, &lo, &hi);
	if (c->r.sport_lo > lo || c->r.sport_hi < hi)
		return false;
	region_ports(g, F_DPORT, &lo, &hi);
	return c->r.dport_lo <= lo && c->r.dport_hi >= hi;
}

/* ------------------------------------------------------------- places */

static uint64_t mix64(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	h *= 0xBF58476D1CE4E5B9ull;
	return h ^ (h >> 31);
}

static uint64_t region_key(const struct region *g, unsigned level)
{
	uint64_t h = mix64(0x1234567ull, level);
	for (int i = 0; i < KW; i++)
		h = mix64(mix64(h, g->val[i]), g->care[i]);
	return h | 1; /* never 0 */
}

static const struct place *place_find(const struct place_map *m, uint64_t key)
{
	for (unsigned h = (unsigned)key & (m->size - 1);; h = (h + 1) & (m->size - 1)) {
		if (m->e[h].key == key)
			return &m->e[h];
		if (m->e[h].key == 0)
			return NULL;
	}
}

/* Records a place; a full map just forgets (places are only a hint). */
static void place_put(struct place_map *m, uint64_t key, uint32_t at, uint32_t b, unsigned n)
{
	if (2 * n >= m->size)
		return;
	unsigned h = (unsigned)key & (m->size - 1);
	while (m->e[h].key != 0 && m->e[h].key != key)
		h = (h + 1) & (m->size - 1);
	m->e[h] = (struct place){key, at, b};
}

static bool range_free(const uint8_t *taken, unsigned at, unsigned n, unsigned size)
{
	if (at + n > size)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (taken[at + i])
			return false;
	return true;
}

/* ------------------------------------------------------------- leaves */

static unsigned leaf_hash(const unsigned *ids, unsigned n)
{
	uint32_t h = 2166136261u ^ n;
	for (unsigned i = 0; i < n; i++)
		h = (h ^ ids[i]) * 16777619u;
	return h;
}

static void leaf_word(const struct espnic_cls *c, const unsigned *ids, unsigned n, uint32_t *out)
{
	uint64_t w[(ESPNIC_CLS_MAX_WORDS + 1) / 2] = {0};
	for (unsigned i = 0; i < n; i++)
		set64(w, i * c->idw, c->idw, ids[i]);
	set64(w, c->g.leaf_size * c->idw, c->cw, n);
	to_words32(w, out, c->leaf_words);
}

/* The leaf holding rules (slots) ids[0..n), stored once. -1 when full. */
static long leaf_get(struct espnic_cls *c, const unsigned *ids, unsigned n)
{
	uint32_t w[ESPNIC_CLS_MAX_WORDS];
	leaf_word(c, ids, n, w);
	unsigned h = leaf_hash(ids, n) & (c->lh_size - 1);
	for (;;) {
		uint32_t e = c->lh[h];
		if (e == 0)
			break;
		if (!memcmp(&c->img_leaf[(e - 1) * c->leaf_words], w, c->leaf_words * 4))
			return e - 1;
		h = (h + 1) & (c->lh_size - 1);
	}
	uint64_t key = 1;
	for (unsigned i = 0; i < c->leaf_words; i++)
		key = mix64(key, w[i]);
	key |= 1;
	unsigned size = 1u << c->g.leaf_bits, id;
	const struct place *pl = c->use_prev ? place_find(&c->prev_leaf, key) : NULL;
	if (pl && !c->leaf_taken[pl->at]) {
		id = pl->at;
	} else {
		if (c->img_leaves >= size)
			return -1;
		id = c->img_leaves;
	}
	if (id >= c->img_leaves)
		c->img_leaves = id + 1;
	c->leaf_taken[id] = 1;
	c->img_nleaves++;
	place_put(&c->next_leaf, key, id, 0, c->img_nleaves);
	memcpy(&c->img_leaf[id * c->leaf_words], w, c->leaf_words * 4);
	c->lh[h] = id + 1;
	if (n > c->max_leaf)
		c->max_leaf = n;
	return id;
}

/* --------------------------------------------------------------- cuts */

struct cut {
	unsigned off, b;
	unsigned long long sum;
	unsigned max;
};

/* The highest bit of field f worth cutting in this region, and how many
 * free bits run down from it. false: nothing to cut in f. */
static bool cut_place(const struct espnic_cls *c, const unsigned *list, unsigned n,
		      const struct region *g, unsigned f, unsigned *top, unsigned *run)
{
	unsigned lo = f_lo[f], w = f_w[f];
	int p = -1;
	if (f == F_SPORT || f == F_DPORT) {
		unsigned fixed = 0;
		while (fixed < 16 && bit64(g->care, lo + 15 - fixed))
			fixed++;
		if (fixed == 16)
			return false;
		unsigned plo, phi;
		region_ports(g, f, &plo, &phi);
		bool useful = false;
		for (unsigned i = 0; i < n && !useful; i++) {
			const struct espnic_cls_rule *r = &c->rules[list[i]].r;
			unsigned rlo = f == F_SPORT ? r->sport_lo : r->dport_lo;
			unsigned rhi = f == F_SPORT ? r->sport_hi : r->dport_hi;
			useful = rlo > plo || rhi < phi;
		}
		if (!useful)
			return false;
		p = (int)(15 - fixed);
	} else {
		/* The highest free bit on which the rules that care disagree:
		 * a cut above it leaves them all in one child. */
		uint64_t one[KW] = {0}, zero[KW] = {0};
		for (unsigned i = 0; i < n; i++) {
			const struct crule *r = &c->rules[list[i]];
			for (int k = 0; k < KW; k++) {
				one[k] |= r->care[k] & r->val[k];
				zero[k] |= r->care[k] & ~r->val[k];
			}
		}
		for (int i = (int)w - 1; i >= 0 && p < 0; i--) {
			unsigned b = lo + (unsigned)i;
			if (bit64(one, b) && bit64(zero, b) && !bit64(g->care, b))
				p = i;
		}
		if (p < 0)
			return false;
	}
	unsigned r = 0;
	while (r < MAX_CUT && (int)r <= p && !bit64(g->care, lo + (unsigned)p - r))
		r++;
	*top = lo + (unsigned)p;
	*run = r;
	return true;
}

/* Children's list sizes for cutting b bits at off (field f). */
static void cut_eval(const struct espnic_cls *c, const unsigned *list, unsigned n,
		     const struct region *g, unsigned f, struct cut *ct)
{
	unsigned nc = 1u << ct->b, mask = nc - 1;
	long hist[(1u << MAX_CUT) + 1];
	memset(hist, 0, sizeof hist);
	long all = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct crule *r = &c->rules[list[i]];
		if (f == F_SPORT || f == F_DPORT) {
			unsigned plo, phi, shift = ct->off - f_lo[f];
			region_ports(g, f, &plo, &phi);
			unsigned rlo = f == F_SPORT ? r->r.sport_lo : r->r.dport_lo;
			unsigned rhi = f == F_SPORT ? r->r.sport_hi : r->r.dport_hi;
			unsigned a = rlo > plo ? rlo : plo, z = rhi < phi ? rhi : phi;
			hist[(a >> shift) & mask]++;
			hist[((z >> shift) & mask) + 1]--;
			continue;
		}
		unsigned cm = get64(r->care, ct->off, ct->b), vm = get64(r->val, ct->off, ct->b);
		if (cm == mask) {
			hist[vm]++;
			hist[vm + 1]--;
		} else if (cm == 0) {
			all++;
		} else {
			for (unsigned v = 0; v < nc; v++)
				if (((v ^ vm) & cm) == 0) {
					hist[v]++;
					hist[v + 1]--;
				}
		}
	}
	long run = 0;
	ct->sum = 0;
	ct->max = 0;
	for (unsigned v = 0; v < nc; v++) {
		run += hist[v];
		unsigned k = (unsigned)(run + all);
		ct->sum += k;
		if (k > ct->max)
			ct->max = k;
	}
}

/* The cut of this node: per field the widest cut within the space budget
 * (SPFAC * n + 32 children's rules and children; no budget on the last
 * level of inner nodes, whose children must be leaves), then the field
 * whose largest child is smallest. */
static bool cut_choose(const struct espnic_cls *c, const unsigned *list, unsigned n,
		       const struct region *g, bool last, struct cut *best)
{
	bool found = false;
	for (unsigned f = 0; f < F_N; f++) {
		unsigned top, run;
		if (!cut_place(c, list, n, g, f, &top, &run))
			continue;
		struct cut pick = {0};
		bool have = false;
		for (unsigned b = run; b >= 1; b--) {
			struct cut ct = {.off = top + 1 - b, .b = b};
			cut_eval(c, list, n, g, f, &ct);
			pick = ct;
			have = true;
			if (last || ct.sum + (1u << b) <= (unsigned long long)SPFAC * n + 32)
				break;
		}
		if (!have || pick.max >= n)
			continue;
		if (!found || pick.max < best->max ||
		    (pick.max == best->max && pick.sum < best->sum)) {
			*best = pick;
			found = true;
		}
	}
	return found;
}

/* -------------------------------------------------------------- build */

/* The rules of list that meet region g, up to the first that covers it. */
static unsigned narrow(const struct espnic_cls *c, const unsigned *list, unsigned n,
		       const struct region *g, unsigned *out)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct crule *r = &c->rules[list[i]];
		if (!rule_meets(r, g))
			continue;
		out[k++] = list[i];
		if (rule_covers(r, g))
			break;
	}
	return k;
}

static int build(struct espnic_cls *c, unsigned level, unsigned idx, const struct region *g,
		 const unsigned *list, unsigned n)
{
	if (level + 1 > c->depth)
		c->depth = level + 1;
	if (n <= c->g.leaf_size) {
		unsigned ids[16];
		for (unsigned i = 0; i < n; i++)
			ids[i] = (unsigned)c->rules[list[i]].slot;
		long leaf = leaf_get(c, ids, n);
		if (leaf < 0)
			return -ENOSPC;
		c->leaf_refs += n;
		c->img_node[level][idx] = 1u << 29 | (uint32_t)leaf;
		return 0;
	}
	struct cut ct = {0};
	if (level + 1 >= c->g.levels || !cut_choose(c, list, n, g, level + 2 >= c->g.levels, &ct))
		return -ENOSPC;
	unsigned nc = 1u << ct.b, size = c->level_size[level + 1];
	uint64_t key = region_key(g, level);
	const struct place *pl = c->use_prev ? place_find(&c->prev_node, key) : NULL;
	unsigned base = c->img_used[level + 1];
	if (pl && pl->b == ct.b && range_free(c->img_taken[level + 1], pl->at, nc, size))
		base = pl->at;
	else if (base + nc > size)
		return -ENOSPC;
	memset(&c->img_taken[level + 1][base], 1, nc);
	if (base + nc > c->img_used[level + 1])
		c->img_used[level + 1] = base + nc;
	c->img_nodes += nc;
	place_put(&c->next_node, key, base, ct.b, c->img_nodes);
	c->img_node[level][idx] = ct.off << 20 | ct.b << 16 | base;
	unsigned *sub = c->scratch[level + 1];
	for (unsigned v = 0; v < nc; v++) {
		struct region cg = *g;
		set64(cg.care, ct.off, ct.b, nc - 1);
		set64(cg.val, ct.off, ct.b, v);
		unsigned k = narrow(c, list, n, &cg, sub);
		int rc = build(c, level + 1, base + v, &cg, sub, k);
		if (rc)
			return rc;
	}
	return 0;
}

static int compile_once(struct espnic_cls *c)
{
	for (unsigned l = 0; l < c->g.levels; l++) {
		c->img_used[l] = c->use_prev ? c->prev_used[l] : 0;
		memset(c->img_taken[l], 0, c->level_size[l]);
	}
	c->img_used[0] = 1;
	c->img_taken[0][0] = 1;
	c->img_nodes = 1;
	c->img_leaves = c->use_prev ? c->prev_leaves : 0;
	c->img_nleaves = 0;
	memset(c->leaf_taken, 0, 1u << c->g.leaf_bits);
	memset(c->next_node.e, 0, c->next_node.size * sizeof(struct place));
	memset(c->next_leaf.e, 0, c->next_leaf.size * sizeof(struct place));
	c->depth = 0;
	c->max_leaf = 0;
	c->leaf_refs = 0;
	memset(c->lh, 0, c->lh_size * sizeof *c->lh);
	struct region g;
	memset(&g, 0, sizeof g);
	unsigned *all = c->scratch[16], n = 0;
	for (unsigned i = 0; i < c->nrules; i++)
		all[i] = i;
	n = narrow(c, all, c->nrules, &g, c->scratch[0]);
	return build(c, 0, 0, &g, c->scratch[0], n);
}

/* Compiles near the last layout; from scratch when that leaves no room. */
static int compile(struct espnic_cls *c)
{
	int rc = compile_once(c);
	if (rc == -ENOSPC && c->use_prev) {
		c->use_prev = false;
		rc = compile_once(c);
	}
	return rc;
}

/* The compile was written: its places become the hint for the next. */
static void keep_places(struct espnic_cls *c)
{
	struct place_map t = c->prev_node;
	c->prev_node = c->next_node;
	c->next_node = t;
	t = c->prev_leaf;
	c->prev_leaf = c->next_leaf;
	c->next_leaf = t;
	memcpy(c->prev_used, c->img_used, sizeof c->prev_used);
	c->prev_leaves = c->img_leaves;
	c->use_prev = true;
}

/* --------------------------------------------------------------- write */

static int put(struct espnic_cls *c, unsigned table, uint32_t addr, const uint32_t *w, unsigned nw)
{
	c->writes++;
	return c->wr(c->ctx, table, addr, w, nw);
}

static int write_image(struct espnic_cls *c, int gen)
{
	struct gen_shadow *s = &c->sh[gen];
	int rc;
	for (unsigned l = 0; l < c->g.levels; l++)
		for (unsigned i = 0; i < c->img_used[l]; i++) {
			if (!c->img_taken[l][i])
				continue;
			uint32_t w = c->img_node[l][i];
			if (s->node_known[l][i] && s->node[l][i] == w)
				continue;
			s->node_known[l][i] = 0;
			if ((rc = put(c, l, i, &w, 1)))
				return rc;
			s->node[l][i] = w;
			s->node_known[l][i] = 1;
		}
	for (unsigned i = 0; i < c->img_leaves; i++) {
		if (!c->leaf_taken[i])
			continue;
		uint32_t *w = &c->img_leaf[i * c->leaf_words], *o = &s->leaf[i * c->leaf_words];
		if (s->leaf_known[i] && !memcmp(w, o, c->leaf_words * 4))
			continue;
		s->leaf_known[i] = 0;
		if ((rc = put(c, ESPNIC_CLS_T_LEAF(&c->g), i, w, c->leaf_words)))
			return rc;
		memcpy(o, w, c->leaf_words * 4);
		s->leaf_known[i] = 1;
	}
	return 0;
}

/* --------------------------------------------------------------- API */

static void *zalloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

struct espnic_cls *espnic_cls_new(const struct espnic_cls_geom *g, espnic_cls_write_fn wr,
				  void *ctx)
{
	if (!g || !wr || g->levels < 1 || g->levels > 16 || g->leaf_size < 1 || g->leaf_size > 16 ||
	    g->node_bits < 1 || g->node_bits > 16 || g->leaf_bits < 1 || g->leaf_bits > 16 ||
	    g->rule_slots < 2 || g->rule_slots > 65536 || (g->rule_slots & (g->rule_slots - 1))) {
		errno = EINVAL;
		return NULL;
	}
	struct espnic_cls *c = zalloc(sizeof *c);
	if (!c)
		return NULL;
	c->g = *g;
	c->wr = wr;
	c->ctx = ctx;
	while ((1u << c->idw) < g->rule_slots)
		c->idw++;
	while ((1u << c->cw) < g->leaf_size + 1)
		c->cw++;
	c->leaf_words = (g->leaf_size * c->idw + c->cw + 31) / 32;
	c->active = -1;
	c->lh_size = 1u << (g->leaf_bits + 1);
	bool ok = (c->lh = zalloc(c->lh_size * sizeof *c->lh)) != NULL;
	for (unsigned l = 0; l < g->levels; l++) {
		c->level_size[l] = l == 0 ? 1 : 1u << g->node_bits;
		ok = ok && (c->img_node[l] = zalloc(c->level_size[l] * 4)) != NULL;
		ok = ok && (c->img_taken[l] = zalloc(c->level_size[l])) != NULL;
		for (int k = 0; k < 2; k++) {
			ok = ok && (c->sh[k].node[l] = zalloc(c->level_size[l] * 4)) != NULL;
			ok = ok && (c->sh[k].node_known[l] = zalloc(c->level_size[l])) != NULL;
		}
	}
	size_t nleaf = 1u << g->leaf_bits;
	ok = ok && (c->img_leaf = zalloc(nleaf * c->leaf_words * 4)) != NULL;
	ok = ok && (c->leaf_taken = zalloc(nleaf)) != NULL;
	struct place_map *maps[4] = {&c->prev_node, &c->next_node, &c->prev_leaf, &c->next_leaf};
	for (int k = 0; k < 4; k++) {
		maps[k]->size = 4u << (k < 2 ? g->node_bits + 1 : g->leaf_bits);
		ok = ok && (maps[k]->e = zalloc(maps[k]->size * sizeof(struct place))) != NULL;
	}
	for (int k = 0; k < 2; k++) {
		ok = ok && (c->sh[k].leaf = zalloc(nleaf * c->leaf_words * 4)) != NULL;
		ok = ok && (c->sh[k].leaf_known = zalloc(nleaf)) != NULL;
	}
	ok = ok && (c->slot_claim = zalloc(g->rule_slots)) != NULL;
	for (unsigned l = 0; l < 17; l++)
		ok = ok && (c->scratch[l] = zalloc(g->rule_slots * sizeof(unsigned))) != NULL;
	if (!ok) {
		espnic_cls_free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void espnic_cls_free(struct espnic_cls *c)
{
	if (!c)
		return;
	for (unsigned l = 0; l < 16; l++) {
		free(c->img_node[l]);
		free(c->img_taken[l]);
		for (int k = 0; k < 2; k++) {
			free(c->sh[k].node[l]);
			free(c->sh[k].node_known[l]);
		}
	}
	for (int k = 0; k < 2; k++) {
		free(c->sh[k].leaf);
		free(c->sh[k].leaf_known);
	}
	for (unsigned l = 0; l < 17; l++)
		free(c->scratch[l]);
	free(c->img_leaf);
	free(c->leaf_taken);
	free(c->prev_node.e);
	free(c->next_node.e);
	free(c->prev_leaf.e);
	free(c->next_leaf.e);
	free(c->lh);
	free(c->slot_claim);
	free(c->rules);
	free(c);
}

void espnic_cls_forget(struct espnic_cls *c)
{
	for (int k = 0; k < 2; k++) {
		for (unsigned l = 0; l < c->g.levels; l++)
			memset(c->sh[k].node_known[l], 0, c->level_size[l]);
		memset(c->sh[k].leaf_known, 0, 1u << c->g.leaf_bits);
	}
	for (unsigned i = 0; i < c->nrules; i++) {
		c->rules[i].slot = -1;
		c->rules[i].in_half = 0;
	}
	c->active = -1;
}

static long find(const struct espnic_cls *c, uint16_t index)
{
	unsigned lo = 0, hi = c->nrules;
	while (lo < hi) {
		unsigned m = (lo + hi) / 2;
		if (c->rules[m].r.index < index)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < c->nrules && c->rules[lo].r.index == index ? (long)lo : -1 - (long)lo;
}

const struct espnic_cls_rule *espnic_cls_get(const struct espnic_cls *c, uint16_t index)
{
	long i = find(c, index);
	return i >= 0 ? &c->rules[i].r : NULL;
}

/* Places the rules without a slot, compiles, writes and swaps. The rule
 * slots have a half per generation (spd_classifier): a rule is written into
 * the inactive half unless that half already holds it, so a slot is free to
 * take whenever no current rule has it. */
static int commit(struct espnic_cls *c)
{
	int rc;
	c->writes = 0;
	memset(c->slot_claim, 0, c->g.rule_slots);
	for (unsigned i = 0; i < c->nrules; i++)
		if (c->rules[i].slot >= 0)
			c->slot_claim[c->rules[i].slot] = 1;
	for (unsigned i = 0; i < c->nrules; i++) {
		struct crule *r = &c->rules[i];
		if (r->slot >= 0)
			continue;
		unsigned tries = 0;
		while (c->slot_claim[c->slot_cursor]) {
			c->slot_cursor = (c->slot_cursor + 1) % c->g.rule_slots;
			if (++tries > c->g.rule_slots)
				return -ENOSPC;
		}
		r->slot = (int)c->slot_cursor;
		c->slot_claim[r->slot] = 1;
	}
	if ((rc = compile(c)))
		return rc;
	int gen = c->active < 0 ? 1 : !c->active; /* the card starts on generation 0 */
	for (unsigned i = 0; i < c->nrules; i++) {
		struct crule *r = &c->rules[i];
		if (r->in_half & (1u << gen))
			continue;
		uint32_t w[ESPNIC_CLS_RULE_WORDS];
		espnic_cls_pack_rule(&r->r, w);
		if ((rc = put(c, ESPNIC_CLS_T_RULE(&c->g), (uint32_t)r->slot, w,
			      ESPNIC_CLS_RULE_WORDS)))
			return rc;
		r->in_half |= 1u << gen;
	}
	if ((rc = write_image(c, gen)))
		return rc;
	if ((rc = put(c, ESPNIC_CLS_T_SWAP(&c->g), 0, NULL, 0)))
		return rc;
	c->active = gen;
	keep_places(c);
	return 0;
}

int espnic_cls_update(struct espnic_cls *c, const struct espnic_cls_rule *add, unsigned nadd,
		      const uint16_t *del, unsigned ndel)
{
	for (unsigned i = 0; i < nadd; i++)
		if (espnic_cls_rule_check(&add[i]))
			return -EINVAL;
	for (unsigned i = 0; i < ndel; i++)
		if (find(c, del[i]) < 0)
			return -ENOENT;
	/* Keep the old list for a rollback. */
	struct crule *old = malloc((c->nrules ? c->nrules : 1) * sizeof *old);
	if (!old)
		return -ENOMEM;
	if (c->nrules)
		memcpy(old, c->rules, c->nrules * sizeof *old);
	unsigned old_n = c->nrules;
	int rc = 0;
	for (unsigned i = 0; i < ndel; i++) {
		long k = find(c, del[i]);
		if (k < 0)
			continue; /* listed twice */
		memmove(&c->rules[k], &c->rules[k + 1],
			(c->nrules - (unsigned)k - 1) * sizeof *old);
		c->nrules--;
	}
	for (unsigned i = 0; i < nadd && !rc; i++) {
		long k = find(c, add[i].index);
		if (k < 0) {
			if (c->nrules >= c->g.rule_slots) {
				rc = -ENOSPC;
				break;
			}
			if (c->nrules == c->cap) {
				unsigned cap = c->cap ? 2 * c->cap : 64;
				struct crule *n = realloc(c->rules, cap * sizeof *n);
				if (!n) {
					rc = -ENOMEM;
					break;
				}
				c->rules = n;
				c->cap = cap;
			}
			k = -1 - k;
			memmove(&c->rules[k + 1], &c->rules[k],
				(c->nrules - (unsigned)k) * sizeof *old);
			c->nrules++;
		}
		c->rules[k].r = add[i];
		c->rules[k].slot = -1;
		c->rules[k].in_half = 0;
		rule_pattern(&c->rules[k]);
	}
	if (!rc)
		rc = commit(c);
	if (rc) {
		if (old_n)
			memcpy(c->rules, old, old_n * sizeof *old);
		c->nrules = old_n;
		if (rc != -ENOSPC && rc != -EINVAL && rc != -ENOMEM)
			espnic_cls_forget(c); /* the card's state is unknown now */
	}
	free(old);
	return rc;
}

int espnic_cls_add(struct espnic_cls *c, const struct espnic_cls_rule *r)
{
	return espnic_cls_update(c, r, 1, NULL, 0);
}

int espnic_cls_delete(struct espnic_cls *c, uint16_t index)
{
	return espnic_cls_update(c, NULL, 0, &index, 1);
}

void espnic_cls_get_stats(const struct espnic_cls *c, struct espnic_cls_stats *s)
{
	memset(s, 0, sizeof *s);
	s->rules = c->nrules;
	s->depth = c->depth;
	s->nodes = c->img_nodes;
	s->leaves = c->img_nleaves;
	s->max_leaf = c->max_leaf;
	s->leaf_refs = c->leaf_refs;
	s->writes = c->writes;
}
