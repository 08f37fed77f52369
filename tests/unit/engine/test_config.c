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

	assert_int_equal(load(&cfg, "outputs:\n  - eve-log\n", err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:1: unknown key 'outputs'");
	engine_config_free(&cfg);

	assert_int_equal(load(&cfg, "vars:\n  address-groups:\n    HOME_NET: x\n  ip-groups: {}\n",
			      err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:4: unknown key 'vars.ip-groups'");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_unknown_key_names_line_and_key),
		cmocka_unit_test(test_bad_values_name_line_and_key),
		cmocka_unit_test(test_syntax_error_names_line),
		cmocka_unit_test(test_empty_file_keeps_defaults),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_later_var_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
