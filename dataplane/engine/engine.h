/*
 * engine.h - one worker's packet pipeline: decode -> flow -> detect -> verdict
 * -> alert records.
 *
 * Contract: a front end (rampart-dp's poll loop, rampart-nfq, unit tests)
 * creates one struct engine_worker per worker thread at start-up and hands it
 * bursts of struct packet whose "input" part it filled (packet.h). The worker
 * owns everything the pipeline needs per worker: its flow table, detect
 * thread context (Hyperscan scratch, per-flow state), alert ring and
 * counters. engine_process_burst() decodes the whole burst, looks up its
 * flows, runs detection on each packet whose flow is inspected, leaves the
 * verdict in p->verdict and pushes one struct alert_record per alert (plus a
 * drop record for each blocked packet in IPS modes) into the worker's alert
 * ring, which the output side drains.
 *
 * Verdicts: in ENGINE_MODE_IDS every packet leaves with VERDICT_PASS. In the
 * IPS modes a drop or reject rule blocks the packet: p->verdict is
 * VERDICT_DROP / VERDICT_REJECT, its alerts are marked blocked and a drop
 * record follows them.
 *
 * Firewall (engine_worker_set_policy): after flow lookup and before detection,
 * the first packet of every flow (either direction) and every IP packet
 * without a flow is classified, in one fw_policy_classify_burst call per
 * slice of up to 64 packets. The decision is kept in the flow
 * (flow.fw_decision): later packets of an allowed flow, return traffic
 * included, are admitted without classification. deny -> VERDICT_DROP, reject
 * -> VERDICT_REJECT for that first packet, and every later packet of the flow
 * is dropped uninspected. Counting: firewall_reject counts the packets
 * answered with a reject, firewall_deny every other packet the firewall
 * blocked (first packets of denied flows and all later packets of denied or
 * rejected flows). Non-IP frames (ARP) skip the firewall. In ENGINE_MODE_IDS
 * the firewall blocks nothing; fw_would_block counts what it would have.
 * A rule with log: true pushes one ALERT_RECORD_FIREWALL (first packet only).
 *
 * Policy changes (engine_worker_apply_policy, engine_worker_set_policy) bump
 * the worker's policy generation; a flow decided under an older generation
 * is classified again on its next packet (either direction), as its first
 * packet looked: the flow's addresses and ports in that packet's direction
 * and that packet's ingress port (both kept in the flow). That packet is
 * treated like a first packet: counted (fw_classified and fw_reclassified),
 * logged by a log: true rule, dropped on deny (firewall_deny) and answered
 * on reject (firewall_reject: an RST / ICMP unreachable to its sender, which
 * tears the connection down at once instead of letting it hang), and later
 * packets of a blocked flow are dropped. A flow the firewall had blocked and
 * the new policy allows flows again (a drop set by a rule stays). With no
 * policy (NULL) after one was attached, every flow is allowed again the same
 * way. The per-flow generation is 16 bits: a flow idle through exactly a
 * multiple of 65536 policy changes would keep its old decision.
 *
 * Inspection depth (engine_config.inspection_depth): once a flow direction
 * has carried more payload than the depth, the flow is marked
 * FLOW_NO_INSPECT (bypassed): later packets skip detection and are forwarded
 * (a dropped flow stays dropped). The packet that crosses the depth is still
 * inspected. Per-flow counters are 16 bits in units of 2^k bytes (k chosen
 * so the depth fits), summed per packet rounding down: the depth is exact
 * below 64 KiB, and above it a flow is never bypassed before the depth (tiny
 * packets can only delay the bypass, never hasten it).
 *
 * Time: flows are expired by packet time (the newest timestamp seen), so an
 * offline run behaves the same however fast it reads.
 *
 * Thread rules: a worker is used by exactly one thread. engine_process_burst
 * never allocates, locks, or makes a system call. Stats are plain counters
 * written by that thread; read them after the worker stopped, or accept a
 * torn snapshot. The detect engine and rule set are shared, read-only, and
 * must outlive their use by the worker (until swapped out and a grace period
 * passed) and every record in its ring naming them; the same holds for the
 * policy and its firewall records.
 *
 * Rule swaps (engine_worker_apply_rules) give the worker a new detect thread:
 * thresholds start empty, and flowbits of existing flows are gone (the new
 * flowbits pool does not recognise their old slots: detect_state.h), while
 * flow marks stay (FLOW_DROP, FLOW_NO_INSPECT from pass rules or bypass).
 * Per-packet cost of swaps: none for rules (one test for "no rules" before
 * detection); for policies, the flow's generation test replaces the
 * "already decided" test (same single branch).
 */
#ifndef RAMPART_ENGINE_H
#define RAMPART_ENGINE_H

#include <stdint.h>

#include "dataplane/engine/config.h"
#include "dataplane/engine/decode/decode.h"
#include "dataplane/engine/packet.h"

struct detect_engine;
struct sig_ruleset;
struct alert_ring;
struct engine_worker;
struct fw_policy;

/* Why a packet was not forwarded. Names: engine_drop_reason_name(). */
enum engine_drop_reason {
	ENGINE_DROP_RULE = 0,   /* a drop rule matched */
	ENGINE_DROP_REJECT,     /* a reject rule matched */
	ENGINE_DROP_FLOW,       /* the packet's flow was blocked earlier (by a rule) */
	ENGINE_DROP_FW_DENY,    /* the firewall denied the packet's flow */
	ENGINE_DROP_FW_REJECT,  /* the firewall rejected it (first packet of the flow) */
	ENGINE_DROP__COUNT
};

struct engine_worker_stats {
	uint64_t packets;             /* packets handed to engine_process_burst */
	uint64_t bytes;               /* their captured bytes */
	uint64_t inspected;           /* packets that went through detection */
	uint64_t no_flow;             /* packets with no flow (not IP, or table full) */
	uint64_t alerts;              /* alert records produced (before the ring) */
	uint64_t alerts_capped;       /* alerts lost to detect.max-alerts-per-packet */
	uint64_t alert_ring_dropped;  /* records (alert or drop) the full ring refused */
	uint64_t drop_records;        /* drop records produced */
	uint64_t drops[ENGINE_DROP__COUNT];
	uint64_t flow_expire_runs;    /* periodic expiry passes */
	uint64_t fw_classified;       /* packets the firewall classified */
	uint64_t fw_allowed;          /* of those: allowed (flows or flowless packets) */
	uint64_t fw_denied;           /* denied */
	uint64_t fw_rejected;         /* rejected */
	uint64_t fw_would_block;      /* IDS mode: packets the firewall would have blocked */
	uint64_t fw_records;          /* logged firewall decisions produced */
	uint64_t fw_reclassified;     /* of fw_classified: packets of existing flows judged
	                                 again after a policy change */
	uint64_t bypassed_flows;      /* flows bypassed past detect.inspection-depth */
	uint64_t bypassed_packets;    /* packets that skipped detection for it */
	struct decode_counters decode;
};

/*
 * Create a worker. Allocates the flow table, detect thread context, alert
 * ring (cfg->alert_ring_size) and per-packet alert scratch. de and rs both
 * NULL: no rules yet (packets are forwarded, and judged by the firewall,
 * without detection) until engine_worker_apply_rules. Returns NULL with
 * errno set (and a message in err if err is not NULL) on failure.
 */
struct engine_worker *engine_worker_new(const struct engine_config *cfg,
					const struct detect_engine *de,
					const struct sig_ruleset *rs, uint16_t worker_index,
					char *err, size_t errlen);

/*
 * Attach a firewall policy (NULL: no firewall). Sizes the per-rule hit
 * counters (resets them). Call before the worker processes packets, or
 * between bursts on the worker's thread (it allocates: the hot swap below is
 * the running worker's way); existing flows are judged again as after
 * engine_worker_apply_policy. The policy is shared read-only and must
 * outlive its use by the worker and every firewall record in its ring.
 * Returns 0, or -1 (errno ENOMEM) leaving the previous policy in place.
 */
int engine_worker_set_policy(struct engine_worker *w, const struct fw_policy *pol);

/*
 * Hot swap of rules and firewall policy into a running worker (rampart-dp's
 * managed mode). Each swap has three steps on two threads:
 *   prepare (control/loader thread, never the worker's): allocates every
 *     per-worker structure the new object needs;
 *   apply (the worker's own thread, between bursts): O(1) pointer swaps, no
 *     allocation, lock or system call; the swap object then holds the OLD
 *     state;
 *   free (control thread, after an RCU grace period and after the output
 *     side drained records naming the old rule set / policy): frees what
 *     the swap object holds (old state after apply, new state if never
 *     applied).
 * The detect engine, rule set and policy themselves stay owned by the
 * caller; the swap objects only hold the worker-side state built for them.
 */
struct engine_rules_swap;
struct engine_policy_swap;

/*
 * Prepare a rule swap for w: a detect thread for (de, rs) sized for the
 * worker's flow table (scratch, flowbits pool, empty thresholds). de and rs
 * both NULL: "no rules" (detection skipped after apply). NULL on ENOMEM or
 * when only one of de / rs is NULL (errno EINVAL).
 */
struct engine_rules_swap *engine_rules_swap_prepare(const struct engine_worker *w,
						    const struct detect_engine *de,
						    const struct sig_ruleset *rs);

/*
 * Worker thread, between bursts. After it the worker's packets use the new
 * rules; per-flow detect state of existing flows (flowbits) is invalidated
 * by a generation number (no table walk); thresholds start empty; flow
 * drop/pass/bypass marks stay. s now holds the old detect thread.
 */
void engine_worker_apply_rules(struct engine_worker *w, struct engine_rules_swap *s);

/* Control thread: frees what s holds. NULL is a no-op. */
void engine_rules_swap_free(struct engine_rules_swap *s);

/*
 * Prepare a policy swap: per-rule hit counters for pol (NULL: no firewall).
 * NULL on ENOMEM.
 */
struct engine_policy_swap *engine_policy_swap_prepare(const struct engine_worker *w,
						      const struct fw_policy *pol);

/*
 * Worker thread, between bursts: O(1). Swaps the policy and its counters and
 * bumps the worker's policy generation: every existing flow is re-classified
 * on its next packet, in its original direction (client->server, ingress
 * port of its first packet). Flows the new policy denies or rejects are
 * dropped from that packet on; allowed flows keep going. s now holds the
 * old counters.
 */
void engine_worker_apply_policy(struct engine_worker *w, struct engine_policy_swap *s);

/* Control thread: frees what s holds. NULL is a no-op. */
void engine_policy_swap_free(struct engine_policy_swap *s);

/* Per-rule hit counters of the attached policy: hits[rule id], and
 * hits[fw_policy_rule_count()] for the default action. *n = count + 1;
 * NULL (and *n = 0) without a policy. */
const uint64_t *engine_worker_fw_rule_hits(const struct engine_worker *w, uint32_t *n);

/* Run the pipeline over pkts[0..n). See the contract above. */
void engine_process_burst(struct engine_worker *w, struct packet *pkts, uint16_t n);

/*
 * End of input: release every flow still in the table (so per-flow state is
 * freed through the detect release hook). The worker stays usable.
 */
void engine_worker_finish(struct engine_worker *w);

/* The worker's ring: the output side pops from it (one consumer). */
struct alert_ring *engine_worker_alert_ring(struct engine_worker *w);

const struct engine_worker_stats *engine_worker_stats(const struct engine_worker *w);

/* dst += src, counter by counter (several workers' totals; off the hot path). */
void engine_worker_stats_add(struct engine_worker_stats *dst, const struct engine_worker_stats *src);

/* Flows created by this worker's flow table so far. */
uint64_t engine_worker_flows_created(const struct engine_worker *w);

/* Flow table memory per flow (bytes), for the stats report. */
uint64_t engine_worker_bytes_per_flow(const struct engine_worker *w);

/* Stable snake_case name ("rule_drop"); "unknown" when out of range. */
const char *engine_drop_reason_name(enum engine_drop_reason r);

/* Frees the worker and its ring: stop the ring's consumer first. */
void engine_worker_free(struct engine_worker *w);

#endif /* RAMPART_ENGINE_H */
