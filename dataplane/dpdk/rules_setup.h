/*
 * rules_setup.h - rampart-dp start-up: rule variables, classification.config
 * and the rule files, as the command line and config ask.
 *
 * Contract: rules_setup_load() builds the variable table (Suricata's
 * defaults, then the config file's vars, then --var: later wins), finds
 * classification.config (beside the first --rules path, else the bundled
 * copy: install dir, source tree, or relative to the executable), loads
 * every --rules path in order and prints the load summary on stderr.
 *
 * Thread rules: main thread, start-up only.
 */
#ifndef RAMPART_DPDK_RULES_SETUP_H
#define RAMPART_DPDK_RULES_SETUP_H

#include <stddef.h>

struct cli_options;
struct engine_config;
struct sig_ruleset;
struct sig_vars;
struct sig_classifications;

struct loaded_rules {
	struct sig_ruleset *rs;
	struct sig_vars *vars;
	struct sig_classifications *classes; /* NULL when none was found */
	char *classification_path;           /* the file used, or NULL */
};

/*
 * Returns 0 (rules loaded), 2 (bad usage or unreadable input: a missing
 * rules path, a bad --var, a rule set where every rule was rejected) or 1
 * (internal failure), with a one-line message in err for 1 and 2.
 */
int rules_setup_load(const struct cli_options *cli, const struct engine_config *cfg,
		     struct loaded_rules *out, char *err, size_t errlen);

/* Path of the classification.config to use for rules_path, or NULL. */
char *rules_setup_find_classification(const char *rules_path);

void rules_setup_free(struct loaded_rules *lr);

#endif /* RAMPART_DPDK_RULES_SETUP_H */
