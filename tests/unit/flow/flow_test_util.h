/*
 * flow_test_util.h - builds decoded packets by hand for the flow table tests
 * (the flow stage only reads decoded fields, so no wire bytes are needed).
 */
#ifndef RAMPART_FLOW_TEST_UTIL_H
#define RAMPART_FLOW_TEST_UTIL_H

#include <stdint.h>

#include "dataplane/engine/flow/flow_table.h"

#define SYN TCP_FLAG_SYN
#define ACK TCP_FLAG_ACK
#define FIN TCP_FLAG_FIN
#define RST TCP_FLAG_RST
#define PSH TCP_FLAG_PSH

#define SEC 1000000ull

/* IPv4 or IPv6 (chosen by the address text) packet; len 100 bytes. */
struct packet pkt_make(const char *src, uint16_t sport, const char *dst, uint16_t dport,
		       uint8_t ip_proto, uint8_t tcp_flags, uint64_t ts_usec);

/* IPv4 packet from numeric addresses (for bulk tests). */
struct packet pkt_make_v4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			  uint8_t ip_proto, uint8_t tcp_flags, uint64_t ts_usec);

/* Runs one packet through lookup + update; returns its flow. */
struct flow *pkt_run(struct flow_table *ft, struct packet *p);

/* A table with Suricata's default timeouts, max_flows flows, fixed hash seed. */
struct flow_table *table_new(uint32_t max_flows, bool midstream);

#endif
