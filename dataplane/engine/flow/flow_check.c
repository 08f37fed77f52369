/*
 * flow_check.c - verifies the table's internal invariants: every held flow is
 * in exactly one timeout list and has exactly one index entry in one of its
 * two buckets, free slots are exactly the rest. O(max_flows): for tests,
 * fuzzers and debugging, never the packet path.
 */
#include <stdio.h>

#include "dataplane/engine/flow/flow_index.h"

#define CHECK(cond, ...)                                   \
	do {                                               \
		if (!(cond)) {                             \
			snprintf(err, errlen, __VA_ARGS__); \
			return false;                      \
		}                                          \
	} while (0)

static bool check_lists(const struct flow_table *ft, uint64_t *held, char *err, size_t errlen)
{
	*held = 0;
	for (int l = 0; l < FLOW_LISTS; l++) {
		uint32_t prev = FLOW_NIL, s = ft->lists[l].head;

		while (s != FLOW_NIL) {
			const struct flow *f;

			CHECK(s < ft->max_flows, "list %d: slot %u out of range", l, s);
			f = &ft->flows[s];
			CHECK(f->lru_prev == prev, "list %d: slot %u back link %u, expected %u", l, s,
			      f->lru_prev, prev);
			CHECK(f->timeout_list == l, "slot %u: in list %d, says %u", s, l, f->timeout_list);
			CHECK(f->flow_id != 0, "slot %u: held flow with id 0", s);
			CHECK(flow_list_for(f) == l, "slot %u: state wants list %u, is in %d", s,
			      flow_list_for(f), l);
			CHECK(++*held <= ft->max_flows, "list %d: cycle", l);
			prev = s;
			s = f->lru_next;
		}
		CHECK(ft->lists[l].tail == prev, "list %d: tail %u, last %u", l, ft->lists[l].tail, prev);
	}
	CHECK(*held == ft->stats.active, "lists hold %llu flows, active says %llu",
	      (unsigned long long)*held, (unsigned long long)ft->stats.active);
	return true;
}

bool flow_table_check(const struct flow_table *ft, char *err, size_t errlen)
{
	uint64_t held, free_count = 0, entries = 0;
	struct flow_table *mft = (struct flow_table *)ft; /* index_find takes a mutable table */

	if (!check_lists(ft, &held, err, errlen))
		return false;
	for (uint32_t s = ft->free_head; s != FLOW_NIL; s = ft->flows[s].lru_next) {
		CHECK(s < ft->max_flows, "free list: slot %u out of range", s);
		CHECK(ft->flows[s].flow_id == 0, "free list: slot %u holds flow id", s);
		CHECK(++free_count <= ft->max_flows, "free list: cycle");
	}
	CHECK(free_count + held == ft->max_flows, "%llu free + %llu held != %u slots",
	      (unsigned long long)free_count, (unsigned long long)held, ft->max_flows);
	for (uint32_t b = 0; b <= ft->bucket_mask; b++) {
		for (int i = 0; i < FLOW_BUCKET_ENTRIES; i++) {
			uint32_t sig = ft->buckets[b].sig[i], s = ft->buckets[b].slot[i];
			const struct flow *f;
			uint64_t h;

			if (sig == 0)
				continue;
			entries++;
			CHECK(s < ft->max_flows, "bucket %u: slot %u out of range", b, s);
			f = &ft->flows[s];
			CHECK(f->flow_id != 0, "bucket %u: entry for free slot %u", b, s);
			h = flow_hash_flow(ft, f);
			CHECK(sig == hash_sig(h), "bucket %u: slot %u signature", b, s);
			CHECK(b == bucket_primary(ft, h) || b == bucket_alternate(ft, bucket_primary(ft, h), sig),
			      "bucket %u: slot %u is in neither of its buckets", b, s);
		}
	}
	CHECK(entries == held, "index holds %llu entries for %llu flows", (unsigned long long)entries,
	      (unsigned long long)held);
	/* every held flow is found from its own key, in both directions */
	for (int l = 0; l < FLOW_LISTS; l++) {
		for (uint32_t s = ft->lists[l].head; s != FLOW_NIL; s = ft->flows[s].lru_next) {
			const struct flow *f = &ft->flows[s];
			struct flow_key k;
			int dir;

			flow_addr_words(&f->client_addr, f->l3, k.src);
			flow_addr_words(&f->server_addr, f->l3, k.dst);
			k.sport = f->client_port;
			k.dport = f->server_port;
			k.vlan[0] = f->vlan_id[0];
			k.vlan[1] = f->vlan_id[1];
			k.ip_proto = f->ip_proto;
			k.l3 = f->l3;
			CHECK(index_find(mft, flow_hash_key(ft, &k), &k, &dir) == f && dir == 1,
			      "slot %u: not found from its key", s);
		}
	}
	return true;
}
