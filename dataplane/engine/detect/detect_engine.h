/*
 * detect_engine.h - the compiled form of a rule set, shared by the compiler
 * (signatures/compiler/detect_build.c, detect_groups.c, detect_gate.c) and the matcher
 * (dataplane/engine/detect/). Not a public interface: front ends use detect.h.
 *
 * Rules are stored in evaluation order: a rule's id (its index in
 * detect_engine.rules) IS its sort position, so sorting candidate ids sorts
 * them by action, flowbits dependency and priority. Hyperscan pattern ids are
 * rule ids.
 */
#ifndef RAMPART_DETECT_ENGINE_H
#define RAMPART_DETECT_ENGINE_H

#include <hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "dataplane/engine/detect/detect.h"

struct detect_engine;

/* Protocol classes a packet falls in; each has its own groups. */
enum detect_pclass { DETECT_PC_TCP = 0, DETECT_PC_UDP, DETECT_PC_ICMP, DETECT_PC_OTHER, DETECT_PC__COUNT };

/* Suricata's inspection_recursion_limit default. */
#define DETECT_RECURSION_LIMIT 3000
/* Suricata's pcre match-limit / match-limit-recursion defaults. */
#define DETECT_PCRE_MATCH_LIMIT 3500
#define DETECT_PCRE_DEPTH_LIMIT 1500

/* One step of a rule's verification: the IR keyword plus what compiling it produced. */
struct detect_op {
	const struct sig_match *m;
	pcre2_code *re; /* SIG_M_PCRE only */
};

/* Which flowbits the rule touches, for the sort. */
#define DETECT_FB_SETS   0x01u /* set / unset / toggle */
#define DETECT_FB_READS  0x02u /* isset / isnotset */

struct detect_rule {
	const struct sig_rule *sig;
	uint32_t rule_index;        /* into rs->rules */
	uint8_t action;             /* enum sig_action */
	uint8_t fb_use;             /* DETECT_FB_* */
	uint8_t pclass_mask;        /* 1 << enum detect_pclass it can apply to */
	bool noalert;
	/* verification program, split by cheapness */
	struct detect_op *pkt_ops;      uint16_t n_pkt_ops;     /* dsize, flags, ttl, ... */
	struct detect_op *fb_conds;     uint16_t n_fb_conds;    /* flowbits isset / isnotset */
	struct detect_op *payload_ops;  uint16_t n_payload_ops; /* content, pcre, isdataat, byte_* */
	struct detect_op *fb_actions;   uint16_t n_fb_actions;  /* flowbits set / unset / toggle */
	/* fast pattern (into the payload buffer), NULL when the rule is always evaluated */
	const uint8_t *fp; uint32_t fp_len; bool fp_nocase;
};

/*
 * Address gate: rules without a fast pattern whose source (or destination)
 * address set is a list of networks - the IP reputation rules, thousands of
 * addresses each - are not evaluated for every packet: the packet's address,
 * masked to each prefix length the gate holds, is looked up in a hash of
 * (family, prefix, network) -> rule ids.
 */
struct detect_gate_slot {
	struct ip_addr net;
	uint8_t family, prefix, used;
	uint32_t first, count;  /* into detect_addr_gate.ids */
};

struct detect_addr_gate {
	struct detect_gate_slot *slots; /* open addressing, mask + 1 slots */
	uint32_t mask;
	uint32_t *ids;
	uint8_t v4_prefixes[33], n_v4;  /* prefix lengths present, longest first */
	uint8_t v6_prefixes[129], n_v6;
};

struct detect_group {
	hs_database_t *db;      /* NULL when no rule of the group has a fast pattern */
	uint32_t n_patterns;
	uint32_t *always;       /* ids of rules without a fast pattern or gate, ascending */
	uint32_t n_always;
	struct detect_addr_gate src_gate, dst_gate; /* rules without a fast pattern, gated by address */
};

/* out = in with only the first `prefix` bits kept (addresses are in network byte order). */
static inline void detect_addr_mask(struct ip_addr *out, const struct ip_addr *in, unsigned prefix)
{
	for (unsigned w = 0; w < 4; w++) {
		unsigned bits = prefix >= 32 * (w + 1) ? 32 : prefix > 32 * w ? prefix - 32 * w : 0;
		uint32_t host_mask = bits ? ~0u << (32 - bits) : 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		host_mask = __builtin_bswap32(host_mask);
#endif
		out->u32[w] = in->u32[w] & host_mask;
	}
}

static inline uint32_t detect_gate_hash(const struct ip_addr *net, uint8_t family, uint8_t prefix)
{
	uint64_t h = (uint64_t)family << 8 | prefix;
	for (int i = 0; i < 4; i++)
		h = (h ^ net->u32[i]) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32);
}

/* detect_gate.c: split a group's fast-pattern-less rules into always / src gate / dst gate. */
int detect_gate_build(struct detect_engine *de, struct detect_group *g, const uint32_t *ids, uint32_t n,
		      uint32_t *always, uint32_t *n_always);
void detect_gate_free(struct detect_addr_gate *gate);

struct detect_pclass_map {
	uint32_t any_group;     /* index into groups; 0 = none */
	uint32_t *dport_group;  /* 65536 entries, 0 = none (NULL for ICMP / other) */
	uint32_t *sport_group;
};

struct detect_engine {
	const struct sig_ruleset *rs;
	struct detect_rule *rules; uint32_t n_rules;
	struct detect_group *groups; uint32_t n_groups; /* groups[0] is unused (index 0 = none) */
	struct detect_pclass_map pclass[DETECT_PC__COUNT];
	hs_scratch_t *proto_scratch;   /* cloned by each worker */
	uint32_t max_vars;             /* most byte_extract variables in one rule */
	uint32_t n_flowbits;
	size_t *skipped; const char **skipped_reason; size_t n_skipped;
	struct detect_build_stats stats;
};

/* detect_groups.c: fill groups and pclass maps from de->rules (fast patterns chosen). */
int detect_groups_build(struct detect_engine *de, char *err, size_t errlen);
void detect_groups_free(struct detect_engine *de);

#endif /* RAMPART_DETECT_ENGINE_H */
