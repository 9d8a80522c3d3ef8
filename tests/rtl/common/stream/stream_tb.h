// Helpers shared by the stream-primitive testbenches: random numbers, packing
// bytes into Verilator port types, and a pass/fail tally.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace stream_tb
{

using Bytes = std::vector<uint8_t>;

// xorshift64*: small, seedable, reproducible.
struct Rng {
	uint64_t s;
	explicit Rng(uint64_t seed) : s(seed * 2654435761ull + 88172645463325252ull)
	{
	}
	uint64_t next()
	{
		s ^= s >> 12;
		s ^= s << 25;
		s ^= s >> 27;
		return s * 2685821657736338717ull;
	}
	// Uniform in [lo, hi].
	unsigned range(unsigned lo, unsigned hi)
	{
		return lo + unsigned(next() % (hi - lo + 1));
	}
	bool chance(unsigned percent)
	{
		return next() % 100 < percent;
	}
	Bytes bytes(size_t n)
	{
		Bytes b(n);
		for (auto &c : b)
			c = uint8_t(next() >> 24);
		return b;
	}
};

// Packet length 1..2000, biased towards small and boundary sizes.
inline unsigned random_packet_len(Rng &r, unsigned beat_bytes)
{
	switch (r.range(0, 5)) {
	case 0:
		return r.range(1, 2 * beat_bytes);
	case 1:
		return beat_bytes * r.range(1, 8) - r.range(0, 1);
	case 2:
		return r.range(40, 128);
	default:
		return r.range(1, 2000);
	}
}

// Copy n bytes into a Verilator port (VlWide, QData, IData, ...), zero the rest.
// Verilator keeps ports little-endian on this host, so memory order is byte order.
template <typename Port> void put_bytes(Port &port, const uint8_t *src, size_t n)
{
	std::memset(static_cast<void *>(&port), 0, sizeof(port));
	std::memcpy(static_cast<void *>(&port), src, n < sizeof(port) ? n : sizeof(port));
}
template <typename Port> void get_bytes(const Port &port, uint8_t *dst, size_t n)
{
	std::memcpy(dst, static_cast<const void *>(&port), n);
}
template <typename Port> uint64_t get_u64(const Port &port)
{
	uint64_t v = 0;
	std::memcpy(&v, static_cast<const void *>(&port), sizeof(port) < 8 ? sizeof(port) : 8);
	return v;
}
// Byte mask of the first n lanes, for tkeep ports up to 64 lanes.
inline uint64_t keep_mask(unsigned n)
{
	return n >= 64 ? ~0ull : ((1ull << n) - 1);
}

// Checks the AXI-Stream beat rules this project relies on.
inline const char *beat_error(uint64_t keep, bool last, unsigned lanes)
{
	if (keep == 0)
		return "tkeep == 0";
	uint64_t full = keep_mask(lanes);
	if ((keep & (keep + 1)) != 0 || (keep & ~full) != 0)
		return "tkeep not contiguous from lane 0";
	if (!last && keep != full)
		return "partial beat without tlast";
	return nullptr;
}

struct Tally {
	int passed = 0, failed = 0;
	void check(bool ok, const char *name)
	{
		std::printf("%s %s\n", ok ? "PASS" : "FAIL", name);
		(ok ? passed : failed)++;
	}
	int finish() const
	{
		std::printf("%d passed, %d failed\n", passed, failed);
		return failed ? 1 : 0;
	}
};

} // namespace stream_tb
