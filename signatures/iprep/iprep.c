/*
 * iprep.c - Suricata reputation files -> per-category score intervals (see
 * iprep.h).
 */
#include "signatures/iprep/iprep.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IPREP_KEPT_MESSAGES 64

/* One listed block as read. */
struct rep_entry {
	ip_u128 lo, hi;
	uint32_t order;  /* read order: the later of two equal blocks wins */
	uint8_t score;
};

/* A category's blocks of one family, and their flattened form. */
struct rep_family {
	struct rep_entry *v;
	size_t n, cap;
	ip_u128 *seg_lo, *seg_hi; /* disjoint, sorted, most specific score */
	uint8_t *seg_score;
	size_t n_seg;
};

struct rep_category {
	char *name;      /* NULL: not defined */
	char *description;
	struct rep_family fam[2]; /* [0] IPv4, [1] IPv6 */
};

struct iprep_data {
	struct rep_category cat[IPREP_MAX_CATEGORY + 1];
	size_t n_bad;
	char *msgs[IPREP_KEPT_MESSAGES];
	size_t n_entries;
	uint32_t next_order;
};

struct iprep_data *iprep_new(void)
{
	return calloc(1, sizeof(struct iprep_data));
}

static void family_free_segments(struct rep_family *f)
{
	free(f->seg_lo);
	free(f->seg_hi);
	free(f->seg_score);
	f->seg_lo = f->seg_hi = NULL;
	f->seg_score = NULL;
	f->n_seg = 0;
}

void iprep_free(struct iprep_data *d)
{
	if (!d)
		return;
	for (int c = 0; c <= IPREP_MAX_CATEGORY; c++) {
		free(d->cat[c].name);
		free(d->cat[c].description);
		for (int f = 0; f < 2; f++) {
			free(d->cat[c].fam[f].v);
			family_free_segments(&d->cat[c].fam[f]);
		}
	}
	for (size_t i = 0; i < IPREP_KEPT_MESSAGES; i++)
		free(d->msgs[i]);
	free(d);
}

static void bad_line(struct iprep_data *d, const char *path, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void bad_line(struct iprep_data *d, const char *path, unsigned line, const char *fmt, ...)
{
	if (d->n_bad < IPREP_KEPT_MESSAGES) {
		char why[256], *msg;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		if (asprintf(&msg, "%s:%u: %s", path, line, why) >= 0)
			d->msgs[d->n_bad] = msg;
	}
	d->n_bad++;
}

size_t iprep_bad_lines(const struct iprep_data *d)
{
	return d->n_bad;
}

const char *iprep_bad_line(const struct iprep_data *d, size_t i)
{
	return i < IPREP_KEPT_MESSAGES && i < d->n_bad ? d->msgs[i] : NULL;
}

size_t iprep_entry_count(const struct iprep_data *d)
{
	return d->n_entries;
}

size_t iprep_category_count(const struct iprep_data *d)
{
	size_t n = 0;
	for (int c = 1; c <= IPREP_MAX_CATEGORY; c++)
		n += d->cat[c].name != NULL;
	return n;
}

int iprep_category_id(const struct iprep_data *d, const char *name)
{
	for (int c = 1; c <= IPREP_MAX_CATEGORY; c++)
		if (d->cat[c].name && strcmp(d->cat[c].name, name) == 0)
			return c;
	return -1;
}

const char *iprep_category_name(const struct iprep_data *d, int id)
{
	return id >= 1 && id <= IPREP_MAX_CATEGORY ? d->cat[id].name : NULL;
}

/* ---- line reading ---- */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Whole-string decimal in [lo, hi]. */
static bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Split "a,b,c" into exactly 3 trimmed fields (the third may hold commas when `rest`). */
static bool split3(char *s, char **f, bool rest)
{
	char *c1 = strchr(s, ',');
	if (!c1)
		return false;
	char *c2 = strchr(c1 + 1, ',');
	if (!c2)
		return false;
	*c1 = *c2 = '\0';
	if (!rest && strchr(c2 + 1, ','))
		return false;
	f[0] = trim(s);
	f[1] = trim(c1 + 1);
	f[2] = trim(c2 + 1);
	return true;
}

typedef void (*line_fn)(struct iprep_data *d, const char *path, unsigned line, char *text);

static int for_each_line(struct iprep_data *d, const char *path, line_fn fn, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t cap = 0;
	unsigned line = 0;
	while (getline(&buf, &cap, f) >= 0) {
		line++;
		char *s = trim(buf);
		if (!*s || *s == '#')
			continue;
		fn(d, path, line, s);
	}
	free(buf);
	fclose(f);
	return 0;
}

static void category_line(struct iprep_data *d, const char *path, unsigned line, char *s)
{
	char *f[3];
	long id;
	if (!split3(s, f, true)) {
		bad_line(d, path, line, "expected id,shortname,description");
		return;
	}
	if (!parse_int(f[0], 1, IPREP_MAX_CATEGORY, &id)) {
		bad_line(d, path, line, "category id '%s' is not 1..%d", f[0], IPREP_MAX_CATEGORY);
		return;
	}
	if (!*f[1] || strpbrk(f[1], " \t")) {
		bad_line(d, path, line, "category short name '%s' is empty or has spaces", f[1]);
		return;
	}
	int other = iprep_category_id(d, f[1]);
	if (other >= 0 && other != id) {
		bad_line(d, path, line, "category name '%s' already has id %d", f[1], other);
		return;
	}
	char *name = strdup(f[1]), *desc = strdup(f[2]);
	if (!name || !desc) {
		free(name);
		free(desc);
		bad_line(d, path, line, "out of memory");
		return;
	}
	free(d->cat[id].name);
	free(d->cat[id].description);
	d->cat[id].name = name;
	d->cat[id].description = desc;
}

int iprep_load_categories(struct iprep_data *d, const char *path, char *err, size_t errlen)
{
	return for_each_line(d, path, category_line, err, errlen);
}

/* "1.2.3.4", "10.0.0.0/8", "2001:db8::/32" -> family and bounds. */
static bool parse_block(char *s, uint8_t *fam, ip_u128 *lo, ip_u128 *hi)
{
	struct sig_cidr c;
	char *slash = strchr(s, '/');
	long prefix = -1;
	memset(&c, 0, sizeof(c));
	if (slash) {
		*slash = '\0';
		if (!parse_int(slash + 1, 0, 128, &prefix))
			return false;
	}
	if (inet_pton(AF_INET, s, c.addr.u8) == 1)
		c.family = 4;
	else if (inet_pton(AF_INET6, s, c.addr.u8) == 1)
		c.family = 6;
	else
		return false;
	unsigned width = c.family == 4 ? 32 : 128;
	if (prefix > (long)width)
		return false;
	c.prefix = (uint8_t)(prefix < 0 ? (long)width : prefix);
	ip_cidr_bounds(&c, lo, hi);
	*fam = c.family;
	return true;
}

static void reputation_line(struct iprep_data *d, const char *path, unsigned line, char *s)
{
	char *f[3];
	long cat, score;
	uint8_t fam;
	ip_u128 lo, hi;
	if (!split3(s, f, false)) {
		bad_line(d, path, line, "expected ip-or-cidr,category,score");
		return;
	}
	if (!parse_int(f[1], 1, IPREP_MAX_CATEGORY, &cat) || !d->cat[cat].name) {
		bad_line(d, path, line, "category '%s' is not defined in the categories file", f[1]);
		return;
	}
	if (!parse_int(f[2], 0, IPREP_MAX_SCORE, &score)) {
		bad_line(d, path, line, "score '%s' is not 0..%d", f[2], IPREP_MAX_SCORE);
		return;
	}
	if (!parse_block(f[0], &fam, &lo, &hi)) {
		bad_line(d, path, line, "'%s' is not an address or CIDR block", f[0]);
		return;
	}
	struct rep_family *rf = &d->cat[cat].fam[fam == 4 ? 0 : 1];
	if (rf->n == rf->cap) {
		size_t nc = rf->cap ? rf->cap * 2 : 64;
		struct rep_entry *nv = realloc(rf->v, nc * sizeof(*nv));
		if (!nv) {
			bad_line(d, path, line, "out of memory");
			return;
		}
		rf->v = nv;
		rf->cap = nc;
	}
	rf->v[rf->n++] = (struct rep_entry){ .lo = lo, .hi = hi, .order = d->next_order++,
					     .score = (uint8_t)score };
	d->n_entries++;
}

/* ---- flattening: nested blocks -> disjoint segments, most specific score ---- */

static int entry_cmp(const void *a, const void *b)
{
	const struct rep_entry *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi > y->hi ? -1 : 1; /* wider first: parents before children */
	return (x->order > y->order) - (x->order < y->order);
}

static int seg_push(struct rep_family *f, size_t *cap, ip_u128 lo, ip_u128 hi, uint8_t score)
{
	if (f->n_seg == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		ip_u128 *nlo = realloc(f->seg_lo, nc * sizeof(*nlo));
		if (!nlo)
			return -1;
		f->seg_lo = nlo;
		ip_u128 *nhi = realloc(f->seg_hi, nc * sizeof(*nhi));
		if (!nhi)
			return -1;
		f->seg_hi = nhi;
		uint8_t *ns = realloc(f->seg_score, nc);
		if (!ns)
			return -1;
		f->seg_score = ns;
		*cap = nc;
	}
	f->seg_lo[f->n_seg] = lo;
	f->seg_hi[f->n_seg] = hi;
	f->seg_score[f->n_seg] = score;
	f->n_seg++;
	return 0;
}

static int flatten(struct rep_family *f)
{
	size_t n = 0, cap = 0, sp = 0;
	family_free_segments(f);
	if (!f->n)
		return 0;
	qsort(f->v, f->n, sizeof(*f->v), entry_cmp);
	/* equal blocks: keep the last read (sorted by order, so the last of a run) */
	for (size_t i = 0; i < f->n; i++) {
		if (n && f->v[n - 1].lo == f->v[i].lo && f->v[n - 1].hi == f->v[i].hi)
			n--;
		f->v[n++] = f->v[i];
	}
	f->n = n;
	/* CIDR blocks nest or are disjoint: a stack of open blocks, innermost on top */
	struct rep_entry **stack = malloc(n * sizeof(*stack));
	if (!stack)
		return -1;
	ip_u128 cur = 0;
	bool cur_valid = false;
	for (size_t i = 0; i <= n; i++) {
		const struct rep_entry *e = i < n ? &f->v[i] : NULL;
		while (sp && (!e || stack[sp - 1]->hi < e->lo)) {
			const struct rep_entry *t = stack[--sp];
			if (cur_valid && cur <= t->hi) {
				if (seg_push(f, &cap, cur, t->hi, t->score))
					goto oom;
				cur_valid = t->hi != ~(ip_u128)0;
				cur = t->hi + 1;
			}
		}
		if (!e)
			break;
		if (sp && cur_valid && cur < e->lo && seg_push(f, &cap, cur, e->lo - 1, stack[sp - 1]->score))
			goto oom;
		cur = e->lo;
		cur_valid = true;
		stack[sp++] = (struct rep_entry *)e;
	}
	free(stack);
	return 0;
oom:
	free(stack);
	family_free_segments(f);
	return -1;
}

int iprep_load_file(struct iprep_data *d, const char *path, char *err, size_t errlen)
{
	if (for_each_line(d, path, reputation_line, err, errlen))
		return -1;
	for (int c = 1; c <= IPREP_MAX_CATEGORY; c++)
		for (int f = 0; f < 2; f++)
			if (flatten(&d->cat[c].fam[f])) {
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
	return 0;
}

/* ---- queries ---- */

static int segment_score(const struct rep_family *f, ip_u128 x)
{
	size_t lo = 0, hi = f->n_seg;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->seg_lo[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && x <= f->seg_hi[lo - 1] ? f->seg_score[lo - 1] : -1;
}

int iprep_score(const struct iprep_data *d, const struct ip_addr *a, uint8_t family, int category)
{
	if (category < 1 || category > IPREP_MAX_CATEGORY || (family != 4 && family != 6))
		return -1;
	unsigned bytes = family == 4 ? 4 : 16;
	ip_u128 x = 0;
	for (unsigned i = 0; i < bytes; i++)
		x = x << 8 | a->u8[i];
	return segment_score(&d->cat[category].fam[family == 4 ? 0 : 1], x);
}

int iprep_score_text(const struct iprep_data *d, const char *ip, int category)
{
	struct ip_addr a;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, ip, a.u8) == 1)
		return iprep_score(d, &a, 4, category);
	if (inet_pton(AF_INET6, ip, a.u8) == 1)
		return iprep_score(d, &a, 6, category);
	return -1;
}

static bool score_ok(int score, uint8_t cmp, int value)
{
	switch (cmp) {
	case IPREP_CMP_LT: return score < value;
	case IPREP_CMP_GT: return score > value;
	case IPREP_CMP_EQ: return score == value;
	case IPREP_CMP_GE: return score >= value;
	default: return false;
	}
}

struct ip_intervals *iprep_intervals(const struct iprep_data *d, int category, uint8_t cmp, int value)
{
	struct ip_interval_list l[2] = { { 0 }, { 0 } };
	struct ip_intervals *t = NULL;
	if (category >= 1 && category <= IPREP_MAX_CATEGORY) {
		for (int fi = 0; fi < 2; fi++) {
			const struct rep_family *f = &d->cat[category].fam[fi];
			for (size_t i = 0; i < f->n_seg; i++)
				if (score_ok(f->seg_score[i], cmp, value) &&
				    ip_interval_list_add(&l[fi], f->seg_lo[i], f->seg_hi[i]))
					goto out;
		}
	}
	t = ip_intervals_from_lists(&l[0], &l[1]);
out:
	ip_interval_list_clear(&l[0]);
	ip_interval_list_clear(&l[1]);
	return t;
}
