/*
 * reject.c - TCP reset and ICMP / ICMPv6 port unreachable frames for
 * rejected packets (see reject.h for the contract and the RFC choices).
 *
 * Every builder first checks that the packet may be answered and works out
 * the length of its link-layer header (Ethernet + VLAN tags) from the bytes
 * themselves, then writes link layer, IP header and L4 message front to
 * back, and fills the checksums last.
 */
#include "dataplane/engine/verdict/reject.h"

#include <stdbool.h>
#include <string.h>

#include "dataplane/engine/decode/checksum.h"

#define ETHERTYPE_IPV4     0x0800
#define ETHERTYPE_IPV6     0x86dd
#define ETHERTYPE_VLAN     0x8100
#define ETHERTYPE_QINQ     0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

#define PROTO_ICMP    1
#define PROTO_TCP     6
#define PROTO_UDP    17
#define PROTO_ICMPV6 58

#define IPV4_HDR_LEN  20
#define IPV6_HDR_LEN  40
#define TCP_HDR_LEN   20
#define UDP_HDR_LEN    8
#define ICMP_HDR_LEN   8

#define REPLY_HOP_LIMIT 64
#define IPV4_DF       0x4000

#define ICMPV4_DEST_UNREACH      3
#define ICMPV4_PORT_UNREACH      3
#define ICMPV6_DEST_UNREACH      1
#define ICMPV6_PORT_UNREACH      4

static inline uint16_t get_be16(const uint8_t *b)
{
	return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
}

static inline void put_be16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* Stores the one's complement of a folded sum. checksum_add() sums words in
 * memory order, so the folded value is stored as a native word (RFC 1071's
 * byte-order independence): no swap. */
static inline void put_checksum(uint8_t *at, uint64_t sum)
{
	uint16_t c = (uint16_t)~checksum_fold(sum);
	memcpy(at, &c, sizeof(c));
}

/* Addresses that must never get a reply, as destination (dst) or source. */
static bool ipv4_unanswerable(const uint8_t a[4], bool as_source)
{
	if (a[0] >= 224)  /* multicast, reserved class E, limited broadcast */
		return true;
	return as_source && (a[0] == 0 || a[0] == 127);
}

static bool ipv6_unanswerable(const uint8_t a[16], bool as_source)
{
	static const uint8_t zero[15];
	if (a[0] == 0xff)  /* multicast */
		return true;
	/* :: (unspecified) and ::1 (loopback) cannot have sent this packet */
	return as_source && memcmp(a, zero, 15) == 0 && a[15] <= 1;
}

/*
 * Checks everything the builders share: Ethernet with only VLAN tags before
 * the IP header at p->l3_offset, a well-formed unfragmented (or first
 * fragment) TCP/UDP packet with its L4 header captured, unicast at both
 * ends. Returns the link-layer header length, 0 when p must not be answered.
 */
static size_t reject_l2_len(const struct packet *p)
{
	if (p->data == NULL || p->link != LINK_ETHERNET)
		return 0;
	if (p->l3 != L3_IPV4 && p->l3 != L3_IPV6)
		return 0;
	if (p->flags & PKT_DECODE_ERROR)
		return 0;
	if ((p->flags & PKT_IS_FRAGMENT) && !(p->flags & PKT_FIRST_FRAGMENT))
		return 0;
	if (p->len < REJECT_ETH_HDR_LEN)
		return 0;

	/* Walk the link layer ourselves: the reply copies it, so it has to
	 * be exactly Ethernet + tags, ending where the IP header starts. */
	size_t off = REJECT_ETH_HDR_LEN;
	uint16_t type = get_be16(p->data + 12);
	unsigned tags = 0;
	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
		if (++tags > REJECT_VLAN_TAGS_MAX || p->len - off < 4)
			return 0;
		type = get_be16(p->data + off + 2);
		off += 4;
	}
	uint16_t want = p->l3 == L3_IPV4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
	if (type != want || off != p->l3_offset)
		return 0;

	/* Group (multicast/broadcast) bit of the Ethernet addresses. */
	if ((p->data[0] & 1) || (p->data[6] & 1))
		return 0;

	size_t ip_hdr = p->l3 == L3_IPV4 ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	if (p->len - off < ip_hdr)
		return 0;
	if (p->l3 == L3_IPV4) {
		if (ipv4_unanswerable(p->dst.u8, false) || ipv4_unanswerable(p->src.u8, true))
			return 0;
	} else {
		if (ipv6_unanswerable(p->dst.u8, false) || ipv6_unanswerable(p->src.u8, true))
			return 0;
	}

	size_t l4_min;
	switch (p->ip_proto) {
	case PROTO_TCP:
		l4_min = TCP_HDR_LEN;
		break;
	case PROTO_UDP:
		l4_min = UDP_HDR_LEN;
		break;
	default:
		return 0;
	}
	if (p->l4_offset <= off || p->l4_offset > p->len || p->len - p->l4_offset < l4_min)
		return 0;
	if (p->ip_proto == PROTO_TCP && (p->tcp_flags & TCP_FLAG_RST))
		return 0;
	return off;
}

/* Copies the received link-layer header (tags included), swapping the
 * Ethernet addresses when the frame goes back to the sender. */
static void write_l2(uint8_t *out, const struct packet *p, size_t l2_len, bool to_source)
{
	memcpy(out, p->data, l2_len);
	if (to_source) {
		memcpy(out, p->data + 6, 6);
		memcpy(out + 6, p->data, 6);
	}
}

/* A fresh IPv4 header; returns the sum of the L4 pseudo-header. */
static uint64_t write_ipv4(uint8_t *h, const uint8_t *src, const uint8_t *dst,
			   uint8_t proto, size_t l4_len)
{
	h[0] = 0x45;
	h[1] = 0;
	put_be16(h + 2, (uint16_t)(IPV4_HDR_LEN + l4_len));
	put_be16(h + 4, 0);
	put_be16(h + 6, IPV4_DF);
	h[8] = REPLY_HOP_LIMIT;
	h[9] = proto;
	put_be16(h + 10, 0);
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	put_checksum(h + 10, checksum_add(0, h, IPV4_HDR_LEN));

	uint64_t pseudo = checksum_add(0, h + 12, 8);
	pseudo = checksum_add_be16(pseudo, (uint16_t)l4_len);
	return checksum_add_be16(pseudo, proto);
}

/* A fresh IPv6 header; returns the sum of the L4 pseudo-header. */
static uint64_t write_ipv6(uint8_t *h, const uint8_t *src, const uint8_t *dst,
			   uint8_t next_header, size_t l4_len)
{
	put_be32(h, 0x60000000u);
	put_be16(h + 4, (uint16_t)l4_len);
	h[6] = next_header;
	h[7] = REPLY_HOP_LIMIT;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);

	/* RFC 8200 section 8.1: the length is a 32-bit field, but a 16-bit
	 * value sums the same; likewise the next header in its low byte. */
	uint64_t pseudo = checksum_add(0, h + 8, 32);
	pseudo = checksum_add_be16(pseudo, (uint16_t)l4_len);
	return checksum_add_be16(pseudo, next_header);
}

enum reject_reply reject_reply_for(const struct packet *p)
{
	if (p->l3 != L3_IPV4 && p->l3 != L3_IPV6)
		return REJECT_REPLY_NONE;
	switch (p->ip_proto) {
	case PROTO_TCP:
		return (p->tcp_flags & TCP_FLAG_RST) ? REJECT_REPLY_NONE : REJECT_REPLY_TCP_RST;
	case PROTO_UDP:
		return REJECT_REPLY_ICMP_UNREACH;
	default:
		return REJECT_REPLY_NONE;
	}
}

size_t reject_build_tcp_rst(const struct packet *p, enum reject_direction dir,
			    uint8_t *buf, size_t cap)
{
	if (buf == NULL || p == NULL || p->ip_proto != PROTO_TCP)
		return 0;
	if (dir != REJECT_TO_SOURCE && dir != REJECT_TO_DESTINATION)
		return 0;
	size_t l2_len = reject_l2_len(p);
	if (l2_len == 0)
		return 0;
	size_t ip_len = p->l3 == L3_IPV4 ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	size_t frame_len = l2_len + ip_len + TCP_HDR_LEN;
	if (cap < frame_len)
		return 0;

	bool to_source = dir == REJECT_TO_SOURCE;
	const uint8_t *src = to_source ? p->dst.u8 : p->src.u8;
	const uint8_t *dst = to_source ? p->src.u8 : p->dst.u8;
	uint16_t sport = to_source ? p->dport : p->sport;
	uint16_t dport = to_source ? p->sport : p->dport;
	bool had_ack = p->tcp_flags & TCP_FLAG_ACK;
	uint32_t seq, ack;
	uint8_t flags;
	if (to_source) {
		/* RFC 793 3.4: take the sequence number from the segment's
		 * ACK (where the sender's receive window starts), else 0 and
		 * acknowledge everything the segment occupied. */
		seq = had_ack ? p->tcp_ack : 0;
		ack = p->tcp_seq + p->payload_len;
		if (p->tcp_flags & TCP_FLAG_SYN)
			ack++;
		if (p->tcp_flags & TCP_FLAG_FIN)
			ack++;
		flags = TCP_FLAG_RST | TCP_FLAG_ACK;
	} else {
		/* The destination never gets p, so p's sequence number is
		 * exactly its next expected one (RFC 5961's exact match). */
		seq = p->tcp_seq;
		ack = had_ack ? p->tcp_ack : 0;
		flags = TCP_FLAG_RST | (had_ack ? TCP_FLAG_ACK : 0);
	}

	write_l2(buf, p, l2_len, to_source);
	uint8_t *ip = buf + l2_len;
	uint64_t pseudo = p->l3 == L3_IPV4 ? write_ipv4(ip, src, dst, PROTO_TCP, TCP_HDR_LEN)
					   : write_ipv6(ip, src, dst, PROTO_TCP, TCP_HDR_LEN);
	uint8_t *t = ip + ip_len;
	put_be16(t, sport);
	put_be16(t + 2, dport);
	put_be32(t + 4, seq);
	put_be32(t + 8, ack);
	t[12] = (TCP_HDR_LEN / 4) << 4;
	t[13] = flags;
	put_be16(t + 14, 0);  /* window: a reset carries none */
	put_be16(t + 16, 0);  /* checksum, below */
	put_be16(t + 18, 0);  /* urgent pointer */
	put_checksum(t + 16, checksum_add(pseudo, t, TCP_HDR_LEN));
	return frame_len;
}

size_t reject_build_icmp_unreach(const struct packet *p, uint8_t *buf, size_t cap)
{
	if (buf == NULL || p == NULL)
		return 0;
	size_t l2_len = reject_l2_len(p);
	if (l2_len == 0)
		return 0;

	bool v4 = p->l3 == L3_IPV4;
	size_t ip_len = v4 ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	/* The quote: the offending packet from its IP header, as far as it
	 * was captured and its IP length says (never link-layer padding),
	 * cut to the RFC's limit on the whole error datagram. */
	size_t quote = p->len - p->l3_offset;
	if (p->ip_total_len < quote)
		quote = p->ip_total_len;
	size_t limit = (v4 ? REJECT_ICMPV4_MAX : REJECT_ICMPV6_MAX) - ip_len - ICMP_HDR_LEN;
	if (quote > limit)
		quote = limit;
	/* The offending header and at least the start of its L4 header must
	 * be quoted for the sender to match the error to its socket. */
	if (quote < (size_t)(p->l4_offset - p->l3_offset) + UDP_HDR_LEN)
		return 0;
	size_t icmp_len = ICMP_HDR_LEN + quote;
	size_t frame_len = l2_len + ip_len + icmp_len;
	if (cap < frame_len)
		return 0;

	write_l2(buf, p, l2_len, true);
	uint8_t *ip = buf + l2_len;
	uint8_t *m = ip + ip_len;
	uint64_t sum;
	if (v4) {
		write_ipv4(ip, p->dst.u8, p->src.u8, PROTO_ICMP, icmp_len);
		m[0] = ICMPV4_DEST_UNREACH;
		m[1] = ICMPV4_PORT_UNREACH;
		sum = 0;  /* ICMPv4 has no pseudo-header */
	} else {
		sum = write_ipv6(ip, p->dst.u8, p->src.u8, PROTO_ICMPV6, icmp_len);
		m[0] = ICMPV6_DEST_UNREACH;
		m[1] = ICMPV6_PORT_UNREACH;
	}
	put_be16(m + 2, 0);     /* checksum, below */
	put_be32(m + 4, 0);     /* unused (RFC 792 / RFC 4443 3.1) */
	memcpy(m + ICMP_HDR_LEN, p->data + p->l3_offset, quote);
	put_checksum(m + 2, checksum_add(sum, m, icmp_len));
	return frame_len;
}
