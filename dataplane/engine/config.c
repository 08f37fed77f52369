/*
 * config.c - YAML configuration loader (libyaml document API).
 *
 * The whole document is loaded into libyaml's node tree first; a walker then
 * checks each mapping against a table of known keys. Loading the tree keeps
 * every node's start mark, so each error can name the exact line. The
 * firewall section has its own file (config_firewall.c); the walk helpers
 * both use are declared in config_internal.h.
 */
#include "dataplane/engine/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "dataplane/engine/config_internal.h"
#include "dataplane/engine/config_yaml.h"

int config_walk_error(struct config_walk *w, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Quoted values come from the file: keep the message on one line
	 * (found by fuzz_config: a multi-line scalar). */
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	if (w->err && w->errlen)
		snprintf(w->err, w->errlen, "%s:%zu: %s", w->name,
			 node ? (size_t)node->start_mark.line + 1 : (size_t)0, msg);
	return -1;
}

const char *config_scalar_text(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/* A YAML 1.1 boolean as Suricata accepts it. */
int config_parse_bool(struct config_walk *w, const yaml_node_t *node, const char *key, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "True", "Yes", "TRUE", "YES" };
	static const char *const no[] = { "false", "no", "off", "0", "False", "No", "FALSE", "NO" };

	if (node->type != YAML_SCALAR_NODE)
		return config_walk_error(w, node, "%s: expected true or false", key);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(config_scalar_text(node), yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(config_scalar_text(node), no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return config_walk_error(w, node, "%s: expected true or false, got '%s'", key, config_scalar_text(node));
}

int config_parse_u32(struct config_walk *w, const yaml_node_t *node, const char *key,
		     uint32_t min, uint32_t max, uint32_t *out)
{
	const char *s;
	char *end;
	unsigned long long v;

	if (node->type != YAML_SCALAR_NODE)
		return config_walk_error(w, node, "%s: expected a number", key);
	s = config_scalar_text(node);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] == '\0' || s[0] == '-' || *end != '\0' || errno != 0)
		return config_walk_error(w, node, "%s: expected a number, got '%s'", key, s);
	if (v < min || v > max)
		return config_walk_error(w, node, "%s: %llu is out of range [%" PRIu32 ", %" PRIu32 "]",
				  key, v, min, max);
	*out = (uint32_t)v;
	return 0;
}

int config_walk_mapping(struct config_walk *w, const yaml_node_t *map, const char *where, pair_fn fn)
{
	if (map->type == YAML_SCALAR_NODE && map->data.scalar.length == 0)
		return 0; /* "flow:" with nothing under it */
	if (map->type != YAML_MAPPING_NODE)
		return config_walk_error(w, map, "%s: expected a mapping", where);
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		const yaml_node_t *v = yaml_document_get_node(w->doc, pair->value);

		if (!k || !v)
			return config_walk_error(w, map, "%s: malformed mapping", where);
		if (k->type != YAML_SCALAR_NODE)
			return config_walk_error(w, k, "%s: keys must be plain names", where);
		if (fn(w, config_scalar_text(k), k, v) != 0)
			return -1;
	}
	return 0;
}

static int var_group(struct config_walk *w, const char *key, const yaml_node_t *kn,
		     const yaml_node_t *v, bool is_port)
{
	const char *group = is_port ? "vars.port-groups" : "vars.address-groups";

	if (v->type != YAML_SCALAR_NODE)
		return config_walk_error(w, v, "%s.%s: expected a string value", group, key);
	if (key[0] == '\0' || strpbrk(key, " \t$[],!") != NULL)
		return config_walk_error(w, kn, "%s: invalid variable name '%s'", group, key);
	if (engine_config_set_var(w->cfg, key, config_scalar_text(v), is_port) != 0)
		return config_walk_error(w, v, "%s.%s: out of memory", group, key);
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
		return config_walk_mapping(w, v, "vars.address-groups", address_group_pair);
	if (strcmp(key, "port-groups") == 0)
		return config_walk_mapping(w, v, "vars.port-groups", port_group_pair);
	return config_walk_error(w, kn, "unknown key 'vars.%s'", key);
}

static int timeouts_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
			 const yaml_node_t *v)
{
	struct engine_config *c = w->cfg;
	char name[96];

	snprintf(name, sizeof(name), "flow.timeouts.%s", key);
	if (strcmp(key, "new") == 0)
		return config_parse_u32(w, v, name, 1, 86400, &c->flow_timeout_new_sec);
	if (strcmp(key, "established") == 0)
		return config_parse_u32(w, v, name, 1, 86400 * 7, &c->flow_timeout_established_sec);
	if (strcmp(key, "closed") == 0)
		return config_parse_u32(w, v, name, 1, 86400, &c->flow_timeout_closed_sec);
	return config_walk_error(w, kn, "unknown key '%s'", name);
}

static int flow_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		     const yaml_node_t *v)
{
	struct engine_config *c = w->cfg;

	if (strcmp(key, "max-flows") == 0)
		return config_parse_u32(w, v, "flow.max-flows", 1, 1u << 28, &c->flow_max_flows);
	if (strcmp(key, "midstream") == 0)
		return config_parse_bool(w, v, "flow.midstream", &c->flow_midstream);
	if (strcmp(key, "timeouts") == 0)
		return config_walk_mapping(w, v, "flow.timeouts", timeouts_pair);
	return config_walk_error(w, kn, "unknown key 'flow.%s'", key);
}

static int decode_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		       const yaml_node_t *v)
{
	if (strcmp(key, "checksum-validation") == 0)
		return config_parse_bool(w, v, "decode.checksum-validation", &w->cfg->checksum_validation);
	return config_walk_error(w, kn, "unknown key 'decode.%s'", key);
}

int engine_config_parse_size(const char *text, uint64_t *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (!text || text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': mult = 1ull << 10; end++; break;
	case 'm': case 'M': mult = 1ull << 20; end++; break;
	case 'g': case 'G': mult = 1ull << 30; end++; break;
	default: break;
	}
	if (mult > 1 && (*end == 'b' || *end == 'B'))
		end++;
	if (*end != '\0' || (v != 0 && mult > UINT64_MAX / v))
		return -1;
	*out = (uint64_t)(v * mult);
	return 0;
}

static int detect_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		       const yaml_node_t *v)
{
	if (strcmp(key, "max-alerts-per-packet") == 0)
		return config_parse_u32(w, v, "detect.max-alerts-per-packet", 1,
				 ENGINE_CONFIG_MAX_ALERTS_LIMIT, &w->cfg->max_alerts_per_packet);
	if (strcmp(key, "inspection-depth") == 0) {
		if (v->type != YAML_SCALAR_NODE ||
		    engine_config_parse_size(config_scalar_text(v), &w->cfg->inspection_depth) != 0)
			return config_walk_error(w, v, "detect.inspection-depth: expected a size such as "
					  "1048576, 512kb or 1mb (0 = no limit)");
		return 0;
	}
	return config_walk_error(w, kn, "unknown key 'detect.%s'", key);
}

static int eve_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		    const yaml_node_t *v)
{
	if (strcmp(key, "append") == 0)
		return config_parse_bool(w, v, "eve.append", &w->cfg->eve_append);
	return config_walk_error(w, kn, "unknown key 'eve.%s'", key);
}

/* A scalar that must be one of names[]: its index in *out. */
int config_parse_choice(struct config_walk *w, const yaml_node_t *node, const char *key,
			const char *const *names, size_t n, const char *expected, uint8_t *out)
{
	if (node->type == YAML_SCALAR_NODE) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(config_scalar_text(node), names[i]) == 0) {
				*out = (uint8_t)i;
				return 0;
			}
		}
		return config_walk_error(w, node, "%s: expected %s, got '%s'", key, expected,
				  config_scalar_text(node));
	}
	return config_walk_error(w, node, "%s: expected %s", key, expected);
}

static const char *const distribution_names[] = { "auto", "rss", "software" };
static const char *const failure_mode_names[] = { "fail-open", "fail-closed" };

const char *dp_distribution_name(uint8_t d)
{
	return d < 3 ? distribution_names[d] : "unknown";
}

const char *dp_failure_mode_name(uint8_t m)
{
	return m < 2 ? failure_mode_names[m] : "unknown";
}

static const char *const pmd_names[] = { "auto", "af_xdp", "af_packet" };

/* A list of "A:B" strings (checked as flags are, by rampart-dp). */
static int pair_list(struct config_walk *w, const yaml_node_t *v, const char *key, char ***out,
		     size_t *n_out)
{
	size_t n;

	if (v->type != YAML_SEQUENCE_NODE)
		return config_walk_error(w, v, "%s: expected a list of \"A:B\" pairs", key);
	if (*out)
		return config_walk_error(w, v, "%s: given twice", key);
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	*out = calloc(n + 1, sizeof(**out));
	if (!*out)
		return config_walk_error(w, v, "%s: out of memory", key);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = yaml_document_get_node(w->doc, v->data.sequence.items.start[i]);

		if (!item || item->type != YAML_SCALAR_NODE || !strchr(config_scalar_text(item), ':'))
			return config_walk_error(w, item ? item : v, "%s[%zu]: expected \"A:B\"", key, i);
		(*out)[i] = strdup(config_scalar_text(item));
		if (!(*out)[i])
			return config_walk_error(w, v, "%s: out of memory", key);
		*n_out = i + 1;
	}
	return 0;
}

static int dataplane_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
			  const yaml_node_t *v)
{
	struct engine_config *c = w->cfg;

	if (strcmp(key, "workers") == 0)
		return config_parse_u32(w, v, "dataplane.workers", 1, 64, &c->dp_workers);
	if (strcmp(key, "distribution") == 0)
		return config_parse_choice(w, v, "dataplane.distribution", distribution_names, 3,
				    "auto, rss or software", &c->dp_distribution);
	if (strcmp(key, "failure-mode") == 0)
		return config_parse_choice(w, v, "dataplane.failure-mode", failure_mode_names, 2,
				    "fail-open or fail-closed", &c->dp_failure_mode);
	if (strcmp(key, "watchdog-timeout-ms") == 0)
		return config_parse_u32(w, v, "dataplane.watchdog-timeout-ms", 10, 60000,
				 &c->dp_watchdog_timeout_ms);
	if (strcmp(key, "mbufs") == 0)
		return config_parse_u32(w, v, "dataplane.mbufs", 1024, 1048576, &c->dp_mbufs);
	if (strcmp(key, "pmd") == 0)
		return config_parse_choice(w, v, "dataplane.pmd", pmd_names, 3, "auto, af_xdp or af_packet",
					   &c->dp_pmd);
	if (strcmp(key, "bridges") == 0)
		return pair_list(w, v, "dataplane.bridges", &c->dp_bridges, &c->n_dp_bridges);
	if (strcmp(key, "ports") == 0)
		return pair_list(w, v, "dataplane.ports", &c->dp_ports, &c->n_dp_ports);
	return config_walk_error(w, kn, "unknown key 'dataplane.%s'", key);
}

const char *const engine_config_daemon_sections[] = {
	"rampartd", "outputs", "metrics", "default-rule-path", "rule-files",
	"classification-file", "threshold-file", NULL,
};

static int path_scalar(struct config_walk *w, const yaml_node_t *v, const char *key, char **out)
{
	if (v->type != YAML_SCALAR_NODE || v->data.scalar.length == 0)
		return config_walk_error(w, v, "%s: expected a file path", key);
	free(*out);
	*out = strdup(config_scalar_text(v));
	if (!*out)
		return config_walk_error(w, v, "%s: out of memory", key);
	return 0;
}

static int path_list(struct config_walk *w, const yaml_node_t *v, const char *key, char ***out,
		     size_t *n_out)
{
	size_t n;

	if (v->type != YAML_SEQUENCE_NODE)
		return config_walk_error(w, v, "%s: expected a list of file names", key);
	for (size_t i = 0; i < *n_out; i++)
		free((*out)[i]);
	free(*out);
	*n_out = 0;
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	*out = calloc(n + 1, sizeof(**out));
	if (!*out)
		return config_walk_error(w, v, "%s: out of memory", key);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = yaml_document_get_node(w->doc, v->data.sequence.items.start[i]);

		if (!item || item->type != YAML_SCALAR_NODE || item->data.scalar.length == 0)
			return config_walk_error(w, item ? item : v, "%s[%zu]: expected a file name", key, i);
		(*out)[i] = strdup(config_scalar_text(item));
		if (!(*out)[i])
			return config_walk_error(w, v, "%s: out of memory", key);
		*n_out = i + 1;
	}
	return 0;
}

static int root_pair(struct config_walk *w, const char *key, const yaml_node_t *kn,
		     const yaml_node_t *v)
{
	struct engine_config *c = w->cfg;

	for (size_t i = 0; engine_config_daemon_sections[i]; i++)
		if (strcmp(key, engine_config_daemon_sections[i]) == 0)
			return 0; /* rampartd's: it validates them */
	if (strcmp(key, "geoip-database") == 0)
		return path_scalar(w, v, "geoip-database", &c->geoip_database);
	if (strcmp(key, "reputation-categories-file") == 0)
		return path_scalar(w, v, "reputation-categories-file", &c->reputation_categories_file);
	if (strcmp(key, "default-reputation-path") == 0)
		return path_scalar(w, v, "default-reputation-path", &c->default_reputation_path);
	if (strcmp(key, "reputation-files") == 0)
		return path_list(w, v, "reputation-files", &c->reputation_files, &c->n_reputation_files);
	if (strcmp(key, "dataplane") == 0)
		return config_walk_mapping(w, v, "dataplane", dataplane_pair);
	if (strcmp(key, "firewall") == 0)
		return config_parse_firewall(w, v);
	if (strcmp(key, "vars") == 0)
		return config_walk_mapping(w, v, "vars", vars_pair);
	if (strcmp(key, "flow") == 0)
		return config_walk_mapping(w, v, "flow", flow_pair);
	if (strcmp(key, "decode") == 0)
		return config_walk_mapping(w, v, "decode", decode_pair);
	if (strcmp(key, "detect") == 0)
		return config_walk_mapping(w, v, "detect", detect_pair);
	if (strcmp(key, "eve") == 0)
		return config_walk_mapping(w, v, "eve", eve_pair);
	return config_walk_error(w, kn, "unknown key '%s'", key);
}

/* config_yaml's walker: ctx is a config_walk without its document yet. */
static int walk_root(void *ctx, yaml_document_t *doc, yaml_node_t *root)
{
	struct config_walk *w = ctx;

	w->doc = doc;
	if (!root)
		return 0; /* empty file: defaults */
	return config_walk_mapping(w, root, "top level", root_pair);
}

int engine_config_load_string(struct engine_config *cfg, const char *yaml, size_t len,
			      const char *name, char *err, size_t errlen)
{
	struct config_walk w = { .cfg = cfg, .name = name, .err = err, .errlen = errlen };

	return config_yaml_load_string(yaml, len, name, walk_root, &w, err, errlen);
}

int engine_config_load(struct engine_config *cfg, const char *path, char *err, size_t errlen)
{
	struct config_walk w = { .cfg = cfg, .name = path, .err = err, .errlen = errlen };

	return config_yaml_load_file(path, walk_root, &w, err, errlen);
}

void engine_config_init(struct engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->flow_max_flows = 0;      /* the flow table's default */
	cfg->flow_midstream = false;  /* like Suricata's stream.midstream */
	/* timeouts 0: the flow table's per-protocol defaults */
	cfg->checksum_validation = true;
	cfg->max_alerts_per_packet = ENGINE_CONFIG_DEFAULT_MAX_ALERTS;
	cfg->inspection_depth = ENGINE_CONFIG_DEFAULT_INSPECTION_DEPTH;
	cfg->dp_workers = ENGINE_CONFIG_DEFAULT_DP_WORKERS;
	cfg->dp_distribution = DP_DIST_AUTO;
	cfg->dp_failure_mode = DP_FAIL_OPEN;
	cfg->dp_watchdog_timeout_ms = ENGINE_CONFIG_DEFAULT_WATCHDOG_MS;
	cfg->dp_mbufs = ENGINE_CONFIG_DEFAULT_MBUFS;
	cfg->fw_default_action = FW_ACTION_ALLOW;
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
	for (size_t i = 0; i < cfg->n_dp_bridges; i++)
		free(cfg->dp_bridges[i]);
	for (size_t i = 0; i < cfg->n_dp_ports; i++)
		free(cfg->dp_ports[i]);
	free(cfg->dp_bridges);
	free(cfg->dp_ports);
	cfg->dp_bridges = cfg->dp_ports = NULL;
	cfg->n_dp_bridges = cfg->n_dp_ports = 0;
	config_firewall_free(cfg);
	free(cfg->geoip_database);
	free(cfg->reputation_categories_file);
	free(cfg->default_reputation_path);
	for (size_t i = 0; i < cfg->n_reputation_files; i++)
		free(cfg->reputation_files[i]);
	free(cfg->reputation_files);
	cfg->geoip_database = cfg->reputation_categories_file = cfg->default_reputation_path = NULL;
	cfg->reputation_files = NULL;
	cfg->n_reputation_files = 0;
}
