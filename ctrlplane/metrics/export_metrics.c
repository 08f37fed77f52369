/*
 * export_metrics.c - export sink counters -> Prometheus text (see
 * export_metrics.h).
 */
#include "ctrlplane/metrics/export_metrics.h"

#include <stddef.h>

static const struct {
	const char *name;
	enum prom_type type;
	const char *help;
	size_t field; /* offset of the uint64_t in struct export_counters */
} families[] = {
	{"rampart_export_records_total", PROM_COUNTER, "EVE records delivered by each export sink.",
	 offsetof(struct export_counters, written)},
	{"rampart_export_dropped_total", PROM_COUNTER, "EVE records dropped because the sink's queue was full.",
	 offsetof(struct export_counters, dropped_queue_full)},
	{"rampart_export_errors_total", PROM_COUNTER, "EVE records lost to I/O errors or server error replies.",
	 offsetof(struct export_counters, errors)},
	{"rampart_export_reconnects_total", PROM_COUNTER, "Sink reconnections (EVE: file reopens).",
	 offsetof(struct export_counters, reconnects)},
	{"rampart_export_queued", PROM_GAUGE, "EVE records waiting in each sink's queue.",
	 offsetof(struct export_counters, queued)},
};

void export_metrics_render(struct prom_buf *out, const struct exporter *x)
{
	struct export_counters c[EXPORT_SINK_COUNT];

	for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++)
		export_counters(x, (enum export_sink_kind)k, &c[k]);
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		prom_family(out, families[f].name, families[f].type, families[f].help);
		for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++) {
			const struct prom_label l[] = {{"sink", export_sink_name((enum export_sink_kind)k)}};

			if (c[k].enabled)
				prom_u64(out, families[f].name, l, 1,
					 *(const uint64_t *)((const char *)&c[k] + families[f].field));
		}
	}
}
