/*
 * unit_flow_scale: a table sized for 1M flows takes 1M distinct flows without
 * evicting any, finds each again from either direction, and stays within the
 * memory goal. Timing is printed for information only (no timing asserts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "tests/unit/flow/flow_test_util.h"

#define N_FLOWS (1u << 20)
#define BURST 32

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Flow i: a distinct (client address, client port) towards one of 16 servers. */
static struct packet flow_packet(uint32_t i, bool reply)
{
	uint32_t client = 0x0a000000u + (i >> 4), server = 0xc0a80001u + (i & 15);
	uint16_t cport = (uint16_t)(1024 + (i & 0x3ff)), sport = 443;

	if (reply)
		return pkt_make_v4(server, sport, client, cport, 17, 0, 5 * SEC);
	return pkt_make_v4(client, cport, server, sport, 17, 0, 5 * SEC);
}

static void run_all(struct flow_table *ft, struct packet *pk, bool reply)
{
	struct packet *pp[BURST];

	for (uint32_t base = 0; base < N_FLOWS; base += BURST) {
		for (uint32_t j = 0; j < BURST; j++) {
			pk[j] = flow_packet(base + j, reply);
			pp[j] = &pk[j];
		}
		flow_table_process_burst(ft, pp, BURST);
		for (uint32_t j = 0; j < BURST; j++)
			if (pk[j].flow == NULL || pk[j].to_server != !reply)
				fail_msg("flow %u: no flow or wrong direction", base + j);
	}
}

static void test_fill_one_million(void **state)
{
	(void)state;
	struct flow_table *ft = table_new(N_FLOWS, false);
	struct packet pk[BURST];
	const struct flow_table_stats *st;
	double t0, t1, t2;

	assert_non_null(ft);
	st = flow_table_stats(ft);
	t0 = seconds_now();
	run_all(ft, pk, false);
	t1 = seconds_now();
	assert_int_equal(st->created, N_FLOWS);
	assert_int_equal(st->active, N_FLOWS);
	assert_int_equal(st->evicted_pressure, 0);
	assert_int_equal(st->table_full_drops, 0);
	run_all(ft, pk, true);
	t2 = seconds_now();
	assert_int_equal(st->created, N_FLOWS);
	assert_int_equal(st->hits, N_FLOWS);
	assert_true(flow_table_bytes_per_flow(ft) <= 256);
	print_message("1M flows: create %.0f ns/packet, lookup %.0f ns/packet, %zu bytes/flow "
		      "(unoptimised/sanitised builds are far slower)\n",
		      (t1 - t0) * 1e9 / N_FLOWS, (t2 - t1) * 1e9 / N_FLOWS,
		      flow_table_bytes_per_flow(ft));
	/* one more flow than the table holds evicts exactly one */
	struct packet extra = pkt_make_v4(0x0b000001, 1, 0x0b000002, 2, 17, 0, 6 * SEC);
	assert_non_null(pkt_run(ft, &extra));
	assert_int_equal(st->evicted_pressure, 1);
	flow_table_flush(ft);
	assert_int_equal(st->active, 0);
	flow_table_free(ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_one_million),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
