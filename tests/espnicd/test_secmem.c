/* secmem, where IKE_SAs and the configuration live: objects come zeroed and aligned, in
 * mappings marked MADV_DONTDUMP (the "dd" VmFlag of /proc/self/smaps), wiped when freed, and
 * many IKE_SA-sized objects share mappings instead of holding one each (vm.max_map_count). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ike/ike_sa.h"
#include "secmem.h"

/* Whether the mapping holding p carries the dd (do not dump) flag. */
static bool dontdump(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool inside = false, dd = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (inside && strncmp(line, "VmFlags:", 8) == 0)
			dd = strstr(line, " dd") != NULL;
	}
	fclose(f);
	return dd;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void test_zeroed_aligned_not_dumped(void **state)
{
	static const size_t sizes[] = {1, 100, 1000, 5000, sizeof(struct ike_sa), 70000};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *p = secmem_zalloc(sizes[i]);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 64, 0);
		assert_true(all_zero(p, sizes[i]));
		assert_true(dontdump(p));
		assert_true(dontdump(p + sizes[i] - 1));
		memset(p, 0xa5, sizes[i]);
		secmem_free(p);
	}
	secmem_free(NULL);
}

/* A freed slot stays mapped (it waits for reuse): what it held is gone, and the object that
 * reuses it starts zeroed. */
static void test_wiped_on_free(void **state)
{
	size_t len = 3000;
	uint8_t *p = secmem_zalloc(len), *q;

	(void)state;
	assert_non_null(p);
	memset(p, 0x5a, len);
	secmem_free(p);
	assert_true(all_zero(p, len));
	q = secmem_zalloc(len);
	assert_ptr_equal(q, p); /* the wiped slot is taken again */
	assert_true(all_zero(q, len));
	secmem_free(q);
}

/* 2000 IKE_SAs: a handful of mappings between them, not 2000 (16k tunnels used to take 16k
 * of the default 65530). */
static void test_ike_sas_share_mappings(void **state)
{
	enum { N = 2000 };
	static void *sa[N];
	struct secmem_stats before = secmem_stats(), during;

	(void)state;
	for (int i = 0; i < N; i++) {
		sa[i] = secmem_zalloc(sizeof(struct ike_sa));
		assert_non_null(sa[i]);
		for (int j = 0; j < i; j += 97)
			assert_ptr_not_equal(sa[i], sa[j]);
	}
	during = secmem_stats();
	assert_int_equal(during.objects - before.objects, N);
	assert_true(during.mappings - before.mappings <= N / 16);
	for (int i = 0; i < N; i++)
		secmem_free(sa[i]);
	assert_int_equal(secmem_stats().objects, before.objects);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zeroed_aligned_not_dumped),
	    cmocka_unit_test(test_wiped_on_free),
	    cmocka_unit_test(test_ike_sas_share_mappings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
