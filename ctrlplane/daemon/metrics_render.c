/*
 * metrics_render.c - rampartd's Prometheus page.
 *
 * The main thread owns the daemon's state, so it renders its part of the
 * page (data planes, rules, policy, the data planes' counters) once a
 * second and after every change into metrics_text; the HTTP thread copies
 * that under metrics_lock and adds what is safe to read live from any
 * thread: the export sinks' counters, the rings' drop counters and the
 * alerts per rule.
 */
#include <stdio.h>
#include <string.h>

#include "ctrlplane/daemon/rampartd.h"
#include "ctrlplane/export/export.h"
#include "ctrlplane/policy/policy_store.h"
#include "ctrlplane/rules/rules_mgr.h"

static uint64_t ju(const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (uint64_t)json_integer_value(v);
	return 0;
}

/* Adds the integer leaves of a drops object ({"reason": n} or nested
 * {"group": {"reason": n}} -> "group_reason") into out (an object of sums). */
static void sum_drops(json_t *out, const json_t *drops, const char *prefix)
{
	const char *key;
	json_t *v;
	char name[128];

	json_object_foreach((json_t *)drops, key, v) {
		snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "_" : "", key);
		if (json_is_object(v)) {
			sum_drops(out, v, name);
		} else if (json_is_integer(v)) {
			uint64_t was = ju(json_object_get(out, name));

			json_object_set_new(out, name, json_integer((json_int_t)(was + ju(v))));
		}
	}
}

static void render_dataplane_counters(struct rampartd *d, struct prom_buf *b)
{
	json_t *workers = json_object(), *drops = json_object(), *ports = json_object();
	uint64_t packets = 0;
	const char *key;
	json_t *v;
	size_t i;

	for (struct session *s = d->sessions; s; s = s->next) {
		if (s->dead || s->role != SESSION_DP || !s->dp->stats)
			continue;
		const json_t *st = s->dp->stats;

		packets += ju(json_object_get(st, "packets_processed"));
		sum_drops(drops, json_object_get(st, "drops"), "");
		json_array_foreach(json_object_get(st, "workers"), i, v) {
			char idx[16];
			json_int_t wi = json_is_integer(json_object_get(v, "index")) ?
				json_integer_value(json_object_get(v, "index")) : (json_int_t)i;

			snprintf(idx, sizeof(idx), "%lld", (long long)wi);
			json_object_set_new(workers, idx, json_integer((json_int_t)(
				ju(json_object_get(workers, idx)) + ju(json_object_get(v, "packets")))));
		}
		/* "ports": [{"name": "veth-a", "rx": n, "tx": n}] when the data plane reports them */
		json_array_foreach(json_object_get(st, "ports"), i, v) {
			const char *name = json_string_value(json_object_get(v, "name"));
			char k[160];

			if (!name)
				continue;
			for (int dir = 0; dir < 2; dir++) {
				const char *dn = dir ? "tx" : "rx";

				snprintf(k, sizeof(k), "%s\x1f%s", name, dn);
				json_object_set_new(ports, k, json_integer((json_int_t)(
					ju(json_object_get(ports, k)) + ju(json_object_get(v, dn)))));
			}
		}
	}
	prom_family(b, "rampart_packets_total", PROM_COUNTER, "Packets the attached data planes processed");
	prom_u64(b, "rampart_packets_total", NULL, 0, packets);
	prom_family(b, "rampart_worker_packets_total", PROM_COUNTER, "Packets per worker");
	json_object_foreach(workers, key, v) {
		struct prom_label l = { "worker", key };

		prom_u64(b, "rampart_worker_packets_total", &l, 1, ju(v));
	}
	prom_family(b, "rampart_drops_total", PROM_COUNTER, "Packets dropped by the data planes, by reason");
	json_object_foreach(drops, key, v) {
		struct prom_label l = { "reason", key };

		prom_u64(b, "rampart_drops_total", &l, 1, ju(v));
	}
	if (json_object_size(ports) > 0) {
		prom_family(b, "rampart_port_packets_total", PROM_COUNTER, "Frames per port and direction");
		json_object_foreach(ports, key, v) {
			char name[160];
			const char *sep = strchr(key, '\x1f');

			snprintf(name, sizeof(name), "%.*s", (int)(sep - key), key);
			struct prom_label l[2] = { { "port", name }, { "direction", sep + 1 } };

			prom_u64(b, "rampart_port_packets_total", l, 2, ju(v));
		}
	}
	json_decref(workers);
	json_decref(drops);
	json_decref(ports);
}

void metrics_snapshot_update(struct rampartd *d)
{
	struct prom_buf b;
	uint64_t gen = 0;
	const char *text;
	size_t len;

	prom_buf_init(&b);
	rules_mgr_current(d->rules, &text, &len, NULL, &gen);
	prom_family(&b, "rampart_dataplanes_attached", PROM_GAUGE, "Data planes attached to rampartd");
	prom_u64(&b, "rampart_dataplanes_attached", NULL, 0, dp_count(d));
	prom_family(&b, "rampart_ruleset_generation", PROM_GAUGE, "Generation of the current rule set");
	prom_u64(&b, "rampart_ruleset_generation", NULL, 0, gen);
	prom_family(&b, "rampart_rules_loaded", PROM_GAUGE, "Rules in the current rule set");
	prom_u64(&b, "rampart_rules_loaded", NULL, 0, d->rules_loaded);
	prom_family(&b, "rampart_reload_seconds", PROM_GAUGE, "Duration of the last rule reload, end to end");
	prom_f64(&b, "rampart_reload_seconds", NULL, 0, d->last_reload_seconds);
	prom_family(&b, "rampart_reloads_total", PROM_COUNTER, "Rule reloads by result");
	prom_u64(&b, "rampart_reloads_total", &(struct prom_label){ "result", "ok" }, 1, d->reloads_ok);
	prom_u64(&b, "rampart_reloads_total", &(struct prom_label){ "result", "refused" }, 1, d->reloads_refused);
	prom_family(&b, "rampart_policy_version", PROM_GAUGE, "Current firewall policy version");
	prom_u64(&b, "rampart_policy_version", NULL, 0, d->policy ? policy_store_version(d->policy) : 0);
	render_dataplane_counters(d, &b);
	pthread_mutex_lock(&d->metrics_lock);
	prom_buf_free(&d->metrics_text);
	d->metrics_text = b;
	pthread_mutex_unlock(&d->metrics_lock);
}

void metrics_render(struct prom_buf *out, void *ctx)
{
	struct rampartd *d = ctx;

	pthread_mutex_lock(&d->metrics_lock);
	if (d->metrics_text.failed)
		out->failed = true;
	else if (d->metrics_text.len)
		prom_append(out, d->metrics_text.data, d->metrics_text.len);
	pthread_mutex_unlock(&d->metrics_lock);
	prom_family(out, "rampart_export_records_total", PROM_COUNTER, "Records written by each export sink");
	for (int k = 0; k < EXPORT_SINK_COUNT; k++) {
		struct export_counters c;
		struct prom_label l = { "sink", export_sink_name((enum export_sink_kind)k) };

		export_counters(d->exporter, (enum export_sink_kind)k, &c);
		prom_u64(out, "rampart_export_records_total", &l, 1, c.written);
	}
	prom_family(out, "rampart_export_dropped_total", PROM_COUNTER,
		    "Records an export sink lost (queue full or write error)");
	for (int k = 0; k < EXPORT_SINK_COUNT; k++) {
		struct export_counters c;
		struct prom_label l = { "sink", export_sink_name((enum export_sink_kind)k) };

		export_counters(d->exporter, (enum export_sink_kind)k, &c);
		prom_u64(out, "rampart_export_dropped_total", &l, 1, c.dropped_queue_full + c.errors);
	}
	export_consumer_render(d, out);
}
