/*
 * alert_record.h - the fixed record a worker hands to the output side.
 *
 * Contract: a worker fills one struct alert_record per alert (or drop event)
 * from the packet, its flow and the matching rule, and pushes it into its own
 * single-producer/single-consumer alert ring (alert_ring.h). It formats
 * nothing: turning records into EVE JSON, syslog or Redis is the writer's job,
 * off the worker core. The record names its rule by index into the rule set
 * the worker was running (`ruleset` is an opaque pointer to the
 * sig_ruleset that stays alive until the writer has drained every record that
 * names it).
 *
 * The record is self-contained (no pointer into packet memory), so the packet
 * buffer may be recycled as soon as the record is pushed.
 */
#ifndef RAMPART_ALERT_RECORD_H
#define RAMPART_ALERT_RECORD_H

#include <stdint.h>

#include "dataplane/engine/packet.h"

enum alert_record_kind {
	ALERT_RECORD_ALERT = 0, /* EVE event_type "alert" */
	ALERT_RECORD_DROP,      /* EVE event_type "drop" (IPS: packet dropped) */
	ALERT_RECORD_FIREWALL,  /* a logged firewall decision (first packet of a flow):
	                           EVE "drop" when blocked, else "firewall" */
};

/* alert_record.action of an ALERT_RECORD_FIREWALL (same values as the
 * config's enum fw_action). */
enum alert_fw_action { ALERT_FW_ALLOW = 0, ALERT_FW_DENY, ALERT_FW_REJECT };

/* Bytes of payload kept with a record for EVE's optional payload field. */
#define ALERT_RECORD_PAYLOAD_MAX 0

struct alert_record {
	uint64_t ts_usec;        /* packet timestamp */
	uint64_t pcap_cnt;       /* 1-based index in capture; 0: omit */
	uint64_t flow_id;        /* 0: no flow, omit */
	const void *ruleset;     /* struct sig_ruleset * the rule index refers to */
	uint32_t rule_index;     /* index into ruleset->rules (alert and drop kinds) */
	const char *fw_rule;     /* firewall kind: the policy rule's name, NULL = the
	                            default action; owned by the policy, which outlives
	                            the records like the rule set does */
	struct ip_addr src, dst; /* as in the packet (alert src = packet src) */
	uint16_t sport, dport;
	uint16_t vlan_id[2];
	uint8_t  vlan_count;
	uint8_t  l3;             /* enum l3_type */
	uint8_t  ip_proto;
	uint8_t  icmp_type, icmp_code;
	uint8_t  kind;           /* enum alert_record_kind */
	uint8_t  action;         /* enum sig_action of the rule; firewall: alert_fw_action */
	uint8_t  blocked;        /* 1: the packet was dropped/rejected (IPS or --simulate-ips) */
	uint8_t  to_server;      /* direction within the flow; 0xff: unknown */
	uint8_t  app_proto;      /* 0: unknown (omit) */
	uint16_t worker;         /* worker index that produced it */
};

#endif /* RAMPART_ALERT_RECORD_H */
