/*
 * unit_geoip_db - country lookups and country -> prefix expansion, on a small
 * database written at test time (exact answers) and on the real shared
 * database (answers compared with the mmdblookup tool; skipped without
 * ../shared or mmdblookup). No packet is sent anywhere: public addresses are
 * only looked up.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "signatures/geoip/geoip_db.h"
#include "tests/unit/geoip/geoip_test_db.h"

static char db_path[300];

static int setup_db(void **state)
{
	(void)state;
	if (geoip_test_db_write(db_path, sizeof(db_path))) {
		fprintf(stderr, "cannot write the test mmdb (perl MaxMind::DB::Writer missing?)\n");
		return -1;
	}
	return 0;
}

static int teardown_db(void **state)
{
	(void)state;
	geoip_test_db_remove(db_path);
	return 0;
}

static void cidr_text(const struct sig_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr.u8, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, c->prefix);
}

/* The expansion as "a/n a/n ..." for exact comparisons. */
static void expansion_text(struct geoip_db *db, const char *const *codes, size_t n, char *out, size_t len)
{
	struct geoip_prefixes p;
	char err[256];
	assert_int_equal(geoip_db_expand(db, codes, n, &p, err, sizeof(err)), 0);
	out[0] = '\0';
	for (size_t i = 0; i < p.n; i++) {
		char c[64];
		cidr_text(&p.v[i], c, sizeof(c));
		if (i)
			strncat(out, " ", len - strlen(out) - 1);
		strncat(out, c, len - strlen(out) - 1);
	}
	for (size_t i = 0; i < p.n; i++)
		assert_int_equal(p.v[i].family, i < p.n4 ? 4 : 6);
	geoip_prefixes_free(&p);
}

static void test_open_errors(void **state)
{
	(void)state;
	char err[256] = "";
	assert_null(geoip_db_open("/nonexistent/geo.mmdb", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/geo.mmdb"));
	/* a file that is not an mmdb */
	assert_null(geoip_db_open("/etc/hostname", err, sizeof(err)));
	assert_non_null(strstr(err, "/etc/hostname"));
}

static void test_lookup_both_layouts(void **state)
{
	(void)state;
	char err[256], cc[3];
	struct geoip_db *db = geoip_db_open(db_path, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(geoip_db_lookup(db, "10.66.1.1", cc), 1);
	assert_string_equal(cc, "KP");
	assert_int_equal(geoip_db_lookup(db, "10.67.1.1", cc), 1);
	assert_string_equal(cc, "KR");
	/* GeoLite2's country.iso_code */
	assert_int_equal(geoip_db_lookup(db, "192.168.77.200", cc), 1);
	assert_string_equal(cc, "ZZ");
	assert_int_equal(geoip_db_lookup(db, "2001:db8:66::1", cc), 1);
	assert_string_equal(cc, "KP");
	/* through the IPv4-mapped alias */
	assert_int_equal(geoip_db_lookup(db, "::ffff:10.66.1.1", cc), 1);
	assert_string_equal(cc, "KP");
	/* no record, a record without a country, not an address */
	assert_int_equal(geoip_db_lookup(db, "10.99.0.1", cc), 0);
	assert_int_equal(geoip_db_lookup(db, "2001:db8:77::1", cc), 0);
	assert_int_equal(geoip_db_lookup(db, "not-an-ip", cc), -1);
	/* decoded addresses */
	struct ip_addr a;
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "10.68.200.1", a.u8);
	assert_int_equal(geoip_db_lookup_addr(db, &a, 4, cc), 1);
	assert_string_equal(cc, "KP");
	inet_pton(AF_INET6, "2001:db8:66:1::5", a.u8);
	assert_int_equal(geoip_db_lookup_addr(db, &a, 6, cc), 1);
	assert_string_equal(cc, "KP");
	assert_int_equal(geoip_db_lookup_addr(db, &a, 5, cc), -1);
	geoip_db_close(db);
}

static void test_expand_exact(void **state)
{
	(void)state;
	char err[256], text[1024];
	struct geoip_db *db = geoip_db_open(db_path, err, sizeof(err));
	assert_non_null(db);
	const char *kp[] = { "KP" };
	expansion_text(db, kp, 1, text, sizeof(text));
	/* IPv4 once (aliases ignored), the two /17 halves merged, IPv6 after */
	assert_string_equal(text, "10.66.0.0/16 10.68.0.0/16 2001:db8:66::/48");
	const char *zz[] = { "zz" };
	expansion_text(db, zz, 1, text, sizeof(text));
	assert_string_equal(text, "192.168.77.0/24");
	/* KP + KR: 10.66/16 10.67/16 merge into 10.66/15; 10.68/16 stays */
	const char *both[] = { "KR", "KP", "KP" };
	expansion_text(db, both, 3, text, sizeof(text));
	assert_string_equal(text, "10.66.0.0/15 10.68.0.0/16 2001:db8:66::/48");
	const char *none[] = { "US" };
	expansion_text(db, none, 1, text, sizeof(text));
	assert_string_equal(text, "");

	struct geoip_prefixes p;
	const char *bad[] = { "K1" };
	assert_int_equal(geoip_db_expand(db, bad, 1, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "K1"));
	const char *longer[] = { "KPX" };
	assert_int_equal(geoip_db_expand(db, longer, 1, &p, err, sizeof(err)), -1);
	geoip_db_close(db);
}

static void test_expand_walks_once(void **state)
{
	(void)state;
	char err[256], text[1024];
	size_t nets0 = 1, nets1 = 0, nets2 = 0;
	double s1 = 0, s2 = -1;
	struct geoip_db *db = geoip_db_open(db_path, err, sizeof(err));
	assert_non_null(db);
	geoip_db_walk_stats(db, &nets0, NULL);
	assert_int_equal(nets0, 0);
	const char *kp[] = { "KP" };
	expansion_text(db, kp, 1, text, sizeof(text));
	geoip_db_walk_stats(db, &nets1, &s1);
	expansion_text(db, kp, 1, text, sizeof(text));
	geoip_db_walk_stats(db, &nets2, &s2);
	/* at most the 7 networks written (the writer may merge the two /17s); the
	 * IPv4 ones counted once, not again through the aliases; and the second
	 * call did not walk again */
	assert_true(nets1 >= 6 && nets1 <= 7);
	assert_int_equal(nets2, nets1);
	assert_true(s1 == s2);
	geoip_db_close(db);
}

static void test_country_code_valid(void **state)
{
	(void)state;
	assert_true(geoip_country_code_valid("RU"));
	assert_true(geoip_country_code_valid("cn"));
	assert_false(geoip_country_code_valid("R"));
	assert_false(geoip_country_code_valid("RUS"));
	assert_false(geoip_country_code_valid("R1"));
	assert_false(geoip_country_code_valid(""));
	assert_false(geoip_country_code_valid(NULL));
}

/* ---- the real database ---- */

static const char *real_db(void)
{
	static char path[512];
	const char *shared = getenv("RAMPART_SHARED");
	snprintf(path, sizeof(path), "%s/data/geoip/geo-whois-asn-country.mmdb", shared ? shared : "../shared");
	return access(path, R_OK) == 0 ? path : NULL;
}

/* mmdblookup's country_code for ip, "" when it has none; -1 when the tool fails. */
static int mmdblookup_country(const char *db, const char *ip, char cc[3])
{
	char cmd[800], line[256];
	snprintf(cmd, sizeof(cmd), "mmdblookup --file '%s' --ip '%s' country_code 2>/dev/null", db, ip);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	cc[0] = '\0';
	while (fgets(line, sizeof(line), p)) {
		char *q = strchr(line, '"');
		if (q && q[1] && q[2] && q[3] == '"') {
			cc[0] = q[1];
			cc[1] = q[2];
			cc[2] = '\0';
		}
	}
	pclose(p);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_real_db_matches_mmdblookup(void **state)
{
	(void)state;
	const char *path = real_db();
	if (!path || system("command -v mmdblookup >/dev/null 2>&1") != 0) {
		printf("# skip: ../shared/data/geoip or mmdblookup absent\n");
		skip();
	}
	char err[256];
	struct geoip_db *db = geoip_db_open(path, err, sizeof(err));
	assert_non_null(db);
	const char *ips[] = { "1.1.1.1", "8.8.8.8", "2001:4860:4860::8888", "77.88.8.8", "114.114.114.114",
			      "194.0.0.1", "2a02:6b8::1", "10.1.1.1", "2001:db8::1" };
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		char ours[3] = "", theirs[3];
		assert_int_equal(mmdblookup_country(path, ips[i], theirs), 0);
		int rc = geoip_db_lookup(db, ips[i], ours);
		assert_true(rc >= 0);
		if (rc == 0)
			ours[0] = '\0';
		printf("# %s: %s (mmdblookup: %s)\n", ips[i], ours, theirs);
		assert_string_equal(ours, theirs);
	}
	geoip_db_close(db);
}

static void test_real_db_expansion(void **state)
{
	(void)state;
	const char *path = real_db();
	if (!path) {
		printf("# skip: ../shared/data/geoip absent\n");
		skip();
	}
	char err[256], cc[3];
	struct geoip_db *db = geoip_db_open(path, err, sizeof(err));
	assert_non_null(db);
	const char *codes[] = { "RU", "CN" };
	struct geoip_prefixes p;
	double t0 = now_s();
	assert_int_equal(geoip_db_expand(db, codes, 2, &p, err, sizeof(err)), 0);
	double first = now_s() - t0;
	size_t nets;
	double walk;
	geoip_db_walk_stats(db, &nets, &walk);
	printf("# expand [RU, CN]: %zu prefixes (%zu IPv4, %zu IPv6) in %.3f s (tree walk %.3f s over %zu networks)\n",
	       p.n, p.n4, p.n - p.n4, first, walk, nets);
	assert_true(p.n4 > 1000 && p.n - p.n4 > 1000);
	/* every prefix's first address is in RU or CN, and the list is sorted and disjoint */
	for (size_t i = 0; i < p.n; i += 97) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(p.v[i].family == 4 ? AF_INET : AF_INET6, p.v[i].addr.u8, a, sizeof(a));
		assert_int_equal(geoip_db_lookup(db, a, cc), 1);
		assert_true(strcmp(cc, "RU") == 0 || strcmp(cc, "CN") == 0);
	}
	for (size_t i = 1; i < p.n4; i++)
		assert_true(ntohl(p.v[i].addr.u32[0]) > ntohl(p.v[i - 1].addr.u32[0]));
	geoip_prefixes_free(&p);
	/* the second expansion reuses the walk */
	t0 = now_s();
	assert_int_equal(geoip_db_expand(db, codes, 2, &p, err, sizeof(err)), 0);
	printf("# expand [RU, CN] again: %.4f s\n", now_s() - t0);
	geoip_prefixes_free(&p);
	geoip_db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_lookup_both_layouts),
		cmocka_unit_test(test_expand_exact),
		cmocka_unit_test(test_expand_walks_once),
		cmocka_unit_test(test_country_code_valid),
		cmocka_unit_test(test_real_db_matches_mmdblookup),
		cmocka_unit_test(test_real_db_expansion),
	};
	return cmocka_run_group_tests(tests, setup_db, teardown_db);
}
