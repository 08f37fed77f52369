/* Link layers: Ethernet, 802.1Q / QinQ, PPPoE, NSH, raw IP, SLL, SLL2, BSD NULL/LOOP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/decode/packet_builder.h"

/* Appends an IPv4/UDP packet 10.0.0.1:1234 -> 192.168.1.2:53 with 4 bytes of data. */
static void put_ipv4_udp(struct pb *pb)
{
	pb_ipv4(pb, 17, NULL, 0, 0);
	pb_udp(pb, 1234, 53);
	pb_bytes(pb, "abcd", 4);
	pb_finish(pb);
}

static void put_ipv6_tcp(struct pb *pb)
{
	pb_ipv6(pb, 6);
	pb_tcp(pb, 40000, 443, TCP_FLAG_SYN, NULL, 0);
	pb_finish(pb);
}

static void assert_ipv4_udp(const struct packet *p, size_t l3)
{
	assert_int_equal(p->decode_event, DECODE_OK);
	assert_false(p->flags & PKT_DECODE_ERROR);
	assert_int_equal(p->l3, L3_IPV4);
	assert_int_equal(p->l3_offset, l3);
	assert_int_equal(p->l4_offset, l3 + 20);
	assert_int_equal(p->ip_proto, 17);
	assert_int_equal(p->sport, 1234);
	assert_int_equal(p->dport, 53);
	assert_int_equal(p->payload_len, 4);
	assert_memory_equal(p->payload, "abcd", 4);
	const uint8_t src[16] = { 10, 0, 0, 1 }, dst[16] = { 192, 168, 1, 2 };
	assert_memory_equal(p->src.u8, src, 16);
	assert_memory_equal(p->dst.u8, dst, 16);
}

static void assert_ipv6_tcp(const struct packet *p, size_t l3)
{
	assert_int_equal(p->decode_event, DECODE_OK);
	assert_int_equal(p->l3, L3_IPV6);
	assert_int_equal(p->l3_offset, l3);
	assert_int_equal(p->l4_offset, l3 + 40);
	assert_int_equal(p->ip_proto, 6);
	assert_int_equal(p->sport, 40000);
	assert_int_equal(p->dport, 443);
	assert_int_equal(p->tcp_flags, TCP_FLAG_SYN);
	assert_null(p->payload);
}

static void test_ethernet_ipv4(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_eth(&pb, 0x0800);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_OK);
	assert_ipv4_udp(&p, 14);
	assert_int_equal(p.vlan_count, 0);
	assert_false(p.flags & PKT_HAS_VLAN);
	assert_int_equal(c.packets, 1);
	assert_int_equal(c.bytes, pb.len);
	assert_int_equal(c.ethernet, 1);
	assert_int_equal(c.ipv4, 1);
	assert_int_equal(c.udp, 1);
	assert_int_equal(c.invalid, 0);
}

static void test_ethernet_padding_ignored(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_eth(&pb, 0x0800);
	put_ipv4_udp(&pb);
	pb_fill(&pb, 0, 60 - pb.len);  /* minimum frame size padding */
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_OK);
	assert_ipv4_udp(&p, 14);
	assert_int_equal(p.ip_total_len, 32);
	assert_true(p.flags & PKT_L4_CSUM_CHECKED);
	assert_false(p.flags & PKT_L4_CSUM_BAD);
}

static void test_vlan(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_eth(&pb, 0x8100);
	pb_vlan(&pb, 0x2064, 0x86dd);  /* PCP 1, VID 100 */
	put_ipv6_tcp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_OK);
	assert_ipv6_tcp(&p, 18);
	assert_true(p.flags & PKT_HAS_VLAN);
	assert_int_equal(p.vlan_count, 1);
	assert_int_equal(p.vlan_id[0], 100);
	assert_int_equal(c.vlan, 1);
}

static void test_qinq(void **state)
{
	(void)state;
	static const uint16_t outer_types[] = { 0x88a8, 0x9100, 0x8100 };
	for (size_t i = 0; i < sizeof(outer_types) / sizeof(outer_types[0]); i++) {
		struct pb pb;
		struct packet p;
		struct decode_counters c = { 0 };
		pb_init(&pb);
		pb_eth(&pb, outer_types[i]);
		pb_vlan(&pb, 0x0fff, 0x8100);
		pb_vlan(&pb, 0x0007, 0x0800);
		put_ipv4_udp(&pb);
		assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_OK);
		assert_ipv4_udp(&p, 22);
		assert_int_equal(p.vlan_count, 2);
		assert_int_equal(p.vlan_id[0], 4095);
		assert_int_equal(p.vlan_id[1], 7);
		assert_int_equal(c.vlan, 1);
	}
}

static void test_three_tags_then_too_many(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	/* three tags are decoded (as Suricata); the outer two are recorded */
	pb_init(&pb);
	pb_eth(&pb, 0x88a8);
	pb_vlan(&pb, 1, 0x8100);
	pb_vlan(&pb, 2, 0x8100);
	pb_vlan(&pb, 3, 0x0800);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_OK);
	assert_ipv4_udp(&p, 26);
	assert_int_equal(p.vlan_count, 2);
	assert_int_equal(p.vlan_id[0], 1);
	assert_int_equal(p.vlan_id[1], 2);

	/* a fourth is too many: invalid, nothing above is decoded */
	pb_init(&pb);
	pb_eth(&pb, 0x88a8);
	pb_vlan(&pb, 1, 0x8100);
	pb_vlan(&pb, 2, 0x8100);
	pb_vlan(&pb, 3, 0x8100);
	pb_vlan(&pb, 4, 0x0800);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_VLAN_TOO_MANY);
	assert_true(p.flags & PKT_DECODE_ERROR);
	assert_int_equal(p.vlan_count, 2);
	assert_int_equal(p.l3, L3_NONE);
	assert_int_equal(c.events[DECODE_VLAN_TOO_MANY], 1);
	assert_int_equal(c.invalid, 1);
	assert_int_equal(c.vlan, 2);
}

static void test_unsupported_ethertype(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_eth(&pb, 0x0806);  /* ARP */
	pb_fill(&pb, 0, 28);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_UNSUPPORTED_ETHERTYPE);
	assert_false(p.flags & PKT_DECODE_ERROR);
	assert_int_equal(p.l3, L3_NONE);
	assert_int_equal(c.events[DECODE_UNSUPPORTED_ETHERTYPE], 1);
	assert_int_equal(c.invalid, 0);
	assert_false(decode_event_is_malformed(DECODE_UNSUPPORTED_ETHERTYPE));
	assert_true(decode_event_is_malformed(DECODE_ETH_TRUNCATED));
	assert_false(decode_event_is_malformed(DECODE_TCP_OPT_DUPLICATE));  /* an anomaly */
}

static void test_unsupported_link(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_UNSUPPORTED, &p, &c), DECODE_UNSUPPORTED_LINK);
	assert_int_equal(p.l3, L3_NONE);
	assert_int_equal(pb_decode(&pb, 200, &p, &c), DECODE_UNSUPPORTED_LINK);
	assert_int_equal(c.events[DECODE_UNSUPPORTED_LINK], 2);
}

static void test_pppoe(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_eth(&pb, 0x8864);
	pb_u8(&pb, 0x11);
	pb_u8(&pb, 0);
	pb_be16(&pb, 0x0042);  /* session */
	pb_be16(&pb, 2 + 32);  /* PPP protocol + IP packet */
	pb_be16(&pb, 0x0021);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_OK);
	assert_ipv4_udp(&p, 22);
	assert_int_equal(c.pppoe, 1);

	/* LCP is PPP control: not an error, nothing to decode. */
	pb.b[20] = 0xc0;
	pb.b[21] = 0x21;
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_UNSUPPORTED_ETHERTYPE);

	/* Bad version/type. */
	pb.b[20] = 0x00;
	pb.b[21] = 0x21;
	pb.b[14] = 0x22;
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_PPPOE_MALFORMED);

	/* Length beyond the frame. */
	pb.b[14] = 0x11;
	pb.b[19] = 200;
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_PPPOE_TRUNCATED);
}

/* NSH base + service path header; ctx_words 4-byte context words follow (zeroed). */
static void put_nsh(struct pb *pb, uint8_t md_type, uint8_t next, unsigned ctx_words)
{
	pb_u8(pb, 0x00);                              /* version 0, no flags, TTL high bits */
	pb_u8(pb, (uint8_t)(0xc0 | (2 + ctx_words))); /* TTL low bits, length in words */
	pb_u8(pb, md_type);
	pb_u8(pb, next);
	pb_be32(pb, 0x00000102);                      /* service path 1, index 2 */
	pb_fill(pb, 0, ctx_words * 4);
}

static void test_nsh(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };

	/* MD type 1 (24-byte header) carrying IPv4, as decode-nsh-type1 in suricata-verify */
	pb_init(&pb);
	pb_eth(&pb, 0x894f);
	put_nsh(&pb, 1, 1, 4);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_OK);
	assert_ipv4_udp(&p, 14 + 24);
	assert_int_equal(c.nsh, 1);
	assert_int_equal(c.ipv4, 1);

	/* MD type 2 (variable context) carrying IPv6 */
	pb_init(&pb);
	pb_eth(&pb, 0x894f);
	put_nsh(&pb, 2, 2, 1);
	put_ipv6_tcp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_OK);
	assert_ipv6_tcp(&p, 14 + 12);

	/* a whole Ethernet frame inside, with a VLAN tag */
	pb_init(&pb);
	pb_eth(&pb, 0x894f);
	put_nsh(&pb, 2, 3, 0);
	pb_eth(&pb, 0x8100);
	pb_vlan(&pb, 7, 0x0800);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_OK);
	assert_ipv4_udp(&p, 14 + 8 + 14 + 4);
	assert_int_equal(p.vlan_id[0], 7);

	/* an NSH inside the inner frame is not decoded again */
	pb_init(&pb);
	pb_eth(&pb, 0x894f);
	put_nsh(&pb, 2, 3, 0);
	pb_eth(&pb, 0x894f);
	put_nsh(&pb, 2, 1, 0);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_NSH_UNKNOWN_PAYLOAD);
	assert_int_equal(p.l3, L3_NONE);

	/* MD type 1 must be 24 bytes long */
	pb_init(&pb);
	pb_eth(&pb, 0x894f);
	put_nsh(&pb, 1, 1, 2);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_NSH_BAD_HEADER_LENGTH);
	assert_true(p.flags & PKT_DECODE_ERROR);

	/* stated length beyond the frame; base header cut short */
	pb_init(&pb);
	pb_eth(&pb, 0x894f);
	put_nsh(&pb, 2, 1, 0);
	pb.b[15] = 0x3f;
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_NSH_TRUNCATED);
	pb.len = 14 + 6;
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_NSH_TRUNCATED);

	/* anomalies that stop decoding: version, reserved MD type, unknown payload */
	pb_init(&pb);
	pb_eth(&pb, 0x894f);
	put_nsh(&pb, 2, 1, 0);
	put_ipv4_udp(&pb);
	pb.b[14] = 0x40;
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_NSH_UNSUPPORTED_VERSION);
	assert_false(p.flags & PKT_DECODE_ERROR);
	pb.b[14] = 0;
	pb.b[16] = 0x0f;
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_NSH_RESERVED_TYPE);
	pb.b[16] = 3;
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_NSH_UNSUPPORTED_TYPE);
	pb.b[16] = 2;
	pb.b[17] = 5; /* MPLS */
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_NSH_UNKNOWN_PAYLOAD);
	assert_int_equal(p.l3, L3_NONE);
}

static void test_raw(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_ipv4_udp(&p, 0);

	pb_init(&pb);
	put_ipv6_tcp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_ipv6_tcp(&p, 0);
	assert_int_equal(c.raw, 2);

	pb.b[0] = 0x50;
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_RAW_BAD_VERSION);
	pb.len = 0;
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_RAW_TRUNCATED);
}

static void test_sll(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_be16(&pb, 0);       /* packet type: to us */
	pb_be16(&pb, 1);       /* ARPHRD_ETHER */
	pb_be16(&pb, 6);
	pb_fill(&pb, 0xaa, 8);
	pb_be16(&pb, 0x0800);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_SLL, &p, &c), DECODE_OK);
	assert_ipv4_udp(&p, 16);
	assert_int_equal(c.sll, 1);

	pb.b[14] = 0x86;
	pb.b[15] = 0xdd;
	/* the protocol field picks the decoder: 32 bytes are too short for IPv6 */
	assert_int_equal(pb_decode(&pb, LINK_SLL, &p, &c), DECODE_IPV6_PKT_TOO_SMALL);
	pb.b[14] = 0x08;
	pb.b[15] = 0x06;
	assert_int_equal(pb_decode(&pb, LINK_SLL, &p, &c), DECODE_UNSUPPORTED_ETHERTYPE);
}

static void test_sll2(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_be16(&pb, 0x86dd);  /* protocol */
	pb_be16(&pb, 0);
	pb_be32(&pb, 3);       /* ifindex */
	pb_be16(&pb, 1);
	pb_u8(&pb, 4);
	pb_u8(&pb, 6);
	pb_fill(&pb, 0xbb, 8);
	put_ipv6_tcp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_SLL2, &p, &c), DECODE_OK);
	assert_ipv6_tcp(&p, 20);
	assert_int_equal(c.sll2, 1);
}

static void test_null_both_byte_orders(void **state)
{
	(void)state;
	/* family as stored by a little-endian host (DLT_NULL) and in network order (DLT_LOOP) */
	static const uint8_t v4_le[4] = { 2, 0, 0, 0 }, v4_be[4] = { 0, 0, 0, 2 };
	static const uint8_t v6[][4] = { { 24, 0, 0, 0 }, { 0, 0, 0, 28 }, { 30, 0, 0, 0 }, { 0, 0, 0, 30 } };
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };

	pb_init(&pb);
	pb_bytes(&pb, v4_le, 4);
	put_ipv4_udp(&pb);
	assert_int_equal(pb_decode(&pb, LINK_NULL, &p, &c), DECODE_OK);
	assert_ipv4_udp(&p, 4);
	memcpy(pb.b, v4_be, 4);
	assert_int_equal(pb_decode(&pb, LINK_NULL, &p, &c), DECODE_OK);
	assert_ipv4_udp(&p, 4);

	for (size_t i = 0; i < 4; i++) {
		pb_init(&pb);
		pb_bytes(&pb, v6[i], 4);
		put_ipv6_tcp(&pb);
		assert_int_equal(pb_decode(&pb, LINK_NULL, &p, &c), DECODE_OK);
		assert_ipv6_tcp(&p, 4);
	}
	pb.b[0] = 0;
	pb.b[3] = 17;  /* some other family */
	assert_int_equal(pb_decode(&pb, LINK_NULL, &p, &c), DECODE_UNSUPPORTED_ETHERTYPE);
	assert_int_equal(c.null_loop, 7);
}

static void test_link_from_pcap(void **state)
{
	(void)state;
	assert_int_equal(decode_link_from_pcap(1), LINK_ETHERNET);
	assert_int_equal(decode_link_from_pcap(101), LINK_RAW);
	assert_int_equal(decode_link_from_pcap(12), LINK_RAW);
	assert_int_equal(decode_link_from_pcap(228), LINK_RAW);
	assert_int_equal(decode_link_from_pcap(113), LINK_SLL);
	assert_int_equal(decode_link_from_pcap(276), LINK_SLL2);
	assert_int_equal(decode_link_from_pcap(0), LINK_NULL);
	assert_int_equal(decode_link_from_pcap(108), LINK_NULL);
	assert_int_equal(decode_link_from_pcap(127), LINK_UNSUPPORTED);
}

static void test_event_names(void **state)
{
	(void)state;
	assert_string_equal(decode_event_name(DECODE_OK), "ok");
	assert_string_equal(decode_event_name(DECODE_IPV4_BAD_IHL), "ipv4_bad_ihl");
	assert_string_equal(decode_event_name(DECODE_EVENT__COUNT), "unknown");
	/* every event has a distinct snake_case name */
	for (int i = 0; i < DECODE_EVENT__COUNT; i++) {
		const char *n = decode_event_name((enum decode_event)i);
		assert_string_not_equal(n, "unknown");
		for (const char *s = n; *s; s++)
			assert_true((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, decode_event_name((enum decode_event)j));
	}
}

static void test_suricata_names(void **state)
{
	(void)state;
	assert_string_equal(decode_event_suricata_name(DECODE_IPV4_TRUNCATED), "ipv4.trunc_pkt");
	assert_string_equal(decode_event_suricata_name(DECODE_IPV4_PKT_TOO_SMALL), "ipv4.pkt_too_small");
	assert_string_equal(decode_event_suricata_name(DECODE_TCP_HDR_TRUNCATED), "tcp.hlen_too_small");
	assert_string_equal(decode_event_suricata_name(DECODE_UDP_BAD_LEN), "udp.len_invalid");
	assert_string_equal(decode_event_suricata_name(DECODE_IPV6_EXTHDR_USELESS_FH), "ipv6.exthdr_useless_fh");
	assert_null(decode_event_suricata_name(DECODE_OK));
	assert_null(decode_event_suricata_name(DECODE_EVENT__COUNT));
	/* each Suricata name is used once: decode-event rules map back uniquely */
	for (int i = 0; i < DECODE_EVENT__COUNT; i++) {
		const char *n = decode_event_suricata_name((enum decode_event)i);
		if (n == NULL)
			continue;
		assert_non_null(strchr(n, '.'));
		for (int j = 0; j < i; j++) {
			const char *m = decode_event_suricata_name((enum decode_event)j);
			if (m != NULL)
				assert_string_not_equal(n, m);
		}
	}
}

static void test_counters_add(void **state)
{
	(void)state;
	struct decode_counters a = { 0 }, b = { 0 };
	a.packets = 2;
	a.events[DECODE_ICMPV6_TRUNCATED] = 1;
	b.packets = 3;
	b.icmp_csum_bad = 4;
	b.events[DECODE_ICMPV6_TRUNCATED] = 5;
	decode_counters_add(&a, &b);
	assert_int_equal(a.packets, 5);
	assert_int_equal(a.icmp_csum_bad, 4);
	assert_int_equal(a.events[DECODE_ICMPV6_TRUNCATED], 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_ipv4),
		cmocka_unit_test(test_ethernet_padding_ignored),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_qinq),
		cmocka_unit_test(test_three_tags_then_too_many),
		cmocka_unit_test(test_unsupported_ethertype),
		cmocka_unit_test(test_unsupported_link),
		cmocka_unit_test(test_pppoe),
		cmocka_unit_test(test_nsh),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_sll),
		cmocka_unit_test(test_sll2),
		cmocka_unit_test(test_null_both_byte_orders),
		cmocka_unit_test(test_link_from_pcap),
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_suricata_names),
		cmocka_unit_test(test_counters_add),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
