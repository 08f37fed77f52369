/*
 * port.c - ethdev port bring-up (see port.h).
 */
#include "dataplane/dpdk/port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

/* 0x6d5a repeated: Toeplitz over (src, dst, sport, dport) gives the same
 * hash for the swapped tuple (Woo and Park, "Scalable TCP Session
 * Monitoring with Symmetric Receive-side Scaling"). */
static uint8_t symmetric_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

#define PORT_RSS_TYPES (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

bool port_supports_symmetric_rss(uint16_t port_id, uint16_t n_queues)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port_id, &info) != 0)
		return false;
	return info.max_rx_queues >= n_queues && info.max_tx_queues >= n_queues &&
	       (info.flow_type_rss_offloads & RTE_ETH_RSS_IP) &&
	       (info.hash_key_size == 0 || info.hash_key_size == sizeof(symmetric_rss_key));
}

int port_setup(const char *dev_name, const struct port_options *opt, struct port_handle *h,
	       char *err, size_t errlen)
{
	const uint16_t n_queues = opt->n_queues ? opt->n_queues : 1;
	const bool inline_port = opt->inline_port;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	int rc;

	memset(h, 0, sizeof(*h));
	h->n_queues = n_queues;
	if (rte_eth_dev_get_port_by_name(dev_name, &h->port_id) != 0) {
		snprintf(err, errlen, "%s: no such DPDK port", dev_name);
		return -1;
	}
	rc = rte_eth_dev_info_get(h->port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot read device info: %s", dev_name, rte_strerror(-rc));
		return -1;
	}
	snprintf(pool_name, sizeof(pool_name), "pool_p%u", h->port_id);
	h->pool = rte_pktmbuf_pool_create(pool_name, opt->mbufs ? opt->mbufs : PORT_POOL_MBUFS, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (!h->pool) {
		snprintf(err, errlen, "%s: cannot create the packet pool: %s", dev_name,
			 rte_strerror(rte_errno));
		return -1;
	}

	memset(&conf, 0, sizeof(conf));
	/* Timestamps give packet time; scatter lets frames above the mbuf
	 * data room arrive as chains. Ask only for what the device has:
	 * net_pcap in 22.11 advertises neither yet always does both. */
	if (!inline_port)
		conf.rxmode.offloads = info.rx_offload_capa &
				       (RTE_ETH_RX_OFFLOAD_TIMESTAMP | RTE_ETH_RX_OFFLOAD_SCATTER);
	if (opt->rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = symmetric_rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(symmetric_rss_key);
		conf.rx_adv_conf.rss_conf.rss_hf = PORT_RSS_TYPES & info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(h->port_id, n_queues, n_queues, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "%s: configure failed: %s", dev_name, rte_strerror(-rc));
		return -1;
	}
	for (uint16_t q = 0; q < n_queues; q++) {
		rc = rte_eth_rx_queue_setup(h->port_id, q, PORT_RX_DESC,
					    rte_eth_dev_socket_id(h->port_id), NULL, h->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(h->port_id, q, PORT_TX_DESC,
						    rte_eth_dev_socket_id(h->port_id), NULL);
		if (rc != 0) {
			snprintf(err, errlen, "%s: queue %u setup failed: %s", dev_name, q,
				 rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(h->port_id);
	if (rc != 0) {
		snprintf(err, errlen, "%s: start failed: %s", dev_name, rte_strerror(-rc));
		return -1;
	}
	h->started = 1;
	if (inline_port) {
		/* -ENOTSUP: the PMD has no such knob; on a veth every frame
		 * reaches the port anyway. */
		rc = rte_eth_promiscuous_enable(h->port_id);
		if (rc != 0 && rc != -ENOTSUP)
			fprintf(stderr, "rampart-dp: warning: %s: promiscuous mode: %s\n", dev_name,
				rte_strerror(-rc));
	}
	return 0;
}

void port_teardown(struct port_handle *h)
{
	if (h->started) {
		rte_eth_dev_stop(h->port_id);
		rte_eth_dev_close(h->port_id);
		h->started = 0;
	}
	if (h->pool) {
		rte_mempool_free(h->pool);
		h->pool = NULL;
	}
}
