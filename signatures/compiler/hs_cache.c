/*
 * hs_cache.c - compiled Hyperscan databases by compile key (see hs_cache.h).
 *
 * Entries sit in an array in insertion order (so the same build serializes to
 * the same bytes) with an open-addressing index over it. A loaded cache keeps
 * one copy of the serialized buffer and its entries point into it.
 */
#include "signatures/compiler/hs_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dataplane/engine/detect/detect.h"

static const uint8_t CACHE_MAGIC[8] = { 'R', 'P', 'H', 'S', 'D', 'B', 0, 1 };
#define TRAILER_LEN 32u
#define ENTRY_HEAD_LEN (DETECT_HS_CACHE_KEY_LEN + 4u + 8u)

struct hs_entry {
	uint8_t key[DETECT_HS_CACHE_KEY_LEN];
	uint32_t side;
	size_t len;
	const uint8_t *bytes;   /* into the loaded blob, or owned (malloc'ed) */
	bool owned;
};

struct detect_hs_cache {
	struct hs_entry *v;
	size_t n, cap;
	uint32_t *index;        /* slot -> entry + 1; 0 empty */
	size_t index_cap;       /* power of two, >= 2 * n */
	uint8_t *blob;          /* loaded buffer */
	bool recording;
	struct detect_hs_cache_counters counters;
};

struct detect_hs_cache *detect_hs_cache_new(bool recording)
{
	struct detect_hs_cache *c = calloc(1, sizeof(*c));

	if (c)
		c->recording = recording;
	return c;
}

void detect_hs_cache_free(struct detect_hs_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].owned)
			free((void *)c->v[i].bytes);
	free(c->v);
	free(c->index);
	free(c->blob);
	free(c);
}

void detect_hs_cache_set_recording(struct detect_hs_cache *c, bool recording)
{
	if (c)
		c->recording = recording;
}

size_t detect_hs_cache_count(const struct detect_hs_cache *c)
{
	return c ? c->n : 0;
}

void detect_hs_cache_counters(const struct detect_hs_cache *c, struct detect_hs_cache_counters *out)
{
	if (c)
		*out = c->counters;
	else
		memset(out, 0, sizeof(*out));
}

/* ---- index ---- */

static size_t key_slot(const uint8_t *key, size_t cap)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h)); /* the key is a SHA-256: any 8 bytes are uniform */
	return (size_t)h & (cap - 1);
}

static struct hs_entry *cache_find(const struct detect_hs_cache *c, const uint8_t *key)
{
	if (!c->index_cap)
		return NULL;
	for (size_t s = key_slot(key, c->index_cap);; s = (s + 1) & (c->index_cap - 1)) {
		uint32_t e = c->index[s];

		if (!e)
			return NULL;
		if (memcmp(c->v[e - 1].key, key, DETECT_HS_CACHE_KEY_LEN) == 0)
			return &c->v[e - 1];
	}
}

static int index_grow(struct detect_hs_cache *c, size_t want)
{
	size_t cap = c->index_cap ? c->index_cap : 64;

	while (cap < 2 * want)
		cap *= 2;
	if (cap == c->index_cap)
		return 0;
	uint32_t *index = calloc(cap, sizeof(*index));
	if (!index)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		size_t s = key_slot(c->v[i].key, cap);

		while (index[s])
			s = (s + 1) & (cap - 1);
		index[s] = (uint32_t)i + 1;
	}
	free(c->index);
	c->index = index;
	c->index_cap = cap;
	return 0;
}

/* Adds an entry (bytes owned when `owned`); a key already present is kept as it is. */
static int cache_add(struct detect_hs_cache *c, const uint8_t *key, uint32_t side, const uint8_t *bytes,
		     size_t len, bool owned)
{
	if (cache_find(c, key)) {
		if (owned)
			free((void *)bytes);
		return 0;
	}
	if (c->n >= UINT32_MAX - 1 || index_grow(c, c->n + 1) != 0)
		goto fail;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct hs_entry *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			goto fail;
		c->v = v;
		c->cap = cap;
	}
	struct hs_entry *e = &c->v[c->n];
	memcpy(e->key, key, DETECT_HS_CACHE_KEY_LEN);
	e->side = side;
	e->len = len;
	e->bytes = bytes;
	e->owned = owned;
	size_t s = key_slot(key, c->index_cap);
	while (c->index[s])
		s = (s + 1) & (c->index_cap - 1);
	c->index[s] = (uint32_t)++c->n;
	return 0;
fail:
	if (owned)
		free((void *)bytes);
	return -1;
}

/* ---- keys ---- */

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static int sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

/* SHA-256 over (api, mode, n, per pattern: len, flags, id, bytes). -1 on ENOMEM. */
static int compile_key(enum detect_hs_api api, const char *const *patterns, const size_t *lens,
		       const unsigned *flags, const unsigned *ids, unsigned n, unsigned mode, uint8_t key[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t head[12], per[20];
	unsigned int out_len = 0;
	int ok;

	if (!ctx)
		return -1;
	put_u32(head, (uint32_t)api);
	put_u32(head + 4, mode);
	put_u32(head + 8, n);
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(ctx, head, sizeof(head)) == 1;
	for (unsigned i = 0; ok && i < n; i++) {
		size_t len = lens ? lens[i] : strlen(patterns[i]);

		put_u64(per, len);
		put_u32(per + 8, flags ? flags[i] : 0);
		put_u32(per + 12, ids ? ids[i] : 0);
		put_u32(per + 16, 0x50415454u); /* separator: "PATT" */
		ok = EVP_DigestUpdate(ctx, per, sizeof(per)) == 1 && EVP_DigestUpdate(ctx, patterns[i], len) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, key, &out_len) == 1 && out_len == 32;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* ---- the compiler's hooks ---- */

static void count(struct detect_hs_cache *c, struct detect_build_stats *st, int what)
{
	switch (what) {
	case 0:
		c->counters.hits++;
		if (st)
			st->n_hs_cache_hits++;
		break;
	case 1:
		c->counters.misses++;
		if (st)
			st->n_hs_cache_misses++;
		break;
	default:
		c->counters.fallbacks++;
		c->counters.misses++;
		if (st) {
			st->n_hs_cache_fallbacks++;
			st->n_hs_cache_misses++;
		}
		break;
	}
}

static hs_error_t plain_compile(enum detect_hs_api api, const char *const *patterns, const size_t *lens,
				const unsigned *flags, const unsigned *ids, unsigned n, unsigned mode,
				hs_database_t **db, hs_compile_error_t **ce)
{
	if (api == DETECT_HS_API_LIT_MULTI)
		return hs_compile_lit_multi(patterns, flags, ids, lens, n, mode, NULL, db, ce);
	return hs_compile_multi(patterns, flags, ids, n, mode, NULL, db, ce);
}

hs_error_t detect_hs_cache_compile_multi(struct detect_hs_cache *c, enum detect_hs_api api,
					 const char *const *patterns, const size_t *lens, const unsigned *flags,
					 const unsigned *ids, unsigned n, unsigned mode, hs_database_t **db,
					 hs_compile_error_t **ce, uint32_t (*side_fn)(void *), void *side_ctx,
					 uint32_t *side, struct detect_build_stats *st)
{
	uint8_t key[32];
	const struct hs_entry *e;
	hs_error_t hr;

	*db = NULL;
	*ce = NULL;
	if (!c || compile_key(api, patterns, lens, flags, ids, n, mode, key) != 0) {
		*side = side_fn(side_ctx);
		return plain_compile(api, patterns, lens, flags, ids, n, mode, db, ce);
	}
	e = cache_find(c, key);
	if (e && e->len > 0 && hs_deserialize_database((const char *)e->bytes, e->len, db) == HS_SUCCESS) {
		*side = e->side;
		count(c, st, 0);
		return HS_SUCCESS;
	}
	*db = NULL;
	count(c, st, e ? 2 : 1);
	*side = side_fn(side_ctx);
	hr = plain_compile(api, patterns, lens, flags, ids, n, mode, db, ce);
	if (hr == HS_SUCCESS && c->recording && !e) {
		char *bytes = NULL;
		size_t len = 0;

		if (hs_serialize_database(*db, &bytes, &len) == HS_SUCCESS) {
			/* Hyperscan allocates with malloc (no custom allocator is set) */
			if (cache_add(c, key, *side, (const uint8_t *)bytes, len, true) == 0)
				c->counters.stored++;
		}
	}
	return hr;
}

bool detect_hs_cache_probe(struct detect_hs_cache *c, const char *pattern, unsigned flags, unsigned mode,
			   struct detect_build_stats *st)
{
	uint8_t key[32];
	const struct hs_entry *e = NULL;
	hs_database_t *db = NULL;
	hs_compile_error_t *ce = NULL;
	bool ok, have_key;

	have_key = c && compile_key(DETECT_HS_API_PROBE, &pattern, NULL, &flags, NULL, 1, mode, key) == 0;
	if (have_key && (e = cache_find(c, key)) != NULL && e->len == 1) {
		count(c, st, 0);
		return e->bytes[0] == 1;
	}
	if (have_key)
		count(c, st, e ? 2 : 1);
	ok = hs_compile(pattern, flags, mode, NULL, &db, &ce) == HS_SUCCESS;
	if (db)
		hs_free_database(db);
	if (ce)
		hs_free_compile_error(ce);
	if (have_key && c->recording && !e) {
		uint8_t *answer = malloc(1);

		if (answer) {
			answer[0] = ok ? 1 : 0;
			if (cache_add(c, key, 0, answer, 1, true) == 0)
				c->counters.stored++;
		}
	}
	return ok;
}

/* ---- serialized form ---- */

int detect_hs_cache_serialize(const struct detect_hs_cache *c, uint8_t **buf, size_t *len)
{
	const char *ver = hs_version();
	size_t vlen = strlen(ver), total = sizeof(CACHE_MAGIC) + 4 + 4 + vlen + 8 + TRAILER_LEN;
	uint8_t *p, *out;

	*buf = NULL;
	*len = 0;
	for (size_t i = 0; c && i < c->n; i++)
		total += ENTRY_HEAD_LEN + c->v[i].len;
	out = malloc(total);
	if (!out)
		return -1;
	p = out;
	memcpy(p, CACHE_MAGIC, sizeof(CACHE_MAGIC));
	p += sizeof(CACHE_MAGIC);
	put_u32(p, DETECT_HS_CACHE_FORMAT);
	put_u32(p + 4, (uint32_t)vlen);
	memcpy(p + 8, ver, vlen);
	p += 8 + vlen;
	put_u64(p, c ? c->n : 0);
	p += 8;
	for (size_t i = 0; c && i < c->n; i++) {
		const struct hs_entry *e = &c->v[i];

		memcpy(p, e->key, DETECT_HS_CACHE_KEY_LEN);
		put_u32(p + DETECT_HS_CACHE_KEY_LEN, e->side);
		put_u64(p + DETECT_HS_CACHE_KEY_LEN + 4, e->len);
		p += ENTRY_HEAD_LEN;
		memcpy(p, e->bytes, e->len);
		p += e->len;
	}
	if (sha256(out, (size_t)(p - out), p) != 0) {
		free(out);
		return -1;
	}
	*buf = out;
	*len = total;
	return 0;
}

struct detect_hs_cache *detect_hs_cache_load(const void *buf, size_t len, char *err, size_t errlen)
{
	const uint8_t *in = buf;
	const char *ver = hs_version();
	uint8_t digest[32];
	struct detect_hs_cache *c = NULL;
	size_t off, body, vlen;
	uint64_t n;

	if (!buf || len < sizeof(CACHE_MAGIC) + 8 + 8 + TRAILER_LEN) {
		snprintf(err, errlen, "hs cache: truncated (%zu bytes)", len);
		return NULL;
	}
	if (memcmp(in, CACHE_MAGIC, sizeof(CACHE_MAGIC)) != 0) {
		snprintf(err, errlen, "hs cache: bad magic");
		return NULL;
	}
	if (get_u32(in + 8) != DETECT_HS_CACHE_FORMAT) {
		snprintf(err, errlen, "hs cache: format version %u (expected %u)", get_u32(in + 8),
			 DETECT_HS_CACHE_FORMAT);
		return NULL;
	}
	body = len - TRAILER_LEN;
	if (sha256(in, body, digest) != 0) {
		snprintf(err, errlen, "hs cache: out of memory");
		return NULL;
	}
	if (memcmp(digest, in + body, TRAILER_LEN) != 0) {
		snprintf(err, errlen, "hs cache: checksum mismatch (corrupt or truncated)");
		return NULL;
	}
	vlen = get_u32(in + 12);
	off = 16;
	if (vlen > body - off || body - off - vlen < 8) {
		snprintf(err, errlen, "hs cache: truncated header");
		return NULL;
	}
	if (vlen != strlen(ver) || memcmp(in + off, ver, vlen) != 0) {
		snprintf(err, errlen, "hs cache: built by Hyperscan %.*s, this is %s", (int)(vlen > 64 ? 64 : vlen),
			 (const char *)(in + off), ver);
		return NULL;
	}
	off += vlen;
	n = get_u64(in + off);
	off += 8;
	if (n > (body - off) / ENTRY_HEAD_LEN) {
		snprintf(err, errlen, "hs cache: %llu entries cannot fit in %zu bytes", (unsigned long long)n, len);
		return NULL;
	}
	c = detect_hs_cache_new(false);
	if (!c || !(c->blob = malloc(body)) || index_grow(c, (size_t)n) != 0) {
		snprintf(err, errlen, "hs cache: out of memory");
		goto fail;
	}
	memcpy(c->blob, in, body);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t elen;

		if (body - off < ENTRY_HEAD_LEN) {
			snprintf(err, errlen, "hs cache: entry %llu truncated", (unsigned long long)i);
			goto fail;
		}
		elen = get_u64(c->blob + off + DETECT_HS_CACHE_KEY_LEN + 4);
		if (elen > body - off - ENTRY_HEAD_LEN) {
			snprintf(err, errlen, "hs cache: entry %llu: length %llu past the end", (unsigned long long)i,
				 (unsigned long long)elen);
			goto fail;
		}
		if (cache_add(c, c->blob + off, get_u32(c->blob + off + DETECT_HS_CACHE_KEY_LEN),
			      c->blob + off + ENTRY_HEAD_LEN, (size_t)elen, false) != 0) {
			snprintf(err, errlen, "hs cache: out of memory");
			goto fail;
		}
		off += ENTRY_HEAD_LEN + (size_t)elen;
	}
	if (off != body) {
		snprintf(err, errlen, "hs cache: %zu bytes after the last entry", body - off);
		goto fail;
	}
	return c;
fail:
	detect_hs_cache_free(c);
	return NULL;
}
