/*
 * rep_test_util.h - helpers shared by the unit tests that feed reputation
 * and category files to the loaders (geoip/test_rep_keywords,
 * iprep/test_iprep_load, policy/test_policy_dynamic_sets).
 *
 * Test code only: header-only, static functions, cmocka assertions. The
 * includer owns the paths (usually under a mkdtemp directory).
 */
#ifndef RAMPART_TESTS_UNIT_GEOIP_REP_TEST_UTIL_H
#define RAMPART_TESTS_UNIT_GEOIP_REP_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

/* Replace `path` with `text`; a write that fails fails the test. */
static inline void rep_test_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

#endif
