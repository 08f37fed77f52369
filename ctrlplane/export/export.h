/*
 * export.h - rampartd's export sinks: EVE file, syslog (RFC 5424), Redis.
 *
 * Contract: the daemon's ring-consumer thread pops EVE records from the data
 * plane's export ring and hands each one to export_submit. export_submit
 * copies the record once and enqueues it into every enabled sink's own
 * bounded queue WITHOUT blocking: when a sink's queue is full the record is
 * dropped for THAT sink only and counted (dropped_queue_full). Each sink has
 * its own writer thread, so a dead Redis or a stalled syslog receiver never
 * slows the EVE file, and never backs up into the data plane's ring.
 *
 * Sinks:
 *  - eve:    one JSON line per record, appended (or truncated at start when
 *            `append: no`), buffered; flushed whenever its queue runs empty
 *            and at least every 100 ms. export_reopen closes and reopens the
 *            file (logrotate: rename, then reopen creates a new file).
 *  - syslog: one RFC 5424 datagram per record,
 *            `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`, MSG = the
 *            EVE JSON, MSGID = alert|drop|firewall, TIMESTAMP = the record's
 *            time (UTC, microseconds). PRI = facility * 8 + severity where the
 *            severity follows the record's priority: 1 -> crit(2), 2 -> err(3),
 *            3 -> warning(4), anything else (0 = none, 4+) -> notice(5).
 *            Transport UDP (server:port) or a unix datagram socket (`path`,
 *            like /dev/log). A datagram longer than 8 KiB is truncated to
 *            8 KiB and counted (truncated). A unix receiver that stops
 *            reading: the writer holds the record and retries every 10 ms,
 *            its queue fills, later records drop (counted). A receiver that
 *            is gone or restarted: that record is an error, the writer
 *            reconnects (backoff 100 ms .. 5 s, records wait queued).
 *  - redis:  hiredis, connect and command timeouts (100 ms by default),
 *            pipelined batches of up to 256 records per round trip. Stream
 *            mode: `XADD key MAXLEN ~ N * eve <json>`; list mode:
 *            `RPUSH key <json>`. A dead server: the writer reconnects with a
 *            backoff of 100 ms doubling to 5 s; the batch in flight is resent
 *            after the reconnect; records arriving meanwhile fill the queue,
 *            then are dropped and counted.
 *
 * Counters are exact: for each sink, every submitted record ends up in
 * exactly one of written, dropped_queue_full, errors, or is still queued /
 * in flight (queued). After export_drain returned 0, queued is 0.
 *
 * Thread rules: export_config_* and export_start/export_stop from the
 * daemon's control thread; export_stop only once no thread can still call
 * export_submit (stop the ring consumer first). export_submit from any
 * thread (producers are serialised by a short producer-only lock that the
 * writers never take).
 * export_reopen, export_drain and export_counters from any thread except a
 * sink's writer. The SIGHUP handler must not call export_reopen itself (it
 * waits on a condition variable): set a flag and call it from the main loop.
 * Writer threads run with SIGPIPE blocked (a vanished peer gives EPIPE), so
 * the daemon needs no SIGPIPE handling for the sinks.
 */
#ifndef RAMPART_CTRLPLANE_EXPORT_H
#define RAMPART_CTRLPLANE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

struct export_rec_hdr; /* ctrlplane/link/export_ring.h */

enum export_sink_kind {
	EXPORT_SINK_EVE = 0,
	EXPORT_SINK_SYSLOG,
	EXPORT_SINK_REDIS,
	EXPORT_SINK_COUNT
};

/* "eve", "syslog", "redis": the `sink` label of the metrics. */
const char *export_sink_name(enum export_sink_kind sink);

#define EXPORT_DEFAULT_MAX_QUEUE 65536u
#define EXPORT_DEFAULT_REDIS_MAXLEN 100000u
#define EXPORT_DEFAULT_REDIS_TIMEOUT_MS 100u
#define EXPORT_SYSLOG_MAX_DATAGRAM 8192u
#define EXPORT_PATH_MAX 4096
#define EXPORT_NAME_MAX 256

enum export_syslog_transport { EXPORT_SYSLOG_UDP = 0, EXPORT_SYSLOG_UNIX };
enum export_redis_mode { EXPORT_REDIS_STREAM = 0, EXPORT_REDIS_LIST };

struct export_eve_config {
	bool enabled;                      /* default yes */
	bool append;                       /* default yes: never truncate at start */
	char filename[EXPORT_PATH_MAX];    /* default /var/log/rampart/eve.json */
	uint32_t max_queue;                /* records, default 65536 */
};

struct export_syslog_config {
	bool enabled;                      /* default no */
	enum export_syslog_transport transport; /* default udp */
	char server[EXPORT_NAME_MAX];      /* default 127.0.0.1 (name or address) */
	uint16_t port;                     /* default 514 */
	char path[108];                    /* unix transport: datagram socket path */
	int facility;                      /* 0..23, default local5 (21) */
	char ident[49];                    /* APP-NAME, default "rampart" (RFC 5424: <= 48) */
	uint32_t max_queue;
};

struct export_redis_config {
	bool enabled;                      /* default no */
	char server[EXPORT_NAME_MAX];      /* default 127.0.0.1 */
	uint16_t port;                     /* default 6379 */
	char socket[108];                  /* non-empty: unix socket instead of server:port */
	enum export_redis_mode mode;       /* default stream */
	char key[EXPORT_NAME_MAX];         /* default rampart:eve */
	uint64_t stream_maxlen;            /* `max-len`, default 100000 (approximate trim) */
	uint32_t timeout_ms;               /* `timeout-ms`: connect and command, default 100 */
	uint32_t max_queue;
};

struct export_config {
	struct export_eve_config eve;
	struct export_syslog_config syslog;
	struct export_redis_config redis;
};

/* Fills every field with the defaults above. */
void export_config_defaults(struct export_config *cfg);

/*
 * Parses rampart.yaml's `outputs:` mapping (node `outputs`, a mapping node of
 * `doc`) on top of what cfg holds (call export_config_defaults first).
 * Keys per sink: eve {enabled, filename, append, max-queue}; syslog {enabled,
 * transport udp|unix, server, port, path, facility (kern..local7 or 0..23),
 * ident, max-queue}; redis {enabled, server, port, socket, mode stream|list,
 * key, max-len, timeout-ms, max-queue}. Unknown sinks or keys are errors.
 * Returns 0, or -1 with "FILE:LINE: outputs.SINK.KEY: message" in err.
 */
int export_config_parse(const yaml_document_t *doc, const yaml_node_t *outputs, const char *file,
			struct export_config *cfg, char *err, size_t errlen);

/* Loads a standalone YAML file and parses its top-level `outputs:` key (a file
 * without one leaves the defaults). Same error format. */
int export_config_load_file(const char *path, struct export_config *cfg, char *err, size_t errlen);

struct exporter;

/*
 * Opens the EVE file (an error here is fatal: NULL, err says why), creates
 * each enabled sink's queue and writer thread. Syslog and Redis connect from
 * their writer threads, so an unreachable server does not fail start-up: it
 * shows as errors / reconnects. Nothing enabled is valid (records are then
 * simply discarded).
 */
struct exporter *export_start(const struct export_config *cfg, char *err, size_t errlen);

/* Enqueues one EVE record (json: len bytes, no '\n' needed; a trailing '\n'
 * is ignored) into every enabled sink. Never blocks on a sink, never fails
 * the caller: a full queue or an allocation failure is counted per sink.
 * Returns the number of sinks that queued it. */
unsigned export_submit(struct exporter *x, const struct export_rec_hdr *h, const char *json,
		       size_t len);

/* Asks the EVE writer to flush, close and reopen its file, and waits for it
 * (up to 2 s). 0, or -1 with err (the old file stays open when the new one
 * cannot be opened). No EVE sink: 0. */
int export_reopen(struct exporter *x, char *err, size_t errlen);

/* Waits until every sink's queue is empty and its writer has flushed what it
 * took (up to timeout_ms). 0 drained, -1 timed out (a dead Redis keeps its
 * records queued). */
int export_drain(struct exporter *x, unsigned timeout_ms);

struct export_counters {
	bool enabled;
	uint64_t submitted;          /* records offered to this sink */
	uint64_t written;            /* delivered: written to the file / sent / acknowledged */
	uint64_t dropped_queue_full; /* the sink's queue was full (or no memory) */
	uint64_t errors;             /* taken from the queue but lost: I/O error, server error reply */
	uint64_t reconnects;         /* successful (re)connections after the first one / file reopens */
	uint64_t truncated;          /* syslog: datagrams cut at 8 KiB (also counted in written) */
	uint64_t queued;             /* in the queue or in the writer's hands right now */
};

/* Snapshot of one sink's counters (a disabled sink reads all zero). */
void export_counters(const struct exporter *x, enum export_sink_kind sink, struct export_counters *out);

/* Stops every writer: drains for up to timeout_ms (0: default 2000 ms), then
 * joins; records still queued are counted as errors. Frees x. Final counters
 * are copied to final_out[EXPORT_SINK_COUNT] when non-NULL. NULL x: no-op. */
void export_stop(struct exporter *x, unsigned timeout_ms, struct export_counters *final_out);

#endif /* RAMPART_CTRLPLANE_EXPORT_H */
