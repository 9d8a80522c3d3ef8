// test_mss_clamp: a randomized test of TCP MSS clamping (esp_mss_find and
// esp_mss_clamp through mss_clamp_tb_top) against a reference written here:
// random frames (IPv4 with and without options, fragments, IPv6, untagged or
// behind one 802.1Q tag as egress takes a route-based session's, non-IP), TCP segments with and
// without SYN and random option lists (MSS anywhere, NOP, EOL, window scale, SACK, timestamps
// holding the bytes of an MSS option, unknown and malformed options), random clamps. Each output
// frame must equal the reference byte for byte, and the TCP checksum must still verify (the one's
// complement sum of the segment stays 0xFFFF, whatever the option's offset). Headers are offered
// ahead of their frames, frames stream with gaps, and the output is back-pressured at random.
//
//   rtl_mss_clamp_W [--frames N] [--seed S]
#include "Vmss_clamp_tb_top.h"
#include "stream/stream_tb.h"
#include "verilated.h"

#include <cstdlib>
#include <deque>
#include <string>

using stream_tb::Bytes;
using stream_tb::Rng;

namespace
{

constexpr unsigned W = TB_DATA_W / 8;
constexpr unsigned HDR = 96; // espnic_pkg::HDR_BYTES
constexpr unsigned WALK_LAST = 92;

struct Frame {
	Bytes in, want;
	unsigned clamp;
	unsigned l4, seg_end; // the TCP segment as built
	bool clamped;
};

unsigned be16(const Bytes &b, unsigned at)
{
	return b[at] << 8 | b[at + 1];
}
void put16(Bytes &b, unsigned at, unsigned v)
{
	b[at] = uint8_t(v >> 8);
	b[at + 1] = uint8_t(v);
}

// One's complement sum of b[from, to) as 16-bit big-endian words.
unsigned csum(const Bytes &b, unsigned from, unsigned to)
{
	uint32_t s = 0;
	for (unsigned i = from; i < to; i += 2)
		s += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return s;
}

void add_options(Rng &r, Bytes &o, unsigned room)
{
	while (o.size() < room) {
		unsigned left = room - unsigned(o.size());
		unsigned k = r.range(0, 11);
		if (k <= 2 && left >= 4) { // MSS, around the usual values
			unsigned v = r.chance(50) ? r.range(100, 9000) : r.range(0, 65535);
			o.insert(o.end(), {2, 4, uint8_t(v >> 8), uint8_t(v)});
		} else if (k == 3) {
			o.push_back(1);
		} else if (k == 4 && left >= 3) {
			o.insert(o.end(), {3, 3, uint8_t(r.range(0, 14))});
		} else if (k == 5 && left >= 2) {
			o.insert(o.end(), {4, 2});
		} else if (k == 6 && left >= 10) { // timestamps, at times with MSS-like bytes
			o.insert(o.end(), {8, 10});
			for (int i = 0; i < 8; i++)
				o.push_back(r.chance(30) ? uint8_t(i % 2 ? 4 : 2)
							 : uint8_t(r.next()));
		} else if (k == 7 && r.chance(10)) {
			o.push_back(0);				  // EOL, then whatever
		} else if (k == 8 && r.chance(15) && left >= 2) { // malformed length
			o.insert(o.end(), {uint8_t(r.range(5, 250)), uint8_t(r.range(0, 1))});
		} else if (k == 9 && left >= 2) { // unknown, length possibly past the header
			unsigned len = r.chance(90) ? r.range(2, left) : r.range(2, 40);
			o.push_back(uint8_t(r.range(9, 250)));
			o.push_back(uint8_t(len));
			for (unsigned i = 2; i < len && o.size() < room; i++)
				o.push_back(uint8_t(r.next()));
		} else if (k >= 10) {
			o.push_back(1);
		} else {
			o.push_back(uint8_t(r.next()));
		}
	}
	o.resize(room);
}

Frame make_frame(Rng &r)
{
	Frame f{};
	Bytes &b = f.in;
	b.assign(14, 0);
	for (int i = 0; i < 12; i++)
		b[i] = uint8_t(r.next());
	unsigned kind = r.range(0, 19);
	bool v6 = kind >= 10 && kind < 18;
	bool tagged = kind != 19 && r.chance(25);
	if (kind == 19) { // not IP
		put16(b, 12, 0x0806);
		b.resize(r.range(60, 200));
	} else {
		unsigned ihl = v6 ? 0 : (r.chance(70) ? 5 : r.range(5, 15));
		unsigned doff = r.chance(60) ? r.range(5, 10) : r.range(5, 15);
		unsigned l4 = v6 ? 54 : 14 + 4 * ihl;
		unsigned tcp_len = doff * 4 + (r.chance(50) ? 0 : r.range(0, 300));
		unsigned ip_len = (v6 ? 40 : 4 * ihl) + tcp_len;
		put16(b, 12, v6 ? 0x86DD : 0x0800);
		b.resize(l4 + tcp_len);
		for (unsigned i = 14; i < b.size(); i++)
			b[i] = uint8_t(r.next());
		if (v6) {
			b[14] = uint8_t(0x60 | (b[14] & 0xF));
			put16(b, 18, ip_len - 40);
			b[20] = r.chance(90) ? 6 : uint8_t(r.next());
		} else {
			b[14] = uint8_t(0x40 | ihl);
			put16(b, 16, r.chance(95) ? ip_len : r.range(20, ip_len));
			b[23] = r.chance(90) ? 6 : 17;
			b[20] = r.chance(85) ? uint8_t(b[20] & 0x40) : uint8_t(b[20] & 0x3F);
			b[21] = r.chance(85) ? 0 : b[21];
		}
		b[l4 + 12] = uint8_t(doff << 4);
		b[l4 + 13] = uint8_t((r.next() & ~2u) | (r.chance(75) ? 2 : 0));
		Bytes o;
		add_options(r, o, doff * 4 - 20);
		std::copy(o.begin(), o.end(), b.begin() + l4 + 20);
		// A checksum over the segment that verifies (no pseudo-header: the
		// update must keep any sum that held before).
		put16(b, l4 + 16, 0);
		put16(b, l4 + 16, ~csum(b, l4, unsigned(b.size())) & 0xFFFF);
		if (tagged) { // the 802.1Q tag in front of the ethertype
			uint8_t tci0 = uint8_t(r.next() & 0xEF), tci1 = uint8_t(r.next());
			b.insert(b.begin() + 12, {0x81, 0x00, tci0, tci1});
			l4 += 4;
		}
		f.l4 = l4;
		f.seg_end = unsigned(b.size());
		if (r.chance(20)) // Ethernet padding after the packet
			b.resize(b.size() + r.range(1, 20), 0);
	}
	switch (r.range(0, 5)) {
	case 0:
		f.clamp = 0;
		break;
	case 1:
		f.clamp = r.range(0, 65535);
		break;
	default:
		f.clamp = r.range(108, 8902);
	}
	return f;
}

// The reference: the MSS option the walk finds, per esp_mss_find's rules.
void reference(Frame &f)
{
	// The header as the card captures it: the first HDR bytes, zero beyond;
	// behind a tag, read without it (its four bytes out, the option must
	// end within the HDR - 4 bytes of the packet the header holds) and the
	// patch moved by it.
	Bytes b = f.in;
	unsigned tag = 0;
	if (b.size() >= 14 && be16(b, 12) == 0x8100) {
		tag = 4;
		b.erase(b.begin() + 12, b.begin() + 16);
		if (b.size() > HDR - 4)
			b.resize(HDR - 4);
	}
	if (b.size() < HDR + 2)
		b.resize(HDR + 2, 0);
	f.want = f.in;
	f.clamped = false;
	unsigned et = be16(b, 12);
	unsigned l4, ip_end;
	if (et == 0x0800) {
		unsigned ihl = b[14] & 0xF;
		if ((b[14] >> 4) != 4 || ihl < 5 || b[23] != 6 || (b[20] & 0x3F) || b[21])
			return;
		l4 = 14 + 4 * ihl;
		ip_end = 14 + be16(b, 16);
	} else if (et == 0x86DD) {
		if ((b[14] >> 4) != 6 || b[20] != 6)
			return;
		l4 = 54;
		ip_end = 54 + be16(b, 18);
	} else {
		return;
	}
	unsigned doff = b[l4 + 12] >> 4;
	unsigned end = l4 + 4 * doff;
	if (!(b[l4 + 13] & 2) || doff < 5 || end > ip_end)
		return;
	int found = -1;
	for (unsigned p = l4 + 20; p < end && p <= WALK_LAST;) {
		unsigned kind = b[p];
		if (kind == 0)
			break;
		if (kind == 1) {
			p++;
			continue;
		}
		unsigned len = b[p + 1];
		if (kind == 2 && len == 4 && p + 4 <= end && p + 4 <= HDR - tag) {
			found = int(p);
			break;
		}
		if (len < 2)
			break;
		p += len;
	}
	if (found < 0 || f.clamp == 0)
		return;
	unsigned mss = be16(b, unsigned(found) + 2);
	if (mss <= f.clamp)
		return;
	// RFC 1624 eqn. 3 over the words the MSS bytes fall in.
	unsigned at = unsigned(found) + 2;
	put16(f.want, at + tag, f.clamp);
	bool odd = (at - l4) & 1;
	unsigned m_old = odd ? ((mss & 0xFF) << 8 | mss >> 8) : mss;
	unsigned m_new = odd ? ((f.clamp & 0xFF) << 8 | f.clamp >> 8) : f.clamp;
	uint32_t s = (~be16(b, l4 + 16) & 0xFFFF) + (~m_old & 0xFFFF) + m_new;
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	put16(f.want, l4 + tag + 16, ~s & 0xFFFF);
	f.clamped = true;
}

} // namespace

int main(int argc, char **argv)
{
	unsigned frames = 20000;
	uint64_t seed = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string a = argv[i];
		if (a == "--frames")
			frames = unsigned(std::strtoul(argv[i + 1], nullptr, 0));
		else if (a == "--seed")
			seed = std::strtoull(argv[i + 1], nullptr, 0);
	}
	Rng r(seed);
	Verilated::commandArgs(argc, argv);
	Vmss_clamp_tb_top m;
	m.clk_i = 0;
	m.rst_ni = 0;
	m.hdr_valid_i = 0;
	m.s_axis_tvalid = 0;
	m.m_axis_tready = 0;
	auto tick = [&] {
		m.clk_i = 0;
		m.eval();
		m.clk_i = 1;
		m.eval();
	};
	for (int i = 0; i < 4; i++)
		tick();
	m.rst_ni = 1;

	std::deque<Frame> all;
	for (unsigned i = 0; i < frames; i++) {
		all.push_back(make_frame(r));
		reference(all.back());
	}
	unsigned next_hdr = 0, next_in = 0, in_off = 0, next_out = 0, clamped = 0, bad = 0,
		 tag_clamped = 0;
	Bytes out_cur;
	uint64_t cycles = 0;
	while (next_out < frames && cycles < 200ull * frames + 10000) {
		// Inputs for this cycle (set before the rising edge).
		bool give_hdr = next_hdr < frames && next_hdr < next_in + 20 && r.chance(70);
		m.hdr_valid_i = give_hdr;
		if (give_hdr) {
			Bytes h(HDR, 0);
			const Bytes &b = all[next_hdr].in;
			std::copy(b.begin(), b.begin() + std::min<size_t>(HDR, b.size()),
				  h.begin());
			stream_tb::put_bytes(m.hdr_i, h.data(), HDR);
			m.clamp_i = uint16_t(all[next_hdr].clamp);
		}
		bool give_beat = next_in < next_hdr && r.chance(80);
		m.s_axis_tvalid = give_beat;
		if (give_beat) {
			const Bytes &b = all[next_in].in;
			unsigned n = std::min<unsigned>(W, unsigned(b.size()) - in_off);
			stream_tb::put_bytes(m.s_axis_tdata, b.data() + in_off, n);
			uint64_t keep = stream_tb::keep_mask(n);
			stream_tb::put_bytes(m.s_axis_tkeep, reinterpret_cast<uint8_t *>(&keep),
					     W / 8);
			m.s_axis_tlast = in_off + n == b.size();
		}
		m.m_axis_tready = r.chance(75);
		m.clk_i = 0;
		m.eval();
		bool took = give_beat && m.s_axis_tready;
		bool out = m.m_axis_tvalid && m.m_axis_tready;
		if (out) {
			uint8_t beat[W];
			stream_tb::get_bytes(m.m_axis_tdata, beat, W);
			uint64_t keep = 0;
			stream_tb::get_bytes(m.m_axis_tkeep, reinterpret_cast<uint8_t *>(&keep),
					     W / 8);
			unsigned n = 0;
			while (n < W && (keep >> n & 1))
				n++;
			out_cur.insert(out_cur.end(), beat, beat + n);
			if (m.m_axis_tlast) {
				const Frame &f = all[next_out];
				bool ok = out_cur == f.want;
				if (!ok && bad++ < 5) {
					std::printf("frame %u differs (clamp %u, clamped %d):\n",
						    next_out, f.clamp, f.clamped);
					for (size_t i = 0; i < out_cur.size() && i < f.want.size();
					     i++)
						if (out_cur[i] != f.want[i])
							std::printf("  byte %zu: got %02x want "
								    "%02x (in %02x)\n",
								    i, out_cur[i], f.want[i],
								    f.in[i]);
				}
				clamped += f.clamped;
				tag_clamped += f.clamped && be16(f.in, 12) == 0x8100;
				out_cur.clear();
				next_out++;
			}
		}
		tick();
		cycles++;
		if (took) {
			in_off += std::min<unsigned>(W, unsigned(all[next_in].in.size()) - in_off);
			if (in_off == all[next_in].in.size()) {
				in_off = 0;
				next_in++;
			}
		}
		if (give_hdr)
			next_hdr++;
	}
	// Checksums: every clamped segment still sums to 0xFFFF.
	unsigned sum_bad = 0;
	for (const Frame &f : all) {
		if (!f.clamped)
			continue;
		if (csum(f.want, f.l4, f.seg_end) != 0xFFFF)
			sum_bad++;
	}
	stream_tb::Tally t;
	t.check(next_out == frames, "every frame came out");
	t.check(bad == 0, "every frame as the reference");
	t.check(sum_bad == 0, "TCP checksums verify after the clamp");
	t.check(clamped > frames / 20, "a share of the frames was clamped");
	t.check(tag_clamped > frames / 100, "tagged frames among them");
	std::printf("%u frames, %u clamped (%u tagged), %llu cycles, width %u\n", frames, clamped,
		    tag_clamped, (unsigned long long)cycles, TB_DATA_W);
	return t.finish();
}
