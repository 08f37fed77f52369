/*
 * test_policy_build.c - compiling firewall policies: what a user writes
 * (lists, ranges, negation, variables, @sets) builds, and every mistake is
 * reported naming the rule and the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "signatures/parser/sig_parser.h"
#include "tests/unit/policy/policy_test_util.h"

#define HDR "firewall:\n  zones: { outside: [bridge-a], inside: [bridge-b] }\n" \
	    "  address-sets: { mgmt: [\"10.255.0.0/16\", \"fd00:ff::/32\"] }\n  rules:\n"

/* The build must fail with a message containing every needle. */
static void expect_error(const char *yaml, const char *needle1, const char *needle2)
{
	struct engine_config cfg;
	char err[512] = "";
	struct fw_policy *pol = policy_from_yaml(&cfg, yaml, err, sizeof(err));

	if (pol)
		fail_msg("policy built, expected an error with '%s'", needle1);
	if (!strstr(err, needle1) || (needle2 && !strstr(err, needle2)))
		fail_msg("error '%s' lacks '%s' / '%s'", err, needle1, needle2 ? needle2 : "");
	engine_config_free(&cfg);
}

static void test_errors_name_rule_and_key(void **state)
{
	(void)state;
	expect_error(HDR "    - { name: a, action: allow }\n"
			 "    - { name: to-dmz, ingress: dmz, action: deny }\n",
		     "firewall.rules[1] (to-dmz): ingress: unknown zone 'dmz'", NULL);
	expect_error(HDR "    - { name: bad-dst, dst: 10.0.0.300, action: deny }\n",
		     "firewall.rules[0] (bad-dst): dst: ", "(line 5)");
	expect_error(HDR "    - { name: novar, src: $NOPE_NET, action: deny }\n",
		     "firewall.rules[0] (novar): src: ", "NOPE_NET");
	expect_error(HDR "    - { name: noset, src: \"@nope\", action: deny }\n",
		     "firewall.rules[0] (noset): src: unknown address set '@nope'", NULL);
	expect_error(HDR "    - { name: mixed, src: [\"@mgmt\", 10.0.0.0/8], action: deny }\n",
		     "firewall.rules[0] (mixed): src: an @set must be the whole value", NULL);
	expect_error(HDR "    - { name: icmp-port, proto: icmp, dst-port: 80, action: deny }\n",
		     "firewall.rules[0] (icmp-port): dst-port: ports need proto tcp, udp or sctp", NULL);
	expect_error(HDR "    - { name: badport, proto: tcp, dst-port: [70000], action: deny }\n",
		     "firewall.rules[0] (badport): dst-port: ", NULL);
	expect_error(HDR "    - { proto: tcp, dst: \"!any\", action: deny }\n",
		     "firewall.rules[0] (rule-0): dst: ", NULL);
	expect_error("firewall:\n  address-sets: { bad: [\"10.0.0.0/33\"] }\n",
		     "firewall.address-sets.bad: ", NULL);
}

static void test_builds_lists_ranges_negation(void **state)
{
	struct engine_config cfg;
	char err[512] = "";
	struct fw_policy *pol;

	(void)state;
	/* 2 blocks x 3 port ranges; IPv4 only (the destinations are IPv4) */
	pol = policy_from_yaml(&cfg, HDR "    - { name: web, proto: tcp, dst: [10.0.0.0/8, 192.168.0.0/16],"
				   " dst-port: [80, 443, 8000-8100], action: allow }\n",
			       err, sizeof(err));
	assert_non_null(pol);
	assert_int_equal(fw_policy_rule_count(pol), 1);
	assert_int_equal(fw_policy_acl_rule_count(pol), 6);
	assert_string_equal(fw_policy_rule_name(pol, 0), "web");
	assert_int_equal(fw_policy_rule_action(pol, 0), FW_ACTION_ALLOW);
	assert_string_equal(fw_policy_rule_name(pol, FW_RULE_DEFAULT), "default");
	fw_policy_free(pol);
	engine_config_free(&cfg);

	/* "!10.0.0.0/8": the rest of IPv4 is 8 blocks, plus all of IPv6 */
	pol = policy_from_yaml(&cfg, HDR "    - { name: not-ten, dst: \"!10.0.0.0/8\", action: deny }\n",
			       err, sizeof(err));
	assert_non_null(pol);
	assert_int_equal(fw_policy_acl_rule_count(pol), 9);
	fw_policy_free(pol);
	engine_config_free(&cfg);

	/* negated ports: tcp not 0-1023 is one range */
	pol = policy_from_yaml(&cfg, HDR "    - { name: high, proto: tcp, src: 10.0.0.0/8, dst-port: \"!0:1023\","
				   " action: allow }\n", err, sizeof(err));
	assert_non_null(pol);
	assert_int_equal(fw_policy_acl_rule_count(pol), 1);
	fw_policy_free(pol);
	engine_config_free(&cfg);
}

static void test_variables_from_config_and_caller(void **state)
{
	static const char yaml[] =
		"vars:\n  address-groups:\n    HOME_NET: \"[192.168.50.0/24]\"\n"
		"firewall:\n  rules:\n    - { name: in, dst: $HOME_NET, proto: tcp, dst-port: 22, action: deny }\n"
		"    - { name: out, src: $HOME_NET, dst: $EXTERNAL_NET, action: allow }\n";
	struct engine_config cfg;
	char err[512] = "";
	struct fw_policy *pol = policy_from_yaml(&cfg, yaml, err, sizeof(err));
	struct packet p;

	(void)state;
	assert_non_null(pol);
	p = policy_test_packet(0, 6, "1.2.3.4", 999, "192.168.50.7", 22);
	assert_int_equal(policy_test_classify(pol, &p), 0);
	p = policy_test_packet(0, 6, "1.2.3.4", 999, "192.168.51.7", 22);
	assert_int_equal(policy_test_classify(pol, &p), FW_RULE_DEFAULT);
	/* EXTERNAL_NET is !$HOME_NET: out to 192.168.51.7 allowed, to .50.x not */
	p = policy_test_packet(0, 17, "192.168.50.7", 999, "192.168.51.7", 53);
	assert_int_equal(policy_test_classify(pol, &p), 1);
	p = policy_test_packet(0, 17, "192.168.50.7", 999, "192.168.50.8", 53);
	assert_int_equal(policy_test_classify(pol, &p), FW_RULE_DEFAULT);
	fw_policy_free(pol);

	/* the caller's table (defaults + file + --var) wins over cfg's vars */
	struct sig_vars *vars = sig_vars_new_defaults();
	assert_non_null(vars);
	assert_int_equal(sig_vars_set(vars, "HOME_NET", "[10.9.0.0/16]", err, sizeof(err)), 0);
	pol = fw_policy_build(&cfg, vars, err, sizeof(err));
	assert_non_null(pol);
	p = policy_test_packet(0, 6, "1.2.3.4", 999, "10.9.1.1", 22);
	assert_int_equal(policy_test_classify(pol, &p), 0);
	p = policy_test_packet(0, 6, "1.2.3.4", 999, "192.168.50.7", 22);
	assert_int_equal(policy_test_classify(pol, &p), FW_RULE_DEFAULT);
	fw_policy_free(pol);
	sig_vars_free(vars);
	engine_config_free(&cfg);
}

static void test_empty_firewall_section_builds(void **state)
{
	struct engine_config cfg;
	char err[512] = "";
	struct fw_policy *pol = policy_from_yaml(&cfg, "firewall:\n  default-action: reject\n", err,
						 sizeof(err));
	struct packet p = policy_test_packet(0, 6, "1.2.3.4", 1, "5.6.7.8", 2);

	(void)state;
	assert_non_null(pol);
	assert_int_equal(fw_policy_rule_count(pol), 0);
	assert_int_equal(policy_test_classify(pol, &p), FW_RULE_DEFAULT);
	assert_int_equal(fw_policy_rule_action(pol, FW_RULE_DEFAULT), FW_ACTION_REJECT);
	assert_false(fw_policy_rule_log(pol, FW_RULE_DEFAULT));
	fw_policy_free(pol);
	engine_config_free(&cfg);

	/* no firewall section: nothing to build */
	engine_config_init(&cfg);
	assert_null(fw_policy_build(&cfg, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "no firewall section"));
	engine_config_free(&cfg);
}

static void test_bundled_default_policy(void **state)
{
	static const char path[] = RAMPART_SOURCE_ROOT "/signatures/firewall/default-policy.yaml";
	struct engine_config cfg;
	struct sig_vars *vars = sig_vars_new_defaults();
	char err[512] = "";
	struct fw_policy *pol;
	struct packet p;
	uint32_t id;

	(void)state;
	engine_config_init(&cfg);
	assert_int_equal(engine_config_load(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(sig_vars_set(vars, "HOME_NET", "[192.168.50.2/32]", err, sizeof(err)), 0);
	pol = fw_policy_build(&cfg, vars, err, sizeof(err));
	if (!pol)
		fail_msg("%s", err);
	assert_int_equal(fw_policy_rule_action(pol, FW_RULE_DEFAULT), FW_ACTION_ALLOW);
	assert_int_equal(fw_policy_bind_port(pol, 0, "veth-a", 0), 0);
	assert_int_equal(fw_policy_bind_port(pol, 1, "veth-b", 1), 0);
	/* inbound SMB to the protected host: denied and logged */
	p = policy_test_packet(0, 6, "192.168.50.1", 40000, "192.168.50.2", 445);
	id = policy_test_classify(pol, &p);
	assert_int_not_equal(id, FW_RULE_DEFAULT);
	assert_int_equal(fw_policy_rule_action(pol, id), FW_ACTION_DENY);
	assert_true(fw_policy_rule_log(pol, id));
	/* UDP SNMP inbound: denied */
	p = policy_test_packet(0, 17, "192.168.50.1", 40000, "192.168.50.2", 161);
	assert_int_equal(fw_policy_rule_action(pol, policy_test_classify(pol, &p)), FW_ACTION_DENY);
	/* telnet and HTTP stay for the signature demo; outbound SMB is fine */
	p = policy_test_packet(0, 6, "192.168.50.1", 40000, "192.168.50.2", 23);
	assert_int_equal(policy_test_classify(pol, &p), FW_RULE_DEFAULT);
	p = policy_test_packet(0, 6, "192.168.50.1", 40000, "192.168.50.2", 80);
	assert_int_equal(policy_test_classify(pol, &p), FW_RULE_DEFAULT);
	p = policy_test_packet(1, 6, "192.168.50.2", 40000, "192.168.50.1", 445);
	assert_int_equal(policy_test_classify(pol, &p), FW_RULE_DEFAULT);
	fw_policy_free(pol);
	sig_vars_free(vars);
	engine_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_name_rule_and_key),
		cmocka_unit_test(test_builds_lists_ranges_negation),
		cmocka_unit_test(test_variables_from_config_and_caller),
		cmocka_unit_test(test_empty_firewall_section_builds),
		cmocka_unit_test(test_bundled_default_policy),
	};

	policy_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
