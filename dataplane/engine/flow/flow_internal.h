/*
 * flow_internal.h - what flow_table.c (index, memory, expiry) and
 * flow_update.c (per-packet state) share. Not for use outside the module.
 *
 * Layout
 *  - flows[]: max_flows struct flow, preallocated; a free slot is chained
 *    through lru_next on the free list.
 *  - buckets[]: power-of-two array of 64-byte buckets, 8 entries each of
 *    (32-bit signature, 32-bit slot). A key may live in its primary bucket or
 *    in one alternate bucket derived from the signature alone (so an entry can
 *    be moved without touching its flow, like rte_hash). A lookup reads one
 *    bucket line, usually, and then the flow.
 *  - timeout lists: one doubly linked list per (protocol class, state class).
 *    Every flow in a list has the same timeout T and the lists are kept in
 *    order of queueing time, so expiry and pressure eviction look at list
 *    heads only. Moving a flow to the tail on every packet would write two
 *    random neighbour flows per packet (measured: about 50 ns of a 130 ns
 *    lookup over 1M flows), so a packet requeues its flow only when the flow
 *    was queued at least R = min(1 s, T / 16) ago. Expiry stops at the first
 *    live head; any flow behind it was queued later, and the head's deadline
 *    is less than R past its queueing time, so a flow expires at most R
 *    late. State changes always requeue (the timeout changes with them).
 */
#ifndef RAMPART_FLOW_INTERNAL_H
#define RAMPART_FLOW_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "dataplane/engine/flow/flow_table.h"

#define FLOW_BUCKET_ENTRIES 8
#define FLOW_NIL            UINT32_MAX

struct flow_bucket {
	uint32_t sig[FLOW_BUCKET_ENTRIES];  /* 0 = empty entry */
	uint32_t slot[FLOW_BUCKET_ENTRIES];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct flow_bucket) == 64, "a bucket is one cache line");

/* State classes of the timeout lists. */
enum flow_state_class { FLOW_STATE_NEW = 0, FLOW_STATE_EST, FLOW_STATE_CLOSED, FLOW_STATE_CLASSES };

#define FLOW_LISTS (FLOW_PROTO_CLASSES * FLOW_STATE_CLASSES)

_Static_assert(FLOW_LISTS <= 16, "struct flow.timeout_list is 4 bits");

struct flow_list {
	uint32_t head, tail;  /* slot numbers, FLOW_NIL when empty */
};

/* The lookup key of a packet, endpoints in packet order. */
struct flow_key {
	uint64_t src[2], dst[2];  /* addresses as two 64-bit words */
	uint16_t sport, dport;
	uint16_t vlan[2];
	uint8_t  ip_proto, l3;
};

struct flow_table {
	struct flow *flows;
	struct flow_bucket *buckets;
	uint32_t bucket_mask;
	uint32_t max_flows;
	uint32_t free_head;
	uint16_t burst_epoch;           /* bumped per lookup_burst; never 0 (width of flow.burst_epoch) */
	uint64_t now_usec;              /* table clock */
	uint64_t id_counter;            /* flows created so far */
	uint16_t worker_index;
	uint8_t  emergency;
	uint8_t  expire_cursor;         /* list where the next expire pass starts */
	uint32_t emergency_exit_active; /* leave emergency at or below this many flows */
	struct flow_list lists[FLOW_LISTS];
	uint64_t timeout_usec[2][FLOW_LISTS]; /* [emergency][list] */
	uint32_t requeue_ms[2][FLOW_LISTS];   /* R of each list (see above) */
	uint32_t nh_key[12];            /* per-table hash key */
	struct flow_table_config cfg;
	flow_release_fn release_fn;
	void *release_ctx;
	size_t memory_bytes;
	struct flow_table_stats stats;
};

/* An address as two 64-bit words; IPv4 keeps only its 4 bytes (the rest is
 * zeroed here so a decoder leaving junk there cannot split a flow). */
static inline void flow_addr_words(const struct ip_addr *a, uint8_t l3, uint64_t w[2])
{
	if (l3 == L3_IPV4) {
		w[0] = w[1] = 0;
		memcpy(w, a->u8, 4);
	} else {
		memcpy(w, a->u8, 16);
	}
}

static inline uint32_t flow_slot_of(const struct flow_table *ft, const struct flow *f)
{
	return (uint32_t)(f - ft->flows);
}

static inline enum flow_proto_class flow_proto_class_of(uint8_t ip_proto)
{
	switch (ip_proto) {
	case 6:  return FLOW_PROTO_TCP;
	case 17: return FLOW_PROTO_UDP;
	case 1:
	case 58: return FLOW_PROTO_ICMP;
	default: return FLOW_PROTO_OTHER;
	}
}

/* The timeout list a flow belongs in, from its protocol and state. */
static inline uint8_t flow_list_for(const struct flow *f)
{
	enum flow_state_class s;

	if (f->ip_proto == 6)
		s = f->tcp_state == FLOW_TCP_CLOSED ? FLOW_STATE_CLOSED
		    : f->tcp_state >= FLOW_TCP_ESTABLISHED ? FLOW_STATE_EST : FLOW_STATE_NEW;
	else
		s = (f->flags & FLOW_ESTABLISHED) ? FLOW_STATE_EST : FLOW_STATE_NEW;
	return (uint8_t)(flow_proto_class_of(f->ip_proto) * FLOW_STATE_CLASSES + s);
}

/* The table clock in milliseconds, modulo 2^32. */
static inline uint32_t flow_clock_ms(const struct flow_table *ft)
{
	return (uint32_t)(ft->now_usec / 1000u);
}

static inline void flow_list_unlink(struct flow_table *ft, struct flow *f)
{
	struct flow_list *l = &ft->lists[f->timeout_list];

	if (f->lru_prev != FLOW_NIL)
		ft->flows[f->lru_prev].lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next != FLOW_NIL)
		ft->flows[f->lru_next].lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
}

static inline void flow_list_append(struct flow_table *ft, struct flow *f, uint8_t list)
{
	struct flow_list *l = &ft->lists[list];
	uint32_t slot = flow_slot_of(ft, f);

	f->timeout_list = list;
	f->queued_ms = flow_clock_ms(ft);
	f->lru_next = FLOW_NIL;
	f->lru_prev = l->tail;
	if (l->tail != FLOW_NIL)
		ft->flows[l->tail].lru_next = slot;
	else
		l->head = slot;
	l->tail = slot;
}

/* Marks activity of a flow whose state did not change: requeues it only when
 * it was queued R or more ago (the per-list hysteresis described above). */
static inline void flow_list_touch(struct flow_table *ft, struct flow *f)
{
	uint32_t queued_for = flow_clock_ms(ft) - f->queued_ms; /* wraps every 49 days: fine */

	if (queued_for < ft->requeue_ms[ft->emergency][f->timeout_list] ||
	    ft->lists[f->timeout_list].tail == flow_slot_of(ft, f))
		return;
	flow_list_unlink(ft, f);
	flow_list_append(ft, f, f->timeout_list);
}

/* Gives a newly created flow its id: (counter, worker) scrambled by a
 * bijection of [0, 2^51), so ids stay unique and non-zero yet look random
 * (consumers shard EVE records by flow_id, as with Suricata's). */
uint64_t flow_id_next(struct flow_table *ft);

/* Resets a flow's state for a new connection on the same key (TCP reuse):
 * calls the release hook for the old one, gives a new id. */
void flow_restart(struct flow_table *ft, struct flow *f, uint64_t ts_usec);

#endif /* RAMPART_FLOW_INTERNAL_H */
