/*
 * flow_table.h - the per-worker flow table: which connection a packet belongs
 * to, who is the client, and how far the TCP handshake has got.
 *
 * Contract
 *  - Owns: every struct flow of one worker, the hash index over them, the
 *    timeout lists and the flow counters. All memory is allocated (and touched)
 *    by flow_table_create(); nothing on the packet path allocates, locks or
 *    makes a system call.
 *  - Threads: a table belongs to exactly one worker thread. No function here
 *    may be called on the same table from two threads at once; tables of
 *    different workers share nothing.
 *  - Who calls it: the engine's worker loop, once per burst of decoded packets:
 *
 *        flow_table_lookup_burst(ft, pkts, n);        find or create flows
 *        for each packet p, in order:
 *            flow_table_update_packet(ft, p);         state as of this packet
 *            detect_packet(..., p, ...);              reads p->flow, p->to_server
 *        flow_table_expire(ft, flow_table_now(ft), budget);   between bursts
 *
 *    The split matters: detection must see the flow state *as of that packet*
 *    (flow_is_established() and p->to_server describe the packet updated
 *    last; a whole handshake and its first data often share one burst).
 *    flow_table_process_burst() does both steps for callers that inspect
 *    nothing in between (benchmarks, statistics-only front ends).
 *  - Lifetime of a struct flow: valid from the lookup that returned it until
 *    the release hook is called for it (timeout, eviction, TCP port reuse,
 *    flush). A flow referenced by a packet of the current burst is never
 *    evicted to make room for another packet of the same burst, and expiry
 *    must not run between lookup_burst and the last update of that burst.
 *  - Time: all timeouts run on packet time (ts_usec), so an offline capture
 *    ages flows exactly like live traffic. The table's clock is the highest
 *    timestamp seen (packets or flow_table_expire's now_usec); it never goes
 *    back, so a reordered capture cannot resurrect or prematurely kill flows.
 *    A flow expires once idle for its timeout T (by protocol and state), at
 *    most min(1 s, T/16) late (see flow_internal.h for why), never early.
 *  - Pressure: when every slot is taken, a new flow replaces the flow closest
 *    to its timeout (evicted_pressure) and the table enters emergency mode
 *    (shorter timeouts, like Suricata's) until emergency_recovery % of it is
 *    free again. When nothing may be evicted (all flows belong to the current
 *    burst) the packet gets no flow (table_full_drops).
 *
 * Keying: both directions of a connection are one flow. The key is the two
 * endpoints (address, port) in either order, the IP protocol, the address
 * family and, with vlan_tracking (default, like Suricata's
 * vlan.use-for-tracking), the VLAN ids. Special cases:
 *  - non-first IP fragments carry no L4 header: keyed with ports 0 (they share
 *    a flow with other unreassembled fragments of the same address pair);
 *  - ICMP and ICMPv6 (including error messages): addresses only, ports 0. The
 *    echo identifier is not part of the key (the packet view does not carry
 *    it), so concurrent pings between two hosts share one flow;
 *  - packets that are not IPv4/IPv6 get p->flow = NULL.
 *
 * The index is keyed with a per-table random key (NH universal hashing), so a
 * remote sender cannot aim many flows at one bucket to evict a victim flow.
 */
#ifndef RAMPART_FLOW_TABLE_H
#define RAMPART_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine/packet.h"

/* TCP tracking, as far as flow keywords need it. */
enum flow_tcp_state {
	FLOW_TCP_NONE = 0,     /* no handshake seen (or midstream pick-up disabled) */
	FLOW_TCP_SYN_SENT,     /* client's SYN seen */
	FLOW_TCP_SYN_RECV,     /* server's SYN/ACK seen */
	FLOW_TCP_ESTABLISHED,  /* handshake completed, or picked up midstream */
	FLOW_TCP_CLOSING,      /* a FIN seen in one direction */
	FLOW_TCP_CLOSED,       /* RST seen, or FIN in both directions */
};

/* struct flow.flags */
#define FLOW_ESTABLISHED   0x01u /* flow:established holds for the last packet */
#define FLOW_NO_INSPECT    0x02u /* set by detect (pass rule / bypass): skip detection */
#define FLOW_DROP          0x04u /* set by detect (IPS): drop every further packet */
#define FLOW_MIDSTREAM     0x08u /* TCP flow picked up without seeing its SYN */
#define FLOW_SEEN_TOSERVER 0x10u /* at least one packet client -> server */
#define FLOW_SEEN_TOCLIENT 0x20u /* at least one packet server -> client */
#define FLOW_FIN_TOSERVER  0x40u /* client sent FIN */
#define FLOW_FIN_TOCLIENT  0x80u /* server sent FIN */

/* struct flow.fw_decision: the firewall's verdict for the whole flow, taken
 * on its first packet (either direction) and kept for every later one until
 * the policy changes (flow.fw_generation; the engine judges it again). */
#define FLOW_FW_NONE   0u /* not classified yet */
#define FLOW_FW_ALLOW  1u
#define FLOW_FW_DENY   2u
#define FLOW_FW_REJECT 3u

/* struct flow.fw_origin: what a re-classification after a policy swap needs
 * to rebuild the view of the flow's first packet (the flow keeps its
 * addresses and ports). The port is clamped: every port id at or above the
 * mask is in no zone for the policy (FW_MAX_PORTS is far below it). */
#define FLOW_FW_ORIGIN_PORT     0x3fffu /* ingress port of the first packet */
#define FLOW_FW_ORIGIN_DROPPED  0x4000u /* FLOW_DROP was set by the firewall,
                                           not by a rule */
#define FLOW_FW_ORIGIN_TOCLIENT 0x8000u /* the first packet went server ->
                                           client (flipped with the roles) */

/* struct flow.tcp_history (internal) */
#define FLOW_TCP_WAS_ESTABLISHED 0x01u

/*
 * One flow. Two cache lines: the first holds what lookup and the per-packet
 * update touch, the second what detection and output read. Fields marked
 * "internal" belong to the flow table; everything else may be read by any
 * stage of the same worker. Only `flags` (FLOW_NO_INSPECT, FLOW_DROP),
 * `detect_slot`, `fw_decision`, `fw_generation`, `fw_origin` and
 * `payload_units` may be written outside the flow table; the table zeroes
 * them when a flow starts (or restarts).
 */
struct flow {
	/* ---- line 0: key, lookup and update ---- */
	struct ip_addr client_addr;  /* initiator (IPv4: first 4 bytes, rest zero) */
	struct ip_addr server_addr;  /* responder */
	uint16_t client_port;        /* host order; 0 for ICMP and non-first fragments */
	uint16_t server_port;
	uint16_t vlan_id[2];         /* key VLAN ids (0 when absent or not tracked) */
	uint8_t  ip_proto;
	uint8_t  l3;                 /* enum l3_type */
	uint8_t  tcp_state;          /* enum flow_tcp_state */
	uint8_t  flags;              /* FLOW_* */
	uint32_t queued_ms;          /* internal: table clock (ms, wrapping) when last queued */
	uint32_t lru_prev;           /* internal: timeout list links (slot numbers) */
	uint32_t lru_next;
	uint64_t last_ts_usec;       /* table clock at the last packet */

	/* ---- line 1: identity and counters ---- */
	uint64_t flow_id;            /* non-zero, < 2^51 like Suricata's, unique per table (EVE flow_id) */
	uint64_t first_ts_usec;      /* timestamp of the first packet */
	uint64_t pkts_toserver, pkts_toclient;
	uint64_t bytes_toserver, bytes_toclient; /* captured bytes, like Suricata */
	uint32_t detect_slot;        /* owned by detect: per-flow state index, 0 = none */
	uint16_t burst_epoch;        /* internal: last burst that referenced the flow
	                                (16 bits: only compared for equality with the
	                                current burst; a wrapped match only spares an
	                                idle flow from eviction for one burst) */
	uint16_t fw_generation;      /* owned by the engine's firewall stage: the
	                                worker's policy generation fw_decision was
	                                taken under (0 = none) */
	uint8_t  timeout_list : 4;   /* internal: which timeout list holds the flow */
	uint8_t  vlan_count : 2;     /* VLAN tags on the first packet (0..2) */
	uint8_t  tcp_history : 2;    /* internal: FLOW_TCP_WAS_* */
	uint8_t  fw_decision;        /* owned by the engine's firewall stage: FLOW_FW_* */
	uint16_t fw_origin;          /* owned by the engine's firewall stage: how the
	                                decision's first packet looked, FLOW_FW_ORIGIN_* */
	uint16_t payload_units[2];   /* owned by the engine: payload seen per direction
	                                (0 to client, 1 to server), in the engine's
	                                inspection-depth units, saturating */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct flow) == 128, "struct flow is two cache lines");
_Static_assert(offsetof(struct flow, flow_id) == 64, "line 1 starts at flow_id");
_Static_assert(offsetof(struct flow, fw_origin) + sizeof(uint16_t) ==
		       offsetof(struct flow, payload_units),
	       "the firewall fields sit together on line 1");

/* Whether flow:established holds for the packet last given to
 * flow_table_update_packet (Suricata's FLOW_PKT_ESTABLISHED): for TCP, the
 * session was established (handshake or midstream pick-up) before this packet,
 * so the handshake's final ACK is not established and every later packet is,
 * FIN and RST included; for other protocols, both directions have been seen,
 * this packet included. */
static inline bool flow_is_established(const struct flow *f)
{
	return (f->flags & FLOW_ESTABLISHED) != 0;
}

/* Protocol classes with their own timeouts. */
enum flow_proto_class {
	FLOW_PROTO_TCP = 0,
	FLOW_PROTO_UDP,
	FLOW_PROTO_ICMP,   /* ICMP and ICMPv6 */
	FLOW_PROTO_OTHER,  /* Suricata's "default" */
	FLOW_PROTO_CLASSES
};

/* Idle timeouts in seconds (0 .. 30 days). `closed` applies to TCP only
 * (RST / both FINs). */
struct flow_timeouts {
	uint32_t new_sec;          /* not (yet) established */
	uint32_t established_sec;
	uint32_t closed_sec;
};

struct flow_table_config {
	uint32_t max_flows;            /* flows held at once (1 .. FLOW_TABLE_MAX_FLOWS) */
	bool     midstream;            /* count TCP flows first seen mid-connection as
	                                  established (Suricata stream.midstream) */
	bool     vlan_tracking;        /* VLAN ids are part of the key */
	uint8_t  emergency_recovery;   /* % of max_flows to free before leaving emergency */
	uint64_t hash_seed;            /* 0: random per table; else reproducible index layout */
	struct flow_timeouts timeouts[FLOW_PROTO_CLASSES];
	/* used while in emergency mode (after the table ran full) */
	struct flow_timeouts emergency_timeouts[FLOW_PROTO_CLASSES];
};

#define FLOW_TABLE_MAX_FLOWS   (1u << 28)
#define FLOW_TABLE_MAX_WORKERS 4096u

/* Counters of one table. Monotonic except `active` and `emergency`. */
struct flow_table_stats {
	uint64_t lookups;            /* IP packets looked up */
	uint64_t hits;               /* found an existing flow */
	uint64_t created;
	uint64_t no_flow_non_ip;     /* packets with no IP layer: p->flow = NULL */
	uint64_t fragments_keyed;    /* non-first fragments keyed with ports 0 */
	uint64_t evicted_timeout;    /* freed by flow_table_expire */
	uint64_t evicted_pressure;   /* freed early because the table or index was full */
	uint64_t evicted_index_full; /* of evicted_pressure: both index buckets full */
	uint64_t table_full_drops;   /* no flow could be made: p->flow = NULL */
	uint64_t flushed;            /* freed by flow_table_flush */
	uint64_t tcp_syn;            /* flows started by a SYN */
	uint64_t tcp_synack_first;   /* flows started by a SYN/ACK (roles swapped) */
	uint64_t tcp_established;    /* handshakes completed (incl. midstream) */
	uint64_t tcp_midstream;      /* flows picked up midstream (midstream on) */
	uint64_t tcp_not_tracked;    /* flows first seen midstream with midstream off */
	uint64_t tcp_rst;            /* flows closed by RST */
	uint64_t tcp_fin_closed;     /* flows closed by FIN in both directions */
	uint64_t tcp_reuse;          /* closed flow restarted by a new SYN (new flow id) */
	uint64_t emergency_entered;  /* times the table entered emergency mode */
	uint64_t active;             /* flows held now */
	uint64_t emergency;          /* 1 while in emergency mode */
};

struct flow_table;

/* Suricata's defaults (flow-timeouts in suricata.yaml: tcp 60/600/60, udp and
 * icmp 30/300, default 30/300/0; emergency tcp 5/100/10, others 10/100/0),
 * midstream off, VLAN tracking on, emergency recovery 30 %, 262144 flows. */
void flow_table_config_defaults(struct flow_table_config *cfg);

/* Checks a configuration; on error writes one line naming the field to err. */
bool flow_table_config_check(const struct flow_table_config *cfg, char *err, size_t errlen);

/* Allocates and touches all memory for cfg->max_flows flows. worker_index
 * (< FLOW_TABLE_MAX_WORKERS) is mixed into every flow id, so ids of different
 * workers never collide. Returns NULL with errno EINVAL (bad config: see
 * flow_table_config_check) or ENOMEM. */
struct flow_table *flow_table_create(const struct flow_table_config *cfg, uint16_t worker_index);

/* Frees the table without calling the release hook (call flow_table_flush first
 * if per-flow state elsewhere must be released). NULL is a no-op. */
void flow_table_free(struct flow_table *ft);

/* Called for every flow leaving the table (timeout, eviction, reuse, flush),
 * before its slot is reused; the detect engine frees its per-flow state here. */
typedef void (*flow_release_fn)(void *ctx, struct flow *f);
void flow_table_set_release_hook(struct flow_table *ft, flow_release_fn fn, void *ctx);

/* Step 1 of a burst: for each decoded packet find or create its flow (index
 * lines prefetched ahead), set p->flow (NULL: not IP, or no room) and a
 * provisional p->to_server. Advances the table clock. Any n is accepted. */
void flow_table_lookup_burst(struct flow_table *ft, struct packet **pkts, uint16_t n);

/* Step 2, per packet in capture order: counters, TCP state, established flag,
 * the final p->to_server. May replace the flow in place (TCP port reuse: same
 * struct flow, new flow id, release hook called for the old one). No-op when
 * p->flow is NULL. */
void flow_table_update_packet(struct flow_table *ft, struct packet *p);

/* Both steps for a whole burst (detection then sees end-of-burst state). */
void flow_table_process_burst(struct flow_table *ft, struct packet **pkts, uint16_t n);

/* Frees flows idle past their timeout as of now_usec (which also advances the
 * table clock). Examines at most about max_work flows, oldest first; calls the
 * release hook for each. Returns the number freed. */
uint32_t flow_table_expire(struct flow_table *ft, uint64_t now_usec, uint32_t max_work);

/* Releases every flow (end of run). */
void flow_table_flush(struct flow_table *ft);

/* Calls fn for every flow held, oldest activity first within each timeout
 * list. fn must not call back into the table. */
void flow_table_foreach(struct flow_table *ft, void (*fn)(void *ctx, struct flow *f), void *ctx);

/* The table clock: highest packet (or expire) time seen, microseconds. */
uint64_t flow_table_now(const struct flow_table *ft);

/* Total bytes the table allocated divided by max_flows, rounded up (flows,
 * index and table header). */
size_t flow_table_bytes_per_flow(const struct flow_table *ft);
size_t flow_table_memory_bytes(const struct flow_table *ft);
uint32_t flow_table_max_flows(const struct flow_table *ft);

const struct flow_table_stats *flow_table_stats(const struct flow_table *ft);

/* Calls fn once per counter of st, in declaration order, with its snake_case
 * name (the field name): for --stats JSON and metrics exporters. */
void flow_table_stats_visit(const struct flow_table_stats *st,
			    void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);

/* Verifies the internal invariants (index, timeout lists, free list agree);
 * on failure writes what is wrong to err. O(max_flows): tests and fuzzers. */
bool flow_table_check(const struct flow_table *ft, char *err, size_t errlen);

/* Name of a TCP state ("none", "syn_sent", ... "closed") for logs and stats. */
const char *flow_tcp_state_name(uint8_t state);

#endif /* RAMPART_FLOW_TABLE_H */
