/*
 * test_dp_cli.c - rampart-dp's command line and EAL argument building: the
 * stable flags parse, mistakes name the flag, and the EAL flags keep
 * parallel runs apart.
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

#include "dataplane/dpdk/cli.h"
#include "dataplane/dpdk/eal.h"

#define ARGV(...) ((char *[]){ "rampart-dp", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "rampart-dp", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (err), sizeof(err))

static void test_full_command_line(void **state)
{
	struct cli_options o;
	char err[256] = "";

	(void)state;
	assert_int_equal(PARSE(&o, err, "--pcap", "x.pcap", "--rules", "a.rules", "--rules=dir",
			       "--eve", "e.json", "--simulate-ips", "--config", "c.yaml", "--var",
			       "HOME_NET=[10.0.0.0/8]", "--var", "$HTTP_PORTS=80", "--stats", "s.json",
			       "--", "-l", "1"),
			 CLI_OK);
	assert_string_equal(o.pcap_path, "x.pcap");
	assert_int_equal(o.n_rules_paths, 2);
	assert_string_equal(o.rules_paths[1], "dir");
	assert_string_equal(o.eve_path, "e.json");
	assert_true(o.simulate_ips);
	assert_string_equal(o.config_path, "c.yaml");
	assert_string_equal(o.stats_path, "s.json");
	assert_int_equal(o.n_vars, 2);
	assert_string_equal(o.vars[0].name, "HOME_NET");
	assert_string_equal(o.vars[0].value, "[10.0.0.0/8]");
	assert_string_equal(o.vars[1].name, "HTTP_PORTS");
	assert_int_equal(o.eal_argc, 2);
	assert_string_equal(o.eal_argv[0], "-l");
	cli_options_free(&o);
}

static void test_usage_errors_name_the_flag(void **state)
{
	struct cli_options o;
	char err[256] = "";

	(void)state;
	assert_int_equal(PARSE(&o, err, "--pcap", "x", "--rules", "r", "--eve", "e", "--bogus"),
			 CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--bogus"));
	assert_int_equal(PARSE(&o, err, "--pcap", "x", "--rules", "r", "--eve"), CLI_USAGE_ERROR);
	assert_string_equal(err, "--eve: missing argument");
	assert_int_equal(PARSE(&o, err, "--pcap", "x", "--eve", "e"), CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--rules"));
	assert_int_equal(PARSE(&o, err, "--rules", "r", "--eve", "e"), CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--pcap"));
	assert_int_equal(PARSE(&o, err, "--pcap", "x", "--pcap", "y", "--rules", "r", "--eve", "e"),
			 CLI_USAGE_ERROR);
	assert_string_equal(err, "--pcap: given twice");
	assert_int_equal(PARSE(&o, err, "--pcap", "x", "--rules", "r", "--eve", "e", "--var", "NOVALUE"),
			 CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--var NOVALUE"));
	assert_int_equal(PARSE(&o, err, "--pcap=", "--rules", "r", "--eve", "e"), CLI_USAGE_ERROR);
	assert_string_equal(err, "--pcap: empty argument");
	assert_int_equal(PARSE(&o, err, "--pcap", "x", "--rules", "r", "--eve", "e", "--bridge", "a:b"),
			 CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--bridge"));
}

/* --managed: inline only; the daemon supplies rules and takes alerts, so
 * --rules and --eve become optional; with --pcap it is a usage error. */
static void test_managed_command_line(void **state)
{
	struct cli_options o;
	char err[256] = "";

	(void)state;
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--managed", "/run/r.sock"), CLI_OK);
	assert_string_equal(o.managed_socket, "/run/r.sock");
	assert_int_equal(o.n_rules_paths, 0);
	assert_null(o.eve_path);
	cli_options_free(&o);

	assert_int_equal(PARSE(&o, err, "--ports", "x:y", "--managed=/s", "--rules", "r", "--eve",
			       "e", "--workers", "2"),
			 CLI_OK);
	assert_string_equal(o.managed_socket, "/s");
	assert_int_equal(o.n_rules_paths, 1);
	assert_string_equal(o.eve_path, "e");
	cli_options_free(&o);

	assert_int_equal(PARSE(&o, err, "--pcap", "x", "--rules", "r", "--eve", "e", "--managed",
			       "/s"),
			 CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--managed"));
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--managed"), CLI_USAGE_ERROR);
	assert_string_equal(err, "--managed: missing argument");
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--managed", "/s", "--managed", "/t"),
			 CLI_USAGE_ERROR);
	assert_string_equal(err, "--managed: given twice");
	/* without it, inline mode still needs its rules and EVE file */
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b"), CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--rules"));
}

static void test_bridge_command_line(void **state)
{
	struct cli_options o;
	char err[256] = "";
	char name[64], devargs[256];

	(void)state;
	assert_int_equal(PARSE(&o, err, "--bridge", "fwc:fws", "--rules", "r", "--eve", "e",
			       "--pmd", "af_xdp"), CLI_OK);
	assert_string_equal(o.bridge_a, "fwc");
	assert_string_equal(o.bridge_b, "fws");
	assert_int_equal(o.pmd, CLI_PMD_AF_XDP);
	assert_null(o.pcap_path);
	cli_options_free(&o);

	/* Each mistake names the flag it is about. */
	char *bad[][2] = { { "fwc", "--bridge" }, { ":fws", "--bridge" }, { "fwc:fwc", "--bridge" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(PARSE(&o, err, "--bridge", bad[i][0], "--rules", "r", "--eve", "e"),
				 CLI_USAGE_ERROR);
		assert_non_null(strstr(err, bad[i][1]));
	}
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--rules", "r", "--eve", "e", "--pmd", "x"),
			 CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--pmd"));
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--pcap", "x", "--rules", "r", "--eve", "e"),
			 CLI_USAGE_ERROR);
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--rules", "r", "--eve", "e", "--workers", "0"),
			 CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--workers"));
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--bridge", "c:a", "--rules", "r", "--eve",
			       "e"), CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "two pairs"));
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--rules", "r", "--eve", "e", "--fail-mode",
			       "open"), CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--fail-mode"));
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--rules", "r", "--eve", "e", "--test-fault",
			       "stall-worker:x"), CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--test-fault"));
	assert_int_equal(PARSE(&o, err, "--pcap", "x", "--rules", "r", "--eve", "e", "--workers", "2"),
			 CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "inline"));

	/* --no-rules: inline firewall only; never with --rules or --pcap. */
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--no-rules", "--eve", "e"), CLI_OK);
	assert_true(o.no_rules);
	cli_options_free(&o);
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--no-rules", "--rules", "r", "--eve", "e"),
			 CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--no-rules"));
	assert_int_equal(PARSE(&o, err, "--pcap", "x", "--no-rules", "--eve", "e"), CLI_USAGE_ERROR);
	assert_non_null(strstr(err, "--no-rules"));

	/* Several pairs, DPDK ports (PCI addresses hold ':'), workers, faults. */
	assert_int_equal(PARSE(&o, err, "--bridge", "a:b", "--ports", "0000:03:00.0:0000:03:00.1",
			       "--rules", "r", "--eve", "e", "--workers", "4", "--fail-mode",
			       "fail-closed", "--duration", "2.5", "--test-fault", "stall-worker:1"),
			 CLI_OK);
	assert_int_equal(o.n_pairs, 2);
	assert_false(o.pairs[0].dpdk_ports);
	assert_true(o.pairs[1].dpdk_ports);
	assert_string_equal(o.pairs[1].a, "0000:03:00.0");
	assert_string_equal(o.pairs[1].b, "0000:03:00.1");
	assert_int_equal(o.workers, 4);
	assert_int_equal(o.fail_mode, 1);
	assert_int_equal(o.fault, CLI_FAULT_STALL_WORKER);
	assert_int_equal(o.fault_arg, 1);
	assert_int_equal(o.pmd, CLI_PMD_AUTO);
	cli_options_free(&o);

	/* Interface names go into devargs: a separator in one must not inject options. */
	assert_int_equal(eal_bridge_vdev(CLI_PMD_AF_PACKET, 0, "fwc", name, sizeof(name), devargs,
					 sizeof(devargs), err, sizeof(err)), 0);
	assert_non_null(strstr(devargs, "iface=fwc"));
	assert_non_null(strstr(devargs, "net_af_packet0"));
	assert_int_not_equal(eal_bridge_vdev(CLI_PMD_AF_XDP, 1, "a,b", name, sizeof(name), devargs,
					     sizeof(devargs), err, sizeof(err)), 0);
}

static void test_lcore_map_follows_affinity(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(eal_lcore_map(buf, sizeof(buf)), 0);
	assert_memory_equal(buf, "0@(", 3);
	assert_int_equal(buf[strlen(buf) - 1], ')');
	/* Three lcores: each floats over the same CPUs. */
	assert_int_equal(eal_lcore_map_n(buf, sizeof(buf), 3), 0);
	assert_memory_equal(buf, "0@(", 3);
	assert_non_null(strstr(buf, ",1@("));
	assert_non_null(strstr(buf, ",2@("));
	assert_null(strstr(buf, ",3@("));
}

static bool has_arg(const struct eal_args *a, const char *s)
{
	for (int i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], s) == 0)
			return true;
	return false;
}

static const char *arg_after(const struct eal_args *a, const char *s)
{
	for (int i = 0; i + 1 < a->argc; i++)
		if (strcmp(a->argv[i], s) == 0)
			return a->argv[i + 1];
	return NULL;
}

static void test_eal_args_defaults_and_overrides(void **state)
{
	char path[] = "/tmp/rampart-eal-XXXXXX", err[256] = "", expect[600];
	char *user[] = { "-l", "1", "--log-level=debug" };
	struct eal_args a;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(eal_args_build(&a, "rampart-dp", path, NULL, 0, err, sizeof(err)), 0);
	assert_true(has_arg(&a, "--no-pci"));
	assert_true(has_arg(&a, "--in-memory") || has_arg(&a, "--no-shconf"));
	assert_non_null(arg_after(&a, "--lcores"));
	assert_true(has_arg(&a, "--log-level=*:error"));
	snprintf(expect, sizeof(expect), "%s,rx_pcap=%s", EAL_PCAP_VDEV_NAME, path);
	assert_string_equal(arg_after(&a, "--vdev"), expect);
	assert_null(a.argv[a.argc]);
	eal_args_free(&a);

	/* the user's lcore and log flags replace ours */
	assert_int_equal(eal_args_build(&a, "rampart-dp", path, user, 3, err, sizeof(err)), 0);
	assert_null(arg_after(&a, "--lcores"));
	assert_false(has_arg(&a, "--log-level=*:error"));
	assert_true(has_arg(&a, "--log-level=debug"));
	eal_args_free(&a);
	unlink(path);
}

static void test_eal_devargs_unsafe_path_is_linked(void **state)
{
	char dir[] = "/tmp/rampart-eal-dir-XXXXXX", path[300], err[256] = "";
	const char *vdev;
	struct eal_args a;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a,b=c.pcap", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(eal_args_build(&a, "rampart-dp", path, NULL, 0, err, sizeof(err)), 0);
	vdev = arg_after(&a, "--vdev");
	assert_non_null(vdev);
	assert_null(strchr(vdev + strlen(EAL_PCAP_VDEV_NAME ",rx_pcap="), ','));
	assert_null(strchr(vdev + strlen(EAL_PCAP_VDEV_NAME ",rx_pcap="), '='));
	assert_non_null(a.tmp_link);
	assert_int_equal(access(a.tmp_link, R_OK), 0);
	eal_args_free(&a);
	unlink(path);
	rmdir(dir);

	assert_int_equal(eal_args_build(&a, "rampart-dp", "/nonexistent/x.pcap", NULL, 0, err,
					sizeof(err)), -1);
	assert_string_equal(err, "--pcap /nonexistent/x.pcap: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_command_line),
		cmocka_unit_test(test_usage_errors_name_the_flag),
		cmocka_unit_test(test_bridge_command_line),
		cmocka_unit_test(test_managed_command_line),
		cmocka_unit_test(test_lcore_map_follows_affinity),
		cmocka_unit_test(test_eal_args_defaults_and_overrides),
		cmocka_unit_test(test_eal_devargs_unsafe_path_is_linked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
