/*
 * policy_internal.h - what policy.c (resolution, sets, zones) and
 * policy_acl.c (rte_acl layout, expansion, classification) share.
 * Not for other modules: the contract is policy.h.
 */
#ifndef RAMPART_POLICY_INTERNAL_H
#define RAMPART_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_acl.h>

#include "dataplane/engine/policy/policy.h"
#include "signatures/rule.h"

/* ACL field layout. Each field's input (rte_acl reads 4 bytes per input
 * index) is its own 32-bit word except the two ports, which share one. The
 * first field must be one byte (rte_acl's rule), hence proto leads. */
enum { F4_PROTO, F4_ZONE, F4_SRCSET, F4_DSTSET, F4_SRC, F4_DST, F4_SPORT, F4_DPORT, F4_COUNT };
enum {
	F6_PROTO, F6_ZONE, F6_SRCSET, F6_DSTSET,
	F6_SRC0, F6_SRC1, F6_SRC2, F6_SRC3, F6_DST0, F6_DST1, F6_DST2, F6_DST3,
	F6_SPORT, F6_DPORT, F6_COUNT
};

RTE_ACL_RULE_DEF(fw_acl_rule4, F4_COUNT);
RTE_ACL_RULE_DEF(fw_acl_rule6, F6_COUNT);

/* What classification reads, in network byte order (rte_acl's convention:
 * rule values in host order, input in network order). */
struct fw_key4 {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t zone, srcset, dstset; /* bitmasks, big-endian */
	uint32_t src, dst;
	uint16_t sport, dport;
};

struct fw_key6 {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t zone, srcset, dstset;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/* A family-specific, positive list of CIDR blocks. */
struct fw_cidrs {
	struct sig_cidr *v;
	size_t n;
};

/* One rule's match, resolved per family, ready to expand into ACL rules. */
struct fw_match {
	int16_t proto;                   /* FW_PROTO_ANY or a number (icmp resolved) */
	uint32_t zone_bit;               /* 0: any ingress */
	uint32_t srcset_bit, dstset_bit; /* 0: no set */
	bool srcset_negated, dstset_negated;
	struct fw_cidrs src, dst;        /* this family's blocks */
	const struct sig_port_range *sport, *dport;
	size_t n_sport, n_dport;
};

struct fw_rule_info {
	char *name;
	uint8_t action;
	bool log;
};

struct rte_lpm;
struct rte_lpm6;

struct fw_policy {
	struct fw_rule_info *rules;
	uint32_t n_rules;
	uint8_t default_action;
	char **zone_names;
	char ***zone_members;
	size_t *zone_n_members;
	size_t n_zones;
	struct rte_acl_ctx *acl4, *acl6; /* NULL when no rule covers the family */
	uint32_t n_acl4, n_acl6;
	struct rte_lpm *sets4;           /* NULL when no address set has such blocks */
	struct rte_lpm6 *sets6;
	uint32_t port_zones[FW_MAX_PORTS];
};

/* policy.c: the positive blocks of family `fam` an address set matches. */
int fw_positive_blocks(const struct sig_addr_set *s, uint8_t fam, struct fw_cidrs *out);

/* policy_sets.c: firewall.address-sets -> pol->sets4 / sets6 (static and
 * dynamic entries). 0, or -1 with err naming the set. */
int fw_build_sets(struct fw_policy *pol, const struct engine_config *cfg, const struct sig_vars *vars,
		  const struct rep_sources *sources, char *err, size_t errlen);

/* Growable array of ACL rules of one family. */
struct fw_acl_list {
	void *v;         /* struct fw_acl_rule4 or fw_acl_rule6 */
	size_t n, cap, size;
};

/* Append the expansion of `m` (rule id `rule_id`, priority from its order)
 * to `out` (family 4 or 6). 0, or -1 with err ("too many" / out of memory). */
int fw_acl_expand(const struct fw_match *m, uint8_t family, uint32_t rule_id, uint32_t n_rules,
		  struct fw_acl_list *out, char *err, size_t errlen);

/* Create and build an ACL context from a list (n > 0). NULL with err. */
struct rte_acl_ctx *fw_acl_build(uint8_t family, const struct fw_acl_list *list, char *err,
				 size_t errlen);

/* A process-unique number for DPDK object names (rte_acl reuses a context of
 * the same name; rte_lpm refuses one). */
unsigned fw_next_object_id(void);

#endif /* RAMPART_POLICY_INTERNAL_H */
