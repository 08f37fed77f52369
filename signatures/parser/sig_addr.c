/*
 * sig_addr.c - address and port expressions: any, $VAR, [lists], !negation,
 * CIDR, netmask, a-b address ranges, a:b port ranges.
 *
 * Why exact set algebra: Suricata evaluates "[10.0.0.0/8,!10.1.0.0/16]",
 * "!$EXTERNAL_NET" (a double negation) and nested lists as exact sets. We do
 * the same on sorted interval lists (IPv4 and IPv6 kept apart, 128-bit
 * integers), then write the result in rule.h's include/exclude form,
 * choosing whichever of "these blocks" or "anything but these blocks" is
 * shorter. Runs at load time only.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser_internal.h"

typedef unsigned __int128 u128;

#define FAM_PORT 0
#define MAX_VAR_DEPTH 16
#define MAX_EXPR_DEPTH 64

struct ival {
	u128 lo, hi;
	uint8_t fam;  /* 4, 6, or FAM_PORT */
};

struct iset {
	struct ival *v;
	size_t n, cap;
};

struct eval {
	const struct sig_vars *vars;
	bool ports;
	char *err;
	size_t errlen;
	int depth;
};

static u128 fam_max(uint8_t fam)
{
	if (fam == 4)
		return 0xffffffffu;
	if (fam == 6)
		return ~(u128)0;
	return 65535;
}

static int iset_push(struct iset *s, uint8_t fam, u128 lo, u128 hi)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct ival *nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = (struct ival){ .lo = lo, .hi = hi, .fam = fam };
	return 0;
}

static void iset_free(struct iset *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int ival_cmp(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;
	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

/* Sort and merge overlapping or adjacent intervals. */
static void iset_normalize(struct iset *s)
{
	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(*s->v), ival_cmp);
	size_t w = 0;
	for (size_t i = 1; i < s->n; i++) {
		struct ival *cur = &s->v[w];
		const struct ival *nx = &s->v[i];
		if (nx->fam == cur->fam && (cur->hi == fam_max(cur->fam) || nx->lo <= cur->hi + 1)) {
			if (nx->hi > cur->hi)
				cur->hi = nx->hi;
		} else {
			s->v[++w] = *nx;
		}
	}
	s->n = w + 1;
}

static int iset_universe(struct iset *s, bool ports)
{
	if (ports)
		return iset_push(s, FAM_PORT, 0, 65535);
	if (iset_push(s, 4, 0, fam_max(4)) || iset_push(s, 6, 0, fam_max(6)))
		return -1;
	return 0;
}

/* out = universe minus s (s normalized). */
static int iset_complement(const struct iset *s, bool ports, struct iset *out)
{
	const uint8_t fams_addr[] = { 4, 6 }, fams_port[] = { FAM_PORT };
	const uint8_t *fams = ports ? fams_port : fams_addr;
	size_t nfam = ports ? 1 : 2;
	for (size_t f = 0; f < nfam; f++) {
		u128 next = 0;
		bool done = false;
		for (size_t i = 0; i < s->n; i++) {
			if (s->v[i].fam != fams[f])
				continue;
			if (s->v[i].lo > next && iset_push(out, fams[f], next, s->v[i].lo - 1))
				return -1;
			if (s->v[i].hi == fam_max(fams[f])) {
				done = true;
				break;
			}
			next = s->v[i].hi + 1;
		}
		if (!done && iset_push(out, fams[f], next, fam_max(fams[f])))
			return -1;
	}
	return 0;
}

/* out = a minus b (both normalized). */
static int iset_subtract(const struct iset *a, const struct iset *b, bool ports, struct iset *out)
{
	struct iset nb = { 0 };
	if (iset_complement(b, ports, &nb)) {
		iset_free(&nb);
		return -1;
	}
	/* intersection of two sorted, merged lists */
	size_t i = 0, j = 0;
	int rc = 0;
	while (i < a->n && j < nb.n) {
		const struct ival *x = &a->v[i], *y = &nb.v[j];
		if (x->fam != y->fam) {
			if (x->fam < y->fam)
				i++;
			else
				j++;
			continue;
		}
		u128 lo = x->lo > y->lo ? x->lo : y->lo;
		u128 hi = x->hi < y->hi ? x->hi : y->hi;
		if (lo <= hi && iset_push(out, x->fam, lo, hi)) {
			rc = -1;
			break;
		}
		if (x->hi < y->hi)
			i++;
		else
			j++;
	}
	iset_free(&nb);
	return rc;
}

static int iset_append(struct iset *dst, const struct iset *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (iset_push(dst, src->v[i].fam, src->v[i].lo, src->v[i].hi))
			return -1;
	return 0;
}

static int eval_fail(struct eval *ev, const char *fmt, const char *what)
{
	snprintf(ev->err, ev->errlen, fmt, what);
	return -1;
}

static bool parse_port_num(const char *s, u128 *out)
{
	if (!*s)
		return false;
	unsigned long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return false;
	}
	*out = v;
	return true;
}

static bool parse_ip(const char *s, uint8_t *fam, u128 *val)
{
	unsigned char buf[16];
	if (inet_pton(AF_INET, s, buf) == 1) {
		*fam = 4;
		*val = ((u128)buf[0] << 24) | ((u128)buf[1] << 16) | ((u128)buf[2] << 8) | buf[3];
		return true;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		*fam = 6;
		*val = 0;
		for (int i = 0; i < 16; i++)
			*val = (*val << 8) | buf[i];
		return true;
	}
	return false;
}

/* One address: a.b.c.d, a.b.c.d/nn, a.b.c.d/m.m.m.m, v6, v6/nn, lo-hi. */
static int eval_address_atom(struct eval *ev, char *s, struct iset *out)
{
	char *dash = strchr(s, '-');
	uint8_t fam, fam2;
	u128 lo, hi;
	if (dash) {
		*dash = '\0';
		if (!parse_ip(s, &fam, &lo) || !parse_ip(dash + 1, &fam2, &hi) || fam != fam2 || lo > hi)
			return eval_fail(ev, "bad address range '%s'", s);
		return iset_push(out, fam, lo, hi);
	}
	char *slash = strchr(s, '/');
	if (slash)
		*slash = '\0';
	if (!parse_ip(s, &fam, &lo))
		return eval_fail(ev, "bad address '%s'", s);
	unsigned width = fam == 4 ? 32 : 128, prefix = width;
	if (slash) {
		const char *p = slash + 1;
		uint8_t mfam;
		u128 mask;
		if (strchr(p, '.') && parse_ip(p, &mfam, &mask) && mfam == 4 && fam == 4) {
			/* netmask form: must be contiguous ones */
			prefix = 0;
			while (prefix < 32 && (mask >> (31 - prefix)) & 1)
				prefix++;
			if (prefix < 32 && (mask & ((((u128)1) << (32 - prefix)) - 1)) != 0)
				return eval_fail(ev, "bad netmask '%s'", p);
		} else {
			char *end;
			unsigned long n = strtoul(p, &end, 10);
			if (!*p || *end || n > width)
				return eval_fail(ev, "bad prefix length '%s'", p);
			prefix = (unsigned)n;
		}
	}
	u128 span = prefix == 0 ? fam_max(fam) : ((((u128)1) << (width - prefix)) - 1);
	if (prefix == 0 && fam == 6)
		span = ~(u128)0;
	lo &= ~span;  /* clear host bits, as Suricata does */
	return iset_push(out, fam, lo, lo + span);
}

static int eval_port_atom(struct eval *ev, char *s, struct iset *out)
{
	char *colon = strchr(s, ':');
	u128 lo, hi;
	if (!colon) {
		if (!parse_port_num(s, &lo))
			return eval_fail(ev, "bad port '%s'", s);
		return iset_push(out, FAM_PORT, lo, lo);
	}
	*colon = '\0';
	const char *a = s, *b = colon + 1;
	if (!*a && !*b)
		return eval_fail(ev, "bad port range '%s'", ":");
	if (*a) {
		if (!parse_port_num(a, &lo))
			return eval_fail(ev, "bad port '%s'", a);
	} else {
		lo = 0;
	}
	if (*b) {
		if (!parse_port_num(b, &hi))
			return eval_fail(ev, "bad port '%s'", b);
	} else {
		hi = 65535;
	}
	if (lo > hi)
		return eval_fail(ev, "bad port range starting at '%s'", a);
	return iset_push(out, FAM_PORT, lo, hi);
}

static int eval_expr(struct eval *ev, const char *text, int var_depth, struct iset *out);

static bool has_top_level_comma(const char *s)
{
	int depth = 0;
	for (; *s; s++) {
		depth += (*s == '[') - (*s == ']');
		if (*s == ',' && depth == 0)
			return true;
	}
	return false;
}

/* Split a list body at top-level commas and evaluate it. */
static int eval_list(struct eval *ev, char *body, int var_depth, struct iset *out)
{
	struct iset pos = { 0 }, neg = { 0 }, tmp = { 0 };
	bool any_pos = false, any_item = false;
	int rc = -1;
	char *p = body;
	while (1) {
		char *start = p;
		int depth = 0;
		while (*p && !(depth == 0 && *p == ',')) {
			depth += (*p == '[') - (*p == ']');
			p++;
		}
		char saved = *p;
		*p = '\0';
		char *item = sig_trim(start);
		if (!*item) {
			eval_fail(ev, "empty element in list '%s'", body);
			goto out;
		}
		any_item = true;
		bool negated = false;
		while (*item == '!') {
			negated = !negated;
			item = sig_trim(item + 1);
		}
		tmp.n = 0;
		if (eval_expr(ev, item, var_depth, &tmp))
			goto out;
		if (negated) {
			if (iset_append(&neg, &tmp))
				goto oom;
		} else {
			any_pos = true;
			if (iset_append(&pos, &tmp))
				goto oom;
		}
		if (!saved)
			break;
		*p++ = saved;
	}
	if (!any_item) {
		eval_fail(ev, "empty list '%s'", body);
		goto out;
	}
	/* A list of only negations means "anything but these" (Suricata). */
	if (!any_pos && iset_universe(&pos, ev->ports))
		goto oom;
	iset_normalize(&pos);
	iset_normalize(&neg);
	if (iset_subtract(&pos, &neg, ev->ports, out))
		goto oom;
	rc = 0;
	goto out;
oom:
	snprintf(ev->err, ev->errlen, "out of memory");
out:
	iset_free(&pos);
	iset_free(&neg);
	iset_free(&tmp);
	return rc;
}

/* Evaluate TEXT into out (appended, then normalized). */
static int eval_expr(struct eval *ev, const char *text, int var_depth, struct iset *out)
{
	if (++ev->depth > MAX_EXPR_DEPTH) {
		ev->depth--;
		return eval_fail(ev, "expression nested too deeply: '%s'", text);
	}
	char *copy = sig_strdup(text);
	int rc = -1;
	if (!copy) {
		snprintf(ev->err, ev->errlen, "out of memory");
		goto out;
	}
	char *s = sig_trim(copy);
	size_t len = strlen(s);
	if (!len) {
		eval_fail(ev, "empty %s", ev->ports ? "port" : "address");
		goto out;
	}
	if (s[0] == '!') {
		struct iset inner = { 0 };
		if (eval_expr(ev, s + 1, var_depth, &inner) == 0) {
			iset_normalize(&inner);
			if (iset_complement(&inner, ev->ports, out) == 0)
				rc = 0;
			else
				snprintf(ev->err, ev->errlen, "out of memory");
		}
		iset_free(&inner);
	} else if (s[0] == '[') {
		if (s[len - 1] != ']') {
			eval_fail(ev, "unterminated list '%s'", s);
			goto out;
		}
		s[len - 1] = '\0';
		rc = eval_list(ev, s + 1, var_depth, out);
	} else if (s[0] == '$') {
		const char *value = sig_vars_get(ev->vars, s + 1);
		if (!value) {
			eval_fail(ev, "unknown variable '%s'", s);
			goto out;
		}
		if (var_depth >= MAX_VAR_DEPTH) {
			eval_fail(ev, "variable loop through '%s'", s);
			goto out;
		}
		rc = eval_expr(ev, value, var_depth + 1, out);
	} else if (has_top_level_comma(s)) {
		/* a bare list "a,b,c": Suricata reads it as "[a,b,c]" */
		rc = eval_list(ev, s, var_depth, out);
	} else if (strcmp(s, "any") == 0) {
		rc = iset_universe(out, ev->ports);
	} else if (strpbrk(s, "[]!$, \t")) {
		snprintf(ev->err, ev->errlen, "bad %s syntax '%s'", ev->ports ? "port" : "address", s);
	} else {
		rc = ev->ports ? eval_port_atom(ev, s, out) : eval_address_atom(ev, s, out);
	}
	if (rc == 0)
		iset_normalize(out);
out:
	free(copy);
	ev->depth--;
	return rc;
}

static unsigned ctz128(u128 v) /* v != 0 */
{
	uint64_t low = (uint64_t)v;
	return low ? (unsigned)__builtin_ctzll(low) : 64 + (unsigned)__builtin_ctzll((uint64_t)(v >> 64));
}

static unsigned clz128(u128 v) /* v != 0 */
{
	uint64_t high = (uint64_t)(v >> 64);
	return high ? (unsigned)__builtin_clzll(high) : 64 + (unsigned)__builtin_clzll((uint64_t)v);
}

/* Append the CIDR blocks covering [lo, hi] of family fam. */
static int cidr_cover(uint8_t fam, u128 lo, u128 hi, struct sig_cidr **v, size_t *n, size_t *cap)
{
	unsigned width = fam == 4 ? 32 : 128;
	while (1) {
		/* largest block aligned at lo that fits in [lo, hi]: 2^k with
		 * k = min(trailing zeros of lo, floor(log2(hi - lo + 1))) */
		unsigned k;
		if (lo == 0 && hi == fam_max(fam)) {
			k = width;
		} else {
			unsigned tz = lo == 0 ? width : ctz128(lo);
			unsigned lg = 127 - clz128(hi - lo + 1);
			k = tz < lg ? tz : lg;
			if (k > width)
				k = width;
		}
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 4;
			struct sig_cidr *nv = realloc(*v, nc * sizeof(**v));
			if (!nv)
				return -1;
			*v = nv;
			*cap = nc;
		}
		struct sig_cidr *c = &(*v)[(*n)++];
		memset(c, 0, sizeof(*c));
		c->family = fam;
		c->prefix = (uint8_t)(width - k);
		if (fam == 4) {
			c->addr.u8[0] = (uint8_t)(lo >> 24);
			c->addr.u8[1] = (uint8_t)(lo >> 16);
			c->addr.u8[2] = (uint8_t)(lo >> 8);
			c->addr.u8[3] = (uint8_t)lo;
		} else {
			for (int i = 0; i < 16; i++)
				c->addr.u8[i] = (uint8_t)(lo >> (8 * (15 - i)));
		}
		u128 last = k == width ? fam_max(fam) : lo + ((((u128)1) << k) - 1);
		if (last >= hi)
			return 0;
		lo = last + 1;
	}
}

static int cidrs_of(const struct iset *s, struct sig_cidr **v, size_t *n)
{
	size_t cap = 0;
	*v = NULL;
	*n = 0;
	for (size_t i = 0; i < s->n; i++)
		if (cidr_cover(s->v[i].fam, s->v[i].lo, s->v[i].hi, v, n, &cap))
			return -1;
	return 0;
}

static bool iset_is_universe(const struct iset *s, bool ports)
{
	if (ports)
		return s->n == 1 && s->v[0].lo == 0 && s->v[0].hi == 65535;
	return s->n == 2 && s->v[0].fam == 4 && s->v[0].lo == 0 && s->v[0].hi == fam_max(4) &&
	       s->v[1].fam == 6 && s->v[1].lo == 0 && s->v[1].hi == fam_max(6);
}

/*
 * The part address and port resolution share: evaluate `text` into the set
 * `s` and, unless it is everything, its complement `comp` (so the caller can
 * keep whichever form is shorter). Returns 1 for "everything", 0 with both
 * sets filled, -1 with err set. The caller frees both sets.
 */
static int resolve_sets(const struct sig_vars *vars, const char *text, bool ports, struct iset *s,
			struct iset *comp, char *err, size_t errlen)
{
	struct eval ev = { .vars = vars, .ports = ports, .err = err, .errlen = errlen };

	if (eval_expr(&ev, text, 0, s))
		return -1;
	if (s->n == 0) {
		snprintf(err, errlen, "%s '%s' matches nothing", ports ? "port" : "address", text);
		return -1;
	}
	if (iset_is_universe(s, ports))
		return 1;
	if (iset_complement(s, ports, comp)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int sig_addr_resolve(const struct sig_vars *vars, const char *text, struct sig_addr_set *out,
		     char *err, size_t errlen)
{
	struct iset s = { 0 }, comp = { 0 };
	int rc = -1;
	memset(out, 0, sizeof(*out));
	int r = resolve_sets(vars, text, false, &s, &comp, err, errlen);
	if (r < 0)
		goto out;
	if (r > 0) {
		out->any = true;
		rc = 0;
		goto out;
	}
	struct sig_cidr *inc, *exc;
	size_t n_inc, n_exc;
	if (cidrs_of(&s, &inc, &n_inc))
		goto oom;
	if (cidrs_of(&comp, &exc, &n_exc)) {
		free(inc);
		free(exc);
		goto oom;
	}
	if (n_exc < n_inc) {
		free(inc);
		out->any = true;
		out->exclude = exc;
		out->n_exclude = n_exc;
	} else {
		free(exc);
		out->include = inc;
		out->n_include = n_inc;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	iset_free(&s);
	iset_free(&comp);
	return rc;
}

static int ranges_of(const struct iset *s, struct sig_port_range **v, size_t *n)
{
	*n = 0;
	*v = s->n ? malloc(s->n * sizeof(**v)) : NULL;
	if (s->n && !*v)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		(*v)[(*n)++] = (struct sig_port_range){ (uint16_t)s->v[i].lo, (uint16_t)s->v[i].hi };
	return 0;
}

int sig_port_resolve(const struct sig_vars *vars, const char *text, struct sig_port_set *out,
		     char *err, size_t errlen)
{
	struct iset s = { 0 }, comp = { 0 };
	int rc = -1;
	memset(out, 0, sizeof(*out));
	int r = resolve_sets(vars, text, true, &s, &comp, err, errlen);
	if (r < 0)
		goto out;
	if (r > 0) {
		out->any = true;
		rc = 0;
		goto out;
	}
	if (comp.n < s.n) {
		out->any = true;
		if (ranges_of(&comp, &out->exclude, &out->n_exclude))
			goto oom;
	} else if (ranges_of(&s, &out->include, &out->n_include)) {
		goto oom;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	iset_free(&s);
	iset_free(&comp);
	return rc;
}

void sig_addr_set_clear(struct sig_addr_set *s)
{
	free(s->include);
	free(s->exclude);
	memset(s, 0, sizeof(*s));
}

void sig_port_set_clear(struct sig_port_set *s)
{
	free(s->include);
	free(s->exclude);
	memset(s, 0, sizeof(*s));
}
