/*
 * decode_ipv6.c - IPv6 fixed header and extension header chain; hands the
 * upper-layer header to decode_l4().
 *
 * The chain walk is bounded (DECODE_IPV6_MAX_EXT_HDRS) and every header's
 * length is checked against the IPv6 payload before it is read. Trailing
 * link-layer padding is ignored: the payload length field decides. The
 * anomalies Suricata reports about extension headers (duplicates, unknown
 * or padding-only options, reserved bits) are raised without stopping.
 */
#include "dataplane/engine/decode/decode_internal.h"

#include <string.h>

#define IPV6_HDR_LEN      40
#define IPV6_FRAG_HDR_LEN  8
#define IPV6_FRAG_MF      0x0001
#define IPV6_FRAG_RESMASK 0x0006
#define IPV6_FRAG_OFFMASK 0xfff8 /* offset in 8-byte units, already shifted by 3 */

/* Options of the hop-by-hop and destination options headers. */
#define IPV6_OPT_PAD1   0x00
#define IPV6_OPT_PADN   0x01
#define IPV6_OPT_RA     0x05  /* router alert */
#define IPV6_OPT_JUMBO  0xc2
#define IPV6_OPT_HAO    0xc9  /* home address (Mobile IPv6) */

/* Walks hop-by-hop or destination options (the bytes after the 2-byte
 * header). Returns false when an option runs past the header. */
static bool ipv6_options_check(struct packet *p, struct decode_counters *c,
			       const uint8_t *o, uint32_t len, bool hop_by_hop)
{
	bool only_padding = true, unknown = false;
	uint32_t i = 0;
	while (i < len) {
		uint8_t type = o[i];
		if (type == IPV6_OPT_PAD1) {
			i++;
			continue;
		}
		if (len - i < 2 || (uint32_t)o[i + 1] + 2 > len - i)
			return false;
		switch (type) {
		case IPV6_OPT_PADN:
			if (o[i + 1] == 0)
				decode_set_event(p, c, DECODE_IPV6_ZERO_LEN_PADN);
			break;
		case IPV6_OPT_RA:
		case IPV6_OPT_JUMBO:
		case IPV6_OPT_HAO:
			only_padding = false;
			break;
		default:
			only_padding = false;
			unknown = true;
			break;
		}
		i += (uint32_t)o[i + 1] + 2;
	}
	if (unknown)
		decode_set_event(p, c, hop_by_hop ? DECODE_IPV6_HOPOPTS_UNKNOWN_OPT
						  : DECODE_IPV6_DSTOPTS_UNKNOWN_OPT);
	if (only_padding)
		decode_set_event(p, c, hop_by_hop ? DECODE_IPV6_HOPOPTS_ONLY_PADDING
						  : DECODE_IPV6_DSTOPTS_ONLY_PADDING);
	return true;
}

/* The fragment header at e, whose fragmentable part runs to end. Returns
 * true when this is a non-first fragment: nothing more to decode. */
static bool ipv6_fragment_header(struct packet *p, struct decode_counters *c,
				 const uint8_t *e, uint32_t data_len)
{
	uint16_t offmf = load_be16(e + 2);
	uint32_t frag_offset = offmf & IPV6_FRAG_OFFMASK;
	bool more = offmf & IPV6_FRAG_MF;

	p->frag_id = load_be32(e + 4);
	p->ip_id = (uint16_t)p->frag_id;
	if (e[1] != 0 || (offmf & IPV6_FRAG_RESMASK))
		decode_set_event(p, c, DECODE_IPV6_FH_RESERVED);
	/* An atomic fragment (offset 0, no more fragments) is a whole packet
	 * (RFC 6946): decode it as one. */
	if (frag_offset == 0 && !more) {
		decode_set_event(p, c, DECODE_IPV6_EXTHDR_USELESS_FH);
		return false;
	}
	if (more && data_len % 8 != 0)
		decode_set_event(p, c, DECODE_IPV6_FRAG_INVALID_LEN);
	if (frag_offset + data_len > 65535)
		decode_set_event(p, c, DECODE_IPV6_FRAG_TOO_LARGE);
	if (!(p->flags & PKT_IS_FRAGMENT))
		c->fragments++;
	p->flags |= PKT_IS_FRAGMENT;
	p->frag_offset = (uint16_t)frag_offset;
	if (frag_offset != 0)
		return true;
	p->flags |= PKT_FIRST_FRAGMENT;
	return false;
}

void decode_ipv6(struct packet *p, const struct decode_config *cfg, struct decode_counters *c,
		 uint32_t off, uint32_t len)
{
	const uint8_t *h = p->data + off;

	c->ipv6++;
	if (len < IPV6_HDR_LEN) {
		decode_set_event(p, c, DECODE_IPV6_PKT_TOO_SMALL);
		return;
	}
	if (h[0] >> 4 != 6) {
		decode_set_event(p, c, DECODE_IPV6_BAD_VERSION);
		return;
	}
	uint32_t total = IPV6_HDR_LEN + (uint32_t)load_be16(h + 4);
	uint8_t nh = h[6];
	p->l3 = L3_IPV6;
	p->l3_offset = (uint16_t)off;
	p->ttl = h[7];
	p->ip_proto = nh;
	/* 40 + 65535 does not fit packet.h's 16-bit field: saturate. */
	uint32_t shown = total <= len ? total : len;
	p->ip_total_len = shown <= UINT16_MAX ? (uint16_t)shown : UINT16_MAX;
	memcpy(p->src.u8, h + 8, 16);
	memcpy(p->dst.u8, h + 24, 16);

	if (total > len) {
		decode_set_event(p, c, DECODE_IPV6_TRUNCATED);
		return;
	}

	/* A routing header that still has segments to visit means the L4
	 * checksum covers the final destination, not the one in the fixed
	 * header: such packets are decoded without checksum verification
	 * rather than miscounted as bad. */
	static const struct decode_config no_verify = { .verify_checksums = false };
	uint32_t end = off + total;
	uint32_t cur = off + IPV6_HDR_LEN;
	unsigned seen_hh = 0, seen_rh = 0, seen_fh = 0, seen_dh = 0, seen_ah = 0;
	for (unsigned n = 0;; n++) {
		const uint8_t *e = p->data + cur;
		uint32_t avail = end - cur;
		uint32_t hlen;

		p->ip_proto = nh;
		switch (nh) {
		case IPPROTO_NUM_NONE:
			if (avail > 0)
				decode_set_event(p, c, DECODE_IPV6_DATA_AFTER_NONE);
			return;
		case IPPROTO_NUM_HOPOPTS:
		case IPPROTO_NUM_DSTOPTS:
		case IPPROTO_NUM_ROUTING:
		case IPPROTO_NUM_FRAGMENT:
		case IPPROTO_NUM_AH:
		case IPPROTO_NUM_MH:
		case IPPROTO_NUM_HIP:
		case IPPROTO_NUM_SHIM6:
			break;
		default:
			/* Upper layer, ESP included. After extension headers,
			 * Suricata wants at least 2 bytes of whatever follows
			 * and calls less a truncated chain: so do we. */
			if (n > 0 && avail < 2) {
				decode_set_event(p, c, DECODE_IPV6_EXTHDR_TRUNCATED);
				return;
			}
			decode_l4(p, cfg, c, cur, avail);
			return;
		}

		/* An extension header. */
		if (n == DECODE_IPV6_MAX_EXT_HDRS) {
			decode_set_event(p, c, DECODE_IPV6_EXTHDR_TOO_MANY);
			return;
		}
		if (n == 0) {
			p->flags |= PKT_IPV6_EXT_HDRS;
			c->ipv6_ext_hdrs++;
		}
		if (avail < 2) {
			decode_set_event(p, c, DECODE_IPV6_EXTHDR_TRUNCATED);
			return;
		}
		if (nh == IPPROTO_NUM_FRAGMENT)
			hlen = IPV6_FRAG_HDR_LEN;
		else if (nh == IPPROTO_NUM_AH)
			hlen = ((uint32_t)e[1] + 2) * 4;   /* RFC 4302: 4-byte units minus 2 */
		else
			hlen = ((uint32_t)e[1] + 1) * 8;   /* 8-byte units, not counting the first 8 */
		if (hlen > avail) {
			decode_set_event(p, c, DECODE_IPV6_EXTHDR_TRUNCATED);
			return;
		}

		switch (nh) {
		case IPPROTO_NUM_HOPOPTS:
			/* RFC 8200: only directly after the fixed header. */
			if (seen_hh++)
				decode_set_event(p, c, DECODE_IPV6_EXTHDR_DUPL_HH);
			else if (n != 0)
				decode_set_event(p, c, DECODE_IPV6_HOPOPTS_NOT_FIRST);
			if (!ipv6_options_check(p, c, e + 2, hlen - 2, true)) {
				decode_set_event(p, c, DECODE_IPV6_EXTHDR_BAD_OPTLEN);
				return;
			}
			break;
		case IPPROTO_NUM_DSTOPTS:
			/* legal twice: before a routing header and at the end */
			if (seen_dh++ == 2)
				decode_set_event(p, c, DECODE_IPV6_EXTHDR_DUPL_DH);
			if (!ipv6_options_check(p, c, e + 2, hlen - 2, false)) {
				decode_set_event(p, c, DECODE_IPV6_EXTHDR_BAD_OPTLEN);
				return;
			}
			break;
		case IPPROTO_NUM_ROUTING:
			if (seen_rh++)
				decode_set_event(p, c, DECODE_IPV6_EXTHDR_DUPL_RH);
			if (e[2] == 0)
				decode_set_event(p, c, DECODE_IPV6_RH_TYPE0);
			if (e[3] != 0)  /* segments left */
				cfg = &no_verify;
			break;
		case IPPROTO_NUM_AH:
			if (seen_ah++)
				decode_set_event(p, c, DECODE_IPV6_EXTHDR_DUPL_AH);
			if (load_be16(e + 2) != 0)
				decode_set_event(p, c, DECODE_IPV6_AH_RESERVED);
			break;
		case IPPROTO_NUM_FRAGMENT:
			if (seen_fh++)
				decode_set_event(p, c, DECODE_IPV6_EXTHDR_DUPL_FH);
			if (ipv6_fragment_header(p, c, e, avail - hlen)) {
				/* Non-first fragment: no L4 header here, the
				 * payload is a slice for the defragmenter. */
				p->ip_proto = e[0];
				if (avail > hlen) {
					p->payload = e + hlen;
					p->payload_len = avail - hlen;
				}
				return;
			}
			break;
		default:
			break;
		}
		nh = e[0];
		cur += hlen;
	}
}
