/*
 * unit_flow_robust: random, partly malformed traffic (odd address families,
 * three VLAN tags, fragments, every TCP flag mix, timestamps that jump back or
 * to the end of time) through a small table under constant pressure. After
 * every burst the table's invariants must hold and every flow that left must
 * have been reported to the release hook exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/flow/flow_test_util.h"

struct hook_state {
	uint64_t released;
	uint64_t zero_ids;
};

static void on_release(void *ctx, struct flow *f)
{
	struct hook_state *h = ctx;

	h->released++;
	if (f->flow_id == 0)
		h->zero_ids++;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void random_packet(struct packet *p, uint64_t *ts)
{
	static const uint8_t protos[] = { 6, 6, 6, 17, 17, 1, 58, 47, 132 };
	static const uint8_t l3s[] = { L3_IPV4, L3_IPV4, L3_IPV6, L3_NONE, 7 };

	memset(p, 0, sizeof(*p));
	p->l3 = l3s[rnd() % sizeof(l3s)];
	for (int i = 0; i < 16; i++) {
		/* small address pool so flows repeat; junk beyond IPv4's 4 bytes */
		p->src.u8[i] = (uint8_t)(i < 1 ? rnd() % 3 : p->l3 == L3_IPV4 && i >= 4 ? rnd() : 0x20);
		p->dst.u8[i] = (uint8_t)(i < 1 ? rnd() % 3 : p->l3 == L3_IPV4 && i >= 4 ? rnd() : 0x20);
	}
	p->ip_proto = protos[rnd() % sizeof(protos)];
	p->sport = (uint16_t)(rnd() % 4);
	p->dport = (uint16_t)(rnd() % 4);
	p->tcp_flags = (uint8_t)rnd();
	p->vlan_count = (uint8_t)(rnd() % 4);
	p->vlan_id[0] = (uint16_t)(rnd() % 3);
	p->vlan_id[1] = (uint16_t)(rnd() % 2 | (rnd() % 8 == 0 ? 0xf000 : 0)); /* PCP bits must not split */
	p->flags = (uint16_t)(rnd() % 4 == 0 ? PKT_IS_FRAGMENT | (rnd() & 1 ? PKT_FIRST_FRAGMENT : 0) : 0);
	switch (rnd() % 50) {
	case 0: *ts = *ts > 100 * SEC ? *ts - 100 * SEC : 0; break;      /* back in time */
	case 1: *ts += 400 * SEC; break;                                   /* long pause */
	case 2: if (rnd() % 100 == 0) *ts = UINT64_MAX - rnd() % SEC; break; /* end of time */
	default: *ts += rnd() % (2 * SEC); break;
	}
	p->ts_usec = *ts;
	p->len = (uint32_t)(rnd() % 1500);
	p->wire_len = p->len;
}

static void run(bool midstream, uint32_t max_flows, int check_every)
{
	struct flow_table *ft = table_new(max_flows, midstream);
	const struct flow_table_stats *st = flow_table_stats(ft);
	struct hook_state hook = { 0 };
	struct packet pk[40], *pp[40];
	uint64_t ts = 1000 * SEC;
	char err[200];

	flow_table_set_release_hook(ft, on_release, &hook);
	for (int burst = 0; burst < 20000; burst++) {
		uint16_t n = (uint16_t)(rnd() % 41);

		for (uint16_t i = 0; i < n; i++) {
			random_packet(&pk[i], &ts);
			pp[i] = &pk[i];
		}
		flow_table_lookup_burst(ft, pp, n);
		for (uint16_t i = 0; i < n; i++) {
			flow_table_update_packet(ft, pp[i]);
			if (pk[i].l3 != L3_IPV4 && pk[i].l3 != L3_IPV6)
				assert_null(pk[i].flow);
			if (pk[i].flow)
				assert_true(pk[i].flow->flow_id != 0);
		}
		if (rnd() % 4 == 0)
			flow_table_expire(ft, flow_table_now(ft) + rnd() % (100 * SEC), (uint32_t)(rnd() % 20));
		if (rnd() % 2000 == 0)
			flow_table_flush(ft);
		if (burst % check_every == 0 && !flow_table_check(ft, err, sizeof(err)))
			fail_msg("burst %d: %s", burst, err);
		assert_true(st->active <= max_flows);
		assert_int_equal(st->created, st->active + st->evicted_timeout + st->evicted_pressure + st->flushed);
		assert_int_equal(hook.released, st->evicted_timeout + st->evicted_pressure + st->flushed +
							st->tcp_reuse);
	}
	assert_int_equal(hook.zero_ids, 0);
	if (max_flows < 1000)
		assert_true(st->evicted_pressure > 0);
	assert_true(st->evicted_timeout > 0);
	if (midstream)
		assert_true(st->tcp_established > 0);
	print_message("created %llu, pressure %llu (index full %llu), timeout %llu, reuse %llu, "
		      "full drops %llu\n",
		      (unsigned long long)st->created, (unsigned long long)st->evicted_pressure,
		      (unsigned long long)st->evicted_index_full, (unsigned long long)st->evicted_timeout,
		      (unsigned long long)st->tcp_reuse, (unsigned long long)st->table_full_drops);
	flow_table_flush(ft);
	assert_true(flow_table_check(ft, err, sizeof(err)));
	assert_int_equal(st->active, 0);
	flow_table_free(ft);
}

static void test_random_traffic_midstream_off(void **state) { (void)state; run(false, 64, 1); }
static void test_random_traffic_midstream_on(void **state) { (void)state; run(true, 64, 1); }
static void test_random_traffic_large_table(void **state) { (void)state; run(true, 8192, 64); }

/* The largest burst the API accepts (65535 packets) in a table far smaller. */
static void test_largest_burst(void **state)
{
	(void)state;
	enum { N = 65535 };
	static struct packet pk[N];
	static struct packet *pp[N];
	struct flow_table *ft = table_new(1000, false);
	uint64_t ts = 7 * SEC;
	char err[200];
	unsigned with_flow = 0;

	for (uint32_t i = 0; i < N; i++) {
		random_packet(&pk[i], &ts);
		pk[i].sport = (uint16_t)i; /* many distinct flows */
		pp[i] = &pk[i];
	}
	flow_table_process_burst(ft, pp, N);
	for (uint32_t i = 0; i < N; i++)
		with_flow += pk[i].flow != NULL;
	assert_true(flow_table_check(ft, err, sizeof(err)));
	assert_int_equal(flow_table_stats(ft)->lookups, with_flow + flow_table_stats(ft)->table_full_drops);
	assert_true(flow_table_stats(ft)->table_full_drops > 0); /* one burst cannot evict its own flows */
	flow_table_free(ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_traffic_midstream_off),
		cmocka_unit_test(test_random_traffic_midstream_on),
		cmocka_unit_test(test_random_traffic_large_table),
		cmocka_unit_test(test_largest_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
