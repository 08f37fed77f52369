/*
 * unit_flow_table: keying, direction, ids, timeouts, eviction and memory of
 * the per-worker flow table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/engine/flow/flow_index.h" /* white box: aim keys at one bucket pair */
#include "tests/unit/flow/flow_test_util.h"

/* Records what the release hook saw. */
struct release_log {
	unsigned count;
	uint64_t ids[64];
};

static void log_release(void *ctx, struct flow *f)
{
	struct release_log *log = ctx;

	if (log->count < 64)
		log->ids[log->count] = f->flow_id;
	log->count++;
}

static void test_both_directions_one_flow(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(1024, false);
	struct packet q = pkt_make("10.0.0.1", 40000, "10.0.0.2", 53, 17, 0, 1 * SEC);
	struct packet r = pkt_make("10.0.0.2", 53, "10.0.0.1", 40000, 17, 0, 2 * SEC);
	struct flow *f1 = pkt_run(ft, &q), *f2;

	assert_non_null(f1);
	assert_int_equal(q.to_server, 1);
	assert_false(flow_is_established(f1)); /* one side only so far */
	f2 = pkt_run(ft, &r);
	assert_ptr_equal(f1, f2);
	assert_int_equal(r.to_server, 0);
	assert_true(flow_is_established(f1)); /* UDP: both sides spoke */
	assert_int_equal(f1->client_port, 40000);
	assert_int_equal(f1->server_port, 53);
	assert_int_equal(f1->pkts_toserver, 1);
	assert_int_equal(f1->pkts_toclient, 1);
	assert_int_equal(f1->bytes_toserver, 100);
	assert_int_equal(f1->first_ts_usec, 1 * SEC);
	assert_int_equal(f1->last_ts_usec, 2 * SEC);
	assert_int_equal(flow_table_stats(ft)->created, 1);
	assert_int_equal(flow_table_stats(ft)->hits, 1);
	assert_int_equal(flow_table_stats(ft)->active, 1);

	/* a different port pair is a different flow */
	struct packet o = pkt_make("10.0.0.1", 40001, "10.0.0.2", 53, 17, 0, 3 * SEC);
	assert_ptr_not_equal(pkt_run(ft, &o), f1);
	/* same ports, different protocol: different flow */
	struct packet t = pkt_make("10.0.0.1", 40000, "10.0.0.2", 53, 6, ACK, 3 * SEC);
	assert_ptr_not_equal(pkt_run(ft, &t), f1);
	assert_int_equal(flow_table_stats(ft)->created, 3);
	flow_table_free(ft);
}

static void test_same_host_both_ends(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet a = pkt_make("127.0.0.1", 5000, "127.0.0.1", 80, 17, 0, SEC);
	struct packet b = pkt_make("127.0.0.1", 80, "127.0.0.1", 5000, 17, 0, SEC);
	struct flow *f = pkt_run(ft, &a);

	assert_ptr_equal(pkt_run(ft, &b), f);
	assert_int_equal(a.to_server, 1);
	assert_int_equal(b.to_server, 0);
	flow_table_free(ft);
}

static void test_vlan_separates_flows(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet a = pkt_make("10.0.0.1", 1000, "10.0.0.2", 80, 17, 0, SEC);
	struct packet b = a, c, d;

	a.vlan_count = 1; a.vlan_id[0] = 10;
	b.vlan_count = 1; b.vlan_id[0] = 20;
	struct flow *fa = pkt_run(ft, &a), *fb = pkt_run(ft, &b);
	assert_ptr_not_equal(fa, fb);
	/* the reply on VLAN 10 joins flow a; QinQ (10, 5) is yet another flow */
	c = pkt_make("10.0.0.2", 80, "10.0.0.1", 1000, 17, 0, SEC);
	c.vlan_count = 1; c.vlan_id[0] = 10;
	assert_ptr_equal(pkt_run(ft, &c), fa);
	d = a;
	d.vlan_count = 2; d.vlan_id[1] = 5;
	assert_ptr_not_equal(pkt_run(ft, &d), fa);
	assert_int_equal(fa->vlan_id[0], 10);
	flow_table_free(ft);

	/* with VLAN tracking off both VLANs share one flow */
	struct flow_table_config cfg;
	flow_table_config_defaults(&cfg);
	cfg.max_flows = 64;
	cfg.vlan_tracking = false;
	ft = flow_table_create(&cfg, 0);
	assert_non_null(ft);
	fa = pkt_run(ft, &a);
	assert_ptr_equal(pkt_run(ft, &b), fa);
	flow_table_free(ft);
}

static void test_ipv6_and_family(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet a = pkt_make("2001:db8::1", 3333, "2001:db8::2", 443, 6, SYN, SEC);
	struct packet b = pkt_make("2001:db8::2", 443, "2001:db8::1", 3333, 6, SYN | ACK, SEC);
	struct flow *f = pkt_run(ft, &a);

	assert_non_null(f);
	assert_int_equal(f->l3, L3_IPV6);
	assert_ptr_equal(pkt_run(ft, &b), f);
	assert_int_equal(b.to_server, 0);

	/* IPv4 10.0.0.1 and IPv6 a00:1:: have the same first bytes: still two flows */
	struct packet v4 = pkt_make("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, SEC);
	struct packet v6 = pkt_make("a00:1::", 1, "a00:2::", 2, 17, 0, SEC);
	assert_ptr_not_equal(pkt_run(ft, &v4), pkt_run(ft, &v6));

	/* junk after an IPv4 address does not split the flow */
	struct packet j = pkt_make("10.0.0.2", 2, "10.0.0.1", 1, 17, 0, SEC);
	j.src.u8[9] = 0xee;
	assert_ptr_equal(pkt_run(ft, &j), v4.flow);
	assert_int_equal(j.to_server, 0);
	flow_table_free(ft);
}

static void test_non_ip_fragments_icmp(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet arp;

	memset(&arp, 0, sizeof(arp));
	arp.l3 = L3_NONE;
	assert_null(pkt_run(ft, &arp));
	assert_int_equal(flow_table_stats(ft)->no_flow_non_ip, 1);
	assert_int_equal(flow_table_stats(ft)->lookups, 0);

	/* non-first fragments: ports (whatever the decoder left) are ignored */
	struct packet f1 = pkt_make("10.0.0.1", 1234, "10.0.0.2", 80, 6, SYN, SEC);
	struct packet f2 = pkt_make("10.0.0.1", 999, "10.0.0.2", 7, 6, RST, SEC);
	f1.flags = f2.flags = PKT_IS_FRAGMENT;
	struct flow *ff = pkt_run(ft, &f1);
	assert_non_null(ff);
	assert_ptr_equal(pkt_run(ft, &f2), ff);
	assert_int_equal(ff->client_port, 0);
	assert_int_equal(ff->tcp_state, FLOW_TCP_NONE); /* flags of fragments are not TCP flags */
	assert_int_equal(flow_table_stats(ft)->fragments_keyed, 2);
	/* a first fragment has its L4 header: keyed normally */
	struct packet f0 = pkt_make("10.0.0.1", 1234, "10.0.0.2", 80, 6, SYN, SEC);
	f0.flags = PKT_IS_FRAGMENT | PKT_FIRST_FRAGMENT;
	assert_ptr_not_equal(pkt_run(ft, &f0), ff);
	assert_int_equal(f0.flow->client_port, 1234);

	/* ICMP: addresses only; echo and reply share a flow */
	struct packet e = pkt_make("10.0.0.1", 0, "10.0.0.9", 0, 1, 0, SEC);
	struct packet r = pkt_make("10.0.0.9", 0, "10.0.0.1", 0, 1, 0, SEC);
	e.sport = 8; /* junk in the port fields is ignored for ICMP */
	struct flow *fi = pkt_run(ft, &e);
	assert_ptr_equal(pkt_run(ft, &r), fi);
	assert_int_equal(r.to_server, 0);
	assert_true(flow_is_established(fi));
	flow_table_free(ft);
}

static void test_flow_ids(void **state)
{
	(void)state;
	enum { N = 2000 };
	static uint64_t ids[2 * N];
	struct flow_table *w0 = table_new(N, false), *w1;
	struct flow_table_config cfg;

	flow_table_config_defaults(&cfg);
	cfg.max_flows = N;
	w1 = flow_table_create(&cfg, 1);
	assert_non_null(w1);
	for (uint32_t i = 0; i < N; i++) {
		struct packet a = pkt_make_v4(0x0a000001, (uint16_t)(1024 + i), 0x0a000002, 80, 17, 0, SEC);
		struct packet b = a;

		ids[i] = pkt_run(w0, &a)->flow_id;
		ids[N + i] = pkt_run(w1, &b)->flow_id;
	}
	for (uint32_t i = 0; i < 2 * N; i++) {
		assert_true(ids[i] != 0);
		assert_true(ids[i] < (1ull << 51)); /* exact as a JSON double, like Suricata's */
	}
	/* unique within a worker and across workers */
	for (uint32_t i = 0; i < 2 * N; i++)
		for (uint32_t j = i + 1; j < 2 * N; j++)
			if (ids[i] == ids[j])
				fail_msg("flow id %llu repeats (%u, %u)", (unsigned long long)ids[i], i, j);
	/* stable: the next packet of flow 5, either direction, has the same id */
	struct packet again = pkt_make_v4(0x0a000002, 80, 0x0a000001, 1029, 17, 0, 2 * SEC);
	assert_int_equal(pkt_run(w0, &again)->flow_id, ids[5]);
	flow_table_free(w0);
	flow_table_free(w1);
}

static void test_idle_timeout_by_packet_time(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct release_log log = { 0 };

	flow_table_set_release_hook(ft, log_release, &log);
	/* UDP one-sided (new: 30 s) and UDP answered (established: 300 s) */
	struct packet n = pkt_make("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, 1000 * SEC);
	struct packet e1 = pkt_make("10.0.0.1", 3, "10.0.0.2", 4, 17, 0, 1000 * SEC);
	struct packet e2 = pkt_make("10.0.0.2", 4, "10.0.0.1", 3, 17, 0, 1000 * SEC);
	uint64_t new_id = pkt_run(ft, &n)->flow_id;
	uint64_t est_id = pkt_run(ft, &e1)->flow_id;
	pkt_run(ft, &e2);

	/* nothing expires before its timeout */
	assert_int_equal(flow_table_expire(ft, 1029 * SEC, 100), 0);
	assert_int_equal(log.count, 0);
	/* time only moves with packets: a packet of another flow at t=1031 s */
	struct packet later = pkt_make("10.0.0.7", 1, "10.0.0.8", 2, 17, 0, 1031 * SEC);
	pkt_run(ft, &later);
	assert_int_equal(flow_table_now(ft), 1031 * SEC);
	assert_int_equal(flow_table_expire(ft, flow_table_now(ft), 100), 1);
	assert_int_equal(log.count, 1);
	assert_int_equal(log.ids[0], new_id);
	assert_int_equal(flow_table_stats(ft)->evicted_timeout, 1);
	/* the established one lives to 1300 s */
	assert_int_equal(flow_table_expire(ft, 1299 * SEC, 100), 1); /* `later` (new, 30 s) */
	assert_int_equal(log.count, 2);
	assert_int_equal(flow_table_expire(ft, 1300 * SEC, 100), 1);
	assert_int_equal(log.ids[2], est_id);
	assert_int_equal(flow_table_stats(ft)->active, 0);
	/* a packet of the expired flow makes a new flow with a new id */
	struct packet back = pkt_make("10.0.0.1", 3, "10.0.0.2", 4, 17, 0, 1301 * SEC);
	assert_int_not_equal(pkt_run(ft, &back)->flow_id, est_id);
	/* the clock never goes back: an old timestamp does not revive anything */
	struct packet old = pkt_make("10.0.0.1", 3, "10.0.0.2", 4, 17, 0, 5 * SEC);
	pkt_run(ft, &old);
	assert_int_equal(flow_table_now(ft), 1301 * SEC);
	flow_table_flush(ft);
	assert_int_equal(log.count, 4);
	assert_int_equal(flow_table_stats(ft)->flushed, 1);
	flow_table_free(ft);
}

/* A packet requeues its flow at most once a second (min(1 s, T/16)), so a
 * flow may expire up to that much late, never early. */
static void test_expiry_lateness_bounded(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct release_log log = { 0 };
	struct packet a1 = pkt_make("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, 0);
	struct packet a2 = pkt_make("10.0.0.2", 2, "10.0.0.1", 1, 17, 0, 0);
	struct packet b1 = pkt_make("10.0.0.3", 1, "10.0.0.2", 2, 17, 0, SEC / 2);
	struct packet b2 = pkt_make("10.0.0.2", 2, "10.0.0.3", 1, 17, 0, SEC / 2);
	struct packet a3 = pkt_make("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, SEC * 9 / 10);
	uint64_t b_id, b_gone = 0;

	flow_table_set_release_hook(ft, log_release, &log);
	pkt_run(ft, &a1);
	pkt_run(ft, &a2); /* A established at 0 s (UDP: 300 s) */
	pkt_run(ft, &b1);
	b_id = pkt_run(ft, &b2)->flow_id; /* B established at 0.5 s: due at 300.5 s */
	pkt_run(ft, &a3); /* A touched at 0.9 s, queued at 0 s: not requeued */
	for (uint64_t t = 299 * SEC; t <= 303 * SEC && !b_gone; t += SEC / 10) {
		flow_table_expire(ft, t, 100);
		for (unsigned i = 0; i < log.count; i++)
			if (log.ids[i] == b_id)
				b_gone = t;
	}
	assert_true(b_gone >= 300 * SEC + SEC / 2);
	assert_true(b_gone <= 301 * SEC + SEC / 2);
	flow_table_free(ft);
}

static void test_expire_work_is_bounded(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(256, false);

	for (uint32_t i = 0; i < 200; i++) {
		struct packet p = pkt_make_v4(0x0a000001, (uint16_t)(2000 + i), 0x0a000002, 53, 17, 0, SEC);
		pkt_run(ft, &p);
	}
	assert_int_equal(flow_table_expire(ft, 100 * SEC, 50), 50);
	assert_int_equal(flow_table_stats(ft)->active, 150);
	while (flow_table_expire(ft, 100 * SEC, 50) > 0)
		;
	assert_int_equal(flow_table_stats(ft)->active, 0);
	flow_table_free(ft);
}

static void test_eviction_under_pressure(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(16, false);
	struct release_log log = { 0 };
	uint64_t first_id = 0;

	flow_table_set_release_hook(ft, log_release, &log);
	for (uint32_t i = 0; i < 16; i++) {
		struct packet p = pkt_make_v4(0x0a000001, (uint16_t)(3000 + i), 0x0a000002, 80, 17, 0,
					      (10 + i) * SEC);
		struct flow *f = pkt_run(ft, &p);

		assert_non_null(f);
		if (i == 0)
			first_id = f->flow_id;
	}
	assert_int_equal(flow_table_stats(ft)->evicted_pressure, 0);
	/* the 17th flow pushes out the one closest to its timeout: the oldest */
	struct packet p = pkt_make_v4(0x0a000009, 1, 0x0a000002, 80, 17, 0, 30 * SEC);
	assert_non_null(pkt_run(ft, &p));
	assert_int_equal(flow_table_stats(ft)->evicted_pressure, 1);
	assert_int_equal(flow_table_stats(ft)->emergency_entered, 1);
	assert_int_equal(flow_table_stats(ft)->active, 16);
	assert_int_equal(log.count, 1);
	assert_int_equal(log.ids[0], first_id);
	/* emergency timeouts (udp new 10 s) now apply until enough is free
	 * (16 flows, recovery 30 %: at 11 flows). At 36 s the emergency timeout
	 * frees flows idle since 26 s until 11 remain; then the normal 30 s rule
	 * keeps the rest. */
	assert_int_equal(flow_table_stats(ft)->emergency, 1);
	assert_int_equal(flow_table_expire(ft, 36 * SEC, 100), 5);
	assert_int_equal(flow_table_stats(ft)->emergency, 0);
	assert_int_equal(flow_table_stats(ft)->active, 11);
	flow_table_free(ft);
}

/* When both buckets a key may use are full and no resident can move, the
 * oldest flow of those buckets makes room (and nothing else is disturbed). */
static void test_full_bucket_pair_evicts_oldest_there(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false); /* 16 buckets, 128 entries */
	struct release_log log = { 0 };
	struct packet pk[17];
	uint32_t found = 0, want_b1 = FLOW_NIL, want_b2 = FLOW_NIL;

	flow_table_set_release_hook(ft, log_release, &log);
	/* 17 keys whose primary and alternate buckets are the same pair */
	for (uint32_t i = 0; found < 17 && i < 1000000; i++) {
		struct packet p = pkt_make_v4(0x0a000000u + i, 1000, 0x0a0000ffu, 80, 17, 0,
					      (uint64_t)(10 + found) * SEC);
		struct flow_key k = { 0 };
		bool nff;
		uint64_t h;
		uint32_t b1, b2;

		assert_true(flow_key_from_packet(ft, &p, &k, &nff));
		h = flow_hash_key(ft, &k);
		b1 = bucket_primary(ft, h);
		b2 = bucket_alternate(ft, b1, hash_sig(h));
		if (want_b1 == FLOW_NIL) {
			want_b1 = b1;
			want_b2 = b2;
		}
		if (b1 == want_b1 && b2 == want_b2)
			pk[found++] = p;
	}
	assert_int_equal(found, 17);
	/* an unrelated flow, idle longer than all of them, must survive */
	struct packet other = pkt_make("172.16.0.1", 1, "172.16.0.2", 2, 17, 0, 1 * SEC);
	struct flow_key ok = { 0 };
	bool onff;
	assert_true(flow_key_from_packet(ft, &other, &ok, &onff));
	uint64_t oh = flow_hash_key(ft, &ok);
	uint32_t ob1 = bucket_primary(ft, oh), ob2 = bucket_alternate(ft, ob1, hash_sig(oh));
	assert_true(ob1 != want_b1 && ob1 != want_b2 && ob2 != want_b1 && ob2 != want_b2);
	assert_non_null(pkt_run(ft, &other));
	for (int i = 0; i < 16; i++)
		assert_non_null(pkt_run(ft, &pk[i]));
	assert_int_equal(flow_table_stats(ft)->evicted_pressure, 0);
	uint64_t oldest = pk[0].flow->flow_id;
	assert_non_null(pkt_run(ft, &pk[16]));
	assert_int_equal(flow_table_stats(ft)->evicted_index_full, 1);
	assert_int_equal(flow_table_stats(ft)->evicted_pressure, 1);
	assert_int_equal(log.count, 1);
	assert_int_equal(log.ids[0], oldest);
	assert_int_equal(flow_table_stats(ft)->active, 17);
	char err[160];
	assert_true(flow_table_check(ft, err, sizeof(err)));
	flow_table_free(ft);
}

static void test_burst_never_evicts_its_own_flows(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(4, false);
	struct packet pk[6], *pp[6];

	for (int i = 0; i < 6; i++) {
		pk[i] = pkt_make_v4(0x0a000001, (uint16_t)(4000 + i), 0x0a000002, 80, 17, 0, SEC);
		pp[i] = &pk[i];
	}
	pk[5] = pk[0]; /* a second packet of flow 0 */
	flow_table_process_burst(ft, pp, 6);
	for (int i = 0; i < 4; i++)
		assert_non_null(pk[i].flow);
	assert_null(pk[4].flow); /* no room: every flow is in use by this burst */
	assert_ptr_equal(pk[5].flow, pk[0].flow);
	assert_int_equal(pk[0].flow->pkts_toserver, 2);
	assert_int_equal(flow_table_stats(ft)->table_full_drops, 1);
	assert_int_equal(flow_table_stats(ft)->evicted_pressure, 0);
	/* in the next burst the old flows may go */
	struct packet n = pkt_make_v4(0x0a000003, 1, 0x0a000002, 80, 17, 0, 2 * SEC);
	assert_non_null(pkt_run(ft, &n));
	assert_int_equal(flow_table_stats(ft)->evicted_pressure, 1);
	flow_table_free(ft);
}

static void test_memory_per_flow(void **state)
{
	(void)state;
	uint32_t sizes[] = { 1000, 65536, 100000, 1u << 20 };

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct flow_table *ft = table_new(sizes[i], false);

		assert_non_null(ft);
		print_message("max_flows %u: %zu bytes per flow (%zu bytes)\n", sizes[i],
			      flow_table_bytes_per_flow(ft), flow_table_memory_bytes(ft));
		assert_true(flow_table_bytes_per_flow(ft) <= 256);
		assert_true(flow_table_memory_bytes(ft) >= (size_t)sizes[i] * sizeof(struct flow));
		flow_table_free(ft);
	}
}

struct visit_log {
	unsigned n;
	uint64_t created, active;
};

static void visit_stat(void *ctx, const char *name, uint64_t value)
{
	struct visit_log *v = ctx;

	v->n++;
	if (strcmp(name, "created") == 0)
		v->created = value;
	if (strcmp(name, "active") == 0)
		v->active = value;
}

static void test_stats_visit(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(64, false);
	struct packet a = pkt_make("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, SEC);
	struct packet b = pkt_make("10.0.0.1", 3, "10.0.0.2", 2, 17, 0, SEC);
	struct visit_log v = { 0 };

	pkt_run(ft, &a);
	pkt_run(ft, &b);
	flow_table_stats_visit(flow_table_stats(ft), visit_stat, &v);
	assert_int_equal(v.n, sizeof(struct flow_table_stats) / sizeof(uint64_t));
	assert_int_equal(v.created, 2);
	assert_int_equal(v.active, 2);
	flow_table_free(ft);
}

static void test_config_errors(void **state)
{
	(void)state;
	struct flow_table_config cfg;
	char err[160];

	flow_table_config_defaults(&cfg);
	assert_true(flow_table_config_check(&cfg, err, sizeof(err)));
	assert_int_equal(cfg.timeouts[FLOW_PROTO_TCP].established_sec, 600);
	assert_int_equal(cfg.timeouts[FLOW_PROTO_UDP].new_sec, 30);
	assert_false(cfg.midstream);
	cfg.max_flows = 0;
	assert_false(flow_table_config_check(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "max-flows"));
	assert_null(flow_table_create(&cfg, 0));
	flow_table_config_defaults(&cfg);
	cfg.timeouts[FLOW_PROTO_UDP].new_sec = 4000000000u;
	assert_false(flow_table_config_check(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "udp"));
	flow_table_config_defaults(&cfg);
	cfg.max_flows = 16;
	assert_null(flow_table_create(&cfg, FLOW_TABLE_MAX_WORKERS));
	flow_table_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_directions_one_flow),
		cmocka_unit_test(test_same_host_both_ends),
		cmocka_unit_test(test_vlan_separates_flows),
		cmocka_unit_test(test_ipv6_and_family),
		cmocka_unit_test(test_non_ip_fragments_icmp),
		cmocka_unit_test(test_flow_ids),
		cmocka_unit_test(test_idle_timeout_by_packet_time),
		cmocka_unit_test(test_expiry_lateness_bounded),
		cmocka_unit_test(test_expire_work_is_bounded),
		cmocka_unit_test(test_eviction_under_pressure),
		cmocka_unit_test(test_burst_never_evicts_its_own_flows),
		cmocka_unit_test(test_full_bucket_pair_evicts_oldest_there),
		cmocka_unit_test(test_memory_per_flow),
		cmocka_unit_test(test_stats_visit),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
