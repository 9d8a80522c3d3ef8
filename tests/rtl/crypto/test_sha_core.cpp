// Verilator testbench of sha_core (rtl/crypto/sha_core.sv), built per
// algorithm family and round-unit count (TB_ALG, TB_U).
//
//   test_sha_core --random N --seed S   the FIPS 180 examples, then N random
//                                       messages hashed with their blocks
//                                       interleaved, gaps on the input,
//                                       checked against OpenSSL
//   test_sha_core --bench               cycles per block: one message alone
//                                       (chained blocks) and many at once
//
// Prints "N passed, M failed" last and exits non-zero on any failure.
#include "Vsha_core.h"
#include "sha_tb.h"

#include <cstdlib>
#include <cstring>
#include <deque>

using namespace sha_tb;

namespace
{

// FIPS 180-2 appendix examples (also in NIST's "Cryptographic Standards and
// Guidelines: Examples with Intermediate Values"): message, SHA-384 flag,
// digest.
struct Example {
	int alg;
	bool sha384;
	const char *msg;
	const char *digest;
};
const char *const kM448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const char *const kM896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
const Example kExamples[] = {
    {0, false, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {0, false, kM448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    {1, false, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {1, false, kM448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {2, true, "abc",
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
     "8086072ba1e7cc2358baeca134c825a7"},
    {2, true, kM896,
     "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
     "fcc7c71a557e2db966c3e9fa91746039"},
    {2, false, "abc",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {2, false, kM896,
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
     "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
};

struct Job {
	std::string name;
	Bytes padded;
	bool sha384 = false;
	Bytes expect;
	size_t next = 0; // next block to send
	bool busy = false;
	std::vector<uint64_t> st;
};

struct Sim {
	Vsha_core top;
	uint64_t cycle = 0;
	Sim()
	{
		top.clk_i = 0;
		top.rst_ni = 0;
		top.s_valid_i = 0;
		for (int i = 0; i < 4; i++)
			tick();
		top.rst_ni = 1;
	}
	void tick()
	{
		top.clk_i = 0;
		top.eval();
		top.clk_i = 1;
		top.eval();
		cycle++;
	}
};

// Runs the jobs through the core with up to `slots` of them in flight.
// gap: percent of cycles without a block offered. Returns failures; the
// cycle count from the first block offered to the last result in *cycles.
int run(std::deque<Job> jobs, unsigned slots, unsigned gap, Rng &rng, int *passed,
	uint64_t *cycles = nullptr, uint64_t *blocks = nullptr)
{
	Sim sim;
	auto &t = sim.top;
	std::vector<Job> slot(slots);
	std::vector<bool> used(slots, false);
	int failed = 0;
	size_t done = 0, total = jobs.size();
	unsigned rr = 0;
	int offer = -1; // slot whose block is on s_*
	uint64_t start = sim.cycle, nblocks = 0;
	while (done < total) {
		for (unsigned i = 0; i < slots; i++) {
			if (!used[i] && !jobs.empty()) {
				slot[i] = jobs.front();
				jobs.pop_front();
				slot[i].st = iv(slot[i].sha384);
				used[i] = true;
			}
		}
		if (offer < 0 && !rng.chance(gap)) {
			for (unsigned k = 0; k < slots; k++) {
				unsigned i = (rr + k) % slots;
				if (used[i] && !slot[i].busy &&
				    slot[i].next * kBB < slot[i].padded.size()) {
					offer = int(i);
					rr = i + 1;
					break;
				}
			}
			if (offer >= 0) {
				Job &j = slot[offer];
				put_words(t.s_state_i, j.st);
				put_bytes(t.s_block_i, &j.padded[j.next * kBB], kBB);
				t.s_meta_i = uint8_t(offer);
			}
		}
		t.s_valid_i = offer >= 0;
		t.clk_i = 0;
		t.eval();
		bool fire = t.s_valid_i && t.s_ready_o;
		t.clk_i = 1;
		t.eval();
		sim.cycle++;
		if (fire) {
			slot[offer].busy = true;
			slot[offer].next++;
			nblocks++;
			offer = -1;
		}
		if (t.m_valid_o) {
			Job &j = slot[t.m_meta_o];
			if (!used[t.m_meta_o] || !j.busy) {
				printf("FAIL result for idle slot %u\n", t.m_meta_o);
				return failed + 1;
			}
			j.busy = false;
			j.st = get_words(t.m_state_o);
			if (j.next * kBB == j.padded.size()) {
				Bytes d = state_bytes(j.st, j.expect.size());
				if (d == j.expect) {
					(*passed)++;
				} else {
					failed++;
					printf("FAIL %s: got %s want %s\n", j.name.c_str(),
					       hex(d).c_str(), hex(j.expect).c_str());
				}
				used[t.m_meta_o] = false;
				done++;
			}
		}
		if (sim.cycle - start > 100000000) {
			printf("FAIL timeout\n");
			return failed + 1;
		}
	}
	if (cycles)
		*cycles = sim.cycle - start;
	if (blocks)
		*blocks = nblocks;
	return failed;
}

Job make_job(const std::string &name, const Bytes &m, bool sha384)
{
	Job j;
	j.name = name;
	j.padded = pad(m);
	j.sha384 = sha384;
	j.expect = digest(m, sha384);
	return j;
}

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	int nrandom = 200;
	uint64_t seed = 1;
	bool bench = false;
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
	const unsigned slots = 2 * TB_U + 4;

	if (bench) {
		// One message of 16 blocks alone: chained blocks.
		uint64_t cyc = 0, nb = 0;
		std::deque<Job> one{make_job("chain", rng.bytes(16 * kBB - kLenB - 1), false)};
		failed += run(one, 1, 0, rng, &passed, &cyc, &nb);
		printf("alg %d U=%d: one packet: %llu cycles for %llu blocks (%.1f per block)\n",
		       kAlg, TB_U, (unsigned long long)cyc, (unsigned long long)nb,
		       double(cyc) / nb);
		// Many one-block messages, no gaps: the engine's throughput.
		std::deque<Job> many;
		for (int i = 0; i < 40 * TB_U + 40; i++)
			many.push_back(make_job("many", rng.bytes(kBB - kLenB - 1), false));
		failed += run(many, slots, 0, rng, &passed, &cyc, &nb);
		printf("alg %d U=%d: %u contexts: %llu cycles for %llu blocks (%.2f cycles per "
		       "%d-byte block, %.2f per 64 bytes)\n",
		       kAlg, TB_U, slots, (unsigned long long)cyc, (unsigned long long)nb,
		       double(cyc) / nb, kBB, double(cyc) / nb * 64 / kBB);
	} else {
		std::deque<Job> ex;
		for (const Example &e : kExamples) {
			if (e.alg != kAlg)
				continue;
			Bytes m(e.msg, e.msg + strlen(e.msg));
			Job j = make_job(std::string("FIPS 180 ") + (e.sha384 ? "SHA-384 " : "") +
					     e.msg,
					 m, e.sha384);
			if (j.expect != unhex(e.digest)) {
				printf("FAIL the example %s disagrees with OpenSSL\n",
				       j.name.c_str());
				failed++;
			}
			j.expect = unhex(e.digest);
			ex.push_back(j);
		}
		failed += run(ex, slots, 0, rng, &passed);
		std::deque<Job> rnd;
		for (int i = 0; i < nrandom; i++) {
			unsigned len = rng.chance(20) ? rng.range(0, 3 * kBB) : rng.range(0, 1600);
			bool s384 = kAlg == 2 && rng.chance(50);
			rnd.push_back(
			    make_job("random " + std::to_string(i), rng.bytes(len), s384));
		}
		failed += run(rnd, slots, 30, rng, &passed);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
