/*
 * change.c - one configuration change, end to end.
 *
 * A command prepares what the data planes must run (bundle text, policy
 * YAML) and how to commit it; here it is pushed to every attached data
 * plane, and committed only when all of them accepted it. A refusal (or a
 * data plane that does not answer within RAMPARTD_LOAD_TIMEOUT_S) aborts:
 * nothing is committed, and data planes that had already switched get the
 * current configuration back. With no data plane attached, a valid change
 * commits at once and reaches data planes when they attach.
 *
 * Only one change is in flight; changing commands queue behind it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrlplane/daemon/audit.h"
#include "ctrlplane/daemon/rampartd.h"
#include "ctrlplane/policy/policy_store.h"
#include "ctrlplane/rules/rules_mgr.h"

struct change *change_new(struct rampartd *d, struct session *ctl, const char *command)
{
	struct change *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->id = d->next_change_id++;
	c->ctl = ctl;
	c->uid = ctl ? ctl->uid : geteuid();
	c->pid = ctl ? ctl->pid : getpid();
	c->command = strdup(command ? command : "");
	c->results = json_array();
	if (!c->command || !c->results) {
		change_free(c);
		return NULL;
	}
	return c;
}

void change_free(struct change *c)
{
	if (!c)
		return;
	free(c->command);
	free(c->rules_text);
	free(c->hsdb);
	free(c->config_yaml);
	free(c->text);
	json_decref(c->data);
	json_decref(c->results);
	free(c);
}

int change_use_current(struct rampartd *d, struct change *c)
{
	const char *text, *sha;
	const uint8_t *hsdb;
	size_t len, hsdb_len;
	uint64_t gen;

	rules_mgr_current(d->rules, &text, &len, &sha, &gen);
	rules_mgr_current_hsdb(d->rules, &hsdb, &hsdb_len);
	free(c->rules_text);
	c->rules_text = NULL;
	c->rules_len = 0;
	free(c->hsdb);
	c->hsdb = NULL;
	c->hsdb_len = 0;
	if (hsdb && hsdb_len) {
		c->hsdb = malloc(hsdb_len);
		if (!c->hsdb)
			return -1;
		memcpy(c->hsdb, hsdb, hsdb_len);
		c->hsdb_len = hsdb_len;
	}
	if (text) {
		c->rules_text = malloc(len + 1);
		if (!c->rules_text)
			return -1;
		memcpy(c->rules_text, text, len);
		c->rules_text[len] = '\0';
		c->rules_len = len;
		snprintf(c->sha256, sizeof(c->sha256), "%s", sha);
	}
	c->generation = gen;
	c->policy_version = policy_store_version(d->policy);
	free(c->config_yaml);
	c->config_yaml = NULL;
	return policy_store_render_dataplane(d->policy, &c->config_yaml, &c->config_len);
}

static double json_num(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(json_object_get(o, a), b);

	return json_is_number(v) ? json_number_value(v) : 0.0;
}

/* "dataplane pid 123: ok, parse 0.41 s, compile 2.10 s, swap 0.001 s, total 2.53 s, rss 812 MiB (peak 1.2 GiB)" */
static void describe_result(FILE *f, const json_t *r)
{
	const json_t *res = json_object_get(r, "result");
	json_int_t pid = json_integer_value(json_object_get(r, "pid"));

	if (!json_is_true(json_object_get(res, "ok"))) {
		fprintf(f, "dataplane pid %lld: refused: %s\n", (long long)pid,
			json_string_value(json_object_get(res, "error")) ?: "no answer");
		return;
	}
	const char *hs = json_string_value(json_object_get(json_object_get(res, "timing"), "hs_cache"));

	fprintf(f, "dataplane pid %lld: ok%s, parse %.3f s, compile %.3f s%s%s%s, swap %.3f s, total %.3f s, "
		"rss %.1f MiB (peak %.1f MiB)\n", (long long)pid,
		json_is_false(json_object_get(res, "rules_changed")) ? " (rules unchanged)" : "",
		json_num(res, "timing", "parse_s"), json_num(res, "timing", "compile_s"),
		hs ? " (compiled blob: " : "", hs ? hs : "", hs ? ")" : "",
		json_num(res, "timing", "swap_s"), json_num(res, "timing", "total_s"),
		json_num(res, "memory", "rss_kb") / 1024.0, json_num(res, "memory", "rss_peak_kb") / 1024.0);
}

/* Data planes that accepted the aborted change get the current configuration back. */
static void restore_dataplanes(struct rampartd *d, struct change *c)
{
	struct change *cur = change_new(d, NULL, "restore");
	size_t i;
	json_t *r;

	if (!cur || change_use_current(d, cur) != 0) {
		change_free(cur);
		return;
	}
	json_array_foreach(c->results, i, r) {
		if (!json_is_true(json_object_get(json_object_get(r, "result"), "ok")))
			continue;
		for (struct session *s = d->sessions; s; s = s->next)
			if (!s->dead && s->role == SESSION_DP &&
			    (json_int_t)s->pid == json_integer_value(json_object_get(r, "pid")))
				dp_send_load(d, s, cur->generation, cur->sha256, cur->policy_version,
					     cur->rules_text, cur->rules_len, cur->config_yaml,
					     cur->config_len, cur->hsdb, cur->hsdb_len, 0);
	}
	change_free(cur);
}

static void finish(struct rampartd *d)
{
	struct change *c = d->change;
	char err[512] = "";
	bool ok = c->refused[0] == '\0';
	double seconds = rampartd_now() - c->started_at;
	FILE *f;
	char *text = NULL;
	size_t text_len = 0;
	size_t i;
	json_t *r;

	d->change = NULL;
	if (ok && c->commit && c->commit(d, c, err, sizeof(err)) != 0) {
		ok = false;
		snprintf(c->refused, sizeof(c->refused), "commit failed: %s", err);
	}
	if (!ok) {
		if (c->discard)
			c->discard(d, c);
		if (json_array_size(c->results) > 0)
			restore_dataplanes(d, c);
	}
	if (c->is_reload) {
		if (ok)
			d->reloads_ok++;
		else
			d->reloads_refused++;
		d->last_reload_seconds = seconds;
	}
	f = open_memstream(&text, &text_len);
	if (f) {
		if (c->text)
			fputs(c->text, f);
		json_array_foreach(c->results, i, r)
			describe_result(f, r);
		if (ok && json_array_size(c->results) == 0 && dp_count(d) == 0 && c->ctl)
			fputs("no data plane attached: applies when one attaches\n", f);
		fclose(f);
	}
	if (!c->data)
		c->data = json_object();
	json_object_set(c->data, "dataplanes", c->results);
	json_object_set_new(c->data, "seconds", json_real(seconds));
	if (ok) {
		audit_record(d->audit, c->uid, c->pid, c->command, "ok");
		ctl_reply_ok(d, c->ctl, text, json_incref(c->data), NULL);
	} else {
		char result[600];

		snprintf(result, sizeof(result), "refused: %s", c->refused);
		audit_record(d->audit, c->uid, c->pid, c->command, result);
		if (c->ctl)
			fprintf(stderr, "rampartd: %s: %s\n", c->command, c->refused);
		ctl_reply_error(d, c->ctl, c->refused, NULL);
	}
	free(text);
	change_free(c);
	metrics_snapshot_update(d);
}

void change_start(struct rampartd *d, struct change *c)
{
	d->change = c;
	if (c->started_at == 0)
		c->started_at = rampartd_now();
	c->deadline = c->started_at + RAMPARTD_LOAD_TIMEOUT_S;
	for (struct session *s = d->sessions; s; s = s->next) {
		if (s->dead || s->role != SESSION_DP)
			continue;
		if (dp_send_load(d, s, c->generation, c->sha256, c->policy_version, c->rules_text, c->rules_len,
				 c->config_yaml, c->config_len, c->hsdb, c->hsdb_len, c->id) == 0)
			c->n_waiting++;
	}
	if (c->n_waiting == 0)
		finish(d);
}

void change_dp_result(struct rampartd *d, struct session *dp, const json_t *result)
{
	struct change *c = d->change;

	if (!c || c->n_waiting == 0)
		return;
	json_array_append_new(c->results, json_pack("{s:I, s:O}", "pid", (json_int_t)dp->pid,
						     "result", result));
	if (!json_is_true(json_object_get(result, "ok")) && c->refused[0] == '\0') {
		const char *why = json_string_value(json_object_get(result, "error"));

		snprintf(c->refused, sizeof(c->refused), "dataplane pid %d refused: %s", (int)dp->pid,
			 why ? why : "no reason given");
	}
	if (--c->n_waiting == 0)
		finish(d);
}

void change_dp_gone(struct rampartd *d, struct session *dp)
{
	struct change *c = d->change;

	if (!c || c->n_waiting == 0)
		return;
	for (unsigned i = 0; i < dp->dp->n_inflight; i++) {
		if (dp->dp->inflight[i].change_id == c->id) {
			/* It gets the committed state when it re-attaches. */
			if (--c->n_waiting == 0)
				finish(d);
			return;
		}
	}
}

void change_tick(struct rampartd *d)
{
	struct change *c = d->change;

	if (!c || rampartd_now() < c->deadline)
		return;
	if (c->refused[0] == '\0')
		snprintf(c->refused, sizeof(c->refused),
			 "%u data plane(s) did not answer within %.0f s", c->n_waiting, RAMPARTD_LOAD_TIMEOUT_S);
	c->n_waiting = 0;
	finish(d);
}
