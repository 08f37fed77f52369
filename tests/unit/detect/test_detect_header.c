/*
 * unit_detect_header - protocols, address and port sets (with negation and
 * <>), flow keyword, packet keywords, inactive rules, port groups.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/detect/detect_test_util.h"

static bool fires(const char *rule, struct tpkt *k)
{
	const char *rules[] = { rule, NULL };
	struct tdet *t = tdet_new(rules);
	bool r = tdet_run(t, &k->p) == 1;
	tdet_free(t);
	return r;
}

static void test_protocols(void **state)
{
	(void)state;
	struct tpkt tcp, udp, icmp;
	tpkt_tcp(&tcp, "10.0.0.1", 1000, "10.0.0.2", 80, "hi", 2);
	tpkt_udp(&udp, "10.0.0.1", 1000, "10.0.0.2", 53, "hi", 2);
	tpkt_icmp(&icmp, "10.0.0.1", "10.0.0.2", 8, 0, "hi", 2);
	const char *t = "alert tcp any any -> any any (msg:\"t\"; content:\"hi\"; sid:1;)";
	const char *u = "alert udp any any -> any any (msg:\"t\"; content:\"hi\"; sid:1;)";
	const char *i = "alert icmp any any -> any any (msg:\"t\"; content:\"hi\"; sid:1;)";
	const char *ip = "alert ip any any -> any any (msg:\"t\"; content:\"hi\"; sid:1;)";
	assert_true(fires(t, &tcp));
	assert_false(fires(t, &udp));
	assert_true(fires(u, &udp));
	assert_false(fires(u, &icmp));
	assert_true(fires(i, &icmp));
	assert_false(fires(i, &tcp));
	assert_true(fires(ip, &tcp));
	assert_true(fires(ip, &udp));
	assert_true(fires(ip, &icmp));
}

static void test_ports(void **state)
{
	(void)state;
	struct tpkt k;
	tpkt_tcp(&k, "10.0.0.1", 1000, "10.0.0.2", 80, "hi", 2);
	assert_true(fires("alert tcp any any -> any 80 (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_false(fires("alert tcp any any -> any 81 (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_true(fires("alert tcp any any -> any [80,8080] (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_true(fires("alert tcp any any -> any 1:100 (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_false(fires("alert tcp any any -> any !80 (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_true(fires("alert tcp any any -> any !81 (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_false(fires("alert tcp any any -> any [1:100,!80] (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_true(fires("alert tcp any 1000 -> any any (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_false(fires("alert tcp any 999 -> any any (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	/* ports are ignored for ip rules */
	assert_true(fires("alert ip any 5 -> any 6 (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
}

static void test_addresses(void **state)
{
	(void)state;
	struct tpkt k;
	tpkt_tcp(&k, "10.0.0.1", 1000, "192.168.1.9", 80, "hi", 2);
	assert_true(fires("alert tcp 10.0.0.0/8 any -> 192.168.1.0/24 any (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_false(fires("alert tcp 10.0.0.0/8 any -> 192.168.2.0/24 any (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_false(fires("alert tcp !10.0.0.0/8 any -> any any (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_true(fires("alert tcp [10.0.0.0/8,!10.1.0.0/16] any -> any any (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_false(fires("alert tcp [10.0.0.0/8,!10.0.0.0/24] any -> any any (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	/* <> matches the reverse direction too */
	assert_false(fires("alert tcp 192.168.1.9 80 -> 10.0.0.1 1000 (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	assert_true(fires("alert tcp 192.168.1.9 80 <> 10.0.0.1 1000 (msg:\"t\"; content:\"hi\"; sid:1;)", &k));
	struct tpkt v6;
	tpkt_tcp(&v6, "2001:db8::1", 1000, "2001:db8::2", 80, "hi", 2);
	assert_true(fires("alert tcp 2001:db8::/32 any -> any any (msg:\"t\"; content:\"hi\"; sid:1;)", &v6));
	assert_false(fires("alert tcp 10.0.0.0/8 any -> any any (msg:\"t\"; content:\"hi\"; sid:1;)", &v6));
}

static void test_flow_keyword(void **state)
{
	(void)state;
	struct tpkt k;
	struct flow f;
	memset(&f, 0, sizeof(f));
	f.flow_id = 1;
	tpkt_tcp(&k, "10.0.0.1", 1000, "10.0.0.2", 80, "hi", 2);
	const char *est = "alert tcp any any -> any any (msg:\"t\"; flow:established,to_server; content:\"hi\"; sid:1;)";
	assert_false(fires(est, &k)); /* no flow: never established */
	k.p.flow = &f;
	k.p.to_server = 1;
	assert_false(fires(est, &k));
	f.flags |= FLOW_ESTABLISHED;
	assert_true(fires(est, &k));
	k.p.to_server = 0;
	assert_false(fires(est, &k));
	assert_true(fires("alert tcp any any -> any any (msg:\"t\"; flow:to_client; content:\"hi\"; sid:1;)", &k));
	f.flags = 0;
	assert_true(fires("alert tcp any any -> any any (msg:\"t\"; flow:not_established; content:\"hi\"; sid:1;)", &k));
	assert_true(fires("alert tcp any any -> any any (msg:\"t\"; flow:stateless; content:\"hi\"; sid:1;)", &k));
}

static void test_packet_keywords(void **state)
{
	(void)state;
	struct tpkt k;
	tpkt_tcp(&k, "10.0.0.1", 1000, "10.0.0.2", 80, "hello", 5);
	k.p.tcp_flags = TCP_FLAG_SYN;
	assert_true(fires("alert tcp any any -> any any (msg:\"t\"; dsize:5; sid:1;)", &k));
	assert_false(fires("alert tcp any any -> any any (msg:\"t\"; dsize:>5; sid:1;)", &k));
	assert_true(fires("alert tcp any any -> any any (msg:\"t\"; dsize:4<>6; sid:1;)", &k));
	assert_true(fires("alert tcp any any -> any any (msg:\"t\"; flags:S; sid:1;)", &k));
	assert_false(fires("alert tcp any any -> any any (msg:\"t\"; flags:SA; sid:1;)", &k));
	k.p.tcp_flags = TCP_FLAG_SYN | TCP_FLAG_ACK;
	assert_false(fires("alert tcp any any -> any any (msg:\"t\"; flags:S; sid:1;)", &k));
	assert_true(fires("alert tcp any any -> any any (msg:\"t\"; flags:S+; sid:1;)", &k));
	assert_true(fires("alert tcp any any -> any any (msg:\"t\"; flags:SA; sid:1;)", &k));
	assert_true(fires("alert tcp any any -> any any (msg:\"t\"; ttl:64; sid:1;)", &k));
	assert_false(fires("alert tcp any any -> any any (msg:\"t\"; ttl:<64; sid:1;)", &k));
	assert_true(fires("alert ip any any -> any any (msg:\"t\"; ip_proto:6; sid:1;)", &k));
	assert_false(fires("alert ip any any -> any any (msg:\"t\"; ip_proto:17; sid:1;)", &k));
	assert_false(fires("alert ip any any -> any any (msg:\"t\"; sameip; sid:1;)", &k));
	struct tpkt same;
	tpkt_tcp(&same, "10.0.0.7", 1, "10.0.0.7", 2, "x", 1);
	assert_true(fires("alert ip any any -> any any (msg:\"t\"; sameip; sid:1;)", &same));
	struct tpkt ic;
	tpkt_icmp(&ic, "10.0.0.1", "10.0.0.2", 3, 1, "x", 1);
	assert_true(fires("alert icmp any any -> any any (msg:\"t\"; itype:3; icode:1; sid:1;)", &ic));
	assert_false(fires("alert icmp any any -> any any (msg:\"t\"; itype:8; sid:1;)", &ic));
	assert_false(fires("alert icmp any any -> any any (msg:\"t\"; itype:3; icode:>1; sid:1;)", &ic));
	/* itype on a tcp packet never matches */
	assert_false(fires("alert ip any any -> any any (msg:\"t\"; itype:0; sid:1;)", &k));
}

static void test_more_packet_keywords(void **state)
{
	(void)state;
	struct tpkt k;
	tpkt_tcp(&k, "10.0.0.1", 1000, "10.0.0.2", 80, "x", 1);
	k.p.tcp_seq = 1000;
	k.p.tcp_ack = 2000;
	k.p.tcp_win = 512;
	k.p.ip_id = 77;
	k.data[1] = 0x10;  /* tos */
	k.data[6] = 0x40;  /* DF */
	assert_true(fires("alert tcp any any -> any any (msg:\"t\"; seq:1000; ack:2000; window:512; sid:1;)", &k));
	assert_false(fires("alert tcp any any -> any any (msg:\"t\"; seq:1001; sid:1;)", &k));
	assert_false(fires("alert tcp any any -> any any (msg:\"t\"; window:!512; sid:1;)", &k));
	assert_true(fires("alert ip any any -> any any (msg:\"t\"; id:77; sid:1;)", &k));
	assert_true(fires("alert ip any any -> any any (msg:\"t\"; tos:16; sid:1;)", &k));
	assert_false(fires("alert ip any any -> any any (msg:\"t\"; tos:8; sid:1;)", &k));
	assert_true(fires("alert ip any any -> any any (msg:\"t\"; fragbits:D; sid:1;)", &k));
	assert_false(fires("alert ip any any -> any any (msg:\"t\"; fragbits:M; sid:1;)", &k));
	assert_true(fires("alert ip any any -> any any (msg:\"t\"; fragoffset:0; sid:1;)", &k));
	struct tpkt ic;
	tpkt_icmp(&ic, "10.0.0.1", "10.0.0.2", 8, 0, "x", 1);
	ic.data[24] = 0x12; ic.data[25] = 0x34; /* id */
	ic.data[26] = 0x00; ic.data[27] = 0x05; /* seq */
	assert_true(fires("alert icmp any any -> any any (msg:\"t\"; icmp_id:4660; icmp_seq:5; sid:1;)", &ic));
	assert_false(fires("alert icmp any any -> any any (msg:\"t\"; icmp_seq:6; sid:1;)", &ic));
	ic.p.icmp_type = 3; /* unreachable: no id / seq fields */
	assert_false(fires("alert icmp any any -> any any (msg:\"t\"; icmp_id:4660; sid:1;)", &ic));
}

static void test_ipopts(void **state)
{
	(void)state;
	/* the decoder's record of IPv4 options seen (packet.ipv4_opts) decides */
	struct tpkt k;
	tpkt_tcp(&k, "10.0.0.1", 1000, "10.0.0.2", 80, "hi", 2);
	const char *rr = "alert ip any any -> any any (msg:\"t\"; ipopts:rr; sid:1;)";
	const char *eol = "alert ip any any -> any any (msg:\"t\"; ipopts:eol; sid:1;)";
	const char *satid = "alert ip any any -> any any (msg:\"t\"; ipopts:satid; sid:1;)";
	const char *any = "alert ip any any -> any any (msg:\"t\"; ipopts:any; sid:1;)";
	assert_false(fires(rr, &k));
	assert_false(fires(any, &k));
	k.p.ipv4_opts = PKT_IPV4_OPT_RR | PKT_IPV4_OPT_EOL;
	assert_true(fires(rr, &k));
	assert_true(fires(eol, &k));
	assert_true(fires(any, &k));
	assert_false(fires(satid, &k));
	assert_false(fires("alert ip any any -> any any (msg:\"t\"; ipopts:lsrr; sid:1;)", &k));
	k.p.ipv4_opts = PKT_IPV4_OPT_SID;
	assert_true(fires(satid, &k));
	assert_false(fires(rr, &k));
	/* IPv4 only */
	struct tpkt v6;
	tpkt_tcp(&v6, "2001:db8::1", 1000, "2001:db8::2", 80, "hi", 2);
	v6.p.ipv4_opts = PKT_IPV4_OPT_RR;
	assert_false(fires(rr, &v6));
	assert_false(fires(any, &v6));
}

static void test_inactive_never_matches(void **state)
{
	(void)state;
	const char *rules[] = { "alert tcp any any -> any any (msg:\"a\"; content:\"hi\"; sid:1;)",
				"alert tcp any any -> any any (msg:\"b\"; content:\"hi\"; sid:2;)", NULL };
	struct tdet *t = tdet_new_inactive(rules, 0);
	assert_int_equal(t->st.n_rules, 1);
	struct tpkt k;
	tpkt_str(&k, "hi");
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 2);
	tdet_free(t);
}

static void test_port_groups(void **state)
{
	(void)state;
	/* any-port, dport and sport groups: a packet sees exactly its own */
	const char *rules[] = { "alert tcp any any -> any any (msg:\"a\"; content:\"x\"; sid:1;)",
				"alert tcp any any -> any 80 (msg:\"b\"; content:\"x\"; sid:2;)",
				"alert tcp any any -> any [80,443] (msg:\"c\"; content:\"x\"; sid:3;)",
				"alert tcp any 53 -> any any (msg:\"d\"; content:\"x\"; sid:4;)",
				"alert udp any any -> any 80 (msg:\"e\"; content:\"x\"; sid:5;)", NULL };
	struct tdet *t = tdet_new(rules);
	struct tpkt k;
	tpkt_tcp(&k, "10.0.0.1", 53, "10.0.0.2", 80, "x", 1);
	assert_int_equal(tdet_run(t, &k.p), 4);
	assert_true(detect_thread_counters(t->dt)->scans <= 3);
	tpkt_tcp(&k, "10.0.0.1", 1000, "10.0.0.2", 443, "x", 1);
	assert_int_equal(tdet_run(t, &k.p), 2);
	assert_true(tdet_fires(t, &k.p, 3));
	tpkt_udp(&k, "10.0.0.1", 1000, "10.0.0.2", 80, "x", 1);
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 5);
	tdet_free(t);
}

static void test_address_gate(void **state)
{
	(void)state;
	/* IP reputation rules (no content) are looked up by address, not verified for every packet */
	const char *rules[] = {
		"alert ip [1.2.3.4,5.6.7.0/24,2001:db8::/32] any -> any any (msg:\"rep src\"; sid:1;)",
		"alert ip any any -> [9.9.9.9] any (msg:\"rep dst\"; sid:2;)",
		"alert ip [10.0.0.0/8,!10.1.0.0/16] any -> any any (msg:\"excl\"; sid:3;)", NULL };
	struct tdet *t = tdet_new(rules);
	assert_true(t->st.n_gated_rules >= 3);
	struct tpkt k;
	tpkt_udp(&k, "1.2.3.4", 1, "8.8.8.8", 53, "q", 1);
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 1);
	tpkt_tcp(&k, "5.6.7.200", 1, "8.8.8.8", 53, NULL, 0);
	assert_true(tdet_fires(t, &k.p, 1));
	uint64_t before = detect_thread_counters(t->dt)->candidates;
	tpkt_udp(&k, "5.6.8.1", 1, "8.8.4.4", 53, "q", 1);
	assert_int_equal(tdet_run(t, &k.p), 0);
	assert_int_equal(detect_thread_counters(t->dt)->candidates, before); /* not even a candidate */
	tpkt_icmp(&k, "172.16.0.1", "9.9.9.9", 8, 0, NULL, 0);
	assert_int_equal(tdet_run(t, &k.p), 1);
	assert_int_equal(tdet_sid(t, 0), 2);
	tpkt_udp(&k, "2001:db8::5", 1, "2001:db9::1", 53, "q", 1);
	assert_true(tdet_fires(t, &k.p, 1));
	tpkt_udp(&k, "10.2.0.1", 1, "8.8.4.4", 53, "q", 1);
	assert_true(tdet_fires(t, &k.p, 3));
	tpkt_udp(&k, "10.1.0.1", 1, "8.8.4.4", 53, "q", 1); /* gate hit, excluded by verification */
	assert_int_equal(tdet_run(t, &k.p), 0);
	tdet_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_flow_keyword),
		cmocka_unit_test(test_packet_keywords),
		cmocka_unit_test(test_more_packet_keywords),
		cmocka_unit_test(test_ipopts),
		cmocka_unit_test(test_inactive_never_matches),
		cmocka_unit_test(test_port_groups),
		cmocka_unit_test(test_address_gate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
