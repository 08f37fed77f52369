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
 *     inspection-depth: 1mb      # payload bytes per flow direction; 0 = no limit
 *   eve:
 *     append: false
 *   dataplane:                   # read by rampart-dp's inline mode
 *     workers: 1                 # 1..64
 *     distribution: auto         # auto | rss | software
 *     failure-mode: fail-open    # fail-open | fail-closed
 *     watchdog-timeout-ms: 500   # 10..60000
 *     mbufs: 16384               # per-port pool, 1024..1048576
 *     bridges: ["eth1:eth2"]     # interface pairs, as --bridge (flags win)
 *     ports: ["0000:03:00.0:0000:03:00.1"]  # DPDK port pairs, as --ports
 *     pmd: auto                  # auto | af_xdp | af_packet, as --pmd
 *   firewall:                    # the stateful firewall (policy/policy.h)
 *     zones: { outside: [bridge-a], inside: [bridge-b] }
 *     address-sets: { mgmt: ["10.255.0.0/16", "fd00:ff::/32"] }
 *     default-action: allow      # allow | deny | reject
 *     rules:                     # first match wins
 *       - { name: x, ingress: outside, proto: tcp, src: any, dst: $HOME_NET,
 *           src-port: any, dst-port: [135-139, 445], action: deny, log: true }
 *
 * The firewall section is only checked for shape here (known keys, action
 * and protocol names, list syntax); addresses, ports, variables and zone
 * names are resolved by fw_policy_build(), whose errors name the rule.
 * Sequences in src/dst/ports become the rule language's "[a,b]" text, and a
 * port range written "a-b" becomes "a:b", so they mean what they mean in rules.
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

/* What the firewall does with a flow (firewall.default-action, rules[].action). */
enum fw_action {
	FW_ACTION_ALLOW = 0,
	FW_ACTION_DENY,   /* drop the packet and the rest of its flow */
	FW_ACTION_REJECT, /* as deny, and the data plane sends RST / ICMP unreachable */
};

/* firewall.rules[].proto: a protocol number 0..255, or one of these. */
#define FW_PROTO_ANY  (-1) /* any IP protocol */
#define FW_PROTO_ICMP (-2) /* "icmp": ICMP on IPv4, ICMPv6 on IPv6 */

/* One firewall.zones entry: zone name -> interface names or bridge-a/b. */
struct fw_zone_config {
	char *name;
	char **members;
	size_t n_members;
	uint32_t line;
};

/* One firewall.address-sets entry: name -> prefixes ("10.0.0.0/8", "fd00::/8"). */
struct fw_address_set_config {
	char *name;
	char **prefixes;
	size_t n_prefixes;
	uint32_t line;
};

/* One firewall.rules[] entry, as written (texts resolved by fw_policy_build). */
struct fw_rule_config {
	char *name;         /* "rule-N" (N = index) when the file gives none */
	char *ingress;      /* zone name; NULL = any */
	char *src, *dst;    /* address expression text; "any" when absent */
	char *src_port, *dst_port; /* port expression text; "any" when absent */
	int16_t proto;      /* 0..255, FW_PROTO_ANY or FW_PROTO_ICMP */
	uint8_t action;     /* enum fw_action (required key) */
	bool log;
	uint32_t line;      /* line of the rule in the config file */
};

/* dataplane.distribution */
enum dp_distribution { DP_DIST_AUTO = 0, DP_DIST_RSS, DP_DIST_SOFTWARE };
/* dataplane.pmd: the driver for dataplane.bridges (the flag --pmd wins) */
enum dp_pmd { DP_PMD_AUTO = 0, DP_PMD_AF_XDP, DP_PMD_AF_PACKET };
/* dataplane.failure-mode */
enum dp_failure_mode { DP_FAIL_OPEN = 0, DP_FAIL_CLOSED };

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
	uint64_t inspection_depth;  /* payload bytes per flow direction; 0 = unlimited */

	/* eve */
	bool eve_append;

	/* dataplane (rampart-dp inline mode) */
	uint32_t dp_workers;
	uint8_t dp_distribution;        /* enum dp_distribution */
	uint8_t dp_failure_mode;        /* enum dp_failure_mode */
	uint32_t dp_watchdog_timeout_ms;
	uint32_t dp_mbufs;
	char **dp_bridges;              /* dataplane.bridges: "IFACE_A:IFACE_B", as --bridge */
	size_t n_dp_bridges;
	char **dp_ports;                /* dataplane.ports: "DEV_A:DEV_B", as --ports */
	size_t n_dp_ports;
	uint8_t dp_pmd;                 /* enum dp_pmd */

	/* firewall: fw_present is false when the file has no firewall section
	 * (then no policy is built and nothing of DPDK is touched) */
	bool fw_present;
	uint8_t fw_default_action;      /* enum fw_action */
	struct fw_zone_config *fw_zones;
	size_t n_fw_zones;
	struct fw_address_set_config *fw_address_sets;
	size_t n_fw_address_sets;
	struct fw_rule_config *fw_rules;
	size_t n_fw_rules;

	/* GeoIP and IP reputation (Suricata's top-level keys, same meaning):
	 * read by the rule keywords geoip / iprep and by firewall address
	 * sets; NULL / 0 when not configured */
	char *geoip_database;               /* geoip-database: an mmdb file */
	char *reputation_categories_file;   /* reputation-categories-file */
	char *default_reputation_path;      /* default-reputation-path: base of relative reputation-files */
	char **reputation_files;            /* reputation-files: [..] */
	size_t n_reputation_files;

	/* set by the front end, not by the file */
	uint8_t mode;               /* enum engine_mode */
	uint32_t alert_ring_size;   /* records per worker ring (power of two) */
};

#define ENGINE_CONFIG_DEFAULT_MAX_ALERTS    15u
#define ENGINE_CONFIG_DEFAULT_ALERT_RING    8192u
#define ENGINE_CONFIG_MAX_ALERTS_LIMIT      1024u
#define ENGINE_CONFIG_DEFAULT_INSPECTION_DEPTH 1048576u
#define ENGINE_CONFIG_DEFAULT_DP_WORKERS    1u
#define ENGINE_CONFIG_DEFAULT_WATCHDOG_MS   500u
#define ENGINE_CONFIG_DEFAULT_MBUFS         16384u

/*
 * Top-level sections that belong to rampartd (ctrlplane/): the engine's
 * loader accepts them without reading them, so one rampart.yaml serves the
 * daemon and the data plane; rampartd validates them. NULL-terminated.
 */
extern const char *const engine_config_daemon_sections[];

/* Names for messages and stats: "allow", "deny", "reject"; "auto", "rss",
 * "software"; "fail-open", "fail-closed". "unknown" when out of range. */
const char *fw_action_name(uint8_t action);
const char *dp_distribution_name(uint8_t d);
const char *dp_failure_mode_name(uint8_t m);

/*
 * A size as Suricata writes it: "1048576", "512kb", "1mb", "2gb" (k/m/g,
 * optional b, any case, powers of 1024). 0, or -1 when malformed or too big.
 */
int engine_config_parse_size(const char *text, uint64_t *out);

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

/* Free what engine_config_load/set_var allocated; *cfg returns to empty vars
 * and no firewall section. */
void engine_config_free(struct engine_config *cfg);

#endif /* RAMPART_ENGINE_CONFIG_H */
