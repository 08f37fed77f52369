/*
 * sig_threshold_config.c - Suricata's threshold.config language applied to a
 * loaded rule set: suppress lists, threshold / event_filter overrides, and
 * rate_filter lines refused by name (see sig_parser.h for the semantics).
 *
 * Why compiled suppress lists: the matcher asks "is this address suppressed
 * for this rule" only when a rule is about to alert, with a binary search in
 * sorted, merged ranges. Every suppress entry aimed at a rule, at its gid or
 * at all rules ends up in one list per rule; rules touched only by global
 * entries share one list. Load time only: nothing here runs per packet.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

typedef unsigned __int128 u128;

/* ---- address ranges (family kept apart) ---- */

struct ival {
	u128 lo, hi;
};

struct ivec {
	struct ival *v;
	size_t n, cap;
};

static int ivec_push(struct ivec *s, u128 lo, u128 hi)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct ival *nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = (struct ival){ lo, hi };
	return 0;
}

static int ivec_append(struct ivec *dst, const struct ivec *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (ivec_push(dst, src->v[i].lo, src->v[i].hi))
			return -1;
	return 0;
}

static void ivec_free(struct ivec *s)
{
	free(s->v);
	*s = (struct ivec){ 0 };
}

static int ival_cmp(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

/* Sort and merge overlapping or adjacent ranges. */
static void ivec_normalize(struct ivec *s)
{
	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), ival_cmp);
	size_t out = 0;
	for (size_t i = 1; i < s->n; i++) {
		struct ival *last = &s->v[out];
		if (s->v[i].lo <= last->hi || (last->hi != ~(u128)0 && s->v[i].lo == last->hi + 1)) {
			if (s->v[i].hi > last->hi)
				last->hi = s->v[i].hi;
		} else {
			s->v[++out] = s->v[i];
		}
	}
	s->n = out + 1;
}

/* a := a minus b; both normalized. */
static int ivec_subtract(struct ivec *a, const struct ivec *b)
{
	struct ivec out = { 0 };
	size_t j = 0;
	for (size_t i = 0; i < a->n; i++) {
		u128 lo = a->v[i].lo, hi = a->v[i].hi;
		bool gone = false;
		while (j < b->n && b->v[j].hi < lo)
			j++;
		for (size_t k = j; k < b->n && b->v[k].lo <= hi; k++) {
			if (b->v[k].lo > lo && ivec_push(&out, lo, b->v[k].lo - 1))
				goto oom;
			if (b->v[k].hi >= hi) {
				gone = true;
				break;
			}
			lo = b->v[k].hi + 1;
		}
		if (!gone && ivec_push(&out, lo, hi))
			goto oom;
	}
	ivec_free(a);
	*a = out;
	return 0;
oom:
	ivec_free(&out);
	return -1;
}

static u128 cidr_first(const struct sig_cidr *c)
{
	u128 v = 0;
	for (int i = 0; i < (c->family == 4 ? 4 : 16); i++)
		v = v << 8 | c->addr.u8[i];
	return v;
}

static u128 cidr_last(const struct sig_cidr *c)
{
	unsigned width = c->family == 4 ? 32 : 128, host = width - (c->prefix > width ? width : c->prefix);
	u128 mask = host == 128 ? ~(u128)0 : (((u128)1) << host) - 1;
	return cidr_first(c) | mask;
}

static int cidrs_to_ivecs(const struct sig_cidr *c, size_t n, struct ivec *v4, struct ivec *v6)
{
	for (size_t i = 0; i < n; i++)
		if (ivec_push(c[i].family == 4 ? v4 : v6, cidr_first(&c[i]), cidr_last(&c[i])))
			return -1;
	ivec_normalize(v4);
	ivec_normalize(v6);
	return 0;
}

/* What one or more suppress entries say about one target (a rule, a gid, all). */
struct pending {
	bool used, all;
	struct ivec src4, src6, dst4, dst6;
};

static void pending_free(struct pending *p)
{
	ivec_free(&p->src4);
	ivec_free(&p->src6);
	ivec_free(&p->dst4);
	ivec_free(&p->dst6);
	*p = (struct pending){ 0 };
}

static int pending_merge(struct pending *dst, const struct pending *src)
{
	if (!src || !src->used)
		return 0;
	dst->used = true;
	dst->all |= src->all;
	return ivec_append(&dst->src4, &src->src4) || ivec_append(&dst->src6, &src->src6) ||
	       ivec_append(&dst->dst4, &src->dst4) || ivec_append(&dst->dst6, &src->dst6) ? -1 : 0;
}

static int spans_to_ivec(const struct sig_ip_span *s, uint32_t n, struct ivec *out)
{
	for (uint32_t i = 0; i < n; i++)
		if (ivec_push(out, (u128)s[i].first.hi << 64 | s[i].first.lo, (u128)s[i].last.hi << 64 | s[i].last.lo))
			return -1;
	return 0;
}

/* A rule's existing list back into pending form (a second apply call merges). */
static int pending_add_list(struct pending *p, const struct sig_suppress *s)
{
	if (!s)
		return 0;
	p->used = true;
	p->all |= s->all;
	return spans_to_ivec(s->src.v4, s->src.n4, &p->src4) || spans_to_ivec(s->src.v6, s->src.n6, &p->src6) ||
	       spans_to_ivec(s->dst.v4, s->dst.n4, &p->dst4) || spans_to_ivec(s->dst.v6, s->dst.n6, &p->dst6) ? -1 : 0;
}

static struct sig_ip_span *spans_of(struct ivec *v, uint32_t *n)
{
	ivec_normalize(v);
	*n = (uint32_t)v->n;
	if (!v->n)
		return NULL;
	struct sig_ip_span *s = malloc(v->n * sizeof(*s));
	if (!s)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		s[i] = (struct sig_ip_span){ { (uint64_t)(v->v[i].lo >> 64), (uint64_t)v->v[i].lo },
					     { (uint64_t)(v->v[i].hi >> 64), (uint64_t)v->v[i].hi } };
	return s;
}

static void suppress_free(struct sig_suppress *s)
{
	if (!s)
		return;
	free(s->src.v4);
	free(s->src.v6);
	free(s->dst.v4);
	free(s->dst.v6);
	free(s);
}

/* Compile p into a list owned by rs; NULL on allocation failure. */
static struct sig_suppress *pending_compile(struct sig_ruleset *rs, struct pending *p)
{
	size_t n = rs->n_suppress_lists;
	struct sig_suppress **nv = realloc(rs->suppress_lists, (n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	rs->suppress_lists = nv;
	struct sig_suppress *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->all = p->all;
	s->src.v4 = spans_of(&p->src4, &s->src.n4);
	s->src.v6 = spans_of(&p->src6, &s->src.n6);
	s->dst.v4 = spans_of(&p->dst4, &s->dst.n4);
	s->dst.v6 = spans_of(&p->dst6, &s->dst.n6);
	if ((s->src.n4 && !s->src.v4) || (s->src.n6 && !s->src.v6) || (s->dst.n4 && !s->dst.v4) ||
	    (s->dst.n6 && !s->dst.v6)) {
		suppress_free(s);
		return NULL;
	}
	nv[rs->n_suppress_lists++] = s;
	return s;
}

void sig_threshold_config_free(struct sig_ruleset *rs)
{
	for (size_t i = 0; i < rs->n_suppress_lists; i++)
		suppress_free(rs->suppress_lists[i]);
	free(rs->suppress_lists);
	rs->suppress_lists = NULL;
	rs->n_suppress_lists = 0;
	for (size_t i = 0; i < rs->n_threshold_errors; i++)
		sig_load_error_free(&rs->threshold_errors[i]);
	free(rs->threshold_errors);
	rs->threshold_errors = NULL;
	rs->n_threshold_errors = 0;
}

/* ---- one apply call ---- */

struct gid_pending {
	uint32_t gid;
	struct pending p;
};

struct sid_ref;

struct tc_ctx {
	struct sig_ruleset *rs;
	const struct sig_vars *vars;
	const char *name;
	uint32_t line;
	const char *directive;   /* keyword of the current line, for errors */
	struct sid_ref *by_sid;  /* every rule, sorted by sid, gid */
	size_t n_by_sid;
	struct pending global;   /* gen_id 0, sig_id 0 */
	struct gid_pending *gids; size_t n_gids; /* gen_id G, sig_id 0 */
	struct pending **per_rule; /* by rule index, lazily */
	bool oom;
};

/* Records one refused line; always returns -1. */
static int tc_fail(struct tc_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int tc_fail(struct tc_ctx *c, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	struct sig_ruleset *rs = c->rs;
	struct sig_load_error *nv = realloc(rs->threshold_errors, (rs->n_threshold_errors + 1) * sizeof(*nv));
	if (!nv) {
		c->oom = true;
		return -1;
	}
	rs->threshold_errors = nv;
	nv[rs->n_threshold_errors++] = (struct sig_load_error){ .file = sig_strdup(c->name), .line = c->line,
								.keyword = sig_strdup(c->directive),
								.reason = sig_strdup(reason) };
	return -1;
}

struct sid_ref {
	uint32_t sid, gid;
	size_t rule;
};

static int sid_ref_cmp(const void *a, const void *b)
{
	const struct sid_ref *x = a, *y = b;
	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	if (x->gid != y->gid)
		return x->gid < y->gid ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static int build_sid_index(struct tc_ctx *c)
{
	const struct sig_ruleset *rs = c->rs;
	if (rs->n_rules == 0)
		return 0;
	c->by_sid = malloc(rs->n_rules * sizeof(*c->by_sid));
	if (!c->by_sid)
		return -1;
	for (size_t i = 0; i < rs->n_rules; i++)
		c->by_sid[i] = (struct sid_ref){ rs->rules[i].sid, rs->rules[i].gid, i };
	qsort(c->by_sid, rs->n_rules, sizeof(*c->by_sid), sid_ref_cmp);
	c->n_by_sid = rs->n_rules;
	return 0;
}

static bool rule_selected(const struct sig_rule *r, uint32_t gid, uint32_t sid)
{
	return (sid == 0 || r->sid == sid) && (gid == 0 || r->gid == gid);
}

/* Calls fn for every rule (gid, sid) names (0 = any) until fn fails;
 * returns how many rules were named. */
static size_t for_each_rule(struct tc_ctx *c, uint32_t gid, uint32_t sid,
			    int (*fn)(struct tc_ctx *c, size_t idx, void *arg), void *arg)
{
	const struct sig_ruleset *rs = c->rs;
	size_t hits = 0;
	if (sid == 0) {
		for (size_t i = 0; i < rs->n_rules; i++)
			if (rule_selected(&rs->rules[i], gid, sid) && (hits++, fn(c, i, arg)))
				break;
		return hits;
	}
	size_t lo = 0, hi = c->n_by_sid; /* first entry with this sid */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->by_sid[mid].sid < sid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < c->n_by_sid && c->by_sid[k].sid == sid; k++)
		if ((gid == 0 || c->by_sid[k].gid == gid) && (hits++, fn(c, c->by_sid[k].rule, arg)))
			break;
	return hits;
}

/* ---- entries ---- */

enum { TRACK_NONE = -1 };

struct tc_entry {
	uint32_t gid, sid;
	bool has_gid, has_sid, has_type, has_track, has_count, has_seconds, has_action, has_timeout;
	int track;               /* enum sig_track, or 4 for by_either */
	struct sig_threshold th;
	char *ip;                /* suppress address expression */
};

#define TRACK_BY_EITHER 4

static int parse_track(struct tc_ctx *c, const char *v, bool suppress, int *out)
{
	static const struct { const char *name; int track; bool suppress, threshold; } tracks[] = {
		{ "by_src", SIG_TRACK_BY_SRC, true, true },   { "by_dst", SIG_TRACK_BY_DST, true, true },
		{ "by_either", TRACK_BY_EITHER, true, false }, { "by_rule", SIG_TRACK_BY_RULE, false, true },
		{ "by_both", SIG_TRACK_BY_BOTH, false, true },
	};
	if (!suppress && strcmp(v, "by_flow") == 0) /* Suricata 7: the thresholds table keys on addresses */
		return tc_fail(c, "track by_flow: not supported");
	for (size_t i = 0; i < sizeof(tracks) / sizeof(tracks[0]); i++)
		if (strcmp(v, tracks[i].name) == 0) {
			if (suppress ? !tracks[i].suppress : !tracks[i].threshold)
				break;
			*out = tracks[i].track;
			return 0;
		}
	return tc_fail(c, "unknown track '%s' (%s)", v,
		       suppress ? "by_src, by_dst or by_either" : "by_src, by_dst, by_rule or by_both");
}

/* Split s at commas outside [brackets]; returns the count or max + 1. */
static size_t split_options(char *s, char **parts, size_t max)
{
	size_t n = 0;
	int depth = 0;
	char *start = s;
	for (char *p = s;; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		if (*p == '\0' || (*p == ',' && depth == 0)) {
			bool last = *p == '\0';
			*p = '\0';
			if (n == max)
				return max + 1;
			parts[n++] = sig_trim(start);
			if (last)
				return n;
			start = p + 1;
		}
	}
}

#define TC_MAX_OPTIONS 8

/* Parse "gen_id G, sig_id S, ..." (in place) into e. */
static int parse_options(struct tc_ctx *c, char *s, bool suppress, bool rate, struct tc_entry *e)
{
	char *parts[TC_MAX_OPTIONS];
	size_t n = split_options(s, parts, TC_MAX_OPTIONS);
	if (n > TC_MAX_OPTIONS)
		return tc_fail(c, "too many options");
	e->track = TRACK_NONE;
	for (size_t i = 0; i < n; i++) {
		char *key = parts[i], *val = key + strcspn(key, " \t");
		if (*val)
			*val++ = '\0';
		val = sig_trim(val);
		if (!*key)
			return tc_fail(c, "empty option");
		if (!*val)
			return tc_fail(c, "%s needs a value", key);
		bool *seen = NULL;
		if (strcmp(key, "gen_id") == 0) {
			seen = &e->has_gid;
			if (!sig_parse_u32(val, &e->gid))
				return tc_fail(c, "bad gen_id '%s'", val);
		} else if (strcmp(key, "sig_id") == 0) {
			seen = &e->has_sid;
			if (!sig_parse_u32(val, &e->sid))
				return tc_fail(c, "bad sig_id '%s'", val);
		} else if (strcmp(key, "track") == 0) {
			seen = &e->has_track;
			if (parse_track(c, val, suppress, &e->track))
				return -1;
		} else if (strcmp(key, "ip") == 0 && suppress) {
			if (e->ip)
				return tc_fail(c, "ip given twice");
			e->ip = val;
		} else if (strcmp(key, "type") == 0 && !suppress && !rate) {
			seen = &e->has_type;
			if (strcmp(val, "limit") == 0)
				e->th.type = SIG_THRESH_LIMIT;
			else if (strcmp(val, "threshold") == 0)
				e->th.type = SIG_THRESH_THRESHOLD;
			else if (strcmp(val, "both") == 0)
				e->th.type = SIG_THRESH_BOTH;
			else
				return tc_fail(c, "unknown type '%s' (limit, threshold or both)", val);
		} else if (strcmp(key, "count") == 0 && !suppress) {
			seen = &e->has_count;
			if (!sig_parse_u32(val, &e->th.count) || e->th.count == 0)
				return tc_fail(c, "bad count '%s'", val);
		} else if (strcmp(key, "seconds") == 0 && !suppress) {
			seen = &e->has_seconds;
			if (!sig_parse_u32(val, &e->th.seconds) || e->th.seconds == 0)
				return tc_fail(c, "bad seconds '%s'", val);
		} else if (strcmp(key, "new_action") == 0 && rate) {
			seen = &e->has_action;
			static const char *const actions[] = { "alert", "drop", "pass", "reject", "sdrop", "log" };
			size_t k = 0;
			while (k < sizeof(actions) / sizeof(actions[0]) && strcmp(val, actions[k]) != 0)
				k++;
			if (k == sizeof(actions) / sizeof(actions[0]))
				return tc_fail(c, "unknown new_action '%s'", val);
		} else if (strcmp(key, "timeout") == 0 && rate) {
			seen = &e->has_timeout;
			uint32_t t;
			if (!sig_parse_u32(val, &t))
				return tc_fail(c, "bad timeout '%s'", val);
		} else {
			return tc_fail(c, "unknown option '%s'", key);
		}
		if (seen) {
			if (*seen)
				return tc_fail(c, "%s given twice", key);
			*seen = true;
		}
	}
	if (!e->has_gid || !e->has_sid)
		return tc_fail(c, "needs gen_id and sig_id");
	return 0;
}

/* ---- applying ---- */

static struct pending *pending_for_gid(struct tc_ctx *c, uint32_t gid)
{
	for (size_t i = 0; i < c->n_gids; i++)
		if (c->gids[i].gid == gid)
			return &c->gids[i].p;
	struct gid_pending *nv = realloc(c->gids, (c->n_gids + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	c->gids = nv;
	nv[c->n_gids] = (struct gid_pending){ .gid = gid };
	return &nv[c->n_gids++].p;
}

static int merge_into_rule(struct tc_ctx *c, size_t idx, void *arg)
{
	if ((!c->per_rule[idx] && !(c->per_rule[idx] = calloc(1, sizeof(struct pending)))) ||
	    pending_merge(c->per_rule[idx], arg)) {
		c->oom = true;
		return -1;
	}
	return 0;
}

static int apply_suppress(struct tc_ctx *c, struct tc_entry *e)
{
	if (e->has_track != (e->ip != NULL))
		return tc_fail(c, e->ip ? "ip needs track" : "track needs ip");
	struct pending p = { .used = true, .all = !e->ip };
	if (e->ip) {
		struct sig_addr_set set;
		char why[256];
		if (sig_addr_resolve(c->vars, e->ip, &set, why, sizeof(why)))
			return tc_fail(c, "ip: %s", why);
		struct ivec a4 = { 0 }, a6 = { 0 }, x4 = { 0 }, x6 = { 0 };
		int rc = 0;
		if (set.any)
			rc |= ivec_push(&a4, 0, 0xffffffffu) | ivec_push(&a6, 0, ~(u128)0);
		rc |= cidrs_to_ivecs(set.include, set.n_include, &a4, &a6);
		rc |= cidrs_to_ivecs(set.exclude, set.n_exclude, &x4, &x6);
		if (!rc)
			rc = ivec_subtract(&a4, &x4) | ivec_subtract(&a6, &x6);
		sig_addr_set_clear(&set);
		ivec_free(&x4);
		ivec_free(&x6);
		if (!rc && e->track != SIG_TRACK_BY_DST)
			rc = ivec_append(&p.src4, &a4) | ivec_append(&p.src6, &a6);
		if (!rc && e->track != SIG_TRACK_BY_SRC)
			rc = ivec_append(&p.dst4, &a4) | ivec_append(&p.dst6, &a6);
		ivec_free(&a4);
		ivec_free(&a6);
		if (rc) {
			pending_free(&p);
			c->oom = true;
			return -1;
		}
	}
	int rc = 0;
	if (e->sid == 0) {
		struct pending *target = e->gid == 0 ? &c->global : pending_for_gid(c, e->gid);
		rc = target ? pending_merge(target, &p) : -1;
	} else if (for_each_rule(c, e->gid, e->sid, merge_into_rule, &p) == 0) {
		pending_free(&p);
		return tc_fail(c, "no rule with gid %u sid %u", e->gid, e->sid);
	}
	pending_free(&p);
	if (rc)
		c->oom = true;
	return rc;
}

static int override_threshold(struct tc_ctx *c, size_t idx, void *arg)
{
	const struct tc_entry *e = arg;
	struct sig_rule *r = &c->rs->rules[idx];
	if (e->sid == 0 && (r->has_threshold || r->has_detection_filter))
		return 0; /* global entries never override a rule's own (Suricata) */
	/* Suricata removes the rule's threshold, else its detection_filter */
	if (!r->has_threshold)
		r->has_detection_filter = false;
	r->has_threshold = true;
	r->threshold = e->th;
	return 0;
}

static int apply_threshold(struct tc_ctx *c, struct tc_entry *e)
{
	if (!e->has_type || !e->has_track || !e->has_count || !e->has_seconds)
		return tc_fail(c, "needs type, track, count and seconds");
	e->th.track = (uint8_t)e->track;
	if (for_each_rule(c, e->gid, e->sid, override_threshold, e) == 0 && e->sid != 0)
		return tc_fail(c, "no rule with gid %u sid %u", e->gid, e->sid);
	return 0;
}

/* One logical line (continuations joined), in place. 1 applied, 0 skipped, -1 refused. */
static int apply_line(struct tc_ctx *c, char *line)
{
	char *s = sig_trim(line);
	if (!*s || *s == '#')
		return 0;
	char *rest = s + strcspn(s, " \t");
	if (*rest)
		*rest++ = '\0';
	c->directive = s;
	bool suppress = strcmp(s, "suppress") == 0, rate = strcmp(s, "rate_filter") == 0;
	if (!suppress && !rate && strcmp(s, "threshold") != 0 && strcmp(s, "event_filter") != 0) {
		c->directive = "threshold.config";
		return tc_fail(c, "unknown directive '%s' (suppress, threshold, event_filter or rate_filter)", s);
	}
	struct tc_entry e = { 0 };
	if (parse_options(c, rest, suppress, rate, &e))
		return -1;
	if (rate) {
		if (!e.has_track || !e.has_count || !e.has_seconds || !e.has_action || !e.has_timeout)
			return tc_fail(c, "needs track, count, seconds, new_action and timeout");
		return tc_fail(c, "rate_filter: not supported (the engine does not change actions by rate)");
	}
	int rc = suppress ? apply_suppress(c, &e) : apply_threshold(c, &e);
	return rc ? -1 : 1;
}

/* Give every rule its compiled list: its own entries, its gid's, the global ones. */
static int finish_suppress(struct tc_ctx *c)
{
	struct sig_ruleset *rs = c->rs;
	struct sig_suppress *shared = NULL;
	for (size_t i = 0; i < rs->n_rules; i++) {
		struct sig_rule *r = &rs->rules[i];
		struct pending *gp = NULL;
		for (size_t k = 0; k < c->n_gids; k++)
			if (c->gids[k].gid == r->gid)
				gp = &c->gids[k].p;
		struct pending *own = c->per_rule ? c->per_rule[i] : NULL;
		if (!gp && !own) {
			if (!c->global.used)
				continue;
			if (!r->suppress) {
				if (!shared && !(shared = pending_compile(rs, &c->global)))
					return -1;
				r->suppress = shared;
				continue;
			}
		}
		struct pending m = { 0 };
		struct sig_suppress *s = NULL;
		if (!pending_merge(&m, &c->global) && !pending_merge(&m, gp) && !pending_merge(&m, own) &&
		    !pending_add_list(&m, r->suppress))
			s = pending_compile(rs, &m);
		pending_free(&m);
		if (!s)
			return -1;
		r->suppress = s;
	}
	return 0;
}

int sig_threshold_config_apply_at(struct sig_ruleset *rs, const char *text, size_t len, const char *name,
				  uint32_t first_line, const struct sig_vars *vars, char *err, size_t errlen)
{
	if (!rs || !name || (!text && len)) {
		snprintf(err, errlen, "threshold.config: %s", !rs ? "no rule set" : !name ? "no name" : "no text");
		return -1;
	}
	struct sig_vars *defaults = NULL;
	if (!vars && !(vars = defaults = sig_vars_new_defaults())) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	struct tc_ctx c = { .rs = rs, .vars = vars, .name = name };
	char *buf = NULL;
	int applied = 0;
	c.per_rule = rs->n_rules ? calloc(rs->n_rules, sizeof(*c.per_rule)) : NULL;
	if ((rs->n_rules && !c.per_rule) || build_sid_index(&c) || !(buf = malloc(len + 1)))
		goto oom;
	size_t pos = 0, buf_len = 0;
	uint32_t line = first_line ? first_line - 1 : 0, start_line = 0;
	while (pos < len && !c.oom) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *l = text + pos;
		pos += n + (nl != NULL);
		line++;
		while (n && l[n - 1] == '\r')
			n--;
		if (buf_len == 0)
			start_line = line;
		bool more = n && l[n - 1] == '\\';
		memcpy(buf + buf_len, l, n - more);
		buf_len += n - more;
		buf[buf_len] = '\0';
		/* a comment line never continues (a '\' ending it is text) */
		if (more && !(buf[strspn(buf, " \t")] == '#'))
			continue;
		c.line = start_line;
		if (apply_line(&c, buf) > 0)
			applied++;
		buf_len = 0;
	}
	if (buf_len && !c.oom) { /* text ended inside a continued line */
		c.line = start_line;
		if (apply_line(&c, buf) > 0)
			applied++;
	}
	if (c.oom || finish_suppress(&c))
		goto oom;
	rs->n_threshold_applied += (size_t)applied;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", name);
	applied = -1;
out:
	free(buf);
	free(c.by_sid);
	for (size_t i = 0; c.per_rule && i < rs->n_rules; i++)
		if (c.per_rule[i]) {
			pending_free(c.per_rule[i]);
			free(c.per_rule[i]);
		}
	free(c.per_rule);
	for (size_t i = 0; i < c.n_gids; i++)
		pending_free(&c.gids[i].p);
	free(c.gids);
	pending_free(&c.global);
	sig_vars_free(defaults);
	return applied;
}

int sig_threshold_config_apply(struct sig_ruleset *rs, const char *text, size_t len, const char *name,
			       char *err, size_t errlen)
{
	return sig_threshold_config_apply_at(rs, text, len, name, 1, NULL, err, errlen);
}

int sig_threshold_config_apply_vars(struct sig_ruleset *rs, const char *text, size_t len, const char *name,
				    const struct sig_vars *vars, char *err, size_t errlen)
{
	return sig_threshold_config_apply_at(rs, text, len, name, 1, vars, err, errlen);
}
