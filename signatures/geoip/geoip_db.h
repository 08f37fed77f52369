/*
 * geoip_db.h - a MaxMind DB (mmdb) country database: look an address up, and
 * expand country codes into the prefix lists a matcher can search without
 * the database.
 *
 * Contract
 *  - Owns: the open database (libmaxminddb, memory-mapped) and a cache of
 *    every network of the tree bucketed by country, built by ONE walk of the
 *    search tree on the first expansion and reused by every later one.
 *  - Records: the country is the top-level "country_code" (the shared
 *    geo-whois-asn-country database, ip-location-db) or "country.iso_code"
 *    (MaxMind GeoLite2 / GeoIP2); whichever the record has.
 *  - IPv6 trees hold IPv4 under ::/96 and alias it at ::ffff:0:0/96 and
 *    2002::/16: expansion reports IPv4 networks once, as IPv4, and ignores
 *    the aliases.
 *  - Who calls it: loaders (rule keyword geoip, firewall address sets with
 *    `countries:`), never the packet path: callers turn the prefixes into
 *    their own tables (interval tables, rte_lpm) at load time.
 *  - Thread rules: lookups may run on any number of threads at once;
 *    expansion may too (the cache is built under a mutex). Close only when
 *    no other call is running.
 */
#ifndef RAMPART_GEOIP_DB_H
#define RAMPART_GEOIP_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signatures/rule.h" /* struct sig_cidr */

struct geoip_db;

/* A sorted (IPv4 first, then IPv6, each by address), merged prefix list:
 * no block covers or touches another that could be merged with it. */
struct geoip_prefixes {
	struct sig_cidr *v;
	size_t n;
	size_t n4; /* the first n4 entries are IPv4, the rest IPv6 */
};

/* NULL with "PATH: reason" in err when the file is missing or not an mmdb. */
struct geoip_db *geoip_db_open(const char *path, char *err, size_t errlen);
void geoip_db_close(struct geoip_db *db);

/* Two ASCII letters, either case ("RU", "cn"): what a country code looks like. */
bool geoip_country_code_valid(const char *cc);

/*
 * Country of an address: 1 and cc = two upper-case letters plus NUL; 0 when
 * the database has no record or the record has no country; -1 when `ip` is
 * not an address (text form) or the database cannot be read.
 */
int geoip_db_lookup(const struct geoip_db *db, const char *ip, char cc[3]);
/* Same for a decoded address (family 4: u8[0..3] in network order). */
int geoip_db_lookup_addr(const struct geoip_db *db, const struct ip_addr *a, uint8_t family,
			 char cc[3]);

/*
 * Every network whose record's country is one of codes[0..n) (case
 * insensitive), sorted and merged. The first call walks the tree once for
 * every country; later calls only copy from the cache. 0, or -1 with err
 * (bad country code, corrupt tree, out of memory). Free with
 * geoip_prefixes_free.
 */
int geoip_db_expand(const struct geoip_db *db, const char *const *codes, size_t n,
		    struct geoip_prefixes *out, char *err, size_t errlen);
void geoip_prefixes_free(struct geoip_prefixes *p);

/* Facts for reports: networks seen by the walk (0 before the first
 * expansion) and how long the walk took. */
void geoip_db_walk_stats(const struct geoip_db *db, size_t *networks, double *seconds);

#endif /* RAMPART_GEOIP_DB_H */
