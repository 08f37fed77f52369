/*
 * unit_output_ring: the per-worker SPSC alert ring.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/engine/output/alert_ring.h"

static struct alert_record numbered(uint64_t n)
{
	struct alert_record r;
	memset(&r, 0, sizeof(r));
	r.pcap_cnt = n;
	r.rule_index = (uint32_t)(n * 7);
	return r;
}

static void test_rejects_bad_sizes(void **state)
{
	(void)state;
	size_t bad[] = { 0, 1, 3, 1000, (size_t)ALERT_RING_MAX_SIZE * 2 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(alert_ring_new(bad[i]));
		assert_int_equal(errno, EINVAL);
	}
	struct alert_ring *r = alert_ring_new(2);
	assert_non_null(r);
	assert_int_equal(alert_ring_capacity(r), 2);
	alert_ring_free(r);
	alert_ring_free(NULL);
}

static void test_push_pop_in_order(void **state)
{
	(void)state;
	struct alert_ring *r = alert_ring_new(8);
	assert_non_null(r);
	struct alert_record out[8];
	assert_int_equal(alert_ring_pop_burst(r, out, 8), 0);

	for (uint64_t i = 1; i <= 5; i++) {
		struct alert_record rec = numbered(i);
		assert_true(alert_ring_push(r, &rec));
	}
	assert_int_equal(alert_ring_count(r), 5);
	assert_int_equal(alert_ring_pop_burst(r, out, 3), 3);
	assert_int_equal(out[0].pcap_cnt, 1);
	assert_int_equal(out[2].pcap_cnt, 3);
	assert_int_equal(out[2].rule_index, 21);
	assert_int_equal(alert_ring_pop_burst(r, out, 8), 2);
	assert_int_equal(out[0].pcap_cnt, 4);
	assert_int_equal(out[1].pcap_cnt, 5);
	assert_int_equal(alert_ring_count(r), 0);
	assert_int_equal(alert_ring_dropped(r), 0);
	alert_ring_free(r);
}

static void test_wraps_around(void **state)
{
	(void)state;
	struct alert_ring *r = alert_ring_new(4);
	assert_non_null(r);
	uint64_t next_in = 1, next_out = 1;
	struct alert_record out[4];
	/* Push 3, pop 2, many times: indexes cross the end of the slot array
	 * again and again, order must hold. */
	for (int round = 0; round < 1000; round++) {
		while (alert_ring_count(r) < 3) {
			struct alert_record rec = numbered(next_in++);
			assert_true(alert_ring_push(r, &rec));
		}
		size_t n = alert_ring_pop_burst(r, out, 2);
		assert_int_equal(n, 2);
		for (size_t k = 0; k < n; k++)
			assert_int_equal(out[k].pcap_cnt, next_out++);
	}
	assert_int_equal(alert_ring_dropped(r), 0);
	alert_ring_free(r);
}

static void test_full_ring_drops_and_counts(void **state)
{
	(void)state;
	struct alert_ring *r = alert_ring_new(4);
	assert_non_null(r);
	for (uint64_t i = 1; i <= 4; i++) {
		struct alert_record rec = numbered(i);
		assert_true(alert_ring_push(r, &rec));
	}
	struct alert_record extra = numbered(99);
	assert_false(alert_ring_push(r, &extra));
	assert_false(alert_ring_push(r, &extra));
	assert_int_equal(alert_ring_dropped(r), 2);
	assert_int_equal(alert_ring_count(r), 4);

	/* The dropped records never appear; the stored ones are intact. */
	struct alert_record out[8];
	assert_int_equal(alert_ring_pop_burst(r, out, 1), 1);
	assert_int_equal(out[0].pcap_cnt, 1);

	/* A burst into one free slot stores one and drops the rest. */
	struct alert_record burst[3] = { numbered(5), numbered(6), numbered(7) };
	assert_int_equal(alert_ring_push_burst(r, burst, 3), 1);
	assert_int_equal(alert_ring_dropped(r), 4);
	assert_int_equal(alert_ring_pop_burst(r, out, 8), 4);
	assert_int_equal(out[0].pcap_cnt, 2);
	assert_int_equal(out[3].pcap_cnt, 5);
	alert_ring_free(r);
}

static void test_push_burst_in_order(void **state)
{
	(void)state;
	struct alert_ring *r = alert_ring_new(16);
	assert_non_null(r);
	struct alert_record in[10], out[16];
	for (int i = 0; i < 10; i++)
		in[i] = numbered((uint64_t)i + 100);
	assert_int_equal(alert_ring_push_burst(r, in, 10), 10);
	assert_int_equal(alert_ring_push_burst(r, in, 0), 0);
	assert_int_equal(alert_ring_pop_burst(r, out, 16), 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(out[i].pcap_cnt, (uint64_t)i + 100);
	alert_ring_free(r);
}

#define STRESS_RECORDS 500000u

struct stress {
	struct alert_ring *ring;
	uint64_t pushed;
};

static void *stress_producer(void *arg)
{
	struct stress *s = arg;
	for (uint64_t i = 1; i <= STRESS_RECORDS; i++) {
		struct alert_record rec = numbered(i);
		if (alert_ring_push(s->ring, &rec))
			s->pushed++;
	}
	return NULL;
}

/* A real producer and consumer on two threads: nothing is lost that was not
 * counted, nothing reordered, nothing duplicated. */
static void test_two_threads_no_loss_no_reorder(void **state)
{
	(void)state;
	struct stress s = { .ring = alert_ring_new(256) };
	assert_non_null(s.ring);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, stress_producer, &s), 0);

	uint64_t received = 0, last = 0;
	struct alert_record out[64];
	bool producer_done = false;
	for (;;) {
		size_t n = alert_ring_pop_burst(s.ring, out, 64);
		for (size_t k = 0; k < n; k++) {
			assert_true(out[k].pcap_cnt > last);
			assert_int_equal(out[k].rule_index, (uint32_t)(out[k].pcap_cnt * 7));
			last = out[k].pcap_cnt;
		}
		received += n;
		if (n == 0 && producer_done)
			break;
		if (n == 0 && received + alert_ring_dropped(s.ring) == STRESS_RECORDS)
			producer_done = true; /* one more pass to be sure */
	}
	pthread_join(th, NULL);
	assert_int_equal(received, s.pushed);
	assert_int_equal(received + alert_ring_dropped(s.ring), STRESS_RECORDS);
	alert_ring_free(s.ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects_bad_sizes),
		cmocka_unit_test(test_push_pop_in_order),
		cmocka_unit_test(test_wraps_around),
		cmocka_unit_test(test_full_ring_drops_and_counts),
		cmocka_unit_test(test_push_burst_in_order),
		cmocka_unit_test(test_two_threads_no_loss_no_reorder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
