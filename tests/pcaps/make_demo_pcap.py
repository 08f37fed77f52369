#!/usr/bin/python3
"""Writes the README demo capture: a few benign flows, two attacks, one download.

Usage: tests/pcaps/make_demo_pcap.py [OUTPUT]   (default: demo.pcap in the
current directory; needs Debian's /usr/bin/python3 for scapy).  The output
is deterministic (fixed addresses, ports, sequence numbers and timestamps
starting 2024-01-31T12:00:00Z), so the same alerts come out every time:

  benign   192.168.10.20 -> 198.51.100.10:80    HTTP GET /index.html, 200 OK
  benign   192.168.10.20 -> 192.168.10.1:53     DNS A query/answer for example.com
  benign   192.168.10.20 -> 198.51.100.53       ICMP echo request/reply
  benign   192.168.10.20 -> 198.51.100.20:443   TLS-looking bytes
  attack   203.0.113.66  -> 192.168.10.5:80     GET /etc/passwd
  attack   203.0.113.66  -> 192.168.10.5:80     GET /scripts/..%c1%9c../winnt/system32/cmd.exe?/c+dir
  malware  192.168.10.20 -> 203.0.113.66:80     GET /eicar.com answered with the EICAR test
                                                 string (a drop rule: "blocked" with --simulate-ips)

The attacks come from outside HOME_NET (Suricata's default private ranges)
towards a web server inside it, with complete TCP handshakes, so both
`$EXTERNAL_NET -> $HOME_NET` and `flow:established,to_server` rules of the
bundled signatures/rules/rampart-default.rules apply.  Nothing in it is
copied from a real capture.
"""

import sys
from decimal import Decimal

from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import wrpcap

START = Decimal(1706702400)  # 2024-01-31T12:00:00Z
CLIENT_MAC, GATEWAY_MAC = "02:00:00:00:00:01", "02:00:00:00:00:fe"


class Clock:
    """Hands out increasing timestamps, 1 ms apart within a flow.

    Decimal, so that every written microsecond is exact (float sums drift)."""

    def __init__(self):
        self.now = START

    def tick(self, seconds="0.001"):
        self.now += Decimal(seconds)
        return self.now


def _frame(ip_packet, ts, to_inside):
    src, dst = (GATEWAY_MAC, CLIENT_MAC) if to_inside else (CLIENT_MAC, GATEWAY_MAC)
    frame = Ether(src=src, dst=dst) / ip_packet
    frame.time = ts
    return frame


def tcp_flow(clock, client, server, sport, dport, request, response, client_inside=True):
    """Handshake, request, response, FIN/ACK teardown; correct seq/ack throughout."""
    c_seq, s_seq = 100000 + sport, 900000 + dport
    frames = []

    def send(from_client, flags, payload=b""):
        nonlocal c_seq, s_seq
        if from_client:
            ip = IP(src=client, dst=server) / TCP(sport=sport, dport=dport, flags=flags,
                                                  seq=c_seq, ack=s_seq if "A" in flags else 0)
        else:
            ip = IP(src=server, dst=client) / TCP(sport=dport, dport=sport, flags=flags,
                                                  seq=s_seq, ack=c_seq)
        if payload:
            ip = ip / payload
        grows = len(payload) + (1 if ("S" in flags or "F" in flags) else 0)
        if from_client:
            c_seq += grows
        else:
            s_seq += grows
        frames.append(_frame(ip, clock.tick(), to_inside=(from_client != client_inside)))

    send(True, "S")
    send(False, "SA")
    send(True, "A")
    send(True, "PA", request)
    send(False, "A")
    send(False, "PA", response)
    send(True, "A")
    send(True, "FA")
    send(False, "FA")
    send(True, "A")
    clock.tick("0.5")
    return frames


def http_request(path, host):
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: demo-client/1.0\r\n"
            "Accept: */*\r\n\r\n" % (path, host)).encode()


def http_response(status, body):
    return ("HTTP/1.1 %s\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s"
            % (status, len(body), body)).encode()


def build():
    clock = Clock()
    frames = []
    frames += tcp_flow(clock, "192.168.10.20", "198.51.100.10", 50001, 80,
                       http_request("/index.html", "www.example.com"),
                       http_response("200 OK", "<html><body>hello</body></html>"))
    query = IP(src="192.168.10.20", dst="192.168.10.1") / UDP(sport=50002, dport=53) / \
        DNS(id=0x1234, rd=1, qd=DNSQR(qname="example.com"))
    answer = IP(src="192.168.10.1", dst="192.168.10.20") / UDP(sport=53, dport=50002) / \
        DNS(id=0x1234, qr=1, ra=1, qd=DNSQR(qname="example.com"),
            an=DNSRR(rrname="example.com", ttl=300, rdata="198.51.100.10"))
    frames.append(_frame(query, clock.tick(), to_inside=False))
    frames.append(_frame(answer, clock.tick(), to_inside=True))
    clock.tick("0.5")
    for seq in (1, 2):
        ping = IP(src="192.168.10.20", dst="198.51.100.53") / ICMP(type=8, id=77, seq=seq) / \
            b"demo-ping-payload"
        pong = IP(src="198.51.100.53", dst="192.168.10.20") / ICMP(type=0, id=77, seq=seq) / \
            b"demo-ping-payload"
        frames.append(_frame(ping, clock.tick(), to_inside=False))
        frames.append(_frame(pong, clock.tick("0.02"), to_inside=True))
    clock.tick("0.5")
    tls_hello = b"\x16\x03\x01\x00\x2f\x01\x00\x00\x2b\x03\x03" + bytes(range(32)) + b"\x00\x00\x02\x13\x01\x01\x00"
    frames += tcp_flow(clock, "192.168.10.20", "198.51.100.20", 50003, 443, tls_hello,
                       b"\x16\x03\x03\x00\x04\x0e\x00\x00\x00")
    frames += tcp_flow(clock, "203.0.113.66", "192.168.10.5", 41000, 80,
                       http_request("/etc/passwd", "192.168.10.5"),
                       http_response("404 Not Found", "not found"), client_inside=False)
    frames += tcp_flow(clock, "203.0.113.66", "192.168.10.5", 41001, 80,
                       http_request("/scripts/..%c1%9c../winnt/system32/cmd.exe?/c+dir",
                                    "192.168.10.5"),
                       http_response("404 Not Found", "not found"), client_inside=False)
    # An outside host pings the server (alert), the monitoring host pings it
    # (a pass rule: no alert), and a telnet connection attempt (reject rule).
    for src, ident in (("203.0.113.66", 88), ("192.168.0.250", 99)):
        ping = IP(src=src, dst="192.168.10.5") / ICMP(type=8, id=ident, seq=1) / b"demo-ping-payload"
        pong = IP(src="192.168.10.5", dst=src) / ICMP(type=0, id=ident, seq=1) / b"demo-ping-payload"
        frames.append(_frame(ping, clock.tick(), to_inside=True))
        frames.append(_frame(pong, clock.tick("0.02"), to_inside=False))
    syn = IP(src="203.0.113.66", dst="192.168.10.5") / TCP(sport=41002, dport=23, flags="S", seq=1000)
    frames.append(_frame(syn, clock.tick(), to_inside=True))
    frames += tcp_flow(clock, "192.168.10.20", "203.0.113.66", 50004, 80,
                       http_request("/eicar.com", "203.0.113.66"),
                       http_response("200 OK", eicar_test_string()))
    return frames


def eicar_test_string():
    """The harmless EICAR anti-virus test string, assembled at run time so
    that this source file itself never trips a virus scanner."""
    return "X5O!P%@AP[4" + chr(92) + "PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-" + "TEST-FILE!$H+H*"


def main(argv):
    output = argv[1] if len(argv) > 1 else "demo.pcap"
    frames = build()
    wrpcap(output, frames)
    print("%s: %d packets" % (output, len(frames)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
