/*
 * flow_update.c - what one packet does to its flow: direction, counters, the
 * TCP state machine behind flow:established / not_established, and TCP port
 * reuse. Runs per packet, in capture order, after flow_table_lookup_burst.
 *
 * The TCP tracking is the part of Suricata's stream engine that flow keywords
 * depend on, without sequence numbers: SYN -> SYN/ACK -> ACK establishes; RST
 * in any state, or FIN from both sides, closes (which only shortens the
 * timeout). With midstream pick-up on, a flow first seen on a non-SYN packet
 * is established by that packet (one first seen on a SYN/ACK, by the client's
 * ACK); with it off (the default, like Suricata) such a flow is never
 * established. Like Suricata, a packet counts as established when the session
 * was established before it (see flow_is_established).
 */
#include "dataplane/engine/flow/flow_internal.h"

/* Swaps client and server (the first packet was misleading). The key stays
 * the same set of endpoints, so the index entry remains valid. */
static void flow_swap_roles(struct flow *f)
{
	struct ip_addr a = f->client_addr;
	uint16_t port = f->client_port;
	uint64_t n;
	uint8_t fl = f->flags;

	f->client_addr = f->server_addr;
	f->server_addr = a;
	f->client_port = f->server_port;
	f->server_port = port;
	n = f->pkts_toserver; f->pkts_toserver = f->pkts_toclient; f->pkts_toclient = n;
	n = f->bytes_toserver; f->bytes_toserver = f->bytes_toclient; f->bytes_toclient = n;
	/* the engine's per-direction payload counters follow the roles too */
	n = f->payload_units[0]; f->payload_units[0] = f->payload_units[1];
	f->payload_units[1] = (uint16_t)n;
	/* and so does the firewall's note of which way the first packet went */
	f->fw_origin ^= FLOW_FW_ORIGIN_TOCLIENT;
	fl &= (uint8_t)~(FLOW_SEEN_TOSERVER | FLOW_SEEN_TOCLIENT | FLOW_FIN_TOSERVER | FLOW_FIN_TOCLIENT);
	if (f->flags & FLOW_SEEN_TOSERVER) fl |= FLOW_SEEN_TOCLIENT;
	if (f->flags & FLOW_SEEN_TOCLIENT) fl |= FLOW_SEEN_TOSERVER;
	if (f->flags & FLOW_FIN_TOSERVER) fl |= FLOW_FIN_TOCLIENT;
	if (f->flags & FLOW_FIN_TOCLIENT) fl |= FLOW_FIN_TOSERVER;
	f->flags = fl;
}

static inline bool packet_non_first_fragment(const struct packet *p)
{
	return (p->flags & (PKT_IS_FRAGMENT | PKT_FIRST_FRAGMENT)) == PKT_IS_FRAGMENT;
}

/* Direction of p within f, from the flow's current roles. */
static bool packet_is_toserver(const struct flow *f, const struct packet *p)
{
	uint64_t src[2], client[2], dst[2];
	uint16_t sport;

	flow_addr_words(&p->src, f->l3, src);
	flow_addr_words(&p->dst, f->l3, dst);
	flow_addr_words(&f->client_addr, f->l3, client);
	if (src[0] != dst[0] || src[1] != dst[1])
		return src[0] == client[0] && src[1] == client[1];
	/* same host on both ends: the ports decide (as keyed) */
	sport = (packet_non_first_fragment(p) || p->ip_proto == 1 || p->ip_proto == 58) ? 0 : p->sport;
	return sport == f->client_port;
}

static void tcp_on_fin(struct flow_table *ft, struct flow *f, bool to_server)
{
	f->flags |= to_server ? FLOW_FIN_TOSERVER : FLOW_FIN_TOCLIENT;
	if ((f->flags & (FLOW_FIN_TOSERVER | FLOW_FIN_TOCLIENT)) ==
	    (FLOW_FIN_TOSERVER | FLOW_FIN_TOCLIENT)) {
		f->tcp_state = FLOW_TCP_CLOSED;
		ft->stats.tcp_fin_closed++;
	} else {
		f->tcp_state = FLOW_TCP_CLOSING;
	}
}

static void tcp_established(struct flow_table *ft, struct flow *f)
{
	f->tcp_state = FLOW_TCP_ESTABLISHED;
	f->tcp_history |= FLOW_TCP_WAS_ESTABLISHED;
	ft->stats.tcp_established++;
}

/* Advances the TCP state for one packet; returns the packet's direction,
 * which changes when the packet shows the roles were guessed wrong. */
static bool tcp_update(struct flow_table *ft, struct flow *f, uint8_t tcp_flags, bool to_server)
{
	bool syn = tcp_flags & TCP_FLAG_SYN, ack = tcp_flags & TCP_FLAG_ACK;
	bool fin = tcp_flags & TCP_FLAG_FIN;
	bool first = f->pkts_toserver + f->pkts_toclient == 0;

	if (tcp_flags & TCP_FLAG_RST) {
		if (f->tcp_state != FLOW_TCP_CLOSED) {
			f->tcp_state = FLOW_TCP_CLOSED;
			ft->stats.tcp_rst++;
		}
		return to_server;
	}
	switch (f->tcp_state) {
	case FLOW_TCP_NONE:
		if (syn && !ack) {
			/* a handshake starts: its SYN sender is the client */
			if (!to_server) {
				flow_swap_roles(f);
				to_server = true;
			}
			f->tcp_state = FLOW_TCP_SYN_SENT;
			ft->stats.tcp_syn++;
		} else if (ft->cfg.midstream && syn && ack) {
			if (to_server) {
				flow_swap_roles(f);
				to_server = false;
			}
			f->tcp_state = FLOW_TCP_SYN_RECV;
			f->flags |= FLOW_MIDSTREAM;
			ft->stats.tcp_midstream++;
		} else if (ft->cfg.midstream && !syn) {
			f->flags |= FLOW_MIDSTREAM;
			ft->stats.tcp_midstream++;
			tcp_established(ft, f);
			if (fin)
				tcp_on_fin(ft, f, to_server);
		} else if (first) {
			ft->stats.tcp_not_tracked++;
		}
		break;
	case FLOW_TCP_SYN_SENT:
		if (syn && ack && !to_server)
			f->tcp_state = FLOW_TCP_SYN_RECV;
		break;
	case FLOW_TCP_SYN_RECV:
		if (ack && !syn && to_server) {
			tcp_established(ft, f);
			if (fin)
				tcp_on_fin(ft, f, to_server);
		}
		break;
	case FLOW_TCP_ESTABLISHED:
	case FLOW_TCP_CLOSING:
		if (fin)
			tcp_on_fin(ft, f, to_server);
		break;
	default:
		break;
	}
	return to_server;
}

void flow_table_update_packet(struct flow_table *ft, struct packet *p)
{
	struct flow *f = p->flow;
	bool to_server;
	uint8_t tcp_flags = 0;

	if (f == NULL)
		return;
	to_server = packet_is_toserver(f, p);
	if (f->ip_proto == 6) {
		if (!packet_non_first_fragment(p))
			tcp_flags = p->tcp_flags;
		/* a new SYN on a closed connection starts a new one (port reuse) */
		if (f->tcp_state == FLOW_TCP_CLOSED &&
		    (tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) == TCP_FLAG_SYN) {
			flow_restart(ft, f, p->ts_usec);
			ft->stats.tcp_reuse++;
		}
		/* Suricata marks a TCP packet established from the session state
		 * before the stream engine sees it: the handshake's final ACK is
		 * not established, and every packet after it is, through FIN and
		 * RST */
		if (f->tcp_history & FLOW_TCP_WAS_ESTABLISHED)
			f->flags |= FLOW_ESTABLISHED;
		else
			f->flags &= (uint8_t)~FLOW_ESTABLISHED;
		to_server = tcp_update(ft, f, tcp_flags, to_server);
	}
	if (to_server) {
		f->pkts_toserver++;
		f->bytes_toserver += p->len;
		f->flags |= FLOW_SEEN_TOSERVER;
	} else {
		f->pkts_toclient++;
		f->bytes_toclient += p->len;
		f->flags |= FLOW_SEEN_TOCLIENT;
	}
	/* other protocols: established once both sides have spoken (Suricata) */
	if (f->ip_proto != 6 && (f->flags & (FLOW_SEEN_TOSERVER | FLOW_SEEN_TOCLIENT)) ==
				       (FLOW_SEEN_TOSERVER | FLOW_SEEN_TOCLIENT))
		f->flags |= FLOW_ESTABLISHED;
	p->to_server = to_server;
	/* a state change moves the flow to the timeout list of its new state */
	if (flow_list_for(f) != f->timeout_list) {
		flow_list_unlink(ft, f);
		flow_list_append(ft, f, flow_list_for(f));
	}
}

void flow_table_process_burst(struct flow_table *ft, struct packet **pkts, uint16_t n)
{
	flow_table_lookup_burst(ft, pkts, n);
	for (uint16_t i = 0; i < n; i++)
		flow_table_update_packet(ft, pkts[i]);
}

const char *flow_tcp_state_name(uint8_t state)
{
	static const char *const names[] = {
		[FLOW_TCP_NONE] = "none",
		[FLOW_TCP_SYN_SENT] = "syn_sent",
		[FLOW_TCP_SYN_RECV] = "syn_recv",
		[FLOW_TCP_ESTABLISHED] = "established",
		[FLOW_TCP_CLOSING] = "closing",
		[FLOW_TCP_CLOSED] = "closed",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "invalid";
}
