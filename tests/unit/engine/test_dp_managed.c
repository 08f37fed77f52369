/*
 * test_dp_managed.c - rampart-dp's managed mode end to end, in process: the
 * real inline plane (inline_run: distributor, two workers, the loader thread,
 * RCU swaps, the export ring) on two ring-backed ethdevs (net_ring), attached
 * to a fake rampartd that listens on a temporary socket.
 *
 * The fake daemon (a pthread) accepts the data plane, reads its hello, maps
 * the export ring, sends loads and stats requests as rampartd would, injects
 * frames into port A and reads alerts from the export ring, while a drainer
 * thread counts what leaves port B. The main thread runs inline_run (it must:
 * it is the EAL main lcore) and the cases below assert what was recorded:
 *   - the first load is answered ok and a packet alerts through the export
 *     ring with the rule's sid;
 *   - a second load (a sid added, another removed) applies to the next
 *     packets of the SAME flow;
 *   - loads swapped repeatedly while two flows stream lose no packet;
 *   - a broken rule set and a broken firewall section are refused with a
 *     reason, and the old set keeps alerting;
 *   - a stats request is answered with the --stats object (export counters);
 *   - a policy that denies a flow cuts it at its next packet, without a
 *     rule rebuild; removing the policy lets the flow through again;
 *   - a set whose threshold.config section suppresses a sid: that sid stops
 *     alerting, the set's other rules still alert;
 *   - a load carrying rampartd's compiled blob (serialized Hyperscan cache)
 *     of the same rules builds from it (hs_cache "hit"); a damaged blob is
 *     reported "invalid" and the set still loads;
 *   - loads sent back to back, a malformed one among them, are answered
 *     in the order they came (rampartd pairs results with loads by order);
 *   - when the daemon goes away, forwarding and drop rules go on, and the
 *     data plane re-attaches to a new listener with what it runs.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "ctrlplane/link/export_ring.h"
#include "ctrlplane/link/link.h"
#include "dataplane/dpdk/cli.h"
#include "dataplane/dpdk/inline.h"
#include "dataplane/dpdk/rules_setup.h"
#include "dataplane/dpdk/stats.h"
#include "dataplane/engine/config.h"
#include "dataplane/engine/detect/detect.h"
#include "signatures/compiler/hs_cache.h"
#include "signatures/parser/sig_parser.h"
#include "tests/unit/engine/ipv4_frame.h"

#define CLIENT 0xc0a83201u /* 192.168.50.1 */
#define SERVER 0xc0a83202u /* 192.168.50.2 */
#define STREAM_PACKETS 20000u
#define SWAPS_DURING_STREAM 6

static const char set_a[] =
	"alert udp any any -> any 7001 (msg:\"set a\"; sid:1001; rev:2;)\n"
	"drop udp any any -> any 7002 (msg:\"drop 7002\"; sid:2001;)\n";
static const char set_b[] =
	"alert udp any any -> any 7001 (msg:\"set b\"; sid:1002;)\n"
	"drop udp any any -> any 7002 (msg:\"drop 7002\"; sid:2001;)\n"
	"# rampart: threshold.config\n";
/* inject()'s payload is "managed-mode-test": both rules match, 1002 is suppressed */
static const char set_suppress[] =
	"alert udp any any -> any 7001 (msg:\"suppressed\"; content:\"managed-mode\"; sid:1002;)\n"
	"alert udp any any -> any 7001 (msg:\"kept\"; content:\"mode-test\"; sid:1003;)\n"
	"# rampart: threshold.config\n"
	"suppress gen_id 1, sig_id 1002\n";
static const char set_broken[] = "alert udp any any -> (broken\nnot a rule at all\n";
static const char config_ok[] = "eve:\n  append: false\n";
static const char config_deny_7001[] =
	"firewall:\n  default-action: allow\n  rules:\n"
	"    - { name: no-7001, proto: udp, dst-port: 7001, action: deny }\n";
static const char config_bad_fw[] =
	"firewall:\n  default-action: allow\n  rules:\n"
	"    - { name: bad, action: deny, src: \"10.0.0.300\" }\n";

static struct {
	struct rte_mempool *pool;
	struct rte_ring *rx[2], *tx[2];
	uint16_t port[2];
} io;

/* What the fake daemon saw; asserted after inline_run returned. */
static struct {
	char sock[108];
	bool hello_ok;
	int hello_workers, hello_ports, hello_fds;
	bool export_attached;
	bool load1_ok, load1_rules_changed;
	bool load1_sid_seen, load1_eve_has_sid;
	uint32_t load1_gid, load1_rev;
	bool load2_ok, load2_new_sid_seen, load2_old_sid_seen;
	unsigned stream_loads_ok, loads_while_streaming;
	uint64_t stream_in, stream_out;
	bool broken_refused;
	char broken_error[256];
	bool after_broken_sid_seen;
	bool fw_refused;
	char fw_error[256];
	bool stats_ok;
	long long stats_pushed, stats_id;
	bool stats_has_export;
	bool deny_ok, deny_rules_changed, allow_ok;
	bool supp_ok, supp_kept_seen, supp_suppressed_seen;
	long long supp_threshold_applied;
	char supp_hs_cache[16], bad_blob_hs_cache[16];
	long long supp_hs_hits, supp_hs_misses;
	bool bad_blob_ok;
	long long piped_gen[3];
	bool piped_ok[3];
	uint64_t deny_out_delta, allow_out_delta;
	uint64_t detached_forwarded, detached_dropped_sent;
	uint64_t detached_out_delta;
	bool reattached;
	long long reattach_generation;
	char reattach_sha[80];
	char failure[256];            /* first step that could not run */
	unsigned inject_nombuf, inject_ring_full;
} res;

static volatile sig_atomic_t stop_flag, usr1, usr2;
static atomic_uint_fast64_t out_b, out_a;
static atomic_bool drainer_quit;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000l };

	nanosleep(&ts, NULL);
}

static void fail_step(const char *what)
{
	if (!res.failure[0])
		snprintf(res.failure, sizeof(res.failure), "%s", what);
}

/* ---- packets ---- */

static bool inject(uint16_t sport, uint16_t dport)
{
	uint8_t buf[128];
	size_t len = build_ipv4(buf, 17, CLIENT, SERVER, sport, dport, 0, "managed-mode-test");
	struct rte_mbuf *m = NULL;
	double end = now_s() + 10.0;
	char *f;

	/* the pool refills as the drainer frees what came out */
	while (!(m = rte_pktmbuf_alloc(io.pool)) && now_s() < end)
		sched_yield();
	if (!m) {
		res.inject_nombuf++;
		return false;
	}
	f = rte_pktmbuf_append(m, (uint16_t)len);
	memcpy(f, buf, len);
	m->port = io.port[0]; /* net_ring does not set it; a NIC's PMD does */
	while (now_s() < end) {
		if (rte_ring_enqueue(io.rx[0], m) == 0)
			return true;
		sched_yield();
	}
	res.inject_ring_full++;
	rte_pktmbuf_free(m);
	return false;
}

static void *drainer_main(void *arg)
{
	void *burst[64];

	(void)arg;
	while (!atomic_load(&drainer_quit)) {
		unsigned n = rte_ring_dequeue_burst(io.tx[1], burst, 64, NULL);
		unsigned k = rte_ring_dequeue_burst(io.tx[0], burst + n, 64 - n, NULL);

		for (unsigned i = 0; i < n + k; i++)
			rte_pktmbuf_free(burst[i]);
		atomic_fetch_add(&out_b, n);
		atomic_fetch_add(&out_a, k);
		if (n + k == 0)
			nap_ms(1);
	}
	return NULL;
}

static bool wait_out_b(uint64_t want, double secs)
{
	double end = now_s() + secs;

	while (now_s() < end) {
		if (atomic_load(&out_b) >= want)
			return true;
		nap_ms(2);
	}
	return atomic_load(&out_b) >= want;
}

/* ---- the fake daemon ---- */

struct daemon {
	int listen_fd, conn;
	struct export_ring *ring;
};

static int accept_within(int lfd, double secs)
{
	double end = now_s() + secs;

	while (now_s() < end) {
		int fd = link_accept(lfd);

		if (fd >= 0)
			return fd;
		nap_ms(10);
	}
	return -1;
}

/* Next message of `type` within secs (others are skipped); fds closed
 * unless wanted. */
static json_t *recv_type(int conn, const char *type, double secs, int *fds, unsigned *n_fds)
{
	double end = now_s() + secs;

	while (now_s() < end) {
		json_t *msg = NULL;
		int got[LINK_MAX_FDS];
		unsigned n = 0;
		int rc = link_recv(conn, &msg, got, &n, 100);

		if (rc < 0)
			return NULL;
		if (rc == 0)
			continue;
		if (strcmp(json_string_value(json_object_get(msg, "type")) ?: "", type) == 0) {
			if (fds) {
				memcpy(fds, got, n * sizeof(int));
				*n_fds = n;
			} else {
				for (unsigned i = 0; i < n; i++)
					close(got[i]);
			}
			return msg;
		}
		for (unsigned i = 0; i < n; i++)
			close(got[i]);
		json_decref(msg);
	}
	return NULL;
}

/* Send a load (sha NULL: a malformed one, rules_sha256 a number), with a
 * third memfd holding blob (the serialized Hyperscan cache) when blob is set. */
static int send_load_blob(struct daemon *d, long long gen, const char *sha, const char *rules,
			  const char *config, const void *blob, size_t blob_len)
{
	int fds[3] = { link_memfd_from("rules", rules, strlen(rules)),
		       link_memfd_from("config", config, strlen(config)),
		       blob ? link_memfd_from("hsdb", blob, blob_len) : -1 };
	json_t *msg = json_pack("{s:s,s:I,s:o,s:I}", "type", "load", "generation", (json_int_t)gen,
				"rules_sha256", sha ? json_string(sha) : json_integer(5),
				"policy_version", (json_int_t)1);
	int rc = link_send(d->conn, msg, fds, blob ? 3 : 2);

	json_decref(msg);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}

static int send_load(struct daemon *d, long long gen, const char *sha, const char *rules,
		     const char *config)
{
	return send_load_blob(d, gen, sha, rules, config, NULL, 0);
}

/* What rampartd's validation records for `rules`: the serialized cache. */
static uint8_t *record_blob(const char *rules, size_t *len)
{
	struct sig_ruleset *rs = sig_ruleset_new();
	struct detect_hs_cache *c = detect_hs_cache_new(true);
	struct detect_engine *de = NULL;
	uint8_t *blob = NULL;
	char err[256];

	*len = 0;
	if (rs && c && sig_ruleset_load_buffer(rs, rules, strlen(rules), "rules", NULL, err, sizeof(err)) == 0)
		de = detect_engine_build_cached(rs, c, NULL, err, sizeof(err));
	if (de && detect_hs_cache_serialize(c, &blob, len) != 0)
		blob = NULL;
	detect_engine_free(de);
	detect_hs_cache_free(c);
	sig_ruleset_free(rs);
	return blob;
}

static void json_str_copy(char *to, size_t cap, const json_t *o, const char *a, const char *b)
{
	const char *v = json_string_value(json_object_get(json_object_get(o, a), b));

	snprintf(to, cap, "%s", v ? v : "(none)");
}

/* Send a load and wait for its result (NULL: none came). */
static json_t *load(struct daemon *d, long long gen, const char *sha, const char *rules,
		    const char *config)
{
	if (send_load(d, gen, sha, rules, config) != 0)
		return NULL;
	return recv_type(d->conn, "load-result", 60.0, NULL, NULL);
}

static bool result_ok(json_t *r)
{
	return r && json_is_true(json_object_get(r, "ok"));
}

/* Pop export records for up to secs; count those with sid (and keep the
 * first one's header and line). Stops early once `until_sid` was seen. */
static unsigned pop_sid(struct daemon *d, uint32_t sid, double secs, struct export_rec_hdr *first,
			char *line, size_t cap)
{
	static char buf[65536];
	double end = now_s() + secs;
	unsigned seen = 0;

	while (now_s() < end) {
		struct export_rec_hdr h;
		int rc = export_ring_pop(d->ring, &h, buf, sizeof(buf));

		if (rc == 0) {
			if (seen)
				break;
			nap_ms(2);
			continue;
		}
		if (rc < 0 || h.sid != sid)
			continue;
		if (seen++ == 0) {
			if (first)
				*first = h;
			if (line)
				snprintf(line, cap, "%s", buf);
		}
	}
	return seen;
}

static void drain_export(struct daemon *d)
{
	static char buf[65536];
	struct export_rec_hdr h;

	while (export_ring_pop(d->ring, &h, buf, sizeof(buf)) != 0)
		;
}

static bool attach(struct daemon *d, json_t **hello_out)
{
	int fds[LINK_MAX_FDS];
	unsigned n = 0;
	json_t *hello;
	char err[256];

	d->conn = accept_within(d->listen_fd, 10.0);
	if (d->conn < 0)
		return false;
	hello = recv_type(d->conn, "hello", 10.0, fds, &n);
	if (!hello)
		return false;
	res.hello_fds = (int)n;
	if (n >= 1 && !d->ring) {
		d->ring = export_ring_attach(fds[0], err, sizeof(err));
		res.export_attached = d->ring != NULL;
	}
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	*hello_out = hello;
	return true;
}

struct stream_arg {
	uint64_t base;   /* out_b before the stream */
	_Atomic uint64_t sent;
};

/* Two flows, paced so that at most STREAM_IN_FLIGHT frames are inside the
 * plane: a loss then can only be the plane's, never a full test ring. */
#define STREAM_IN_FLIGHT 256u
static void *stream_main(void *arg)
{
	struct stream_arg *a = arg;

	for (unsigned i = 0; i < STREAM_PACKETS; i++) {
		double end = now_s() + 5.0;

		while (a->sent - (atomic_load(&out_b) - a->base) >= STREAM_IN_FLIGHT && now_s() < end)
			sched_yield();
		if (inject((uint16_t)(5555 + (i & 1u)), 7001))
			a->sent++;
	}
	return NULL;
}

static void run_script(struct daemon *d)
{
	json_t *hello = NULL, *r;
	struct export_rec_hdr h;
	char line[4096] = "";
	uint64_t base;

	if (!attach(d, &hello)) {
		fail_step("no hello");
		return;
	}
	res.hello_ok = true;
	res.hello_workers = (int)json_integer_value(json_object_get(hello, "workers"));
	res.hello_ports = (int)json_array_size(json_object_get(hello, "ports"));
	json_decref(hello);
	if (!d->ring) {
		fail_step("no export ring");
		return;
	}

	/* 1. first load; one packet alerts through the export ring */
	r = load(d, 1, "sha-a", set_a, config_ok);
	res.load1_ok = result_ok(r);
	res.load1_rules_changed = r && json_is_true(json_object_get(r, "rules_changed"));
	json_decref(r);
	base = atomic_load(&out_b);
	inject(5555, 7001);
	wait_out_b(base + 1, 5.0);
	res.load1_sid_seen = pop_sid(d, 1001, 5.0, &h, line, sizeof(line)) > 0;
	if (res.load1_sid_seen) {
		res.load1_gid = h.gid;
		res.load1_rev = h.rev;
		res.load1_eve_has_sid = strstr(line, "\"signature_id\":1001") != NULL;
	}

	/* 2. sid 1001 out, 1002 in: the same flow's next packet uses the new set */
	r = load(d, 2, "sha-b", set_b, config_ok);
	res.load2_ok = result_ok(r);
	json_decref(r);
	drain_export(d);
	base = atomic_load(&out_b);
	inject(5555, 7001);
	wait_out_b(base + 1, 5.0);
	res.load2_new_sid_seen = pop_sid(d, 1002, 3.0, NULL, NULL, 0) > 0;
	inject(5555, 7001);
	wait_out_b(base + 2, 5.0);
	res.load2_old_sid_seen = pop_sid(d, 1001, 1.0, NULL, NULL, 0) > 0;

	/* 3. swaps while two flows stream: nothing lost */
	{
		struct stream_arg sa = { 0 };
		pthread_t t;

		base = atomic_load(&out_b);
		sa.base = base;
		pthread_create(&t, NULL, stream_main, &sa);
		while (atomic_load(&sa.sent) == 0)
			sched_yield();
		for (int i = 0; i < SWAPS_DURING_STREAM; i++) {
			bool a = (i & 1) == 0;

			r = load(d, 3 + i, a ? "sha-a" : "sha-b", a ? set_a : set_b, config_ok);
			res.stream_loads_ok += result_ok(r);
			res.loads_while_streaming += atomic_load(&sa.sent) < STREAM_PACKETS;
			json_decref(r);
			drain_export(d);
		}
		pthread_join(t, NULL);
		res.stream_in = sa.sent;
		wait_out_b(base + sa.sent, 20.0);
		res.stream_out = atomic_load(&out_b) - base;
	}
	/* the last stream load was set_b (i = 5) */

	/* 4. broken sets are refused, the old one keeps alerting */
	r = load(d, 20, "sha-broken", set_broken, config_ok);
	res.broken_refused = r && json_is_false(json_object_get(r, "ok"));
	snprintf(res.broken_error, sizeof(res.broken_error), "%s",
		 r ? json_string_value(json_object_get(r, "error")) ?: "" : "");
	json_decref(r);
	r = load(d, 21, "sha-a", set_a, config_bad_fw);
	res.fw_refused = r && json_is_false(json_object_get(r, "ok"));
	snprintf(res.fw_error, sizeof(res.fw_error), "%s",
		 r ? json_string_value(json_object_get(r, "error")) ?: "" : "");
	json_decref(r);
	drain_export(d);
	base = atomic_load(&out_b);
	inject(5555, 7001);
	wait_out_b(base + 1, 5.0);
	res.after_broken_sid_seen = pop_sid(d, 1002, 3.0, NULL, NULL, 0) > 0;

	/* 5. stats */
	{
		json_t *q = json_pack("{s:s,s:i}", "type", "stats", "id", 7);

		link_send(d->conn, q, NULL, 0);
		json_decref(q);
		r = recv_type(d->conn, "stats-result", 10.0, NULL, NULL);
		if (r) {
			json_t *ex = json_object_get(json_object_get(r, "stats"), "export");

			res.stats_ok = true;
			res.stats_id = json_integer_value(json_object_get(r, "id"));
			res.stats_has_export = json_is_object(ex);
			res.stats_pushed = json_integer_value(json_object_get(ex, "pushed"));
		}
		json_decref(r);
	}

	/* 6. a policy that denies the flow cuts it at its next packet; the
	 * policy's removal lets it through again (rules unchanged) */
	r = load(d, 30, "sha-b", set_b, config_deny_7001);
	res.deny_ok = result_ok(r);
	res.deny_rules_changed = r && json_is_true(json_object_get(r, "rules_changed"));
	json_decref(r);
	base = atomic_load(&out_b);
	inject(5555, 7001);
	nap_ms(300);
	res.deny_out_delta = atomic_load(&out_b) - base;
	r = load(d, 31, "sha-b", set_b, config_ok);
	res.allow_ok = result_ok(r);
	json_decref(r);
	base = atomic_load(&out_b);
	inject(5555, 7001);
	wait_out_b(base + 1, 5.0);
	res.allow_out_delta = atomic_load(&out_b) - base;

	/* 6b. threshold.config inside the bundle suppresses a sid; the load
	 * carries the compiled blob of the same rules, so nothing is compiled */
	{
		size_t blob_len = 0;
		uint8_t *blob = record_blob(set_suppress, &blob_len);

		if (!blob)
			fail_step("cannot record the compiled blob");
		if (send_load_blob(d, 32, "sha-supp", set_suppress, config_ok, blob, blob_len) == 0)
			r = recv_type(d->conn, "load-result", 60.0, NULL, NULL);
		else
			r = NULL;
		res.supp_ok = result_ok(r);
		res.supp_threshold_applied =
			json_integer_value(json_object_get(json_object_get(r, "rules"), "threshold_applied"));
		json_str_copy(res.supp_hs_cache, sizeof(res.supp_hs_cache), r, "timing", "hs_cache");
		res.supp_hs_hits = json_integer_value(json_object_get(json_object_get(r, "timing"), "hs_cache_hits"));
		res.supp_hs_misses =
			json_integer_value(json_object_get(json_object_get(r, "timing"), "hs_cache_misses"));
		json_decref(r);
		drain_export(d);
		base = atomic_load(&out_b);
		inject(5555, 7001);
		wait_out_b(base + 1, 5.0);
		{
			static char buf[65536];
			struct export_rec_hdr hh;
			double end = now_s() + 3.0;

			while (now_s() < end && !res.supp_kept_seen) {
				int rc = export_ring_pop(d->ring, &hh, buf, sizeof(buf));

				if (rc == 0) {
					nap_ms(2);
					continue;
				}
				res.supp_kept_seen |= rc > 0 && hh.sid == 1003;
				res.supp_suppressed_seen |= rc > 0 && hh.sid == 1002;
			}
			/* records of one packet leave together: a late 1002 would be right behind */
			nap_ms(100);
			while (export_ring_pop(d->ring, &hh, buf, sizeof(buf)) > 0)
				res.supp_suppressed_seen |= hh.sid == 1002;
		}
		/* a damaged blob: reported, the rules compile as without one */
		if (blob && blob_len > 100)
			blob[blob_len / 2] ^= 0x5a;
		if (send_load_blob(d, 33, "sha-supp-2", set_suppress, config_ok, blob ? blob : (uint8_t *)"x",
				   blob ? blob_len : 1) == 0)
			r = recv_type(d->conn, "load-result", 60.0, NULL, NULL);
		else
			r = NULL;
		res.bad_blob_ok = result_ok(r);
		json_str_copy(res.bad_blob_hs_cache, sizeof(res.bad_blob_hs_cache), r, "timing", "hs_cache");
		json_decref(r);
		free(blob);
		drain_export(d);
	}

	/* 7. loads sent back to back (one malformed) are answered in order */
	send_load(d, 40, "sha-a", set_a, config_ok);
	send_load(d, 41, NULL, set_a, config_ok);
	send_load(d, 42, "sha-b", set_b, config_ok);
	for (int i = 0; i < 3; i++) {
		r = recv_type(d->conn, "load-result", 60.0, NULL, NULL);
		res.piped_gen[i] = r ? json_integer_value(json_object_get(r, "generation")) : -1;
		res.piped_ok[i] = result_ok(r);
		json_decref(r);
	}

	/* 8. the daemon goes away: forwarding and drops go on; re-attach */
	close(d->conn);
	d->conn = -1;
	close(d->listen_fd);
	unlink(res.sock);
	nap_ms(200);
	base = atomic_load(&out_b);
	for (int i = 0; i < 10; i++) {
		res.detached_forwarded += inject((uint16_t)(6000 + i), 7001);
		res.detached_dropped_sent += inject((uint16_t)(6100 + i), 7002);
	}
	wait_out_b(base + res.detached_forwarded, 5.0);
	nap_ms(200);
	res.detached_out_delta = atomic_load(&out_b) - base;
	{
		char err[256];

		d->listen_fd = link_listen(res.sock, 0600, (gid_t)-1, err, sizeof(err));
		if (d->listen_fd < 0) {
			fail_step(err);
			return;
		}
	}
	if (attach(d, &hello)) {
		json_t *run = json_object_get(hello, "running");

		res.reattached = true;
		res.reattach_generation = json_integer_value(json_object_get(run, "generation"));
		snprintf(res.reattach_sha, sizeof(res.reattach_sha), "%s",
			 json_string_value(json_object_get(run, "rules_sha256")) ?: "");
		json_decref(hello);
	}
}

static void *daemon_main(void *arg)
{
	struct daemon *d = arg;

	run_script(d);
	stop_flag = 1;
	return NULL;
}

/* ---- the run (group setup): EAL, ports, inline_run ---- */

static int run_all(void **state)
{
	char *argv[] = { "test", "--no-huge", "-m", "1024", "--no-pci", "--no-shconf",
			 "--log-level=1", "--lcores", "0@(0-1),1@(0-1),2@(0-1),3@(0-1)", NULL };
	static struct cli_options cli;
	static struct engine_config cfg;
	static struct loaded_rules rules;
	struct daemon d = { .listen_fd = -1, .conn = -1 };
	pthread_t dt, drainer;
	char err[512] = "", pair[2 * RTE_ETH_NAME_MAX_LEN + 2];
	static char port_name[2][RTE_ETH_NAME_MAX_LEN];
	int rc, id;

	(void)state;
	if (rte_eal_init(9, argv) < 0)
		return -1;
	io.pool = rte_pktmbuf_pool_create("test_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_socket_id());
	if (!io.pool)
		return -1;
	for (int p = 0; p < 2; p++) {
		char name[16];

		snprintf(name, sizeof(name), "rx%d", p);
		io.rx[p] = rte_ring_create(name, 1024, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "tx%d", p);
		io.tx[p] = rte_ring_create(name, 1024, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "ring%c", 'A' + p);
		if (!io.rx[p] || !io.tx[p])
			return -1;
		id = rte_eth_from_rings(name, &io.rx[p], 1, &io.tx[p], 1, rte_socket_id());
		if (id < 0 || rte_eth_dev_get_name_by_port((uint16_t)id, port_name[p]) != 0)
			return -1;
		io.port[p] = (uint16_t)id;
	}

	snprintf(res.sock, sizeof(res.sock), "/tmp/rampart-dp-managed-%d.sock", (int)getpid());
	d.listen_fd = link_listen(res.sock, 0600, (gid_t)-1, err, sizeof(err));
	if (d.listen_fd < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	memset(&cli, 0, sizeof(cli));
	cli.fail_mode = 0;
	cli.workers = 2;
	cli.managed_socket = res.sock;
	cli.duration = 240; /* a safety net: the daemon thread stops the run */
	snprintf(pair, sizeof(pair), "%s:%s", port_name[0], port_name[1]);
	if (cli_add_pair(&cli, "--ports", pair, err, sizeof(err)) != 0)
		return -1;
	engine_config_init(&cfg);
	cfg.mode = ENGINE_MODE_IPS;
	cfg.dp_mbufs = 2048;
	if (rules_setup_load(&cli, &cfg, &rules, err, sizeof(err)) != 0)
		return -1;

	atomic_store(&drainer_quit, false);
	pthread_create(&drainer, NULL, drainer_main, NULL);
	pthread_create(&dt, NULL, daemon_main, &d);
	{
		struct inline_input in = {
			.cli = &cli, .cfg = &cfg, .rules = &rules, .eve = NULL,
			.stop = &stop_flag, .usr1 = &usr1, .usr2 = &usr2,
			.wall_start = stats_wall_clock(),
		};

		rc = inline_run(&in, err, sizeof(err));
	}
	pthread_join(dt, NULL);
	atomic_store(&drainer_quit, true);
	pthread_join(drainer, NULL);
	if (rc != 0)
		fprintf(stderr, "inline_run: %d: %s\n", rc, err);
	if (res.failure[0])
		fprintf(stderr, "fake daemon: %s\n", res.failure);
	fprintf(stderr, "stream: %llu in, %llu out, %u swaps while streaming; inject failures: "
			"%u no mbuf, %u ring full\n",
		(unsigned long long)res.stream_in, (unsigned long long)res.stream_out,
		res.loads_while_streaming, res.inject_nombuf, res.inject_ring_full);
	if (d.conn >= 0)
		close(d.conn);
	if (d.listen_fd >= 0)
		close(d.listen_fd);
	unlink(res.sock);
	export_ring_close(d.ring);
	rules_setup_free(&rules);
	engine_config_free(&cfg);
	cli_options_free(&cli);
	return rc == 0 ? 0 : -1;
}

static int eal_down(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

/* ---- what a user of the appliance would notice ---- */

static void test_hello_and_export_ring(void **state)
{
	(void)state;
	assert_true(res.hello_ok);
	assert_int_equal(res.hello_workers, 2);
	assert_int_equal(res.hello_ports, 2);
	assert_int_equal(res.hello_fds, 1);
	assert_true(res.export_attached);
}

static void test_first_load_alerts_through_export_ring(void **state)
{
	(void)state;
	assert_true(res.load1_ok);
	assert_true(res.load1_rules_changed);
	assert_true(res.load1_sid_seen);
	assert_true(res.load1_eve_has_sid);
	assert_int_equal(res.load1_gid, 1);
	assert_int_equal(res.load1_rev, 2);
}

static void test_reload_applies_to_the_same_flow(void **state)
{
	(void)state;
	assert_true(res.load2_ok);
	assert_true(res.load2_new_sid_seen);
	assert_false(res.load2_old_sid_seen);
}

static void test_swaps_while_streaming_lose_nothing(void **state)
{
	(void)state;
	assert_int_equal(res.stream_loads_ok, SWAPS_DURING_STREAM);
	assert_true(res.loads_while_streaming >= 2); /* the swaps met traffic */
	assert_int_equal(res.stream_in, STREAM_PACKETS);
	assert_int_equal(res.stream_out, res.stream_in);
}

static void test_broken_sets_are_refused_and_old_set_runs(void **state)
{
	(void)state;
	assert_true(res.broken_refused);
	assert_non_null(strstr(res.broken_error, "rejected"));
	assert_true(res.fw_refused);
	assert_non_null(strstr(res.fw_error, "firewall"));
	assert_true(res.after_broken_sid_seen);
}

static void test_stats_request_answered(void **state)
{
	(void)state;
	assert_true(res.stats_ok);
	assert_int_equal(res.stats_id, 7);
	assert_true(res.stats_has_export);
	assert_true(res.stats_pushed > 0);
}

static void test_policy_swap_cuts_and_restores_the_flow(void **state)
{
	(void)state;
	assert_true(res.deny_ok);
	assert_false(res.deny_rules_changed); /* same rule text: only the policy */
	assert_int_equal(res.deny_out_delta, 0);
	assert_true(res.allow_ok);
	assert_int_equal(res.allow_out_delta, 1);
}

static void test_threshold_section_suppresses_a_sid(void **state)
{
	(void)state;
	assert_true(res.supp_ok);
	assert_int_equal(res.supp_threshold_applied, 1);
	assert_true(res.supp_kept_seen);
	assert_false(res.supp_suppressed_seen);
}

static void test_compiled_blob_replaces_the_compile(void **state)
{
	(void)state;
	assert_string_equal(res.supp_hs_cache, "hit");
	assert_true(res.supp_hs_hits >= 1);
	assert_int_equal(res.supp_hs_misses, 0);
	assert_true(res.bad_blob_ok);
	assert_string_equal(res.bad_blob_hs_cache, "invalid");
}

static void test_pipelined_loads_answered_in_order(void **state)
{
	(void)state;
	assert_int_equal(res.piped_gen[0], 40);
	assert_int_equal(res.piped_gen[1], 41);
	assert_int_equal(res.piped_gen[2], 42);
	assert_true(res.piped_ok[0]);
	assert_false(res.piped_ok[1]);
	assert_true(res.piped_ok[2]);
}

static void test_daemon_gone_forwarding_goes_on_and_reattaches(void **state)
{
	(void)state;
	assert_int_equal(res.detached_forwarded, 10);
	assert_int_equal(res.detached_dropped_sent, 10);
	/* the 7001 frames pass, the 7002 frames are still dropped */
	assert_int_equal(res.detached_out_delta, 10);
	assert_true(res.reattached);
	assert_int_equal(res.reattach_generation, 42);
	assert_string_equal(res.reattach_sha, "sha-b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_and_export_ring),
		cmocka_unit_test(test_first_load_alerts_through_export_ring),
		cmocka_unit_test(test_reload_applies_to_the_same_flow),
		cmocka_unit_test(test_swaps_while_streaming_lose_nothing),
		cmocka_unit_test(test_broken_sets_are_refused_and_old_set_runs),
		cmocka_unit_test(test_stats_request_answered),
		cmocka_unit_test(test_policy_swap_cuts_and_restores_the_flow),
		cmocka_unit_test(test_threshold_section_suppresses_a_sid),
		cmocka_unit_test(test_compiled_blob_replaces_the_compile),
		cmocka_unit_test(test_pipelined_loads_answered_in_order),
		cmocka_unit_test(test_daemon_gone_forwarding_goes_on_and_reattaches),
	};

	return cmocka_run_group_tests(tests, run_all, eal_down);
}
