/*
 * export_metrics.h - the export sinks' counters as Prometheus families.
 *
 * Contract: export_metrics_render appends, for every enabled sink (label
 * sink="eve|syslog|redis"):
 *   rampart_export_records_total     counter  records delivered
 *   rampart_export_dropped_total     counter  records dropped, sink queue full
 *   rampart_export_errors_total      counter  records lost to I/O or server errors
 *   rampart_export_reconnects_total  counter  reconnections / EVE reopens
 *   rampart_export_queued            gauge    records waiting in the sink
 * x NULL renders the families with no samples. Thread rules: any thread
 * (reads export_counters' atomics), typically the metrics render callback.
 */
#ifndef RAMPART_CTRLPLANE_EXPORT_METRICS_H
#define RAMPART_CTRLPLANE_EXPORT_METRICS_H

#include "ctrlplane/export/export.h"
#include "ctrlplane/metrics/prom_text.h"

void export_metrics_render(struct prom_buf *out, const struct exporter *x);

#endif /* RAMPART_CTRLPLANE_EXPORT_METRICS_H */
