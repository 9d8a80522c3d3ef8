/* traffic.c: see traffic.h. */
#include "traffic.h"

#include <string.h>

#include <openssl/evp.h>

static const uint8_t host_mac[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t gw_mac[6] = {2, 0, 0, 0, 0, 2};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static unsigned ipv4_checksum(const uint8_t *ip)
{
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Inner destination i is 198.19.(i / 256).(i % 256). */
static void inner_dst(unsigned i, uint8_t out[4])
{
	out[0] = 198;
	out[1] = 19;
	out[2] = (uint8_t)(i >> 8);
	out[3] = (uint8_t)i;
}

size_t traffic_frame(uint8_t *buf, size_t len, unsigned dst_index, uint32_t serial)
{
	if (len < 14 + 28)
		len = 14 + 28;
	memset(buf, 0, len);
	memcpy(buf, gw_mac, 6);
	memcpy(buf + 6, host_mac, 6);
	put16(buf + 12, 0x0800);
	uint8_t *ip = buf + 14;
	unsigned ip_len = (unsigned)len - 14;
	ip[0] = 0x45;
	put16(ip + 2, ip_len);
	put16(ip + 4, serial & 0xffff);
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 198;
	ip[13] = 19;
	ip[14] = 255;
	ip[15] = 1;
	inner_dst(dst_index, ip + 16);
	put16(ip + 10, ipv4_checksum(ip));
	uint8_t *udp = ip + 20;
	put16(udp, 1000);
	put16(udp + 2, 2000);
	put16(udp + 4, ip_len - 20);
	for (size_t i = 14 + 28; i < len; i++)
		buf[i] = (uint8_t)(serial * 7 + i);
	return len;
}

void traffic_sa(struct espnic_sa *sa, unsigned i, uint8_t alg, bool inbound)
{
	memset(sa, 0, sizeof(*sa));
	sa->inbound = inbound;
	sa->spi = TRAFFIC_SPI_BASE | i;
	sa->tunnel = true;
	sa->alg = alg;
	for (int k = 0; k < 32; k++)
		sa->key[k] = (uint8_t)(i * 13 + k);
	for (int k = 0; k < 4; k++)
		sa->salt[k] = (uint8_t)(i + k);
	memcpy(sa->local, (uint8_t[]){198, 18, 0, 1}, 4);
	memcpy(sa->remote, (uint8_t[]){198, 18, 0, 2}, 4);
	sa->replay_window = inbound ? 1024 : 0;
}

int traffic_setup_egress(const struct espnic_io *io, unsigned n, uint8_t alg)
{
	for (unsigned i = 0; i < n; i++) {
		struct espnic_sa sa;
		struct espnic_spd_rule r = {0};
		traffic_sa(&sa, i, alg, false);
		int rc = espnic_card_sa_write(io, i, &sa);
		if (rc)
			return rc;
		inner_dst(i, r.dst.addr);
		r.dst.len = 32;
		r.sport_hi = r.dport_hi = 65535;
		r.action = ESPNIC_ACT_PROTECT;
		r.sa = (uint16_t)i;
		if ((rc = espnic_card_spd_write(io, i, &r)))
			return rc;
	}
	return espnic_card_set_mtu(io, 2000);
}

int traffic_setup_ingress(const struct espnic_io *io, unsigned n, uint8_t alg)
{
	for (unsigned i = 0; i < n; i++) {
		struct espnic_sa sa;
		traffic_sa(&sa, i, alg, true);
		int rc = espnic_card_sa_write(io, i, &sa);
		if (rc)
			return rc;
	}
	return 0;
}

size_t traffic_esp_frame(uint8_t *out, size_t cap, const struct espnic_sa *sa, uint32_t seq,
			 uint16_t ip_id, const uint8_t *frame, size_t len)
{
	if (len < 14 + 20 || frame[12] != 0x08 || frame[13] != 0x00 || (frame[14] >> 4) != 4)
		return 0;
	if ((sa->alg != ESPNIC_ALG_AES_GCM_128 && sa->alg != ESPNIC_ALG_AES_GCM_256) ||
	    !sa->tunnel || sa->esn || sa->udp_encap)
		return 0; /* what this reference does not write */
	size_t inner = len - 14;
	size_t pad = (4 - (inner + 2) % 4) % 4;
	size_t esp_len = 8 + 8 + inner + pad + 2 + 16;
	size_t total = 14 + 20 + esp_len;
	if (total > cap || 20 + esp_len > 65535)
		return 0;
	memcpy(out, frame, 14); /* the host's Ethernet header, IPv4 */
	uint8_t *ip = out + 14, *esp = ip + 20, *ct = esp + 16;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = frame[15]; /* TOS */
	put16(ip + 2, (unsigned)(20 + esp_len));
	put16(ip + 4, ip_id);
	ip[6] = frame[14 + 6] & 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 50;
	memcpy(ip + 12, sa->local, 4);
	memcpy(ip + 16, sa->remote, 4);
	put16(ip + 10, ipv4_checksum(ip));
	put32(esp, sa->spi);
	put32(esp + 4, seq);
	put32(esp + 8, 0); /* the explicit IV: the 64-bit sequence number */
	put32(esp + 12, seq);
	memcpy(ct, frame + 14, inner);
	for (size_t i = 0; i < pad; i++)
		ct[inner + i] = (uint8_t)(i + 1);
	ct[inner + pad] = (uint8_t)pad;
	ct[inner + pad + 1] = 4; /* IPv4 */
	size_t pt_len = inner + pad + 2;

	uint8_t nonce[12];
	memcpy(nonce, sa->salt, 4);
	memcpy(nonce + 4, esp + 8, 8);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok = c != NULL;
	ok = ok && EVP_EncryptInit_ex(
		       c, sa->alg == ESPNIC_ALG_AES_GCM_256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(),
		       NULL, sa->key, nonce) == 1;
	ok = ok && EVP_EncryptUpdate(c, NULL, &n, esp, 8) == 1; /* AAD: SPI, sequence number */
	ok = ok && EVP_EncryptUpdate(c, ct, &n, ct, (int)pt_len) == 1;
	ok = ok && EVP_EncryptFinal_ex(c, ct + n, &n) == 1;
	ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, ct + pt_len) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? total : 0;
}
