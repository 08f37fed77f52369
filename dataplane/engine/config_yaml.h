/*
 * config_yaml.h - read one YAML document (a file or a string) and hand its
 * root node to a caller's walker.
 *
 * Owns the libyaml parser and document for the length of one call; the
 * walker borrows both and must not keep pointers into them. Callers: the
 * engine's config loader (config.c) and rampartd's (ctrlplane/daemon/
 * daemon_config.c), which walk different schemas over the same read path
 * and report errors the same way ("NAME:LINE: message"). Start-up and
 * control threads only; no shared state.
 */
#ifndef RAMPART_ENGINE_CONFIG_YAML_H
#define RAMPART_ENGINE_CONFIG_YAML_H

#include <stddef.h>

#include <yaml.h>

/*
 * Called once per load with the parsed document and its root node; root is
 * NULL for an empty document. Returns 0, or -1 having written err itself.
 */
typedef int (*config_yaml_root_fn)(void *ctx, yaml_document_t *doc, yaml_node_t *root);

/*
 * Parse `path` and call fn(ctx, doc, root). 0, or -1 with err: "PATH:
 * reason" when the file cannot be opened or read, "PATH:LINE: problem" on
 * a YAML error, or whatever fn wrote.
 */
int config_yaml_load_file(const char *path, config_yaml_root_fn fn, void *ctx, char *err,
			  size_t errlen);

/* The same for `len` bytes of YAML text; `name` stands for the file in
 * messages. */
int config_yaml_load_string(const char *yaml, size_t len, const char *name, config_yaml_root_fn fn,
			    void *ctx, char *err, size_t errlen);

#endif
