"""firmware/lab.sh itself: it cleans up after every kind of ending.

  - `up` with a rampart-dp that fails at once (/bin/false) fails, naming the
    exit status; `down` then leaves no ${P}-* namespace and no recorded
    process (the server's services were already running);
  - a rampart-dp killed with SIGKILL: `down` says so (exit 1, "status 137")
    and still removes everything;
  - LAB_MODE=bridge (the benchmark baseline: a Linux bridge, no rampart-dp)
    forwards HTTP and ping.
Every LabTestCase class also checks, in its cleanup, that its lab left
nothing behind.

Run as root: /usr/bin/python3 -m unittest tests.e2e.test_inline_hygiene -v
"""

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lab  # noqa: E402


class FailedUpTest(lab.LabTestCase):
    RAMPART_DP = "/bin/false"
    EXPECT_UP_FAILS = True

    def test_failed_up_is_reported_and_fully_undone(self):
        up = self.up_result
        self.assertEqual(up.returncode, 1, up.stdout + up.stderr)
        self.assertIn("rampart-dp exited with status 1 before forwarding", up.stderr)
        # Half a lab was built: namespaces and the server's services.
        self.assertIn("http", self.recorded_pids())
        self.assertTrue(self.leftovers())
        self.lab_down()
        self.assertEqual(self.leftovers(), [])


class KilledDataplaneTest(lab.LabTestCase):
    CONFIG = "none"

    def test_down_reports_a_killed_dataplane_and_cleans_up(self):
        os.kill(self.dp_pid(), signal.SIGKILL)
        time.sleep(0.2)
        down = self.lab_down()
        self.assertEqual(down.returncode, 1, down.stdout + down.stderr)
        self.assertIn("rampart-dp exited with status 137", down.stderr)
        self.assertEqual(self.leftovers(), [])
        # Repeating `down` is harmless and quiet.
        again = self._lab("down")
        self.assertEqual((again.returncode, again.stderr), (0, ""))


class BridgeBaselineTest(lab.LabTestCase):
    LAB_MODE = "bridge"

    def test_linux_bridge_forwards(self):
        r = self.client("http")
        self.assertEqual((r["status"], r["body"]), (200, self.index_html()), r)
        self.assertEqual(self.client("ping", count=2)["replies"], 2)
        self.assertNotIn("rampart-dp", self.recorded_pids())


if __name__ == "__main__":
    unittest.main()
