/*
 * syslog_sink.c - RFC 5424 over UDP or a unix datagram socket.
 *
 * One datagram per record: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID -
 * MSG`, MSG being the record's EVE JSON (no BOM: RFC 5424 allows plain
 * bytes, and JSON consumers split on the first '{'). A message longer than
 * 8 KiB is cut at 8 KiB, sent, and counted in truncated.
 *
 * The socket is connected from the writer thread; when that fails (no
 * receiver on the unix path, a name that does not resolve) the writer waits
 * out a backoff of 100 ms doubling to 5 s with the records left queued, so
 * the queue fills and further records are dropped and counted. Sends carry a
 * 100 ms timeout (SO_SNDTIMEO): when a unix receiver stops reading, the
 * writer keeps the record, retries every 10 ms, and the queue behind it fills
 * (then drops and counts); the writer never sticks, so stop stays bounded.
 * Any other send error loses that record (counted in errors); on a unix
 * socket it also closes the socket and reconnects.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctrlplane/export/export_internal.h"
#include "ctrlplane/link/export_ring.h"

#define SYSLOG_BATCH 64
#define SYSLOG_SEND_TIMEOUT_MS 100
#define SYSLOG_RETRY_MS 10

struct syslog_sink {
	int fd;
	bool ever_connected;
	uint32_t backoff_ms;
	uint64_t next_attempt_ms;
	char hostname[256];
	long procid;
	char dgram[EXPORT_SYSLOG_MAX_DATAGRAM];
	struct export_record *batch[SYSLOG_BATCH]; /* taken from the queue */
	unsigned n_batch, next;                    /* batch[next..n_batch) not sent yet */
};

static const char *msgid_of(uint8_t kind)
{
	switch (kind) {
	case EXPORT_REC_ALERT: return "alert";
	case EXPORT_REC_DROP: return "drop";
	case EXPORT_REC_FIREWALL: return "firewall";
	default: return "eve";
	}
}

static int severity_of(uint8_t priority)
{
	switch (priority) {
	case 1: return 2; /* crit */
	case 2: return 3; /* err */
	case 3: return 4; /* warning */
	default: return 5; /* notice */
	}
}

size_t syslog_format(char *out, size_t cap, int facility, const char *hostname, const char *ident,
		     long procid, const struct export_record *r, bool *truncated)
{
	struct timespec now;
	struct tm tm;
	time_t secs;
	unsigned usec;
	int head;
	size_t room;

	if (r->ts_usec) {
		secs = (time_t)(r->ts_usec / 1000000u);
		usec = (unsigned)(r->ts_usec % 1000000u);
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		secs = now.tv_sec;
		usec = (unsigned)(now.tv_nsec / 1000);
	}
	gmtime_r(&secs, &tm);
	head = snprintf(out, cap, "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06uZ %s %s %ld %s - ",
			facility * 8 + severity_of(r->priority), tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			tm.tm_hour, tm.tm_min, tm.tm_sec, usec, hostname, ident, procid, msgid_of(r->kind));
	*truncated = false;
	if (head < 0)
		return 0;
	if ((size_t)head >= cap) {
		*truncated = true;
		return cap;
	}
	room = cap - (size_t)head;
	if (r->len > room) {
		*truncated = true;
		memcpy(out + head, r->json, room);
		return cap;
	}
	memcpy(out + head, r->json, r->len);
	return (size_t)head + r->len;
}

/* RFC 5424 HOSTNAME: printable US-ASCII without spaces, 1..255, else "-". */
static void local_hostname(char *out, size_t cap)
{
	if (gethostname(out, cap) < 0 || !out[0]) {
		snprintf(out, cap, "-");
		return;
	}
	out[cap - 1] = '\0';
	for (char *p = out; *p; p++)
		if (*p <= 32 || *p >= 127)
			*p = '_';
}

int syslog_sink_open(struct export_sink *s, char *err, size_t errlen)
{
	struct syslog_sink *y = calloc(1, sizeof(*y));

	if (!y) {
		snprintf(err, errlen, "export: syslog: out of memory");
		return -1;
	}
	y->fd = -1;
	y->backoff_ms = EXPORT_BACKOFF_MIN_MS;
	y->procid = (long)getpid();
	local_hostname(y->hostname, sizeof(y->hostname));
	s->impl = y;
	return 0;
}

void syslog_sink_close(struct export_sink *s)
{
	struct syslog_sink *y = s->impl;

	if (!y)
		return;
	if (y->fd >= 0)
		close(y->fd);
	free(y);
	s->impl = NULL;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_udp(const char *server, uint16_t port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV}, *res, *ai;
	char portstr[8];
	int fd = -1;

	snprintf(portstr, sizeof(portstr), "%u", port);
	if (getaddrinfo(server, portstr, &hints, &res) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static bool syslog_connect(struct export_sink *s, struct syslog_sink *y)
{
	const struct export_syslog_config *c = &s->cfg->syslog;
	struct timeval tv = {.tv_sec = 0, .tv_usec = SYSLOG_SEND_TIMEOUT_MS * 1000};

	y->fd = c->transport == EXPORT_SYSLOG_UNIX ? connect_unix(c->path) : connect_udp(c->server, c->port);
	if (y->fd < 0) {
		y->next_attempt_ms = export_now_ms() + y->backoff_ms;
		y->backoff_ms = y->backoff_ms * 2 > EXPORT_BACKOFF_MAX_MS ? EXPORT_BACKOFF_MAX_MS : y->backoff_ms * 2;
		return false;
	}
	setsockopt(y->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (y->ever_connected)
		atomic_fetch_add(&s->reconnects, 1);
	y->ever_connected = true;
	y->backoff_ms = EXPORT_BACKOFF_MIN_MS;
	return true;
}

enum send_result { SENT, LOST, RETRY_LATER };

/* Sends one record. LOST: counted as an error (the socket may have been
 * closed for a reconnect); RETRY_LATER: the receiver's queue stayed full for
 * the whole send timeout, keep the record and try again. */
static enum send_result syslog_send(struct export_sink *s, struct syslog_sink *y, const struct export_record *r)
{
	bool truncated;
	size_t n = syslog_format(y->dgram, sizeof(y->dgram), s->cfg->syslog.facility, y->hostname,
				 s->cfg->syslog.ident, y->procid, r, &truncated);

	for (int attempt = 0; attempt < 2; attempt++) {
		ssize_t sent = send(y->fd, y->dgram, n, MSG_NOSIGNAL);

		if (sent >= 0) {
			if (truncated)
				atomic_fetch_add(&s->truncated, 1);
			export_sink_settle(s, 1, 0);
			return SENT;
		}
		if (errno == EINTR)
			continue;
		/* UDP: an earlier datagram's ICMP port-unreachable surfaces on this
		 * send, which did not go out: try once more. */
		if (errno == ECONNREFUSED && s->cfg->syslog.transport == EXPORT_SYSLOG_UDP)
			continue;
		break;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		return RETRY_LATER;
	export_sink_settle(s, 0, 1);
	if (s->cfg->syslog.transport == EXPORT_SYSLOG_UNIX) {
		/* The receiver went away (or was restarted on a new socket). */
		close(y->fd);
		y->fd = -1;
		y->next_attempt_ms = export_now_ms();
	}
	return LOST;
}

void *syslog_sink_main(void *arg)
{
	struct export_sink *s = arg;
	struct syslog_sink *y = s->impl;

	while (!atomic_load(&s->abort_now)) {
		uint64_t now;

		if (atomic_load(&s->reopen_pending))
			atomic_store(&s->reopen_pending, false);
		if (y->fd < 0) {
			now = export_now_ms();
			if (now < y->next_attempt_ms) {
				export_sink_wait(s, (int)(y->next_attempt_ms - now), false);
				continue;
			}
			if (!syslog_connect(s, y))
				continue;
		}
		if (y->next == y->n_batch) {
			y->next = 0;
			y->n_batch = export_sink_pop(s, y->batch, SYSLOG_BATCH);
		}
		if (y->n_batch == 0) {
			if (atomic_load(&s->stopping))
				break;
			export_sink_wait(s, 1000, true);
			continue;
		}
		while (y->next < y->n_batch && y->fd >= 0) {
			enum send_result res = syslog_send(s, y, y->batch[y->next]);

			if (res == RETRY_LATER) {
				/* A receiver that stopped reading: back off a little,
				 * the queue behind absorbs (then drops and counts). */
				export_sink_wait(s, SYSLOG_RETRY_MS, false);
				break;
			}
			export_record_release(y->batch[y->next++]);
		}
	}
	/* Aborted: what is still in hand is lost. */
	export_sink_settle(s, 0, y->n_batch - y->next);
	for (; y->next < y->n_batch; y->next++)
		export_record_release(y->batch[y->next]);
	return NULL;
}
