/*
 * metrics_config.c - rampart.yaml's `metrics:` section.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ctrlplane/metrics/metrics.h"

void metrics_config_defaults(struct metrics_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->enabled = true;
	snprintf(cfg->listen, sizeof(cfg->listen), "%s", METRICS_DEFAULT_LISTEN);
}

static int fail(const char *file, const yaml_node_t *n, const char *key, const char *msg, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s:%lu: metrics%s%s: %s", file, (unsigned long)n->start_mark.line + 1, key ? "." : "",
		 key ? key : "", msg);
	return -1;
}

static int get_bool(const yaml_node_t *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
	const char *s = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : NULL;

	for (unsigned i = 0; s && i < 4; i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -1;
}

int metrics_config_parse(const yaml_document_t *cdoc, const yaml_node_t *metrics, const char *file,
			 struct metrics_config *cfg, char *err, size_t errlen)
{
	yaml_document_t *doc = (yaml_document_t *)cdoc; /* libyaml's getters are not const */

	file = file ? file : "-";
	if (!metrics)
		return 0;
	if (metrics->type != YAML_MAPPING_NODE)
		return fail(file, metrics, NULL, "expected a mapping {enabled, listen, allow-remote}", err, errlen);
	for (yaml_node_pair_t *p = metrics->data.mapping.pairs.start; p < metrics->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key), *v = yaml_document_get_node(doc, p->value);
		const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : NULL;

		if (!key || !v)
			return fail(file, k ? k : metrics, NULL, "expected scalar keys", err, errlen);
		if (!strcmp(key, "enabled") || !strcmp(key, "allow-remote")) {
			if (get_bool(v, !strcmp(key, "enabled") ? &cfg->enabled : &cfg->allow_remote) < 0)
				return fail(file, v, key, "expected yes or no", err, errlen);
		} else if (!strcmp(key, "listen")) {
			struct sockaddr_storage ss;
			socklen_t sslen;
			char why[256];
			const char *s = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";

			if (strlen(s) >= sizeof(cfg->listen) ||
			    metrics_parse_listen(s, &ss, &sslen, why, sizeof(why)) < 0)
				return fail(file, v, key, "expected ADDRESS:PORT or [V6ADDRESS]:PORT (address literal or "
							  "localhost)", err, errlen);
			snprintf(cfg->listen, sizeof(cfg->listen), "%s", s);
		} else {
			return fail(file, k, key, "unknown key", err, errlen);
		}
	}
	return 0;
}
