/*
 * rep_sources.h - the GeoIP database and IP reputation data an engine
 * configuration names (geoip-database, reputation-categories-file,
 * default-reputation-path, reputation-files), opened together, for the two
 * load-time users: the rule keywords geoip / iprep (sig_load_options) and
 * firewall address sets with countries / reputation (fw_policy_build_with).
 *
 * Contract
 *  - Owns: what it opened. Rules and policies copy what they need into their
 *    own tables, so the sources may be closed as soon as the rule set is
 *    parsed and the policy built (or kept to share across reloads).
 *  - Who calls it: loaders (rampart-dp's rules setup and managed-mode
 *    loader thread, rampartd's rule and policy validation). Never workers.
 *  - Thread rules: open and close on one thread; while open, any number of
 *    loaders may read (geoip expansion locks internally).
 */
#ifndef RAMPART_REP_SOURCES_H
#define RAMPART_REP_SOURCES_H

#include <stddef.h>
#include <stdio.h>

#include "dataplane/engine/config.h"

struct geoip_db;
struct iprep_data;
struct sig_load_options;

struct rep_sources {
	struct geoip_db *geoip;   /* NULL: no geoip-database configured */
	struct iprep_data *iprep; /* NULL: no reputation-categories-file configured */
	size_t iprep_bad_lines;   /* malformed reputation lines skipped (see iprep.h) */
};

/*
 * Open what cfg names; nothing configured leaves both NULL and returns 0.
 * Relative reputation-files are under default-reputation-path. -1 with a
 * one-line message naming the key and file when a file cannot be read or
 * reputation-files are given without reputation-categories-file; *out is
 * then empty. Malformed lines inside the files do not fail the open: they
 * are counted (iprep_bad_lines) and, when `warnings` is not NULL, printed
 * there one per line ("FILE:LINE: reason", the first 64).
 */
int rep_sources_open(const struct engine_config *cfg, struct rep_sources *out, FILE *warnings,
		     char *err, size_t errlen);
void rep_sources_close(struct rep_sources *s);

/*
 * For rule loaders: rep_sources_open(cfg, hold, warnings) and point
 * opt->geoip / opt->iprep at it. The caller keeps *hold until its rules are
 * loaded, then rep_sources_close(hold). 0, or -1 with err (nothing held).
 */
int sig_load_options_attach_reputation(struct sig_load_options *opt, const struct engine_config *cfg,
				       struct rep_sources *hold, FILE *warnings, char *err, size_t errlen);

#endif /* RAMPART_REP_SOURCES_H */
