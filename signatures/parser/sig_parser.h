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

struct sig_load_options {
	const struct sig_vars *vars;               /* NULL: Suricata defaults */
	const struct sig_classifications *classes; /* NULL: no classtype checks */
	FILE *warnings;                            /* unknown classtype etc.; NULL: quiet */
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

/* Rules read, active, inactive by reason, rejected by reason, load time. */
void sig_ruleset_print_summary(const struct sig_ruleset *rs, FILE *out);
/* Every rejection as "file:line: keyword: reason", one per line. */
void sig_ruleset_print_errors(const struct sig_ruleset *rs, FILE *out);

#endif /* RAMPART_SIG_PARSER_H */
