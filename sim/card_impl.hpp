// card_impl.hpp: the card model behind espnic_model.h: byte queues on the
// stream ports, register access, cycle counting, over one Verilated top. The
// template is instantiated once per data path width (card_w128.cpp, ...).
#ifndef ESPNIC_CARD_IMPL_HPP
#define ESPNIC_CARD_IMPL_HPP

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <verilated.h>
#include <verilated_fst_c.h>

#include "espnic_model.h"

namespace espnic
{

struct frame {
	std::vector<uint8_t> bytes;
	uint64_t first = 0, last = 0;
};

// One input port: frames waiting, and how far into the head frame we are.
// rate > 0 paces the port as a MAC: a frame starts no earlier than `next`,
// the cycle its predecessor's wire time (length + 4 FCS + 20 preamble and
// gap, at rate bytes per cycle) ends.
struct in_port {
	std::deque<std::vector<uint8_t>> q;
	size_t off = 0;
	unsigned offer = 1000;
	uint64_t beats = 0;
	double rate = 0;
	double next = 0;
};

// Bytes a frame occupies on an Ethernet wire besides its own: FCS, preamble
// and start delimiter, inter-frame gap.
constexpr unsigned WIRE_OVERHEAD = 4 + 8 + 12;

// One output port: frames done, and the one being assembled.
struct out_port {
	std::deque<frame> q;
	frame cur;
	bool in_frame = false;
	unsigned ready = 1000;
	uint64_t beats = 0;
};

struct card {
	virtual ~card() = default;
	virtual unsigned width() const = 0;
	virtual void reset() = 0;
	virtual void step(uint64_t n) = 0;
	virtual uint32_t reg_read(uint32_t off) = 0;
	virtual void reg_write(uint32_t off, uint32_t v) = 0;
	virtual bool event_pending() const = 0;

	in_port in[2];
	out_port out[2];
	uint64_t cycles = 0;
	uint64_t quiet = 0;
	uint64_t rng = 0x9E3779B97F4A7C15ull;

	// A paced port's head frame may not start yet (its wire time has not come).
	bool held(const in_port &p) const
	{
		return p.off == 0 && p.rate > 0 && (double)cycles < p.next;
	}

	// Port p's head frame (len bytes) starts: its wire time begins at `next`
	// when it is late by less than a cycle (a frame starts at a whole cycle:
	// rounding must not slow the wire), at this cycle when the wire was idle.
	void pace(in_port &p, size_t len) const
	{
		if (p.off != 0 || p.rate <= 0)
			return;
		double now = (double)cycles;
		double start = now - p.next < 1.0 ? p.next : now;
		p.next = start + (double)(len + WIRE_OVERHEAD) / p.rate;
	}

	bool chance(unsigned permille)
	{
		if (permille >= 1000)
			return true;
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		return rng % 1000 < permille;
	}
};

// Word access to a port of W bits whatever type Verilator chose for it.
template <size_t N> inline void put_word(VlWide<N> &w, size_t i, uint32_t v)
{
	w[i] = v;
}
template <size_t N> inline uint32_t get_word(const VlWide<N> &w, size_t i)
{
	return w[i];
}

template <class V, unsigned W> struct card_impl final : card {
	static constexpr unsigned BYTES = W / 8;
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<V> top;
	std::unique_ptr<VerilatedFstC> trace;

	explicit card_impl(const char *trace_path)
	{
		ctx = std::make_unique<VerilatedContext>();
		ctx->traceEverOn(trace_path != nullptr);
		top = std::make_unique<V>(ctx.get());
		if (trace_path) {
			trace = std::make_unique<VerilatedFstC>();
			top->trace(trace.get(), 99);
			trace->open(trace_path);
		}
		reset();
	}

	~card_impl() override
	{
		if (trace)
			trace->close();
		top->final();
	}

	unsigned width() const override
	{
		return W;
	}

	// A clock edge outside step() (register access, reset): no stream
	// handshake may happen here, or a beat would be lost.
	void tick()
	{
		top->s_host_tvalid = 0;
		top->s_wire_tvalid = 0;
		top->m_host_tready = 0;
		top->m_wire_tready = 0;
		top->clk_i = 0;
		top->eval();
		if (trace)
			trace->dump(ctx->time());
		ctx->timeInc(1);
		top->clk_i = 1;
		top->eval();
		if (trace)
			trace->dump(ctx->time());
		ctx->timeInc(1);
		cycles++;
	}

	void reset() override
	{
		top->rst_ni = 0;
		top->reg_we_i = 0;
		top->reg_re_i = 0;
		top->s_host_tvalid = 0;
		top->s_wire_tvalid = 0;
		top->m_host_tready = 0;
		top->m_wire_tready = 0;
		for (int i = 0; i < 4; i++)
			tick();
		top->rst_ni = 1;
		tick();
	}

	// Present the next beat of port p's head frame, if offered this cycle.
	template <class D, class K>
	bool drive_in(in_port &p, D &tdata, K &tkeep, uint8_t &tlast, uint8_t &tvalid)
	{
		tvalid = 0;
		if (p.q.empty() || held(p) || !chance(p.offer))
			return false;
		const std::vector<uint8_t> &f = p.q.front();
		size_t n = f.size() - p.off < BYTES ? f.size() - p.off : BYTES;
		for (size_t w = 0; w < BYTES / 4; w++) {
			uint32_t v = 0;
			for (size_t b = 0; b < 4; b++) {
				size_t k = w * 4 + b;
				if (k < n)
					v |= (uint32_t)f[p.off + k] << (8 * b);
			}
			put_word(tdata, w, v);
		}
		tkeep = (K)(n == 64 ? ~0ull : ((1ull << n) - 1));
		tlast = p.off + n == f.size();
		tvalid = 1;
		return true;
	}

	void advance_in(in_port &p)
	{
		const std::vector<uint8_t> &f = p.q.front();
		pace(p, f.size());
		p.off += BYTES;
		p.beats++;
		if (p.off >= f.size()) {
			p.q.pop_front();
			p.off = 0;
		}
	}

	template <class D, class K> void take_out(out_port &p, const D &tdata, K tkeep, bool tlast)
	{
		if (!p.in_frame) {
			p.cur = frame();
			p.cur.first = cycles;
			p.in_frame = true;
		}
		for (size_t k = 0; k < BYTES; k++)
			if (((uint64_t)tkeep >> k) & 1)
				p.cur.bytes.push_back(
				    (uint8_t)(get_word(tdata, k / 4) >> (8 * (k % 4))));
		p.beats++;
		if (tlast) {
			p.cur.last = cycles;
			p.q.push_back(std::move(p.cur));
			p.in_frame = false;
		}
	}

	void step(uint64_t n) override
	{
		for (uint64_t i = 0; i < n; i++) {
			bool hv =
			    drive_in(in[ESPNIC_PORT_HOST], top->s_host_tdata, top->s_host_tkeep,
				     top->s_host_tlast, top->s_host_tvalid);
			bool wv =
			    drive_in(in[ESPNIC_PORT_WIRE], top->s_wire_tdata, top->s_wire_tkeep,
				     top->s_wire_tlast, top->s_wire_tvalid);
			top->m_host_tready = chance(out[ESPNIC_PORT_HOST].ready);
			top->m_wire_tready = chance(out[ESPNIC_PORT_WIRE].ready);
			top->clk_i = 0;
			top->eval();
			// Sample handshakes before the edge. The wire is never held
			// off: the card takes every beat (a frame that does not fit in
			// its input buffer is dropped there and counted).
			bool h_in = hv && top->s_host_tready;
			bool w_in = wv;
			bool h_out = top->m_host_tvalid && top->m_host_tready;
			bool w_out = top->m_wire_tvalid && top->m_wire_tready;
			if (h_out)
				take_out(out[ESPNIC_PORT_HOST], top->m_host_tdata,
					 top->m_host_tkeep, top->m_host_tlast);
			if (w_out)
				take_out(out[ESPNIC_PORT_WIRE], top->m_wire_tdata,
					 top->m_wire_tkeep, top->m_wire_tlast);
			if (h_in)
				advance_in(in[ESPNIC_PORT_HOST]);
			if (w_in)
				advance_in(in[ESPNIC_PORT_WIRE]);
			quiet = (h_in || w_in || h_out || w_out || top->busy_o) ? 0 : quiet + 1;
			if (trace)
				trace->dump(ctx->time());
			ctx->timeInc(1);
			top->clk_i = 1;
			top->eval();
			if (trace)
				trace->dump(ctx->time());
			ctx->timeInc(1);
			cycles++;
			top->s_host_tvalid = 0;
			top->s_wire_tvalid = 0;
		}
	}

	bool event_pending() const override
	{
		return top->event_pending_o;
	}

	uint32_t reg_read(uint32_t off) override
	{
		top->reg_re_i = 1;
		top->reg_addr_i = (uint16_t)off;
		tick();
		top->reg_re_i = 0;
		return top->reg_rdata_o;
	}

	void reg_write(uint32_t off, uint32_t v) override
	{
		top->reg_we_i = 1;
		top->reg_addr_i = (uint16_t)off;
		top->reg_wdata_i = v;
		tick();
		top->reg_we_i = 0;
	}
};

// Factories, one per width this library was built with.
card *make_card_w128(const char *trace_path);
card *make_card_w512(const char *trace_path);

} // namespace espnic

#endif
