/*
 * unit_detect_suppress - threshold.config applied to a compiled rule set:
 * suppress by_src / by_dst / by_either (IPv4 and IPv6, lists, negations), a
 * suppressed drop rule that still drops, suppress without track, threshold
 * overriding a rule's own, sig_id 0 entries for every rule.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/detect/detect_test_util.h"

/* The threshold.config text the edit hook applies (tdet_new_edit takes no argument). */
static const char *config_text;
static int config_applied;

static void apply_config(struct sig_ruleset *rs)
{
	char err[256];
	config_applied = sig_threshold_config_apply(rs, config_text, strlen(config_text), "threshold.config", err,
						    sizeof(err));
}

static struct tdet *with_config(const char *const *rules, const char *config)
{
	config_text = config;
	struct tdet *t = tdet_new_edit(rules, -1, apply_config);
	assert_non_null(t);
	return t;
}

/* Does sid alert for a TCP packet src -> dst carrying "attack"? */
static bool fires(struct tdet *t, const char *src, const char *dst)
{
	struct tpkt k;
	tpkt_tcp(&k, src, 1234, dst, 80, "attack", 6);
	return tdet_run(t, &k.p) > 0;
}

static const char *alert_rule[] = { "alert tcp any any -> any any (msg:\"a\"; content:\"attack\"; sid:10;)", NULL };

static void test_no_suppress_alerts(void **state)
{
	(void)state;
	struct tdet *t = with_config(alert_rule, "# nothing but a comment\n");
	assert_int_equal(config_applied, 0);
	assert_null(t->rs->rules[0].suppress);
	assert_true(fires(t, "10.0.0.1", "10.0.0.2"));
	tdet_free(t);
}

static void test_suppress_by_src(void **state)
{
	(void)state;
	struct tdet *t = with_config(alert_rule, "suppress gen_id 1, sig_id 10, track by_src, ip 10.0.0.1\n");
	assert_int_equal(config_applied, 1);
	assert_false(fires(t, "10.0.0.1", "10.0.0.2"));     /* the suppressed source */
	assert_true(fires(t, "10.0.0.3", "10.0.0.2"));      /* another source */
	assert_true(fires(t, "10.0.0.2", "10.0.0.1"));      /* the address as destination */
	assert_int_equal(detect_thread_counters(t->dt)->suppressed, 1);
	tdet_free(t);
}

static void test_suppressed_drop_still_drops(void **state)
{
	(void)state;
	const char *rules[] = { "drop tcp any any -> any any (msg:\"d\"; content:\"attack\"; sid:20;)", NULL };
	struct tdet *t = with_config(rules, "suppress gen_id 1, sig_id 20, track by_src, ip 10.0.0.0/24\n");
	struct flow f;
	memset(&f, 0, sizeof(f));
	struct tpkt k;
	tpkt_tcp(&k, "10.0.0.7", 1234, "10.9.0.1", 80, "attack", 6);
	k.p.flow = &f;
	assert_int_equal(tdet_run(t, &k.p), 0);             /* no alert ... */
	assert_int_equal(k.p.verdict, VERDICT_DROP);        /* ... but dropped */
	assert_true(f.flags & FLOW_DROP);
	/* outside the suppressed network: alert and drop */
	tpkt_tcp(&k, "10.0.1.7", 1234, "10.9.0.1", 80, "attack", 6);
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(k.p.verdict, VERDICT_DROP);
	tdet_free(t);
}

static void test_suppress_by_either_and_dst(void **state)
{
	(void)state;
	const char *rules[] = { "alert tcp any any -> any any (msg:\"a\"; content:\"attack\"; sid:10;)",
				"alert tcp any any -> any any (msg:\"b\"; content:\"attack\"; sid:11;)", NULL };
	struct tdet *t = with_config(rules,
				     "suppress gen_id 1, sig_id 10, track by_either, ip [192.168.0.0/16, !192.168.5.0/24]\n"
				     "suppress gen_id 1, sig_id 11, track by_dst, ip 172.16.0.1\n");
	assert_int_equal(config_applied, 2);
	struct tpkt k;
	tpkt_tcp(&k, "192.168.1.1", 1, "8.8.8.8", 80, "attack", 6);
	assert_false(tdet_fires(t, &k.p, 10));             /* source in the list */
	tpkt_tcp(&k, "8.8.8.8", 1, "192.168.1.1", 80, "attack", 6);
	assert_false(tdet_fires(t, &k.p, 10));             /* destination in the list */
	tpkt_tcp(&k, "8.8.8.8", 1, "192.168.5.1", 80, "attack", 6);
	assert_true(tdet_fires(t, &k.p, 10));              /* the negated hole */
	tpkt_tcp(&k, "8.8.8.8", 1, "172.16.0.1", 80, "attack", 6);
	assert_false(tdet_fires(t, &k.p, 11));
	tpkt_tcp(&k, "172.16.0.1", 1, "8.8.8.8", 80, "attack", 6);
	assert_true(tdet_fires(t, &k.p, 11));              /* by_dst ignores the source */
	tdet_free(t);
}

static void test_suppress_ipv6(void **state)
{
	(void)state;
	struct tdet *t = with_config(alert_rule, "suppress gen_id 1, sig_id 10, track by_src, ip 2001:db8::/32\n");
	struct tpkt k;
	tpkt_tcp(&k, "10.0.0.1", 1234, "10.0.0.2", 80, "attack", 6);
	k.p.l3 = L3_IPV6;
	static const uint8_t in[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t out[16] = { 0x20, 0x01, 0x0d, 0xb9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	memcpy(k.p.src.u8, in, 16);
	memcpy(k.p.dst.u8, out, 16);
	assert_int_equal(tdet_run(t, &k.p), 0);
	memcpy(k.p.src.u8, out, 16);
	assert_int_equal(tdet_run(t, &k.p), 1);
	/* the IPv4 address with the same leading bytes is not in an IPv6 list */
	tpkt_tcp(&k, "32.1.13.184", 1234, "10.0.0.2", 80, "attack", 6);
	assert_int_equal(tdet_run(t, &k.p), 1);
	tdet_free(t);
}

static void test_suppress_without_track(void **state)
{
	(void)state;
	const char *rules[] = {
		"alert tcp any any -> any any (msg:\"set\"; content:\"attack\"; flowbits:set,seen; sid:10;)",
		"alert tcp any any -> any any (msg:\"check\"; content:\"attack\"; flowbits:isset,seen; sid:11;)", NULL };
	struct tdet *t = with_config(rules, "suppress gen_id 1, sig_id 10\n");
	struct flow f;
	memset(&f, 0, sizeof(f));
	struct tpkt k;
	tpkt_tcp(&k, "10.0.0.1", 1234, "10.0.0.2", 80, "attack", 6);
	k.p.flow = &f;
	assert_int_equal(tdet_run(t, &k.p), 1);            /* only the checker alerts ... */
	assert_int_equal(tdet_sid(t, 0), 11);              /* ... because sid 10 still set the bit */
	detect_flow_release(t->dt, &f);
	tdet_free(t);
}

static void test_threshold_overrides_rule(void **state)
{
	(void)state;
	/* the rule alerts on every 100th hit by itself; the config says once a minute */
	const char *rules[] = { "alert tcp any any -> any any (msg:\"t\"; content:\"attack\"; "
				"threshold: type threshold, track by_src, count 100, seconds 60; sid:30;)", NULL };
	struct tdet *t = with_config(rules, "threshold gen_id 1, sig_id 30, type limit, track by_src, count 1, seconds 60\n");
	assert_int_equal(t->rs->rules[0].threshold.type, SIG_THRESH_LIMIT);
	unsigned alerts = 0;
	for (int i = 0; i < 5; i++) {
		struct tpkt k;
		tpkt_tcp(&k, "10.0.0.1", 1234, "10.0.0.2", 80, "attack", 6);
		k.p.ts_usec += (uint64_t)i * 1000000u;
		alerts += tdet_run(t, &k.p);
	}
	assert_int_equal(alerts, 1);
	tdet_free(t);
}

static void test_global_sid0(void **state)
{
	(void)state;
	const char *rules[] = { "alert tcp any any -> any any (msg:\"a\"; content:\"attack\"; sid:40;)",
				"alert tcp any any -> any any (msg:\"b\"; content:\"attack\"; gid:3; sid:41;)",
				"alert tcp any any -> any any (msg:\"own\"; content:\"attack\"; "
				"threshold: type limit, track by_rule, count 3, seconds 60; sid:42;)", NULL };
	struct tdet *t = with_config(rules, "suppress gen_id 0, sig_id 0, track by_src, ip 10.1.0.0/16\n"
					    "event_filter gen_id 0, sig_id 0, type limit, track by_rule, count 1, seconds 60\n");
	assert_int_equal(config_applied, 2);
	/* every rule, any gid, is suppressed for the network */
	assert_int_equal(fires(t, "10.1.2.3", "10.0.0.2"), 0);
	assert_int_equal(detect_thread_counters(t->dt)->suppressed, 3);
	/* outside it: the global limit 1 holds for 40 and 41; 42 keeps its own limit 3 */
	unsigned count[3] = { 0 };
	for (int i = 0; i < 5; i++) {
		struct tpkt k;
		tpkt_tcp(&k, "10.2.0.1", 1234, "10.0.0.2", 80, "attack", 6);
		tdet_run(t, &k.p);
		for (unsigned a = 0; a < t->n_alerts; a++)
			count[tdet_sid(t, a) - 40]++;
	}
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 1);
	assert_int_equal(count[2], 3);
	tdet_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_suppress_alerts),
		cmocka_unit_test(test_suppress_by_src),
		cmocka_unit_test(test_suppressed_drop_still_drops),
		cmocka_unit_test(test_suppress_by_either_and_dst),
		cmocka_unit_test(test_suppress_ipv6),
		cmocka_unit_test(test_suppress_without_track),
		cmocka_unit_test(test_threshold_overrides_rule),
		cmocka_unit_test(test_global_sid0),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
