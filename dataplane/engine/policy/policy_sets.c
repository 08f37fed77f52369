/*
 * policy_sets.c - firewall.address-sets -> the policy's rte_lpm / rte_lpm6
 * tables: static prefixes (anything a rule header accepts), and the dynamic
 * entries of the mapping form, expanded here at build time - countries
 * through the GeoIP database, reputation through the reputation data - so
 * classification does one LPM lookup per address and never a database
 * lookup.
 *
 * LPM answers with the longest prefix only, so each block stores the bits of
 * every set whose blocks cover it: the longest match then carries every set
 * the address is in. Blocks nest or are disjoint, so one sort and one stack
 * sweep give every block its covering sets (a country expands to tens of
 * thousands of blocks: no pairwise comparison).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_memory.h>

#include "dataplane/engine/policy/policy_internal.h"
#include "dataplane/engine/policy/rep_sources.h"
#include "signatures/geoip/geoip_db.h"
#include "signatures/iprep/iprep.h"
#include "signatures/parser/sig_parser_internal.h"

struct set_entry {
	struct sig_cidr block;
	ip_u128 lo, hi;
	uint32_t bit;   /* the set's bit; after the sweep: every covering set's bits */
};

struct set_list {
	struct set_entry *v;
	size_t n, cap;
};

static int entry_add(struct set_list *l, const struct sig_cidr *c, uint32_t bit)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		struct set_entry *nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = nc;
	}
	struct set_entry *e = &l->v[l->n++];
	e->block = *c;
	ip_cidr_bounds(c, &e->lo, &e->hi);
	e->bit = bit;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct set_entry *x = a, *y = b;
	if (x->block.family != y->block.family)
		return x->block.family < y->block.family ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi > y->hi ? -1 : (x->hi < y->hi); /* wider (covering) first */
}

static bool is_marked(const char *entry, const char *prefix)
{
	return strncmp(entry, prefix, strlen(prefix)) == 0;
}

/* The static part of a set: its plain entries as one address expression. */
static int add_static(struct set_list *l, const struct fw_address_set_config *sc, uint32_t bit,
		      const struct sig_vars *vars, char *err, size_t errlen)
{
	size_t len = 3, n = 0;
	for (size_t i = 0; i < sc->n_prefixes; i++)
		if (!is_marked(sc->prefixes[i], FW_SET_COUNTRY_PREFIX) &&
		    !is_marked(sc->prefixes[i], FW_SET_REPUTATION_PREFIX)) {
			len += strlen(sc->prefixes[i]) + 1;
			n++;
		}
	if (!n)
		return 0;
	char *text = malloc(len), why[256];
	struct sig_addr_set as;
	if (!text)
		goto oom;
	strcpy(text, "[");
	for (size_t i = 0, k = 0; i < sc->n_prefixes; i++) {
		if (is_marked(sc->prefixes[i], FW_SET_COUNTRY_PREFIX) ||
		    is_marked(sc->prefixes[i], FW_SET_REPUTATION_PREFIX))
			continue;
		if (k++)
			strcat(text, ",");
		strcat(text, sc->prefixes[i]);
	}
	strcat(text, "]");
	if (sig_addr_resolve(vars, text, &as, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "firewall.address-sets.%s: %s (line %u)", sc->name, why, sc->line);
		free(text);
		return -1;
	}
	free(text);
	for (uint8_t fam = 4; fam <= 6; fam += 2) {
		struct fw_cidrs blocks;
		if (fw_positive_blocks(&as, fam, &blocks)) {
			sig_addr_set_clear(&as);
			goto oom;
		}
		for (size_t i = 0; i < blocks.n; i++)
			if (entry_add(l, &blocks.v[i], bit)) {
				free(blocks.v);
				sig_addr_set_clear(&as);
				goto oom;
			}
		free(blocks.v);
	}
	sig_addr_set_clear(&as);
	return 0;
oom:
	snprintf(err, errlen, "firewall.address-sets.%s: out of memory", sc->name);
	return -1;
}

static int add_countries(struct set_list *l, const struct fw_address_set_config *sc, uint32_t bit,
			 const struct geoip_db *geoip, char *err, size_t errlen)
{
	const char **codes = calloc(sc->n_prefixes + 1, sizeof(*codes));
	size_t n = 0;
	char why[256];
	if (!codes)
		goto oom;
	for (size_t i = 0; i < sc->n_prefixes; i++)
		if (is_marked(sc->prefixes[i], FW_SET_COUNTRY_PREFIX))
			codes[n++] = sc->prefixes[i] + strlen(FW_SET_COUNTRY_PREFIX);
	if (!n) {
		free(codes);
		return 0;
	}
	if (!geoip) {
		snprintf(err, errlen, "firewall.address-sets.%s: countries need geoip-database (line %u)",
			 sc->name, sc->line);
		free(codes);
		return -1;
	}
	struct geoip_prefixes pf;
	if (geoip_db_expand(geoip, codes, n, &pf, why, sizeof(why))) {
		snprintf(err, errlen, "firewall.address-sets.%s: %s (line %u)", sc->name, why, sc->line);
		free(codes);
		return -1;
	}
	free(codes);
	for (size_t i = 0; i < pf.n; i++)
		if (entry_add(l, &pf.v[i], bit)) {
			geoip_prefixes_free(&pf);
			goto oom;
		}
	geoip_prefixes_free(&pf);
	return 0;
oom:
	snprintf(err, errlen, "firewall.address-sets.%s: out of memory", sc->name);
	return -1;
}

static int add_reputation(struct set_list *l, const struct fw_address_set_config *sc, uint32_t bit,
			  const struct iprep_data *rep, char *err, size_t errlen)
{
	for (size_t i = 0; i < sc->n_prefixes; i++) {
		if (!is_marked(sc->prefixes[i], FW_SET_REPUTATION_PREFIX))
			continue;
		/* "reputation:MINSCORE:CATEGORY" */
		const char *spec = sc->prefixes[i] + strlen(FW_SET_REPUTATION_PREFIX);
		char *colon = strchr(spec, ':');
		int min = atoi(spec);
		if (!colon) {
			snprintf(err, errlen, "firewall.address-sets.%s: malformed reputation entry (line %u)",
				 sc->name, sc->line);
			return -1;
		}
		const char *category = colon + 1;
		if (!rep) {
			snprintf(err, errlen, "firewall.address-sets.%s: reputation needs "
				 "reputation-categories-file (line %u)", sc->name, sc->line);
			return -1;
		}
		int id = iprep_category_id(rep, category);
		if (id < 0) {
			snprintf(err, errlen, "firewall.address-sets.%s: unknown reputation category '%s' (line %u)",
				 sc->name, category, sc->line);
			return -1;
		}
		struct ip_intervals *t = iprep_intervals(rep, id, IPREP_CMP_GE, min);
		struct sig_cidr *blocks = NULL;
		size_t n = 0;
		int rc = !t || ip_intervals_to_cidrs(t, &blocks, &n);
		ip_intervals_free(t);
		for (size_t k = 0; !rc && k < n; k++)
			rc = entry_add(l, &blocks[k], bit);
		free(blocks);
		if (rc) {
			snprintf(err, errlen, "firewall.address-sets.%s: out of memory", sc->name);
			return -1;
		}
	}
	return 0;
}

/* Sort, unite equal blocks, give each block the bits of every block covering it. */
static int settle_bits(struct set_list *l)
{
	size_t n = 0, sp = 0;
	if (!l->n)
		return 0;
	qsort(l->v, l->n, sizeof(*l->v), entry_cmp);
	for (size_t i = 0; i < l->n; i++) {
		struct set_entry *e = &l->v[i];
		if (n && l->v[n - 1].block.family == e->block.family && l->v[n - 1].lo == e->lo &&
		    l->v[n - 1].hi == e->hi) {
			l->v[n - 1].bit |= e->bit;
			continue;
		}
		l->v[n++] = *e;
	}
	l->n = n;
	size_t *stack = malloc(n * sizeof(*stack));
	if (!stack)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct set_entry *e = &l->v[i];
		while (sp && (l->v[stack[sp - 1]].block.family != e->block.family || l->v[stack[sp - 1]].hi < e->lo))
			sp--;
		if (sp)
			e->bit |= l->v[stack[sp - 1]].bit; /* the top already carries its own ancestors */
		stack[sp++] = i;
	}
	free(stack);
	return 0;
}

static bool needs_marked(const struct engine_config *cfg, const char *prefix)
{
	for (size_t s = 0; s < cfg->n_fw_address_sets; s++)
		for (size_t i = 0; i < cfg->fw_address_sets[s].n_prefixes; i++)
			if (is_marked(cfg->fw_address_sets[s].prefixes[i], prefix))
				return true;
	return false;
}

/*
 * The tbl8 groups an LPM needs: one per distinct leading k bytes (k from 3)
 * among the prefixes longer than 8k bits. Entries are sorted by address, so
 * equal leading bytes are neighbours. Sizing by this count instead of a
 * per-prefix bound keeps a country's IPv6 table in megabytes, not hundreds.
 */
static size_t tbl8_groups(const struct set_list *l, uint8_t fam)
{
	unsigned width = fam == 4 ? 32 : 128;
	size_t groups = 0;
	for (unsigned k = 3; 8 * k < width; k++) {
		bool have_prev = false;
		ip_u128 prev = 0;
		for (size_t i = 0; i < l->n; i++) {
			const struct set_entry *e = &l->v[i];
			if (e->block.family != fam || e->block.prefix <= 8 * k)
				continue;
			ip_u128 lead = e->lo >> (width - 8 * k);
			if (!have_prev || lead != prev)
				groups++;
			prev = lead;
			have_prev = true;
		}
	}
	return groups;
}

static int create_tables(struct fw_policy *pol, const struct set_list *l, char *err, size_t errlen)
{
	size_t n4 = 0, n6 = 0, tbl8_4 = tbl8_groups(l, 4), tbl8_6 = tbl8_groups(l, 6);
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].block.family == 4)
			n4++;
		else
			n6++;
	}
	if (n4) {
		struct rte_lpm_config lc = { .max_rules = (uint32_t)n4, .number_tbl8s = (uint32_t)tbl8_4 + 16 };
		char name[RTE_LPM_NAMESIZE];
		snprintf(name, sizeof(name), "fwset4_%u", fw_next_object_id());
		pol->sets4 = rte_lpm_create(name, SOCKET_ID_ANY, &lc);
		if (!pol->sets4) {
			snprintf(err, errlen, "firewall.address-sets: cannot create the IPv4 prefix table "
				 "(%zu prefixes)", n4);
			return -1;
		}
	}
	if (n6) {
		struct rte_lpm6_config lc = { .max_rules = (uint32_t)n6, .number_tbl8s = (uint32_t)tbl8_6 + 16 };
		char name[RTE_LPM_NAMESIZE];
		snprintf(name, sizeof(name), "fwset6_%u", fw_next_object_id());
		pol->sets6 = rte_lpm6_create(name, SOCKET_ID_ANY, &lc);
		if (!pol->sets6) {
			snprintf(err, errlen, "firewall.address-sets: cannot create the IPv6 prefix table "
				 "(%zu prefixes)", n6);
			return -1;
		}
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct set_entry *e = &l->v[i];
		int r;
		if (e->block.family == 4)
			r = rte_lpm_add(pol->sets4, ntohl(e->block.addr.u32[0]), e->block.prefix, e->bit);
		else
			r = rte_lpm6_add(pol->sets6, e->block.addr.u8, e->block.prefix, e->bit);
		if (r < 0) {
			snprintf(err, errlen, "firewall.address-sets: cannot add a prefix (%s)", strerror(-r));
			return -1;
		}
	}
	return 0;
}

int fw_build_sets(struct fw_policy *pol, const struct engine_config *cfg, const struct sig_vars *vars,
		  const struct rep_sources *sources, char *err, size_t errlen)
{
	struct rep_sources own = { 0 };
	struct set_list l = { 0 };
	char why[512];
	int rc = -1;

	if (!sources && (needs_marked(cfg, FW_SET_COUNTRY_PREFIX) || needs_marked(cfg, FW_SET_REPUTATION_PREFIX))) {
		if (rep_sources_open(cfg, &own, NULL, why, sizeof(why))) {
			snprintf(err, errlen, "firewall.address-sets: %s", why);
			return -1;
		}
		sources = &own;
	}
	for (size_t s = 0; s < cfg->n_fw_address_sets; s++) {
		const struct fw_address_set_config *sc = &cfg->fw_address_sets[s];
		uint32_t bit = 1u << s;
		if (add_static(&l, sc, bit, vars, err, errlen) ||
		    add_countries(&l, sc, bit, sources ? sources->geoip : NULL, err, errlen) ||
		    add_reputation(&l, sc, bit, sources ? sources->iprep : NULL, err, errlen))
			goto out;
	}
	if (settle_bits(&l)) {
		snprintf(err, errlen, "firewall.address-sets: out of memory");
		goto out;
	}
	rc = create_tables(pol, &l, err, errlen);
out:
	free(l.v);
	rep_sources_close(&own);
	return rc;
}
