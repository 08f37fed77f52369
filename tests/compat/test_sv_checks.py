"""Self-tests of the compatibility runner's check language and eligibility rules.

Run: /usr/bin/python3 -m unittest discover -s tests/compat -v
These need neither rampart-dp nor ../shared: a wrong verdict here would
silently skew every compatibility figure, so the rules are pinned down.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sv_checks  # noqa: E402
import sv_suite  # noqa: E402

ALERT = {
    "event_type": "alert", "src_port": 80, "proto": "TCP", "vlan": [3136, 7],
    "alert": {"signature_id": 5, "rev": 2, "signature": "ET TEST something bad",
              "metadata": {"tag": ["a", "b", "c"]}, "action": "allowed"},
    "ftp": {"reply": ["Opening", "Transfer complete."]},
    "flow": {"age": 3},
}


class CheckLanguageTest(unittest.TestCase):

    def m(self, **match):
        return sv_checks.record_matches(match, ALERT)

    def test_plain_and_dotted_equality(self):
        self.assertTrue(sv_checks.record_matches({"event_type": "alert", "alert.signature_id": 5}, ALERT))
        self.assertFalse(sv_checks.record_matches({"alert.signature_id": 6}, ALERT))
        self.assertFalse(sv_checks.record_matches({"alert.nosuch": 6}, ALERT))

    def test_missing_field_equals_null(self):
        self.assertTrue(sv_checks.record_matches({"alert.nosuch": None}, ALERT))

    def test_list_index(self):
        self.assertTrue(sv_checks.record_matches({"vlan[0]": 3136, "vlan[1]": 7}, ALERT))
        self.assertFalse(sv_checks.record_matches({"vlan[2]": 7}, ALERT))
        self.assertTrue(sv_checks.record_matches({"alert.metadata.tag[1]": "b"}, ALERT))

    def test_length(self):
        self.assertTrue(sv_checks.record_matches({"alert.metadata.tag.__len": 3}, ALERT))
        self.assertFalse(sv_checks.record_matches({"alert.metadata.tag.__len": 2}, ALERT))
        self.assertTrue(sv_checks.record_matches({"src_port.__len": -1}, ALERT))

    def test_string_operators(self):
        self.assertTrue(sv_checks.record_matches({"alert.signature.__find": "something"}, ALERT))
        self.assertTrue(sv_checks.record_matches({"alert.signature.__startswith": "ET TEST"}, ALERT))
        self.assertTrue(sv_checks.record_matches({"alert.signature.__endswith": "bad"}, ALERT))
        self.assertFalse(sv_checks.record_matches({"alert.signature.__endswith": "good"}, ALERT))
        self.assertTrue(sv_checks.record_matches({"ftp.reply.__contains": "Transfer complete."}, ALERT))
        self.assertFalse(sv_checks.record_matches({"ftp.reply.__contains": "Transfer"}, ALERT))
        self.assertFalse(sv_checks.record_matches({"nosuch.__find": "x"}, ALERT))

    def test_numeric_operators(self):
        self.assertTrue(sv_checks.record_matches({"flow.age.__gt": 0, "flow.age.__lte": 3}, ALERT))
        self.assertFalse(sv_checks.record_matches({"flow.age.__lt": 3}, ALERT))
        self.assertFalse(sv_checks.record_matches({"proto.__gt": 0}, ALERT))

    def test_has_key_and_not_has_key(self):
        self.assertTrue(sv_checks.record_matches({"has-key": "alert.metadata"}, ALERT))
        self.assertFalse(sv_checks.record_matches({"has-key": "alert.rule"}, ALERT))
        self.assertTrue(sv_checks.record_matches({"not-has-key": "alert.rule"}, ALERT))
        self.assertFalse(sv_checks.record_matches({"not-has-key": "flow"}, ALERT))

    def test_whole_object_equality(self):
        self.assertFalse(sv_checks.record_matches({"flow": {"age": 3, "extra": 1}}, ALERT))
        self.assertTrue(sv_checks.record_matches({"flow": {"age": 3}}, ALERT))

    def test_count(self):
        records = [ALERT, {"event_type": "flow"}, dict(ALERT, src_port=81)]
        self.assertEqual(sv_checks.count_matches({"event_type": "alert"}, records), 2)
        self.assertEqual(sv_checks.count_matches({"event_type": "alert", "src_port": 80}, records), 1)


class EligibilityTest(unittest.TestCase):

    def plan(self, test_yaml, files=("input.pcap", "test.rules"), name="some-test"):
        root = tempfile.mkdtemp(prefix="sv-self-test-")
        self.addCleanup(shutil.rmtree, root)
        directory = os.path.join(root, name)
        os.makedirs(directory)
        for f in files:
            open(os.path.join(directory, f), "w").close()
        with open(os.path.join(directory, "test.yaml"), "w") as f:
            f.write(textwrap.dedent(test_yaml))
        return sv_suite.plan_test(name, directory)

    ALERT_CHECK = """
        checks:
          - filter:
              count: 1
              match:
                event_type: alert
                alert.signature_id: 1
    """

    def test_plain_test_is_eligible_and_expects_an_alert(self):
        plan = self.plan(self.ALERT_CHECK)
        self.assertIsNone(plan.skip_reason)
        self.assertTrue(plan.expects_alert)
        self.assertFalse(plan.simulate_ips)
        self.assertEqual(len(plan.alert_checks), 1)

    def test_versions_relative_to_suricata_8(self):
        for requires, eligible in (("min-version: 7", True), ("min-version: 8.0.7", True),
                                   ("min-version: 9", False), ("lt-version: 8", False),
                                   ("lt-version: 8.0.7", False), ("lt-version: 9", True),
                                   ("version: 8", True), ("version: 7.0.6", False),
                                   ("gt-version: 6.0.11", True)):
            with self.subTest(requires=requires):
                plan = self.plan("requires:\n  %s\n%s" % (requires, textwrap.dedent(self.ALERT_CHECK)))
                self.assertEqual(plan.skip_reason is None, eligible, plan.skip_detail)

    def test_features_and_pcap_false_skip(self):
        plan = self.plan("requires:\n  features:\n    - HAVE_LUA\n" + textwrap.dedent(self.ALERT_CHECK))
        self.assertEqual(plan.skip_reason, "requires features")
        plan = self.plan("requires:\n  pcap: false\n" + textwrap.dedent(self.ALERT_CHECK))
        self.assertEqual(plan.skip_reason, "pcap: false")

    def test_allowed_and_disallowed_args(self):
        allowed = self.plan("args:\n  - -k none --set stream.midstream=true\n  - --simulate-ips\n"
                            + textwrap.dedent(self.ALERT_CHECK))
        self.assertIsNone(allowed.skip_reason, allowed.skip_detail)
        self.assertTrue(allowed.simulate_ips)
        decompress = self.plan(
            "args:\n  - -k none --set app-layer.protocols.http.libhtp.default-config."
            "response-body-decompress-layer-limit=3\n" + textwrap.dedent(self.ALERT_CHECK))
        self.assertIsNone(decompress.skip_reason, decompress.skip_detail)
        for arg in ("--engine-analysis", "--runmode=single", "--set stream.reassembly.depth=0",
                    "--set stream.midstream-policy=drop-flow"):
            with self.subTest(arg=arg):
                plan = self.plan("args:\n  - %s\n%s" % (arg, textwrap.dedent(self.ALERT_CHECK)))
                self.assertEqual(plan.skip_reason, "args")

    def test_ips_in_name_means_simulate_ips(self):
        plan = self.plan(self.ALERT_CHECK, name="drop-ips-01")
        self.assertTrue(plan.simulate_ips)

    def test_no_alert_checks_is_skipped_and_others_counted(self):
        plan = self.plan("""
            checks:
              - filter:
                  count: 1
                  match:
                    event_type: http
              - stats:
                  decoder.pkts: 3
        """)
        self.assertEqual(plan.skip_reason, "no alert checks")
        self.assertEqual(plan.ignored_checks, {"filter:http": 1, "stats": 1})

    def test_count_zero_checks_do_not_expect_alerts(self):
        plan = self.plan(self.ALERT_CHECK.replace("count: 1", "count: 0"))
        self.assertIsNone(plan.skip_reason)
        self.assertFalse(plan.expects_alert)

    def test_check_level_requires(self):
        plan = self.plan("""
            checks:
              - filter:
                  requires:
                    min-version: 9
                  count: 2
                  match:
                    event_type: alert
              - filter:
                  count: 1
                  match:
                    event_type: alert
        """)
        self.assertEqual([c["count"] for c in plan.alert_checks], [1])

    def test_own_yaml_and_missing_pcap(self):
        plan = self.plan(self.ALERT_CHECK, files=("input.pcap", "test.rules", "suricata.yaml"))
        self.assertTrue(plan.own_yaml)
        plan = self.plan(self.ALERT_CHECK, files=("test.rules",))
        self.assertEqual(plan.skip_reason, "no pcap")

    def test_exit_code_and_command_skip(self):
        self.assertEqual(self.plan("exit-code: 1\n" + textwrap.dedent(self.ALERT_CHECK)).skip_reason,
                         "expects exit-code")
        self.assertEqual(self.plan("command: suricata -T\n" + textwrap.dedent(self.ALERT_CHECK)).skip_reason,
                         "command")


FAKE_DP = """#!/usr/bin/python3
# Stand-in for rampart-dp: one alert per sid in the rules file, and it insists
# on finding classification.config beside the rules (as the runner promises).
import json, os, re, sys
args = sys.argv[1:]
rules, eve = args[args.index("--rules") + 1], args[args.index("--eve") + 1]
if not os.path.exists(os.path.join(os.path.dirname(rules), "classification.config")):
    sys.stderr.write("no classification.config beside %s\\n" % rules)
    sys.exit(2)
with open(eve, "w") as out:
    for sid in re.findall(r"sid:(\\d+);", open(rules).read()):
        out.write(json.dumps({"event_type": "alert", "alert": {"signature_id": int(sid)},
                             "ips": "--simulate-ips" in args}) + "\\n")
"""


class RunnerTest(unittest.TestCase):
    """run_compat.py end to end against a two-test suite and a fake binary."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="sv-runner-test-")
        self.addCleanup(shutil.rmtree, self.root)
        suite = os.path.join(self.root, "suite")
        os.makedirs(os.path.join(suite, "etc"))
        open(os.path.join(suite, "etc", "classification.config"), "w").close()
        for name, count in (("passes", 1), ("fails-ips", 2)):
            directory = os.path.join(suite, "tests", name)
            os.makedirs(directory)
            open(os.path.join(directory, "input.pcap"), "w").close()
            with open(os.path.join(directory, "test.rules"), "w") as f:
                f.write('alert ip any any -> any any (msg:"x"; sid:7;)\n')
            with open(os.path.join(directory, "test.yaml"), "w") as f:
                f.write("checks:\n  - filter:\n      count: %d\n      match:\n"
                        "        event_type: alert\n        alert.signature_id: 7\n" % count)
        self.suite = suite
        self.binary = os.path.join(self.root, "fake-dp")
        with open(self.binary, "w") as f:
            f.write(FAKE_DP)
        os.chmod(self.binary, 0o755)

    def run_runner(self, *args):
        runner = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run_compat.py")
        env = dict(os.environ, RAMPART_DP=self.binary)
        return subprocess.run([sys.executable, runner, "--suite", self.suite] + list(args),
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=60)

    def test_report_and_pass_list(self):
        report = os.path.join(self.root, "report.json")
        pass_list = os.path.join(self.root, "pass.txt")
        proc = self.run_runner("--json", report, "--write-pass-list", pass_list, "-j", "2")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("All eligible tests: attempted 2, passed 1", proc.stdout)
        self.assertIn("FAIL fails-ips: alert check", proc.stdout)
        with open(pass_list) as f:
            self.assertEqual(f.read(), "passes\n")
        with open(report) as f:
            data = json.load(f)
        self.assertEqual(data["expecting_alerts"]["passed"], 1)
        self.assertEqual(data["expecting_alerts"]["failed"], 1)

    def test_check_regressions_prints_tap_and_fails(self):
        listing = os.path.join(self.root, "list.txt")
        with open(listing, "w") as f:
            f.write("passes\nfails-ips\nmissing-test\n")
        proc = self.run_runner("--check-regressions", listing)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertEqual(lines[0], "1..3")
        self.assertEqual(lines[1], "ok 1 - passes")
        self.assertTrue(lines[2].startswith("not ok 2 - fails-ips # alert check"), lines[2])
        self.assertTrue(lines[3].startswith("not ok 3 - missing-test # "), lines[3])

    def test_check_regressions_all_passing_exits_zero(self):
        listing = os.path.join(self.root, "list.txt")
        with open(listing, "w") as f:
            f.write("# comment\npasses\n")
        proc = self.run_runner("--check-regressions", listing)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(proc.stdout.splitlines(), ["1..1", "ok 1 - passes"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
