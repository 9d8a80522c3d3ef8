// Testbench for pkt_commit_fifo: random packets written with commits that
// drop, cut, clamp, overwrite header bytes and carry metadata; commits come in
// the last beat's cycle or later; random backpressure on both sides.
#include "Vpkt_commit_fifo.h"
#include "stream/stream_tb.h"
#include "verilated.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <string>

using namespace stream_tb;

namespace
{

constexpr unsigned W = sizeof(Vpkt_commit_fifo::s_axis_tdata);

struct Commit {
	bool drop = false;
	unsigned len = 0;
	Bytes hdr = Bytes(64);
	uint64_t mask = 0;
	uint32_t meta = 0;
};

struct Expected {
	Bytes data;
	uint32_t meta;
};

struct Config {
	unsigned packets, in_pct, out_pct, commit_pct;
	uint64_t seed;
	bool small = false; // throughput run: 1..3 beat packets, all kept
};

bool run(const Config &cfg, uint64_t *cycles_out = nullptr, uint64_t *beats_out = nullptr)
{
	std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
	std::unique_ptr<Vpkt_commit_fifo> top{new Vpkt_commit_fifo{ctx.get()}};
	auto &t = *top;
	Rng r(cfg.seed);
	auto tick = [&] {
		t.clk_i = 1;
		t.eval();
		t.clk_i = 0;
		t.eval();
	};

	std::deque<Bytes> ins;
	std::deque<Commit> commits;
	std::deque<Expected> expect;
	uint64_t out_beats = 0;
	for (unsigned i = 0; i < cfg.packets; i++) {
		Bytes p(cfg.small ? r.range(1, 3 * W) : random_packet_len(r, W));
		for (auto &b : p)
			b = uint8_t(r.next());
		Commit c;
		for (auto &b : c.hdr)
			b = uint8_t(r.next());
		c.meta = uint32_t(r.next());
		unsigned n = unsigned(p.size());
		if (cfg.small) {
			c.len = n;
			c.mask = r.next();
		} else {
			c.drop = r.chance(15);
			switch (r.range(0, 5)) {
			case 0:
				c.len = n;
				break;
			case 1:
				c.len = r.range(0, n);
				break; // cut trailing bytes
			case 2:
				c.len = n + r.range(1, 100);
				break; // clamped to n
			case 3:
				c.len = r.chance(50) ? 0 : 1;
				break;
			default:
				c.len = n - std::min(n - 1, r.range(0, 20));
				break;
			}
			switch (r.range(0, 3)) {
			case 0:
				c.mask = 0;
				break;
			case 1:
				c.mask = ~0ull;
				break;
			default:
				c.mask = r.next();
				break;
			}
		}
		unsigned out_len = std::min(c.len, n);
		if (!c.drop && out_len > 0) {
			Expected e{Bytes(p.begin(), p.begin() + out_len), c.meta};
			for (unsigned k = 0; k < out_len && k < 64; k++)
				if (c.mask >> k & 1)
					e.data[k] = c.hdr[k];
			out_beats += (out_len + W - 1) / W;
			expect.push_back(e);
		}
		ins.push_back(p);
		commits.push_back(c);
	}

	t.rst_ni = 0;
	t.s_axis_tvalid = 0;
	t.commit_valid_i = 0;
	t.m_axis_tready = 0;
	tick();
	tick();
	t.rst_ni = 1;
	t.eval();
	const unsigned empty_free = t.free_beats_o;

	size_t off = 0;
	unsigned completed = 0; // packets whose last beat has been written
	Bytes got;
	bool ok = true;
	uint64_t cycles = 0, idle = 0;
	unsigned received = 0;
	while ((!ins.empty() || !expect.empty() || !commits.empty()) && ok) {
		bool in_v = !ins.empty() && r.chance(cfg.in_pct);
		t.s_axis_tvalid = in_v;
		unsigned n = 0;
		if (in_v) {
			n = unsigned(std::min<size_t>(W, ins.front().size() - off));
			put_bytes(t.s_axis_tdata, ins.front().data() + off, n);
			t.s_axis_tkeep = keep_mask(n);
			t.s_axis_tlast = off + n == ins.front().size();
		}
		t.m_axis_tready = r.chance(cfg.out_pct);
		t.eval();
		bool in_fire = in_v && t.s_axis_tready;
		bool last_now = in_fire && t.s_axis_tlast;
		// A commit may go with its packet's last beat or any cycle after it.
		bool commit_v = !commits.empty() &&
				(completed > 0 || (completed == 0 && last_now)) &&
				r.chance(cfg.commit_pct);
		t.commit_valid_i = commit_v;
		if (commit_v) {
			const Commit &c = commits.front();
			t.commit_drop_i = c.drop;
			t.commit_len_i = c.len;
			put_bytes(t.commit_hdr_i, c.hdr.data(), 64);
			t.commit_hdr_mask_i = c.mask;
			t.commit_meta_i = c.meta;
		}
		t.eval();
		bool commit_fire = commit_v && t.commit_ready_o;
		if (commit_v && !t.commit_ready_o) {
			std::printf("  commit not ready\n");
			ok = false;
		}
		if (t.m_axis_tvalid && t.m_axis_tready) {
			idle = 0;
			Bytes beat(W);
			get_bytes(t.m_axis_tdata, beat.data(), W);
			uint64_t keep = get_u64(t.m_axis_tkeep);
			bool last = t.m_axis_tlast;
			if (const char *e = beat_error(keep, last, W)) {
				std::printf("  packet %u: %s\n", received, e);
				ok = false;
			}
			if (expect.empty()) {
				std::printf("  unexpected output\n");
				ok = false;
				break;
			}
			if (t.m_meta_o != expect.front().meta) {
				std::printf("  packet %u: meta differs\n", received);
				ok = false;
			}
			got.insert(got.end(), beat.begin(),
				   beat.begin() + __builtin_popcountll(keep));
			if (last) {
				if (got != expect.front().data) {
					std::printf(
					    "  packet %u differs: got %zu bytes, want %zu\n",
					    received, got.size(), expect.front().data.size());
					ok = false;
				}
				expect.pop_front();
				got.clear();
				received++;
			}
		} else if (++idle > 20000) {
			std::printf("  hang: %zu in, %zu commits, %zu out left\n", ins.size(),
				    commits.size(), expect.size());
			ok = false;
		}
		tick();
		cycles++;
		if (in_fire) {
			off += n;
			if (off == ins.front().size()) {
				ins.pop_front();
				off = 0;
				completed++;
			}
		}
		if (commit_fire) {
			commits.pop_front();
			completed--;
		}
	}
	for (int i = 0; i < 20 && ok; i++) {
		t.s_axis_tvalid = 0;
		t.commit_valid_i = 0;
		t.m_axis_tready = 1;
		t.eval();
		if (t.m_axis_tvalid) {
			std::printf("  output after the last packet\n");
			ok = false;
		}
		tick();
	}
	if (ok && t.free_beats_o != empty_free) {
		std::printf("  free_beats_o %u after draining, %u after reset\n",
			    unsigned(t.free_beats_o), empty_free);
		ok = false;
	}
	if (cycles_out)
		*cycles_out = cycles;
	if (beats_out)
		*beats_out = out_beats;
	return ok;
}

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	Tally tally;
	std::printf("pkt_commit_fifo DATA_W=%u\n", W * 8);
	struct Case {
		const char *name;
		unsigned in_pct, out_pct, commit_pct;
	} cases[] = {{"no backpressure, prompt commits", 100, 100, 100},
		     {"late commits", 100, 100, 20},
		     {"output backpressure", 100, 25, 80},
		     {"input gaps", 30, 100, 100},
		     {"both sides", 50, 50, 50}};
	const unsigned n = W >= 64 ? 1000 : 1500;
	uint64_t seed = 1;
	for (const Case &c : cases) {
		for (int rep = 0; rep < 2; rep++) {
			std::string name = std::string(c.name) + " seed " + std::to_string(seed);
			tally.check(run({n, c.in_pct, c.out_pct, c.commit_pct, seed}),
				    name.c_str());
			seed++;
		}
	}
	uint64_t cycles = 0, beats = 0;
	bool ok = run({3000, 100, 100, 100, 42, true}, &cycles, &beats);
	std::printf("throughput: 3000 packets of 1..%u bytes, %llu beats in %llu cycles: "
		    "%.3f cycles/packet, ratio to one beat per cycle %.4f\n",
		    3 * W, (unsigned long long)beats, (unsigned long long)cycles,
		    double(cycles) / 3000, double(cycles) / double(beats));
	tally.check(ok && double(cycles) / double(beats) < 1.01, "one beat per cycle");
	return tally.finish();
}
