/*
 * export_internal.h - what the export front (export.c) shares with the sink
 * writers (eve_sink.c, syslog_sink.c, redis_sink.c). Not for other modules.
 *
 * A record is copied once by export_submit and shared by every sink that
 * queued it (reference count). Each sink owns a bounded single-producer /
 * single-consumer ring of record pointers: producers are serialised by the
 * exporter's producer lock, the sink's writer thread is the only consumer.
 * Counters are atomics: a record popped by a writer is "in hand" until the
 * writer settles it as written or as an error (export_sink_settle).
 */
#ifndef RAMPART_CTRLPLANE_EXPORT_INTERNAL_H
#define RAMPART_CTRLPLANE_EXPORT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrlplane/export/export.h"

struct export_record {
	atomic_uint refs;
	uint8_t kind;      /* EXPORT_REC_ALERT / _DROP / _FIREWALL */
	uint8_t priority;
	uint64_t ts_usec;
	uint32_t len;      /* bytes of json, no '\n', NUL follows */
	char json[];
};

void export_record_release(struct export_record *r);

struct export_sink {
	enum export_sink_kind kind;
	const struct export_config *cfg; /* the exporter's copy */

	/* The queue. tail: producers (under the exporter's lock); head: writer. */
	struct export_record **slots;
	uint32_t cap;
	_Atomic uint64_t head;
	_Atomic uint64_t tail;

	int wake_fd;                 /* eventfd: records arrived / control request */
	atomic_bool writer_sleeping; /* set by a writer about to wait for records */
	atomic_bool stopping;        /* drain what is queued, then exit */
	atomic_bool abort_now;       /* exit at once, settle what is in hand as errors */

	_Atomic uint64_t submitted, written, dropped, errors, reconnects, truncated;

	/* Reopen requests (EVE): a generation handshake under ctl_lock. */
	pthread_mutex_t ctl_lock;
	pthread_cond_t ctl_cond;
	uint64_t reopen_requested, reopen_done;
	int reopen_result;
	char reopen_err[256];
	atomic_bool reopen_pending;

	pthread_t thread;
	bool thread_started;
	void *impl; /* the sink's own state */
};

/* Writer side. Pops up to max records (oldest first). */
unsigned export_sink_pop(struct export_sink *s, struct export_record **out, unsigned max);
/* Settles records the writer took: counted written / errors. */
void export_sink_settle(struct export_sink *s, uint64_t n_written, uint64_t n_errors);
/* Sleeps up to timeout_ms (< 0: until woken). When wake_on_records is false
 * only control requests (abort, reopen, a kick) wake it early: used while a
 * sink waits out a reconnect backoff with records queued. */
void export_sink_wait(struct export_sink *s, int timeout_ms, bool wake_on_records);
bool export_sink_queue_empty(const struct export_sink *s);
/* Wakes the writer unconditionally (control requests). */
void export_sink_kick(struct export_sink *s);

uint64_t export_now_ms(void);

/* Backoff shared by the network sinks: 100 ms doubling to 5 s. */
#define EXPORT_BACKOFF_MIN_MS 100u
#define EXPORT_BACKOFF_MAX_MS 5000u

/* Per-sink hooks. open: control thread, before the writer starts (may fail
 * start-up); main: the writer thread; close: after join, frees impl. */
int eve_sink_open(struct export_sink *s, char *err, size_t errlen);
void *eve_sink_main(void *arg);
void eve_sink_close(struct export_sink *s);

int syslog_sink_open(struct export_sink *s, char *err, size_t errlen);
void *syslog_sink_main(void *arg);
void syslog_sink_close(struct export_sink *s);
/* Formats one RFC 5424 message into out (cap bytes): returns its length,
 * at most cap; *truncated set when the message did not fit. */
size_t syslog_format(char *out, size_t cap, int facility, const char *hostname, const char *ident,
		     long procid, const struct export_record *r, bool *truncated);

int redis_sink_open(struct export_sink *s, char *err, size_t errlen);
void *redis_sink_main(void *arg);
void redis_sink_close(struct export_sink *s);

#endif /* RAMPART_CTRLPLANE_EXPORT_INTERNAL_H */
