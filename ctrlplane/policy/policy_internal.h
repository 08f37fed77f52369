/*
 * policy_internal.h - shared by the policy store's files (not a public API).
 *
 * A policy is kept as a JSON tree of the `firewall` section exactly as the
 * YAML had it (every scalar a string, mappings in file order), so sections
 * the store does not interpret (dynamic address sets, future keys) survive
 * versions and edits unchanged.
 */
#ifndef RAMPART_CTRLPLANE_POLICY_INTERNAL_H
#define RAMPART_CTRLPLANE_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "ctrlplane/policy/policy_store.h"

struct policy_store {
	char *state_dir;
	char *config_name;
	json_t *extras;     /* vars, geoip-database, reputation-*: rendered before firewall */
	json_t *firewall;   /* current version's firewall section */
	uint32_t version;
	json_t *history;    /* [{version, time, summary}] */
	json_t *blocklist;  /* [{cidr, expires}] */
};

struct policy_candidate {
	json_t *firewall;
	char *summary;
};

/*
 * Read the top-level sections of a YAML document: `firewall` into
 * *firewall (NULL when absent) and, when extras is not NULL, the sections the
 * data plane gets from the daemon (vars, geoip and reputation keys) into
 * *extras (an object, maybe empty). 0, or -1 with err. Refused: control
 * characters (C0, DEL, C1, U+2028/2029) in any scalar or key, non-scalar
 * keys, nesting deeper than 32, alias expansion past a node budget, and a
 * `vars` other than address-groups / port-groups mappings of name: scalar.
 */
int policy_yaml_read(const char *yaml, size_t len, const char *name, json_t **firewall, json_t **extras,
		     char *err, size_t errlen);

/* Render `key:` + value as block YAML at indent 0, appended to *buf. */
struct policy_text {
	char *s;
	size_t len, cap;
	bool oom;
};
void policy_yaml_emit_section(struct policy_text *t, const char *key, const json_t *value);
void policy_text_append(struct policy_text *t, const char *s, size_t n);

/* Full data plane YAML: extras + firewall (+ blocklist when non-empty). NULL on ENOMEM. */
char *policy_render_dataplane(const json_t *extras, const json_t *firewall, const json_t *blocklist,
			      size_t *len);
/* The firewall section only (vN.yaml). */
char *policy_render_firewall(const json_t *firewall, size_t *len);

/* A copy of firewall with the blocklist set and its two rules injected (new ref). */
json_t *policy_blocklist_inject(const json_t *firewall, const json_t *blocklist);
/* Normalize "10.0.0.1" -> "10.0.0.1/32"; host bits must be zero. 0, or -1 with err. */
int policy_cidr_normalize(const char *text, char *out, size_t outlen, char *err, size_t errlen);
int policy_blocklist_load(struct policy_store *s, char *err, size_t errlen);

/* Validate: engine_config_load_string + fw_policy_build. 0, or -1 with err. */
int policy_validate(const struct policy_store *s, const json_t *firewall, const json_t *blocklist,
		    char *err, size_t errlen);

int policy_write_atomic(const char *path, const void *data, size_t len);
char *policy_read_file(const char *path, size_t *len);

#endif /* RAMPART_CTRLPLANE_POLICY_INTERNAL_H */
