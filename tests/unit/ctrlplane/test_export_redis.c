/*
 * test_export_redis.c - the Redis sink against a real redis-server that the
 * test starts itself (unix socket or a free TCP port on 127.0.0.1, no
 * persistence) and kills by PID: stream XADD / list RPUSH contents and order,
 * stream trimming, error replies, and a server killed mid-run (submit stays
 * instant, EVE keeps writing, drops are counted, a restarted server gets the
 * later records). Skips when redis-server is not installed.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "export_test_util.h"

struct fixture {
	char dir[64];
	char sock[128];
	char eve[128];
	uint16_t tcp_port; /* 0: unix socket only */
	pid_t redis_pid;
};

static const char *redis_binary(void)
{
	static const char *const candidates[] = {"/usr/bin/redis-server", "/usr/local/bin/redis-server",
						 "/usr/sbin/redis-server"};

	for (unsigned i = 0; i < 3; i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

static uint16_t free_tcp_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static redisContext *client(struct fixture *f)
{
	struct timeval tv = {.tv_sec = 1};
	redisContext *c = redisConnectUnixWithTimeout(f->sock, tv);

	if (c && c->err) {
		redisFree(c);
		return NULL;
	}
	return c;
}

static void redis_start(struct fixture *f)
{
	char port[8];
	pid_t pid;

	snprintf(port, sizeof(port), "%u", f->tcp_port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(redis_binary(), "redis-server", "--port", port, "--bind", "127.0.0.1", "--unixsocket", f->sock,
		      "--save", "", "--appendonly", "no", "--dir", f->dir, (char *)NULL);
		_exit(127);
	}
	f->redis_pid = pid;
	assert_true(TU_WAIT_FOR(({
		redisContext *c = client(f);
		redisReply *r = c ? redisCommand(c, "PING") : NULL;
		bool up = r && r->type == REDIS_REPLY_STATUS;

		if (r)
			freeReplyObject(r);
		if (c)
			redisFree(c);
		up;
	}), 5000));
}

static void redis_kill(struct fixture *f)
{
	if (f->redis_pid > 0) {
		kill(f->redis_pid, SIGKILL);
		waitpid(f->redis_pid, NULL, 0);
		f->redis_pid = 0;
	}
}

static int setup(void **state)
{
	struct fixture *f;

	if (!redis_binary()) {
		fprintf(stderr, "redis-server not installed: skipping the redis sink tests\n");
		return -1;
	}
	f = calloc(1, sizeof(*f));
	tu_mkdtemp(f->dir, sizeof(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/redis.sock", f->dir);
	snprintf(f->eve, sizeof(f->eve), "%s/eve.json", f->dir);
	f->tcp_port = free_tcp_port();
	redis_start(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	redis_kill(f);
	tu_rm_rf(f->dir);
	free(f);
	return 0;
}

static struct exporter *start_redis(struct fixture *f, enum export_redis_mode mode, bool tcp, bool eve,
				    uint32_t max_queue, uint64_t maxlen)
{
	struct export_config c;
	char err[512] = "";
	struct exporter *x;

	tu_config_none(&c);
	c.redis.enabled = true;
	c.redis.mode = mode;
	if (tcp) {
		snprintf(c.redis.server, sizeof(c.redis.server), "127.0.0.1");
		c.redis.port = f->tcp_port;
	} else {
		snprintf(c.redis.socket, sizeof(c.redis.socket), "%s", f->sock);
	}
	snprintf(c.redis.key, sizeof(c.redis.key), "rampart:test");
	c.redis.stream_maxlen = maxlen;
	if (max_queue)
		c.redis.max_queue = max_queue;
	if (eve) {
		c.eve.enabled = true;
		snprintf(c.eve.filename, sizeof(c.eve.filename), "%s", f->eve);
	}
	x = export_start(&c, err, sizeof(err));
	if (!x)
		fail_msg("export_start: %s", err);
	return x;
}

static redisReply *cmd(struct fixture *f, const char *fmt, ...)
{
	redisContext *c = client(f);
	redisReply *r;
	va_list ap;

	assert_non_null(c);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	assert_non_null(r);
	return r;
}

static long long int_reply(struct fixture *f, const char *command)
{
	redisReply *r = cmd(f, command);
	long long v;

	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	v = r->integer;
	freeReplyObject(r);
	return v;
}

static void expect_json(const char *got, const char *tag, unsigned n)
{
	char want[160];

	snprintf(want, sizeof(want), "{\"event_type\":\"alert\",\"n\":%u,\"tag\":\"%s\"}", n, tag);
	assert_string_equal(got, want);
}

static void test_stream_xadd(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_redis(f, EXPORT_REDIS_STREAM, false, false, 0, EXPORT_DEFAULT_REDIS_MAXLEN);
	struct export_counters c;
	redisReply *r;

	for (unsigned i = 0; i < 1000; i++)
		tu_submit(x, "stream", i, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 5000), 0);
	export_counters(x, EXPORT_SINK_REDIS, &c);
	assert_int_equal(c.written, 1000);
	assert_int_equal(c.errors + c.dropped_queue_full, 0);
	assert_int_equal(int_reply(f, "XLEN rampart:test"), 1000);
	r = cmd(f, "XRANGE rampart:test - +");
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 1000);
	for (size_t i = 0; i < r->elements; i++) {
		redisReply *fields = r->element[i]->element[1];

		assert_int_equal(fields->elements, 2);
		assert_string_equal(fields->element[0]->str, "eve");
		expect_json(fields->element[1]->str, "stream", (unsigned)i);
	}
	freeReplyObject(r);
	export_stop(x, 0, NULL);
}

static void test_stream_trimmed(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_redis(f, EXPORT_REDIS_STREAM, false, false, 0, 100);
	long long len;

	for (unsigned i = 0; i < 3000; i++)
		tu_submit(x, "trim", i, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 5000), 0);
	len = int_reply(f, "XLEN rampart:test");
	/* MAXLEN ~ trims whole macro nodes: at least 100 stay, far fewer than 3000. */
	assert_true(len >= 100 && len < 1000);
	export_stop(x, 0, NULL);
}

static void test_list_rpush_over_tcp(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_redis(f, EXPORT_REDIS_LIST, true, false, 0, 0);
	redisReply *r;

	for (unsigned i = 0; i < 600; i++)
		tu_submit(x, "list", i, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 5000), 0);
	r = cmd(f, "LRANGE rampart:test 0 -1");
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 600);
	for (size_t i = 0; i < r->elements; i++)
		expect_json(r->element[i]->str, "list", (unsigned)i);
	freeReplyObject(r);
	export_stop(x, 0, NULL);
}

static void test_error_replies_counted(void **state)
{
	struct fixture *f = *state;
	struct exporter *x;
	struct export_counters c;

	freeReplyObject(cmd(f, "SET rampart:test not-a-stream"));
	x = start_redis(f, EXPORT_REDIS_STREAM, false, false, 0, 100);
	for (unsigned i = 0; i < 10; i++)
		tu_submit(x, "wrongtype", i, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 5000), 0);
	export_counters(x, EXPORT_SINK_REDIS, &c);
	assert_int_equal(c.errors, 10);
	assert_int_equal(c.written, 0);
	export_stop(x, 0, NULL);
}

static void test_server_killed_mid_run(void **state)
{
	struct fixture *f = *state;
	struct exporter *x = start_redis(f, EXPORT_REDIS_STREAM, false, true, 1000, EXPORT_DEFAULT_REDIS_MAXLEN);
	struct export_counters eve, red;
	double worst = 0;
	redisReply *r;

	for (unsigned i = 0; i < 100; i++)
		tu_submit(x, "before", i, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 5000), 0);
	assert_int_equal(int_reply(f, "XLEN rampart:test"), 100);

	redis_kill(f);
	for (unsigned i = 0; i < 5000; i++) {
		double t = tu_submit(x, "during", i, EXPORT_REC_ALERT, 1);

		worst = t > worst ? t : worst;
	}
	assert_true(worst < 0.09); /* a blocked submit would take >= 100 ms */
	assert_true(TU_WAIT_FOR((export_counters(x, EXPORT_SINK_EVE, &eve), eve.written == 5100), 5000));
	export_counters(x, EXPORT_SINK_REDIS, &red);
	assert_int_equal(red.written, 100);
	/* At most the queue (1000) and one batch in the writer's hands (256) wait. */
	assert_true(red.dropped_queue_full >= 5000 - 1000 - 256);
	assert_true(red.queued <= 1000 + 256);
	assert_int_equal(red.submitted, red.written + red.dropped_queue_full + red.errors + red.queued);

	/* The server comes back (empty: no persistence): the sink reconnects
	 * within its backoff, sends what it held, then the later records. */
	usleep(300 * 1000);
	redis_start(f);
	assert_true(TU_WAIT_FOR((export_counters(x, EXPORT_SINK_REDIS, &red), red.reconnects >= 1), 8000));
	assert_int_equal(export_drain(x, 5000), 0); /* what was held goes out first */
	for (unsigned i = 0; i < 10; i++)
		tu_submit(x, "after", i, EXPORT_REC_ALERT, 1);
	assert_int_equal(export_drain(x, 5000), 0);
	export_counters(x, EXPORT_SINK_REDIS, &red);
	assert_int_equal(red.submitted, 5110);
	assert_int_equal(red.submitted, red.written + red.dropped_queue_full + red.errors);
	r = cmd(f, "XREVRANGE rampart:test + - COUNT 10");
	assert_int_equal(r->elements, 10);
	for (size_t i = 0; i < 10; i++)
		expect_json(r->element[i]->element[1]->element[1]->str, "after", (unsigned)(9 - i));
	freeReplyObject(r);
	/* Everything written after the restart is in the new server. */
	assert_int_equal(int_reply(f, "XLEN rampart:test"), (long long)red.written - 100);
	export_stop(x, 0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stream_xadd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_trimmed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_rpush_over_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_replies_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_killed_mid_run, setup, teardown),
	};

	if (!redis_binary()) {
		printf("# SKIP redis-server is not installed: the redis sink tests need one\n");
		return 77;
	}
	return cmocka_run_group_tests_name("export_redis", tests, NULL, NULL);
}
