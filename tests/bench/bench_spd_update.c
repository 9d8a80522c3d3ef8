/* bench_spd_update.c: SPD rule updates through libespnic, in figures that do
 * not depend on the machine: card cycles and commands per update, and the
 * host compiler's processor time per update.
 *
 * At the card's size (the model, SPD_N rules): RULES tunnel-like rules (a /32
 * destination each, PROTECT), then UPDATES updates, each replacing one rule
 * (a new destination) through espnic_card_spd_write: the classifier writes
 * (CLS_WRITE, pipelined through the command ring), the swap and the rule
 * book's SPD_ADD. Card cycles are the model's clock from the call to its
 * return (the command engine and the host's register traffic at one register
 * access per cycle, as the model counts them).
 *
 * At 16K rules (the classifier parameter, not the model's size) the compiler
 * alone (driver/cls_compile.c, writes counted and not sent): entries written
 * per update (one CLS_WRITE each) and processor time; the card's cycles per
 * update follow from the cycles per command measured above. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "espnic_card.h"
#include "espnic_cls.h"
#include "espnic_model.h"
#include "model_io.h"

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_spd_update: %s: %s (%s)\n", what, strerror(rc < 0 ? -rc : rc),
		espnic_card_last_error());
	exit(1);
}

/* Rule i: 198.18.x.y/32 (or 2001:db8::x:y/128 for odd i when v6), one SA. */
static void tunnel_rule(unsigned i, unsigned salt, struct espnic_spd_rule *r)
{
	memset(r, 0, sizeof(*r));
	unsigned a = i * 7919u + salt * 104729u;
	r->src.len = 24;
	r->src.addr[0] = 198;
	r->src.addr[1] = 19;
	r->src.addr[2] = 1;
	r->dst.len = 32;
	r->dst.addr[0] = 10;
	r->dst.addr[1] = (uint8_t)(a >> 16);
	r->dst.addr[2] = (uint8_t)(a >> 8);
	r->dst.addr[3] = (uint8_t)a;
	r->sport_hi = r->dport_hi = 0xffff;
	r->action = ESPNIC_ACT_PROTECT;
	r->sa = (uint16_t)(i % 1024);
}

static void cls_rule_of(unsigned i, unsigned salt, struct espnic_cls_rule *c)
{
	struct espnic_spd_rule r;
	tunnel_rule(i, salt, &r);
	memset(c, 0, sizeof(*c));
	c->index = (uint16_t)i;
	c->action = r.action;
	c->sa = r.sa;
	c->fam = ESPNIC_CLS_FAM_V4;
	memcpy(c->src + 12, r.src.addr, 4);
	c->src_len = r.src.len;
	memcpy(c->dst + 12, r.dst.addr, 4);
	c->dst_len = r.dst.len;
	c->sport_hi = c->dport_hi = 0xffff;
	c->vlan_any = true;
}

static int count_write(void *ctx, unsigned table, uint32_t addr, const uint32_t *words,
		       unsigned nwords)
{
	(void)table;
	(void)addr;
	(void)words;
	(void)nwords;
	++*(unsigned long long *)ctx;
	return 0;
}

/* The compiler alone at 2^bits rule slots, node and leaf tables sized as
 * the card sizes them (2^(bits+1), esp_egress). */
static void compiler_only(unsigned bits, unsigned rules, unsigned updates, double cycles_per_cmd)
{
	struct espnic_cls_geom g = {8, 8, bits + 1, bits + 1, 1u << bits};
	unsigned long long writes = 0;
	struct espnic_cls *c = espnic_cls_new(&g, count_write, &writes);
	if (!c)
		die("espnic_cls_new", errno);
	struct espnic_cls_rule *all = calloc(rules, sizeof(*all));
	if (!all)
		die("calloc", ENOMEM);
	for (unsigned i = 0; i < rules; i++)
		cls_rule_of(i, 0, &all[i]);
	double t0 = cpu_s();
	int rc = espnic_cls_update(c, all, rules, NULL, 0);
	double t_first = cpu_s() - t0;
	if (rc)
		die("first compile", rc);
	unsigned long long first = writes;
	writes = 0;
	unsigned done = 0, refused = 0;
	t0 = cpu_s();
	for (unsigned u = 0; u < updates; u++) {
		struct espnic_cls_rule r;
		cls_rule_of((u * 2654435761u) % rules, u + 1, &r);
		rc = espnic_cls_add(c, &r);
		if (rc == -ENOSPC)
			refused++;
		else if (rc)
			die("update", rc);
		else
			done++;
	}
	double t_upd = cpu_s() - t0;
	struct espnic_cls_stats st;
	espnic_cls_get_stats(c, &st);
	double per = done ? (double)writes / done : 0;
	printf("compiler, %u rule slots, %u rules: first compile %.3f s CPU, %llu writes; "
	       "tree depth %u, %u nodes, %u leaves\n",
	       1u << bits, rules, t_first, first, st.depth, st.nodes, st.leaves);
	printf("  %u updates (%u refused, no room): %.1f writes = %.1f commands per update "
	       "(+1 rule book), compile %.2f ms CPU per update",
	       updates, refused, per, per, done ? 1e3 * t_upd / updates : 0.0);
	if (cycles_per_cmd > 0)
		printf(", about %.0f card cycles per update at %.1f cycles per command",
		       (per + 1) * cycles_per_cmd, cycles_per_cmd);
	printf("\n");
	free(all);
	espnic_cls_free(c);
}

int main(int argc, char **argv)
{
	unsigned rules = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 1000;
	unsigned updates = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 50;
	espnic_model *m = espnic_model_new(128, NULL);
	if (!m)
		die("model", ENOMEM);
	espnic_model_reset(m);
	struct espnic_io io = model_io(m);
	struct espnic_card_info info;
	int rc = espnic_card_info(&io, &info);
	if (rc)
		die("card info", rc);
	if (rules > info.spd_n)
		rules = info.spd_n;

	/* Fill. */
	struct espnic_spd_rule r;
	uint64_t c0 = espnic_model_cycles(m);
	double t0 = cpu_s();
	for (unsigned i = 0; i < rules; i++) {
		tunnel_rule(i, 0, &r);
		if ((rc = espnic_card_spd_write(&io, i, &r)))
			die("fill", rc);
	}
	double t_fill = cpu_s() - t0;
	uint64_t fill_cycles = espnic_model_cycles(m) - c0;
	struct espnic_card_spd_stats s0, s1;
	espnic_card_spd_stats(&io, &s0);
	printf("card (model, SPD_N %u): %u rules added one by one: %.0f card cycles and %.1f "
	       "commands per add on average, %.2f ms CPU per add (compile and simulation)\n",
	       info.spd_n, rules, (double)fill_cycles / rules,
	       (double)(s0.commands + rules) / rules, 1e3 * t_fill / rules);

	/* Updates: replace a rule with a new destination. */
	c0 = espnic_model_cycles(m);
	for (unsigned u = 0; u < updates; u++) {
		tunnel_rule((u * 2654435761u) % rules, u + 1, &r);
		if ((rc = espnic_card_spd_write(&io, (u * 2654435761u) % rules, &r)))
			die("update", rc);
	}
	uint64_t upd_cycles = espnic_model_cycles(m) - c0;
	espnic_card_spd_stats(&io, &s1);
	double cmds = (double)(s1.commands - s0.commands + updates) / updates;
	double cyc = (double)upd_cycles / updates;
	printf("  %u updates (replace one rule) at %u rules: %.0f card cycles per update, %.1f "
	       "commands per update (%.1f cycles per command); tree depth %u, %u nodes, %u "
	       "leaves\n",
	       updates, rules, cyc, cmds, cyc / cmds, s1.depth, s1.nodes, s1.leaves);
	printf("  = %.0f updates/s at 322 MHz if the host kept up (card-bound)\n", 322e6 / cyc);
	compiler_only(10, rules, updates, cyc / cmds);
	compiler_only(14, 16000, updates, cyc / cmds);
	espnic_card_spd_forget(&io);
	espnic_model_free(m);
	return 0;
}
