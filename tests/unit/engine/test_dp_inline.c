/*
 * test_dp_inline.c - rampart-dp's inline plane (workers + software
 * distributor) on two ring-backed ethdevs (net_ring): what a user of the
 * appliance sees, without a kernel interface in the way.
 *
 * Each case launches the distributor and two workers on their own lcores,
 * injects frames into port A's RX ring and reads what came out of port B's
 * (and A's) TX ring: forwarding, the documented flow-to-worker hash, the
 * failure policy (no rules yet, a stalled worker, low packet pools, a full
 * TX ring) in both fail-open and fail-closed, drop verdicts, and the reset
 * frames of a reject rule.
 */
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

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dpdk/distributor.h"
#include "dataplane/dpdk/flow_dist.h"
#include "dataplane/dpdk/inline_worker.h"
#include "dataplane/engine/config.h"
#include "dataplane/engine/detect/detect.h"
#include "dataplane/engine/engine.h"
#include "signatures/parser/sig_parser.h"
#include "signatures/rule.h"
#include "tests/unit/engine/ipv4_frame.h"

#define N_WORKERS 2
#define POOL_SIZE 4095

static const char rules_text[] =
	"drop udp any any -> any 9999 (msg:\"drop 9999\"; sid:1;)\n"
	"reject tcp any any -> any 23 (msg:\"reject telnet\"; flags:S,12; sid:2;)\n";

/* Two ring-backed ports: A = ports[0], B = ports[1]. */
static struct {
	struct rte_mempool *pool;
	struct rte_ring *rx[2], *tx[2];
	uint16_t port[2];
} io;

struct plane_fixture {
	struct inline_plane plane;
	struct sig_ruleset *rs;
	struct detect_engine *de;
	struct engine_config cfg;
	struct engine_worker *engines[N_WORKERS];
};

static int eal_up(void **state)
{
	char *argv[] = { "test", "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
			 "--log-level=1", "--lcores", "0@(0),1@(0),2@(0),3@(0)", NULL };
	char name[16];

	(void)state;
	if (rte_eal_init(9, argv) < 0)
		return -1;
	io.pool = rte_pktmbuf_pool_create("test_pool", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_socket_id());
	if (!io.pool)
		return -1;
	for (int p = 0; p < 2; p++) {
		struct rte_eth_conf conf;

		snprintf(name, sizeof(name), "rx%d", p);
		io.rx[p] = rte_ring_create(name, 1024, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "tx%d", p);
		io.tx[p] = rte_ring_create(name, 1024, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "ring%d", p);
		if (!io.rx[p] || !io.tx[p])
			return -1;
		int id = rte_eth_from_rings(name, &io.rx[p], 1, &io.tx[p], 1, rte_socket_id());
		if (id < 0)
			return -1;
		io.port[p] = (uint16_t)id;
		memset(&conf, 0, sizeof(conf));
		if (rte_eth_dev_configure(io.port[p], 1, 1, &conf) != 0 ||
		    rte_eth_rx_queue_setup(io.port[p], 0, 64, rte_socket_id(), NULL, io.pool) != 0 ||
		    rte_eth_tx_queue_setup(io.port[p], 0, 64, rte_socket_id(), NULL) != 0 ||
		    rte_eth_dev_start(io.port[p]) != 0)
			return -1;
	}
	return 0;
}

static int eal_down(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

/* ---- frames ---- */

static struct rte_mbuf *frame(uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
			      uint16_t dport, uint8_t tcp_flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(io.pool);
	uint8_t buf[128];
	size_t len = build_ipv4(buf, proto, src, dst, sport, dport, tcp_flags, "0123456789abcdef");
	char *f;

	assert_non_null(m);
	f = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(f);
	memcpy(f, buf, len);
	m->port = io.port[0];
	return m;
}

#define CLIENT 0xc0a83201u /* 192.168.50.1 */
#define SERVER 0xc0a83202u /* 192.168.50.2 */

static unsigned owner(uint16_t sport, uint16_t dport, uint8_t proto)
{
	return flow_dist_fmix32(CLIENT ^ SERVER ^ (uint32_t)(sport ^ dport) ^ proto) % N_WORKERS;
}

/* Put n UDP frames (source ports from 40000) on port A's wire. */
static void inject_udp(unsigned n, uint16_t dport, unsigned per_worker[N_WORKERS])
{
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = frame(CLIENT, SERVER, 17, (uint16_t)(40000 + i), dport, 0);

		if (per_worker)
			per_worker[owner((uint16_t)(40000 + i), dport, 17)]++;
		assert_int_equal(rte_ring_enqueue(io.rx[0], m), 0);
	}
}

static void drain(struct rte_ring *r)
{
	void *m;

	while (rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

/* Frames on a TX ring once it stops growing (or reaches want). */
static unsigned settle(struct rte_ring *r, unsigned want)
{
	unsigned last = ~0u, n;
	struct timespec ms = { 0, 5000000l };

	for (int i = 0; i < 400; i++) {
		n = rte_ring_count(r);
		if (n >= want && want)
			return n;
		if (n == last && i > 40)
			return n;
		last = n;
		nanosleep(&ms, NULL);
	}
	return rte_ring_count(r);
}

/* ---- the plane ---- */

static struct plane_fixture *plane_new(uint8_t fail_mode, bool with_rules)
{
	struct plane_fixture *f = calloc(1, sizeof(*f));
	struct inline_plane *pl;
	char err[512] = "";

	assert_non_null(f);
	pl = &f->plane;
	pl->n_workers = N_WORKERS;
	pl->distribution = INLINE_DIST_SOFTWARE;
	pl->fail_mode = fail_mode;
	pl->n_ports = 2;
	for (int p = 0; p < 2; p++) {
		pl->ports[p] = io.port[p];
		pl->peer[io.port[p]] = io.port[1 - p];
		pl->pool[io.port[p]] = io.pool;
		pl->link[io.port[p]] = LINK_ETHERNET;
	}
	pl->mbuf_low_water = 64;
	for (uint16_t i = 0; i < N_WORKERS; i++) {
		char name[32];

		pl->workers[i] = inline_worker_new(pl, i);
		assert_non_null(pl->workers[i]);
		snprintf(name, sizeof(name), "t%p_%u_rx", (void *)f, i);
		pl->workers[i]->rx_ring = rte_ring_create(name, 256, rte_socket_id(),
							  RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "t%p_%u_tx", (void *)f, i);
		pl->workers[i]->tx_ring = rte_ring_create(name, 256, rte_socket_id(),
							  RING_F_SP_ENQ | RING_F_SC_DEQ);
		assert_non_null(pl->workers[i]->rx_ring);
		assert_non_null(pl->workers[i]->tx_ring);
	}
	pl->distributor = distributor_new(pl);
	assert_non_null(pl->distributor);
	if (with_rules) {
		char path[] = "/tmp/rampart-dp-inline-XXXXXX";
		struct detect_build_stats st;
		int fd = mkstemp(path);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, rules_text, strlen(rules_text)), (ssize_t)strlen(rules_text));
		close(fd);
		f->rs = sig_ruleset_new();
		assert_int_equal(sig_ruleset_load_path(f->rs, path, NULL, err, sizeof(err)), 0);
		unlink(path);
		f->de = detect_engine_build(f->rs, &st, err, sizeof(err));
		assert_non_null(f->de);
		engine_config_init(&f->cfg);
		f->cfg.mode = ENGINE_MODE_IPS;
		f->cfg.alert_ring_size = 64;
		f->cfg.flow_max_flows = 1024;
		f->cfg.flow_midstream = true;
		f->cfg.checksum_validation = false;
		for (uint16_t i = 0; i < N_WORKERS; i++) {
			f->engines[i] = engine_worker_new(&f->cfg, f->de, f->rs, i, err, sizeof(err));
			assert_non_null(f->engines[i]);
			pl->workers[i]->engine = f->engines[i];
		}
	}
	return f;
}

static void plane_start(struct plane_fixture *f)
{
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);

	for (uint16_t i = 0; i < N_WORKERS; i++) {
		assert_int_equal(rte_eal_remote_launch(inline_worker_main, f->plane.workers[i], lcore), 0);
		lcore = rte_get_next_lcore(lcore, 1, 0);
	}
	assert_int_equal(rte_eal_remote_launch(distributor_main, f->plane.distributor, lcore), 0);
}

static void plane_stop_and_free(struct plane_fixture *f)
{
	struct inline_plane *pl = &f->plane;
	struct timespec ms = { 0, 1000000l };

	pl->stop_rx = 1;
	for (int i = 0; i < 500; i++) {
		bool busy = false;

		for (uint16_t w = 0; w < N_WORKERS; w++)
			if (!pl->workers[w]->failed && !__atomic_load_n(&pl->workers[w]->done, __ATOMIC_ACQUIRE))
				busy = true;
		if (!busy)
			break;
		nanosleep(&ms, NULL);
	}
	pl->stop = 1;
	rte_eal_mp_wait_lcore();
	for (uint16_t i = 0; i < N_WORKERS; i++) {
		drain(pl->workers[i]->rx_ring);
		drain(pl->workers[i]->tx_ring);
		rte_ring_free(pl->workers[i]->rx_ring);
		rte_ring_free(pl->workers[i]->tx_ring);
		inline_worker_free(pl->workers[i]);
		engine_worker_free(f->engines[i]);
	}
	distributor_free(pl->distributor);
	if (f->de)
		detect_engine_free(f->de);
	if (f->rs)
		sig_ruleset_free(f->rs);
	engine_config_free(&f->cfg);
	free(f);
	for (int p = 0; p < 2; p++) {
		drain(io.rx[p]);
		drain(io.tx[p]);
	}
	/* Every mbuf is back: nothing leaked on any path. */
	assert_int_equal(rte_mempool_avail_count(io.pool), POOL_SIZE);
}

/* ---- cases ---- */

static void test_forwarding_follows_the_documented_hash(void **state)
{
	struct plane_fixture *f = plane_new(INLINE_FAIL_OPEN, true);
	unsigned want[N_WORKERS] = { 0 };

	(void)state;
	plane_start(f);
	inject_udp(100, 53, want);
	assert_int_equal(settle(io.tx[1], 100), 100);
	assert_int_equal(rte_ring_count(io.tx[0]), 0);
	assert_true(want[0] > 0 && want[1] > 0);
	for (uint16_t i = 0; i < N_WORKERS; i++) {
		assert_int_equal(f->plane.distributor->dispatched[i], want[i]);
		assert_int_equal(engine_worker_flows_created(f->engines[i]), want[i]);
		assert_int_equal(f->plane.workers[i]->c.uninspected, 0);
	}
	plane_stop_and_free(f);
}

static void no_rules_case(uint8_t mode)
{
	struct plane_fixture *f = plane_new(mode, false);
	uint64_t dropped = 0, uninspected = 0;

	plane_start(f);
	inject_udp(50, 53, NULL);
	assert_int_equal(settle(io.tx[1], mode == INLINE_FAIL_OPEN ? 50 : 0),
			 mode == INLINE_FAIL_OPEN ? 50 : 0);
	for (uint16_t i = 0; i < N_WORKERS; i++) {
		dropped += f->plane.workers[i]->c.drops[INLINE_DROP_NO_RULES];
		uninspected += f->plane.workers[i]->c.uninspected;
	}
	assert_int_equal(mode == INLINE_FAIL_OPEN ? uninspected : dropped, 50);
	assert_int_equal(mode == INLINE_FAIL_OPEN ? dropped : uninspected, 0);
	plane_stop_and_free(f);
}

static void test_no_rules_fail_open(void **state) { (void)state; no_rules_case(INLINE_FAIL_OPEN); }
static void test_no_rules_fail_closed(void **state) { (void)state; no_rules_case(INLINE_FAIL_CLOSED); }

static void stalled_case(uint8_t mode)
{
	struct plane_fixture *f = plane_new(mode, true);
	unsigned want[N_WORKERS] = { 0 };
	struct inline_distributor *d = f->plane.distributor;

	/* What the watchdog does to a stalled worker: mark it failed. */
	f->plane.workers[1]->failed = 1;
	plane_start(f);
	inject_udp(60, 53, want);
	assert_true(want[1] > 0);
	if (mode == INLINE_FAIL_OPEN) {
		assert_int_equal(settle(io.tx[1], 60), 60);
		assert_int_equal(d->c.uninspected, want[1]);
	} else {
		assert_int_equal(settle(io.tx[1], want[0]), want[0]);
		assert_int_equal(d->c.drops[INLINE_DROP_WORKER_STALLED], want[1]);
	}
	/* The healthy worker inspected its own flows. */
	assert_int_equal(engine_worker_flows_created(f->engines[0]), want[0]);
	assert_int_equal(d->dispatched[1], 0);
	plane_stop_and_free(f);
}

static void test_stalled_worker_fail_open(void **state) { (void)state; stalled_case(INLINE_FAIL_OPEN); }
static void test_stalled_worker_fail_closed(void **state) { (void)state; stalled_case(INLINE_FAIL_CLOSED); }

static void pools_low_case(uint8_t mode)
{
	struct plane_fixture *f = plane_new(mode, true);
	struct inline_distributor *d = f->plane.distributor;
	/* Low water above what the pool holds: "low", as the control thread
	 * measures and publishes it. */
	f->plane.mbuf_low_water = POOL_SIZE + 1;
	assert_true(inline_pools_low(&f->plane));
	f->plane.pools_low = 1;
	plane_start(f);
	inject_udp(40, 53, NULL);
	assert_int_equal(settle(io.tx[1], mode == INLINE_FAIL_OPEN ? 40 : 0),
			 mode == INLINE_FAIL_OPEN ? 40 : 0);
	if (mode == INLINE_FAIL_OPEN)
		assert_int_equal(d->c.uninspected, 40);
	else
		assert_int_equal(d->c.drops[INLINE_DROP_MBUF_LOW], 40);
	assert_int_equal(d->dispatched[0] + d->dispatched[1], 0);
	f->plane.mbuf_low_water = 64;
	assert_false(inline_pools_low(&f->plane));
	plane_stop_and_free(f);
}

static void test_pools_low_fail_open(void **state) { (void)state; pools_low_case(INLINE_FAIL_OPEN); }
static void test_pools_low_fail_closed(void **state) { (void)state; pools_low_case(INLINE_FAIL_CLOSED); }

static void test_drop_and_reject_verdicts(void **state)
{
	struct plane_fixture *f = plane_new(INLINE_FAIL_CLOSED, true);
	struct rte_mbuf *out[8];
	unsigned n, rst_back = 0, rst_on = 0;
	uint64_t verdict_drops = 0, rejects = 0;

	(void)state;
	plane_start(f);
	inject_udp(5, 9999, NULL);                                  /* dropped by sid 1 */
	inject_udp(3, 53, NULL);                                    /* passes */
	assert_int_equal(rte_ring_enqueue(io.rx[0], frame(CLIENT, SERVER, 6, 50000, 23, 0x02)), 0);
	settle(io.tx[1], 0);
	settle(io.tx[0], 1);
	/* B gets the 3 passed datagrams and the reset sent on to the server;
	 * A gets the reset back to the client. */
	n = rte_ring_dequeue_burst(io.tx[0], (void **)out, 8, NULL);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(out[i], const uint8_t *);

		if (p[23] == 6 && (p[47] & 0x04) && p[37] == 50000 % 256)
			rst_back++;
		rte_pktmbuf_free(out[i]);
	}
	n = rte_ring_dequeue_burst(io.tx[1], (void **)out, 8, NULL);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(out[i], const uint8_t *);

		if (p[23] == 6 && (p[47] & 0x04) && p[37] == 23)
			rst_on++;
		else
			assert_int_equal(p[37], 53); /* nothing of the dropped flow */
		rte_pktmbuf_free(out[i]);
	}
	assert_int_equal(n, 4);
	assert_int_equal(rst_back, 1);
	assert_int_equal(rst_on, 1);
	for (uint16_t i = 0; i < N_WORKERS; i++) {
		verdict_drops += f->plane.workers[i]->c.drops[INLINE_DROP_VERDICT];
		rejects += f->plane.workers[i]->c.reject_frames;
	}
	assert_int_equal(verdict_drops, 6);
	assert_int_equal(rejects, 2);
	plane_stop_and_free(f);
}

/* A port that refuses part of a burst: the rest is counted, freed, never lost track of. */
static void test_tx_full(void **state)
{
	struct rte_mbuf *burst[64];
	struct inline_counters c;

	(void)state;
	for (int mode = INLINE_FAIL_OPEN; mode <= INLINE_FAIL_CLOSED; mode++) {
		/* fill the TX ring of port B up to 1000 of its 1023 slots */
		for (int i = 0; i < 1000; i++)
			assert_int_equal(rte_ring_enqueue(io.tx[1], frame(CLIENT, SERVER, 17, 1, 2, 0)), 0);
		memset(&c, 0, sizeof(c));
		for (int i = 0; i < 64; i++)
			burst[i] = frame(CLIENT, SERVER, 17, 1, 2, 0);
		inline_tx_burst(io.port[1], 0, burst, 64, (uint8_t)mode, &c);
		assert_int_equal(c.tx, 23);
		assert_int_equal(c.drops[INLINE_DROP_TX_FULL], 41);
		drain(io.tx[1]);
		assert_int_equal(rte_mempool_avail_count(io.pool), POOL_SIZE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forwarding_follows_the_documented_hash),
		cmocka_unit_test(test_no_rules_fail_open),
		cmocka_unit_test(test_no_rules_fail_closed),
		cmocka_unit_test(test_stalled_worker_fail_open),
		cmocka_unit_test(test_stalled_worker_fail_closed),
		cmocka_unit_test(test_pools_low_fail_open),
		cmocka_unit_test(test_pools_low_fail_closed),
		cmocka_unit_test(test_drop_and_reject_verdicts),
		cmocka_unit_test(test_tx_full),
	};
	return cmocka_run_group_tests(tests, eal_up, eal_down);
}
