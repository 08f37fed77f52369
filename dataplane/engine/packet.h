/*
 * packet.h - the engine's view of one packet.
 *
 * Contract: every front end (DPDK poll loop, pcap tools, NFQUEUE, unit tests,
 * fuzzers) fills the "input" part of a struct packet and hands it to the
 * engine. The decoder fills the "decoded" part; flow tracking and detection
 * only read it. Nothing here points at an rte_mbuf: the engine never depends
 * on DPDK's packet type, so it can be driven without a poll loop.
 *
 * Lifetime: a struct packet lives in a per-worker burst array and is reused
 * for the next burst; `data` points into the front end's buffer and is valid
 * only for the duration of the burst. No field is ever heap-allocated.
 */
#ifndef RAMPART_PACKET_H
#define RAMPART_PACKET_H

#include <stdbool.h>
#include <stdint.h>

/* How the first byte of `data` is to be read (the capture's link type). */
enum link_type {
	LINK_ETHERNET = 0, /* DLT_EN10MB */
	LINK_RAW,          /* DLT_RAW / LINKTYPE_RAW / IPV4 / IPV6: version nibble decides */
	LINK_SLL,          /* Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113) */
	LINK_SLL2,         /* Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276) */
	LINK_NULL,         /* BSD loopback (DLT_NULL, 0) and DLT_LOOP (108) */
	LINK_UNSUPPORTED,  /* counted, never decoded */
};

/* An IPv4 or IPv6 address; IPv4 is stored in the first 4 bytes, rest zero. */
struct ip_addr {
	union {
		uint8_t  u8[16];
		uint32_t u32[4];
	};
};

/* Result of decoding: what the packet is, as far as the decoder got. */
enum l3_type { L3_NONE = 0, L3_IPV4 = 4, L3_IPV6 = 6 };

/* TCP flag bits as on the wire (byte 13 of the TCP header). */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_FLAG_URG 0x20
#define TCP_FLAG_ECE 0x40
#define TCP_FLAG_CWR 0x80

/* Bits in packet.flags set by the decoder. */
#define PKT_IS_FRAGMENT     0x0001u /* IPv4 MF or offset != 0, or IPv6 fragment header */
#define PKT_FIRST_FRAGMENT  0x0002u /* fragment with offset 0: L4 header may be present */
#define PKT_IPV4_CSUM_BAD   0x0004u
#define PKT_L4_CSUM_BAD     0x0008u
#define PKT_L4_CSUM_CHECKED 0x0010u /* L4 checksum was verified (good or bad) */
#define PKT_HAS_VLAN        0x0020u
#define PKT_IPV4_OPTIONS    0x0040u
#define PKT_DECODE_ERROR    0x0080u /* a malformed case was hit: see decode_event */
#define PKT_IPV6_EXT_HDRS   0x0100u
#define PKT_ICMP_ERROR      0x0200u /* ICMP error message carrying an inner header */

/*
 * Bits in packet.ipv4_opts: the IPv4 options the decoder saw (Suricata's
 * opts_set, read by the ipopts keyword). EOL and NOP are recorded as seen;
 * a checked option (route, timestamp, security, ...) only when valid and
 * the first of its type. Options of other types set no bit.
 */
#define PKT_IPV4_OPT_EOL    0x0001u
#define PKT_IPV4_OPT_NOP    0x0002u
#define PKT_IPV4_OPT_RR     0x0004u
#define PKT_IPV4_OPT_LSRR   0x0008u
#define PKT_IPV4_OPT_SSRR   0x0010u
#define PKT_IPV4_OPT_TS     0x0020u
#define PKT_IPV4_OPT_SEC    0x0040u
#define PKT_IPV4_OPT_ESEC   0x0080u
#define PKT_IPV4_OPT_CIPSO  0x0100u
#define PKT_IPV4_OPT_SID    0x0200u
#define PKT_IPV4_OPT_QS     0x0400u
#define PKT_IPV4_OPT_RTRALT 0x0800u

/* The PKT_IPV4_OPT_* bit of an IPv4 option type, 0 for types without one. */
static inline uint16_t packet_ipv4_opt_bit(unsigned type)
{
	switch (type) {
	case 0: return PKT_IPV4_OPT_EOL;
	case 1: return PKT_IPV4_OPT_NOP;
	case 7: return PKT_IPV4_OPT_RR;
	case 131: return PKT_IPV4_OPT_LSRR;
	case 137: return PKT_IPV4_OPT_SSRR;
	case 68: return PKT_IPV4_OPT_TS;
	case 130: return PKT_IPV4_OPT_SEC;
	case 133: return PKT_IPV4_OPT_ESEC;
	case 134: return PKT_IPV4_OPT_CIPSO;
	case 136: return PKT_IPV4_OPT_SID;
	case 25: return PKT_IPV4_OPT_QS;
	case 148: return PKT_IPV4_OPT_RTRALT;
	default: return 0;
	}
}

struct packet {
	/* ---- input: filled by the front end ---- */
	const uint8_t *data;     /* first byte of the link-layer header */
	uint32_t len;            /* captured bytes at data */
	uint32_t wire_len;       /* original length on the wire (>= len) */
	uint64_t ts_usec;        /* capture/arrival time, microseconds since the epoch */
	uint64_t pcap_cnt;       /* 1-based index in the capture (offline), 0 if none */
	uint32_t rss_hash;       /* NIC's hash if known, else 0 */
	uint16_t port;           /* ingress port (DPDK port id or front-end index) */
	uint8_t  link;           /* enum link_type */

	/* ---- decoded: filled by decode_packet() ---- */
	uint8_t  l3;             /* enum l3_type */
	uint8_t  ip_proto;       /* upper-layer protocol (after IPv6 extension headers) */
	uint8_t  ttl;            /* IPv4 TTL or IPv6 hop limit */
	uint8_t  tcp_flags;      /* TCP_FLAG_* */
	uint8_t  icmp_type;
	uint8_t  icmp_code;
	uint8_t  vlan_count;     /* 0, 1 or 2 (QinQ) */
	uint16_t vlan_id[2];     /* outer first */
	uint16_t flags;          /* PKT_* */
	uint16_t decode_event;   /* enum decode_event of the first malformed case, 0 if none */
	uint16_t sport, dport;   /* host order; ICMP: 0 */
	uint16_t l3_offset;      /* offset of the IP header in data */
	uint16_t l4_offset;      /* offset of the L4 header in data (0 if none) */
	uint16_t ip_id;          /* IPv4 identification (IPv6: low 16 bits of frag id) */
	uint16_t frag_offset;    /* in bytes */
	uint32_t frag_id;        /* IPv6 fragment identification */
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_win;
	uint16_t ip_total_len;   /* IP header + payload as the IP header says (clamped to len) */
	struct ip_addr src, dst;
	const uint8_t *payload;  /* L4 payload (TCP/UDP/ICMP data); NULL if none */
	uint32_t payload_len;
	uint16_t ipv4_opts;      /* PKT_IPV4_OPT_* of the IPv4 options seen (outer header) */

	/* ---- set by later stages ---- */
	struct flow *flow;       /* flow_table_lookup result, NULL if none (e.g. not IP) */
	uint8_t  to_server;      /* 1: packet travels initiator -> responder */
	uint8_t  verdict;        /* enum packet_verdict */
};

enum packet_verdict {
	VERDICT_PASS = 0,  /* forward */
	VERDICT_DROP,      /* discard silently */
	VERDICT_REJECT,    /* discard and send RST / ICMP unreachable */
};

static inline bool packet_is_ipv4(const struct packet *p) { return p->l3 == L3_IPV4; }
static inline bool packet_is_ipv6(const struct packet *p) { return p->l3 == L3_IPV6; }

#endif /* RAMPART_PACKET_H */
