/*
 * unit_geoip_keywords - the geoip and iprep rule keywords: parsing (Suricata's
 * syntax), what happens without a database (inactive with a reason), and
 * match / no-match packets through the detect engine's packet checks, with
 * tables compiled at load time from a test mmdb and test reputation files.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/engine/detect/detect_match.h"
#include "signatures/geoip/geoip_db.h"
#include "signatures/iprep/iprep.h"
#include "signatures/parser/sig_parser.h"
#include "tests/unit/detect/detect_test_util.h"
#include "tests/unit/geoip/geoip_test_db.h"
#include "tests/unit/geoip/rep_test_util.h"

static char db_path[300];
static char rep_dir[] = "/tmp/rampart-iprepkw-XXXXXX";
static char cat_path[320], rep_path[320];
static struct geoip_db *db;
static struct iprep_data *rep;

static int setup(void **state)
{
	(void)state;
	char err[256];
	if (geoip_test_db_write(db_path, sizeof(db_path)) || !(db = geoip_db_open(db_path, err, sizeof(err))))
		return -1;
	if (!mkdtemp(rep_dir))
		return -1;
	snprintf(cat_path, sizeof(cat_path), "%s/categories.txt", rep_dir);
	snprintf(rep_path, sizeof(rep_path), "%s/rep.list", rep_dir);
	rep_test_write_file(cat_path, "1,BadHosts,Known bad hosts\n2,Google,Known google host\n");
	rep_test_write_file(rep_path, "10.0.0.0/8,1,20\n10.1.0.0/16,1,90\n10.1.2.3,1,7\n192.0.2.1,2,50\n"
			     "2001:db8:66::/48,1,100\n");
	rep = iprep_new();
	if (iprep_load_categories(rep, cat_path, err, sizeof(err)) || iprep_load_file(rep, rep_path, err, sizeof(err)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	geoip_db_close(db);
	iprep_free(rep);
	geoip_test_db_remove(db_path);
	unlink(cat_path);
	unlink(rep_path);
	rmdir(rep_dir);
	return 0;
}

/* A parsed rule plus the packet-check program the compiler would give it. */
struct kw_rule {
	struct sig_rule r;
	struct detect_op ops[8];
	struct detect_rule dr;
};

static int parse(const char *text, bool with_data, struct kw_rule *k, struct sig_load_error *e)
{
	struct sig_load_options opt = { .geoip = with_data ? db : NULL, .iprep = with_data ? rep : NULL };
	memset(k, 0, sizeof(*k));
	int rc = sig_parse_rule(text, &opt, NULL, &k->r, e);
	if (rc)
		return rc;
	uint16_t n = 0;
	for (size_t i = 0; i < k->r.n_matches && n < 8; i++)
		if (k->r.matches[i].kind == SIG_M_GEOIP || k->r.matches[i].kind == SIG_M_IPREP)
			k->ops[n++].m = &k->r.matches[i];
	k->dr.sig = &k->r;
	k->dr.pkt_ops = k->ops;
	k->dr.n_pkt_ops = n;
	return 0;
}

static void kw_rule_free(struct kw_rule *k)
{
	/* the tables, then the rest (sig_rule_free also clears them: idempotent) */
	for (size_t i = 0; i < k->r.n_matches; i++)
		if (k->r.matches[i].kind == SIG_M_GEOIP || k->r.matches[i].kind == SIG_M_IPREP)
			sig_ipmatch_clear(&k->r.matches[i].u.ipmatch);
	sig_rule_free(&k->r);
}

static void must_parse(const char *text, struct kw_rule *k)
{
	struct sig_load_error e;
	if (parse(text, true, k, &e)) {
		fprintf(stderr, "%s\n  %s: %s\n", text, e.keyword ? e.keyword : "-", e.reason ? e.reason : "-");
		sig_load_error_free(&e);
		fail();
	}
	assert_true(k->r.active);
}

/* The rejection's reason, "" when the rule parsed. */
static void must_reject(const char *text, const char *reason_part)
{
	struct kw_rule k;
	struct sig_load_error e;
	if (parse(text, true, &k, &e) == 0) {
		kw_rule_free(&k);
		fail_msg("rule parsed but should not: %s", text);
	}
	assert_non_null(e.reason);
	if (!strstr(e.reason, reason_part))
		fail_msg("'%s': reason '%s' lacks '%s'", text, e.reason, reason_part);
	sig_load_error_free(&e);
}

/* IPv4 TCP packet (detect test utils) or IPv6 addresses only (what the checks read). */
static bool fires(struct kw_rule *k, const char *src, const char *dst)
{
	struct tpkt t;
	if (strchr(src, ':')) {
		memset(&t, 0, sizeof(t));
		t.p.l3 = L3_IPV6;
		assert_int_equal(inet_pton(AF_INET6, src, t.p.src.u8), 1);
		assert_int_equal(inet_pton(AF_INET6, dst, t.p.dst.u8), 1);
	} else {
		tpkt_tcp(&t, src, 1234, dst, 80, "x", 1);
	}
	return detect_match_packet_ops(&k->dr, &t.p);
}

static void test_geoip_without_database_is_inactive(void **state)
{
	(void)state;
	struct kw_rule k;
	struct sig_load_error e;
	assert_int_equal(parse("alert ip any any -> any any (msg:\"geo\"; geoip:src,RU; sid:1;)", false, &k, &e), 0);
	assert_false(k.r.active);
	assert_string_equal(k.r.inactive_reason, "geoip needs geoip-database");
	assert_int_equal(k.r.matches[0].kind, SIG_M_GEOIP);
	assert_null(k.r.matches[0].u.ipmatch.set);
	assert_false(fires(&k, "10.66.1.1", "10.0.0.2")); /* never silently true */
	kw_rule_free(&k);
	assert_int_equal(parse("alert ip any any -> any any (iprep:src,BadHosts,>,50; sid:2;)", false, &k, &e), 0);
	assert_false(k.r.active);
	assert_string_equal(k.r.inactive_reason, "iprep needs reputation-categories-file");
	kw_rule_free(&k);
}

static void test_geoip_syntax_errors(void **state)
{
	(void)state;
	must_reject("alert ip any any -> any any (geoip:src,R1; sid:1;)", "country code");
	must_reject("alert ip any any -> any any (geoip:src,RUS; sid:1;)", "country code");
	must_reject("alert ip any any -> any any (geoip:src; sid:1;)", "no country code");
	must_reject("alert ip any any -> any any (geoip:src,KP,!KR; sid:1;)", "negate every");
	must_reject("alert ip any any -> any any (geoip:; sid:1;)", "");
}

static void test_geoip_sides(void **state)
{
	(void)state;
	struct kw_rule k;
	must_parse("alert ip any any -> any any (geoip:src,KP; sid:1;)", &k);
	assert_true(fires(&k, "10.66.1.1", "10.0.0.2"));
	assert_true(fires(&k, "10.68.200.9", "10.0.0.2"));
	assert_false(fires(&k, "10.67.1.1", "10.0.0.2"));
	assert_false(fires(&k, "10.0.0.2", "10.66.1.1"));
	assert_true(fires(&k, "2001:db8:66::1", "2001:db8:1::1"));
	assert_false(fires(&k, "2001:db8:67::1", "2001:db8:66::1"));
	kw_rule_free(&k);

	must_parse("alert ip any any -> any any (geoip:dst,kp; sid:1;)", &k);
	assert_true(fires(&k, "10.0.0.2", "10.66.1.1"));
	assert_false(fires(&k, "10.66.1.1", "10.0.0.2"));
	kw_rule_free(&k);

	must_parse("alert ip any any -> any any (geoip:both,KP,ZZ; sid:1;)", &k);
	assert_true(fires(&k, "10.66.1.1", "192.168.77.5"));
	assert_false(fires(&k, "10.66.1.1", "10.0.0.2"));
	assert_false(fires(&k, "10.0.0.2", "192.168.77.5"));
	kw_rule_free(&k);

	must_parse("alert ip any any -> any any (geoip:any,ZZ; sid:1;)", &k);
	assert_true(fires(&k, "192.168.77.5", "10.0.0.2"));
	assert_true(fires(&k, "10.0.0.2", "192.168.77.5"));
	assert_false(fires(&k, "10.0.0.2", "10.0.0.3"));
	kw_rule_free(&k);

	/* no side: either address (Suricata's default) */
	must_parse("alert ip any any -> any any (geoip:KR; sid:1;)", &k);
	assert_int_equal(k.r.matches[0].u.ipmatch.side, SIG_IPSIDE_ANY);
	assert_true(fires(&k, "10.0.0.2", "10.67.0.1"));
	assert_false(fires(&k, "10.0.0.2", "10.66.0.1"));
	kw_rule_free(&k);
}

static void test_geoip_negation(void **state)
{
	(void)state;
	struct kw_rule k;
	must_parse("alert ip any any -> any any (geoip:dst,!KP; sid:1;)", &k);
	assert_true(k.r.matches[0].u.ipmatch.negated);
	assert_true(fires(&k, "10.66.1.1", "10.67.1.1"));
	assert_true(fires(&k, "10.66.1.1", "10.99.0.1")); /* no country at all: not KP */
	assert_false(fires(&k, "10.0.0.2", "10.66.1.1"));
	kw_rule_free(&k);
	must_parse("alert ip any any -> any any (geoip:both,!KP,!ZZ; sid:1;)", &k);
	assert_true(fires(&k, "10.67.1.1", "10.0.0.1"));
	assert_false(fires(&k, "10.67.1.1", "192.168.77.1"));
	kw_rule_free(&k);
}

static void test_iprep_match(void **state)
{
	(void)state;
	struct kw_rule k;
	must_parse("alert ip any any -> any any (iprep:src,BadHosts,>,50; sid:1;)", &k);
	assert_true(fires(&k, "10.1.9.9", "10.0.0.2"));      /* 90 */
	assert_false(fires(&k, "10.200.0.1", "10.0.0.2"));   /* 20 */
	assert_false(fires(&k, "10.1.2.3", "10.0.0.2"));     /* 7: most specific */
	assert_false(fires(&k, "11.0.0.1", "10.1.9.9"));     /* unlisted; dst not checked */
	assert_true(fires(&k, "2001:db8:66::9", "2001:db8::1"));
	kw_rule_free(&k);

	must_parse("alert ip any any -> any any (iprep:dst,BadHosts,<,10; sid:1;)", &k);
	assert_true(fires(&k, "1.1.1.1", "10.1.2.3"));
	assert_false(fires(&k, "1.1.1.1", "11.0.0.1"));      /* unlisted never satisfies < */
	kw_rule_free(&k);

	must_parse("alert ip any any -> any any (iprep:any,Google,=,50; sid:1;)", &k);
	assert_true(fires(&k, "192.0.2.1", "10.0.0.2"));
	assert_true(fires(&k, "10.0.0.2", "192.0.2.1"));
	assert_false(fires(&k, "10.0.0.2", "192.0.2.2"));
	kw_rule_free(&k);

	must_parse("alert ip any any -> any any (iprep:both,BadHosts,>,10; sid:1;)", &k);
	assert_true(fires(&k, "10.1.9.9", "10.200.0.1"));
	assert_false(fires(&k, "10.1.9.9", "10.1.2.3"));
	kw_rule_free(&k);

	must_parse("alert ip any any -> any any (iprep:src,Google,isset; sid:1;)", &k);
	assert_true(fires(&k, "192.0.2.1", "10.0.0.2"));
	assert_false(fires(&k, "192.0.2.2", "10.0.0.2"));
	kw_rule_free(&k);
	must_parse("alert ip any any -> any any (iprep:src,Google,isnotset; sid:1;)", &k);
	assert_false(fires(&k, "192.0.2.1", "10.0.0.2"));
	assert_true(fires(&k, "192.0.2.2", "10.0.0.2"));
	kw_rule_free(&k);

	/* with another keyword: both must hold */
	must_parse("alert ip any any -> any any (geoip:src,KP; iprep:dst,BadHosts,>,50; sid:1;)", &k);
	assert_true(fires(&k, "10.66.0.1", "10.1.0.1"));
	assert_false(fires(&k, "10.67.0.1", "10.1.0.1"));
	assert_false(fires(&k, "10.66.0.1", "10.2.0.1"));
	kw_rule_free(&k);
}

static void test_iprep_syntax_errors(void **state)
{
	(void)state;
	must_reject("alert ip any any -> any any (iprep:src,Nope,>,1; sid:1;)", "unknown reputation category");
	must_reject("alert ip any any -> any any (iprep:src,BadHosts,>=,1; sid:1;)", "operator");
	must_reject("alert ip any any -> any any (iprep:src,BadHosts,>,128; sid:1;)", "score");
	must_reject("alert ip any any -> any any (iprep:src,BadHosts,>,-1; sid:1;)", "score");
	must_reject("alert ip any any -> any any (iprep:up,BadHosts,>,1; sid:1;)", "side");
	must_reject("alert ip any any -> any any (iprep:src,BadHosts; sid:1;)", "expected");
	must_reject("alert ip any any -> any any (iprep:src,BadHosts,>,1,2; sid:1;)", "expected");
}

/* Through the real compiler and matcher: the tables survive closing the
 * database, the rules run as packet checks, sig_ruleset_free frees them. */
static void test_through_detect_engine(void **state)
{
	(void)state;
	struct sig_load_options opt = { .geoip = db, .iprep = rep };
	const char *rules[] = { "alert ip any any -> any any (msg:\"kp\"; geoip:src,KP; sid:1;)",
				"alert tcp any any -> any any (content:\"hello\"; iprep:dst,BadHosts,>,50; sid:2;)" };
	struct sig_ruleset *rs = sig_ruleset_new();
	char err[256] = "";
	assert_non_null(rs);
	rs->rules = calloc(2, sizeof(struct sig_rule));
	assert_non_null(rs->rules);
	for (int i = 0; i < 2; i++) {
		struct sig_load_error e;
		assert_int_equal(sig_parse_rule(rules[i], &opt, rs, &rs->rules[i], &e), 0);
		assert_true(rs->rules[i].active);
		rs->n_rules++;
		rs->n_active++;
	}
	struct detect_build_stats st;
	memset(&st, 0, sizeof(st));
	struct detect_engine *de = detect_engine_build(rs, &st, err, sizeof(err));
	assert_non_null(de);
	assert_int_equal(detect_engine_skipped(de, 0, NULL), SIZE_MAX); /* nothing skipped */
	struct detect_thread *dt = detect_thread_new(de, 64);
	assert_non_null(dt);
	struct detect_alert al[8];
	struct tpkt t;
	tpkt_tcp(&t, "10.66.1.1", 1234, "10.1.0.9", 80, "hello", 5);
	assert_int_equal(detect_packet(dt, &t.p, al, 8), 2);
	tpkt_tcp(&t, "10.67.1.1", 1234, "10.200.0.9", 80, "hello", 5);
	assert_int_equal(detect_packet(dt, &t.p, al, 8), 0);
	detect_thread_free(dt);
	detect_engine_free(de);
	sig_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geoip_without_database_is_inactive),
		cmocka_unit_test(test_geoip_syntax_errors),
		cmocka_unit_test(test_geoip_sides),
		cmocka_unit_test(test_geoip_negation),
		cmocka_unit_test(test_iprep_match),
		cmocka_unit_test(test_iprep_syntax_errors),
		cmocka_unit_test(test_through_detect_engine),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
