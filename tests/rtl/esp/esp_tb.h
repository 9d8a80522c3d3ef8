// Helpers shared by the ESP block testbenches (tests/rtl/esp): the command
// line (--seed S and one count), clock and reset, the tally of checks and the
// stop at the first mismatch, an AXI-Stream source that holds a beat until it
// is taken, and readiness that changes its rate in phases.
#pragma once
#include "stream/stream_tb.h"
#include "verilated.h"

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

namespace esp_tb
{

// Reads "--seed S" and "--<count_name> N" (both optional), prints them, and
// hands the arguments to Verilator.
inline void parse_args(int argc, char **argv, const char *count_name, uint64_t &count,
		       uint64_t &seed)
{
	std::string want = std::string("--") + count_name;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (i + 1 < argc && a == "--seed") {
			seed = std::strtoull(argv[++i], nullptr, 0);
		} else if (i + 1 < argc && a == want) {
			count = std::strtoull(argv[++i], nullptr, 0);
		} else if (a.rfind("+verilator", 0) != 0) {
			std::fprintf(stderr, "usage: %s [%s N] [--seed S]\n", argv[0],
				     want.c_str());
			std::exit(2);
		}
	}
	std::printf("%s: seed %llu, %s %llu\n", argv[0], (unsigned long long)seed, count_name,
		    (unsigned long long)count);
	std::fflush(stdout);
	Verilated::commandArgs(argc, argv);
}

// One rising edge of clk_i: the inputs set before it are sampled, the
// outputs have settled after it.
template <typename M> void tick(M &m)
{
	m.clk_i = 1;
	m.eval();
	m.clk_i = 0;
	m.eval();
}

// Four cycles with rst_ni low (the caller has set the valid and ready inputs).
template <typename M> void reset(M &m)
{
	m.clk_i = 0;
	m.rst_ni = 0;
	for (int i = 0; i < 4; i++)
		tick(m);
	m.rst_ni = 1;
}

// Counts checks; the first failed one ends the run with its message.
struct Checker {
	uint64_t checks = 0;
	uint64_t seed = 0;
	__attribute__((format(printf, 3, 4))) void expect(bool ok, const char *fmt, ...)
	{
		checks++;
		if (ok)
			return;
		std::fflush(stdout);
		std::va_list ap;
		va_start(ap, fmt);
		std::fprintf(stderr, "MISMATCH (seed %llu, check %llu): ", (unsigned long long)seed,
			     (unsigned long long)checks);
		std::vfprintf(stderr, fmt, ap);
		va_end(ap);
		std::fputc('\n', stderr);
		std::exit(1);
	}
	int finish(const char *what) const
	{
		std::printf("PASS %s: %llu checks\n", what, (unsigned long long)checks);
		return 0;
	}
};

// A rate in percent that holds for a random number of cycles, from always
// to rarely, so queues both fill and drain.
struct Throttle {
	unsigned pct = 100, left = 0;
	bool next(stream_tb::Rng &r)
	{
		static const unsigned rates[] = {100, 100, 95, 70, 40, 10};
		if (left == 0) {
			pct = rates[r.range(0, 5)];
			left = r.range(20, 2000);
		}
		left--;
		return r.chance(pct);
	}
};

// One beat: its bytes (those past tkeep random), lane count, tlast, tuser.
struct Beat {
	uint8_t data[64];
	unsigned n;
	bool last, user;
};

// Offers the frames' beats in order, AXI-Stream style: a beat offered stays
// offered, unchanged, until taken. tuser is random on every beat.
struct Source {
	unsigned lanes;
	std::deque<stream_tb::Bytes> frames;
	size_t off = 0;
	bool valid = false;
	Beat beat{};
	explicit Source(unsigned lanes_) : lanes(lanes_)
	{
	}
	void step(stream_tb::Rng &r, Throttle &rate)
	{
		if (valid || frames.empty() || !rate.next(r))
			return;
		const stream_tb::Bytes &f = frames.front();
		beat.n = unsigned(std::min<size_t>(lanes, f.size() - off));
		for (unsigned i = 0; i < lanes; i++)
			beat.data[i] = i < beat.n ? f[off + i] : uint8_t(r.next() >> 40);
		beat.last = off + beat.n == f.size();
		beat.user = r.chance(50);
		valid = true;
	}
	template <typename D, typename K> void drive(D &tdata, K &tkeep) const
	{
		uint64_t keep = stream_tb::keep_mask(beat.n);
		stream_tb::put_bytes(tdata, beat.data, lanes);
		stream_tb::put_bytes(tkeep, reinterpret_cast<const uint8_t *>(&keep), lanes / 8);
	}
	// The offered beat was taken; true when it ended its frame.
	bool taken()
	{
		valid = false;
		off += beat.n;
		if (!beat.last)
			return false;
		frames.pop_front();
		off = 0;
		return true;
	}
};

} // namespace esp_tb
