/*
 * detect_header.c - the cheap checks of a candidate rule: protocol, address
 * and port sets, the flow keyword and the packet keywords (dsize, flags, ttl,
 * itype, icode, ip_proto, sameip, seq/ack/window, id, tos, icmp_id/icmp_seq,
 * fragbits, fragoffset, ipopts, geoip, iprep). Suricata's semantics throughout.
 */
#include <string.h>

#include "dataplane/engine/detect/detect_match.h"
#include "dataplane/engine/flow/flow_table.h"
#include "signatures/iprep/ip_intervals.h"
#include "signatures/parser/sig_parser.h" /* SIG_FRAGBIT_* */

/* Is a inside c? Addresses compare as 128-bit numbers (IPv4 in the low word), no memcmp call. */
static bool cidr_contains(const struct sig_cidr *c, const struct ip_addr *a, uint8_t family)
{
	if (c->family != family)
		return false;
	bool v4 = family == 4;
	unsigned width = v4 ? 32 : 128, bits = c->prefix > width ? width : c->prefix;
	struct detect_gate_key x = detect_gate_key_of(a, v4), y = detect_gate_key_of(&c->addr, v4);
	unsigned host = width - bits;
	uint64_t lo_mask = host >= 64 ? 0 : ~0ull << host;
	uint64_t hi_mask = host >= 128 ? 0 : host > 64 ? ~0ull << (host - 64) : ~0ull;
	return ((x.lo ^ y.lo) & lo_mask) == 0 && ((x.hi ^ y.hi) & hi_mask) == 0;
}

bool detect_addr_in_set(const struct sig_addr_set *s, const struct ip_addr *a, uint8_t family)
{
	bool in = s->n_include == 0 && s->any;
	for (size_t i = 0; !in && i < s->n_include; i++)
		in = cidr_contains(&s->include[i], a, family);
	if (!in)
		return false;
	for (size_t i = 0; i < s->n_exclude; i++)
		if (cidr_contains(&s->exclude[i], a, family))
			return false;
	return true;
}

bool detect_port_in_set(const struct sig_port_set *s, uint16_t port)
{
	bool in = s->n_include == 0 && s->any;
	for (size_t i = 0; !in && i < s->n_include; i++)
		in = port >= s->include[i].lo && port <= s->include[i].hi;
	if (!in)
		return false;
	for (size_t i = 0; i < s->n_exclude; i++)
		if (port >= s->exclude[i].lo && port <= s->exclude[i].hi)
			return false;
	return true;
}

static bool proto_matches(uint8_t proto, const struct packet *p)
{
	switch (proto) {
	case SIG_PROTO_TCP: return p->ip_proto == 6;
	case SIG_PROTO_UDP: return p->ip_proto == 17;
	case SIG_PROTO_ICMP: return p->ip_proto == 1 || p->ip_proto == 58;
	case SIG_PROTO_IP: return true;
	default: return false;
	}
}

static bool endpoints_match(const struct sig_rule *r, const struct packet *p, bool ports, bool swap)
{
	const struct ip_addr *src = swap ? &p->dst : &p->src, *dst = swap ? &p->src : &p->dst;
	uint16_t sport = swap ? p->dport : p->sport, dport = swap ? p->sport : p->dport;
	if (ports && (!detect_port_in_set(&r->dport, dport) || !detect_port_in_set(&r->sport, sport)))
		return false;
	return detect_addr_in_set(&r->src, src, p->l3) && detect_addr_in_set(&r->dst, dst, p->l3);
}

static bool flow_keyword_matches(uint32_t fl, const struct packet *p)
{
	if (!fl)
		return true;
	const struct flow *f = p->flow;
	if ((fl & SIG_FLOW_ESTABLISHED) && !(f && flow_is_established(f)))
		return false;
	if ((fl & SIG_FLOW_NOT_ESTABLISHED) && f && flow_is_established(f))
		return false;
	/* Direction needs a flow, like Suricata (no flow: no direction flag). */
	if ((fl & SIG_FLOW_TO_SERVER) && !(f && p->to_server))
		return false;
	if ((fl & SIG_FLOW_TO_CLIENT) && !(f && !p->to_server))
		return false;
	if ((fl & SIG_FLOW_ONLY_FRAG) && !(p->flags & PKT_IS_FRAGMENT))
		return false;
	if ((fl & SIG_FLOW_NO_FRAG) && (p->flags & PKT_IS_FRAGMENT))
		return false;
	return true;
}

bool detect_match_header(const struct detect_rule *dr, const struct packet *p)
{
	const struct sig_rule *r = dr->sig;
	if (!proto_matches(r->proto, p))
		return false;
	bool ports = r->proto == SIG_PROTO_TCP || r->proto == SIG_PROTO_UDP;
	if (!endpoints_match(r, p, ports, false) && !(r->bidirectional && endpoints_match(r, p, ports, true)))
		return false;
	return flow_keyword_matches(r->flow, p);
}

/* flags / fragbits: '=' exact, '+' these and maybe others, '*' any of, '!' not all of (Suricata). */
static bool bits_match(const struct sig_tcp_flags *t, uint8_t have)
{
	have &= (uint8_t)~t->mask;
	if (t->no_flags)
		return have == 0;
	switch (t->mode) {
	case '+': return (have & t->flags) == t->flags;
	case '*': return (have & t->flags) != 0;
	case '!': return (have & t->flags) != t->flags;
	default: return have == t->flags;
	}
}

static bool is_icmp(const struct packet *p)
{
	return p->ip_proto == 1 || p->ip_proto == 58;
}

/* icmp_id / icmp_seq exist in echo, timestamp, information and address-mask messages. */
static bool icmp_field(const struct packet *p, unsigned at, uint16_t *out)
{
	if (!is_icmp(p) || !p->l4_offset || (uint32_t)p->l4_offset + 8 > p->len)
		return false;
	uint8_t t = p->icmp_type;
	bool ok = p->ip_proto == 1 ? (t == 0 || t == 8 || (t >= 13 && t <= 18)) : (t == 128 || t == 129);
	if (!ok)
		return false;
	const uint8_t *h = p->data + p->l4_offset + at;
	*out = (uint16_t)(h[0] << 8 | h[1]);
	return true;
}

static bool ipv4_byte(const struct packet *p, unsigned at, uint8_t *out)
{
	if (!packet_is_ipv4(p) || (uint32_t)p->l3_offset + at >= p->len)
		return false;
	*out = p->data[p->l3_offset + at];
	return true;
}

/* geoip / iprep: the load-time interval table, searched for the packet's
 * addresses (no database on this path). */
static bool ip_in(const struct sig_ipmatch *im, const struct ip_addr *a, uint8_t family)
{
	return ip_intervals_contains(im->set, a, family) != im->negated;
}

static bool ipmatch_op(const struct sig_ipmatch *im, const struct packet *p)
{
	if (!im->set || (p->l3 != 4 && p->l3 != 6))
		return false;
	switch (im->side) {
	case SIG_IPSIDE_SRC: return ip_in(im, &p->src, p->l3);
	case SIG_IPSIDE_DST: return ip_in(im, &p->dst, p->l3);
	case SIG_IPSIDE_BOTH: return ip_in(im, &p->src, p->l3) && ip_in(im, &p->dst, p->l3);
	default: return ip_in(im, &p->src, p->l3) || ip_in(im, &p->dst, p->l3);
	}
}

static bool packet_op(const struct sig_match *m, const struct packet *p)
{
	uint16_t v16;
	uint8_t v8;
	switch (m->kind) {
	case SIG_M_DSIZE: return detect_numcmp(&m->u.num, p->payload_len);
	case SIG_M_TTL: return detect_numcmp(&m->u.num, p->ttl);
	case SIG_M_ITYPE: return is_icmp(p) && detect_numcmp(&m->u.num, p->icmp_type);
	case SIG_M_ICODE: return is_icmp(p) && detect_numcmp(&m->u.num, p->icmp_code);
	case SIG_M_FLAGS: return p->ip_proto == 6 && p->l4_offset && bits_match(&m->u.tcp_flags, p->tcp_flags);
	case SIG_M_SEQ: return p->ip_proto == 6 && detect_numcmp(&m->u.num, p->tcp_seq);
	case SIG_M_ACK: return p->ip_proto == 6 && detect_numcmp(&m->u.num, p->tcp_ack);
	case SIG_M_WINDOW: return p->ip_proto == 6 && detect_numcmp(&m->u.num, p->tcp_win);
	case SIG_M_ID: return packet_is_ipv4(p) && detect_numcmp(&m->u.num, p->ip_id);
	case SIG_M_TOS: return ipv4_byte(p, 1, &v8) && detect_numcmp(&m->u.num, v8);
	case SIG_M_FRAGOFFSET: return detect_numcmp(&m->u.num, p->frag_offset / 8);
	case SIG_M_ICMP_ID: return icmp_field(p, 4, &v16) && detect_numcmp(&m->u.num, v16);
	case SIG_M_ICMP_SEQ: return icmp_field(p, 6, &v16) && detect_numcmp(&m->u.num, v16);
	case SIG_M_SAMEIP: return memcmp(&p->src, &p->dst, sizeof(p->src)) == 0;
	case SIG_M_IPOPTS:
		/* the option was seen in the IPv4 header; "any" (-1): some option was */
		if (!packet_is_ipv4(p))
			return false;
		if (m->u.num.lo < 0)
			return p->ipv4_opts != 0;
		v16 = packet_ipv4_opt_bit((unsigned)m->u.num.lo);
		return v16 != 0 && (p->ipv4_opts & v16) != 0;
	case SIG_M_FRAGBITS: {
		if (!ipv4_byte(p, 6, &v8))
			return false;
		uint8_t have = (uint8_t)(((v8 & 0x20) ? SIG_FRAGBIT_MF : 0) | ((v8 & 0x40) ? SIG_FRAGBIT_DF : 0) |
					 ((v8 & 0x80) ? SIG_FRAGBIT_RB : 0));
		return bits_match(&m->u.tcp_flags, have);
	}
	case SIG_M_IP_PROTO: {
		bool r;
		if (m->u.ip_proto.cmp == '<')
			r = p->ip_proto < m->u.ip_proto.proto;
		else if (m->u.ip_proto.cmp == '>')
			r = p->ip_proto > m->u.ip_proto.proto;
		else
			r = p->ip_proto == m->u.ip_proto.proto;
		return r != m->u.ip_proto.negated;
	}
	case SIG_M_GEOIP:
	case SIG_M_IPREP:
		return ipmatch_op(&m->u.ipmatch, p);
	default:
		return false; /* the compiler refuses rules with other kinds */
	}
}

bool detect_match_packet_ops(const struct detect_rule *dr, const struct packet *p)
{
	for (uint16_t i = 0; i < dr->n_pkt_ops; i++)
		if (!packet_op(dr->pkt_ops[i].m, p))
			return false;
	return true;
}
