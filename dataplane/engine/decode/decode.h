/*
 * decode.h - the packet decoder: link layer (with NSH), IPv4/IPv6, TCP/UDP/ICMP/SCTP.
 *
 * Contract: decode_packet() reads p->data / p->len according to p->link and
 * fills the "decoded" part of struct packet (see packet.h). It never reads
 * outside [data, data + len), never allocates, never locks and makes no
 * system call: it is per-packet hot-path code.
 *
 * Callers: the engine glue, once per packet, on the worker that owns the
 * packet; pcap tools, unit tests and fuzzers likewise. Thread rules: a
 * struct decode_counters belongs to exactly one worker (no atomics); sum them
 * with decode_counters_add() off the hot path. struct decode_config is
 * read-only while workers run.
 *
 * Events: every malformed case has a named event (enum decode_event) and a
 * counter in decode_counters.events[]; every event raised is counted, the
 * packet keeps one (see below the enum) and decode_packet() returns it.
 * Malformed events stop decoding at the layer that raised them and set
 * PKT_DECODE_ERROR; anomalies are counted and decoding goes on. Either way
 * the fields that could be decoded are filled, so later stages can still log
 * addresses. DECODE_UNSUPPORTED_* are not errors: the packet is fine, the
 * decoder just has nothing to say about its contents (ARP, LLDP, an unknown
 * link type).
 *
 * Checksums are verified (when configured) only on complete packets: never
 * on fragments or truncated packets. A bad checksum sets a flag and a
 * counter; the decoder never drops.
 */
#ifndef RAMPART_DECODE_H
#define RAMPART_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/engine/packet.h"

/*
 * Events come in three kinds (see decode_event_is_malformed()):
 *  - unsupported: DECODE_UNSUPPORTED_*, not errors;
 *  - malformed: the packet is invalid from that layer up; PKT_DECODE_ERROR
 *    is set and decoders/counters treat it like Suricata's "invalid";
 *  - anomalies (marked "anomaly" below): legal but suspicious; counted and
 *    recorded, decoding goes on, PKT_DECODE_ERROR is not set.
 * p->decode_event keeps the first malformed event if there is one, else the
 * first other event. decode_event_suricata_name() gives Suricata's name for
 * the condition (for decode-event: rules and stats), where it has one.
 */
enum decode_event {
	DECODE_OK = 0,
	/* not errors: counted, nothing more to decode */
	DECODE_UNSUPPORTED_LINK,       /* p->link is not a link type we decode */
	DECODE_UNSUPPORTED_ETHERTYPE,  /* ARP, LLDP, 802.3 length, unknown SLL protocol or NULL family, PPP control */
	/* link layer */
	DECODE_ETH_TRUNCATED,          /* fewer than 14 bytes */
	DECODE_VLAN_TRUNCATED,         /* 802.1Q / QinQ tag cut short */
	DECODE_VLAN_TOO_MANY,          /* more than DECODE_MAX_VLAN_TAGS tags */
	DECODE_SLL_TRUNCATED,          /* fewer than 16 bytes */
	DECODE_SLL2_TRUNCATED,         /* fewer than 20 bytes */
	DECODE_NULL_TRUNCATED,         /* fewer than 4 bytes */
	DECODE_RAW_TRUNCATED,          /* raw IP packet with no byte at all */
	DECODE_RAW_BAD_VERSION,        /* raw IP packet whose version nibble is neither 4 nor 6 */
	DECODE_PPPOE_TRUNCATED,        /* PPPoE session header or PPP protocol cut short */
	DECODE_PPPOE_MALFORMED,        /* bad version/type, non-zero code, length too short */
	DECODE_NSH_TRUNCATED,          /* NSH (RFC 8300) base header or its stated length cut short */
	DECODE_NSH_BAD_HEADER_LENGTH,  /* NSH length below 8 bytes, or not 24 for MD type 1 */
	DECODE_NSH_UNSUPPORTED_VERSION, /* anomaly: NSH version other than 0; not decoded further */
	DECODE_NSH_RESERVED_TYPE,      /* anomaly: MD type 0 or 0xf; not decoded further */
	DECODE_NSH_UNSUPPORTED_TYPE,   /* anomaly: MD type other than 1 or 2; not decoded further */
	DECODE_NSH_UNKNOWN_PAYLOAD,    /* anomaly: next protocol not IPv4, IPv6 or Ethernet */
	/* IPv4 */
	DECODE_IPV4_PKT_TOO_SMALL,     /* fewer than 20 bytes */
	DECODE_IPV4_TRUNCATED,         /* header or total length beyond the captured bytes */
	DECODE_IPV4_BAD_VERSION,
	DECODE_IPV4_BAD_IHL,           /* IHL < 5 */
	DECODE_IPV4_BAD_TOTAL_LEN,     /* total length < header length */
	DECODE_IPV4_OPT_INVALID_LEN,   /* option length < 2, past the header, or wrong for its type */
	DECODE_IPV4_OPT_MALFORMED,     /* route/timestamp pointer or CIPSO tags invalid */
	DECODE_IPV4_OPT_UNKNOWN,       /* anomaly: option type we do not know */
	DECODE_IPV4_OPT_DUPLICATE,     /* anomaly: the same option twice */
	DECODE_IPV4_OPT_PAD_REQUIRED,  /* anomaly: options not a multiple of 8 bytes (as Suricata) */
	DECODE_IPV4_OPT_EOL_REQUIRED,  /* anomaly: a lone byte at the end that is not EOL/NOP */
	DECODE_IPV4_FRAG_TOO_LARGE,    /* anomaly: fragment offset + length > 65535 */
	DECODE_IPV4_WITH_ICMPV6,       /* anomaly: ICMPv6 carried in IPv4 */
	/* IPv6 */
	DECODE_IPV6_PKT_TOO_SMALL,     /* fewer than 40 bytes */
	DECODE_IPV6_TRUNCATED,         /* payload length beyond the captured bytes */
	DECODE_IPV6_BAD_VERSION,
	DECODE_IPV6_EXTHDR_TRUNCATED,  /* an extension header runs past the IPv6 payload */
	DECODE_IPV6_EXTHDR_TOO_MANY,   /* chain longer than DECODE_IPV6_MAX_EXT_HDRS */
	DECODE_IPV6_EXTHDR_BAD_OPTLEN, /* hop-by-hop / destination option runs past its header */
	DECODE_IPV6_HOPOPTS_NOT_FIRST, /* anomaly: hop-by-hop header after another header */
	DECODE_IPV6_EXTHDR_DUPL_HH,    /* anomaly: second hop-by-hop header */
	DECODE_IPV6_EXTHDR_DUPL_RH,    /* anomaly: second routing header */
	DECODE_IPV6_EXTHDR_DUPL_FH,    /* anomaly: second fragment header */
	DECODE_IPV6_EXTHDR_DUPL_DH,    /* anomaly: third destination options header */
	DECODE_IPV6_EXTHDR_DUPL_AH,    /* anomaly: second authentication header */
	DECODE_IPV6_EXTHDR_USELESS_FH, /* anomaly: atomic fragment (offset 0, no more fragments) */
	DECODE_IPV6_FH_RESERVED,       /* anomaly: reserved bits of the fragment header set */
	DECODE_IPV6_AH_RESERVED,       /* anomaly: AH reserved field not zero (RFC 4302) */
	DECODE_IPV6_RH_TYPE0,          /* anomaly: deprecated routing header type 0 (RFC 5095) */
	DECODE_IPV6_HOPOPTS_UNKNOWN_OPT, /* anomaly */
	DECODE_IPV6_HOPOPTS_ONLY_PADDING, /* anomaly: covert channel? */
	DECODE_IPV6_DSTOPTS_UNKNOWN_OPT, /* anomaly */
	DECODE_IPV6_DSTOPTS_ONLY_PADDING, /* anomaly */
	DECODE_IPV6_ZERO_LEN_PADN,     /* anomaly: PadN with no padding */
	DECODE_IPV6_DATA_AFTER_NONE,   /* anomaly: bytes after "no next header" (59) */
	DECODE_IPV6_FRAG_INVALID_LEN,  /* anomaly: non-last fragment not a multiple of 8 bytes */
	DECODE_IPV6_FRAG_TOO_LARGE,    /* anomaly: fragment offset + length > 65535 */
	DECODE_IPV6_WITH_ICMPV4,       /* anomaly: ICMPv4 carried in IPv6 */
	/* L4 */
	DECODE_TCP_TRUNCATED,          /* fewer than 20 bytes of TCP header */
	DECODE_TCP_BAD_OFFSET,         /* data offset < 5 */
	DECODE_TCP_HDR_TRUNCATED,      /* data offset past the segment */
	DECODE_TCP_OPT_MALFORMED,      /* anomaly: option length invalid (ports/flags/payload decoded) */
	DECODE_TCP_OPT_DUPLICATE,      /* anomaly: an option twice */
	DECODE_UDP_TRUNCATED,          /* fewer than 8 bytes of UDP header */
	DECODE_UDP_BAD_LEN,            /* length field < 8 */
	DECODE_UDP_LEN_TOO_LARGE,      /* length field beyond the IP payload */
	DECODE_ICMPV4_TRUNCATED,       /* fewer than 8 bytes */
	DECODE_ICMPV4_UNKNOWN_TYPE,    /* anomaly */
	DECODE_ICMPV4_UNKNOWN_CODE,    /* anomaly */
	DECODE_ICMPV4_INNER_TRUNCATED, /* error message quoting less than an IPv4 header */
	DECODE_ICMPV4_INNER_BAD_VERSION, /* error message quoting a non-IPv4 header */
	DECODE_ICMPV6_TRUNCATED,       /* fewer than 8 bytes */
	DECODE_ICMPV6_UNKNOWN_TYPE,    /* anomaly: type 0 or 127 */
	DECODE_ICMPV6_UNKNOWN_CODE,    /* anomaly */
	DECODE_ICMPV6_UNASSIGNED_TYPE, /* anomaly: type unassigned by IANA */
	DECODE_ICMPV6_EXPERIMENTATION_TYPE, /* anomaly: private experimentation type */
	DECODE_ICMPV6_MLD_BAD_HOP_LIMIT, /* anomaly: MLD message with hop limit other than 1 */
	DECODE_ICMPV6_INNER_TRUNCATED, /* error message quoting less than an IPv6 header */
	DECODE_ICMPV6_INNER_BAD_VERSION, /* error message quoting a non-IPv6 header */
	DECODE_SCTP_TRUNCATED,         /* fewer than 12 bytes of SCTP common header */
	DECODE_EVENT__COUNT
};

/* VLAN tags decoded (as Suricata); packet.h records the outer 2. */
#define DECODE_MAX_VLAN_TAGS 3

/* Longest IPv6 extension header chain decoded. With at most 2048 bytes per
 * header this also keeps every offset well inside packet.h's 16-bit fields. */
#define DECODE_IPV6_MAX_EXT_HDRS 8

/* Per-worker counters. Plain integers: one writer, read by the stats code. */
struct decode_counters {
	uint64_t packets, bytes;       /* every packet handed to decode_packet() */
	uint64_t invalid;              /* packets with PKT_DECODE_ERROR (Suricata's decoder.invalid) */
	/* Per layer, as Suricata's decoder.* counters: packets that reached the
	 * layer's decoder, valid or not. */
	uint64_t ethernet, sll, sll2, null_loop, raw;
	uint64_t vlan;                 /* packets with at least one VLAN tag */
	uint64_t pppoe;
	uint64_t nsh;                  /* packets with a Network Service Header (Suricata's decoder.nsh) */
	uint64_t ipv4, ipv6;
	uint64_t ipv4_options, ipv6_ext_hdrs;
	uint64_t fragments;            /* IPv4 or IPv6 fragments (first or not) */
	uint64_t tcp, udp, icmpv4, icmpv6, sctp;
	uint64_t ip_other;             /* IP payload of another protocol (GRE, ESP, ...) */
	uint64_t ipv4_csum_bad, tcp_csum_bad, udp_csum_bad, icmp_csum_bad;
	uint64_t events[DECODE_EVENT__COUNT];
};

struct decode_config {
	bool verify_checksums;   /* verify IPv4/TCP/UDP/ICMP checksums and count bad ones (never drops) */
};

/* The defaults: verify checksums. */
#define DECODE_CONFIG_DEFAULT ((struct decode_config){ .verify_checksums = true })

/*
 * Decodes p->data / p->len as link type p->link, fills the decoded fields of
 * p (every one of them is reset first) and counts into *c (required).
 * cfg may be NULL for the defaults. Returns p->decode_event (see above the
 * enum), DECODE_OK when no event was raised.
 *
 * p->payload (Suricata's packet payload): TCP data after the options; UDP
 * data up to the UDP length; SCTP chunks; ICMPv4 data after 8 bytes; ICMPv6
 * data after 8 bytes for echo and error messages and after 4 bytes for the
 * rest, as Suricata; for non-first fragments, ESP and other protocols, the
 * whole IP payload. Ethernet padding is never payload: IP lengths decide.
 */
enum decode_event decode_packet(struct packet *p, const struct decode_config *cfg,
				struct decode_counters *c);

/* Stable snake_case name of an event ("ipv4_bad_ihl"); "unknown" when out of range. */
const char *decode_event_name(enum decode_event e);

/* Suricata's decode-event name for the same condition ("ipv4.trunc_pkt"),
 * NULL when Suricata has none (or for OK / UNSUPPORTED_*). */
const char *decode_event_suricata_name(enum decode_event e);

/* True for events that make the packet invalid (not for anomalies, OK or UNSUPPORTED_*). */
bool decode_event_is_malformed(enum decode_event e);

/* Adds every counter of src into dst (to sum per-worker counters). */
void decode_counters_add(struct decode_counters *dst, const struct decode_counters *src);

/* Maps a pcap link type (pcap_datalink() / the file header's network field)
 * to enum link_type; LINK_UNSUPPORTED for anything else. */
enum link_type decode_link_from_pcap(int linktype);

#endif /* RAMPART_DECODE_H */
