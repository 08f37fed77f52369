/*
 * detect_gate.c - address gates for rules without a fast pattern (see
 * struct detect_addr_gate in detect_engine.h). ET Open's reputation rules
 * (tor, ciarmy, compromised, drop, botcc: ~1,200 rules, up to hundreds of
 * addresses each) would otherwise be verified, address list by address list,
 * for every packet of every protocol.
 *
 * A rule is gated on the side (source or destination) whose include list is
 * most specific; rules with no include list on either side, and <> rules,
 * stay in the always list. Runs on the loader thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine/detect/detect_engine.h"

struct gate_entry {
	struct ip_addr net;
	uint8_t family, prefix;
	uint32_t id;
};

struct gate_list { struct gate_entry *e; uint32_t n, cap; };

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

static int push_set(struct gate_list *l, const struct sig_addr_set *s, uint32_t id)
{
	for (size_t i = 0; i < s->n_include; i++) {
		if (l->n == l->cap) {
			uint32_t cap = l->cap ? l->cap * 2 : 256;
			struct gate_entry *p = realloc(l->e, cap * sizeof(*p));
			if (!p)
				return -1;
			l->e = p;
			l->cap = cap;
		}
		const struct sig_cidr *c = &s->include[i];
		unsigned max = c->family == 4 ? 32 : 128;
		struct gate_entry *e = &l->e[l->n++];
		e->family = c->family;
		e->prefix = (uint8_t)(c->prefix > max ? max : c->prefix);
		detect_addr_mask(&e->net, &c->addr, e->prefix);
		e->id = id;
	}
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct gate_entry *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->prefix != y->prefix)
		return x->prefix > y->prefix ? -1 : 1;
	int c = memcmp(&x->net, &y->net, sizeof(x->net));
	if (c)
		return c;
	return x->id < y->id ? -1 : (x->id > y->id);
}

static bool same_key(const struct gate_entry *x, const struct gate_entry *y)
{
	return x->family == y->family && x->prefix == y->prefix && memcmp(&x->net, &y->net, sizeof(x->net)) == 0;
}

static int gate_make(struct detect_addr_gate *gate, struct gate_list *l, size_t *bytes)
{
	memset(gate, 0, sizeof(*gate));
	if (l->n == 0)
		return 0;
	qsort(l->e, l->n, sizeof(*l->e), entry_cmp);
	uint32_t keys = 0;
	for (uint32_t i = 0; i < l->n; i++)
		keys += i == 0 || !same_key(&l->e[i], &l->e[i - 1]);
	uint32_t nslots = 16;
	while (nslots < 2 * keys)
		nslots <<= 1;
	gate->slots = calloc(nslots, sizeof(*gate->slots));
	gate->ids = malloc(l->n * sizeof(uint32_t));
	if (!gate->slots || !gate->ids)
		return -1;
	gate->mask = nslots - 1;
	*bytes += nslots * sizeof(*gate->slots) + l->n * sizeof(uint32_t);
	uint32_t n_ids = 0;
	for (uint32_t i = 0; i < l->n;) {
		const struct gate_entry *k = &l->e[i];
		uint32_t first = n_ids;
		for (; i < l->n && same_key(&l->e[i], k); i++)
			if (n_ids == first || gate->ids[n_ids - 1] != l->e[i].id)
				gate->ids[n_ids++] = l->e[i].id;
		uint32_t h = detect_gate_hash(&k->net, k->family, k->prefix) & gate->mask;
		while (gate->slots[h].used)
			h = (h + 1) & gate->mask;
		gate->slots[h] = (struct detect_gate_slot){ .net = k->net, .family = k->family, .prefix = k->prefix,
							    .used = 1, .first = first, .count = n_ids - first };
		/* entries are sorted longest prefix first within a family */
		if (k->family == 4 && (gate->n_v4 == 0 || gate->v4_prefixes[gate->n_v4 - 1] != k->prefix))
			gate->v4_prefixes[gate->n_v4++] = k->prefix;
		else if (k->family == 6 && (gate->n_v6 == 0 || gate->v6_prefixes[gate->n_v6 - 1] != k->prefix))
			gate->v6_prefixes[gate->n_v6++] = k->prefix;
	}
	return 0;
}

int detect_gate_build(struct detect_engine *de, struct detect_group *g, const uint32_t *ids, uint32_t n,
		      uint32_t *always, uint32_t *n_always)
{
	struct gate_list src = { 0 }, dst = { 0 };
	int rc = 0;
	*n_always = 0;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		const struct sig_rule *r = de->rules[ids[i]].sig;
		int s = r->bidirectional ? -1 : side_score(&r->src);
		int d = r->bidirectional ? -1 : side_score(&r->dst);
		if (s < 0 && d < 0) {
			always[(*n_always)++] = ids[i];
			continue;
		}
		rc = s >= d ? push_set(&src, &r->src, ids[i]) : push_set(&dst, &r->dst, ids[i]);
		de->stats.n_gated_rules++;
	}
	size_t bytes = 0;
	if (rc == 0)
		rc = gate_make(&g->src_gate, &src, &bytes);
	if (rc == 0)
		rc = gate_make(&g->dst_gate, &dst, &bytes);
	de->stats.total_bytes += bytes;
	free(src.e);
	free(dst.e);
	return rc;
}

void detect_gate_free(struct detect_addr_gate *gate)
{
	free(gate->slots);
	free(gate->ids);
	memset(gate, 0, sizeof(*gate));
}
