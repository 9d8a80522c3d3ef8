// test_frame_capture: rtl/esp/frame_capture.sv against a reference written
// here. Random frames of 1..MAX_FRAME bytes, sizes around a beat, the 96
// header bytes and MAX_FRAME, and oversize frames up to jumbo; random bytes
// past tkeep in the last beat; the input offered with gaps (a beat held until
// taken), the frame output and the meta output back-pressured at random.
// Checked: each output beat (bytes under tkeep, tkeep, tlast) is the frame's,
// an oversize frame cut after MAX_FRAME bytes with tlast forced and the rest
// dropped; one meta entry per frame, in order, not before the frame's output
// is complete, with its first HDR_BYTES bytes (up to its length; whole beats
// past the end zero), its length as written and the oversize flag; a meta
// entry offered stays unchanged until taken.
//
//   test_frame_capture [--frames N] [--seed S]
#include "Vframe_capture.h"
#include "esp_tb.h"

#include <deque>

using stream_tb::Bytes;
using stream_tb::Rng;

namespace
{

constexpr unsigned W = TB_DATA_W / 8;
constexpr unsigned MAX_FRAME = TB_MAX_FRAME;
constexpr unsigned MAX_OUT = MAX_FRAME / W * W; // bytes kept of an oversize frame
constexpr unsigned HDR = 96;			// espnic_pkg::HDR_BYTES

struct Meta {
	Bytes out; // the frame as written downstream
	bool oversize;
};

unsigned frame_len(Rng &r)
{
	switch (r.range(0, 9)) {
	case 0:
	case 1:
		return r.range(1, 2 * W);
	case 2:
		return r.range(HDR - 2, HDR + 2);
	case 3:
		return r.range(MAX_FRAME > W + 1 ? MAX_FRAME - W - 1 : 1, MAX_FRAME + W + 1);
	case 4:
		return r.chance(90) ? r.range(MAX_FRAME + 1, 2 * MAX_FRAME) : r.range(8000, 9600);
	case 5:
		return W * r.range(1, MAX_FRAME / W);
	default:
		return r.range(1, MAX_FRAME);
	}
}

} // namespace

int main(int argc, char **argv)
{
	uint64_t frames = 20000, seed = 1;
	esp_tb::parse_args(argc, argv, "frames", frames, seed);
	Rng r(seed);
	esp_tb::Checker chk{0, seed};
	Vframe_capture m;
	m.s_axis_tvalid = 0;
	m.m_axis_tready = 0;
	m.meta_ready_i = 0;
	esp_tb::reset(m);

	esp_tb::Source src(W);
	esp_tb::Throttle in_rate, out_rate, meta_rate;
	std::deque<Meta> want_meta;   // frames given, in order
	std::deque<Bytes> want_beats; // the output still due, by frame
	uint64_t made = 0, metas = 0, out_frames = 0, oversize = 0, beats = 0, cycles = 0;
	uint64_t valid_fell = 0;
	size_t out_off = 0;
	bool meta_held = false, out_held = false;
	Bytes held_hdr(HDR), held_out(W);
	unsigned held_len = 0;
	const uint64_t limit = 400 * frames + 100000;
	while (metas < frames) {
		cycles++;
		chk.expect(cycles < limit, "no progress after %llu cycles (%llu of %llu frames)",
			   (unsigned long long)cycles, (unsigned long long)metas,
			   (unsigned long long)frames);
		while (made < frames && src.frames.size() < 4) {
			Bytes f = r.bytes(frame_len(r));
			size_t kept = f.size() > MAX_FRAME ? MAX_OUT : f.size();
			want_meta.push_back(
			    {Bytes(f.begin(), f.begin() + kept), f.size() > MAX_FRAME});
			want_beats.push_back(want_meta.back().out);
			src.frames.push_back(std::move(f));
			made++;
		}
		src.step(r, in_rate);
		m.s_axis_tvalid = src.valid;
		src.drive(m.s_axis_tdata, m.s_axis_tkeep);
		m.s_axis_tlast = src.beat.last;
		m.m_axis_tready = out_rate.next(r);
		m.meta_ready_i = meta_rate.next(r);
		m.eval();

		// The frame output.
		if (out_held && !m.m_axis_tvalid)
			valid_fell++;
		out_held = m.m_axis_tvalid && !m.m_axis_tready;
		if (m.m_axis_tvalid && m.m_axis_tready) {
			chk.expect(!want_beats.empty(), "output beat with no frame due");
			const Bytes &f = want_beats.front();
			unsigned n = unsigned(std::min<size_t>(W, f.size() - out_off));
			bool last = out_off + n == f.size();
			uint8_t got[W];
			stream_tb::get_bytes(m.m_axis_tdata, got, W);
			uint64_t keep = stream_tb::get_u64(m.m_axis_tkeep);
			chk.expect(keep == stream_tb::keep_mask(n) && bool(m.m_axis_tlast) == last,
				   "frame %llu (%zu bytes out) beat at %zu: tkeep %#llx tlast %d, "
				   "want %#llx %d",
				   (unsigned long long)out_frames, f.size(), out_off,
				   (unsigned long long)keep, m.m_axis_tlast,
				   (unsigned long long)stream_tb::keep_mask(n), last);
			chk.expect(std::equal(got, got + n, f.begin() + long(out_off)),
				   "frame %llu beat at %zu: data differs",
				   (unsigned long long)out_frames, out_off);
			beats++;
			out_off += n;
			if (last) {
				want_beats.pop_front();
				out_off = 0;
				out_frames++;
			}
		}

		// The meta output: stable while offered, then the frame's.
		if (meta_held) {
			Bytes h(HDR);
			stream_tb::get_bytes(m.meta_hdr_o, h.data(), HDR);
			chk.expect(m.meta_valid_o && h == held_hdr && m.meta_len_o == held_len,
				   "meta %llu changed or withdrawn before it was taken",
				   (unsigned long long)metas);
		}
		meta_held = m.meta_valid_o && !m.meta_ready_i;
		if (m.meta_valid_o) {
			stream_tb::get_bytes(m.meta_hdr_o, held_hdr.data(), HDR);
			held_len = m.meta_len_o;
		}
		if (m.meta_valid_o && m.meta_ready_i) {
			chk.expect(!want_meta.empty(), "meta with no frame given");
			const Meta &w = want_meta.front();
			chk.expect(out_frames > metas,
				   "meta of frame %llu before the frame's last output beat",
				   (unsigned long long)metas);
			chk.expect(m.meta_len_o == w.out.size() &&
				       bool(m.meta_oversize_o) == w.oversize,
				   "meta %llu: length %u oversize %d, want %zu %d",
				   (unsigned long long)metas, m.meta_len_o, m.meta_oversize_o,
				   w.out.size(), w.oversize);
			// Header bytes up to the length; the bytes of beats wholly past the
			// end are zero (those in the last beat past tkeep are not defined).
			size_t n = std::min<size_t>(HDR, w.out.size());
			size_t zero_from = (w.out.size() + W - 1) / W * W;
			for (size_t i = 0; i < HDR; i++) {
				if (i < n)
					chk.expect(
					    held_hdr[i] == w.out[i],
					    "meta %llu (%zu bytes): header byte %zu is %#x, want "
					    "%#x",
					    (unsigned long long)metas, w.out.size(), i, held_hdr[i],
					    w.out[i]);
				else if (i >= zero_from)
					chk.expect(
					    held_hdr[i] == 0,
					    "meta %llu (%zu bytes): header byte %zu past the "
					    "frame's beats is %#x, not 0",
					    (unsigned long long)metas, w.out.size(), i,
					    held_hdr[i]);
			}
			oversize += w.oversize;
			want_meta.pop_front();
			metas++;
		}

		if (src.valid && m.s_axis_tready)
			src.taken();
		esp_tb::tick(m);
	}
	chk.expect(want_beats.empty() && out_off == 0, "output frames left over");
	std::printf("%llu frames (%llu oversize), %llu output beats in %llu cycles at DATA_W %u, "
		    "MAX_FRAME %u\n",
		    (unsigned long long)frames, (unsigned long long)oversize,
		    (unsigned long long)beats, (unsigned long long)cycles, TB_DATA_W, MAX_FRAME);
	if (valid_fell)
		std::printf("note: m_axis_tvalid fell %llu times without a handshake (it follows "
			    "meta_ready_i while a meta entry waits)\n",
			    (unsigned long long)valid_fell);
	m.final();
	return chk.finish("frame_capture");
}
