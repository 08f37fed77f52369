/*
 * export_test_util.h - shared helpers for the export sink tests: temporary
 * directories, reading files back, submitting numbered records.
 */
#ifndef RAMPART_TEST_EXPORT_UTIL_H
#define RAMPART_TEST_EXPORT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctrlplane/export/export.h"
#include "ctrlplane/link/export_ring.h"

static inline void tu_mkdtemp(char *dir, size_t cap)
{
	snprintf(dir, cap, "/tmp/rampart-export-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
}

static inline void tu_rm_rf(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Whole file into a malloc'd NUL-terminated string (NULL if missing). */
static inline char *tu_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static inline unsigned tu_count_lines(const char *s)
{
	unsigned n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static inline double tu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Submits {"event_type":"alert","n":N,"tag":"TAG"}; returns the seconds it took. */
static inline double tu_submit(struct exporter *x, const char *tag, unsigned n, uint8_t kind, uint8_t prio)
{
	struct export_rec_hdr h = {.kind = kind, .priority = prio, .sid = 1000 + n, .ts_usec = 1764072000123456ull};
	char json[256];
	int len = snprintf(json, sizeof(json), "{\"event_type\":\"%s\",\"n\":%u,\"tag\":\"%s\"}",
			   kind == EXPORT_REC_DROP ? "drop" : "alert", n, tag);
	double t0 = tu_now();

	h.len = (uint32_t)len;
	export_submit(x, &h, json, (size_t)len);
	return tu_now() - t0;
}

/* A config with every sink disabled. */
static inline void tu_config_none(struct export_config *c)
{
	export_config_defaults(c);
	c->eve.enabled = false;
	c->syslog.enabled = false;
	c->redis.enabled = false;
}

/* Polls cond (an expression) for up to ms milliseconds. */
#define TU_WAIT_FOR(cond, ms)                                                                                    \
	({                                                                                                       \
		double tu_deadline_ = tu_now() + (ms) / 1000.0;                                                  \
		bool tu_ok_;                                                                                     \
		while (!(tu_ok_ = (cond)) && tu_now() < tu_deadline_)                                            \
			usleep(2000);                                                                            \
		tu_ok_;                                                                                          \
	})

#endif /* RAMPART_TEST_EXPORT_UTIL_H */
