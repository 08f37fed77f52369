/*
 * unit_flow_tcp: the TCP tracking behind flow:established / not_established /
 * to_server / to_client: handshake, midstream, SYN/ACK-first, close, reuse,
 * and per-packet state within one burst.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/flow/flow_test_util.h"

#define C "192.168.1.10"
#define S "10.1.1.1"

static struct packet cs(uint8_t flags, uint64_t ts) { return pkt_make(C, 51000, S, 80, 6, flags, ts); }
static struct packet sc(uint8_t flags, uint64_t ts) { return pkt_make(S, 80, C, 51000, 6, flags, ts); }

static unsigned released;
static void count_release(void *ctx, struct flow *f) { (void)ctx; (void)f; released++; }

static void test_handshake_establishes(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet syn = cs(SYN, SEC), synack = sc(SYN | ACK, SEC), ack = cs(ACK, SEC);
	struct packet data = cs(ACK | PSH, SEC), reply = sc(ACK | PSH, SEC);
	struct flow *f = pkt_run(ft, &syn);

	assert_int_equal(f->tcp_state, FLOW_TCP_SYN_SENT);
	assert_false(flow_is_established(f));
	assert_int_equal(syn.to_server, 1);
	pkt_run(ft, &synack);
	assert_int_equal(f->tcp_state, FLOW_TCP_SYN_RECV);
	assert_false(flow_is_established(f));
	assert_int_equal(synack.to_server, 0);
	pkt_run(ft, &ack);
	/* like Suricata: the final ACK itself is not established, what follows is */
	assert_false(flow_is_established(f));
	assert_string_equal(flow_tcp_state_name(f->tcp_state), "established");
	pkt_run(ft, &data);
	assert_true(flow_is_established(f));
	pkt_run(ft, &reply);
	assert_true(flow_is_established(f));
	assert_int_equal(data.to_server, 1);
	assert_int_equal(reply.to_server, 0);
	assert_int_equal(f->pkts_toserver, 3);
	assert_int_equal(f->pkts_toclient, 2);
	assert_false(f->flags & FLOW_MIDSTREAM);
	assert_int_equal(flow_table_stats(ft)->tcp_established, 1);
	assert_int_equal(flow_table_stats(ft)->tcp_syn, 1);
	flow_table_free(ft);
}

/* The state detection sees must be that of each packet, even when the whole
 * handshake sits in one burst. */
static void test_state_per_packet_within_burst(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet pk[4] = { cs(SYN, SEC), sc(SYN | ACK, SEC), cs(ACK, SEC), cs(ACK | PSH, SEC) };
	struct packet *pp[4] = { &pk[0], &pk[1], &pk[2], &pk[3] };
	bool established[4];
	uint8_t dir[4];

	flow_table_lookup_burst(ft, pp, 4);
	for (int i = 0; i < 4; i++) {
		flow_table_update_packet(ft, pp[i]);
		established[i] = flow_is_established(pp[i]->flow); /* what detect would see */
		dir[i] = pp[i]->to_server;
	}
	assert_false(established[0]);
	assert_false(established[1]);
	assert_false(established[2]); /* the final ACK */
	assert_true(established[3]);
	assert_int_equal(dir[0], 1);
	assert_int_equal(dir[1], 0);
	assert_int_equal(dir[2], 1);
	assert_ptr_equal(pk[0].flow, pk[3].flow);
	assert_int_equal(flow_table_stats(ft)->created, 1);
	flow_table_free(ft);
}

static void test_midstream(void **state)
{
	(void)state;
	/* off (default): a flow first seen on data never becomes established */
	struct flow_table *ft = table_new(64, false);
	struct packet d1 = sc(ACK | PSH, SEC), d2 = cs(ACK, SEC), d3 = sc(ACK | PSH, SEC);
	struct flow *f = pkt_run(ft, &d1);

	pkt_run(ft, &d2);
	pkt_run(ft, &d3);
	assert_false(flow_is_established(f));
	assert_int_equal(f->tcp_state, FLOW_TCP_NONE);
	assert_int_equal(d1.to_server, 1); /* the first packet's sender is the client */
	assert_int_equal(d2.to_server, 0);
	assert_int_equal(flow_table_stats(ft)->tcp_not_tracked, 1);
	flow_table_free(ft);

	/* on: established by the first packet (so from the second on, as with
	 * Suricata), client = first sender */
	ft = table_new(64, true);
	struct packet m1 = sc(ACK | PSH, SEC), m2 = cs(ACK, SEC);
	f = pkt_run(ft, &m1);
	assert_false(flow_is_established(f));
	assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
	assert_true(f->flags & FLOW_MIDSTREAM);
	assert_int_equal(m1.to_server, 1);
	pkt_run(ft, &m2);
	assert_true(flow_is_established(f));
	assert_int_equal(m2.to_server, 0);
	assert_int_equal(flow_table_stats(ft)->tcp_midstream, 1);
	assert_int_equal(flow_table_stats(ft)->tcp_established, 1);
	flow_table_free(ft);
}

static void test_synack_first_swaps_roles(void **state)
{
	(void)state;
	for (int midstream = 0; midstream <= 1; midstream++) {
		struct flow_table *ft = table_new(64, midstream);
		struct packet synack = sc(SYN | ACK, SEC), ack = cs(ACK, SEC), data = cs(ACK | PSH, SEC);
		struct flow *f = pkt_run(ft, &synack);

		/* the SYN/ACK's destination is the client */
		assert_int_equal(synack.to_server, 0);
		assert_int_equal(f->client_port, 51000);
		assert_int_equal(f->server_port, 80);
		assert_int_equal(f->client_addr.u8[0], 192);
		assert_int_equal(f->server_addr.u8[0], 10);
		assert_int_equal(f->pkts_toclient, 1);
		pkt_run(ft, &ack);
		pkt_run(ft, &data);
		assert_int_equal(ack.to_server, 1);
		assert_int_equal(data.to_server, 1);
		/* like Suricata: picking up a SYN/ACK is midstream pick-up */
		assert_int_equal(flow_is_established(f), midstream);
		assert_int_equal(flow_table_stats(ft)->tcp_synack_first, 1);
		flow_table_free(ft);
	}
}

static void test_rst_closes(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet pk[4] = { cs(SYN, SEC), sc(SYN | ACK, SEC), cs(ACK, SEC), sc(RST, 2 * SEC) };
	struct flow *f = NULL;

	released = 0;
	flow_table_set_release_hook(ft, count_release, NULL);
	for (int i = 0; i < 4; i++)
		f = pkt_run(ft, &pk[i]);
	assert_int_equal(f->tcp_state, FLOW_TCP_CLOSED);
	assert_true(flow_is_established(f)); /* the RST of an established session is */
	assert_int_equal(flow_table_stats(ft)->tcp_rst, 1);
	/* closed TCP flows time out after 60 s, not the 600 s of established ones */
	assert_int_equal(flow_table_expire(ft, 61 * SEC, 100), 0);
	assert_int_equal(flow_table_expire(ft, 62 * SEC, 100), 1);
	assert_int_equal(released, 1);
	flow_table_free(ft);
}

static void test_fin_both_sides_closes(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet pk[3] = { cs(SYN, SEC), sc(SYN | ACK, SEC), cs(ACK, SEC) };
	struct packet fin1 = cs(FIN | ACK, SEC), fin2 = sc(FIN | ACK, SEC), last = cs(ACK, SEC);
	struct flow *f = NULL;

	for (int i = 0; i < 3; i++)
		f = pkt_run(ft, &pk[i]);
	pkt_run(ft, &fin1);
	assert_int_equal(f->tcp_state, FLOW_TCP_CLOSING);
	assert_true(flow_is_established(f)); /* half-closed still carries data */
	pkt_run(ft, &fin2);
	assert_int_equal(f->tcp_state, FLOW_TCP_CLOSED);
	pkt_run(ft, &last);
	assert_int_equal(last.to_server, 1);
	assert_true(flow_is_established(f)); /* Suricata: still part of an established session */
	assert_int_equal(flow_table_stats(ft)->tcp_fin_closed, 1);
	/* an established flow idles 600 s; this closed one only 60 s */
	assert_int_equal(flow_table_expire(ft, 62 * SEC, 100), 1);
	flow_table_free(ft);
}

static void test_established_timeout(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet pk[3] = { cs(SYN, SEC), sc(SYN | ACK, SEC), cs(ACK, SEC) };
	struct packet half = pkt_make(C, 51001, S, 80, 6, SYN, SEC);

	for (int i = 0; i < 3; i++)
		pkt_run(ft, &pk[i]);
	pkt_run(ft, &half);
	/* the half-open flow goes at 60 s, the established one at 600 s */
	assert_int_equal(flow_table_expire(ft, 61 * SEC, 100), 1);
	assert_int_equal(flow_table_expire(ft, 600 * SEC, 100), 0);
	assert_int_equal(flow_table_expire(ft, 601 * SEC, 100), 1);
	flow_table_free(ft);
}

static void test_port_reuse_after_close(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet pk[4] = { cs(SYN, SEC), sc(SYN | ACK, SEC), cs(ACK, SEC), cs(RST, SEC) };
	struct flow *f = NULL;
	uint64_t old_id;

	released = 0;
	flow_table_set_release_hook(ft, count_release, NULL);
	for (int i = 0; i < 4; i++)
		f = pkt_run(ft, &pk[i]);
	old_id = f->flow_id;
	f->detect_slot = 7;
	f->flags |= FLOW_NO_INSPECT;
	/* a new connection on the same ports, opened from the other side */
	struct packet syn = sc(SYN, 2 * SEC), synack = cs(SYN | ACK, 2 * SEC), ack = sc(ACK, 2 * SEC);
	assert_ptr_equal(pkt_run(ft, &syn), f);
	assert_int_equal(released, 1); /* detect's state of the old connection freed */
	assert_int_not_equal(f->flow_id, old_id);
	assert_int_equal(f->detect_slot, 0);
	assert_false(f->flags & FLOW_NO_INSPECT);
	assert_int_equal(syn.to_server, 1);
	assert_int_equal(f->client_port, 80);
	assert_false(flow_is_established(f)); /* a new session: not established yet */
	pkt_run(ft, &synack);
	pkt_run(ft, &ack);
	assert_false(flow_is_established(f));
	assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
	assert_int_equal(ack.to_server, 1);
	assert_int_equal(f->pkts_toserver, 2);
	assert_int_equal(f->pkts_toclient, 1);
	assert_int_equal(flow_table_stats(ft)->tcp_reuse, 1);
	flow_table_free(ft);
}

/* Under a SYN flood that fills the table, the half-open flows (shortest
 * timeout) are the ones evicted: established connections survive. */
static void test_syn_flood_spares_established(void **state)
{
	(void)state;
	enum { EST = 16, FLOOD = 5000 };
	struct flow_table *ft = table_new(64, false);
	uint64_t ids[EST];

	for (uint32_t i = 0; i < EST; i++) {
		struct packet h[4] = {
			pkt_make_v4(0x0a000001, (uint16_t)(20000 + i), 0x0a000002, 443, 6, SYN, SEC),
			pkt_make_v4(0x0a000002, 443, 0x0a000001, (uint16_t)(20000 + i), 6, SYN | ACK, SEC),
			pkt_make_v4(0x0a000001, (uint16_t)(20000 + i), 0x0a000002, 443, 6, ACK, SEC),
			pkt_make_v4(0x0a000001, (uint16_t)(20000 + i), 0x0a000002, 443, 6, ACK | PSH, SEC),
		};
		for (int j = 0; j < 4; j++)
			ids[i] = pkt_run(ft, &h[j])->flow_id;
	}
	for (uint32_t i = 0; i < FLOOD; i++) {
		struct packet syn = pkt_make_v4(0xc6120000u + i, (uint16_t)(1024 + i), 0x0a000002, 443, 6,
						SYN, 2 * SEC + i);
		assert_non_null(pkt_run(ft, &syn));
	}
	assert_true(flow_table_stats(ft)->evicted_pressure >= FLOOD - 64);
	for (uint32_t i = 0; i < EST; i++) {
		struct packet d = pkt_make_v4(0x0a000002, 443, 0x0a000001, (uint16_t)(20000 + i), 6,
					      ACK | PSH, 2 * SEC + FLOOD);
		struct flow *f = pkt_run(ft, &d);

		assert_int_equal(f->flow_id, ids[i]);
		assert_true(flow_is_established(f));
	}
	flow_table_free(ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_establishes),
		cmocka_unit_test(test_state_per_packet_within_burst),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_synack_first_swaps_roles),
		cmocka_unit_test(test_rst_closes),
		cmocka_unit_test(test_fin_both_sides_closes),
		cmocka_unit_test(test_established_timeout),
		cmocka_unit_test(test_port_reuse_after_close),
		cmocka_unit_test(test_syn_flood_spares_established),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
