/* traffic.c: see traffic.h. */
#include "traffic.h"

#include <string.h>

static const uint8_t host_mac[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t gw_mac[6] = {2, 0, 0, 0, 0, 2};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
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
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum & 0xffff);
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
