/*
 * decode_internal.h - helpers shared by the decoder's layers. Not a public
 * header: only the decoder's own .c files include it.
 *
 * Each layer function receives the offset of its header in p->data and the
 * number of bytes that belong to it (already bounded by the captured length
 * and by the enclosing header's length field), checks its own header against
 * that bound before reading, fills its fields and hands the rest on.
 */
#ifndef RAMPART_DECODE_INTERNAL_H
#define RAMPART_DECODE_INTERNAL_H

#include <stdint.h>

#include "dataplane/engine/decode/decode.h"

#define IPPROTO_NUM_HOPOPTS  0
#define IPPROTO_NUM_ICMP     1
#define IPPROTO_NUM_TCP      6
#define IPPROTO_NUM_UDP     17
#define IPPROTO_NUM_ROUTING 43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_ESP     50
#define IPPROTO_NUM_AH      51
#define IPPROTO_NUM_ICMPV6  58
#define IPPROTO_NUM_NONE    59
#define IPPROTO_NUM_DSTOPTS 60
#define IPPROTO_NUM_SCTP   132
#define IPPROTO_NUM_MH     135
#define IPPROTO_NUM_HIP    139
#define IPPROTO_NUM_SHIM6  140

static inline uint16_t load_be16(const uint8_t *b)
{
	return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
}

static inline uint32_t load_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Records an event: always counted; the packet keeps the first malformed
 * one, else the first one; malformed events set PKT_DECODE_ERROR. Events
 * are rare, so this is an ordinary call (decode.c). */
void decode_set_event(struct packet *p, struct decode_counters *c, enum decode_event e);

/* Points p->payload at [off, off+len) when len > 0 (payload stays NULL otherwise). */
static inline void decode_set_payload(struct packet *p, uint32_t off, uint32_t len)
{
	if (len > 0) {
		p->payload = p->data + off;
		p->payload_len = len;
	}
}

/* Verifies an L4 checksum over [off, off+len), plus the pseudo-header when
 * with_pseudo, unless disabled or the packet is a fragment; sets
 * PKT_L4_CSUM_CHECKED/BAD and counts a bad one in *bad_counter. */
void decode_verify_l4_checksum(struct packet *p, const struct decode_config *cfg,
			       uint32_t off, uint32_t len, bool with_pseudo, uint64_t *bad_counter);

/* Layers. off: header offset in p->data; len: bytes available to the layer. */
void decode_ipv4(struct packet *p, const struct decode_config *cfg, struct decode_counters *c,
		 uint32_t off, uint32_t len);
void decode_ipv6(struct packet *p, const struct decode_config *cfg, struct decode_counters *c,
		 uint32_t off, uint32_t len);
void decode_icmpv4(struct packet *p, const struct decode_config *cfg, struct decode_counters *c,
		   uint32_t off, uint32_t len);
void decode_icmpv6(struct packet *p, const struct decode_config *cfg, struct decode_counters *c,
		   uint32_t off, uint32_t len);
/* p->ip_proto, p->l3, addresses and fragment flags are already set. */
void decode_l4(struct packet *p, const struct decode_config *cfg, struct decode_counters *c,
	       uint32_t off, uint32_t len);

#endif /* RAMPART_DECODE_INTERNAL_H */
