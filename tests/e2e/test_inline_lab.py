"""rampart-dp --bridge inline between network namespaces (firmware/lab.sh).

The lab: client 192.168.50.1 <-> [rampart-dp --bridge, IPS] <-> server
192.168.50.2, one L2 segment, the bundled rules plus one test rule
(`reject udp any any -> $HOME_NET 9999`), the tree's default firewall policy
(when present), HOME_NET = the server. What a user would notice:
  - benign HTTP returns the exact bytes of index.html; ping is answered;
  - a request carrying the EICAR string (bundled drop rule 9000020) gets no
    response, never reaches the server, and is logged once as a blocked alert
    plus a drop event;
  - reject (bundled rule 9000030, telnet SYN): connect() fails at once with a
    reset, not a timeout; UDP reject: the client's connected socket gets ICMP
    port unreachable (ECONNREFUSED). The server listens on both ports (TCP
    23, UDP 9999), so the reset/unreachable can only come from rampart-dp.

Run as root: /usr/bin/python3 -m unittest tests.e2e.test_inline_lab -v
Skips (with the reason) unless root, `ip netns` and ethtool work and
rampart-dp is built (RAMPART_DP chooses the binary).
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lab  # noqa: E402

SID_UDP_REJECT = 9100030
UDP_REJECT_RULE = ('reject udp any any -> $HOME_NET %d (msg:"LAB TEST reject udp %d"; '
                   'classtype:policy-violation; sid:%d; rev:1;)\n'
                   % (lab.REJECT_UDP_PORT, lab.REJECT_UDP_PORT, SID_UDP_REJECT))


class InlineLabTest(lab.LabTestCase):
    EXTRA_RULES = UDP_REJECT_RULE

    def test_benign_get_returns_the_page(self):
        r = self.client("http")
        self.assertEqual((r["result"], r["status"]), ("response", 200), r)
        self.assertEqual(r["body"], self.index_html())
        self.assertIn(b'"GET / HTTP/1.0" 200', self.state_file("access.log"))

    def test_ping_crosses_the_bridge(self):
        self.assertEqual(self.client("ping", count=3)["replies"], 3)

    def test_drop_rule_blocks_the_request(self):
        uri = "/" + lab.EICAR.decode()
        request = "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (uri, lab.SERVER_IP)
        r = self.client("http", request=request, timeout=2.0)
        self.assertEqual(r["result"], "timeout", r)

        alerts, records = self.wait_alerts(lab.SID_EICAR_DROP)
        self.assertEqual(len(alerts), 1, alerts)
        self.assertEqual(alerts[0]["alert"]["action"], "blocked")
        self.assertEqual((alerts[0]["src_ip"], alerts[0]["dest_ip"], alerts[0]["dest_port"]),
                         (lab.CLIENT_IP, lab.SERVER_IP, 80))
        self.assertGreaterEqual(len(self.drops(records, lab.SID_EICAR_DROP)), 1, records)
        self.assertNotIn(b"EICAR", self.state_file("access.log"))
        # The bridge still forwards after blocking a flow.
        r = self.client("http")
        self.assertEqual((r["status"], r["body"]), (200, self.index_html()))

    @lab.skip_unless_feature("reject_tx")
    def test_reject_resets_the_telnet_connection(self):
        r = self.client("tcp_connect", port=lab.TELNET_PORT, timeout=3.0)
        self.assertIn(r["result"], ("reset", "refused"), r)
        self.assertLess(r["seconds"], 1.0, "the reset came late: %r" % r)
        alerts, _ = self.wait_alerts(lab.SID_TELNET_REJECT)
        self.assertEqual(len(alerts), 1, alerts)
        self.assertEqual(alerts[0]["alert"]["action"], "blocked")
        self.assertNotIn(b"tcp 23 ", self.state_file("services.log"))

    @lab.skip_unless_feature("reject_tx")
    def test_reject_udp_answers_port_unreachable(self):
        r = self.client("udp", port=lab.REJECT_UDP_PORT,
                        flows=[[41000, ["rampart-lab reject me"]]], timeout=2.0)
        self.assertEqual(r["results"], [["refused"]], r)
        alerts, _ = self.wait_alerts(SID_UDP_REJECT)
        self.assertEqual(len(alerts), 1, alerts)
        self.assertNotIn(b"udp 9999 ", self.state_file("services.log"))
        # Control: the echo on port 7 is not rejected.
        r = self.client("udp", port=lab.ECHO_PORT, flows=[[41001, ["hello"]]], timeout=2.0)
        self.assertEqual(r["results"], [["echo"]], r)


if __name__ == "__main__":
    unittest.main()
