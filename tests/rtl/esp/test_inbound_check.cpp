// test_inbound_check: rtl/esp/esp_inbound_check.sv against a reference
// written here. Random decrypted packets (the 16-byte header block, then the
// plaintext; 1..2000 bytes, biased to the sizes where the 96 head bytes or
// the 16 trailer bytes meet a beat's edge) stream in with gaps and random
// tuser; the packets' end positions come on their own port with gaps, ahead
// of or behind their packets; the output and the reports are back-pressured.
// Checked every cycle: the output is the input beat unchanged (data under
// tkeep, tkeep, tlast, tuser), a beat is taken on the input exactly when it
// leaves on the output, and an offered output beat or report stays until
// taken. Per packet, in order: one report, after the packet's last beat,
// with tuser of its last beat as the ICV verdict, plaintext bytes 0..95
// (packet bytes 16..111, those inside the packet) and the packet's last 16
// bytes (those inside the packet).
//
//   test_inbound_check [--packets N] [--seed S]
#include "Vesp_inbound_check.h"
#include "esp_tb.h"

#include <deque>

using stream_tb::Bytes;
using stream_tb::Rng;

namespace
{

constexpr unsigned W = TB_DATA_W / 8;
constexpr unsigned SKIP = 16, HEAD = 96, TAIL = 16;

struct Report {
	Bytes pkt;
	bool icv;
};

unsigned packet_len(Rng &r)
{
	switch (r.range(0, 7)) {
	case 0:
		return r.range(1, 2 * W + 16);
	case 1:
		return r.range(SKIP + HEAD - 3, SKIP + HEAD + 3);
	case 2: // the trailer across a beat's edge
		return W * r.range(1, 6) + r.range(0, TAIL + 1);
	default:
		return stream_tb::random_packet_len(r, W);
	}
}

} // namespace

int main(int argc, char **argv)
{
	uint64_t packets = 20000, seed = 1;
	esp_tb::parse_args(argc, argv, "packets", packets, seed);
	Rng r(seed);
	esp_tb::Checker chk{0, seed};
	Vesp_inbound_check m;
	m.s_axis_tvalid = 0;
	m.m_axis_tready = 0;
	m.end_valid_i = 0;
	m.rep_ready_i = 0;
	esp_tb::reset(m);

	esp_tb::Source src(W);
	esp_tb::Throttle in_rate, out_rate, end_rate, rep_rate;
	std::deque<Bytes> given;     // packets given to the source, in order
	std::deque<unsigned> ends;   // end positions not yet taken
	std::deque<Report> want_rep; // packets that ended, reports due
	bool end_offered = false;
	uint64_t made = 0, reports = 0, ended = 0, beats = 0, cycles = 0, icv_ok = 0;
	bool out_held = false, rep_held = false;
	Bytes held_head(HEAD), held_tail(TAIL);
	bool held_icv = false;
	const uint64_t limit = 400 * packets + 100000;
	while (reports < packets) {
		cycles++;
		chk.expect(cycles < limit, "no progress after %llu cycles (%llu of %llu reports)",
			   (unsigned long long)cycles, (unsigned long long)reports,
			   (unsigned long long)packets);
		while (made < packets && src.frames.size() < 4) {
			Bytes p = r.bytes(packet_len(r));
			ends.push_back(unsigned((p.size() - 1) % W));
			given.push_back(p);
			src.frames.push_back(std::move(p));
			made++;
		}
		src.step(r, in_rate);
		m.s_axis_tvalid = src.valid;
		src.drive(m.s_axis_tdata, m.s_axis_tkeep);
		m.s_axis_tlast = src.beat.last;
		m.s_axis_tuser = src.beat.user;
		// An end position offered stays offered until taken.
		if (!end_offered && !ends.empty())
			end_offered = end_rate.next(r);
		m.end_valid_i = end_offered;
		m.end_i = uint8_t(ends.empty() ? 0 : ends.front());
		m.m_axis_tready = out_rate.next(r);
		m.rep_ready_i = rep_rate.next(r);
		m.eval();

		// The stream: passed through, taken on both sides at once.
		if (out_held)
			chk.expect(m.m_axis_tvalid, "m_axis_tvalid fell before its beat was taken");
		out_held = m.m_axis_tvalid && !m.m_axis_tready;
		bool in_take = src.valid && m.s_axis_tready;
		bool out_take = m.m_axis_tvalid && m.m_axis_tready;
		chk.expect(in_take == out_take && (!m.m_axis_tvalid || src.valid),
			   "input taken %d, output taken %d, output valid %d with input valid %d",
			   in_take, out_take, m.m_axis_tvalid, src.valid);
		if (m.m_axis_tvalid) {
			uint8_t got[W];
			stream_tb::get_bytes(m.m_axis_tdata, got, W);
			uint64_t keep = stream_tb::get_u64(m.m_axis_tkeep);
			chk.expect(keep == stream_tb::keep_mask(src.beat.n) &&
				       bool(m.m_axis_tlast) == src.beat.last &&
				       bool(m.m_axis_tuser) == src.beat.user &&
				       std::equal(got, got + src.beat.n, src.beat.data),
				   "packet %llu: output beat differs from the input beat",
				   (unsigned long long)ended);
		}

		// End positions.
		if (m.end_valid_i && m.end_ready_o) {
			ends.pop_front();
			end_offered = false;
		}

		// Reports: stable while offered, then the packet's.
		if (rep_held) {
			Bytes h(HEAD), t(TAIL);
			stream_tb::get_bytes(m.rep_head_o, h.data(), HEAD);
			stream_tb::get_bytes(m.rep_tail_o, t.data(), TAIL);
			chk.expect(m.rep_valid_o && h == held_head && t == held_tail &&
				       bool(m.rep_icv_ok_o) == held_icv,
				   "report %llu changed or withdrawn before it was taken",
				   (unsigned long long)reports);
		}
		rep_held = m.rep_valid_o && !m.rep_ready_i;
		if (m.rep_valid_o) {
			stream_tb::get_bytes(m.rep_head_o, held_head.data(), HEAD);
			stream_tb::get_bytes(m.rep_tail_o, held_tail.data(), TAIL);
			held_icv = m.rep_icv_ok_o;
		}
		if (m.rep_valid_o && m.rep_ready_i) {
			chk.expect(!want_rep.empty(), "report %llu before its packet's last beat",
				   (unsigned long long)reports);
			const Report &w = want_rep.front();
			size_t len = w.pkt.size();
			chk.expect(bool(m.rep_icv_ok_o) == w.icv, "report %llu: ICV %d, want %d",
				   (unsigned long long)reports, m.rep_icv_ok_o, w.icv);
			for (size_t k = 0; k < HEAD && SKIP + k < len; k++)
				chk.expect(
				    held_head[k] == w.pkt[SKIP + k],
				    "report %llu (%zu bytes): head byte %zu is %#x, want %#x",
				    (unsigned long long)reports, len, k, held_head[k],
				    w.pkt[SKIP + k]);
			for (size_t j = 0; j < TAIL; j++)
				if (len + j >= TAIL)
					chk.expect(held_tail[j] == w.pkt[len + j - TAIL],
						   "report %llu (%zu bytes): tail byte %zu is %#x, "
						   "want %#x",
						   (unsigned long long)reports, len, j,
						   held_tail[j], w.pkt[len + j - TAIL]);
			icv_ok += w.icv;
			want_rep.pop_front();
			reports++;
		}

		if (in_take) {
			beats++;
			bool user = src.beat.user;
			if (src.taken()) {
				want_rep.push_back({given.front(), user});
				given.pop_front();
				ended++;
			}
		}
		esp_tb::tick(m);
	}
	chk.expect(ends.empty() && given.empty(), "end positions or packets left over");
	std::printf("%llu packets (%llu with the ICV bit), %llu beats in %llu cycles at DATA_W "
		    "%u\n",
		    (unsigned long long)packets, (unsigned long long)icv_ok,
		    (unsigned long long)beats, (unsigned long long)cycles, TB_DATA_W);
	m.final();
	return chk.finish("esp_inbound_check");
}
