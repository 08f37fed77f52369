/*
 * rules_internal.h - shared by the rule manager's files (not a public API):
 * the manager's state, the bundle builder and the toggle rules.
 */
#ifndef RAMPART_CTRLPLANE_RULES_INTERNAL_H
#define RAMPART_CTRLPLANE_RULES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrlplane/rules/rules_mgr.h"

struct rules_toggle {
	uint8_t kind;   /* enum rules_toggle_kind */
	bool enable;
	char *value;    /* sid: "G:S" normalized; classtype; category "x.rules" */
};

struct rules_toggle_set {
	struct rules_toggle *v;
	size_t n;
};

struct rules_mgr {
	char *default_rule_path;
	char **rule_files;
	size_t n_rule_files;
	char *classification_file;
	char *threshold_file;
	const struct engine_config *engine;
	char *state_dir;

	struct rules_toggle_set toggles;    /* what builds use */
	struct rules_toggle_set committed;  /* as in STATE/rules-toggles.json */

	char *cur_text;
	size_t cur_len;
	char cur_sha[65];
	uint8_t *cur_hsdb;                  /* serialized Hyperscan cache of cur_text (NULL: none) */
	size_t cur_hsdb_len;
	uint64_t generation;
};

/* Where bundle line i (0-based) came from. */
struct rules_origin {
	const char *file; /* into rules_bundle.files */
	uint32_t line;
};

struct rules_bundle {
	char *text;
	size_t len, cap;
	size_t rules_len;          /* bytes of the rule part (before the threshold marker) */
	size_t n_rules;            /* rules in the bundle */
	size_t n_disabled;         /* rules left out */
	struct rules_origin *origin; /* n_rules entries */
	char **files;              /* rule files read, in order */
	size_t n_files;
};

/* Read every rule file of m, apply m->toggles, append the threshold file. */
int rules_bundle_build(const struct rules_mgr *m, struct rules_bundle *b, char *err, size_t errlen);
void rules_bundle_free(struct rules_bundle *b);

/* Facts of one rule line read from its options text (no full parse). */
struct rules_meta {
	uint32_t gid, sid;         /* gid 1 when absent; sid 0 when absent */
	char classtype[128];       /* "" when absent */
};
void rules_meta_scan(const char *rule, struct rules_meta *meta);

/* The precedence documented in rules_mgr.h. */
bool rules_toggle_decide(const struct rules_toggle_set *t, const struct rules_meta *meta,
			 const char *category, bool file_enabled);
/* Parse a toggle value for kind; normalized copy in *out (free). */
int rules_toggle_normalize(enum rules_toggle_kind kind, const char *value, char **out,
			   char *err, size_t errlen);
int rules_toggle_set_put(struct rules_toggle_set *t, enum rules_toggle_kind kind, bool enable,
			 const char *normalized);
int rules_toggle_set_copy(struct rules_toggle_set *dst, const struct rules_toggle_set *src);
void rules_toggle_set_clear(struct rules_toggle_set *t);
const char *rules_toggle_kind_name(uint8_t kind);
/* STATE/rules-toggles.json <-> set. load: 0 (missing file = empty), -1 with err. */
int rules_toggle_load(struct rules_toggle_set *t, const char *path, char *err, size_t errlen);
json_t *rules_toggle_to_json(const struct rules_toggle_set *t);

/* Parse + compile the bundle's rule part; fills the counts of out. */
int rules_validate(const struct rules_mgr *m, const struct rules_bundle *b,
		   struct rules_build_result *out, char *err, size_t errlen);

/* Write data to path atomically (path.tmp + fsync + rename). 0, or -1 errno. */
int rules_write_atomic(const char *path, const void *data, size_t len);

#endif /* RAMPART_CTRLPLANE_RULES_INTERNAL_H */
