/*
 * rampartctl - the operator's CLI for rampartd.
 *
 *   rampartctl [--socket PATH] [--json] COMMAND [ARGS...]
 *
 * Sends {"type":"command","argv":[...]} as the first (and only) message of a
 * connection and prints the reply's text (or, with --json, its data object).
 * The daemon parses and checks the command; this program only carries it, so
 * the two can never disagree about the syntax.
 *
 * Exit: 0 ok; 1 the daemon refused or the change failed (reason on stderr);
 * 2 usage or cannot connect. `stats --watch N` repeats every N seconds
 * (clearing the screen) until interrupted.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ctrlplane/link/link.h"

#define DEFAULT_SOCKET "/run/rampart/rampartd.sock"
/* A rule reload waits for every data plane (the daemon gives them 120 s). */
#define REPLY_TIMEOUT_MS (150 * 1000)

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fputs("usage: rampartctl [--socket PATH] [--json] COMMAND\n"
	      "  status\n"
	      "  rules reload | rules enable|disable --sid N|--classtype NAME|--category FILE.rules\n"
	      "  rules list-disabled\n"
	      "  policy list | policy history\n"
	      "  policy add --name N --action allow|deny|reject [--position K] [--ingress ZONE]\n"
	      "             [--proto tcp|udp|icmp|any|N] [--src ADDR] [--dst ADDR] [--src-port P]\n"
	      "             [--dst-port P] [--log]\n"
	      "  policy remove NAME | policy move NAME --position K | policy rollback [VERSION]\n"
	      "  block IP|CIDR [--ttl SECONDS] | unblock IP|CIDR | block list\n"
	      "  iprep reload | log reopen\n"
	      "  stats [--watch SECONDS]\n"
	      "socket: --socket, else $RAMPART_SOCKET, else " DEFAULT_SOCKET "\n", f);
}

/* One request/reply. Returns the exit status; prints the reply. */
static int run_command(const char *socket_path, int argc, char **argv, bool as_json)
{
	char err[512];
	json_t *args = json_array(), *msg, *reply = NULL;
	int sock, rc;

	for (int i = 0; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	msg = json_pack("{s:s, s:o}", "type", "command", "argv", args);
	sock = link_connect(socket_path, err, sizeof(err));
	if (sock < 0) {
		fprintf(stderr, "rampartctl: %s\n", err);
		json_decref(msg);
		return 2;
	}
	if (!msg || link_send(sock, msg, NULL, 0) != 0) {
		fprintf(stderr, "rampartctl: send to %s: %s\n", socket_path, strerror(errno));
		json_decref(msg);
		close(sock);
		return 2;
	}
	json_decref(msg);
	rc = link_recv(sock, &reply, NULL, NULL, REPLY_TIMEOUT_MS);
	close(sock);
	if (rc == 0) {
		fprintf(stderr, "rampartctl: no reply from rampartd within %d s\n", REPLY_TIMEOUT_MS / 1000);
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "rampartctl: rampartd closed the connection without a reply\n");
		return 1;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		const char *why = json_string_value(json_object_get(reply, "error"));

		fprintf(stderr, "rampartctl: %s\n", why ? why : "refused");
		rc = why && strncmp(why, "usage:", 6) == 0 ? 2 : 1;
		json_decref(reply);
		return rc;
	}
	if (as_json) {
		json_t *data = json_object_get(reply, "data");

		json_dumpf(data ? data : json_object(), stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		const char *text = json_string_value(json_object_get(reply, "text"));

		if (text)
			fputs(text, stdout);
	}
	fflush(stdout);
	json_decref(reply);
	return 0;
}

int main(int argc, char **argv)
{
	const char *socket_path = getenv("RAMPART_SOCKET");
	bool as_json = false;
	int i = 1;

	if (!socket_path || !*socket_path)
		socket_path = DEFAULT_SOCKET;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			socket_path = argv[++i];
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			socket_path = argv[i] + 9;
		} else if (strcmp(argv[i], "--json") == 0) {
			as_json = true;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* stats --watch N: the daemon answers `stats`; the repetition is ours. */
	if (strcmp(argv[i], "stats") == 0 && argc - i == 3 && strcmp(argv[i + 1], "--watch") == 0) {
		char *end;
		long secs = strtol(argv[i + 2], &end, 10);
		char *stats_argv[] = { "stats" };
		int rc = 0;

		if (*end || secs < 1 || secs > 86400) {
			fprintf(stderr, "rampartctl: --watch needs a number of seconds (1..86400)\n");
			return 2;
		}
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		while (!interrupted) {
			if (!as_json)
				fputs("\033[H\033[2J", stdout);
			rc = run_command(socket_path, 1, stats_argv, as_json);
			if (rc != 0)
				return rc;
			for (long s = 0; s < secs && !interrupted; s++)
				sleep(1);
		}
		return 0;
	}
	return run_command(socket_path, argc - i, argv + i, as_json);
}
