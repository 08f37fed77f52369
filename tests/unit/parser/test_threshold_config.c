/* unit_parser_threshold_config: threshold.config (suppress, threshold,
 * event_filter, rate_filter) applied to a rule set, errors with name:line,
 * sig_ruleset_load_buffer against sig_ruleset_load_path, the embedded
 * "# rampart: threshold.config" section. */
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/parser/parser_test.h"

static const char base_rules[] =
	"alert tcp any any -> any any (msg:\"a\"; content:\"a\"; sid:1;)\n"
	"alert tcp any any -> any any (msg:\"b\"; content:\"b\"; sid:2;)\n"
	"alert tcp any any -> any any (msg:\"c\"; content:\"c\"; gid:3; sid:2;)\n"
	"alert tcp any any -> any any (msg:\"own\"; content:\"d\"; "
	"threshold: type threshold, track by_dst, count 5, seconds 30; sid:4;)\n"
	"alert tcp any any -> any any (msg:\"df\"; content:\"e\"; "
	"detection_filter: track by_src, count 5, seconds 30; sid:5;)\n";

static struct sig_ruleset *load_base(void)
{
	struct sig_ruleset *rs = sig_ruleset_new();
	char err[256];
	assert_int_equal(sig_ruleset_load_buffer(rs, base_rules, strlen(base_rules), "base.rules", NULL, err,
						 sizeof(err)), 0);
	assert_int_equal(rs->n_rules, 5);
	assert_int_equal(rs->n_errors, 0);
	return rs;
}

static int apply(struct sig_ruleset *rs, const char *text)
{
	char err[256] = "";
	int n = sig_threshold_config_apply(rs, text, strlen(text), "threshold.config", err, sizeof(err));
	if (n < 0)
		fail_msg("apply failed: %s", err);
	return n;
}

static const struct sig_rule *rule(const struct sig_ruleset *rs, uint32_t gid, uint32_t sid)
{
	for (size_t i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].gid == gid && rs->rules[i].sid == sid)
			return &rs->rules[i];
	fail_msg("no rule %u:%u", gid, sid);
	return NULL;
}

/* Is the IPv4 address in the spans? (independent of detect's search) */
static bool spans_have4(const struct sig_ip_spans *s, const char *ip)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
	uint64_t v = ntohl(a.s_addr);
	for (uint32_t i = 0; i < s->n4; i++) {
		assert_int_equal(s->v4[i].first.hi, 0);
		if (i)
			assert_true(s->v4[i].first.lo > s->v4[i - 1].last.lo + 1); /* sorted, merged */
		if (s->v4[i].first.lo <= v && v <= s->v4[i].last.lo)
			return true;
	}
	return false;
}

static void test_suppress_forms(void **state)
{
	(void)state;
	struct sig_ruleset *rs = load_base();
	assert_int_equal(apply(rs, "# comment\n"
				   "\n"
				   "suppress gen_id 1, sig_id 1\n"
				   "suppress gen_id 1, sig_id 2, track by_src, ip 10.0.0.1\n"
				   "suppress gen_id 1, sig_id 2, track by_src, ip 10.0.0.2\n"
				   "suppress gen_id 1, sig_id 2, track by_dst, ip 172.16.0.0/12\n"
				   "  suppress sig_id 2, gen_id 3, \\\n"
				   "      track by_either, ip [192.168.0.0/16, !192.168.1.0/24]\r\n"
				   "suppress gen_id 1, sig_id 4, track by_src, ip $HOME_NET\n"),
			 6);
	assert_int_equal(rs->n_threshold_errors, 0);
	assert_int_equal(rs->n_threshold_applied, 6);
	const struct sig_suppress *s = rule(rs, 1, 1)->suppress;
	assert_non_null(s);
	assert_true(s->all);
	s = rule(rs, 1, 2)->suppress;
	assert_non_null(s);
	assert_false(s->all);
	assert_int_equal(s->src.n4, 1); /* .1 and .2 merged */
	assert_true(spans_have4(&s->src, "10.0.0.1"));
	assert_true(spans_have4(&s->src, "10.0.0.2"));
	assert_false(spans_have4(&s->src, "10.0.0.3"));
	assert_false(spans_have4(&s->src, "172.16.0.1"));
	assert_true(spans_have4(&s->dst, "172.31.255.255"));
	assert_false(spans_have4(&s->dst, "172.32.0.0"));
	/* gid 3's sid 2 is another rule: by_either puts the list on both sides */
	s = rule(rs, 3, 2)->suppress;
	assert_non_null(s);
	assert_true(spans_have4(&s->src, "192.168.0.1") && spans_have4(&s->dst, "192.168.0.1"));
	assert_false(spans_have4(&s->src, "192.168.1.1") || spans_have4(&s->dst, "192.168.1.1"));
	assert_int_equal(s->src.n4, 2);
	/* $HOME_NET (Suricata's default) */
	s = rule(rs, 1, 4)->suppress;
	assert_true(spans_have4(&s->src, "10.1.2.3") && spans_have4(&s->src, "192.168.9.9"));
	assert_false(spans_have4(&s->src, "8.8.8.8"));
	assert_int_equal(s->dst.n4 + s->dst.n6, 0);
	assert_null(rule(rs, 1, 5)->suppress);
	sig_ruleset_free(rs);
}

static void test_threshold_forms(void **state)
{
	(void)state;
	struct sig_ruleset *rs = load_base();
	assert_int_equal(apply(rs, "threshold gen_id 1, sig_id 1, type limit, track by_src, count 1, seconds 60\n"
				   "event_filter gen_id 0, sig_id 2, type both, track by_both, count 3, seconds 5\n"
				   "threshold gen_id 1, sig_id 4, type limit, track by_rule, count 2, seconds 10\n"
				   "threshold gen_id 1, sig_id 5, type threshold, track by_dst, count 7, seconds 9\n"),
			 4);
	const struct sig_rule *r = rule(rs, 1, 1);
	assert_true(r->has_threshold);
	assert_int_equal(r->threshold.type, SIG_THRESH_LIMIT);
	assert_int_equal(r->threshold.track, SIG_TRACK_BY_SRC);
	assert_int_equal(r->threshold.count, 1);
	assert_int_equal(r->threshold.seconds, 60);
	/* gen_id 0 with a sid: that sid in every gid */
	for (uint32_t gid = 1; gid <= 3; gid += 2) {
		r = rule(rs, gid, 2);
		assert_true(r->has_threshold);
		assert_int_equal(r->threshold.type, SIG_THRESH_BOTH);
		assert_int_equal(r->threshold.track, SIG_TRACK_BY_BOTH);
		assert_int_equal(r->threshold.count, 3);
	}
	/* a sid's entry replaces the rule's own threshold ... */
	r = rule(rs, 1, 4);
	assert_int_equal(r->threshold.type, SIG_THRESH_LIMIT);
	assert_int_equal(r->threshold.track, SIG_TRACK_BY_RULE);
	assert_int_equal(r->threshold.count, 2);
	/* ... or its detection_filter (Suricata) */
	r = rule(rs, 1, 5);
	assert_false(r->has_detection_filter);
	assert_true(r->has_threshold);
	assert_int_equal(r->threshold.count, 7);
	sig_ruleset_free(rs);
}

static void test_global_threshold_keeps_rule_own(void **state)
{
	(void)state;
	struct sig_ruleset *rs = load_base();
	assert_int_equal(apply(rs, "threshold gen_id 0, sig_id 0, type limit, track by_src, count 1, seconds 60\n"
				   "threshold gen_id 1, sig_id 0, type both, track by_src, count 9, seconds 60\n"),
			 2);
	assert_int_equal(rule(rs, 1, 1)->threshold.type, SIG_THRESH_LIMIT); /* first global wins */
	assert_int_equal(rule(rs, 3, 2)->threshold.type, SIG_THRESH_LIMIT);
	assert_int_equal(rule(rs, 1, 4)->threshold.type, SIG_THRESH_THRESHOLD); /* its own stays */
	assert_int_equal(rule(rs, 1, 4)->threshold.count, 5);
	assert_true(rule(rs, 1, 5)->has_detection_filter);
	assert_false(rule(rs, 1, 5)->has_threshold);
	sig_ruleset_free(rs);
}

static void test_global_suppress_shared_and_merged(void **state)
{
	(void)state;
	struct sig_ruleset *rs = load_base();
	assert_int_equal(apply(rs, "suppress gen_id 0, sig_id 0, track by_src, ip 10.9.0.0/16\n"
				   "suppress gen_id 3, sig_id 0, track by_dst, ip 10.8.0.1\n"
				   "suppress gen_id 1, sig_id 1, track by_src, ip 10.7.0.1\n"),
			 3);
	const struct sig_suppress *a = rule(rs, 1, 1)->suppress, *b = rule(rs, 1, 2)->suppress,
				  *c = rule(rs, 3, 2)->suppress, *d = rule(rs, 1, 4)->suppress;
	assert_true(a && b && c && d);
	assert_ptr_equal(b, d); /* only the global entry: one shared list */
	assert_true(spans_have4(&a->src, "10.9.1.1") && spans_have4(&a->src, "10.7.0.1"));
	assert_true(spans_have4(&c->src, "10.9.1.1") && spans_have4(&c->dst, "10.8.0.1"));
	assert_false(spans_have4(&b->dst, "10.8.0.1"));
	/* a second call adds to what the first built */
	assert_int_equal(apply(rs, "suppress gen_id 1, sig_id 2, track by_dst, ip 10.6.0.1\n"), 1);
	b = rule(rs, 1, 2)->suppress;
	assert_true(spans_have4(&b->src, "10.9.1.1") && spans_have4(&b->dst, "10.6.0.1"));
	assert_false(spans_have4(&rule(rs, 1, 4)->suppress->dst, "10.6.0.1"));
	sig_ruleset_free(rs);
}

struct want_error {
	uint32_t line;
	const char *keyword, *reason_part;
};

static void assert_errors(const struct sig_ruleset *rs, const char *name, const struct want_error *want, size_t n)
{
	for (size_t i = 0; i < rs->n_threshold_errors && i < n; i++) {
		const struct sig_load_error *e = &rs->threshold_errors[i];
		if (strcmp(e->file, name) != 0 || e->line != want[i].line || strcmp(e->keyword, want[i].keyword) != 0 ||
		    !strstr(e->reason, want[i].reason_part))
			fail_msg("error %zu: got %s:%u: %s: %s, want line %u %s: ...%s...", i, e->file, e->line,
				 e->keyword, e->reason, want[i].line, want[i].keyword, want[i].reason_part);
	}
	assert_int_equal(rs->n_threshold_errors, n);
}

static void test_errors_name_lines_rest_applies(void **state)
{
	(void)state;
	struct sig_ruleset *rs = load_base();
	static const char text[] =
		"suppress gen_id 1, sig_id 1, track by_src, ip 10.0.0.1\n"                    /* 1 ok */
		"suppress gen_id 1, sig_id 1, track by_src\n"                                 /* 2 */
		"suppress gen_id 1, sig_id 1, ip 10.0.0.1\n"                                  /* 3 */
		"suppress gen_id 1, sig_id 1, track by_rule, ip 10.0.0.1\n"                   /* 4 */
		"suppress gen_id 1, sig_id 1, track by_src, ip 10.0.0.300\n"                  /* 5 */
		"threshold gen_id 1, sig_id 1, type sometimes, track by_src, count 1, seconds 1\n" /* 6 */
		"threshold gen_id 1, sig_id 1, type limit, track by_src, count 0, seconds 1\n" /* 7 */
		"threshold gen_id 1, sig_id 1, type limit, track by_src, count 1\n"           /* 8 */
		"threshold gen_id 1, sig_id 999, type limit, track by_src, count 1, seconds 1\n" /* 9 */
		"quench gen_id 1, sig_id 1\n"                                                 /* 10 */
		"suppress gen_id x, sig_id 1\n"                                               /* 11 */
		"suppress sig_id 1\n"                                                         /* 12 */
		"suppress gen_id 1, sig_id 1, sig_id 2\n"                                     /* 13 */
		"suppress gen_id 1, sig_id 1, colour red\n"                                   /* 14 */
		"rate_filter gen_id 1, sig_id 1, track by_rule, count 100, seconds 60, \\\n"  /* 15 */
		"   new_action drop, timeout 30\n"                                            /* 16 */
		"rate_filter gen_id 1, sig_id 1, track by_rule, count 100\n"                  /* 17 */
		"event_filter gen_id 1, sig_id 2, type both, track by_dst, count 2, seconds 2\n" /* 18 ok */
		"threshold gen_id 1, sig_id 2, type both, track by_flow, count 5, seconds 60\n" /* 19 */
		"suppress gen_id 1, sig_id 2, track by_src, ip $NO_SUCH_VAR";                 /* 20, no newline */
	static const struct want_error want[] = {
		{ 2, "suppress", "track needs ip" },
		{ 3, "suppress", "ip needs track" },
		{ 4, "suppress", "unknown track 'by_rule'" },
		{ 5, "suppress", "ip:" },
		{ 6, "threshold", "unknown type 'sometimes'" },
		{ 7, "threshold", "bad count '0'" },
		{ 8, "threshold", "needs type, track, count and seconds" },
		{ 9, "threshold", "no rule with gid 1 sid 999" },
		{ 10, "threshold.config", "unknown directive 'quench'" },
		{ 11, "suppress", "bad gen_id 'x'" },
		{ 12, "suppress", "needs gen_id and sig_id" },
		{ 13, "suppress", "sig_id given twice" },
		{ 14, "suppress", "unknown option 'colour'" },
		{ 15, "rate_filter", "rate_filter: not supported" },
		{ 17, "rate_filter", "needs track, count, seconds, new_action and timeout" },
		{ 19, "threshold", "track by_flow: not supported" },
		{ 20, "suppress", "NO_SUCH_VAR" },
	};
	assert_int_equal(apply(rs, text), 2);
	assert_errors(rs, "threshold.config", want, sizeof(want) / sizeof(want[0]));
	assert_non_null(rule(rs, 1, 1)->suppress);
	assert_int_equal(rule(rs, 1, 2)->threshold.type, SIG_THRESH_BOTH);
	/* the summary and the error listing report them */
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	sig_ruleset_print_errors(rs, f);
	sig_ruleset_print_summary(rs, f);
	fclose(f);
	assert_non_null(strstr(out, "threshold.config:15: rate_filter: rate_filter: not supported"));
	assert_non_null(strstr(out, "threshold.config: 2 applied, 17 refused"));
	free(out);
	sig_ruleset_free(rs);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	char err[128] = "";
	struct sig_ruleset *rs = sig_ruleset_new();
	assert_int_equal(sig_threshold_config_apply(NULL, "x", 1, "n", err, sizeof(err)), -1);
	assert_true(err[0]);
	assert_int_equal(sig_threshold_config_apply(rs, NULL, 3, "n", err, sizeof(err)), -1);
	assert_int_equal(sig_ruleset_load_buffer(rs, NULL, 3, "n", NULL, err, sizeof(err)), -1);
	assert_int_equal(sig_ruleset_load_buffer(rs, "x", 1, NULL, NULL, err, sizeof(err)), -1);
	/* empty texts are fine */
	assert_int_equal(sig_threshold_config_apply(rs, "", 0, "n", err, sizeof(err)), 0);
	assert_int_equal(sig_ruleset_load_buffer(rs, "", 0, "n", NULL, err, sizeof(err)), 0);
	/* a NUL inside the text and no final newline: no overread */
	static const char nul_text[] = "suppress gen_id 1, sig_id 1\0garbage";
	assert_int_equal(sig_threshold_config_apply(rs, nul_text, sizeof(nul_text) - 1, "n", err, sizeof(err)), 0);
	assert_int_equal(rs->n_threshold_errors, 1); /* no rule 1:1 in an empty set */
	sig_ruleset_free(rs);
}

/* Rules with errors, a multi-line rule, then an embedded threshold.config. */
static const char bundle[] =
	"# rules\n"
	"alert tcp any any -> any any (msg:\"one\"; content:\"a\"; sid:1;)\n"
	"alert tcp any any -> any any (msg:\"bad\"; content:\"c\"; foobar_kw:1; sid:2;)\n"
	"alert tcp any any -> any any (msg:\"multi\"; \\\n"
	"    content:\"b\"; sid:3;)\r\n"
	"alert tcp any any -> any any (msg:\"dup\"; content:\"d\"; sid:1;)\n"
	"alert http any any -> any any (msg:\"inactive\"; http.uri; content:\"/x\"; sid:5;)\n"
	"# rampart: threshold.config\n"
	"suppress gen_id 1, sig_id 1, track by_src, ip 10.0.0.1\n"
	"rate_filter gen_id 1, sig_id 3, track by_rule, count 1, seconds 1, new_action drop, timeout 1\n"
	"alert tcp any any -> any any (msg:\"not a rule here\"; sid:9;)\n"
	"threshold gen_id 1, sig_id 3, type limit, track by_src, count 1, seconds 60\n";

static void assert_same_error(const struct sig_load_error *a, const struct sig_load_error *b)
{
	assert_string_equal(a->file, b->file);
	assert_int_equal(a->line, b->line);
	assert_true((a->keyword == NULL) == (b->keyword == NULL));
	if (a->keyword)
		assert_string_equal(a->keyword, b->keyword);
	assert_string_equal(a->reason, b->reason);
}

static void test_load_buffer_equals_load_path(void **state)
{
	(void)state;
	char path[] = "/tmp/rampart-tc-XXXXXX.rules", err[256];
	int fd = mkstemps(path, 6);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bundle, sizeof(bundle) - 1), (ssize_t)(sizeof(bundle) - 1));
	close(fd);
	struct sig_ruleset *from_file = sig_ruleset_new(), *from_mem = sig_ruleset_new();
	assert_int_equal(sig_ruleset_load_path(from_file, path, NULL, err, sizeof(err)), 0);
	assert_int_equal(sig_ruleset_load_buffer(from_mem, bundle, sizeof(bundle) - 1, path, NULL, err, sizeof(err)), 0);
	unlink(path);

	const struct sig_ruleset *x = from_file, *y = from_mem;
	assert_int_equal(x->n_read, 5);
	assert_int_equal(x->n_rules, 3);
	assert_int_equal(x->n_active, 2);
	assert_int_equal(x->n_errors, 2);
	assert_int_equal(x->n_threshold_applied, 2);
	assert_int_equal(x->n_threshold_errors, 2);
	assert_int_equal(x->threshold_errors[0].line, 10); /* line numbers of the whole text */
	assert_non_null(strstr(x->threshold_errors[0].reason, "rate_filter: not supported"));
	assert_int_equal(x->threshold_errors[1].line, 11);
	assert_int_equal(y->n_read, x->n_read);
	assert_int_equal(y->n_rules, x->n_rules);
	assert_int_equal(y->n_active, x->n_active);
	assert_int_equal(y->n_errors, x->n_errors);
	assert_int_equal(y->n_threshold_applied, x->n_threshold_applied);
	assert_int_equal(y->n_threshold_errors, x->n_threshold_errors);
	for (size_t i = 0; i < x->n_errors; i++)
		assert_same_error(&x->errors[i], &y->errors[i]);
	for (size_t i = 0; i < x->n_threshold_errors; i++)
		assert_same_error(&x->threshold_errors[i], &y->threshold_errors[i]);
	for (size_t i = 0; i < x->n_rules; i++) {
		assert_string_equal(x->rules[i].file, y->rules[i].file);
		assert_int_equal(x->rules[i].line, y->rules[i].line);
		assert_string_equal(x->rules[i].text, y->rules[i].text);
		assert_true((x->rules[i].suppress == NULL) == (y->rules[i].suppress == NULL));
		assert_int_equal(x->rules[i].has_threshold, y->rules[i].has_threshold);
	}
	assert_non_null(y->rules[0].suppress);
	assert_int_equal(y->rules[1].sid, 3);
	assert_int_equal(y->rules[1].line, 4);
	assert_true(y->rules[1].has_threshold);
	sig_ruleset_free(from_file);
	sig_ruleset_free(from_mem);
}

static void test_embedded_section_uses_load_vars(void **state)
{
	(void)state;
	static const char text[] = "alert tcp any any -> any any (msg:\"one\"; content:\"a\"; sid:1;)\n"
				   "  # rampart: threshold.config  \n"
				   "suppress gen_id 1, sig_id 1, track by_dst, ip $MGMT\n";
	struct sig_vars *vars = sig_vars_new_defaults();
	char err[256];
	assert_int_equal(sig_vars_set(vars, "MGMT", "[198.51.100.0/24]", err, sizeof(err)), 0);
	struct sig_load_options opt = { .vars = vars };
	struct sig_ruleset *rs = sig_ruleset_new();
	assert_int_equal(sig_ruleset_load_buffer(rs, text, sizeof(text) - 1, "bundle", &opt, err, sizeof(err)), 0);
	assert_int_equal(rs->n_threshold_errors, 0);
	assert_int_equal(rs->n_threshold_applied, 1);
	assert_true(spans_have4(&rs->rules[0].suppress->dst, "198.51.100.9"));
	/* the stand-alone call: Suricata's defaults, or the caller's table */
	static const char entry[] = "suppress gen_id 1, sig_id 1, track by_src, ip $MGMT\n";
	assert_int_equal(sig_threshold_config_apply(rs, entry, sizeof(entry) - 1, "t", err, sizeof(err)), 0);
	assert_int_equal(rs->n_threshold_errors, 1);
	assert_int_equal(sig_threshold_config_apply_vars(rs, entry, sizeof(entry) - 1, "t", vars, err, sizeof(err)), 1);
	assert_true(spans_have4(&rs->rules[0].suppress->src, "198.51.100.9"));
	assert_true(spans_have4(&rs->rules[0].suppress->dst, "198.51.100.9"));
	sig_ruleset_free(rs);
	sig_vars_free(vars);
}

/* Every threshold.config of suricata-verify: applied, or refused for a reason we name. */
static struct sig_ruleset *sv_rules;
static size_t sv_files, sv_bad;

static int visit_sv(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	const char *base = path + ftw->base;
	if (type != FTW_F || strncmp(base, "threshold", 9) != 0 || !strstr(base, ".conf"))
		return 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char text[8192];
	size_t n = fread(text, 1, sizeof(text), f);
	fclose(f);
	size_t before = sv_rules->n_threshold_errors;
	char err[256];
	assert_true(sig_threshold_config_apply(sv_rules, text, n, path, err, sizeof(err)) >= 0);
	sv_files++;
	for (size_t i = before; i < sv_rules->n_threshold_errors; i++) {
		const char *why = sv_rules->threshold_errors[i].reason;
		if (!strstr(why, "rate_filter: not supported") && !strstr(why, "track by_flow: not supported") &&
		    !strstr(why, "$SUPPRESS")) {
			fprintf(stderr, "%s:%u: %s\n", path, sv_rules->threshold_errors[i].line, why);
			sv_bad++;
		}
	}
	return 0;
}

static void test_suricata_verify_files(void **state)
{
	(void)state;
	const char *data = getenv("RAMPART_SHARED_DATA");
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/suricata-verify/tests", data ? data : "../shared/data");
	if (access(dir, R_OK) != 0) {
		print_message("skipped: %s absent\n", dir);
		skip();
	}
	static const char rule_text[] = "drop tcp any any -> any any (dsize:0; sid:1000001;)\n";
	char err[256];
	sv_rules = sig_ruleset_new();
	assert_int_equal(sig_ruleset_load_buffer(sv_rules, rule_text, sizeof(rule_text) - 1, "r", NULL, err,
						 sizeof(err)), 0);
	sv_files = sv_bad = 0;
	assert_int_equal(nftw(dir, visit_sv, 16, FTW_PHYS), 0);
	assert_true(sv_files >= 10);
	assert_int_equal(sv_bad, 0);
	sig_ruleset_free(sv_rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suppress_forms),
		cmocka_unit_test(test_threshold_forms),
		cmocka_unit_test(test_global_threshold_keeps_rule_own),
		cmocka_unit_test(test_global_suppress_shared_and_merged),
		cmocka_unit_test(test_errors_name_lines_rest_applies),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_load_buffer_equals_load_path),
		cmocka_unit_test(test_embedded_section_uses_load_vars),
		cmocka_unit_test(test_suricata_verify_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
