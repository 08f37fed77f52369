/*
 * detect_build.c - rule set -> struct detect_engine: which rules can be
 * compiled, their evaluation order, their verification programs (PCRE2
 * compiled and JIT-ed here, once), and their fast patterns. Grouping and the
 * Hyperscan databases are in detect_groups.c.
 *
 * Runs on the loader thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/engine/detect/detect_engine.h"
#include "signatures/compiler/hs_cache.h"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool is_payload_kind(uint8_t kind)
{
	return kind == SIG_M_CONTENT || kind == SIG_M_PCRE || kind == SIG_M_ISDATAAT ||
	       kind == SIG_M_BYTE_TEST || kind == SIG_M_BYTE_JUMP || kind == SIG_M_BYTE_EXTRACT;
}

static bool var_ok(const struct sig_rule *r, const struct sig_value *v)
{
	return v->var_index < 0 || (size_t)v->var_index < r->n_vars;
}

/* NULL when the matcher can evaluate every part of r, else why not. */
static const char *unsupported_reason(const struct sig_rule *r, size_t n_flowbits)
{
	if (r->proto != SIG_PROTO_IP && r->proto != SIG_PROTO_TCP && r->proto != SIG_PROTO_UDP &&
	    r->proto != SIG_PROTO_ICMP)
		return "app-layer protocol";
	if (r->flow & SIG_FLOW_ONLY_STREAM)
		return "flow:only_stream";
	for (size_t i = 0; i < r->n_matches; i++) {
		const struct sig_match *m = &r->matches[i];
		if (is_payload_kind(m->kind) && (m->buffer != SIG_BUF_PAYLOAD || m->transforms))
			return "sticky buffer";
		switch (m->kind) {
		case SIG_M_CONTENT:
			if (m->u.content.len == 0 || !m->u.content.bytes)
				return "empty content";
			if (!var_ok(r, &m->u.content.offset) || !var_ok(r, &m->u.content.depth) ||
			    !var_ok(r, &m->u.content.distance) || !var_ok(r, &m->u.content.within))
				return "bad variable";
			break;
		case SIG_M_PCRE:
			if (!m->u.pcre.pattern)
				return "empty pcre";
			break;
		case SIG_M_ISDATAAT:
			if (!var_ok(r, &m->u.isdataat.offset))
				return "bad variable";
			break;
		case SIG_M_BYTE_TEST:
		case SIG_M_BYTE_JUMP:
		case SIG_M_BYTE_EXTRACT:
			if (m->u.byte.flags & SIG_BYTE_DCE)
				return "byte_* dce";
			if (m->u.byte.nbytes == 0 || m->u.byte.nbytes > 10 ||
			    (!(m->u.byte.flags & SIG_BYTE_STRING) && m->u.byte.nbytes > 8))
				return "byte_* size";
			if (!var_ok(r, &m->u.byte.offset) || !var_ok(r, &m->u.byte.value))
				return "bad variable";
			if (m->kind == SIG_M_BYTE_EXTRACT &&
			    (m->u.byte.var_index < 0 || (size_t)m->u.byte.var_index >= r->n_vars))
				return "bad variable";
			break;
		case SIG_M_FLOWBITS:
			for (uint16_t b = 0; b < m->u.flowbits.n_bits; b++)
				if (m->u.flowbits.bits[b] >= n_flowbits)
					return "bad flowbit";
			break;
		case SIG_M_DSIZE: case SIG_M_FLAGS: case SIG_M_TTL: case SIG_M_ITYPE: case SIG_M_ICODE:
		case SIG_M_IP_PROTO: case SIG_M_SAMEIP: case SIG_M_ICMP_ID: case SIG_M_ICMP_SEQ:
		case SIG_M_ACK: case SIG_M_SEQ: case SIG_M_WINDOW: case SIG_M_FRAGBITS:
		case SIG_M_FRAGOFFSET: case SIG_M_ID: case SIG_M_TOS: case SIG_M_IPOPTS:
		case SIG_M_GEOIP: case SIG_M_IPREP: /* interval table, detect_header.c */
			break;
		default:
			return m->keyword ? m->keyword : "keyword without matcher";
		}
	}
	return NULL;
}

static unsigned action_rank(uint8_t action)
{
	switch (action) {
	case SIG_ACTION_PASS: return 0;
	case SIG_ACTION_DROP: return 1;
	case SIG_ACTION_REJECT: return 2;
	default: return 3;
	}
}

/* Suricata's flowbits order: setters, then set+read, then readers, then rules without flowbits. */
static unsigned flowbits_rank(uint8_t fb_use)
{
	switch (fb_use) {
	case DETECT_FB_SETS: return 0;
	case DETECT_FB_SETS | DETECT_FB_READS: return 1;
	case DETECT_FB_READS: return 2;
	default: return 3;
	}
}

static int rule_order_cmp(const void *a, const void *b)
{
	const struct detect_rule *x = a, *y = b;
	unsigned ax = action_rank(x->action), ay = action_rank(y->action);
	if (ax != ay)
		return ax < ay ? -1 : 1;
	unsigned fx = flowbits_rank(x->fb_use), fy = flowbits_rank(y->fb_use);
	if (fx != fy)
		return fx < fy ? -1 : 1;
	if (x->sig->priority != y->sig->priority)
		return x->sig->priority < y->sig->priority ? -1 : 1;
	return x->rule_index < y->rule_index ? -1 : (x->rule_index > y->rule_index);
}

static uint8_t pclass_of_ip_proto(uint8_t ip_proto)
{
	switch (ip_proto) {
	case 6: return DETECT_PC_TCP;
	case 17: return DETECT_PC_UDP;
	case 1: case 58: return DETECT_PC_ICMP;
	default: return DETECT_PC_OTHER;
	}
}

/*
 * Protocol classes the rule can match in. A proto ip rule is narrowed by its
 * packet keywords: ip_proto:N matches only class(N); flags / seq / ack /
 * window need TCP; itype / icode / icmp_id / icmp_seq need ICMP (see
 * packet_op() in detect_header.c). Contradictory keywords leave no class.
 */
static uint8_t pclass_mask_of(const struct detect_rule *dr)
{
	uint8_t mask;
	switch (dr->sig->proto) {
	case SIG_PROTO_TCP: mask = 1u << DETECT_PC_TCP; break;
	case SIG_PROTO_UDP: mask = 1u << DETECT_PC_UDP; break;
	case SIG_PROTO_ICMP: mask = 1u << DETECT_PC_ICMP; break;
	default: mask = (1u << DETECT_PC__COUNT) - 1; break;
	}
	for (uint16_t i = 0; i < dr->n_pkt_ops; i++) {
		const struct sig_match *m = dr->pkt_ops[i].m;
		switch (m->kind) {
		case SIG_M_IP_PROTO:
			if (m->u.ip_proto.cmp == '=' && !m->u.ip_proto.negated)
				mask &= (uint8_t)(1u << pclass_of_ip_proto(m->u.ip_proto.proto));
			break;
		case SIG_M_FLAGS: case SIG_M_SEQ: case SIG_M_ACK: case SIG_M_WINDOW:
			mask &= 1u << DETECT_PC_TCP;
			break;
		case SIG_M_ITYPE: case SIG_M_ICODE: case SIG_M_ICMP_ID: case SIG_M_ICMP_SEQ:
			mask &= 1u << DETECT_PC_ICMP;
			break;
		default:
			break;
		}
	}
	return mask;
}

/* Can dsize's comparison hold for a positive payload length? (Zero is checked directly.) */
static bool dsize_allows_positive(const struct sig_numcmp *n)
{
	switch (n->cmp) {
	case SIG_CMP_EQ: return n->lo > 0;
	case SIG_CMP_LT: return n->lo > 1;
	case SIG_CMP_LE: return n->lo >= 1;
	default: return true;
	}
}

static bool dsize_allows_zero(const struct sig_numcmp *n)
{
	switch (n->cmp) {
	case SIG_CMP_EQ: return n->lo == 0;
	case SIG_CMP_LT: return n->lo > 0;
	case SIG_CMP_GT: return n->lo < 0;
	case SIG_CMP_LE: return n->lo >= 0;
	case SIG_CMP_GE: return n->lo <= 0;
	case SIG_CMP_RANGE: return n->lo < 0 && n->hi > 0;
	case SIG_CMP_NE: return n->lo != 0;
	default: return false;
	}
}

/* Does the comparison reject every length of DETECT_DSIZE_GATE_LENS or more? */
static bool dsize_bounded(const struct sig_numcmp *n)
{
	switch (n->cmp) {
	case SIG_CMP_EQ: case SIG_CMP_LE: return n->lo < (int64_t)DETECT_DSIZE_GATE_LENS;
	case SIG_CMP_LT: return n->lo <= (int64_t)DETECT_DSIZE_GATE_LENS;
	case SIG_CMP_RANGE: return n->hi <= (int64_t)DETECT_DSIZE_GATE_LENS;
	default: return false;
	}
}

/* Gate the rule by payload length when a dsize bounds it below
 * DETECT_DSIZE_GATE_LENS and its dsizes allow at most DETECT_DSIZE_GATE_SPAN lengths. */
static bool dsize_gate_fits(const struct detect_rule *dr)
{
	bool bounded = false;
	for (uint16_t i = 0; i < dr->n_pkt_ops; i++) {
		const struct sig_match *m = dr->pkt_ops[i].m;
		bounded = bounded || (m->kind == SIG_M_DSIZE && dsize_bounded(&m->u.num));
	}
	if (!bounded)
		return false;
	uint32_t allowed = 0;
	for (uint32_t n = 0; n < DETECT_DSIZE_GATE_LENS && allowed <= DETECT_DSIZE_GATE_SPAN; n++)
		allowed += detect_dsize_allows(dr, n);
	return allowed <= DETECT_DSIZE_GATE_SPAN;
}

/* The DETECT_NEED_* facts r cannot match without (see detect_engine.h). */
static uint32_t rule_need(const struct detect_rule *dr)
{
	uint32_t need = 0;
	if (dr->sig->flow & SIG_FLOW_ESTABLISHED)
		need |= DETECT_NEED_ESTABLISHED;
	for (uint16_t i = 0; i < dr->n_pkt_ops; i++) {
		const struct sig_match *m = dr->pkt_ops[i].m;
		if (m->kind == SIG_M_SAMEIP) {
			need |= DETECT_NEED_SAMEIP;
		} else if (m->kind == SIG_M_DSIZE) {
			if (!dsize_allows_zero(&m->u.num))
				need |= DETECT_NEED_PAYLOAD;
			else if (!dsize_allows_positive(&m->u.num))
				need |= DETECT_NEED_NO_PAYLOAD;
		} else if (m->kind == SIG_M_FLAGS && !m->u.tcp_flags.no_flags) {
			/* exact ('=') and all-of ('+') need every listed, unmasked flag; any-of one flag needs it */
			const struct sig_tcp_flags *t = &m->u.tcp_flags;
			uint8_t req = t->flags & (uint8_t)~t->mask;
			if (t->mode == '*' && (req & (req - 1)) != 0)
				req = 0;
			if (t->mode == '!')
				req = 0;
			need |= (uint32_t)req << DETECT_NEED_TCP_SHIFT;
		}
	}
	for (uint16_t i = 0; i < dr->n_fb_conds; i++) {
		const struct sig_flowbits *fb = &dr->fb_conds[i].m->u.flowbits;
		if (fb->cmd == SIG_FLOWBITS_ISSET && fb->n_bits > 0)
			need |= DETECT_NEED_FLOWBITS;
	}
	return need;
}

/*
 * How good a content is as a fast pattern: its length, except that a run of
 * one byte value ("|00 00 00 00 00|", "AAAAAAAA") counts a quarter: it hits
 * at every position of zero padding or filler, and each hit costs Hyperscan
 * a confirmation. Any non-negated content must occur for the rule to match,
 * so the choice changes speed only, never results.
 */
static uint32_t fast_pattern_score(const struct sig_content *c)
{
	for (uint32_t i = 1; i < c->len; i++)
		if (c->bytes[i] != c->bytes[0])
			return 4 * c->len;
	return c->len; /* one byte value, single bytes included */
}

/* Does the content have to sit in the payload's first `window` bytes (absolute offset + depth)? */
static bool content_near_start(const struct sig_content *c, int64_t window)
{
	uint32_t fl = c->flags;
	if ((fl & (SIG_CONTENT_HAS_DISTANCE | SIG_CONTENT_HAS_WITHIN)) || !(fl & SIG_CONTENT_HAS_DEPTH) ||
	    c->depth.var_index >= 0 || ((fl & SIG_CONTENT_HAS_OFFSET) && c->offset.var_index >= 0))
		return false;
	int64_t start = (fl & SIG_CONTENT_HAS_OFFSET) && c->offset.literal > 0 ? c->offset.literal : 0;
	return start + c->depth.literal <= window;
}

/* Best-scoring non-negated payload content (the first of equals), unless one is marked fast_pattern. */
static void choose_fast_pattern(struct detect_rule *dr)
{
	const struct sig_content *best = NULL, *explicit_fp = NULL;
	for (uint16_t i = 0; i < dr->n_payload_ops; i++) {
		const struct sig_match *m = dr->payload_ops[i].m;
		if (m->kind != SIG_M_CONTENT || (m->u.content.flags & SIG_CONTENT_NEGATED))
			continue;
		const struct sig_content *c = &m->u.content;
		if ((c->flags & SIG_CONTENT_FAST_PATTERN) && !explicit_fp)
			explicit_fp = c;
		if (!best || fast_pattern_score(c) > fast_pattern_score(best))
			best = c;
	}
	const struct sig_content *c = explicit_fp ? explicit_fp : best;
	/* A single byte hits nearly every payload, and each hit costs Hyperscan
	 * more than the rule's own checks: such rules are verified directly
	 * (their other keywords usually sort them into a gate or bucket). */
	if (!c || c->len < 2 || ((c->flags & SIG_CONTENT_FP_CHOP) && c->fp_chop_len == 1))
		return;
	/* Likewise a run of one byte value that must sit in the first bytes
	 * ("|00 00|"; depth:2): Hyperscan would hit it all over zero padding,
	 * while checking the payload's head directly is cheap. */
	if (fast_pattern_score(c) == c->len && content_near_start(c, 64))
		return;
	dr->fp = c->bytes;
	dr->fp_len = c->len;
	if ((c->flags & SIG_CONTENT_FP_CHOP) && c->fp_chop_len > 0 &&
	    (uint32_t)c->fp_chop_offset + c->fp_chop_len <= c->len) {
		dr->fp = c->bytes + c->fp_chop_offset;
		dr->fp_len = c->fp_chop_len;
	}
	dr->fp_nocase = (c->flags & SIG_CONTENT_NOCASE) != 0;
}

/* pcre2_compile options whose match set Hyperscan can cover: i, s, m map to
 * Hyperscan flags; E (dollar end-only) and G (ungreedy) only shrink or
 * reorder the matches, so the unflagged regex is still a superset. */
#define PREFILTER_PCRE_OPTIONS (PCRE2_CASELESS | PCRE2_DOTALL | PCRE2_MULTILINE | PCRE2_DOLLAR_ENDONLY | \
				PCRE2_UNGREEDY)

/*
 * For a rule without a fast pattern: pick a pcre the rule cannot match
 * without (absolute: it runs over the whole payload; not negated) and keep
 * it as the rule's Hyperscan prefilter when Hyperscan compiles it in
 * prefilter mode. Patterns Hyperscan refuses (or that can match the empty
 * string) leave the rule always evaluated, as before.
 */
static void choose_regex_prefilter(struct detect_rule *dr, struct detect_hs_cache *cache,
				   struct detect_build_stats *st)
{
	for (uint16_t i = 0; i < dr->n_payload_ops; i++) {
		const struct sig_match *m = dr->payload_ops[i].m;
		if (m->kind != SIG_M_PCRE || (m->u.pcre.flags & (SIG_PCRE_NEGATED | SIG_PCRE_RELATIVE)) ||
		    (m->u.pcre.pcre2_options & ~(uint32_t)PREFILTER_PCRE_OPTIONS))
			continue;
		uint32_t o = m->u.pcre.pcre2_options;
		unsigned flags = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | ((o & PCRE2_CASELESS) ? HS_FLAG_CASELESS : 0) |
				 ((o & PCRE2_DOTALL) ? HS_FLAG_DOTALL : 0) | ((o & PCRE2_MULTILINE) ? HS_FLAG_MULTILINE : 0);
		/* a compile per pcre: the cache keeps the answer */
		if (!detect_hs_cache_probe(cache, m->u.pcre.pattern, flags, HS_MODE_BLOCK, st))
			continue;
		dr->pf_regex = m->u.pcre.pattern;
		dr->pf_hs_flags = flags;
		return;
	}
}

/* Which run of the program a keyword belongs to: 0 packet checks, 1 flowbit
 * conditions, 2 payload, 3 flowbit actions; -1 none (flowbits:noalert). */
static int op_run(const struct sig_match *m)
{
	if (m->kind == SIG_M_FLOWBITS) {
		switch (m->u.flowbits.cmd) {
		case SIG_FLOWBITS_NOALERT: return -1;
		case SIG_FLOWBITS_ISSET: case SIG_FLOWBITS_ISNOTSET: return 1;
		default: return 3;
		}
	}
	return is_payload_kind(m->kind) ? 2 : 0;
}

static const char *compile_rule(struct detect_rule *dr, const struct sig_rule *r, size_t *bytes)
{
	size_t n = r->n_matches ? r->n_matches : 1;
	struct detect_op *ops = calloc(n, sizeof(*ops));
	if (!ops)
		return "out of memory";
	*bytes += n * sizeof(*ops);
	/* One array, four consecutive runs, each in rule order. */
	uint16_t counts[4] = { 0 };
	for (size_t i = 0; i < r->n_matches; i++) {
		int run = op_run(&r->matches[i]);
		if (run >= 0)
			counts[run]++;
	}
	uint16_t fill[4] = { 0, counts[0], (uint16_t)(counts[0] + counts[1]),
			     (uint16_t)(counts[0] + counts[1] + counts[2]) };
	dr->pkt_ops = ops;                  dr->n_pkt_ops = counts[0];
	dr->fb_conds = ops + fill[1];       dr->n_fb_conds = counts[1];
	dr->payload_ops = ops + fill[2];    dr->n_payload_ops = counts[2];
	dr->fb_actions = ops + fill[3];     dr->n_fb_actions = counts[3];
	dr->noalert = dr->noalert || r->noalert;
	for (size_t i = 0; i < r->n_matches; i++) {
		const struct sig_match *m = &r->matches[i];
		int run = op_run(m);
		if (run < 0) {
			dr->noalert = true;
			continue;
		}
		dr->fb_use |= run == 1 ? DETECT_FB_READS : run == 3 ? DETECT_FB_SETS : 0;
		struct detect_op *op = &ops[fill[run]++];
		op->m = m;
		if (m->kind != SIG_M_PCRE)
			continue;
		int ec;
		PCRE2_SIZE eo;
		op->re = pcre2_compile((PCRE2_SPTR)m->u.pcre.pattern, PCRE2_ZERO_TERMINATED, m->u.pcre.pcre2_options,
				       &ec, &eo, NULL);
		if (!op->re)
			return "pcre does not compile";
		/* JIT failure (e.g. no executable memory) falls back to the interpreter. */
		(void)pcre2_jit_compile(op->re, PCRE2_JIT_COMPLETE);
		size_t sz = 0;
		pcre2_pattern_info(op->re, PCRE2_INFO_SIZE, &sz);
		*bytes += sz;
	}
	return NULL;
}

static void free_rule_ops(struct detect_rule *dr, size_t n_ops)
{
	if (!dr->pkt_ops)
		return;
	for (size_t i = 0; i < n_ops; i++)
		if (dr->pkt_ops[i].re)
			pcre2_code_free(dr->pkt_ops[i].re);
	free(dr->pkt_ops);
	dr->pkt_ops = NULL;
}

static size_t rule_op_count(const struct detect_rule *dr)
{
	return (size_t)dr->n_pkt_ops + dr->n_fb_conds + dr->n_payload_ops + dr->n_fb_actions;
}

void detect_engine_free(struct detect_engine *de)
{
	if (!de)
		return;
	detect_groups_free(de);
	for (uint32_t i = 0; i < de->n_rules; i++)
		free_rule_ops(&de->rules[i], rule_op_count(&de->rules[i]));
	free(de->rules);
	if (de->proto_scratch)
		hs_free_scratch(de->proto_scratch);
	free(de->skipped);
	free(de->skipped_reason);
	free(de);
}

size_t detect_engine_skipped(const struct detect_engine *de, size_t i, const char **reason)
{
	if (!de || i >= de->n_skipped) {
		if (reason)
			*reason = NULL;
		return SIZE_MAX;
	}
	if (reason)
		*reason = de->skipped_reason[i];
	return de->skipped[i];
}

static void note_skipped(struct detect_engine *de, size_t rule_index, const char *reason)
{
	de->skipped[de->n_skipped] = rule_index;
	de->skipped_reason[de->n_skipped] = reason;
	de->n_skipped++;
}

struct detect_engine *detect_engine_build(const struct sig_ruleset *rs, struct detect_build_stats *st,
					  char *err, size_t errlen)
{
	return detect_engine_build_cached(rs, NULL, st, err, errlen);
}

struct detect_engine *detect_engine_build_cached(const struct sig_ruleset *rs, struct detect_hs_cache *cache,
						 struct detect_build_stats *st, char *err, size_t errlen)
{
	double t0 = now_seconds();
	if (!rs) {
		snprintf(err, errlen, "no rule set");
		return NULL;
	}
	struct detect_engine *de = calloc(1, sizeof(*de));
	size_t n = rs->n_rules;
	if (!de || !(de->rules = calloc(n ? n : 1, sizeof(*de->rules))) ||
	    !(de->skipped = calloc(n ? n : 1, sizeof(*de->skipped))) ||
	    !(de->skipped_reason = calloc(n ? n : 1, sizeof(*de->skipped_reason)))) {
		snprintf(err, errlen, "out of memory");
		detect_engine_free(de);
		return NULL;
	}
	de->rs = rs;
	de->n_flowbits = (uint32_t)rs->n_flowbits;
	size_t bytes = sizeof(*de) + n * (sizeof(*de->rules) + sizeof(size_t) + sizeof(char *));

	for (size_t i = 0; i < n; i++) {
		const struct sig_rule *r = &rs->rules[i];
		if (!r->active)
			continue;
		const char *why = unsupported_reason(r, rs->n_flowbits);
		if (why) {
			note_skipped(de, i, why);
			continue;
		}
		struct detect_rule *dr = &de->rules[de->n_rules];
		memset(dr, 0, sizeof(*dr));
		dr->sig = r;
		dr->rule_index = (uint32_t)i;
		dr->action = r->action;
		dr->noalert = r->noalert;
		why = compile_rule(dr, r, &bytes);
		if (why) {
			free_rule_ops(dr, r->n_matches);
			memset(dr, 0, sizeof(*dr));
			note_skipped(de, i, why);
			continue;
		}
		if (r->n_vars > de->max_vars)
			de->max_vars = (uint32_t)r->n_vars;
		dr->pclass_mask = pclass_mask_of(dr);
		dr->need = rule_need(dr);
		dr->dsize_gated = dsize_gate_fits(dr);
		choose_fast_pattern(dr);
		if (!dr->fp && !dr->dsize_gated)
			choose_regex_prefilter(dr, cache, &de->stats);
		de->n_rules++;
	}
	qsort(de->rules, de->n_rules, sizeof(*de->rules), rule_order_cmp);

	if (detect_groups_build_cached(de, cache, err, errlen) != 0) {
		detect_engine_free(de);
		return NULL;
	}
	struct detect_build_stats *s = &de->stats;
	s->n_rules = de->n_rules;
	s->n_skipped = de->n_skipped;
	s->total_bytes += bytes + s->hs_bytes;
	s->compile_seconds = now_seconds() - t0;
	if (st)
		*st = *s;
	return de;
}
