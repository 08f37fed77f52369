/*
 * unit_detect_content - content and its modifiers, relative matching with
 * backtracking, fast pattern choice.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/detect/detect_test_util.h"

#define TCP_RULE(opts, sid) "alert tcp any any -> any any (msg:\"t\"; " opts " sid:" #sid ";)"

static bool fires1(const char *rule, const char *payload)
{
	const char *rules[] = { rule, NULL };
	struct tdet *t = tdet_new(rules);
	struct tpkt k;
	tpkt_str(&k, payload);
	bool r = tdet_run(t, &k.p) == 1;
	tdet_free(t);
	return r;
}

static void test_plain_content(void **state)
{
	(void)state;
	assert_true(fires1(TCP_RULE("content:\"abc\";", 1), "xxabcxx"));
	assert_false(fires1(TCP_RULE("content:\"abc\";", 1), "xxabxcx"));
	assert_false(fires1(TCP_RULE("content:\"abc\";", 1), ""));
	assert_true(fires1(TCP_RULE("content:\"|61 62|c\";", 1), "abc"));
}

static void test_offset_depth(void **state)
{
	(void)state;
	assert_true(fires1(TCP_RULE("content:\"abc\"; offset:2;", 1), "xxabc"));
	assert_false(fires1(TCP_RULE("content:\"abc\"; offset:2;", 1), "xabcx"));
	assert_true(fires1(TCP_RULE("content:\"abc\"; depth:4;", 1), "xabc"));
	assert_false(fires1(TCP_RULE("content:\"abc\"; depth:4;", 1), "xxabc"));
	/* depth counts from offset */
	assert_true(fires1(TCP_RULE("content:\"abc\"; offset:2; depth:3;", 1), "xxabc"));
	assert_false(fires1(TCP_RULE("content:\"abc\"; offset:2; depth:3;", 1), "xxxabc"));
}

static void test_distance_within(void **state)
{
	(void)state;
	const char *dist = TCP_RULE("content:\"a\"; content:\"b\"; distance:2;", 1);
	assert_true(fires1(dist, "a12b"));
	assert_false(fires1(dist, "a1b"));
	const char *within = TCP_RULE("content:\"a\"; content:\"b\"; within:2;", 1);
	assert_true(fires1(within, "a1b"));
	assert_false(fires1(within, "a12b"));
	const char *both = TCP_RULE("content:\"a\"; content:\"bc\"; distance:1; within:3;", 1);
	assert_true(fires1(both, "a1bc"));
	assert_false(fires1(both, "abc"));    /* starts before distance */
	assert_true(fires1(both, "a12bc"));   /* within counts from the distance point */
	assert_false(fires1(both, "a123bc")); /* ends after distance + within */
	/* negative distance looks back */
	assert_true(fires1(TCP_RULE("content:\"world\"; content:\"hello\"; distance:-11; within:5;", 1),
			   "hello world"));
}

static void test_backtracking(void **state)
{
	(void)state;
	const char *r = TCP_RULE("content:\"a\"; content:\"b\"; distance:0; within:1;", 1);
	assert_false(fires1(r, "a a b")); /* no "ab" anywhere */
	assert_true(fires1(r, "a a ab"));
	assert_false(fires1(r, "a a a b"));
	/* three levels: a, then b right after, then c right after b */
	const char *r3 = TCP_RULE("content:\"a\"; content:\"b\"; distance:0; within:1; content:\"c\"; distance:0; within:1;", 1);
	assert_true(fires1(r3, "ab ab abc"));
	assert_false(fires1(r3, "ab ab ab c"));
}

static void test_nocase(void **state)
{
	(void)state;
	assert_true(fires1(TCP_RULE("content:\"ABC\"; nocase;", 1), "xabcx"));
	assert_true(fires1(TCP_RULE("content:\"abc\"; nocase;", 1), "xAbCx"));
	assert_false(fires1(TCP_RULE("content:\"ABC\";", 1), "xabcx"));
}

static void test_negation(void **state)
{
	(void)state;
	assert_true(fires1(TCP_RULE("content:!\"evil\";", 1), "good"));
	assert_false(fires1(TCP_RULE("content:!\"evil\";", 1), "so evil"));
	const char *rel = TCP_RULE("content:\"GET\"; content:!\"evil\"; distance:0;", 1);
	assert_true(fires1(rel, "GET good"));
	assert_false(fires1(rel, "GET evil"));
	assert_true(fires1(rel, "evil GET good")); /* evil is before GET */
	/* relative negation with backtracking: first 'a' is followed by b, the second is not */
	const char *rel2 = TCP_RULE("content:\"a\"; content:!\"b\"; within:1;", 1);
	assert_true(fires1(rel2, "ab ac"));
	assert_false(fires1(rel2, "ab ab"));
}

static void test_startswith_endswith(void **state)
{
	(void)state;
	assert_true(fires1(TCP_RULE("content:\"GET\"; startswith;", 1), "GET /"));
	assert_false(fires1(TCP_RULE("content:\"GET\"; startswith;", 1), " GET /"));
	assert_true(fires1(TCP_RULE("content:\"end\"; endswith;", 1), "the end"));
	assert_false(fires1(TCP_RULE("content:\"end\"; endswith;", 1), "end of it"));
	assert_true(fires1(TCP_RULE("content:\"end\"; endswith;", 1), "end of the end"));
}

static void test_fast_pattern_chop(void **state)
{
	(void)state;
	const char *rules[] = { TCP_RULE("content:\"abcdefgh\"; fast_pattern:2,3;", 1), NULL };
	struct tdet *t = tdet_new(rules);
	assert_int_equal(t->st.n_patterns, 1);
	struct tpkt k;
	tpkt_str(&k, "xxcdexx"); /* the chopped slice: candidate, but the whole content is not there */
	assert_int_equal(tdet_run(t, &k.p), 0);
	assert_int_equal(detect_thread_counters(t->dt)->candidates, 1);
	tpkt_str(&k, "xxabcdefghxx");
	assert_int_equal(tdet_run(t, &k.p), 1);
	tpkt_str(&k, "abcdxfgh"); /* no fast pattern hit: not even a candidate */
	assert_int_equal(tdet_run(t, &k.p), 0);
	assert_int_equal(detect_thread_counters(t->dt)->candidates, 2);
	tdet_free(t);
}

static void test_fast_pattern_choice(void **state)
{
	(void)state;
	/* longest content is the fast pattern unless one is marked */
	const char *rules[] = { TCP_RULE("content:\"ab\"; content:\"longest\";", 1),
				TCP_RULE("content:\"longer\"; content:\"cd\"; fast_pattern;", 2), NULL };
	struct tdet *t = tdet_new(rules);
	assert_int_equal(t->st.n_prefilter_rules, 2);
	assert_int_equal(t->st.n_always_rules, 0);
	struct tpkt k;
	tpkt_str(&k, "ab"); /* rule 1's fast pattern is "longest": no candidate */
	tdet_run(t, &k.p);
	assert_int_equal(detect_thread_counters(t->dt)->candidates, 0);
	tpkt_str(&k, "cd"); /* rule 2's is "cd": candidate, fails verification */
	assert_int_equal(tdet_run(t, &k.p), 0);
	assert_int_equal(detect_thread_counters(t->dt)->candidates, 1);
	tpkt_str(&k, "ab longest longer cd");
	assert_int_equal(tdet_run(t, &k.p), 2);
	tdet_free(t);
}

static void test_only_negated_is_always(void **state)
{
	(void)state;
	const char *rules[] = { TCP_RULE("content:!\"x\";", 1), TCP_RULE("dsize:>3;", 2), NULL };
	struct tdet *t = tdet_new(rules);
	assert_int_equal(t->st.n_always_rules, 2);
	assert_int_equal(t->st.n_prefilter_rules, 0);
	tdet_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_content),
		cmocka_unit_test(test_offset_depth),
		cmocka_unit_test(test_distance_within),
		cmocka_unit_test(test_backtracking),
		cmocka_unit_test(test_nocase),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_startswith_endswith),
		cmocka_unit_test(test_fast_pattern_chop),
		cmocka_unit_test(test_fast_pattern_choice),
		cmocka_unit_test(test_only_negated_is_always),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
