/*
 * inline.c - rampart-dp's inline mode, from ports to exit (see inline.h).
 */
#include "dataplane/dpdk/inline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "dataplane/dpdk/cli.h"
#include "dataplane/dpdk/distributor.h"
#include "dataplane/dpdk/eal.h"
#include "dataplane/dpdk/inline_worker.h"
#include "dataplane/dpdk/port.h"
#include "dataplane/dpdk/reload.h"
#include "dataplane/dpdk/rules_loader.h"
#include "dataplane/dpdk/rules_setup.h"
#include "dataplane/dpdk/stats.h"
#include "dataplane/engine/config.h"
#include "dataplane/engine/detect/detect.h"
#include "dataplane/engine/engine.h"
#include "dataplane/engine/output/output_thread.h"
#include "dataplane/engine/policy/policy.h"

#define INLINE_MAX_PORTS_TOTAL (2 * CLI_MAX_PAIRS)
#define INLINE_RING_SIZE 1024u       /* per worker, each way */
#define INLINE_DRAIN_WAIT_SEC 2.0    /* stop: how long workers get to empty their rings */
#define INLINE_MONITOR_NSEC 1000000l /* control loop period */
#define INLINE_RESCUE_NSEC 50000l    /* ... while it polls a failed worker's queues */

struct inline_state {
	const struct inline_input *in;
	struct port_handle ports[INLINE_MAX_PORTS_TOTAL];
	char port_label[INLINE_MAX_PORTS_TOTAL][64]; /* interface or DPDK name */
	const char *pmd_used[INLINE_MAX_PORTS_TOTAL];
	unsigned n_ports;
	struct inline_plane plane;
	unsigned worker_lcore[INLINE_MAX_WORKERS];
	unsigned dist_lcore;
	bool launched;
	/* rules, policy, engines, output, rampartd link: reload.h */
	struct reload *reload;
	uint16_t port_ids[INLINE_MAX_PORTS_TOTAL];
	const char *port_labels[INLINE_MAX_PORTS_TOTAL];
	/* watchdog */
	uint64_t last_hb[INLINE_MAX_WORKERS];
	uint64_t hb_at_fail[INLINE_MAX_WORKERS];
	uint64_t alive_at_fail[INLINE_MAX_WORKERS];
	double last_change[INLINE_MAX_WORKERS];
	bool rescuing[INLINE_MAX_WORKERS];
	uint64_t dist_last_hb;
	double dist_last_change;
	bool dist_warned;
	struct inline_counters rescue;
	/* --stats: per-port driver counters, firewall rule hits */
	struct run_stats_port port_stats[INLINE_MAX_PORTS_TOTAL];
	uint64_t *fw_hits;
	const char **fw_names;
	/* drain-mbufs fault */
	struct rte_mbuf **held;
	unsigned n_held, held_cap;
};

unsigned inline_workers_wanted(const struct cli_options *cli, const struct engine_config *cfg)
{
	unsigned n = cli->workers ? cli->workers : cfg->dp_workers;

	if (n == 0)
		n = 1;
	return n > INLINE_MAX_WORKERS ? INLINE_MAX_WORKERS : n;
}

unsigned inline_lcores_needed(const struct cli_options *cli, const struct engine_config *cfg)
{
	unsigned n = inline_workers_wanted(cli, cfg);
	bool distributor = n > 1 || cfg->dp_distribution == DP_DIST_SOFTWARE;

	return 1 + n + (distributor ? 1 : 0);
}

static uint8_t fail_mode_of(const struct inline_input *in)
{
	int m = in->cli->fail_mode >= 0 ? in->cli->fail_mode : in->cfg->dp_failure_mode;

	return m == DP_FAIL_CLOSED ? INLINE_FAIL_CLOSED : INLINE_FAIL_OPEN;
}

/* A kernel interface as a DPDK port: hot-plug the PMD's vdev. */
static int probe_bridge_port(struct inline_state *st, unsigned index, const char *iface,
			     char *name, size_t namelen, char *err, size_t errlen)
{
	enum cli_pmd tries[2];
	unsigned n_tries = 0;
	char devargs[EAL_VDEV_NAME_MAX + 128];
	char why[256] = "";

	if (st->in->cli->pmd == CLI_PMD_AUTO) {
		tries[n_tries++] = CLI_PMD_AF_XDP;
		tries[n_tries++] = CLI_PMD_AF_PACKET;
	} else {
		tries[n_tries++] = st->in->cli->pmd;
	}
	for (unsigned t = 0; t < n_tries; t++) {
		int rc;

		if (eal_bridge_vdev(tries[t], index, iface, name, namelen, devargs, sizeof(devargs),
				    err, errlen) != 0)
			return -1;
		rc = rte_dev_probe(devargs);
		if (rc == 0) {
			st->pmd_used[index] = tries[t] == CLI_PMD_AF_XDP ? "af_xdp" : "af_packet";
			return 0;
		}
		snprintf(why, sizeof(why), "%s: %s", tries[t] == CLI_PMD_AF_XDP ? "af_xdp" : "af_packet",
			 rte_strerror(-rc));
		if (t + 1 < n_tries)
			fprintf(stderr, "rampart-dp: %s: %s unavailable (%s); trying af_packet\n", iface,
				"af_xdp", rte_strerror(-rc));
	}
	snprintf(err, errlen, "--bridge %s: cannot open the interface (%s)", iface, why);
	return -1;
}

/* Decide RSS or software distribution for n workers over the ports. */
static int choose_distribution(struct inline_state *st, uint16_t n, const uint16_t *port_ids,
			       char *err, size_t errlen)
{
	uint8_t want = st->in->cfg->dp_distribution;
	bool all_rss = true;
	unsigned i;

	for (i = 0; i < st->n_ports; i++) {
		if (!port_supports_symmetric_rss(port_ids[i], n)) {
			all_rss = false;
			break;
		}
	}
	if (want == DP_DIST_SOFTWARE) {
		st->plane.distribution = INLINE_DIST_SOFTWARE;
	} else if (n == 1 && want == DP_DIST_AUTO) {
		st->plane.distribution = INLINE_DIST_RSS; /* one queue, polled directly */
	} else if (all_rss) {
		st->plane.distribution = INLINE_DIST_RSS;
	} else if (want == DP_DIST_RSS) {
		snprintf(err, errlen, "dataplane.distribution rss: port %s cannot spread %u queues "
				      "with a symmetric RSS hash", st->port_label[i], n);
		return -1;
	} else {
		st->plane.distribution = INLINE_DIST_SOFTWARE;
	}
	if (st->plane.distribution == INLINE_DIST_SOFTWARE && rte_lcore_count() < 2u + n) {
		snprintf(err, errlen, "software distribution with %u workers needs %u lcores; the EAL "
				      "has %u (check -- --lcores)", n, 2u + n, rte_lcore_count());
		return -1;
	}
	return 0;
}

static int open_ports(struct inline_state *st, char *err, size_t errlen)
{
	const struct cli_options *cli = st->in->cli;
	uint16_t n = st->plane.n_workers;
	uint16_t ids[INLINE_MAX_PORTS_TOTAL];
	char names[INLINE_MAX_PORTS_TOTAL][RTE_ETH_NAME_MAX_LEN];

	st->n_ports = 0;
	for (unsigned p = 0; p < cli->n_pairs; p++) {
		const char *side[2] = { cli->pairs[p].a, cli->pairs[p].b };

		for (unsigned s = 0; s < 2; s++) {
			unsigned idx = st->n_ports++;

			snprintf(st->port_label[idx], sizeof(st->port_label[idx]), "%s", side[s]);
			if (cli->pairs[p].dpdk_ports) {
				snprintf(names[idx], sizeof(names[idx]), "%s", side[s]);
				st->pmd_used[idx] = "dpdk";
			} else if (probe_bridge_port(st, idx, side[s], names[idx], sizeof(names[idx]),
						     err, errlen) != 0) {
				return 2;
			}
			if (rte_eth_dev_get_port_by_name(names[idx], &ids[idx]) != 0) {
				snprintf(err, errlen, "--ports %s: no such DPDK port (create it with "
						      "-- --vdev, or give a NIC's PCI address)", side[s]);
				return 2;
			}
		}
	}
	if (choose_distribution(st, n, ids, err, errlen) != 0)
		return 2;
	for (unsigned i = 0; i < st->n_ports; i++) {
		struct port_options opt = {
			.n_queues = st->plane.distribution == INLINE_DIST_RSS ? n : 1,
			.inline_port = true,
			.rss = st->plane.distribution == INLINE_DIST_RSS && n > 1,
			.mbufs = st->in->cfg->dp_mbufs,
		};
		char why[512];

		if (port_setup(names[i], &opt, &st->ports[i], why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", st->port_label[i], why);
			return 1;
		}
		st->plane.ports[i] = st->ports[i].port_id;
		st->plane.pool[st->ports[i].port_id] = st->ports[i].pool;
		st->plane.link[st->ports[i].port_id] = LINK_ETHERNET;
		fprintf(stderr, "rampart-dp: port %u: %s (%s, %s)\n", st->ports[i].port_id,
			st->port_label[i], names[i], st->pmd_used[i]);
	}
	st->plane.n_ports = (uint16_t)st->n_ports;
	/* A pair forwards both ways: ports 2k and 2k+1 are each other's peer. */
	for (unsigned i = 0; i < st->n_ports; i++)
		st->plane.peer[st->ports[i].port_id] = st->ports[i ^ 1u].port_id;
	st->plane.mbuf_low_water = (st->in->cfg->dp_mbufs ? st->in->cfg->dp_mbufs : PORT_POOL_MBUFS) / 8;
	return 0;
}

static int start_lcores(struct inline_state *st, char *err, size_t errlen)
{
	struct inline_plane *pl = &st->plane;
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);
	const bool software = pl->distribution == INLINE_DIST_SOFTWARE;
	unsigned busy = pl->n_workers + (software ? 1u : 0u);

	pl->shared_cpus = busy > eal_cpu_count();
	for (uint16_t i = 0; i < pl->n_workers; i++) {
		struct inline_worker *w = inline_worker_new(pl, i);
		char name[RTE_RING_NAMESIZE];

		if (!w)
			goto oom;
		pl->workers[i] = w;
		if (software) {
			snprintf(name, sizeof(name), "w%u_rx", i);
			w->rx_ring = rte_ring_create(name, INLINE_RING_SIZE, rte_socket_id(),
						     RING_F_SP_ENQ | RING_F_SC_DEQ);
			snprintf(name, sizeof(name), "w%u_tx", i);
			w->tx_ring = rte_ring_create(name, INLINE_RING_SIZE, rte_socket_id(),
						     RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!w->rx_ring || !w->tx_ring)
				goto oom;
		}
	}
	if (software) {
		pl->distributor = distributor_new(pl);
		if (!pl->distributor)
			goto oom;
	}
	/* Workers first: the distributor must never find a ring missing. */
	for (uint16_t i = 0; i < pl->n_workers; i++) {
		if (lcore >= RTE_MAX_LCORE) {
			snprintf(err, errlen, "not enough lcores for %u workers (check -- --lcores)",
				 pl->n_workers);
			return 1;
		}
		st->worker_lcore[i] = lcore;
		st->last_change[i] = stats_wall_clock();
		if (rte_eal_remote_launch(inline_worker_main, pl->workers[i], lcore) != 0) {
			snprintf(err, errlen, "cannot launch worker %u on lcore %u", i, lcore);
			return 1;
		}
		st->launched = true;
		lcore = rte_get_next_lcore(lcore, 1, 0);
	}
	if (software) {
		if (lcore >= RTE_MAX_LCORE ||
		    rte_eal_remote_launch(distributor_main, pl->distributor, lcore) != 0) {
			snprintf(err, errlen, "cannot launch the distributor (check -- --lcores)");
			return 1;
		}
		st->dist_lcore = lcore;
		st->dist_last_change = stats_wall_clock();
	}
	return 0;
oom:
	snprintf(err, errlen, "inline plane: out of memory");
	return 1;
}

/* The --config firewall must build (exit 2 if not); the loader builds the
 * policy that runs, with the rest of its generation. */
static int check_policy(struct inline_state *st, char *err, size_t errlen)
{
	const struct cli_options *cli = st->in->cli;
	struct fw_policy *pol;
	char why[512];

	if (!st->in->cfg->fw_present)
		return 0;
	pol = fw_policy_build(st->in->cfg, st->in->rules->vars, why, sizeof(why));
	if (!pol) {
		snprintf(err, errlen, "--config %s: %s", cli->config_path ? cli->config_path : "",
			 why);
		return 2;
	}
	fw_policy_free(pol);
	return 0;
}

/* RSS mode: the control thread drains a failed worker's queues. */
static void rescue_poll(struct inline_state *st, uint16_t wi)
{
	struct inline_plane *pl = &st->plane;
	struct rte_mbuf *burst[INLINE_BURST];

	for (uint16_t i = 0; i < pl->n_ports; i++) {
		uint16_t port = pl->ports[i];
		uint16_t n = rte_eth_rx_burst(port, wi, burst, INLINE_BURST);

		if (n == 0)
			continue;
		st->rescue.rx += n;
		if (pl->fail_mode == INLINE_FAIL_OPEN) {
			st->rescue.uninspected += n;
			inline_tx_burst(pl->peer[port], wi, burst, n, pl->fail_mode, &st->rescue);
		} else {
			st->rescue.drops[INLINE_DROP_WORKER_STALLED] += n;
			rte_pktmbuf_free_bulk(burst, n);
		}
	}
}

static void watchdog(struct inline_state *st, double now)
{
	struct inline_plane *pl = &st->plane;
	double timeout = (double)(st->in->cfg->dp_watchdog_timeout_ms ? st->in->cfg->dp_watchdog_timeout_ms
									: 500u) / 1000.0;

	for (uint16_t i = 0; i < pl->n_workers; i++) {
		struct inline_worker *w = pl->workers[i];
		uint64_t hb = __atomic_load_n(&w->heartbeat, __ATOMIC_RELAXED);

		if (w->failed) {
			bool back = pl->distribution == INLINE_DIST_RSS
					    ? __atomic_load_n(&w->alive, __ATOMIC_RELAXED) != st->alive_at_fail[i]
					    : hb != st->hb_at_fail[i];

			if (back) {
				/* Alive again: hand its traffic back. rss: we are the
				 * thread that polls its queues, so stopping is
				 * immediate; then clear `failed` and it resumes. */
				st->rescuing[i] = false;
				__atomic_store_n(&w->failed, 0, __ATOMIC_SEQ_CST);
				st->last_hb[i] = __atomic_load_n(&w->heartbeat, __ATOMIC_RELAXED);
				st->last_change[i] = now;
				fprintf(stderr, "rampart-dp: watchdog: worker %u is back; it inspects its "
						"flows again\n", i);
				continue;
			}
			/* rss: the queues are ours once the worker is out of
			 * its poll section (even poll_seq). */
			if (pl->distribution == INLINE_DIST_RSS && !st->rescuing[i] &&
			    (__atomic_load_n(&w->poll_seq, __ATOMIC_SEQ_CST) & 1u) == 0)
				st->rescuing[i] = true;
			continue;
		}
		if (hb != st->last_hb[i]) {
			st->last_hb[i] = hb;
			st->last_change[i] = now;
			continue;
		}
		if (now - st->last_change[i] < timeout)
			continue;
		st->hb_at_fail[i] = hb;
		st->alive_at_fail[i] = __atomic_load_n(&w->alive, __ATOMIC_RELAXED);
		__atomic_store_n(&w->failed, 1, __ATOMIC_SEQ_CST);
		fprintf(stderr,
			"rampart-dp: watchdog: worker %u stalled (no heartbeat for %.0f ms): its flows "
			"are now %s (%s)\n",
			i, (now - st->last_change[i]) * 1000.0,
			pl->fail_mode == INLINE_FAIL_OPEN ? "forwarded uninspected" : "dropped",
			pl->fail_mode == INLINE_FAIL_OPEN ? "fail-open" : "fail-closed");
	}
	if (pl->distributor && !st->dist_warned) {
		uint64_t hb = __atomic_load_n(&pl->distributor->heartbeat, __ATOMIC_RELAXED);

		if (hb != st->dist_last_hb) {
			st->dist_last_hb = hb;
			st->dist_last_change = now;
		} else if (now - st->dist_last_change >= timeout) {
			/* Nothing can take over the ports' queue 0 safely while
			 * the distributor may wake up: traffic stops, which is
			 * fail-closed whatever the setting. Say so. */
			fprintf(stderr, "rampart-dp: watchdog: the distributor stalled (no heartbeat for "
					"%.0f ms): no traffic passes until it resumes\n",
				(now - st->dist_last_change) * 1000.0);
			st->dist_warned = true;
		}
	}
}

static void fault_drain_mbufs(struct inline_state *st)
{
	for (unsigned i = 0; i < st->n_ports; i++) {
		struct rte_mempool *mp = st->ports[i].pool;

		while (rte_mempool_avail_count(mp) >= st->plane.mbuf_low_water) {
			if (st->n_held + INLINE_BURST > st->held_cap) {
				unsigned cap = st->held_cap ? st->held_cap * 2 : 4096;
				struct rte_mbuf **grown = realloc(st->held, cap * sizeof(*grown));

				if (!grown)
					return;
				st->held = grown;
				st->held_cap = cap;
			}
			if (rte_pktmbuf_alloc_bulk(mp, st->held + st->n_held, INLINE_BURST) != 0)
				break;
			st->n_held += INLINE_BURST;
		}
	}
	fprintf(stderr, "rampart-dp: test fault: holding %u packet buffers (pools below low water)\n",
		st->n_held);
}

static void fault_release_mbufs(struct inline_state *st)
{
	if (st->n_held)
		rte_pktmbuf_free_bulk(st->held, st->n_held);
	fprintf(stderr, "rampart-dp: test fault: released %u packet buffers\n", st->n_held);
	st->n_held = 0;
}

static void on_usr1(struct inline_state *st)
{
	const struct cli_options *cli = st->in->cli;

	if (cli->fault == CLI_FAULT_STALL_WORKER) {
		if (cli->fault_arg < st->plane.n_workers) {
			__atomic_store_n(&st->plane.workers[cli->fault_arg]->stall_requested, 1,
					 __ATOMIC_RELAXED);
			fprintf(stderr, "rampart-dp: test fault: worker %u stops polling\n",
				cli->fault_arg);
		}
	} else if (cli->fault == CLI_FAULT_DRAIN_MBUFS) {
		fault_drain_mbufs(st);
	}
}

static int monitor(struct inline_state *st, char *err, size_t errlen)
{
	const struct inline_input *in = st->in;
	const double start = stats_wall_clock();
	const double rules_at =
		start + (in->cli->fault == CLI_FAULT_DELAY_RULES ? (double)in->cli->fault_arg : 0.0);

	while (!*in->stop) {
		double now = stats_wall_clock();
		bool rescuing = false;
		struct timespec nap = { 0, INLINE_MONITOR_NSEC };

		if (in->cli->duration > 0 && now - start >= in->cli->duration)
			break;
		if (reload_tick(st->reload, now, now >= rules_at, err, errlen) != 0)
			return 1;
		if (*in->usr1) {
			*in->usr1 = 0;
			on_usr1(st);
		}
		if (*in->usr2) {
			*in->usr2 = 0;
			if (in->cli->fault == CLI_FAULT_DRAIN_MBUFS)
				fault_release_mbufs(st);
			if (in->cli->fault == CLI_FAULT_STALL_WORKER &&
			    in->cli->fault_arg < st->plane.n_workers) {
				__atomic_store_n(&st->plane.workers[in->cli->fault_arg]->stall_requested, 0,
						 __ATOMIC_RELAXED);
				fprintf(stderr, "rampart-dp: test fault: worker %u polls again\n",
					in->cli->fault_arg);
			}
		}
		watchdog(st, now);
		st->plane.pools_low = inline_pools_low(&st->plane);
		for (uint16_t i = 0; i < st->plane.n_workers; i++) {
			if (st->rescuing[i]) {
				rescue_poll(st, i);
				rescuing = true;
			}
		}
		if (rescuing)
			nap.tv_nsec = INLINE_RESCUE_NSEC;
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* Stop taking packets, let the workers finish their rings, then stop all. */
static void stop_lcores(struct inline_state *st)
{
	struct inline_plane *pl = &st->plane;
	double deadline = stats_wall_clock() + INLINE_DRAIN_WAIT_SEC;
	struct timespec ms = { 0, 1000000l };

	if (!st->launched)
		return;
	pl->stop_rx = 1;
	for (;;) {
		bool busy = false;

		for (uint16_t i = 0; i < pl->n_workers; i++) {
			struct inline_worker *w = pl->workers[i];

			if (!w->failed && !w->stall_requested &&
			    !__atomic_load_n(&w->done, __ATOMIC_ACQUIRE))
				busy = true;
		}
		if (!busy || stats_wall_clock() > deadline)
			break;
		nanosleep(&ms, NULL);
	}
	pl->stop = 1;
	rte_eal_mp_wait_lcore();
}

static void fill_stats(struct inline_state *st, struct run_stats *s,
		       struct run_stats_worker *ws, struct inline_counters *total,
		       struct engine_worker_stats *sum, uint64_t *flows)
{
	const double tsc_hz = (double)rte_get_tsc_hz();
	struct engine_worker *const *engines = reload_engines(st->reload);
	const struct dp_generation *gen = reload_current(st->reload);

	memset(total, 0, sizeof(*total));
	memset(sum, 0, sizeof(*sum));
	*flows = 0;
	for (uint16_t i = 0; i < st->plane.n_workers; i++) {
		struct inline_worker *w = st->plane.workers[i];

		ws[i] = (struct run_stats_worker){
			.engine = engines[i] ? engine_worker_stats(engines[i]) : NULL,
			.flows_created = engines[i] ? engine_worker_flows_created(engines[i]) : 0,
			.fwd = &w->c,
			.dispatched = st->plane.distributor ? st->plane.distributor->dispatched[i] : 0,
			.engine_seconds = (double)w->engine_cycles / tsc_hz,
			.failed = w->failed,
		};
		inline_counters_add(total, &w->c);
		if (ws[i].engine)
			engine_worker_stats_add(sum, ws[i].engine);
		*flows += ws[i].flows_created;
		s->engine_seconds += ws[i].engine_seconds;
	}
	if (st->plane.distributor) {
		/* The distributor's rx are the frames the workers later count
		 * again; its tx are the frames they passed. Count each once:
		 * rx and tx at the ports, the rest where it happened. */
		struct inline_counters d = st->plane.distributor->c;

		total->rx = d.rx;
		total->tx = d.tx;
		d.rx = d.tx = 0;
		inline_counters_add(total, &d);
	}
	inline_counters_add(total, &st->rescue);
	s->packets_read = total->rx;
	s->inline_mode = true;
	s->link = LINK_ETHERNET;
	s->dlt = 1;
	s->engine = sum;
	s->flows_created = *flows;
	s->bytes_per_flow = engines[0] ? engine_worker_bytes_per_flow(engines[0]) : 0;
	s->rules = gen ? gen->rs : st->in->rules->rs;
	s->detect = gen ? &gen->ds : NULL;
	s->n_workers = st->plane.n_workers;
	s->workers = ws;
	s->forwarding = total;
	s->distribution = st->plane.distribution == INLINE_DIST_RSS ? "rss" : "software";
	s->fail_mode = st->plane.fail_mode == INLINE_FAIL_OPEN ? "fail-open" : "fail-closed";
	s->rules_loaded = reload_rules_loaded(st->reload);
	for (unsigned i = 0; i < st->n_ports; i++) {
		struct rte_eth_stats es;
		struct run_stats_port *p = &st->port_stats[i];

		*p = (struct run_stats_port){ .name = st->port_label[i] };
		if (rte_eth_stats_get(st->ports[i].port_id, &es) == 0) {
			p->rx = es.ipackets;
			p->tx = es.opackets;
			p->rx_missed = es.imissed;
			p->rx_errors = es.ierrors;
			p->tx_errors = es.oerrors;
			p->rx_nombuf = es.rx_nombuf;
		}
	}
	s->ports = st->port_stats;
	s->n_ports = st->n_ports;
	reload_fill_stats(st->reload, s);
}

/* Firewall rule hits summed over the workers (names from the policy that
 * runs; skipped while a policy swap is half-way, when counts differ). */
static void fill_rule_hits(struct inline_state *st, struct run_stats *s)
{
	struct engine_worker *const *engines = reload_engines(st->reload);
	const struct dp_generation *gen = reload_current(st->reload);
	uint32_t n = 0;

	free(st->fw_hits);
	free(st->fw_names);
	st->fw_hits = NULL;
	st->fw_names = NULL;
	if (!gen || !gen->policy || !engines[0] || !engine_worker_fw_rule_hits(engines[0], &n) ||
	    n != fw_policy_rule_count(gen->policy) + 1)
		return;
	st->fw_hits = calloc(n, sizeof(*st->fw_hits));
	st->fw_names = calloc(n, sizeof(*st->fw_names));
	if (!st->fw_hits || !st->fw_names)
		return;
	for (uint16_t w = 0; w < st->plane.n_workers; w++) {
		uint32_t k = 0;
		const uint64_t *h = engines[w] ? engine_worker_fw_rule_hits(engines[w], &k) : NULL;

		for (uint32_t i = 0; h && i < k && i < n; i++)
			st->fw_hits[i] += h[i];
	}
	for (uint32_t i = 0; i < n; i++)
		st->fw_names[i] = fw_policy_rule_name(gen->policy, i + 1 == n ? FW_RULE_DEFAULT : i);
	s->fw_rule_hits = st->fw_hits;
	s->fw_rule_names = st->fw_names;
	s->n_fw_rules = n;
}

/* The --stats object as it stands (counters torn while running). */
static json_t *stats_now(struct inline_state *st)
{
	static struct run_stats_worker ws[INLINE_MAX_WORKERS];
	struct inline_counters total;
	struct engine_worker_stats sum;
	struct eve_writer_stats ews;
	uint64_t flows;
	struct run_stats s = {
		.eve_records_written = UINT64_MAX,
		.cpu_seconds = stats_cpu_seconds(),
		.wall_seconds = stats_wall_clock() - st->in->wall_start,
	};

	fill_stats(st, &s, ws, &total, &sum, &flows);
	fill_rule_hits(st, &s);
	if (st->in->eve) {
		eve_writer_get_stats(st->in->eve, &ews);
		s.eve_records_written = ews.records_written;
	}
	return stats_to_json(&s);
}

static json_t *stats_now_cb(void *ctx)
{
	return stats_now(ctx);
}

static int write_stats(struct inline_state *st, char *err, size_t errlen)
{
	const char *path = st->in->cli->stats_path;
	json_t *root;
	int rc;

	if (!path)
		return 0;
	root = stats_now(st);
	if (!root) {
		snprintf(err, errlen, "--stats %s: out of memory", path);
		return 1;
	}
	rc = stats_write_object(path, root, err, errlen) != 0 ? 1 : 0;
	json_decref(root);
	return rc;
}

static void teardown(struct inline_state *st)
{
	struct inline_plane *pl = &st->plane;

	if (st->n_held)
		fault_release_mbufs(st);
	free(st->held);
	free(st->fw_hits);
	free(st->fw_names);
	reload_free(st->reload);
	st->reload = NULL;
	for (unsigned i = 0; i < st->n_ports; i++)
		port_teardown(&st->ports[i]);
	for (uint16_t i = 0; i < pl->n_workers; i++) {
		if (!pl->workers[i])
			continue;
		rte_ring_free(pl->workers[i]->rx_ring);
		rte_ring_free(pl->workers[i]->tx_ring);
		inline_worker_free(pl->workers[i]);
	}
	distributor_free(pl->distributor);
}

static int start_reload(struct inline_state *st, char *err, size_t errlen)
{
	struct reload_env env = {
		.in = st->in,
		.plane = &st->plane,
		.n_ports = st->n_ports,
		.port_ids = st->port_ids,
		.port_labels = st->port_labels,
		.stats_json = stats_now_cb,
		.stats_ctx = st,
	};

	for (unsigned i = 0; i < st->n_ports; i++) {
		st->port_ids[i] = st->ports[i].port_id;
		st->port_labels[i] = st->port_label[i];
	}
	st->reload = reload_new(&env, err, errlen);
	return st->reload ? 0 : 1;
}

int inline_run(const struct inline_input *in, char *err, size_t errlen)
{
	static struct inline_state st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.in = in;
	st.plane.n_workers = (uint16_t)inline_workers_wanted(in->cli, in->cfg);
	st.plane.fail_mode = fail_mode_of(in);

	rc = open_ports(&st, err, errlen);
	if (rc == 0)
		rc = check_policy(&st, err, errlen);
	if (rc == 0)
		rc = start_reload(&st, err, errlen);
	if (rc == 0)
		rc = start_lcores(&st, err, errlen);
	if (rc == 0) {
		fprintf(stderr, "rampart-dp: %u worker%s, %s distribution, %s\n", st.plane.n_workers,
			st.plane.n_workers == 1 ? "" : "s",
			st.plane.distribution == INLINE_DIST_RSS ? "rss" : "software",
			st.plane.fail_mode == INLINE_FAIL_OPEN ? "fail-open" : "fail-closed");
		/* The contract callers wait for (DESIGN.md "Interfaces"). */
		fputs("rampart-dp: forwarding\n", stdout);
		fflush(stdout);
		rc = monitor(&st, err, errlen);
	}
	stop_lcores(&st);
	if (reload_stop(st.reload) != 0 && rc == 0) {
		snprintf(err, errlen, "--eve %s: write failed: %s",
			 in->cli->eve_path ? in->cli->eve_path : "", strerror(errno));
		rc = 1;
	}
	if (rc == 0)
		rc = write_stats(&st, err, errlen);
	teardown(&st);
	return rc;
}
