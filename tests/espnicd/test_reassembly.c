/* The exception path's IP reassembler alone (host/espnicd/dataplane/reassembly.c), cmocka, a
 * fake clock: IPv4 and IPv6 in order, out of order, duplicates, overlaps (the datagram
 * dropped), timeouts, eviction, too big, tiny first fragments and malformed input; the whole
 * packet compared byte for byte with the original. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/reassembly.h"

static const struct reasm_limits lim = {
    .max_packet = 2048 - 14, .max_datagrams = 4, .timeout4_ms = 15000, .timeout6_ms = 60000};

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A whole IPv4 UDP packet of n bytes from 198.18.0.1 to 198.19.0.1 with id. */
static size_t make_v4(uint8_t *p, size_t n, uint16_t id, uint8_t seed)
{
	uint16_t c;

	memset(p, 0, n);
	p[0] = 0x45;
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	p[4] = (uint8_t)(id >> 8);
	p[5] = (uint8_t)id;
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, (uint8_t[]){198, 18, 0, 1}, 4);
	memcpy(p + 16, (uint8_t[]){198, 19, 0, 1}, 4);
	for (size_t i = 20; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
	c = csum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	return n;
}

/* The fragment of whole (IPv4) with payload bytes [off, off+len) and MF. */
static size_t frag_v4(uint8_t *f, const uint8_t *whole, size_t off, size_t len, int mf)
{
	size_t n = 20 + len;
	uint16_t fo = (uint16_t)(off / 8 | (mf ? 0x2000 : 0)), c;

	memcpy(f, whole, 20);
	memcpy(f + 20, whole + 20 + off, len);
	f[2] = (uint8_t)(n >> 8);
	f[3] = (uint8_t)n;
	f[6] = (uint8_t)(fo >> 8);
	f[7] = (uint8_t)fo;
	f[10] = f[11] = 0;
	c = csum(f, 20);
	f[10] = (uint8_t)(c >> 8);
	f[11] = (uint8_t)c;
	return n;
}

/* A whole IPv6 UDP packet of n bytes (header included) from 2001:db8::1 to 2001:db8::2. */
static size_t make_v6(uint8_t *p, size_t n, uint8_t seed)
{
	memset(p, 0, n);
	p[0] = 0x60;
	p[4] = (uint8_t)((n - 40) >> 8);
	p[5] = (uint8_t)(n - 40);
	p[6] = 17;
	p[7] = 64;
	p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
	p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;
	for (size_t i = 40; i < n; i++)
		p[i] = (uint8_t)(i * 13 + seed);
	return n;
}

static size_t frag_v6(uint8_t *f, const uint8_t *whole, size_t off, size_t len, int m, uint32_t id)
{
	size_t n = 48 + len;
	uint16_t fo = (uint16_t)(off | (m ? 1 : 0));

	memcpy(f, whole, 40);
	f[4] = (uint8_t)((n - 40) >> 8);
	f[5] = (uint8_t)(n - 40);
	f[6] = 44;
	f[40] = whole[6];
	f[41] = 0;
	f[42] = (uint8_t)(fo >> 8);
	f[43] = (uint8_t)fo;
	f[44] = (uint8_t)(id >> 24), f[45] = (uint8_t)(id >> 16), f[46] = (uint8_t)(id >> 8);
	f[47] = (uint8_t)id;
	memcpy(f + 48, whole + 40 + off, len);
	return n;
}

static int feed(struct reasm *r, const uint8_t *p, size_t n, uint64_t now, uint8_t **out,
		size_t *outlen)
{
	uint8_t link[REASM_LINK_LEN];

	return reasm_input(r, p, n, NULL, now, out, outlen, link);
}

static void test_v4_in_order(void **state)
{
	uint8_t whole[1500], f[1500], *out;
	size_t n = make_v4(whole, 1400, 0x1234, 1), outlen, fl;
	struct reasm *r = reasm_new(&lim);
	uint8_t link[REASM_LINK_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, got[REASM_LINK_LEN];

	(void)state;
	fl = frag_v4(f, whole, 0, 512, 1);
	assert_int_equal(reasm_input(r, f, fl, link, 0, &out, &outlen, got), 0);
	fl = frag_v4(f, whole, 512, 512, 1);
	assert_int_equal(feed(r, f, fl, 1, &out, &outlen), 0);
	fl = frag_v4(f, whole, 1024, n - 20 - 1024, 0);
	assert_int_equal(reasm_input(r, f, fl, NULL, 2, &out, &outlen, got), 1);
	assert_int_equal(outlen, n);
	assert_memory_equal(out, whole, n);
	assert_memory_equal(got, link, REASM_LINK_LEN);
	assert_int_equal(reasm_stats(r)->datagrams, 1);
	assert_int_equal(reasm_stats(r)->fragments, 3);
	assert_int_equal(reasm_in_progress(r), 0);
	free(out);
	reasm_free(r);
}

static void test_v4_out_of_order_and_duplicate(void **state)
{
	uint8_t whole[1500], f[1500], *out;
	size_t n = make_v4(whole, 1000, 7, 2), outlen, fl;
	struct reasm *r = reasm_new(&lim);

	(void)state;
	fl = frag_v4(f, whole, 800, n - 20 - 800, 0);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 0);
	fl = frag_v4(f, whole, 400, 400, 1);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 0);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1); /* exact duplicate: ignored */
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_DUPLICATE], 1);
	fl = frag_v4(f, whole, 0, 400, 1);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 1);
	assert_int_equal(outlen, n);
	assert_memory_equal(out, whole, n);
	free(out);
	reasm_free(r);
}

static void test_v4_overlap(void **state)
{
	uint8_t whole[1500], f[1500], *out;
	size_t n = make_v4(whole, 1000, 9, 3), outlen, fl;
	struct reasm *r = reasm_new(&lim);

	(void)state;
	fl = frag_v4(f, whole, 0, 400, 1);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 0);
	fl = frag_v4(f, whole, 392, 400, 1); /* overlaps the first by 8 bytes */
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_OVERLAP], 1);
	assert_int_equal(reasm_in_progress(r), 0);
	/* A same-range fragment with other bytes is an overlap too */
	fl = frag_v4(f, whole, 0, 400, 1);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 0);
	f[30] ^= 1;
	f[10] = f[11] = 0;
	{
		uint16_t c = csum(f, 20);

		f[10] = (uint8_t)(c >> 8);
		f[11] = (uint8_t)c;
	}
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_OVERLAP], 2);
	/* The rest alone never completes */
	fl = frag_v4(f, whole, 400, n - 20 - 400, 0);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 0);
	assert_int_equal(reasm_stats(r)->datagrams, 0);
	reasm_free(r);
}

static void test_timeout_and_eviction(void **state)
{
	uint8_t whole[1500], f[1500], *out;
	size_t outlen, fl;
	struct reasm *r = reasm_new(&lim);

	(void)state;
	make_v4(whole, 1000, 1, 4);
	fl = frag_v4(f, whole, 0, 400, 1);
	assert_int_equal(feed(r, f, fl, 1000, &out, &outlen), 0);
	reasm_expire(r, 1000 + 14999);
	assert_int_equal(reasm_in_progress(r), 1);
	reasm_expire(r, 1000 + 15000);
	assert_int_equal(reasm_in_progress(r), 0);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_TIMEOUT], 1);
	/* Five datagrams in a table of four: the oldest goes */
	for (uint16_t id = 1; id <= 5; id++) {
		make_v4(whole, 1000, id, 4);
		fl = frag_v4(f, whole, 0, 400, 1);
		assert_int_equal(feed(r, f, fl, 20000 + id, &out, &outlen), 0);
	}
	assert_int_equal(reasm_in_progress(r), 4);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_EVICTED], 1);
	/* id 1 is gone: its rest starts a new datagram; id 2 completes */
	make_v4(whole, 1000, 2, 4);
	fl = frag_v4(f, whole, 400, 1000 - 20 - 400, 0);
	assert_int_equal(feed(r, f, fl, 20010, &out, &outlen), 1);
	assert_memory_equal(out, whole, 1000);
	free(out);
	make_v4(whole, 1000, 1, 4);
	fl = frag_v4(f, whole, 400, 1000 - 20 - 400, 0);
	assert_int_equal(feed(r, f, fl, 20011, &out, &outlen), 0);
	reasm_free(r);
}

static void test_too_big_and_inconsistent(void **state)
{
	uint8_t whole[4096] = {0}, f[1500], *out;
	size_t outlen, fl;
	struct reasm *r = reasm_new(&lim);

	(void)state;
	make_v4(whole, 1500, 3, 5);
	/* A last fragment ending past 2034 bytes */
	fl = frag_v4(f, whole, 2000, 100, 0);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_TOO_BIG], 1);
	/* Not a multiple of 8 with MF */
	fl = frag_v4(f, whole, 0, 401, 1);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_INCONSISTENT], 1);
	/* Two different ends */
	fl = frag_v4(f, whole, 800, 100, 0);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 0);
	fl = frag_v4(f, whole, 800, 200, 0);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_INCONSISTENT], 2);
	/* Data beyond a known end */
	fl = frag_v4(f, whole, 0, 400, 0);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 1);
	free(out);
	fl = frag_v4(f, whole, 400, 400, 1);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 0);
	fl = frag_v4(f, whole, 200, 8, 0);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_INCONSISTENT], 3);
	reasm_free(r);
}

/* A first fragment whose options make the packet too big, after a fragment near the limit
 * that fitted behind a 20-byte header. */
static void test_v4_options_too_big(void **state)
{
	uint8_t big[4096] = {0}, g[2100], *out;
	size_t outlen, fl;
	uint16_t c;
	struct reasm *r = reasm_new(&lim);

	(void)state;
	make_v4(big, 2028, 11, 1);
	fl = frag_v4(g, big, 1008, 1000, 0); /* ends at 2008: 2028 behind 20 bytes */
	assert_int_equal(feed(r, g, fl, 0, &out, &outlen), 0);
	fl = frag_v4(g, big, 0, 1008, 1);
	memmove(g + 40, g + 20, 1008); /* 20 bytes of options (NOPs), IHL 10 */
	memset(g + 20, 1, 20);
	g[0] = 0x4a;
	g[2] = (uint8_t)((40 + 1008) >> 8);
	g[3] = (uint8_t)(40 + 1008);
	g[10] = g[11] = 0;
	c = csum(g, 40);
	g[10] = (uint8_t)(c >> 8);
	g[11] = (uint8_t)c;
	assert_int_equal(feed(r, g, 40 + 1008, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_TOO_BIG], 1);
	assert_int_equal(reasm_in_progress(r), 0);
	/* Behind a plain header it fits: 2028 bytes */
	fl = frag_v4(g, big, 1008, 1000, 0);
	assert_int_equal(feed(r, g, fl, 0, &out, &outlen), 0);
	fl = frag_v4(g, big, 0, 1008, 1);
	assert_int_equal(feed(r, g, fl, 0, &out, &outlen), 1);
	assert_int_equal(outlen, 2028);
	assert_memory_equal(out, big, 2028);
	free(out);
	reasm_free(r);
}

static void test_malformed(void **state)
{
	uint8_t whole[1500], f[1500], *out;
	size_t outlen, fl;
	struct reasm *r = reasm_new(&lim);

	(void)state;
	make_v4(whole, 1000, 3, 6);
	fl = frag_v4(f, whole, 0, 400, 1);
	assert_int_equal(feed(r, f, 0, 0, &out, &outlen), -1);	 /* empty */
	assert_int_equal(feed(r, f, 19, 0, &out, &outlen), -1);	 /* short */
	assert_int_equal(feed(r, f, 100, 0, &out, &outlen), -1); /* shorter than total length */
	f[0] = 0x44;						 /* IHL 16 bytes */
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	f[0] = 0x4f; /* IHL 60 and a checksum that no longer matches */
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	f[0] = 0x45;
	f[11] ^= 1; /* checksum */
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	f[0] = 0x75; /* version 7 */
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_MALFORMED], 7);
	/* IPv6: short, a payload length past the end, a Routing header first */
	make_v6(whole, 1000, 1);
	fl = frag_v6(f, whole, 0, 400, 1, 5);
	assert_int_equal(feed(r, f, 39, 0, &out, &outlen), -1);
	assert_int_equal(feed(r, f, fl - 1, 0, &out, &outlen), -1);
	f[6] = 43;
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_MALFORMED], 9);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_UNSUPPORTED], 1);
	assert_int_equal(reasm_in_progress(r), 0);
	reasm_free(r);
}

static void test_v6(void **state)
{
	uint8_t whole[1500], f[1500], *out;
	size_t n = make_v6(whole, 1300, 7), outlen, fl;
	struct reasm *r = reasm_new(&lim);

	(void)state;
	/* Out of order, and Ethernet padding after the last one */
	fl = frag_v6(f, whole, 1200, n - 40 - 1200, 0, 0xdeadbeef);
	memset(f + fl, 0xee, 20);
	assert_int_equal(feed(r, f, fl + 20, 0, &out, &outlen), 0);
	fl = frag_v6(f, whole, 0, 600, 1, 0xdeadbeef);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 0);
	fl = frag_v6(f, whole, 600, 600, 1, 0xdeadbeef);
	assert_int_equal(feed(r, f, fl, 59999, &out, &outlen), 1);
	assert_int_equal(outlen, n);
	assert_memory_equal(out, whole, n);
	free(out);
	/* An atomic fragment (RFC 6946) comes back at once */
	fl = frag_v6(f, whole, 0, n - 40, 0, 1);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 1);
	assert_memory_equal(out, whole, n);
	free(out);
	/* Overlap drops the datagram (RFC 5722) */
	fl = frag_v6(f, whole, 0, 600, 1, 2);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), 0);
	fl = frag_v6(f, whole, 592, 600, 1, 2);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_OVERLAP], 1);
	/* Timeout at 60 s */
	fl = frag_v6(f, whole, 0, 600, 1, 3);
	assert_int_equal(feed(r, f, fl, 100, &out, &outlen), 0);
	reasm_expire(r, 60099);
	assert_int_equal(reasm_in_progress(r), 1);
	reasm_expire(r, 60100);
	assert_int_equal(reasm_in_progress(r), 0);
	/* A first fragment without the whole UDP header (RFC 8200 4.5) */
	fl = frag_v6(f, whole, 0, 0, 1, 4);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_INCONSISTENT], 1); /* empty, MF */
	whole[6] = 60; /* a Destination Options header of 16 bytes, then UDP past 8 bytes */
	whole[40] = 17;
	whole[41] = 1;
	fl = frag_v6(f, whole, 0, 8, 1, 4);
	assert_int_equal(feed(r, f, fl, 0, &out, &outlen), -1);
	assert_int_equal(reasm_stats(r)->drops[REASM_DROP_TINY_FIRST], 1);
	reasm_free(r);
}

static void test_limits(void **state)
{
	struct reasm_limits l = lim;

	(void)state;
	l.max_packet = 67;
	assert_null(reasm_new(&l));
	l = lim;
	l.max_datagrams = 0;
	assert_null(reasm_new(&l));
	assert_string_equal(reasm_drop_name(REASM_DROP_OVERLAP), "overlap");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v4_in_order),
	    cmocka_unit_test(test_v4_out_of_order_and_duplicate),
	    cmocka_unit_test(test_v4_overlap),
	    cmocka_unit_test(test_timeout_and_eviction),
	    cmocka_unit_test(test_too_big_and_inconsistent),
	    cmocka_unit_test(test_v4_options_too_big),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_v6),
	    cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
