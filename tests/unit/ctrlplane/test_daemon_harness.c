/*
 * test_daemon_harness.c - see test_daemon_harness.h.
 */
#include "test_daemon_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *binary(const char *env, const char *fallback)
{
	const char *p = getenv(env);

	return p && *p ? p : fallback;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

long harness_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	return (long)got;
}

bool harness_wait_for(const char *path, const char *needle, int ms)
{
	static char buf[1 << 20];

	for (int waited = 0; waited <= ms; waited += 20) {
		if (harness_read_file(path, buf, sizeof(buf)) >= 0 && strstr(buf, needle))
			return true;
		usleep(20 * 1000);
	}
	return false;
}

int harness_prepare(struct daemon_run *r, const char *extra)
{
	char text[4096];

	memset(r, 0, sizeof(*r));
	r->out_fd = -1;
	snprintf(r->dir, sizeof(r->dir), "/tmp/rampartd-test-XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	chmod(r->dir, 0755); /* the unprivileged rampartctl must reach the socket */
	snprintf(r->sock, sizeof(r->sock), "%s/run/rampartd.sock", r->dir);
	snprintf(r->cfg, sizeof(r->cfg), "%s/rampart.yaml", r->dir);
	snprintf(r->audit, sizeof(r->audit), "%s/log/audit.log", r->dir);
	snprintf(r->eve, sizeof(r->eve), "%s/log/eve.json", r->dir);
	snprintf(r->rules, sizeof(r->rules), "%s/rules/test.rules", r->dir);
	snprintf(text, sizeof(text), "%s/rules", r->dir);
	if (mkdir(text, 0755) != 0 || write_file(r->rules, HARNESS_RULES) != 0)
		return -1;
	snprintf(text, sizeof(text),
		 "rampartd:\n"
		 "  socket: %s\n"
		 "  state-dir: %s/state\n"
		 "  audit-log: %s\n"
		 "default-rule-path: %s/rules\n"
		 "rule-files: [test.rules]\n"
		 "outputs:\n"
		 "  eve: { enabled: yes, filename: %s }\n"
		 "metrics:\n"
		 "  enabled: yes\n"
		 "  listen: 127.0.0.1:0\n"
		 "vars:\n"
		 "  address-groups: { HOME_NET: \"[10.0.0.0/8]\" }\n"
		 "firewall:\n"
		 "  default-action: allow\n"
		 "  rules:\n"
		 "    - { name: no-telnet, proto: tcp, dst-port: 23, action: deny }\n"
		 "%s",
		 r->sock, r->dir, r->audit, r->dir, r->eve, extra ? extra : "");
	return write_file(r->cfg, text);
}

int harness_start(struct daemon_run *r)
{
	int pipefd[2];
	char buf[4096];
	size_t got = 0;

	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -1;
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		char errpath[300];
		int errfd;

		snprintf(errpath, sizeof(errpath), "%s/rampartd.err", r->dir);
		errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(pipefd[1], 1);
		if (errfd >= 0)
			dup2(errfd, 2);
		execl(binary("RAMPARTD", "ctrlplane/daemon/rampartd"), "rampartd", "--config", r->cfg, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	r->out_fd = pipefd[0];
	/* Wait for "rampartd: ready" (the daemon compiles the rules first). */
	for (int waited = 0; waited < 30000;) {
		struct pollfd p = { .fd = r->out_fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		n = read(r->out_fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = '\0';
		char *m = strstr(buf, "metrics on port ");

		if (m)
			r->metrics_port = (unsigned)atoi(m + strlen("metrics on port "));
		if (strstr(buf, "rampartd: ready\n"))
			return 0;
	}
	return -1;
}

int harness_stop(struct daemon_run *r)
{
	int status = 0, rc = -1;
	char cmd[300];

	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		for (int i = 0; i < 1500; i++) {
			if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
				rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
				break;
			}
			usleep(20 * 1000);
		}
		if (rc == -1 && waitpid(r->pid, &status, WNOHANG) == 0) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &status, 0);
		}
	}
	if (r->out_fd >= 0)
		close(r->out_fd);
	if (rc != 0 && r->pid > 0) {
		/* show why (ASan reports, error lines) before the directory goes */
		static char log[1 << 16];

		snprintf(cmd, sizeof(cmd), "%s/rampartd.err", r->dir);
		harness_read_file(cmd, log, sizeof(log));
		fprintf(stderr, "rampartd exit status %d; its stderr:\n%s\n", rc, log);
	}
	if (strncmp(r->dir, "/tmp/rampartd-test-", 19) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", r->dir);
	}
	return rc;
}

int harness_run_daemon_once(const char *config, char *err, size_t errlen)
{
	char errpath[] = "/tmp/rampartd-test-err-XXXXXX";
	int fd = mkstemp(errpath), status;
	pid_t pid;

	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fd, 2);
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		execl(binary("RAMPARTD", "ctrlplane/daemon/rampartd"), "rampartd", "--config", config, (char *)NULL);
		_exit(127);
	}
	close(fd);
	waitpid(pid, &status, 0);
	harness_read_file(errpath, err, errlen);
	unlink(errpath);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static pid_t spawn_ctl(const struct daemon_run *r, uid_t uid, const char **args)
{
	char out[300], err[300];
	pid_t pid;

	snprintf(out, sizeof(out), "%s/ctl.out", r->dir);
	snprintf(err, sizeof(err), "%s/ctl.err", r->dir);
	pid = fork();
	if (pid == 0) {
		const char *argv[64] = { "rampartctl", "--socket", r->sock };
		int n = 3;
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666);

		dup2(o, 1);
		dup2(e, 2);
		for (int i = 0; args[i] && n < 63; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		if (uid != (uid_t)-1) {
			/* nobody, no supplementary groups */
			if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(uid) != 0)
				_exit(126);
		}
		execv(binary("RAMPARTCTL", "ctrlplane/ctl/rampartctl"), (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static void collect_args(const char **args, const char *first, va_list ap)
{
	int n = 0;

	for (const char *a = first; a && n < 60; a = va_arg(ap, const char *))
		args[n++] = a;
	args[n] = NULL;
}

pid_t harness_ctl_spawn(const struct daemon_run *r, const char *arg, ...)
{
	const char *args[64];
	va_list ap;

	va_start(ap, arg);
	collect_args(args, arg, ap);
	va_end(ap);
	return spawn_ctl(r, (uid_t)-1, args);
}

int harness_ctl_wait(const struct daemon_run *r, pid_t pid, char *out, size_t outlen, char *err, size_t errlen)
{
	char path[300];
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (out) {
		snprintf(path, sizeof(path), "%s/ctl.out", r->dir);
		harness_read_file(path, out, outlen);
	}
	if (err) {
		snprintf(path, sizeof(path), "%s/ctl.err", r->dir);
		harness_read_file(path, err, errlen);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int harness_ctl(const struct daemon_run *r, uid_t uid, char *out, size_t outlen, char *err, size_t errlen,
		const char *arg, ...)
{
	const char *args[64];
	va_list ap;

	va_start(ap, arg);
	collect_args(args, arg, ap);
	va_end(ap);
	return harness_ctl_wait(r, spawn_ctl(r, uid, args), out, outlen, err, errlen);
}
