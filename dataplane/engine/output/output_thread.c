/*
 * output_thread.c - drains alert rings into an eve_writer (see output_thread.h).
 */
#include "dataplane/engine/output/output_thread.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DRAIN_BURST 256
#define IDLE_SLEEP_NS 1000000L          /* 1 ms */
#define BUSY_FLUSH_INTERVAL_NS 100000000L /* 100 ms */

struct output_thread {
	pthread_t thread;
	struct alert_ring **rings;
	unsigned n_rings;
	struct eve_writer *writer;      /* NULL: sink only */
	output_record_sink sink;
	void *sink_ctx;
	_Atomic uint64_t barrier_req;   /* tickets handed out */
	_Atomic uint64_t barrier_done;  /* tickets passed */
	_Atomic bool stop;
	_Atomic uint64_t drained;
	int final_rc, final_errno;
	struct alert_record burst[DRAIN_BURST];
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void emit_records(struct output_thread *t, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (t->sink)
			t->sink(&t->burst[k], t->sink_ctx);
		if (t->writer)
			(void)eve_writer_write_record(t->writer, &t->burst[k]); /* counted by the writer */
	}
	if (n > 0) {
		uint64_t d = atomic_load_explicit(&t->drained, memory_order_relaxed);
		atomic_store_explicit(&t->drained, d + n, memory_order_relaxed);
	}
}

/* One round-robin pass: up to a burst from each ring. Returns records taken. */
static size_t drain_pass(struct output_thread *t)
{
	size_t total = 0;
	for (unsigned i = 0; i < t->n_rings; i++) {
		size_t n = alert_ring_pop_burst(t->rings[i], t->burst, DRAIN_BURST);
		emit_records(t, n);
		total += n;
	}
	return total;
}

/* A barrier was asked for: write everything the rings hold now (records
 * pushed later may follow; they name the new set), then pass the ticket. */
static void serve_barrier(struct output_thread *t)
{
	uint64_t req = atomic_load_explicit(&t->barrier_req, memory_order_acquire);

	if (req == atomic_load_explicit(&t->barrier_done, memory_order_relaxed))
		return;
	for (unsigned i = 0; i < t->n_rings; i++) {
		size_t left = alert_ring_count(t->rings[i]);

		while (left > 0) {
			size_t n = alert_ring_pop_burst(t->rings[i], t->burst,
							left < DRAIN_BURST ? left : DRAIN_BURST);
			if (n == 0)
				break;
			emit_records(t, n);
			left -= n;
		}
	}
	atomic_store_explicit(&t->barrier_done, req, memory_order_release);
}

static void *output_thread_main(void *arg)
{
	struct output_thread *t = arg;
	uint64_t last_flush = now_ns();

	while (!atomic_load_explicit(&t->stop, memory_order_acquire)) {
		serve_barrier(t);
		if (drain_pass(t) > 0) {
			uint64_t now = now_ns();
			if (t->writer && now - last_flush >= BUSY_FLUSH_INTERVAL_NS) {
				(void)eve_writer_flush(t->writer);
				last_flush = now;
			}
			continue;
		}
		if (t->writer && eve_writer_pending(t->writer)) {
			(void)eve_writer_flush(t->writer);
			last_flush = now_ns();
		}
		struct timespec idle = { 0, IDLE_SLEEP_NS };
		nanosleep(&idle, NULL);
	}

	/* Producers have stopped: empty every ring, then the buffer. */
	while (drain_pass(t) > 0)
		;
	atomic_store_explicit(&t->barrier_done, atomic_load(&t->barrier_req), memory_order_release);
	t->final_rc = t->writer ? eve_writer_flush(t->writer) : 0;
	t->final_errno = errno;
	return NULL;
}

struct output_thread *output_thread_start(struct alert_ring **rings, unsigned n_rings,
					  struct eve_writer *w)
{
	return output_thread_start_sink(rings, n_rings, w, NULL, NULL);
}

struct output_thread *output_thread_start_sink(struct alert_ring **rings, unsigned n_rings,
					       struct eve_writer *w, output_record_sink sink,
					       void *sink_ctx)
{
	if (rings == NULL || n_rings == 0 || (w == NULL && sink == NULL)) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned i = 0; i < n_rings; i++) {
		if (rings[i] == NULL) {
			errno = EINVAL;
			return NULL;
		}
	}
	struct output_thread *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->rings = calloc(n_rings, sizeof(*t->rings));
	if (t->rings == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(t->rings, rings, n_rings * sizeof(*rings));
	t->n_rings = n_rings;
	t->writer = w;
	t->sink = sink;
	t->sink_ctx = sink_ctx;
	atomic_init(&t->barrier_req, 0);
	atomic_init(&t->barrier_done, 0);
	atomic_init(&t->stop, false);
	atomic_init(&t->drained, 0);

	int rc = pthread_create(&t->thread, NULL, output_thread_main, t);
	if (rc != 0) {
		free(t->rings);
		free(t);
		errno = rc;
		return NULL;
	}
	(void)pthread_setname_np(t->thread, "rampart-eve"); /* shows in top -H */
	return t;
}

uint64_t output_thread_barrier(struct output_thread *t)
{
	return atomic_fetch_add_explicit(&t->barrier_req, 1, memory_order_acq_rel) + 1;
}

bool output_thread_barrier_passed(const struct output_thread *t, uint64_t ticket)
{
	return atomic_load_explicit(&t->barrier_done, memory_order_acquire) >= ticket;
}

uint64_t output_thread_records_drained(const struct output_thread *t)
{
	return atomic_load_explicit(&t->drained, memory_order_relaxed);
}

int output_thread_stop(struct output_thread *t)
{
	if (t == NULL)
		return 0;
	atomic_store_explicit(&t->stop, true, memory_order_release);
	pthread_join(t->thread, NULL);
	int rc = t->final_rc, err = t->final_errno;
	free(t->rings);
	free(t);
	if (rc != 0)
		errno = err;
	return rc;
}
