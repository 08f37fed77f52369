/* ICMPv4 / ICMPv6 type and code checks, quoted headers and payload offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/decode/packet_builder.h"

static enum decode_event icmp4(uint8_t type, uint8_t code, const uint8_t *body, size_t n,
			       struct packet *p, struct decode_counters *c, struct pb *pb)
{
	pb_init(pb);
	pb_ipv4(pb, 1, NULL, 0, 0);
	pb_icmp(pb, 1, type, code);
	if (n)
		pb_bytes(pb, body, n);
	pb_finish(pb);
	return pb_decode(pb, LINK_RAW, p, c);
}

static enum decode_event icmp6(uint8_t type, uint8_t code, uint8_t hop_limit, const uint8_t *body,
			       size_t n, struct packet *p, struct decode_counters *c, struct pb *pb)
{
	pb_init(pb);
	pb_ipv6(pb, 58);
	pb->b[7] = hop_limit;
	pb_icmp(pb, 58, type, code);
	if (n)
		pb_bytes(pb, body, n);
	pb_finish(pb);
	return pb_decode(pb, LINK_RAW, p, c);
}

static void test_icmpv4_types_and_codes(void **state)
{
	(void)state;
	static const struct { uint8_t type, code; enum decode_event e; } cases[] = {
		{ 8, 0, DECODE_OK },
		{ 8, 1, DECODE_ICMPV4_UNKNOWN_CODE },
		{ 3, 15, DECODE_OK },
		{ 3, 16, DECODE_ICMPV4_UNKNOWN_CODE },
		{ 5, 4, DECODE_ICMPV4_UNKNOWN_CODE },
		{ 11, 2, DECODE_ICMPV4_UNKNOWN_CODE },
		{ 13, 0, DECODE_OK },
		{ 6, 0, DECODE_ICMPV4_UNKNOWN_TYPE },
		{ 42, 0, DECODE_ICMPV4_UNKNOWN_TYPE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb pb;
		struct packet p;
		struct decode_counters c = { 0 };
		enum decode_event e = icmp4(cases[i].type, cases[i].code, NULL, 0, &p, &c, &pb);
		if (e != cases[i].e)
			fail_msg("type %u code %u: %s", cases[i].type, cases[i].code, decode_event_name(e));
		assert_false(p.flags & PKT_DECODE_ERROR);  /* anomalies */
		assert_int_equal(p.icmp_type, cases[i].type);
		assert_true(p.flags & PKT_L4_CSUM_CHECKED);
	}
}

static void test_icmpv4_quoted_header(void **state)
{
	(void)state;
	uint8_t quoted[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17 };
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	assert_int_equal(icmp4(3, 3, quoted, sizeof(quoted), &p, &c, &pb), DECODE_OK);
	assert_true(p.flags & PKT_ICMP_ERROR);
	assert_int_equal(p.payload_len, 28);
	/* less than a header quoted: invalid, as in Suricata */
	assert_int_equal(icmp4(11, 0, quoted, 12, &p, &c, &pb), DECODE_ICMPV4_INNER_TRUNCATED);
	assert_true(p.flags & PKT_DECODE_ERROR);
	assert_int_equal(p.icmp_type, 11);  /* the ICMP fields are still there */
	quoted[0] = 0x65;
	assert_int_equal(icmp4(12, 0, quoted, sizeof(quoted), &p, &c, &pb), DECODE_ICMPV4_INNER_BAD_VERSION);
	/* nothing quoted at all is fine */
	assert_int_equal(icmp4(3, 1, NULL, 0, &p, &c, &pb), DECODE_OK);
	assert_int_equal(c.invalid, 2);
}

static void test_icmpv6_types_and_codes(void **state)
{
	(void)state;
	static const struct { uint8_t type, code, hlim; enum decode_event e; } cases[] = {
		{ 128, 0, 64, DECODE_OK },
		{ 128, 1, 64, DECODE_ICMPV6_UNKNOWN_CODE },
		{ 135, 0, 255, DECODE_OK },
		{ 135, 1, 255, DECODE_ICMPV6_UNKNOWN_CODE },
		{ 130, 0, 1, DECODE_OK },
		{ 131, 0, 64, DECODE_ICMPV6_MLD_BAD_HOP_LIMIT },
		{ 138, 255, 64, DECODE_OK },
		{ 155, 130, 64, DECODE_OK },
		{ 155, 5, 64, DECODE_ICMPV6_UNKNOWN_CODE },
		{ 151, 77, 64, DECODE_OK },
		{ 0, 0, 64, DECODE_ICMPV6_UNKNOWN_TYPE },
		{ 50, 0, 64, DECODE_ICMPV6_UNASSIGNED_TYPE },
		{ 200, 0, 64, DECODE_ICMPV6_EXPERIMENTATION_TYPE },
		{ 250, 0, 64, DECODE_ICMPV6_UNASSIGNED_TYPE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb pb;
		struct packet p;
		struct decode_counters c = { 0 };
		enum decode_event e = icmp6(cases[i].type, cases[i].code, cases[i].hlim, NULL, 0, &p, &c, &pb);
		if (e != cases[i].e)
			fail_msg("type %u code %u: %s", cases[i].type, cases[i].code, decode_event_name(e));
		assert_false(p.flags & PKT_DECODE_ERROR);
		assert_true(p.flags & PKT_L4_CSUM_CHECKED);
		assert_false(p.flags & PKT_L4_CSUM_BAD);
	}
}

static void test_icmpv6_payload_offsets(void **state)
{
	(void)state;
	static const uint8_t target[16] = { 0xfe, 0x80, [15] = 1 };
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	/* neighbour solicitation: the reserved word and the target follow the
	 * 4-byte header and are payload, as in Suricata */
	assert_int_equal(icmp6(135, 0, 255, target, sizeof(target), &p, &c, &pb), DECODE_OK);
	assert_int_equal(p.payload_len, 4 + 16);
	assert_ptr_equal(p.payload, pb.b + 40 + 4);
	/* echo: id and sequence are header */
	assert_int_equal(icmp6(128, 0, 64, target, sizeof(target), &p, &c, &pb), DECODE_OK);
	assert_int_equal(p.payload_len, 16);
	assert_ptr_equal(p.payload, pb.b + 48);
}

static void test_icmpv6_quoted_header(void **state)
{
	(void)state;
	uint8_t quoted[40] = { 0x60 };
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	assert_int_equal(icmp6(2, 0, 64, quoted, sizeof(quoted), &p, &c, &pb), DECODE_OK);
	assert_true(p.flags & PKT_ICMP_ERROR);
	assert_int_equal(icmp6(1, 4, 64, quoted, 39, &p, &c, &pb), DECODE_ICMPV6_INNER_TRUNCATED);
	assert_true(p.flags & PKT_DECODE_ERROR);
	quoted[0] = 0x45;
	assert_int_equal(icmp6(3, 0, 64, quoted, sizeof(quoted), &p, &c, &pb), DECODE_ICMPV6_INNER_BAD_VERSION);
	/* an unknown code: the quoted header is not looked at */
	assert_int_equal(icmp6(3, 9, 64, quoted, sizeof(quoted), &p, &c, &pb), DECODE_ICMPV6_UNKNOWN_CODE);
	assert_false(p.flags & PKT_DECODE_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmpv4_types_and_codes),
		cmocka_unit_test(test_icmpv4_quoted_header),
		cmocka_unit_test(test_icmpv6_types_and_codes),
		cmocka_unit_test(test_icmpv6_payload_offsets),
		cmocka_unit_test(test_icmpv6_quoted_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
