// Helpers shared by the SHA core and HMAC testbenches: the algorithm of a
// build (TB_ALG, as sha_pkg: 0 SHA-1, 1 SHA-256, 2 SHA-512), packing words and
// bytes into Verilator ports, SHA padding, and OpenSSL as the reference.
#pragma once
#include "verilated.h"

#include "../common/stream/stream_tb.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace sha_tb
{

using Bytes = std::vector<uint8_t>;

#ifndef TB_ALG
#define TB_ALG 1
#endif
constexpr int kAlg = TB_ALG;
constexpr int kWS = kAlg == 2 ? 64 : 32;  // word bits
constexpr int kNW = kAlg == 0 ? 5 : 8;	  // state words
constexpr int kBB = 2 * kWS;		  // block bytes
constexpr int kLenB = kAlg == 2 ? 16 : 8; // length field bytes

// FIPS 180-4 5.3 initial hash values (word 0 first).
inline std::vector<uint64_t> iv(bool sha384 = false)
{
	if (kAlg == 0)
		return {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
	if (kAlg == 1)
		return {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	if (sha384)
		return {0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17,
			0x152fecd8f70e5939, 0x67332667ffc00b31, 0x8eb44a8768581511,
			0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4};
	return {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
		0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
}

inline const EVP_MD *md(bool sha384 = false)
{
	if (kAlg == 0)
		return EVP_sha1();
	if (kAlg == 1)
		return EVP_sha256();
	return sha384 ? EVP_sha384() : EVP_sha512();
}

inline Bytes digest(const Bytes &m, bool sha384 = false)
{
	Bytes d(EVP_MAX_MD_SIZE);
	unsigned n = 0;
	EVP_Digest(m.data(), m.size(), d.data(), &n, md(sha384), nullptr);
	d.resize(n);
	return d;
}

inline Bytes hmac(const Bytes &key, const Bytes &m, bool sha384 = false)
{
	Bytes d(EVP_MAX_MD_SIZE);
	unsigned n = 0;
	HMAC(md(sha384), key.data(), int(key.size()), m.data(), m.size(), d.data(), &n);
	d.resize(n);
	return d;
}

// The message padded to whole blocks (FIPS 180-4 5.1), with `prefix` bytes
// counted in the length (an HMAC pad block hashed before it).
inline Bytes pad(const Bytes &m, uint64_t prefix = 0)
{
	Bytes p = m;
	uint64_t bits = (m.size() + prefix) * 8;
	p.push_back(0x80);
	while ((p.size() + kLenB) % kBB)
		p.push_back(0);
	for (int i = kLenB - 1; i >= 0; i--)
		p.push_back(i < 8 ? uint8_t(bits >> (8 * i)) : 0);
	return p;
}

// Digest bytes of a state (big-endian words, first n bytes).
inline Bytes state_bytes(const std::vector<uint64_t> &st, size_t n)
{
	Bytes b;
	for (uint64_t w : st)
		for (int k = kWS / 8 - 1; k >= 0; k--)
			b.push_back(uint8_t(w >> (8 * k)));
	b.resize(n);
	return b;
}

// Ports: word i of a state in bits [kWS*i +: kWS]; byte k of a block in bits
// [8k+7:8k].
template <std::size_t N> void put_words(VlWide<N> &w, const std::vector<uint64_t> &v)
{
	for (std::size_t i = 0; i < N; i++)
		w[i] = 0;
	for (std::size_t i = 0; i < v.size(); i++) {
		if (kWS == 64) {
			w[2 * i] = uint32_t(v[i]);
			w[2 * i + 1] = uint32_t(v[i] >> 32);
		} else {
			w[i] = uint32_t(v[i]);
		}
	}
}
template <std::size_t N> std::vector<uint64_t> get_words(const VlWide<N> &w)
{
	std::vector<uint64_t> v(kNW);
	for (int i = 0; i < kNW; i++)
		v[i] = kWS == 64 ? (uint64_t(w[2 * i + 1]) << 32) | w[2 * i] : w[i];
	return v;
}
template <std::size_t N> void put_bytes(VlWide<N> &w, const uint8_t *b, std::size_t n)
{
	for (std::size_t i = 0; i < N; i++)
		w[i] = 0;
	for (std::size_t k = 0; k < n && k < 4 * N; k++)
		w[k / 4] |= uint32_t(b[k]) << (8 * (k % 4));
}
inline void put_bytes(QData &w, const uint8_t *b, std::size_t n)
{
	w = 0;
	for (std::size_t k = 0; k < n && k < 8; k++)
		w |= QData(b[k]) << (8 * k);
}
template <std::size_t N> Bytes get_bytes(const VlWide<N> &w, std::size_t n)
{
	Bytes b(n);
	for (std::size_t k = 0; k < n; k++)
		b[k] = uint8_t(w[k / 4] >> (8 * (k % 4)));
	return b;
}

inline Bytes unhex(const std::string &h)
{
	Bytes b;
	for (size_t i = 0; i + 1 < h.size(); i += 2)
		b.push_back(uint8_t(std::stoul(h.substr(i, 2), nullptr, 16)));
	return b;
}
inline std::string hex(const Bytes &b)
{
	std::string s;
	char t[3];
	for (uint8_t c : b) {
		snprintf(t, sizeof t, "%02x", c);
		s += t;
	}
	return s;
}

// xorshift64*: small, seedable, reproducible (the stream testbenches').
using Rng = stream_tb::Rng;

} // namespace sha_tb
