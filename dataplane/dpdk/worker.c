/*
 * worker.c - the poll loop (see worker.h), in the shape of DPDK's
 * examples/l3fwd: one burst in, one pass of the engine, one burst out.
 */
#include "dataplane/dpdk/worker.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dataplane/engine/engine.h"
#include "dataplane/engine/packet.h"
#include "dataplane/dpdk/mbuf_view.h"

/* Empty polls between two looks at the port counters (offline). */
#define WORKER_STATS_POLL_EVERY 64u

struct worker_loop {
	struct worker_loop_config cfg;
	int ts_offset;          /* RX timestamp dynfield, -1 if none */
	uint64_t ts_flag;
	uint64_t last_ts_usec;
	uint64_t pcap_cnt;      /* packets delivered so far (arrival order) */
	struct rte_mbuf *mbufs[WORKER_RX_BURST];
	struct packet pkts[WORKER_RX_BURST];
	uint8_t *scratch;       /* WORKER_RX_BURST slots of WORKER_SCRATCH_BYTES */
};

struct worker_loop *worker_loop_new(const struct worker_loop_config *cfg)
{
	struct worker_loop *l;

	if (!cfg->engine || cfg->n_queues == 0 || cfg->n_queues > WORKER_MAX_QUEUES)
		return NULL;
	l = rte_zmalloc("worker_loop", sizeof(*l), RTE_CACHE_LINE_SIZE);
	if (!l)
		return NULL;
	l->cfg = *cfg;
	l->scratch = rte_malloc("worker_scratch", (size_t)WORKER_RX_BURST * WORKER_SCRATCH_BYTES,
				RTE_CACHE_LINE_SIZE);
	if (!l->scratch) {
		rte_free(l);
		return NULL;
	}
	l->ts_offset = -1;
	/* Registered by the PMD when the timestamp offload is on; looking
	 * it up here (register is idempotent) gives the same offset. */
	if (rte_mbuf_dyn_rx_timestamp_register(&l->ts_offset, &l->ts_flag) != 0)
		l->ts_offset = -1;
	return l;
}

void worker_loop_free(struct worker_loop *l)
{
	if (!l)
		return;
	rte_free(l->scratch);
	rte_free(l);
}

/* Fill the packet view of mbuf m (slot i of the burst). */
static void fill_packet(struct worker_loop *l, struct worker_loop_result *res, uint16_t i,
			const struct worker_queue *q)
{
	struct rte_mbuf *m = l->mbufs[i];
	struct packet *p = &l->pkts[i];
	bool linearized, cut;

	mbuf_view_fill(p, m, l->scratch + (size_t)i * WORKER_SCRATCH_BYTES, &linearized, &cut);
	res->linearized += linearized;
	res->truncated += cut;
	if (l->ts_offset >= 0 && (m->ol_flags & l->ts_flag)) {
		uint64_t ts = *RTE_MBUF_DYNFIELD(m, l->ts_offset, rte_mbuf_timestamp_t *);

		l->last_ts_usec = ts;
	} else {
		res->no_timestamp++;
	}
	p->ts_usec = l->last_ts_usec;
	p->pcap_cnt = ++l->pcap_cnt;
	p->link = q->link;
}

/* Offline: is every packet of the capture received or counted lost? */
static bool offline_done(struct worker_loop *l, struct worker_loop_result *res)
{
	struct rte_eth_stats st;
	uint64_t lost = 0;

	if (res->received >= l->cfg.expected_packets)
		return true;
	for (uint16_t qi = 0; qi < l->cfg.n_queues; qi++) {
		if (rte_eth_stats_get(l->cfg.queues[qi].rx_port, &st) == 0)
			lost += st.rx_nombuf + st.imissed + st.ierrors;
	}
	return res->received + lost >= l->cfg.expected_packets;
}

static void read_port_counters(struct worker_loop *l, struct worker_loop_result *res)
{
	struct rte_eth_stats st;

	res->rx_nombuf = res->imissed = res->ierrors = 0;
	for (uint16_t qi = 0; qi < l->cfg.n_queues; qi++) {
		if (rte_eth_stats_get(l->cfg.queues[qi].rx_port, &st) != 0)
			continue;
		res->rx_nombuf += st.rx_nombuf;
		res->imissed += st.imissed;
		res->ierrors += st.ierrors;
	}
}

int worker_loop_run(struct worker_loop *l, struct worker_loop_result *res)
{
	const uint64_t hz = rte_get_timer_hz();
	const uint64_t idle_limit = hz / 1000 * (l->cfg.idle_timeout_ms ? l->cfg.idle_timeout_ms : 5000);
	uint64_t last_progress = rte_get_timer_cycles();
	uint32_t empty_polls = 0;

	memset(res, 0, sizeof(*res));
	if (l->cfg.expected_packets == 0)
		goto done;
	while (!*l->cfg.stop) {
		bool any = false;

		for (uint16_t qi = 0; qi < l->cfg.n_queues; qi++) {
			const struct worker_queue *q = &l->cfg.queues[qi];
			uint16_t n = rte_eth_rx_burst(q->rx_port, q->rx_queue, l->mbufs, WORKER_RX_BURST);

			if (n == 0)
				continue;
			any = true;
			for (uint16_t i = 0; i < n; i++)
				fill_packet(l, res, i, q);
			/* One TSC read pair per burst (not per packet): it separates
			 * the engine's per-core cost from the port's (net_pcap's
			 * file reads dominate offline wall time). */
			uint64_t t0 = rte_rdtsc();
			engine_process_burst(l->cfg.engine, l->pkts, n);
			res->engine_cycles += rte_rdtsc() - t0;
			rte_pktmbuf_free_bulk(l->mbufs, n);
			res->received += n;
		}
		if (any) {
			last_progress = rte_get_timer_cycles();
			empty_polls = 0;
			if (res->received >= l->cfg.expected_packets)
				break;
			continue;
		}
		if (++empty_polls % WORKER_STATS_POLL_EVERY == 0) {
			if (offline_done(l, res))
				break;
			if (rte_get_timer_cycles() - last_progress > idle_limit) {
				res->stopped_by_timeout = true;
				break;
			}
		}
	}
	if (*l->cfg.stop)
		res->stopped_by_signal = true;
done:
	read_port_counters(l, res);
	if (!res->stopped_by_signal) {
		uint64_t explained = res->received + res->rx_nombuf + res->imissed + res->ierrors;

		if (explained < l->cfg.expected_packets)
			res->unaccounted = l->cfg.expected_packets - explained;
	}
	return 0;
}
