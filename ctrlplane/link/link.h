/*
 * link.h - the boundary between rampartd and its clients (rampart-dp, rampartctl).
 *
 * Why it looks like this
 * ----------------------
 * - One unix SOCK_SEQPACKET socket. SEQPACKET keeps message boundaries, so one
 *   JSON object is exactly one message: no length prefix, no framing state, no
 *   partial reads to resume, and a reader can never fall out of step with its
 *   peer. A connection-oriented socket also tells each side at once when the
 *   other has gone (a 0-length read), which is how rampart-dp notices that
 *   rampartd died and starts reconnecting.
 * - Messages stay small (<= LINK_MAX_MSG). Big payloads (rule text, policy YAML)
 *   are written into a memfd, sealed read-only (link_memfd_from) and handed over
 *   as a file descriptor with SCM_RIGHTS, so a 30 MB rule set never goes through
 *   the socket, is never copied by the kernel more than once, and cannot be
 *   changed by the sender after the receiver checked it.
 * - SO_PEERCRED gives the caller's uid/pid from the kernel, so the daemon checks
 *   credentials itself (socket file mode 0660 root:rampart is the first gate,
 *   link_peer_cred + link_uid_in_group the second) and writes the real uid into
 *   the audit log.
 * - Alerts and drops leave the data plane through export_ring.h: an SPSC ring
 *   inside a memfd that rampart-dp creates and owns. rampartd only maps it. When
 *   the daemon crashes the ring (and its indices) stay alive in rampart-dp, so
 *   nothing already in it is lost; records that arrive while no daemon reads
 *   fill the ring, then are dropped and counted, never blocking a worker. A
 *   restarted daemon gets the same memfd again in the data plane's `hello` and
 *   resumes from the stored consumer index.
 *
 * Contract
 * --------
 * Owns nothing global: every function works on the descriptors it is given and
 * is safe to call from any thread. One socket may have one sender and one
 * receiver at a time. All descriptors this module creates are close-on-exec.
 * Errors: functions returning int give -1 and set errno; those taking err/errlen
 * also write one human line there ("PATH: what went wrong").
 * Not for the packet path: these calls allocate and make system calls.
 */
#ifndef RAMPART_LINK_H
#define RAMPART_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

/* Largest JSON message (bytes, compact encoding) and most fds per message. */
#define LINK_MAX_MSG (64 * 1024)
#define LINK_MAX_FDS 4

/* A send that cannot complete in this time (peer not reading) fails with
 * ETIMEDOUT instead of blocking its caller forever. */
#define LINK_SEND_TIMEOUT_MS 5000

/*
 * Creates the listening socket at path (parent directory must exist).
 * A leftover socket file that nothing answers on (a crashed daemon's) is
 * removed and replaced; a socket that a live process listens on is never
 * stolen ("already in use"); a path that is not a socket is left alone.
 * (Liveness is probed by connecting: a live daemon sees one client that closes
 * without sending anything, which it must tolerate from any client anyway.)
 * The file gets `mode` (e.g. 0660) and, when gid != (gid_t)-1, group gid.
 * The listening descriptor is non-blocking (link_accept returns -1 EAGAIN when
 * no connection waits), so an event loop never stalls on it.
 * Returns the fd, or -1 with err set.
 */
int link_listen(const char *path, mode_t mode, gid_t gid, char *err, size_t errlen);

/* Accepts one connection: a blocking, close-on-exec socket. -1 with errno
 * (EAGAIN: none waiting). */
int link_accept(int listen_fd);

/* Connects to the daemon at path: a blocking, close-on-exec socket.
 * -1 with err set ("connect PATH: No such file or directory"). */
int link_connect(const char *path, char *err, size_t errlen);

/*
 * Sends msg (compact JSON) and n_fds descriptors (still owned by the caller) as
 * one message. 0, or -1 with errno: EMSGSIZE (encoding > LINK_MAX_MSG), EINVAL
 * (n_fds > LINK_MAX_FDS or msg not encodable), EPIPE/ECONNRESET (peer gone; no
 * SIGPIPE is raised), ETIMEDOUT (peer not reading for LINK_SEND_TIMEOUT_MS).
 */
int link_send(int sock, const json_t *msg, const int *fds, unsigned n_fds);

/*
 * Waits up to timeout_ms (-1: forever; interrupted waits resume) for one message.
 *  1: *msg is a JSON object (caller json_decref), fds[0..*n_fds) are received
 *     close-on-exec descriptors the caller now owns. fds must have room for
 *     LINK_MAX_FDS; fds or n_fds NULL means "I take none": any received are
 *     closed.
 *  0: timeout, nothing received.
 * -1: errno ECONNRESET (peer closed), EMSGSIZE (message or fds did not fit: it
 *     was discarded and its fds closed; the connection is still usable),
 *     EPROTO (not a JSON object: discarded, fds closed), or a socket error.
 */
int link_recv(int sock, json_t **msg, int *fds, unsigned *n_fds, int timeout_ms);

/* The peer's credentials as the kernel saw them at connect time. Any out
 * pointer may be NULL. 0 or -1 errno. */
int link_peer_cred(int sock, uid_t *uid, gid_t *gid, pid_t *pid);

/* True when uid's primary group is gid, or gid is among its supplementary
 * groups (getgrouplist). False for an unknown uid. */
bool link_uid_in_group(uid_t uid, gid_t gid);

/*
 * A new memfd holding a copy of data[0..len), sealed against write, shrink,
 * grow and further sealing: the receiver can trust it will not change. name is
 * only shown in /proc (debugging). Returns the fd or -1 errno.
 */
int link_memfd_from(const char *name, const void *data, size_t len);

/*
 * Maps a whole sealed memfd read-only; *len = its size. The memfd must carry
 * F_SEAL_WRITE and F_SEAL_SHRINK (else NULL, errno EPERM): an unsealed one could
 * change under the reader or shrink and turn a read into SIGBUS.
 * The bytes are NOT NUL-terminated: use *len. Release with munmap(p, *len),
 * except when *len == 0: then p points to a static empty string and must not be
 * unmapped. The fd may be closed right after; the mapping stays valid.
 * NULL with errno on failure.
 */
void *link_map_readonly(int fd, size_t *len);

#endif /* RAMPART_LINK_H */
