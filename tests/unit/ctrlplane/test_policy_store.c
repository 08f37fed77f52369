/*
 * test_policy_store.c - `rampartctl policy add|remove|move|rollback|history`:
 * versions, persistence, refused edits, and the YAML the data plane gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctrlplane/policy/policy_internal.h"
#include "ctrlplane/policy/policy_store.h"
#include "dataplane/engine/config.h"
#include "dataplane/engine/policy/policy.h"

#define CONFIG \
	"rampartd:\n  state-dir: /nowhere\n" \
	"vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n" \
	"flow:\n  max-flows: 1024\n" \
	"firewall:\n" \
	"  zones: { outside: [bridge-a], inside: [bridge-b] }\n" \
	"  address-sets: { mgmt: [\"10.255.0.0/16\", \"fd00:ff::/32\"] }\n" \
	"  default-action: allow\n" \
	"  rules:\n" \
	"    - { name: block-smb, ingress: outside, proto: tcp, dst-port: [135-139, 445], action: deny, log: true }\n" \
	"    - { name: mgmt-only, src: \"!@mgmt\", dst: 10.255.0.1, proto: tcp, dst-port: 22, action: reject }\n"

struct fixture {
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[256];

	if (policy_store_eal_init(err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	strcpy(fx->dir, "/tmp/policy-store-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static struct policy_store *open_store(const struct fixture *fx)
{
	char err[512] = "";
	struct policy_store *s = policy_store_open(CONFIG, strlen(CONFIG), "rampart.yaml", fx->dir, err,
						   sizeof(err));

	if (!s)
		fail_msg("policy_store_open: %s", err);
	return s;
}

/* Rule names of the current version, comma-separated. */
static void rule_names(const struct policy_store *s, char *out, size_t len)
{
	json_t *list = policy_store_list(s), *r;
	size_t i;

	out[0] = '\0';
	json_array_foreach(json_object_get(list, "rules"), i, r) {
		if (i)
			strncat(out, ",", len - strlen(out) - 1);
		strncat(out, json_string_value(json_object_get(r, "name")), len - strlen(out) - 1);
	}
	json_decref(list);
}

static void commit_ok(struct policy_store *s, struct policy_candidate *c, uint32_t want)
{
	char err[256] = "";

	assert_int_equal(policy_store_commit(s, c, err, sizeof(err)), want);
}

static bool file_exists(const struct fixture *fx, const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, rel);
	return stat(path, &st) == 0;
}

/* The data plane's YAML loads and builds with the engine's own code. */
static void load_dataplane(const struct policy_store *s, struct engine_config *cfg)
{
	char *yaml, err[512] = "";
	size_t len;
	struct fw_policy *pol;

	assert_int_equal(policy_store_render_dataplane(s, &yaml, &len), 0);
	engine_config_init(cfg);
	if (engine_config_load_string(cfg, yaml, len, "dp.yaml", err, sizeof(err)) != 0)
		fail_msg("%s\n---\n%s", err, yaml);
	pol = fw_policy_build(cfg, NULL, err, sizeof(err));
	if (!pol)
		fail_msg("%s\n---\n%s", err, yaml);
	fw_policy_free(pol);
	free(yaml);
}

static void test_initial_version_round_trips(void **state)
{
	struct fixture *fx = *state;
	struct policy_store *s = open_store(fx);
	struct engine_config cfg;
	char *v1;

	assert_int_equal(policy_store_version(s), 1);
	assert_true(file_exists(fx, "policy/v1.yaml"));
	assert_true(file_exists(fx, "policy/current"));
	v1 = policy_store_render_version(s, 1);
	assert_non_null(strstr(v1, "firewall:"));
	assert_non_null(strstr(v1, "block-smb"));
	assert_null(strstr(v1, "HOME_NET")); /* vN.yaml is the firewall section only */
	free(v1);

	load_dataplane(s, &cfg);
	assert_int_equal(cfg.n_fw_rules, 2);
	assert_string_equal(cfg.fw_rules[0].name, "block-smb");
	assert_int_equal(cfg.fw_rules[0].action, FW_ACTION_DENY);
	assert_true(cfg.fw_rules[0].log);
	assert_string_equal(cfg.fw_rules[0].dst_port, "[135:139,445]");
	assert_string_equal(cfg.fw_rules[1].src, "!@mgmt");
	assert_int_equal(cfg.fw_rules[1].action, FW_ACTION_REJECT);
	assert_int_equal(cfg.n_fw_zones, 2);
	assert_int_equal(cfg.n_fw_address_sets, 1);
	assert_int_equal(cfg.fw_address_sets[0].n_prefixes, 2);
	assert_int_equal(cfg.n_vars, 1);
	assert_string_equal(cfg.vars[0].value, "[10.0.0.0/8]");
	assert_int_equal(cfg.flow_max_flows, 0); /* engine sections stay with the dp's own file */
	engine_config_free(&cfg);
	policy_store_free(s);
}

static void test_edits_versions_and_persistence(void **state)
{
	struct fixture *fx = *state;
	struct policy_store *s = open_store(fx);
	struct policy_candidate *c;
	struct policy_rule_spec web = { .name = "allow-web", .action = "allow", .proto = "tcp",
					.dst = "$HOME_NET", .dst_port = "[80,443]", .ingress = "outside" };
	char err[512] = "", names[256], *yaml;
	size_t len;
	json_t *hist;

	assert_int_equal(policy_store_add(s, &web, 1, &c, err, sizeof(err)), 0);
	assert_string_equal(policy_candidate_summary(c), "add rule allow-web at position 1");
	/* the candidate is what the data plane would get; nothing committed yet */
	assert_int_equal(policy_candidate_render_dataplane(s, c, &yaml, &len), 0);
	assert_non_null(strstr(yaml, "allow-web"));
	free(yaml);
	rule_names(s, names, sizeof(names));
	assert_string_equal(names, "block-smb,mgmt-only");
	commit_ok(s, c, 2);
	rule_names(s, names, sizeof(names));
	assert_string_equal(names, "allow-web,block-smb,mgmt-only");

	web.name = "deny-rest";
	web.action = "deny";
	web.log = true;
	assert_int_equal(policy_store_add(s, &web, 0, &c, err, sizeof(err)), 0);
	commit_ok(s, c, 3);
	assert_int_equal(policy_store_move(s, "deny-rest", 2, &c, err, sizeof(err)), 0);
	commit_ok(s, c, 4);
	rule_names(s, names, sizeof(names));
	assert_string_equal(names, "allow-web,deny-rest,block-smb,mgmt-only");
	assert_int_equal(policy_store_remove(s, "block-smb", &c, err, sizeof(err)), 0);
	commit_ok(s, c, 5);
	rule_names(s, names, sizeof(names));
	assert_string_equal(names, "allow-web,deny-rest,mgmt-only");

	/* rollback without a version = the previous one, as a new version */
	assert_int_equal(policy_store_rollback(s, 0, &c, err, sizeof(err)), 0);
	commit_ok(s, c, 6);
	rule_names(s, names, sizeof(names));
	assert_string_equal(names, "allow-web,deny-rest,block-smb,mgmt-only");
	assert_int_equal(policy_store_rollback(s, 1, &c, err, sizeof(err)), 0);
	commit_ok(s, c, 7);
	rule_names(s, names, sizeof(names));
	assert_string_equal(names, "block-smb,mgmt-only");
	assert_int_equal(policy_store_rollback(s, 9, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no version 9"));

	/* unknown names, duplicates, positions */
	assert_int_equal(policy_store_remove(s, "nope", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nope"));
	web.name = "block-smb";
	assert_int_equal(policy_store_add(s, &web, 0, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists"));
	assert_int_equal(policy_store_move(s, "mgmt-only", 5, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of range"));
	policy_store_free(s);

	/* a new store object (a restarted daemon) sees version 7 and its history */
	s = open_store(fx);
	assert_int_equal(policy_store_version(s), 7);
	rule_names(s, names, sizeof(names));
	assert_string_equal(names, "block-smb,mgmt-only");
	hist = policy_store_history(s);
	assert_int_equal(json_array_size(hist), 7);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 6), "summary")),
			    "rollback to version 1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 3), "summary")),
			    "move rule deny-rest from position 4 to 2");
	assert_non_null(json_object_get(json_array_get(hist, 0), "time"));
	json_decref(hist);
	assert_int_equal(policy_store_rollback(s, 0, &c, err, sizeof(err)), 0);
	commit_ok(s, c, 8);
	rule_names(s, names, sizeof(names));
	assert_string_equal(names, "allow-web,deny-rest,block-smb,mgmt-only");
	policy_store_free(s);
}

static void test_invalid_candidate_refused(void **state)
{
	struct fixture *fx = *state;
	struct policy_store *s = open_store(fx);
	struct policy_candidate *c = NULL;
	struct policy_rule_spec bad = { .name = "bad-dst", .action = "deny", .dst = "10.0.0.300/8" };
	char err[512] = "";

	assert_int_equal(policy_store_add(s, &bad, 1, &c, err, sizeof(err)), -1);
	assert_null(c);
	if (!strstr(err, "firewall.rules[0] (bad-dst): dst"))
		fail_msg("error '%s' does not name the rule and key", err);

	bad = (struct policy_rule_spec){ .name = "to-dmz", .action = "deny", .ingress = "dmz" };
	assert_int_equal(policy_store_add(s, &bad, 0, &c, err, sizeof(err)), -1);
	if (!strstr(err, "(to-dmz): ingress") || !strstr(err, "dmz"))
		fail_msg("error '%s' does not name the rule and key", err);

	bad = (struct policy_rule_spec){ .name = "bad-port", .action = "deny", .dst_port = "80" };
	assert_int_equal(policy_store_add(s, &bad, 0, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad-port"));

	bad = (struct policy_rule_spec){ .name = "x", .action = "drop" };
	assert_int_equal(policy_store_add(s, &bad, 0, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "allow, deny or reject"));
	bad = (struct policy_rule_spec){ .name = "rampart-block-src", .action = "deny" };
	assert_int_equal(policy_store_add(s, &bad, 0, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reserved"));

	/* nothing committed */
	assert_int_equal(policy_store_version(s), 1);
	assert_false(file_exists(fx, "policy/v2.yaml"));
	policy_store_free(s);
	s = open_store(fx);
	assert_int_equal(policy_store_version(s), 1);
	policy_store_free(s);
}

static void test_config_without_firewall(void **state)
{
	struct fixture *fx = *state;
	const char *yaml = "vars:\n  address-groups:\n    HOME_NET: \"[192.168.0.0/16]\"\n";
	char err[512] = "";
	struct policy_store *s = policy_store_open(yaml, strlen(yaml), "min.yaml", fx->dir, err, sizeof(err));
	struct policy_candidate *c;
	struct policy_rule_spec r = { .name = "no-telnet", .action = "deny", .proto = "tcp", .dst_port = "23" };
	struct engine_config cfg;

	assert_non_null(s);
	assert_int_equal(policy_store_version(s), 1);
	assert_int_equal(policy_store_add(s, &r, 0, &c, err, sizeof(err)), 0);
	commit_ok(s, c, 2);
	load_dataplane(s, &cfg);
	assert_int_equal(cfg.n_fw_rules, 1);
	assert_int_equal(cfg.fw_default_action, FW_ACTION_ALLOW);
	engine_config_free(&cfg);
	policy_store_free(s);

	/* broken YAML is a clear error */
	s = policy_store_open("firewall: [", 11, "broken.yaml", fx->dir, err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "broken.yaml:"));
}

/* Sections the store does not interpret (dynamic address sets) and the
 * geoip key travel unchanged through versions to the data plane. */
static void test_dynamic_sets_survive_edits(void **state)
{
	struct fixture *fx = *state;
	const char *mmdb = "../shared/data/geoip/geo-whois-asn-country.mmdb";
	char yaml[1024], err[512] = "", *dp;
	struct policy_store *s;
	struct policy_candidate *c;
	struct policy_rule_spec r = { .name = "no-kp", .action = "deny", .src = "@bad-geo" };
	struct engine_config cfg;
	size_t len;

	if (access(mmdb, R_OK) != 0) {
		print_message("skipped: %s is absent\n", mmdb);
		skip();
	}
	snprintf(yaml, sizeof(yaml),
		 "geoip-database: %s\n"
		 "firewall:\n"
		 "  address-sets:\n"
		 "    bad-geo: { countries: [KP] }\n"
		 "    mgmt: { prefixes: [\"10.255.0.0/16\"] }\n"
		 "  rules:\n"
		 "    - { name: mgmt-ssh, src: \"@mgmt\", proto: tcp, dst-port: 22, action: allow }\n", mmdb);
	s = policy_store_open(yaml, strlen(yaml), "geo.yaml", fx->dir, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	assert_int_equal(policy_store_add(s, &r, 1, &c, err, sizeof(err)), 0);
	commit_ok(s, c, 2);
	policy_store_free(s);
	s = policy_store_open(yaml, strlen(yaml), "geo.yaml", fx->dir, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(policy_store_render_dataplane(s, &dp, &len), 0);
	assert_non_null(strstr(dp, "geoip-database: "));
	assert_non_null(strstr(dp, "countries:"));
	engine_config_init(&cfg);
	if (engine_config_load_string(&cfg, dp, len, "dp.yaml", err, sizeof(err)) != 0)
		fail_msg("%s\n---\n%s", err, dp);
	assert_int_equal(cfg.n_fw_rules, 2);
	assert_string_equal(cfg.fw_rules[0].name, "no-kp");
	assert_string_equal(cfg.geoip_database, mmdb);
	engine_config_free(&cfg);
	free(dp);
	policy_store_free(s);
}

/* fuzz_policy_yaml regressions: strings the renderer once wrote so that they
 * read back changed. Awkward but legal text must survive vN.yaml unchanged. */
static void test_yaml_awkward_strings_round_trip(void **state)
{
	static const char yaml[] = "firewall:\n"
				   "  rules:\n"
				   "    - name: \"caf\\u00e9 \\\"q\\\" \\\\ #x: [y]\"\n"
				   "      note: \"yes\"\n"
				   "      empty: \"\"\n"
				   "      bom: \"\\ufeffa\\uffff\"\n"
				   "      \"odd: key\": \"- -1\"\n";
	json_t *fw = NULL, *fw2 = NULL;
	char err[256] = "", *out;
	size_t len = 0;

	(void)state;
	assert_int_equal(policy_yaml_read(yaml, strlen(yaml), "t.yaml", &fw, NULL, err, sizeof(err)), 0);
	out = policy_render_firewall(fw, &len);
	assert_non_null(out);
	if (policy_yaml_read(out, len, "render", &fw2, NULL, err, sizeof(err)) != 0 || !json_equal(fw, fw2))
		fail_msg("does not read back (%s):\n%s", err, out);
	json_t *rule = json_array_get(json_object_get(fw2, "rules"), 0);
	assert_string_equal(json_string_value(json_object_get(rule, "name")), "caf\xc3\xa9 \"q\" \\ #x: [y]");
	assert_string_equal(json_string_value(json_object_get(rule, "note")), "yes");
	assert_string_equal(json_string_value(json_object_get(rule, "empty")), "");
	assert_non_null(strstr(out, "caf\xc3\xa9")); /* UTF-8 text stays readable */
	free(out);
	json_decref(fw);
	json_decref(fw2);
}

/* NEL ("\N"), U+2028, tabs and other controls are YAML line breaks or
 * invisible: a policy never needs them, so the reader refuses them. */
static void test_yaml_control_characters_refused(void **state)
{
	static const char *const bad[] = {
		"firewall:\n  rules:\n    - name: \"a\\Nb\"\n",
		"firewall:\n  rules:\n    - name: \"a\\Lb\"\n",
		"firewall:\n  rules:\n    - name: \"a\\tb\"\n",
		"firewall:\n  rules:\n    - name: \"a\\x85b\"\n",
		"firewall:\n  rules:\n    - \"k\\x01\": x\n",
		"firewall:\n  rules:\n    - name: |\n        two\n        lines\n",
	};
	json_t *fw = NULL;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (policy_yaml_read(bad[i], strlen(bad[i]), "t.yaml", &fw, NULL, err, sizeof(err)) == 0)
			fail_msg("accepted:\n%s", bad[i]);
		assert_null(fw);
		assert_non_null(strstr(err, "t.yaml:"));
	}
}

/* `vars` takes what the engine's loader takes; other shapes were accepted,
 * then refused when the rendered file was read back. */
static void test_yaml_vars_shapes(void **state)
{
	static const char *const bad[] = {
		"vars:\n  ps:\n  irewall:ps:\n    HOME_NET: x\n",
		"vars:\n  address-groups:\n    HOME_NET:\n      inner: x\n",
		"vars:\n  address-groups: [a, b]\n",
		"vars:\n  port-groups:\n    \"BAD NAME\": \"80\"\n",
		"vars: x\n",
	};
	static const char good[] = "vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n    EMPTY:\n"
				   "  port-groups:\n";
	json_t *fw = NULL, *extras = NULL, *fw2 = NULL, *extras2 = NULL;
	char err[256] = "", *out;
	size_t len = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (policy_yaml_read(bad[i], strlen(bad[i]), "t.yaml", &fw, &extras, err, sizeof(err)) == 0)
			fail_msg("accepted:\n%s", bad[i]);
		assert_non_null(strstr(err, "vars"));
	}
	assert_int_equal(policy_yaml_read(good, strlen(good), "t.yaml", &fw, &extras, err, sizeof(err)), 0);
	json_t *empty_fw = json_object(), *blocklist = json_array();
	out = policy_render_dataplane(extras, empty_fw, blocklist, &len);
	assert_non_null(out);
	if (policy_yaml_read(out, len, "render", &fw2, &extras2, err, sizeof(err)) != 0 ||
	    !json_equal(extras, extras2))
		fail_msg("does not read back (%s):\n%s", err, out);
	struct engine_config cfg;
	engine_config_init(&cfg);
	if (engine_config_load_string(&cfg, out, len, "dp.yaml", err, sizeof(err)) != 0)
		fail_msg("engine refuses (%s):\n%s", err, out);
	assert_int_equal(cfg.n_vars, 2);
	engine_config_free(&cfg);
	free(out);
	json_decref(empty_fw);
	json_decref(blocklist);
	json_decref(fw);
	json_decref(fw2);
	json_decref(extras);
	json_decref(extras2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_initial_version_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edits_versions_and_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_candidate_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_without_firewall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dynamic_sets_survive_edits, setup, teardown),
		cmocka_unit_test(test_yaml_awkward_strings_round_trip),
		cmocka_unit_test(test_yaml_control_characters_refused),
		cmocka_unit_test(test_yaml_vars_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
