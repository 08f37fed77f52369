/*
 * stats.c - the --stats JSON object (see stats.h), built with jansson.
 */
#include "dataplane/dpdk/stats.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "dataplane/dpdk/inline_worker.h"
#include "dataplane/dpdk/worker.h"
#include "dataplane/engine/detect/detect.h"
#include "dataplane/engine/engine.h"
#include "signatures/rule.h"

double stats_cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0.0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

double stats_wall_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* json_object_set_new that remembers a failure instead of checking each. */
static void put(json_t *obj, const char *key, json_t *v, int *failed)
{
	if (!v || json_object_set_new(obj, key, v) != 0)
		*failed = 1;
}

static json_t *decode_object(const struct engine_worker_stats *e, int *failed)
{
	json_t *o = json_object();

	if (!o) {
		*failed = 1;
		return NULL;
	}
	for (int ev = 0; ev < DECODE_EVENT__COUNT; ev++)
		put(o, decode_event_name((enum decode_event)ev),
		    json_integer(e ? (json_int_t)e->decode.events[ev] : 0), failed);
	return o;
}

/* What the decoder found, by layer (sums, not events). */
static json_t *layers_object(const struct engine_worker_stats *e, int *failed)
{
	const struct decode_counters *d = e ? &e->decode : NULL;
	json_t *o = json_object();

	if (!o) {
		*failed = 1;
		return NULL;
	}
	put(o, "invalid", json_integer(d ? (json_int_t)d->invalid : 0), failed);
	put(o, "ipv4", json_integer(d ? (json_int_t)d->ipv4 : 0), failed);
	put(o, "ipv6", json_integer(d ? (json_int_t)d->ipv6 : 0), failed);
	put(o, "fragments", json_integer(d ? (json_int_t)d->fragments : 0), failed);
	put(o, "tcp", json_integer(d ? (json_int_t)d->tcp : 0), failed);
	put(o, "udp", json_integer(d ? (json_int_t)d->udp : 0), failed);
	put(o, "icmpv4", json_integer(d ? (json_int_t)d->icmpv4 : 0), failed);
	put(o, "icmpv6", json_integer(d ? (json_int_t)d->icmpv6 : 0), failed);
	return o;
}

static json_t *drops_object(const struct run_stats *s, int *failed)
{
	json_t *o = json_object();

	if (!o) {
		*failed = 1;
		return NULL;
	}
	for (int r = 0; r < ENGINE_DROP__COUNT; r++)
		put(o, engine_drop_reason_name((enum engine_drop_reason)r),
		    json_integer(s->engine ? (json_int_t)s->engine->drops[r] : 0), failed);
	if (s->forwarding) {
		/* Inline: the front end's own reasons (the engine's verdicts are
		 * above, by rule kind; "verdict" would count them twice). */
		for (int r = 1; r < INLINE_DROP__COUNT; r++)
			put(o, inline_drop_reason_name((enum inline_drop_reason)r),
			    json_integer((json_int_t)s->forwarding->drops[r]), failed);
	}
	/* Losses before the engine (offline: should all stay 0). */
	put(o, "rx_nombuf", json_integer(s->loop ? (json_int_t)s->loop->rx_nombuf : 0), failed);
	put(o, "rx_missed", json_integer(s->loop ? (json_int_t)s->loop->imissed : 0), failed);
	put(o, "rx_errors", json_integer(s->loop ? (json_int_t)s->loop->ierrors : 0), failed);
	put(o, "rx_unaccounted", json_integer(s->loop ? (json_int_t)s->loop->unaccounted : 0), failed);
	return o;
}

static json_t *firewall_object(const struct engine_worker_stats *e, int *failed)
{
	json_t *o = json_object();

	if (!o) {
		*failed = 1;
		return NULL;
	}
	put(o, "classified", json_integer(e ? (json_int_t)e->fw_classified : 0), failed);
	put(o, "allowed", json_integer(e ? (json_int_t)e->fw_allowed : 0), failed);
	put(o, "denied", json_integer(e ? (json_int_t)e->fw_denied : 0), failed);
	put(o, "rejected", json_integer(e ? (json_int_t)e->fw_rejected : 0), failed);
	put(o, "would_block", json_integer(e ? (json_int_t)e->fw_would_block : 0), failed);
	put(o, "logged", json_integer(e ? (json_int_t)e->fw_records : 0), failed);
	return o;
}

static json_t *forwarding_object(const struct inline_counters *c, int *failed)
{
	json_t *o = json_object(), *d = json_object();

	if (!o || !d) {
		json_decref(o);
		json_decref(d);
		*failed = 1;
		return NULL;
	}
	put(o, "rx", json_integer((json_int_t)c->rx), failed);
	put(o, "tx", json_integer((json_int_t)c->tx), failed);
	put(o, "uninspected", json_integer((json_int_t)c->uninspected), failed);
	put(o, "reject_frames", json_integer((json_int_t)c->reject_frames), failed);
	put(o, "reject_nombuf", json_integer((json_int_t)c->reject_nombuf), failed);
	put(o, "linearized", json_integer((json_int_t)c->linearized), failed);
	put(o, "truncated", json_integer((json_int_t)c->truncated), failed);
	for (int r = 0; r < INLINE_DROP__COUNT; r++)
		put(d, inline_drop_reason_name((enum inline_drop_reason)r),
		    json_integer((json_int_t)c->drops[r]), failed);
	put(o, "dropped", d, failed);
	return o;
}

static json_t *worker_object(const struct run_stats_worker *w, unsigned index, int *failed)
{
	const struct engine_worker_stats *e = w->engine;
	json_t *o = json_object(), *drops = json_object();

	if (!o || !drops) {
		json_decref(o);
		json_decref(drops);
		*failed = 1;
		return NULL;
	}
	put(o, "index", json_integer(index), failed);
	put(o, "failed", json_boolean(w->failed), failed);
	put(o, "packets", json_integer(e ? (json_int_t)e->packets : 0), failed);
	put(o, "flows_created", json_integer((json_int_t)w->flows_created), failed);
	put(o, "alerts", json_integer(e ? (json_int_t)e->alerts : 0), failed);
	put(o, "dispatched", json_integer((json_int_t)w->dispatched), failed);
	put(o, "engine_seconds", json_real(w->engine_seconds), failed);
	for (int r = 0; r < ENGINE_DROP__COUNT; r++)
		put(drops, engine_drop_reason_name((enum engine_drop_reason)r),
		    json_integer(e ? (json_int_t)e->drops[r] : 0), failed);
	put(o, "drops", drops, failed);
	put(o, "decode_layers", layers_object(e, failed), failed);
	if (w->fwd)
		put(o, "forwarding", forwarding_object(w->fwd, failed), failed);
	return o;
}

json_t *stats_to_json(const struct run_stats *s)
{
	const struct engine_worker_stats *e = s->engine;
	const struct sig_ruleset *rs = s->rules;
	json_t *root = json_object(), *rules, *detect, *flow, *capture;
	int failed = 0;

	if (!root)
		return NULL;
	put(root, "packets_read", json_integer((json_int_t)s->packets_read), &failed);
	put(root, "packets_processed", json_integer(e ? (json_int_t)e->packets : 0), &failed);
	put(root, "bytes", json_integer(e ? (json_int_t)e->bytes : 0), &failed);
	put(root, "decode", decode_object(e, &failed), &failed);
	put(root, "decode_layers", layers_object(e, &failed), &failed);
	put(root, "link_unsupported",
	    json_integer(e ? (json_int_t)e->decode.events[DECODE_UNSUPPORTED_LINK] : 0), &failed);
	put(root, "flows", json_integer((json_int_t)s->flows_created), &failed);
	put(root, "alerts", json_integer(e ? (json_int_t)e->alerts : 0), &failed);
	put(root, "alerts_capped", json_integer(e ? (json_int_t)e->alerts_capped : 0), &failed);
	put(root, "alert_ring_dropped", json_integer(e ? (json_int_t)e->alert_ring_dropped : 0), &failed);
	put(root, "drop_records", json_integer(e ? (json_int_t)e->drop_records : 0), &failed);
	if (s->eve_records_written != UINT64_MAX)
		put(root, "eve_records", json_integer((json_int_t)s->eve_records_written), &failed);
	put(root, "drops", drops_object(s, &failed), &failed);
	put(root, "bypassed_flows", json_integer(e ? (json_int_t)e->bypassed_flows : 0), &failed);
	put(root, "bypassed_packets", json_integer(e ? (json_int_t)e->bypassed_packets : 0), &failed);
	put(root, "firewall", firewall_object(e, &failed), &failed);
	if (s->n_fw_rules) {
		json_t *hits = json_array();

		for (unsigned i = 0; hits && i < s->n_fw_rules; i++) {
			json_t *h = json_object();

			put(h, "rule", json_string(s->fw_rule_names[i]), &failed);
			put(h, "hits", json_integer((json_int_t)s->fw_rule_hits[i]), &failed);
			if (json_array_append_new(hits, h) != 0)
				failed = 1;
		}
		put(root, "firewall_rule_hits", hits, &failed);
	}
	put(root, "wall_seconds", json_real(s->wall_seconds), &failed);
	put(root, "cpu_seconds", json_real(s->cpu_seconds), &failed);
	put(root, "engine_seconds", json_real(s->engine_seconds), &failed);

	rules = json_object();
	if (rules && rs) {
		put(rules, "read", json_integer((json_int_t)rs->n_read), &failed);
		put(rules, "active", json_integer((json_int_t)rs->n_active), &failed);
		put(rules, "inactive", json_integer((json_int_t)(rs->n_rules - rs->n_active)), &failed);
		put(rules, "rejected", json_integer((json_int_t)rs->n_errors), &failed);
		put(rules, "load_seconds", json_real(rs->load_seconds), &failed);
	}
	put(root, "rules", rules, &failed);

	detect = json_object();
	if (detect && s->detect) {
		put(detect, "compile_seconds", json_real(s->detect->compile_seconds), &failed);
		put(detect, "hs_bytes", json_integer((json_int_t)s->detect->hs_bytes), &failed);
		put(detect, "rules_compiled", json_integer((json_int_t)s->detect->n_rules), &failed);
		put(detect, "rules_skipped", json_integer((json_int_t)s->detect->n_skipped), &failed);
	}
	put(root, "detect", detect, &failed);

	flow = json_object();
	if (flow)
		put(flow, "bytes_per_flow", json_integer((json_int_t)s->bytes_per_flow), &failed);
	put(root, "flow", flow, &failed);

	capture = json_object();
	if (capture) {
		put(capture, "link_type", json_integer(s->dlt), &failed);
		put(capture, "linearized", json_integer(s->loop ? (json_int_t)s->loop->linearized : 0),
		    &failed);
		put(capture, "truncated", json_integer(s->loop ? (json_int_t)s->loop->truncated : 0),
		    &failed);
		put(capture, "read_error",
		    s->capture_read_error ? json_string(s->capture_read_error) : json_null(), &failed);
	}
	put(root, "capture", capture, &failed);

	/* Inline mode: the ports as their drivers count them. */
	if (s->inline_mode && s->n_ports) {
		json_t *arr = json_array();

		for (unsigned i = 0; arr && i < s->n_ports; i++) {
			const struct run_stats_port *p = &s->ports[i];
			json_t *o = json_object();

			put(o, "name", json_string(p->name ? p->name : "?"), &failed);
			put(o, "rx", json_integer((json_int_t)p->rx), &failed);
			put(o, "tx", json_integer((json_int_t)p->tx), &failed);
			put(o, "rx_missed", json_integer((json_int_t)p->rx_missed), &failed);
			put(o, "rx_errors", json_integer((json_int_t)p->rx_errors), &failed);
			put(o, "tx_errors", json_integer((json_int_t)p->tx_errors), &failed);
			put(o, "rx_nombuf", json_integer((json_int_t)p->rx_nombuf), &failed);
			if (!o || json_array_append_new(arr, o) != 0)
				failed = 1;
		}
		put(root, "ports", arr, &failed);
	}
	/* Inline mode: what was forwarded, per worker and in total. */
	if (s->inline_mode && s->forwarding)
		put(root, "forwarding", forwarding_object(s->forwarding, &failed), &failed);
	if (s->inline_mode && s->workers) {
		json_t *arr = json_array();

		for (unsigned i = 0; arr && i < s->n_workers; i++)
			if (json_array_append_new(arr, worker_object(&s->workers[i], i, &failed)) != 0)
				failed = 1;
		put(root, "workers", arr, &failed);
		put(root, "distribution", json_string(s->distribution ? s->distribution : "none"),
		    &failed);
		put(root, "fail_mode", json_string(s->fail_mode ? s->fail_mode : "fail-open"), &failed);
		put(root, "rules_loaded", json_boolean(s->rules_loaded), &failed);
	}
	if (s->managed) {
		json_t *ex = json_object(), *m = json_object();

		if (ex) {
			put(ex, "pushed", json_integer((json_int_t)s->export_pushed), &failed);
			put(ex, "dropped_full", json_integer((json_int_t)s->export_dropped_full), &failed);
			put(ex, "format_errors", json_integer((json_int_t)s->export_format_errors),
			    &failed);
		}
		put(root, "export", ex, &failed);
		if (m) {
			put(m, "attached", json_boolean(s->managed_attached), &failed);
			put(m, "generation", json_integer((json_int_t)s->managed_generation), &failed);
			put(m, "rules_sha256", s->managed_rules_sha256 && s->managed_rules_sha256[0]
						       ? json_string(s->managed_rules_sha256)
						       : json_null(),
			    &failed);
			put(m, "policy_version", s->managed_policy_version >= 0
							 ? json_integer(s->managed_policy_version)
							 : json_null(),
			    &failed);
			put(m, "reloads_ok", json_integer((json_int_t)s->managed_reloads_ok), &failed);
			put(m, "reloads_refused", json_integer((json_int_t)s->managed_reloads_refused),
			    &failed);
		}
		put(root, "managed", m, &failed);
	}
	if (failed) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int stats_write_object(const char *path, json_t *root, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");

	if (!f) {
		snprintf(err, errlen, "--stats %s: %s", path, strerror(errno));
		return -1;
	}
	if (json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', f) == EOF ||
	    (f == stdout ? fflush(f) : fclose(f)) != 0) {
		snprintf(err, errlen, "--stats %s: write failed", path);
		return -1;
	}
	return 0;
}

int stats_write_json(const char *path, const struct run_stats *s, char *err, size_t errlen)
{
	json_t *root = stats_to_json(s);
	int rc;

	if (!root) {
		snprintf(err, errlen, "--stats %s: out of memory", path);
		return -1;
	}
	rc = stats_write_object(path, root, err, errlen);
	json_decref(root);
	return rc;
}
