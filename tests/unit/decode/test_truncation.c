/*
 * Robustness: every prefix of valid packets (on every link type) and many
 * byte-mutated copies are decoded from exact-size heap buffers, so ASan
 * catches any read past the end. Short prefixes must raise a malformed
 * event; every result must stay inside the packet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests/unit/decode/packet_builder.h"

struct sample {
	const char *name;
	uint8_t link;
	struct pb pb;
};

static struct sample samples[8];
static size_t n_samples;

static struct pb *add(const char *name, uint8_t link)
{
	struct sample *s = &samples[n_samples++];
	s->name = name;
	s->link = link;
	pb_init(&s->pb);
	return &s->pb;
}

static void build_samples(void)
{
	static const uint8_t ip_opts[] = { 1, 148, 4, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t tcp_opts[] = { 2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1 };
	static const uint8_t hbh[] = { 60, 0, 5, 2, 0, 0, 0, 0 };
	static const uint8_t dst_to_frag[] = { 44, 0, 5, 2, 0, 0, 0, 0 };
	static const uint8_t frag[] = { 17, 0, 0, 1, 0, 0, 0, 9 };
	struct pb *pb;

	pb = add("eth ipv4+opts tcp+opts", LINK_ETHERNET);
	pb_eth(pb, 0x0800);
	pb_ipv4(pb, 6, ip_opts, sizeof(ip_opts), 0);
	pb_tcp(pb, 1, 2, TCP_FLAG_ACK, tcp_opts, sizeof(tcp_opts));
	pb_bytes(pb, "data", 4);
	pb_finish(pb);

	pb = add("qinq ipv6 hbh dst frag udp", LINK_ETHERNET);
	pb_eth(pb, 0x88a8);
	pb_vlan(pb, 10, 0x8100);
	pb_vlan(pb, 20, 0x86dd);
	pb_ipv6(pb, 0);
	pb_bytes(pb, hbh, 8);
	pb_bytes(pb, dst_to_frag, 8);
	pb_bytes(pb, frag, 8);
	pb_udp(pb, 3, 4);
	pb_bytes(pb, "8 bytes!", 8);
	pb_finish(pb);

	pb = add("sll ipv4 icmp", LINK_SLL);
	pb_be16(pb, 0); pb_be16(pb, 1); pb_be16(pb, 6); pb_fill(pb, 0xaa, 8); pb_be16(pb, 0x0800);
	pb_ipv4(pb, 1, NULL, 0, 0);
	pb_icmp(pb, 1, 0, 0);
	pb_bytes(pb, "pong", 4);
	pb_finish(pb);

	pb = add("sll2 ipv6 icmpv6", LINK_SLL2);
	pb_be16(pb, 0x86dd); pb_be16(pb, 0); pb_be32(pb, 1); pb_be16(pb, 1); pb_u8(pb, 0); pb_u8(pb, 6);
	pb_fill(pb, 0xbb, 8);
	pb_ipv6(pb, 58);
	pb_icmp(pb, 58, 129, 0);
	pb_finish(pb);

	pb = add("null ipv4 udp", LINK_NULL);
	pb_be32(pb, 2);
	pb_ipv4(pb, 17, NULL, 0, 0);
	pb_udp(pb, 5, 6);
	pb_bytes(pb, "abc", 3);
	pb_finish(pb);

	pb = add("raw ipv6 ah tcp", LINK_RAW);
	pb_ipv6(pb, 51);
	pb_u8(pb, 6); pb_u8(pb, 1); pb_fill(pb, 0, 10);
	pb_tcp(pb, 7, 8, TCP_FLAG_SYN, NULL, 0);
	pb_finish(pb);

	pb = add("pppoe ipv6 tcp", LINK_ETHERNET);
	pb_eth(pb, 0x8864);
	pb_u8(pb, 0x11); pb_u8(pb, 0); pb_be16(pb, 1); pb_be16(pb, 2 + 60); pb_be16(pb, 0x0057);
	pb_ipv6(pb, 6);
	pb_tcp(pb, 9, 10, TCP_FLAG_FIN, NULL, 0);
	pb_finish(pb);
}

/* Decodes len bytes copied into an exact-size heap buffer; checks that
 * every pointer and offset the decoder produced is inside the packet. */
static enum decode_event decode_copy(const uint8_t *bytes, size_t len, uint8_t link,
				     struct packet *p, struct decode_counters *c)
{
	uint8_t *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, bytes, len);
	memset(p, 0, sizeof(*p));
	p->data = buf;
	p->len = (uint32_t)len;
	p->link = link;
	enum decode_event e = decode_packet(p, NULL, c);

	assert_int_equal(e, p->decode_event);
	assert_true((unsigned)e < DECODE_EVENT__COUNT);
	assert_int_equal(decode_event_is_malformed(e), !!(p->flags & PKT_DECODE_ERROR));
	if (p->payload) {
		assert_true(p->payload >= buf);
		assert_true(p->payload_len > 0);
		assert_true(p->payload + p->payload_len <= buf + len);
	} else {
		assert_int_equal(p->payload_len, 0);
	}
	if (p->l3 != L3_NONE)
		assert_true(p->l3_offset < len);
	if (p->l4_offset)
		assert_true(p->l4_offset < len && p->l4_offset > p->l3_offset);
	assert_true(p->vlan_count <= 2);
	free(buf);
	return e;
}

static void test_every_prefix(void **state)
{
	(void)state;
	for (size_t s = 0; s < n_samples; s++) {
		struct sample *sm = &samples[s];
		struct packet p;
		struct decode_counters c = { 0 };
		enum decode_event full = decode_copy(sm->pb.b, sm->pb.len, sm->link, &p, &c);
		if (full != DECODE_OK)
			fail_msg("%s: full packet gives %s", sm->name, decode_event_name(full));
		assert_false(p.flags & (PKT_L4_CSUM_BAD | PKT_IPV4_CSUM_BAD));
		for (size_t len = 0; len < sm->pb.len; len++) {
			enum decode_event e = decode_copy(sm->pb.b, len, sm->link, &p, &c);
			if (!decode_event_is_malformed(e))
				fail_msg("%s cut to %zu bytes: %s", sm->name, len, decode_event_name(e));
			assert_false(p.flags & PKT_L4_CSUM_CHECKED);
		}
		assert_int_equal(c.packets, sm->pb.len + 1);
		assert_int_equal(c.invalid, sm->pb.len);
	}
}

static void test_mutations(void **state)
{
	(void)state;
	uint32_t rng = 12345;
	for (size_t s = 0; s < n_samples; s++) {
		struct sample *sm = &samples[s];
		struct decode_counters c = { 0 };
		for (int round = 0; round < 20000; round++) {
			uint8_t buf[sizeof(sm->pb.b)];
			size_t len = sm->pb.len;
			memcpy(buf, sm->pb.b, len);
			int flips = 1 + round % 4;
			for (int f = 0; f < flips; f++) {
				rng = rng * 1103515245u + 12345u;
				size_t at = (rng >> 8) % len;
				rng = rng * 1103515245u + 12345u;
				buf[at] = (uint8_t)(rng >> 16);
			}
			rng = rng * 1103515245u + 12345u;
			if (round % 3 == 0)
				len = (rng >> 8) % (len + 1);
			struct packet p;
			decode_copy(buf, len, sm->link, &p, &c);
		}
		assert_int_equal(c.packets, 20000);
	}
}

int main(void)
{
	build_samples();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
