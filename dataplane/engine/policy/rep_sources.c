/*
 * rep_sources.c - opening the GeoIP database and reputation files an
 * engine configuration names (see rep_sources.h).
 */
#include "dataplane/engine/policy/rep_sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/geoip/geoip_db.h"
#include "signatures/iprep/iprep.h"
#include "signatures/parser/sig_parser.h"

void rep_sources_close(struct rep_sources *s)
{
	if (!s)
		return;
	geoip_db_close(s->geoip);
	iprep_free(s->iprep);
	memset(s, 0, sizeof(*s));
}

static int open_reputation(const struct engine_config *cfg, struct rep_sources *out, FILE *warnings,
			   char *err, size_t errlen)
{
	char why[512];

	if (!cfg->reputation_categories_file) {
		if (cfg->n_reputation_files) {
			snprintf(err, errlen, "reputation-files: need reputation-categories-file");
			return -1;
		}
		return 0;
	}
	out->iprep = iprep_new();
	if (!out->iprep) {
		snprintf(err, errlen, "reputation-categories-file: out of memory");
		return -1;
	}
	if (iprep_load_categories(out->iprep, cfg->reputation_categories_file, why, sizeof(why))) {
		snprintf(err, errlen, "reputation-categories-file: %s", why);
		return -1;
	}
	for (size_t i = 0; i < cfg->n_reputation_files; i++) {
		const char *f = cfg->reputation_files[i];
		char *path = NULL;

		if (f[0] != '/' && cfg->default_reputation_path) {
			if (asprintf(&path, "%s/%s", cfg->default_reputation_path, f) < 0)
				path = NULL;
		} else {
			path = strdup(f);
		}
		if (!path) {
			snprintf(err, errlen, "reputation-files: out of memory");
			return -1;
		}
		int rc = iprep_load_file(out->iprep, path, why, sizeof(why));
		free(path);
		if (rc) {
			snprintf(err, errlen, "reputation-files: %s", why);
			return -1;
		}
	}
	out->iprep_bad_lines = iprep_bad_lines(out->iprep);
	for (size_t i = 0; warnings && i < out->iprep_bad_lines && iprep_bad_line(out->iprep, i); i++)
		fprintf(warnings, "warning: %s\n", iprep_bad_line(out->iprep, i));
	return 0;
}

int rep_sources_open(const struct engine_config *cfg, struct rep_sources *out, FILE *warnings,
		     char *err, size_t errlen)
{
	char why[512];

	memset(out, 0, sizeof(*out));
	if (cfg->geoip_database) {
		out->geoip = geoip_db_open(cfg->geoip_database, why, sizeof(why));
		if (!out->geoip) {
			snprintf(err, errlen, "geoip-database: %s", why);
			return -1;
		}
	}
	if (open_reputation(cfg, out, warnings, err, errlen)) {
		rep_sources_close(out);
		return -1;
	}
	return 0;
}

int sig_load_options_attach_reputation(struct sig_load_options *opt, const struct engine_config *cfg,
				       struct rep_sources *hold, FILE *warnings, char *err, size_t errlen)
{
	if (rep_sources_open(cfg, hold, warnings, err, errlen))
		return -1;
	opt->geoip = hold->geoip;
	opt->iprep = hold->iprep;
	return 0;
}
