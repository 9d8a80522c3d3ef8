// Verilator testbench of aes_ctr_drbg (rtl/crypto/aes_ctr_drbg.sv) against a
// reference CTR_DRBG written from NIST SP 800-90A 10.2 (AES-256, no
// derivation function, ctr_len 32) over OpenSSL's AES: nothing before the
// first seed, the output stream of generate calls of GEN_BLOCKS blocks, a
// reseed between two calls, and the stop after RESEED_MAX calls until the
// host reseeds. Built with GEN_BLOCKS = TB_GEN and RESEED_MAX = TB_RESEED.
#include "Vaes_ctr_drbg.h"
#include "sha_tb.h"

#include <cstdlib>
#include <cstring>

using sha_tb::Bytes;
using sha_tb::hex;
using sha_tb::Rng;

namespace
{

Bytes aes256(const Bytes &key, const Bytes &in)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	Bytes out(32);
	int n = 0;
	EVP_EncryptInit_ex(c, EVP_aes_256_ecb(), nullptr, key.data(), nullptr);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_EncryptUpdate(c, out.data(), &n, in.data(), 16);
	EVP_CIPHER_CTX_free(c);
	out.resize(16);
	return out;
}

struct Model {
	Bytes key = Bytes(32, 0), v = Bytes(16, 0);
	void inc()
	{
		for (int i = 15; i >= 12; i--)
			if (++v[i])
				break;
	}
	void update(const Bytes &prov)
	{
		Bytes temp;
		for (int i = 0; i < 3; i++) {
			inc();
			Bytes b = aes256(key, v);
			temp.insert(temp.end(), b.begin(), b.end());
		}
		for (int i = 0; i < 48; i++)
			temp[i] ^= prov[i];
		key.assign(temp.begin(), temp.begin() + 32);
		v.assign(temp.begin() + 32, temp.end());
	}
	void call(std::vector<Bytes> &out)
	{
		for (int i = 0; i < TB_GEN; i++) {
			inc();
			out.push_back(aes256(key, v));
		}
		update(Bytes(48, 0));
	}
};

struct Bench {
	Vaes_ctr_drbg t;
	uint64_t cycle = 0;
	void tick()
	{
		t.clk_i = 1;
		t.eval();
		t.clk_i = 0;
		t.eval();
		cycle++;
	}
};

} // namespace

int main(int argc, char **argv)
{
	Verilated::commandArgs(argc, argv);
	uint64_t seed = 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], nullptr, 0);
	Rng rng(seed);
	int passed = 0, failed = 0;
	auto check = [&](bool ok, const char *what) {
		if (ok) {
			passed++;
		} else {
			failed++;
			printf("FAIL %s\n", what);
		}
	};

	Bench b;
	auto &t = b.t;
	t.rst_ni = 0;
	t.seed_valid_i = 0;
	t.m_ready_i = 1;
	t.clk_i = 0;
	t.eval();
	for (int i = 0; i < 4; i++)
		b.tick();
	t.rst_ni = 1;
	bool early = false;
	for (int i = 0; i < 200; i++) {
		b.tick();
		early |= t.m_valid_o;
	}
	check(!early && !t.inst_o, "no output before the first seed");

	// Instantiate; read with random back-pressure; reseed at a random time
	// (held until taken); read on until the DRBG stops at RESEED_MAX calls.
	Bytes s1 = rng.bytes(48), s2 = rng.bytes(48);
	std::vector<Bytes> got;
	int seeds = 0;
	size_t got_at_seed2 = 0;
	unsigned idle = 0;
	Bytes cur = s1;
	t.seed_valid_i = 1;
	sha_tb::put_bytes(t.seed_i, cur.data(), 48);
	const unsigned reseed_after = rng.range(1, 3 * TB_GEN);
	while (idle < 2000) {
		t.m_ready_i = rng.chance(70);
		t.eval();
		bool seed_fire = t.seed_valid_i && t.seed_ready_o;
		bool pop = t.m_valid_o && t.m_ready_i;
		if (pop)
			got.push_back(sha_tb::get_bytes(t.m_iv_o, 16));
		b.tick();
		idle = pop ? 0 : idle + 1;
		if (seed_fire) {
			seeds++;
			t.seed_valid_i = 0;
			if (seeds == 2)
				got_at_seed2 = got.size();
		}
		if (seeds == 1 && !t.seed_valid_i && got.size() >= reseed_after) {
			cur = s2;
			sha_tb::put_bytes(t.seed_i, cur.data(), 48);
			t.seed_valid_i = 1;
		}
	}
	check(seeds == 2, "both seeds taken");
	check(t.need_reseed_o, "need_reseed_o after RESEED_MAX calls");
	// The reseed lands between two calls after the request: find the call.
	bool match = false;
	size_t calls_first = 0;
	for (size_t k = got_at_seed2 / TB_GEN; k <= got_at_seed2 / TB_GEN + 40 / TB_GEN + 3; k++) {
		Model m;
		m.update(s1);
		std::vector<Bytes> want;
		for (size_t c = 0; c < k; c++)
			m.call(want);
		m.update(s2);
		for (int c = 0; c < TB_RESEED; c++)
			m.call(want);
		if (want == got) {
			match = true;
			calls_first = k;
			break;
		}
	}
	check(match, "the output equals SP 800-90A CTR_DRBG (reseed between two calls)");
	if (!match && !got.empty()) {
		Model m;
		m.update(s1);
		std::vector<Bytes> want;
		m.call(want);
		printf("  first block: got %s want %s (%zu blocks)\n", hex(got[0]).c_str(),
		       hex(want[0]).c_str(), got.size());
	}
	printf("%zu IVs, reseed after call %zu, stopped after %d calls\n", got.size(), calls_first,
	       TB_RESEED);

	// A reseed lets it go on.
	Bytes s3 = rng.bytes(48);
	sha_tb::put_bytes(t.seed_i, s3.data(), 48);
	t.seed_valid_i = 1;
	t.m_ready_i = 1;
	int more = 0;
	for (int i = 0; i < 400; i++) {
		t.eval();
		if (t.seed_valid_i && t.seed_ready_o) {
			b.tick();
			t.seed_valid_i = 0;
			continue;
		}
		more += t.m_valid_o;
		b.tick();
	}
	check(more > 0, "output again after the reseed");

	// Throughput with the consumer always ready.
	uint64_t c0 = b.cycle;
	int n = 0;
	while (n < 2000 && b.cycle - c0 < 100000) {
		t.eval();
		if (t.need_reseed_o) {
			sha_tb::put_bytes(t.seed_i, s3.data(), 48);
			t.seed_valid_i = 1;
		} else if (t.seed_valid_i && t.seed_ready_o) {
			t.seed_valid_i = 0;
		}
		n += t.m_valid_o;
		b.tick();
	}
	printf("throughput: %d IVs in %llu cycles (%.3f per cycle)\n", n,
	       (unsigned long long)(b.cycle - c0), double(n) / double(b.cycle - c0));
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
