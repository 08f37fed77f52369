/*
 * detect.c - per-worker detection: candidate collection (Hyperscan over the
 * packet's groups plus the groups' always-evaluated rules), rule-order
 * evaluation, flowbits, thresholds, actions and alerts.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine/detect/detect_match.h"
#include "dataplane/engine/detect/detect_state.h"
#include "dataplane/engine/flow/flow_table.h"

/* Threshold entries per worker (4-way sets, LRU). */
#define DETECT_THRESH_ENTRIES 16384u

struct detect_thread {
	const struct detect_engine *de;
	hs_scratch_t *scratch;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	int64_t *vars;
	uint32_t *stamp;       /* per rule id: generation it was last added as a candidate */
	uint32_t generation;
	uint32_t *cand;        /* candidate ids of the current packet */
	uint32_t n_cand;
	struct detect_flowbits_pool flowbits;
	struct detect_thresh_table thresh;
	struct detect_counters ctr;
};

static const uint8_t empty_payload[1];

void detect_thread_free(struct detect_thread *dt)
{
	if (!dt)
		return;
	if (dt->scratch)
		hs_free_scratch(dt->scratch);
	pcre2_match_data_free(dt->md);
	pcre2_match_context_free(dt->mctx);
	free(dt->vars);
	free(dt->stamp);
	free(dt->cand);
	detect_flowbits_pool_destroy(&dt->flowbits);
	detect_thresh_destroy(&dt->thresh);
	free(dt);
}

struct detect_thread *detect_thread_new(const struct detect_engine *de, uint32_t max_flows)
{
	if (!de)
		return NULL;
	struct detect_thread *dt = calloc(1, sizeof(*dt));
	if (!dt)
		return NULL;
	dt->de = de;
	uint32_t n = de->n_rules ? de->n_rules : 1;
	dt->stamp = calloc(n, sizeof(uint32_t));
	dt->cand = malloc(n * sizeof(uint32_t));
	dt->vars = calloc(de->max_vars ? de->max_vars : 1, sizeof(int64_t));
	dt->md = pcre2_match_data_create(16, NULL);
	dt->mctx = pcre2_match_context_create(NULL);
	if (!dt->stamp || !dt->cand || !dt->vars || !dt->md || !dt->mctx)
		goto fail;
	pcre2_set_match_limit(dt->mctx, DETECT_PCRE_MATCH_LIMIT);
	pcre2_set_depth_limit(dt->mctx, DETECT_PCRE_DEPTH_LIMIT);
	if (de->proto_scratch && hs_clone_scratch(de->proto_scratch, &dt->scratch) != HS_SUCCESS)
		goto fail;
	if (detect_flowbits_pool_init(&dt->flowbits, de->n_flowbits, max_flows) != 0)
		goto fail;
	if (detect_thresh_init(&dt->thresh, DETECT_THRESH_ENTRIES) != 0)
		goto fail;
	return dt;
fail:
	detect_thread_free(dt);
	return NULL;
}

const struct detect_counters *detect_thread_counters(const struct detect_thread *dt)
{
	return &dt->ctr;
}

void detect_flow_release(void *ctx, struct flow *f)
{
	struct detect_thread *dt = ctx;
	if (dt && f)
		detect_flowbits_release(&dt->flowbits, f);
}

static inline void add_candidate(struct detect_thread *dt, uint32_t id)
{
	if (dt->stamp[id] == dt->generation)
		return;
	dt->stamp[id] = dt->generation;
	dt->cand[dt->n_cand++] = id;
}

static int on_fast_pattern(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
			   void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	add_candidate(ctx, id);
	return 0;
}

/* Rules gated by a's range (binary search: start[0] = 0, so some range holds a). */
static void collect_gate(struct detect_thread *dt, const struct detect_addr_gate *gate, const struct ip_addr *a,
			 uint8_t family)
{
	const struct detect_gate_ranges *r = family == L3_IPV4 ? &gate->v4 : &gate->v6;
	if (r->n == 0)
		return;
	struct detect_gate_key k = detect_gate_key_of(a, family == L3_IPV4);
	uint32_t lo = 0, hi = r->n;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (detect_gate_key_le(r->start[mid], k))
			lo = mid;
		else
			hi = mid;
	}
	for (uint32_t i = r->first[lo]; i < r->first[lo + 1]; i++)
		add_candidate(dt, r->ids[i]);
}

static void collect_group(struct detect_thread *dt, uint32_t gi, const struct packet *p, const uint8_t *buf,
			  uint32_t len, uint32_t facts)
{
	if (gi == 0)
		return;
	const struct detect_group *g = &dt->de->groups[gi];
	for (uint32_t b = 0; b < g->n_buckets; b++) {
		const struct detect_need_bucket *bk = &g->buckets[b];
		if ((bk->need & facts) != bk->need)
			continue;
		for (uint32_t i = 0; i < bk->count; i++)
			add_candidate(dt, g->always[bk->first + i]);
	}
	if (g->dsize_gate.start && p->payload_len < DETECT_DSIZE_GATE_LENS) {
		const struct detect_dsize_gate *dg = &g->dsize_gate;
		for (uint32_t i = dg->start[p->payload_len]; i < dg->start[p->payload_len + 1]; i++)
			add_candidate(dt, dg->ids[i]);
	}
	collect_gate(dt, &g->src_gate, &p->src, p->l3);
	collect_gate(dt, &g->dst_gate, &p->dst, p->l3);
	/* A payload shorter than every pattern's shortest match (an empty one
	 * included: no regex prefilter matches the empty string) hits nothing. */
	if (g->db && len && len >= g->min_len) {
		dt->ctr.scans++;
		if (hs_scan(g->db, (const char *)buf, len, 0, dt->scratch, on_fast_pattern, dt) != HS_SUCCESS)
			dt->ctr.scan_errors++;
	}
}

/* Candidate ids ascending = rule order. Heapsort: no allocation, n log n even
 * when a crafted payload hits thousands of fast patterns. */
static void sift_down(uint32_t *a, uint32_t root, uint32_t n)
{
	for (;;) {
		uint32_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		uint32_t t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void sort_ids(uint32_t *a, uint32_t n)
{
	if (n < 24) {
		for (uint32_t i = 1; i < n; i++) {
			uint32_t v = a[i], j = i;
			for (; j > 0 && a[j - 1] > v; j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
		return;
	}
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (uint32_t end = n - 1; end > 0; end--) {
		uint32_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end);
	}
}

static inline bool bit_is_set(const uint64_t *bits, uint16_t b)
{
	return bits && (bits[b / 64] >> (b % 64) & 1u);
}

static bool flowbits_conditions(const struct detect_thread *dt, const struct detect_rule *dr, const struct packet *p)
{
	const uint64_t *bits = detect_flowbits_get(&dt->flowbits, p->flow);
	for (uint16_t i = 0; i < dr->n_fb_conds; i++) {
		const struct sig_flowbits *fb = &dr->fb_conds[i].m->u.flowbits;
		unsigned set = 0;
		for (uint16_t k = 0; k < fb->n_bits; k++)
			set += bit_is_set(bits, fb->bits[k]);
		bool ok;
		if (fb->cmd == SIG_FLOWBITS_ISSET)
			ok = fb->any_of ? set > 0 : set == fb->n_bits;
		else
			ok = fb->any_of ? set < fb->n_bits : set == 0;
		if (!ok)
			return false;
	}
	return true;
}

static void flowbits_actions(struct detect_thread *dt, const struct detect_rule *dr, struct packet *p)
{
	if (!dr->n_fb_actions || !p->flow)
		return;
	uint64_t *bits = detect_flowbits_get_mut(&dt->flowbits, p->flow);
	if (!bits) {
		dt->ctr.flowbits_pool_full++;
		return;
	}
	for (uint16_t i = 0; i < dr->n_fb_actions; i++) {
		const struct sig_flowbits *fb = &dr->fb_actions[i].m->u.flowbits;
		for (uint16_t k = 0; k < fb->n_bits; k++) {
			uint64_t mask = 1ull << (fb->bits[k] % 64);
			uint64_t *w = &bits[fb->bits[k] / 64];
			if (fb->cmd == SIG_FLOWBITS_SET)
				*w |= mask;
			else if (fb->cmd == SIG_FLOWBITS_UNSET)
				*w &= ~mask;
			else if (fb->cmd == SIG_FLOWBITS_TOGGLE)
				*w ^= mask;
		}
	}
}

static enum detect_pclass pclass_of(uint8_t ip_proto)
{
	switch (ip_proto) {
	case 6: return DETECT_PC_TCP;
	case 17: return DETECT_PC_UDP;
	case 1: case 58: return DETECT_PC_ICMP;
	default: return DETECT_PC_OTHER;
	}
}

/* The DETECT_NEED_* facts of p (see detect_engine.h). */
static uint32_t packet_facts(const struct detect_thread *dt, const struct packet *p)
{
	uint32_t facts = p->payload_len ? DETECT_NEED_PAYLOAD : DETECT_NEED_NO_PAYLOAD;
	if (memcmp(&p->src, &p->dst, sizeof(p->src)) == 0)
		facts |= DETECT_NEED_SAMEIP;
	if (p->flow && flow_is_established(p->flow))
		facts |= DETECT_NEED_ESTABLISHED;
	if (detect_flowbits_get(&dt->flowbits, p->flow))
		facts |= DETECT_NEED_FLOWBITS;
	if (p->ip_proto == 6 && p->l4_offset)
		facts |= (uint32_t)p->tcp_flags << DETECT_NEED_TCP_SHIFT;
	return facts;
}

static bool rule_matches(struct detect_thread *dt, const struct detect_rule *dr, const struct packet *p,
			 struct detect_payload_ctx *pc)
{
	if (!detect_match_header(dr, p) || !detect_match_packet_ops(dr, p) || !flowbits_conditions(dt, dr, p))
		return false;
	pc->ops = dr->payload_ops;
	pc->n_ops = dr->n_payload_ops;
	return detect_match_payload(pc);
}

unsigned detect_packet(struct detect_thread *dt, struct packet *p, struct detect_alert *alerts, unsigned max)
{
	const struct detect_engine *de = dt->de;
	struct flow *f = p->flow;
	if ((p->l3 != L3_IPV4 && p->l3 != L3_IPV6) || (f && (f->flags & FLOW_NO_INSPECT))) {
		dt->ctr.packets_no_inspect++;
		return 0;
	}
	dt->ctr.packets++;
	/* IPS: a drop / reject rule matched earlier in this flow drops the rest of it */
	if (f && (f->flags & FLOW_DROP) && p->verdict != VERDICT_REJECT)
		p->verdict = VERDICT_DROP;
	if (de->n_rules == 0)
		return 0;
	if (++dt->generation == 0) { /* wrapped: old stamps could alias */
		memset(dt->stamp, 0, (de->n_rules ? de->n_rules : 1) * sizeof(uint32_t));
		dt->generation = 1;
	}
	dt->n_cand = 0;
	const uint8_t *buf = p->payload && p->payload_len ? p->payload : empty_payload;
	uint32_t len = p->payload ? p->payload_len : 0;
	enum detect_dir dir = f && p->to_server ? DETECT_DIR_TO_SERVER : DETECT_DIR_TO_CLIENT;
	const struct detect_pclass_map *map = &de->pclass[dir][pclass_of(p->ip_proto)];
	uint32_t facts = packet_facts(dt, p);
	collect_group(dt, map->any_group, p, buf, len, facts);
	if (map->dport_group)
		collect_group(dt, map->dport_group[p->dport], p, buf, len, facts);
	if (map->sport_group)
		collect_group(dt, map->sport_group[p->sport], p, buf, len, facts);
	sort_ids(dt->cand, dt->n_cand);

	struct detect_payload_ctx pc = { .buf = buf, .len = len, .vars = dt->vars, .md = dt->md,
					 .mctx = dt->mctx, .ctr = &dt->ctr };
	unsigned n = 0;
	for (uint32_t i = 0; i < dt->n_cand; i++) {
		if (i + 1 < dt->n_cand)
			__builtin_prefetch(&de->rules[dt->cand[i + 1]]);
		const struct detect_rule *dr = &de->rules[dt->cand[i]];
		dt->ctr.candidates++;
		if ((dr->need & facts) != dr->need || !rule_matches(dt, dr, p, &pc))
			continue;
		dt->ctr.matches++;
		/* Suricata: flowbits and the drop / reject / pass action apply on every
		 * match; threshold and detection_filter only decide whether it alerts. */
		flowbits_actions(dt, dr, p);
		if (dr->n_fb_actions && detect_flowbits_get(&dt->flowbits, f))
			facts |= DETECT_NEED_FLOWBITS; /* a slot now exists for later isset rules */
		if (dr->action == SIG_ACTION_PASS) {
			if (f)
				f->flags |= FLOW_NO_INSPECT;
			break; /* pass sorts first: nothing matched before it alerts */
		}
		if (dr->action == SIG_ACTION_REJECT || dr->action == SIG_ACTION_DROP) {
			if (dr->action == SIG_ACTION_REJECT)
				p->verdict = VERDICT_REJECT;
			else if (p->verdict != VERDICT_REJECT)
				p->verdict = VERDICT_DROP;
			if (f)
				f->flags |= FLOW_DROP;
		}
		if (dr->noalert)
			continue;
		const struct sig_rule *r = dr->sig;
		if (r->suppress && detect_suppressed(r->suppress, p)) {
			dt->ctr.suppressed++; /* before thresholds: a suppressed hit counts toward none */
			continue;
		}
		if (r->has_threshold &&
		    !detect_thresh_allows(&dt->thresh, dt->cand[i], 0, &r->threshold, p, &dt->ctr.threshold_evictions)) {
			dt->ctr.thresholded++;
			continue;
		}
		if (r->has_detection_filter &&
		    !detect_thresh_allows(&dt->thresh, dt->cand[i], 1, &r->detection_filter, p,
					  &dt->ctr.threshold_evictions)) {
			dt->ctr.thresholded++;
			continue;
		}
		if (n < max)
			alerts[n++] = (struct detect_alert){ .rule_index = dr->rule_index, .action = dr->action };
		else
			dt->ctr.alerts_over_max++;
	}
	dt->ctr.alerts += n;
	return n;
}
