/*
 * commands.c - rampartctl's commands: dispatch, and the small ones
 * (status, stats, log reopen, iprep reload). Rules and policy commands live
 * in commands_rules.c and commands_policy.c.
 *
 * A read-only command replies at once. A changing one either fails at once
 * (usage, validation: audited as refused) or becomes a change (change.c)
 * that replies when every data plane answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrlplane/daemon/audit.h"
#include "ctrlplane/daemon/rampartd.h"
#include "ctrlplane/export/export.h"
#include "ctrlplane/policy/policy_store.h"
#include "ctrlplane/rules/rules_mgr.h"

static bool is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

bool command_changes_config(const json_t *argv)
{
	const char *a0 = json_string_value(json_array_get(argv, 0));
	const char *a1 = json_string_value(json_array_get(argv, 1));

	if (is(a0, "rules"))
		return !is(a1, "list-disabled");
	if (is(a0, "policy"))
		return is(a1, "add") || is(a1, "remove") || is(a1, "move") || is(a1, "rollback");
	if (is(a0, "block"))
		return !is(a1, "list");
	return is(a0, "unblock") || (is(a0, "iprep") && is(a1, "reload"));
}

static void describe_dp(FILE *f, const struct session *s, double now)
{
	const struct dp_state *dp = s->dp;
	size_t i;
	json_t *p;

	fprintf(f, "  pid %d: %u worker(s), ports", (int)dp->pid, dp->workers);
	json_array_foreach(dp->ports, i, p)
		fprintf(f, "%s%s", i ? "," : " ", json_string_value(json_object_get(p, "name")) ?: "?");
	fprintf(f, ", rules generation %llu, policy v%u, attached %.0f s ago%s\n",
		(unsigned long long)dp->generation, dp->policy_version, now - dp->attached_at,
		dp->n_inflight ? ", load pending" : "");
}

void command_status(struct rampartd *d, struct session *s)
{
	const char *text, *sha;
	size_t len;
	uint64_t gen;
	double now = rampartd_now();
	char *out = NULL;
	size_t out_len = 0;
	FILE *f = open_memstream(&out, &out_len);
	json_t *dps = json_array();

	rules_mgr_current(d->rules, &text, &len, &sha, &gen);
	if (!f || !dps) {
		json_decref(dps);
		ctl_reply_error(d, s, "out of memory", NULL);
		return;
	}
	fprintf(f, "rampartd: pid %d, up %.0f s, socket %s, state %s\n", (int)getpid(), now - d->started_at,
		d->cfg.socket, d->cfg.state_dir);
	if (text)
		fprintf(f, "rules: generation %llu, %llu rules, sha256 %.16s\n", (unsigned long long)gen,
			(unsigned long long)d->rules_loaded, sha);
	else
		fprintf(f, "rules: none (no valid rule set yet)\n");
	fprintf(f, "policy: version %u, blocklist %zu entr%s\n", policy_store_version(d->policy),
		policy_store_block_count(d->policy), policy_store_block_count(d->policy) == 1 ? "y" : "ies");
	fprintf(f, "dataplanes: %u attached\n", dp_count(d));
	for (struct session *x = d->sessions; x; x = x->next) {
		if (x->dead || x->role != SESSION_DP)
			continue;
		describe_dp(f, x, now);
		json_array_append_new(dps, json_pack("{s:I, s:I, s:O, s:I, s:s, s:I, s:f, s:b}",
			"pid", (json_int_t)x->dp->pid, "workers", (json_int_t)x->dp->workers,
			"ports", x->dp->ports ? x->dp->ports : json_null(),
			"generation", (json_int_t)x->dp->generation, "rules_sha256", x->dp->sha256,
			"policy_version", (json_int_t)x->dp->policy_version,
			"attached_s", now - x->dp->attached_at, "load_pending", x->dp->n_inflight > 0));
	}
	if (d->change)
		fprintf(f, "change in flight: %s\n", d->change->command);
	fclose(f);
	json_t *data = json_pack("{s:I, s:f, s:s, s:s, s:I, s:s?, s:I, s:I, s:I, s:o}",
		"pid", (json_int_t)getpid(), "uptime_s", now - d->started_at, "socket", d->cfg.socket,
		"state_dir", d->cfg.state_dir, "generation", (json_int_t)gen, "rules_sha256", text ? sha : NULL,
		"rules", (json_int_t)d->rules_loaded, "policy_version", (json_int_t)policy_store_version(d->policy),
		"blocklist", (json_int_t)policy_store_block_count(d->policy), "dataplanes", dps);

	ctl_reply_ok(d, s, out, data, NULL);
	free(out);
}

static uint64_t ju(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static uint64_t sum_ints(const json_t *o)
{
	uint64_t n = 0;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v)
		n += json_is_object(v) ? sum_ints(v) : json_is_integer(v) && json_integer_value(v) > 0 ?
			(uint64_t)json_integer_value(v) : 0;
	return n;
}

void command_stats(struct rampartd *d, struct session *s)
{
	char *out = NULL;
	size_t out_len = 0;
	FILE *f = open_memstream(&out, &out_len);
	json_t *dps = json_array(), *sinks = json_object();
	uint64_t ring_dropped = export_consumer_ring_dropped(d);

	if (!f || !dps || !sinks) {
		json_decref(dps);
		json_decref(sinks);
		ctl_reply_error(d, s, "out of memory", NULL);
		return;
	}
	fprintf(f, "dataplanes: %u attached\n", dp_count(d));
	for (struct session *x = d->sessions; x; x = x->next) {
		if (x->dead || x->role != SESSION_DP)
			continue;
		const json_t *st = x->dp->stats;

		if (!st) {
			fprintf(f, "  pid %d: no stats yet\n", (int)x->dp->pid);
		} else {
			fprintf(f, "  pid %d: packets %llu, bytes %llu, flows %llu, alerts %llu, drops %llu\n",
				(int)x->dp->pid, (unsigned long long)ju(st, "packets_processed"),
				(unsigned long long)ju(st, "bytes"), (unsigned long long)ju(st, "flows"),
				(unsigned long long)ju(st, "alerts"),
				(unsigned long long)sum_ints(json_object_get(st, "drops")));
		}
		json_array_append_new(dps, json_pack("{s:I, s:O}", "pid", (json_int_t)x->dp->pid,
						     "stats", st ? st : json_null()));
	}
	fprintf(f, "export: ring dropped %llu\n", (unsigned long long)ring_dropped);
	for (int k = 0; k < EXPORT_SINK_COUNT; k++) {
		struct export_counters c;
		const char *name = export_sink_name((enum export_sink_kind)k);

		export_counters(d->exporter, (enum export_sink_kind)k, &c);
		if (c.enabled)
			fprintf(f, "  %s: written %llu, dropped %llu, errors %llu, queued %llu\n", name,
				(unsigned long long)c.written, (unsigned long long)c.dropped_queue_full,
				(unsigned long long)c.errors, (unsigned long long)c.queued);
		json_object_set_new(sinks, name, json_pack("{s:b, s:I, s:I, s:I, s:I, s:I}",
			"enabled", c.enabled, "written", (json_int_t)c.written,
			"dropped", (json_int_t)c.dropped_queue_full, "errors", (json_int_t)c.errors,
			"reconnects", (json_int_t)c.reconnects, "queued", (json_int_t)c.queued));
	}
	fprintf(f, "reloads: %llu ok, %llu refused, last %.3f s\n", (unsigned long long)d->reloads_ok,
		(unsigned long long)d->reloads_refused, d->last_reload_seconds);
	fclose(f);
	json_t *data = json_pack("{s:o, s:o, s:I, s:{s:I, s:I, s:f}}", "dataplanes", dps, "export", sinks,
		"export_ring_dropped", (json_int_t)ring_dropped, "reloads", "ok", (json_int_t)d->reloads_ok,
		"refused", (json_int_t)d->reloads_refused, "last_seconds", d->last_reload_seconds);

	ctl_reply_ok(d, s, out, data, NULL);
	free(out);
}

static void command_log_reopen(struct rampartd *d, struct session *s, const char *line)
{
	char err[256];

	if (export_reopen(d->exporter, err, sizeof(err)) != 0) {
		ctl_reply_error(d, s, err, line);
		return;
	}
	audit_reopen(d->audit);
	ctl_reply_ok(d, s, "log files reopened\n", NULL, line);
}

/* The data planes rebuild their policy, which re-reads the reputation files. */
static void command_iprep_reload(struct rampartd *d, struct session *s, const char *line)
{
	struct change *c = change_new(d, s, line);

	if (!c || change_use_current(d, c) != 0) {
		change_free(c);
		ctl_reply_error(d, s, "out of memory", line);
		return;
	}
	c->text = strdup("iprep: reputation files re-read by every attached data plane\n");
	change_start(d, c);
}

void command_run(struct rampartd *d, struct session *s, const json_t *argv)
{
	size_t argc = json_array_size(argv);
	const char **args = calloc(argc + 1, sizeof(char *));
	char *line = rampartd_join_argv(argv);

	if (!args || !line) {
		ctl_reply_error(d, s, "out of memory", NULL);
		goto out;
	}
	for (size_t i = 0; i < argc; i++) {
		args[i] = json_string_value(json_array_get(argv, i));
		if (!args[i]) {
			ctl_reply_error(d, s, "usage: argv must be strings", NULL);
			goto out;
		}
	}
	if (is(args[0], "status") && argc == 1)
		command_status(d, s);
	else if (is(args[0], "stats") && argc == 1)
		command_stats(d, s);
	else if (is(args[0], "rules"))
		command_rules(d, s, (int)argc, args, line);
	else if (is(args[0], "policy"))
		command_policy(d, s, (int)argc, args, line);
	else if (is(args[0], "block") || is(args[0], "unblock"))
		command_block(d, s, (int)argc, args, line);
	else if (is(args[0], "iprep") && argc == 2 && is(args[1], "reload"))
		command_iprep_reload(d, s, line);
	else if (is(args[0], "log") && argc == 2 && is(args[1], "reopen"))
		command_log_reopen(d, s, line);
	else {
		char msg[300];

		snprintf(msg, sizeof(msg), "usage: unknown command '%s'", line);
		ctl_reply_error(d, s, msg, NULL);
	}
out:
	free(args);
	free(line);
}
