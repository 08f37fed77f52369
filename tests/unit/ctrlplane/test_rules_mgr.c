/*
 * test_rules_mgr.c - rampartd's rule manager: what `rampartctl rules
 * enable|disable|reload` does to the bundle a data plane runs.
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

#include "ctrlplane/rules/rules_mgr.h"
#include "signatures/compiler/hs_cache.h"

#define R1 "alert tcp any any -> any 80 (msg:\"one\"; content:\"GET\"; classtype:attempted-recon; sid:1001; rev:1;)"
#define R2 "alert udp any any -> any 53 (msg:\"two\"; content:\"abc\"; classtype:trojan-activity; sid:1002; rev:1;)"
#define R3 "alert tcp any any -> any any (msg:\"three\\; escaped\"; content:\"xyz\"; sid:1003; rev:1;)"
#define R4_A "alert tcp any any -> any 25 (msg:\"four\"; \\"
#define R4_B "    content:\"MAIL\"; classtype:attempted-recon; sid:1004; rev:1;)"
#define R4 "alert tcp any any -> any 25 (msg:\"four\";     content:\"MAIL\"; classtype:attempted-recon; sid:1004; rev:1;)"
#define R5 "alert tcp any any -> any 443 (msg:\"five\"; content:\"TLS\"; sid:2001; rev:1;)"

struct fixture {
	char dir[64];
	char rules[96];
	char state[96];
};

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/rules-mgr-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->rules, sizeof(fx->rules), "%s/rules", fx->dir);
	snprintf(fx->state, sizeof(fx->state), "%s/state", fx->dir);
	mkdir(fx->rules, 0755);
	write_text(fx->rules, "alpha.rules",
		   "# a comment line, not a rule\n" R1 "\n" R2 "\n#" R3 "\n\n" R4_A "\n" R4_B "\n");
	write_text(fx->rules, "beta.rules", "# " R5 "\n# alert: this is prose, not a rule\n");
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

static struct rules_mgr *make_mgr(const struct fixture *fx, const char *const *files, size_t n,
				  const char *threshold)
{
	static const char *const dir_only[] = { "." };
	struct rules_mgr_config cfg = {
		.default_rule_path = fx->rules,
		.rule_files = files ? files : dir_only,
		.n_rule_files = files ? n : 1,
		.threshold_file = threshold,
	};
	char err[256] = "";
	struct rules_mgr *m = rules_mgr_new(&cfg, fx->state, err, sizeof(err));

	if (!m)
		fail_msg("rules_mgr_new: %s", err);
	return m;
}

static void build_ok(struct rules_mgr *m, struct rules_build_result *res)
{
	char err[512] = "";

	if (rules_mgr_build(m, res, err, sizeof(err)) != 0)
		fail_msg("build refused: %s", err);
}

static void test_sha256_known_answers(void **state)
{
	char hex[65];

	(void)state;
	rules_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	rules_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_file_state_and_multiline(void **state)
{
	struct fixture *fx = *state;
	struct rules_mgr *m = make_mgr(fx, NULL, 0, NULL);
	struct rules_build_result res;

	build_ok(m, &res);
	/* directory = every *.rules sorted; commented rules stay out; the
	 * continued rule is joined on one line */
	assert_string_equal(res.text, R1 "\n" R2 "\n" R4 "\n");
	assert_int_equal(res.n_files, 2);
	assert_int_equal(res.n_enabled, 3);
	assert_int_equal(res.n_disabled, 2);
	assert_int_equal(res.n_active, 3);
	assert_int_equal(res.n_rejected, 0);
	assert_int_equal(res.n_compiled, 3);
	assert_true(res.detect_bytes > 0);
	rules_build_result_free(&res);
	rules_mgr_free(m);
}

static void test_toggles_change_bundle(void **state)
{
	struct fixture *fx = *state;
	struct rules_mgr *m = make_mgr(fx, NULL, 0, NULL);
	struct rules_build_result res;
	char err[256];

	/* by sid: off; a commented rule on */
	assert_int_equal(rules_mgr_toggle(m, false, RULES_TOGGLE_SID, "1001", err, sizeof(err)), 0);
	assert_int_equal(rules_mgr_toggle(m, true, RULES_TOGGLE_SID, "1:1003", err, sizeof(err)), 0);
	build_ok(m, &res);
	assert_string_equal(res.text, R2 "\n" R3 "\n" R4 "\n");
	assert_int_equal(res.n_active, 3);
	rules_build_result_free(&res);

	/* by classtype: attempted-recon covers 1001 (sid-disabled) and 1004 */
	assert_int_equal(rules_mgr_toggle(m, false, RULES_TOGGLE_CLASSTYPE, "attempted-recon", err, sizeof(err)), 0);
	build_ok(m, &res);
	assert_string_equal(res.text, R2 "\n" R3 "\n");
	rules_build_result_free(&res);

	/* by category: beta.rules enables its commented rule */
	assert_int_equal(rules_mgr_toggle(m, true, RULES_TOGGLE_CATEGORY, "beta.rules", err, sizeof(err)), 0);
	build_ok(m, &res);
	assert_string_equal(res.text, R2 "\n" R3 "\n" R5 "\n");
	rules_build_result_free(&res);

	/* precedence: a group disable beats a group enable, an exact sid beats both */
	assert_int_equal(rules_mgr_toggle(m, false, RULES_TOGGLE_CATEGORY, "alpha.rules", err, sizeof(err)), 0);
	assert_int_equal(rules_mgr_toggle(m, true, RULES_TOGGLE_CLASSTYPE, "trojan-activity", err, sizeof(err)), 0);
	assert_int_equal(rules_mgr_toggle(m, true, RULES_TOGGLE_SID, "1004", err, sizeof(err)), 0);
	build_ok(m, &res);
	assert_string_equal(res.text, R3 "\n" R4 "\n" R5 "\n");
	rules_build_result_free(&res);

	/* a later toggle of the same value replaces the earlier one */
	assert_int_equal(rules_mgr_toggle(m, true, RULES_TOGGLE_SID, "1003", err, sizeof(err)), 0);
	assert_int_equal(rules_mgr_toggle(m, false, RULES_TOGGLE_SID, "1003", err, sizeof(err)), 0);
	build_ok(m, &res);
	assert_string_equal(res.text, R4 "\n" R5 "\n");
	rules_build_result_free(&res);

	/* malformed values are refused */
	assert_int_equal(rules_mgr_toggle(m, false, RULES_TOGGLE_SID, "12x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "12x"));
	assert_int_equal(rules_mgr_toggle(m, false, RULES_TOGGLE_CATEGORY, "alpha", err, sizeof(err)), -1);
	assert_int_equal(rules_mgr_toggle(m, false, RULES_TOGGLE_SID, "0", err, sizeof(err)), -1);

	/* uncommitted toggles can be dropped */
	rules_mgr_revert_toggles(m);
	build_ok(m, &res);
	assert_string_equal(res.text, R1 "\n" R2 "\n" R4 "\n");
	rules_build_result_free(&res);
	rules_mgr_free(m);
}

static void test_rejection_names_original_line(void **state)
{
	struct fixture *fx = *state;
	static const char *const files[] = { "alpha.rules", "broken.rules" };
	struct rules_mgr *m;
	struct rules_build_result res;
	char want[256];

	write_text(fx->rules, "broken.rules",
		   "# header\n\n" "alert tcp any any -> any any (msg:\"bad\"; nosuchkeyword; sid:3001;)\n" R5 "\n");
	m = make_mgr(fx, files, 2, NULL);
	build_ok(m, &res);
	assert_int_equal(res.n_rejected, 1);
	assert_int_equal(res.n_active, 4);
	assert_int_equal(res.n_rejections, 1);
	snprintf(want, sizeof(want), "%s/broken.rules:3: ", fx->rules);
	if (strncmp(res.rejections[0], want, strlen(want)) != 0)
		fail_msg("rejection '%s' does not start with '%s'", res.rejections[0], want);
	rules_build_result_free(&res);
	rules_mgr_free(m);
	unlink(strcat(strcpy(want, fx->rules), "/broken.rules"));
}

static void test_all_broken_is_refused(void **state)
{
	struct fixture *fx = *state;
	char dir[128], err[512] = "";
	static const char *const files[] = { "bad/only.rules" };
	struct rules_mgr *m;
	struct rules_build_result res;
	const char *text;

	snprintf(dir, sizeof(dir), "%s/bad", fx->rules);
	mkdir(dir, 0755);
	write_text(dir, "only.rules", "alert tcp any any -> any any (msg:\"x\"; bogus; sid:1;)\n"
				      "alert tcp any any -> (sid:2;)\n");
	m = make_mgr(fx, files, 1, NULL);
	assert_int_equal(rules_mgr_build(m, &res, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no active rule"));
	assert_non_null(strstr(err, "only.rules:1:"));
	assert_int_equal(res.n_rejected, 2);
	rules_build_result_free(&res);
	rules_mgr_current(m, &text, NULL, NULL, NULL);
	assert_null(text);
	rules_mgr_free(m);

	/* a missing rule file is a clear error */
	static const char *const missing[] = { "nope.rules" };
	m = make_mgr(fx, missing, 1, NULL);
	assert_int_equal(rules_mgr_build(m, &res, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nope.rules"));
	rules_build_result_free(&res);
	rules_mgr_free(m);
}

static void test_commit_persists_and_is_deterministic(void **state)
{
	struct fixture *fx = *state;
	struct rules_mgr *m = make_mgr(fx, NULL, 0, NULL);
	struct rules_build_result res;
	char err[256], sha[65];
	const char *text, *cur_sha;
	uint64_t gen;
	json_t *toggles;

	assert_int_equal(rules_mgr_toggle(m, false, RULES_TOGGLE_SID, "1002", err, sizeof(err)), 0);
	assert_int_equal(rules_mgr_toggle(m, true, RULES_TOGGLE_CATEGORY, "beta.rules", err, sizeof(err)), 0);
	build_ok(m, &res);
	memcpy(sha, res.sha256, sizeof(sha));
	assert_int_equal(rules_mgr_commit(m, &res, err, sizeof(err)), 0);
	assert_null(res.text);
	rules_build_result_free(&res);
	rules_mgr_current(m, &text, NULL, &cur_sha, &gen);
	assert_string_equal(text, R1 "\n" R4 "\n" R5 "\n");
	assert_string_equal(cur_sha, sha);
	rules_mgr_free(m);

	/* a restarted daemon: same toggles, same bundle, same sha */
	m = make_mgr(fx, NULL, 0, NULL);
	rules_mgr_current(m, &text, NULL, &cur_sha, &gen);
	assert_non_null(text);
	assert_string_equal(text, R1 "\n" R4 "\n" R5 "\n");
	assert_string_equal(cur_sha, sha);
	toggles = rules_mgr_list_toggles(m);
	assert_int_equal(json_array_size(json_object_get(toggles, "disabled")), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(toggles, "disabled"), 0), "value")), "1:1002");
	json_decref(toggles);
	build_ok(m, &res);
	assert_string_equal(res.sha256, sha);
	assert_int_equal(rules_mgr_commit(m, &res, err, sizeof(err)), 0);
	rules_build_result_free(&res);
	{
		uint64_t gen2;

		rules_mgr_current(m, NULL, NULL, NULL, &gen2);
		assert_int_equal(gen2, gen + 1);
	}
	rules_mgr_free(m);
}

/* The compiled blob: recorded by the validation, committed beside the bundle,
 * read back by a restarted daemon, and complete for the bundle's rules. */
static void test_commit_keeps_compiled_blob(void **state)
{
	struct fixture *fx = *state;
	struct rules_mgr *m = make_mgr(fx, NULL, 0, NULL);
	struct rules_build_result res;
	char err[256], path[160];
	const uint8_t *blob, *blob2;
	size_t len, len2;
	struct stat st;

	build_ok(m, &res);
	assert_non_null(res.hsdb);
	assert_true(res.hs_cache_entries >= 1);
	assert_int_equal(rules_mgr_commit(m, &res, err, sizeof(err)), 0);
	assert_null(res.hsdb);
	rules_build_result_free(&res);
	rules_mgr_current_hsdb(m, &blob, &len);
	assert_non_null(blob);
	snprintf(path, sizeof(path), "%s/rules/current.hsdb", fx->state);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, len);
	{
		struct detect_hs_cache *c = detect_hs_cache_load(blob, len, err, sizeof(err));

		assert_non_null(c);
		assert_true(detect_hs_cache_count(c) >= 1);
		detect_hs_cache_free(c);
	}
	/* a restarted daemon offers the same blob */
	uint8_t *copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, blob, len);
	rules_mgr_free(m);
	m = make_mgr(fx, NULL, 0, NULL);
	rules_mgr_current_hsdb(m, &blob2, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(blob2, copy, len);
	free(copy);
	rules_mgr_free(m);
}

static void test_threshold_file_appended(void **state)
{
	struct fixture *fx = *state;
	char path[128];
	static const char *const files[] = { "alpha.rules" };
	struct rules_mgr *m;
	struct rules_build_result res;

	snprintf(path, sizeof(path), "%s/threshold.config", fx->dir);
	char want[256];

	write_text(fx->dir, "threshold.config", "# thresholds\n"
		   "suppress gen_id 1, sig_id 1001, track by_src, ip 10.0.0.1\n"
		   "rate_filter gen_id 1, sig_id 1002, track by_src, count 1, seconds 1, new_action drop, timeout 5\n");
	m = make_mgr(fx, files, 1, path);
	build_ok(m, &res);
	assert_string_equal(res.text, R1 "\n" R2 "\n" R4 "\n" RULES_BUNDLE_THRESHOLD_MARKER "\n"
				      "# thresholds\n"
				      "suppress gen_id 1, sig_id 1001, track by_src, ip 10.0.0.1\n"
				      "rate_filter gen_id 1, sig_id 1002, track by_src, count 1, seconds 1,"
				      " new_action drop, timeout 5\n");
	assert_int_equal(res.n_active, 3);
	assert_int_equal(res.n_threshold_applied, 1);
	assert_int_equal(res.n_threshold_rejected, 1);
	/* the refused entry names the threshold file and its own line */
	assert_int_equal(res.n_rejections, 1);
	snprintf(want, sizeof(want), "%s:3: ", path);
	if (strncmp(res.rejections[0], want, strlen(want)) != 0)
		fail_msg("rejection '%s' does not start with '%s'", res.rejections[0], want);
	rules_build_result_free(&res);
	rules_mgr_free(m);
}

static void test_missing_geoip_database_refused(void **state)
{
	struct fixture *fx = *state;
	struct engine_config ec;
	static const char *const dir_only[] = { "." };
	struct rules_mgr_config cfg = { .default_rule_path = fx->rules, .rule_files = dir_only,
					.n_rule_files = 1, .engine = &ec };
	char err[512] = "";
	struct rules_mgr *m;
	struct rules_build_result res;

	engine_config_init(&ec);
	assert_int_equal(engine_config_set_var(&ec, "HOME_NET", "[10.0.0.0/8]", false), 0);
	ec.geoip_database = strdup("/nonexistent/geo.mmdb");
	m = rules_mgr_new(&cfg, fx->state, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(rules_mgr_build(m, &res, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "geoip-database"));
	rules_build_result_free(&res);
	rules_mgr_free(m);
	engine_config_free(&ec);
}

static void test_et_open_2024(void **state)
{
	const char *et = "../shared/data/rules/et-open-2024";
	struct stat st;
	char err[512] = "", state_dir[64] = "/tmp/rules-et-XXXXXX", cmd[128];
	static const char *const files[] = { "." };
	struct rules_mgr_config cfg = { .rule_files = files, .n_rule_files = 1 };
	struct rules_mgr *m;
	struct rules_build_result res;
	json_t *j;
	char *text;

	(void)state;
	if (stat(et, &st) != 0) {
		print_message("skipped: ../shared/data/rules/et-open-2024 is absent\n");
		skip();
	}
	cfg.default_rule_path = et;
	assert_non_null(mkdtemp(state_dir));
	m = rules_mgr_new(&cfg, state_dir, err, sizeof(err));
	assert_non_null(m);
	if (rules_mgr_build(m, &res, err, sizeof(err)) != 0)
		fail_msg("ET Open refused: %s", err);
	j = rules_build_result_json(&res);
	json_object_del(j, "rejections");
	text = json_dumps(j, JSON_COMPACT);
	print_message("ET Open 2024: %s\n", text);
	free(text);
	json_decref(j);
	assert_true(res.n_files > 40);
	assert_true(res.n_enabled > 20000);
	assert_true(res.n_loaded > 20000);
	assert_true(res.n_active > 3000);
	assert_true(res.n_disabled > 1000);
	rules_build_result_free(&res);
	rules_mgr_free(m);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_known_answers),
		cmocka_unit_test_setup_teardown(test_file_state_and_multiline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_toggles_change_bundle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejection_names_original_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_broken_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_persists_and_is_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_keeps_compiled_blob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threshold_file_appended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_geoip_database_refused, setup, teardown),
		cmocka_unit_test(test_et_open_2024),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
