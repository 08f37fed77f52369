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

struct detect_flowbits_pool {
	uint64_t *bits;      /* n_slots * words */
	uint32_t words;      /* 64-bit words per flow */
	uint32_t n_slots;    /* slot s (1-based) owns bits[(s-1)*words ...] */
	uint32_t *free_slots;
	uint32_t n_free;
};

int detect_flowbits_pool_init(struct detect_flowbits_pool *fp, uint32_t n_flowbits, uint32_t n_slots);
void detect_flowbits_pool_destroy(struct detect_flowbits_pool *fp);
/* f's bitmap for reading; NULL when f has none (every bit clear). */
const uint64_t *detect_flowbits_get(const struct detect_flowbits_pool *fp, const struct flow *f);
/* f's bitmap for writing, taking a slot if needed; NULL when the pool is empty. */
uint64_t *detect_flowbits_get_mut(struct detect_flowbits_pool *fp, struct flow *f);
/* Clears f's bits and returns its slot to the pool. */
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

#endif /* RAMPART_DETECT_STATE_H */
