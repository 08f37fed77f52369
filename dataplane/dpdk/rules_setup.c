/*
 * rules_setup.c - variables, classifications and rule files (see rules_setup.h).
 */
#include "dataplane/dpdk/rules_setup.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataplane/dpdk/cli.h"
#include "dataplane/engine/config.h"
#include "dataplane/engine/policy/rep_sources.h"
#include "signatures/parser/sig_parser.h"

#define CLASSIFICATION_FILE "classification.config"

static bool is_readable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* "<dir of the executable>/<rel>" if that file exists. */
static char *beside_executable(const char *rel)
{
	char exe[PATH_MAX], *dir, *path;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	dir = dirname(exe);
	if (asprintf(&path, "%s/%s", dir, rel) < 0)
		return NULL;
	if (is_readable_file(path))
		return path;
	free(path);
	return NULL;
}

char *rules_setup_find_classification(const char *rules_path)
{
	struct stat st;
	char *path = NULL;

	if (rules_path && stat(rules_path, &st) == 0) {
		char *copy = strdup(rules_path);

		if (!copy)
			return NULL;
		if (asprintf(&path, "%s/%s", S_ISDIR(st.st_mode) ? copy : dirname(copy),
			     CLASSIFICATION_FILE) < 0)
			path = NULL;
		free(copy);
		if (path && is_readable_file(path))
			return path;
		free(path);
	}
#ifdef RAMPART_DATADIR
	if (is_readable_file(RAMPART_DATADIR "/" CLASSIFICATION_FILE))
		return strdup(RAMPART_DATADIR "/" CLASSIFICATION_FILE);
#endif
#ifdef RAMPART_SOURCE_DIR
	if (is_readable_file(RAMPART_SOURCE_DIR "/signatures/" CLASSIFICATION_FILE))
		return strdup(RAMPART_SOURCE_DIR "/signatures/" CLASSIFICATION_FILE);
#endif
	/* a relocated install (bin/ next to share/) or a build tree */
	path = beside_executable("../share/rampart/" CLASSIFICATION_FILE);
	if (!path)
		path = beside_executable("../../../signatures/" CLASSIFICATION_FILE);
	return path;
}

static int set_vars(const struct cli_options *cli, const struct engine_config *cfg,
		    struct sig_vars *vars, char *err, size_t errlen)
{
	char why[256];

	for (size_t i = 0; i < cfg->n_vars; i++) {
		if (sig_vars_set(vars, cfg->vars[i].name, cfg->vars[i].value, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "--config %s: vars: %s: %s", cli->config_path,
				 cfg->vars[i].name, why);
			return -1;
		}
	}
	for (size_t i = 0; i < cli->n_vars; i++) {
		if (sig_vars_set(vars, cli->vars[i].name, cli->vars[i].value, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "--var %s=%s: %s", cli->vars[i].name, cli->vars[i].value,
				 why);
			return -1;
		}
	}
	return 0;
}

int rules_setup_load(const struct cli_options *cli, const struct engine_config *cfg,
		     struct loaded_rules *lr, char *err, size_t errlen)
{
	struct sig_load_options opt;
	char why[512];

	memset(lr, 0, sizeof(*lr));
	for (size_t i = 0; i < cli->n_rules_paths; i++) {
		struct stat st;

		if (stat(cli->rules_paths[i], &st) != 0) {
			snprintf(err, errlen, "--rules %s: %s", cli->rules_paths[i], strerror(errno));
			return 2;
		}
	}
	lr->vars = sig_vars_new_defaults();
	if (!lr->vars) {
		snprintf(err, errlen, "rule variables: out of memory");
		return 1;
	}
	if (set_vars(cli, cfg, lr->vars, err, errlen) != 0)
		return 2;

	/* --no-rules: an empty rule set (the firewall still applies). */
	lr->classification_path =
		rules_setup_find_classification(cli->n_rules_paths ? cli->rules_paths[0] : NULL);
	if (lr->classification_path) {
		lr->classes = sig_classifications_load(lr->classification_path, why, sizeof(why));
		if (!lr->classes) {
			snprintf(err, errlen, "%s: %s", lr->classification_path, why);
			return 2;
		}
	} else {
		fprintf(stderr, "rampart-dp: warning: no %s found; classtypes are not checked\n",
			CLASSIFICATION_FILE);
	}

	lr->rs = sig_ruleset_new();
	if (!lr->rs) {
		snprintf(err, errlen, "rule set: out of memory");
		return 1;
	}
	opt = (struct sig_load_options){ .vars = lr->vars, .classes = lr->classes, .warnings = stderr };
	/* geoip / iprep keywords resolve against the config's databases, held
	 * only while the rules load (the rules keep compiled tables). */
	struct rep_sources rep = { 0 };
	if (sig_load_options_attach_reputation(&opt, cfg, &rep, stderr, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return 2;
	}
	for (size_t i = 0; i < cli->n_rules_paths; i++) {
		if (sig_ruleset_load_path(lr->rs, cli->rules_paths[i], &opt, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "--rules %s: %s", cli->rules_paths[i], why);
			rep_sources_close(&rep);
			return 2;
		}
	}
	rep_sources_close(&rep);
	sig_ruleset_print_errors(lr->rs, stderr);
	/* managed without --rules: the daemon's loads are the rule sets */
	if (!(cli->managed_socket && cli->n_rules_paths == 0))
		sig_ruleset_print_summary(lr->rs, stderr);
	if (lr->rs->n_rules == 0 && lr->rs->n_errors > 0) {
		snprintf(err, errlen, "--rules %s: every rule was rejected (%zu)", cli->rules_paths[0],
			 lr->rs->n_errors);
		return 2;
	}
	return 0;
}

void rules_setup_free(struct loaded_rules *lr)
{
	if (lr->rs)
		sig_ruleset_free(lr->rs);
	if (lr->classes)
		sig_classifications_free(lr->classes);
	if (lr->vars)
		sig_vars_free(lr->vars);
	free(lr->classification_path);
	memset(lr, 0, sizeof(*lr));
}
