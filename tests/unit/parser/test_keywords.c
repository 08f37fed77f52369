/* unit_parser_keywords: meta keywords, priority, flags, flow, flowbits, threshold, numeric compares. */
#include <fcntl.h>
#include <unistd.h>

#include "tests/unit/parser/parser_test.h"

#define HDR "alert tcp any any -> any any "

static void test_meta_fields(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(msg:\"a \\\"quoted\\\" \\; semi \\\\ slash\"; sid:42; rev:7; gid:3; "
		 "reference:url,example.com/a,b; reference:cve,2021-44228; "
		 "metadata:created_at 2020_01_01, former_category INFO; target:dest_ip;)", &r);
	assert_string_equal(r.msg, "a \"quoted\" ; semi \\ slash");
	assert_int_equal(r.sid, 42);
	assert_int_equal(r.rev, 7);
	assert_int_equal(r.gid, 3);
	assert_int_equal(r.n_references, 2);
	assert_string_equal(r.references[0].type, "url");
	assert_string_equal(r.references[0].value, "example.com/a,b");
	assert_string_equal(r.references[1].type, "cve");
	assert_int_equal(r.n_metadata, 2);
	assert_string_equal(r.metadata[0], "created_at 2020_01_01");
	assert_string_equal(r.metadata[1], "former_category INFO");
	assert_string_equal(r.target, "dest_ip");
	assert_int_equal(r.priority, 3);
	assert_null(r.classtype);
	assert_non_null(r.text);
	sig_rule_free(&r);

	parse_ok(HDR "(sid:5;)", &r);
	assert_int_equal(r.gid, 1);
	assert_int_equal(r.rev, 0);
	assert_null(r.msg);
	sig_rule_free(&r);

	parse_bad(HDR "(msg:\"no sid\";)", "sid", "no sid");
	parse_bad(HDR "(sid:0;)", "sid", "bad value");
	parse_bad(HDR "(sid:1; sid:2;)", "sid", "duplicated");
	parse_bad(HDR "(sid:x1;)", "sid", NULL);
	parse_bad(HDR "(sid:1; reference:nocomma;)", "reference", "type,value");
	parse_bad(HDR "(sid:1; target:both;)", "target", NULL);
	parse_bad(HDR "(sid:1; priority:0;)", "priority", NULL);
	parse_bad(HDR "(sid:1; msg:\"unterminated;)", "msg", "unterminated");
	parse_bad(HDR "(sid:1; foobar_kw:1;)", "foobar_kw", "unknown keyword");
	parse_bad(HDR "(sid:1; foobar_kw;)", "foobar_kw", "unknown keyword");
	parse_bad(HDR "(sid:1 rev:2)", NULL, "terminating ';'");
	parse_bad(HDR "(sid:1;", "options", "missing ')'");
	parse_bad(HDR "sid:1;", "header", "missing '('");
}

static void test_classtype_priority(void **state)
{
	(void)state;
	char path[] = "/tmp/rampart-class-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "# comment\n\nconfig classification: trojan-activity,A Network Trojan was detected, 1\n"
			    "config classification: misc-activity,Misc activity,3\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	char err[256];
	struct sig_classifications *c = sig_classifications_load(path, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(sig_classifications_count(c), 2);
	struct sig_load_options opt = { .classes = c };
	struct sig_rule r;
	struct sig_load_error e;
	assert_int_equal(sig_parse_rule(HDR "(classtype:trojan-activity; sid:1;)", &opt, NULL, &r, &e), 0);
	assert_int_equal(r.priority, 1);
	assert_string_equal(r.classtype, "trojan-activity");
	assert_string_equal(r.class_description, "A Network Trojan was detected");
	sig_rule_free(&r);
	/* the priority keyword wins, in either order */
	assert_int_equal(sig_parse_rule(HDR "(priority:4; classtype:trojan-activity; sid:1;)", &opt, NULL, &r, &e), 0);
	assert_int_equal(r.priority, 4);
	sig_rule_free(&r);
	assert_int_equal(sig_parse_rule(HDR "(classtype:trojan-activity; priority:2; sid:1;)", &opt, NULL, &r, &e), 0);
	assert_int_equal(r.priority, 2);
	sig_rule_free(&r);
	/* unknown classtype: warned about and kept, priority 3 */
	char *warn = NULL;
	size_t warn_len = 0;
	FILE *w = open_memstream(&warn, &warn_len);
	opt.warnings = w;
	assert_int_equal(sig_parse_rule(HDR "(classtype:made-up; sid:9;)", &opt, NULL, &r, &e), 0);
	fclose(w);
	assert_non_null(strstr(warn, "unknown classtype 'made-up'"));
	free(warn);
	assert_int_equal(r.priority, 3);
	assert_string_equal(r.classtype, "made-up");
	assert_null(r.class_description);
	sig_rule_free(&r);
	sig_classifications_free(c);

	/* a malformed classification file is refused with its line */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	const char bad[] = "config classification: a,b,1\nconfig classification: nope\n";
	assert_int_equal(write(fd, bad, sizeof(bad) - 1), (ssize_t)(sizeof(bad) - 1));
	close(fd);
	assert_null(sig_classifications_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ":2:"));
	unlink(path);
	assert_null(sig_classifications_load("/nonexistent/classification.config", err, sizeof(err)));
}

static void test_flags(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(flags:S,12; flags:+AP; flags:*SF; flags:!R; flags:0; flags:SA12; flags:FPU+,CE; sid:1;)", &r);
	const struct sig_tcp_flags *f = &nth_match(&r, SIG_M_FLAGS, 0)->u.tcp_flags;
	assert_int_equal(f->flags, TCP_FLAG_SYN);
	assert_int_equal(f->mask, TCP_FLAG_CWR | TCP_FLAG_ECE);
	assert_int_equal(f->mode, '=');
	f = &nth_match(&r, SIG_M_FLAGS, 1)->u.tcp_flags;
	assert_int_equal(f->flags, TCP_FLAG_ACK | TCP_FLAG_PSH);
	assert_int_equal(f->mode, '+');
	f = &nth_match(&r, SIG_M_FLAGS, 2)->u.tcp_flags;
	assert_int_equal(f->flags, TCP_FLAG_SYN | TCP_FLAG_FIN);
	assert_int_equal(f->mode, '*');
	f = &nth_match(&r, SIG_M_FLAGS, 3)->u.tcp_flags;
	assert_int_equal(f->mode, '!');
	f = &nth_match(&r, SIG_M_FLAGS, 4)->u.tcp_flags;
	assert_true(f->no_flags);
	assert_int_equal(f->flags, 0);
	f = &nth_match(&r, SIG_M_FLAGS, 5)->u.tcp_flags;
	assert_int_equal(f->flags, TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_CWR | TCP_FLAG_ECE);
	f = &nth_match(&r, SIG_M_FLAGS, 6)->u.tcp_flags;
	assert_int_equal(f->flags, TCP_FLAG_FIN | TCP_FLAG_PSH | TCP_FLAG_URG);
	assert_int_equal(f->mode, '+');
	assert_int_equal(f->mask, TCP_FLAG_CWR | TCP_FLAG_ECE);
	assert_true(r.active);
	sig_rule_free(&r);
	parse_bad(HDR "(flags:SX; sid:1;)", "flags", "bad flag");
	parse_bad(HDR "(flags:+*S; sid:1;)", "flags", "modifier");
	parse_bad(HDR "(flags:0S; sid:1;)", "flags", NULL);
	parse_bad(HDR "(flags:S,Q; sid:1;)", "flags", "mask");
}

static void test_flow(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(flow:established,to_server; sid:1;)", &r);
	assert_int_equal(r.flow, SIG_FLOW_ESTABLISHED | SIG_FLOW_TO_SERVER);
	sig_rule_free(&r);
	parse_ok(HDR "(flow: from_server, not_established, no_stream, only_frag; sid:1;)", &r);
	assert_int_equal(r.flow, SIG_FLOW_TO_CLIENT | SIG_FLOW_NOT_ESTABLISHED | SIG_FLOW_NO_STREAM |
				 SIG_FLOW_ONLY_FRAG);
	sig_rule_free(&r);
	parse_ok(HDR "(flow:stateless,from_client,only_stream; sid:1;)", &r);
	assert_int_equal(r.flow, SIG_FLOW_STATELESS | SIG_FLOW_TO_SERVER | SIG_FLOW_ONLY_STREAM);
	sig_rule_free(&r);
	parse_ok("alert tcp-pkt any any -> any any (flow:established; sid:1;)", &r);
	assert_int_equal(r.proto, SIG_PROTO_TCP);
	assert_int_equal(r.flow, SIG_FLOW_ESTABLISHED | SIG_FLOW_NO_STREAM);
	sig_rule_free(&r);
	parse_bad(HDR "(flow:to_server,to_client; sid:1;)", "flow", "conflicting");
	parse_bad(HDR "(flow:established,not_established; sid:1;)", "flow", "conflicting");
	parse_bad(HDR "(flow:sideways; sid:1;)", "flow", "unknown flow option");
}

static void test_flowbits(void **state)
{
	(void)state;
	struct sig_ruleset *rs = sig_ruleset_new();
	struct sig_rule a, b;
	parse_ok_in(rs, HDR "(flowbits:set,ET.login; flowbits:noalert; sid:1;)", &a);
	parse_ok_in(rs, HDR "(flowbits:isset,ET.other|ET.login; flowbits:unset,ET.login&ET.x; "
			"flowbits:isnotset,ET.x; flowbits:toggle,ET.other; sid:2;)", &b);
	assert_int_equal(rs->n_flowbits, 3);
	assert_string_equal(rs->flowbit_names[0], "ET.login");
	assert_string_equal(rs->flowbit_names[1], "ET.other");
	assert_string_equal(rs->flowbit_names[2], "ET.x");
	const struct sig_flowbits *f = &nth_match(&a, SIG_M_FLOWBITS, 0)->u.flowbits;
	assert_int_equal(f->cmd, SIG_FLOWBITS_SET);
	assert_int_equal(f->n_bits, 1);
	assert_int_equal(f->bits[0], 0);
	assert_true(a.noalert);
	assert_int_equal(nth_match(&a, SIG_M_FLOWBITS, 1)->u.flowbits.cmd, SIG_FLOWBITS_NOALERT);
	f = &nth_match(&b, SIG_M_FLOWBITS, 0)->u.flowbits;
	assert_int_equal(f->cmd, SIG_FLOWBITS_ISSET);
	assert_true(f->any_of);
	assert_int_equal(f->n_bits, 2);
	assert_int_equal(f->bits[0], 1);
	assert_int_equal(f->bits[1], 0);
	f = &nth_match(&b, SIG_M_FLOWBITS, 1)->u.flowbits;
	assert_int_equal(f->cmd, SIG_FLOWBITS_UNSET);
	assert_false(f->any_of);
	assert_int_equal(f->n_bits, 2);
	assert_int_equal(nth_match(&b, SIG_M_FLOWBITS, 2)->u.flowbits.cmd, SIG_FLOWBITS_ISNOTSET);
	assert_int_equal(nth_match(&b, SIG_M_FLOWBITS, 3)->u.flowbits.cmd, SIG_FLOWBITS_TOGGLE);
	assert_false(b.noalert);
	assert_true(a.active && b.active);
	sig_rule_free(&a);
	sig_rule_free(&b);
	/* many names: interning keeps working past its growth steps */
	for (int i = 0; i < 100; i++) {
		char text[128];
		snprintf(text, sizeof(text), HDR "(flowbits:set,bit%d; flowbits:isset,bit%d; sid:1;)", i, i / 2);
		parse_ok_in(rs, text, &a);
		sig_rule_free(&a);
	}
	assert_int_equal(rs->n_flowbits, 103);
	assert_string_equal(rs->flowbit_names[102], "bit99");
	sig_ruleset_free(rs);
	parse_bad(HDR "(flowbits:set; sid:1;)", "flowbits", "needs a flowbit name");
	parse_bad(HDR "(flowbits:launch,x; sid:1;)", "flowbits", "unknown flowbits command");
	parse_bad(HDR "(flowbits:isset,a|b&c; sid:1;)", "flowbits", "mix");
	parse_bad(HDR "(flowbits:noalert,x; sid:1;)", "flowbits", NULL);
}

static void test_threshold(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok(HDR "(threshold: type limit, track by_src, count 1, seconds 60; "
		 "detection_filter:track by_dst, count 5, seconds 30; sid:1;)", &r);
	assert_true(r.has_threshold);
	assert_int_equal(r.threshold.type, SIG_THRESH_LIMIT);
	assert_int_equal(r.threshold.track, SIG_TRACK_BY_SRC);
	assert_int_equal(r.threshold.count, 1);
	assert_int_equal(r.threshold.seconds, 60);
	assert_true(r.has_detection_filter);
	assert_int_equal(r.detection_filter.type, SIG_THRESH_DETECTION_FILTER);
	assert_int_equal(r.detection_filter.track, SIG_TRACK_BY_DST);
	assert_int_equal(r.detection_filter.count, 5);
	assert_int_equal(r.detection_filter.seconds, 30);
	sig_rule_free(&r);
	parse_ok(HDR "(threshold:type both,track by_rule,count 10,seconds 1; sid:1;)", &r);
	assert_int_equal(r.threshold.type, SIG_THRESH_BOTH);
	assert_int_equal(r.threshold.track, SIG_TRACK_BY_RULE);
	sig_rule_free(&r);
	parse_ok(HDR "(threshold:type threshold,track by_both,count 3,seconds 9; sid:1;)", &r);
	assert_int_equal(r.threshold.type, SIG_THRESH_THRESHOLD);
	assert_int_equal(r.threshold.track, SIG_TRACK_BY_BOTH);
	sig_rule_free(&r);
	parse_bad(HDR "(threshold:type limit, track by_src, count 1; sid:1;)", "threshold", "needs");
	parse_bad(HDR "(threshold:type often, track by_src, count 1, seconds 1; sid:1;)", "threshold", "unknown type");
	parse_bad(HDR "(threshold:type limit, track by_cat, count 1, seconds 1; sid:1;)", "threshold", "unknown track");
	parse_bad(HDR "(threshold:type limit, track by_src, count 0, seconds 1; sid:1;)", "threshold", "count");
	parse_bad(HDR "(detection_filter:type limit, track by_src, count 1, seconds 1; sid:1;)", "detection_filter",
		  "unknown option");
}

static void test_numeric(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok("alert icmp any any -> any any (dsize:>100; dsize:<5; dsize:10<>20; dsize:!3; dsize:7; "
		 "dsize:>=8; dsize:<=9; ttl:64; itype:8; icode:0; icmp_id:1234; icmp_seq:1; sid:1;)", &r);
	const struct sig_numcmp *n = &nth_match(&r, SIG_M_DSIZE, 0)->u.num;
	assert_int_equal(n->cmp, SIG_CMP_GT);
	assert_int_equal(n->lo, 100);
	assert_int_equal(nth_match(&r, SIG_M_DSIZE, 1)->u.num.cmp, SIG_CMP_LT);
	n = &nth_match(&r, SIG_M_DSIZE, 2)->u.num;
	assert_int_equal(n->cmp, SIG_CMP_RANGE);
	assert_int_equal(n->lo, 10);
	assert_int_equal(n->hi, 20);
	assert_int_equal(nth_match(&r, SIG_M_DSIZE, 3)->u.num.cmp, SIG_CMP_NE);
	assert_int_equal(nth_match(&r, SIG_M_DSIZE, 4)->u.num.cmp, SIG_CMP_EQ);
	assert_int_equal(nth_match(&r, SIG_M_DSIZE, 5)->u.num.cmp, SIG_CMP_GE);
	assert_int_equal(nth_match(&r, SIG_M_DSIZE, 6)->u.num.cmp, SIG_CMP_LE);
	assert_int_equal(nth_match(&r, SIG_M_TTL, 0)->u.num.lo, 64);
	assert_int_equal(nth_match(&r, SIG_M_ITYPE, 0)->u.num.lo, 8);
	assert_int_equal(nth_match(&r, SIG_M_ICODE, 0)->u.num.lo, 0);
	assert_int_equal(nth_match(&r, SIG_M_ICMP_ID, 0)->u.num.lo, 1234);
	assert_int_equal(nth_match(&r, SIG_M_ICMP_SEQ, 0)->u.num.lo, 1);
	assert_true(r.active);
	sig_rule_free(&r);

	parse_ok(HDR "(ack:0; seq:4294967295; window:!1024; id:31337; tos:!8; fragoffset:>0; "
		 "fragbits:M+; fragbits:!D; ipopts:lsrr; ip_proto:!6; ip_proto:<17; ip_proto:igmp; sameip; sid:1;)", &r);
	assert_int_equal(nth_match(&r, SIG_M_SEQ, 0)->u.num.lo, 4294967295LL);
	assert_int_equal(nth_match(&r, SIG_M_WINDOW, 0)->u.num.cmp, SIG_CMP_NE);
	assert_int_equal(nth_match(&r, SIG_M_ID, 0)->u.num.lo, 31337);
	assert_int_equal(nth_match(&r, SIG_M_TOS, 0)->u.num.cmp, SIG_CMP_NE);
	assert_int_equal(nth_match(&r, SIG_M_FRAGOFFSET, 0)->u.num.cmp, SIG_CMP_GT);
	const struct sig_tcp_flags *fb = &nth_match(&r, SIG_M_FRAGBITS, 0)->u.tcp_flags;
	assert_int_equal(fb->flags, SIG_FRAGBIT_MF);
	assert_int_equal(fb->mode, '+');
	assert_int_equal(nth_match(&r, SIG_M_FRAGBITS, 1)->u.tcp_flags.mode, '!');
	assert_int_equal(nth_match(&r, SIG_M_IPOPTS, 0)->u.num.lo, 131);
	const struct sig_match *p = nth_match(&r, SIG_M_IP_PROTO, 0);
	assert_int_equal(p->u.ip_proto.proto, 6);
	assert_true(p->u.ip_proto.negated);
	p = nth_match(&r, SIG_M_IP_PROTO, 1);
	assert_int_equal(p->u.ip_proto.cmp, '<');
	assert_int_equal(p->u.ip_proto.proto, 17);
	assert_int_equal(nth_match(&r, SIG_M_IP_PROTO, 2)->u.ip_proto.proto, 2);
	assert_non_null(nth_match(&r, SIG_M_SAMEIP, 0));
	assert_true(r.active);
	sig_rule_free(&r);

	parse_ok("alert http any any -> any any (urilen:5<>10,raw; http.uri; bsize:>4; sid:1;)", &r);
	n = &nth_match(&r, SIG_M_URILEN, 0)->u.num;
	assert_int_equal(n->cmp, SIG_CMP_RANGE);
	const struct sig_match *bs = nth_match(&r, SIG_M_BSIZE, 0);
	assert_int_equal(bs->buffer, SIG_BUF_HTTP_URI);
	sig_rule_free(&r);

	parse_bad(HDR "(ttl:256; sid:1;)", "ttl", "bad value");
	parse_bad(HDR "(dsize:20<>10; sid:1;)", "dsize", "bad value");
	parse_bad(HDR "(dsize:abc; sid:1;)", "dsize", "bad value");
	parse_bad(HDR "(dsize:-1; sid:1;)", "dsize", "bad value");
	parse_bad(HDR "(urilen:5,cooked; sid:1;)", "urilen", "norm or raw");
	parse_bad(HDR "(ipopts:bogus; sid:1;)", "ipopts", "unknown IP option");
	parse_bad(HDR "(ip_proto:999; sid:1;)", "ip_proto", NULL);
	parse_bad(HDR "(ip_proto:nosuch; sid:1;)", "ip_proto", "unknown protocol name");
	parse_bad(HDR "(fragbits:X; sid:1;)", "fragbits", "bad flag");
	parse_bad(HDR "(sameip:1; sid:1;)", "sameip", "takes no value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_fields),
		cmocka_unit_test(test_classtype_priority),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_flow),
		cmocka_unit_test(test_flowbits),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_numeric),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
