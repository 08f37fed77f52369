/*
 * detect_state.c - flowbits pool and threshold table (see detect_state.h).
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine/detect/detect_state.h"
#include "dataplane/engine/flow/flow_table.h"

/* Slot layout: [owner flow id][words of bits], so the ownership check reads
 * the cache line the bits are on. A free slot's owner is DETECT_SLOT_FREE,
 * which no flow id equals (ids are below 2^51). */
#define DETECT_SLOT_FREE UINT64_MAX

static inline uint64_t *slot_base(const struct detect_flowbits_pool *fp, uint32_t slot)
{
	return fp->bits + (size_t)(slot - 1) * (fp->words + 1u);
}

/* Whether f's detect_slot is a slot of this pool that f owns: false for no
 * slot, and for a slot number left over from a pool replaced by a rule swap
 * (that number may belong to another flow here, or to nobody). */
static inline bool slot_owned(const struct detect_flowbits_pool *fp, const struct flow *f)
{
	return f->detect_slot != 0 && f->detect_slot <= fp->n_slots &&
	       slot_base(fp, f->detect_slot)[0] == f->flow_id;
}

int detect_flowbits_pool_init(struct detect_flowbits_pool *fp, uint32_t n_flowbits, uint32_t n_slots)
{
	memset(fp, 0, sizeof(*fp));
	if (n_flowbits == 0 || n_slots == 0)
		return 0; /* no rule uses flowbits, or no flows: nothing to keep */
	fp->words = (n_flowbits + 63) / 64;
	fp->n_slots = n_slots;
	fp->bits = calloc((size_t)n_slots * (fp->words + 1u), sizeof(uint64_t));
	fp->free_slots = malloc((size_t)n_slots * sizeof(uint32_t));
	if (!fp->bits || !fp->free_slots) {
		detect_flowbits_pool_destroy(fp);
		return -1;
	}
	/* Hand out low slots first. */
	for (uint32_t i = 0; i < n_slots; i++) {
		fp->free_slots[i] = n_slots - i;
		slot_base(fp, i + 1)[0] = DETECT_SLOT_FREE;
	}
	fp->n_free = n_slots;
	return 0;
}

void detect_flowbits_pool_destroy(struct detect_flowbits_pool *fp)
{
	free(fp->bits);
	free(fp->free_slots);
	memset(fp, 0, sizeof(*fp));
}

const uint64_t *detect_flowbits_get(const struct detect_flowbits_pool *fp, const struct flow *f)
{
	if (!f || !slot_owned(fp, f))
		return NULL;
	return slot_base(fp, f->detect_slot) + 1;
}

uint64_t *detect_flowbits_get_mut(struct detect_flowbits_pool *fp, struct flow *f)
{
	uint64_t *base;

	if (!f || fp->n_slots == 0)
		return NULL;
	if (!slot_owned(fp, f)) {
		/* no slot, or a stale one from a replaced pool: a fresh slot
		 * (the stale number is simply forgotten) */
		f->detect_slot = 0;
		if (fp->n_free == 0)
			return NULL;
		f->detect_slot = fp->free_slots[--fp->n_free];
		slot_base(fp, f->detect_slot)[0] = f->flow_id;
	}
	base = slot_base(fp, f->detect_slot);
	return base + 1;
}

void detect_flowbits_release(struct detect_flowbits_pool *fp, struct flow *f)
{
	if (!f || f->detect_slot == 0)
		return;
	if (slot_owned(fp, f) && fp->n_free < fp->n_slots) {
		uint64_t *base = slot_base(fp, f->detect_slot);

		memset(base + 1, 0, fp->words * sizeof(uint64_t));
		base[0] = DETECT_SLOT_FREE;
		fp->free_slots[fp->n_free++] = f->detect_slot;
	}
	f->detect_slot = 0;
}

int detect_thresh_init(struct detect_thresh_table *t, uint32_t n_entries)
{
	uint32_t sets = 1;
	while (sets * DETECT_THRESH_WAYS < n_entries && sets < (1u << 24))
		sets <<= 1;
	t->entries = calloc((size_t)sets * DETECT_THRESH_WAYS, sizeof(*t->entries));
	t->set_mask = sets - 1;
	t->clock = 0;
	return t->entries ? 0 : -1;
}

void detect_thresh_destroy(struct detect_thresh_table *t)
{
	free(t->entries);
	t->entries = NULL;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

bool detect_thresh_allows(struct detect_thresh_table *t, uint32_t rule_id, uint8_t kind,
			  const struct sig_threshold *th, const struct packet *p, uint64_t *evicted)
{
	struct ip_addr a = { 0 }, b = { 0 };
	switch (th->track) {
	case SIG_TRACK_BY_SRC: a = p->src; break;
	case SIG_TRACK_BY_DST: a = p->dst; break;
	case SIG_TRACK_BY_BOTH: a = p->src; b = p->dst; break;
	default: break; /* by_rule: one counter for the rule */
	}
	uint64_t h = mix(rule_id, kind);
	for (int i = 0; i < 4; i++)
		h = mix(h, (uint64_t)a.u32[i] << 32 | b.u32[i]);
	struct detect_thresh_entry *set = t->entries + (size_t)(h & t->set_mask) * DETECT_THRESH_WAYS;
	struct detect_thresh_entry *e = NULL, *victim = &set[0];
	for (int w = 0; w < DETECT_THRESH_WAYS; w++) {
		struct detect_thresh_entry *x = &set[w];
		if (x->used && x->rule_id == rule_id && x->kind == kind && memcmp(&x->a, &a, sizeof(a)) == 0 &&
		    memcmp(&x->b, &b, sizeof(b)) == 0) {
			e = x;
			break;
		}
		if (!x->used || (victim->used && x->last_used < victim->last_used))
			victim = x;
	}
	uint64_t now = p->ts_usec, window = (uint64_t)th->seconds * 1000000u;
	t->clock++;
	if (!e) {
		if (victim->used)
			(*evicted)++;
		e = victim;
		*e = (struct detect_thresh_entry){ .a = a, .b = b, .window_start = now, .last_used = t->clock,
						   .rule_id = rule_id, .count = 1, .kind = kind, .used = 1 };
		if (kind == 1)
			return th->count == 0;
		return th->count <= 1 || th->type == SIG_THRESH_LIMIT;
	}
	e->last_used = t->clock;
	bool in_window = now < e->window_start || now - e->window_start < window;
	if (!in_window) {
		e->window_start = now;
		e->count = 1;
		if (kind == 1)
			return th->count == 0;
		return th->type == SIG_THRESH_LIMIT || th->count <= 1;
	}
	e->count++;
	if (kind == 1)
		return e->count > th->count;
	switch (th->type) {
	case SIG_THRESH_LIMIT:
		return e->count <= th->count;
	case SIG_THRESH_THRESHOLD:
		if (e->count >= th->count) {
			e->count = 0;
			return true;
		}
		return false;
	case SIG_THRESH_BOTH:
		return e->count == th->count;
	default:
		return true;
	}
}

static struct sig_ip_key ip_key_of(const struct ip_addr *a, bool v4)
{
	uint64_t hi = 0, lo = 0;
	if (v4)
		return (struct sig_ip_key){ 0, (uint64_t)a->u8[0] << 24 | (uint64_t)a->u8[1] << 16 |
						   (uint64_t)a->u8[2] << 8 | a->u8[3] };
	for (int i = 0; i < 8; i++) {
		hi = hi << 8 | a->u8[i];
		lo = lo << 8 | a->u8[8 + i];
	}
	return (struct sig_ip_key){ hi, lo };
}

static bool ip_key_le(struct sig_ip_key x, struct sig_ip_key y)
{
	return x.hi < y.hi || (x.hi == y.hi && x.lo <= y.lo);
}

static bool spans_hold(const struct sig_ip_spans *s, const struct ip_addr *a, bool v4)
{
	const struct sig_ip_span *v = v4 ? s->v4 : s->v6;
	uint32_t n = v4 ? s->n4 : s->n6;
	if (n == 0)
		return false;
	struct sig_ip_key k = ip_key_of(a, v4);
	/* last span whose first address is <= k */
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ip_key_le(v[mid].first, k))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && ip_key_le(k, v[lo - 1].last);
}

bool detect_suppressed(const struct sig_suppress *s, const struct packet *p)
{
	if (s->all)
		return true;
	bool v4 = p->l3 == L3_IPV4;
	return spans_hold(&s->src, &p->src, v4) || spans_hold(&s->dst, &p->dst, v4);
}
