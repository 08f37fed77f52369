/*
 * port.h - bringing up one DPDK ethdev port for rampart-dp.
 *
 * Contract: port_setup() configures a port with n_queues RX/TX queue pairs
 * on a packet pool sized so that the PMD never runs out of mbufs while the
 * worker holds one burst per queue (offline mode must lose nothing to
 * rx_nombuf), turns on the RX timestamp and scatter offloads where the
 * device has them (offline), and starts it. An inline (bridge) port asks
 * for no offloads (packet time comes from the worker's clock) and is put in
 * promiscuous mode, since it forwards frames addressed to other hosts.
 * port_teardown() stops and closes it.
 *
 * Thread rules: main thread, after rte_eal_init().
 */
#ifndef RAMPART_DPDK_PORT_H
#define RAMPART_DPDK_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rte_mempool;

#define PORT_POOL_MBUFS 8191u   /* 2^n - 1: the mempool ring's best size */
#define PORT_RX_DESC 1024u
#define PORT_TX_DESC 1024u

struct port_handle {
	uint16_t port_id;
	uint16_t n_queues;
	struct rte_mempool *pool;
	int started;
};

/* Returns 0, or -1 with a one-line message in err. */
int port_setup(const char *dev_name, uint16_t n_queues, bool inline_port, struct port_handle *out,
	       char *err, size_t errlen);

void port_teardown(struct port_handle *h);

#endif /* RAMPART_DPDK_PORT_H */
