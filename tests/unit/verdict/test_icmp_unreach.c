/* ICMP / ICMPv6 port unreachable for rejected UDP (and TCP) packets:
 * addressing, type/code, what is quoted and how much, VLAN tags, checksums. */
#include "tests/unit/verdict/reject_test_util.h"

/* Builds the error for f, checks that it decodes cleanly as an ICMP error
 * sent back to f's sender, that it quotes exactly `quote` bytes of f's IP
 * packet, and returns it decoded in *q. */
static size_t build_unreach(const struct t_frame *f, size_t quote, uint8_t *out, struct packet *q)
{
	size_t ip_len = f->p.l3 == L3_IPV4 ? 20 : 40;
	size_t n = reject_build_icmp_unreach(&f->p, out, REJECT_FRAME_MAX);
	assert_int_equal(n, f->p.l3_offset + ip_len + 8 + quote);
	t_redecode(out, n, q);
	t_check_checksums(out + q->l3_offset, n - q->l3_offset);

	assert_memory_equal(out, T_MAC_SRC, 6);
	assert_memory_equal(out + 6, T_MAC_DST, 6);
	assert_memory_equal(out + 12, f->pb.b + 12, f->p.l3_offset - 12);  /* tags + ethertype */
	assert_int_equal(q->l3, f->p.l3);
	assert_memory_equal(q->src.u8, f->p.dst.u8, 16);
	assert_memory_equal(q->dst.u8, f->p.src.u8, 16);
	assert_int_equal(q->ttl, 64);
	assert_true(q->flags & PKT_ICMP_ERROR);
	if (q->l3 == L3_IPV4) {
		assert_int_equal(q->ip_proto, 1);
		assert_int_equal(q->icmp_type, 3);
		assert_int_equal(q->icmp_code, 3);
		assert_int_equal(q->ip_id, 0);
		assert_int_equal(out[q->l3_offset + 6], 0x40);  /* DF */
	} else {
		assert_int_equal(q->ip_proto, 58);
		assert_int_equal(q->icmp_type, 1);
		assert_int_equal(q->icmp_code, 4);
	}
	const uint8_t *icmp = out + q->l4_offset;
	assert_int_equal(q->l4_offset, q->l3_offset + ip_len);
	assert_memory_equal(icmp + 4, "\0\0\0\0", 4);                      /* unused field */
	assert_memory_equal(icmp + 8, f->pb.b + f->p.l3_offset, quote);    /* the quote */
	return n;
}

static void test_ipv4_udp_quoted_whole(void **state)
{
	(void)state;
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	t_udp(&f, 4, 0, 100);
	build_unreach(&f, 20 + 8 + 100, out, &q);
	assert_int_equal(q.ip_total_len, 20 + 8 + 20 + 8 + 100);
}

static void test_ipv6_udp_quoted_whole(void **state)
{
	(void)state;
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	t_udp(&f, 6, 0, 101);   /* odd length: checksum padding */
	build_unreach(&f, 40 + 8 + 101, out, &q);
}

static void test_ipv4_quote_capped_at_576(void **state)
{
	(void)state;
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	t_udp(&f, 4, 0, 1400);
	size_t n = build_unreach(&f, 576 - 20 - 8, out, &q);
	assert_int_equal(n, 14 + 576);
	assert_int_equal(q.ip_total_len, 576);
}

static void test_ipv6_quote_capped_at_1280(void **state)
{
	(void)state;
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	t_udp(&f, 6, 2, 1400);
	size_t n = build_unreach(&f, 1280 - 40 - 8, out, &q);
	assert_int_equal(n, 14 + 8 + 1280);
	assert_int_equal(q.ip_total_len, 1280);
	assert_true(n <= REJECT_FRAME_MAX);
}

static void test_vlan_tags_kept(void **state)
{
	(void)state;
	for (int ipver = 4; ipver <= 6; ipver += 2) {
		for (int ntags = 1; ntags <= 2; ntags++) {
			struct t_frame f;
			struct packet q;
			uint8_t out[REJECT_FRAME_MAX];
			t_udp(&f, ipver, ntags, 12);
			build_unreach(&f, (ipver == 4 ? 20 : 40) + 8 + 12, out, &q);
			assert_int_equal(q.vlan_count, ntags);
			assert_int_equal(q.vlan_id[0], T_TCI_OUTER & 0x0fff);
		}
	}
}

static void test_ethernet_padding_not_quoted(void **state)
{
	(void)state;
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	memset(&f, 0, sizeof(f));
	pb_init(&f.pb);
	pb_eth(&f.pb, 0x0800);
	pb_ipv4(&f.pb, 17, NULL, 0, 0);
	pb_udp(&f.pb, 5353, 53);
	pb_bytes(&f.pb, "abc", 3);
	pb_finish(&f.pb);
	pb_fill(&f.pb, 0xee, 60 - f.pb.len);   /* minimum Ethernet frame */
	t_decode(&f);
	build_unreach(&f, 20 + 8 + 3, out, &q);
}

static void test_tcp_gets_icmp_too(void **state)
{
	(void)state;
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	t_tcp(&f, 6, 1, TCP_FLAG_SYN, 42, 0, 0);
	build_unreach(&f, 40 + 20, out, &q);
	/* but never for a reset */
	t_tcp(&f, 4, 0, TCP_FLAG_RST, 42, 0, 0);
	assert_int_equal(reject_build_icmp_unreach(&f.p, out, sizeof(out)), 0);
}

static void test_short_capture_quotes_only_captured(void **state)
{
	(void)state;
	/* The front end captured 20 bytes of a 200-byte UDP payload: the
	 * packet is not decoded as truncated here (struct left as decoded
	 * from the whole frame), the quote still stops at p->len. */
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	t_udp(&f, 4, 0, 200);
	size_t cut = f.p.l4_offset + 8 + 20;
	uint8_t *exact = t_exact_copy(f.pb.b, cut);
	f.p.data = exact;
	f.p.len = (uint32_t)cut;
	build_unreach(&f, cut - f.p.l3_offset, out, &q);
	/* too little for the IP header + 8 bytes of UDP: nothing */
	f.p.len = f.p.l4_offset + 7;
	assert_int_equal(reject_build_icmp_unreach(&f.p, out, sizeof(out)), 0);
	free(exact);
}

static void test_buffer_size(void **state)
{
	(void)state;
	struct t_frame f;
	uint8_t out[REJECT_FRAME_MAX + 1];
	t_udp(&f, 4, 0, 10);
	size_t need = 14 + 20 + 8 + 20 + 8 + 10;
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(reject_build_icmp_unreach(&f.p, out, need - 1), 0);
	assert_int_equal(out[0], 0xaa);
	assert_int_equal(reject_build_icmp_unreach(&f.p, out, need), need);
	assert_int_equal(out[need], 0xaa);
	assert_int_equal(reject_build_icmp_unreach(&f.p, NULL, need), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp_quoted_whole),
		cmocka_unit_test(test_ipv6_udp_quoted_whole),
		cmocka_unit_test(test_ipv4_quote_capped_at_576),
		cmocka_unit_test(test_ipv6_quote_capped_at_1280),
		cmocka_unit_test(test_vlan_tags_kept),
		cmocka_unit_test(test_ethernet_padding_not_quoted),
		cmocka_unit_test(test_tcp_gets_icmp_too),
		cmocka_unit_test(test_short_capture_quotes_only_captured),
		cmocka_unit_test(test_buffer_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
