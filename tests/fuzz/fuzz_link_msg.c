/*
 * fuzz_link_msg.c - libFuzzer target for link_recv (ctrlplane/link/link.h),
 * the first code that touches what a client or a data plane sends rampartd.
 *
 * link.c has no pure message parser (link_recv reads the socket and decodes
 * in one step), so each input makes a socketpair round trip: the input is
 * sent raw as ONE SOCK_SEQPACKET message, with 0..6 descriptors (/dev/null)
 * attached when the first byte asks for them (more than LINK_MAX_FDS
 * exercises the truncated-control path). Oracles:
 *  - link_recv returns 1 with a JSON object, or -1 with EMSGSIZE / EPROTO
 *    (ECONNRESET only for an empty message, which SEQPACKET cannot tell from
 *    a close); never 0, since the message is already queued;
 *  - input that jansson decodes as an object (duplicate keys refused) must be
 *    accepted, and equal; link_send of the result must round-trip;
 *  - no descriptor leaks: the lowest free fd is the same before and after.
 * Also: link_memfd_from + link_map_readonly must hand back the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctrlplane/link/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int pair[2] = { -1, -1 };
static int devnull = -1;

static void setup(void)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		abort();
	/* Room for the largest message in flight. */
	int sz = 4 * LINK_MAX_MSG;
	setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(pair[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		abort();
}

static int lowest_free_fd(void)
{
	int fd = dup(0);
	if (fd >= 0)
		close(fd);
	return fd;
}

static void send_raw(const void *buf, size_t len, unsigned n_fds)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} control;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (n_fds) {
		int fds[8];
		for (unsigned i = 0; i < n_fds; i++)
			fds[i] = devnull;
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
	}
	if (sendmsg(pair[0], &mh, MSG_NOSIGNAL) != (ssize_t)len)
		abort();
}

static void check_memfd(const uint8_t *data, size_t size)
{
	int fd = link_memfd_from("fuzz", data, size);
	if (fd < 0)
		abort();
	size_t len = 0;
	void *p = link_map_readonly(fd, &len);
	if (!p || len != size || (size && memcmp(p, data, size) != 0))
		abort();
	if (len)
		munmap(p, len);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (pair[0] < 0)
		setup();
	if (size < 1 || size > LINK_MAX_MSG + 1025)
		return 0;
	unsigned n_send = (data[0] & 0x80) ? (data[0] & 7) % 7 : 0;
	const char *msg = (const char *)data + 1;
	size_t len = size - 1;
	int free_before = lowest_free_fd();

	send_raw(msg, len, n_send);
	json_t *got = NULL;
	int fds[LINK_MAX_FDS];
	unsigned n_fds = 0;
	errno = 0;
	int rc = link_recv(pair[1], &got, fds, &n_fds, 1000);
	int saved = errno;

	json_error_t jerr;
	json_t *want = (len > 0 && len <= LINK_MAX_MSG) ? json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (rc == 1) {
		if (!got || !json_is_object(got) || n_fds > LINK_MAX_FDS || n_fds > n_send)
			abort();
		if (want && !json_equal(want, got))
			abort();
		for (unsigned i = 0; i < n_fds; i++)
			if (fcntl(fds[i], F_GETFD) != FD_CLOEXEC)
				abort(); /* received fds are close-on-exec */
		for (unsigned i = 0; i < n_fds; i++)
			close(fds[i]);
		/* What was accepted can be sent back and read again unchanged
		 * (unless its compact encoding no longer fits). */
		if (link_send(pair[0], got, NULL, 0) == 0) {
			json_t *again = NULL;
			if (link_recv(pair[1], &again, NULL, NULL, 1000) != 1 || !json_equal(again, got))
				abort();
			json_decref(again);
		} else if (errno != EMSGSIZE) {
			abort();
		}
		json_decref(got);
	} else if (rc == -1) {
		if (got)
			abort();
		if (want && json_is_object(want) && n_send <= LINK_MAX_FDS)
			abort(); /* a valid object was refused */
		if (!(saved == EMSGSIZE || saved == EPROTO || (saved == ECONNRESET && len == 0)))
			abort();
	} else {
		abort(); /* a queued message is never a timeout */
	}
	json_decref(want);
	if (lowest_free_fd() != free_before)
		abort(); /* a descriptor leaked */

	check_memfd(data, size);
	return 0;
}
