/*
 * rules_validate.c - parse and compile a bundle the way a data plane will,
 * to refuse a broken set before it leaves the daemon, and to measure it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctrlplane/rules/rules_internal.h"
#include "dataplane/engine/detect/detect.h"
#include "dataplane/engine/proc_memory.h"
#include "signatures/compiler/hs_cache.h"
#include "signatures/geoip/geoip_db.h"
#include "signatures/iprep/iprep.h"
#include "signatures/parser/sig_parser.h"

#define CLASSIFICATION_FILE "classification.config"

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool readable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* classification-file, else beside the first rule file, else the bundled one. */
static char *find_classification(const struct rules_mgr *m, const struct rules_bundle *b)
{
	char *path = NULL;

	if (m->classification_file)
		return strdup(m->classification_file);
	if (b->n_files) {
		const char *slash = strrchr(b->files[0], '/');
		int dirlen = slash ? (int)(slash - b->files[0]) : 1;

		if (asprintf(&path, "%.*s/%s", dirlen, slash ? b->files[0] : ".", CLASSIFICATION_FILE) < 0)
			path = NULL;
		if (path && readable_file(path))
			return path;
		free(path);
	}
#ifdef RAMPART_CLASSIFICATION_PATH
	if (readable_file(RAMPART_CLASSIFICATION_PATH))
		return strdup(RAMPART_CLASSIFICATION_PATH);
#endif
	return NULL;
}

static struct sig_vars *make_vars(const struct rules_mgr *m, char *err, size_t errlen)
{
	struct sig_vars *vars = sig_vars_new_defaults();
	char why[256];

	if (!vars) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; m->engine && i < m->engine->n_vars; i++) {
		if (sig_vars_set(vars, m->engine->vars[i].name, m->engine->vars[i].value, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "vars: %s: %s", m->engine->vars[i].name, why);
			sig_vars_free(vars);
			return NULL;
		}
	}
	return vars;
}

/* "file:line: keyword: reason" of a rejection, mapped from the temp bundle
 * file back to the rule's original file and line. */
static char *rejection_line(const struct rules_mgr *m, const struct rules_bundle *b,
			    const struct sig_load_error *e)
{
	const char *file = e->file ? e->file : "?";
	uint32_t line = e->line;
	char *out;

	if (e->line >= 1 && e->line <= b->n_rules) {
		file = b->origin[e->line - 1].file;
		line = b->origin[e->line - 1].line;
	} else if (m->threshold_file && e->line > b->n_rules + 1) {
		/* after the marker line: the threshold file's own lines */
		file = m->threshold_file;
		line = e->line - (uint32_t)(b->n_rules + 1);
	}
	if (asprintf(&out, "%s:%u: %s: %s", file, line, e->keyword ? e->keyword : "rule",
		     e->reason ? e->reason : "rejected") < 0)
		return NULL;
	return out;
}

/* geoip-database and the reputation keys, opened the way the data plane
 * opens them, so geoip / iprep rules compile here as they will there. */
static int open_reputation(const struct engine_config *e, struct geoip_db **geo, struct iprep_data **rep,
			   char *err, size_t errlen)
{
	char why[512];

	*geo = NULL;
	*rep = NULL;
	if (!e)
		return 0;
	if (e->geoip_database) {
		*geo = geoip_db_open(e->geoip_database, why, sizeof(why));
		if (!*geo) {
			snprintf(err, errlen, "geoip-database: %s", why);
			return -1;
		}
	}
	if (!e->reputation_categories_file && e->n_reputation_files == 0)
		return 0;
	*rep = iprep_new();
	if (!*rep) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (e->reputation_categories_file &&
	    iprep_load_categories(*rep, e->reputation_categories_file, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "reputation-categories-file: %s", why);
		return -1;
	}
	for (size_t i = 0; i < e->n_reputation_files; i++) {
		const char *f = e->reputation_files[i];
		char *path;
		int rc;

		if (f[0] != '/' && e->default_reputation_path) {
			if (asprintf(&path, "%s/%s", e->default_reputation_path, f) < 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		} else if (!(path = strdup(f))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		rc = iprep_load_file(*rep, path, why, sizeof(why));
		free(path);
		if (rc != 0) {
			snprintf(err, errlen, "reputation-files: %s", why);
			return -1;
		}
	}
	return 0;
}

int rules_validate(const struct rules_mgr *m, const struct rules_bundle *b,
		   struct rules_build_result *out, char *err, size_t errlen)
{
	char why[512];
	char *class_path = NULL;
	struct sig_classifications *classes = NULL;
	struct sig_vars *vars = NULL;
	struct sig_ruleset *rs = NULL;
	struct detect_engine *de = NULL;
	struct detect_build_stats st;
	struct geoip_db *geo = NULL;
	struct iprep_data *rep = NULL;
	struct detect_hs_cache *cache = NULL;
	long rss0, hwm0;
	double t0;
	int rc = -1;

	proc_memory_kb(&rss0, &hwm0);
	vars = make_vars(m, err, errlen);
	if (!vars)
		return -1;
	class_path = find_classification(m, b);
	if (class_path) {
		classes = sig_classifications_load(class_path, why, sizeof(why));
		if (!classes) {
			snprintf(err, errlen, "classification-file: %s: %s", class_path, why);
			goto out;
		}
	}
	rs = sig_ruleset_new();
	if (!rs) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (open_reputation(m->engine, &geo, &rep, err, errlen) != 0)
		goto out;
	if (b->len) {
		struct sig_load_options opt = { .vars = vars, .classes = classes, .warnings = NULL,
						.geoip = geo, .iprep = rep };

		/* the whole bundle, threshold part included, exactly as a data
		 * plane reads it from the load memfd */
		t0 = now_seconds();
		if (sig_ruleset_load_buffer(rs, b->text, b->len, "rules-bundle", &opt, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "rules bundle: %s", why);
			goto out;
		}
		out->parse_seconds = now_seconds() - t0;
	}
	out->n_loaded = rs->n_rules;
	out->n_active = rs->n_active;
	out->n_inactive = rs->n_rules - rs->n_active;
	out->n_rejected = rs->n_errors;
	out->rejections = calloc(RULES_MAX_REJECTION_LINES, sizeof(char *));
	if (!out->rejections) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	out->n_threshold_applied = rs->n_threshold_applied;
	out->n_threshold_rejected = rs->n_threshold_errors;
	for (size_t i = 0; i < rs->n_errors + rs->n_threshold_errors &&
			   out->n_rejections < RULES_MAX_REJECTION_LINES; i++) {
		const struct sig_load_error *e = i < rs->n_errors ? &rs->errors[i]
								  : &rs->threshold_errors[i - rs->n_errors];
		char *line = rejection_line(m, b, e);

		if (line)
			out->rejections[out->n_rejections++] = line;
	}
	if (b->n_files && rs->n_active == 0) {
		if (out->n_rejections)
			snprintf(err, errlen, "no active rule in %zu file(s): %zu enabled, %zu rejected (first: %s)",
				 b->n_files, b->n_rules, rs->n_errors, out->rejections[0]);
		else
			snprintf(err, errlen, "no active rule in %zu file(s): %zu enabled, %zu inactive",
				 b->n_files, b->n_rules, out->n_inactive);
		goto out;
	}
	if (rs->n_active) {
		memset(&st, 0, sizeof(st));
		/* record every Hyperscan compile: the data planes get the databases, not the work */
		cache = detect_hs_cache_new(true);
		if (!cache) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		t0 = now_seconds();
		de = detect_engine_build_cached(rs, cache, &st, why, sizeof(why));
		out->compile_seconds = now_seconds() - t0;
		if (!de) {
			snprintf(err, errlen, "detect build failed: %s", why);
			goto out;
		}
		out->n_compiled = st.n_rules;
		out->n_skipped = st.n_skipped;
		out->detect_bytes = st.total_bytes;
		out->hs_cache_entries = detect_hs_cache_count(cache);
		if (detect_hs_cache_serialize(cache, &out->hsdb, &out->hsdb_len) != 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	proc_memory_kb(&out->rss_kb, &out->rss_peak_kb);
	out->hwm_delta_kb = (hwm0 >= 0 && out->rss_peak_kb >= 0) ? out->rss_peak_kb - hwm0 : -1;
	/* the engine borrows the rule set: engine first */
	detect_engine_free(de);
	detect_hs_cache_free(cache);
	sig_ruleset_free(rs);
	sig_classifications_free(classes);
	sig_vars_free(vars);
	iprep_free(rep);
	geoip_db_close(geo);
	free(class_path);
	return rc;
}
