/*
 * eve_writer.c - buffered EVE file output (see eve_writer.h).
 */
#include "dataplane/engine/output/eve_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Large enough that a flush is one write() per few hundred alerts. */
#define EVE_WRITE_BUFFER_SIZE (256u * 1024u)

struct eve_writer {
	int fd;
	bool close_fd;                 /* false for standard output */
	struct eve_format_options opts;
	char *buf;
	size_t used;
	uint64_t lines_buffered;       /* lines in buf, credited at flush */
	bool partial_line;             /* a failed write left half a line in the file */

	/* single writer, read by eve_writer_get_stats from any thread */
	_Atomic uint64_t records_written, records_lost, write_errors;
	_Atomic uint64_t unknown_rule, bad_records, format_errors, bytes_written;
};

static void bump(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

struct eve_writer *eve_writer_open(const char *path, bool append)
{
	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return NULL;
	}
	struct eve_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->buf = malloc(EVE_WRITE_BUFFER_SIZE);
	if (w->buf == NULL) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		w->fd = STDOUT_FILENO;
		w->close_fd = false;
	} else {
		int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
		w->fd = open(path, flags, 0644);
		if (w->fd < 0) {
			int saved = errno;
			free(w->buf);
			free(w);
			errno = saved;
			return NULL;
		}
		w->close_fd = true;
	}
	return w;
}

void eve_writer_set_options(struct eve_writer *w, const struct eve_format_options *opts)
{
	w->opts = *opts;
}

/* write() all of [data, data+len), riding out EINTR and short writes.
 * *done gets the bytes that did reach the file. */
static int write_all(int fd, const char *data, size_t len, size_t *done)
{
	*done = 0;
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
		*done += (size_t)n;
	}
	return 0;
}

/*
 * Writes one chunk of whole lines. After a failed write left part of a line
 * in the file, the next chunk first ends that fragment with a newline, so
 * every later line still parses on its own.
 */
static int write_chunk(struct eve_writer *w, const char *data, size_t len, uint64_t lines)
{
	size_t done;
	if (w->partial_line) {
		if (write_all(w->fd, "\n", 1, &done) == 0)
			w->partial_line = false;
	}
	int rc = w->partial_line ? -1 : write_all(w->fd, data, len, &done);
	int saved = errno;
	if (rc == 0) {
		bump(&w->records_written, lines);
		bump(&w->bytes_written, len);
	} else {
		/* Dropping the lines keeps memory bounded when the disk is full. */
		bump(&w->write_errors, 1);
		bump(&w->records_lost, lines);
		if (done > 0 && data[done - 1] != '\n')
			w->partial_line = true;
	}
	errno = saved;
	return rc;
}

int eve_writer_flush(struct eve_writer *w)
{
	if (w->used == 0)
		return 0;
	int rc = write_chunk(w, w->buf, w->used, w->lines_buffered);
	w->used = 0;
	w->lines_buffered = 0;
	return rc;
}

bool eve_writer_pending(const struct eve_writer *w)
{
	return w->used > 0;
}

/* Formats into the buffer's free space; -2 means "did not fit" (n needed). */
static int format_into_buffer(struct eve_writer *w, const struct alert_record *rec, size_t *needed)
{
	size_t room = EVE_WRITE_BUFFER_SIZE - w->used;
	int n = eve_format_record(rec, &w->opts, w->buf + w->used, room);
	if (n < 0)
		return -1;
	*needed = (size_t)n;
	if ((size_t)n + 1 >= room) /* the line, its newline, and the NUL the formatter writes */
		return -2;
	w->buf[w->used + (size_t)n] = '\n';
	w->used += (size_t)n + 1;
	w->lines_buffered++;
	return 0;
}

static void count_skip(struct eve_writer *w, int err)
{
	if (err == ENOENT)
		bump(&w->unknown_rule, 1);
	else if (err == EINVAL || err == EOVERFLOW)
		bump(&w->bad_records, 1);
	else
		bump(&w->format_errors, 1);
}

int eve_writer_write_record(struct eve_writer *w, const struct alert_record *rec)
{
	size_t needed = 0;
	int rc = format_into_buffer(w, rec, &needed);
	if (rc == 0)
		return 0;
	if (rc == -1) {
		int saved = errno;
		count_skip(w, saved);
		errno = saved;
		return -1;
	}

	/* Did not fit: empty the buffer and try again. */
	int flush_rc = eve_writer_flush(w);
	int flush_errno = errno;
	if (needed + 2 <= EVE_WRITE_BUFFER_SIZE) {
		rc = format_into_buffer(w, rec, &needed);
	} else {
		/* A line longer than the whole buffer (huge rule metadata):
		 * format it on the heap and write it straight through. */
		char *line = malloc(needed + 2);
		if (line == NULL) {
			rc = -1;
			errno = ENOMEM;
		} else {
			int n = eve_format_record(rec, &w->opts, line, needed + 1);
			rc = n < 0 ? -1 : 0;
			if (rc == 0) {
				line[n] = '\n';
				if (write_chunk(w, line, (size_t)n + 1, 1) != 0) {
					flush_rc = -1;
					flush_errno = errno;
				}
			}
			free(line);
		}
	}
	if (rc != 0) {
		int saved = errno;
		count_skip(w, saved);
		errno = saved;
		return -1;
	}
	if (flush_rc != 0) {
		errno = flush_errno;
		return -1;
	}
	return 0;
}

int eve_writer_close(struct eve_writer *w)
{
	if (w == NULL)
		return 0;
	int rc = eve_writer_flush(w);
	int saved = errno;
	if (w->close_fd && close(w->fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	free(w->buf);
	free(w);
	errno = saved;
	return rc;
}

void eve_writer_get_stats(const struct eve_writer *w, struct eve_writer_stats *out)
{
	out->records_written = atomic_load_explicit(&w->records_written, memory_order_relaxed);
	out->records_lost = atomic_load_explicit(&w->records_lost, memory_order_relaxed);
	out->write_errors = atomic_load_explicit(&w->write_errors, memory_order_relaxed);
	out->unknown_rule = atomic_load_explicit(&w->unknown_rule, memory_order_relaxed);
	out->bad_records = atomic_load_explicit(&w->bad_records, memory_order_relaxed);
	out->format_errors = atomic_load_explicit(&w->format_errors, memory_order_relaxed);
	out->bytes_written = atomic_load_explicit(&w->bytes_written, memory_order_relaxed);
}
