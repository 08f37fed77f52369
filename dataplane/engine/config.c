/*
 * config.c - YAML configuration loader (libyaml document API).
 *
 * The whole document is loaded into libyaml's node tree first; a walker then
 * checks each mapping against a table of known keys. Loading the tree keeps
 * every node's start mark, so each error can name the exact line.
 */
#include "dataplane/engine/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

struct config_walk {
	struct engine_config *cfg;
	yaml_document_t *doc;
	const char *name; /* file name for messages */
	char *err;
	size_t errlen;
};

static int walk_error(struct config_walk *w, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int walk_error(struct config_walk *w, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->err && w->errlen)
		snprintf(w->err, w->errlen, "%s:%zu: %s", w->name,
			 node ? (size_t)node->start_mark.line + 1 : (size_t)0, msg);
	return -1;
}

static const char *scalar_text(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/* A YAML 1.1 boolean as Suricata accepts it. */
static int parse_bool(struct config_walk *w, const yaml_node_t *node, const char *key, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "True", "Yes", "TRUE", "YES" };
	static const char *const no[] = { "false", "no", "off", "0", "False", "No", "FALSE", "NO" };

	if (node->type != YAML_SCALAR_NODE)
		return walk_error(w, node, "%s: expected true or false", key);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(scalar_text(node), yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(scalar_text(node), no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return walk_error(w, node, "%s: expected true or false, got '%s'", key, scalar_text(node));
}

static int parse_u32(struct config_walk *w, const yaml_node_t *node, const char *key,
		     uint32_t min, uint32_t max, uint32_t *out)
{
	const char *s;
	char *end;
	unsigned long long v;

	if (node->type != YAML_SCALAR_NODE)
		return walk_error(w, node, "%s: expected a number", key);
	s = scalar_text(node);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] == '\0' || s[0] == '-' || *end != '\0' || errno != 0)
		return walk_error(w, node, "%s: expected a number, got '%s'", key, s);
	if (v < min || v > max)
		return walk_error(w, node, "%s: %llu is out of range [%" PRIu32 ", %" PRIu32 "]",
				  key, v, min, max);
	*out = (uint32_t)v;
	return 0;
}

/*
 * Iterate a mapping's pairs: calls `fn` with each scalar key. Non-scalar keys
 * and non-mapping nodes are errors naming `where`.
 */
typedef int (*pair_fn)(struct config_walk *w, const char *key, const yaml_node_t *key_node,
		       const yaml_node_t *value);

static int walk_mapping(struct config_walk *w, const yaml_node_t *map, const char *where, pair_fn fn)
{
	if (map->type == YAML_SCALAR_NODE && map->data.scalar.length == 0)
		return 0; /* "flow:" with nothing under it */
	if (map->type != YAML_MAPPING_NODE)
		return walk_error(w, map, "%s: expected a mapping", where);
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		const yaml_node_t *v = yaml_document_get_node(w->doc, pair->value);

		if (!k || !v)
			return walk_error(w, map, "%s: malformed mapping", where);
		if (k->type != YAML_SCALAR_NODE)
			return walk_error(w, k, "%s: keys must be plain names", where);
		if (fn(w, scalar_text(k), k, v) != 0)
			return -1;
	}
	return 0;
}

static int var_group(struct config_walk *w, const char *key, const yaml_node_t *kn,
		     const yaml_node_t *v, bool is_port)
{
	const char *group = is_port ? "vars.port-groups" : "vars.address-groups";

	if (v->type != YAML_SCALAR_NODE)
		return walk_error(w, v, "%s.%s: expected a string value", group, key);
	if (key[0] == '\0' || strpbrk(key, " \t$[],!") != NULL)
		return walk_error(w, kn, "%s: invalid variable name '%s'", group, key);
	if (engine_config_set_var(w->cfg, key, scalar_text(v), is_port) != 0)
		return walk_error(w, v, "%s.%s: out of memory", group, key);
	return 0;
}

static int address_group_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
			      const yaml_node_t *v)
{
	return var_group(w, key, kn, v, false);
}

static int port_group_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
			   const yaml_node_t *v)
{
	return var_group(w, key, kn, v, true);
}

static int vars_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		     const yaml_node_t *v)
{
	if (strcmp(key, "address-groups") == 0)
		return walk_mapping(w, v, "vars.address-groups", address_group_pair);
	if (strcmp(key, "port-groups") == 0)
		return walk_mapping(w, v, "vars.port-groups", port_group_pair);
	return walk_error(w, kn, "unknown key 'vars.%s'", key);
}

static int timeouts_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
			 const yaml_node_t *v)
{
	struct engine_config *c = w->cfg;
	char name[96];

	snprintf(name, sizeof(name), "flow.timeouts.%s", key);
	if (strcmp(key, "new") == 0)
		return parse_u32(w, v, name, 1, 86400, &c->flow_timeout_new_sec);
	if (strcmp(key, "established") == 0)
		return parse_u32(w, v, name, 1, 86400 * 7, &c->flow_timeout_established_sec);
	if (strcmp(key, "closed") == 0)
		return parse_u32(w, v, name, 1, 86400, &c->flow_timeout_closed_sec);
	return walk_error(w, kn, "unknown key '%s'", name);
}

static int flow_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		     const yaml_node_t *v)
{
	struct engine_config *c = w->cfg;

	if (strcmp(key, "max-flows") == 0)
		return parse_u32(w, v, "flow.max-flows", 1, 1u << 28, &c->flow_max_flows);
	if (strcmp(key, "midstream") == 0)
		return parse_bool(w, v, "flow.midstream", &c->flow_midstream);
	if (strcmp(key, "timeouts") == 0)
		return walk_mapping(w, v, "flow.timeouts", timeouts_pair);
	return walk_error(w, kn, "unknown key 'flow.%s'", key);
}

static int decode_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		       const yaml_node_t *v)
{
	if (strcmp(key, "checksum-validation") == 0)
		return parse_bool(w, v, "decode.checksum-validation", &w->cfg->checksum_validation);
	return walk_error(w, kn, "unknown key 'decode.%s'", key);
}

static int detect_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		       const yaml_node_t *v)
{
	if (strcmp(key, "max-alerts-per-packet") == 0)
		return parse_u32(w, v, "detect.max-alerts-per-packet", 1,
				 ENGINE_CONFIG_MAX_ALERTS_LIMIT, &w->cfg->max_alerts_per_packet);
	return walk_error(w, kn, "unknown key 'detect.%s'", key);
}

static int eve_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		    const yaml_node_t *v)
{
	if (strcmp(key, "append") == 0)
		return parse_bool(w, v, "eve.append", &w->cfg->eve_append);
	return walk_error(w, kn, "unknown key 'eve.%s'", key);
}

static int root_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		     const yaml_node_t *v)
{
	if (strcmp(key, "vars") == 0)
		return walk_mapping(w, v, "vars", vars_pair);
	if (strcmp(key, "flow") == 0)
		return walk_mapping(w, v, "flow", flow_pair);
	if (strcmp(key, "decode") == 0)
		return walk_mapping(w, v, "decode", decode_pair);
	if (strcmp(key, "detect") == 0)
		return walk_mapping(w, v, "detect", detect_pair);
	if (strcmp(key, "eve") == 0)
		return walk_mapping(w, v, "eve", eve_pair);
	return walk_error(w, kn, "unknown key '%s'", key);
}

static int load_with_parser(struct engine_config *cfg, yaml_parser_t *parser, const char *name,
			    char *err, size_t errlen)
{
	yaml_document_t doc;
	struct config_walk w = { .cfg = cfg, .doc = &doc, .name = name, .err = err, .errlen = errlen };
	yaml_node_t *root;
	int rc;

	if (!yaml_parser_load(parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: %s", name, (size_t)parser->problem_mark.line + 1,
			 parser->problem ? parser->problem : "YAML syntax error");
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root)
		rc = 0; /* empty file: defaults */
	else
		rc = walk_mapping(&w, root, "top level", root_pair);
	yaml_document_delete(&doc);
	return rc;
}

int engine_config_load_string(struct engine_config *cfg, const char *yaml, size_t len,
			      const char *name, char *err, size_t errlen)
{
	yaml_parser_t parser;
	int rc;

	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	rc = load_with_parser(cfg, &parser, name, err, errlen);
	yaml_parser_delete(&parser);
	return rc;
}

int engine_config_load(struct engine_config *cfg, const char *path, char *err, size_t errlen)
{
	yaml_parser_t parser;
	FILE *f;
	int rc;

	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	yaml_parser_set_input_file(&parser, f);
	rc = load_with_parser(cfg, &parser, path, err, errlen);
	yaml_parser_delete(&parser);
	if (ferror(f) && rc == 0) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	fclose(f);
	return rc;
}

void engine_config_init(struct engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->flow_max_flows = 0;      /* the flow table's default */
	cfg->flow_midstream = false;  /* like Suricata's stream.midstream */
	/* timeouts 0: the flow table's per-protocol defaults */
	cfg->checksum_validation = true;
	cfg->max_alerts_per_packet = ENGINE_CONFIG_DEFAULT_MAX_ALERTS;
	cfg->eve_append = false;
	cfg->mode = ENGINE_MODE_IDS;
	cfg->alert_ring_size = ENGINE_CONFIG_DEFAULT_ALERT_RING;
}

int engine_config_set_var(struct engine_config *cfg, const char *name, const char *value,
			  bool is_port)
{
	struct engine_config_var *grown;
	char *n, *v;

	v = strdup(value);
	if (!v)
		return -1;
	for (size_t i = 0; i < cfg->n_vars; i++) {
		if (strcmp(cfg->vars[i].name, name) == 0) {
			free(cfg->vars[i].value);
			cfg->vars[i].value = v;
			cfg->vars[i].is_port = is_port;
			return 0;
		}
	}
	n = strdup(name);
	grown = realloc(cfg->vars, (cfg->n_vars + 1) * sizeof(*grown));
	if (!n || !grown) {
		free(n);
		free(v);
		if (grown)
			cfg->vars = grown;
		return -1;
	}
	cfg->vars = grown;
	cfg->vars[cfg->n_vars++] = (struct engine_config_var){ .name = n, .value = v, .is_port = is_port };
	return 0;
}

void engine_config_free(struct engine_config *cfg)
{
	for (size_t i = 0; i < cfg->n_vars; i++) {
		free(cfg->vars[i].name);
		free(cfg->vars[i].value);
	}
	free(cfg->vars);
	cfg->vars = NULL;
	cfg->n_vars = 0;
}
