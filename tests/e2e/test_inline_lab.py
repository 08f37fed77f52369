"""rampart-dp --bridge, inline between network namespaces (firmware/lab.sh).

The lab: client 192.168.50.1 <-> [rampart-dp --bridge, IPS] <-> server
192.168.50.2 (python http.server on port 80), one L2 segment, the bundled
rules, HOME_NET = the server.  Checks that benign traffic (HTTP, ICMP echo)
crosses the bridge unchanged and that a request matching the bundled drop
rule (sid 9000020, the EICAR test string) never reaches the server and is
logged once as a blocked alert.

Run as root: /usr/bin/python3 -m unittest tests.e2e.test_inline_lab -v
Skips (with the reason) unless root, `ip netns` and ethtool work and
rampart-dp is built (RAMPART_DP chooses the binary; LAB_PMD=af_xdp the PMD).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rampart_e2e as e2e  # noqa: E402

LAB_SH = os.path.join(e2e.REPO_ROOT, "firmware", "lab.sh")
PYTHON = "/usr/bin/python3"
SERVER = "192.168.50.2"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_SID = 9000020
LAB_TIMEOUT = 60          # lab.sh up/down, seconds (up waits at most 30 s for forwarding)
CLIENT_TIMEOUT = 10       # one client program in the client namespace


def _lab_unavailable():
    """Why the lab cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if not os.access(e2e.binary_path(), os.X_OK):
        return "rampart-dp not found at %s (build it or set RAMPART_DP)" % e2e.binary_path()
    if not os.access(PYTHON, os.X_OK):
        return "%s not found" % PYTHON
    if shutil.which("ethtool") is None or shutil.which("ip") is None:
        return "ip and ethtool are needed"
    try:
        subprocess.run(["ip", "netns", "list"], check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as exc:
        return "`ip netns list` does not work here: %s" % exc
    return None


# Client programs run in the client namespace with /usr/bin/python3 -c.
HTTP_GET = r"""
import sys, urllib.request
with urllib.request.urlopen("http://%s/", timeout=5) as r:
    sys.stdout.buffer.write(r.read())
""" % SERVER

# Connect, send one raw request, report what came back within 2 s.
RAW_REQUEST = r"""
import socket, sys
s = socket.create_connection(("%s", 80), timeout=5)
s.settimeout(2.0)
s.sendall(sys.stdin.buffer.read())
try:
    data = s.recv(4096)
    print("response" if data else "closed")
except socket.timeout:
    print("timeout")
""" % SERVER

# ICMP echo over a raw socket (no ping binary needed); prints the replies.
PING = r"""
import os, socket, struct, time
def csum(b):
    s = sum(struct.unpack("!%%dH" %% (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
sock.settimeout(1.0)
ident, got = os.getpid() & 0xffff, 0
for seq in range(3):
    body = struct.pack("!HH", ident, seq) + b"rampart-lab-ping"
    sock.sendto(struct.pack("!BBH", 8, 0, csum(struct.pack("!BBH", 8, 0, 0) + body)) + body,
                ("%s", 0))
    deadline = time.time() + 1.0
    while time.time() < deadline:
        try:
            pkt = sock.recv(2048)
        except socket.timeout:
            break
        icmp = pkt[(pkt[0] & 15) * 4:]
        if icmp[0] == 0 and struct.unpack("!HH", icmp[4:8]) == (ident, seq):
            got += 1
            break
print(got)
""" % SERVER


@unittest.skipIf(_lab_unavailable(), _lab_unavailable() or "")
class InlineLabTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.prefix = "rt%d" % (os.getpid() % 1000000)
        cls.state = tempfile.mkdtemp(prefix="rampart-lab-")
        cls.env = dict(os.environ, LAB_PREFIX=cls.prefix, LAB_STATE=cls.state,
                       RAMPART_DP=e2e.binary_path())
        # Registered first: runs even when `up` fails half way.
        cls.addClassCleanup(cls._lab_down)
        up = cls._lab("up")
        if up.returncode != 0:
            raise AssertionError("lab.sh up failed (%d):\n%s%s" % (up.returncode, up.stdout, up.stderr))

    @classmethod
    def _lab(cls, action):
        return subprocess.run(["bash", LAB_SH, action], env=cls.env, capture_output=True,
                              text=True, timeout=LAB_TIMEOUT)

    @classmethod
    def _lab_down(cls):
        down = cls._lab("down")
        if down.returncode != 0:
            sys.stderr.write("lab.sh down: %s%s" % (down.stdout, down.stderr))
        shutil.rmtree(cls.state, ignore_errors=True)

    def in_client(self, program, stdin=b""):
        run = subprocess.run(["ip", "netns", "exec", self.prefix + "-client", PYTHON, "-c", program],
                             input=stdin, capture_output=True, timeout=CLIENT_TIMEOUT)
        self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
        return run.stdout

    def state_file(self, name):
        with open(os.path.join(self.state, name), "rb") as f:
            return f.read()

    def eve_records(self, want, timeout=3.0):
        """EVE records once `want(records)` holds (the writer flushes when idle)."""
        deadline = time.monotonic() + timeout
        while True:
            records = [json.loads(line) for line in self.state_file("eve.json").splitlines() if line]
            if want(records) or time.monotonic() > deadline:
                return records
            time.sleep(0.1)

    def test_benign_get_returns_the_page(self):
        body = self.in_client(HTTP_GET)
        self.assertEqual(body, self.state_file("www/index.html"))
        self.assertIn(b'"GET / HTTP/1.1" 200', self.state_file("access.log"))

    def test_ping_crosses_the_bridge(self):
        self.assertEqual(self.in_client(PING).strip(), b"3")

    def test_drop_rule_blocks_the_request(self):
        request = b"GET /" + EICAR + b" HTTP/1.0\r\nHost: " + SERVER.encode() + b"\r\n\r\n"
        self.assertEqual(self.in_client(RAW_REQUEST, stdin=request).strip(), b"timeout")

        def blocked_alerts(records):
            return [r for r in records if r.get("event_type") == "alert"
                    and r["alert"]["signature_id"] == EICAR_SID]

        alerts = blocked_alerts(self.eve_records(lambda rs: blocked_alerts(rs)))
        self.assertEqual(len(alerts), 1, alerts)
        self.assertEqual(alerts[0]["alert"]["action"], "blocked")
        self.assertEqual((alerts[0]["src_ip"], alerts[0]["dest_ip"], alerts[0]["dest_port"]),
                         ("192.168.50.1", SERVER, 80))
        self.assertNotIn(b"EICAR", self.state_file("access.log"))
        # The bridge still forwards after blocking a flow.
        self.assertEqual(self.in_client(HTTP_GET), self.state_file("www/index.html"))


if __name__ == "__main__":
    unittest.main()
