/*
 * hs_cache.h - a cache of compiled Hyperscan databases, so a rule set that
 * was compiled once (by rampartd's validation) is not compiled again (by
 * rampart-dp's loader): the control plane ships the serialized cache beside
 * the rule text, and the data plane's detect build deserializes instead of
 * compiling.
 *
 * Contract
 *  - Owns: its entries. Key = SHA-256 over everything that determines one
 *    Hyperscan compile: the API (multi, literal multi, single probe), the
 *    mode, the pattern count, and per pattern its bytes, length, flags and
 *    id. Value = hs_serialize_database() bytes plus a 32-bit side value the
 *    compiler keeps with the database (a group's shortest match); for a
 *    probe ("does this single regex compile?") one answer byte.
 *  - Lookups never trust a hit blindly: a database that does not deserialize
 *    (other Hyperscan version, other CPU features, damaged bytes) is counted
 *    as a fallback and compiled, so a cache can make a build faster, never
 *    different or failed.
 *  - A cache in recording mode stores every miss it compiles; otherwise it
 *    is read-only (the data plane's use).
 *  - The serialized form (detect_hs_cache_serialize) is one buffer:
 *      "RPHSDB\0\1" magic, u32 format version, u32 length + hs_version()
 *      string, u64 entry count, entries (32-byte key, u32 side value,
 *      u64 length, bytes), then a SHA-256 of everything before it.
 *    Integers little-endian. detect_hs_cache_load checks every length
 *    against the buffer, the trailer and the Hyperscan version: a truncated,
 *    corrupt or hostile buffer is an error, never a crash.
 *  - Who calls it: the loader threads (rampartd's rule validation,
 *    rampart-dp's rules loader) through detect_engine_build_cached. One
 *    build at a time per cache (no lock); never per packet.
 */
#ifndef RAMPART_HS_CACHE_H
#define RAMPART_HS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs.h>

struct detect_hs_cache;
struct detect_build_stats;
struct detect_engine;

#define DETECT_HS_CACHE_FORMAT 1u
#define DETECT_HS_CACHE_KEY_LEN 32u

/* What the key is computed over (the API of the compile it stands for). */
enum detect_hs_api {
	DETECT_HS_API_MULTI = 1,     /* hs_compile_multi */
	DETECT_HS_API_LIT_MULTI = 2, /* hs_compile_lit_multi */
	DETECT_HS_API_PROBE = 3,     /* hs_compile of one pattern, only "compiles or not" kept */
};

struct detect_hs_cache_counters {
	uint64_t hits;              /* answered from the cache */
	uint64_t misses;            /* compiled (not in the cache) */
	uint64_t fallbacks;         /* in the cache but not deserializable here: compiled */
	uint64_t stored;            /* entries added while recording */
};

/* An empty cache; recording: store what is compiled. NULL on ENOMEM. */
struct detect_hs_cache *detect_hs_cache_new(bool recording);
void detect_hs_cache_free(struct detect_hs_cache *c);
void detect_hs_cache_set_recording(struct detect_hs_cache *c, bool recording);
size_t detect_hs_cache_count(const struct detect_hs_cache *c);
/* Counters since creation (or load). */
void detect_hs_cache_counters(const struct detect_hs_cache *c, struct detect_hs_cache_counters *out);

/* The whole cache as one malloc'ed buffer (*buf, *len). 0, or -1 on ENOMEM. */
int detect_hs_cache_serialize(const struct detect_hs_cache *c, uint8_t **buf, size_t *len);
/* A read-only cache from a serialized buffer (copied). NULL with err filled
 * when the buffer is truncated, corrupt, or from another Hyperscan version. */
struct detect_hs_cache *detect_hs_cache_load(const void *buf, size_t len, char *err, size_t errlen);

/*
 * The compiler's hooks (signatures/compiler/ only). Each behaves exactly like
 * the Hyperscan call it stands for; st (may be NULL) counts
 * n_hs_cache_hits / n_hs_cache_misses / n_hs_cache_fallbacks when c is not
 * NULL. *side is the side value stored with the database: read on a hit,
 * stored on a miss (the caller computes it only when *hit is false, via
 * side_fn(side_ctx), before the compile).
 */
hs_error_t detect_hs_cache_compile_multi(struct detect_hs_cache *c, enum detect_hs_api api,
					 const char *const *patterns, const size_t *lens, const unsigned *flags,
					 const unsigned *ids, unsigned n, unsigned mode, hs_database_t **db,
					 hs_compile_error_t **ce, uint32_t (*side_fn)(void *), void *side_ctx,
					 uint32_t *side, struct detect_build_stats *st);
/* Does hs_compile(pattern, flags, mode) succeed? (the database is not kept) */
bool detect_hs_cache_probe(struct detect_hs_cache *c, const char *pattern, unsigned flags, unsigned mode,
			   struct detect_build_stats *st);

/* detect_groups.c: detect_groups_build with a cache (NULL: none). */
int detect_groups_build_cached(struct detect_engine *de, struct detect_hs_cache *c, char *err, size_t errlen);

#endif /* RAMPART_HS_CACHE_H */
