"""IP reputation and the blocklist through rampartd, live in the lab.

Reputation (Suricata's iprep files): 192.168.50.1 (the lab client) is in
category BadHosts with score 90; the rule `iprep:src,BadHosts,>,50` alerts
for the client's traffic, and a rule asking for more than 95 does not.

Blocklist: `rampartctl block 192.168.50.1 --ttl 3` cuts at once a UDP flow
that was established before (its echoes stop) and new flows (ping, HTTP);
after the TTL the daemon lifts the block and the same flow's echoes come
back. Both changes are audited with uid 0.

Run as root: /usr/bin/python3 -m unittest tests/e2e/test_ctrlplane_iprep.py -v
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lab  # noqa: E402
from ctrlplane_env import ControlPlaneTestCase  # noqa: E402

SID_REP = 9100020
SID_REP_HIGH = 9100021
RULES = (
    'alert udp any any -> any 7 (msg:"E2E iprep BadHosts > 50"; content:"IPREP"; '
    'iprep:src,BadHosts,>,50; sid:%d; rev:1;)\n'
    'alert udp any any -> any 7 (msg:"E2E iprep BadHosts > 95"; content:"IPREP"; '
    'iprep:src,BadHosts,>,95; sid:%d; rev:1;)\n' % (SID_REP, SID_REP_HIGH))
TTL = 3


class Reputation(ControlPlaneTestCase):
    RULES_TEXT = RULES
    FIREWALL = {"zones": {"outside": ["bridge-a"], "inside": ["bridge-b"]}, "default-action": "allow",
                "rules": [{"name": "hide-rdp", "proto": "tcp", "dst-port": 3389, "action": "deny"}]}

    @classmethod
    def prepare_class(cls):
        rep = os.path.join(cls.cp, "iprep")
        os.makedirs(rep, exist_ok=True)
        with open(os.path.join(rep, "categories.txt"), "w") as f:
            f.write("1,BadHosts,Known bad hosts\n2,Google,Google servers\n")
        with open(os.path.join(rep, "lab.list"), "w") as f:
            f.write("%s,1,90\n%s,2,10\n" % (lab.CLIENT_IP, lab.SERVER_IP))
        cls.EXTRA_CONFIG = {"reputation-categories-file": os.path.join(rep, "categories.txt"),
                            "default-reputation-path": rep, "reputation-files": ["lab.list"]}

    def test_iprep_keyword_alerts_for_the_bad_host(self):
        self.send_markers(["IPREP 1", "IPREP 2"])
        alerts, records = self.wait_alerts(SID_REP, count=2, timeout=5)
        self.assertEqual(len(alerts), 2, alerts)
        self.assertEqual({a["src_ip"] for a in alerts}, {lab.CLIENT_IP})
        self.assertEqual(self.alerts(records, SID_REP_HIGH), [], "score 90 is not > 95")

    def test_block_cuts_established_and_new_flows_until_the_ttl(self):
        stream, first = self.start_cp_probe("client", "udp_stream", seconds=TTL + 9.0, interval=0.05)
        self.assertTrue(first.get("ready"), "the UDP flow never got an echo before the block")
        time.sleep(1.0)
        t_block = time.time()
        out = self.ctl_ok("block", lab.CLIENT_IP, "--ttl", str(TTL))
        t_done = time.time()
        self.assertTrue(out.strip())
        self.audit_entry("block %s" % lab.CLIENT_IP)
        self.assertIn(lab.CLIENT_IP, self.ctl_ok("block", "list"))
        # New flows are blocked now.
        self.assertEqual(self.client("ping", count=1, timeout=0.5)["replies"], 0)
        r = self.client("http", timeout=1.0)
        self.assertEqual(r["result"], "timeout", r)
        got = self.finish_probe(stream, timeout=TTL + 30)
        sends, echoes = got["sends"], got["echoes"]
        before = [t for t in echoes if t < t_block]
        during = [t for t in echoes if t_done + 0.2 < t < t_block + TTL - 0.2]
        after = [t for t in echoes if t > t_block + TTL + 2.5]
        print("\n  block: echoes before %d, during the block %d, after the TTL %d (of %d sends)"
              % (len(before), len(during), len(after), len(sends)), file=sys.stderr)
        self.assertGreater(len(before), 5)
        self.assertEqual(during, [], "the established flow was not cut at once")
        self.assertGreater(len(after), 5, "the flow did not pass again after the TTL")
        self.assertNotIn(lab.CLIENT_IP, self.ctl_ok("block", "list"))
        self.assertEqual(self.client("ping", count=1)["replies"], 1)


if __name__ == "__main__":
    unittest.main()
