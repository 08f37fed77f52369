"""Alert export and metrics through rampartd, live in the lab.

N marker datagrams from the client, each matching sid 9100100, give exactly N
alerts in every sink: the EVE file (each line valid against Suricata's EVE
schema, ../shared/data/eve/schema.json), syslog (RFC 5424 datagrams to the
test's UDP receiver, facility local5, app name "rampart", the EVE JSON as the
message) and Redis (a stream: XRANGE; the list class: LRANGE). The metrics
endpoint then says rampart_alerts_total{sid="9100100"} == N, export records
per sink advanced by N, the worker packet counters by at least 2N (request +
echo), and nothing dropped.

Run as root: /usr/bin/python3 -m unittest tests/e2e/test_ctrlplane_export.py -v
"""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ctrlplane_env  # noqa: E402
import lab  # noqa: E402
from ctrlplane_env import ControlPlaneTestCase  # noqa: E402

SID = 9100100   # ControlPlaneTestCase's default rule: content "E2E-MARK" to udp/7
N = 50
LOCAL5 = 21


def sid_of(record):
    return (record.get("alert") or {}).get("signature_id")


class ExportRedisStream(ControlPlaneTestCase):
    REDIS = "stream"

    def redis_records(self):
        if self.REDIS == "stream":
            entries = self.redis.command("XRANGE", "rampart:eve", "-", "+")
            out = []
            for _id, fields in entries:
                kv = dict(zip(fields[::2], fields[1::2]))
                out.append(json.loads(kv["eve"]))
            return out
        return [json.loads(x) for x in self.redis.command("LRANGE", "rampart:eve", 0, -1)]

    def sid_syslog(self):
        return [m for m in self.syslog.messages() if m["parsed"] and '"signature_id":%d' % SID in m["msg"]]

    def test_n_alerts_reach_every_sink_and_the_metrics(self):
        m0 = self.metrics()
        self.assertEqual(m0.get('rampart_dataplanes_attached'), 1.0, m0)
        w0 = sum(v for k, v in m0.items() if k.startswith("rampart_worker_packets_total"))
        a0 = m0.get('rampart_alerts_total{sid="%d"}' % SID, 0.0)
        eve0 = len(self.alerts(self.eve_records(), SID))
        redis0 = len([x for x in self.redis_records() if sid_of(x) == SID])
        syslog0 = len(self.sid_syslog())
        r = self.probe("client", "udp_count", count=N, payload="E2E-MARK %d" % N, rate=200)
        self.assertEqual(r["sent"], N)

        alerts, _ = self.wait_alerts(SID, count=eve0 + N, timeout=10)
        self.assertEqual(len(alerts), eve0 + N)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            redis = [x for x in self.redis_records() if sid_of(x) == SID][redis0:]
            syslog = self.sid_syslog()[syslog0:]
            if len(redis) >= N and len(syslog) >= N:
                break
            time.sleep(0.2)
        self.assertEqual(len(redis), N, "Redis %s holds %d of the %d alerts" % (self.REDIS, len(redis), N))
        self.assertEqual(len(syslog), N, "syslog got %d of the %d alerts" % (len(syslog), N))
        self.assertEqual([m for m in self.syslog.messages() if not m["parsed"]], [],
                         "datagrams that are not RFC 5424")
        for m in syslog:
            self.assertEqual(m["pri"] >> 3, LOCAL5, m["raw"][:200])
            self.assertEqual(m["app"], "rampart", m["raw"][:200])
            self.assertRegex(m["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
            record = json.loads(m["msg"])
            self.assertEqual(record["event_type"], "alert")
            self.assertEqual(record["src_ip"], lab.CLIENT_IP)
        for x in redis:
            self.assertEqual((x["src_ip"], x["dest_ip"], x["dest_port"]), (lab.CLIENT_IP, lab.SERVER_IP, 7))

        # Metrics: exact for what we can predict.
        want = a0 + N
        self.assertEqual(self.wait_metric('rampart_alerts_total{sid="%d"}' % SID, lambda v: v >= want), want)
        m1 = self.metrics()
        for sink in ("eve", "syslog", "redis"):
            key = 'rampart_export_records_total{sink="%s"}' % sink
            self.assertGreaterEqual(m1.get(key, 0) - m0.get(key, 0), N, key)
            self.assertEqual(m1.get('rampart_export_dropped_total{sink="%s"}' % sink), 0.0, sink)
        self.assertEqual(m1.get("rampart_export_ring_dropped_total"), 0.0)
        deadline = time.monotonic() + 10
        while True:
            w1 = sum(v for k, v in self.metrics().items() if k.startswith("rampart_worker_packets_total"))
            if w1 - w0 >= 2 * N or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertGreaterEqual(w1 - w0, 2 * N, "worker packets advanced by %d for %d requests + echoes"
                                % (w1 - w0, N))
        self.assertGreaterEqual(self.metrics().get("rampart_packets_total", 0), w1)

    def test_eve_lines_validate_against_the_schema(self):
        if not os.path.exists(ctrlplane_env.EVE_SCHEMA):
            self.skipTest("%s is absent (needs ../shared)" % ctrlplane_env.EVE_SCHEMA)
        import jsonschema
        with open(ctrlplane_env.EVE_SCHEMA) as f:
            schema = json.load(f)
        self.send_markers(["E2E-MARK schema"])
        self.wait_alerts(SID, count=1, timeout=5)
        lines = self.cp_file("eve.json").splitlines()
        self.assertTrue(lines)
        for line in lines:
            jsonschema.validate(json.loads(line), schema)


class ExportRedisList(ExportRedisStream):
    REDIS = "list"


if __name__ == "__main__":
    unittest.main()
