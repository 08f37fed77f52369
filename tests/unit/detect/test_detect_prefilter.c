/*
 * unit_detect_prefilter - how candidate rules are found without verifying
 * every rule: regex prefilters for pcre-only rules, the dsize gate, packet
 * facts (sameip, tcp flags, payload), protocol narrowing of ip rules, address
 * and port placement of <> rules, fast-pattern choice. Each test checks the
 * alerts AND that a packet which cannot match does not even become a
 * candidate (the detect_counters candidates count stays put).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/detect/detect_test_util.h"

static uint64_t candidates(const struct tdet *t)
{
	return detect_thread_counters(t->dt)->candidates;
}

/* Runs p; asserts it raised no alert and was not verified against any rule. */
static void assert_not_candidate(struct tdet *t, struct tpkt *k)
{
	uint64_t before = candidates(t);
	assert_int_equal(tdet_run(t, &k->p), 0);
	assert_int_equal(candidates(t), before);
}

static void test_regex_prefilter(void **state)
{
	(void)state;
	const char *rules[] = {
		"alert ip any any -> any any (msg:\"ssn\"; pcre:\"/ \\d{3}-\\d{2}-\\d{4} /\"; sid:1;)",
		"alert tcp any any -> any any (msg:\"nocase\"; pcre:\"/secret=[a-z]+&/i\"; sid:2;)",
		"alert tcp any any -> any any (msg:\"negated\"; pcre:!\"/^GET /\"; flags:U+; sid:3;)",
		NULL };
	struct tdet *t = tdet_new(rules);
	assert_int_equal(t->st.n_regex_prefilter_rules, 2);
	struct tpkt k;
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, "id 123-45-6789 ok", 17);
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 1);
	tpkt_str(&k, "x SECRET=abc& y");
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 2);
	tpkt_str(&k, "GET /index.html 123-45-678");
	assert_not_candidate(t, &k);
	/* the negated pcre rule is still verified (always list) */
	static char big[1000];
	memset(big, 'a', sizeof(big));
	tpkt_tcp(&k, "10.0.0.1", 1, "10.0.0.2", 80, big, sizeof(big));
	k.p.tcp_flags |= TCP_FLAG_URG;
	assert_true(tdet_fires(t, &k.p, 3));
	tdet_free(t);
}

static void test_dsize_gate(void **state)
{
	(void)state;
	const char *rules[] = {
		"alert udp any any -> any any (msg:\"zeros\"; dsize:4; content:\"|00 00 00 00|\"; sid:1;)",
		"alert tcp any any -> any any (msg:\"short\"; dsize:<3; sid:2;)",
		"alert udp any any -> any any (msg:\"range\"; dsize:10<>13; content:\"ab\"; sid:3;)", NULL };
	struct tdet *t = tdet_new(rules);
	assert_int_equal(t->st.n_dsize_gated_rules, 3);
	struct tpkt k;
	static const uint8_t zeros[64];
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, zeros, 4);
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 1);
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, zeros, 64);
	assert_not_candidate(t, &k);
	tpkt_tcp(&k, "10.0.0.1", 1, "10.0.0.2", 2, NULL, 0);
	assert_true(tdet_fires(t, &k.p, 2));
	tpkt_tcp(&k, "10.0.0.1", 1, "10.0.0.2", 2, "ab", 2);
	assert_true(tdet_fires(t, &k.p, 2));
	tpkt_tcp(&k, "10.0.0.1", 1, "10.0.0.2", 2, "abc", 3);
	assert_not_candidate(t, &k);
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, "xxxxxxxxab", 10); /* 10<>13 is exclusive */
	assert_not_candidate(t, &k);
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, "xxxxxxxxxab", 11);
	assert_true(tdet_fires(t, &k.p, 3));
	tdet_free(t);
}

static void test_packet_facts(void **state)
{
	(void)state;
	const char *rules[] = {
		"alert ip any any -> any any (msg:\"same\"; sameip; sid:1;)",
		"alert tcp any any -> any any (msg:\"syn fin\"; flags:SF; sid:2;)",
		"alert tcp any any -> any any (msg:\"urg+\"; flags:U+; sid:3;)",
		"alert tcp any any -> any any (msg:\"not syn\"; flags:!S; dsize:>5; sid:4;)",
		"alert udp any any -> any any (msg:\"payload\"; dsize:>2000; sid:5;)", NULL };
	struct tdet *t = tdet_new(rules);
	struct tpkt k;
	tpkt_udp(&k, "10.9.9.9", 1, "10.9.9.9", 2, "x", 1);
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 1);
	tpkt_udp(&k, "10.9.9.9", 1, "10.9.9.8", 2, NULL, 0); /* not same, and no payload for dsize:>2000 */
	assert_not_candidate(t, &k);
	tpkt_tcp(&k, "10.0.0.1", 1, "10.0.0.2", 2, NULL, 0);
	k.p.tcp_flags = TCP_FLAG_SYN | TCP_FLAG_FIN;
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 2);
	k.p.tcp_flags = TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_URG;
	assert_int_equal(tdet_run(t, &k.p), 1); /* SF is exact: only U+ fires */
	assert_int_equal(tdet_sid(t, 0), 3);
	k.p.tcp_flags = TCP_FLAG_SYN;
	assert_not_candidate(t, &k);
	tpkt_tcp(&k, "10.0.0.1", 1, "10.0.0.2", 2, "123456", 6);
	k.p.tcp_flags = TCP_FLAG_ACK;
	assert_true(tdet_fires(t, &k.p, 4));
	tdet_free(t);
}

static void test_ip_rule_narrowing(void **state)
{
	(void)state;
	const char *rules[] = {
		"alert ip any any -> any any (msg:\"udp only\"; ip_proto:17; sid:1;)",
		"alert ip any any -> any any (msg:\"icmp only\"; itype:8; sid:2;)",
		"alert ip any any -> any any (msg:\"not tcp\"; ip_proto:!6; sid:3;)", NULL };
	struct tdet *t = tdet_new(rules);
	struct tpkt k;
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, "x", 1);
	assert_int_equal(tdet_run(t, &k.p), 2);
	assert_true(tdet_fires(t, &k.p, 1));
	tpkt_icmp(&k, "10.0.0.1", "10.0.0.2", 8, 0, NULL, 0);
	assert_int_equal(tdet_run(t, &k.p), 2);
	assert_true(tdet_fires(t, &k.p, 2));
	assert_true(tdet_fires(t, &k.p, 3));
	/* a TCP packet only meets the negated ip_proto rule, which fails */
	tpkt_tcp(&k, "10.0.0.1", 1, "10.0.0.2", 2, "x", 1);
	uint64_t before = candidates(t);
	assert_int_equal(tdet_run(t, &k.p), 0);
	assert_int_equal(candidates(t), before + 1);
	tdet_free(t);
}

static void test_bidirectional_placement(void **state)
{
	(void)state;
	const char *rules[] = {
		"alert ip any any <> 127.0.0.0/8 any (msg:\"loopback\"; sid:1;)",
		"alert tcp any any <> any 179 (msg:\"bgp\"; sid:2;)",
		"alert tcp any 7000 <> any any (msg:\"sport side\"; content:\"zz\"; sid:3;)", NULL };
	struct tdet *t = tdet_new(rules);
	struct tpkt k;
	tpkt_udp(&k, "127.0.0.1", 1, "10.0.0.2", 2, "x", 1);
	assert_true(tdet_fires(t, &k.p, 1));
	tpkt_udp(&k, "10.0.0.2", 1, "127.0.0.5", 2, "x", 1);
	assert_true(tdet_fires(t, &k.p, 1));
	tpkt_udp(&k, "10.0.0.2", 1, "10.0.0.3", 2, "x", 1);
	assert_not_candidate(t, &k);
	tpkt_tcp(&k, "10.0.0.1", 179, "10.0.0.2", 5000, "x", 1);
	assert_true(tdet_fires(t, &k.p, 2));
	tpkt_tcp(&k, "10.0.0.1", 5000, "10.0.0.2", 179, "x", 1);
	assert_true(tdet_fires(t, &k.p, 2));
	tpkt_tcp(&k, "10.0.0.1", 5000, "10.0.0.2", 180, "zz", 2);
	assert_not_candidate(t, &k);
	tpkt_tcp(&k, "10.0.0.1", 5000, "10.0.0.2", 7000, "zz", 2);
	assert_true(tdet_fires(t, &k.p, 3));
	tpkt_tcp(&k, "10.0.0.1", 7000, "10.0.0.2", 5000, "zz", 2);
	assert_true(tdet_fires(t, &k.p, 3));
	tdet_free(t);
}

static void test_fast_pattern_avoids_byte_runs(void **state)
{
	(void)state;
	/* the longest content is a zero run; the diverse one is the fast pattern */
	const char *rules[] = {
		"alert udp any any -> any any (msg:\"x\"; content:\"|00 00 00 00 00 00|\"; "
		"content:\"|02 05 21|\"; distance:0; sid:1;)", NULL };
	struct tdet *t = tdet_new(rules);
	struct tpkt k;
	static const uint8_t zeros[200];
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, zeros, sizeof(zeros));
	assert_not_candidate(t, &k);
	static const uint8_t both[] = { 0, 0, 0, 0, 0, 0, 9, 2, 5, 0x21 };
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, both, sizeof(both));
	assert_true(tdet_fires(t, &k.p, 1));
	static const uint8_t swapped[] = { 2, 5, 0x21, 0, 0, 0, 0, 0, 0 };
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, swapped, sizeof(swapped));
	assert_int_equal(tdet_run(t, &k.p), 0); /* a candidate, refused by verification */
	tdet_free(t);
}

static void test_zero_run_near_start_is_verified(void **state)
{
	(void)state;
	/* "|00 00|"; depth:2 would hit every zero-padded payload in Hyperscan: checked directly instead */
	const char *rules[] = {
		"alert udp any any -> any any (msg:\"socks\"; content:\"|00 00|\"; depth:2; "
		"content:\"|01|\"; offset:3; depth:1; sid:1;)", NULL };
	struct tdet *t = tdet_new(rules);
	assert_int_equal(t->st.n_prefilter_rules, 0);
	struct tpkt k;
	static const uint8_t hit[] = { 0, 0, 7, 1, 9 }, miss[] = { 0, 1, 7, 1, 9 }, late[] = { 0, 0, 7, 2, 1 };
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, hit, sizeof(hit));
	assert_true(tdet_fires(t, &k.p, 1));
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, miss, sizeof(miss));
	assert_int_equal(tdet_run(t, &k.p), 0);
	tpkt_udp(&k, "10.0.0.1", 1, "10.0.0.2", 2, late, sizeof(late));
	assert_int_equal(tdet_run(t, &k.p), 0);
	tdet_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regex_prefilter),
		cmocka_unit_test(test_dsize_gate),
		cmocka_unit_test(test_packet_facts),
		cmocka_unit_test(test_ip_rule_narrowing),
		cmocka_unit_test(test_bidirectional_placement),
		cmocka_unit_test(test_fast_pattern_avoids_byte_runs),
		cmocka_unit_test(test_zero_run_near_start_is_verified),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
