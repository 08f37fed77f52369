/* IPv4: header fields, options, fragments, header checksum, malformed headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/decode/packet_builder.h"

/* Raw IPv4 + TCP with 5 bytes of data, optional IP options and fragment field. */
static void build(struct pb *pb, const uint8_t *opts, size_t optlen, uint16_t frag)
{
	pb_init(pb);
	pb_ipv4(pb, 6, opts, optlen, frag);
	pb_tcp(pb, 1111, 80, TCP_FLAG_ACK | TCP_FLAG_PSH, NULL, 0);
	pb_bytes(pb, "hello", 5);
	pb_finish(pb);
}

static void test_basic_fields(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build(&pb, NULL, 0, 0x4000 /* DF */);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.l3, L3_IPV4);
	assert_true(packet_is_ipv4(&p));
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.ip_id, 0x1234);
	assert_int_equal(p.ip_total_len, 45);
	assert_int_equal(p.ip_proto, 6);
	assert_int_equal(p.flags & (PKT_IS_FRAGMENT | PKT_IPV4_OPTIONS | PKT_IPV4_CSUM_BAD), 0);
	assert_int_equal(p.src.u32[1] | p.src.u32[2] | p.src.u32[3], 0);
	assert_int_equal(p.src.u8[0], 10);
	assert_int_equal(p.dst.u8[3], 2);
	assert_int_equal(p.payload_len, 5);
	assert_memory_equal(p.payload, "hello", 5);
}

static void test_options_valid(void **state)
{
	(void)state;
	/* NOP, router alert (4), record route with 1 slot (7), EOL + pad */
	static const uint8_t opts[] = { 1, 148, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build(&pb, opts, sizeof(opts), 0);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(p.flags & PKT_IPV4_OPTIONS);
	assert_int_equal(p.l4_offset, 36);
	assert_int_equal(p.dport, 80);
	assert_memory_equal(p.payload, "hello", 5);
	assert_int_equal(c.ipv4_options, 1);
}

static void test_options_checked_like_suricata(void **state)
{
	(void)state;
	static const struct {
		uint8_t o[16];
		size_t len;
		enum decode_event first;  /* the packet's event */
		enum decode_event also;   /* another event counted, or DECODE_OK */
	} cases[] = {
		/* malformed: layer 3 only */
		{ { 0x44, 1, 0, 0 }, 4, DECODE_IPV4_OPT_INVALID_LEN, DECODE_IPV4_OPT_PAD_REQUIRED },
		{ { 0x83, 9, 4, 0 }, 4, DECODE_IPV4_OPT_INVALID_LEN, DECODE_OK },     /* past the header */
		{ { 148, 3, 0, 0 }, 4, DECODE_IPV4_OPT_INVALID_LEN, DECODE_OK },      /* router alert is 4 bytes */
		{ { 130, 4, 0, 0 }, 4, DECODE_IPV4_OPT_INVALID_LEN, DECODE_OK },      /* security is 11 bytes */
		{ { 68, 4, 5, 0 }, 4, DECODE_IPV4_OPT_INVALID_LEN, DECODE_OK },       /* timestamp below 5 bytes */
		{ { 7, 7, 3, 0, 0, 0, 0, 0 }, 8, DECODE_IPV4_OPT_MALFORMED, DECODE_OK },  /* route pointer below 4 */
		{ { 7, 7, 5, 0, 0, 0, 0, 0 }, 8, DECODE_IPV4_OPT_MALFORMED, DECODE_OK },  /* pointer not on an address */
		{ { 68, 8, 4, 0, 0, 0, 0, 0 }, 8, DECODE_IPV4_OPT_MALFORMED, DECODE_OK }, /* timestamp pointer below 5 */
		{ { 68, 12, 9, 1, 0, 0, 0, 0 }, 16, DECODE_IPV4_OPT_MALFORMED, DECODE_OK }, /* mid-record (8-byte records) */
		{ { 134, 10, 0, 0, 0, 1, 1, 4, 5, 0 }, 12, DECODE_IPV4_OPT_MALFORMED, DECODE_OK }, /* CIPSO alignment octet */
		/* anomalies: decoding goes on */
		{ { 1, 1, 1, 68 }, 4, DECODE_IPV4_OPT_PAD_REQUIRED, DECODE_IPV4_OPT_EOL_REQUIRED },
		{ { 0x99, 2, 0, 0, 0, 0, 0, 0 }, 8, DECODE_IPV4_OPT_UNKNOWN, DECODE_OK },
		{ { 148, 4, 0, 0, 148, 4, 0, 0 }, 8, DECODE_IPV4_OPT_DUPLICATE, DECODE_OK },
		/* valid */
		{ { 68, 12, 5, 1, 0, 0, 0, 0 }, 16, DECODE_OK, DECODE_OK },
		{ { 134, 10, 0, 0, 0, 1, 1, 4, 0, 0 }, 16, DECODE_OK, DECODE_OK },
		{ { 7, 6, 4, 0, 0, 0, 0, 0 }, 8, DECODE_OK, DECODE_OK },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb pb;
		struct packet p;
		struct decode_counters c = { 0 };
		build(&pb, cases[i].o, cases[i].len, 0);
		enum decode_event e = pb_decode(&pb, LINK_RAW, &p, &c);
		if (e != cases[i].first)
			fail_msg("case %zu: %s", i, decode_event_name(e));
		assert_int_equal(p.l3, L3_IPV4);
		assert_int_equal(p.src.u8[0], 10);
		assert_int_equal(c.events[cases[i].first], cases[i].first ? 1 : 0);
		if (cases[i].also != DECODE_OK)
			assert_int_equal(c.events[cases[i].also], 1);
		if (decode_event_is_malformed(e)) {
			assert_true(p.flags & PKT_DECODE_ERROR);
			assert_int_equal(p.l4_offset, 0);
			assert_int_equal(p.sport, 0);
			assert_null(p.payload);
			assert_int_equal(c.invalid, 1);
		} else {
			assert_false(p.flags & PKT_DECODE_ERROR);
			assert_int_equal(p.dport, 80);
			assert_memory_equal(p.payload, "hello", 5);
			assert_int_equal(c.invalid, 0);
		}
	}
}

/* Which options the packet carried (for ipopts): as Suricata's opts_set. */
static void test_options_recorded(void **state)
{
	(void)state;
	static const struct {
		uint8_t o[16];
		size_t len;
		uint16_t seen;
	} cases[] = {
		{ { 7, 3, 4, 0 }, 4, PKT_IPV4_OPT_RR | PKT_IPV4_OPT_EOL },           /* record route, EOL */
		{ { 1, 0, 0, 0 }, 4, PKT_IPV4_OPT_NOP | PKT_IPV4_OPT_EOL },
		{ { 136, 4, 0, 1 }, 4, PKT_IPV4_OPT_SID },                           /* stream id, no EOL */
		{ { 68, 8, 5, 0, 0, 0, 0, 0 }, 8, PKT_IPV4_OPT_TS },
		{ { 131, 11, 4, 1, 2, 3, 4, 5, 6, 7, 8, 0 }, 12, PKT_IPV4_OPT_LSRR | PKT_IPV4_OPT_EOL },
		{ { 137, 11, 4, 1, 2, 3, 4, 5, 6, 7, 8, 0 }, 12, PKT_IPV4_OPT_SSRR | PKT_IPV4_OPT_EOL },
		{ { 130, 11, 0, 0, 0, 0, 0, 0, 'X', 'Y', 'Z', 0 }, 12, PKT_IPV4_OPT_SEC | PKT_IPV4_OPT_EOL },
		{ { 133, 3, 1, 0 }, 4, PKT_IPV4_OPT_ESEC | PKT_IPV4_OPT_EOL },
		{ { 148, 4, 0, 0 }, 4, PKT_IPV4_OPT_RTRALT },
		{ { 0, 7, 3, 4 }, 4, PKT_IPV4_OPT_EOL },                            /* nothing after EOL counts */
		{ { 0x99, 2, 1, 0 }, 4, PKT_IPV4_OPT_NOP | PKT_IPV4_OPT_EOL },      /* unknown type: no bit */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb pb;
		struct packet p;
		struct decode_counters c = { 0 };
		build(&pb, cases[i].o, cases[i].len, 0);
		enum decode_event e = pb_decode(&pb, LINK_RAW, &p, &c);
		if (decode_event_is_malformed(e))
			fail_msg("case %zu: %s", i, decode_event_name(e));
		if (p.ipv4_opts != cases[i].seen)
			fail_msg("case %zu: options 0x%x, want 0x%x", i, p.ipv4_opts, cases[i].seen);
	}
	/* no options: nothing recorded */
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build(&pb, NULL, 0, 0);
	pb_decode(&pb, LINK_RAW, &p, &c);
	assert_int_equal(p.ipv4_opts, 0);
}

static void test_first_fragment(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build(&pb, NULL, 0, 0x2000 /* MF, offset 0 */);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(p.flags & PKT_IS_FRAGMENT);
	assert_true(p.flags & PKT_FIRST_FRAGMENT);
	assert_int_equal(p.frag_offset, 0);
	assert_int_equal(p.sport, 1111);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.l4_offset, 20);
	assert_memory_equal(p.payload, "hello", 5);
	/* incomplete datagram: L4 checksum is not verified */
	assert_false(p.flags & PKT_L4_CSUM_CHECKED);
	assert_int_equal(c.fragments, 1);
}

static void test_first_fragment_udp_length(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv4(&pb, 17, NULL, 0, 0x2000);
	pb_udp(&pb, 5353, 5353);
	pb_fill(&pb, 'x', 24);
	pb_finish(&pb);
	pb_put16(&pb, pb.udp_len_at, 1400);  /* the whole datagram is longer */
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.sport, 5353);
	assert_int_equal(p.payload_len, 24);
}

static void test_non_first_fragment(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build(&pb, NULL, 0, 185 /* offset 1480, last */);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_true(p.flags & PKT_IS_FRAGMENT);
	assert_false(p.flags & PKT_FIRST_FRAGMENT);
	assert_int_equal(p.frag_offset, 1480);
	assert_int_equal(p.ip_proto, 6);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.dport, 0);
	assert_int_equal(p.l4_offset, 0);
	assert_int_equal(p.tcp_flags, 0);
	assert_int_equal(p.payload_len, 25);  /* the whole IP payload */
	assert_ptr_equal(p.payload, pb.b + 20);
	assert_false(p.flags & PKT_L4_CSUM_CHECKED);
	assert_int_equal(c.tcp, 0);
	assert_int_equal(c.fragments, 1);
}

static void test_fragment_too_large(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build(&pb, NULL, 0, 0x1fff);  /* offset 65528 + 25 bytes */
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV4_FRAG_TOO_LARGE);
	assert_false(p.flags & PKT_DECODE_ERROR);  /* an anomaly */
	assert_true(p.flags & PKT_IS_FRAGMENT);
	assert_int_equal(p.frag_offset, 65528);
	assert_int_equal(p.payload_len, 25);
}

static void test_header_checksum(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build(&pb, NULL, 0, 0);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_false(p.flags & PKT_IPV4_CSUM_BAD);
	assert_int_equal(c.ipv4_csum_bad, 0);

	pb.b[10] ^= 0x01;
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);  /* counted, not an event */
	assert_true(p.flags & PKT_IPV4_CSUM_BAD);
	assert_int_equal(c.ipv4_csum_bad, 1);
	assert_int_equal(p.dport, 80);  /* still decoded */

	/* switched off: neither flag nor counter */
	struct decode_config off = { .verify_checksums = false };
	memset(&p, 0, sizeof(p));
	p.data = pb.b;
	p.len = (uint32_t)pb.len;
	p.link = LINK_RAW;
	decode_packet(&p, &off, &c);
	assert_false(p.flags & (PKT_IPV4_CSUM_BAD | PKT_L4_CSUM_CHECKED));
	assert_int_equal(c.ipv4_csum_bad, 1);
}

static void test_bad_version(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_eth(&pb, 0x0800);
	pb_ipv4(&pb, 6, NULL, 0, 0);
	pb_tcp(&pb, 1, 2, 0, NULL, 0);
	pb_finish(&pb);
	pb.b[14] = 0x65;
	assert_int_equal(pb_decode(&pb, LINK_ETHERNET, &p, &c), DECODE_IPV4_BAD_VERSION);
	assert_int_equal(p.l3, L3_NONE);
	assert_int_equal(c.ipv4, 1);  /* reached the IPv4 decoder, as Suricata counts */
	assert_int_equal(c.tcp, 0);
	assert_int_equal(c.invalid, 1);
}

static void test_bad_ihl(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build(&pb, NULL, 0, 0);
	pb.b[0] = 0x44;
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV4_BAD_IHL);
	/* fewer than 20 bytes */
	pb.b[0] = 0x45;
	pb.len = 19;
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV4_PKT_TOO_SMALL);
	pb.len = 45;
	assert_int_equal(c.events[DECODE_IPV4_BAD_IHL], 1);
	/* IHL 15 = 60 bytes, but only 45 captured */
	pb.b[0] = 0x4f;
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV4_TRUNCATED);
}

static void test_bad_total_len(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build(&pb, NULL, 0, 0);
	pb_put16(&pb, 2, 19);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV4_BAD_TOTAL_LEN);
	assert_int_equal(p.l3, L3_IPV4);
	assert_null(p.payload);
	/* total length beyond the captured bytes: truncated, decoding stops */
	pb_put16(&pb, 2, 46);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_IPV4_TRUNCATED);
	assert_int_equal(p.ip_total_len, 45);  /* clamped */
	assert_int_equal(p.sport, 0);
	assert_null(p.payload);
}

static void test_total_len_shorter_than_frame(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	build(&pb, NULL, 0, 0);
	/* claim 2 data bytes fewer; the checksums then no longer match,
	 * but payload and length must follow the header */
	pb_put16(&pb, 2, 43);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.payload_len, 3);
	assert_int_equal(p.ip_total_len, 43);
}

static void test_esp_has_no_l4(void **state)
{
	(void)state;
	struct pb pb;
	struct packet p;
	struct decode_counters c = { 0 };
	pb_init(&pb);
	pb_ipv4(&pb, 50, NULL, 0, 0);
	pb_be32(&pb, 0x100);
	pb_be32(&pb, 1);
	pb_fill(&pb, 0xee, 16);
	pb_finish(&pb);
	assert_int_equal(pb_decode(&pb, LINK_RAW, &p, &c), DECODE_OK);
	assert_int_equal(p.ip_proto, 50);
	assert_int_equal(p.l4_offset, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.payload_len, 24);
	assert_ptr_equal(p.payload, pb.b + 20);
	assert_int_equal(c.ip_other, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_fields),
		cmocka_unit_test(test_options_valid),
		cmocka_unit_test(test_options_checked_like_suricata),
		cmocka_unit_test(test_options_recorded),
		cmocka_unit_test(test_first_fragment),
		cmocka_unit_test(test_first_fragment_udp_length),
		cmocka_unit_test(test_non_first_fragment),
		cmocka_unit_test(test_fragment_too_large),
		cmocka_unit_test(test_header_checksum),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_bad_ihl),
		cmocka_unit_test(test_bad_total_len),
		cmocka_unit_test(test_total_len_shorter_than_frame),
		cmocka_unit_test(test_esp_has_no_l4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
