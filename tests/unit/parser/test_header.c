/* unit_parser_header: rule header - actions, protocols, addresses, ports, variables. */
#include "tests/unit/parser/parser_test.h"

#define OPTS "(msg:\"t\"; sid:1;)"

static void test_actions_and_protocols(void **state)
{
	(void)state;
	static const struct { const char *text; uint8_t action, proto; bool active; } cases[] = {
		{ "alert tcp any any -> any any " OPTS, SIG_ACTION_ALERT, SIG_PROTO_TCP, true },
		{ "drop udp any any -> any any " OPTS, SIG_ACTION_DROP, SIG_PROTO_UDP, true },
		{ "reject tcp any any -> any any " OPTS, SIG_ACTION_REJECT, SIG_PROTO_TCP, true },
		{ "rejectboth tcp any any -> any any " OPTS, SIG_ACTION_REJECT, SIG_PROTO_TCP, true },
		{ "rejectsrc ip any any -> any any " OPTS, SIG_ACTION_REJECT, SIG_PROTO_IP, true },
		{ "pass icmp any any -> any any " OPTS, SIG_ACTION_PASS, SIG_PROTO_ICMP, true },
		{ "alert icmpv6 any any -> any any " OPTS, SIG_ACTION_ALERT, SIG_PROTO_ICMP, true },
		{ "alert http any any -> any any " OPTS, SIG_ACTION_ALERT, SIG_PROTO_HTTP, false },
		{ "alert http1 any any -> any any " OPTS, SIG_ACTION_ALERT, SIG_PROTO_HTTP, false },
		{ "alert tls any any -> any any " OPTS, SIG_ACTION_ALERT, SIG_PROTO_TLS, false },
		{ "alert dns any any -> any any " OPTS, SIG_ACTION_ALERT, SIG_PROTO_DNS, false },
		{ "alert smb any any -> any any " OPTS, SIG_ACTION_ALERT, SIG_PROTO_OTHER, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sig_rule r;
		parse_ok(cases[i].text, &r);
		assert_int_equal(r.action, cases[i].action);
		assert_int_equal(r.proto, cases[i].proto);
		assert_int_equal(r.active, cases[i].active);
		sig_rule_free(&r);
	}
	struct sig_rule r;
	parse_ok("alert smb any any -> any any " OPTS, &r);
	assert_string_equal(r.inactive_reason, "needs app-layer protocol smb");
	assert_string_equal(r.proto_name, "smb");
	sig_rule_free(&r);
	parse_ok("alert http any any -> any any " OPTS, &r);
	assert_string_equal(r.inactive_reason, "needs app-layer protocol http");
	sig_rule_free(&r);
	parse_ok("alert pkthdr any any -> any any " OPTS, &r);
	assert_false(r.active);
	sig_rule_free(&r);
	parse_bad("alert foo any any -> any any " OPTS, "header", "unknown protocol");
	parse_bad("block tcp any any -> any any " OPTS, "header", "unknown action");
	parse_bad("alert tcp any any <- any any " OPTS, "header", "bad direction");
	parse_bad("alert tcp any any -> any " OPTS, "header", "expected");
}

static void test_default_vars(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok("alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS " OPTS, &r);
	assert_true(addr_in(&r.src, "192.168.1.1"));
	assert_true(addr_in(&r.src, "10.200.0.1"));
	assert_true(addr_in(&r.src, "172.31.255.255"));
	assert_false(addr_in(&r.src, "172.32.0.0"));
	assert_false(addr_in(&r.src, "8.8.8.8"));
	assert_false(addr_in(&r.src, "2001:db8::1"));
	/* EXTERNAL_NET = !$HOME_NET: everything else, IPv6 included */
	assert_true(addr_in(&r.dst, "8.8.8.8"));
	assert_true(addr_in(&r.dst, "2001:db8::1"));
	assert_false(addr_in(&r.dst, "10.0.0.1"));
	assert_true(r.dst.any);
	assert_int_equal(r.dst.n_exclude, 3);
	assert_true(port_in(&r.dport, 80));
	assert_false(port_in(&r.dport, 8080));
	assert_true(r.sport.any);
	assert_int_equal(r.sport.n_include + r.sport.n_exclude, 0);
	sig_rule_free(&r);

	parse_ok("alert tcp any $SHELLCODE_PORTS -> $AIM_SERVERS $FILE_DATA_PORTS " OPTS, &r);
	assert_false(port_in(&r.sport, 80));
	assert_true(port_in(&r.sport, 81));
	assert_true(port_in(&r.dport, 80) && port_in(&r.dport, 110) && port_in(&r.dport, 143));
	assert_false(port_in(&r.dport, 111));
	assert_true(addr_in(&r.dst, "1.1.1.1")); /* AIM_SERVERS = $EXTERNAL_NET */
	sig_rule_free(&r);
}

static void test_lists_negation_cidr(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok("alert ip [10.0.0.0/8,!10.1.0.0/16] any -> ![1.2.3.4,5.6.7.0/24] any " OPTS, &r);
	assert_true(addr_in(&r.src, "10.0.0.1"));
	assert_true(addr_in(&r.src, "10.2.0.1"));
	assert_false(addr_in(&r.src, "10.1.2.3"));
	assert_false(addr_in(&r.src, "11.0.0.1"));
	assert_false(addr_in(&r.dst, "1.2.3.4"));
	assert_false(addr_in(&r.dst, "5.6.7.99"));
	assert_true(addr_in(&r.dst, "1.2.3.5"));
	assert_true(addr_in(&r.dst, "::1"));
	sig_rule_free(&r);

	/* nested lists, negated nested list, host bits cleared, netmask */
	parse_ok("alert ip [1.1.1.1,[2.2.2.0/24,![2.2.2.128/25]]] any -> 192.168.1.77/24 any " OPTS, &r);
	assert_true(addr_in(&r.src, "1.1.1.1"));
	assert_true(addr_in(&r.src, "2.2.2.5"));
	assert_false(addr_in(&r.src, "2.2.2.200"));
	assert_true(addr_in(&r.dst, "192.168.1.1"));
	assert_int_equal(r.dst.n_include, 1);
	assert_int_equal(r.dst.include[0].prefix, 24);
	assert_int_equal(r.dst.include[0].addr.u8[3], 0);
	sig_rule_free(&r);

	parse_ok("alert ip 10.0.0.0/255.255.0.0 any -> [!$HOME_NET,!8.8.8.8] any " OPTS, &r);
	assert_true(addr_in(&r.src, "10.0.9.9"));
	assert_false(addr_in(&r.src, "10.1.0.0"));
	assert_false(addr_in(&r.dst, "8.8.8.8"));
	assert_false(addr_in(&r.dst, "10.0.0.1"));
	assert_true(addr_in(&r.dst, "9.9.9.9"));
	sig_rule_free(&r);

	/* double negation: !$EXTERNAL_NET is HOME_NET again */
	parse_ok("alert ip !$EXTERNAL_NET any -> any any " OPTS, &r);
	assert_true(addr_in(&r.src, "10.0.0.1"));
	assert_false(addr_in(&r.src, "8.8.8.8"));
	sig_rule_free(&r);

	parse_bad("alert ip 10.0.0.300 any -> any any " OPTS, "header", "bad address");
	parse_bad("alert ip 10.0.0.0/33 any -> any any " OPTS, "header", "prefix");
	parse_bad("alert ip [10.0.0.0/8 any -> any any " OPTS, "header", NULL);
	parse_bad("alert ip !any any -> any any " OPTS, "header", "matches nothing");
	parse_bad("alert ip [1.1.1.1,,2.2.2.2] any -> any any " OPTS, "header", "empty element");
}

static void test_ipv6(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok("alert ip [2001:db8::/32,!2001:db8:1::/48] any <> ::1 any " OPTS, &r);
	assert_true(r.bidirectional);
	assert_true(addr_in(&r.src, "2001:db8:2::5"));
	assert_false(addr_in(&r.src, "2001:db8:1::5"));
	assert_false(addr_in(&r.src, "10.0.0.1"));
	assert_true(addr_in(&r.dst, "::1"));
	assert_false(addr_in(&r.dst, "::2"));
	assert_int_equal(r.dst.include[0].family, 6);
	assert_int_equal(r.dst.include[0].prefix, 128);
	sig_rule_free(&r);
	parse_bad("alert ip 2001:db8::/129 any -> any any " OPTS, "header", NULL);
}

static void test_ports(void **state)
{
	(void)state;
	struct sig_rule r;
	parse_ok("alert tcp any [1024:,!8080] -> any [:1023,![135:139]] " OPTS, &r);
	assert_true(port_in(&r.sport, 1024));
	assert_true(port_in(&r.sport, 65535));
	assert_false(port_in(&r.sport, 8080));
	assert_false(port_in(&r.sport, 80));
	assert_true(port_in(&r.dport, 0));
	assert_true(port_in(&r.dport, 134));
	assert_false(port_in(&r.dport, 137));
	assert_false(port_in(&r.dport, 1024));
	sig_rule_free(&r);
	parse_ok("alert tcp any !80 -> any 1:65535 " OPTS, &r);
	assert_false(port_in(&r.sport, 80));
	assert_true(port_in(&r.sport, 81));
	assert_true(r.sport.any);
	assert_int_equal(r.sport.n_exclude, 1);
	assert_false(port_in(&r.dport, 0));
	sig_rule_free(&r);
	parse_bad("alert tcp any 65536 -> any any " OPTS, "header", "bad port");
	parse_bad("alert tcp any 90:80 -> any any " OPTS, "header", "range");
	parse_bad("alert tcp any abc -> any any " OPTS, "header", "bad port");
}

static void test_variables(void **state)
{
	(void)state;
	char err[128];
	struct sig_vars *v = sig_vars_new_defaults();
	assert_int_equal(sig_vars_set(v, "HOME_NET", "[192.0.2.0/24]", err, sizeof(err)), 0);
	assert_int_equal(sig_vars_set(v, "$MY_PORTS", "[$HTTP_PORTS,8000:8100]", err, sizeof(err)), 0);
	assert_int_equal(sig_vars_set(v, "LOOP_A", "$LOOP_B", err, sizeof(err)), 0);
	assert_int_equal(sig_vars_set(v, "LOOP_B", "[1.1.1.1,$LOOP_A]", err, sizeof(err)), 0);
	assert_int_not_equal(sig_vars_set(v, "BAD", "[1.1.1.1", err, sizeof(err)), 0);
	assert_int_not_equal(sig_vars_set(v, "bad name", "1.1.1.1", err, sizeof(err)), 0);
	struct sig_load_options opt = { .vars = v };
	struct sig_rule r;
	struct sig_load_error e;
	assert_int_equal(sig_parse_rule("alert tcp $EXTERNAL_NET any -> $HOME_NET $MY_PORTS " OPTS, &opt, NULL,
					&r, &e), 0);
	/* the override also moves EXTERNAL_NET, which refers to it */
	assert_true(addr_in(&r.dst, "192.0.2.9"));
	assert_false(addr_in(&r.dst, "10.0.0.1"));
	assert_true(addr_in(&r.src, "10.0.0.1"));
	assert_false(addr_in(&r.src, "192.0.2.9"));
	assert_true(port_in(&r.dport, 80) && port_in(&r.dport, 8050));
	sig_rule_free(&r);
	assert_int_equal(sig_parse_rule("alert tcp $NOPE any -> any any " OPTS, &opt, NULL, &r, &e), -1);
	assert_string_equal(e.keyword, "header");
	assert_non_null(strstr(e.reason, "unknown variable '$NOPE'"));
	sig_load_error_free(&e);
	assert_int_equal(sig_parse_rule("alert tcp $LOOP_A any -> any any " OPTS, &opt, NULL, &r, &e), -1);
	assert_non_null(strstr(e.reason, "loop"));
	sig_load_error_free(&e);
	sig_vars_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_actions_and_protocols),
		cmocka_unit_test(test_default_vars),
		cmocka_unit_test(test_lists_negation_cidr),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_variables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
