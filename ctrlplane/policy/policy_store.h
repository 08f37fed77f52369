/*
 * policy_store.h - rampartd's firewall policy: versions, edits, blocklist.
 *
 * Contract
 *  - Owns: the versioned firewall section (STATE/policy/vN.yaml, N >= 1, and
 *    STATE/policy/current = N), its history (STATE/policy/history.json) and
 *    the blocklist (STATE/blocklist.json). Version 1 is the config file's
 *    `firewall` section (read verbatim, dynamic address sets included) when
 *    the state has no version yet; a config without one starts from
 *    `default-action: allow` and no rules.
 *  - The config file's `vars`, `geoip-database`, `reputation-categories-file`,
 *    `default-reputation-path` and `reputation-files` are read from the
 *    config at open (not versioned) and travel with every rendered policy.
 *  - Edits (add / remove / move / rollback) produce a CANDIDATE that is
 *    already validated: its rendered YAML is loaded with
 *    engine_config_load_string and compiled with fw_policy_build (the data
 *    plane's own compiler, so the EAL is needed: see policy_store_eal_init).
 *    Nothing is written until policy_store_commit. A refused edit names the
 *    rule and key ("firewall.rules[2] (x): dst: ...").
 *  - Rollback to V (0 = the previous version) is a new version N+1 with V's
 *    firewall, like a git revert.
 *  - The data plane's YAML (policy_store_render_dataplane) is the current
 *    version plus, when the blocklist is not empty, the address set
 *    `rampart-blocklist` and the rules rampart-block-src / rampart-block-dst
 *    (deny, log) at the very top.
 *  - Who calls it: rampartd's command thread only. Not thread-safe.
 */
#ifndef RAMPART_CTRLPLANE_POLICY_STORE_H
#define RAMPART_CTRLPLANE_POLICY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define POLICY_BLOCKLIST_SET "rampart-blocklist"

struct policy_store;
struct policy_candidate;

/*
 * Start DPDK's EAL once for fw_policy_build (rte_acl / rte_lpm): "--no-huge
 * -m 128 --no-pci --in-memory --no-telemetry --log-level=error", lcore 0.
 * rampartd calls it at start-up; the store calls it itself before the first
 * validation if nobody did. Idempotent. 0, or -1 with err.
 */
int policy_store_eal_init(char *err, size_t errlen);

/*
 * Open the store. config_yaml is the whole rampart.yaml text (config_name
 * names it in messages); state_dir is created if missing. Loads the current
 * version, or creates v1 from the config's firewall section (validated).
 * NULL with err filled.
 */
struct policy_store *policy_store_open(const char *config_yaml, size_t len, const char *config_name,
				       const char *state_dir, char *err, size_t errlen);
/* Same, reading the config file at path. */
struct policy_store *policy_store_open_file(const char *config_path, const char *state_dir,
					    char *err, size_t errlen);
void policy_store_free(struct policy_store *s);

/* Current version number (>= 1). */
uint32_t policy_store_version(const struct policy_store *s);

/* One `policy add`. NULL fields are left out of the rule (engine defaults). */
struct policy_rule_spec {
	const char *name;       /* required, unique */
	const char *action;     /* required: allow | deny | reject */
	const char *ingress;    /* zone */
	const char *proto;      /* tcp | udp | icmp | any | N */
	const char *src, *dst;  /* address expressions ("10.0.0.0/8", "@set", "$HOME_NET", "[a,b]") */
	const char *src_port, *dst_port;
	bool log;
};

/* Edits: 0 and *out set (free with policy_candidate_free or commit it), or
 * -1 with err (unknown name, duplicate name, bad position, invalid policy).
 * position is 1-based; for add, 0 = the end. */
int policy_store_add(struct policy_store *s, const struct policy_rule_spec *rule, unsigned position,
		     struct policy_candidate **out, char *err, size_t errlen);
int policy_store_remove(struct policy_store *s, const char *name, struct policy_candidate **out,
			char *err, size_t errlen);
int policy_store_move(struct policy_store *s, const char *name, unsigned position,
		      struct policy_candidate **out, char *err, size_t errlen);
int policy_store_rollback(struct policy_store *s, uint32_t version, struct policy_candidate **out,
			  char *err, size_t errlen);

/* What the data plane would get if the candidate were committed (current
 * blocklist included). 0 and *yaml (free()) / *len set, -1 on ENOMEM. */
int policy_candidate_render_dataplane(const struct policy_store *s, const struct policy_candidate *c,
				      char **yaml, size_t *len);
/* "add rule x at 3" - the history line the commit will record. */
const char *policy_candidate_summary(const struct policy_candidate *c);
void policy_candidate_free(struct policy_candidate *c);

/*
 * Commit c as version N+1: writes vN+1.yaml, current and history.json
 * atomically (temp + rename). Frees c (success or not). Returns the new
 * version, or 0 with err filled (then nothing changed).
 */
uint32_t policy_store_commit(struct policy_store *s, struct policy_candidate *c, char *err, size_t errlen);

/* The data plane's YAML for the current version + blocklist: exactly what
 * goes in the `load` config memfd. 0 and *yaml (free()) / *len, -1 on ENOMEM. */
int policy_store_render_dataplane(const struct policy_store *s, char **yaml, size_t *len);
/* The firewall section YAML of version v (0 = current), as stored in vN.yaml.
 * NULL when v does not exist. free(). */
char *policy_store_render_version(const struct policy_store *s, uint32_t version);

/* New references. list: the current firewall section as JSON (every value a
 * string, keys as written: "zones", "address-sets", "default-action",
 * "rules":[{"name":..,"action":..,...}]) plus "version":N and "blocklist":
 * number of entries. history: [{"version":N,"time":"2026-11-25T12:00:00Z",
 * "summary":"add rule x at position 1"}...], oldest first. */
json_t *policy_store_list(const struct policy_store *s);
json_t *policy_store_history(const struct policy_store *s);

/*
 * Blocklist. block: add an IP ("10.0.0.1" -> /32, v6 -> /128) or CIDR (host
 * bits must be zero), ttl_sec 0 = no expiry; an existing entry gets the new
 * expiry. A new network is checked first by building the data plane's
 * policy with it (fw_policy_build). Returns 0 (persisted), -1 with err
 * ("bad CIDR '...': ..."). unblock: 0, or -1 with err when not listed. Both
 * write STATE/blocklist.json; the caller sends policy_store_render_dataplane.
 */
int policy_store_block(struct policy_store *s, const char *cidr, uint64_t ttl_sec, time_t now,
		       char *err, size_t errlen);
int policy_store_unblock(struct policy_store *s, const char *cidr, char *err, size_t errlen);
/* [{"cidr":"10.0.0.1/32","expires":epoch|null}...] new reference */
json_t *policy_store_block_list(const struct policy_store *s);
/* Drop entries with expires <= now; true when any was dropped (the caller
 * then sends the new policy). Persists when changed. */
bool policy_store_block_expire(struct policy_store *s, time_t now);
size_t policy_store_block_count(const struct policy_store *s);

#endif /* RAMPART_CTRLPLANE_POLICY_STORE_H */
