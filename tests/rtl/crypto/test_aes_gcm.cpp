// Verilator testbench of the AES-GCM streaming core (aes_gcm_keyinit +
// aes_gcm_stream through the aes_gcm_tb_top wrapper).
//
//   rtl_crypto_gcm_W --vectors FILE   Wycheproof vectors (from wycheproof_gcm.py)
//   rtl_crypto_gcm_W --stress N       N random packets checked against OpenSSL
//
// Prints "N passed, M failed" last and exits non-zero on any failure.
#include "Vaes_gcm_tb_top.h"
#include "verilated.h"

#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using Bytes = std::vector<uint8_t>;

namespace
{

constexpr int kHpowN = 5;				   // aes_gcm_pkg::HPOW_N
constexpr int kWB = sizeof(Vaes_gcm_tb_top::s_axis_tdata); // bytes per beat
enum Op { kBypass = 0, kEncrypt = 1, kDecrypt = 2 };

// ---------------------------------------------------------------- bits ---
// Byte k of a value sits in bits [8k+7:8k] (Verilator words are 32 bits).
template <std::size_t N> void put_bytes(VlWide<N> &w, const uint8_t *b, std::size_t n)
{
	for (std::size_t i = 0; i < N; i++)
		w[i] = 0;
	for (std::size_t k = 0; k < n && k < 4 * N; k++)
		w[k / 4] |= uint32_t(b[k]) << (8 * (k % 4));
}
template <std::size_t N> Bytes get_bytes(const VlWide<N> &w, std::size_t n)
{
	Bytes b(n);
	for (std::size_t k = 0; k < n; k++)
		b[k] = uint8_t(w[k / 4] >> (8 * (k % 4)));
	return b;
}
template <typename T> void put_bytes(T &v, const uint8_t *b, std::size_t n)
{
	v = 0;
	for (std::size_t k = 0; k < n && k < sizeof(T); k++)
		v |= T(b[k]) << (8 * k);
}
template <typename T> Bytes get_bytes(const T &v, std::size_t n)
{
	Bytes b(n);
	for (std::size_t k = 0; k < n; k++)
		b[k] = uint8_t(uint64_t(v) >> (8 * k));
	return b;
}
template <typename T> void put_mask(T &v, int n)
{ // tkeep: n low bytes valid
	Bytes b(sizeof(T), 0);
	for (int k = 0; k < n && k < int(8 * sizeof(T)); k++)
		b[k / 8] |= uint8_t(1u << (k % 8));
	put_bytes(v, b.data(), b.size());
}
template <typename T> int count_mask(const T &v)
{ // contiguous tkeep -> byte count; -1 if not contiguous
	Bytes b = get_bytes(v, sizeof(T));
	int n = 0;
	bool gap = false;
	for (int k = 0; k < int(8 * sizeof(T)); k++) {
		bool set = (b[k / 8] >> (k % 8)) & 1;
		if (set && gap)
			return -1;
		if (set)
			n++;
		else
			gap = true;
	}
	return n;
}

Bytes from_hex(const std::string &s)
{
	Bytes b;
	if (s == "-")
		return b;
	for (std::size_t i = 0; i + 1 < s.size(); i += 2)
		b.push_back(uint8_t(std::stoul(s.substr(i, 2), nullptr, 16)));
	return b;
}
std::string to_hex(const Bytes &b)
{
	std::string s;
	char t[3];
	for (uint8_t x : b) {
		std::snprintf(t, sizeof t, "%02x", x);
		s += t;
	}
	return s;
}

// ------------------------------------------------------------- packets ---
struct Key {
	bool key256 = false;
	Bytes key;  // 16 or 32 bytes
	Bytes hpow; // kHpowN * 16 bytes from aes_gcm_keyinit
};

struct Packet {
	std::string name;
	Op op = kBypass;
	const Key *key = nullptr;
	Bytes salt = Bytes(4, 0);
	Bytes ctx_aad = Bytes(16, 0);
	int aad_len = 0, aad_blocks = 0, len = 0;
	Bytes in;     // whole input packet
	Bytes expect; // expected output packet
	bool expect_user = true;
	bool must_differ = false; // invalid vector: encrypt output must not equal `expect`
};

struct Result {
	Bytes out;
	bool user;
};

// -------------------------------------------------------------- harness ---
class Harness
{
      public:
	explicit Harness(VerilatedContext *ctx) : top_(new Vaes_gcm_tb_top{ctx})
	{
		top_->clk_i = 0;
		top_->rst_ni = 0;
		top_->ki_start_i = 0;
		top_->s_axis_tvalid = 0;
		top_->m_axis_tready = 1;
		for (int i = 0; i < 4; i++)
			tick();
		top_->rst_ni = 1;
		tick();
	}
	~Harness()
	{
		top_->final();
		delete top_;
	}

	// One clock cycle; inputs must be set before.
	void tick()
	{
		top_->clk_i = 0;
		top_->eval();
		top_->clk_i = 1;
		top_->eval();
		cycles_++;
	}

	// Runs aes_gcm_keyinit; returns the cycle count from start to done.
	int keyinit(Key &k)
	{
		top_->ki_key256_i = k.key256;
		put_bytes(top_->ki_key_i, k.key.data(), k.key.size());
		top_->ki_start_i = 1;
		tick();
		top_->ki_start_i = 0;
		int n = 1;
		while (!top_->ki_done_o) {
			tick();
			if (++n > 100000) {
				std::printf("keyinit timeout\n");
				std::exit(2);
			}
		}
		k.hpow = get_bytes(top_->ki_hpow_o, kHpowN * 16);
		return n;
	}

	// Streams the packets; valid_pct / ready_pct: percentage of cycles with
	// s_axis_tvalid offered (when a beat is pending) / m_axis_tready high.
	std::vector<Result> run(const std::vector<Packet> &pkts, int valid_pct, int ready_pct,
				std::mt19937 &rng)
	{
		std::vector<Result> res;
		std::size_t pi = 0, off = 0; // input position
		Bytes cur;		     // output packet being collected
		stall_cycles_ = 0;
		beats_in_ = 0;
		uint64_t idle = 0;
		first_offer_ = 0;
		last_accept_ = 0;
		bool offered_once = false;
		std::uniform_int_distribution<int> pct(0, 99);
		while (res.size() < pkts.size()) {
			// drive inputs for this cycle
			bool have = pi < pkts.size();
			bool offer = have && pct(rng) < valid_pct;
			top_->s_axis_tvalid = offer;
			if (have) {
				const Packet &p = pkts[pi];
				int n = int(std::min<std::size_t>(kWB, p.in.size() - off));
				put_bytes(top_->s_axis_tdata, p.in.data() + off, n);
				put_mask(top_->s_axis_tkeep, n);
				top_->s_axis_tlast = (off + n == p.in.size());
				set_ctx(p);
			}
			top_->m_axis_tready = pct(rng) < ready_pct;
			top_->clk_i = 0;
			top_->eval();
			bool acc = top_->s_axis_tvalid && top_->s_axis_tready;
			bool out = top_->m_axis_tvalid && top_->m_axis_tready;
			if (offer && !offered_once) {
				offered_once = true;
				first_offer_ = cycles_;
			}
			if (offer && !acc)
				stall_cycles_++;
			if (out) {
				int n = count_mask(top_->m_axis_tkeep);
				if (n <= 0 || (!top_->m_axis_tlast && n != kWB)) {
					std::printf("bad tkeep on output beat (%d bytes)\n", n);
					n = n < 0 ? 0 : n;
				}
				Bytes b = get_bytes(top_->m_axis_tdata, kWB);
				cur.insert(cur.end(), b.begin(), b.begin() + n);
				if (top_->m_axis_tlast) {
					res.push_back({cur, bool(top_->m_axis_tuser)});
					cur.clear();
				}
			}
			top_->clk_i = 1;
			top_->eval();
			cycles_++;
			if (acc) {
				beats_in_++;
				last_accept_ = cycles_;
				off += kWB;
				if (off >= pkts[pi].in.size()) {
					pi++;
					off = 0;
				}
			}
			idle = (acc || out) ? 0 : idle + 1;
			if (idle > 10000) {
				std::printf("timeout: no progress\n");
				break;
			}
		}
		top_->s_axis_tvalid = 0;
		return res;
	}

	uint64_t stall_cycles() const
	{
		return stall_cycles_;
	}
	uint64_t beats_in() const
	{
		return beats_in_;
	}
	uint64_t input_span() const
	{
		return last_accept_ - first_offer_;
	}

      private:
	void set_ctx(const Packet &p)
	{
		top_->ctx_op_i = p.op;
		Bytes zero32(32, 0), zeroh(kHpowN * 16, 0);
		top_->ctx_key256_i = p.key ? p.key->key256 : 0;
		put_bytes(top_->ctx_key_i, p.key ? p.key->key.data() : zero32.data(),
			  p.key ? p.key->key.size() : 32);
		put_bytes(top_->ctx_hpow_i, p.key ? p.key->hpow.data() : zeroh.data(), kHpowN * 16);
		put_bytes(top_->ctx_salt_i, p.salt.data(), 4);
		put_bytes(top_->ctx_aad_i, p.ctx_aad.data(), 16);
		top_->ctx_aad_len_i = p.aad_len;
		top_->ctx_aad_blocks_i = p.aad_blocks;
		top_->ctx_len_i = p.len;
	}

	Vaes_gcm_tb_top *top_;
	uint64_t cycles_ = 0, stall_cycles_ = 0, beats_in_ = 0, first_offer_ = 0, last_accept_ = 0;
};

// ------------------------------------------------------------- OpenSSL ---
// AES-GCM with a 12-byte IV; returns false if decryption fails the tag.
bool openssl_gcm(bool enc, const Key &k, const Bytes &iv, const Bytes &aad, const Bytes &in,
		 Bytes &out, Bytes &tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *ciph = k.key256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
	int n = 0;
	out.assign(in.size(), 0);
	EVP_CipherInit_ex(c, ciph, nullptr, k.key.data(), iv.data(), enc ? 1 : 0);
	if (!aad.empty())
		EVP_CipherUpdate(c, nullptr, &n, aad.data(), int(aad.size()));
	if (!in.empty())
		EVP_CipherUpdate(c, out.data(), &n, in.data(), int(in.size()));
	bool ok = true;
	if (enc) {
		EVP_CipherFinal_ex(c, nullptr, &n);
		tag.assign(16, 0);
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag.data());
	} else {
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, const_cast<uint8_t *>(tag.data()));
		uint8_t dummy[16];
		ok = EVP_CipherFinal_ex(c, dummy, &n) == 1;
	}
	EVP_CIPHER_CTX_free(c);
	return ok;
}

Bytes pad16(const Bytes &b)
{
	Bytes p = b;
	p.resize((b.size() + 15) / 16 * 16, 0);
	return p;
}
Bytes cat(std::initializer_list<Bytes> parts)
{
	Bytes r;
	for (const Bytes &p : parts)
		r.insert(r.end(), p.begin(), p.end());
	return r;
}

struct Tally {
	int passed = 0, failed = 0, skipped = 0;
	void check(bool ok, const std::string &what)
	{
		if (ok) {
			passed++;
			return;
		}
		failed++;
		if (failed <= 20)
			std::printf("FAIL: %s\n", what.c_str());
	}
};

void compare(Tally &t, const std::vector<Packet> &pkts, const std::vector<Result> &res)
{
	for (std::size_t i = 0; i < pkts.size(); i++) {
		const Packet &p = pkts[i];
		if (i >= res.size()) {
			t.check(false, p.name + ": no output");
			continue;
		}
		const Result &r = res[i];
		bool ok;
		if (p.must_differ) {
			ok = r.user && r.out.size() == p.expect.size() && r.out != p.expect;
		} else if (p.op == kDecrypt && !p.expect_user) {
			ok = !r.user && r.out.size() == p.expect.size();
		} else {
			ok = r.user == p.expect_user && r.out == p.expect;
		}
		if (!ok && t.failed < 20) {
			std::printf("  %s: user %d (want %d), %zu bytes (want %zu)\n    got  %s\n  "
				    "  want %s\n",
				    p.name.c_str(), r.user, p.expect_user, r.out.size(),
				    p.expect.size(), to_hex(r.out).c_str(),
				    to_hex(p.expect).c_str());
		}
		t.check(ok, p.name);
	}
}

// ------------------------------------------------------------ vectors ---
void run_vectors(Harness &h, const std::string &path, Tally &t, std::mt19937 &rng)
{
	std::ifstream f(path);
	if (!f) {
		std::printf("cannot open %s\n", path.c_str());
		t.failed++;
		return;
	}
	std::deque<Key> keys; // stable addresses
	std::vector<Packet> pkts;
	std::string line;
	int skipped192 = 0, keyinit_cycles = 0;
	while (std::getline(f, line)) {
		std::istringstream ls(line);
		std::string id, bits, result, key, iv, aad, msg, ct, tag;
		if (!(ls >> id >> bits >> result >> key >> iv >> aad >> msg >> ct >> tag))
			continue;
		if (bits == "192") {
			skipped192++;
			continue;
		}
		keys.push_back(Key{bits == "256", from_hex(key), {}});
		keyinit_cycles = h.keyinit(keys.back());
		Bytes vi = from_hex(iv), va = from_hex(aad), vm = from_hex(msg), vc = from_hex(ct),
		      vt = from_hex(tag);
		Bytes hdr = {0x00, 0x00, 0x10, 0x01, 0, 0, 0, uint8_t(std::stoi(id))};
		hdr.insert(hdr.end(), vi.begin() + 4, vi.end());
		bool valid = result != "invalid";

		Packet e;
		e.name = "tc" + id + " " + bits + " encrypt (" + result + ")";
		e.op = kEncrypt;
		e.key = &keys.back();
		e.salt = Bytes(vi.begin(), vi.begin() + 4);
		e.aad_len = int(va.size());
		e.aad_blocks = int((va.size() + 15) / 16);
		e.len = int(vm.size());
		e.in = cat({hdr, pad16(va), vm});
		e.expect = cat({hdr, pad16(va), vc, vt});
		e.must_differ = !valid;
		pkts.push_back(e);

		Packet d = e;
		d.name = "tc" + id + " " + bits + " decrypt (" + result + ")";
		d.op = kDecrypt;
		d.len = int(vc.size()) + 16;
		d.in = cat({hdr, pad16(va), vc, vt});
		d.expect = cat({hdr, pad16(va), vm});
		d.expect_user = valid;
		d.must_differ = false;
		pkts.push_back(d);
	}
	std::printf(
	    "vectors: %zu packets, keyinit %d cycles per key, skipped %d tests with 192-bit keys "
	    "(not supported by the card)\n",
	    pkts.size(), keyinit_cycles, skipped192);
	t.skipped += skipped192;
	// All packets back to back (every packet has its own key), full speed.
	std::vector<Result> res = h.run(pkts, 100, 100, rng);
	uint64_t overflow = 0;
	for (const Packet &p : pkts) {
		if (p.op == kEncrypt &&
		    (p.in.size() % kWB == 0 || p.in.size() % kWB + 16 > std::size_t(kWB)))
			overflow++;
	}
	std::printf("vectors: %llu beats in %llu cycles (%.3f cycles/beat), %llu stall cycles, "
		    "%llu encrypted packets need an extra ICV beat\n",
		    (unsigned long long)h.beats_in(), (unsigned long long)h.input_span(),
		    double(h.input_span()) / double(h.beats_in()),
		    (unsigned long long)h.stall_cycles(), (unsigned long long)overflow);
	t.check(h.stall_cycles() <= overflow, "vectors: no bubbles at full speed");
	compare(t, pkts, res);
}

// ------------------------------------------------------------- stress ---
Packet random_packet(const std::deque<Key> &keys, std::mt19937 &rng, int idx)
{
	auto rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
	auto rbytes = [&](int n) {
		Bytes b(n);
		for (auto &x : b)
			x = uint8_t(rnd(0, 255));
		return b;
	};
	Packet p;
	int kind = rnd(0, 9);
	p.op = kind < 2 ? kBypass : (kind < 6 ? kEncrypt : kDecrypt);
	p.name = "stress " + std::to_string(idx);
	if (p.op == kBypass) {
		p.in = rbytes(rnd(1, 1700));
		p.len = rnd(0, 65535);
		p.expect = p.in;
		p.name += " bypass";
		return p;
	}
	const Key &k = keys[rnd(0, int(keys.size()) - 1)];
	p.key = &k;
	p.salt = rbytes(4);
	Bytes hdr = rbytes(16);
	Bytes iv = cat({p.salt, Bytes(hdr.begin() + 8, hdr.end())});
	// AAD: ESP style in ctx.aad (8 or 12 bytes), in-stream, or 16 B ctx + stream.
	Bytes ctx_aad, stream_aad;
	int mode = rnd(0, 2);
	if (mode == 0)
		ctx_aad = rbytes(rnd(0, 1) ? 8 : 12);
	if (mode >= 1)
		stream_aad = rbytes(rnd(0, 48));
	if (mode == 2)
		ctx_aad = rbytes(16);
	Bytes aad = cat({ctx_aad, stream_aad});
	p.ctx_aad = ctx_aad;
	p.ctx_aad.resize(16, 0);
	p.aad_len = int(aad.size());
	p.aad_blocks = int((stream_aad.size() + 15) / 16);
	Bytes msg = rbytes(rnd(0, 1600)), ct, tag;
	openssl_gcm(true, k, iv, aad, msg, ct, tag);
	if (p.op == kEncrypt) {
		p.len = int(msg.size());
		p.in = cat({hdr, pad16(stream_aad), msg});
		p.expect = cat({hdr, pad16(stream_aad), ct, tag});
		p.name += " encrypt";
	} else {
		Bytes in = cat({hdr, pad16(stream_aad), ct, tag});
		if (rnd(0, 4) == 0) { // corrupt one bit of AAD, ciphertext or ICV
			std::size_t first = 16, span = in.size() - 16;
			std::size_t pos = first + std::size_t(rnd(0, int(span) - 1));
			in[pos] ^= uint8_t(1u << rnd(0, 7));
			// The core hashes in-stream AAD blocks as given: a flipped padding bit
			// fails the tag too (the sender must zero-pad).
			p.expect_user = false;
			p.name += " decrypt (corrupted)";
		} else {
			p.name += " decrypt";
		}
		p.len = int(ct.size()) + 16;
		p.in = in;
		p.expect =
		    cat({Bytes(in.begin(), in.begin() + 16 + long(pad16(stream_aad).size())), msg});
		if (!p.expect_user) {
			// plaintext of a corrupted ciphertext: decrypt without the check
			Bytes c2(in.begin() + 16 + long(pad16(stream_aad).size()), in.end() - 16),
			    m2, t2(16, 0);
			openssl_gcm(false, k, iv, aad, c2, m2, t2);
			p.expect = cat(
			    {Bytes(in.begin(), in.begin() + 16 + long(pad16(stream_aad).size())),
			     m2});
		}
	}
	return p;
}

void run_stress(Harness &h, int n, Tally &t, std::mt19937 &rng)
{
	std::deque<Key> keys;
	for (int i = 0; i < 8; i++) {
		Key k;
		k.key256 = i % 2;
		k.key.resize(k.key256 ? 32 : 16);
		for (auto &x : k.key)
			x = uint8_t(rng());
		h.keyinit(k);
		keys.push_back(k);
	}
	// Phase 1: full speed (no gaps, output always ready): count bubbles.
	std::vector<Packet> pkts;
	for (int i = 0; i < n / 2; i++)
		pkts.push_back(random_packet(keys, rng, i));
	std::vector<Result> res = h.run(pkts, 100, 100, rng);
	uint64_t overflow = 0;
	for (const Packet &p : pkts) {
		if (p.op == kEncrypt &&
		    (p.in.size() % kWB == 0 || p.in.size() % kWB + 16 > std::size_t(kWB)))
			overflow++;
	}
	std::printf("stress full speed: %zu packets, %llu beats in %llu cycles (%.4f cycles/beat), "
		    "%llu stall cycles, %llu encrypted packets need an extra ICV beat\n",
		    pkts.size(), (unsigned long long)h.beats_in(),
		    (unsigned long long)h.input_span(),
		    double(h.input_span()) / double(h.beats_in()),
		    (unsigned long long)h.stall_cycles(), (unsigned long long)overflow);
	t.check(h.stall_cycles() <= overflow, "stress: no bubbles at full speed");
	compare(t, pkts, res);
	// Phase 2: random input gaps and random output backpressure.
	pkts.clear();
	for (int i = n / 2; i < n; i++)
		pkts.push_back(random_packet(keys, rng, i));
	res = h.run(pkts, 80, 60, rng);
	std::printf("stress backpressure: %zu packets, %llu beats\n", pkts.size(),
		    (unsigned long long)h.beats_in());
	compare(t, pkts, res);
}

} // namespace

int main(int argc, char **argv)
{
	auto *vctx = new VerilatedContext;
	vctx->commandArgs(argc, argv);
	std::string vectors;
	int stress = 0;
	unsigned seed = 1;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--vectors" && i + 1 < argc)
			vectors = argv[++i];
		else if (a == "--stress" && i + 1 < argc)
			stress = std::atoi(argv[++i]);
		else if (a == "--seed" && i + 1 < argc)
			seed = unsigned(std::atoi(argv[++i]));
	}
	std::mt19937 rng(seed);
	Tally t;
	{
		Harness h(vctx);
		std::printf("DATA_W = %d\n", 8 * kWB);
		if (!vectors.empty())
			run_vectors(h, vectors, t, rng);
		if (stress > 0)
			run_stress(h, stress, t, rng);
	}
	delete vctx;
	if (t.skipped)
		std::printf("%d skipped (192-bit keys)\n", t.skipped);
	std::printf("%d passed, %d failed\n", t.passed, t.failed);
	return t.failed ? 1 : 0;
}
