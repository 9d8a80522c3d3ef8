// Testbench for axis_fifo (and the sync_fifo inside it): random beats with
// random backpressure on both sides against a software queue; count_o and
// the full-rate case are checked.
#include "Vaxis_fifo.h"
#include "stream/stream_tb.h"
#include "verilated.h"

#include <deque>
#include <memory>
#include <string>

using namespace stream_tb;

namespace
{

constexpr unsigned W = sizeof(Vaxis_fifo::s_axis_tdata);

struct Beat {
	Bytes data = Bytes(W);
	uint64_t keep = 0;
	bool last = false;
	unsigned user = 0;
};

// Pushes `beats` random beats through; returns cycles used, or 0 on failure.
uint64_t run(uint64_t seed, unsigned beats, unsigned in_pct, unsigned out_pct, unsigned depth)
{
	std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
	std::unique_ptr<Vaxis_fifo> top{new Vaxis_fifo{ctx.get()}};
	Rng r(seed);
	auto tick = [&] {
		top->clk_i = 1;
		top->eval();
		top->clk_i = 0;
		top->eval();
	};
	top->rst_ni = 0;
	tick();
	tick();
	top->rst_ni = 1;

	std::deque<Beat> model;
	unsigned sent = 0, received = 0;
	uint64_t cycles = 0, idle = 0;
	Beat next;
	auto make = [&] {
		for (auto &b : next.data)
			b = uint8_t(r.next());
		next.last = r.chance(30);
		next.keep = next.last ? keep_mask(r.range(1, W)) : keep_mask(W);
		next.user = unsigned(r.next() & 1);
	};
	make();
	while (received < beats) {
		bool in_v = sent < beats && r.chance(in_pct);
		top->s_axis_tvalid = in_v;
		put_bytes(top->s_axis_tdata, next.data.data(), W);
		top->s_axis_tkeep = next.keep;
		top->s_axis_tlast = next.last;
		top->s_axis_tuser = next.user;
		top->m_axis_tready = r.chance(out_pct);
		top->eval();
		if (top->count_o != model.size()) {
			std::printf("  count_o %u, model %zu\n", unsigned(top->count_o),
				    model.size());
			return 0;
		}
		if (model.size() < depth && !top->s_axis_tready) {
			std::printf("  not ready with %zu of %u words\n", model.size(), depth);
			return 0;
		}
		bool in_fire = in_v && top->s_axis_tready;
		bool out_fire = top->m_axis_tvalid && top->m_axis_tready;
		if (out_fire) {
			idle = 0;
			Beat got;
			get_bytes(top->m_axis_tdata, got.data.data(), W);
			got.keep = get_u64(top->m_axis_tkeep);
			got.last = top->m_axis_tlast;
			got.user = top->m_axis_tuser;
			if (model.empty()) {
				std::printf("  output from an empty FIFO\n");
				return 0;
			}
			const Beat &e = model.front();
			if (got.data != e.data || got.keep != e.keep || got.last != e.last ||
			    got.user != e.user) {
				std::printf("  beat %u differs\n", received);
				return 0;
			}
			model.pop_front();
			received++;
		} else if (++idle > 1000) {
			std::printf("  hang\n");
			return 0;
		}
		tick();
		cycles++;
		if (in_fire) {
			model.push_back(next);
			sent++;
			make();
		}
	}
	return cycles;
}

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	Tally tally;
	const unsigned depth = 16; // must match -GDEPTH in CMakeLists.txt
	std::printf("axis_fifo DATA_W=%u DEPTH=%u\n", W * 8, depth);
	struct Case {
		const char *name;
		unsigned in_pct, out_pct;
	} cases[] = {{"full rate", 100, 100},	       {"input gaps", 30, 100},
		     {"output backpressure", 100, 30}, {"both sides", 50, 50},
		     {"fill and drain", 90, 20},       {"mostly empty", 20, 90}};
	uint64_t seed = 1;
	for (const Case &c : cases) {
		tally.check(run(seed++, 20000, c.in_pct, c.out_pct, depth) != 0, c.name);
	}
	uint64_t cycles = run(100, 10000, 100, 100, depth);
	std::printf("throughput: 10000 beats in %llu cycles (ratio %.4f)\n",
		    (unsigned long long)cycles, double(cycles) / 10000);
	tally.check(cycles != 0 && cycles <= 10000 + 3, "one beat per cycle");
	return tally.finish();
}
