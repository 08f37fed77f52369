/*
 * alert_ring.h - a worker's single-producer/single-consumer alert ring.
 *
 * Contract: each worker owns one ring and is its only producer; the output
 * side (the writer thread in offline mode, rampartd in appliance mode) is its
 * only consumer. Records are copied in and out by value (struct alert_record
 * is self-contained), so neither side ever holds a pointer into the other's
 * memory.
 *
 * A push never blocks and never allocates: when the ring is full the record
 * is dropped and counted (alert_ring_dropped), because a stalled worker costs
 * far more than a lost alert. Everything is allocated by alert_ring_new at
 * start-up.
 *
 * Thread rules: push and push_burst from exactly one thread (the worker);
 * pop_burst from exactly one other thread (the consumer); alert_ring_dropped and
 * alert_ring_count may be read from any thread (they are snapshots).
 * alert_ring_free only once both sides have stopped.
 */
#ifndef RAMPART_ALERT_RING_H
#define RAMPART_ALERT_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine/output/alert_record.h"

struct alert_ring;

/* Largest accepted size (records): keeps a ring under ~100 MB. */
#define ALERT_RING_MAX_SIZE (1u << 20)

/*
 * Creates a ring holding `size` records; size must be a power of two in
 * [2, ALERT_RING_MAX_SIZE]. Returns NULL with errno EINVAL (bad size) or
 * ENOMEM.
 */
struct alert_ring *alert_ring_new(size_t size);
void alert_ring_free(struct alert_ring *r);

/* Producer: copies *rec in. false: ring full, record dropped and counted. */
bool alert_ring_push(struct alert_ring *r, const struct alert_record *rec);

/* Producer: pushes up to n records in order; the rest are dropped and
 * counted. Returns how many were stored. */
size_t alert_ring_push_burst(struct alert_ring *r, const struct alert_record *recs, size_t n);

/* Consumer: copies up to max records out, oldest first. Returns how many. */
size_t alert_ring_pop_burst(struct alert_ring *r, struct alert_record *out, size_t max);

/* Records dropped because the ring was full, since creation. */
uint64_t alert_ring_dropped(const struct alert_ring *r);

/* Records waiting to be popped (a snapshot). */
size_t alert_ring_count(const struct alert_ring *r);

/* The size given at creation. */
size_t alert_ring_capacity(const struct alert_ring *r);

#endif /* RAMPART_ALERT_RING_H */
