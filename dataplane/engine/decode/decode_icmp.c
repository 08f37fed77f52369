/*
 * decode_icmp.c - ICMPv4 and ICMPv6: type/code, the header quoted by error
 * messages, the checksum, and Suricata's type/code anomalies.
 *
 * Payload offsets follow Suricata: ICMPv4 data starts after the 8-byte
 * header; ICMPv6 data starts after 8 bytes for echo and error messages and
 * after 4 bytes for every other (informational) message, whose fourth to
 * eighth bytes are message body, not header.
 */
#include "dataplane/engine/decode/decode_internal.h"

#define ICMP_HDR_LEN      8
#define ICMPV6_INFO_HDR_LEN 4
#define IPV4_HDR_LEN     20
#define IPV6_HDR_LEN     40

/* Largest code of each ICMPv4 type Suricata knows (-1: unknown type). */
static int icmpv4_max_code(uint8_t type)
{
	switch (type) {
	case 0:  return 0;   /* echo reply */
	case 3:  return 15;  /* destination unreachable */
	case 4:  return 0;   /* source quench */
	case 5:  return 3;   /* redirect */
	case 8:  return 0;   /* echo */
	case 11: return 1;   /* time exceeded */
	case 12: return 2;   /* parameter problem */
	case 13: case 14:    /* timestamp, reply */
	case 15: case 16:    /* information request, reply */
	case 17: case 18:    /* address mask request, reply */
		return 0;
	default:
		return -1;
	}
}

static bool icmpv4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

void decode_icmpv4(struct packet *p, const struct decode_config *cfg, struct decode_counters *c,
		   uint32_t off, uint32_t len)
{
	c->icmpv4++;
	if (len < ICMP_HDR_LEN) {
		decode_set_event(p, c, DECODE_ICMPV4_TRUNCATED);
		return;
	}
	const uint8_t *h = p->data + off;
	uint8_t type = h[0], code = h[1];
	p->l4_offset = (uint16_t)off;
	p->icmp_type = type;
	p->icmp_code = code;
	decode_set_payload(p, off + ICMP_HDR_LEN, len - ICMP_HDR_LEN);

	int max_code = icmpv4_max_code(type);
	if (max_code < 0) {
		decode_set_event(p, c, DECODE_ICMPV4_UNKNOWN_TYPE);
	} else if (code > max_code) {
		decode_set_event(p, c, DECODE_ICMPV4_UNKNOWN_CODE);
	} else if (icmpv4_is_error(type) && len > ICMP_HDR_LEN) {
		/* The quoted datagram must start with a whole IPv4 header. */
		const uint8_t *inner = h + ICMP_HDR_LEN;
		if (len - ICMP_HDR_LEN < IPV4_HDR_LEN)
			decode_set_event(p, c, DECODE_ICMPV4_INNER_TRUNCATED);
		else if (inner[0] >> 4 != 4)
			decode_set_event(p, c, DECODE_ICMPV4_INNER_BAD_VERSION);
	}
	if (icmpv4_is_error(type))
		p->flags |= PKT_ICMP_ERROR;

	/* ICMPv4 sums no pseudo-header; carried by IPv6 it has no defined
	 * checksum at all, so it is left alone. */
	if (p->l3 == L3_IPV4)
		decode_verify_l4_checksum(p, cfg, off, len, false, &c->icmp_csum_bad);
}

/* What Suricata expects of an ICMPv6 type: the largest code (255: any),
 * whether the message has the full 8-byte header, and the anomaly for
 * types it does not know. */
struct icmpv6_type_rule {
	uint8_t max_code;
	bool full_header;
	bool mld;            /* hop limit must be 1 */
	bool rpl;            /* codes 0-3 and 128-132 */
};

static bool icmpv6_type_rule(uint8_t type, struct icmpv6_type_rule *r)
{
	*r = (struct icmpv6_type_rule){ .max_code = 0 };
	switch (type) {
	case 1:   r->max_code = 6; r->full_header = true; return true;  /* destination unreachable */
	case 2:   r->full_header = true; return true;                   /* packet too big */
	case 3:   r->max_code = 1; r->full_header = true; return true;  /* time exceeded */
	case 4:   r->max_code = 2; r->full_header = true; return true;  /* parameter problem */
	case 128: case 129: r->full_header = true; return true;         /* echo request, reply */
	case 130: case 131: case 132: r->mld = true; return true;       /* MLD query, report, done */
	case 138: r->max_code = 2; return true;                         /* router renumbering (and 255) */
	case 139: case 140: r->max_code = 2; return true;               /* node information */
	case 150: case 151: case 152: case 153: r->max_code = 255; return true;
	case 155: r->rpl = true; return true;                           /* RPL control */
	case 133: case 134: case 135: case 136: case 137:              /* neighbour discovery */
	case 141: case 142: case 143: case 144: case 145: case 146:
	case 147: case 148: case 149: case 154: case 156: case 157:
	case 158: case 159:
		return true;
	default:
		return false;
	}
}

static enum decode_event icmpv6_unknown_type_event(uint8_t type)
{
	if ((type >= 100 && type <= 101) || (type >= 200 && type <= 201))
		return DECODE_ICMPV6_EXPERIMENTATION_TYPE;
	if ((type >= 5 && type <= 126) || type >= 160)
		return DECODE_ICMPV6_UNASSIGNED_TYPE;
	return DECODE_ICMPV6_UNKNOWN_TYPE;   /* 0, 127 */
}

void decode_icmpv6(struct packet *p, const struct decode_config *cfg, struct decode_counters *c,
		   uint32_t off, uint32_t len)
{
	c->icmpv6++;
	if (len < ICMP_HDR_LEN) {
		decode_set_event(p, c, DECODE_ICMPV6_TRUNCATED);
		return;
	}
	const uint8_t *h = p->data + off;
	uint8_t type = h[0], code = h[1];
	p->l4_offset = (uint16_t)off;
	p->icmp_type = type;
	p->icmp_code = code;
	if (type >= 1 && type <= 4)
		p->flags |= PKT_ICMP_ERROR;

	struct icmpv6_type_rule r;
	bool full_header = false;
	if (!icmpv6_type_rule(type, &r)) {
		decode_set_event(p, c, icmpv6_unknown_type_event(type));
	} else {
		bool code_ok = r.rpl ? (code <= 3 || (code >= 128 && code <= 132))
				     : (code <= r.max_code || (type == 138 && code == 255));
		if (!code_ok)
			decode_set_event(p, c, DECODE_ICMPV6_UNKNOWN_CODE);
		if (r.mld && p->l3 == L3_IPV6 && p->ttl != 1)
			decode_set_event(p, c, DECODE_ICMPV6_MLD_BAD_HOP_LIMIT);
		full_header = r.full_header && code_ok;
		if (full_header && type <= 4) {
			/* The quoted packet must start with a whole IPv6 header. */
			const uint8_t *inner = h + ICMP_HDR_LEN;
			if (len - ICMP_HDR_LEN < IPV6_HDR_LEN)
				decode_set_event(p, c, DECODE_ICMPV6_INNER_TRUNCATED);
			else if (inner[0] >> 4 != 6)
				decode_set_event(p, c, DECODE_ICMPV6_INNER_BAD_VERSION);
		}
	}
	uint32_t hdr = full_header ? ICMP_HDR_LEN : ICMPV6_INFO_HDR_LEN;
	decode_set_payload(p, off + hdr, len - hdr);

	/* The pseudo-header needs IPv6 addresses: in IPv4 there is none. */
	if (p->l3 == L3_IPV6)
		decode_verify_l4_checksum(p, cfg, off, len, true, &c->icmp_csum_bad);
}
