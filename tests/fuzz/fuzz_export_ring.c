/*
 * fuzz_export_ring.c - libFuzzer target for the CONSUMER side of the export
 * ring (ctrlplane/link/export_ring.h) facing a hostile producer.
 *
 * rampartd maps a memfd that rampart-dp created and can still write: every
 * byte of it (header fields, head/tail indices, record headers, payloads) is
 * under the producer's control, also while the daemon reads. So the target
 * creates one ring (4 KiB data area), maps the same memfd a second time as
 * "the producer", and per input:
 *   - writes the header fields it picks (magic / version / sizes, rarely),
 *     head and tail, and the data area from the input,
 *   - attaches a fresh consumer (export_ring_attach must refuse or accept),
 *   - pops until empty with a buffer size from the input, and when empty
 *     moves head on by the next input value (a producer racing the reader).
 * The consumer must never read outside its mapping or its buffer (ASan),
 * must return 1 only with a NUL-terminated payload of h->len bytes, and must
 * reach "empty" in a bounded number of pops.
 *
 * Input layout: [flags u8][cap u16][head u64][tail u64][n u8][n x u64 head
 * moves][hdr 24 bytes when flags&1][data area bytes...] (short inputs: what
 * is missing is zero).
 * The header offsets below mirror the ABI described in export_ring.h
 * (magic, version, header_bytes, data_bytes; head on the 2nd cache line,
 * tail on the 3rd); init checks them against a real push.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ctrlplane/link/export_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RING_BYTES 4096u
#define OFF_MAGIC 0
#define OFF_VERSION 8
#define OFF_HEADER_BYTES 12
#define OFF_DATA_BYTES 16
#define OFF_HEAD 64
#define OFF_TAIL 128

static struct export_ring *producer;
static unsigned char *shared; /* the producer's view: header page + data */
static int memfd = -1;

static void put64(size_t off, uint64_t v)
{
	memcpy(shared + off, &v, sizeof(v));
}

static uint64_t get64(size_t off)
{
	uint64_t v;
	memcpy(&v, shared + off, sizeof(v));
	return v;
}

static void setup(void)
{
	producer = export_ring_create(RING_BYTES, &memfd);
	if (!producer)
		abort();
	shared = mmap(NULL, EXPORT_RING_HEADER_BYTES + RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (shared == MAP_FAILED)
		abort();
	/* The offsets above must match the ring: one record of 8 payload bytes
	 * moves head to 40 (32-byte header + 8, aligned to 8). */
	struct export_rec_hdr h = { .len = 8 };
	if (get64(OFF_MAGIC) != EXPORT_RING_MAGIC || get64(OFF_DATA_BYTES) != RING_BYTES ||
	    !export_ring_push(producer, &h, "12345678") || get64(OFF_HEAD) != 40 || get64(OFF_TAIL) != 0) {
		fprintf(stderr, "fuzz_export_ring: shared header layout changed, update the offsets\n");
		abort();
	}
}

static uint64_t take64(const uint8_t **p, const uint8_t *end, uint64_t dflt)
{
	uint64_t v = dflt;
	if (end - *p >= 8) {
		memcpy(&v, *p, 8);
		*p += 8;
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!producer)
		setup();
	if (size < 3 || size > 3 + 16 + 1 + 8 * 255 + 24 + RING_BYTES)
		return 0;
	const uint8_t *p = data, *end = data + size;
	uint8_t flags = *p++;
	size_t cap = (size_t)(p[0] | p[1] << 8) % (RING_BYTES + 64);
	p += 2;

	/* Sane header first, then what the input overrides. Indices are small
	 * offsets from a large base most of the time so wrap-around and the
	 * 64-bit free-running arithmetic both get exercised. */
	put64(OFF_MAGIC, EXPORT_RING_MAGIC);
	uint32_t version = EXPORT_RING_VERSION, header_bytes = EXPORT_RING_HEADER_BYTES;
	memcpy(shared + OFF_VERSION, &version, 4);
	memcpy(shared + OFF_HEADER_BYTES, &header_bytes, 4);
	put64(OFF_DATA_BYTES, RING_BYTES);
	uint64_t base = (flags & 2) ? (uint64_t)0 - RING_BYTES : 0; /* indices wrap 2^64 */
	uint64_t head = take64(&p, end, 0), tail = take64(&p, end, 0);
	if (!(flags & 4)) { /* keep them near each other, the common hostile case */
		tail = base + (tail % (4 * RING_BYTES));
		head = tail + (head % (2 * RING_BYTES));
	}
	put64(OFF_HEAD, head);
	put64(OFF_TAIL, tail);
	const uint8_t *moves_at = p, *moves_end = p;
	if (p < end) {
		size_t want = 1 + 8 * (size_t)*p;
		moves_end = (size_t)(end - p) < want ? end : p + want;
		moves_at = p + 1;
		p = moves_end;
	}
	if ((flags & 1) && end - p >= 24) {
		memcpy(shared + OFF_MAGIC, p, 24); /* magic, version, header_bytes, data_bytes */
		p += 24;
	}
	size_t n = (size_t)(end - p) < RING_BYTES ? (size_t)(end - p) : RING_BYTES;
	memset(shared + EXPORT_RING_HEADER_BYTES, 0, RING_BYTES);
	memcpy(shared + EXPORT_RING_HEADER_BYTES, p, n);
	p += n;

	char err[128];
	struct export_ring *c = export_ring_attach(memfd, err, sizeof(err));
	if (!c) {
		if (err[0] == '\0')
			abort(); /* a refusal says why */
		return 0;
	}
	/* cap 0 means "no buffer": pop must skip, not write. */
	char *buf = cap ? malloc(cap) : NULL;
	struct export_rec_hdr h;
	unsigned pops = 0, moves = 0;
	for (;;) {
		int rc = export_ring_pop(c, &h, buf, cap);
		if (rc == 1) {
			if ((size_t)h.len + 1 > cap || buf[h.len] != '\0')
				abort();
		} else if (rc == 0) {
			if (moves_end - moves_at < 8)
				break;
			/* The producer publishes more: usually a step forward from
			 * the last head, with flags&8 any value at all. */
			uint64_t v = take64(&moves_at, moves_end, 0);
			head = (flags & 8) ? v : head + v % (2 * RING_BYTES);
			put64(OFF_HEAD, head);
			moves++;
		} else if (rc != -1) {
			abort();
		}
		/* Every record takes >= 32 bytes of a 4 KiB ring: at most 128 per
		 * ring's worth of head movement, plus a corrupt skip per move. */
		if (++pops > 130u * (moves + 2) + 2 * 256)
			abort(); /* the consumer is looping */
	}
	struct export_ring_counters k;
	export_ring_counters(c, &k);
	(void)export_ring_used(c);
	free(buf);
	export_ring_close(c);
	return 0;
}
