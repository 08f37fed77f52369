/*
 * managed.c - the rampartd link and the export ring sink (see managed.h).
 */
#include "dataplane/dpdk/managed.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrlplane/link/export_ring.h"
#include "ctrlplane/link/link.h"
#include "dataplane/engine/output/eve_format.h"
#include "signatures/rule.h"

#define MANAGED_RECONNECT_SEC 1.0
#define MANAGED_MAX_MSGS_PER_TICK 8
#define MANAGED_EXPORT_LINE_MAX (64 * 1024)

struct managed_link {
	char *path;
	int fd;                 /* -1: not attached */
	int export_memfd;
	double next_connect;
	double now;             /* the last tick's clock */
	bool warned;            /* "cannot connect" said once per outage */
	unsigned n_workers;
	struct managed_port *ports;
	unsigned n_ports;
	struct managed_ops ops;
};

struct managed_link *managed_link_new(const char *socket_path, int export_memfd,
				      unsigned n_workers, const struct managed_port *ports,
				      unsigned n_ports, const struct managed_ops *ops)
{
	struct managed_link *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->path = strdup(socket_path);
	m->ports = calloc(n_ports ? n_ports : 1, sizeof(*m->ports));
	if (!m->path || !m->ports) {
		free(m->path);
		free(m->ports);
		free(m);
		return NULL;
	}
	memcpy(m->ports, ports, n_ports * sizeof(*ports));
	m->n_ports = n_ports;
	m->fd = -1;
	m->export_memfd = export_memfd;
	m->n_workers = n_workers;
	m->ops = *ops;
	return m;
}

bool managed_link_attached(const struct managed_link *m)
{
	return m->fd >= 0;
}

static void detach(struct managed_link *m, double now, const char *why)
{
	if (m->fd < 0)
		return;
	close(m->fd);
	m->fd = -1;
	m->next_connect = now + MANAGED_RECONNECT_SEC;
	m->warned = false;
	fprintf(stderr, "rampart-dp: detached from %s (%s); forwarding goes on, reconnecting\n",
		m->path, why);
}

static json_t *hello_message(struct managed_link *m)
{
	json_t *msg = json_object(), *ports = json_array();

	if (!msg || !ports) {
		json_decref(msg);
		json_decref(ports);
		return NULL;
	}
	for (unsigned i = 0; i < m->n_ports; i++)
		json_array_append_new(ports, json_pack("{s:i,s:s}", "id", (int)m->ports[i].id, "name",
						       m->ports[i].name));
	json_object_set_new(msg, "type", json_string("hello"));
	json_object_set_new(msg, "role", json_string("dataplane"));
	json_object_set_new(msg, "pid", json_integer(getpid()));
	json_object_set_new(msg, "workers", json_integer(m->n_workers));
	json_object_set_new(msg, "ports", ports);
	json_object_set_new(msg, "running", m->ops.running ? m->ops.running(m->ops.ctx) : json_null());
	return msg;
}

static void try_connect(struct managed_link *m, double now)
{
	char err[256];
	json_t *hello;
	int fd;

	m->next_connect = now + MANAGED_RECONNECT_SEC;
	fd = link_connect(m->path, err, sizeof(err));
	if (fd < 0) {
		if (!m->warned)
			fprintf(stderr, "rampart-dp: managed: %s; retrying every second\n", err);
		m->warned = true;
		return;
	}
	hello = hello_message(m);
	if (!hello || link_send(fd, hello, &m->export_memfd, 1) != 0) {
		fprintf(stderr, "rampart-dp: managed: hello to %s failed: %s\n", m->path,
			hello ? strerror(errno) : "out of memory");
		json_decref(hello);
		close(fd);
		return;
	}
	json_decref(hello);
	m->fd = fd;
	m->warned = false;
	printf("rampart-dp: attached %s\n", m->path);
	fflush(stdout);
}

int managed_link_send(struct managed_link *m, const json_t *msg)
{
	if (m->fd < 0)
		return -1;
	if (link_send(m->fd, msg, NULL, 0) != 0) {
		char why[128];

		snprintf(why, sizeof(why), "send: %s", strerror(errno));
		detach(m, m->now, why);
		return -1;
	}
	return 0;
}

static void close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void dispatch(struct managed_link *m, json_t *msg, int *fds, unsigned n_fds)
{
	const char *type = json_string_value(json_object_get(msg, "type"));

	if (type && strcmp(type, "load") == 0 && m->ops.on_load) {
		m->ops.on_load(m->ops.ctx, msg, fds, n_fds);
		return;
	}
	close_fds(fds, n_fds);
	if (type && strcmp(type, "stats") == 0) {
		json_t *reply = json_object(), *stats = m->ops.stats ? m->ops.stats(m->ops.ctx) : NULL;
		json_t *id = json_object_get(msg, "id");

		if (reply) {
			json_object_set_new(reply, "type", json_string("stats-result"));
			json_object_set(reply, "id", id ? id : json_null());
			json_object_set_new(reply, "stats", stats ? stats : json_null());
			stats = NULL;
			(void)managed_link_send(m, reply);
		}
		json_decref(stats);
		json_decref(reply);
		return;
	}
	fprintf(stderr, "rampart-dp: managed: ignoring a message of type %s\n",
		type ? type : "(none)");
}

void managed_link_tick(struct managed_link *m, double now)
{
	m->now = now;
	if (m->fd < 0) {
		if (now >= m->next_connect)
			try_connect(m, now);
		return;
	}
	for (int i = 0; i < MANAGED_MAX_MSGS_PER_TICK && m->fd >= 0; i++) {
		json_t *msg = NULL;
		int fds[LINK_MAX_FDS];
		unsigned n_fds = 0;
		int rc = link_recv(m->fd, &msg, fds, &n_fds, 0);

		if (rc == 0)
			return;
		if (rc < 0) {
			char why[128];

			if (errno == EMSGSIZE || errno == EPROTO) {
				fprintf(stderr, "rampart-dp: managed: discarded a malformed message (%s)\n",
					strerror(errno));
				continue;
			}
			snprintf(why, sizeof(why), "%s",
				 errno == ECONNRESET ? "the daemon closed the connection" : strerror(errno));
			detach(m, now, why);
			return;
		}
		dispatch(m, msg, fds, n_fds);
		json_decref(msg);
	}
}

void managed_link_free(struct managed_link *m)
{
	if (!m)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m->path);
	free(m->ports);
	free(m);
}

/* ---- export ring sink ---- */

struct managed_export {
	struct export_ring *ring;
	int memfd;
	_Atomic uint64_t format_errors;
	char line[MANAGED_EXPORT_LINE_MAX];   /* output thread only */
};

struct managed_export *managed_export_new(size_t bytes)
{
	struct managed_export *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->ring = export_ring_create(bytes, &x->memfd);
	if (!x->ring) {
		int e = errno;

		free(x);
		errno = e;
		return NULL;
	}
	atomic_init(&x->format_errors, 0);
	return x;
}

int managed_export_memfd(const struct managed_export *x)
{
	return x->memfd;
}

void managed_export_record(const struct alert_record *rec, void *ctx)
{
	struct managed_export *x = ctx;
	struct export_rec_hdr h = { .worker = rec->worker, .ts_usec = rec->ts_usec, .priority = 3 };
	int n = eve_format_record(rec, NULL, x->line, sizeof(x->line));

	if (n < 0 || (size_t)n >= sizeof(x->line)) {
		atomic_fetch_add_explicit(&x->format_errors, 1, memory_order_relaxed);
		return;
	}
	h.len = (uint32_t)n;
	switch (rec->kind) {
	case ALERT_RECORD_DROP:
		h.kind = EXPORT_REC_DROP;
		break;
	case ALERT_RECORD_FIREWALL:
		h.kind = EXPORT_REC_FIREWALL;
		break;
	default:
		h.kind = EXPORT_REC_ALERT;
		break;
	}
	if (rec->kind != ALERT_RECORD_FIREWALL && rec->ruleset) {
		const struct sig_ruleset *rs = rec->ruleset;

		if (rec->rule_index < rs->n_rules) {
			const struct sig_rule *r = &rs->rules[rec->rule_index];

			h.sid = r->sid;
			h.gid = r->gid;
			h.rev = r->rev;
			h.priority = r->priority;
		}
	}
	(void)export_ring_push(x->ring, &h, x->line); /* full: counted by the ring */
}

void managed_export_counters(const struct managed_export *x, struct managed_export_counters *out)
{
	struct export_ring_counters c;

	export_ring_counters(x->ring, &c);
	out->pushed = c.pushed;
	out->dropped_full = c.dropped_full + c.dropped_oversize;
	out->format_errors = atomic_load_explicit(&x->format_errors, memory_order_relaxed);
}

void managed_export_free(struct managed_export *x)
{
	if (!x)
		return;
	export_ring_close(x->ring);
	free(x);
}
