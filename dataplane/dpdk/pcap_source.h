/*
 * pcap_source.h - what offline mode needs to know about a capture before
 * net_pcap reads it.
 *
 * Contract: net_pcap hands over raw frames with no link type and gives no
 * end-of-file signal. pcap_source_probe() reads the capture once with
 * libpcap: the link type (mapped to enum link_type) and the number of
 * packets the PMD will deliver, so the poll loop knows when it is done.
 *
 * Thread rules: main thread, start-up only.
 */
#ifndef RAMPART_DPDK_PCAP_SOURCE_H
#define RAMPART_DPDK_PCAP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pcap_source_info {
	int dlt;              /* pcap_datalink() of the file */
	uint8_t link;         /* enum link_type (LINK_UNSUPPORTED if unknown) */
	uint64_t packets;     /* packets libpcap reads before EOF or a read error */
	uint64_t bytes;       /* captured bytes of those packets */
	bool read_error;      /* the file ends in a truncated/corrupt record */
	char read_error_msg[256];
};

/* Map a pcap DLT / LINKTYPE value to enum link_type. */
uint8_t pcap_source_link_type(int dlt);

/*
 * Probe the capture at path. Returns 0, or -1 with "PATH: reason" in err
 * (missing, unreadable, not a capture).
 */
int pcap_source_probe(const char *path, struct pcap_source_info *info, char *err, size_t errlen);

#endif /* RAMPART_DPDK_PCAP_SOURCE_H */
