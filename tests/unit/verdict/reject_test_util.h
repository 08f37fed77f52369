/*
 * reject_test_util.h - input frames and output checks for the reject frame
 * builder's unit tests.
 *
 * Input frames are built byte by byte with the decoder tests' packet
 * builder and decoded with decode_packet(), as the data plane does. Output
 * frames are re-decoded with decode_packet() and their checksums are
 * verified a second time with the builder's plain word-by-word RFC 1071 sum,
 * independently of the checksum code reject.c uses.
 */
#ifndef RAMPART_TEST_REJECT_UTIL_H
#define RAMPART_TEST_REJECT_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/engine/verdict/reject.h"
#include "tests/unit/decode/packet_builder.h"

/* Addresses the packet builder writes. */
static const uint8_t T_MAC_DST[6] = { 0, 1, 2, 3, 4, 5 };
static const uint8_t T_MAC_SRC[6] = { 0, 6, 7, 8, 9, 10 };
static const uint8_t T_IP4_SRC[4] = { 10, 0, 0, 1 };
static const uint8_t T_IP4_DST[4] = { 192, 168, 1, 2 };
static const uint8_t T_IP6_SRC[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t T_IP6_DST[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

#define T_SPORT 51000
#define T_DPORT 8080

/* VLAN tag control fields used for tagged frames (priority bits set, so a
 * reply that rewrote them would show). */
#define T_TCI_OUTER 0xa00a   /* PCP 5, VID 10 */
#define T_TCI_INNER 0x2014   /* PCP 1, VID 20 */

struct t_frame {
	struct pb pb;
	struct packet p;
	struct decode_counters c;
};

static inline void t_put32(struct pb *pb, size_t at, uint32_t v)
{
	pb_put16(pb, at, (uint16_t)(v >> 16));
	pb_put16(pb, at + 2, (uint16_t)v);
}

/* Ethernet header and ntags (0, 1 or 2) VLAN tags for an IP packet of version ipver. */
static inline void t_link(struct pb *pb, int ipver, int ntags)
{
	uint16_t ip_type = ipver == 4 ? 0x0800 : 0x86dd;
	if (ntags == 0) {
		pb_eth(pb, ip_type);
	} else if (ntags == 1) {
		pb_eth(pb, 0x8100);
		pb_vlan(pb, T_TCI_OUTER, ip_type);
	} else {
		pb_eth(pb, 0x88a8);
		pb_vlan(pb, T_TCI_OUTER, 0x8100);
		pb_vlan(pb, T_TCI_INNER, ip_type);
	}
}

static inline void t_decode(struct t_frame *f)
{
	assert_int_equal(pb_decode(&f->pb, LINK_ETHERNET, &f->p, &f->c), DECODE_OK);
}

/* Builds and decodes an Ethernet TCP segment with payload_len bytes of data. */
static inline void t_tcp(struct t_frame *f, int ipver, int ntags, uint8_t flags,
			 uint32_t seq, uint32_t ack, size_t payload_len)
{
	memset(f, 0, sizeof(*f));
	pb_init(&f->pb);
	t_link(&f->pb, ipver, ntags);
	if (ipver == 4)
		pb_ipv4(&f->pb, 6, NULL, 0, 0);
	else
		pb_ipv6(&f->pb, 6);
	pb_tcp(&f->pb, T_SPORT, T_DPORT, flags, NULL, 0);
	t_put32(&f->pb, f->pb.l4 + 4, seq);
	t_put32(&f->pb, f->pb.l4 + 8, ack);
	for (size_t i = 0; i < payload_len; i++)
		pb_u8(&f->pb, (uint8_t)('a' + i % 26));
	pb_finish(&f->pb);
	t_decode(f);
}

/* Builds and decodes an Ethernet UDP datagram with payload_len bytes of data. */
static inline void t_udp(struct t_frame *f, int ipver, int ntags, size_t payload_len)
{
	memset(f, 0, sizeof(*f));
	pb_init(&f->pb);
	t_link(&f->pb, ipver, ntags);
	if (ipver == 4)
		pb_ipv4(&f->pb, 17, NULL, 0, 0);
	else
		pb_ipv6(&f->pb, 17);
	pb_udp(&f->pb, 5353, 53);
	for (size_t i = 0; i < payload_len; i++)
		pb_u8(&f->pb, (uint8_t)i);
	pb_finish(&f->pb);
	t_decode(f);
}

/* Re-decodes a built frame into *q and checks that the decoder found
 * nothing wrong with it, its L4 checksum included. */
static inline void t_redecode(const uint8_t *frame, size_t len, struct packet *q)
{
	struct decode_counters c = { 0 };
	memset(q, 0, sizeof(*q));
	q->data = frame;
	q->len = (uint32_t)len;
	q->wire_len = q->len;
	q->link = LINK_ETHERNET;
	assert_int_equal(decode_packet(q, NULL, &c), DECODE_OK);
	assert_false(q->flags & PKT_DECODE_ERROR);
	assert_true(q->flags & PKT_L4_CSUM_CHECKED);
	assert_false(q->flags & PKT_L4_CSUM_BAD);
	assert_false(q->flags & PKT_IPV4_CSUM_BAD);
}

/* Independent checksum check of a built IP packet at ip (IPv4 header sum,
 * and the L4 sum with the pseudo-header unless ICMPv4): each must fold to 0. */
static inline void t_check_checksums(const uint8_t *ip, size_t ip_len)
{
	uint32_t sum = 0;
	size_t hlen, l4_len;
	uint8_t proto;
	if (ip[0] >> 4 == 4) {
		hlen = (size_t)(ip[0] & 0x0f) * 4;
		assert_int_equal(pb_csum_final(pb_sum(0, ip, hlen)), 0);
		proto = ip[9];
		l4_len = ip_len - hlen;
		if (proto != 1) {
			sum = pb_sum(sum, ip + 12, 8);
			sum += (uint32_t)l4_len + proto;
		}
	} else {
		hlen = 40;
		proto = ip[6];
		l4_len = ip_len - hlen;
		sum = pb_sum(sum, ip + 8, 32);
		sum += (uint32_t)l4_len + proto;
	}
	sum = pb_sum(sum, ip + hlen, l4_len);
	assert_int_equal(pb_csum_final(sum), 0);
}

/* Copies n bytes to a heap block of exactly n bytes, so AddressSanitizer
 * reports any read past the end. */
static inline uint8_t *t_exact_copy(const uint8_t *d, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, d, n);
	return b;
}

#endif /* RAMPART_TEST_REJECT_UTIL_H */
