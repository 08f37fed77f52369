"""Failure behaviour of rampart-dp inline: fail-open and fail-closed, live in the lab.

Uses the test-only hooks (rampart-dp --help, "--test-fault"):
  stall-worker:1  on SIGUSR1 worker 1 stops polling; once the watchdog sees
                  its heartbeat age past the timeout (stderr says so), the
                  flows that hash to worker 1 are forwarded uninspected
                  (fail-open) or dropped (fail-closed). Worker 0's flows keep
                  working and stay inspected either way (a datagram matching a
                  test drop rule is dropped and alerted on worker 0).
  delay-rules:3   rules start loading 3 s after forwarding: during the delay
                  HTTP is forwarded (fail-open) or not (fail-closed); after
                  "rampart-dp: rules loaded" the EICAR request is dropped.
  drain-mbufs     on SIGUSR1 the packet pools go below their low-water mark:
                  fail-open forwards uninspected (a datagram a drop rule
                  matches passes), fail-closed drops; after SIGUSR2 the same
                  datagram is dropped again (inspected).

Run as root: /usr/bin/python3 -m unittest tests.e2e.test_inline_failmode -v
"""

import os
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lab  # noqa: E402

SID_UDP_DROP = 9100001
DROP_MARK = "rampart-drop-me"
UDP_DROP_RULE = ('drop udp any any -> $HOME_NET %d (msg:"LAB TEST drop marked datagram"; '
                 'content:"%s"; classtype:policy-violation; sid:%d; rev:1;)\n'
                 % (lab.ECHO_PORT, DROP_MARK, SID_UDP_DROP))
WATCHDOG_MS = 300
STALL_CONFIG = """\
dataplane:
  workers: 2
  distribution: software
  watchdog-timeout-ms: %d
""" % WATCHDOG_MS


class StallWorkerBase(lab.LabTestCase):
    FAIL_MODE = None
    WORKERS = 2
    CONFIG = STALL_CONFIG
    EXTRA_RULES = UDP_DROP_RULE

    @classmethod
    def setUpClass(cls):
        cls.DP_ARGS = ["--fail-mode", cls.FAIL_MODE, "--test-fault", "stall-worker:1"]
        super().setUpClass()

    def check_stalled_worker(self):
        # 3 flows per worker, plus one fresh flow per worker for the drop rule.
        ports = lab.pick_udp_source_ports({0: 4, 1: 4}, lab.ECHO_PORT, 2)
        steady = {w: ports[w][:3] for w in ports}
        fresh = {w: ports[w][3] for w in ports}
        flows = [[p, ["before stall"]] for w in (0, 1) for p in steady[w]]
        r = self.client("udp", flows=flows, timeout=1.0)
        self.assertEqual(r["results"], [["echo"]] * 6, "before the stall: %r" % r)

        os.kill(self.dp_pid(), signal.SIGUSR1)
        stalled = self.wait_for_text("dp.err", r"(?i)worker 1\b.*stall|stall.*worker 1\b", timeout=10)
        self.assertTrue(stalled, "rampart-dp's stderr does not say worker 1 stalled:\n%s"
                        % self.state_file("dp.err").decode(errors="replace"))

        flows = [[p, ["after stall"]] for w in (0, 1) for p in steady[w]]
        flows += [[fresh[0], [DROP_MARK]], [fresh[1], [DROP_MARK]]]
        r = self.client("udp", flows=flows, timeout=1.0)["results"]
        self.assertEqual(r[:3], [["echo"]] * 3, "worker 0's flows stopped: %r" % r)
        worker1 = "echo" if self.FAIL_MODE == "fail-open" else "timeout"
        self.assertEqual(r[3:6], [[worker1]] * 3, "worker 1's flows (%s): %r" % (self.FAIL_MODE, r))
        # Worker 0 still inspects: the marked datagram is dropped and alerted.
        self.assertEqual(r[6], ["timeout"], "worker 0 forwarded a datagram its rule drops: %r" % r)
        # Worker 1's marked datagram: forwarded uninspected (open) or dropped (closed).
        self.assertEqual(r[7], [worker1], r)
        alerts, _ = self.wait_alerts(SID_UDP_DROP)
        self.assertEqual([a["src_port"] for a in alerts], [fresh[0]], alerts)

        stats = self.stats()  # brings the lab down: a stalled worker must not block exit
        if self.FAIL_MODE == "fail-closed":
            self.assertGreater(lab.forward_drops(stats, "worker_stalled"), 0, stats.get("forwarding"))


@lab.skip_unless_feature("workers", "fail_mode", "test_fault")
class StallWorkerFailOpenTest(StallWorkerBase):
    FAIL_MODE = "fail-open"

    def test_stalled_worker_flows_forwarded_uninspected(self):
        self.check_stalled_worker()


@lab.skip_unless_feature("workers", "fail_mode", "test_fault")
class StallWorkerFailClosedTest(StallWorkerBase):
    FAIL_MODE = "fail-closed"

    def test_stalled_worker_flows_dropped(self):
        self.check_stalled_worker()


class DelayRulesBase(lab.LabTestCase):
    FAIL_MODE = None
    WAIT_RULES = False

    @classmethod
    def setUpClass(cls):
        cls.DP_ARGS = ["--fail-mode", cls.FAIL_MODE, "--test-fault", "delay-rules:3"]
        super().setUpClass()

    def check_before_and_after_rules_load(self):
        # `up` returns at "rampart-dp: forwarding": the rules are 3 s away.
        r = self.client("http", timeout=1.0)
        self.assertNotIn(b"rules loaded", self.state_file("dp.out"),
                         "rules loaded before the first request: the test proves nothing")
        if self.FAIL_MODE == "fail-open":
            self.assertEqual((r["result"], r["status"]), ("response", 200), r)
        else:
            # Fail-closed drops every frame, ARP too: the client sees a
            # timeout or "no route to host"; the server sees nothing.
            self.assertIn(r["result"], ("timeout", "unreachable"), r)
            self.assertEqual(self.state_file("access.log"), b"")

        self.assertTrue(self.wait_for_text("dp.out", r"^rampart-dp: rules loaded$", timeout=30),
                        "no 'rampart-dp: rules loaded' on stdout")
        if self.FAIL_MODE == "fail-closed":
            # The client's ARP for the server went unanswered: drop the failed
            # (or still failing) neighbour entry so the next request resolves anew.
            subprocess.run(["ip", "netns", "exec", self.ns("client"), "ip", "neigh", "flush", "dev", "c0"],
                           check=True, timeout=10)
        request = "GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n" % (lab.EICAR.decode(), lab.SERVER_IP)
        r = self.client("http", request=request, timeout=2.0)
        self.assertEqual(r["result"], "timeout", r)
        alerts, _ = self.wait_alerts(lab.SID_EICAR_DROP)
        self.assertEqual(len(alerts), 1, alerts)
        self.assertNotIn(b"EICAR", self.state_file("access.log"))
        # Benign traffic flows once detection is live, in both modes.
        r = self.client("http", timeout=3.0)
        self.assertEqual((r["result"], r["status"], r["body"]), ("response", 200, self.index_html()), r)

        stats = self.stats()  # brings the lab down
        if self.FAIL_MODE == "fail-closed":
            self.assertGreater(lab.forward_drops(stats, "no_rules"), 0, stats.get("forwarding"))


@lab.skip_unless_feature("fail_mode", "test_fault")
class DelayRulesFailOpenTest(DelayRulesBase):
    FAIL_MODE = "fail-open"

    def test_forwards_before_rules_load(self):
        self.check_before_and_after_rules_load()


@lab.skip_unless_feature("fail_mode", "test_fault")
class DelayRulesFailClosedTest(DelayRulesBase):
    FAIL_MODE = "fail-closed"

    def test_drops_before_rules_load(self):
        self.check_before_and_after_rules_load()


class DrainMbufsBase(lab.LabTestCase):
    FAIL_MODE = None
    EXTRA_RULES = UDP_DROP_RULE

    @classmethod
    def setUpClass(cls):
        cls.DP_ARGS = ["--fail-mode", cls.FAIL_MODE, "--test-fault", "drain-mbufs"]
        super().setUpClass()

    def exchange(self, first_port):
        """A clean datagram and a marked one, each on a fresh flow."""
        return self.client("udp", flows=[[first_port, ["clean datagram"]], [first_port + 1, [DROP_MARK]]],
                           timeout=1.0)["results"]

    def check_pools_below_low_water(self):
        inspected = [["echo"], ["timeout"]]  # the marked datagram is dropped
        self.assertEqual(self.exchange(42000), inspected, "before the drain")

        os.kill(self.dp_pid(), signal.SIGUSR1)
        self.assertTrue(self.wait_for_text("dp.err", r"holding \d+ packet buffers", timeout=10),
                        self.state_file("dp.err").decode(errors="replace"))
        low = self.exchange(42010)
        if self.FAIL_MODE == "fail-open":
            # Forwarded uninspected: the marked datagram passes too.
            self.assertEqual(low, [["echo"], ["echo"]], "pools low, fail-open")
        else:
            self.assertEqual(low, [["timeout"], ["timeout"]], "pools low, fail-closed")

        os.kill(self.dp_pid(), signal.SIGUSR2)
        self.assertTrue(self.wait_for_text("dp.err", r"released \d+ packet buffers", timeout=10))
        self.assertEqual(self.exchange(42020), inspected, "after the buffers came back")
        alerts, _ = self.wait_alerts(SID_UDP_DROP, count=2)
        self.assertEqual(sorted(a["src_port"] for a in alerts), [42001, 42021], alerts)

        stats = self.stats()  # brings the lab down
        if self.FAIL_MODE == "fail-closed":
            self.assertGreater(lab.forward_drops(stats, "mbuf_low"), 0, stats.get("forwarding"))


@lab.skip_unless_feature("fail_mode", "test_fault")
class DrainMbufsFailOpenTest(DrainMbufsBase):
    FAIL_MODE = "fail-open"

    def test_low_pools_forward_uninspected(self):
        self.check_pools_below_low_water()


@lab.skip_unless_feature("fail_mode", "test_fault")
class DrainMbufsFailClosedTest(DrainMbufsBase):
    FAIL_MODE = "fail-closed"

    def test_low_pools_drop(self):
        self.check_pools_below_low_water()


if __name__ == "__main__":
    unittest.main()
