/*
 * sig_parser_internal.h - what the parser's translation units share.
 * Not installed, not for other modules: the public contract is sig_parser.h.
 */
#ifndef RAMPART_SIG_PARSER_INTERNAL_H
#define RAMPART_SIG_PARSER_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "signatures/parser/sig_parser.h"

/* ---- sig_addr.c: address and port expressions with variables ---- */

/* Resolve an address expression ("any", "$HOME_NET", "[10.0.0.0/8,!10.1.0.0/16]")
 * into include/exclude form. 0, or -1 with a reason in err. */
int sig_addr_resolve(const struct sig_vars *vars, const char *text, struct sig_addr_set *out,
		     char *err, size_t errlen);
int sig_port_resolve(const struct sig_vars *vars, const char *text, struct sig_port_set *out,
		     char *err, size_t errlen);
void sig_addr_set_clear(struct sig_addr_set *s);
void sig_port_set_clear(struct sig_port_set *s);

/* ---- sig_rule_parse.c: per-rule parse state shared with the keyword files ---- */

struct sig_parse_ctx {
	const struct sig_load_options *opt;
	struct sig_ruleset *rs;
	struct sig_rule *r;
	struct sig_load_error *error;
	size_t matches_cap;
	uint8_t cur_buffer;        /* enum sig_buffer of the current sticky buffer */
	uint8_t cur_xforms;        /* SIG_XFORM_* on the current sticky buffer */
	size_t section_start;      /* first match index in the current sticky section */
	const char *cur_buffer_name;
	long last_content;         /* index of the last content match, -1 if none */
	long fp_content;           /* index of the content carrying fast_pattern, -1 */
	bool has_sid, has_msg, has_priority, unknown_classtype;
	bool after_later;          /* the previous keyword had no engine (sig_kw_later) */
};

struct sig_keyword;
typedef int (*sig_keyword_fn)(struct sig_parse_ctx *ctx, const struct sig_keyword *kw, char *arg);

enum sig_kw_arg { KW_ARG_NONE, KW_ARG_REQUIRED, KW_ARG_OPTIONAL };

struct sig_keyword {
	const char *name;
	sig_keyword_fn fn;
	uint8_t arg;     /* enum sig_kw_arg */
	int param;       /* handler-specific: a buffer, a transform bit, a match kind */
	const char *feature; /* the "needs ..." name where it differs from name */
};

/* Fail the rule: fills ctx->error (keyword, printf-style reason); returns -1. */
int sig_fail(struct sig_parse_ctx *ctx, const char *keyword, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the rule inactive with "needs FEATURE" unless it already has a reason. */
void sig_needs(struct sig_parse_ctx *ctx, const char *feature);
/* Append a match in the current buffer; NULL on allocation failure. */
struct sig_match *sig_add_match(struct sig_parse_ctx *ctx, uint8_t kind, const char *keyword);
/* Last content or pcre in BUFFER before match index `before`, -1 if none. */
long sig_prev_payload_match(const struct sig_parse_ctx *ctx, size_t before, uint8_t buffer);
/* Intern a flowbit name in ctx->rs; -1 on failure. */
int sig_intern_flowbit(struct sig_parse_ctx *ctx, const char *name, size_t len);
/* Index of byte_extract variable NAME in the rule, or -1. */
int sig_find_var(const struct sig_parse_ctx *ctx, const char *name);

/* Name of a buffer for "needs <name>" reasons and reports. */
const char *sig_buffer_name(uint8_t buffer);

/* ---- sig_threshold_config.c ---- */

/* sig_threshold_config_apply for text whose first line is line `first_line`
 * of `name`, resolving $VARs in vars (NULL: Suricata's defaults). */
int sig_threshold_config_apply_at(struct sig_ruleset *rs, const char *text, size_t len, const char *name,
				  uint32_t first_line, const struct sig_vars *vars, char *err, size_t errlen);
void sig_threshold_config_free(struct sig_ruleset *rs); /* what apply added to rs */

/* ---- small text helpers (sig_text.c) ---- */
char *sig_trim(char *s);                              /* in place, returns start */
bool sig_parse_i64(const char *s, int64_t *out);      /* whole string, decimal or 0x hex */
bool sig_parse_u32(const char *s, uint32_t *out);
/* Split s in place at top-level commas; returns count (at most max). */
size_t sig_split_commas(char *s, char **parts, size_t max);
char *sig_strdup(const char *s);
char *sig_strndup(const char *s, size_t n);
char *sig_unquote(char *s);  /* strip one pair of surrounding double quotes, in place */

/* ---- keyword handlers (sig_kw_payload.c, sig_kw_packet.c, sig_kw_meta.c) ---- */
#define SIG_KW_HANDLER(name) int name(struct sig_parse_ctx *ctx, const struct sig_keyword *kw, char *arg)
SIG_KW_HANDLER(sig_kw_content);
SIG_KW_HANDLER(sig_kw_uricontent);
SIG_KW_HANDLER(sig_kw_content_modifier);
SIG_KW_HANDLER(sig_kw_buffer_modifier);
SIG_KW_HANDLER(sig_kw_pcre);
SIG_KW_HANDLER(sig_kw_isdataat);
SIG_KW_HANDLER(sig_kw_byte_test);
SIG_KW_HANDLER(sig_kw_byte_jump);
SIG_KW_HANDLER(sig_kw_byte_extract);
SIG_KW_HANDLER(sig_kw_byte_math);
int sig_add_var(struct sig_parse_ctx *ctx, const char *kw, const char *name); /* index or -1 */
SIG_KW_HANDLER(sig_kw_sticky_buffer);
SIG_KW_HANDLER(sig_kw_transform);
SIG_KW_HANDLER(sig_kw_numcmp);
SIG_KW_HANDLER(sig_kw_flags);
SIG_KW_HANDLER(sig_kw_fragbits);
SIG_KW_HANDLER(sig_kw_ipopts);
SIG_KW_HANDLER(sig_kw_ip_proto);
SIG_KW_HANDLER(sig_kw_sameip);
SIG_KW_HANDLER(sig_kw_flow);
SIG_KW_HANDLER(sig_kw_flowbits);
SIG_KW_HANDLER(sig_kw_threshold);
SIG_KW_HANDLER(sig_kw_app_layer_protocol);
SIG_KW_HANDLER(sig_kw_noalert);
SIG_KW_HANDLER(sig_kw_later);
SIG_KW_HANDLER(sig_kw_msg);
SIG_KW_HANDLER(sig_kw_sid);
SIG_KW_HANDLER(sig_kw_rev);
SIG_KW_HANDLER(sig_kw_gid);
SIG_KW_HANDLER(sig_kw_classtype);
SIG_KW_HANDLER(sig_kw_priority);
SIG_KW_HANDLER(sig_kw_reference);
SIG_KW_HANDLER(sig_kw_metadata);
SIG_KW_HANDLER(sig_kw_target);
SIG_KW_HANDLER(sig_kw_ignored);

/* The keyword table (sig_keywords.c). NULL if unknown. */
const struct sig_keyword *sig_keyword_find(const char *name);

/* Finish a rule after its last option: validation and priority. */
int sig_rule_finish(struct sig_parse_ctx *ctx);

#endif /* RAMPART_SIG_PARSER_INTERNAL_H */
