/*
 * test_daemon_dataplane.c - rampartd with a data plane attached. The test
 * plays rampart-dp itself (link + export ring, as the real one does): it
 * says hello, answers `load`, accepts or refuses, pushes EVE records.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctrlplane/link/export_ring.h"
#include "ctrlplane/link/link.h"
#include "test_daemon_harness.h"

static char out[1 << 16], err[1 << 16], buf[1 << 16];

struct fake_dp {
	int sock;
	int ring_fd;
	struct export_ring *ring;
	char rules[8192];    /* last load's bundle */
	char config[8192];   /* last load's YAML */
	size_t hsdb_len;     /* last load's Hyperscan cache memfd: bytes */
	bool hsdb_magic;     /* ... and it starts with the cache's magic */
	json_t *load;        /* last load message */
};

struct fixture {
	struct daemon_run run;
	struct fake_dp dp;
};

static void fake_dp_hello(struct fake_dp *dp, const char *path, json_t *running)
{
	char e[256];
	json_t *hello;

	dp->sock = link_connect(path, e, sizeof(e));
	assert_true(dp->sock >= 0);
	if (!dp->ring) {
		dp->ring = export_ring_create(1 << 16, &dp->ring_fd);
		assert_non_null(dp->ring);
	}
	hello = json_pack("{s:s, s:s, s:I, s:i, s:[{s:i, s:s}, {s:i, s:s}], s:o}", "type", "hello", "role",
			  "dataplane", "pid", (json_int_t)getpid(), "workers", 1, "ports", "id", 0, "name", "veth-a",
			  "id", 1, "name", "veth-b", "running", running);
	assert_int_equal(link_send(dp->sock, hello, &dp->ring_fd, 1), 0);
	json_decref(hello);
}

static void copy_memfd(int fd, char *to, size_t cap)
{
	size_t len;
	void *p = link_map_readonly(fd, &len);

	assert_non_null(p);
	assert_true(len < cap);
	memcpy(to, p, len);
	to[len] = '\0';
	if (len)
		munmap(p, len);
	close(fd);
}

/* Next `load` (stats requests are answered on the way); false on timeout. */
static bool fake_dp_wait_load(struct fake_dp *dp, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 100) {
		int fds[LINK_MAX_FDS];
		unsigned n = 0;
		json_t *msg = NULL;
		int rc = link_recv(dp->sock, &msg, fds, &n, 100);

		if (rc == 0)
			continue;
		assert_int_equal(rc, 1);
		const char *type = json_string_value(json_object_get(msg, "type"));

		if (strcmp(type, "stats") == 0) {
			json_t *r = json_pack("{s:s, s:O, s:{s:i, s:i, s:[{s:i, s:i}]}}", "type", "stats-result", "id",
					      json_object_get(msg, "id"), "stats", "packets_processed", 1234, "alerts", 1,
					      "workers", "index", 0, "packets", 1234);

			link_send(dp->sock, r, NULL, 0);
			json_decref(r);
			json_decref(msg);
			continue;
		}
		assert_string_equal(type, "load");
		/* rules text, config YAML, serialized Hyperscan cache (the compiled blob) */
		assert_int_equal(n, 3);
		copy_memfd(fds[0], dp->rules, sizeof(dp->rules));
		copy_memfd(fds[1], dp->config, sizeof(dp->config));
		{
			void *p = link_map_readonly(fds[2], &dp->hsdb_len);

			assert_true(p != NULL || dp->hsdb_len == 0);
			dp->hsdb_magic = dp->hsdb_len >= 6 && memcmp(p, "RPHSDB", 6) == 0;
			if (dp->hsdb_len)
				munmap(p, dp->hsdb_len);
			close(fds[2]);
		}
		json_decref(dp->load);
		dp->load = msg;
		return true;
	}
	return false;
}

static void fake_dp_answer(struct fake_dp *dp, bool ok, const char *error)
{
	json_t *gen = json_object_get(dp->load, "generation");
	json_t *r = ok ? json_pack("{s:s, s:O, s:b, s:b, s:{s:i, s:i, s:i, s:i}, s:{s:f, s:f, s:f, s:f}, s:{s:i, s:i, s:i}}",
				   "type", "load-result", "generation", gen, "ok", 1, "rules_changed", 1,
				   "rules", "loaded", 2, "compiled", 2, "skipped", 0, "failed", 0,
				   "timing", "parse_s", 0.01, "compile_s", 0.02, "swap_s", 0.001, "total_s", 0.031,
				   "memory", "detect_bytes", 1000, "rss_kb", 20480, "rss_peak_kb", 30720) :
		json_pack("{s:s, s:O, s:b, s:s}", "type", "load-result", "generation", gen, "ok", 0, "error", error);

	assert_int_equal(link_send(dp->sock, r, NULL, 0), 0);
	json_decref(r);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || harness_prepare(&f->run, NULL) != 0 || harness_start(&f->run) != 0) {
		if (f)
			harness_stop(&f->run);
		free(f);
		return -1;
	}
	f->dp.sock = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	if (f->dp.sock >= 0)
		close(f->dp.sock);
	rc = harness_stop(&f->run);
	export_ring_close(f->dp.ring);
	json_decref(f->dp.load);
	free(f);
	return rc == 0 ? 0 : -1;
}

static json_t *nothing_running(void)
{
	return json_pack("{s:i, s:n, s:n}", "generation", 0, "rules_sha256", "policy_version");
}

static void test_attach_gets_current_bundle_and_policy(void **state)
{
	struct fixture *f = *state;

	fake_dp_hello(&f->dp, f->run.sock, nothing_running());
	assert_true(fake_dp_wait_load(&f->dp, 5000));
	assert_int_equal(json_integer_value(json_object_get(f->dp.load, "generation")), 1);
	assert_int_equal(json_integer_value(json_object_get(f->dp.load, "policy_version")), 1);
	assert_int_equal(strlen(json_string_value(json_object_get(f->dp.load, "rules_sha256"))), 64);
	assert_non_null(strstr(f->dp.rules, "sid:9100001"));
	assert_non_null(strstr(f->dp.rules, "sid:9100002"));
	assert_non_null(strstr(f->dp.config, "no-telnet"));
	assert_non_null(strstr(f->dp.config, "HOME_NET"));
	/* the compiled blob travels beside the text */
	assert_true(f->dp.hsdb_len > 0);
	assert_true(f->dp.hsdb_magic);
	fake_dp_answer(&f->dp, true, NULL);
	usleep(200 * 1000);
	assert_int_equal(harness_ctl(&f->run, (uid_t)-1, out, sizeof(out), err, sizeof(err), "status", NULL), 0);
	assert_non_null(strstr(out, "dataplanes: 1 attached"));
	assert_non_null(strstr(out, "ports veth-a,veth-b, rules generation 1, policy v1"));
}

static void test_change_waits_for_dataplane_and_commits(void **state)
{
	struct fixture *f = *state;
	pid_t ctl;
	char want[64];

	fake_dp_hello(&f->dp, f->run.sock, nothing_running());
	assert_true(fake_dp_wait_load(&f->dp, 5000));
	fake_dp_answer(&f->dp, true, NULL);

	ctl = harness_ctl_spawn(&f->run, "rules", "disable", "--sid", "9100002", NULL);
	assert_true(fake_dp_wait_load(&f->dp, 10000));
	assert_int_equal(json_integer_value(json_object_get(f->dp.load, "generation")), 2);
	assert_non_null(strstr(f->dp.rules, "sid:9100001"));
	assert_null(strstr(f->dp.rules, "sid:9100002"));
	fake_dp_answer(&f->dp, true, NULL);
	assert_int_equal(harness_ctl_wait(&f->run, ctl, out, sizeof(out), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "dataplane pid %d: ok", (int)getpid());
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "rss 20.0 MiB (peak 30.0 MiB)"));
	assert_non_null(strstr(out, "generation 2 committed"));

	/* the data plane refuses a policy change: exit 1, nothing committed */
	ctl = harness_ctl_spawn(&f->run, "policy", "add", "--name", "x", "--action", "deny", "--dst", "10.1.1.1", NULL);
	assert_true(fake_dp_wait_load(&f->dp, 10000));
	assert_int_equal(json_integer_value(json_object_get(f->dp.load, "policy_version")), 2);
	assert_non_null(strstr(f->dp.config, "10.1.1.1"));
	fake_dp_answer(&f->dp, false, "policy build: out of rte_acl memory");
	assert_int_equal(harness_ctl_wait(&f->run, ctl, out, sizeof(out), err, sizeof(err)), 1);
	assert_non_null(strstr(err, "refused: policy build: out of rte_acl memory"));
	assert_int_equal(harness_ctl(&f->run, (uid_t)-1, out, sizeof(out), err, sizeof(err), "status", NULL), 0);
	assert_non_null(strstr(out, "policy: version 1"));
	assert_true(harness_wait_for(f->run.audit, "\"command\":\"policy add --name x --action deny --dst 10.1.1.1\",\"result\":\"refused: ", 2000));

	/* a block reaches the data plane as the two rules at the top */
	ctl = harness_ctl_spawn(&f->run, "block", "203.0.113.7", NULL);
	assert_true(fake_dp_wait_load(&f->dp, 10000));
	assert_non_null(strstr(f->dp.config, "rampart-block-src"));
	assert_non_null(strstr(f->dp.config, "203.0.113.7"));
	fake_dp_answer(&f->dp, true, NULL);
	assert_int_equal(harness_ctl_wait(&f->run, ctl, out, sizeof(out), err, sizeof(err)), 0);
}

static void test_reattach_with_same_bundle_gets_no_load(void **state)
{
	struct fixture *f = *state;
	char sha[65];

	fake_dp_hello(&f->dp, f->run.sock, nothing_running());
	assert_true(fake_dp_wait_load(&f->dp, 5000));
	snprintf(sha, sizeof(sha), "%s", json_string_value(json_object_get(f->dp.load, "rules_sha256")));
	fake_dp_answer(&f->dp, true, NULL);
	close(f->dp.sock);
	f->dp.sock = -1;
	usleep(300 * 1000);
	assert_int_equal(harness_ctl(&f->run, (uid_t)-1, out, sizeof(out), err, sizeof(err), "status", NULL), 0);
	assert_non_null(strstr(out, "dataplanes: 0 attached"));
	fake_dp_hello(&f->dp, f->run.sock, json_pack("{s:i, s:s, s:i}", "generation", 1, "rules_sha256", sha,
						       "policy_version", 1));
	assert_false(fake_dp_wait_load(&f->dp, 1500));
}

/* Changing commands queue behind the one in flight; a data plane that goes
 * away mid-change no longer holds it up (it gets the result when it returns). */
static void test_changes_queue_and_survive_a_vanishing_dataplane(void **state)
{
	struct fixture *f = *state;
	pid_t first, second;

	fake_dp_hello(&f->dp, f->run.sock, nothing_running());
	assert_true(fake_dp_wait_load(&f->dp, 5000));
	fake_dp_answer(&f->dp, true, NULL);

	first = harness_ctl_spawn(&f->run, "block", "198.51.100.1", NULL);
	assert_true(fake_dp_wait_load(&f->dp, 10000));
	assert_non_null(strstr(f->dp.config, "198.51.100.1"));
	/* second change while the first waits for us: no load for it yet */
	char out2[300];

	snprintf(out2, sizeof(out2), "%s/ctl2", f->run.dir);
	second = fork();
	if (second == 0) {
		execl(getenv("RAMPARTCTL"), "rampartctl", "--socket", f->run.sock, "unblock", "198.51.100.1",
		      (char *)NULL);
		_exit(127);
	}
	assert_false(fake_dp_wait_load(&f->dp, 800));
	fake_dp_answer(&f->dp, true, NULL);
	assert_int_equal(harness_ctl_wait(&f->run, first, out, sizeof(out), err, sizeof(err)), 0);
	/* now the queued unblock reaches us; we vanish instead of answering */
	assert_true(fake_dp_wait_load(&f->dp, 10000));
	assert_null(strstr(f->dp.config, "198.51.100.1"));
	close(f->dp.sock);
	f->dp.sock = -1;
	int status;

	assert_int_equal(waitpid(second, &status, 0), second);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(harness_ctl(&f->run, (uid_t)-1, out, sizeof(out), err, sizeof(err), "block", "list", NULL), 0);
	assert_non_null(strstr(out, "blocklist: 0 entries"));
}

static bool http_get_metrics(unsigned port, char *to, size_t cap)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	const char req[] = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
	size_t got = 0;
	ssize_t n;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) != 0 || write(s, req, strlen(req)) < 0) {
		if (s >= 0)
			close(s);
		return false;
	}
	while (got + 1 < cap && (n = read(s, to + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	to[got] = '\0';
	close(s);
	return got > 0;
}

static void push_record(struct fake_dp *dp, uint32_t sid, const char *json)
{
	struct export_rec_hdr h = { .len = (uint32_t)strlen(json), .kind = EXPORT_REC_ALERT, .priority = 1,
				    .sid = sid, .gid = 1, .rev = 1, .ts_usec = 1700000000000000ull };

	assert_true(export_ring_push(dp->ring, &h, json));
}

static void test_records_reach_eve_and_sighup_reopens(void **state)
{
	struct fixture *f = *state;
	char rotated[300];

	fake_dp_hello(&f->dp, f->run.sock, nothing_running());
	assert_true(fake_dp_wait_load(&f->dp, 5000));
	fake_dp_answer(&f->dp, true, NULL);
	push_record(&f->dp, 9100001, "{\"event_type\":\"alert\",\"alert\":{\"signature_id\":9100001},\"n\":1}");
	assert_true(harness_wait_for(f->run.eve, "\"n\":1}", 3000));

	snprintf(rotated, sizeof(rotated), "%s.1", f->run.eve);
	assert_int_equal(rename(f->run.eve, rotated), 0);
	assert_int_equal(kill(f->run.pid, SIGHUP), 0);
	usleep(300 * 1000);
	push_record(&f->dp, 9100001, "{\"event_type\":\"alert\",\"alert\":{\"signature_id\":9100001},\"n\":2}");
	assert_true(harness_wait_for(f->run.eve, "\"n\":2}", 3000));
	harness_read_file(rotated, buf, sizeof(buf));
	assert_null(strstr(buf, "\"n\":2}"));
	harness_read_file(f->run.eve, buf, sizeof(buf));
	assert_null(strstr(buf, "\"n\":1}"));

	/* the same through rampartctl, audited */
	assert_int_equal(harness_ctl(&f->run, (uid_t)-1, out, sizeof(out), err, sizeof(err), "log", "reopen", NULL), 0);
	assert_true(harness_wait_for(f->run.audit, "\"command\":\"log reopen\",\"result\":\"ok\"", 2000));

	/* metrics: the data plane, its counters, the alerts by sid, the sink */
	if (f->run.metrics_port == 0) {
		skip();
		return;
	}
	assert_false(fake_dp_wait_load(&f->dp, 2500)); /* answers the stats polls meanwhile */
	assert_true(http_get_metrics(f->run.metrics_port, buf, sizeof(buf)));
	assert_non_null(strstr(buf, "rampart_dataplanes_attached 1\n"));
	assert_non_null(strstr(buf, "rampart_ruleset_generation 1\n"));
	assert_non_null(strstr(buf, "rampart_rules_loaded 2\n"));
	assert_non_null(strstr(buf, "rampart_policy_version 1\n"));
	assert_non_null(strstr(buf, "rampart_alerts_total{sid=\"9100001\"} 2\n"));
	assert_non_null(strstr(buf, "rampart_export_records_total{sink=\"eve\"} 2\n"));
	assert_non_null(strstr(buf, "rampart_packets_total 1234\n"));
	assert_non_null(strstr(buf, "rampart_worker_packets_total{worker=\"0\"} 1234\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_gets_current_bundle_and_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_waits_for_dataplane_and_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reattach_with_same_bundle_gets_no_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_queue_and_survive_a_vanishing_dataplane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_reach_eve_and_sighup_reopens, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
