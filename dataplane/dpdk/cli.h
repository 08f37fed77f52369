/*
 * cli.h - rampart-dp's command line.
 *
 * Contract: cli_parse() turns argv into struct cli_options without touching
 * files or DPDK; main() then validates the inputs. Everything after a bare
 * "--" is handed to the EAL untouched. The command line is a stable
 * interface (DESIGN.md "Interfaces"): extend it, never change a flag.
 * Exactly one of --pcap (offline) and --bridge (inline) is given; this
 * version bridges one interface pair with one worker, so a second --bridge
 * and --workers other than 1 are usage errors.
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
	CLI_PMD_AF_PACKET = 0, /* net_af_packet: works on any interface (default) */
	CLI_PMD_AF_XDP,        /* net_af_xdp: native XDP, faster */
};

struct cli_options {
	const char *pcap_path;      /* --pcap (points into argv) */
	char *bridge_a;             /* --bridge A:B, first interface (owned) */
	char *bridge_b;             /* --bridge A:B, second interface (owned) */
	enum cli_pmd pmd;           /* --pmd, bridge mode only */
	const char **rules_paths;   /* --rules, in order (array owned) */
	size_t n_rules_paths;
	const char *eve_path;       /* --eve */
	const char *config_path;    /* --config, NULL if none */
	const char *stats_path;     /* --stats, NULL if none */
	bool simulate_ips;          /* --simulate-ips */
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

/* Parse argv. On CLI_USAGE_ERROR `err` holds one line naming the flag. */
enum cli_result cli_parse(int argc, char **argv, struct cli_options *o, char *err, size_t errlen);

void cli_print_usage(FILE *out);

void cli_options_free(struct cli_options *o);

#endif /* RAMPART_DPDK_CLI_H */
