/* unit_parser_pcre_byte: pcre flags and buffers, isdataat, byte_test, byte_jump, byte_extract. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tests/unit/parser/parser_test.h"

#define HDR "alert tcp any any -> any any "

static void test_pcre_flags(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(content:\"x\"; pcre:\"/a\\/b.c$/ismxAEGRBO\"; sid:1;)", &r);
	const struct sig_match *m = nth_match(&r, SIG_M_PCRE, 0);
	assert_string_equal(m->u.pcre.pattern, "a\\/b.c$");
	assert_int_equal(m->u.pcre.pcre2_options, PCRE2_CASELESS | PCRE2_DOTALL | PCRE2_MULTILINE | PCRE2_EXTENDED |
							 PCRE2_ANCHORED | PCRE2_DOLLAR_ENDONLY | PCRE2_UNGREEDY);
	assert_int_equal(m->u.pcre.flags, SIG_PCRE_RELATIVE | SIG_PCRE_RAWBYTES);
	assert_int_equal(m->buffer, SIG_BUF_PAYLOAD);
	assert_true(r.active);
	sig_rule_free(&r);

	parse_ok(HDR "(pcre:!\"/evil/\"; sid:1;)", &r);
	assert_int_equal(nth_match(&r, SIG_M_PCRE, 0)->u.pcre.flags, SIG_PCRE_NEGATED);
	sig_rule_free(&r);

	/* HTTP buffer flags make the pcre inspect that buffer: rule inactive */
	static const struct { char flag; uint8_t buffer; const char *reason; } bufs[] = {
		{ 'U', SIG_BUF_HTTP_URI, "needs http.uri" },
		{ 'I', SIG_BUF_HTTP_URI_RAW, "needs http.uri.raw" },
		{ 'P', SIG_BUF_HTTP_REQUEST_BODY, "needs http.request_body" },
		{ 'Q', SIG_BUF_HTTP_RESPONSE_BODY, "needs http.response_body" },
		{ 'H', SIG_BUF_HTTP_HEADER, "needs http.header" },
		{ 'D', SIG_BUF_HTTP_HEADER_RAW, "needs http.header.raw" },
		{ 'M', SIG_BUF_HTTP_METHOD, "needs http.method" },
		{ 'C', SIG_BUF_HTTP_COOKIE, "needs http.cookie" },
		{ 'S', SIG_BUF_HTTP_STAT_CODE, "needs http.stat_code" },
		{ 'Y', SIG_BUF_HTTP_STAT_MSG, "needs http.stat_msg" },
		{ 'V', SIG_BUF_HTTP_USER_AGENT, "needs http.user_agent" },
		{ 'W', SIG_BUF_HTTP_HOST, "needs http.host" },
		{ 'Z', SIG_BUF_HTTP_HOST_RAW, "needs http.host.raw" },
	};
	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), HDR "(pcre:\"/a/%ci\"; sid:1;)", bufs[i].flag);
		parse_ok(text, &r);
		m = nth_match(&r, SIG_M_PCRE, 0);
		assert_int_equal(m->buffer, bufs[i].buffer);
		assert_int_equal(m->u.pcre.pcre2_options, PCRE2_CASELESS);
		assert_false(r.active);
		assert_string_equal(r.inactive_reason, bufs[i].reason);
		sig_rule_free(&r);
	}

	/* Snort 2.9: a relative pcre continues in the previous content's buffer */
	parse_ok(HDR "(content:\"cmd=\"; http_client_body; pcre:\"/[^&]+/R\"; sid:1;)", &r);
	assert_int_equal(nth_match(&r, SIG_M_PCRE, 0)->buffer, SIG_BUF_HTTP_REQUEST_BODY);
	sig_rule_free(&r);

	parse_bad(HDR "(pcre:\"/a(/\"; sid:1;)", "pcre", "compile error");
	parse_bad(HDR "(pcre:\"/a/q\"; sid:1;)", "pcre", "unknown pcre flag");
	parse_bad(HDR "(pcre:\"/a/UH\"; sid:1;)", "pcre", "two buffers");
	parse_bad(HDR "(pcre:\"abc\"; sid:1;)", "pcre", "expected");
	parse_bad(HDR "(pcre:\"/abc/; sid:1;)", "pcre", "unterminated");
	parse_bad(HDR "(pcre:\"/a/R\"; sid:1;)", "pcre", "needs a preceding match");
}

static void test_isdataat(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(content:\"a\"; isdataat:!10,relative,rawbytes; isdataat:5; sid:1;)", &r);
	const struct sig_isdataat *d = &nth_match(&r, SIG_M_ISDATAAT, 0)->u.isdataat;
	assert_true(d->negated && d->relative && d->rawbytes);
	assert_int_equal(d->offset.literal, 10);
	d = &nth_match(&r, SIG_M_ISDATAAT, 1)->u.isdataat;
	assert_false(d->negated || d->relative || d->rawbytes);
	assert_int_equal(d->offset.literal, 5);
	sig_rule_free(&r);
	parse_bad(HDR "(isdataat:5,sideways; sid:1;)", "isdataat", "unknown option");
	parse_bad(HDR "(isdataat:nope; sid:1;)", "isdataat", "unknown byte_extract variable");
}

static void test_byte_test(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(content:\"a\"; byte_test:4,>,1000,20,relative,little; "
		 "byte_test:2,!&,0x8000,0; byte_test:3,<=,500,-2,relative,string,dec; "
		 "byte_test:1,=,1,0,bitmask 0x0f,dce; sid:1;)", &r);
	const struct sig_byte *b = &nth_match(&r, SIG_M_BYTE_TEST, 0)->u.byte;
	assert_int_equal(b->nbytes, 4);
	assert_int_equal(b->op, SIG_OP_GT);
	assert_int_equal(b->value.literal, 1000);
	assert_int_equal(b->offset.literal, 20);
	assert_int_equal(b->flags, SIG_BYTE_RELATIVE | SIG_BYTE_LITTLE);
	b = &nth_match(&r, SIG_M_BYTE_TEST, 1)->u.byte;
	assert_int_equal(b->op, SIG_OP_AND);
	assert_int_equal(b->flags, SIG_BYTE_NEGATE_OP | SIG_BYTE_BIG);
	assert_int_equal(b->value.literal, 0x8000);
	b = &nth_match(&r, SIG_M_BYTE_TEST, 2)->u.byte;
	assert_int_equal(b->op, SIG_OP_LE);
	assert_int_equal(b->offset.literal, -2);
	assert_int_equal(b->flags, SIG_BYTE_RELATIVE | SIG_BYTE_STRING | SIG_BYTE_DEC | SIG_BYTE_BIG);
	b = &nth_match(&r, SIG_M_BYTE_TEST, 3)->u.byte;
	assert_true(b->flags & SIG_BYTE_BITMASK);
	assert_int_equal(b->bitmask, 0x0f);
	assert_true(b->flags & SIG_BYTE_DCE);
	assert_false(r.active);
	assert_string_equal(r.inactive_reason, "needs dce");
	sig_rule_free(&r);

	parse_ok(HDR "(byte_test:2,!,7,0; byte_test:2,^,1,0; sid:1;)", &r);
	b = &nth_match(&r, SIG_M_BYTE_TEST, 0)->u.byte;
	assert_int_equal(b->op, SIG_OP_EQ);
	assert_true(b->flags & SIG_BYTE_NEGATE_OP);
	assert_int_equal(nth_match(&r, SIG_M_BYTE_TEST, 1)->u.byte.op, SIG_OP_OR);
	assert_true(r.active);
	sig_rule_free(&r);

	parse_bad(HDR "(byte_test:4,>,1; sid:1;)", "byte_test", "expected");
	parse_bad(HDR "(byte_test:11,>,1,0,string; sid:1;)", "byte_test", "number of bytes");
	parse_bad(HDR "(byte_test:9,>,1,0; sid:1;)", "byte_test", "need 'string'");
	parse_bad(HDR "(byte_test:0,>,1,0; sid:1;)", "byte_test", "needs 'string'");
	parse_bad(HDR "(byte_test:4,~,1,0; sid:1;)", "byte_test", "unknown operator");
	parse_bad(HDR "(byte_test:4,>,1,0,hex; sid:1;)", "byte_test", "need 'string'");
	parse_bad(HDR "(byte_test:4,>,1,0,big,little; sid:1;)", "byte_test", "endian");
	parse_bad(HDR "(byte_test:4,>,1,0,sideways; sid:1;)", "byte_test", "unknown option");
	parse_bad(HDR "(byte_test:4,>,1,0,multiplier 2; sid:1;)", "byte_test", "unknown option");
}

static void test_byte_jump_extract(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(content:\"a\"; byte_jump:4,2,relative,multiplier 2,little,align,from_beginning,"
		 "post_offset -3,bitmask 0xff00; byte_extract:2,0,size,relative,align 4,multiplier 3; "
		 "byte_extract:4,4,str,string,hex; byte_jump:2,size; byte_test:2,>,size,str; sid:1;)", &r);
	const struct sig_byte *b = &nth_match(&r, SIG_M_BYTE_JUMP, 0)->u.byte;
	assert_int_equal(b->nbytes, 4);
	assert_int_equal(b->offset.literal, 2);
	assert_int_equal(b->multiplier, 2);
	assert_int_equal(b->post_offset, -3);
	assert_int_equal(b->align, 4);
	assert_int_equal(b->bitmask, 0xff00);
	assert_int_equal(b->flags, SIG_BYTE_RELATIVE | SIG_BYTE_LITTLE | SIG_BYTE_ALIGN | SIG_BYTE_FROM_BEGINNING |
				   SIG_BYTE_POST_OFFSET | SIG_BYTE_BITMASK);
	b = &nth_match(&r, SIG_M_BYTE_EXTRACT, 0)->u.byte;
	assert_int_equal(b->var_index, 0);
	assert_int_equal(b->align, 4);
	assert_int_equal(b->multiplier, 3);
	b = &nth_match(&r, SIG_M_BYTE_EXTRACT, 1)->u.byte;
	assert_int_equal(b->var_index, 1);
	assert_int_equal(b->flags, SIG_BYTE_STRING | SIG_BYTE_HEX | SIG_BYTE_BIG);
	assert_int_equal(r.n_vars, 2);
	assert_string_equal(r.vars[1], "str");
	b = &nth_match(&r, SIG_M_BYTE_JUMP, 1)->u.byte;
	assert_int_equal(b->offset.var_index, 0);
	assert_int_equal(b->multiplier, 1);
	b = &nth_match(&r, SIG_M_BYTE_TEST, 0)->u.byte;
	assert_int_equal(b->value.var_index, 0);
	assert_int_equal(b->offset.var_index, 1);
	assert_true(r.active);
	sig_rule_free(&r);

	parse_bad(HDR "(byte_jump:4; sid:1;)", "byte_jump", "expected");
	parse_bad(HDR "(byte_jump:4,0,from_beginning,from_end; sid:1;)", "byte_jump", "from_end");
	parse_bad(HDR "(byte_jump:4,0,post_offset x; sid:1;)", "byte_jump", "post_offset");
	parse_bad(HDR "(byte_extract:2,0,1abc; sid:1;)", "byte_extract", "bad variable name");
	parse_bad(HDR "(byte_extract:2,0,v; byte_extract:2,0,v; sid:1;)", "byte_extract", "defined twice");
	parse_bad(HDR "(byte_extract:2,0,v,align 3; sid:1;)", "byte_extract", "align");
	parse_bad(HDR "(byte_jump:2,undefined_var; sid:1;)", "byte_jump", "unknown byte_extract variable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcre_flags),
		cmocka_unit_test(test_isdataat),
		cmocka_unit_test(test_byte_test),
		cmocka_unit_test(test_byte_jump_extract),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
