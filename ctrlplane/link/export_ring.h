/*
 * export_ring.h - the shared-memory SPSC record ring that carries alerts,
 * drops and firewall events from rampart-dp to rampartd.
 *
 * Contract
 * --------
 * Producer: rampart-dp's output thread (exactly one thread). It creates the ring
 * in a memfd it owns (export_ring_create) and passes that memfd to the daemon in
 * its `hello` at every (re)attach. Consumer: rampartd's reader for that data
 * plane (exactly one thread, one consumer at a time); it maps the memfd
 * (export_ring_attach). push and pop take no lock, make no system call and never
 * allocate; push never waits: when the ring is full the record is dropped and
 * counted (dropped_full), so a slow or dead daemon never stalls packets.
 *
 * Memory layout (the ABI between the two processes; version 1)
 * -------------------------------------------------------------
 * memfd = EXPORT_RING_HEADER_BYTES header page + `size` data bytes (size a power
 * of two in [EXPORT_RING_MIN_BYTES, EXPORT_RING_MAX_BYTES]). The header page
 * holds the magic (first 8 bytes, EXPORT_RING_MAGIC), the version, the size,
 * then on its own cache line the producer index (head) with the producer's
 * counters, and on another the consumer index (tail) with the consumer's
 * counters. Indices are free-running 64-bit byte counts; offset = index & (size-1).
 * A record is struct export_rec_hdr followed by len payload bytes, padded to a
 * multiple of 8. Records wrap: a record that runs past the end of the data area
 * continues at its start (copied in two parts), so no space is wasted on skip
 * markers and any record up to `size` bytes fits. The producer writes a record,
 * then publishes head (release); the consumer reads head (acquire), copies the
 * record out, then publishes tail (release).
 *
 * The producer seals the memfd's size (F_SEAL_SHRINK|F_SEAL_GROW) and the
 * consumer refuses an unsealed one, so a mapped ring can never turn into
 * SIGBUS. The consumer trusts nothing in the mapping: it keeps its own copy of
 * the size, masks every offset, and checks every record header against the
 * bytes actually published; a bad one (len beyond what head covers) makes it
 * skip everything published (tail = head) and count one `corrupt` event.
 *
 * Restart: head and tail live in the shared mapping, so a consumer that attaches
 * after another died continues from the stored tail. A record the dead consumer
 * had copied but not yet released (tail not published) is delivered again:
 * at-least-once, never lost.
 */
#ifndef RAMPART_EXPORT_RING_H
#define RAMPART_EXPORT_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXPORT_RING_MAGIC 0x474e495254504d52ull /* "RMPTRING" little-endian */
#define EXPORT_RING_VERSION 1u
#define EXPORT_RING_HEADER_BYTES 4096u
#define EXPORT_RING_MIN_BYTES 4096u
#define EXPORT_RING_MAX_BYTES (1u << 30)

enum export_rec_kind {
	EXPORT_REC_ALERT = 0,
	EXPORT_REC_DROP = 1,
	EXPORT_REC_FIREWALL = 2,
};

/* One record's header; payload = one EVE JSON line without '\n'. 32 bytes. */
struct export_rec_hdr {
	uint32_t len;       /* payload bytes */
	uint8_t kind;       /* enum export_rec_kind */
	uint8_t priority;
	uint16_t worker;
	uint32_t sid, gid, rev;
	uint64_t ts_usec;
};

struct export_ring;

/*
 * Producer: a new ring of `bytes` data bytes (power of two, within the limits
 * above) in a sealed-size memfd; *memfd_out receives the fd, which the ring owns
 * (export_ring_close closes it) and the caller passes to the daemon.
 * NULL with errno (EINVAL bad size, ENOMEM, or the memfd/mmap error).
 */
struct export_ring *export_ring_create(size_t bytes, int *memfd_out);

/*
 * Consumer: maps the ring in memfd (checks seals, magic, version, size against
 * the file). The fd is not taken over: the caller may close it at once.
 * NULL with err set ("export ring: bad magic") and errno EINVAL/EPERM.
 */
struct export_ring *export_ring_attach(int memfd, char *err, size_t errlen);

/*
 * Producer: copies h (its len = payload bytes) and payload in. false: the ring
 * is full (dropped_full counted) or the record can never fit (dropped_oversize
 * counted), or r is not a producer's ring. Never blocks.
 */
bool export_ring_push(struct export_ring *r, const struct export_rec_hdr *h, const void *payload);

/*
 * Consumer: takes the oldest record.
 *  1: *h filled, h->len payload bytes copied to buf and a NUL added (cap must
 *     be >= h->len + 1).
 *  0: nothing to read (also after a corrupt header was detected and skipped).
 * -1: the record needs more than cap bytes: *h is filled, the record is
 *     skipped and counted (skipped_oversize).
 */
int export_ring_pop(struct export_ring *r, struct export_rec_hdr *h, char *buf, size_t cap);

/* Snapshots of the shared counters, readable from any thread on either side.
 * Totals since the ring's creation, across consumer restarts. */
struct export_ring_counters {
	uint64_t pushed;           /* records stored by the producer */
	uint64_t dropped_full;     /* refused: no room (no consumer, or too slow) */
	uint64_t popped;           /* records delivered by export_ring_pop (1) */
	uint64_t dropped_oversize; /* refused by push: larger than the whole ring */
	uint64_t skipped_oversize; /* skipped by pop: larger than the caller's buffer */
	uint64_t corrupt;          /* bad record headers / indices found by the consumer */
};
void export_ring_counters(const struct export_ring *r, struct export_ring_counters *out);

/* Bytes published and not yet consumed (a snapshot). */
size_t export_ring_used(const struct export_ring *r);

/* Unmaps; the producer also closes its memfd. NULL is a no-op. */
void export_ring_close(struct export_ring *r);

#endif /* RAMPART_EXPORT_RING_H */
