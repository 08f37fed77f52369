/*
 * distributor.h - the software distributor: one I/O lcore between the ports
 * and the workers, for ports without symmetric RSS (veth through
 * net_af_packet / net_af_xdp, net_pcap, single-queue NICs).
 *
 * Contract: distributor_main() runs on its own lcore. Each pass it
 *   - polls RX queue 0 of every port in bursts, hashes every frame with
 *     flow_dist_hash() (both directions of a flow -> one worker) and
 *     enqueues it on that worker's RX ring, one enqueue per worker per
 *     burst;
 *   - dequeues every worker's TX ring and transmits, one TX burst per port.
 * It is also where the software mode applies the failure policy before a
 * worker ever sees a packet: a frame whose worker the watchdog marked
 * failed, whose worker's ring is full, or that arrives while the packet
 * pools are below low water is forwarded uninspected (fail-open) or
 * dropped and counted (fail-closed).
 *
 * Stop: when plane->stop_rx is set it stops polling the ports, sets
 * rx_stopped, and keeps draining the TX rings until plane->stop.
 *
 * Thread rules: one distributor per plane; its counters are read by the
 * control thread after it returned.
 */
#ifndef RAMPART_DPDK_DISTRIBUTOR_H
#define RAMPART_DPDK_DISTRIBUTOR_H

#include <stdint.h>

#include "dataplane/dpdk/inline_worker.h"

struct inline_distributor {
	const struct inline_plane *plane;
	uint64_t heartbeat;           /* +1 per pass */
	uint8_t rx_stopped;           /* set once stop_rx was seen: no more enqueues */
	uint8_t done;
	struct inline_counters c;     /* rx: frames from the ports; tx: frames sent;
	                                 uninspected / drops: its fail paths */
	uint64_t dispatched[INLINE_MAX_WORKERS]; /* frames enqueued per worker */
	struct rte_mbuf *rx[INLINE_BURST];
	struct rte_mbuf *to_worker[INLINE_MAX_WORKERS][INLINE_BURST];
	uint16_t to_worker_n[INLINE_MAX_WORKERS];
	struct rte_mbuf *tx[RTE_MAX_ETHPORTS][INLINE_TX_CAP];
	uint16_t tx_n[RTE_MAX_ETHPORTS];
};

struct inline_distributor *distributor_new(const struct inline_plane *plane);
void distributor_free(struct inline_distributor *d);

/* lcore entry point: arg is the struct inline_distributor. Returns 0. */
int distributor_main(void *arg);

#endif /* RAMPART_DPDK_DISTRIBUTOR_H */
