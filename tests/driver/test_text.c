/* test_text.c: espnic_text.h, the parsers and formatters of addresses,
 * prefixes, protocols, port ranges and hex keys, with good and bad input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "espnic_text.h"

static void test_ipv4(void **state)
{
	(void)state;
	uint8_t a[4];
	assert_int_equal(espnic_text_ipv4("198.18.0.1", a), 0);
	assert_memory_equal(a, ((uint8_t[]){198, 18, 0, 1}), 4);
	static const char *const bad[] = {"",
					  "198.18.0",
					  "198.18.0.256",
					  "198.18.0.1 ",
					  " 198.18.0.1",
					  "198.18.0.1/32",
					  "2001:db8::1",
					  "1.2.3.04"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(espnic_text_ipv4(bad[i], a), -EINVAL);
}

static void test_ip(void **state)
{
	(void)state;
	uint8_t a[16];
	bool v6 = true;
	memset(a, 0xee, sizeof(a));
	assert_int_equal(espnic_text_ip("10.1.2.3", &v6, a), 0);
	assert_false(v6);
	assert_memory_equal(a, ((uint8_t[16]){10, 1, 2, 3}), 16);
	assert_int_equal(espnic_text_ip("2001:db8::7", &v6, a), 0);
	assert_true(v6);
	assert_int_equal(a[0], 0x20);
	assert_int_equal(a[15], 7);
	assert_int_equal(espnic_text_ip("2001:db8::7%eth0", &v6, a), -EINVAL);
	assert_int_equal(espnic_text_ip("host.example", &v6, a), -EINVAL);
}

static void test_prefix_good(void **state)
{
	(void)state;
	struct espnic_prefix p;
	char buf[ESPNIC_TEXT_PREFIX_MAX];

	assert_int_equal(espnic_text_prefix("198.18.0.0/15", 0, &p), 0);
	assert_false(p.v6);
	assert_int_equal(p.len, 15);
	assert_memory_equal(p.addr, ((uint8_t[16]){198, 18}), 16);
	assert_string_equal(espnic_text_prefix_str(&p, buf, sizeof(buf)), "198.18.0.0/15");

	/* A bare address is the full length; host bits stay as written. */
	assert_int_equal(espnic_text_prefix("198.19.1.10", 0, &p), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(espnic_text_prefix("198.19.1.10/24", 0, &p), 0);
	assert_int_equal(p.len, 24);
	assert_int_equal(p.addr[3], 10);
	assert_int_equal(espnic_text_prefix("0.0.0.0/0", ESPNIC_PREFIX_NO_HOST_BITS, &p), 0);
	assert_int_equal(p.len, 0);

	assert_int_equal(espnic_text_prefix("2001:db8::/32", ESPNIC_PREFIX_NEED_LEN, &p), 0);
	assert_true(p.v6);
	assert_int_equal(p.len, 32);
	assert_string_equal(espnic_text_prefix_str(&p, buf, sizeof(buf)), "2001:db8::/32");
	assert_int_equal(espnic_text_prefix("2001:db8::1", 0, &p), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(espnic_text_prefix("::/0", 0, &p), 0);
	assert_int_equal(p.len, 0);

	/* The longest text fits ESPNIC_TEXT_PREFIX_MAX. */
	assert_int_equal(
	    espnic_text_prefix("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", 0, &p), 0);
	espnic_text_prefix_str(&p, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
}

static void test_prefix_bad(void **state)
{
	(void)state;
	struct espnic_prefix p;
	static const struct {
		const char *text;
		unsigned flags;
		int rc;
	} bad[] = {
	    {"", 0, -EINVAL},
	    {"/24", 0, -EINVAL},
	    {"198.18.0.0/", 0, -EINVAL},
	    {"198.18.0.0/33", 0, -ERANGE},
	    {"198.18.0.0/99999999999", 0, -ERANGE},
	    {"2001:db8::/129", 0, -ERANGE},
	    {"198.18.0.0/-1", 0, -EINVAL},
	    {"198.18.0.0/+8", 0, -EINVAL},
	    {"198.18.0.0/ 8", 0, -EINVAL},
	    {"198.18.0.0/08", 0, -EINVAL},
	    {"198.18.0.0/0x10", 0, -EINVAL},
	    {"198.18.0.0/16x", 0, -EINVAL},
	    {"198.18.0.0/16/16", 0, -EINVAL},
	    {"198.18.0.0 /16", 0, -EINVAL},
	    {"198.18.0/16", 0, -EINVAL},
	    {"any", 0, -EINVAL},
	    {"198.18.0.1", ESPNIC_PREFIX_NEED_LEN, -EINVAL},
	    {"198.19.1.10/24", ESPNIC_PREFIX_NO_HOST_BITS, -EDOM},
	    {"198.19.0.0/15", ESPNIC_PREFIX_NO_HOST_BITS, -EDOM},
	    {"2001:db8::1/64", ESPNIC_PREFIX_NO_HOST_BITS, -EDOM},
	    {"2001:db8:0:0:0:0:0:0:1/64", 0, -EINVAL},
	    {"2001:db8::1234567890abcdef1234567890abcdef1234567890/64", 0, -EINVAL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = espnic_text_prefix(bad[i].text, bad[i].flags, &p);
		if (rc != bad[i].rc)
			fail_msg("'%s' (flags %u): %d, expected %d", bad[i].text, bad[i].flags, rc,
				 bad[i].rc);
	}
}

static void test_proto(void **state)
{
	(void)state;
	uint8_t v;
	char buf[8];
	static const struct {
		const char *text;
		uint8_t num;
	} good[] = {{"any", 0},	       {"icmp", 1},   {"tcp", 6}, {"UDP", 17}, {"esp", 50},
		    {"ipv6-icmp", 58}, {"sctp", 132}, {"0", 0},	  {"47", 47},  {"255", 255}};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 99;
		assert_int_equal(espnic_text_proto(good[i].text, &v), 0);
		assert_int_equal(v, good[i].num);
	}
	assert_int_equal(espnic_text_proto("256", &v), -ERANGE);
	static const char *const bad[] = {"", "gre", "tcp ", "-1", "0x11", "017", "6x", "t"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (espnic_text_proto(bad[i], &v) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);

	/* Every number formats to what parses back to it; every name is listed
	 * in ESPNIC_TEXT_PROTO_NAMES. */
	for (unsigned n = 0; n < 256; n++) {
		const char *s = espnic_text_proto_str((uint8_t)n, buf, sizeof(buf));
		assert_int_equal(espnic_text_proto(s, &v), 0);
		assert_int_equal(v, n);
		if (espnic_text_proto_name((uint8_t)n))
			assert_non_null(strstr(ESPNIC_TEXT_PROTO_NAMES, s));
	}
	assert_string_equal(espnic_text_proto_str(17, buf, sizeof(buf)), "udp");
	assert_string_equal(espnic_text_proto_str(47, buf, sizeof(buf)), "47");
	assert_null(espnic_text_proto_name(47));
}

static void test_port_range(void **state)
{
	(void)state;
	uint16_t lo = 1, hi = 1;
	assert_int_equal(espnic_text_port_range("500", &lo, &hi), 0);
	assert_int_equal(lo, 500);
	assert_int_equal(hi, 500);
	assert_int_equal(espnic_text_port_range("1024-65535", &lo, &hi), 0);
	assert_int_equal(lo, 1024);
	assert_int_equal(hi, 65535);
	assert_int_equal(espnic_text_port_range("0-0", &lo, &hi), 0);
	assert_int_equal(lo + hi, 0);
	assert_int_equal(espnic_text_port_range("7-7", &lo, &hi), 0);
	assert_int_equal(lo, 7);

	static const struct {
		const char *text;
		int rc;
	} bad[] = {{"", -EINVAL},	 {"-", -EINVAL},     {"5-", -EINVAL},
		   {"-5", -EINVAL},	 {"1-2-3", -EINVAL}, {"1 - 2", -EINVAL},
		   {"80 ", -EINVAL},	 {"0x50", -EINVAL},  {"080", -EINVAL},
		   {"+80", -EINVAL},	 {"http", -EINVAL},  {"65536", -ERANGE},
		   {"1-65536", -ERANGE}, {"9-1", -ERANGE},   {"99999999999", -ERANGE}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = espnic_text_port_range(bad[i].text, &lo, &hi);
		if (rc != bad[i].rc)
			fail_msg("'%s': %d, expected %d", bad[i].text, rc, bad[i].rc);
	}
}

static void test_hex(void **state)
{
	(void)state;
	uint8_t out[4];
	size_t n = 0;
	char buf[9];

	assert_int_equal(espnic_text_hex("00a1B2ff", out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, ((uint8_t[]){0x00, 0xa1, 0xb2, 0xff}), 4);
	assert_int_equal(espnic_text_hex("0x0102", out, sizeof(out), &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, ((uint8_t[]){1, 2}), 2);
	assert_int_equal(espnic_text_hex("0XAB", out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);

	static const char *const bad[] = {"",	  "0x",	   "a",	     "abc", "0g",    " ab", "ab ",
					  "ab\n", "aa:bb", "0x0x12", "-1",  "ab cd", "x12"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 0x5a, sizeof(out));
		if (espnic_text_hex(bad[i], out, sizeof(out), &n) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_memory_equal(out, ((uint8_t[4]){0}), 4);
	}
	/* One byte too many: refused, and nothing of it is left in out. */
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(espnic_text_hex("0102030405", out, sizeof(out), &n), -EMSGSIZE);
	assert_memory_equal(out, ((uint8_t[4]){0}), 4);

	assert_int_equal(espnic_text_hex_str((uint8_t[]){0x00, 0xa1, 0xb2, 0xff}, 4, buf, 9), 0);
	assert_string_equal(buf, "00a1b2ff");
	assert_int_equal(espnic_text_hex_str((uint8_t[]){1, 2, 3, 4}, 4, buf, 8), -EMSGSIZE);
	assert_int_equal(espnic_text_hex_str(NULL, 0, buf, 1), 0);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4),	cmocka_unit_test(test_ip),
	    cmocka_unit_test(test_prefix_good), cmocka_unit_test(test_prefix_bad),
	    cmocka_unit_test(test_proto),	cmocka_unit_test(test_port_range),
	    cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
