/*
 * inline_worker.h - rampart-dp's inline (IPS) worker lcores.
 *
 * Contract: an inline plane (inline.h) owns N workers. Each worker runs
 * inline_worker_main() on its own lcore, run-to-completion: take a burst,
 * build packet views, run the engine, forward what passed (one TX burst per
 * output port, never one packet per call), free the rest, send the reject
 * frames a reject verdict asks for.
 *
 * Where the packets come from depends on the distribution mode:
 *   rss      worker i polls RX queue i of every port and transmits on TX
 *            queue i (ports configured with a symmetric RSS key, so both
 *            directions of a flow hash to the same queue number);
 *   software one distributor lcore (distributor.h) polls every port, hashes
 *            each frame symmetrically (flow_dist.h) and feeds worker i's RX
 *            ring; the worker's survivors go back through its TX ring, and
 *            the distributor transmits them.
 *
 * Failure behaviour (plane->fail_mode, fail-open or fail-closed):
 *   no rules yet   the engine pointer is NULL until the control thread has
 *                  compiled the rules: forward uninspected / drop;
 *   mbuf pool low  below plane->mbuf_low_water free mbufs (the control
 *                  thread measures every millisecond and publishes
 *                  plane->pools_low; rss: the worker applies it, software:
 *                  the distributor): forward uninspected / drop, so the
 *                  pool refills;
 *   TX full        fail-open retries a few times before dropping the rest,
 *                  fail-closed drops at once (the worker's time is bounded);
 *   stalled        the worker's heartbeat stops; the watchdog (inline.c)
 *                  marks it failed and its traffic is forwarded uninspected
 *                  or dropped by the distributor (software) or by the control
 *                  thread polling its queues (rss). A worker that comes back
 *                  (heartbeat, or `alive` while it waits in rss mode) gets
 *                  its traffic back: a slow moment is not a permanent loss.
 * Every packet not forwarded is counted under exactly one reason.
 *
 * Rule and policy swaps (managed reloads, and the first rule load): the
 * control thread publishes a struct inline_swap in w->pending (release);
 * the worker looks at it once per loop iteration (one load, unlikely
 * branch), applies it between bursts (engine_worker_apply_rules/_policy, or
 * takes its first engine) and clears `pending` (release). It then reports
 * an RCU quiescent state (plane->qsbr, one per loop iteration; workers are
 * registered readers, thread id = worker index, online while the loop
 * runs). The control thread frees what a swap replaced only when both hold:
 * the grace period it started after publishing has passed
 * (rte_rcu_qsbr_check) and every worker's `pending` is clear. A stalled
 * worker (test fault, or a real stall) reports nothing, so the old set is
 * held until it comes back; its traffic meanwhile goes the fail-mode way.
 *
 * Thread rules: a worker's fields are written by its lcore, except
 * `engine` (set by the control thread before launch in tests, else by the
 * worker from its first swap), `pending` (control thread publishes, worker
 * clears), `failed` and `stall_requested` (control thread). Counters are plain and
 * read by the control thread after the worker stopped (or torn, for
 * progress displays). Nothing on the packet path allocates, locks or makes
 * a system call; an idle worker on shared CPUs yields (see idle_backoff).
 */
#ifndef RAMPART_DPDK_INLINE_WORKER_H
#define RAMPART_DPDK_INLINE_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_config.h>

#include "dataplane/dpdk/mbuf_view.h"
#include "dataplane/engine/packet.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;
struct engine_worker;
struct engine_rules_swap;
struct engine_policy_swap;

/* One swap for one worker (see "Rule and policy swaps" above). Owned by the
 * control thread; the worker only reads it and writes `applied`. */
struct inline_swap {
	struct engine_worker *engine;      /* the worker's first engine (no engine yet) */
	struct engine_rules_swap *rules;   /* NULL: rules unchanged */
	struct engine_policy_swap *policy; /* NULL: policy unchanged */
	uint8_t applied;                   /* set by the worker before it clears pending */
};

#define INLINE_BURST 32
#define INLINE_MAX_WORKERS 64
#define INLINE_MAX_PORTS 16
/* A burst can emit every packet plus two reject frames per packet. */
#define INLINE_TX_CAP (3 * INLINE_BURST)
/* fail-open: immediate TX retries before a TX-full drop */
#define INLINE_TX_RETRIES 8

enum inline_fail_mode {
	INLINE_FAIL_OPEN = 0,
	INLINE_FAIL_CLOSED,
};

enum inline_distribution {
	INLINE_DIST_RSS = 0,   /* one queue per worker (also: 1 worker, 1 queue) */
	INLINE_DIST_SOFTWARE,  /* distributor lcore + worker rings */
};

/* Why the front end did not forward a packet. The engine's own verdict
 * reasons (rule_drop, firewall_deny, ...) are counted by the engine; this
 * counts them once more, together, as "verdict". */
enum inline_drop_reason {
	INLINE_DROP_VERDICT = 0,     /* the engine's verdict was drop or reject */
	INLINE_DROP_NO_RULES,        /* fail-closed: rules not loaded yet */
	INLINE_DROP_WORKER_STALLED,  /* fail-closed: the flow's worker stalled */
	INLINE_DROP_WORKER_RING_FULL,/* fail-closed: the worker's RX ring was full */
	INLINE_DROP_TX_FULL,         /* the TX queue / ring refused it */
	INLINE_DROP_MBUF_LOW,        /* fail-closed: packet pool below low water */
	INLINE_DROP__COUNT
};

/* Stable snake_case name ("no_rules"), "unknown" when out of range. */
const char *inline_drop_reason_name(enum inline_drop_reason r);

struct inline_counters {
	uint64_t rx;              /* packets taken (from a port or a ring) */
	uint64_t tx;              /* packets handed to a port or TX ring */
	uint64_t uninspected;     /* forwarded without inspection (fail-open paths) */
	uint64_t reject_frames;   /* TCP RST / ICMP unreachable frames sent */
	uint64_t reject_nombuf;   /* reject frames not sent: no mbuf */
	uint64_t linearized;      /* multi-segment frames copied to scratch */
	uint64_t truncated;       /* frames cut to the scratch size */
	uint64_t drops[INLINE_DROP__COUNT];
};

void inline_counters_add(struct inline_counters *sum, const struct inline_counters *c);

struct inline_worker;
struct inline_distributor;

/* What every lcore of the plane shares. Read-only while running, except
 * the two stop flags (control thread writes, lcores read). */
struct inline_plane {
	uint16_t n_workers;
	uint8_t distribution;         /* enum inline_distribution */
	uint8_t fail_mode;            /* enum inline_fail_mode */
	bool shared_cpus;             /* lcores outnumber CPUs: yield when idle */
	uint16_t ports[INLINE_MAX_PORTS];
	uint16_t n_ports;
	uint16_t peer[RTE_MAX_ETHPORTS];                 /* TX port of each RX port */
	uint8_t link[RTE_MAX_ETHPORTS];                  /* enum link_type per port */
	struct rte_mempool *pool[RTE_MAX_ETHPORTS];      /* RX pool per port */
	unsigned mbuf_low_water;      /* free mbufs per pool below which "low" */
	volatile uint8_t pools_low;   /* control thread: a pool is below low water */
	volatile int stop_rx;         /* 1: take no new packets, finish the rings */
	volatile int stop;            /* 1: leave now */
	struct rte_rcu_qsbr *qsbr;    /* reload grace periods; NULL: none (tests) */
	struct inline_worker *workers[INLINE_MAX_WORKERS];
	struct inline_distributor *distributor; /* software mode only */
};

struct inline_worker {
	const struct inline_plane *plane;
	uint16_t index;
	struct rte_ring *rx_ring;     /* software mode: distributor -> worker */
	struct rte_ring *tx_ring;     /* software mode: worker -> distributor */
	struct engine_worker *engine; /* NULL until rules are loaded */
	struct inline_swap *pending;  /* published swap not yet applied, else NULL */
	uint64_t heartbeat;           /* +1 per loop iteration */
	uint32_t poll_seq;            /* rss: odd while the worker owns its queues */
	uint64_t alive;               /* rss: +1 per ms while waiting out `failed` */
	uint8_t failed;               /* watchdog: stalled, traffic handled elsewhere */
	uint8_t stall_requested;      /* test fault: stop polling, stop the heartbeat */
	uint8_t done;                 /* the loop has returned */
	struct inline_counters c;
	uint64_t engine_cycles;       /* TSC cycles inside engine_process_burst */
	struct wall_clock clock;
	struct rte_mbuf *mbufs[INLINE_BURST];
	struct packet pkts[INLINE_BURST];
	struct rte_mbuf *tx[RTE_MAX_ETHPORTS][INLINE_TX_CAP]; /* rss: per output port */
	uint16_t tx_n[RTE_MAX_ETHPORTS];
	struct rte_mbuf *tx_ring_buf[INLINE_TX_CAP];           /* software: one batch */
	uint16_t tx_ring_n;
	uint8_t *scratch;             /* INLINE_BURST slots of MBUF_VIEW_SCRATCH_BYTES */
};

/* Allocates a worker (rte_zmalloc, cache aligned) and its scratch. */
struct inline_worker *inline_worker_new(const struct inline_plane *plane, uint16_t index);
void inline_worker_free(struct inline_worker *w);

/* lcore entry point: arg is the struct inline_worker. Returns 0. */
int inline_worker_main(void *arg);

/*
 * Transmit pkts[0..n) on port/queue; what the port refuses is retried
 * (fail-open) or dropped at once (fail-closed), and counted as TX-full
 * drops in c. Shared by the workers, the distributor and the rescue path.
 */
void inline_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
		     uint8_t fail_mode, struct inline_counters *c);

/* Is any port's packet pool below the low-water mark? (Walks the per-lcore
 * caches: the control thread calls it, not the packet path.) */
bool inline_pools_low(const struct inline_plane *plane);

/* Idle handling shared by every polling lcore: on dedicated CPUs, spin; on
 * shared CPUs, yield after a few empty polls and nap after many. */
void inline_idle_backoff(const struct inline_plane *plane, uint32_t empty_polls);

#endif /* RAMPART_DPDK_INLINE_WORKER_H */
