// Verilator testbench of the AES-CBC engines (rtl/crypto/aes_cbc_enc.sv, or
// aes_cbc_dec.sv when built with TB_DEC).
//
//   test_aes_cbc --vectors FILE   RFC 3602 cases, then the Wycheproof CBC
//                                 tests (wycheproof_mac.py cbc: the raw CBC
//                                 blocks of msg || PKCS#5 padding)
//   test_aes_cbc --random N       N random packets (AES-128/256) against
//                                 OpenSSL, interleaved over the channels,
//                                 gaps on the input
//   test_aes_cbc --bench          blocks per cycle with 1..NCH channels
//
// Prints "N passed, M failed" last and exits non-zero on any failure.
#ifdef TB_DEC
#include "Vaes_cbc_dec.h"
using Dut = Vaes_cbc_dec;
#else
#include "Vaes_cbc_enc.h"
using Dut = Vaes_cbc_enc;
#endif
#include "crypto_tb.h"

#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>

using crypto_tb::cbc;
using crypto_tb::dkey;
using sha_tb::Bytes;
using sha_tb::hex;
using sha_tb::Rng;
using sha_tb::unhex;

namespace
{

constexpr unsigned kNch = 18; // the engines' NCH default

struct Job {
	std::string name;
	Bytes key, iv, in, expect; // in: plaintext (enc) or ciphertext (dec)
	size_t next = 0;
	Bytes out;
};

Job make_job(const std::string &name, const Bytes &key, const Bytes &iv, const Bytes &pt)
{
	Job j;
	j.name = name;
	j.key = key;
	j.iv = iv;
#ifdef TB_DEC
	j.in = cbc(key, iv, pt, true);
	j.expect = pt;
#else
	j.in = pt;
	j.expect = cbc(key, iv, pt, true);
#endif
	return j;
}

// Runs the jobs over `nch` channels. Returns failures; cycles and blocks.
int run(std::deque<Job> jobs, unsigned nch, unsigned gap, Rng &rng, int *passed,
	uint64_t *cycles = nullptr, uint64_t *blocks = nullptr)
{
	Dut t;
	t.s_valid_i = 0;
	crypto_tb::reset(t);
	std::vector<Job> ch(nch);
	std::vector<bool> used(nch, false);
	std::vector<unsigned> inflight(nch, 0);
	int failed = 0;
	size_t done = 0, total = jobs.size();
	unsigned rr = 0;
	int offer = -1;
	uint64_t cyc = 0, nb = 0;
	while (done < total) {
		for (unsigned i = 0; i < nch; i++) {
			if (!used[i] && !jobs.empty()) {
				ch[i] = jobs.front();
				jobs.pop_front();
				ch[i].out.clear();
				used[i] = true;
			}
		}
		t.clk_i = 0;
		t.eval();
		if (offer < 0 && !rng.chance(gap)) {
			for (unsigned k = 0; k < nch; k++) {
				unsigned i = (rr + k) % nch;
				bool idle = true;
#ifndef TB_DEC
				idle = !((uint64_t(t.ch_busy_o) >> i) & 1);
#endif
				if (used[i] && idle && ch[i].next * 16 < ch[i].in.size()) {
					offer = int(i);
					rr = i + 1;
					break;
				}
			}
			if (offer >= 0) {
				Job &j = ch[offer];
				t.s_ch_i = offer;
				t.s_first_i = j.next == 0;
				t.s_key256_i = j.key.size() == 32;
#ifdef TB_DEC
				Bytes k = dkey(j.key);
				sha_tb::put_bytes(t.s_dkey_i, k.data(), 32);
#else
				sha_tb::put_bytes(t.s_key_i, j.key.data(), j.key.size());
#endif
				sha_tb::put_bytes(t.s_iv_i, j.iv.data(), 16);
				sha_tb::put_bytes(t.s_block_i, &j.in[j.next * 16], 16);
			}
		}
		t.s_valid_i = offer >= 0;
		t.eval();
#ifdef TB_DEC
		bool fire = t.s_valid_i;
#else
		bool fire = t.s_valid_i && t.s_ready_o;
#endif
		t.clk_i = 1;
		t.eval();
		cyc++;
		if (fire) {
			ch[offer].next++;
			inflight[offer]++;
			nb++;
			offer = -1;
		}
		if (t.m_valid_o) {
			unsigned c = t.m_ch_o;
			Job &j = ch[c];
			if (c >= nch || !used[c] || !inflight[c]) {
				printf("FAIL block for idle channel %u\n", c);
				return failed + 1;
			}
			inflight[c]--;
			Bytes b = sha_tb::get_bytes(t.m_block_o, 16);
			j.out.insert(j.out.end(), b.begin(), b.end());
			if (j.out.size() == j.in.size()) {
				if (j.out == j.expect) {
					(*passed)++;
				} else {
					failed++;
					printf("FAIL %s: got %s want %s\n", j.name.c_str(),
					       hex(j.out).c_str(), hex(j.expect).c_str());
				}
				used[c] = false;
				done++;
			}
		}
		if (cyc > 100000000) {
			printf("FAIL timeout\n");
			return failed + 1;
		}
	}
	if (cycles)
		*cycles = cyc;
	if (blocks)
		*blocks = nb;
	return failed;
}

Bytes field(const std::string &s)
{
	return s == "-" ? Bytes() : unhex(s);
}

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	int nrandom = 0;
	bool bench = false;
	uint64_t seed = 1;
	const char *vectors = nullptr;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--random") && i + 1 < argc)
			nrandom = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], nullptr, 0);
		else if (!strcmp(argv[i], "--vectors") && i + 1 < argc)
			vectors = argv[++i];
		else if (!strcmp(argv[i], "--bench"))
			bench = true;
	}
	Rng rng(seed);
	int passed = 0, failed = 0;

	if (vectors) {
		std::deque<Job> jobs;
		// RFC 3602 section 4, cases 1 and 2 (AES-128).
		struct {
			const char *key, *iv, *pt, *ct;
		} rfc[] = {
		    {"06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
		     "53696e676c6520626c6f636b206d7367", "e353779c1079aeb82708942dbe77181a"},
		    {"c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
		     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		     "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"},
		};
		for (auto &r : rfc) {
			Job j = make_job("RFC 3602", unhex(r.key), unhex(r.iv), unhex(r.pt));
#ifdef TB_DEC
			Bytes want = unhex(r.pt);
			j.in = unhex(r.ct);
#else
			Bytes want = unhex(r.ct);
#endif
			if (j.expect != want) {
				printf("FAIL RFC 3602 vector disagrees with OpenSSL\n");
				failed++;
			}
			j.expect = want;
			jobs.push_back(j);
		}
		std::ifstream in(vectors);
		std::string line;
		while (std::getline(in, line)) {
			std::istringstream f(line);
			std::string id, bits, result, key, iv, msg, ct;
			if (!(f >> id >> bits >> result >> key >> iv >> msg >> ct))
				continue;
			Bytes pt = field(msg);
			size_t p = 16 - pt.size() % 16; // PKCS#5
			pt.insert(pt.end(), p, uint8_t(p));
			Job j = make_job("wycheproof " + id, field(key), field(iv), pt);
			Bytes c = field(ct);
#ifdef TB_DEC
			j.in = c;
#else
			if (j.expect != c) {
				printf("FAIL wycheproof %s: OpenSSL disagrees\n", id.c_str());
				failed++;
			}
			j.expect = c;
#endif
			jobs.push_back(j);
		}
		failed += run(jobs, kNch, 20, rng, &passed);
	}
	if (nrandom) {
		std::deque<Job> jobs;
		for (int i = 0; i < nrandom; i++) {
			Bytes key = rng.bytes(rng.chance(50) ? 16 : 32);
			unsigned nblk = rng.chance(20) ? rng.range(1, 3) : rng.range(1, 100);
			jobs.push_back(make_job("random " + std::to_string(i), key, rng.bytes(16),
						rng.bytes(16 * nblk)));
		}
		failed += run(jobs, kNch, 30, rng, &passed);
	}
	if (bench) {
		for (unsigned n : {1u, 2u, 4u, 8u, 12u, 16u, 18u}) {
			std::deque<Job> jobs;
			for (unsigned i = 0; i < 3 * n; i++)
				jobs.push_back(make_job("bench", rng.bytes(16), rng.bytes(16),
							rng.bytes(16 * 32)));
			uint64_t cyc = 0, nb = 0;
			failed += run(jobs, n, 0, rng, &passed, &cyc, &nb);
			printf("%u channels: %llu blocks in %llu cycles: %.3f blocks per cycle\n",
			       n, (unsigned long long)nb, (unsigned long long)cyc,
			       double(nb) / cyc);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
