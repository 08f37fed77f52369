/*
 * flow_index.h - keys, the keyed symmetric hash and bucket operations of the
 * flow index (see flow_internal.h for the layout). Inline because the lookup
 * path of flow_table.c runs them for every packet. Module-internal.
 */
#ifndef RAMPART_FLOW_INDEX_H
#define RAMPART_FLOW_INDEX_H

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "dataplane/engine/flow/flow_internal.h"

/* Builds the lookup key. Returns false when the packet has no IP layer. */
static inline bool flow_key_from_packet(const struct flow_table *ft, const struct packet *p,
					struct flow_key *k, bool *non_first_fragment)
{
	if (p->l3 != L3_IPV4 && p->l3 != L3_IPV6)
		return false;
	flow_addr_words(&p->src, p->l3, k->src);
	flow_addr_words(&p->dst, p->l3, k->dst);
	k->ip_proto = p->ip_proto;
	k->l3 = p->l3;
	*non_first_fragment = (p->flags & (PKT_IS_FRAGMENT | PKT_FIRST_FRAGMENT)) == PKT_IS_FRAGMENT;
	if (*non_first_fragment || p->ip_proto == 1 || p->ip_proto == 58) {
		k->sport = 0;
		k->dport = 0;
	} else {
		k->sport = p->sport;
		k->dport = p->dport;
	}
	if (ft->cfg.vlan_tracking) {
		k->vlan[0] = p->vlan_count > 0 ? p->vlan_id[0] & 0x0fff : 0;
		k->vlan[1] = p->vlan_count > 1 ? p->vlan_id[1] & 0x0fff : 0;
	} else {
		k->vlan[0] = k->vlan[1] = 0;
	}
	return true;
}

/* (addr, port) of endpoint a sorts before b: gives the symmetric hash its order */
static inline bool endpoint_less(const uint64_t a[2], uint16_t ap, const uint64_t b[2], uint16_t bp)
{
	if (a[0] != b[0])
		return a[0] < b[0];
	if (a[1] != b[1])
		return a[1] < b[1];
	return ap < bp;
}

/*
 * Symmetric keyed hash: endpoints sorted, then NH universal hashing (sum of
 * products of 32-bit halves plus per-table random key words) and a 64-bit
 * finaliser. Unlike CRC32C, whose collisions do not depend on any seed, the
 * key makes bucket collisions unpredictable to a remote sender.
 */
static inline uint64_t flow_hash_endpoints(const struct flow_table *ft, const uint64_t a[2],
					   uint16_t ap, const uint64_t b[2], uint16_t bp,
					   uint8_t ip_proto, uint8_t l3, const uint16_t vlan[2])
{
	const uint64_t *lo = a, *hi = b;
	uint16_t lop = ap, hip = bp;
	uint64_t w[6], h = 0;

	if (endpoint_less(b, bp, a, ap)) {
		lo = b; hi = a; lop = bp; hip = ap;
	}
	w[0] = lo[0];
	w[1] = lo[1];
	w[2] = hi[0];
	w[3] = hi[1];
	w[4] = (uint64_t)lop | (uint64_t)hip << 16 | (uint64_t)ip_proto << 32 | (uint64_t)l3 << 40;
	w[5] = (uint64_t)vlan[0] | (uint64_t)vlan[1] << 16;
	for (int i = 0; i < 6; i++)
		h += (uint64_t)(uint32_t)((uint32_t)w[i] + ft->nh_key[2 * i]) *
		     (uint64_t)(uint32_t)((uint32_t)(w[i] >> 32) + ft->nh_key[2 * i + 1]);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static inline uint64_t flow_hash_key(const struct flow_table *ft, const struct flow_key *k)
{
	return flow_hash_endpoints(ft, k->src, k->sport, k->dst, k->dport, k->ip_proto, k->l3, k->vlan);
}

static inline uint64_t flow_hash_flow(const struct flow_table *ft, const struct flow *f)
{
	uint64_t c[2], s[2];

	flow_addr_words(&f->client_addr, f->l3, c);
	flow_addr_words(&f->server_addr, f->l3, s);
	return flow_hash_endpoints(ft, c, f->client_port, s, f->server_port, f->ip_proto, f->l3,
				   f->vlan_id);
}

static inline uint32_t hash_sig(uint64_t h)
{
	return (uint32_t)(h >> 32) | 1u; /* never 0: 0 marks an empty entry */
}

static inline uint32_t bucket_primary(const struct flow_table *ft, uint64_t h)
{
	return (uint32_t)h & ft->bucket_mask;
}

/* The other bucket of an entry, from its bucket and signature alone: an
 * involution, so entries can move between their two buckets blindly. */
static inline uint32_t bucket_alternate(const struct flow_table *ft, uint32_t bucket, uint32_t sig)
{
	uint32_t diff = (sig * 0x9e3779b1u) >> 7 & ft->bucket_mask;

	return bucket ^ (diff ? diff : 1u);
}

/* Bit i set when entry i of the bucket holds signature sig (0: empty entries). */
static inline uint32_t bucket_match(const struct flow_bucket *b, uint32_t sig)
{
#if defined(__AVX2__)
	__m256i v = _mm256_load_si256((const __m256i *)b->sig);
	__m256i eq = _mm256_cmpeq_epi32(v, _mm256_set1_epi32((int)sig));

	return (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(eq));
#else
	uint32_t m = 0;

	for (int i = 0; i < FLOW_BUCKET_ENTRIES; i++)
		m |= (uint32_t)(b->sig[i] == sig) << i;
	return m;
#endif
}

static inline bool words_eq(const uint64_t a[2], const struct ip_addr *b, uint8_t l3)
{
	uint64_t w[2];

	flow_addr_words(b, l3, w);
	return a[0] == w[0] && a[1] == w[1];
}

/* 0: other flow; 1: packet goes client -> server; 2: server -> client. */
static inline int flow_key_match(const struct flow *f, const struct flow_key *k)
{
	if (f->ip_proto != k->ip_proto || f->l3 != k->l3 || f->vlan_id[0] != k->vlan[0] ||
	    f->vlan_id[1] != k->vlan[1])
		return 0;
	if (f->client_port == k->sport && f->server_port == k->dport &&
	    words_eq(k->src, &f->client_addr, k->l3) && words_eq(k->dst, &f->server_addr, k->l3))
		return 1;
	if (f->client_port == k->dport && f->server_port == k->sport &&
	    words_eq(k->dst, &f->client_addr, k->l3) && words_eq(k->src, &f->server_addr, k->l3))
		return 2;
	return 0;
}

static inline struct flow *index_find_in(struct flow_table *ft, uint32_t bucket, uint32_t sig,
					 const struct flow_key *k, int *dir)
{
	const struct flow_bucket *b = &ft->buckets[bucket];
	uint32_t m = bucket_match(b, sig);

	while (m) {
		int i = __builtin_ctz(m);
		struct flow *f = &ft->flows[b->slot[i]];

		m &= m - 1;
		*dir = flow_key_match(f, k);
		if (*dir)
			return f;
	}
	return NULL;
}

/* Finds the flow of key k (hash h); *dir: 1 = k goes client -> server, 2 = back. */
static inline struct flow *index_find(struct flow_table *ft, uint64_t h, const struct flow_key *k,
				      int *dir)
{
	uint32_t sig = hash_sig(h), b1 = bucket_primary(ft, h);
	struct flow *f = index_find_in(ft, b1, sig, k, dir);

	if (f == NULL)
		f = index_find_in(ft, bucket_alternate(ft, b1, sig), sig, k, dir);
	return f;
}

static inline int bucket_free_entry(const struct flow_bucket *b)
{
	uint32_t m = bucket_match(b, 0);

	return m ? __builtin_ctz(m) : -1;
}

/* Makes room for a new entry in b1 or its alternate by moving one resident
 * entry to its own alternate bucket. Returns the bucket with a free entry, or
 * FLOW_NIL when every entry's alternate is full too. */
uint32_t flow_index_make_room(struct flow_table *ft, uint32_t b1, uint32_t b2);

/* Removes a flow's entry (the flow's key gives back its buckets). */
void flow_index_remove(struct flow_table *ft, const struct flow *f);

#endif /* RAMPART_FLOW_INDEX_H */
