/*
 * policy.c - building a firewall policy from engine_config (see policy.h):
 * variables, address and port resolution, zones (address sets: policy_sets.c),
 * and the per-rule checks whose errors name the rule and key.
 *
 * Addresses and ports go through the signature parser's resolver, so
 * "$HOME_NET", "[10.0.0.0/8,!10.1.0.0/16]" and "!$EXTERNAL_NET" mean
 * exactly what they mean in a rule header. The resolver answers in
 * include/exclude form; rte_acl wants positive blocks, so "anything but X"
 * is complemented here into the blocks that cover the rest.
 */
#include "dataplane/engine/policy/policy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_memory.h>

#include "dataplane/engine/policy/policy_internal.h"
#include "signatures/parser/sig_parser.h"
#include "signatures/parser/sig_parser_internal.h"

typedef unsigned __int128 u128;

/* ---- blocks of one family, as 128-bit intervals ---- */

static u128 cidr_lo(const struct sig_cidr *c)
{
	u128 v = 0;
	unsigned len = c->family == 4 ? 4 : 16;

	for (unsigned i = 0; i < len; i++)
		v = v << 8 | c->addr.u8[i];
	return v;
}

static u128 cidr_hi(const struct sig_cidr *c)
{
	unsigned width = c->family == 4 ? 32 : 128;
	unsigned host = width - c->prefix;

	if (host == 128)
		return ~(u128)0;
	return cidr_lo(c) | ((((u128)1) << host) - 1);
}

static int cidrs_push(struct fw_cidrs *out, size_t *cap, uint8_t fam, u128 lo, unsigned prefix)
{
	struct sig_cidr *c;

	if (out->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct sig_cidr *nv = realloc(out->v, nc * sizeof(*nv));

		if (!nv)
			return -1;
		out->v = nv;
		*cap = nc;
	}
	c = &out->v[out->n++];
	memset(c, 0, sizeof(*c));
	c->family = fam;
	c->prefix = (uint8_t)prefix;
	for (unsigned i = 0, len = fam == 4 ? 4 : 16; i < len; i++)
		c->addr.u8[i] = (uint8_t)(lo >> (8 * (len - 1 - i)));
	return 0;
}

/* Append the fewest blocks covering [lo, hi]. */
static int cover_range(struct fw_cidrs *out, size_t *cap, uint8_t fam, u128 lo, u128 hi)
{
	unsigned width = fam == 4 ? 32 : 128;

	for (;;) {
		unsigned k = 0; /* host bits of the block starting at lo */

		while (k < width) {
			u128 last;

			if (k + 1 == 128) {
				if (lo != 0)
					break;
				last = ~(u128)0;
			} else {
				u128 size = (u128)1 << (k + 1);

				if ((lo & (size - 1)) != 0)
					break;
				last = lo + size - 1;
			}
			if (last > hi)
				break;
			k++;
		}
		if (cidrs_push(out, cap, fam, lo, width - k))
			return -1;
		u128 last = k == 128 ? ~(u128)0 : lo + (((u128)1 << k) - 1);
		if (last >= hi)
			return 0;
		lo = last + 1;
	}
}

static int cmp_cidr_lo(const void *a, const void *b)
{
	u128 x = cidr_lo(a), y = cidr_lo(b);

	return x < y ? -1 : x > y;
}

/* The blocks of family `fam` that `s` matches, as a positive list. */
int fw_positive_blocks(const struct sig_addr_set *s, uint8_t fam, struct fw_cidrs *out)
{
	size_t cap = 0, n_ex = 0;
	struct sig_cidr *ex;
	u128 next = 0, max = fam == 4 ? 0xffffffffu : ~(u128)0;
	bool done = false;

	out->v = NULL;
	out->n = 0;
	if (!s->any) {
		for (size_t i = 0; i < s->n_include; i++)
			if (s->include[i].family == fam &&
			    cover_range(out, &cap, fam, cidr_lo(&s->include[i]), cidr_hi(&s->include[i])))
				return -1;
		return 0;
	}
	ex = malloc((s->n_exclude + 1) * sizeof(*ex));
	if (!ex)
		return -1;
	for (size_t i = 0; i < s->n_exclude; i++)
		if (s->exclude[i].family == fam)
			ex[n_ex++] = s->exclude[i];
	qsort(ex, n_ex, sizeof(*ex), cmp_cidr_lo);
	for (size_t i = 0; i < n_ex && !done; i++) {
		u128 lo = cidr_lo(&ex[i]), hi = cidr_hi(&ex[i]);

		if (lo > next && cover_range(out, &cap, fam, next, lo - 1))
			goto oom;
		if (hi >= next) {
			if (hi == max)
				done = true;
			else
				next = hi + 1;
		}
	}
	if (!done && cover_range(out, &cap, fam, next, max))
		goto oom;
	free(ex);
	return 0;
oom:
	free(ex);
	return -1;
}

/* The port ranges `s` matches, as a positive list (malloc'd). */
static int positive_ports(const struct sig_port_set *s, struct sig_port_range **out, size_t *n)
{
	uint32_t next = 0;

	*n = 0;
	*out = malloc((s->n_include + s->n_exclude + 1) * sizeof(**out));
	if (!*out)
		return -1;
	if (!s->any) {
		memcpy(*out, s->include, s->n_include * sizeof(**out));
		*n = s->n_include;
		return 0;
	}
	/* the resolver's excludes are sorted, disjoint ranges */
	for (size_t i = 0; i < s->n_exclude; i++) {
		if (s->exclude[i].lo > next)
			(*out)[(*n)++] = (struct sig_port_range){ (uint16_t)next, (uint16_t)(s->exclude[i].lo - 1) };
		next = (uint32_t)s->exclude[i].hi + 1;
	}
	if (next <= 65535)
		(*out)[(*n)++] = (struct sig_port_range){ (uint16_t)next, 65535 };
	return 0;
}

/* ---- rules ---- */

static int find_set(const struct engine_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_fw_address_sets; i++)
		if (strcmp(cfg->fw_address_sets[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int find_zone(const struct engine_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_fw_zones; i++)
		if (strcmp(cfg->fw_zones[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* One side's addresses: "@set" / "!@set" or an address expression. */
struct side {
	struct sig_addr_set set;
	uint32_t set_bit;
	bool set_negated;
};

static int resolve_side(const struct engine_config *cfg, const struct sig_vars *vars,
			const char *text, struct side *out, char *why, size_t whylen)
{
	const char *t = text;

	memset(out, 0, sizeof(*out));
	while (*t == ' ')
		t++;
	if (t[0] == '!' && t[1] == '@') {
		out->set_negated = true;
		t++;
	}
	if (t[0] == '@') {
		int s = find_set(cfg, t + 1);

		if (s < 0) {
			snprintf(why, whylen, "unknown address set '%s'", t);
			return -1;
		}
		out->set_bit = 1u << s;
		out->set.any = true;
		return 0;
	}
	if (strchr(t, '@')) {
		snprintf(why, whylen, "an @set must be the whole value ('@name' or '!@name'), got '%s'",
			 text);
		return -1;
	}
	return sig_addr_resolve(vars, t, &out->set, why, whylen);
}

static bool proto_has_ports(int16_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

static int compile_rule(const struct engine_config *cfg, const struct sig_vars *vars, uint32_t id,
			struct fw_acl_list *acl4, struct fw_acl_list *acl6, char *err, size_t errlen)
{
	const struct fw_rule_config *rc = &cfg->fw_rules[id];
	struct side src, dst;
	struct sig_port_set sp = { 0 }, dp = { 0 };
	struct sig_port_range *spr = NULL, *dpr = NULL;
	struct fw_match m = { 0 };
	char why[256] = "", where[160];
	const char *key = "";
	int ret = -1;

	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	snprintf(where, sizeof(where), "firewall.rules[%u] (%s)", id, rc->name);
	if (rc->ingress) {
		int z = find_zone(cfg, rc->ingress);

		if (z < 0) {
			key = "ingress";
			snprintf(why, sizeof(why), "unknown zone '%s'", rc->ingress);
			goto fail;
		}
		m.zone_bit = 1u << z;
	}
	key = "src";
	if (resolve_side(cfg, vars, rc->src, &src, why, sizeof(why)))
		goto fail;
	key = "dst";
	if (resolve_side(cfg, vars, rc->dst, &dst, why, sizeof(why)))
		goto fail;
	key = "src-port";
	if (sig_port_resolve(vars, rc->src_port, &sp, why, sizeof(why)))
		goto fail;
	key = "dst-port";
	if (sig_port_resolve(vars, rc->dst_port, &dp, why, sizeof(why)))
		goto fail;
	if ((!sp.any || sp.n_exclude) && !proto_has_ports(rc->proto)) {
		key = "src-port";
		snprintf(why, sizeof(why), "ports need proto tcp, udp or sctp");
		goto fail;
	}
	if ((!dp.any || dp.n_exclude) && !proto_has_ports(rc->proto)) {
		key = "dst-port";
		snprintf(why, sizeof(why), "ports need proto tcp, udp or sctp");
		goto fail;
	}
	key = "";
	if (positive_ports(&sp, &spr, &m.n_sport) || positive_ports(&dp, &dpr, &m.n_dport)) {
		snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	m.sport = spr;
	m.dport = dpr;
	m.srcset_bit = src.set_bit;
	m.srcset_negated = src.set_negated;
	m.dstset_bit = dst.set_bit;
	m.dstset_negated = dst.set_negated;
	for (uint8_t fam = 4; fam <= 6; fam += 2) {
		int r;

		m.proto = rc->proto == FW_PROTO_ICMP ? (fam == 4 ? 1 : 58) : rc->proto;
		if (fw_positive_blocks(&src.set, fam, &m.src) || fw_positive_blocks(&dst.set, fam, &m.dst)) {
			free(m.src.v);
			free(m.dst.v);
			snprintf(why, sizeof(why), "out of memory");
			goto fail;
		}
		r = fw_acl_expand(&m, fam, id, cfg->n_fw_rules ? (uint32_t)cfg->n_fw_rules : 1,
				  fam == 4 ? acl4 : acl6, why, sizeof(why));
		free(m.src.v);
		free(m.dst.v);
		m.src.v = m.dst.v = NULL;
		if (r)
			goto fail;
	}
	ret = 0;
	goto out;
fail:
	snprintf(err, errlen, "%s: %s%s%s (line %u)", where, key, key[0] ? ": " : "", why, rc->line);
out:
	sig_addr_set_clear(&src.set);
	sig_addr_set_clear(&dst.set);
	sig_port_set_clear(&sp);
	sig_port_set_clear(&dp);
	free(spr);
	free(dpr);
	return ret;
}

static int copy_zones(struct fw_policy *pol, const struct engine_config *cfg)
{
	pol->n_zones = cfg->n_fw_zones;
	pol->zone_names = calloc(cfg->n_fw_zones + 1, sizeof(*pol->zone_names));
	pol->zone_members = calloc(cfg->n_fw_zones + 1, sizeof(*pol->zone_members));
	pol->zone_n_members = calloc(cfg->n_fw_zones + 1, sizeof(*pol->zone_n_members));
	if (!pol->zone_names || !pol->zone_members || !pol->zone_n_members)
		return -1;
	for (size_t z = 0; z < cfg->n_fw_zones; z++) {
		const struct fw_zone_config *zc = &cfg->fw_zones[z];

		pol->zone_names[z] = strdup(zc->name);
		pol->zone_members[z] = calloc(zc->n_members + 1, sizeof(char *));
		if (!pol->zone_names[z] || !pol->zone_members[z])
			return -1;
		pol->zone_n_members[z] = zc->n_members;
		for (size_t i = 0; i < zc->n_members; i++)
			if (!(pol->zone_members[z][i] = strdup(zc->members[i])))
				return -1;
	}
	return 0;
}

static struct sig_vars *vars_from_config(const struct engine_config *cfg, char *err, size_t errlen)
{
	struct sig_vars *v = sig_vars_new_defaults();
	char why[256];

	if (!v) {
		snprintf(err, errlen, "firewall: out of memory");
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_vars; i++) {
		if (sig_vars_set(v, cfg->vars[i].name, cfg->vars[i].value, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "vars.%s: %s", cfg->vars[i].name, why);
			sig_vars_free(v);
			return NULL;
		}
	}
	return v;
}

struct fw_policy *fw_policy_build(const struct engine_config *cfg, const struct sig_vars *vars,
				  char *err, size_t errlen)
{
	return fw_policy_build_with(cfg, vars, NULL, err, errlen);
}

struct fw_policy *fw_policy_build_with(const struct engine_config *cfg, const struct sig_vars *vars,
				       const struct rep_sources *sources, char *err, size_t errlen)
{
	struct fw_acl_list acl4 = { .size = sizeof(struct fw_acl_rule4) };
	struct fw_acl_list acl6 = { .size = sizeof(struct fw_acl_rule6) };
	struct sig_vars *own_vars = NULL;
	struct fw_policy *pol = NULL;
	char why[256];

	if (!cfg || !cfg->fw_present) {
		snprintf(err, errlen, "firewall: the configuration has no firewall section");
		return NULL;
	}
	if (cfg->n_fw_zones > FW_MAX_ZONES) {
		snprintf(err, errlen, "firewall.zones: %zu zones, at most %u", cfg->n_fw_zones,
			 FW_MAX_ZONES);
		return NULL;
	}
	if (cfg->n_fw_address_sets > FW_MAX_ADDRESS_SETS) {
		snprintf(err, errlen, "firewall.address-sets: %zu sets, at most %u",
			 cfg->n_fw_address_sets, FW_MAX_ADDRESS_SETS);
		return NULL;
	}
	if (cfg->n_fw_rules > FW_MAX_RULES) {
		snprintf(err, errlen, "firewall.rules: %zu rules, at most %u", cfg->n_fw_rules,
			 FW_MAX_RULES);
		return NULL;
	}
	if (!vars) {
		own_vars = vars_from_config(cfg, err, errlen);
		if (!own_vars)
			return NULL;
		vars = own_vars;
	}
	pol = calloc(1, sizeof(*pol));
	if (!pol || copy_zones(pol, cfg))
		goto oom;
	pol->default_action = cfg->fw_default_action;
	pol->n_rules = (uint32_t)cfg->n_fw_rules;
	pol->rules = calloc(cfg->n_fw_rules + 1, sizeof(*pol->rules));
	if (!pol->rules)
		goto oom;
	for (uint32_t i = 0; i < pol->n_rules; i++) {
		pol->rules[i].action = cfg->fw_rules[i].action;
		pol->rules[i].log = cfg->fw_rules[i].log;
		pol->rules[i].name = strdup(cfg->fw_rules[i].name);
		if (!pol->rules[i].name)
			goto oom;
	}
	if (fw_build_sets(pol, cfg, vars, sources, err, errlen))
		goto fail;
	for (uint32_t i = 0; i < pol->n_rules; i++)
		if (compile_rule(cfg, vars, i, &acl4, &acl6, err, errlen))
			goto fail;
	if (acl4.n && !(pol->acl4 = fw_acl_build(4, &acl4, why, sizeof(why)))) {
		snprintf(err, errlen, "firewall: %s", why);
		goto fail;
	}
	if (acl6.n && !(pol->acl6 = fw_acl_build(6, &acl6, why, sizeof(why)))) {
		snprintf(err, errlen, "firewall: %s", why);
		goto fail;
	}
	pol->n_acl4 = (uint32_t)acl4.n;
	pol->n_acl6 = (uint32_t)acl6.n;
	free(acl4.v);
	free(acl6.v);
	sig_vars_free(own_vars);
	return pol;
oom:
	snprintf(err, errlen, "firewall: out of memory");
fail:
	free(acl4.v);
	free(acl6.v);
	sig_vars_free(own_vars);
	fw_policy_free(pol);
	return NULL;
}

int fw_policy_bind_port(struct fw_policy *pol, uint16_t port_id, const char *ifname,
			int bridge_side)
{
	uint32_t mask = 0;

	if (!pol || port_id >= FW_MAX_PORTS)
		return -1;
	for (size_t z = 0; z < pol->n_zones; z++) {
		for (size_t i = 0; i < pol->zone_n_members[z]; i++) {
			const char *m = pol->zone_members[z][i];

			if ((ifname && strcmp(m, ifname) == 0) ||
			    (bridge_side == 0 && strcmp(m, "bridge-a") == 0) ||
			    (bridge_side == 1 && strcmp(m, "bridge-b") == 0))
				mask |= 1u << z;
		}
	}
	pol->port_zones[port_id] = mask;
	return 0;
}

uint32_t fw_policy_port_zones(const struct fw_policy *pol, uint16_t port_id)
{
	return port_id < FW_MAX_PORTS ? pol->port_zones[port_id] : 0;
}

uint32_t fw_policy_rule_count(const struct fw_policy *pol)
{
	return pol->n_rules;
}

uint8_t fw_policy_rule_action(const struct fw_policy *pol, uint32_t rule_id)
{
	return rule_id < pol->n_rules ? pol->rules[rule_id].action : pol->default_action;
}

bool fw_policy_rule_log(const struct fw_policy *pol, uint32_t rule_id)
{
	return rule_id < pol->n_rules && pol->rules[rule_id].log;
}

const char *fw_policy_rule_name(const struct fw_policy *pol, uint32_t rule_id)
{
	return rule_id < pol->n_rules ? pol->rules[rule_id].name : "default";
}

uint32_t fw_policy_acl_rule_count(const struct fw_policy *pol)
{
	return pol->n_acl4 + pol->n_acl6;
}

void fw_policy_free(struct fw_policy *pol)
{
	if (!pol)
		return;
	if (pol->acl4)
		rte_acl_free(pol->acl4);
	if (pol->acl6)
		rte_acl_free(pol->acl6);
	if (pol->sets4)
		rte_lpm_free(pol->sets4);
	if (pol->sets6)
		rte_lpm6_free(pol->sets6);
	for (uint32_t i = 0; pol->rules && i < pol->n_rules; i++)
		free(pol->rules[i].name);
	free(pol->rules);
	for (size_t z = 0; z < pol->n_zones; z++) {
		free(pol->zone_names ? pol->zone_names[z] : NULL);
		for (size_t i = 0; pol->zone_members && pol->zone_members[z] && i < pol->zone_n_members[z]; i++)
			free(pol->zone_members[z][i]);
		if (pol->zone_members)
			free(pol->zone_members[z]);
	}
	free(pol->zone_names);
	free(pol->zone_members);
	free(pol->zone_n_members);
	free(pol);
}
