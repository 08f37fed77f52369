"""rampart-dp on bad input: clear one-line errors, exit 2, and rule rejection reports.

Run: /usr/bin/python3 -m unittest discover -s tests/e2e -v   (see rampart_e2e.py).
The contract under test (DESIGN.md "Interfaces"): exit 2 on bad usage or
unreadable input with ONE line on stderr naming the file or flag; rules that
cannot be loaded are reported with file:line and the reason, and the rest
still load and fire.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rampart_e2e as e2e  # noqa: E402
from scapy.layers.inet import IP, TCP  # noqa: E402

T0 = 1706702400
GOOD_RULE = ('alert tcp any any -> any 80 (msg:"good"; flow:established,to_server; '
             'content:"evil"; sid:1; rev:1;)\n')


def session_frames():
    """Handshake plus one request holding "GET /evil", Ethernet-framed."""
    payload = b"GET /evil HTTP/1.1\r\nHost: example\r\n\r\n"
    c, s, sp = 1000, 5000, 40000
    packets = [
        IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=sp, dport=80, flags="S", seq=c),
        IP(src="10.0.0.2", dst="10.0.0.1") / TCP(sport=80, dport=sp, flags="SA", seq=s, ack=c + 1),
        IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=sp, dport=80, flags="A", seq=c + 1, ack=s + 1),
        IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=sp, dport=80, flags="PA", seq=c + 1,
                                                  ack=s + 1) / payload,
    ]
    return [(T0 + i * 0.01, e2e.frame_for_link(e2e.DLT_EN10MB, bytes(p)))
            for i, p in enumerate(packets)]


@e2e.skip_unless_binary
class BadInputTest(e2e.WorkdirTestCase):

    def setUp(self):
        super().setUp()
        self.pcap = os.path.join(self.tmp, "good.pcap")
        e2e.write_pcap(self.pcap, e2e.DLT_EN10MB, session_frames())
        self.good_rules = e2e.write_text(self.tmp, "good.rules", GOOD_RULE)

    def assertUsageError(self, result, *needles):
        """Exit 2 and exactly one non-empty stderr line that names each needle."""
        self.assertEqual(result.returncode, 2, result.describe())
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, "expected one stderr line, got:\n" + result.stderr)
        for needle in needles:
            self.assertIn(needle, lines[0])

    def output(self, result):
        return result.stdout + result.stderr

    # ---- exit 2, one line

    def test_missing_capture(self):
        missing = os.path.join(self.tmp, "no-such-capture.pcap")
        result = e2e.run_dp(self.tmp, missing, self.good_rules)
        self.assertUsageError(result, "no-such-capture.pcap")

    def test_capture_that_is_not_a_capture(self):
        garbage = e2e.write_text(self.tmp, "garbage.pcap", "this is not a pcap file\n" * 10)
        result = e2e.run_dp(self.tmp, garbage, self.good_rules)
        self.assertUsageError(result, "garbage.pcap")

    def test_missing_rules_file(self):
        result = e2e.run_dp(self.tmp, self.pcap, os.path.join(self.tmp, "no-such.rules"))
        self.assertUsageError(result, "no-such.rules")

    def test_bad_config_value(self):
        config = e2e.write_text(self.tmp, "bad-config.yaml", "flow:\n  max-flows: lots\n")
        result = e2e.run_dp(self.tmp, self.pcap, self.good_rules, config=config)
        self.assertUsageError(result, "bad-config.yaml", "max-flows")

    def test_missing_config_file(self):
        result = e2e.run_dp(self.tmp, self.pcap, self.good_rules,
                            config=os.path.join(self.tmp, "no-such-config.yaml"))
        self.assertUsageError(result, "no-such-config.yaml")

    def test_unknown_flag(self):
        result = e2e.run_dp(self.tmp, self.pcap, self.good_rules, extra=["--no-such-flag"])
        self.assertUsageError(result, "--no-such-flag")

    def test_every_rule_rejected(self):
        rules = e2e.write_text(self.tmp, "all-bad.rules",
                               "this is not a rule\n"
                               "alert tcp any any -> any 80 (msg:\"unterminated\"; sid:7;\n")
        result = e2e.run_dp(self.tmp, self.pcap, rules)
        self.assertEqual(result.returncode, 2, result.describe())
        self.assertIn("all-bad.rules", result.stderr)

    # ---- partial rule sets

    def test_made_up_keyword_is_rejected_and_the_rest_still_fire(self):
        rules = e2e.write_text(self.tmp, "mixed.rules", GOOD_RULE +
                               'alert tcp any any -> any any (msg:"bogus"; foo_bar_kw:1; sid:2;)\n')
        result = e2e.run_dp(self.tmp, self.pcap, rules)
        self.assertEqual(result.returncode, 0, result.describe())
        out = self.output(result)
        self.assertIn("mixed.rules:2", out)
        self.assertIn("foo_bar_kw", out)
        self.assertEqual([a["alert"]["signature_id"] for a in result.alerts()], [1],
                         result.eve_lines)

    def test_inactive_keyword_never_fires_and_is_listed(self):
        rules = e2e.write_text(self.tmp, "inactive.rules", GOOD_RULE +
                               'alert tcp any any -> any 80 (msg:"uri"; flow:established,to_server; '
                               'http.uri; content:"/evil"; sid:3;)\n')
        result = e2e.run_dp(self.tmp, self.pcap, rules)
        self.assertEqual(result.returncode, 0, result.describe())
        self.assertEqual([a["alert"]["signature_id"] for a in result.alerts()], [1],
                         result.eve_lines)
        out = self.output(result)
        self.assertIn("inactive", out)
        self.assertIn("needs http.uri", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
