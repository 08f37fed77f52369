/*
 * detect_groups.c - rule groups and their Hyperscan databases.
 *
 * Per protocol class (tcp, udp, icmp, other-ip) a packet scans at most three
 * groups: the class's "any port" group, the group of its destination port and
 * the group of its source port. A tcp/udp rule whose dst port set is specific
 * (few ports) goes to the dport groups, else one whose src port set is
 * specific goes to the sport groups, else (and every ip/icmp rule) to the any
 * group. A <> rule with a specific port set goes to the dport groups and to
 * the sport groups, by that set in both. Ports whose rule lists are identical
 * share one group, so a rule with [80,8080] sits in the group of 80 and that
 * of 8080 only, and the thousands of any-port rules are never copied per
 * port. Rules of proto ip are placed in the any group of every class they can
 * match (ip_proto, flags, itype, ... narrow it: detect_build.c).
 *
 * Each class has one such set of groups per flow direction: a rule with
 * flow:to_server is left out of the to-client groups and the reverse, so a
 * packet's scan holds only the patterns that can match it (a class whose
 * rules name no direction shares one set).
 *
 * Within a group a rule is reached one way: through the dsize gate (narrow
 * dsize), the Hyperscan database (fast pattern or regex prefilter), an
 * address gate (detect_gate.c), or the always list, cut into buckets by the
 * packet facts the rules need (struct detect_need_bucket).
 *
 * Runs on the loader thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine/detect/detect_engine.h"
#include "signatures/compiler/hs_cache.h"

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

/* A literal as a Hyperscan regex: every byte as \xHH (NUL-terminated, malloc'ed). */
static char *literal_as_regex(const uint8_t *lit, uint32_t len)
{
	char *re = malloc((size_t)len * 4 + 1);
	if (!re)
		return NULL;
	for (uint32_t i = 0; i < len; i++)
		snprintf(re + 4 * i, 5, "\\x%02x", lit[i]);
	re[(size_t)len * 4] = '\0';
	return re;
}

/* The shortest match of a group's database (computed only when it is compiled). */
struct min_len_ctx {
	const struct detect_engine *de;
	const uint32_t *ids;
	uint32_t n;
};

static uint32_t group_min_len(void *arg)
{
	const struct min_len_ctx *x = arg;
	uint32_t min_len = UINT32_MAX;
	for (uint32_t k = 0; k < x->n; k++) {
		const struct detect_rule *dr = &x->de->rules[x->ids[k]];
		if (dr->fp) {
			if (dr->fp_len < min_len)
				min_len = dr->fp_len;
			continue;
		}
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *ie = NULL;
		if (hs_expression_info(dr->pf_regex, dr->pf_hs_flags, &info, &ie) == HS_SUCCESS && info) {
			if (info->min_width < min_len)
				min_len = info->min_width;
			free(info);
		} else {
			min_len = 0;
			if (ie)
				hs_free_compile_error(ie);
		}
	}
	return min_len;
}

/*
 * Compile the group's Hyperscan database: the fast-pattern literals, plus the
 * regex prefilters of rules that have no fast pattern but a pf_regex. With
 * no prefilter the literal compiler is used (its databases scan fastest);
 * with some, one regex database holds both (literals escaped byte by byte),
 * so a packet still costs one scan. With a cache, the database (and its
 * shortest match) may come from there instead.
 */
static int group_compile_db(struct detect_engine *de, struct detect_hs_cache *cache, struct detect_group *g,
			    const uint32_t *ids, uint32_t n, char *err, size_t errlen)
{
	const char **pats = calloc(n + 1, sizeof(*pats));
	char **owned = calloc(n + 1, sizeof(*owned));
	unsigned *flags = malloc((n + 1) * sizeof(*flags));
	unsigned *hs_ids = malloc((n + 1) * sizeof(*hs_ids));
	size_t *lens = malloc((n + 1) * sizeof(*lens));
	uint32_t n_lit = 0;
	bool as_regex = false;
	int rc = -1;
	if (!pats || !owned || !flags || !hs_ids || !lens)
		goto oom;
	for (uint32_t i = 0; i < n; i++)
		as_regex = as_regex || de->rules[ids[i]].fp == NULL;
	for (uint32_t k = 0; k < n; k++) {
		const struct detect_rule *dr = &de->rules[ids[k]];
		hs_ids[k] = ids[k];
		if (!dr->fp) {
			pats[k] = dr->pf_regex;
			flags[k] = dr->pf_hs_flags;
			lens[k] = strlen(dr->pf_regex);
			continue;
		}
		n_lit++;
		flags[k] = HS_FLAG_SINGLEMATCH | (dr->fp_nocase ? HS_FLAG_CASELESS : 0);
		lens[k] = dr->fp_len;
		if (!as_regex) {
			pats[k] = (const char *)dr->fp;
			continue;
		}
		if (!(owned[k] = literal_as_regex(dr->fp, dr->fp_len)))
			goto oom;
		pats[k] = owned[k];
		lens[k] = strlen(owned[k]);
	}
	hs_compile_error_t *ce = NULL;
	struct min_len_ctx mlc = { de, ids, n };
	hs_error_t hr = detect_hs_cache_compile_multi(cache, as_regex ? DETECT_HS_API_MULTI : DETECT_HS_API_LIT_MULTI,
						      pats, lens, flags, hs_ids, n, HS_MODE_BLOCK, &g->db, &ce,
						      group_min_len, &mlc, &g->min_len, &de->stats);
	if (hr != HS_SUCCESS) {
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
	g->n_patterns = n;
	de->stats.hs_bytes += sz;
	de->stats.n_databases++;
	de->stats.n_patterns += n_lit;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	for (uint32_t k = 0; owned && k < n; k++)
		free(owned[k]);
	free(owned);
	free(pats);
	free(flags);
	free(hs_ids);
	free(lens);
	return rc;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : (x > y);
}

/* Order g->always by static need and cut it into buckets (see struct detect_need_bucket). */
static int group_bucket_always(struct detect_engine *de, struct detect_group *g)
{
	if (g->n_always == 0)
		return 0;
	/* sort by (static need, id) through 64-bit keys */
	uint64_t *keys = malloc(g->n_always * sizeof(uint64_t));
	if (!keys)
		return -1;
	for (uint32_t i = 0; i < g->n_always; i++)
		keys[i] = (uint64_t)(de->rules[g->always[i]].need & DETECT_NEED_STATIC_MASK) << 32 | g->always[i];
	qsort(keys, g->n_always, sizeof(uint64_t), u64_cmp);
	for (uint32_t i = 0; i < g->n_always; i++)
		g->always[i] = (uint32_t)keys[i];
	free(keys);
	uint32_t n = 0, prev = 0;
	for (uint32_t i = 0; i < g->n_always; i++) {
		uint32_t need = de->rules[g->always[i]].need & DETECT_NEED_STATIC_MASK;
		n += i == 0 || need != prev;
		prev = need;
	}
	g->buckets = calloc(n, sizeof(*g->buckets));
	if (!g->buckets)
		return -1;
	for (uint32_t i = 0; i < g->n_always; i++) {
		uint32_t need = de->rules[g->always[i]].need & DETECT_NEED_STATIC_MASK;
		if (g->n_buckets == 0 || g->buckets[g->n_buckets - 1].need != need)
			g->buckets[g->n_buckets++] = (struct detect_need_bucket){ .need = need, .first = i };
		g->buckets[g->n_buckets - 1].count++;
	}
	de->stats.total_bytes += g->n_buckets * sizeof(*g->buckets);
	return 0;
}

/* Per-length table of the dsize-gated rules ids[0..n) (ascending), CSR layout. */
static int dsize_gate_build(struct detect_engine *de, struct detect_dsize_gate *gate, const uint32_t *ids,
			    uint32_t n)
{
	if (n == 0)
		return 0;
	uint32_t total = 0;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t len = 0; len < DETECT_DSIZE_GATE_LENS; len++)
			total += detect_dsize_allows(&de->rules[ids[i]], len);
	gate->start = calloc(DETECT_DSIZE_GATE_LENS + 1, sizeof(uint32_t));
	gate->ids = malloc((total + 1) * sizeof(uint32_t));
	if (!gate->start || !gate->ids)
		return -1;
	uint32_t k = 0;
	for (uint32_t len = 0; len < DETECT_DSIZE_GATE_LENS; len++) {
		gate->start[len] = k;
		for (uint32_t i = 0; i < n; i++)
			if (detect_dsize_allows(&de->rules[ids[i]], len))
				gate->ids[k++] = ids[i];
	}
	gate->start[DETECT_DSIZE_GATE_LENS] = k;
	de->stats.total_bytes += (DETECT_DSIZE_GATE_LENS + 1 + total) * sizeof(uint32_t);
	return 0;
}

/* Compile the group of the given rule ids (ascending). */
static int group_fill(struct detect_engine *de, struct detect_hs_cache *cache, struct detect_group *g,
		      const uint32_t *ids, uint32_t n, char *err, size_t errlen)
{
	de->stats.n_group_entries += n;
	/* scanned: rules with a fast pattern or a regex prefilter; the rest go to the gates / always list */
	uint32_t *scanned = malloc((n + 1) * sizeof(uint32_t));
	uint32_t *no_fp = malloc((n + 1) * sizeof(uint32_t));
	uint32_t *by_dsize = malloc((n + 1) * sizeof(uint32_t));
	int rc = -1;
	if (!scanned || !no_fp || !by_dsize) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	uint32_t n_scanned = 0, a = 0, n_dsize = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct detect_rule *dr = &de->rules[ids[i]];
		if (dr->dsize_gated)
			by_dsize[n_dsize++] = ids[i];
		else if (dr->fp || dr->pf_regex)
			scanned[n_scanned++] = ids[i];
		else
			no_fp[a++] = ids[i];
	}
	if (dsize_gate_build(de, &g->dsize_gate, by_dsize, n_dsize) != 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
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
		if (group_bucket_always(de, g) != 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	rc = n_scanned ? group_compile_db(de, cache, g, scanned, n_scanned, err, errlen) : 0;
out:
	free(scanned);
	free(no_fp);
	free(by_dsize);
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

/*
 * The port set a rule is grouped by in the dport (dst) or sport map. A <>
 * rule matches with its specific set on either port of the packet, so it
 * sits in both maps under that one set.
 */
static const struct sig_port_set *group_port_set(const struct sig_rule *r, bool dst)
{
	if (r->bidirectional)
		return port_set_specific(&r->dport) ? &r->dport : &r->sport;
	return dst ? &r->dport : &r->sport;
}

/* Build the port -> group map for the rules in `rules` (each placed on every port of its set). */
static int build_port_groups(struct detect_engine *de, struct detect_hs_cache *cache, uint32_t *gcap,
			     const struct id_list *rules, bool dst, uint32_t **map_out, char *err, size_t errlen)
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
		const struct sig_port_set *ps = group_port_set(r, dst);
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
		const struct sig_port_set *ps = group_port_set(r, dst);
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
		if (group_fill(de, cache, &de->groups[g], members + start[p], n, err, errlen) != 0)
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

/* Rules of one class and direction, split by where they are grouped. */
struct class_lists { struct id_list any, dports, sports; };

static void class_lists_free(struct class_lists *l)
{
	free(l->any.ids);
	free(l->dports.ids);
	free(l->sports.ids);
}

static bool id_list_equal(const struct id_list *x, const struct id_list *y)
{
	return x->n == y->n && (x->n == 0 || memcmp(x->ids, y->ids, x->n * sizeof(uint32_t)) == 0);
}

/* A rule whose flow keyword names the other direction can never match a packet of dir. */
static bool rule_fits_dir(const struct sig_rule *r, enum detect_dir dir)
{
	return !(r->flow & (dir == DETECT_DIR_TO_SERVER ? SIG_FLOW_TO_CLIENT : SIG_FLOW_TO_SERVER));
}

static int class_lists_collect(const struct detect_engine *de, int c, enum detect_dir dir, struct class_lists *l)
{
	bool ported = c == DETECT_PC_TCP || c == DETECT_PC_UDP;
	for (uint32_t id = 0; id < de->n_rules; id++) {
		const struct detect_rule *dr = &de->rules[id];
		if (!(dr->pclass_mask & (1u << c)) || !rule_fits_dir(dr->sig, dir))
			continue;
		const struct sig_rule *r = dr->sig;
		bool rule_ported = ported && (r->proto == SIG_PROTO_TCP || r->proto == SIG_PROTO_UDP);
		int rc;
		if (rule_ported && r->bidirectional && (port_set_specific(&r->dport) || port_set_specific(&r->sport))) {
			rc = id_list_push(&l->dports, id);
			if (rc == 0)
				rc = id_list_push(&l->sports, id);
		} else if (rule_ported && !r->bidirectional && port_set_specific(&r->dport)) {
			rc = id_list_push(&l->dports, id);
		} else if (rule_ported && !r->bidirectional && port_set_specific(&r->sport)) {
			rc = id_list_push(&l->sports, id);
		} else {
			rc = id_list_push(&l->any, id);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int class_build(struct detect_engine *de, struct detect_hs_cache *cache, uint32_t *gcap,
		       struct detect_pclass_map *map, const struct class_lists *l, char *err, size_t errlen)
{
	if (l->any.n) {
		int g = group_new(de, gcap);
		if (g < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		map->any_group = (uint32_t)g;
		if (group_fill(de, cache, &de->groups[g], l->any.ids, l->any.n, err, errlen) != 0)
			return -1;
	}
	if (build_port_groups(de, cache, gcap, &l->dports, true, &map->dport_group, err, errlen) != 0)
		return -1;
	return build_port_groups(de, cache, gcap, &l->sports, false, &map->sport_group, err, errlen);
}

int detect_groups_build(struct detect_engine *de, char *err, size_t errlen)
{
	return detect_groups_build_cached(de, NULL, err, errlen);
}

int detect_groups_build_cached(struct detect_engine *de, struct detect_hs_cache *cache, char *err, size_t errlen)
{
	uint32_t gcap = 0;
	if (group_new(de, &gcap) < 0) { /* index 0: "no group" */
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	for (int c = 0; c < DETECT_PC__COUNT && rc == 0; c++) {
		struct class_lists l[DETECT_DIR__COUNT] = { 0 };
		for (int d = 0; d < DETECT_DIR__COUNT && rc == 0; d++)
			rc = class_lists_collect(de, c, (enum detect_dir)d, &l[d]);
		if (rc != 0)
			snprintf(err, errlen, "out of memory");
		if (rc == 0)
			rc = class_build(de, cache, &gcap, &de->pclass[DETECT_DIR_TO_SERVER][c],
					 &l[DETECT_DIR_TO_SERVER], err, errlen);
		/* no rule of the class names a direction: both directions share the groups */
		if (rc == 0 && id_list_equal(&l[0].any, &l[1].any) && id_list_equal(&l[0].dports, &l[1].dports) &&
		    id_list_equal(&l[0].sports, &l[1].sports))
			de->pclass[DETECT_DIR_TO_CLIENT][c] = de->pclass[DETECT_DIR_TO_SERVER][c];
		else if (rc == 0)
			rc = class_build(de, cache, &gcap, &de->pclass[DETECT_DIR_TO_CLIENT][c],
					 &l[DETECT_DIR_TO_CLIENT], err, errlen);
		for (int d = 0; d < DETECT_DIR__COUNT; d++)
			class_lists_free(&l[d]);
	}
	de->stats.n_groups = de->n_groups - 1;
	for (uint32_t id = 0; id < de->n_rules; id++) {
		if (de->rules[id].fp)
			de->stats.n_prefilter_rules++;
		else
			de->stats.n_always_rules++;
		de->stats.n_regex_prefilter_rules += de->rules[id].pf_regex != NULL;
		de->stats.n_dsize_gated_rules += de->rules[id].dsize_gated;
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
		free(de->groups[g].buckets);
		free(de->groups[g].dsize_gate.start);
		free(de->groups[g].dsize_gate.ids);
		detect_gate_free(&de->groups[g].src_gate);
		detect_gate_free(&de->groups[g].dst_gate);
	}
	free(de->groups);
	de->groups = NULL;
	de->n_groups = 0;
	for (int c = 0; c < DETECT_PC__COUNT; c++) {
		struct detect_pclass_map *ts = &de->pclass[DETECT_DIR_TO_SERVER][c];
		struct detect_pclass_map *tc = &de->pclass[DETECT_DIR_TO_CLIENT][c];
		if (tc->dport_group != ts->dport_group)
			free(tc->dport_group);
		if (tc->sport_group != ts->sport_group)
			free(tc->sport_group);
		free(ts->dport_group);
		free(ts->sport_group);
		memset(ts, 0, sizeof(*ts));
		memset(tc, 0, sizeof(*tc));
	}
}
