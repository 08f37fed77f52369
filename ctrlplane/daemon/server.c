/*
 * server.c - rampartd's event loop: one listening socket, its sessions, a
 * one-second timer and the signals.
 *
 * Every connection starts as SESSION_NEW; its first message decides what it
 * is: `hello` (a data plane, kept open) or `command` (rampartctl: one
 * command, one reply, closed). The credential check comes before anything
 * of the command is looked at.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "ctrlplane/daemon/audit.h"
#include "ctrlplane/daemon/rampartd.h"
#include "ctrlplane/export/export.h"
#include "ctrlplane/link/link.h"
#include "ctrlplane/policy/policy_store.h"

double rampartd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *rampartd_join_argv(const json_t *argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	size_t i;
	json_t *a;

	if (!f)
		return NULL;
	json_array_foreach(argv, i, a) {
		const char *s = json_is_string(a) ? json_string_value(a) : "?";

		fprintf(f, "%s%s", i ? " " : "", s);
	}
	fclose(f);
	return buf;
}

static void send_reply(struct session *s, json_t *reply)
{
	if (reply && link_send(s->fd, reply, NULL, 0) != 0)
		fprintf(stderr, "rampartd: reply to pid %d: %s\n", (int)s->pid, strerror(errno));
	json_decref(reply);
}

void ctl_reply_ok(struct rampartd *d, struct session *s, const char *text, json_t *data, const char *audit_cmd)
{
	json_t *reply;

	if (audit_cmd && s)
		audit_record(d->audit, s->uid, s->pid, audit_cmd, "ok");
	if (!s) {
		json_decref(data);
		return;
	}
	reply = json_pack("{s:s, s:b, s:s, s:o}", "type", "result", "ok", 1, "text", text ? text : "",
			  "data", data ? data : json_object());
	send_reply(s, reply);
	session_close(d, s);
}

void ctl_reply_error(struct rampartd *d, struct session *s, const char *error, const char *audit_cmd)
{
	char result[600];

	if (audit_cmd && s) {
		snprintf(result, sizeof(result), "refused: %s", error);
		audit_record(d->audit, s->uid, s->pid, audit_cmd, result);
	}
	if (!s)
		return;
	send_reply(s, json_pack("{s:s, s:b, s:s}", "type", "result", "ok", 0, "error", error));
	session_close(d, s);
}

static struct session *session_add(struct rampartd *d, int fd)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fd = fd;
	s->role = SESSION_NEW;
	s->accepted_at = rampartd_now();
	if (link_peer_cred(fd, &s->uid, &s->gid, &s->pid) != 0) {
		free(s);
		return NULL;
	}
	s->next = d->sessions;
	d->sessions = s;
	return s;
}

/* Marks s dead (the loop frees it): callers may still hold the pointer. */
void session_close(struct rampartd *d, struct session *s)
{
	if (s->dead)
		return;
	if (s->role == SESSION_DP)
		dp_detach(d, s);
	if (d->change && d->change->ctl == s)
		d->change->ctl = NULL; /* the change still completes; nobody hears of it */
	close(s->fd);
	s->fd = -1;
	s->dead = true;
	json_decref(s->argv);
	s->argv = NULL;
}

static void reap_sessions(struct rampartd *d)
{
	struct session **pp = &d->sessions;

	while (*pp) {
		struct session *s = *pp;

		if (s->dead) {
			*pp = s->next;
			free(s);
		} else {
			pp = &s->next;
		}
	}
}

void sessions_close_all(struct rampartd *d)
{
	for (struct session *s = d->sessions; s; s = s->next)
		session_close(d, s);
	reap_sessions(d);
}

/* uid 0, the daemon's own uid, or a member of socket-group. */
static bool ctl_allowed(const struct rampartd *d, const struct session *s)
{
	if (s->uid == 0 || s->uid == geteuid())
		return true;
	return d->socket_gid != (gid_t)-1 && link_uid_in_group(s->uid, d->socket_gid);
}

static void first_message(struct rampartd *d, struct session *s, json_t *msg, int *fds, unsigned n_fds)
{
	const char *type = json_string_value(json_object_get(msg, "type"));

	if (type && strcmp(type, "hello") == 0) {
		/* A data plane is a privileged peer: same credential rule. */
		if (!ctl_allowed(d, s)) {
			char why[160];

			snprintf(why, sizeof(why), "permission denied: uid %u may not attach a data plane",
				 (unsigned)s->uid);
			audit_record(d->audit, s->uid, s->pid, "hello", why);
			for (unsigned i = 0; i < n_fds; i++)
				close(fds[i]);
			session_close(d, s);
			return;
		}
		s->role = SESSION_DP;
		dp_hello(d, s, msg, fds, n_fds);
		return;
	}
	for (unsigned i = 0; i < n_fds; i++)
		close(fds[i]);
	if (!type || strcmp(type, "command") != 0) {
		ctl_reply_error(d, s, "protocol: first message must be hello or command", NULL);
		return;
	}
	s->role = SESSION_CTL;
	const json_t *argv = json_object_get(msg, "argv");
	char *line = json_is_array(argv) ? rampartd_join_argv(argv) : NULL;

	if (!ctl_allowed(d, s)) {
		char why[200];

		snprintf(why, sizeof(why), "permission denied: uid %u is not root, not rampartd's uid and not in group %s",
			 (unsigned)s->uid, d->cfg.socket_group ? d->cfg.socket_group : "(none)");
		ctl_reply_error(d, s, why, line ? line : "(malformed command)");
		free(line);
		return;
	}
	free(line);
	if (!json_is_array(argv) || json_array_size(argv) == 0) {
		ctl_reply_error(d, s, "protocol: command needs a non-empty argv array", NULL);
		return;
	}
	/* One change at a time: a changing command waits for the one in flight. */
	if (d->change && command_changes_config(argv)) {
		s->argv = json_incref((json_t *)argv);
		s->queued = true;
		return;
	}
	command_run(d, s, argv);
}

static void session_readable(struct rampartd *d, struct session *s)
{
	int fds[LINK_MAX_FDS];
	unsigned n_fds = 0;
	json_t *msg = NULL;
	int rc = link_recv(s->fd, &msg, fds, &n_fds, 0);

	if (rc == 0)
		return;
	if (rc < 0) {
		if (errno == EMSGSIZE || errno == EPROTO) {
			fprintf(stderr, "rampartd: pid %d sent a malformed message: dropped\n", (int)s->pid);
			return;
		}
		session_close(d, s);
		return;
	}
	switch (s->role) {
	case SESSION_NEW:
		first_message(d, s, msg, fds, n_fds);
		break;
	case SESSION_DP:
		for (unsigned i = 0; i < n_fds; i++)
			close(fds[i]);
		dp_message(d, s, msg);
		break;
	case SESSION_CTL:
		/* one command per connection: anything more is ignored */
		for (unsigned i = 0; i < n_fds; i++)
			close(fds[i]);
		break;
	}
	json_decref(msg);
}

static void accept_all(struct rampartd *d)
{
	for (;;) {
		int fd = link_accept(d->listen_fd);

		if (fd < 0)
			return;
		if (!session_add(d, fd))
			close(fd);
	}
}

/* Run the next queued command once no change is in flight. */
static void run_queued(struct rampartd *d)
{
	while (!d->change) {
		struct session *oldest = NULL;

		for (struct session *s = d->sessions; s; s = s->next)
			if (!s->dead && s->queued && (!oldest || s->accepted_at < oldest->accepted_at))
				oldest = s;
		if (!oldest)
			return;
		json_t *argv = oldest->argv;

		oldest->argv = NULL;
		oldest->queued = false;
		command_run(d, oldest, argv);
		json_decref(argv);
	}
}

static void expire_blocklist(struct rampartd *d)
{
	if (policy_store_block_expire(d->policy, time(NULL)))
		d->policy_dirty = true;
	if (!d->policy_dirty || d->change)
		return;
	struct change *c = change_new(d, NULL, "block expire");

	d->policy_dirty = false;
	if (!c || change_use_current(d, c) != 0) {
		change_free(c);
		d->policy_dirty = true;
		return;
	}
	c->text = strdup("blocklist: expired entries removed\n");
	change_start(d, c);
}

static void timer_tick(struct rampartd *d)
{
	double now = rampartd_now();

	for (struct session *s = d->sessions; s; s = s->next)
		if (!s->dead && s->role == SESSION_NEW && now - s->accepted_at > RAMPARTD_HELLO_TIMEOUT_S)
			session_close(d, s);
	change_tick(d);
	expire_blocklist(d);
	dp_request_stats(d);
	metrics_snapshot_update(d);
}

static void handle_signals(struct rampartd *d)
{
	struct signalfd_siginfo si;
	char err[256];

	while (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (export_reopen(d->exporter, err, sizeof(err)) != 0)
				fprintf(stderr, "rampartd: SIGHUP: %s\n", err);
			audit_reopen(d->audit);
		} else {
			d->stop = true;
		}
	}
}

int rampartd_run(struct rampartd *d)
{
	struct pollfd *pfd = NULL;
	struct session **who = NULL;
	size_t cap = 0;
	double next_tick = rampartd_now() + 1.0;

	while (!d->stop) {
		size_t n = 0, want = 2;

		for (struct session *s = d->sessions; s; s = s->next)
			want++;
		if (want > cap) {
			struct pollfd *np = realloc(pfd, want * sizeof(*pfd));
			struct session **nw = np ? realloc(who, want * sizeof(*who)) : NULL;

			if (np)
				pfd = np;
			if (!nw) {
				fprintf(stderr, "rampartd: out of memory\n");
				break;
			}
			who = nw;
			cap = want;
		}
		pfd[n++] = (struct pollfd){ .fd = d->listen_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = d->signal_fd, .events = POLLIN };
		for (struct session *s = d->sessions; s; s = s->next) {
			if (s->dead || s->queued)
				continue;
			who[n] = s;
			pfd[n++] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
		}
		double wait = next_tick - rampartd_now();
		int timeout = wait <= 0 ? 0 : (int)(wait * 1000.0) + 1;

		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "rampartd: poll: %s\n", strerror(errno));
			break;
		}
		if (pfd[1].revents)
			handle_signals(d);
		for (size_t i = 2; i < n; i++)
			if (pfd[i].revents && !who[i]->dead)
				session_readable(d, who[i]);
		if (pfd[0].revents)
			accept_all(d);
		if (rampartd_now() >= next_tick) {
			timer_tick(d);
			next_tick = rampartd_now() + 1.0;
		}
		run_queued(d);
		reap_sessions(d);
	}
	free(pfd);
	free(who);
	return 0;
}
