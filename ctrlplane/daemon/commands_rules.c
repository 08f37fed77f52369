/*
 * commands_rules.c - `rampartctl rules ...` and the start-up bundle.
 *
 * Every rules change is: toggle (in memory) -> rules_mgr_build (parse +
 * compile, the daemon's own validation) -> change.c (every data plane loads
 * it) -> rules_mgr_commit. A refusal anywhere drops the uncommitted toggles,
 * so the persisted state is always a set that loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlplane/daemon/rampartd.h"
#include "ctrlplane/policy/policy_store.h"
#include "ctrlplane/rules/rules_mgr.h"

/* Rules in a bundle: non-empty, non-comment lines before the threshold part. */
static uint64_t bundle_rule_count(const char *text, size_t len)
{
	uint64_t n = 0;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l >= strlen(RULES_BUNDLE_THRESHOLD_MARKER) &&
		    memcmp(p, RULES_BUNDLE_THRESHOLD_MARKER, strlen(RULES_BUNDLE_THRESHOLD_MARKER)) == 0)
			break;
		if (l > 0 && p[0] != '#')
			n++;
		p = nl ? nl + 1 : end;
	}
	return n;
}

static void update_rule_count(struct rampartd *d)
{
	const char *text;
	size_t len;

	rules_mgr_current(d->rules, &text, &len, NULL, NULL);
	d->rules_loaded = text ? bundle_rule_count(text, len) : 0;
}

static void describe_build(FILE *f, const struct rules_build_result *r)
{
	fprintf(f, "rules: %zu enabled, %zu disabled in %zu file(s); parsed %zu, rejected %zu; compiled %zu, skipped %zu\n",
		r->n_enabled, r->n_disabled, r->n_files, r->n_loaded, r->n_rejected, r->n_compiled, r->n_skipped);
	fprintf(f, "daemon: parse %.3f s, compile %.3f s, detect memory %.1f MiB, rss %.1f MiB (peak %.1f MiB)\n",
		r->parse_seconds, r->compile_seconds, (double)r->detect_bytes / (1024.0 * 1024.0),
		(double)r->rss_kb / 1024.0, (double)r->rss_peak_kb / 1024.0);
	for (size_t i = 0; i < r->n_rejections; i++)
		fprintf(f, "  rejected: %s\n", r->rejections[i]);
	if (r->n_rejected > r->n_rejections)
		fprintf(f, "  ... and %zu more rejected\n", r->n_rejected - r->n_rejections);
}

void rules_initial_build(struct rampartd *d)
{
	struct rules_build_result res;
	const char *text;
	char err[512];

	rules_mgr_current(d->rules, &text, NULL, NULL, NULL);
	if (!text) {
		memset(&res, 0, sizeof(res));
		if (rules_mgr_build(d->rules, &res, err, sizeof(err)) != 0)
			fprintf(stderr, "rampartd: rules refused: %s (data planes keep what they run)\n", err);
		else if (rules_mgr_commit(d->rules, &res, err, sizeof(err)) != 0)
			fprintf(stderr, "rampartd: rules: %s\n", err);
		rules_build_result_free(&res);
	}
	update_rule_count(d);
}

struct rules_change {
	struct rules_build_result res;
	bool toggled;
};

static int rules_commit(struct rampartd *d, struct change *c, char *err, size_t errlen)
{
	struct rules_change *rc = c->arg;
	uint64_t gen;
	char line[128];

	if (rules_mgr_commit(d->rules, &rc->res, err, errlen) != 0)
		return -1;
	rules_mgr_current(d->rules, NULL, NULL, NULL, &gen);
	update_rule_count(d);
	snprintf(line, sizeof(line), "generation %llu committed\n", (unsigned long long)gen);
	size_t old = c->text ? strlen(c->text) : 0;
	char *grown = realloc(c->text, old + strlen(line) + 1);

	if (grown) {
		memcpy(grown + old, line, strlen(line) + 1);
		c->text = grown;
	}
	json_object_set_new(c->data, "generation", json_integer((json_int_t)gen));
	rules_build_result_free(&rc->res);
	free(rc);
	c->arg = NULL;
	return 0;
}

static void rules_discard(struct rampartd *d, struct change *c)
{
	struct rules_change *rc = c->arg;

	if (!rc)
		return;
	if (rc->toggled)
		rules_mgr_revert_toggles(d->rules);
	rules_build_result_free(&rc->res);
	free(rc);
	c->arg = NULL;
}

/* Build, then push. The toggle (if any) is already applied in memory. */
static void rules_change(struct rampartd *d, struct session *s, const char *line, bool toggled)
{
	struct rules_change *rc = calloc(1, sizeof(*rc));
	struct change *c = change_new(d, s, line);
	char err[512];
	char *text = NULL;
	size_t text_len = 0;
	FILE *f;
	uint64_t gen;

	if (!rc || !c) {
		free(rc);
		change_free(c);
		if (toggled)
			rules_mgr_revert_toggles(d->rules);
		ctl_reply_error(d, s, "out of memory", line);
		return;
	}
	rc->toggled = toggled;
	c->arg = rc;
	c->commit = rules_commit;
	c->discard = rules_discard;
	c->is_reload = true;
	double t0 = rampartd_now();
	int built = rules_mgr_build(d->rules, &rc->res, err, sizeof(err));

	f = open_memstream(&text, &text_len);
	if (f) {
		describe_build(f, &rc->res);
		fclose(f);
	}
	c->text = text;
	c->data = rules_build_result_json(&rc->res);
	if (built != 0) {
		/* refused before any data plane saw it */
		d->reloads_refused++;
		d->last_reload_seconds = rampartd_now() - t0;
		rules_discard(d, c);
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", err);
		change_free(c);
		ctl_reply_error(d, s, msg, line);
		metrics_snapshot_update(d);
		return;
	}
	if (change_use_current(d, c) != 0) {
		rules_discard(d, c);
		change_free(c);
		ctl_reply_error(d, s, "out of memory", line);
		return;
	}
	/* payload: the new bundle, the current policy */
	free(c->rules_text);
	c->rules_text = malloc(rc->res.len + 1);
	if (!c->rules_text) {
		rules_discard(d, c);
		change_free(c);
		ctl_reply_error(d, s, "out of memory", line);
		return;
	}
	memcpy(c->rules_text, rc->res.text, rc->res.len + 1);
	c->rules_len = rc->res.len;
	/* the new bundle's compiled blob (the current one's came with change_use_current) */
	free(c->hsdb);
	c->hsdb = NULL;
	c->hsdb_len = 0;
	if (rc->res.hsdb && (c->hsdb = malloc(rc->res.hsdb_len)) != NULL) {
		memcpy(c->hsdb, rc->res.hsdb, rc->res.hsdb_len);
		c->hsdb_len = rc->res.hsdb_len;
	}
	memcpy(c->sha256, rc->res.sha256, sizeof(c->sha256));
	rules_mgr_current(d->rules, NULL, NULL, NULL, &gen);
	c->generation = gen + 1;
	c->started_at = t0;
	change_start(d, c);
}

static void rules_list_disabled(struct rampartd *d, struct session *s)
{
	json_t *t = rules_mgr_list_toggles(d->rules);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	size_t i;
	json_t *e;

	if (!t || !f) {
		if (f)
			fclose(f);
		free(out);
		json_decref(t);
		ctl_reply_error(d, s, "out of memory", NULL);
		return;
	}
	const char *sections[] = { "disabled", "enabled" };

	for (int k = 0; k < 2; k++) {
		json_t *list = json_object_get(t, sections[k]);

		fprintf(f, "%s (%zu):\n", sections[k], json_array_size(list));
		json_array_foreach(list, i, e)
			fprintf(f, "  %s %s\n", json_string_value(json_object_get(e, "kind")) ?: "?",
				json_string_value(json_object_get(e, "value")) ?: "?");
	}
	fclose(f);
	ctl_reply_ok(d, s, out, t, NULL);
	free(out);
}

void command_rules(struct rampartd *d, struct session *s, int argc, const char **argv, const char *line)
{
	static const char usage[] =
		"usage: rules reload | rules enable|disable --sid N|--classtype NAME|--category FILE.rules | rules list-disabled";
	char err[512];

	if (argc == 2 && strcmp(argv[1], "reload") == 0) {
		rules_change(d, s, line, false);
		return;
	}
	if (argc == 2 && strcmp(argv[1], "list-disabled") == 0) {
		rules_list_disabled(d, s);
		return;
	}
	if (argc == 4 && (strcmp(argv[1], "enable") == 0 || strcmp(argv[1], "disable") == 0)) {
		enum rules_toggle_kind kind;

		if (strcmp(argv[2], "--sid") == 0)
			kind = RULES_TOGGLE_SID;
		else if (strcmp(argv[2], "--classtype") == 0)
			kind = RULES_TOGGLE_CLASSTYPE;
		else if (strcmp(argv[2], "--category") == 0)
			kind = RULES_TOGGLE_CATEGORY;
		else {
			ctl_reply_error(d, s, usage, NULL);
			return;
		}
		if (rules_mgr_toggle(d->rules, strcmp(argv[1], "enable") == 0, kind, argv[3], err,
				     sizeof(err)) != 0) {
			rules_mgr_revert_toggles(d->rules);
			ctl_reply_error(d, s, err, line);
			return;
		}
		rules_change(d, s, line, true);
		return;
	}
	ctl_reply_error(d, s, usage, NULL);
}
