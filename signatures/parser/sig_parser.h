/*
 * sig_parser.h - Suricata / Snort 2.9 rule text -> rule IR (signatures/rule.h).
 *
 * Contract: the loader (rampartd, rampart-dp start-up, rampart-rulecheck,
 * tests, fuzzers) builds a struct sig_ruleset from rule files. Every rule in
 * the set is either active (all its keywords have an engine) or inactive with
 * a one-feature reason ("needs http.uri"); a rule that does not parse is never
 * in the set and leaves one sig_load_error (file, line, keyword, reason).
 *
 * Thread rules: none of this runs per packet. A sig_vars / sig_classifications
 * table is built on one thread and may then be read by many loaders; a rule
 * set is built by one thread and is read-only afterwards.
 *
 * How the parser fills the match kinds rule.h leaves open:
 *   SIG_M_ACK, SIG_M_SEQ, SIG_M_WINDOW, SIG_M_ID, SIG_M_ICMP_ID, SIG_M_ICMP_SEQ,
 *   SIG_M_TOS, SIG_M_FRAGOFFSET: u.num (EQ, NE for "!N", LT / GT for "<N" / ">N").
 *   SIG_M_FRAGBITS: u.tcp_flags with the SIG_FRAGBIT_* bits below (same modes).
 *   SIG_M_IPOPTS:   u.num, cmp EQ, lo = IP option type (rr 7, eol 0, nop 1, ts 68,
 *                   sec 130, esec 133, lsrr 131, ssrr 137, satid 136), lo = -1 "any".
 *   SIG_M_SAMEIP:   no operand.
 *   SIG_M_URILEN, SIG_M_BSIZE, SIG_M_DSIZE, SIG_M_TTL, SIG_M_ITYPE, SIG_M_ICODE: u.num.
 *   SIG_M_APP_LAYER_PROTOCOL and SIG_M_OTHER: u.other.value = argument text (may be NULL).
 *   SIG_M_GEOIP, SIG_M_IPREP: u.ipmatch, its interval table compiled at load from
 *                   sig_load_options' geoip / iprep (sig_kw_rep.c); no data: rule inactive.
 *   A relative content/pcre/isdataat/byte_* with no earlier content or pcre in
 *   its buffer is relative to the buffer's start (like Suricata).
 *   SIG_CONTENT_STARTSWITH / ENDSWITH are flags only: offset/depth stay unset.
 *   sig_match.buffer/transforms: the sticky buffer for payload keywords
 *   (content pcre isdataat byte_* bsize and SIG_M_OTHER); SIG_BUF_PAYLOAD for
 *   header and flow keywords. file.data / file_data -> SIG_BUF_HTTP_RESPONSE_BODY;
 *   http_raw_cookie -> SIG_BUF_HTTP_COOKIE (rule.h has no raw cookie buffer).
 *   A Snort-style "pcre:/../R" with no earlier match in the payload continues
 *   in the buffer of the rule's previous content or pcre.
 *   byte_test/byte_extract nbytes 0 (with "string") means "the rest of the
 *   buffer" (Suricata 7); byte_jump with a variable byte count has nbytes 0
 *   and leaves the rule inactive. SIG_FLOWBITS_NOALERT matches carry no bits
 *   (sig_rule.noalert is set as well). Protocol tcp-pkt adds SIG_FLOW_NO_STREAM,
 *   tcp-stream SIG_FLOW_ONLY_STREAM. fragoffset is compared as written.
 */
#ifndef RAMPART_SIG_PARSER_H
#define RAMPART_SIG_PARSER_H

#include <stdio.h>

#include "signatures/rule.h"

#define SIG_FRAGBIT_MF 0x01u /* M: more fragments */
#define SIG_FRAGBIT_DF 0x02u /* D: don't fragment */
#define SIG_FRAGBIT_RB 0x04u /* R: reserved bit */

/* Variable table: address groups ($HOME_NET) and port groups ($HTTP_PORTS). */
struct sig_vars;

/* Suricata's shipped suricata.yaml defaults. NULL on allocation failure. */
struct sig_vars *sig_vars_new_defaults(void);
/* Empty table (no variables at all). */
struct sig_vars *sig_vars_new(void);
/* Define or override NAME (with or without '$') = VALUE. 0, or -1 with err. */
int sig_vars_set(struct sig_vars *v, const char *name, const char *value, char *err, size_t errlen);
/* The value text of NAME, or NULL. */
const char *sig_vars_get(const struct sig_vars *v, const char *name);
void sig_vars_free(struct sig_vars *v);

/* classification.config: "config classification: name,description,priority". */
struct sig_classifications;
struct sig_classifications *sig_classifications_load(const char *path, char *err, size_t errlen);
/* Look a class up: 0 and *description / *priority set, or -1 if unknown. */
int sig_classifications_find(const struct sig_classifications *c, const char *name,
			     const char **description, unsigned *priority);
size_t sig_classifications_count(const struct sig_classifications *c);
void sig_classifications_free(struct sig_classifications *c);

struct geoip_db;   /* signatures/geoip/geoip_db.h */
struct iprep_data; /* signatures/iprep/iprep.h */

struct sig_load_options {
	const struct sig_vars *vars;               /* NULL: Suricata defaults */
	const struct sig_classifications *classes; /* NULL: no classtype checks */
	FILE *warnings;                            /* unknown classtype etc.; NULL: quiet */
	/* geoip / iprep keywords are compiled against these at load time (the
	 * rules keep their own tables: both may be closed after loading). NULL:
	 * a rule using the keyword is inactive ("geoip needs geoip-database"). */
	const struct geoip_db *geoip;
	const struct iprep_data *iprep;
};

/*
 * Parse one rule. On success returns 0 and fills *out (active or inactive;
 * free it with sig_rule_free). On failure returns -1, fills *error (free with
 * sig_load_error_free) and leaves *out empty. rs interns flowbit names; it may
 * be NULL only for rules without flowbits. opt may be NULL (defaults).
 */
int sig_parse_rule(const char *text, const struct sig_load_options *opt, struct sig_ruleset *rs,
		   struct sig_rule *out, struct sig_load_error *error);
void sig_rule_free(struct sig_rule *r);          /* frees what r owns, zeroes it */
/* Frees a geoip / iprep match's compiled table (match_free calls it); idempotent. */
void sig_ipmatch_clear(struct sig_ipmatch *m);
void sig_load_error_free(struct sig_load_error *e);

struct sig_ruleset *sig_ruleset_new(void);
void sig_ruleset_free(struct sig_ruleset *rs);

/*
 * Load PATH (a .rules file, or a directory: every *.rules in it, sorted) and
 * append to rs. Multi-line rules (trailing backslash), comments and blank
 * lines are handled; '#'-disabled rules are not counted as read. A malformed
 * rule or a duplicate gid:sid adds one sig_load_error and the rest loads.
 * Returns -1 (err filled) only when PATH cannot be read.
 */
int sig_ruleset_load_path(struct sig_ruleset *rs, const char *path, const struct sig_load_options *opt,
			  char *err, size_t errlen);

/*
 * The same as sig_ruleset_load_path for one file whose content is in memory
 * (rampart-dp's managed mode, rampartd): `name` stands for the file name in
 * errors and in sig_rule.file. Returns -1 (err filled) only on bad arguments
 * or when the text cannot be read at all.
 *
 * Both loaders treat a line `# rampart: threshold.config` as the end of the
 * rules: every line after it is threshold.config text, applied to the set
 * (sig_threshold_config_apply, $VARs from opt) once the rules above are in,
 * with errors naming name:line of the whole text.
 */
int sig_ruleset_load_buffer(struct sig_ruleset *rs, const char *text, size_t len, const char *name,
			    const struct sig_load_options *opt, char *err, size_t errlen);

/*
 * Apply Suricata's threshold.config language to the rules already in rs:
 *   suppress gen_id G, sig_id S[, track by_src|by_dst|by_either, ip ADDR]
 *   threshold|event_filter gen_id G, sig_id S, type limit|threshold|both,
 *             track by_src|by_dst|by_rule|by_both, count N, seconds T
 *   rate_filter gen_id G, sig_id S, track T, count N, seconds T, new_action A, timeout T
 * '#' comments, blank lines and trailing-backslash continuations as in rule
 * files; options in any order. ADDR: an IP, CIDR, [list] with negations, or a
 * $VAR (Suricata's default variables here; _vars below and the embedded form
 * above use the caller's). sig_id 0 = every sid, gen_id 0 = every gid.
 *
 * Semantics (Suricata's): suppress without track turns the rule's alerts off;
 * with track, matches whose tracked address is in ADDR do not alert. Either
 * way the rule still acts (flowbits, drop / reject / pass verdicts), as in
 * Suricata, whose suppress removes only the alert. A threshold for one sid
 * replaces the rule's own threshold (or detection_filter) keyword; a global
 * one (sid 0) applies only to rules that have neither (first one wins).
 * rate_filter changes actions by rate, which the engine does not do: each
 * such line is refused with "rate_filter: not supported" (and a threshold
 * with track by_flow with "track by_flow: not supported").
 *
 * Every refused line adds one sig_load_error (name, line, keyword, reason)
 * to rs->threshold_errors, and the rest applies; so does an entry naming no
 * loaded rule. Call it after the rules are loaded and before the detection
 * engine is built. Returns the number of entries applied (also added to
 * rs->n_threshold_applied), or -1 with err only on bad arguments or no memory.
 */
int sig_threshold_config_apply(struct sig_ruleset *rs, const char *text, size_t len, const char *name,
			       char *err, size_t errlen);
/* The same, resolving `ip $VAR` in vars (NULL: Suricata's defaults). */
int sig_threshold_config_apply_vars(struct sig_ruleset *rs, const char *text, size_t len, const char *name,
				    const struct sig_vars *vars, char *err, size_t errlen);

/* Rules read, active, inactive by reason, rejected by reason, load time. */
void sig_ruleset_print_summary(const struct sig_ruleset *rs, FILE *out);
/* Every rejection as "file:line: keyword: reason", one per line (threshold.config ones after the rules'). */
void sig_ruleset_print_errors(const struct sig_ruleset *rs, FILE *out);

#endif /* RAMPART_SIG_PARSER_H */
