/*
 * distributor.c - the software distributor lcore (see distributor.h).
 */
#include "dataplane/dpdk/distributor.h"

#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dpdk/flow_dist.h"

struct inline_distributor *distributor_new(const struct inline_plane *plane)
{
	struct inline_distributor *d = rte_zmalloc("distributor", sizeof(*d), RTE_CACHE_LINE_SIZE);

	if (d)
		d->plane = plane;
	return d;
}

void distributor_free(struct inline_distributor *d)
{
	rte_free(d);
}

/* Queue m for transmission on `port` (flushed once per pass). */
static inline void queue_tx(struct inline_distributor *d, struct rte_mbuf *m, uint16_t port)
{
	if (unlikely(d->tx_n[port] == INLINE_TX_CAP)) {
		inline_tx_burst(port, 0, d->tx[port], d->tx_n[port], d->plane->fail_mode, &d->c);
		d->tx_n[port] = 0;
	}
	d->tx[port][d->tx_n[port]++] = m;
}

/* A frame the workers will not see: forward it uninspected or drop it. */
static inline void fail_path(struct inline_distributor *d, struct rte_mbuf *m,
			     enum inline_drop_reason reason)
{
	if (d->plane->fail_mode == INLINE_FAIL_OPEN) {
		d->c.uninspected++;
		queue_tx(d, m, d->plane->peer[m->port]);
	} else {
		d->c.drops[reason]++;
		rte_pktmbuf_free(m);
	}
}

static void dispatch(struct inline_distributor *d, uint16_t n, bool pools_low)
{
	const struct inline_plane *pl = d->plane;
	uint64_t failed = 0;

	/* The watchdog's verdicts, read once per burst, not per packet. */
	for (uint16_t wi = 0; wi < pl->n_workers; wi++)
		if (__atomic_load_n(&pl->workers[wi]->failed, __ATOMIC_RELAXED))
			failed |= 1ull << wi;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = d->rx[i];
		uint32_t wi;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(d->rx[i + 1], void *));
		if (unlikely(pools_low)) {
			fail_path(d, m, INLINE_DROP_MBUF_LOW);
			continue;
		}
		wi = flow_dist_hash(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len) %
		     pl->n_workers;
		if (unlikely(failed & (1ull << wi))) {
			fail_path(d, m, INLINE_DROP_WORKER_STALLED);
			continue;
		}
		d->to_worker[wi][d->to_worker_n[wi]++] = m;
	}
	for (uint16_t wi = 0; wi < pl->n_workers; wi++) {
		unsigned k = d->to_worker_n[wi], sent;

		if (k == 0)
			continue;
		sent = rte_ring_enqueue_burst(pl->workers[wi]->rx_ring, (void **)d->to_worker[wi], k,
					      NULL);
		d->dispatched[wi] += sent;
		for (unsigned j = sent; j < k; j++)
			fail_path(d, d->to_worker[wi][j], INLINE_DROP_WORKER_RING_FULL);
		d->to_worker_n[wi] = 0;
	}
}

/* Worker TX rings -> per-port batches. Returns frames taken. */
static unsigned drain_tx_rings(struct inline_distributor *d)
{
	const struct inline_plane *pl = d->plane;
	struct rte_mbuf *buf[INLINE_BURST];
	unsigned total = 0;

	for (uint16_t wi = 0; wi < pl->n_workers; wi++) {
		unsigned n = rte_ring_dequeue_burst(pl->workers[wi]->tx_ring, (void **)buf,
						    INLINE_BURST, NULL);

		for (unsigned j = 0; j < n; j++)
			queue_tx(d, buf[j], buf[j]->port);
		total += n;
	}
	return total;
}

static void flush_tx(struct inline_distributor *d)
{
	const struct inline_plane *pl = d->plane;

	for (uint16_t i = 0; i < pl->n_ports; i++) {
		uint16_t port = pl->ports[i];

		if (d->tx_n[port] == 0)
			continue;
		inline_tx_burst(port, 0, d->tx[port], d->tx_n[port], pl->fail_mode, &d->c);
		d->tx_n[port] = 0;
	}
}

int distributor_main(void *arg)
{
	struct inline_distributor *d = arg;
	const struct inline_plane *pl = d->plane;
	uint32_t empty_polls = 0;

	while (!pl->stop) {
		unsigned work = 0;

		__atomic_fetch_add(&d->heartbeat, 1, __ATOMIC_RELAXED);
		if (pl->stop_rx && !d->rx_stopped)
			__atomic_store_n(&d->rx_stopped, 1, __ATOMIC_RELEASE);
		if (!d->rx_stopped) {
			const bool pools_low = pl->pools_low;

			for (uint16_t i = 0; i < pl->n_ports; i++) {
				uint16_t n = rte_eth_rx_burst(pl->ports[i], 0, d->rx, INLINE_BURST);

				if (n == 0)
					continue;
				d->c.rx += n;
				work += n;
				dispatch(d, n, pools_low);
			}
		}
		work += drain_tx_rings(d);
		flush_tx(d);
		if (work) {
			empty_polls = 0;
		} else {
			inline_idle_backoff(pl, ++empty_polls);
		}
	}
	/* Whatever the workers finished before they stopped still goes out. */
	while (drain_tx_rings(d))
		flush_tx(d);
	flush_tx(d);
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
	return 0;
}
