/*
 * metrics.h - rampartd's Prometheus endpoint (libmicrohttpd).
 *
 * Contract: metrics_server_start binds ONLY the given address (default
 * 127.0.0.1:9477) and serves `GET /metrics` (and HEAD): it calls render(out,
 * ctx) with an empty prom_buf and answers 200 with the text and the content
 * type `text/plain; version=0.0.4; charset=utf-8`. Any other path is 404,
 * any other method 405. If the render failed (prom_buf.failed) the answer is
 * 500.
 *
 * A listen address that is not loopback (127.0.0.0/8, ::1, "localhost") is
 * refused unless allow_remote is set (`metrics: allow-remote: yes`): the
 * counters reveal traffic and rule details, and the endpoint has no
 * authentication, so exposing it is an explicit choice. Port 0 picks a free
 * port (metrics_server_port tells which).
 *
 * Thread rules: render runs on libmicrohttpd's single internal polling thread,
 * one request at a time, concurrently with the caller's threads: it must read
 * shared state with atomics or its own lock. start/stop from one control
 * thread; stop waits for a running render to finish.
 */
#ifndef RAMPART_CTRLPLANE_METRICS_H
#define RAMPART_CTRLPLANE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <yaml.h>

#include "ctrlplane/metrics/prom_text.h"

#define METRICS_DEFAULT_LISTEN "127.0.0.1:9477"

struct metrics_config {
	bool enabled;       /* default yes */
	char listen[128];   /* default 127.0.0.1:9477; HOST:PORT, [V6]:PORT */
	bool allow_remote;  /* default no */
};

void metrics_config_defaults(struct metrics_config *cfg);

/* Parses rampart.yaml's `metrics:` mapping {enabled, listen, allow-remote} on
 * top of cfg. 0, or -1 with "FILE:LINE: metrics.KEY: message" in err. The
 * listen address's syntax is checked here (not its reachability). */
int metrics_config_parse(const yaml_document_t *doc, const yaml_node_t *metrics, const char *file,
			 struct metrics_config *cfg, char *err, size_t errlen);

/* Parses HOST:PORT or [V6]:PORT, HOST an address literal or "localhost"
 * (no name resolution). 0, or -1 with err. */
int metrics_parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen, char *err,
			 size_t errlen);

typedef void (*metrics_render_fn)(struct prom_buf *out, void *ctx);

struct metrics_server;

/* NULL with err ("metrics: listen 0.0.0.0:9477: not a loopback address ...",
 * "... Address already in use") on failure. */
struct metrics_server *metrics_server_start(const char *listen, bool allow_remote, metrics_render_fn render,
					    void *ctx, char *err, size_t errlen);

/* The bound TCP port (useful after listening on port 0). */
uint16_t metrics_server_port(const struct metrics_server *s);

/* HTTP requests answered so far (any path). */
uint64_t metrics_server_requests(const struct metrics_server *s);

/* Stops the listener and its thread, frees s. NULL: no-op. */
void metrics_server_stop(struct metrics_server *s);

#endif /* RAMPART_CTRLPLANE_METRICS_H */
