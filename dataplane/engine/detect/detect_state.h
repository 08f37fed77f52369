/*
 * detect_state.h - per-worker detection state that outlives one packet:
 * flowbits (a bitmap per flow, from a pool sized at start-up) and the
 * threshold / detection_filter table (a fixed-size set-associative hash with
 * LRU replacement, keyed by rule and tracked address, on packet time).
 *
 * Owned by one struct detect_thread; allocated in detect_thread_new, never
 * grown. Nothing here allocates, locks or makes a syscall after creation.
 */
#ifndef RAMPART_DETECT_STATE_H
#define RAMPART_DETECT_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/engine/packet.h"
#include "signatures/rule.h"

struct flow;

/*
 * Flowbits pool. flow->detect_slot names a slot; each slot also records the
 * flow id of its owner, so a slot number that came from another pool (the
 * worker's detect thread was replaced by a rule swap, engine.h) is
 * recognised as stale without walking the flow table: reads see no bits,
 * a write takes a fresh slot, release ignores it. Flow ids are unique per
 * flow table and never reused, so the check has no wrap-around.
 */
struct detect_flowbits_pool {
	uint64_t *bits;      /* n_slots * (1 + words): owner flow id, then the bits */
	uint32_t words;      /* 64-bit words of bits per flow */
	uint32_t n_slots;    /* slot s (1-based) starts at bits[(s-1)*(words+1)] */
	uint32_t *free_slots;
	uint32_t n_free;
};

int detect_flowbits_pool_init(struct detect_flowbits_pool *fp, uint32_t n_flowbits, uint32_t n_slots);
void detect_flowbits_pool_destroy(struct detect_flowbits_pool *fp);
/* f's bitmap for reading; NULL when f has none here (every bit clear). */
const uint64_t *detect_flowbits_get(const struct detect_flowbits_pool *fp, const struct flow *f);
/* f's bitmap for writing, taking a slot if f has none here; NULL when the pool is empty. */
uint64_t *detect_flowbits_get_mut(struct detect_flowbits_pool *fp, struct flow *f);
/* Clears f's bits and returns its slot to the pool (a stale slot is only forgotten). */
void detect_flowbits_release(struct detect_flowbits_pool *fp, struct flow *f);

#define DETECT_THRESH_WAYS 4

struct detect_thresh_entry {
	struct ip_addr a, b;     /* tracked address(es) */
	uint64_t window_start;   /* usec */
	uint64_t last_used;      /* LRU stamp */
	uint32_t rule_id;
	uint32_t count;
	uint8_t kind;            /* 0 threshold, 1 detection_filter */
	uint8_t used;
};

struct detect_thresh_table {
	struct detect_thresh_entry *entries; /* n_sets * DETECT_THRESH_WAYS */
	uint32_t set_mask;
	uint64_t clock;
};

int detect_thresh_init(struct detect_thresh_table *t, uint32_t n_entries);
void detect_thresh_destroy(struct detect_thresh_table *t);
/*
 * Counts one hit of rule_id for p and says whether it may alert:
 *   limit: the first `count` hits of each window; threshold: every count-th
 *   hit; both: once per window, at the count-th hit; detection_filter
 *   (kind 1): every hit after the first `count` of the window.
 * *evicted is incremented when an older entry had to be replaced.
 */
bool detect_thresh_allows(struct detect_thresh_table *t, uint32_t rule_id, uint8_t kind,
			  const struct sig_threshold *th, const struct packet *p, uint64_t *evicted);

/*
 * threshold.config suppress: true when a match of a rule carrying list s must
 * not alert for p (s->all, p's source in s->src, or its destination in
 * s->dst). Called only when such a rule is about to alert: two binary searches
 * at most, no state.
 */
bool detect_suppressed(const struct sig_suppress *s, const struct packet *p);

#endif /* RAMPART_DETECT_STATE_H */
