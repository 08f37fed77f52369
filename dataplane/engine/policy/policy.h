/*
 * policy.h - the stateful firewall's rule set: an ordered policy compiled into
 * rte_acl contexts (IPv4 and IPv6) and rte_lpm / rte_lpm6 prefix sets.
 *
 * Contract
 *  - Owns: one compiled policy (ACL contexts, LPM tables, rule names, the
 *    port -> zone table). Built once from engine_config's firewall section by
 *    fw_policy_build() on a control thread, after rte_eal_init().
 *  - Who calls it: the front end builds it and binds its ports
 *    (fw_policy_bind_port) before workers start, then hands it to every
 *    worker (engine_worker_set_policy). Workers call fw_policy_classify_burst
 *    for the first packet of each flow; the engine keeps the decision in the
 *    flow, so return traffic is never classified.
 *  - Thread rules: build, bind and free on one thread while no worker uses
 *    the policy. Classification only reads it: any number of workers may
 *    classify concurrently. Classification never allocates, locks or makes a
 *    system call.
 *
 * Semantics (see signatures/firewall/README.md for the user's view)
 *  - Rules are tried in order; the first whose every field matches decides.
 *    No rule matches: the default action.
 *  - src/dst accept exactly what a rule header accepts: any, CIDR, a-b
 *    ranges, [lists], !negation, $VARIABLES (Suricata defaults, then the
 *    config file's vars, then --var) - resolved by the signature parser's own
 *    resolver. "@name" (or "!@name") names a firewall.address-sets entry.
 *  - Ports: any, N, a:b (a-b in YAML lists), lists, negation, port variables.
 *    Ports need proto tcp, udp or sctp.
 *  - proto "icmp" matches ICMP on IPv4 and ICMPv6 on IPv6; "any" any protocol.
 *  - ingress: a zone; the packet's ingress port must be bound to an interface
 *    (or bridge side) that is a member of it. Omitted: any port.
 */
#ifndef RAMPART_POLICY_H
#define RAMPART_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine/config.h"
#include "dataplane/engine/packet.h"

struct fw_policy;
struct sig_vars;
struct rep_sources; /* dataplane/engine/policy/rep_sources.h */

/*
 * The mapping form of an address set ({ prefixes, countries, reputation })
 * reaches fw_policy_build through fw_address_set_config.prefixes, its
 * dynamic parts marked (config_firewall.c writes them, policy_sets.c expands
 * them): "country:KP" (upper case), "reputation:MINSCORE:CATEGORY".
 */
#define FW_SET_COUNTRY_PREFIX    "country:"
#define FW_SET_REPUTATION_PREFIX "reputation:"

/* classify result when no rule matched: the default action applies */
#define FW_RULE_DEFAULT UINT32_MAX

/* Limits (errors past them name the rule or set). */
#define FW_MAX_ZONES        32u
#define FW_MAX_ADDRESS_SETS 16u /* one bit each in an rte_lpm6 next hop (21 bits) */
#define FW_MAX_RULES        65536u
#define FW_MAX_ACL_PER_RULE 65536u /* one rule's expansion (addresses x ports) */
#define FW_MAX_PORTS        1024u  /* port ids fw_policy_bind_port accepts */

/*
 * Compile cfg's firewall section. `vars` resolves $VARIABLES; NULL means
 * Suricata's defaults overlaid with cfg->vars. Needs the EAL (rte_acl and
 * rte_lpm allocate from it). Returns NULL with a one-line message in err,
 * naming the rule and key ("firewall.rules[3] (block-x): dst: ...").
 */
struct fw_policy *fw_policy_build(const struct engine_config *cfg, const struct sig_vars *vars,
				  char *err, size_t errlen);
/*
 * Same, expanding address sets with `countries:` / `reputation:` from
 * already opened sources (shared across builds: the GeoIP tree is walked
 * once per database, not once per build). sources NULL: opened from cfg
 * (geoip-database, reputation-*) for this build only, when a set needs
 * them. A set that needs a source nobody configured fails the build naming
 * the set ("firewall.address-sets.bad-geo: countries need geoip-database").
 */
struct fw_policy *fw_policy_build_with(const struct engine_config *cfg, const struct sig_vars *vars,
				       const struct rep_sources *sources, char *err, size_t errlen);

/*
 * Tell the policy which interface a port id is. bridge_side: 0 for the first
 * interface of a pair (zone member token "bridge-a"), 1 for the second
 * ("bridge-b"), -1 when not part of a pair. A port that is never bound is in
 * no zone. Returns 0, or -1 when port_id >= FW_MAX_PORTS.
 */
int fw_policy_bind_port(struct fw_policy *pol, uint16_t port_id, const char *ifname,
			int bridge_side);

/* Bitmask of the zones (bit i = i-th zone in the config) a port is in. */
uint32_t fw_policy_port_zones(const struct fw_policy *pol, uint16_t port_id);

/*
 * Classify decoded IP packets: rule_ids[i] = index of the first matching
 * rule, or FW_RULE_DEFAULT. One rte_acl_classify per address family per up
 * to 64 packets. Packets that are neither IPv4 nor IPv6 get FW_RULE_DEFAULT
 * (callers do not classify them).
 */
void fw_policy_classify_burst(const struct fw_policy *pol, const struct packet *const *pkts,
			      uint16_t n, uint32_t *rule_ids);

/* Number of rules (rule ids are 0 .. n-1). */
uint32_t fw_policy_rule_count(const struct fw_policy *pol);
/* enum fw_action of a rule id (FW_RULE_DEFAULT: the default action). */
uint8_t fw_policy_rule_action(const struct fw_policy *pol, uint32_t rule_id);
/* Whether decisions of that rule are logged (the default action: never). */
bool fw_policy_rule_log(const struct fw_policy *pol, uint32_t rule_id);
/* The rule's name; "default" for FW_RULE_DEFAULT. Lives as long as the policy. */
const char *fw_policy_rule_name(const struct fw_policy *pol, uint32_t rule_id);
/* ACL rules the policy expanded into (IPv4 + IPv6), for start-up reports. */
uint32_t fw_policy_acl_rule_count(const struct fw_policy *pol);

/* Frees everything; NULL is a no-op. No worker may still use it. */
void fw_policy_free(struct fw_policy *pol);

#endif /* RAMPART_POLICY_H */
