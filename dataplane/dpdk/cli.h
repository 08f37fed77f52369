/*
 * cli.h - rampart-dp's command line.
 *
 * Contract: cli_parse() turns argv into struct cli_options without touching
 * files or DPDK; main() then validates the inputs. Everything after a bare
 * "--" is handed to the EAL untouched. The command line is a stable
 * interface (DESIGN.md "Interfaces"): extend it, never change a flag.
 * Exactly one mode: --pcap (offline), or inline with one or more --bridge
 * (kernel interface pairs) and/or --ports (DPDK port pairs) pairs.
 * Inline mode may be managed (--managed SOCKET: attached to rampartd).
 *
 * Thread rules: main thread, start-up only.
 */
#ifndef RAMPART_DPDK_CLI_H
#define RAMPART_DPDK_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cli_var {
	char *name;  /* owned */
	char *value; /* owned */
};

/* Packet I/O for --bridge: which kernel-interface PMD carries the ports. */
enum cli_pmd {
	CLI_PMD_AUTO = 0,      /* net_af_xdp, else net_af_packet (default) */
	CLI_PMD_AF_PACKET,     /* net_af_packet: works on any interface */
	CLI_PMD_AF_XDP,        /* net_af_xdp: native XDP, faster */
};

/* One inline port pair: two kernel interfaces (--bridge) or two DPDK
 * ethdev names (--ports, devices made by the EAL arguments or NICs). */
struct cli_pair {
	char *a, *b;     /* owned */
	bool dpdk_ports; /* --ports */
};

#define CLI_MAX_PAIRS 8

/* --test-fault: failure injection for the e2e tests (see --help). */
enum cli_fault {
	CLI_FAULT_NONE = 0,
	CLI_FAULT_STALL_WORKER, /* on SIGUSR1, worker `fault_arg` stops polling */
	CLI_FAULT_DELAY_RULES,  /* rules compile `fault_arg` seconds after forwarding starts */
	CLI_FAULT_DRAIN_MBUFS,  /* on SIGUSR1 take pool mbufs below low water; SIGUSR2 returns them */
};

struct cli_options {
	const char *pcap_path;      /* --pcap (points into argv) */
	char *bridge_a;             /* first pair's A side (alias of pairs[0].a), NULL offline */
	char *bridge_b;             /* first pair's B side */
	struct cli_pair pairs[CLI_MAX_PAIRS]; /* --bridge / --ports, in order */
	unsigned n_pairs;
	enum cli_pmd pmd;           /* --pmd, bridge mode only */
	bool pmd_given;             /* --pmd was on the command line (else config / auto) */
	unsigned workers;           /* --workers, 0 = config / default */
	int fail_mode;              /* --fail-mode: -1 unset, 0 open, 1 closed */
	double duration;            /* --duration seconds, 0 = until a signal */
	enum cli_fault fault;       /* --test-fault */
	unsigned fault_arg;
	const char **rules_paths;   /* --rules, in order (array owned) */
	size_t n_rules_paths;
	const char *eve_path;       /* --eve */
	const char *config_path;    /* --config, NULL if none */
	const char *stats_path;     /* --stats, NULL if none */
	const char *managed_socket; /* --managed: rampartd's socket (inline only); then
	                               --rules and --eve are optional */
	bool simulate_ips;          /* --simulate-ips */
	bool no_rules;              /* --no-rules: inline firewall only, no signatures */
	struct cli_var *vars;       /* --var NAME=VALUE, in order (owned) */
	size_t n_vars;
	char **eal_argv;            /* arguments after "--" (points into argv) */
	int eal_argc;
};

enum cli_result {
	CLI_OK = 0,
	CLI_EXIT_HELP,   /* --help / --version printed: exit 0 */
	CLI_USAGE_ERROR, /* message in err: exit 2 */
};

/*
 * Add an "A:B" pair as --bridge or --ports (flag) would; main() uses it for
 * the config file's dataplane.bridges / dataplane.ports. 0 or -1 with err.
 */
int cli_add_pair(struct cli_options *o, const char *flag, const char *v, char *err, size_t errlen);

/* Parse argv. On CLI_USAGE_ERROR `err` holds one line naming the flag. */
enum cli_result cli_parse(int argc, char **argv, struct cli_options *o, char *err, size_t errlen);

void cli_print_usage(FILE *out);

void cli_options_free(struct cli_options *o);

#endif /* RAMPART_DPDK_CLI_H */
