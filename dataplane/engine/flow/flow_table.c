/*
 * flow_table.c - memory, index, lookup, eviction and expiry of the per-worker
 * flow table. The per-packet state machine lives in flow_update.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "dataplane/engine/flow/flow_index.h"

/* Packets handled per prefetch round of lookup_burst. */
#define FLOW_LOOKUP_CHUNK 32
/* Flows of the current burst skipped per list when choosing a pressure victim */
#define FLOW_EVICT_SCAN 64

/* ---------------------------------------------------------------- config */

void flow_table_config_defaults(struct flow_table_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_flows = 1u << 18;
	cfg->midstream = false;
	cfg->vlan_tracking = true;
	cfg->emergency_recovery = 30;
	cfg->timeouts[FLOW_PROTO_TCP] = (struct flow_timeouts){ 60, 600, 60 };
	cfg->timeouts[FLOW_PROTO_UDP] = (struct flow_timeouts){ 30, 300, 0 };
	cfg->timeouts[FLOW_PROTO_ICMP] = (struct flow_timeouts){ 30, 300, 0 };
	cfg->timeouts[FLOW_PROTO_OTHER] = (struct flow_timeouts){ 30, 300, 0 };
	cfg->emergency_timeouts[FLOW_PROTO_TCP] = (struct flow_timeouts){ 5, 100, 10 };
	cfg->emergency_timeouts[FLOW_PROTO_UDP] = (struct flow_timeouts){ 10, 100, 0 };
	cfg->emergency_timeouts[FLOW_PROTO_ICMP] = (struct flow_timeouts){ 10, 100, 0 };
	cfg->emergency_timeouts[FLOW_PROTO_OTHER] = (struct flow_timeouts){ 10, 100, 0 };
}

bool flow_table_config_check(const struct flow_table_config *cfg, char *err, size_t errlen)
{
	static const char *const class_names[FLOW_PROTO_CLASSES] = { "tcp", "udp", "icmp", "default" };
	/* 30 days: anything longer is a typo; the lists' millisecond queueing
	 * stamps wrap after 49 days */
	const uint32_t max_timeout = 30u * 24 * 3600;

	if (cfg == NULL) {
		snprintf(err, errlen, "flow: no configuration");
		return false;
	}
	if (cfg->max_flows == 0 || cfg->max_flows > FLOW_TABLE_MAX_FLOWS) {
		snprintf(err, errlen, "flow.max-flows: %u out of range 1..%u", cfg->max_flows,
			 FLOW_TABLE_MAX_FLOWS);
		return false;
	}
	if (cfg->emergency_recovery > 100) {
		snprintf(err, errlen, "flow.emergency-recovery: %u%% above 100%%",
			 cfg->emergency_recovery);
		return false;
	}
	for (int c = 0; c < FLOW_PROTO_CLASSES; c++) {
		const struct flow_timeouts *t[2] = { &cfg->timeouts[c], &cfg->emergency_timeouts[c] };

		for (int e = 0; e < 2; e++) {
			if (t[e]->new_sec > max_timeout || t[e]->established_sec > max_timeout ||
			    t[e]->closed_sec > max_timeout) {
				snprintf(err, errlen, "flow-timeouts.%s: %stimeout above %u seconds",
					 class_names[c], e ? "emergency " : "", max_timeout);
				return false;
			}
		}
	}
	return true;
}

/* ---------------------------------------------------------------- ids and hashing */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t flow_id_next(struct flow_table *ft)
{
	/* Ids fit 51 bits, as Suricata's do: JSON readers that parse numbers as
	 * doubles (JavaScript, many dashboards) keep 53 bits exactly. */
	const uint64_t m51 = (1ull << 51) - 1;
	/* 39 bits of counter: 2^39 flows per worker before ids could repeat */
	uint64_t x = ((++ft->id_counter << 12) | ft->worker_index) & m51;

	/* xorshift and odd multiplication are both bijections of [0, 2^51)
	 * fixing 0, so a non-zero (counter, worker) gives a unique non-zero id */
	x ^= x >> 31;
	x = (x * 0x7fb5d329728ea185ull) & m51;
	x ^= x >> 27;
	x = (x * 0x81dadef4bc2dd44dull) & m51;
	x ^= x >> 33;
	return x;
}

/* ---------------------------------------------------------------- release */

static void emergency_update(struct flow_table *ft)
{
	if (ft->emergency && ft->stats.active <= ft->emergency_exit_active) {
		ft->emergency = 0;
		ft->stats.emergency = 0;
	}
}

static void flow_release(struct flow_table *ft, struct flow *f)
{
	uint32_t slot = flow_slot_of(ft, f);

	if (ft->release_fn)
		ft->release_fn(ft->release_ctx, f);
	flow_index_remove(ft, f);
	flow_list_unlink(ft, f);
	f->flow_id = 0;
	f->lru_next = ft->free_head;
	ft->free_head = slot;
	ft->stats.active--;
	emergency_update(ft);
}

void flow_restart(struct flow_table *ft, struct flow *f, uint64_t ts_usec)
{
	if (ft->release_fn)
		ft->release_fn(ft->release_ctx, f);
	f->flow_id = flow_id_next(ft);
	f->first_ts_usec = ts_usec;
	f->pkts_toserver = f->pkts_toclient = 0;
	f->bytes_toserver = f->bytes_toclient = 0;
	f->detect_slot = 0;
	f->tcp_state = FLOW_TCP_NONE;
	f->tcp_history = 0;
	f->flags = 0;
	f->fw_decision = FLOW_FW_NONE;
	f->fw_generation = 0;
	f->fw_origin = 0;
	f->payload_units[0] = f->payload_units[1] = 0;
}

static inline uint64_t flow_deadline(const struct flow_table *ft, const struct flow *f)
{
	uint64_t d;

	/* saturate: a capture stamped near the end of time must not wrap to "expired" */
	if (__builtin_add_overflow(f->last_ts_usec, ft->timeout_usec[ft->emergency][f->timeout_list], &d))
		return UINT64_MAX;
	return d;
}

/* Pressure eviction when every slot is taken: the flow closest to its timeout
 * among the list heads (each head is about its list's next to expire), never
 * one a packet of the current burst refers to. */
static struct flow *evict_candidate_global(struct flow_table *ft)
{
	struct flow *best = NULL;
	uint64_t best_deadline = UINT64_MAX;

	for (int l = 0; l < FLOW_LISTS; l++) {
		uint32_t s = ft->lists[l].head;
		struct flow *f = NULL;
		uint64_t d;

		/* flows of this burst may sit near the head (touching does not always
		 * requeue): skip a bounded number of them */
		for (int n = 0; s != FLOW_NIL && n < FLOW_EVICT_SCAN; n++, s = ft->flows[s].lru_next) {
			if (ft->flows[s].burst_epoch != ft->burst_epoch) {
				f = &ft->flows[s];
				break;
			}
		}
		if (f == NULL)
			continue;
		d = flow_deadline(ft, f);
		if (best == NULL || d < best_deadline) {
			best_deadline = d;
			best = f;
		}
	}
	return best;
}

/* Eviction when both buckets of a key are full: the flow in them closest to
 * its timeout, not referenced by the current burst. */
static struct flow *evict_candidate_window(struct flow_table *ft, uint32_t b1, uint32_t b2)
{
	uint32_t cand[2] = { b1, b2 };
	struct flow *best = NULL;
	uint64_t best_deadline = UINT64_MAX;

	for (int c = 0; c < 2; c++) {
		const struct flow_bucket *b = &ft->buckets[cand[c]];

		for (int i = 0; i < FLOW_BUCKET_ENTRIES; i++) {
			struct flow *f;
			uint64_t d;

			if (b->sig[i] == 0)
				continue;
			f = &ft->flows[b->slot[i]];
			if (f->burst_epoch == ft->burst_epoch)
				continue;
			d = flow_deadline(ft, f);
			if (best == NULL || d < best_deadline) {
				best_deadline = d;
				best = f;
			}
		}
	}
	return best;
}

/* ---------------------------------------------------------------- create */

static struct flow *flow_create(struct flow_table *ft, const struct packet *p,
				const struct flow_key *k, uint64_t h, bool non_first_fragment)
{
	uint32_t sig = hash_sig(h), b1 = bucket_primary(ft, h);
	uint32_t b2 = bucket_alternate(ft, b1, sig), bucket = FLOW_NIL, slot;
	struct flow *f;
	bool swap;
	int e;

	/* 1. an index entry */
	if (bucket_free_entry(&ft->buckets[b1]) >= 0)
		bucket = b1;
	else if (bucket_free_entry(&ft->buckets[b2]) >= 0)
		bucket = b2;
	else
		bucket = flow_index_make_room(ft, b1, b2);
	if (bucket == FLOW_NIL) {
		f = evict_candidate_window(ft, b1, b2);
		if (f == NULL) {
			ft->stats.table_full_drops++;
			return NULL;
		}
		flow_release(ft, f);
		ft->stats.evicted_pressure++;
		ft->stats.evicted_index_full++;
		bucket = bucket_free_entry(&ft->buckets[b1]) >= 0 ? b1 : b2;
	}

	/* 2. a slot */
	if (ft->free_head == FLOW_NIL) {
		f = evict_candidate_global(ft);
		if (f == NULL) {
			ft->stats.table_full_drops++;
			return NULL;
		}
		if (!ft->emergency) {
			ft->emergency = 1;
			ft->stats.emergency = 1;
			ft->stats.emergency_entered++;
		}
		flow_release(ft, f);
		ft->stats.evicted_pressure++;
	}
	slot = ft->free_head;
	f = &ft->flows[slot];
	ft->free_head = f->lru_next;

	e = bucket_free_entry(&ft->buckets[bucket]);
	ft->buckets[bucket].sig[e] = sig;
	ft->buckets[bucket].slot[e] = slot;

	/* 3. the flow: the first packet's sender is the client, except that a
	 * SYN/ACK comes from the responder */
	swap = p->ip_proto == 6 && !non_first_fragment &&
	       (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) ==
		       (TCP_FLAG_SYN | TCP_FLAG_ACK);
	memset(f, 0, sizeof(*f));
	memcpy(f->client_addr.u8, swap ? k->dst : k->src, 16);
	memcpy(f->server_addr.u8, swap ? k->src : k->dst, 16);
	f->client_port = swap ? k->dport : k->sport;
	f->server_port = swap ? k->sport : k->dport;
	f->vlan_id[0] = k->vlan[0];
	f->vlan_id[1] = k->vlan[1];
	f->vlan_count = p->vlan_count;
	f->ip_proto = k->ip_proto;
	f->l3 = k->l3;
	f->flow_id = flow_id_next(ft);
	f->first_ts_usec = p->ts_usec;
	f->last_ts_usec = ft->now_usec;
	f->burst_epoch = ft->burst_epoch;
	flow_list_append(ft, f, flow_list_for(f));

	ft->stats.created++;
	ft->stats.active++;
	if (swap)
		ft->stats.tcp_synack_first++;
	return f;
}

/* ---------------------------------------------------------------- lookup */

static void lookup_one(struct flow_table *ft, struct packet *p, const struct flow_key *k, uint64_t h,
		       bool non_first_fragment)
{
	int dir = 0;
	struct flow *f = index_find(ft, h, k, &dir);

	if (f) {
		ft->stats.hits++;
		f->last_ts_usec = ft->now_usec;
		f->burst_epoch = ft->burst_epoch;
		flow_list_touch(ft, f);
		p->to_server = dir == 1;
	} else {
		f = flow_create(ft, p, k, h, non_first_fragment);
		p->to_server = f ? flow_key_match(f, k) == 1 : 1;
	}
	p->flow = f;
}

void flow_table_lookup_burst(struct flow_table *ft, struct packet **pkts, uint16_t n)
{
	struct flow_key keys[FLOW_LOOKUP_CHUNK];
	uint64_t hashes[FLOW_LOOKUP_CHUNK];
	bool is_ip[FLOW_LOOKUP_CHUNK], nff[FLOW_LOOKUP_CHUNK];

	if (++ft->burst_epoch == 0)
		ft->burst_epoch = 1;
	/* 32-bit index: base += 32 past 65504 must not wrap */
	for (uint32_t base = 0; base < n; base += FLOW_LOOKUP_CHUNK) {
		uint16_t m = (uint16_t)(n - base < FLOW_LOOKUP_CHUNK ? n - base : FLOW_LOOKUP_CHUNK);

		/* pass 1: keys, hashes, clock; prefetch each primary bucket */
		for (uint16_t i = 0; i < m; i++) {
			struct packet *p = pkts[base + i];

			p->flow = NULL;
			p->to_server = 1;
			is_ip[i] = flow_key_from_packet(ft, p, &keys[i], &nff[i]);
			if (!is_ip[i])
				continue;
			if (p->ts_usec > ft->now_usec)
				ft->now_usec = p->ts_usec;
			hashes[i] = flow_hash_key(ft, &keys[i]);
			__builtin_prefetch(&ft->buckets[bucket_primary(ft, hashes[i])], 0, 3);
		}
		/* pass 2: prefetch the likely flow, or the alternate bucket */
		for (uint16_t i = 0; i < m; i++) {
			uint32_t sig, b1, hit;

			if (!is_ip[i])
				continue;
			sig = hash_sig(hashes[i]);
			b1 = bucket_primary(ft, hashes[i]);
			hit = bucket_match(&ft->buckets[b1], sig);
			if (hit) {
				const struct flow *f = &ft->flows[ft->buckets[b1].slot[__builtin_ctz(hit)]];

				/* both lines: lookup reads the first, the update writes the second */
				__builtin_prefetch(f, 1, 3);
				__builtin_prefetch((const char *)f + 64, 1, 3);
			} else
				__builtin_prefetch(&ft->buckets[bucket_alternate(ft, b1, sig)], 0, 3);
		}
		/* pass 3: the real lookup, in order (a flow created by packet i is
		 * found by packet i + 1) */
		for (uint16_t i = 0; i < m; i++) {
			struct packet *p = pkts[base + i];

			if (!is_ip[i]) {
				ft->stats.no_flow_non_ip++;
				continue;
			}
			ft->stats.lookups++;
			if (nff[i])
				ft->stats.fragments_keyed++;
			lookup_one(ft, p, &keys[i], hashes[i], nff[i]);
		}
	}
}

/* ---------------------------------------------------------------- expiry */

uint32_t flow_table_expire(struct flow_table *ft, uint64_t now_usec, uint32_t max_work)
{
	uint32_t work = 0, freed = 0;

	if (now_usec > ft->now_usec)
		ft->now_usec = now_usec;
	/* start where the last pass stopped so a busy list cannot starve others */
	for (int n = 0; n < FLOW_LISTS && work < max_work; n++) {
		int l = (ft->expire_cursor + n) % FLOW_LISTS;

		while (work < max_work && ft->lists[l].head != FLOW_NIL) {
			struct flow *f = &ft->flows[ft->lists[l].head];

			work++;
			if (flow_deadline(ft, f) > ft->now_usec)
				break;
			flow_release(ft, f);
			ft->stats.evicted_timeout++;
			freed++;
		}
		if (work >= max_work)
			ft->expire_cursor = (uint8_t)l;
	}
	return freed;
}

void flow_table_flush(struct flow_table *ft)
{
	for (int l = 0; l < FLOW_LISTS; l++) {
		while (ft->lists[l].head != FLOW_NIL) {
			flow_release(ft, &ft->flows[ft->lists[l].head]);
			ft->stats.flushed++;
		}
	}
}

void flow_table_foreach(struct flow_table *ft, void (*fn)(void *ctx, struct flow *f), void *ctx)
{
	for (int l = 0; l < FLOW_LISTS; l++)
		for (uint32_t s = ft->lists[l].head; s != FLOW_NIL; s = ft->flows[s].lru_next)
			fn(ctx, &ft->flows[s]);
}

/* ---------------------------------------------------------------- lifecycle */

static void nh_key_init(struct flow_table *ft)
{
	uint64_t state = ft->cfg.hash_seed;

	if (state == 0 && getrandom(&state, sizeof(state), 0) != sizeof(state))
		state = (uint64_t)(uintptr_t)ft ^ 0x2545f4914f6cdd1dull; /* no entropy: still differs per table */
	for (int i = 0; i < 12; i += 2) {
		uint64_t r = splitmix64(&state);

		ft->nh_key[i] = (uint32_t)r;
		ft->nh_key[i + 1] = (uint32_t)(r >> 32);
	}
}

static uint32_t next_pow2(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Big arrays are 2 MiB aligned and offered to transparent huge pages: random
 * lookups over hundreds of MiB otherwise spend much of their time on TLB
 * misses. Small ones stay cache-line aligned. */
static void *table_array_alloc(size_t bytes)
{
	const size_t huge = 2u << 20;
	void *p;

	if (bytes < huge)
		return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
	bytes = (bytes + huge - 1) & ~(huge - 1);
	p = aligned_alloc(huge, bytes);
	if (p)
		(void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: fine if refused */
	return p;
}

struct flow_table *flow_table_create(const struct flow_table_config *cfg, uint16_t worker_index)
{
	char err[160];
	struct flow_table *ft;
	uint32_t nbuckets;
	size_t flows_bytes, buckets_bytes;

	if (!flow_table_config_check(cfg, err, sizeof(err)) || worker_index >= FLOW_TABLE_MAX_WORKERS) {
		errno = EINVAL;
		return NULL;
	}
	ft = aligned_alloc(64, (sizeof(*ft) + 63) & ~(size_t)63);
	if (ft == NULL)
		return NULL;
	memset(ft, 0, sizeof(*ft));
	ft->cfg = *cfg;
	ft->max_flows = cfg->max_flows;
	ft->worker_index = worker_index;
	/* about 4 flows per 8-entry bucket: half full at most, so with two
	 * choices and one-step moves a full bucket pair is rare */
	nbuckets = next_pow2((cfg->max_flows + 3) / 4);
	if (nbuckets < 2)
		nbuckets = 2;
	ft->bucket_mask = nbuckets - 1;
	flows_bytes = (size_t)cfg->max_flows * sizeof(struct flow);
	buckets_bytes = (size_t)nbuckets * sizeof(struct flow_bucket);
	ft->flows = table_array_alloc(flows_bytes);
	ft->buckets = table_array_alloc(buckets_bytes);
	if (ft->flows == NULL || ft->buckets == NULL) {
		free(ft->flows);
		free(ft->buckets);
		free(ft);
		errno = ENOMEM;
		return NULL;
	}
	/* touch every page now, not on the packet path */
	memset(ft->flows, 0, flows_bytes);
	memset(ft->buckets, 0, buckets_bytes);
	for (uint32_t s = 0; s < cfg->max_flows; s++)
		ft->flows[s].lru_next = s + 1 < cfg->max_flows ? s + 1 : FLOW_NIL;
	ft->free_head = 0;
	for (int l = 0; l < FLOW_LISTS; l++)
		ft->lists[l].head = ft->lists[l].tail = FLOW_NIL;
	for (int e = 0; e < 2; e++) {
		const struct flow_timeouts *t = e ? cfg->emergency_timeouts : cfg->timeouts;

		for (int c = 0; c < FLOW_PROTO_CLASSES; c++) {
			uint64_t *row = &ft->timeout_usec[e][c * FLOW_STATE_CLASSES];

			row[FLOW_STATE_NEW] = (uint64_t)t[c].new_sec * 1000000u;
			row[FLOW_STATE_EST] = (uint64_t)t[c].established_sec * 1000000u;
			row[FLOW_STATE_CLOSED] = (uint64_t)t[c].closed_sec * 1000000u;
		}
		for (int l = 0; l < FLOW_LISTS; l++) {
			uint64_t r_ms = ft->timeout_usec[e][l] / 1000u / 16u;

			ft->requeue_ms[e][l] = (uint32_t)(r_ms < 1000 ? r_ms : 1000);
		}
	}
	ft->emergency_exit_active =
		(uint32_t)((uint64_t)cfg->max_flows * (100u - cfg->emergency_recovery) / 100u);
	nh_key_init(ft);
	ft->memory_bytes = ((sizeof(*ft) + 63) & ~(size_t)63) + flows_bytes + buckets_bytes;
	return ft;
}

void flow_table_free(struct flow_table *ft)
{
	if (ft == NULL)
		return;
	free(ft->flows);
	free(ft->buckets);
	free(ft);
}

void flow_table_set_release_hook(struct flow_table *ft, flow_release_fn fn, void *ctx)
{
	ft->release_fn = fn;
	ft->release_ctx = ctx;
}

uint64_t flow_table_now(const struct flow_table *ft)
{
	return ft->now_usec;
}

size_t flow_table_memory_bytes(const struct flow_table *ft)
{
	return ft->memory_bytes;
}

size_t flow_table_bytes_per_flow(const struct flow_table *ft)
{
	return (ft->memory_bytes + ft->max_flows - 1) / ft->max_flows;
}

uint32_t flow_table_max_flows(const struct flow_table *ft)
{
	return ft->max_flows;
}

const struct flow_table_stats *flow_table_stats(const struct flow_table *ft)
{
	return &ft->stats;
}

void flow_table_stats_visit(const struct flow_table_stats *st,
			    void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
#define FLOW_STAT(field) { #field, offsetof(struct flow_table_stats, field) }
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
		FLOW_STAT(lookups), FLOW_STAT(hits), FLOW_STAT(created), FLOW_STAT(no_flow_non_ip),
		FLOW_STAT(fragments_keyed), FLOW_STAT(evicted_timeout), FLOW_STAT(evicted_pressure),
		FLOW_STAT(evicted_index_full), FLOW_STAT(table_full_drops), FLOW_STAT(flushed),
		FLOW_STAT(tcp_syn), FLOW_STAT(tcp_synack_first), FLOW_STAT(tcp_established),
		FLOW_STAT(tcp_midstream), FLOW_STAT(tcp_not_tracked), FLOW_STAT(tcp_rst),
		FLOW_STAT(tcp_fin_closed), FLOW_STAT(tcp_reuse), FLOW_STAT(emergency_entered),
		FLOW_STAT(active), FLOW_STAT(emergency),
	};
#undef FLOW_STAT
	_Static_assert(sizeof(fields) / sizeof(fields[0]) == sizeof(struct flow_table_stats) / sizeof(uint64_t),
		       "every counter has a name");

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t v;

		memcpy(&v, (const char *)st + fields[i].offset, sizeof(v));
		fn(ctx, fields[i].name, v);
	}
}
