/*
 * config.h - the engine's run-time configuration and its YAML loader.
 *
 * Contract: a front end (rampart-dp, rampart-nfq) fills a struct
 * engine_config with engine_config_init() (built-in defaults), then
 * optionally engine_config_load() (the --config FILE), then applies its
 * own flags on top. The result is read-only while workers run.
 *
 * The file layout follows Suricata's where the meaning is the same, so users
 * can paste their sections:
 *
 *   vars:
 *     address-groups: { HOME_NET: "[10.0.0.0/8]", EXTERNAL_NET: "!$HOME_NET" }
 *     port-groups:    { HTTP_PORTS: "80" }
 *   flow:
 *     max-flows: 262144
 *     midstream: false
 *     timeouts: { new: 30, established: 300, closed: 10 }   # seconds
 *   decode:
 *     checksum-validation: false
 *   detect:
 *     max-alerts-per-packet: 15
 *   eve:
 *     append: false
 *
 * Every error names the file, the line and the dotted key ("flow.max-flows");
 * an unknown key is an error, so a typo never silently does nothing.
 *
 * Thread rules: load on one thread at start-up; read-only afterwards.
 */
#ifndef RAMPART_ENGINE_CONFIG_H
#define RAMPART_ENGINE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How verdicts are used. */
enum engine_mode {
	ENGINE_MODE_IDS = 0,      /* verdicts ignored: every packet passes */
	ENGINE_MODE_SIMULATE_IPS, /* offline: drop/reject block and emit drop records */
	ENGINE_MODE_IPS,          /* inline: as simulate, and the front end enforces */
};

/* One rule variable as set by the config file (or --var). */
struct engine_config_var {
	char *name;   /* "HOME_NET" (no '$') */
	char *value;  /* "[10.0.0.0/8]" */
	bool is_port; /* from port-groups */
};

struct engine_config {
	/* vars, in the order they were set; later entries win */
	struct engine_config_var *vars;
	size_t n_vars;

	/* flow: 0 keeps the flow table's default (per protocol for timeouts);
	 * a timeout set here applies to every protocol (closed: TCP only) */
	uint32_t flow_max_flows;
	bool flow_midstream;
	uint32_t flow_timeout_new_sec;
	uint32_t flow_timeout_established_sec;
	uint32_t flow_timeout_closed_sec;

	/* decode */
	bool checksum_validation;

	/* detect */
	uint32_t max_alerts_per_packet;

	/* eve */
	bool eve_append;

	/* set by the front end, not by the file */
	uint8_t mode;               /* enum engine_mode */
	uint32_t alert_ring_size;   /* records per worker ring (power of two) */
};

#define ENGINE_CONFIG_DEFAULT_MAX_ALERTS    15u
#define ENGINE_CONFIG_DEFAULT_ALERT_RING    8192u
#define ENGINE_CONFIG_MAX_ALERTS_LIMIT      1024u

/* Fill *cfg with the built-in defaults. Never fails. */
void engine_config_init(struct engine_config *cfg);

/*
 * Read the YAML file at `path` into *cfg (keys present override what is
 * there). Returns 0, or -1 with a one-line message "PATH:LINE: ..." in err.
 * On error *cfg may be partly updated; free it with engine_config_free().
 */
int engine_config_load(struct engine_config *cfg, const char *path, char *err, size_t errlen);

/* Same, from a string in memory (`name` is used in messages). For tests. */
int engine_config_load_string(struct engine_config *cfg, const char *yaml, size_t len,
			      const char *name, char *err, size_t errlen);

/* Append (or replace) a variable. Returns 0, or -1 when out of memory. */
int engine_config_set_var(struct engine_config *cfg, const char *name, const char *value,
			  bool is_port);

/* Free what engine_config_load/set_var allocated; *cfg returns to empty vars. */
void engine_config_free(struct engine_config *cfg);

#endif /* RAMPART_ENGINE_CONFIG_H */
