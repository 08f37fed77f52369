/*
 * main.c - rampart-dp: offline (--pcap) mode through DPDK's net_pcap, with
 * one worker on the main lcore; inline (--bridge / --ports) mode is
 * inline.c's, started from here once the inputs are checked.
 *
 * The order matters for the exit status contract (DESIGN.md): everything a
 * user can get wrong (flags, config, capture, rules, output paths) is checked
 * before DPDK starts and exits 2 with one line naming the file or flag; a
 * failure after that is ours and exits 1.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "dataplane/dpdk/cli.h"
#include "dataplane/dpdk/eal.h"
#include "dataplane/dpdk/inline.h"
#include "dataplane/dpdk/pcap_source.h"
#include "dataplane/dpdk/port.h"
#include "dataplane/dpdk/rules_setup.h"
#include "dataplane/dpdk/stats.h"
#include "dataplane/dpdk/worker.h"
#include "dataplane/engine/config.h"
#include "dataplane/engine/detect/detect.h"
#include "dataplane/engine/engine.h"
#include "dataplane/engine/output/eve_writer.h"
#include "dataplane/engine/output/output_thread.h"

#define EXIT_USAGE 2
#define EXIT_INTERNAL 1

/* Offline safety net: stop when the PMD delivers nothing for this long. */
#define OFFLINE_IDLE_TIMEOUT_MS 5000u

static volatile sig_atomic_t stop_requested, usr1_received, usr2_received;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		usr1_received = 1;
	else if (sig == SIGUSR2)
		usr2_received = 1;
	else
		stop_requested = 1;
}

static int fail(int code, const char *msg)
{
	fprintf(stderr, "rampart-dp: %s\n", msg);
	return code;
}

struct run {
	struct cli_options cli;
	struct engine_config cfg;
	struct pcap_source_info capture;
	struct loaded_rules rules;
	struct detect_engine *detect;
	struct detect_build_stats detect_stats;
	struct eve_writer *eve;
	struct eal_args eal;
	bool eal_up;
	struct port_handle port;   /* offline: net_pcap */
	bool bridge;               /* inline mode (--bridge / --ports) */
	struct engine_worker *worker;
	struct worker_loop *loop;
	struct worker_loop_result loop_result;
	struct output_thread *output;
	double wall_start;
};

/* Everything that can be the user's fault. Returns 0 or an exit status. */
static int check_inputs(struct run *r, int argc, char **argv, char *err, size_t errlen)
{
	enum cli_result cr = cli_parse(argc, argv, &r->cli, err, errlen);
	FILE *f;

	if (cr == CLI_EXIT_HELP)
		return -1; /* exit 0 */
	if (cr != CLI_OK)
		return EXIT_USAGE;

	engine_config_init(&r->cfg);
	if (r->cli.config_path &&
	    engine_config_load(&r->cfg, r->cli.config_path, err, errlen) != 0) {
		/* the loader names file and line; prefix the flag */
		char msg[600];

		snprintf(msg, sizeof(msg), "--config %s", err);
		snprintf(err, errlen, "%s", msg);
		return EXIT_USAGE;
	}
	/* Pairs from the config file when the command line gave none. */
	if (!r->cli.pcap_path && r->cli.n_pairs == 0) {
		for (size_t i = 0; i < r->cfg.n_dp_bridges + r->cfg.n_dp_ports; i++) {
			bool br = i < r->cfg.n_dp_bridges;
			const char *v = br ? r->cfg.dp_bridges[i] : r->cfg.dp_ports[i - r->cfg.n_dp_bridges];
			char why[256];

			if (cli_add_pair(&r->cli, br ? "--bridge" : "--ports", v, why, sizeof(why)) != 0) {
				snprintf(err, errlen, "--config %s: dataplane.%s: %s", r->cli.config_path,
					 br ? "bridges" : "ports", why);
				return EXIT_USAGE;
			}
		}
		if (r->cli.n_pairs == 0) {
			snprintf(err, errlen, "--pcap FILE or --bridge IFACE_A:IFACE_B is required (or "
					      "dataplane.bridges in --config; see --help)");
			return EXIT_USAGE;
		}
	}
	if (!r->cli.pmd_given)
		r->cli.pmd = r->cfg.dp_pmd == DP_PMD_AF_XDP	? CLI_PMD_AF_XDP
			     : r->cfg.dp_pmd == DP_PMD_AF_PACKET ? CLI_PMD_AF_PACKET
								  : CLI_PMD_AUTO;
	r->bridge = r->cli.n_pairs > 0;
	if (r->bridge) {
		/* Inline: the front end enforces verdicts. */
		r->cfg.mode = ENGINE_MODE_IPS;
		r->capture.dlt = 1; /* DLT_EN10MB */
		r->capture.link = LINK_ETHERNET;
		for (unsigned i = 0; i < r->cli.n_pairs; i++) {
			const struct cli_pair *pair = &r->cli.pairs[i];

			if (pair->dpdk_ports)
				continue;
			if (if_nametoindex(pair->a) == 0 || if_nametoindex(pair->b) == 0) {
				snprintf(err, errlen, "--bridge: %s: no such interface",
					 if_nametoindex(pair->a) == 0 ? pair->a : pair->b);
				return EXIT_USAGE;
			}
		}
	} else {
		r->cfg.mode = r->cli.simulate_ips ? ENGINE_MODE_SIMULATE_IPS : ENGINE_MODE_IDS;
		if (pcap_source_probe(r->cli.pcap_path, &r->capture, err, errlen) != 0)
			return EXIT_USAGE;
	}
	if (r->capture.read_error)
		fprintf(stderr, "rampart-dp: warning: --pcap %s: reading stops after packet %llu: %s\n",
			r->cli.pcap_path, (unsigned long long)r->capture.packets,
			r->capture.read_error_msg);

	/* Output files: fail now, not after the whole run. (Managed mode
	 * needs none: alerts leave through rampartd.) */
	r->eve = r->cli.eve_path ? eve_writer_open(r->cli.eve_path, r->cfg.eve_append) : NULL;
	if (r->cli.eve_path && !r->eve) {
		snprintf(err, errlen, "--eve %s: %s", r->cli.eve_path, strerror(errno));
		return EXIT_USAGE;
	}
	if (r->cli.stats_path && strcmp(r->cli.stats_path, "-") != 0) {
		f = fopen(r->cli.stats_path, "w");
		if (!f) {
			snprintf(err, errlen, "--stats %s: %s", r->cli.stats_path, strerror(errno));
			return EXIT_USAGE;
		}
		fclose(f);
	}

	/* Last: loading prints the rule summary, which a usage error above
	 * should not be buried under. */
	return rules_setup_load(&r->cli, &r->cfg, &r->rules, err, errlen);
}

static int start_dpdk(struct run *r, const char *prog, char *err, size_t errlen)
{
	char **argv_copy;
	int rc;

	/* Inline ports are hot-plugged by inline.c (so --pmd auto can fall
	 * back); offline mode names its net_pcap vdev here. */
	rc = r->bridge ? eal_args_build_lcores(&r->eal, prog, NULL, r->cli.eal_argv, r->cli.eal_argc,
					       inline_lcores_needed(&r->cli, &r->cfg), err, errlen)
		       : eal_args_build(&r->eal, prog, r->cli.pcap_path, r->cli.eal_argv,
					r->cli.eal_argc, err, errlen);
	if (rc != 0)
		return EXIT_USAGE;
	/* rte_eal_init permutes and overwrites argv entries: give it a
	 * shallow copy so eal_args_free still frees every string. */
	argv_copy = calloc((size_t)r->eal.argc + 1, sizeof(*argv_copy));
	if (!argv_copy) {
		snprintf(err, errlen, "out of memory");
		return EXIT_INTERNAL;
	}
	memcpy(argv_copy, r->eal.argv, (size_t)r->eal.argc * sizeof(*argv_copy));
	rc = rte_eal_init(r->eal.argc, argv_copy);
	free(argv_copy);
	if (rc < 0) {
		/* EINVAL: the EAL refused its arguments, which only the user
		 * can have made wrong (after "--"). */
		int bad_args = rte_errno == EINVAL;

		snprintf(err, errlen, bad_args ? "-- EAL ARGS: rejected by DPDK (see its message above)"
					       : "DPDK EAL initialisation failed: %s",
			 strerror(rte_errno));
		return bad_args ? EXIT_USAGE : EXIT_INTERNAL;
	}
	r->eal_up = true;
	if (r->bridge)
		return 0;
	{
		struct port_options opt = { .n_queues = 1 };

		return port_setup(EAL_PCAP_VDEV_NAME, &opt, &r->port, err, errlen) != 0 ? EXIT_INTERNAL
											 : 0;
	}
}

static int build_engine(struct run *r, char *err, size_t errlen)
{
	char why[512];
	struct worker_loop_config lc;

	r->detect = detect_engine_build(r->rules.rs, &r->detect_stats, why, sizeof(why));
	if (!r->detect) {
		snprintf(err, errlen, "detect engine build failed: %s", why);
		return EXIT_INTERNAL;
	}
	fprintf(stderr,
		"rampart-dp: detect: %zu rules compiled (%zu skipped) into %zu groups, "
		"%zu Hyperscan bytes, %.3f s\n",
		r->detect_stats.n_rules, r->detect_stats.n_skipped, r->detect_stats.n_groups,
		r->detect_stats.hs_bytes, r->detect_stats.compile_seconds);
	r->worker = engine_worker_new(&r->cfg, r->detect, r->rules.rs, 0, why, sizeof(why));
	if (!r->worker) {
		snprintf(err, errlen, "%s", why);
		return EXIT_INTERNAL;
	}
	memset(&lc, 0, sizeof(lc));
	lc.engine = r->worker;
	lc.queues[0] = (struct worker_queue){ .rx_port = r->port.port_id, .rx_queue = 0,
					      .link = r->capture.link };
	lc.n_queues = 1;
	lc.expected_packets = r->capture.packets;
	lc.idle_timeout_ms = OFFLINE_IDLE_TIMEOUT_MS;
	lc.stop = &stop_requested;
	r->loop = worker_loop_new(&lc);
	if (!r->loop) {
		snprintf(err, errlen, "worker loop: out of memory");
		return EXIT_INTERNAL;
	}
	return 0;
}

static int run_worker(struct run *r, char *err, size_t errlen)
{
	struct alert_ring *ring = engine_worker_alert_ring(r->worker);
	int rc = 0;

	r->output = output_thread_start(&ring, 1, r->eve);
	if (!r->output) {
		snprintf(err, errlen, "cannot start the output thread: %s", strerror(errno));
		return EXIT_INTERNAL;
	}
	worker_loop_run(r->loop, &r->loop_result);
	engine_worker_finish(r->worker);
	if (output_thread_stop(r->output) != 0) {
		snprintf(err, errlen, "--eve %s: write failed: %s", r->cli.eve_path, strerror(errno));
		rc = EXIT_INTERNAL;
	}
	r->output = NULL;
	if (r->loop_result.stopped_by_timeout)
		fprintf(stderr, "rampart-dp: warning: the capture stopped delivering packets: "
				"%llu of %llu unaccounted\n",
			(unsigned long long)r->loop_result.unaccounted,
			(unsigned long long)r->capture.packets);
	return rc;
}

static int write_stats(struct run *r, char *err, size_t errlen)
{
	struct eve_writer_stats ews;
	struct run_stats s = {
		.packets_read = r->capture.packets,
		.dlt = r->capture.dlt,
		.link = r->capture.link,
		.capture_read_error = r->capture.read_error ? r->capture.read_error_msg : NULL,
		.engine = r->worker ? engine_worker_stats(r->worker) : NULL,
		.loop = &r->loop_result,
		.flows_created = r->worker ? engine_worker_flows_created(r->worker) : 0,
		.bytes_per_flow = r->worker ? engine_worker_bytes_per_flow(r->worker) : 0,
		.rules = r->rules.rs,
		.detect = &r->detect_stats,
		.eve_records_written = UINT64_MAX,
		.wall_seconds = stats_wall_clock() - r->wall_start,
		.cpu_seconds = stats_cpu_seconds(),
		.engine_seconds = (double)r->loop_result.engine_cycles / (double)rte_get_tsc_hz(),
	};

	if (r->eve) {
		eve_writer_get_stats(r->eve, &ews);
		s.eve_records_written = ews.records_written;
	}
	if (!r->cli.stats_path)
		return 0;
	if (stats_write_json(r->cli.stats_path, &s, err, errlen) != 0)
		return EXIT_INTERNAL;
	return 0;
}

static void teardown(struct run *r)
{
	if (r->output)
		output_thread_stop(r->output);
	worker_loop_free(r->loop);
	engine_worker_free(r->worker);
	if (r->detect)
		detect_engine_free(r->detect);
	if (r->eve && eve_writer_close(r->eve) != 0)
		fprintf(stderr, "rampart-dp: --eve %s: close failed: %s\n", r->cli.eve_path,
			strerror(errno));
	rules_setup_free(&r->rules);
	if (r->eal_up) {
		port_teardown(&r->port);
		rte_eal_cleanup();
	}
	eal_args_free(&r->eal);
	engine_config_free(&r->cfg);
	cli_options_free(&r->cli);
}

int main(int argc, char **argv)
{
	static struct run r;
	char err[1024] = "";
	int rc;

	r.wall_start = stats_wall_clock();
	rc = check_inputs(&r, argc, argv, err, sizeof(err));
	if (rc == -1) {
		teardown(&r);
		return 0;
	}
	if (rc == 0)
		rc = start_dpdk(&r, argv[0], err, sizeof(err));
	if (rc == 0) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGUSR1, on_signal);
		signal(SIGUSR2, on_signal);
	}
	if (rc == 0 && r.bridge) {
		struct inline_input in = {
			.cli = &r.cli, .cfg = &r.cfg, .rules = &r.rules, .eve = r.eve,
			.stop = &stop_requested, .usr1 = &usr1_received, .usr2 = &usr2_received,
			.wall_start = r.wall_start,
		};

		rc = inline_run(&in, err, sizeof(err));
		if (rc != 0)
			fail(rc, err);
		teardown(&r);
		return rc;
	}
	if (rc == 0)
		rc = build_engine(&r, err, sizeof(err));
	if (rc == 0)
		rc = run_worker(&r, err, sizeof(err));
	if (rc == 0)
		rc = write_stats(&r, err, sizeof(err));
	if (rc != 0)
		fail(rc, err);
	teardown(&r);
	return rc;
}
