/*
 * detect.h - the detection engine: compiled rule groups and the per-packet matcher.
 *
 * Contract:
 *  - detect_engine_build() (signatures/compiler/) compiles the ACTIVE rules of a
 *    struct sig_ruleset into protocol/direction/port groups, one Hyperscan
 *    database per group (the fast-pattern literals, plus regex prefilters of
 *    pcre-only rules) plus a verification program per rule. It runs
 *    on the loader thread, never per packet. The engine BORROWS the rule set:
 *    free the engine before the rule set. Once built, the engine is immutable
 *    and shared by every worker.
 *  - detect_thread_new() gives one worker its private state: Hyperscan scratch,
 *    PCRE2 match data, the per-flow flowbits pool (max_flows slots) and the
 *    threshold tables. Everything is allocated here; detect_packet() allocates
 *    nothing, takes no lock and makes no syscall.
 *  - detect_packet() inspects one decoded packet: at most 3 Hyperscan scans of
 *    the payload (the any-port group of the packet's protocol and flow
 *    direction, its dport group, its sport group), plus the rules those groups
 *    reach without Hyperscan (by payload length, address, packet facts: see
 *    detect_engine.h), then each candidate rule's verification, in rule order (action
 *    pass > drop > reject > alert, then flowbit setters before checkers, then
 *    priority, then load order).
 *
 * Thread rules: one struct detect_thread per worker; a flow is only ever seen
 * by one worker, so its flowbits slot (flow->detect_slot) belongs to that
 * worker's pool. Thresholds are counted per worker: exact with one worker
 * (offline mode), per-worker approximations with several.
 */
#ifndef RAMPART_DETECT_H
#define RAMPART_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine/packet.h"
#include "signatures/rule.h"

struct flow;

struct detect_engine; /* compiled, immutable, shared by all workers */

struct detect_build_stats {
	double compile_seconds;
	size_t hs_bytes;          /* sum of hs_database_size() */
	size_t n_databases, n_patterns, n_prefilter_rules;
	size_t n_always_rules;    /* rules with no fast pattern (reached by gate, bucket or regex prefilter) */
	size_t total_bytes;       /* engine memory: Hyperscan + tables + programs */
	/* extensions */
	size_t n_groups;          /* groups, with or without a database */
	size_t n_rules;           /* rules compiled */
	size_t n_skipped;         /* active rules refused (keyword/buffer the matcher lacks, bad pcre) */
	size_t n_group_entries;   /* rule placements over all groups (> n_rules when duplicated) */
	size_t n_gated_rules;     /* group placements of always rules looked up by address instead (IP lists) */
	size_t n_regex_prefilter_rules; /* rules without fast pattern reached through a Hyperscan regex prefilter */
	size_t n_dsize_gated_rules;     /* rules reached through a payload-length table (narrow dsize) */
	/* Hyperscan database cache (detect_engine_build_cached; all 0 without a cache) */
	size_t n_hs_cache_hits;         /* compiles answered by deserializing a cached database */
	size_t n_hs_cache_misses;       /* compiles done (not cached, or a fallback below) */
	size_t n_hs_cache_fallbacks;    /* cached but not deserializable here (version, CPU): compiled */
};

/*
 * Compile rs's active rules. Returns NULL with err filled when nothing can be
 * built (allocation or Hyperscan failure). A single rule the matcher cannot
 * evaluate (bad pcre, unsupported keyword) is skipped and counted in
 * st->n_skipped; it never makes the whole build fail. st may be NULL.
 */
struct detect_engine *detect_engine_build(const struct sig_ruleset *rs, struct detect_build_stats *st,
					  char *err, size_t errlen);

/*
 * detect_engine_build with a Hyperscan database cache (signatures/compiler/
 * hs_cache.h; NULL = detect_engine_build): every Hyperscan compile of the
 * build is first looked up there (hit: deserialized), and a cache in
 * recording mode keeps what is compiled. The engine is the same with or
 * without the cache; only the time differs (st->n_hs_cache_*).
 */
struct detect_hs_cache;
struct detect_engine *detect_engine_build_cached(const struct sig_ruleset *rs, struct detect_hs_cache *cache,
						 struct detect_build_stats *st, char *err, size_t errlen);
void detect_engine_free(struct detect_engine *de);
/* The i-th rule skipped at build: its index into rs->rules (SIZE_MAX past the end) and why. */
size_t detect_engine_skipped(const struct detect_engine *de, size_t i, const char **reason);

struct detect_thread;

/* Per-worker state; max_flows sizes the flowbits pool. NULL on allocation failure. */
struct detect_thread *detect_thread_new(const struct detect_engine *de, uint32_t max_flows);
void detect_thread_free(struct detect_thread *dt);

struct detect_alert {
	uint32_t rule_index; /* into rs->rules */
	uint8_t action;      /* enum sig_action */
};

/*
 * Inspect one decoded packet (p->flow may be NULL). Appends at most max alerts
 * (in rule order) and returns their count. Sets p->verdict to VERDICT_DROP /
 * VERDICT_REJECT when such a rule matched (reject wins over drop) and then
 * marks the flow FLOW_DROP: later packets of that flow get VERDICT_DROP (they
 * are still inspected, so IDS mode, which ignores verdicts, loses no alert). A matching
 * pass rule ends inspection of the packet and marks its flow FLOW_NO_INSPECT;
 * a flow so marked is not inspected at all. As in Suricata, flowbit actions
 * and the drop / reject / pass action apply on every full match; threshold and
 * detection_filter decide only whether the match alerts. Rules with
 * flowbits:noalert act but never alert; so do matches a threshold.config
 * suppress covers (sig_rule.suppress), like Suricata, whose suppress keeps a
 * drop rule dropping and removes only the alert (counted in `suppressed`).
 */
unsigned detect_packet(struct detect_thread *dt, struct packet *p, struct detect_alert *alerts, unsigned max);

/* Flow-table release hook (ctx = the worker's struct detect_thread): frees f's flowbits slot. */
void detect_flow_release(void *dt, struct flow *f);

/* Named counters of one worker (monotonic). */
struct detect_counters {
	uint64_t packets;             /* packets inspected */
	uint64_t packets_no_inspect;  /* skipped: flow marked FLOW_NO_INSPECT, or not IP */
	uint64_t scans;               /* Hyperscan scans */
	uint64_t candidates;          /* rules verified */
	uint64_t matches;             /* rules fully matched (before thresholds) */
	uint64_t alerts;              /* alerts returned */
	uint64_t alerts_over_max;     /* alerts lost to the per-packet maximum */
	uint64_t thresholded;         /* alerts suppressed by threshold / detection_filter */
	uint64_t recursion_limit;     /* payload inspections cut by the recursion limit */
	uint64_t pcre_errors;         /* pcre2_match errors other than no-match (limits hit) */
	uint64_t flowbits_pool_full;  /* flowbit set dropped: no free per-flow slot */
	uint64_t threshold_evictions; /* threshold entries replaced (LRU) */
	uint64_t scan_errors;         /* hs_scan failures */
	uint64_t suppressed;          /* alerts removed by threshold.config suppress (the rule still acted) */
};
const struct detect_counters *detect_thread_counters(const struct detect_thread *dt);

#endif /* RAMPART_DETECT_H */
