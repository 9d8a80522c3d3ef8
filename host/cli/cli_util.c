/* cli_util.c: parsing and device helpers shared by the `espnic` commands. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;
	fputs("espnic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end || x > max)
		return -1;
	*v = x;
	return 0;
}

int cli_ipv4(const char *s, uint8_t addr[4])
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	memcpy(addr, &a, 4);
	return 0;
}

int cli_prefix(const char *s, struct espnic_prefix *p)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t len;
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = 0;
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->v6 = false;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->v6 = true;
	else
		return -1;
	if (!slash)
		len = p->v6 ? 128 : 32;
	else if (cli_u64(slash + 1, p->v6 ? 128 : 32, &len) < 0)
		return -1;
	p->len = (uint8_t)len;
	return 0;
}

void cli_prefix_str(const struct espnic_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(p->v6 ? AF_INET6 : AF_INET, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

int cli_proto(const char *s, uint8_t *proto)
{
	uint64_t v;
	if (strcmp(s, "any") == 0) {
		*proto = 0;
		return 0;
	}
	if (cli_u64(s, 255, &v) == 0) {
		*proto = (uint8_t)v;
		return 0;
	}
	struct protoent *pe = getprotobyname(s);
	if (pe) {
		*proto = (uint8_t)pe->p_proto;
		return 0;
	}
	/* Without /etc/protocols. */
	static const struct {
		const char *name;
		uint8_t num;
	} known[] = {{"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"esp", 50}, {"ipv6-icmp", 58}};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i].name) == 0) {
			*proto = known[i].num;
			return 0;
		}
	return -1;
}

const char *cli_proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 0:
		return "any";
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "ipv6-icmp";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

int cli_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	uint64_t a, b;
	const char *dash = strchr(s, '-');
	if (!dash) {
		if (cli_u64(s, 65535, &a) < 0)
			return -1;
		*lo = *hi = (uint16_t)a;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = 0;
	if (cli_u64(buf, 65535, &a) < 0 || cli_u64(dash + 1, 65535, &b) < 0 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int cli_read_key(const char *path, uint8_t *key, size_t cap)
{
	char text[512];
	size_t n = 0, out = 0;
	int rc = -1;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		cli_err("--key-file %s: %s", path, strerror(errno));
		return -1;
	}
	setvbuf(f, NULL, _IONBF, 0); /* no copy of the key in a stdio buffer */
	n = fread(text, 1, sizeof(text) - 1, f);
	bool too_long = n == sizeof(text) - 1 && fgetc(f) != EOF;
	if (f != stdin)
		fclose(f);
	text[n] = 0;
	size_t i = 0;
	while (i < n && isspace((unsigned char)text[i]))
		i++;
	if (i + 1 < n && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X'))
		i += 2;
	for (; i < n && !isspace((unsigned char)text[i]); i += 2) {
		int hi = hexval((unsigned char)text[i]);
		int lo = i + 1 < n ? hexval((unsigned char)text[i + 1]) : -1;
		if (hi < 0 || lo < 0 || out == cap)
			goto bad;
		key[out++] = (uint8_t)(hi << 4 | lo);
	}
	while (i < n && isspace((unsigned char)text[i]))
		i++;
	if (i != n || too_long || out == 0)
		goto bad;
	rc = (int)out;
	goto done;
bad:
	cli_err("--key-file %s: expected the key and 4-byte salt as one hex string", path);
	explicit_bzero(key, cap);
done:
	explicit_bzero(text, sizeof(text));
	return rc;
}

static const char *dev_spec;
static espnic_dev *dev_open;

void cli_set_device(const char *spec)
{
	dev_spec = spec;
}

void cli_close(void)
{
	espnic_close(dev_open);
	dev_open = NULL;
}

espnic_dev *cli_dev(void)
{
	const char *spec = dev_spec;
	espnic_dev *dev;
	if (dev_open)
		return dev_open;
	struct espnic_dev_entry *list = NULL;
	size_t n = 0;
	char chosen[sizeof(list->spec)];
	if (!spec)
		spec = getenv("ESPNIC_DEVICE");
	if (!spec || !*spec) {
		int rc = espnic_list(&list, &n);
		if (rc || n != 1) {
			cli_err(n ? "several cards present: choose one with -d DEVICE (espnic card "
				    "list)"
				  : "no card found: give one with -d DEVICE");
			espnic_list_free(list);
			return NULL;
		}
		snprintf(chosen, sizeof(chosen), "%s", list[0].spec);
		espnic_list_free(list);
		spec = chosen;
	}
	if (espnic_open(spec, &dev) < 0) {
		cli_err("%s", espnic_open_error());
		return NULL;
	}
	dev_open = dev;
	return dev;
}
