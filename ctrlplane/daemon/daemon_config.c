/*
 * daemon_config.c - rampartd's sections of rampart.yaml (libyaml document API).
 *
 * The engine's loader skips these sections (engine_config_daemon_sections);
 * this file checks them with the same care: every key known, every value
 * typed, every error naming FILE:LINE and the dotted key.
 */
#include "ctrlplane/daemon/daemon_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ctrlplane/rules/rules_mgr.h"
#include "dataplane/engine/config_yaml.h"

struct walk {
	struct rampartd_config *cfg;
	yaml_document_t *doc;
	const char *name;
	char *err;
	size_t errlen;
};

static int walk_error(struct walk *w, const yaml_node_t *node, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int walk_error(struct walk *w, const yaml_node_t *node, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *c = msg; *c; c++) /* values come from the file: one line */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	snprintf(w->err, w->errlen, "%s:%zu: %s: %s", w->name,
		 node ? (size_t)node->start_mark.line + 1 : (size_t)0, key, msg);
	return -1;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int get_string(struct walk *w, const yaml_node_t *v, const char *key, char **out)
{
	char *copy;

	if (v->type != YAML_SCALAR_NODE || v->data.scalar.length == 0)
		return walk_error(w, v, key, "expected a non-empty string");
	copy = strdup(scalar(v));
	if (!copy)
		return walk_error(w, v, key, "out of memory");
	free(*out);
	*out = copy;
	return 0;
}

typedef int (*pair_fn)(struct walk *w, const char *key, const yaml_node_t *kn, const yaml_node_t *v);

/* Walk a mapping named `where` ("outputs.eve"); an empty value is an empty mapping. */
static int walk_mapping(struct walk *w, const yaml_node_t *map, const char *where, pair_fn fn)
{
	if (map->type == YAML_SCALAR_NODE && map->data.scalar.length == 0)
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return walk_error(w, map, where, "expected a mapping");
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(w->doc, p->value);

		if (!k || !v || k->type != YAML_SCALAR_NODE)
			return walk_error(w, map, where, "keys must be plain names");
		if (fn(w, scalar(k), k, v) != 0)
			return -1;
	}
	return 0;
}

static int unknown(struct walk *w, const yaml_node_t *kn, const char *where, const char *key)
{
	char dotted[160];

	snprintf(dotted, sizeof(dotted), "%s.%s", where, key);
	return walk_error(w, kn, dotted, "unknown key");
}

static int rampartd_pair(struct walk *w, const char *key, const yaml_node_t *kn, const yaml_node_t *v)
{
	struct rampartd_config *c = w->cfg;

	if (strcmp(key, "socket") == 0)
		return get_string(w, v, "rampartd.socket", &c->socket);
	if (strcmp(key, "socket-group") == 0)
		return get_string(w, v, "rampartd.socket-group", &c->socket_group);
	if (strcmp(key, "state-dir") == 0)
		return get_string(w, v, "rampartd.state-dir", &c->state_dir);
	if (strcmp(key, "audit-log") == 0)
		return get_string(w, v, "rampartd.audit-log", &c->audit_log);
	return unknown(w, kn, "rampartd", key);
}

/* rule-files: a sequence of names (a single scalar is accepted as one name). */
static int rule_files(struct walk *w, const yaml_node_t *v)
{
	struct rampartd_rules_cfg *r = &w->cfg->rules;

	for (size_t i = 0; i < r->n_rule_files; i++)
		free(r->rule_files[i]);
	free(r->rule_files);
	r->rule_files = NULL;
	r->n_rule_files = 0;
	if (v->type == YAML_SCALAR_NODE) {
		r->rule_files = calloc(1, sizeof(char *));
		if (!r->rule_files)
			return walk_error(w, v, "rule-files", "out of memory");
		r->n_rule_files = 1;
		return get_string(w, v, "rule-files", &r->rule_files[0]);
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return walk_error(w, v, "rule-files", "expected a list of file names");
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	r->rule_files = calloc(n ? n : 1, sizeof(char *));
	if (!r->rule_files)
		return walk_error(w, v, "rule-files", "out of memory");
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = yaml_document_get_node(w->doc, v->data.sequence.items.start[i]);

		if (!item)
			return walk_error(w, v, "rule-files", "malformed list");
		r->n_rule_files++;
		if (get_string(w, item, "rule-files", &r->rule_files[i]) != 0)
			return -1;
	}
	return 0;
}

static int root_pair(struct walk *w, const char *key, const yaml_node_t *kn, const yaml_node_t *v)
{
	struct rampartd_rules_cfg *r = &w->cfg->rules;

	(void)kn;
	if (strcmp(key, "rampartd") == 0)
		return walk_mapping(w, v, "rampartd", rampartd_pair);
	/* The sinks' and the endpoint's owners parse their sections (same
	 * FILE:LINE: key: message shape). */
	if (strcmp(key, "outputs") == 0)
		return export_config_parse(w->doc, v, w->name, &w->cfg->outputs, w->err, w->errlen);
	if (strcmp(key, "metrics") == 0)
		return metrics_config_parse(w->doc, v, w->name, &w->cfg->metrics, w->err, w->errlen);
	if (strcmp(key, "default-rule-path") == 0)
		return get_string(w, v, "default-rule-path", &r->default_rule_path);
	if (strcmp(key, "rule-files") == 0)
		return rule_files(w, v);
	if (strcmp(key, "classification-file") == 0)
		return get_string(w, v, "classification-file", &r->classification_file);
	if (strcmp(key, "threshold-file") == 0)
		return get_string(w, v, "threshold-file", &r->threshold_file);
	return 0; /* an engine section: engine_config_load checks it */
}

static int set_default(char **field, const char *value)
{
	if (*field)
		return 0;
	*field = strdup(value);
	return *field ? 0 : -1;
}

static int fill_defaults(struct rampartd_config *c)
{
	int rc = 0;

	rc |= set_default(&c->socket, RAMPARTD_DEFAULT_SOCKET);
	rc |= set_default(&c->state_dir, RAMPARTD_DEFAULT_STATE_DIR);
	rc |= set_default(&c->audit_log, RAMPARTD_DEFAULT_AUDIT_LOG);
	rc |= set_default(&c->rules.default_rule_path, RAMPARTD_DEFAULT_RULE_PATH);
	if (!c->rules.rule_files) {
		c->rules.rule_files = calloc(1, sizeof(char *));
		if (!c->rules.rule_files)
			return -1;
		c->rules.rule_files[0] = strdup("rampart-default.rules");
		if (!c->rules.rule_files[0])
			return -1;
		c->rules.n_rule_files = 1;
	}
	c->rules.config_path = c->path;
	c->rules.state_dir = c->state_dir;
	c->rules.engine = &c->engine;
	return rc;
}

/* config_yaml's walker: ctx is a walk without its document yet. */
static int walk_root(void *ctx, yaml_document_t *doc, yaml_node_t *root)
{
	struct walk *w = ctx;

	w->doc = doc;
	return root ? walk_mapping(w, root, "top level", root_pair) : 0;
}

static int walk_file(struct rampartd_config *cfg, const char *path, char *err, size_t errlen)
{
	struct walk w = { .cfg = cfg, .name = path, .err = err, .errlen = errlen };

	return config_yaml_load_file(path, walk_root, &w, err, errlen);
}

int rampartd_config_load(struct rampartd_config *cfg, const char *path, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	engine_config_init(&cfg->engine);
	export_config_defaults(&cfg->outputs);
	metrics_config_defaults(&cfg->metrics);
	cfg->path = strdup(path);
	if (!cfg->path) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (walk_file(cfg, path, err, errlen) != 0)
		return -1;
	/* The engine sections (vars, firewall, flow, ...): same file, same rules. */
	if (engine_config_load(&cfg->engine, path, err, errlen) != 0)
		return -1;
	if (fill_defaults(cfg) != 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

void rampartd_rules_mgr_config(const struct rampartd_config *cfg, struct rules_mgr_config *out)
{
	memset(out, 0, sizeof(*out));
	out->default_rule_path = cfg->rules.default_rule_path;
	out->rule_files = (const char *const *)cfg->rules.rule_files;
	out->n_rule_files = cfg->rules.n_rule_files;
	out->classification_file = cfg->rules.classification_file;
	out->threshold_file = cfg->rules.threshold_file;
	out->engine = &cfg->engine;
}

int rampartd_config_override(struct rampartd_config *cfg, const char *socket, const char *state_dir)
{
	if (socket) {
		char *s = strdup(socket);

		if (!s)
			return -1;
		free(cfg->socket);
		cfg->socket = s;
	}
	if (state_dir) {
		char *s = strdup(state_dir);

		if (!s)
			return -1;
		free(cfg->state_dir);
		cfg->state_dir = s;
		cfg->rules.state_dir = s;
	}
	return 0;
}

void rampartd_config_free(struct rampartd_config *cfg)
{
	struct rampartd_rules_cfg *r = &cfg->rules;

	free(cfg->path);
	free(cfg->socket);
	free(cfg->socket_group);
	free(cfg->state_dir);
	free(cfg->audit_log);
	free(r->default_rule_path);
	for (size_t i = 0; i < r->n_rule_files; i++)
		free(r->rule_files[i]);
	free(r->rule_files);
	free(r->classification_file);
	free(r->threshold_file);
	engine_config_free(&cfg->engine);
	memset(cfg, 0, sizeof(*cfg));
}
