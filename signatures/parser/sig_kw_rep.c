/*
 * sig_kw_rep.c - the geoip and iprep keywords (Suricata's syntax and
 * meaning), compiled at load time into an interval table kept in the match:
 *
 *   geoip:[src|dst|both|any,]CC[,CC...]     any when no side is given;
 *                                           "!CC" negates (the address is NOT
 *                                           in one of those countries)
 *   iprep:any|src|dst|both,CATEGORY,<|>|=,SCORE   (and isset / isnotset)
 *
 * The database and the reputation data come from sig_load_options; without
 * them the rule loads inactive ("geoip needs geoip-database"), so it is
 * reported, never silently true or false. The packet path only searches the
 * table (detect_header.c): no database lookup per packet.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/geoip/geoip_db.h"
#include "signatures/iprep/iprep.h"
#include "signatures/parser/sig_parser_internal.h"

#define GEOIP_MAX_CODES 256

SIG_KW_HANDLER(sig_kw_geoip);
SIG_KW_HANDLER(sig_kw_iprep);

void sig_ipmatch_clear(struct sig_ipmatch *m)
{
	ip_intervals_free(m->set);
	m->set = NULL;
}

static void set_inactive(struct sig_parse_ctx *ctx, const char *reason)
{
	if (!ctx->r->inactive_reason)
		ctx->r->inactive_reason = sig_strdup(reason);
}

/* "src" "dst" "both" "any" -> side; -1 otherwise. */
static int parse_side(const char *s)
{
	if (strcmp(s, "src") == 0)
		return SIG_IPSIDE_SRC;
	if (strcmp(s, "dst") == 0)
		return SIG_IPSIDE_DST;
	if (strcmp(s, "both") == 0)
		return SIG_IPSIDE_BOTH;
	if (strcmp(s, "any") == 0)
		return SIG_IPSIDE_ANY;
	return -1;
}

SIG_KW_HANDLER(sig_kw_geoip)
{
	char *parts[GEOIP_MAX_CODES + 1];
	const char *codes[GEOIP_MAX_CODES];
	size_t n = sig_split_commas(arg, parts, GEOIP_MAX_CODES + 1), n_codes = 0;
	struct sig_ipmatch im = { .side = SIG_IPSIDE_ANY };
	int negations = 0;

	if (n > GEOIP_MAX_CODES)
		return sig_fail(ctx, kw->name, "more than %d country codes", GEOIP_MAX_CODES);
	for (size_t i = 0; i < n; i++) {
		char *p = sig_trim(parts[i]);
		int side = parse_side(p);
		if (i == 0 && side >= 0) {
			im.side = (uint8_t)side;
			continue;
		}
		if (*p == '!') {
			negations++;
			p = sig_trim(p + 1);
		}
		if (!geoip_country_code_valid(p))
			return sig_fail(ctx, kw->name, "'%s' is not a two-letter country code", p);
		codes[n_codes++] = p;
	}
	if (n_codes == 0)
		return sig_fail(ctx, kw->name, "no country code");
	if (negations && (size_t)negations != n_codes)
		return sig_fail(ctx, kw->name, "negate every country code or none");
	im.negated = negations > 0;

	if (ctx->opt->geoip) {
		struct geoip_prefixes pf;
		char why[256];
		if (geoip_db_expand(ctx->opt->geoip, codes, n_codes, &pf, why, sizeof(why)))
			return sig_fail(ctx, kw->name, "%s", why);
		im.set = ip_intervals_from_cidrs(pf.v, pf.n);
		geoip_prefixes_free(&pf);
		if (!im.set)
			return sig_fail(ctx, kw->name, "out of memory");
	} else {
		set_inactive(ctx, "geoip needs geoip-database");
	}
	struct sig_match *m = sig_add_match(ctx, SIG_M_GEOIP, kw->name);
	if (!m) {
		sig_ipmatch_clear(&im);
		return sig_fail(ctx, kw->name, "out of memory");
	}
	m->u.ipmatch = im;
	return 0;
}

SIG_KW_HANDLER(sig_kw_iprep)
{
	char *parts[5];
	size_t n = sig_split_commas(arg, parts, 5);
	struct sig_ipmatch im = { 0 };
	uint8_t cmp;
	int64_t value = 0;

	for (size_t i = 0; i < n && i < 5; i++)
		parts[i] = sig_trim(parts[i]);
	if (n < 3 || n > 4)
		return sig_fail(ctx, kw->name, "expected side,category,operator,score");
	int side = parse_side(parts[0]);
	if (side < 0)
		return sig_fail(ctx, kw->name, "side '%s' is not any, src, dst or both", parts[0]);
	im.side = (uint8_t)side;
	const char *op = parts[2];
	if (n == 3) {
		/* Suricata 7: isset / isnotset = listed in the category at all */
		if (strcmp(op, "isset") == 0)
			im.negated = false;
		else if (strcmp(op, "isnotset") == 0)
			im.negated = true;
		else
			return sig_fail(ctx, kw->name, "expected side,category,operator,score");
		cmp = IPREP_CMP_GE;
	} else {
		if (strcmp(op, "<") == 0)
			cmp = IPREP_CMP_LT;
		else if (strcmp(op, ">") == 0)
			cmp = IPREP_CMP_GT;
		else if (strcmp(op, "=") == 0)
			cmp = IPREP_CMP_EQ;
		else
			return sig_fail(ctx, kw->name, "operator '%s' is not <, > or =", op);
		if (!sig_parse_i64(parts[3], &value) || value < 0 || value > IPREP_MAX_SCORE)
			return sig_fail(ctx, kw->name, "score '%s' is not 0..%d", parts[3], IPREP_MAX_SCORE);
	}
	const char *cat = parts[1];
	if (!*cat)
		return sig_fail(ctx, kw->name, "empty category");

	if (ctx->opt->iprep) {
		int id = iprep_category_id(ctx->opt->iprep, cat);
		if (id < 0)
			return sig_fail(ctx, kw->name, "unknown reputation category '%s'", cat);
		im.set = iprep_intervals(ctx->opt->iprep, id, cmp, (int)value);
		if (!im.set)
			return sig_fail(ctx, kw->name, "out of memory");
	} else {
		set_inactive(ctx, "iprep needs reputation-categories-file");
	}
	struct sig_match *m = sig_add_match(ctx, SIG_M_IPREP, kw->name);
	if (!m) {
		sig_ipmatch_clear(&im);
		return sig_fail(ctx, kw->name, "out of memory");
	}
	m->u.ipmatch = im;
	return 0;
}
