// card_alveo.cpp: the OpenNIC plugin (fw/alveo/rtl/espnic_250mhz.sv) behind
// espnic_model.h, with its two clocks. The frames run at the core clock
// (axis_aclk, 4 ns: 250 MHz); the registers are AXI-Lite transactions at
// axil_aclk, whose period ESPNIC_ALVEO_AXIL_PS sets (default 7700 ps, a
// ratio of 1.925 that drifts through every phase; 8000 is the shell's
// phase-aligned 125 MHz). A step is one core clock cycle, with the AXI-Lite
// clock running beside it; frames keep moving while a register access is in
// flight. Everything the shell defines about tuser is checked on the way
// out (size on every beat and equal to the frame, source and destination
// ports, full tkeep before the last beat); a violation ends the program.
//
// sim/espnic_model.cpp is built with this file as its 512-bit card
// (espnic::make_card_w512), so the offline capture mode (sim/pcap_run.c) and
// card_config run unchanged on the plugin.
#include <cstdio>
#include <cstdlib>

#include "Vespnic_250mhz.h"
#include "card_impl.hpp"
#include "card_alveo.h"

namespace espnic
{

static constexpr uint64_t CORE_PS = 4000;
static constexpr unsigned BYTES = 64;
static constexpr uint16_t PORT_PF0 = 0x0001, PORT_MAC0 = 0x0040;

[[noreturn]] static void fail(const char *what, unsigned long long a, unsigned long long b)
{
	std::fprintf(stderr, "espnic-alveo-tb: %s (%llu, expected %llu)\n", what, a, b);
	std::exit(3);
}

// One output port of the box and what the shell requires of it.
struct checked_out {
	const char *name;
	uint16_t src, dst;
	bool mid = false;
	uint16_t size = 0;
};

struct card_alveo final : card {
	std::unique_ptr<VerilatedContext> ctx;
	std::unique_ptr<Vespnic_250mhz> top;
	std::unique_ptr<VerilatedFstC> trace;
	uint64_t axil_ps, now = 0, next_core, next_axil;
	bool core_hi = false, axil_hi = false;
	checked_out chk[2] = {{"C2H", PORT_MAC0, PORT_PF0}, {"TX", PORT_PF0, PORT_MAC0}};
	alveo_stats st{};

	// The AXI-Lite master: one transaction at a time.
	enum { AX_IDLE, AX_ADDR, AX_RESP } ax = AX_IDLE;
	bool ax_write = false;
	uint32_t ax_addr = 0, ax_wdata = 0, ax_rdata = 0;
	unsigned ax_resp = 0;

	explicit card_alveo(const char *trace_path)
	{
		const char *e = std::getenv("ESPNIC_ALVEO_AXIL_PS");
		axil_ps = e ? std::strtoull(e, nullptr, 10) : 7700;
		if (axil_ps < 2 || axil_ps % 2)
			axil_ps = 7700;
		next_core = CORE_PS / 2;
		next_axil = axil_ps / 2;
		ctx = std::make_unique<VerilatedContext>();
		ctx->traceEverOn(trace_path != nullptr);
		top = std::make_unique<Vespnic_250mhz>(ctx.get());
		if (trace_path) {
			trace = std::make_unique<VerilatedFstC>();
			top->trace(trace.get(), 99);
			trace->open(trace_path);
		}
		top->mod_rstn = 0xffff;
		top->m_axis_qdma_c2h_tready = 1;
		top->m_axis_adap_tx_250mhz_tready = 1;
		reset();
	}

	~card_alveo() override
	{
		if (trace)
			trace->close();
		top->final();
	}

	unsigned width() const override
	{
		return 512;
	}

	// Present the next beat of an input port's head frame, as the shell does:
	// tkeep consistent with tuser_size, the size on every beat.
	template <class D>
	bool drive_in(in_port &p, D &tdata, uint64_t &tkeep, uint8_t &tlast, uint8_t &tvalid,
		      uint16_t &tuser_size)
	{
		tvalid = 0;
		if (p.q.empty() || held(p) || !chance(p.offer))
			return false;
		const std::vector<uint8_t> &f = p.q.front();
		size_t n = f.size() - p.off < BYTES ? f.size() - p.off : BYTES;
		for (size_t w = 0; w < BYTES / 4; w++) {
			uint32_t v = 0;
			for (size_t b = 0; b < 4 && w * 4 + b < n; b++)
				v |= (uint32_t)f[p.off + w * 4 + b] << (8 * b);
			tdata[w] = v;
		}
		tkeep = n == 64 ? ~0ull : ((1ull << n) - 1);
		tlast = p.off + n == f.size();
		tuser_size = (uint16_t)f.size();
		tvalid = 1;
		return true;
	}

	void advance_in(in_port &p)
	{
		pace(p, p.q.front().size());
		p.off += BYTES;
		p.beats++;
		if (p.off >= p.q.front().size()) {
			p.q.pop_front();
			p.off = 0;
		}
	}

	template <class D>
	void take_out(out_port &p, checked_out &c, const D &tdata, uint64_t tkeep, bool tlast,
		      uint16_t size, uint16_t src, uint16_t dst)
	{
		if (!p.in_frame) {
			p.cur = frame();
			p.cur.first = cycles;
			p.in_frame = true;
			c.size = size;
		}
		if (size != c.size)
			fail(c.name, size, c.size); /* tuser_size changed within a packet */
		if (src != c.src || dst != c.dst)
			fail(c.name, ((unsigned long long)src << 16) | dst,
			     ((unsigned long long)c.src << 16) | c.dst);
		if (!tlast && tkeep != ~0ull)
			fail("tkeep not full before the last beat", tkeep, ~0ull);
		for (size_t k = 0; k < BYTES; k++)
			if ((tkeep >> k) & 1)
				p.cur.bytes.push_back((uint8_t)(tdata[k / 4] >> (8 * (k % 4))));
		p.beats++;
		if (tlast) {
			if (p.cur.bytes.size() != c.size)
				fail("tuser_size differs from the packet's length", c.size,
				     p.cur.bytes.size());
			st.sized_packets++;
			p.cur.last = cycles;
			p.q.push_back(std::move(p.cur));
			p.in_frame = false;
		}
	}

	// The AXI-Lite master before an AXI-Lite clock edge: sample the
	// handshakes the edge completes, then set what the master drives after it.
	void axil_edge()
	{
		switch (ax) {
		case AX_ADDR: {
			bool done = ax_write ? (top->s_axil_awready && top->s_axil_wready)
					     : top->s_axil_arready;
			if (done)
				ax = AX_RESP;
			break;
		}
		case AX_RESP:
			if (ax_write && top->s_axil_bvalid) {
				ax_resp = top->s_axil_bresp;
				ax = AX_IDLE;
			} else if (!ax_write && top->s_axil_rvalid) {
				ax_resp = top->s_axil_rresp;
				ax_rdata = top->s_axil_rdata;
				ax = AX_IDLE;
			}
			break;
		default:
			break;
		}
		st.axil_cycles++;
	}

	void axil_drive()
	{
		top->s_axil_awvalid = ax == AX_ADDR && ax_write;
		top->s_axil_wvalid = ax == AX_ADDR && ax_write;
		top->s_axil_awaddr = ax_addr;
		top->s_axil_wdata = ax_wdata;
		top->s_axil_arvalid = ax == AX_ADDR && !ax_write;
		top->s_axil_araddr = ax_addr;
		top->s_axil_bready = 1;
		top->s_axil_rready = 1;
	}

	// Before a core clock edge: inputs offered, outputs taken.
	void core_edge()
	{
		bool hv = drive_in(in[ESPNIC_PORT_HOST], top->s_axis_qdma_h2c_tdata,
				   top->s_axis_qdma_h2c_tkeep, top->s_axis_qdma_h2c_tlast,
				   top->s_axis_qdma_h2c_tvalid, top->s_axis_qdma_h2c_tuser_size);
		bool wv = drive_in(
		    in[ESPNIC_PORT_WIRE], top->s_axis_adap_rx_250mhz_tdata,
		    top->s_axis_adap_rx_250mhz_tkeep, top->s_axis_adap_rx_250mhz_tlast,
		    top->s_axis_adap_rx_250mhz_tvalid, top->s_axis_adap_rx_250mhz_tuser_size);
		top->s_axis_qdma_h2c_tuser_src = PORT_PF0;
		top->s_axis_adap_rx_250mhz_tuser_src = PORT_MAC0;
		top->m_axis_qdma_c2h_tready = chance(out[ESPNIC_PORT_HOST].ready);
		top->m_axis_adap_tx_250mhz_tready = chance(out[ESPNIC_PORT_WIRE].ready);
		top->eval();
		bool h_in = hv && top->s_axis_qdma_h2c_tready;
		bool w_in = wv; // the wire is never held off (the core drops what it cannot take)
		bool h_out = top->m_axis_qdma_c2h_tvalid && top->m_axis_qdma_c2h_tready;
		bool w_out = top->m_axis_adap_tx_250mhz_tvalid && top->m_axis_adap_tx_250mhz_tready;
		if (h_out)
			take_out(out[ESPNIC_PORT_HOST], chk[0], top->m_axis_qdma_c2h_tdata,
				 top->m_axis_qdma_c2h_tkeep, top->m_axis_qdma_c2h_tlast,
				 top->m_axis_qdma_c2h_tuser_size, top->m_axis_qdma_c2h_tuser_src,
				 top->m_axis_qdma_c2h_tuser_dst);
		if (w_out)
			take_out(out[ESPNIC_PORT_WIRE], chk[1], top->m_axis_adap_tx_250mhz_tdata,
				 top->m_axis_adap_tx_250mhz_tkeep, top->m_axis_adap_tx_250mhz_tlast,
				 top->m_axis_adap_tx_250mhz_tuser_size,
				 top->m_axis_adap_tx_250mhz_tuser_src,
				 top->m_axis_adap_tx_250mhz_tuser_dst);
		if (h_in)
			advance_in(in[ESPNIC_PORT_HOST]);
		if (w_in)
			advance_in(in[ESPNIC_PORT_WIRE]);
		quiet = (h_in || w_in || h_out || w_out) ? 0 : quiet + 1;
	}

	// Advance to the next clock edge (of either clock, or both at once).
	// Returns true when it was a rising edge of the core clock.
	bool edge()
	{
		uint64_t t = next_core < next_axil ? next_core : next_axil;
		bool core = next_core == t, axil = next_axil == t;
		bool core_rise = core && !core_hi, axil_rise = axil && !axil_hi;
		now = t;
		if (axil_rise)
			axil_drive();
		if (core_rise)
			core_edge();
		if (axil_rise) {
			top->eval();
			axil_edge();
		}
		if (trace)
			trace->dump(now);
		if (core) {
			core_hi = !core_hi;
			top->axis_aclk = core_hi;
			next_core += CORE_PS / 2;
		}
		if (axil) {
			axil_hi = !axil_hi;
			top->axil_aclk = axil_hi;
			next_axil += axil_ps / 2;
		}
		top->eval();
		if (core_rise) {
			cycles++;
			top->s_axis_qdma_h2c_tvalid = 0;
			top->s_axis_adap_rx_250mhz_tvalid = 0;
		}
		return core_rise;
	}

	void step(uint64_t n) override
	{
		for (uint64_t i = 0; i < n;)
			if (edge())
				i++;
	}

	// One AXI-Lite transaction, clocking both domains until its response.
	unsigned axil(bool write, uint32_t addr, uint32_t wdata, uint32_t *rdata)
	{
		ax = AX_ADDR;
		ax_write = write;
		ax_addr = addr;
		ax_wdata = wdata;
		uint64_t start = st.axil_cycles;
		while (ax != AX_IDLE) {
			edge();
			if (st.axil_cycles - start > 100000)
				fail("AXI-Lite transaction never answered", addr, 0);
		}
		st.accesses++;
		st.access_axil_cycles += st.axil_cycles - start;
		if (rdata)
			*rdata = ax_rdata;
		return ax_resp;
	}

	uint32_t reg_read(uint32_t off) override
	{
		uint32_t v = 0;
		if (axil(false, off, 0, &v) != 0)
			fail("register read answered with an error", off, 0);
		return v;
	}

	void reg_write(uint32_t off, uint32_t v) override
	{
		if (axil(true, off, v, nullptr) != 0)
			fail("register write answered with an error", off, 0);
	}

	// The shell's reset pair 0: mod_rstn low for two AXI-Lite cycles, then
	// wait for mod_rst_done (it must fall first).
	void reset() override
	{
		uint64_t a0 = st.axil_cycles;
		top->mod_rstn = 0xfffe;
		while (st.axil_cycles - a0 < 2)
			edge();
		top->mod_rstn = 0xffff;
		if (top->mod_rst_done & 1)
			fail("mod_rst_done still high during reset", 1, 0);
		if ((top->mod_rst_done & 0xfffe) != 0xfffe)
			fail("unused reset pairs not done", top->mod_rst_done, 0xffff);
		while (!(top->mod_rst_done & 1)) {
			edge();
			if (st.axil_cycles - a0 > 10000)
				fail("mod_rst_done never rose", 0, 1);
		}
		st.resets++;
	}

	bool event_pending() const override
	{
		return false; /* the box has no interrupt or event line */
	}
};

static card_alveo *the_card;

card *make_card_w512(const char *trace_path)
{
	the_card = new card_alveo(trace_path);
	return the_card;
}

} // namespace espnic

extern "C" {

unsigned alveo_axil(bool write, uint32_t addr, uint32_t wdata, uint32_t *rdata)
{
	return espnic::the_card->axil(write, addr, wdata, rdata);
}

void alveo_reset_pair(void)
{
	espnic::the_card->reset();
}

void alveo_get_stats(struct alveo_stats *s)
{
	*s = espnic::the_card->st;
}

uint64_t alveo_axil_ps(void)
{
	return espnic::the_card->axil_ps;
}

} // extern "C"
