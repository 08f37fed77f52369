/* unit_parser_content: content, its modifiers, hex escapes, fast_pattern, validation. */
#include "tests/unit/parser/parser_test.h"

#define HDR "alert tcp any any -> any any "

static void test_hex_and_escapes(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(content:\"GET |20 2f|a\\;b\\\"c\\\\|0d0A|\"; sid:1;)", &r);
	const struct sig_content *c = &nth_match(&r, SIG_M_CONTENT, 0)->u.content;
	static const uint8_t want[] = { 'G', 'E', 'T', ' ', ' ', '/', 'a', ';', 'b', '"', 'c', '\\', 0x0d, 0x0a };
	assert_int_equal(c->len, sizeof(want));
	assert_memory_equal(c->bytes, want, sizeof(want));
	assert_int_equal(c->flags, 0);
	assert_int_equal(nth_match(&r, SIG_M_CONTENT, 0)->buffer, SIG_BUF_PAYLOAD);
	assert_true(r.active);
	sig_rule_free(&r);

	parse_ok(HDR "(content:!\"|00|\"; sid:1;)", &r);
	c = &nth_match(&r, SIG_M_CONTENT, 0)->u.content;
	assert_int_equal(c->len, 1);
	assert_int_equal(c->bytes[0], 0);
	assert_true(c->flags & SIG_CONTENT_NEGATED);
	sig_rule_free(&r);

	parse_bad(HDR "(content:\"|4g|\"; sid:1;)", "content", "bad hex");
	parse_bad(HDR "(content:\"|414|\"; sid:1;)", "content", "bad hex");
	parse_bad(HDR "(content:\"|4 1|\"; sid:1;)", "content", "bad hex");
	parse_bad(HDR "(content:\"|41\"; sid:1;)", "content", "unterminated");
	parse_bad(HDR "(content:\"abc; sid:1;)", "content", "unterminated");
	parse_bad(HDR "(content:abc; sid:1;)", "content", "quoted");
	parse_bad(HDR "(content:\"\"; sid:1;)", "content", "empty");
	parse_bad(HDR "(content:\"||\"; sid:1;)", "content", "empty");
	parse_bad(HDR "(content:\"a\"b\"; sid:1;)", "content", "after the closing quote");
	parse_bad(HDR "(content:\"a\\x\"; sid:1;)", "content", "invalid escape");
}

static void test_modifiers(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(content:\"abc\"; nocase; offset:2; depth:10; rawbytes; "
		 "content:\"xyz\"; distance:-3; within:20; fast_pattern; "
		 "content:\"end\"; endswith; content:\"st\"; startswith; sid:1;)", &r);
	const struct sig_content *a = &nth_match(&r, SIG_M_CONTENT, 0)->u.content;
	assert_int_equal(a->flags, SIG_CONTENT_NOCASE | SIG_CONTENT_HAS_OFFSET | SIG_CONTENT_HAS_DEPTH |
					   SIG_CONTENT_RAWBYTES);
	assert_int_equal(a->offset.literal, 2);
	assert_int_equal(a->offset.var_index, -1);
	assert_int_equal(a->depth.literal, 10);
	const struct sig_content *b = &nth_match(&r, SIG_M_CONTENT, 1)->u.content;
	assert_int_equal(b->flags, SIG_CONTENT_HAS_DISTANCE | SIG_CONTENT_HAS_WITHIN | SIG_CONTENT_FAST_PATTERN);
	assert_int_equal(b->distance.literal, -3);
	assert_int_equal(b->within.literal, 20);
	assert_int_equal(nth_match(&r, SIG_M_CONTENT, 2)->u.content.flags, SIG_CONTENT_ENDSWITH);
	assert_int_equal(nth_match(&r, SIG_M_CONTENT, 3)->u.content.flags, SIG_CONTENT_STARTSWITH);
	assert_int_equal(r.n_matches, 4);
	sig_rule_free(&r);

	/* a relative first content is allowed, like Suricata (relative to the start) */
	parse_ok(HDR "(content:\"a\"; distance:0; sid:1;)", &r);
	sig_rule_free(&r);

	/* byte_extract variables as modifier values */
	parse_ok(HDR "(content:\"L\"; byte_extract:1,0,len,relative; content:\"x\"; distance:len; "
		 "within:len; sid:1;)", &r);
	b = &nth_match(&r, SIG_M_CONTENT, 1)->u.content;
	assert_int_equal(b->distance.var_index, 0);
	assert_int_equal(b->within.var_index, 0);
	assert_string_equal(r.vars[0], "len");
	sig_rule_free(&r);

	parse_bad(HDR "(nocase; content:\"a\"; sid:1;)", "nocase", "needs a preceding content");
	parse_bad(HDR "(depth:3; sid:1;)", "depth", "needs a preceding content");
	parse_bad(HDR "(content:\"a\"; nocase; nocase; sid:1;)", "nocase", "twice");
	parse_bad(HDR "(content:\"abcd\"; depth:3; sid:1;)", "depth", "smaller than the content length");
	parse_bad(HDR "(content:\"a\"; content:\"abcd\"; within:2; sid:1;)", "within", "smaller");
	parse_bad(HDR "(content:\"a\"; depth:4; distance:1; sid:1;)", "distance", "cannot be combined");
	parse_bad(HDR "(content:\"a\"; within:4; offset:1; sid:1;)", "offset", "cannot be combined");
	parse_bad(HDR "(content:\"a\"; startswith; offset:1; sid:1;)", "offset", "startswith");
	parse_bad(HDR "(content:\"a\"; depth:x; sid:1;)", "depth", "unknown byte_extract variable");
	parse_bad(HDR "(content:\"a\"; depth:-1; sid:1;)", "depth", "bad value");
	parse_bad(HDR "(content:\"a\"; depth; sid:1;)", "depth", "needs a value");
	parse_bad(HDR "(content:\"a\"; nocase:1; sid:1;)", "nocase", "takes no value");
}

static void test_fast_pattern(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(content:\"a\"; content:\"longer\"; fast_pattern:only; sid:1;)", &r);
	const struct sig_content *c = &nth_match(&r, SIG_M_CONTENT, 1)->u.content;
	assert_int_equal(c->flags, SIG_CONTENT_FAST_PATTERN | SIG_CONTENT_FP_ONLY);
	assert_int_equal(nth_match(&r, SIG_M_CONTENT, 0)->u.content.flags, 0);
	sig_rule_free(&r);

	parse_ok(HDR "(content:\"abcdefgh\"; fast_pattern:2,4; sid:1;)", &r);
	c = &nth_match(&r, SIG_M_CONTENT, 0)->u.content;
	assert_true(c->flags & SIG_CONTENT_FP_CHOP);
	assert_int_equal(c->fp_chop_offset, 2);
	assert_int_equal(c->fp_chop_len, 4);
	sig_rule_free(&r);

	parse_bad(HDR "(content:\"a\"; fast_pattern; content:\"b\"; fast_pattern; sid:1;)", "fast_pattern",
		  "only one content");
	parse_bad(HDR "(content:\"a\"; fast_pattern; fast_pattern; sid:1;)", "fast_pattern", "only one");
	parse_bad(HDR "(content:\"abc\"; fast_pattern:2,5; sid:1;)", "fast_pattern", "beyond");
	parse_bad(HDR "(content:\"abc\"; fast_pattern:x; sid:1;)", "fast_pattern", "expected");
	parse_bad(HDR "(content:!\"abc\"; fast_pattern:only; sid:1;)", "fast_pattern", "negated");
	parse_bad(HDR "(content:\"abc\"; fast_pattern:only; depth:5; sid:1;)", "fast_pattern", NULL);
	parse_bad(HDR "(content:\"abc\"; fast_pattern:only; distance:5; sid:1;)", "distance", "fast_pattern:only");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_and_escapes),
		cmocka_unit_test(test_modifiers),
		cmocka_unit_test(test_fast_pattern),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
