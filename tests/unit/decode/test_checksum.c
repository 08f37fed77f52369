/* The fast Internet checksum against a plain word-by-word reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "dataplane/engine/decode/checksum.h"
#include "tests/unit/decode/packet_builder.h"

static uint8_t data[1024 + 8];

static void fill_random(uint32_t seed)
{
	for (size_t i = 0; i < sizeof(data); i++) {
		seed = seed * 1664525u + 1013904223u;
		data[i] = (uint8_t)(seed >> 24);
	}
}

/* Reference: 16-bit one's complement sum, as a folded value comparable to checksum_fold(). */
static uint16_t reference_fold(const uint8_t *d, size_t n)
{
	uint32_t sum = pb_sum(0, d, n);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* checksum_fold() yields the sum in memory order; convert to a number. */
static uint16_t fast_fold(const uint8_t *d, size_t n)
{
	uint16_t v = checksum_fold(checksum_add(0, d, n));
	uint8_t b[2];
	memcpy(b, &v, 2);
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void test_all_lengths_and_alignments(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 4; seed++) {
		fill_random(seed);
		for (size_t align = 0; align < 8; align++)
			for (size_t n = 0; n <= 300; n++)
				assert_int_equal(fast_fold(data + align, n), reference_fold(data + align, n));
	}
}

static void test_carries(void **state)
{
	(void)state;
	/* all-ones data produces a carry on every add */
	memset(data, 0xff, sizeof(data));
	for (size_t n = 0; n <= 1024; n++)
		assert_int_equal(fast_fold(data, n), reference_fold(data, n));
	memset(data, 0, sizeof(data));
	assert_int_equal(fast_fold(data, 64), 0);
}

static void test_chaining_and_be16(void **state)
{
	(void)state;
	fill_random(99);
	/* a sum built in pieces (even-length pieces first) equals the sum in one go */
	for (size_t split = 0; split <= 200; split += 2) {
		uint64_t s = checksum_add(0, data, split);
		s = checksum_add(s, data + split, 201 - split);
		assert_int_equal(checksum_fold(s), checksum_fold(checksum_add(0, data, 201)));
	}
	uint8_t be[2] = { 0x12, 0x34 };
	assert_int_equal(checksum_fold(checksum_add_be16(0, 0x1234)), checksum_fold(checksum_add(0, be, 2)));
}

static void test_valid_region(void **state)
{
	(void)state;
	/* the IPv4 header from RFC 1071-style examples: checksum 0xb861 */
	static const uint8_t hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
					 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	assert_true(checksum_is_valid(checksum_add(0, hdr, sizeof(hdr))));
	uint8_t bad[20];
	memcpy(bad, hdr, sizeof(bad));
	bad[11] ^= 1;
	assert_false(checksum_is_valid(checksum_add(0, bad, sizeof(bad))));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_lengths_and_alignments),
		cmocka_unit_test(test_carries),
		cmocka_unit_test(test_chaining_and_be16),
		cmocka_unit_test(test_valid_region),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
