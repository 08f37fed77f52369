/*
 * geoip_db.c - country lookups and country -> prefix expansion over a
 * MaxMind DB (see geoip_db.h).
 *
 * Expansion walks the binary search tree with MMDB_read_node once, left
 * branch first, so every country's networks come out in address order; each
 * data record is decoded once (cached by its offset: a country database has a
 * few hundred distinct records behind hundreds of thousands of networks).
 */
#include "signatures/geoip/geoip_db.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <maxminddb.h>

typedef unsigned __int128 u128;

#define N_COUNTRIES (26 * 26)

struct net {
	u128 lo;      /* network address as a number, family width */
	uint8_t len;  /* prefix length */
	uint8_t fam;  /* 4 or 6 */
};

struct net_list {
	struct net *v;
	size_t n, cap;
};

struct geoip_db {
	MMDB_s mmdb;
	pthread_mutex_t lock;       /* guards the walk below */
	bool walked;
	struct net_list *by_country; /* N_COUNTRIES lists once walked */
	size_t walk_networks;
	double walk_seconds;
};

/* ---- small helpers ---- */

static int country_index(const char *cc, size_t len)
{
	if (len != 2 || !isalpha((unsigned char)cc[0]) || !isalpha((unsigned char)cc[1]))
		return -1;
	return (toupper((unsigned char)cc[0]) - 'A') * 26 + (toupper((unsigned char)cc[1]) - 'A');
}

bool geoip_country_code_valid(const char *cc)
{
	return cc && strlen(cc) == 2 && country_index(cc, 2) >= 0;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The country index of a data record, -1 when it has none. */
static int entry_country(MMDB_entry_s *entry)
{
	MMDB_entry_data_s d;
	int st = MMDB_get_value(entry, &d, "country_code", NULL);
	if (st != MMDB_SUCCESS || !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING)
		st = MMDB_get_value(entry, &d, "country", "iso_code", NULL);
	if (st != MMDB_SUCCESS || !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return -1;
	return country_index(d.utf8_string, d.data_size);
}

/* ---- open / close / lookup ---- */

struct geoip_db *geoip_db_open(const char *path, char *err, size_t errlen)
{
	struct geoip_db *db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	int st = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
	if (st != MMDB_SUCCESS) {
		if (st == MMDB_IO_ERROR)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		else
			snprintf(err, errlen, "%s: %s", path, MMDB_strerror(st));
		free(db);
		return NULL;
	}
	pthread_mutex_init(&db->lock, NULL);
	return db;
}

void geoip_db_close(struct geoip_db *db)
{
	if (!db)
		return;
	if (db->by_country) {
		for (size_t i = 0; i < N_COUNTRIES; i++)
			free(db->by_country[i].v);
		free(db->by_country);
	}
	pthread_mutex_destroy(&db->lock);
	MMDB_close(&db->mmdb);
	free(db);
}

static int result_country(MMDB_lookup_result_s *res, char cc[3])
{
	if (!res->found_entry)
		return 0;
	int c = entry_country(&res->entry);
	if (c < 0)
		return 0;
	cc[0] = (char)('A' + c / 26);
	cc[1] = (char)('A' + c % 26);
	cc[2] = '\0';
	return 1;
}

int geoip_db_lookup(const struct geoip_db *db, const char *ip, char cc[3])
{
	int gai = 0, st = MMDB_SUCCESS;
	MMDB_lookup_result_s res = MMDB_lookup_string(&db->mmdb, ip, &gai, &st);
	if (gai != 0 || st != MMDB_SUCCESS)
		return -1;
	return result_country(&res, cc);
}

int geoip_db_lookup_addr(const struct geoip_db *db, const struct ip_addr *a, uint8_t family,
			 char cc[3])
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->u8, 4);
	} else if (family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->u8, 16);
	} else {
		return -1;
	}
	int st = MMDB_SUCCESS;
	MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&db->mmdb, (struct sockaddr *)&ss, &st);
	if (st != MMDB_SUCCESS)
		return -1;
	return result_country(&res, cc);
}

/* ---- the walk ---- */

static int net_push(struct net_list *l, u128 lo, uint8_t len, uint8_t fam)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		struct net *nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = (struct net){ .lo = lo, .len = len, .fam = fam };
	return 0;
}

/* Data-record offset -> country index (-1 none), open addressing. */
struct country_cache {
	uint32_t *key;  /* offset + 1; 0 = empty slot */
	int16_t *val;
	size_t cap, n;
};

static int cache_grow(struct country_cache *c)
{
	size_t nc = c->cap ? c->cap * 2 : 1024;
	uint32_t *nk = calloc(nc, sizeof(*nk));
	int16_t *nv = calloc(nc, sizeof(*nv));
	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -1;
	}
	for (size_t i = 0; i < c->cap; i++) {
		if (!c->key[i])
			continue;
		size_t h = (c->key[i] * 2654435761u) & (nc - 1);
		while (nk[h])
			h = (h + 1) & (nc - 1);
		nk[h] = c->key[i];
		nv[h] = c->val[i];
	}
	free(c->key);
	free(c->val);
	c->key = nk;
	c->val = nv;
	c->cap = nc;
	return 0;
}

/* Country of a data record, decoding it only the first time. -2: out of memory. */
static int cached_country(struct country_cache *c, MMDB_entry_s *entry)
{
	uint32_t k = entry->offset + 1;
	if (c->cap) {
		size_t h = (k * 2654435761u) & (c->cap - 1);
		while (c->key[h]) {
			if (c->key[h] == k)
				return c->val[h];
			h = (h + 1) & (c->cap - 1);
		}
	}
	if ((c->n + 1) * 2 > c->cap && cache_grow(c))
		return -2;
	int country = entry_country(entry);
	size_t h = (k * 2654435761u) & (c->cap - 1);
	while (c->key[h])
		h = (h + 1) & (c->cap - 1);
	c->key[h] = k;
	c->val[h] = (int16_t)country;
	c->n++;
	return country;
}

struct walk_item {
	uint32_t node;
	uint8_t depth;
	bool v4;      /* inside the IPv4 subtree (::/96) of an IPv6 tree */
	u128 bits;
};

/* Follow 96 left branches from the root: the IPv4 subtree of an IPv6 tree,
 * UINT32_MAX when the tree has none (a data or empty record on the way). */
static uint32_t ipv4_subtree(const MMDB_s *m)
{
	uint32_t node = 0;
	for (int d = 0; d < 96; d++) {
		MMDB_search_node_s sn;
		if (MMDB_read_node(m, node, &sn) != MMDB_SUCCESS ||
		    sn.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE)
			return UINT32_MAX;
		node = (uint32_t)sn.left_record;
	}
	return node;
}

static int walk_tree(struct geoip_db *db, char *err, size_t errlen)
{
	const MMDB_s *m = &db->mmdb;
	unsigned width = m->metadata.ip_version == 6 ? 128 : 32;
	uint32_t v4_node = width == 128 ? ipv4_subtree(m) : UINT32_MAX;
	struct walk_item stack[2 * 128 + 4];
	size_t sp = 0;
	struct country_cache cache = { 0 };
	/* A real search tree reaches each node once (aliases into the IPv4
	 * subtree are skipped below). A crafted file whose nodes share
	 * children has 2^depth paths: bound the walk by the node count so it
	 * fails fast instead of running for hours (found by review of
	 * fuzz_geoip_db: a 200-byte file). */
	uint64_t visits = 0, max_visits = (uint64_t)m->metadata.node_count + 1;
	int rc = -1;

	db->by_country = calloc(N_COUNTRIES, sizeof(*db->by_country));
	if (!db->by_country) {
		snprintf(err, errlen, "geoip: out of memory");
		return -1;
	}
	stack[sp++] = (struct walk_item){ .node = 0, .depth = 0, .v4 = width == 32, .bits = 0 };
	while (sp) {
		struct walk_item it = stack[--sp];
		MMDB_search_node_s sn;
		if (++visits > max_visits) {
			snprintf(err, errlen, "geoip: search tree reaches nodes more than once (not a tree)");
			goto out;
		}
		if (MMDB_read_node(m, it.node, &sn) != MMDB_SUCCESS) {
			snprintf(err, errlen, "geoip: cannot read search tree node %u", it.node);
			goto out;
		}
		/* right first onto the stack, so the left branch is walked first */
		for (int side = 1; side >= 0; side--) {
			uint8_t type = side ? sn.right_record_type : sn.left_record_type;
			uint64_t rec = side ? sn.right_record : sn.left_record;
			MMDB_entry_s *entry = side ? &sn.right_record_entry : &sn.left_record_entry;
			uint8_t depth = (uint8_t)(it.depth + 1);
			u128 bits = it.bits | (side ? (u128)1 << (width - 1 - it.depth) : 0);

			if (type == MMDB_RECORD_TYPE_EMPTY)
				continue;
			if (type == MMDB_RECORD_TYPE_INVALID) {
				snprintf(err, errlen, "geoip: invalid record in search tree node %u", it.node);
				goto out;
			}
			if (type == MMDB_RECORD_TYPE_SEARCH_NODE) {
				if (depth >= width) {
					snprintf(err, errlen, "geoip: search tree deeper than %u bits", width);
					goto out;
				}
				bool v4 = it.v4;
				if (width == 128 && rec == v4_node) {
					/* ::/96 is the IPv4 space; any other way in is an alias */
					if (depth != 96 || bits != 0)
						continue;
					v4 = true;
				}
				stack[sp++] = (struct walk_item){ .node = (uint32_t)rec, .depth = depth, .v4 = v4,
								  .bits = bits };
				continue;
			}
			/* a data record: one network */
			db->walk_networks++;
			int c = cached_country(&cache, entry);
			if (c == -2) {
				snprintf(err, errlen, "geoip: out of memory");
				goto out;
			}
			if (c < 0)
				continue;
			int pr;
			if (it.v4 && width == 128)
				pr = net_push(&db->by_country[c], bits & 0xffffffffu, (uint8_t)(depth - 96), 4);
			else
				pr = net_push(&db->by_country[c], bits, depth, width == 32 ? 4 : 6);
			if (pr) {
				snprintf(err, errlen, "geoip: out of memory");
				goto out;
			}
		}
	}
	rc = 0;
out:
	free(cache.key);
	free(cache.val);
	if (rc) {
		for (size_t i = 0; i < N_COUNTRIES; i++)
			free(db->by_country[i].v);
		free(db->by_country);
		db->by_country = NULL;
		db->walk_networks = 0;
	}
	return rc;
}

/* ---- expansion ---- */

static int net_cmp(const void *a, const void *b)
{
	const struct net *x = a, *y = b;
	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

static u128 net_hi(const struct net *n)
{
	unsigned width = n->fam == 4 ? 32 : 128, host = width - n->len;
	return host == 128 ? ~(u128)0 : n->lo | ((((u128)1) << host) - 1);
}

static bool net_covers(const struct net *outer, const struct net *inner)
{
	return outer->fam == inner->fam && outer->len <= inner->len && outer->lo <= inner->lo &&
	       net_hi(inner) <= net_hi(outer);
}

/* Two halves of one parent block. */
static bool net_siblings(const struct net *a, const struct net *b)
{
	if (a->fam != b->fam || a->len != b->len || a->len == 0)
		return false;
	unsigned width = a->fam == 4 ? 32 : 128;
	u128 size = (u128)1 << (width - a->len);
	return (a->lo & size) == 0 && b->lo == a->lo + size;
}

/* Sort, drop covered blocks, merge siblings, in place; returns the new count. */
static size_t nets_normalize(struct net *v, size_t n)
{
	size_t out = 0;
	qsort(v, n, sizeof(*v), net_cmp);
	for (size_t i = 0; i < n; i++) {
		if (out && net_covers(&v[out - 1], &v[i]))
			continue;
		v[out++] = v[i];
		while (out >= 2 && net_siblings(&v[out - 2], &v[out - 1])) {
			v[out - 2].len--;
			out--;
		}
	}
	return out;
}

static void net_to_cidr(const struct net *n, struct sig_cidr *c)
{
	memset(c, 0, sizeof(*c));
	c->family = n->fam;
	c->prefix = n->len;
	unsigned bytes = n->fam == 4 ? 4 : 16;
	u128 v = n->lo;
	for (unsigned i = bytes; i-- > 0;) {
		c->addr.u8[i] = (uint8_t)v;
		v >>= 8;
	}
}

int geoip_db_expand(const struct geoip_db *cdb, const char *const *codes, size_t n,
		    struct geoip_prefixes *out, char *err, size_t errlen)
{
	/* The cache is filled once under the lock; callers see a const database. */
	struct geoip_db *db = (struct geoip_db *)cdb;
	int idx[N_COUNTRIES];
	size_t n_idx = 0, total = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		int c = codes[i] ? country_index(codes[i], strlen(codes[i])) : -1;
		if (c < 0) {
			snprintf(err, errlen, "geoip: '%s' is not a two-letter country code",
				 codes[i] ? codes[i] : "");
			return -1;
		}
		bool seen = false;
		for (size_t j = 0; j < n_idx; j++)
			seen = seen || idx[j] == c;
		if (!seen && n_idx < N_COUNTRIES)
			idx[n_idx++] = c;
	}
	pthread_mutex_lock(&db->lock);
	if (!db->walked) {
		double t0 = now_seconds();
		if (walk_tree(db, err, errlen)) {
			pthread_mutex_unlock(&db->lock);
			return -1;
		}
		db->walk_seconds = now_seconds() - t0;
		db->walked = true;
	}
	pthread_mutex_unlock(&db->lock);

	for (size_t i = 0; i < n_idx; i++)
		total += db->by_country[idx[i]].n;
	struct net *all = malloc((total ? total : 1) * sizeof(*all));
	if (!all) {
		snprintf(err, errlen, "geoip: out of memory");
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < n_idx; i++) {
		const struct net_list *l = &db->by_country[idx[i]];
		if (l->n)
			memcpy(all + k, l->v, l->n * sizeof(*all));
		k += l->n;
	}
	k = nets_normalize(all, k);
	out->v = calloc(k ? k : 1, sizeof(*out->v));
	if (!out->v) {
		free(all);
		snprintf(err, errlen, "geoip: out of memory");
		return -1;
	}
	for (size_t i = 0; i < k; i++) {
		net_to_cidr(&all[i], &out->v[i]);
		if (all[i].fam == 4)
			out->n4++;
	}
	out->n = k;
	free(all);
	return 0;
}

void geoip_prefixes_free(struct geoip_prefixes *p)
{
	if (!p)
		return;
	free(p->v);
	memset(p, 0, sizeof(*p));
}

void geoip_db_walk_stats(const struct geoip_db *cdb, size_t *networks, double *seconds)
{
	struct geoip_db *db = (struct geoip_db *)cdb;
	pthread_mutex_lock(&db->lock);
	if (networks)
		*networks = db->walk_networks;
	if (seconds)
		*seconds = db->walk_seconds;
	pthread_mutex_unlock(&db->lock);
}
