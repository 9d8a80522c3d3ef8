// test_replay: the anti-replay functions of rtl/esp/replay_pkg.sv (through
// replay_tb_top.sv, which keeps one SA's state as esp_ingress does) against
// a reference written here from RFC 4303: the receive window of 3.4.3 as a
// shift register of the last 1024 numbers (not RFC 6479's blocks), and the
// ESN high half of appendix A2.1 as "the one number with these low 32 bits
// in [top - W + 1, top - W + 1 + 2^32)".
// A sender model sends numbers new, reordered, duplicated, far ahead, forged
// and zero, around 2^32 wraps, with and without ESN, windows 0..1024. A
// packet's ICV verifies when it was not forged and the high half inferred is
// the sender's (the ICV covers it). Every packet checks the inferred number,
// the window's verdict and the highest number; directed cases check the
// verdicts the RFC gives on its own.
//
//   test_replay [--packets N] [--seed S]
#include "Vreplay_tb_top.h"
#include "esp_tb.h"

#include <algorithm>
#include <bitset>
#include <vector>

namespace
{

constexpr unsigned REPLAY_MAX = 1024; // espnic_pkg::REPLAY_MAX

// RFC 4303 A2.1, as an interval: the bottom of the window is B = T - W + 1
// (mod 2^64; a window of 0, anti-replay off, infers as a window of 1).
uint64_t ref_infer(uint64_t top, uint32_t lo, unsigned w, bool esn)
{
	if (!esn)
		return lo;
	uint64_t b = top - (w ? w : 1) + 1;
	return b + uint32_t(lo - uint32_t(b));
}

// RFC 4303 3.4.3: bit i of seen is "top - i was received".
struct RefWindow {
	uint64_t top = 0;
	std::bitset<REPLAY_MAX> seen;
	void load(uint64_t t)
	{
		top = t;
		seen.reset();
	}
	bool ok(uint64_t s, unsigned w) const
	{
		if (s == 0)
			return false; // never sent (3.3.3)
		if (w == 0 || s > top)
			return true;
		uint64_t age = top - s;
		return age < w && !seen[age];
	}
	void mark(uint64_t s)
	{
		if (s > top) {
			uint64_t d = s - top;
			if (d >= REPLAY_MAX)
				seen.reset();
			else
				seen <<= d;
			seen[0] = true;
			top = s;
		} else if (top - s < REPLAY_MAX) {
			seen[top - s] = true;
		}
	}
};

struct Bench {
	Vreplay_tb_top m;
	RefWindow ref;
	esp_tb::Checker chk;
	unsigned w = 64;
	bool esn = true;
	uint64_t packets = 0, accepted = 0, dup = 0, old = 0, misinferred = 0, forged = 0;

	void tick()
	{
		m.clk_i = 1;
		m.eval();
		m.clk_i = 0;
		m.load_i = 0;
		m.commit_i = 0;
		m.eval();
	}
	void load(uint64_t top, unsigned window, bool ext)
	{
		w = window;
		esn = ext;
		m.load_i = 1;
		m.load_top_i = top;
		tick();
		ref.load(top);
		chk.expect(m.top_o == top, "load: top %#llx, want %#llx",
			   (unsigned long long)m.top_o, (unsigned long long)top);
	}
	// One packet whose true number is s; returns whether it was accepted.
	bool packet(uint64_t s, bool forge = false)
	{
		uint32_t lo = uint32_t(s);
		m.w_i = uint16_t(w);
		m.esn_i = esn;
		m.seq_lo_i = lo;
		m.eval();
		uint64_t got = m.seq_o, want = ref_infer(ref.top, lo, w, esn);
		chk.expect(got == want,
			   "infer: top %#llx lo %#x w %u esn %d: got %#llx, want %#llx",
			   (unsigned long long)ref.top, lo, w, esn, (unsigned long long)got,
			   (unsigned long long)want);
		bool ok = m.ok_o, want_ok = ref.ok(want, w);
		chk.expect(m.seq2_o == got && bool(m.ok2_o) == ok,
			   "split: top %#llx lo %#x w %u esn %d: %#llx %d, want %#llx %d",
			   (unsigned long long)ref.top, lo, w, esn, (unsigned long long)m.seq2_o,
			   int(m.ok2_o), (unsigned long long)got, int(ok));
		chk.expect(ok == want_ok, "window: top %#llx seq %#llx w %u: got %d, want %d",
			   (unsigned long long)ref.top, (unsigned long long)want, w, ok, want_ok);
		bool icv = !forge && got == s;
		bool commit = ok && icv;
		packets++;
		forged += forge;
		misinferred += !forge && got != s;
		if (icv && !ok) {
			if (s != 0 && s <= ref.top && ref.top - s < w)
				dup++;
			else
				old++;
		}
		m.commit_i = commit;
		tick();
		if (commit) {
			ref.mark(got);
			accepted++;
		}
		chk.expect(m.top_o == ref.top, "top after %#llx: got %#llx, want %#llx",
			   (unsigned long long)got, (unsigned long long)m.top_o,
			   (unsigned long long)ref.top);
		return commit;
	}
	void expect_packet(uint64_t s, bool want, const char *what)
	{
		bool got = packet(s);
		chk.expect(got == want, "directed '%s': seq %#llx %s, RFC 4303 says %s", what,
			   (unsigned long long)s, got ? "accepted" : "refused",
			   want ? "accept" : "refuse");
	}
};

void directed(Bench &b)
{
	const uint64_t K32 = 1ull << 32;
	// A new SA.
	b.load(0, 64, false);
	b.expect_packet(0, false, "zero is never sent");
	b.expect_packet(1, true, "first packet");
	b.expect_packet(1, false, "duplicate");
	b.expect_packet(3, true, "gap");
	b.expect_packet(2, true, "late, in window");
	b.expect_packet(2, false, "late duplicate");
	b.expect_packet(70, true, "jump");
	b.expect_packet(6, false, "fell out of the window (age 64)");
	b.expect_packet(7, true, "oldest in window (age 63)");
	b.expect_packet(7, false, "oldest, again");
	// Window edges at the largest window, across blocks of 64.
	b.load(5000, 1024, false);
	b.expect_packet(5000 - 1023, true, "age 1023 of 1024");
	b.expect_packet(5000 - 1024, false, "age 1024 of 1024");
	b.expect_packet(5000 - 1023, false, "age 1023, again");
	for (uint64_t s = 5001; s < 5001 + 1100; s += 63)
		b.expect_packet(s, true, "stride 63");
	for (uint64_t s = 5001; s < 5001 + 1100; s += 63)
		b.expect_packet(s, false, "stride 63, again (seen or too old)");
	// Window of 1: only new numbers.
	b.load(100, 1, true);
	b.expect_packet(100, true, "top itself, unseen");
	b.expect_packet(100, false, "top, again");
	b.expect_packet(99, false, "age 1 of 1");
	b.expect_packet(101, true, "next");
	// Anti-replay off: everything but zero, duplicates too.
	b.load(10, 0, false);
	b.expect_packet(10, true, "off: top");
	b.expect_packet(10, true, "off: again");
	b.expect_packet(3, true, "off: older");
	b.expect_packet(0, false, "off: zero");
	// ESN across 2^32: case A then case B of A2.1.
	b.load(K32 - 5, 64, true);
	b.expect_packet(K32 + 3, true, "ESN: into the next subspace");
	b.expect_packet(K32 - 2, true, "ESN: late from the previous subspace");
	b.expect_packet(K32 - 2, false, "ESN: its duplicate");
	b.expect_packet(K32, true, "ESN: low half zero");
	b.expect_packet(K32 - 60, true, "ESN: age 63 across the wrap");
	b.expect_packet(K32 - 61, false, "ESN: age 64 across the wrap");
	b.expect_packet(2 * K32 - 50, false, "ESN: 2^32 - 53 ahead is read as behind");
	b.expect_packet(2 * K32 - 61, true, "ESN: 2^32 - 64 ahead");
	// Without ESN the number stops at 2^32 - 1.
	b.load(K32 - 3, 32, false);
	b.expect_packet(K32 - 1, true, "no ESN: last number");
	b.expect_packet(K32 - 3, true, "no ESN: late");
	b.expect_packet(1, false, "no ESN: 1 after the wrap is far behind");
	// High half all ones, and a new SA with ESN (case B at Th = 0).
	b.load(~0ull - 10, 128, true);
	b.expect_packet(~0ull - 2, true, "ESN: near 2^64");
	b.expect_packet(~0ull - 100, true, "ESN: near 2^64, late");
	b.load(0, 64, true);
	b.expect_packet(1, true, "ESN: first packet");
	b.expect_packet(K32 - 1, false, "ESN: 2^32 - 1 ahead of 1 reads as behind");
}

void random_run(Bench &b, stream_tb::Rng &r, uint64_t packets)
{
	static const unsigned windows[] = {0, 1, 2, 31, 32, 63, 64, 65, 127, 128, 500, 1023, 1024};
	const uint64_t K32 = 1ull << 32;
	std::vector<uint64_t> recent;
	while (b.packets < packets) {
		bool esn = r.chance(70);
		unsigned w = r.chance(60) ? windows[r.range(0, 12)] : r.range(1, REPLAY_MAX);
		uint64_t top;
		switch (r.range(0, 4)) {
		case 0:
			top = 0;
			break;
		case 1: // just below a 2^32 boundary
			top = (esn ? uint64_t(r.range(0, 5)) << 32 : 0) + K32 - r.range(1, 3000);
			break;
		case 2: // just above one
			top = esn ? (uint64_t(r.range(1, 5)) << 32) + r.range(0, 3000) : 1;
			break;
		case 3:
			top = esn ? r.next() : uint32_t(r.next());
			break;
		default:
			top = r.range(0, 100000);
		}
		b.load(top, w, esn);
		recent.clear();
		uint64_t snd = top;
		unsigned n = r.range(200, 2000);
		for (unsigned i = 0; i < n; i++) {
			uint64_t s;
			bool forge = false;
			unsigned k = r.range(0, 99);
			if (k < 45) {
				snd += r.range(1, 3);
				s = snd;
			} else if (k < 65) {
				s = snd - r.range(0, w + 70);
			} else if (k < 75 && !recent.empty()) {
				s = recent[r.range(0, unsigned(recent.size() - 1))];
			} else if (k < 80) {
				static const uint64_t far[] = {1ull << 31, K32 - 1, K32, K32 + 1};
				s = snd + far[r.range(0, 3)] - r.range(0, w + 1);
				if (r.chance(30))
					s = r.next();
			} else if (k < 85) {
				snd += r.range(w / 2 + 1, 3 * w + 2);
				s = snd;
			} else if (k < 90) {
				forge = true;
				s = snd + r.range(0, 2 * w + 2) - w;
			} else if (k < 92) {
				s = 0;
			} else {
				s = snd - r.range(0, 8);
			}
			if (!esn)
				s = uint32_t(s);
			if (b.packet(s, forge)) {
				recent.push_back(s);
				snd = std::max(snd, s); // a far-ahead number the sender sent
			}
			if (recent.size() > 256)
				recent.erase(recent.begin(), recent.begin() + 128);
			if (!esn && snd >= K32)
				break; // the sender must rekey
		}
	}
}

// infer_seq alone: random and boundary tops, low halves around the bottom.
void infer_only(Bench &b, stream_tb::Rng &r, uint64_t cases)
{
	auto &m = b.m;
	for (uint64_t i = 0; i < cases; i++) {
		unsigned w = r.chance(50) ? r.range(0, REPLAY_MAX) : 1u << r.range(0, 10);
		uint32_t th = r.chance(20) ? uint32_t(r.range(0, 2)) - 1 : uint32_t(r.next());
		uint32_t tl;
		switch (r.range(0, 3)) {
		case 0:
			tl = r.range(0, w + 1);
			break;
		case 1:
			tl = uint32_t(0) - r.range(0, w + 1);
			break;
		default:
			tl = uint32_t(r.next());
		}
		uint64_t top = uint64_t(th) << 32 | tl;
		uint32_t bottom = tl - (w ? w : 1) + 1;
		uint32_t lo = r.chance(50) ? bottom + r.range(0, 4) - 2 : uint32_t(r.next());
		bool esn = r.chance(85);
		m.f_top_i = top;
		m.f_seq_lo_i = lo;
		m.f_w_i = uint16_t(w);
		m.f_esn_i = esn;
		// A word whose tag is the block of one of the candidates (or none),
		// its bit of lo set or not, for the split check (infer_c).
		uint32_t cand[4] = {0, th, th + 1, th - 1};
		uint32_t hi = r.chance(80) ? cand[r.range(0, 3)] : uint32_t(r.next());
		uint32_t tlo = r.chance(80) ? lo >> 11 : uint32_t(r.next()) & 0x1FFFFF;
		uint64_t bits = uint64_t(r.next()) << 32 | uint32_t(r.next());
		if (r.chance(50))
			bits |= uint64_t(1) << (lo & 63);
		// {tag[52:0], bits[63:0]}: tag = {hi, tlo} (32 + 21 bits)
		m.f_word_i[0] = uint32_t(bits);
		m.f_word_i[1] = uint32_t(bits >> 32);
		m.f_word_i[2] = tlo | (hi << 21);
		m.f_word_i[3] = hi >> 11;
		m.eval();
		b.chk.expect(
		    m.f_seq2_o == m.f_seq_o && m.f_ok2_o == m.f_ok_o,
		    "split(top %#llx, lo %#x, w %u, esn %d, tag %#x:%#x): %#llx %d, want %#llx %d",
		    (unsigned long long)top, lo, w, esn, hi, tlo, (unsigned long long)m.f_seq2_o,
		    int(m.f_ok2_o), (unsigned long long)m.f_seq_o, int(m.f_ok_o));
		uint64_t want = ref_infer(top, lo, w, esn);
		b.chk.expect(m.f_seq_o == want,
			     "infer_seq(top %#llx, lo %#x, w %u, esn %d): got %#llx, want %#llx",
			     (unsigned long long)top, lo, w, esn, (unsigned long long)m.f_seq_o,
			     (unsigned long long)want);
	}
}

} // namespace

int main(int argc, char **argv)
{
	uint64_t packets = 200000, seed = 1;
	esp_tb::parse_args(argc, argv, "packets", packets, seed);
	stream_tb::Rng r(seed);
	Bench b;
	b.chk.seed = seed;
	b.m.clk_i = 0;
	b.m.load_i = 0;
	b.m.commit_i = 0;
	b.m.eval();
	directed(b);
	uint64_t directed_n = b.packets;
	random_run(b, r, packets);
	infer_only(b, r, packets);
	std::printf("%llu directed and %llu random packets: %llu accepted, %llu duplicates, %llu "
		    "too old or zero, %llu with the high half misinferred, %llu forged; %llu "
		    "infer_seq cases\n",
		    (unsigned long long)directed_n, (unsigned long long)(b.packets - directed_n),
		    (unsigned long long)b.accepted, (unsigned long long)b.dup,
		    (unsigned long long)b.old, (unsigned long long)b.misinferred,
		    (unsigned long long)b.forged, (unsigned long long)packets);
	b.m.final();
	return b.chk.finish("replay");
}
