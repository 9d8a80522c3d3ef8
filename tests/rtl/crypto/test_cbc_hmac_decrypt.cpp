// Verilator testbench of cbc_hmac_decrypt (rtl/crypto/cbc_hmac_decrypt.sv),
// built per DATA_W (TB_DATA_W).
//
//   test_cbc_hmac_decrypt --random N   N random ESP packets (4 MAC algorithms
//                                      x AES-128/256 x ESN on/off, random
//                                      sizes) against OpenSSL, with forged
//                                      ICVs (every byte position), wrong
//                                      seq_hi, flipped ciphertext, truncated
//                                      and bad-length packets; random tvalid
//                                      gaps and tready back-pressure
//   test_cbc_hmac_decrypt --bench      cycles per packet and bytes per cycle
//                                      for 64, 512, 1500-byte frames and IMIX
//
// The reference: a packet is malformed unless its length is 24 + 16n + ICV
// (n >= 1) and it fits the buffer (then one beat of its first bytes, tuser
// 2); otherwise the output is [SPI][SEQ][IV][CBC-decrypt(C)] and tuser bit 0
// says whether OpenSSL's HMAC over SPI..C (|| seq_hi with ESN) truncated
// equals the packet's ICV. Prints "N passed, M failed" last.
#include "Vcbc_hmac_decrypt.h"
#include "crypto_tb.h"

#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <type_traits>

using sha_tb::Bytes;
using sha_tb::hex;
using sha_tb::Rng;

namespace
{

#ifndef TB_DATA_W
#define TB_DATA_W 128
#endif
constexpr unsigned kWB = TB_DATA_W / 8;
constexpr unsigned kMaxLen = 16384; // the buffer's MAXB beats (2^(AW-1) * WB)

unsigned icv_len(int alg)
{
	static const unsigned n[] = {12, 16, 24, 32};
	return n[alg];
}

struct Pkt {
	std::string name;
	int alg = 1; // 0 SHA-1-96, 1 SHA-256-128, 2 SHA-384-192, 3 SHA-512-256
	bool esn = false;
	uint32_t seq_hi = 0;
	Bytes key, dkey, auth;
	std::vector<uint64_t> istate, ostate;
	Bytes in;
	// expected
	Bytes out;
	unsigned user = 0;
};

// The expected output of p.in under p's context.
void expect(Pkt &p)
{
	const unsigned icv = icv_len(p.alg), len = unsigned(p.in.size());
	const bool mal = len < 40 + icv || (len - icv - 24) % 16 || len > kMaxLen;
	if (mal) {
		p.out.assign(p.in.begin(), p.in.begin() + std::min(len, kWB));
		p.user = 2;
		return;
	}
	const unsigned e = len - icv;
	Bytes iv(p.in.begin() + 8, p.in.begin() + 24), c(p.in.begin() + 24, p.in.begin() + e);
	p.out.assign(p.in.begin(), p.in.begin() + 24);
	Bytes pt = crypto_tb::cbc(p.key, iv, c, false);
	p.out.insert(p.out.end(), pt.begin(), pt.end());
	Bytes m(p.in.begin(), p.in.begin() + e);
	if (p.esn)
		for (int k = 3; k >= 0; k--)
			m.push_back(uint8_t(p.seq_hi >> (8 * k)));
	const int fam = p.alg == 0 ? 0 : p.alg == 1 ? 1 : 2;
	Bytes mac(EVP_MAX_MD_SIZE);
	unsigned n = 0;
	HMAC(crypto_tb::md_of(fam, p.alg == 2), p.auth.data(), int(p.auth.size()), m.data(),
	     m.size(), mac.data(), &n);
	p.user = std::equal(mac.begin(), mac.begin() + icv, p.in.begin() + e) ? 1 : 0;
}

// A well-formed packet of nblk ciphertext blocks with its ICV.
Pkt make_pkt(Rng &rng, const std::string &name, int alg, bool key256, bool esn, unsigned nblk)
{
	Pkt p;
	p.name = name;
	p.alg = alg;
	p.esn = esn;
	p.seq_hi = uint32_t(rng.next());
	p.key = rng.bytes(key256 ? 32 : 16);
	p.dkey = crypto_tb::dkey(p.key);
	const int fam = alg == 0 ? 0 : alg == 1 ? 1 : 2;
	static const unsigned klen[] = {20, 32, 48, 64};
	p.auth = rng.bytes(rng.chance(10) ? rng.range(1, 150) : klen[alg]);
	p.istate = crypto_tb::pad_state(fam, p.auth, 0x36, alg == 2);
	p.ostate = crypto_tb::pad_state(fam, p.auth, 0x5c, alg == 2);
	Bytes hdr = rng.bytes(24);
	Bytes pt = rng.bytes(16 * nblk);
	Bytes c = crypto_tb::cbc(p.key, Bytes(hdr.begin() + 8, hdr.end()), pt, true);
	p.in = hdr;
	p.in.insert(p.in.end(), c.begin(), c.end());
	p.in.resize(p.in.size() + icv_len(alg), 0);
	Bytes m(p.in.begin(), p.in.end() - icv_len(alg));
	if (esn)
		for (int k = 3; k >= 0; k--)
			m.push_back(uint8_t(p.seq_hi >> (8 * k)));
	Bytes mac(EVP_MAX_MD_SIZE);
	unsigned n = 0;
	HMAC(crypto_tb::md_of(fam, alg == 2), p.auth.data(), int(p.auth.size()), m.data(), m.size(),
	     mac.data(), &n);
	std::copy(mac.begin(), mac.begin() + icv_len(alg), p.in.end() - icv_len(alg));
	expect(p);
	return p;
}

// Words of a pad state into a 512-bit port (word i at [WS*i +: WS]).
void put_state(VlWide<16> &w, const std::vector<uint64_t> &st, int alg)
{
	for (int i = 0; i < 16; i++)
		w[i] = 0;
	for (size_t i = 0; i < st.size(); i++) {
		if (alg >= 2) {
			w[2 * i] = uint32_t(st[i]);
			w[2 * i + 1] = uint32_t(st[i] >> 32);
		} else {
			w[i] = uint32_t(st[i]);
		}
	}
}

using Keep = std::remove_reference_t<decltype(Vcbc_hmac_decrypt().s_axis_tkeep)>;

struct Run {
	uint64_t cycles = 0, first_in = 0, last_out = 0;
};

// Drives the packets through one DUT. gap / stall: percent of cycles without
// tvalid / tready. Returns failures.
int run(std::deque<Pkt> pkts, unsigned gap, unsigned stall, Rng &rng, int *passed,
	Run *stats = nullptr)
{
	Vcbc_hmac_decrypt t;
	t.s_axis_tvalid = 0;
	t.m_axis_tready = 0;
	crypto_tb::reset(t);
	std::deque<Pkt> want = pkts;
	size_t off = 0; // byte offset of the next input beat
	Bytes got;
	int failed = 0;
	uint64_t cyc = 0, idle = 0;
	bool started = false;
	while (!want.empty()) {
		t.clk_i = 0;
		t.eval();
		bool offer = !pkts.empty() && !rng.chance(gap);
		if (offer) {
			const Pkt &p = pkts.front();
			size_t n = std::min<size_t>(kWB, p.in.size() - off);
			stream_tb::put_bytes(t.s_axis_tdata, &p.in[off], n);
			t.s_axis_tkeep = Keep(stream_tb::keep_mask(unsigned(n)));
			t.s_axis_tlast = off + n == p.in.size();
			t.s_key256_i = p.key.size() == 32;
			stream_tb::put_bytes(t.s_dkey_i, p.dkey.data(), 32);
			t.s_mac_alg_i = p.alg;
			put_state(t.s_istate_i, p.istate, p.alg);
			put_state(t.s_ostate_i, p.ostate, p.alg);
			t.s_esn_i = p.esn;
			t.s_seq_hi_i = p.seq_hi;
		}
		t.s_axis_tvalid = offer;
		t.m_axis_tready = !rng.chance(stall);
		t.eval();
		bool in_fire = t.s_axis_tvalid && t.s_axis_tready;
		bool out_fire = t.m_axis_tvalid && t.m_axis_tready;
		size_t okeep = 0;
		Bytes obeat;
		bool olast = false;
		unsigned ouser = 0;
		if (out_fire) {
			uint64_t k = stream_tb::get_u64(t.m_axis_tkeep);
			while (okeep < kWB && ((k >> okeep) & 1))
				okeep++;
			obeat.resize(kWB);
			stream_tb::get_bytes(t.m_axis_tdata, obeat.data(), kWB);
			obeat.resize(okeep);
			olast = t.m_axis_tlast;
			ouser = t.m_axis_tuser;
		}
		t.clk_i = 1;
		t.eval();
		cyc++;
		if (in_fire) {
			if (!started && stats)
				stats->first_in = cyc;
			started = true;
			const Pkt &p = pkts.front();
			off += std::min<size_t>(kWB, p.in.size() - off);
			if (off == p.in.size()) {
				pkts.pop_front();
				off = 0;
			}
		}
		if (out_fire) {
			idle = 0;
			got.insert(got.end(), obeat.begin(), obeat.end());
			if (okeep != kWB && !olast) {
				failed++;
				printf("FAIL %s: partial beat before the last\n",
				       want.front().name.c_str());
			}
			if (olast) {
				Pkt &p = want.front();
				if (got == p.out && ouser == p.user) {
					(*passed)++;
				} else {
					failed++;
					printf("FAIL %s (alg %d esn %d len %zu): user %u want %u\n "
					       " got  %s\n  "
					       "want %s\n",
					       p.name.c_str(), p.alg, p.esn, p.in.size(), ouser,
					       p.user, hex(got).c_str(), hex(p.out).c_str());
					if (failed > 5)
						return failed;
				}
				got.clear();
				want.pop_front();
				if (stats)
					stats->last_out = cyc;
			}
		} else if (++idle > 200000) {
			printf("FAIL timeout, %zu packets missing\n", want.size());
			return failed + 1;
		}
	}
	if (stats)
		stats->cycles = cyc;
	return failed;
}

// The ESP packet of a frame of f bytes (Ethernet 14 + IPv4 20 + FCS 4 = 38
// bytes around it), at least one block.
unsigned esp_len(unsigned f, int alg)
{
	int c = (int(f) - 38 - int(icv_len(alg)) - 24) / 16;
	return 24 + 16 * unsigned(std::max(c, 1)) + icv_len(alg);
}

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	int nrandom = 0;
	bool bench = false;
	uint64_t seed = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--random") && i + 1 < argc)
			nrandom = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], nullptr, 0);
		else if (!strcmp(argv[i], "--bench"))
			bench = true;
	}
	Rng rng(seed);
	int passed = 0, failed = 0;

	if (nrandom) {
		std::deque<Pkt> pkts;
		unsigned forged = 0, good = 0, mal = 0;
		for (int i = 0; i < nrandom; i++) {
			int alg = int(rng.range(0, 3));
			unsigned nblk = rng.chance(30) ? rng.range(1, 4) : rng.range(1, 95);
			Pkt p = make_pkt(rng, "pkt " + std::to_string(i), alg, rng.chance(50),
					 rng.chance(50), nblk);
			const unsigned icv = icv_len(alg), e = unsigned(p.in.size()) - icv;
			switch (rng.range(0, 9)) {
			case 0: // forged ICV, each byte position in turn
				p.in[e + (forged++ % icv)] ^= uint8_t(1u << rng.range(0, 7));
				break;
			case 1: // wrong seq_hi (hashed only with ESN)
				p.seq_hi ^= 1u << rng.range(0, 31);
				break;
			case 2: // a ciphertext or header byte flipped
				p.in[rng.range(0, e - 1)] ^= 0x40;
				break;
			case 3: // truncated or extended: mostly bad lengths
				if (rng.chance(50))
					p.in.resize(rng.range(0, unsigned(p.in.size()) - 1));
				else
					p.in.resize(p.in.size() + rng.range(1, 40), 0x5a);
				break;
			default:
				break;
			}
			if (rng.chance(1)) // longer than the buffer keeps
				p.in.resize(kMaxLen + rng.range(1, 300), 0x33);
			if (p.in.empty())
				p.in.push_back(0); // a packet has at least one byte
			expect(p);
			good += p.user == 1;
			mal += p.user == 2;
			pkts.push_back(p);
		}
		printf("%d packets: %u authentic, %u malformed, %d forged\n", nrandom, good, mal,
		       nrandom - int(good) - int(mal));
		if (good < unsigned(nrandom) / 3) {
			printf("FAIL too few authentic packets\n");
			failed++;
		}
		failed += run(pkts, 30, 30, rng, &passed);
		// Every ICV byte position of every algorithm flipped, beside authentic
		// packets, with ESN on and off.
		std::deque<Pkt> icvs;
		for (int alg = 0; alg < 4; alg++) {
			for (unsigned b = 0; b < icv_len(alg); b++) {
				Pkt p = make_pkt(rng, "icv byte " + std::to_string(b), alg,
						 rng.chance(50), b % 2, rng.range(1, 6));
				p.in[p.in.size() - icv_len(alg) + b] ^= uint8_t(1u << (b % 8));
				expect(p);
				if (p.user != 0) {
					printf("FAIL reference: forged ICV accepted\n");
					failed++;
				}
				icvs.push_back(p);
				icvs.push_back(make_pkt(rng, "authentic", alg, rng.chance(50),
							b % 2, rng.range(1, 6)));
			}
		}
		failed += run(icvs, 20, 20, rng, &passed);
		// Back to back, no gaps, no back-pressure.
		std::deque<Pkt> fast;
		for (int i = 0; i < 60; i++)
			fast.push_back(make_pkt(rng, "fast " + std::to_string(i),
						int(rng.range(0, 3)), rng.chance(50),
						rng.chance(50), rng.range(1, 20)));
		failed += run(fast, 0, 0, rng, &passed);
	}
	if (bench) {
		const unsigned frames[] = {64, 512, 1500};
		for (int alg = 0; alg < 4; alg++) {
			for (int mix = 0; mix < 4; mix++) {
				std::deque<Pkt> pkts;
				uint64_t wire = 0, esp = 0;
				const unsigned n = 120;
				for (unsigned i = 0; i < n; i++) {
					unsigned f = frames[mix < 3 ? mix : 0];
					if (mix == 3) { // IMIX 7:4:1 of 64:594:1518
						unsigned r = i % 12;
						f = r < 7 ? 64 : r < 11 ? 594 : 1518;
					}
					unsigned l = esp_len(f, alg);
					pkts.push_back(make_pkt(rng, "bench", alg, true, true,
								(l - 24 - icv_len(alg)) / 16));
					wire += f + 20;
					esp += l;
				}
				Run st;
				failed += run(pkts, 0, 0, rng, &passed, &st);
				double cyc = double(st.last_out - st.first_in);
				printf("bench DATA_W %u alg %d %-5s: %.1f cycles/packet, %.2f ESP "
				       "bytes/cycle, "
				       "%.2f wire bytes/cycle (%.1f Gb/s at 250 MHz)\n",
				       TB_DATA_W, alg,
				       mix == 0	  ? "64"
				       : mix == 1 ? "512"
				       : mix == 2 ? "1500"
						  : "IMIX",
				       cyc / n, esp / cyc, wire / cyc, wire / cyc * 8 * 0.25);
			}
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
