/*
 * link.c - unix SEQPACKET messages with SCM_RIGHTS, peer credentials, sealed
 * memfds. See link.h for the contract and the reasons.
 */
#include "ctrlplane/link/link.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
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

#define LINK_LISTEN_BACKLOG 64

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Fills addr for path; false (errno ENAMETOOLONG) when it does not fit. */
static bool make_addr(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(addr->sun_path)) {
		errno = n == 0 ? EINVAL : ENAMETOOLONG;
		return false;
	}
	memcpy(addr->sun_path, path, n + 1);
	return true;
}

/*
 * Whether a live process listens on the socket file at addr. Only a refused
 * connection proves the file is a leftover; any other outcome (accepted, queue
 * full, permission denied) means someone may own it.
 */
static bool socket_is_stale(const struct sockaddr_un *addr)
{
	int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return false;
	int rc = connect(probe, (const struct sockaddr *)addr, sizeof(*addr));
	int saved = errno;
	close(probe);
	return rc < 0 && saved == ECONNREFUSED;
}

int link_listen(const char *path, mode_t mode, gid_t gid, char *err, size_t errlen)
{
	struct sockaddr_un addr;
	if (!make_addr(path, &addr)) {
		set_err(err, errlen, "%s: socket path %s", path,
			errno == EINVAL ? "is empty" : "is too long");
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		set_err(err, errlen, "%s: socket: %s", path, strerror(errno));
		return -1;
	}
	int saved = 0;
	bool bound = false;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		saved = errno;
		struct stat st;
		if (saved != EADDRINUSE) {
			set_err(err, errlen, "%s: bind: %s", path, strerror(saved));
			goto fail;
		}
		if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			saved = EEXIST;
			set_err(err, errlen, "%s: exists and is not a socket", path);
			goto fail;
		}
		if (!socket_is_stale(&addr)) {
			saved = EADDRINUSE;
			set_err(err, errlen, "%s: already in use (another rampartd running?)", path);
			goto fail;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			saved = errno;
			set_err(err, errlen, "%s: cannot remove stale socket: %s", path, strerror(saved));
			goto fail;
		}
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			saved = errno;
			set_err(err, errlen, "%s: bind: %s", path, strerror(saved));
			goto fail;
		}
	}
	bound = true;
	/* Permissions are set before listen(): until then every connect is
	 * refused, so the window after bind (umask-default mode) grants nothing. */
	if (chmod(path, mode) < 0) {
		saved = errno;
		set_err(err, errlen, "%s: chmod: %s", path, strerror(saved));
		goto fail;
	}
	if (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) {
		saved = errno;
		set_err(err, errlen, "%s: chown to gid %u: %s", path, (unsigned)gid, strerror(saved));
		goto fail;
	}
	if (listen(fd, LINK_LISTEN_BACKLOG) < 0) {
		saved = errno;
		set_err(err, errlen, "%s: listen: %s", path, strerror(saved));
		goto fail;
	}
	return fd;

fail:
	if (bound)
		unlink(path);
	close(fd);
	errno = saved;
	return -1;
}

int link_accept(int listen_fd)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0 || errno != EINTR)
			return fd;
	}
}

int link_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr;
	if (!make_addr(path, &addr)) {
		set_err(err, errlen, "connect %s: socket path %s", path,
			errno == EINVAL ? "is empty" : "is too long");
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_err(err, errlen, "connect %s: socket: %s", path, strerror(errno));
		return -1;
	}
	int rc;
	do
		rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		int saved = errno;
		set_err(err, errlen, "connect %s: %s", path, strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Remaining wait for a deadline (-1 = forever). */
static int remaining_ms(int64_t deadline)
{
	if (deadline < 0)
		return -1;
	int64_t left = deadline - now_ms();
	return left <= 0 ? 0 : (left > INT_MAX ? INT_MAX : (int)left);
}

int link_send(int sock, const json_t *msg, const int *fds, unsigned n_fds)
{
	if (msg == NULL || n_fds > LINK_MAX_FDS || (n_fds > 0 && fds == NULL)) {
		errno = EINVAL;
		return -1;
	}
	char *text = json_dumps(msg, JSON_COMPACT);
	if (text == NULL) {
		errno = EINVAL;
		return -1;
	}
	size_t len = strlen(text);
	if (len > LINK_MAX_MSG) {
		free(text);
		errno = EMSGSIZE;
		return -1;
	}

	struct iovec iov = { .iov_base = text, .iov_len = len };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * LINK_MAX_FDS)];
	} control;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (n_fds > 0) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
	}

	/* Non-blocking attempts plus poll: a peer that stops reading costs us at
	 * most LINK_SEND_TIMEOUT_MS, never a hung control thread. */
	int64_t deadline = now_ms() + LINK_SEND_TIMEOUT_MS;
	int rc = -1;
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0) {
			if ((size_t)n == len) {
				rc = 0;
			} else {
				errno = EIO; /* SEQPACKET sends whole messages; be explicit */
			}
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		int wait = remaining_ms(deadline);
		if (wait == 0) {
			errno = ETIMEDOUT;
			break;
		}
		struct pollfd pfd = { .fd = sock, .events = POLLOUT };
		if (poll(&pfd, 1, wait) < 0 && errno != EINTR)
			break;
	}
	int saved = errno;
	free(text);
	errno = saved;
	return rc;
}

static void close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
}

/*
 * Takes every SCM_RIGHTS descriptor out of mh into got[] (room for
 * LINK_MAX_FDS; the control buffer cannot carry more). Returns how many.
 */
static unsigned collect_fds(struct msghdr *mh, int *got)
{
	unsigned n = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (n < LINK_MAX_FDS)
				got[n++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

int link_recv(int sock, json_t **msg, int *fds, unsigned *n_fds, int timeout_ms)
{
	if (msg == NULL) {
		errno = EINVAL;
		return -1;
	}
	*msg = NULL;
	if (n_fds != NULL)
		*n_fds = 0;

	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	char *buf = malloc(LINK_MAX_MSG);
	if (buf == NULL)
		return -1;

	int rc = -1;
	int got[LINK_MAX_FDS];
	unsigned n_got = 0;
	ssize_t n;
	struct msghdr mh;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * LINK_MAX_FDS)];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = LINK_MAX_MSG };
	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		int pr = poll(&pfd, 1, remaining_ms(deadline));
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (pr == 0) {
			rc = 0;
			goto out;
		}
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0) {
			/* A wake-up without data (another reader, a signal): wait again. */
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
				if (remaining_ms(deadline) == 0) {
					rc = 0;
					goto out;
				}
				continue;
			}
			goto out;
		}
		break;
	}

	n_got = collect_fds(&mh, got);
	if (n == 0) {
		/* SEQPACKET reports an orderly shutdown as a 0-length read, and we
		 * never send empty messages. */
		close_fds(got, n_got);
		errno = ECONNRESET;
		goto out;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		close_fds(got, n_got);
		errno = EMSGSIZE;
		goto out;
	}
	json_error_t jerr;
	json_t *obj = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL || !json_is_object(obj)) {
		json_decref(obj);
		close_fds(got, n_got);
		errno = EPROTO;
		goto out;
	}
	if (fds != NULL && n_fds != NULL) {
		memcpy(fds, got, sizeof(int) * n_got);
		*n_fds = n_got;
	} else {
		close_fds(got, n_got);
	}
	*msg = obj;
	rc = 1;

out: {
		int saved = errno;
		free(buf);
		errno = saved;
	}
	return rc;
}

int link_peer_cred(int sock, uid_t *uid, gid_t *gid, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	if (uid != NULL)
		*uid = cred.uid;
	if (gid != NULL)
		*gid = cred.gid;
	if (pid != NULL)
		*pid = cred.pid;
	return 0;
}

bool link_uid_in_group(uid_t uid, gid_t gid)
{
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t buflen = hint > 0 ? (size_t)hint : 16384;
	char *buf = NULL;
	struct passwd pw, *found = NULL;
	for (;;) {
		char *grown = realloc(buf, buflen);
		if (grown == NULL)
			goto no;
		buf = grown;
		int e = getpwuid_r(uid, &pw, buf, buflen, &found);
		if (e == ERANGE && buflen < (1u << 20)) {
			buflen *= 2;
			continue;
		}
		if (e != 0 || found == NULL)
			goto no;
		break;
	}
	if (pw.pw_gid == gid) {
		free(buf);
		return true;
	}

	int ngroups = 64;
	gid_t *groups = NULL;
	bool member = false;
	for (int tries = 0; tries < 8; tries++) {
		gid_t *g = realloc(groups, sizeof(gid_t) * (size_t)ngroups);
		if (g == NULL)
			break;
		groups = g;
		int want = ngroups;
		if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &want) >= 0) {
			for (int i = 0; i < want; i++)
				if (groups[i] == gid)
					member = true;
			break;
		}
		/* want now holds the needed count (glibc); grow at least 2x. */
		ngroups = want > ngroups ? want : ngroups * 2;
	}
	free(groups);
	free(buf);
	return member;
no:
	free(buf);
	return false;
}

int link_memfd_from(const char *name, const void *data, size_t len)
{
	if (len > 0 && data == NULL) {
		errno = EINVAL;
		return -1;
	}
	int fd = memfd_create(name != NULL ? name : "rampart-link", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		goto fail;
	return fd;
fail: {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
}

void *link_map_readonly(int fd, size_t *len)
{
	static char empty[1];
	if (len == NULL) {
		errno = EINVAL;
		return NULL;
	}
	*len = 0;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return NULL;
	if ((seals & (F_SEAL_WRITE | F_SEAL_SHRINK)) != (F_SEAL_WRITE | F_SEAL_SHRINK)) {
		errno = EPERM;
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	if (st.st_size < 0 || (uintmax_t)st.st_size > SIZE_MAX) {
		errno = EFBIG;
		return NULL;
	}
	if (st.st_size == 0)
		return empty;
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return p;
}
