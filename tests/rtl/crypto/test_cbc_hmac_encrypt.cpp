// Verilator testbench of cbc_hmac_encrypt (rtl/crypto/cbc_hmac_encrypt.sv),
// the ESP AES-CBC + HMAC encrypt-then-MAC stream, built per DATA_W
// (TB_DATA_W).
//
//   test_cbc_hmac_encrypt --random N   N random packets (all four MACs,
//                                      AES-128/256, ESN on/off, random sizes,
//                                      bad packets among them) against
//                                      OpenSSL, many in flight, random tvalid
//                                      gaps and tready back-pressure
//   test_cbc_hmac_encrypt --bench      cycles per packet and bytes per cycle
//                                      for 64/512/1500-byte packets and IMIX
//
// The HMAC pad states (compress(IV, K^ipad), compress(IV, K^opad)) are
// computed with OpenSSL's one-block SHA update (crypto_tb.h), as the host
// will once per SA. Prints "N passed, M failed" last and exits non-zero on
// failure.
#include "Vcbc_hmac_encrypt.h"
#include "crypto_tb.h"

#include <openssl/hmac.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>

using sha_tb::Bytes;
using sha_tb::hex;
using sha_tb::Rng;

namespace
{

#ifndef TB_DATA_W
#define TB_DATA_W 512
#endif
constexpr unsigned kWB = TB_DATA_W / 8;	       // beat bytes
constexpr unsigned kMaxLen = 2048 - 8;	       // MAX_LEN default less 8
constexpr unsigned kIcv[4] = {12, 16, 24, 32}; // by MAC algorithm

// The MAC's hash (alg 0..3: SHA-1, SHA-256, SHA-384, SHA-512).
const EVP_MD *mac_md(int alg)
{
	return crypto_tb::md_of(alg >= 2 ? 2 : alg, alg == 2);
}

// The HMAC pad state (crypto_tb::pad_state) as 32-bit port words in
// sha_hmac's layout (word i of the state in bits [WS*i +: WS]).
std::vector<uint32_t> pad_state(int alg, const Bytes &key, uint8_t padbyte)
{
	std::vector<uint32_t> w;
	for (uint64_t h : crypto_tb::pad_state(alg >= 2 ? 2 : alg, key, padbyte, alg == 2)) {
		w.push_back(uint32_t(h));
		if (alg >= 2)
			w.push_back(uint32_t(h >> 32));
	}
	w.resize(16, 0);
	return w;
}

struct Pkt {
	Bytes in, expect;
	bool bad = false;
	Bytes key;
	int alg = 1;
	bool esn = false;
	uint32_t seq_hi = 0;
	std::vector<uint32_t> ist, ost;
};

// A good packet of n plaintext blocks, or (bad_len) of that many bytes.
Pkt make_pkt(Rng &rng, unsigned n, int alg, bool key256, bool esn, int bad_len = -1)
{
	Pkt p;
	p.alg = alg;
	p.esn = esn;
	p.seq_hi = uint32_t(rng.next());
	p.key = rng.bytes(key256 ? 32 : 16);
	const unsigned klen[4] = {20, 32, 48, 64}; // the RFCs' key sizes, or any
	Bytes akey = rng.bytes(rng.chance(30) ? rng.range(1, 160) : klen[alg]);
	p.ist = pad_state(alg, akey, 0x36);
	p.ost = pad_state(alg, akey, 0x5c);
	if (bad_len >= 0) {
		p.bad = true;
		p.in = rng.bytes(unsigned(bad_len));
		return p;
	}
	p.in = rng.bytes(24 + 16 * n);
	Bytes iv(p.in.begin() + 8, p.in.begin() + 24);
	Bytes pt(p.in.begin() + 24, p.in.end());
	Bytes ct = crypto_tb::cbc(p.key, iv, pt, true);
	p.expect.assign(p.in.begin(), p.in.begin() + 24);
	p.expect.insert(p.expect.end(), ct.begin(), ct.end());
	Bytes msg = p.expect;
	if (esn)
		for (int i = 3; i >= 0; i--)
			msg.push_back(uint8_t(p.seq_hi >> (8 * i)));
	Bytes mac(EVP_MAX_MD_SIZE);
	unsigned ml = 0;
	HMAC(mac_md(alg), akey.data(), int(akey.size()), msg.data(), msg.size(), mac.data(), &ml);
	mac.resize(kIcv[alg]);
	p.expect.insert(p.expect.end(), mac.begin(), mac.end());
	return p;
}

struct Stats {
	uint64_t cycles = 0, first_in = 0, last_out = 0;
	int passed = 0, failed = 0;
};

// Drives the packets in (gaps: percent of cycles tvalid is low; stall:
// percent of cycles tready is low) and checks every output byte.
Stats run(const std::vector<Pkt> &pkts, unsigned gap, unsigned stall, Rng &rng, bool verbose = true)
{
	Vcbc_hmac_encrypt t;
	Stats st;
	t.s_axis_tvalid = 0;
	t.m_axis_tready = 0;
	crypto_tb::reset(t);
	size_t pi = 0, off = 0; // input packet, byte offset
	size_t po = 0;		// output packet
	Bytes got;
	bool user = false, seen_first_in = false;
	unsigned beats = 0;
	uint64_t limit = 200000 + 20000ull * pkts.size();
	while (po < pkts.size() && st.cycles < limit) {
		t.clk_i = 0;
		bool v = pi < pkts.size() && !rng.chance(gap);
		t.s_axis_tvalid = v;
		if (pi < pkts.size()) {
			const Pkt &p = pkts[pi];
			size_t n = std::min<size_t>(kWB, p.in.size() - off);
			sha_tb::put_bytes(t.s_axis_tdata, p.in.data() + off, n);
			uint64_t km = stream_tb::keep_mask(unsigned(n));
			std::memcpy(static_cast<void *>(&t.s_axis_tkeep), &km,
				    sizeof(t.s_axis_tkeep));
			t.s_axis_tlast = off + n >= p.in.size();
			Bytes key = p.key;
			key.resize(32, 0);
			sha_tb::put_bytes(t.s_key_i, key.data(), 32);
			t.s_key256_i = p.key.size() == 32;
			t.s_mac_alg_i = uint8_t(p.alg);
			t.s_esn_i = p.esn;
			t.s_seq_hi_i = p.seq_hi;
			for (int i = 0; i < 16; i++) {
				t.s_istate_i[i] = p.ist[size_t(i)];
				t.s_ostate_i[i] = p.ost[size_t(i)];
			}
		}
		bool rdy = !rng.chance(stall);
		t.m_axis_tready = rdy;
		t.eval();
		bool in_hs = v && t.s_axis_tready;
		if (t.m_axis_tvalid && rdy) {
			uint64_t keep = 0;
			std::memcpy(&keep, static_cast<const void *>(&t.m_axis_tkeep),
				    sizeof(t.m_axis_tkeep));
			Bytes beat(kWB);
			stream_tb::get_bytes(t.m_axis_tdata, beat.data(), kWB);
			unsigned nk = 0;
			while (nk < kWB && (keep >> nk & 1))
				nk++;
			bool contiguous = keep == stream_tb::keep_mask(nk);
			if (!contiguous || (!t.m_axis_tlast && nk != kWB)) {
				printf("FAIL pkt %zu: keep %llx last %d\n", po,
				       (unsigned long long)keep, t.m_axis_tlast);
				st.failed++;
			}
			got.insert(got.end(), beat.begin(), beat.begin() + nk);
			user = user || t.m_axis_tuser;
			beats++;
			if (t.m_axis_tlast) {
				const Pkt &p = pkts[po];
				bool ok = p.bad ? (user && beats == 1 && got.size() == 1)
						: (!user && got == p.expect);
				if (ok) {
					st.passed++;
				} else {
					st.failed++;
					if (verbose) {
						printf("FAIL pkt %zu (alg %d key %zu esn %d len "
						       "%zu bad %d): user %d beats %u\n",
						       po, p.alg, p.key.size(), p.esn, p.in.size(),
						       p.bad, user, beats);
						printf("  got    %s\n  expect %s\n",
						       hex(got).c_str(), hex(p.expect).c_str());
					}
				}
				st.last_out = st.cycles;
				po++;
				got.clear();
				user = false;
				beats = 0;
			}
		}
		t.clk_i = 1;
		t.eval();
		st.cycles++;
		if (in_hs) {
			if (!seen_first_in) {
				seen_first_in = true;
				st.first_in = st.cycles;
			}
			off += kWB;
			if (off >= pkts[pi].in.size()) {
				pi++;
				off = 0;
			}
		}
	}
	if (po < pkts.size()) {
		printf("FAIL: timeout after %llu cycles, %zu of %zu packets out\n",
		       (unsigned long long)st.cycles, po, pkts.size());
		st.failed += int(pkts.size() - po);
	}
	return st;
}

int random_test(unsigned count)
{
	Rng rng(12);
	int passed = 0, failed = 0;
	// Rounds: (tvalid gap %, tready stall %), each its own packet mix.
	const unsigned gaps[][2] = {{0, 0}, {30, 0}, {0, 40}, {25, 25}, {60, 70}};
	for (auto &g : gaps) {
		std::vector<Pkt> pkts;
		for (unsigned i = 0; i < count; i++) {
			int alg = int(rng.range(0, 3));
			bool k256 = rng.chance(50), esn = rng.chance(50);
			unsigned n =
			    rng.chance(50) ? rng.range(1, 8) : rng.range(1, (kMaxLen - 24) / 16);
			if (rng.chance(8)) {
				// bad: not 24 + 16n, shorter than one block, or too long
				int len;
				switch (rng.range(0, 3)) {
				case 0:
					len = int(rng.range(1, 39));
					break;
				case 1:
					len = int(24 + 16 * rng.range(1, 20) + rng.range(1, 15));
					break;
				case 2:
					len = int(kMaxLen + 16 * rng.range(1, 10));
					break;
				default:
					len = 24;
				}
				pkts.push_back(make_pkt(rng, 0, alg, k256, esn, len));
			} else {
				pkts.push_back(make_pkt(rng, n, alg, k256, esn));
			}
		}
		Stats st = run(pkts, g[0], g[1], rng);
		printf("gap %u%% stall %u%%: %d passed, %d failed (%llu cycles)\n", g[0], g[1],
		       st.passed, st.failed, (unsigned long long)st.cycles);
		passed += st.passed;
		failed += st.failed;
	}
	// Every combination once, smallest and largest packet.
	std::vector<Pkt> pkts;
	for (int alg = 0; alg < 4; alg++)
		for (int k = 0; k < 2; k++)
			for (int e = 0; e < 2; e++)
				for (unsigned n : {1u, 2u, 3u, 4u, 7u, 8u, (kMaxLen - 24) / 16})
					pkts.push_back(make_pkt(rng, n, alg, k, e));
	Stats st = run(pkts, 10, 10, rng);
	printf("combinations: %d passed, %d failed\n", st.passed, st.failed);
	passed += st.passed;
	failed += st.failed;
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

// Bench: a saturated input, no back-pressure; cycles per packet in the
// steady state. ESP packet of S bytes: 24 + 16n with n = ceil((S - 24) / 16).
int bench()
{
	Rng rng(5);
	const char *algs[4] = {"HMAC-SHA-1-96", "HMAC-SHA-256-128", "HMAC-SHA-384-192",
			       "HMAC-SHA-512-256"};
	printf("DATA_W %d\n", TB_DATA_W);
	printf("%-18s %-10s %10s %12s %12s\n", "MAC", "packet", "cyc/pkt", "in B/cyc",
	       "wire B/cyc");
	for (int alg = 0; alg < 4; alg++) {
		for (unsigned s : {64u, 512u, 1500u, 0u}) {
			std::vector<Pkt> pkts;
			double in_bytes = 0, wire = 0;
			const unsigned npk = 120;
			for (unsigned i = 0; i < npk; i++) {
				unsigned len, frame;
				if (s) {
					len = 24 + 16 * ((s - 24 + 15) / 16);
					frame = len + 38 + kIcv[alg];
				} else {
					// IMIX 7:4:1 of 64:594:1518-byte frames, less 38 + ICV
					unsigned k = i % 12;
					frame = k < 7 ? 64 : k < 11 ? 594 : 1518;
					int esp = int(frame) - 38 - int(kIcv[alg]);
					len = esp < 40 ? 40 : 24 + 16 * unsigned((esp - 24) / 16);
				}
				pkts.push_back(make_pkt(rng, (len - 24) / 16, alg, true, true));
				in_bytes += len;
				wire += frame + 20;
			}
			Stats st = run(pkts, 0, 0, rng, false);
			double cyc = double(st.last_out - st.first_in);
			char name[16];
			snprintf(name, sizeof name, s ? "%u B" : "IMIX", s);
			printf("%-18s %-10s %10.1f %12.2f %12.2f%s\n", algs[alg], name, cyc / npk,
			       in_bytes / cyc, wire / cyc, st.failed ? "  (FAILED)" : "");
			if (st.failed)
				return 1;
		}
	}
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--random" && i + 1 < argc)
			return random_test(unsigned(std::atoi(argv[++i])));
		if (a == "--bench")
			return bench();
	}
	fprintf(stderr, "usage: %s --random N | --bench\n", argv[0]);
	return 2;
}
