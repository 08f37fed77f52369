/*
 * export_ring.c - SPSC record ring in a shared memfd. Layout and contract in
 * export_ring.h.
 */
#include "ctrlplane/link/export_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_LINE 64
#define REC_ALIGN 8u
#define REC_HDR_BYTES ((uint64_t)sizeof(struct export_rec_hdr))

_Static_assert(sizeof(struct export_rec_hdr) == 32, "export_rec_hdr is part of the shared ABI");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "shared indices need lock-free 64-bit atomics");

/* The header page as both processes see it. Each side writes only its own
 * cache line (producer: head + its counters; consumer: tail + its counters). */
struct ring_shared {
	uint64_t magic;
	uint32_t version;
	uint32_t header_bytes;
	uint64_t data_bytes;

	alignas(CACHE_LINE) _Atomic uint64_t head;
	_Atomic uint64_t pushed;
	_Atomic uint64_t dropped_full;
	_Atomic uint64_t dropped_oversize;

	alignas(CACHE_LINE) _Atomic uint64_t tail;
	_Atomic uint64_t popped;
	_Atomic uint64_t skipped_oversize;
	_Atomic uint64_t corrupt;
};
_Static_assert(sizeof(struct ring_shared) <= EXPORT_RING_HEADER_BYTES, "header fits its page");

struct export_ring {
	struct ring_shared *sh;
	unsigned char *data;
	uint64_t size; /* private copy: never re-read from the shared page */
	uint64_t mask;
	size_t map_len;
	int memfd;     /* producer only; -1 for a consumer */
	bool producer;

	/* Producer state: its own head and the last tail it saw. */
	uint64_t head;
	uint64_t tail_seen;
	uint64_t pushed, dropped_full, dropped_oversize;

	/* Consumer state: its own tail and the last head it saw. */
	uint64_t tail;
	uint64_t head_seen;
	uint64_t popped, skipped_oversize, corrupt;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool size_ok(uint64_t bytes)
{
	return bytes >= EXPORT_RING_MIN_BYTES && bytes <= EXPORT_RING_MAX_BYTES &&
	       (bytes & (bytes - 1)) == 0;
}

/* Bytes a record with len payload bytes occupies in the ring. */
static inline uint64_t rec_bytes(uint32_t len)
{
	return (REC_HDR_BYTES + len + (REC_ALIGN - 1)) & ~(uint64_t)(REC_ALIGN - 1);
}

/* Copies n bytes to ring position pos, wrapping at the end of the data area. */
static inline void copy_in(struct export_ring *r, uint64_t pos, const void *src, uint64_t n)
{
	uint64_t off = pos & r->mask;
	uint64_t first = r->size - off < n ? r->size - off : n;
	memcpy(r->data + off, src, first);
	if (n > first)
		memcpy(r->data, (const unsigned char *)src + first, n - first);
}

static inline void copy_out(const struct export_ring *r, uint64_t pos, void *dst, uint64_t n)
{
	uint64_t off = pos & r->mask;
	uint64_t first = r->size - off < n ? r->size - off : n;
	memcpy(dst, r->data + off, first);
	if (n > first)
		memcpy((unsigned char *)dst + first, r->data, n - first);
}

/* Single-writer counter: a plain load+store is enough and cheaper than an RMW. */
static inline void bump(_Atomic uint64_t *shared, uint64_t *local)
{
	atomic_store_explicit(shared, ++*local, memory_order_relaxed);
}

struct export_ring *export_ring_create(size_t bytes, int *memfd_out)
{
	if (memfd_out == NULL || !size_ok(bytes)) {
		errno = EINVAL;
		return NULL;
	}
	struct export_ring *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	int saved;
	size_t map_len = EXPORT_RING_HEADER_BYTES + bytes;
	int fd = memfd_create("rampart-export-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		goto fail;
	if (ftruncate(fd, (off_t)map_len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail_fd;
	void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto fail_fd;

	r->sh = map;
	r->data = (unsigned char *)map + EXPORT_RING_HEADER_BYTES;
	r->size = bytes;
	r->mask = bytes - 1;
	r->map_len = map_len;
	r->memfd = fd;
	r->producer = true;
	/* The page is fresh zeroes; the counters and indices start at 0. Magic
	 * goes last so a consumer never accepts a half-written header. */
	r->sh->version = EXPORT_RING_VERSION;
	r->sh->header_bytes = EXPORT_RING_HEADER_BYTES;
	r->sh->data_bytes = bytes;
	atomic_thread_fence(memory_order_release);
	r->sh->magic = EXPORT_RING_MAGIC;
	*memfd_out = fd;
	return r;

fail_fd:
	saved = errno;
	close(fd);
	errno = saved;
fail:
	saved = errno;
	free(r);
	errno = saved;
	return NULL;
}

struct export_ring *export_ring_attach(int memfd, char *err, size_t errlen)
{
	int seals = fcntl(memfd, F_GET_SEALS);
	if (seals < 0) {
		set_err(err, errlen, "export ring: not a memfd: %s", strerror(errno));
		errno = EINVAL;
		return NULL;
	}
	if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW)) {
		set_err(err, errlen, "export ring: memfd size is not sealed");
		errno = EPERM;
		return NULL;
	}
	struct stat st;
	if (fstat(memfd, &st) < 0) {
		set_err(err, errlen, "export ring: fstat: %s", strerror(errno));
		return NULL;
	}
	uint64_t file_bytes = (uint64_t)st.st_size;
	if (st.st_size < 0 || file_bytes < EXPORT_RING_HEADER_BYTES + (uint64_t)EXPORT_RING_MIN_BYTES ||
	    file_bytes > EXPORT_RING_HEADER_BYTES + (uint64_t)EXPORT_RING_MAX_BYTES) {
		set_err(err, errlen, "export ring: memfd size %lld out of range", (long long)st.st_size);
		errno = EINVAL;
		return NULL;
	}
	void *map = mmap(NULL, (size_t)file_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (map == MAP_FAILED) {
		set_err(err, errlen, "export ring: mmap: %s", strerror(errno));
		return NULL;
	}
	struct ring_shared *sh = map;
	const char *why = NULL;
	uint64_t size = sh->data_bytes;
	if (sh->magic != EXPORT_RING_MAGIC)
		why = "bad magic";
	else if (sh->version != EXPORT_RING_VERSION)
		why = "unsupported version";
	else if (sh->header_bytes != EXPORT_RING_HEADER_BYTES)
		why = "bad header size";
	else if (!size_ok(size) || EXPORT_RING_HEADER_BYTES + size != file_bytes)
		why = "data size does not match the memfd";
	int fail_errno = EINVAL;
	struct export_ring *r = NULL;
	if (why == NULL && (r = calloc(1, sizeof(*r))) == NULL) {
		why = "out of memory";
		fail_errno = ENOMEM;
	}
	if (why != NULL) {
		set_err(err, errlen, "export ring: %s", why);
		munmap(map, (size_t)file_bytes);
		errno = fail_errno;
		return NULL;
	}

	r->sh = sh;
	r->data = (unsigned char *)map + EXPORT_RING_HEADER_BYTES;
	r->size = size;
	r->mask = size - 1;
	r->map_len = (size_t)file_bytes;
	r->memfd = -1;
	r->producer = false;
	r->popped = atomic_load_explicit(&sh->popped, memory_order_relaxed);
	r->skipped_oversize = atomic_load_explicit(&sh->skipped_oversize, memory_order_relaxed);
	r->corrupt = atomic_load_explicit(&sh->corrupt, memory_order_relaxed);
	/* Resume where the previous consumer stopped, unless its tail is nonsense. */
	uint64_t head = atomic_load_explicit(&sh->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&sh->tail, memory_order_relaxed);
	if (head - tail > size || (tail & (REC_ALIGN - 1)) != 0) {
		tail = head;
		atomic_store_explicit(&sh->tail, tail, memory_order_release);
		bump(&sh->corrupt, &r->corrupt);
	}
	r->tail = tail;
	r->head_seen = head;
	return r;
}

bool export_ring_push(struct export_ring *r, const struct export_rec_hdr *h, const void *payload)
{
	if (!r->producer || (h->len > 0 && payload == NULL))
		return false;
	uint64_t need = rec_bytes(h->len);
	if (need > r->size) {
		bump(&r->sh->dropped_oversize, &r->dropped_oversize);
		return false;
	}
	uint64_t head = r->head;
	/* used > size only if the consumer wrote nonsense: treat as full. */
	uint64_t used = head - r->tail_seen;
	if (used > r->size || r->size - used < need) {
		r->tail_seen = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
		used = head - r->tail_seen;
		if (used > r->size || r->size - used < need) {
			bump(&r->sh->dropped_full, &r->dropped_full);
			return false;
		}
	}
	copy_in(r, head, h, REC_HDR_BYTES);
	if (h->len > 0)
		copy_in(r, head + REC_HDR_BYTES, payload, h->len);
	r->head = head + need;
	atomic_store_explicit(&r->sh->head, r->head, memory_order_release);
	bump(&r->sh->pushed, &r->pushed);
	return true;
}

/* Bad header or indices: drop everything published so far. */
static int pop_corrupt(struct export_ring *r, uint64_t head)
{
	r->tail = head;
	atomic_store_explicit(&r->sh->tail, head, memory_order_release);
	bump(&r->sh->corrupt, &r->corrupt);
	return 0;
}

int export_ring_pop(struct export_ring *r, struct export_rec_hdr *h, char *buf, size_t cap)
{
	if (r->producer)
		return 0;
	uint64_t tail = r->tail;
	if (r->head_seen == tail) {
		r->head_seen = atomic_load_explicit(&r->sh->head, memory_order_acquire);
		if (r->head_seen == tail)
			return 0;
	}
	uint64_t head = r->head_seen;
	uint64_t avail = head - tail;
	if (avail > r->size || avail < REC_HDR_BYTES)
		return pop_corrupt(r, head);

	/* Copy the header once and validate the copy: the producer's memory may
	 * change under us, our copy cannot. */
	struct export_rec_hdr rec;
	copy_out(r, tail, &rec, REC_HDR_BYTES);
	uint64_t need = rec_bytes(rec.len);
	if (need > avail)
		return pop_corrupt(r, head);

	int rc;
	*h = rec;
	if (buf == NULL || (uint64_t)rec.len + 1 > cap) {
		bump(&r->sh->skipped_oversize, &r->skipped_oversize);
		rc = -1;
	} else {
		copy_out(r, tail + REC_HDR_BYTES, buf, rec.len);
		buf[rec.len] = '\0';
		bump(&r->sh->popped, &r->popped);
		rc = 1;
	}
	r->tail = tail + need;
	atomic_store_explicit(&r->sh->tail, r->tail, memory_order_release);
	return rc;
}

void export_ring_counters(const struct export_ring *r, struct export_ring_counters *out)
{
	const struct ring_shared *sh = r->sh;
	out->pushed = atomic_load_explicit(&sh->pushed, memory_order_relaxed);
	out->dropped_full = atomic_load_explicit(&sh->dropped_full, memory_order_relaxed);
	out->dropped_oversize = atomic_load_explicit(&sh->dropped_oversize, memory_order_relaxed);
	out->popped = atomic_load_explicit(&sh->popped, memory_order_relaxed);
	out->skipped_oversize = atomic_load_explicit(&sh->skipped_oversize, memory_order_relaxed);
	out->corrupt = atomic_load_explicit(&sh->corrupt, memory_order_relaxed);
}

size_t export_ring_used(const struct export_ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->sh->tail, memory_order_acquire);
	uint64_t head = atomic_load_explicit(&r->sh->head, memory_order_acquire);
	uint64_t used = head - tail;
	return used > r->size ? (size_t)r->size : (size_t)used;
}

void export_ring_close(struct export_ring *r)
{
	if (r == NULL)
		return;
	munmap(r->sh, r->map_len);
	if (r->memfd >= 0)
		close(r->memfd);
	free(r);
}
