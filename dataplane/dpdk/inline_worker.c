/*
 * inline_worker.c - the inline worker loop (see inline_worker.h), in the
 * shape of DPDK's examples/l3fwd: one burst in, one engine pass, one burst
 * out per port.
 */
#include "dataplane/dpdk/inline_worker.h"

#include <sched.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dataplane/dpdk/distributor.h"
#include "dataplane/engine/engine.h"
#include "dataplane/engine/verdict/reject.h"

/* take_burst's "the burst came from several ports" */
#define INLINE_MIXED_PORTS UINT16_MAX

/* Shared CPUs: empty polls before yielding, and before napping. */
#define INLINE_IDLE_YIELD_AFTER 64u
#define INLINE_IDLE_NAP_AFTER 2048u
#define INLINE_IDLE_NAP_NSEC 20000l

const char *inline_drop_reason_name(enum inline_drop_reason r)
{
	switch (r) {
	case INLINE_DROP_VERDICT:
		return "verdict";
	case INLINE_DROP_NO_RULES:
		return "no_rules";
	case INLINE_DROP_WORKER_STALLED:
		return "worker_stalled";
	case INLINE_DROP_WORKER_RING_FULL:
		return "worker_ring_full";
	case INLINE_DROP_TX_FULL:
		return "tx_full";
	case INLINE_DROP_MBUF_LOW:
		return "mbuf_low";
	default:
		return "unknown";
	}
}

void inline_counters_add(struct inline_counters *sum, const struct inline_counters *c)
{
	sum->rx += c->rx;
	sum->tx += c->tx;
	sum->uninspected += c->uninspected;
	sum->reject_frames += c->reject_frames;
	sum->reject_nombuf += c->reject_nombuf;
	sum->linearized += c->linearized;
	sum->truncated += c->truncated;
	for (int r = 0; r < INLINE_DROP__COUNT; r++)
		sum->drops[r] += c->drops[r];
}

struct inline_worker *inline_worker_new(const struct inline_plane *plane, uint16_t index)
{
	struct inline_worker *w = rte_zmalloc("inline_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);

	if (!w)
		return NULL;
	w->plane = plane;
	w->index = index;
	w->scratch = rte_malloc("inline_scratch", (size_t)INLINE_BURST * MBUF_VIEW_SCRATCH_BYTES,
				RTE_CACHE_LINE_SIZE);
	if (!w->scratch) {
		rte_free(w);
		return NULL;
	}
	return w;
}

void inline_worker_free(struct inline_worker *w)
{
	if (!w)
		return;
	rte_free(w->scratch);
	rte_free(w);
}

void inline_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
		     uint8_t fail_mode, struct inline_counters *c)
{
	uint16_t sent = rte_eth_tx_burst(port, queue, pkts, n);

	if (unlikely(sent < n) && fail_mode == INLINE_FAIL_OPEN) {
		for (int tries = 0; tries < INLINE_TX_RETRIES && sent < n; tries++) {
			rte_pause();
			sent += rte_eth_tx_burst(port, queue, pkts + sent, n - sent);
		}
	}
	c->tx += sent;
	if (unlikely(sent < n)) {
		c->drops[INLINE_DROP_TX_FULL] += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

bool inline_pools_low(const struct inline_plane *plane)
{
	for (uint16_t i = 0; i < plane->n_ports; i++) {
		struct rte_mempool *mp = plane->pool[plane->ports[i]];

		if (mp && rte_mempool_avail_count(mp) < plane->mbuf_low_water)
			return true;
	}
	return false;
}

void inline_idle_backoff(const struct inline_plane *plane, uint32_t empty_polls)
{
	struct timespec nap = { 0, INLINE_IDLE_NAP_NSEC };

	if (!plane->shared_cpus || empty_polls < INLINE_IDLE_YIELD_AFTER)
		return;
	/* Only reached with nothing to do: the packet path never sleeps. */
	if (empty_polls < INLINE_IDLE_NAP_AFTER)
		sched_yield();
	else
		nanosleep(&nap, NULL);
}

/* Queue m for output port `port`. */
static inline void emit(struct inline_worker *w, struct rte_mbuf *m, uint16_t port)
{
	if (w->plane->distribution == INLINE_DIST_SOFTWARE) {
		m->port = port; /* the distributor transmits on m->port */
		w->tx_ring_buf[w->tx_ring_n++] = m;
	} else {
		w->tx[port][w->tx_n[port]++] = m;
	}
}

static void flush(struct inline_worker *w)
{
	const struct inline_plane *pl = w->plane;

	if (pl->distribution == INLINE_DIST_SOFTWARE) {
		unsigned n = w->tx_ring_n, sent;

		if (n == 0)
			return;
		sent = rte_ring_enqueue_burst(w->tx_ring, (void **)w->tx_ring_buf, n, NULL);
		w->c.tx += sent;
		if (unlikely(sent < n)) {
			w->c.drops[INLINE_DROP_TX_FULL] += n - sent;
			rte_pktmbuf_free_bulk(w->tx_ring_buf + sent, n - sent);
		}
		w->tx_ring_n = 0;
		return;
	}
	for (uint16_t i = 0; i < pl->n_ports; i++) {
		uint16_t port = pl->ports[i];

		if (w->tx_n[port] == 0)
			continue;
		inline_tx_burst(port, w->index, w->tx[port], w->tx_n[port], pl->fail_mode, &w->c);
		w->tx_n[port] = 0;
	}
}

/* Copy a built frame into a fresh mbuf and queue it for `port`. */
static void send_frame(struct inline_worker *w, struct rte_mempool *mp, const uint8_t *frame,
		       size_t len, uint16_t port)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *dst;

	if (unlikely(!m)) {
		w->c.reject_nombuf++;
		return;
	}
	dst = rte_pktmbuf_append(m, (uint16_t)len);
	if (unlikely(!dst)) {
		rte_pktmbuf_free(m);
		w->c.reject_nombuf++;
		return;
	}
	memcpy(dst, frame, len);
	w->c.reject_frames++;
	emit(w, m, port);
}

/*
 * A reject verdict: TCP gets a RST back to the sender (out of the port the
 * packet came in on) and one on to the receiver (out of the peer port); UDP
 * gets an ICMP port unreachable back to the sender. The builder declines
 * packets that must not be answered (RSTs, ICMP errors, broadcasts, ...).
 */
static void send_rejects(struct inline_worker *w, const struct packet *p, uint16_t in_port)
{
	uint8_t frame[REJECT_FRAME_MAX];
	struct rte_mempool *mp = w->plane->pool[in_port];
	uint16_t out_port = w->plane->peer[in_port];
	size_t len;

	if (p->link != LINK_ETHERNET)
		return;
	if (p->ip_proto == 6) {
		len = reject_build_tcp_rst(p, REJECT_TO_SOURCE, frame, sizeof(frame));
		if (len)
			send_frame(w, mp, frame, len, in_port);
		len = reject_build_tcp_rst(p, REJECT_TO_DESTINATION, frame, sizeof(frame));
		if (len)
			send_frame(w, mp, frame, len, out_port);
	} else if (p->ip_proto == 17) {
		len = reject_build_icmp_unreach(p, frame, sizeof(frame));
		if (len)
			send_frame(w, mp, frame, len, in_port);
	}
}

/* No engine (rules loading) or a pool below low water: the fail mode decides.
 * in_port: the port the whole burst came from (rss), or INLINE_MIXED_PORTS. */
static void bypass_burst(struct inline_worker *w, uint16_t n, uint16_t in_port,
			 enum inline_drop_reason reason)
{
	if (w->plane->fail_mode == INLINE_FAIL_OPEN) {
		if (in_port != INLINE_MIXED_PORTS)
			inline_tx_burst(w->plane->peer[in_port], w->index, w->mbufs, n,
					w->plane->fail_mode, &w->c);
		else
			for (uint16_t i = 0; i < n; i++)
				emit(w, w->mbufs[i], w->plane->peer[w->mbufs[i]->port]);
		w->c.uninspected += n;
	} else {
		rte_pktmbuf_free_bulk(w->mbufs, n);
		w->c.drops[reason] += n;
	}
}

static void process_burst(struct inline_worker *w, struct engine_worker *engine, uint16_t n,
			  uint16_t in_port)
{
	const struct inline_plane *pl = w->plane;
	uint64_t now = wall_clock_now_usec(&w->clock), t0;

	/* Ask for every frame's first line at once: the decoder's first read
	 * of a frame is a cache miss (the PMD wrote only the mbuf header), and
	 * 32 misses in flight cost about one. */
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(w->mbufs[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = w->mbufs[i];
		struct packet *p = &w->pkts[i];
		bool linearized, cut;

		mbuf_view_fill(p, m, w->scratch + (size_t)i * MBUF_VIEW_SCRATCH_BYTES, &linearized,
			       &cut);
		w->c.linearized += linearized;
		w->c.truncated += cut;
		p->ts_usec = now;
		p->link = pl->link[m->port];
	}
	t0 = rte_rdtsc();
	engine_process_burst(engine, w->pkts, n);
	w->engine_cycles += rte_rdtsc() - t0;

	/* One input port (rss): the survivors are compacted in place and leave
	 * in one TX burst, as in l3fwd; mixed ports (software) go through the
	 * per-destination batch. */
	uint16_t kept = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = w->mbufs[i];
		const struct packet *p = &w->pkts[i];

		if (likely(p->verdict == VERDICT_PASS)) {
			if (in_port != INLINE_MIXED_PORTS)
				w->mbufs[kept++] = m;
			else
				emit(w, m, pl->peer[m->port]);
			continue;
		}
		if (p->verdict == VERDICT_REJECT)
			send_rejects(w, p, m->port);
		w->c.drops[INLINE_DROP_VERDICT]++;
		rte_pktmbuf_free(m);
	}
	if (kept)
		inline_tx_burst(pl->peer[in_port], w->index, w->mbufs, kept, pl->fail_mode, &w->c);
}

/* Take one burst: from the ring (software: *in_port = INLINE_MIXED_PORTS)
 * or the next port's queue (rss: *in_port = that port). */
static uint16_t take_burst(struct inline_worker *w, uint16_t *next_port, uint16_t *in_port)
{
	const struct inline_plane *pl = w->plane;

	*in_port = INLINE_MIXED_PORTS;
	if (pl->distribution == INLINE_DIST_SOFTWARE)
		return (uint16_t)rte_ring_dequeue_burst(w->rx_ring, (void **)w->mbufs, INLINE_BURST,
							NULL);
	for (uint16_t tries = 0; tries < pl->n_ports; tries++) {
		uint16_t port = pl->ports[*next_port];
		uint16_t n;

		*next_port = (uint16_t)((*next_port + 1) % pl->n_ports);
		n = rte_eth_rx_burst(port, w->index, w->mbufs, INLINE_BURST);
		if (n) {
			*in_port = port;
			return n;
		}
	}
	return 0;
}

/* Test fault: stop polling (and heartbeating) while it is requested. */
static void stall(struct inline_worker *w)
{
	struct timespec ms = { 0, 1000000l };

	while (!w->plane->stop && __atomic_load_n(&w->stall_requested, __ATOMIC_RELAXED))
		nanosleep(&ms, NULL);
}

/*
 * rss: the watchdog marked us failed and the control thread owns our
 * queues. Stay off them, but show that we are alive (`alive`), so the
 * watchdog can hand the queues back: it stops polling them, then clears
 * `failed`, and we resume.
 */
static void wait_while_failed(struct inline_worker *w)
{
	struct timespec ms = { 0, 1000000l };

	while (!w->plane->stop && __atomic_load_n(&w->failed, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&w->alive, w->alive + 1, __ATOMIC_RELAXED);
		nanosleep(&ms, NULL);
	}
}

/* Between bursts: take what the control thread published (O(1)). */
static void apply_pending(struct inline_worker *w, struct inline_swap *s)
{
	if (s->engine && !w->engine) {
		__atomic_store_n(&w->engine, s->engine, __ATOMIC_RELEASE);
	} else if (w->engine) {
		if (s->rules)
			engine_worker_apply_rules(w->engine, s->rules);
		if (s->policy)
			engine_worker_apply_policy(w->engine, s->policy);
	}
	s->applied = 1;
	__atomic_store_n(&w->pending, NULL, __ATOMIC_RELEASE);
}

int inline_worker_main(void *arg)
{
	struct inline_worker *w = arg;
	const struct inline_plane *pl = w->plane;
	const bool rss = pl->distribution == INLINE_DIST_RSS;
	uint32_t empty_polls = 0;
	uint16_t next_port = 0;

	wall_clock_init(&w->clock);
	if (pl->qsbr)
		rte_rcu_qsbr_thread_online(pl->qsbr, w->index);
	for (;;) {
		struct engine_worker *engine;
		uint16_t n, in_port;

		/* Only this lcore writes it: a plain (relaxed) store, no locked RMW. */
		if (unlikely(pl->stop))
			break;
		__atomic_store_n(&w->heartbeat, w->heartbeat + 1, __ATOMIC_RELAXED);
		if (unlikely(__atomic_load_n(&w->stall_requested, __ATOMIC_RELAXED))) {
			stall(w);
			continue;
		}
		{
			struct inline_swap *s = __atomic_load_n(&w->pending, __ATOMIC_ACQUIRE);

			if (unlikely(s != NULL))
				apply_pending(w, s);
		}
		if (pl->qsbr)
			rte_rcu_qsbr_quiescent(pl->qsbr, w->index);
		if (rss) {
			/* Handover protocol with the watchdog (inline.c): the
			 * queues are ours only between an odd poll_seq and the
			 * next even one, and only if `failed` is still clear
			 * after we went odd (both seq_cst, so one side always
			 * sees the other). */
			__atomic_store_n(&w->poll_seq, w->poll_seq + 1, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_SEQ_CST); /* store before the load below */
			if (unlikely(__atomic_load_n(&w->failed, __ATOMIC_RELAXED))) {
				__atomic_store_n(&w->poll_seq, w->poll_seq + 1, __ATOMIC_RELEASE);
				wait_while_failed(w);
				continue;
			}
		}
		if (pl->stop || (pl->stop_rx && (rss || (__atomic_load_n(&pl->distributor->rx_stopped,
									  __ATOMIC_ACQUIRE) &&
						      rte_ring_empty(w->rx_ring))))) {
			if (rss)
				__atomic_store_n(&w->poll_seq, w->poll_seq + 1, __ATOMIC_RELEASE);
			break;
		}
		n = take_burst(w, &next_port, &in_port);
		if (n == 0) {
			if (rss)
				__atomic_store_n(&w->poll_seq, w->poll_seq + 1, __ATOMIC_RELEASE);
			inline_idle_backoff(pl, ++empty_polls);
			continue;
		}
		empty_polls = 0;
		w->c.rx += n;
		engine = __atomic_load_n(&w->engine, __ATOMIC_ACQUIRE);
		if (unlikely(!engine))
			bypass_burst(w, n, in_port, INLINE_DROP_NO_RULES);
		else if (unlikely(rss && pl->pools_low))
			bypass_burst(w, n, in_port, INLINE_DROP_MBUF_LOW);
		else
			process_burst(w, engine, n, in_port);
		flush(w);
		if (rss)
			__atomic_store_n(&w->poll_seq, w->poll_seq + 1, __ATOMIC_RELEASE);
	}
	flush(w);
	if (pl->qsbr)
		rte_rcu_qsbr_thread_offline(pl->qsbr, w->index);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return 0;
}
