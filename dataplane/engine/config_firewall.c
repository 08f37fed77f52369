/*
 * config_firewall.c - the firewall: section of the YAML config (see config.h):
 * zones, address sets, default action and the ordered rules, checked for
 * shape only. Addresses, ports, variables and zone references are resolved
 * by fw_policy_build() (dataplane/engine/policy), whose errors name the rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine/config_internal.h"
#include "dataplane/engine/policy/policy.h" /* FW_SET_*_PREFIX */

static const char *const fw_action_names[] = { "allow", "deny", "reject" };

const char *fw_action_name(uint8_t action)
{
	return action < 3 ? fw_action_names[action] : "unknown";
}

/* More zones or sets than the policy could ever use (it takes 32 zones and
 * 16 sets): stop reading early instead of growing without bound. */
#define FW_CONFIG_MAX_NAMES 64u

static void string_list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void config_firewall_free(struct engine_config *cfg)
{
	for (size_t i = 0; i < cfg->n_fw_zones; i++) {
		free(cfg->fw_zones[i].name);
		string_list_free(cfg->fw_zones[i].members, cfg->fw_zones[i].n_members);
	}
	free(cfg->fw_zones);
	for (size_t i = 0; i < cfg->n_fw_address_sets; i++) {
		free(cfg->fw_address_sets[i].name);
		string_list_free(cfg->fw_address_sets[i].prefixes, cfg->fw_address_sets[i].n_prefixes);
	}
	free(cfg->fw_address_sets);
	for (size_t i = 0; i < cfg->n_fw_rules; i++) {
		struct fw_rule_config *r = &cfg->fw_rules[i];

		free(r->name);
		free(r->ingress);
		free(r->src);
		free(r->dst);
		free(r->src_port);
		free(r->dst_port);
	}
	free(cfg->fw_rules);
	cfg->fw_zones = NULL;
	cfg->fw_address_sets = NULL;
	cfg->fw_rules = NULL;
	cfg->n_fw_zones = cfg->n_fw_address_sets = cfg->n_fw_rules = 0;
	cfg->fw_present = false;
	cfg->fw_default_action = FW_ACTION_ALLOW;
}

/* A scalar or a sequence of scalars as a string array. */
static int scalar_list(struct config_walk *w, const yaml_node_t *v, const char *key, char ***out,
		       size_t *n_out)
{
	size_t n = 0, cap;
	char **list;

	*out = NULL;
	*n_out = 0;
	if (v->type == YAML_SCALAR_NODE) {
		if (v->data.scalar.length == 0)
			return config_walk_error(w, v, "%s: empty value", key);
		list = calloc(1, sizeof(*list));
		if (!list || !(list[0] = strdup(config_scalar_text(v)))) {
			free(list);
			return config_walk_error(w, v, "%s: out of memory", key);
		}
		*out = list;
		*n_out = 1;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return config_walk_error(w, v, "%s: expected a value or a list of values", key);
	cap = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (cap == 0)
		return config_walk_error(w, v, "%s: empty list", key);
	list = calloc(cap, sizeof(*list));
	if (!list)
		return config_walk_error(w, v, "%s: out of memory", key);
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(w->doc, *it);

		if (!item || item->type != YAML_SCALAR_NODE || item->data.scalar.length == 0) {
			string_list_free(list, n);
			return config_walk_error(w, item ? item : v, "%s: list items must be plain values", key);
		}
		list[n] = strdup(config_scalar_text(item));
		if (!list[n]) {
			string_list_free(list, n);
			return config_walk_error(w, item, "%s: out of memory", key);
		}
		n++;
	}
	*out = list;
	*n_out = n;
	return 0;
}

/*
 * src/dst/src-port/dst-port: the rule language's text. A list becomes
 * "[a,b,...]"; for ports "a-b" becomes "a:b" (YAML users write ranges with
 * a dash, the rule language with a colon).
 */
static int expression_text(struct config_walk *w, const yaml_node_t *v, const char *key,
			   bool ports, char **out)
{
	char **items;
	size_t n, len = 3;
	char *text;
	int rc;

	rc = scalar_list(w, v, key, &items, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	text = malloc(len);
	if (!text) {
		string_list_free(items, n);
		return config_walk_error(w, v, "%s: out of memory", key);
	}
	text[0] = '\0';
	if (v->type == YAML_SEQUENCE_NODE)
		strcat(text, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(text, ",");
		strcat(text, items[i]);
	}
	if (v->type == YAML_SEQUENCE_NODE)
		strcat(text, "]");
	string_list_free(items, n);
	if (ports) {
		for (char *c = text; *c; c++)
			if (*c == '-')
				*c = ':';
	}
	free(*out);
	*out = text;
	return 0;
}

static int parse_fw_proto(struct config_walk *w, const yaml_node_t *v, const char *key,
			  int16_t *out)
{
	static const struct { const char *name; int16_t value; } names[] = {
		{ "any", FW_PROTO_ANY }, { "ip", FW_PROTO_ANY }, { "tcp", 6 }, { "udp", 17 },
		{ "icmp", FW_PROTO_ICMP }, { "icmpv6", 58 }, { "sctp", 132 },
	};
	uint32_t num;

	if (v->type == YAML_SCALAR_NODE) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strcmp(config_scalar_text(v), names[i].name) == 0) {
				*out = names[i].value;
				return 0;
			}
		}
		if (config_scalar_text(v)[0] >= '0' && config_scalar_text(v)[0] <= '9') {
			if (config_parse_u32(w, v, key, 0, 255, &num))
				return -1;
			*out = (int16_t)num;
			return 0;
		}
	}
	return config_walk_error(w, v, "%s: expected tcp, udp, icmp, icmpv6, sctp, any or a number 0-255",
			  key);
}

struct fw_rule_walk {
	struct config_walk *w;
	struct fw_rule_config *rule;
	char where[96];   /* "firewall.rules[3]" */
	bool has_action;
};

static int fw_rule_key(struct fw_rule_walk *rw, const char *key, const yaml_node_t *kn,
		       const yaml_node_t *v)
{
	struct config_walk *w = rw->w;
	struct fw_rule_config *r = rw->rule;
	char name[160];

	snprintf(name, sizeof(name), "%s: %s", rw->where, key);
	if (strcmp(key, "name") == 0 || strcmp(key, "ingress") == 0) {
		char **dst = key[0] == 'n' ? &r->name : &r->ingress;

		if (v->type != YAML_SCALAR_NODE || v->data.scalar.length == 0)
			return config_walk_error(w, v, "%s: expected a name", name);
		free(*dst);
		*dst = strdup(config_scalar_text(v));
		return *dst ? 0 : config_walk_error(w, v, "%s: out of memory", name);
	}
	if (strcmp(key, "proto") == 0)
		return parse_fw_proto(w, v, name, &r->proto);
	if (strcmp(key, "src") == 0)
		return expression_text(w, v, name, false, &r->src);
	if (strcmp(key, "dst") == 0)
		return expression_text(w, v, name, false, &r->dst);
	if (strcmp(key, "src-port") == 0)
		return expression_text(w, v, name, true, &r->src_port);
	if (strcmp(key, "dst-port") == 0)
		return expression_text(w, v, name, true, &r->dst_port);
	if (strcmp(key, "action") == 0) {
		rw->has_action = true;
		return config_parse_choice(w, v, name, fw_action_names, 3, "allow, deny or reject",
				    &r->action);
	}
	if (strcmp(key, "log") == 0)
		return config_parse_bool(w, v, name, &r->log);
	return config_walk_error(w, kn, "unknown key '%s.%s'", rw->where, key);
}

static int fw_rule(struct config_walk *w, const yaml_node_t *v, size_t index)
{
	struct engine_config *c = w->cfg;
	struct fw_rule_config *r = &c->fw_rules[index];
	struct fw_rule_walk rw = { .w = w, .rule = r };
	char *defaults[4];

	snprintf(rw.where, sizeof(rw.where), "firewall.rules[%zu]", index);
	if (v->type != YAML_MAPPING_NODE)
		return config_walk_error(w, v, "%s: expected a mapping (name, action, ...)", rw.where);
	r->proto = FW_PROTO_ANY;
	r->line = (uint32_t)v->start_mark.line + 1;
	c->n_fw_rules = index + 1; /* owned from here on: freed with the config */
	/* the name first, so every later message can carry it */
	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		const yaml_node_t *val = yaml_document_get_node(w->doc, pair->value);

		if (k && val && k->type == YAML_SCALAR_NODE && strcmp(config_scalar_text(k), "name") == 0 &&
		    fw_rule_key(&rw, "name", k, val))
			return -1;
	}
	if (r->name)
		snprintf(rw.where, sizeof(rw.where), "firewall.rules[%zu] (%s)", index, r->name);
	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		const yaml_node_t *val = yaml_document_get_node(w->doc, pair->value);

		if (!k || !val || k->type != YAML_SCALAR_NODE)
			return config_walk_error(w, v, "%s: keys must be plain names", rw.where);
		if (strcmp(config_scalar_text(k), "name") != 0 && fw_rule_key(&rw, config_scalar_text(k), k, val))
			return -1;
	}
	if (!rw.has_action)
		return config_walk_error(w, v, "%s: action: missing (allow, deny or reject)", rw.where);
	if (!r->name) {
		char name[32];

		snprintf(name, sizeof(name), "rule-%zu", index);
		r->name = strdup(name);
	}
	defaults[0] = r->src ? r->src : (r->src = strdup("any"));
	defaults[1] = r->dst ? r->dst : (r->dst = strdup("any"));
	defaults[2] = r->src_port ? r->src_port : (r->src_port = strdup("any"));
	defaults[3] = r->dst_port ? r->dst_port : (r->dst_port = strdup("any"));
	if (!r->name || !defaults[0] || !defaults[1] || !defaults[2] || !defaults[3])
		return config_walk_error(w, v, "%s: out of memory", rw.where);
	return 0;
}

static int fw_rules(struct config_walk *w, const yaml_node_t *v)
{
	struct engine_config *c = w->cfg;
	size_t n;

	if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return config_walk_error(w, v, "firewall.rules: expected a list of rules");
	/* A repeated key would orphan the first list (found by fuzz_config). */
	if (c->fw_rules)
		return config_walk_error(w, v, "firewall.rules: given twice");
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n == 0)
		return 0;
	c->fw_rules = calloc(n, sizeof(*c->fw_rules));
	if (!c->fw_rules)
		return config_walk_error(w, v, "firewall.rules: out of memory");
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = yaml_document_get_node(w->doc, v->data.sequence.items.start[i]);

		if (!item)
			return config_walk_error(w, v, "firewall.rules: malformed list");
		if (fw_rule(w, item, i))
			return -1;
	}
	return 0;
}

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

/* One "name: [values]" entry of firewall.zones / firewall.address-sets:
 * checks the name (valid, not seen before in `names`) and reads the list. */
static int named_list(struct config_walk *w, const char *section, const char *what,
		      const char *key, const yaml_node_t *kn, const yaml_node_t *v,
		      const char *const *names, size_t n_names, char **name, char ***list,
		      size_t *n_list)
{
	char where[160];

	snprintf(where, sizeof(where), "%s.%s", section, key);
	if (!name_ok(key))
		return config_walk_error(w, kn, "%s: invalid %s name '%s'", section, what, key);
	for (size_t i = 0; i < n_names; i++)
		if (strcmp(names[i], key) == 0)
			return config_walk_error(w, kn, "%s: %s defined twice", where, what);
	*name = strdup(key);
	if (!*name)
		return config_walk_error(w, kn, "%s: out of memory", where);
	return scalar_list(w, v, where, list, n_list);
}

static int fw_zone_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
			const yaml_node_t *v)
{
	struct engine_config *c = w->cfg;
	struct fw_zone_config *grown, *z;
	const char *names[FW_CONFIG_MAX_NAMES];

	if (c->n_fw_zones >= FW_CONFIG_MAX_NAMES)
		return config_walk_error(w, kn, "firewall.zones: more than %u zones", FW_CONFIG_MAX_NAMES);
	for (size_t i = 0; i < c->n_fw_zones; i++)
		names[i] = c->fw_zones[i].name;
	grown = realloc(c->fw_zones, (c->n_fw_zones + 1) * sizeof(*grown));
	if (!grown)
		return config_walk_error(w, kn, "firewall.zones: out of memory");
	c->fw_zones = grown;
	z = &c->fw_zones[c->n_fw_zones];
	memset(z, 0, sizeof(*z));
	z->line = (uint32_t)kn->start_mark.line + 1;
	if (named_list(w, "firewall.zones", "zone", key, kn, v, names, c->n_fw_zones, &z->name,
		       &z->members, &z->n_members)) {
		free(z->name);
		return -1;
	}
	c->n_fw_zones++;
	return 0;
}

/* Append an owned string to a string list. 0, or -1 out of memory. */
static int list_append(char ***list, size_t *n, char *item)
{
	char **grown;

	if (!item)
		return -1;
	grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (!grown) {
		free(item);
		return -1;
	}
	*list = grown;
	(*list)[(*n)++] = item;
	return 0;
}

/* reputation: { category: NAME, min-score: N } -> "reputation:N:NAME". */
static int dynamic_set_reputation(struct config_walk *w, const char *where, const yaml_node_t *v,
				  struct fw_address_set_config *s)
{
	const char *category = NULL;
	uint32_t min_score = 0;
	bool have_score = false;
	char key[200], *item;

	if (v->type != YAML_MAPPING_NODE)
		return config_walk_error(w, v, "%s.reputation: expected { category: NAME, min-score: N }", where);
	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		const yaml_node_t *val = yaml_document_get_node(w->doc, pair->value);

		if (!k || !val || k->type != YAML_SCALAR_NODE)
			return config_walk_error(w, v, "%s.reputation: malformed mapping", where);
		snprintf(key, sizeof(key), "%s.reputation.%s", where, config_scalar_text(k));
		if (strcmp(config_scalar_text(k), "category") == 0) {
			if (val->type != YAML_SCALAR_NODE || val->data.scalar.length == 0 ||
			    strpbrk(config_scalar_text(val), " \t,"))
				return config_walk_error(w, val, "%s: expected a category short name", key);
			category = config_scalar_text(val);
		} else if (strcmp(config_scalar_text(k), "min-score") == 0) {
			if (config_parse_u32(w, val, key, 0, 127, &min_score))
				return -1;
			have_score = true;
		} else {
			return config_walk_error(w, k, "unknown key '%s'", key);
		}
	}
	if (!category)
		return config_walk_error(w, v, "%s.reputation: category is required", where);
	if (!have_score)
		return config_walk_error(w, v, "%s.reputation: min-score is required", where);
	if (asprintf(&item, FW_SET_REPUTATION_PREFIX "%u:%s", min_score, category) < 0 ||
	    list_append(&s->prefixes, &s->n_prefixes, item))
		return config_walk_error(w, v, "%s: out of memory", where);
	return 0;
}

/*
 * The mapping form of an address set: { prefixes: [...], countries: [CC...],
 * reputation: { category: NAME, min-score: N } }, entries united. Countries
 * and reputation travel to fw_policy_build as marked entries of the set's
 * one list (FW_SET_*_PREFIX, policy.h), which expands them at build time.
 */
static int dynamic_set(struct config_walk *w, const char *where, const yaml_node_t *v,
		       struct fw_address_set_config *s)
{
	char key[200];

	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		const yaml_node_t *val = yaml_document_get_node(w->doc, pair->value);
		char **items = NULL;
		size_t n = 0;

		if (!k || !val || k->type != YAML_SCALAR_NODE)
			return config_walk_error(w, v, "%s: malformed mapping", where);
		snprintf(key, sizeof(key), "%s.%s", where, config_scalar_text(k));
		if (strcmp(config_scalar_text(k), "reputation") == 0) {
			if (dynamic_set_reputation(w, where, val, s))
				return -1;
			continue;
		}
		bool countries = strcmp(config_scalar_text(k), "countries") == 0;
		if (!countries && strcmp(config_scalar_text(k), "prefixes") != 0)
			return config_walk_error(w, k, "unknown key '%s' (prefixes, countries or reputation)", key);
		if (scalar_list(w, val, key, &items, &n))
			return -1;
		for (size_t i = 0; i < n; i++) {
			char *item = items[i];

			items[i] = NULL;
			if (countries) {
				const char *cc = item;
				bool ok = strlen(cc) == 2 && ((cc[0] | 0x20) >= 'a' && (cc[0] | 0x20) <= 'z') &&
					  ((cc[1] | 0x20) >= 'a' && (cc[1] | 0x20) <= 'z');
				if (!ok) {
					config_walk_error(w, val, "%s: '%s' is not a two-letter country code", key, cc);
					free(item);
					string_list_free(items, n);
					return -1;
				}
				char *marked;
				if (asprintf(&marked, FW_SET_COUNTRY_PREFIX "%c%c", cc[0] & ~0x20, cc[1] & ~0x20) < 0)
					marked = NULL;
				free(item);
				item = marked;
			}
			if (list_append(&s->prefixes, &s->n_prefixes, item)) {
				string_list_free(items, n);
				return config_walk_error(w, val, "%s: out of memory", key);
			}
		}
		string_list_free(items, n);
	}
	if (s->n_prefixes == 0)
		return config_walk_error(w, v, "%s: empty set (give prefixes, countries or reputation)", where);
	return 0;
}

static int fw_set_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		       const yaml_node_t *v)
{
	struct engine_config *c = w->cfg;
	struct fw_address_set_config *grown, *s;
	const char *names[FW_CONFIG_MAX_NAMES];

	if (c->n_fw_address_sets >= FW_CONFIG_MAX_NAMES)
		return config_walk_error(w, kn, "firewall.address-sets: more than %u sets", FW_CONFIG_MAX_NAMES);
	for (size_t i = 0; i < c->n_fw_address_sets; i++)
		names[i] = c->fw_address_sets[i].name;
	grown = realloc(c->fw_address_sets, (c->n_fw_address_sets + 1) * sizeof(*grown));
	if (!grown)
		return config_walk_error(w, kn, "firewall.address-sets: out of memory");
	c->fw_address_sets = grown;
	s = &c->fw_address_sets[c->n_fw_address_sets];
	memset(s, 0, sizeof(*s));
	s->line = (uint32_t)kn->start_mark.line + 1;
	if (v->type == YAML_MAPPING_NODE) {
		/* the mapping form: the name is checked like the list form's */
		char where[160];

		snprintf(where, sizeof(where), "firewall.address-sets.%s", key);
		if (!name_ok(key))
			return config_walk_error(w, kn, "firewall.address-sets: invalid set name '%s'", key);
		for (size_t i = 0; i < c->n_fw_address_sets; i++)
			if (strcmp(names[i], key) == 0)
				return config_walk_error(w, kn, "%s: set defined twice", where);
		if (!(s->name = strdup(key)))
			return config_walk_error(w, kn, "%s: out of memory", where);
		if (dynamic_set(w, where, v, s)) {
			free(s->name);
			string_list_free(s->prefixes, s->n_prefixes);
			return -1;
		}
	} else if (named_list(w, "firewall.address-sets", "set", key, kn, v, names, c->n_fw_address_sets,
			      &s->name, &s->prefixes, &s->n_prefixes)) {
		free(s->name);
		return -1;
	}
	c->n_fw_address_sets++;
	return 0;
}

static int firewall_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
			 const yaml_node_t *v)
{
	if (strcmp(key, "zones") == 0)
		return config_walk_mapping(w, v, "firewall.zones", fw_zone_pair);
	if (strcmp(key, "address-sets") == 0)
		return config_walk_mapping(w, v, "firewall.address-sets", fw_set_pair);
	if (strcmp(key, "default-action") == 0)
		return config_parse_choice(w, v, "firewall.default-action", fw_action_names, 3,
				    "allow, deny or reject", &w->cfg->fw_default_action);
	if (strcmp(key, "rules") == 0)
		return fw_rules(w, v);
	return config_walk_error(w, kn, "unknown key 'firewall.%s'", key);
}

/* A later firewall section (a second --config) replaces the earlier one whole:
 * merging rule lists would make "first match wins" depend on file order. */
int config_parse_firewall(struct config_walk *w, const yaml_node_t *v)
{
	config_firewall_free(w->cfg);
	w->cfg->fw_present = true;
	return config_walk_mapping(w, v, "firewall", firewall_pair);
}

