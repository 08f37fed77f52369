/*
 * reject.h - builds the frames the data plane sends for VERDICT_REJECT:
 * TCP resets (to either end of the connection) and ICMP / ICMPv6 port
 * unreachable messages (to the sender).
 *
 * What to send for which packet (reject_reply_for() says it in code):
 *   TCP  -> two resets: reject_build_tcp_rst(p, REJECT_TO_SOURCE) goes back
 *           out of the ingress port, reject_build_tcp_rst(p,
 *           REJECT_TO_DESTINATION) goes out of the other port of the pair, as
 *           if the sender had reset the connection. Both ends then tear the
 *           connection down (a client sees "connection reset by peer").
 *   UDP  -> one ICMP (IPv4: type 3 code 3) / ICMPv6 (type 1 code 4) port
 *           unreachable back out of the ingress port.
 *   else -> nothing: the packet is just dropped.
 *
 * Contract: pure functions. They read the decoded fields of p (decode.h)
 * and the bytes in [p->data, p->data + p->len), never beyond, and write the
 * whole frame into buf[0, cap). No allocation, no locks, no system calls,
 * no global state: any thread may call them, on the hot path, with a
 * per-worker buffer of REJECT_FRAME_MAX bytes.
 *
 * Every frame is Ethernet, keeping the received 802.1Q / 802.1ad tags
 * (up to 3, TPID, priority and VLAN id as received), so a reply leaves on the
 * same VLAN. The reply to the source swaps the Ethernet addresses; the reset
 * to the destination keeps them. Fresh IP header: IPv4 TTL 64, id 0, DF, no
 * options, TOS 0; IPv6 hop limit 64, traffic class and flow label 0, no
 * extension headers. The IPv4 header checksum and the TCP / ICMP / ICMPv6
 * checksums are computed (no checksum offload needed).
 *
 * Sequence numbers (RFC 793 section 3.4, RFC 5961 section 3):
 *   to source: seq = p's ACK number if p has ACK, else 0; ack = p's seq +
 *     payload length (+1 for SYN, +1 for FIN); flags RST|ACK. The sender's
 *     receive window starts exactly at p's ACK number, so an established
 *     Linux stack accepts it; a sender in SYN-SENT checks the ACK field,
 *     which acknowledges its SYN.
 *   to destination: seq = p's seq (exactly what the destination expects next,
 *     since p itself never arrives); flags RST, plus ACK and p's ACK number
 *     when p has ACK, else ack 0. For a bare SYN the destination has no
 *     connection yet and ignores the reset: harmless, built anyway.
 * Checked against Linux 6.x: both ends of an established connection see
 * ECONNRESET, a client in SYN-SENT sees ECONNREFUSED, and a connected UDP
 * socket sees ECONNREFUSED from the ICMP / ICMPv6 error (IPv4 and IPv6).
 *
 * Bad checksums in p do not stop a reply: the decoder only flags them, and
 * a sender with checksum offload on shows unfinished checksums on the wire
 * of a veth. VLAN tags must be in the frame: keep RX VLAN stripping off on
 * ports whose replies must stay tagged.
 *
 * A builder returns the frame length, or 0 when no frame may be sent:
 *   - link type other than Ethernet (the data plane only replies on Ethernet
 *     ports), or an encapsulation between Ethernet and IP other than VLAN
 *     tags (PPPoE, NSH);
 *   - not IPv4/IPv6, or a packet the decoder marked malformed
 *     (PKT_DECODE_ERROR), or whose L4 header was not captured;
 *   - a fragment other than the first (no L4 header);
 *   - TCP builder: not TCP, or p is itself a RST (RFC 793: never answer a
 *     RST); ICMP builder: neither TCP nor UDP (so never an ICMP error for an
 *     ICMP message), or TCP with RST;
 *   - broadcast or multicast destinations (Ethernet group address, IPv4
 *     255.255.255.255 and 224.0.0.0/3, IPv6 ff00::/8) and sources that
 *     cannot be answered (Ethernet group address, IPv4 0.0.0.0/8, 127.0.0.0/8
 *     and 224.0.0.0/3, IPv6 ::, ::1 and ff00::/8). A subnet's directed
 *     broadcast address cannot be told from a host here and is not refused;
 *   - cap smaller than the frame.
 *
 * ICMP quoting: the offending packet from its IP header on, only the bytes
 * captured and inside its IP length (never Ethernet padding): IPv4 up to a
 * 576-byte ICMP datagram (RFC 1812 section 4.3.2.3, a superset of RFC 792's
 * header + 64 bits), IPv6 up to a 1280-byte ICMPv6 packet (RFC 4443 section
 * 2.4 (c)).
 *
 * Limits: the reset after a first fragment acknowledges only the bytes of
 * that fragment; the sender's stack checks the sequence number, not the ACK,
 * once established, so the reset still lands.
 */
#ifndef RAMPART_VERDICT_REJECT_H
#define RAMPART_VERDICT_REJECT_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/engine/packet.h"

enum reject_direction {
	REJECT_TO_SOURCE = 0,      /* back to p's sender, out of the ingress port */
	REJECT_TO_DESTINATION = 1, /* on to p's destination, out of the other port */
};

/* Which reply a rejected packet gets (see the top of this file). */
enum reject_reply {
	REJECT_REPLY_NONE = 0,     /* drop only */
	REJECT_REPLY_TCP_RST,      /* reject_build_tcp_rst() in both directions */
	REJECT_REPLY_ICMP_UNREACH, /* reject_build_icmp_unreach() */
};

/* Sizes of the frames built here. */
#define REJECT_ETH_HDR_LEN   14
#define REJECT_VLAN_TAGS_MAX  3   /* as many as the decoder reads */
#define REJECT_L2_MAX        (REJECT_ETH_HDR_LEN + 4 * REJECT_VLAN_TAGS_MAX)
#define REJECT_ICMPV4_MAX    576  /* whole IPv4 datagram carrying the ICMP message */
#define REJECT_ICMPV6_MAX    1280 /* whole IPv6 packet carrying the ICMPv6 message */

/* A buffer of this many bytes holds any frame built here (the largest is an
 * ICMPv6 error behind three VLAN tags: 26 + 1280 bytes). */
#define REJECT_FRAME_MAX     (REJECT_L2_MAX + REJECT_ICMPV6_MAX)

/* The reply p gets if rejected: TCP_RST for TCP (unless p is a RST),
 * ICMP_UNREACH for UDP, NONE otherwise. Only looks at the protocol; the
 * builders may still refuse (multicast, fragments, ... see above). */
enum reject_reply reject_reply_for(const struct packet *p);

/* Writes a TCP reset for the connection of the decoded TCP packet p, sent
 * in direction dir, into buf. Returns its length, 0 when none may be sent. */
size_t reject_build_tcp_rst(const struct packet *p, enum reject_direction dir,
			    uint8_t *buf, size_t cap);

/* Writes an ICMP (IPv4) or ICMPv6 (IPv6) port unreachable to the sender of
 * the decoded UDP or TCP packet p, quoting it, into buf. Returns its length,
 * 0 when none may be sent. */
size_t reject_build_icmp_unreach(const struct packet *p, uint8_t *buf, size_t cap);

#endif /* RAMPART_VERDICT_REJECT_H */
