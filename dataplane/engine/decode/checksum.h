/*
 * checksum.h - Internet checksum (RFC 1071) for the decoder.
 *
 * Contract: pure functions over caller-owned memory; no state, any thread.
 * Sums are kept in a 64-bit accumulator of 16-bit words in memory order
 * (RFC 1071's byte-order independence), so no byte swapping happens per
 * word; only the final folded value is meaningful. A region whose stored
 * checksum is correct folds to 0xffff.
 */
#ifndef RAMPART_DECODE_CHECKSUM_H
#define RAMPART_DECODE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds len bytes at data to the running sum. An odd trailing byte is
 * padded with a zero byte, as the checksum definition says; so only the
 * last region of a sum may have an odd length. */
uint64_t checksum_add(uint64_t sum, const void *data, size_t len);

/* Adds a 16-bit value given in host order (a pseudo-header length or
 * protocol) as if it were stored in network order. */
uint64_t checksum_add_be16(uint64_t sum, uint16_t value);

/* Folds the accumulator to the 16-bit one's complement sum. */
static inline uint16_t checksum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* True when a region (plus pseudo-header) including its stored checksum sums correctly. */
static inline int checksum_is_valid(uint64_t sum)
{
	return checksum_fold(sum) == 0xffff;
}

#endif /* RAMPART_DECODE_CHECKSUM_H */
