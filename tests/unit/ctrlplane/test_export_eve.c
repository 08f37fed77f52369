/*
 * test_export_eve.c - the EVE file sink and the exporter's queues: records
 * land in order, reopen after a rename writes a new file, append vs truncate,
 * a full queue drops and counts exactly, a stalled sink never slows the EVE
 * file or export_submit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "export_test_util.h"

struct fixture {
	char dir[64];
	char eve[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	tu_mkdtemp(f->dir, sizeof(f->dir));
	snprintf(f->eve, sizeof(f->eve), "%s/eve.json", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tu_rm_rf(f->dir);
	free(f);
	return 0;
}

static struct exporter *start_eve(struct fixture *f, bool append)
{
	struct export_config c;
	char err[512] = "";
	struct exporter *x;

	tu_config_none(&c);
	c.eve.enabled = true;
	c.eve.append = append;
	snprintf(c.eve.filename, sizeof(c.eve.filename), "%s", f->eve);
	x = export_start(&c, err, sizeof(err));
	if (!x)
		fail_msg("export_start: %s", err);
	return x;
}

static void test_records_in_order(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_eve(f, true);
	struct export_counters c;
	char *text, *line, *save = NULL;
	unsigned want = 0;

	for (unsigned i = 0; i < 5000; i++)
		tu_submit(x, "order", i, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 5000), 0);
	export_counters(x, EXPORT_SINK_EVE, &c);
	assert_true(c.enabled);
	assert_int_equal(c.submitted, 5000);
	assert_int_equal(c.written, 5000);
	assert_int_equal(c.dropped_queue_full + c.errors + c.queued, 0);

	text = tu_slurp(f->eve);
	assert_non_null(text);
	assert_int_equal(tu_count_lines(text), 5000);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char expect[128];

		snprintf(expect, sizeof(expect), "{\"event_type\":\"alert\",\"n\":%u,\"tag\":\"order\"}", want++);
		assert_string_equal(line, expect);
	}
	assert_int_equal(want, 5000);
	free(text);
	export_stop(x, 0, NULL);
}

static void test_flushed_when_idle(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_eve(f, true);
	char *text = NULL;
	bool seen;

	/* No drain, no stop: an idle writer must have flushed within ~100 ms. */
	tu_submit(x, "idle", 7, EXPORT_REC_ALERT, 1);
	seen = TU_WAIT_FOR((free(text), text = tu_slurp(f->eve), text && strstr(text, "\"n\":7")), 500);
	assert_true(seen);
	free(text);
	export_stop(x, 0, NULL);
}

static void test_trailing_newline_not_doubled(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_eve(f, true);
	struct export_rec_hdr h = {.kind = EXPORT_REC_ALERT};
	char *text;

	export_submit(x, &h, "{\"a\":1}\n", 8);
	export_submit(x, NULL, "{\"b\":2}", 7);
	assert_int_equal(export_drain(x, 2000), 0);
	text = tu_slurp(f->eve);
	assert_string_equal(text, "{\"a\":1}\n{\"b\":2}\n");
	free(text);
	export_stop(x, 0, NULL);
}

static void test_reopen_after_rename(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_eve(f, true);
	struct export_counters c;
	char rotated[160], err[256] = "", *old_text, *new_text;

	for (unsigned i = 0; i < 10; i++)
		tu_submit(x, "before", i, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 2000), 0);
	snprintf(rotated, sizeof(rotated), "%s.1", f->eve);
	assert_int_equal(rename(f->eve, rotated), 0);
	/* Until the reopen, records still go to the renamed file. */
	tu_submit(x, "before", 10, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 2000), 0);
	assert_int_equal(export_reopen(x, err, sizeof(err)), 0);
	for (unsigned i = 0; i < 5; i++)
		tu_submit(x, "after", i, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 2000), 0);

	old_text = tu_slurp(rotated);
	new_text = tu_slurp(f->eve);
	assert_non_null(old_text);
	assert_non_null(new_text);
	assert_int_equal(tu_count_lines(old_text), 11);
	assert_int_equal(tu_count_lines(new_text), 5);
	assert_null(strstr(old_text, "after"));
	assert_null(strstr(new_text, "before"));
	export_counters(x, EXPORT_SINK_EVE, &c);
	assert_int_equal(c.reconnects, 1);
	assert_int_equal(c.written, 16);
	free(old_text);
	free(new_text);
	export_stop(x, 0, NULL);
}

static void test_reopen_failure_keeps_old_file(void **state)
{
	struct fixture *f = *state;
	struct export_config c;
	char sub[128], eve[160], moved[160], err[512] = "", *text;
	struct exporter *x;

	snprintf(sub, sizeof(sub), "%s/logs", f->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(eve, sizeof(eve), "%s/eve.json", sub);
	snprintf(moved, sizeof(moved), "%s/kept.json", f->dir);
	tu_config_none(&c);
	c.eve.enabled = true;
	snprintf(c.eve.filename, sizeof(c.eve.filename), "%s", eve);
	x = export_start(&c, err, sizeof(err));
	assert_non_null(x);
	/* The directory disappears: the reopen fails with a reason, and the
	 * writer keeps the file it had. */
	assert_int_equal(rename(eve, moved), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(export_reopen(x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, eve));
	tu_submit(x, "kept", 1, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 2000), 0);
	text = tu_slurp(moved);
	assert_non_null(strstr(text, "kept"));
	free(text);
	export_stop(x, 0, NULL);
}

static void test_append_and_truncate(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->eve, "w");
	struct exporter *x;
	char *text;

	fputs("{\"old\":1}\n", fp);
	fclose(fp);
	x = start_eve(f, true);
	tu_submit(x, "new", 1, EXPORT_REC_ALERT, 1);
	export_stop(x, 0, NULL);
	text = tu_slurp(f->eve);
	assert_int_equal(tu_count_lines(text), 2);
	assert_non_null(strstr(text, "old"));
	free(text);

	x = start_eve(f, false);
	tu_submit(x, "new", 2, EXPORT_REC_ALERT, 1);
	export_stop(x, 0, NULL);
	text = tu_slurp(f->eve);
	assert_int_equal(tu_count_lines(text), 1);
	assert_null(strstr(text, "old"));
	free(text);
}

static void test_unwritable_file_fails_start(void **state)
{
	struct fixture *f = *state;
	struct export_config c;
	char err[512] = "";

	tu_config_none(&c);
	c.eve.enabled = true;
	snprintf(c.eve.filename, sizeof(c.eve.filename), "%s/no/such/dir/eve.json", f->dir);
	assert_null(export_start(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "no/such/dir/eve.json"));
}

static void test_nothing_enabled(void **state)
{
	struct export_config c;
	char err[256];
	struct exporter *x;
	struct export_counters k;

	(void)state;
	tu_config_none(&c);
	x = export_start(&c, err, sizeof(err));
	assert_non_null(x);
	assert_int_equal(export_submit(x, NULL, "{}", 2), 0);
	export_counters(x, EXPORT_SINK_EVE, &k);
	assert_false(k.enabled);
	assert_int_equal(export_reopen(x, err, sizeof(err)), 0);
	export_stop(x, 0, NULL);
}

/* Redis pointed at a port nobody listens on, with a tiny queue: the writer
 * never takes records while it cannot connect, so exactly max-queue stay
 * queued and every later one is dropped and counted; the EVE file beside it
 * gets everything, and export_submit never waits. */
static void test_dead_sink_drops_exactly_and_never_blocks(void **state)
{
	struct fixture *f = *state;
	struct export_config c;
	struct export_counters eve, red, fin[EXPORT_SINK_COUNT];
	char err[512] = "";
	double worst = 0, total = 0;
	struct exporter *x;

	tu_config_none(&c);
	c.eve.enabled = true;
	snprintf(c.eve.filename, sizeof(c.eve.filename), "%s", f->eve);
	c.redis.enabled = true;
	snprintf(c.redis.socket, sizeof(c.redis.socket), "%s/nobody.sock", f->dir);
	c.redis.max_queue = 8;
	x = export_start(&c, err, sizeof(err));
	assert_non_null(x);
	for (unsigned i = 0; i < 3000; i++) {
		double t = tu_submit(x, "dead", i, EXPORT_REC_ALERT, 2);

		total += t;
		worst = t > worst ? t : worst;
	}
	/* A blocking submit would cost at least a connect timeout (100 ms). */
	assert_true(worst < 0.09);
	assert_true(total < 1.0);
	assert_true(TU_WAIT_FOR((export_counters(x, EXPORT_SINK_EVE, &eve), eve.written == 3000), 5000));
	export_counters(x, EXPORT_SINK_REDIS, &red);
	assert_int_equal(red.submitted, 3000);
	assert_int_equal(red.written, 0);
	assert_int_equal(red.queued, 8);
	assert_int_equal(red.dropped_queue_full, 3000 - 8);
	assert_int_equal(export_drain(x, 50), -1);
	export_stop(x, 100, fin);
	/* At stop the records that never left are settled as errors. */
	assert_int_equal(fin[EXPORT_SINK_REDIS].errors, 8);
	assert_int_equal(fin[EXPORT_SINK_REDIS].queued, 0);
	assert_int_equal(fin[EXPORT_SINK_EVE].written, 3000);
	assert_int_equal(fin[EXPORT_SINK_EVE].dropped_queue_full, 0);
}

/* Counters stay exact while producers race the writer. */
static void test_counters_add_up_under_load(void **state)
{
	struct fixture *f = *state;
	struct export_config c;
	struct export_counters k;
	char err[512] = "";
	struct exporter *x;

	tu_config_none(&c);
	c.eve.enabled = true;
	c.eve.max_queue = 16;
	snprintf(c.eve.filename, sizeof(c.eve.filename), "%s", f->eve);
	x = export_start(&c, err, sizeof(err));
	assert_non_null(x);
	for (unsigned i = 0; i < 20000; i++) {
		tu_submit(x, "load", i, EXPORT_REC_ALERT, 3);
		if (i % 997 == 0) {
			export_counters(x, EXPORT_SINK_EVE, &k);
			assert_int_equal(k.submitted, k.written + k.dropped_queue_full + k.errors + k.queued);
		}
	}
	assert_int_equal(export_drain(x, 5000), 0);
	export_counters(x, EXPORT_SINK_EVE, &k);
	assert_int_equal(k.submitted, 20000);
	assert_int_equal(k.written + k.dropped_queue_full, 20000);
	export_stop(x, 0, NULL);
	{
		char *text = tu_slurp(f->eve);

		assert_int_equal(tu_count_lines(text), k.written);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_records_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flushed_when_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trailing_newline_not_doubled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_failure_keeps_old_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_and_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_file_fails_start, setup, teardown),
		cmocka_unit_test(test_nothing_enabled),
		cmocka_unit_test_setup_teardown(test_dead_sink_drops_exactly_and_never_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_add_up_under_load, setup, teardown),
	};

	return cmocka_run_group_tests_name("export_eve", tests, NULL, NULL);
}
