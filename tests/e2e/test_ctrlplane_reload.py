"""Rule reload through rampartd, live in the lab (tests/e2e/ctrlplane_env.py).

ZeroLossReload: a 5,000 pps UDP stream (sequence numbers in the payload)
from the client to a sink in the server namespace while `rampartctl rules
reload` runs ten times, alternating two rule sets (set A: sid 9100001 on
"RELOAD-A", set B: sid 9100002 on "RELOAD-B"). Every datagram the client sent
arrives; after each reload the added sid alerts on its marker and the removed
one does not. The worst gap between two arrivals is printed.

BrokenRuleSet: a rule file whose every rule is malformed, then a rule file
that is gone: `rampartctl rules reload` exits 1 with the reason (file:line
or the file), the refusal is audited, and the old rule keeps alerting.

Run as root:
  RAMPART_DP=... RAMPARTD=... RAMPARTCTL=... /usr/bin/python3 -m unittest tests/e2e/test_ctrlplane_reload.py -v
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ctrlplane_env import ControlPlaneTestCase  # noqa: E402

SID_A, SID_B = 9100001, 9100002
SET_A = 'alert udp any any -> any 7 (msg:"E2E reload set A"; content:"RELOAD-A"; sid:%d; rev:1;)\n' % SID_A
SET_B = 'alert udp any any -> any 7 (msg:"E2E reload set B"; content:"RELOAD-B"; sid:%d; rev:1;)\n' % SID_B
RATE = 5000
RELOADS = 10


class ReloadMixin:
    def write_rules(self, text):
        tmp = self.rules_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.rules_file)

    def counts(self):
        records = self.eve_records()
        return len(self.alerts(records, SID_A)), len(self.alerts(records, SID_B))

    def check_active(self, active, label):
        """Markers for both sets (A first, then B); waits for the active
        sid's new alert, then checks the other sid did not fire."""
        before = self.counts()
        self.send_markers(["RELOAD-A marker", "RELOAD-B marker"])
        idx = 0 if active == SID_A else 1
        want = before[idx] + 1
        self.eve_records(lambda rs: len(self.alerts(rs, active)) >= want, timeout=5)
        time.sleep(0.3)
        after = self.counts()
        self.assertEqual(after[idx], want, "%s: sid %d should alert once on its marker" % (label, active))
        self.assertEqual(after[1 - idx], before[1 - idx],
                         "%s: the removed sid %d still alerts" % (label, SID_B if idx == 0 else SID_A))


class ZeroLossReload(ReloadMixin, ControlPlaneTestCase):
    RULES_TEXT = SET_A

    def test_ten_reloads_under_traffic_lose_nothing(self):
        self.check_active(SID_A, "initial set")
        # Warm ARP on both ends before the measured stream.
        self.assertGreater(self.client("ping", count=2)["replies"], 0)
        sink, first = self.start_cp_probe("server", "udp_sink", idle=2.0)
        self.assertTrue(first["ready"])
        stop_file = os.path.join(self.state, "flood.stop")
        # 16 flows: none reaches the engine's inspection depth (a bypassed
        # flow would no longer go through detection at all).
        flood, first = self.start_cp_probe("client", "udp_flood", rate=RATE, stop_file=stop_file, flows=16)
        self.assertTrue(first["ready"])
        time.sleep(1.0)
        reloads = []
        active = SID_A
        for i in range(RELOADS):
            active = SID_B if active == SID_A else SID_A
            self.write_rules(SET_A if active == SID_A else SET_B)
            t0 = time.monotonic()
            data = self.ctl_ok("rules", "reload", as_json=True)
            reloads.append(time.monotonic() - t0)
            dps = data.get("dataplanes") or []
            self.assertEqual(len(dps), 1, data)
            result = dps[0].get("result") or {}
            self.assertTrue(result.get("ok"), data)
            self.assertTrue(result.get("rules_changed"), data)
            self.audit_entry("rules reload")
            self.check_active(active, "reload %d" % (i + 1))
        time.sleep(1.0)
        open(stop_file, "w").close()
        sent = self.finish_probe(flood)
        got = self.finish_probe(sink)
        print("\n  zero-loss reload: %d reloads (%.3f s median ctl time), sent %d at %.0f pps, "
              "received %d (unique %d), worst gap %.1f ms" % (
                  RELOADS, sorted(reloads)[len(reloads) // 2], sent["sent"], sent["rate"],
                  got["received"], got["unique"], got["worst_gap_s"] * 1000), file=sys.stderr)
        self.assertEqual(sent["send_errors"], 0, sent)
        self.assertGreater(sent["sent"], RATE * 5, sent)
        self.assertEqual(got["unique"], sent["sent"], "lost packets: sent %d, received %d unique; first "
                         "missing %s" % (sent["sent"], got["unique"], got["missing_sample"]))
        self.assertEqual(got["duplicates"], 0, got)
        status = self.ctl_ok("status", as_json=True)
        self.assertEqual(status["generation"], status["dataplanes"][0]["generation"], status)


ET_OPEN_2024 = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            "..", "shared", "data", "rules", "et-open-2024")


class ZeroLossReloadETOpen(ZeroLossReload):
    """The same ten reloads with ET Open 2024 loaded under the two marker
    sets: every reload is a full parse and compile of ~24,800 rules in the
    daemon and a full rule-set swap in rampart-dp (the Hyperscan databases
    arrive compiled), while the stream flows."""
    EXTRA_RULE_PATHS = (ET_OPEN_2024,)

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(ET_OPEN_2024):
            raise unittest.SkipTest("ET Open 2024 not found at %s (../shared)" % ET_OPEN_2024)
        super().setUpClass()


class BrokenRuleSet(ReloadMixin, ControlPlaneTestCase):
    RULES_TEXT = SET_A

    def assert_still_detects(self, label):
        self.check_active(SID_A, label)

    def test_malformed_rules_refused_old_set_keeps_running(self):
        gen_before = self.ctl_ok("status", as_json=True)["generation"]
        self.write_rules('alert udp any any -> any 7 (msg:"broken"; content:"RELOAD-B"; sid:9100002;\n'
                         'alert udp any any -> any 7 (msg:"broken 2"; contnt:"X"; sid:9100003; rev:1;)\n')
        run = self.ctl("rules", "reload")
        self.assertEqual(run.returncode, 1, "a broken set must be refused: %s%s" % (run.stdout, run.stderr))
        self.assertRegex(run.stderr, r"test\.rules:[12]\b", "the reason names file:line: %r" % run.stderr)
        self.assertEqual(len(run.stderr.strip().splitlines()), 1, run.stderr)
        self.audit_entry("rules reload", result_prefix="refused")
        self.assertEqual(self.ctl_ok("status", as_json=True)["generation"], gen_before)
        self.assertNotIn("reload generation %d" % (gen_before + 1), self.dp_out())
        self.assert_still_detects("after a malformed set")
        self.write_rules(SET_A)

    def test_missing_rule_file_refused_old_set_keeps_running(self):
        os.rename(self.rules_file, self.rules_file + ".away")
        try:
            run = self.ctl("rules", "reload")
        finally:
            os.rename(self.rules_file + ".away", self.rules_file)
        self.assertEqual(run.returncode, 1, "a missing rule file must be refused: %s%s"
                         % (run.stdout, run.stderr))
        self.assertIn("test.rules", run.stderr)
        self.audit_entry("rules reload", result_prefix="refused")
        self.assert_still_detects("after a missing file")


if __name__ == "__main__":
    unittest.main()
