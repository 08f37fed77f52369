/*
 * decode_l4.c - TCP, UDP and SCTP headers, the L4 checksum helper, and the
 * dispatch on the IP protocol (ICMP lives in decode_icmp.c). SCTP's CRC32c
 * is not verified.
 *
 * Called with the upper-layer header's offset and the bytes the IP layer
 * says belong to it. On a first fragment the L4 header is decoded but the
 * payload is only what this fragment carries and no checksum is verified.
 */
#include "dataplane/engine/decode/checksum.h"
#include "dataplane/engine/decode/decode_internal.h"

#define TCP_HDR_LEN  20
#define UDP_HDR_LEN   8
#define SCTP_HDR_LEN 12

#define TCP_OPT_EOL       0
#define TCP_OPT_NOP       1
#define TCP_OPT_MSS       2
#define TCP_OPT_WS        3
#define TCP_OPT_SACKPERM  4
#define TCP_OPT_SACK      5
#define TCP_OPT_TS        8
#define TCP_OPT_MD5      19
#define TCP_OPT_AO       29
#define TCP_OPT_TFO      34

/* Sum of the TCP/UDP/ICMPv6 pseudo-header. IPv4 and IPv6 differ only in
 * the address size and the width of the length field, and a 16-bit length
 * sums the same in a 32-bit field. */
static uint64_t pseudo_header_sum(const struct packet *p, uint32_t l4_len)
{
	size_t alen = p->l3 == L3_IPV4 ? 4 : 16;
	uint64_t sum = checksum_add(0, p->src.u8, alen);
	sum = checksum_add(sum, p->dst.u8, alen);
	sum = checksum_add_be16(sum, (uint16_t)l4_len);
	return checksum_add_be16(sum, p->ip_proto);
}

void decode_verify_l4_checksum(struct packet *p, const struct decode_config *cfg,
			       uint32_t off, uint32_t len, bool with_pseudo, uint64_t *bad_counter)
{
	if (!cfg->verify_checksums || (p->flags & PKT_IS_FRAGMENT))
		return;
	uint64_t sum = with_pseudo ? pseudo_header_sum(p, len) : 0;
	sum = checksum_add(sum, p->data + off, len);
	p->flags |= PKT_L4_CSUM_CHECKED;
	if (!checksum_is_valid(sum)) {
		p->flags |= PKT_L4_CSUM_BAD;
		(*bad_counter)++;
	}
}

/* Walks the TCP options like Suricata: a bad length or a duplicate is an
 * anomaly (the segment stays usable); a length that leaves the option area
 * ends the walk. */
static void tcp_options_check(struct packet *p, struct decode_counters *c,
			      const uint8_t *o, uint32_t len)
{
	uint64_t seen = 0;
	uint32_t i = 0;
	while (i < len) {
		uint8_t kind = o[i];
		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			break;
		uint8_t olen = o[i + 1];
		if (olen < 2 || olen > len - i) {
			decode_set_event(p, c, DECODE_TCP_OPT_MALFORMED);
			return;
		}
		bool ok = true, tracked = true;
		switch (kind) {
		case TCP_OPT_MSS:      ok = olen == 4; break;
		case TCP_OPT_WS:       ok = olen == 3; break;
		case TCP_OPT_SACKPERM: ok = olen == 2; break;
		case TCP_OPT_TS:       ok = olen == 10; break;
		case TCP_OPT_SACK:     /* empty (seen in the wild) or 1-4 blocks */
			ok = olen == 2 || (olen >= 10 && olen <= 34 && (olen - 2) % 8 == 0);
			break;
		case TCP_OPT_MD5:      ok = olen == 18; break;
		case TCP_OPT_AO:       ok = olen >= 4; break;
		case TCP_OPT_TFO:      ok = olen == 2 || (olen >= 6 && olen <= 18 && olen % 2 == 0); break;
		default:               tracked = false; break;
		}
		if (!ok) {
			decode_set_event(p, c, DECODE_TCP_OPT_MALFORMED);
		} else if (tracked) {
			if (seen & (1ull << (kind & 63)))
				decode_set_event(p, c, DECODE_TCP_OPT_DUPLICATE);
			seen |= 1ull << (kind & 63);
		}
		i += olen;
	}
}

static void decode_tcp(struct packet *p, const struct decode_config *cfg,
		       struct decode_counters *c, uint32_t off, uint32_t len)
{
	c->tcp++;
	if (len < TCP_HDR_LEN) {
		decode_set_event(p, c, DECODE_TCP_TRUNCATED);
		return;
	}
	const uint8_t *h = p->data + off;
	p->l4_offset = (uint16_t)off;
	p->sport = load_be16(h);
	p->dport = load_be16(h + 2);
	p->tcp_seq = load_be32(h + 4);
	p->tcp_ack = load_be32(h + 8);
	p->tcp_flags = h[13];
	p->tcp_win = load_be16(h + 14);

	uint32_t hlen = (uint32_t)(h[12] >> 4) * 4;
	if (hlen > len) {
		decode_set_event(p, c, DECODE_TCP_HDR_TRUNCATED);
		return;
	}
	if (hlen < TCP_HDR_LEN) {
		decode_set_event(p, c, DECODE_TCP_BAD_OFFSET);
		return;
	}
	if (hlen > TCP_HDR_LEN)
		tcp_options_check(p, c, h + TCP_HDR_LEN, hlen - TCP_HDR_LEN);
	decode_set_payload(p, off + hlen, len - hlen);
	decode_verify_l4_checksum(p, cfg, off, len, true, &c->tcp_csum_bad);
}

static void decode_udp(struct packet *p, const struct decode_config *cfg,
		       struct decode_counters *c, uint32_t off, uint32_t len)
{
	c->udp++;
	if (len < UDP_HDR_LEN) {
		decode_set_event(p, c, DECODE_UDP_TRUNCATED);
		return;
	}
	const uint8_t *h = p->data + off;
	p->l4_offset = (uint16_t)off;
	p->sport = load_be16(h);
	p->dport = load_be16(h + 2);

	uint32_t ulen = load_be16(h + 4);
	if (p->flags & PKT_IS_FRAGMENT) {
		/* First fragment: the length covers the whole datagram, of
		 * which this fragment carries the start. */
		if (ulen < UDP_HDR_LEN) {
			decode_set_event(p, c, DECODE_UDP_BAD_LEN);
			return;
		}
		uint32_t here = len < ulen ? len : ulen;
		decode_set_payload(p, off + UDP_HDR_LEN, here - UDP_HDR_LEN);
		return;
	}
	if (ulen > len) {
		decode_set_event(p, c, DECODE_UDP_LEN_TOO_LARGE);
		return;
	}
	if (ulen < UDP_HDR_LEN) {
		decode_set_event(p, c, DECODE_UDP_BAD_LEN);
		return;
	}
	/* Bytes after ulen (inside the IP payload) are not UDP data. */
	decode_set_payload(p, off + UDP_HDR_LEN, ulen - UDP_HDR_LEN);
	/* A zero checksum means "none" over IPv4; over IPv6 it is mandatory. */
	if (p->l3 == L3_IPV4 && load_be16(h + 6) == 0)
		return;
	decode_verify_l4_checksum(p, cfg, off, ulen, true, &c->udp_csum_bad);
}

/* SCTP common header: ports for flow tracking; the chunks are the payload. */
static void decode_sctp(struct packet *p, struct decode_counters *c, uint32_t off, uint32_t len)
{
	c->sctp++;
	if (len < SCTP_HDR_LEN) {
		decode_set_event(p, c, DECODE_SCTP_TRUNCATED);
		return;
	}
	const uint8_t *h = p->data + off;
	p->l4_offset = (uint16_t)off;
	p->sport = load_be16(h);
	p->dport = load_be16(h + 2);
	decode_set_payload(p, off + SCTP_HDR_LEN, len - SCTP_HDR_LEN);
}

void decode_l4(struct packet *p, const struct decode_config *cfg, struct decode_counters *c,
	       uint32_t off, uint32_t len)
{
	switch (p->ip_proto) {
	case IPPROTO_NUM_TCP:
		decode_tcp(p, cfg, c, off, len);
		break;
	case IPPROTO_NUM_UDP:
		decode_udp(p, cfg, c, off, len);
		break;
	case IPPROTO_NUM_ICMP:
		if (p->l3 == L3_IPV6)
			decode_set_event(p, c, DECODE_IPV6_WITH_ICMPV4);
		decode_icmpv4(p, cfg, c, off, len);
		break;
	case IPPROTO_NUM_ICMPV6:
		if (p->l3 == L3_IPV4)
			decode_set_event(p, c, DECODE_IPV4_WITH_ICMPV6);
		decode_icmpv6(p, cfg, c, off, len);
		break;
	case IPPROTO_NUM_SCTP:
		decode_sctp(p, c, off, len);
		break;
	case IPPROTO_NUM_ESP:
		/* Encrypted from the SPI on: no L4 header to speak of. */
		c->ip_other++;
		decode_set_payload(p, off, len);
		break;
	default:
		/* GRE, IP-in-IP, ...: no decoder yet, the whole IP
		 * payload is the payload and its first byte the L4 header. */
		c->ip_other++;
		if (len > 0)
			p->l4_offset = (uint16_t)off;
		decode_set_payload(p, off, len);
		break;
	}
}
