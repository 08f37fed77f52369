/* IPv6: fixed header, extension header chain, fragments, malformed chains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/decode/packet_builder.h"

/* Options header of 8 bytes: next header, length 0, router alert, 2 x Pad1. */
static void put_ext8(struct pb *pb, uint8_t next)
{
	static const uint8_t opts[6] = { 5, 2, 0, 0, 0, 0 };
	pb_u8(pb, next);
	pb_u8(pb, 0);
	pb_bytes(pb, opts, sizeof(opts));
}

static void put_frag(struct pb *pb, uint8_t next, uint16_t offset_bytes, int more, uint32_t id)
{
	pb_u8(pb, next);
	pb_u8(pb, 0);
	pb_be16(pb, (uint16_t)(offset_bytes | (more ? 1 : 0)));
	pb_be32(pb, id);
}

static void test_basic_fields(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 17);
	pb_udp(&pb, 5000, 53);
	pb_bytes(&pb, "query", 5);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(packet_is_ipv6(&p));
	assert_int_equal(p.ttl, 63);
	assert_int_equal(p.ip_total_len, 53);
	assert_int_equal(p.ip_proto, 17);
	const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	assert_memory_equal(p.src.u8, src, 16);
	assert_memory_equal(p.dst.u8, dst, 16);
	assert_int_equal(p.l4_offset, 40);
	assert_int_equal(p.payload_len, 5);
	assert_false(p.flags & PKT_IPV6_EXT_HDRS);
	assert_true(p.flags & PKT_L4_CSUM_CHECKED);
	assert_false(p.flags & PKT_L4_CSUM_BAD);
	assert_int_equal(c.ipv6, 1);
}

static void test_hopbyhop_fragment_chain(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 0);
	put_ext8(&pb, 60);            /* hop-by-hop -> destination options */
	put_ext8(&pb, 44);            /* destination options -> fragment */
	put_frag(&pb, 6, 0, 1, 0xdeadbeef);
	pb_tcp(&pb, 2222, 22, TCP_FLAG_ACK, NULL, 0);
	pb_bytes(&pb, "ssh!", 4);  /* non-last fragments carry multiples of 8 bytes */
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(p.flags & PKT_IPV6_EXT_HDRS);
	assert_true(p.flags & PKT_IS_FRAGMENT);
	assert_true(p.flags & PKT_FIRST_FRAGMENT);
	assert_int_equal(p.frag_id, 0xdeadbeef);
	assert_int_equal(p.ip_id, 0xbeef);
	assert_int_equal(p.frag_offset, 0);
	assert_int_equal(p.ip_proto, 6);
	assert_int_equal(p.l4_offset, 64);
	assert_int_equal(p.sport, 2222);
	assert_int_equal(p.dport, 22);
	assert_memory_equal(p.payload, "ssh", 3);
	assert_false(p.flags & PKT_L4_CSUM_CHECKED);
	assert_int_equal(c.fragments, 1);
	assert_int_equal(c.ipv6_ext_hdrs, 1);
}

static void test_non_first_fragment(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 44);
	put_frag(&pb, 17, 1232, 0, 7);
	pb_fill(&pb, 'z', 16);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(p.flags & PKT_IS_FRAGMENT);
	assert_false(p.flags & PKT_FIRST_FRAGMENT);
	assert_int_equal(p.frag_offset, 1232);
	assert_int_equal(p.frag_id, 7);
	assert_int_equal(p.ip_proto, 17);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.l4_offset, 0);
	assert_int_equal(p.payload_len, 16);
	assert_ptr_equal(p.payload, pb.b + 48);
	assert_int_equal(c.udp, 0);
}

static void test_atomic_fragment_is_whole(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 44);
	put_frag(&pb, 58, 0, 0, 9);
	pb_icmp(&pb, 58, 128, 0);
	pb_finish(&pb);
	/* Suricata calls it a useless fragment header: an anomaly */
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_EXTHDR_USELESS_FH);
	assert_false(p.flags & PKT_DECODE_ERROR);
	assert_false(p.flags & PKT_IS_FRAGMENT);
	assert_int_equal(p.frag_id, 9);
	assert_int_equal(p.icmp_type, 128);
	assert_true(p.flags & PKT_L4_CSUM_CHECKED);
	assert_false(p.flags & PKT_L4_CSUM_BAD);
}

static void test_esp_and_no_next_header(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 50);
	pb_be32(&pb, 0x1000);         /* SPI */
	pb_be32(&pb, 1);              /* sequence */
	pb_fill(&pb, 0xee, 24);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.ip_proto, 50);
	assert_int_equal(p.l4_offset, 0);
	assert_int_equal(p.payload_len, 32);
	assert_int_equal(p.sport, 0);

	pb_init(&pb);
	pb_ipv6(&pb, 0);
	put_ext8(&pb, 59);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.ip_proto, 59);
	assert_null(p.payload);
}

static void test_ah_then_tcp(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 51);
	pb_u8(&pb, 6);
	pb_u8(&pb, 4);                /* (4 + 2) * 4 = 24 bytes */
	pb_fill(&pb, 0, 22);
	pb_tcp(&pb, 1, 2, TCP_FLAG_SYN, NULL, 0);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.l4_offset, 64);
	assert_int_equal(p.ip_proto, 6);
	assert_int_equal(p.tcp_flags, TCP_FLAG_SYN);
	assert_false(p.flags & PKT_L4_CSUM_BAD);
}

static void test_too_many_ext_headers(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 60);
	for (int i = 0; i < DECODE_IPV6_MAX_EXT_HDRS; i++)
		put_ext8(&pb, 60);
	put_ext8(&pb, 6);
	pb_tcp(&pb, 1, 2, 0, NULL, 0);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_EXTHDR_TOO_MANY);
	assert_int_equal(p.sport, 0);

	assert_int_equal(c.events[DECODE_IPV6_EXTHDR_DUPL_DH], 1);

	/* exactly the limit is decoded (more than two destination options
	 * headers is itself an anomaly) */
	pb_init(&pb);
	pb_ipv6(&pb, 60);
	for (int i = 0; i < DECODE_IPV6_MAX_EXT_HDRS - 1; i++)
		put_ext8(&pb, 60);
	put_ext8(&pb, 6);
	pb_tcp(&pb, 1, 2, 0, NULL, 0);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_EXTHDR_DUPL_DH);
	assert_false(p.flags & PKT_DECODE_ERROR);
	assert_int_equal(p.dport, 2);
}

static void test_bad_option_length(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 0);
	pb_u8(&pb, 17);
	pb_u8(&pb, 0);
	pb_u8(&pb, 1);
	pb_u8(&pb, 5);                /* PadN of 5 in a 6-byte option area: runs 1 byte over */
	pb_fill(&pb, 0, 4);
	pb_udp(&pb, 1, 2);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_EXTHDR_BAD_OPTLEN);
	assert_int_equal(p.l3, L3_IPV6);
	assert_int_equal(p.sport, 0);
}

static void test_ext_header_past_payload(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 43);
	pb_u8(&pb, 6);
	pb_u8(&pb, 3);                /* 32 bytes claimed */
	pb_fill(&pb, 0, 14);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_EXTHDR_TRUNCATED);
	assert_int_equal(c.events[DECODE_IPV6_EXTHDR_TRUNCATED], 1);
}

static void test_anomalies_continue(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	/* routing header type 0, then hop-by-hop in second place, then UDP */
	pb_init(&pb);
	pb_ipv6(&pb, 43);
	pb_u8(&pb, 0);
	pb_u8(&pb, 0);
	pb_u8(&pb, 0);                /* type 0 */
	pb_u8(&pb, 0);                /* segments left */
	pb_be32(&pb, 0);
	put_ext8(&pb, 17);
	pb_udp(&pb, 7, 8);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_RH_TYPE0);
	assert_false(p.flags & PKT_DECODE_ERROR);  /* anomalies only */
	assert_int_equal(c.events[DECODE_IPV6_HOPOPTS_NOT_FIRST], 1);
	assert_int_equal(p.sport, 7);
	assert_int_equal(p.dport, 8);
}

static void test_routing_with_segments_left_not_verified(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 43);
	pb_u8(&pb, 6);
	pb_u8(&pb, 2);                /* 24 bytes: one segment */
	pb_u8(&pb, 4);                /* segment routing header */
	pb_u8(&pb, 1);                /* segments left: the checksum uses another address */
	pb_be32(&pb, 0);
	pb_fill(&pb, 0x11, 16);
	pb_tcp(&pb, 1, 2, TCP_FLAG_SYN, NULL, 0);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.l4_offset, 64);
	assert_false(p.flags & (PKT_L4_CSUM_CHECKED | PKT_L4_CSUM_BAD));
	/* with no segments left, it is verified */
	pb.b[43] = 0;
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(p.flags & PKT_L4_CSUM_CHECKED);
	assert_false(p.flags & PKT_L4_CSUM_BAD);
}

/* One anomaly per case, decoding goes on to the UDP header. */
static void test_exthdr_anomalies(void **state)
{
	(void)state;
	static const struct { uint8_t hdrs[24]; size_t len; uint8_t first_nh; enum decode_event e; } cases[] = {
		/* hop-by-hop with only padding */
		{ { 17, 0, 1, 4, 0, 0, 0, 0 }, 8, 0, DECODE_IPV6_HOPOPTS_ONLY_PADDING },
		/* destination options with an unknown option (type 0x3e) */
		{ { 17, 0, 0x3e, 4, 0, 0, 0, 0 }, 8, 60, DECODE_IPV6_DSTOPTS_UNKNOWN_OPT },
		/* hop-by-hop twice */
		{ { 0, 0, 5, 2, 0, 0, 0, 0, 17, 0, 5, 2, 0, 0, 0, 0 }, 16, 0, DECODE_IPV6_EXTHDR_DUPL_HH },
		/* router alert then a zero-length PadN */
		{ { 17, 0, 5, 2, 0, 0, 1, 0 }, 8, 0, DECODE_IPV6_ZERO_LEN_PADN },
		/* fragment header with the reserved byte set (atomic, so also useless) */
		{ { 17, 1, 0, 0, 0, 0, 0, 1 }, 8, 44, DECODE_IPV6_FH_RESERVED },
		/* two routing headers */
		{ { 43, 0, 4, 0, 0, 0, 0, 0, 17, 0, 4, 0, 0, 0, 0, 0 }, 16, 43, DECODE_IPV6_EXTHDR_DUPL_RH },
		/* AH with a non-zero reserved field */
		{ { 17, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 12, 51, DECODE_IPV6_AH_RESERVED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb pb;
		struct packet p;
		struct decode_counters c = { 0 };
		pb_init(&pb);
		pb_ipv6(&pb, cases[i].first_nh);
		pb_bytes(&pb, cases[i].hdrs, cases[i].len);
		pb_udp(&pb, 11, 12);
		pb_finish(&pb);
		enum decode_event e = pb_decode(&pb, LINK_RAW, &p, &c);
		if (e != cases[i].e)
			fail_msg("case %zu: %s", i, decode_event_name(e));
		assert_false(p.flags & PKT_DECODE_ERROR);
		assert_int_equal(p.sport, 11);
		assert_int_equal(p.dport, 12);
		assert_int_equal(c.invalid, 0);
	}
}

static void test_fragment_anomalies(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	/* more fragments follow, but 12 bytes is not a multiple of 8 */
	pb_init(&pb);
	pb_ipv6(&pb, 44);
	put_frag(&pb, 17, 0, 1, 5);
	pb_udp(&pb, 1, 2);
	pb_fill(&pb, 0, 4);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_FRAG_INVALID_LEN);
	assert_true(p.flags & PKT_FIRST_FRAGMENT);
	/* offset 65528 + 16 bytes: past 64 KiB */
	pb_init(&pb);
	pb_ipv6(&pb, 44);
	put_frag(&pb, 17, 65528, 0, 5);
	pb_fill(&pb, 0, 16);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_FRAG_TOO_LARGE);
	/* two fragment headers */
	pb_init(&pb);
	pb_ipv6(&pb, 44);
	put_frag(&pb, 44, 0, 1, 5);
	put_frag(&pb, 17, 0, 1, 5);
	pb_udp(&pb, 1, 2);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_EXTHDR_DUPL_FH);
	/* no next header, then data */
	pb_init(&pb);
	pb_ipv6(&pb, 59);
	pb_fill(&pb, 0x41, 4);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_DATA_AFTER_NONE);
	assert_int_equal(c.invalid, 0);
	/* atomic fragment header, then less than 2 bytes of TCP: Suricata
	 * reports a truncated chain (malformed), after the useless header */
	pb_init(&pb);
	pb_ipv6(&pb, 44);
	put_frag(&pb, 6, 0, 0, 5);
	pb_u8(&pb, 0);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_EXTHDR_TRUNCATED);
	assert_int_equal(c.events[DECODE_IPV6_EXTHDR_USELESS_FH], 1);
	assert_true(p.flags & PKT_DECODE_ERROR);
	assert_int_equal(c.invalid, 1);
}

static void test_truncated_and_version(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_eth(&pb, 0x86dd);
	pb_ipv6(&pb, 6);
	pb_tcp(&pb, 1, 2, 0, NULL, 0);
	pb_finish(&pb);
	pb_put16(&pb, 14 + 4, 21);   /* one byte more than captured */
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_IPV6_TRUNCATED);
	assert_int_equal(p.l3, L3_IPV6);
	assert_int_equal(p.ip_total_len, 60);
	assert_int_equal(p.sport, 0);
	pb_put16(&pb, 14 + 4, 20);
	pb.b[14] = 0x40;
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_IPV6_BAD_VERSION);
	assert_int_equal(p.l3, L3_NONE);
}

static void test_icmpv4_in_ipv6(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 1);
	pb_icmp(&pb, 1, 8, 0);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV6_WITH_ICMPV4);
	assert_int_equal(p.icmp_type, 8);
	assert_false(p.flags & PKT_L4_CSUM_CHECKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_fields),
		cmocka_unit_test(test_hopbyhop_fragment_chain),
		cmocka_unit_test(test_non_first_fragment),
		cmocka_unit_test(test_atomic_fragment_is_whole),
		cmocka_unit_test(test_esp_and_no_next_header),
		cmocka_unit_test(test_ah_then_tcp),
		cmocka_unit_test(test_too_many_ext_headers),
		cmocka_unit_test(test_bad_option_length),
		cmocka_unit_test(test_ext_header_past_payload),
		cmocka_unit_test(test_anomalies_continue),
		cmocka_unit_test(test_routing_with_segments_left_not_verified),
		cmocka_unit_test(test_exthdr_anomalies),
		cmocka_unit_test(test_fragment_anomalies),
		cmocka_unit_test(test_truncated_and_version),
		cmocka_unit_test(test_icmpv4_in_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
