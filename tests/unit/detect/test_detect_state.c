/*
 * unit_detect_state - rule order, flowbits (same packet, across packets,
 * noalert, toggle, unset, pool release), thresholds, actions (pass, drop,
 * reject), the per-packet alert maximum.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/detect/detect_test_util.h"

static void flow_init(struct flow *f)
{
	memset(f, 0, sizeof(*f));
	f->flow_id = 7;
	f->flags = FLOW_ESTABLISHED;
}

static void test_flowbits_same_packet(void **state)
{
	(void)state;
	/* the checker comes first in the file; the setter must still run first */
	const char *rules[] = {
		"alert tcp any any -> any any (msg:\"check\"; flowbits:isset,seen; content:\"b\"; sid:2;)",
		"alert tcp any any -> any any (msg:\"set\"; content:\"a\"; flowbits:set,seen; sid:1;)", NULL };
	struct tdet *t = tdet_new(rules);
	struct flow f;
	flow_init(&f);
	struct tpkt k;
	tpkt_str(&k, "a b");
	k.p.flow = &f;
	assert_int_equal(tdet_run(t, &k.p), 2);
	assert_int_equal(tdet_sid(t, 0), 1);
	assert_int_equal(tdet_sid(t, 1), 2);
	/* without a flow, isset is false and set does nothing */
	k.p.flow = NULL;
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 1);
	detect_flow_release(t->dt, &f);
	assert_int_equal(f.detect_slot, 0);
	tdet_free(t);
}

static void test_flowbits_across_packets_noalert(void **state)
{
	(void)state;
	const char *rules[] = {
		"alert tcp any any -> any any (msg:\"login\"; content:\"USER\"; flowbits:set,logged; flowbits:noalert; sid:1;)",
		"alert tcp any any -> any any (msg:\"cmd\"; content:\"RETR\"; flowbits:isset,logged; sid:2;)",
		"alert tcp any any -> any any (msg:\"nocmd\"; content:\"RETR\"; flowbits:isnotset,logged; sid:3;)", NULL };
	struct tdet *t = tdet_new(rules);
	struct flow f, g;
	flow_init(&f);
	flow_init(&g);
	struct tpkt k;
	tpkt_str(&k, "RETR x");
	k.p.flow = &f;
	assert_false(tdet_fires(t, &k.p, 2));
	assert_true(tdet_fires(t, &k.p, 3));
	tpkt_str(&k, "USER bob");
	k.p.flow = &f;
	assert_int_equal(tdet_run(t, &k.p), 0); /* noalert: matched, bit set, no alert */
	tpkt_str(&k, "RETR x");
	k.p.flow = &f;
	assert_true(tdet_fires(t, &k.p, 2));
	assert_false(tdet_fires(t, &k.p, 3));
	/* another flow does not see f's bits */
	k.p.flow = &g;
	assert_false(tdet_fires(t, &k.p, 2));
	/* released: the slot's bits are cleared and reused */
	detect_flow_release(t->dt, &f);
	k.p.flow = &f;
	assert_false(tdet_fires(t, &k.p, 2));
	tdet_free(t);
}

static void test_flowbits_toggle_unset(void **state)
{
	(void)state;
	const char *rules[] = {
		"alert tcp any any -> any any (msg:\"tog\"; content:\"T\"; flowbits:toggle,b; flowbits:noalert; sid:1;)",
		"alert tcp any any -> any any (msg:\"un\"; content:\"U\"; flowbits:unset,b; flowbits:noalert; sid:2;)",
		"alert tcp any any -> any any (msg:\"chk\"; content:\"C\"; flowbits:isset,b; sid:3;)", NULL };
	struct tdet *t = tdet_new(rules);
	struct flow f;
	flow_init(&f);
	struct tpkt k;
	tpkt_str(&k, "C");
	k.p.flow = &f;
	assert_false(tdet_fires(t, &k.p, 3));
	tpkt_str(&k, "T");
	k.p.flow = &f;
	tdet_run(t, &k.p);
	tpkt_str(&k, "C");
	k.p.flow = &f;
	assert_true(tdet_fires(t, &k.p, 3));
	tpkt_str(&k, "T");
	k.p.flow = &f;
	tdet_run(t, &k.p); /* toggled off */
	tpkt_str(&k, "C");
	k.p.flow = &f;
	assert_false(tdet_fires(t, &k.p, 3));
	tpkt_str(&k, "T"); /* on again */
	k.p.flow = &f;
	tdet_run(t, &k.p);
	tpkt_str(&k, "U"); /* unset */
	k.p.flow = &f;
	tdet_run(t, &k.p);
	tpkt_str(&k, "C");
	k.p.flow = &f;
	assert_false(tdet_fires(t, &k.p, 3));
	tdet_free(t);
}

static unsigned hits(struct tdet *t, const char *payload, uint64_t ts_usec, const char *src)
{
	struct tpkt k;
	tpkt_tcp(&k, src, 1000, "10.0.0.2", 80, payload, (uint32_t)strlen(payload));
	k.p.ts_usec = ts_usec;
	return tdet_run(t, &k.p);
}

static void test_threshold_types(void **state)
{
	(void)state;
	const uint64_t T0 = 1700000000000000ull, S = 1000000ull;
	const char *limit[] = { "alert tcp any any -> any any (msg:\"l\"; content:\"x\"; threshold:type limit, track by_src, count 2, seconds 60; sid:1;)", NULL };
	struct tdet *t = tdet_new(limit);
	unsigned n = 0;
	for (int i = 0; i < 5; i++)
		n += hits(t, "x", T0 + i * S, "10.0.0.1");
	assert_int_equal(n, 2);
	assert_int_equal(hits(t, "x", T0 + 5 * S, "10.0.0.9"), 1); /* other source: own counter */
	assert_int_equal(hits(t, "x", T0 + 61 * S, "10.0.0.1"), 1); /* new window */
	tdet_free(t);

	const char *thr[] = { "alert tcp any any -> any any (msg:\"t\"; content:\"x\"; threshold:type threshold, track by_src, count 3, seconds 60; sid:1;)", NULL };
	t = tdet_new(thr);
	unsigned seq[7];
	for (int i = 0; i < 7; i++)
		seq[i] = hits(t, "x", T0 + i * S, "10.0.0.1");
	unsigned want[7] = { 0, 0, 1, 0, 0, 1, 0 };
	assert_memory_equal(seq, want, sizeof(seq));
	tdet_free(t);

	const char *both[] = { "alert tcp any any -> any any (msg:\"b\"; content:\"x\"; threshold:type both, track by_src, count 2, seconds 60; sid:1;)", NULL };
	t = tdet_new(both);
	for (int i = 0; i < 5; i++)
		seq[i] = hits(t, "x", T0 + i * S, "10.0.0.1");
	unsigned want_both[5] = { 0, 1, 0, 0, 0 };
	assert_memory_equal(seq, want_both, 5 * sizeof(unsigned));
	tdet_free(t);

	const char *df[] = { "alert tcp any any -> any any (msg:\"d\"; content:\"x\"; detection_filter:track by_src, count 2, seconds 60; sid:1;)", NULL };
	t = tdet_new(df);
	for (int i = 0; i < 5; i++)
		seq[i] = hits(t, "x", T0 + i * S, "10.0.0.1");
	unsigned want_df[5] = { 0, 0, 1, 1, 1 };
	assert_memory_equal(seq, want_df, 5 * sizeof(unsigned));
	tdet_free(t);

	/* a thresholded drop rule still drops every matching packet (Suricata) */
	const char *dl[] = { "drop tcp any any -> any any (msg:\"dl\"; content:\"x\"; threshold:type limit, track by_src, count 1, seconds 60; sid:1;)", NULL };
	t = tdet_new(dl);
	struct tpkt k;
	for (int i = 0; i < 3; i++) {
		tpkt_str(&k, "x");
		k.p.ts_usec = T0 + (uint64_t)i * S;
		assert_int_equal(tdet_run(t, &k.p), i == 0 ? 1 : 0);
		assert_int_equal(k.p.verdict, VERDICT_DROP);
	}
	tdet_free(t);
}

static void test_pass_drop_reject(void **state)
{
	(void)state;
	const char *rules[] = {
		"alert tcp any any -> any any (msg:\"a\"; content:\"x\"; sid:1;)",
		"drop tcp any any -> any any (msg:\"d\"; content:\"x\"; sid:2;)",
		"pass tcp any any -> any any (msg:\"p\"; content:\"ok\"; sid:3;)",
		"reject tcp any any -> any any (msg:\"r\"; content:\"rej\"; sid:4;)", NULL };
	struct tdet *t = tdet_new(rules);
	struct flow f;
	flow_init(&f);
	struct tpkt k;
	tpkt_str(&k, "x");
	k.p.flow = &f;
	assert_int_equal(tdet_run(t, &k.p), 2);
	assert_int_equal(tdet_sid(t, 0), 2); /* drop sorts before alert */
	assert_int_equal(t->alerts[0].action, SIG_ACTION_DROP);
	assert_int_equal(k.p.verdict, VERDICT_DROP);
	tpkt_str(&k, "x rej");
	k.p.flow = &f;
	assert_int_equal(tdet_run(t, &k.p), 3);
	assert_int_equal(k.p.verdict, VERDICT_REJECT);
	/* the flow is now dropped: a harmless packet of it gets VERDICT_DROP */
	assert_true(f.flags & FLOW_DROP);
	tpkt_str(&k, "harmless");
	k.p.flow = &f;
	assert_int_equal(tdet_run(t, &k.p), 0);
	assert_int_equal(k.p.verdict, VERDICT_DROP);
	f.flags &= (uint8_t)~FLOW_DROP;
	/* pass: no alert at all, flow no longer inspected */
	tpkt_str(&k, "x ok");
	k.p.flow = &f;
	assert_int_equal(tdet_run(t, &k.p), 0);
	assert_int_equal(k.p.verdict, VERDICT_PASS);
	assert_true(f.flags & FLOW_NO_INSPECT);
	tpkt_str(&k, "x");
	k.p.flow = &f;
	assert_int_equal(tdet_run(t, &k.p), 0);
	assert_int_equal(detect_thread_counters(t->dt)->packets_no_inspect, 1);
	tdet_free(t);
}

static void test_alert_max_and_priority(void **state)
{
	(void)state;
	const char *rules[] = {
		"alert tcp any any -> any any (msg:\"1\"; content:\"x\"; priority:3; sid:1;)",
		"alert tcp any any -> any any (msg:\"2\"; content:\"x\"; priority:1; sid:2;)",
		"alert tcp any any -> any any (msg:\"3\"; content:\"x\"; priority:2; sid:3;)", NULL };
	struct tdet *t = tdet_new(rules);
	struct tpkt k;
	tpkt_str(&k, "x");
	unsigned n = detect_packet(t->dt, &k.p, t->alerts, 2);
	t->n_alerts = n;
	assert_int_equal(n, 2);
	assert_int_equal(tdet_sid(t, 0), 2);
	assert_int_equal(tdet_sid(t, 1), 3);
	assert_int_equal(detect_thread_counters(t->dt)->alerts_over_max, 1);
	tdet_free(t);
}

static void test_empty_ruleset_and_pool_exhaustion(void **state)
{
	(void)state;
	const char *none[] = { NULL };
	struct tdet *t = tdet_new(none);
	struct tpkt k;
	tpkt_str(&k, "anything");
	assert_int_equal(tdet_run(t, &k.p), 0);
	tdet_free(t);

	/* the worker was made with 64 flowbit slots: the 65th flow's set is counted, not stored */
	const char *rules[] = {
		"alert tcp any any -> any any (msg:\"s\"; content:\"S\"; flowbits:set,x; flowbits:noalert; sid:1;)",
		"alert tcp any any -> any any (msg:\"c\"; content:\"C\"; flowbits:isset,x; sid:2;)", NULL };
	t = tdet_new(rules);
	static struct flow flows[65];
	for (int i = 0; i < 65; i++) {
		flow_init(&flows[i]);
		tpkt_str(&k, "S");
		k.p.flow = &flows[i];
		tdet_run(t, &k.p);
	}
	assert_int_equal(detect_thread_counters(t->dt)->flowbits_pool_full, 1);
	assert_int_equal(flows[64].detect_slot, 0);
	tpkt_str(&k, "C");
	k.p.flow = &flows[63];
	assert_true(tdet_fires(t, &k.p, 2));
	k.p.flow = &flows[64];
	assert_false(tdet_fires(t, &k.p, 2));
	/* releasing one flow frees a slot for another */
	detect_flow_release(t->dt, &flows[0]);
	tpkt_str(&k, "S");
	k.p.flow = &flows[64];
	tdet_run(t, &k.p);
	tpkt_str(&k, "C");
	k.p.flow = &flows[64];
	assert_true(tdet_fires(t, &k.p, 2));
	for (int i = 0; i < 65; i++)
		detect_flow_release(t->dt, &flows[i]);
	tdet_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flowbits_same_packet),
		cmocka_unit_test(test_flowbits_across_packets_noalert),
		cmocka_unit_test(test_flowbits_toggle_unset),
		cmocka_unit_test(test_threshold_types),
		cmocka_unit_test(test_pass_drop_reject),
		cmocka_unit_test(test_alert_max_and_priority),
		cmocka_unit_test(test_empty_ruleset_and_pool_exhaustion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
