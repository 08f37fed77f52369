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
	      "       rampart-dp --bridge IFACE_A:IFACE_B --rules PATH [...] --eve FILE\n"
	      "                  [--pmd af_packet|af_xdp] [--workers 1] [--config FILE]\n"
	      "                  [--var NAME=VALUE ...] [--stats FILE] [-- EAL ARGS]\n"
	      "\n"
	      "  --pcap FILE        read packets from a capture (offline mode)\n"
	      "  --bridge A:B       forward between kernel interfaces A and B (inline IPS:\n"
	      "                     drop and reject rules stop packets; reject drops the\n"
	      "                     packet without sending a TCP reset or ICMP error);\n"
	      "                     runs until SIGINT/SIGTERM\n"
	      "  --pmd NAME         bridge port driver: af_packet (default) or af_xdp\n"
	      "  --workers N        worker count; this version runs exactly 1\n"
	      "  --rules PATH       rules file, or directory of *.rules (repeatable)\n"
	      "  --eve FILE         EVE JSON alert log (truncated unless eve.append)\n"
	      "  --simulate-ips     drop/reject rules block packets and log drops\n"
	      "  --config FILE      YAML configuration\n"
	      "  --var NAME=VALUE   set a rule variable, e.g. HOME_NET=[10.0.0.0/8]\n"
	      "  --stats FILE       write run counters as one JSON object at exit\n"
	      "  -- EAL ARGS        extra DPDK EAL arguments\n",
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

/* "A:B" -> two interface names. */
static int set_bridge(struct cli_options *o, const char *v, char *err, size_t errlen)
{
	const char *colon = strchr(v, ':');

	if (o->bridge_a) {
		snprintf(err, errlen, "--bridge: this version bridges one interface pair");
		return -1;
	}
	if (!colon || colon == v || colon[1] == '\0' || strchr(colon + 1, ':')) {
		snprintf(err, errlen, "--bridge %s: expected IFACE_A:IFACE_B", v);
		return -1;
	}
	o->bridge_a = strndup(v, (size_t)(colon - v));
	o->bridge_b = strdup(colon + 1);
	if (!o->bridge_a || !o->bridge_b) {
		snprintf(err, errlen, "--bridge: out of memory");
		return -1;
	}
	if (strcmp(o->bridge_a, o->bridge_b) == 0) {
		snprintf(err, errlen, "--bridge %s: the two interfaces must differ", v);
		return -1;
	}
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
		if (strcmp(flag, "--pcap") != 0 && strcmp(flag, "--rules") != 0 &&
		    strcmp(flag, "--eve") != 0 && strcmp(flag, "--config") != 0 &&
		    strcmp(flag, "--stats") != 0 && strcmp(flag, "--var") != 0 &&
		    strcmp(flag, "--bridge") != 0 && strcmp(flag, "--pmd") != 0 &&
		    strcmp(flag, "--workers") != 0) {
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
		} else if (strcmp(flag, "--bridge") == 0) {
			if (set_bridge(o, v, err, errlen) != 0)
				goto fail;
		} else if (strcmp(flag, "--pmd") == 0) {
			if (pmd_given) {
				snprintf(err, errlen, "--pmd: given twice");
				goto fail;
			}
			pmd_given = true;
			if (strcmp(v, "af_packet") == 0) {
				o->pmd = CLI_PMD_AF_PACKET;
			} else if (strcmp(v, "af_xdp") == 0) {
				o->pmd = CLI_PMD_AF_XDP;
			} else {
				snprintf(err, errlen, "--pmd %s: expected af_packet or af_xdp", v);
				goto fail;
			}
		} else if (strcmp(flag, "--workers") == 0) {
			if (strcmp(v, "1") != 0) {
				snprintf(err, errlen, "--workers %s: this version runs exactly 1 worker", v);
				goto fail;
			}
		} else {
			const char **slot = strcmp(flag, "--pcap") == 0  ? &o->pcap_path
					    : strcmp(flag, "--eve") == 0   ? &o->eve_path
					    : strcmp(flag, "--config") == 0 ? &o->config_path
									    : &o->stats_path;
			if (*slot) {
				snprintf(err, errlen, "%s: given twice", flag);
				goto fail;
			}
			*slot = v;
		}
	}
	if (o->pcap_path && o->bridge_a) {
		snprintf(err, errlen, "--pcap and --bridge are mutually exclusive");
		goto fail;
	}
	if (!o->pcap_path && !o->bridge_a) {
		snprintf(err, errlen, "--pcap FILE or --bridge IFACE_A:IFACE_B is required (see --help)");
		goto fail;
	}
	if (pmd_given && !o->bridge_a) {
		snprintf(err, errlen, "--pmd: only with --bridge");
		goto fail;
	}
	if (o->n_rules_paths == 0) {
		snprintf(err, errlen, "--rules PATH is required (see --help)");
		goto fail;
	}
	if (!o->eve_path) {
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
	free(o->bridge_a);
	free(o->bridge_b);
	memset(o, 0, sizeof(*o));
}
