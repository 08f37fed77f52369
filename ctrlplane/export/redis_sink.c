/*
 * redis_sink.c - Redis stream (XADD) or list (RPUSH) through hiredis.
 *
 * A blocking hiredis context with connect and command timeouts
 * (`timeout-ms`, default 100 ms), used only by this writer thread. Records go
 * in pipelined batches of up to 256 commands per round trip. Each reply
 * settles one record: a normal reply is written, an error reply (WRONGTYPE,
 * OOM ...) an error. When the connection breaks, the records whose replies
 * did not arrive stay in the writer's hands and are sent again after the
 * reconnect (at-least-once: a server that executed a command but whose reply
 * was lost sees it twice). Reconnects back off from 100 ms doubling to 5 s;
 * meanwhile the queue fills and export_submit drops and counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ctrlplane/export/export_internal.h"

#define REDIS_BATCH 256

struct redis_sink {
	redisContext *ctx;
	bool ever_connected;
	uint32_t backoff_ms;
	uint64_t next_attempt_ms;
	struct export_record *batch[REDIS_BATCH];
	unsigned n_batch;
	char maxlen[24];
};

int redis_sink_open(struct export_sink *s, char *err, size_t errlen)
{
	struct redis_sink *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "export: redis: out of memory");
		return -1;
	}
	r->backoff_ms = EXPORT_BACKOFF_MIN_MS;
	snprintf(r->maxlen, sizeof(r->maxlen), "%llu", (unsigned long long)s->cfg->redis.stream_maxlen);
	s->impl = r;
	return 0;
}

void redis_sink_close(struct export_sink *s)
{
	struct redis_sink *r = s->impl;

	if (!r)
		return;
	if (r->ctx)
		redisFree(r->ctx);
	for (unsigned i = 0; i < r->n_batch; i++)
		export_record_release(r->batch[i]);
	free(r);
	s->impl = NULL;
}

static void redis_schedule_retry(struct redis_sink *r)
{
	r->next_attempt_ms = export_now_ms() + r->backoff_ms;
	r->backoff_ms = r->backoff_ms * 2 > EXPORT_BACKOFF_MAX_MS ? EXPORT_BACKOFF_MAX_MS : r->backoff_ms * 2;
}

static bool redis_connect(struct export_sink *s, struct redis_sink *r)
{
	const struct export_redis_config *c = &s->cfg->redis;
	struct timeval tv = {.tv_sec = c->timeout_ms / 1000, .tv_usec = (c->timeout_ms % 1000) * 1000};

	r->ctx = c->socket[0] ? redisConnectUnixWithTimeout(c->socket, tv)
			      : redisConnectWithTimeout(c->server, c->port, tv);
	if (!r->ctx || r->ctx->err || redisSetTimeout(r->ctx, tv) != REDIS_OK) {
		if (r->ctx)
			redisFree(r->ctx);
		r->ctx = NULL;
		redis_schedule_retry(r);
		return false;
	}
	if (r->ever_connected)
		atomic_fetch_add(&s->reconnects, 1);
	r->ever_connected = true;
	r->backoff_ms = EXPORT_BACKOFF_MIN_MS;
	return true;
}

static void redis_drop_connection(struct redis_sink *r)
{
	redisFree(r->ctx);
	r->ctx = NULL;
	redis_schedule_retry(r);
}

/* Sends r->batch in one pipeline. Settles what got a reply; on a broken
 * connection keeps the unanswered tail in r->batch and drops the context. */
static void redis_send_batch(struct export_sink *s, struct redis_sink *r)
{
	const struct export_redis_config *c = &s->cfg->redis;
	uint64_t ok = 0, failed = 0;
	unsigned done = 0;

	for (unsigned i = 0; i < r->n_batch; i++) {
		struct export_record *rec = r->batch[i];
		const char *argv[8];
		size_t argl[8];
		int argc = 0;

#define ARG(p, l) (argv[argc] = (p), argl[argc] = (l), argc++)
		if (c->mode == EXPORT_REDIS_STREAM) {
			ARG("XADD", 4);
			ARG(c->key, strlen(c->key));
			if (c->stream_maxlen) {
				ARG("MAXLEN", 6);
				ARG("~", 1);
				ARG(r->maxlen, strlen(r->maxlen));
			}
			ARG("*", 1);
			ARG("eve", 3);
		} else {
			ARG("RPUSH", 5);
			ARG(c->key, strlen(c->key));
		}
		ARG(rec->json, rec->len);
#undef ARG
		if (redisAppendCommandArgv(r->ctx, argc, argv, argl) != REDIS_OK) {
			redis_drop_connection(r);
			return;
		}
	}
	for (; done < r->n_batch; done++) {
		redisReply *reply = NULL;

		if (redisGetReply(r->ctx, (void **)&reply) != REDIS_OK || !reply) {
			if (reply)
				freeReplyObject(reply);
			break;
		}
		if (reply->type == REDIS_REPLY_ERROR)
			failed++;
		else
			ok++;
		freeReplyObject(reply);
		export_record_release(r->batch[done]);
	}
	export_sink_settle(s, ok, failed);
	if (done < r->n_batch) {
		memmove(r->batch, r->batch + done, (r->n_batch - done) * sizeof(r->batch[0]));
		r->n_batch -= done;
		redis_drop_connection(r);
		return;
	}
	r->n_batch = 0;
}

void *redis_sink_main(void *arg)
{
	struct export_sink *s = arg;
	struct redis_sink *r = s->impl;

	while (!atomic_load(&s->abort_now)) {
		if (atomic_load(&s->reopen_pending))
			atomic_store(&s->reopen_pending, false);
		if (!r->ctx) {
			uint64_t now = export_now_ms();

			if (now < r->next_attempt_ms) {
				export_sink_wait(s, (int)(r->next_attempt_ms - now), false);
				continue;
			}
			if (!redis_connect(s, r))
				continue;
		}
		if (r->n_batch == 0)
			r->n_batch = export_sink_pop(s, r->batch, REDIS_BATCH);
		if (r->n_batch == 0) {
			if (atomic_load(&s->stopping))
				break;
			export_sink_wait(s, 1000, true);
			continue;
		}
		redis_send_batch(s, r);
	}
	/* Aborted: what is still in hand is lost. */
	export_sink_settle(s, 0, r->n_batch);
	for (unsigned i = 0; i < r->n_batch; i++)
		export_record_release(r->batch[i]);
	r->n_batch = 0;
	return NULL;
}
