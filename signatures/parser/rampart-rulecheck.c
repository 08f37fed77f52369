/*
 * rampart-rulecheck - load rule files the way rampart-dp does and report:
 * every rejected rule (file:line: keyword: reason) and the loading summary.
 * The users' `suricata -T`.
 *
 *   rampart-rulecheck [--var NAME=VALUE]... [--classification FILE] [--quiet] PATH...
 *
 * classification.config is read from beside the first PATH (inside it when
 * PATH is a directory), else the bundled copy. Exit status: 0 when some rule
 * loaded, 2 on bad usage, an unreadable PATH, or when nothing loaded.
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signatures/parser/sig_parser.h"

#ifndef RAMPART_CLASSIFICATION_PATH
#define RAMPART_CLASSIFICATION_PATH "/etc/rampart/classification.config"
#endif

static void usage(FILE *out)
{
	fprintf(out, "usage: rampart-rulecheck [--var NAME=VALUE]... [--classification FILE] [--quiet] PATH...\n");
}

/* classification.config beside PATH, or NULL. Caller frees. */
static char *classification_beside(const char *path)
{
	struct stat st;
	char *dir;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		dir = strdup(path);
	} else {
		char *copy = strdup(path);
		dir = copy ? strdup(dirname(copy)) : NULL;
		free(copy);
	}
	if (!dir)
		return NULL;
	size_t n = strlen(dir) + sizeof("/classification.config");
	char *cand = malloc(n);
	if (cand) {
		snprintf(cand, n, "%s/classification.config", dir);
		if (access(cand, R_OK) != 0) {
			free(cand);
			cand = NULL;
		}
	}
	free(dir);
	return cand;
}

int main(int argc, char **argv)
{
	struct sig_vars *vars = sig_vars_new_defaults();
	struct sig_classifications *classes = NULL;
	struct sig_ruleset *rs = NULL;
	const char *class_path = NULL;
	char *found = NULL;
	bool quiet = false;
	int first_path = argc, status = 0;
	char err[512];
	if (!vars) {
		fprintf(stderr, "rampart-rulecheck: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--var") == 0 && i + 1 < argc) {
			char *eq = strchr(argv[++i], '=');
			if (!eq) {
				fprintf(stderr, "rampart-rulecheck: --var needs NAME=VALUE, got '%s'\n", argv[i]);
				status = 2;
				goto out;
			}
			*eq = '\0';
			if (sig_vars_set(vars, argv[i], eq + 1, err, sizeof(err))) {
				fprintf(stderr, "rampart-rulecheck: --var: %s\n", err);
				status = 2;
				goto out;
			}
		} else if (strcmp(argv[i], "--classification") == 0 && i + 1 < argc) {
			class_path = argv[++i];
		} else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
			quiet = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			goto out;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "rampart-rulecheck: unknown option '%s'\n", argv[i]);
			usage(stderr);
			status = 2;
			goto out;
		} else {
			first_path = i;
			break;
		}
	}
	if (first_path >= argc) {
		usage(stderr);
		status = 2;
		goto out;
	}
	found = class_path ? NULL : classification_beside(argv[first_path]);
	const char *cpath = class_path ? class_path : found ? found : RAMPART_CLASSIFICATION_PATH;
	classes = sig_classifications_load(cpath, err, sizeof(err));
	if (!classes && class_path) {
		fprintf(stderr, "rampart-rulecheck: %s\n", err);
		status = 2;
		goto out;
	}
	if (!classes)
		fprintf(stderr, "rampart-rulecheck: warning: %s (classtype priorities default to 3)\n", err);
	else
		printf("classification:  %s (%zu classes)\n", cpath, sig_classifications_count(classes));

	struct sig_load_options opt = { .vars = vars, .classes = classes, .warnings = quiet ? NULL : stderr };
	rs = sig_ruleset_new();
	if (!rs) {
		fprintf(stderr, "rampart-rulecheck: out of memory\n");
		status = 1;
		goto out;
	}
	for (int i = first_path; i < argc; i++) {
		if (sig_ruleset_load_path(rs, argv[i], &opt, err, sizeof(err))) {
			fprintf(stderr, "rampart-rulecheck: %s\n", err);
			status = 2;
		}
	}
	if (!quiet)
		sig_ruleset_print_errors(rs, stdout);
	sig_ruleset_print_summary(rs, stdout);
	if (rs->n_rules == 0)
		status = 2;
out:
	sig_ruleset_free(rs);
	sig_classifications_free(classes);
	sig_vars_free(vars);
	free(found);
	return status;
}
