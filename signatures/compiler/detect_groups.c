/*
 * detect_groups.c - rule groups and their Hyperscan databases.
 *
 * Per protocol class (tcp, udp, icmp, other-ip) a packet scans at most three
 * groups: the class's "any port" group, the group of its destination port and
 * the group of its source port. A tcp/udp rule whose dst port set is specific
 * (few ports) goes to the dport groups, else one whose src port set is
 * specific goes to the sport groups, else (and every ip/icmp rule, every <>
 * rule) to the any group. Ports whose rule lists are identical share one
 * group, so a rule with [80,8080] sits in the group of 80 and that of 8080
 * only, and the thousands of any-port rules are never copied per port.
 * Rules of proto ip are placed in the any group of every class. Within a
 * group, rules without a fast pattern are either always evaluated or, when
 * their addresses allow it, reached through an address gate (detect_gate.c).
 *
 * Runs on the loader thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine/detect/detect_engine.h"

/* A port set covering more ports than this is treated as "any" for grouping
 * (verification still checks it): wide ranges would copy the rule into too
 * many groups. */
#ifndef DETECT_PORT_SPECIFIC_MAX
#define DETECT_PORT_SPECIFIC_MAX 512u
#endif
#define NPORTS 65536u

struct id_list { uint32_t *ids; uint32_t n, cap; };

static int id_list_push(struct id_list *l, uint32_t id)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 64;
		uint32_t *p = realloc(l->ids, cap * sizeof(*p));
		if (!p)
			return -1;
		l->ids = p;
		l->cap = cap;
	}
	l->ids[l->n++] = id;
	return 0;
}

static bool port_set_specific(const struct sig_port_set *ps)
{
	if (ps->n_include == 0)
		return false;
	uint32_t span = 0;
	for (size_t i = 0; i < ps->n_include; i++) {
		if (ps->include[i].hi < ps->include[i].lo)
			continue;
		span += (uint32_t)ps->include[i].hi - ps->include[i].lo + 1;
		if (span > DETECT_PORT_SPECIFIC_MAX)
			return false;
	}
	return span > 0;
}

static int group_new(struct detect_engine *de, uint32_t *cap)
{
	if (de->n_groups == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 16;
		struct detect_group *g = realloc(de->groups, ncap * sizeof(*g));
		if (!g)
			return -1;
		de->groups = g;
		*cap = ncap;
	}
	memset(&de->groups[de->n_groups], 0, sizeof(de->groups[0]));
	return (int)de->n_groups++;
}

/* Compile the group of the given rule ids (ascending). */
static int group_fill(struct detect_engine *de, struct detect_group *g, const uint32_t *ids, uint32_t n,
		      char *err, size_t errlen)
{
	uint32_t n_fp = 0;
	for (uint32_t i = 0; i < n; i++)
		n_fp += de->rules[ids[i]].fp != NULL;
	de->stats.n_group_entries += n;
	const char **pats = malloc((n_fp + 1) * sizeof(*pats));
	unsigned *flags = malloc((n_fp + 1) * sizeof(*flags));
	unsigned *hs_ids = malloc((n_fp + 1) * sizeof(*hs_ids));
	size_t *lens = malloc((n_fp + 1) * sizeof(*lens));
	uint32_t *no_fp = malloc((n - n_fp + 1) * sizeof(uint32_t));
	int rc = -1;
	if (!pats || !flags || !hs_ids || !lens || !no_fp) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	uint32_t k = 0, a = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct detect_rule *dr = &de->rules[ids[i]];
		if (!dr->fp) {
			no_fp[a++] = ids[i];
			continue;
		}
		pats[k] = (const char *)dr->fp;
		lens[k] = dr->fp_len;
		hs_ids[k] = ids[i];
		flags[k] = HS_FLAG_SINGLEMATCH | (dr->fp_nocase ? HS_FLAG_CASELESS : 0);
		k++;
	}
	/* no_fp is split in place: its first n_always entries stay always-evaluated */
	if (detect_gate_build(de, g, no_fp, a, no_fp, &g->n_always) != 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (g->n_always) {
		g->always = no_fp;
		no_fp = NULL;
		de->stats.total_bytes += g->n_always * sizeof(uint32_t);
	}
	if (n_fp == 0) {
		rc = 0;
		goto out;
	}
	hs_compile_error_t *ce = NULL;
	if (hs_compile_lit_multi(pats, flags, hs_ids, lens, n_fp, HS_MODE_BLOCK, NULL, &g->db, &ce) !=
	    HS_SUCCESS) {
		snprintf(err, errlen, "hyperscan: %s (pattern %d)", ce ? ce->message : "compile failed",
			 ce ? ce->expression : -1);
		if (ce)
			hs_free_compile_error(ce);
		goto out;
	}
	if (hs_alloc_scratch(g->db, &de->proto_scratch) != HS_SUCCESS) {
		snprintf(err, errlen, "hyperscan: cannot allocate scratch");
		goto out;
	}
	size_t sz = 0;
	hs_database_size(g->db, &sz);
	g->n_patterns = n_fp;
	de->stats.hs_bytes += sz;
	de->stats.n_databases++;
	de->stats.n_patterns += n_fp;
	rc = 0;
out:
	free(pats);
	free(flags);
	free(hs_ids);
	free(lens);
	free(no_fp);
	return rc;
}

static uint64_t list_hash(const uint32_t *ids, uint32_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (uint32_t i = 0; i < n; i++) {
		h ^= ids[i];
		h *= 1099511628211ull;
	}
	return h ^ n;
}

struct port_key { uint64_t hash; uint32_t port; };

static int port_key_cmp(const void *a, const void *b)
{
	const struct port_key *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->port < y->port ? -1 : (x->port > y->port);
}

/* Build the port -> group map for the rules in `rules` (each placed on every port of its set). */
static int build_port_groups(struct detect_engine *de, uint32_t *gcap, const struct id_list *rules, bool dst,
			     uint32_t **map_out, char *err, size_t errlen)
{
	*map_out = NULL;
	if (rules->n == 0)
		return 0;
	int rc = -1;
	/* CSR layout: start[p] .. end[p] is port p's rule list in `members` */
	uint32_t *start = calloc(NPORTS + 1, sizeof(uint32_t));
	uint32_t *end = malloc(NPORTS * sizeof(uint32_t));
	uint32_t *map = calloc(NPORTS, sizeof(uint32_t));
	struct port_key *keys = malloc(NPORTS * sizeof(*keys));
	uint32_t *members = NULL;
	if (!start || !end || !map || !keys)
		goto oom;
	for (uint32_t i = 0; i < rules->n; i++) {
		const struct sig_rule *r = de->rules[rules->ids[i]].sig;
		const struct sig_port_set *ps = dst ? &r->dport : &r->sport;
		for (size_t k = 0; k < ps->n_include; k++)
			for (uint32_t p = ps->include[k].lo; p <= ps->include[k].hi; p++)
				start[p + 1]++;
	}
	for (uint32_t p = 0; p < NPORTS; p++)
		start[p + 1] += start[p];
	members = malloc((start[NPORTS] ? start[NPORTS] : 1) * sizeof(uint32_t));
	if (!members)
		goto oom;
	memcpy(end, start, NPORTS * sizeof(uint32_t));
	for (uint32_t i = 0; i < rules->n; i++) {
		uint32_t id = rules->ids[i];
		const struct sig_rule *r = de->rules[id].sig;
		const struct sig_port_set *ps = dst ? &r->dport : &r->sport;
		for (size_t k = 0; k < ps->n_include; k++)
			for (uint32_t p = ps->include[k].lo; p <= ps->include[k].hi; p++)
				if (end[p] == start[p] || members[end[p] - 1] != id) /* overlapping ranges */
					members[end[p]++] = id;
	}
	uint32_t n_keys = 0;
	for (uint32_t p = 0; p < NPORTS; p++)
		if (end[p] > start[p])
			keys[n_keys++] = (struct port_key){ list_hash(members + start[p], end[p] - start[p]), p };
	/* ports with equal lists become neighbours; each run shares one group */
	qsort(keys, n_keys, sizeof(*keys), port_key_cmp);
	uint32_t run_port = 0, run_group = 0;
	for (uint32_t i = 0; i < n_keys; i++) {
		uint32_t p = keys[i].port, n = end[p] - start[p];
		if (run_group && keys[i].hash == keys[i - 1].hash && n == end[run_port] - start[run_port] &&
		    memcmp(members + start[p], members + start[run_port], n * sizeof(uint32_t)) == 0) {
			map[p] = run_group;
			continue;
		}
		int g = group_new(de, gcap);
		if (g < 0)
			goto oom;
		if (group_fill(de, &de->groups[g], members + start[p], n, err, errlen) != 0)
			goto out;
		run_group = (uint32_t)g;
		run_port = p;
		map[p] = run_group;
	}
	de->stats.total_bytes += NPORTS * sizeof(uint32_t);
	*map_out = map;
	map = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(start);
	free(end);
	free(map);
	free(members);
	free(keys);
	return rc;
}

int detect_groups_build(struct detect_engine *de, char *err, size_t errlen)
{
	uint32_t gcap = 0;
	if (group_new(de, &gcap) < 0) { /* index 0: "no group" */
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	for (int c = 0; c < DETECT_PC__COUNT && rc == 0; c++) {
		struct id_list any = { 0 }, dports = { 0 }, sports = { 0 };
		bool ported = c == DETECT_PC_TCP || c == DETECT_PC_UDP;
		for (uint32_t id = 0; id < de->n_rules && rc == 0; id++) {
			const struct detect_rule *dr = &de->rules[id];
			if (!(dr->pclass_mask & (1u << c)))
				continue;
			const struct sig_rule *r = dr->sig;
			bool rule_ported = ported && (r->proto == SIG_PROTO_TCP || r->proto == SIG_PROTO_UDP) &&
					   !r->bidirectional;
			if (rule_ported && port_set_specific(&r->dport))
				rc = id_list_push(&dports, id);
			else if (rule_ported && port_set_specific(&r->sport))
				rc = id_list_push(&sports, id);
			else
				rc = id_list_push(&any, id);
		}
		if (rc != 0) {
			snprintf(err, errlen, "out of memory");
		} else if (any.n) {
			int g = group_new(de, &gcap);
			if (g < 0) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
			} else {
				de->pclass[c].any_group = (uint32_t)g;
				rc = group_fill(de, &de->groups[g], any.ids, any.n, err, errlen);
			}
		}
		if (rc == 0)
			rc = build_port_groups(de, &gcap, &dports, true, &de->pclass[c].dport_group, err, errlen);
		if (rc == 0)
			rc = build_port_groups(de, &gcap, &sports, false, &de->pclass[c].sport_group, err, errlen);
		free(any.ids);
		free(dports.ids);
		free(sports.ids);
	}
	de->stats.n_groups = de->n_groups - 1;
	for (uint32_t id = 0; id < de->n_rules; id++) {
		if (de->rules[id].fp)
			de->stats.n_prefilter_rules++;
		else
			de->stats.n_always_rules++;
	}
	de->stats.total_bytes += de->n_groups * sizeof(struct detect_group);
	return rc;
}

void detect_groups_free(struct detect_engine *de)
{
	for (uint32_t g = 0; g < de->n_groups; g++) {
		if (de->groups[g].db)
			hs_free_database(de->groups[g].db);
		free(de->groups[g].always);
		detect_gate_free(&de->groups[g].src_gate);
		detect_gate_free(&de->groups[g].dst_gate);
	}
	free(de->groups);
	de->groups = NULL;
	de->n_groups = 0;
	for (int c = 0; c < DETECT_PC__COUNT; c++) {
		free(de->pclass[c].dport_group);
		free(de->pclass[c].sport_group);
		de->pclass[c].dport_group = de->pclass[c].sport_group = NULL;
	}
}
