/*
 * test_hs_cache.c - the Hyperscan database cache (signatures/compiler/hs_cache.h):
 * a recorded cache, serialized and loaded back, answers every compile of the
 * same rule set and gives the same alerts as a cache-less build; a damaged
 * buffer is refused; a cache of another rule set only costs misses.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "signatures/compiler/hs_cache.h"
#include "tests/unit/detect/detect_test_util.h"

static const char RULES_A[] =
	"alert tcp any any -> any 80 (msg:\"a1\"; content:\"evil-uri\"; sid:1;)\n"
	"alert tcp any any -> any 8080 (msg:\"a2\"; content:\"proxy-bad\"; nocase; sid:2;)\n"
	"alert tcp any any -> any any (msg:\"a3\"; content:\"MALWARE\"; content:\"beacon\"; distance:0; sid:3;)\n"
	"alert tcp any any -> any any (msg:\"a4\"; pcre:\"/id=[0-9]{6}x/\"; sid:4;)\n"
	"alert udp any any -> any 53 (msg:\"a5\"; content:\"|01 00 00 01|\"; sid:5;)\n"
	"alert tcp any 443 -> any any (msg:\"a6\"; content:\"server-hello-bad\"; sid:6;)\n"
	"alert tcp any any -> any 25 (msg:\"a7\"; pcre:\"/^MAIL FROM:<[a-z]+@bad\\.example>/i\"; sid:7;)\n";

static const char RULES_B[] =
	"alert tcp any any -> any 80 (msg:\"b1\"; content:\"other-uri\"; sid:11;)\n"
	"alert tcp any any -> any any (msg:\"b2\"; content:\"MALWARE\"; content:\"beacon\"; distance:0; sid:3;)\n"
	"alert udp any any -> any 53 (msg:\"b3\"; content:\"|01 00 00 01|\"; sid:5;)\n";

struct built {
	struct sig_ruleset *rs;
	struct detect_engine *de;
	struct detect_thread *dt;
	struct detect_build_stats st;
};

static void build(struct built *b, const char *rules, struct detect_hs_cache *cache)
{
	char err[256] = "";

	memset(b, 0, sizeof(*b));
	b->rs = sig_ruleset_new();
	assert_non_null(b->rs);
	assert_int_equal(sig_ruleset_load_buffer(b->rs, rules, strlen(rules), "test", NULL, err, sizeof(err)), 0);
	assert_int_equal(b->rs->n_errors, 0);
	b->de = detect_engine_build_cached(b->rs, cache, &b->st, err, sizeof(err));
	if (!b->de)
		fprintf(stderr, "build: %s\n", err);
	assert_non_null(b->de);
	b->dt = detect_thread_new(b->de, 16);
	assert_non_null(b->dt);
}

static void unbuild(struct built *b)
{
	detect_thread_free(b->dt);
	detect_engine_free(b->de);
	sig_ruleset_free(b->rs);
}

/* The sids that alert on a packet, as a bit set of sids < 64. */
static uint64_t sids_of(struct built *b, struct packet *p)
{
	struct detect_alert alerts[16];
	unsigned n = detect_packet(b->dt, p, alerts, 16);
	uint64_t set = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t sid = b->rs->rules[alerts[i].rule_index].sid;

		if (sid < 64)
			set |= 1ull << sid;
	}
	return set;
}

/* Runs the same packets through two engines: same alerts on each, and the
 * expected ones on the engine `ref`. */
static void same_alerts(struct built *ref, struct built *x, bool rules_a)
{
	struct tpkt t;
	static const struct {
		int proto; /* 6 tcp, 17 udp */
		uint16_t sport, dport;
		const char *payload;
		uint64_t expect_a;
	} cases[] = {
		{ 6, 1234, 80, "GET /evil-uri HTTP/1.1", 1ull << 1 },
		{ 6, 1234, 8080, "xx PROXY-BAD yy", 1ull << 2 },
		{ 6, 1234, 9999, "MALWARE sends beacon", 1ull << 3 },
		{ 6, 1234, 9999, "GET /?id=123456x", 1ull << 4 },
		{ 6, 1234, 9999, "GET /?id=12345x", 0 },
		{ 17, 5353, 53, "\x12\x34\x01\x00\x00\x01\x00\x00", 1ull << 5 },
		{ 6, 443, 5555, "..server-hello-bad..", 1ull << 6 },
		{ 6, 1234, 25, "mail from:<eve@bad.example>", 1ull << 7 },
		{ 6, 1234, 80, "nothing to see", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].proto == 17 ? 8 : strlen(cases[i].payload);

		if (cases[i].proto == 17)
			tpkt_udp(&t, "10.0.0.1", cases[i].sport, "10.0.0.2", cases[i].dport, cases[i].payload,
				 (uint32_t)len);
		else
			tpkt_tcp(&t, "10.0.0.1", cases[i].sport, "10.0.0.2", cases[i].dport, cases[i].payload,
				 (uint32_t)len);
		uint64_t r = sids_of(ref, &t.p);

		if (cases[i].proto == 17)
			tpkt_udp(&t, "10.0.0.1", cases[i].sport, "10.0.0.2", cases[i].dport, cases[i].payload,
				 (uint32_t)len);
		else
			tpkt_tcp(&t, "10.0.0.1", cases[i].sport, "10.0.0.2", cases[i].dport, cases[i].payload,
				 (uint32_t)len);
		uint64_t got = sids_of(x, &t.p);

		if (r != got)
			fprintf(stderr, "case %zu: reference %#llx, cached %#llx\n", i, (unsigned long long)r,
				(unsigned long long)got);
		assert_true(r == got);
		if (rules_a)
			assert_true(r == cases[i].expect_a);
	}
}

/* Recorded cache -> buffer -> loaded cache; *out_len: its length. */
static uint8_t *record(const char *rules, struct built *b, size_t *out_len)
{
	struct detect_hs_cache *c = detect_hs_cache_new(true);
	uint8_t *buf = NULL;

	assert_non_null(c);
	build(b, rules, c);
	assert_true(b->st.n_hs_cache_misses > 0);
	assert_int_equal(b->st.n_hs_cache_fallbacks, 0);
	assert_true(detect_hs_cache_count(c) > 0);
	assert_int_equal(detect_hs_cache_serialize(c, &buf, out_len), 0);
	assert_non_null(buf);
	detect_hs_cache_free(c);
	return buf;
}

static void test_round_trip_all_hits(void **state)
{
	(void)state;
	struct built plain, rec, again;
	size_t len;
	char err[256];

	build(&plain, RULES_A, NULL);
	assert_int_equal(plain.st.n_hs_cache_hits + plain.st.n_hs_cache_misses, 0);
	uint8_t *buf = record(RULES_A, &rec, &len);
	/* a regex prefilter probe per pcre-only rule + the group databases */
	assert_true(rec.st.n_databases >= 4);
	assert_true(rec.st.n_regex_prefilter_rules >= 2);

	struct detect_hs_cache *c = detect_hs_cache_load(buf, len, err, sizeof(err));
	if (!c)
		fprintf(stderr, "load: %s\n", err);
	assert_non_null(c);
	build(&again, RULES_A, c);
	assert_int_equal(again.st.n_hs_cache_misses, 0);
	assert_int_equal(again.st.n_hs_cache_hits, rec.st.n_hs_cache_hits + rec.st.n_hs_cache_misses);
	assert_int_equal(again.st.n_databases, plain.st.n_databases);
	assert_int_equal(again.st.n_regex_prefilter_rules, plain.st.n_regex_prefilter_rules);
	assert_int_equal(again.st.hs_bytes, plain.st.hs_bytes);

	same_alerts(&plain, &rec, true);
	same_alerts(&plain, &again, true);

	/* the same build serializes to the same bytes (a deterministic blob) */
	struct detect_hs_cache *c2 = detect_hs_cache_new(true);
	struct built rec2;
	uint8_t *buf2 = NULL;
	size_t len2 = 0;
	build(&rec2, RULES_A, c2);
	assert_int_equal(detect_hs_cache_serialize(c2, &buf2, &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(buf2, buf, len);
	free(buf2);
	detect_hs_cache_free(c2);
	unbuild(&rec2);

	unbuild(&again);
	detect_hs_cache_free(c);
	unbuild(&rec);
	unbuild(&plain);
	free(buf);
}

static void rehash_trailer(uint8_t *buf, size_t len)
{
	unsigned int n = 0;
	assert_int_equal(EVP_Digest(buf, len - 32, buf + len - 32, &n, EVP_sha256(), NULL), 1);
}

static void put_u64_le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_corrupt_refused(void **state)
{
	(void)state;
	struct built rec;
	size_t len;
	char err[256];
	uint8_t *buf = record(RULES_A, &rec, &len);
	uint8_t *copy = malloc(len);
	assert_non_null(copy);

	/* every truncation is refused */
	for (size_t cut = 0; cut < len; cut += (cut < 128 ? 1 : 97)) {
		err[0] = '\0';
		assert_null(detect_hs_cache_load(buf, cut, err, sizeof(err)));
		assert_true(err[0] != '\0');
	}
	/* a flipped byte anywhere */
	for (size_t at = 0; at < len; at += (at < 128 ? 1 : 61)) {
		memcpy(copy, buf, len);
		copy[at] ^= 0x40;
		assert_null(detect_hs_cache_load(copy, len, err, sizeof(err)));
	}
	/* a lying entry count or entry length, with a valid checksum */
	size_t vlen = (size_t)buf[12] | (size_t)buf[13] << 8;
	size_t count_at = 16 + vlen;
	memcpy(copy, buf, len);
	put_u64_le(copy + count_at, UINT64_MAX);
	rehash_trailer(copy, len);
	assert_null(detect_hs_cache_load(copy, len, err, sizeof(err)));
	assert_non_null(strstr(err, "entries"));
	memcpy(copy, buf, len);
	put_u64_le(copy + count_at + 8 + 32 + 4, (uint64_t)len);
	rehash_trailer(copy, len);
	assert_null(detect_hs_cache_load(copy, len, err, sizeof(err)));
	assert_non_null(strstr(err, "past the end"));
	/* another Hyperscan version */
	memcpy(copy, buf, len);
	copy[16] = copy[16] == '9' ? '8' : '9';
	rehash_trailer(copy, len);
	assert_null(detect_hs_cache_load(copy, len, err, sizeof(err)));
	assert_non_null(strstr(err, "Hyperscan"));

	/* valid container, damaged database bytes: each such hit falls back to a compile */
	memcpy(copy, buf, len);
	/* walk to the first database entry (probe answers are 1 byte) */
	size_t at = count_at + 8, first_len = 0, first_at = 0;
	while (at + 44 <= len - 32) {
		size_t elen = (size_t)copy[at + 36] | (size_t)copy[at + 37] << 8 | (size_t)copy[at + 38] << 16;
		if (elen > 64) {
			first_len = elen;
			first_at = at + 44;
			break;
		}
		at += 44 + elen;
	}
	assert_true(first_len > 64);
	{
		copy[first_at + first_len / 2] ^= 0xff;
		rehash_trailer(copy, len);
		struct detect_hs_cache *c = detect_hs_cache_load(copy, len, err, sizeof(err));
		assert_non_null(c);
		struct built again, plain;
		build(&again, RULES_A, c);
		build(&plain, RULES_A, NULL);
		assert_true(again.st.n_hs_cache_fallbacks >= 1);
		same_alerts(&plain, &again, true);
		unbuild(&plain);
		unbuild(&again);
		detect_hs_cache_free(c);
	}
	free(copy);
	unbuild(&rec);
	free(buf);
}

static void test_other_rule_set_misses(void **state)
{
	(void)state;
	struct built rec, b_cached, b_plain;
	size_t len;
	char err[256];
	uint8_t *buf = record(RULES_A, &rec, &len);
	struct detect_hs_cache *c = detect_hs_cache_load(buf, len, err, sizeof(err));

	assert_non_null(c);
	build(&b_cached, RULES_B, c);
	build(&b_plain, RULES_B, NULL);
	assert_true(b_cached.st.n_hs_cache_misses > 0);
	assert_int_equal(b_cached.st.n_hs_cache_fallbacks, 0);
	same_alerts(&b_plain, &b_cached, false);
	/* a loaded cache is read-only: the misses were not stored */
	size_t before = detect_hs_cache_count(c);
	struct built again;
	build(&again, RULES_B, c);
	assert_int_equal(detect_hs_cache_count(c), before);
	assert_true(again.st.n_hs_cache_misses > 0);
	unbuild(&again);
	unbuild(&b_plain);
	unbuild(&b_cached);
	detect_hs_cache_free(c);
	unbuild(&rec);
	free(buf);
}

static void test_empty_cache_serializes(void **state)
{
	(void)state;
	struct detect_hs_cache *c = detect_hs_cache_new(false);
	uint8_t *buf;
	size_t len;
	char err[256];

	assert_int_equal(detect_hs_cache_serialize(c, &buf, &len), 0);
	struct detect_hs_cache *l = detect_hs_cache_load(buf, len, err, sizeof(err));
	assert_non_null(l);
	assert_int_equal(detect_hs_cache_count(l), 0);
	assert_null(detect_hs_cache_load(NULL, 0, err, sizeof(err)));
	detect_hs_cache_free(l);
	detect_hs_cache_free(c);
	free(buf);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The rule set users run: every database comes back from the blob. */
static void test_et_open_round_trip(void **state)
{
	(void)state;
	const char *shared = getenv("RAMPART_SHARED");
	char path[4096], err[512] = "";
	struct stat sb;

	snprintf(path, sizeof(path), "%s/data/rules/et-open-2024", shared ? shared : "../shared");
	if (stat(path, &sb) != 0) {
		fprintf(stderr, "skip: %s not found (../shared absent)\n", path);
		skip();
	}
	struct sig_ruleset *rs = sig_ruleset_new();
	assert_non_null(rs);
	assert_int_equal(sig_ruleset_load_path(rs, path, NULL, err, sizeof(err)), 0);
	struct detect_hs_cache *rec = detect_hs_cache_new(true);
	struct detect_build_stats st_rec, st_hit;
	double t0 = now_s();
	struct detect_engine *de = detect_engine_build_cached(rs, rec, &st_rec, err, sizeof(err));
	double t_rec = now_s() - t0;
	assert_non_null(de);
	detect_engine_free(de);
	uint8_t *buf;
	size_t len;
	assert_int_equal(detect_hs_cache_serialize(rec, &buf, &len), 0);
	struct detect_hs_cache *c = detect_hs_cache_load(buf, len, err, sizeof(err));
	assert_non_null(c);
	t0 = now_s();
	de = detect_engine_build_cached(rs, c, &st_hit, err, sizeof(err));
	double t_hit = now_s() - t0;
	assert_non_null(de);
	fprintf(stderr, "et-open-2024: %zu databases, blob %zu bytes; compile %.3f s recording, %.3f s from the blob\n",
		st_rec.n_databases, len, t_rec, t_hit);
	assert_true(st_rec.n_databases > 10);
	assert_int_equal(st_hit.n_hs_cache_misses, 0);
	assert_int_equal(st_hit.n_hs_cache_hits, st_rec.n_hs_cache_hits + st_rec.n_hs_cache_misses);
	assert_int_equal(st_hit.n_databases, st_rec.n_databases);
	assert_int_equal(st_hit.hs_bytes, st_rec.hs_bytes);
	assert_int_equal(st_hit.n_rules, st_rec.n_rules);
	detect_engine_free(de);
	detect_hs_cache_free(c);
	detect_hs_cache_free(rec);
	free(buf);
	sig_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_all_hits),
		cmocka_unit_test(test_corrupt_refused),
		cmocka_unit_test(test_other_rule_set_misses),
		cmocka_unit_test(test_empty_cache_serializes),
		cmocka_unit_test(test_et_open_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
