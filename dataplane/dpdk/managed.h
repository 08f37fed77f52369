/*
 * managed.h - rampart-dp's side of the rampartd link (--managed SOCKET):
 * the connection, the protocol messages, and the export ring sink.
 *
 * Contract: inline.c's control thread (lcore 0) calls managed_link_tick()
 * once per monitor tick. The link
 *   - connects when it has no connection, at most once a second, and on
 *     success sends `hello` with the export ring's memfd and prints
 *     "rampart-dp: attached SOCKET" on stdout;
 *   - reads what arrived without waiting (link_recv with timeout 0, at most
 *     a few messages per tick) and hands `load` to ops->on_load (which takes
 *     the message's fds) and answers `stats` with ops->stats's object;
 *   - when the daemon goes away (read error, peer closed, a send that timed
 *     out) closes the socket and reconnects later; forwarding never depends
 *     on it.
 * Replies (load-result) go out through managed_link_send; with no
 * connection they are dropped (the daemon re-sends its load at re-attach
 * if what runs differs from what it wants).
 *
 * Protocol (JSON over SOCK_SEQPACKET, see ctrlplane/link/link.h):
 *   dp -> d  {"type":"hello","role":"dataplane","pid":N,"workers":W,
 *             "ports":[{"id":I,"name":"..."}],"running":{...}}  fds [export ring]
 *   d -> dp  {"type":"load","generation":G,"rules_sha256":"hex","policy_version":V}
 *             fds [rules text memfd, config YAML memfd]; with one fd it is
 *             the config and the running rules stay; with none, both stay
 *   dp -> d  {"type":"load-result","generation":G,"ok":true|false,...}
 *   d -> dp  {"type":"stats","id":K}  ->  {"type":"stats-result","id":K,"stats":{...}}
 *
 * The export sink (managed_export_*) runs on the output thread: it formats
 * each alert record as one EVE line (eve_format_record) and pushes it into
 * the export ring; a full ring drops and counts (never waits).
 *
 * Thread rules: the link belongs to the control thread; the export sink to
 * the output thread; managed_export_counters from any thread.
 */
#ifndef RAMPART_DPDK_MANAGED_H
#define RAMPART_DPDK_MANAGED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dataplane/engine/output/alert_record.h"

/* The export ring's size in data bytes (a power of two). */
#define MANAGED_EXPORT_RING_BYTES (64u << 20)

struct managed_ops {
	void *ctx;
	/* hello's "running" object (new reference). */
	json_t *(*running)(void *ctx);
	/* A `load` arrived: msg is borrowed; fds[0..n_fds) now belong to the
	 * callee (close them). */
	void (*on_load)(void *ctx, json_t *msg, int *fds, unsigned n_fds);
	/* The stats object (new reference; NULL: out of memory). */
	json_t *(*stats)(void *ctx);
};

struct managed_port {
	uint16_t id;
	const char *name;
};

struct managed_link;

/* Sets up (does not connect yet). export_memfd: passed in every hello.
 * ports is copied. NULL when out of memory. */
struct managed_link *managed_link_new(const char *socket_path, int export_memfd,
				      unsigned n_workers, const struct managed_port *ports,
				      unsigned n_ports, const struct managed_ops *ops);

/* One control-thread tick (now: monotonic seconds). Never blocks on a
 * daemon that does not read (sends time out) or on one that is absent. */
void managed_link_tick(struct managed_link *m, double now);

/* 0, or -1 when not attached or the send failed (then detached). */
int managed_link_send(struct managed_link *m, const json_t *msg);

bool managed_link_attached(const struct managed_link *m);

void managed_link_free(struct managed_link *m);

/* ---- export ring sink (output thread) ---- */

struct managed_export;

/* Creates the ring (bytes: a power of two). NULL with errno. */
struct managed_export *managed_export_new(size_t bytes);

/* The ring's memfd, for hello. */
int managed_export_memfd(const struct managed_export *x);

/* output_record_sink (output_thread.h): ctx is the struct managed_export. */
void managed_export_record(const struct alert_record *rec, void *ctx);

struct managed_export_counters {
	uint64_t pushed, dropped_full, format_errors;
};
void managed_export_counters(const struct managed_export *x, struct managed_export_counters *out);

/* Closes the ring and its memfd. NULL is a no-op. */
void managed_export_free(struct managed_export *x);

#endif /* RAMPART_DPDK_MANAGED_H */
