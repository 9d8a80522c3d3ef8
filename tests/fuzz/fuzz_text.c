/* fuzz_text.c: libFuzzer target for libespnic's text parsers (espnic_text.h), which read
 * what users type into the CLI, the simulator's JSON files and espnicd's configuration. The
 * first byte picks the parser, the rest is the text. Each accepted value must print back as
 * text the same parser accepts again with the same value (round trip). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espnic_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_prefix(const char *s, unsigned flags)
{
	struct espnic_prefix p, q;
	char buf[ESPNIC_TEXT_PREFIX_MAX];

	if (espnic_text_prefix(s, flags, &p) != 0)
		return;
	espnic_text_prefix_str(&p, buf, sizeof(buf));
	if (espnic_text_prefix(buf, 0, &q) != 0 || q.v6 != p.v6 || q.len != p.len ||
	    memcmp(q.addr, p.addr, sizeof(p.addr)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	uint8_t addr[16], key[64], proto, proto2;
	uint16_t lo, hi, lo2, hi2;
	size_t n;
	bool v6;
	char buf[2 * sizeof(key) + 1];

	if (size < 1)
		return 0;
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		(void)espnic_text_ipv4(s, addr);
		break;
	case 1:
		(void)espnic_text_ip(s, &v6, addr);
		break;
	case 2:
		check_prefix(s, (data[0] >> 3) & 3u);
		break;
	case 3:
		if (espnic_text_proto(s, &proto) == 0) {
			char num[8];
			if (espnic_text_proto(espnic_text_proto_str(proto, num, sizeof(num)),
					      &proto2) != 0 ||
			    proto2 != proto)
				abort();
		}
		break;
	case 4:
		if (espnic_text_port_range(s, &lo, &hi) == 0) {
			if (lo > hi)
				abort();
			char txt[16];
			snprintf(txt, sizeof(txt), "%u-%u", lo, hi);
			if (espnic_text_port_range(txt, &lo2, &hi2) != 0 || lo2 != lo || hi2 != hi)
				abort();
		}
		break;
	default:
		if (espnic_text_hex(s, key, sizeof(key), &n) == 0) {
			uint8_t again[sizeof(key)];
			size_t m;
			if (n > sizeof(key) || espnic_text_hex_str(key, n, buf, sizeof(buf)) != 0 ||
			    espnic_text_hex(buf, again, sizeof(again), &m) != 0 || m != n ||
			    memcmp(again, key, n) != 0)
				abort();
		}
		break;
	}
	free(s);
	return 0;
}
