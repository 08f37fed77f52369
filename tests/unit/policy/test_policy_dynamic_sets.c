/*
 * unit_policy_dynamic_sets - firewall address sets in the mapping form:
 * countries (expanded through a GeoIP database written at test time) and
 * reputation (a category's addresses at or above a score), united with
 * static prefixes, expanded into the set's LPM tables at build; and the
 * errors a user gets when the data is missing or the set is malformed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/engine/policy/rep_sources.h"
#include "signatures/parser/sig_parser.h"
#include "tests/unit/geoip/geoip_test_db.h"
#include "tests/unit/policy/policy_test_util.h"
#include "tests/unit/geoip/rep_test_util.h"

static char db_path[300];
static char rep_dir[] = "/tmp/rampart-fwrep-XXXXXX";
static char cat_path[320], rep_path[320];

static int setup(void **state)
{
	(void)state;
	policy_test_eal_init();
	if (geoip_test_db_write(db_path, sizeof(db_path)) || !mkdtemp(rep_dir))
		return -1;
	snprintf(cat_path, sizeof(cat_path), "%s/categories.txt", rep_dir);
	snprintf(rep_path, sizeof(rep_path), "%s/rep.list", rep_dir);
	rep_test_write_file(cat_path, "1,BadHosts,Known bad hosts\n");
	rep_test_write_file(rep_path, "10.0.0.0/8,1,20\n10.1.0.0/16,1,90\n10.1.2.3,1,7\nfd00:bad::/32,1,60\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	geoip_test_db_remove(db_path);
	unlink(cat_path);
	unlink(rep_path);
	rmdir(rep_dir);
	return 0;
}

/* The data keys (with this run's paths) followed by `firewall`. */
static char *config_text(const char *firewall)
{
	char *s;
	assert_true(asprintf(&s, "geoip-database: %s\nreputation-categories-file: %s\nreputation-files: [%s]\n%s",
			     db_path, cat_path, rep_path, firewall) > 0);
	return s;
}

static struct fw_policy *build(struct engine_config *cfg, const char *firewall, char *err, size_t errlen)
{
	char *yaml = config_text(firewall);
	struct fw_policy *pol = policy_from_yaml(cfg, yaml, err, errlen);
	free(yaml);
	return pol;
}

static uint8_t verdict(const struct fw_policy *pol, const char *src, const char *dst)
{
	struct packet p = policy_test_packet(0, 6, src, 1234, dst, 80);
	return fw_policy_rule_action(pol, policy_test_classify(pol, &p));
}

static void test_countries_deny(void **state)
{
	(void)state;
	struct engine_config cfg;
	char err[512] = "";
	struct fw_policy *pol = build(&cfg,
		"firewall:\n  default-action: allow\n"
		"  address-sets:\n    bad-geo: { countries: [KP] }\n"
		"  rules:\n    - { name: geo, src: \"@bad-geo\", action: deny }\n", err, sizeof(err));
	if (!pol)
		fail_msg("%s", err);
	assert_int_equal(verdict(pol, "10.66.1.1", "10.0.0.2"), FW_ACTION_DENY);
	assert_int_equal(verdict(pol, "10.68.255.1", "10.0.0.2"), FW_ACTION_DENY);
	assert_int_equal(verdict(pol, "10.67.1.1", "10.0.0.2"), FW_ACTION_ALLOW);
	assert_int_equal(verdict(pol, "10.0.0.2", "10.66.1.1"), FW_ACTION_ALLOW); /* src only */
	assert_int_equal(verdict(pol, "2001:db8:66::1", "2001:db8::2"), FW_ACTION_DENY);
	assert_int_equal(verdict(pol, "2001:db8:67::1", "2001:db8::2"), FW_ACTION_ALLOW);
	fw_policy_free(pol);
	engine_config_free(&cfg);
}

static void test_union_and_nesting(void **state)
{
	(void)state;
	struct engine_config cfg;
	char err[512] = "";
	/* inner (a country inside 10/8) and outer sets: a 10.66 address is in both */
	struct fw_policy *pol = build(&cfg,
		"firewall:\n  default-action: allow\n"
		"  address-sets:\n"
		"    lab: [\"10.0.0.0/8\"]\n"
		"    mixed: { prefixes: [\"172.16.0.0/12\"], countries: [zz, KP] }\n"
		"  rules:\n"
		"    - { name: both, src: \"@mixed\", dst: \"@lab\", action: deny }\n"
		"    - { name: rest, src: \"@mixed\", action: reject }\n", err, sizeof(err));
	if (!pol)
		fail_msg("%s", err);
	assert_int_equal(verdict(pol, "10.66.1.1", "10.5.5.5"), FW_ACTION_DENY);    /* KP -> lab */
	assert_int_equal(verdict(pol, "172.16.9.9", "10.5.5.5"), FW_ACTION_DENY);   /* prefix -> lab */
	assert_int_equal(verdict(pol, "192.168.77.1", "8.8.8.8"), FW_ACTION_REJECT); /* ZZ -> elsewhere */
	assert_int_equal(verdict(pol, "10.67.1.1", "10.5.5.5"), FW_ACTION_ALLOW);   /* KR: not in mixed */
	fw_policy_free(pol);
	engine_config_free(&cfg);
}

static void test_reputation_min_score(void **state)
{
	(void)state;
	struct engine_config cfg;
	char err[512] = "";
	struct fw_policy *pol = build(&cfg,
		"firewall:\n  default-action: allow\n"
		"  address-sets:\n    bad-rep: { reputation: { category: BadHosts, min-score: 50 } }\n"
		"  rules:\n    - { name: rep, src: \"@bad-rep\", action: deny }\n", err, sizeof(err));
	if (!pol)
		fail_msg("%s", err);
	assert_int_equal(verdict(pol, "10.1.9.9", "192.0.2.1"), FW_ACTION_DENY);    /* 90 */
	assert_int_equal(verdict(pol, "10.1.2.4", "192.0.2.1"), FW_ACTION_DENY);    /* 90 */
	assert_int_equal(verdict(pol, "10.1.2.3", "192.0.2.1"), FW_ACTION_ALLOW);   /* 7, most specific */
	assert_int_equal(verdict(pol, "10.200.0.1", "192.0.2.1"), FW_ACTION_ALLOW); /* 20 */
	assert_int_equal(verdict(pol, "11.0.0.1", "192.0.2.1"), FW_ACTION_ALLOW);   /* unlisted */
	assert_int_equal(verdict(pol, "fd00:bad::1", "fd00::2"), FW_ACTION_DENY);   /* 60 */
	fw_policy_free(pol);
	engine_config_free(&cfg);
}

static void test_shared_sources(void **state)
{
	(void)state;
	struct engine_config cfg;
	struct rep_sources src;
	char err[512] = "";
	char *yaml = config_text("firewall:\n  address-sets:\n    g: { countries: [KP] }\n"
				 "  rules:\n    - { name: geo, src: \"@g\", action: deny }\n");
	engine_config_init(&cfg);
	assert_int_equal(engine_config_load_string(&cfg, yaml, strlen(yaml), "fw.yaml", err, sizeof(err)), 0);
	free(yaml);
	assert_int_equal(rep_sources_open(&cfg, &src, NULL, err, sizeof(err)), 0);
	assert_non_null(src.geoip);
	assert_non_null(src.iprep);
	/* two builds from one opened database */
	for (int i = 0; i < 2; i++) {
		struct fw_policy *pol = fw_policy_build_with(&cfg, NULL, &src, err, sizeof(err));
		if (!pol)
			fail_msg("%s", err);
		assert_int_equal(verdict(pol, "10.66.1.1", "10.0.0.2"), FW_ACTION_DENY);
		fw_policy_free(pol);
	}
	/* the rule loader's side of the same sources */
	struct sig_load_options opt = { 0 };
	struct rep_sources hold;
	assert_int_equal(sig_load_options_attach_reputation(&opt, &cfg, &hold, NULL, err, sizeof(err)), 0);
	assert_true(opt.geoip == hold.geoip && opt.iprep == hold.iprep && opt.geoip != NULL);
	rep_sources_close(&hold);
	rep_sources_close(&src);
	engine_config_free(&cfg);
}

static void expect_error(const char *yaml, bool with_data, const char *needle1, const char *needle2)
{
	struct engine_config cfg;
	char err[512] = "";
	char *text = with_data ? config_text(yaml) : strdup(yaml);
	struct fw_policy *pol = policy_from_yaml(&cfg, text, err, sizeof(err));
	free(text);
	if (pol)
		fail_msg("policy built, expected an error with '%s'", needle1);
	if (!strstr(err, needle1) || (needle2 && !strstr(err, needle2)))
		fail_msg("error '%s' lacks '%s' / '%s'", err, needle1, needle2 ? needle2 : "");
	engine_config_free(&cfg);
}

static void test_errors(void **state)
{
	(void)state;
	/* the data is not configured: the build names the set */
	expect_error("firewall:\n  address-sets:\n    bad-geo: { countries: [KP] }\n", false,
		     "firewall.address-sets.bad-geo: countries need geoip-database", NULL);
	expect_error("firewall:\n  address-sets:\n    bad-rep: { reputation: { category: BadHosts, min-score: 1 } }\n",
		     false, "firewall.address-sets.bad-rep: reputation needs reputation-categories-file", NULL);
	/* shape errors: file, line, key */
	expect_error("firewall:\n  address-sets:\n    bad-geo: { countries: [KPX] }\n", false,
		     "fw.yaml:3:", "firewall.address-sets.bad-geo.countries: 'KPX' is not a two-letter country code");
	expect_error("firewall:\n  address-sets:\n    s: { cities: [x] }\n", false,
		     "fw.yaml:3:", "unknown key 'firewall.address-sets.s.cities'");
	expect_error("firewall:\n  address-sets:\n    s: { reputation: { category: BadHosts } }\n", false,
		     "firewall.address-sets.s.reputation: min-score is required", NULL);
	expect_error("firewall:\n  address-sets:\n    s: { reputation: { category: BadHosts, min-score: 200 } }\n",
		     false, "firewall.address-sets.s.reputation.min-score", NULL);
	expect_error("firewall:\n  address-sets:\n    s: {}\n", false, "firewall.address-sets.s: empty set", NULL);
	/* with data: an unknown category, a bad static prefix */
	expect_error("firewall:\n  address-sets:\n    s: { reputation: { category: Nope, min-score: 1 } }\n", true,
		     "firewall.address-sets.s: unknown reputation category 'Nope'", NULL);
	expect_error("firewall:\n  address-sets:\n    s: { prefixes: [\"10.0.0.0/33\"], countries: [KP] }\n", true,
		     "firewall.address-sets.s: ", "(line 6)");
	/* odd shapes: an error each, never a crash */
	expect_error("firewall:\n  address-sets:\n    s: { countries: }\n", false, "s.countries: empty value", NULL);
	expect_error("firewall:\n  address-sets:\n    s: { countries: [[KP]] }\n", false, "s.countries: list items", NULL);
	expect_error("firewall:\n  address-sets:\n    s: { reputation: [x] }\n", false, "s.reputation: expected", NULL);
	expect_error("firewall:\n  address-sets:\n    s: { reputation: { category: [x], min-score: 1 } }\n", false,
		     "s.reputation.category: expected a category short name", NULL);
	expect_error("firewall:\n  address-sets:\n    s: { prefixes: {a: b} }\n", false, "s.prefixes: expected", NULL);
	expect_error("firewall:\n  address-sets:\n    s: { [x]: y }\n", false, "firewall.address-sets.s: malformed", NULL);
	expect_error("firewall:\n  address-sets:\n    s: { countries: [KP] }\n    s: [\"10.0.0.0/8\"]\n", false,
		     "firewall.address-sets.s: set defined twice", NULL);
	/* an unreadable database */
	expect_error("geoip-database: /nonexistent/geo.mmdb\nfirewall:\n  address-sets:\n    g: { countries: [KP] }\n",
		     false, "geoip-database: /nonexistent/geo.mmdb", NULL);
}

/* The real database (../shared): a policy denying two large countries builds
 * in the test's 256 MB of EAL memory and classifies like mmdblookup answers. */
static void test_real_database(void **state)
{
	(void)state;
	const char *shared = getenv("RAMPART_SHARED");
	char path[512], *yaml;
	snprintf(path, sizeof(path), "%s/data/geoip/geo-whois-asn-country.mmdb", shared ? shared : "../shared");
	if (access(path, R_OK) != 0) {
		printf("# skip: %s absent\n", path);
		skip();
	}
	assert_true(asprintf(&yaml, "geoip-database: %s\nfirewall:\n  address-sets:\n    g: { countries: [RU, CN] }\n"
			     "  rules:\n    - { name: geo, src: \"@g\", action: deny }\n", path) > 0);
	struct engine_config cfg;
	char err[512] = "";
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct fw_policy *pol = policy_from_yaml(&cfg, yaml, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(yaml);
	if (!pol)
		fail_msg("%s", err);
	printf("# policy with countries [RU, CN] built in %.3f s\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	assert_int_equal(verdict(pol, "77.88.8.8", "10.0.0.2"), FW_ACTION_DENY);        /* RU */
	assert_int_equal(verdict(pol, "114.114.114.114", "10.0.0.2"), FW_ACTION_DENY);  /* CN */
	assert_int_equal(verdict(pol, "2a02:6b8::1", "fd00::2"), FW_ACTION_DENY);       /* RU */
	assert_int_equal(verdict(pol, "8.8.8.8", "10.0.0.2"), FW_ACTION_ALLOW);         /* US */
	assert_int_equal(verdict(pol, "1.1.1.1", "10.0.0.2"), FW_ACTION_ALLOW);         /* AU */
	fw_policy_free(pol);
	engine_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_countries_deny),
		cmocka_unit_test(test_union_and_nesting),
		cmocka_unit_test(test_reputation_min_score),
		cmocka_unit_test(test_shared_sources),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_real_database),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
