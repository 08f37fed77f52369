/*
 * worker.h - rampart-dp's offline poll loop: RX bursts from net_pcap ->
 * struct packet views -> engine_process_burst -> free. (Inline mode has its
 * own loops: inline_worker.h, distributor.h.)
 *
 * Contract: worker_loop_run() polls a list of (rx port, rx queue, tx port)
 * on the calling lcore until stopped. It fills packet views straight from
 * the mbufs (zero copy); a multi-segment frame is linearised into a
 * per-worker scratch slot (one 64 KB slot per burst entry, allocated by
 * worker_loop_new). Timestamps come from the RX timestamp dynamic field
 * (net_pcap writes microseconds); a frame without one gets the previous
 * frame's time, so packet time never runs backwards.
 *
 * Offline mode (one queue, a capture with a known packet count): the loop
 * ends when every packet of the file is accounted for, received or lost as
 * counted by the port (rx_nombuf, imissed, ierrors). As a safety net, a
 * loop that sees no progress for `idle_timeout_ms` stops too and counts the
 * missing packets as `unaccounted`.
 *
 * Thread rules: one loop per lcore; the stop flag may be set from any
 * thread (signal handler included).
 */
#ifndef RAMPART_DPDK_WORKER_H
#define RAMPART_DPDK_WORKER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/dpdk/mbuf_view.h"

struct engine_worker;

#define WORKER_RX_BURST 32
#define WORKER_SCRATCH_BYTES MBUF_VIEW_SCRATCH_BYTES
#define WORKER_MAX_QUEUES 16

struct worker_queue {
	uint16_t rx_port;
	uint16_t rx_queue;
	uint8_t link;       /* enum link_type of frames on this port */
};

struct worker_loop_config {
	struct engine_worker *engine;
	struct worker_queue queues[WORKER_MAX_QUEUES];
	uint16_t n_queues;
	uint64_t expected_packets;  /* offline: packets in the capture */
	uint32_t idle_timeout_ms;   /* offline: no-progress safety net */
	volatile sig_atomic_t *stop;
};

struct worker_loop_result {
	uint64_t received;       /* frames delivered by rte_eth_rx_burst */
	uint64_t linearized;     /* multi-segment frames copied to scratch */
	uint64_t truncated;      /* frames cut: above a scratch slot, or a chain
	                            shorter than its pkt_len (net_pcap, > 64 KB) */
	uint64_t no_timestamp;   /* frames without an RX timestamp */
	uint64_t rx_nombuf, imissed, ierrors; /* port counters at the end */
	uint64_t unaccounted;    /* offline: packets neither received nor counted lost */
	uint64_t engine_cycles;  /* TSC cycles inside engine_process_burst: the
	                            engine's own cost, without RX/file I/O */
	bool stopped_by_signal;
	bool stopped_by_timeout;
};

struct worker_loop;

/* Allocates the loop's scratch and packet arrays. NULL on failure. */
struct worker_loop *worker_loop_new(const struct worker_loop_config *cfg);

/* Polls until done (offline) or stopped. Returns 0. */
int worker_loop_run(struct worker_loop *l, struct worker_loop_result *res);

void worker_loop_free(struct worker_loop *l);

#endif /* RAMPART_DPDK_WORKER_H */
