"""The README demo: tests/pcaps/make_demo_pcap.py with the bundled default rules.

Run: /usr/bin/python3 -m unittest discover -s tests/e2e -v   (see rampart_e2e.py).
What a user trying the README sees: every malicious flow in the demo capture
raises alerts with signatures/rules/rampart-default.rules, none of the benign
flows does, and the EICAR download is "blocked" only with --simulate-ips.
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rampart_e2e as e2e  # noqa: E402

GENERATOR = os.path.join(e2e.REPO_ROOT, "tests", "pcaps", "make_demo_pcap.py")
DEFAULT_RULES = os.path.join(e2e.REPO_ROOT, "signatures", "rules", "rampart-default.rules")
ATTACKER = "203.0.113.66"
# The client port of each malicious flow, and what it carries.
MALICIOUS_FLOWS = {41000: "GET /etc/passwd", 41001: "cmd.exe", 41002: "telnet attempt",
                   50004: "EICAR download"}
MONITOR = "192.168.0.250"  # pinged the server; a bundled pass rule covers it
EICAR_PORT = 50004


@e2e.skip_unless_binary
@unittest.skipUnless(os.path.exists(DEFAULT_RULES), "%s not written yet" % DEFAULT_RULES)
class DemoCaptureTest(e2e.WorkdirTestCase):

    def setUp(self):
        super().setUp()
        self.pcap = os.path.join(self.tmp, "demo.pcap")
        subprocess.run([sys.executable, GENERATOR, self.pcap], check=True,
                       stdout=subprocess.DEVNULL)
        self.result = e2e.run_dp(self.tmp, self.pcap, DEFAULT_RULES)

    def alerted_client_ports(self, result):
        ports = set()
        for a in result.alerts():
            if ATTACKER in (a.get("src_ip"), a.get("dest_ip")):
                ports |= {a.get("src_port"), a.get("dest_port")}
        return ports

    def test_every_malicious_flow_alerts(self):
        self.assertRunOk(self.result)
        ports = self.alerted_client_ports(self.result)
        for port, what in MALICIOUS_FLOWS.items():
            self.assertIn(port, ports, "no alert for the %s; alerts: %s"
                          % (what, self.result.eve_lines))

    def test_eicar_download_is_blocked_only_with_simulate_ips(self):
        ips = e2e.run_dp(self.tmp, self.pcap, DEFAULT_RULES, simulate_ips=True)
        self.assertRunOk(ips)
        for result, action in ((self.result, "allowed"), (ips, "blocked")):
            actions = {a["alert"]["action"] for a in result.alerts()
                       if EICAR_PORT in (a.get("src_port"), a.get("dest_port"))}
            self.assertEqual(actions, {action}, result.eve_lines)

    def test_each_action_of_the_bundled_rules_shows(self):
        self.assertRunOk(self.result)
        by_sid = {}
        for a in self.result.alerts():
            by_sid.setdefault(a["alert"]["signature_id"], []).append(a)
        # alert: the outside ping; reject: the telnet SYN, blocked like Suricata's reject.
        self.assertEqual([a["src_ip"] for a in by_sid.get(9000010, [])], [ATTACKER], self.result.eve_lines)
        self.assertEqual([(a["dest_port"], a["alert"]["action"]) for a in by_sid.get(9000030, [])],
                         [(23, "blocked")], self.result.eve_lines)
        # pass: the monitoring host's ping matches the ICMP alert rule too, but the
        # pass rule runs first and suppresses it.
        self.assertEqual([a for a in self.result.alerts() if MONITOR in (a["src_ip"], a["dest_ip"])], [])

    def test_benign_flows_stay_quiet(self):
        self.assertRunOk(self.result)
        noisy = [a for a in self.result.alerts() if ATTACKER not in (a.get("src_ip"), a.get("dest_ip"))]
        self.assertEqual(noisy, [], "alerts on benign demo traffic")

    def test_every_packet_processed(self):
        self.assertRunOk(self.result)
        expected = e2e.count_pcap_packets(self.pcap)
        self.assertEqual(self.result.stats.get("packets_processed"), expected, self.result.stats)


if __name__ == "__main__":
    unittest.main(verbosity=2)
