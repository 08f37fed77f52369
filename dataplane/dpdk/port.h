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
 * With rss, the port hashes IP/TCP/UDP with the key 0x6d5a repeated: a
 * Toeplitz key whose hash is the same with source and destination
 * swapped, so both directions of a flow reach the same queue (worker).
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

struct port_options {
	uint16_t n_queues;   /* RX and TX queue pairs */
	bool inline_port;    /* promiscuous, no offloads */
	bool rss;            /* spread RX over the queues with the symmetric key */
	unsigned mbufs;      /* pool size; 0: PORT_POOL_MBUFS */
};

/* Returns 0, or -1 with a one-line message in err. */
int port_setup(const char *dev_name, const struct port_options *opt, struct port_handle *out,
	       char *err, size_t errlen);

/*
 * Can this port spread `n_queues` RX queues with a symmetric RSS hash
 * (enough queues, IP/TCP/UDP hash types, a 40-byte Toeplitz key)?
 */
bool port_supports_symmetric_rss(uint16_t port_id, uint16_t n_queues);

void port_teardown(struct port_handle *h);

#endif /* RAMPART_DPDK_PORT_H */
