/*
 * decode_ipv4.c - IPv4 header: length sanity, options, fragments, header
 * checksum; hands the payload to decode_l4().
 *
 * Like Suricata, a header that lies about its length (IHL, total length) or
 * carries a malformed option makes the packet invalid at layer 3: addresses
 * are filled (for logging), nothing above is decoded. Ethernet padding after
 * the IP packet is ignored: the total length field decides where it ends.
 */
#include "dataplane/engine/decode/checksum.h"
#include "dataplane/engine/decode/decode_internal.h"

#include <string.h>

#define IPV4_HDR_LEN 20
#define IPV4_MF      0x2000
#define IPV4_OFFMASK 0x1fff

/* Option types (RFC 791, 781, 1108, 2113, 4782 and the IANA registry). */
#define IPV4_OPT_EOL     0
#define IPV4_OPT_NOP     1
#define IPV4_OPT_RR      7
#define IPV4_OPT_QS     25
#define IPV4_OPT_TS     68
#define IPV4_OPT_SEC   130
#define IPV4_OPT_LSRR  131
#define IPV4_OPT_ESEC  133
#define IPV4_OPT_CIPSO 134
#define IPV4_OPT_SID   136
#define IPV4_OPT_SSRR  137
#define IPV4_OPT_RTRALT 148

/* Route options: type, length, 1-based pointer, then whole addresses. */
static enum decode_event ipv4_route_check(const uint8_t *o)
{
	if (o[1] < 3)
		return DECODE_IPV4_OPT_INVALID_LEN;
	uint8_t ptr = o[2];
	if (ptr < 4 || ptr % 4 != 0 || ptr > o[1] + 1)
		return DECODE_IPV4_OPT_MALFORMED;
	return DECODE_OK;
}

/* Timestamp: type, length, pointer, overflow/flag, then 4-byte timestamps
 * or 8-byte address + timestamp records (flag 1 or 3). */
static enum decode_event ipv4_timestamp_check(const uint8_t *o)
{
	if (o[1] < 5)
		return DECODE_IPV4_OPT_INVALID_LEN;
	uint8_t ptr = o[2];
	if (ptr < 5)
		return DECODE_IPV4_OPT_MALFORMED;
	uint8_t flag = o[3] & 0x0f;
	unsigned rec = (flag == 1 || flag == 3) ? 8 : 4;
	if ((ptr - 5) % rec != 0 || ptr > o[1] + 1)
		return DECODE_IPV4_OPT_MALFORMED;
	return DECODE_OK;
}

/* CIPSO: type, length, 4-byte domain of interpretation, then tags of
 * (type, length, ...); tag types 1, 2, 5, 6, 7 are defined. */
static enum decode_event ipv4_cipso_check(const uint8_t *o)
{
	if (o[1] < 10)
		return DECODE_IPV4_OPT_INVALID_LEN;
	const uint8_t *tag = o + 6;
	uint32_t left = (uint32_t)o[1] - 6;
	while (left > 0) {
		if (left < 2)
			return DECODE_IPV4_OPT_MALFORMED;
		uint8_t ttype = tag[0], tlen = tag[1];
		if (tlen > left || tlen < 4)
			return DECODE_IPV4_OPT_MALFORMED;
		switch (ttype) {
		case 1: case 2: case 5: case 6: case 7:
			/* the alignment octet is zero, except in tag type 7 */
			if (ttype != 7 && tag[2] != 0)
				return DECODE_IPV4_OPT_MALFORMED;
			break;
		default:
			return DECODE_IPV4_OPT_MALFORMED;
		}
		tag += tlen;
		left -= tlen;
	}
	return DECODE_OK;
}

/* Walks and validates the options like Suricata: returns a malformed event
 * (the packet is then invalid) or DECODE_OK; anomalies (unknown or
 * duplicated option, padding) are raised on the way. The options seen go
 * to p->ipv4_opts: EOL and NOP always, the others when valid and first of
 * their type (Suricata's opts_set, for the ipopts keyword). */
static enum decode_event ipv4_options_check(struct packet *p, struct decode_counters *c,
					    const uint8_t *o, uint32_t len)
{
	uint32_t seen = 0;  /* bit per known option, see option_bit */

	if (len % 8 != 0)
		decode_set_event(p, c, DECODE_IPV4_OPT_PAD_REQUIRED);
	uint32_t i = 0;
	while (i < len) {
		uint8_t type = o[i];
		if (type == IPV4_OPT_EOL) {
			p->ipv4_opts |= PKT_IPV4_OPT_EOL;
			break;
		}
		if (type == IPV4_OPT_NOP) {
			p->ipv4_opts |= PKT_IPV4_OPT_NOP;
			i++;
			continue;
		}
		if (len - i < 2) {
			decode_set_event(p, c, DECODE_IPV4_OPT_EOL_REQUIRED);
			break;
		}
		const uint8_t *opt = o + i;
		uint8_t olen = opt[1];
		if (olen < 2 || olen > len - i)
			return DECODE_IPV4_OPT_INVALID_LEN;

		enum decode_event e = DECODE_OK;
		unsigned option_bit;
		switch (type) {
		case IPV4_OPT_RR:     option_bit = 0; e = ipv4_route_check(opt); break;
		case IPV4_OPT_LSRR:   option_bit = 1; e = ipv4_route_check(opt); break;
		case IPV4_OPT_SSRR:   option_bit = 2; e = ipv4_route_check(opt); break;
		case IPV4_OPT_TS:     option_bit = 3; e = ipv4_timestamp_check(opt); break;
		case IPV4_OPT_CIPSO:  option_bit = 4; e = ipv4_cipso_check(opt); break;
		case IPV4_OPT_QS:     option_bit = 5; if (olen < 8) e = DECODE_IPV4_OPT_INVALID_LEN; break;
		case IPV4_OPT_SEC:    option_bit = 6; if (olen != 11) e = DECODE_IPV4_OPT_INVALID_LEN; break;
		case IPV4_OPT_ESEC:   option_bit = 9; if (olen < 3) e = DECODE_IPV4_OPT_INVALID_LEN; break;
		case IPV4_OPT_SID:    option_bit = 7; if (olen != 4) e = DECODE_IPV4_OPT_INVALID_LEN; break;
		case IPV4_OPT_RTRALT: option_bit = 8; if (olen != 4) e = DECODE_IPV4_OPT_INVALID_LEN; break;
		default:
			decode_set_event(p, c, DECODE_IPV4_OPT_UNKNOWN);
			i += olen;
			continue;
		}
		/* A duplicate is reported and skipped, as Suricata does:
		 * only the first copy of an option is validated. */
		if (seen & (1u << option_bit)) {
			decode_set_event(p, c, DECODE_IPV4_OPT_DUPLICATE);
		} else {
			if (e != DECODE_OK)
				return e;
			seen |= 1u << option_bit;
			p->ipv4_opts |= packet_ipv4_opt_bit(type);
		}
		i += olen;
	}
	return DECODE_OK;
}

void decode_ipv4(struct packet *p, const struct decode_config *cfg, struct decode_counters *c,
		 uint32_t off, uint32_t len)
{
	const uint8_t *h = p->data + off;

	c->ipv4++;
	if (len < IPV4_HDR_LEN) {
		decode_set_event(p, c, DECODE_IPV4_PKT_TOO_SMALL);
		return;
	}
	if (h[0] >> 4 != 4) {
		decode_set_event(p, c, DECODE_IPV4_BAD_VERSION);
		return;
	}
	uint32_t hlen = (uint32_t)(h[0] & 0x0f) * 4;
	if (hlen < IPV4_HDR_LEN) {
		decode_set_event(p, c, DECODE_IPV4_BAD_IHL);
		return;
	}
	if (hlen > len) {
		decode_set_event(p, c, DECODE_IPV4_TRUNCATED);
		return;
	}

	/* The header is all there: fill what it says before judging it. */
	uint16_t total_len = load_be16(h + 2);
	uint16_t frag = load_be16(h + 6);
	p->l3 = L3_IPV4;
	p->l3_offset = (uint16_t)off;
	p->ttl = h[8];
	p->ip_proto = h[9];
	p->ip_id = load_be16(h + 4);
	p->ip_total_len = total_len <= len ? total_len : (uint16_t)len;
	memcpy(p->src.u8, h + 12, 4);
	memcpy(p->dst.u8, h + 16, 4);

	if (cfg->verify_checksums && !checksum_is_valid(checksum_add(0, h, hlen))) {
		p->flags |= PKT_IPV4_CSUM_BAD;
		c->ipv4_csum_bad++;
	}

	if (total_len < hlen) {
		decode_set_event(p, c, DECODE_IPV4_BAD_TOTAL_LEN);
		return;
	}
	if (total_len > len) {
		decode_set_event(p, c, DECODE_IPV4_TRUNCATED);
		return;
	}
	if (hlen > IPV4_HDR_LEN) {
		p->flags |= PKT_IPV4_OPTIONS;
		c->ipv4_options++;
		enum decode_event e = ipv4_options_check(p, c, h + IPV4_HDR_LEN, hlen - IPV4_HDR_LEN);
		if (e != DECODE_OK) {
			decode_set_event(p, c, e);
			return;
		}
	}

	uint32_t payload_off = off + hlen;
	uint32_t payload_len = total_len - hlen;
	uint32_t frag_offset = (uint32_t)(frag & IPV4_OFFMASK) * 8;
	if ((frag & IPV4_MF) || frag_offset != 0) {
		p->flags |= PKT_IS_FRAGMENT;
		p->frag_offset = (uint16_t)frag_offset;
		c->fragments++;
		/* Ping of death and friends: reassembly would exceed 64 KiB. */
		if (frag_offset + payload_len > 65535)
			decode_set_event(p, c, DECODE_IPV4_FRAG_TOO_LARGE);
		if (frag_offset != 0) {
			/* No L4 header here: the payload is a slice of the
			 * original datagram, for the defragmenter. */
			if (payload_len > 0) {
				p->payload = p->data + payload_off;
				p->payload_len = payload_len;
			}
			return;
		}
		p->flags |= PKT_FIRST_FRAGMENT;
	}
	decode_l4(p, cfg, c, payload_off, payload_len);
}
