/*
 * eve_sink.c - the EVE file sink: one JSON line per record, appended.
 *
 * The writer batches lines into a 256 KiB buffer and writes it when it is
 * full, when the queue runs empty, and at least every 100 ms, so the file is
 * current whenever traffic pauses and never more than 100 ms behind under
 * load. A record counts as written once write(2) took it; a failed write
 * (disk full, EIO) settles the buffered records as errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ctrlplane/export/export_internal.h"

#define EVE_BUF_SIZE (256 * 1024)
#define EVE_FLUSH_MS 100
#define EVE_BATCH 64

struct eve_sink {
	int fd;
	char *buf;
	size_t len;
	uint64_t n_buffered; /* records whose bytes sit in buf */
	uint64_t last_flush_ms;
};

static int eve_open_file(const char *path, bool truncate, char *err, size_t errlen)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND);
	int fd = open(path, flags, 0640);

	if (fd < 0)
		snprintf(err, errlen, "export: eve: cannot open %s: %s", path, strerror(errno));
	return fd;
}

int eve_sink_open(struct export_sink *s, char *err, size_t errlen)
{
	struct eve_sink *e = calloc(1, sizeof(*e));

	if (!e || !(e->buf = malloc(EVE_BUF_SIZE))) {
		free(e);
		snprintf(err, errlen, "export: eve: out of memory");
		return -1;
	}
	e->fd = eve_open_file(s->cfg->eve.filename, !s->cfg->eve.append, err, errlen);
	if (e->fd < 0) {
		free(e->buf);
		free(e);
		return -1;
	}
	e->last_flush_ms = export_now_ms();
	s->impl = e;
	return 0;
}

void eve_sink_close(struct export_sink *s)
{
	struct eve_sink *e = s->impl;

	if (!e)
		return;
	if (e->fd >= 0)
		close(e->fd);
	free(e->buf);
	free(e);
	s->impl = NULL;
}

/* Writes iov fully (short writes continue); 0 or -1 errno. */
static int write_all(int fd, struct iovec *iov, int iovcnt)
{
	while (iovcnt > 0) {
		ssize_t n = writev(fd, iov, iovcnt);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static void eve_flush(struct export_sink *s, struct eve_sink *e)
{
	e->last_flush_ms = export_now_ms();
	if (!e->len)
		return;
	struct iovec iov = {.iov_base = e->buf, .iov_len = e->len};

	if (write_all(e->fd, &iov, 1) == 0)
		export_sink_settle(s, e->n_buffered, 0);
	else
		export_sink_settle(s, 0, e->n_buffered);
	e->len = 0;
	e->n_buffered = 0;
}

static void eve_put(struct export_sink *s, struct eve_sink *e, const struct export_record *r)
{
	size_t need = (size_t)r->len + 1;

	if (e->len + need > EVE_BUF_SIZE)
		eve_flush(s, e);
	if (need > EVE_BUF_SIZE) {
		/* A record bigger than the buffer goes out on its own. */
		struct iovec iov[2] = {{.iov_base = (void *)r->json, .iov_len = r->len},
				       {.iov_base = (void *)"\n", .iov_len = 1}};

		if (write_all(e->fd, iov, 2) == 0)
			export_sink_settle(s, 1, 0);
		else
			export_sink_settle(s, 0, 1);
		return;
	}
	memcpy(e->buf + e->len, r->json, r->len);
	e->buf[e->len + r->len] = '\n';
	e->len += need;
	e->n_buffered++;
}

static void eve_handle_reopen(struct export_sink *s, struct eve_sink *e)
{
	char err[256] = "";
	int fd;

	atomic_store(&s->reopen_pending, false);
	eve_flush(s, e);
	fd = eve_open_file(s->cfg->eve.filename, false, err, sizeof(err));
	pthread_mutex_lock(&s->ctl_lock);
	if (fd >= 0) {
		close(e->fd);
		e->fd = fd;
		atomic_fetch_add(&s->reconnects, 1);
		s->reopen_result = 0;
	} else {
		s->reopen_result = -1;
		snprintf(s->reopen_err, sizeof(s->reopen_err), "%s", err);
	}
	s->reopen_done = s->reopen_requested;
	pthread_cond_broadcast(&s->ctl_cond);
	pthread_mutex_unlock(&s->ctl_lock);
}

void *eve_sink_main(void *arg)
{
	struct export_sink *s = arg;
	struct eve_sink *e = s->impl;
	struct export_record *batch[EVE_BATCH];

	for (;;) {
		unsigned n;

		if (atomic_load(&s->reopen_pending))
			eve_handle_reopen(s, e);
		if (atomic_load(&s->abort_now))
			break;
		n = export_sink_pop(s, batch, EVE_BATCH);
		for (unsigned i = 0; i < n; i++) {
			eve_put(s, e, batch[i]);
			export_record_release(batch[i]);
		}
		if (n == 0) {
			eve_flush(s, e);
			if (atomic_load(&s->stopping) && export_sink_queue_empty(s))
				break;
			export_sink_wait(s, EVE_FLUSH_MS, true);
		} else if (export_now_ms() - e->last_flush_ms >= EVE_FLUSH_MS) {
			eve_flush(s, e);
		}
	}
	eve_flush(s, e);
	return NULL;
}
