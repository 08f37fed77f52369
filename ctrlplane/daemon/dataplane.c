/*
 * dataplane.c - rampartd's side of an attached rampart-dp.
 *
 * hello -> map its export ring (the consumer thread reads it) and, when it
 * runs something other than the daemon's current bundle and policy, send
 * `load`. Loads are answered in order, so each data plane keeps a small
 * FIFO of what it was sent: an ok answer tells what it now runs. Stats are
 * polled every second for `rampartctl stats` and the metrics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrlplane/daemon/rampartd.h"
#include "ctrlplane/link/export_ring.h"
#include "ctrlplane/link/link.h"
#include "ctrlplane/policy/policy_store.h"
#include "ctrlplane/rules/rules_mgr.h"

unsigned dp_count(const struct rampartd *d)
{
	unsigned n = 0;

	for (const struct session *s = d->sessions; s; s = s->next)
		if (!s->dead && s->role == SESSION_DP)
			n++;
	return n;
}

int dp_send_load(struct rampartd *d, struct session *s, uint64_t generation, const char *sha256,
		 uint32_t policy_version, const char *rules, size_t rules_len, const char *config,
		 size_t config_len, const uint8_t *hsdb, size_t hsdb_len, uint64_t change_id)
{
	struct dp_state *dp = s->dp;
	int fds[3] = { -1, -1, -1 };
	json_t *msg;
	int rc = -1;

	if (dp->n_inflight == RAMPARTD_MAX_INFLIGHT) {
		fprintf(stderr, "rampartd: data plane pid %d is not answering loads: detached\n", (int)s->pid);
		session_close(d, s);
		return -1;
	}
	fds[0] = link_memfd_from("rampart-rules", rules ? rules : "", rules ? rules_len : 0);
	fds[1] = link_memfd_from("rampart-config", config ? config : "", config ? config_len : 0);
	/* the compiled blob: the data plane deserializes instead of compiling */
	fds[2] = link_memfd_from("rampart-hsdb", hsdb ? (const void *)hsdb : "", hsdb ? hsdb_len : 0);
	msg = json_pack("{s:s, s:I, s:s?, s:I}", "type", "load", "generation", (json_int_t)generation,
			"rules_sha256", sha256 && sha256[0] ? sha256 : NULL, "policy_version",
			(json_int_t)policy_version);
	if (fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0 && msg)
		rc = link_send(s->fd, msg, fds, 3);
	if (rc != 0)
		fprintf(stderr, "rampartd: load to data plane pid %d: %s\n", (int)s->pid, strerror(errno));
	json_decref(msg);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (rc != 0) {
		session_close(d, s);
		return -1;
	}
	struct dp_load_sent *e = &dp->inflight[dp->n_inflight++];

	e->generation = generation;
	snprintf(e->sha256, sizeof(e->sha256), "%s", sha256 ? sha256 : "");
	e->policy_version = policy_version;
	e->change_id = change_id;
	e->sent_at = rampartd_now();
	return 0;
}

void dp_sync(struct rampartd *d, struct session *s, bool force)
{
	const char *text, *sha;
	const uint8_t *hsdb;
	char *yaml = NULL;
	size_t len, yaml_len = 0, hsdb_len;
	uint64_t gen;
	uint32_t version = policy_store_version(d->policy);

	rules_mgr_current(d->rules, &text, &len, &sha, &gen);
	rules_mgr_current_hsdb(d->rules, &hsdb, &hsdb_len);
	if (!text)
		return; /* no valid bundle yet: it keeps what it runs */
	/* A restarted daemon re-offers what runs: no rebuild. The blocklist is
	 * not part of what hello reports, so a non-empty one is always sent. */
	if (!force && strcmp(s->dp->sha256, sha) == 0 && s->dp->policy_version == version &&
	    policy_store_block_count(d->policy) == 0)
		return;
	if (policy_store_render_dataplane(d->policy, &yaml, &yaml_len) != 0) {
		fprintf(stderr, "rampartd: out of memory rendering the policy\n");
		return;
	}
	dp_send_load(d, s, gen, sha, version, text, len, yaml, yaml_len, hsdb, hsdb_len, 0);
	free(yaml);
}

void dp_hello(struct rampartd *d, struct session *s, const json_t *msg, const int *fds, unsigned n_fds)
{
	struct dp_state *dp = calloc(1, sizeof(*dp));
	const json_t *running = json_object_get(msg, "running");
	const char *sha = json_string_value(json_object_get(running, "rules_sha256"));
	char err[256];

	if (!dp) {
		for (unsigned i = 0; i < n_fds; i++)
			close(fds[i]);
		session_close(d, s);
		return;
	}
	s->dp = dp;
	dp->pid = json_is_integer(json_object_get(msg, "pid")) ?
		(pid_t)json_integer_value(json_object_get(msg, "pid")) : s->pid;
	dp->workers = (unsigned)json_integer_value(json_object_get(msg, "workers"));
	dp->ports = json_incref(json_object_get(msg, "ports"));
	dp->generation = (uint64_t)json_integer_value(json_object_get(running, "generation"));
	snprintf(dp->sha256, sizeof(dp->sha256), "%s", sha ? sha : "");
	dp->policy_version = (uint32_t)json_integer_value(json_object_get(running, "policy_version"));
	dp->attached_at = rampartd_now();
	if (n_fds >= 1) {
		dp->ring = export_ring_attach(fds[0], err, sizeof(err));
		if (dp->ring)
			export_consumer_add(d, dp->ring);
		else
			fprintf(stderr, "rampartd: data plane pid %d: export ring: %s\n", (int)dp->pid, err);
	} else {
		fprintf(stderr, "rampartd: data plane pid %d attached without an export ring\n", (int)dp->pid);
	}
	for (unsigned i = 0; i < n_fds; i++)
		close(fds[i]);
	printf("rampartd: data plane pid %d attached (%u workers)\n", (int)dp->pid, dp->workers);
	fflush(stdout);
	/* A change in flight reaches it too: it will be the new current when committed. */
	if (d->change) {
		struct change *c = d->change;

		if (dp_send_load(d, s, c->generation, c->sha256, c->policy_version, c->rules_text, c->rules_len,
				 c->config_yaml, c->config_len, c->hsdb, c->hsdb_len, c->id) == 0)
			c->n_waiting++;
	} else {
		dp_sync(d, s, false);
	}
	metrics_snapshot_update(d);
}

static void load_result(struct rampartd *d, struct session *s, const json_t *msg)
{
	struct dp_state *dp = s->dp;
	struct dp_load_sent sent;

	if (dp->n_inflight == 0) {
		fprintf(stderr, "rampartd: data plane pid %d: unexpected load-result\n", (int)s->pid);
		return;
	}
	sent = dp->inflight[0];
	memmove(&dp->inflight[0], &dp->inflight[1], (--dp->n_inflight) * sizeof(dp->inflight[0]));
	json_decref(dp->last_load);
	dp->last_load = json_incref((json_t *)msg);
	if (json_is_true(json_object_get(msg, "ok"))) {
		dp->generation = sent.generation;
		snprintf(dp->sha256, sizeof(dp->sha256), "%s", sent.sha256);
		dp->policy_version = sent.policy_version;
	} else if (sent.change_id == 0) {
		/* a resync the data plane refused: it keeps running what it had */
		fprintf(stderr, "rampartd: data plane pid %d refused generation %llu: %s\n", (int)s->pid,
			(unsigned long long)sent.generation,
			json_string_value(json_object_get(msg, "error")) ?: "no reason given");
	}
	if (d->change && sent.change_id == d->change->id)
		change_dp_result(d, s, msg);
}

void dp_message(struct rampartd *d, struct session *s, const json_t *msg)
{
	const char *type = json_string_value(json_object_get(msg, "type"));

	if (!type)
		return;
	if (strcmp(type, "load-result") == 0) {
		load_result(d, s, msg);
	} else if (strcmp(type, "stats-result") == 0) {
		json_t *stats = json_object_get(msg, "stats");

		if (json_is_object(stats)) {
			json_decref(s->dp->stats);
			s->dp->stats = json_incref(stats);
		}
	}
}

void dp_request_stats(struct rampartd *d)
{
	for (struct session *s = d->sessions; s; s = s->next) {
		if (s->dead || s->role != SESSION_DP)
			continue;
		json_t *msg = json_pack("{s:s, s:I}", "type", "stats", "id", (json_int_t)++d->stats_seq);

		if (msg && link_send(s->fd, msg, NULL, 0) != 0 && errno != ETIMEDOUT)
			session_close(d, s);
		json_decref(msg);
	}
}

void dp_detach(struct rampartd *d, struct session *s)
{
	struct dp_state *dp = s->dp;

	if (!dp)
		return;
	change_dp_gone(d, s);
	if (dp->ring)
		export_consumer_remove(d, dp->ring);
	printf("rampartd: data plane pid %d detached\n", (int)dp->pid);
	fflush(stdout);
	json_decref(dp->ports);
	json_decref(dp->last_load);
	json_decref(dp->stats);
	free(dp);
	s->dp = NULL;
}
