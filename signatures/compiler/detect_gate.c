/*
 * detect_gate.c - address gates for rules without a fast pattern (see
 * struct detect_addr_gate in detect_engine.h). ET Open's reputation rules
 * (tor, ciarmy, compromised, drop, botcc: ~1,200 rules, up to hundreds of
 * addresses each) would otherwise be verified, address list by address list,
 * for every packet of every protocol.
 *
 * A rule is gated on the side (source or destination) whose include list is
 * most specific (networks of a family the packet does not have never match:
 * cidr_contains() compares families); a <> rule is gated on both the
 * packet's source and destination by that side's list. Rules with no include
 * list on either side stay in the always list. Runs on the loader thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine/detect/detect_engine.h"

/* One network of one rule, as an inclusive range of addresses. */
struct gate_entry {
	struct detect_gate_key first, last;
	uint32_t id;
};

struct gate_list { struct gate_entry *e; uint32_t n, cap; };

struct gate_lists { struct gate_list v4, v6; };

/* Most general prefix of the include list, in IPv6 terms (IPv4 /p = /96+p); -1: none. */
static int side_score(const struct sig_addr_set *s)
{
	if (s->n_include == 0)
		return -1;
	int min = 129;
	for (size_t i = 0; i < s->n_include; i++) {
		int p = s->include[i].family == 4 ? 96 + s->include[i].prefix : s->include[i].prefix;
		if (p < min)
			min = p;
	}
	return min;
}

static int key_cmp(struct detect_gate_key x, struct detect_gate_key y)
{
	if (x.hi != y.hi)
		return x.hi < y.hi ? -1 : 1;
	return x.lo < y.lo ? -1 : (x.lo > y.lo);
}

/* The network's last address: first with its host bits (width - prefix of them) set. */
static struct detect_gate_key range_last(struct detect_gate_key first, unsigned prefix, unsigned width)
{
	unsigned host = width - prefix;
	struct detect_gate_key k = first;
	if (host >= 64) {
		k.lo = ~0ull;
		k.hi |= host >= 128 ? ~0ull : (1ull << (host - 64)) - 1;
	} else if (host > 0) {
		k.lo |= (1ull << host) - 1;
	}
	return k;
}

/* The network's first address: a's key with the host bits cleared. */
static struct detect_gate_key range_first(const struct ip_addr *a, unsigned prefix, unsigned width)
{
	struct detect_gate_key k = detect_gate_key_of(a, width == 32);
	unsigned host = width - prefix;
	if (host >= 64) {
		k.lo = 0;
		k.hi &= host >= 128 ? 0 : ~((1ull << (host - 64)) - 1);
	} else if (host > 0) {
		k.lo &= ~((1ull << host) - 1);
	}
	return k;
}

static int push_set(struct gate_lists *l, const struct sig_addr_set *s, uint32_t id)
{
	for (size_t i = 0; i < s->n_include; i++) {
		const struct sig_cidr *c = &s->include[i];
		if (c->family != 4 && c->family != 6)
			continue; /* matches no packet address */
		struct gate_list *gl = c->family == 4 ? &l->v4 : &l->v6;
		if (gl->n == gl->cap) {
			uint32_t cap = gl->cap ? gl->cap * 2 : 256;
			struct gate_entry *p = realloc(gl->e, cap * sizeof(*p));
			if (!p)
				return -1;
			gl->e = p;
			gl->cap = cap;
		}
		unsigned width = c->family == 4 ? 32 : 128;
		unsigned prefix = c->prefix > width ? width : c->prefix;
		struct gate_entry *e = &gl->e[gl->n++];
		e->first = range_first(&c->addr, prefix, width);
		e->last = range_last(e->first, prefix, width);
		e->id = id;
	}
	return 0;
}

static int entry_first_cmp(const void *a, const void *b)
{
	return key_cmp(((const struct gate_entry *)a)->first, ((const struct gate_entry *)b)->first);
}

static int key_qsort_cmp(const void *a, const void *b)
{
	return key_cmp(*(const struct detect_gate_key *)a, *(const struct detect_gate_key *)b);
}

static int u32_push(uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t v)
{
	if (*n == *cap) {
		uint32_t c = *cap ? *cap * 2 : 256;
		uint32_t *p = realloc(*a, c * sizeof(*p));
		if (!p)
			return -1;
		*a = p;
		*cap = c;
	}
	(*a)[(*n)++] = v;
	return 0;
}

/*
 * Cut l's networks into disjoint ranges (a sweep over the sorted range
 * boundaries, keeping the networks that cover the current one). Adjacent
 * ranges with the same rules are merged.
 */
static int ranges_make(struct detect_gate_ranges *r, struct gate_list *l, size_t *bytes)
{
	memset(r, 0, sizeof(*r));
	if (l->n == 0)
		return 0;
	int rc = -1;
	uint32_t nb = 0;
	struct detect_gate_key *bounds = malloc((2 * (size_t)l->n + 1) * sizeof(*bounds));
	uint32_t *active = malloc(l->n * sizeof(uint32_t));
	uint32_t n_active = 0, n_ids = 0, cap_ids = 0, cap_r = 0;
	if (!bounds || !active)
		goto out;
	bounds[nb++] = (struct detect_gate_key){ 0, 0 };
	for (uint32_t i = 0; i < l->n; i++) {
		bounds[nb++] = l->e[i].first;
		struct detect_gate_key next = l->e[i].last;
		if (++next.lo == 0 && ++next.hi == 0)
			continue; /* the range ends at the top of the address space */
		bounds[nb++] = next;
	}
	qsort(bounds, nb, sizeof(*bounds), key_qsort_cmp);
	qsort(l->e, l->n, sizeof(*l->e), entry_first_cmp);
	uint32_t next_entry = 0;
	for (uint32_t b = 0; b < nb; b++) {
		if (b > 0 && key_cmp(bounds[b], bounds[b - 1]) == 0)
			continue;
		struct detect_gate_key at = bounds[b];
		uint32_t keep = 0;
		for (uint32_t i = 0; i < n_active; i++)
			if (key_cmp(l->e[active[i]].last, at) >= 0)
				active[keep++] = active[i];
		n_active = keep;
		for (; next_entry < l->n && key_cmp(l->e[next_entry].first, at) <= 0; next_entry++)
			active[n_active++] = next_entry;
		/* same rules as the previous range: extend it */
		if (r->n > 0 && r->first[r->n - 1] + n_active == n_ids) {
			bool same = true;
			for (uint32_t i = 0; i < n_active && same; i++)
				same = r->ids[r->first[r->n - 1] + i] == l->e[active[i]].id;
			if (same)
				continue;
		}
		if (r->n + 1 >= cap_r) {
			uint32_t c = cap_r ? cap_r * 2 : 256;
			struct detect_gate_key *ns = realloc(r->start, c * sizeof(*ns));
			if (!ns)
				goto out;
			r->start = ns;
			uint32_t *nf = realloc(r->first, (c + 1) * sizeof(*nf));
			if (!nf)
				goto out;
			r->first = nf;
			cap_r = c;
		}
		r->start[r->n] = at;
		r->first[r->n] = n_ids;
		r->n++;
		for (uint32_t i = 0; i < n_active; i++)
			if (u32_push(&r->ids, &n_ids, &cap_ids, l->e[active[i]].id) != 0)
				goto out;
	}
	r->first[r->n] = n_ids;
	*bytes += r->n * (sizeof(*r->start) + sizeof(*r->first)) + n_ids * sizeof(uint32_t);
	rc = 0;
out:
	free(bounds);
	free(active);
	return rc;
}

static void ranges_free(struct detect_gate_ranges *r)
{
	free(r->start);
	free(r->first);
	free(r->ids);
	memset(r, 0, sizeof(*r));
}

static int gate_make(struct detect_addr_gate *gate, struct gate_lists *l, size_t *bytes)
{
	memset(gate, 0, sizeof(*gate));
	if (ranges_make(&gate->v4, &l->v4, bytes) != 0 || ranges_make(&gate->v6, &l->v6, bytes) != 0)
		return -1;
	return 0;
}

int detect_gate_build(struct detect_engine *de, struct detect_group *g, const uint32_t *ids, uint32_t n,
		      uint32_t *always, uint32_t *n_always)
{
	struct gate_lists src = { 0 }, dst = { 0 };
	int rc = 0;
	*n_always = 0;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		const struct sig_rule *r = de->rules[ids[i]].sig;
		int s = side_score(&r->src), d = side_score(&r->dst);
		if (s < 0 && d < 0) {
			always[(*n_always)++] = ids[i];
			continue;
		}
		const struct sig_addr_set *side = s >= d ? &r->src : &r->dst;
		if (r->bidirectional) {
			/* a <> rule matches with its set on either end of the packet: gate both ends on it */
			rc = push_set(&src, side, ids[i]);
			if (rc == 0)
				rc = push_set(&dst, side, ids[i]);
		} else {
			rc = push_set(s >= d ? &src : &dst, side, ids[i]);
		}
		de->stats.n_gated_rules++;
	}
	size_t bytes = 0;
	if (rc == 0)
		rc = gate_make(&g->src_gate, &src, &bytes);
	if (rc == 0)
		rc = gate_make(&g->dst_gate, &dst, &bytes);
	de->stats.total_bytes += bytes;
	free(src.v4.e);
	free(src.v6.e);
	free(dst.v4.e);
	free(dst.v6.e);
	return rc;
}

void detect_gate_free(struct detect_addr_gate *gate)
{
	ranges_free(&gate->v4);
	ranges_free(&gate->v6);
}
