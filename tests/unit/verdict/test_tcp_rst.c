/* TCP resets for rejected TCP packets: both directions, IPv4 and IPv6,
 * sequence numbers for SYN / data / FIN, VLAN tags, checksums, buffer size. */
#include "tests/unit/verdict/reject_test_util.h"

#define SEQ 1000000u
#define ACK 5000000u

/* Builds the reset for f in direction dir, checks its size and that it
 * decodes cleanly with good checksums, and returns it decoded in *q. */
static size_t build_rst(const struct t_frame *f, enum reject_direction dir, uint8_t *out,
			struct packet *q)
{
	size_t n = reject_build_tcp_rst(&f->p, dir, out, REJECT_FRAME_MAX);
	size_t ip_len = f->p.l3 == L3_IPV4 ? 20 : 40;
	assert_int_equal(n, f->p.l3_offset + ip_len + 20);
	t_redecode(out, n, q);
	t_check_checksums(out + q->l3_offset, n - q->l3_offset);
	assert_int_equal(q->ip_proto, 6);
	assert_int_equal(q->ttl, 64);
	assert_int_equal(q->payload_len, 0);
	assert_int_equal(q->tcp_win, 0);
	assert_int_equal(q->l4_offset, q->l3_offset + ip_len);  /* no IP options or extension headers */
	assert_int_equal(out[q->l4_offset + 12], 0x50);         /* no TCP options */
	if (q->l3 == L3_IPV4) {
		assert_int_equal(q->ip_id, 0);
		assert_int_equal(out[q->l3_offset + 6], 0x40);  /* DF, offset 0 */
		assert_int_equal(out[q->l3_offset + 7], 0);
		assert_int_equal(q->ip_total_len, 40);
	}
	return n;
}

static void assert_to_source(const struct t_frame *f, const struct packet *q, const uint8_t *out)
{
	assert_memory_equal(out, T_MAC_SRC, 6);
	assert_memory_equal(out + 6, T_MAC_DST, 6);
	assert_memory_equal(q->src.u8, f->p.dst.u8, 16);
	assert_memory_equal(q->dst.u8, f->p.src.u8, 16);
	assert_int_equal(q->sport, T_DPORT);
	assert_int_equal(q->dport, T_SPORT);
}

static void assert_to_destination(const struct t_frame *f, const struct packet *q, const uint8_t *out)
{
	assert_memory_equal(out, T_MAC_DST, 6);
	assert_memory_equal(out + 6, T_MAC_SRC, 6);
	assert_memory_equal(q->src.u8, f->p.src.u8, 16);
	assert_memory_equal(q->dst.u8, f->p.dst.u8, 16);
	assert_int_equal(q->sport, T_SPORT);
	assert_int_equal(q->dport, T_DPORT);
}

static void data_with_ack_both_ways(int ipver)
{
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	t_tcp(&f, ipver, 0, TCP_FLAG_ACK | TCP_FLAG_PSH, SEQ, ACK, 100);

	build_rst(&f, REJECT_TO_SOURCE, out, &q);
	assert_int_equal(q.l3, ipver == 4 ? L3_IPV4 : L3_IPV6);
	assert_to_source(&f, &q, out);
	assert_int_equal(q.tcp_flags, TCP_FLAG_RST | TCP_FLAG_ACK);
	assert_int_equal(q.tcp_seq, ACK);          /* where the sender's window starts */
	assert_int_equal(q.tcp_ack, SEQ + 100);    /* everything the segment carried */

	build_rst(&f, REJECT_TO_DESTINATION, out, &q);
	assert_to_destination(&f, &q, out);
	assert_int_equal(q.tcp_flags, TCP_FLAG_RST | TCP_FLAG_ACK);
	assert_int_equal(q.tcp_seq, SEQ);          /* what the destination expects next */
	assert_int_equal(q.tcp_ack, ACK);
}

static void test_ipv4_data_segment(void **state)
{
	(void)state;
	data_with_ack_both_ways(4);
}

static void test_ipv6_data_segment(void **state)
{
	(void)state;
	data_with_ack_both_ways(6);
}

static void syn_both_ways(int ipver)
{
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	/* a SYN's ACK field means nothing; some stacks leave junk in it */
	t_tcp(&f, ipver, 0, TCP_FLAG_SYN, 0xfffffff0u, 0x12345678u, 0);

	/* The client is in SYN-SENT: it accepts a RST whose ACK covers its SYN. */
	build_rst(&f, REJECT_TO_SOURCE, out, &q);
	assert_to_source(&f, &q, out);
	assert_int_equal(q.tcp_flags, TCP_FLAG_RST | TCP_FLAG_ACK);
	assert_int_equal(q.tcp_seq, 0);
	assert_int_equal(q.tcp_ack, 0xfffffff1u);

	build_rst(&f, REJECT_TO_DESTINATION, out, &q);
	assert_to_destination(&f, &q, out);
	assert_int_equal(q.tcp_flags, TCP_FLAG_RST);
	assert_int_equal(q.tcp_seq, 0xfffffff0u);
	assert_int_equal(q.tcp_ack, 0);
}

static void test_ipv4_syn(void **state)
{
	(void)state;
	syn_both_ways(4);
}

static void test_ipv6_syn(void **state)
{
	(void)state;
	syn_both_ways(6);
}

static void test_syn_ack_from_server(void **state)
{
	(void)state;
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	t_tcp(&f, 4, 0, TCP_FLAG_SYN | TCP_FLAG_ACK, 777, 1001, 0);
	build_rst(&f, REJECT_TO_SOURCE, out, &q);
	assert_int_equal(q.tcp_seq, 1001);
	assert_int_equal(q.tcp_ack, 778);
	/* The client waits in SYN-SENT for exactly ACK 1001. */
	build_rst(&f, REJECT_TO_DESTINATION, out, &q);
	assert_int_equal(q.tcp_flags, TCP_FLAG_RST | TCP_FLAG_ACK);
	assert_int_equal(q.tcp_seq, 777);
	assert_int_equal(q.tcp_ack, 1001);
}

static void test_fin_counts_one(void **state)
{
	(void)state;
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	t_tcp(&f, 4, 0, TCP_FLAG_FIN | TCP_FLAG_ACK, SEQ, ACK, 0);
	build_rst(&f, REJECT_TO_SOURCE, out, &q);
	assert_int_equal(q.tcp_ack, SEQ + 1);
	assert_int_equal(q.tcp_seq, ACK);

	t_tcp(&f, 6, 0, TCP_FLAG_FIN | TCP_FLAG_ACK | TCP_FLAG_PSH, SEQ, ACK, 10);
	build_rst(&f, REJECT_TO_SOURCE, out, &q);
	assert_int_equal(q.tcp_ack, SEQ + 11);
}

static void test_sequence_wraps(void **state)
{
	(void)state;
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	t_tcp(&f, 4, 0, TCP_FLAG_ACK, 0xfffffffbu, ACK, 10);
	build_rst(&f, REJECT_TO_SOURCE, out, &q);
	assert_int_equal(q.tcp_ack, 5);
}

static void test_vlan_tags_kept(void **state)
{
	(void)state;
	for (int ipver = 4; ipver <= 6; ipver += 2) {
		for (int ntags = 1; ntags <= 2; ntags++) {
			struct t_frame f;
			struct packet q;
			uint8_t out[REJECT_FRAME_MAX];
			t_tcp(&f, ipver, ntags, TCP_FLAG_ACK, SEQ, ACK, 3);
			assert_int_equal(f.p.vlan_count, ntags);
			for (int dir = REJECT_TO_SOURCE; dir <= REJECT_TO_DESTINATION; dir++) {
				build_rst(&f, (enum reject_direction)dir, out, &q);
				/* TPIDs, priorities and VLAN ids byte for byte, then the IP ethertype */
				assert_memory_equal(out + 12, f.pb.b + 12, f.p.l3_offset - 12);
				assert_int_equal(q.l3_offset, f.p.l3_offset);
				assert_int_equal(q.vlan_count, ntags);
				assert_int_equal(q.vlan_id[0], T_TCI_OUTER & 0x0fff);
				if (ntags == 2)
					assert_int_equal(q.vlan_id[1], T_TCI_INNER & 0x0fff);
			}
		}
	}
}

static void test_options_not_copied(void **state)
{
	(void)state;
	/* IPv4 options (NOP x7, EOL) and TCP options (MSS) in the rejected packet */
	static const uint8_t ipopts[8] = { 1, 1, 1, 1, 1, 1, 1, 0 };
	static const uint8_t tcpopts[4] = { 2, 4, 0x05, 0xb4 };
	struct t_frame f;
	struct packet q;
	uint8_t out[REJECT_FRAME_MAX];
	memset(&f, 0, sizeof(f));
	pb_init(&f.pb);
	pb_eth(&f.pb, 0x0800);
	pb_ipv4(&f.pb, 6, ipopts, sizeof(ipopts), 0);
	pb_tcp(&f.pb, T_SPORT, T_DPORT, TCP_FLAG_ACK, tcpopts, sizeof(tcpopts));
	pb_bytes(&f.pb, "hello", 5);
	pb_finish(&f.pb);
	t_decode(&f);
	assert_true(f.p.flags & PKT_IPV4_OPTIONS);
	assert_int_equal(f.p.payload_len, 5);
	build_rst(&f, REJECT_TO_SOURCE, out, &q);   /* checks 20-byte headers */
	assert_int_equal(q.tcp_seq, 2000);          /* the builder's ack */
	assert_int_equal(q.tcp_ack, 1000 + 5);
}

static void test_buffer_size(void **state)
{
	(void)state;
	struct t_frame f;
	uint8_t out[REJECT_FRAME_MAX + 1];
	t_tcp(&f, 6, 2, TCP_FLAG_ACK, SEQ, ACK, 0);
	size_t need = 14 + 8 + 40 + 20;

	memset(out, 0xaa, sizeof(out));
	assert_int_equal(reject_build_tcp_rst(&f.p, REJECT_TO_SOURCE, out, need - 1), 0);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xaa);   /* a refused build writes nothing */

	assert_int_equal(reject_build_tcp_rst(&f.p, REJECT_TO_SOURCE, out, need), need);
	assert_int_equal(out[need], 0xaa);        /* nothing past the frame */
	assert_int_equal(reject_build_tcp_rst(&f.p, REJECT_TO_SOURCE, NULL, need), 0);
	assert_int_equal(reject_build_tcp_rst(&f.p, (enum reject_direction)7, out, need), 0);
}

static void test_reply_kind(void **state)
{
	(void)state;
	struct t_frame f;
	t_tcp(&f, 4, 0, TCP_FLAG_ACK, SEQ, ACK, 0);
	assert_int_equal(reject_reply_for(&f.p), REJECT_REPLY_TCP_RST);
	t_tcp(&f, 6, 1, TCP_FLAG_SYN, SEQ, 0, 0);
	assert_int_equal(reject_reply_for(&f.p), REJECT_REPLY_TCP_RST);
	t_tcp(&f, 4, 0, TCP_FLAG_RST | TCP_FLAG_ACK, SEQ, ACK, 0);
	assert_int_equal(reject_reply_for(&f.p), REJECT_REPLY_NONE);
	t_udp(&f, 6, 0, 20);
	assert_int_equal(reject_reply_for(&f.p), REJECT_REPLY_ICMP_UNREACH);

	memset(&f, 0, sizeof(f));
	pb_init(&f.pb);
	pb_eth(&f.pb, 0x0800);
	pb_ipv4(&f.pb, 1, NULL, 0, 0);
	pb_icmp(&f.pb, 1, 8, 0);   /* echo request */
	pb_finish(&f.pb);
	t_decode(&f);
	assert_int_equal(reject_reply_for(&f.p), REJECT_REPLY_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_data_segment),
		cmocka_unit_test(test_ipv6_data_segment),
		cmocka_unit_test(test_ipv4_syn),
		cmocka_unit_test(test_ipv6_syn),
		cmocka_unit_test(test_syn_ack_from_server),
		cmocka_unit_test(test_fin_counts_one),
		cmocka_unit_test(test_sequence_wraps),
		cmocka_unit_test(test_vlan_tags_kept),
		cmocka_unit_test(test_options_not_copied),
		cmocka_unit_test(test_buffer_size),
		cmocka_unit_test(test_reply_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
