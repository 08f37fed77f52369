"""rampart-dp with 2 workers behind the software distributor, live in the lab.

veth ports have no symmetric RSS, so the software distributor spreads flows
by the documented hash (issue 3 plan: fmix32 of the XOR of addresses, ports
and protocol, modulo the worker count). The test picks client source ports
with that hash so worker 0 owns 3 UDP flows and worker 1 owns 4, sends K
datagrams per flow to the server's UDP echo and gets K echoes per flow; at
exit (lab down) the per-worker stats say each worker created exactly its
predicted flows and saw exactly 2*K datagrams per flow it owns.

Run as root: /usr/bin/python3 -m unittest tests.e2e.test_inline_workers -v
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lab  # noqa: E402

K = 5
PER_WORKER = {0: 3, 1: 4}

SOFTWARE_DISTRIBUTION = """\
dataplane:
  workers: 2
  distribution: software
"""


class HashTest(unittest.TestCase):
    """The Python copy of the hash: symmetric, and spreading flows."""

    def test_symmetric(self):
        for sport in range(40000, 40100):
            self.assertEqual(lab.worker_of(lab.CLIENT_IP, lab.SERVER_IP, 17, sport, 7, 4),
                             lab.worker_of(lab.SERVER_IP, lab.CLIENT_IP, 17, 7, sport, 4))

    def test_spreads_and_picks(self):
        ports = lab.pick_udp_source_ports(PER_WORKER, lab.ECHO_PORT, 2)
        for w, sports in ports.items():
            self.assertEqual(len(sports), PER_WORKER[w])
            for sport in sports:
                self.assertEqual(lab.worker_of(lab.CLIENT_IP, lab.SERVER_IP, 17, sport, 7, 2), w)

    def test_fmix32_known_values(self):
        # MurmurHash3 fmix32 reference values.
        self.assertEqual(lab.fmix32(0), 0)
        self.assertEqual(lab.fmix32(1), 0x514E28B7)


@lab.skip_unless_feature("workers")
class TwoWorkersTest(lab.LabTestCase):
    WORKERS = 2
    CONFIG = SOFTWARE_DISTRIBUTION

    def test_flows_land_on_their_predicted_worker(self):
        ports = lab.pick_udp_source_ports(PER_WORKER, lab.ECHO_PORT, 2)
        flows = [[sport, ["w%d flow %d datagram %d" % (w, sport, i) for i in range(K)]]
                 for w, sports in sorted(ports.items()) for sport in sports]
        r = self.client("udp", port=lab.ECHO_PORT, flows=flows, timeout=1.0)
        self.assertEqual(r["results"], [["echo"] * K] * len(flows), r)

        stats = self.stats()  # brings the lab down
        workers = sorted(stats.get("workers") or [], key=lambda w: w["index"])
        self.assertEqual([w["index"] for w in workers], [0, 1], stats.get("workers"))
        for w in workers:
            i = w["index"]
            self.assertEqual(w["flows_created"], PER_WORKER[i], "worker %d: %r" % (i, w))
            self.assertEqual(lab.layer_count(w, "udp"), 2 * K * PER_WORKER[i], "worker %d: %r" % (i, w))
        self.assertEqual(sum(w["flows_created"] for w in workers), len(flows))


if __name__ == "__main__":
    unittest.main()
