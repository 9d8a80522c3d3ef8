// Testbench for axis_rehead: random packets and commands against a software
// reference, random backpressure on both sides, and a throughput check.
#include "Vaxis_rehead.h"
#include "stream/stream_tb.h"
#include "verilated.h"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>

using namespace stream_tb;

namespace
{

constexpr unsigned kHdrMax = 96;
constexpr unsigned kTailMax = 8;

struct Command {
	unsigned strip = 0, hdr_len = 0, keep_len = 0, tail_len = 0;
	bool drop = false;
	Bytes hdr = Bytes(kHdrMax), tail = Bytes(kTailMax);
};

struct Packet {
	Bytes data;
	bool user = false;
};

// Reference model: the output packet, or nothing (dropped or empty).
bool reference(const Command &c, const Packet &in, Packet &out)
{
	if (c.drop)
		return false;
	out.data.assign(c.hdr.begin(), c.hdr.begin() + c.hdr_len);
	size_t end = size_t(c.strip) + c.keep_len;
	for (size_t i = c.strip; i < std::min(end, in.data.size()); i++)
		out.data.push_back(in.data[i]);
	out.data.insert(out.data.end(), c.tail.begin(), c.tail.begin() + c.tail_len);
	out.user = in.data.size() < end ? true : in.user;
	return !out.data.empty();
}

Command random_command(Rng &r, unsigned len)
{
	Command c;
	for (auto &b : c.hdr)
		b = uint8_t(r.next());
	for (auto &b : c.tail)
		b = uint8_t(r.next());
	switch (r.range(0, 9)) {
	case 0:
		c.strip = 0;
		break;
	case 1:
		c.strip = 255;
		break;
	case 2:
		c.strip = std::min(len, 255u);
		break;
	default:
		c.strip = r.range(0, std::min(len + 16, 255u));
		break;
	}
	switch (r.range(0, 6)) {
	case 0:
		c.hdr_len = 0;
		break;
	case 1:
		c.hdr_len = kHdrMax;
		break;
	default:
		c.hdr_len = r.range(0, kHdrMax);
		break;
	}
	unsigned rest = len > c.strip ? len - c.strip : 0;
	switch (r.range(0, 7)) {
	case 0:
		c.keep_len = 0;
		break;
	case 1:
		c.keep_len = 65535;
		break;
	case 2:
		c.keep_len = rest + r.range(1, 40);
		break; // beyond the input: truncated
	case 3:
		c.keep_len = rest;
		break;
	default:
		c.keep_len = r.range(0, rest);
		break; // trailing bytes discarded
	}
	c.tail_len = r.chance(50) ? 0 : r.range(0, kTailMax);
	c.drop = r.chance(5);
	return c;
}

struct Harness {
	std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
	std::unique_ptr<Vaxis_rehead> top{new Vaxis_rehead{ctx.get()}};
	static constexpr unsigned W = sizeof(Vaxis_rehead::s_axis_tdata);
	uint64_t cycles = 0;

	void reset()
	{
		top->rst_ni = 0;
		top->cmd_valid_i = 0;
		top->s_axis_tvalid = 0;
		top->m_axis_tready = 0;
		for (int i = 0; i < 4; i++)
			tick();
		top->rst_ni = 1;
		cycles = 0;
	}
	void tick()
	{
		top->clk_i = 1;
		top->eval();
		top->clk_i = 0;
		top->eval();
		cycles++;
	}
};

struct RunConfig {
	unsigned packets;
	unsigned in_valid_pct, out_ready_pct, cmd_valid_pct;
	uint64_t seed;
	bool fixed_small = false; // throughput test: fixed small packets and commands
};

// Runs one stream through the DUT; returns true when the output matches.
bool run(const RunConfig &cfg, uint64_t *cycles_out = nullptr, double *ideal_out = nullptr)
{
	Harness h;
	const unsigned W = Harness::W;
	Rng r(cfg.seed);
	std::deque<Command> cmds;
	std::deque<Packet> ins;
	std::deque<Packet> expect;
	double ideal = 0;
	for (unsigned i = 0; i < cfg.packets; i++) {
		Packet p;
		Command c;
		if (cfg.fixed_small) {
			// ESP-decap-like: strip 14+20+8 bytes, new 14-byte header, 4-byte tail.
			p.data.resize(r.range(64, 64 + 2 * W));
			for (auto &b : p.data)
				b = uint8_t(r.next());
			for (auto &b : c.hdr)
				b = uint8_t(r.next());
			c.strip = 42;
			c.hdr_len = 14;
			c.keep_len = unsigned(p.data.size()) - 42 - 16;
			c.tail_len = 4;
		} else {
			p.data.resize(random_packet_len(r, W));
			for (auto &b : p.data)
				b = uint8_t(r.next());
			p.user = r.chance(20);
			c = random_command(r, unsigned(p.data.size()));
		}
		Packet o;
		unsigned in_beats = unsigned((p.data.size() + W - 1) / W);
		unsigned out_beats = 0;
		if (reference(c, p, o)) {
			out_beats = unsigned((o.data.size() + W - 1) / W);
			expect.push_back(o);
		}
		ideal += std::max(in_beats, out_beats);
		cmds.push_back(c);
		ins.push_back(p);
	}

	h.reset();
	auto &t = *h.top;
	size_t in_off = 0; // byte offset in ins.front()
	Bytes got;	   // output packet being collected
	bool ok = true;
	unsigned received = 0;
	bool stalled_valid = false; // output held from the previous cycle
	Bytes held(W);
	uint64_t held_keep = 0;
	bool held_last = false, held_user = false;
	uint64_t idle = 0;

	while ((!ins.empty() || !expect.empty()) && ok) {
		// Drive inputs.
		bool cmd_v = !cmds.empty() && r.chance(cfg.cmd_valid_pct);
		t.cmd_valid_i = cmd_v;
		if (cmd_v) {
			const Command &c = cmds.front();
			t.cmd_strip_i = c.strip;
			put_bytes(t.cmd_hdr_i, c.hdr.data(), kHdrMax);
			t.cmd_hdr_len_i = c.hdr_len;
			t.cmd_keep_len_i = c.keep_len;
			put_bytes(t.cmd_tail_i, c.tail.data(), kTailMax);
			t.cmd_tail_len_i = c.tail_len;
			t.cmd_drop_i = c.drop;
		}
		bool in_v = !ins.empty() && r.chance(cfg.in_valid_pct);
		t.s_axis_tvalid = in_v;
		if (in_v) {
			const Packet &p = ins.front();
			unsigned n = unsigned(std::min<size_t>(W, p.data.size() - in_off));
			put_bytes(t.s_axis_tdata, p.data.data() + in_off, n);
			t.s_axis_tkeep = keep_mask(n);
			t.s_axis_tlast = in_off + n == p.data.size();
			t.s_axis_tuser = t.s_axis_tlast ? p.user : r.chance(50);
		} else {
			put_bytes(t.s_axis_tdata, held.data(), 0); // junk-free idle bus
		}
		t.m_axis_tready = r.chance(cfg.out_ready_pct);
		t.eval();

		if (getenv("TB_DEBUG") && in_v && !t.s_axis_tready)
			std::printf("  stall cycle %llu: input len %zu off %zu, cmd queue %zu\n",
				    (unsigned long long)h.cycles, ins.front().data.size(), in_off,
				    cmds.size());
		bool cmd_fire = cmd_v && t.cmd_ready_o;
		bool in_fire = in_v && t.s_axis_tready;
		bool out_valid = t.m_axis_tvalid;
		bool out_fire = out_valid && t.m_axis_tready;
		Bytes beat(W);
		uint64_t keep = 0;
		bool last = false, user = false;
		if (out_valid) {
			get_bytes(t.m_axis_tdata, beat.data(), W);
			keep = get_u64(t.m_axis_tkeep);
			last = t.m_axis_tlast;
			user = t.m_axis_tuser;
			if (stalled_valid &&
			    (keep != held_keep || last != held_last || user != held_user ||
			     !std::equal(beat.begin(), beat.begin() + __builtin_popcountll(keep),
					 held.begin()))) {
				std::printf("  output changed while stalled\n");
				ok = false;
			}
		} else if (stalled_valid) {
			std::printf("  tvalid dropped while stalled\n");
			ok = false;
		}
		stalled_valid = out_valid && !out_fire;
		held = beat;
		held_keep = keep;
		held_last = last;
		held_user = user;
		h.tick();

		if (cmd_fire)
			cmds.pop_front();
		if (in_fire) {
			in_off += W;
			if (in_off >= ins.front().data.size()) {
				ins.pop_front();
				in_off = 0;
			}
		}
		if (out_fire) {
			idle = 0;
			if (const char *e = beat_error(keep, last, W)) {
				std::printf("  packet %u: %s\n", received, e);
				ok = false;
				break;
			}
			unsigned n = unsigned(__builtin_popcountll(keep));
			got.insert(got.end(), beat.begin(), beat.begin() + n);
			if (last) {
				if (expect.empty()) {
					std::printf("  unexpected extra packet\n");
					ok = false;
					break;
				}
				const Packet &e = expect.front();
				if (got != e.data || user != e.user) {
					std::printf("  packet %u mismatch: got %zu bytes user %d, "
						    "want %zu bytes user %d\n",
						    received, got.size(), user, e.data.size(),
						    e.user);
					for (size_t i = 0; i < std::min(got.size(), e.data.size());
					     i++) {
						if (got[i] != e.data[i]) {
							std::printf(
							    "  first difference at byte %zu\n", i);
							break;
						}
					}
					ok = false;
				}
				expect.pop_front();
				got.clear();
				received++;
			}
		} else if (++idle > 10000) {
			std::printf("  hang: %zu inputs and %zu outputs left\n", ins.size(),
				    expect.size());
			ok = false;
		}
	}
	// Drain: nothing more may come out.
	for (int i = 0; i < 50 && ok; i++) {
		t.m_axis_tready = 1;
		t.s_axis_tvalid = 0;
		t.cmd_valid_i = 0;
		t.eval();
		if (t.m_axis_tvalid) {
			std::printf("  output after the last expected packet\n");
			ok = false;
		}
		h.tick();
	}
	if (cycles_out)
		*cycles_out = h.cycles;
	if (ideal_out)
		*ideal_out = ideal;
	return ok;
}

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	const unsigned W = Harness::W;
	std::printf("axis_rehead DATA_W=%u\n", W * 8);
	Tally tally;
	const unsigned n = W >= 64 ? 1500 : 3000;
	struct Case {
		const char *name;
		unsigned in_pct, out_pct, cmd_pct;
	} cases[] = {
	    {"random, no backpressure", 100, 100, 100},	   {"random, input gaps", 40, 100, 100},
	    {"random, output backpressure", 100, 35, 100}, {"random, both sides", 60, 60, 50},
	    {"random, slow commands", 100, 90, 10},
	};
	uint64_t seed = 1;
	for (const Case &c : cases) {
		for (int rep = 0; rep < 2; rep++) {
			std::string name = std::string(c.name) + " seed " + std::to_string(seed);
			tally.check(run({n, c.in_pct, c.out_pct, c.cmd_pct, seed}), name.c_str());
			seed++;
		}
	}

	// Throughput: back-to-back small packets, no backpressure.
	uint64_t cycles = 0;
	double ideal = 0;
	const unsigned tp_packets = 2000;
	bool ok = run({tp_packets, 100, 100, 100, 99, true}, &cycles, &ideal);
	cycles -= 50; // drain loop
	double ratio = double(cycles) / ideal;
	std::printf(
	    "throughput: %u packets (64..%u bytes, strip 42, hdr 14, tail 4) in %llu cycles: "
	    "%.3f cycles/packet, ideal %.3f, ratio %.4f\n",
	    tp_packets, 64 + 2 * W, (unsigned long long)cycles, double(cycles) / tp_packets,
	    ideal / tp_packets, ratio);
	tally.check(ok && ratio < 1.01, "throughput within 1% of one beat per cycle");
	// Throughput: random commands (headers to 96 bytes, tails), no backpressure.
	ok = run({2000, 100, 100, 100, 77}, &cycles, &ideal);
	cycles -= 50;
	std::printf("throughput, random commands: %.3f cycles/packet, ideal %.3f, ratio %.4f\n",
		    double(cycles) / 2000, ideal / 2000, double(cycles) / ideal);
	tally.check(ok, "random commands at full rate");
	return tally.finish();
}
