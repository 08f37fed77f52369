/*
 * unit_output_stats: the --stats JSON object.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dataplane/engine/output/stats_json.h"

static void test_compact_text_in_insertion_order(void **state)
{
	(void)state;
	struct stats_json *s = stats_json_new();
	assert_non_null(s);
	assert_int_equal(stats_json_set_u64(s, "packets_read", 10), 0);
	assert_int_equal(stats_json_set_u64(s, "packets_processed", 9), 0);
	struct stats_json *decode = stats_json_object(s, "decode");
	assert_non_null(decode);
	assert_int_equal(stats_json_set_u64(decode, "ipv4", 7), 0);
	assert_int_equal(stats_json_set_u64(decode, "truncated", 2), 0);
	assert_int_equal(stats_json_set_double(s, "wall_seconds", 1.5), 0);
	assert_int_equal(stats_json_set_bool(s, "ips", false), 0);
	assert_int_equal(stats_json_set_string(s, "mode", "pcap"), 0);
	/* Replacing keeps the key's place. */
	assert_int_equal(stats_json_set_u64(s, "packets_read", 11), 0);

	char *text = stats_json_dumps(s, STATS_JSON_COMPACT);
	assert_non_null(text);
	assert_string_equal(text, "{\"packets_read\":11,\"packets_processed\":9,"
				  "\"decode\":{\"ipv4\":7,\"truncated\":2},"
				  "\"wall_seconds\":1.5,\"ips\":false,\"mode\":\"pcap\"}\n");
	free(text);
	stats_json_free(s);
}

static void test_pretty_text(void **state)
{
	(void)state;
	struct stats_json *s = stats_json_new();
	stats_json_set_u64(s, "alerts", 3);
	stats_json_set_u64(stats_json_object(s, "drops"), "ring_full", 1);
	char *text = stats_json_dumps(s, STATS_JSON_PRETTY);
	assert_non_null(text);
	assert_string_equal(text, "{\n  \"alerts\": 3,\n  \"drops\": {\n    \"ring_full\": 1\n  }\n}\n");
	free(text);
	stats_json_free(s);
}

static void test_add_sums_workers(void **state)
{
	(void)state;
	struct stats_json *s = stats_json_new();
	struct stats_json *drops = stats_json_object(s, "drops");
	/* The same nested object comes back on a second lookup. */
	assert_ptr_equal(stats_json_object(s, "drops"), drops);
	for (int worker = 0; worker < 4; worker++)
		assert_int_equal(stats_json_add_u64(drops, "alert_ring_full", 5), 0);
	assert_int_equal(stats_json_get_i64(drops, "alert_ring_full", -1), 20);
	assert_int_equal(stats_json_get_i64(drops, "missing", -1), -1);

	/* Saturates instead of wrapping. */
	assert_int_equal(stats_json_set_u64(s, "big", UINT64_MAX), 0);
	assert_int_equal(stats_json_get_i64(s, "big", 0), INT64_MAX);
	assert_int_equal(stats_json_add_u64(s, "big", 10), 0);
	assert_int_equal(stats_json_get_i64(s, "big", 0), INT64_MAX);
	stats_json_free(s);
}

static void test_misuse_is_an_error(void **state)
{
	(void)state;
	struct stats_json *s = stats_json_new();
	stats_json_set_u64(s, "n", 1);
	errno = 0;
	assert_null(stats_json_object(s, "n")); /* holds an integer */
	assert_int_equal(errno, EINVAL);
	stats_json_set_string(s, "name", "x");
	assert_int_equal(stats_json_add_u64(s, "name", 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(stats_json_set_u64(NULL, "k", 1), -1);
	assert_int_equal(stats_json_set_u64(s, NULL, 1), -1);
	assert_int_equal(stats_json_set_string(s, "k", NULL), -1);
	assert_null(stats_json_dumps(NULL, 0));
	/* JSON cannot spell NaN: written as null, the file stays valid. */
	assert_int_equal(stats_json_set_double(s, "ratio", NAN), 0);
	char *text = stats_json_dumps(s, STATS_JSON_COMPACT);
	assert_non_null(strstr(text, "\"ratio\":null"));
	free(text);
	stats_json_free(s);
}

static void test_write_file(void **state)
{
	(void)state;
	char path[] = "/tmp/rampart_stats_test_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	struct stats_json *s = stats_json_new();
	stats_json_set_u64(s, "flows", 12);
	assert_int_equal(stats_json_write(s, path, STATS_JSON_COMPACT), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[128] = { 0 };
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "{\"flows\":12}\n");
	unlink(path);

	errno = 0;
	assert_int_equal(stats_json_write(s, "/nonexistent-dir/stats.json", 0), -1);
	assert_int_equal(errno, ENOENT);
	stats_json_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_text_in_insertion_order),
		cmocka_unit_test(test_pretty_text),
		cmocka_unit_test(test_add_sums_workers),
		cmocka_unit_test(test_misuse_is_an_error),
		cmocka_unit_test(test_write_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
