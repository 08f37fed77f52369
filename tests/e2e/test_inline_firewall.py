"""The stateful firewall stage of rampart-dp, live in the lab (firmware/lab.sh).

Default policy (signatures/firewall/default-policy.yaml, the lab's default):
web (:80) is admitted; the server's :3389 ("a service the perimeter must
hide") is not: the client times out, the hidden service never sees the
request, a logged drop/firewall EVE record names the policy rule that covers
tcp/3389 (read from the policy file), and the stats
count firewall_deny.

A custom policy (default-action deny; allow outside->inside TCP 80; allow
ICMP): HTTP works (so its return traffic is admitted through the flow table),
:3389 is blocked, a connection the server opens towards the client is
blocked (no rule admits it), ping works.

Run as root: /usr/bin/python3 -m unittest tests.e2e.test_inline_firewall -v
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lab  # noqa: E402

CUSTOM_POLICY = """\
firewall:
  zones:
    outside: [bridge-a]
    inside: [bridge-b]
  default-action: deny
  rules:
    - name: allow-web-in
      ingress: outside
      proto: tcp
      src: any
      dst: $HOME_NET
      dst-port: 80
      action: allow
      log: true
    - name: allow-icmp
      proto: icmp
      action: allow
"""


def names_rule(record, rule):
    return record.get("event_type") in ("drop", "firewall") and rule in json.dumps(record)


@lab.skip_unless_feature("firewall")
@unittest.skipUnless(os.path.exists(lab.DEFAULT_POLICY), "%s not found" % lab.DEFAULT_POLICY)
class DefaultPolicyTest(lab.LabTestCase):
    # The lab's default config is the tree's default policy.

    def test_web_admitted_and_rdp_hidden(self):
        rule = lab.policy_rule_for(lab.DEFAULT_POLICY, "tcp", lab.HIDDEN_PORT)
        self.assertTrue(rule, "the default policy denies no tcp/%d" % lab.HIDDEN_PORT)
        r = self.client("http")
        self.assertEqual((r["result"], r["status"], r["body"]), ("response", 200, self.index_html()), r)

        r = self.client("http", port=lab.HIDDEN_PORT, timeout=2.0)
        self.assertEqual(r["result"], "timeout", r)
        self.assertEqual(self.state_file("hidden-access.log"), b"")
        records = self.eve_records(lambda rs: any(names_rule(x, rule) for x in rs))
        logged = [x for x in records if names_rule(x, rule)]
        self.assertTrue(logged, "no drop/firewall EVE record names %s: %r" % (rule, records))
        self.assertEqual((logged[0]["src_ip"], logged[0]["dest_ip"], logged[0].get("dest_port")),
                         (lab.CLIENT_IP, lab.SERVER_IP, lab.HIDDEN_PORT))

        stats = self.stats()  # brings the lab down
        self.assertGreater(lab.forward_drops(stats, "firewall_deny"), 0, stats.get("forwarding"))


@lab.skip_unless_feature("firewall")
class CustomPolicyTest(lab.LabTestCase):
    CONFIG = CUSTOM_POLICY

    def test_http_works_with_its_return_traffic(self):
        r = self.client("http")
        self.assertEqual((r["result"], r["status"], r["body"]), ("response", 200, self.index_html()), r)

    def test_rdp_is_blocked(self):
        r = self.client("tcp_connect", port=lab.HIDDEN_PORT, timeout=1.5)
        self.assertEqual(r["result"], "timeout", r)
        self.assertEqual(self.state_file("hidden-access.log"), b"")

    def test_server_cannot_open_a_connection_to_the_client(self):
        listener, ready = self.start_probe("client", "listen", bind=lab.CLIENT_IP, port=8080, seconds=4.0)
        self.assertEqual(ready, {"ready": True})
        r = self.server("tcp_connect", host=lab.CLIENT_IP, port=8080, timeout=1.5)
        self.assertEqual(r["result"], "timeout", r)
        out, err = listener.communicate(timeout=15)
        self.assertEqual(json.loads(out.strip().splitlines()[-1]), {"accepted": 0}, err)

    def test_ping_works(self):
        self.assertEqual(self.client("ping", count=3)["replies"], 3)


if __name__ == "__main__":
    unittest.main()
