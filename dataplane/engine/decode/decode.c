/*
 * decode.c - entry point and link layer: Ethernet (802.1Q, QinQ, PPPoE
 * session, NSH), raw IP, Linux cooked v1/v2, BSD NULL/LOOP. Also the event
 * names and the counter helpers.
 */
#include "dataplane/engine/decode/decode.h"

#include <stddef.h>
#include <string.h>

#include "dataplane/engine/decode/decode_internal.h"

#define ETH_HDR_LEN   14
#define VLAN_TAG_LEN   4
#define SLL_HDR_LEN   16
#define SLL2_HDR_LEN  20
#define NULL_HDR_LEN   4
#define PPPOE_HDR_LEN  6
#define PPP_PROTO_LEN  2
#define NSH_BASE_LEN   8  /* base header + service path header */
#define NSH_MD1_LEN   24  /* MD type 1: base + 16 bytes of fixed context */

#define ETHERTYPE_IPV4        0x0800
#define ETHERTYPE_IPV6        0x86dd
#define ETHERTYPE_VLAN        0x8100
#define ETHERTYPE_QINQ        0x88a8
#define ETHERTYPE_QINQ_OLD    0x9100
#define ETHERTYPE_PPPOE_SESS  0x8864
#define ETHERTYPE_NSH         0x894f

/* NSH next protocol values (RFC 8300, IANA). */
#define NSH_NEXT_IPV4     1
#define NSH_NEXT_IPV6     2
#define NSH_NEXT_ETHERNET 3

#define PPP_PROTO_IPV4 0x0021
#define PPP_PROTO_IPV6 0x0057

/* BSD address families: one value for IPv4, three OS-specific ones for IPv6
 * (NetBSD/OpenBSD, FreeBSD, Darwin). */
#define BSD_AF_INET        2
#define BSD_AF_INET6_BSD  24
#define BSD_AF_INET6_FREE 28
#define BSD_AF_INET6_DARW 30

/* Per event: our stable name, Suricata's name for the same condition (NULL if
 * none) and whether it makes the packet invalid (the rest are anomalies). */
static const struct {
	const char *name;
	const char *suricata;
	bool malformed;
} event_info[DECODE_EVENT__COUNT] = {
	[DECODE_OK] = { "ok", NULL, false },
	[DECODE_UNSUPPORTED_LINK] = { "unsupported_link", NULL, false },
	[DECODE_UNSUPPORTED_ETHERTYPE] = { "unsupported_ethertype", NULL, false },
	[DECODE_ETH_TRUNCATED] = { "eth_truncated", "ethernet.pkt_too_small", true },
	[DECODE_VLAN_TRUNCATED] = { "vlan_truncated", "vlan.header_too_small", true },
	[DECODE_VLAN_TOO_MANY] = { "vlan_too_many", "vlan.too_many_layers", true },
	[DECODE_SLL_TRUNCATED] = { "sll_truncated", "sll.pkt_too_small", true },
	[DECODE_SLL2_TRUNCATED] = { "sll2_truncated", NULL, true },
	[DECODE_NULL_TRUNCATED] = { "null_truncated", "ltnull.pkt_too_small", true },
	[DECODE_RAW_TRUNCATED] = { "raw_truncated", NULL, true },
	[DECODE_RAW_BAD_VERSION] = { "raw_bad_version", "ipraw.invalid_ip_version", true },
	[DECODE_PPPOE_TRUNCATED] = { "pppoe_truncated", "pppoe.pkt_too_small", true },
	[DECODE_PPPOE_MALFORMED] = { "pppoe_malformed", "pppoe.wrong_code", true },
	[DECODE_NSH_TRUNCATED] = { "nsh_truncated", "nsh.header_too_small", true },
	[DECODE_NSH_BAD_HEADER_LENGTH] = { "nsh_bad_header_length", "nsh.bad_header_length", true },
	[DECODE_NSH_UNSUPPORTED_VERSION] = { "nsh_unsupported_version", "nsh.unsupported_version", false },
	[DECODE_NSH_RESERVED_TYPE] = { "nsh_reserved_type", "nsh.reserved_type", false },
	[DECODE_NSH_UNSUPPORTED_TYPE] = { "nsh_unsupported_type", "nsh.unsupported_type", false },
	[DECODE_NSH_UNKNOWN_PAYLOAD] = { "nsh_unknown_payload", "nsh.unknown_payload", false },
	[DECODE_IPV4_PKT_TOO_SMALL] = { "ipv4_pkt_too_small", "ipv4.pkt_too_small", true },
	[DECODE_IPV4_TRUNCATED] = { "ipv4_truncated", "ipv4.trunc_pkt", true },
	[DECODE_IPV4_BAD_VERSION] = { "ipv4_bad_version", "ipv4.wrong_ip_version", true },
	[DECODE_IPV4_BAD_IHL] = { "ipv4_bad_ihl", "ipv4.hlen_too_small", true },
	[DECODE_IPV4_BAD_TOTAL_LEN] = { "ipv4_bad_total_len", "ipv4.iplen_smaller_than_hlen", true },
	[DECODE_IPV4_OPT_INVALID_LEN] = { "ipv4_opt_invalid_len", "ipv4.opt_invalid_len", true },
	[DECODE_IPV4_OPT_MALFORMED] = { "ipv4_opt_malformed", "ipv4.opt_malformed", true },
	[DECODE_IPV4_OPT_UNKNOWN] = { "ipv4_opt_unknown", "ipv4.opt_invalid", false },
	[DECODE_IPV4_OPT_DUPLICATE] = { "ipv4_opt_duplicate", "ipv4.opt_duplicate", false },
	[DECODE_IPV4_OPT_PAD_REQUIRED] = { "ipv4_opt_pad_required", "ipv4.opt_pad_required", false },
	[DECODE_IPV4_OPT_EOL_REQUIRED] = { "ipv4_opt_eol_required", "ipv4.opt_eol_required", false },
	[DECODE_IPV4_FRAG_TOO_LARGE] = { "ipv4_frag_too_large", "ipv4.frag_pkt_too_large", false },
	[DECODE_IPV4_WITH_ICMPV6] = { "ipv4_with_icmpv6", "ipv4.icmpv6", false },
	[DECODE_IPV6_PKT_TOO_SMALL] = { "ipv6_pkt_too_small", "ipv6.pkt_too_small", true },
	[DECODE_IPV6_TRUNCATED] = { "ipv6_truncated", "ipv6.trunc_pkt", true },
	[DECODE_IPV6_BAD_VERSION] = { "ipv6_bad_version", "ipv6.wrong_ip_version", true },
	[DECODE_IPV6_EXTHDR_TRUNCATED] = { "ipv6_exthdr_truncated", "ipv6.trunc_exthdr", true },
	[DECODE_IPV6_EXTHDR_TOO_MANY] = { "ipv6_exthdr_too_many", NULL, true },
	[DECODE_IPV6_EXTHDR_BAD_OPTLEN] = { "ipv6_exthdr_bad_optlen", "ipv6.exthdr_invalid_optlen", true },
	[DECODE_IPV6_HOPOPTS_NOT_FIRST] = { "ipv6_hopopts_not_first", NULL, false },
	[DECODE_IPV6_EXTHDR_DUPL_HH] = { "ipv6_exthdr_dupl_hh", "ipv6.exthdr_dupl_hh", false },
	[DECODE_IPV6_EXTHDR_DUPL_RH] = { "ipv6_exthdr_dupl_rh", "ipv6.exthdr_dupl_rh", false },
	[DECODE_IPV6_EXTHDR_DUPL_FH] = { "ipv6_exthdr_dupl_fh", "ipv6.exthdr_dupl_fh", false },
	[DECODE_IPV6_EXTHDR_DUPL_DH] = { "ipv6_exthdr_dupl_dh", "ipv6.exthdr_dupl_dh", false },
	[DECODE_IPV6_EXTHDR_DUPL_AH] = { "ipv6_exthdr_dupl_ah", "ipv6.exthdr_dupl_ah", false },
	[DECODE_IPV6_EXTHDR_USELESS_FH] = { "ipv6_exthdr_useless_fh", "ipv6.exthdr_useless_fh", false },
	[DECODE_IPV6_FH_RESERVED] = { "ipv6_fh_reserved", "ipv6.fh_non_zero_reserved_field", false },
	[DECODE_IPV6_AH_RESERVED] = { "ipv6_ah_reserved", "ipv6.exthdr_ah_res_not_null", false },
	[DECODE_IPV6_RH_TYPE0] = { "ipv6_rh_type0", "ipv6.rh_type_0", false },
	[DECODE_IPV6_HOPOPTS_UNKNOWN_OPT] = { "ipv6_hopopts_unknown_opt", "ipv6.hopopts_unknown_opt", false },
	[DECODE_IPV6_HOPOPTS_ONLY_PADDING] = { "ipv6_hopopts_only_padding", "ipv6.hopopts_only_padding", false },
	[DECODE_IPV6_DSTOPTS_UNKNOWN_OPT] = { "ipv6_dstopts_unknown_opt", "ipv6.dstopts_unknown_opt", false },
	[DECODE_IPV6_DSTOPTS_ONLY_PADDING] = { "ipv6_dstopts_only_padding", "ipv6.dstopts_only_padding", false },
	[DECODE_IPV6_ZERO_LEN_PADN] = { "ipv6_zero_len_padn", "ipv6.zero_len_padn", false },
	[DECODE_IPV6_DATA_AFTER_NONE] = { "ipv6_data_after_none", "ipv6.data_after_none_header", false },
	[DECODE_IPV6_FRAG_INVALID_LEN] = { "ipv6_frag_invalid_len", "ipv6.frag_invalid_length", false },
	[DECODE_IPV6_FRAG_TOO_LARGE] = { "ipv6_frag_too_large", "ipv6.frag_pkt_too_large", false },
	[DECODE_IPV6_WITH_ICMPV4] = { "ipv6_with_icmpv4", "ipv6.icmpv4", false },
	[DECODE_TCP_TRUNCATED] = { "tcp_truncated", "tcp.pkt_too_small", true },
	[DECODE_TCP_BAD_OFFSET] = { "tcp_bad_offset", "tcp.invalid_optlen", true },
	[DECODE_TCP_HDR_TRUNCATED] = { "tcp_hdr_truncated", "tcp.hlen_too_small", true },
	[DECODE_TCP_OPT_MALFORMED] = { "tcp_opt_malformed", "tcp.opt_invalid_len", false },
	[DECODE_TCP_OPT_DUPLICATE] = { "tcp_opt_duplicate", "tcp.opt_duplicate", false },
	[DECODE_UDP_TRUNCATED] = { "udp_truncated", "udp.hlen_too_small", true },
	[DECODE_UDP_BAD_LEN] = { "udp_bad_len", "udp.len_invalid", true },
	[DECODE_UDP_LEN_TOO_LARGE] = { "udp_len_too_large", "udp.pkt_too_small", true },
	[DECODE_ICMPV4_TRUNCATED] = { "icmpv4_truncated", "icmpv4.pkt_too_small", true },
	[DECODE_ICMPV4_UNKNOWN_TYPE] = { "icmpv4_unknown_type", "icmpv4.unknown_type", false },
	[DECODE_ICMPV4_UNKNOWN_CODE] = { "icmpv4_unknown_code", "icmpv4.unknown_code", false },
	[DECODE_ICMPV4_INNER_TRUNCATED] = { "icmpv4_inner_truncated", "icmpv4.ipv4_trunc_pkt", true },
	[DECODE_ICMPV4_INNER_BAD_VERSION] = { "icmpv4_inner_bad_version", "icmpv4.ipv4_unknown_ver", true },
	[DECODE_ICMPV6_TRUNCATED] = { "icmpv6_truncated", "icmpv6.pkt_too_small", true },
	[DECODE_ICMPV6_UNKNOWN_TYPE] = { "icmpv6_unknown_type", "icmpv6.unknown_type", false },
	[DECODE_ICMPV6_UNKNOWN_CODE] = { "icmpv6_unknown_code", "icmpv6.unknown_code", false },
	[DECODE_ICMPV6_UNASSIGNED_TYPE] = { "icmpv6_unassigned_type", "icmpv6.unassigned_type", false },
	[DECODE_ICMPV6_EXPERIMENTATION_TYPE] = { "icmpv6_experimentation_type", "icmpv6.experimentation_type", false },
	[DECODE_ICMPV6_MLD_BAD_HOP_LIMIT] = { "icmpv6_mld_bad_hop_limit", "icmpv6.mld_message_with_invalid_hl", false },
	[DECODE_ICMPV6_INNER_TRUNCATED] = { "icmpv6_inner_truncated", "icmpv6.ipv6_trunc_pkt", true },
	[DECODE_ICMPV6_INNER_BAD_VERSION] = { "icmpv6_inner_bad_version", "icmpv6.ipv6_unknown_version", true },
	[DECODE_SCTP_TRUNCATED] = { "sctp_truncated", "sctp.pkt_too_small", true },
};

const char *decode_event_name(enum decode_event e)
{
	if ((unsigned)e >= DECODE_EVENT__COUNT || event_info[e].name == NULL)
		return "unknown";
	return event_info[e].name;
}

const char *decode_event_suricata_name(enum decode_event e)
{
	if ((unsigned)e >= DECODE_EVENT__COUNT)
		return NULL;
	return event_info[e].suricata;
}

bool decode_event_is_malformed(enum decode_event e)
{
	return (unsigned)e < DECODE_EVENT__COUNT && event_info[e].malformed;
}

void decode_set_event(struct packet *p, struct decode_counters *c, enum decode_event e)
{
	c->events[e]++;
	bool malformed = event_info[e].malformed;
	/* keep the first event, unless a malformed one comes after an anomaly */
	if (p->decode_event == DECODE_OK || (malformed && !(p->flags & PKT_DECODE_ERROR)))
		p->decode_event = (uint16_t)e;
	if (malformed)
		p->flags |= PKT_DECODE_ERROR;
}

void decode_counters_add(struct decode_counters *dst, const struct decode_counters *src)
{
	/* The struct is nothing but uint64_t counters: add them as an array,
	 * so a counter added later cannot be forgotten here. */
	_Static_assert(sizeof(struct decode_counters) % sizeof(uint64_t) == 0,
		       "decode_counters must hold only uint64_t");
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

enum link_type decode_link_from_pcap(int linktype)
{
	switch (linktype) {
	case 1:   /* EN10MB */
		return LINK_ETHERNET;
	case 12:  /* DLT_RAW on most systems */
	case 14:  /* DLT_RAW on OpenBSD */
	case 101: /* LINKTYPE_RAW */
	case 228: /* LINKTYPE_IPV4 */
	case 229: /* LINKTYPE_IPV6 */
		return LINK_RAW;
	case 113:
		return LINK_SLL;
	case 276:
		return LINK_SLL2;
	case 0:   /* NULL: host byte order of the capturing machine */
	case 108: /* LOOP: network byte order */
		return LINK_NULL;
	default:
		return LINK_UNSUPPORTED;
	}
}

/* Raw IP: the version nibble picks the decoder. */
static void decode_ip_by_version(struct packet *p, const struct decode_config *cfg,
				 struct decode_counters *c, uint32_t off)
{
	if (off >= p->len) {
		decode_set_event(p, c, DECODE_RAW_TRUNCATED);
		return;
	}
	switch (p->data[off] >> 4) {
	case 4:
		decode_ipv4(p, cfg, c, off, p->len - off);
		break;
	case 6:
		decode_ipv6(p, cfg, c, off, p->len - off);
		break;
	default:
		decode_set_event(p, c, DECODE_RAW_BAD_VERSION);
		break;
	}
}

static void decode_pppoe_session(struct packet *p, const struct decode_config *cfg,
				 struct decode_counters *c, uint32_t off)
{
	c->pppoe++;
	if (p->len - off < PPPOE_HDR_LEN + PPP_PROTO_LEN) {
		decode_set_event(p, c, DECODE_PPPOE_TRUNCATED);
		return;
	}
	const uint8_t *h = p->data + off;
	/* RFC 2516: version 1, type 1, code 0 in session stage; the length
	 * covers the PPP payload including its protocol field. */
	uint16_t length = load_be16(h + 4);
	if (h[0] != 0x11 || h[1] != 0 || length < PPP_PROTO_LEN) {
		decode_set_event(p, c, DECODE_PPPOE_MALFORMED);
		return;
	}
	if (length > p->len - off - PPPOE_HDR_LEN) {
		decode_set_event(p, c, DECODE_PPPOE_TRUNCATED);
		return;
	}
	uint32_t ip_off = off + PPPOE_HDR_LEN + PPP_PROTO_LEN;
	uint32_t ip_len = length - PPP_PROTO_LEN;
	switch (load_be16(h + PPPOE_HDR_LEN)) {
	case PPP_PROTO_IPV4:
		decode_ipv4(p, cfg, c, ip_off, ip_len);
		break;
	case PPP_PROTO_IPV6:
		decode_ipv6(p, cfg, c, ip_off, ip_len);
		break;
	default: /* LCP, IPCP and other PPP control traffic */
		decode_set_event(p, c, DECODE_UNSUPPORTED_ETHERTYPE);
		break;
	}
}

static void decode_ethertype(struct packet *p, const struct decode_config *cfg,
			     struct decode_counters *c, uint16_t type, uint32_t off, bool in_nsh);

/*
 * Network Service Header (RFC 8300): 2-bit version, 6-bit length in 4-byte
 * words, MD type, next protocol, service path; then context headers up to
 * the length. Checked like Suricata. The payload is IPv4, IPv6 or a whole
 * Ethernet frame; an NSH inside that frame is not decoded (no nesting).
 */
static void decode_nsh(struct packet *p, const struct decode_config *cfg,
		       struct decode_counters *c, uint32_t off)
{
	c->nsh++;
	if (p->len - off < NSH_BASE_LEN) {
		decode_set_event(p, c, DECODE_NSH_TRUNCATED);
		return;
	}
	const uint8_t *h = p->data + off;
	if (h[0] >> 6 != 0) {
		decode_set_event(p, c, DECODE_NSH_UNSUPPORTED_VERSION);
		return;
	}
	uint32_t hlen = (uint32_t)(h[1] & 0x3f) * 4;
	if (hlen < NSH_BASE_LEN) {
		decode_set_event(p, c, DECODE_NSH_BAD_HEADER_LENGTH);
		return;
	}
	if (hlen > p->len - off) {
		decode_set_event(p, c, DECODE_NSH_TRUNCATED);
		return;
	}
	uint8_t md_type = h[2] & 0x0f;
	if (md_type == 0 || md_type == 0x0f) {
		decode_set_event(p, c, DECODE_NSH_RESERVED_TYPE);
		return;
	}
	if (md_type == 1 && hlen != NSH_MD1_LEN) {
		decode_set_event(p, c, DECODE_NSH_BAD_HEADER_LENGTH);
		return;
	}
	if (md_type != 1 && md_type != 2) {
		decode_set_event(p, c, DECODE_NSH_UNSUPPORTED_TYPE);
		return;
	}
	uint32_t inner = off + hlen;
	switch (h[3]) {
	case NSH_NEXT_IPV4:
		decode_ipv4(p, cfg, c, inner, p->len - inner);
		break;
	case NSH_NEXT_IPV6:
		decode_ipv6(p, cfg, c, inner, p->len - inner);
		break;
	case NSH_NEXT_ETHERNET:
		c->ethernet++;
		if (p->len - inner < ETH_HDR_LEN) {
			decode_set_event(p, c, DECODE_ETH_TRUNCATED);
			break;
		}
		decode_ethertype(p, cfg, c, load_be16(p->data + inner + 12), inner + ETH_HDR_LEN, true);
		break;
	default: /* NSH in NSH, MPLS, experimental */
		decode_set_event(p, c, DECODE_NSH_UNKNOWN_PAYLOAD);
		break;
	}
}

/* Dispatches on an Ethernet type found at the link layer (Ethernet, VLAN
 * tag, SLL protocol, Ethernet inside NSH). off: first byte after the type
 * field. in_nsh: already inside an NSH, which is not decoded twice. */
static void decode_ethertype(struct packet *p, const struct decode_config *cfg,
			     struct decode_counters *c, uint16_t type, uint32_t off, bool in_nsh)
{
	unsigned tags = 0;
	for (;;) {
		switch (type) {
		case ETHERTYPE_IPV4:
			decode_ipv4(p, cfg, c, off, p->len - off);
			return;
		case ETHERTYPE_IPV6:
			decode_ipv6(p, cfg, c, off, p->len - off);
			return;
		case ETHERTYPE_VLAN:
		case ETHERTYPE_QINQ:
		case ETHERTYPE_QINQ_OLD:
			/* Like Suricata, up to 3 tags are decoded; packet.h
			 * has room for the outer 2, the third is skipped. */
			if (tags == DECODE_MAX_VLAN_TAGS) {
				decode_set_event(p, c, DECODE_VLAN_TOO_MANY);
				return;
			}
			if (p->len - off < VLAN_TAG_LEN) {
				decode_set_event(p, c, DECODE_VLAN_TRUNCATED);
				return;
			}
			if (tags++ == 0) {
				c->vlan++;
				p->flags |= PKT_HAS_VLAN;
			}
			if (p->vlan_count < 2)
				p->vlan_id[p->vlan_count++] = load_be16(p->data + off) & 0x0fff;
			type = load_be16(p->data + off + 2);
			off += VLAN_TAG_LEN;
			continue;
		case ETHERTYPE_PPPOE_SESS:
			decode_pppoe_session(p, cfg, c, off);
			return;
		case ETHERTYPE_NSH:
			if (in_nsh) {
				decode_set_event(p, c, DECODE_NSH_UNKNOWN_PAYLOAD);
				return;
			}
			decode_nsh(p, cfg, c, off);
			return;
		default:
			decode_set_event(p, c, DECODE_UNSUPPORTED_ETHERTYPE);
			return;
		}
	}
}

static void decode_null(struct packet *p, const struct decode_config *cfg,
			struct decode_counters *c)
{
	c->null_loop++;
	if (p->len < NULL_HDR_LEN) {
		decode_set_event(p, c, DECODE_NULL_TRUNCATED);
		return;
	}
	const uint8_t *h = p->data;
	/* DLT_NULL stores the family in the capturing host's byte order and
	 * DLT_LOOP in network order: families are small, so whichever reading
	 * fits in one byte is the right one. */
	uint32_t le = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
	uint32_t family = (le & 0xffffff00u) == 0 ? le : load_be32(h);
	switch (family) {
	case BSD_AF_INET:
		decode_ipv4(p, cfg, c, NULL_HDR_LEN, p->len - NULL_HDR_LEN);
		break;
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREE:
	case BSD_AF_INET6_DARW:
		decode_ipv6(p, cfg, c, NULL_HDR_LEN, p->len - NULL_HDR_LEN);
		break;
	default:
		decode_set_event(p, c, DECODE_UNSUPPORTED_ETHERTYPE);
		break;
	}
}

enum decode_event decode_packet(struct packet *p, const struct decode_config *cfg,
				struct decode_counters *c)
{
	static const struct decode_config defaults = { .verify_checksums = true };
	if (cfg == NULL)
		cfg = &defaults;

	/* The decoded fields are contiguous, from l3 up to the later stages'
	 * fields: reset them in one go, the struct is reused per burst. */
	memset((uint8_t *)p + offsetof(struct packet, l3), 0,
	       offsetof(struct packet, flow) - offsetof(struct packet, l3));

	c->packets++;
	c->bytes += p->len;

	switch (p->link) {
	case LINK_ETHERNET:
		c->ethernet++;
		if (p->len < ETH_HDR_LEN) {
			decode_set_event(p, c, DECODE_ETH_TRUNCATED);
			break;
		}
		decode_ethertype(p, cfg, c, load_be16(p->data + 12), ETH_HDR_LEN, false);
		break;
	case LINK_RAW:
		c->raw++;
		decode_ip_by_version(p, cfg, c, 0);
		break;
	case LINK_SLL:
		c->sll++;
		if (p->len < SLL_HDR_LEN) {
			decode_set_event(p, c, DECODE_SLL_TRUNCATED);
			break;
		}
		decode_ethertype(p, cfg, c, load_be16(p->data + 14), SLL_HDR_LEN, false);
		break;
	case LINK_SLL2:
		c->sll2++;
		if (p->len < SLL2_HDR_LEN) {
			decode_set_event(p, c, DECODE_SLL2_TRUNCATED);
			break;
		}
		decode_ethertype(p, cfg, c, load_be16(p->data), SLL2_HDR_LEN, false);
		break;
	case LINK_NULL:
		decode_null(p, cfg, c);
		break;
	default:
		decode_set_event(p, c, DECODE_UNSUPPORTED_LINK);
		break;
	}

	if (p->flags & PKT_DECODE_ERROR)
		c->invalid++;
	return (enum decode_event)p->decode_event;
}
