/*
 * test_config.c - the YAML config loader: values land where a user expects,
 * and every mistake is reported with file, line and dotted key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/engine/config.h"

static int load(struct engine_config *cfg, const char *yaml, char *err, size_t errlen)
{
	engine_config_init(cfg);
	return engine_config_load_string(cfg, yaml, strlen(yaml), "t.yaml", err, errlen);
}

static void test_defaults(void **state)
{
	struct engine_config cfg;

	(void)state;
	engine_config_init(&cfg);
	assert_true(cfg.checksum_validation);
	assert_false(cfg.eve_append);
	assert_false(cfg.flow_midstream);
	assert_int_equal(cfg.max_alerts_per_packet, ENGINE_CONFIG_DEFAULT_MAX_ALERTS);
	assert_int_equal(cfg.n_vars, 0);
	assert_int_equal(cfg.mode, ENGINE_MODE_IDS);
	assert_int_equal(cfg.inspection_depth, 1048576);
	assert_int_equal(cfg.dp_workers, 1);
	assert_int_equal(cfg.dp_distribution, DP_DIST_AUTO);
	assert_int_equal(cfg.dp_failure_mode, DP_FAIL_OPEN);
	assert_int_equal(cfg.dp_watchdog_timeout_ms, 500);
	assert_int_equal(cfg.dp_mbufs, 16384);
	assert_false(cfg.fw_present);
	assert_int_equal(cfg.n_fw_rules, 0);
	engine_config_free(&cfg);
}

static void test_full_file(void **state)
{
	static const char yaml[] =
		"%YAML 1.1\n"
		"---\n"
		"vars:\n"
		"  address-groups:\n"
		"    HOME_NET: \"[10.0.0.0/8]\"\n"
		"    EXTERNAL_NET: \"!$HOME_NET\"\n"
		"  port-groups:\n"
		"    HTTP_PORTS: \"80\"\n"
		"    SSH_PORTS: 22\n"
		"flow:\n"
		"  max-flows: 1000\n"
		"  midstream: yes\n"
		"  timeouts:\n"
		"    new: 5\n"
		"    established: 60\n"
		"    closed: 2\n"
		"decode:\n"
		"  checksum-validation: false\n"
		"detect:\n"
		"  max-alerts-per-packet: 3\n"
		"eve:\n"
		"  append: true\n";
	struct engine_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(load(&cfg, yaml, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_vars, 4);
	assert_string_equal(cfg.vars[0].name, "HOME_NET");
	assert_string_equal(cfg.vars[0].value, "[10.0.0.0/8]");
	assert_false(cfg.vars[0].is_port);
	assert_string_equal(cfg.vars[1].value, "!$HOME_NET");
	assert_string_equal(cfg.vars[3].name, "SSH_PORTS");
	assert_string_equal(cfg.vars[3].value, "22");
	assert_true(cfg.vars[3].is_port);
	assert_int_equal(cfg.flow_max_flows, 1000);
	assert_true(cfg.flow_midstream);
	assert_int_equal(cfg.flow_timeout_new_sec, 5);
	assert_int_equal(cfg.flow_timeout_established_sec, 60);
	assert_int_equal(cfg.flow_timeout_closed_sec, 2);
	assert_false(cfg.checksum_validation);
	assert_int_equal(cfg.max_alerts_per_packet, 3);
	assert_true(cfg.eve_append);
	engine_config_free(&cfg);
}

static void test_unknown_key_names_line_and_key(void **state)
{
	struct engine_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(load(&cfg, "flow:\n  max-flows: 10\n  max-flow: 5\n", err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:3: unknown key 'flow.max-flow'");
	engine_config_free(&cfg);

	assert_int_equal(load(&cfg, "output:\n  - eve-log\n", err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:1: unknown key 'output'");
	engine_config_free(&cfg);

	/* rampartd's sections share the file: skipped here, validated there */
	assert_int_equal(load(&cfg, "outputs:\n  - eve-log\nrampartd:\n  socket: /x\n", err, sizeof(err)), 0);
	engine_config_free(&cfg);

	assert_int_equal(load(&cfg, "vars:\n  address-groups:\n    HOME_NET: x\n  ip-groups: {}\n",
			      err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:4: unknown key 'vars.ip-groups'");
	engine_config_free(&cfg);
}

static void test_geoip_and_reputation_keys(void **state)
{
	struct engine_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(load(&cfg, "geoip-database: /a/b.mmdb\nreputation-categories-file: c.txt\n"
			      "default-reputation-path: /rep\nreputation-files: [x.list, y.list]\n",
			      err, sizeof(err)), 0);
	assert_string_equal(cfg.geoip_database, "/a/b.mmdb");
	assert_string_equal(cfg.reputation_categories_file, "c.txt");
	assert_string_equal(cfg.default_reputation_path, "/rep");
	assert_int_equal(cfg.n_reputation_files, 2);
	assert_string_equal(cfg.reputation_files[1], "y.list");
	engine_config_free(&cfg);

	assert_int_equal(load(&cfg, "reputation-files: x.list\n", err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:1: reputation-files: expected a list of file names");
	engine_config_free(&cfg);
}

static void test_bad_values_name_line_and_key(void **state)
{
	struct engine_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(load(&cfg, "decode:\n  checksum-validation: maybe\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.yaml:2: decode.checksum-validation"));
	assert_non_null(strstr(err, "maybe"));
	engine_config_free(&cfg);

	assert_int_equal(load(&cfg, "detect:\n  max-alerts-per-packet: 0\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.yaml:2: detect.max-alerts-per-packet"));
	assert_non_null(strstr(err, "out of range"));
	engine_config_free(&cfg);

	assert_int_equal(load(&cfg, "\n\nflow:\n  max-flows: -5\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.yaml:4: flow.max-flows"));
	engine_config_free(&cfg);

	assert_int_equal(load(&cfg, "flow:\n  timeouts:\n    new: 1x\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.yaml:3: flow.timeouts.new"));
	engine_config_free(&cfg);

	assert_int_equal(load(&cfg, "flow: 5\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.yaml:1: flow: expected a mapping"));
	engine_config_free(&cfg);

	assert_int_equal(load(&cfg, "vars:\n  address-groups:\n    HOME_NET: [1, 2]\n", err,
			      sizeof(err)), -1);
	assert_non_null(strstr(err, "t.yaml:3: vars.address-groups.HOME_NET"));
	engine_config_free(&cfg);
}

static void test_syntax_error_names_line(void **state)
{
	struct engine_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(load(&cfg, "flow:\n  max-flows: 1\n bad: [\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.yaml:"));
	engine_config_free(&cfg);
}

static void test_empty_file_keeps_defaults(void **state)
{
	struct engine_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(load(&cfg, "", err, sizeof(err)), 0);
	assert_true(cfg.checksum_validation);
	engine_config_free(&cfg);
	assert_int_equal(load(&cfg, "flow:\n", err, sizeof(err)), 0);
	engine_config_free(&cfg);
}

static void test_file_errors(void **state)
{
	struct engine_config cfg;
	char err[256] = "", path[] = "/tmp/rampart-cfg-XXXXXX";
	int fd;

	(void)state;
	engine_config_init(&cfg);
	assert_int_equal(engine_config_load(&cfg, "/nonexistent/r.yaml", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/r.yaml: No such file or directory");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "eve:\n  append: on\n  bogus: 1\n", 28), 28);
	close(fd);
	assert_int_equal(engine_config_load(&cfg, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ":3: unknown key 'eve.bogus'"));
	unlink(path);
	engine_config_free(&cfg);
}

static void test_later_var_wins(void **state)
{
	struct engine_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(load(&cfg, "vars:\n  address-groups:\n    HOME_NET: \"[1.0.0.0/8]\"\n",
			      err, sizeof(err)), 0);
	assert_int_equal(engine_config_set_var(&cfg, "HOME_NET", "[2.0.0.0/8]", false), 0);
	assert_int_equal(cfg.n_vars, 1);
	assert_string_equal(cfg.vars[0].value, "[2.0.0.0/8]");
	engine_config_free(&cfg);
}

/* load must fail with an error equal to (or, with `sub`, containing) want */
static void expect_error(const char *yaml, const char *want, bool sub)
{
	struct engine_config cfg;
	char err[512] = "";

	if (load(&cfg, yaml, err, sizeof(err)) != -1)
		fail_msg("loaded, expected '%s'", want);
	if (sub ? strstr(err, want) == NULL : strcmp(err, want) != 0)
		fail_msg("got '%s', expected '%s'", err, want);
	engine_config_free(&cfg);
}

static void test_dataplane_section(void **state)
{
	static const char yaml[] =
		"dataplane:\n"
		"  workers: 4\n"
		"  distribution: software\n"
		"  failure-mode: fail-closed\n"
		"  watchdog-timeout-ms: 250\n"
		"  mbufs: 65536\n"
		"  pmd: af_packet\n"
		"  bridges: [\"eth1:eth2\", \"eth3:eth4\"]\n"
		"  ports:\n"
		"    - \"0000:03:00.0:0000:03:00.1\"\n";
	struct engine_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(load(&cfg, yaml, err, sizeof(err)), 0);
	assert_int_equal(cfg.dp_workers, 4);
	assert_int_equal(cfg.dp_distribution, DP_DIST_SOFTWARE);
	assert_int_equal(cfg.dp_failure_mode, DP_FAIL_CLOSED);
	assert_int_equal(cfg.dp_watchdog_timeout_ms, 250);
	assert_int_equal(cfg.dp_mbufs, 65536);
	assert_int_equal(cfg.dp_pmd, DP_PMD_AF_PACKET);
	assert_int_equal(cfg.n_dp_bridges, 2);
	assert_string_equal(cfg.dp_bridges[1], "eth3:eth4");
	assert_int_equal(cfg.n_dp_ports, 1);
	assert_string_equal(cfg.dp_ports[0], "0000:03:00.0:0000:03:00.1");
	assert_string_equal(dp_distribution_name(cfg.dp_distribution), "software");
	assert_string_equal(dp_failure_mode_name(cfg.dp_failure_mode), "fail-closed");
	engine_config_free(&cfg);
	assert_int_equal(load(&cfg, "dataplane:\n  distribution: rss\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.dp_distribution, DP_DIST_RSS);
	engine_config_free(&cfg);

	expect_error("dataplane:\n  workers: 0\n", "t.yaml:2: dataplane.workers: 0 is out of range [1, 64]", false);
	expect_error("dataplane:\n  workers: 65\n", "t.yaml:2: dataplane.workers: 65 is out of range", true);
	expect_error("dataplane:\n  distribution: magic\n",
		     "t.yaml:2: dataplane.distribution: expected auto, rss or software, got 'magic'", false);
	expect_error("dataplane:\n  failure-mode: open\n",
		     "t.yaml:2: dataplane.failure-mode: expected fail-open or fail-closed, got 'open'", false);
	expect_error("dataplane:\n  watchdog-timeout-ms: 5\n", "t.yaml:2: dataplane.watchdog-timeout-ms: 5 is out", true);
	expect_error("dataplane:\n  watchdog-timeout-ms: 60001\n", "dataplane.watchdog-timeout-ms: 60001", true);
	expect_error("dataplane:\n  mbufs: 1023\n", "t.yaml:2: dataplane.mbufs: 1023 is out of range", true);
	expect_error("dataplane:\n  mbufs: 2000000\n", "dataplane.mbufs: 2000000 is out of range", true);
	expect_error("dataplane:\n  worker: 2\n", "t.yaml:2: unknown key 'dataplane.worker'", false);
	expect_error("dataplane:\n  bridges: eth1\n", "t.yaml:2: dataplane.bridges: expected a list", true);
	expect_error("dataplane:\n  bridges: [eth1]\n", "dataplane.bridges[0]: expected \"A:B\"", true);
	expect_error("dataplane:\n  pmd: dpdk\n", "dataplane.pmd: expected auto, af_xdp or af_packet", true);
}

static void test_inspection_depth(void **state)
{
	static const struct { const char *text; uint64_t value; } ok[] = {
		{ "0", 0 }, { "4096", 4096 }, { "512kb", 512 * 1024 }, { "1mb", 1048576 },
		{ "2MB", 2097152 }, { "1gb", 1073741824 }, { "3k", 3072 },
	};
	struct engine_config cfg;
	char yaml[128], err[256] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(yaml, sizeof(yaml), "detect:\n  inspection-depth: %s\n", ok[i].text);
		assert_int_equal(load(&cfg, yaml, err, sizeof(err)), 0);
		assert_int_equal(cfg.inspection_depth, ok[i].value);
		engine_config_free(&cfg);
	}
	expect_error("detect:\n  inspection-depth: lots\n", "t.yaml:2: detect.inspection-depth: expected a size", true);
	expect_error("detect:\n  inspection-depth: -1\n", "t.yaml:2: detect.inspection-depth", true);
	expect_error("detect:\n  inspection-depth: 1tb\n", "t.yaml:2: detect.inspection-depth", true);
	expect_error("detect:\n  inspection-depth: 99999999999999gb\n", "detect.inspection-depth", true);
}

static void test_firewall_section(void **state)
{
	static const char yaml[] =
		"firewall:\n"
		"  zones:\n"
		"    outside: [bridge-a, eth0]\n"
		"    inside: bridge-b\n"
		"  address-sets:\n"
		"    mgmt: [\"10.255.0.0/16\", \"fd00:ff::/32\"]\n"
		"  default-action: reject\n"
		"  rules:\n"
		"    - name: block-exposed\n"
		"      ingress: outside\n"
		"      proto: tcp\n"
		"      src: any\n"
		"      dst: $HOME_NET\n"
		"      dst-port: [135-139, 445]\n"
		"      src-port: \"1024:65535\"\n"
		"      action: deny\n"
		"      log: true\n"
		"    - { proto: icmp, src: [10.0.0.0/8, \"!10.1.0.0/16\"], action: allow }\n"
		"    - { proto: 47, dst: \"@mgmt\", action: allow }\n";
	struct engine_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(load(&cfg, yaml, err, sizeof(err)), 0);
	assert_true(cfg.fw_present);
	assert_int_equal(cfg.fw_default_action, FW_ACTION_REJECT);
	assert_int_equal(cfg.n_fw_zones, 2);
	assert_string_equal(cfg.fw_zones[0].name, "outside");
	assert_int_equal(cfg.fw_zones[0].n_members, 2);
	assert_string_equal(cfg.fw_zones[0].members[1], "eth0");
	assert_int_equal(cfg.fw_zones[1].n_members, 1);
	assert_string_equal(cfg.fw_zones[1].members[0], "bridge-b");
	assert_int_equal(cfg.n_fw_address_sets, 1);
	assert_int_equal(cfg.fw_address_sets[0].n_prefixes, 2);
	assert_string_equal(cfg.fw_address_sets[0].prefixes[1], "fd00:ff::/32");
	assert_int_equal(cfg.n_fw_rules, 3);
	assert_string_equal(cfg.fw_rules[0].name, "block-exposed");
	assert_string_equal(cfg.fw_rules[0].ingress, "outside");
	assert_int_equal(cfg.fw_rules[0].proto, 6);
	assert_string_equal(cfg.fw_rules[0].src, "any");
	assert_string_equal(cfg.fw_rules[0].dst, "$HOME_NET");
	assert_string_equal(cfg.fw_rules[0].dst_port, "[135:139,445]");
	assert_string_equal(cfg.fw_rules[0].src_port, "1024:65535");
	assert_int_equal(cfg.fw_rules[0].action, FW_ACTION_DENY);
	assert_true(cfg.fw_rules[0].log);
	assert_int_equal(cfg.fw_rules[0].line, 9);
	assert_string_equal(cfg.fw_rules[1].name, "rule-1");
	assert_int_equal(cfg.fw_rules[1].proto, FW_PROTO_ICMP);
	assert_string_equal(cfg.fw_rules[1].src, "[10.0.0.0/8,!10.1.0.0/16]");
	assert_string_equal(cfg.fw_rules[1].dst_port, "any");
	assert_null(cfg.fw_rules[1].ingress);
	assert_false(cfg.fw_rules[1].log);
	assert_int_equal(cfg.fw_rules[2].proto, 47);
	assert_string_equal(cfg.fw_rules[2].dst, "@mgmt");
	assert_string_equal(fw_action_name(cfg.fw_rules[2].action), "allow");
	engine_config_free(&cfg);
	assert_false(cfg.fw_present);
	assert_int_equal(cfg.n_fw_rules, 0);

	/* an empty section turns the firewall on with the default action */
	assert_int_equal(load(&cfg, "firewall:\n", err, sizeof(err)), 0);
	assert_true(cfg.fw_present);
	assert_int_equal(cfg.fw_default_action, FW_ACTION_ALLOW);
	engine_config_free(&cfg);
}

static void test_firewall_errors(void **state)
{
	(void)state;
	expect_error("firewall:\n  rule: []\n", "t.yaml:2: unknown key 'firewall.rule'", false);
	expect_error("firewall:\n  default-action: drop\n",
		     "t.yaml:2: firewall.default-action: expected allow, deny or reject, got 'drop'", false);
	expect_error("firewall:\n  rules:\n    - { name: x, action: block }\n",
		     "t.yaml:3: firewall.rules[0] (x): action: expected allow, deny or reject, got 'block'", false);
	expect_error("firewall:\n  rules:\n    - { name: x, proto: tcp }\n",
		     "t.yaml:3: firewall.rules[0] (x): action: missing (allow, deny or reject)", false);
	expect_error("firewall:\n  rules:\n    - { action: allow }\n    - { action: deny, proto: gre }\n",
		     "t.yaml:4: firewall.rules[1]: proto: expected tcp, udp, icmp, icmpv6, sctp, any or a number", true);
	expect_error("firewall:\n  rules:\n    - { action: allow, proto: 256 }\n",
		     "firewall.rules[0]: proto: 256 is out of range", true);
	expect_error("firewall:\n  rules:\n    - { name: x, action: allow, log: sometimes }\n",
		     "t.yaml:3: firewall.rules[0] (x): log: expected true or false", true);
	expect_error("firewall:\n  rules:\n    - { name: x, action: allow, port: 80 }\n",
		     "t.yaml:3: unknown key 'firewall.rules[0] (x).port'", false);
	expect_error("firewall:\n  rules:\n    - { name: x, action: allow, dst: [] }\n",
		     "t.yaml:3: firewall.rules[0] (x): dst: empty list", false);
	expect_error("firewall:\n  rules:\n    - { name: x, action: allow, dst: [[1.2.3.4]] }\n",
		     "firewall.rules[0] (x): dst: list items must be plain values", true);
	expect_error("firewall:\n  rules:\n    - { name: [x], action: allow }\n",
		     "firewall.rules[0]: name: expected a name", true);
	expect_error("firewall:\n  rules:\n    - deny everything\n",
		     "t.yaml:3: firewall.rules[0]: expected a mapping", true);
	expect_error("firewall:\n  rules: deny\n", "t.yaml:2: firewall.rules: expected a list of rules", false);
	expect_error("firewall:\n  zones:\n    \"out side\": [eth0]\n",
		     "t.yaml:3: firewall.zones: invalid zone name 'out side'", false);
	expect_error("firewall:\n  zones:\n    dmz: []\n", "t.yaml:3: firewall.zones.dmz: empty list", false);
	expect_error("firewall:\n  zones:\n    dmz: eth1\n    dmz: eth2\n",
		     "t.yaml:4: firewall.zones.dmz: zone defined twice", false);
	expect_error("firewall:\n  address-sets:\n    m: { a: 1 }\n",
		     "t.yaml:3: unknown key 'firewall.address-sets.m.a' (prefixes, countries or reputation)", false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_unknown_key_names_line_and_key),
		cmocka_unit_test(test_geoip_and_reputation_keys),
		cmocka_unit_test(test_bad_values_name_line_and_key),
		cmocka_unit_test(test_syntax_error_names_line),
		cmocka_unit_test(test_empty_file_keeps_defaults),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_later_var_wins),
		cmocka_unit_test(test_dataplane_section),
		cmocka_unit_test(test_inspection_depth),
		cmocka_unit_test(test_firewall_section),
		cmocka_unit_test(test_firewall_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
