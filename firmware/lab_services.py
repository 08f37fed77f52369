#!/usr/bin/python3
"""lab_services.py - the small test services of firmware/lab.sh's server.

    lab_services.py --bind ADDR [--udp-echo PORT ...] [--tcp-banner PORT ...] --log FILE

One process, one thread, no dependencies beyond the standard library:
  --udp-echo PORT    answers every datagram to ADDR:PORT with the same bytes
                     (latency and packet-rate checks, per-flow echo counts)
  --tcp-banner PORT  accepts a TCP connection on ADDR:PORT, writes one line
                     "rampart lab: port PORT reached\\r\\n" and closes it
Every datagram and connection is logged as one line in FILE
("udp 7 from 192.168.50.1:40000 5 bytes", "tcp 23 from 192.168.50.1:51234"),
flushed at once, so a test can prove that something never arrived.

Why a banner on the ports that reject rules guard (TCP 23, UDP 9999): with a
listener there, a TCP reset or an ICMP port unreachable can only come from
the appliance, never from the server's own kernel.
Runs until SIGTERM/SIGINT.
"""
import argparse
import selectors
import signal
import socket
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bind", required=True)
    ap.add_argument("--udp-echo", type=int, action="append", default=[])
    ap.add_argument("--tcp-banner", type=int, action="append", default=[])
    ap.add_argument("--log", required=True)
    args = ap.parse_args()

    log = open(args.log, "a", buffering=1)
    sel = selectors.DefaultSelector()
    for port in args.udp_echo:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((args.bind, port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("udp", port))
    for port in args.tcp_banner:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((args.bind, port))
        s.listen(16)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("tcp", port))

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("lab_services: ready", flush=True)
    while True:
        for key, _ in sel.select():
            kind, port = key.data
            sock = key.fileobj
            if kind == "udp":
                try:
                    data, peer = sock.recvfrom(65535)
                except OSError:
                    continue
                log.write("udp %d from %s:%d %d bytes\n" % (port, peer[0], peer[1], len(data)))
                try:
                    sock.sendto(data, peer)
                except OSError:
                    pass
            else:
                try:
                    conn, peer = sock.accept()
                except OSError:
                    continue
                log.write("tcp %d from %s:%d\n" % (port, peer[0], peer[1]))
                try:
                    conn.settimeout(1.0)
                    conn.sendall(b"rampart lab: port %d reached\r\n" % port)
                except OSError:
                    pass
                conn.close()


if __name__ == "__main__":
    sys.exit(main())
