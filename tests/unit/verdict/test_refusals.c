/* Packets that must get no reply, and robustness: truncated captures and
 * mutated frames never make a builder read past the capture or emit a
 * frame that does not decode cleanly. */
#include "tests/unit/verdict/reject_test_util.h"

/* Every builder refuses p. */
static void assert_no_reply(const struct packet *p)
{
	uint8_t out[REJECT_FRAME_MAX];
	assert_int_equal(reject_build_tcp_rst(p, REJECT_TO_SOURCE, out, sizeof(out)), 0);
	assert_int_equal(reject_build_tcp_rst(p, REJECT_TO_DESTINATION, out, sizeof(out)), 0);
	assert_int_equal(reject_build_icmp_unreach(p, out, sizeof(out)), 0);
}

/* The builder for p's protocol answers it (the control for each refusal). */
static void assert_reply(const struct packet *p)
{
	uint8_t out[REJECT_FRAME_MAX];
	if (p->ip_proto == 6) {
		assert_true(reject_build_tcp_rst(p, REJECT_TO_SOURCE, out, sizeof(out)) > 0);
		assert_true(reject_build_tcp_rst(p, REJECT_TO_DESTINATION, out, sizeof(out)) > 0);
	}
	assert_true(reject_build_icmp_unreach(p, out, sizeof(out)) > 0);
}

static void test_incoming_reset(void **state)
{
	(void)state;
	struct t_frame f;
	t_tcp(&f, 4, 0, TCP_FLAG_RST, 1, 0, 0);
	assert_no_reply(&f.p);
	t_tcp(&f, 6, 1, TCP_FLAG_RST | TCP_FLAG_ACK, 1, 2, 0);
	assert_no_reply(&f.p);
	t_tcp(&f, 6, 1, TCP_FLAG_ACK, 1, 2, 0);
	assert_reply(&f.p);
}

static void test_not_tcp_or_udp(void **state)
{
	(void)state;
	struct t_frame f;
	uint8_t out[REJECT_FRAME_MAX];
	/* ICMP echo request */
	memset(&f, 0, sizeof(f));
	pb_init(&f.pb);
	pb_eth(&f.pb, 0x0800);
	pb_ipv4(&f.pb, 1, NULL, 0, 0);
	pb_icmp(&f.pb, 1, 8, 0);
	pb_finish(&f.pb);
	t_decode(&f);
	assert_no_reply(&f.p);

	/* An ICMP error (as the builder itself emits): never answered */
	struct t_frame u;
	t_udp(&u, 4, 0, 8);
	size_t n = reject_build_icmp_unreach(&u.p, out, sizeof(out));
	assert_true(n > 0);
	struct packet q;
	t_redecode(out, n, &q);
	assert_true(q.flags & PKT_ICMP_ERROR);
	assert_no_reply(&q);

	/* ICMPv6 echo, GRE, SCTP */
	static const uint8_t protos[] = { 58, 47, 132 };
	for (size_t i = 0; i < sizeof(protos); i++) {
		memset(&f, 0, sizeof(f));
		pb_init(&f.pb);
		pb_eth(&f.pb, 0x86dd);
		pb_ipv6(&f.pb, protos[i]);
		if (protos[i] == 58)
			pb_icmp(&f.pb, 58, 128, 0);
		else
			pb_fill(&f.pb, 0, 16);
		pb_finish(&f.pb);
		t_decode(&f);
		assert_no_reply(&f.p);
	}
}

static void test_not_ethernet(void **state)
{
	(void)state;
	struct t_frame f;
	memset(&f, 0, sizeof(f));
	pb_init(&f.pb);
	pb_ipv4(&f.pb, 6, NULL, 0, 0);
	pb_tcp(&f.pb, T_SPORT, T_DPORT, TCP_FLAG_ACK, NULL, 0);
	pb_finish(&f.pb);
	assert_int_equal(pb_decode(&f.pb, LINK_RAW, &f.p, &f.c), DECODE_OK);
	assert_int_equal(f.p.ip_proto, 6);
	assert_no_reply(&f.p);
}

static void test_pppoe_not_answered(void **state)
{
	(void)state;
	struct t_frame f;
	memset(&f, 0, sizeof(f));
	pb_init(&f.pb);
	pb_eth(&f.pb, 0x8864);
	pb_u8(&f.pb, 0x11);
	pb_u8(&f.pb, 0);
	pb_be16(&f.pb, 1);        /* session */
	size_t len_at = f.pb.len;
	pb_be16(&f.pb, 0);        /* length: below */
	pb_be16(&f.pb, 0x0021);   /* PPP: IPv4 */
	pb_ipv4(&f.pb, 17, NULL, 0, 0);
	pb_udp(&f.pb, 1000, 2000);
	pb_bytes(&f.pb, "xyz", 3);
	pb_finish(&f.pb);
	pb_put16(&f.pb, len_at, (uint16_t)(f.pb.len - len_at - 2));
	t_decode(&f);
	assert_int_equal(f.p.ip_proto, 17);
	assert_no_reply(&f.p);
}

static void test_three_vlan_tags_kept(void **state)
{
	(void)state;
	struct t_frame f;
	uint8_t out[REJECT_FRAME_MAX];
	memset(&f, 0, sizeof(f));
	pb_init(&f.pb);
	pb_eth(&f.pb, 0x88a8);
	pb_vlan(&f.pb, 0x0001, 0x8100);
	pb_vlan(&f.pb, 0x0002, 0x8100);
	pb_vlan(&f.pb, 0x0003, 0x0800);
	pb_ipv4(&f.pb, 6, NULL, 0, 0);
	pb_tcp(&f.pb, T_SPORT, T_DPORT, TCP_FLAG_ACK, NULL, 0);
	pb_finish(&f.pb);
	t_decode(&f);
	size_t n = reject_build_tcp_rst(&f.p, REJECT_TO_SOURCE, out, sizeof(out));
	assert_int_equal(n, 14 + 12 + 20 + 20);
	assert_memory_equal(out + 12, f.pb.b + 12, 14);
	struct packet q;
	t_redecode(out, n, &q);
	assert_int_equal(q.l3_offset, 26);
}

static void test_fragments(void **state)
{
	(void)state;
	struct t_frame f;
	/* IPv4 first fragment (MF, offset 0): has the L4 header, answered */
	memset(&f, 0, sizeof(f));
	pb_init(&f.pb);
	pb_eth(&f.pb, 0x0800);
	pb_ipv4(&f.pb, 17, NULL, 0, 0x2000);
	pb_udp(&f.pb, 1000, 2000);
	pb_fill(&f.pb, 0x55, 64);
	pb_finish(&f.pb);
	t_decode(&f);
	assert_true(f.p.flags & PKT_FIRST_FRAGMENT);
	assert_reply(&f.p);

	/* IPv4 later fragment (offset 1480): no L4 header, refused */
	memset(&f, 0, sizeof(f));
	pb_init(&f.pb);
	pb_eth(&f.pb, 0x0800);
	pb_ipv4(&f.pb, 6, NULL, 0, 185);
	pb_fill(&f.pb, 0x55, 64);
	pb_finish(&f.pb);
	t_decode(&f);
	assert_true(f.p.flags & PKT_IS_FRAGMENT);
	assert_no_reply(&f.p);
	/* refused on the fragment flags alone, whatever the offsets say */
	struct packet p = f.p;
	p.l4_offset = (uint16_t)(p.l3_offset + 20);
	assert_no_reply(&p);

	/* IPv6 later fragment of UDP */
	memset(&f, 0, sizeof(f));
	pb_init(&f.pb);
	pb_eth(&f.pb, 0x86dd);
	pb_ipv6(&f.pb, 44);
	pb_u8(&f.pb, 17);
	pb_u8(&f.pb, 0);
	pb_be16(&f.pb, (uint16_t)(1232 | 1));   /* offset 1232, more */
	pb_be32(&f.pb, 0xabcd);
	pb_fill(&f.pb, 0x55, 64);
	pb_finish(&f.pb);
	t_decode(&f);
	assert_true(f.p.flags & PKT_IS_FRAGMENT);
	assert_false(f.p.flags & PKT_FIRST_FRAGMENT);
	assert_no_reply(&f.p);
}

/* Rebuilds the checksums after an address change and decodes again. */
static void refinish(struct t_frame *f)
{
	pb_finish(&f->pb);
	t_decode(f);
}

static void test_group_addresses(void **state)
{
	(void)state;
	struct t_frame f;
	static const uint8_t bad_dst4[][4] = {
		{ 255, 255, 255, 255 }, { 224, 0, 0, 251 }, { 239, 1, 2, 3 }, { 240, 0, 0, 1 },
	};
	static const uint8_t bad_src4[][4] = {
		{ 0, 0, 0, 0 }, { 127, 0, 0, 1 }, { 224, 0, 0, 1 }, { 255, 255, 255, 255 },
	};
	for (int tcp = 0; tcp <= 1; tcp++) {
		for (size_t i = 0; i < 4; i++) {
			if (tcp) t_tcp(&f, 4, 1, TCP_FLAG_SYN, 1, 0, 0); else t_udp(&f, 4, 1, 4);
			memcpy(f.pb.b + f.pb.l3 + 16, bad_dst4[i], 4);
			refinish(&f);
			assert_no_reply(&f.p);
			if (tcp) t_tcp(&f, 4, 1, TCP_FLAG_SYN, 1, 0, 0); else t_udp(&f, 4, 1, 4);
			memcpy(f.pb.b + f.pb.l3 + 12, bad_src4[i], 4);
			refinish(&f);
			assert_no_reply(&f.p);
		}
	}

	static const uint8_t ff02_1[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t any6[16] = { 0 };
	static const uint8_t lo6[16] = { [15] = 1 };
	t_udp(&f, 6, 0, 4);
	memcpy(f.pb.b + f.pb.l3 + 24, ff02_1, 16);
	refinish(&f);
	assert_no_reply(&f.p);
	t_tcp(&f, 6, 0, TCP_FLAG_SYN, 1, 0, 0);
	memcpy(f.pb.b + f.pb.l3 + 8, any6, 16);
	refinish(&f);
	assert_no_reply(&f.p);
	t_tcp(&f, 6, 0, TCP_FLAG_SYN, 1, 0, 0);
	memcpy(f.pb.b + f.pb.l3 + 8, lo6, 16);
	refinish(&f);
	assert_no_reply(&f.p);

	/* Ethernet broadcast / multicast destination, group source address */
	t_udp(&f, 4, 0, 4);
	memset(f.pb.b, 0xff, 6);
	refinish(&f);
	assert_no_reply(&f.p);
	t_tcp(&f, 6, 0, TCP_FLAG_SYN, 1, 0, 0);
	f.pb.b[0] = 0x33;   /* 33:33:... IPv6 multicast MAC */
	refinish(&f);
	assert_no_reply(&f.p);
	t_tcp(&f, 4, 0, TCP_FLAG_SYN, 1, 0, 0);
	f.pb.b[6] = 0x01;
	refinish(&f);
	assert_no_reply(&f.p);

	/* the control: ordinary unicast both ways */
	t_tcp(&f, 4, 0, TCP_FLAG_SYN, 1, 0, 0);
	assert_reply(&f.p);
}

static void test_malformed_not_answered(void **state)
{
	(void)state;
	struct t_frame f;
	/* TCP data offset 15 (60 bytes) in a 20-byte segment */
	t_tcp(&f, 4, 0, TCP_FLAG_ACK, 1, 2, 0);
	f.pb.b[f.pb.l4 + 12] = 0xf0;
	pb_finish(&f.pb);
	memset(&f.p, 0, sizeof(f.p));
	f.p.data = f.pb.b;
	f.p.len = (uint32_t)f.pb.len;
	f.p.link = LINK_ETHERNET;
	decode_packet(&f.p, NULL, &f.c);
	assert_true(f.p.flags & PKT_DECODE_ERROR);
	assert_no_reply(&f.p);

	/* a decoded struct whose offsets disagree with the bytes */
	t_tcp(&f, 4, 1, TCP_FLAG_ACK, 1, 2, 0);
	struct packet p = f.p;
	p.l3_offset = 14;
	assert_no_reply(&p);
	p = f.p;
	p.l4_offset = 0;
	assert_no_reply(&p);
	p = f.p;
	p.len = p.l4_offset + 19;   /* TCP header not all captured */
	assert_no_reply(&p);
	p = f.p;
	p.data = NULL;
	assert_no_reply(&p);
	/* capture cut inside the VLAN tag: nothing read past it (ASan) */
	for (uint32_t cut = 0; cut < (uint32_t)p.l3_offset + 20; cut++) {
		uint8_t *exact = t_exact_copy(f.pb.b, cut);
		p = f.p;
		p.data = exact;
		p.len = cut;
		assert_no_reply(&p);
		free(exact);
	}
}

/* Calls every builder on p; any frame produced must decode cleanly, carry
 * good checksums and fit REJECT_FRAME_MAX. Returns how many were built. */
static int build_all_and_check(const struct packet *p)
{
	uint8_t out[REJECT_FRAME_MAX];
	int built = 0;
	for (int k = 0; k < 3; k++) {
		size_t n = k < 2 ? reject_build_tcp_rst(p, (enum reject_direction)k, out, sizeof(out))
				 : reject_build_icmp_unreach(p, out, sizeof(out));
		if (n == 0)
			continue;
		assert_true(n <= REJECT_FRAME_MAX);
		struct packet q;
		t_redecode(out, n, &q);
		t_check_checksums(out + q.l3_offset, n - q.l3_offset);
		built++;
	}
	return built;
}

/* Decodes n bytes of frame from an exact-size heap copy (so ASan sees any
 * read past the capture) and runs every builder on the result. */
static int decode_and_build(const uint8_t *frame, size_t n)
{
	uint8_t *exact = t_exact_copy(frame, n);
	struct packet p;
	struct decode_counters c = { 0 };
	memset(&p, 0, sizeof(p));
	p.data = exact;
	p.len = (uint32_t)n;
	p.wire_len = p.len;
	p.link = LINK_ETHERNET;
	decode_packet(&p, NULL, &c);
	int built = build_all_and_check(&p);
	free(exact);
	return built;
}

static void test_every_truncation(void **state)
{
	(void)state;
	for (int ipver = 4; ipver <= 6; ipver += 2) {
		for (int ntags = 0; ntags <= 2; ntags++) {
			struct t_frame tcp, udp;
			t_tcp(&tcp, ipver, ntags, TCP_FLAG_ACK | TCP_FLAG_PSH, 9, 99, 40);
			t_udp(&udp, ipver, ntags, 40);
			for (size_t n = 0; n <= tcp.pb.len; n++) {
				int built = decode_and_build(tcp.pb.b, n);
				/* only the whole frame decodes as TCP: RST x2 + ICMP */
				assert_int_equal(built, n == tcp.pb.len ? 3 : 0);
			}
			for (size_t n = 0; n <= udp.pb.len; n++)
				assert_int_equal(decode_and_build(udp.pb.b, n), n == udp.pb.len ? 1 : 0);
		}
	}
}

static void test_mutated_frames(void **state)
{
	(void)state;
	uint32_t rng = 12345;
	int built = 0;
	for (int iter = 0; iter < 20000; iter++) {
		struct t_frame f;
		int ipver = iter & 1 ? 6 : 4;
		if (iter & 2)
			t_tcp(&f, ipver, (iter >> 2) % 3, TCP_FLAG_ACK, 7, 8, 30);
		else
			t_udp(&f, ipver, (iter >> 2) % 3, 30);
		/* flip 1-4 bytes in the headers */
		int flips = 1 + (iter >> 4) % 4;
		for (int i = 0; i < flips; i++) {
			rng = rng * 1103515245u + 12345u;
			size_t at = (rng >> 8) % (f.pb.len - 30);
			rng = rng * 1103515245u + 12345u;
			f.pb.b[at] ^= (uint8_t)(1u << ((rng >> 16) & 7));
		}
		/* half the time fix the checksums so deeper layers are reached */
		if (iter & 8)
			pb_finish(&f.pb);
		built += decode_and_build(f.pb.b, f.pb.len);
	}
	assert_true(built > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incoming_reset),
		cmocka_unit_test(test_not_tcp_or_udp),
		cmocka_unit_test(test_not_ethernet),
		cmocka_unit_test(test_pppoe_not_answered),
		cmocka_unit_test(test_three_vlan_tags_kept),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_group_addresses),
		cmocka_unit_test(test_malformed_not_answered),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_mutated_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
