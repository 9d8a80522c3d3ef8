// Helpers shared by the AES-CBC and HMAC testbenches: OpenSSL's CBC without
// padding, aes_cbc_dec's decryption key (the last round keys), and the HMAC
// pad states (sha_hmac's s_istate_i / s_ostate_i) of any SHA family at run
// time (alg as sha_pkg: 0 SHA-1, 1 SHA-256, 2 SHA-512; sha384 on the SHA-512
// family).
#pragma once
#include "sha_tb.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdint>
#include <vector>

namespace crypto_tb
{

using sha_tb::Bytes;

inline const EVP_MD *md_of(int alg, bool sha384)
{
	return alg == 0	  ? EVP_sha1()
	       : alg == 1 ? EVP_sha256()
	       : sha384	  ? EVP_sha384()
			  : EVP_sha512();
}

inline Bytes digest_of(int alg, const Bytes &m, bool sha384)
{
	Bytes d(EVP_MAX_MD_SIZE);
	unsigned n = 0;
	EVP_Digest(m.data(), m.size(), d.data(), &n, md_of(alg, sha384), nullptr);
	d.resize(n);
	return d;
}

// The chaining value after one block (the key XOR pad) from the IV: istate
// (padbyte 0x36) and ostate (0x5c) of HMAC, words H0 first.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
inline std::vector<uint64_t> pad_state(int alg, const Bytes &key, uint8_t padbyte, bool sha384)
{
	Bytes k = key;
	const size_t bb = alg == 2 ? 128 : 64;
	if (k.size() > bb)
		k = digest_of(alg, k, sha384);
	k.resize(bb, 0);
	for (auto &c : k)
		c ^= padbyte;
	std::vector<uint64_t> st;
	if (alg == 0) {
		SHA_CTX c;
		SHA1_Init(&c);
		SHA1_Update(&c, k.data(), k.size());
		st = {c.h0, c.h1, c.h2, c.h3, c.h4};
	} else if (alg == 1) {
		SHA256_CTX c;
		SHA256_Init(&c);
		SHA256_Update(&c, k.data(), k.size());
		st.assign(c.h, c.h + 8);
	} else {
		SHA512_CTX c;
		if (sha384)
			SHA384_Init(&c);
		else
			SHA512_Init(&c);
		SHA512_Update(&c, k.data(), k.size());
		st.assign(c.h, c.h + 8);
	}
	return st;
}
#pragma GCC diagnostic pop

inline Bytes cbc(const Bytes &key, const Bytes &iv, const Bytes &in, bool enc)
{
	const EVP_CIPHER *c = key.size() == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	Bytes out(in.size() + 16);
	int n = 0, m = 0;
	EVP_CipherInit_ex(ctx, c, nullptr, key.data(), iv.data(), enc ? 1 : 0);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	EVP_CipherUpdate(ctx, out.data(), &n, in.data(), int(in.size()));
	EVP_CipherFinal_ex(ctx, out.data() + n, &m);
	EVP_CIPHER_CTX_free(ctx);
	out.resize(size_t(n + m));
	return out;
}

inline uint8_t gmul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;
	for (; b; b >>= 1) {
		if (b & 1)
			r ^= a;
		a = uint8_t((a << 1) ^ (a & 0x80 ? 0x1b : 0));
	}
	return r;
}

// The AES S-box (FIPS-197 5.1.1), computed.
inline uint8_t sbox(uint8_t x)
{
	uint8_t inv = 0;
	for (int y = 1; y < 256 && x; y++)
		if (gmul(x, uint8_t(y)) == 1)
			inv = uint8_t(y);
	uint8_t r = 0x63, b = inv;
	for (int i = 0; i < 5; i++) {
		r ^= b;
		b = uint8_t((b << 1) | (b >> 7));
	}
	return r;
}

// The decryption key of aes_cbc_dec: {rk(Nr-1), rk(Nr)}, lo first, from the
// FIPS-197 5.2 key expansion (AES-128: {0, rk10}).
inline Bytes dkey(const Bytes &key)
{
	static const uint8_t rcon[] = {0, 1, 2, 4, 8, 16, 32, 64, 128, 0x1b, 0x36};
	const int nk = int(key.size() / 4), nr = nk + 6;
	std::vector<Bytes> w;
	for (int i = 0; i < nk; i++)
		w.push_back(Bytes(key.begin() + 4 * i, key.begin() + 4 * i + 4));
	for (int i = nk; i < 4 * (nr + 1); i++) {
		Bytes t = w[i - 1];
		if (i % nk == 0) {
			t = {sbox(t[1]), sbox(t[2]), sbox(t[3]), sbox(t[0])};
			t[0] ^= rcon[i / nk];
		} else if (nk == 8 && i % 8 == 4) {
			for (auto &c : t)
				c = sbox(c);
		}
		for (int k = 0; k < 4; k++)
			t[k] ^= w[i - nk][k];
		w.push_back(t);
	}
	Bytes d(32, 0);
	for (int half = 0; half < (nk == 8 ? 2 : 1); half++)
		for (int j = 0; j < 16; j++)
			d[16 * half + j] = w[4 * (nr - half) + j / 4][j % 4];
	return d;
}

// Holds a DUT in reset for four clock cycles (its other inputs as the
// caller set them), then releases it.
template <class Dut> void reset(Dut &t)
{
	t.clk_i = 0;
	t.rst_ni = 0;
	for (int i = 0; i < 4; i++) {
		t.clk_i = 0;
		t.eval();
		t.clk_i = 1;
		t.eval();
	}
	t.rst_ni = 1;
}

} // namespace crypto_tb
