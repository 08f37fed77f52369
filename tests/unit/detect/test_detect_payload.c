/*
 * unit_detect_payload - pcre (relative, flags, negation), isdataat,
 * byte_test / byte_jump / byte_extract arithmetic and variables.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/detect/detect_test_util.h"

#define TCP_RULE(opts) "alert tcp any any -> any any (msg:\"t\"; " opts " sid:1;)"

static bool fires_bytes(const char *rule, const void *payload, uint32_t len)
{
	const char *rules[] = { rule, NULL };
	struct tdet *t = tdet_new(rules);
	struct tpkt k;
	tpkt_tcp(&k, "10.0.0.1", 1234, "10.0.0.2", 80, payload, len);
	bool r = tdet_run(t, &k.p) == 1;
	tdet_free(t);
	return r;
}

static bool fires1(const char *rule, const char *payload)
{
	return fires_bytes(rule, payload, (uint32_t)strlen(payload));
}

static void test_pcre_basic_and_flags(void **state)
{
	(void)state;
	assert_true(fires1(TCP_RULE("pcre:\"/ab+c/\";"), "xxabbbcxx"));
	assert_false(fires1(TCP_RULE("pcre:\"/ab+c/\";"), "xxABBBCxx"));
	assert_true(fires1(TCP_RULE("pcre:\"/ab+c/i\";"), "xxABBBCxx"));
	assert_true(fires1(TCP_RULE("pcre:\"/^GET/\";"), "GET /"));
	assert_false(fires1(TCP_RULE("pcre:\"/^GET/\";"), " GET /"));
	assert_true(fires1(TCP_RULE("pcre:\"/a.b/s\";"), "a\nb"));
	assert_false(fires1(TCP_RULE("pcre:\"/a.b/\";"), "a\nb"));
	assert_true(fires1(TCP_RULE("pcre:\"/^line2$/m\";"), "line1\nline2\nline3"));
}

static void test_pcre_relative(void **state)
{
	(void)state;
	/* R: from the end of the previous match; ^ anchors there */
	const char *r = TCP_RULE("content:\"key=\"; pcre:\"/^[0-9]+&/R\";");
	assert_true(fires1(r, "key=123&"));
	assert_false(fires1(r, "key=x123&"));
	/* backtracking into the content: the second key= is followed by digits */
	assert_true(fires1(r, "key=x& key=42&"));
	/* a content relative to a pcre match */
	assert_true(fires1(TCP_RULE("pcre:\"/id=[a-z]+/\"; content:\"&\"; within:1;"), "id=abc&x"));
	assert_false(fires1(TCP_RULE("pcre:\"/id=[a-z]+/\"; content:\"&\"; within:1;"), "id=abc1&x"));
}

static void test_pcre_negated(void **state)
{
	(void)state;
	assert_true(fires1(TCP_RULE("content:\"user\"; pcre:!\"/admin/\";"), "user bob"));
	assert_false(fires1(TCP_RULE("content:\"user\"; pcre:!\"/admin/\";"), "user admin"));
}

static void test_pcre_backtracking_is_bounded(void **state)
{
	(void)state;
	/* catastrophic backtracking: stopped by the match limit, counted, no match */
	const char *rules[] = { TCP_RULE("content:\"aaaa\"; pcre:\"/(a+)+$/\";"), NULL };
	struct tdet *t = tdet_new(rules);
	char payload[64];
	memset(payload, 'a', sizeof(payload) - 2);
	payload[sizeof(payload) - 2] = 'b';
	payload[sizeof(payload) - 1] = 0;
	struct tpkt k;
	tpkt_str(&k, payload);
	assert_int_equal(tdet_run(t, &k.p), 0);
	assert_true(detect_thread_counters(t->dt)->pcre_errors >= 1);
	tdet_free(t);
}

static void break_first_pcre(struct sig_ruleset *rs)
{
	for (size_t i = 0; i < rs->rules[0].n_matches; i++) {
		struct sig_match *m = &rs->rules[0].matches[i];
		if (m->kind == SIG_M_PCRE) {
			free(m->u.pcre.pattern);
			m->u.pcre.pattern = strdup("(unclosed");
		}
	}
}

static void test_bad_pcre_skips_only_its_rule(void **state)
{
	(void)state;
	const char *rules[] = { "alert tcp any any -> any any (msg:\"bad\"; content:\"x\"; pcre:\"/x/\"; sid:1;)",
				"alert tcp any any -> any any (msg:\"good\"; content:\"x\"; sid:2;)", NULL };
	struct tdet *t = tdet_new_edit(rules, -1, break_first_pcre);
	assert_int_equal(t->st.n_skipped, 1);
	assert_int_equal(t->st.n_rules, 1);
	const char *why = NULL;
	assert_int_equal(detect_engine_skipped(t->de, 0, &why), 0);
	assert_non_null(why);
	struct tpkt k;
	tpkt_str(&k, "x");
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 2);
	tdet_free(t);
}

static void test_isdataat(void **state)
{
	(void)state;
	assert_true(fires1(TCP_RULE("content:\"a\"; isdataat:4;"), "abcde"));
	assert_false(fires1(TCP_RULE("content:\"a\"; isdataat:5;"), "abcde"));
	assert_true(fires1(TCP_RULE("content:\"a\"; isdataat:4,relative;"), "abcde"));
	assert_false(fires1(TCP_RULE("content:\"a\"; isdataat:5,relative;"), "abcde"));
	assert_true(fires1(TCP_RULE("content:\"end\"; isdataat:!1,relative;"), "the end"));
	assert_false(fires1(TCP_RULE("content:\"end\"; isdataat:!1,relative;"), "the end."));
	/* backtracking: the second "end" is at the buffer's end */
	assert_true(fires1(TCP_RULE("content:\"end\"; isdataat:!1,relative;"), "end of the end"));
}

static void test_byte_test_endianness(void **state)
{
	(void)state;
	const uint8_t be[] = { 'X', 0x01, 0x02 };
	assert_true(fires_bytes(TCP_RULE("content:\"X\"; byte_test:2,=,258,0,relative;"), be, 3));
	assert_false(fires_bytes(TCP_RULE("content:\"X\"; byte_test:2,=,513,0,relative;"), be, 3));
	assert_true(fires_bytes(TCP_RULE("content:\"X\"; byte_test:2,=,513,0,relative,little;"), be, 3));
	assert_true(fires_bytes(TCP_RULE("content:\"X\"; byte_test:2,>,257,1;"), be, 3));
	assert_false(fires_bytes(TCP_RULE("content:\"X\"; byte_test:2,<,258,1;"), be, 3));
	assert_true(fires_bytes(TCP_RULE("content:\"X\"; byte_test:2,!=,1,1;"), be, 3));
	assert_true(fires_bytes(TCP_RULE("content:\"X\"; byte_test:1,&,2,2;"), be, 3));
	assert_false(fires_bytes(TCP_RULE("content:\"X\"; byte_test:1,&,1,2;"), be, 3));
	/* out of bounds: no match, no read past the end */
	assert_false(fires_bytes(TCP_RULE("content:\"X\"; byte_test:4,>,0,0,relative;"), be, 3));
}

static void test_byte_test_strings(void **state)
{
	(void)state;
	assert_true(fires1(TCP_RULE("content:\"len=\"; byte_test:3,>,99,0,relative,string,dec;"), "len=100"));
	assert_false(fires1(TCP_RULE("content:\"len=\"; byte_test:3,>,100,0,relative,string,dec;"), "len=100"));
	assert_true(fires1(TCP_RULE("content:\"h=\"; byte_test:2,=,255,0,relative,string,hex;"), "h=ff"));
	assert_true(fires1(TCP_RULE("content:\"o=\"; byte_test:2,=,8,0,relative,string,oct;"), "o=10"));
	assert_false(fires1(TCP_RULE("content:\"n=\"; byte_test:2,=,1,0,relative,string,dec;"), "n=zz"));
}

static void test_byte_jump(void **state)
{
	(void)state;
	/* length 3 then skip 3 bytes, then "Z" must follow */
	const uint8_t a[] = { 'L', 3, 'a', 'b', 'c', 'Z' };
	assert_true(fires_bytes(TCP_RULE("content:\"L\"; byte_jump:1,0,relative; content:\"Z\"; within:1;"), a, 6));
	const uint8_t b[] = { 'L', 2, 'a', 'b', 'c', 'Z' };
	assert_false(fires_bytes(TCP_RULE("content:\"L\"; byte_jump:1,0,relative; content:\"Z\"; within:1;"), b, 6));
	/* multiplier */
	const uint8_t c[] = { 'L', 2, 'a', 'b', 'c', 'd', 'Z' };
	assert_true(fires_bytes(TCP_RULE("content:\"L\"; byte_jump:1,0,relative,multiplier 2; content:\"Z\"; within:1;"), c, 7));
	/* post_offset */
	assert_true(fires_bytes(TCP_RULE("content:\"L\"; byte_jump:1,0,relative,post_offset 2; content:\"Z\"; within:1;"), c, 7));
	/* from_beginning */
	const uint8_t d[] = { 5, 'x', 'x', 'x', 'x', 'Z' };
	assert_true(fires_bytes(TCP_RULE("content:\"Z\"; byte_jump:1,0,from_beginning; content:\"Z\"; within:1;"), d, 6));
	/* string length */
	assert_true(fires1(TCP_RULE("content:\"n=\"; byte_jump:2,0,relative,string,dec; content:\"!\"; within:1;"),
			   "n=03abc!"));
	/* jump beyond the buffer */
	const uint8_t e[] = { 'L', 200, 'Z' };
	assert_false(fires_bytes(TCP_RULE("content:\"L\"; byte_jump:1,0,relative; isdataat:!1,relative;"), e, 3));
}

static void test_byte_align_from_end_bitmask(void **state)
{
	(void)state;
	/* align: a jump of 3 becomes 4 */
	const uint8_t al[] = { 'L', 3, 'a', 'b', 'c', 'd', 'Z' };
	assert_true(fires_bytes(TCP_RULE("content:\"L\"; byte_jump:1,0,relative,align; content:\"Z\"; within:1;"), al, 7));
	assert_false(fires_bytes(TCP_RULE("content:\"L\"; byte_jump:1,0,relative; content:\"Z\"; within:1;"), al, 7));
	/* from_end with a negative post_offset */
	const uint8_t fe[] = { 0, 'x', 'Z', 'y' };
	assert_true(fires_bytes(TCP_RULE("content:\"x\"; byte_jump:1,0,from_end,post_offset -2; content:\"Z\"; within:1;"), fe, 4));
	/* bitmask: (0x0123 & 0x0ff0) >> 4 == 0x12 */
	const uint8_t bm[] = { 'B', 0x01, 0x23 };
	assert_true(fires_bytes(TCP_RULE("content:\"B\"; byte_test:2,=,18,1,bitmask 0x0ff0;"), bm, 3));
	assert_false(fires_bytes(TCP_RULE("content:\"B\"; byte_test:2,=,0x120,1,bitmask 0x0ff0;"), bm, 3));
}

static void test_byte_extract_vars(void **state)
{
	(void)state;
	/* extract a length, use it as within of a later content */
	const char *r = TCP_RULE("content:\"S\"; byte_extract:1,0,len,relative; content:\"Q\"; distance:0; within:len;");
	const uint8_t ok[] = { 'S', 4, 'a', 'b', 'c', 'Q' };
	const uint8_t no[] = { 'S', 3, 'a', 'b', 'c', 'Q' };
	assert_true(fires_bytes(r, ok, 6));
	assert_false(fires_bytes(r, no, 6));
	/* as byte_test value */
	const char *r2 = TCP_RULE("content:\"S\"; byte_extract:1,0,v,relative; byte_test:1,=,v,0,relative;");
	const uint8_t eq[] = { 'S', 7, 7 };
	const uint8_t ne[] = { 'S', 7, 8 };
	assert_true(fires_bytes(r2, eq, 3));
	assert_false(fires_bytes(r2, ne, 3));
	/* as an offset */
	const char *r3 = TCP_RULE("content:\"S\"; byte_extract:1,1,off; content:\"Z\"; offset:off; depth:1;");
	const uint8_t o1[] = { 'S', 3, 'x', 'Z' };
	const uint8_t o2[] = { 'S', 2, 'x', 'Z' };
	assert_true(fires_bytes(r3, o1, 4));
	assert_false(fires_bytes(r3, o2, 4));
	/* multiplier, little endian */
	const char *r4 = TCP_RULE("content:\"S\"; byte_extract:2,0,v,relative,little,multiplier 2; byte_test:1,=,v,0,relative;");
	const uint8_t m[] = { 'S', 5, 0, 10 };
	assert_true(fires_bytes(r4, m, 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcre_basic_and_flags),
		cmocka_unit_test(test_pcre_relative),
		cmocka_unit_test(test_pcre_negated),
		cmocka_unit_test(test_pcre_backtracking_is_bounded),
		cmocka_unit_test(test_bad_pcre_skips_only_its_rule),
		cmocka_unit_test(test_isdataat),
		cmocka_unit_test(test_byte_test_endianness),
		cmocka_unit_test(test_byte_test_strings),
		cmocka_unit_test(test_byte_jump),
		cmocka_unit_test(test_byte_align_from_end_bitmask),
		cmocka_unit_test(test_byte_extract_vars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
