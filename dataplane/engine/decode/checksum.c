/*
 * checksum.c - Internet checksum.
 *
 * One's complement addition is associative and commutative, and a sum of
 * 32-bit words folds to the same 16-bit value as the sum of 16-bit words
 * (RFC 1071, section 2), so the region is summed as native 32-bit words into
 * a 64-bit accumulator and folded at the end. Loads go through memcpy, which
 * compiles to plain unaligned loads on x86 and is defined behaviour for any
 * alignment.
 */
#include "dataplane/engine/decode/checksum.h"

#include <string.h>

static inline uint64_t add_carry(uint64_t sum, uint64_t v)
{
	sum += v;
	return sum + (sum < v);
}

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint16_t load16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

uint64_t checksum_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* 32-bit words summed into 64-bit accumulators cannot overflow for
	 * any packet (2^32 words), so the loops need no carry handling; two
	 * independent chains keep the adds from waiting on each other. */
	uint64_t acc = 0, acc2 = 0;
	while (len >= 16) {
		uint64_t a = load64(p), b = load64(p + 8);
		acc += (a & 0xffffffffu) + (a >> 32);
		acc2 += (b & 0xffffffffu) + (b >> 32);
		p += 16;
		len -= 16;
	}
	acc += acc2;
	while (len >= 4) {
		acc += load32(p);
		p += 4;
		len -= 4;
	}
	/* Last 0..3 bytes; a trailing odd byte is padded with a zero byte. */
	if (len >= 2) {
		acc += load16(p);
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };
		acc += load16(last);
	}
	return add_carry(sum, acc);
}

uint64_t checksum_add_be16(uint64_t sum, uint16_t value)
{
	uint8_t be[2] = { (uint8_t)(value >> 8), (uint8_t)value };
	uint16_t word;
	memcpy(&word, be, sizeof(word));
	return add_carry(sum, word);
}
