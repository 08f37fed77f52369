/*
 * unit_iprep_load - Suricata's categories and reputation files: what loads,
 * what is refused (counted, named FILE:LINE, the rest still loads), scores
 * with the most specific block winning, and the interval tables the iprep
 * keyword and firewall sets are built from.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "signatures/iprep/iprep.h"
#include "tests/unit/geoip/rep_test_util.h"

static char dir[] = "/tmp/rampart-iprep-XXXXXX";
static char cat_path[300], rep_path[300];

static const char categories[] =
	"# id,shortname,description\n"
	"1,BadHosts,Known bad hosts\n"
	"2,Google,Known google host\n"
	"\n"
	"0,Zero,id out of range\n"
	"61,TooBig,id out of range\n"
	"3,,empty name\n"
	"garbage\n";

static const char reputation[] =
	"# ip,category,score\n"
	"10.0.0.0/8,1,20\n"
	"10.1.0.0/16,1,90\n"
	"10.1.2.3,1,5\n"
	"10.1.2.3,1,7\n"
	"  2001:db8::/32 , 1 , 100\n"
	"192.0.2.1,2,50\n"
	"1.2.3.4,9,50\n"
	"1.2.3.5,1,128\n"
	"not-an-ip,1,10\n"
	"1.2.3.6,1\n"
	"10.0.0.0/33,1,1\n";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(cat_path, sizeof(cat_path), "%s/categories.txt", dir);
	snprintf(rep_path, sizeof(rep_path), "%s/reputation.list", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(cat_path);
	unlink(rep_path);
	rmdir(dir);
	return 0;
}

static struct iprep_data *load(void)
{
	char err[256];
	rep_test_write_file(cat_path, categories);
	rep_test_write_file(rep_path, reputation);
	struct iprep_data *d = iprep_new();
	assert_non_null(d);
	assert_int_equal(iprep_load_categories(d, cat_path, err, sizeof(err)), 0);
	assert_int_equal(iprep_load_file(d, rep_path, err, sizeof(err)), 0);
	return d;
}

static void test_categories(void **state)
{
	(void)state;
	struct iprep_data *d = load();
	assert_int_equal(iprep_category_count(d), 2);
	assert_int_equal(iprep_category_id(d, "BadHosts"), 1);
	assert_int_equal(iprep_category_id(d, "Google"), 2);
	assert_int_equal(iprep_category_id(d, "badhosts"), -1);
	assert_int_equal(iprep_category_id(d, "Zero"), -1);
	assert_string_equal(iprep_category_name(d, 2), "Google");
	assert_null(iprep_category_name(d, 3));
	assert_null(iprep_category_name(d, 61));
	iprep_free(d);
}

static void test_bad_lines_counted_rest_loads(void **state)
{
	(void)state;
	struct iprep_data *d = load();
	/* 4 bad category lines, 5 bad reputation lines */
	assert_int_equal(iprep_bad_lines(d), 9);
	assert_int_equal(iprep_entry_count(d), 6);
	char want[400];
	snprintf(want, sizeof(want), "%s:5:", cat_path);
	assert_non_null(strstr(iprep_bad_line(d, 0), want));
	snprintf(want, sizeof(want), "%s:8:", rep_path);
	assert_non_null(strstr(iprep_bad_line(d, 4), want));
	assert_non_null(strstr(iprep_bad_line(d, 4), "category '9'"));
	assert_non_null(strstr(iprep_bad_line(d, 5), "score '128'"));
	assert_non_null(strstr(iprep_bad_line(d, 6), "not-an-ip"));
	assert_null(iprep_bad_line(d, 9));
	iprep_free(d);
}

static void test_unreadable(void **state)
{
	(void)state;
	char err[256] = "";
	struct iprep_data *d = iprep_new();
	assert_int_equal(iprep_load_categories(d, "/nonexistent/cats", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/cats"));
	assert_int_equal(iprep_load_file(d, "/nonexistent/rep", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/rep"));
	iprep_free(d);
}

static void test_scores_most_specific(void **state)
{
	(void)state;
	struct iprep_data *d = load();
	assert_int_equal(iprep_score_text(d, "10.200.0.1", 1), 20);
	assert_int_equal(iprep_score_text(d, "10.1.9.9", 1), 90);
	assert_int_equal(iprep_score_text(d, "10.1.2.3", 1), 7);   /* the later of two equal lines */
	assert_int_equal(iprep_score_text(d, "10.1.2.4", 1), 90);
	assert_int_equal(iprep_score_text(d, "10.255.255.255", 1), 20);
	assert_int_equal(iprep_score_text(d, "11.0.0.1", 1), -1);
	assert_int_equal(iprep_score_text(d, "9.255.255.255", 1), -1);
	assert_int_equal(iprep_score_text(d, "2001:db8:1::1", 1), 100);
	assert_int_equal(iprep_score_text(d, "2001:db9::1", 1), -1);
	assert_int_equal(iprep_score_text(d, "192.0.2.1", 1), -1);
	assert_int_equal(iprep_score_text(d, "192.0.2.1", 2), 50);
	assert_int_equal(iprep_score_text(d, "1.2.3.4", 9), -1);
	assert_int_equal(iprep_score_text(d, "bogus", 1), -1);
	iprep_free(d);
}

static bool has(const struct ip_intervals *t, const char *ip)
{
	struct ip_addr a;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, ip, a.u8) == 1)
		return ip_intervals_contains(t, &a, 4);
	assert_int_equal(inet_pton(AF_INET6, ip, a.u8), 1);
	return ip_intervals_contains(t, &a, 6);
}

static void test_intervals_by_score(void **state)
{
	(void)state;
	struct iprep_data *d = load();
	struct ip_intervals *ge50 = iprep_intervals(d, 1, IPREP_CMP_GE, 50);
	assert_non_null(ge50);
	assert_true(has(ge50, "10.1.9.9"));
	assert_true(has(ge50, "10.1.0.0"));
	assert_true(has(ge50, "10.1.255.255"));
	assert_false(has(ge50, "10.1.2.3"));  /* its own score is 7 */
	assert_false(has(ge50, "10.2.0.1"));
	assert_true(has(ge50, "2001:db8::5"));
	assert_false(has(ge50, "11.0.0.0"));
	assert_int_equal(ge50->n4, 2);

	/* the same addresses again through CIDR blocks (what rte_lpm gets) */
	struct sig_cidr *blocks;
	size_t n;
	assert_int_equal(ip_intervals_to_cidrs(ge50, &blocks, &n), 0);
	struct ip_intervals *again = ip_intervals_from_cidrs(blocks, n);
	assert_non_null(again);
	assert_int_equal(again->n4, ge50->n4);
	assert_int_equal(again->n6, ge50->n6);
	for (uint32_t i = 0; i < ge50->n4; i++) {
		assert_int_equal(again->lo4[i], ge50->lo4[i]);
		assert_int_equal(again->hi4[i], ge50->hi4[i]);
	}
	free(blocks);
	ip_intervals_free(again);
	ip_intervals_free(ge50);

	struct ip_intervals *lt10 = iprep_intervals(d, 1, IPREP_CMP_LT, 10);
	assert_true(has(lt10, "10.1.2.3"));
	assert_false(has(lt10, "10.1.2.4"));
	assert_false(has(lt10, "11.0.0.1")); /* unlisted never satisfies */
	assert_int_equal(lt10->n4, 1);
	ip_intervals_free(lt10);

	struct ip_intervals *eq20 = iprep_intervals(d, 1, IPREP_CMP_EQ, 20);
	assert_true(has(eq20, "10.0.0.1"));
	assert_true(has(eq20, "10.2.0.0"));
	assert_false(has(eq20, "10.1.0.0"));
	assert_int_equal(eq20->n4, 2);
	ip_intervals_free(eq20);

	struct ip_intervals *gt100 = iprep_intervals(d, 1, IPREP_CMP_GT, 100);
	assert_int_equal(gt100->n4 + gt100->n6, 0);
	assert_false(has(gt100, "2001:db8::5"));
	ip_intervals_free(gt100);
	iprep_free(d);
}

static void test_interval_cidr_edges(void **state)
{
	(void)state;
	struct sig_cidr c[3];
	memset(c, 0, sizeof(c));
	c[0].family = 4; c[0].prefix = 0;                /* 0.0.0.0/0 */
	c[1].family = 6; c[1].prefix = 0;                /* ::/0 */
	inet_pton(AF_INET, "10.0.0.0", c[2].addr.u8);
	c[2].family = 4; c[2].prefix = 8;                /* inside the /0 */
	struct ip_intervals *t = ip_intervals_from_cidrs(c, 3);
	assert_non_null(t);
	assert_int_equal(t->n4, 1);
	assert_int_equal(t->n6, 1);
	assert_true(has(t, "255.255.255.255"));
	assert_true(has(t, "0.0.0.0"));
	assert_true(has(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	struct sig_cidr *blocks;
	size_t n;
	assert_int_equal(ip_intervals_to_cidrs(t, &blocks, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(blocks[0].prefix, 0);
	assert_int_equal(blocks[1].prefix, 0);
	free(blocks);
	ip_intervals_free(t);
	struct ip_intervals *empty = ip_intervals_from_cidrs(NULL, 0);
	assert_non_null(empty);
	assert_false(has(empty, "1.2.3.4"));
	ip_intervals_free(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_bad_lines_counted_rest_loads),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_scores_most_specific),
		cmocka_unit_test(test_intervals_by_score),
		cmocka_unit_test(test_interval_cidr_edges),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
