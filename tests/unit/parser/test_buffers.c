/* unit_parser_buffers: sticky buffers vs Snort 2.9 modifiers, transforms, inactive reasons. */
#include "tests/unit/parser/parser_test.h"

#define HDR "alert tcp any any -> any any "

/* Both spellings must give the same buffer for every content. */
static void expect_same_buffers(const char *suricata, const char *snort)
{
	struct sig_rule a, b;
	parse_ok(suricata, &a);
	parse_ok(snort, &b);
	assert_int_equal(a.n_matches, b.n_matches);
	for (size_t i = 0; i < a.n_matches; i++) {
		assert_int_equal(a.matches[i].kind, b.matches[i].kind);
		if (a.matches[i].buffer != b.matches[i].buffer)
			fail_msg("match %zu: buffer %u vs %u\n  %s\n  %s", i, a.matches[i].buffer,
				 b.matches[i].buffer, suricata, snort);
	}
	assert_false(a.active);
	assert_false(b.active);
	assert_string_equal(a.inactive_reason, b.inactive_reason);
	sig_rule_free(&a);
	sig_rule_free(&b);
}

static void test_sticky_vs_modifier(void **state)
{
	(void)state;
	static const struct { const char *sticky, *modifier; uint8_t buffer; } pairs[] = {
		{ "http.uri", "http_uri", SIG_BUF_HTTP_URI },
		{ "http.uri.raw", "http_raw_uri", SIG_BUF_HTTP_URI_RAW },
		{ "http.method", "http_method", SIG_BUF_HTTP_METHOD },
		{ "http.header", "http_header", SIG_BUF_HTTP_HEADER },
		{ "http.header.raw", "http_raw_header", SIG_BUF_HTTP_HEADER_RAW },
		{ "http.cookie", "http_cookie", SIG_BUF_HTTP_COOKIE },
		{ "http.request_body", "http_client_body", SIG_BUF_HTTP_REQUEST_BODY },
		{ "http.response_body", "http_server_body", SIG_BUF_HTTP_RESPONSE_BODY },
		{ "http.stat_code", "http_stat_code", SIG_BUF_HTTP_STAT_CODE },
		{ "http.stat_msg", "http_stat_msg", SIG_BUF_HTTP_STAT_MSG },
		{ "http.user_agent", "http_user_agent", SIG_BUF_HTTP_USER_AGENT },
		{ "http.host", "http_host", SIG_BUF_HTTP_HOST },
		{ "http.host.raw", "http_raw_host", SIG_BUF_HTTP_HOST_RAW },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char a[256], b[256];
		snprintf(a, sizeof(a), HDR "(content:\"p\"; %s; content:\"x\"; nocase; content:\"y\"; distance:0; "
			 "pkt_data; content:\"z\"; sid:1;)", pairs[i].sticky);
		snprintf(b, sizeof(b), HDR "(content:\"p\"; content:\"x\"; nocase; %s; content:\"y\"; distance:0; "
			 "%s; content:\"z\"; sid:1;)", pairs[i].modifier, pairs[i].modifier);
		expect_same_buffers(a, b);
		struct sig_rule r;
		parse_ok(a, &r);
		assert_int_equal(r.matches[0].buffer, SIG_BUF_PAYLOAD);
		assert_int_equal(r.matches[1].buffer, pairs[i].buffer);
		assert_int_equal(r.matches[2].buffer, pairs[i].buffer);
		assert_int_equal(r.matches[3].buffer, SIG_BUF_PAYLOAD); /* pkt_data goes back */
		char reason[64];
		snprintf(reason, sizeof(reason), "needs %s", pairs[i].sticky);
		assert_string_equal(r.inactive_reason, reason);
		sig_rule_free(&r);
	}
	/* uricontent is content + http_uri */
	expect_same_buffers(HDR "(uricontent:\"/a\"; sid:1;)", HDR "(content:\"/a\"; http_uri; sid:1;)");
	/* legacy dotless sticky names */
	expect_same_buffers(HDR "(file_data; content:\"a\"; sid:1;)", HDR "(file.data; content:\"a\"; sid:1;)");
	expect_same_buffers("alert dns any any -> any any (dns_query; content:\"a\"; sid:1;)",
			    "alert dns any any -> any any (dns.query; content:\"a\"; sid:1;)");
	expect_same_buffers("alert tls any any -> any any (tls_sni; content:\"a\"; sid:1;)",
			    "alert tls any any -> any any (tls.sni; content:\"a\"; sid:1;)");
	expect_same_buffers(HDR "(ja3_hash; content:\"a\"; sid:1;)", HDR "(ja3.hash; content:\"a\"; sid:1;)");
	expect_same_buffers(HDR "(http_content_type; content:\"a\"; sid:1;)",
			    HDR "(http.content_type; content:\"a\"; sid:1;)");

	parse_bad(HDR "(http_uri; content:\"a\"; sid:1;)", "http_uri", "needs a preceding content");
	parse_bad(HDR "(content:\"a\"; http_uri; http_header; sid:1;)", "http_header", "already in buffer");
}

static void test_buffer_enums(void **state)
{
	(void)state;
	static const struct { const char *name; uint8_t buffer; } names[] = {
		{ "http.header_names", SIG_BUF_HTTP_HEADER_NAMES }, { "http.content_type", SIG_BUF_HTTP_CONTENT_TYPE },
		{ "http.content_len", SIG_BUF_HTTP_CONTENT_LEN }, { "http.request_line", SIG_BUF_HTTP_REQUEST_LINE },
		{ "http.response_line", SIG_BUF_HTTP_RESPONSE_LINE }, { "http.protocol", SIG_BUF_HTTP_PROTOCOL },
		{ "http.accept", SIG_BUF_HTTP_ACCEPT }, { "http.referer", SIG_BUF_HTTP_REFERER },
		{ "http.start", SIG_BUF_HTTP_START }, { "http.connection", SIG_BUF_HTTP_CONNECTION },
		{ "http.accept_enc", SIG_BUF_HTTP_ACCEPT_ENC }, { "http.accept_lang", SIG_BUF_HTTP_ACCEPT_LANG },
		{ "http.location", SIG_BUF_HTTP_LOCATION }, { "http.server", SIG_BUF_HTTP_SERVER },
		{ "file.data", SIG_BUF_HTTP_RESPONSE_BODY }, { "tls.sni", SIG_BUF_TLS_SNI },
		{ "tls.cert_subject", SIG_BUF_TLS_CERT_SUBJECT }, { "tls.cert_issuer", SIG_BUF_TLS_CERT_ISSUER },
		{ "tls.cert_serial", SIG_BUF_TLS_CERT_SERIAL }, { "tls.cert_fingerprint", SIG_BUF_TLS_CERT_FINGERPRINT },
		{ "ja3.hash", SIG_BUF_JA3_HASH }, { "ja3.string", SIG_BUF_JA3_STRING },
		{ "ja3s.hash", SIG_BUF_JA3S_HASH }, { "ja3s.string", SIG_BUF_JA3S_STRING },
		{ "dns.query", SIG_BUF_DNS_QUERY }, { "tls.certs", SIG_BUF_OTHER }, { "smb.share", SIG_BUF_OTHER },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char text[160], reason[64];
		struct sig_rule r;
		snprintf(text, sizeof(text), HDR "(%s; content:\"a\"; sid:1;)", names[i].name);
		parse_ok(text, &r);
		assert_int_equal(r.matches[0].buffer, names[i].buffer);
		snprintf(reason, sizeof(reason), "needs %s", names[i].name);
		assert_string_equal(r.inactive_reason, reason);
		sig_rule_free(&r);
	}
}

static void test_transforms(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok("alert dns any any -> any any (dns.query; dotprefix; to_lowercase; content:\".evil.com\"; "
		 "endswith; tls.sni; content:\"b\"; http.uri; url_decode; strip_whitespace; compress_whitespace; "
		 "content:\"c\"; sid:1;)", &r);
	assert_int_equal(r.matches[0].transforms, SIG_XFORM_DOTPREFIX | SIG_XFORM_TO_LOWER);
	assert_int_equal(r.matches[1].transforms, 0); /* a new sticky buffer starts clean */
	assert_int_equal(r.matches[2].transforms,
			 SIG_XFORM_URL_DECODE | SIG_XFORM_STRIP_WHITESPACE | SIG_XFORM_COMPRESS_WS);
	sig_rule_free(&r);
	parse_ok(HDR "(http.uri; to_sha256; content:\"a\"; sid:1;)", &r);
	assert_int_equal(r.matches[0].transforms, SIG_XFORM_OTHER);
	sig_rule_free(&r);
	parse_bad(HDR "(to_lowercase; content:\"a\"; sid:1;)", "to_lowercase", "sticky buffer");
}

static void test_inactive_reasons(void **state)
{
	(void)state;
	static const struct { const char *options, *reason; } cases[] = {
		{ "lua:script.lua;", "needs keyword lua" },
		{ "dataset:isset,bad-hosts,type string;", "needs keyword dataset" },
		{ "xbits:set,x,track ip_src;", "needs keyword xbits" },
		{ "stream_size:server,>,100;", "needs keyword stream_size" },
		{ "base64_decode:bytes 10; base64_data; content:\"a\";", "needs keyword base64_decode" },
		{ "tls.version:1.2;", "needs keyword tls.version" },
		{ "app-layer-protocol:!http;", "needs keyword app-layer-protocol" },
		{ "content:\"a\"; byte_test:1,=,1,0,dce;", "needs dce" },
		{ "geoip:src,RU;", "geoip needs geoip-database" },
		{ "filemagic:\"PDF\";", "needs keyword filemagic" },
		{ "urilen:>5;", "needs http.uri" },
		{ "content:\"a\"; pcre:\"/x/U\";", "needs http.uri" },
		{ "byte_extract:1,0,n; byte_jump:n,0;", "needs byte_jump with a variable byte count" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		struct sig_rule r;
		snprintf(text, sizeof(text), HDR "(%s sid:1;)", cases[i].options);
		parse_ok(text, &r);
		assert_false(r.active);
		assert_string_equal(r.inactive_reason, cases[i].reason);
		sig_rule_free(&r);
	}
	/* the first missing feature is the reason */
	struct sig_rule r;
	parse_ok("alert smb any any -> any any (lua:x.lua; sid:1;)", &r);
	assert_string_equal(r.inactive_reason, "needs app-layer protocol smb");
	/* a keyword without engine is kept as SIG_M_OTHER with its argument */
	const struct sig_match *m = nth_match(&r, SIG_M_OTHER, 0);
	assert_string_equal(m->keyword, "lua");
	assert_string_equal(m->u.other.value, "x.lua");
	sig_rule_free(&r);
	/* header keywords look at the packet even after a sticky buffer */
	parse_ok(HDR "(http.uri; content:\"a\"; dsize:>5; flags:S; ttl:3; bsize:>1; sid:1;)", &r);
	assert_int_equal(nth_match(&r, SIG_M_CONTENT, 0)->buffer, SIG_BUF_HTTP_URI);
	assert_int_equal(nth_match(&r, SIG_M_DSIZE, 0)->buffer, SIG_BUF_PAYLOAD);
	assert_int_equal(nth_match(&r, SIG_M_FLAGS, 0)->buffer, SIG_BUF_PAYLOAD);
	assert_int_equal(nth_match(&r, SIG_M_TTL, 0)->buffer, SIG_BUF_PAYLOAD);
	assert_int_equal(nth_match(&r, SIG_M_BSIZE, 0)->buffer, SIG_BUF_HTTP_URI);
	sig_rule_free(&r);
	/* a plain payload rule is active */
	parse_ok(HDR "(content:\"a\"; pcre:\"/b/R\"; isdataat:1,relative; sid:1;)", &r);
	assert_true(r.active);
	assert_null(r.inactive_reason);
	sig_rule_free(&r);
	/* unknown keywords never half-evaluate: the rule is rejected outright */
	parse_bad(HDR "(content:\"a\"; foobar_kw:1; sid:1;)", "foobar_kw", "unknown keyword");
	parse_bad(HDR "(lua:x.lua; foobar_kw; sid:1;)", "foobar_kw", "unknown keyword");
	parse_bad(HDR "(lua:\"x.lua; sid:1;)", "lua", "unterminated");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sticky_vs_modifier),
		cmocka_unit_test(test_buffer_enums),
		cmocka_unit_test(test_transforms),
		cmocka_unit_test(test_inactive_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
