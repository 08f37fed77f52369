/*
 * ip_intervals.h - an immutable, sorted table of disjoint address intervals
 * (IPv4 and IPv6), searched by binary search: what the geoip and iprep rule
 * keywords compile to at load time, so the packet path never touches a
 * database.
 *
 * Contract
 *  - Built on a loader thread (from CIDR blocks, or from reputation data);
 *    one allocation, freed with ip_intervals_free. Read-only afterwards:
 *    any number of workers may search it at once.
 *  - ip_intervals_contains does no allocation, no lock, no system call:
 *    O(log n) compares.
 */
#ifndef RAMPART_IP_INTERVALS_H
#define RAMPART_IP_INTERVALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signatures/rule.h" /* struct sig_cidr, struct ip_addr */

typedef unsigned __int128 ip_u128;

struct ip_intervals {
	uint32_t n4, n6;
	const uint32_t *lo4, *hi4;  /* host order, inclusive, sorted, disjoint, not adjacent */
	const ip_u128 *lo6, *hi6;
};

/* A growable list of intervals of one family, for builders. */
struct ip_interval_list {
	ip_u128 *lo, *hi;
	size_t n, cap;
};

/* Append [lo, hi]; merges with the last interval when they touch (callers
 * append in address order). 0, or -1 out of memory. */
int ip_interval_list_add(struct ip_interval_list *l, ip_u128 lo, ip_u128 hi);
void ip_interval_list_clear(struct ip_interval_list *l);

/* A CIDR block as an inclusive interval of its family's numbers. */
void ip_cidr_bounds(const struct sig_cidr *c, ip_u128 *lo, ip_u128 *hi);

/* One table from sorted, disjoint lists (either may be empty). NULL on ENOMEM. */
struct ip_intervals *ip_intervals_from_lists(const struct ip_interval_list *v4,
					     const struct ip_interval_list *v6);
/* One table from CIDR blocks in any order (overlaps allowed). NULL on ENOMEM. */
struct ip_intervals *ip_intervals_from_cidrs(const struct sig_cidr *v, size_t n);
void ip_intervals_free(struct ip_intervals *t);

/* Blocks that exactly cover the table's intervals (for rte_lpm), family 4
 * then 6. 0, or -1 out of memory; free(*out). */
int ip_intervals_to_cidrs(const struct ip_intervals *t, struct sig_cidr **out, size_t *n);

/* Is the address (family 4: u8[0..3] network order; 6: u8[0..15]) inside? */
static inline bool ip_intervals_contains(const struct ip_intervals *t, const struct ip_addr *a,
					 uint8_t family)
{
	if (family == 4) {
		uint32_t x = (uint32_t)a->u8[0] << 24 | (uint32_t)a->u8[1] << 16 | (uint32_t)a->u8[2] << 8 |
			     a->u8[3];
		uint32_t lo = 0, hi = t->n4;
		while (lo < hi) { /* first interval with lo4 > x */
			uint32_t mid = lo + (hi - lo) / 2;
			if (t->lo4[mid] <= x)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo > 0 && x <= t->hi4[lo - 1];
	}
	if (family == 6) {
		ip_u128 x = 0;
		for (int i = 0; i < 16; i++)
			x = x << 8 | a->u8[i];
		uint32_t lo = 0, hi = t->n6;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (t->lo6[mid] <= x)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo > 0 && x <= t->hi6[lo - 1];
	}
	return false;
}

#endif /* RAMPART_IP_INTERVALS_H */
