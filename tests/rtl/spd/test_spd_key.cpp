// test_spd_key: a randomized differential test of the classifier's key
// (rtl/esp/spd_key.sv) against a reference written here from the rules the
// key follows: random frames, 802.1Q tagged or not; IPv4 with options,
// fragments (non-initial, first ones cut before the ports) and protocols
// with and without ports; IPv6 with chains of hop-by-hop, routing,
// destination options, AH and fragment headers (short and long, within the
// walk and beyond it, beyond the capture); ARP and other ethertypes. One
// frame is offered per cycle while the pipeline moves (en_i), which stalls
// at random.
//
//   rtl_spd_key [--frames N] [--seed S]
#include "Vspd_key.h"
#include "verilated.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <string>

namespace
{

constexpr int HDR = 96;	    // captured header bytes (espnic_pkg::HDR_BYTES)
constexpr int IP_READ = 78; // IP bytes the key reads, tagged or not (HDR - 18)
constexpr int WALK = 4;	    // extension headers walked

std::mt19937_64 rng;
unsigned rnd(unsigned n)
{
	return (unsigned)(rng() % n);
}
bool chance(unsigned pct)
{
	return rnd(100) < pct;
}

struct Key {
	bool lookup, tagged, arp, bad;
	bool opaque, v6;
	unsigned vlan, proto, sport, dport;
	uint8_t src[16], dst[16]; // as numbers: [0] the address's first byte (IPv4: [12..15])
};

bool ports_proto(unsigned p)
{
	return p == 6 || p == 17 || p == 132;
}
bool ext_hdr(unsigned p)
{
	return p == 0 || p == 43 || p == 44 || p == 51 || p == 60;
}

// ------------------------------------------------------------ reference
Key reference(const uint8_t *h)
{
	Key k;
	memset(&k, 0, sizeof k);
	k.tagged = h[12] == 0x81 && h[13] == 0x00;
	k.vlan = k.tagged ? ((h[14] & 0xFu) << 8 | h[15]) : 0;
	unsigned et = k.tagged ? (h[16] << 8 | h[17]) : (h[12] << 8 | h[13]);
	const uint8_t *ip = h + (k.tagged ? 18 : 14);
	k.arp = et == 0x0806;
	bool v4 = et == 0x0800;
	k.v6 = et == 0x86DD;
	k.lookup = v4 || k.v6;
	if (v4) {
		unsigned ihl = (ip[0] & 0xFu) * 4, len = ip[2] << 8 | ip[3];
		unsigned off = (ip[6] & 0x1Fu) << 8 | ip[7];
		k.proto = ip[9];
		memcpy(k.src + 12, ip + 12, 4);
		memcpy(k.dst + 12, ip + 16, 4);
		k.opaque = off != 0 || !ports_proto(k.proto) || len < ihl + 4 || ihl < 20;
		if (!k.opaque) {
			k.sport = ip[ihl] << 8 | ip[ihl + 1];
			k.dport = ip[ihl + 2] << 8 | ip[ihl + 3];
		}
	} else if (k.v6) {
		memcpy(k.src, ip + 8, 16);
		memcpy(k.dst, ip + 24, 16);
		unsigned nh = ip[6], at = 40, plen = ip[4] << 8 | ip[5];
		bool done = false;
		for (int n = 0; !done && !k.bad && ext_hdr(nh); n++) {
			if (n == WALK ||
			    at + 4 > IP_READ) { // too long a chain, or beyond the capture
				k.bad = true;
				break;
			}
			unsigned next = ip[at], len = ip[at + 1];
			if (nh == 44) {
				if (((ip[at + 2] << 8 | ip[at + 3]) >> 3) != 0) {
					k.opaque = true; // a non-initial fragment
					done = true;
				}
				at += 8;
			} else if (nh == 51) {
				if (len & 1)
					k.bad = true; // AH not a multiple of 8 bytes in IPv6
				at += (len + 2) * 4;
			} else {
				at += (len + 1) * 8;
			}
			nh = next;
		}
		k.proto = nh;
		if (!ports_proto(nh) || at + 4 > IP_READ || plen + 40 < at + 4)
			k.opaque = true;
		if (!k.opaque) {
			k.sport = ip[at] << 8 | ip[at + 1];
			k.dport = ip[at + 2] << 8 | ip[at + 3];
		}
	}
	return k;
}

// ------------------------------------------------------------ frames
void frame(uint8_t *h)
{
	for (int i = 0; i < HDR; i++)
		h[i] = (uint8_t)rng();
	bool tag = chance(30);
	unsigned l3 = tag ? 18 : 14;
	if (tag) {
		h[12] = 0x81;
		h[13] = 0x00;
		if (chance(30))
			h[14] &= 0xF0, h[15] = (uint8_t)rnd(4); // low VIDs, 0 among them
	}
	uint8_t *et = h + l3 - 2, *ip = h + l3;
	unsigned kind = rnd(100);
	if (kind < 40) {
		et[0] = 0x08, et[1] = 0x00;
		unsigned ihl = chance(60) ? 5 : 5 + rnd(11);
		ip[0] = (uint8_t)(0x40 | ihl);
		static const uint8_t protos[] = {6, 17, 132, 1, 47, 50};
		ip[9] = chance(90) ? protos[rnd(6)] : (uint8_t)rnd(256);
		unsigned len = chance(80) ? ihl * 4 + 8 + rnd(1400) : ihl * 4 + rnd(8);
		ip[2] = (uint8_t)(len >> 8), ip[3] = (uint8_t)len;
		if (chance(60))
			ip[6] &= 0xE0, ip[7] = 0; // offset 0 (MF random)
	} else if (kind < 88) {
		et[0] = 0x86, et[1] = 0xDD;
		ip[0] = 0x60;
		static const uint8_t exts[] = {0, 43, 60, 44, 51};
		static const uint8_t uppers[] = {6, 17, 132, 58, 59};
		unsigned n = chance(30) ? 0 : rnd(7), at = 40;
		uint8_t *nh = ip + 6;
		for (unsigned i = 0; i < n && at + 8 <= IP_READ; i++) {
			unsigned t = exts[rnd(5)];
			*nh = (uint8_t)t;
			nh = ip + at;
			unsigned len = chance(75) ? 0 : chance(80) ? rnd(3) : rnd(256);
			if (t == 51 && chance(80))
				len &= ~1u;
			ip[at + 1] = (uint8_t)len;
			if (t == 44) {
				if (chance(50))
					ip[at + 2] = 0, ip[at + 3] &= 0x07; // a first fragment
				at += 8;
			} else {
				at += t == 51 ? (len + 2) * 4 : (len + 1) * 8;
			}
		}
		*nh = chance(90) ? uppers[rnd(5)] : (uint8_t)rnd(256);
		unsigned plen = chance(85) ? 40 + rnd(1400) : rnd(48);
		ip[4] = (uint8_t)(plen >> 8), ip[5] = (uint8_t)plen;
	} else if (kind < 94) {
		et[0] = 0x08, et[1] = 0x06;
	} else if (chance(50)) {
		et[0] = 0x88, et[1] = 0xB5;
	}
	return;
}

// ------------------------------------------------------------ the card's key
unsigned bits(const VlWide<10> &w, unsigned lo, unsigned n)
{
	unsigned v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= ((w[(lo + i) / 32] >> ((lo + i) % 32)) & 1u) << i;
	return v;
}

void put(Vspd_key *m, const uint8_t *h)
{
	for (int w = 0; w < HDR / 4; w++)
		m->hdr_i[w] = (uint32_t)h[4 * w] | (uint32_t)h[4 * w + 1] << 8 |
			      (uint32_t)h[4 * w + 2] << 16 | (uint32_t)h[4 * w + 3] << 24;
}

Key card(Vspd_key *m)
{
	Key k;
	memset(&k, 0, sizeof k);
	k.bad = m->bad_o;
	// cls_key_t: {frag, v6, vlan, proto, sport, dport, src[127:0], dst[127:0]}
	const VlWide<10> &w = m->key_o;
	k.opaque = bits(w, 309, 1);
	k.v6 = bits(w, 308, 1);
	k.vlan = bits(w, 296, 12);
	k.proto = bits(w, 288, 8);
	k.sport = bits(w, 272, 16);
	k.dport = bits(w, 256, 16);
	for (int i = 0; i < 16; i++) {
		k.src[i] = (uint8_t)bits(w, 128 + 8 * (15 - i), 8);
		k.dst[i] = (uint8_t)bits(w, 8 * (15 - i), 8);
	}
	return k;
}

std::string show(const Key &k)
{
	char b[160];
	snprintf(b, sizeof b,
		 "lookup %d tagged %d arp %d bad %d opaque %d v6 %d vlan %u proto %u ports %u/%u",
		 k.lookup, k.tagged, k.arp, k.bad, k.opaque, k.v6, k.vlan, k.proto, k.sport,
		 k.dport);
	return b;
}

// The card's key of a frame that takes a lookup (lookup, tagged and arp are
// the parse's, in esp_egress): bad, and unless bad the key.
bool same(const Key &want, const Key &got)
{
	if (want.bad != got.bad)
		return false;
	if (want.bad) // dropped: the key does not matter
		return true;
	return want.opaque == got.opaque && want.v6 == got.v6 && want.vlan == got.vlan &&
	       want.proto == got.proto && want.sport == got.sport && want.dport == got.dport &&
	       !memcmp(want.src, got.src, 16) && !memcmp(want.dst, got.dst, 16);
}

} // namespace

int main(int argc, char **argv)
{
	unsigned long frames = 200000, seed = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string a = argv[i];
		if (a == "--frames")
			frames = strtoul(argv[i + 1], nullptr, 0);
		else if (a == "--seed")
			seed = strtoul(argv[i + 1], nullptr, 0);
		else {
			fprintf(stderr, "usage: rtl_spd_key [--frames N] [--seed S]\n");
			return 2;
		}
	}
	rng.seed(seed);
	Verilated::commandArgs(argc, argv);
	auto *m = new Vspd_key;
	unsigned long n_v6ext = 0, n_bad = 0, n_opaque = 0, n_ports = 0, n_tagged = 0;
	struct Sent {
		uint8_t h[HDR];
		Key want;
	};
	std::deque<Sent> inflight;
	unsigned long sent = 0, checked = 0;
	m->clk_i = 0;
	m->rst_ni = 0;
	m->en_i = 1;
	m->in_valid_i = 0;
	for (int i = 0; i < 4; i++) {
		m->clk_i = 1;
		m->eval();
		m->clk_i = 0;
		m->eval();
	}
	m->rst_ni = 1;
	Sent next;
	bool have = false;
	while (checked < frames) {
		if (!have && sent < frames) {
			frame(next.h);
			next.want = reference(next.h);
			have = true;
		}
		m->en_i = chance(80);
		// Only frames that take a lookup enter the key (IPv4, IPv6).
		m->in_valid_i = have && next.want.lookup;
		put(m, next.h);
		m->eval();
		bool moved = m->en_i;
		if (moved && have) {
			if (next.want.lookup)
				inflight.push_back(next);
			else
				checked++;
			have = false;
			sent++;
		}
		m->clk_i = 1;
		m->eval();
		m->clk_i = 0;
		m->eval();
		if (moved && m->out_valid_o) {
			if (inflight.empty()) {
				fprintf(stderr, "FAIL: a key came out that no frame went in for\n");
				return 1;
			}
			Sent f = inflight.front();
			inflight.pop_front();
			Key got = card(m);
			const Key &want = f.want;
			if (!same(want, got)) {
				fprintf(stderr,
					"FAIL: frame %lu\n  card      %s\n  reference %s\n  header",
					checked, show(got).c_str(), show(want).c_str());
				for (int i = 0; i < HDR; i++)
					fprintf(stderr, "%s%02x", i % 16 ? " " : "\n   ", f.h[i]);
				fprintf(stderr, "\n");
				return 1;
			}
			checked++;
			n_tagged += want.tagged;
			n_bad += want.bad;
			n_v6ext +=
			    want.v6 && ext_hdr(f.h[(want.tagged ? 18 : 14) + 6]) && !want.bad;
			n_opaque += !want.bad && want.opaque;
			n_ports += !want.bad && !want.opaque;
		}
	}
	printf("PASS: %lu frames: %lu tagged IP, %lu IPv6 walked through extension headers, "
	       "%lu not walkable, %lu OPAQUE ports, %lu with ports\n",
	       frames, n_tagged, n_v6ext, n_bad, n_opaque, n_ports);
	delete m;
	return 0;
}
