/*
 * ip_intervals.c - building, converting and freeing interval tables (see
 * ip_intervals.h; the search is inline in the header).
 */
#include "signatures/iprep/ip_intervals.h"

#include <stdlib.h>
#include <string.h>

int ip_interval_list_add(struct ip_interval_list *l, ip_u128 lo, ip_u128 hi)
{
	if (l->n && lo <= l->hi[l->n - 1] + 1 && l->hi[l->n - 1] != ~(ip_u128)0 && lo >= l->lo[l->n - 1]) {
		if (hi > l->hi[l->n - 1])
			l->hi[l->n - 1] = hi;
		return 0;
	}
	if (l->n && l->hi[l->n - 1] == ~(ip_u128)0)
		return 0; /* the last interval already runs to the end */
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		ip_u128 *nlo = realloc(l->lo, nc * sizeof(*nlo));
		if (!nlo)
			return -1;
		l->lo = nlo;
		ip_u128 *nhi = realloc(l->hi, nc * sizeof(*nhi));
		if (!nhi)
			return -1;
		l->hi = nhi;
		l->cap = nc;
	}
	l->lo[l->n] = lo;
	l->hi[l->n] = hi;
	l->n++;
	return 0;
}

void ip_interval_list_clear(struct ip_interval_list *l)
{
	free(l->lo);
	free(l->hi);
	memset(l, 0, sizeof(*l));
}

void ip_cidr_bounds(const struct sig_cidr *c, ip_u128 *lo, ip_u128 *hi)
{
	unsigned bytes = c->family == 4 ? 4 : 16, width = bytes * 8;
	unsigned prefix = c->prefix > width ? width : c->prefix, host = width - prefix;
	ip_u128 v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | c->addr.u8[i];
	ip_u128 mask = host == 128 ? ~(ip_u128)0 : (((ip_u128)1) << host) - 1;
	*lo = v & ~mask;
	*hi = *lo | mask;
}

struct ip_intervals *ip_intervals_from_lists(const struct ip_interval_list *v4,
					     const struct ip_interval_list *v6)
{
	size_t n4 = v4 ? v4->n : 0, n6 = v6 ? v6->n : 0;
	if (n4 > UINT32_MAX || n6 > UINT32_MAX)
		return NULL;
	/* One block: header, IPv6 arrays (16-byte aligned), then IPv4 arrays. */
	size_t head = (sizeof(struct ip_intervals) + 15) & ~(size_t)15;
	size_t bytes = head + 2 * n6 * sizeof(ip_u128) + 2 * n4 * sizeof(uint32_t);
	char *mem = aligned_alloc(16, (bytes + 15) & ~(size_t)15);
	if (!mem)
		return NULL;
	struct ip_intervals *t = (struct ip_intervals *)mem;
	ip_u128 *lo6 = (ip_u128 *)(mem + head), *hi6 = lo6 + n6;
	uint32_t *lo4 = (uint32_t *)(hi6 + n6), *hi4 = lo4 + n4;
	for (size_t i = 0; i < n6; i++) {
		lo6[i] = v6->lo[i];
		hi6[i] = v6->hi[i];
	}
	for (size_t i = 0; i < n4; i++) {
		lo4[i] = (uint32_t)v4->lo[i];
		hi4[i] = (uint32_t)v4->hi[i];
	}
	t->n4 = (uint32_t)n4;
	t->n6 = (uint32_t)n6;
	t->lo4 = lo4;
	t->hi4 = hi4;
	t->lo6 = lo6;
	t->hi6 = hi6;
	return t;
}

struct bounds {
	ip_u128 lo, hi;
	uint8_t fam;
};

static int bounds_cmp(const void *a, const void *b)
{
	const struct bounds *x = a, *y = b;
	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

struct ip_intervals *ip_intervals_from_cidrs(const struct sig_cidr *v, size_t n)
{
	struct bounds *b = malloc((n ? n : 1) * sizeof(*b));
	struct ip_interval_list l4 = { 0 }, l6 = { 0 };
	struct ip_intervals *t = NULL;
	if (!b)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		ip_cidr_bounds(&v[i], &b[i].lo, &b[i].hi);
		b[i].fam = v[i].family;
	}
	qsort(b, n, sizeof(*b), bounds_cmp);
	for (size_t i = 0; i < n; i++)
		if (ip_interval_list_add(b[i].fam == 4 ? &l4 : &l6, b[i].lo, b[i].hi))
			goto out;
	t = ip_intervals_from_lists(&l4, &l6);
out:
	free(b);
	ip_interval_list_clear(&l4);
	ip_interval_list_clear(&l6);
	return t;
}

void ip_intervals_free(struct ip_intervals *t)
{
	free(t);
}

static int cidr_push(struct sig_cidr **v, size_t *n, size_t *cap, uint8_t fam, ip_u128 lo,
		     unsigned prefix)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct sig_cidr *nv = realloc(*v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	struct sig_cidr *c = &(*v)[(*n)++];
	memset(c, 0, sizeof(*c));
	c->family = fam;
	c->prefix = (uint8_t)prefix;
	unsigned bytes = fam == 4 ? 4 : 16;
	for (unsigned i = bytes; i-- > 0;) {
		c->addr.u8[i] = (uint8_t)lo;
		lo >>= 8;
	}
	return 0;
}

/* The fewest aligned blocks covering [lo, hi] of a `width`-bit space. */
static int range_to_cidrs(ip_u128 lo, ip_u128 hi, unsigned width, uint8_t fam, struct sig_cidr **v,
			  size_t *n, size_t *cap)
{
	for (;;) {
		/* largest block aligned at lo that stays inside [lo, hi] */
		unsigned host = 0;
		while (host < width) {
			ip_u128 size = (ip_u128)1 << host; /* host < 128 */
			if (lo & size)
				break; /* lo not aligned to 2^(host+1) */
			ip_u128 next_mask = host + 1 == 128 ? ~(ip_u128)0 : (((ip_u128)1) << (host + 1)) - 1;
			if ((lo | next_mask) > hi)
				break;
			host++;
		}
		if (cidr_push(v, n, cap, fam, lo, width - host))
			return -1;
		ip_u128 last = host == 128 ? ~(ip_u128)0 : lo | ((((ip_u128)1) << host) - 1);
		if (last >= hi)
			return 0;
		lo = last + 1;
	}
}

int ip_intervals_to_cidrs(const struct ip_intervals *t, struct sig_cidr **out, size_t *n_out)
{
	struct sig_cidr *v = NULL;
	size_t n = 0, cap = 0;
	for (uint32_t i = 0; i < t->n4; i++)
		if (range_to_cidrs(t->lo4[i], t->hi4[i], 32, 4, &v, &n, &cap))
			goto oom;
	for (uint32_t i = 0; i < t->n6; i++)
		if (range_to_cidrs(t->lo6[i], t->hi6[i], 128, 6, &v, &n, &cap))
			goto oom;
	*out = v;
	*n_out = n;
	return 0;
oom:
	free(v);
	*out = NULL;
	*n_out = 0;
	return -1;
}
