/*
 * stats.h - the --stats report: one JSON object written at exit.
 *
 * Contract: main() gathers the run's counters into struct run_stats after
 * the worker stopped and the output side drained; stats_write_json() writes
 * them to a file (truncated; "-" is standard output). Key names are a
 * stable interface for the e2e tests and benchmarks: add keys, never
 * rename them.
 *
 * Thread rules: main thread, after the run; in managed mode also the
 * control thread while running (counters are then torn snapshots).
 */
#ifndef RAMPART_DPDK_STATS_H
#define RAMPART_DPDK_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct engine_worker_stats;
struct worker_loop_result;
struct inline_counters;

/* Inline mode: one worker's share. */
struct run_stats_worker {
	const struct engine_worker_stats *engine;  /* NULL: rules never loaded */
	uint64_t flows_created;
	const struct inline_counters *fwd;         /* the worker lcore's own counters */
	uint64_t dispatched;                       /* software mode: frames the distributor gave it */
	double engine_seconds;
	bool failed;                               /* the watchdog marked it stalled */
};
struct sig_ruleset;
struct detect_build_stats;

/* One port's counters as the driver reports them (rte_eth_stats). */
struct run_stats_port {
	const char *name;        /* interface or DPDK device name */
	uint64_t rx, tx;         /* frames received / sent */
	uint64_t rx_missed;      /* dropped by the hardware / kernel: RX queue full */
	uint64_t rx_errors, tx_errors;
	uint64_t rx_nombuf;      /* RX failed: no mbuf */
};

struct run_stats {
	uint64_t packets_read;                       /* packets in the capture
	                                                (bridge: frames received) */
	bool inline_mode;                            /* bridge: adds "forwarding" */
	int dlt;                                     /* capture link type */
	uint8_t link;                                /* enum link_type */
	const char *capture_read_error;              /* NULL if none */
	const struct engine_worker_stats *engine;    /* may be NULL (no run) */
	const struct worker_loop_result *loop;       /* may be NULL */
	uint64_t flows_created;
	uint64_t bytes_per_flow;
	const struct sig_ruleset *rules;
	const struct detect_build_stats *detect;
	uint64_t eve_records_written;                /* UINT64_MAX: unknown */
	double wall_seconds;
	double cpu_seconds;
	double engine_seconds;   /* time inside the engine (decode..detect), one core */

	/* inline mode (inline_mode true); loop is NULL then */
	unsigned n_workers;
	const struct run_stats_worker *workers;
	const struct inline_counters *forwarding;  /* all lcores together */
	const char *distribution;                  /* "rss" / "software" */
	const char *fail_mode;                     /* "fail-open" / "fail-closed" */
	bool rules_loaded;
	/* "ports": per-port driver counters (n_ports 0: omitted) */
	const struct run_stats_port *ports;
	unsigned n_ports;
	/* firewall rule hits, all workers: names[i] / hits[i], the last one
	 * is the default action; n 0 without a policy */
	const char *const *fw_rule_names;
	const uint64_t *fw_rule_hits;
	unsigned n_fw_rules;

	/* managed mode (--managed): "export" {pushed, dropped_full,
	 * format_errors} and "managed" {attached, generation, rules_sha256,
	 * policy_version, reloads_ok, reloads_refused} */
	bool managed;
	uint64_t export_pushed, export_dropped_full, export_format_errors;
	bool managed_attached;
	uint64_t managed_generation;
	const char *managed_rules_sha256;  /* NULL / "": none */
	int64_t managed_policy_version;    /* -1: none */
	uint64_t managed_reloads_ok, managed_reloads_refused;
};

/* The report as a JSON object (caller json_decref), NULL when out of
 * memory. rampart-dp's managed mode also sends it to rampartd on request. */
json_t *stats_to_json(const struct run_stats *s);

/* Writes root as the report. 0, or -1 with "--stats PATH: reason" in err. */
int stats_write_object(const char *path, json_t *root, char *err, size_t errlen);

/* Returns 0, or -1 with "PATH: reason" in err. */
int stats_write_json(const char *path, const struct run_stats *s, char *err, size_t errlen);

/* CPU time of the process so far (user + system), seconds. */
double stats_cpu_seconds(void);

/* Monotonic wall clock, seconds. */
double stats_wall_clock(void);

#endif /* RAMPART_DPDK_STATS_H */
