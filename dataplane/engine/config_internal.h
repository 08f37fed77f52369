/*
 * config_internal.h - what the config loader's files (config.c: the walk and
 * the engine sections; config_firewall.c: the firewall section) share.
 * Not for other modules: the contract is config.h.
 */
#ifndef RAMPART_ENGINE_CONFIG_INTERNAL_H
#define RAMPART_ENGINE_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "dataplane/engine/config.h"

struct config_walk {
	struct engine_config *cfg;
	yaml_document_t *doc;
	const char *name; /* file name for messages */
	char *err;
	size_t errlen;
};

/* "NAME:LINE: message" into w->err (line of `node`); returns -1. */
int config_walk_error(struct config_walk *w, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *config_scalar_text(const yaml_node_t *node);

/* Typed scalars; `key` is the dotted name used in messages. 0 or -1. */
int config_parse_bool(struct config_walk *w, const yaml_node_t *node, const char *key, bool *out);
int config_parse_u32(struct config_walk *w, const yaml_node_t *node, const char *key,
		     uint32_t min, uint32_t max, uint32_t *out);
/* A scalar that must be one of names[n]: its index in *out. */
int config_parse_choice(struct config_walk *w, const yaml_node_t *node, const char *key,
			const char *const *names, size_t n, const char *expected, uint8_t *out);

/*
 * Iterate a mapping's pairs: calls `fn` with each scalar key. Non-scalar keys
 * and non-mapping nodes are errors naming `where`; an empty value ("flow:")
 * is an empty mapping.
 */
typedef int (*pair_fn)(struct config_walk *w, const char *key, const yaml_node_t *key_node,
		       const yaml_node_t *value);
int config_walk_mapping(struct config_walk *w, const yaml_node_t *map, const char *where, pair_fn fn);

/* config_firewall.c: the firewall: section (replaces an earlier one whole),
 * and freeing what it allocated (cfg then has no firewall section). */
int config_parse_firewall(struct config_walk *w, const yaml_node_t *v);
void config_firewall_free(struct engine_config *cfg);

#endif /* RAMPART_ENGINE_CONFIG_INTERNAL_H */
