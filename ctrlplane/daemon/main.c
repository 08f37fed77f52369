/*
 * main.c - rampartd: the control-plane daemon.
 *
 *   rampartd --config FILE [--socket PATH] [--state-dir DIR]
 *
 * Foreground only (systemd runs it as Type=simple). Start-up order: config
 * (exit 2 with "FILE:LINE: key: message"), state dir, audit log, rules and
 * policy state, export sinks, metrics endpoint, then the socket; "rampartd:
 * ready" on stdout once the socket listens, so a caller can wait for it.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctrlplane/daemon/audit.h"
#include "ctrlplane/daemon/rampartd.h"
#include "ctrlplane/export/export.h"
#include "ctrlplane/link/link.h"
#include "ctrlplane/metrics/metrics.h"
#include "ctrlplane/policy/policy_store.h"
#include "ctrlplane/rules/rules_mgr.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: rampartd --config FILE [--socket PATH] [--state-dir DIR] [--foreground]\n");
}

/* mkdir -p with `mode` for each created level. */
static int make_dirs(const char *path, mode_t mode)
{
	char *copy = strdup(path);
	int rc = 0;

	if (!copy)
		return -1;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (mkdir(copy, mode) != 0 && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}

static int make_parent_dir(const char *path, mode_t mode)
{
	char *copy = strdup(path);
	int rc;

	if (!copy)
		return -1;
	rc = make_dirs(dirname(copy), mode);
	free(copy);
	return rc;
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked in every thread (the threads start later and inherit it):
	 * only the signalfd sees them. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int start_state(struct rampartd *d, char *err, size_t errlen)
{
	struct rules_mgr_config rc;

	if (make_dirs(d->cfg.state_dir, 0750) != 0) {
		snprintf(err, errlen, "%s: cannot create state directory: %s", d->cfg.state_dir,
			 strerror(errno));
		return -1;
	}
	chmod(d->cfg.state_dir, 0750);
	d->audit = audit_open(d->cfg.audit_log, err, errlen);
	if (!d->audit)
		return -1;
	rampartd_rules_mgr_config(&d->cfg, &rc);
	d->rules = rules_mgr_new(&rc, d->cfg.state_dir, err, errlen);
	if (!d->rules)
		return -1;
	if (policy_store_eal_init(err, errlen) != 0)
		return -1;
	d->policy = policy_store_open_file(d->cfg.path, d->cfg.state_dir, err, errlen);
	if (!d->policy)
		return -1;
	return 0;
}

static int start_outputs(struct rampartd *d, char *err, size_t errlen)
{
	d->exporter = export_start(&d->cfg.outputs, err, errlen);
	if (!d->exporter)
		return -1;
	if (export_consumer_start(d, err, errlen) != 0)
		return -1;
	metrics_snapshot_update(d);
	if (d->cfg.metrics.enabled) {
		d->metrics = metrics_server_start(d->cfg.metrics.listen, d->cfg.metrics.allow_remote,
						  metrics_render, d, err, errlen);
		if (!d->metrics)
			return -1;
		/* listen may say port 0 (tests): tell which port it got */
		printf("rampartd: metrics on port %u\n", (unsigned)metrics_server_port(d->metrics));
	}
	return 0;
}

static int start_socket(struct rampartd *d, char *err, size_t errlen)
{
	d->socket_gid = (gid_t)-1;
	if (d->cfg.socket_group) {
		struct group *g = getgrnam(d->cfg.socket_group);

		/* A missing group means root only (the documented fallback). */
		if (g)
			d->socket_gid = g->gr_gid;
		else
			fprintf(stderr, "rampartd: socket-group '%s' does not exist: root only\n",
				d->cfg.socket_group);
	}
	if (make_parent_dir(d->cfg.socket, 0750) != 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s", d->cfg.socket, strerror(errno));
		return -1;
	}
	/* Group members must be able to reach the socket: its directory (ours,
	 * 0750) gets the socket group too. A directory someone else owns is
	 * left as it is. */
	if (d->socket_gid != (gid_t)-1) {
		char *copy = strdup(d->cfg.socket);
		struct stat st;

		if (copy && stat(dirname(copy), &st) == 0 && st.st_uid == geteuid() && st.st_gid != d->socket_gid &&
		    chown(copy, (uid_t)-1, d->socket_gid) != 0)
			fprintf(stderr, "rampartd: chgrp %s: %s\n", copy, strerror(errno));
		free(copy);
	}
	d->listen_fd = link_listen(d->cfg.socket, 0660, d->socket_gid, err, errlen);
	return d->listen_fd < 0 ? -1 : 0;
}

static void shutdown_daemon(struct rampartd *d)
{
	sessions_close_all(d);
	if (d->change) {
		if (d->change->discard)
			d->change->discard(d, d->change);
		change_free(d->change);
		d->change = NULL;
	}
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->cfg.socket);
	}
	metrics_server_stop(d->metrics);
	export_consumer_stop(d);
	export_stop(d->exporter, 0, NULL);
	policy_store_free(d->policy);
	rules_mgr_free(d->rules);
	audit_close(d->audit);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	pthread_mutex_destroy(&d->rings_lock);
	pthread_mutex_destroy(&d->metrics_lock);
	prom_buf_free(&d->metrics_text);
	free(d->rings);
	rampartd_config_free(&d->cfg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *socket_path = NULL, *state_dir = NULL;
	struct rampartd d;
	char err[1024];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:s:d:fh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 's': socket_path = optarg; break;
		case 'd': state_dir = optarg; break;
		case 'f': break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!config || optind != argc) {
		usage(stderr);
		return 2;
	}
	memset(&d, 0, sizeof(d));
	d.listen_fd = -1;
	d.signal_fd = -1;
	d.next_change_id = 1;
	d.started_at = rampartd_now();
	pthread_mutex_init(&d.rings_lock, NULL);
	pthread_mutex_init(&d.metrics_lock, NULL);
	prom_buf_init(&d.metrics_text);
	if (rampartd_config_load(&d.cfg, config, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rampartd_config_free(&d.cfg);
		return 2;
	}
	if (rampartd_config_override(&d.cfg, socket_path, state_dir) != 0) {
		fprintf(stderr, "rampartd: out of memory\n");
		rampartd_config_free(&d.cfg);
		return 1;
	}
	d.signal_fd = open_signals();
	if (d.signal_fd < 0) {
		fprintf(stderr, "rampartd: signalfd: %s\n", strerror(errno));
		shutdown_daemon(&d);
		return 1;
	}
	if (start_state(&d, err, sizeof(err)) != 0 || start_outputs(&d, err, sizeof(err)) != 0) {
		fprintf(stderr, "rampartd: %s\n", err);
		shutdown_daemon(&d);
		return 1;
	}
	/* The main thread compiles every candidate rule set (a second of CPU
	 * for ET Open). On a box where data plane workers share CPUs with the
	 * daemon, they must win: nice 10 for this thread only (a TID is a
	 * PRIO_PROCESS target on Linux), set after the export and metrics
	 * threads started at normal priority. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
	rules_initial_build(&d);
	if (start_socket(&d, err, sizeof(err)) != 0) {
		fprintf(stderr, "rampartd: %s\n", err);
		shutdown_daemon(&d);
		return 1;
	}
	metrics_snapshot_update(&d);
	printf("rampartd: ready\n");
	fflush(stdout);
	rc = rampartd_run(&d);
	shutdown_daemon(&d);
	return rc;
}
