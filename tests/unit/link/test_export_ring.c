/*
 * unit_link_export_ring: the shared-memory SPSC export ring
 * (ctrlplane/link/export_ring.h): order and contents, wrap-around, full ring,
 * consumer restart, two threads at full speed, hostile/corrupt producers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctrlplane/link/export_ring.h"
#include "ctrlplane/link/link.h"

static struct export_rec_hdr make_hdr(uint32_t seq, uint32_t len)
{
	struct export_rec_hdr h;
	memset(&h, 0, sizeof(h));
	h.len = len;
	h.kind = (uint8_t)(seq % 3);
	h.priority = (uint8_t)(seq % 4 + 1);
	h.worker = (uint16_t)(seq % 17);
	h.sid = seq;
	h.gid = 1;
	h.rev = seq % 5;
	h.ts_usec = 1700000000000000ull + seq;
	return h;
}

/* Payload bytes that depend on the record number and position. */
static void fill(char *p, uint32_t seq, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (char)('a' + (seq * 7 + i) % 26);
}

static void check_rec(const struct export_rec_hdr *h, const char *buf, uint32_t seq, uint32_t len)
{
	struct export_rec_hdr want = make_hdr(seq, len);
	assert_int_equal(h->len, len);
	assert_int_equal(h->sid, seq);
	assert_int_equal(h->kind, want.kind);
	assert_int_equal(h->priority, want.priority);
	assert_int_equal(h->worker, want.worker);
	assert_int_equal(h->rev, want.rev);
	assert_int_equal(h->ts_usec, want.ts_usec);
	char expect[4096];
	fill(expect, seq, len);
	assert_memory_equal(buf, expect, len);
	assert_int_equal(buf[len], '\0');
}

static bool push_seq(struct export_ring *r, uint32_t seq, uint32_t len)
{
	char payload[4096];
	fill(payload, seq, len);
	struct export_rec_hdr h = make_hdr(seq, len);
	return export_ring_push(r, &h, payload);
}

static void test_create_rejects_bad_sizes(void **state)
{
	(void)state;
	int fd = -1;
	size_t bad[] = { 0, 1000, 2048, 4097, 3 * 4096, (size_t)EXPORT_RING_MAX_BYTES * 2 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(export_ring_create(bad[i], &fd));
		assert_int_equal(errno, EINVAL);
	}
}

static void test_push_pop_order_and_contents(void **state)
{
	(void)state;
	int fd = -1;
	struct export_ring *p = export_ring_create(4096, &fd);
	assert_non_null(p);
	assert_true(fd >= 0);
	char err[128] = "";
	struct export_ring *c = export_ring_attach(fd, err, sizeof(err));
	assert_non_null(c);

	struct export_rec_hdr h;
	char buf[1024];
	assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 0);
	uint32_t lens[] = { 0, 1, 7, 8, 9, 100, 333 };
	for (uint32_t i = 0; i < 7; i++)
		assert_true(push_seq(p, i, lens[i]));
	assert_true(export_ring_used(c) > 0);
	for (uint32_t i = 0; i < 7; i++) {
		assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 1);
		check_rec(&h, buf, i, lens[i]);
	}
	assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 0);
	assert_int_equal(export_ring_used(c), 0);

	/* A record longer than the caller's buffer is skipped and counted; the
	 * next one still comes through. */
	assert_true(push_seq(p, 100, 200));
	assert_true(push_seq(p, 101, 10));
	assert_int_equal(export_ring_pop(c, &h, buf, 200), -1); /* 200 + NUL > 200 */
	assert_int_equal(h.sid, 100);
	assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 1);
	check_rec(&h, buf, 101, 10);

	/* A record larger than the whole ring can never be stored. */
	char *huge = calloc(1, 8192);
	struct export_rec_hdr hh = make_hdr(1, 5000);
	assert_false(export_ring_push(p, &hh, huge));
	free(huge);

	/* Each side's role is fixed. */
	assert_int_equal(export_ring_pop(p, &h, buf, sizeof(buf)), 0);
	assert_false(push_seq(c, 1, 1));

	struct export_ring_counters k;
	export_ring_counters(p, &k);
	assert_int_equal(k.pushed, 9);
	assert_int_equal(k.popped, 8);
	assert_int_equal(k.skipped_oversize, 1);
	assert_int_equal(k.dropped_oversize, 1);
	assert_int_equal(k.dropped_full, 0);
	assert_int_equal(k.corrupt, 0);
	export_ring_close(c);
	export_ring_close(p);
	export_ring_close(NULL);
}

#define WRAP_RECORDS 100000u
static uint32_t wrap_lens[WRAP_RECORDS + 64];

static void test_wrap_around_many_times(void **state)
{
	(void)state;
	int fd;
	struct export_ring *p = export_ring_create(4096, &fd);
	struct export_ring *c = export_ring_attach(fd, NULL, 0);
	assert_non_null(c);
	uint32_t next_push = 0, next_pop = 0;
	uint32_t rng = 12345;
	struct export_rec_hdr h;
	char buf[2048];
	/* ~100k records of 0..700 bytes through a 4 KiB ring: it wraps >10k
	 * times, and headers and payloads are split at every possible offset. */
	while (next_pop < WRAP_RECORDS) {
		unsigned burst = 1 + (rng >> 16) % 6;
		for (unsigned i = 0; i < burst && next_push < WRAP_RECORDS + 64; i++) {
			rng = rng * 1103515245u + 12345u;
			uint32_t len = (next_push * 37u + (rng >> 20)) % 701;
			if (!push_seq(p, next_push, len))
				break;
			wrap_lens[next_push] = len;
			next_push++;
		}
		unsigned pops = 1 + (rng >> 8) % 6;
		for (unsigned i = 0; i < pops && next_pop < next_push; i++) {
			assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 1);
			assert_int_equal(h.sid, next_pop);
			check_rec(&h, buf, next_pop, wrap_lens[next_pop]);
			next_pop++;
		}
	}
	struct export_ring_counters k;
	export_ring_counters(c, &k);
	assert_int_equal(k.popped, next_pop);
	assert_int_equal(k.pushed, next_push);
	assert_int_equal(k.corrupt, 0);
	export_ring_close(c);
	export_ring_close(p);
}

static void test_full_ring_drops_and_never_blocks(void **state)
{
	(void)state;
	int fd;
	struct export_ring *p = export_ring_create(4096, &fd);
	assert_non_null(p);
	/* No consumer at all (daemon down): the ring fills, then every push
	 * returns false at once and is counted. */
	unsigned stored = 0, refused = 0;
	for (uint32_t i = 0; i < 100000; i++) {
		if (push_seq(p, i, 88)) /* 32 + 88 = 120 bytes per record */
			stored++;
		else
			refused++;
	}
	assert_int_equal(stored, 4096 / 120);
	assert_int_equal(refused, 100000 - stored);
	struct export_ring_counters k;
	export_ring_counters(p, &k);
	assert_int_equal(k.pushed, stored);
	assert_int_equal(k.dropped_full, refused);

	/* A daemon attaches later: it gets exactly the stored records, oldest
	 * first, and the producer has room again. */
	struct export_ring *c = export_ring_attach(fd, NULL, 0);
	assert_non_null(c);
	struct export_rec_hdr h;
	char buf[256];
	for (uint32_t i = 0; i < stored; i++) {
		assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 1);
		check_rec(&h, buf, i, 88);
	}
	assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 0);
	assert_true(push_seq(p, 999999, 88));
	assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 1);
	check_rec(&h, buf, 999999, 88);
	export_ring_close(c);
	export_ring_close(p);
}

static void test_restarted_consumer_continues(void **state)
{
	(void)state;
	int fd;
	struct export_ring *p = export_ring_create(8192, &fd);
	struct export_ring *c1 = export_ring_attach(fd, NULL, 0);
	assert_non_null(c1);
	for (uint32_t i = 0; i < 10; i++)
		assert_true(push_seq(p, i, 50 + i));
	struct export_rec_hdr h;
	char buf[256];
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(export_ring_pop(c1, &h, buf, sizeof(buf)), 1);
		check_rec(&h, buf, i, 50 + i);
	}
	/* The daemon dies (its mapping goes away); the data plane keeps pushing. */
	export_ring_close(c1);
	for (uint32_t i = 10; i < 15; i++)
		assert_true(push_seq(p, i, 50 + i));

	/* A restarted daemon maps the same memfd (through a fresh descriptor, as
	 * SCM_RIGHTS would give it) and resumes at record 4: nothing lost, nothing
	 * repeated. */
	int fd2 = dup(fd);
	struct export_ring *c2 = export_ring_attach(fd2, NULL, 0);
	assert_non_null(c2);
	close(fd2);
	for (uint32_t i = 4; i < 15; i++) {
		assert_int_equal(export_ring_pop(c2, &h, buf, sizeof(buf)), 1);
		check_rec(&h, buf, i, 50 + i);
	}
	assert_int_equal(export_ring_pop(c2, &h, buf, sizeof(buf)), 0);
	struct export_ring_counters k;
	export_ring_counters(c2, &k);
	assert_int_equal(k.popped, 15); /* totals survive the restart */
	assert_int_equal(k.pushed, 15);
	export_ring_close(c2);
	export_ring_close(p);
}

#define THREAD_RECORDS 1000000u

struct thread_arg {
	struct export_ring *ring;
	atomic_bool producer_done;
	uint64_t attempts;
	uint64_t received;
	uint64_t gaps;
	bool in_order;
	bool contents_ok;
};

static void *producer_main(void *p)
{
	struct thread_arg *a = p;
	for (uint32_t seq = 0; seq < THREAD_RECORDS; seq++) {
		uint32_t len = 16 + seq % 200;
		push_seq(a->ring, seq, len);
		a->attempts++;
	}
	return NULL;
}

static void *consumer_main(void *p)
{
	struct thread_arg *a = p;
	struct export_rec_hdr h;
	char buf[512], expect[512];
	int64_t last = -1;
	a->in_order = true;
	a->contents_ok = true;
	for (;;) {
		bool done = atomic_load(&a->producer_done);
		int rc = export_ring_pop(a->ring, &h, buf, sizeof(buf));
		if (rc == 0) {
			if (done && export_ring_pop(a->ring, &h, buf, sizeof(buf)) == 0)
				break;
			sched_yield(); /* a loaded 2-CPU CI box: let the producer run */
			continue;
		}
		if (rc != 1) {
			a->contents_ok = false;
			continue;
		}
		if ((int64_t)h.sid <= last)
			a->in_order = false;
		a->gaps += h.sid - (uint64_t)(last + 1);
		last = h.sid;
		fill(expect, h.sid, h.len);
		if (h.len != 16 + h.sid % 200 || memcmp(buf, expect, h.len) != 0 || buf[h.len] != '\0')
			a->contents_ok = false;
		a->received++;
	}
	a->gaps += THREAD_RECORDS - 1 - (uint64_t)last;
	return NULL;
}

static void test_producer_consumer_threads(void **state)
{
	(void)state;
	int fd;
	struct thread_arg a;
	memset(&a, 0, sizeof(a));
	struct export_ring *p = export_ring_create(1 << 16, &fd);
	a.ring = export_ring_attach(fd, NULL, 0);
	assert_non_null(a.ring);
	/* The producer thread uses its own handle; the consumer reads a.ring. */
	struct thread_arg pa;
	memset(&pa, 0, sizeof(pa));
	pa.ring = p;
	atomic_init(&pa.producer_done, false);
	atomic_init(&a.producer_done, false);
	pthread_t pt, ct;
	assert_int_equal(pthread_create(&ct, NULL, consumer_main, &a), 0);
	assert_int_equal(pthread_create(&pt, NULL, producer_main, &pa), 0);
	pthread_join(pt, NULL);
	/* Only after the last push: the consumer then drains and stops. */
	atomic_store(&a.producer_done, true);
	pthread_join(ct, NULL);

	struct export_ring_counters k;
	export_ring_counters(p, &k);
	assert_true(a.in_order);
	assert_true(a.contents_ok);
	assert_int_equal(pa.attempts, THREAD_RECORDS);
	assert_int_equal(k.pushed + k.dropped_full, THREAD_RECORDS);
	assert_int_equal(k.popped, k.pushed);
	assert_int_equal(a.received, k.popped);
	assert_int_equal(a.gaps, k.dropped_full); /* every missing number was counted */
	assert_int_equal(k.corrupt, 0);
	printf("# 1M records: %llu delivered, %llu dropped (ring full)\n",
	       (unsigned long long)k.popped, (unsigned long long)k.dropped_full);
	export_ring_close(a.ring);
	export_ring_close(p);
}

/* Maps the ring's memfd for scribbling, as a buggy or hostile producer would. */
static unsigned char *map_raw(int fd, size_t data_bytes)
{
	void *m = mmap(NULL, EXPORT_RING_HEADER_BYTES + data_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);
	return m;
}

static void test_corrupt_header_detected(void **state)
{
	(void)state;
	int fd;
	struct export_ring *p = export_ring_create(4096, &fd);
	struct export_ring *c = export_ring_attach(fd, NULL, 0);
	unsigned char *raw = map_raw(fd, 4096);
	struct export_rec_hdr h;
	char buf[8192];

	assert_true(push_seq(p, 0, 40));
	assert_true(push_seq(p, 1, 40));
	/* Record 0's len claims far more than was published. */
	uint32_t bogus = 3000;
	memcpy(raw + EXPORT_RING_HEADER_BYTES, &bogus, sizeof(bogus));
	assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 0);
	struct export_ring_counters k;
	export_ring_counters(c, &k);
	assert_int_equal(k.corrupt, 1);
	assert_int_equal(k.popped, 0);
	assert_int_equal(export_ring_used(c), 0);

	/* The ring keeps working afterwards. */
	assert_true(push_seq(p, 2, 40));
	assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 1);
	check_rec(&h, buf, 2, 40);

	/* A len near UINT32_MAX must not overflow the size arithmetic. */
	assert_true(push_seq(p, 3, 40));
	size_t at = 2 * 72 + 72; /* records 0..2 took 72 bytes each */
	bogus = UINT32_MAX;
	memcpy(raw + EXPORT_RING_HEADER_BYTES + at, &bogus, sizeof(bogus));
	assert_int_equal(export_ring_pop(c, &h, buf, sizeof(buf)), 0);
	export_ring_counters(c, &k);
	assert_int_equal(k.corrupt, 2);
	munmap(raw, EXPORT_RING_HEADER_BYTES + 4096);
	export_ring_close(c);
	export_ring_close(p);
}

static void test_attach_validation(void **state)
{
	(void)state;
	char err[128];
	/* Not a memfd at all. */
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	assert_null(export_ring_attach(pipefd[0], err, sizeof(err)));
	close(pipefd[0]);
	close(pipefd[1]);

	/* A memfd whose size is not sealed (could shrink: SIGBUS). */
	int fd = memfd_create("x", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_int_equal(ftruncate(fd, EXPORT_RING_HEADER_BYTES + 4096), 0);
	assert_null(export_ring_attach(fd, err, sizeof(err)));
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(err, "sealed"));
	close(fd);

	/* Bad magic. */
	int rfd;
	struct export_ring *p = export_ring_create(4096, &rfd);
	unsigned char *raw = map_raw(rfd, 4096);
	raw[0] ^= 0xff;
	err[0] = '\0';
	assert_null(export_ring_attach(rfd, err, sizeof(err)));
	assert_non_null(strstr(err, "magic"));
	raw[0] ^= 0xff;
	/* A data size that disagrees with the file. */
	uint64_t wrong = 8192;
	memcpy(raw + 16, &wrong, sizeof(wrong));
	assert_null(export_ring_attach(rfd, err, sizeof(err)));
	assert_non_null(strstr(err, "size"));
	wrong = 4096;
	memcpy(raw + 16, &wrong, sizeof(wrong));
	struct export_ring *c = export_ring_attach(rfd, err, sizeof(err));
	assert_non_null(c);
	export_ring_close(c);
	munmap(raw, EXPORT_RING_HEADER_BYTES + 4096);
	export_ring_close(p);
}

/* Child side of the cross-process test: gets the ring through a `hello`
 * message, maps it and checks every record. Exit 0 only if all arrived. */
static int child_consumer(int sock, uint32_t count)
{
	json_t *msg = NULL;
	int fds[LINK_MAX_FDS];
	unsigned n = 0;
	if (link_recv(sock, &msg, fds, &n, 5000) != 1 || n != 1)
		return 10;
	json_decref(msg);
	struct export_ring *c = export_ring_attach(fds[0], NULL, 0);
	close(fds[0]);
	if (c == NULL)
		return 11;
	struct export_rec_hdr h;
	char buf[512], expect[512];
	for (uint32_t seq = 0; seq < count;) {
		int rc = export_ring_pop(c, &h, buf, sizeof(buf));
		if (rc == 0) {
			sched_yield();
			continue;
		}
		if (rc != 1 || h.sid != seq || h.len != seq % 300)
			return 12;
		fill(expect, seq, h.len);
		if (memcmp(buf, expect, h.len) != 0)
			return 13;
		seq++;
	}
	export_ring_close(c);
	return 0;
}

static void test_ring_shared_with_another_process(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	uint32_t count = 20000;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		_exit(child_consumer(sv[1], count));
	}
	close(sv[1]);
	int fd;
	struct export_ring *p = export_ring_create(4096, &fd);
	assert_non_null(p);
	json_t *hello = json_pack("{s:s, s:s}", "type", "hello", "role", "dataplane");
	assert_int_equal(link_send(sv[0], hello, &fd, 1), 0);
	json_decref(hello);
	/* The data plane retries here only so the test can demand every record;
	 * the real producer drops instead. */
	for (uint32_t seq = 0; seq < count;) {
		if (push_seq(p, seq, seq % 300))
			seq++;
		else
			sched_yield();
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	struct export_ring_counters k;
	export_ring_counters(p, &k);
	assert_int_equal(k.popped, count); /* the child's counters live in the shared page */
	close(sv[0]);
	export_ring_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects_bad_sizes),
		cmocka_unit_test(test_push_pop_order_and_contents),
		cmocka_unit_test(test_wrap_around_many_times),
		cmocka_unit_test(test_full_ring_drops_and_never_blocks),
		cmocka_unit_test(test_restarted_consumer_continues),
		cmocka_unit_test(test_producer_consumer_threads),
		cmocka_unit_test(test_corrupt_header_detected),
		cmocka_unit_test(test_attach_validation),
		cmocka_unit_test(test_ring_shared_with_another_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
