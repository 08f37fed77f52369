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

#include <string.h>

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

/*
 * Cheap facts about a packet, computed once per packet (packet_facts() in detect.c)
 * and required by rules: a rule's `need` holds facts without which it cannot
 * match (sameip needs src == dst, flags:S needs SYN, dsize:0 needs an empty
 * payload, flow:established an established flow, flowbits:isset a flow with
 * flowbits). A candidate whose need is not met is dropped before any other
 * check, and always-evaluated rules are bucketed by need so a packet visits
 * only the buckets it satisfies. DETECT_NEED_FLOWBITS can become true while a
 * packet is inspected (a setter rule allocates the slot), so buckets never
 * use it; it is checked per candidate only.
 */
#define DETECT_NEED_SAMEIP       0x0001u
#define DETECT_NEED_PAYLOAD      0x0002u
#define DETECT_NEED_NO_PAYLOAD   0x0004u
#define DETECT_NEED_ESTABLISHED  0x0008u
#define DETECT_NEED_FLOWBITS     0x0010u
#define DETECT_NEED_TCP_SHIFT    8       /* TCP flag bits (FIN 0x01 ... CWR 0x80) << 8, TCP packets only */
#define DETECT_NEED_STATIC_MASK  (~DETECT_NEED_FLOWBITS)

struct detect_rule {
	const struct sig_rule *sig;
	uint32_t need;              /* DETECT_NEED_* facts the rule cannot match without */
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
	/*
	 * Regex prefilter, for rules without a fast pattern only: a pcre the rule
	 * cannot match without (absolute, not negated) that Hyperscan compiles in
	 * prefilter mode. Hyperscan's prefilter match set is a superset of the
	 * pcre's, so a packet it does not hit cannot match the rule; the rule is
	 * then found by the group's Hyperscan database instead of being verified for
	 * every packet (ET's credit-card / SSN pcre-only rules). NULL: none.
	 */
	const char *pf_regex; unsigned pf_hs_flags;
	bool dsize_gated;           /* reached through the group's dsize gate (see struct detect_dsize_gate) */
};

/*
 * Address gate: rules without a fast pattern whose source (or destination)
 * address set is a list of networks - the IP reputation rules, thousands of
 * addresses each - are not evaluated for every packet. Their networks are
 * cut into disjoint address ranges, each with the ids of the rules whose
 * networks cover it; a packet's address finds its range by binary search.
 */
struct detect_gate_key { uint64_t hi, lo; }; /* an address as a 128-bit number (IPv4 in lo) */

struct detect_gate_ranges {
	struct detect_gate_key *start; /* n ascending range starts, start[0] = 0: the ranges cover every address */
	uint32_t *first;               /* n + 1 entries: range i's rules are ids[first[i] .. first[i + 1]) */
	uint32_t *ids;
	uint32_t n;
};

struct detect_addr_gate {
	struct detect_gate_ranges v4, v6;
};

static inline uint64_t detect_be64(const uint8_t *b)
{
	uint64_t v;
	memcpy(&v, b, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* Addresses are stored in network byte order; IPv4 in u8[0..3]. */
static inline struct detect_gate_key detect_gate_key_of(const struct ip_addr *a, bool v4)
{
	if (v4)
		return (struct detect_gate_key){ 0, detect_be64(a->u8) >> 32 };
	return (struct detect_gate_key){ detect_be64(a->u8), detect_be64(a->u8 + 8) };
}

static inline bool detect_gate_key_le(struct detect_gate_key x, struct detect_gate_key y)
{
	return x.hi < y.hi || (x.hi == y.hi && x.lo <= y.lo);
}

/* dsize, ttl, itype, ... comparisons (Suricata's: RANGE is exclusive). */
static inline bool detect_numcmp(const struct sig_numcmp *n, int64_t x)
{
	switch (n->cmp) {
	case SIG_CMP_EQ: return x == n->lo;
	case SIG_CMP_LT: return x < n->lo;
	case SIG_CMP_GT: return x > n->lo;
	case SIG_CMP_LE: return x <= n->lo;
	case SIG_CMP_GE: return x >= n->lo;
	case SIG_CMP_RANGE: return x > n->lo && x < n->hi;
	case SIG_CMP_NE: return x != n->lo;
	default: return false;
	}
}

/*
 * Dsize gate: a rule whose dsize allows few payload lengths, all below
 * DETECT_DSIZE_GATE_LENS (dsize:4, dsize:<10, dsize:20<>40), is reached
 * through a per-length table instead of Hyperscan or the always list: its
 * fast pattern is often a run of zeros or one byte that Hyperscan would hit
 * all over binary payloads, while its length almost never fits.
 */
#define DETECT_DSIZE_GATE_LENS 2048u
#define DETECT_DSIZE_GATE_SPAN 64u  /* most lengths a gated rule may allow */

struct detect_dsize_gate {
	uint32_t *start; /* DETECT_DSIZE_GATE_LENS + 1 entries; NULL: empty gate */
	uint32_t *ids;   /* ids[start[n] .. start[n + 1]): rules allowing payload length n, ascending */
};

/* A run of a group's always list whose rules share one static need. */
struct detect_need_bucket {
	uint32_t need;          /* DETECT_NEED_* (static facts only) */
	uint32_t first, count;  /* into detect_group.always */
};

struct detect_group {
	hs_database_t *db;      /* fast patterns + regex prefilters; NULL when the group has neither */
	uint32_t n_patterns;
	uint32_t min_len;       /* shortest match of db: a shorter payload is not scanned */
	uint32_t *always;       /* ids of rules without a fast pattern or gate, by bucket then ascending */
	uint32_t n_always;
	struct detect_need_bucket *buckets; /* partition of always by static need */
	uint32_t n_buckets;
	struct detect_dsize_gate dsize_gate;
	struct detect_addr_gate src_gate, dst_gate; /* rules without a fast pattern, gated by address */
};

/* Does every dsize keyword of dr allow payload length n? (the matcher's check, for the compiler) */
static inline bool detect_dsize_allows(const struct detect_rule *dr, int64_t n)
{
	for (uint16_t i = 0; i < dr->n_pkt_ops; i++) {
		const struct sig_match *m = dr->pkt_ops[i].m;
		if (m->kind == SIG_M_DSIZE && !detect_numcmp(&m->u.num, n))
			return false;
	}
	return true;
}

/* detect_gate.c: split a group's fast-pattern-less rules into always / src gate / dst gate. */
int detect_gate_build(struct detect_engine *de, struct detect_group *g, const uint32_t *ids, uint32_t n,
		      uint32_t *always, uint32_t *n_always);
void detect_gate_free(struct detect_addr_gate *gate);

/*
 * Flow direction a packet's groups are chosen by. Packets without a flow use
 * the to-client groups: no flow:to_server rule can match them, and the
 * to_client rules there fail their flow check in verification.
 */
enum detect_dir { DETECT_DIR_TO_SERVER = 0, DETECT_DIR_TO_CLIENT, DETECT_DIR__COUNT };

struct detect_pclass_map {
	uint32_t any_group;     /* index into groups; 0 = none */
	uint32_t *dport_group;  /* 65536 entries, 0 = none (NULL for ICMP / other) */
	uint32_t *sport_group;
};

struct detect_engine {
	const struct sig_ruleset *rs;
	struct detect_rule *rules; uint32_t n_rules;
	struct detect_group *groups; uint32_t n_groups; /* groups[0] is unused (index 0 = none) */
	struct detect_pclass_map pclass[DETECT_DIR__COUNT][DETECT_PC__COUNT];
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
