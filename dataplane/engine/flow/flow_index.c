/*
 * flow_index.c - the index's slow paths: moving an entry to make room, and
 * removing a flow's entry. Hot lookups are inline in flow_index.h.
 */
#include "dataplane/engine/flow/flow_index.h"

uint32_t flow_index_make_room(struct flow_table *ft, uint32_t b1, uint32_t b2)
{
	uint32_t cand[2] = { b1, b2 };

	for (int c = 0; c < 2; c++) {
		struct flow_bucket *b = &ft->buckets[cand[c]];

		for (int i = 0; i < FLOW_BUCKET_ENTRIES; i++) {
			uint32_t alt = bucket_alternate(ft, cand[c], b->sig[i]);
			struct flow_bucket *ab = &ft->buckets[alt];
			int j = bucket_free_entry(ab);

			if (j < 0)
				continue;
			ab->sig[j] = b->sig[i];
			ab->slot[j] = b->slot[i];
			b->sig[i] = 0;
			return cand[c];
		}
	}
	return FLOW_NIL;
}

void flow_index_remove(struct flow_table *ft, const struct flow *f)
{
	uint64_t h = flow_hash_flow(ft, f);
	uint32_t sig = hash_sig(h), b1 = bucket_primary(ft, h);
	uint32_t cand[2] = { b1, bucket_alternate(ft, b1, sig) };
	uint32_t slot = flow_slot_of(ft, f);

	for (int c = 0; c < 2; c++) {
		struct flow_bucket *b = &ft->buckets[cand[c]];
		uint32_t m = bucket_match(b, sig);

		while (m) {
			int i = __builtin_ctz(m);

			m &= m - 1;
			if (b->slot[i] == slot) {
				b->sig[i] = 0;
				return;
			}
		}
	}
}

