/* TCP, UDP, ICMPv4, ICMPv6: fields, options, lengths and checksums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/decode/packet_builder.h"

static void build_tcp(struct pb *pb, int ipver, const uint8_t *opts, size_t optlen)
{
	pb_init(pb);
	if (ipver == 4)
		pb_ipv4(pb, 6, NULL, 0, 0);
	else
		pb_ipv6(pb, 6);
	pb_tcp(pb, 51000, 8080, TCP_FLAG_SYN | TCP_FLAG_ECE | TCP_FLAG_CWR, opts, optlen);
	pb_bytes(pb, "GET /", 5);
	pb_finish(pb);
}

static void test_tcp_fields_and_options(void **state)
{
	(void)state;
	/* MSS 1460, SACK permitted, timestamps, NOP, window scale 7 */
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build_tcp(&pb, 4, opts, sizeof(opts));
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.sport, 51000);
	assert_int_equal(p.dport, 8080);
	assert_int_equal(p.tcp_seq, 1000);
	assert_int_equal(p.tcp_ack, 2000);
	assert_int_equal(p.tcp_win, 8192);
	assert_int_equal(p.tcp_flags, TCP_FLAG_SYN | TCP_FLAG_ECE | TCP_FLAG_CWR);
	assert_int_equal(p.l4_offset, 20);
	assert_int_equal(p.payload_len, 5);
	assert_ptr_equal(p.payload, pb.b + 60);
	assert_true(p.flags & PKT_L4_CSUM_CHECKED);
	assert_false(p.flags & PKT_L4_CSUM_BAD);
	assert_int_equal(c.tcp, 1);
}

static void test_tcp_sack_blocks(void **state)
{
	(void)state;
	/* NOP NOP SACK with two blocks (18 bytes) */
	static const uint8_t opts[] = { 1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4 };
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build_tcp(&pb, 6, opts, sizeof(opts));
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.payload_len, 5);
}

static void test_tcp_bad_options_still_decoded(void **state)
{
	(void)state;
	static const struct { uint8_t o[8]; size_t len; enum decode_event e; } cases[] = {
		{ { 2, 3, 5, 0 }, 4, DECODE_TCP_OPT_MALFORMED },             /* MSS of 3 bytes */
		{ { 3, 4, 7, 0 }, 4, DECODE_TCP_OPT_MALFORMED },             /* WS of 4 bytes */
		{ { 1, 1, 1, 2 }, 4, DECODE_OK },                            /* no length byte: walk ends (as Suricata) */
		{ { 1, 1, 5, 2 }, 4, DECODE_OK },                            /* empty SACK is accepted */
		{ { 19, 6, 0, 0, 0, 0, 1, 1 }, 8, DECODE_TCP_OPT_MALFORMED },/* MD5 signature is 18 bytes */
		{ { 30, 0, 0, 0 }, 4, DECODE_TCP_OPT_MALFORMED },            /* length 0 */
		{ { 1, 30, 9, 0 }, 4, DECODE_TCP_OPT_MALFORMED },            /* runs past the header */
		{ { 5, 6, 0, 0, 0, 0, 0, 0 }, 8, DECODE_TCP_OPT_MALFORMED }, /* SACK shorter than a block */
		{ { 8, 10, 0, 0, 0, 0, 0, 0 }, 8, DECODE_TCP_OPT_MALFORMED },/* timestamp cut by the header end */
		{ { 4, 2, 4, 2 }, 4, DECODE_TCP_OPT_DUPLICATE },             /* SACK permitted twice */
		{ { 3, 3, 1, 3, 3, 1, 0, 0 }, 8, DECODE_TCP_OPT_DUPLICATE }, /* window scale twice */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb pb;
		struct packet p;
		struct decode_counters c = { 0 };
		build_tcp(&pb, 4, cases[i].o, cases[i].len);
		assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), cases[i].e);
		assert_false(p.flags & PKT_DECODE_ERROR);  /* anomalies: the segment is usable */
		assert_int_equal(p.sport, 51000);
		assert_int_equal(p.dport, 8080);
		assert_int_equal(p.tcp_flags, TCP_FLAG_SYN | TCP_FLAG_ECE | TCP_FLAG_CWR);
		assert_int_equal(p.payload_len, 5);
		assert_int_equal(c.events[cases[i].e], cases[i].e ? 1 : 0);
		assert_true(p.flags & PKT_L4_CSUM_CHECKED);
	}
}

static void test_tcp_bad_offset(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build_tcp(&pb, 4, NULL, 0);
	pb.b[20 + 12] = 0x40;         /* 16 bytes */
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_TCP_BAD_OFFSET);
	assert_int_equal(p.sport, 51000);
	assert_null(p.payload);
	assert_true(p.flags & PKT_DECODE_ERROR);
	pb.b[20 + 12] = 0x70;         /* 28 bytes, only 25 in the segment */
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_TCP_HDR_TRUNCATED);
	assert_null(p.payload);
	assert_int_equal(c.events[DECODE_TCP_BAD_OFFSET], 1);
	assert_int_equal(c.events[DECODE_TCP_HDR_TRUNCATED], 1);
}

static void test_tcp_checksum(void **state)
{
	(void)state;
	for (int v = 4; v <= 6; v += 2) {
		struct pb pb;
		struct packet p;
		struct decode_counters c = { 0 };
		build_tcp(&pb, v, NULL, 0);
		assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
		assert_true(p.flags & PKT_L4_CSUM_CHECKED);
		assert_false(p.flags & PKT_L4_CSUM_BAD);
		pb.b[pb.len - 1] ^= 0x20;  /* flip a payload bit */
		assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
		assert_true(p.flags & PKT_L4_CSUM_BAD);
		assert_false(p.flags & PKT_DECODE_ERROR);
		assert_int_equal(c.tcp_csum_bad, 1);
	}
}

static void build_udp(struct pb *pb, int ipver, size_t data_len)
{
	pb_init(pb);
	if (ipver == 4)
		pb_ipv4(pb, 17, NULL, 0, 0);
	else
		pb_ipv6(pb, 17);
	pb_udp(pb, 40001, 123);
	for (size_t i = 0; i < data_len; i++)
		pb_u8(pb, (uint8_t)(i * 7 + 1));
	pb_finish(pb);
}

static void test_udp_and_checksum(void **state)
{
	(void)state;
	for (int v = 4; v <= 6; v += 2) {
		struct pb pb;
		struct packet p;
		struct decode_counters c = { 0 };
		size_t l4 = v == 4 ? 20 : 40;
		build_udp(&pb, v, 13);  /* odd length exercises the checksum's last byte */
		assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
		assert_int_equal(p.sport, 40001);
		assert_int_equal(p.dport, 123);
		assert_int_equal(p.l4_offset, l4);
		assert_int_equal(p.payload_len, 13);
		assert_ptr_equal(p.payload, pb.b + l4 + 8);
		assert_true(p.flags & PKT_L4_CSUM_CHECKED);
		assert_false(p.flags & PKT_L4_CSUM_BAD);
		pb.b[l4 + 8 + 12] ^= 0x01;
		assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
		assert_true(p.flags & PKT_L4_CSUM_BAD);
		assert_int_equal(c.udp_csum_bad, 1);
		assert_int_equal(c.udp, 2);
	}
}

static void test_udp_zero_checksum(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build_udp(&pb, 4, 4);
	pb_put16(&pb, 26, 0);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_false(p.flags & (PKT_L4_CSUM_CHECKED | PKT_L4_CSUM_BAD));
	/* over IPv6 a zero checksum is wrong (RFC 8200 8.1) */
	build_udp(&pb, 6, 4);
	pb_put16(&pb, 46, 0);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(p.flags & PKT_L4_CSUM_BAD);
}

static void test_udp_bad_length(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build_udp(&pb, 4, 10);
	pb_put16(&pb, 24, 7);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_UDP_BAD_LEN);
	assert_int_equal(p.sport, 40001);
	assert_null(p.payload);
	pb_put16(&pb, 24, 19);        /* one more than the IP payload */
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_UDP_LEN_TOO_LARGE);
	assert_null(p.payload);
	assert_int_equal(c.events[DECODE_UDP_BAD_LEN], 1);
	assert_int_equal(c.events[DECODE_UDP_LEN_TOO_LARGE], 1);
	assert_int_equal(c.invalid, 2);
	/* shorter than the IP payload: the UDP length wins */
	pb_put16(&pb, 24, 12);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.payload_len, 4);
}

static void test_icmpv4(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv4(&pb, 1, NULL, 0, 0);
	pb_icmp(&pb, 1, 8, 0);        /* echo request */
	pb_bytes(&pb, "ping!", 5);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.dport, 0);
	assert_int_equal(p.l4_offset, 20);
	assert_int_equal(p.payload_len, 5);
	assert_memory_equal(p.payload, "ping!", 5);
	assert_false(p.flags & PKT_ICMP_ERROR);
	assert_true(p.flags & PKT_L4_CSUM_CHECKED);
	assert_false(p.flags & PKT_L4_CSUM_BAD);
	assert_int_equal(c.icmpv4, 1);

	pb.b[24] ^= 0xff;
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(p.flags & PKT_L4_CSUM_BAD);
	assert_int_equal(c.icmp_csum_bad, 1);
}

static void test_icmpv4_error(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv4(&pb, 1, NULL, 0, 0);
	pb_icmp(&pb, 1, 3, 3);        /* port unreachable, quoting a header */
	pb_fill(&pb, 0x45, 28);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(p.flags & PKT_ICMP_ERROR);
	assert_int_equal(p.icmp_code, 3);
	assert_int_equal(p.payload_len, 28);
}

static void test_icmpv6(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 58);
	pb_icmp(&pb, 58, 1, 4);       /* destination unreachable: port */
	pb_fill(&pb, 0x60, 48);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.icmp_type, 1);
	assert_int_equal(p.icmp_code, 4);
	assert_true(p.flags & PKT_ICMP_ERROR);
	assert_int_equal(p.payload_len, 48);
	assert_true(p.flags & PKT_L4_CSUM_CHECKED);
	assert_false(p.flags & PKT_L4_CSUM_BAD);
	assert_int_equal(c.icmpv6, 1);

	pb.b[pb.len - 3] ^= 0x10;
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(p.flags & PKT_L4_CSUM_BAD);
	assert_int_equal(c.icmp_csum_bad, 1);

	/* echo request: not an error */
	pb.b[40] = 128;
	pb_decode(&pb, LINK_RAW, &p, &c);
	assert_false(p.flags & PKT_ICMP_ERROR);
}

static void test_icmpv6_in_ipv4(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv4(&pb, 58, NULL, 0, 0);
	pb_icmp(&pb, 58, 128, 0);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV4_WITH_ICMPV6);
	assert_int_equal(p.icmp_type, 128);
}

static void test_other_protocol(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv4(&pb, 47, NULL, 0, 0); /* GRE */
	pb_be32(&pb, 0x00000800);
	pb_fill(&pb, 0x45, 20);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.ip_proto, 47);
	assert_int_equal(p.l4_offset, 20);
	assert_int_equal(p.payload_len, 24);
	assert_ptr_equal(p.payload, pb.b + 20);
	assert_int_equal(c.ip_other, 1);
}

static void test_sctp(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv6(&pb, 132);
	pb_be16(&pb, 2905);
	pb_be16(&pb, 3868);
	pb_be32(&pb, 0xabcdef01);     /* verification tag */
	pb_be32(&pb, 0);              /* CRC32c, not verified */
	pb_fill(&pb, 0x01, 16);       /* one chunk */
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.sport, 2905);
	assert_int_equal(p.dport, 3868);
	assert_int_equal(p.l4_offset, 40);
	assert_int_equal(p.payload_len, 16);
	assert_false(p.flags & PKT_L4_CSUM_CHECKED);
	assert_int_equal(c.sctp, 1);
	pb.len = 40 + 11;
	pb_put16(&pb, 4, 11);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_SCTP_TRUNCATED);
	assert_int_equal(p.sport, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_fields_and_options),
		cmocka_unit_test(test_tcp_sack_blocks),
		cmocka_unit_test(test_tcp_bad_options_still_decoded),
		cmocka_unit_test(test_tcp_bad_offset),
		cmocka_unit_test(test_tcp_checksum),
		cmocka_unit_test(test_udp_and_checksum),
		cmocka_unit_test(test_udp_zero_checksum),
		cmocka_unit_test(test_udp_bad_length),
		cmocka_unit_test(test_icmpv4),
		cmocka_unit_test(test_icmpv4_error),
		cmocka_unit_test(test_icmpv6),
		cmocka_unit_test(test_icmpv6_in_ipv4),
		cmocka_unit_test(test_sctp),
		cmocka_unit_test(test_other_protocol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
