/*
 * test_daemon_harness.h - start the real rampartd on a temporary state
 * directory and socket, run the real rampartctl against it.
 *
 * The binaries come from the environment (RAMPARTD, RAMPARTCTL: set by
 * tests/unit/ctrlplane/meson.build). Each daemon gets its own directory under
 * /tmp with a tiny rules file, so tests run in parallel.
 */
#ifndef RAMPART_TEST_DAEMON_HARNESS_H
#define RAMPART_TEST_DAEMON_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct daemon_run {
	pid_t pid;
	char dir[128];
	char sock[256], cfg[256], audit[256], eve[256], rules[256];
	unsigned metrics_port;
	int out_fd;          /* the daemon's stdout (after "ready") */
};

/* Two rules, sids 9100001 and 9100002. */
#define HARNESS_RULES \
	"alert tcp any any -> any 80 (msg:\"harness one\"; content:\"one\"; sid:9100001; rev:1;)\n" \
	"alert udp any any -> any 53 (msg:\"harness two\"; content:\"two\"; classtype:misc-activity; sid:9100002; rev:1;)\n"

/* Make the directory and files (config = the harness's, plus `extra` YAML
 * appended at the top level). 0 or -1. */
int harness_prepare(struct daemon_run *r, const char *extra);
/* Start rampartd on what harness_prepare wrote; waits for "rampartd: ready".
 * 0 or -1. */
int harness_start(struct daemon_run *r);
/* SIGTERM, wait; returns the exit status (-1 when it did not exit normally),
 * then removes the directory. */
int harness_stop(struct daemon_run *r);

/* Run rampartd with `config`; returns its exit status; stderr into err. */
int harness_run_daemon_once(const char *config, char *err, size_t errlen);

/* Run rampartctl --socket r->sock ARGS... (NULL-terminated) as `uid`
 * ((uid_t)-1: as ourselves). Returns the exit status; stdout / stderr into
 * out / err (may be NULL). */
int harness_ctl(const struct daemon_run *r, uid_t uid, char *out, size_t outlen, char *err, size_t errlen,
		const char *arg, ...) __attribute__((sentinel));
/* Start it without waiting (stdout/stderr to files in r->dir); harness_ctl_wait
 * collects. */
pid_t harness_ctl_spawn(const struct daemon_run *r, const char *arg, ...) __attribute__((sentinel));
int harness_ctl_wait(const struct daemon_run *r, pid_t pid, char *out, size_t outlen, char *err, size_t errlen);

/* Whole file into buf (NUL-terminated); bytes read or -1. */
long harness_read_file(const char *path, char *buf, size_t len);
/* Wait until path contains needle (up to ms). */
bool harness_wait_for(const char *path, const char *needle, int ms);

#endif
