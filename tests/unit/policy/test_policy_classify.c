/*
 * test_policy_classify.c - which rule decides a packet: first match wins,
 * zones follow the bound ports, IPv4 and IPv6, address sets (and their
 * negation), the default action, and a burst mixing both families.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/policy/policy_test_util.h"

static const char policy_yaml[] =
	"firewall:\n"
	"  zones:\n"
	"    outside: [bridge-a, wan0]\n"
	"    inside: [bridge-b]\n"
	"  address-sets:\n"
	"    mgmt: [\"10.255.0.0/16\", \"fd00:ff::/32\"]\n"
	"    lab: [\"10.255.7.0/24\", \"192.0.2.0/24\"]\n"
	"  default-action: deny\n"
	"  rules:\n"
	"    - { name: ssh-from-mgmt, proto: tcp, src: \"@mgmt\", dst-port: 22, action: allow }\n"   /* 0 */
	"    - { name: ssh-rest, proto: tcp, dst-port: 22, action: reject, log: true }\n"            /* 1 */
	"    - { name: web-in, ingress: outside, proto: tcp, dst: [198.51.100.0/24, \"2001:db8::/32\"],"
	" dst-port: [80, 443], action: allow }\n"                                                      /* 2 */
	"    - { name: block-in, ingress: outside, action: deny, log: true }\n"                      /* 3 */
	"    - { name: lab-not-mgmt, src: \"@lab\", dst: \"!@mgmt\", action: allow }\n"              /* 4 */
	"    - { name: inside-out, ingress: inside, proto: udp, src: \"![10.0.0.0/8,!10.1.0.0/16]\","
	" dst: 8.8.4.4, action: allow }\n" /* 5 */
	"    - { name: ping6, proto: icmp, src: \"::/0\", action: allow }\n";                         /* 6 */

struct fixture {
	struct engine_config cfg;
	struct fw_policy *pol;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512] = "";

	assert_non_null(f);
	f->pol = policy_from_yaml(&f->cfg, policy_yaml, err, sizeof(err));
	if (!f->pol)
		fail_msg("%s", err);
	assert_int_equal(fw_policy_bind_port(f->pol, 0, "eth-x", 0), 0); /* bridge-a */
	assert_int_equal(fw_policy_bind_port(f->pol, 1, "eth-y", 1), 0); /* bridge-b */
	assert_int_equal(fw_policy_bind_port(f->pol, 2, "wan0", -1), 0); /* by name */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fw_policy_free(f->pol);
	engine_config_free(&f->cfg);
	free(f);
	return 0;
}

static uint32_t classify(const struct fixture *f, uint16_t port, uint8_t proto, const char *src,
			 uint16_t sport, const char *dst, uint16_t dport)
{
	struct packet p = policy_test_packet(port, proto, src, sport, dst, dport);

	return policy_test_classify(f->pol, &p);
}

static void test_zones_follow_bound_ports(void **state)
{
	struct fixture *f = *state;

	(void)state;
	assert_int_equal(fw_policy_port_zones(f->pol, 0), 1u << 0);
	assert_int_equal(fw_policy_port_zones(f->pol, 1), 1u << 1);
	assert_int_equal(fw_policy_port_zones(f->pol, 2), 1u << 0);
	assert_int_equal(fw_policy_port_zones(f->pol, 7), 0); /* never bound */
	assert_int_equal(fw_policy_bind_port(f->pol, FW_MAX_PORTS, "x", 0), -1);
	/* the same packet: outside -> block-in; inside -> default deny
	 * (inside-out wants 8.8.4.4) */
	assert_int_equal(classify(f, 0, 17, "10.2.0.1", 5000, "8.8.8.8", 53), 3);
	assert_int_equal(classify(f, 2, 17, "10.2.0.1", 5000, "8.8.8.8", 53), 3);
	assert_int_equal(classify(f, 1, 17, "10.2.0.1", 5000, "8.8.8.8", 53), FW_RULE_DEFAULT);
	/* an unbound port is in no zone: zone rules never match it */
	assert_int_equal(classify(f, 7, 17, "10.2.0.1", 5000, "8.8.8.8", 53), FW_RULE_DEFAULT);
}

static void test_first_match_wins(void **state)
{
	struct fixture *f = *state;

	/* ssh from mgmt: rule 0 even though rule 1 and block-in also match */
	assert_int_equal(classify(f, 0, 6, "10.255.3.4", 40000, "198.51.100.9", 22), 0);
	assert_int_equal(classify(f, 0, 6, "10.254.3.4", 40000, "198.51.100.9", 22), 1);
	assert_int_equal(fw_policy_rule_action(f->pol, 1), FW_ACTION_REJECT);
	assert_true(fw_policy_rule_log(f->pol, 1));
	/* web in from outside: allowed before block-in; other port: block-in */
	assert_int_equal(classify(f, 0, 6, "203.0.113.5", 40000, "198.51.100.9", 443), 2);
	assert_int_equal(classify(f, 0, 6, "203.0.113.5", 40000, "198.51.100.9", 8443), 3);
	/* udp to port 443 is not "tcp": block-in */
	assert_int_equal(classify(f, 0, 17, "203.0.113.5", 40000, "198.51.100.9", 443), 3);
}

static void test_ipv6(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(classify(f, 0, 6, "2001:db9::1", 40000, "2001:db8::80", 80), 2);
	assert_int_equal(classify(f, 0, 6, "2001:db9::1", 40000, "2001:db9::80", 80), 3);
	assert_int_equal(classify(f, 1, 6, "fd00:ff::5", 40000, "2001:db8::80", 22), 0);
	/* "icmp" means ICMPv6 on IPv6 */
	assert_int_equal(classify(f, 1, 58, "2001:db9::1", 0, "2001:db8::80", 0), 6);
	assert_int_equal(classify(f, 1, 1, "2001:db9::1", 0, "2001:db8::80", 0), FW_RULE_DEFAULT);
}

static void test_sets_and_negation(void **state)
{
	struct fixture *f = *state;

	/* lab to a non-mgmt address: allowed; 10.255.7.x is in both sets, so
	 * from lab to mgmt falls through to the default */
	assert_int_equal(classify(f, 1, 17, "192.0.2.10", 1000, "8.8.4.4", 53), 4);
	assert_int_equal(classify(f, 1, 17, "10.255.7.10", 1000, "8.8.4.4", 53), 4);
	assert_int_equal(classify(f, 1, 17, "192.0.2.10", 1000, "10.255.1.1", 53), FW_RULE_DEFAULT);
	/* inside-out: src not in (10/8 minus 10.1/16), to 8.8.4.4 */
	assert_int_equal(classify(f, 1, 17, "172.16.0.1", 1000, "8.8.4.4", 53), 5);
	assert_int_equal(classify(f, 1, 17, "10.1.2.3", 1000, "8.8.4.4", 53), 5);
	assert_int_equal(classify(f, 1, 17, "10.2.2.3", 1000, "8.8.4.4", 53), FW_RULE_DEFAULT);
}

static void test_mixed_burst(void **state)
{
	struct fixture *f = *state;
	struct packet pkts[100];
	const struct packet *ptrs[100];
	uint32_t ids[100], expect[100];

	for (int i = 0; i < 100; i++) {
		switch (i % 4) {
		case 0: /* v4 web in */
			pkts[i] = policy_test_packet(0, 6, "203.0.113.5", 40000, "198.51.100.9", 80);
			expect[i] = 2;
			break;
		case 1: /* v6 blocked in */
			pkts[i] = policy_test_packet(0, 17, "2001:db9::1", 1, "2001:db8::1", 53);
			expect[i] = 3;
			break;
		case 2: /* not IP: never classified */
			pkts[i] = policy_test_packet(0, 6, "1.1.1.1", 1, "2.2.2.2", 2);
			pkts[i].l3 = L3_NONE;
			expect[i] = FW_RULE_DEFAULT;
			break;
		default: /* v6 ssh from mgmt */
			pkts[i] = policy_test_packet(1, 6, "fd00:ff::9", 1, "2001:db8::1", 22);
			expect[i] = 0;
			break;
		}
		ptrs[i] = &pkts[i];
		ids[i] = 12345;
	}
	fw_policy_classify_burst(f->pol, ptrs, 100, ids);
	for (int i = 0; i < 100; i++)
		if (ids[i] != expect[i])
			fail_msg("packet %d: rule %u, expected %u", i, ids[i], expect[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zones_follow_bound_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_match_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sets_and_negation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_burst, setup, teardown),
	};

	policy_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
