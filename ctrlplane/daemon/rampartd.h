/*
 * rampartd.h - the daemon's state and the calls its files share.
 *
 * One thread (main) owns everything here: the poll loop (server.c) accepts
 * connections, reads every message, runs commands (commands*.c), drives the
 * one configuration change in flight (change.c) and talks to the data planes
 * (dataplane.c). Two other threads exist and touch only what is marked:
 *  - the export consumer (export_consumer.c): pops the data planes' export
 *    rings and hands records to the export sinks; shares the ring list under
 *    its own mutex;
 *  - libmicrohttpd's thread (metrics_render.c): reads the metrics snapshot
 *    under its mutex.
 *
 * Not a public interface: only files in ctrlplane/daemon include it.
 */
#ifndef RAMPART_CTRLPLANE_RAMPARTD_H
#define RAMPART_CTRLPLANE_RAMPARTD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "ctrlplane/daemon/daemon_config.h"
#include "ctrlplane/metrics/prom_text.h"

#define RAMPARTD_LOAD_TIMEOUT_S   120.0  /* a data plane's answer to `load` */
#define RAMPARTD_HELLO_TIMEOUT_S  5.0    /* a new connection's first message */
#define RAMPARTD_MAX_INFLIGHT     8      /* loads sent to one dp, not yet answered */

struct export_ring;
struct exporter;
struct metrics_server;
struct rules_mgr;
struct policy_store;
struct audit_log;
struct rampartd;

/* Alerts counted per rule by the export consumer (open addressing). */
struct sid_count {
	uint32_t gid, sid;
	uint64_t alerts;
};
#define RAMPARTD_MAX_SIDS 65536  /* rules counted by sid; more are counted under sid "other" */

enum session_role { SESSION_NEW = 0, SESSION_CTL, SESSION_DP };

/* A `load` sent to a data plane, awaiting its load-result (answers come in order). */
struct dp_load_sent {
	uint64_t generation;
	char sha256[65];
	uint32_t policy_version;
	uint64_t change_id;    /* the change it belongs to; 0: a resync (attach, roll-back) */
	double sent_at;
};

struct dp_state {
	pid_t pid;
	unsigned workers;
	json_t *ports;                        /* from hello: [{"id":0,"name":"veth-a"}...] */
	/* what the data plane runs (from hello, then from each ok load-result) */
	uint64_t generation;
	char sha256[65];                      /* "" when it runs no rules */
	uint32_t policy_version;              /* 0: none */
	struct export_ring *ring;             /* consumer side; owned by the export consumer list */
	struct dp_load_sent inflight[RAMPARTD_MAX_INFLIGHT];
	unsigned n_inflight;
	json_t *last_load;                    /* last load-result */
	json_t *stats;                        /* last stats-result's "stats" */
	uint64_t stats_id;
	double attached_at;
};

struct session {
	int fd;
	enum session_role role;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	double accepted_at;
	/* SESSION_CTL: the command waiting for its turn (a change is in flight) */
	json_t *argv;
	bool queued;
	bool dead;                            /* closed: reaped by the loop */
	struct dp_state *dp;                  /* SESSION_DP */
	struct session *next;
};

/* The one configuration change in flight (change.c). */
struct change {
	uint64_t id;
	struct session *ctl;                  /* who asked; NULL: the daemon itself (TTL expiry) */
	char *command;                        /* argv joined, for the audit log */
	uid_t uid;                            /* the caller (audited even if it hung up) */
	pid_t pid;
	/* what goes to every data plane */
	char *rules_text;                     /* NULL: the current bundle */
	size_t rules_len;
	uint8_t *hsdb;                        /* the bundle's serialized Hyperscan cache; NULL: none */
	size_t hsdb_len;
	char sha256[65];
	uint64_t generation;
	uint32_t policy_version;
	char *config_yaml;
	size_t config_len;
	/* apply / drop what the command prepared; commit returns 0 or -1 with err */
	int (*commit)(struct rampartd *d, struct change *c, char *err, size_t errlen);
	void (*discard)(struct rampartd *d, struct change *c);
	void *arg;
	bool is_reload;                       /* counts in rampart_reloads_total */
	/* the reply */
	char *text;                           /* lines the command prepared */
	json_t *data;
	/* progress */
	unsigned n_waiting;
	double started_at, deadline;
	json_t *results;                      /* [{"pid":..,"ok":..,...}] */
	char refused[512];                    /* first refusal, "" when none */
};

struct rampartd {
	struct rampartd_config cfg;
	char *socket_path;
	gid_t socket_gid;                     /* (gid_t)-1: no socket-group */
	struct audit_log *audit;
	struct rules_mgr *rules;
	struct policy_store *policy;
	struct exporter *exporter;
	struct metrics_server *metrics;
	int listen_fd;
	int signal_fd;
	bool stop;
	double started_at;
	struct session *sessions;
	struct change *change;
	uint64_t next_change_id;
	bool policy_dirty;                    /* blocklist expired while a change was in flight */
	/* counters for status and metrics */
	uint64_t reloads_ok, reloads_refused;
	double last_reload_seconds;
	uint64_t rules_loaded;                /* rules in the current bundle */
	uint64_t stats_seq;

	/* the export consumer thread */
	pthread_t consumer;
	bool consumer_running;
	pthread_mutex_t rings_lock;
	struct export_ring **rings;           /* under rings_lock */
	size_t n_rings, cap_rings;
	bool consumer_stop;                   /* __atomic: set by main, read by the consumer */
	uint64_t consumer_records;            /* under rings_lock */
	struct sid_count *sid_counts;         /* alerts per gid:sid, under rings_lock */
	size_t sid_cap, n_sids;

	/* metrics snapshot, rendered by the main thread */
	pthread_mutex_t metrics_lock;
	struct prom_buf metrics_text;         /* under metrics_lock */
};

/* util */
double rampartd_now(void);                /* CLOCK_MONOTONIC seconds */
char *rampartd_join_argv(const json_t *argv);   /* "policy add --name x"; malloc */

/* server.c */
int rampartd_run(struct rampartd *d);
void session_close(struct rampartd *d, struct session *s);   /* marks dead; the loop frees */
void sessions_close_all(struct rampartd *d);
/* Reply to a rampartctl session and close it. Audits when `audited`. */
void ctl_reply_ok(struct rampartd *d, struct session *s, const char *text, json_t *data, const char *audit_cmd);
void ctl_reply_error(struct rampartd *d, struct session *s, const char *error, const char *audit_cmd);

/* commands.c: run one rampartctl command (replies, or starts a change) */
void command_run(struct rampartd *d, struct session *s, const json_t *argv);
bool command_changes_config(const json_t *argv);
/* commands_policy.c */
void command_policy(struct rampartd *d, struct session *s, int argc, const char **argv, const char *line);
void command_block(struct rampartd *d, struct session *s, int argc, const char **argv, const char *line);
/* commands_rules.c */
void command_rules(struct rampartd *d, struct session *s, int argc, const char **argv, const char *line);
/* The daemon's own bundle when it has none yet (start-up); prints why when refused. */
void rules_initial_build(struct rampartd *d);

/* change.c */
struct change *change_new(struct rampartd *d, struct session *ctl, const char *command);
/* Fill the data-plane payload with what runs now (current bundle, current policy). 0 or -1. */
int change_use_current(struct rampartd *d, struct change *c);
/* Send to every data plane (or commit at once when none is attached). Takes c. */
void change_start(struct rampartd *d, struct change *c);
/* A data plane answered a load that belonged to the change. */
void change_dp_result(struct rampartd *d, struct session *dp, const json_t *result);
/* A data plane went away: stop waiting for it. */
void change_dp_gone(struct rampartd *d, struct session *dp);
void change_tick(struct rampartd *d);     /* timeout */
void change_free(struct change *c);

/* dataplane.c */
void dp_hello(struct rampartd *d, struct session *s, const json_t *msg, const int *fds, unsigned n_fds);
void dp_message(struct rampartd *d, struct session *s, const json_t *msg);
void dp_detach(struct rampartd *d, struct session *s);
/* Send `load` with the given payload (fds: rules text, config YAML, Hyperscan
 * cache - an empty memfd when hsdb is NULL); 0 or -1 (the session is then closed). */
int dp_send_load(struct rampartd *d, struct session *s, uint64_t generation, const char *sha256,
		 uint32_t policy_version, const char *rules, size_t rules_len, const char *config,
		 size_t config_len, const uint8_t *hsdb, size_t hsdb_len, uint64_t change_id);
/* Send the current bundle + policy when the data plane runs something else. */
void dp_sync(struct rampartd *d, struct session *s, bool force);
void dp_request_stats(struct rampartd *d);
unsigned dp_count(const struct rampartd *d);

/* export_consumer.c */
int export_consumer_start(struct rampartd *d, char *err, size_t errlen);
void export_consumer_add(struct rampartd *d, struct export_ring *r);
void export_consumer_remove(struct rampartd *d, struct export_ring *r); /* and closes r */
void export_consumer_stop(struct rampartd *d);
/* rampart_alerts_total{sid} and rampart_export_ring_dropped_total (any thread). */
void export_consumer_render(struct rampartd *d, struct prom_buf *out);
uint64_t export_consumer_ring_dropped(struct rampartd *d);

/* metrics_render.c */
void metrics_snapshot_update(struct rampartd *d);
void metrics_render(struct prom_buf *out, void *ctx);  /* libmicrohttpd's thread */

/* status / stats text (commands_status.c) */
void command_status(struct rampartd *d, struct session *s);
void command_stats(struct rampartd *d, struct session *s);

#endif /* RAMPART_CTRLPLANE_RAMPARTD_H */
