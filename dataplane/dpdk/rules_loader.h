/*
 * rules_loader.h - rampart-dp's rule and policy builds, on a loader pthread,
 * never on a worker lcore and never blocking the control thread.
 *
 * Contract: a "generation" is everything one configuration of the data
 * plane owns: its engine config (own --config, then rampartd's YAML on top),
 * rule variables, rule set, detect engine and firewall policy. The control
 * thread (inline.c, lcore 0) submits one job at a time: rule text from
 * rampartd (or the rule set parsed at start-up from --rules) and config
 * YAML. The loader thread builds a new generation and, per worker, what the
 * swap needs: the first engines (no engine yet), or prepared rule / policy
 * swaps (engine.h). The control thread polls for the outcome on its ticks,
 * publishes the swaps, and after the grace period frees the generation that
 * was replaced. Any failure leaves nothing half-built: the outcome says
 * ok = false with a one-line reason, and what runs keeps running.
 *
 * What is rebuilt: the rules when the text's rules_sha256 or the rule
 * variables differ from what runs (else the running rule set and detect
 * engine move to the new generation); the policy when the config YAML
 * differs or the rules were rebuilt (variables feed both).
 *
 * Rule text: plain rules, one per line; a line "# rampart: threshold.config"
 * starts threshold.config entries (suppress / threshold / rate_filter).
 * sig_ruleset_load_buffer reads both (errors name "rules" and a line of the
 * whole text), with the generation's variables and, for the geoip / iprep
 * keywords, the geoip-database and reputation files its config names (as
 * rampartd's validation does). A refused threshold entry is counted and
 * reported (rules_threshold_rejected, first reason on stderr) but does not
 * refuse the set, like rampartd's validation.
 *
 * Compiled blob: a job may carry rampartd's serialized Hyperscan cache
 * (signatures/compiler/hs_cache.h). The detect build then deserializes the
 * databases it finds there instead of compiling them; a cache that is
 * missing, damaged or from another rule set only means compiling, as
 * without one (outcome hs_cache: "hit" every database came from the cache,
 * "miss" some or all compiled, "invalid" the blob was refused or its
 * databases do not load here).
 *
 * Thread rules: start, submit, poll and stop from the control thread; the
 * running generation handed to submit must stay untouched until the
 * outcome was polled (the control thread swaps only between jobs).
 */
#ifndef RAMPART_DPDK_RULES_LOADER_H
#define RAMPART_DPDK_RULES_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dpdk/inline_worker.h"
#include "dataplane/engine/config.h"
#include "dataplane/engine/detect/detect.h"

struct cli_options;
struct loaded_rules;
struct sig_classifications;
struct sig_ruleset;
struct sig_vars;
struct fw_policy;
struct engine_worker;
struct engine_rules_swap;
struct engine_policy_swap;

struct dp_generation {
	uint64_t generation;          /* rampartd's number; 0: start-up (--rules) */
	char rules_sha256[65];        /* "" when not from rampartd */
	int64_t policy_version;       /* -1: none given */
	char *config_yaml;            /* rampartd's YAML as applied, NULL: none */
	char *vars_key;               /* "NAME=VALUE\n"... the rules were built with */
	struct engine_config cfg;
	/* rules: rs and vars owned when owns_rules (else borrowed from
	 * start-up, or not yet moved from the running generation); de when
	 * owns_detect. Moving from the running generation happens when the
	 * control thread commits the swap. */
	struct sig_ruleset *rs;
	struct sig_vars *vars;
	struct detect_engine *de;
	struct detect_build_stats ds;
	bool owns_rules, owns_detect;
	struct fw_policy *policy;     /* NULL: no firewall section */
	bool owns_policy;
};

/* Frees what g owns, then g. NULL is a no-op. */
void dp_generation_free(struct dp_generation *g);

/* What the loader may read for every job (all outlive the loader). */
struct rules_loader_env {
	const struct cli_options *cli;            /* --config, --var */
	const struct sig_classifications *classes; /* NULL: classtypes unchecked */
	unsigned n_ports;
	const uint16_t *port_ids;                 /* port i: ids[i], labels[i]; */
	const char *const *port_labels;           /* pairs are (2k, 2k+1) */
	uint16_t n_workers;
};

struct rules_load_job {
	uint64_t generation;
	char rules_sha256[65];
	int64_t policy_version;                   /* -1: none */
	bool keep_rules;                          /* no rule text: keep what runs */
	char *rules_text;                         /* owned by the job */
	size_t rules_len;
	char *config_yaml;                        /* owned; NULL: none */
	size_t config_len;
	uint8_t *hsdb;                            /* owned; serialized Hyperscan cache, NULL: none */
	size_t hsdb_len;
	const struct loaded_rules *preloaded;     /* start-up: --rules parsed by main (borrowed) */
};

/* Frees the job's buffers (not the job itself). */
void rules_load_job_clear(struct rules_load_job *job);

struct rules_load_outcome {
	uint64_t generation;
	bool ok;
	char error[512];                          /* ok false: one line */
	bool rules_changed, policy_changed;
	struct dp_generation *gen;                /* ok: the new generation */
	/* per worker, ok only: first engines (the workers had none), or swaps */
	struct engine_worker *engines[INLINE_MAX_WORKERS];
	struct engine_rules_swap *rules_swaps[INLINE_MAX_WORKERS];
	struct engine_policy_swap *policy_swaps[INLINE_MAX_WORKERS];
	size_t rules_loaded, rules_compiled, rules_skipped, rules_failed;
	double parse_s, compile_s, build_s;       /* build_s: the loader's whole job */
	size_t detect_bytes;
	size_t threshold_applied, threshold_rejected; /* threshold.config entries of the text */
	const char *hs_cache;                     /* "hit" / "miss" / "invalid"; NULL: no detect build */
	size_t hs_cache_hits, hs_cache_misses;    /* Hyperscan compiles answered by the cache / done */
};

/* Frees what the outcome still holds (a refused or abandoned build). Fields
 * the caller took must be set to NULL first. NULL is a no-op. */
void rules_load_outcome_free(struct rules_load_outcome *o);

struct rules_loader;

/* Starts the loader thread. NULL with err on failure. */
struct rules_loader *rules_loader_start(const struct rules_loader_env *env, char *err,
					size_t errlen);

/*
 * Hands a job to the loader (its buffers move in; *job is cleared).
 * running: the generation that runs now (NULL: none); engines: the workers'
 * engines (entries NULL before the first load). Returns false (job
 * untouched) while an earlier job is still building or not yet polled, or
 * when out of memory.
 */
bool rules_loader_submit(struct rules_loader *l, struct rules_load_job *job,
			 const struct dp_generation *running, struct engine_worker *const *engines);

/* Is a job building or waiting to be polled? */
bool rules_loader_busy(const struct rules_loader *l);

/* The finished job's outcome (caller frees it), or NULL. Never blocks. */
struct rules_load_outcome *rules_loader_poll(struct rules_loader *l);

/* Waits for a running build, frees an unpolled outcome, joins. */
void rules_loader_stop(struct rules_loader *l);

/* VmRSS and VmHWM of this process, KiB (0 when unknown). */
void rules_loader_memory(long *rss_kb, long *peak_kb);

#endif /* RAMPART_DPDK_RULES_LOADER_H */
