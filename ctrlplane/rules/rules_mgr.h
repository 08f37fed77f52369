/*
 * rules_mgr.h - rampartd's rule manager: which rules run, as one bundle.
 *
 * Contract
 *  - Owns: the rule sources (default-rule-path + rule-files), the operator's
 *    enable/disable toggles (STATE/rules-toggles.json), the last good bundle
 *    (memory + STATE/rules/current.rules) and its generation number
 *    (STATE/generation), so a restarted daemon offers the same bundle.
 *  - The bundle is the exact text sent to a data plane in the `load` rules
 *    memfd: every enabled rule, one per line (multi-line rules joined), in
 *    file order (files in rule-files order, a directory's *.rules sorted);
 *    then, when a threshold-file is set, a line `# rampart: threshold.config`
 *    followed by that file verbatim. Same sources + toggles -> same bytes ->
 *    same sha256.
 *  - Rule state: a rule line `alert ...` is enabled, a commented rule
 *    `# alert ...` (ET ships many) is disabled. Toggles then apply, with this
 *    precedence (suricata-update's: a sid beats a group):
 *      1. a toggle naming the rule's gid:sid exactly decides;
 *      2. else any matching classtype / category DISABLE disables it;
 *      3. else any matching classtype / category ENABLE enables it;
 *      4. else the file decides.
 *    A category is the rule file's base name ("emerging-scan.rules").
 *    A later toggle of the same kind and value replaces the earlier one.
 *  - Validation: rules_mgr_build parses the whole bundle with the real parser
 *    (sig_ruleset_load_buffer, threshold part included, with the config's
 *    vars, classification, geoip-database and reputation files, as a data
 *    plane does) and compiles it with detect_engine_build_cached, recording every
 *    Hyperscan database into a cache (then frees the engine). A
 *    malformed rule is one rejection and the rest loads; the build is refused
 *    only when files were given but no rule is active, or the detect build
 *    fails. Rejections name the ORIGINAL file and line.
 *  - The compiled blob: the recorded cache, serialized
 *    (signatures/compiler/hs_cache.h), travels beside the bundle text (the
 *    `load` message's third memfd) so a data plane deserializes instead of
 *    compiling. It is committed with the bundle (memory +
 *    STATE/rules/current.hsdb, written atomically, read back at start-up).
 *    It is an accelerator only: missing, stale or damaged, the data plane
 *    compiles as before.
 *  - Who calls it: rampartd's command thread only (rules reload, rules
 *    enable/disable, start-up). Not thread-safe; nothing here runs per packet.
 *
 * Typical use:
 *   m = rules_mgr_new(&cfg, state_dir, err, sizeof(err));
 *   rules_mgr_toggle(m, false, RULES_TOGGLE_SID, "1:2001219", err, ...);
 *   if (rules_mgr_build(m, &res, err, ...) == 0) { send res.text; rules_mgr_commit(m, &res, ...); }
 *   else rules_mgr_revert_toggles(m);        (the toggle is not kept)
 *   rules_build_result_free(&res);
 */
#ifndef RAMPART_CTRLPLANE_RULES_MGR_H
#define RAMPART_CTRLPLANE_RULES_MGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dataplane/engine/config.h"

#define RULES_BUNDLE_THRESHOLD_MARKER "# rampart: threshold.config"
#define RULES_MAX_REJECTION_LINES 20u

struct rules_mgr_config {
	const char *default_rule_path;    /* base of relative rule-files; NULL: cwd */
	const char *const *rule_files;    /* names under default_rule_path, absolute paths, or directories */
	size_t n_rule_files;
	const char *classification_file;  /* NULL: beside the first rule file, else the bundled copy */
	const char *threshold_file;       /* NULL: none */
	const struct engine_config *engine; /* vars (and geoip / reputation keys); NULL: Suricata defaults */
};

/* What one build produced; free with rules_build_result_free. */
struct rules_build_result {
	char *text;                  /* the bundle (owned; NUL-terminated) */
	size_t len;
	char sha256[65];             /* hex of text[0..len) */
	size_t n_files;              /* rule files read */
	size_t n_enabled;            /* rules in the bundle */
	size_t n_disabled;           /* rules in the files left out (commented or toggled off) */
	size_t n_loaded;             /* rules the parser kept (active + inactive) */
	size_t n_active, n_inactive, n_rejected;
	size_t n_compiled, n_skipped; /* detect build: rules compiled, active rules it refused */
	size_t n_threshold_applied;  /* threshold-file entries applied */
	size_t n_threshold_rejected; /* threshold-file entries refused (listed in rejections too) */
	char **rejections;           /* first RULES_MAX_REJECTION_LINES "file:line: keyword: reason"
				      * (rules first, then threshold-file entries) */
	size_t n_rejections;
	double parse_seconds, compile_seconds;
	uint8_t *hsdb;               /* serialized Hyperscan cache of the validation build (owned; NULL: none) */
	size_t hsdb_len;
	size_t hs_cache_entries;     /* compiles it answers */
	size_t detect_bytes;         /* detect_build_stats.total_bytes */
	long rss_kb, rss_peak_kb;    /* VmRSS / VmHWM after the validation */
	long hwm_delta_kb;           /* VmHWM growth during the validation */
};

enum rules_toggle_kind { RULES_TOGGLE_SID = 0, RULES_TOGGLE_CLASSTYPE, RULES_TOGGLE_CATEGORY };

/*
 * Create a manager; loads STATE/rules-toggles.json, STATE/rules/current.rules
 * and STATE/generation when present (state_dir is created if missing). Copies
 * cfg (the engine config pointer is kept: it must outlive the manager).
 * NULL with err filled on a malformed toggles file or an unusable state_dir.
 */
struct rules_mgr *rules_mgr_new(const struct rules_mgr_config *cfg, const char *state_dir,
				char *err, size_t errlen);
void rules_mgr_free(struct rules_mgr *m);

/*
 * Read every rule file, apply the toggles, build the bundle and validate it
 * (parse + compile). Does not commit. Returns 0 when the bundle may be used;
 * -1 when refused (err: one line) - *out is still filled as far as the build
 * went (counts, rejections) and must be freed either way.
 */
int rules_mgr_build(struct rules_mgr *m, struct rules_build_result *out, char *err, size_t errlen);

/*
 * Make res the current bundle: takes res->text and res->hsdb (both become
 * NULL), bumps the generation, writes STATE/rules/current.rules,
 * STATE/rules/current.hsdb (removed when res has none), STATE/generation
 * and STATE/rules-toggles.json (each atomically). 0, or -1 with err (then
 * nothing changed in memory).
 */
int rules_mgr_commit(struct rules_mgr *m, struct rules_build_result *res, char *err, size_t errlen);

/* The current bundle; *text NULL and *generation 0 before the first commit.
 * Pointers live until the next commit or rules_mgr_free. Any out may be NULL. */
void rules_mgr_current(const struct rules_mgr *m, const char **text, size_t *len,
		       const char **sha256_hex, uint64_t *generation);
/* The current bundle's serialized Hyperscan cache (*hsdb NULL, *len 0: none).
 * Lives as long as rules_mgr_current's pointers. */
void rules_mgr_current_hsdb(const struct rules_mgr *m, const uint8_t **hsdb, size_t *len);

/*
 * Enable or disable by sid ("N" = gid 1, or "G:N"), classtype name or
 * category (a rules file base name, must end in ".rules"). In memory only
 * until rules_mgr_commit; rules_mgr_revert_toggles drops uncommitted ones.
 * 0, or -1 with err on a malformed value.
 */
int rules_mgr_toggle(struct rules_mgr *m, bool enable, enum rules_toggle_kind kind, const char *value,
		     char *err, size_t errlen);
void rules_mgr_revert_toggles(struct rules_mgr *m);

/* New reference: {"disabled":[{"kind":"sid","value":"1:5"}...], "enabled":[...]} */
json_t *rules_mgr_list_toggles(const struct rules_mgr *m);

/* The counts and timing of a build as a JSON object (for replies and logs). */
json_t *rules_build_result_json(const struct rules_build_result *r);
void rules_build_result_free(struct rules_build_result *r);

/* SHA-256 of data as 64 lowercase hex digits + NUL (used for the bundle). */
void rules_sha256_hex(const void *data, size_t len, char out[65]);

#endif /* RAMPART_CTRLPLANE_RULES_MGR_H */
