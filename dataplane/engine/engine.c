/*
 * engine.c - one worker's pipeline over a burst (see engine.h).
 *
 * The stages run stage-by-stage over the whole burst rather than
 * packet-by-packet (DPDK l3fwd style): decoding every packet first lets the
 * flow table hash and prefetch the whole burst at once, which is where a
 * per-packet loop loses most of its time.
 */
#include "dataplane/engine/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine/detect/detect.h"
#include "dataplane/engine/flow/flow_table.h"
#include "dataplane/engine/output/alert_record.h"
#include "dataplane/engine/output/alert_ring.h"
#include "dataplane/engine/policy/policy.h"
#include "signatures/rule.h"

/* Largest burst engine_process_burst accepts in one pass; longer bursts are
 * processed in slices of this size. */
#define ENGINE_MAX_BURST 64

/* Expire flows at most this often (packet time) and bound the work of one
 * pass, so a single burst never pays for a whole table sweep. */
#define ENGINE_EXPIRE_INTERVAL_USEC 1000000ull
#define ENGINE_EXPIRE_MAX_WORK 256u

#define FW_NOT_CLASSIFIED (UINT32_MAX - 1)
/* flow.fw_decision while its first packet waits for the slice's batch */
#define FLOW_FW_PENDING 0xffu

_Static_assert(FW_MAX_PORTS <= FLOW_FW_ORIGIN_PORT,
	       "a clamped flow.fw_origin port must be in no zone, like the real one");

struct engine_rules_swap {
	const struct sig_ruleset *rs;
	struct detect_thread *detect;     /* NULL: no rules */
};

struct engine_policy_swap {
	const struct fw_policy *policy;
	uint64_t *hits;
	uint32_t n_hits;
};

struct engine_worker {
	struct engine_config_view {
		uint8_t mode;
		uint32_t max_alerts;
		struct decode_config decode;
	} cfg;
	uint16_t index;
	const struct sig_ruleset *rs;     /* NULL: no rules (detection skipped) */
	struct flow_table *flows;
	struct detect_thread *detect;     /* NULL with rs */
	uint64_t alerts_capped_base;      /* alerts_over_max of detect threads swapped out */
	struct alert_ring *ring;
	struct detect_alert *alerts;      /* max_alerts scratch for one packet */
	struct packet *burst_ptrs[ENGINE_MAX_BURST];
	/* firewall */
	const struct fw_policy *policy;
	uint64_t *fw_hits;                /* [rule id], [n_rules] = default */
	uint32_t fw_n_hits;
	const struct packet *fw_pkts[ENGINE_MAX_BURST];
	uint32_t fw_ids[ENGINE_MAX_BURST];
	uint32_t fw_rule_of[ENGINE_MAX_BURST]; /* per packet of the slice: rule id
	                                          it was classified with, or
	                                          FW_NOT_CLASSIFIED */
	bool fw_reclass[ENGINE_MAX_BURST];     /* per packet: it re-classified an
	                                          existing flow */
	struct packet fw_views[ENGINE_MAX_BURST]; /* rebuilt first-packet views */
	/* Policy generation: bumped by every policy change; a flow whose
	 * fw_generation differs is judged again (0 is never current, so a new
	 * flow always differs). */
	uint16_t fw_generation;
	/* Run the firewall stage: a policy is attached, or was (then the flows
	 * it blocked are judged again, and allowed, under "no firewall"). */
	bool fw_stage;
	/* inspection depth, in flow.payload_units units of 2^depth_shift bytes */
	uint8_t depth_shift;
	uint16_t depth_units;             /* bypass once a direction exceeds it */
	bool depth_enabled;
	uint64_t newest_usec;             /* newest packet time seen */
	uint64_t last_expire_usec;
	struct engine_worker_stats stats;
};

const char *engine_drop_reason_name(enum engine_drop_reason r)
{
	switch (r) {
	case ENGINE_DROP_RULE:
		return "rule_drop";
	case ENGINE_DROP_REJECT:
		return "rule_reject";
	case ENGINE_DROP_FLOW:
		return "flow_drop";
	case ENGINE_DROP_FW_DENY:
		return "firewall_deny";
	case ENGINE_DROP_FW_REJECT:
		return "firewall_reject";
	default:
		return "unknown";
	}
}

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

struct engine_worker *engine_worker_new(const struct engine_config *cfg,
					const struct detect_engine *de,
					const struct sig_ruleset *rs, uint16_t worker_index,
					char *err, size_t errlen)
{
	struct engine_worker *w;
	struct flow_table_config fcfg;
	char ferr[160];

	if (!cfg || !de != !rs || cfg->max_alerts_per_packet == 0) {
		set_err(err, errlen, "engine: invalid arguments");
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto oom;
	w->index = worker_index;
	w->rs = rs;
	w->fw_generation = 1;
	w->cfg.mode = cfg->mode;
	w->cfg.max_alerts = cfg->max_alerts_per_packet;
	w->cfg.decode = DECODE_CONFIG_DEFAULT;
	w->cfg.decode.verify_checksums = cfg->checksum_validation;
	if (cfg->inspection_depth) {
		/* smallest shift that fits the depth below the counter's ceiling */
		while ((cfg->inspection_depth >> w->depth_shift) >= UINT16_MAX)
			w->depth_shift++;
		w->depth_units = (uint16_t)(cfg->inspection_depth >> w->depth_shift);
		w->depth_enabled = true;
	}

	flow_table_config_defaults(&fcfg);
	if (cfg->flow_max_flows)
		fcfg.max_flows = cfg->flow_max_flows;
	fcfg.midstream = cfg->flow_midstream;
	/* A timeout set in the config applies to every protocol class;
	 * unset ones keep the flow table's per-protocol defaults. */
	for (int c = 0; c < FLOW_PROTO_CLASSES; c++) {
		if (cfg->flow_timeout_new_sec)
			fcfg.timeouts[c].new_sec = cfg->flow_timeout_new_sec;
		if (cfg->flow_timeout_established_sec)
			fcfg.timeouts[c].established_sec = cfg->flow_timeout_established_sec;
		if (cfg->flow_timeout_closed_sec && c == FLOW_PROTO_TCP)
			fcfg.timeouts[c].closed_sec = cfg->flow_timeout_closed_sec;
	}
	if (!flow_table_config_check(&fcfg, ferr, sizeof(ferr))) {
		if (err && errlen)
			snprintf(err, errlen, "flow: %s", ferr);
		errno = EINVAL;
		goto fail;
	}
	w->flows = flow_table_create(&fcfg, worker_index);
	if (!w->flows) {
		set_err(err, errlen, "engine: cannot create the flow table");
		goto fail;
	}
	if (de) {
		w->detect = detect_thread_new(de, flow_table_max_flows(w->flows));
		if (!w->detect) {
			set_err(err, errlen, "engine: cannot create the detect thread context");
			goto fail;
		}
		flow_table_set_release_hook(w->flows, detect_flow_release, w->detect);
	}
	w->ring = alert_ring_new(cfg->alert_ring_size);
	if (!w->ring) {
		set_err(err, errlen, "engine: cannot create the alert ring (size must be a power of two)");
		goto fail;
	}
	w->alerts = calloc(cfg->max_alerts_per_packet, sizeof(*w->alerts));
	if (!w->alerts)
		goto oom;
	return w;
oom:
	set_err(err, errlen, "engine: out of memory");
fail:
	engine_worker_free(w);
	errno = errno ? errno : ENOMEM;
	return NULL;
}

/* The fields every record of a packet shares. */
static void record_from_packet(const struct engine_worker *w, const struct packet *p,
			       struct alert_record *r)
{
	memset(r, 0, sizeof(*r));
	r->ts_usec = p->ts_usec;
	r->pcap_cnt = p->pcap_cnt;
	r->flow_id = p->flow ? p->flow->flow_id : 0;
	r->ruleset = w->rs;
	r->src = p->src;
	r->dst = p->dst;
	r->sport = p->sport;
	r->dport = p->dport;
	r->vlan_id[0] = p->vlan_id[0];
	r->vlan_id[1] = p->vlan_id[1];
	r->vlan_count = p->vlan_count;
	r->l3 = p->l3;
	r->ip_proto = p->ip_proto;
	r->icmp_type = p->icmp_type;
	r->icmp_code = p->icmp_code;
	r->to_server = p->flow ? p->to_server : 0xff;
	r->worker = w->index;
}

static void push_record(struct engine_worker *w, const struct alert_record *r)
{
	if (!alert_ring_push(w->ring, r))
		w->stats.alert_ring_dropped++;
}

/* Detection, verdict and records for one decoded packet with its flow. */
static void inspect_packet(struct engine_worker *w, struct packet *p)
{
	struct alert_record rec;
	unsigned n_alerts, i;
	bool blocked;

	p->verdict = VERDICT_PASS;
	n_alerts = detect_packet(w->detect, p, w->alerts, w->cfg.max_alerts);
	w->stats.inspected++;

	if (w->cfg.mode == ENGINE_MODE_IDS)
		p->verdict = VERDICT_PASS; /* detection only: rules never block */
	blocked = p->verdict != VERDICT_PASS;
	if (blocked)
		w->stats.drops[p->verdict == VERDICT_REJECT ? ENGINE_DROP_REJECT : ENGINE_DROP_RULE]++;
	if (n_alerts == 0 && !blocked)
		return;

	record_from_packet(w, p, &rec);
	rec.kind = ALERT_RECORD_ALERT;
	rec.blocked = blocked;
	for (i = 0; i < n_alerts; i++) {
		rec.rule_index = w->alerts[i].rule_index;
		rec.action = w->alerts[i].action;
		w->stats.alerts++;
		push_record(w, &rec);
	}
	if (blocked) {
		/* The drop record names the rule that blocked: the first
		 * drop/reject alert (detect returns them in rule order). */
		rec.kind = ALERT_RECORD_DROP;
		rec.rule_index = UINT32_MAX;
		rec.action = p->verdict == VERDICT_REJECT ? SIG_ACTION_REJECT : SIG_ACTION_DROP;
		for (i = 0; i < n_alerts; i++) {
			if (w->alerts[i].action == SIG_ACTION_DROP ||
			    w->alerts[i].action == SIG_ACTION_REJECT) {
				rec.rule_index = w->alerts[i].rule_index;
				rec.action = w->alerts[i].action;
				break;
			}
		}
		w->stats.drop_records++;
		push_record(w, &rec);
	}
}

/* ------------------------------------------------------------ hot swap */

struct engine_rules_swap *engine_rules_swap_prepare(const struct engine_worker *w,
						    const struct detect_engine *de,
						    const struct sig_ruleset *rs)
{
	struct engine_rules_swap *s;

	if (!w || !de != !rs) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->rs = rs;
	if (de) {
		/* max_flows is fixed at creation: reading it here is safe */
		s->detect = detect_thread_new(de, flow_table_max_flows(w->flows));
		if (!s->detect) {
			free(s);
			errno = ENOMEM;
			return NULL;
		}
	}
	return s;
}

void engine_worker_apply_rules(struct engine_worker *w, struct engine_rules_swap *s)
{
	struct detect_thread *old = w->detect;
	const struct sig_ruleset *old_rs = w->rs;

	/* The old thread's counters stay in the totals. */
	if (old)
		w->alerts_capped_base += detect_thread_counters(old)->alerts_over_max;
	w->detect = s->detect;
	w->rs = s->rs;
	s->detect = old;
	s->rs = old_rs;
	/* Flows keep their detect_slot numbers; the new pool does not know
	 * them (detect_state.h), so their flowbits are gone without a walk. */
	flow_table_set_release_hook(w->flows, w->detect ? detect_flow_release : NULL, w->detect);
}

void engine_rules_swap_free(struct engine_rules_swap *s)
{
	if (!s)
		return;
	detect_thread_free(s->detect);
	free(s);
}

struct engine_policy_swap *engine_policy_swap_prepare(const struct engine_worker *w,
						      const struct fw_policy *pol)
{
	struct engine_policy_swap *s;

	(void)w; /* the counters depend on the policy only */
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->policy = pol;
	if (pol) {
		s->n_hits = fw_policy_rule_count(pol) + 1;
		s->hits = calloc(s->n_hits, sizeof(*s->hits));
		if (!s->hits) {
			free(s);
			errno = ENOMEM;
			return NULL;
		}
	}
	return s;
}

void engine_worker_apply_policy(struct engine_worker *w, struct engine_policy_swap *s)
{
	const struct fw_policy *old = w->policy;
	uint64_t *old_hits = w->fw_hits;
	uint32_t old_n = w->fw_n_hits;

	w->policy = s->policy;
	w->fw_hits = s->hits;
	w->fw_n_hits = s->n_hits;
	s->policy = old;
	s->hits = old_hits;
	s->n_hits = old_n;
	/* Every flow decided before now is judged again on its next packet. */
	if (++w->fw_generation == 0)
		w->fw_generation = 1;
	if (w->policy)
		w->fw_stage = true;
}

void engine_policy_swap_free(struct engine_policy_swap *s)
{
	if (!s)
		return;
	free(s->hits);
	free(s);
}

int engine_worker_set_policy(struct engine_worker *w, const struct fw_policy *pol)
{
	struct engine_policy_swap *s = engine_policy_swap_prepare(w, pol);

	if (!s)
		return -1;
	engine_worker_apply_policy(w, s);
	engine_policy_swap_free(s);
	return 0;
}

const uint64_t *engine_worker_fw_rule_hits(const struct engine_worker *w, uint32_t *n)
{
	*n = w->fw_n_hits;
	return w->fw_hits;
}

static uint8_t flow_decision_of(uint8_t action)
{
	return action == FW_ACTION_DENY ? FLOW_FW_DENY :
	       action == FW_ACTION_REJECT ? FLOW_FW_REJECT : FLOW_FW_ALLOW;
}

/* The action of a rule id; with no policy attached everything is allowed. */
static uint8_t fw_action_of(const struct engine_worker *w, uint32_t rule)
{
	return w->policy ? fw_policy_rule_action(w->policy, rule) : FW_ACTION_ALLOW;
}

static void fw_classify(const struct engine_worker *w, const struct packet *const *pkts, uint16_t n,
			uint32_t *rule_ids)
{
	if (w->policy) {
		fw_policy_classify_burst(w->policy, pkts, n, rule_ids);
		return;
	}
	for (uint16_t i = 0; i < n; i++)
		rule_ids[i] = FW_RULE_DEFAULT;
}

/*
 * The view of f's first packet, for judging f again under a new policy: the
 * flow's addresses and ports in the direction that packet travelled, and its
 * ingress port. The classifier reads nothing else.
 */
static const struct packet *first_packet_view(struct engine_worker *w, uint16_t m, const struct flow *f)
{
	struct packet *v = &w->fw_views[m];
	bool to_client = f->fw_origin & FLOW_FW_ORIGIN_TOCLIENT;

	v->l3 = f->l3;
	v->ip_proto = f->ip_proto;
	v->port = f->fw_origin & FLOW_FW_ORIGIN_PORT;
	v->src = to_client ? f->server_addr : f->client_addr;
	v->dst = to_client ? f->client_addr : f->server_addr;
	v->sport = to_client ? f->server_port : f->client_port;
	v->dport = to_client ? f->client_port : f->server_port;
	return v;
}

/*
 * Step 1 of the firewall, for the whole slice: pick the packets that need a
 * decision (the first packet of each undecided flow, the first packet of
 * each flow decided under an older policy, and IP packets with no flow),
 * classify them in one call, and store each decision in its flow. The
 * generation test is the only per-packet cost of policy swaps: it replaces
 * the "already decided" test.
 */
static void firewall_classify_slice(struct engine_worker *w, struct packet **pkts, uint16_t n)
{
	uint16_t m = 0;
	uint16_t idx[ENGINE_MAX_BURST];

	for (uint16_t i = 0; i < n; i++) {
		struct packet *p = pkts[i];
		struct flow *f = p->flow;

		w->fw_rule_of[i] = FW_NOT_CLASSIFIED;
		w->fw_reclass[i] = false;
		if (p->l3 != L3_IPV4 && p->l3 != L3_IPV6)
			continue;
		if (f) {
			if (__builtin_expect(f->fw_generation == w->fw_generation, 1))
				continue;
			f->fw_generation = w->fw_generation; /* one packet per flow */
			if (f->fw_decision != FLOW_FW_NONE) {
				/* decided under an older policy: judge it again,
				 * as its first packet was */
				w->fw_pkts[m] = first_packet_view(w, m, f);
				w->fw_reclass[i] = true;
				idx[m++] = i;
				continue;
			}
			f->fw_decision = FLOW_FW_PENDING;
		}
		w->fw_pkts[m] = p;
		idx[m++] = i;
	}
	if (m == 0)
		return;
	fw_classify(w, w->fw_pkts, m, w->fw_ids);
	for (uint16_t j = 0; j < m; j++) {
		struct packet *p = pkts[idx[j]];
		struct flow *f = p->flow;
		uint8_t decision;

		w->fw_rule_of[idx[j]] = w->fw_ids[j];
		if (!f)
			continue;
		decision = flow_decision_of(fw_action_of(w, w->fw_ids[j]));
		/* A flow the firewall blocked and the new policy allows flows
		 * again; a drop a rule set stays. */
		if (decision == FLOW_FW_ALLOW && (f->fw_origin & FLOW_FW_ORIGIN_DROPPED)) {
			f->flags &= (uint8_t)~FLOW_DROP;
			f->fw_origin &= (uint16_t)~FLOW_FW_ORIGIN_DROPPED;
		}
		f->fw_decision = decision;
	}
}

static void firewall_record(struct engine_worker *w, const struct packet *p, uint32_t rule,
			    uint8_t action, bool blocked)
{
	struct alert_record rec;

	record_from_packet(w, p, &rec);
	rec.kind = ALERT_RECORD_FIREWALL;
	rec.ruleset = NULL;
	rec.rule_index = UINT32_MAX;
	rec.fw_rule = rule == FW_RULE_DEFAULT ? NULL : fw_policy_rule_name(w->policy, rule);
	rec.action = action;
	rec.blocked = blocked;
	w->stats.fw_records++;
	push_record(w, &rec);
}

/*
 * Step 2, per packet after its flow update: apply the decision. Returns true
 * when the packet is blocked (verdict set, nothing more to do with it). A
 * re-classified packet is treated like a first packet: counted, logged, and
 * answered with a reject when the new policy rejects its flow.
 */
static bool firewall_apply(struct engine_worker *w, struct packet *p, uint16_t slot)
{
	struct flow *f = p->flow;
	uint32_t rule = w->fw_rule_of[slot];
	uint8_t decision;
	bool first = rule != FW_NOT_CLASSIFIED;
	bool reclass = w->fw_reclass[slot];
	bool ips = w->cfg.mode != ENGINE_MODE_IDS;

	if (p->l3 != L3_IPV4 && p->l3 != L3_IPV6)
		return false;
	if (f && f->fw_decision == FLOW_FW_NONE) {
		/* the update restarted the flow (TCP port reuse): a new
		 * connection, decided on its own - a rare one-packet batch */
		const struct packet *one = p;

		fw_classify(w, &one, 1, &rule);
		first = true;
		reclass = false;
		f->fw_generation = w->fw_generation;
		f->fw_decision = flow_decision_of(fw_action_of(w, rule));
	}
	if (first) {
		uint8_t action = fw_action_of(w, rule);

		decision = flow_decision_of(action);
		if (f && !reclass) /* remember the first packet for later re-classifications */
			f->fw_origin = (uint16_t)((p->port < FLOW_FW_ORIGIN_PORT ? p->port : FLOW_FW_ORIGIN_PORT) |
						  (p->to_server ? 0 : FLOW_FW_ORIGIN_TOCLIENT));
		if (w->policy) {
			w->stats.fw_classified++;
			w->stats.fw_reclassified += reclass;
			w->fw_hits[rule == FW_RULE_DEFAULT ? w->fw_n_hits - 1 : rule]++;
			if (decision == FLOW_FW_ALLOW)
				w->stats.fw_allowed++;
			else if (decision == FLOW_FW_DENY)
				w->stats.fw_denied++;
			else
				w->stats.fw_rejected++;
			if (fw_policy_rule_log(w->policy, rule))
				firewall_record(w, p, rule, action, ips && decision != FLOW_FW_ALLOW);
		}
	} else {
		decision = f ? f->fw_decision : FLOW_FW_ALLOW;
	}
	if (decision == FLOW_FW_ALLOW)
		return false;
	if (!ips) {
		w->stats.fw_would_block++;
		return false;
	}
	if (first && decision == FLOW_FW_REJECT) {
		p->verdict = VERDICT_REJECT;
		w->stats.drops[ENGINE_DROP_FW_REJECT]++;
	} else {
		p->verdict = VERDICT_DROP;
		w->stats.drops[ENGINE_DROP_FW_DENY]++;
	}
	if (f && !(f->flags & FLOW_DROP)) {
		f->flags |= FLOW_DROP;
		f->fw_origin |= FLOW_FW_ORIGIN_DROPPED;
	}
	return true;
}

/* Whether the packet's flow was bypassed for the inspection depth. */
static bool depth_bypassed(struct engine_worker *w, const struct packet *p)
{
	const struct flow *f = p->flow;

	if (!w->depth_enabled || !f || !(f->flags & FLOW_NO_INSPECT) ||
	    (f->payload_units[0] <= w->depth_units && f->payload_units[1] <= w->depth_units))
		return false;
	w->stats.bypassed_packets++;
	return true;
}

/* After inspecting a packet: count its payload, and bypass the flow once a
 * direction went past the depth (so the crossing packet was still seen). */
static void depth_account(struct engine_worker *w, const struct packet *p)
{
	struct flow *f = p->flow;
	uint16_t *units;
	uint32_t sum;

	if (!w->depth_enabled || !f || p->payload_len == 0)
		return;
	units = &f->payload_units[p->to_server ? 1 : 0];
	if (*units > w->depth_units)
		return;
	sum = (uint32_t)*units + (p->payload_len >> w->depth_shift);
	*units = sum > UINT16_MAX ? UINT16_MAX : (uint16_t)sum;
	if (*units > w->depth_units && !(f->flags & (FLOW_NO_INSPECT | FLOW_DROP))) {
		f->flags |= FLOW_NO_INSPECT;
		w->stats.bypassed_flows++;
	}
}

static void process_slice(struct engine_worker *w, struct packet *pkts, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct packet *p = &pkts[i];

		p->flow = NULL;
		p->to_server = 0;
		p->verdict = VERDICT_PASS;
		decode_packet(p, &w->cfg.decode, &w->stats.decode);
		w->stats.packets++;
		w->stats.bytes += p->len;
		if (p->ts_usec > w->newest_usec)
			w->newest_usec = p->ts_usec;
		w->burst_ptrs[i] = p;
	}

	flow_table_lookup_burst(w->flows, w->burst_ptrs, n);
	if (w->fw_stage)
		firewall_classify_slice(w, w->burst_ptrs, n);

	/* Update then inspect packet by packet, so detection sees each
	 * flow as of that packet (the SYN is not "established" even when
	 * the handshake completes later in the same burst). */
	for (i = 0; i < n; i++) {
		struct packet *p = &pkts[i];

		flow_table_update_packet(w->flows, p);
		if (!p->flow)
			w->stats.no_flow++;
		if (w->fw_stage && firewall_apply(w, p, i))
			continue;
		if (p->flow && (p->flow->flags & FLOW_DROP) && w->cfg.mode != ENGINE_MODE_IDS) {
			/* IPS: a blocked flow stays blocked, uninspected. */
			p->verdict = VERDICT_DROP;
			w->stats.drops[ENGINE_DROP_FLOW]++;
			continue;
		}
		if (!w->detect) /* no rules loaded (yet) */
			continue;
		if (depth_bypassed(w, p))
			continue;
		inspect_packet(w, p);
		depth_account(w, p);
	}
}

void engine_process_burst(struct engine_worker *w, struct packet *pkts, uint16_t n)
{
	while (n > 0) {
		uint16_t slice = n > ENGINE_MAX_BURST ? ENGINE_MAX_BURST : n;

		process_slice(w, pkts, slice);
		pkts += slice;
		n -= slice;
	}

	/* Periodic expiry by packet time: the first pass is armed by the
	 * first packet, so a capture from 2009 does not expire at once. */
	if (w->last_expire_usec == 0) {
		w->last_expire_usec = w->newest_usec;
	} else if (w->newest_usec - w->last_expire_usec >= ENGINE_EXPIRE_INTERVAL_USEC) {
		flow_table_expire(w->flows, w->newest_usec, ENGINE_EXPIRE_MAX_WORK);
		w->last_expire_usec = w->newest_usec;
		w->stats.flow_expire_runs++;
	}
	w->stats.alerts_capped = w->alerts_capped_base +
				 (w->detect ? detect_thread_counters(w->detect)->alerts_over_max : 0);
}

void engine_worker_finish(struct engine_worker *w)
{
	if (w && w->flows)
		flow_table_flush(w->flows);
}

struct alert_ring *engine_worker_alert_ring(struct engine_worker *w)
{
	return w->ring;
}

const struct engine_worker_stats *engine_worker_stats(const struct engine_worker *w)
{
	return &w->stats;
}

void engine_worker_stats_add(struct engine_worker_stats *dst, const struct engine_worker_stats *src)
{
	/* Nothing but uint64_t counters (decode_counters included): add them as
	 * an array, so a counter added later cannot be forgotten here. */
	_Static_assert(sizeof(struct engine_worker_stats) % sizeof(uint64_t) == 0,
		       "engine_worker_stats must hold only uint64_t");
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;

	for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

uint64_t engine_worker_flows_created(const struct engine_worker *w)
{
	return flow_table_stats(w->flows)->created;
}

uint64_t engine_worker_bytes_per_flow(const struct engine_worker *w)
{
	return flow_table_bytes_per_flow(w->flows);
}

void engine_worker_free(struct engine_worker *w)
{
	if (!w)
		return;
	if (w->flows) {
		/* Release flows while the detect context still exists: the
		 * release hook returns their slots to it. */
		flow_table_flush(w->flows);
		flow_table_free(w->flows);
	}
	detect_thread_free(w->detect);
	alert_ring_free(w->ring);
	free(w->alerts);
	free(w->fw_hits);
	free(w);
}
