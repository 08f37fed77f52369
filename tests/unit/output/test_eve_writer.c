/*
 * unit_output_writer: the EVE file writer and the writer thread.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "dataplane/engine/output/alert_ring.h"
#include "dataplane/engine/output/eve_writer.h"
#include "dataplane/engine/output/output_thread.h"
#include "output_fixtures.h"

static char tmp_path[64];

static int setup_file(void **state)
{
	(void)state;
	use_time_zone("UTC");
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/rampart_eve_test_XXXXXX");
	int fd = mkstemp(tmp_path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown_file(void **state)
{
	(void)state;
	unlink(tmp_path);
	return 0;
}

/* Whole file as a NUL-terminated string (caller frees). */
static char *slurp(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	if (len_out)
		*len_out = (size_t)len;
	return buf;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static void test_writes_lines_and_truncates(void **state)
{
	(void)state;
	FILE *f = fopen(tmp_path, "w");
	assert_non_null(f);
	fputs("old content that must go\n", f);
	fclose(f);

	struct eve_writer *w = eve_writer_open(tmp_path, false);
	assert_non_null(w);
	struct alert_record r = fixture_record(RULE_TCP);
	assert_int_equal(eve_writer_write_record(w, &r), 0);
	r.pcap_cnt = 43;
	assert_int_equal(eve_writer_write_record(w, &r), 0);

	struct eve_writer_stats st;
	eve_writer_get_stats(w, &st);
	assert_int_equal(st.records_written, 0); /* still buffered */
	assert_true(eve_writer_pending(w));
	assert_int_equal(eve_writer_flush(w), 0);
	eve_writer_get_stats(w, &st);
	assert_int_equal(st.records_written, 2);
	assert_int_equal(eve_writer_close(w), 0);

	char *text = slurp(tmp_path, NULL);
	assert_int_equal(count_lines(text), 2);
	assert_null(strstr(text, "old content"));
	assert_true(strncmp(text, "{\"timestamp\":\"2024-01-31T12:00:00.123456+0000\",", 47) == 0);
	assert_non_null(strstr(text, "\"pcap_cnt\":42,"));
	assert_non_null(strstr(text, "}\n{\"timestamp\""));
	assert_non_null(strstr(text, "\"pcap_cnt\":43,"));
	free(text);
}

static void test_append_keeps_old_lines(void **state)
{
	(void)state;
	struct alert_record r = fixture_record(RULE_PLAIN);
	for (int i = 0; i < 2; i++) {
		struct eve_writer *w = eve_writer_open(tmp_path, i == 1);
		assert_non_null(w);
		assert_int_equal(eve_writer_write_record(w, &r), 0);
		assert_int_equal(eve_writer_close(w), 0);
	}
	char *text = slurp(tmp_path, NULL);
	assert_int_equal(count_lines(text), 2);
	free(text);
}

static void test_open_errors(void **state)
{
	(void)state;
	errno = 0;
	assert_null(eve_writer_open("/nonexistent-dir/eve.json", false));
	assert_int_equal(errno, ENOENT);
	assert_null(eve_writer_open("", false));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(eve_writer_close(NULL), 0);
}

static void test_bad_records_counted_not_written(void **state)
{
	(void)state;
	struct eve_writer *w = eve_writer_open(tmp_path, false);
	assert_non_null(w);
	struct alert_record r = fixture_record(RULE_TCP);
	r.rule_index = 1000;
	assert_int_equal(eve_writer_write_record(w, &r), -1);
	assert_int_equal(errno, ENOENT);
	r = fixture_record(RULE_TCP);
	r.l3 = 9;
	assert_int_equal(eve_writer_write_record(w, &r), -1);
	assert_int_equal(errno, EINVAL);
	r = fixture_record(RULE_TCP);
	assert_int_equal(eve_writer_write_record(w, &r), 0);

	struct eve_writer_stats st;
	assert_int_equal(eve_writer_flush(w), 0);
	eve_writer_get_stats(w, &st);
	assert_int_equal(st.unknown_rule, 1);
	assert_int_equal(st.bad_records, 1);
	assert_int_equal(st.records_written, 1);
	assert_int_equal(eve_writer_close(w), 0);
	char *text = slurp(tmp_path, NULL);
	assert_int_equal(count_lines(text), 1);
	free(text);
}

static void test_write_error_counted(void **state)
{
	(void)state;
	if (access("/dev/full", W_OK) != 0) {
		skip();
		return;
	}
	struct eve_writer *w = eve_writer_open("/dev/full", false);
	assert_non_null(w);
	struct alert_record r = fixture_record(RULE_TCP);
	assert_int_equal(eve_writer_write_record(w, &r), 0);
	assert_int_equal(eve_writer_write_record(w, &r), 0);
	assert_int_equal(eve_writer_flush(w), -1);
	assert_int_equal(errno, ENOSPC);
	struct eve_writer_stats st;
	eve_writer_get_stats(w, &st);
	assert_int_equal(st.write_errors, 1);
	assert_int_equal(st.records_lost, 2);
	assert_int_equal(st.records_written, 0);
	/* The writer keeps going: the next record is accepted. */
	assert_int_equal(eve_writer_write_record(w, &r), 0);
	assert_int_equal(eve_writer_close(w), -1);
	assert_int_equal(errno, ENOSPC);
}

static void test_line_longer_than_buffer(void **state)
{
	(void)state;
	size_t big = 600 * 1024;
	char *msg = malloc(big + 1);
	assert_non_null(msg);
	memset(msg, 'A', big);
	msg[big] = '\0';
	char *saved = fixture_rules[RULE_PLAIN].msg;
	fixture_rules[RULE_PLAIN].msg = msg;

	struct eve_writer *w = eve_writer_open(tmp_path, false);
	assert_non_null(w);
	struct alert_record small = fixture_record(RULE_TCP);
	struct alert_record huge = fixture_record(RULE_PLAIN);
	assert_int_equal(eve_writer_write_record(w, &small), 0);
	assert_int_equal(eve_writer_write_record(w, &huge), 0);
	assert_int_equal(eve_writer_write_record(w, &small), 0);
	assert_int_equal(eve_writer_close(w), 0);
	fixture_rules[RULE_PLAIN].msg = saved;

	size_t len;
	char *text = slurp(tmp_path, &len);
	assert_int_equal(count_lines(text), 3);
	assert_true(len > big);
	/* Order kept: small, huge, small. */
	char *first_nl = strchr(text, '\n');
	assert_non_null(strstr(first_nl, "AAAA"));
	assert_null(strstr(strchr(first_nl + 1, '\n'), "AAAA"));
	free(text);
	free(msg);
}

#define PER_PRODUCER 20000u

struct producer {
	struct alert_ring *ring;
	unsigned id;
};

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	for (uint64_t i = 1; i <= PER_PRODUCER; i++) {
		struct alert_record r = fixture_record(RULE_TCP);
		r.pcap_cnt = i;
		r.worker = (uint16_t)p->id;
		r.sport = (uint16_t)(1000 + p->id); /* visible in the line */
		while (!alert_ring_push(p->ring, &r))
			usleep(50); /* test only: a real worker drops instead */
	}
	return NULL;
}

/* Two workers, two rings, one writer thread: every record lands in the file
 * exactly once, each worker's records in the order it pushed them. */
static void test_thread_drains_two_producers(void **state)
{
	(void)state;
	struct eve_writer *w = eve_writer_open(tmp_path, false);
	assert_non_null(w);
	struct alert_ring *rings[2] = { alert_ring_new(1024), alert_ring_new(1024) };
	assert_non_null(rings[0]);
	assert_non_null(rings[1]);
	struct output_thread *t = output_thread_start(rings, 2, w);
	assert_non_null(t);

	struct producer prod[2] = { { rings[0], 0 }, { rings[1], 1 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, producer_main, &prod[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);

	assert_int_equal(output_thread_stop(t), 0);
	struct eve_writer_stats st;
	eve_writer_get_stats(w, &st);
	assert_int_equal(st.records_written, 2 * PER_PRODUCER);
	assert_int_equal(alert_ring_count(rings[0]), 0);
	assert_int_equal(alert_ring_count(rings[1]), 0);
	assert_int_equal(eve_writer_close(w), 0);

	char *text = slurp(tmp_path, NULL);
	assert_int_equal(count_lines(text), 2 * PER_PRODUCER);
	uint64_t next[2] = { 1, 1 };
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0'; /* parse one line, not the rest of the file */
		unsigned long long cnt;
		unsigned port;
		char *pc = strstr(line, "\"pcap_cnt\":");
		char *sp = strstr(line, "\"src_port\":");
		assert_non_null(pc);
		assert_non_null(sp);
		assert_int_equal(sscanf(pc, "\"pcap_cnt\":%llu", &cnt), 1);
		assert_int_equal(sscanf(sp, "\"src_port\":%u", &port), 1);
		assert_true(port == 1000 || port == 1001);
		assert_int_equal(cnt, next[port - 1000]);
		next[port - 1000]++;
	}
	assert_int_equal(next[0], PER_PRODUCER + 1);
	assert_int_equal(next[1], PER_PRODUCER + 1);
	free(text);
	alert_ring_free(rings[0]);
	alert_ring_free(rings[1]);
}

static void test_thread_flushes_when_idle(void **state)
{
	(void)state;
	struct eve_writer *w = eve_writer_open(tmp_path, false);
	assert_non_null(w);
	struct alert_ring *ring = alert_ring_new(16);
	assert_non_null(ring);
	struct output_thread *t = output_thread_start(&ring, 1, w);
	assert_non_null(t);
	struct alert_record r = fixture_record(RULE_TCP);
	assert_true(alert_ring_push(ring, &r));

	/* Without stopping: the line reaches the file once the ring is idle. */
	struct eve_writer_stats st = { 0 };
	for (int i = 0; i < 2000 && st.records_written == 0; i++) {
		usleep(1000);
		eve_writer_get_stats(w, &st);
	}
	assert_int_equal(st.records_written, 1);
	assert_int_equal(output_thread_records_drained(t), 1);
	char *text = slurp(tmp_path, NULL);
	assert_int_equal(count_lines(text), 1);
	free(text);

	assert_int_equal(output_thread_stop(t), 0);
	assert_int_equal(eve_writer_close(w), 0);
	alert_ring_free(ring);
}

static void test_thread_start_errors(void **state)
{
	(void)state;
	struct alert_ring *ring = alert_ring_new(4);
	struct alert_ring *none[1] = { NULL };
	struct eve_writer *w = eve_writer_open(tmp_path, false);
	assert_null(output_thread_start(&ring, 0, w));
	assert_int_equal(errno, EINVAL);
	assert_null(output_thread_start(&ring, 1, NULL));
	assert_null(output_thread_start(none, 1, w));
	assert_int_equal(output_thread_stop(NULL), 0);
	eve_writer_close(w);
	alert_ring_free(ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writes_lines_and_truncates, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_append_keeps_old_lines, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_open_errors, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_bad_records_counted_not_written, setup_file,
						teardown_file),
		cmocka_unit_test_setup_teardown(test_write_error_counted, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_line_longer_than_buffer, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_thread_drains_two_producers, setup_file,
						teardown_file),
		cmocka_unit_test_setup_teardown(test_thread_flushes_when_idle, setup_file, teardown_file),
		cmocka_unit_test_setup_teardown(test_thread_start_errors, setup_file, teardown_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
