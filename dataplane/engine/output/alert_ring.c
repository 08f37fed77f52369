/*
 * alert_ring.c - SPSC ring of alert records (see alert_ring.h).
 *
 * Indexes are free-running 64-bit counters: `head` counts records ever
 * pushed, `tail` records ever popped; head - tail is the fill level and a
 * slot is index & mask. 64 bits never wrap in practice, so no "one slot
 * empty" trick is needed and the full size is usable.
 *
 * Each side keeps a private copy of the other side's index on its own cache
 * line and refreshes it only when the copy says full (producer) or empty
 * (consumer): in steady state a push touches no line the consumer writes.
 */
#include "dataplane/engine/output/alert_ring.h"

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64

struct alert_ring {
	/* producer's line */
	alignas(CACHE_LINE) _Atomic uint64_t head;
	uint64_t tail_cache;                    /* producer's view of tail */
	_Atomic uint64_t dropped;               /* written by the producer only */

	/* consumer's line */
	alignas(CACHE_LINE) _Atomic uint64_t tail;
	uint64_t head_cache;                    /* consumer's view of head */

	/* read-only after creation */
	alignas(CACHE_LINE) uint64_t size;
	uint64_t mask;
	struct alert_record *slots;
};

struct alert_ring *alert_ring_new(size_t size)
{
	if (size < 2 || size > ALERT_RING_MAX_SIZE || (size & (size - 1)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	struct alert_ring *r = aligned_alloc(CACHE_LINE, sizeof(*r));
	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->slots = calloc(size, sizeof(*r->slots));
	if (r->slots == NULL) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->size = size;
	r->mask = size - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->dropped, 0);
	return r;
}

void alert_ring_free(struct alert_ring *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r);
}

/* Free slots as the producer sees them; refreshes the cached tail only when
 * the cache says fewer than `want` are free. */
static uint64_t producer_free_slots(struct alert_ring *r, uint64_t head, uint64_t want)
{
	uint64_t free_slots = r->size - (head - r->tail_cache);
	if (free_slots < want) {
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		free_slots = r->size - (head - r->tail_cache);
	}
	return free_slots;
}

static void count_dropped(struct alert_ring *r, uint64_t n)
{
	/* Single writer: a relaxed load+store is enough and avoids a locked
	 * read-modify-write on the worker. */
	uint64_t d = atomic_load_explicit(&r->dropped, memory_order_relaxed);
	atomic_store_explicit(&r->dropped, d + n, memory_order_relaxed);
}

bool alert_ring_push(struct alert_ring *r, const struct alert_record *rec)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	if (producer_free_slots(r, head, 1) == 0) {
		count_dropped(r, 1);
		return false;
	}
	r->slots[head & r->mask] = *rec;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

size_t alert_ring_push_burst(struct alert_ring *r, const struct alert_record *recs, size_t n)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t free_slots = producer_free_slots(r, head, n);
	size_t take = n < free_slots ? n : (size_t)free_slots;

	for (size_t i = 0; i < take; i++)
		r->slots[(head + i) & r->mask] = recs[i];
	if (take > 0)
		atomic_store_explicit(&r->head, head + take, memory_order_release);
	if (take < n)
		count_dropped(r, n - take);
	return take;
}

size_t alert_ring_pop_burst(struct alert_ring *r, struct alert_record *out, size_t max)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t avail = r->head_cache - tail;
	if (avail < max) {
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		avail = r->head_cache - tail;
	}
	size_t take = max < avail ? max : (size_t)avail;

	for (size_t i = 0; i < take; i++)
		out[i] = r->slots[(tail + i) & r->mask];
	if (take > 0)
		atomic_store_explicit(&r->tail, tail + take, memory_order_release);
	return take;
}

uint64_t alert_ring_dropped(const struct alert_ring *r)
{
	return atomic_load_explicit(&r->dropped, memory_order_relaxed);
}

size_t alert_ring_count(const struct alert_ring *r)
{
	/* Read tail first: head only grows, so head - tail never underflows. */
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	return (size_t)(head - tail);
}

size_t alert_ring_capacity(const struct alert_ring *r)
{
	return (size_t)r->size;
}
