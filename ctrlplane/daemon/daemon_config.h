/*
 * daemon_config.h - rampartd's view of rampart.yaml.
 *
 * Contract: rampartd_config_load() reads the sections the daemon owns
 * (rampartd:, outputs:, metrics:, default-rule-path, rule-files,
 * classification-file, threshold-file) into a struct rampartd_config, and
 * also runs the engine's loader (engine_config_load) on the same file so a
 * mistake in vars:/firewall:/flow: is reported at daemon start, not at the
 * first data-plane load. Every error is one line "FILE:LINE: key: message"
 * (the engine's errors already have that shape); an unknown key in a daemon
 * section is an error.
 *
 * The sub-structs are what the other control-plane modules take:
 *   rules manager (ctrlplane/rules)   <- struct rampartd_rules_cfg (rampartd_rules_mgr_config)
 *   export sinks  (ctrlplane/export)  <- struct export_config (its own parser, called from here)
 *   metrics       (ctrlplane/metrics) <- struct metrics_config (likewise)
 * Strings are owned by the config and live until rampartd_config_free().
 *
 * Thread rules: load once on the main thread at start-up; read-only after.
 */
#ifndef RAMPART_CTRLPLANE_DAEMON_CONFIG_H
#define RAMPART_CTRLPLANE_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrlplane/export/export.h"
#include "ctrlplane/metrics/metrics.h"
#include "dataplane/engine/config.h"

#define RAMPARTD_DEFAULT_SOCKET     "/run/rampart/rampartd.sock"
#define RAMPARTD_DEFAULT_STATE_DIR  "/var/lib/rampart"
#define RAMPARTD_DEFAULT_AUDIT_LOG  "/var/log/rampart/audit.log"
#define RAMPARTD_DEFAULT_RULE_PATH  "/usr/share/rampart/rules"

/* The rule keys (Suricata's names) plus where the daemon keeps its state. */
struct rampartd_rules_cfg {
	const char *config_path;         /* rampart.yaml itself (vars for compiling) */
	const struct engine_config *engine; /* its engine sections, already loaded */
	const char *state_dir;           /* STATE: rule toggles live under it */
	char *default_rule_path;         /* default-rule-path */
	char **rule_files;               /* rule-files: names under default-rule-path,
	                                  * absolute paths, or directories (every *.rules) */
	size_t n_rule_files;
	char *classification_file;       /* NULL: beside the rules, else the bundled copy */
	char *threshold_file;            /* NULL: none */
};

struct rampartd_config {
	char *path;                      /* the file it came from */
	/* rampartd: */
	char *socket;                    /* the listening socket (--socket wins) */
	char *socket_group;              /* NULL: root (and the daemon's uid) only */
	char *state_dir;                 /* --state-dir wins */
	char *audit_log;
	struct rampartd_rules_cfg rules;
	struct export_config outputs;    /* outputs: (parsed by export_config_parse) */
	struct metrics_config metrics;   /* metrics: (parsed by metrics_config_parse) */
	struct engine_config engine;     /* the engine's sections (vars, firewall, ...) */
};

/*
 * Load `path`. Defaults first, then the file. Returns 0, or -1 with one line
 * "FILE:LINE: key: message" (or "FILE: reason" when unreadable) in err.
 * Free with rampartd_config_free() in both cases.
 */
int rampartd_config_load(struct rampartd_config *cfg, const char *path, char *err, size_t errlen);

/* The rules manager's view of cfg->rules (pointers into cfg). */
struct rules_mgr_config;
void rampartd_rules_mgr_config(const struct rampartd_config *cfg, struct rules_mgr_config *out);

/* Override socket / state-dir from the command line (NULL keeps); 0 or -1 (ENOMEM). */
int rampartd_config_override(struct rampartd_config *cfg, const char *socket, const char *state_dir);

void rampartd_config_free(struct rampartd_config *cfg);

#endif /* RAMPART_CTRLPLANE_DAEMON_CONFIG_H */
