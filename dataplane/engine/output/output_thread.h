/*
 * output_thread.h - the offline-mode writer thread: alert rings -> EVE file.
 *
 * Contract: output_thread_start spawns one thread that drains every given
 * ring (one per worker) into the eve_writer, round robin, a burst per ring
 * per pass. When a pass finds every ring empty it flushes the writer (so the
 * file is current whenever traffic pauses) and sleeps about a millisecond:
 * it never spins a core. While busy it still flushes at least every 100 ms.
 *
 * The caller keeps ownership of the rings and the writer; the thread only
 * consumes and writes. output_thread_stop drains what is left in every ring,
 * flushes, joins and frees the thread state; call it after the workers (the
 * producers) have stopped pushing, or records pushed later stay in the rings.
 * Counters (records written, write errors, ...) are the writer's:
 * eve_writer_get_stats, callable at any time.
 *
 * Extra sink (rampart-dp's managed mode): output_thread_start_sink() also
 * hands every record to a callback, on the output thread, before the writer
 * (which may then be NULL). The callback formats or forwards it and must
 * not keep the record's pointers (rule set, policy names) past its return.
 *
 * Barrier (rule set / policy swaps): output_thread_barrier() returns a
 * ticket; output_thread_barrier_passed(ticket) turns true once the thread
 * has written (or handed to the sink) every record that was in the rings
 * when the ticket was taken. So after a swap has reached every worker, one
 * passed barrier means no record names the old rule set any more.
 *
 * Thread rules: start and stop from the same controlling thread; the rings'
 * consumer side and the writer belong to the output thread between the two.
 * barrier / barrier_passed from the controlling thread.
 */
#ifndef RAMPART_OUTPUT_THREAD_H
#define RAMPART_OUTPUT_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/engine/output/alert_ring.h"
#include "dataplane/engine/output/eve_writer.h"

struct output_thread;

/* Returns NULL with errno (EINVAL: no rings / NULL writer; ENOMEM; or
 * pthread_create's error). The rings array is copied. */
struct output_thread *output_thread_start(struct alert_ring **rings, unsigned n_rings,
					  struct eve_writer *w);

/* Called on the output thread for each record; ctx as given. */
typedef void (*output_record_sink)(const struct alert_record *rec, void *ctx);

/* As output_thread_start, plus a sink; w may be NULL when sink is not. */
struct output_thread *output_thread_start_sink(struct alert_ring **rings, unsigned n_rings,
					       struct eve_writer *w, output_record_sink sink,
					       void *sink_ctx);

/* See "Barrier" above. */
uint64_t output_thread_barrier(struct output_thread *t);
bool output_thread_barrier_passed(const struct output_thread *t, uint64_t ticket);

/* Records the thread has popped from its rings so far (any thread). */
uint64_t output_thread_records_drained(const struct output_thread *t);

/* Drains, flushes, joins, frees. 0, or -1 with errno when the final flush
 * failed. NULL is a no-op. */
int output_thread_stop(struct output_thread *t);

#endif /* RAMPART_OUTPUT_THREAD_H */
