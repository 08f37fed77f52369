/*
 * unit_link_socket: the rampartd socket layer (ctrlplane/link/link.h):
 * messages with fds, timeouts, peer close, size limits, socket file takeover
 * rules, peer credentials, group membership, sealed memfds.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctrlplane/link/link.h"

struct fixture {
	char dir[64];
	char path[128];
	int listen_fd;
	int client;
	int server;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/rampart-link-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/d.sock", f->dir);
	char err[256] = "";
	f->listen_fd = link_listen(f->path, 0660, (gid_t)-1, err, sizeof(err));
	assert_true(f->listen_fd >= 0);
	f->client = link_connect(f->path, err, sizeof(err));
	assert_true(f->client >= 0);
	f->server = link_accept(f->listen_fd);
	assert_true(f->server >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->client >= 0)
		close(f->client);
	if (f->server >= 0)
		close(f->server);
	close(f->listen_fd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_round_trip_with_fds(void **state)
{
	struct fixture *f = *state;
	const char rules[] = "alert tcp any any -> any 80 (msg:\"x\"; sid:1;)\n";
	const char yaml[] = "vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n";
	int fds[2] = {
		link_memfd_from("rules", rules, strlen(rules)),
		link_memfd_from("config", yaml, strlen(yaml)),
	};
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	json_t *msg = json_pack("{s:s, s:i, s:s}", "type", "load", "generation", 7, "rules_sha256", "ab");
	assert_int_equal(link_send(f->server, msg, fds, 2), 0);
	json_decref(msg);
	close(fds[0]);
	close(fds[1]);

	json_t *got = NULL;
	int rfds[LINK_MAX_FDS];
	unsigned n = 99;
	assert_int_equal(link_recv(f->client, &got, rfds, &n, 1000), 1);
	assert_non_null(got);
	assert_string_equal(json_string_value(json_object_get(got, "type")), "load");
	assert_int_equal(json_integer_value(json_object_get(got, "generation")), 7);
	json_decref(got);
	assert_int_equal(n, 2);
	const char *want[2] = { rules, yaml };
	for (unsigned i = 0; i < 2; i++) {
		assert_true(fcntl(rfds[i], F_GETFD) & FD_CLOEXEC);
		size_t len = 0;
		char *p = link_map_readonly(rfds[i], &len);
		assert_non_null(p);
		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(p, want[i], len);
		/* Sealed: the receiver can rely on the bytes never changing. */
		assert_int_equal(write(rfds[i], "x", 1), -1);
		assert_int_equal(errno, EPERM);
		munmap(p, len);
		close(rfds[i]);
	}

	/* And the other direction, without fds. */
	msg = json_pack("{s:s, s:b}", "type", "load-result", "ok", 1);
	assert_int_equal(link_send(f->client, msg, NULL, 0), 0);
	json_decref(msg);
	n = 99;
	assert_int_equal(link_recv(f->server, &got, rfds, &n, 1000), 1);
	assert_int_equal(n, 0);
	assert_true(json_is_true(json_object_get(got, "ok")));
	json_decref(got);
}

static void test_fds_closed_when_not_wanted(void **state)
{
	struct fixture *f = *state;
	int fd = link_memfd_from("x", "abc", 3);
	assert_true(fd >= 0);
	json_t *msg = json_pack("{s:s}", "type", "hello");
	assert_int_equal(link_send(f->client, msg, &fd, 1), 0);
	json_decref(msg);
	close(fd);
	/* The lowest free descriptor number tells whether one leaked. */
	int probe = dup(0);
	close(probe);
	json_t *got = NULL;
	assert_int_equal(link_recv(f->server, &got, NULL, NULL, 1000), 1);
	json_decref(got);
	int probe2 = dup(0);
	close(probe2);
	assert_int_equal(probe, probe2);
}

static void test_timeout_returns_zero(void **state)
{
	struct fixture *f = *state;
	json_t *got = (json_t *)1;
	int64_t t0 = now_ms();
	assert_int_equal(link_recv(f->client, &got, NULL, NULL, 60), 0);
	int64_t took = now_ms() - t0;
	assert_null(got);
	assert_true(took >= 50);
	assert_true(took < 2000);
	assert_int_equal(link_recv(f->client, &got, NULL, NULL, 0), 0);
}

static void test_peer_close(void **state)
{
	struct fixture *f = *state;
	close(f->server);
	f->server = -1;
	json_t *got = NULL;
	errno = 0;
	assert_int_equal(link_recv(f->client, &got, NULL, NULL, 1000), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_null(got);
	/* Sending to a closed peer fails with an error, not SIGPIPE. */
	json_t *msg = json_pack("{s:s}", "type", "x");
	assert_int_equal(link_send(f->client, msg, NULL, 0), -1);
	assert_true(errno == EPIPE || errno == ECONNRESET);
	json_decref(msg);
}

static void test_oversize_and_bad_messages(void **state)
{
	struct fixture *f = *state;
	char *big = malloc(LINK_MAX_MSG + 1);
	assert_non_null(big);
	memset(big, 'a', LINK_MAX_MSG);
	big[LINK_MAX_MSG] = '\0';
	json_t *msg = json_pack("{s:s}", "text", big);
	errno = 0;
	assert_int_equal(link_send(f->client, msg, NULL, 0), -1);
	assert_int_equal(errno, EMSGSIZE);
	json_decref(msg);

	int fds[LINK_MAX_FDS + 1] = { 0 };
	msg = json_pack("{s:s}", "type", "x");
	assert_int_equal(link_send(f->client, msg, fds, LINK_MAX_FDS + 1), -1);
	assert_int_equal(errno, EINVAL);
	json_decref(msg);

	/* A hostile peer writing raw bytes: too long, not JSON, not an object.
	 * Each is discarded with a clear errno and the connection stays usable. */
	assert_true(send(f->client, big, LINK_MAX_MSG + 1, 0) == LINK_MAX_MSG + 1);
	assert_true(send(f->client, "{not json", 9, 0) == 9);
	assert_true(send(f->client, "[1,2]", 5, 0) == 5);
	json_t *got = NULL;
	assert_int_equal(link_recv(f->server, &got, NULL, NULL, 1000), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(link_recv(f->server, &got, NULL, NULL, 1000), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(link_recv(f->server, &got, NULL, NULL, 1000), -1);
	assert_int_equal(errno, EPROTO);
	assert_null(got);

	/* Exactly at the limit still goes through. */
	memset(big, 'b', LINK_MAX_MSG);
	big[LINK_MAX_MSG - 8] = '\0'; /* {"t":"..."} adds 8 bytes: exactly the limit */
	msg = json_pack("{s:s}", "t", big);
	assert_int_equal(link_send(f->client, msg, NULL, 0), 0);
	json_decref(msg);
	assert_int_equal(link_recv(f->server, &got, NULL, NULL, 1000), 1);
	assert_int_equal(strlen(json_string_value(json_object_get(got, "t"))), LINK_MAX_MSG - 8);
	json_decref(got);
	free(big);
}

static void test_stale_socket_replaced(void **state)
{
	struct fixture *f = *state;
	char path[160];
	snprintf(path, sizeof(path), "%s/stale.sock", f->dir);
	/* A crashed daemon leaves its socket file behind. */
	int dead = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strcpy(addr.sun_path, path);
	assert_int_equal(bind(dead, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(dead);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);

	char err[256] = "";
	int lfd = link_listen(path, 0600, getgid(), err, sizeof(err));
	assert_true(lfd >= 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_gid, getgid());
	int c = link_connect(path, err, sizeof(err));
	assert_true(c >= 0);
	int s = link_accept(lfd);
	assert_true(s >= 0);
	/* Nothing else waits: the listening socket does not block. */
	assert_int_equal(link_accept(lfd), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(c);
	close(s);
	close(lfd);
	unlink(path);

	/* A regular file is never removed. */
	int reg = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(reg >= 0);
	close(reg);
	err[0] = '\0';
	assert_int_equal(link_listen(path, 0660, (gid_t)-1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a socket"));
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);
}

static void test_live_socket_not_stolen(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	assert_int_equal(link_listen(f->path, 0660, (gid_t)-1, err, sizeof(err)), -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(err, "already in use"));
	assert_non_null(strstr(err, f->path));
	/* The liveness probe was one connection that closed at once: the live
	 * daemon sees it as a client that left without a word. */
	int probe = link_accept(f->listen_fd);
	assert_true(probe >= 0);
	json_t *got = NULL;
	assert_int_equal(link_recv(probe, &got, NULL, NULL, 1000), -1);
	assert_int_equal(errno, ECONNRESET);
	close(probe);
	/* The original listener still serves new clients. */
	int c = link_connect(f->path, err, sizeof(err));
	assert_true(c >= 0);
	int s = link_accept(f->listen_fd);
	assert_true(s >= 0);
	json_t *msg = json_pack("{s:s}", "type", "ping");
	assert_int_equal(link_send(c, msg, NULL, 0), 0);
	json_decref(msg);
	assert_int_equal(link_recv(s, &got, NULL, NULL, 1000), 1);
	json_decref(got);
	close(c);
	close(s);
}

static void test_connect_errors(void **state)
{
	struct fixture *f = *state;
	char path[160], err[256] = "";
	snprintf(path, sizeof(path), "%s/none.sock", f->dir);
	assert_int_equal(link_connect(path, err, sizeof(err)), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, path));
	char longpath[200];
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(link_listen(longpath, 0660, (gid_t)-1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
}

static void test_peer_cred(void **state)
{
	struct fixture *f = *state;
	uid_t uid = 12345;
	gid_t gid = 12345;
	pid_t pid = 0;
	assert_int_equal(link_peer_cred(f->server, &uid, &gid, &pid), 0);
	assert_int_equal(uid, getuid());
	assert_int_equal(gid, getgid());
	assert_int_equal(pid, getpid());
	assert_int_equal(link_peer_cred(f->client, NULL, NULL, &pid), 0);
	assert_int_equal(pid, getpid());
}

static void test_uid_in_group(void **state)
{
	(void)state;
	assert_true(link_uid_in_group(0, 0));
	/* Unknown users belong to nothing. */
	assert_false(link_uid_in_group((uid_t)4000000000u, 0));
	/* root is not in nogroup on Debian; skip the check where it is. */
	struct group *g = getgrnam("nogroup");
	if (g != NULL) {
		bool listed = false;
		for (char **m = g->gr_mem; *m != NULL; m++)
			if (strcmp(*m, "root") == 0)
				listed = true;
		if (!listed)
			assert_false(link_uid_in_group(0, g->gr_gid));
	}
}

static void test_memfd_sealed_and_mapping(void **state)
{
	(void)state;
	int fd = link_memfd_from("empty", NULL, 0);
	assert_true(fd >= 0);
	size_t len = 99;
	const char *p = link_map_readonly(fd, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_int_equal(p[0], '\0');
	close(fd);

	/* 1 MiB goes through write() in pieces and comes back intact. */
	size_t big_len = 1 << 20;
	unsigned char *big = malloc(big_len);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (unsigned char)(i * 31 + 7);
	fd = link_memfd_from("big", big, big_len);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 10), -1);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, 0), -1); /* F_SEAL_SEAL */
	void *m = link_map_readonly(fd, &len);
	assert_non_null(m);
	close(fd); /* the mapping outlives the fd */
	assert_int_equal(len, big_len);
	assert_memory_equal(m, big, big_len);
	munmap(m, len);
	free(big);

	/* An unsealed memfd could change or shrink under the reader: refused. */
	fd = memfd_create("open", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_null(link_map_readonly(fd, &len));
	assert_int_equal(errno, EPERM);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_with_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fds_closed_when_not_wanted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_returns_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_and_bad_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_socket_not_stolen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_cred, setup, teardown),
		cmocka_unit_test(test_uid_in_group),
		cmocka_unit_test(test_memfd_sealed_and_mapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
