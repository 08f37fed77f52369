/*
 * sig_kw_meta.c - keywords that describe a rule rather than match traffic:
 * msg sid rev gid classtype priority reference metadata target, and the
 * generic handler for keywords whose engine comes later.
 */
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

/* Remove the backslash of \; \" \\ \: and friends, in place. */
static void unescape(char *s)
{
	char *w = s;
	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		*w++ = *s;
	}
	*w = '\0';
}

SIG_KW_HANDLER(sig_kw_msg)
{
	size_t n = strlen(arg);
	if (arg[0] == '"' && (n < 2 || arg[n - 1] != '"' || (n >= 3 && arg[n - 2] == '\\' &&
							   (n < 4 || arg[n - 3] != '\\'))))
		return sig_fail(ctx, kw->name, "unterminated quoted string");
	arg = sig_unquote(arg);
	unescape(arg);
	free(ctx->r->msg);
	ctx->r->msg = sig_strdup(arg);
	ctx->has_msg = true;
	return ctx->r->msg ? 0 : sig_fail(ctx, kw->name, "out of memory");
}

static int parse_u32_kw(struct sig_parse_ctx *ctx, const struct sig_keyword *kw, const char *arg,
			uint32_t *out, bool nonzero)
{
	if (!sig_parse_u32(arg, out) || (nonzero && *out == 0))
		return sig_fail(ctx, kw->name, "bad value '%s'", arg);
	return 0;
}

SIG_KW_HANDLER(sig_kw_sid)
{
	if (ctx->has_sid)
		return sig_fail(ctx, kw->name, "duplicated sid keyword");
	ctx->has_sid = true;
	return parse_u32_kw(ctx, kw, arg, &ctx->r->sid, true);
}

SIG_KW_HANDLER(sig_kw_rev)
{
	return parse_u32_kw(ctx, kw, arg, &ctx->r->rev, false);
}

SIG_KW_HANDLER(sig_kw_gid)
{
	return parse_u32_kw(ctx, kw, arg, &ctx->r->gid, false);
}

SIG_KW_HANDLER(sig_kw_priority)
{
	uint32_t p;
	if (parse_u32_kw(ctx, kw, arg, &p, true))
		return -1;
	if (p > 255)
		return sig_fail(ctx, kw->name, "priority %u out of range 1..255", p);
	ctx->r->priority = (uint8_t)p;
	ctx->has_priority = true;
	return 0;
}

SIG_KW_HANDLER(sig_kw_classtype)
{
	struct sig_rule *r = ctx->r;
	for (const char *p = arg; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_'))
			return sig_fail(ctx, kw->name, "bad classtype name '%s'", arg);
	if (r->classtype)
		return sig_fail(ctx, kw->name, "classtype given twice");
	r->classtype = sig_strdup(arg);
	if (!r->classtype)
		return sig_fail(ctx, kw->name, "out of memory");
	const char *desc;
	unsigned prio;
	if (sig_classifications_find(ctx->opt->classes, arg, &desc, &prio) == 0) {
		r->class_description = sig_strdup(desc);
		if (!r->class_description)
			return sig_fail(ctx, kw->name, "out of memory");
		if (!ctx->has_priority)
			r->priority = (uint8_t)prio;
	} else if (ctx->opt->classes) {
		/* Suricata warns and keeps the rule; so do we (priority stays 3).
		 * The warning waits for sig_rule_finish, which knows the sid. */
		ctx->unknown_classtype = true;
	}
	return 0;
}

SIG_KW_HANDLER(sig_kw_reference)
{
	struct sig_rule *r = ctx->r;
	char *comma = strchr(arg, ',');
	if (!comma)
		return sig_fail(ctx, kw->name, "expected 'type,value'");
	*comma = '\0';
	char *type = sig_trim(arg), *value = sig_trim(comma + 1);
	if (!*type || !*value)
		return sig_fail(ctx, kw->name, "expected 'type,value'");
	struct sig_reference *nv = realloc(r->references, (r->n_references + 1) * sizeof(*nv));
	if (!nv)
		return sig_fail(ctx, kw->name, "out of memory");
	r->references = nv;
	nv[r->n_references].type = sig_strdup(type);
	nv[r->n_references].value = sig_strdup(value);
	r->n_references++;
	if (!nv[r->n_references - 1].type || !nv[r->n_references - 1].value)
		return sig_fail(ctx, kw->name, "out of memory");
	return 0;
}

SIG_KW_HANDLER(sig_kw_metadata)
{
	struct sig_rule *r = ctx->r;
	char *p = arg;
	while (p) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		char *item = sig_trim(p);
		p = comma ? comma + 1 : NULL;
		if (!*item)
			continue;
		char **nv = realloc(r->metadata, (r->n_metadata + 1) * sizeof(*nv));
		if (!nv)
			return sig_fail(ctx, kw->name, "out of memory");
		r->metadata = nv;
		nv[r->n_metadata] = sig_strdup(item);
		if (!nv[r->n_metadata])
			return sig_fail(ctx, kw->name, "out of memory");
		r->n_metadata++;
	}
	return 0;
}

SIG_KW_HANDLER(sig_kw_target)
{
	if (strcmp(arg, "src_ip") != 0 && strcmp(arg, "dest_ip") != 0)
		return sig_fail(ctx, kw->name, "expected src_ip or dest_ip, got '%s'", arg);
	free(ctx->r->target);
	ctx->r->target = sig_strdup(arg);
	return ctx->r->target ? 0 : sig_fail(ctx, kw->name, "out of memory");
}

SIG_KW_HANDLER(sig_kw_ignored)
{
	return 0;
}

SIG_KW_HANDLER(sig_kw_noalert)
{
	ctx->r->noalert = true;
	return 0;
}

/* A known keyword without an engine yet: kept as SIG_M_OTHER, rule inactive. */
SIG_KW_HANDLER(sig_kw_later)
{
	if (arg) {
		/* the simple syntax check every such keyword shares: balanced quotes */
		size_t quotes = 0;
		for (const char *p = arg; *p; p++) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				quotes++;
		}
		if (quotes % 2)
			return sig_fail(ctx, kw->name, "unterminated quoted string");
	}
	struct sig_match *m = sig_add_match(ctx, SIG_M_OTHER, kw->name);
	if (!m)
		return sig_fail(ctx, kw->name, "out of memory");
	if (arg && !(m->u.other.value = sig_strdup(arg)))
		return sig_fail(ctx, kw->name, "out of memory");
	if (kw->feature) {
		sig_needs(ctx, kw->feature);
	} else {
		char feat[96];
		snprintf(feat, sizeof(feat), "keyword %s", kw->name);
		sig_needs(ctx, feat);
	}
	return 0;
}

SIG_KW_HANDLER(sig_kw_app_layer_protocol)
{
	const char *name = arg[0] == '!' ? arg + 1 : arg;
	if (!*name)
		return sig_fail(ctx, kw->name, "needs a protocol name");
	struct sig_match *m = sig_add_match(ctx, SIG_M_APP_LAYER_PROTOCOL, kw->name);
	if (!m || !(m->u.other.value = sig_strdup(arg)))
		return sig_fail(ctx, kw->name, "out of memory");
	sig_needs(ctx, "keyword app-layer-protocol");
	return 0;
}
