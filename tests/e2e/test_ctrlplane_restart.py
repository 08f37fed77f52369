"""rampartd killed with SIGKILL: the data plane goes on, then re-attaches.

The lab runs the bundled rules and the tree's default firewall policy through
rampartd (EVE, syslog and a Redis stream). After `kill -9` of the daemon:
ping and HTTP still cross the appliance, the EICAR request is still dropped
(rule 9000020) and the server's :3389 is still denied (firewall). A restarted
rampartd (same config and state dir) is re-attached by rampart-dp within
seconds: `rampartctl status` shows one data plane at the same rule
generation, rampart-dp rebuilt nothing (no new "reload generation" line),
and alerts reach every sink again, including the drop that happened while
no daemon ran (the export ring kept it).

Run as root: /usr/bin/python3 -m unittest tests/e2e/test_ctrlplane_restart.py -v
"""

import json
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lab  # noqa: E402
from ctrlplane_env import ControlPlaneTestCase  # noqa: E402

SID_ICMP_ECHO = 9000010  # bundled: alert icmp any any -> $HOME_NET any (echo request)


def default_firewall():
    import yaml
    with open(lab.DEFAULT_POLICY) as f:
        return yaml.safe_load(f)["firewall"]


class DaemonKilled(ControlPlaneTestCase):
    RULES_PATH = lab.BUNDLED_RULES
    REDIS = "stream"

    @classmethod
    def prepare_class(cls):
        cls.FIREWALL = default_firewall()

    def eicar_request(self):
        uri = "/" + lab.EICAR.decode()
        request = "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (uri, lab.SERVER_IP)
        return self.client("http", request=request, timeout=2.0)

    def sink_counts(self):
        redis = self.redis.command("XLEN", "rampart:eve")
        return len(self.eve_records()), len(self.syslog.datagrams), redis

    def test_kill9_forwarding_and_blocking_go_on_then_reattach(self):
        status = self.ctl_ok("status", as_json=True)
        self.assertEqual(len(status["dataplanes"]), 1, status)
        generation = status["generation"]
        self.assertEqual(status["dataplanes"][0]["generation"], generation)
        loads_before = len(re.findall(r"^rampart-dp: reload generation", self.dp_out(), re.M))
        attached_before = len(re.findall(r"^rampart-dp: attached ", self.dp_out(), re.M))

        self.daemon.proc.send_signal(signal.SIGKILL)
        self.daemon.proc.wait()
        self.daemon.stop()  # closes its log files
        time.sleep(0.5)

        # Forwarding goes on.
        self.assertEqual(self.client("ping", count=3)["replies"], 3)
        r = self.client("http")
        self.assertEqual((r["result"], r["status"], r["body"]), ("response", 200, self.index_html()), r)
        # Blocking goes on: the drop rule and the firewall.
        self.assertEqual(self.eicar_request()["result"], "timeout")
        self.assertNotIn(b"EICAR", self.state_file("access.log"))
        r = self.client("http", port=lab.HIDDEN_PORT, timeout=2.0)
        self.assertEqual(r["result"], "timeout", r)
        self.assertEqual(self.state_file("hidden-access.log"), b"")
        self.assertIn(self.dp_pid(), [pid for pid, _ in self.recorded_pids().values()])

        # A new daemon: rampart-dp re-attaches (it retries every second).
        eve_before, syslog_before, redis_before = self.sink_counts()
        self.start_daemon()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if len(re.findall(r"^rampart-dp: attached ", self.dp_out(), re.M)) > attached_before:
                break
            time.sleep(0.1)
        else:
            self.fail("rampart-dp did not re-attach within 15 s:\n%s" % self.dp_out())
        deadline = time.monotonic() + 10
        while True:
            status = self.ctl_ok("status", as_json=True)
            if status["dataplanes"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(len(status["dataplanes"]), 1, status)
        self.assertEqual(status["generation"], generation, status)
        self.assertEqual(status["dataplanes"][0]["generation"], generation, status)
        time.sleep(1.0)
        loads_after = len(re.findall(r"^rampart-dp: reload generation", self.dp_out(), re.M))
        self.assertEqual(loads_after, loads_before, "rampart-dp rebuilt on re-attach:\n%s" % self.dp_out())

        # The drop made while no daemon ran reached EVE through the ring.
        records = self.eve_records(lambda rs: self.drops(rs, lab.SID_EICAR_DROP), timeout=10)
        self.assertTrue(self.drops(records, lab.SID_EICAR_DROP),
                        "the EICAR drop made while rampartd was dead never reached EVE")
        # New alerts flow to every sink.
        pings_before = len(self.alerts(self.eve_records(), SID_ICMP_ECHO))
        self.assertEqual(self.client("ping", count=2)["replies"], 2)
        alerts, _ = self.wait_alerts(SID_ICMP_ECHO, count=pings_before + 2, timeout=10)
        self.assertEqual(len(alerts), pings_before + 2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            eve_now, syslog_now, redis_now = self.sink_counts()
            if syslog_now > syslog_before and redis_now > redis_before:
                break
            time.sleep(0.2)
        self.assertGreater(eve_now, eve_before)
        self.assertGreater(syslog_now, syslog_before, "no syslog datagram after the restart")
        self.assertGreater(redis_now, redis_before, "no Redis stream entry after the restart")
        last = json.loads(self.redis.command("XREVRANGE", "rampart:eve", "+", "-", "COUNT", 1)[0][1][1])
        self.assertIn(last["event_type"], ("alert", "drop"))


if __name__ == "__main__":
    unittest.main()
