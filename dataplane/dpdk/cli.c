/*
 * cli.c - rampart-dp argument parsing.
 *
 * Hand-written rather than getopt_long: every error must name the flag in
 * one line, "--flag=VALUE" and "--flag VALUE" are both accepted, and a bare
 * "--" must stop parsing without argv being permuted.
 */
#include "dataplane/dpdk/cli.h"

#include <stdlib.h>
#include <string.h>

#ifndef RAMPART_VERSION
#define RAMPART_VERSION "unknown"
#endif

void cli_print_usage(FILE *out)
{
	fputs("usage: rampart-dp --pcap FILE --rules PATH [--rules PATH ...] --eve FILE\n"
	      "                  [--simulate-ips] [--config FILE] [--var NAME=VALUE ...]\n"
	      "                  [--stats FILE] [-- EAL ARGS]\n"
	      "       rampart-dp --bridge IFACE_A:IFACE_B [--bridge ...] --rules PATH [...]\n"
	      "                  --eve FILE [--workers N] [--pmd auto|af_xdp|af_packet]\n"
	      "                  [--fail-mode fail-open|fail-closed] [--duration SECS]\n"
	      "                  [--config FILE] [--var NAME=VALUE ...] [--stats FILE]\n"
	      "                  [-- EAL ARGS]\n"
	      "       rampart-dp --ports DEV_A:DEV_B [--ports ...] ... (as --bridge)\n"
	      "       rampart-dp --bridge A:B [...] --managed SOCKET [--config FILE]\n"
	      "                  [--workers N] [--fail-mode ...] [-- EAL ARGS]\n"
	      "\n"
	      "  --pcap FILE        read packets from a capture (offline mode)\n"
	      "  --bridge A:B       forward between kernel interfaces A and B (inline IPS:\n"
	      "                     drop rules drop, reject rules also send TCP resets\n"
	      "                     or ICMP unreachable); repeatable; runs until\n"
	      "                     SIGINT/SIGTERM\n"
	      "  --ports A:B        forward between DPDK ports A and B (ethdev names such\n"
	      "                     as net_null0 made by '-- --vdev ...', or PCI NICs)\n"
	      "  --pmd NAME         bridge port driver: auto (af_xdp, else af_packet),\n"
	      "                     af_xdp or af_packet\n"
	      "  --workers N        worker lcores (default: config dataplane.workers, 1)\n"
	      "  --fail-mode MODE   fail-open or fail-closed when rules are not loaded yet,\n"
	      "                     a worker stalls, pools run low or TX is full\n"
	      "  --duration SECS    inline: stop by itself after SECS (as on SIGINT)\n"
	      "  --managed SOCKET   inline: attach to rampartd's socket; the daemon supplies\n"
	      "                     rules and policy and takes the alerts (--rules is then\n"
	      "                     the set until its first load, --eve an extra copy)\n"
	      "  --rules PATH       rules file, or directory of *.rules (repeatable)\n"
	      "  --no-rules         inline: no signatures (firewall policy and forwarding only)\n"
	      "  --eve FILE         EVE JSON alert log (truncated unless eve.append)\n"
	      "  --simulate-ips     drop/reject rules block packets and log drops\n"
	      "  --config FILE      YAML configuration\n"
	      "  --var NAME=VALUE   set a rule variable, e.g. HOME_NET=[10.0.0.0/8]\n"
	      "  --stats FILE       write run counters as one JSON object at exit\n"
	      "  -- EAL ARGS        extra DPDK EAL arguments\n"
	      "\n"
	      "  test only (failure injection for the e2e tests):\n"
	      "  --test-fault stall-worker:I   on SIGUSR1 worker I stops polling; SIGUSR2\n"
	      "                                lets it go on\n"
	      "  --test-fault delay-rules:S    compile the rules S seconds after forwarding starts\n"
	      "  --test-fault drain-mbufs      on SIGUSR1 hold packet buffers until the pools\n"
	      "                                are below low water; SIGUSR2 returns them\n",
	      out);
}

/* Value of a flag that takes one: "--flag=VALUE" or "--flag VALUE". */
static const char *flag_value(int argc, char **argv, int *i, const char *flag, const char *inline_value,
			      char *err, size_t errlen)
{
	if (inline_value) {
		if (inline_value[0] == '\0') {
			snprintf(err, errlen, "%s: empty argument", flag);
			return NULL;
		}
		return inline_value;
	}
	if (*i + 1 >= argc || strcmp(argv[*i + 1], "--") == 0) {
		snprintf(err, errlen, "%s: missing argument", flag);
		return NULL;
	}
	(*i)++;
	if (argv[*i][0] == '\0') {
		snprintf(err, errlen, "%s: empty argument", flag);
		return NULL;
	}
	return argv[*i];
}

static int add_var(struct cli_options *o, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	struct cli_var *grown;
	size_t name_len;

	if (!eq || eq == arg) {
		snprintf(err, errlen, "--var %s: expected NAME=VALUE", arg);
		return -1;
	}
	name_len = (size_t)(eq - arg);
	if (arg[0] == '$') {
		arg++;
		name_len--;
	}
	if (name_len == 0 || memchr(arg, ' ', name_len) || eq[1] == '\0') {
		snprintf(err, errlen, "--var %s: expected NAME=VALUE", arg);
		return -1;
	}
	grown = realloc(o->vars, (o->n_vars + 1) * sizeof(*grown));
	if (!grown) {
		snprintf(err, errlen, "--var: out of memory");
		return -1;
	}
	o->vars = grown;
	o->vars[o->n_vars].name = strndup(arg, name_len);
	o->vars[o->n_vars].value = strdup(eq + 1);
	if (!o->vars[o->n_vars].name || !o->vars[o->n_vars].value) {
		free(o->vars[o->n_vars].name);
		free(o->vars[o->n_vars].value);
		snprintf(err, errlen, "--var: out of memory");
		return -1;
	}
	o->n_vars++;
	return 0;
}

/* A DPDK port name as --ports can split it: no ':' at all (net_null0), or
 * a PCI address ("0000:03:00.0", "03:00.0") whose last group holds '.'. */
static bool plausible_port_name(const char *s, size_t len)
{
	const char *last = NULL;
	unsigned colons = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ':') {
			last = s + i;
			colons++;
		}
	}
	return !last || (colons <= 2 && memchr(last, '.', len - (size_t)(last - s)) != NULL);
}

/* "A:B" -> one port pair (--bridge: interfaces, --ports: DPDK ports). */
int cli_add_pair(struct cli_options *o, const char *flag, const char *v, char *err,
		 size_t errlen)
{
	const char *colon = strchr(v, ':');
	struct cli_pair *pair;

	if (o->n_pairs == CLI_MAX_PAIRS) {
		snprintf(err, errlen, "%s: at most %d port pairs", flag, CLI_MAX_PAIRS);
		return -1;
	}
	/* PCI addresses hold ':' too, so --ports splits at the first ':'
	 * that leaves two plausible names; a bridge takes exactly one. */
	if (strcmp(flag, "--ports") == 0) {
		for (const char *c = strchr(v, ':'); c; c = strchr(c + 1, ':')) {
			if (plausible_port_name(v, (size_t)(c - v)) &&
			    plausible_port_name(c + 1, strlen(c + 1))) {
				colon = c;
				break;
			}
		}
	}
	if (!colon || colon == v || colon[1] == '\0' ||
	    (strcmp(flag, "--bridge") == 0 && strchr(colon + 1, ':'))) {
		snprintf(err, errlen, "%s %s: expected %s", flag, v,
			 strcmp(flag, "--bridge") == 0 ? "IFACE_A:IFACE_B" : "DEV_A:DEV_B");
		return -1;
	}
	pair = &o->pairs[o->n_pairs];
	pair->a = strndup(v, (size_t)(colon - v));
	pair->b = strdup(colon + 1);
	pair->dpdk_ports = strcmp(flag, "--ports") == 0;
	o->n_pairs++;
	if (!pair->a || !pair->b) {
		snprintf(err, errlen, "%s: out of memory", flag);
		return -1;
	}
	if (strcmp(pair->a, pair->b) == 0) {
		snprintf(err, errlen, "%s %s: the two sides must differ", flag, v);
		return -1;
	}
	for (unsigned i = 0; i + 1 < o->n_pairs; i++) {
		const struct cli_pair *q = &o->pairs[i];

		if (strcmp(q->a, pair->a) == 0 || strcmp(q->b, pair->a) == 0 ||
		    strcmp(q->a, pair->b) == 0 || strcmp(q->b, pair->b) == 0) {
			snprintf(err, errlen, "%s %s: a port is in two pairs", flag, v);
			return -1;
		}
	}
	o->bridge_a = o->pairs[0].a;
	o->bridge_b = o->pairs[0].b;
	return 0;
}

static int parse_fault(struct cli_options *o, const char *v, char *err, size_t errlen)
{
	char *end;
	unsigned long n;

	if (strcmp(v, "drain-mbufs") == 0) {
		o->fault = CLI_FAULT_DRAIN_MBUFS;
		return 0;
	}
	if (strncmp(v, "stall-worker:", 13) == 0) {
		o->fault = CLI_FAULT_STALL_WORKER;
		v += 13;
	} else if (strncmp(v, "delay-rules:", 12) == 0) {
		o->fault = CLI_FAULT_DELAY_RULES;
		v += 12;
	} else {
		snprintf(err, errlen, "--test-fault %s: expected stall-worker:I, delay-rules:SECS or "
				      "drain-mbufs", v);
		return -1;
	}
	n = strtoul(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n > 3600) {
		snprintf(err, errlen, "--test-fault: %s: expected a number", v);
		return -1;
	}
	o->fault_arg = (unsigned)n;
	return 0;
}

static int add_rules(struct cli_options *o, const char *path, char *err, size_t errlen)
{
	const char **grown = realloc(o->rules_paths, (o->n_rules_paths + 1) * sizeof(*grown));

	if (!grown) {
		snprintf(err, errlen, "--rules: out of memory");
		return -1;
	}
	o->rules_paths = grown;
	o->rules_paths[o->n_rules_paths++] = path;
	return 0;
}

enum cli_result cli_parse(int argc, char **argv, struct cli_options *o, char *err, size_t errlen)
{
	bool pmd_given = false;

	memset(o, 0, sizeof(*o));
	o->fail_mode = -1;
	for (int i = 1; i < argc; i++) {
		char flag[64];
		const char *arg = argv[i], *inline_value = NULL, *eq, *v;

		if (strcmp(arg, "--") == 0) {
			o->eal_argv = argv + i + 1;
			o->eal_argc = argc - i - 1;
			break;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			cli_print_usage(stdout);
			return CLI_EXIT_HELP;
		}
		if (strcmp(arg, "--version") == 0) {
			printf("rampart-dp %s\n", RAMPART_VERSION);
			return CLI_EXIT_HELP;
		}
		/* split "--flag=value" */
		eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
		if (eq && (size_t)(eq - arg) < sizeof(flag)) {
			memcpy(flag, arg, (size_t)(eq - arg));
			flag[eq - arg] = '\0';
			inline_value = eq + 1;
		} else {
			snprintf(flag, sizeof(flag), "%s", arg);
		}

		if (strcmp(flag, "--simulate-ips") == 0 && !inline_value) {
			o->simulate_ips = true;
			continue;
		}
		if (strcmp(flag, "--no-rules") == 0 && !inline_value) {
			o->no_rules = true;
			continue;
		}
		if (strcmp(flag, "--pcap") != 0 && strcmp(flag, "--rules") != 0 &&
		    strcmp(flag, "--eve") != 0 && strcmp(flag, "--config") != 0 &&
		    strcmp(flag, "--stats") != 0 && strcmp(flag, "--var") != 0 &&
		    strcmp(flag, "--bridge") != 0 && strcmp(flag, "--pmd") != 0 &&
		    strcmp(flag, "--workers") != 0 && strcmp(flag, "--ports") != 0 &&
		    strcmp(flag, "--fail-mode") != 0 && strcmp(flag, "--duration") != 0 &&
		    strcmp(flag, "--test-fault") != 0 && strcmp(flag, "--managed") != 0) {
			snprintf(err, errlen, "%s: unknown option (see --help)", arg);
			goto fail;
		}
		v = flag_value(argc, argv, &i, flag, inline_value, err, errlen);
		if (!v)
			goto fail;
		if (strcmp(flag, "--rules") == 0) {
			if (add_rules(o, v, err, errlen) != 0)
				goto fail;
		} else if (strcmp(flag, "--var") == 0) {
			if (add_var(o, v, err, errlen) != 0)
				goto fail;
		} else if (strcmp(flag, "--bridge") == 0 || strcmp(flag, "--ports") == 0) {
			if (cli_add_pair(o, flag, v, err, errlen) != 0)
				goto fail;
		} else if (strcmp(flag, "--fail-mode") == 0) {
			if (strcmp(v, "fail-open") == 0) {
				o->fail_mode = 0;
			} else if (strcmp(v, "fail-closed") == 0) {
				o->fail_mode = 1;
			} else {
				snprintf(err, errlen, "--fail-mode %s: expected fail-open or fail-closed", v);
				goto fail;
			}
		} else if (strcmp(flag, "--duration") == 0) {
			char *end;

			o->duration = strtod(v, &end);
			if (*end != '\0' || !(o->duration > 0) || o->duration > 1e7) {
				snprintf(err, errlen, "--duration %s: expected a positive number of seconds", v);
				goto fail;
			}
		} else if (strcmp(flag, "--test-fault") == 0) {
			if (parse_fault(o, v, err, errlen) != 0)
				goto fail;
		} else if (strcmp(flag, "--pmd") == 0) {
			if (pmd_given) {
				snprintf(err, errlen, "--pmd: given twice");
				goto fail;
			}
			pmd_given = true;
			if (strcmp(v, "auto") == 0) {
				o->pmd = CLI_PMD_AUTO;
			} else if (strcmp(v, "af_packet") == 0) {
				o->pmd = CLI_PMD_AF_PACKET;
			} else if (strcmp(v, "af_xdp") == 0) {
				o->pmd = CLI_PMD_AF_XDP;
			} else {
				snprintf(err, errlen, "--pmd %s: expected auto, af_xdp or af_packet", v);
				goto fail;
			}
		} else if (strcmp(flag, "--workers") == 0) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);

			if (*end != '\0' || n < 1 || n > 64) {
				snprintf(err, errlen, "--workers %s: expected 1 to 64", v);
				goto fail;
			}
			o->workers = (unsigned)n;
		} else {
			const char **slot = strcmp(flag, "--pcap") == 0  ? &o->pcap_path
					    : strcmp(flag, "--eve") == 0   ? &o->eve_path
					    : strcmp(flag, "--config") == 0 ? &o->config_path
					    : strcmp(flag, "--managed") == 0 ? &o->managed_socket
									    : &o->stats_path;
			if (*slot) {
				snprintf(err, errlen, "%s: given twice", flag);
				goto fail;
			}
			*slot = v;
		}
	}
	if (o->pcap_path && o->n_pairs) {
		snprintf(err, errlen, "--pcap and --bridge/--ports are mutually exclusive");
		goto fail;
	}
	/* Inline pairs may also come from the config file (dataplane.bridges):
	 * main() checks again once it has read it. */
	if (!o->pcap_path && !o->n_pairs && !o->config_path) {
		snprintf(err, errlen, "--pcap FILE or --bridge IFACE_A:IFACE_B is required (see --help)");
		goto fail;
	}
	o->pmd_given = pmd_given;
	if (pmd_given && o->pcap_path) {
		snprintf(err, errlen, "--pmd: only with --bridge");
		goto fail;
	}
	if (o->pcap_path && (o->workers > 1 || o->fail_mode >= 0 || o->duration > 0 || o->fault)) {
		snprintf(err, errlen, "--workers, --fail-mode, --duration and --test-fault are for "
				      "inline mode (--bridge/--ports)");
		goto fail;
	}
	if (o->managed_socket && o->pcap_path) {
		snprintf(err, errlen, "--managed: inline mode only (--bridge/--ports), not with --pcap");
		goto fail;
	}
	if (o->no_rules && (o->n_rules_paths || o->pcap_path)) {
		snprintf(err, errlen, "--no-rules: inline mode only, and not with --rules");
		goto fail;
	}
	if (o->n_rules_paths == 0 && !o->no_rules && !o->managed_socket) {
		snprintf(err, errlen, "--rules PATH is required (see --help)");
		goto fail;
	}
	if (!o->eve_path && !o->managed_socket) {
		snprintf(err, errlen, "--eve FILE is required (see --help)");
		goto fail;
	}
	return CLI_OK;
fail:
	cli_options_free(o);
	return CLI_USAGE_ERROR;
}

void cli_options_free(struct cli_options *o)
{
	for (size_t i = 0; i < o->n_vars; i++) {
		free(o->vars[i].name);
		free(o->vars[i].value);
	}
	free(o->vars);
	free(o->rules_paths);
	for (unsigned i = 0; i < o->n_pairs; i++) {
		free(o->pairs[i].a);
		free(o->pairs[i].b);
	}
	memset(o, 0, sizeof(*o));
}
