/*
 * reload.h - rampart-dp's rule and policy lifecycle in inline mode: the
 * first load and every later one go through the same path (build on the
 * loader thread, publish to the workers, RCU grace period, output drain,
 * free the old generation), in standalone and managed mode alike.
 *
 * Contract: inline.c creates it after the ports are up and before the
 * worker lcores launch (it registers every worker as an rte_rcu_qsbr
 * reader), then calls reload_tick() on every control-thread tick (about a
 * millisecond). A tick never waits: it polls the loader, the grace period
 * (rte_rcu_qsbr_check without waiting), the output thread's drain barrier,
 * and in managed mode the rampartd link (managed.h).
 *
 * A swap, step by step:
 *   1. the loader builds generation G+1 and per-worker swaps (rules_loader.h);
 *   2. commit: the control thread publishes one struct inline_swap per
 *      worker (w->pending) and starts a grace period (rte_rcu_qsbr_start);
 *      the first load publishes the workers' first engines the same way
 *      (and starts the output thread on their alert rings);
 *   3. each worker applies its swap between bursts and reports quiescent;
 *      when the grace period has passed and no worker has a pending swap,
 *      every worker runs G+1;
 *   4. an output barrier: once the output thread wrote every record that
 *      was queued at that point, no record names G's rule set or policy;
 *   5. G and the replaced per-worker state are freed; managed mode answers
 *      the daemon's load (load-result with timings and memory) and prints
 *      "rampart-dp: reload generation N ok".
 * Only one load builds or swaps at a time; loads that arrive meanwhile
 * wait in arrival order and every load is answered in that order (rampartd
 * pairs load-results with its loads by order), a malformed one too. A
 * stalled worker holds step 3 (and so later loads) until it polls again:
 * its old rule set must not be freed under it.
 *
 * Managed mode: alerts, drops and firewall records go to the export ring
 * (64 MiB, MANAGED_EXPORT_RING_BYTES) as EVE lines, and also to --eve when
 * given. Before the daemon's first load the workers run what --rules gave,
 * or nothing (fail mode) without --rules.
 *
 * Thread rules: control thread only.
 */
#ifndef RAMPART_DPDK_RELOAD_H
#define RAMPART_DPDK_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct inline_input;
struct inline_plane;
struct engine_worker;
struct dp_generation;
struct run_stats;

struct reload_env {
	const struct inline_input *in;
	struct inline_plane *plane;        /* workers allocated, not launched */
	unsigned n_ports;
	const uint16_t *port_ids;
	const char *const *port_labels;
	/* the --stats object now (managed: the daemon's stats request) */
	json_t *(*stats_json)(void *ctx);
	void *stats_ctx;
};

struct reload;

/* NULL with err on failure (out of memory, export ring, loader thread). */
struct reload *reload_new(const struct reload_env *env, char *err, size_t errlen);

/*
 * One tick. start_initial: the start-up rule set (--rules, or the empty
 * set of --no-rules) may be submitted now (once; managed mode without
 * --rules has none). Returns 0, or -1 with err when the start-up set
 * cannot be built (fatal, as in standalone mode).
 */
int reload_tick(struct reload *r, double now, bool start_initial, char *err, size_t errlen);

/* A successful load has completed (the workers inspect). */
bool reload_rules_loaded(const struct reload *r);

/* The workers' engines (entries NULL before the first load). */
struct engine_worker *const *reload_engines(const struct reload *r);

/* What runs (NULL before the first load). */
const struct dp_generation *reload_current(const struct reload *r);

/* Adds the managed-mode fields (export counters, generation, link). */
void reload_fill_stats(const struct reload *r, struct run_stats *s);

/*
 * After the worker lcores stopped: stops the loader and the link, finishes
 * the engines' flows, drains and stops the output thread. 0, or -1 with errno when the EVE file's last
 * flush failed.
 */
int reload_stop(struct reload *r);

/* Frees everything (engines, a swap still in flight, generations, export
 * ring). NULL: no-op. */
void reload_free(struct reload *r);

#endif /* RAMPART_DPDK_RELOAD_H */
