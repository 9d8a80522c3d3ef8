// test_spd_classifier: a randomized differential test of the SPD classifier
// (rtl/esp/spd_classifier.sv compiled and written by libespnic's
// cls_compile.c) against a linear search in priority order written here.
// Random rule sets (nested and overlapping prefixes of both families, rules
// for both families, port ranges, protocols, VLANs), random keys (inside
// rules, beside them, non-initial fragments), one lookup offered per cycle
// with random back-pressure, and rules added and deleted while the lookups
// flow: every answer must be the linear search's over the rule set of the
// generation the lookup entered with.
//
//   rtl_spd_classifier [--rules N] [--keys K] [--updates U] [--seed S]
//                     [--stall PCT: cycles the answer is not taken, default 12]
#include "Vspd_classifier.h"
#include "verilated.h"

extern "C" {
#include "espnic_cls.h"
}

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <time.h>
#include <vector>

namespace
{

// The RTL parameters this testbench is built with (CMakeLists.txt).
constexpr unsigned kLevels = TB_LEVELS, kLeaf = TB_LEAF, kNodeBits = TB_NODE_AW,
		   kLeafBits = TB_LEAF_AW, kSlots = TB_N;

struct Write {
	unsigned table;
	uint32_t addr;
	std::vector<uint32_t> words;
};

std::mt19937_64 rng;
unsigned rnd(unsigned n)
{
	return n ? (unsigned)(rng() % n) : 0;
}
bool chance(unsigned pct)
{
	return rnd(100) < pct;
}

// ------------------------------------------------------------ reference
bool prefix_ok(const uint8_t *a, const uint8_t *k, unsigned len, unsigned top)
{
	// The top `len` bits of the low `top` bits of the 128-bit big-endian
	// value: bytes 16 - top/8 onwards, whole bytes then the leading bits
	// of the next.
	unsigned first = 16 - top / 8;
	for (unsigned i = 0; i < len / 8; i++)
		if (a[first + i] != k[first + i])
			return false;
	if (len % 8 == 0)
		return true;
	uint8_t mask = (uint8_t)(0xFF00u >> (len % 8));
	return ((a[first + len / 8] ^ k[first + len / 8]) & mask) == 0;
}

bool ref_match(const espnic_cls_rule &r, const espnic_cls_key &k)
{
	if (!(k.v6 ? (r.fam & 2) : (r.fam & 1)))
		return false;
	unsigned top = (r.fam & 2) ? 128 : 32;
	if (!prefix_ok(r.src, k.src, r.src_len, top) || !prefix_ok(r.dst, k.dst, r.dst_len, top))
		return false;
	if (r.proto && r.proto != k.proto)
		return false;
	if (!r.vlan_any && r.vlan != k.vlan)
		return false;
	bool any =
	    r.sport_lo == 0 && r.sport_hi == 0xFFFF && r.dport_lo == 0 && r.dport_hi == 0xFFFF;
	if (k.frag)
		return any;
	return k.sport >= r.sport_lo && k.sport <= r.sport_hi && k.dport >= r.dport_lo &&
	       k.dport <= r.dport_hi;
}

const espnic_cls_rule *ref_lookup(const std::map<uint16_t, espnic_cls_rule> &rs,
				  const espnic_cls_key &k)
{
	for (const auto &e : rs)
		if (ref_match(e.second, k))
			return &e.second;
	return nullptr;
}

// ------------------------------------------------------------ generators
void rand_addr(uint8_t *a, bool v6)
{
	memset(a, 0, 16);
	for (unsigned i = v6 ? 0 : 12; i < 16; i++)
		a[i] = (uint8_t)rnd(256);
	if (v6)
		a[0] = 0x20, a[1] = (uint8_t)rnd(4); // a few /16s, so prefixes overlap
	else
		a[12] = (uint8_t)(198 + rnd(3));
}

// Random bits below the top `len` bits of the address's `top`-bit value.
void fill_below(uint8_t *a, unsigned len, unsigned top)
{
	for (unsigned i = 0; i < top - len; i++) {
		unsigned byte = 15 - i / 8, bit = i % 8;
		if (chance(50))
			a[byte] ^= (uint8_t)(1u << bit);
	}
}

void rand_range(uint16_t &lo, uint16_t &hi)
{
	switch (rnd(5)) {
	case 4:
		lo = 0;
		hi = 1023;
		break; // holds port 0, as a fragment's key does
	case 0:
		lo = hi = (uint16_t)(rnd(2) ? 500 : 4500);
		break;
	case 1:
		lo = hi = (uint16_t)rnd(65536);
		break;
	case 2:
		lo = (uint16_t)rnd(65536);
		hi = (uint16_t)(lo + rnd(65536 - lo));
		break;
	default:
		lo = 1024;
		hi = 65535;
		break;
	}
}

std::set<uint16_t> nested; // rules made inside another

espnic_cls_rule rand_rule(uint16_t index, const std::vector<espnic_cls_rule> &pool, bool wide)
{
	espnic_cls_rule r;
	memset(&r, 0, sizeof r);
	r.index = index;
	r.action = (uint8_t)rnd(3);
	r.sa = (uint16_t)rnd(65536);
	r.sport_hi = r.dport_hi = 0xFFFF;
	r.vlan_any = true;
	if (wide) {
		// A few broad rules: both families or short prefixes, with a
		// protocol and ports (IKE, NAT-T, management).
		r.fam = chance(50) ? 3 : (uint8_t)(1 + rnd(2));
		if (r.fam != 3) {
			bool v6 = r.fam == 2;
			rand_addr(r.src, v6);
			r.src_len = (uint8_t)rnd(v6 ? 17 : 9);
		}
		r.proto = chance(70) ? 17 : 6;
		rand_range(r.dport_lo, r.dport_hi);
	} else {
		r.fam = (uint8_t)(1 + rnd(2));
		bool v6 = r.fam == 2;
		unsigned top = v6 ? 128 : 32;
		const espnic_cls_rule *base = nullptr;
		// 30% nested in (or around) an earlier rule that is not nested
		// itself: chains of nested rules stay short, as at most
		// leaf_size rules may overlap at one point (cls_compile.c).
		if (!pool.empty() && chance(30)) {
			base = &pool[rnd((unsigned)pool.size())];
			if (base->fam != r.fam || nested.count(base->index))
				base = nullptr;
		}
		if (base)
			nested.insert(r.index);
		for (int f = 0; f < 2; f++) {
			uint8_t *a = f ? r.src : r.dst;
			uint8_t &len = f ? r.src_len : r.dst_len;
			if (base) {
				// Nested in (or around) another rule's prefix.
				memcpy(a, f ? base->src : base->dst, 16);
				unsigned bl = f ? base->src_len : base->dst_len;
				// Mostly more specific; sometimes a few bits broader,
				// not below /16 (IPv4) or /32 (IPv6).
				unsigned floor = v6 ? 32 : 16;
				if (chance(70) || bl <= floor)
					len = (uint8_t)(bl + rnd(top - bl + 1));
				else
					len = (uint8_t)(bl - 1 -
							rnd(bl - floor < 4 ? bl - floor : 4));
				fill_below(a, len, top);
			} else {
				rand_addr(a, v6);
				len = (uint8_t)(v6 ? 32 + rnd(97) : 16 + rnd(17));
			}
		}
		if (chance(30))
			r.proto = (uint8_t)(chance(50) ? 6 : chance(50) ? 17 : 1 + rnd(255));
		if (chance(20))
			rand_range(r.sport_lo, r.sport_hi);
		if (chance(20))
			rand_range(r.dport_lo, r.dport_hi);
		if (chance(10)) {
			r.vlan_any = false;
			r.vlan = (uint16_t)rnd(8);
		}
	}
	return r;
}

espnic_cls_key rand_key(const std::map<uint16_t, espnic_cls_rule> &rs)
{
	espnic_cls_key k;
	memset(&k, 0, sizeof k);
	const espnic_cls_rule *r = nullptr;
	if (!rs.empty() && chance(80)) {
		auto it = rs.begin();
		std::advance(it, rnd((unsigned)rs.size()));
		r = &it->second;
	}
	if (r && r->fam != 3) {
		k.v6 = r->fam == 2;
		unsigned top = k.v6 ? 128 : 32;
		memcpy(k.src, r->src, 16);
		memcpy(k.dst, r->dst, 16);
		fill_below(k.src, chance(70) ? r->src_len : 0, top);
		fill_below(k.dst, chance(70) ? r->dst_len : 0, top);
	} else {
		k.v6 = chance(50);
		rand_addr(k.src, k.v6);
		rand_addr(k.dst, k.v6);
	}
	k.proto = r && r->proto && chance(80) ? r->proto : (uint8_t)(chance(50) ? 6 : 17);
	k.sport = (uint16_t)(r && chance(60) ? r->sport_lo + rnd(r->sport_hi - r->sport_lo + 1u)
					     : rnd(65536));
	k.dport = (uint16_t)(r && chance(60) ? r->dport_lo + rnd(r->dport_hi - r->dport_lo + 1u)
			     : chance(20)    ? 500
					     : rnd(65536));
	k.vlan = (uint16_t)(r && !r->vlan_any && chance(70) ? r->vlan : chance(80) ? 0 : rnd(8));
	if (chance(10)) {
		k.frag = true; /* a non-initial fragment: OPAQUE ports */
		k.sport = k.dport = 0;
	} else if (chance(5)) {
		k.proto = k.v6 ? 58 : 1; /* ICMP: no ports, OPAQUE as well (spd_key) */
		k.frag = true;
		k.sport = k.dport = 0;
	}
	return k;
}

// ------------------------------------------------------------ the bench
struct Bench {
	Vspd_classifier *m;
	std::deque<Write> wq;
	uint64_t cycles = 0;
	uint64_t lookups = 0;
	uint64_t hits = 0;
	uint64_t wr_stalls = 0;
	int version = 0; // rule set new lookups see
	int queued = 0;	 // swaps queued
	std::map<int, std::map<uint16_t, espnic_cls_rule>> sets;
	struct Pending {
		espnic_cls_key key;
		int version;
	};
	std::deque<Pending> inflight;
	unsigned failures = 0;

	void set_words(VlWide<16> &dst, const uint32_t *w, unsigned n)
	{
		for (unsigned i = 0; i < 16; i++)
			dst[i] = i < n ? w[i] : 0;
	}

	// One clock; key: the lookup to offer (nullptr: none). Returns true
	// if the lookup was taken.
	bool tick(const espnic_cls_key *key, bool ready)
	{
		uint32_t kw[ESPNIC_CLS_KEY_WORDS];
		m->req_valid_i = key != nullptr;
		if (key) {
			espnic_cls_pack_key(key, kw);
			for (unsigned i = 0; i < ESPNIC_CLS_KEY_WORDS; i++)
				m->req_key_i[i] = kw[i];
		}
		m->resp_ready_i = ready;
		m->wr_valid_i = !wq.empty();
		if (!wq.empty()) {
			const Write &w = wq.front();
			m->wr_table_i = w.table;
			m->wr_addr_i = w.addr;
			set_words(m->wr_data_i, w.words.data(), (unsigned)w.words.size());
		}
		m->clk_i = 0;
		m->eval();
		bool req_fire = key && m->req_ready_o;
		bool wr_fire = !wq.empty() && m->wr_ready_o;
		if (!wq.empty() && !m->wr_ready_o)
			wr_stalls++;
		if (m->resp_valid_o && ready)
			check();
		if (req_fire) {
			inflight.push_back({*key, version});
			lookups++;
		}
		bool swap = wr_fire && wq.front().table == ESPNIC_CLS_T_SWAP(&geom());
		if (wr_fire)
			wq.pop_front();
		m->clk_i = 1;
		m->eval();
		cycles++;
		if (swap) {
			version++;
			// Older rule sets are needed only while lookups use them.
			int oldest = inflight.empty() ? version : inflight.front().version;
			while (!sets.empty() && sets.begin()->first < oldest)
				sets.erase(sets.begin());
		}
		return req_fire;
	}

	void check()
	{
		if (inflight.empty()) {
			fprintf(stderr, "FAIL: an answer without a lookup\n");
			failures++;
			return;
		}
		Pending p = inflight.front();
		inflight.pop_front();
		const espnic_cls_rule *want = ref_lookup(sets[p.version], p.key);
		bool hit = m->resp_hit_o;
		bool ok = hit == (want != nullptr);
		if (ok && hit)
			ok = m->resp_rule_o == want->index && m->resp_action_o == want->action &&
			     m->resp_sa_o == want->sa;
		if (hit)
			hits++;
		if (!ok && failures++ < 10)
			fprintf(stderr,
				"FAIL: lookup %llu (version %d, v6 %d frag %d vlan %u proto %u "
				"ports %u/%u): card hit %d rule %u, reference %s %u\n",
				(unsigned long long)lookups, p.version, p.key.v6, p.key.frag,
				p.key.vlan, p.key.proto, p.key.sport, p.key.dport, hit,
				m->resp_rule_o, want ? "rule" : "miss", want ? want->index : 0);
	}

	static const espnic_cls_geom &geom()
	{
		static const espnic_cls_geom g = {kLevels, kLeaf, kNodeBits, kLeafBits, kSlots};
		return g;
	}
};

int write_cb(void *ctx, unsigned table, uint32_t addr, const uint32_t *words, unsigned n)
{
	auto *b = static_cast<Bench *>(ctx);
	b->wq.push_back({table, addr, std::vector<uint32_t>(words, words + n)});
	return 0;
}

// Processor time of this process: the compile figures do not depend on
// what else the machine runs.
double now_s()
{
	timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	unsigned nrules = 1024, nkeys = 20000, nupdates = 20, stall = 12;
	unsigned long long seed = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string a = argv[i];
		unsigned long long v = strtoull(argv[i + 1], nullptr, 0);
		if (a == "--rules")
			nrules = (unsigned)v;
		else if (a == "--keys")
			nkeys = (unsigned)v;
		else if (a == "--updates")
			nupdates = (unsigned)v;
		else if (a == "--stall")
			stall = (unsigned)v;
		else if (a == "--seed")
			seed = v;
		else {
			fprintf(stderr, "unknown option %s\n", a.c_str());
			return 2;
		}
	}
	if (nrules > kSlots - 1) {
		fprintf(stderr, "at most %u rules at this size\n", kSlots - 1);
		return 2;
	}
	rng.seed(seed);

	Bench b;
	b.m = new Vspd_classifier;
	b.m->rst_ni = 0;
	b.tick(nullptr, true);
	b.tick(nullptr, true);
	b.m->rst_ni = 1;

	espnic_cls *cls = espnic_cls_new(&Bench::geom(), write_cb, &b);
	if (!cls) {
		perror("espnic_cls_new");
		return 1;
	}

	// Before any rule: every lookup misses.
	b.sets[0] = {};

	// The rule set, written in one update (one compile).
	std::vector<espnic_cls_rule> pool;
	unsigned wide = nrules >= 64 ? 4 : 2;
	std::vector<uint16_t> idx(60000);
	for (unsigned i = 0; i < idx.size(); i++)
		idx[i] = (uint16_t)(i + 1);
	std::shuffle(idx.begin(), idx.end(), rng);
	for (unsigned i = 0; i < nrules; i++)
		pool.push_back(rand_rule(idx[i], pool, i < wide));
	double t0 = now_s();
	int rc = espnic_cls_update(cls, pool.data(), (unsigned)pool.size(), nullptr, 0);
	double t_compile = now_s() - t0;
	if (rc) {
		fprintf(stderr, "FAIL: compiling %u rules: %s\n", nrules, strerror(-rc));
		return 1;
	}
	std::map<uint16_t, espnic_cls_rule> cur;
	for (auto &r : pool)
		cur[r.index] = r;
	b.sets[++b.queued] = cur;
	espnic_cls_stats st;
	espnic_cls_get_stats(cls, &st);
	printf(
	    "%u rules: compiled in %.3f s of CPU: depth %u, %u nodes, %u leaves (longest %u, %.2f "
	    "slots per rule), %u writes\n",
	    nrules, t_compile, st.depth, st.nodes, st.leaves, st.max_leaf,
	    (double)st.leaf_refs / (nrules ? nrules : 1), st.writes);

	// The first rule set is in before the lookups start (a card at open).
	while (!b.wq.empty())
		b.tick(nullptr, true);

	// Lookups flow; every so often rules are deleted and added.
	unsigned per_update = nupdates ? nkeys / (nupdates + 1) : nkeys + 1;
	unsigned done = 0, updates = 0, refused = 0;
	double t_upd = 0;
	unsigned long long upd_writes = 0, offered_cycles = 0;
	unsigned next_index = (unsigned)nrules;
	espnic_cls_key key = rand_key(cur);
	// Lookups go on until every update is in (an update at 16K rules can
	// take more writes than the keys take cycles).
	while (done < nkeys || updates < nupdates || !b.inflight.empty() || !b.wq.empty()) {
		if (updates < nupdates && done >= per_update * (updates + 1) && b.wq.empty()) {
			// Delete up to 3 rules and add up to 3, as one update or
			// as single ones.
			std::vector<uint16_t> del;
			std::vector<espnic_cls_rule> add;
			for (unsigned i = 0, nd = rnd(4); i < nd && cur.size() > del.size(); i++) {
				auto it = cur.begin();
				std::advance(it, rnd((unsigned)cur.size()));
				if (std::find(del.begin(), del.end(), it->first) == del.end())
					del.push_back(it->first);
			}
			for (unsigned i = 0, na = rnd(4); i < na && next_index < idx.size(); i++)
				add.push_back(rand_rule(idx[next_index++], pool, false));
			t0 = now_s();
			rc = espnic_cls_update(cls, add.data(), (unsigned)add.size(), del.data(),
					       (unsigned)del.size());
			t_upd += now_s() - t0;
			if (rc == -ENOSPC) {
				refused++;
			} else if (rc) {
				fprintf(stderr, "FAIL: update: %s\n", strerror(-rc));
				return 1;
			} else {
				for (auto d : del)
					cur.erase(d);
				for (auto &r : add)
					cur[r.index] = r;
				espnic_cls_get_stats(cls, &st);
				upd_writes += st.writes;
				b.sets[++b.queued] = cur;
			}
			updates++;
		}
		bool offer = done < nkeys || updates < nupdates || !b.wq.empty();
		bool taken = b.tick(offer ? &key : nullptr, !chance(stall));
		if (offer)
			offered_cycles++;
		if (taken) {
			done++;
			key = rand_key(cur);
		}
	}
	espnic_cls_get_stats(cls, &st);
	printf(
	    "%llu lookups in %llu cycles offered (%.3f per cycle, %u%% of cycles without "
	    "answer ready), %llu hits; %u updates (%u refused: "
	    "no room), %.1f writes and %.2f ms of compile (CPU) each, %llu cycles writes waited; "
	    "final: depth %u, %u nodes, %u leaves\n",
	    (unsigned long long)b.lookups, offered_cycles,
	    (double)b.lookups / (double)offered_cycles, stall, (unsigned long long)b.hits, updates,
	    refused, updates ? (double)upd_writes / updates : 0.0,
	    updates ? 1000.0 * t_upd / updates : 0.0, (unsigned long long)b.wr_stalls, st.depth,
	    st.nodes, st.leaves);
	espnic_cls_free(cls);
	b.m->final();
	delete b.m;
	if (b.failures) {
		printf("FAIL: %u wrong answers\n", b.failures);
		return 1;
	}
	if (b.hits == 0 || b.hits == b.lookups) {
		printf("FAIL: the keys did not exercise both hits and misses\n");
		return 1;
	}
	printf("PASS\n");
	return 0;
}
