/*
 * unit_detect_etopen - compiles the ET Open 2024 rule set (from ../shared)
 * and reports what the build costs: time, Hyperscan bytes, groups. Fails when
 * the build fails or takes 5 s or more (optimized build; 30 s under ASan);
 * skips when ../shared is absent.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "tests/unit/detect/detect_test_util.h"

/* The 5 s budget is for an optimized build; sanitizers slow the compiler's own loops several-fold. */
#if defined(__SANITIZE_ADDRESS__)
#define BUILD_BUDGET_SECONDS 30.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BUILD_BUDGET_SECONDS 30.0
#endif
#endif
#ifndef BUILD_BUDGET_SECONDS
#define BUILD_BUDGET_SECONDS 5.0
#endif

static void test_build_et_open(void **state)
{
	(void)state;
	const char *shared = getenv("RAMPART_SHARED");
	char path[4096];
	snprintf(path, sizeof(path), "%s/data/rules/et-open-2024", shared ? shared : "../shared");
	struct stat sb;
	if (stat(path, &sb) != 0) {
		printf("# skip: %s not found (needs ../shared)\n", path);
		skip();
	}
	struct sig_ruleset *rs = sig_ruleset_new();
	char err[512] = "";
	assert_int_equal(sig_ruleset_load_path(rs, path, NULL, err, sizeof(err)), 0);
	struct detect_build_stats st;
	/* CPU time for the budget: wall time on a shared CI machine measures the neighbours */
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	struct detect_engine *de = detect_engine_build(rs, &st, err, sizeof(err));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	if (!de)
		fprintf(stderr, "build: %s\n", err);
	assert_non_null(de);
	printf("# ET Open 2024: %zu rules read, %zu active, %zu compiled, %zu skipped\n", rs->n_rules, rs->n_active,
	       st.n_rules, st.n_skipped);
	printf("# build %.3f s wall, %.3f s CPU, %zu groups, %zu databases, %zu patterns, hs %.1f MiB, total %.1f MiB\n",
	       st.compile_seconds, cpu, st.n_groups, st.n_databases, st.n_patterns, st.hs_bytes / 1048576.0,
	       st.total_bytes / 1048576.0);
	printf("# %zu prefilter rules, %zu rules without fast pattern (%zu group placements address-gated), "
	       "%zu group entries\n", st.n_prefilter_rules, st.n_always_rules, st.n_gated_rules, st.n_group_entries);
	for (size_t i = 0; i < st.n_skipped && i < 5; i++) {
		const char *why;
		size_t ri = detect_engine_skipped(de, i, &why);
		printf("# skipped sid %u: %s\n", rs->rules[ri].sid, why);
	}
	assert_true(st.n_rules > 0);
	assert_true(cpu < BUILD_BUDGET_SECONDS);

	/* a worker can be made and a packet inspected */
	struct detect_thread *dt = detect_thread_new(de, 1024);
	assert_non_null(dt);
	struct tpkt k;
	tpkt_str(&k, "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\n\r\n");
	struct detect_alert alerts[16];
	detect_packet(dt, &k.p, alerts, 16);
	assert_true(detect_thread_counters(dt)->scans <= 3);
	detect_thread_free(dt);
	detect_engine_free(de);
	sig_ruleset_free(rs);
}

/* xorshift: reproducible pseudo-random traffic */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

/*
 * Robustness and a rough cost figure: packets built from the active rules'
 * own contents (so verification runs deep: relative keywords, pcre, byte_*)
 * with random bytes around them, random ports, sizes 0..1400, some with
 * flows. Under ASan this proves no out-of-bounds read on rule-shaped input.
 */
static void test_et_open_traffic(void **state)
{
	(void)state;
	const char *shared = getenv("RAMPART_SHARED");
	char path[4096];
	snprintf(path, sizeof(path), "%s/data/rules/et-open-2024", shared ? shared : "../shared");
	struct stat sb;
	if (stat(path, &sb) != 0) {
		printf("# skip: %s not found (needs ../shared)\n", path);
		skip();
	}
	struct sig_ruleset *rs = sig_ruleset_new();
	char err[512] = "";
	assert_int_equal(sig_ruleset_load_path(rs, path, NULL, err, sizeof(err)), 0);
	struct detect_engine *de = detect_engine_build(rs, NULL, err, sizeof(err));
	assert_non_null(de);
	struct detect_thread *dt = detect_thread_new(de, 4096);
	assert_non_null(dt);
	static struct tpkt k;
	static uint8_t payload[1500];
	struct flow flows[64];
	memset(flows, 0, sizeof(flows));
	for (int i = 0; i < 64; i++) {
		flows[i].flow_id = (uint64_t)i + 1;
		flows[i].flags = (i & 1) ? FLOW_ESTABLISHED : 0;
	}
	static const uint16_t ports[] = { 80, 443, 53, 25, 445, 21, 8080, 139, 3389, 1234 };
	uint64_t alerts = 0, ns = 0, bytes = 0;
	const unsigned n_packets = 20000;
	size_t r = 0;
	for (unsigned i = 0; i < n_packets; i++) {
		uint32_t len = rnd() % 1400;
		for (uint32_t b = 0; b < len; b++)
			payload[b] = (uint8_t)((rnd() & 3) ? ' ' + rnd() % 95 : rnd());
		/* splice the contents of the next active rule in, in order */
		for (size_t tries = 0; tries < rs->n_rules; tries++) {
			r = (r + 1) % rs->n_rules;
			if (rs->rules[r].active)
				break;
		}
		uint32_t at = len ? rnd() % (len / 2 + 1) : 0;
		const struct sig_rule *ru = &rs->rules[r];
		for (size_t m = 0; m < ru->n_matches; m++) {
			const struct sig_match *mt = &ru->matches[m];
			if (mt->kind != SIG_M_CONTENT || (mt->u.content.flags & SIG_CONTENT_NEGATED))
				continue;
			if (mt->u.content.flags & SIG_CONTENT_HAS_OFFSET && mt->u.content.offset.var_index < 0 &&
			    mt->u.content.offset.literal >= 0 && mt->u.content.offset.literal < 1000)
				at = (uint32_t)mt->u.content.offset.literal;
			if (at + mt->u.content.len > sizeof(payload))
				break;
			memcpy(payload + at, mt->u.content.bytes, mt->u.content.len);
			at += mt->u.content.len;
			if (at > len)
				len = at;
		}
		char src[32], dst[32];
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 1 + rnd() % 223, rnd() % 256, rnd() % 256, rnd() % 256);
		snprintf(dst, sizeof(dst), "192.168.%u.%u", rnd() % 256, rnd() % 256);
		uint16_t sport = (rnd() & 1) ? ports[rnd() % 10] : (uint16_t)(1024 + rnd() % 60000);
		uint16_t dport = ports[rnd() % 10];
		if (rnd() % 4 == 0)
			tpkt_udp(&k, src, sport, dst, dport, payload, len);
		else
			tpkt_tcp(&k, src, sport, dst, dport, payload, len);
		k.p.tcp_flags = (uint8_t)(rnd() & 0x3f);
		if (rnd() % 3) {
			k.p.flow = &flows[rnd() % 64];
			k.p.to_server = (uint8_t)(rnd() & 1);
			k.p.flow->flags &= (uint8_t)~FLOW_NO_INSPECT;
		}
		struct detect_alert a[16];
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		alerts += detect_packet(dt, &k.p, a, 16);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		bytes += len;
		ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec));
	}
	const struct detect_counters *c = detect_thread_counters(dt);
	printf("# %u rule-shaped packets: %llu alerts, %.1f candidates/packet, %.2f scans/packet, "
	       "%llu recursion-limit hits, %llu pcre limit errors\n",
	       n_packets, (unsigned long long)alerts, (double)c->candidates / n_packets,
	       (double)c->scans / n_packets, (unsigned long long)c->recursion_limit,
	       (unsigned long long)c->pcre_errors);
	printf("# detect_packet: %.0f ns/packet, %.2f Gbit/s of payload (this build)\n", (double)ns / n_packets,
	       bytes * 8.0 / (double)ns);
	assert_true(alerts > 0);
	assert_true(c->scans <= 3ull * n_packets);
	for (int i = 0; i < 64; i++)
		detect_flow_release(dt, &flows[i]);
	detect_thread_free(dt);
	detect_engine_free(de);
	sig_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_et_open),
		cmocka_unit_test(test_et_open_traffic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
