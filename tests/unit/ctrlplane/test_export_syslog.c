/*
 * test_export_syslog.c - the syslog sink as a receiver sees it: RFC 5424
 * datagrams over UDP and over a unix datagram socket (the test owns both
 * receivers), PRI from facility and priority, MSGID from the record kind,
 * the EVE JSON as MSG, truncation at 8 KiB, a receiver that appears late.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "export_test_util.h"

struct fixture {
	char dir[64];
	int udp_fd;
	uint16_t udp_port;
	int unix_fd;
	char unix_path[128];
};

static int open_unix_receiver(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return fd;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int big = 4 << 20;

	tu_mkdtemp(f->dir, sizeof(f->dir));
	f->udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(f->udp_fd >= 0);
	setsockopt(f->udp_fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	assert_int_equal(bind(f->udp_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(f->udp_fd, (struct sockaddr *)&sa, &len), 0);
	f->udp_port = ntohs(sa.sin_port);
	snprintf(f->unix_path, sizeof(f->unix_path), "%s/log.sock", f->dir);
	f->unix_fd = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->udp_fd);
	if (f->unix_fd >= 0)
		close(f->unix_fd);
	tu_rm_rf(f->dir);
	free(f);
	return 0;
}

/* One datagram (NUL-terminated) or -1 after timeout_ms. */
static int recv_dgram(int fd, char *buf, size_t cap, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	n = recv(fd, buf, cap - 1, 0);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

struct rfc5424 {
	int pri;
	char timestamp[64], hostname[256], app[64], procid[32], msgid[64];
	const char *msg;
};

/* Parses `<PRI>1 TS HOST APP PROCID MSGID - MSG`; false on any deviation. */
static bool parse_rfc5424(char *line, struct rfc5424 *out)
{
	char *p = line, *fields[6];
	char *end;

	if (*p++ != '<')
		return false;
	out->pri = (int)strtol(p, &end, 10);
	if (end == p || *end != '>' || end - p > 3 || out->pri < 0 || out->pri > 191)
		return false;
	p = end + 1;
	if (p[0] != '1' || p[1] != ' ')
		return false;
	p += 2;
	for (int i = 0; i < 6; i++) {
		char *sp = strchr(p, ' ');

		if (!sp)
			return false;
		*sp = '\0';
		fields[i] = p;
		p = sp + 1;
	}
	snprintf(out->timestamp, sizeof(out->timestamp), "%s", fields[0]);
	snprintf(out->hostname, sizeof(out->hostname), "%s", fields[1]);
	snprintf(out->app, sizeof(out->app), "%s", fields[2]);
	snprintf(out->procid, sizeof(out->procid), "%s", fields[3]);
	snprintf(out->msgid, sizeof(out->msgid), "%s", fields[4]);
	if (strcmp(fields[5], "-") != 0) /* STRUCTURED-DATA: nil */
		return false;
	out->msg = p;
	return true;
}

static struct exporter *start_syslog(struct fixture *f, enum export_syslog_transport t, uint32_t max_queue)
{
	struct export_config c;
	char err[512] = "";
	struct exporter *x;

	tu_config_none(&c);
	c.syslog.enabled = true;
	c.syslog.transport = t;
	c.syslog.port = f->udp_port;
	snprintf(c.syslog.server, sizeof(c.syslog.server), "127.0.0.1");
	snprintf(c.syslog.path, sizeof(c.syslog.path), "%s", f->unix_path);
	c.syslog.facility = 21; /* local5 */
	snprintf(c.syslog.ident, sizeof(c.syslog.ident), "rampart-test");
	if (max_queue)
		c.syslog.max_queue = max_queue;
	x = export_start(&c, err, sizeof(err));
	if (!x)
		fail_msg("export_start: %s", err);
	return x;
}

static void check_records(int fd, unsigned count)
{
	char buf[16384];

	for (unsigned i = 0; i < count; i++) {
		struct rfc5424 m;
		char expect_msg[160];
		uint8_t prio = (uint8_t)(i % 5);
		int severity = prio == 1 ? 2 : prio == 2 ? 3 : prio == 3 ? 4 : 5;

		assert_true(recv_dgram(fd, buf, sizeof(buf), 2000) > 0);
		assert_true(parse_rfc5424(buf, &m));
		assert_int_equal(m.pri, 21 * 8 + severity);
		assert_string_equal(m.timestamp, "2025-11-25T12:00:00.123456Z");
		assert_string_equal(m.app, "rampart-test");
		assert_int_equal(atol(m.procid), (long)getpid());
		assert_true(m.hostname[0] != '\0');
		assert_string_equal(m.msgid, i % 2 ? "drop" : "alert");
		snprintf(expect_msg, sizeof(expect_msg), "{\"event_type\":\"%s\",\"n\":%u,\"tag\":\"syslog\"}",
			 i % 2 ? "drop" : "alert", i);
		assert_string_equal(m.msg, expect_msg);
	}
}

static void submit_mixed(struct exporter *x, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		tu_submit(x, "syslog", i, i % 2 ? EXPORT_REC_DROP : EXPORT_REC_ALERT, (uint8_t)(i % 5));
}

static void test_udp_rfc5424(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_syslog(f, EXPORT_SYSLOG_UDP, 0);
	struct export_counters c;

	submit_mixed(x, 50);
	assert_int_equal(export_drain(x, 3000), 0);
	check_records(f->udp_fd, 50);
	export_counters(x, EXPORT_SINK_SYSLOG, &c);
	assert_int_equal(c.written, 50);
	assert_int_equal(c.errors + c.dropped_queue_full + c.truncated, 0);
	export_stop(x, 0, NULL);
}

static void test_unix_rfc5424(void **state)
{
	struct fixture *f = *state;
	struct exporter *x;

	f->unix_fd = open_unix_receiver(f->unix_path);
	assert_true(f->unix_fd >= 0);
	x = start_syslog(f, EXPORT_SYSLOG_UNIX, 0);
	/* A unix receiver's queue is short (net.unix.max_dgram_qlen): read
	 * while the writer sends, as a syslog daemon does. */
	submit_mixed(x, 8);
	check_records(f->unix_fd, 8);
	export_stop(x, 0, NULL);
}

static void test_stalled_unix_receiver(void **state)
{
	struct fixture *f = *state;
	struct export_counters c, fin[EXPORT_SINK_COUNT];
	double worst = 0, t0;
	struct exporter *x;
	char buf[4096];
	unsigned got = 0;

	f->unix_fd = open_unix_receiver(f->unix_path);
	assert_true(f->unix_fd >= 0);
	x = start_syslog(f, EXPORT_SYSLOG_UNIX, 4);
	/* The receiver never reads: its socket queue fills, the writer holds a
	 * record and retries, the sink queue fills, later records drop. */
	for (unsigned i = 0; i < 2000; i++) {
		double t = tu_submit(x, "stall", i, EXPORT_REC_ALERT, 1);

		worst = t > worst ? t : worst;
		if (i == 100)
			usleep(300 * 1000);
	}
	assert_true(worst < 0.09);
	export_counters(x, EXPORT_SINK_SYSLOG, &c);
	assert_true(c.dropped_queue_full > 1000);
	assert_int_equal(c.errors, 0);
	assert_int_equal(c.submitted, c.written + c.dropped_queue_full + c.queued);
	t0 = tu_now();
	export_stop(x, 200, fin);
	assert_true(tu_now() - t0 < 2.0);
	while (recv_dgram(f->unix_fd, buf, sizeof(buf), 0) > 0)
		got++;
	assert_int_equal(got, fin[EXPORT_SINK_SYSLOG].written);
	assert_int_equal(fin[EXPORT_SINK_SYSLOG].submitted,
			 fin[EXPORT_SINK_SYSLOG].written + fin[EXPORT_SINK_SYSLOG].dropped_queue_full +
				 fin[EXPORT_SINK_SYSLOG].errors);
}

static void test_unix_receiver_appears_late(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_syslog(f, EXPORT_SYSLOG_UNIX, 0);
	struct export_counters c;
	char buf[4096];

	/* No receiver yet: the records wait in the queue, nothing is lost. */
	submit_mixed(x, 3);
	usleep(150 * 1000);
	export_counters(x, EXPORT_SINK_SYSLOG, &c);
	assert_int_equal(c.written, 0);
	assert_int_equal(c.queued, 3);
	f->unix_fd = open_unix_receiver(f->unix_path);
	assert_true(f->unix_fd >= 0);
	assert_int_equal(export_drain(x, 3000), 0);
	check_records(f->unix_fd, 3);
	assert_int_equal(recv_dgram(f->unix_fd, buf, sizeof(buf), 50), -1);
	export_stop(x, 0, NULL);
}

static void test_unix_receiver_restarts(void **state)
{
	struct fixture *f = *state;
	struct exporter *x;
	struct export_counters c;
	char buf[4096];

	f->unix_fd = open_unix_receiver(f->unix_path);
	assert_true(f->unix_fd >= 0);
	x = start_syslog(f, EXPORT_SYSLOG_UNIX, 0);
	submit_mixed(x, 2);
	check_records(f->unix_fd, 2);
	/* The syslog daemon restarts: a new socket at the same path. The
	 * writer loses at most the record that hit the dead socket, reconnects,
	 * and the next ones arrive. */
	close(f->unix_fd);
	unlink(f->unix_path);
	f->unix_fd = open_unix_receiver(f->unix_path);
	assert_true(f->unix_fd >= 0);
	tu_submit(x, "restart", 0, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 3000), 0);
	tu_submit(x, "restart", 1, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 3000), 0);
	assert_true(recv_dgram(f->unix_fd, buf, sizeof(buf), 2000) > 0);
	assert_non_null(strstr(buf, "\"n\":1,\"tag\":\"restart\""));
	export_counters(x, EXPORT_SINK_SYSLOG, &c);
	assert_int_equal(c.reconnects, 1);
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.written, 3);
	export_stop(x, 0, NULL);
}

static void test_long_record_truncated_at_8k(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_syslog(f, EXPORT_SYSLOG_UDP, 0);
	struct export_rec_hdr h = {.kind = EXPORT_REC_ALERT, .priority = 1, .ts_usec = 1};
	struct export_counters c;
	size_t big = 20000;
	char *json = malloc(big), buf[32768];
	struct rfc5424 m;
	int n;

	memset(json, 'a', big);
	json[0] = '{';
	export_submit(x, &h, json, big);
	assert_int_equal(export_drain(x, 3000), 0);
	n = recv_dgram(f->udp_fd, buf, sizeof(buf), 2000);
	assert_int_equal(n, EXPORT_SYSLOG_MAX_DATAGRAM);
	assert_true(parse_rfc5424(buf, &m));
	assert_string_equal(m.timestamp, "1970-01-01T00:00:00.000001Z");
	export_counters(x, EXPORT_SINK_SYSLOG, &c);
	assert_int_equal(c.truncated, 1);
	assert_int_equal(c.written, 1);
	free(json);
	export_stop(x, 0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp_rfc5424, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_rfc5424, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled_unix_receiver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_receiver_appears_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_receiver_restarts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_record_truncated_at_8k, setup, teardown),
	};

	return cmocka_run_group_tests_name("export_syslog", tests, NULL, NULL);
}
