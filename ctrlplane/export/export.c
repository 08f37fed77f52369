/*
 * export.c - the exporter: record copies, per-sink bounded queues, writer
 * threads' life cycle, counters. The sinks themselves live in *_sink.c.
 */
#include "ctrlplane/export/export.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "ctrlplane/export/export_internal.h"
#include "ctrlplane/link/export_ring.h"

struct exporter {
	struct export_config cfg;
	struct export_sink *sinks[EXPORT_SINK_COUNT]; /* NULL: disabled */
	pthread_mutex_t producer_lock;
};

static const char *const sink_names[EXPORT_SINK_COUNT] = {"eve", "syslog", "redis"};

const char *export_sink_name(enum export_sink_kind sink)
{
	return (unsigned)sink < EXPORT_SINK_COUNT ? sink_names[sink] : "?";
}

uint64_t export_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void export_record_release(struct export_record *r)
{
	if (r && atomic_fetch_sub(&r->refs, 1) == 1)
		free(r);
}

/* ---- queue, writer side ------------------------------------------------ */

bool export_sink_queue_empty(const struct export_sink *s)
{
	return atomic_load(&s->head) == atomic_load(&s->tail);
}

unsigned export_sink_pop(struct export_sink *s, struct export_record **out, unsigned max)
{
	uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&s->tail, memory_order_acquire);
	unsigned n = 0;

	while (n < max && head + n != tail) {
		uint64_t i = (head + n) % s->cap;

		out[n] = s->slots[i];
		s->slots[i] = NULL;
		n++;
	}
	if (n)
		atomic_store_explicit(&s->head, head + n, memory_order_release);
	return n;
}

void export_sink_settle(struct export_sink *s, uint64_t n_written, uint64_t n_errors)
{
	if (n_written)
		atomic_fetch_add(&s->written, n_written);
	if (n_errors)
		atomic_fetch_add(&s->errors, n_errors);
}

void export_sink_kick(struct export_sink *s)
{
	uint64_t one = 1;
	ssize_t r = write(s->wake_fd, &one, sizeof(one));

	(void)r; /* an eventfd write only fails when the counter is saturated: already awake */
}

void export_sink_wait(struct export_sink *s, int timeout_ms, bool wake_on_records)
{
	struct pollfd pfd = {.fd = s->wake_fd, .events = POLLIN};
	uint64_t drain;

	if (wake_on_records) {
		/* Announce the sleep, then look again: a producer that pushed
		 * before seeing the flag is caught by this second look (both
		 * sides use sequentially consistent atomics). */
		atomic_store(&s->writer_sleeping, true);
		if (!export_sink_queue_empty(s) || atomic_load(&s->stopping) || atomic_load(&s->abort_now) ||
		    atomic_load(&s->reopen_pending)) {
			atomic_store(&s->writer_sleeping, false);
			return;
		}
	} else if (atomic_load(&s->abort_now) || atomic_load(&s->reopen_pending)) {
		/* Not on stopping: a sink waiting out a backoff while the
		 * exporter drains must sleep, not spin, until abort. */
		return;
	}
	if (poll(&pfd, 1, timeout_ms) > 0) {
		ssize_t r = read(s->wake_fd, &drain, sizeof(drain));

		(void)r;
	}
	atomic_store(&s->writer_sleeping, false);
}

/* ---- queue, producer side (under producer_lock) ---------------------- */

static bool sink_has_room(const struct export_sink *s)
{
	return atomic_load_explicit(&s->tail, memory_order_relaxed) - atomic_load(&s->head) < s->cap;
}

static void sink_push(struct export_sink *s, struct export_record *r)
{
	uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);

	s->slots[tail % s->cap] = r;
	atomic_store(&s->tail, tail + 1);
	if (atomic_load(&s->writer_sleeping) && atomic_exchange(&s->writer_sleeping, false))
		export_sink_kick(s);
}

unsigned export_submit(struct exporter *x, const struct export_rec_hdr *h, const char *json, size_t len)
{
	struct export_sink *room[EXPORT_SINK_COUNT];
	struct export_record *r;
	unsigned n_room = 0;

	if (!x)
		return 0;
	while (len && (json[len - 1] == '\n' || json[len - 1] == '\r'))
		len--;
	if (len > UINT32_MAX)
		len = UINT32_MAX;

	pthread_mutex_lock(&x->producer_lock);
	for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++) {
		struct export_sink *s = x->sinks[k];

		if (!s)
			continue;
		atomic_fetch_add(&s->submitted, 1);
		if (sink_has_room(s))
			room[n_room++] = s;
		else
			atomic_fetch_add(&s->dropped, 1);
	}
	if (!n_room)
		goto out;
	r = malloc(sizeof(*r) + len + 1);
	if (!r) {
		for (unsigned i = 0; i < n_room; i++)
			atomic_fetch_add(&room[i]->dropped, 1);
		n_room = 0;
		goto out;
	}
	atomic_init(&r->refs, n_room);
	r->kind = h ? h->kind : EXPORT_REC_ALERT;
	r->priority = h ? h->priority : 0;
	r->ts_usec = h ? h->ts_usec : 0;
	r->len = (uint32_t)len;
	memcpy(r->json, json, len);
	r->json[len] = '\0';
	for (unsigned i = 0; i < n_room; i++)
		sink_push(room[i], r);
out:
	pthread_mutex_unlock(&x->producer_lock);
	return n_room;
}

/* ---- life cycle -------------------------------------------------------- */

static void sink_free(struct export_sink *s)
{
	if (!s)
		return;
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	pthread_mutex_destroy(&s->ctl_lock);
	pthread_cond_destroy(&s->ctl_cond);
	free(s->slots);
	free(s);
}

static struct export_sink *sink_new(const struct export_config *cfg, enum export_sink_kind kind, uint32_t cap)
{
	struct export_sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->kind = kind;
	s->cfg = cfg;
	s->cap = cap ? cap : EXPORT_DEFAULT_MAX_QUEUE;
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&s->ctl_lock, NULL);
	pthread_cond_init(&s->ctl_cond, NULL);
	s->slots = calloc(s->cap, sizeof(*s->slots));
	if (s->wake_fd < 0 || !s->slots) {
		sink_free(s);
		return NULL;
	}
	return s;
}

static int sink_open(struct export_sink *s, char *err, size_t errlen)
{
	switch (s->kind) {
	case EXPORT_SINK_EVE: return eve_sink_open(s, err, errlen);
	case EXPORT_SINK_SYSLOG: return syslog_sink_open(s, err, errlen);
	case EXPORT_SINK_REDIS: return redis_sink_open(s, err, errlen);
	default: return -1;
	}
}

static void sink_close(struct export_sink *s)
{
	switch (s->kind) {
	case EXPORT_SINK_EVE: eve_sink_close(s); break;
	case EXPORT_SINK_SYSLOG: syslog_sink_close(s); break;
	case EXPORT_SINK_REDIS: redis_sink_close(s); break;
	default: break;
	}
}

static void *(*const sink_main[EXPORT_SINK_COUNT])(void *) = {eve_sink_main, syslog_sink_main, redis_sink_main};

static void stop_sinks(struct exporter *x, unsigned timeout_ms);

struct exporter *export_start(const struct export_config *cfg, char *err, size_t errlen)
{
	struct exporter *x = calloc(1, sizeof(*x));
	bool enabled[EXPORT_SINK_COUNT];
	uint32_t caps[EXPORT_SINK_COUNT];

	if (!x) {
		snprintf(err, errlen, "export: out of memory");
		return NULL;
	}
	x->cfg = *cfg;
	pthread_mutex_init(&x->producer_lock, NULL);
	enabled[EXPORT_SINK_EVE] = cfg->eve.enabled;
	enabled[EXPORT_SINK_SYSLOG] = cfg->syslog.enabled;
	enabled[EXPORT_SINK_REDIS] = cfg->redis.enabled;
	caps[EXPORT_SINK_EVE] = cfg->eve.max_queue;
	caps[EXPORT_SINK_SYSLOG] = cfg->syslog.max_queue;
	caps[EXPORT_SINK_REDIS] = cfg->redis.max_queue;

	for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++) {
		struct export_sink *s;

		if (!enabled[k])
			continue;
		s = sink_new(&x->cfg, (enum export_sink_kind)k, caps[k]);
		if (!s) {
			snprintf(err, errlen, "export: %s: out of memory for a queue of %u records", sink_names[k],
				 caps[k]);
			goto fail;
		}
		x->sinks[k] = s;
		if (sink_open(s, err, errlen) < 0) {
			x->sinks[k] = NULL;
			sink_free(s);
			goto fail;
		}
	}
	/* Writers run with SIGPIPE blocked: a peer that went away (a killed
	 * Redis, a syslog socket) must give EPIPE, not kill the daemon, whatever
	 * the process's own SIGPIPE disposition is. Threads inherit the mask. */
	sigset_t pipe_set, old_set;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++) {
		struct export_sink *s = x->sinks[k];
		int rc;

		if (!s)
			continue;
		rc = pthread_create(&s->thread, NULL, sink_main[k], s);
		if (rc) {
			pthread_sigmask(SIG_SETMASK, &old_set, NULL);
			snprintf(err, errlen, "export: %s: cannot start its writer thread: %s", sink_names[k],
				 strerror(rc));
			goto fail;
		}
		s->thread_started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	return x;
fail:
	stop_sinks(x, 0);
	for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++)
		sink_free(x->sinks[k]);
	pthread_mutex_destroy(&x->producer_lock);
	free(x);
	return NULL;
}

static uint64_t sink_queued(const struct export_sink *s)
{
	uint64_t settled = atomic_load(&s->written) + atomic_load(&s->dropped) + atomic_load(&s->errors);
	uint64_t submitted = atomic_load(&s->submitted);

	return submitted > settled ? submitted - settled : 0;
}

void export_counters(const struct exporter *x, enum export_sink_kind sink, struct export_counters *out)
{
	const struct export_sink *s;

	memset(out, 0, sizeof(*out));
	if (!x || (unsigned)sink >= EXPORT_SINK_COUNT || !(s = x->sinks[sink]))
		return;
	out->enabled = true;
	out->written = atomic_load(&s->written);
	out->dropped_queue_full = atomic_load(&s->dropped);
	out->errors = atomic_load(&s->errors);
	out->reconnects = atomic_load(&s->reconnects);
	out->truncated = atomic_load(&s->truncated);
	/* Read last: it is bumped first, so submitted >= the sum read above. */
	out->submitted = atomic_load(&s->submitted);
	out->queued = out->submitted - out->written - out->dropped_queue_full - out->errors;
}

int export_drain(struct exporter *x, unsigned timeout_ms)
{
	uint64_t deadline = export_now_ms() + timeout_ms;

	if (!x)
		return 0;
	for (;;) {
		bool busy = false;

		for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++)
			if (x->sinks[k] && sink_queued(x->sinks[k]))
				busy = true;
		if (!busy)
			return 0;
		if (export_now_ms() >= deadline)
			return -1;
		usleep(1000);
	}
}

int export_reopen(struct exporter *x, char *err, size_t errlen)
{
	struct export_sink *s = x ? x->sinks[EXPORT_SINK_EVE] : NULL;
	struct timespec deadline;
	uint64_t want;
	int rc = 0;

	if (!s)
		return 0;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 2;
	pthread_mutex_lock(&s->ctl_lock);
	want = ++s->reopen_requested;
	atomic_store(&s->reopen_pending, true);
	export_sink_kick(s);
	while (s->reopen_done < want && rc == 0)
		rc = pthread_cond_timedwait(&s->ctl_cond, &s->ctl_lock, &deadline);
	if (s->reopen_done < want) {
		snprintf(err, errlen, "export: eve: the writer did not reopen %s within 2 s",
			 x->cfg.eve.filename);
		rc = -1;
	} else if (s->reopen_result < 0) {
		snprintf(err, errlen, "%s", s->reopen_err);
		rc = -1;
	} else {
		rc = 0;
	}
	pthread_mutex_unlock(&s->ctl_lock);
	return rc;
}

/* Stops and frees every sink: drain up to timeout_ms, then abort. */
static void stop_sinks(struct exporter *x, unsigned timeout_ms)
{
	uint64_t deadline = export_now_ms() + timeout_ms;

	for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++) {
		if (x->sinks[k]) {
			atomic_store(&x->sinks[k]->stopping, true);
			export_sink_kick(x->sinks[k]);
		}
	}
	for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++) {
		struct export_sink *s = x->sinks[k];

		if (!s)
			continue;
		if (s->thread_started) {
			while (sink_queued(s) && export_now_ms() < deadline)
				usleep(1000);
			atomic_store(&s->abort_now, true);
			export_sink_kick(s);
			pthread_join(s->thread, NULL);
		}
		/* Whatever is still queued is lost: settle it as errors. */
		for (;;) {
			struct export_record *batch[64];
			unsigned n = export_sink_pop(s, batch, 64);

			if (!n)
				break;
			for (unsigned i = 0; i < n; i++)
				export_record_release(batch[i]);
			export_sink_settle(s, 0, n);
		}
		sink_close(s);
	}
}

void export_stop(struct exporter *x, unsigned timeout_ms, struct export_counters *final_out)
{
	if (!x)
		return;
	stop_sinks(x, timeout_ms ? timeout_ms : 2000);
	if (final_out)
		for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++)
			export_counters(x, (enum export_sink_kind)k, &final_out[k]);
	for (unsigned k = 0; k < EXPORT_SINK_COUNT; k++) {
		sink_free(x->sinks[k]);
		x->sinks[k] = NULL;
	}
	pthread_mutex_destroy(&x->producer_lock);
	free(x);
}
