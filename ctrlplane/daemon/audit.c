/*
 * audit.c - append-only JSON-lines audit log.
 */
#include "ctrlplane/daemon/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

struct audit_log {
	char *path;
	int fd;
};

static int open_append(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

struct audit_log *audit_open(const char *path, char *err, size_t errlen)
{
	struct audit_log *a = calloc(1, sizeof(*a));
	char *dir_copy;

	if (!a || !(a->path = strdup(path)) || !(dir_copy = strdup(path))) {
		if (a)
			free(a->path);
		free(a);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	/* The parent of the default /var/log/rampart/audit.log may not exist yet. */
	if (mkdir(dirname(dir_copy), 0750) != 0 && errno != EEXIST) {
		/* open() below reports the real problem */
	}
	free(dir_copy);
	a->fd = open_append(path);
	if (a->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(a->path);
		free(a);
		return NULL;
	}
	return a;
}

void audit_timestamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	char date[32], zone[8];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(buf, len, "%s.%06ld%s", date, (long)tv.tv_usec, zone);
}

int audit_record(struct audit_log *a, uid_t uid, pid_t pid, const char *command, const char *result)
{
	char ts[40];
	json_t *rec;
	char *line;
	size_t n;
	ssize_t w;

	if (!a)
		return 0;
	audit_timestamp(ts, sizeof(ts));
	rec = json_pack("{s:s, s:I, s:I, s:s, s:s}", "timestamp", ts, "uid", (json_int_t)uid,
			"pid", (json_int_t)pid, "command", command ? command : "",
			"result", result ? result : "");
	if (!rec)
		return -1;
	line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(rec);
	if (!line)
		return -1;
	n = strlen(line);
	line[n] = '\n'; /* replaces the NUL: one write() of the whole line */
	w = write(a->fd, line, n + 1);
	free(line);
	return w == (ssize_t)(n + 1) ? 0 : -1;
}

int audit_reopen(struct audit_log *a)
{
	int fd;

	if (!a)
		return 0;
	fd = open_append(a->path);
	if (fd < 0)
		return -1;
	close(a->fd);
	a->fd = fd;
	return 0;
}

void audit_close(struct audit_log *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a->path);
	free(a);
}
