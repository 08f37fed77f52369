/*
 * packet_builder.h - builds test packets byte by byte for the decoder's unit
 * tests. Checksums are computed here with the plain RFC 1071 word-by-word
 * sum, independently of the decoder's fast implementation.
 *
 * Usage: pb_eth() / pb_vlan() / ... append headers in wire order, pb_ipv4()
 * or pb_ipv6() record where the IP header is, pb_tcp()/pb_udp()/pb_icmp()
 * where the L4 header is, pb_payload() appends data, pb_finish() writes the
 * length fields and checksums.
 */
#ifndef RAMPART_TEST_PACKET_BUILDER_H
#define RAMPART_TEST_PACKET_BUILDER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/engine/decode/decode.h"

struct pb {
	uint8_t b[4096];
	size_t len;
	size_t l3, l4;      /* offsets; l4 == 0: no L4 header */
	int ipver;          /* 0, 4 or 6 */
	uint8_t proto;      /* L4 protocol for the checksum */
	size_t udp_len_at;  /* offset of the UDP length field, 0 if none */
};

static inline void pb_init(struct pb *pb)
{
	memset(pb, 0, sizeof(*pb));
}

static inline void pb_u8(struct pb *pb, uint8_t v)
{
	pb->b[pb->len++] = v;
}

static inline void pb_be16(struct pb *pb, uint16_t v)
{
	pb_u8(pb, (uint8_t)(v >> 8));
	pb_u8(pb, (uint8_t)v);
}

static inline void pb_be32(struct pb *pb, uint32_t v)
{
	pb_be16(pb, (uint16_t)(v >> 16));
	pb_be16(pb, (uint16_t)v);
}

static inline void pb_bytes(struct pb *pb, const void *d, size_t n)
{
	memcpy(pb->b + pb->len, d, n);
	pb->len += n;
}

static inline void pb_fill(struct pb *pb, uint8_t v, size_t n)
{
	memset(pb->b + pb->len, v, n);
	pb->len += n;
}

static inline void pb_eth(struct pb *pb, uint16_t type)
{
	static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10 };
	pb_bytes(pb, macs, sizeof(macs));
	pb_be16(pb, type);
}

static inline void pb_vlan(struct pb *pb, uint16_t tci, uint16_t inner_type)
{
	pb_be16(pb, tci);
	pb_be16(pb, inner_type);
}

/* IPv4 header 10.0.0.1 -> 192.168.1.2, TTL 64, id 0x1234; opts padded by the caller. */
static inline void pb_ipv4(struct pb *pb, uint8_t proto, const uint8_t *opts, size_t optlen, uint16_t frag)
{
	pb->l3 = pb->len;
	pb->ipver = 4;
	pb->proto = proto;
	pb_u8(pb, (uint8_t)(0x40 | ((20 + optlen) / 4)));
	pb_u8(pb, 0);
	pb_be16(pb, 0);          /* total length: pb_finish */
	pb_be16(pb, 0x1234);
	pb_be16(pb, frag);
	pb_u8(pb, 64);
	pb_u8(pb, proto);
	pb_be16(pb, 0);          /* checksum: pb_finish */
	pb_be32(pb, 0x0a000001);
	pb_be32(pb, 0xc0a80102);
	if (optlen)
		pb_bytes(pb, opts, optlen);
}

/* IPv6 header 2001:db8::1 -> 2001:db8::2, hop limit 63. */
static inline void pb_ipv6(struct pb *pb, uint8_t next_header)
{
	pb->l3 = pb->len;
	pb->ipver = 6;
	pb->proto = next_header;
	pb_be32(pb, 0x60000000);
	pb_be16(pb, 0);          /* payload length: pb_finish */
	pb_u8(pb, next_header);
	pb_u8(pb, 63);
	pb_be32(pb, 0x20010db8); pb_be32(pb, 0); pb_be32(pb, 0); pb_be32(pb, 1);
	pb_be32(pb, 0x20010db8); pb_be32(pb, 0); pb_be32(pb, 0); pb_be32(pb, 2);
}

static inline void pb_tcp(struct pb *pb, uint16_t sport, uint16_t dport, uint8_t flags,
			  const uint8_t *opts, size_t optlen)
{
	pb->l4 = pb->len;
	pb->proto = 6;
	pb_be16(pb, sport);
	pb_be16(pb, dport);
	pb_be32(pb, 1000);
	pb_be32(pb, 2000);
	pb_u8(pb, (uint8_t)(((20 + optlen) / 4) << 4));
	pb_u8(pb, flags);
	pb_be16(pb, 8192);
	pb_be16(pb, 0);
	pb_be16(pb, 0);
	if (optlen)
		pb_bytes(pb, opts, optlen);
}

static inline void pb_udp(struct pb *pb, uint16_t sport, uint16_t dport)
{
	pb->l4 = pb->len;
	pb->proto = 17;
	pb_be16(pb, sport);
	pb_be16(pb, dport);
	pb->udp_len_at = pb->len;
	pb_be16(pb, 0);
	pb_be16(pb, 0);
}

static inline void pb_icmp(struct pb *pb, uint8_t proto, uint8_t type, uint8_t code)
{
	pb->l4 = pb->len;
	pb->proto = proto;
	pb_u8(pb, type);
	pb_u8(pb, code);
	pb_be16(pb, 0);
	pb_be32(pb, 0x00010002);  /* id / sequence */
}

/* Plain RFC 1071 sum of big-endian 16-bit words. */
static inline uint32_t pb_sum(uint32_t sum, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)d[i] << 8 | d[i + 1];
	if (n & 1)
		sum += (uint32_t)d[n - 1] << 8;
	return sum;
}

static inline uint16_t pb_csum_final(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void pb_put16(struct pb *pb, size_t at, uint16_t v)
{
	pb->b[at] = (uint8_t)(v >> 8);
	pb->b[at + 1] = (uint8_t)v;
}

/* Writes IP/UDP length fields and every checksum, for a packet that ends at pb->len. */
static inline void pb_finish(struct pb *pb)
{
	if (pb->ipver == 4) {
		size_t hlen = (size_t)(pb->b[pb->l3] & 0x0f) * 4;
		pb_put16(pb, pb->l3 + 2, (uint16_t)(pb->len - pb->l3));
		pb_put16(pb, pb->l3 + 10, 0);
		pb_put16(pb, pb->l3 + 10, pb_csum_final(pb_sum(0, pb->b + pb->l3, hlen)));
	} else if (pb->ipver == 6) {
		pb_put16(pb, pb->l3 + 4, (uint16_t)(pb->len - pb->l3 - 40));
	}
	if (pb->udp_len_at)
		pb_put16(pb, pb->udp_len_at, (uint16_t)(pb->len - pb->l4));
	if (!pb->l4)
		return;
	size_t l4len = pb->len - pb->l4;
	size_t csum_at = pb->l4 + (pb->proto == 6 ? 16 : pb->proto == 17 ? 6 : 2);
	pb_put16(pb, csum_at, 0);
	uint32_t sum = 0;
	if (pb->proto != 1) {  /* ICMPv4 has no pseudo-header */
		if (pb->ipver == 4)
			sum = pb_sum(sum, pb->b + pb->l3 + 12, 8);
		else
			sum = pb_sum(sum, pb->b + pb->l3 + 8, 32);
		sum += (uint32_t)l4len + pb->proto;
	}
	sum = pb_sum(sum, pb->b + pb->l4, l4len);
	uint16_t csum = pb_csum_final(sum);
	if (pb->proto == 17 && csum == 0)
		csum = 0xffff;
	pb_put16(pb, csum_at, csum);
}

/* Decodes pb's bytes as link type link into *p with default config. */
static inline enum decode_event pb_decode(const struct pb *pb, uint8_t link, struct packet *p,
					  struct decode_counters *c)
{
	memset(p, 0, sizeof(*p));
	p->data = pb->b;
	p->len = (uint32_t)pb->len;
	p->wire_len = p->len;
	p->link = link;
	return decode_packet(p, NULL, c);
}

#endif /* RAMPART_TEST_PACKET_BUILDER_H */
