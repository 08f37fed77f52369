/*
 * test_export_config.c - rampart.yaml's `outputs:` section: defaults, every
 * key, and errors that name FILE:LINE: outputs.SINK.KEY.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "export_test_util.h"

static char dir[64];

static int group_setup(void **state)
{
	(void)state;
	tu_mkdtemp(dir, sizeof(dir));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_rm_rf(dir);
	return 0;
}

/* Writes text to DIR/rampart.yaml and loads it; returns the rc. */
static int load(const char *text, struct export_config *cfg, char *err, size_t errlen)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/rampart.yaml", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	export_config_defaults(cfg);
	return export_config_load_file(path, cfg, err, errlen);
}

static void test_defaults(void **state)
{
	struct export_config c;
	char err[256] = "";

	(void)state;
	assert_int_equal(load("vars: {}\n", &c, err, sizeof(err)), 0);
	assert_true(c.eve.enabled);
	assert_true(c.eve.append);
	assert_string_equal(c.eve.filename, "/var/log/rampart/eve.json");
	assert_int_equal(c.eve.max_queue, 65536);
	assert_false(c.syslog.enabled);
	assert_int_equal(c.syslog.facility, 21);
	assert_int_equal(c.syslog.port, 514);
	assert_false(c.redis.enabled);
	assert_int_equal(c.redis.mode, EXPORT_REDIS_STREAM);
	assert_string_equal(c.redis.key, "rampart:eve");
	assert_int_equal(c.redis.stream_maxlen, 100000);
	assert_int_equal(c.redis.timeout_ms, 100);
}

static void test_every_key(void **state)
{
	struct export_config c;
	char err[256] = "";

	(void)state;
	assert_int_equal(load("outputs:\n"
			      "  eve:    { enabled: no, filename: /tmp/x.json, append: no, max-queue: 10 }\n"
			      "  syslog: { enabled: yes, server: 10.0.0.1, port: 1514, transport: unix, path: /dev/log,\n"
			      "            facility: local0, ident: rampart-ids, max-queue: 20 }\n"
			      "  redis:  { enabled: yes, server: redis.local, port: 6380, mode: list, key: 'a:b',\n"
			      "            max-len: 5000, timeout-ms: 250, socket: /run/redis.sock, max-queue: 30 }\n",
			      &c, err, sizeof(err)),
			 0);
	assert_false(c.eve.enabled);
	assert_false(c.eve.append);
	assert_string_equal(c.eve.filename, "/tmp/x.json");
	assert_int_equal(c.eve.max_queue, 10);
	assert_true(c.syslog.enabled);
	assert_string_equal(c.syslog.server, "10.0.0.1");
	assert_int_equal(c.syslog.port, 1514);
	assert_int_equal(c.syslog.transport, EXPORT_SYSLOG_UNIX);
	assert_string_equal(c.syslog.path, "/dev/log");
	assert_int_equal(c.syslog.facility, 16);
	assert_string_equal(c.syslog.ident, "rampart-ids");
	assert_int_equal(c.syslog.max_queue, 20);
	assert_true(c.redis.enabled);
	assert_string_equal(c.redis.server, "redis.local");
	assert_int_equal(c.redis.port, 6380);
	assert_int_equal(c.redis.mode, EXPORT_REDIS_LIST);
	assert_string_equal(c.redis.key, "a:b");
	assert_int_equal(c.redis.stream_maxlen, 5000);
	assert_int_equal(c.redis.timeout_ms, 250);
	assert_string_equal(c.redis.socket, "/run/redis.sock");
	assert_int_equal(c.redis.max_queue, 30);
}

static void expect_error(const char *text, const char *want)
{
	struct export_config c;
	char err[512] = "";

	assert_int_equal(load(text, &c, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
	assert_non_null(strstr(err, "rampart.yaml:"));
}

static void test_errors_name_file_line_key(void **state)
{
	(void)state;
	expect_error("outputs:\n  redis:\n    enabled: yes\n    port: 70000\n", "rampart.yaml:4: outputs.redis.port:");
	expect_error("outputs:\n  syslog: { facility: local9 }\n", "rampart.yaml:2: outputs.syslog.facility:");
	expect_error("outputs:\n  syslog: { facility: 24 }\n", "outputs.syslog.facility:");
	expect_error("outputs:\n  syslog: { transport: tcp }\n", "outputs.syslog.transport: expected udp or unix");
	expect_error("outputs:\n  syslog: { ident: 'two words' }\n", "outputs.syslog.ident:");
	expect_error("outputs:\n  redis: { mode: hash }\n", "outputs.redis.mode: expected stream or list");
	expect_error("outputs:\n  eve: { enabled: maybe }\n", "outputs.eve.enabled: expected yes or no");
	expect_error("outputs:\n  eve: { max-queue: 0 }\n", "outputs.eve.max-queue:");
	expect_error("outputs:\n  eve: { colour: red }\n", "outputs.eve.colour: unknown key");
	expect_error("outputs:\n\n  kafka: { enabled: yes }\n", "rampart.yaml:3: outputs.kafka: unknown sink");
	expect_error("outputs:\n  eve: yes\n", "outputs.eve: expected a mapping");
	expect_error("outputs: [eve]\n", "outputs: expected a mapping");
	expect_error("outputs:\n  eve: { filename: [a, b] }\n", "outputs.eve.filename: expected a non-empty string");
	expect_error("outputs: {\n", "rampart.yaml:");
}

static void test_missing_file(void **state)
{
	struct export_config c;
	char err[256] = "";

	(void)state;
	export_config_defaults(&c);
	assert_int_equal(export_config_load_file("/nonexistent/rampart.yaml", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/rampart.yaml"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors_name_file_line_key),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests_name("export_config", tests, group_setup, group_teardown);
}
