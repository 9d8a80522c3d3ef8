/* text.c: parsing and formatting of addresses, prefixes, protocols, port
 * ranges and hex key material (espnic_text.h), the one place the CLI, the
 * simulator and espnicd read them. */
#include "espnic_text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

/* Decimal digits s[0..n) into *v: no sign, no leading zero (is "010" ten or
 * eight?), at most max. */
static int parse_decimal(const char *s, size_t n, unsigned max, unsigned *v)
{
	unsigned x = 0;
	if (n == 0 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (x > max)
			continue; /* out of range; keep checking the form */
		x = x * 10 + (unsigned)(s[i] - '0');
	}
	if (x > max)
		return -ERANGE;
	*v = x;
	return 0;
}

int espnic_text_ipv4(const char *s, uint8_t addr[4])
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	memcpy(addr, &a, 4);
	return 0;
}

int espnic_text_ip(const char *s, bool *v6, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*v6 = true;
		return 0;
	}
	return -EINVAL;
}

int espnic_text_prefix(const char *s, unsigned flags, struct espnic_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned max, len;
	int rc;

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= sizeof(addr) || (!slash && (flags & ESPNIC_PREFIX_NEED_LEN)))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (espnic_text_ip(addr, &p->v6, p->addr) < 0)
		return -EINVAL;
	max = p->v6 ? 128 : 32;
	len = max;
	if (slash && (rc = parse_decimal(slash + 1, strlen(slash + 1), max, &len)) < 0)
		return rc;
	p->len = (uint8_t)len;
	if (flags & ESPNIC_PREFIX_NO_HOST_BITS)
		for (unsigned bit = len; bit < max; bit++)
			if (p->addr[bit / 8] & (0x80u >> (bit % 8)))
				return -EDOM;
	return 0;
}

char *espnic_text_prefix_str(const struct espnic_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(p->v6 ? AF_INET6 : AF_INET, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

/* The protocols known by name (ESPNIC_TEXT_PROTO_NAMES): what SPD rules and
 * SA selectors name in practice, the same on every machine (no
 * /etc/protocols). */
static const struct {
	const char *name;
	uint8_t num;
} protocols[] = {{"any", 0},  {"icmp", 1},	 {"tcp", 6},   {"udp", 17},
		 {"esp", 50}, {"ipv6-icmp", 58}, {"sctp", 132}};

int espnic_text_proto(const char *s, uint8_t *proto)
{
	unsigned v;
	int rc;
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (strcasecmp(s, protocols[i].name) == 0) {
			*proto = protocols[i].num;
			return 0;
		}
	if ((rc = parse_decimal(s, strlen(s), 255, &v)) < 0)
		return rc;
	*proto = (uint8_t)v;
	return 0;
}

const char *espnic_text_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i].num == proto)
			return protocols[i].name;
	return NULL;
}

const char *espnic_text_proto_str(uint8_t proto, char *buf, size_t len)
{
	const char *name = espnic_text_proto_name(proto);
	if (name)
		return name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

int espnic_text_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	unsigned a, b;
	int rc;
	if (!dash) {
		if ((rc = parse_decimal(s, strlen(s), 65535, &a)) < 0)
			return rc;
		*lo = *hi = (uint16_t)a;
		return 0;
	}
	if ((rc = parse_decimal(s, (size_t)(dash - s), 65535, &a)) < 0 ||
	    (rc = parse_decimal(dash + 1, strlen(dash + 1), 65535, &b)) < 0)
		return rc;
	if (a > b)
		return -ERANGE;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int espnic_text_hex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n;
	int rc = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	/* Classify first, so that the caller can say what is wrong. */
	if (n == 0 || n % 2)
		rc = -EINVAL;
	for (size_t i = 0; i < n && !rc; i++)
		if (OPENSSL_hexchar2int((unsigned char)s[i]) < 0)
			rc = -EINVAL;
	if (!rc && n / 2 > cap)
		rc = -EMSGSIZE;
	if (!rc) {
		/* Nothing of this belongs on the caller's OpenSSL error queue. */
		ERR_set_mark();
		if (OPENSSL_hexstr2buf_ex(out, cap, len, s, '\0') != 1)
			rc = -EINVAL;
		ERR_pop_to_mark();
	}
	if (rc)
		OPENSSL_cleanse(out, cap);
	return rc;
}

int espnic_text_hex_str(const uint8_t *in, size_t n, char *buf, size_t len)
{
	int ok;
	if (len < 2 * n + 1)
		return -EMSGSIZE;
	ERR_set_mark();
	ok = OPENSSL_buf2hexstr_ex(buf, len, NULL, in, n, '\0');
	ERR_pop_to_mark();
	if (ok != 1)
		return -EMSGSIZE;
	for (char *c = buf; *c; c++) /* OpenSSL writes upper case */
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	return 0;
}
