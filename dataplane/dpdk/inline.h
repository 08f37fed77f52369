/*
 * inline.h - rampart-dp's inline (IPS) mode: port pairs, worker lcores,
 * the distributor, rule loading while forwarding, the watchdog, failure
 * injection for tests, and the drain on SIGINT/SIGTERM.
 *
 * Contract: main() validates the inputs (flags, config, rules parse, output
 * files) and starts the EAL with inline_lcores_needed() lcores; then
 * inline_run() does the rest and returns the process exit status:
 *   1. ports: every --bridge interface becomes a net_af_xdp or net_af_packet
 *      port (hot-plugged: --pmd auto tries AF_XDP first and falls back),
 *      every --ports name is looked up; each pair forwards A->B and B->A;
 *   2. distribution: symmetric RSS when every port can spread N queues with
 *      the symmetric key, else the software distributor (config
 *      dataplane.distribution forces one; 1 worker polls the ports itself);
 *   3. the workers start without an engine and the process prints
 *      "rampart-dp: forwarding": until the rules are compiled, traffic is
 *      forwarded uninspected (fail-open) or dropped (fail-closed);
 *   4. rule loads (reload.h): the start-up set (--rules) and, in managed
 *      mode (--managed SOCKET), every `load` from rampartd are built on a
 *      loader thread and swapped into the workers behind an rte_rcu_qsbr
 *      grace period, never blocking this thread; the first completed load
 *      prints "rampart-dp: rules loaded", later ones "rampart-dp: reload
 *      generation G ok|refused: reason";
 *   5. it also watches: heartbeats (a worker silent for
 *      dataplane.watchdog-timeout-ms is marked failed and its traffic goes
 *      the fail-mode way), test faults on SIGUSR1/SIGUSR2, --duration and
 *      the stop signal;
 *   6. stop: no new packets, workers finish their rings, the distributor
 *      sends what they passed, flows are flushed, the EVE file is flushed,
 *      --stats written, ports closed. Exit 0.
 * Managed mode also attaches to rampartd (reconnecting every second while
 * it is away; "rampart-dp: attached SOCKET" at each attach), sends alerts
 * through the export ring and answers the daemon's stats requests.
 *
 * Thread rules: main thread only; the lcores it launches follow
 * inline_worker.h and distributor.h.
 */
#ifndef RAMPART_DPDK_INLINE_H
#define RAMPART_DPDK_INLINE_H

#include <signal.h>
#include <stddef.h>

struct cli_options;
struct engine_config;
struct loaded_rules;
struct eve_writer;

struct inline_input {
	const struct cli_options *cli;
	const struct engine_config *cfg;   /* mode already ENGINE_MODE_IPS */
	const struct loaded_rules *rules;  /* start-up set (empty without --rules) */
	struct eve_writer *eve;            /* NULL: managed mode without --eve */
	volatile sig_atomic_t *stop;       /* SIGINT / SIGTERM */
	volatile sig_atomic_t *usr1;       /* test faults */
	volatile sig_atomic_t *usr2;
	double wall_start;                 /* stats_wall_clock() at process start */
};

/* Worker count the flags and config ask for. */
unsigned inline_workers_wanted(const struct cli_options *cli, const struct engine_config *cfg);

/* EAL lcores for that: control + workers (+ distributor when it may run). */
unsigned inline_lcores_needed(const struct cli_options *cli, const struct engine_config *cfg);

/* Steps 1-6 above. Returns 0, 1 (internal failure) or 2 (a port or the
 * policy cannot be used as configured), with a one-line message in err. */
int inline_run(const struct inline_input *in, char *err, size_t errlen);

#endif /* RAMPART_DPDK_INLINE_H */
